/*
 * api4.c - the public libmemif 4.x functions that are not the packet path.
 * Built into libmemif.so.4 / libmemif4.a only, with the core compiled
 * against libcore/include4/libmemif.h.
 *
 * A 4.x socket is a database of its own holding exactly one socket object:
 * its allocators, app name, timers and event loop (an internal epoll set
 * when no fd-update callback is given).  The handle is that socket object.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

_Static_assert (MEMIF_PROTO_VERSION_MAJOR == 2 && MEMIF_PROTO_VERSION_MINOR == 0,
		"memif_get_version_str says 2.0");

/*
 * What the application gets as memif_fd_event_t.private_ctx and hands back
 * to memif_control_fd_handler: one per fd number the socket ever
 * announced, kept (and reused for that number) until the socket is
 * deleted, so a token from an event the application has not handled yet
 * never points to freed memory.
 */
struct fd_token
{
  struct db *db;
  int fd;
};

struct api4
{
  struct fd_token **tok; /* indexed by fd */
  int ntok;
  memif_realloc_t *realloc;
  memif_free_t *free;
};

static struct fd_token *
token_get (struct db *db, struct api4 *a, int fd)
{
  if (fd >= a->ntok)
    {
      int n = a->ntok ? a->ntok : 64;
      while (n <= fd)
	n *= 2;
      struct fd_token **p = a->realloc (a->tok, sizeof *p * (size_t) n);
      if (!p)
	return NULL;
      memset (p + a->ntok, 0, sizeof *p * (size_t) (n - a->ntok));
      a->tok = p;
      a->ntok = n;
    }
  if (!a->tok[fd] && (a->tok[fd] = db_zalloc (db, sizeof (struct fd_token))))
    *a->tok[fd] = (struct fd_token){ .db = db, .fd = fd };
  return a->tok[fd];
}

static void
api4_free (struct api4 *a)
{
  for (int i = 0; i < a->ntok; i++)
    if (a->tok[i])
      a->free (a->tok[i]);
  if (a->tok)
    a->free (a->tok);
  a->free (a);
}

/* 4.x's fd-update callback: (memif_fd_event_t, socket's private_ctx). */
static int
notify4 (struct db *db, int fd, uint8_t events)
{
  memif_control_fd_update_t *cb = db->notify_cb;
  struct fd_token *t = token_get (db, db->api, fd);
  memif_fd_event_t fde = { .fd = fd, .type = events, .private_ctx = t };

  if (!t)
    return MEMIF_ERR_NOMEM;
  return cb (fde, db->private_ctx) < 0 ? MEMIF_ERR_CB_FDUPDATE : 0;
}

API int
memif_control_fd_handler (void *ptr, memif_fd_event_type_t events)
{
  struct fd_token *t = ptr;

  if (!t)
    return MEMIF_ERR_INVAL_ARG;
  return db_handle_fd (t->db, t->fd, (uint8_t) events);
}

/* ---- sockets ------------------------------------------------------------ */

/* "\0NAME" and "@NAME" both name the abstract socket NAME; we keep "@". */
static int
socket_name (const char path[108], char out[108])
{
  size_t n;

  if (path[0] == '\0')
    {
      n = strnlen (path + 1, 107);
      if (n == 0 || n == 107)
	return MEMIF_ERR_INVAL_ARG;
      out[0] = '@';
      memcpy (out + 1, path + 1, n + 1);
      return 0;
    }
  n = strnlen (path, 108);
  if (n == 108 || (path[0] == '@' && n == 1))
    return MEMIF_ERR_INVAL_ARG;
  memcpy (out, path, n + 1);
  return 0;
}

/* Upstream makes the timer only when it has an interval. */
static struct itimerspec
timer_of (struct itimerspec t)
{
  if (!t.it_interval.tv_sec && !t.it_interval.tv_nsec)
    return (struct itimerspec){ 0 };
  if (!t.it_value.tv_sec && !t.it_value.tv_nsec)
    t.it_value = t.it_interval;
  return t;
}

API int
memif_create_socket (memif_socket_handle_t *sock, memif_socket_args_t *args,
		     void *private_ctx)
{
  char name[108], app[33];
  struct api4 *a;
  struct sock *s;
  struct db *db;
  int err;

  if (!sock || !args)
    return MEMIF_ERR_INVAL_ARG;
  if ((err = socket_name (args->path, name)))
    return err;
  memcpy (app, args->app_name, 32);
  app[32] = 0;
  if (!(a = (args->alloc ? args->alloc : malloc) (sizeof *a)))
    return MEMIF_ERR_NOMEM;
  *a = (struct api4){ .realloc = args->realloc ? args->realloc : realloc,
		      .free = args->free ? args->free : free };
  struct db_cfg cfg = {
    .private_ctx = private_ctx,
    .notify = args->on_control_fd_update ? notify4 : NULL,
    .notify_cb = (void *) args->on_control_fd_update,
    .api = a,
    .app_name = app[0] ? app : NULL,
    .alloc = args->alloc,
    .realloc = args->realloc,
    .free = args->free,
  };
  if ((err = db_new (&db, &cfg)))
    goto fail;
  if (!(s = sock_new (db, name, private_ctx)))
    {
      err = MEMIF_ERR_NOMEM;
      db_destroy (db);
      goto fail;
    }
  db_set_timer (db, timer_of (args->connection_request_timer));
  *sock = s;
  return MEMIF_ERR_SUCCESS;
fail:
  api4_free (a);
  return err;
}

API int
memif_delete_socket (memif_socket_handle_t *sock)
{
  struct sock *s;
  struct api4 *a;

  if (!sock || !(s = *sock))
    return MEMIF_ERR_INVAL_ARG;
  if (s->nconns)
    return MEMIF_ERR_INVAL_ARG;
  a = s->db->api;
  db_destroy (s->db); /* the socket with it; fds announced DEL first */
  api4_free (a);
  *sock = NULL;
  return MEMIF_ERR_SUCCESS;
}

API memif_socket_handle_t
memif_get_socket_handle (memif_conn_handle_t conn)
{
  struct conn *c = conn;
  return c ? c->sock : NULL;
}

API const char *
memif_get_socket_path (memif_socket_handle_t sock)
{
  struct sock *s = sock;
  return s ? s->filename : NULL;
}

API int
memif_get_listener_fd (memif_socket_handle_t sock)
{
  struct sock *s = sock;
  return s ? s->listen_fd : -1;
}

API int
memif_set_listener_fd (memif_socket_handle_t sock, int fd)
{
  struct sock *s = sock;

  if (!s || fd < 0)
    return MEMIF_ERR_INVAL_ARG;
  return sock_adopt_listener (s, fd);
}

API int
memif_set_connection_request_timer (memif_socket_handle_t sock,
				    struct itimerspec timer)
{
  struct sock *s = sock;
  return s ? db_set_timer (s->db, timer_of (timer)) : MEMIF_ERR_INVAL_ARG;
}

API void
memif_register_external_region (memif_socket_handle_t sock,
				memif_add_external_region_t *ar,
				memif_get_external_region_addr_t *gr,
				memif_del_external_region_t *dr,
				memif_get_external_buffer_offset_t *go)
{
  struct sock *s = sock;

  if (!s)
    return;
  s->db->add_ext_region = ar;
  s->db->get_ext_region_addr = gr;
  s->db->del_ext_region = dr;
  s->db->get_ext_buffer_offset = go;
}

/* ---- event loop ------------------------------------------------------- */

API int
memif_poll_event (memif_socket_handle_t sock, int timeout)
{
  struct sock *s = sock;
  return s ? db_poll (s->db, timeout) : MEMIF_ERR_INVAL_ARG;
}

API int
memif_cancel_poll_event (memif_socket_handle_t sock)
{
  struct sock *s = sock;
  return s ? db_cancel_poll (s->db) : MEMIF_ERR_INVAL_ARG;
}

/* ---- interfaces and buffers ------------------------------------------- */

API int
memif_create (memif_conn_handle_t *conn, memif_conn_args_t *args,
	      memif_connection_update_t *on_connect,
	      memif_connection_update_t *on_disconnect,
	      memif_on_interrupt_t *on_interrupt, void *private_ctx)
{
  /* 4.x has no default socket */
  return conn_new (conn, args, NULL, on_connect, on_disconnect, on_interrupt,
		   private_ctx);
}

API int
memif_buffer_requeue (memif_conn_handle_t conn, memif_buffer_t *buf_a,
		      memif_buffer_t *buf_b)
{
  if (!conn)
    return MEMIF_ERR_NOCONN;
  return dp_requeue (conn, buf_a, buf_b);
}

API int
memif_set_next_free_buffer (memif_conn_handle_t conn, uint16_t qid,
			    memif_buffer_t *buf)
{
  return dp_set_next_free (conn, qid, buf);
}

API const char *
memif_get_version_str (void)
{
  return "2.0";
}
