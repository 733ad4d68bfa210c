/*
 * memifd.h - the daemon's state: configuration, bridges, management.
 */
#ifndef MEMIFD_MEMIFD_H
#define MEMIFD_MEMIFD_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include <jansson.h>

#include "config.h"
#include "loop.h"

struct bridge;
struct capture;
struct metrics;
struct mgmt;

struct memifd {
	struct loop *loop;
	struct config *cfg;	 /* the configuration in force (owned) */
	const char *config_path; /* borrowed from argv */
	struct bridge **bridges; /* owned, in creation order */
	size_t n_bridges;
	struct mgmt *mgmt;
	struct metrics *metrics; /* NULL: no metrics endpoint (metrics.c) */
	struct loop_timer tick;
	/* capture streams whose bridge went away, writing out their queue
	 * (capture_stream_end; reaped like a bridge's) */
	struct capture *streams_gone;
	time_t started;
	int log_level_override; /* -l, or -1 */
};

/* The daemon, for callbacks that carry no context. */
extern struct memifd *memifd_self;

/* Bridges (bridges.c).  Errors: -errno with msg filled. */
int bridges_init(struct memifd *d);
/* Creates every bridge of d->cfg; fails on the first that cannot be made. */
int bridges_start(struct memifd *d, char *msg, size_t len);
int bridges_create(struct memifd *d, const struct bridge_conf *bc,
		   bool from_config, char *msg, size_t len);
int bridges_delete(struct memifd *d, const char *name, char *msg, size_t len);
struct bridge *bridges_find(struct memifd *d, const char *name);
/* Re-reads the configuration file and applies the difference.  *diff gets
 * {"added", "removed", "changed", "unchanged", "failed"}. */
int bridges_reload(struct memifd *d, json_t **diff, char *msg, size_t len);
void bridges_fini(struct memifd *d);
/* memifd.c: bridges_reload, then the metrics endpoint follows the file. */
int memifd_reload_config(struct memifd *d, json_t **diff, char *msg, size_t len);
unsigned bridges_links_up(struct memifd *d);

/* memifd.c: blocks the signals memifd handles (before any thread or
 * fork); then runs until SIGTERM/SIGINT and returns the exit status. */
int memifd_block_signals(void);
int memifd_run(struct config *cfg, const char *config_path, int level_override);

/* An event for monitoring clients (takes the reference). */
void memifd_event(json_t *ev);
/* STATUS= line for the service manager. */
void memifd_update_status(void);

#endif
