/*
 * test_v4_api.c - what only the libmemif 4.x API has: socket arguments
 * (path with '@' or '\0', app name, connection request timer, fd-update
 * callback, allocators), memif_fd_event_t and memif_control_fd_handler,
 * the per-socket internal epoll, poll and cancel per socket, no default
 * socket, external regions per socket, version string, socket handle,
 * path and listener fd, a listener handed in, buffer requeue, next free
 * buffer, details' socket_path and 16-bit queue ids; and the 4.x ABI.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cmocka.h>

#include "loopback4.h"

static char dbuf[65536];

/* ---- ABI ----------------------------------------------------------------- */

static void
test_abi (void **state)
{
  (void) state;
  assert_string_equal (LIBMEMIF_VERSION, "4.0");
  assert_int_equal (MEMIF_FD_EVENT_READ, 1);
  assert_int_equal (MEMIF_FD_EVENT_WRITE, 2);
  assert_int_equal (MEMIF_FD_EVENT_ERROR, 4);
  assert_int_equal (MEMIF_FD_EVENT_DEL, 8);
  assert_int_equal (MEMIF_FD_EVENT_MOD, 16);
  assert_int_equal (MEMIF_ERR_INVAL_ARG, 11);
  assert_int_equal (MEMIF_ERR_POLL_CANCEL, 37);
  assert_int_equal (MEMIF_ERR_PRIVHDR, 39);
  assert_int_equal (offsetof (memif_socket_args_t, app_name), 108);
  assert_int_equal (offsetof (memif_socket_args_t, connection_request_timer),
		    144);
  assert_int_equal (offsetof (memif_socket_args_t, on_control_fd_update), 176);
  assert_int_equal (offsetof (memif_socket_args_t, free), 200);
  assert_int_equal (sizeof (memif_socket_args_t), 208);
  assert_int_equal (offsetof (memif_fd_event_t, private_ctx), 8);
  assert_int_equal (offsetof (memif_buffer_t, queue), 8);
  assert_int_equal (offsetof (memif_buffer_t, data), 24);
  assert_int_equal (offsetof (memif_queue_details_t, qid), 2);
  assert_int_equal (sizeof (((memif_queue_details_t *) 0)->qid), 2);
  assert_int_equal (offsetof (memif_queue_details_t, ring_size), 4);
  assert_int_equal (offsetof (memif_details_t, socket_path), 56);
  assert_int_equal (sizeof (memif_conn_args_t), 80);
  assert_int_equal (memif_get_version (), 0x0200);
  assert_string_equal (memif_get_version_str (), "2.0");
}

/* ---- sockets -------------------------------------------------------------- */

static int nalloc, nfree;
static void *
count_alloc (size_t n)
{
  nalloc++;
  return malloc (n);
}
static void *
count_realloc (void *p, size_t n)
{
  if (!p)
    nalloc++;
  return realloc (p, n);
}
static void
count_free (void *p)
{
  if (p)
    nfree++;
  free (p);
}

static int
sock_with (memif_socket_handle_t *s, const char *path, const char *app)
{
  memif_socket_args_t a = { 0 };

  snprintf (a.path, sizeof a.path, "%s", path);
  snprintf (a.app_name, sizeof a.app_name, "%s", app);
  return memif_create_socket (s, &a, NULL);
}

static void
test_create_socket_args (void **state)
{
  memif_socket_args_t a = { 0 };
  memif_socket_handle_t s = NULL;

  (void) state;
  assert_int_equal (memif_create_socket (NULL, &a, NULL), MEMIF_ERR_INVAL_ARG);
  assert_int_equal (memif_create_socket (&s, NULL, NULL), MEMIF_ERR_INVAL_ARG);
  assert_int_equal (memif_create_socket (&s, &a, NULL), MEMIF_ERR_INVAL_ARG);
  strcpy (a.path, "@");
  assert_int_equal (memif_create_socket (&s, &a, NULL), MEMIF_ERR_INVAL_ARG);
  memset (a.path, 'x', sizeof a.path); /* not terminated */
  assert_int_equal (memif_create_socket (&s, &a, NULL), MEMIF_ERR_INVAL_ARG);
  assert_null (s);

  /* "\0NAME" is the abstract socket NAME, spelled "@NAME" afterwards. */
  memset (a.path, 0, sizeof a.path);
  memcpy (a.path, "\0v4-abstract", 12);
  assert_int_equal (memif_create_socket (&s, &a, NULL), 0);
  assert_string_equal (memif_get_socket_path (s), "@v4-abstract");
  assert_int_equal (memif_get_listener_fd (s), -1);
  assert_int_equal (memif_delete_socket (&s), 0);
  assert_null (s);
  assert_int_equal (memif_delete_socket (&s), MEMIF_ERR_INVAL_ARG);
  assert_null (memif_get_socket_path (NULL));
  assert_int_equal (memif_get_listener_fd (NULL), -1);

  /* The allocators are used, and everything allocated is freed. */
  nalloc = nfree = 0;
  strcpy (a.path, "/run/v4-alloc.sock");
  a.alloc = count_alloc;
  a.realloc = count_realloc;
  a.free = count_free;
  assert_int_equal (memif_create_socket (&s, &a, NULL), 0);
  assert_true (nalloc > 0);
  memif_conn_handle_t c = NULL;
  memif_conn_args_t ca;
  lb_args (&ca, false, 0, 1, 8, 2048);
  ca.socket = s;
  assert_int_equal (memif_create (&c, &ca, NULL, NULL, NULL, NULL), 0);
  assert_int_equal (memif_delete_socket (&s), MEMIF_ERR_INVAL_ARG); /* in use */
  assert_int_equal (memif_get_socket_handle (c), s);
  assert_null (memif_get_socket_handle (NULL));
  memif_delete (&c);
  assert_int_equal (memif_delete_socket (&s), 0);
  assert_int_equal (nalloc, nfree);
}

static void
test_no_default_socket (void **state)
{
  memif_conn_handle_t c = NULL;
  memif_conn_args_t a;

  (void) state;
  lb_args (&a, true, 0, 1, 8, 2048);
  assert_int_equal (memif_create (&c, &a, NULL, NULL, NULL, NULL),
		    MEMIF_ERR_INVAL_ARG);
  assert_null (c);
  assert_int_equal (memif_create (NULL, &a, NULL, NULL, NULL, NULL),
		    MEMIF_ERR_INVAL_ARG);
}

/* A pair linked: app names, socket_path, 16-bit queue ids, handles. */
static void
test_details_and_handles (void **state)
{
  struct pair p;
  memif_conn_args_t ma, sa;
  memif_details_t md;

  (void) state;
  assert_int_equal (lb_open (&p, "details"), 0);
  lb_args (&ma, true, 9, 3, 8, 2048);
  lb_args (&sa, false, 9, 3, 8, 2048);
  assert_int_equal (lb_create (&p, &ma, &sa, false), 0);
  assert_true (LB_PUMP_UNTIL (&p, p.m.connects && p.s.connects, 3000));
  assert_int_equal (memif_get_details (p.m.conn, &md, dbuf, sizeof dbuf), 0);
  assert_string_equal ((char *) md.socket_path, p.sockname);
  assert_string_equal ((char *) md.inst_name, "master-app");
  assert_string_equal ((char *) md.remote_inst_name, "slave-app");
  assert_int_equal (md.rx_queues_num, 3);
  for (uint16_t q = 0; q < 3; q++)
    assert_int_equal (md.rx_queues[q].qid, q);
  assert_int_equal (md.link_up_down, 1);
  assert_int_equal (memif_get_socket_handle (p.m.conn), p.m.sock);
  assert_true (memif_get_listener_fd (p.m.sock) >= 0);
  assert_int_equal (memif_get_listener_fd (p.s.sock), -1);
  /* Polling is per socket: a cancelled one returns at once. */
  assert_int_equal (memif_cancel_poll_event (p.s.sock), 0);
  assert_int_equal (memif_poll_event (p.s.sock, -1), MEMIF_ERR_POLL_CANCEL);
  assert_int_equal (memif_poll_event (NULL, 0), MEMIF_ERR_INVAL_ARG);
  assert_int_equal (memif_cancel_poll_event (NULL), MEMIF_ERR_INVAL_ARG);
  assert_int_equal (lb_send (&p.m, 2, 10, 3000), 10); /* chained */
  assert_int_equal (lb_recv (&p.s, 2, 3000), 10);
  lb_close (&p);
}

/* ---- the application's own loop ------------------------------------------ */

struct app_loop
{
  int epfd;
  int adds, mods, dels;
  void *ctx_seen;
};

static int
app_fd_update (memif_fd_event_t fde, void *private_ctx)
{
  struct app_loop *l = private_ctx;
  struct epoll_event ev = { .data.ptr = fde.private_ctx };

  l->ctx_seen = private_ctx;
  if (fde.type & MEMIF_FD_EVENT_DEL)
    {
      l->dels++;
      return epoll_ctl (l->epfd, EPOLL_CTL_DEL, fde.fd, NULL);
    }
  if (fde.type & MEMIF_FD_EVENT_READ)
    ev.events |= EPOLLIN;
  if (fde.type & MEMIF_FD_EVENT_WRITE)
    ev.events |= EPOLLOUT;
  if (fde.type & MEMIF_FD_EVENT_MOD)
    {
      l->mods++;
      return epoll_ctl (l->epfd, EPOLL_CTL_MOD, fde.fd, &ev);
    }
  l->adds++;
  return epoll_ctl (l->epfd, EPOLL_CTL_ADD, fde.fd, &ev);
}

static void
app_turn (struct app_loop *l)
{
  struct epoll_event ev[8];
  int n = epoll_wait (l->epfd, ev, 8, 1);

  for (int i = 0; i < n; i++)
    {
      memif_fd_event_type_t t = 0;
      if (ev[i].events & EPOLLIN)
	t |= MEMIF_FD_EVENT_READ;
      if (ev[i].events & EPOLLOUT)
	t |= MEMIF_FD_EVENT_WRITE;
      if (ev[i].events & (EPOLLERR | EPOLLHUP))
	t |= MEMIF_FD_EVENT_ERROR;
      memif_control_fd_handler (ev[i].data.ptr, t);
    }
}

static int up_count;
static int
count_up (memif_conn_handle_t c, void *ctx)
{
  (void) ctx;
  up_count++;
  memif_refill_queue (c, 0, 0xffff, 0);
  return 0;
}
static int
count_down (memif_conn_handle_t c, void *ctx)
{
  (void) c, (void) ctx;
  up_count--;
  return 0;
}

static void
test_fd_update_callback (void **state)
{
  struct app_loop l = { .epfd = epoll_create1 (0) };
  memif_socket_args_t a = { .on_control_fd_update = app_fd_update };
  memif_socket_handle_t ms = NULL, ss = NULL;
  memif_conn_handle_t mc = NULL, sc = NULL;
  memif_conn_args_t ma, sa;

  (void) state;
  snprintf (a.path, sizeof a.path, "@v4-cb-%d", (int) getpid ());
  snprintf (a.app_name, sizeof a.app_name, "cb-app");
  assert_int_equal (memif_create_socket (&ms, &a, &l), 0);
  assert_true (l.adds >= 2); /* timer and housekeeping, no cancel fd */
  assert_ptr_equal (l.ctx_seen, &l);
  /* The application owns the loop: our poll has nothing to poll. */
  assert_int_equal (memif_poll_event (ms, 0), MEMIF_ERR_INVAL_ARG);
  assert_int_equal (memif_cancel_poll_event (ms), MEMIF_ERR_INVAL_ARG);
  assert_int_equal (memif_control_fd_handler (NULL, MEMIF_FD_EVENT_READ),
		    MEMIF_ERR_INVAL_ARG);
  /* A slave with the internal epoll, the master on the application's. */
  assert_int_equal (sock_with (&ss, a.path, "poll-app"), 0);
  lb_args (&ma, true, 1, 1, 8, 2048);
  lb_args (&sa, false, 1, 1, 8, 2048);
  ma.socket = ms;
  sa.socket = ss;
  up_count = 0;
  int adds = l.adds;
  assert_int_equal (memif_create (&mc, &ma, count_up, count_down, NULL, NULL),
		    0);
  assert_int_equal (l.adds, adds + 1); /* the listener */
  assert_int_equal (memif_create (&sc, &sa, count_up, count_down, NULL, NULL),
		    0);
  for (uint64_t end = lb_now_ms () + 3000; up_count < 2 && lb_now_ms () < end;)
    {
      app_turn (&l);
      memif_poll_event (ss, 1);
    }
  assert_int_equal (up_count, 2);
  memif_details_t md;
  assert_int_equal (memif_get_details (mc, &md, dbuf, sizeof dbuf), 0);
  assert_string_equal ((char *) md.inst_name, "cb-app");
  assert_string_equal ((char *) md.remote_inst_name, "poll-app");
  /* Everything announced is withdrawn when the socket goes. */
  memif_delete (&sc);
  memif_delete (&mc);
  assert_int_equal (memif_delete_socket (&ms), 0);
  assert_int_equal (l.dels, l.adds);
  memif_delete_socket (&ss);
  close (l.epfd);
}

/* ---- the connection request timer --------------------------------------- */

static void
test_connection_request_timer (void **state)
{
  memif_socket_handle_t ms = NULL, ss = NULL;
  memif_conn_handle_t mc = NULL, sc = NULL;
  memif_conn_args_t ma, sa;
  char path[64];

  (void) state;
  snprintf (path, sizeof path, "@v4-timer-%d", (int) getpid ());
  assert_int_equal (sock_with (&ss, path, "s"), 0);
  assert_int_equal (sock_with (&ms, path, "m"), 0);
  lb_args (&sa, false, 0, 1, 8, 2048);
  sa.socket = ss;
  up_count = 0;
  /* The slave first: nobody listens, and without a timer it never
   * tries again by itself. */
  assert_int_equal (memif_create (&sc, &sa, count_up, count_down, NULL, NULL),
		    0);
  lb_args (&ma, true, 0, 1, 8, 2048);
  ma.socket = ms;
  assert_int_equal (memif_create (&mc, &ma, count_up, count_down, NULL, NULL),
		    0);
  for (uint64_t end = lb_now_ms () + 400; lb_now_ms () < end;)
    memif_poll_event (ss, 1), memif_poll_event (ms, 1);
  assert_int_equal (up_count, 0);
  struct itimerspec t = { .it_interval.tv_nsec = 50000000 };
  assert_int_equal (memif_set_connection_request_timer (NULL, t),
		    MEMIF_ERR_INVAL_ARG);
  assert_int_equal (memif_set_connection_request_timer (ss, t), 0);
  for (uint64_t end = lb_now_ms () + 3000; up_count < 2 && lb_now_ms () < end;)
    memif_poll_event (ss, 1), memif_poll_event (ms, 1);
  assert_int_equal (up_count, 2);
  memif_delete (&sc);
  memif_delete (&mc);
  memif_delete_socket (&ss);
  memif_delete_socket (&ms);
}

/* ---- a listener handed in ------------------------------------------------ */

static int
listening (const char *path, int type, bool do_listen)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  int fd = socket (AF_UNIX, type, 0);

  unlink (path);
  snprintf (sa.sun_path, sizeof sa.sun_path, "%s", path);
  if (bind (fd, (struct sockaddr *) &sa, sizeof sa) < 0
      || (do_listen && listen (fd, 4) < 0))
    return -1;
  return fd;
}

static void
test_set_listener_fd (void **state)
{
  memif_socket_handle_t ms = NULL, ss = NULL;
  memif_conn_handle_t mc = NULL, sc = NULL;
  memif_conn_args_t ma, sa;
  char path[64];
  int fd, bad;

  (void) state;
  snprintf (path, sizeof path, "/tmp/v4-given-%d.sock", (int) getpid ());
  assert_int_equal (sock_with (&ms, path, "m"), 0);
  assert_int_equal (memif_set_listener_fd (NULL, 0), MEMIF_ERR_INVAL_ARG);
  assert_int_equal (memif_set_listener_fd (ms, -1), MEMIF_ERR_INVAL_ARG);
  bad = eventfd (0, 0);
  assert_int_equal (memif_set_listener_fd (ms, bad), MEMIF_ERR_FILE_NOT_SOCK);
  close (bad);
  bad = listening (path, SOCK_STREAM, true);
  assert_int_equal (memif_set_listener_fd (ms, bad), MEMIF_ERR_INVAL_ARG);
  close (bad);
  bad = listening (path, SOCK_SEQPACKET, false);
  assert_int_equal (memif_set_listener_fd (ms, bad), MEMIF_ERR_INVAL_ARG);
  close (bad);

  /* As systemd hands one over: bound and listening already. */
  fd = listening (path, SOCK_SEQPACKET, true);
  assert_true (fd >= 0);
  assert_int_equal (memif_set_listener_fd (ms, fd), 0);
  assert_int_equal (memif_get_listener_fd (ms), fd);
  assert_int_equal (memif_set_listener_fd (ms, fd), MEMIF_ERR_ALREADY);
  assert_int_equal (sock_with (&ss, path, "s"), 0);
  lb_args (&sa, false, 0, 1, 8, 2048);
  sa.socket = ms; /* a slave on a listener: no */
  assert_int_equal (memif_create (&sc, &sa, NULL, NULL, NULL, NULL),
		    MEMIF_ERR_INVAL_ARG);
  sa.socket = ss;
  struct itimerspec t = { .it_interval.tv_nsec = 50000000 };
  memif_set_connection_request_timer (ss, t);
  for (int round = 0; round < 2; round++)
    {
      lb_args (&ma, true, 0, 1, 8, 2048);
      ma.socket = ms;
      up_count = 0;
      assert_int_equal (memif_create (&mc, &ma, count_up, count_down, NULL,
				      NULL),
			0);
      if (!sc)
	assert_int_equal (memif_create (&sc, &sa, count_up, count_down, NULL,
					NULL),
			  0);
      for (uint64_t end = lb_now_ms () + 3000;
	   up_count < (round ? 1 : 2) && lb_now_ms () < end;)
	memif_poll_event (ss, 1), memif_poll_event (ms, 1);
      assert_int_equal (up_count, round ? 1 : 2);
      assert_int_equal (memif_get_listener_fd (ms), fd);
      /* The last master goes: the given listener stays, file and all. */
      memif_delete (&mc);
      assert_int_equal (memif_get_listener_fd (ms), fd);
      assert_int_equal (access (path, F_OK), 0);
      for (uint64_t end = lb_now_ms () + 500; lb_now_ms () < end;)
	memif_poll_event (ss, 1), memif_poll_event (ms, 1);
    }
  memif_delete (&sc);
  memif_delete_socket (&ss);
  assert_int_equal (memif_delete_socket (&ms), 0);
  /* The library owned the fd (closed it); the file is not its own. */
  assert_int_equal (fcntl (fd, F_GETFD), -1);
  assert_int_equal (access (path, F_OK), 0);
  unlink (path);
}

/* ---- external regions per socket ---------------------------------------- */

static int ext_adds, ext_dels;
static int
ext_add (void **addr, uint32_t size, int *fd, void *ctx)
{
  (void) ctx;
  *fd = memfd_create ("v4-ext", MFD_ALLOW_SEALING);
  if (*fd < 0 || ftruncate (*fd, size) < 0)
    return -1;
  *addr = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
  ext_adds++;
  return *addr == MAP_FAILED ? -1 : 0;
}
static void *
ext_addr (uint32_t size, int fd, void *ctx)
{
  (void) size, (void) fd, (void) ctx;
  return NULL;
}
static int
ext_del (void *addr, uint32_t size, int fd, void *ctx)
{
  (void) ctx;
  munmap (addr, size);
  close (fd);
  ext_dels++;
  return 0;
}

static void
test_register_external_region (void **state)
{
  struct pair p;
  memif_conn_args_t ma, sa;
  memif_details_t md;

  (void) state;
  assert_int_equal (lb_open (&p, "ext"), 0);
  memif_register_external_region (NULL, ext_add, ext_addr, ext_del, NULL);
  memif_register_external_region (p.s.sock, ext_add, ext_addr, ext_del, NULL);
  lb_args (&ma, true, 0, 1, 8, 2048);
  lb_args (&sa, false, 0, 1, 8, 2048);
  ext_adds = ext_dels = 0;
  assert_int_equal (lb_create (&p, &ma, &sa, false), 0);
  assert_true (LB_PUMP_UNTIL (&p, p.m.connects && p.s.connects, 3000));
  assert_int_equal (ext_adds, 1);
  assert_int_equal (memif_get_details (p.s.conn, &md, dbuf, sizeof dbuf), 0);
  assert_int_equal (md.regions[1].is_external, 1);
  assert_int_equal (lb_send (&p.s, 0, 20, 100), 20);
  assert_int_equal (lb_recv (&p.m, 0, 100), 20);
  lb_close (&p);
  assert_int_equal (ext_dels, 1);
}

/* ---- buffer requeue and next free buffer -------------------------------- */

static void
test_buffer_requeue (void **state)
{
  struct pair p;
  memif_conn_args_t ma, sa;
  memif_buffer_t rx[4], tx[4], other[1];
  uint16_t n = 0, got = 0, sent = 0;

  (void) state;
  assert_int_equal (lb_open (&p, "requeue"), 0);
  lb_args (&ma, true, 0, 1, 6, 2048);
  lb_args (&sa, false, 0, 1, 6, 2048);
  assert_int_equal (lb_create (&p, &ma, &sa, false), 0);
  assert_true (LB_PUMP_UNTIL (&p, p.m.connects && p.s.connects, 3000));
  /* The master sends 4; the slave forwards them back without a copy. */
  assert_int_equal (lb_send (&p.m, 0, 4, 200), 4);
  assert_int_equal (memif_rx_burst (p.s.conn, 0, rx, 4, &n), 0);
  assert_int_equal (n, 4);
  assert_int_equal (memif_buffer_alloc (p.s.conn, 0, tx, 4, &got, 200), 0);
  assert_int_equal (got, 4);
  assert_int_equal (memif_buffer_requeue (NULL, rx, tx), MEMIF_ERR_NOCONN);
  assert_int_equal (memif_buffer_requeue (p.m.conn, rx, tx),
		    MEMIF_ERR_INVAL_ARG); /* slave only */
  assert_int_equal (memif_buffer_requeue (p.s.conn, rx, NULL),
		    MEMIF_ERR_INVAL_ARG);
  assert_int_equal (memif_buffer_requeue (p.s.conn, rx, rx),
		    MEMIF_ERR_INVAL_ARG);
  /* A buffer the application does not hold. */
  other[0] = tx[0];
  other[0].desc_index = (uint16_t) (tx[3].desc_index + 1);
  assert_int_equal (memif_buffer_requeue (p.s.conn, rx, other),
		    MEMIF_ERR_INVAL_ARG);
  other[0] = rx[0];
  other[0].desc_index = (uint16_t) (rx[3].desc_index + 1);
  assert_int_equal (memif_buffer_requeue (p.s.conn, other, tx),
		    MEMIF_ERR_INVAL_ARG);
  void *rx_ring = rx[0].queue, *tx_ring = tx[0].queue;
  for (int i = 0; i < 4; i++)
    {
      void *data = rx[i].data;
      uint16_t ti = tx[i].desc_index, ri = rx[i].desc_index;
      assert_int_equal (memif_buffer_requeue (p.s.conn, &rx[i], &tx[i]), 0);
      assert_ptr_equal (rx[i].data, data); /* data stays */
      assert_int_equal (rx[i].desc_index, ti);
      assert_ptr_equal (rx[i].queue, tx_ring);
      assert_false (rx[i].flags & MEMIF_BUFFER_FLAG_RX);
      assert_int_equal (tx[i].desc_index, ri);
      assert_ptr_equal (tx[i].queue, rx_ring);
      assert_true (tx[i].flags & MEMIF_BUFFER_FLAG_RX);
    }
  assert_int_equal (memif_tx_burst (p.s.conn, 0, rx, 4, &sent), 0);
  assert_int_equal (sent, 4);
  assert_int_equal (memif_refill_queue (p.s.conn, 0, 4, 0), 0);
  /* The master receives its own 4 packets back, byte for byte. */
  p.m.next_rx_seq = 0;
  assert_int_equal (lb_recv (&p.m, 0, 200), 4);
  /* The swapped buffers work on: more traffic both ways. */
  p.s.next_rx_seq = p.m.next_tx_seq;
  p.m.next_rx_seq = p.s.next_tx_seq;
  for (int round = 0; round < 3; round++)
    {
      assert_int_equal (lb_send (&p.m, 0, 50, 1500), 50);
      assert_int_equal (lb_recv (&p.s, 0, 1500), 50);
      assert_int_equal (lb_send (&p.s, 0, 50, 1500), 50);
      assert_int_equal (lb_recv (&p.m, 0, 1500), 50);
    }
  assert_int_equal (p.m.rx_errors + p.s.rx_errors, 0);
  lb_close (&p);
}

static void
test_set_next_free_buffer (void **state)
{
  struct pair p;
  memif_conn_args_t ma, sa;
  memif_buffer_t b[8], again[8];
  uint16_t got = 0, sent = 0;

  (void) state;
  assert_int_equal (lb_open (&p, "nextfree"), 0);
  lb_args (&ma, true, 0, 1, 6, 2048);
  lb_args (&sa, false, 0, 1, 6, 2048);
  assert_int_equal (lb_create (&p, &ma, &sa, false), 0);
  assert_true (LB_PUMP_UNTIL (&p, p.m.connects && p.s.connects, 3000));
  struct side *sides[2] = { &p.s, &p.m };
  for (int k = 0; k < 2; k++)
    {
      memif_conn_handle_t c = sides[k]->conn;
      assert_int_equal (memif_buffer_alloc (c, 0, b, 6, &got, 64), 0);
      assert_int_equal (got, 6);
      assert_int_equal (memif_set_next_free_buffer (NULL, 0, b),
			MEMIF_ERR_NOCONN);
      assert_int_equal (memif_set_next_free_buffer (c, 1, b), MEMIF_ERR_QID);
      assert_int_equal (memif_set_next_free_buffer (c, 0, NULL),
			MEMIF_ERR_INVAL_ARG);
      again[0] = b[5];
      again[0].desc_index = (uint16_t) (b[5].desc_index + 2); /* not ours */
      assert_int_equal (memif_set_next_free_buffer (c, 0, again),
			MEMIF_ERR_INVAL_ARG);
      /* Give back the last four: the next alloc starts at b[2]'s slot. */
      assert_int_equal (memif_set_next_free_buffer (c, 0, &b[2]), 0);
      assert_int_equal (memif_buffer_alloc (c, 0, again, 1, &got, 64), 0);
      assert_int_equal (again[0].desc_index, b[2].desc_index);
      for (int i = 0; i < 2; i++)
	b[i].len = 64;
      again[0].len = 64;
      b[2] = again[0];
      assert_int_equal (memif_tx_burst (c, 0, b, 3, &sent), 0);
      assert_int_equal (sent, 3);
      /* Nothing is left allocated: a later alloc starts after them. */
      assert_int_equal (memif_buffer_alloc (c, 0, again, 1, &got, 64), 0);
      assert_int_equal (again[0].desc_index, (uint16_t) (b[2].desc_index + 1));
      assert_int_equal (memif_set_next_free_buffer (c, 0, again), 0);
    }
  memif_buffer_t rx[8];
  uint16_t n = 0;
  assert_int_equal (memif_rx_burst (p.m.conn, 0, rx, 8, &n), 0);
  assert_int_equal (n, 3);
  memif_refill_queue (p.m.conn, 0, n, 0);
  lb_close (&p);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_abi),
    cmocka_unit_test (test_create_socket_args),
    cmocka_unit_test (test_no_default_socket),
    cmocka_unit_test (test_details_and_handles),
    cmocka_unit_test (test_fd_update_callback),
    cmocka_unit_test (test_connection_request_timer),
    cmocka_unit_test (test_set_listener_fd),
    cmocka_unit_test (test_register_external_region),
    cmocka_unit_test (test_buffer_requeue),
    cmocka_unit_test (test_set_next_free_buffer),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
