/*
 * test_hostile.c - a raw peer that speaks the wire protocol by hand sends
 * every kind of malformed message, fd and ring to our master (and a raw
 * master to our slave).  Each time the library must close that session
 * only, with a DISCONNECT that says why, while a good interface on the
 * same socket keeps exchanging traffic.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "loopback.h"
#include "internal.h"
#include "rawpeer.h"

static struct pair P;		    /* the good pair, id 2 */
static memif_conn_handle_t target; /* master id 1: the hostile peer's aim */
static int target_disconnects;

static int
count_disc (memif_conn_handle_t c, void *ctx)
{
  (void) c;
  (void) ctx;
  target_disconnects++;
  return 0;
}

static int
setup (void **state)
{
  memif_conn_args_t ma, sa, ta;

  (void) state;
  if (lb_open (&P, "hostile"))
    return -1;
  lb_args (&ma, true, 2, 1, 8, 2048);
  lb_args (&sa, false, 2, 1, 8, 2048);
  if (lb_create (&P, &ma, &sa, false)
      || !LB_PUMP_UNTIL (&P, P.m.connects && P.s.connects, 3000))
    return -1;
  lb_args (&ta, true, 1, 1, 8, 2048);
  ta.socket = P.m.sock;
  return memif_create (&target, &ta, NULL, count_disc, NULL, NULL);
}

static int
teardown (void **state)
{
  (void) state;
  memif_delete (&target);
  lb_close (&P);
  return 0;
}

/* The good pair still moves data both ways. */
static void
good_pair_works (void)
{
  assert_int_equal (lb_send (&P.s, 0, 20, 300), 20);
  assert_int_equal (lb_recv (&P.m, 0, 300), 20);
  assert_int_equal (lb_send (&P.m, 0, 20, 300), 20);
  assert_int_equal (lb_recv (&P.s, 0, 300), 20);
}

/* Pump our loops until a message arrives on the raw socket (or EOF). */
static int
raw_recv (int fd, struct msg *m)
{
  uint64_t end = lb_now_ms () + 7000;
  ssize_t n;

  while (lb_now_ms () < end)
    {
      n = recv (fd, m, sizeof *m, MSG_DONTWAIT);
      if (n >= 0)
	return (int) n;
      memif_per_thread_poll_event (P.m.db, 5);
      memif_per_thread_poll_event (P.s.db, 0);
    }
  return -1;
}

/* The session must end with DISCONNECT(reason) and then EOF. */
static void
expect_disconnect (int fd, const char *reason)
{
  struct msg m;
  char got[MEMIF_REASON_LEN + 1];

  do
    assert_int_equal (raw_recv (fd, &m), 128);
  while (m.type == MSG_HELLO || m.type == MSG_ACK);
  assert_int_equal (m.type, MSG_DISCONNECT);
  memcpy (got, m.disconnect.string, MEMIF_REASON_LEN);
  got[MEMIF_REASON_LEN] = 0;
  assert_string_equal (got, reason);
  assert_int_equal (raw_recv (fd, &m), 0);
  close (fd);
  good_pair_works ();
}

static int
hello_then (void)
{
  struct msg m;
  int fd = raw_connect_to (P.sockname);

  assert_int_equal (raw_recv (fd, &m), 128);
  assert_int_equal (m.type, MSG_HELLO);
  assert_int_equal (m.hello.min_version, 0x0200);
  assert_int_equal (m.hello.max_log2_ring_size, 14);
  return fd;
}

/* HELLO, INIT for the target, ACK: ready for regions and rings. */
static int
after_init (void)
{
  struct msg m;
  int fd = hello_then ();

  raw_init_msg (&m, 1, NULL);
  raw_send_msg (fd, &m, -1);
  assert_int_equal (raw_recv (fd, &m), 128);
  assert_int_equal (m.type, MSG_ACK);
  return fd;
}

/* Send a region and expect its ACK; returns the fd we keep. */
static int
good_region (int fd, uint16_t index, size_t size)
{
  struct msg m;
  int mfd = raw_memfd (size, true);

  raw_region_msg (&m, index, size);
  raw_send_msg (fd, &m, mfd);
  assert_int_equal (raw_recv (fd, &m), 128);
  assert_int_equal (m.type, MSG_ACK);
  return mfd;
}

/* An S2M or M2S ring in region 0 that the master must accept. */
static void
ring_acked (int fd, bool s2m, uint16_t index, uint32_t offset, int efd)
{
  struct msg m;

  raw_ring_msg (&m, s2m, index, 0, offset, 8);
  raw_send_msg (fd, &m, efd);
  assert_int_equal (raw_recv (fd, &m), 128);
  assert_int_equal (m.type, MSG_ACK);
}

static void
send_connect (int fd)
{
  struct msg m;

  raw_type_msg (&m, MSG_CONNECT);
  raw_send_msg (fd, &m, -1);
}

/* ---- malformed messages ------------------------------------------------- */

static void
test_short_long_unknown (void **state)
{
  char junk[300] = { 2 };
  struct msg m;
  int fd;

  (void) state;
  fd = hello_then ();
  raw_send_fds (fd, junk, 64, NULL, 0);
  expect_disconnect (fd, "malformed message");

  fd = hello_then ();
  raw_send_fds (fd, junk, 300, NULL, 0);
  expect_disconnect (fd, "malformed message");

  fd = hello_then ();
  memset (&m, 0, sizeof m);
  m.type = 99;
  raw_send_msg (fd, &m, -1);
  expect_disconnect (fd, "unexpected unknown message");
}

static void
test_out_of_order_and_duplicates (void **state)
{
  struct msg m;
  int fd, efd;

  (void) state;
  fd = hello_then ();
  raw_region_msg (&m, 0, 4096);
  efd = raw_memfd (4096, true);
  raw_send_msg (fd, &m, efd);
  close (efd);
  expect_disconnect (fd, "unexpected ADD_REGION message");

  fd = after_init ();
  raw_init_msg (&m, 1, NULL);
  raw_send_msg (fd, &m, -1);
  expect_disconnect (fd, "unexpected INIT message");

  fd = after_init ();
  memset (&m, 0, sizeof m);
  m.type = MSG_HELLO;
  raw_send_msg (fd, &m, -1);
  expect_disconnect (fd, "unexpected HELLO message");

  /* CONNECTED is the master's word, never the slave's. */
  fd = after_init ();
  memset (&m, 0, sizeof m);
  m.type = MSG_CONNECTED;
  raw_send_msg (fd, &m, -1);
  expect_disconnect (fd, "unexpected CONNECTED message");
}

static void
test_fds_missing_extra_wrong_kind (void **state)
{
  struct msg m;
  int fd, fds[2];

  (void) state;
  fd = after_init ();
  raw_region_msg (&m, 0, 4096);
  raw_send_msg (fd, &m, -1);
  expect_disconnect (fd, "region without fd");

  fd = after_init ();
  fds[0] = raw_memfd (4096, true);
  fds[1] = raw_memfd (4096, true);
  raw_region_msg (&m, 0, 4096);
  raw_send_fds (fd, &m, sizeof m, fds, 2);
  close (fds[0]);
  close (fds[1]);
  expect_disconnect (fd, "malformed message");

  /* A socket instead of a memfd. */
  fd = after_init ();
  int sp[2];
  socketpair (AF_UNIX, SOCK_STREAM, 0, sp);
  raw_send_msg (fd, &m, sp[0]);
  expect_disconnect (fd, "region fd is not a shared memory file");

  /* An eventfd instead of a memfd. */
  fd = after_init ();
  int e = eventfd (0, 0);
  raw_send_msg (fd, &m, e);
  expect_disconnect (fd, "region fd is not a shared memory file");

  /* A file on disk instead of shared memory. */
  fd = after_init ();
  char path[] = "build/hostile-XXXXXX";
  int f = mkstemp (path);
  unlink (path);
  assert_int_equal (ftruncate (f, 4096), 0);
  raw_send_msg (fd, &m, f);
  expect_disconnect (fd, "region fd is not a shared memory file");

  /* A fd with INIT, which takes none. */
  fd = hello_then ();
  raw_init_msg (&m, 1, NULL);
  raw_send_msg (fd, &m, e);
  expect_disconnect (fd, "unexpected fd with message");

  /* A memfd instead of a ring's eventfd. */
  fd = after_init ();
  int r0 = good_region (fd, 0, 65536);
  raw_ring_msg (&m, true, 0, 0, 0, 8);
  raw_send_msg (fd, &m, r0);
  expect_disconnect (fd, "ring fd is not an eventfd");
  close (r0);

  fd = after_init ();
  r0 = good_region (fd, 0, 65536);
  raw_ring_msg (&m, true, 0, 0, 0, 8);
  raw_send_msg (fd, &m, -1);
  expect_disconnect (fd, "ring without interrupt fd");
  close (r0);
  close (e);
  close (f);
  close (sp[0]);
  close (sp[1]);
}

static void
test_regions_and_rings_out_of_bounds (void **state)
{
  struct msg m;
  int fd, r0, e = eventfd (0, 0);
  struct
  {
    bool s2m;
    uint16_t index, region;
    uint32_t offset;
    uint8_t log2;
    uint16_t privhdr;
    const char *why;
  } cases[] = {
    { true, 0, 0, 65536 - 1024, 8, 0, "ring outside its region" },
    { true, 0, 0, 0xfffffff8u, 8, 0, "ring outside its region" },
    { true, 0, 1, 0, 8, 0, "ring in an unknown region" },
    { true, 0, 0, 0, 15, 0, "ring size too large" },
    { true, 300, 0, 0, 8, 0, "ring index out of range" },
    { true, 0, 0, 0, 8, 4, "private headers not supported" },
    { true, 0, 0, 4, 8, 0, "ring offset not aligned" },
  };

  (void) state;
  /* A region smaller than announced. */
  fd = after_init ();
  int small = raw_memfd (4096, true);
  raw_region_msg (&m, 0, 65536);
  raw_send_msg (fd, &m, small);
  close (small);
  expect_disconnect (fd, "region smaller than announced");

  /* Regions out of order. */
  fd = after_init ();
  int r = raw_memfd (4096, true);
  raw_region_msg (&m, 1, 4096);
  raw_send_msg (fd, &m, r);
  close (r);
  expect_disconnect (fd, "region index out of order");

  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      fd = after_init ();
      r0 = good_region (fd, 0, 65536);
      raw_ring_msg (&m, cases[i].s2m, cases[i].index, cases[i].region,
		cases[i].offset, cases[i].log2);
      m.add_ring.private_hdr_size = cases[i].privhdr;
      raw_send_msg (fd, &m, e);
      expect_disconnect (fd, cases[i].why);
      close (r0);
    }

  /* The same ring twice. */
  fd = after_init ();
  r0 = good_region (fd, 0, 65536);
  ring_acked (fd, true, 0, 0, e);
  raw_ring_msg (&m, true, 0, 0, 8192, 8);
  raw_send_msg (fd, &m, e);
  expect_disconnect (fd, "duplicate ring");
  close (r0);

  /* CONNECT with rings 0 and 2 only. */
  fd = after_init ();
  r0 = good_region (fd, 0, 65536);
  ring_acked (fd, true, 0, 0, e);
  ring_acked (fd, true, 2, 2 * 8192u, e);
  send_connect (fd);
  expect_disconnect (fd, "ring indexes are not contiguous");
  close (r0);

  /* CONNECT with no M2S ring, then with a ring that has no cookie. */
  fd = after_init ();
  r0 = good_region (fd, 0, 65536);
  ring_acked (fd, true, 0, 0, e);
  send_connect (fd);
  expect_disconnect (fd, "no rings");
  close (r0);

  fd = after_init ();
  r0 = good_region (fd, 0, 65536);
  ring_acked (fd, true, 0, 0, e);
  ring_acked (fd, false, 0, 8192, e);
  send_connect (fd);
  expect_disconnect (fd, "wrong ring cookie");
  close (r0);
  close (e);
  assert_true (target_disconnects > 0);
  memif_details_t md;
  char buf[1024];
  memif_get_details (target, &md, buf, sizeof buf);
  assert_string_equal ((char *) md.error, "wrong ring cookie");
}

/* ---- a raw slave that connects for real, then misbehaves ---------------- */

struct raw_slave
{
  int fd, region, efd[2];
  uint8_t *mem;
  struct memif_ring *s2m, *m2s;
};

#define RS_LOG2 RAW_LOG2
#define RS_SIZE RAW_SLOTS
#define RS_RING_BYTES RAW_RING_BYTES
#define RS_BUFS RAW_BUFS
#define RS_REGION RAW_REGION

static void
raw_slave_connect_with (struct raw_slave *rs, int region_fd)
{
  struct msg m;

  rs->fd = after_init ();
  rs->region = region_fd;
  rs->mem = mmap (NULL, RS_REGION, PROT_READ | PROT_WRITE, MAP_SHARED,
		  rs->region, 0);
  rs->s2m = (struct memif_ring *) rs->mem;
  rs->m2s = (struct memif_ring *) (rs->mem + RS_RING_BYTES);
  raw_layout (rs->mem);
  raw_region_msg (&m, 0, RS_REGION);
  raw_send_msg (rs->fd, &m, rs->region);
  assert_int_equal (raw_recv (rs->fd, &m), 128);
  for (int d = 0; d < 2; d++)
    {
      rs->efd[d] = eventfd (0, EFD_NONBLOCK);
      raw_ring_msg (&m, d == 0, 0, 0, d ? RS_RING_BYTES : 0, RS_LOG2);
      raw_send_msg (rs->fd, &m, rs->efd[d]);
      assert_int_equal (raw_recv (rs->fd, &m), 128);
      assert_int_equal (m.type, MSG_ACK);
    }
  send_connect (rs->fd);
  assert_int_equal (raw_recv (rs->fd, &m), 128);
  assert_int_equal (m.type, MSG_CONNECTED);
}

static void
raw_slave_connect (struct raw_slave *rs)
{
  raw_slave_connect_with (rs, raw_memfd (RS_REGION, true));
}

static void
raw_slave_close (struct raw_slave *rs)
{
  munmap (rs->mem, RS_REGION);
  close (rs->region);
  close (rs->efd[0]);
  close (rs->efd[1]);
}

static void
test_bad_descriptors_dropped (void **state)
{
  struct raw_slave rs;
  memif_conn_stats_t st;
  memif_buffer_t b[64];
  uint16_t n;

  (void) state;
  raw_slave_connect (&rs);
  memif_get_conn_stats (target, &st);
  uint64_t bad0 = st.bad_desc;
  /* 6 descriptors: good, bad region, offset past the end, length past the
   * end, zero length, good. */
  struct memif_desc *d = rs.s2m->desc;
  d[0].length = 100;
  d[1] = (struct memif_desc){ .region = 7, .offset = RS_BUFS, .length = 100 };
  d[2] = (struct memif_desc){ .offset = RS_REGION + 4096, .length = 100 };
  d[3] = (struct memif_desc){ .offset = RS_REGION - 50, .length = 100 };
  d[4] = (struct memif_desc){ .offset = RS_BUFS, .length = 0 };
  d[5].length = 200;
  memcpy (rs.mem + d[0].offset, "first", 5);
  memcpy (rs.mem + d[5].offset, "last", 4);
  __atomic_store_n (&rs.s2m->head, 6, __ATOMIC_RELEASE);
  assert_int_equal (memif_rx_burst (target, 0, b, 64, &n), 0);
  assert_int_equal (n, 2);
  assert_memory_equal (b[0].data, "first", 5);
  assert_int_equal (b[1].len, 200);
  assert_memory_equal (b[1].data, "last", 4);
  memif_get_conn_stats (target, &st);
  assert_int_equal (st.bad_desc - bad0, 4);
  /* Both good slots returned: tail passes the bad ones too. */
  assert_int_equal (memif_refill_queue (target, 0, 2, 0), 0);
  assert_int_equal (__atomic_load_n (&rs.s2m->tail, __ATOMIC_ACQUIRE), 6);
  good_pair_works ();

  /* Now head jumps by more than the ring: the session is closed. */
  __atomic_store_n (&rs.s2m->head, 6 + RS_SIZE + 1, __ATOMIC_RELEASE);
  assert_int_equal (memif_rx_burst (target, 0, b, 64, &n),
		    MEMIF_ERR_DISCONNECTED);
  expect_disconnect (rs.fd, "peer moved head beyond the ring");
  raw_slave_close (&rs);
}

static void
test_bad_offered_buffer_breaks (void **state)
{
  struct raw_slave rs;
  memif_buffer_t b[4];
  uint16_t n;

  (void) state;
  raw_slave_connect (&rs);
  /* Offer one M2S buffer that points past the region. */
  rs.m2s->desc[0] = (struct memif_desc){ .offset = RS_REGION - 100,
					 .length = 2048 };
  __atomic_store_n (&rs.m2s->head, 1, __ATOMIC_RELEASE);
  assert_int_equal (memif_buffer_alloc (target, 0, b, 1, &n, 64),
		    MEMIF_ERR_DISCONNECTED);
  assert_int_equal (n, 0);
  expect_disconnect (rs.fd, "peer offered a buffer outside its regions");
  raw_slave_close (&rs);
}

/* A region that cannot be sealed is shrunk after connect: the access that
 * faults is absorbed, the session closed, the process lives on. */
static void
test_region_shrunk_under_us (void **state)
{
  struct raw_slave rs;
  memif_buffer_t b[8];
  uint16_t n;
  int fd = memfd_create ("unsealable", MFD_CLOEXEC); /* no ALLOW_SEALING */

  (void) state;
  assert_int_equal (ftruncate (fd, RS_REGION), 0);
  raw_slave_connect_with (&rs, fd);
  rs.s2m->desc[0].length = 64;
  __atomic_store_n (&rs.s2m->head, 1, __ATOMIC_RELEASE);
  assert_int_equal (memif_rx_burst (target, 0, b, 8, &n), 0);
  assert_int_equal (n, 1);
  assert_int_equal (memif_refill_queue (target, 0, n, 0), 0);
  assert_int_equal (ftruncate (fd, 0), 0); /* the rug is pulled */
  memif_rx_burst (target, 0, b, 8, &n);    /* faults; must not kill us */
  memif_buffer_alloc (target, 0, b, 1, &n, 64);
  expect_disconnect (rs.fd, "peer shrank a shared region");
  raw_slave_close (&rs);
}

/* A fault outside every guarded region goes where it would have gone
 * without us: to the handler installed before, or the default (death).
 * Runs first, in children forked before this process installs the guard. */
static void
on_foreign_bus (int sig)
{
  (void) sig;
  _exit (42);
}

static int
foreign_fault_child (bool own_handler)
{
  int status, fd;
  pid_t pid = fork ();

  if (pid == 0)
    {
      signal (SIGBUS, own_handler ? on_foreign_bus : SIG_DFL);
      static uint8_t dummy[4096];
      if (guard_add (dummy, sizeof dummy, -1) < 0) /* installs our handler */
	_exit (2);
      fd = memfd_create ("foreign", 0);
      if (ftruncate (fd, 8192) < 0)
	_exit (3);
      volatile uint8_t *p = mmap (NULL, 8192, PROT_READ | PROT_WRITE,
				  MAP_SHARED, fd, 0);
      if (ftruncate (fd, 0) < 0)
	_exit (4);
      p[4096] = 1;
      _exit (0);
    }
  waitpid (pid, &status, 0);
  return status;
}

static void
test_foreign_sigbus_not_absorbed (void **state)
{
  (void) state;
  int st = foreign_fault_child (false);
  assert_true (WIFSIGNALED (st));
  assert_int_equal (WTERMSIG (st), SIGBUS);
  st = foreign_fault_child (true);
  assert_true (WIFEXITED (st));
  assert_int_equal (WEXITSTATUS (st), 42);
}

/* ---- floods and stalls --------------------------------------------------- */

static void
test_connection_flood (void **state)
{
  int fds[300];

  (void) state;
  /* Hundreds of connections that say nothing: the master keeps at most a
   * bounded number, and the good pair is not disturbed. */
  for (int i = 0; i < 300; i++)
    {
      fds[i] = raw_connect_to (P.sockname);
      if (i % 16 == 0)
	good_pair_works ();
      memif_per_thread_poll_event (P.m.db, 0);
    }
  for (int i = 0; i < 50; i++)
    memif_per_thread_poll_event (P.m.db, 0);
  good_pair_works ();
  for (int i = 0; i < 300; i++)
    close (fds[i]);
  for (int i = 0; i < 400; i++)
    memif_per_thread_poll_event (P.m.db, 0);
  good_pair_works ();
}

static void
test_stalled_handshake_times_out (void **state)
{
  struct msg m;
  int fd;

  (void) state;
  fd = after_init (); /* then says nothing more */
  uint64_t t0 = lb_now_ms ();
  do
    assert_int_equal (raw_recv (fd, &m), 128);
  while (m.type != MSG_DISCONNECT);
  uint64_t dt = lb_now_ms () - t0;
  assert_true (dt >= 4000 && dt < 7000);
  assert_string_equal ((char *) m.disconnect.string, "handshake timed out");
  close (fd);
  good_pair_works ();
}

/* ---- a hostile master facing our slave ---------------------------------- */

static void
test_hostile_master (void **state)
{
  memif_per_thread_main_handle_t db = NULL;
  memif_socket_handle_t s = NULL;
  memif_conn_handle_t c = NULL;
  memif_conn_args_t a;
  memif_details_t md;
  char name[64], buf[1024];
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  struct msg m;
  int lfd, fd;

  (void) state;
  snprintf (name, sizeof name, "memifd-test-%d-rawmaster", (int) getpid ());
  memcpy (sa.sun_path + 1, name, strlen (name));
  lfd = socket (AF_UNIX, SOCK_SEQPACKET, 0);
  assert_int_equal (bind (lfd, (struct sockaddr *) &sa,
			  (socklen_t) (offsetof (struct sockaddr_un, sun_path)
				       + 1 + strlen (name))), 0);
  listen (lfd, 4);
  snprintf (buf, sizeof buf, "@%s", name);
  assert_int_equal (memif_per_thread_init (&db, NULL, NULL, "victim", NULL,
					   NULL, NULL), 0);
  assert_int_equal (memif_per_thread_create_socket (db, &s, buf, NULL), 0);
  lb_args (&a, false, 0, 1, 8, 2048);
  a.socket = s;
  assert_int_equal (memif_create (&c, &a, NULL, NULL, NULL, NULL), 0);
  fd = accept (lfd, NULL, NULL);
  /* HELLO with a version range without 2.0. */
  memset (&m, 0, sizeof m);
  m.type = MSG_HELLO;
  m.hello.min_version = 0x0300;
  m.hello.max_version = 0x0300;
  raw_send_msg (fd, &m, -1);
  memif_per_thread_poll_event (db, 100);
  assert_int_equal (recv (fd, &m, sizeof m, 0), 128);
  assert_int_equal (m.type, MSG_DISCONNECT);
  assert_string_equal ((char *) m.disconnect.string, "incompatible version");
  memif_get_details (c, &md, buf, sizeof buf);
  assert_string_equal ((char *) md.error, "incompatible version");
  close (fd);
  /* Reconnect by hand; this time the master answers with an ACK first. */
  assert_int_equal (memif_request_connection (c), 0);
  fd = accept (lfd, NULL, NULL);
  memset (&m, 0, sizeof m);
  m.type = MSG_ACK;
  raw_send_msg (fd, &m, -1);
  memif_per_thread_poll_event (db, 100);
  assert_int_equal (recv (fd, &m, sizeof m, 0), 128);
  assert_int_equal (m.type, MSG_DISCONNECT);
  assert_string_equal ((char *) m.disconnect.string, "unexpected ACK message");
  close (fd);
  /* A HELLO whose name fills its field without a NUL is copied bounded. */
  assert_int_equal (memif_request_connection (c), 0);
  fd = accept (lfd, NULL, NULL);
  memset (&m, 0, sizeof m);
  m.type = MSG_HELLO;
  m.hello.min_version = m.hello.max_version = 0x0200;
  memset (m.hello.name, 'X', sizeof m.hello.name);
  m.hello.max_log2_ring_size = 6;
  raw_send_msg (fd, &m, -1);
  memif_per_thread_poll_event (db, 100);
  assert_int_equal (recv (fd, &m, sizeof m, 0), 128);
  assert_int_equal (m.type, MSG_INIT);
  /* Our slave accepted log2 6 (the master's limit) and HELLO's ring limit
   * of index 0 = one ring. */
  memif_get_details (c, &md, buf, sizeof buf);
  close (fd);
  memif_per_thread_poll_event (db, 100);
  memif_delete (&c);
  memif_delete_socket (&s);
  memif_per_thread_cleanup (&db);
  close (lfd);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_foreign_sigbus_not_absorbed), /* must be first */
    cmocka_unit_test (test_short_long_unknown),
    cmocka_unit_test (test_out_of_order_and_duplicates),
    cmocka_unit_test (test_fds_missing_extra_wrong_kind),
    cmocka_unit_test (test_regions_and_rings_out_of_bounds),
    cmocka_unit_test (test_bad_descriptors_dropped),
    cmocka_unit_test (test_bad_offered_buffer_breaks),
    cmocka_unit_test (test_region_shrunk_under_us),
    cmocka_unit_test (test_connection_flood),
    cmocka_unit_test (test_stalled_handshake_times_out),
    cmocka_unit_test (test_hostile_master),
  };
  return cmocka_run_group_tests (tests, setup, teardown);
}
