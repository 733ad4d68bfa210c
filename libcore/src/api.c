/*
 * api.c - the public libmemif 3.1 functions that are not the packet path:
 * the global and per-thread databases, sockets, interfaces, event loop
 * entry points.  Built into libmemif.so.3 / libmemif.a only.
 */
#include <string.h>

#include "internal.h"

static struct db *global_db;

/* ---- databases ----------------------------------------------------------- */

/* 3.1's fd-update callback: (fd, events, private_ctx). */
static int
notify31 (struct db *db, int fd, uint8_t events)
{
  memif_control_fd_update_t *cb = db->notify_cb;

  return cb (fd, events, db->private_ctx) < 0 ? MEMIF_ERR_CB_FDUPDATE : 0;
}

static int
db_new31 (struct db **out, void *private_ctx, memif_control_fd_update_t *cb,
	  const char *app_name, memif_alloc_t *a, memif_realloc_t *ra,
	  memif_free_t *f)
{
  struct db_cfg cfg = {
    .private_ctx = private_ctx,
    .notify = cb ? notify31 : NULL,
    .notify_cb = (void *) cb,
    .app_name = app_name,
    .reconnect = true,
    .alloc = a,
    .realloc = ra,
    .free = f,
  };

  return db_new (out, &cfg);
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
  if ((err = db_new31 (&db, NULL, on_control_fd_update, app_name, memif_alloc,
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
  if ((err = db_new31 (&db, private_ctx, on_control_fd_update, app_name,
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

API int
memif_poll_event (int timeout)
{
  return db_poll (global_db, timeout);
}

API int
memif_per_thread_poll_event (memif_per_thread_main_handle_t pt_main,
			     int timeout)
{
  return db_poll (pt_main, timeout);
}

API int
memif_cancel_poll_event (void)
{
  return db_cancel_poll (global_db);
}

API int
memif_per_thread_cancel_poll_event (memif_per_thread_main_handle_t pt_main)
{
  return db_cancel_poll (pt_main);
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

API int
memif_set_connection_request_timer (struct itimerspec timer)
{
  return db_set_timer (global_db, timer);
}

API int
memif_per_thread_set_connection_request_timer (
  memif_per_thread_main_handle_t pt_main, struct itimerspec timer)
{
  return db_set_timer (pt_main, timer);
}

/* ---- sockets ------------------------------------------------------------ */

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

API int
memif_create (memif_conn_handle_t *conn, memif_conn_args_t *args,
	      memif_connection_update_t *on_connect,
	      memif_connection_update_t *on_disconnect,
	      memif_interrupt_t *on_interrupt, void *private_ctx)
{
  return conn_new (conn, args, global_db ? global_db->default_sock : NULL,
		   on_connect, on_disconnect, on_interrupt, private_ctx);
}
