/*
 * http.c - the HTTP server of http.h: listening socket, clients with a
 * bounded request buffer, a deadline and non-blocking output.
 */
#include "http.h"
#include "log.h"
#include "loop.h"
#include "sockfile.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

struct http_client {
	struct loop_fd lf;
	struct http_server *s;
	char in[HTTP_MAX_REQUEST + 1];
	size_t inlen;
	char *out; /* head and body, sent from outoff */
	size_t outlen, outoff;
	uint64_t deadline_ms;
	bool draining; /* answered: reading what is left until EOF */
	struct http_client *next;
};

struct http_server {
	struct loop_fd lf;
	struct loop *loop;
	struct loop_timer reaper;
	http_handler_fn *fn;
	void *ctx;
	char unix_path[108]; /* unlinked at close; "" for TCP */
	unsigned nclients;
	struct http_client *clients;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void client_free(void *arg)
{
	struct http_client *c = arg;

	free(c->out);
	free(c);
}

static void client_close(struct http_client *c)
{
	struct http_server *s = c->s;

	for (struct http_client **p = &s->clients; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	s->nclients--;
	loop_del(s->loop, &c->lf);
	close(c->lf.fd);
	loop_defer(s->loop, client_free, c);
}

/* Sends what the socket takes.  Once everything is sent, the write side
 * is shut and the rest of the client's input read and dropped until it
 * closes (or its deadline): closing with unread input would reset the
 * connection and could destroy the answer before the client reads it. */
static void client_flush(struct http_client *c)
{
	while (c->outoff < c->outlen) {
		ssize_t n = send(c->lf.fd, c->out + c->outoff, c->outlen - c->outoff,
				 MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0)
			break;
		c->outoff += (size_t)n;
	}
	if (c->outoff < c->outlen || shutdown(c->lf.fd, SHUT_WR) < 0 ||
	    loop_mod(c->s->loop, &c->lf, EPOLLIN)) {
		client_close(c);
		return;
	}
	c->draining = true;
}

static void client_drain(struct http_client *c)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(c->lf.fd, buf, sizeof(buf))) > 0)
		;
	if (n == 0 || errno != EAGAIN)
		client_close(c);
}

/* Queues the answer (takes rep->body) and waits for the socket. */
static void client_answer(struct http_client *c, struct http_reply *rep)
{
	char head[512];
	int hl;

	hl = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
		      "Content-Length: %zu\r\n%sConnection: close\r\n\r\n",
		      rep->status, http_reason(rep->status), rep->type, rep->len,
		      rep->status == 405 ? "Allow: GET\r\n" : "");
	c->out = malloc((size_t)hl + rep->len);
	if (!c->out) {
		free(rep->body);
		client_close(c);
		return;
	}
	memcpy(c->out, head, (size_t)hl);
	if (rep->len)
		memcpy(c->out + hl, rep->body, rep->len);
	c->outlen = (size_t)hl + rep->len;
	free(rep->body);
	if (loop_mod(c->s->loop, &c->lf, EPOLLOUT)) {
		client_close(c);
		return;
	}
	client_flush(c);
}

static void client_error(struct http_client *c, int status)
{
	struct http_reply rep = { .status = status,
				  .type = "text/plain; charset=utf-8" };
	char *msg = NULL;
	int n = asprintf(&msg, "%d %s\n", status, http_reason(status));

	rep.body = n < 0 ? NULL : msg;
	rep.len = n < 0 ? 0 : (size_t)n;
	client_answer(c, &rep);
}

static void client_request(struct http_client *c, const struct http_request *req)
{
	struct http_reply rep = { 0 };

	if (strcmp(req->method, "GET")) {
		log_debug("http: %s %s: method not allowed", req->method, req->path);
		client_error(c, 405);
		return;
	}
	c->s->fn(c->s->ctx, req, &rep);
	if (!rep.status) {
		free(rep.body);
		client_error(c, 500);
		return;
	}
	client_answer(c, &rep);
}

static void client_input(struct http_client *c)
{
	struct http_request req;
	int status;

	for (;;) {
		ssize_t n = read(c->lf.fd, c->in + c->inlen, sizeof(c->in) - c->inlen);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) { /* gone before its request was complete */
			client_close(c);
			return;
		}
		c->inlen += (size_t)n;
		status = http_parse(c->in, c->inlen, &req);
		if (!status)
			continue;
		if (status == 200) {
			client_request(c, &req);
		} else {
			log_debug("http: request refused: %d %s", status,
				  http_reason(status));
			client_error(c, status);
		}
		return;
	}
}

static void client_event(struct loop_fd *lf, uint32_t events)
{
	struct http_client *c = (struct http_client *)lf;

	if (c->draining)
		client_drain(c);
	else if (c->out)
		client_flush(c);
	else if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		client_input(c);
}

/* Over the limit: one short answer, never waited for. */
static void http_refuse(int fd)
{
	static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
		"Content-Length: 0\r\nConnection: close\r\n\r\n";

	if (send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		log_debug("http: refusing a client: %s", strerror(errno));
	close(fd);
}

static void http_accept(struct loop_fd *lf, uint32_t events)
{
	struct http_server *s = (struct http_server *)lf;
	struct http_client *c;

	(void)events;
	for (int i = 0; i < 16; i++) {
		int fd = accept4(lf->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			return;
		if (s->nclients >= HTTP_MAX_CLIENTS || !(c = calloc(1, sizeof(*c)))) {
			http_refuse(fd);
			continue;
		}
		c->s = s;
		c->lf.fd = fd;
		c->lf.cb = client_event;
		c->deadline_ms = now_ms() + HTTP_TIMEOUT_MS;
		if (loop_add(s->loop, &c->lf, EPOLLIN)) {
			close(fd);
			free(c);
			continue;
		}
		c->next = s->clients;
		s->clients = c;
		s->nclients++;
	}
}

/* Once a second: clients past their deadline are dropped. */
static void http_reap(struct loop_timer *t)
{
	struct http_server *s = (struct http_server *)((char *)t -
		offsetof(struct http_server, reaper));
	uint64_t now = now_ms();

	for (struct http_client *c = s->clients, *next; c; c = next) {
		next = c->next;
		if (now >= c->deadline_ms) {
			log_debug("http: a client took more than %d ms: dropped",
				  HTTP_TIMEOUT_MS);
			client_close(c);
		}
	}
}

static int http_listen(struct http_server *s, const char *addr)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1, r = http_addr_parse(addr, &ss, &len);

	if (!r && ss.ss_family == AF_UNIX)
		r = sockfile_clear((struct sockaddr_un *)&ss);
	if (r)
		return r;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if ((ss.ss_family != AF_UNIX &&
	     setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0) ||
	    bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 16) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	if (ss.ss_family == AF_UNIX)
		snprintf(s->unix_path, sizeof(s->unix_path), "%s", addr);
	s->lf.fd = fd;
	return 0;
}

int http_open(struct loop *l, const char *addr, http_handler_fn *fn,
	      void *ctx, struct http_server **out, char *err, size_t errlen)
{
	struct http_server *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	s->loop = l;
	s->fn = fn;
	s->ctx = ctx;
	s->lf.fd = s->reaper.lf.fd = -1;
	s->lf.cb = http_accept;
	r = http_listen(s, addr);
	if (!r)
		r = loop_add(l, &s->lf, EPOLLIN);
	if (!r)
		r = loop_timer_init(l, &s->reaper, http_reap);
	if (!r)
		r = loop_timer_set(&s->reaper, 1000, 1000);
	if (r) {
		snprintf(err, errlen, "%s: %s", addr,
			 r == -EADDRINUSE ? "address in use" : strerror(-r));
		http_close(s);
		return r;
	}
	*out = s;
	return 0;
}

void http_close(struct http_server *s)
{
	if (!s)
		return;
	while (s->clients)
		client_close(s->clients);
	loop_timer_fini(s->loop, &s->reaper);
	if (s->lf.fd >= 0) {
		loop_del(s->loop, &s->lf);
		close(s->lf.fd);
		if (s->unix_path[0])
			unlink(s->unix_path);
	}
	free(s);
}
