/*
 * install_loopback4.c SOCKET - a libmemif 4.x application built against an
 * installed libmemif4 (pkg-config libmemif4): a master and a slave, each
 * on its own socket (its own database and internal epoll), in one process
 * and one thread, connect over SOCKET and exchange a few packets each way;
 * every payload is checked.  Written only against the 4.x header: it does
 * not build with the 3.1 one.
 * Exit 0 on success, 1 with a message on stderr otherwise.
 */
#define _POSIX_C_SOURCE 200809L
#include <libmemif.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define NPKT 8

struct side {
	const char *name;
	memif_socket_handle_t sock;
	memif_conn_handle_t conn;
	int up;
	unsigned rx_pkts;
};

static int on_connect(memif_conn_handle_t conn, void *ctx)
{
	struct side *s = ctx;

	s->up = 1;
	return memif_refill_queue(conn, 0, UINT16_MAX, 0);
}

static int on_disconnect(memif_conn_handle_t conn, void *ctx)
{
	(void)conn;
	((struct side *)ctx)->up = 0;
	return 0;
}

static int on_interrupt(memif_conn_handle_t conn, void *ctx, uint16_t qid)
{
	(void)conn, (void)ctx, (void)qid;
	return 0; /* received in the main loop */
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "install_loopback4: %s: %s\n", what,
		err ? memif_strerror(err) : "failed");
	return 1;
}

static int side_open(struct side *s, const char *path, int master)
{
	memif_socket_args_t sargs;
	memif_conn_args_t args;
	int r;

	memset(&sargs, 0, sizeof(sargs));
	snprintf(sargs.path, sizeof(sargs.path), "%s", path);
	snprintf(sargs.app_name, sizeof(sargs.app_name), "%s", s->name);
	sargs.connection_request_timer.it_value.tv_nsec = 100000000;
	sargs.connection_request_timer.it_interval.tv_nsec = 100000000;
	r = memif_create_socket(&s->sock, &sargs, s);
	if (r)
		return fail("memif_create_socket", r);
	memset(&args, 0, sizeof(args));
	args.socket = s->sock;
	args.is_master = (uint8_t)master;
	args.interface_id = 7;
	args.log2_ring_size = 8;
	args.buffer_size = 2048;
	snprintf((char *)args.interface_name, sizeof(args.interface_name), "%s",
		 s->name);
	r = memif_create(&s->conn, &args, on_connect, on_disconnect,
			 on_interrupt, s);
	return r ? fail("memif_create", r) : 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs both databases until cond(a, b) holds or 10 s pass. */
static int pump(struct side *a, struct side *b,
		int (*cond)(struct side *, struct side *))
{
	double end = now() + 10;

	while (!cond(a, b)) {
		if (now() > end)
			return -1;
		memif_poll_event(a->sock, 0);
		memif_poll_event(b->sock, 0);
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	}
	return 0;
}

static int both_up(struct side *a, struct side *b)
{
	return a->up && b->up;
}

static uint8_t pattern(unsigned pkt, unsigned i)
{
	return (uint8_t)(pkt * 31 + i);
}

static int send_all(struct side *s)
{
	memif_buffer_t b;
	uint16_t n;
	int r;

	for (unsigned p = 0; p < NPKT; p++) {
		uint16_t len = (uint16_t)(60 + 100 * p);

		r = memif_buffer_alloc(s->conn, 0, &b, 1, &n, len);
		if (r || n != 1)
			return fail("memif_buffer_alloc", r);
		for (unsigned i = 0; i < len; i++)
			((uint8_t *)b.data)[i] = pattern(p, i);
		b.len = len;
		r = memif_tx_burst(s->conn, 0, &b, 1, &n);
		if (r || n != 1)
			return fail("memif_tx_burst", r);
	}
	return 0;
}

/* Receives what is there, checking each packet against the pattern. */
static int recv_some(struct side *s)
{
	memif_buffer_t bufs[NPKT];
	uint16_t n = 0;
	int r = memif_rx_burst(s->conn, 0, bufs, NPKT, &n);

	if (r && r != MEMIF_ERR_NOBUF)
		return fail("memif_rx_burst", r);
	for (uint16_t k = 0; k < n; k++, s->rx_pkts++) {
		unsigned p = s->rx_pkts;

		if (bufs[k].len != 60 + 100 * p)
			return fail("received length", 0);
		for (unsigned i = 0; i < bufs[k].len; i++)
			if (((uint8_t *)bufs[k].data)[i] != pattern(p, i))
				return fail("received payload", 0);
	}
	r = memif_refill_queue(s->conn, 0, n, 0);
	return r ? fail("memif_refill_queue", r) : 0;
}

static int transfer(struct side *from, struct side *to)
{
	double end = now() + 10;

	if (send_all(from))
		return 1;
	while (to->rx_pkts < NPKT) {
		if (now() > end)
			return fail("packets did not arrive", 0);
		memif_poll_event(from->sock, 0);
		memif_poll_event(to->sock, 0);
		if (recv_some(to))
			return 1;
	}
	printf("%s -> %s: %u packets\n", from->name, to->name, to->rx_pkts);
	return 0;
}

int main(int argc, char **argv)
{
	struct side m = { .name = "loop-master" }, s = { .name = "loop-slave" };
	int status = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: install_loopback4 SOCKET\n");
		return 2;
	}
	if (side_open(&m, argv[1], 1) || side_open(&s, argv[1], 0))
		goto cleanup;
	printf("libmemif %s, protocol %s\n", LIBMEMIF_VERSION,
	       memif_get_version_str());
	if (pump(&m, &s, both_up)) {
		fail("the link did not come up", 0);
		goto cleanup;
	}
	if (transfer(&m, &s) || transfer(&s, &m))
		goto cleanup;
	status = 0;
cleanup:
	memif_delete(&s.conn);
	memif_delete(&m.conn);
	memif_delete_socket(&s.sock);
	memif_delete_socket(&m.sock);
	return status;
}
