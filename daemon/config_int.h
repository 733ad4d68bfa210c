/*
 * config_int.h - what the configuration parsers (config.c, config_host.c)
 * share: the validation context and the typed getters of config_get.c.
 * Not for other modules.
 *
 * Getters leave *out alone when the key is absent or null, and report a
 * wrong type or range through conf_err; paths are "a.b[2].c" strings.
 */
#ifndef MEMIFD_CONFIG_INT_H
#define MEMIFD_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "config.h"
#include "jsonpos.h"

/* Validation context: where messages go and how they are positioned. */
struct vctx {
	const char *file;	/* NULL: no file, no positions */
	struct jsonpos *jp;	/* may be NULL */
	struct config_errors *errs;
};

void conf_err(struct vctx *v, const char *path, bool at_key,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* out = parent.key (or key at the top), truncated to len. */
void conf_subpath(char *out, size_t len, const char *parent, const char *key);
/* keys: NULL-terminated list of the keys obj may have. */
void conf_check_keys(struct vctx *v, json_t *obj, const char *path,
		     const char *const *keys);
bool conf_get_string(struct vctx *v, json_t *obj, const char *path,
		     const char *key, char *out, size_t outlen);
/* size: sizeof(uint32_t), sizeof(unsigned) or sizeof(uint64_t). */
void conf_get_uint(struct vctx *v, json_t *obj, const char *path,
		   const char *key, unsigned long long min,
		   unsigned long long max, void *out, size_t size);
void conf_get_bool(struct vctx *v, json_t *obj, const char *path,
		   const char *key, bool *out);
/* names: NULL-terminated; vals: the value of each name. */
void conf_get_enum(struct vctx *v, json_t *obj, const char *path,
		   const char *key, const char *const *names, const int *vals,
		   int *out);
json_t *conf_get_object(struct vctx *v, json_t *obj, const char *path,
			const char *key);
void conf_get_netns(struct vctx *v, json_t *obj, const char *path, char *out);
bool conf_name_ok(const char *s);
int conf_parse_mac(const char *s, uint8_t mac[6]);

/* config_host.c */
void conf_parse_host(struct vctx *v, json_t *obj, const char *path,
		     struct host_conf *hc);
void conf_host_defaults(struct host_conf *hc);
/* Checks that need the bridge name or the memif mode. */
void conf_host_check(struct vctx *v, const char *path, struct bridge_conf *bc);
bool conf_host_equal(const struct host_conf *h, const struct host_conf *k);

#endif
