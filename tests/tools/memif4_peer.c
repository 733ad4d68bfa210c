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
 *
 * Everything but the 4.x calls and options is in memif_peer.h, shared
 * with memif_peer.
 */
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "libmemif.h"

#include "memif_peer.h"

static struct
{
  bool given_listener, own_loop;
  double pps;
} opt4;

static memif_socket_handle_t sock;
static int app_epfd = -1; /* -E */
static double tx_start;	  /* -P: when the first frame went */

static void
peer_tx (uint16_t q)
{
  uint16_t want = peer_tx_want ();

  if (opt4.pps > 0)
    {
      if (!tx_start)
	tx_start = now_s ();
      double due = (now_s () - tx_start) * opt4.pps + 1 - (double) st.tx;
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
  peer_tx_send (q, want);
}

/* Zero copy: each received buffer trades slots with a tx one. */
static void
peer_echo_slave (uint16_t q, memif_buffer_t *b, uint16_t n, uint16_t *out)
{
  memif_buffer_t t[256];
  uint16_t tx;

  if (memif_buffer_alloc (conn, q, t, n, out, 0) == MEMIF_ERR_SUCCESS
      || *out)
    {
      uint16_t k = 0;
      while (k < *out && !memif_buffer_requeue (conn, &b[k], &t[k]))
	k++;
      if (k < *out) /* the rest back */
	memif_set_next_free_buffer (conn, q, &t[k]);
      memif_tx_burst (conn, q, b, k, &tx);
      st.tx += tx;
    }
}

static int
parse4 (int c, const char *arg)
{
  switch (c)
    {
    case 'L': opt4.given_listener = true; break;
    case 'E': opt4.own_loop = true; break;
    case 'P': opt4.pps = atof (arg); break;
    default: return -1;
    }
  return 0;
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
peer_poll (int timeout_ms)
{
  struct epoll_event ev[16];
  int n;

  if (!opt4.own_loop)
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
  int err, lfd = -1;

  if (peer_parse (argc, argv, PEER_OPTS "LEP:", parse4))
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
  if (opt4.own_loop)
    {
      app_epfd = epoll_create1 (EPOLL_CLOEXEC);
      sa.on_control_fd_update = on_fd_update;
    }
  if ((err = memif_create_socket (&sock, &sa, NULL)))
    goto fail;
  if (opt4.given_listener && opt.master)
    {
      if ((lfd = own_listener (opt.socket)) < 0)
	return 1;
      if ((err = memif_set_listener_fd (sock, lfd)))
	goto fail;
    }
  if ((err = peer_create (sock, "memif4_peer")))
    goto fail;
  if (opt4.given_listener && opt.master && memif_get_listener_fd (sock) != lfd)
    {
      fprintf (stderr, "memif4_peer: the listener handed in is not used\n");
      return 1;
    }
  peer_run ();
  memif_delete (&conn);
  memif_delete_socket (&sock);
  if (app_epfd >= 0)
    close (app_epfd);
  return 0;
fail:
  fprintf (stderr, "memif4_peer: %s\n", memif_strerror (err));
  return 1;
}
