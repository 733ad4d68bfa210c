/*
 * handshake.c - what each control message means, in each state, for each
 * role.  The slave (client) drives: HELLO <- ; INIT -> ACK ; ADD_REGION ->
 * ACK ...; ADD_RING -> ACK ...; CONNECT -> CONNECTED.  Every message a peer
 * sends is checked against the session state before anything is done with
 * it; a violation ends that session only, with a DISCONNECT that says why.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static const char *
conn_name (const struct conn *c)
{
  return (const char *) c->args.interface_name;
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
	conn_set_reason (c->error, why);
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
      conn_set_reason (c->error, "out of memory");
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

void
handshake_dispatch (struct session *ses, const struct msg *m, int fd)
{
  char why[MEMIF_REASON_LEN + 1];
  uint16_t want = expected_type[ses->state];

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

