/*
 * fuzz_daemon_pcap - pcap files read by a pcap-file host's replay
 * (daemon/port_pcap_file.c through libpcap), and the recording of what it
 * read.
 *
 * Input: one byte of settings, then the file.  Settings: bits 0-1 the
 * timing (fast, recorded, pps, mbps), bit 2 memif mode ip (link type RAW
 * wanted, not EN10MB), bit 3 an mtu of 100 (larger frames are oversize
 * drops), bits 4-5 passes (1-3), bit 6 the frames are recorded again
 * (write, with a limit of 3 frames and one kept file), bit 7 the carrier
 * goes down and up between frames.  The port is opened as memifd opens it
 * (the whole file checked and held in memory), the link comes up, and
 * every frame that is due is read (those that are not, under a recorded
 * timing or a rate, stay unread: nothing here waits).  Any file gets an
 * error or a replay, never a crash, a leak or a frame longer than peek
 * said.
 */
#include <fcntl.h>
#include <syslog.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "port.h"

static char rpath[64], wpath[64];

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  (void) argc;
  (void) argv;
  log_open (1, LOG_CRIT); /* quiet: the replay logs its errors */
  snprintf (rpath, sizeof rpath, "/dev/shm/memifd-fuzz-pcap-%d", (int) getpid ());
  snprintf (wpath, sizeof wpath, "/dev/shm/memifd-fuzz-pcapw-%d", (int) getpid ());
  return 0;
}

static void
replay (struct port *p, int flap, int write)
{
  static uint8_t buf[3][1u << 16];
  struct iovec iov[3];

  for (int i = 0; i < 3; i++)
    iov[i] = (struct iovec){ buf[i], sizeof buf[i] };
  for (int n = 0; n < 4096; n++)
    {
      ssize_t len = p->ops->peek (p), got;

      if (len < 0)
	return;
      if (p->max_frame && (size_t) len > p->max_frame)
	{
	  p->ops->skip (p);
	  continue;
	}
      got = p->ops->readv (p, 0, iov, 3);
      if (got != len)
	abort (); /* readv gave another frame than peek announced */
      if (write)
	{
	  struct iovec w[3];
	  int cnt = 0;
	  for (size_t left = (size_t) got; left && cnt < 3; cnt++)
	    {
	      w[cnt] = iov[cnt];
	      w[cnt].iov_len = left < iov[cnt].iov_len ? left : iov[cnt].iov_len;
	      left -= w[cnt].iov_len;
	    }
	  p->ops->writev (p, 0, w, cnt);
	}
      if (flap && n % 7 == 3)
	{
	  p->ops->set_carrier (p, false);
	  p->ops->set_carrier (p, true);
	}
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct host_conf hc = { .type = "pcap-file", .htype = HT_PCAP_FILE };
  char err[1024];
  struct port *p;
  uint8_t set;
  int fd;

  if (size < 1)
    return 0;
  set = data[0];
  data++, size--;
  fd = open (rpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || write (fd, data, size) != (ssize_t) size)
    abort ();
  close (fd);
  snprintf (hc.read, sizeof hc.read, "%s", rpath);
  hc.timing = (enum replay_timing) (set & 3);
  hc.rate = hc.timing == RT_PPS ? 1000000 : hc.timing == RT_MBPS ? 100000 : 0;
  hc.mtu = set & 8 ? 100 : 0;
  hc.loop = 1 + ((set >> 4) & 3) % 3;
  if (set & 64)
    {
      snprintf (hc.write, sizeof hc.write, "%s", wpath);
      hc.max_packets = 3;
      hc.keep_files = 1;
    }
  if (port_open (&hc, set & 4, false, 1, &p, err, sizeof err))
    return 0;
  p->ops->set_carrier (p, true);
  replay (p, set & 128, set & 64);
  json_t *host = json_object ();
  p->ops->describe (p, host);
  p->ops->state (p);
  json_decref (host);
  p->ops->set_carrier (p, false);
  port_close (p);
  unlink (wpath);
  return 0;
}
