/*
 * fuzz_lib_handshake - the handshake as a state machine, both roles.
 *
 * The fuzzer plays the other side of one libcore connection.  The first
 * input byte picks libcore's role (bit 0: 0 master, 1 slave) and bit 1:
 * for a master, the interface id the script claims (1 is the one with a
 * secret), for a slave, 3 queues each way instead of 1 (more than a HELLO
 * may allow); bit 2: the fuzzer stops reading (op 11 below) before libcore
 * has sent anything, so that even a master's HELLO cannot be sent; bit 3,
 * for a slave: the application supplies the buffer region (external
 * region callbacks, a memfd of its own).  Then
 * records of 6 bytes, each one step:
 *
 *   op      low nibble: the message - 0 ACK, 1 HELLO, 2 INIT, 3 ADD_REGION,
 *           4 ADD_RING, 5 CONNECT, 6 CONNECTED, 7 DISCONNECT, 8 a message
 *           of the wrong size, 9 nothing (only read what libcore sent and
 *           turn its loop), 10 a type beyond the protocol's, 11 stop
 *           reading (shut the fuzzer's side for reading: every reply
 *           libcore sends from then on fails, as to a peer that half
 *           closed; the fuzzer can still send);
 *           high nibble: the fds attached - 0 what the message needs
 *           (a memfd to ADD_REGION, an eventfd to ADD_RING), 1 none, 2 a
 *           memfd, 3 an eventfd, 4 a socket, 5 two memfds, 6 an unsealable
 *           memfd, 7 a memfd smaller than announced
 *   at, v1..v4  a mutation: unless at is 0, bytes (at % 126) + 2 .. of the
 *           message become v1..v4
 *
 * Each message starts from a valid one for the point the script has
 * reached (the next region or ring index, a region laid out with ring
 * cookies), so whole handshakes - and every step off them - are reachable.
 * After every step the fuzzer reads what libcore sent (closing any fds)
 * and turns libcore's loop.  At the end the connection closes; libcore must
 * neither crash, leak nor hang, and must be ready for the next input.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
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

#define LOG2 4
#define BUFSZ 2048
#define NBUF (4 << LOG2)

static memif_per_thread_main_handle_t db;
static memif_socket_handle_t msock, ssock;
static memif_conn_handle_t masters[2];
static char mname[64], sname[64];
static int listener = -1;

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* With an interrupt callback libcore announces the queues' eventfds. */
static int
on_interrupt (memif_conn_handle_t c, void *ctx, uint16_t q)
{
  (void) c;
  (void) ctx;
  (void) q;
  return 0;
}

static socklen_t
abstract_addr (struct sockaddr_un *sa, const char *name)
{
  size_t n = strlen (name + 1);

  memset (sa, 0, sizeof *sa);
  sa->sun_family = AF_UNIX;
  memcpy (sa->sun_path + 1, name + 1, n);
  return (socklen_t) (offsetof (struct sockaddr_un, sun_path) + 1 + n);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  struct sockaddr_un sa;
  socklen_t len;

  (void) argc;
  (void) argv;
  snprintf (mname, sizeof mname, "@memifd-fuzz-hsm-%d", (int) getpid ());
  snprintf (sname, sizeof sname, "@memifd-fuzz-hss-%d", (int) getpid ());
  if (memif_per_thread_init (&db, NULL, NULL, "fuzz", NULL, NULL, NULL)
      || memif_per_thread_create_socket (db, &msock, mname, NULL)
      || memif_per_thread_create_socket (db, &ssock, sname, NULL))
    abort ();
  for (uint32_t i = 0; i < 2; i++)
    {
      memif_conn_args_t a = { .socket = msock, .is_master = 1, .interface_id = i,
			      .log2_ring_size = LOG2, .buffer_size = BUFSZ };
      if (i == 1)
	memcpy (a.secret, "secret", 6);
      if (memif_create (&masters[i], &a, NULL, NULL, on_interrupt, NULL))
	abort ();
    }
  /* the fuzzer's own master, for libcore's slave */
  len = abstract_addr (&sa, sname);
  listener = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0);
  if (listener < 0 || bind (listener, (struct sockaddr *) &sa, len)
      || listen (listener, 4))
    abort ();
  return 0;
}

static void
pump (void)
{
  for (int i = 0; i < 6; i++)
    memif_per_thread_poll_event (db, 0);
}

/* Reads (and forgets) what libcore sent; its fds are closed. */
static void
drain (int s)
{
  char buf[256], ctl[CMSG_SPACE (4 * sizeof (int))];

  for (int k = 0; k < 16; k++)
    {
      struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
      struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			   .msg_controllen = sizeof ctl };
      if (recvmsg (s, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) <= 0)
	return;
      for (struct cmsghdr *cm = CMSG_FIRSTHDR (&mh); cm; cm = CMSG_NXTHDR (&mh, cm))
	if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
	  {
	    int n = (int) ((cm->cmsg_len - CMSG_LEN (0)) / sizeof (int));
	    int fds[4];
	    memcpy (fds, CMSG_DATA (cm), sizeof (int) * (size_t) (n < 4 ? n : 4));
	    for (int i = 0; i < n && i < 4; i++)
	      close (fds[i]);
	  }
    }
}

/* A region for one ring each way of 2^LOG2 slots and their buffers. */
static size_t
region_size (void)
{
  return 2 * ring_bytes (LOG2) + NBUF * BUFSZ;
}

/* Its rings, laid out once: each region fd gets them with one pwrite
 * (a mapping per fd cost page faults and a TLB flush at its munmap). */
static uint8_t ring_image[2 * sizeof (struct memif_ring)
			  + 2 * (1u << LOG2) * sizeof (struct memif_desc)]
  __attribute__ ((aligned (64)));

static int
region_fd (size_t size, bool sealable)
{
  int fd = memfd_create ("fuzz", sealable ? MFD_ALLOW_SEALING : 0);
  size_t n = 0;

  if (fd < 0 || ftruncate (fd, (off_t) size) < 0)
    return fd;
  if (!((struct memif_ring *) ring_image)->cookie)
    for (size_t ring = 0; ring < 2; ring++)
      {
	struct memif_ring *r = (struct memif_ring *) (ring_image
						      + ring * ring_bytes (LOG2));
	r->cookie = MEMIF_COOKIE;
	for (uint32_t i = 0; i < (1u << LOG2); i++)
	  {
	    r->desc[i].region = 0;
	    r->desc[i].offset = (uint32_t) (2 * ring_bytes (LOG2)
					    + (ring * (1u << LOG2) + i) * BUFSZ);
	    r->desc[i].length = BUFSZ;
	  }
      }
  /* whole rings only, as many as fit */
  while (n < 2 && (n + 1) * ring_bytes (LOG2) <= size)
    n++;
  if (n && pwrite (fd, ring_image, n * ring_bytes (LOG2), 0) < 0)
    return fd; /* left zero: its rings fail the cookie check, still a test */
  return fd;
}

struct script
{
  bool slave;		/* libcore's role */
  uint32_t id;
  uint16_t regions, rings_s2m, rings_m2s;
};

static void
template (struct script *sc, int type, struct msg *m)
{
  memset (m, 0, sizeof *m);
  m->type = (uint16_t) type;
  switch (type)
    {
    case MSG_HELLO:
      memcpy (m->hello.name, "fuzz", 4);
      m->hello.min_version = m->hello.max_version = 0x0200;
      m->hello.max_region = 255;
      m->hello.max_m2s_ring = m->hello.max_s2m_ring = 255;
      m->hello.max_log2_ring_size = 14;
      break;
    case MSG_INIT:
      m->init.version = 0x0200;
      m->init.id = sc->id;
      if (sc->id == 1)
	memcpy (m->init.secret, "secret", 6);
      memcpy (m->init.name, "fuzz", 4);
      break;
    case MSG_ADD_REGION:
      m->add_region.index = sc->regions;
      m->add_region.size = region_size ();
      break;
    case MSG_ADD_RING:
      {
	bool s2m = sc->rings_s2m <= sc->rings_m2s;
	m->add_ring.flags = s2m ? RING_FLAG_S2M : 0;
	m->add_ring.index = s2m ? sc->rings_s2m : sc->rings_m2s;
	m->add_ring.offset = (uint32_t) (s2m ? 0 : ring_bytes (LOG2));
	m->add_ring.log2_ring_size = LOG2;
      }
      break;
    case MSG_CONNECT:
    case MSG_CONNECTED:
      memcpy (m->connect.if_name, "fuzz", 4);
      break;
    case MSG_DISCONNECT:
      memcpy (m->disconnect.string, "fuzz", 4);
      break;
    }
}

static int
attach (int kind, int type, const struct msg *m, int fds[2])
{
  int sp[2];

  if (kind == 0)
    kind = type == MSG_ADD_REGION ? 2 : type == MSG_ADD_RING ? 3 : 1;
  switch (kind)
    {
    case 2: fds[0] = region_fd (region_size (), true); return 1;
    case 3: fds[0] = eventfd (0, EFD_NONBLOCK); return 1;
    case 4:
      if (socketpair (AF_UNIX, SOCK_STREAM, 0, sp))
	return 0;
      close (sp[1]);
      fds[0] = sp[0];
      return 1;
    case 5:
      fds[0] = region_fd (region_size (), true);
      fds[1] = region_fd (4096, true);
      return 2;
    case 6: fds[0] = region_fd (region_size (), false); return 1;
    case 7:
      fds[0] = region_fd (m->add_region.size > 8192 ? 4096 : 0, true);
      return 1;
    }
  return 0;
}

static void
send_msg (int s, const struct msg *m, size_t len, const int *fds, int nfd)
{
  char ctl[CMSG_SPACE (2 * sizeof (int))];
  struct iovec iov = { .iov_base = (void *) m, .iov_len = len };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

  if (nfd > 0)
    {
      memset (ctl, 0, sizeof ctl);
      mh.msg_control = ctl;
      mh.msg_controllen = CMSG_SPACE (sizeof (int) * (size_t) nfd);
      struct cmsghdr *cm = CMSG_FIRSTHDR (&mh);
      cm->cmsg_level = SOL_SOCKET;
      cm->cmsg_type = SCM_RIGHTS;
      cm->cmsg_len = CMSG_LEN (sizeof (int) * (size_t) nfd);
      memcpy (CMSG_DATA (cm), fds, sizeof (int) * (size_t) nfd);
    }
  sendmsg (s, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void
step (struct script *sc, int s, const uint8_t *r)
{
  static const int types[] = { MSG_ACK, MSG_HELLO, MSG_INIT, MSG_ADD_REGION,
			       MSG_ADD_RING, MSG_CONNECT, MSG_CONNECTED,
			       MSG_DISCONNECT };
  int op = r[0] & 15, kind = r[0] >> 4, fds[2] = { -1, -1 }, nfd = 0;
  size_t len = sizeof (struct msg);
  struct msg m;

  if (op == 9)
    goto out;
  if (op == 11)
    {
      shutdown (s, SHUT_RD);
      goto out;
    }
  template (sc, op < 8 ? types[op] : op == 10 ? MSG_TYPE_COUNT + r[2] : MSG_ACK, &m);
  if (op == 8)
    len = 1 + r[2] % (sizeof m - 1) + (r[3] & 1) * sizeof m;
  if (r[1])
    {
      size_t at = 2 + r[1] % (sizeof m - 2);
      for (size_t i = 0; i < 4 && at + i < sizeof m; i++)
	((uint8_t *) &m)[at + i] = r[2 + i];
    }
  nfd = attach (kind, m.type, &m, fds);
  send_msg (s, &m, len < sizeof m ? len : sizeof m, fds, nfd);
  if (len > sizeof m) /* longer than a message */
    {
      uint8_t big[2 * sizeof m] = { 0 };
      memcpy (big, &m, sizeof m);
      send (s, big, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    }
  for (int i = 0; i < nfd; i++)
    close (fds[i]);
  if (m.type == MSG_ADD_REGION)
    sc->regions++;
  if (m.type == MSG_ADD_RING)
    {
      if (m.add_ring.flags & RING_FLAG_S2M)
	sc->rings_s2m++;
      else
	sc->rings_m2s++;
    }
out:
  pump ();
  drain (s);
}

/* External regions: the application's own memory for a slave's buffers. */
static int
ext_add (void **addr, uint32_t size, int *fd, void *ctx)
{
  (void) ctx;
  *fd = memfd_create ("fuzz ext", MFD_ALLOW_SEALING | MFD_CLOEXEC);
  if (*fd < 0 || ftruncate (*fd, size) < 0)
    return -1;
  *addr = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
  if (*addr == MAP_FAILED)
    {
      *addr = NULL;
      return -1;
    }
  return 0;
}

static int
ext_del (void *addr, uint32_t size, int fd, void *ctx)
{
  (void) ctx;
  munmap (addr, size);
  close (fd);
  return 0;
}

/* libcore as a slave: it connects to the fuzzer's listener. */
static int
slave_open (memif_conn_handle_t *c, uint8_t queues)
{
  memif_conn_args_t a = { .socket = ssock, .is_master = 0, .interface_id = 0,
			  .log2_ring_size = LOG2, .buffer_size = BUFSZ,
			  .num_s2m_rings = queues, .num_m2s_rings = queues };
  int s = -1;

  if (memif_create (c, &a, NULL, NULL, on_interrupt, NULL))
    abort ();
  memif_request_connection (*c);
  for (int i = 0; i < 20 && s < 0; i++)
    {
      pump ();
      s = accept4 (listener, NULL, NULL, SOCK_CLOEXEC);
    }
  return s;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct script sc = { 0 };
  memif_conn_handle_t slave = NULL;
  struct sockaddr_un sa;
  socklen_t len;
  bool shut, ext;
  int s;

  if (size < 1)
    return 0;
  sc.slave = data[0] & 1;
  sc.id = (data[0] >> 1) & 1;
  shut = (data[0] >> 2) & 1;
  ext = (data[0] >> 3) & 1;
  data++, size--;
  if (sc.slave)
    {
      if (ext)
	memif_per_thread_register_external_region (db, ext_add, NULL, ext_del,
						   NULL);
      else
	memif_per_thread_register_external_region (db, NULL, NULL, NULL, NULL);
      if ((s = slave_open (&slave, (uint8_t) (1 + (sc.id ? 2 : 0)))) < 0)
	abort ();
    }
  else
    {
      len = abstract_addr (&sa, mname);
      s = socket (AF_UNIX, SOCK_SEQPACKET, 0);
      if (connect (s, (struct sockaddr *) &sa, len))
	abort ();
    }
  if (shut)
    shutdown (s, SHUT_RD);
  pump ();
  drain (s);
  for (; size >= 6; data += 6, size -= 6)
    step (&sc, s, data);
  close (s);
  pump ();
  if (slave)
    memif_delete (&slave);
  pump ();
  return 0;
}
