/* pace.c - replay pacing arithmetic (no I/O, no clock). */
#include "pace.h"

#include <string.h>

#define NS_PER_S 1000000000u

void pace_init(struct pace *p, enum replay_timing timing, uint64_t rate)
{
	memset(p, 0, sizeof(*p));
	p->timing = timing;
	p->rate = rate ? rate : 1;
}

static uint64_t pace_offset(const struct pace *p, uint64_t ts_ns)
{
	switch (p->timing) {
	case RT_PPS:
		return (uint64_t)((unsigned __int128)p->frames * NS_PER_S / p->rate);
	case RT_MBPS:
		/* 1 Mbit/s is one bit every 1000 ns */
		return (uint64_t)((unsigned __int128)p->bytes * 8 * 1000 / p->rate);
	case RT_RECORDED:
		return ts_ns >= p->first_ts ? p->base + (ts_ns - p->first_ts) : 0;
	case RT_FAST:
	default:
		return 0;
	}
}

uint64_t pace_due(struct pace *p, uint64_t ts_ns, size_t len)
{
	uint64_t off;

	if (!p->have_first) {
		p->first_ts = ts_ns;
		p->have_first = true;
	}
	off = pace_offset(p, ts_ns);
	if (off < p->last)
		off = p->last; /* timestamps that go backwards */
	p->last = off;
	p->frames++;
	p->bytes += len;
	return off;
}

void pace_new_pass(struct pace *p)
{
	p->base = p->last;
	p->have_first = false;
}
