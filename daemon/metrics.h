/*
 * metrics.h - the Prometheus / OpenMetrics endpoint (README.md, "Metrics"):
 * GET /metrics on metrics.listen, served by http.c in the daemon's loop.
 */
#ifndef MEMIFD_METRICS_H
#define MEMIFD_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

struct memifd;

/* Opens, moves or closes the endpoint to follow d->cfg->metrics.listen.
 * 0, or -errno with err filled; on failure the endpoint that was open
 * stays open. */
int metrics_apply(struct memifd *d, char *err, size_t len);
/* After a reload: metrics_apply, and when metrics.listen changed or
 * failed, diff gets "metrics": {"listen": L|null[, "error": MSG]}. */
void metrics_reload(struct memifd *d, json_t *diff);
void metrics_close(struct memifd *d);

/* The exposition of every bridge: Prometheus text format 0.0.4, or
 * OpenMetrics 1.0 when om.  A new string (caller frees), *len its length;
 * NULL when out of memory. */
char *metrics_render(struct memifd *d, bool om, size_t *len);

#endif
