/*
 * conn.c - interfaces: made on a socket, deleted (also from inside their
 * own callbacks), asked to connect; and the public functions on them that
 * both APIs share.
 */
#include <string.h>

#include "internal.h"

static int
conn_args_check (memif_conn_args_t *a)
{
  if (a->log2_ring_size == 0)
    a->log2_ring_size = DEFAULT_LOG2_RING_SIZE;
  if (a->log2_ring_size > MEMIF_MAX_LOG2_RING_SIZE)
    return MEMIF_ERR_MAX_RING;
  if (a->buffer_size == 0)
    a->buffer_size = DEFAULT_BUFFER_SIZE;
  if (a->num_s2m_rings == 0)
    a->num_s2m_rings = 1;
  if (a->num_m2s_rings == 0)
    a->num_m2s_rings = 1;
  if ((unsigned) a->mode > MEMIF_INTERFACE_MODE_PUNT_INJECT)
    return MEMIF_ERR_INVAL_ARG;
  return 0;
}

static bool
id_taken (struct db *db, struct sock *s, uint32_t id, bool master)
{
  for (struct conn *c = db->conns; c; c = c->next)
    if (c->sock == s && c->is_master == master && !c->deleted
	&& c->args.interface_id == id)
      return true;
  return false;
}

/* memif_create of both APIs: the interface on args->socket, or on dflt
 * when that is NULL (3.1's default socket; 4.x has none and passes NULL).
 * Defaults are written back into args, as libmemif does. */
int
conn_new (memif_conn_handle_t *conn, memif_conn_args_t *args,
	  struct sock *dflt, memif_connection_update_t *on_connect,
	  memif_connection_update_t *on_disconnect,
	  core_interrupt_t *on_interrupt, void *private_ctx)
{
  struct sock *s;
  struct db *db;
  struct conn *c;
  int err;

  if (!conn || !args)
    return MEMIF_ERR_INVAL_ARG;
  if (*conn)
    return MEMIF_ERR_CONN;
  if (!(s = args->socket ? args->socket : dflt))
    return MEMIF_ERR_INVAL_ARG;
  db = s->db;
  if ((err = conn_args_check (args)))
    return err;
  if (id_taken (db, s, args->interface_id, args->is_master != 0))
    return MEMIF_ERR_INVAL_ARG;
  if (!(c = db_zalloc (db, sizeof *c)))
    return MEMIF_ERR_NOMEM;
  c->db = db;
  c->sock = s;
  c->args = *args;
  c->args.socket = s;
  c->args.interface_name[sizeof c->args.interface_name - 1] = 0;
  c->is_master = args->is_master != 0;
  c->on_connect = on_connect;
  c->on_disconnect = on_disconnect;
  c->on_interrupt = on_interrupt;
  c->private_ctx = private_ctx;
  if ((err = sock_attach (s, c->is_master)))
    {
      db_free (db, c);
      return err;
    }
  c->next = db->conns;
  db->conns = c;
  if (!c->is_master)
    conn_try_connect (c); /* failing only arms the reconnect timer */
  *conn = c;
  return MEMIF_ERR_SUCCESS;
}

/* Free a conn at once (no callbacks); used by delete and cleanup. */
void
conn_destroy (struct conn *c)
{
  struct db *db = c->db;
  struct conn **pp;
  struct msg m;

  c->in_callback = true; /* no callbacks from here on */
  c->on_disconnect = NULL;
  if (c->ses)
    {
      if (c->connected)
	{
	  msg_disconnect (&m, MEMIF_ERR_SUCCESS, "interface deleted");
	  sock_send (c->ses->fd, &m, -1);
	}
      session_close (c->ses);
    }
  for (pp = &db->conns; *pp; pp = &(*pp)->next)
    if (*pp == c)
      {
	*pp = c->next;
	break;
      }
  sock_detach (c->sock);
  db_free (db, c);
  db_timer_update (db);
}

API int
memif_delete (memif_conn_handle_t *conn)
{
  struct conn *c;

  if (!conn || !(c = *conn))
    return MEMIF_ERR_NOCONN;
  *conn = NULL;
  if (c->in_callback)
    {
      /* Inside one of this interface's own callbacks: finish afterwards. */
      c->deleted = true;
      return MEMIF_ERR_SUCCESS;
    }
  if (c->connected && c->on_disconnect)
    {
      c->in_callback = true;
      c->on_disconnect (c, c->private_ctx);
      c->in_callback = false;
    }
  conn_destroy (c);
  return MEMIF_ERR_SUCCESS;
}

API int
memif_request_connection (memif_conn_handle_t conn)
{
  struct conn *c = conn;

  if (!c)
    return MEMIF_ERR_NOCONN;
  if (c->is_master)
    return MEMIF_ERR_INVAL_ARG;
  if (c->ses)
    return MEMIF_ERR_ALRCONN;
  return conn_try_connect (c);
}

API int
memif_get_conn_stats (memif_conn_handle_t conn, memif_conn_stats_t *st)
{
  struct conn *c = conn;

  if (!c)
    return MEMIF_ERR_NOCONN;
  if (!st)
    return MEMIF_ERR_INVAL_ARG;
  *st = c->stats;
  return MEMIF_ERR_SUCCESS;
}

API uint16_t
memif_get_version (void)
{
  return MEMIF_PROTO_VERSION;
}
