/* config.c - JSON configuration -> validated structs, with positioned errors. */
#include "config_int.h"
#include "http.h"
#include "log.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void memif_socket_check(struct vctx *v, const char *path,
			       const char *sock)
{
	char sub[256];

	conf_subpath(sub, sizeof(sub), path, "socket");
	if (sock[0] == '@' ? !sock[1] : sock[0] != '/')
		conf_err(v, sub, false, "must be an absolute path or @NAME");
}

static void read_secret_file(struct vctx *v, const char *path,
			     const char *file, struct memif_conf *mc)
{
	char sub[256], buf[64];
	FILE *f = fopen(file, "re");
	size_t n;

	conf_subpath(sub, sizeof(sub), path, "secret_file");
	if (!f) {
		conf_err(v, sub, false, "%s: %s", file, strerror(errno));
		return;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	if (!n || n > CONF_SECRET_MAX || strlen(buf) != n) {
		conf_err(v, sub, false, "%s: the secret must be 1 to %d bytes", file,
			 CONF_SECRET_MAX);
		return;
	}
	memcpy(mc->secret, buf, n + 1);
	mc->has_secret = true;
}

/* An octal mode string like "0660" at parent.key. */
static void parse_mode(struct vctx *v, json_t *obj, const char *parent,
		       const char *key, mode_t *out, bool *given)
{
	char mode[16], sub[256], *end;
	unsigned long m;

	if (!conf_get_string(v, obj, parent, key, mode, sizeof(mode)))
		return;
	errno = 0;
	m = strtoul(mode, &end, 8);
	if (!*mode || *end || errno || m > 0777) {
		conf_subpath(sub, sizeof(sub), parent, key);
		conf_err(v, sub, false, "must be an octal mode string like \"0660\"");
		return;
	}
	*out = (mode_t)m;
	if (given)
		*given = true;
}

/* socket_owner, socket_group, socket_mode: a master's socket file only. */
static void parse_socket_file(struct vctx *v, json_t *obj, const char *path,
			      struct memif_conf *mc)
{
	static const char *const keys[] = { "socket_owner", "socket_group",
		"socket_mode" };
	char sub[256];

	conf_subpath(sub, sizeof(sub), path, "socket_owner");
	if (conf_get_string(v, obj, path, "socket_owner", mc->socket_owner,
			    sizeof(mc->socket_owner)) && !getpwnam(mc->socket_owner))
		conf_err(v, sub, false, "no user named %s", mc->socket_owner);
	conf_subpath(sub, sizeof(sub), path, "socket_group");
	if (conf_get_string(v, obj, path, "socket_group", mc->socket_group,
			    sizeof(mc->socket_group)) && !getgrnam(mc->socket_group))
		conf_err(v, sub, false, "no group named %s", mc->socket_group);
	parse_mode(v, obj, path, "socket_mode", &mc->socket_mode,
		   &mc->has_socket_mode);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!json_object_get(obj, keys[i]))
			continue;
		conf_subpath(sub, sizeof(sub), path, keys[i]);
		if (!mc->is_master)
			conf_err(v, sub, true, "only for a master (a slave's "
				 "socket file belongs to its peer)");
		else if (mc->socket[0] == '@')
			conf_err(v, sub, true, "an abstract socket has no file: "
				 "owner, group and mode do not apply");
	}
}

bool config_socket_file_conflict(const struct memif_conf *a,
				 const struct memif_conf *b)
{
	return a->is_master && b->is_master && a->socket[0] == '/' &&
	       !strcmp(a->socket, b->socket) &&
	       (strcmp(a->socket_owner, b->socket_owner) ||
		strcmp(a->socket_group, b->socket_group) ||
		a->has_socket_mode != b->has_socket_mode ||
		a->socket_mode != b->socket_mode);
}

/* ---- sections -------------------------------------------------------------- */

static void parse_memif(struct vctx *v, json_t *obj, const char *path,
			struct memif_conf *mc)
{
	static const char *const keys[] = { "role", "socket", "netns", "id",
		"secret", "secret_file", "mode", "rx_queues", "tx_queues",
		"ring_size", "buffer_size", "rx_mode", "socket_owner",
		"socket_group", "socket_mode", NULL };
	static const char *const roles[] = { "master", "server", "slave", "client", NULL };
	static const int role_vals[] = { 1, 1, 0, 0 };
	static const char *const modes[] = { "ethernet", "ip", NULL };
	static const int mode_vals[] = { MM_ETHERNET, MM_IP };
	static const char *const rxm[] = { "interrupt", "polling", "adaptive", NULL };
	static const int rxm_vals[] = { RXM_INTERRUPT, RXM_POLLING, RXM_ADAPTIVE };
	int role = mc->is_master, mode = (int)mc->mode, rx_mode = (int)mc->rx_mode;
	char sub[256], file[256];

	conf_check_keys(v, obj, path, keys);
	conf_get_enum(v, obj, path, "role", roles, role_vals, &role);
	mc->is_master = role;
	if (conf_get_string(v, obj, path, "socket", mc->socket, sizeof(mc->socket)))
		memif_socket_check(v, path, mc->socket);
	conf_get_netns(v, obj, path, mc->netns);
	conf_get_uint(v, obj, path, "id", 0, UINT32_MAX, &mc->id, sizeof(mc->id));
	if (conf_get_string(v, obj, path, "secret", mc->secret, sizeof(mc->secret)))
		mc->has_secret = mc->secret[0] != '\0';
	if (conf_get_string(v, obj, path, "secret_file", file, sizeof(file))) {
		conf_subpath(sub, sizeof(sub), path, "secret_file");
		if (mc->has_secret)
			conf_err(v, sub, true, "secret and secret_file exclude each other");
		else
			read_secret_file(v, path, file, mc);
	}
	conf_get_enum(v, obj, path, "mode", modes, mode_vals, &mode);
	mc->mode = (enum memif_mode)mode;
	conf_get_uint(v, obj, path, "rx_queues", 1, 255, &mc->rx_queues, sizeof(unsigned));
	conf_get_uint(v, obj, path, "tx_queues", 1, 255, &mc->tx_queues, sizeof(unsigned));
	conf_get_uint(v, obj, path, "ring_size", 2, 16384, &mc->ring_size, sizeof(unsigned));
	conf_subpath(sub, sizeof(sub), path, "ring_size");
	if (mc->ring_size & (mc->ring_size - 1))
		conf_err(v, sub, false, "must be a power of two");
	conf_get_uint(v, obj, path, "buffer_size", 128, 65535, &mc->buffer_size,
		      sizeof(unsigned));
	conf_get_enum(v, obj, path, "rx_mode", rxm, rxm_vals, &rx_mode);
	mc->rx_mode = (enum rx_mode)rx_mode;
	parse_socket_file(v, obj, path, mc);
}

static void bridge_defaults(struct bridge_conf *bc)
{
	memset(bc, 0, sizeof(*bc));
	bc->memif.is_master = true;
	strcpy(bc->memif.socket, CONF_DEFAULT_MEMIF_SOCKET);
	bc->memif.rx_queues = bc->memif.tx_queues = 1;
	bc->memif.ring_size = 1024;
	bc->memif.buffer_size = 2048;
	bc->memif.rx_mode = RXM_ADAPTIVE;
	conf_host_defaults(&bc->host);
}

/* Checks that involve several keys of one bridge. */
static void bridge_check(struct vctx *v, const char *path, struct bridge_conf *bc)
{
	unsigned frame = bc->host.mtu + (bc->memif.mode == MM_ETHERNET ? 18 : 0);
	unsigned slots = (frame + bc->memif.buffer_size - 1) / bc->memif.buffer_size;
	char sub[256];

	conf_host_check(v, path, bc);
	conf_subpath(sub, sizeof(sub), path, "host.mtu");
	if (bc->host.mtu && slots > bc->memif.ring_size / 2)
		conf_err(v, sub, false, "a %u-byte frame needs %u buffers of %u "
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
		conf_err(v, path, false, "a bridge must be an object");
		return;
	}
	conf_check_keys(v, obj, path, keys);
	conf_subpath(sub, sizeof(sub), path, "name");
	if (!conf_get_string(v, obj, path, "name", bc->name, sizeof(bc->name)))
		conf_err(v, json_object_get(obj, "name") ? sub : path,
			 json_object_get(obj, "name") != NULL, "a bridge needs a name");
	else if (!conf_name_ok(bc->name))
		conf_err(v, sub, false, "letters, digits, '.', '_' and '-' only");
	conf_subpath(sub, sizeof(sub), path, "memif");
	if ((j = conf_get_object(v, obj, path, "memif")))
		parse_memif(v, j, sub, &bc->memif);
	conf_subpath(sub, sizeof(sub), path, "host");
	if ((j = conf_get_object(v, obj, path, "host")))
		conf_parse_host(v, j, sub, &bc->host);
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
		"max_clients", "pcap_dir", NULL };

	conf_check_keys(v, obj, "control", keys);
	if (conf_get_string(v, obj, "control", "socket", cc->socket, sizeof(cc->socket)) &&
			    cc->socket[0] != '/')
		conf_err(v, "control.socket", false, "must be an absolute path");
	if (conf_get_string(v, obj, "control", "group", cc->group, sizeof(cc->group)) &&
			    !getgrnam(cc->group))
		conf_err(v, "control.group", false, "no group named %s", cc->group);
	parse_mode(v, obj, "control", "mode", &cc->mode, NULL);
	conf_get_uint(v, obj, "control", "max_clients", 1, 4096, &cc->max_clients,
		      sizeof(unsigned));
	if (conf_get_string(v, obj, "control", "pcap_dir", cc->pcap_dir,
			    sizeof(cc->pcap_dir)) && cc->pcap_dir[0] != '/')
		conf_err(v, "control.pcap_dir", false, "must be an absolute path");
}

static void parse_metrics(struct vctx *v, json_t *obj, struct metrics_conf *mc)
{
	static const char *const keys[] = { "listen", NULL };
	struct sockaddr_storage ss;
	socklen_t len;

	conf_check_keys(v, obj, "metrics", keys);
	if (conf_get_string(v, obj, "metrics", "listen", mc->listen,
			    sizeof(mc->listen)) &&
	    http_addr_parse(mc->listen, &ss, &len))
		conf_err(v, "metrics.listen", false, "must be IPV4:PORT, "
			 "[IPV6]:PORT or an absolute unix socket path");
}

/* Conflicts between bridges: names, memif endpoints, host devices. */
static void check_unique(struct vctx *v, struct config *cfg)
{
	char path[64], what[CONF_FILE_MAX + 16];

	for (size_t i = 0; i < cfg->n_bridges; i++) {
		struct bridge_conf *a = &cfg->bridges[i];

		for (size_t j = 0; j < i; j++) {
			struct bridge_conf *b = &cfg->bridges[j];

			if (!strcmp(a->name, b->name)) {
				snprintf(path, sizeof(path), "bridges[%zu].name", i);
				conf_err(v, path, false, "duplicate bridge name %s", a->name);
			}
			if (!strcmp(a->memif.socket, b->memif.socket) &&
			    !strcmp(a->memif.netns, b->memif.netns) &&
			    a->memif.id == b->memif.id &&
			    a->memif.is_master == b->memif.is_master) {
				snprintf(path, sizeof(path), "bridges[%zu].memif", i);
				conf_err(v, path, true, "socket %s id %u is already used "
					 "by bridge %s", a->memif.socket, a->memif.id, b->name);
			}
			if (config_socket_file_conflict(&a->memif, &b->memif)) {
				snprintf(path, sizeof(path), "bridges[%zu].memif", i);
				conf_err(v, path, true, "socket %s has another "
					 "socket_owner, socket_group or socket_mode in "
					 "bridge %s", a->memif.socket, b->name);
			}
			if (config_host_conflict(&a->host, &b->host, what,
						 sizeof(what))) {
				snprintf(path, sizeof(path), "bridges[%zu].host", i);
				conf_err(v, path, true, "%s is already used by "
					 "bridge %s", what, b->name);
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
		conf_err(v, "bridges", false, "must be an array");
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
		conf_err(v, "bridges", false, "%zu bridges, more than max_bridges (%u)",
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

/* "workers": 0..CONF_WORKERS_MAX, or "auto" (CONF_WORKERS_AUTO: one per
 * CPU memifd may run on, counted when the workers start). */
static void parse_workers(struct vctx *v, json_t *root, struct config *cfg)
{
	json_t *j = json_object_get(root, "workers");

	if (json_is_string(j) && !strcmp(json_string_value(j), "auto")) {
		cfg->workers = CONF_WORKERS_AUTO;
		return;
	}
	if (j && !json_is_null(j) && !json_is_integer(j)) {
		conf_err(v, "workers", false, "must be an integer from 0 to %d "
			 "or \"auto\"", CONF_WORKERS_MAX);
		return;
	}
	conf_get_uint(v, root, "", "workers", 0, CONF_WORKERS_MAX, &cfg->workers,
		      sizeof(unsigned));
}

static void parse_top(struct vctx *v, json_t *root, struct config *cfg)
{
	static const char *const keys[] = { "control", "metrics", "log_level",
		"max_bridges", "workers", "bridges", NULL };
	char level[16];
	json_t *j;

	if (!json_is_object(root)) {
		conf_err(v, "", false, "the configuration must be a JSON object");
		return;
	}
	conf_check_keys(v, root, "", keys);
	if ((j = conf_get_object(v, root, "", "control")))
		parse_control(v, j, &cfg->control);
	if ((j = conf_get_object(v, root, "", "metrics")))
		parse_metrics(v, j, &cfg->metrics);
	if (conf_get_string(v, root, "", "log_level", level, sizeof(level))) {
		cfg->log_level = log_level_parse(level);
		if (cfg->log_level < 0) {
			conf_err(v, "log_level", false, "must be one of error, "
				 "warning, notice, info, debug");
			cfg->log_level = LOG_INFO;
		}
	}
	conf_get_uint(v, root, "", "max_bridges", 1, 65536, &cfg->max_bridges,
		      sizeof(unsigned));
	parse_workers(v, root, cfg);
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

	return !strcmp(a->name, b->name) && x->is_master == y->is_master &&
	       !strcmp(x->socket, y->socket) && !strcmp(x->netns, y->netns) &&
	       x->id == y->id && x->has_secret == y->has_secret &&
	       !strcmp(x->secret, y->secret) && x->mode == y->mode &&
	       x->rx_queues == y->rx_queues && x->tx_queues == y->tx_queues &&
	       x->ring_size == y->ring_size && x->buffer_size == y->buffer_size &&
	       x->rx_mode == y->rx_mode &&
	       !strcmp(x->socket_owner, y->socket_owner) &&
	       !strcmp(x->socket_group, y->socket_group) &&
	       x->has_socket_mode == y->has_socket_mode &&
	       x->socket_mode == y->socket_mode &&
	       conf_host_equal(&a->host, &b->host);
}

bool config_host_equal(const struct host_conf *a, const struct host_conf *b)
{
	return conf_host_equal(a, b);
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
