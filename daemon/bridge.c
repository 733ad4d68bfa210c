/* bridge.c - a bridge's life: port, memif interface, link up and down. */
#include "bridge_int.h"
#include "log.h"
#include "mif.h"
#include "netns.h"
#include "worker.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bridge_event_fn *bridge_event_hook;

void bridge_set_event_hook(bridge_event_fn *fn)
{
	bridge_event_hook = fn;
}

void bridge_format_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void bridge_emit_link(struct bridge *b)
{
	char when[32];
	json_t *ev;

	if (!bridge_event_hook)
		return;
	bridge_format_time(b->since, when, sizeof(when));
	ev = json_pack("{s:s, s:s, s:s, s:s}", "event", "link", "name",
		       b->conf.name, "link", b->link_up ? "up" : "down",
		       "time", when);
	if (!ev)
		return;
	if (b->link_up)
		json_object_set_new(ev, "peer_name", json_string(b->peer_name));
	else
		json_object_set_new(ev, "reason", json_string(b->reason));
	bridge_event_hook(ev);
}

/* Copies peer names, queue counts and sizes from the library. */
static void bridge_read_details(struct bridge *b)
{
	memif_details_t md;
	char buf[4096];
	int r;

	memset(&md, 0, sizeof(md));
	r = memif_get_details(b->conn, &md, buf, sizeof(buf));
	if (r != MEMIF_ERR_SUCCESS) {
		log_debug("%s: memif_get_details: %s", b->conf.name,
			  memif_strerror(r));
		return;
	}
	if (md.remote_inst_name)
		snprintf(b->peer_name, sizeof(b->peer_name), "%s",
			 (char *)md.remote_inst_name);
	if (md.remote_if_name)
		snprintf(b->peer_if_name, sizeof(b->peer_if_name), "%s",
			 (char *)md.remote_if_name);
	if (md.error && *md.error)
		snprintf(b->reason, sizeof(b->reason), "%s", (char *)md.error);
	b->nrx = md.rx_queues_num;
	b->ntx = md.tx_queues_num;
	if (md.rx_queues_num && md.rx_queues) {
		b->ring_size = md.rx_queues[0].ring_size;
		if (md.rx_queues[0].buffer_size)
			b->buffer_size = md.rx_queues[0].buffer_size;
	}
	if (!b->buffer_size)
		b->buffer_size = b->conf.memif.buffer_size;
}

static int bridge_on_connect(memif_conn_handle_t conn, void *ctx)
{
	struct bridge *b = ctx;

	(void)conn;
	b->peer_name[0] = b->peer_if_name[0] = '\0';
	bridge_read_details(b);
	if (bridge_io_start(b)) {
		log_err("%s: out of memory for queues", b->conf.name);
		return 0;
	}
	b->link_up = true;
	b->since = time(NULL);
	b->ctr.link_ups++;
	b->port->ops->set_carrier(b->port, true);
	log_notice("%s: link up (peer %s, %s; %u rx, %u tx queues, ring %u, "
		   "buffer %u)", b->conf.name, b->peer_name, b->peer_if_name,
		   b->nrx, b->ntx, b->ring_size, b->buffer_size);
	bridge_emit_link(b);
	return 0;
}

static int bridge_on_disconnect(memif_conn_handle_t conn, void *ctx)
{
	struct bridge *b = ctx;
	bool was_up = b->link_up;

	(void)conn;
	bridge_read_details(b);
	if (b->host_error[0]) /* the host went: that is why */
		snprintf(b->reason, sizeof(b->reason), "%s", b->host_error);
	if (b->deleting && !was_up)
		return 0;
	if (!was_up) {
		log_debug("%s: connection attempt failed: %s", b->conf.name,
			  b->reason);
		return 0;
	}
	b->link_up = false;
	b->since = time(NULL);
	b->ctr.link_downs++;
	bridge_io_stop(b);
	if (b->port)
		b->port->ops->set_carrier(b->port, false);
	log_notice("%s: link down%s%s", b->conf.name, *b->reason ? ": " : "",
		   b->reason);
	bridge_emit_link(b);
	return 0;
}

static void bridge_fill_args(const struct bridge *b, memif_conn_args_t *a)
{
	const struct memif_conf *mc = &b->conf.memif;

	memset(a, 0, sizeof(*a));
	a->socket = b->sock;
	if (mc->has_secret)
		memcpy(a->secret, mc->secret, strlen(mc->secret));
	/* the master receives on s2m rings, the slave on m2s rings */
	a->num_s2m_rings = (uint8_t)(mc->is_master ? mc->rx_queues : mc->tx_queues);
	a->num_m2s_rings = (uint8_t)(mc->is_master ? mc->tx_queues : mc->rx_queues);
	a->buffer_size = (uint16_t)mc->buffer_size;
	for (unsigned s = mc->ring_size; s > 1; s >>= 1)
		a->log2_ring_size++;
	a->is_master = mc->is_master;
	a->interface_id = mc->id;
	snprintf((char *)a->interface_name, sizeof(a->interface_name), "%s",
		 b->conf.name);
	a->mode = mc->mode == MM_IP ? MEMIF_INTERFACE_MODE_IP
				    : MEMIF_INTERFACE_MODE_ETHERNET;
}

/* A master's socket directory must exist (one missing level is made); a
 * slave only warns, as its peer may make it later. */
static int bridge_memif_check(struct bridge *b, char *err, size_t errlen)
{
	const struct memif_conf *mc = &b->conf.memif;
	char why[CONF_PATH_MAX + 64];

	if (mc->is_master && mc->socket[0] == '/')
		mif_mkdir_parent(mc->socket);
	if (!mif_socket_dir_check(mc->socket, why, sizeof(why)))
		return 0;
	if (!mc->is_master) {
		log_warn("%s: %s (yet): connecting every second", b->conf.name, why);
		return 0;
	}
	snprintf(err, errlen, "memif socket %s: %s", mc->socket, why);
	return -EIO;
}

/* Creates the memif interface on b->sock (and sets its socket file's
 * owner and mode: libcore binds it again after its last interface went). */
static int bridge_memif_create(struct bridge *b, char *err, size_t errlen)
{
	const struct memif_conf *mc = &b->conf.memif;
	memif_conn_args_t args;
	char why[256];
	int saved, r;

	r = netns_enter(mc->netns, &saved);
	if (r) {
		snprintf(err, errlen, "netns %s: %s", mc->netns, strerror(-r));
		return -EIO;
	}
	bridge_fill_args(b, &args);
	/* no interrupt callback: the data path watches the queues' eventfds
	 * itself, in the loop of the thread that serves each queue */
	r = memif_create(&b->conn, &args, bridge_on_connect,
			 bridge_on_disconnect, NULL, b);
	netns_leave(saved);
	if (r != MEMIF_ERR_SUCCESS) {
		b->conn = NULL;
		snprintf(err, errlen, "memif %s id %u: %s", mc->socket, mc->id,
			 memif_strerror(r));
		return -EIO;
	}
	if (mc->is_master && mif_socket_chown(mc, why, sizeof(why))) {
		snprintf(err, errlen, "memif socket %s: %s", mc->socket, why);
		return -EIO;
	}
	return 0;
}

static int bridge_memif_open(struct bridge *b, char *err, size_t errlen)
{
	const struct memif_conf *mc = &b->conf.memif;
	int r;

	r = mif_socket_get(mc->socket, mc->netns, mc->is_master, &b->sock);
	if (r != MEMIF_ERR_SUCCESS) {
		snprintf(err, errlen, "memif socket %s: %s", mc->socket,
			 memif_strerror(r));
		return -EIO;
	}
	return bridge_memif_create(b, err, errlen);
}

/* A queue pair of the memif side for each queue of the host port. */
static unsigned bridge_host_queues(const struct bridge *b)
{
	const struct memif_conf *mc = &b->conf.memif;

	return mc->rx_queues > mc->tx_queues ? mc->rx_queues : mc->tx_queues;
}

static void bridge_port_close(struct bridge *b)
{
	bridge_io_host_detach(b);
	port_close(b->port);
	b->port = NULL;
}

static int bridge_port_open(struct bridge *b, char *err, size_t errlen)
{
	const struct host_conf *hc = &b->conf.host;
	int r;

	r = port_open(hc, b->conf.memif.mode == MM_IP, b->host_attach_only,
		      bridge_host_queues(b), &b->port, err, errlen);
	if (r) /* EPERM: a file outside control.pcap_dir (confine.h) */
		return r == -EPERM || r == -ENOSYS || r == -ENOMEM ? r : -EIO;
	r = bridge_io_host_attach(b);
	if (r) {
		snprintf(err, errlen, "watching %s: %s", hc->name, strerror(-r));
		bridge_port_close(b);
	}
	return r;
}

/* A port another bridge had: only the watching is new. */
static int bridge_port_adopt(struct bridge *b, char *err, size_t errlen)
{
	int r = bridge_io_host_attach(b);

	if (r) {
		snprintf(err, errlen, "watching %s: %s", b->conf.host.name,
			 strerror(-r));
		bridge_port_close(b);
	}
	return r;
}

struct port *bridge_take_port(struct bridge *b, const struct bridge_conf *nb)
{
	struct port *p = b->port;

	if (!p || p->dead || (strcmp(nb->host.type, "tap") &&
			      strcmp(nb->host.type, "pcap-live")) ||
	    !config_host_equal(&b->conf.host, &nb->host) ||
	    b->conf.memif.mode != nb->memif.mode ||
	    bridge_host_queues(b) != (nb->memif.rx_queues > nb->memif.tx_queues
					      ? nb->memif.rx_queues : nb->memif.tx_queues))
		return NULL;
	bridge_io_host_detach(b);
	p->ops->set_carrier(p, false);
	b->port = NULL;
	return p;
}

int bridge_new(struct loop *l, const struct bridge_conf *bc, bool from_config,
	       struct port *port, struct bridge **out, char *err, size_t errlen)
{
	static unsigned next_first; /* the first lanes rotate over the workers */
	struct bridge *b = calloc(1, sizeof(*b));
	int r = 0;

	if (!b) {
		port_close(port);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	b->conf = *bc;
	b->from_config = from_config;
	b->loop = l;
	b->since = time(NULL);
	b->connect_err = -1;
	b->max_to_host = bc->host.mtu ? bc->host.mtu +
			 (bc->memif.mode == MM_ETHERNET ? 18 : 0) : UINT_MAX;
	b->first_worker = next_first++;
	b->port = port;
	workers_park();
	r = bridge_memif_check(b, err, errlen);
	if (!r)
		r = port ? bridge_port_adopt(b, err, errlen)
			 : bridge_port_open(b, err, errlen);
	if (!r)
		r = bridge_memif_open(b, err, errlen);
	workers_release();
	if (r)
		goto fail;
	log_info("%s: %s on %s id %u <-> %s %s", bc->name,
		 bc->memif.is_master ? "master" : "slave", bc->memif.socket,
		 bc->memif.id, bc->host.type, bc->host.name);
	*out = b;
	return 0;
fail:
	bridge_free(b);
	return r;
}

static void bridge_release(void *arg)
{
	struct bridge *b = arg;

	free(b->rxq);
	free(b->txq);
	free(b);
}

int bridge_capture_start(struct bridge *b, const char *file,
			 const struct confine *cf, const char *filter, int dir, unsigned long long count, char *err,
			 size_t errlen)
{
	struct capture *c;
	int r;

	bool busy;

	capture_lock();
	busy = b->cap && capture_active(b->cap);
	capture_unlock();
	if (busy) {
		snprintf(err, errlen, "a capture of %s is running (stop it "
			 "first)", b->conf.name);
		return -EBUSY;
	}
	r = capture_new(file, cf, filter, (enum capture_dir)dir, count,
			b->conf.memif.mode == MM_IP, &c, err, errlen);
	if (r)
		return r;
	capture_lock();
	capture_free(b->cap);
	b->cap = c;
	capture_unlock();
	log_info("%s: capture into %s started", b->conf.name, file);
	return 0;
}

int bridge_capture_stop(struct bridge *b, json_t **final)
{
	if (!b->cap)
		return -ENOENT;
	capture_lock();
	*final = capture_to_json(b->cap);
	capture_free(b->cap);
	b->cap = NULL;
	capture_unlock();
	log_info("%s: capture stopped", b->conf.name);
	return 0;
}

int bridge_stream_start(struct bridge *b, int fd, const char *filter, int dir,
			unsigned long long count, const struct capture_owner *own,
			char *err, size_t errlen)
{
	struct capture *c;
	int r = capture_stream_new(b->loop, fd, filter, (enum capture_dir)dir,
				   count, b->conf.memif.mode == MM_IP, own, &c,
				   err, errlen);

	if (r)
		return r;
	capture_lock();
	*capture_next(c) = b->streams;
	b->streams = c;
	capture_unlock();
	log_info("%s: capture stream started", b->conf.name);
	return 0;
}

/* The link that points at the first stream of owner (any when NULL) that
 * has ended (when ended), or at NULL. */
static struct capture **stream_find(struct bridge *b, void *owner, bool ended)
{
	struct capture **p;

	for (p = &b->streams; *p; p = capture_next(*p))
		if ((!owner || capture_stream_owner(*p) == owner) &&
		    (!ended || capture_stream_ended(*p)))
			break;
	return p;
}

int bridge_stream_stop(struct bridge *b, void *owner, json_t **state)
{
	struct capture **p;
	int r = -ENOENT;

	capture_lock();
	p = stream_find(b, owner, false);
	if (*p) {
		capture_stream_stop(*p);
		*state = capture_to_json(*p);
		r = 0;
	}
	capture_unlock();
	return r;
}

json_t *bridge_stream_reap(struct bridge *b, void **owner)
{
	struct capture **p, *c;
	json_t *j;

	capture_lock();
	p = stream_find(b, NULL, true);
	c = *p;
	if (!c) {
		capture_unlock();
		return NULL;
	}
	*p = *capture_next(c);
	*owner = capture_stream_owner(c);
	j = capture_to_json(c);
	capture_free(c);
	capture_unlock();
	log_info("%s: capture stream ended (%s)", b->conf.name,
		 json_string_value(json_object_get(j, "state")));
	return j;
}

struct capture *bridge_stream_detach(struct bridge *b)
{
	struct capture *list;

	capture_lock(); /* a worker may be offering a frame to them */
	list = b->streams;
	b->streams = NULL;
	capture_unlock();
	return list;
}

void bridge_stream_drop(struct bridge *b, void *owner)
{
	struct capture **p, *c;

	capture_lock();
	while (*(p = stream_find(b, owner, false))) {
		c = *p;
		*p = *capture_next(c);
		capture_free(c);
	}
	capture_unlock();
}

void bridge_free(struct bridge *b)
{
	int r;

	if (!b)
		return;
	workers_park();
	b->deleting = true;
	if (b->conn) {
		r = memif_delete(&b->conn);
		if (r != MEMIF_ERR_SUCCESS)
			log_warn("%s: memif_delete: %s", b->conf.name,
				 memif_strerror(r));
	}
	bridge_io_stop(b);
	capture_lock();
	capture_free(b->cap);
	b->cap = NULL;
	capture_unlock();
	bridge_stream_drop(b, NULL);
	if (b->sock)
		mif_socket_put(b->sock);
	bridge_port_close(b);
	workers_release();
	loop_defer(b->loop, bridge_release, b);
}

void bridge_workers_detach(struct bridge *b)
{
	bridge_io_detach(b);
}

void bridge_workers_attach(struct bridge *b)
{
	int r = bridge_io_attach(b);

	if (r)
		log_err("%s: watching the queues: %s", b->conf.name, strerror(-r));
}

const struct bridge_conf *bridge_get_conf(const struct bridge *b)
{
	return &b->conf;
}

bool bridge_from_config(const struct bridge *b)
{
	return b->from_config;
}

bool bridge_is_up(const struct bridge *b)
{
	return b->link_up;
}

/* The host device vanished (deleted from outside, or its namespace went):
 * the memif side goes down with that reason and the port is closed;
 * bridge_host_retry opens it again. */
static void bridge_host_lost(struct bridge *b)
{
	const struct host_conf *hc = &b->conf.host;
	int r;

	b->host_attach_only = !b->port->created;
	b->host_retries = 0;
	b->ctr.host_losses++;
	snprintf(b->host_error, sizeof(b->host_error), "host %s %s was deleted",
		 hc->type, hc->name);
	log_warn("%s: %s: bridge down, %s", b->conf.name, b->host_error,
		 b->host_attach_only ? "waiting for it to come back"
				     : "making it again every second");
	bridge_fold_bad_desc(b);
	if (b->conn) {
		r = memif_delete(&b->conn); /* the peer gets a DISCONNECT */
		if (r != MEMIF_ERR_SUCCESS)
			log_warn("%s: memif_delete: %s", b->conf.name,
				 memif_strerror(r));
	}
	snprintf(b->reason, sizeof(b->reason), "%s", b->host_error);
	bridge_port_close(b);
}

/* Once a second while the host device is gone. */
static void bridge_host_retry(struct bridge *b)
{
	char err[256];

	/* its old fd not closed yet: opening would wait for that, holding
	 * up the loop; the next second will do */
	if (port_tap_removing(&b->conf.host)) {
		log_debug("%s: the old %s is still being closed", b->conf.name,
			  b->conf.host.name);
		return;
	}
	if (bridge_port_open(b, err, sizeof(err))) {
		if (!b->host_retries++ && !b->host_attach_only)
			log_warn("%s: %s (retrying every second)", b->conf.name, err);
		else
			log_debug("%s: %s", b->conf.name, err);
		return;
	}
	if (bridge_memif_create(b, err, sizeof(err))) {
		log_warn("%s: %s (retrying every second)", b->conf.name, err);
		if (b->conn)
			memif_delete(&b->conn);
		bridge_port_close(b);
		return;
	}
	log_notice("%s: host %s %s is back (%s): bridge up again", b->conf.name,
		   b->conf.host.type, b->conf.host.name,
		   b->port->created ? "made again" : "attached to");
	b->host_error[0] = '\0';
}

/* A peer refused during the handshake (wrong secret, id or mode) leaves
 * its reason on the interface, with no callback: show and log it. */
static void bridge_check_refusal(struct bridge *b)
{
	char old[sizeof(b->reason)];

	if (b->link_up || !b->conn)
		return;
	memcpy(old, b->reason, sizeof(old));
	bridge_read_details(b);
	if (strcmp(old, b->reason))
		log_info("%s: connection refused: %s", b->conf.name, b->reason);
}

void bridge_tick(struct bridge *b)
{
	int saved, r;

	if (b->port && b->port->ops->tick)
		b->port->ops->tick(b->port);
	if (b->port && b->port->dead && b->port->ops->recover) {
		workers_park();
		bridge_host_lost(b);
		workers_release();
	} else if (!b->port && !b->deleting) {
		workers_park();
		bridge_host_retry(b);
		workers_release();
	}
	bridge_check_refusal(b);
	if (b->link_up || b->conf.memif.is_master || !b->conn)
		return;
	r = netns_enter(b->conf.memif.netns, &saved);
	if (r) {
		b->connect_err = r;
		return;
	}
	r = memif_request_connection(b->conn);
	netns_leave(saved);
	if (r != MEMIF_ERR_ALRCONN)
		b->connect_err = r;
	if (r != MEMIF_ERR_SUCCESS && r != MEMIF_ERR_ALRCONN)
		log_debug("%s: connect: %s", b->conf.name, memif_strerror(r));
}
