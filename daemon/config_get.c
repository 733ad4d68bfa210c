/* config_get.c - error lists, positioned messages and typed getters of the
 * configuration parsers. */
#include "config_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void config_errors_add(struct config_errors *errs, const char *fmt, ...)
{
	va_list ap;
	char *msg, **m;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	m = realloc(errs->msgs, (errs->n + 1) * sizeof(*m));
	if (!m || !msg) {
		free(msg);
		free(m == errs->msgs ? NULL : m);
		return;
	}
	m[errs->n++] = msg;
	errs->msgs = m;
}

char *config_errors_join(const struct config_errors *errs)
{
	size_t len = 1;
	char *s;

	if (!errs->n)
		return NULL;
	for (size_t i = 0; i < errs->n; i++)
		len += strlen(errs->msgs[i]) + 2;
	s = malloc(len);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (size_t i = 0; i < errs->n; i++) {
		if (i)
			strcat(s, "; ");
		strcat(s, errs->msgs[i]);
	}
	return s;
}

void config_errors_fini(struct config_errors *errs)
{
	for (size_t i = 0; i < errs->n; i++)
		free(errs->msgs[i]);
	free(errs->msgs);
	errs->msgs = NULL;
	errs->n = 0;
}

/* The position of path, or of its nearest ancestor present in the text
 * (a missing key is reported where its object is). */
static int jsonpos_find_near(const struct jsonpos *jp, const char *path,
			     bool at_key, int *line, int *col)
{
	char p[256];
	char *cut;

	snprintf(p, sizeof(p), "%s", path);
	while (jsonpos_find(jp, p, at_key, line, col)) {
		cut = strrchr(p, '.');
		if (!cut)
			cut = strrchr(p, '[');
		if (!cut)
			return jsonpos_find(jp, "", false, line, col);
		*cut = '\0';
		at_key = true;
	}
	return 0;
}

void conf_err(struct vctx *v, const char *path, bool at_key,
	      const char *fmt, ...)
{
	char msg[512];
	const char *shown = *path ? path : "(top level)";
	int line, col;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (v->file && !jsonpos_find_near(v->jp, path, at_key, &line, &col))
		config_errors_add(v->errs, "%s:%d:%d: %s: %s", v->file, line,
				  col, shown, msg);
	else if (v->file)
		config_errors_add(v->errs, "%s: %s: %s", v->file, shown, msg);
	else
		config_errors_add(v->errs, "%s: %s", shown, msg);
}

/* out = parent.key (or key at the top), truncated to len. */
void conf_subpath(char *out, size_t len, const char *parent, const char *key)
{
	size_t n = strnlen(parent, len - 1);

	memcpy(out, parent, n);
	if (n && n < len - 1)
		out[n++] = '.';
	out[n] = '\0';
	strncat(out, key, len - 1 - n);
}

/* ---- typed getters: absent or null keys keep the default in *out ------- */

void conf_check_keys(struct vctx *v, json_t *obj, const char *path,
		     const char *const *keys)
{
	const char *key;
	json_t *val;
	char sub[256], valid[256];

	json_object_foreach (obj, key, val) {
		size_t i;

		for (i = 0; keys[i] && strcmp(keys[i], key); i++)
			;
		if (keys[i])
			continue;
		valid[0] = '\0';
		for (i = 0; keys[i]; i++)
			snprintf(valid + strlen(valid), sizeof(valid) - strlen(valid),
				 "%s%s", i ? ", " : "", keys[i]);
		conf_subpath(sub, sizeof(sub), path, key);
		conf_err(v, sub, true, "unknown key (valid: %s)", valid);
	}
}

bool conf_get_string(struct vctx *v, json_t *obj, const char *path,
		     const char *key, char *out, size_t outlen)
{
	json_t *j = json_object_get(obj, key);
	char sub[256];

	if (!j || json_is_null(j))
		return false;
	conf_subpath(sub, sizeof(sub), path, key);
	if (!json_is_string(j)) {
		conf_err(v, sub, false, "must be a string");
		return false;
	}
	if (json_string_length(j) >= outlen) {
		conf_err(v, sub, false, "too long (at most %zu bytes)", outlen - 1);
		return false;
	}
	if (strlen(json_string_value(j)) != json_string_length(j)) {
		conf_err(v, sub, false, "must not contain NUL");
		return false;
	}
	memcpy(out, json_string_value(j), json_string_length(j) + 1);
	return true;
}

void conf_get_uint(struct vctx *v, json_t *obj, const char *path,
		   const char *key, unsigned long long min,
		   unsigned long long max, void *out, size_t size)
{
	json_t *j = json_object_get(obj, key);
	char sub[256];
	json_int_t x;

	if (!j || json_is_null(j))
		return;
	conf_subpath(sub, sizeof(sub), path, key);
	x = json_is_integer(j) ? json_integer_value(j) : -1;
	if (!json_is_integer(j) || x < 0 || (unsigned long long)x < min ||
	    (unsigned long long)x > max) {
		conf_err(v, sub, false, "must be an integer from %llu to %llu",
			 min, max);
		return;
	}
	if (size == sizeof(uint64_t))
		*(uint64_t *)out = (uint64_t)x;
	else if (size == sizeof(uint32_t))
		*(uint32_t *)out = (uint32_t)x;
	else
		*(unsigned *)out = (unsigned)x;
}

void conf_get_bool(struct vctx *v, json_t *obj, const char *path,
		   const char *key, bool *out)
{
	json_t *j = json_object_get(obj, key);
	char sub[256];

	if (!j || json_is_null(j))
		return;
	conf_subpath(sub, sizeof(sub), path, key);
	if (!json_is_boolean(j))
		conf_err(v, sub, false, "must be true or false");
	else
		*out = json_is_true(j);
}

/* names: NULL-terminated; vals: the value of each name. */
void conf_get_enum(struct vctx *v, json_t *obj, const char *path,
		   const char *key, const char *const *names, const int *vals,
		   int *out)
{
	char s[32], sub[256], valid[256] = "";
	size_t i;

	if (!conf_get_string(v, obj, path, key, s, sizeof(s)))
		return;
	for (i = 0; names[i]; i++) {
		if (!strcmp(names[i], s)) {
			*out = vals[i];
			return;
		}
		snprintf(valid + strlen(valid), sizeof(valid) - strlen(valid),
			 "%s%s", i ? ", " : "", names[i]);
	}
	conf_subpath(sub, sizeof(sub), path, key);
	conf_err(v, sub, false, "must be one of %s", valid);
}

json_t *conf_get_object(struct vctx *v, json_t *obj, const char *path,
			const char *key)
{
	json_t *j = json_object_get(obj, key);
	char sub[256];

	if (!j || json_is_null(j))
		return NULL;
	if (!json_is_object(j)) {
		conf_subpath(sub, sizeof(sub), path, key);
		conf_err(v, sub, false, "must be an object");
		return NULL;
	}
	return j;
}

/* ---- value checks -------------------------------------------------------- */

bool conf_name_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._-", *s))
			return false;
	return true;
}

int conf_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned b[6];
	char end;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &end) != 6 || strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	if (mac[0] & 1)
		return -EINVAL;
	return (b[0] | b[1] | b[2] | b[3] | b[4] | b[5]) ? 0 : -EINVAL;
}

void conf_get_netns(struct vctx *v, json_t *obj, const char *path, char *out)
{
	char sub[256];

	if (conf_get_string(v, obj, path, "netns", out, CONF_NETNS_MAX) &&
			    !conf_name_ok(out)) {
			    conf_subpath(sub, sizeof(sub), path, "netns");
		conf_err(v, sub, false, "must be a network namespace name "
			 "(letters, digits, '.', '_', '-')");
	}
}
