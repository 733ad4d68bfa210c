/*
 * toolkit.h - small pieces the test and benchmark tools share: the clock,
 * the UDP/IPv4 frame they send, and a comparison for qsort.
 */
#ifndef MEMIFD_TOOLKIT_H
#define MEMIFD_TOOLKIT_H

#include <stdint.h>
#include <string.h>
#include <time.h>

/* Seconds on the monotonic clock. */
static inline double
now_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* A UDP/IPv4 frame of len bytes that DPDK and the kernel take: Ethernet
 * 02:00:00:00:00:01 -> 02:00:00:00:00:02 (not a TAP's own address, so a
 * TAP's stack drops it at the IP layer), 10.0.0.1:1234 -> 10.0.0.2:5678,
 * the rest a counting pattern. */
static inline void
fill_udp_frame (uint8_t *p, uint32_t len)
{
  static const uint8_t hdr[42] = {
    0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00,
    0x45, 0, 0, 0, 0, 0, 0, 0, 64, 17, 0, 0,
    10, 0, 0, 1, 10, 0, 0, 2, 0x04, 0xd2, 0x16, 0x2e, 0, 0, 0, 0,
  };

  for (uint32_t i = 0; i < len; i++)
    p[i] = (uint8_t) i;
  memcpy (p, hdr, len < sizeof hdr ? len : sizeof hdr);
  if (len > sizeof hdr)
    {
      p[16] = (uint8_t) ((len - 14) >> 8); /* IPv4 total length */
      p[17] = (uint8_t) (len - 14);
      p[38] = (uint8_t) ((len - 34) >> 8); /* UDP length */
      p[39] = (uint8_t) (len - 34);
    }
}

/* qsort order of doubles, smallest first. */
static inline int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

#endif
