/* capture.c - mirror a bridge's frames into a pcap file. */
#include "capture.h"
#include "log.h"
#include "pcapw.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct capture {
	struct pcapw w;
	struct bpf_program prog;
	bool has_prog;
	enum capture_dir dir;
	unsigned long long count;
	unsigned long long bytes;
	char state[16]; /* "recording", "done", "error" */
	char error[128];
	char file[256];
	char filter[512];
};

static uint8_t cap_scratch[65536]; /* a chained frame made contiguous */

static const char *const dir_names[] = { NULL, "rx", "tx", "both" };

int capture_dir_parse(const char *s)
{
	for (int i = CAP_RX; i <= CAP_BOTH; i++)
		if (!strcmp(dir_names[i], s))
			return i;
	return -1;
}

static int capture_compile(struct capture *c, const char *filter, bool l3,
			   char *err, size_t errlen)
{
	pcap_t *p = pcap_open_dead(l3 ? DLT_RAW : DLT_EN10MB, PCAPW_SNAPLEN);
	int r = 0;

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (pcap_compile(p, &c->prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err, errlen, "filter: %s", pcap_geterr(p));
		r = -EINVAL;
	} else {
		c->has_prog = true;
	}
	pcap_close(p);
	return r;
}

int capture_new(const char *file, const char *filter, enum capture_dir dir,
		unsigned long long count, bool l3, struct capture **out,
		char *err, size_t errlen)
{
	struct capture *c = calloc(1, sizeof(*c));
	int r;

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	c->w.fd = -1;
	c->dir = dir;
	c->count = count;
	snprintf(c->file, sizeof(c->file), "%s", file);
	snprintf(c->filter, sizeof(c->filter), "%s", filter ? filter : "");
	snprintf(c->state, sizeof(c->state), "recording");
	if (c->filter[0]) {
		r = capture_compile(c, c->filter, l3, err, errlen);
		if (r)
			goto fail;
	}
	r = pcapw_open(&c->w, file, l3 ? PCAPW_LINKTYPE_RAW
				       : PCAPW_LINKTYPE_ETHERNET, true);
	if (r) {
		snprintf(err, errlen, "%s: %s", file, strerror(-r));
		r = r == -EEXIST ? -EEXIST : -EIO;
		goto fail;
	}
	*out = c;
	return 0;
fail:
	capture_free(c);
	return r;
}

void capture_free(struct capture *c)
{
	if (!c)
		return;
	pcapw_close(&c->w);
	if (c->has_prog)
		pcap_freecode(&c->prog);
	free(c);
}

bool capture_active(const struct capture *c)
{
	return c->w.fd >= 0;
}

static bool capture_match(struct capture *c, const struct iovec *iov,
			  int iovcnt, size_t len)
{
	struct pcap_pkthdr h = { .caplen = (bpf_u_int32)len,
				 .len = (bpf_u_int32)len };
	const uint8_t *data = iov[0].iov_base;
	size_t off = 0;

	if (!c->has_prog)
		return true;
	if (iovcnt > 1) {
		if (len > sizeof(cap_scratch))
			return false;
		for (int i = 0; i < iovcnt; off += iov[i++].iov_len)
			memcpy(cap_scratch + off, iov[i].iov_base, iov[i].iov_len);
		data = cap_scratch;
	}
	return pcap_offline_filter(&c->prog, &h, data) != 0;
}

void capture_frame(struct capture *c, enum capture_dir dir,
		   const struct iovec *iov, int iovcnt, size_t len)
{
	int r;

	if (!capture_active(c) || !(c->dir & dir) ||
	    !capture_match(c, iov, iovcnt, len))
		return;
	r = pcapw_write(&c->w, iov, iovcnt, len);
	if (r) {
		snprintf(c->state, sizeof(c->state), "error");
		snprintf(c->error, sizeof(c->error), "%s", strerror(-r));
		log_err("capture %s: %s, stopped", c->file, c->error);
		pcapw_close(&c->w);
		return;
	}
	c->bytes += len;
	if (c->count && c->w.packets >= c->count) {
		snprintf(c->state, sizeof(c->state), "done");
		log_info("capture %s: %llu frames, done", c->file, c->count);
		pcapw_close(&c->w);
	}
}

json_t *capture_to_json(const struct capture *c)
{
	json_t *j = json_pack("{s:s, s:s?, s:s, s:I, s:I, s:I, s:s}",
			      "file", c->file,
			      "filter", c->filter[0] ? c->filter : NULL,
			      "direction", dir_names[c->dir],
			      "count", (json_int_t)c->count,
			      "packets", (json_int_t)c->w.packets,
			      "bytes", (json_int_t)c->bytes,
			      "state", c->state);

	if (j && c->error[0])
		json_object_set_new(j, "error", json_string(c->error));
	return j;
}
