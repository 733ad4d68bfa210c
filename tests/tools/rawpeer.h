/*
 * rawpeer.h - speaking the memif control protocol by hand, for tests that
 * play a hostile peer: build any message, send it with any fds, make
 * memfds with or without seals.  Header-only; no libcore internals but the
 * wire format (proto.h).
 */
#ifndef TEST_RAWPEER_H
#define TEST_RAWPEER_H

#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "proto.h"

/* Connect to a memif socket: a path, or "@NAME" for an abstract one. */
static inline int
raw_connect_to (const char *name)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  socklen_t len;
  int fd = socket (AF_UNIX, SOCK_SEQPACKET, 0);

  if (name[0] == '@')
    {
      size_t n = strlen (name + 1);
      memcpy (sa.sun_path + 1, name + 1, n);
      len = (socklen_t) (offsetof (struct sockaddr_un, sun_path) + 1 + n);
    }
  else
    {
      snprintf (sa.sun_path, sizeof sa.sun_path, "%s", name);
      len = sizeof sa;
    }
  if (fd >= 0 && connect (fd, (struct sockaddr *) &sa, len) < 0)
    {
      close (fd);
      return -1;
    }
  return fd;
}

/* Send len bytes with nfds fds attached; returns sendmsg's result. */
static inline ssize_t
raw_send_fds (int fd, const void *buf, size_t len, const int *fds, int nfds)
{
  char ctl[CMSG_SPACE (4 * sizeof (int))];
  struct iovec iov = { .iov_base = (void *) buf, .iov_len = len };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

  if (nfds > 0)
    {
      memset (ctl, 0, sizeof ctl);
      mh.msg_control = ctl;
      mh.msg_controllen = CMSG_SPACE (sizeof (int) * (size_t) nfds);
      struct cmsghdr *cm = CMSG_FIRSTHDR (&mh);
      cm->cmsg_level = SOL_SOCKET;
      cm->cmsg_type = SCM_RIGHTS;
      cm->cmsg_len = CMSG_LEN (sizeof (int) * (size_t) nfds);
      memcpy (CMSG_DATA (cm), fds, sizeof (int) * (size_t) nfds);
    }
  return sendmsg (fd, &mh, MSG_NOSIGNAL);
}

static inline ssize_t
raw_send_msg (int fd, const struct msg *m, int pass_fd)
{
  return raw_send_fds (fd, m, sizeof *m, &pass_fd, pass_fd >= 0 ? 1 : 0);
}

static inline void
raw_init_msg (struct msg *m, uint32_t id, const char *secret)
{
  memset (m, 0, sizeof *m);
  m->type = MSG_INIT;
  m->init.version = MEMIF_PROTO_VERSION;
  m->init.id = id;
  if (secret)
    memcpy (m->init.secret, secret, strnlen (secret, MEMIF_SECRET_LEN));
  memcpy (m->init.name, "hostile", 7);
}

static inline void
raw_region_msg (struct msg *m, uint16_t index, uint64_t size)
{
  memset (m, 0, sizeof *m);
  m->type = MSG_ADD_REGION;
  m->add_region.index = index;
  m->add_region.size = size;
}

static inline void
raw_ring_msg (struct msg *m, bool s2m, uint16_t index, uint16_t region,
	      uint32_t offset, uint8_t log2)
{
  memset (m, 0, sizeof *m);
  m->type = MSG_ADD_RING;
  m->add_ring.flags = s2m ? RING_FLAG_S2M : 0;
  m->add_ring.index = index;
  m->add_ring.region = region;
  m->add_ring.offset = offset;
  m->add_ring.log2_ring_size = log2;
}

static inline void
raw_type_msg (struct msg *m, uint16_t type)
{
  memset (m, 0, sizeof *m);
  m->type = type;
}

/* A memfd of size bytes; sealable ones get F_SEAL_SHRINK as peers do. */
static inline int
raw_memfd (size_t size, bool sealable)
{
  int fd = memfd_create ("hostile", sealable ? MFD_ALLOW_SEALING : 0);

  if (fd < 0 || ftruncate (fd, (off_t) size) < 0)
    return -1;
  if (sealable)
    fcntl (fd, F_ADD_SEALS, F_SEAL_SHRINK);
  return fd;
}

/* The layout a raw slave uses: one region, S2M ring, M2S ring, buffers. */
#define RAW_LOG2 6
#define RAW_SLOTS (1 << RAW_LOG2)
#define RAW_RING_BYTES (128 + 16 * RAW_SLOTS)
#define RAW_BUFS (2 * RAW_RING_BYTES)
#define RAW_REGION (RAW_BUFS + 2 * RAW_SLOTS * 2048)

/* Lay out both rings in a mapped region: cookies, and each slot pointing
 * at its own 2048-byte buffer. */
static inline void
raw_layout (uint8_t *mem)
{
  struct memif_ring *s2m = (struct memif_ring *) mem;
  struct memif_ring *m2s = (struct memif_ring *) (mem + RAW_RING_BYTES);

  s2m->cookie = m2s->cookie = MEMIF_COOKIE;
  for (uint32_t i = 0; i < RAW_SLOTS; i++)
    {
      s2m->desc[i] = (struct memif_desc){ .offset = RAW_BUFS + i * 2048u,
					  .length = 2048 };
      m2s->desc[i] = (struct memif_desc){
	.offset = RAW_BUFS + (RAW_SLOTS + i) * 2048u, .length = 2048
      };
    }
}

#endif
