/*
 * wake_floor - the round trip of a wake-up through the kernel alone: the
 * floor under any interrupt-mode memif ping-pong (tests/bench/run.sh).
 *
 *   wake_floor [-c PING_CPU,PONG_CPU] [-w WARMUP_S] [-t WINDOW_S]
 *
 * Two processes, each pinned to its CPU, each asleep in epoll_wait on an
 * eventfd as a memif application in interrupt mode is: the pinger writes
 * the ponger's eventfd and sleeps until the ponger writes its own back.
 * This is what one memif interrupt-mode round trip costs without the ring
 * work; the same CPU for both measures a local wake-up, two CPUs a wake-up
 * of an idle CPU (on a VM, through the hypervisor).
 *
 * Prints samples= p50= p99= p999= max= in microseconds, as memif_bench's
 * ping does.
 */
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "toolkit.h"

#define MAX_SAMPLES 4000000

static int
pin (int cpu)
{
  cpu_set_t set;

  CPU_ZERO (&set);
  CPU_SET (cpu, &set);
  if (sched_setaffinity (0, sizeof set, &set) < 0)
    {
      perror ("wake_floor: sched_setaffinity");
      return -1;
    }
  return 0;
}

/* An epoll instance watching fd for input. */
static int
watch (int fd)
{
  struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
  int ep = epoll_create1 (EPOLL_CLOEXEC);

  if (ep < 0 || epoll_ctl (ep, EPOLL_CTL_ADD, fd, &ev) < 0)
    {
      perror ("wake_floor: epoll");
      exit (1);
    }
  return ep;
}

/* Sleeps until fd is signalled (or timeout_ms); true when it was. */
static int
wait_signal (int ep, int fd, int timeout_ms)
{
  struct epoll_event ev;
  uint64_t v;

  if (epoll_wait (ep, &ev, 1, timeout_ms) != 1)
    return 0;
  return read (fd, &v, sizeof v) == sizeof v;
}

static void
signal_fd (int fd)
{
  uint64_t one = 1;

  if (write (fd, &one, sizeof one) != sizeof one)
    perror ("wake_floor: eventfd write");
}

static void
usage (void)
{
  fprintf (stderr, "usage: wake_floor [-c PING_CPU,PONG_CPU] [-w WARMUP_S] "
		   "[-t WINDOW_S]\n");
  exit (2);
}

int
main (int argc, char **argv)
{
  int ping_cpu = 0, pong_cpu = 1, c, to_pong, to_ping, ep;
  double warmup = 0.3, window = 1.5, start, t0, end;
  size_t n = 0;
  double *rtt;
  pid_t child;

  while ((c = getopt (argc, argv, "c:w:t:")) != -1)
    switch (c)
      {
      case 'c':
	if (sscanf (optarg, "%d,%d", &ping_cpu, &pong_cpu) != 2)
	  usage ();
	break;
      case 'w':
	warmup = atof (optarg);
	break;
      case 't':
	window = atof (optarg);
	break;
      default:
	usage ();
      }
  rtt = malloc (MAX_SAMPLES * sizeof *rtt);
  to_pong = eventfd (0, EFD_NONBLOCK | EFD_CLOEXEC);
  to_ping = eventfd (0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (!rtt || to_pong < 0 || to_ping < 0)
    {
      perror ("wake_floor");
      return 1;
    }
  child = fork ();
  if (child < 0)
    {
      perror ("wake_floor: fork");
      return 1;
    }
  if (child == 0)
    {
      if (pin (pong_cpu))
	_exit (1);
      ep = watch (to_pong);
      /* the pinger going quiet for a second means it is done */
      while (wait_signal (ep, to_pong, 1000))
	signal_fd (to_ping);
      _exit (0);
    }
  if (pin (ping_cpu))
    {
      kill (child, SIGKILL);
      return 1;
    }
  ep = watch (to_ping);
  start = now_s ();
  t0 = start + warmup;
  end = t0 + window;
  for (;;)
    {
      double t = now_s (), back;

      if (t > end)
	break;
      signal_fd (to_pong);
      if (!wait_signal (ep, to_ping, 100))
	{
	  /* a reply later than 100 ms is not sampled; take it before the
	   * next ping, or that one would seem to come back at once */
	  wait_signal (ep, to_ping, 1000);
	  continue;
	}
      back = now_s ();
      if (t >= t0 && n < MAX_SAMPLES)
	rtt[n++] = (back - t) * 1e6;
    }
  kill (child, SIGTERM);
  waitpid (child, NULL, 0);
  if (!n)
    {
      printf ("samples=0\n");
      return 1;
    }
  qsort (rtt, n, sizeof *rtt, cmp_double);
  printf ("samples=%zu p50=%.2f p99=%.2f p999=%.2f max=%.2f\n", n,
	  rtt[n / 2], rtt[n * 99 / 100], rtt[n * 999 / 1000], rtt[n - 1]);
  free (rtt);
  return 0;
}
