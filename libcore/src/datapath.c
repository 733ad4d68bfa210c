/*
 * datapath.c - the packet path: alloc, tx, rx, refill, enq_tx, rx mode.
 *
 * Roles: the slave owns every buffer.  On its tx (S2M) ring it publishes
 * head; on its rx (M2S) ring it offers empty buffers at head and the master
 * fills them and publishes tail.  Everything the peer writes into shared
 * memory is read once, validated, and only then used.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "ring.h"

/* ---- helpers of the packet path ----------------------------------------- */

/* The peer broke the ring's rules: stop using it, tear down soon. */
static int
conn_break (struct conn *c, const char *why)
{
  if (!c->broken)
    {
      c->broken = true;
      strncpy (c->broken_reason, why, MEMIF_REASON_LEN);
      db_housekeeping_kick (c->db, 0);
    }
  return MEMIF_ERR_DISCONNECTED;
}

static inline int
conn_usable (const struct conn *c)
{
  if (!c)
    return MEMIF_ERR_NOCONN;
  if (!c->connected || c->broken)
    return MEMIF_ERR_DISCONNECTED;
  return 0;
}

/* Slave: start of the buffer that contains offset off (region 1). */
static inline uint32_t
buf_base (const struct conn *c, uint32_t off)
{
  uint32_t rel = off - c->buffers_offset;
  /* A division per packet is measurable at 64 bytes: mask when we can. */
  if (c->buffer_mask)
    return c->buffers_offset + (rel & ~c->buffer_mask);
  return c->buffers_offset + rel - rel % c->buffer_size;
}

/* Master: where a descriptor written by the slave points, or NULL. */
static inline uint8_t *
desc_data (const struct conn *c, const struct memif_desc *d)
{
  const struct region *r;

  if (d->region >= c->nregions || d->length == 0)
    return NULL;
  r = &c->regions[d->region];
  if (!r->addr || (uint64_t) d->offset + d->length > r->size)
    return NULL;
  return (uint8_t *) r->addr + d->offset;
}

static inline uint8_t *
slave_data (const struct conn *c, uint32_t off)
{
  return (uint8_t *) c->regions[SLAVE_BUFFER_REGION].addr + off;
}

/* Slave: the buffer offered in a tx slot, reset to its start. */
static inline uint32_t
slave_tx_reset (struct conn *c, struct queue *q, uint16_t s)
{
  struct db *db = c->db;
  uint32_t off;

  if (db->get_ext_buffer_offset)
    off = db->get_ext_buffer_offset (c->private_ctx);
  else
    off = buf_base (c, q->slot_off[s]);
  q->slot_off[s] = off;
  q->slot_cap[s] = c->buffer_size;
  return off;
}

/* Free tx slots, or -1 if the peer moved its counter impossibly. */
static inline int
tx_free_slots (struct conn *c, struct queue *q, uint16_t *start)
{
  struct memif_ring *r = q->ring;
  uint16_t head, tail, used;

  if (c->is_master)
    {
      head = ring_load_acquire (&r->head); /* pairs with slave's refill */
      tail = ring_load_own (&r->tail);
      used = ring_distance (tail, head);
      *start = (uint16_t) (tail + q->alloc_bufs);
      return used > q->size ? -1 : used - q->alloc_bufs;
    }
  head = ring_load_own (&r->head);
  tail = ring_load_acquire (&r->tail); /* pairs with master's release */
  used = ring_distance (tail, head);
  *start = (uint16_t) (head + q->alloc_bufs);
  return used > q->size ? -1 : q->size - used - q->alloc_bufs;
}

/* What every call that reserves tx slots checks first; on success the
 * queue, the first free slot and how many are free. */
static inline int
tx_begin (struct conn *c, uint16_t qid, const memif_buffer_t *bufs,
	  uint16_t count, uint16_t *count_out, struct queue **q,
	  uint16_t *slot, int *avail)
{
  int err;

  if ((err = conn_usable (c)))
    return err;
  if (!count_out || (!bufs && count))
    return MEMIF_ERR_INVAL_ARG;
  *count_out = 0;
  if (qid >= c->ntx)
    return MEMIF_ERR_QID;
  *q = &c->txq[qid];
  if ((*avail = tx_free_slots (c, *q, slot)) < 0)
    return conn_break (c, "peer moved a ring counter beyond the ring");
  return 0;
}

/* ---- public packet path ------------------------------------------------- */

/* One slot for the current packet: pointer and capacity, or NULL. */
static inline uint8_t *
tx_slot (struct conn *c, struct queue *q, uint16_t s, uint32_t *cap)
{
  uint16_t i = s & q->mask;
  uint8_t *p;

  if (!c->is_master)
    {
      p = slave_data (c, slave_tx_reset (c, q, i));
      *cap = c->buffer_size;
      return p;
    }
  struct memif_desc d = ring_desc_snapshot (&q->ring->desc[i]);
  if (!(p = desc_data (c, &d)))
    return NULL;
  q->slot_cap[i] = *cap = d.length;
  return p;
}

API int
memif_buffer_alloc (memif_conn_handle_t conn, uint16_t qid,
		    memif_buffer_t *bufs, uint16_t count, uint16_t *count_out,
		    uint16_t size)
{
  struct conn *c = conn;
  struct queue *q;
  uint16_t slot, pkts = 0, out = 0;
  int err, avail;

  if ((err = tx_begin (c, qid, bufs, count, count_out, &q, &slot, &avail)))
    return err;
  while (pkts < count)
    {
      /* Reserve a whole chain or nothing. */
      uint32_t left = size, cap;
      uint16_t n = 0;
      do
	{
	  memif_buffer_t *b = &bufs[out + n];
	  if (n == avail)
	    goto full;
	  if (!(b->data = tx_slot (c, q, (uint16_t) (slot + n), &cap)))
	    {
	      /* queues of c may be served by several threads */
	      __atomic_fetch_add (&c->stats.bad_desc, 1, __ATOMIC_RELAXED);
	      return conn_break (c, "peer offered a buffer outside its regions");
	    }
	  b->desc_index = (uint16_t) (slot + n);
	  BUF_QUEUE (b) = q->ring;
	  b->len = size == 0 ? cap : (left < cap ? left : cap);
	  left -= size == 0 ? 0 : b->len;
	  b->flags = left ? MEMIF_BUFFER_FLAG_NEXT : 0;
	  n++;
	}
      while (left);
      out += n;
      slot += n;
      avail -= n;
      q->alloc_bufs += n;
      pkts++;
    }
  *count_out = out;
  return MEMIF_ERR_SUCCESS;
full:
  *count_out = out;
  return MEMIF_ERR_NOBUF_RING;
}

static inline int
notify_peer (struct queue *q)
{
  static const uint64_t one = 1;

  /* Pairs with the consumer setting MASK_INT: a stale read costs at most
   * one needless wake-up. */
  if (ring_flags_load (q->ring) & RING_FLAG_MASK_INT)
    return 0;
  if (write (q->int_fd, &one, sizeof one) < 0 && errno != EAGAIN)
    return MEMIF_ERR_INT_WRITE;
  return 0;
}

API int
memif_tx_burst (memif_conn_handle_t conn, uint16_t qid, memif_buffer_t *bufs,
		uint16_t count, uint16_t *tx)
{
  struct conn *c = conn;
  struct queue *q;
  struct memif_ring *r;
  uint16_t first, n;
  int err, ret = MEMIF_ERR_SUCCESS;

  if ((err = conn_usable (c)))
    return err;
  if (!tx || (!bufs && count))
    return MEMIF_ERR_INVAL_ARG;
  *tx = 0;
  if (qid >= c->ntx)
    return MEMIF_ERR_QID;
  q = &c->txq[qid];
  r = q->ring;
  if (count > q->alloc_bufs)
    count = q->alloc_bufs;
  first = c->is_master ? ring_load_own (&r->tail) : ring_load_own (&r->head);
  for (n = 0; n < count; n++)
    {
      const memif_buffer_t *b = &bufs[n];
      uint16_t i = b->desc_index & q->mask;
      /* Slots are published in order; a length must fit its slot. */
      if (b->desc_index != (uint16_t) (first + n) || b->len == 0
	  || b->len > q->slot_cap[i])
	{
	  ret = MEMIF_ERR_INVAL_ARG;
	  break;
	}
      struct memif_desc *d = &r->desc[i];
      if (!c->is_master)
	{
	  d->region = SLAVE_BUFFER_REGION;
	  d->offset = q->slot_off[i];
	}
      d->length = b->len;
      d->flags = (b->flags & MEMIF_BUFFER_FLAG_NEXT) ? DESC_FLAG_NEXT : 0;
    }
  if (n == 0)
    return ret;
  /* Descriptors and data above become visible with the counter. */
  ring_store_release (c->is_master ? &r->tail : &r->head,
		      (uint16_t) (first + n));
  q->alloc_bufs -= n;
  *tx = n;
  err = notify_peer (q);
  return ret ? ret : err;
}

/* Release the bad slots sitting at the release point, which the
 * application cannot hold. Master: moves tail. */
static inline uint16_t
skip_bad (struct queue *q, uint16_t rel, uint16_t end)
{
  while (q->nbad && rel != end && q->bad[rel & q->mask])
    {
      q->bad[rel & q->mask] = 0;
      q->nbad--;
      rel++;
    }
  return rel;
}

/* Interrupt mode: clear the eventfd once drained, and re-arm it if the
 * peer published more in the meantime. */
static void
rx_clear_interrupt (struct conn *c, struct queue *q, uint16_t cur)
{
  static const uint64_t one = 1;
  uint64_t v;
  uint16_t now;

  if (read (q->int_fd, &v, sizeof v) < 0)
    return;
  now = c->is_master ? ring_load_acquire (&q->ring->head)
		     : ring_load_acquire (&q->ring->tail);
  if (now != cur && write (q->int_fd, &one, sizeof one) < 0)
    return;
}

static void slave_refill (struct conn *c, struct queue *q, uint16_t count,
			  uint16_t headroom);

API int
memif_rx_burst (memif_conn_handle_t conn, uint16_t qid, memif_buffer_t *bufs,
		uint16_t count, uint16_t *rx)
{
  struct conn *c = conn;
  struct queue *q;
  struct memif_ring *r;
  uint16_t cur, end, avail, out = 0;
  int err;

  if ((err = conn_usable (c)))
    return err;
  if (!rx || (!bufs && count))
    return MEMIF_ERR_INVAL_ARG;
  *rx = 0;
  if (qid >= c->nrx)
    return MEMIF_ERR_QID;
  q = &c->rxq[qid];
  r = q->ring;
  if (c->is_master)
    {
      cur = q->last_head;
      end = ring_load_acquire (&r->head); /* pairs with slave's tx release */
      if (ring_distance (ring_load_own (&r->tail), end) > q->size)
	return conn_break (c, "peer moved head beyond the ring");
    }
  else
    {
      cur = q->last_tail;
      end = ring_load_acquire (&r->tail); /* pairs with master's tx release */
      if (ring_distance (cur, end) > ring_distance (cur, ring_load_own (&r->head)))
	return conn_break (c, "peer moved tail beyond the offered buffers");
    }
  avail = ring_distance (cur, end);
  while (avail && out < count)
    {
      uint16_t i = cur & q->mask;
      struct memif_desc d = ring_desc_snapshot (&r->desc[i]);
      uint8_t *p;
      if (c->is_master)
	p = desc_data (c, &d);
      else
	p = d.length && d.length <= q->slot_cap[i]
	      ? slave_data (c, q->slot_off[i]) : NULL;
      if (!p)
	{
	  q->bad[i] = 1; /* dropped; released with its neighbours */
	  q->nbad++;
	  /* queues of c may be served by several threads */
	  __atomic_fetch_add (&c->stats.bad_desc, 1, __ATOMIC_RELAXED);
	}
      else
	{
	  memif_buffer_t *b = &bufs[out++];
	  b->desc_index = cur;
	  BUF_QUEUE (b) = r;
	  b->len = d.length;
	  b->data = p;
	  b->flags = MEMIF_BUFFER_FLAG_RX
		     | ((d.flags & DESC_FLAG_NEXT) ? MEMIF_BUFFER_FLAG_NEXT : 0);
	}
      cur++;
      avail--;
    }
  if (c->is_master)
    {
      q->last_head = cur;
      uint16_t t = ring_load_own (&r->tail);
      uint16_t nt = skip_bad (q, t, cur);
      if (nt != t)
	ring_store_release (&r->tail, nt);
    }
  else
    {
      q->last_tail = cur;
      slave_refill (c, q, 0, q->headroom); /* bad slots at the front */
    }
  *rx = out;
  if (avail)
    return MEMIF_ERR_NOBUF;
  if (q->rx_mode == MEMIF_RX_MODE_INTERRUPT)
    rx_clear_interrupt (c, q, cur);
  return MEMIF_ERR_SUCCESS;
}

/* Slave: offer count released buffers (plus bad slots) back at head. */
static void
slave_refill (struct conn *c, struct queue *q, uint16_t count,
	      uint16_t headroom)
{
  struct db *db = c->db;
  struct memif_ring *r = q->ring;
  uint16_t head = ring_load_own (&r->head), start = head;
  uint16_t room = (uint16_t) (q->size - ring_distance (q->last_tail, head));

  while (room)
    {
      uint16_t i = head & q->mask;
      if (q->nbad && q->bad[i])
	{
	  q->bad[i] = 0;
	  q->nbad--;
	}
      else if (count)
	count--;
      else
	break;
      uint32_t off = db->get_ext_buffer_offset
		       ? db->get_ext_buffer_offset (c->private_ctx)
		       : buf_base (c, q->slot_off[i]);
      off += headroom;
      q->slot_off[i] = off;
      q->slot_cap[i] = (uint32_t) (c->buffer_size - headroom);
      r->desc[i] = (struct memif_desc){ .region = SLAVE_BUFFER_REGION,
					.offset = off,
					.length = q->slot_cap[i] };
      head++;
      room--;
    }
  if (head != start)
    ring_store_release (&r->head, head); /* descriptors first */
}

API int
memif_refill_queue (memif_conn_handle_t conn, uint16_t qid, uint16_t count,
		    uint16_t headroom)
{
  struct conn *c = conn;
  struct queue *q;
  int err;

  if ((err = conn_usable (c)))
    return err;
  if (qid >= c->nrx)
    return MEMIF_ERR_QID;
  q = &c->rxq[qid];
  if (c->is_master)
    {
      uint16_t rel = ring_load_own (&q->ring->tail);
      uint16_t held = ring_distance (rel, q->last_head);
      if (!q->nbad) /* the common case: one step for the whole burst */
	rel = (uint16_t) (rel + (count < held ? count : held));
      else
	{
	  rel = skip_bad (q, rel, q->last_head);
	  while (count-- && rel != q->last_head)
	    rel = skip_bad (q, (uint16_t) (rel + 1), q->last_head);
	}
      ring_store_release (&q->ring->tail, rel); /* pairs with slave's alloc */
      return MEMIF_ERR_SUCCESS;
    }
  if (headroom >= c->buffer_size)
    return MEMIF_ERR_INVAL_ARG;
  q->headroom = headroom;
  slave_refill (c, q, count, headroom);
  return MEMIF_ERR_SUCCESS;
}

static struct queue *
rx_queue_of (struct conn *c, const void *ring)
{
  for (uint16_t i = 0; i < c->nrx; i++)
    if (c->rxq[i].ring == ring)
      return &c->rxq[i];
  return NULL;
}

API int
memif_buffer_enq_tx (memif_conn_handle_t conn, uint16_t qid,
		     memif_buffer_t *bufs, uint16_t count, uint16_t *count_out)
{
  struct conn *c = conn;
  struct queue *q, *rq;
  uint16_t slot, n;
  int err, avail;

  if ((err = tx_begin (c, qid, bufs, count, count_out, &q, &slot, &avail)))
    return err;
  if (c->is_master)
    return MEMIF_ERR_INVAL_ARG;
  for (n = 0; n < count && avail; n++, avail--)
    {
      memif_buffer_t *b = &bufs[n];
      uint8_t *base = c->regions[SLAVE_BUFFER_REGION].addr;
      if (!(b->flags & MEMIF_BUFFER_FLAG_RX)
	  || !(rq = rx_queue_of (c, BUF_QUEUE (b))) || (uint8_t *) b->data < base
	  || (uint64_t) ((uint8_t *) b->data - base) + b->len
	       > c->regions[SLAVE_BUFFER_REGION].size)
	return MEMIF_ERR_INVAL_ARG;
      uint16_t ti = slot & q->mask, ri = b->desc_index & rq->mask;
      uint32_t off = (uint32_t) ((uint8_t *) b->data - base);
      uint32_t end = buf_base (c, off) + c->buffer_size;
      /* Swap buffers: the rx slot takes the free tx buffer. */
      rq->slot_off[ri] = buf_base (c, q->slot_off[ti]);
      rq->slot_cap[ri] = c->buffer_size;
      q->slot_off[ti] = off;
      q->slot_cap[ti] = end - off;
      b->desc_index = slot++;
      BUF_QUEUE (b) = q->ring;
      b->flags &= (uint8_t) ~MEMIF_BUFFER_FLAG_RX;
      q->alloc_bufs++;
      (*count_out)++;
    }
  return n < count ? MEMIF_ERR_NOBUF_RING : MEMIF_ERR_SUCCESS;
}

API int
memif_set_rx_mode (memif_conn_handle_t conn, memif_rx_mode_t rx_mode,
		   uint16_t qid)
{
  struct conn *c = conn;

  if (!c)
    return MEMIF_ERR_NOCONN;
  if (rx_mode != MEMIF_RX_MODE_INTERRUPT && rx_mode != MEMIF_RX_MODE_POLLING)
    return MEMIF_ERR_INVAL_ARG;
  if (qid >= MEMIF_MAX_RINGS || (c->connected && qid >= c->nrx))
    return MEMIF_ERR_QID;
  /* Atomic: threads that own other queues of c may set theirs at once
   * (eight queues share a byte). */
  if (rx_mode == MEMIF_RX_MODE_POLLING)
    __atomic_fetch_or (&c->rx_mode_polling[qid / 8],
		       (uint8_t) (1u << (qid % 8)), __ATOMIC_RELAXED);
  else
    __atomic_fetch_and (&c->rx_mode_polling[qid / 8],
			(uint8_t) ~(1u << (qid % 8)), __ATOMIC_RELAXED);
  if (c->connected)
    queue_apply_rx_mode (&c->rxq[qid]);
  return MEMIF_ERR_SUCCESS;
}

API int
memif_get_queue_efd (memif_conn_handle_t conn, uint16_t qid, int *fd)
{
  struct conn *c = conn;

  if (!c)
    return MEMIF_ERR_NOCONN;
  if (!fd)
    return MEMIF_ERR_INVAL_ARG;
  *fd = -1;
  if (!c->connected)
    return MEMIF_ERR_DISCONNECTED;
  if (qid >= c->nrx)
    return MEMIF_ERR_QID;
  *fd = c->rxq[qid].int_fd;
  return MEMIF_ERR_SUCCESS;
}

/* ---- buffer moves only 4.x exposes --------------------------------------- */

/* Slave: the queue of c that holds buffer b for the application (an rx
 * slot received and not refilled, or a tx slot allocated and not sent),
 * or NULL. */
static struct queue *
held_queue (struct conn *c, const memif_buffer_t *b)
{
  for (uint16_t i = 0; i < c->ntx; i++)
    {
      struct queue *q = &c->txq[i];
      if (q->ring == BUF_QUEUE (b))
	return ring_distance (ring_load_own (&q->ring->head), b->desc_index)
		   < q->alloc_bufs
		 ? q : NULL;
    }
  for (uint16_t i = 0; i < c->nrx; i++)
    {
      struct queue *q = &c->rxq[i];
      if (q->ring != BUF_QUEUE (b))
	continue;
      uint16_t oldest = (uint16_t) (ring_load_own (&q->ring->head) - q->size);
      if (ring_distance (oldest, b->desc_index)
	    >= ring_distance (oldest, q->last_tail)
	  || q->bad[b->desc_index & q->mask])
	return NULL;
      return q;
    }
  return NULL;
}

static inline void
swap_u32 (uint32_t *x, uint32_t *y)
{
  uint32_t t = *x;
  *x = *y;
  *y = t;
}

/* Slave: a and b trade slots (a received buffer into a tx slot, say); the
 * buffers keep their data, and the private offsets follow them. */
int
dp_requeue (struct conn *c, memif_buffer_t *a, memif_buffer_t *b)
{
  struct queue *qa, *qb;
  int err;

  if ((err = conn_usable (c)))
    return err;
  if (c->is_master || !a || !b || a == b)
    return MEMIF_ERR_INVAL_ARG;
  if (!(qa = held_queue (c, a)) || !(qb = held_queue (c, b)))
    return MEMIF_ERR_INVAL_ARG;
  uint16_t ia = a->desc_index & qa->mask, ib = b->desc_index & qb->mask;
  if (qa == qb && ia == ib)
    return MEMIF_ERR_INVAL_ARG;
  swap_u32 (&qa->slot_off[ia], &qb->slot_off[ib]);
  swap_u32 (&qa->slot_cap[ia], &qb->slot_cap[ib]);
  uint16_t di = a->desc_index;
  void *ring = BUF_QUEUE (a);
  uint8_t rx_a = a->flags & MEMIF_BUFFER_FLAG_RX;
  a->desc_index = b->desc_index;
  BUF_QUEUE (a) = BUF_QUEUE (b);
  a->flags = (uint8_t) ((a->flags & ~MEMIF_BUFFER_FLAG_RX)
			| (b->flags & MEMIF_BUFFER_FLAG_RX));
  b->desc_index = di;
  BUF_QUEUE (b) = ring;
  b->flags = (uint8_t) ((b->flags & ~MEMIF_BUFFER_FLAG_RX) | rx_a);
  return MEMIF_ERR_SUCCESS;
}

/* Give back the tx slots allocated from b on: the next memif_buffer_alloc
 * starts at b's slot.  Only slots allocated and not sent can be given
 * back. */
int
dp_set_next_free (struct conn *c, uint16_t qid, const memif_buffer_t *b)
{
  struct queue *q;
  uint16_t first, back;
  int err;

  if (!c)
    return MEMIF_ERR_NOCONN;
  if (!b)
    return MEMIF_ERR_INVAL_ARG;
  if ((err = conn_usable (c)))
    return err;
  if (qid >= c->ntx)
    return MEMIF_ERR_QID;
  q = &c->txq[qid];
  first = c->is_master ? ring_load_own (&q->ring->tail)
		       : ring_load_own (&q->ring->head);
  back = ring_distance (first, b->desc_index);
  if (back > q->alloc_bufs)
    return MEMIF_ERR_INVAL_ARG;
  q->alloc_bufs = back;
  return MEMIF_ERR_SUCCESS;
}
