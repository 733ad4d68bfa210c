/*
 * ring.h - every access to a ring's head and tail goes through these.
 *
 * The producer writes descriptors and data, then publishes with a release
 * store of head (or tail); the consumer reads head (or tail) with an
 * acquire load before it reads the descriptors behind it.  Counters are
 * free-running uint16_t; a slot is counter & mask.
 */
#ifndef MEMIF_RING_H
#define MEMIF_RING_H

#include <stdint.h>
#include <string.h>

#include "proto.h"

/* Pairs with ring_store_release() of the other side. */
static inline uint16_t
ring_load_acquire (const uint16_t *p)
{
  return __atomic_load_n (p, __ATOMIC_ACQUIRE);
}

/* Pairs with ring_load_acquire() of the other side. */
static inline void
ring_store_release (uint16_t *p, uint16_t v)
{
  __atomic_store_n (p, v, __ATOMIC_RELEASE);
}

/* Our own counter: nobody else writes it, so a plain load is enough. */
static inline uint16_t
ring_load_own (const uint16_t *p)
{
  return __atomic_load_n (p, __ATOMIC_RELAXED);
}

/* Number of filled slots between two free-running counters. */
static inline uint16_t
ring_distance (uint16_t from, uint16_t to)
{
  return (uint16_t) (to - from);
}

/* One snapshot of a descriptor the peer may be writing concurrently: the
 * copy is what we validate and use, never the shared original again. */
static inline struct memif_desc
ring_desc_snapshot (const struct memif_desc *d)
{
  struct memif_desc c;
  memcpy (&c, (const void *) d, sizeof c);
  __atomic_signal_fence (__ATOMIC_SEQ_CST);
  return c;
}

static inline uint16_t
ring_flags_load (const struct memif_ring *r)
{
  return __atomic_load_n (&r->flags, __ATOMIC_RELAXED);
}

#endif
