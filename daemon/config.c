/* config.c - JSON configuration -> validated structs, with positioned errors. */
#include "config.h"
#include "jsonpos.h"
#include "log.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Validation context: where messages go and how they are positioned. */
struct vctx {
	const char *file;	/* NULL: no file, no positions */
	struct jsonpos *jp;	/* may be NULL */
	struct config_errors *errs;
};

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

__attribute__((format(printf, 4, 5)))
static void verr(struct vctx *v, const char *path, bool at_key,
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
static void subpath(char *out, size_t len, const char *parent, const char *key)
{
	size_t n = strnlen(parent, len - 1);

	memcpy(out, parent, n);
	if (n && n < len - 1)
		out[n++] = '.';
	out[n] = '\0';
	strncat(out, key, len - 1 - n);
}

/* ---- typed getters: absent or null keys keep the default in *out ------- */

static void check_keys(struct vctx *v, json_t *obj, const char *path,
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
		subpath(sub, sizeof(sub), path, key);
		verr(v, sub, true, "unknown key (valid: %s)", valid);
	}
}

static bool get_string(struct vctx *v, json_t *obj, const char *path,
		       const char *key, char *out, size_t outlen)
{
	json_t *j = json_object_get(obj, key);
	char sub[256];

	if (!j || json_is_null(j))
		return false;
	subpath(sub, sizeof(sub), path, key);
	if (!json_is_string(j)) {
		verr(v, sub, false, "must be a string");
		return false;
	}
	if (json_string_length(j) >= outlen) {
		verr(v, sub, false, "too long (at most %zu bytes)", outlen - 1);
		return false;
	}
	if (strlen(json_string_value(j)) != json_string_length(j)) {
		verr(v, sub, false, "must not contain NUL");
		return false;
	}
	memcpy(out, json_string_value(j), json_string_length(j) + 1);
	return true;
}

static void get_uint(struct vctx *v, json_t *obj, const char *path,
		     const char *key, unsigned long long min,
		     unsigned long long max, void *out, size_t size)
{
	json_t *j = json_object_get(obj, key);
	char sub[256];
	json_int_t x;

	if (!j || json_is_null(j))
		return;
	subpath(sub, sizeof(sub), path, key);
	x = json_is_integer(j) ? json_integer_value(j) : -1;
	if (!json_is_integer(j) || x < 0 || (unsigned long long)x < min ||
	    (unsigned long long)x > max) {
		verr(v, sub, false, "must be an integer from %llu to %llu",
		     min, max);
		return;
	}
	if (size == sizeof(uint32_t))
		*(uint32_t *)out = (uint32_t)x;
	else
		*(unsigned *)out = (unsigned)x;
}

static void get_bool(struct vctx *v, json_t *obj, const char *path,
		     const char *key, bool *out)
{
	json_t *j = json_object_get(obj, key);
	char sub[256];

	if (!j || json_is_null(j))
		return;
	subpath(sub, sizeof(sub), path, key);
	if (!json_is_boolean(j))
		verr(v, sub, false, "must be true or false");
	else
		*out = json_is_true(j);
}

/* names: NULL-terminated; vals: the value of each name. */
static void get_enum(struct vctx *v, json_t *obj, const char *path,
		     const char *key, const char *const *names, const int *vals,
		     int *out)
{
	char s[32], sub[256], valid[256] = "";
	size_t i;

	if (!get_string(v, obj, path, key, s, sizeof(s)))
		return;
	for (i = 0; names[i]; i++) {
		if (!strcmp(names[i], s)) {
			*out = vals[i];
			return;
		}
		snprintf(valid + strlen(valid), sizeof(valid) - strlen(valid),
			 "%s%s", i ? ", " : "", names[i]);
	}
	subpath(sub, sizeof(sub), path, key);
	verr(v, sub, false, "must be one of %s", valid);
}

static json_t *get_object(struct vctx *v, json_t *obj, const char *path,
			  const char *key)
{
	json_t *j = json_object_get(obj, key);
	char sub[256];

	if (!j || json_is_null(j))
		return NULL;
	if (!json_is_object(j)) {
		subpath(sub, sizeof(sub), path, key);
		verr(v, sub, false, "must be an object");
		return NULL;
	}
	return j;
}

/* ---- value checks -------------------------------------------------------- */

static bool name_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._-", *s))
			return false;
	return true;
}

static int parse_mac(const char *s, uint8_t mac[6])
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

static void get_netns(struct vctx *v, json_t *obj, const char *path, char *out)
{
	char sub[256];

	if (get_string(v, obj, path, "netns", out, CONF_NETNS_MAX) &&
	    !name_ok(out)) {
		subpath(sub, sizeof(sub), path, "netns");
		verr(v, sub, false, "must be a network namespace name "
		     "(letters, digits, '.', '_', '-')");
	}
}

static void memif_socket_check(struct vctx *v, const char *path,
			       const char *sock)
{
	char sub[256];

	subpath(sub, sizeof(sub), path, "socket");
	if (sock[0] == '@' ? !sock[1] : sock[0] != '/')
		verr(v, sub, false, "must be an absolute path or @NAME");
}

static void read_secret_file(struct vctx *v, const char *path,
			     const char *file, struct memif_conf *mc)
{
	char sub[256], buf[64];
	FILE *f = fopen(file, "re");
	size_t n;

	subpath(sub, sizeof(sub), path, "secret_file");
	if (!f) {
		verr(v, sub, false, "%s: %s", file, strerror(errno));
		return;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	if (!n || n > CONF_SECRET_MAX || strlen(buf) != n) {
		verr(v, sub, false, "%s: the secret must be 1 to %d bytes", file,
		     CONF_SECRET_MAX);
		return;
	}
	memcpy(mc->secret, buf, n + 1);
	mc->has_secret = true;
}

/* ---- sections -------------------------------------------------------------- */

static void parse_memif(struct vctx *v, json_t *obj, const char *path,
			struct memif_conf *mc)
{
	static const char *const keys[] = { "role", "socket", "netns", "id",
		"secret", "secret_file", "mode", "rx_queues", "tx_queues",
		"ring_size", "buffer_size", "rx_mode", NULL };
	static const char *const roles[] = { "master", "server", "slave", "client", NULL };
	static const int role_vals[] = { 1, 1, 0, 0 };
	static const char *const modes[] = { "ethernet", "ip", NULL };
	static const int mode_vals[] = { MM_ETHERNET, MM_IP };
	static const char *const rxm[] = { "interrupt", "polling", "adaptive", NULL };
	static const int rxm_vals[] = { RXM_INTERRUPT, RXM_POLLING, RXM_ADAPTIVE };
	int role = mc->is_master, mode = (int)mc->mode, rx_mode = (int)mc->rx_mode;
	char sub[256], file[256];

	check_keys(v, obj, path, keys);
	get_enum(v, obj, path, "role", roles, role_vals, &role);
	mc->is_master = role;
	if (get_string(v, obj, path, "socket", mc->socket, sizeof(mc->socket)))
		memif_socket_check(v, path, mc->socket);
	get_netns(v, obj, path, mc->netns);
	get_uint(v, obj, path, "id", 0, UINT32_MAX, &mc->id, sizeof(mc->id));
	if (get_string(v, obj, path, "secret", mc->secret, sizeof(mc->secret)))
		mc->has_secret = mc->secret[0] != '\0';
	if (get_string(v, obj, path, "secret_file", file, sizeof(file))) {
		subpath(sub, sizeof(sub), path, "secret_file");
		if (mc->has_secret)
			verr(v, sub, true, "secret and secret_file exclude each other");
		else
			read_secret_file(v, path, file, mc);
	}
	get_enum(v, obj, path, "mode", modes, mode_vals, &mode);
	mc->mode = (enum memif_mode)mode;
	get_uint(v, obj, path, "rx_queues", 1, 255, &mc->rx_queues, sizeof(unsigned));
	get_uint(v, obj, path, "tx_queues", 1, 255, &mc->tx_queues, sizeof(unsigned));
	get_uint(v, obj, path, "ring_size", 2, 16384, &mc->ring_size, sizeof(unsigned));
	subpath(sub, sizeof(sub), path, "ring_size");
	if (mc->ring_size & (mc->ring_size - 1))
		verr(v, sub, false, "must be a power of two");
	get_uint(v, obj, path, "buffer_size", 128, 65535, &mc->buffer_size,
		 sizeof(unsigned));
	get_enum(v, obj, path, "rx_mode", rxm, rxm_vals, &rx_mode);
	mc->rx_mode = (enum rx_mode)rx_mode;
}

static void parse_host(struct vctx *v, json_t *obj, const char *path,
		       struct host_conf *hc)
{
	static const char *const keys[] = { "type", "name", "netns", "mtu",
		"mac", "up", "persist", NULL };
	static const char *const types[] = { "tap", NULL };
	static const int type_vals[] = { 0 };
	int type = 0;
	char sub[256], mac[32];

	check_keys(v, obj, path, keys);
	get_enum(v, obj, path, "type", types, type_vals, &type);
	subpath(sub, sizeof(sub), path, "name");
	if (get_string(v, obj, path, "name", hc->name, sizeof(hc->name)) &&
	    (!name_ok(hc->name) || !strcmp(hc->name, ".") || !strcmp(hc->name, "..")))
		verr(v, sub, false, "not a valid interface name");
	get_netns(v, obj, path, hc->netns);
	get_uint(v, obj, path, "mtu", 68, 65000, &hc->mtu, sizeof(unsigned));
	if (get_string(v, obj, path, "mac", mac, sizeof(mac))) {
		subpath(sub, sizeof(sub), path, "mac");
		if (parse_mac(mac, hc->mac))
			verr(v, sub, false, "must be a unicast MAC address like "
			     "\"02:fe:00:00:00:01\"");
		else
			hc->has_mac = true;
	}
	get_bool(v, obj, path, "up", &hc->up);
	get_bool(v, obj, path, "persist", &hc->persist);
}

static void bridge_defaults(struct bridge_conf *bc)
{
	memset(bc, 0, sizeof(*bc));
	bc->memif.is_master = true;
	strcpy(bc->memif.socket, CONF_DEFAULT_MEMIF_SOCKET);
	bc->memif.rx_queues = bc->memif.tx_queues = 1;
	bc->memif.ring_size = 1024;
	bc->memif.buffer_size = 2048;
	strcpy(bc->host.type, "tap");
	bc->host.mtu = 1500;
	bc->host.up = true;
}

/* Checks that involve several keys of one bridge. */
static void bridge_check(struct vctx *v, const char *path, struct bridge_conf *bc)
{
	unsigned frame = bc->host.mtu + (bc->memif.mode == MM_ETHERNET ? 18 : 0);
	unsigned slots = (frame + bc->memif.buffer_size - 1) / bc->memif.buffer_size;
	char sub[256];

	subpath(sub, sizeof(sub), path, "host.name");
	if (!bc->host.name[0]) {
		if (strlen(bc->name) < CONF_IFNAME_MAX)
			strcpy(bc->host.name, bc->name);
		else
			verr(v, path, true, "host.name is required when the "
			     "bridge name is longer than 15 characters");
	}
	subpath(sub, sizeof(sub), path, "host.mtu");
	if (slots > bc->memif.ring_size / 2)
		verr(v, sub, false, "a %u-byte frame needs %u buffers of %u "
		     "bytes: more than half the ring (%u)", frame, slots,
		     bc->memif.buffer_size, bc->memif.ring_size);
}

static void parse_bridge(struct vctx *v, json_t *obj, const char *path,
			 struct bridge_conf *bc)
{
	static const char *const keys[] = { "name", "memif", "host", NULL };
	char sub[256];
	json_t *j;

	bridge_defaults(bc);
	if (!json_is_object(obj)) {
		verr(v, path, false, "a bridge must be an object");
		return;
	}
	check_keys(v, obj, path, keys);
	subpath(sub, sizeof(sub), path, "name");
	if (!get_string(v, obj, path, "name", bc->name, sizeof(bc->name)))
		verr(v, json_object_get(obj, "name") ? sub : path,
		     json_object_get(obj, "name") != NULL, "a bridge needs a name");
	else if (!name_ok(bc->name))
		verr(v, sub, false, "letters, digits, '.', '_' and '-' only");
	subpath(sub, sizeof(sub), path, "memif");
	if ((j = get_object(v, obj, path, "memif")))
		parse_memif(v, j, sub, &bc->memif);
	subpath(sub, sizeof(sub), path, "host");
	if ((j = get_object(v, obj, path, "host")))
		parse_host(v, j, sub, &bc->host);
	bridge_check(v, path, bc);
}

int config_parse_bridge(json_t *obj, struct bridge_conf *bc,
			struct config_errors *errs)
{
	struct vctx v = { .errs = errs };
	size_t before = errs->n;

	parse_bridge(&v, obj, "", bc);
	return errs->n == before ? 0 : -EINVAL;
}

static void parse_control(struct vctx *v, json_t *obj, struct control_conf *cc)
{
	static const char *const keys[] = { "socket", "group", "mode",
		"max_clients", NULL };
	char mode[16], *end;
	unsigned long m;

	check_keys(v, obj, "control", keys);
	if (get_string(v, obj, "control", "socket", cc->socket, sizeof(cc->socket)) &&
	    cc->socket[0] != '/')
		verr(v, "control.socket", false, "must be an absolute path");
	if (get_string(v, obj, "control", "group", cc->group, sizeof(cc->group)) &&
	    !getgrnam(cc->group))
		verr(v, "control.group", false, "no group named %s", cc->group);
	if (get_string(v, obj, "control", "mode", mode, sizeof(mode))) {
		errno = 0;
		m = strtoul(mode, &end, 8);
		if (!*mode || *end || errno || m > 0777)
			verr(v, "control.mode", false,
			     "must be an octal mode string like \"0660\"");
		else
			cc->mode = (mode_t)m;
	}
	get_uint(v, obj, "control", "max_clients", 1, 4096, &cc->max_clients,
		 sizeof(unsigned));
}

/* Conflicts between bridges: names, memif endpoints, host devices. */
static void check_unique(struct vctx *v, struct config *cfg)
{
	char path[64];

	for (size_t i = 0; i < cfg->n_bridges; i++) {
		struct bridge_conf *a = &cfg->bridges[i];

		for (size_t j = 0; j < i; j++) {
			struct bridge_conf *b = &cfg->bridges[j];

			if (!strcmp(a->name, b->name)) {
				snprintf(path, sizeof(path), "bridges[%zu].name", i);
				verr(v, path, false, "duplicate bridge name %s", a->name);
			}
			if (!strcmp(a->memif.socket, b->memif.socket) &&
			    !strcmp(a->memif.netns, b->memif.netns) &&
			    a->memif.id == b->memif.id &&
			    a->memif.is_master == b->memif.is_master) {
				snprintf(path, sizeof(path), "bridges[%zu].memif", i);
				verr(v, path, true, "socket %s id %u is already used "
				     "by bridge %s", a->memif.socket, a->memif.id, b->name);
			}
			if (!strcmp(a->host.name, b->host.name) &&
			    !strcmp(a->host.netns, b->host.netns)) {
				snprintf(path, sizeof(path), "bridges[%zu].host", i);
				verr(v, path, true, "device %s is already used by "
				     "bridge %s", a->host.name, b->name);
			}
		}
	}
}

static void parse_bridges(struct vctx *v, json_t *arr, struct config *cfg)
{
	char path[64];
	size_t i;
	json_t *j;

	if (!json_is_array(arr)) {
		verr(v, "bridges", false, "must be an array");
		return;
	}
	cfg->bridges = calloc(json_array_size(arr) + 1, sizeof(*cfg->bridges));
	if (!cfg->bridges) {
		config_errors_add(v->errs, "out of memory");
		return;
	}
	json_array_foreach (arr, i, j) {
		snprintf(path, sizeof(path), "bridges[%zu]", i);
		parse_bridge(v, j, path, &cfg->bridges[i]);
	}
	cfg->n_bridges = json_array_size(arr);
	check_unique(v, cfg);
	if (cfg->n_bridges > cfg->max_bridges)
		verr(v, "bridges", false, "%zu bridges, more than max_bridges (%u)",
		     cfg->n_bridges, cfg->max_bridges);
}

struct config *config_new_default(void)
{
	struct config *cfg = calloc(1, sizeof(*cfg));

	if (!cfg)
		return NULL;
	strcpy(cfg->control.socket, CONF_DEFAULT_CONTROL);
	cfg->control.mode = 0660;
	cfg->control.max_clients = 64;
	cfg->log_level = LOG_INFO;
	cfg->max_bridges = 256;
	return cfg;
}

static void parse_top(struct vctx *v, json_t *root, struct config *cfg)
{
	static const char *const keys[] = { "control", "log_level",
		"max_bridges", "bridges", NULL };
	char level[16];
	json_t *j;

	if (!json_is_object(root)) {
		verr(v, "", false, "the configuration must be a JSON object");
		return;
	}
	check_keys(v, root, "", keys);
	if ((j = get_object(v, root, "", "control")))
		parse_control(v, j, &cfg->control);
	if (get_string(v, root, "", "log_level", level, sizeof(level))) {
		cfg->log_level = log_level_parse(level);
		if (cfg->log_level < 0) {
			verr(v, "log_level", false, "must be one of error, "
			     "warning, notice, info, debug");
			cfg->log_level = LOG_INFO;
		}
	}
	get_uint(v, root, "", "max_bridges", 1, 65536, &cfg->max_bridges,
		 sizeof(unsigned));
	if ((j = json_object_get(root, "bridges")))
		parse_bridges(v, j, cfg);
}

struct config *config_load_string(const char *text, const char *file,
				  struct config_errors *errs)
{
	struct config *cfg = config_new_default();
	struct vctx v = { .file = file ? file : "(string)", .errs = errs };
	size_t before = errs->n;
	json_error_t jerr;
	json_t *root;

	if (!cfg) {
		config_errors_add(errs, "out of memory");
		return NULL;
	}
	root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		config_errors_add(errs, "%s:%d:%d: %s", v.file, jerr.line,
				  jerr.column, jerr.text);
		config_free(cfg);
		return NULL;
	}
	v.jp = jsonpos_index(text, strlen(text));
	parse_top(&v, root, cfg);
	jsonpos_free(v.jp);
	json_decref(root);
	if (errs->n != before) {
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

struct config *config_load_file(const char *file, struct config_errors *errs)
{
	struct config *cfg;
	FILE *f = fopen(file, "re");
	char *text = NULL;
	size_t len = 0;

	if (!f) {
		config_errors_add(errs, "%s: %s", file, strerror(errno));
		return NULL;
	}
	if (getdelim(&text, &len, '\0', f) < 0 && !feof(f)) {
		config_errors_add(errs, "%s: %s", file, strerror(errno));
		fclose(f);
		free(text);
		return NULL;
	}
	fclose(f);
	cfg = config_load_string(text ? text : "", file, errs);
	free(text);
	return cfg;
}

void config_free(struct config *cfg)
{
	if (!cfg)
		return;
	free(cfg->bridges);
	free(cfg);
}

bool config_bridge_equal(const struct bridge_conf *a, const struct bridge_conf *b)
{
	const struct memif_conf *x = &a->memif, *y = &b->memif;
	const struct host_conf *h = &a->host, *k = &b->host;

	return !strcmp(a->name, b->name) && x->is_master == y->is_master &&
	       !strcmp(x->socket, y->socket) && !strcmp(x->netns, y->netns) &&
	       x->id == y->id && x->has_secret == y->has_secret &&
	       !strcmp(x->secret, y->secret) && x->mode == y->mode &&
	       x->rx_queues == y->rx_queues && x->tx_queues == y->tx_queues &&
	       x->ring_size == y->ring_size && x->buffer_size == y->buffer_size &&
	       x->rx_mode == y->rx_mode && !strcmp(h->type, k->type) &&
	       !strcmp(h->name, k->name) && !strcmp(h->netns, k->netns) &&
	       h->mtu == k->mtu && h->has_mac == k->has_mac &&
	       (!h->has_mac || !memcmp(h->mac, k->mac, 6)) && h->up == k->up &&
	       h->persist == k->persist;
}

const struct bridge_conf *config_find_bridge(const struct config *cfg,
					     const char *name)
{
	for (size_t i = 0; i < cfg->n_bridges; i++)
		if (!strcmp(cfg->bridges[i].name, name))
			return &cfg->bridges[i];
	return NULL;
}

const char *config_rx_mode_name(enum rx_mode m)
{
	return m == RXM_POLLING ? "polling" : m == RXM_ADAPTIVE ? "adaptive" : "interrupt";
}

const char *config_mode_name(enum memif_mode m)
{
	return m == MM_IP ? "ip" : "ethernet";
}
