/*
 * diagnose.c - why a link is down: the last connection attempt, the
 * socket path in the file system and the unix sockets listening in the
 * namespace (/proc/net/unix), turned into a cause and advice.
 *
 * Nothing here connects to the peer: a probe would be a connection the
 * peer sees and logs.  A slave's own attempts say what connect(2) said.
 */
#include "diagnose.h"
#include "netns.h"

#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libmemif.h>

#define SO_ACCEPTCON_FLAG 0x10000 /* /proc/net/unix Flags of a listener */

struct diag {
	const char *cause;
	char message[512];
	char hint[512];
};

/* What a refusal reason means, by a word it contains. */
static const struct {
	const char *word;
	const char *hint;
} refusals[] = {
	{ "secret required", "the peer requires a secret: set memif.secret "
	  "(or secret_file) to the peer's" },
	{ "secret", "the secrets differ: give both sides the same memif.secret" },
	{ "id not found", "no interface with this id on the peer's socket: "
	  "memif.id must match the peer's (VPP: create interface memif id N; "
	  "DPDK: id=N)" },
	{ "unmatched interface id", "no interface with this id on the peer's "
	  "socket: memif.id must match the peer's (VPP: create interface memif "
	  "id N; DPDK: id=N)" },
	{ "mode mismatch", "the interface modes differ: memif.mode (ethernet, "
	  "ip) must match the peer's" },
	{ "already connected", "the peer's interface with this id is connected "
	  "to someone else" },
	{ "incompatible version", "the peer speaks another memif protocol version" },
};

static void say(struct diag *g, const char *cause, const char *hint,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void say(struct diag *g, const char *cause, const char *hint,
		const char *fmt, ...)
{
	va_list ap;

	g->cause = cause;
	snprintf(g->hint, sizeof(g->hint), "%s", hint);
	va_start(ap, fmt);
	vsnprintf(g->message, sizeof(g->message), fmt, ap);
	va_end(ap);
}

/* Is a unix socket named NAME ("@abstract" or a path) listening in the
 * namespace NETNS? */
static bool unix_listening(const char *netns, const char *name)
{
	char *line = NULL;
	size_t cap = 0;
	bool found = false;
	int saved;
	FILE *f;

	if (netns_enter(netns, &saved))
		return false;
	f = fopen("/proc/thread-self/net/unix", "re");
	netns_leave(saved);
	if (!f)
		return false;
	while (!found && getline(&line, &cap, f) > 0) {
		unsigned long flags;
		char path[256];

		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%*s %*s %*s %lx %*s %*s %*s %255s", &flags, path) == 2)
			found = (flags & SO_ACCEPTCON_FLAG) && !strcmp(path, name);
	}
	free(line);
	fclose(f);
	return found;
}

static bool dir_exists(const char *path, char *dir, size_t n)
{
	char copy[CONF_PATH_MAX];
	struct stat st;

	snprintf(copy, sizeof(copy), "%s", path);
	snprintf(dir, n, "%s", dirname(copy));
	return stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The advice for a handshake refusal, NULL when REASON is none (an
 * ordinary disconnect). */
static const char *refusal_hint(const char *reason)
{
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++)
		if (strcasestr(reason, refusals[i].word))
			return refusals[i].hint;
	return NULL;
}

static void slave_file(struct diag *g, const struct diag_input *in)
{
	const char *p = in->mc->socket;
	char dir[CONF_PATH_MAX], abs[CONF_PATH_MAX + 1];
	struct stat st;

	snprintf(abs, sizeof(abs), "@%s", p);
	if (in->connect_err == MEMIF_ERR_NO_FILE && !dir_exists(p, dir, sizeof(dir)))
		say(g, "no_directory", "start the master, which makes the socket "
		    "there; or correct memif.socket", "the socket's directory %s "
		    "does not exist", dir);
	else if ((in->connect_err == MEMIF_ERR_NO_FILE ||
		  in->connect_err == MEMIF_ERR_CONNREFUSED) &&
		 unix_listening(in->mc->netns, abs))
		say(g, "abstract_socket", "the peer uses an abstract socket (DPDK's "
		    "default, socket-abstract=yes): give it socket-abstract=no, or "
		    "set memif.socket to @NAME here", "nobody listens on the file "
		    "%s, but the abstract socket %s is listening", p, abs);
	else if (in->connect_err == MEMIF_ERR_NO_FILE)
		say(g, "no_listener", "start the master on this path (VPP: create "
		    "memif socket id N filename PATH; DPDK: role=server,socket=PATH,"
		    "socket-abstract=no)", "nobody listens on %s: there is no "
		    "socket file", p);
	else if (in->connect_err == MEMIF_ERR_CONNREFUSED)
		say(g, "stale_socket", "the master is gone; start it again (a DPDK "
		    "server does not remove its old file: rm it first)",
		    "nobody listens on %s: the socket file is left from a master "
		    "that stopped", p);
	else if (in->connect_err == MEMIF_ERR_ACCES && !stat(p, &st))
		say(g, "permission", "memifd needs write permission on the socket: "
		    "let the master give the file a group or mode memifd has "
		    "(memifd: socket_group, socket_mode; VPP: the socket's owner)",
		    "permission denied on %s (owner uid %u, gid %u, mode %04o)", p,
		    (unsigned)st.st_uid, (unsigned)st.st_gid,
		    (unsigned)(st.st_mode & 07777));
	else if (!lstat(p, &st) && !S_ISSOCK(st.st_mode))
		say(g, "not_socket", "correct memif.socket, or remove the file so "
		    "the master can listen there", "%s is not a socket", p);
	else
		say(g, "connecting", "", "cannot connect to %s: %s", p,
		    memif_strerror(in->connect_err));
}

static void slave_abstract(struct diag *g, const struct diag_input *in)
{
	const char *name = in->mc->socket + 1;
	const char *ns = in->mc->netns[0] ? in->mc->netns : "memifd's own";
	struct stat st;

	if (name[0] == '/' && !stat(name, &st) && S_ISSOCK(st.st_mode) &&
	    unix_listening(in->mc->netns, name))
		say(g, "file_socket", "the peer uses a file socket (DPDK "
		    "socket-abstract=no, VPP without abstract:): set memif.socket "
		    "to the path here", "nobody listens on the abstract socket "
		    "%s, but the file %s is a listening socket", in->mc->socket, name);
	else
		say(g, "no_listener", in->mc->netns[0] ? "start the master in that "
		    "namespace, or correct memif.netns" : "start the master; an "
		    "abstract socket lives in a network namespace: set memif.netns "
		    "to the peer's", "nobody listens on the abstract socket %s in "
		    "the network namespace %s", in->mc->socket, ns);
}

static void slave(struct diag *g, const struct diag_input *in)
{
	bool failed = in->connect_err > 0 && in->connect_err != MEMIF_ERR_ALRCONN;

	if (in->connect_err < -1)
		say(g, "netns_missing", "", "cannot enter network namespace %s: %s",
		    in->mc->netns, strerror(-in->connect_err));
	else if (failed && in->mc->socket[0] == '@')
		slave_abstract(g, in);
	else if (failed)
		slave_file(g, in);
	else if (refusal_hint(in->reason))
		say(g, "refused", refusal_hint(in->reason), "the peer refused "
		    "the connection: %s", in->reason);
	else
		say(g, "connecting", "", "connecting to %s (id %u)", in->mc->socket,
		    in->mc->id);
}

static void master(struct diag *g, const struct diag_input *in)
{
	struct stat st;

	if (in->mc->socket[0] == '/' && lstat(in->mc->socket, &st))
		say(g, "socket_removed", "delete and create the bridge (or change "
		    "and reload it) to listen again", "the socket file %s was "
		    "removed: no peer can connect", in->mc->socket);
	else if (refusal_hint(in->reason))
		say(g, "refused", refusal_hint(in->reason), "a peer connected and "
		    "was refused: %s", in->reason);
	else
		say(g, "waiting", in->mc->socket[0] == '@' ? "the peer must use the "
		    "abstract socket in the same network namespace" : "the peer "
		    "must use this file (DPDK: socket-abstract=no)", "waiting for "
		    "a slave to connect to %s with id %u", in->mc->socket,
		    in->mc->id);
}

json_t *diagnose_link(const struct diag_input *in)
{
	char path[CONF_NETNS_MAX + 16];
	struct diag g = { 0 };

	if (in->link_up)
		return json_null();
	snprintf(path, sizeof(path), "/run/netns/%s", in->mc->netns);
	if (in->host_error[0])
		say(&g, "host_gone", "memifd opens it again every second", "%s",
		    in->host_error);
	else if (in->mc->netns[0] && access(path, F_OK))
		say(&g, "netns_missing", "create it (ip netns add NAME; for a "
		    "container: ip netns attach NAME PID), or correct memif.netns",
		    "the network namespace %s does not exist", in->mc->netns);
	else if (in->mc->is_master)
		master(&g, in);
	else
		slave(&g, in);
	return json_pack("{s:s, s:s, s:s}", "cause", g.cause, "message", g.message,
			 "hint", g.hint);
}
