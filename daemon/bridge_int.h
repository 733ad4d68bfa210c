/*
 * bridge_int.h - what bridge.c (lifecycle), bridge_io.c (data path) and
 * bridge_json.c (rendering) share.  Not for other modules.
 */
#ifndef MEMIFD_BRIDGE_INT_H
#define MEMIFD_BRIDGE_INT_H

#include <time.h>
#include <libmemif.h>

#include "bridge.h"
#include "capture.h"
#include "loop.h"
#include "port.h"

/* A receive queue: slots of an unfinished chain are carried over. */
struct rxq {
	memif_buffer_t *bufs; /* ring_size entries */
	uint64_t packets;     /* frames delivered to the host since link up */
	uint16_t cap, carry;
	bool polling;	      /* the ring is in polling mode now */
	uint64_t window_ns;    /* adaptive: when the current window began */
	uint32_t window_slots; /* adaptive: slots received in it */
};

/* A transmit queue: slots reserved but not yet published, in ring order. */
struct txq {
	memif_buffer_t *pool; /* ring_size entries */
	uint16_t *slot_cap;
	uint64_t packets; /* frames sent on it since link up */
	uint16_t qid, cap, npool;
};

/* One queue of the host port as the loop sees it: host queue q feeds memif
 * tx queue q % n_txq, and memif rx queue i goes to host queue i % nqueues,
 * so a flow keeps to one queue pair. */
struct host_queue {
	struct loop_fd lf; /* the queue's fd */
	struct bridge *b;
	uint16_t q;
};

struct bridge {
	struct bridge_conf conf;
	bool from_config;
	struct loop *loop;
	struct port *port;
	/* port->nqueues in use; a port that holds output has one queue, and
	 * hq[0] then also waits for EPOLLOUT */
	struct host_queue hq[PORT_MAX_QUEUES];
	struct loop_poller poller;
	bool polling; /* poller registered */
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
	/* ctr.to_host.bad_desc holds those of memif interfaces already
	 * deleted; libcore counts the current one's, from bad_desc_base */
	struct bridge_counters ctr;
	uint64_t bad_desc_base;
	struct bridge_counters ctr_reset; /* the sum of ctr at each reset */
	bool host_blocked; /* waiting for the host port to become writable */
	/* link up, before the peer's first receive slot: host input is left
	 * in the host's queue and looked at again by hold_timer */
	uint64_t up_ns;
	bool ring_seen, input_held;
	struct loop_timer hold_timer;
	struct capture *cap; /* NULL: no capture */
	struct capture *streams; /* capture streams to clients, a list */
};

/* bridge_json.c: keeps the current memif interface's bad_desc in ctr
 * before it is deleted */
void bridge_fold_bad_desc(struct bridge *b);

/* bridge_io.c */
int bridge_io_start(struct bridge *b); /* on connect: queues, refill, modes */
void bridge_io_stop(struct bridge *b); /* on disconnect */
int bridge_io_interrupt(memif_conn_handle_t conn, void *ctx, uint16_t qid);
void bridge_io_host_input(struct loop_fd *lf, uint32_t events);
void bridge_io_poll(struct loop_poller *p);
void bridge_io_hold_end(struct loop_timer *t);

#endif
