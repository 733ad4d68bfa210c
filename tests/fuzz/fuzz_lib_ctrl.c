/*
 * fuzz_lib_ctrl - control-channel messages, with fds, into a libcore master.
 *
 * Input: a sequence of records, each one byte choosing the fds to attach
 * (0 none, 1 a memfd, 2 an eventfd, 3 a socket, 4 two memfds, 5 an
 * unsealable memfd) followed by 128 message bytes.  Each record is sent on
 * a fresh connection's control socket and the master's loop is turned.
 * The memfds are sized from an ADD_REGION's size field (capped) and their
 * first 64 KiB filled with ring cookies, so that whole handshakes are
 * reachable.  Nothing may crash, leak or hang; a good interface on the
 * same socket must survive.
 */
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

static memif_per_thread_main_handle_t db;
static memif_socket_handle_t sock;
static memif_conn_handle_t conns[3];
static char name[64];

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  (void) argc;
  (void) argv;
  snprintf (name, sizeof name, "@memifd-fuzz-ctrl-%d", (int) getpid ());
  if (memif_per_thread_init (&db, NULL, NULL, "fuzz", NULL, NULL, NULL)
      || memif_per_thread_create_socket (db, &sock, name, NULL))
    abort ();
  for (uint32_t i = 0; i < 3; i++)
    {
      memif_conn_args_t a = { .socket = sock, .is_master = 1,
			      .interface_id = i };
      if (i == 2)
	memcpy (a.secret, "secret", 6);
      if (memif_create (&conns[i], &a, NULL, NULL, NULL, NULL))
	abort ();
    }
  return 0;
}

static void
pump (void)
{
  for (int i = 0; i < 8; i++)
    memif_per_thread_poll_event (db, 0);
}

/* Ring cookies at every 8-byte offset, written into the start of each memfd
 * the fuzzer sends: rings placed there pass the cookie check.  Written with
 * one pwrite, not through a mapping: filling a fresh mapping word by word
 * cost most of each execution in page faults. */
static uint32_t cookies[16384];

static int
memfd_sized (uint64_t size, bool sealable)
{
  int fd = memfd_create ("fuzz", sealable ? MFD_ALLOW_SEALING : 0);
  if (size > (1u << 20))
    size = 1u << 20;
  if (fd < 0 || ftruncate (fd, (off_t) size) < 0)
    return fd;
  if (!cookies[0])
    for (size_t i = 0; i < sizeof cookies / sizeof cookies[0]; i += 2)
      cookies[i] = MEMIF_COOKIE;
  size_t n = size < sizeof cookies ? (size_t) size : sizeof cookies;
  if (pwrite (fd, cookies, n, 0) != (ssize_t) n)
    return fd;	/* left zero: its rings fail the cookie check, still a test */
  return fd;
}

static void
send_record (int s, uint8_t kind, const struct msg *m)
{
  char ctl[CMSG_SPACE (2 * sizeof (int))];
  struct iovec iov = { .iov_base = (void *) m, .iov_len = sizeof *m };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
  int fds[2] = { -1, -1 }, n = 0, sp[2] = { -1, -1 };

  switch (kind % 6)
    {
    case 1: fds[n++] = memfd_sized (m->add_region.size, true); break;
    case 2: fds[n++] = eventfd (0, 0); break;
    case 3:
      socketpair (AF_UNIX, SOCK_STREAM, 0, sp);
      fds[n++] = sp[0];
      break;
    case 4:
      fds[n++] = memfd_sized (4096, true);
      fds[n++] = memfd_sized (4096, true);
      break;
    case 5: fds[n++] = memfd_sized (m->add_region.size, false); break;
    }
  if (n)
    {
      memset (ctl, 0, sizeof ctl);
      mh.msg_control = ctl;
      mh.msg_controllen = CMSG_SPACE (sizeof (int) * (size_t) n);
      struct cmsghdr *cm = CMSG_FIRSTHDR (&mh);
      cm->cmsg_level = SOL_SOCKET;
      cm->cmsg_type = SCM_RIGHTS;
      cm->cmsg_len = CMSG_LEN (sizeof (int) * (size_t) n);
      memcpy (CMSG_DATA (cm), fds, sizeof (int) * (size_t) n);
    }
  sendmsg (s, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
  for (int i = 0; i < n; i++)
    close (fds[i]);
  if (sp[1] >= 0)
    close (sp[1]);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  size_t n = strlen (name + 1);
  struct msg m;
  int s;

  memcpy (sa.sun_path + 1, name + 1, n);
  s = socket (AF_UNIX, SOCK_SEQPACKET, 0);
  if (connect (s, (struct sockaddr *) &sa,
	       (socklen_t) (offsetof (struct sockaddr_un, sun_path) + 1 + n)))
    abort ();
  pump ();
  while (size >= 1 + sizeof m)
    {
      memcpy (&m, data + 1, sizeof m);
      send_record (s, data[0], &m);
      data += 1 + sizeof m;
      size -= 1 + sizeof m;
      pump ();
    }
  /* Leftover bytes: a message of the wrong size. */
  if (size)
    send (s, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
  pump ();
  close (s);
  pump ();
  return 0;
}
