/*
 * mgmt_cmds.c - the management commands: one table drives dispatch,
 * argument checking and the "help" listing.
 */
#include "bridge.h"
#include "capture.h"
#include "confine.h"
#include "log.h"
#include "memifd.h"
#include "mgmt.h"
#include "notify.h"
#include "port.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <libmemif.h>

typedef int cmd_fn(struct memifd *d, struct mgmt_client *c, json_t *args,
		   json_t **result, char *msg, size_t len);

struct cmd {
	const char *name;
	cmd_fn *fn;
	const char *const *args; /* accepted keys; NULL: checked by fn */
	const char *help;
};

static const char *const no_args[] = { NULL };
static const char *const name_arg[] = { "name", NULL };
static const char *const stats_args[] = { "name", "reset", NULL };
static const char *const capture_args[] = { "action", "name", "file",
	"filter", "direction", "count", "stream", NULL };

/* An optional string argument; -EINVAL when present but not a string. */
static int arg_string(json_t *args, const char *key, const char **out,
		      char *msg, size_t len)
{
	json_t *v = json_object_get(args, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		snprintf(msg, len, "%s: must be a string", key);
		return -EINVAL;
	}
	*out = json_string_value(v);
	return 0;
}

/* The bridges named by an optional "name": all, or exactly one. */
static int select_bridges(struct memifd *d, json_t *args, json_t **list,
			  json_t *(*render)(struct bridge *), char *msg, size_t len)
{
	const char *name;
	struct bridge *b;
	int r = arg_string(args, "name", &name, msg, len);

	if (r)
		return r;
	*list = json_array();
	for (size_t i = 0; i < d->n_bridges; i++) {
		b = d->bridges[i];
		if (!name || !strcmp(bridge_get_conf(b)->name, name))
			json_array_append_new(*list, render(b));
	}
	if (name && !json_array_size(*list)) {
		json_decref(*list);
		snprintf(msg, len, "no bridge named %s", name);
		return -ENOENT;
	}
	return 0;
}

/* msg = pre + msg. */
static void prefix_msg(const char *pre, char *msg, size_t len)
{
	char *old = strdup(msg);

	if (old)
		snprintf(msg, len, "%s%s", pre, old);
	free(old);
}

/* May client c have memifd open file (what: "file", "host.read", ...)?
 * Root may name any; others only files under control.pcap_dir: *cf is set
 * for them, and the open itself keeps to the directory (confine.h); this
 * is the early, clear refusal.  -EPERM with msg. */
static int path_allowed(struct memifd *d, struct mgmt_client *c,
			const char *what, const char *file, struct confine *cf,
			char *msg, size_t len)
{
	const char *dir = d->cfg->control.pcap_dir;
	struct ucred cr = mgmt_client_cred(c);

	_Static_assert(sizeof(cf->dir) >= sizeof(d->cfg->control.pcap_dir),
		       "control.pcap_dir fits a confine");
	*cf = (struct confine){ .uid = cr.uid, .gid = cr.gid };
	if (cr.uid != 0)
		snprintf(cf->dir, sizeof(cf->dir), "%s", dir);
	if (cr.uid == 0 || !file || !file[0])
		return 0;
	if (!dir[0]) {
		snprintf(msg, len, "%s: only root may have memifd open files on its "
			 "side (control.pcap_dir is not set); stream the capture "
			 "instead: memifctl capture NAME -w FILE", what);
		return -EPERM;
	}
	if (confine_names(dir, file, NULL))
		return 0;
	snprintf(msg, len, "%s: %s is not under %s (control.pcap_dir), where "
		 "clients other than root may have memifd open files", what,
		 file, dir);
	return -EPERM;
}

static int cmd_ping(struct memifd *d, struct mgmt_client *c, json_t *args,
		    json_t **result, char *msg, size_t len)
{
	(void)c, (void)args, (void)msg, (void)len;
	*result = json_pack("{s:b, s:I}", "pong", 1,
			    "uptime", (json_int_t)(time(NULL) - d->started));
	return 0;
}

static int cmd_version(struct memifd *d, struct mgmt_client *c, json_t *args,
		       json_t **result, char *msg, size_t len)
{
	uint16_t v = memif_get_version();
	char proto[16];

	(void)d, (void)c, (void)args, (void)msg, (void)len;
	snprintf(proto, sizeof(proto), "%u.%u", v >> 8, v & 0xff);
	*result = json_pack("{s:s, s:s, s:s}", "memifd", MEMIFD_VERSION,
			    "libmemif", LIBMEMIF_VERSION, "protocol", proto);
	return 0;
}

static int cmd_show(struct memifd *d, struct mgmt_client *c, json_t *args,
		    json_t **result, char *msg, size_t len)
{
	json_t *list;
	int r;

	(void)c;
	r = select_bridges(d, args, &list, bridge_to_json, msg, len);
	if (!r)
		*result = json_pack("{s:o}", "bridges", list);
	return r;
}

static json_t *stats_one(struct bridge *b)
{
	return json_pack("{s:s, s:o}", "name", bridge_get_conf(b)->name,
			 "counters", bridge_counters_to_json(b));
}

static int cmd_stats(struct memifd *d, struct mgmt_client *c, json_t *args,
		     json_t **result, char *msg, size_t len)
{
	json_t *reset = json_object_get(args, "reset"), *list, *v;
	size_t i;
	int r;

	(void)c;
	if (reset && !json_is_boolean(reset) && !json_is_null(reset)) {
		snprintf(msg, len, "reset: must be true or false");
		return -EINVAL;
	}
	r = select_bridges(d, args, &list, stats_one, msg, len);
	if (r)
		return r;
	if (json_is_true(reset)) {
		json_array_foreach (list, i, v) {
			const char *name = json_string_value(json_object_get(v, "name"));

			bridge_counters_reset(bridges_find(d, name));
		}
	}
	*result = json_pack("{s:o}", "bridges", list);
	return 0;
}

static int cmd_create(struct memifd *d, struct mgmt_client *c, json_t *args,
		      json_t **result, char *msg, size_t len)
{
	struct config_errors errs = { 0 };
	struct bridge_conf bc;
	char *all;
	int r;

	if (config_parse_bridge(args, &bc, &errs)) {
		all = config_errors_join(&errs);
		snprintf(msg, len, "%s", all ? all : "invalid bridge");
		free(all);
		config_errors_fini(&errs);
		return -EINVAL;
	}
	r = path_allowed(d, c, "host.read", bc.host.read, &bc.host.confine,
			 msg, len);
	if (!r)
		r = path_allowed(d, c, "host.write", bc.host.write,
				 &bc.host.confine, msg, len);
	if (r)
		return r;
	/* A TAP of that name memifd is still removing (a delete just before):
	 * wait for it without holding up the loop, as the kernel may take a
	 * while (its RTNL lock, RCU grace periods under load). */
	if (port_tap_removing(&bc.host)) {
		if (mgmt_client_waited_ms(c) < TAP_CLOSE_WAIT_MS)
			return MGMT_LATER;
		port_tap_removing_error(&bc.host, bc.memif.mode == MM_IP, msg, len);
		return -EBUSY;
	}
	r = bridges_create(d, &bc, false, msg, len);
	if (r)
		return r;
	log_info("%s: created at run time", bc.name);
	*result = json_pack("{s:o}", "bridge", bridge_to_json(bridges_find(d, bc.name)));
	return 0;
}

static int cmd_delete(struct memifd *d, struct mgmt_client *c, json_t *args,
		      json_t **result, char *msg, size_t len)
{
	const char *name;
	int r = arg_string(args, "name", &name, msg, len);

	(void)c;
	if (r)
		return r;
	if (!name) {
		snprintf(msg, len, "name: required");
		return -EINVAL;
	}
	r = bridges_delete(d, name, msg, len);
	if (!r)
		*result = json_object();
	return r;
}

static int cmd_reload(struct memifd *d, struct mgmt_client *c, json_t *args,
		      json_t **result, char *msg, size_t len)
{
	int r;

	(void)c, (void)args;
	notify_send("RELOADING=1");
	r = memifd_reload_config(d, result, msg, len);
	notify_send("READY=1");
	memifd_update_status();
	return r;
}

static int cmd_monitor(struct memifd *d, struct mgmt_client *c, json_t *args,
		       json_t **result, char *msg, size_t len)
{
	(void)d, (void)args, (void)msg, (void)len;
	mgmt_client_monitor(c);
	*result = json_pack("{s:b}", "monitoring", 1);
	return 0;
}

/* capture start: the optional arguments, checked. */
static int capture_opts(json_t *args, const char **filter, int *dir,
			unsigned long long *count, char *msg, size_t len)
{
	json_t *n = json_object_get(args, "count");
	const char *d;
	int r;

	r = arg_string(args, "filter", filter, msg, len);
	if (!r)
		r = arg_string(args, "direction", &d, msg, len);
	if (r)
		return r;
	*dir = d ? capture_dir_parse(d) : CAP_BOTH;
	if (*dir < 0) {
		snprintf(msg, len, "direction: must be rx, tx or both");
		return -EINVAL;
	}
	*count = 0;
	if (n && !json_is_null(n) && (!json_is_integer(n) ||
				      json_integer_value(n) < 0)) {
		snprintf(msg, len, "count: must be an integer >= 0");
		return -EINVAL;
	}
	if (n && json_is_integer(n))
		*count = (unsigned long long)json_integer_value(n);
	return 0;
}

static int capture_start(struct memifd *d, struct mgmt_client *c,
			 struct bridge *b, json_t *args, json_t **result,
			 char *msg, size_t len)
{
	const char *file, *filter;
	unsigned long long count;
	struct confine cf;
	int dir, r;

	r = arg_string(args, "file", &file, msg, len);
	if (!r)
		r = capture_opts(args, &filter, &dir, &count, msg, len);
	if (r)
		return r;
	if (!file || file[0] != '/') {
		snprintf(msg, len, "file: %s", file ? "must be an absolute path"
						    : "required");
		return -EINVAL;
	}
	r = path_allowed(d, c, "file", file, &cf, msg, len);
	if (r)
		return r;
	r = bridge_capture_start(b, file, &cf, filter, dir, count, msg, len);
	if (r == -EPERM || r == -ENOSYS)
		prefix_msg("file: ", msg, len);
	if (!r)
		*result = json_pack("{s:o}", "capture", bridge_capture_to_json(b));
	return r;
}

/* After a batch of events in which streams ended: each owner gets its
 * stream's last state, {"event": "capture", "name", "capture"}.  Sending
 * may drop a client (and its streams), so every bridge is looked at anew
 * after each. */
static void streams_gone_reap(struct memifd *d);

static void streams_reap(void *arg)
{
	struct memifd *d = arg;
	void *owner;
	json_t *st;

	streams_gone_reap(d);
	for (size_t i = 0; i < d->n_bridges; i++) {
		while ((st = bridge_stream_reap(d->bridges[i], &owner))) {
			json_t *ev = json_pack("{s:s, s:s, s:o}", "event", "capture",
					       "name", bridge_get_conf(d->bridges[i])->name,
					       "capture", st);

			mgmt_client_send(owner, ev);
			json_decref(ev);
		}
	}
}

/* The ended streams of bridges that went away (d->streams_gone). */
static void streams_gone_reap(struct memifd *d)
{
	struct capture **p = &d->streams_gone, *s;

	while ((s = *p)) {
		json_t *ev;
		void *owner;

		if (!capture_stream_ended(s)) {
			p = capture_next(s);
			continue;
		}
		*p = *capture_next(s);
		owner = capture_stream_owner(s);
		ev = json_pack("{s:s, s:s, s:o}", "event", "capture", "name",
			       capture_stream_name(s), "capture", capture_to_json(s));
		log_info("%s: capture stream ended (bridge gone)", capture_stream_name(s));
		capture_free(s);
		mgmt_client_send(owner, ev); /* may drop a client: from the top */
		json_decref(ev);
		p = &d->streams_gone;
	}
}

void mgmt_client_gone(struct memifd *d, struct mgmt_client *c)
{
	struct capture **p = &d->streams_gone, *s;

	for (size_t i = 0; i < d->n_bridges; i++)
		bridge_stream_drop(d->bridges[i], c);
	while ((s = *p)) {
		if (capture_stream_owner(s) != c) {
			p = capture_next(s);
			continue;
		}
		*p = *capture_next(s);
		capture_free(s);
	}
}

/* capture stream: frames into the descriptor the client sent with it. */
static int capture_stream(struct memifd *d, struct mgmt_client *c,
			  struct bridge *b, json_t *args, json_t **result,
			  char *msg, size_t len)
{
	struct ucred cr = mgmt_client_cred(c);
	struct capture_owner own = { bridge_get_conf(b)->name, c, cr.pid,
				     cr.uid, streams_reap, d };
	unsigned long long count;
	const char *filter;
	int dir, fd, r;

	if (json_object_get(args, "file")) {
		snprintf(msg, len, "file: not with stream (it writes to the "
			 "descriptor sent with the request)");
		return -EINVAL;
	}
	r = capture_opts(args, &filter, &dir, &count, msg, len);
	if (r)
		return r;
	fd = mgmt_client_take_fd(c);
	if (fd < 0) {
		snprintf(msg, len, "stream: send the descriptor to write to "
			 "with the request (SCM_RIGHTS)");
		return -EINVAL;
	}
	r = bridge_stream_start(b, fd, filter, dir, count, &own, msg, len);
	if (r) {
		close(fd);
		return r;
	}
	*result = json_pack("{s:{s:b, s:s?, s:s, s:I}}", "capture", "stream", 1,
			    "filter", filter, "direction",
			    dir == CAP_RX ? "rx" : dir == CAP_TX ? "tx" : "both",
			    "count", (json_int_t)count);
	return 0;
}

static int capture_stop(struct bridge *b, struct mgmt_client *c, json_t *args,
			json_t **result, char *msg, size_t len)
{
	json_t *stream = json_object_get(args, "stream"), *final;
	const char *name = bridge_get_conf(b)->name;

	if (stream && !json_is_boolean(stream)) {
		snprintf(msg, len, "stream: must be true or false");
		return -EINVAL;
	}
	if (json_is_true(stream) ? bridge_stream_stop(b, c, &final)
				 : bridge_capture_stop(b, &final)) {
		snprintf(msg, len, "no capture %son bridge %s",
			 json_is_true(stream) ? "stream of this client " : "", name);
		return -ENOENT;
	}
	*result = json_pack("{s:o}", "capture", final);
	return 0;
}

static int cmd_capture(struct memifd *d, struct mgmt_client *c, json_t *args,
		       json_t **result, char *msg, size_t len)
{
	const char *action, *name;
	struct bridge *b;
	int r;

	r = arg_string(args, "action", &action, msg, len);
	if (!r)
		r = arg_string(args, "name", &name, msg, len);
	if (r)
		return r;
	if (!action || (strcmp(action, "start") && strcmp(action, "stop") &&
			strcmp(action, "stream"))) {
		snprintf(msg, len, "action: must be start, stream or stop");
		return -EINVAL;
	}
	if (!name) {
		snprintf(msg, len, "name: required");
		return -EINVAL;
	}
	b = bridges_find(d, name);
	if (!b) {
		snprintf(msg, len, "no bridge named %s", name);
		return -ENOENT;
	}
	if (!strcmp(action, "start"))
		return capture_start(d, c, b, args, result, msg, len);
	if (!strcmp(action, "stream"))
		return capture_stream(d, c, b, args, result, msg, len);
	return capture_stop(b, c, args, result, msg, len);
}

static int cmd_help(struct memifd *d, struct mgmt_client *c, json_t *args,
		    json_t **result, char *msg, size_t len);

static const struct cmd cmds[] = {
	{ "ping", cmd_ping, no_args, "check that memifd answers; uptime" },
	{ "version", cmd_version, no_args, "versions of memifd, libmemif and the protocol" },
	{ "show", cmd_show, name_arg, "bridges: configuration, state, counters" },
	{ "stats", cmd_stats, stats_args, "counters of the bridges, optionally reset" },
	{ "create", cmd_create, NULL, "create a bridge (configuration schema)" },
	{ "delete", cmd_delete, name_arg, "delete a bridge" },
	{ "reload", cmd_reload, no_args, "re-read the configuration file, apply the difference" },
	{ "monitor", cmd_monitor, no_args, "stream link and bridge events on this connection" },
	{ "capture", cmd_capture, capture_args,
	  "mirror a bridge's frames into a pcap file, or stream them to the client" },
	{ "help", cmd_help, no_args, "the commands and what they do" },
};

static int cmd_help(struct memifd *d, struct mgmt_client *c, json_t *args,
		    json_t **result, char *msg, size_t len)
{
	json_t *list = json_array();

	(void)d, (void)c, (void)args, (void)msg, (void)len;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		json_array_append_new(list, json_pack("{s:s, s:s}", "name",
				      cmds[i].name, "help", cmds[i].help));
	*result = json_pack("{s:o}", "commands", list);
	return 0;
}

static int check_args(const struct cmd *cmd, json_t *args, char *msg, size_t len)
{
	const char *key;
	json_t *v;

	if (!cmd->args)
		return 0;
	json_object_foreach (args, key, v) {
		size_t i;

		for (i = 0; cmd->args[i] && strcmp(cmd->args[i], key); i++)
			;
		if (!cmd->args[i]) {
			snprintf(msg, len, "%s: unknown argument of %s", key,
				 cmd->name);
			return -EINVAL;
		}
	}
	return 0;
}

int mgmt_dispatch(struct memifd *d, struct mgmt_client *c, const char *command,
		  json_t *args, json_t **result, char *msg, size_t msglen)
{
	int r;

	*result = NULL;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(cmds[i].name, command))
			continue;
		r = check_args(&cmds[i], args, msg, msglen);
		if (!r)
			r = cmds[i].fn(d, c, args, result, msg, msglen);
		if (!r && !*result) {
			snprintf(msg, msglen, "out of memory");
			r = -ENOMEM;
		}
		return r;
	}
	snprintf(msg, msglen, "unknown command %s (try help)", command);
	return -ENOSYS;
}
