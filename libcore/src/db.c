/*
 * db.c - a database of sockets and interfaces, its fd registry, the
 * fd-update path (application-owned loop or our own epoll) and timers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

void *
db_zalloc (struct db *db, size_t size)
{
  void *p = db->alloc (size);
  if (p)
    memset (p, 0, size);
  return p;
}

void
db_free (struct db *db, void *p)
{
  if (p)
    db->free (p);
}

uint64_t
db_now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

/* The library-owned loop's fd-update: our own epoll set. */
static int
epoll_update (struct db *db, int fd, uint8_t events)
{
  struct epoll_event ev = { .data.fd = fd };
  int op = EPOLL_CTL_ADD;

  if (events & MEMIF_FD_EVENT_DEL)
    return epoll_ctl (db->epfd, EPOLL_CTL_DEL, fd, NULL) < 0 ? -1 : 0;
  if (events & MEMIF_FD_EVENT_MOD)
    op = EPOLL_CTL_MOD;
  if (events & MEMIF_FD_EVENT_READ)
    ev.events |= EPOLLIN;
  if (events & MEMIF_FD_EVENT_WRITE)
    ev.events |= EPOLLOUT;
  return epoll_ctl (db->epfd, op, fd, &ev) < 0 ? -1 : 0;
}

static int
announce (struct db *db, int fd, uint8_t events)
{
  if (db->fd_update)
    return db->fd_update (fd, events, db->private_ctx) < 0
	     ? MEMIF_ERR_CB_FDUPDATE
	     : 0;
  return epoll_update (db, fd, events) < 0 ? errno_to_memif (errno) : 0;
}

static int
registry_grow (struct db *db, int fd)
{
  int n = db->nfds ? db->nfds : 64;
  struct fd_slot *p;

  while (n <= fd)
    n *= 2;
  p = db->realloc (db->fds, sizeof *p * (size_t) n);
  if (!p)
    return MEMIF_ERR_NOMEM;
  memset (p + db->nfds, 0, sizeof *p * (size_t) (n - db->nfds));
  db->fds = p;
  db->nfds = n;
  return 0;
}

int
db_fd_add (struct db *db, int fd, enum fd_kind kind, void *obj, uint16_t qid,
	   uint8_t events)
{
  int err;

  if (fd >= db->nfds && (err = registry_grow (db, fd)))
    return err;
  db->fds[fd] = (struct fd_slot){ .kind = kind, .obj = obj, .qid = qid };
  if ((err = announce (db, fd, events)))
    db->fds[fd].kind = FD_NONE;
  return err;
}

int
db_fd_mod (struct db *db, int fd, uint8_t events)
{
  return announce (db, fd, events | MEMIF_FD_EVENT_MOD);
}

void
db_fd_del (struct db *db, int fd)
{
  if (fd < 0 || fd >= db->nfds || db->fds[fd].kind == FD_NONE)
    return;
  announce (db, fd, MEMIF_FD_EVENT_DEL);
  db->fds[fd].kind = FD_NONE;
  db->fds[fd].obj = NULL;
}

void
db_close_fd (struct db *db, int fd)
{
  if (fd < 0)
    return;
  db_fd_del (db, fd);
  close (fd);
}

/* Run the reconnect timer only while some slave waits for a connection. */
void
db_timer_update (struct db *db)
{
  struct itimerspec off = { 0 };
  bool need = false;
  struct conn *c;

  /* An all-zero timer means the application disabled reconnects. */
  if (db->timer_spec.it_value.tv_sec || db->timer_spec.it_value.tv_nsec)
    for (c = db->conns; c && !need; c = c->next)
      need = !c->is_master && !c->ses && !c->deleted;
  if (need == db->timer_armed)
    return;
  timerfd_settime (db->timer_fd, 0, need ? &db->timer_spec : &off, NULL);
  db->timer_armed = need;
}

/* Make housekeeping run in about in_ms (0: as soon as the loop turns). */
void
db_housekeeping_kick (struct db *db, uint64_t in_ms)
{
  struct itimerspec its = { 0 };
  struct itimerspec cur;

  timerfd_gettime (db->hk_fd, &cur);
  uint64_t cur_ms = (uint64_t) cur.it_value.tv_sec * 1000
		    + (uint64_t) cur.it_value.tv_nsec / 1000000;
  bool armed = cur.it_value.tv_sec || cur.it_value.tv_nsec;
  if (armed && cur_ms <= in_ms)
    return; /* an earlier run is already due */
  its.it_value.tv_sec = (time_t) (in_ms / 1000);
  its.it_value.tv_nsec = (long) (in_ms % 1000) * 1000000 + 1;
  timerfd_settime (db->hk_fd, 0, &its, NULL);
}

static void
drain_fd (int fd)
{
  uint64_t v;
  while (read (fd, &v, sizeof v) == (ssize_t) sizeof v)
    ;
}

static int
on_reconnect_timer (struct db *db)
{
  struct conn *c, *next;

  drain_fd (db->timer_fd);
  for (c = db->conns; c; c = next)
    {
      next = c->next;
      if (!c->is_master && !c->ses && !c->deleted)
	conn_try_connect (c);
    }
  /* The periodic timer is still running: stop it if no slave waits. */
  db_timer_update (db);
  return MEMIF_ERR_SUCCESS;
}

static int
on_listener (struct sock *s)
{
  int i, r;

  /* Bounded, so a flood of connects cannot monopolise the loop. */
  for (i = 0; i < 16; i++)
    if ((r = sock_accept (s)) <= 0)
      return r == -EAGAIN ? 0 : -r;
  return 0;
}

/* Like conn_callback(), for the interrupt callback and its queue id; what
 * the application returns is its own business. */
static int
on_interrupt_fd (struct conn *c, uint16_t qid)
{
  if (!c->connected || !c->on_interrupt)
    return 0;
  c->in_callback = true;
  c->on_interrupt (c, c->private_ctx, qid);
  c->in_callback = false;
  if (c->deleted)
    conn_destroy (c);
  return 0;
}

int
db_handle_fd (struct db *db, int fd, uint8_t events)
{
  struct fd_slot *s;

  if (fd < 0 || fd >= db->nfds || db->fds[fd].kind == FD_NONE)
    return MEMIF_ERR_BAD_FD;
  s = &db->fds[fd];
  switch (s->kind)
    {
    case FD_RECONNECT_TIMER:
      return on_reconnect_timer (db);
    case FD_HOUSEKEEPING:
      drain_fd (fd);
      housekeeping_run (db);
      return 0;
    case FD_LISTENER:
      return on_listener (s->obj);
    case FD_CONTROL:
      return session_on_event (s->obj, events);
    case FD_INTERRUPT:
      return on_interrupt_fd (s->obj, s->qid);
    case FD_CANCEL:
      drain_fd (fd);
      return MEMIF_ERR_POLL_CANCEL;
    default:
      return MEMIF_ERR_BAD_FD;
    }
}
