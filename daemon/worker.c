/* worker.c - data-path threads, each with its loop, and the park barrier. */
#include "worker.h"
#include "config.h"
#include "log.h"
#include "loop.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct worker {
	pthread_t thread;
	struct loop *loop;
	struct loop_fd wake; /* an eventfd: look at the park request */
	unsigned index;
};

static struct worker *workers;
static unsigned n_workers;

/* park_req and stop_req are written under park_mu by the main thread;
 * workers read park_req without it first (a relaxed hint), then under it */
static pthread_mutex_t park_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t park_go = PTHREAD_COND_INITIALIZER;     /* to workers */
static pthread_cond_t park_done = PTHREAD_COND_INITIALIZER;   /* to main */
static bool park_req, stop_req;
static unsigned n_parked;
static unsigned park_depth; /* main thread only */

unsigned workers_resolve(unsigned conf)
{
	cpu_set_t set;
	int n;

	if (conf != CONF_WORKERS_AUTO)
		return conf;
	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return 1;
	n = CPU_COUNT(&set);
	if (n < 1)
		n = 1;
	return n > CONF_WORKERS_MAX ? CONF_WORKERS_MAX : (unsigned)n;
}

static void worker_wake_event(struct loop_fd *lf, uint32_t events)
{
	uint64_t v;

	(void)events;
	if (read(lf->fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_debug("worker wake-up: %s", strerror(errno));
}

/* Between two batches: the only place a worker parks or stops. */
static void worker_batch_end(void *arg)
{
	struct worker *w = arg;

	if (!__atomic_load_n(&park_req, __ATOMIC_RELAXED) &&
	    !__atomic_load_n(&stop_req, __ATOMIC_RELAXED))
		return;
	pthread_mutex_lock(&park_mu);
	if (park_req) {
		n_parked++;
		pthread_cond_signal(&park_done);
		while (park_req)
			pthread_cond_wait(&park_go, &park_mu);
		n_parked--;
	}
	if (stop_req)
		loop_stop(w->loop);
	pthread_mutex_unlock(&park_mu);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	int r = loop_run(w->loop);

	if (r)
		log_err("worker %u: event loop: %s", w->index + 1, strerror(-r));
	return NULL;
}

static void worker_wake(struct worker *w)
{
	uint64_t one = 1;

	if (write(w->wake.fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn("worker %u: wake-up: %s", w->index + 1, strerror(errno));
}

static void park_wait_all(void)
{
	pthread_mutex_lock(&park_mu);
	while (n_parked < n_workers)
		pthread_cond_wait(&park_done, &park_mu);
	pthread_mutex_unlock(&park_mu);
}

void workers_park(void)
{
	if (park_depth++ || !n_workers)
		return;
	pthread_mutex_lock(&park_mu);
	__atomic_store_n(&park_req, true, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&park_mu);
	for (unsigned i = 0; i < n_workers; i++)
		worker_wake(&workers[i]);
	park_wait_all();
}

void workers_release(void)
{
	if (!park_depth || --park_depth || !n_workers)
		return;
	pthread_mutex_lock(&park_mu);
	__atomic_store_n(&park_req, false, __ATOMIC_RELAXED);
	pthread_cond_broadcast(&park_go);
	pthread_mutex_unlock(&park_mu);
}

static void worker_free(struct worker *w)
{
	if (w->wake.fd >= 0) {
		loop_del(w->loop, &w->wake);
		close(w->wake.fd);
	}
	loop_free(w->loop);
}

/* Workers take no signal but those a fault raises in the faulting thread
 * (libcore's region guard handles SIGBUS there); the main thread reads
 * the others from its signalfd. */
static int worker_spawn(struct worker *w)
{
	sigset_t all, old;
	char name[16];
	int r;

	sigfillset(&all);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGILL);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = -pthread_create(&w->thread, NULL, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!r) {
		snprintf(name, sizeof(name), "memifd-w%u", w->index + 1);
		pthread_setname_np(w->thread, name);
	}
	return r;
}

static int worker_init(struct worker *w, unsigned index)
{
	int r;

	w->index = index;
	w->wake.fd = -1;
	r = loop_new(&w->loop, NULL);
	if (r)
		return r;
	loop_on_batch_end(w->loop, worker_batch_end, w);
	w->wake.cb = worker_wake_event;
	w->wake.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->wake.fd < 0)
		return -errno;
	return loop_add(w->loop, &w->wake, EPOLLIN);
}

int workers_start(unsigned n)
{
	unsigned i;
	int r = 0;

	if (n_workers || !n)
		return n_workers ? -EBUSY : 0;
	workers = calloc(n, sizeof(*workers));
	if (!workers)
		return -ENOMEM;
	for (i = 0; i < n && !r; i++)
		r = worker_init(&workers[i], i);
	if (r) {
		while (i--)
			worker_free(&workers[i]);
		free(workers);
		workers = NULL;
		return r;
	}
	/* inside a park the new workers park on their first batch */
	park_req = park_depth > 0;
	stop_req = false;
	for (i = 0; i < n && !r; i++) {
		r = worker_spawn(&workers[i]);
		if (!r)
			n_workers++;
	}
	if (r) {
		log_err("worker threads: %s", strerror(-r));
		workers_stop();
		return r;
	}
	if (park_req) {
		for (i = 0; i < n_workers; i++)
			worker_wake(&workers[i]);
		park_wait_all();
	}
	log_info("%u worker thread%s run the data path", n, n == 1 ? "" : "s");
	return 0;
}

void workers_stop(void)
{
	unsigned n = n_workers;

	if (!workers)
		return;
	pthread_mutex_lock(&park_mu);
	__atomic_store_n(&stop_req, true, __ATOMIC_RELAXED);
	__atomic_store_n(&park_req, false, __ATOMIC_RELAXED);
	pthread_cond_broadcast(&park_go);
	pthread_mutex_unlock(&park_mu);
	for (unsigned i = 0; i < n; i++)
		worker_wake(&workers[i]);
	for (unsigned i = 0; i < n; i++)
		pthread_join(workers[i].thread, NULL);
	for (unsigned i = 0; i < n; i++)
		worker_free(&workers[i]);
	free(workers);
	workers = NULL;
	n_workers = 0;
	n_parked = 0;
	stop_req = false;
	park_req = false;
}

unsigned workers_count(void)
{
	return n_workers;
}

struct loop *workers_loop(unsigned w)
{
	return workers[w].loop;
}
