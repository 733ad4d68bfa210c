/*
 * capture.h - a copy of a running bridge's frames in a pcap file, with an
 * optional pcap-filter(7) expression, a direction and a frame count.
 */
#ifndef MEMIFD_CAPTURE_H
#define MEMIFD_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/uio.h>
#include <jansson.h>

enum capture_dir {
	CAP_RX = 1, /* from the memif peer (to the host) */
	CAP_TX = 2, /* towards the memif peer (from the host) */
	CAP_BOTH = 3,
};

struct capture;

/* Creates file (which must not exist); filter may be NULL or "", count 0
 * means no limit.  Returns 0 with *out (free with capture_free), or -errno
 * with err filled. */
int capture_new(const char *file, const char *filter, enum capture_dir dir,
		unsigned long long count, bool l3, struct capture **out,
		char *err, size_t errlen);
void capture_free(struct capture *c);

/* Offers one frame (len bytes in iov) seen in direction dir. */
void capture_frame(struct capture *c, enum capture_dir dir,
		   const struct iovec *iov, int iovcnt, size_t len);
/* Still recording: not stopped by its count or by a write error. */
bool capture_active(const struct capture *c);
/* {"file", "filter", "direction", "count", "packets", "bytes", "state",
 *  "error"} (a new object). */
json_t *capture_to_json(const struct capture *c);
/* "rx", "tx", "both" <-> enum; -1 when unknown. */
int capture_dir_parse(const char *s);

#endif
