/* capture.h - a capture streamed from memifd to memifctl (capture.c). */
#ifndef MEMIFCTL_CAPTURE_H
#define MEMIFCTL_CAPTURE_H

#include <jansson.h>
#include <stdbool.h>

#include "cmds.h"

struct ctl;

/* Asks memifd (on the open connection C) to stream the frames of bridge
 * NAME, with the capture request's ARGS (filter, direction, count; the
 * action is added), and copies the pcap stream to OUT until Ctrl-C, the
 * count, or OUT's reader leaving; then prints "N frames captured, M
 * dropped by the capture (slow reader)" on standard error (JSON with -j)
 * unless QUIET (an extcap: Wireshark takes any word there for an error).
 * SIGTERM ends it as Ctrl-C does.  Returns the exit status. */
int capture_run(const struct cli *cli, struct ctl *c, const char *name,
		json_t *args, int out, bool quiet);

#endif
