/*
 * memif_bench - the memif endpoint of the benchmarks (tests/bench/run.sh),
 * on libcore's public API.
 *
 *   memif_bench -m MODE -r master|slave -s SOCKET [-i ID] [-l LEN] [-b BUFSIZE]
 *               [-R LOG2] [-B BURST] [-w WARMUP_S] [-t WINDOW_S] [-I] [-N CONNS]
 *   memif_bench -m memcpy [-l LEN] [-b BUFSIZE] [-R LOG2] [-t WINDOW_S]
 *
 * tx    sends LEN-byte frames as fast as the ring takes them, the payload
 *       copied into the buffers; runs WARMUP + WINDOW + 2 s, or until the
 *       peer goes away or SIGTERM.
 * rx    receives and copies every payload out; from the first frame waits
 *       WARMUP, then counts frames over WINDOW: prints pps=.
 * ping  one frame out, wait for it back, repeat; the round trips that end
 *       inside WINDOW (after WARMUP) give p50=, p99=, p999= in microseconds;
 *       a frame not back within 100 ms is counted in lost= and not sampled.
 * pong  copies every frame it receives back to the peer.
 * idle  CONNS connections with ids ID.., interrupt mode, nothing sent,
 *       until SIGTERM.
 * memcpy  no memif: copies LEN-byte frames from one ring-sized area
 *       (2^LOG2 buffers of BUFSIZE, chained the same way) to another for
 *       WINDOW: pps= and bytes_per_s=, what one copying core can do.
 *
 * Polling by default (-I: interrupt mode).  Polling loops make no syscall
 * per burst: the control fds are looked at every few thousand bursts.
 * Results are one line of key=value on stdout; exit 1 if the link never
 * came up or no frame arrived.
 */
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "libmemif.h"

#include "toolkit.h"

#define MAX_BURST 256
#define MAX_CONNS 64
#define MAX_FRAME 65536
#define CTRL_EVERY 4096

static struct
{
  const char *mode, *socket;
  bool master, interrupt;
  uint32_t id, len, bufsize;
  int log2, burst, conns;
  double warmup, window;
} opt = { .mode = "rx", .len = 64, .bufsize = 2048, .log2 = 10, .burst = 32,
	  .conns = 1, .warmup = 0.5, .window = 2 };

static volatile sig_atomic_t stop;
static memif_per_thread_main_handle_t db;
static memif_conn_handle_t conns[MAX_CONNS];
static int up;
static uint8_t frame[MAX_FRAME], sink[MAX_FRAME];

/* Keeps the compiler from dropping copies into sink nobody reads. */
static inline void
keep (const void *p)
{
  __asm__ volatile ("" : : "r"(p) : "memory");
}

static int
on_connect (memif_conn_handle_t c, void *ctx)
{
  (void) ctx;
  memif_refill_queue (c, 0, 0xffff, 0);
  memif_set_rx_mode (c, opt.interrupt ? MEMIF_RX_MODE_INTERRUPT
				      : MEMIF_RX_MODE_POLLING, 0);
  up++;
  return 0;
}

static int
on_disconnect (memif_conn_handle_t c, void *ctx)
{
  (void) c;
  (void) ctx;
  if (up > 0)
    up--;
  return 0;
}

/* Copies up to burst frames of len (from src) into the tx ring. */
static uint16_t
send_frames (memif_conn_handle_t c, const uint8_t *src, uint32_t len,
	     int burst)
{
  memif_buffer_t b[MAX_BURST];
  uint16_t per = (uint16_t) ((len + opt.bufsize - 1) / opt.bufsize);
  uint16_t want = (uint16_t) (MAX_BURST / per < burst ? MAX_BURST / per : burst);
  uint16_t n = 0, tx = 0, frames = 0;
  uint32_t off = 0;

  memif_buffer_alloc (c, 0, b, want, &n, (uint16_t) len);
  for (uint16_t i = 0; i < n; i++)
    {
      memcpy (b[i].data, src + off, b[i].len);
      off += b[i].len;
      if (!(b[i].flags & MEMIF_BUFFER_FLAG_NEXT))
	{
	  frames++;
	  off = 0;
	}
    }
  if (n)
    memif_tx_burst (c, 0, b, n, &tx);
  return tx == n ? frames : 0;
}

/* Receives one burst, copying payloads out; returns whole frames.  With
 * echo, each frame is copied back to the peer. */
static uint32_t
recv_frames (memif_conn_handle_t c, int burst, bool echo, uint8_t **last)
{
  memif_buffer_t b[MAX_BURST];
  static uint32_t off;
  uint16_t n = 0;
  uint32_t frames = 0;

  memif_rx_burst (c, 0, b, (uint16_t) burst, &n);
  for (uint16_t i = 0; i < n; i++)
    {
      uint32_t l = b[i].len;
      if (off + l > MAX_FRAME)
	l = MAX_FRAME - off;
      memcpy (sink + off, b[i].data, l);
      off += l;
      if (b[i].flags & MEMIF_BUFFER_FLAG_NEXT)
	continue;
      keep (sink);
      if (echo)
	send_frames (c, sink, off, 1);
      off = 0;
      frames++;
    }
  if (n)
    memif_refill_queue (c, 0, n, 0);
  if (last)
    *last = sink;
  return frames;
}

static void
control (void)
{
  memif_per_thread_poll_event (db, 0);
}

static int
run_tx (void)
{
  double end = now_s () + opt.warmup + opt.window + 2;
  uint64_t sent = 0;

  for (unsigned it = 0; !stop && up; it++)
    {
      sent += send_frames (conns[0], frame, opt.len, opt.burst);
      if (it % CTRL_EVERY == 0)
	{
	  control ();
	  if (now_s () > end)
	    break;
	}
    }
  printf ("tx_frames=%llu\n", (unsigned long long) sent);
  return 0;
}

/* Interrupt mode: the callback receives; main loop sleeps in epoll. */
static uint32_t irq_frames;

static int
on_interrupt (memif_conn_handle_t c, void *ctx, uint16_t q)
{
  (void) ctx;
  (void) q;
  uint32_t n;
  while ((n = recv_frames (c, opt.burst, !strcmp (opt.mode, "pong"), NULL)))
    irq_frames += n;
  return 0;
}

static int
run_rx (void)
{
  uint64_t got = 0, at0 = 0;
  double t0 = 0, t = 0, first = 0;
  unsigned it = 0;

  while (!stop && up)
    {
      if (opt.interrupt)
	{
	  memif_per_thread_poll_event (db, 100);
	  got = irq_frames;
	}
      else
	{
	  got += recv_frames (conns[0], opt.burst, false, NULL);
	  if (++it % 64)
	    continue;
	  if (it % CTRL_EVERY == 0)
	    control ();
	}
      if (!got)
	continue;
      t = now_s ();
      if (!first)
	first = t;
      else if (!t0 && t - first >= opt.warmup)
	{
	  t0 = t;
	  at0 = got;
	}
      else if (t0 && t - t0 >= opt.window)
	break;
    }
  if (!t0 || t <= t0)
    {
      printf ("rx_frames=%llu pps=0\n", (unsigned long long) got);
      return 1;
    }
  printf ("rx_frames=%llu pps=%.0f\n", (unsigned long long) got,
	  (double) (got - at0) / (t - t0));
  return 0;
}

static int
run_pong (void)
{
  for (unsigned it = 0; !stop && up; it++)
    {
      if (opt.interrupt)
	memif_per_thread_poll_event (db, 100);
      else
	{
	  recv_frames (conns[0], opt.burst, true, NULL);
	  if (it % CTRL_EVERY == 0)
	    control ();
	}
    }
  return 0;
}

static int
run_ping (void)
{
  size_t cap = 4000000, n = 0, lost = 0;
  double *rtt = malloc (cap * sizeof *rtt);
  double start = now_s (), t0 = start + opt.warmup, end = t0 + opt.window;

  if (!rtt)
    return 1;
  while (!stop && up)
    {
      double t = now_s ();
      if (t > end)
	break;
      irq_frames = 0;
      if (send_frames (conns[0], frame, opt.len, 1) != 1)
	{
	  control ();
	  continue;
	}
      /* One frame in flight: wait for it; one lost (a peer still
       * setting up drops early frames) is counted and sent again. */
      double limit = t + 0.1;
      while (!irq_frames && !stop && up)
	{
	  if (opt.interrupt)
	    memif_per_thread_poll_event (db, 1000);
	  else
	    irq_frames = recv_frames (conns[0], opt.burst, false, NULL);
	  if (now_s () > limit)
	    break;
	}
      if (!irq_frames)
	{
	  lost++;
	  continue;
	}
      double back = now_s ();
      if (t >= t0 && n < cap)
	rtt[n++] = (back - t) * 1e6;
    }
  if (!n)
    {
      printf ("samples=0 lost=%zu\n", lost);
      free (rtt);
      return 1;
    }
  qsort (rtt, n, sizeof *rtt, cmp_double);
  printf ("samples=%zu lost=%zu p50=%.2f p99=%.2f p999=%.2f max=%.2f\n", n, lost,
	  rtt[n / 2], rtt[n * 99 / 100], rtt[n * 999 / 1000], rtt[n - 1]);
  free (rtt);
  return 0;
}

static int
run_idle (void)
{
  while (!stop)
    memif_per_thread_poll_event (db, 1000);
  printf ("connected=%d\n", up);
  return 0;
}

static int
run_memcpy (void)
{
  size_t slots = (size_t) 1 << opt.log2, size = slots * opt.bufsize;
  uint8_t *ring = malloc (size), *src = malloc (size);
  uint64_t frames = 0;
  size_t slot = 0;
  double t0, t;

  if (!ring || !src)
    {
      free (ring);
      free (src);
      return 1;
    }
  memset (ring, 1, size);
  memset (src, 2, size);
  t0 = now_s ();
  do
    {
      for (int k = 0; k < 1024; k++)
	{
	  for (uint32_t off = 0; off < opt.len; off += opt.bufsize)
	    {
	      uint32_t l = opt.len - off < opt.bufsize ? opt.len - off : opt.bufsize;
	      memcpy (ring + slot * opt.bufsize, src + slot * opt.bufsize, l);
	      slot = (slot + 1) & (slots - 1);
	    }
	  keep (ring);
	}
      frames += 1024;
      t = now_s ();
    }
  while (t - t0 < opt.window);
  printf ("pps=%.0f bytes_per_s=%.0f\n", (double) frames / (t - t0),
	  (double) frames * opt.len / (t - t0));
  free (ring);
  free (src);
  return 0;
}

static void
on_signal (int sig)
{
  (void) sig;
  stop = 1;
}

static int
parse (int argc, char **argv)
{
  int c;
  while ((c = getopt (argc, argv, "m:r:s:i:l:b:R:B:w:t:IN:")) != -1)
    switch (c)
      {
      case 'm': opt.mode = optarg; break;
      case 'r': opt.master = !strcmp (optarg, "master"); break;
      case 's': opt.socket = optarg; break;
      case 'i': opt.id = (uint32_t) strtoul (optarg, NULL, 0); break;
      case 'l': opt.len = (uint32_t) strtoul (optarg, NULL, 0); break;
      case 'b': opt.bufsize = (uint32_t) strtoul (optarg, NULL, 0); break;
      case 'R': opt.log2 = atoi (optarg); break;
      case 'B': opt.burst = atoi (optarg); break;
      case 'w': opt.warmup = atof (optarg); break;
      case 't': opt.window = atof (optarg); break;
      case 'I': opt.interrupt = true; break;
      case 'N': opt.conns = atoi (optarg); break;
      default: return -1;
      }
  if (opt.len < 60 || opt.len > MAX_FRAME || opt.bufsize < 128
      || opt.bufsize > 65535 || opt.burst < 1 || opt.burst > MAX_BURST
      || opt.conns < 1 || opt.conns > MAX_CONNS || opt.log2 < 1
      || opt.log2 > 14)
    return -1;
  return opt.socket || !strcmp (opt.mode, "memcpy") ? 0 : -1;
}

static const struct
{
  const char *name;
  int (*run) (void);
} modes[] = {
  { "tx", run_tx },	{ "rx", run_rx },     { "ping", run_ping },
  { "pong", run_pong }, { "idle", run_idle }, { "memcpy", run_memcpy },
};

static int
open_conns (memif_socket_handle_t *sock)
{
  memif_conn_args_t a = { 0 };
  struct itimerspec t = { .it_value.tv_nsec = 100000000,
			  .it_interval.tv_nsec = 100000000 };
  int err;

  if ((err = memif_per_thread_init (&db, NULL, NULL, "memif_bench", NULL,
				    NULL, NULL))
      || (err = memif_per_thread_create_socket (db, sock, opt.socket, NULL)))
    return err;
  memif_per_thread_set_connection_request_timer (db, t);
  a.socket = *sock;
  a.is_master = opt.master;
  a.buffer_size = (uint16_t) opt.bufsize;
  a.log2_ring_size = (uint8_t) opt.log2;
  a.num_s2m_rings = a.num_m2s_rings = 1;
  strcpy ((char *) a.interface_name, "memif_bench");
  for (int i = 0; i < opt.conns; i++)
    {
      a.interface_id = opt.id + (uint32_t) i;
      if ((err = memif_create (&conns[i], &a, on_connect, on_disconnect,
			       opt.interrupt ? on_interrupt : NULL, NULL)))
	return err;
    }
  return 0;
}

int
main (int argc, char **argv)
{
  memif_socket_handle_t sock = NULL;
  int (*run) (void) = NULL;
  int err, rc;

  if (parse (argc, argv) == 0)
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
      if (!strcmp (opt.mode, modes[i].name))
	run = modes[i].run;
  if (!run)
    {
      fprintf (stderr, "usage: memif_bench -m tx|rx|ping|pong|idle|memcpy "
		       "-r master|slave -s SOCKET [-i ID] [-l LEN] [-b BUFSIZE] "
		       "[-R LOG2] [-B BURST] [-w WARMUP] [-t WINDOW] [-I] "
		       "[-N CONNS]\n");
      return 2;
    }
  signal (SIGINT, on_signal);
  signal (SIGTERM, on_signal);
  fill_udp_frame (frame, opt.len);
  if (!strcmp (opt.mode, "memcpy"))
    return run_memcpy ();
  if ((err = open_conns (&sock)))
    {
      fprintf (stderr, "memif_bench: %s\n", memif_strerror (err));
      return 1;
    }
  /* idle does not wait: its peers may come up one by one. */
  for (double t = now_s (); strcmp (opt.mode, "idle") && !up && !stop
			    && now_s () - t < 15;)
    memif_per_thread_poll_event (db, 50);
  if (!up && strcmp (opt.mode, "idle"))
    {
      fprintf (stderr, "memif_bench: link never came up\n");
      rc = 1;
    }
  else
    rc = run ();
  fflush (stdout);
  for (int i = 0; i < opt.conns; i++)
    memif_delete (&conns[i]);
  memif_delete_socket (&sock);
  memif_per_thread_cleanup (&db);
  return rc;
}
