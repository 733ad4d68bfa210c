/*
 * bridge_io.c - the data path of a bridge, without intermediate copies.
 *
 * memif -> host: received slots are handed to the port with one writev per
 * frame (a chain of NEXT-flagged slots is one frame); a chain cut by the
 * end of a burst is carried to the next burst, and slots are given back
 * with memif_refill_queue strictly in ring order.  Receive queue i writes
 * to host queue i (modulo the host's queues).
 *
 * host -> memif: tx slots are reserved ahead (a pool, in ring order) and
 * each frame is read with readv straight into as many slots as it needs;
 * used slots are published with one memif_tx_burst per batch, and unused
 * reserved slots stay at the front of the pool for the next batch.  Host
 * queue q feeds memif tx queue q (modulo the link's tx queues).
 *
 * Threads: host queue h and the rx queues written to it make lane h,
 * which one thread serves - the main thread's loop without workers, else
 * worker (first + h) % N - so each queue, its counters and its host
 * queue's state have a single writer.  Only a tx queue may be fed by host
 * queues of two lanes (fewer tx queues than host queues): it has a lock.
 * The main thread changes what a loop watches, and the queues, only
 * while the workers are parked (worker.h).
 */
#include "bridge_int.h"
#include "log.h"
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define IO_BURST 256	     /* slots per memif_rx_burst */
#define IO_RX_BUDGET 1024    /* slots per queue per wake-up */
#define IO_HOST_BUDGET 64    /* frames read from the host per wake-up */
#define IO_RESERVE 32	     /* tx slots reserved at a time, at least */
/* adaptive: poll when frames come faster than interrupts serve them, that
 * is when a wake-up finds IO_BUSY_BURST slots waiting and the current
 * window of IO_WINDOW_NS has brought at least IO_QUIET_SLOTS (32 k slots
 * a second); back to interrupts when a window brings fewer.  Both rules
 * count the rate, so neither a trickle after a burst nor bursts of a slow
 * flow keep a core busy-polling. */
#define IO_BUSY_BURST 32
#define IO_WINDOW_NS 10000000
#define IO_QUIET_SLOTS 320
/* link up: how long host frames wait for the peer's first receive buffers
 * (in the host's own queue), looking again every IO_HOLD_RETRY_MS */
#define IO_HOLD_NS 1000000000ull
#define IO_HOLD_RETRY_MS 1

/* per thread: every thread of the data path has its own */
static _Thread_local struct iovec io_iov[IOV_MAX];
static _Thread_local uint8_t io_scratch[65536]; /* frames dropped unread */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The host queues a bridge has now (1 when the port is gone). */
static unsigned host_nq(const struct bridge *b)
{
	return b->port && b->port->nqueues ? b->port->nqueues : 1;
}

unsigned bridge_io_lane(const struct bridge *b, unsigned q)
{
	return q % host_nq(b);
}

unsigned bridge_io_lane_worker(const struct bridge *b, unsigned h)
{
	unsigned n = workers_count();

	return n ? (b->first_worker + h) % n + 1 : 0;
}

static struct loop *lane_loop(const struct bridge *b, unsigned h)
{
	unsigned w = bridge_io_lane_worker(b, h);

	return w ? workers_loop(w - 1) : b->loop;
}

/* Watches a host queue for what it waits for: input unless it is held,
 * room to write while it is blocked. */
static int host_watch(struct host_queue *hq)
{
	if (!hq->loop || !hq->lf.cb)
		return 0;
	return loop_mod(hq->loop, &hq->lf, (hq->held ? 0 : EPOLLIN) |
					   (hq->blocked ? EPOLLOUT : 0));
}

/* ---- memif -> host ---------------------------------------------------- */

/* The host refused a frame with EAGAIN and the port wants it kept: the
 * receive rings of the lane hold it until the queue's fd is writable. */
static void to_host_block(struct bridge *b, struct host_queue *hq)
{
	CTR_ADD(b->lanes[hq->q].to_host.blocked, 1);
	hq->blocked = true;
	if (host_watch(hq))
		hq->blocked = false; /* cannot wait: drop instead */
}

/* Offers a frame to the captures of b, if it has any. */
static void io_capture(struct bridge *b, enum capture_dir dir,
		       const struct iovec *iov, int n, size_t len)
{
	if (!__atomic_load_n(&b->cap, __ATOMIC_RELAXED) &&
	    !__atomic_load_n(&b->streams, __ATOMIC_RELAXED))
		return;
	capture_lock();
	if (b->cap)
		capture_frame(b->cap, dir, iov, n, len);
	if (b->streams)
		capture_frame(b->streams, dir, iov, n, len);
	capture_unlock();
}

/* The length of the frame in bufs[0..n) (its iovecs into iov), or 0 when
 * the host cannot take it (oversize, or empty). */
static size_t to_host_len(const struct bridge *b, const memif_buffer_t *bufs,
			  unsigned n, struct iovec *iov)
{
	size_t len = 0;

	if (n > IOV_MAX)
		return 0;
	for (unsigned i = 0; i < n; i++) {
		iov[i].iov_base = bufs[i].data;
		iov[i].iov_len = bufs[i].len;
		len += bufs[i].len;
	}
	return len > b->max_to_host ? 0 : len;
}

/* What became of one frame of len bytes the host was offered: w is its
 * length, or the -errno of the write. */
static void to_host_count(struct rxq *rq, struct dir_counters *c, ssize_t w,
			  size_t len)
{
	if (w >= 0) {
		CTR_ADD(c->packets, 1);
		CTR_ADD(c->bytes, len);
		CTR_ADD(rq->packets, 1);
	} else if (w == -EAGAIN || w == -ENOBUFS || w == -EIO) {
		CTR_ADD(c->host_full, 1); /* full, or the device is down */
	} else if (w == -EMSGSIZE) {
		CTR_ADD(c->oversize, 1); /* more than the port can take */
	} else {
		CTR_ADD(c->errors, 1);
	}
}

/* Delivers one frame of receive queue rq; false when the host queue is
 * blocked (frame kept). */
static bool to_host_frame(struct bridge *b, struct rxq *rq,
			  struct host_queue *hq, memif_buffer_t *bufs,
			  unsigned n)
{
	struct dir_counters *c = &b->lanes[hq->q].to_host;
	size_t len = to_host_len(b, bufs, n, io_iov);
	ssize_t w;

	if (!len) {
		CTR_ADD(c->oversize, 1);
		return true;
	}
	w = b->port->ops->writev(b->port, hq->q, io_iov, (int)n);
	if (w == -EAGAIN && b->port->ops->hold_output) {
		to_host_block(b, hq);
		if (hq->blocked)
			return false;
	}
	io_capture(b, CAP_RX, io_iov, (int)n, len);
	to_host_count(rq, c, w, len);
	return true;
}

/* Delivers the complete frames of bufs[0..n) one write each; returns the
 * slots used. */
static unsigned to_host_deliver_each(struct bridge *b, struct rxq *rq,
				     struct host_queue *hq,
				     memif_buffer_t *bufs, unsigned n)
{
	unsigned i = 0, done = 0;

	while (i < n) {
		unsigned j = i;

		while (j < n && (bufs[j].flags & MEMIF_BUFFER_FLAG_NEXT))
			j++;
		if (j == n)
			break; /* the chain continues in the next burst */
		if (!to_host_frame(b, rq, hq, bufs + i, j - i + 1))
			break;
		i = j + 1;
		done = i;
	}
	return done;
}

/* Frames gathered for one writev_batch of a port that has it: their
 * iovecs in iov, each frame's length and the slot after it in bufs. */
struct out_batch {
	struct port_frame f[PORT_BATCH_MAX];
	size_t len[PORT_BATCH_MAX];
	unsigned end[PORT_BATCH_MAX];
	unsigned nf, niov;
	struct iovec iov[IOV_MAX];
};
static _Thread_local struct out_batch out;

/* Sends the gathered frames and counts them; *done becomes the slot after
 * the last frame dealt with.  False when the host queue blocked (that
 * frame and those after it stay in the ring). */
static bool out_flush(struct bridge *b, struct rxq *rq, struct host_queue *hq,
		      unsigned *done)
{
	struct dir_counters *c = &b->lanes[hq->q].to_host;
	unsigned k = 0, took, i;
	int err = 0;

	while (k < out.nf) {
		took = b->port->ops->writev_batch(b->port, hq->q, out.f + k,
						  out.nf - k, &err);
		for (i = k; i < k + took; i++) {
			io_capture(b, CAP_RX, out.f[i].iov, out.f[i].iovcnt, out.len[i]);
			to_host_count(rq, c, (ssize_t)out.len[i], out.len[i]);
		}
		k += took;
		if (k == out.nf)
			break;
		if (err == -EAGAIN && b->port->ops->hold_output) {
			to_host_block(b, hq);
			if (hq->blocked) {
				*done = k ? out.end[k - 1] : *done;
				out.nf = out.niov = 0;
				return false;
			}
		}
		io_capture(b, CAP_RX, out.f[k].iov, out.f[k].iovcnt, out.len[k]);
		to_host_count(rq, c, err ? err : -EIO, out.len[k]);
		k++;
	}
	if (out.nf)
		*done = out.end[out.nf - 1];
	out.nf = out.niov = 0;
	return true;
}

/* As to_host_deliver_each, in batches of up to PORT_BATCH_MAX frames. */
static unsigned to_host_deliver_batched(struct bridge *b, struct rxq *rq,
					struct host_queue *hq,
					memif_buffer_t *bufs, unsigned n)
{
	unsigned i = 0, done = 0, j, slots;
	size_t len;

	out.nf = out.niov = 0;
	while (i < n) {
		for (j = i; j < n && (bufs[j].flags & MEMIF_BUFFER_FLAG_NEXT); j++)
			;
		if (j == n)
			break; /* the chain continues in the next burst */
		slots = j - i + 1;
		if (out.nf == PORT_BATCH_MAX || out.niov + slots > IOV_MAX ||
		    slots > IOV_MAX) {
			if (!out_flush(b, rq, hq, &done))
				return done;
		}
		len = slots > IOV_MAX ? 0 : to_host_len(b, bufs + i, slots,
							out.iov + out.niov);
		if (!len) {
			/* counted where it stands in the order: send the
			 * frames before it first */
			if (!out_flush(b, rq, hq, &done))
				return done;
			CTR_ADD(b->lanes[hq->q].to_host.oversize, 1);
			done = j + 1;
		} else {
			out.f[out.nf] = (struct port_frame){ out.iov + out.niov,
							     (int)slots };
			out.len[out.nf] = len;
			out.end[out.nf++] = j + 1;
			out.niov += slots;
		}
		i = j + 1;
	}
	out_flush(b, rq, hq, &done);
	return done;
}

/* Delivers the complete frames of bufs[0..n); returns the slots used. */
static unsigned to_host_deliver(struct bridge *b, struct rxq *rq,
				struct host_queue *hq, memif_buffer_t *bufs,
				unsigned n)
{
	if (b->port->ops->writev_batch)
		return to_host_deliver_batched(b, rq, hq, bufs, n);
	return to_host_deliver_each(b, rq, hq, bufs, n);
}

static struct host_queue *rxq_host(struct bridge *b, const struct rxq *rq)
{
	return &b->hq[rq->qid % host_nq(b)];
}

/* Drains one receive queue (up to budget slots); returns slots received. */
static unsigned rxq_drain(struct bridge *b, struct rxq *q, unsigned budget)
{
	struct host_queue *hq = rxq_host(b, q);
	unsigned total = 0, n, done;
	uint16_t rx;
	int r;

	do {
		uint16_t want = (uint16_t)(q->cap - q->carry);

		if (want > IO_BURST)
			want = IO_BURST;
		rx = 0;
		r = memif_rx_burst(b->conn, q->qid, q->bufs + q->carry, want, &rx);
		if (r != MEMIF_ERR_SUCCESS && r != MEMIF_ERR_NOBUF)
			break;
		n = q->carry + rx;
		done = to_host_deliver(b, q, hq, q->bufs, n);
		if (done == 0 && n == q->cap && !hq->blocked) {
			/* a chain as long as the ring */
			CTR_ADD(b->lanes[hq->q].to_host.oversize, 1);
			done = n;
		}
		if (done)
			memif_refill_queue(b->conn, q->qid, (uint16_t)done, 0);
		q->carry = (uint16_t)(n - done);
		if (q->carry && done)
			memmove(q->bufs, q->bufs + done, q->carry * sizeof(*q->bufs));
		total += rx;
	} while (r == MEMIF_ERR_NOBUF && rx && total < budget && !hq->blocked);
	return total;
}

/* adaptive: a new rate window for the queue begins now */
static void window_restart(struct rxq *rq, uint64_t now)
{
	rq->window_ns = now;
	rq->window_slots = 0;
}

/* The queue's poller runs in its loop exactly while it polls. */
static void rxq_poller_update(struct rxq *rq)
{
	bool want = rq->polling && rq->loop;

	if (want && !rq->poller_on)
		loop_poller_add(rq->loop, &rq->poller);
	else if (!want && rq->poller_on)
		loop_poller_del(rq->loop, &rq->poller);
	rq->poller_on = want;
}

static void rxq_set_polling(struct bridge *b, struct rxq *rq, bool polling)
{
	int r = memif_set_rx_mode(b->conn, polling ? MEMIF_RX_MODE_POLLING
						   : MEMIF_RX_MODE_INTERRUPT,
				  rq->qid);

	if (r != MEMIF_ERR_SUCCESS) {
		log_debug("%s: memif_set_rx_mode: %s", b->conf.name,
			  memif_strerror(r));
		return;
	}
	rq->polling = polling;
	window_restart(rq, now_ns());
	rxq_poller_update(rq);
}

/* The peer's interrupt for an rx queue. */
static void rxq_event(struct loop_fd *lf, uint32_t events)
{
	struct rxq *rq = (struct rxq *)((char *)lf - offsetof(struct rxq, lf));
	struct bridge *b = rq->b;
	uint64_t v;
	unsigned n;

	(void)events;
	/* polling, or a blocked host queue (its unblock drains the ring):
	 * only clear the eventfd; else libcore clears it once the ring is
	 * empty, and it stays readable while frames wait */
	if (rq->polling || rxq_host(b, rq)->blocked || !b->link_up) {
		if (read(lf->fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			log_debug("%s: interrupt fd: %s", b->conf.name,
				  strerror(errno));
		return;
	}
	n = rxq_drain(b, rq, IO_RX_BUDGET);
	if (b->conf.memif.rx_mode == RXM_ADAPTIVE) {
		uint64_t now = now_ns();

		if (now - rq->window_ns >= IO_WINDOW_NS)
			window_restart(rq, now);
		rq->window_slots += n;
		if (n >= IO_BUSY_BURST && rq->window_slots >= IO_QUIET_SLOTS)
			rxq_set_polling(b, rq, true);
	}
}

static void rxq_poll(struct loop_poller *p)
{
	struct rxq *rq = (struct rxq *)((char *)p - offsetof(struct rxq, poller));
	struct bridge *b = rq->b;
	uint64_t now;
	unsigned n;

	if (!b->link_up || !rq->polling || rxq_host(b, rq)->blocked)
		return;
	n = rxq_drain(b, rq, IO_RX_BUDGET);
	if (b->conf.memif.rx_mode != RXM_ADAPTIVE)
		return;
	rq->window_slots += n;
	if (n)
		return; /* busy: not even a look at the clock */
	now = now_ns();
	if (now - rq->window_ns < IO_WINDOW_NS)
		return;
	if (rq->window_slots >= IO_QUIET_SLOTS) {
		window_restart(rq, now); /* still busy: go on polling */
		return;
	}
	rxq_set_polling(b, rq, false);
	/* frames queued before the peer saw the unmask */
	rxq_drain(b, rq, IO_RX_BUDGET);
}

/* ---- host -> memif ---------------------------------------------------- */

/* Makes sure pool[pos..] can hold need bytes; false: ring full.  Slots
 * are reserved IO_RESERVE at a time (size 0: each gets its full
 * capacity): one look at the peer's ring counter and one pass over the
 * descriptors per 32 slots instead of per frame. */
static bool txq_reserve(struct bridge *b, struct host_queue *hq, struct txq *q,
			unsigned pos, unsigned need, unsigned *nslots)
{
	unsigned have, i, want;
	uint16_t got;

	for (;;) {
		for (i = pos, have = 0; i < q->npool && have < need; i++)
			have += q->slot_cap[i];
		if (have >= need) {
			*nslots = i - pos;
			return true;
		}
		want = (need - have + b->buffer_size - 1) / b->buffer_size;
		if (want < IO_RESERVE)
			want = IO_RESERVE;
		if (want > (unsigned)(q->cap - q->npool))
			want = q->cap - q->npool;
		got = 0;
		if (want)
			memif_buffer_alloc(b->conn, q->qid, q->pool + q->npool,
					   (uint16_t)want, &got, 0);
		if (!got)
			return false;
		hq->ring_seen = true;
		for (i = q->npool; i < (unsigned)q->npool + got; i++)
			q->slot_cap[i] = (uint16_t)q->pool[i].len;
		q->npool = (uint16_t)(q->npool + got);
	}
}

static void host_hold_end(struct loop_timer *t)
{
	struct host_queue *hq = (struct host_queue *)((char *)t -
						      offsetof(struct host_queue, hold));

	if (!hq->held)
		return;
	hq->held = false;
	if (hq->b->port && !hq->b->port->dead)
		host_watch(hq); /* frames waiting make the fd readable again */
}

/* Right after link up a peer may not have given its receive buffers yet
 * (a DPDK client does on its first receive burst): a frame that finds no
 * slot then is not dropped but left in the host's queue, and the bridge
 * looks again in a millisecond - for IO_HOLD_NS at most, and only until
 * the peer's first slot was seen on this queue; after that a full ring is
 * a drop.  False: no holding (the caller drops the frame). */
static bool host_hold(struct bridge *b, struct host_queue *hq)
{
	if (hq->ring_seen || now_ns() - b->up_ns > IO_HOLD_NS)
		return false;
	if (hq->hold.lf.fd < 0)
		return false;
	hq->held = true;
	if (host_watch(hq) || loop_timer_set(&hq->hold, IO_HOLD_RETRY_MS, 0)) {
		hq->held = false;
		host_watch(hq);
		return false;
	}
	return true;
}

/* How many bytes the next frame needs: max_to_memif + 1 (a longer one
 * is cut to that by readv and so seen), or for a port that tells the
 * length (peek) exactly that.  0: no frame is ready; -1: the next frame
 * was dropped unread as oversize (or empty: memif cannot carry one). */
static long txq_need(struct bridge *b, struct dir_counters *c)
{
	struct port *p = b->port;
	ssize_t len;

	if (!p->ops->peek)
		return (long)b->max_to_memif + 1;
	len = p->ops->peek(p);
	if (len < 0)
		return 0;
	if (len == 0 || (size_t)len > b->max_to_memif) {
		p->ops->skip(p);
		CTR_ADD(c->oversize, 1);
		return -1;
	}
	return len;
}

/* Reads one frame of host queue hq into pool[pos..]; returns slots used,
 * 0 when nothing was read, -1 when the frame was dropped (and more may
 * follow). */
static int txq_read_frame(struct bridge *b, struct host_queue *hq,
			  struct txq *q, unsigned pos)
{
	struct dir_counters *c = &b->lanes[hq->q].to_memif;
	unsigned nslots, i;
	long need = txq_need(b, c);
	ssize_t n;
	size_t left;

	if (need <= 0)
		return (int)need;
	if (!txq_reserve(b, hq, q, pos, (unsigned)need, &nslots)) {
		struct iovec iov = { io_scratch, sizeof(io_scratch) };

		if (b->port->ops->input_wait) {
			b->port->ops->input_wait(b->port); /* keep it for later */
			return 0;
		}
		if (host_hold(b, hq))
			return 0;

		if (b->port->ops->readv(b->port, hq->q, &iov, 1) <= 0)
			return 0;
		CTR_ADD(c->ring_full, 1);
		return -1;
	}
	for (i = 0; i < nslots; i++) {
		io_iov[i].iov_base = q->pool[pos + i].data;
		io_iov[i].iov_len = q->slot_cap[pos + i];
	}
	n = b->port->ops->readv(b->port, hq->q, io_iov, (int)nslots);
	if (n <= 0) {
		if (n < 0 && n != -EAGAIN)
			CTR_ADD(c->errors, 1);
		return 0;
	}
	if ((size_t)n > b->max_to_memif) {
		CTR_ADD(c->oversize, 1);
		return -1;
	}
	CTR_ADD(c->packets, 1);
	CTR_ADD(c->bytes, (uint64_t)n);
	CTR_ADD(q->packets, 1);
	for (i = 0, left = (size_t)n; left; i++) {
		memif_buffer_t *mb = &q->pool[pos + i];

		mb->len = left < q->slot_cap[pos + i] ? (uint32_t)left
						     : q->slot_cap[pos + i];
		left -= mb->len;
		mb->flags = left ? MEMIF_BUFFER_FLAG_NEXT : 0;
		io_iov[i].iov_len = mb->len;
	}
	io_capture(b, CAP_TX, io_iov, (int)i, (size_t)n);
	return (int)i;
}

static void host_drain_dropped(struct bridge *b, struct host_queue *hq)
{
	struct iovec iov = { io_scratch, sizeof(io_scratch) };

	for (int i = 0; i < IO_HOST_BUDGET; i++) {
		if (b->port->ops->readv(b->port, hq->q, &iov, 1) <= 0)
			return;
		CTR_ADD(b->lanes[hq->q].to_memif.peer_down, 1);
	}
}

/* The host queue can take frames again: deliver what its rings hold. */
static void bridge_io_unblock(struct bridge *b, struct host_queue *hq)
{
	unsigned nq = host_nq(b);

	hq->blocked = false;
	if (!b->port->dead)
		host_watch(hq);
	for (unsigned i = hq->q; b->link_up && i < b->n_rxq && !hq->blocked;
	     i += nq)
		rxq_drain(b, &b->rxq[i], IO_RX_BUDGET);
}

/* A port that failed for good is no longer watched (it would spin); the
 * main thread's tick takes the bridge down. */
static void bridge_io_check_dead(struct bridge *b, struct host_queue *hq)
{
	if (!b->port->dead || !hq->lf.cb)
		return;
	loop_del(hq->loop, &hq->lf);
	hq->blocked = false;
}

/* One batch of frames of host queue hq into tx queue q. */
static void host_to_memif(struct bridge *b, struct host_queue *hq, struct txq *q)
{
	unsigned pos = 0;
	uint16_t sent = 0;
	int r;

	for (int f = 0; f < IO_HOST_BUDGET; f++) {
		r = txq_read_frame(b, hq, q, pos);
		if (r == 0)
			break;
		if (r > 0)
			pos += (unsigned)r;
	}
	if (!pos)
		return;
	r = memif_tx_burst(b->conn, q->qid, q->pool, (uint16_t)pos, &sent);
	if (r != MEMIF_ERR_SUCCESS || sent != pos)
		CTR_ADD(b->lanes[hq->q].to_memif.errors, 1);
	q->npool = (uint16_t)(q->npool - sent);
	memmove(q->pool, q->pool + sent, q->npool * sizeof(*q->pool));
	memmove(q->slot_cap, q->slot_cap + sent, q->npool * sizeof(*q->slot_cap));
}

static void host_input(struct loop_fd *lf, uint32_t events)
{
	struct host_queue *hq = (struct host_queue *)((char *)lf -
						      offsetof(struct host_queue, lf));
	struct bridge *b = hq->b;
	struct txq *q;

	if ((events & EPOLLOUT) && hq->blocked)
		bridge_io_unblock(b, hq);
	if (!b->link_up || !b->n_txq) {
		host_drain_dropped(b, hq);
		bridge_io_check_dead(b, hq);
		return;
	}
	q = &b->txq[hq->q % b->n_txq];
	if (q->shared)
		pthread_mutex_lock(&q->lock);
	host_to_memif(b, hq, q);
	if (q->shared)
		pthread_mutex_unlock(&q->lock);
	bridge_io_check_dead(b, hq);
}

/* ---- what the loops watch ---------------------------------------------- */

static void hq_attach_one(struct bridge *b, struct host_queue *hq, int *r)
{
	hq->loop = lane_loop(b, hq->q);
	hq->lf.cb = host_input;
	if (!*r)
		*r = loop_add(hq->loop, &hq->lf, (hq->held ? 0 : EPOLLIN) |
						 (hq->blocked ? EPOLLOUT : 0));
	/* the hold timer lives in the queue's own loop, made here and not at
	 * the first hold, so that memifd's fds do not change with what
	 * traffic happened to meet a link coming up */
	if (!*r)
		*r = loop_timer_init(hq->loop, &hq->hold, host_hold_end);
}

int bridge_io_host_attach(struct bridge *b)
{
	int r = 0;

	for (uint16_t q = 0; b->port && q < b->port->nqueues; q++) {
		struct host_queue *hq = &b->hq[q];

		*hq = (struct host_queue){ .b = b, .q = q };
		hq->lf.fd = b->port->qfd[q];
		hq->hold.lf.fd = -1;
		hq_attach_one(b, hq, &r);
	}
	return r;
}

static void hq_detach_one(struct host_queue *hq)
{
	if (!hq->loop)
		return;
	loop_del(hq->loop, &hq->lf);
	if (hq->hold.lf.fd >= 0)
		loop_timer_fini(hq->loop, &hq->hold);
	hq->held = false;
	hq->loop = NULL;
}

void bridge_io_host_detach(struct bridge *b)
{
	for (unsigned q = 0; b->port && q < b->port->nqueues; q++)
		hq_detach_one(&b->hq[q]);
}

static int rxq_attach(struct bridge *b, struct rxq *rq)
{
	int fd;

	rq->loop = lane_loop(b, bridge_io_lane(b, rq->qid));
	if (rq->lf.fd < 0) {
		/* a dup of our own: libcore closes its fd at link down while
		 * the peer keeps the eventfd alive, and an epoll entry goes
		 * only with the last fd of the file */
		if (memif_get_queue_efd(b->conn, rq->qid, &fd) != MEMIF_ERR_SUCCESS)
			return -EBADF;
		rq->lf.fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		if (rq->lf.fd < 0)
			return -errno;
	}
	rq->lf.cb = rxq_event;
	rxq_poller_update(rq);
	return loop_add(rq->loop, &rq->lf, EPOLLIN);
}

static void rxq_detach(struct rxq *rq)
{
	if (!rq->loop)
		return;
	loop_del(rq->loop, &rq->lf);
	if (rq->poller_on)
		loop_poller_del(rq->loop, &rq->poller);
	rq->poller_on = false;
	rq->loop = NULL;
}

void bridge_io_detach(struct bridge *b)
{
	for (unsigned q = 0; b->rxq && q < b->n_rxq; q++)
		rxq_detach(&b->rxq[q]);
	for (unsigned q = 0; b->port && q < b->port->nqueues; q++) {
		b->hq[q].blocked = false; /* a retry finds out again */
		hq_detach_one(&b->hq[q]);
	}
}

/* The memif queues of a link that is up. */
static int io_attach_queues(struct bridge *b)
{
	int r = 0;

	for (unsigned q = 0; !r && b->rxq && q < b->n_rxq; q++)
		r = rxq_attach(b, &b->rxq[q]);
	for (unsigned q = 0; b->txq && q < b->n_txq; q++)
		b->txq[q].shared = workers_count() > 1 && host_nq(b) > b->n_txq;
	return r;
}

int bridge_io_attach(struct bridge *b)
{
	int r = 0;

	for (unsigned q = 0; b->port && q < b->port->nqueues; q++)
		hq_attach_one(b, &b->hq[q], &r);
	return r ? r : io_attach_queues(b);
}

/* ---- link up / down ---------------------------------------------------- */

/* The queues memifd serves: those negotiated, but never more than the
 * configuration asks for (a slave may bring up to 256 to a master; the
 * rest stay unread, and memory stays bounded by the configuration). */
static int queues_alloc(struct bridge *b)
{
	unsigned cap = b->ring_size ? b->ring_size : b->conf.memif.ring_size;
	unsigned nrx = b->nrx, ntx = b->ntx;

	if (nrx > b->conf.memif.rx_queues)
		nrx = b->conf.memif.rx_queues;
	if (ntx > b->conf.memif.tx_queues)
		ntx = b->conf.memif.tx_queues;
	if (nrx != b->nrx || ntx != b->ntx)
		log_warn("%s: the peer brought %u rx, %u tx queues; memifd serves "
			 "%u rx, %u tx (memif.rx_queues, memif.tx_queues)",
			 b->conf.name, b->nrx, b->ntx, nrx, ntx);
	b->rxq = calloc(nrx ? nrx : 1, sizeof(*b->rxq));
	b->txq = calloc(ntx ? ntx : 1, sizeof(*b->txq));
	if (!b->rxq || !b->txq)
		return -ENOMEM;
	for (unsigned q = 0; q < nrx; q++) {
		struct rxq *rq = &b->rxq[q];

		rq->lf.fd = -1;
		rq->poller.poll = rxq_poll;
		rq->b = b;
		rq->qid = (uint16_t)q;
		rq->cap = (uint16_t)(cap > UINT16_MAX ? UINT16_MAX : cap);
		rq->bufs = calloc(cap, sizeof(memif_buffer_t));
		b->n_rxq = q + 1;
		if (!rq->bufs)
			return -ENOMEM;
	}
	for (unsigned q = 0; q < ntx; q++) {
		struct txq *tq = &b->txq[q];

		tq->qid = (uint16_t)q;
		tq->cap = (uint16_t)(cap > UINT16_MAX ? UINT16_MAX : cap);
		pthread_mutex_init(&tq->lock, NULL);
		b->n_txq = q + 1;
		tq->pool = calloc(cap, sizeof(memif_buffer_t));
		tq->slot_cap = calloc(cap, sizeof(uint16_t));
		if (!tq->pool || !tq->slot_cap)
			return -ENOMEM;
	}
	return 0;
}

/* The largest frame towards memif: what half the ring holds (a frame
 * needing more could wait for free slots forever), at most the MTU's. */
static unsigned max_to_memif(const struct bridge *b)
{
	unsigned ring = b->ring_size ? b->ring_size : b->conf.memif.ring_size;
	unsigned half = (ring > 1 ? ring / 2 : 1) * b->buffer_size;
	unsigned mtu = b->conf.host.mtu;

	if (!mtu)
		return half;
	mtu += b->conf.memif.mode == MM_ETHERNET ? 18 : 0;
	return mtu < half ? mtu : half;
}

int bridge_io_start(struct bridge *b)
{
	bool polling = b->conf.memif.rx_mode == RXM_POLLING;
	int r;

	bridge_io_stop(b);
	if (queues_alloc(b)) {
		bridge_io_stop(b);
		return -ENOMEM;
	}
	b->max_to_memif = max_to_memif(b);
	b->up_ns = now_ns();
	for (unsigned q = 0; b->port && q < b->port->nqueues; q++)
		b->hq[q].ring_seen = false;
	for (uint16_t q = 0; q < b->n_rxq; q++) {
		struct rxq *rq = &b->rxq[q];

		/* a slave gives the master empty buffers to fill */
		if (!b->conf.memif.is_master)
			memif_refill_queue(b->conn, q, rq->cap, 0);
		/* each time: the mode libcore keeps from the last link */
		memif_set_rx_mode(b->conn, polling ? MEMIF_RX_MODE_POLLING
						   : MEMIF_RX_MODE_INTERRUPT, q);
		rq->polling = polling;
		window_restart(rq, b->up_ns);
	}
	r = io_attach_queues(b);
	if (r) {
		log_err("%s: watching the queues: %s", b->conf.name, strerror(-r));
		bridge_io_stop(b);
	}
	return r;
}

struct io_queues {
	struct rxq *rxq;
	struct txq *txq;
	unsigned n_rxq, n_txq;
};

static void queues_free(void *arg)
{
	struct io_queues *qs = arg;

	for (unsigned q = 0; qs->rxq && q < qs->n_rxq; q++)
		free(qs->rxq[q].bufs);
	for (unsigned q = 0; qs->txq && q < qs->n_txq; q++) {
		free(qs->txq[q].pool);
		free(qs->txq[q].slot_cap);
		pthread_mutex_destroy(&qs->txq[q].lock);
	}
	free(qs->rxq);
	free(qs->txq);
	free(qs);
}

void bridge_io_stop(struct bridge *b)
{
	struct io_queues *qs;

	for (unsigned q = 0; b->port && q < b->port->nqueues; q++) {
		struct host_queue *hq = &b->hq[q];

		if (hq->held && hq->hold.lf.fd >= 0)
			loop_timer_set(&hq->hold, 0, 0);
		if (hq->blocked || hq->held) {
			hq->blocked = hq->held = false;
			if (!b->port->dead)
				host_watch(hq);
		}
	}
	for (unsigned q = 0; b->rxq && q < b->n_rxq; q++) {
		rxq_detach(&b->rxq[q]);
		if (b->rxq[q].lf.fd >= 0)
			close(b->rxq[q].lf.fd);
		b->rxq[q].lf.fd = -1;
	}
	if (!b->rxq && !b->txq)
		return;
	/* an event of this batch may still point into the rx queues */
	qs = malloc(sizeof(*qs));
	if (qs) {
		*qs = (struct io_queues){ b->rxq, b->txq, b->n_rxq, b->n_txq };
		if (loop_defer(b->loop, queues_free, qs))
			queues_free(qs); /* no memory left: the loop has none either */
	}
	b->rxq = NULL;
	b->txq = NULL;
	b->n_rxq = b->n_txq = 0;
}
