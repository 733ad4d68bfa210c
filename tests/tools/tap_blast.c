/*
 * tap_blast - sends LEN-byte UDP/IPv4 frames out of a network device as
 * fast as the kernel takes them, for the TAP -> memif bridge benchmark.
 *
 *   tap_blast -d DEV [-l LEN] [-t SECONDS] [-B BATCH] [-f FLOWS]
 *
 * A packet socket bound to DEV with PACKET_QDISC_BYPASS and sendmmsg of
 * BATCH frames per call (default 64): the frames go straight to the
 * device's transmit function, which for a TAP is its queue towards the
 * process that reads it.  A full TAP queue drops the frame in the kernel
 * (the device's tx_dropped), so what the reader delivers is what counts;
 * this tool only prints how many frames it handed over.  -f sends FLOWS
 * flows in turn (UDP source ports 1234 and up), so that a multi-queue TAP
 * spreads them over its queues.
 */
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "toolkit.h"

#define MAX_BATCH 256
#define MAX_FLOWS 64
#define MAX_LEN 9000

static volatile sig_atomic_t stop;

static void
on_signal (int sig)
{
  (void) sig;
  stop = 1;
}

int
main (int argc, char **argv)
{
  static uint8_t frame[MAX_FLOWS][MAX_LEN];
  struct mmsghdr msg[MAX_BATCH];
  struct iovec iov[MAX_FLOWS];
  const char *dev = NULL;
  unsigned len = 64, batch = 64, flows = 1;
  double seconds = 5;
  unsigned long long sent = 0, failed = 0;
  int c, s, one = 1;

  while ((c = getopt (argc, argv, "d:l:t:B:f:")) != -1)
    switch (c)
      {
      case 'd': dev = optarg; break;
      case 'l': len = (unsigned) strtoul (optarg, NULL, 0); break;
      case 't': seconds = atof (optarg); break;
      case 'B': batch = (unsigned) strtoul (optarg, NULL, 0); break;
      case 'f': flows = (unsigned) strtoul (optarg, NULL, 0); break;
      default: dev = NULL; optind = argc; break;
      }
  if (!dev || len < 60 || len > MAX_LEN || batch < 1 || batch > MAX_BATCH
      || flows < 1 || flows > MAX_FLOWS)
    {
      fprintf (stderr, "usage: tap_blast -d DEV [-l LEN] [-t SECONDS] [-B BATCH] "
	       "[-f FLOWS]\n");
      return 2;
    }
  signal (SIGINT, on_signal);
  signal (SIGTERM, on_signal);
  struct sockaddr_ll sll = { .sll_family = AF_PACKET,
			     .sll_protocol = htons (ETH_P_ALL),
			     .sll_ifindex = (int) if_nametoindex (dev) };
  if (!sll.sll_ifindex || (s = socket (AF_PACKET, SOCK_RAW, 0)) < 0
      || bind (s, (struct sockaddr *) &sll, sizeof sll) < 0)
    {
      perror ("tap_blast");
      return 1;
    }
  setsockopt (s, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);
  for (unsigned f = 0; f < flows; f++)
    {
      fill_udp_frame (frame[f], len);
      frame[f][34] = (uint8_t) ((1234 + f) >> 8); /* UDP source port */
      frame[f][35] = (uint8_t) (1234 + f);
      iov[f] = (struct iovec){ .iov_base = frame[f], .iov_len = len };
    }
  memset (msg, 0, sizeof msg);
  for (unsigned i = 0; i < batch; i++)
    {
      msg[i].msg_hdr.msg_iov = &iov[i % flows];
      msg[i].msg_hdr.msg_iovlen = 1;
    }
  for (double end = now_s () + seconds; !stop && now_s () < end;)
    {
      int n = sendmmsg (s, msg, batch, 0);
      if (n > 0)
	sent += (unsigned) n;
      else
	failed++;
    }
  printf ("sent=%llu failed_calls=%llu\n", sent, failed);
  close (s);
  return 0;
}
