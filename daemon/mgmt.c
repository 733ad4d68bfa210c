/*
 * mgmt.c - the management socket: clients, line framing, request parsing,
 * non-blocking bounded output.
 */
#include "log.h"
#include "loop.h"
#include "memifd.h"
#include "mgmt.h"
#include "sockfile.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MGMT_OUT_SOFT (256 * 1024)     /* stop reading requests above this */
#define MGMT_OUT_HARD (4 * 1024 * 1024) /* drop the client above this */
#define MGMT_READS_PER_WAKEUP 16
#define MGMT_LATER_RETRY_MS 5 /* how soon a request that said "later" runs again */

struct mgmt_client {
	struct loop_fd lf;
	struct mgmt *m;
	char in[MGMT_MAX_REQUEST + 1];
	size_t inlen;
	bool discarding; /* inside an oversized line */
	char *out;
	size_t outlen, outoff, outcap;
	bool monitoring, paused, closed;
	bool eof; /* the client finished sending: close once flushed */
	uint32_t events;
	pid_t pid;
	uid_t uid;
	gid_t gid;
	int fd_in; /* a descriptor the client sent, for its next request; -1 */
	/* Its first request (still in in[]) said MGMT_LATER: it runs again
	 * when the timer fires, and the client's next lines wait behind it. */
	bool parked;
	bool detached; /* hung up while parked: out of the loop until done */
	struct loop_timer retry;
	uint64_t parked_since_ms; /* when the waiting request first ran; 0 */
	struct mgmt_client *next;
};

struct mgmt {
	struct loop_fd lf;
	struct memifd *d;
	char path[CONF_PATH_MAX];
	bool has_group;
	gid_t gid;
	unsigned max_clients, nclients;
	struct mgmt_client *clients;
};

/* ---- protocol ----------------------------------------------------------- */

static const struct {
	int err;
	const char *name;
} mgmt_errs[] = {
	{ EPROTO, "EPROTO" }, { E2BIG, "E2BIG" },   { ENOSYS, "ENOSYS" },
	{ EINVAL, "EINVAL" }, { ENOENT, "ENOENT" }, { EEXIST, "EEXIST" },
	{ EBUSY, "EBUSY" },   { ENOSPC, "ENOSPC" }, { EPERM, "EPERM" },
	{ EIO, "EIO" },
};

const char *mgmt_errname(int err)
{
	for (size_t i = 0; i < sizeof(mgmt_errs) / sizeof(mgmt_errs[0]); i++)
		if (mgmt_errs[i].err == -err)
			return mgmt_errs[i].name;
	return "EIO";
}

json_t *mgmt_reply_ok(json_t *id, json_t *result)
{
	json_t *r = json_pack("{s:O, s:b, s:o}", "id", id ? id : json_null(),
			      "ok", 1, "result", result ? result : json_object());

	return r;
}

json_t *mgmt_reply_error(json_t *id, int err, const char *msg)
{
	char clean[512];
	json_t *r;
	size_t i;

	r = json_pack("{s:O, s:b, s:{s:s, s:s}}", "id", id ? id : json_null(),
		      "ok", 0, "error", "code", mgmt_errname(err), "message", msg);
	if (r)
		return r;
	/* JSON strings must be UTF-8, and a message may quote the bytes of a
	 * malformed request: say it in ASCII rather than not answer at all. */
	for (i = 0; msg[i] && i < sizeof(clean) - 1; i++)
		clean[i] = (msg[i] & 0x80) || msg[i] < 0x20 ? '?' : msg[i];
	clean[i] = '\0';
	return json_pack("{s:O, s:b, s:{s:s, s:s}}", "id", id ? id : json_null(),
			 "ok", 0, "error", "code", mgmt_errname(err),
			 "message", clean);
}

void mgmt_request_fini(struct mgmt_request *req)
{
	json_decref(req->root);
	memset(req, 0, sizeof(*req));
}

int mgmt_parse_request(const char *line, size_t len, struct mgmt_request *req,
		       char *msg, size_t msglen)
{
	const char *key;
	json_error_t e;
	json_t *v;

	memset(req, 0, sizeof(*req));
	req->root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &e);
	if (!req->root) {
		snprintf(msg, msglen, "not JSON: %s at column %d", e.text, e.column);
		return -EPROTO;
	}
	if (!json_is_object(req->root)) {
		snprintf(msg, msglen, "a request must be a JSON object");
		return -EPROTO;
	}
	req->id = json_object_get(req->root, "id");
	json_object_foreach (req->root, key, v) {
		if (strcmp(key, "id") && strcmp(key, "command") && strcmp(key, "args")) {
			snprintf(msg, msglen, "unknown key %s in request "
				 "(valid: id, command, args)", key);
			return -EPROTO;
		}
	}
	v = json_object_get(req->root, "command");
	if (!json_is_string(v) || !json_string_length(v)) {
		snprintf(msg, msglen, v ? "command must be a non-empty string"
					: "missing command");
		return -EPROTO;
	}
	req->command = json_string_value(v);
	req->args = json_object_get(req->root, "args");
	if (req->args && !json_is_null(req->args) && !json_is_object(req->args)) {
		snprintf(msg, msglen, "args must be an object");
		return -EPROTO;
	}
	if (!req->args || json_is_null(req->args)) {
		req->args = json_object();
		json_object_set_new(req->root, "args", req->args);
	}
	return 0;
}

/* ---- clients ------------------------------------------------------------- */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void client_free(void *arg)
{
	struct mgmt_client *c = arg;

	free(c->out);
	free(c);
}

static void client_close(struct mgmt_client *c, const char *why)
{
	struct mgmt *m = c->m;

	if (c->closed)
		return;
	c->closed = true;
	if (why)
		log_info("control client pid %d: %s", (int)c->pid, why);
	mgmt_client_gone(m->d, c);
	if (c->fd_in >= 0)
		close(c->fd_in);
	loop_timer_fini(m->d->loop, &c->retry);
	loop_del(m->d->loop, &c->lf);
	close(c->lf.fd);
	for (struct mgmt_client **p = &m->clients; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	m->nclients--;
	loop_defer(m->d->loop, client_free, c);
}

static void client_watch(struct mgmt_client *c)
{
	uint32_t ev = (c->paused || c->parked ? 0 : EPOLLIN) |
		      (c->outlen > c->outoff ? EPOLLOUT : 0);

	if (ev != c->events && !loop_mod(c->m->d->loop, &c->lf, ev))
		c->events = ev;
}

static void client_flush(struct mgmt_client *c)
{
	while (c->outoff < c->outlen) {
		ssize_t n = send(c->lf.fd, c->out + c->outoff,
				 c->outlen - c->outoff, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0) {
			client_close(c, "gone");
			return;
		}
		c->outoff += (size_t)n;
	}
	if (c->outoff == c->outlen) {
		c->outoff = c->outlen = 0;
		if (c->eof) {
			client_close(c, NULL);
			return;
		}
	}
	c->paused = c->eof || c->outlen - c->outoff > MGMT_OUT_SOFT;
	client_watch(c);
}

/* Queues one JSON line (borrows j) and tries to send it. */
static void client_send(struct mgmt_client *c, json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	size_t len;

	if (!s || c->closed) {
		free(s);
		return;
	}
	len = strlen(s);
	if (c->outlen - c->outoff + len + 1 > MGMT_OUT_HARD) {
		free(s);
		client_close(c, "does not read its replies; dropped");
		return;
	}
	if (c->outoff && c->outlen + len + 1 > c->outcap) {
		memmove(c->out, c->out + c->outoff, c->outlen - c->outoff);
		c->outlen -= c->outoff;
		c->outoff = 0;
	}
	if (c->outlen + len + 1 > c->outcap) {
		size_t cap = (c->outlen + len + 1) * 2;
		char *o = realloc(c->out, cap);

		if (!o) {
			free(s);
			client_close(c, "out of memory");
			return;
		}
		c->out = o;
		c->outcap = cap;
	}
	memcpy(c->out + c->outlen, s, len);
	c->out[c->outlen + len] = '\n';
	c->outlen += len + 1;
	free(s);
	client_flush(c);
}

static void client_reply(struct mgmt_client *c, json_t *reply)
{
	client_send(c, reply);
	json_decref(reply);
}

/* Runs one request line and replies; false when the command said
 * MGMT_LATER (nothing done, nothing replied: the line runs again). */
static bool client_request(struct mgmt_client *c, const char *line, size_t len)
{
	struct mgmt_request req;
	json_t *result = NULL;
	char msg[1024];
	int r;

	while (len && (line[len - 1] == '\r' || line[len - 1] == ' ' ||
		       line[len - 1] == '\t'))
		len--;
	if (!len)
		return true;
	r = mgmt_parse_request(line, len, &req, msg, sizeof(msg));
	if (!r) {
		if (!c->parked_since_ms)
			log_debug("control client pid %d: %s", (int)c->pid,
				  req.command);
		r = mgmt_dispatch(c->m->d, c, req.command, req.args, &result, msg,
				  sizeof(msg));
	}
	if (r == MGMT_LATER) {
		mgmt_request_fini(&req);
		return false;
	}
	c->parked_since_ms = 0;
	client_reply(c, r ? mgmt_reply_error(req.id, r, msg)
			  : mgmt_reply_ok(req.id, result));
	mgmt_request_fini(&req);
	return true;
}

static void client_lines(struct mgmt_client *c);
static void client_event(struct loop_fd *lf, uint32_t events);

static void client_retry(struct loop_timer *t)
{
	struct mgmt_client *c = (struct mgmt_client *)((char *)t -
		offsetof(struct mgmt_client, retry));

	c->parked = false;
	client_lines(c);
	if (c->closed || c->parked)
		return;
	if (c->detached) {
		/* back in the loop: what it sent after is read, then its
		 * hang-up closes it */
		c->detached = false;
		c->lf.cb = client_event;
		c->events = EPOLLIN;
		if (loop_add(c->m->d->loop, &c->lf, EPOLLIN))
			client_close(c, "gone");
		return;
	}
	client_watch(c);
}

/* The request at the head of in[] waits: stop reading this client (its
 * next requests wait behind it, in order) and run it again shortly.  The
 * loop, and every other client and bridge, go on meanwhile. */
static bool client_park(struct mgmt_client *c)
{
	if (c->retry.lf.fd < 0 &&
	    loop_timer_init(c->m->d->loop, &c->retry, client_retry))
		return false;
	if (loop_timer_set(&c->retry, MGMT_LATER_RETRY_MS, 0))
		return false;
	if (!c->parked_since_ms)
		c->parked_since_ms = now_ms();
	c->parked = true;
	client_watch(c);
	return true;
}

unsigned mgmt_client_waited_ms(const struct mgmt_client *c)
{
	return c->parked_since_ms ? (unsigned)(now_ms() - c->parked_since_ms) : 0;
}

static void client_lines(struct mgmt_client *c)
{
	size_t start = 0;
	char *nl;

	while (!c->closed && !c->parked &&
	       (nl = memchr(c->in + start, '\n', c->inlen - start))) {
		size_t len = (size_t)(nl - (c->in + start));

		if (c->discarding)
			c->discarding = false;
		else if (!client_request(c, c->in + start, len)) {
			if (client_park(c))
				break;
			/* no timer to be had: the command runs again at once,
			 * told it has waited long enough */
			c->parked_since_ms = 1;
			continue;
		}
		start += len + 1;
	}
	if (c->closed)
		return;
	memmove(c->in, c->in + start, c->inlen - start);
	c->inlen -= start;
	if (c->inlen > MGMT_MAX_REQUEST) {
		if (!c->discarding)
			client_reply(c, mgmt_reply_error(NULL, -E2BIG,
				"request longer than 65536 bytes"));
		c->discarding = true;
		c->inlen = 0;
	}
}

/* Keeps the first descriptor of an SCM_RIGHTS message (the one before it
 * is closed, if unused), closes any other. */
static void client_take_rights(struct mgmt_client *c, struct msghdr *mh)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		size_t n;
		int *fds;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		fds = (int *)CMSG_DATA(cm);
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			if (i == 0 && c->fd_in >= 0)
				close(c->fd_in);
			if (i == 0)
				c->fd_in = fds[0];
			else
				close(fds[i]);
		}
	}
}

/* read(2), and the descriptors sent with the bytes. */
static ssize_t client_read(struct mgmt_client *c)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(4 * sizeof(int))];
	} cbuf;
	struct iovec iov = { c->in + c->inlen, sizeof(c->in) - c->inlen };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf.buf,
			     .msg_controllen = sizeof(cbuf.buf) };
	ssize_t n = recvmsg(c->lf.fd, &mh, MSG_CMSG_CLOEXEC);

	if (n >= 0 && mh.msg_controllen)
		client_take_rights(c, &mh);
	return n;
}

static void client_event(struct loop_fd *lf, uint32_t events)
{
	struct mgmt_client *c = (struct mgmt_client *)lf;

	if (c->parked && (events & (EPOLLHUP | EPOLLERR))) {
		/* epoll reports a hang-up whatever it is asked for: leave the
		 * loop until the parked request is done, or this would spin */
		loop_del(c->m->d->loop, &c->lf);
		c->detached = true;
		return;
	}
	if (events & EPOLLOUT)
		client_flush(c);
	for (int i = 0; i < MGMT_READS_PER_WAKEUP && !c->closed && !c->paused &&
			!c->parked &&
			(events & (EPOLLIN | EPOLLHUP | EPOLLERR)); i++) {
		ssize_t n = client_read(c);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n == 0 && c->outlen > c->outoff) {
			c->eof = c->paused = true;
			client_watch(c);
			return;
		}
		if (n <= 0) {
			client_close(c, NULL);
			return;
		}
		c->inlen += (size_t)n;
		client_lines(c);
	}
}

void mgmt_client_monitor(struct mgmt_client *c)
{
	c->monitoring = true;
}

void mgmt_client_send(struct mgmt_client *c, json_t *ev)
{
	client_send(c, ev);
}

int mgmt_client_take_fd(struct mgmt_client *c)
{
	int fd = c->fd_in;

	c->fd_in = -1;
	return fd;
}

uid_t mgmt_client_uid(const struct mgmt_client *c)
{
	return c->uid;
}

struct ucred mgmt_client_cred(const struct mgmt_client *c)
{
	return (struct ucred){ .pid = c->pid, .uid = c->uid, .gid = c->gid };
}

void mgmt_broadcast(struct mgmt *m, json_t *ev)
{
	struct mgmt_client *c, *next;

	if (!m)
		return;
	for (c = m->clients; c; c = next) {
		next = c->next;
		if (c->monitoring)
			client_send(c, ev);
	}
}

/* ---- access and the listening socket ------------------------------------ */

/* Is the process in group gid (primary or supplementary)? */
static bool pid_in_group(pid_t pid, gid_t gid)
{
	char path[64], *line = NULL;
	size_t cap = 0;
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && getline(&line, &cap, f) > 0) {
		char *p = line + 7, *end;

		if (strncmp(line, "Groups:", 7))
			continue;
		for (;;) {
			unsigned long g = strtoul(p, &end, 10);

			if (end == p)
				break;
			found |= (gid_t)g == gid;
			p = end;
		}
		break;
	}
	free(line);
	fclose(f);
	return found;
}

static bool mgmt_allowed(struct mgmt *m, const struct ucred *cr)
{
	if (cr->uid == 0)
		return true;
	if (!m->has_group)
		return false;
	return cr->gid == m->gid || pid_in_group(cr->pid, m->gid);
}

/* Refuses a connection with one error line (best effort, never blocks). */
static void mgmt_refuse(int fd, int err, const char *msg)
{
	json_t *r = mgmt_reply_error(NULL, err, msg);
	char *s = json_dumps(r, JSON_COMPACT);

	if (s) {
		size_t len = strlen(s);

		s[len] = '\n'; /* json_dumps left room: its NUL */
		if (send(fd, s, len + 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			log_debug("refusing a control client: %s", strerror(errno));
	}
	free(s);
	json_decref(r);
	close(fd);
}

static void mgmt_accept_one(struct mgmt *m, int fd)
{
	struct ucred cr;
	socklen_t crlen = sizeof(cr);
	struct mgmt_client *c;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) < 0 ||
	    !mgmt_allowed(m, &cr)) {
		log_warn("control connection refused (uid %d)", (int)cr.uid);
		mgmt_refuse(fd, -EPERM, "permission denied: neither root nor "
			    "in the control group");
		return;
	}
	if (m->nclients >= m->max_clients) {
		mgmt_refuse(fd, -ENOSPC, "too many control clients");
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->m = m;
	c->lf.fd = fd;
	c->lf.cb = client_event;
	c->pid = cr.pid;
	c->uid = cr.uid;
	c->gid = cr.gid;
	c->fd_in = -1;
	c->retry.lf.fd = -1;
	c->events = EPOLLIN;
	if (loop_add(m->d->loop, &c->lf, EPOLLIN)) {
		close(fd);
		free(c);
		return;
	}
	c->next = m->clients;
	m->clients = c;
	m->nclients++;
}

static void mgmt_accept(struct loop_fd *lf, uint32_t events)
{
	struct mgmt *m = (struct mgmt *)lf;

	(void)events;
	for (int i = 0; i < 64; i++) {
		int fd = accept4(lf->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("control socket accept: %s", strerror(errno));
			return;
		}
		mgmt_accept_one(m, fd);
	}
}

static int mgmt_listen(struct mgmt *m, const struct control_conf *cc)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	memcpy(sa.sun_path, cc->socket, strlen(cc->socket));
	r = sockfile_clear(&sa);
	if (r)
		return r;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(cc->socket, cc->mode) < 0 ||
	    (m->has_group && chown(cc->socket, (uid_t)-1, m->gid) < 0) ||
	    listen(fd, 128) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	m->lf.fd = fd;
	return 0;
}

int mgmt_open(struct memifd *d, const struct control_conf *cc, struct mgmt **out)
{
	struct mgmt *m = calloc(1, sizeof(*m));
	struct group *gr;
	int r;

	if (!m)
		return -ENOMEM;
	m->d = d;
	m->lf.fd = -1;
	m->lf.cb = mgmt_accept;
	m->max_clients = cc->max_clients;
	snprintf(m->path, sizeof(m->path), "%s", cc->socket);
	if (cc->group[0]) {
		gr = getgrnam(cc->group);
		if (!gr) {
			free(m);
			return -ENOENT;
		}
		m->has_group = true;
		m->gid = gr->gr_gid;
	}
	r = mgmt_listen(m, cc);
	if (!r)
		r = loop_add(d->loop, &m->lf, EPOLLIN);
	if (r) {
		mgmt_close(m);
		return r;
	}
	*out = m;
	return 0;
}

void mgmt_close(struct mgmt *m)
{
	if (!m)
		return;
	while (m->clients)
		client_close(m->clients, NULL);
	if (m->lf.fd >= 0) {
		loop_del(m->d->loop, &m->lf);
		close(m->lf.fd);
		unlink(m->path);
	}
	free(m);
}
