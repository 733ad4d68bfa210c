/*
 * pcapw.h - writes pcap files: nanosecond timestamps, one record per
 * write(2), so an error (a full disk) is seen at once and the file is cut
 * back to its last whole record: it always reads without warnings.
 */
#ifndef MEMIFD_PCAPW_H
#define MEMIFD_PCAPW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define PCAPW_LINKTYPE_ETHERNET 1
#define PCAPW_LINKTYPE_RAW 101
#define PCAPW_SNAPLEN 262144
#define PCAPW_HDR_LEN 24 /* file header */
#define PCAPW_REC_LEN 16 /* record header */

struct pcapw {
	int fd;
	uint64_t size;	  /* bytes in the file */
	uint64_t packets; /* records in the file */
};

struct confine;

/* Creates path (excl: fail if it exists; never follows a symlink) for cf
 * (confine.h; NULL: as named) and writes the file header.  Returns 0 or
 * -errno with err (a message naming path) filled when not NULL. */
int pcapw_open(struct pcapw *w, const struct confine *cf, const char *path,
	       uint32_t linktype, bool excl, char *err, size_t errlen);
/* Appends one frame of len bytes in iov[0..iovcnt), stamped now; a frame
 * longer than PCAPW_SNAPLEN (what libpcap reads at most) is recorded cut
 * to that, with its length on the wire.  Returns 0 or -errno (the file
 * keeps only whole records). */
int pcapw_write(struct pcapw *w, const struct iovec *iov, int iovcnt, size_t len);
/* The file header, and the header of a record of a len-byte frame stamped
 * now (returns how many of its bytes the record holds), for writers of
 * their own (a capture stream). */
void pcapw_file_header(uint8_t out[PCAPW_HDR_LEN], uint32_t linktype);
size_t pcapw_record_header(uint8_t out[PCAPW_REC_LEN], size_t len);
/* Accepts a closed writer. */
void pcapw_close(struct pcapw *w);

#endif
