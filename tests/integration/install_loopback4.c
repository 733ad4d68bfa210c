/*
 * install_loopback4.c SOCKET - a libmemif 4.x application built against an
 * installed libmemif4 (pkg-config libmemif4): a master and a slave, each
 * on its own socket (its own database and internal epoll), in one process
 * and one thread, connect over SOCKET and exchange a few packets each way;
 * every payload is checked (install_loopback.h, shared with
 * install_loopback.c).  Written only against the 4.x header: it does
 * not build with the 3.1 one.
 * Exit 0 on success, 1 with a message on stderr otherwise.
 */
#define _POSIX_C_SOURCE 200809L
#include <libmemif.h>

#define PROG "install_loopback4"

struct side {
	const char *name;
	memif_socket_handle_t sock;
	memif_conn_handle_t conn;
	int up;
	unsigned rx_pkts;
};

#include "install_loopback.h"

static int side_socket(struct side *s, const char *path)
{
	memif_socket_args_t sargs;
	int r;

	memset(&sargs, 0, sizeof(sargs));
	snprintf(sargs.path, sizeof(sargs.path), "%s", path);
	snprintf(sargs.app_name, sizeof(sargs.app_name), "%s", s->name);
	sargs.connection_request_timer.it_value.tv_nsec = 100000000;
	sargs.connection_request_timer.it_interval.tv_nsec = 100000000;
	r = memif_create_socket(&s->sock, &sargs, s);
	if (r)
		return fail("memif_create_socket", r);
	return 0;
}

static void side_poll(struct side *s)
{
	memif_poll_event(s->sock, 0);
}

int main(int argc, char **argv)
{
	struct side m = { .name = "loop-master" }, s = { .name = "loop-slave" };
	int status;

	if (argc != 2) {
		fprintf(stderr, "usage: install_loopback4 SOCKET\n");
		return 2;
	}
	status = sides_open(&m, &s, argv[1]);
	if (!status) {
		printf("libmemif %s, protocol %s\n", LIBMEMIF_VERSION,
		       memif_get_version_str());
		status = exchange(&m, &s);
	}
	sides_close(&m, &s);
	return status;
}
