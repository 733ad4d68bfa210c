/*
 * region.c - shared memory regions: the slave creates sealed memfds, the
 * master maps what it is given after checking it is what it claims.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "internal.h"

/* Slave side: a new zeroed memfd of size bytes, sealed against shrinking
 * so that the peer cannot make our accesses fault. */
int
region_create (struct db *db, struct region *r, uint64_t size,
	       const char *name)
{
  int fd, err;
  void *p;

  (void) db;
  memset (r, 0, sizeof *r);
  r->fd = -1;
  if (size == 0 || size > SIZE_MAX)
    return MEMIF_ERR_INVAL_ARG;
  fd = memfd_create (name, MFD_ALLOW_SEALING | MFD_CLOEXEC);
  if (fd < 0)
    return errno_to_memif (errno);
  if (ftruncate (fd, (off_t) size) < 0
      || fcntl (fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_SEAL) < 0)
    goto fail;
  p = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED)
    goto fail;
  r->addr = p;
  r->size = size;
  r->fd = fd;
  r->owned_fd = true;
  return 0;
fail:
  err = errno_to_memif (errno);
  close (fd);
  return err;
}

/* Shared memory lives on tmpfs (memfd, /dev/shm) or hugetlbfs (VPP's and
 * DPDK's buffer pools); a file on disk would be slow and could fill it. */
static bool
is_shared_memory (int fd)
{
  struct statfs sf;

  if (fstatfs (fd, &sf) < 0)
    return false;
  return sf.f_type == TMPFS_MAGIC || sf.f_type == HUGETLBFS_MAGIC;
}

/*
 * Master side: fd must be a regular (memfd, tmpfs or hugetlbfs) file at
 * least size bytes long.  On success the mapping and fd belong to r; on
 * failure the caller still owns fd and *why says what was wrong.
 */
int
region_map_peer (struct region *r, int fd, uint64_t size, int kick_fd,
		 const char **why)
{
  struct stat st;
  void *p;

  memset (r, 0, sizeof *r);
  r->fd = -1;
  /* Seal against shrinking before measuring, so the size we check is the
   * size we keep.  Peers create memfds that allow sealing (DPDK, libmemif)
   * or seal them already; hugetlbfs files from VPP may not allow it. */
  fcntl (fd, F_ADD_SEALS, F_SEAL_SHRINK);
  int seals = fcntl (fd, F_GET_SEALS); /* -1 on files that cannot be sealed */
  r->shrink_sealed = seals >= 0 && (seals & F_SEAL_SHRINK);
  if (fstat (fd, &st) < 0)
    {
      *why = "region fd cannot be inspected";
      return MEMIF_ERR_NO_SHMFD;
    }
  if (!S_ISREG (st.st_mode) || !is_shared_memory (fd))
    {
      *why = "region fd is not a shared memory file";
      return MEMIF_ERR_NO_SHMFD;
    }
  if (size == 0 || size > SIZE_MAX)
    {
      *why = "region size is invalid";
      return MEMIF_ERR_MFMSG;
    }
  if ((uint64_t) st.st_size < size)
    {
      *why = "region smaller than announced";
      return MEMIF_ERR_MFMSG;
    }
  p = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED)
    {
      *why = "region cannot be mapped";
      return errno_to_memif (errno);
    }
  if (!r->shrink_sealed)
    {
      int slot = guard_add (p, size, kick_fd);
      if (slot < 0)
	{
	  munmap (p, size);
	  *why = "too many unsealed regions";
	  return MEMIF_ERR_NO_SHMFD;
	}
      r->guard = slot + 1;
    }
  r->addr = p;
  r->size = size;
  r->fd = fd;
  r->owned_fd = true;
  return 0;
}

void
region_release (struct conn *c, struct region *r)
{
  if (r->is_external)
    {
      if (c->db->del_ext_region && r->addr)
	c->db->del_ext_region (r->addr, (uint32_t) r->size, r->fd,
			       c->private_ctx);
    }
  else if (r->addr)
    {
      if (r->guard)
	guard_remove (r->guard - 1);
      munmap (r->addr, r->size);
    }
  if (r->owned_fd && r->fd >= 0)
    close (r->fd);
  memset (r, 0, sizeof *r);
  r->fd = -1;
}

/* Is fd an eventfd?  Ring fds must be: anything else (a file, a socket)
 * would let the peer make our interrupt writes block or misbehave. */
bool
fd_is_eventfd (int fd)
{
  char path[64], target[64];
  ssize_t n;

  snprintf (path, sizeof path, "/proc/self/fd/%d", fd);
  n = readlink (path, target, sizeof target - 1);
  if (n < 0)
    {
      /* No /proc: at least refuse what is clearly not an anonymous inode. */
      struct stat st;
      return fstat (fd, &st) == 0 && (st.st_mode & S_IFMT) == 0;
    }
  target[n] = '\0';
  return strcmp (target, "anon_inode:[eventfd]") == 0;
}
