/*
 * diagnose.h - why a memif link is down, in words a user can act on
 * (README.md, "Why is my link down").
 */
#ifndef MEMIFD_DIAGNOSE_H
#define MEMIFD_DIAGNOSE_H

#include <stdbool.h>
#include <jansson.h>

#include "config.h"

/* What the bridge knows; strings borrowed for the call. */
struct diag_input {
	const struct memif_conf *mc;
	bool link_up;
	/* a slave's last connection attempt: a MEMIF_ERR_* code, or -1 for
	 * none yet; -ENOENT etc. when its namespace could not be entered */
	int connect_err;
	const char *reason;	/* the last disconnect or refusal reason */
	const char *host_error;	/* "" unless the host device is gone */
};

/* {"cause": C, "message": M, "hint": H} (a new object), or a new null
 * while the link is up.  Causes: host_gone, netns_missing, no_directory,
 * no_listener, stale_socket, abstract_socket, file_socket, not_socket,
 * permission, refused, socket_removed, waiting, connecting. */
json_t *diagnose_link(const struct diag_input *in);

#endif
