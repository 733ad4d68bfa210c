/*
 * bridge.h - a bridge: one memif interface joined to one host port.
 */
#ifndef MEMIFD_BRIDGE_H
#define MEMIFD_BRIDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "config.h"

struct bridge;
struct loop;
struct port;

struct dir_counters {
	uint64_t packets, bytes;
	uint64_t ring_full, host_full, oversize, peer_down, bad_desc;
	uint64_t errors;
	uint64_t blocked; /* the host said EAGAIN: held for a retry, not lost */
};

struct bridge_counters {
	struct dir_counters to_host, to_memif;
	uint64_t link_ups, link_downs;
	uint64_t host_losses; /* the host device vanished (port recover) */
};

/* What the link and the host are now. */
struct bridge_gauges {
	unsigned link_up;		       /* 1 or 0 */
	unsigned rx_queues, tx_queues; /* negotiated; 0 while down */
	unsigned rx_polling;	       /* receive queues busy-polled now */
	unsigned host_up;		       /* 1: the host port is "up" */
};

/* Receives every event object (link up/down); takes the reference. */
typedef void bridge_event_fn(json_t *event);
void bridge_set_event_hook(bridge_event_fn *fn);

/* Opens the host port (or takes `port`, from bridge_take_port, which is
 * then the bridge's even when this fails) and creates the memif
 * interface.  Returns 0, or -errno with err filled (-EIO: the system
 * refused). */
int bridge_new(struct loop *l, const struct bridge_conf *bc, bool from_config,
	       struct port *port, struct bridge **out, char *err, size_t errlen);
/* A reload rebuilds a changed bridge: when its host part stays as it was
 * (same host, memif mode and queue count) and the port is a live TAP or
 * pcap-live socket, the port is taken from the old bridge (carrier off)
 * for the new one, so that the device, its addresses and the frames in
 * its queue stay, and nothing waits for the kernel to remove a device and
 * make it again.  NULL: the port goes with the bridge.  Workers parked. */
struct port *bridge_take_port(struct bridge *b, const struct bridge_conf *nb);
/* Sends DISCONNECT, closes the port; the memory goes after the current
 * loop batch.  Accepts NULL. */
void bridge_free(struct bridge *b);

/* Before and after the number of workers changes (workers parked): the
 * bridge stops watching anything, then watches from the loops of its
 * lanes' new threads. */
void bridge_workers_detach(struct bridge *b);
void bridge_workers_attach(struct bridge *b);

const struct bridge_conf *bridge_get_conf(const struct bridge *b);
bool bridge_from_config(const struct bridge *b);
bool bridge_is_up(const struct bridge *b);
/* Once a second: a disconnected slave asks for a connection. */
void bridge_tick(struct bridge *b);

/* New JSON objects (caller owns): the BRIDGE and COUNTERS of README.md. */
json_t *bridge_to_json(struct bridge *b);
json_t *bridge_counters_to_json(struct bridge *b);
/* Zeroes the counters that stats and show report (not the totals). */
void bridge_counters_reset(struct bridge *b);
/* The counters since the bridge was made, never zeroed by a reset (for
 * the metrics: monotonic while the bridge exists). */
void bridge_counters_total(struct bridge *b, struct bridge_counters *out);
void bridge_get_gauges(struct bridge *b, struct bridge_gauges *g);

/* Starts mirroring the bridge's frames into file (a new pcap file, made
 * for cf: confine.h; see capture.h for the arguments).  -EBUSY while a
 * capture records; 0 or -errno with err filled. */
int bridge_capture_start(struct bridge *b, const char *file,
			 const struct confine *cf, const char *filter, int dir, unsigned long long count, char *err,
			 size_t errlen);
/* Ends the capture; *final gets its last state (caller owns).  -ENOENT
 * when there is none. */
int bridge_capture_stop(struct bridge *b, json_t **final);
/* Capture streams (capture.h): any number per bridge, each with an owner
 * (a management client).  start: on success the stream owns fd.  stop:
 * the first stream of owner stops (and ends once written out); *state its
 * state now; -ENOENT when owner has none.  reap: takes off the first
 * stream that has ended and frees it: returns its last state (caller
 * owns) and its owner, NULL when none has ended.  drop: frees the streams
 * of owner (NULL: all) without a word. */
struct capture_owner;
int bridge_stream_start(struct bridge *b, int fd, const char *filter, int dir,
			unsigned long long count, const struct capture_owner *own,
			char *err, size_t errlen);
int bridge_stream_stop(struct bridge *b, void *owner, json_t **state);
json_t *bridge_stream_reap(struct bridge *b, void **owner);
void bridge_stream_drop(struct bridge *b, void *owner);
/* The bridge's streams, now the caller's (a list linked by capture_next). */
struct capture *bridge_stream_detach(struct bridge *b);
/* The capture's state (a new object), or a new null. */
json_t *bridge_capture_to_json(struct bridge *b);

/* ISO 8601 UTC of t into buf (at least 21 bytes). */
void bridge_format_time(time_t t, char *buf, size_t len);

#endif
