/* output.c - the one rendering path of memifctl: each reply is printed by
 * the text renderer of its command, or as JSON (-j). */
#include "output.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#ifndef MEMIFD_VERSION
#define MEMIFD_VERSION "0.0.0"
#endif

/* ---- JSON helpers ------------------------------------------------------ */

/* The member at a dotted PATH ("state.link"), or NULL. */
static const json_t *jget(const json_t *o, const char *path)
{
	char key[64];

	while (o && *path) {
		size_t n = strcspn(path, ".");

		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		o = json_object_get(o, key);
		path += n + (path[n] == '.');
	}
	return o;
}

/* PATH as text in BUF: strings as they are, numbers, yes/no; "-" if absent,
 * null or empty. */
static const char *jtext(const json_t *o, const char *path, char *buf, size_t n)
{
	const json_t *v = jget(o, path);

	if (json_is_string(v) && json_string_length(v))
		return json_string_value(v);
	if (json_is_integer(v))
		snprintf(buf, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, n, "%g", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, n, "%s", json_is_true(v) ? "yes" : "no");
	else
		snprintf(buf, n, "-");
	return buf;
}

#define JT(o, path, buf) jtext((o), (path), (buf), sizeof(buf))

/* "3d 4h", "2h 3m", "4m 10s", "12s". */
static void fmt_duration(char *buf, size_t n, long long s)
{
	if (s < 0)
		s = 0;
	if (s >= 86400)
		snprintf(buf, n, "%lldd %lldh", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(buf, n, "%lldh %lldm", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		snprintf(buf, n, "%lldm %llds", s / 60, s % 60);
	else
		snprintf(buf, n, "%llds", s);
}

/* ---- aligned tables ------------------------------------------------------ */

struct tab {
	size_t ncol;
	unsigned right;		/* bit i: column i is right-aligned */
	struct strv cells;	/* row after row */
};

static void tab_add(struct tab *t, const char *cell)
{
	strv_push(&t->cells, cell ? cell : "-");
}

static void tab_addf(struct tab *t, json_int_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, v);
	tab_add(t, buf);
}

static void tab_print(struct tab *t, FILE *fp, const char *indent)
{
	size_t w[16] = { 0 };

	for (size_t i = 0; i < t->cells.n; i++) {
		size_t len = strlen(t->cells.v[i]), c = i % t->ncol;

		if (c < 16 && len > w[c])
			w[c] = len;
	}
	for (size_t i = 0; i < t->cells.n; i++) {
		size_t c = i % t->ncol;
		const char *s = t->cells.v[i];
		int width = c < 16 ? (int)w[c] : 0;

		if (c == 0)
			fputs(indent, fp);
		if (t->right & (1u << c))
			fprintf(fp, "%*s", width, s);
		else if (c + 1 == t->ncol)
			fputs(s, fp);
		else
			fprintf(fp, "%-*s", width, s);
		fputs(c + 1 == t->ncol ? "\n" : "  ", fp);
	}
	strv_free(&t->cells);
}

/* ---- pieces shared by several commands ------------------------------------ */

/* Key-value lines of any object, nested objects indented. */
static void print_kv(FILE *fp, const json_t *obj, int indent)
{
	const char *key;
	json_t *v;
	char buf[64];

	json_object_foreach((json_t *)obj, key, v) {
		if (json_is_object(v)) {
			fprintf(fp, "%*s%s:\n", indent, "", key);
			print_kv(fp, v, indent + 2);
		} else if (json_is_array(v)) {
			char *s = json_dumps(v, JSON_COMPACT);

			fprintf(fp, "%*s%s: %s\n", indent, "", key, s ? s : "");
			free(s);
		} else {
			fprintf(fp, "%*s%s: %s\n", indent, "", key, jtext(v, "", buf, sizeof(buf)));
		}
	}
}

/* The counters table: one row per direction, one column per drop reason. */
static void print_counters(FILE *fp, const json_t *c, const char *indent)
{
	static const char *const dirs[] = { "to_host", "to_memif" };
	const json_t *drops = jget(c, "to_host.drops");
	struct tab t = { .right = ~1u };
	const char *key;
	json_t *v;

	t.ncol = 4 + json_object_size(drops);
	tab_add(&t, "");
	tab_add(&t, "packets");
	tab_add(&t, "bytes");
	tab_add(&t, "errors");
	json_object_foreach((json_t *)drops, key, v)
		tab_add(&t, key);
	for (size_t d = 0; d < 2; d++) {
		const json_t *dc = json_object_get(c, dirs[d]);

		tab_add(&t, d ? "to memif" : "to host");
		tab_addf(&t, json_integer_value(json_object_get(dc, "packets")));
		tab_addf(&t, json_integer_value(json_object_get(dc, "bytes")));
		tab_addf(&t, json_integer_value(json_object_get(dc, "errors")));
		json_object_foreach((json_t *)drops, key, v)
			tab_addf(&t, json_integer_value(jget(dc, "drops") ?
				 json_object_get(jget(dc, "drops"), key) : NULL));
	}
	tab_print(&t, fp, indent);
}

/* "NAME, NAME" or "-" for an array of names. */
static void print_names(FILE *fp, const char *label, const json_t *arr)
{
	size_t i;
	json_t *v;

	fprintf(fp, "%-10s", label);
	if (!json_array_size(arr))
		fputs(" -", fp);
	json_array_foreach(arr, i, v)
		fprintf(fp, "%s%s", i ? ", " : " ", json_string_value(v) ? json_string_value(v) : "?");
	fputc('\n', fp);
}

/* ---- one bridge in detail, as VPP's "show memif" ------------------------- */

static void detail_link(const struct out *o, const json_t *b)
{
	const json_t *since = jget(b, "state.since_epoch");
	char a[64], c[64], d[32];

	fprintf(o->fp, "  %-17s%s", "link:", JT(b, "state.link", a));
	if (jget(b, "state.since") || since) {
		fprintf(o->fp, " since %s", JT(b, "state.since", c));
		if (json_is_integer(since)) {
			fmt_duration(d, sizeof(d), (long long)o->now -
				     (long long)json_integer_value(since));
			fprintf(o->fp, " (%s ago)", d);
		}
	}
	fprintf(o->fp, ", %s ups, %s downs\n", JT(b, "counters.link_ups", a),
		JT(b, "counters.link_downs", c));
	fprintf(o->fp, "  %-17s%s", "peer:", JT(b, "state.peer_name", a));
	if (json_string_length(jget(b, "state.peer_if_name")))
		fprintf(o->fp, ", interface %s", JT(b, "state.peer_if_name", a));
	fputc('\n', o->fp);
	if (!json_string_length(jget(b, "state.disconnect_reason")))
		fprintf(o->fp, "  %-17s%s\n", "last disconnect:",
			JT(b, "counters.last_disconnect_reason", a));
	else
		fprintf(o->fp, "  %-17s%s\n", "last disconnect:",
			JT(b, "state.disconnect_reason", a));
	if (json_is_object(jget(b, "state.diagnosis"))) {
		char m[512];

		fprintf(o->fp, "  %-17s%s\n", "why down:",
			JT(b, "state.diagnosis.message", m));
		if (json_string_length(jget(b, "state.diagnosis.hint")))
			fprintf(o->fp, "  %-17s%s\n", "what to do:",
				JT(b, "state.diagnosis.hint", m));
	}
}

/* Negotiated value when the link is up, else the configured one. */
static const char *detail_geom(const json_t *b, const char *key, char *buf, size_t n)
{
	char path[64];

	snprintf(path, sizeof(path), "state.%s", key);
	if (json_is_integer(jget(b, path)) && json_integer_value(jget(b, path)))
		return jtext(b, path, buf, n);
	snprintf(path, sizeof(path), "memif.%s", key);
	return jtext(b, path, buf, n);
}

/* ", netns NS" when PATH names a namespace; ends the line. */
static void detail_netns(FILE *fp, const json_t *b, const char *path)
{
	const json_t *ns = jget(b, path);

	if (json_string_length(ns))
		fprintf(fp, ", netns %s", json_string_value(ns));
	fputc('\n', fp);
}

/* "LABEL  MSG" when MSG is a non-empty string. */
static void detail_error(FILE *fp, const char *label, const json_t *msg)
{
	if (json_string_length(msg))
		fprintf(fp, "  %-17s%s\n", label, json_string_value(msg));
}

/* ", filter "EXPR"" or ", filter all" (null: every frame). */
static void print_filter(FILE *fp, const json_t *filter)
{
	if (json_string_length(filter))
		fprintf(fp, ", filter \"%s\"", json_string_value(filter));
	else
		fputs(", filter all", fp);
}

/* While the interface is gone memifd knows only its name and state. */
static void detail_pcap_live(FILE *fp, const json_t *b)
{
	char a[64], c[64];

	fprintf(fp, "  %-17spcap-live %s, state %s", "host:", JT(b, "host.name", a),
		JT(b, "state.host_state", c));
	if (jget(b, "host.promisc"))
		fprintf(fp, ", promisc %s", JT(b, "host.promisc", a));
	if (jget(b, "host.filter"))
		print_filter(fp, jget(b, "host.filter"));
	if (jget(b, "host.snaplen"))
		fprintf(fp, ", snaplen %s", JT(b, "host.snaplen", a));
	detail_netns(fp, b, "host.netns");
}

/* True when the number at path is there and not 0. */
static bool nonzero(const json_t *o, const char *path)
{
	const json_t *v = jget(o, path);

	return json_is_integer(v) && json_integer_value(v);
}

/* "N" or NONE when the number is 0 (no limit). */
static const char *limit_text(const json_t *o, const char *key, const char *none,
			      char *buf, size_t n)
{
	const json_t *v = json_object_get(o, key);

	return json_is_integer(v) && !json_integer_value(v) ? none : jtext(v, "", buf, n);
}

static void detail_replay(FILE *fp, const json_t *r)
{
	char a[256], c[64], d[64];
	const char *timing = JT(r, "timing", c);

	fprintf(fp, "  %-17s%s, %s frames, ", "read:", JT(r, "file", a), JT(r, "frames", d));
	if (!strcmp(timing, "pps") || !strcmp(timing, "mbps"))
		fprintf(fp, "rate %s %s", JT(r, "rate", a), timing);
	else
		fprintf(fp, "timing %s", timing);
	fprintf(fp, ", loop %s\n", limit_text(r, "loop", "forever", a, sizeof(a)));
	fprintf(fp, "  %-17s%s, %s sent", "replay:", JT(r, "state", a), JT(r, "sent", c));
	if (nonzero(r, "truncated"))
		fprintf(fp, " (%s truncated)", JT(r, "truncated", c));
	if (jget(r, "drops.oversize"))
		fprintf(fp, ", %s dropped%s", JT(r, "drops.oversize", c),
			nonzero(r, "drops.oversize") ? " (oversize)" : "");
	fprintf(fp, ", %s passes done", JT(r, "passes", d));
	if (json_string_length(json_object_get(r, "error")))
		fprintf(fp, ": %s", JT(r, "error", a));
	fputc('\n', fp);
}

static void detail_record(FILE *fp, const json_t *w)
{
	char a[256], c[64], d[64], e[64];
	const char *files;

	fprintf(fp, "  %-17s%s, max packets %s, max bytes %s, keep files %s\n", "write:",
		JT(w, "file", a), limit_text(w, "max_packets", "no limit", c, sizeof(c)),
		limit_text(w, "max_bytes", "no limit", d, sizeof(d)), JT(w, "keep_files", e));
	files = JT(w, "files", e);
	fprintf(fp, "  %-17s%s, %s frames, %s bytes, %s file%s", "record:",
		JT(w, "state", a), JT(w, "packets", c), JT(w, "bytes", d), files,
		strcmp(files, "1") ? "s" : "");
	if (nonzero(w, "truncated"))
		fprintf(fp, ", %s truncated", JT(w, "truncated", c));
	if (json_string_length(json_object_get(w, "error")))
		fprintf(fp, ": %s", JT(w, "error", a));
	fputc('\n', fp);
}

static void detail_pcap_file(FILE *fp, const json_t *b)
{
	char a[64];

	fprintf(fp, "  %-17spcap-file, state %s", "host:", JT(b, "state.host_state", a));
	/* null: frames as large as the memif ring carries */
	if (json_is_integer(jget(b, "host.mtu")))
		fprintf(fp, ", mtu %s", JT(b, "host.mtu", a));
	fputc('\n', fp);
	if (json_is_object(jget(b, "host.read")))
		detail_replay(fp, jget(b, "host.read"));
	if (json_is_object(jget(b, "host.write")))
		detail_record(fp, jget(b, "host.write"));
}

/* An active capture (the CAPTURE object): what it records, how far it is. */
static void detail_capture(FILE *fp, const json_t *cap)
{
	char a[256], c[64], d[64];

	fprintf(fp, "  %-17s%s, direction %s", "capture:", JT(cap, "file", a),
		JT(cap, "direction", c));
	print_filter(fp, json_object_get(cap, "filter"));
	fprintf(fp, ", count %s\n", limit_text(cap, "count", "no limit", a, sizeof(a)));
	fprintf(fp, "  %-17s%s, %s frames, %s bytes", "captured:", JT(cap, "state", a),
		JT(cap, "packets", c), JT(cap, "bytes", d));
	if (json_string_length(json_object_get(cap, "error")))
		fprintf(fp, ": %s", JT(cap, "error", a));
	fputc('\n', fp);
}

/* A capture stream (an element of STREAMS): whose, what, how far. */
static void detail_stream(FILE *fp, const json_t *st)
{
	char a[64], c[64], d[64], e[64];

	fprintf(fp, "  %-17sto pid %s (uid %s), direction %s", "stream:",
		JT(st, "client.pid", a), JT(st, "client.uid", c), JT(st, "direction", d));
	print_filter(fp, json_object_get(st, "filter"));
	fprintf(fp, ", count %s\n", limit_text(st, "count", "no limit", a, sizeof(a)));
	fprintf(fp, "  %-17s%s, %s frames, %s bytes, %s dropped (queue full)\n",
		"streamed:", JT(st, "state", a), JT(st, "packets", c),
		JT(st, "bytes", d), JT(st, "dropped", e));
}

/* The host side: its lines depend on its type; then its error, if any. */
static void detail_host(FILE *fp, const json_t *b)
{
	char a[64], c[64], d[64], e[64], f[64], g[64];
	const char *type = JT(b, "host.type", a);
	const json_t *err = jget(b, "host.error");

	if (!strcmp(type, "pcap-live")) {
		detail_pcap_live(fp, b);
	} else if (!strcmp(type, "pcap-file")) {
		detail_pcap_file(fp, b);
	} else {
		fprintf(fp, "  %-17s%s %s, mtu %s, mac %s, up %s, state %s", "host:",
			type, JT(b, "host.name", c), JT(b, "host.mtu", d),
			JT(b, "host.mac", e), JT(b, "host.up", f), JT(b, "state.host_state", g));
		if (json_is_true(jget(b, "host.persist")))
			fputs(", persist", fp);
		if (json_integer_value(jget(b, "host.queues")) > 1)
			fprintf(fp, ", queues %s", JT(b, "host.queues", c));
		detail_netns(fp, b, "host.netns");
	}
	if (!json_string_length(err))	/* pcap-live's, else the bridge's */
		err = jget(b, "state.host_error");
	detail_error(fp, "host error:", err);
}

/* "N N ...": the integers of the array at PATH. */
static void print_int_list(FILE *fp, const json_t *b, const char *path)
{
	const json_t *v;
	size_t i;

	json_array_foreach(jget(b, path), i, v)
		fprintf(fp, "%s%" JSON_INTEGER_FORMAT, i ? " " : "", json_integer_value(v));
}

/* ", serving rx N, tx N" when the peer brought more queues than memifd
 * serves (the configured counts). */
static void detail_served(FILE *fp, const json_t *b)
{
	size_t rx = json_array_size(jget(b, "state.rx_queue_packets"));
	size_t tx = json_array_size(jget(b, "state.tx_queue_packets"));
	char a[16];

	if (strcmp(JT(b, "state.link", a), "up") ||
	    !json_is_array(jget(b, "state.rx_queue_packets")))
		return; /* down, or a memifd that does not say */
	if (rx != (size_t)json_integer_value(jget(b, "state.rx_queues")) ||
	    tx != (size_t)json_integer_value(jget(b, "state.tx_queues")))
		fprintf(fp, ", serving rx %zu, tx %zu", rx, tx);
}

/* Frames per served queue while the link is up, when there are several. */
static void detail_queue_packets(FILE *fp, const json_t *b)
{
	if (json_array_size(jget(b, "state.rx_queue_packets")) +
	    json_array_size(jget(b, "state.tx_queue_packets")) <= 2)
		return;
	fprintf(fp, "  %-17srx ", "queue packets:");
	print_int_list(fp, b, "state.rx_queue_packets");
	fputs(", tx ", fp);
	print_int_list(fp, b, "state.tx_queue_packets");
	fputc('\n', fp);
}

/* The worker thread of each served queue, when memifd runs workers (0:
 * its main thread, which serves everything without workers). */
static void detail_queue_workers(FILE *fp, const json_t *b)
{
	const json_t *v;
	bool any = false;
	size_t i;

	json_array_foreach(jget(b, "state.rx_queue_workers"), i, v)
		any |= json_integer_value(v) > 0;
	json_array_foreach(jget(b, "state.tx_queue_workers"), i, v)
		any |= json_integer_value(v) > 0;
	if (!any)
		return;
	fprintf(fp, "  %-17srx ", "queue workers:");
	print_int_list(fp, b, "state.rx_queue_workers");
	fputs(", tx ", fp);
	print_int_list(fp, b, "state.tx_queue_workers");
	fputc('\n', fp);
}

static void detail_bridge(const struct out *o, const json_t *b)
{
	char a[64], c[64], d[256], e[64], f[64];
	FILE *fp = o->fp;

	fprintf(fp, "%s: %s, socket %s id %s, origin %s\n", JT(b, "name", a),
		JT(b, "memif.role", c), JT(b, "memif.socket", d), JT(b, "memif.id", e),
		JT(b, "origin", f));
	detail_link(o, b);
	fprintf(fp, "  %-17smode %s, rx-mode %s, secret %s", "memif:",
		JT(b, "memif.mode", a), JT(b, "memif.rx_mode", c),
		json_is_string(jget(b, "memif.secret")) ? JT(b, "memif.secret", d) : "none");
	detail_netns(fp, b, "memif.netns");
	fprintf(fp, "  %-17srx %s, tx %s", "queues:",
		detail_geom(b, "rx_queues", a, sizeof(a)), detail_geom(b, "tx_queues", c, sizeof(c)));
	detail_served(fp, b);
	/* an adaptive bridge says how its receive queues are served now */
	if (!strcmp(JT(b, "memif.rx_mode", a), "adaptive") &&
	    !strcmp(JT(b, "state.link", c), "up"))
		fprintf(fp, ", %s rx polling now", JT(b, "state.rx_polling", d));
	fputc('\n', fp);
	detail_queue_packets(fp, b);
	detail_queue_workers(fp, b);
	fprintf(fp, "  %-17sring size %s, buffer size %s\n", "rings:",
		detail_geom(b, "ring_size", a, sizeof(a)), detail_geom(b, "buffer_size", c, sizeof(c)));
	detail_host(fp, b);
	if (json_is_object(jget(b, "capture")))
		detail_capture(fp, jget(b, "capture"));
	for (size_t i = 0; i < json_array_size(jget(b, "streams")); i++)
		detail_stream(fp, json_array_get(jget(b, "streams"), i));
	fprintf(fp, "  counters:\n");
	print_counters(fp, jget(b, "counters"), "    ");
}

/* ---- the text renderer of each command ----------------------------------- */

typedef void text_fn(const struct out *o, const json_t *args, const json_t *res);

static void text_ping(const struct out *o, const json_t *args, const json_t *res)
{
	const json_t *up = json_object_get(res, "uptime");
	char d[32];

	(void)args;
	if (json_is_number(up)) {
		fmt_duration(d, sizeof(d), (long long)json_number_value(up));
		fprintf(o->fp, "memifd is alive, up %s\n", d);
	} else {
		fprintf(o->fp, "memifd is alive\n");
	}
}

static void text_version(const struct out *o, const json_t *args, const json_t *res)
{
	const char *key;
	json_t *v;
	char buf[64];

	(void)args;
	fprintf(o->fp, "%-9s %s\n", "memifctl", MEMIFD_VERSION);
	json_object_foreach((json_t *)res, key, v)
		fprintf(o->fp, "%-9s %s\n", key, jtext(v, "", buf, sizeof(buf)));
}

/* The last component of the file at PATH, or NULL. */
static const char *base_name(const json_t *b, const char *path)
{
	const char *f = json_string_value(jget(b, path)), *slash;

	slash = f ? strrchr(f, '/') : NULL;
	return slash ? slash + 1 : f;
}

/* The HOST cell: "TYPE:NAME", for pcap-file "pcap-file:READ,WRITE" (base
 * names); "(STATE)" follows when the host is not up (gone, error). */
static void table_host(const json_t *b, char *cell, size_t n)
{
	const char *rd = base_name(b, "host.read.file"), *wr = base_name(b, "host.write.file");
	const char *st;
	char a[64], c[64];
	int len;

	if (!strcmp(JT(b, "host.type", a), "pcap-file"))
		len = snprintf(cell, n, "pcap-file:%s%s%s", rd ? rd : "",
			       rd && wr ? "," : "", wr ? wr : "");
	else
		len = snprintf(cell, n, "%s:%s", JT(b, "host.type", a), JT(b, "host.name", c));
	st = json_string_value(jget(b, "state.host_state"));
	if (len >= 0 && (size_t)len < n && st && strcmp(st, "up"))
		snprintf(cell + len, n - (size_t)len, "(%s)", st);
}

static void text_show(const struct out *o, const json_t *args, const json_t *res)
{
	static const char *const head[] = { "NAME", "ROLE", "SOCKET:ID", "LINK", "HOST",
					    "RX-PKTS", "TX-PKTS" };
	const json_t *bridges = json_object_get(res, "bridges");
	struct tab t = { .ncol = 7, .right = 3u << 5 };
	char a[64], c[64], cell[300];
	size_t i;
	json_t *b;

	if (json_object_get(args, "name")) {
		json_array_foreach(bridges, i, b)
			detail_bridge(o, b);
		return;
	}
	for (size_t h = 0; h < 7; h++)
		tab_add(&t, head[h]);
	json_array_foreach(bridges, i, b) {
		tab_add(&t, JT(b, "name", a));
		tab_add(&t, JT(b, "memif.role", a));
		snprintf(cell, sizeof(cell), "%s:%s", JT(b, "memif.socket", a), JT(b, "memif.id", c));
		tab_add(&t, cell);
		tab_add(&t, JT(b, "state.link", a));
		table_host(b, cell, sizeof(cell));
		tab_add(&t, cell);
		tab_add(&t, JT(b, "counters.to_host.packets", a));
		tab_add(&t, JT(b, "counters.to_memif.packets", a));
	}
	tab_print(&t, o->fp, "");
}

static void text_stats(const struct out *o, const json_t *args, const json_t *res)
{
	size_t i;
	json_t *b;
	char a[64], c[64], d[64];

	json_array_foreach(json_object_get(res, "bridges"), i, b) {
		fprintf(o->fp, "%s%s:\n", i ? "\n" : "", JT(b, "name", a));
		print_counters(o->fp, jget(b, "counters"), "  ");
		fprintf(o->fp, "  link ups %s, downs %s, last disconnect: %s\n",
			JT(b, "counters.link_ups", a), JT(b, "counters.link_downs", c),
			JT(b, "counters.last_disconnect_reason", d));
	}
	if (json_is_true(json_object_get(args, "reset")))
		fprintf(o->fp, "counters reset\n");
}

static void text_create(const struct out *o, const json_t *args, const json_t *res)
{
	char a[64];

	fprintf(o->fp, "created bridge %s\n", JT(args, "name", a));
	if (json_object_get(res, "bridge"))
		detail_bridge(o, json_object_get(res, "bridge"));
}

static void text_delete(const struct out *o, const json_t *args, const json_t *res)
{
	char a[64];

	(void)res;
	fprintf(o->fp, "deleted bridge %s\n", JT(args, "name", a));
}

static void text_reload(const struct out *o, const json_t *args, const json_t *res)
{
	static const char *const keys[] = { "added", "removed", "changed", "unchanged" };
	size_t i;
	json_t *v;

	(void)args;
	fprintf(o->fp, "configuration reloaded\n");
	for (i = 0; i < 4; i++) {
		char label[16];

		snprintf(label, sizeof(label), "%s:", keys[i]);
		print_names(o->fp, label, json_object_get(res, keys[i]));
	}
	json_array_foreach(json_object_get(res, "failed"), i, v) {
		char n[64], e[256];

		fprintf(o->fp, "failed:    %s: %s\n", JT(v, "name", n), JT(v, "error", e));
	}
	v = json_object_get(res, "metrics"); /* only when metrics.listen changed */
	if (json_is_object(v)) {
		char l[128], e[512];

		fprintf(o->fp, "metrics:   %s\n", json_is_string(json_object_get(v, "listen"))
			? JT(v, "listen", l) : "off");
		if (json_object_get(v, "error"))
			fprintf(o->fp, "failed:    metrics.listen: %s\n", JT(v, "error", e));
	}
}

static void text_capture(const struct out *o, const json_t *args, const json_t *res)
{
	char a[64], c[256];
	const json_t *cap = json_object_get(res, "capture");

	if (!strcmp(JT(args, "action", a), "start"))
		fprintf(o->fp, "capture started on %s into %s\n", JT(args, "name", a),
			JT(args, "file", c));
	else
		fprintf(o->fp, "capture stopped on %s\n", JT(args, "name", a));
	if (json_is_object(cap))
		detail_capture(o->fp, cap);
}

static const struct {
	const char *command;
	text_fn *fn;
} text_table[] = {
	{ "ping", text_ping },
	{ "version", text_version },
	{ "show", text_show },
	{ "stats", text_stats },
	{ "create", text_create },
	{ "delete", text_delete },
	{ "reload", text_reload },
	{ "capture", text_capture },
};

void out_reply(const struct out *o, const char *command, const json_t *args,
	       const json_t *result)
{
	if (o->json) {
		json_dumpf(result ? result : json_null(), o->fp, JSON_ENCODE_ANY |
			   (o->pretty ? JSON_INDENT(2) : JSON_COMPACT));
		fputc('\n', o->fp);
		return;
	}
	for (size_t i = 0; i < sizeof(text_table) / sizeof(text_table[0]); i++) {
		if (!strcmp(text_table[i].command, command)) {
			text_table[i].fn(o, args, result);
			return;
		}
	}
	if (json_is_object(result))	/* a command without a renderer */
		print_kv(o->fp, result, 0);
}

/* ---- events ------------------------------------------------------------ */

void out_event(const struct out *o, const json_t *ev)
{
	const char *type = json_string_value(json_object_get(ev, "event"));
	char a[64], c[64], d[256];
	const char *key;
	json_t *v;

	if (o->json || !type) {
		json_dumpf(ev, o->fp, JSON_COMPACT);
		fputc('\n', o->fp);
		return;
	}
	fprintf(o->fp, "%s %s %s", JT(ev, "time", a), JT(ev, "name", c), type);
	if (!strcmp(type, "link"))
		fprintf(o->fp, " %s", JT(ev, "link", a));
	else if (!strcmp(type, "bridge"))
		fprintf(o->fp, " %s", JT(ev, "action", a));
	json_object_foreach((json_t *)ev, key, v) {
		static const char *const shown[] = { "event", "time", "name", "link", "action" };
		bool skip = false;

		for (size_t i = 0; i < 5; i++)
			skip |= !strcmp(key, shown[i]);
		if (!skip)
			fprintf(o->fp, " %s=%s", key, jtext(v, "", d, sizeof(d)));
	}
	fputc('\n', o->fp);
}
