/*
 * details.c - memif_get_details() and memif_strerror().
 */
#include <stdalign.h>
#include <string.h>

#include "internal.h"
#include "ring.h"

/* A bump allocator over the caller's buffer; sticky on overflow. */
struct packer
{
  char *buf;
  size_t len, used;
  bool full;
};

static void *
pack (struct packer *p, size_t size, size_t align)
{
  size_t at = (p->used + align - 1) & ~(align - 1);

  if (at + size > p->len)
    {
      p->full = true;
      return NULL;
    }
  p->used = at + size;
  return p->buf + at;
}

static uint8_t *
pack_str (struct packer *p, const char *s, size_t max)
{
  size_t n = strnlen (s, max);
  char *d = pack (p, n + 1, 1);

  if (d)
    {
      memcpy (d, s, n);
      d[n] = '\0';
    }
  return (uint8_t *) d;
}

static void
queue_details (const struct conn *c, const struct queue *q,
	       memif_queue_details_t *d)
{
  d->region = (uint8_t) q->region;
#if LIBCORE_API == 4
  d->qid = q->qid; /* 16 bits in 4.x */
#else
  d->qid = (uint8_t) q->qid;
#endif
  d->ring_size = q->size;
  d->flags = q->rx_mode == MEMIF_RX_MODE_POLLING ? MEMIF_QUEUE_FLAG_POLLING : 0;
  d->head = ring_load_acquire (&q->ring->head);
  d->tail = ring_load_acquire (&q->ring->tail);
  d->buffer_size = c->buffer_size;
}

static memif_queue_details_t *
pack_queues (struct packer *p, const struct conn *c, const struct queue *qs,
	     uint16_t n)
{
  memif_queue_details_t *d;

  if (!n)
    return NULL;
  d = pack (p, sizeof *d * n, alignof (memif_queue_details_t));
  for (uint16_t i = 0; d && i < n; i++)
    queue_details (c, &qs[i], &d[i]);
  return d;
}

API int
memif_get_details (memif_conn_handle_t conn, memif_details_t *md, char *buf,
		   ssize_t buflen)
{
  struct conn *c = conn;
  struct packer p = { .buf = buf, .len = buflen > 0 ? (size_t) buflen : 0 };
  bool up;

  if (!c)
    return MEMIF_ERR_NOCONN;
  if (!md || (!buf && buflen))
    return MEMIF_ERR_INVAL_ARG;
  memset (md, 0, sizeof *md);
  up = c->connected && !c->broken;
  md->if_name = pack_str (&p, (const char *) c->args.interface_name,
			  MEMIF_NAME_LEN);
  md->inst_name = pack_str (&p, c->db->app_name, MEMIF_NAME_LEN);
  /* As 3.1: the last peer's names stay after it left (link_up_down says
   * so), and a slave refused after HELLO knows the master's name. */
  md->remote_if_name = pack_str (&p, c->remote_if_name, MEMIF_NAME_LEN);
  md->remote_inst_name = pack_str (&p, c->remote_name, MEMIF_NAME_LEN);
  md->id = c->args.interface_id;
  if (c->args.secret[0])
    md->secret = pack_str (&p, (const char *) c->args.secret, MEMIF_SECRET_LEN);
  md->role = c->is_master ? 0 : 1;
  md->mode = (uint8_t) c->args.mode;
#if LIBCORE_API == 4
  md->socket_path = pack_str (&p, c->sock->filename, sizeof c->sock->filename);
#else
  md->socket_filename = pack_str (&p, c->sock->filename, sizeof c->sock->filename);
#endif
  md->error = pack_str (&p, c->error, MEMIF_REASON_LEN);
  md->link_up_down = up ? 1 : 0;
  if (up)
    {
      md->regions_num = (uint8_t) c->nregions;
      md->regions = pack (&p, sizeof *md->regions * c->nregions,
			  alignof (memif_region_details_t));
      for (uint16_t i = 0; md->regions && i < c->nregions; i++)
	md->regions[i] = (memif_region_details_t){
	  .index = (uint8_t) i,
	  .addr = c->regions[i].addr,
	  .size = (uint32_t) c->regions[i].size,
	  .fd = c->regions[i].fd,
	  .is_external = c->regions[i].is_external,
	};
      md->rx_queues_num = (uint8_t) c->nrx;
      md->tx_queues_num = (uint8_t) c->ntx;
      md->rx_queues = pack_queues (&p, c, c->rxq, c->nrx);
      md->tx_queues = pack_queues (&p, c, c->txq, c->ntx);
    }
  return p.full ? MEMIF_ERR_NOBUF_DET : MEMIF_ERR_SUCCESS;
}

static const char *const err_text[] = {
  [MEMIF_ERR_SUCCESS] = "success",
  [MEMIF_ERR_SYSCALL] = "a system call failed",
  [MEMIF_ERR_CONNREFUSED] = "connection refused (is the master listening?)",
  [MEMIF_ERR_ACCES] = "permission denied",
  [MEMIF_ERR_NO_FILE] = "no such file or directory",
  [MEMIF_ERR_FILE_LIMIT] = "system-wide limit of open files reached",
  [MEMIF_ERR_PROC_FILE_LIMIT] = "per-process limit of open files reached",
  [MEMIF_ERR_ALREADY] = "already in progress, or the address is in use",
  [MEMIF_ERR_AGAIN] = "operation would block",
  [MEMIF_ERR_BAD_FD] = "not a file descriptor of this library",
  [MEMIF_ERR_NOMEM] = "out of memory",
  [MEMIF_ERR_INVAL_ARG] = "invalid argument",
  [MEMIF_ERR_NOCONN] = "no such interface (NULL handle)",
  [MEMIF_ERR_CONN] = "the handle already refers to an interface",
  [MEMIF_ERR_CB_FDUPDATE] = "the fd-update callback reported an error",
  [MEMIF_ERR_FILE_NOT_SOCK] = "the socket path exists and is not a socket",
  [MEMIF_ERR_NO_SHMFD] = "missing or unusable shared memory fd",
  [MEMIF_ERR_COOKIE] = "ring has a wrong cookie",
  [MEMIF_ERR_NOBUF_RING] = "ring is full",
  [MEMIF_ERR_NOBUF] = "more packets are waiting than buffers were given",
  [MEMIF_ERR_NOBUF_DET] = "details buffer too small",
  [MEMIF_ERR_INT_WRITE] = "cannot signal the peer's interrupt",
  [MEMIF_ERR_MFMSG] = "malformed message or ring from the peer",
  [MEMIF_ERR_QID] = "no such queue",
  [MEMIF_ERR_PROTO] = "incompatible protocol version",
  [MEMIF_ERR_ID] = "no interface with that id",
  [MEMIF_ERR_ACCSLAVE] = "a slave cannot accept connections",
  [MEMIF_ERR_ALRCONN] = "interface already connected",
  [MEMIF_ERR_MODE] = "interface mode mismatch",
  [MEMIF_ERR_SECRET] = "wrong secret",
  [MEMIF_ERR_NOSECRET] = "a secret is required",
  [MEMIF_ERR_MAXREG] = "region index out of range",
  [MEMIF_ERR_MAXRING] = "ring index out of range",
  [MEMIF_ERR_NO_INTFD] = "missing or unusable interrupt fd",
  [MEMIF_ERR_DISCONNECT] = "the peer disconnected",
  [MEMIF_ERR_DISCONNECTED] = "interface is not connected",
  [MEMIF_ERR_UNKNOWN_MSG] = "unknown message type",
  [MEMIF_ERR_POLL_CANCEL] = "event polling was cancelled",
  [MEMIF_ERR_MAX_RING] = "log2 ring size above 14",
  [MEMIF_ERR_PRIVHDR] = "private headers are not supported",
};

API char *
memif_strerror (int err_code)
{
  if (err_code < 0 || (size_t) err_code >= sizeof err_text / sizeof err_text[0]
      || !err_text[err_code])
    return (char *) "undefined error";
  return (char *) err_text[err_code];
}
