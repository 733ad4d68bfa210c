/*
 * db.c - a database of sockets and interfaces: made and destroyed, its fd
 * registry, the fd-update path (application-owned loop or our own epoll),
 * polling our own loop, and timers.
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
  if (db->notify)
    return db->notify (db, fd, events);
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

/* ---- made and destroyed ------------------------------------------------- */

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

int
db_new (struct db **out, const struct db_cfg *cfg)
{
  memif_alloc_t *a = cfg->alloc ? cfg->alloc : malloc;
  memif_free_t *f = cfg->free ? cfg->free : free;
  struct db *db;
  int err = MEMIF_ERR_SUCCESS;

  if (!(db = a (sizeof *db)))
    return MEMIF_ERR_NOMEM;
  memset (db, 0, sizeof *db);
  db->alloc = a;
  db->realloc = cfg->realloc ? cfg->realloc : realloc;
  db->free = f;
  db->notify = cfg->notify;
  db->notify_cb = cfg->notify_cb;
  db->api = cfg->api;
  db->private_ctx = cfg->private_ctx;
  db->epfd = db->cancel_fd = db->timer_fd = db->hk_fd = -1;
  /* The header promises truncation: 31 bytes keep a NUL on the wire too. */
  strncpy (db->app_name, cfg->app_name ? cfg->app_name : MEMIF_DEFAULT_APP_NAME,
	   MEMIF_NAME_LEN - 1);
  if (cfg->reconnect)
    {
      db->timer_spec.it_value.tv_sec = 2;
      db->timer_spec.it_interval.tv_sec = 2;
    }
  if (!db->notify)
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

/* Everything the database holds; db itself is freed last. */
void
db_destroy (struct db *db)
{
  if (!db)
    return;
  while (db->conns)
    conn_destroy (db->conns);
  while (db->socks)
    sock_free (db->socks);
  db_release_fds (db);
  db_free (db, db->fds);
  db->free (db);
}

/* ---- our own loop ------------------------------------------------------- */

int
db_poll (struct db *db, int timeout_ms)
{
  struct epoll_event ev;
  uint8_t events = 0;
  int n;

  if (!db || db->epfd < 0)
    return MEMIF_ERR_INVAL_ARG; /* none, or the application owns the loop */
  n = epoll_wait (db->epfd, &ev, 1, timeout_ms);
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

int
db_cancel_poll (struct db *db)
{
  static const uint64_t one = 1;

  if (!db || db->cancel_fd < 0)
    return MEMIF_ERR_INVAL_ARG;
  if (write (db->cancel_fd, &one, sizeof one) != (ssize_t) sizeof one)
    return MEMIF_ERR_INT_WRITE;
  return MEMIF_ERR_SUCCESS;
}

/* ---- timers -------------------------------------------------------------- */

int
db_set_timer (struct db *db, struct itimerspec timer)
{
  if (!db)
    return MEMIF_ERR_INVAL_ARG;
  db->timer_spec = timer;
  db->timer_armed = false; /* re-arm (or not) with the new value */
  timerfd_settime (db->timer_fd, 0, &(struct itimerspec){ 0 }, NULL);
  db_timer_update (db);
  return MEMIF_ERR_SUCCESS;
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
