/* capture.c - "capture NAME -w FILE|-": memifd writes the bridge's frames as
 * a pcap stream into a pipe whose write end it got with the request;
 * memifctl copies the stream to FILE or standard output until Ctrl-C, the
 * count, or the reader of standard output going away. */
#include "capture.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"

#define PIPE_SIZE (1024 * 1024)
#define FINAL_WAIT_MS 2000	/* for memifd's last word once the pipe ended */

/* Counts the records of a pcap stream as it goes by. */
struct pcount {
	uint8_t h[16];
	size_t hn;
	uint64_t skip;
	unsigned long long frames;
};

static void pcount_feed(struct pcount *p, const uint8_t *b, size_t n)
{
	while (n) {
		size_t k;

		if (p->skip) {
			k = p->skip < n ? (size_t)p->skip : n;
			p->skip -= k, b += k, n -= k;
			continue;
		}
		k = sizeof(p->h) - p->hn < n ? sizeof(p->h) - p->hn : n;
		memcpy(p->h + p->hn, b, k);
		p->hn += k, b += k, n -= k;
		if (p->hn == sizeof(p->h)) {
			uint32_t caplen;

			memcpy(&caplen, p->h + 8, sizeof(caplen));
			p->skip = caplen;
			p->hn = 0;
			p->frames++;
		}
	}
}

static volatile sig_atomic_t got_sigint;

static void on_sigint(int sig)
{
	(void)sig;
	got_sigint = 1;
}

/* Writes it all; -EPIPE when the reader is gone, -EINTR on Ctrl-C while
 * a reader that does not read holds it up. */
static int write_all(int fd, const uint8_t *b, size_t n)
{
	while (n) {
		ssize_t w = write(fd, b, n);

		if (w < 0 && errno == EINTR && !got_sigint)
			continue;
		if (w < 0)
			return -errno;
		b += w, n -= (size_t)w;
	}
	return 0;
}

struct stream {
	struct ctl *c;
	const char *name;
	int in, out;
	bool out_gone, stop_sent, eof;
	json_t *final;		/* the capture event's "capture" */
	struct pcount count;
};

static void stream_stop(struct stream *s)
{
	json_t *a = json_pack("{s:s, s:s, s:b}", "action", "stop", "name", s->name,
			      "stream", 1);

	if (!s->stop_sent && ctl_send(s->c, "capture", a, -1) > 0)
		s->stop_sent = true;
	json_decref(a);
}

/* Copies what the pipe holds; false at its end. */
static void stream_copy(struct stream *s)
{
	uint8_t buf[65536];
	ssize_t n = read(s->in, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		s->eof = true;
		return;
	}
	if (s->out_gone)
		return;		/* drained, so that memifd is not slowed */
	if (write_all(s->out, buf, (size_t)n)) {
		s->out_gone = true;	/* the reader left (| head, tcpdump -c) */
		return;
	}
	pcount_feed(&s->count, buf, (size_t)n);
}

/* Lines from memifd: the stop's reply, then the capture event. */
static int stream_lines(struct stream *s)
{
	json_t *msg;
	int r;

	while (!(r = ctl_recv(s->c, 0, &msg))) {
		const char *ev = json_string_value(json_object_get(msg, "event"));

		if (ev && !strcmp(ev, "capture") && !s->final)
			s->final = json_incref(json_object_get(msg, "capture"));
		json_decref(msg);
	}
	return r == -ETIMEDOUT || r == -EPROTO ? 0 : r;
}

static int stream_loop(struct stream *s)
{
	int r = 0;

	while (!s->eof || !s->final) {
		struct pollfd pf[2] = { { s->c->fd, POLLIN, 0 }, { s->in, POLLIN, 0 } };
		int n;

		if ((got_sigint || s->out_gone) && !s->stop_sent)
			stream_stop(s);
		n = poll(pf, s->eof ? 1 : 2, s->eof ? FINAL_WAIT_MS : -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ETIMEDOUT;	/* the pipe ended, memifd said nothing */
		if (!s->eof && pf[1].revents)
			stream_copy(s);
		if (pf[0].revents && (r = stream_lines(s)))
			return r;
	}
	return 0;
}

static void stream_report(const struct stream *s, bool json)
{
	json_t *f = s->final;
	unsigned long long dropped = (unsigned long long)
		json_integer_value(json_object_get(f, "dropped"));

	if (json) {
		json_t *j = json_pack("{s:s, s:I, s:I, s:O?}", "name", s->name,
				      "frames", (json_int_t)s->count.frames,
				      "dropped", (json_int_t)dropped, "capture", f);

		json_dumpf(j, stderr, JSON_COMPACT);
		fputc('\n', stderr);
		json_decref(j);
		return;
	}
	fprintf(stderr, "%llu frames captured, %llu dropped by the capture (slow reader)\n",
		s->count.frames, dropped);
}

/* Sends the stream request with the pipe's write end. */
static int stream_open(const struct cli *cli, struct stream *s, json_t *args, int wr)
{
	json_t *reply = NULL, *err;
	const char *msg;
	int ret = ctl_call_fd(s->c, "capture", args, wr, &reply);

	if (ret) {
		util_err("lost memifd at %s: %s", cli->socket, ctl_strerror(ret));
		return CLI_UNREACHABLE;
	}
	err = json_object_get(reply, "error");
	msg = json_string_value(json_object_get(err, "message"));
	if (!json_is_true(json_object_get(reply, "ok"))) {
		util_err("%s%s", json_is_null(json_object_get(reply, "id")) ?
			 "memifd refused the connection: " : "",
			 msg ? msg : "memifd refused the capture");
		ret = json_is_null(json_object_get(reply, "id")) ? CLI_UNREACHABLE
								 : CLI_REFUSED;
	}
	json_decref(reply);
	return ret;
}

int capture_run(const struct cli *cli, struct ctl *c, const char *name,
		json_t *args, int out, bool quiet)
{
	struct sigaction sa = { .sa_handler = on_sigint }, old_int, old_term, old_pipe;
	struct sigaction ign = { .sa_handler = SIG_IGN };
	struct stream s = { .c = c, .name = name, .out = out, .count.skip = 24 };
	int p[2], ret, r;

	if (pipe2(p, O_CLOEXEC) < 0) {
		util_err("pipe: %s", strerror(errno));
		return CLI_REFUSED;
	}
	fcntl(p[0], F_SETPIPE_SZ, PIPE_SIZE);	/* best effort: more room, fewer drops */
	s.in = p[0];
	json_object_set_new(args, "action", json_string("stream"));
	got_sigint = 0;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &sa, &old_int);	/* no SA_RESTART: poll returns EINTR */
	sigaction(SIGTERM, &sa, &old_term);	/* how Wireshark stops an extcap */
	sigaction(SIGPIPE, &ign, &old_pipe);
	ret = stream_open(cli, &s, args, p[1]);
	close(p[1]);
	if (!ret) {
		r = stream_loop(&s);
		if (r == -ETIMEDOUT) {
			util_err("memifd ended the capture of %s (bridge deleted or "
				 "changed?)", name);
			ret = CLI_REFUSED;
		} else if (r) {
			util_err("lost memifd at %s: %s", cli->socket, ctl_strerror(r));
			ret = CLI_UNREACHABLE;
		} else {
			const char *st = json_string_value(json_object_get(s.final, "state"));

			if (!quiet)
				stream_report(&s, cli->json);
			if (st && !strcmp(st, "error")) {
				util_err("capture of %s: %s", name, json_string_value(
					 json_object_get(s.final, "error")));
				ret = CLI_REFUSED;
			} else if (st && !strcmp(st, "ended")) {
				/* the stream is whole, but not what was asked */
				util_err("capture of %s ended: %s", name, json_string_value(
					 json_object_get(s.final, "reason")));
				ret = CLI_REFUSED;
			}
		}
	}
	json_decref(s.final);
	close(p[0]);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	return ret;
}
