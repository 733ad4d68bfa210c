/* loop.c - one epoll loop with timers, pollers and deferred work. */
#include "loop.h"
#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define LOOP_MAX_EVENTS 64

struct loop_deferred {
	void (*fn)(void *arg);
	void *arg;
	struct loop_deferred *next;
};

struct loop {
	int epfd;
	bool stop;
	bool in_batch;
	void (*raw_cb)(int fd, uint32_t events);
	uint8_t *raw_live; /* raw_live[fd]: fd is registered */
	size_t raw_cap;
	struct loop_poller *pollers;
	struct loop_deferred *deferred, **deferred_tail;
	void (*batch_end)(void *arg);
	void *batch_arg;
};

/* epoll data: a handler pointer (even), or (fd << 1) | 1 for a raw fd. */
static uint64_t raw_tag(int fd)
{
	return ((uint64_t)fd << 1) | 1;
}

int loop_new(struct loop **out, void (*raw_cb)(int fd, uint32_t events))
{
	struct loop *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int r = -errno;

		free(l);
		return r;
	}
	l->raw_cb = raw_cb;
	l->deferred_tail = &l->deferred;
	*out = l;
	return 0;
}

static void loop_run_deferred(struct loop *l)
{
	while (l->deferred) {
		struct loop_deferred *d = l->deferred;

		l->deferred = d->next;
		if (!l->deferred)
			l->deferred_tail = &l->deferred;
		d->fn(d->arg);
		free(d);
	}
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	loop_run_deferred(l);
	close(l->epfd);
	free(l->raw_live);
	free(l);
}

static int loop_ctl(struct loop *l, int op, int fd, uint32_t events,
		    uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	return epoll_ctl(l->epfd, op, fd, &ev) < 0 ? -errno : 0;
}

int loop_add(struct loop *l, struct loop_fd *lf, uint32_t events)
{
	return loop_ctl(l, EPOLL_CTL_ADD, lf->fd, events, (uintptr_t)lf);
}

int loop_mod(struct loop *l, struct loop_fd *lf, uint32_t events)
{
	return loop_ctl(l, EPOLL_CTL_MOD, lf->fd, events, (uintptr_t)lf);
}

void loop_del(struct loop *l, struct loop_fd *lf)
{
	if (lf->fd >= 0)
		epoll_ctl(l->epfd, EPOLL_CTL_DEL, lf->fd, NULL);
	lf->cb = NULL; /* events already fetched are ignored */
}

int loop_add_raw(struct loop *l, int fd, uint32_t events)
{
	int r;

	if (fd < 0)
		return -EBADF;
	if ((size_t)fd >= l->raw_cap) {
		size_t cap = (size_t)fd * 2 + 16;
		uint8_t *n = realloc(l->raw_live, cap);

		if (!n)
			return -ENOMEM;
		memset(n + l->raw_cap, 0, cap - l->raw_cap);
		l->raw_live = n;
		l->raw_cap = cap;
	}
	r = loop_ctl(l, EPOLL_CTL_ADD, fd, events, raw_tag(fd));
	if (r == -EEXIST)
		r = loop_ctl(l, EPOLL_CTL_MOD, fd, events, raw_tag(fd));
	if (!r)
		l->raw_live[fd] = 1;
	return r;
}

int loop_mod_raw(struct loop *l, int fd, uint32_t events)
{
	if (fd < 0 || (size_t)fd >= l->raw_cap || !l->raw_live[fd])
		return loop_add_raw(l, fd, events);
	return loop_ctl(l, EPOLL_CTL_MOD, fd, events, raw_tag(fd));
}

void loop_del_raw(struct loop *l, int fd)
{
	if (fd < 0 || (size_t)fd >= l->raw_cap || !l->raw_live[fd])
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	l->raw_live[fd] = 0;
}

void loop_poller_add(struct loop *l, struct loop_poller *p)
{
	for (struct loop_poller *q = l->pollers; q; q = q->next)
		if (q == p)
			return;
	p->next = l->pollers;
	l->pollers = p;
}

void loop_poller_del(struct loop *l, struct loop_poller *p)
{
	for (struct loop_poller **q = &l->pollers; *q; q = &(*q)->next) {
		if (*q == p) {
			*q = p->next;
			return;
		}
	}
}

static void loop_timer_fire(struct loop_fd *lf, uint32_t events)
{
	struct loop_timer *t = (struct loop_timer *)lf;
	uint64_t n;

	(void)events;
	if (read(lf->fd, &n, sizeof(n)) == sizeof(n))
		t->cb(t);
}

int loop_timer_init(struct loop *l, struct loop_timer *t,
		    void (*cb)(struct loop_timer *t))
{
	int r;

	t->cb = cb;
	t->lf.cb = loop_timer_fire;
	t->lf.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (t->lf.fd < 0)
		return -errno;
	r = loop_add(l, &t->lf, EPOLLIN);
	if (r) {
		close(t->lf.fd);
		t->lf.fd = -1;
	}
	return r;
}

int loop_timer_set(struct loop_timer *t, unsigned first_ms, unsigned interval_ms)
{
	struct itimerspec its = {
		.it_value = { first_ms / 1000, (long)(first_ms % 1000) * 1000000 },
		.it_interval = { interval_ms / 1000,
				 (long)(interval_ms % 1000) * 1000000 },
	};

	return timerfd_settime(t->lf.fd, 0, &its, NULL) < 0 ? -errno : 0;
}

void loop_timer_fini(struct loop *l, struct loop_timer *t)
{
	if (t->lf.fd < 0)
		return;
	loop_del(l, &t->lf);
	close(t->lf.fd);
	t->lf.fd = -1;
}

int loop_defer(struct loop *l, void (*fn)(void *arg), void *arg)
{
	struct loop_deferred *d;

	if (!l->in_batch) {
		fn(arg);
		return 0;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->fn = fn;
	d->arg = arg;
	*l->deferred_tail = d;
	l->deferred_tail = &d->next;
	return 0;
}

static void loop_dispatch(struct loop *l, struct epoll_event *ev)
{
	uint64_t data = ev->data.u64;

	if (data & 1) {
		int fd = (int)(data >> 1);

		if ((size_t)fd < l->raw_cap && l->raw_live[fd])
			l->raw_cb(fd, ev->events);
	} else {
		struct loop_fd *lf = (struct loop_fd *)(uintptr_t)data;

		if (lf->cb)
			lf->cb(lf, ev->events);
	}
}

int loop_run(struct loop *l)
{
	struct epoll_event evs[LOOP_MAX_EVENTS];

	l->stop = false;
	while (!l->stop) {
		int n = epoll_wait(l->epfd, evs, LOOP_MAX_EVENTS,
				   l->pollers ? 0 : -1);

		if (n < 0 && errno != EINTR)
			return -errno;
		l->in_batch = true;
		for (int i = 0; i < n; i++)
			loop_dispatch(l, &evs[i]);
		for (struct loop_poller *p = l->pollers, *next; p; p = next) {
			next = p->next;
			p->poll(p);
		}
		l->in_batch = false;
		loop_run_deferred(l);
		if (l->batch_end)
			l->batch_end(l->batch_arg);
	}
	return 0;
}

void loop_on_batch_end(struct loop *l, void (*fn)(void *arg), void *arg)
{
	l->batch_end = fn;
	l->batch_arg = arg;
}

void loop_stop(struct loop *l)
{
	l->stop = true;
}
