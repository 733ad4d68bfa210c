/*
 * http_parse.c - HTTP/1.x request heads, Accept headers and listen
 * addresses, parsed without I/O (http.h).
 */
#include "http.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>

static const struct {
	int status;
	const char *reason;
} http_reasons[] = {
	{ 200, "OK" },
	{ 400, "Bad Request" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" },
	{ 503, "Service Unavailable" },
	{ 505, "HTTP Version Not Supported" },
};

const char *http_reason(int status)
{
	for (size_t i = 0; i < sizeof(http_reasons) / sizeof(http_reasons[0]); i++)
		if (http_reasons[i].status == status)
			return http_reasons[i].reason;
	return "Error";
}

/* RFC 9110 tchar */
static bool is_tchar(unsigned char c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Copies at most n-1 bytes of s[0..len) into out. */
static void copy(char *out, size_t n, const char *s, size_t len)
{
	if (len >= n)
		len = n - 1;
	memcpy(out, s, len);
	out[len] = '\0';
}

/* The end of the line at p (before end): its length without CR LF, and
 * *next after it; -1 when a bare CR or a NUL is in it. */
static long line_len(const char *p, const char *end, const char **next)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	long n = (long)(nl - p);

	*next = nl + 1;
	if (n && p[n - 1] == '\r')
		n--;
	for (long i = 0; i < n; i++)
		if (p[i] == '\r' || p[i] == '\0')
			return -1;
	return n;
}

/* METHOD SP TARGET SP HTTP/1.x */
static int parse_request_line(const char *p, long n, struct http_request *req)
{
	const char *sp1 = memchr(p, ' ', (size_t)n), *sp2, *q;
	long i;

	if (!sp1 || sp1 == p)
		return 400;
	for (i = 0; p + i < sp1; i++)
		if (!is_tchar((unsigned char)p[i]))
			return 400;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(p + n - sp1 - 1));
	if (!sp2 || sp2 == sp1 + 1 || sp1[1] != '/')
		return 400;
	for (q = sp1 + 1; q < sp2; q++)
		if ((unsigned char)*q <= ' ' || (unsigned char)*q >= 0x7f)
			return 400;
	if (p + n - sp2 - 1 != 8 || memcmp(sp2 + 1, "HTTP/", 5) ||
	    !isdigit((unsigned char)sp2[6]) || sp2[7] != '.' ||
	    !isdigit((unsigned char)sp2[8]))
		return 400;
	if (sp2[6] != '1')
		return 505;
	req->minor = sp2[8] - '0';
	copy(req->method, sizeof(req->method), p, (size_t)(sp1 - p));
	q = memchr(sp1 + 1, '?', (size_t)(sp2 - sp1 - 1));
	copy(req->path, sizeof(req->path), sp1 + 1,
	     (size_t)((q ? q : sp2) - sp1 - 1));
	return 200;
}

/* NAME ":" OWS VALUE OWS; only Accept is kept. */
static int parse_header(const char *p, long n, struct http_request *req)
{
	const char *colon = memchr(p, ':', (size_t)n), *v, *e = p + n;

	if (!colon || colon == p)
		return 400;
	for (const char *q = p; q < colon; q++)
		if (!is_tchar((unsigned char)*q))
			return 400;
	for (v = colon + 1; v < e; v++)
		if ((unsigned char)*v < ' ' && *v != '\t')
			return 400;
	for (v = colon + 1; v < e && (*v == ' ' || *v == '\t'); v++)
		;
	while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	req->hosts += colon - p == 4 && !strncasecmp(p, "host", 4);
	if (colon - p == 6 && !strncasecmp(p, "accept", 6))
		copy(req->accept, sizeof(req->accept), v, (size_t)(e - v));
	/* a GET carries no body: one announced is refused rather than
	 * left to be read as the next request */
	if ((colon - p == 17 && !strncasecmp(p, "transfer-encoding", 17)) ||
	    (colon - p == 14 && !strncasecmp(p, "content-length", 14) &&
	     (e - v != 1 || *v != '0')))
		return 400;
	return 200;
}

int http_parse(const char *buf, size_t len, struct http_request *req)
{
	const char *p = buf, *end = buf + len, *next;
	long n;
	int r;

	memset(req, 0, sizeof(*req));
	/* RFC 9112 2.2: empty lines before the request line are ignored */
	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	if (!memchr(p, '\n', (size_t)(end - p)))
		return len > HTTP_MAX_REQUEST ? 431 : 0;
	n = line_len(p, end, &next);
	r = n < 0 ? 400 : parse_request_line(p, n, req);
	if (r != 200)
		return r;
	for (p = next; p < end; p = next) {
		if (!memchr(p, '\n', (size_t)(end - p)))
			break;
		n = line_len(p, end, &next);
		if (n == 0 && next - buf > HTTP_MAX_REQUEST)
			return 431;
		if (n == 0) /* RFC 9112 3.2: exactly one Host in HTTP/1.1 */
			return req->minor && req->hosts != 1 ? 400 : 200;
		if (n < 0 || *p == ' ' || *p == '\t') /* no obsolete folding */
			return 400;
		r = parse_header(p, n, req);
		if (r != 200)
			return r;
	}
	return len > HTTP_MAX_REQUEST ? 431 : 0;
}

/* One media range "type/sub;p=v;q=0.5" of an Accept header. */
static double range_q(const char *r, size_t n, const char *type)
{
	size_t tl = strlen(type), i = 0;
	double q = 1;

	while (i < n && (r[i] == ' ' || r[i] == '\t'))
		i++;
	if (n - i < tl || strncasecmp(r + i, type, tl))
		return -1;
	i += tl;
	if (i < n && r[i] != ';' && r[i] != ' ' && r[i] != '\t')
		return -1;
	while (i < n) {
		const char *semi = memchr(r + i, ';', n - i);

		if (!semi)
			break;
		i = (size_t)(semi - r) + 1;
		while (i < n && (r[i] == ' ' || r[i] == '\t'))
			i++;
		if (n - i > 2 && (r[i] == 'q' || r[i] == 'Q') && r[i + 1] == '=')
			q = strtod(r + i + 2, NULL);
	}
	return q;
}

double http_accept_q(const char *accept, const char *type)
{
	double best = -1;

	while (*accept) {
		size_t n = strcspn(accept, ",");
		double q = range_q(accept, n, type);

		if (q > best)
			best = q;
		accept += n + (accept[n] == ',');
	}
	return best;
}

static int parse_port(const char *s, in_port_t *port)
{
	char *end;
	unsigned long p;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	p = strtoul(s, &end, 10);
	if (*end || p < 1 || p > 65535)
		return -EINVAL;
	*port = htons((in_port_t)p);
	return 0;
}

int http_addr_parse(const char *addr, struct sockaddr_storage *ss,
		    socklen_t *len)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_un *un = (struct sockaddr_un *)ss;
	const char *colon = strrchr(addr, ':');
	char host[64];

	memset(ss, 0, sizeof(*ss));
	if (addr[0] == '/') {
		if (strlen(addr) >= sizeof(un->sun_path))
			return -EINVAL;
		un->sun_family = AF_UNIX;
		strcpy(un->sun_path, addr);
		*len = sizeof(*un);
		return 0;
	}
	if (!colon || (size_t)(colon - addr) >= sizeof(host))
		return -EINVAL;
	copy(host, sizeof(host), addr, (size_t)(colon - addr));
	if (host[0] == '[') {
		size_t hl = strlen(host);

		if (hl < 3 || host[hl - 1] != ']')
			return -EINVAL;
		host[hl - 1] = '\0';
		in6->sin6_family = AF_INET6;
		*len = sizeof(*in6);
		return inet_pton(AF_INET6, host + 1, &in6->sin6_addr) == 1
			       ? parse_port(colon + 1, &in6->sin6_port) : -EINVAL;
	}
	in->sin_family = AF_INET;
	*len = sizeof(*in);
	return inet_pton(AF_INET, host, &in->sin_addr) == 1
		       ? parse_port(colon + 1, &in->sin_port) : -EINVAL;
}
