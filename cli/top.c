/* top.c - memifctl top: per-bridge rates (frames/s, bits/s, drops/s by
 * reason) from the stats command, once a second, as a refreshed table on
 * a terminal or one JSON object a line with -j. */
#include "top.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"

static const char *const top_dirs[] = { "to_host", "to_memif" };
static const char *const top_reasons[] = { "ring_full", "host_full", "oversize",
	"peer_down", "bad_desc", NULL };

static volatile sig_atomic_t top_stop;

static void top_on_sigint(int sig)
{
	(void)sig;
	top_stop = 1;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static json_int_t num(const json_t *o, const char *a, const char *b, const char *c)
{
	o = json_object_get(o, a);
	o = b ? json_object_get(o, b) : o;
	o = c ? json_object_get(o, c) : o;
	return json_is_integer(o) ? json_integer_value(o) : 0;
}

/* (cur - prev) / dt; a counter that went back (reset, bridge made again)
 * counts from 0. */
static double rate(json_int_t cur, json_int_t prev, double dt)
{
	return (double)(cur >= prev ? cur - prev : cur) / dt;
}

/* The counters object of bridge NAME in a stats result, or NULL. */
static const json_t *find_counters(const json_t *res, const char *name)
{
	size_t i;
	json_t *b;

	json_array_foreach(json_object_get(res, "bridges"), i, b)
		if (!strcmp(json_string_value(json_object_get(b, "name")), name))
			return json_object_get(b, "counters");
	return NULL;
}

static json_t *dir_rates(const json_t *cur, const json_t *prev, const char *d,
			 double dt)
{
	json_t *drops = json_object();
	double all = 0;

	for (size_t r = 0; top_reasons[r]; r++) {
		double v = rate(num(cur, d, "drops", top_reasons[r]),
				num(prev, d, "drops", top_reasons[r]), dt);

		json_object_set_new(drops, top_reasons[r], json_real(v));
		all += v;
	}
	return json_pack("{s:f, s:f, s:f, s:f, s:o}",
			 "pps", rate(num(cur, d, "packets", NULL), num(prev, d, "packets", NULL), dt),
			 "bps", 8 * rate(num(cur, d, "bytes", NULL), num(prev, d, "bytes", NULL), dt),
			 "errors_ps", rate(num(cur, d, "errors", NULL), num(prev, d, "errors", NULL), dt),
			 "drops_ps", all, "drops", drops);
}

/* {"time", "interval", "bridges": [{"name", "to_host": R, "to_memif": R}]} */
json_t *top_rates(const json_t *cur, const json_t *prev, double dt)
{
	json_t *list = json_array();
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	size_t i;
	json_t *b;

	json_array_foreach(json_object_get(cur, "bridges"), i, b) {
		const char *name = json_string_value(json_object_get(b, "name"));
		const json_t *c = json_object_get(b, "counters"), *p = find_counters(prev, name);

		if (!name)
			continue;
		json_array_append_new(list, json_pack("{s:s, s:o, s:o}", "name", name,
			"to_host", dir_rates(c, p ? p : c, "to_host", dt),
			"to_memif", dir_rates(c, p ? p : c, "to_memif", dt)));
	}
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_pack("{s:s, s:f, s:o}", "time", when, "interval", dt,
			 "bridges", list);
}

/* 1234567 -> "1.23M" */
static const char *human(double v, char *buf, size_t n)
{
	static const char *const unit[] = { "", "k", "M", "G", "T" };
	int u = 0;

	while (v >= 1000 && u < 4) {
		v /= 1000;
		u++;
	}
	snprintf(buf, n, u ? "%.2f%s" : "%.0f%s", v, unit[u]);
	return buf;
}

void top_print_text(FILE *fp, const json_t *rates, bool clear)
{
	size_t i;
	json_t *b;

	if (clear)
		fputs("\033[H\033[2J", fp);
	fprintf(fp, "memifd rates at %s, every %.1f s (^C to stop)\n",
		json_string_value(json_object_get(rates, "time")),
		json_real_value(json_object_get(rates, "interval")));
	fprintf(fp, "%-16s %-9s %10s %10s %9s %9s  %s\n", "BRIDGE", "DIR", "PKT/S",
		"BIT/S", "DROP/S", "ERR/S", "DROPS/S BY REASON");
	json_array_foreach(json_object_get(rates, "bridges"), i, b) {
		for (int d = 0; d < 2; d++) {
			const json_t *r = json_object_get(b, top_dirs[d]);
			char p[16], s[16], x[16], e[16];

			fprintf(fp, "%-16s %-9s %10s %10s %9s %9s ",
				json_string_value(json_object_get(b, "name")),
				d ? "to memif" : "to host",
				human(json_real_value(json_object_get(r, "pps")), p, sizeof(p)),
				human(json_real_value(json_object_get(r, "bps")), s, sizeof(s)),
				human(json_real_value(json_object_get(r, "drops_ps")), x, sizeof(x)),
				human(json_real_value(json_object_get(r, "errors_ps")), e, sizeof(e)));
			for (size_t k = 0; top_reasons[k]; k++) {
				double v = json_real_value(json_object_get(
					json_object_get(r, "drops"), top_reasons[k]));

				if (v > 0)
					fprintf(fp, " %s %s", top_reasons[k],
						human(v, p, sizeof(p)));
			}
			fputc('\n', fp);
		}
	}
}

/* One stats result into *res; -EINVAL with the daemon's error in *res. */
static int top_sample(struct ctl *c, json_t *args, json_t **res)
{
	json_t *reply = NULL;
	int r = ctl_call(c, "stats", args, &reply);
	bool ok;

	if (r)
		return r;
	ok = json_is_true(json_object_get(reply, "ok"));
	*res = json_incref(json_object_get(reply, ok ? "result" : "error"));
	json_decref(reply);
	return ok ? 0 : -EINVAL;
}

/* Waits until a second after t0 (or ^C); false when interrupted. */
static bool top_wait(double t0)
{
	while (!top_stop && mono_s() < t0 + 1)
		usleep(20000);
	return !top_stop;
}

static void top_show(const json_t *cur, const json_t *prev, double dt, bool json)
{
	json_t *rates = top_rates(cur, prev, dt);

	if (json) {
		json_dumpf(rates, stdout, JSON_COMPACT);
		fputc('\n', stdout);
	} else {
		top_print_text(stdout, rates, isatty(STDOUT_FILENO));
	}
	fflush(stdout);
	json_decref(rates);
}

int top_run(struct ctl *c, json_t *args, unsigned long count, bool json,
	    json_t **error)
{
	struct sigaction sa = { .sa_handler = top_on_sigint }, old;
	json_t *prev = NULL, *cur = NULL;
	double t0, t1;
	int r;

	top_stop = 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old);	/* no SA_RESTART: the wait ends */
	r = top_sample(c, args, &prev);
	t0 = mono_s();
	for (unsigned long n = 0; !r && (!count || n < count) && top_wait(t0); n++) {
		r = top_sample(c, args, &cur);
		t1 = mono_s();
		if (r)
			break;
		top_show(cur, prev, t1 - t0, json);
		json_decref(prev);
		prev = cur;
		cur = NULL;
		t0 = t1;
	}
	if (r == -EINVAL) {
		*error = cur ? cur : prev;
		cur == *error ? (cur = NULL) : (prev = NULL);
	}
	json_decref(prev);
	json_decref(cur);
	sigaction(SIGINT, &old, NULL);
	return r;
}
