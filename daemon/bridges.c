/* bridges.c - the set of bridges: create, delete, and reload as a diff. */
#include "bridge.h"
#include "capture.h"
#include "log.h"
#include "memifd.h"
#include "port.h"
#include "worker.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void bridges_tick(struct loop_timer *t)
{
	struct memifd *d = memifd_self;

	(void)t;
	for (size_t i = 0; i < d->n_bridges; i++)
		bridge_tick(d->bridges[i]);
}

int bridges_init(struct memifd *d)
{
	int r = loop_timer_init(d->loop, &d->tick, bridges_tick);

	return r ? r : loop_timer_set(&d->tick, 1000, 1000);
}

struct bridge *bridges_find(struct memifd *d, const char *name)
{
	for (size_t i = 0; i < d->n_bridges; i++)
		if (!strcmp(bridge_get_conf(d->bridges[i])->name, name))
			return d->bridges[i];
	return NULL;
}

unsigned bridges_links_up(struct memifd *d)
{
	unsigned n = 0;

	for (size_t i = 0; i < d->n_bridges; i++)
		n += bridge_is_up(d->bridges[i]);
	return n;
}

static void bridges_emit(const char *name, const char *action)
{
	char when[32];

	bridge_format_time(time(NULL), when, sizeof(when));
	memifd_event(json_pack("{s:s, s:s, s:s, s:s}", "event", "bridge",
			       "name", name, "action", action, "time", when));
}

/* EBUSY when another bridge uses the same memif endpoint or host device. */
static int bridges_conflict(struct memifd *d, const struct bridge_conf *bc,
			    char *msg, size_t len)
{
	char what[CONF_FILE_MAX + 16];

	for (size_t i = 0; i < d->n_bridges; i++) {
		const struct bridge_conf *o = bridge_get_conf(d->bridges[i]);

		if (!strcmp(o->memif.socket, bc->memif.socket) &&
		    !strcmp(o->memif.netns, bc->memif.netns) &&
		    o->memif.id == bc->memif.id &&
		    o->memif.is_master == bc->memif.is_master) {
			snprintf(msg, len, "memif socket %s id %u is used by "
				 "bridge %s", bc->memif.socket, bc->memif.id, o->name);
			return -EBUSY;
		}
		if (config_socket_file_conflict(&o->memif, &bc->memif)) {
			snprintf(msg, len, "memif socket %s has another "
				 "socket_owner, socket_group or socket_mode in "
				 "bridge %s", bc->memif.socket, o->name);
			return -EBUSY;
		}
		if (config_host_conflict(&o->host, &bc->host, what, sizeof(what))) {
			snprintf(msg, len, "host %s is used by bridge %s", what,
				 o->name);
			return -EBUSY;
		}
	}
	return 0;
}

/* Whether a bridge bc may be made now: 0, or -errno with msg filled. */
static int bridges_admit(struct memifd *d, const struct bridge_conf *bc,
			 char *msg, size_t len)
{
	struct bridge **nb;

	if (bridges_find(d, bc->name)) {
		snprintf(msg, len, "a bridge named %s already exists", bc->name);
		return -EEXIST;
	}
	if (d->n_bridges >= d->cfg->max_bridges) {
		snprintf(msg, len, "max_bridges (%u) reached", d->cfg->max_bridges);
		return -ENOSPC;
	}
	nb = realloc(d->bridges, (d->n_bridges + 1) * sizeof(*nb));
	if (!nb) {
		snprintf(msg, len, "out of memory");
		return -ENOMEM;
	}
	d->bridges = nb;
	return bridges_conflict(d, bc, msg, len);
}

/* port: one a reload kept (bridge_take_port), taken over; or NULL. */
static int bridges_create_on(struct memifd *d, const struct bridge_conf *bc,
			     bool from_config, struct port *port, char *msg,
			     size_t len)
{
	struct bridge *b;
	int r = bridges_admit(d, bc, msg, len);

	if (r) {
		port_close(port);
		return r;
	}
	r = bridge_new(d->loop, bc, from_config, port, &b, msg, len);
	if (r)
		return r;
	d->bridges[d->n_bridges++] = b;
	bridges_emit(bc->name, "created");
	memifd_update_status();
	return 0;
}

int bridges_create(struct memifd *d, const struct bridge_conf *bc,
		   bool from_config, char *msg, size_t len)
{
	return bridges_create_on(d, bc, from_config, NULL, msg, len);
}

/* The bridge's capture streams end (reason) and live on in
 * d->streams_gone until written out; reason NULL: they are dropped. */
static void bridges_remove_at(struct memifd *d, size_t i, const char *reason)
{
	struct capture *s = reason ? bridge_stream_detach(d->bridges[i]) : NULL, *next;
	char name[CONF_NAME_MAX];

	for (; s; s = next) {
		next = *capture_next(s);
		*capture_next(s) = d->streams_gone;
		d->streams_gone = s;
		capture_stream_end(s, reason);
	}
	snprintf(name, sizeof(name), "%s", bridge_get_conf(d->bridges[i])->name);
	bridge_free(d->bridges[i]);
	memmove(d->bridges + i, d->bridges + i + 1,
		(d->n_bridges - i - 1) * sizeof(*d->bridges));
	d->n_bridges--;
	log_info("%s: deleted", name);
	bridges_emit(name, "deleted");
	memifd_update_status();
}

int bridges_delete(struct memifd *d, const char *name, char *msg, size_t len)
{
	for (size_t i = 0; i < d->n_bridges; i++) {
		if (!strcmp(bridge_get_conf(d->bridges[i])->name, name)) {
			bridges_remove_at(d, i, "bridge deleted");
			return 0;
		}
	}
	snprintf(msg, len, "no bridge named %s", name);
	return -ENOENT;
}

int bridges_start(struct memifd *d, char *msg, size_t len)
{
	char err[256];
	int r;

	for (size_t i = 0; i < d->cfg->n_bridges; i++) {
		r = bridges_create(d, &d->cfg->bridges[i], true, err, sizeof(err));
		if (r) {
			snprintf(msg, len, "bridge %s: %s", d->cfg->bridges[i].name, err);
			return r;
		}
	}
	return 0;
}

void bridges_fini(struct memifd *d)
{
	struct capture *s;

	while (d->n_bridges)
		bridges_remove_at(d, d->n_bridges - 1, NULL);
	while ((s = d->streams_gone)) {
		d->streams_gone = *capture_next(s);
		capture_free(s);
	}
	free(d->bridges);
	d->bridges = NULL;
	loop_timer_fini(d->loop, &d->tick);
}

/* Host ports a reload keeps for the rebuilt bridges (bridge_take_port). */
struct kept_ports {
	size_t n;
	struct {
		char name[CONF_NAME_MAX];
		struct port *port;
	} *v;
};

static struct port *kept_take(struct kept_ports *k, const char *name)
{
	struct port *p;

	for (size_t i = 0; i < k->n; i++) {
		if (k->v[i].port && !strcmp(k->v[i].name, name)) {
			p = k->v[i].port;
			k->v[i].port = NULL;
			return p;
		}
	}
	return NULL;
}

/* Removes config bridges that are gone or changed; fills the diff lists. */
static void reload_remove(struct memifd *d, const struct config *nc, json_t *diff,
			  struct kept_ports *k)
{
	for (size_t i = d->n_bridges; i-- > 0;) {
		const struct bridge_conf *old = bridge_get_conf(d->bridges[i]);
		const struct bridge_conf *nb = config_find_bridge(nc, old->name);
		struct port *p;
		const char *list;

		if (!bridge_from_config(d->bridges[i]))
			continue;
		if (nb && config_bridge_equal(old, nb)) {
			json_array_append_new(json_object_get(diff, "unchanged"),
					      json_string(old->name));
			continue;
		}
		list = nb ? "changed" : "removed";
		json_array_append_new(json_object_get(diff, list),
				      json_string(old->name));
		p = nb && k->v ? bridge_take_port(d->bridges[i], nb) : NULL;
		log_info("reload: %s %s%s", old->name, list,
			 p ? " (its host port stays)" : "");
		if (p) {
			snprintf(k->v[k->n].name, sizeof(k->v[k->n].name), "%s",
				 old->name);
			k->v[k->n++].port = p;
		}
		bridges_remove_at(d, i, nb ? "bridge rebuilt by reload"
					   : "bridge removed by reload");
	}
}

static void reload_add(struct memifd *d, const struct config *nc, json_t *diff,
		       struct kept_ports *k)
{
	char err[256];

	for (size_t i = 0; i < nc->n_bridges; i++) {
		const struct bridge_conf *bc = &nc->bridges[i];
		bool changed = false;
		size_t j;
		json_t *v;

		if (bridges_find(d, bc->name))
			continue;
		json_array_foreach (json_object_get(diff, "changed"), j, v)
			changed |= !strcmp(json_string_value(v), bc->name);
		if (!changed)
			json_array_append_new(json_object_get(diff, "added"),
					      json_string(bc->name));
		if (bridges_create_on(d, bc, true, kept_take(k, bc->name), err,
				      sizeof(err))) {
			log_err("reload: bridge %s: %s", bc->name, err);
			json_array_append_new(json_object_get(diff, "failed"),
				json_pack("{s:s, s:s}", "name", bc->name, "error", err));
		}
	}
}

/* Another number of workers: the bridges' queues move to the new ones
 * (inside the park of the reload, so nothing runs meanwhile). */
static void reload_workers(struct memifd *d, unsigned n)
{
	unsigned old = workers_count();

	if (n == old)
		return;
	for (size_t i = 0; i < d->n_bridges; i++)
		bridge_workers_detach(d->bridges[i]);
	workers_stop();
	if (workers_start(n))
		log_err("reload: workers %u: the main thread runs the data path", n);
	for (size_t i = 0; i < d->n_bridges; i++)
		bridge_workers_attach(d->bridges[i]);
	log_notice("reload: workers %u -> %u", old, workers_count());
}

int bridges_reload(struct memifd *d, json_t **diff, char *msg, size_t len)
{
	struct config_errors errs = { 0 };
	struct config *nc = config_load_file(d->config_path, &errs);
	struct kept_ports kept = { 0 };
	char *all;

	if (!nc) {
		for (size_t i = 0; i < errs.n; i++)
			log_err("reload: %s", errs.msgs[i]);
		all = config_errors_join(&errs);
		snprintf(msg, len, "configuration rejected, the old one stays: %s",
			 all ? all : "?");
		free(all);
		config_errors_fini(&errs);
		return -EINVAL;
	}
	for (size_t i = 0; i < nc->n_bridges; i++) {
		struct bridge *b = bridges_find(d, nc->bridges[i].name);

		if (b && !bridge_from_config(b)) {
			snprintf(msg, len, "configuration rejected: bridge %s "
				 "exists (created at run time)", nc->bridges[i].name);
			config_free(nc);
			return -EEXIST;
		}
	}
	*diff = json_pack("{s:[], s:[], s:[], s:[], s:[]}", "added", "removed",
			  "changed", "unchanged", "failed");
	/* (no memory for the list: the changed bridges' ports are made anew) */
	kept.v = calloc(d->n_bridges ? d->n_bridges : 1, sizeof(*kept.v));
	workers_park(); /* once for all that follows */
	reload_remove(d, nc, *diff, &kept);
	reload_workers(d, workers_resolve(nc->workers));
	/* the new limits apply to the bridges created from now on */
	nc->control = d->cfg->control;
	config_free(d->cfg);
	d->cfg = nc;
	if (d->log_level_override < 0)
		log_set_level(nc->log_level);
	reload_add(d, nc, *diff, &kept);
	workers_release();
	for (size_t i = 0; i < kept.n; i++) /* (every one was taken) */
		port_close(kept.v[i].port);
	free(kept.v);
	log_notice("configuration reloaded from %s", d->config_path);
	return 0;
}
