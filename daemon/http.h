/*
 * http.h - a small HTTP/1.1 server inside the daemon's epoll loop, for
 * read-only endpoints (the metrics).
 *
 * GET only, one request per connection (answered with Connection: close),
 * requests of at most HTTP_MAX_REQUEST bytes, at most HTTP_MAX_CLIENTS
 * connections, and HTTP_TIMEOUT_MS for a client to send its request and
 * read the answer: a slow client is dropped, the loop never waits for one.
 */
#ifndef MEMIFD_HTTP_H
#define MEMIFD_HTTP_H

#include <stddef.h>
#include <sys/socket.h>

#define HTTP_MAX_REQUEST 8192 /* request line and headers, bytes */
#define HTTP_MAX_CLIENTS 8
#define HTTP_TIMEOUT_MS 5000

struct loop;
struct http_server;

/* A parsed request; strings are NUL-terminated copies (truncated). */
struct http_request {
	char method[16];
	char path[256];	   /* the target without its query */
	char accept[512];  /* "" when absent */
	int minor;	   /* HTTP/1.minor */
	int hosts;	   /* Host headers seen (HTTP/1.1 needs one) */
};

/* The handler's answer: body is malloc'd and taken by the server. */
struct http_reply {
	int status;
	const char *type; /* Content-Type (static) */
	char *body;
	size_t len;
};

typedef void http_handler_fn(void *ctx, const struct http_request *req,
			     struct http_reply *rep);

/* Parses the request at buf (len bytes received so far): 0 while it is
 * incomplete, 200 when it is complete and well-formed (req filled; the
 * method is not checked), else the error status to answer: 400 malformed,
 * 431 longer than HTTP_MAX_REQUEST, 505 not HTTP/1.x. */
int http_parse(const char *buf, size_t len, struct http_request *req);

/* The q-value the Accept header gives the media type TYPE ("a/b",
 * parameters other than q ignored, no wildcards), or -1 if absent. */
double http_accept_q(const char *accept, const char *type);

/* "127.0.0.1:PORT", "[IPV6]:PORT" or an absolute unix socket path into
 * *ss; 0 or -EINVAL. */
int http_addr_parse(const char *addr, struct sockaddr_storage *ss,
		    socklen_t *len);

/* Listens on ADDR; the handler answers each well-formed GET.  0, or
 * -errno with err filled. */
int http_open(struct loop *l, const char *addr, http_handler_fn *fn,
	      void *ctx, struct http_server **out, char *err, size_t errlen);
/* Drops every client, closes (and unlinks a unix socket).  Accepts NULL. */
void http_close(struct http_server *s);

/* Status line text: "Not Found" for 404, ... */
const char *http_reason(int status);

#endif
