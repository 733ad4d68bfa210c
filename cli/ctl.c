/* ctl.c - connect to memifd, send one request line, read reply lines. */
#include "ctl.h"

#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define CTL_MAX_LINE (64u << 20)	/* a reply larger than this is an error */

static int ctl_addr(const char *path, struct sockaddr_un *sun, socklen_t *len)
{
	size_t n = strlen(path);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (n == 0)
		return -EINVAL;
	if (n >= sizeof(sun->sun_path))
		return -ENAMETOOLONG;
	memcpy(sun->sun_path, path, n);
	if (path[0] == '@')
		sun->sun_path[0] = '\0';	/* abstract: no trailing NUL */
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
			   (path[0] == '@' ? 0 : 1));
	return 0;
}

int ctl_open(struct ctl *c, const char *path, int timeout_ms)
{
	struct sockaddr_un sun;
	socklen_t len;
	int ret;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->timeout_ms = timeout_ms;
	c->next_id = 1;
	ret = ctl_addr(path, &sun, &len);
	if (ret)
		return ret;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -errno;
	if (timeout_ms > 0) {
		/* A blocking unix connect waits for a full backlog up to this. */
		struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };

		setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	if (connect(c->fd, (struct sockaddr *)&sun, len) < 0) {
		ret = errno == EAGAIN ? -ETIMEDOUT : -errno;
		ctl_close(c);
		return ret;
	}
	return 0;
}

void ctl_close(struct ctl *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->buf);
	c->buf = NULL;
	c->len = c->cap = 0;
}

/* Sends LINE; FD (unless -1) goes with its first bytes (SCM_RIGHTS). */
static int ctl_send_line(struct ctl *c, const char *line, int fd)
{
	size_t len = strlen(line), off = 0;

	while (off < len) {
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(sizeof(int))];
		} cbuf;
		struct iovec iov = { (char *)line + off, len - off };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n;

		if (fd >= 0 && off == 0) {
			struct cmsghdr *cm;

			memset(&cbuf, 0, sizeof(cbuf));
			mh.msg_control = cbuf.buf;
			mh.msg_controllen = sizeof(cbuf.buf);
			cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(cm), &fd, sizeof(int));
		}
		n = sendmsg(c->fd, &mh, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT :
			       errno == EPIPE ? -ECONNRESET : -errno;
		off += (size_t)n;
	}
	return 0;
}

/* Takes one complete line out of the buffer, or returns NULL. */
static char *ctl_take_line(struct ctl *c)
{
	char *nl = c->len ? memchr(c->buf, '\n', c->len) : NULL;
	char *line;
	size_t n;

	if (!nl)
		return NULL;
	n = (size_t)(nl - c->buf);
	line = malloc(n + 1);
	if (!line)
		return NULL;
	memcpy(line, c->buf, n);
	line[n] = '\0';
	c->len -= n + 1;
	memmove(c->buf, nl + 1, c->len);
	return line;
}

static int ctl_fill(struct ctl *c, int timeout_ms)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	ssize_t n;
	int r;

	if (c->len + 4096 > c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 8192;
		char *b;

		if (cap > CTL_MAX_LINE)
			return -EMSGSIZE;
		b = realloc(c->buf, cap);
		if (!b)
			return -ENOMEM;
		c->buf = b;
		c->cap = cap;
	}
	r = poll(&pfd, 1, timeout_ms);
	if (r < 0)
		return -errno;
	if (r == 0)
		return -ETIMEDOUT;
	n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
	if (n < 0)
		return errno == EINTR ? -EINTR : -errno;
	if (n == 0)
		return -ECONNRESET;
	c->len += (size_t)n;
	return 0;
}

int ctl_recv(struct ctl *c, int timeout_ms, json_t **msg)
{
	char *line;
	int ret;

	*msg = NULL;
	while (!(line = ctl_take_line(c))) {
		ret = ctl_fill(c, timeout_ms);
		if (ret)
			return ret;
	}
	*msg = json_loads(line, JSON_REJECT_DUPLICATES, NULL);
	free(line);
	if (!json_is_object(*msg)) {
		json_decref(*msg);
		*msg = NULL;
		return -EPROTO;
	}
	return 0;
}

/* The request as one line, newline included (the caller frees it). */
static char *ctl_request_line(json_int_t id, const char *command, json_t *args)
{
	json_t *req = json_pack("{s:I, s:s}", "id", id, "command", command);
	char *line = NULL;
	size_t n;

	if (req && args)
		json_object_set(req, "args", args);
	if (req)
		line = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (line) {
		char *nl;

		n = strlen(line);
		nl = realloc(line, n + 2);
		if (!nl) {
			free(line);
			return NULL;
		}
		line = nl;
		memcpy(line + n, "\n", 2);
	}
	return line;
}

long ctl_send(struct ctl *c, const char *command, json_t *args, int fd)
{
	json_int_t id = c->next_id++;
	char *line = ctl_request_line(id, command, args);
	int ret;

	if (!line)
		return -ENOMEM;
	ret = ctl_send_line(c, line, fd);
	free(line);
	return ret ? ret : (long)id;
}

int ctl_call(struct ctl *c, const char *command, json_t *args, json_t **reply)
{
	return ctl_call_fd(c, command, args, -1, reply);
}

int ctl_call_fd(struct ctl *c, const char *command, json_t *args, int fd,
		json_t **reply)
{
	long sent = ctl_send(c, command, args, fd);
	json_int_t id = sent;
	int ret = sent < 0 ? (int)sent : 0;

	*reply = NULL;
	if (ret == -ENOMEM)
		return ret;
	if (ret == -ECONNRESET) {
		/* Closed at once: read the refusal it may have sent first. */
		json_t *msg;

		if (!ctl_recv(c, 0, &msg) && json_is_null(json_object_get(msg, "id"))) {
			*reply = msg;
			return 0;
		}
		json_decref(msg);
		return ret;
	}
	while (!ret) {
		json_t *msg, *rid;

		ret = ctl_recv(c, c->timeout_ms, &msg);
		if (ret)
			break;
		rid = json_object_get(msg, "id");
		/* An error with a null id is about the connection (EPERM, ENOSPC):
		 * memifd closes it next, so it answers this request too. */
		if ((json_is_integer(rid) && json_integer_value(rid) == id) ||
		    (json_is_null(rid) && json_is_false(json_object_get(msg, "ok")))) {
			*reply = msg;
			break;
		}
		json_decref(msg);	/* an event, or a stale reply */
	}
	return ret;
}

const char *ctl_strerror(int err)
{
	switch (err) {
	case -ETIMEDOUT:
		return "no answer in time";
	case -ECONNRESET:
		return "connection closed by memifd";
	case -EPROTO:
		return "memifd sent something that is not a JSON object";
	case -EMSGSIZE:
		return "reply too large";
	default:
		return strerror(-err);
	}
}

/* memifd gives its socket file to its control group (control.group): the
 * file's group is the one to join. */
static const char *group_hint(const char *socket)
{
	static char hint[160];
	struct stat st;
	struct group *g;

	if (stat(socket, &st) < 0 || st.st_gid == 0)
		return "run as root, or give memifd a control group (control.group) and join it";
	g = getgrgid(st.st_gid);
	if (g)
		snprintf(hint, sizeof(hint),
			 "run as root or as a member of the control group '%s'", g->gr_name);
	else
		snprintf(hint, sizeof(hint),
			 "run as root or as a member of the control group (gid %u)",
			 (unsigned)st.st_gid);
	return hint;
}

const char *ctl_hint(int err, const char *socket)
{
	switch (err) {
	case -EACCES:
	case -EPERM:
		return group_hint(socket);
	case -ENOENT:
		return "is memifd running? (-s or MEMIFCTL_SOCKET choose another socket)";
	case -ECONNREFUSED:
		return "memifd is not running (stale socket)";
	case -ETIMEDOUT:
		return "memifd is busy or stuck; -t sets the timeout";
	default:
		return NULL;
	}
}
