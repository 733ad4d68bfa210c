/*
 * install_loopback.h - what install_loopback.c (libmemif 3.1) and
 * install_loopback4.c (4.x) share: a master and a slave in one process and
 * one thread connect over a socket and exchange NPKT packets each way,
 * every payload checked.  It uses only what both installed libmemif.h
 * headers spell alike, so each program still builds with its own API's
 * header and pkg-config flags alone.  The program that includes it, after
 * <libmemif.h>, first defines PROG (its name, for messages) and struct side
 * (at least name, sock, conn, up and rx_pkts), and then the two things its
 * API does its own way:
 *
 *   side_socket(s, path)  s->sock (and what it needs) on path, ctx s;
 *                         0, or 1 with a message
 *   side_poll(s)          one turn of s's event loop, without waiting
 */
#ifndef INSTALL_LOOPBACK_H
#define INSTALL_LOOPBACK_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define NPKT 8

static int side_socket(struct side *s, const char *path);
static void side_poll(struct side *s);

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
	fprintf(stderr, PROG ": %s: %s\n", what,
		err ? memif_strerror(err) : "failed");
	return 1;
}

static int side_open(struct side *s, const char *path, int master)
{
	memif_conn_args_t args;
	int r;

	if (side_socket(s, path))
		return 1;
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

/* Runs both sides' event loops until cond(a, b) holds or 10 s pass. */
static int pump(struct side *a, struct side *b,
		int (*cond)(struct side *, struct side *))
{
	double end = now() + 10;

	while (!cond(a, b)) {
		if (now() > end)
			return -1;
		side_poll(a);
		side_poll(b);
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
		side_poll(from);
		side_poll(to);
		if (recv_some(to))
			return 1;
	}
	printf("%s -> %s: %u packets\n", from->name, to->name, to->rx_pkts);
	return 0;
}

/* Master m and slave s on path: 0, or 1 with a message. */
static int sides_open(struct side *m, struct side *s, const char *path)
{
	return side_open(m, path, 1) || side_open(s, path, 0);
}

/* Brings the link up and sends each way: 0, or 1 with a message. */
static int exchange(struct side *m, struct side *s)
{
	if (pump(m, s, both_up))
		return fail("the link did not come up", 0);
	return transfer(m, s) || transfer(s, m);
}

/* Deletes what sides_open made (what side_socket made beyond the socket
 * is the program's to free). */
static void sides_close(struct side *m, struct side *s)
{
	memif_delete(&s->conn);
	memif_delete(&m->conn);
	memif_delete_socket(&s->sock);
	memif_delete_socket(&m->sock);
}

#endif
