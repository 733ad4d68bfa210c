/*
 * port_pcap_file.c - pcap files as a host port: "read" is replayed into
 * memif, "write" records what comes out of it.
 *
 * The port's fd is a timerfd.  While a replay runs it is readable whenever
 * the next frame is due: as fast as possible it stays readable, paced it is
 * armed for the due time of the next frame (pace.c), and when the memif
 * ring is full (input_wait) it is armed 100 us ahead, so no frame is lost
 * and the loop never spins.  The replay starts when the memif link comes
 * up and pauses while it is down.  The file is checked completely when the
 * port opens (not pcap, truncated, wrong link type: a clear error then).
 *
 * That check also keeps the frames in memory when they fit in CACHE_MAX:
 * a file read from disk costs two stdio reads per frame and a reopen per
 * pass, which made replay several times slower than the ring; a larger
 * file is read from disk pass after pass.
 */
#include "confine.h"
#include "log.h"
#include "pace.h"
#include "pcapw.h"
#include "port.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define WAIT_NS 100000 /* ring full: try again after this */
#define CACHE_MAX (64u << 20) /* bytes of a file held in memory, at most */

/* A frame of the file in memory: its bytes are cache_data[off, off+len);
 * wire is its length on the wire (more than len: captured truncated). */
struct cached_frame {
	uint64_t ts_ns;
	uint32_t off, len, wire;
};

enum rstate { R_NONE, R_WAITING, R_RUNNING, R_FINISHED, R_ERROR };
enum wstate { W_NONE, W_WRITING, W_LIMIT, W_ERROR };

struct pfile {
	struct host_conf hc;
	bool l3, carrier;
	/* replay: rfd is the file opened once (confine.h), each pass reads
	 * it from the start through rd */
	int rfd;
	pcap_t *rd;
	enum rstate rstate;
	struct pace pace;
	/* the file in memory, or NULL: read from rd */
	struct cached_frame *cache;
	uint8_t *cache_data;
	size_t cache_cap, cache_data_len, cache_data_cap, cache_pos;
	const u_char *next_data; /* the next frame, when have_next */
	uint32_t next_len, next_wire;
	bool have_next;
	uint64_t start_ns, paused_ns, due_ns;
	uint64_t now_ns; /* the clock as last read: due_ns <= now_ns is due */
	uint64_t frames, passes; /* frames per pass, passes done */
	/* frames handed to memif (truncated: captured shorter than they were),
	 * and dropped as larger than the link or the mtu allows */
	uint64_t sent, truncated, oversize;
	/* record */
	struct pcapw w;
	enum wstate wstate;
	uint64_t wpackets, wbytes, wtruncated;
	unsigned files;
	char rerr[PCAP_ERRBUF_SIZE + 320], werr[256];
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Arms the timer at the absolute time ns (0: disarm; past: fires now). */
static void pf_arm(struct port *p, uint64_t ns)
{
	struct itimerspec its = { 0 };

	if (ns) {
		its.it_value.tv_sec = (time_t)(ns / 1000000000u);
		its.it_value.tv_nsec = (long)(ns % 1000000000u);
	}
	timerfd_settime(p->fd, TFD_TIMER_ABSTIME, &its, NULL);
}

static const char *pf_linktype_ok(int dlt, bool l3)
{
	if (l3)
		return dlt == DLT_RAW || dlt == DLT_IPV4 || dlt == DLT_IPV6
			       ? NULL : "RAW";
	return dlt == DLT_EN10MB ? NULL : "EN10MB";
}

/* A record's time: the file is opened with nanosecond precision, so the
 * "usec" field holds nanoseconds. */
static uint64_t rec_ns(const struct pcap_pkthdr *h)
{
	return (uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec;
}

static void cache_free(struct pfile *f)
{
	free(f->cache);
	free(f->cache_data);
	f->cache = NULL;
	f->cache_data = NULL;
	f->cache_cap = f->cache_data_len = f->cache_data_cap = 0;
}

/* Appends a frame; false when the file does not fit (the cache is freed). */
static bool cache_add(struct pfile *f, const struct pcap_pkthdr *h,
		      const u_char *d)
{
	if (f->frames > f->cache_cap) { /* frames counts this one already */
		size_t cap = f->cache_cap ? f->cache_cap * 2 : 1024;
		void *n = realloc(f->cache, cap * sizeof(*f->cache));

		if (!n)
			goto drop;
		f->cache = n;
		f->cache_cap = cap;
	}
	/* the frames and their index (empty frames cost only the index) */
	if (f->cache_data_len + h->caplen +
	    f->frames * sizeof(*f->cache) > CACHE_MAX)
		goto drop;
	/* allocated from the first frame on, even an empty one: frames point
	 * into it, never into NULL */
	if (!f->cache_data || f->cache_data_len + h->caplen > f->cache_data_cap) {
		size_t cap = f->cache_data_cap ? f->cache_data_cap * 2 : 65536;
		void *n;

		while (cap < f->cache_data_len + h->caplen)
			cap *= 2;
		if (cap > CACHE_MAX)
			cap = CACHE_MAX;
		n = realloc(f->cache_data, cap);
		if (!n)
			goto drop;
		f->cache_data = n;
		f->cache_data_cap = cap;
	}
	f->cache[f->frames - 1] = (struct cached_frame){
		.ts_ns = rec_ns(h),
		.off = (uint32_t)f->cache_data_len,
		.len = h->caplen,
		.wire = h->len,
	};
	memcpy(f->cache_data + f->cache_data_len, d, h->caplen);
	f->cache_data_len += h->caplen;
	return true;
drop:
	cache_free(f);
	return false;
}

/* libpcap reads the file opened (and checked) once, from its start: the
 * file read is the one that was opened, whatever its name has become. */
static int pf_pcap_open(struct pfile *f, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	int fd = dup(f->rfd);
	FILE *fp = NULL;

	if (fd < 0 || lseek(fd, 0, SEEK_SET) < 0 || !(fp = fdopen(fd, "r"))) {
		snprintf(err, errlen, "read %s: %s", f->hc.read, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -EIO;
	}
	f->rd = pcap_fopen_offline_with_tstamp_precision(fp,
			PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (!f->rd) {
		fclose(fp); /* libpcap leaves it open when it fails */
		snprintf(err, errlen, "read %s: %s", f->hc.read, ebuf);
		return -EIO;
	}
	return 0;
}

/* Opens the replay file; check: read it through, counting its frames and
 * keeping them in memory if they fit (then the file is closed again). */
static int pf_open_read(struct pfile *f, bool check, char *err, size_t errlen)
{
	struct pcap_pkthdr *h;
	const u_char *d;
	const char *want;
	bool caching = true;
	int r;

	r = pf_pcap_open(f, err, errlen);
	if (r)
		return r;
	want = pf_linktype_ok(pcap_datalink(f->rd), f->l3);
	if (want) {
		snprintf(err, errlen, "read %s: link type %s is not supported "
			 "by memif mode %s (needs %s)", f->hc.read,
			 pcap_datalink_val_to_name(pcap_datalink(f->rd)),
			 f->l3 ? "ip" : "ethernet", want);
		return -EIO;
	}
	if (!check)
		return 0;
	for (f->frames = 0; (r = pcap_next_ex(f->rd, &h, &d)) == 1;) {
		f->frames++;
		if (caching)
			caching = cache_add(f, h, d);
	}
	if (r == PCAP_ERROR) {
		snprintf(err, errlen, "read %s: %s (after %llu frames)",
			 f->hc.read, pcap_geterr(f->rd),
			 (unsigned long long)f->frames);
		cache_free(f);
		return -EIO;
	}
	pcap_close(f->rd);
	f->rd = NULL;
	if (caching && f->frames) {
		close(f->rfd);
		f->rfd = -1;
		log_info("replay of %s: %llu frames, %zu bytes, held in memory",
			 f->hc.read, (unsigned long long)f->frames,
			 f->cache_data_len);
		return 0;
	}
	return pf_open_read(f, false, err, errlen);
}

/* The next frame of this pass: 1, 0 at the end, PCAP_ERROR. */
static int pf_fetch(struct pfile *f, uint64_t *ts_ns)
{
	struct pcap_pkthdr *h;
	int r;

	if (f->cache) {
		const struct cached_frame *c;

		if (f->cache_pos == f->frames)
			return 0;
		c = &f->cache[f->cache_pos++];
		*ts_ns = c->ts_ns;
		f->next_data = f->cache_data + c->off;
		f->next_len = c->len;
		f->next_wire = c->wire;
		return 1;
	}
	r = pcap_next_ex(f->rd, &h, &f->next_data);
	if (r != 1)
		return r == PCAP_ERROR ? PCAP_ERROR : 0;
	*ts_ns = rec_ns(h);
	f->next_len = h->caplen;
	f->next_wire = h->len;
	return 1;
}

/* Back to the first frame for the next pass. */
static int pf_rewind(struct pfile *f, char *err, size_t errlen)
{
	if (f->cache) {
		f->cache_pos = 0;
		return 0;
	}
	pcap_close(f->rd);
	f->rd = NULL;
	return pf_open_read(f, false, err, errlen);
}

static void pf_finish(struct port *p, struct pfile *f, const char *error)
{
	f->rstate = error ? R_ERROR : R_FINISHED;
	pf_arm(p, 0);
	if (error) {
		snprintf(f->rerr, sizeof(f->rerr), "%s", error);
		log_err("replay of %s: %s", f->hc.read, error);
	} else {
		char trunc[48] = "";

		if (f->truncated)
			snprintf(trunc, sizeof(trunc), " (%llu truncated)",
				 (unsigned long long)f->truncated);
		log_info("replay of %s finished: %llu sent%s, %llu dropped%s, "
			 "%llu passes", f->hc.read, (unsigned long long)f->sent,
			 trunc, (unsigned long long)f->oversize,
			 f->oversize ? " (oversize)" : "",
			 (unsigned long long)f->passes);
	}
}

/* Fetches the next frame, across passes; false when there is none. */
static bool pf_next(struct port *p, struct pfile *f)
{
	char err[PCAP_ERRBUF_SIZE + 300];
	uint64_t ts;
	int r;

	for (int tries = 0; tries < 2; tries++) {
		r = pf_fetch(f, &ts);
		if (r == 1) {
			f->due_ns = f->start_ns + pace_due(&f->pace, ts,
							   f->next_len);
			f->have_next = true;
			return true;
		}
		if (r == PCAP_ERROR) {
			pf_finish(p, f, pcap_geterr(f->rd));
			return false;
		}
		f->passes++;
		if ((f->hc.loop && f->passes >= f->hc.loop) || !f->frames)
			break;
		if (pf_rewind(f, err, sizeof(err))) {
			pf_finish(p, f, err);
			return false;
		}
		pace_new_pass(&f->pace);
	}
	pf_finish(p, f, NULL);
	return false;
}

/* The length of the next frame, once it is due; -EAGAIN before (the
 * timer is armed for it) or when there is none. */
static ssize_t pf_peek(struct port *p)
{
	struct pfile *f = p->priv;

	if (!f->carrier || f->rstate != R_RUNNING)
		return -EAGAIN;
	if (!f->have_next && !pf_next(p, f))
		return -EAGAIN;
	/* the clock is read only when the last reading says "not yet" */
	if (f->due_ns > f->now_ns && f->due_ns > (f->now_ns = mono_ns())) {
		pf_arm(p, f->due_ns);
		return -EAGAIN;
	}
	return f->next_len;
}

/* The bridge dropped the next frame unread. */
static void pf_skip(struct port *p)
{
	struct pfile *f = p->priv;

	f->have_next = false;
	f->oversize++;
}

/* Copies the next frame (what was captured of it) into iov; a frame
 * longer than iov is cut (the bridge peeks first, so it never is). */
static ssize_t pf_readv(struct port *p, unsigned q, const struct iovec *iov,
			 int iovcnt)
{
	struct pfile *f = p->priv;
	ssize_t r = pf_peek(p);
	size_t left, n;

	(void)q; /* one queue */
	if (r < 0)
		return r;
	left = f->next_len;
	for (int i = 0; i < iovcnt && left; i++) {
		n = left < iov[i].iov_len ? left : iov[i].iov_len;
		memcpy(iov[i].iov_base, f->next_data + (f->next_len - left), n);
		left -= n;
	}
	f->have_next = false;
	f->sent++;
	if (f->next_wire > f->next_len)
		f->truncated++;
	return (ssize_t)(f->next_len - left);
}

static void pf_input_wait(struct port *p)
{
	pf_arm(p, mono_ns() + WAIT_NS);
}

static void pf_set_carrier(struct port *p, bool up)
{
	struct pfile *f = p->priv;
	uint64_t now = mono_ns();

	f->carrier = up;
	if (f->rstate == R_WAITING && up) {
		f->rstate = R_RUNNING;
		f->start_ns = now;
		log_info("replay of %s started", f->hc.read);
	} else if (f->rstate == R_RUNNING && up) {
		/* resume where the pause began */
		f->start_ns += now - f->paused_ns;
		f->due_ns += now - f->paused_ns;
	}
	f->paused_ns = now;
	pf_arm(p, up && f->rstate == R_RUNNING ? now : 0);
}

/* ---- record ------------------------------------------------------------ */

static int pf_open_write(struct pfile *f, char *err, size_t errlen)
{
	return pcapw_open(&f->w, &f->hc.confine, f->hc.write,
			  f->l3 ? PCAPW_LINKTYPE_RAW : PCAPW_LINKTYPE_ETHERNET,
			  false, err, errlen);
}

static void pf_write_fail(struct pfile *f, int r)
{
	f->wstate = W_ERROR;
	snprintf(f->werr, sizeof(f->werr), "%s", strerror(-r));
	log_err("write %s: %s; recording stopped", f->hc.write, f->werr);
	pcapw_close(&f->w);
}

/* FILE -> FILE.1 -> ... -> FILE.keep_files, then a new FILE. */
static int pf_rotate(struct pfile *f)
{
	char from[CONF_FILE_MAX + 16], to[CONF_FILE_MAX + 16];
	int r;

	pcapw_close(&f->w);
	for (unsigned i = f->hc.keep_files; i > 0; i--) {
		if (i > 1)
			snprintf(from, sizeof(from), "%s.%u", f->hc.write, i - 1);
		else
			snprintf(from, sizeof(from), "%s", f->hc.write);
		snprintf(to, sizeof(to), "%s.%u", f->hc.write, i);
		r = confine_rename(&f->hc.confine, from, to);
		if (r && r != -ENOENT)
			return r;
	}
	f->files++;
	return pf_open_write(f, NULL, 0);
}

/* False when the frame must not be written (limit, no rotation). */
static bool pf_room(struct pfile *f, size_t len)
{
	bool full = (f->hc.max_packets && f->w.packets >= f->hc.max_packets) ||
		    (f->hc.max_bytes && f->w.packets &&
		     f->w.size + PCAPW_REC_LEN + len > f->hc.max_bytes);
	int r;

	if (!full)
		return true;
	if (!f->hc.keep_files) {
		f->wstate = W_LIMIT;
		log_notice("write %s: limit reached, recording stopped",
			   f->hc.write);
		pcapw_close(&f->w);
		return false;
	}
	r = pf_rotate(f);
	if (r) {
		pf_write_fail(f, r);
		return false;
	}
	return true;
}

static ssize_t pf_writev(struct port *p, unsigned q, const struct iovec *iov,
			  int iovcnt)
{
	struct pfile *f = p->priv;
	size_t len = 0;
	int r;

	(void)q; /* one queue */
	if (f->wstate != W_WRITING)
		return -ENOBUFS; /* nowhere to write: a host_full drop */
	if (iovcnt >= IOV_MAX)
		return -EMSGSIZE; /* a chain of more slots than writev takes */
	for (int i = 0; i < iovcnt; i++)
		len += iov[i].iov_len;
	if (!pf_room(f, len < PCAPW_SNAPLEN ? len : PCAPW_SNAPLEN))
		return -ENOBUFS;
	r = pcapw_write(&f->w, iov, iovcnt, len);
	if (r) {
		pf_write_fail(f, r);
		return r;
	}
	f->wpackets++;
	f->wbytes += len;
	if (len > PCAPW_SNAPLEN)
		f->wtruncated++;
	return (ssize_t)len;
}

/* ---- the port ------------------------------------------------------------ */

static void pf_close(struct port *p)
{
	struct pfile *f = p->priv;

	if (f && f->rd)
		pcap_close(f->rd);
	if (f && f->rfd >= 0)
		close(f->rfd);
	if (f) {
		cache_free(f);
		pcapw_close(&f->w);
	}
	if (p->fd >= 0)
		close(p->fd);
	free(f);
	p->priv = NULL;
	p->fd = -1;
}

/* The replay file opened once, or the recording's first file, for the
 * client that created the bridge (hc.confine); err: "host.read: ..." for
 * a confined client, "read ..." otherwise. */
static int pf_open_file(struct pfile *f, const char *path, const char *what,
			char *err, size_t errlen)
{
	char e[CONF_FILE_MAX + 256];
	int r;

	if (!strcmp(what, "read")) {
		f->rfd = confine_open(&f->hc.confine, path, O_RDONLY, 0, e, sizeof(e));
		r = f->rfd < 0 ? f->rfd : 0;
	} else {
		r = pf_open_write(f, e, sizeof(e));
	}
	if (r && f->hc.confine.dir[0])
		snprintf(err, errlen, "host.%s: %s", what, e);
	else if (r)
		snprintf(err, errlen, "%s %s", what, e);
	return r;
}

static int pf_open(struct port *p, const struct host_conf *hc, bool l3,
		   char *err, size_t errlen)
{
	struct pfile *f = calloc(1, sizeof(*f));
	int r;

	if (!f) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	p->priv = f;
	f->hc = *hc;
	f->l3 = l3;
	f->w.fd = f->rfd = -1;
	pace_init(&f->pace, hc->timing, hc->rate);
	p->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	r = p->fd < 0 ? -errno : 0;
	if (r)
		snprintf(err, errlen, "timerfd: %s", strerror(-r));
	if (!r && hc->read[0]) {
		r = pf_open_file(f, hc->read, "read", err, errlen);
		if (!r)
			r = pf_open_read(f, true, err, errlen);
		f->rstate = R_WAITING;
	}
	if (!r && hc->write[0]) {
		r = pf_open_file(f, hc->write, "write", err, errlen);
		f->wstate = W_WRITING;
		f->files = 1;
	}
	if (r) {
		pf_close(p);
		return r == -ENOMEM || r == -EPERM || r == -ENOSYS ? r : -EIO;
	}
	return 0;
}

static const char *const rstate_names[] = { "none", "waiting", "replaying",
					    "finished", "error" };
static const char *const wstate_names[] = { "none", "writing", "limit",
					    "error" };

static void pf_describe(struct port *p, json_t *host)
{
	struct pfile *f = p->priv;
	json_t *j;

	if (f->hc.read[0]) {
		j = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:s}",
			      "file", f->hc.read,
			      "timing", config_timing_name(f->hc.timing),
			      "rate", (json_int_t)f->hc.rate,
			      "loop", (json_int_t)f->hc.loop,
			      "frames", (json_int_t)f->frames,
			      "sent", (json_int_t)f->sent,
			      "passes", (json_int_t)f->passes,
			      "state", rstate_names[f->rstate]);
		if (j) {
			json_object_set_new(j, "in_memory",
					    json_boolean(f->cache != NULL));
			json_object_set_new(j, "truncated",
					    json_integer((json_int_t)f->truncated));
			json_object_set_new(j, "drops", json_pack("{s:I}",
					    "oversize", (json_int_t)f->oversize));
		}
		if (j && f->rerr[0])
			json_object_set_new(j, "error", json_string(f->rerr));
		json_object_set_new(host, "read", j);
	}
	if (f->hc.write[0]) {
		j = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:i, s:s}",
			      "file", f->hc.write,
			      "max_packets", (json_int_t)f->hc.max_packets,
			      "max_bytes", (json_int_t)f->hc.max_bytes,
			      "keep_files", (json_int_t)f->hc.keep_files,
			      "packets", (json_int_t)f->wpackets,
			      "bytes", (json_int_t)f->wbytes,
			      "files", (int)f->files,
			      "state", wstate_names[f->wstate]);
		if (j)
			json_object_set_new(j, "truncated",
					    json_integer((json_int_t)f->wtruncated));
		if (j && f->werr[0])
			json_object_set_new(j, "error", json_string(f->werr));
		json_object_set_new(host, "write", j);
	}
}

static const char *pf_state(struct port *p)
{
	struct pfile *f = p->priv;

	return f->rstate == R_ERROR || f->wstate == W_ERROR ? "error" : "up";
}

const struct port_ops port_pcap_file_ops = {
	.type = "pcap-file",
	.open = pf_open,
	.close = pf_close,
	.readv = pf_readv,
	.writev = pf_writev,
	.set_carrier = pf_set_carrier,
	.describe = pf_describe,
	.state = pf_state,
	.input_wait = pf_input_wait,
	.peek = pf_peek,
	.skip = pf_skip,
};
