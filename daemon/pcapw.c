/* pcapw.c - a pcap file writer with nanosecond timestamps. */
#include "pcapw.h"
#include "confine.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PCAP_MAGIC_NS 0xa1b23c4du

struct pcap_file_hdr {
	uint32_t magic;
	uint16_t major, minor;
	int32_t thiszone;
	uint32_t sigfigs, snaplen, linktype;
};
_Static_assert(sizeof(struct pcap_file_hdr) == PCAPW_HDR_LEN, "pcap header");

struct pcap_rec_hdr {
	uint32_t sec, nsec, caplen, len;
};
_Static_assert(sizeof(struct pcap_rec_hdr) == PCAPW_REC_LEN, "pcap record");

void pcapw_file_header(uint8_t out[PCAPW_HDR_LEN], uint32_t linktype)
{
	struct pcap_file_hdr h = { PCAP_MAGIC_NS, 2, 4, 0, 0, PCAPW_SNAPLEN,
				   linktype };

	memcpy(out, &h, sizeof(h));
}

size_t pcapw_record_header(uint8_t out[PCAPW_REC_LEN], size_t len)
{
	size_t cap = len < PCAPW_SNAPLEN ? len : PCAPW_SNAPLEN;
	struct pcap_rec_hdr rh;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	rh.sec = (uint32_t)ts.tv_sec;
	rh.nsec = (uint32_t)ts.tv_nsec;
	rh.caplen = (uint32_t)cap;
	rh.len = (uint32_t)len;
	memcpy(out, &rh, sizeof(rh));
	return cap;
}

int pcapw_open(struct pcapw *w, const struct confine *cf, const char *path,
	       uint32_t linktype, bool excl, char *err, size_t errlen)
{
	uint8_t h[PCAPW_HDR_LEN];
	int flags = O_WRONLY | O_CREAT | (excl ? O_EXCL : O_TRUNC);
	ssize_t n;
	int r;

	pcapw_file_header(h, linktype);
	w->size = w->packets = 0;
	w->fd = confine_open(cf, path, flags, 0644, err, errlen);
	if (w->fd < 0) {
		r = w->fd;
		w->fd = -1;
		return r;
	}
	n = write(w->fd, h, sizeof(h));
	if (n == (ssize_t)sizeof(h)) {
		w->size = sizeof(h);
		return 0;
	}
	r = n < 0 ? -errno : -ENOSPC;
	close(w->fd);
	w->fd = -1;
	confine_unlink(cf, path);
	if (err)
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
	return r;
}

int pcapw_write(struct pcapw *w, const struct iovec *iov, int iovcnt, size_t len)
{
	uint8_t rh[PCAPW_REC_LEN];
	struct iovec v[IOV_MAX];
	size_t cap, left;
	int nv = 1;
	ssize_t n;
	int r;

	if (w->fd < 0)
		return -EBADF;
	if (iovcnt >= IOV_MAX || len > UINT32_MAX)
		return -EMSGSIZE;
	cap = left = pcapw_record_header(rh, len);
	v[0].iov_base = rh;
	v[0].iov_len = sizeof(rh);
	for (int i = 0; i < iovcnt && left; i++, nv++) {
		v[nv] = iov[i];
		if (v[nv].iov_len > left)
			v[nv].iov_len = left;
		left -= v[nv].iov_len;
	}
	n = writev(w->fd, v, nv);
	if (n == (ssize_t)(sizeof(rh) + cap)) {
		w->size += (uint64_t)n;
		w->packets++;
		return 0;
	}
	r = n < 0 ? -errno : -ENOSPC;
	/* a partial record would make readers complain: cut it off */
	if (n > 0 && ftruncate(w->fd, (off_t)w->size) == 0)
		lseek(w->fd, (off_t)w->size, SEEK_SET);
	return r;
}

void pcapw_close(struct pcapw *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}
