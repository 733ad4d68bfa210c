/*
 * queue.c - building the queues of a session and taking them down: the
 * slave lays out its rings and buffers, the master adopts the rings the
 * slave described (checking each cookie).
 */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "internal.h"
#include "ring.h"

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
      q->ring->desc[j] = (struct memif_desc){ .region = SLAVE_BUFFER_REGION,
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
  struct region *r = &c->regions[SLAVE_BUFFER_REGION];

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

