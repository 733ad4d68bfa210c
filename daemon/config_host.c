/* config_host.c - the "host" object of a bridge: tap, pcap-live, pcap-file. */
#include "config_int.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

/* Keys each host type accepts (the common ones first). */
static const char *const tap_keys[] = { "type", "name", "netns", "mtu",
	"mac", "up", "persist", NULL };
static const char *const live_keys[] = { "type", "name", "netns", "mtu",
	"promisc", "filter", NULL };
static const char *const file_keys[] = { "type", "mtu", "read", "write",
	"timing", "pps", "mbps", "loop", "max_packets", "max_bytes", "keep_files",
	NULL };

void conf_host_defaults(struct host_conf *hc)
{
	memset(hc, 0, sizeof(*hc));
	strcpy(hc->type, "tap");
	hc->htype = HT_TAP;
	hc->mtu = 1500;
	hc->up = true;
	hc->timing = RT_FAST;
	hc->loop = 1;
}

static void parse_tap(struct vctx *v, json_t *obj, const char *path,
		      struct host_conf *hc)
{
	char sub[256], mac[32];

	if (conf_get_string(v, obj, path, "mac", mac, sizeof(mac))) {
		conf_subpath(sub, sizeof(sub), path, "mac");
		if (conf_parse_mac(mac, hc->mac))
			conf_err(v, sub, false, "must be a unicast MAC address "
				 "like \"02:fe:00:00:00:01\"");
		else
			hc->has_mac = true;
	}
	conf_get_bool(v, obj, path, "up", &hc->up);
	conf_get_bool(v, obj, path, "persist", &hc->persist);
}

static void file_path(struct vctx *v, json_t *obj, const char *path,
		      const char *key, char *out)
{
	char sub[256];

	conf_subpath(sub, sizeof(sub), path, key);
	if (conf_get_string(v, obj, path, key, out, CONF_FILE_MAX) &&
	    out[0] != '/')
		conf_err(v, sub, false, "must be an absolute path");
}

/* A key that makes sense only with another: reported at the key. */
static void needs(struct vctx *v, json_t *obj, const char *path,
		  const char *key, bool ok, const char *what)
{
	char sub[256];

	if (ok || !json_object_get(obj, key))
		return;
	conf_subpath(sub, sizeof(sub), path, key);
	conf_err(v, sub, true, "only with %s", what);
}

static void parse_replay(struct vctx *v, json_t *obj, const char *path,
			 struct host_conf *hc)
{
	static const char *const timings[] = { "fast", "recorded", NULL };
	static const int timing_vals[] = { RT_FAST, RT_RECORDED };
	int timing = RT_FAST, given = 0;
	uint64_t pps = 0, mbps = 0;
	char sub[256];

	given += json_object_get(obj, "timing") != NULL;
	given += json_object_get(obj, "pps") != NULL;
	given += json_object_get(obj, "mbps") != NULL;
	conf_get_enum(v, obj, path, "timing", timings, timing_vals, &timing);
	conf_get_uint(v, obj, path, "pps", 1, 100000000, &pps, sizeof(pps));
	conf_get_uint(v, obj, path, "mbps", 1, 1000000, &mbps, sizeof(mbps));
	conf_get_uint(v, obj, path, "loop", 0, 1000000000, &hc->loop,
		      sizeof(unsigned));
	hc->timing = (enum replay_timing)timing;
	if (pps) {
		hc->timing = RT_PPS;
		hc->rate = pps;
	} else if (mbps) {
		hc->timing = RT_MBPS;
		hc->rate = mbps;
	}
	if (given > 1) {
		conf_subpath(sub, sizeof(sub), path, "timing");
		conf_err(v, json_object_get(obj, "timing") ? sub : path, true,
			 "timing, pps and mbps exclude each other");
	}
}

static void parse_file(struct vctx *v, json_t *obj, const char *path,
		       struct host_conf *hc)
{
	bool limit;
	char sub[256];

	file_path(v, obj, path, "read", hc->read);
	file_path(v, obj, path, "write", hc->write);
	parse_replay(v, obj, path, hc);
	conf_get_uint(v, obj, path, "max_packets", 1, 1000000000000000ull,
		      &hc->max_packets, sizeof(uint64_t));
	conf_get_uint(v, obj, path, "max_bytes", 4096, 1000000000000000ull,
		      &hc->max_bytes, sizeof(uint64_t));
	conf_get_uint(v, obj, path, "keep_files", 0, 1000, &hc->keep_files,
		      sizeof(unsigned));
	limit = hc->max_packets || hc->max_bytes;
	needs(v, obj, path, "timing", hc->read[0], "read");
	needs(v, obj, path, "pps", hc->read[0], "read");
	needs(v, obj, path, "mbps", hc->read[0], "read");
	needs(v, obj, path, "loop", hc->read[0], "read");
	needs(v, obj, path, "max_packets", hc->write[0], "write");
	needs(v, obj, path, "max_bytes", hc->write[0], "write");
	needs(v, obj, path, "keep_files", limit, "max_packets or max_bytes");
	if (!hc->read[0] && !hc->write[0])
		conf_err(v, path, true, "pcap-file needs read, write or both");
	conf_subpath(sub, sizeof(sub), path, "write");
	if (hc->read[0] && !strcmp(hc->read, hc->write))
		conf_err(v, sub, false, "the same file as read");
}

void conf_parse_host(struct vctx *v, json_t *obj, const char *path,
		     struct host_conf *hc)
{
	static const char *const types[] = { "tap", "pcap-live", "pcap-file", NULL };
	static const int type_vals[] = { HT_TAP, HT_PCAP_LIVE, HT_PCAP_FILE };
	static const char *const *const keys[] = { tap_keys, live_keys, file_keys };
	int type = HT_TAP;
	char sub[256];

	conf_get_enum(v, obj, path, "type", types, type_vals, &type);
	hc->htype = (enum host_type)type;
	snprintf(hc->type, sizeof(hc->type), "%s", types[type]);
	conf_check_keys(v, obj, path, keys[type]);
	conf_subpath(sub, sizeof(sub), path, "name");
	if (conf_get_string(v, obj, path, "name", hc->name, sizeof(hc->name)) &&
	    (!conf_name_ok(hc->name) || !strcmp(hc->name, ".") ||
	     !strcmp(hc->name, "..")))
		conf_err(v, sub, false, "not a valid interface name");
	conf_get_netns(v, obj, path, hc->netns);
	/* a pcap-file has no device: without an mtu it carries every frame
	 * the memif link can carry */
	if (hc->htype == HT_PCAP_FILE)
		hc->mtu = 0;
	conf_get_uint(v, obj, path, "mtu", 68, 65000, &hc->mtu, sizeof(unsigned));
	if (hc->htype == HT_TAP) {
		parse_tap(v, obj, path, hc);
	} else if (hc->htype == HT_PCAP_LIVE) {
		conf_get_bool(v, obj, path, "promisc", &hc->promisc);
		conf_get_string(v, obj, path, "filter", hc->filter,
				sizeof(hc->filter));
	} else {
		parse_file(v, obj, path, hc);
	}
}

int config_filter_check(const char *expr, bool l3, char *err, size_t errlen)
{
	pcap_t *p = pcap_open_dead(l3 ? DLT_RAW : DLT_EN10MB, 65535);
	struct bpf_program prog;
	int r = 0;

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (pcap_compile(p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err, errlen, "%s", pcap_geterr(p));
		r = -1;
	} else {
		pcap_freecode(&prog);
	}
	pcap_close(p);
	return r;
}

void conf_host_check(struct vctx *v, const char *path, struct bridge_conf *bc)
{
	struct host_conf *hc = &bc->host;
	char sub[256], err[PCAP_ERRBUF_SIZE + 64];

	conf_subpath(sub, sizeof(sub), path, "host.filter");
	if (hc->filter[0] &&
	    config_filter_check(hc->filter, bc->memif.mode == MM_IP, err,
				sizeof(err)))
		conf_err(v, sub, false, "%s", err);
	if (hc->name[0] || hc->htype == HT_PCAP_FILE)
		return;
	if (hc->htype == HT_PCAP_LIVE)
		conf_err(v, path, true, "host.name: pcap-live needs the "
			 "interface name");
	else if (strlen(bc->name) < CONF_IFNAME_MAX)
		strcpy(hc->name, bc->name);
	else
		conf_err(v, path, true, "host.name is required when the "
			 "bridge name is longer than 15 characters");
}

bool config_host_conflict(const struct host_conf *a, const struct host_conf *b,
			  char *what, size_t len)
{
	if (a->name[0] && !strcmp(a->name, b->name) &&
	    !strcmp(a->netns, b->netns)) {
		snprintf(what, len, "device %s", a->name);
		return true;
	}
	if (a->write[0] && !strcmp(a->write, b->write)) {
		snprintf(what, len, "file %s", a->write);
		return true;
	}
	return false;
}

bool conf_host_equal(const struct host_conf *h, const struct host_conf *k)
{
	return !strcmp(h->type, k->type) && !strcmp(h->name, k->name) &&
	       !strcmp(h->netns, k->netns) && h->mtu == k->mtu &&
	       h->has_mac == k->has_mac &&
	       (!h->has_mac || !memcmp(h->mac, k->mac, 6)) && h->up == k->up &&
	       h->persist == k->persist && h->promisc == k->promisc &&
	       !strcmp(h->filter, k->filter) && !strcmp(h->read, k->read) &&
	       !strcmp(h->write, k->write) && h->timing == k->timing &&
	       h->rate == k->rate && h->loop == k->loop &&
	       h->max_packets == k->max_packets &&
	       h->max_bytes == k->max_bytes && h->keep_files == k->keep_files;
}

const char *config_timing_name(enum replay_timing t)
{
	static const char *const names[] = { "fast", "recorded", "pps", "mbps" };

	return names[t];
}
