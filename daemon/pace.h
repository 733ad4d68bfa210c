/*
 * pace.h - when each frame of a pcap replay is due: as fast as possible, at
 * the recorded timing, or at a fixed rate in frames or megabits per second.
 *
 * Times are nanosecond offsets from the start of the replay, computed from
 * frame counts (not accumulated intervals), so rounding and late wake-ups
 * never drift the average rate.
 */
#ifndef MEMIFD_PACE_H
#define MEMIFD_PACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct pace {
	enum replay_timing timing;
	uint64_t rate;		/* frames/s or Mbit/s */
	uint64_t frames, bytes;	/* frames given a time so far */
	uint64_t first_ts;	/* recorded: first timestamp of this pass */
	uint64_t base;		/* recorded: where this pass starts */
	uint64_t last;		/* the last offset returned */
	bool have_first;
};

void pace_init(struct pace *p, enum replay_timing timing, uint64_t rate);
/* The offset of the next frame (len bytes, recorded at ts_ns); once per
 * frame, in file order.  Never less than the previous offset. */
uint64_t pace_due(struct pace *p, uint64_t ts_ns, size_t len);
/* The file starts over (loop): recorded timing continues from the last
 * frame, fixed rates simply go on. */
void pace_new_pass(struct pace *p);

#endif
