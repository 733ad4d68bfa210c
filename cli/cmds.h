/* cmds.h - memifctl's tables: commands, their arguments and keywords,
 * options and exit codes.  One table drives dispatch (parse.c, cmds.c),
 * help, the man page and bash completion (help.c) and TAB completion
 * (complete.c). */
#ifndef MEMIFCTL_CMDS_H
#define MEMIFCTL_CMDS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "util.h"

/* What a positional word is: how it completes and how help names it. */
enum arg_kind {
	ARG_NONE,
	ARG_BRIDGE,	/* an existing bridge (completed from the daemon) */
	ARG_NAME,	/* a new name */
	ARG_FILE,	/* a file path */
	ARG_COMMAND,	/* a memifctl command */
};

struct cmd_arg {
	enum arg_kind kind;
	const char *key;	/* JSON key in the request's args; NULL: none */
	bool optional;		/* skipped when the word is a keyword */
};

enum kw_type {
	KW_STR,
	KW_UINT,
	KW_BOOL,	/* yes|no -> true|false */
	KW_CHOICE,	/* one of kw.choices, sent as spelled there */
	KW_FLAG,	/* takes no value: true, or only kw.set */
	KW_FILE,
	KW_MAC,
};

/* A keyword of create or capture: "KEYWORD VALUE" sets args.SECTION.KEY. */
struct kw {
	const char *name;	/* what the user types */
	enum kw_type type;
	const char *section;	/* sub-object of args ("memif", "host"); NULL: top */
	const char *key;	/* JSON key; NULL: only `set` */
	const char *choices;	/* KW_CHOICE: "a|b|c" */
	const char *set;	/* also set "key=value" in the section */
	const char *metavar;	/* how help names the value */
	const char *def;	/* the default help shows */
	const char *help;
};

struct cli;
struct cmd;
typedef int cmd_run_fn(struct cli *cli, const struct cmd *cmd, json_t *args);

struct cmd {
	const char *name;
	const char *request;	/* the protocol command; NULL: local only */
	cmd_run_fn *run;	/* NULL: send request, print the reply */
	const char *synopsis;	/* the words after the name, for help */
	const char *help;	/* one line */
	const char *fixed;	/* JSON object merged into args */
	struct cmd_arg args[3];	/* positional words, ARG_NONE ends */
	const struct kw *kws;	/* keyword-value pairs after them */
	const struct cmd *sub;	/* sub-commands ("capture start") */
	/* with sub: the form without a sub-command ("capture NAME -w FILE"),
	 * taken when the word after its first argument is its first keyword;
	 * its name is "" */
	const struct cmd *bare;
	const char *more;	/* a paragraph for "help COMMAND" and the man page */
};

/* A command-line option of memifctl. */
struct cli_opt {
	const char *lng;
	char shrt;		/* 0: long only */
	const char *arg;	/* metavar, NULL: no argument */
	const char *help;	/* NULL: hidden */
};

struct cli_exit {
	int code;
	const char *meaning;
};

/* Tables end with an entry whose name (lng, meaning) is NULL. */
extern const struct cmd cmd_table[];
extern const struct kw kw_create[];
extern const struct cli_opt cli_opts[];
extern const struct cli_exit cli_exits[];

/* The state of one memifctl run, shared by every command it executes. */
struct cli {
	const char *socket;
	int timeout_ms;		/* -1: none */
	bool json, pretty;	/* -j; indented (stdout is a terminal) */
	bool quit;		/* set by quit/exit */
};

#define CLI_DEFAULT_SOCKET "/run/memifd/memifd.sock"

/* parse.c: resolves ARGV (ARGC >= 1) to a command and its request args
 * (*args owned by the caller, NULL for none).  Prints what is wrong and
 * returns CLI_USAGE, or CLI_OK. */
int cmd_parse(int argc, char **argv, const struct cmd **cmd, json_t **args);

/* parse.c: the index of the entry of TAB (entries STRIDE bytes apart, a
 * `const char *name` first, NULL-name terminated) that WORD names: an exact
 * name, else the only name it is a prefix of.  -1: none, -2: ambiguous. */
int cmd_match(const char *word, const void *tab, size_t stride);

/* parse.c: splits "a|b|c" into at most MAX words in BUF (owned by caller). */
size_t cmd_choices(const char *choices, char *buf, size_t bufsz,
		   const char **v, size_t max);

/* cmds.c: parses and runs ARGV, returns the exit status. */
int cmd_exec(struct cli *cli, int argc, char **argv);

/* complete.c: candidates for WORD after the ARGC words ARGV, appended to OUT;
 * bridge names are asked from the daemon of CLI (quietly).  A file argument
 * adds the single candidate "@file". */
void cmd_complete(const struct cli *cli, int argc, char **argv,
		  const char *word, struct strv *out);

/* help.c */
void help_usage(FILE *fp);
int help_command(FILE *fp, int argc, char **argv);	/* CLI_OK or CLI_USAGE */
void help_gen_man(FILE *fp);
void help_gen_bash(FILE *fp);

#endif
