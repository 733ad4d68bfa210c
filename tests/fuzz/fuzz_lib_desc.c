/*
 * fuzz_lib_desc - descriptors and ring counters written by a hostile slave,
 * read by a libcore master.  A raw slave completes a real handshake once;
 * each input then overwrites the rings' descriptors, head, tail and flags,
 * and the master runs every data-path call on them.  Whatever the input,
 * every pointer handed out must lie inside the region (checked here), and
 * nothing may crash.  A session the master closes is re-established.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "libmemif.h"
#include "proto.h"

#define LOG2 5
#define SLOTS (1 << LOG2)
#define RING_BYTES (128 + 16 * SLOTS)
#define BUFS (2 * RING_BYTES)
#define REGION (BUFS + 2 * SLOTS * 2048)

static memif_per_thread_main_handle_t db;
static memif_socket_handle_t sock;
static memif_conn_handle_t conn;
static char name[64];
static int up, ctl = -1, region = -1, efd[2] = { -1, -1 };
static uint8_t *mem;
static uint8_t *master_base; /* the master maps the region elsewhere */

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

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  (void) argc;
  (void) argv;
  snprintf (name, sizeof name, "@memifd-fuzz-desc-%d", (int) getpid ());
  memif_conn_args_t a = { .is_master = 1 };
  if (memif_per_thread_init (&db, NULL, NULL, "fuzz", NULL, NULL, NULL)
      || memif_per_thread_create_socket (db, &sock, name, NULL))
    abort ();
  a.socket = sock;
  if (memif_create (&conn, &a, on_up, on_down, NULL, NULL))
    abort ();
  return 0;
}


static void
pump (void)
{
  for (int i = 0; i < 8; i++)
    memif_per_thread_poll_event (db, 0);
}

static void
xsend (int s, uint16_t type, const void *body, size_t len, int fd)
{
  struct msg m = { .type = type };
  char cbuf[CMSG_SPACE (sizeof (int))];
  struct iovec iov = { .iov_base = &m, .iov_len = sizeof m };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

  memcpy (m.raw, body, len);
  if (fd >= 0)
    {
      memset (cbuf, 0, sizeof cbuf);
      mh.msg_control = cbuf;
      mh.msg_controllen = sizeof cbuf;
      struct cmsghdr *cm = CMSG_FIRSTHDR (&mh);
      cm->cmsg_level = SOL_SOCKET;
      cm->cmsg_type = SCM_RIGHTS;
      cm->cmsg_len = CMSG_LEN (sizeof (int));
      memcpy (CMSG_DATA (cm), &fd, sizeof fd);
    }
  sendmsg (s, &mh, MSG_NOSIGNAL);
  pump ();
}

static void
handshake (void)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  size_t n = strlen (name + 1);

  if (ctl >= 0)
    {
      close (ctl);
      munmap (mem, REGION);
      close (region);
      close (efd[0]);
      close (efd[1]);
      pump ();
    }
  memcpy (sa.sun_path + 1, name + 1, n);
  ctl = socket (AF_UNIX, SOCK_SEQPACKET, 0);
  if (connect (ctl, (struct sockaddr *) &sa,
	       (socklen_t) (offsetof (struct sockaddr_un, sun_path) + 1 + n)))
    abort ();
  region = memfd_create ("fuzz", MFD_ALLOW_SEALING);
  if (ftruncate (region, REGION) < 0)
    abort ();
  mem = mmap (NULL, REGION, PROT_READ | PROT_WRITE, MAP_SHARED, region, 0);
  ((struct memif_ring *) mem)->cookie = MEMIF_COOKIE;
  ((struct memif_ring *) (mem + RING_BYTES))->cookie = MEMIF_COOKIE;
  pump ();
  struct msg_init in = { .version = MEMIF_PROTO_VERSION };
  xsend (ctl, MSG_INIT, &in, sizeof in, -1);
  struct msg_add_region ar = { .index = 0, .size = REGION };
  xsend (ctl, MSG_ADD_REGION, &ar, sizeof ar, region);
  for (int d = 0; d < 2; d++)
    {
      struct msg_add_ring r = { .flags = d ? 0 : RING_FLAG_S2M,
				.offset = d ? RING_BYTES : 0,
				.log2_ring_size = LOG2 };
      efd[d] = eventfd (0, EFD_NONBLOCK);
      xsend (ctl, MSG_ADD_RING, &r, sizeof r, efd[d]);
    }
  struct msg_connect c = { 0 };
  xsend (ctl, MSG_CONNECT, &c, sizeof c, -1);
  /* drain the master's replies */
  struct msg m;
  while (recv (ctl, &m, sizeof m, MSG_DONTWAIT) > 0)
    ;
  static char buf[4096];
  memif_details_t md;
  master_base = NULL;
  if (memif_get_details (conn, &md, buf, sizeof buf) == MEMIF_ERR_SUCCESS
      && md.regions_num)
    master_base = md.regions[0].addr;
}

static void
check_inside (const memif_buffer_t *b, uint16_t n)
{
  for (uint16_t i = 0; i < n; i++)
    if ((uint8_t *) b[i].data < master_base
	|| (uint8_t *) b[i].data + b[i].len > master_base + REGION)
      abort (); /* a pointer outside the shared region: a real bug */
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct memif_ring *s2m, *m2s;
  memif_buffer_t b[2 * SLOTS];
  uint16_t n = 0, k;

  static int inputs;
  if (!up)
    handshake ();
  if (!up || !master_base)
    {
      if (inputs == 0)
	abort (); /* the harness itself is broken: nothing would be fuzzed */
      return 0;
    }
  inputs++;
  s2m = (struct memif_ring *) mem;
  m2s = (struct memif_ring *) (mem + RING_BYTES);
  /* The input paints both rings' descriptors, then their counters. */
  size_t d = size < 2 * 16 * SLOTS ? size : 2 * 16 * SLOTS;
  memcpy (s2m->desc, data, d < 16 * SLOTS ? d : 16 * SLOTS);
  if (d > 16 * SLOTS)
    memcpy (m2s->desc, data + 16 * SLOTS, d - 16 * SLOTS);
  if (size >= d + 6)
    {
      memcpy (&s2m->head, data + d, 2);
      memcpy (&m2s->head, data + d + 2, 2);
      memcpy (&s2m->flags, data + d + 4, 2);
    }
  if (memif_rx_burst (conn, 0, b, 2 * SLOTS, &n) == MEMIF_ERR_SUCCESS
      || n)
    check_inside (b, n);
  memif_refill_queue (conn, 0, n, 0);
  uint16_t len = size > d + 8 ? (uint16_t) (data[d + 6] | data[d + 7] << 8) : 64;
  if (memif_buffer_alloc (conn, 0, b, 4, &n, len) == MEMIF_ERR_SUCCESS || n)
    {
      check_inside (b, n);
      for (uint16_t i = 0; i < n; i++)
	memset (b[i].data, 0xab, b[i].len);
      memif_tx_burst (conn, 0, b, n, &k);
    }
  pump ();
  return 0;
}
