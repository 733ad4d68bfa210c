/* cmds.c - the command table of memifctl and the few commands that do more
 * than send one request and print its reply. */
#include "cmds.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "ctl.h"
#include "output.h"
#include "top.h"

#ifndef MEMIFD_VERSION
#define MEMIFD_VERSION "0.0.0"
#endif

/* The bridge options of memifd's configuration, by the same names.  Edit
 * here when the configuration changes: help, completion, the man page and
 * the JSON that create sends all follow. */
const struct kw kw_create[] = {
	{ "role", KW_CHOICE, "memif", "role", "master|slave|server|client", NULL,
	  "ROLE", "master", "master (server) listens on the socket, slave (client) connects" },
	{ "socket", KW_FILE, "memif", "socket", NULL, NULL,
	  "PATH", "/run/memifd/memif.sock", "memif control socket; @NAME is an abstract socket" },
	{ "socket_owner", KW_STR, "memif", "socket_owner", NULL, NULL,
	  "USER", "unchanged", "master: owner of the socket file" },
	{ "socket_group", KW_STR, "memif", "socket_group", NULL, NULL,
	  "GROUP", "unchanged", "master: group of the socket file" },
	{ "socket_mode", KW_STR, "memif", "socket_mode", NULL, NULL,
	  "MODE", "umask", "master: octal mode of the socket file, e.g. 0660" },
	{ "id", KW_UINT, "memif", "id", NULL, NULL,
	  "N", "0", "interface id on that socket" },
	{ "secret", KW_STR, "memif", "secret", NULL, NULL,
	  "SECRET", "none", "shared secret the peer must present" },
	{ "secret_file", KW_FILE, "memif", "secret_file", NULL, NULL,
	  "FILE", "none", "read the secret from FILE" },
	{ "mode", KW_CHOICE, "memif", "mode", "ethernet|ip|punt-inject", NULL,
	  "MODE", "ethernet", "interface mode" },
	{ "rx_queues", KW_UINT, "memif", "rx_queues", NULL, NULL,
	  "N", "1", "receive queues (rings from the peer)" },
	{ "tx_queues", KW_UINT, "memif", "tx_queues", NULL, NULL,
	  "N", "1", "transmit queues (rings to the peer)" },
	{ "ring_size", KW_UINT, "memif", "ring_size", NULL, NULL,
	  "N", "1024", "slots per ring, a power of two" },
	{ "buffer_size", KW_UINT, "memif", "buffer_size", NULL, NULL,
	  "N", "2048", "bytes per buffer; larger frames use chains" },
	{ "rx_mode", KW_CHOICE, "memif", "rx_mode", "interrupt|polling|adaptive", NULL,
	  "MODE", "adaptive", "how the receive queues are served" },
	{ "netns", KW_STR, "memif", "netns", NULL, NULL,
	  "NS", "none", "network namespace of the memif socket" },
	{ "tap", KW_STR, "host", "name", NULL, "type=tap",
	  "NAME", "none", "host side: the TAP device NAME" },
	{ "pcap-live", KW_STR, "host", "name", NULL, "type=pcap-live",
	  "IFNAME", "none", "host side: capture and inject on interface IFNAME" },
	{ "pcap-file", KW_FLAG, "host", NULL, NULL, "type=pcap-file",
	  NULL, "none", "host side: pcap files (see read and write)" },
	{ "read", KW_FILE, "host", "read", NULL, NULL,
	  "FILE", "none", "pcap-file: replay FILE towards the memif peer" },
	{ "write", KW_FILE, "host", "write", NULL, NULL,
	  "FILE", "none", "pcap-file: record frames from the memif peer in FILE" },
	{ "timing", KW_CHOICE, "host", "timing", "fast|recorded", NULL,
	  "TIMING", "fast", "pcap-file read: as fast as possible or as recorded" },
	{ "pps", KW_UINT, "host", "pps", NULL, NULL,
	  "N", "none", "pcap-file read: replay at N frames per second" },
	{ "mbps", KW_UINT, "host", "mbps", NULL, NULL,
	  "N", "none", "pcap-file read: replay at N megabits per second" },
	{ "loop", KW_UINT, "host", "loop", NULL, NULL,
	  "N", "1", "pcap-file read: passes over the file, 0 forever" },
	{ "max_packets", KW_UINT, "host", "max_packets", NULL, NULL,
	  "N", "no limit", "pcap-file write: frames per file" },
	{ "max_bytes", KW_UINT, "host", "max_bytes", NULL, NULL,
	  "N", "no limit", "pcap-file write: bytes per file" },
	{ "keep_files", KW_UINT, "host", "keep_files", NULL, NULL,
	  "N", "0", "pcap-file write: at a limit keep N old files FILE.1..N" },
	{ "promisc", KW_BOOL, "host", "promisc", NULL, NULL,
	  "yes|no", "no", "pcap-live: promiscuous mode" },
	{ "filter", KW_STR, "host", "filter", NULL, NULL,
	  "EXPR", "all frames", "pcap-live: pcap-filter(7) of the frames sent to memif" },
	{ "mtu", KW_UINT, "host", "mtu", NULL, NULL,
	  "N", "1500, pcap-file: none",
	  "MTU of the host device (pcap-file: a limit on frame size)" },
	{ "mac", KW_MAC, "host", "mac", NULL, NULL,
	  "MAC", "random", "MAC address of the TAP" },
	{ "up", KW_BOOL, "host", "up", NULL, NULL,
	  "yes|no", "yes", "set the TAP administratively up" },
	{ "persist", KW_BOOL, "host", "persist", NULL, NULL,
	  "yes|no", "no", "keep the TAP when the bridge is deleted" },
	{ "tap_netns", KW_STR, "host", "netns", NULL, NULL,
	  "NS", "none", "network namespace of the TAP or pcap-live interface" },
	{ NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
};

static const struct kw kw_stats[] = {
	{ "reset", KW_FLAG, NULL, "reset", NULL, NULL,
	  NULL, "no", "zero the counters after reading them" },
	{ NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
};

static const struct kw kw_capture[] = {
	{ "filter", KW_STR, NULL, "filter", NULL, NULL,
	  "EXPR", "all frames", "a pcap-filter(7) expression (quote it)" },
	{ "direction", KW_CHOICE, NULL, "direction", "rx|tx|both", NULL,
	  "DIR", "both", "rx: from the memif peer, tx: towards it" },
	{ "count", KW_UINT, NULL, "count", NULL, NULL,
	  "N", "0, no limit", "stop after N frames" },
	{ NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
};

/* The stream form: "-w" first (it selects the form), then as capture start. */
static const struct kw kw_stream[] = {
	{ "-w", KW_FILE, NULL, "write", NULL, NULL,
	  "FILE|-", "required", "write the pcap stream to FILE (as you), - for standard output" },
	{ "filter", KW_STR, NULL, "filter", NULL, NULL,
	  "EXPR", "all frames", "a pcap-filter(7) expression (quote it)" },
	{ "direction", KW_CHOICE, NULL, "direction", "rx|tx|both", NULL,
	  "DIR", "both", "rx: from the memif peer, tx: towards it" },
	{ "count", KW_UINT, NULL, "count", NULL, NULL,
	  "N", "0, until interrupted", "stop after N frames" },
	{ NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
};

static const struct kw kw_top[] = {
	{ "count", KW_UINT, NULL, "count", NULL, NULL,
	  "N", "0, until interrupted", "refresh N times, then stop" },
	{ NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
};

static cmd_run_fn run_help, run_quit, run_monitor, run_top, run_capture;

static const struct cmd cmd_capture_stream = {
	.name = "", .request = "capture", .run = run_capture,
	.synopsis = "NAME -w FILE|- [filter EXPR] [direction rx|tx|both] [count N]",
	.help = "stream the frames of bridge NAME to memifctl as pcap, until Ctrl-C or count",
	.args = { { ARG_BRIDGE, "name", false } }, .kws = kw_stream,
	.more = "memifd writes the frames into a pipe memifctl passes it, never waiting "
		"for a slow reader: frames that do not fit in its queue (4 MiB) are dropped "
		"from the capture, never from the bridge. At the end memifctl prints on "
		"standard error \"N frames captured, M dropped by the capture (slow reader)\". "
		"FILE is written by memifctl, with your permissions. Pipe it: "
		"memifctl capture NAME -w - | tcpdump -nr - (or tshark -r -). "
		"When the bridge is deleted or rebuilt by a reload the stream ends, "
		"whole: \"capture of NAME ended: bridge deleted\" after the counts, "
		"exit status 1. show NAME lists the running streams." };

static const struct cmd cmd_capture[] = {
	{ .name = "start", .request = "capture", .fixed = "{\"action\": \"start\"}",
	  .synopsis = "NAME FILE [filter EXPR] [direction rx|tx|both] [count N]",
	  .help = "record the frames of bridge NAME in the pcap file FILE",
	  .args = { { ARG_BRIDGE, "name", false }, { ARG_FILE, "file", false } },
	  .kws = kw_capture,
	  .more = "memifd (root) writes FILE. A client other than root may only name "
		  "files under control.pcap_dir: opened beneath it with openat2, a "
		  "symbolic link leading out is refused (EPERM), the file made is the "
		  "client's (mode 0640)." },
	{ .name = "stop", .request = "capture", .fixed = "{\"action\": \"stop\"}",
	  .synopsis = "NAME", .help = "stop the capture on bridge NAME",
	  .args = { { ARG_BRIDGE, "name", false } } },
	{ .name = NULL },
};

const struct cmd cmd_table[] = {
	{ .name = "show", .request = "show", .synopsis = "[NAME]",
	  .help = "list the bridges, or show bridge NAME in detail",
	  .args = { { ARG_BRIDGE, "name", true } } },
	{ .name = "stats", .request = "stats", .synopsis = "[NAME] [reset]",
	  .help = "print the counters of every bridge or of NAME; reset zeroes them",
	  .args = { { ARG_BRIDGE, "name", true } }, .kws = kw_stats },
	{ .name = "create", .request = "create", .synopsis = "NAME KEYWORD VALUE ...",
	  .help = "add a bridge at run time (it lives until deleted or memifd stops)",
	  .args = { { ARG_NAME, "name", false } }, .kws = kw_create,
	  .more = "Keywords may come in any order and be abbreviated; those not "
		  "given take memifd's defaults. The host side is one of tap, "
		  "pcap-live or pcap-file." },
	{ .name = "delete", .request = "delete", .synopsis = "NAME",
	  .help = "remove bridge NAME",
	  .args = { { ARG_BRIDGE, "name", false } } },
	{ .name = "reload", .request = "reload",
	  .help = "reread the configuration file (as SIGHUP does) and print the changes" },
	{ .name = "capture", .synopsis = "start|stop ...",
	  .help = "record the frames of a bridge in a pcap file", .sub = cmd_capture,
	  .bare = &cmd_capture_stream },
	{ .name = "monitor", .request = "monitor", .run = run_monitor,
	  .help = "print link and bridge events as they happen, until interrupted" },
	{ .name = "top", .request = "stats", .run = run_top, .synopsis = "[NAME] [count N]",
	  .help = "per-bridge rates (frames/s, bits/s, drops/s by reason), refreshed every second",
	  .args = { { ARG_BRIDGE, "name", true } }, .kws = kw_top,
	  .more = "On a terminal the table is redrawn every second until Ctrl-C; "
		  "otherwise, and with -j, one refresh follows the other (with -j one "
		  "JSON object a line: time, interval and per bridge and direction pps, "
		  "bps, errors_ps, drops_ps and drops per reason). A counter that went "
		  "back (stats reset) counts from 0." },
	{ .name = "ping", .request = "ping",
	  .help = "check that memifd answers, print its uptime" },
	{ .name = "version", .request = "version",
	  .help = "print the versions of memifctl, memifd, libmemif and the memif protocol" },
	{ .name = "help", .run = run_help, .synopsis = "[COMMAND [SUBCOMMAND]]",
	  .help = "list the commands, or explain COMMAND and its keywords",
	  .args = { { ARG_COMMAND, "command", true }, { ARG_NAME, "sub", true } } },
	{ .name = "quit", .run = run_quit, .help = "leave the shell (or end a batch)" },
	{ .name = "exit", .run = run_quit, .help = "leave the shell (or end a batch)" },
	{ .name = NULL },
};

const struct cli_opt cli_opts[] = {
	{ "socket", 's', "SOCKET",
	  "talk to memifd on SOCKET (default: $MEMIFCTL_SOCKET, else " CLI_DEFAULT_SOCKET ")" },
	{ "json", 'j', NULL,
	  "print the daemon's JSON result (indented on a terminal, one line otherwise)" },
	{ "timeout", 't', "SECONDS",
	  "wait at most SECONDS to connect and for each reply (default 5, 0: forever)" },
	{ "file", 'f', "FILE",
	  "read commands from FILE ('-': standard input), one a line" },
	{ "force", 0, NULL, "in a batch, go on after a failed command" },
	{ "help", 'h', NULL, "print the usage and the commands" },
	{ "version", 'V', NULL, "print the version of memifctl" },
	{ "extcap-interfaces", 0, NULL,
	  "Wireshark extcap: list memifd's bridges as interfaces memifd-BRIDGE" },
	{ "extcap-interface", 0, "IFACE", "Wireshark extcap: the interface memifd-BRIDGE" },
	{ "extcap-dlts", 0, NULL, "Wireshark extcap: the link type of --extcap-interface" },
	{ "extcap-config", 0, NULL, "Wireshark extcap: the options of --extcap-interface" },
	{ "capture", 0, NULL,
	  "Wireshark extcap: capture --extcap-interface into --fifo until stopped" },
	{ "fifo", 0, "PATH", "Wireshark extcap: where --capture writes the pcap stream" },
	{ "extcap-capture-filter", 0, "EXPR",
	  "Wireshark extcap: a pcap-filter(7) expression applied by memifd" },
	{ "direction", 0, "DIR", "Wireshark extcap: rx, tx or both (default)" },
	{ "extcap-version", 0, "VER", NULL },
	{ "gen-man", 0, NULL, NULL },
	{ "gen-bash-completion", 0, NULL, NULL },
	{ "complete", 0, NULL, NULL },
	{ NULL, 0, NULL, NULL },
};

const struct cli_exit cli_exits[] = {
	{ CLI_OK, "success" },
	{ CLI_REFUSED, "memifd refused the command; its message is on standard error" },
	{ CLI_USAGE, "usage error: an unknown, ambiguous or malformed command, keyword or option" },
	{ CLI_UNREACHABLE, "memifd cannot be reached or refuses the connection: no socket, permission denied, "
			   "connection lost or no answer in time" },
	{ 0, NULL },
};

static int cli_connect(const struct cli *cli, struct ctl *c)
{
	int ret = ctl_open(c, cli->socket, cli->timeout_ms);
	const char *hint = ctl_hint(ret, cli->socket);

	if (!ret)
		return CLI_OK;
	util_err("cannot reach memifd at %s: %s%s%s", cli->socket, ctl_strerror(ret),
		 hint ? "; " : "", hint ? hint : "");
	return CLI_UNREACHABLE;
}

static void cli_out(const struct cli *cli, struct out *o)
{
	o->fp = stdout;
	o->json = cli->json;
	o->pretty = cli->pretty;
	o->now = time(NULL);
}

/* Prints the result of a successful REPLY (unless QUIET), or the daemon's
 * error. */
static int cli_reply(const struct cli *cli, const struct cmd *cmd, const json_t *args,
		     const json_t *reply, bool quiet)
{
	const json_t *err = json_object_get(reply, "error");
	const char *code = json_string_value(json_object_get(err, "code"));
	const char *msg = json_string_value(json_object_get(err, "message"));
	struct out o;

	if (json_is_true(json_object_get(reply, "ok"))) {
		if (quiet)
			return CLI_OK;
		cli_out(cli, &o);
		out_reply(&o, cmd->request, args, json_object_get(reply, "result"));
		fflush(stdout);
		return CLI_OK;
	}
	if (!code && !msg) {
		util_err("memifd sent a malformed reply");
		return CLI_UNREACHABLE;
	}
	util_err("%s", msg && *msg ? msg : code);
	return CLI_REFUSED;
}

/* memifd refused the connection itself (not in the control group, too
 * many clients): it cannot be used, as if it could not be reached. */
static int cli_refused(const struct cli *cli, const json_t *reply)
{
	const json_t *err = json_object_get(reply, "error");
	const char *code = json_string_value(json_object_get(err, "code"));
	const char *msg = json_string_value(json_object_get(err, "message"));

	util_err("memifd at %s refused the connection: %s%s%s", cli->socket,
		 msg ? msg : code ? code : "no reason given",
		 code && !strcmp(code, "EPERM") ? "; " : "",
		 code && !strcmp(code, "EPERM") ? ctl_hint(-EPERM, cli->socket) : "");
	return CLI_UNREACHABLE;
}

/* Connects, sends the request of CMD, prints the reply (unless QUIET) and
 * leaves the connection open in C on success. */
static int cli_request(const struct cli *cli, const struct cmd *cmd, json_t *args,
		       struct ctl *c, bool quiet)
{
	json_t *reply = NULL;
	int ret = cli_connect(cli, c);

	if (ret)
		return ret;
	ret = ctl_call(c, cmd->request, args, &reply);
	if (ret) {
		util_err("lost memifd at %s: %s", cli->socket, ctl_strerror(ret));
		ctl_close(c);
		return CLI_UNREACHABLE;
	}
	if (json_is_null(json_object_get(reply, "id")))
		ret = cli_refused(cli, reply);
	else
		ret = cli_reply(cli, cmd, args, reply, quiet);
	json_decref(reply);
	if (ret)
		ctl_close(c);
	return ret;
}

static int run_request(struct cli *cli, const struct cmd *cmd, json_t *args)
{
	struct ctl c;
	int ret = cli_request(cli, cmd, args, &c, false);

	if (!ret)
		ctl_close(&c);
	return ret;
}

static volatile sig_atomic_t got_sigint;

static void on_sigint(int sig)
{
	(void)sig;
	got_sigint = 1;
}

static int run_monitor(struct cli *cli, const struct cmd *cmd, json_t *args)
{
	struct sigaction sa = { .sa_handler = on_sigint }, old;
	struct ctl c;
	struct out o;
	json_t *ev;
	int ret;

	got_sigint = 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old);	/* no SA_RESTART: poll returns EINTR */
	ret = cli_request(cli, cmd, args, &c, true);
	cli_out(cli, &o);
	if (!ret && !cli->json && isatty(STDOUT_FILENO))
		fprintf(stderr, "monitoring memifd events (^C to stop)\n");
	while (!ret && !got_sigint) {
		int r = ctl_recv(&c, -1, &ev);

		if (r == -EINTR)
			continue;
		if (r == -EPROTO)	/* one bad line does not end monitoring */
			continue;
		if (r) {
			util_err("lost memifd at %s: %s", cli->socket, ctl_strerror(r));
			ret = CLI_UNREACHABLE;
			break;
		}
		out_event(&o, ev);
		json_decref(ev);
		fflush(stdout);
	}
	if (!ret)
		ctl_close(&c);
	if (got_sigint && isatty(STDOUT_FILENO))
		fputc('\n', stdout);	/* the next prompt after "^C" */
	sigaction(SIGINT, &old, NULL);
	return ret;
}

static int run_top(struct cli *cli, const struct cmd *cmd, json_t *args)
{
	unsigned long count = (unsigned long)json_integer_value(json_object_get(args, "count"));
	json_t *stats = json_object(), *name = json_object_get(args, "name"), *err = NULL;
	struct ctl c;
	int ret, r;

	(void)cmd;
	if (name)
		json_object_set(stats, "name", name);
	ret = cli_connect(cli, &c);
	if (!ret) {
		r = top_run(&c, stats, count, cli->json, &err);
		if (r == -EINVAL) {
			const char *msg = json_string_value(json_object_get(err, "message"));

			util_err("%s", msg ? msg : "memifd refused stats");
			ret = CLI_REFUSED;
		} else if (r) {
			util_err("lost memifd at %s: %s", cli->socket, ctl_strerror(r));
			ret = CLI_UNREACHABLE;
		}
		ctl_close(&c);
	}
	json_decref(err);
	json_decref(stats);
	return ret;
}

static int run_capture(struct cli *cli, const struct cmd *cmd, json_t *args)
{
	const char *file = json_string_value(json_object_get(args, "write"));
	const char *name = json_string_value(json_object_get(args, "name"));
	struct ctl c;
	int out = STDOUT_FILENO, ret;

	(void)cmd;
	if (!file) {
		util_err("capture %s: -w FILE|- is required", name);
		return CLI_USAGE;
	}
	if (!strcmp(file, "-") && isatty(STDOUT_FILENO)) {
		util_err("not writing pcap to a terminal: pipe it (| tcpdump -nr -) or use -w FILE");
		return CLI_USAGE;
	}
	if (strcmp(file, "-")) {
		out = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (out < 0) {
			util_err("cannot write %s: %s", file, strerror(errno));
			return CLI_REFUSED;
		}
	}
	json_object_del(args, "write");
	ret = cli_connect(cli, &c);
	if (!ret) {
		ret = capture_run(cli, &c, name, args, out, false);
		ctl_close(&c);
	}
	if (out != STDOUT_FILENO && close(out) < 0 && !ret) {
		util_err("%s: %s", file, strerror(errno));
		ret = CLI_REFUSED;
	}
	return ret;
}

static int run_help(struct cli *cli, const struct cmd *cmd, json_t *args)
{
	char *argv[2] = { (char *)json_string_value(json_object_get(args, "command")),
			  (char *)json_string_value(json_object_get(args, "sub")) };

	(void)cli;
	(void)cmd;
	return help_command(stdout, argv[1] ? 2 : argv[0] ? 1 : 0, argv);
}

static int run_quit(struct cli *cli, const struct cmd *cmd, json_t *args)
{
	(void)cmd;
	(void)args;
	cli->quit = true;
	return CLI_OK;
}

int cmd_exec(struct cli *cli, int argc, char **argv)
{
	const struct cmd *cmd;
	json_t *args = NULL;
	int ret = cmd_parse(argc, argv, &cmd, &args);

	if (ret)
		return ret;
	ret = cmd->run ? cmd->run(cli, cmd, args) : run_request(cli, cmd, args);
	json_decref(args);
	return ret;
}
