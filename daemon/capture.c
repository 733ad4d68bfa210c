/* capture.c - mirror a bridge's frames into a pcap file, or as a pcap
 * stream into a client's descriptor through a bounded queue. */
#include "capture.h"
#include "log.h"
#include "pcapw.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STREAM_QUEUE_MIN (64 * 1024)
#define STREAM_PIPE_SIZE (1024 * 1024) /* asked of a pipe, best effort */

struct capture {
	struct loop_fd lf; /* stream: its descriptor, -1 once ended */
	struct loop *loop;
	void (*on_end)(void *arg); /* stream: deferred once it has ended */
	void *end_arg, *owner;
	struct capture *next;
	bool stream, ended;
	uint8_t *q; /* stream: pcap bytes not yet written */
	size_t qoff, qlen, qcap;
	unsigned long long dropped; /* stream: frames the queue had no room for */
	struct pcapw w;
	struct bpf_program prog;
	bool has_prog;
	enum capture_dir dir;
	unsigned long long count;
	unsigned long long bytes;
	/* "recording", "done", "stopped", "ended", "closed", "error" */
	char state[16];
	char error[128];
	char reason[64]; /* ended: why ("bridge deleted", ...) */
	char name[32];	 /* stream: its bridge's */
	pid_t pid;	 /* stream: its client's */
	uid_t uid;
	char file[256];
	char filter[512];
};

static uint8_t cap_scratch[65536]; /* a chained frame made contiguous */

/* One lock for every capture: worker threads offer frames while the main
 * thread starts, reads, stops and frees captures and writes streams out. */
static pthread_mutex_t cap_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_t cap_main; /* the thread of the loops streams live in */
static bool cap_main_set;

void capture_lock(void)
{
	pthread_mutex_lock(&cap_mu);
}

void capture_unlock(void)
{
	pthread_mutex_unlock(&cap_mu);
}

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

/* What file and stream captures share: the struct, its filter. */
static int capture_alloc(const char *filter, enum capture_dir dir,
			 unsigned long long count, bool l3, struct capture **out,
			 char *err, size_t errlen)
{
	struct capture *c = calloc(1, sizeof(*c));
	int r;

	*out = NULL;
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	c->w.fd = c->lf.fd = -1;
	c->dir = dir;
	c->count = count;
	snprintf(c->filter, sizeof(c->filter), "%s", filter ? filter : "");
	snprintf(c->state, sizeof(c->state), "recording");
	if (c->filter[0]) {
		r = capture_compile(c, c->filter, l3, err, errlen);
		if (r) {
			free(c);
			return r;
		}
	}
	*out = c;
	return 0;
}

int capture_new(const char *file, const struct confine *cf, const char *filter,
		enum capture_dir dir, unsigned long long count, bool l3,
		struct capture **out, char *err, size_t errlen)
{
	struct capture *c;
	int r = capture_alloc(filter, dir, count, l3, &c, err, errlen);

	if (r)
		return r;
	snprintf(c->file, sizeof(c->file), "%s", file);
	r = pcapw_open(&c->w, cf, file, l3 ? PCAPW_LINKTYPE_RAW
					   : PCAPW_LINKTYPE_ETHERNET,
		       true, err, errlen);
	if (r) {
		capture_free(c);
		return r == -EEXIST || r == -EPERM || r == -ENOSYS ? r : -EIO;
	}
	*out = c;
	return 0;
}

/* ---- streams ------------------------------------------------------------- */

static void stream_watch(struct capture *c, uint32_t events)
{
	if (loop_mod(c->loop, &c->lf, events))
		log_warn("capture stream: epoll: %s", strerror(errno));
}

/* The end of a stream: its descriptor closed, the owner told later. */
static void stream_end(struct capture *c, const char *state, const char *error)
{
	if (c->ended)
		return;
	if (state)
		snprintf(c->state, sizeof(c->state), "%s", state);
	if (error)
		snprintf(c->error, sizeof(c->error), "%s", error);
	loop_del(c->loop, &c->lf);
	close(c->lf.fd);
	c->lf.fd = -1;
	c->ended = true;
	free(c->q);
	c->q = NULL;
	c->qoff = c->qlen = c->qcap = 0;
	if (c->on_end)
		loop_defer(c->loop, c->on_end, c->end_arg);
}

/* Writes what the queue holds without blocking; once a stopped stream is
 * written out, it ends. */
static void stream_flush(struct capture *c)
{
	while (c->qoff < c->qlen) {
		ssize_t n = write(c->lf.fd, c->q + c->qoff, c->qlen - c->qoff);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			stream_watch(c, EPOLLOUT);
			return;
		}
		if (n <= 0) {
			/* EPIPE: the reader went away, the normal end */
			stream_end(c, errno == EPIPE ? "closed" : "error",
				   errno == EPIPE ? NULL : strerror(errno));
			return;
		}
		c->qoff += (size_t)n;
	}
	c->qoff = c->qlen = 0;
	if (strcmp(c->state, "recording"))
		stream_end(c, NULL, NULL);
	else
		stream_watch(c, 0); /* EPOLLERR still says the reader left */
}

static void stream_event(struct loop_fd *lf, uint32_t events)
{
	struct capture *c = (struct capture *)lf;

	capture_lock();
	stream_flush(c);
	if (!c->ended && (events & EPOLLERR) && c->qoff == c->qlen)
		stream_end(c, "closed", NULL); /* nothing to write, reader gone */
	capture_unlock();
}

/* Room for len more bytes in the queue, or false (the frame is dropped). */
static bool stream_room(struct capture *c, size_t len)
{
	size_t want;
	uint8_t *q;

	if (c->qlen - c->qoff + len > CAPTURE_QUEUE_MAX)
		return false;
	if (c->qoff && c->qlen + len > c->qcap) {
		memmove(c->q, c->q + c->qoff, c->qlen - c->qoff);
		c->qlen -= c->qoff;
		c->qoff = 0;
	}
	if (c->qlen + len <= c->qcap)
		return true;
	for (want = c->qcap ? c->qcap : STREAM_QUEUE_MIN; want < c->qlen + len;)
		want *= 2;
	q = realloc(c->q, want);
	if (!q)
		return false;
	c->q = q;
	c->qcap = want;
	return true;
}

static void stream_push(struct capture *c, const void *data, size_t len)
{
	memcpy(c->q + c->qlen, data, len);
	c->qlen += len;
}

static void stream_frame(struct capture *c, const struct iovec *iov,
			 int iovcnt, size_t len)
{
	uint8_t rh[PCAPW_REC_LEN];
	size_t cap = pcapw_record_header(rh, len), left = cap;

	if (!stream_room(c, sizeof(rh) + cap)) {
		c->dropped++;
		return;
	}
	stream_push(c, rh, sizeof(rh));
	for (int i = 0; i < iovcnt && left; i++) {
		size_t n = iov[i].iov_len < left ? iov[i].iov_len : left;

		stream_push(c, iov[i].iov_base, n);
		left -= n;
	}
	c->w.packets++;
	c->bytes += len;
	if (c->count && c->w.packets >= c->count)
		snprintf(c->state, sizeof(c->state), "done");
	/* the stream's loop is the main thread's: a worker leaves the
	 * writing (and the end) to it */
	if (pthread_equal(pthread_self(), cap_main))
		stream_flush(c);
	else if (c->qlen - c->qoff == sizeof(rh) + cap)
		stream_watch(c, EPOLLOUT); /* the queue was empty till now */
}

int capture_stream_new(struct loop *loop, int fd, const char *filter,
		       enum capture_dir dir, unsigned long long count, bool l3,
		       const struct capture_owner *own, struct capture **out,
		       char *err, size_t errlen)
{
	uint8_t h[PCAPW_HDR_LEN];
	struct capture *c;
	int fl = fcntl(fd, F_GETFL), r;

	if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY) {
		snprintf(err, errlen, "the descriptor sent is not open for writing");
		return -EINVAL;
	}
	r = capture_alloc(filter, dir, count, l3, &c, err, errlen);
	if (r)
		return r;
	c->stream = true;
	c->loop = loop;
	if (!cap_main_set) {
		cap_main = pthread_self();
		cap_main_set = true;
	}
	c->owner = own->owner;
	c->on_end = own->on_end;
	c->end_arg = own->arg;
	snprintf(c->name, sizeof(c->name), "%s", own->name ? own->name : "");
	c->pid = own->pid;
	c->uid = own->uid;
	snprintf(c->file, sizeof(c->file), "-");
	fcntl(fd, F_SETPIPE_SZ, STREAM_PIPE_SIZE); /* not a pipe, or too big: as is */
	if (fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 || !stream_room(c, sizeof(h))) {
		snprintf(err, errlen, "capture stream: %s", strerror(errno));
		capture_free(c);
		return -EIO;
	}
	c->lf.fd = fd;
	c->lf.cb = stream_event;
	if (loop_add(loop, &c->lf, 0)) {
		c->lf.fd = -1;
		snprintf(err, errlen, "capture stream: %s", strerror(errno));
		capture_free(c);
		return -EIO;
	}
	pcapw_file_header(h, l3 ? PCAPW_LINKTYPE_RAW : PCAPW_LINKTYPE_ETHERNET);
	stream_push(c, h, sizeof(h));
	stream_flush(c);
	*out = c;
	return 0;
}

void capture_stream_stop(struct capture *c)
{
	if (c->ended || strcmp(c->state, "recording"))
		return;
	snprintf(c->state, sizeof(c->state), "stopped");
	stream_flush(c);
}

void capture_stream_end(struct capture *c, const char *reason)
{
	if (c->ended)
		return;
	snprintf(c->state, sizeof(c->state), "ended");
	snprintf(c->reason, sizeof(c->reason), "%s", reason);
	stream_flush(c);
}

const char *capture_stream_name(const struct capture *c)
{
	return c->name;
}

bool capture_stream_ended(const struct capture *c)
{
	return c->ended;
}

void *capture_stream_owner(const struct capture *c)
{
	return c->owner;
}

struct capture **capture_next(struct capture *c)
{
	return &c->next;
}

/* ---- both ---------------------------------------------------------------- */

static void capture_release(void *arg)
{
	free(arg);
}

void capture_free(struct capture *c)
{
	if (!c)
		return;
	pcapw_close(&c->w);
	if (c->has_prog)
		pcap_freecode(&c->prog);
	if (!c->stream) {
		free(c);
		return;
	}
	if (c->lf.fd >= 0) {
		loop_del(c->loop, &c->lf);
		close(c->lf.fd);
	}
	free(c->q);
	/* its loop_fd may be in the batch of events being dispatched */
	if (loop_defer(c->loop, capture_release, c))
		free(c);
}

bool capture_active(const struct capture *c)
{
	return c->stream ? !c->ended && !strcmp(c->state, "recording")
			 : c->w.fd >= 0;
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

static void file_frame(struct capture *c, const struct iovec *iov, int iovcnt,
		       size_t len)
{
	int r = pcapw_write(&c->w, iov, iovcnt, len);

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

void capture_frame(struct capture *c, enum capture_dir dir,
		   const struct iovec *iov, int iovcnt, size_t len)
{
	for (; c; c = c->next) {
		if (!capture_active(c) || !(c->dir & dir) ||
		    !capture_match(c, iov, iovcnt, len))
			continue;
		if (c->stream)
			stream_frame(c, iov, iovcnt, len);
		else
			file_frame(c, iov, iovcnt, len);
	}
}

json_t *capture_to_json(const struct capture *c)
{
	json_t *j = json_pack("{s:s?, s:s?, s:s, s:I, s:I, s:I, s:s}",
			      "file", c->stream ? NULL : c->file,
			      "filter", c->filter[0] ? c->filter : NULL,
			      "direction", dir_names[c->dir],
			      "count", (json_int_t)c->count,
			      "packets", (json_int_t)c->w.packets,
			      "bytes", (json_int_t)c->bytes,
			      "state", c->state);

	if (j && c->stream) {
		json_object_set_new(j, "stream", json_true());
		json_object_set_new(j, "dropped", json_integer((json_int_t)c->dropped));
		json_object_set_new(j, "client", json_pack("{s:i, s:I}", "pid", (int)c->pid,
							   "uid", (json_int_t)c->uid));
	}
	if (j && c->error[0])
		json_object_set_new(j, "error", json_string(c->error));
	if (j && c->reason[0])
		json_object_set_new(j, "reason", json_string(c->reason));
	return j;
}
