/* extcap.h - memifctl as a Wireshark extcap (extcap.c). */
#ifndef MEMIFCTL_EXTCAP_H
#define MEMIFCTL_EXTCAP_H

#include "cmds.h"

/* What Wireshark asked for, from the command line (borrowed from argv). */
struct extcap_opts {
	const char *action;	/* "extcap-interfaces", "extcap-dlts",
				 * "extcap-config" or "capture" */
	const char *iface;	/* --extcap-interface memifd-BRIDGE */
	const char *fifo;	/* --fifo PATH */
	const char *filter;	/* --extcap-capture-filter EXPR */
	const char *direction;	/* --direction rx|tx|both (extcap-config) */
};

/* Prints the answer, or captures into the fifo until Wireshark stops it
 * (SIGTERM, SIGINT, or the fifo closed).  Returns the exit status. */
int extcap_run(const struct cli *cli, const struct extcap_opts *x);

#endif
