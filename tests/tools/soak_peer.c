/*
 * soak_peer - many memif slaves in one process, for the soak test: each
 * sends frames at a fixed, modest rate and counts what it receives, in
 * interrupt mode (so fifty of them cost next to no CPU).
 *
 *   soak_peer -s SOCKET -i FIRST_ID -n COUNT -o FILE [-p PPS] [-l LEN]
 *
 * Connects COUNT slaves to ids FIRST_ID .. FIRST_ID+COUNT-1 of SOCKET (and
 * reconnects them whenever they go down).  FILE is made COUNT records of
 * four uint64_t - frames sent (accepted by memif_tx_burst), frames
 * received, link ups, link downs - updated in a shared mapping right after
 * every burst, so the counts stay exact even when the process is
 * SIGKILLed.  SIGUSR1 stops sending (receiving goes on); SIGTERM ends.
 */
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libmemif.h"

#include "toolkit.h"

struct peer_rec
{
  uint64_t tx, rx, ups, downs;
};

struct peer
{
  memif_conn_handle_t conn;
  struct peer_rec *rec;
  int up;
  double credit;
};

static volatile sig_atomic_t stop, quiet;

static int
on_connect (memif_conn_handle_t c, void *ctx)
{
  struct peer *p = ctx;

  memif_refill_queue (c, 0, 0xffff, 0);
  memif_set_rx_mode (c, MEMIF_RX_MODE_INTERRUPT, 0);
  p->up = 1;
  p->credit = 0;
  p->rec->ups++;
  return 0;
}

static int
on_disconnect (memif_conn_handle_t c, void *ctx)
{
  struct peer *p = ctx;

  (void) c;
  if (p->up)
    p->rec->downs++;
  p->up = 0;
  return 0;
}

static int
on_interrupt (memif_conn_handle_t c, void *ctx, uint16_t q)
{
  struct peer *p = ctx;
  memif_buffer_t b[64];
  uint16_t n;
  int err;

  do
    {
      n = 0;
      err = memif_rx_burst (c, q, b, 64, &n);
      for (uint16_t i = 0; i < n; i++)
	if (!(b[i].flags & MEMIF_BUFFER_FLAG_NEXT))
	  p->rec->rx++;
      if (n)
	memif_refill_queue (c, q, n, 0);
    }
  while (err == MEMIF_ERR_NOBUF && n);
  return 0;
}

/* Sends the frames the rate allows since the last call; a full ring
 * loses the rest of the credit (those frames were never sent). */
static void
peer_send (struct peer *p, double frames, uint32_t len)
{
  memif_buffer_t b[32];
  uint16_t n = 0, tx = 0;
  uint16_t want;

  p->credit += frames;
  want = (uint16_t) (p->credit < 32 ? p->credit : 32);
  if (!want)
    return;
  p->credit -= want;
  if (memif_buffer_alloc (p->conn, 0, b, want, &n, (uint16_t) len) != MEMIF_ERR_SUCCESS
      && !n)
    return;
  for (uint16_t i = 0; i < n; i++)
    fill_udp_frame (b[i].data, b[i].len);
  memif_tx_burst (p->conn, 0, b, n, &tx);
  p->rec->tx += tx;
}

static void
on_signal (int sig)
{
  if (sig == SIGUSR1)
    quiet = 1;
  else
    stop = 1;
}

static struct peer_rec *
map_counters (const char *path, int count)
{
  size_t size = sizeof (struct peer_rec) * (size_t) count;
  int fd = open (path, O_RDWR | O_CREAT | O_TRUNC, 0644);
  void *m;

  if (fd < 0 || ftruncate (fd, (off_t) size))
    return NULL;
  m = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close (fd);
  return m == MAP_FAILED ? NULL : m;
}

int
main (int argc, char **argv)
{
  memif_per_thread_main_handle_t db;
  memif_socket_handle_t sock;
  const char *path = NULL, *out = NULL;
  uint32_t first = 0, len = 64;
  int count = 1, c, err;
  double pps = 20, last;
  struct peer *peers;
  struct peer_rec *recs;

  while ((c = getopt (argc, argv, "s:i:n:o:p:l:")) != -1)
    switch (c)
      {
      case 's': path = optarg; break;
      case 'i': first = (uint32_t) strtoul (optarg, NULL, 0); break;
      case 'n': count = atoi (optarg); break;
      case 'o': out = optarg; break;
      case 'p': pps = atof (optarg); break;
      case 'l': len = (uint32_t) strtoul (optarg, NULL, 0); break;
      default: goto usage;
      }
  if (!path || !out || count < 1 || len < 60 || len > 2048)
    goto usage;
  if (!(recs = map_counters (out, count)) || !(peers = calloc ((size_t) count, sizeof *peers)))
    {
      perror ("soak_peer");
      return 1;
    }
  signal (SIGINT, on_signal);
  signal (SIGTERM, on_signal);
  signal (SIGUSR1, on_signal);
  if ((err = memif_per_thread_init (&db, NULL, NULL, "soak_peer", NULL, NULL, NULL))
      || (err = memif_per_thread_create_socket (db, &sock, path, NULL)))
    goto fail;
  struct itimerspec t = { .it_value.tv_nsec = 200000000,
			  .it_interval.tv_nsec = 200000000 };
  memif_per_thread_set_connection_request_timer (db, t);
  for (int i = 0; i < count; i++)
    {
      memif_conn_args_t a = { 0 };

      a.socket = sock;
      a.interface_id = first + (uint32_t) i;
      a.buffer_size = 2048;
      a.log2_ring_size = 8;
      a.num_s2m_rings = a.num_m2s_rings = 1;
      snprintf ((char *) a.interface_name, sizeof a.interface_name, "soak%u",
		a.interface_id);
      peers[i].rec = &recs[i];
      if ((err = memif_create (&peers[i].conn, &a, on_connect, on_disconnect,
			       on_interrupt, &peers[i])))
	goto fail;
    }
  last = now_s ();
  while (!stop)
    {
      double now;

      memif_per_thread_poll_event (db, 5);
      now = now_s ();
      if (now - last < 0.01)
	continue;
      for (int i = 0; i < count && !quiet; i++)
	if (peers[i].up)
	  peer_send (&peers[i], (now - last) * pps, len);
      last = now;
    }
  for (int i = 0; i < count; i++)
    memif_delete (&peers[i].conn);
  memif_delete_socket (&sock);
  memif_per_thread_cleanup (&db);
  free (peers);
  return 0;
fail:
  fprintf (stderr, "soak_peer: %s\n", memif_strerror (err));
  return 1;
usage:
  fprintf (stderr, "usage: soak_peer -s SOCKET -i FIRST_ID -n COUNT -o FILE [-p PPS] [-l LEN]\n");
  return 2;
}
