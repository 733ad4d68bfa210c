/*
 * datapath.c - queues and the packet path: alloc, tx, rx, refill, enq_tx.
 *
 * Roles: the slave owns every buffer.  On its tx (S2M) ring it publishes
 * head; on its rx (M2S) ring it offers empty buffers at head and the master
 * fills them and publishes tail.  Everything the peer writes into shared
 * memory is read once, validated, and only then used.
 */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "internal.h"
#include "ring.h"

#define BUF_REGION 1 /* slave layout: rings in region 0, buffers in 1 */

/* ---- set-up and tear-down ---------------------------------------------- */

static int
queue_alloc_arrays (struct db *db, struct queue *q, bool rx, bool offsets)
{
  size_t n = q->size;

  q->slot_cap = db_zalloc (db, sizeof (uint32_t) * n);
  if (offsets)
    q->slot_off = db_zalloc (db, sizeof (uint32_t) * n);
  if (rx)
    q->bad = db_zalloc (db, n);
  if (!q->slot_cap || (offsets && !q->slot_off) || (rx && !q->bad))
    return MEMIF_ERR_NOMEM;
  return 0;
}

static void
queue_init (struct conn *c, struct queue *q, uint16_t qid, uint8_t log2)
{
  memset (q, 0, sizeof *q);
  q->conn = c;
  q->qid = qid;
  q->log2_size = log2;
  q->size = (uint16_t) (1u << log2);
  q->mask = (uint16_t) (q->size - 1);
  q->int_fd = -1;
}

void
queue_apply_rx_mode (struct queue *q)
{
  struct conn *c = q->conn;
  bool polling = c->rx_mode_polling[q->qid / 8] & (1u << (q->qid % 8));
  uint16_t f = ring_flags_load (q->ring);

  q->rx_mode = polling ? MEMIF_RX_MODE_POLLING : MEMIF_RX_MODE_INTERRUPT;
  f = polling ? (uint16_t) (f | RING_FLAG_MASK_INT)
	      : (uint16_t) (f & ~RING_FLAG_MASK_INT);
  __atomic_store_n (&q->ring->flags, f, __ATOMIC_RELEASE);
}

/* Slave: ring i of the layout (S2M first) and its buffers in region 1. */
static int
client_ring_init (struct conn *c, struct queue *q, unsigned layout_index,
		  uint16_t qid, bool rx)
{
  struct db *db = c->db;
  struct region *r0 = &c->regions[0];
  int err;

  queue_init (c, q, qid, c->log2_ring_size);
  q->region = 0;
  q->offset = (uint32_t) (layout_index * ring_bytes (q->log2_size));
  q->ring = (struct memif_ring *) ((uint8_t *) r0->addr + q->offset);
  if ((err = queue_alloc_arrays (db, q, rx, true)))
    return err;
  q->int_fd = eventfd (0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (q->int_fd < 0)
    return errno_to_memif (errno);
  q->ring->cookie = MEMIF_COOKIE;
  for (uint32_t j = 0; j < q->size; j++)
    {
      uint32_t off = c->buffers_offset
		     + (layout_index * q->size + j) * c->buffer_size;
      q->slot_off[j] = off;
      q->slot_cap[j] = c->buffer_size;
      q->ring->desc[j] = (struct memif_desc){ .region = BUF_REGION,
					      .offset = off,
					      .length = c->buffer_size };
    }
  if (rx)
    queue_apply_rx_mode (q);
  return 0;
}

static int
client_buffers (struct conn *c, uint64_t size)
{
  struct db *db = c->db;
  struct region *r = &c->regions[BUF_REGION];

  if (!db->add_ext_region)
    return region_create (db, r, size, "memif buffers");
  memset (r, 0, sizeof *r);
  r->fd = -1;
  if (db->add_ext_region (&r->addr, (uint32_t) size, &r->fd,
			  c->private_ctx) != 0
      || !r->addr || r->fd < 0)
    return MEMIF_ERR_NO_SHMFD;
  r->size = size;
  r->is_external = true;
  return 0;
}

int
queue_setup_client (struct conn *c)
{
  struct db *db = c->db;
  unsigned s = c->num_s2m, m = c->num_m2s, size = 1u << c->log2_ring_size;
  uint64_t rings = (uint64_t) (s + m) * ring_bytes (c->log2_ring_size);
  uint64_t bufs = (uint64_t) (s + m) * size * c->buffer_size;
  int err;

  if (bufs > UINT32_MAX) /* descriptor offsets are 32-bit */
    return MEMIF_ERR_NOMEM;
  c->regions = db_zalloc (db, sizeof (struct region) * 2);
  c->txq = db_zalloc (db, sizeof (struct queue) * s);
  c->rxq = db_zalloc (db, sizeof (struct queue) * m);
  if (!c->regions || !c->txq || !c->rxq)
    return MEMIF_ERR_NOMEM;
  c->regions[0].fd = c->regions[1].fd = -1;
  if ((err = region_create (db, &c->regions[0], rings, "memif rings")))
    return err;
  c->nregions = 1;
  if ((err = client_buffers (c, bufs)))
    return err;
  c->nregions = 2;
  c->buffers_offset = 0;
  c->buffer_mask = (c->buffer_size & (c->buffer_size - 1)) ? 0
							   : c->buffer_size - 1u;
  c->ntx = (uint16_t) s;
  c->nrx = (uint16_t) m;
  for (unsigned i = 0; i < s; i++)
    if ((err = client_ring_init (c, &c->txq[i], i, (uint16_t) i, false)))
      return err;
  for (unsigned i = 0; i < m; i++)
    if ((err = client_ring_init (c, &c->rxq[i], s + i, (uint16_t) i, true)))
      return err;
  return 0;
}

static int
server_queue (struct conn *c, struct queue *q, struct ring_decl *d,
	      uint16_t qid, bool rx)
{
  int err;

  queue_init (c, q, qid, d->log2_size);
  q->region = d->region;
  q->offset = d->offset;
  q->ring = (struct memif_ring *) ((uint8_t *) c->regions[d->region].addr
				   + d->offset);
  if (__atomic_load_n (&q->ring->cookie, __ATOMIC_RELAXED) != MEMIF_COOKIE)
    return MEMIF_ERR_COOKIE;
  if ((err = queue_alloc_arrays (c->db, q, rx, false)))
    return err;
  q->int_fd = d->fd; /* the queue owns it from now on */
  d->fd = -1;
  if (rx)
    {
      q->last_head = ring_load_own (&q->ring->tail);
      queue_apply_rx_mode (q);
    }
  return 0;
}

int
queue_setup_server (struct conn *c)
{
  struct db *db = c->db;
  int err;

  c->rxq = db_zalloc (db, sizeof (struct queue) * c->num_s2m);
  c->txq = db_zalloc (db, sizeof (struct queue) * c->num_m2s);
  if (!c->rxq || !c->txq)
    return MEMIF_ERR_NOMEM;
  for (uint16_t i = 0; i < c->num_s2m; i++)
    c->rxq[i].int_fd = -1;
  for (uint16_t i = 0; i < c->num_m2s; i++)
    c->txq[i].int_fd = -1;
  c->nrx = c->num_s2m;
  c->ntx = c->num_m2s;
  for (uint16_t i = 0; i < c->nrx; i++)
    if ((err = server_queue (c, &c->rxq[i], &c->decl[1][i], i, true)))
      return err;
  for (uint16_t i = 0; i < c->ntx; i++)
    if ((err = server_queue (c, &c->txq[i], &c->decl[0][i], i, false)))
      return err;
  /* The protocol does not carry the buffer size; report what the slave's
   * initial descriptors say (every known slave lays them out full size). */
  uint32_t len = c->txq[0].ring->desc[0].length;
  if (c->rxq[0].ring->desc[0].length > len)
    len = c->rxq[0].ring->desc[0].length;
  c->buffer_size = len > UINT16_MAX ? UINT16_MAX : (uint16_t) len;
  return 0;
}

static void
queue_free (struct conn *c, struct queue *q)
{
  struct db *db = c->db;

  if (q->int_announced)
    db_fd_del (db, q->int_fd);
  if (q->int_fd >= 0)
    close (q->int_fd);
  db_free (db, q->slot_off);
  db_free (db, q->slot_cap);
  db_free (db, q->bad);
}

void
queue_free_all (struct conn *c)
{
  struct db *db = c->db;

  for (uint16_t i = 0; c->rxq && i < c->nrx; i++)
    queue_free (c, &c->rxq[i]);
  for (uint16_t i = 0; c->txq && i < c->ntx; i++)
    queue_free (c, &c->txq[i]);
  db_free (db, c->rxq);
  db_free (db, c->txq);
  c->rxq = c->txq = NULL;
  c->nrx = c->ntx = 0;
}

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
  return (uint8_t *) c->regions[BUF_REGION].addr + off;
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

  if ((err = conn_usable (c)))
    return err;
  if (!count_out || (!bufs && count))
    return MEMIF_ERR_INVAL_ARG;
  *count_out = 0;
  if (qid >= c->ntx)
    return MEMIF_ERR_QID;
  q = &c->txq[qid];
  if ((avail = tx_free_slots (c, q, &slot)) < 0)
    return conn_break (c, "peer moved a ring counter beyond the ring");
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
	      c->stats.bad_desc++;
	      return conn_break (c, "peer offered a buffer outside its regions");
	    }
	  b->desc_index = (uint16_t) (slot + n);
	  b->ring = q->ring;
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
	  d->region = BUF_REGION;
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
  while (rel != end && q->bad[rel & q->mask])
    {
      q->bad[rel & q->mask] = 0;
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
	  c->stats.bad_desc++;
	}
      else
	{
	  memif_buffer_t *b = &bufs[out++];
	  b->desc_index = cur;
	  b->ring = r;
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
      slave_refill (c, q, 0, q->alloc_bufs); /* bad slots at the front */
    }
  *rx = out;
  if (avail)
    return MEMIF_ERR_NOBUF;
  if (q->rx_mode == MEMIF_RX_MODE_INTERRUPT)
    rx_clear_interrupt (c, q, cur);
  return MEMIF_ERR_SUCCESS;
}

/* Slave: offer count released buffers (plus bad slots) back at head.
 * q->alloc_bufs is unused on rx queues and remembers the last headroom. */
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
      if (q->bad[i])
	q->bad[i] = 0;
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
      r->desc[i] = (struct memif_desc){ .region = BUF_REGION,
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
      rel = skip_bad (q, rel, q->last_head);
      while (count-- && rel != q->last_head)
	rel = skip_bad (q, (uint16_t) (rel + 1), q->last_head);
      ring_store_release (&q->ring->tail, rel); /* pairs with slave's alloc */
      return MEMIF_ERR_SUCCESS;
    }
  if (headroom >= c->buffer_size)
    return MEMIF_ERR_INVAL_ARG;
  q->alloc_bufs = headroom;
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

  if ((err = conn_usable (c)))
    return err;
  if (!count_out || (!bufs && count))
    return MEMIF_ERR_INVAL_ARG;
  *count_out = 0;
  if (qid >= c->ntx)
    return MEMIF_ERR_QID;
  if (c->is_master)
    return MEMIF_ERR_INVAL_ARG;
  q = &c->txq[qid];
  if ((avail = tx_free_slots (c, q, &slot)) < 0)
    return conn_break (c, "peer moved a ring counter beyond the ring");
  for (n = 0; n < count && avail; n++, avail--)
    {
      memif_buffer_t *b = &bufs[n];
      uint8_t *base = c->regions[BUF_REGION].addr;
      if (!(b->flags & MEMIF_BUFFER_FLAG_RX)
	  || !(rq = rx_queue_of (c, b->ring)) || (uint8_t *) b->data < base
	  || (uint64_t) ((uint8_t *) b->data - base) + b->len
	       > c->regions[BUF_REGION].size)
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
      b->ring = q->ring;
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
  if (rx_mode == MEMIF_RX_MODE_POLLING)
    c->rx_mode_polling[qid / 8] |= (uint8_t) (1u << (qid % 8));
  else
    c->rx_mode_polling[qid / 8] &= (uint8_t) ~(1u << (qid % 8));
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
