/*
 * tap_floor - how fast this kernel takes frames written into a TAP device,
 * with nothing else in the way: the bound of any memif -> TAP bridge, and
 * the measurement of the ways to batch TAP writes (tests/bench/run.sh);
 * and the same for a veth fed through a packet socket, the other way a
 * bridge can hand frames to the host.
 *
 *   tap_floor -d DEV [-m write|uring|napi] [-b BATCH] [-l LEN] [-w WARMUP_S]
 *             [-t WINDOW_S]
 *   tap_floor -d VETH -p PEER -m send|mmsg|ring [-q] [-b BATCH] [-l LEN] ...
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
 * With -p, DEV is one end of an existing veth pair (both up) and PEER the
 * other; a packet socket bound to DEV, with PACKET_QDISC_BYPASS (as a
 * bridge would use it: no qdisc between it and the device), sends:
 *
 * send   one send() per frame: what libpcap's pcap_inject does, and so
 *        memifd's pcap-live host today.
 * mmsg   BATCH frames per sendmmsg().
 * ring   a PACKET_TX_RING (TPACKET_V2) of 256 frames: BATCH frames filled
 *        in, then one send() hands them all to the kernel.
 *
 * -q keeps the qdisc (and the device's taps: a tcpdump on DEV sees what
 * was sent only then).
 *
 * Counts the writes that succeed over WINDOW after WARMUP (with -p: the
 * frames PEER received, its rx_packets, since a veth takes a frame its
 * peer then drops): prints pps=.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if_tun.h>
#include <linux/if_packet.h>
#include <liburing.h>
#include <net/if.h>
#include <poll.h>
#include <sys/mman.h>
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
#define RING_FRAMES 256
#define RING_FRAME_SIZE 16384 /* a 9000-byte frame and the header fit */

static struct
{
  const char *dev, *peer, *mode;
  bool qdisc;
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

/* PEER's rx_packets: the frames a veth really passed on. */
static uint64_t
peer_rx (void)
{
  char path[128];
  unsigned long long v = 0;
  FILE *f;

  snprintf (path, sizeof path, "/sys/class/net/%s/statistics/rx_packets",
	    opt.peer);
  f = fopen (path, "r");
  if (!f || fscanf (f, "%llu", &v) != 1)
    {
      fprintf (stderr, "tap_floor: cannot read %s\n", path);
      exit (1);
    }
  fclose (f);
  return v;
}

/* n frames written so far, the time now: true when the window is over. */
static bool
window_check (struct window *w, uint64_t n)
{
  double t = now_s ();

  if (opt.peer)
    n = peer_rx ();
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

/* A packet socket bound to DEV that bypasses the qdisc (unless -q); with a TX ring
 * mapped at *ring when ring is not NULL. */
static int
pkt_open (const char *name, uint8_t **ring)
{
  struct sockaddr_ll sll = { .sll_family = AF_PACKET };
  struct tpacket_req req = {
    .tp_block_size = RING_FRAME_SIZE, .tp_block_nr = RING_FRAMES,
    .tp_frame_size = RING_FRAME_SIZE, .tp_frame_nr = RING_FRAMES,
  };
  int one = 1, v2 = TPACKET_V2, fd;

  fd = socket (AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0); /* 0: receives none */
  sll.sll_ifindex = (int) if_nametoindex (name);
  if (fd < 0 || !sll.sll_ifindex
      || (!opt.qdisc
	  && setsockopt (fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one))
      || (ring
	  && (setsockopt (fd, SOL_PACKET, PACKET_VERSION, &v2, sizeof v2)
	      || setsockopt (fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof req)))
      || bind (fd, (struct sockaddr *) &sll, sizeof sll))
    {
      fprintf (stderr, "tap_floor: packet socket on %s: %s\n", name,
	       strerror (errno));
      return -1;
    }
  if (ring)
    {
      *ring = mmap (NULL, (size_t) RING_FRAMES * RING_FRAME_SIZE,
		    PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      if (*ring == MAP_FAILED)
	{
	  perror ("tap_floor: TX ring");
	  close (fd);
	  return -1;
	}
    }
  return fd;
}

/* One send() per frame, or opt.batch per sendmmsg(), until the window
 * ends; a full device queue (ENOBUFS) is simply tried again. */
static void
run_send (int fd, bool mmsg, struct window *w)
{
  struct mmsghdr msgs[MAX_BATCH];
  struct iovec iov[MAX_BATCH];
  uint64_t n = 0;
  int r;

  memset (msgs, 0, sizeof msgs);
  for (unsigned i = 0; i < opt.batch; i++)
    {
      iov[i] = (struct iovec){ frames[i], opt.len };
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
  for (;;)
    {
      for (unsigned i = 0; i < LOOP_WRITES; i += mmsg ? opt.batch : 1)
	if (!mmsg)
	  n += send (fd, frames[i % opt.batch], opt.len, 0) == (ssize_t) opt.len;
	else if ((r = sendmmsg (fd, msgs, opt.batch, 0)) > 0)
	  n += (unsigned) r;
      if (window_check (w, n))
	return;
    }
}

/* opt.batch frames into the TX ring, then one send() for all of them. */
static void
run_ring (int fd, uint8_t *ring, struct window *w)
{
  const size_t data = TPACKET2_HDRLEN - sizeof (struct sockaddr_ll);
  unsigned slot = 0, filled;
  uint64_t n = 0;

  for (;;)
    {
      for (unsigned k = 0; k < LOOP_WRITES / opt.batch + 1; k++)
	{
	  filled = 0;
	  for (unsigned i = 0; i < opt.batch; i++)
	    {
	      struct tpacket2_hdr *h
		= (void *) (ring + (size_t) slot * RING_FRAME_SIZE);

	      if (h->tp_status != TP_STATUS_AVAILABLE)
		break; /* the kernel still sends it: no room yet */
	      memcpy ((uint8_t *) h + data, frames[i], opt.len);
	      h->tp_len = opt.len;
	      __atomic_store_n (&h->tp_status, TP_STATUS_SEND_REQUEST,
				__ATOMIC_RELEASE);
	      slot = (slot + 1) % RING_FRAMES;
	      filled++;
	    }
	  if (send (fd, NULL, 0, 0) >= 0)
	    n += filled;
	  else if (!filled)
	    {
	      struct pollfd p = { fd, POLLOUT, 0 };

	      poll (&p, 1, 1);
	    }
	}
      if (window_check (w, n))
	break;
    }
}

static void
usage (void)
{
  fprintf (stderr, "usage: tap_floor -d DEV [-m write|uring|napi] [-b BATCH] "
		   "[-l LEN] [-w WARMUP_S] [-t WINDOW_S]\n"
		   "       tap_floor -d VETH -p PEER -m send|mmsg|ring [-q] [-b BATCH] "
		   "[-l LEN] [-w WARMUP_S] [-t WINDOW_S]\n");
  exit (2);
}

int
main (int argc, char **argv)
{
  struct window w = { 0 };
  uint8_t *ring = NULL;
  bool pkt;
  int c, fd;

  while ((c = getopt (argc, argv, "d:p:m:b:l:w:t:q")) != -1)
    switch (c)
      {
      case 'd':
	opt.dev = optarg;
	break;
      case 'p':
	opt.peer = optarg;
	break;
      case 'q':
	opt.qdisc = true;
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
  pkt = !strcmp (opt.mode, "send") || !strcmp (opt.mode, "mmsg")
	|| !strcmp (opt.mode, "ring");
  if (!opt.dev || opt.batch < 1 || opt.batch > MAX_BATCH || opt.len < 14
      || opt.len > MAX_LEN || opt.window <= 0 || pkt != !!opt.peer
      || (!pkt && strcmp (opt.mode, "write") && strcmp (opt.mode, "uring")
	  && strcmp (opt.mode, "napi")))
    usage ();
  for (unsigned i = 0; i < opt.batch; i++)
    fill_udp_frame (frames[i], opt.len);
  if (pkt)
    fd = pkt_open (opt.dev, !strcmp (opt.mode, "ring") ? &ring : NULL);
  else
    fd = tap_open (opt.dev, !strcmp (opt.mode, "napi"));
  if (fd < 0)
    return 1;
  w.t_start = now_s () + opt.warmup;
  w.t_end = w.t_start + opt.window;
  if (!strcmp (opt.mode, "uring"))
    run_uring (fd, &w);
  else if (ring)
    run_ring (fd, ring, &w);
  else if (pkt)
    run_send (fd, !strcmp (opt.mode, "mmsg"), &w);
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
