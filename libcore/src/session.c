/*
 * session.c - control sessions: one socket to a peer, its outgoing queue,
 * its end (with or without a DISCONNECT to the peer), reading messages,
 * and housekeeping (handshake deadlines, deferred teardowns, shrunk
 * regions).  What each message means is handshake.c's business.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

void
conn_set_reason (char *dst, const char *reason)
{
  snprintf (dst, MEMIF_REASON_LEN + 1, "%s", reason ? reason : "");
}

/* ---- sessions ------------------------------------------------------------ */

struct session *
session_alloc (struct db *db, struct sock *s, int fd, uint8_t state)
{
  struct session *ses = db_zalloc (db, sizeof *ses);

  if (!ses)
    return NULL;
  ses->fd = fd;
  ses->sock = s;
  ses->state = state;
  ses->deadline_ms = db_now_ms () + HANDSHAKE_TIMEOUT_MS;
  for (int i = 0; i < SESSION_OUTQ; i++)
    ses->outfd[i] = -1;
  if (db_fd_add (db, fd, FD_CONTROL, ses, 0, MEMIF_FD_EVENT_READ))
    {
      db_free (db, ses);
      return NULL;
    }
  db_housekeeping_kick (db, HANDSHAKE_TIMEOUT_MS);
  return ses;
}

/* Send now, or queue when the socket is full (then also watch WRITE). */
int
session_send (struct session *ses, const struct msg *m, int pass_fd)
{
  struct db *db = ses->sock->db;
  int r;

  if (ses->outn == 0)
    {
      r = sock_send (ses->fd, m, pass_fd);
      if (r != -EAGAIN)
	return r;
    }
  if (ses->outn == SESSION_OUTQ)
    return -ENOBUFS;
  ses->outq[ses->outn] = *m;
  ses->outfd[ses->outn] = pass_fd;
  ses->outn++;
  if (!ses->want_write)
    {
      ses->want_write = true;
      db_fd_mod (db, ses->fd, MEMIF_FD_EVENT_READ | MEMIF_FD_EVENT_WRITE);
    }
  return 0;
}

static int
session_flush (struct session *ses)
{
  int r = 0;
  uint8_t i;

  for (i = 0; i < ses->outn; i++)
    if ((r = sock_send (ses->fd, &ses->outq[i], ses->outfd[i])) < 0)
      break;
  memmove (ses->outq, ses->outq + i, sizeof ses->outq[0] * (ses->outn - i));
  memmove (ses->outfd, ses->outfd + i, sizeof ses->outfd[0] * (ses->outn - i));
  ses->outn -= i;
  if (ses->outn == 0 && ses->want_write)
    {
      ses->want_write = false;
      db_fd_mod (ses->sock->db, ses->fd, MEMIF_FD_EVENT_READ);
    }
  return r == -EAGAIN ? 0 : r;
}

void
pending_unlink (struct session *ses)
{
  struct session **pp;

  for (pp = &ses->sock->pending; *pp; pp = &(*pp)->next)
    if (*pp == ses)
      {
	*pp = ses->next;
	ses->sock->npending--;
	return;
      }
}

void
conn_callback (struct conn *c, memif_connection_update_t *cb)
{
  if (!cb)
    return;
  c->in_callback = true;
  cb (c, c->private_ctx);
  c->in_callback = false;
  if (c->deleted)
    conn_destroy (c);
}

/* Release everything of the conn's current session but the socket. */
void
conn_teardown (struct conn *c)
{
  struct db *db = c->db;

  queue_free_all (c);
  for (int d = 0; d < 2; d++)
    {
      if (!c->decl[d])
	continue;
      for (int i = 0; i < MEMIF_MAX_RINGS; i++)
	if (c->decl[d][i].present && c->decl[d][i].fd >= 0)
	  close (c->decl[d][i].fd);
      db_free (db, c->decl[d]);
      c->decl[d] = NULL;
    }
  for (uint16_t i = 0; i < c->nregions; i++)
    region_release (c, &c->regions[i]);
  db_free (db, c->regions);
  c->regions = NULL;
  c->nregions = 0;
  c->broken = false;
}

/* Close the session; the conn (if any) goes down and its owner is told. */
void
session_close (struct session *ses)
{
  struct db *db = ses->sock->db;
  struct conn *c = ses->conn;
  bool was_up;

  if (!c)
    pending_unlink (ses);
  db_close_fd (db, ses->fd);
  db_free (db, ses);
  if (!c)
    return;
  was_up = c->connected;
  c->connected = false;
  c->ses = NULL;
  conn_teardown (c);
  if (was_up)
    c->stats.disconnects++;
  if (!c->is_master)
    db_timer_update (db);
  conn_callback (c, c->on_disconnect);
}

void
session_fail (struct session *ses, int err, const char *reason,
	      bool tell_peer)
{
  struct msg m;

  if (tell_peer)
    {
      msg_disconnect (&m, (uint32_t) err, reason);
      sock_send (ses->fd, &m, -1); /* best effort: we close right after */
    }
  if (ses->conn)
    conn_set_reason (ses->conn->error, reason);
  session_close (ses);
}

void
proto_error (struct session *ses, int err, const char *reason)
{
  if (ses->conn)
    ses->conn->stats.proto_errors++;
  session_fail (ses, err, reason, true);
}

static void
on_disconnect_msg (struct session *ses, const struct msg_disconnect *d)
{
  char reason[MEMIF_REASON_LEN + 1];

  msg_copy_string (reason, d->string, sizeof d->string);
  if (ses->conn)
    conn_set_reason (ses->conn->error, reason[0] ? reason : "peer disconnected");
  session_close (ses);
}

/* Handle one message; the session may be gone afterwards. */
int
session_on_event (struct session *ses, uint8_t events)
{
  struct msg m;
  int fd, r;

  if ((events & MEMIF_FD_EVENT_WRITE) && session_flush (ses) < 0)
    {
      session_fail (ses, MEMIF_ERR_SYSCALL, "control socket error", false);
      return MEMIF_ERR_SYSCALL;
    }
  if (!(events & (MEMIF_FD_EVENT_READ | MEMIF_FD_EVENT_ERROR)))
    return 0;
  /* One message per event, as the handshake is strictly paced; dispatch
   * may free the session, and a level-triggered loop calls again if more
   * is waiting. */
  r = sock_recv (ses->fd, &m, &fd);
  if (r == -EAGAIN)
    return 0;
  if (r == 0)
    {
      if (ses->conn)
	conn_set_reason (ses->conn->error, "connection closed by peer");
      session_close (ses);
      return 0;
    }
  if (r == -EBADMSG)
    {
      proto_error (ses, MEMIF_ERR_MFMSG, "malformed message");
      return MEMIF_ERR_MFMSG;
    }
  if (r < 0)
    {
      session_fail (ses, MEMIF_ERR_SYSCALL, "control socket error", false);
      return MEMIF_ERR_SYSCALL;
    }
  if (m.type == MSG_DISCONNECT)
    {
      if (fd >= 0)
	close (fd);
      on_disconnect_msg (ses, &m.disconnect);
      return 0;
    }
  handshake_dispatch (ses, &m, fd);
  return 0;
}

/* ---- housekeeping: handshake deadlines and deferred teardowns ---------- */

static struct session *
find_expired (struct db *db, uint64_t now, uint64_t *next)
{
  for (struct sock *s = db->socks; s; s = s->next)
    for (struct session *ses = s->pending; ses; ses = ses->next)
      {
	if (ses->deadline_ms <= now)
	  return ses;
	if (ses->deadline_ms < *next)
	  *next = ses->deadline_ms;
      }
  for (struct conn *c = db->conns; c; c = c->next)
    {
      struct session *ses = c->ses;
      if (!ses || ses->state == SS_CONNECTED)
	continue;
      if (ses->deadline_ms <= now)
	return ses;
      if (ses->deadline_ms < *next)
	*next = ses->deadline_ms;
    }
  return NULL;
}

static bool
region_shrunk (const struct conn *c)
{
  for (uint16_t i = 0; i < c->nregions; i++)
    if (c->regions[i].guard && guard_tripped (c->regions[i].guard - 1))
      return true;
  return false;
}

void
housekeeping_run (struct db *db)
{
  struct session *ses;
  struct conn *c;
  uint64_t now = db_now_ms (), next;

  for (;;)
    {
      for (c = db->conns; c; c = c->next)
	if (c->ses && region_shrunk (c))
	  break;
      if (!c)
	break;
      c->stats.proto_errors++;
      session_fail (c->ses, MEMIF_ERR_MFMSG, "peer shrank a shared region",
		    true);
    }
  for (;;)
    {
      for (c = db->conns; c; c = c->next)
	if (c->broken && c->ses)
	  break;
      if (!c)
	break;
      c->stats.proto_errors++;
      session_fail (c->ses, MEMIF_ERR_MFMSG, c->broken_reason, true);
    }
  for (;;)
    {
      next = UINT64_MAX;
      if (!(ses = find_expired (db, now, &next)))
	break;
      session_fail (ses, MEMIF_ERR_SYSCALL, "handshake timed out", true);
    }
  if (next != UINT64_MAX)
    db_housekeeping_kick (db, next - now);
}
