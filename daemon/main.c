/* main.c - memifd: options, configuration, then memifd_run(). */
#include "config.h"
#include "log.h"
#include "memifd.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libmemif.h>

enum { OPT_CHECK = 256, OPT_VERSION, OPT_HELP };

static const struct option long_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "foreground", no_argument, NULL, 'f' },
	{ "check-config", no_argument, NULL, OPT_CHECK },
	{ "socket", required_argument, NULL, 's' },
	{ "log-level", required_argument, NULL, 'l' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: memifd [-c FILE] [-f] [--check-config] [-s SOCKET] [-l LEVEL]\n"
		"              [--version] [--help]\n"
		"Bridges memif interfaces (VPP, DPDK, libmemif peers) to host TAP devices.\n"
		"\n"
		"  -c, --config FILE     configuration file (default %s)\n"
		"  -f, --foreground      log to stderr instead of syslog\n"
		"      --check-config    validate the configuration, list every problem, exit\n"
		"  -s, --socket SOCKET   control socket (overrides control.socket)\n"
		"  -l, --log-level LEVEL error, warning, notice, info or debug\n"
		"                        (overrides log_level)\n"
		"      --version         print the version and exit\n"
		"      --help            print this help and exit\n"
		"\n"
		"Signals: SIGHUP reloads the configuration, SIGTERM/SIGINT stop.\n",
		CONF_DEFAULT_FILE);
}

struct options {
	const char *config;
	const char *socket;
	int level;
	bool foreground, check;
};

/* Returns -1 to go on, else an exit status. */
static int parse_options(int argc, char **argv, struct options *o)
{
	int c;

	while ((c = getopt_long(argc, argv, "c:fs:l:", long_opts, NULL)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case 'f': o->foreground = true; break;
		case 's': o->socket = optarg; break;
		case OPT_CHECK: o->check = true; break;
		case 'l':
			o->level = log_level_parse(optarg);
			if (o->level < 0) {
				fprintf(stderr, "memifd: unknown log level %s "
					"(error, warning, notice, info, debug)\n", optarg);
				return 2;
			}
			break;
		case OPT_VERSION:
			printf("memifd %s (libmemif %s API)\n", MEMIFD_VERSION,
			       LIBMEMIF_VERSION);
			return 0;
		case OPT_HELP: usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "memifd: unexpected argument %s\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (o->socket && (o->socket[0] != '/' ||
			  strlen(o->socket) >= CONF_PATH_MAX)) {
		fprintf(stderr, "memifd: -s needs an absolute path shorter than "
			"%d bytes\n", CONF_PATH_MAX);
		return 2;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct options o = { .config = CONF_DEFAULT_FILE, .level = -1 };
	struct config_errors errs = { 0 };
	struct config *cfg;
	int r = parse_options(argc, argv, &o);

	if (r >= 0)
		return r;
	cfg = config_load_file(o.config, &errs);
	if (!cfg) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msgs[i]);
		fprintf(stderr, "memifd: %zu problem%s in %s\n", errs.n,
			errs.n == 1 ? "" : "s", o.config);
		config_errors_fini(&errs);
		return 1;
	}
	if (o.check) {
		printf("%s: OK, %zu bridge%s\n", o.config, cfg->n_bridges,
		       cfg->n_bridges == 1 ? "" : "s");
		config_free(cfg);
		return 0;
	}
	if (o.socket)
		snprintf(cfg->control.socket, sizeof(cfg->control.socket), "%s",
			 o.socket);
	log_open(o.foreground, o.level >= 0 ? o.level : cfg->log_level);
	r = memifd_block_signals();
	if (r) {
		log_err("signals: %s", strerror(-r));
		config_free(cfg);
		return 1;
	}
	r = memifd_run(cfg, o.config, o.level);
	log_close();
	return r;
}
