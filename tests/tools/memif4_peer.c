/*
 * memif4_peer - memif_peer written against the libmemif 4.x API (built
 * with libmemif4), for the 4.x interop and loopback tests: the same
 * options and output, so the scripts that drive memif_peer drive it too.
 *
 *   memif4_peer -r master|slave -s SOCKET [-i ID] -m rx|tx|echo
 *               [-n COUNT] [-l LEN] [-t SECONDS] [-b BUFSIZE] [-R LOG2]
 *               [-S SECRET] [-q QUEUES] [-I] [-w LINGER] [-D MS] [-v]
 *               [-L] [-E] [-P PPS]
 *
 * 4.x only: -L binds and listens on SOCKET itself and hands the fd in with
 * memif_set_listener_fd (as systemd socket activation would); -E runs the
 * application's own epoll loop (on_control_fd_update, memif_fd_event_t,
 * memif_control_fd_handler) instead of memif_poll_event.  A slave echoes
 * with memif_buffer_requeue (zero copy); a master copies.  SOCKET "@NAME"
 * is the abstract socket NAME.  -P paces tx at PPS frames a second, in
 * bursts of at most 32 (for a peer that forwards, such as VPP).
 *
 * rx counts packets (and chained ones), tx sends COUNT packets of LEN
 * bytes (UDP/IPv4 in Ethernet, so a DPDK peer accepts them), echo sends
 * every received frame back.  -I uses interrupt mode instead of polling.
 * -w keeps the link up LINGER seconds after the count is reached (so the
 * peer can read its counters); -D gives the master no receive buffers
 * until MS milliseconds after the link came up (a slave, as a DPDK client
 * that posts them on its first receive burst); -v prints link up/down as
 * it happens.  At the end it prints key=value counters.
 */
#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "libmemif.h"

#include "toolkit.h"

static struct
{
  bool master, interrupt;
  const char *socket, *mode, *secret;
  uint32_t id, len, bufsize;
  uint64_t count;
  int timeout, log2, queues;
  double linger;
  int refill_delay_ms;
  bool verbose, given_listener, own_loop;
  double pps;
} opt = { .mode = "rx", .len = 64, .bufsize = 2048, .count = 1000000,
	  .timeout = 10, .log2 = 10, .queues = 1 };

static struct
{
  uint64_t rx, rx_bytes, rx_chained, tx, tx_fail, rx_badlen;
  uint32_t cur_len;
  int connected, disconnects;
  double refill_at; /* -D: when to give the first receive buffers */
  double tx_start;  /* -P: when the first frame went */
} st;

static volatile sig_atomic_t stop;
static memif_socket_handle_t sock;
static memif_conn_handle_t conn;
static int app_epfd = -1; /* -E */

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

static void
do_tx (uint16_t q)
{
  memif_buffer_t b[256];
  uint16_t n = 0, tx = 0;
  uint64_t left = opt.count - st.tx;
  uint16_t per = (uint16_t) (opt.len / opt.bufsize + 1);
  uint16_t want = (uint16_t) (left < 256u / per ? left : 256u / per);
  static uint8_t frame[65536];

  if (opt.pps > 0)
    {
      if (!st.tx_start)
	st.tx_start = now_s ();
      double due = (now_s () - st.tx_start) * opt.pps + 1 - (double) st.tx;
      if (due < 1)
	{
	  nanosleep (&(struct timespec){ .tv_nsec = 200000 }, NULL);
	  return;
	}
      if (due < want)
	want = (uint16_t) due;
      if (want > 32)
	want = 32;
    }

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
do_rx (uint16_t q)
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
	{
	  /* Zero copy: each received buffer trades slots with a tx one. */
	  memif_buffer_t t[256];
	  if (memif_buffer_alloc (conn, q, t, n, &out, 0) == MEMIF_ERR_SUCCESS
	      || out)
	    {
	      uint16_t k = 0;
	      while (k < out && !memif_buffer_requeue (conn, &b[k], &t[k]))
		k++;
	      if (k < out) /* the rest back */
		memif_set_next_free_buffer (conn, q, &t[k]);
	      memif_tx_burst (conn, q, b, k, &tx);
	      st.tx += tx;
	    }
	}
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
  do_rx (q);
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
  while ((c = getopt (argc, argv, "r:s:i:m:n:l:t:b:R:S:q:Iw:D:vLEP:")) != -1)
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
      case 'L': opt.given_listener = true; break;
      case 'E': opt.own_loop = true; break;
      case 'P': opt.pps = atof (optarg); break;
      default: return -1;
      }
  return opt.socket ? 0 : -1;
}

/* -E: the application's loop; fde.private_ctx goes back to the library. */
static int
on_fd_update (memif_fd_event_t fde, void *ctx)
{
  struct epoll_event ev = { .data.ptr = fde.private_ctx };

  (void) ctx;
  if (fde.type & MEMIF_FD_EVENT_DEL)
    return epoll_ctl (app_epfd, EPOLL_CTL_DEL, fde.fd, NULL);
  if (fde.type & MEMIF_FD_EVENT_READ)
    ev.events |= EPOLLIN;
  if (fde.type & MEMIF_FD_EVENT_WRITE)
    ev.events |= EPOLLOUT;
  return epoll_ctl (app_epfd,
		    (fde.type & MEMIF_FD_EVENT_MOD) ? EPOLL_CTL_MOD
						    : EPOLL_CTL_ADD,
		    fde.fd, &ev);
}

static void
poll_once (int timeout_ms)
{
  struct epoll_event ev[16];
  int n;

  if (!opt.own_loop)
    {
      memif_poll_event (sock, timeout_ms);
      return;
    }
  n = epoll_wait (app_epfd, ev, 16, timeout_ms);
  for (int i = 0; i < n; i++)
    {
      memif_fd_event_type_t t = 0;
      if (ev[i].events & EPOLLIN)
	t |= MEMIF_FD_EVENT_READ;
      if (ev[i].events & EPOLLOUT)
	t |= MEMIF_FD_EVENT_WRITE;
      if (ev[i].events & (EPOLLERR | EPOLLHUP))
	t |= MEMIF_FD_EVENT_ERROR;
      memif_control_fd_handler (ev[i].data.ptr, t);
    }
}

/* -L: bind and listen here, as a service manager would. */
static int
own_listener (const char *name)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  socklen_t len = sizeof sa;
  int fd = socket (AF_UNIX, SOCK_SEQPACKET, 0);

  if (name[0] == '@')
    {
      strncpy (sa.sun_path + 1, name + 1, sizeof sa.sun_path - 2);
      len = (socklen_t) (offsetof (struct sockaddr_un, sun_path) + strlen (name));
    }
  else
    {
      strncpy (sa.sun_path, name, sizeof sa.sun_path - 1);
      unlink (name);
    }
  if (fd < 0 || bind (fd, (struct sockaddr *) &sa, len) < 0
      || listen (fd, 8) < 0)
    {
      perror ("memif4_peer: listener");
      return -1;
    }
  return fd;
}

int
main (int argc, char **argv)
{
  memif_socket_args_t sa = { 0 };
  memif_conn_args_t a = { 0 };
  double start, first = 0, last = 0;
  int err, lfd = -1;

  if (parse (argc, argv))
    {
      fprintf (stderr, "usage: memif4_peer -r master|slave -s SOCKET -m rx|tx|echo ...\n");
      return 2;
    }
  signal (SIGINT, on_signal);
  signal (SIGTERM, on_signal);
  snprintf (sa.path, sizeof sa.path, "%s", opt.socket);
  snprintf (sa.app_name, sizeof sa.app_name, "memif4_peer");
  sa.connection_request_timer.it_value.tv_nsec = 100000000;
  sa.connection_request_timer.it_interval.tv_nsec = 100000000;
  if (opt.own_loop)
    {
      app_epfd = epoll_create1 (EPOLL_CLOEXEC);
      sa.on_control_fd_update = on_fd_update;
    }
  if ((err = memif_create_socket (&sock, &sa, NULL)))
    goto fail;
  if (opt.given_listener && opt.master)
    {
      if ((lfd = own_listener (opt.socket)) < 0)
	return 1;
      if ((err = memif_set_listener_fd (sock, lfd)))
	goto fail;
    }
  a.socket = sock;
  a.is_master = opt.master;
  a.interface_id = opt.id;
  a.buffer_size = (uint16_t) opt.bufsize;
  a.log2_ring_size = (uint8_t) opt.log2;
  a.num_s2m_rings = a.num_m2s_rings = (uint8_t) opt.queues;
  if (opt.secret)
    memcpy (a.secret, opt.secret, strnlen (opt.secret, sizeof a.secret));
  strcpy ((char *) a.interface_name, "memif4_peer");
  if ((err = memif_create (&conn, &a, on_connect, on_disconnect,
			   opt.interrupt ? on_interrupt : NULL, NULL)))
    goto fail;
  if (opt.given_listener && opt.master && memif_get_listener_fd (sock) != lfd)
    {
      fprintf (stderr, "memif4_peer: the listener handed in is not used\n");
      return 1;
    }
  start = now_s ();
  while (!stop && now_s () - start < opt.timeout)
    {
      poll_once (st.connected && !opt.interrupt ? 0 : 50);
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
	    do_tx (q);
	  else if (!opt.interrupt)
	    do_rx (q);
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
    poll_once (50);
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
  memif_delete (&conn);
  memif_delete_socket (&sock);
  if (app_epfd >= 0)
    close (app_epfd);
  return 0;
fail:
  fprintf (stderr, "memif4_peer: %s\n", memif_strerror (err));
  return 1;
}
