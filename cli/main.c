/* main.c - memifctl: options, then one command, a batch or the shell. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "extcap.h"
#include "shell.h"

#ifndef MEMIFD_VERSION
#define MEMIFD_VERSION "0.0.0"
#endif

#define NOPTS 32

struct opts {
	const char *file;
	bool force;
	const char *action;	/* a long-only option that replaces the run */
	struct extcap_opts extcap;
};

/* The long-only options that take a value: where it goes. */
static const char **opt_value(struct opts *op, const char *lng)
{
	static const char *ignored;

	if (!strcmp(lng, "extcap-interface"))
		return &op->extcap.iface;
	if (!strcmp(lng, "fifo"))
		return &op->extcap.fifo;
	if (!strcmp(lng, "extcap-capture-filter"))
		return &op->extcap.filter;
	if (!strcmp(lng, "direction"))
		return &op->extcap.direction;
	if (!strcmp(lng, "extcap-version"))
		return &ignored;
	return NULL;
}

/* getopt_long's tables, built from cli_opts; long-only options get
 * 256 + their index as value. */
static void opts_build(struct option *lo, char *shorts)
{
	size_t n = 0, s = 0;

	shorts[s++] = '+';
	for (size_t i = 0; cli_opts[i].lng && n + 1 < NOPTS; i++) {
		const struct cli_opt *o = &cli_opts[i];

		lo[n++] = (struct option){ o->lng, o->arg ? required_argument : no_argument,
					   NULL, o->shrt ? o->shrt : 256 + (int)i };
		if (o->shrt) {
			shorts[s++] = o->shrt;
			if (o->arg)
				shorts[s++] = ':';
		}
	}
	lo[n] = (struct option){ 0 };
	shorts[s] = '\0';
}

static int parse_timeout(const char *arg, int *ms)
{
	char *end;
	double t;

	errno = 0;
	t = strtod(arg, &end);
	if (errno || end == arg || *end || t < 0 || t > 86400) {
		util_err("bad timeout '%s': expected seconds, 0 for none", arg);
		return CLI_USAGE;
	}
	*ms = t == 0 ? -1 : (int)(t * 1000 + 0.5) ? (int)(t * 1000 + 0.5) : 1;
	return CLI_OK;
}

static int parse_opts(int argc, char **argv, struct cli *cli, struct opts *op)
{
	struct option lo[NOPTS];
	char shorts[2 * NOPTS + 2];
	int c;

	opts_build(lo, shorts);
	while ((c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		switch (c) {
		case 's': cli->socket = optarg; break;
		case 'j': cli->json = true; break;
		case 'f': op->file = optarg; break;
		case 'h': help_usage(stdout); exit(CLI_OK);
		case 'V': printf("memifctl %s\n", MEMIFD_VERSION); exit(CLI_OK);
		case 't':
			if (parse_timeout(optarg, &cli->timeout_ms))
				return CLI_USAGE;
			break;
		default:
			if (c >= 256 && !strcmp(cli_opts[c - 256].lng, "force"))
				op->force = true;
			else if (c >= 256 && opt_value(op, cli_opts[c - 256].lng))
				*opt_value(op, cli_opts[c - 256].lng) = optarg;
			else if (c >= 256)
				op->action = cli_opts[c - 256].lng;
			else {
				fprintf(stderr, "Try 'memifctl --help'.\n");
				return CLI_USAGE;
			}
		}
	}
	return CLI_OK;
}

/* memifctl --complete -- WORD... CURRENT: candidates one a line. */
static int run_complete(const struct cli *cli, int argc, char **argv)
{
	struct strv out = { 0 };

	if (argc < 1)
		return CLI_USAGE;
	cmd_complete(cli, argc - 1, argv, argv[argc - 1], &out);
	for (size_t i = 0; i < out.n; i++)
		puts(out.v[i]);
	strv_free(&out);
	return CLI_OK;
}

static int run_batch(struct cli *cli, const struct opts *op)
{
	FILE *in = stdin;
	int ret;

	if (op->file && strcmp(op->file, "-")) {
		in = fopen(op->file, "r");
		if (!in) {
			util_err("cannot read %s: %s", op->file, strerror(errno));
			return CLI_USAGE;
		}
	}
	ret = shell_batch(cli, in, in == stdin ? "stdin" : op->file, op->force);
	if (in != stdin)
		fclose(in);
	return ret;
}

int main(int argc, char **argv)
{
	struct cli cli = { .socket = getenv("MEMIFCTL_SOCKET"), .timeout_ms = 5000 };
	struct opts op = { 0 };

	if (!cli.socket || !*cli.socket)
		cli.socket = CLI_DEFAULT_SOCKET;
	if (parse_opts(argc, argv, &cli, &op))
		return CLI_USAGE;
	cli.pretty = cli.json && isatty(STDOUT_FILENO);
	argc -= optind;
	argv += optind;
	if (op.action && !strcmp(op.action, "gen-man"))
		return help_gen_man(stdout), CLI_OK;
	if (op.action && !strcmp(op.action, "gen-bash-completion"))
		return help_gen_bash(stdout), CLI_OK;
	if (op.action && !strcmp(op.action, "complete"))
		return run_complete(&cli, argc, argv);
	if (op.action && (!strncmp(op.action, "extcap-", 7) || !strcmp(op.action, "capture"))) {
		op.extcap.action = op.action;
		return extcap_run(&cli, &op.extcap);
	}
	if (argc && op.file) {
		util_err("give either a command or -f FILE, not both");
		return CLI_USAGE;
	}
	if (argc)
		return cmd_exec(&cli, argc, argv);
	if (op.file || !isatty(STDIN_FILENO))
		return run_batch(&cli, &op);
	return shell_run(&cli);
}
