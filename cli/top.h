/* top.h - memifctl top: per-bridge rates refreshed every second. */
#ifndef MEMIFCTL_TOP_H
#define MEMIFCTL_TOP_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

struct ctl;

/* The rates between two stats results taken DT seconds apart (both
 * borrowed): {"time", "interval", "bridges": [{"name", "to_host":
 * {"pps", "bps", "errors_ps", "drops_ps", "drops": {REASON: per s}},
 * "to_memif": {...}}]} (a new object). */
json_t *top_rates(const json_t *cur, const json_t *prev, double dt);

/* The text view of RATES; CLEAR first clears a terminal. */
void top_print_text(FILE *fp, const json_t *rates, bool clear);

/* Asks for stats with ARGS (borrowed) on C once a second and prints the
 * rates COUNT times (0: until SIGINT), as text or JSON lines.  0, -EINVAL
 * with the daemon's error object in *error (caller owns), or the -errno
 * of a lost connection. */
int top_run(struct ctl *c, json_t *args, unsigned long count, bool json,
	    json_t **error);

#endif
