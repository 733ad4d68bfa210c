/* help.c - the command table as documentation: --help, "help COMMAND", the
 * man page memifctl(8) and the bash completion script. */
#include "cmds.h"

#include <ctype.h>
#include <string.h>

#ifndef MEMIFD_VERSION
#define MEMIFD_VERSION "0.0.0"
#endif

static const char summary[] =
	"memifctl talks to memifd, the daemon that bridges memif interfaces (VPP, DPDK) "
	"to host TAP devices, over its JSON management socket. It runs one command "
	"given on its command line; with none, it starts an interactive shell when "
	"standard input is a terminal, and otherwise reads commands one a line (batch). "
	"Commands and keywords may be abbreviated to any unique prefix.";

static const char shell_text[] =
	"On a terminal and without a command, memifctl prompts for commands: line "
	"editing, history kept in ~/.memifctl_history, TAB completion of commands, "
	"keywords, values and the names of the daemon's bridges. A failed command "
	"prints its error and the shell goes on; quit, exit or Ctrl-D leaves, Ctrl-C "
	"ends monitor. With -f FILE (or -f - for standard input), or when standard "
	"input is not a terminal, commands are read one a line; blank lines and lines "
	"starting with # are skipped, words may be quoted with ' or \". The batch stops "
	"at the first failed command, with its exit status, unless --force is given "
	"(then every line runs and the status is that of the first failure).";

static const char *const sections[][2] = {
	{ "memif", "memif side" },
	{ "host", "host side" },
};

static void opt_name(FILE *fp, const struct cli_opt *o)
{
	if (o->shrt)
		fprintf(fp, "-%c, ", o->shrt);
	fprintf(fp, "--%s%s%s", o->lng, o->arg ? " " : "", o->arg ? o->arg : "");
}

/* "capture start", "capture" (a bare form), "show". */
static void full_name(char *buf, size_t len, const struct cmd *parent,
		      const struct cmd *c)
{
	snprintf(buf, len, "%s%s%s", parent ? parent->name : "",
		 parent && c->name[0] ? " " : "", c->name);
}

static void help_line(FILE *fp, const struct cmd *parent, const struct cmd *s)
{
	char name[64], head[96];

	full_name(name, sizeof(name), parent, s);
	snprintf(head, sizeof(head), "%s%s%s", name, s->synopsis ? " " : "",
		 s->synopsis ? s->synopsis : "");
	if (strlen(head) > 30)
		fprintf(fp, "  %s\n  %-30s %s\n", head, "", s->help);
	else
		fprintf(fp, "  %-30s %s\n", head, s->help);
}

static void help_list(FILE *fp)
{
	fprintf(fp, "Commands:\n");
	for (const struct cmd *c = cmd_table; c->name; c++) {
		if (!c->sub)
			help_line(fp, NULL, c);
		if (c->bare)
			help_line(fp, c, c->bare);
		for (const struct cmd *s = c->sub; s && s->name; s++)
			help_line(fp, c, s);
	}
}

void help_usage(FILE *fp)
{
	fprintf(fp, "usage: memifctl [-s SOCKET] [-j] [-t SECONDS] [-f FILE|-] [--force] "
		    "[COMMAND [ARGS...]]\n\nOptions:\n");
	for (const struct cli_opt *o = cli_opts; o->lng; o++) {
		char head[64];
		FILE *mem;

		if (!o->help)
			continue;
		mem = fmemopen(head, sizeof(head), "w");
		if (!mem)
			continue;
		opt_name(mem, o);
		fclose(mem);
		fprintf(fp, "  %-22s %s\n", head, o->help);
	}
	fputc('\n', fp);
	help_list(fp);
	fprintf(fp, "\n\"memifctl help COMMAND\" explains a command and its keywords.\n"
		    "Without a command: a shell on a terminal, else a batch from standard input.\n"
		    "\nExit status:\n");
	for (const struct cli_exit *e = cli_exits; e->meaning; e++)
		fprintf(fp, "  %d  %s\n", e->code, e->meaning);
}

static void help_kws(FILE *fp, const struct kw *kws)
{
	const char *section = NULL;

	fprintf(fp, "Keywords (default in brackets):\n");
	for (const struct kw *k = kws; k->name; k++) {
		char head[64];

		if (k->section && (!section || strcmp(section, k->section))) {
			section = k->section;
			for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
				if (!strcmp(sections[i][0], section))
					fprintf(fp, " %s:\n", sections[i][1]);
		}
		snprintf(head, sizeof(head), "%s%s%s", k->name, k->metavar ? " " : "",
			 k->metavar ? k->metavar : "");
		fprintf(fp, "  %-24s %s [%s]\n", head, k->help, k->def ? k->def : "-");
		if (k->type == KW_CHOICE)
			fprintf(fp, "  %-24s %s: %s\n", "", k->metavar, k->choices);
	}
}

/* TEXT in lines of at most WIDTH columns, each indented by INDENT. */
static void help_wrap(FILE *fp, const char *text, int indent, int width)
{
	int col = 0;

	while (*text) {
		int n = (int)strcspn(text, " ");

		if (col && col + 1 + n > width) {
			fputc('\n', fp);
			col = 0;
		}
		col += col ? fprintf(fp, " %.*s", n, text) : fprintf(fp, "%*s%.*s", indent, "", n, text);
		text += n;
		text += strspn(text, " ");
	}
	if (col)
		fputc('\n', fp);
}

static void help_one(FILE *fp, const struct cmd *parent, const struct cmd *c)
{
	char name[64];

	full_name(name, sizeof(name), parent, c);
	fprintf(fp, "usage: %s%s%s\n  %s\n", name, c->synopsis ? " " : "",
		c->synopsis ? c->synopsis : "", c->help);
	if (c->more)
		help_wrap(fp, c->more, 2, 78);
	if (c->kws)
		help_kws(fp, c->kws);
}

/* Lets the parser report the unknown or ambiguous word of ARGV. */
static int help_report(int argc, char **argv)
{
	const struct cmd *cmd;
	json_t *args;

	cmd_parse(argc, argv, &cmd, &args);
	json_decref(args);
	return CLI_USAGE;
}

int help_command(FILE *fp, int argc, char **argv)
{
	const struct cmd *c;
	int i;

	if (argc == 0) {
		help_list(fp);
		fprintf(fp, "\"help COMMAND\" explains a command and its keywords.\n"
			    "memifctl is also a Wireshark extcap (--extcap-interfaces, "
			    "--capture ...: see memifctl --help).\n");
		return CLI_OK;
	}
	i = cmd_match(argv[0], cmd_table, sizeof(cmd_table[0]));
	if (i < 0)
		return help_report(1, argv);
	c = &cmd_table[i];
	if (!c->sub) {
		help_one(fp, NULL, c);
		return CLI_OK;
	}
	if (argc > 1) {
		i = cmd_match(argv[1], c->sub, sizeof(c->sub[0]));
		if (i < 0)
			return help_report(2, argv);
		help_one(fp, c, &c->sub[i]);
		return CLI_OK;
	}
	if (c->bare)
		help_one(fp, c, c->bare);
	for (const struct cmd *s = c->sub; s->name; s++)
		help_one(fp, c, s);
	return CLI_OK;
}

/* ---- man page ------------------------------------------------------------- */

/* Writes S escaped for roff: backslashes, dashes, a leading dot. */
static void man_text(FILE *fp, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", fp);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", fp);
		else if (*s == '-')
			fputs("\\-", fp);
		else
			fputc(*s, fp);
	}
}

/* A synopsis: UPPERCASE words in italics, lowercase words in bold. */
static void man_syn(FILE *fp, const char *s)
{
	while (*s) {
		size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-0123456789");
		char word[64];

		if (!n) {
			char c[2] = { *s++, 0 };

			man_text(fp, c);
			continue;
		}
		snprintf(word, sizeof(word), "%.*s", (int)n, s);
		fputs(isupper((unsigned char)word[0]) ? "\\fI" : "\\fB", fp);
		man_text(fp, word);
		fputs("\\fR", fp);
		s += n;
	}
}

static void man_cmd(FILE *fp, const struct cmd *parent, const struct cmd *c)
{
	char name[64];

	full_name(name, sizeof(name), parent, c);
	fputs(".TP\n", fp);
	man_syn(fp, name);
	if (c->synopsis) {
		fputc(' ', fp);
		man_syn(fp, c->synopsis);
	}
	fputc('\n', fp);
	man_text(fp, c->help);
	fputs(".\n", fp);
	if (c->more) {
		fputs("\n", fp);
		man_text(fp, c->more);
		fputc('\n', fp);
	}
	for (const struct kw *k = c->kws; k && k->name; k++) {
		fputs(".RS\n.TP\n", fp);
		man_syn(fp, k->name);
		if (k->metavar) {
			fputc(' ', fp);
			man_syn(fp, k->metavar);
		}
		fputc('\n', fp);
		man_text(fp, k->help);
		if (k->type == KW_CHOICE) {
			fputs(": ", fp);
			man_syn(fp, k->choices);
		}
		fputs(" (default: ", fp);
		man_text(fp, k->def ? k->def : "none");
		fputs(").\n.RE\n", fp);
	}
}

static void man_options(FILE *fp)
{
	fputs(".SH OPTIONS\n", fp);
	for (const struct cli_opt *o = cli_opts; o->lng; o++) {
		if (!o->help)
			continue;
		fputs(".TP\n", fp);
		if (o->shrt)
			fprintf(fp, "\\fB\\-%c\\fR, ", o->shrt);
		fputs("\\fB\\-\\-", fp);
		man_text(fp, o->lng);
		fputs("\\fR", fp);
		if (o->arg)
			fprintf(fp, " \\fI%s\\fR", o->arg);
		fputc('\n', fp);
		man_text(fp, o->help);
		fputs(".\n", fp);
	}
}

static void man_tail(FILE *fp)
{
	fputs(".SH INTERACTIVE SHELL AND BATCH\n", fp);
	man_text(fp, shell_text);
	fputs("\n.SH OUTPUT\nText modelled on \\fBip\\fR(8) and VPP's \\fBshow memif\\fR; "
	      "with \\fB\\-j\\fR the daemon's JSON result, indented on a terminal and one "
	      "line otherwise; \\fBmonitor\\fR prints one event a line.\n"
	      ".PP\nFor a \\fBpcap\\-file\\fR bridge, \\fBshow\\fR\\ \\fINAME\\fR says what "
	      "the replay did, e.g. \\fBreplay: finished, 149 sent, 51 dropped (oversize), "
	      "1 passes done\\fR: \\fBsent\\fR counts the frames handed to memif (with "
	      "\\fB(N truncated)\\fR those captured shorter than they were, sent as "
	      "captured), \\fBdropped (oversize)\\fR those larger than the memif ring "
	      "carries or than an explicit \\fBmtu\\fR; \\fBrecord:\\fR gives the frames "
	      "and bytes written, and how many were cut to 262144 bytes.\n"
	      ".PP\nWith several queues, \\fBshow\\fR\\ \\fINAME\\fR adds \\fBqueue packets: rx "
	      "7 5, tx 4 6\\fR, the frames on each queue memifd serves since the link came "
	      "up, and \\fBqueues: rx 2, tx 2, serving rx 1, tx 1\\fR when the peer brought "
	      "more queues than memifd is configured to serve.  When memifd runs worker "
	      "threads (\\fBworkers\\fR in \\fBmemifd.conf\\fR(5)), \\fBqueue workers: rx 1 2, "
	      "tx 1 2\\fR says which worker serves each of those queues.\n"
	      ".PP\nWhile a link is down, \\fBshow\\fR\\ \\fINAME\\fR says why in "
	      "\\fBwhy down:\\fR and what to do about it in \\fBwhat to do:\\fR: nobody "
	      "listens on the socket (no file, or a stale one), its directory is "
	      "missing, the peer listens on an abstract socket where memifd expects a "
	      "file or the reverse, permission denied on the socket file, the peer "
	      "refused (secret, id, mode), the namespace is missing, a master waits "
	      "for its slave or lost its socket file, or the host device is gone "
	      "(JSON: \\fBstate.diagnosis\\fR).\n"
	      ".SH LIVE CAPTURE AND WIRESHARK\n"
	      "\\fBcapture\\fR\\ \\fINAME\\fR\\ \\fB\\-w\\fR\\ \\fB\\-\\fR streams the frames of a "
	      "bridge as pcap while they flow: \\fBmemifctl capture vpp0 \\-w \\- | tcpdump "
	      "\\-nr \\-\\fR. memifd writes into a pipe memifctl passes it and never waits: "
	      "what does not fit in its 4 MiB queue is dropped from the capture (counted "
	      "and reported at the end), never from the bridge. When the bridge is "
	      "deleted or rebuilt by a reload, the stream ends whole with \\fBcapture of "
	      "\\fINAME\\fB ended: bridge deleted\\fR (or \\fBbridge rebuilt by "
	      "reload\\fR) after the counts, and exit status 1. \\fBshow\\fR\\ \\fINAME\\fR "
	      "lists the running streams (\\fBstream:\\fR and \\fBstreamed:\\fR lines, with the "
	      "client's pid and uid, direction, filter, frames, frames dropped from "
	      "the queue).\n"
	      ".PP\n\\fBcapture start\\fR writes the file on memifd's side: a client other "
	      "than root may only name files under \\fBcontrol.pcap_dir\\fR, opened "
	      "beneath it with openat2(2) (a symbolic link leading out is refused with "
	      "EPERM when the file is opened) and made its own (mode 0640).\n"
	      ".PP\nmemifctl is also a Wireshark extcap: \\fBmake install\\fR puts a script "
	      "\\fBmemifd\\fR that runs memifctl into Wireshark's extcap folder, and Wireshark "
	      "or \\fBtshark \\-D\\fR list the bridges as \\fBmemifd\\-\\fR\\fIBRIDGE\\fR "
	      "(\\fBtshark \\-i memifd\\-vpp0 \\-c 100 \\-w vpp0.pcapng\\fR); the "
	      "\\fB\\-\\-extcap\\-\\fR* options, \\fB\\-\\-capture\\fR, \\fB\\-\\-fifo\\fR "
	      "and \\fB\\-\\-direction\\fR are for Wireshark.\n"
	      ".SH EXIT STATUS\n", fp);
	for (const struct cli_exit *e = cli_exits; e->meaning; e++) {
		fprintf(fp, ".TP\n.B %d\n", e->code);
		man_text(fp, e->meaning);
		fputs(".\n", fp);
	}
	fputs(".SH ENVIRONMENT\n.TP\n.B MEMIFCTL_SOCKET\nThe management socket when "
	      "\\fB\\-s\\fR is not given (default \\fI" CLI_DEFAULT_SOCKET "\\fR).\n"
	      ".TP\n.B HOME\nWhere the shell keeps its history.\n"
	      ".SH FILES\n.TP\n.I ~/.memifctl_history\nHistory of the interactive shell.\n"
	      ".SH EXAMPLES\n.nf\n"
	      "memifctl show\n"
	      "memifctl create vpp1 role slave socket /run/vpp/memif.sock id 1 tap memif1 mtu 9000\n"
	      "memifctl \\-j stats vpp1 | jq .bridges[0].counters.to_host.packets\n"
	      "memifctl sh vpp1\n"
	      ".fi\n.SH SEE ALSO\n\\fBmemifd\\fR(8), \\fBip\\fR(8)\n", fp);
}

void help_gen_man(FILE *fp)
{
	fprintf(fp, ".\\\" Generated by memifctl --gen-man from cli/cmds.c; do not edit.\n"
		    ".TH MEMIFCTL 8 \"\" \"memifd %s\" \"System Administration\"\n"
		    ".SH NAME\nmemifctl \\- control memifd, the memif bridging daemon\n"
		    ".SH SYNOPSIS\n.B memifctl\n", MEMIFD_VERSION);
	for (const struct cli_opt *o = cli_opts; o->lng; o++) {
		if (!o->help || !o->shrt)
			continue;
		fprintf(fp, "[\\fB\\-%c\\fR%s%s%s]\n", o->shrt, o->arg ? " \\fI" : "",
			o->arg ? o->arg : "", o->arg ? "\\fR" : "");
	}
	fputs("[\\fB\\-\\-force\\fR]\n[\\fICOMMAND\\fR [\\fIARGS\\fR...]]\n.SH DESCRIPTION\n", fp);
	man_text(fp, summary);
	fputc('\n', fp);
	man_options(fp);
	fputs(".SH COMMANDS\n", fp);
	for (const struct cmd *c = cmd_table; c->name; c++) {
		if (!c->sub)
			man_cmd(fp, NULL, c);
		if (c->bare)
			man_cmd(fp, c, c->bare);
		for (const struct cmd *s = c->sub; s && s->name; s++)
			man_cmd(fp, c, s);
	}
	man_tail(fp);
}

/* ---- bash completion ------------------------------------------------------ */

/* "-s|--socket|-t|--timeout|..." for the options that take a value. */
static void bash_argopts(FILE *fp, const char *indent)
{
	const char *sep = "";

	fputs(indent, fp);
	for (const struct cli_opt *o = cli_opts; o->lng; o++) {
		if (!o->help || !o->arg)
			continue;
		if (o->shrt)
			fprintf(fp, "%s-%c", sep, o->shrt), sep = "|";
		fprintf(fp, "%s--%s", sep, o->lng);
		sep = "|";
	}
}

void help_gen_bash(FILE *fp)
{
	fputs("# bash completion for memifctl(8).\n"
	      "# Generated by memifctl --gen-bash-completion from cli/cmds.c; do not edit.\n"
	      "# Options come from the table; the rest is asked from memifctl --complete,\n"
	      "# which knows the commands, keywords, values and memifd's live bridges.\n"
	      "_memifctl()\n{\n"
	      "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	      "    local i words=() sock=() cands\n"
	      "    case $prev in\n", fp);
	bash_argopts(fp, "    ");
	fputs(")\n"
	      "        [[ $prev == -t || $prev == --timeout ]] || COMPREPLY=($(compgen -f -- \"$cur\"))\n"
	      "        return ;;\n    esac\n"
	      "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
	      "        case ${COMP_WORDS[i]} in\n", fp);
	bash_argopts(fp, "        ");
	fputs(")\n"
	      "            [[ ${COMP_WORDS[i]} == -s || ${COMP_WORDS[i]} == --socket ]] &&\n"
	      "                sock=(-s \"${COMP_WORDS[i+1]}\")\n"
	      "            ((i++)) ;;\n"
	      "        -*) [[ ${#words[@]} -eq 0 ]] || words+=(\"${COMP_WORDS[i]}\") ;;\n"
	      "        *) words+=(\"${COMP_WORDS[i]}\") ;;\n"
	      "        esac\n    done\n"
	      "    if [[ ${#words[@]} -eq 0 && $cur == -* ]]; then\n"
	      "        COMPREPLY=($(compgen -W \"", fp);
	for (const struct cli_opt *o = cli_opts; o->lng; o++) {
		if (!o->help)
			continue;
		if (o->shrt)
			fprintf(fp, "-%c ", o->shrt);
		fprintf(fp, "--%s%s", o->lng, o[1].lng && o[1].help ? " " : "");
	}
	fputs("\" -- \"$cur\"))\n        return\n    fi\n"
	      "    cands=$(\"${COMP_WORDS[0]}\" \"${sock[@]}\" --complete -- \"${words[@]}\" \"$cur\" 2>/dev/null)\n"
	      "    COMPREPLY=($(compgen -W \"${cands//@file/}\" -- \"$cur\"))\n"
	      "    [[ $cands == *@file* ]] && COMPREPLY+=($(compgen -f -- \"$cur\"))\n"
	      "    return 0\n}\n"
	      "complete -F _memifctl memifctl\n", fp);
}
