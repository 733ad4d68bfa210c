/*
 * capture.h - a copy of a running bridge's frames in a pcap file, with an
 * optional pcap-filter(7) expression, a direction and a frame count.
 */
#ifndef MEMIFD_CAPTURE_H
#define MEMIFD_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <jansson.h>

#include "loop.h"

enum capture_dir {
	CAP_RX = 1, /* from the memif peer (to the host) */
	CAP_TX = 2, /* towards the memif peer (from the host) */
	CAP_BOTH = 3,
};

struct capture;
struct confine;

/* Creates file (which must not exist) for cf (confine.h: NULL or an
 * empty dir: as named); filter may be NULL or "", count 0 means no limit.
 * Returns 0 with *out (free with capture_free), or -errno with err filled
 * (-EPERM: refused by the confinement). */
int capture_new(const char *file, const struct confine *cf, const char *filter,
		enum capture_dir dir, unsigned long long count, bool l3,
		struct capture **out, char *err, size_t errlen);
/* Accepts NULL; a stream's descriptor is closed. */
void capture_free(struct capture *c);

/* Every capture function but capture_dir_parse runs under this lock when
 * several threads use captures (the data path offers frames from worker
 * threads); the main thread writes streams out, under it too. */
void capture_lock(void);
void capture_unlock(void);

/* Offers one frame (len bytes in iov) seen in direction dir, to c and
 * the captures linked after it. */
void capture_frame(struct capture *c, enum capture_dir dir,
		   const struct iovec *iov, int iovcnt, size_t len);
/* Still recording: not stopped by its count or by a write error. */
bool capture_active(const struct capture *c);
/* {"file", "filter", "direction", "count", "packets", "bytes", "state",
 *  "error"}, a stream's with "stream": true, "dropped" (frames its queue
 * had no room for), "client": {"pid", "uid"}, a null "file" and, once
 * ended by its bridge going away, "reason" (a new object). */
json_t *capture_to_json(const struct capture *c);
/* ---- streams: a pcap stream into a descriptor (a client's pipe) ----------
 *
 * The pcap header, then a record per frame, queued (at most
 * CAPTURE_QUEUE_MAX bytes) and written without ever blocking: a frame the
 * queue has no room for is dropped from the capture (counted in
 * "dropped").  A stream ends when its count is reached or it is stopped
 * (once the queue is written out), when the reader goes away (EPIPE: state
 * "closed") or on a write error ("error"): its descriptor is closed and
 * on_end(arg) runs after the current batch of events; the owner then
 * takes it off its list (capture_stream_ended) and frees it. */
#define CAPTURE_QUEUE_MAX (4u * 1024 * 1024)

struct capture_owner {
	const char *name; /* the bridge's (copied; capture_stream_name) */
	void *owner; /* whose stream (capture_stream_owner) */
	pid_t pid;   /* the owner's, shown as "client" (SO_PEERCRED) */
	uid_t uid;
	void (*on_end)(void *arg);
	void *arg;
};

/* On success the stream owns fd (made non-blocking; a pipe is asked for
 * a 1 MiB buffer); on failure the caller still does.  Returns 0 or -errno
 * with err filled. */
int capture_stream_new(struct loop *loop, int fd, const char *filter,
		       enum capture_dir dir, unsigned long long count, bool l3,
		       const struct capture_owner *own, struct capture **out,
		       char *err, size_t errlen);
/* No more frames: the queue is written out, then the stream ends. */
void capture_stream_stop(struct capture *c);
/* The same when the bridge goes away: state "ended" and reason ("bridge
 * deleted", ...) in its JSON.  The stream lives on, off the bridge, until
 * its queue is written out (the pcap stream stays whole). */
void capture_stream_end(struct capture *c, const char *reason);
const char *capture_stream_name(const struct capture *c);
bool capture_stream_ended(const struct capture *c);
void *capture_stream_owner(const struct capture *c);
/* The link of a list of captures (capture_frame offers a frame to each). */
struct capture **capture_next(struct capture *c);

/* "rx", "tx", "both" <-> enum; -1 when unknown. */
int capture_dir_parse(const char *s);

#endif
