/*
 * config.h - the JSON configuration, parsed and validated into plain structs.
 *
 * Every problem found is appended to a config_errors list as one line
 * "FILE:LINE:COLUMN: KEY: message" (file and position only when the
 * configuration came from a file).  A config is valid iff the list is empty.
 */
#ifndef MEMIFD_CONFIG_H
#define MEMIFD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>

#include "confine.h"

#define CONF_DEFAULT_FILE "/etc/memifd/memifd.conf"
#define CONF_DEFAULT_CONTROL "/run/memifd/memifd.sock"
#define CONF_DEFAULT_MEMIF_SOCKET "/run/memifd/memif.sock"
#define CONF_NAME_MAX 32   /* bridge name, with NUL */
#define CONF_IFNAME_MAX 16 /* IFNAMSIZ */
#define CONF_NETNS_MAX 64
#define CONF_PATH_MAX 108 /* sun_path */
#define CONF_SECRET_MAX 24
#define CONF_USER_MAX 64 /* user and group names, with NUL */
#define CONF_FILE_MAX 256   /* pcap file paths, with NUL */
#define CONF_FILTER_MAX 512 /* BPF filter expressions, with NUL */

enum rx_mode { RXM_INTERRUPT, RXM_POLLING, RXM_ADAPTIVE };
enum memif_mode { MM_ETHERNET, MM_IP };

struct memif_conf {
	bool is_master;
	char socket[CONF_PATH_MAX];
	char netns[CONF_NETNS_MAX]; /* "" = the daemon's own namespace */
	/* a master's socket file: "" / no mode = left as bind(2) made it */
	char socket_owner[CONF_USER_MAX], socket_group[CONF_USER_MAX];
	bool has_socket_mode;
	mode_t socket_mode;
	uint32_t id;
	bool has_secret;
	char secret[CONF_SECRET_MAX + 1];
	enum memif_mode mode;
	unsigned rx_queues, tx_queues, ring_size, buffer_size;
	enum rx_mode rx_mode;
};

enum host_type { HT_TAP, HT_PCAP_LIVE, HT_PCAP_FILE };
/* How a pcap-file replay is paced (pace.h). */
enum replay_timing { RT_FAST, RT_RECORDED, RT_PPS, RT_MBPS };

struct host_conf {
	char type[16]; /* "tap", "pcap-live", "pcap-file" */
	enum host_type htype;
	char name[CONF_IFNAME_MAX]; /* tap and pcap-live; "" for pcap-file */
	char netns[CONF_NETNS_MAX];
	unsigned mtu; /* 0: none (pcap-file only: as large as the ring allows) */
	bool has_mac;
	uint8_t mac[6];
	bool up, persist;
	/* pcap-live */
	bool promisc;
	char filter[CONF_FILTER_MAX]; /* "" = every frame */
	/* pcap-file: read is replayed into memif, write records from it */
	char read[CONF_FILE_MAX], write[CONF_FILE_MAX]; /* "" = none */
	enum replay_timing timing;
	uint64_t rate;	    /* frames/s (RT_PPS) or Mbit/s (RT_MBPS) */
	unsigned loop;	    /* passes over the file, 0 = forever */
	uint64_t max_packets, max_bytes; /* per written file, 0 = no limit */
	unsigned keep_files; /* at a limit: FILE.1 .. FILE.N kept, a new FILE */
	/* pcap-file of a bridge a client other than root created: read and
	 * write beneath control.pcap_dir only, for that client (set by the
	 * create command, never by the configuration; dir "" = as named) */
	struct confine confine;
};

struct bridge_conf {
	char name[CONF_NAME_MAX];
	struct memif_conf memif;
	struct host_conf host;
};

struct control_conf {
	char socket[CONF_PATH_MAX];
	char group[64]; /* "" = root only */
	mode_t mode;
	unsigned max_clients;
	/* where clients other than root may have memifd read and write pcap
	 * files (capture start, pcap-file read/write of create); "" = nowhere */
	char pcap_dir[CONF_PATH_MAX];
};

/* The metrics endpoint: "" = off. */
struct metrics_conf {
	char listen[CONF_PATH_MAX]; /* "IPV4:PORT", "[IPV6]:PORT" or a path */
};

#define CONF_WORKERS_MAX 64
#define CONF_WORKERS_AUTO (~0u)

struct config {
	struct control_conf control;
	struct metrics_conf metrics;
	int log_level; /* syslog priority */
	unsigned max_bridges;
	/* data-path threads: 0 = the main thread does it all (the default),
	 * or CONF_WORKERS_AUTO */
	unsigned workers;
	struct bridge_conf *bridges; /* owned */
	size_t n_bridges;
};

struct config_errors {
	char **msgs; /* owned */
	size_t n;
};

/* Loads and validates FILE.  Returns a new config (free with config_free),
 * or NULL when errs is not empty. */
struct config *config_load_file(const char *file, struct config_errors *errs);
/* The same from a string; file names the source in messages (may be NULL). */
struct config *config_load_string(const char *text, const char *file,
				  struct config_errors *errs);
/* A config with no bridges and every default. */
struct config *config_new_default(void);
void config_free(struct config *cfg);

/* One bridge object (management "create"); messages carry no position.
 * Returns 0, or -EINVAL with errs filled. */
int config_parse_bridge(json_t *obj, struct bridge_conf *bc,
			struct config_errors *errs);

/* True when two host sides would use the same device or written file;
 * what names it ("device NAME", "file PATH"). */
bool config_host_conflict(const struct host_conf *a, const struct host_conf *b,
			  char *what, size_t len);
/* True when a and b are masters on one socket file that ask for another
 * socket_owner, socket_group or socket_mode of it. */
bool config_socket_file_conflict(const struct memif_conf *a,
				 const struct memif_conf *b);
/* Compiles a pcap-filter(7) expression for the link type of the memif
 * mode; 0, or -1 with libpcap's message in err. */
int config_filter_check(const char *expr, bool l3, char *err, size_t errlen);

bool config_bridge_equal(const struct bridge_conf *a,
			 const struct bridge_conf *b);
/* The host sides alone. */
bool config_host_equal(const struct host_conf *a, const struct host_conf *b);
const struct bridge_conf *config_find_bridge(const struct config *cfg,
					     const char *name);

void config_errors_add(struct config_errors *errs, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* All messages joined with "; " (caller frees), or NULL if none. */
char *config_errors_join(const struct config_errors *errs);
void config_errors_fini(struct config_errors *errs);

const char *config_rx_mode_name(enum rx_mode m);
const char *config_mode_name(enum memif_mode m);
const char *config_timing_name(enum replay_timing t);

#endif
