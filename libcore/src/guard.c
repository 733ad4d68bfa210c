/*
 * guard.c - survive a peer that shrinks a shared region under us.
 *
 * A region we could seal against shrinking (F_SEAL_SHRINK, the common case:
 * memfds made with MFD_ALLOW_SEALING, as DPDK, VPP and libmemif make them)
 * needs nothing more.  For one we could not seal (a hugetlbfs file, a memfd
 * sealed against new seals) an access beyond its new end raises SIGBUS.
 * Such regions are registered here; our SIGBUS handler recognises a fault
 * inside one, maps anonymous zero pages over the whole region so that the
 * faulting access completes harmlessly, flags the region, and makes the
 * owning database's housekeeping run, which closes that session.  A fault
 * anywhere else goes to the handler that was installed before ours.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/timerfd.h>

#include "internal.h"

#define GUARD_SLOTS 1024

struct guard_slot
{
  uintptr_t start, end; /* end == 0: free */
  int kick_fd;		/* the owning database's housekeeping timerfd */
  int tripped;
};

static struct guard_slot slots[GUARD_SLOTS];
static pthread_mutex_t guard_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sigaction previous;
static bool installed;

static void
on_sigbus (int sig, siginfo_t *si, void *uctx)
{
  uintptr_t a = (uintptr_t) si->si_addr;
  int saved = errno;

  for (int i = 0; i < GUARD_SLOTS; i++)
    {
      uintptr_t s = __atomic_load_n (&slots[i].start, __ATOMIC_ACQUIRE);
      uintptr_t e = __atomic_load_n (&slots[i].end, __ATOMIC_ACQUIRE);
      if (!e || a < s || a >= e)
	continue;
      /* Zero pages in place of the vanished file pages; both mmap and
       * timerfd_settime are plain system calls, safe in a handler. */
      mmap ((void *) s, e - s, PROT_READ | PROT_WRITE,
	    MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      __atomic_store_n (&slots[i].tripped, 1, __ATOMIC_RELEASE);
      struct itimerspec now = { .it_value.tv_nsec = 1 };
      timerfd_settime (slots[i].kick_fd, 0, &now, NULL);
      errno = saved;
      return;
    }
  /* Not ours: behave as if we had never been here. */
  if (previous.sa_flags & SA_SIGINFO)
    previous.sa_sigaction (sig, si, uctx);
  else if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN)
    previous.sa_handler (sig);
  else
    {
      /* Default action: restore it; the access faults again and the
       * process dies as it would have without us. */
      signal (SIGBUS, SIG_DFL);
    }
  errno = saved;
}

static int
guard_install (void)
{
  struct sigaction sa;

  if (installed)
    return 0;
  memset (&sa, 0, sizeof sa);
  sa.sa_sigaction = on_sigbus;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset (&sa.sa_mask);
  if (sigaction (SIGBUS, &sa, &previous) < 0)
    return -1;
  installed = true;
  return 0;
}

/* Watch [addr, addr+size) for SIGBUS; returns a slot number or -1. */
int
guard_add (void *addr, uint64_t size, int kick_fd)
{
  int slot = -1;

  pthread_mutex_lock (&guard_lock);
  if (guard_install () == 0)
    for (int i = 0; i < GUARD_SLOTS; i++)
      if (!slots[i].end)
	{
	  slots[i].kick_fd = kick_fd;
	  slots[i].tripped = 0;
	  __atomic_store_n (&slots[i].start, (uintptr_t) addr, __ATOMIC_RELEASE);
	  __atomic_store_n (&slots[i].end, (uintptr_t) addr + size,
			    __ATOMIC_RELEASE);
	  slot = i;
	  break;
	}
  pthread_mutex_unlock (&guard_lock);
  return slot;
}

bool
guard_tripped (int slot)
{
  return slot >= 0 && __atomic_load_n (&slots[slot].tripped, __ATOMIC_ACQUIRE);
}

void
guard_remove (int slot)
{
  if (slot < 0)
    return;
  pthread_mutex_lock (&guard_lock);
  __atomic_store_n (&slots[slot].end, 0, __ATOMIC_RELEASE);
  __atomic_store_n (&slots[slot].start, 0, __ATOMIC_RELEASE);
  pthread_mutex_unlock (&guard_lock);
}
