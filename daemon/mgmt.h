/*
 * mgmt.h - the management socket: newline-delimited JSON requests and
 * replies (README.md, "Management protocol").
 */
#ifndef MEMIFD_MGMT_H
#define MEMIFD_MGMT_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include <sys/socket.h> /* struct ucred */
#include <sys/types.h>

#include "config.h"

#define MGMT_MAX_REQUEST 65536 /* bytes per request line, newline excluded */

struct memifd;
struct mgmt;
struct mgmt_client;

/* A parsed request; every pointer borrows from root. */
struct mgmt_request {
	json_t *root;
	json_t *id;	     /* NULL when absent */
	const char *command;
	json_t *args;	     /* an object (empty when absent) */
};

/* Parses one line.  Returns 0, or -EPROTO with msg filled; req->id is set
 * whenever the line was an object with an id, so that errors echo it. */
int mgmt_parse_request(const char *line, size_t len, struct mgmt_request *req,
		       char *msg, size_t msglen);
void mgmt_request_fini(struct mgmt_request *req);

/* Replies (new references).  err is a negative errno. */
json_t *mgmt_reply_ok(json_t *id, json_t *result);
json_t *mgmt_reply_error(json_t *id, int err, const char *msg);
/* "EINVAL" for -EINVAL, ... ("EIO" for anything unexpected). */
const char *mgmt_errname(int err);

int mgmt_open(struct memifd *d, const struct control_conf *cc, struct mgmt **out);
void mgmt_close(struct mgmt *m);
/* Sends an event line to every monitoring client (borrows ev). */
void mgmt_broadcast(struct mgmt *m, json_t *ev);
void mgmt_client_monitor(struct mgmt_client *c);
/* Sends one line to that client only (borrows ev). */
void mgmt_client_send(struct mgmt_client *c, json_t *ev);
/* The descriptor the client sent (SCM_RIGHTS) before or with its
 * request, now the caller's; -1 when none.  One waits at most: a newer
 * one replaces it, and it is closed with the client. */
int mgmt_client_take_fd(struct mgmt_client *c);
/* How long the client's current request has waited (MGMT_LATER); 0 on
 * its first run. */
unsigned mgmt_client_waited_ms(const struct mgmt_client *c);
/* The client's uid (SO_PEERCRED at connect time). */
uid_t mgmt_client_uid(const struct mgmt_client *c);
/* Its pid, uid and gid, the same way. */
struct ucred mgmt_client_cred(const struct mgmt_client *c);

/* The command table (mgmt_cmds.c).  Returns 0 with *result set, -errno
 * with msg filled, or MGMT_LATER: nothing was done and the request runs
 * again in a few ms (the client's later requests waiting behind it, every
 * other client and bridge served meanwhile); mgmt_client_waited_ms says
 * for how long it has waited, so that the command can give up. */
#define MGMT_LATER 1
int mgmt_dispatch(struct memifd *d, struct mgmt_client *c, const char *command,
		  json_t *args, json_t **result, char *msg, size_t msglen);
/* mgmt_cmds.c: the client is going away: what it owns ends. */
void mgmt_client_gone(struct memifd *d, struct mgmt_client *c);

#endif
