/*
 * test_v4_loopback.c - every loopback test of test_loopback.c (both roles,
 * queues, ring and buffer sizes, chains, counters wrapping, interrupt and
 * polling mode, headroom, secrets, mismatches, zero-copy enqueue, details,
 * threads) against libmemif4, through loopback4.h.
 */
#include "loopback4.h"

#include "test_loopback.c"
