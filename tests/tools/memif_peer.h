/*
 * memif_peer.h - what memif_peer (libmemif 3.1) and memif4_peer (4.x)
 * share: the options both take, the counters, the callbacks, the frame,
 * the bursts and the traffic loop with its key=value report.  It uses only
 * what both libmemif.h headers spell alike; the tool that includes it
 * after its libmemif.h defines the three things its API does its own way:
 *
 *   peer_poll (ms)       turn the event loop once, waiting up to ms
 *   peer_tx (q)          one tx burst on queue q (peer_tx_send does it)
 *   peer_echo_slave ()   a slave's in-place echo of a received burst
 */
#ifndef MEMIFD_MEMIF_PEER_H
#define MEMIFD_MEMIF_PEER_H

#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libmemif.h"

#include "toolkit.h"

/* The options of both tools; a tool adds its own with peer_parse. */
#define PEER_OPTS "r:s:i:m:n:l:t:b:R:S:q:Iw:D:v"

static struct
{
  bool master, interrupt;
  const char *socket, *mode, *secret;
  uint32_t id, len, bufsize;
  uint64_t count;
  int timeout, log2, queues;
  double linger;
  int refill_delay_ms;
  bool verbose;
} opt = { .mode = "rx", .len = 64, .bufsize = 2048, .count = 1000000,
	  .timeout = 10, .log2 = 10, .queues = 1 };

static struct
{
  uint64_t rx, rx_bytes, rx_chained, tx, tx_fail, rx_badlen;
  uint32_t cur_len;
  int connected, disconnects;
  double refill_at; /* -D: when to give the first receive buffers */
} st;

static volatile sig_atomic_t stop;
static memif_conn_handle_t conn;

static void peer_poll (int timeout_ms);
static void peer_tx (uint16_t q);
/* n buffers received on q back to the peer in place; *out is the count
 * the library last gave back (peer_rx's, kept from burst to burst). */
static void peer_echo_slave (uint16_t q, memif_buffer_t *b, uint16_t n,
			     uint16_t *out);

static int
on_connect (memif_conn_handle_t c, void *ctx)
{
  (void) ctx;
  if (opt.refill_delay_ms && !opt.master)
    st.refill_at = now_s () + opt.refill_delay_ms / 1000.0;
  for (int q = 0; q < opt.queues; q++)
    {
      if (!st.refill_at)
	memif_refill_queue (c, (uint16_t) q, 0xffff, 0);
      memif_set_rx_mode (c, opt.interrupt ? MEMIF_RX_MODE_INTERRUPT
					  : MEMIF_RX_MODE_POLLING,
			 (uint16_t) q);
    }
  st.connected = 1;
  if (opt.verbose)
    {
      printf ("link up\n");
      fflush (stdout);
    }
  return 0;
}

static int
on_disconnect (memif_conn_handle_t c, void *ctx)
{
  (void) c;
  (void) ctx;
  if (st.connected)
    st.disconnects++;
  st.connected = 0;
  if (opt.verbose)
    {
      printf ("link down\n");
      fflush (stdout);
    }
  return 0;
}

/* A UDP/IPv4 frame of len bytes (at least 60). */
static void
fill_frame (uint8_t *p, uint32_t len, uint64_t seq)
{
  static const uint8_t hdr[42] = {
    0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00, /* ethernet */
    0x45, 0, 0, 0, 0, 0, 0, 0, 64, 17, 0, 0,		   /* ipv4 */
    10, 0, 0, 1, 10, 0, 0, 2, 0x04, 0xd2, 0x16, 0x2e, 0, 0, 0, 0,
  };
  uint32_t n = len < sizeof hdr ? len : sizeof hdr;
  memcpy (p, hdr, n);
  if (len > 14)
    {
      uint16_t ip = (uint16_t) (len - 14);
      p[16] = (uint8_t) (ip >> 8);
      p[17] = (uint8_t) ip;
    }
  if (len > 42)
    {
      uint16_t udp = (uint16_t) (len - 34);
      p[38] = (uint8_t) (udp >> 8);
      p[39] = (uint8_t) udp;
      memcpy (p + 42, &seq, len - 42 < 8 ? len - 42 : 8);
    }
}

/* Buffers the next tx burst asks for: the frames left, in whole chains. */
static uint16_t
peer_tx_want (void)
{
  uint64_t left = opt.count - st.tx;
  uint16_t per = (uint16_t) (opt.len / opt.bufsize + 1);

  return (uint16_t) (left < 256u / per ? left : 256u / per);
}

/* A tx burst of up to want buffers on q. */
static void
peer_tx_send (uint16_t q, uint16_t want)
{
  memif_buffer_t b[256];
  uint16_t n = 0, tx = 0;
  static uint8_t frame[65536];

  if (!want)
    return;
  memif_buffer_alloc (conn, q, b, want, &n, (uint16_t) opt.len);
  if (!n)
    return;
  uint32_t off = 0;
  fill_frame (frame, opt.len, st.tx);
  for (uint16_t i = 0; i < n; i++)
    {
      memcpy (b[i].data, frame + off, b[i].len);
      off += b[i].len;
      if (!(b[i].flags & MEMIF_BUFFER_FLAG_NEXT))
	{
	  st.tx++;
	  off = 0;
	}
    }
  if (memif_tx_burst (conn, q, b, n, &tx) != MEMIF_ERR_SUCCESS || tx != n)
    st.tx_fail++;
}

static void
peer_rx (uint16_t q)
{
  static uint8_t sink[65536];
  memif_buffer_t b[256];
  uint16_t n = 0, out = 0, tx;
  int err;

  do
    {
      err = memif_rx_burst (conn, q, b, 256, &n);
      for (uint16_t i = 0; i < n; i++)
	{
	  /* Read the payload out, as a real application does. */
	  memcpy (sink, b[i].data, b[i].len < sizeof sink ? b[i].len : sizeof sink);
	  st.rx_bytes += b[i].len;
	  st.cur_len += b[i].len;
	  if (b[i].flags & MEMIF_BUFFER_FLAG_NEXT)
	    st.rx_chained++;
	  else
	    {
	      if (st.cur_len != opt.len)
		{
		  if (st.rx_badlen++ < 5)
		    fprintf (stderr, "frame of %u bytes (seg %u)\n", st.cur_len, b[i].len);
		}
	      st.cur_len = 0;
	      st.rx++;
	    }
	}
      if (n && !strcmp (opt.mode, "echo") && !opt.master)
	peer_echo_slave (q, b, n, &out);
      else if (n && !strcmp (opt.mode, "echo"))
	{
	  memif_buffer_t t[256];
	  uint16_t got = 0;
	  for (uint16_t i = 0; i < n; i++)
	    {
	      if (memif_buffer_alloc (conn, q, t, 1, &got, (uint16_t) b[i].len)
		  || got != 1)
		break;
	      memcpy (t[0].data, b[i].data, b[i].len);
	      memif_tx_burst (conn, q, t, 1, &tx);
	      st.tx += tx;
	    }
	}
      if (n)
	memif_refill_queue (conn, q, n, 0);
    }
  while (err == MEMIF_ERR_NOBUF);
}

static int
on_interrupt (memif_conn_handle_t c, void *ctx, uint16_t q)
{
  (void) c;
  (void) ctx;
  peer_rx (q);
  return 0;
}

static void
on_signal (int sig)
{
  (void) sig;
  stop = 1;
}

/* getopt over optstring (PEER_OPTS and the tool's own); more takes the
 * tool's own options (NULL: none), 0 or -1 for an unknown one. */
static int
peer_parse (int argc, char **argv, const char *optstring,
	    int (*more) (int c, const char *arg))
{
  int c;
  while ((c = getopt (argc, argv, optstring)) != -1)
    switch (c)
      {
      case 'r': opt.master = !strcmp (optarg, "master"); break;
      case 's': opt.socket = optarg; break;
      case 'i': opt.id = (uint32_t) strtoul (optarg, NULL, 0); break;
      case 'm': opt.mode = optarg; break;
      case 'n': opt.count = strtoull (optarg, NULL, 0); break;
      case 'l': opt.len = (uint32_t) strtoul (optarg, NULL, 0); break;
      case 't': opt.timeout = atoi (optarg); break;
      case 'b': opt.bufsize = (uint32_t) strtoul (optarg, NULL, 0); break;
      case 'R': opt.log2 = atoi (optarg); break;
      case 'S': opt.secret = optarg; break;
      case 'q': opt.queues = atoi (optarg); break;
      case 'I': opt.interrupt = true; break;
      case 'w': opt.linger = atof (optarg); break;
      case 'D': opt.refill_delay_ms = atoi (optarg); break;
      case 'v': opt.verbose = true; break;
      default:
	if (!more || more (c, optarg))
	  return -1;
      }
  return opt.socket ? 0 : -1;
}

/* The interface the options describe, on sock, named name, into conn. */
static int
peer_create (memif_socket_handle_t sock, const char *name)
{
  memif_conn_args_t a = { 0 };

  a.socket = sock;
  a.is_master = opt.master;
  a.interface_id = opt.id;
  a.buffer_size = (uint16_t) opt.bufsize;
  a.log2_ring_size = (uint8_t) opt.log2;
  a.num_s2m_rings = a.num_m2s_rings = (uint8_t) opt.queues;
  if (opt.secret)
    memcpy (a.secret, opt.secret, strnlen (opt.secret, sizeof a.secret));
  strcpy ((char *) a.interface_name, name);
  return memif_create (&conn, &a, on_connect, on_disconnect,
		       opt.interrupt ? on_interrupt : NULL, NULL);
}

/* Pass traffic until the count is reached, -t runs out or a signal, keep
 * the link up -w seconds more, then print the counters. */
static void
peer_run (void)
{
  double start, first = 0, last = 0;

  start = now_s ();
  while (!stop && now_s () - start < opt.timeout)
    {
      uint64_t seen = st.rx + st.tx;
      peer_poll (st.connected && !opt.interrupt ? 0 : 50);
      if (st.rx + st.tx != seen) /* -I: frames came in the callback */
	{
	  if (!first)
	    first = now_s ();
	  last = now_s ();
	}
      if (!st.connected)
	continue;
      if (st.refill_at && now_s () >= st.refill_at)
	{
	  for (int q = 0; q < opt.queues; q++)
	    memif_refill_queue (conn, (uint16_t) q, 0xffff, 0);
	  st.refill_at = 0;
	}
      for (uint16_t q = 0; q < opt.queues; q++)
	{
	  uint64_t before = st.rx + st.tx;
	  if (!strcmp (opt.mode, "tx"))
	    peer_tx (q);
	  else if (!opt.interrupt)
	    peer_rx (q);
	  if (st.rx + st.tx != before)
	    {
	      if (!first)
		first = now_s ();
	      last = now_s ();
	    }
	}
      if (!strcmp (opt.mode, "tx") && st.tx >= opt.count)
	break;
      if (!strcmp (opt.mode, "rx") && st.rx >= opt.count)
	break;
    }
  for (double until = now_s () + opt.linger; !stop && now_s () < until;)
    peer_poll (50);
  memif_conn_stats_t cs = { 0 };
  memif_get_conn_stats (conn, &cs);
  double span = last > first ? last - first : 0;
  printf ("rx_packets=%llu rx_bytes=%llu rx_chained=%llu tx_packets=%llu "
	  "tx_fail=%llu rx_badlen=%llu bad_desc=%llu connected=%d disconnects=%d pps=%.0f\n",
	  (unsigned long long) st.rx, (unsigned long long) st.rx_bytes,
	  (unsigned long long) st.rx_chained, (unsigned long long) st.tx,
	  (unsigned long long) st.tx_fail, (unsigned long long) st.rx_badlen,
	  (unsigned long long) cs.bad_desc,
	  st.connected, st.disconnects,
	  span > 0 ? (double) (st.rx + st.tx) / span : 0.0);
  fflush (stdout);
}

#endif
