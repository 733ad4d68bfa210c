/*
 * conn.c - control sessions and the handshake state machine, both roles.
 *
 * The slave (client) drives: HELLO <- ; INIT -> ACK ; ADD_REGION -> ACK ...;
 * ADD_RING -> ACK ...; CONNECT -> CONNECTED.  Every message a peer sends is
 * checked against the session state before anything is done with it; a
 * violation ends that session only, with a DISCONNECT that says why.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static void
set_reason (char *dst, const char *reason)
{
  snprintf (dst, MEMIF_REASON_LEN + 1, "%s", reason ? reason : "");
}

static const char *
conn_name (const struct conn *c)
{
  return (const char *) c->args.interface_name;
}

/* ---- sessions ------------------------------------------------------------ */

static struct session *
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
static int
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

static void
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

static void
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
    set_reason (ses->conn->error, reason);
  session_close (ses);
}

static void
proto_error (struct session *ses, int err, const char *reason)
{
  if (ses->conn)
    ses->conn->stats.proto_errors++;
  session_fail (ses, err, reason, true);
}

/* ---- server (master) side ---------------------------------------------- */

int
session_new_server (struct sock *s, int fd)
{
  struct session *ses = session_alloc (s->db, s, fd, SS_WAIT_INIT);
  struct msg m;

  if (!ses)
    {
      close (fd);
      return MEMIF_ERR_NOMEM;
    }
  ses->next = s->pending;
  s->pending = ses;
  s->npending++;
  msg_hello (&m, s->db->app_name);
  if (session_send (ses, &m, -1) < 0)
    {
      session_close (ses);
      return MEMIF_ERR_SYSCALL;
    }
  return 0;
}

static struct conn *
server_find (struct sock *s, uint32_t id)
{
  for (struct conn *c = s->db->conns; c; c = c->next)
    if (c->sock == s && c->is_master && !c->deleted
	&& c->args.interface_id == id)
      return c;
  return NULL;
}

/* NULL if the INIT may proceed, else the refusal (code in *err). */
static const char *
server_check_init (struct conn *c, const struct msg_init *in, int *err)
{
  if (in->version != MEMIF_PROTO_VERSION)
    return *err = MEMIF_ERR_PROTO, "incompatible version";
  if (!c)
    return *err = MEMIF_ERR_ID, "unmatched interface id";
  if (c->ses)
    return *err = MEMIF_ERR_ALRCONN, "already connected";
  if (in->mode != (uint8_t) c->args.mode)
    return *err = MEMIF_ERR_MODE, "mode mismatch";
  if (c->args.secret[0])
    {
      if (!in->secret[0])
	return *err = MEMIF_ERR_NOSECRET, "secret required";
      if (!msg_secret_equal (c->args.secret, in->secret))
	return *err = MEMIF_ERR_SECRET, "incorrect secret";
    }
  return NULL;
}

static void
server_on_init (struct session *ses, const struct msg_init *in)
{
  struct db *db = ses->sock->db;
  struct conn *c = server_find (ses->sock, in->id);
  const char *why;
  struct msg m;
  int err = 0;

  if ((why = server_check_init (c, in, &err)))
    {
      /* Record the refusal on the interface, unless it is busy with a
       * good session that an intruder must not disturb. */
      if (c && !c->ses)
	set_reason (c->error, why);
      session_fail (ses, err, why, true);
      return;
    }
  c->regions = db_zalloc (db, sizeof (struct region) * MEMIF_MAX_REGIONS);
  c->decl[0] = db_zalloc (db, sizeof (struct ring_decl) * MEMIF_MAX_RINGS);
  c->decl[1] = db_zalloc (db, sizeof (struct ring_decl) * MEMIF_MAX_RINGS);
  if (!c->regions || !c->decl[0] || !c->decl[1])
    {
      conn_teardown (c);
      session_fail (ses, MEMIF_ERR_NOMEM, "out of memory", true);
      return;
    }
  pending_unlink (ses);
  ses->conn = c;
  c->ses = ses;
  msg_copy_string (c->remote_name, in->name, sizeof in->name);
  ses->state = SS_WAIT_CONFIG;
  msg_ack (&m);
  if (session_send (ses, &m, -1) < 0)
    session_fail (ses, MEMIF_ERR_SYSCALL, "control socket error", false);
}

static void
server_on_add_region (struct session *ses, const struct msg_add_region *ar,
		      int fd)
{
  struct conn *c = ses->conn;
  const char *why = NULL;
  struct msg m;
  int err;

  if (fd < 0)
    return proto_error (ses, MEMIF_ERR_NO_SHMFD, "region without fd");
  if (ar->index >= MEMIF_MAX_REGIONS || ar->index != c->nregions)
    {
      close (fd);
      return proto_error (ses, MEMIF_ERR_MAXREG, "region index out of order");
    }
  if ((err = region_map_peer (&c->regions[c->nregions], fd, ar->size,
			      ses->sock->db->hk_fd, &why)))
    {
      close (fd);
      return proto_error (ses, err, why);
    }
  c->nregions++;
  msg_ack (&m);
  if (session_send (ses, &m, -1) < 0)
    session_fail (ses, MEMIF_ERR_SYSCALL, "control socket error", false);
}

static void
server_on_add_ring (struct session *ses, const struct msg_add_ring *ar,
		    int fd)
{
  struct conn *c = ses->conn;
  struct ring_decl *d;
  const char *why;
  struct msg m;
  int err;

  if (fd < 0)
    return proto_error (ses, MEMIF_ERR_NO_INTFD, "ring without interrupt fd");
  if ((why = msg_check_add_ring (ar, &err)) == NULL)
    {
      err = MEMIF_ERR_NO_INTFD;
      if (!fd_is_eventfd (fd))
	why = "ring fd is not an eventfd";
      else if (ar->region >= c->nregions)
	why = "ring in an unknown region", err = MEMIF_ERR_MAXREG;
      else if ((uint64_t) ar->offset + ring_bytes (ar->log2_ring_size)
	       > c->regions[ar->region].size)
	why = "ring outside its region", err = MEMIF_ERR_MFMSG;
      else if (c->decl[ar->flags & RING_FLAG_S2M][ar->index].present)
	why = "duplicate ring", err = MEMIF_ERR_MFMSG;
    }
  if (why)
    {
      close (fd);
      return proto_error (ses, err, why);
    }
  d = &c->decl[ar->flags & RING_FLAG_S2M][ar->index];
  *d = (struct ring_decl){ .present = true,
			   .log2_size = ar->log2_ring_size,
			   .region = ar->region,
			   .offset = ar->offset,
			   .fd = fd };
  msg_ack (&m);
  if (session_send (ses, &m, -1) < 0)
    session_fail (ses, MEMIF_ERR_SYSCALL, "control socket error", false);
}

/* Rings of one direction must be numbered 0..n-1 with n >= 1. */
static const char *
count_rings (const struct ring_decl *d, uint16_t *n)
{
  uint16_t i = 0;

  while (i < MEMIF_MAX_RINGS && d[i].present)
    i++;
  for (uint16_t j = i; j < MEMIF_MAX_RINGS; j++)
    if (d[j].present)
      return "ring indexes are not contiguous";
  *n = i;
  return i ? NULL : "no rings";
}

static void announce_interrupts (struct conn *c);

static void
server_on_connect (struct session *ses, const struct msg_connect *cm)
{
  struct conn *c = ses->conn;
  const char *why;
  struct msg m;
  int err;

  if ((why = count_rings (c->decl[1], &c->num_s2m))
      || (why = count_rings (c->decl[0], &c->num_m2s)))
    return proto_error (ses, MEMIF_ERR_MFMSG, why);
  if ((err = queue_setup_server (c)))
    return proto_error (ses, err,
			err == MEMIF_ERR_COOKIE ? "wrong ring cookie"
						: "cannot set up queues");
  msg_copy_string (c->remote_if_name, cm->if_name, sizeof cm->if_name);
  msg_connect (&m, MSG_CONNECTED, conn_name (c));
  if (session_send (ses, &m, -1) < 0)
    return session_fail (ses, MEMIF_ERR_SYSCALL, "control socket error",
			 false);
  ses->state = SS_CONNECTED;
  c->connected = true;
  c->stats.connects++;
  announce_interrupts (c);
  conn_callback (c, c->on_connect);
}

/* ---- client (slave) side ------------------------------------------------ */

void
session_new_client (struct conn *c, int fd)
{
  struct session *ses = session_alloc (c->db, c->sock, fd, SS_WAIT_HELLO);

  if (!ses)
    {
      close (fd);
      set_reason (c->error, "out of memory");
      return;
    }
  ses->conn = c;
  c->ses = ses;
}

/* Start a slave's handshake; returns 0 or why the socket did not connect
 * (also kept as the interface's error).  The reconnect timer follows. */
int
conn_try_connect (struct conn *c)
{
  int fd = sock_connect (c);

  if (fd < 0)
    snprintf (c->error, sizeof c->error, "cannot connect: %s",
	      memif_strerror (-fd));
  else
    session_new_client (c, fd);
  db_timer_update (c->db);
  if (fd < 0)
    return -fd;
  return c->ses ? MEMIF_ERR_SUCCESS : MEMIF_ERR_NOMEM;
}

static void
client_on_hello (struct session *ses, const struct msg_hello *h)
{
  struct conn *c = ses->conn;
  const char *why;
  struct msg m;
  int err;

  if ((why = msg_check_hello (h)))
    return session_fail (ses, MEMIF_ERR_PROTO, why, true);
  msg_copy_string (c->remote_name, h->name, sizeof h->name);
  c->num_s2m = c->args.num_s2m_rings;
  if (c->num_s2m > h->max_s2m_ring + 1)
    c->num_s2m = (uint16_t) (h->max_s2m_ring + 1);
  c->num_m2s = c->args.num_m2s_rings;
  if (c->num_m2s > h->max_m2s_ring + 1)
    c->num_m2s = (uint16_t) (h->max_m2s_ring + 1);
  c->log2_ring_size = c->args.log2_ring_size;
  if (c->log2_ring_size > h->max_log2_ring_size)
    c->log2_ring_size = h->max_log2_ring_size;
  c->buffer_size = c->args.buffer_size;
  if ((err = queue_setup_client (c)))
    return session_fail (ses, err, "cannot allocate shared memory", true);
  msg_init (&m, c->args.interface_id, (uint8_t) c->args.mode, c->args.secret,
	    c->db->app_name);
  ses->state = SS_WAIT_ACK;
  ses->step = 0;
  if (session_send (ses, &m, -1) < 0)
    session_fail (ses, MEMIF_ERR_SYSCALL, "control socket error", false);
}

/* After each ACK, the next message: regions, S2M rings, M2S rings, CONNECT. */
static void
client_on_ack (struct session *ses)
{
  struct conn *c = ses->conn;
  unsigned k = ses->step++;
  struct queue *q;
  struct msg m;
  int fd = -1;

  if (k < c->nregions)
    {
      msg_add_region (&m, (uint16_t) k, c->regions[k].size);
      fd = c->regions[k].fd;
    }
  else if ((k -= c->nregions) < c->ntx)
    {
      q = &c->txq[k];
      msg_add_ring (&m, true, q->qid, q->region, q->offset, q->log2_size);
      fd = q->int_fd;
    }
  else if ((k -= c->ntx) < c->nrx)
    {
      q = &c->rxq[k];
      msg_add_ring (&m, false, q->qid, q->region, q->offset, q->log2_size);
      fd = q->int_fd;
    }
  else
    {
      msg_connect (&m, MSG_CONNECT, conn_name (c));
      ses->state = SS_WAIT_CONNECTED;
    }
  if (session_send (ses, &m, fd) < 0)
    session_fail (ses, MEMIF_ERR_SYSCALL, "control socket error", false);
}

static void
client_on_connected (struct session *ses, const struct msg_connect *cm)
{
  struct conn *c = ses->conn;

  msg_copy_string (c->remote_if_name, cm->if_name, sizeof cm->if_name);
  ses->state = SS_CONNECTED;
  c->connected = true;
  c->stats.connects++;
  announce_interrupts (c);
  conn_callback (c, c->on_connect);
}

/* ---- dispatch ----------------------------------------------------------- */

static void
announce_interrupts (struct conn *c)
{
  if (!c->on_interrupt)
    return;
  for (uint16_t i = 0; i < c->nrx; i++)
    if (db_fd_add (c->db, c->rxq[i].int_fd, FD_INTERRUPT, c, i,
		   MEMIF_FD_EVENT_READ) == 0)
      c->rxq[i].int_announced = true;
}

/* The message type each state accepts (DISCONNECT is always accepted). */
static const uint16_t expected_type[] = {
  [SS_WAIT_INIT] = MSG_INIT,   [SS_WAIT_CONFIG] = MSG_NONE,
  [SS_WAIT_HELLO] = MSG_HELLO, [SS_WAIT_ACK] = MSG_ACK,
  [SS_WAIT_CONNECTED] = MSG_CONNECTED, [SS_CONNECTED] = MSG_NONE,
};

static bool
takes_fd (uint16_t type)
{
  return type == MSG_ADD_REGION || type == MSG_ADD_RING;
}

static void
on_disconnect_msg (struct session *ses, const struct msg_disconnect *d)
{
  char reason[MEMIF_REASON_LEN + 1];

  msg_copy_string (reason, d->string, sizeof d->string);
  if (ses->conn)
    set_reason (ses->conn->error, reason[0] ? reason : "peer disconnected");
  session_close (ses);
}

/* Handle one message; the session may be gone afterwards. */
static void
session_dispatch (struct session *ses, const struct msg *m, int fd)
{
  char why[MEMIF_REASON_LEN + 1];
  uint16_t want = expected_type[ses->state];

  if (m->type == MSG_DISCONNECT)
    {
      if (fd >= 0)
	close (fd);
      return on_disconnect_msg (ses, &m->disconnect);
    }
  if (fd >= 0 && !takes_fd (m->type))
    {
      close (fd);
      return proto_error (ses, MEMIF_ERR_MFMSG, "unexpected fd with message");
    }
  if (ses->state == SS_WAIT_CONFIG)
    switch (m->type)
      {
      case MSG_ADD_REGION:
	return server_on_add_region (ses, &m->add_region, fd);
      case MSG_ADD_RING:
	return server_on_add_ring (ses, &m->add_ring, fd);
      case MSG_CONNECT:
	return server_on_connect (ses, &m->connect);
      }
  else if (want != MSG_NONE && m->type == want)
    switch (m->type)
      {
      case MSG_INIT:
	return server_on_init (ses, &m->init);
      case MSG_HELLO:
	return client_on_hello (ses, &m->hello);
      case MSG_ACK:
	return client_on_ack (ses);
      case MSG_CONNECTED:
	return client_on_connected (ses, &m->connected);
      }
  if (fd >= 0)
    close (fd);
  snprintf (why, sizeof why, "unexpected %s message",
	    msg_type_name (m->type));
  proto_error (ses, m->type >= MSG_TYPE_COUNT ? MEMIF_ERR_UNKNOWN_MSG
					       : MEMIF_ERR_MFMSG,
	       why);
}

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
	set_reason (ses->conn->error, "connection closed by peer");
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
  session_dispatch (ses, &m, fd);
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
