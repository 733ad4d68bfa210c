/*
 * metrics.c - the bridges' counters and state as Prometheus text or
 * OpenMetrics, and the endpoint that serves them.
 *
 * Counters are the totals since a bridge was made (bridge_counters_total):
 * `stats reset` does not touch them, so a scraper sees them only grow.
 */
#include "bridge.h"
#include "http.h"
#include "log.h"
#include "memifd.h"
#include "metrics.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libmemif.h>

struct metrics {
	struct http_server *http;
	char listen[CONF_PATH_MAX];
};

static struct metrics *metrics_of(struct memifd *d)
{
	return d->metrics;
}

/* ---- the families ------------------------------------------------------- */

enum fam_kind {
	FK_DIR,	   /* per direction: a struct dir_counters field */
	FK_DROP,   /* per direction and reason: the drop_reasons */
	FK_BRIDGE, /* a struct bridge_counters field */
	FK_GAUGE,  /* a struct bridge_gauges field */
};

static const struct family {
	const char *name; /* the family; counters' samples add _total */
	enum fam_kind kind;
	size_t off;
	const char *help;
} families[] = {
	{ "memifd_packets", FK_DIR, offsetof(struct dir_counters, packets),
	  "Frames delivered (direction to_host: memif to host, to_memif: host to memif)" },
	{ "memifd_bytes", FK_DIR, offsetof(struct dir_counters, bytes),
	  "Bytes of the frames delivered" },
	{ "memifd_errors", FK_DIR, offsetof(struct dir_counters, errors),
	  "Frames lost to a failed read, write or burst" },
	{ "memifd_drops", FK_DROP, 0, "Frames dropped, by reason" },
	{ "memifd_blocked", FK_DIR, offsetof(struct dir_counters, blocked),
	  "Times the host port was full and frames waited in the memif ring (not lost)" },
	{ "memifd_link_ups", FK_BRIDGE, offsetof(struct bridge_counters, link_ups),
	  "Times the memif link came up" },
	{ "memifd_link_downs", FK_BRIDGE, offsetof(struct bridge_counters, link_downs),
	  "Times the memif link went down" },
	{ "memifd_host_losses", FK_BRIDGE, offsetof(struct bridge_counters, host_losses),
	  "Times the host device vanished and the bridge went down" },
	{ "memifd_link_up", FK_GAUGE, offsetof(struct bridge_gauges, link_up),
	  "1 while the memif link is up" },
	{ "memifd_host_up", FK_GAUGE, offsetof(struct bridge_gauges, host_up),
	  "1 while the host device is up" },
	{ "memifd_rx_queues", FK_GAUGE, offsetof(struct bridge_gauges, rx_queues),
	  "Receive queues negotiated (0 while the link is down)" },
	{ "memifd_tx_queues", FK_GAUGE, offsetof(struct bridge_gauges, tx_queues),
	  "Transmit queues negotiated (0 while the link is down)" },
	{ "memifd_rx_polling_queues", FK_GAUGE, offsetof(struct bridge_gauges, rx_polling),
	  "Receive queues being busy-polled now" },
};

static const struct {
	const char *name;
	size_t off;
	bool to_host_only;
} drop_reasons[] = {
	{ "ring_full", offsetof(struct dir_counters, ring_full), false },
	{ "host_full", offsetof(struct dir_counters, host_full), false },
	{ "oversize", offsetof(struct dir_counters, oversize), false },
	{ "peer_down", offsetof(struct dir_counters, peer_down), false },
	{ "bad_desc", offsetof(struct dir_counters, bad_desc), true },
};

static const char *const dir_names[] = { "to_host", "to_memif" };

/* What one bridge shows, taken once per scrape. */
struct snap {
	char labels[1024]; /* bridge="..",role="..",socket="..",id="..",host=".." */
	struct bridge_counters ctr;
	struct bridge_gauges g;
};

/* ---- rendering ---------------------------------------------------------- */

static void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* The host label: TYPE:NAME as memifctl's table shows it. */
static void host_label(const struct host_conf *hc, char *buf, size_t n)
{
	if (hc->htype == HT_PCAP_FILE)
		snprintf(buf, n, "pcap-file:%s%s%s", base_name(hc->read),
			 hc->read[0] && hc->write[0] ? "," : "", base_name(hc->write));
	else
		snprintf(buf, n, "%s:%s", hc->type, hc->name);
}

static void snap_labels(struct snap *s, const struct bridge_conf *bc)
{
	char host[2 * CONF_FILE_MAX + 16], *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return;
	host_label(&bc->host, host, sizeof(host));
	fprintf(f, "bridge=\"%s\",role=\"%s\",socket=\"", bc->name,
		bc->memif.is_master ? "master" : "slave");
	put_escaped(f, bc->memif.socket);
	fprintf(f, "\",id=\"%u\",host=\"", bc->memif.id);
	put_escaped(f, host);
	fputc('"', f);
	fclose(f);
	snprintf(s->labels, sizeof(s->labels), "%s", buf ? buf : "");
	free(buf);
}

static uint64_t field(const void *base, size_t off)
{
	return *(const uint64_t *)((const char *)base + off);
}

static void family_head(FILE *f, const struct family *fam, bool om)
{
	bool counter = fam->kind != FK_GAUGE;

	fprintf(f, "# HELP %s%s %s\n", fam->name, counter && !om ? "_total" : "",
		fam->help);
	fprintf(f, "# TYPE %s%s %s\n", fam->name, counter && !om ? "_total" : "",
		counter ? "counter" : "gauge");
}

static void family_bridge(FILE *f, const struct family *fam, const struct snap *s)
{
	const struct dir_counters *dc[2] = { &s->ctr.to_host, &s->ctr.to_memif };

	for (int d = 0; d < 2; d++) {
		for (size_t r = 0; fam->kind == FK_DROP &&
				   r < sizeof(drop_reasons) / sizeof(drop_reasons[0]); r++) {
			if (!d || !drop_reasons[r].to_host_only)
				fprintf(f, "%s_total{%s,direction=\"%s\",reason=\"%s\"} %llu\n",
					fam->name, s->labels, dir_names[d], drop_reasons[r].name,
					(unsigned long long)field(dc[d], drop_reasons[r].off));
		}
		if (fam->kind == FK_DIR)
			fprintf(f, "%s_total{%s,direction=\"%s\"} %llu\n", fam->name,
				s->labels, dir_names[d],
				(unsigned long long)field(dc[d], fam->off));
	}
	if (fam->kind == FK_BRIDGE)
		fprintf(f, "%s_total{%s} %llu\n", fam->name, s->labels,
			(unsigned long long)field(&s->ctr, fam->off));
	if (fam->kind == FK_GAUGE)
		fprintf(f, "%s{%s} %u\n", fam->name, s->labels,
			*(const unsigned *)((const char *)&s->g + fam->off));
}

static void render_daemon(FILE *f, struct memifd *d, bool om)
{
	uint16_t v = memif_get_version();

	fprintf(f, "# HELP memifd_build%s memifd's version, libmemif API and memif protocol\n"
		"# TYPE memifd_build%s %s\n"
		"memifd_build_info{version=\"%s\",libmemif=\"%s\",protocol=\"%u.%u\"} 1\n",
		om ? "" : "_info", om ? "" : "_info", om ? "info" : "gauge",
		MEMIFD_VERSION, LIBMEMIF_VERSION, v >> 8, v & 0xff);
	fprintf(f, "# HELP memifd_start_time_seconds When memifd started (Unix time)\n"
		"# TYPE memifd_start_time_seconds gauge\n"
		"memifd_start_time_seconds %lld\n", (long long)d->started);
	fprintf(f, "# HELP memifd_bridges Bridges that exist\n"
		"# TYPE memifd_bridges gauge\nmemifd_bridges %zu\n", d->n_bridges);
}

char *metrics_render(struct memifd *d, bool om, size_t *len)
{
	struct snap *snaps = calloc(d->n_bridges + 1, sizeof(*snaps));
	char *buf = NULL;
	FILE *f;

	if (!snaps)
		return NULL;
	for (size_t i = 0; i < d->n_bridges; i++) {
		snap_labels(&snaps[i], bridge_get_conf(d->bridges[i]));
		bridge_counters_total(d->bridges[i], &snaps[i].ctr);
		bridge_get_gauges(d->bridges[i], &snaps[i].g);
	}
	f = open_memstream(&buf, len);
	if (f) {
		render_daemon(f, d, om);
		for (size_t k = 0; k < sizeof(families) / sizeof(families[0]); k++) {
			family_head(f, &families[k], om);
			for (size_t i = 0; i < d->n_bridges; i++)
				family_bridge(f, &families[k], &snaps[i]);
		}
		if (om)
			fputs("# EOF\n", f);
		fclose(f);
	}
	free(snaps);
	return buf;
}

/* ---- the endpoint ------------------------------------------------------- */

/* OpenMetrics when the Accept header prefers it to the text format. */
static bool wants_openmetrics(const char *accept)
{
	double om = http_accept_q(accept, "application/openmetrics-text");
	double text = http_accept_q(accept, "text/plain");

	return om > 0 && om >= text;
}

static void metrics_serve(void *ctx, const struct http_request *req,
			  struct http_reply *rep)
{
	static const char index_page[] = "memifd: the metrics are at /metrics\n";
	struct memifd *d = ctx;
	bool om = wants_openmetrics(req->accept);

	rep->type = "text/plain; charset=utf-8";
	if (!strcmp(req->path, "/")) {
		rep->status = 200;
		rep->body = strdup(index_page);
		rep->len = rep->body ? sizeof(index_page) - 1 : 0;
		return;
	}
	if (strcmp(req->path, "/metrics")) {
		rep->status = 404;
		rep->body = strdup("404 Not Found: try /metrics\n");
		rep->len = rep->body ? strlen(rep->body) : 0;
		return;
	}
	rep->body = metrics_render(d, om, &rep->len);
	rep->status = rep->body ? 200 : 500;
	rep->type = om ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
		       : "text/plain; version=0.0.4; charset=utf-8";
}

static int metrics_open(struct memifd *d, const char *addr, char *err, size_t len)
{
	struct metrics *m = metrics_of(d);
	struct http_server *h;
	int r;

	if (!m && !(m = d->metrics = calloc(1, sizeof(*m)))) {
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	r = http_open(d->loop, addr, metrics_serve, d, &h, err, len);
	if (r == -EADDRINUSE && m->http) {
		/* the new address overlaps the old one: let it go first */
		http_close(m->http);
		m->http = NULL;
		r = http_open(d->loop, addr, metrics_serve, d, &h, err, len);
		if (r && http_open(d->loop, m->listen, metrics_serve, d, &m->http,
				   err + strlen(err), len - strlen(err)))
			m->listen[0] = '\0';
	}
	if (r)
		return r;
	http_close(m->http);
	m->http = h;
	snprintf(m->listen, sizeof(m->listen), "%s", addr);
	log_notice("metrics: serving http://%s/metrics", addr);
	return 0;
}

int metrics_apply(struct memifd *d, char *err, size_t len)
{
	const char *want = d->cfg->metrics.listen;
	struct metrics *m = metrics_of(d);

	if (m && m->http && !strcmp(m->listen, want))
		return 0;
	if (!want[0]) {
		if (m && m->http)
			log_notice("metrics: endpoint %s closed", m->listen);
		metrics_close(d);
		return 0;
	}
	return metrics_open(d, want, err, len);
}

void metrics_reload(struct memifd *d, json_t *diff)
{
	struct metrics *m = metrics_of(d);
	bool same = m && m->http ? !strcmp(m->listen, d->cfg->metrics.listen)
				 : !d->cfg->metrics.listen[0];
	char err[512] = "";
	const char *now;

	if (same)
		return;
	if (metrics_apply(d, err, sizeof(err)))
		log_err("reload: metrics.listen %s", err);
	m = metrics_of(d);
	now = m && m->http ? m->listen : NULL;
	json_object_set_new(diff, "metrics", json_pack("{s:s?}", "listen", now));
	if (err[0])
		json_object_set_new(json_object_get(diff, "metrics"), "error",
				    json_string(err));
}

void metrics_close(struct memifd *d)
{
	struct metrics *m = metrics_of(d);

	if (!m)
		return;
	http_close(m->http);
	free(m);
	d->metrics = NULL;
}
