/*
 * fuzz_lib_desc_slave - ring counters, descriptors and flags written by a
 * hostile master into a libcore slave's rings.  The fuzzer is the master:
 * it completes a real handshake with a libcore slave once (mapping the
 * slave's region 0, its rings, from the fd it receives); each input then overwrites what
 * a master can touch - the M2S ring's descriptors (a master fills them) and
 * tail, the S2M ring's tail, both rings' flags - and the slave runs every
 * data-path call on them.  Every pointer handed out must lie inside the
 * slave's own regions, no frame may be longer than its buffer, and nothing
 * may crash.  A session the slave closes is established again.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "libmemif.h"
#include "proto.h"

#define LOG2 5
#define SLOTS (1 << LOG2)
#define BUFSZ 1024

static memif_per_thread_main_handle_t db;
static memif_socket_handle_t sock;
static memif_conn_handle_t conn;
static char name[64];
static int up, listener = -1, ctl = -1;
static uint8_t *mem; /* the fuzzer's mapping of the slave's region 0 */
static size_t mem_size;
static uint32_t ring_off[2]; /* 0: S2M, 1: M2S */
static struct
{
  uint8_t *addr;
  size_t size;
} slave_regions[4]; /* where the slave mapped its regions */
static int nregions;

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static int
on_up (memif_conn_handle_t c, void *ctx)
{
  (void) c;
  (void) ctx;
  up = 1;
  return 0;
}

static int
on_down (memif_conn_handle_t c, void *ctx)
{
  (void) c;
  (void) ctx;
  up = 0;
  return 0;
}

static void
pump (void)
{
  for (int i = 0; i < 8; i++)
    memif_per_thread_poll_event (db, 0);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  size_t n;

  (void) argc;
  (void) argv;
  snprintf (name, sizeof name, "@memifd-fuzz-descs-%d", (int) getpid ());
  n = strlen (name + 1);
  memcpy (sa.sun_path + 1, name + 1, n);
  listener = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0);
  if (listener < 0
      || bind (listener, (struct sockaddr *) &sa,
	       (socklen_t) (offsetof (struct sockaddr_un, sun_path) + 1 + n))
      || listen (listener, 4))
    abort ();
  memif_conn_args_t a = { .is_master = 0, .log2_ring_size = LOG2,
			  .buffer_size = BUFSZ };
  if (memif_per_thread_init (&db, NULL, NULL, "fuzz", NULL, NULL, NULL)
      || memif_per_thread_create_socket (db, &sock, name, NULL))
    abort ();
  a.socket = sock;
  if (memif_create (&conn, &a, on_up, on_down, NULL, NULL))
    abort ();
  return 0;
}

static void
reply (uint16_t type)
{
  struct msg m = { .type = type };

  if (type == MSG_HELLO)
    {
      m.hello.min_version = m.hello.max_version = MEMIF_PROTO_VERSION;
      m.hello.max_region = m.hello.max_m2s_ring = m.hello.max_s2m_ring = 0;
      m.hello.max_log2_ring_size = 14;
    }
  send (ctl, &m, sizeof m, MSG_NOSIGNAL);
}

/* One message from the slave, answered as a master does; false when none. */
static bool
serve_one (void)
{
  char cbuf[CMSG_SPACE (sizeof (int))];
  struct msg m;
  struct iovec iov = { .iov_base = &m, .iov_len = sizeof m };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
		       .msg_controllen = sizeof cbuf };
  int fd = -1;

  if (recvmsg (ctl, &mh, MSG_DONTWAIT) != (ssize_t) sizeof m)
    return false;
  struct cmsghdr *cm = CMSG_FIRSTHDR (&mh);
  if (cm && cm->cmsg_type == SCM_RIGHTS)
    memcpy (&fd, CMSG_DATA (cm), sizeof fd);
  switch (m.type)
    {
    case MSG_ADD_REGION:
      if (m.add_region.index == 0 && !mem)
	{
	  mem_size = m.add_region.size;
	  mem = mmap (NULL, mem_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	  if (mem == MAP_FAILED)
	    abort ();
	}
      break;
    case MSG_ADD_RING:
      ring_off[!(m.add_ring.flags & RING_FLAG_S2M)] = m.add_ring.offset;
      break;
    }
  if (fd >= 0)
    close (fd);
  reply (m.type == MSG_CONNECT ? MSG_CONNECTED : MSG_ACK);
  return true;
}

static void
handshake (void)
{
  if (ctl >= 0)
    {
      close (ctl);
      pump ();
    }
  if (mem)
    munmap (mem, mem_size);
  mem = NULL;
  ctl = -1;
  memif_request_connection (conn);
  for (int i = 0; i < 50 && ctl < 0; i++)
    {
      pump ();
      ctl = accept (listener, NULL, NULL);
    }
  if (ctl < 0)
    return;
  reply (MSG_HELLO);
  for (int i = 0; i < 50 && !up; i++)
    {
      pump ();
      while (serve_one ())
	;
    }
  static char buf[4096];
  memif_details_t md;
  nregions = 0;
  if (up && memif_get_details (conn, &md, buf, sizeof buf) == MEMIF_ERR_SUCCESS)
    for (int i = 0; i < md.regions_num && i < 4; i++, nregions++)
      {
	slave_regions[i].addr = md.regions[i].addr;
	slave_regions[i].size = md.regions[i].size;
      }
}

static void
check_inside (const memif_buffer_t *b, uint16_t n)
{
  for (uint16_t i = 0; i < n; i++)
    {
      uint8_t *p = b[i].data;
      int in = 0;
      for (int r = 0; r < nregions && !in; r++)
	in = p >= slave_regions[r].addr
	     && p + b[i].len <= slave_regions[r].addr + slave_regions[r].size;
      if (!in || b[i].len > BUFSZ)
	abort (); /* outside the regions, or past a buffer: a real bug */
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static int inputs;
  struct memif_ring *s2m, *m2s;
  memif_buffer_t b[2 * SLOTS];
  uint16_t n = 0, k;

  if (!up)
    handshake ();
  if (!up || !nregions || !mem)
    {
      if (inputs == 0)
	abort (); /* the harness itself is broken: nothing would be fuzzed */
      return 0;
    }
  inputs++;
  s2m = (struct memif_ring *) (mem + ring_off[0]);
  m2s = (struct memif_ring *) (mem + ring_off[1]);
  /* The input paints the M2S descriptors, then the counters and flags. */
  size_t d = size < 16 * SLOTS ? size : 16 * SLOTS;
  memcpy (m2s->desc, data, d);
  if (size >= d + 8)
    {
      memcpy (&m2s->tail, data + d, 2);
      memcpy (&s2m->tail, data + d + 2, 2);
      memcpy (&m2s->flags, data + d + 4, 2);
      memcpy (&s2m->flags, data + d + 6, 2);
    }
  if (memif_rx_burst (conn, 0, b, 2 * SLOTS, &n) == MEMIF_ERR_SUCCESS || n)
    check_inside (b, n);
  memif_refill_queue (conn, 0, size > d + 8 ? data[d + 8] : n, 0);
  uint16_t len = size > d + 10 ? (uint16_t) (data[d + 9] | data[d + 10] << 8) : 64;
  if (memif_buffer_alloc (conn, 0, b, 4, &n, len) == MEMIF_ERR_SUCCESS || n)
    {
      check_inside (b, n);
      for (uint16_t i = 0; i < n; i++)
	memset (b[i].data, 0xab, b[i].len);
      memif_tx_burst (conn, 0, b, n, &k);
    }
  pump ();
  while (serve_one ()) /* a DISCONNECT, or nothing */
    ;
  return 0;
}
