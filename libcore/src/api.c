/*
 * api.c - the public libmemif 3.1 functions that are not the packet path:
 * databases, sockets, interfaces, event loop entry points, details.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "internal.h"

static struct db *global_db;

struct db *
db_global (void)
{
  return global_db;
}

/* ---- databases ----------------------------------------------------------- */

static void
db_release_fds (struct db *db)
{
  db_close_fd (db, db->timer_fd);
  db_close_fd (db, db->hk_fd);
  db_close_fd (db, db->cancel_fd);
  if (db->epfd >= 0)
    close (db->epfd);
  db->timer_fd = db->hk_fd = db->cancel_fd = db->epfd = -1;
}

static struct sock *sock_new (struct db *db, const char *filename,
			      void *private_ctx);

static int
db_new (struct db **out, void *private_ctx, memif_control_fd_update_t *cb,
	const char *app_name, memif_alloc_t *a, memif_realloc_t *ra,
	memif_free_t *f)
{
  struct db *db;
  int err = MEMIF_ERR_SUCCESS;

  a = a ? a : malloc;
  ra = ra ? ra : realloc;
  f = f ? f : free;
  if (!(db = a (sizeof *db)))
    return MEMIF_ERR_NOMEM;
  memset (db, 0, sizeof *db);
  db->alloc = a;
  db->realloc = ra;
  db->free = f;
  db->fd_update = cb;
  db->private_ctx = private_ctx;
  db->epfd = db->cancel_fd = db->timer_fd = db->hk_fd = -1;
  /* The header promises truncation: 31 bytes keep a NUL on the wire too. */
  strncpy (db->app_name, app_name ? app_name : MEMIF_DEFAULT_APP_NAME,
	   MEMIF_NAME_LEN - 1);
  db->timer_spec.it_value.tv_sec = 2;
  db->timer_spec.it_interval.tv_sec = 2;

  if (!cb)
    {
      db->epfd = epoll_create1 (EPOLL_CLOEXEC);
      db->cancel_fd = eventfd (0, EFD_NONBLOCK | EFD_CLOEXEC);
      if (db->epfd < 0 || db->cancel_fd < 0
	  || (err = db_fd_add (db, db->cancel_fd, FD_CANCEL, NULL, 0,
			       MEMIF_FD_EVENT_READ)))
	goto fail;
    }
  db->timer_fd = timerfd_create (CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  db->hk_fd = timerfd_create (CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (db->timer_fd < 0 || db->hk_fd < 0)
    goto fail;
  if ((err = db_fd_add (db, db->timer_fd, FD_RECONNECT_TIMER, NULL, 0,
			MEMIF_FD_EVENT_READ))
      || (err = db_fd_add (db, db->hk_fd, FD_HOUSEKEEPING, NULL, 0,
			   MEMIF_FD_EVENT_READ)))
    goto fail;
  *out = db;
  return 0;
fail:
  if (!err)
    err = errno_to_memif (errno);
  db_release_fds (db);
  db_free (db, db->fds);
  f (db);
  return err;
}

static void sock_free (struct sock *s);

static void
db_destroy (struct db *db)
{
  while (db->conns)
    conn_destroy (db->conns);
  while (db->socks)
    sock_free (db->socks);
  db_release_fds (db);
  db_free (db, db->fds);
  db->free (db);
}

API int
memif_init (memif_control_fd_update_t *on_control_fd_update, char *app_name,
	    memif_alloc_t *memif_alloc, memif_realloc_t *memif_realloc,
	    memif_free_t *memif_free)
{
  struct db *db;
  int err;

  if (global_db)
    return MEMIF_ERR_ALREADY;
  if ((err = db_new (&db, NULL, on_control_fd_update, app_name, memif_alloc,
		     memif_realloc, memif_free)))
    return err;
  db->default_sock = sock_new (db, DEFAULT_SOCKET_PATH, NULL);
  if (!db->default_sock)
    {
      db_destroy (db);
      return MEMIF_ERR_NOMEM;
    }
  global_db = db;
  return 0;
}

API int
memif_per_thread_init (memif_per_thread_main_handle_t *pt_main,
		       void *private_ctx,
		       memif_control_fd_update_t *on_control_fd_update,
		       char *app_name, memif_alloc_t *memif_alloc,
		       memif_realloc_t *memif_realloc, memif_free_t *memif_free)
{
  struct db *db;
  int err;

  if (!pt_main)
    return MEMIF_ERR_INVAL_ARG;
  if ((err = db_new (&db, private_ctx, on_control_fd_update, app_name,
		     memif_alloc, memif_realloc, memif_free)))
    return err;
  *pt_main = db;
  return 0;
}

API int
memif_cleanup (void)
{
  struct db *db = global_db;

  if (!db)
    return MEMIF_ERR_SUCCESS;
  if (db->default_sock && db->default_sock->nconns)
    return MEMIF_ERR_INVAL_ARG;
  global_db = NULL;
  db_destroy (db);
  return MEMIF_ERR_SUCCESS;
}

API int
memif_per_thread_cleanup (memif_per_thread_main_handle_t *pt_main)
{
  if (!pt_main || !*pt_main)
    return MEMIF_ERR_INVAL_ARG;
  db_destroy (*pt_main);
  *pt_main = NULL;
  return MEMIF_ERR_SUCCESS;
}

static void
register_ext (struct db *db, memif_add_external_region_t *ar,
	      memif_get_external_region_addr_t *gr,
	      memif_del_external_region_t *dr,
	      memif_get_external_buffer_offset_t *go)
{
  if (!db)
    return;
  db->add_ext_region = ar;
  db->get_ext_region_addr = gr;
  db->del_ext_region = dr;
  db->get_ext_buffer_offset = go;
}

API void
memif_register_external_region (memif_add_external_region_t *ar,
				memif_get_external_region_addr_t *gr,
				memif_del_external_region_t *dr,
				memif_get_external_buffer_offset_t *go)
{
  register_ext (global_db, ar, gr, dr, go);
}

API void
memif_per_thread_register_external_region (
  memif_per_thread_main_handle_t pt_main, memif_add_external_region_t *ar,
  memif_get_external_region_addr_t *gr, memif_del_external_region_t *dr,
  memif_get_external_buffer_offset_t *go)
{
  register_ext (pt_main, ar, gr, dr, go);
}

/* ---- event loop entry points ------------------------------------------- */

static int
poll_event (struct db *db, int timeout)
{
  struct epoll_event ev;
  uint8_t events = 0;
  int n;

  if (!db)
    return MEMIF_ERR_INVAL_ARG;
  if (db->epfd < 0)
    return MEMIF_ERR_INVAL_ARG; /* the application owns the loop */
  n = epoll_wait (db->epfd, &ev, 1, timeout);
  if (n < 0)
    return errno == EINTR ? 0 : errno_to_memif (errno);
  if (n == 0)
    return 0;
  if (ev.events & EPOLLIN)
    events |= MEMIF_FD_EVENT_READ;
  if (ev.events & EPOLLOUT)
    events |= MEMIF_FD_EVENT_WRITE;
  if (ev.events & (EPOLLERR | EPOLLHUP))
    events |= MEMIF_FD_EVENT_ERROR;
  return db_handle_fd (db, ev.data.fd, events);
}

API int
memif_poll_event (int timeout)
{
  return poll_event (global_db, timeout);
}

API int
memif_per_thread_poll_event (memif_per_thread_main_handle_t pt_main,
			     int timeout)
{
  return poll_event (pt_main, timeout);
}

static int
cancel_poll (struct db *db)
{
  static const uint64_t one = 1;

  if (!db || db->cancel_fd < 0)
    return MEMIF_ERR_INVAL_ARG;
  if (write (db->cancel_fd, &one, sizeof one) != (ssize_t) sizeof one)
    return MEMIF_ERR_INT_WRITE;
  return MEMIF_ERR_SUCCESS;
}

API int
memif_cancel_poll_event (void)
{
  return cancel_poll (global_db);
}

API int
memif_per_thread_cancel_poll_event (memif_per_thread_main_handle_t pt_main)
{
  return cancel_poll (pt_main);
}

API int
memif_control_fd_handler (int fd, uint8_t events)
{
  if (!global_db)
    return MEMIF_ERR_INVAL_ARG;
  return db_handle_fd (global_db, fd, events);
}

API int
memif_per_thread_control_fd_handler (memif_per_thread_main_handle_t pt_main,
				     int fd, uint8_t events)
{
  if (!pt_main)
    return MEMIF_ERR_INVAL_ARG;
  return db_handle_fd (pt_main, fd, events);
}

static int
set_timer (struct db *db, struct itimerspec timer)
{
  if (!db)
    return MEMIF_ERR_INVAL_ARG;
  db->timer_spec = timer;
  db->timer_armed = false; /* re-arm (or not) with the new value */
  timerfd_settime (db->timer_fd, 0, &(struct itimerspec){ 0 }, NULL);
  db_timer_update (db);
  return MEMIF_ERR_SUCCESS;
}

API int
memif_set_connection_request_timer (struct itimerspec timer)
{
  return set_timer (global_db, timer);
}

API int
memif_per_thread_set_connection_request_timer (
  memif_per_thread_main_handle_t pt_main, struct itimerspec timer)
{
  return set_timer (pt_main, timer);
}

/* ---- sockets ------------------------------------------------------------ */

static struct sock *
sock_new (struct db *db, const char *filename, void *private_ctx)
{
  struct sock *s = db_zalloc (db, sizeof *s);

  if (!s)
    return NULL;
  s->db = db;
  s->listen_fd = -1;
  s->private_ctx = private_ctx;
  strncpy (s->filename, filename, sizeof s->filename - 1);
  s->next = db->socks;
  db->socks = s;
  return s;
}

static void
sock_free (struct sock *s)
{
  struct db *db = s->db;
  struct sock **pp;

  while (s->pending)
    session_close (s->pending);
  sock_unlisten (s);
  for (pp = &db->socks; *pp; pp = &(*pp)->next)
    if (*pp == s)
      {
	*pp = s->next;
	break;
      }
  if (db->default_sock == s)
    db->default_sock = NULL;
  db_free (db, s);
}

static int
create_socket (struct db *db, memif_socket_handle_t *sock,
	       const char *filename, void *private_ctx)
{
  size_t n;

  if (!db || !sock || !filename)
    return MEMIF_ERR_INVAL_ARG;
  n = strlen (filename);
  if (n == 0 || n >= sizeof ((struct sock *) 0)->filename
      || (filename[0] == '@' && n == 1))
    return MEMIF_ERR_INVAL_ARG;
  /* As 3.1: a path this database already listens on is refused (3.1
   * compared only the listener's length of it, a prefix; we compare the
   * whole name). */
  for (struct sock *s = db->socks; s; s = s->next)
    if (s->listen_fd >= 0 && !strcmp (s->filename, filename))
      return MEMIF_ERR_INVAL_ARG;
  if (!(*sock = sock_new (db, filename, private_ctx)))
    return MEMIF_ERR_NOMEM;
  return MEMIF_ERR_SUCCESS;
}

API int
memif_create_socket (memif_socket_handle_t *sock, const char *filename,
		     void *private_ctx)
{
  return create_socket (global_db, sock, filename, private_ctx);
}

API int
memif_per_thread_create_socket (memif_per_thread_main_handle_t pt_main,
				memif_socket_handle_t *sock,
				const char *filename, void *private_ctx)
{
  return create_socket (pt_main, sock, filename, private_ctx);
}

API int
memif_delete_socket (memif_socket_handle_t *sock)
{
  struct sock *s;

  if (!sock || !(s = *sock))
    return MEMIF_ERR_INVAL_ARG;
  if (s->nconns || s == s->db->default_sock)
    return MEMIF_ERR_INVAL_ARG;
  sock_free (s);
  *sock = NULL;
  return MEMIF_ERR_SUCCESS;
}

API const char *
memif_get_socket_filename (memif_socket_handle_t sock)
{
  struct sock *s = sock;
  return s ? s->filename : NULL;
}

/* ---- interfaces --------------------------------------------------------- */

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

/* The socket's role is fixed by its first interface. */
static int
sock_attach (struct sock *s, bool master)
{
  int err;

  if (s->type == SOCK_UNSET)
    {
      if (master && (err = sock_listen (s)))
	return err;
      s->type = master ? SOCK_LISTENER : SOCK_CLIENT;
    }
  else if (s->type != (master ? SOCK_LISTENER : SOCK_CLIENT))
    return MEMIF_ERR_INVAL_ARG;
  s->nconns++;
  return 0;
}

static void
sock_detach (struct sock *s)
{
  if (--s->nconns)
    return;
  while (s->pending)
    session_close (s->pending);
  sock_unlisten (s);
  s->type = SOCK_UNSET;
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

API int
memif_create (memif_conn_handle_t *conn, memif_conn_args_t *args,
	      memif_connection_update_t *on_connect,
	      memif_connection_update_t *on_disconnect,
	      memif_interrupt_t *on_interrupt, void *private_ctx)
{
  struct sock *s;
  struct db *db;
  struct conn *c;
  int err;

  if (!conn || !args)
    return MEMIF_ERR_INVAL_ARG;
  if (*conn)
    return MEMIF_ERR_CONN;
  s = args->socket ? args->socket : (global_db ? global_db->default_sock : NULL);
  if (!s)
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
  *conn = c;
  if (!c->is_master)
    conn_try_connect (c); /* failing only arms the reconnect timer */
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
