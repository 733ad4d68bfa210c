/* ctl.h - the client side of memifd's management socket: newline-delimited
 * JSON requests and replies over a unix stream socket. */
#ifndef MEMIFCTL_CTL_H
#define MEMIFCTL_CTL_H

#include <jansson.h>
#include <stddef.h>

struct ctl {
	int fd;
	int timeout_ms;		/* for connect and each reply; -1: none */
	long next_id;
	char *buf;		/* received bytes not yet returned */
	size_t len, cap;
};

/* Connects to PATH ("@NAME" is the abstract socket NAME).  Returns 0 or
 * -errno (-ETIMEDOUT when the daemon does not accept in time). */
int ctl_open(struct ctl *c, const char *path, int timeout_ms);
void ctl_close(struct ctl *c);	/* accepts a closed or never opened ctl */

/* Sends COMMAND with ARGS (borrowed, may be NULL) and waits for the reply
 * with the same id, or an error with a null id (the connection is refused);
 * event lines that come first are dropped.  On success
 * *reply is the whole reply object (the caller owns it).  Returns 0 or
 * -errno: -ETIMEDOUT, -ECONNRESET (the daemon closed), -EPROTO (not JSON). */
int ctl_call(struct ctl *c, const char *command, json_t *args, json_t **reply);
/* The same, with the descriptor FD sent along (SCM_RIGHTS; the caller
 * keeps its own copy). */
int ctl_call_fd(struct ctl *c, const char *command, json_t *args, int fd,
		json_t **reply);
/* Sends COMMAND without waiting (its reply comes with ctl_recv); FD as
 * above, -1 for none.  Returns the request's id (> 0) or -errno. */
long ctl_send(struct ctl *c, const char *command, json_t *args, int fd);

/* Waits for the next line (an event after "monitor") for TIMEOUT_MS (-1:
 * forever).  Returns 0 with *msg owned by the caller, or -errno; -EINTR when
 * a signal interrupted the wait. */
int ctl_recv(struct ctl *c, int timeout_ms, json_t **msg);

/* Words for a connection failure and a hint of what to do (for a refusal,
 * naming the group that owns the socket file), both static. */
const char *ctl_strerror(int err);
const char *ctl_hint(int err, const char *socket);

#endif
