/*
 * loop.h - the daemon's single epoll loop: fd handlers, timers, pollers and
 * deferred frees.
 *
 * A struct loop_fd is embedded in its owner and must stay valid until the
 * current batch of events is dispatched: owners that free themselves from a
 * handler do it through loop_defer().  After loop_del() the handler is not
 * called again, even for events already fetched.
 */
#ifndef MEMIFD_LOOP_H
#define MEMIFD_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>

struct loop;

struct loop_fd {
	int fd;
	void (*cb)(struct loop_fd *lf, uint32_t events);
};

/* Called on every iteration while active; the loop then never sleeps. */
struct loop_poller {
	void (*poll)(struct loop_poller *p);
	struct loop_poller *next;
};

struct loop_timer {
	struct loop_fd lf; /* a timerfd */
	void (*cb)(struct loop_timer *t);
};

/* "Raw" fds carry no handler object (libmemif's fds): raw_cb(fd, events). */
int loop_new(struct loop **out, void (*raw_cb)(int fd, uint32_t events));
void loop_free(struct loop *l);

int loop_add(struct loop *l, struct loop_fd *lf, uint32_t events);
int loop_mod(struct loop *l, struct loop_fd *lf, uint32_t events);
void loop_del(struct loop *l, struct loop_fd *lf);

int loop_add_raw(struct loop *l, int fd, uint32_t events);
int loop_mod_raw(struct loop *l, int fd, uint32_t events);
void loop_del_raw(struct loop *l, int fd);

void loop_poller_add(struct loop *l, struct loop_poller *p);
void loop_poller_del(struct loop *l, struct loop_poller *p);

int loop_timer_init(struct loop *l, struct loop_timer *t,
		    void (*cb)(struct loop_timer *t));
/* first_ms 0 disarms; interval_ms 0 fires once. */
int loop_timer_set(struct loop_timer *t, unsigned first_ms, unsigned interval_ms);
void loop_timer_fini(struct loop *l, struct loop_timer *t);

/* fn(arg) runs after the current batch of events (or at once when idle). */
int loop_defer(struct loop *l, void (*fn)(void *arg), void *arg);

/* fn(arg) runs after each batch of events and its deferred work, when no
 * event of the batch is still to be dispatched (a worker parks there). */
void loop_on_batch_end(struct loop *l, void (*fn)(void *arg), void *arg);

/* Runs until loop_stop(); returns 0 or -errno. */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);

#endif
