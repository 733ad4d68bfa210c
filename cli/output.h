/* output.h - how memifctl prints replies and events: as text modelled on
 * ip(8) and VPP's "show memif", or as the daemon's JSON for jq. */
#ifndef MEMIFCTL_OUTPUT_H
#define MEMIFCTL_OUTPUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

struct out {
	FILE *fp;
	bool json;	/* print the daemon's JSON ... */
	bool pretty;	/* ... indented (else one line) */
	time_t now;	/* for "since ... (2h 3m ago)" */
};

/* Prints RESULT, the reply to request COMMAND sent with ARGS (both
 * borrowed; ARGS may be NULL). */
void out_reply(const struct out *o, const char *command, const json_t *args,
	       const json_t *result);

/* Prints one event line received after "monitor" (always one line). */
void out_event(const struct out *o, const json_t *event);

#endif
