/*
 * port.h - the host side of a bridge behind a small interface, so that TAP
 * devices, live interfaces and pcap files all look the same to the bridge.
 *
 * A port has a non-blocking fd the loop watches for input, or one per
 * queue (nqueues > 1: a multi-queue TAP, where the kernel spreads the
 * flows it sends over the queues and a flow stays on one).  readv/writev
 * move one frame each on queue q (0 for a single-queue port) and return
 * the frame length or -errno (-EAGAIN when nothing is ready / no room).
 *
 * Optional behaviours (NULL / false: the TAP's "count the drop, move on"):
 * input_wait keeps a frame the memif ring has no room for and makes the fd
 * readable again later (a file replay loses nothing); peek and skip let
 * the bridge see a frame's length before it reads it; hold_output makes
 * -EAGAIN from writev back-pressure: the bridge keeps the frame in the memif
 * ring and retries when the fd is writable.  A port whose readv failed for
 * good sets dead: the bridge stops watching its fd.  With recover, a dead
 * port means its device is gone: the bridge closes it, takes the memif side
 * down and opens the port again every second (attach_only when the port
 * had not created the device: then only a device that exists again is
 * taken).
 */
#ifndef MEMIFD_PORT_H
#define MEMIFD_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <jansson.h>

#include "config.h"

struct port;

/* One frame for writev_batch: its pieces. */
struct port_frame {
	const struct iovec *iov;
	int iovcnt;
};

/* frames in one writev_batch call at most */
#define PORT_BATCH_MAX 64

struct port_ops {
	const char *type;
	/* l3: frames are IP packets without an Ethernet header. */
	int (*open)(struct port *p, const struct host_conf *hc, bool l3,
		    char *err, size_t errlen);
	void (*close)(struct port *p);
	ssize_t (*readv)(struct port *p, unsigned q, const struct iovec *iov,
			 int iovcnt);
	ssize_t (*writev)(struct port *p, unsigned q, const struct iovec *iov,
			  int iovcnt);
	/* Optional: sends f[0..n) (n <= PORT_BATCH_MAX) on queue q in this
	 * order and in as few system calls as it can; returns how many the
	 * host took, and when that is fewer than n, *err is the -errno
	 * writev would have returned for the first one it did not take. */
	unsigned (*writev_batch)(struct port *p, unsigned q,
				 const struct port_frame *f, unsigned n, int *err);
	/* The link to the peer came up or went down. */
	void (*set_carrier)(struct port *p, bool up);
	/* Adds the device's actual settings to a "host" JSON object. */
	void (*describe)(struct port *p, json_t *host);
	/* "up", "down", "gone" or "error". */
	const char *(*state)(struct port *p);
	void (*input_wait)(struct port *p);
	/* Optional, both or neither: the length of the frame readv would
	 * return next (-EAGAIN: none is ready), so the bridge reserves just
	 * the slots it needs; skip drops that frame unread (oversize). */
	ssize_t (*peek)(struct port *p);
	void (*skip)(struct port *p);
	/* Optional, once a second: the port may find out here that it is dead
	 * (its device went without a word on the fd). */
	void (*tick)(struct port *p);
	bool hold_output;
	bool recover;
};

/* queues of a host port at most (file descriptors of a multi-queue TAP) */
#define PORT_MAX_QUEUES 16

/* How long opening a TAP waits for the removal of its namesake (a
 * management create waits as long, off the loop: mgmt.h MGMT_LATER). */
#define TAP_CLOSE_WAIT_MS 3000

struct port {
	const struct port_ops *ops;
	int fd;		  /* queue 0's */
	int qfd[PORT_MAX_QUEUES]; /* qfd[0] == fd */
	unsigned nqueues; /* asked for by port_open, set to what open made */
	unsigned mtu;
	unsigned max_frame; /* mtu plus the Ethernet header and a VLAN tag */
	bool dead;
	bool attach_only; /* set by port_open: never create the device */
	bool created;	  /* set by open: the port created its device */
	void *priv; /* owned by the implementation */
};

/* Opens the port of hc->type (attach_only: only if its device exists)
 * with up to `queues` queues (a port that has no queues opens one).
 * Returns a new port (free with port_close), or NULL with err filled. */
/* 0 with *out, or -errno with err filled. */
int port_open(const struct host_conf *hc, bool l3, bool attach_only,
	      unsigned queues, struct port **out, char *err, size_t errlen);
void port_close(struct port *p);

/* Whether hc is a TAP whose namesake memifd is still removing (closer.h):
 * opening it now would wait for that, up to TAP_CLOSE_WAIT_MS. */
bool port_tap_removing(const struct host_conf *hc);
/* The error of an open that waited that long in vain. */
void port_tap_removing_error(const struct host_conf *hc, bool l3, char *err,
			     size_t errlen);

extern const struct port_ops port_tap_ops;
extern const struct port_ops port_pcap_live_ops;
extern const struct port_ops port_pcap_file_ops;

#endif
