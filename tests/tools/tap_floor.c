/*
 * tap_floor - how fast this kernel takes frames written into a TAP device,
 * with nothing else in the way: the bound of any memif -> TAP bridge, and
 * the measurement of the ways to batch TAP writes (tests/bench/run.sh).
 *
 *   tap_floor -d DEV [-m write|uring|napi] [-b BATCH] [-l LEN] [-w WARMUP_S]
 *             [-t WINDOW_S]
 *
 * Creates the TAP DEV in the current network namespace (its fd
 * non-blocking, as memifd's and DPDK net_tap's are: the kernel then builds
 * each frame's skb around a page fragment, a faster path than a blocking
 * write), sets it up and writes the same LEN-byte UDP/IPv4 frames
 * memif_bench sends (to a MAC that is not the TAP's, so the stack drops them
 * at the IP layer, as in the bridge benchmark) as fast as it can:
 *
 * write  one write() per frame: what memifd and DPDK's net_tap do.
 * uring  BATCH writes (default 32) per io_uring_submit_and_wait, the TAP's
 *        fd registered with the ring: one syscall per batch.
 * napi   one write() per frame into a TAP opened with IFF_NAPI, where the
 *        kernel queues frames and takes them in NAPI polls.
 *
 * Counts the writes that succeed over WINDOW after WARMUP: prints pps=.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <liburing.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "toolkit.h"

#define MAX_BATCH 256
#define MAX_LEN 9000
#define LOOP_WRITES 1024 /* between two looks at the clock */

static struct
{
  const char *dev, *mode;
  unsigned batch, len;
  double warmup, window;
} opt = { .mode = "write", .batch = 32, .len = 64, .warmup = 0.3,
	  .window = 1.5 };

static uint8_t frames[MAX_BATCH][MAX_LEN];

static int
tap_open (const char *name, bool napi)
{
  struct ifreq ifr;
  int fd, s;

  fd = open ("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    {
      perror ("tap_floor: /dev/net/tun");
      return -1;
    }
  memset (&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (napi ? IFF_NAPI : 0);
  snprintf (ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
  /* a TAP of the same name closed just before is still being taken down */
  for (int tries = 0; ioctl (fd, TUNSETIFF, &ifr) < 0; tries++)
    {
      if (errno == EBUSY && tries < 100)
	{
	  usleep (20000);
	  continue;
	}
      fprintf (stderr, "tap_floor: TAP %s: %s\n", name, strerror (errno));
      close (fd);
      return -1;
    }
  s = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0 || ioctl (s, SIOCGIFFLAGS, &ifr) < 0
      || (ifr.ifr_flags |= IFF_UP, ioctl (s, SIOCSIFFLAGS, &ifr) < 0))
    {
      fprintf (stderr, "tap_floor: cannot set %s up: %s\n", name,
	       strerror (errno));
      close (fd);
      fd = -1;
    }
  if (s >= 0)
    close (s);
  return fd;
}

/* The measuring window: counting starts at the first look at the clock
 * after t_start and stops at the first after t_end; then n_counted frames
 * were written in t_counted seconds. */
struct window
{
  double t_start, t_end, t_counted;
  uint64_t n_counted;
  bool counting;
};

/* n frames written so far, the time now: true when the window is over. */
static bool
window_check (struct window *w, uint64_t n)
{
  double t = now_s ();

  if (!w->counting && t >= w->t_start)
    {
      w->counting = true;
      w->n_counted = n;
      w->t_counted = t;
    }
  else if (w->counting && t >= w->t_end)
    {
      w->n_counted = n - w->n_counted;
      w->t_counted = t - w->t_counted;
      return true;
    }
  return false;
}

/* One write() per frame until the window ends. */
static void
run_write (int fd, struct window *w)
{
  uint64_t n = 0;

  for (;;)
    {
      for (unsigned i = 0; i < LOOP_WRITES; i++)
	if (write (fd, frames[i % opt.batch], opt.len) == (ssize_t) opt.len)
	  n++;
      if (window_check (w, n))
	return;
    }
}

/* opt.batch writes per submission, the fd registered with the ring. */
static void
run_uring (int fd, struct window *w)
{
  struct io_uring ring;
  struct io_uring_cqe *cqe;
  uint64_t n = 0;
  unsigned head, seen;
  int r;

  r = io_uring_queue_init (opt.batch * 2, &ring, 0);
  if (r < 0)
    {
      fprintf (stderr, "tap_floor: io_uring: %s\n", strerror (-r));
      return;
    }
  r = io_uring_register_files (&ring, &fd, 1);
  if (r < 0)
    {
      fprintf (stderr, "tap_floor: io_uring files: %s\n", strerror (-r));
      io_uring_queue_exit (&ring);
      return;
    }
  for (;;)
    {
      for (unsigned k = 0; k < LOOP_WRITES / opt.batch + 1; k++)
	{
	  for (unsigned i = 0; i < opt.batch; i++)
	    {
	      struct io_uring_sqe *sqe = io_uring_get_sqe (&ring);

	      io_uring_prep_write (sqe, 0, frames[i], opt.len, 0);
	      sqe->flags |= IOSQE_FIXED_FILE;
	    }
	  io_uring_submit_and_wait (&ring, opt.batch);
	  seen = 0;
	  io_uring_for_each_cqe (&ring, head, cqe)
	  {
	    if (cqe->res == (int) opt.len)
	      n++;
	    seen++;
	  }
	  io_uring_cq_advance (&ring, seen);
	}
      if (window_check (w, n))
	break;
    }
  io_uring_queue_exit (&ring);
}

static void
usage (void)
{
  fprintf (stderr, "usage: tap_floor -d DEV [-m write|uring|napi] [-b BATCH] "
		   "[-l LEN] [-w WARMUP_S] [-t WINDOW_S]\n");
  exit (2);
}

int
main (int argc, char **argv)
{
  struct window w = { 0 };
  int c, fd;

  while ((c = getopt (argc, argv, "d:m:b:l:w:t:")) != -1)
    switch (c)
      {
      case 'd':
	opt.dev = optarg;
	break;
      case 'm':
	opt.mode = optarg;
	break;
      case 'b':
	opt.batch = (unsigned) atoi (optarg);
	break;
      case 'l':
	opt.len = (unsigned) atoi (optarg);
	break;
      case 'w':
	opt.warmup = atof (optarg);
	break;
      case 't':
	opt.window = atof (optarg);
	break;
      default:
	usage ();
      }
  if (!opt.dev || opt.batch < 1 || opt.batch > MAX_BATCH || opt.len < 14
      || opt.len > MAX_LEN || opt.window <= 0
      || (strcmp (opt.mode, "write") && strcmp (opt.mode, "uring")
	  && strcmp (opt.mode, "napi")))
    usage ();
  for (unsigned i = 0; i < opt.batch; i++)
    fill_udp_frame (frames[i], opt.len);
  fd = tap_open (opt.dev, !strcmp (opt.mode, "napi"));
  if (fd < 0)
    return 1;
  w.t_start = now_s () + opt.warmup;
  w.t_end = w.t_start + opt.window;
  if (!strcmp (opt.mode, "uring"))
    run_uring (fd, &w);
  else
    run_write (fd, &w);
  close (fd);
  if (!w.counting || !w.n_counted || w.t_counted <= 0)
    {
      fprintf (stderr, "tap_floor: no frame written\n");
      return 1;
    }
  printf ("pps=%.0f\n", (double) w.n_counted / w.t_counted);
  return 0;
}
