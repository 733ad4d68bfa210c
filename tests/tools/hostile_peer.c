/*
 * hostile_peer - a memif slave that misbehaves on purpose, for testing
 * what a master (memifd) does with it.
 *
 *   hostile_peer SOCKET ID ATTACK
 *
 * It prints what the master answered: "disconnect: REASON", "eof",
 * "connected" (the handshake completed; for data-path attacks, after the
 * attack) or "silence".  Attacks: short long unknown order dup-init
 * missing-fd two-fds file-fd socket-fd small-region ring-outside big-ring
 * ring-index truncate bad-desc head-jump endless-chain irq-storm stall
 * flood.  Not an attack: "cycles:N" completes N whole handshakes, each on a
 * fresh connection closed right after (prints "cycles: N").
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>

#include "rawpeer.h"

static int ctl, region = -1, efd[2] = { -1, -1 };
static uint8_t *mem;
static uint32_t id;

/* Wait up to ms for a message; 128 = got one, 0 = EOF, -1 = nothing. */
static int
recv_msg (struct msg *m, int ms)
{
  struct pollfd p = { .fd = ctl, .events = POLLIN };

  if (poll (&p, 1, ms) <= 0)
    return -1;
  ssize_t n = recv (ctl, m, sizeof *m, 0);
  return n < 0 ? -1 : (int) n;
}

static void
expect (uint16_t type)
{
  struct msg m;
  if (recv_msg (&m, 3000) != 128 || m.type != type)
    {
      printf ("unexpected answer during setup\n");
      exit (1);
    }
}

/* The master's verdict on this session. */
static int
verdict (int ms)
{
  struct msg m;
  int r;

  while ((r = recv_msg (&m, ms)) == 128 && m.type != MSG_DISCONNECT)
    ;
  if (r == 128)
    printf ("disconnect: %.96s\n", (char *) m.disconnect.string);
  else
    printf (r == 0 ? "eof\n" : "silence\n");
  return 0;
}

static void
send_init (void)
{
  struct msg m;
  raw_init_msg (&m, id, NULL);
  raw_send_msg (ctl, &m, -1);
  expect (MSG_ACK);
}

static void
send_region (int fd, uint64_t size)
{
  struct msg m;
  raw_region_msg (&m, 0, size);
  raw_send_msg (ctl, &m, fd);
}

/* After INIT: the rest of a correct handshake, sealed region or not. */
static void
connect_fully (bool sealable)
{
  struct msg m;

  region = raw_memfd (RAW_REGION, sealable);
  mem = mmap (NULL, RAW_REGION, PROT_READ | PROT_WRITE, MAP_SHARED, region, 0);
  raw_layout (mem);
  send_region (region, RAW_REGION);
  expect (MSG_ACK);
  for (int d = 0; d < 2; d++)
    {
      efd[d] = eventfd (0, EFD_NONBLOCK);
      raw_ring_msg (&m, d == 0, 0, 0, d ? RAW_RING_BYTES : 0, RAW_LOG2);
      raw_send_msg (ctl, &m, efd[d]);
      expect (MSG_ACK);
    }
  raw_type_msg (&m, MSG_CONNECT);
  raw_send_msg (ctl, &m, -1);
  expect (MSG_CONNECTED);
}

static struct memif_ring *
s2m (void)
{
  return (struct memif_ring *) mem;
}

/* Publish n S2M slots and wake the master. */
static void
publish (uint16_t head)
{
  static const uint64_t one = 1;
  __atomic_store_n (&s2m ()->head, head, __ATOMIC_RELEASE);
  if (write (efd[0], &one, sizeof one) < 0)
    perror ("eventfd");
}

static int
data_attack (const char *a)
{
  struct memif_desc *d = s2m ()->desc;

  if (!strcmp (a, "bad-desc"))
    {
      d[0] = (struct memif_desc){ .region = 9, .offset = RAW_BUFS, .length = 60 };
      d[1] = (struct memif_desc){ .offset = RAW_REGION + 64, .length = 60 };
      d[2] = (struct memif_desc){ .offset = RAW_REGION - 20, .length = 60 };
      d[3] = (struct memif_desc){ .offset = RAW_BUFS, .length = 0 };
      publish (4);
      usleep (300000);
      printf ("connected\n");
      return 0;
    }
  if (!strcmp (a, "head-jump"))
    publish (RAW_SLOTS + 5);
  else if (!strcmp (a, "endless-chain"))
    {
      for (int i = 0; i < RAW_SLOTS; i++)
	d[i] = (struct memif_desc){ .flags = DESC_FLAG_NEXT,
				    .offset = RAW_BUFS + i * 2048u,
				    .length = 2048 };
      publish (RAW_SLOTS);
      usleep (300000);
      printf ("connected\n");
      return 0;
    }
  else if (!strcmp (a, "truncate"))
    {
      /* Publish, then pull the memory away before waking the master (our
       * own mapping is gone too: only the eventfd is touched after). */
      static const uint64_t one = 1;
      __atomic_store_n (&s2m ()->head, 1, __ATOMIC_RELEASE);
      if (ftruncate (region, 0) < 0 || write (efd[0], &one, sizeof one) < 0)
	perror ("truncate");
    }
  else if (!strcmp (a, "irq-storm"))
    {
      static const uint64_t one = 1;
      struct timespec t0, t;
      clock_gettime (CLOCK_MONOTONIC, &t0);
      do
	{
	  for (int i = 0; i < 1000; i++)
	    if (write (efd[0], &one, sizeof one) < 0 && errno != EAGAIN)
	      break;
	  clock_gettime (CLOCK_MONOTONIC, &t);
	}
      while (t.tv_sec - t0.tv_sec < 2);
      printf ("connected\n");
      return 0;
    }
  return verdict (3000);
}

int
main (int argc, char **argv)
{
  const char *a;
  struct msg m;

  if (argc != 4)
    {
      fprintf (stderr, "usage: hostile_peer SOCKET ID ATTACK\n");
      return 2;
    }
  id = (uint32_t) strtoul (argv[2], NULL, 0);
  a = argv[3];
  if (!strcmp (a, "flood"))
    {
      int ok = 0;
      for (int i = 0; i < 3000; i++)
	{
	  int fd = raw_connect_to (argv[1]);
	  if (fd >= 0)
	    ok++, close (fd);
	}
      printf ("connects: %d\n", ok);
      return 0;
    }
  if (!strncmp (a, "cycles:", 7))
    {
      int n = atoi (a + 7), done = 0;
      for (; done < n; done++)
	{
	  if ((ctl = raw_connect_to (argv[1])) < 0)
	    break;
	  expect (MSG_HELLO);
	  send_init ();
	  connect_fully (true);
	  close (ctl);
	  munmap (mem, RAW_REGION);
	  close (region);
	  close (efd[0]);
	  close (efd[1]);
	  usleep (2000); /* let the master see this one go before the next */
	}
      printf ("cycles: %d\n", done);
      return 0;
    }
  if ((ctl = raw_connect_to (argv[1])) < 0)
    {
      perror ("connect");
      return 1;
    }
  expect (MSG_HELLO);
  if (!strcmp (a, "short") || !strcmp (a, "long"))
    {
      char junk[300] = { 3 };
      raw_send_fds (ctl, junk, a[0] == 's' ? 60 : 300, NULL, 0);
    }
  else if (!strcmp (a, "unknown"))
    {
      raw_type_msg (&m, 77);
      raw_send_msg (ctl, &m, -1);
    }
  else if (!strcmp (a, "order"))
    send_region (raw_memfd (4096, true), 4096);
  else if (!strcmp (a, "stall"))
    return verdict (8000);
  else
    {
      send_init ();
      if (!strcmp (a, "dup-init"))
	{
	  raw_init_msg (&m, id, NULL);
	  raw_send_msg (ctl, &m, -1);
	}
      else if (!strcmp (a, "missing-fd"))
	send_region (-1, 4096);
      else if (!strcmp (a, "two-fds"))
	{
	  int fds[2] = { raw_memfd (4096, true), raw_memfd (4096, true) };
	  raw_region_msg (&m, 0, 4096);
	  raw_send_fds (ctl, &m, sizeof m, fds, 2);
	}
      else if (!strcmp (a, "file-fd"))
	{
	  FILE *f = tmpfile (); /* on disk, not shared memory */
	  if (!f || ftruncate (fileno (f), 4096) < 0)
	    return 1;
	  send_region (fileno (f), 4096);
	}
      else if (!strcmp (a, "socket-fd"))
	send_region (socket (AF_UNIX, SOCK_STREAM, 0), 4096);
      else if (!strcmp (a, "small-region"))
	send_region (raw_memfd (4096, true), 1 << 20);
      else if (!strcmp (a, "ring-outside") || !strcmp (a, "big-ring")
	       || !strcmp (a, "ring-index"))
	{
	  send_region (raw_memfd (65536, true), 65536);
	  expect (MSG_ACK);
	  raw_ring_msg (&m, true, !strcmp (a, "ring-index") ? 300 : 0, 0,
			!strcmp (a, "ring-outside") ? 65536 - 512 : 0,
			!strcmp (a, "big-ring") ? 15 : 8);
	  raw_send_msg (ctl, &m, eventfd (0, 0));
	}
      else
	{
	  connect_fully (strcmp (a, "truncate") != 0);
	  return data_attack (a);
	}
    }
  return verdict (3000);
}
