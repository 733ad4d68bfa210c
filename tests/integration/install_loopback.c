/*
 * install_loopback.c SOCKET - a libmemif 3.1 application built against an
 * installed libmemif (pkg-config): a master and a slave, each in its own
 * per-thread database, in one process and one thread, connect over SOCKET
 * and exchange a few packets each way; every payload is checked
 * (install_loopback.h, shared with install_loopback4.c).
 * Exit 0 on success, 1 with a message on stderr otherwise.
 */
#define _POSIX_C_SOURCE 200809L
#include <libmemif.h>

#define PROG "install_loopback"

struct side {
	const char *name;
	memif_per_thread_main_handle_t pt;
	memif_socket_handle_t sock;
	memif_conn_handle_t conn;
	int up;
	unsigned rx_pkts;
};

#include "install_loopback.h"

static int side_socket(struct side *s, const char *path)
{
	int r;

	r = memif_per_thread_init(&s->pt, s, NULL, (char *)s->name, NULL, NULL,
				  NULL);
	if (r)
		return fail("memif_per_thread_init", r);
	r = memif_per_thread_create_socket(s->pt, &s->sock, path, s);
	if (r)
		return fail("memif_per_thread_create_socket", r);
	return 0;
}

static void side_poll(struct side *s)
{
	memif_per_thread_poll_event(s->pt, 0);
}

int main(int argc, char **argv)
{
	struct side m = { .name = "loop-master" }, s = { .name = "loop-slave" };
	int status;

	if (argc != 2) {
		fprintf(stderr, "usage: install_loopback SOCKET\n");
		return 2;
	}
	status = sides_open(&m, &s, argv[1]) || exchange(&m, &s);
	sides_close(&m, &s);
	memif_per_thread_cleanup(&s.pt);
	memif_per_thread_cleanup(&m.pt);
	return status;
}
