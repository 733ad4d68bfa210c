/* bridge_json.c - a bridge as the BRIDGE and COUNTERS objects of README.md. */
#include "bridge_int.h"
#include "diagnose.h"

#include <stdio.h>
#include <string.h>

static json_t *dir_json(const struct dir_counters *c)
{
	return json_pack("{s:I, s:I, s:{s:I, s:I, s:I, s:I, s:I}, s:I, s:I}",
			 "packets", (json_int_t)c->packets,
			 "bytes", (json_int_t)c->bytes,
			 "drops",
			 "ring_full", (json_int_t)c->ring_full,
			 "host_full", (json_int_t)c->host_full,
			 "oversize", (json_int_t)c->oversize,
			 "peer_down", (json_int_t)c->peer_down,
			 "bad_desc", (json_int_t)c->bad_desc,
			 "errors", (json_int_t)c->errors,
			 "blocked", (json_int_t)c->blocked);
}

/* bad_desc of the current memif interface (libcore counts them) */
static uint64_t bridge_live_bad_desc(struct bridge *b)
{
	memif_conn_stats_t st;

	if (!b->conn || memif_get_conn_stats(b->conn, &st) != MEMIF_ERR_SUCCESS)
		return 0;
	return st.bad_desc;
}

void bridge_fold_bad_desc(struct bridge *b)
{
	b->ctr.to_host.bad_desc += bridge_live_bad_desc(b);
}

static void dir_add(struct dir_counters *sum, const struct dir_counters *c)
{
	sum->packets += CTR_GET(c->packets);
	sum->bytes += CTR_GET(c->bytes);
	sum->ring_full += CTR_GET(c->ring_full);
	sum->host_full += CTR_GET(c->host_full);
	sum->oversize += CTR_GET(c->oversize);
	sum->peer_down += CTR_GET(c->peer_down);
	sum->bad_desc += CTR_GET(c->bad_desc);
	sum->errors += CTR_GET(c->errors);
	sum->blocked += CTR_GET(c->blocked);
}

static void dir_sub(struct dir_counters *d, const struct dir_counters *c)
{
	d->packets -= c->packets;
	d->bytes -= c->bytes;
	d->ring_full -= c->ring_full;
	d->host_full -= c->host_full;
	d->oversize -= c->oversize;
	d->peer_down -= c->peer_down;
	d->bad_desc -= c->bad_desc;
	d->errors -= c->errors;
	d->blocked -= c->blocked;
}

void bridge_counters_total(struct bridge *b, struct bridge_counters *out)
{
	memset(out, 0, sizeof(*out));
	dir_add(&out->to_host, &b->ctr.to_host);
	dir_add(&out->to_memif, &b->ctr.to_memif);
	for (unsigned h = 0; h < PORT_MAX_QUEUES; h++) {
		dir_add(&out->to_host, &b->lanes[h].to_host);
		dir_add(&out->to_memif, &b->lanes[h].to_memif);
	}
	out->to_host.bad_desc += bridge_live_bad_desc(b);
	out->link_ups = b->ctr.link_ups;
	out->link_downs = b->ctr.link_downs;
	out->host_losses = b->ctr.host_losses;
}

/* The counters since the last reset: the totals less those at the reset
 * (each total only grows, whatever thread counts it). */
static void bridge_counters_now(struct bridge *b, struct bridge_counters *out)
{
	bridge_counters_total(b, out);
	dir_sub(&out->to_host, &b->ctr_reset.to_host);
	dir_sub(&out->to_memif, &b->ctr_reset.to_memif);
	out->link_ups -= b->ctr_reset.link_ups;
	out->link_downs -= b->ctr_reset.link_downs;
	out->host_losses -= b->ctr_reset.host_losses;
}

json_t *bridge_counters_to_json(struct bridge *b)
{
	struct bridge_counters c;

	bridge_counters_now(b, &c);
	return json_pack("{s:o, s:o, s:I, s:I, s:I, s:s}",
			 "to_host", dir_json(&c.to_host),
			 "to_memif", dir_json(&c.to_memif),
			 "link_ups", (json_int_t)c.link_ups,
			 "link_downs", (json_int_t)c.link_downs,
			 "host_losses", (json_int_t)c.host_losses,
			 "last_disconnect_reason", b->reason);
}

void bridge_counters_reset(struct bridge *b)
{
	bridge_counters_total(b, &b->ctr_reset);
}

static unsigned bridge_rx_polling(struct bridge *b)
{
	unsigned n = 0;

	for (unsigned q = 0; b->link_up && q < b->n_rxq; q++)
		n += CTR_GET(b->rxq[q].polling);
	return n;
}

void bridge_get_gauges(struct bridge *b, struct bridge_gauges *g)
{
	g->link_up = b->link_up;
	g->rx_queues = b->link_up ? b->nrx : 0;
	g->tx_queues = b->link_up ? b->ntx : 0;
	g->rx_polling = bridge_rx_polling(b);
	g->host_up = b->port && !strcmp(b->port->ops->state(b->port), "up");
}

static json_t *str_or_null(const char *s)
{
	return *s ? json_string(s) : json_null();
}

static json_t *memif_json(const struct memif_conf *mc)
{
	char mode[8];
	json_t *m;

	snprintf(mode, sizeof(mode), "%04o", (unsigned)mc->socket_mode);
	m = json_pack("{s:s, s:s, s:o, s:I, s:s?, s:s, s:i, s:i, s:i, s:i, s:s}",
			 "role", mc->is_master ? "master" : "slave",
			 "socket", mc->socket,
			 "netns", str_or_null(mc->netns),
			 "id", (json_int_t)mc->id,
			 "secret", mc->has_secret ? "set" : NULL,
			 "mode", config_mode_name(mc->mode),
			 "rx_queues", (int)mc->rx_queues,
			 "tx_queues", (int)mc->tx_queues,
			 "ring_size", (int)mc->ring_size,
			 "buffer_size", (int)mc->buffer_size,
			 "rx_mode", config_rx_mode_name(mc->rx_mode));
	if (m && mc->is_master && mc->socket[0] == '/')
		json_object_update_new(m, json_pack("{s:o, s:o, s:o}",
			"socket_owner", str_or_null(mc->socket_owner),
			"socket_group", str_or_null(mc->socket_group),
			"socket_mode", mc->has_socket_mode ? json_string(mode)
							   : json_null()));
	return m;
}

/* The thread of each host queue. */
static json_t *host_workers_json(struct bridge *b)
{
	json_t *a = json_array();

	for (unsigned h = 0; a && b->port && h < b->port->nqueues; h++)
		json_array_append_new(a, json_integer(bridge_io_lane_worker(b, h)));
	return a;
}

static json_t *host_json(struct bridge *b)
{
	const struct host_conf *hc = &b->conf.host;
	json_t *h = json_pack("{s:s, s:o, s:o, s:o, s:n, s:b, s:b}",
			      "type", hc->type, "name", str_or_null(hc->name),
			      "netns", str_or_null(hc->netns),
			      "mtu", hc->mtu ? json_integer(hc->mtu) : json_null(),
			      "mac", "up", hc->up, "persist", hc->persist);

	if (h && b->port) {
		b->port->ops->describe(b->port, h);
		json_object_set_new(h, "queues", json_integer(b->port->nqueues));
		json_object_set_new(h, "queue_workers", host_workers_json(b));
	}
	return h;
}

/* Frames per served queue since link up: the array's length is how many
 * queues memifd serves (at most the configured counts). */
static json_t *queue_packets_json(struct bridge *b, bool rx)
{
	unsigned n = b->link_up ? (rx ? b->n_rxq : b->n_txq) : 0;
	json_t *a = json_array();

	for (unsigned q = 0; a && q < n; q++)
		json_array_append_new(a, json_integer((json_int_t)(rx ? CTR_GET(b->rxq[q].packets)
								       : CTR_GET(b->txq[q].packets))));
	return a;
}

/* The thread that serves each of those queues: 0 the main thread, w the
 * worker w (of "workers"). */
static json_t *queue_workers_json(struct bridge *b, bool rx)
{
	unsigned n = b->link_up ? (rx ? b->n_rxq : b->n_txq) : 0;
	json_t *a = json_array();

	for (unsigned q = 0; a && q < n; q++)
		json_array_append_new(a, json_integer(bridge_io_lane_worker(b,
						      bridge_io_lane(b, q))));
	return a;
}


static json_t *state_json(struct bridge *b)
{
	struct diag_input di = { .mc = &b->conf.memif, .link_up = b->link_up,
				 .connect_err = b->connect_err, .reason = b->reason,
				 .host_error = b->host_error };
	int polling = (int)bridge_rx_polling(b);
	char when[32];
	json_t *st;

	bridge_format_time(b->since, when, sizeof(when));
	st = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:i, s:i, s:o, s:o, s:i, s:i, s:i, s:s, s:s}",
			 "link", b->link_up ? "up" : "down",
			 "since", when,
			 "since_epoch", (json_int_t)b->since,
			 "peer_name", b->link_up ? b->peer_name : "",
			 "peer_if_name", b->link_up ? b->peer_if_name : "",
			 "disconnect_reason", b->reason,
			 "rx_queues", b->link_up ? (int)b->nrx : 0,
			 "tx_queues", b->link_up ? (int)b->ntx : 0,
			 "rx_queue_packets", queue_packets_json(b, true),
			 "tx_queue_packets", queue_packets_json(b, false),
			 "rx_polling", polling,
			 "ring_size", b->link_up ? (int)b->ring_size : 0,
			 "buffer_size", b->link_up ? (int)b->buffer_size : 0,
			 "host_state", b->port ? b->port->ops->state(b->port) : "gone",
			 "host_error", b->host_error);
	if (st) {
		json_object_set_new(st, "rx_queue_workers", queue_workers_json(b, true));
		json_object_set_new(st, "tx_queue_workers", queue_workers_json(b, false));
		json_object_set_new(st, "diagnosis", diagnose_link(&di));
	}
	return st;
}

json_t *bridge_capture_to_json(struct bridge *b)
{
	json_t *j;

	if (!b->cap)
		return json_null();
	capture_lock();
	j = capture_to_json(b->cap);
	capture_unlock();
	return j;
}

/* The capture streams running (not yet reaped), newest first. */
static json_t *streams_json(struct bridge *b)
{
	json_t *list = json_array();

	for (struct capture *c = b->streams; c && list; c = *capture_next(c))
		json_array_append_new(list, capture_to_json(c));
	return list;
}

json_t *bridge_to_json(struct bridge *b)
{
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o}",
			 "name", b->conf.name,
			 "origin", b->from_config ? "config" : "runtime",
			 "memif", memif_json(&b->conf.memif),
			 "host", host_json(b),
			 "state", state_json(b),
			 "counters", bridge_counters_to_json(b),
			 "capture", bridge_capture_to_json(b),
			 "streams", streams_json(b));
}
