/* memifd.c - the daemon's life: start, signals, reload, stop. */
#include "bridge.h"
#include "closer.h"
#include "log.h"
#include "memifd.h"
#include "metrics.h"
#include "mgmt.h"
#include "mif.h"
#include "notify.h"
#include "worker.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

struct memifd *memifd_self;

static struct loop_fd memifd_sigfd = { .fd = -1 };

void memifd_update_status(void)
{
	static char last[128];
	char buf[sizeof(last)];
	struct memifd *d = memifd_self;

	if (!d)
		return;
	snprintf(buf, sizeof(buf), "STATUS=%zu bridges, %u links up",
		 d->n_bridges, bridges_links_up(d));
	if (!strcmp(buf, last))
		return; /* only changes, as the service manager shows the last */
	memcpy(last, buf, sizeof(last));
	notify_send(buf);
}

void memifd_event(json_t *ev)
{
	if (!ev)
		return;
	if (memifd_self)
		mgmt_broadcast(memifd_self->mgmt, ev);
	json_decref(ev);
	memifd_update_status();
}

int memifd_reload_config(struct memifd *d, json_t **diff, char *msg, size_t len)
{
	int r = bridges_reload(d, diff, msg, len);

	if (!r)
		metrics_reload(d, *diff);
	return r;
}

static void memifd_reload(struct memifd *d)
{
	json_t *diff = NULL;
	char msg[1024];

	log_notice("SIGHUP: reloading %s", d->config_path);
	notify_send("RELOADING=1");
	if (memifd_reload_config(d, &diff, msg, sizeof(msg)))
		log_err("reload: %s", msg);
	json_decref(diff);
	notify_send("READY=1");
	memifd_update_status();
}

static void memifd_signal(struct loop_fd *lf, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)events;
	while (read(lf->fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			memifd_reload(memifd_self);
		} else {
			log_notice("signal %d: stopping", (int)si.ssi_signo);
			loop_stop(memifd_self->loop);
		}
	}
}

int memifd_block_signals(void)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	memifd_sigfd.fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	memifd_sigfd.cb = memifd_signal;
	return memifd_sigfd.fd < 0 ? -errno : 0;
}

static int memifd_start(struct memifd *d)
{
	char msg[512];
	int r;

	r = loop_add(d->loop, &memifd_sigfd, EPOLLIN);
	if (r)
		return r;
	r = mif_init(d->loop);
	if (r)
		return r;
	r = workers_start(workers_resolve(d->cfg->workers));
	if (r)
		return r;
	r = bridges_init(d);
	if (r) {
		log_err("timer: %s", strerror(-r));
		return r;
	}
	r = bridges_start(d, msg, sizeof(msg));
	if (r) {
		log_err("%s", msg);
		return r;
	}
	r = metrics_apply(d, msg, sizeof(msg));
	if (r) {
		log_err("metrics.listen %s", msg);
		return r;
	}
	/* last: a client that finds the socket finds every bridge */
	mif_mkdir_parent(d->cfg->control.socket);
	r = mgmt_open(d, &d->cfg->control, &d->mgmt);
	if (r)
		log_err("control socket %s: %s", d->cfg->control.socket,
			r == -EADDRINUSE ? "another memifd is listening there"
					 : strerror(-r));
	return r;
}

/* Runs the daemon on cfg (taken) until SIGTERM/SIGINT; returns the exit
 * status. */
int memifd_run(struct config *cfg, const char *config_path, int level_override)
{
	struct memifd d = { .cfg = cfg, .config_path = config_path,
			    .started = time(NULL),
			    .log_level_override = level_override };
	int r, status = 1;

	memifd_self = &d;
	d.tick.lf.fd = -1;
	bridge_set_event_hook(memifd_event);
	r = loop_new(&d.loop, mif_fd_event);
	if (r) {
		log_err("epoll: %s", strerror(-r));
		goto cleanup;
	}
	r = closer_init();
	if (r)
		log_warn("closer thread: %s (host devices are closed in the loop)",
			 strerror(-r));
	if (memifd_start(&d))
		goto stop;
	log_notice("memifd %s started: %zu bridges, control socket %s",
		   MEMIFD_VERSION, d.n_bridges, cfg->control.socket);
	notify_send("READY=1");
	memifd_update_status();
	r = loop_run(d.loop);
	status = r ? 1 : 0;
	if (r)
		log_err("event loop: %s", strerror(-r));
	notify_send("STOPPING=1");
stop:
	bridges_fini(&d);
	workers_stop();
	metrics_close(&d);
	mgmt_close(d.mgmt);
	d.mgmt = NULL;
	mif_fini();
	closer_fini();
	if (memifd_sigfd.fd >= 0)
		loop_del(d.loop, &memifd_sigfd);
	loop_free(d.loop);
	log_notice("memifd stopped");
cleanup:
	memifd_self = NULL;
	config_free(d.cfg);
	return status;
}
