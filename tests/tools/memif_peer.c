/*
 * memif_peer - a small memif endpoint built on libcore's public API, for
 * interop tests against dpdk-testpmd and for the benchmarks.
 *
 *   memif_peer -r master|slave -s SOCKET [-i ID] -m rx|tx|echo
 *              [-n COUNT] [-l LEN] [-t SECONDS] [-b BUFSIZE] [-R LOG2]
 *              [-S SECRET] [-q QUEUES] [-I] [-w LINGER] [-D MS] [-v]
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
 * Everything but the 3.1 calls (per-thread database, poll, slave echo
 * with memif_buffer_enq_tx) is in memif_peer.h, shared with memif4_peer.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "libmemif.h"

#include "memif_peer.h"

static memif_per_thread_main_handle_t db;

static void
peer_poll (int timeout_ms)
{
  memif_per_thread_poll_event (db, timeout_ms);
}

static void
peer_tx (uint16_t q)
{
  peer_tx_send (q, peer_tx_want ());
}

static void
peer_echo_slave (uint16_t q, memif_buffer_t *b, uint16_t n, uint16_t *out)
{
  uint16_t tx;

  memif_buffer_enq_tx (conn, q, b, n, out);
  memif_tx_burst (conn, q, b, *out, &tx);
  st.tx += tx;
}

int
main (int argc, char **argv)
{
  memif_socket_handle_t sock = NULL;
  int err;

  if (peer_parse (argc, argv, PEER_OPTS, NULL))
    {
      fprintf (stderr, "usage: memif_peer -r master|slave -s SOCKET -m rx|tx|echo ...\n");
      return 2;
    }
  signal (SIGINT, on_signal);
  signal (SIGTERM, on_signal);
  if ((err = memif_per_thread_init (&db, NULL, NULL, "memif_peer", NULL, NULL,
				    NULL))
      || (err = memif_per_thread_create_socket (db, &sock, opt.socket, NULL)))
    goto fail;
  struct itimerspec t = { .it_value.tv_nsec = 100000000,
			  .it_interval.tv_nsec = 100000000 };
  memif_per_thread_set_connection_request_timer (db, t);
  if ((err = peer_create (sock, "memif_peer")))
    goto fail;
  peer_run ();
  memif_delete (&conn);
  memif_delete_socket (&sock);
  memif_per_thread_cleanup (&db);
  return 0;
fail:
  fprintf (stderr, "memif_peer: %s\n", memif_strerror (err));
  return 1;
}
