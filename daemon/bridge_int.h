/*
 * bridge_int.h - what bridge.c (lifecycle), bridge_io.c (data path) and
 * bridge_json.c (rendering) share.  Not for other modules.
 */
#ifndef MEMIFD_BRIDGE_INT_H
#define MEMIFD_BRIDGE_INT_H

#include <pthread.h>
#include <time.h>
#include <libmemif.h>

#include "bridge.h"
#include "capture.h"
#include "loop.h"
#include "port.h"

/* Counters that the data path of one thread writes: each field has a
 * single writer (CTR_ADD) and is read with relaxed atomic loads by the
 * main thread (show, stats, metrics), so no value is torn or lost. */
#define CTR_ADD(field, n) \
	__atomic_store_n(&(field), (field) + (n), __ATOMIC_RELAXED)
#define CTR_GET(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)

/* A lane: host queue h with the memif rx queues written to it (i % nhq ==
 * h) and the tx queue it feeds.  A lane is served by one thread (worker
 * (first + h) % N, or the main thread without workers) and counts its
 * frames here, since the bridge was made. */
struct lane_counters {
	struct dir_counters to_host, to_memif;
};

/* A receive queue: slots of an unfinished chain are carried over. */
struct rxq {
	struct loop_fd lf; /* a dup of the queue's interrupt eventfd, or -1 */
	struct loop_poller poller;
	struct loop *loop; /* the serving thread's loop (NULL: not watched) */
	struct bridge *b;
	memif_buffer_t *bufs; /* ring_size entries */
	uint64_t packets;     /* frames delivered to the host since link up */
	uint16_t qid, cap, carry;
	bool polling;	       /* the ring is in polling mode now */
	bool poller_on;	       /* poller in loop */
	uint64_t window_ns;    /* adaptive: when the current window began */
	uint32_t window_slots; /* adaptive: slots received in it */
};

/* A transmit queue: slots reserved but not yet published, in ring order.
 * shared: host queues of several threads feed it (fewer tx queues than
 * host queues), and lock serialises them. */
struct txq {
	memif_buffer_t *pool; /* ring_size entries */
	uint16_t *slot_cap;
	uint64_t packets; /* frames sent on it since link up */
	uint16_t qid, cap, npool;
	bool shared;
	pthread_mutex_t lock;
};

/* One queue of the host port as the loop sees it: host queue q feeds memif
 * tx queue q % n_txq, and memif rx queue i goes to host queue i % nqueues,
 * so a flow keeps to one queue pair. */
struct host_queue {
	struct loop_fd lf; /* the queue's fd */
	struct bridge *b;
	struct loop *loop; /* the serving thread's loop (NULL: not watched) */
	struct loop_timer hold; /* link-up hold; lf.fd -1 until first used */
	uint16_t q;
	bool blocked;	/* a hold_output port said EAGAIN: wait for EPOLLOUT */
	bool held;	/* input left in the host's queue until hold fires */
	bool ring_seen; /* the peer gave this queue's tx ring a slot */
};

struct bridge {
	struct bridge_conf conf;
	bool from_config;
	struct loop *loop;
	struct port *port;
	/* port->nqueues in use; a port that holds output has one queue, and
	 * hq[0] then also waits for EPOLLOUT */
	struct host_queue hq[PORT_MAX_QUEUES];
	memif_socket_handle_t sock;
	memif_conn_handle_t conn;
	bool link_up, deleting;
	time_t since;
	char peer_name[64], peer_if_name[64], reason[128];
	/* a slave's last connection attempt (diagnose.h): MEMIF_ERR_*, -1
	 * none yet, -errno when its namespace could not be entered */
	int connect_err;
	/* while the host device is gone (port NULL): why; "" otherwise */
	char host_error[128];
	bool host_attach_only; /* reopen: only take a device that exists */
	unsigned host_retries;
	unsigned nrx, ntx, ring_size, buffer_size;
	/* the largest frame each way: the host MTU plus the Ethernet header
	 * and a VLAN tag, and never more than half the ring of the link
	 * (set at link up); without an MTU (pcap-file) that half ring, and
	 * towards the host whatever the peer's chains bring */
	unsigned max_to_memif, max_to_host;
	struct rxq *rxq; /* n_rxq entries (the counts at link up) */
	struct txq *txq;
	unsigned n_rxq, n_txq;
	unsigned first_worker; /* lane h runs on worker (first + h) % N */
	/* Totals since the bridge was made, never zeroed.  ctr: what the
	 * main thread counts (links, host losses, and in to_host.bad_desc
	 * those of memif interfaces already deleted; libcore counts the
	 * current one's); lanes: the data path's. */
	struct bridge_counters ctr;
	struct lane_counters lanes[PORT_MAX_QUEUES];
	struct bridge_counters ctr_reset; /* the totals at the last reset */
	uint64_t up_ns; /* link up: the hold of host input begins */
	/* NULL: none.  Written by the main thread under capture_lock();
	 * the data path reads them under it (after an unlocked look). */
	struct capture *cap;
	struct capture *streams; /* capture streams to clients, a list */
};

/* bridge_json.c: keeps the current memif interface's bad_desc in ctr
 * before it is deleted */
void bridge_fold_bad_desc(struct bridge *b);

/* bridge_io.c; all main thread, with the workers parked */
int bridge_io_start(struct bridge *b); /* on connect: queues, refill, modes */
void bridge_io_stop(struct bridge *b); /* on disconnect */
/* The port's queues are watched (each by the loop of its lane) / not. */
int bridge_io_host_attach(struct bridge *b);
void bridge_io_host_detach(struct bridge *b);
/* Everything watched moves to the lanes' loops after a change of the
 * number of workers: detach before, attach after. */
void bridge_io_detach(struct bridge *b);
int bridge_io_attach(struct bridge *b);
/* The thread that serves lane h: 0 the main thread, w the worker w. */
unsigned bridge_io_lane_worker(const struct bridge *b, unsigned h);
/* The lane of memif rx queue (tx: tx queue) q. */
unsigned bridge_io_lane(const struct bridge *b, unsigned q);

#endif
