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
 */
#include "bridge_int.h"
#include "log.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

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

static struct iovec io_iov[IOV_MAX];
static uint8_t io_scratch[65536]; /* frames dropped before they get a slot */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Watches the host port for what the bridge waits for: input unless it
 * is held, room to write while the host is blocked. */
static int host_watch(struct bridge *b)
{
	int r = 0;

	for (unsigned q = 0; q < b->port->nqueues && !r; q++)
		r = loop_mod(b->loop, &b->hq[q].lf,
			     (b->input_held ? 0 : EPOLLIN) |
			     (q == 0 && b->host_blocked ? EPOLLOUT : 0));
	return r;
}

/* ---- memif -> host ---------------------------------------------------- */

/* The host refused a frame with EAGAIN and the port wants it kept: the
 * receive rings hold it until the port's fd is writable. */
static void to_host_block(struct bridge *b)
{
	b->ctr.to_host.blocked++;
	b->host_blocked = true;
	if (host_watch(b))
		b->host_blocked = false; /* cannot wait: drop instead */
}

/* Delivers one frame of receive queue qid; false when the host is blocked
 * (frame kept). */
static bool to_host_frame(struct bridge *b, uint16_t qid, memif_buffer_t *bufs,
			  unsigned n)
{
	struct dir_counters *c = &b->ctr.to_host;
	size_t len = 0;
	ssize_t w;

	if (n > IOV_MAX) {
		c->oversize++;
		return true;
	}
	for (unsigned i = 0; i < n; i++) {
		io_iov[i].iov_base = bufs[i].data;
		io_iov[i].iov_len = bufs[i].len;
		len += bufs[i].len;
	}
	if (len > b->max_to_host || len == 0) {
		c->oversize++;
		return true;
	}
	w = b->port->ops->writev(b->port, qid % b->port->nqueues, io_iov, (int)n);
	if (w == -EAGAIN && b->port->ops->hold_output) {
		to_host_block(b);
		if (b->host_blocked)
			return false;
	}
	if (b->cap)
		capture_frame(b->cap, CAP_RX, io_iov, (int)n, len);
	if (b->streams)
		capture_frame(b->streams, CAP_RX, io_iov, (int)n, len);
	if (w >= 0) {
		c->packets++;
		c->bytes += len;
		b->rxq[qid].packets++;
	} else if (w == -EAGAIN || w == -ENOBUFS || w == -EIO) {
		c->host_full++; /* full, or the device is down */
	} else if (w == -EMSGSIZE) {
		c->oversize++; /* more than the port can take */
	} else {
		c->errors++;
	}
	return true;
}

/* Delivers the complete frames of bufs[0..n); returns the slots used. */
static unsigned to_host_deliver(struct bridge *b, uint16_t qid,
				memif_buffer_t *bufs, unsigned n)
{
	unsigned i = 0, done = 0;

	while (i < n) {
		unsigned j = i;

		while (j < n && (bufs[j].flags & MEMIF_BUFFER_FLAG_NEXT))
			j++;
		if (j == n)
			break; /* the chain continues in the next burst */
		if (!to_host_frame(b, qid, bufs + i, j - i + 1))
			break;
		i = j + 1;
		done = i;
	}
	return done;
}

/* Drains one receive queue (up to budget slots); returns slots received. */
static unsigned rxq_drain(struct bridge *b, uint16_t qid, unsigned budget)
{
	struct rxq *q = &b->rxq[qid];
	unsigned total = 0, n, done;
	uint16_t rx;
	int r;

	do {
		uint16_t want = (uint16_t)(q->cap - q->carry);

		if (want > IO_BURST)
			want = IO_BURST;
		rx = 0;
		r = memif_rx_burst(b->conn, qid, q->bufs + q->carry, want, &rx);
		if (r != MEMIF_ERR_SUCCESS && r != MEMIF_ERR_NOBUF)
			break;
		n = q->carry + rx;
		done = to_host_deliver(b, qid, q->bufs, n);
		if (done == 0 && n == q->cap && !b->host_blocked) {
			b->ctr.to_host.oversize++; /* a chain as long as the ring */
			done = n;
		}
		if (done)
			memif_refill_queue(b->conn, qid, (uint16_t)done, 0);
		q->carry = (uint16_t)(n - done);
		if (q->carry && done)
			memmove(q->bufs, q->bufs + done, q->carry * sizeof(*q->bufs));
		total += rx;
	} while (r == MEMIF_ERR_NOBUF && rx && total < budget &&
		 !b->host_blocked);
	return total;
}

/* adaptive: a new rate window for the queue begins now */
static void window_restart(struct rxq *rq, uint64_t now)
{
	rq->window_ns = now;
	rq->window_slots = 0;
}

static void bridge_poller_update(struct bridge *b)
{
	bool want = false;

	for (unsigned q = 0; b->link_up && q < b->n_rxq; q++)
		want |= b->rxq[q].polling;
	if (want && !b->polling)
		loop_poller_add(b->loop, &b->poller);
	else if (!want && b->polling)
		loop_poller_del(b->loop, &b->poller);
	b->polling = want;
}

static void rxq_set_polling(struct bridge *b, uint16_t qid, bool polling)
{
	int r = memif_set_rx_mode(b->conn, polling ? MEMIF_RX_MODE_POLLING
						   : MEMIF_RX_MODE_INTERRUPT, qid);

	if (r != MEMIF_ERR_SUCCESS) {
		log_debug("%s: memif_set_rx_mode: %s", b->conf.name,
			  memif_strerror(r));
		return;
	}
	b->rxq[qid].polling = polling;
	window_restart(&b->rxq[qid], now_ns());
}

int bridge_io_interrupt(memif_conn_handle_t conn, void *ctx, uint16_t qid)
{
	struct bridge *b = ctx;
	unsigned n;

	(void)conn;
	if (!b->link_up || qid >= b->n_rxq || b->host_blocked)
		return 0; /* a blocked host: the frames wait in the ring */
	n = rxq_drain(b, qid, IO_RX_BUDGET);
	if (b->conf.memif.rx_mode == RXM_ADAPTIVE && !b->rxq[qid].polling) {
		struct rxq *rq = &b->rxq[qid];
		uint64_t now = now_ns();

		if (now - rq->window_ns >= IO_WINDOW_NS)
			window_restart(rq, now);
		rq->window_slots += n;
		if (n >= IO_BUSY_BURST && rq->window_slots >= IO_QUIET_SLOTS) {
			rxq_set_polling(b, qid, true);
			bridge_poller_update(b);
		}
	}
	return 0;
}

void bridge_io_poll(struct loop_poller *p)
{
	struct bridge *b = (struct bridge *)((char *)p -
					     offsetof(struct bridge, poller));
	bool changed = false;
	uint64_t now = 0;

	for (uint16_t q = 0; b->link_up && q < b->n_rxq; q++) {
		struct rxq *rq = &b->rxq[q];
		unsigned n;

		if (!rq->polling || b->host_blocked)
			continue;
		n = rxq_drain(b, q, IO_RX_BUDGET);
		if (b->conf.memif.rx_mode != RXM_ADAPTIVE)
			continue;
		rq->window_slots += n;
		if (n)
			continue; /* busy: not even a look at the clock */
		if (!now)
			now = now_ns();
		if (now - rq->window_ns < IO_WINDOW_NS)
			continue;
		if (rq->window_slots >= IO_QUIET_SLOTS) {
			window_restart(rq, now); /* still busy: go on polling */
			continue;
		}
		rxq_set_polling(b, q, false);
		/* frames queued before the peer saw the unmask */
		rxq_drain(b, q, IO_RX_BUDGET);
		changed = true;
	}
	if (changed)
		bridge_poller_update(b);
}

/* ---- host -> memif ---------------------------------------------------- */

/* Makes sure pool[pos..] can hold need bytes; false: ring full.  Slots
 * are reserved IO_RESERVE at a time (size 0: each gets its full
 * capacity): one look at the peer's ring counter and one pass over the
 * descriptors per 32 slots instead of per frame. */
static bool txq_reserve(struct bridge *b, struct txq *q, unsigned pos,
			unsigned need, unsigned *nslots)
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
		b->ring_seen = true;
		for (i = q->npool; i < (unsigned)q->npool + got; i++)
			q->slot_cap[i] = (uint16_t)q->pool[i].len;
		q->npool = (uint16_t)(q->npool + got);
	}
}

/* Right after link up a peer may not have given its receive buffers yet
 * (a DPDK client does on its first receive burst): a frame that finds no
 * slot then is not dropped but left in the host's queue, and the bridge
 * looks again in a millisecond - for IO_HOLD_NS at most, and only until
 * the peer's first slot was seen; after that a full ring is a drop.
 * False: no holding (the caller drops the frame). */
static bool host_hold(struct bridge *b)
{
	if (b->ring_seen || now_ns() - b->up_ns > IO_HOLD_NS)
		return false;
	b->input_held = true;
	if (host_watch(b) ||
	    loop_timer_set(&b->hold_timer, IO_HOLD_RETRY_MS, 0)) {
		b->input_held = false;
		host_watch(b);
		return false;
	}
	return true;
}

void bridge_io_hold_end(struct loop_timer *t)
{
	struct bridge *b = (struct bridge *)((char *)t -
					     offsetof(struct bridge, hold_timer));

	if (!b->input_held)
		return;
	b->input_held = false;
	if (b->port && !b->port->dead)
		host_watch(b); /* frames waiting make the fd readable again */
}

/* How many bytes the next frame needs: max_to_memif + 1 (a longer one
 * is cut to that by readv and so seen), or for a port that tells the
 * length (peek) exactly that.  0: no frame is ready; -1: the next frame
 * was dropped unread as oversize (or empty: memif cannot carry one). */
static long txq_need(struct bridge *b)
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
		b->ctr.to_memif.oversize++;
		return -1;
	}
	return len;
}

/* Reads one frame of host queue hq into pool[pos..]; returns slots used,
 * 0 when nothing was read, -1 when the frame was dropped (and more may
 * follow). */
static int txq_read_frame(struct bridge *b, unsigned hq, struct txq *q,
			  unsigned pos)
{
	struct dir_counters *c = &b->ctr.to_memif;
	unsigned nslots, i;
	long need = txq_need(b);
	ssize_t n;
	size_t left;

	if (need <= 0)
		return (int)need;
	if (!txq_reserve(b, q, pos, (unsigned)need, &nslots)) {
		struct iovec iov = { io_scratch, sizeof(io_scratch) };

		if (b->port->ops->input_wait) {
			b->port->ops->input_wait(b->port); /* keep it for later */
			return 0;
		}
		if (host_hold(b))
			return 0;

		if (b->port->ops->readv(b->port, hq, &iov, 1) <= 0)
			return 0;
		c->ring_full++;
		return -1;
	}
	for (i = 0; i < nslots; i++) {
		io_iov[i].iov_base = q->pool[pos + i].data;
		io_iov[i].iov_len = q->slot_cap[pos + i];
	}
	n = b->port->ops->readv(b->port, hq, io_iov, (int)nslots);
	if (n <= 0) {
		if (n < 0 && n != -EAGAIN)
			c->errors++;
		return 0;
	}
	if ((size_t)n > b->max_to_memif) {
		c->oversize++;
		return -1;
	}
	c->packets++;
	c->bytes += (uint64_t)n;
	q->packets++;
	for (i = 0, left = (size_t)n; left; i++) {
		memif_buffer_t *mb = &q->pool[pos + i];

		mb->len = left < q->slot_cap[pos + i] ? (uint32_t)left
						     : q->slot_cap[pos + i];
		left -= mb->len;
		mb->flags = left ? MEMIF_BUFFER_FLAG_NEXT : 0;
		io_iov[i].iov_len = mb->len;
	}
	if (b->cap)
		capture_frame(b->cap, CAP_TX, io_iov, (int)i, (size_t)n);
	if (b->streams)
		capture_frame(b->streams, CAP_TX, io_iov, (int)i, (size_t)n);
	return (int)i;
}

static void host_drain_dropped(struct bridge *b, unsigned hq)
{
	struct iovec iov = { io_scratch, sizeof(io_scratch) };

	for (int i = 0; i < IO_HOST_BUDGET; i++) {
		if (b->port->ops->readv(b->port, hq, &iov, 1) <= 0)
			return;
		b->ctr.to_memif.peer_down++;
	}
}

/* The host port can take frames again: deliver what the rings hold. */
static void bridge_io_unblock(struct bridge *b)
{
	b->host_blocked = false;
	if (!b->port->dead)
		host_watch(b);
	for (uint16_t q = 0; b->link_up && q < b->n_rxq && !b->host_blocked; q++)
		rxq_drain(b, q, IO_RX_BUDGET);
}

/* A port that failed for good is no longer watched (it would spin). */
static void bridge_io_check_dead(struct bridge *b)
{
	if (!b->port->dead || !b->hq[0].lf.cb)
		return;
	for (unsigned q = 0; q < b->port->nqueues; q++)
		loop_del(b->loop, &b->hq[q].lf);
	b->host_blocked = false;
}

void bridge_io_host_input(struct loop_fd *lf, uint32_t events)
{
	struct host_queue *h = (struct host_queue *)((char *)lf -
						     offsetof(struct host_queue, lf));
	struct bridge *b = h->b;
	struct txq *q;
	unsigned pos = 0;
	uint16_t sent = 0;
	int r;

	if ((events & EPOLLOUT) && b->host_blocked)
		bridge_io_unblock(b);
	if (!b->link_up || !b->n_txq) {
		host_drain_dropped(b, h->q);
		bridge_io_check_dead(b);
		return;
	}
	q = &b->txq[h->q % b->n_txq];
	for (int f = 0; f < IO_HOST_BUDGET; f++) {
		r = txq_read_frame(b, h->q, q, pos);
		if (r == 0)
			break;
		if (r > 0)
			pos += (unsigned)r;
	}
	bridge_io_check_dead(b);
	if (!pos)
		return;
	r = memif_tx_burst(b->conn, q->qid, q->pool, (uint16_t)pos, &sent);
	if (r != MEMIF_ERR_SUCCESS || sent != pos)
		b->ctr.to_memif.errors++;
	q->npool = (uint16_t)(q->npool - sent);
	memmove(q->pool, q->pool + sent, q->npool * sizeof(*q->pool));
	memmove(q->slot_cap, q->slot_cap + sent, q->npool * sizeof(*q->slot_cap));
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
	b->n_rxq = nrx;
	b->n_txq = ntx;
	for (unsigned q = 0; q < nrx; q++) {
		b->rxq[q].cap = (uint16_t)(cap > UINT16_MAX ? UINT16_MAX : cap);
		b->rxq[q].bufs = calloc(cap, sizeof(memif_buffer_t));
		if (!b->rxq[q].bufs)
			return -ENOMEM;
	}
	for (unsigned q = 0; q < ntx; q++) {
		b->txq[q].qid = (uint16_t)q;
		b->txq[q].cap = (uint16_t)(cap > UINT16_MAX ? UINT16_MAX : cap);
		b->txq[q].pool = calloc(cap, sizeof(memif_buffer_t));
		b->txq[q].slot_cap = calloc(cap, sizeof(uint16_t));
		if (!b->txq[q].pool || !b->txq[q].slot_cap)
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

	bridge_io_stop(b);
	if (queues_alloc(b)) {
		bridge_io_stop(b);
		return -ENOMEM;
	}
	b->max_to_memif = max_to_memif(b);
	b->up_ns = now_ns();
	b->ring_seen = false;
	b->link_up = true; /* for bridge_poller_update */
	for (uint16_t q = 0; q < b->n_rxq; q++) {
		/* a slave gives the master empty buffers to fill */
		if (!b->conf.memif.is_master)
			memif_refill_queue(b->conn, q, (uint16_t)b->rxq[q].cap, 0);
		if (polling)
			rxq_set_polling(b, q, true);
	}
	bridge_poller_update(b);
	b->link_up = false;
	return 0;
}

void bridge_io_stop(struct bridge *b)
{
	if (b->input_held)
		loop_timer_set(&b->hold_timer, 0, 0);
	if (b->host_blocked || b->input_held) {
		b->host_blocked = false;
		b->input_held = false;
		if (b->port && !b->port->dead)
			host_watch(b);
	}
	if (b->polling) {
		loop_poller_del(b->loop, &b->poller);
		b->polling = false;
	}
	for (unsigned q = 0; b->rxq && q < b->n_rxq; q++)
		free(b->rxq[q].bufs);
	for (unsigned q = 0; b->txq && q < b->n_txq; q++) {
		free(b->txq[q].pool);
		free(b->txq[q].slot_cap);
	}
	free(b->rxq);
	free(b->txq);
	b->rxq = NULL;
	b->txq = NULL;
	b->n_rxq = b->n_txq = 0;
}
