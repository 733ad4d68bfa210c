/* closer.c - one thread that closes what would block the loop (closer.h). */
#include "closer.h"
#include "config.h"
#include "log.h"
#include "port.h"

#include <errno.h>
#include <linux/if_tun.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

_Static_assert(CLOSER_KEY_MAX >= CONF_NETNS_MAX + 1 + 16, "a key holds a namespace and a device name");

#define CLOSER_FDS_MAX (PORT_MAX_QUEUES + 2)

struct closer_job {
	struct closer_job *next;
	char key[CLOSER_KEY_MAX];
	int fds[CLOSER_FDS_MAX];
	unsigned n;
	int carrier; /* -1: close fds; 0 or 1: TUNSETCARRIER on fds[0] */
};

/* A job stays on the list while its fds are being closed, so that
 * closer_wait sees it until they are. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t work; /* a job was queued, or stop */
	pthread_cond_t done; /* a job's fds were closed */
	struct closer_job *head, **tail;
	pthread_t thread;
	bool running, stop;
	unsigned delay_ms; /* MEMIFD_TEST_CLOSE_DELAY_MS (closer.h) */
} cl = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.tail = &cl.head,
};

void closer_key(char *key, size_t len, const char *netns, const char *name)
{
	snprintf(key, len, "%s/%s", netns ? netns : "", name);
}

static void closer_set_carrier(const char *key, int fd, int on)
{
	if (ioctl(fd, TUNSETCARRIER, &on) < 0)
		log_debug("%s: TUNSETCARRIER: %s", key, strerror(errno));
}

static void closer_close_fds(const int *fds, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* The thread's first malloc or free (the free of its first job: glibc
 * then sets up the thread's cache) gives it a malloc arena of its own,
 * two mappings with 64 MiB reserved.  Made at the start, it is there
 * before anyone measures memifd, and not a growth at the first close. */
static void *volatile arena_probe;

static void *closer_main(void *arg)
{
	struct closer_job *j;
	struct timespec t0, t1;

	(void)arg;
	arena_probe = malloc(1);
	free((void *)arena_probe);
	pthread_mutex_lock(&cl.lock);
	for (;;) {
		while (!cl.head && !cl.stop)
			pthread_cond_wait(&cl.work, &cl.lock);
		j = cl.head;
		if (!j)
			break; /* stopping, and nothing is left */
		pthread_mutex_unlock(&cl.lock);
		if (j->carrier >= 0) {
			closer_set_carrier(j->key, j->fds[0], j->carrier);
			goto done;
		}
		if (cl.delay_ms && j->key[0]) {
			struct timespec d = { cl.delay_ms / 1000,
					      (long)(cl.delay_ms % 1000) * 1000000L };
			while (nanosleep(&d, &d) && errno == EINTR)
				;
		}
		clock_gettime(CLOCK_MONOTONIC, &t0);
		closer_close_fds(j->fds, j->n);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (j->key[0])
			log_debug("%s: closed in %ld ms", j->key,
				  (t1.tv_sec - t0.tv_sec) * 1000 +
					  (t1.tv_nsec - t0.tv_nsec) / 1000000);
done:
		pthread_mutex_lock(&cl.lock);
		cl.head = j->next;
		if (!cl.head)
			cl.tail = &cl.head;
		free(j);
		pthread_cond_broadcast(&cl.done);
	}
	pthread_mutex_unlock(&cl.lock);
	return NULL;
}

int closer_init(void)
{
	const char *delay = getenv("MEMIFD_TEST_CLOSE_DELAY_MS");
	pthread_condattr_t ca;
	sigset_t all, old;
	int r;

	cl.delay_ms = delay ? (unsigned)strtoul(delay, NULL, 10) % 60000 : 0;
	if (cl.running)
		return 0;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&cl.done, &ca);
	pthread_cond_init(&cl.work, &ca);
	pthread_condattr_destroy(&ca);
	/* the loop's signalfd gets every signal: none may land here */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&cl.thread, NULL, closer_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r)
		return -r;
	pthread_setname_np(cl.thread, "memifd-closer");
	cl.stop = false;
	cl.running = true;
	return 0;
}

void closer_fini(void)
{
	if (!cl.running)
		return;
	pthread_mutex_lock(&cl.lock);
	cl.stop = true;
	pthread_cond_signal(&cl.work);
	pthread_mutex_unlock(&cl.lock);
	pthread_join(cl.thread, NULL);
	cl.running = false;
	pthread_cond_destroy(&cl.work);
	pthread_cond_destroy(&cl.done);
}

static void closer_queue(struct closer_job *j);

void closer_close(const char *key, const int *fds, unsigned n)
{
	struct closer_job *j = cl.running && n <= CLOSER_FDS_MAX
				       ? calloc(1, sizeof(*j)) : NULL;

	if (!n) {
		free(j);
		return;
	}
	if (!j) { /* no thread (or no memory): here and now */
		closer_close_fds(fds, n);
		return;
	}
	snprintf(j->key, sizeof(j->key), "%s", key ? key : "");
	memcpy(j->fds, fds, n * sizeof(fds[0]));
	j->n = n;
	j->carrier = -1;
	closer_queue(j);
}

void closer_carrier(const char *key, int fd, bool up)
{
	struct closer_job *j = cl.running ? calloc(1, sizeof(*j)) : NULL;

	if (!j) { /* no thread (or no memory): here and now */
		closer_set_carrier(key, fd, up);
		return;
	}
	snprintf(j->key, sizeof(j->key), "%s", key ? key : "");
	j->fds[0] = fd;
	j->carrier = up;
	closer_queue(j);
}

static void closer_queue(struct closer_job *j)
{
	pthread_mutex_lock(&cl.lock);
	*cl.tail = j;
	cl.tail = &j->next;
	pthread_cond_signal(&cl.work);
	pthread_mutex_unlock(&cl.lock);
}

static bool closer_pending(const char *key)
{
	for (const struct closer_job *j = cl.head; j; j = j->next)
		if (!strcmp(j->key, key))
			return true;
	return false;
}

bool closer_busy(const char *key)
{
	bool busy;

	if (!cl.running || !key || !*key)
		return false;
	pthread_mutex_lock(&cl.lock);
	busy = closer_pending(key);
	pthread_mutex_unlock(&cl.lock);
	return busy;
}

int closer_wait(const char *key, int timeout_ms)
{
	struct timespec until;
	int r = 0;

	if (!cl.running || !key || !*key)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&cl.lock);
	while (closer_pending(key) && r != ETIMEDOUT)
		r = pthread_cond_timedwait(&cl.done, &cl.lock, &until);
	r = closer_pending(key) ? -ETIMEDOUT : 0;
	pthread_mutex_unlock(&cl.lock);
	return r;
}
