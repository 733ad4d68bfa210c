/* complete.c - what may come next on a command line: commands, keywords,
 * values and live bridge names.  Serves the shell's TAB and bash. */
#include "cmds.h"

#include <string.h>

#include "ctl.h"

static void add(struct strv *out, const char *word, const char *cand)
{
	if (!strncmp(cand, word, strlen(word)))
		strv_push(out, cand);
}

static void add_cmds(const struct cmd *tab, const char *word, struct strv *out)
{
	for (size_t i = 0; tab[i].name; i++)
		add(out, word, tab[i].name);
}

static void add_choices(const char *choices, const char *word, struct strv *out)
{
	const char *v[16];
	char buf[256];

	cmd_choices(choices, buf, sizeof(buf), v, 16);
	for (size_t i = 0; v[i]; i++)
		add(out, word, v[i]);
}

/* Asks the daemon for its bridges; silent when it cannot be reached. */
static void add_bridges(const struct cli *cli, const char *word, struct strv *out)
{
	int tmo = cli->timeout_ms < 0 || cli->timeout_ms > 1000 ? 1000 : cli->timeout_ms;
	json_t *reply = NULL, *b;
	struct ctl c;
	size_t i;

	if (ctl_open(&c, cli->socket, tmo))
		return;
	if (!ctl_call(&c, "show", NULL, &reply) && json_is_true(json_object_get(reply, "ok"))) {
		json_array_foreach(json_object_get(json_object_get(reply, "result"), "bridges"), i, b) {
			const char *name = json_string_value(json_object_get(b, "name"));

			if (name)
				add(out, word, name);
		}
	}
	json_decref(reply);
	ctl_close(&c);
}

static void add_arg(const struct cli *cli, enum arg_kind kind, const char *word,
		    struct strv *out)
{
	switch (kind) {
	case ARG_BRIDGE:
		add_bridges(cli, word, out);
		break;
	case ARG_COMMAND:
		add_cmds(cmd_table, word, out);
		break;
	case ARG_FILE:
		strv_push(out, "@file");
		break;
	default:
		break;
	}
}

static const struct kw *kw_exact(const struct kw *kws, const char *word)
{
	int i = kws ? cmd_match(word, kws, sizeof(*kws)) : -1;

	return i >= 0 ? &kws[i] : NULL;
}

/* Keyword phase: pairs in ARGV, then WORD is a keyword or a value. */
static void complete_kws(const struct kw *kws, int argc, char **argv,
			 const char *word, struct strv *out)
{
	const struct kw *k = NULL;

	for (int i = 0; i < argc; i++) {
		k = kw_exact(kws, argv[i]);
		if (k && k->type != KW_FLAG && ++i == argc)
			break;
		k = NULL;
	}
	if (k && (k->type == KW_CHOICE || k->type == KW_BOOL))
		add_choices(k->type == KW_BOOL ? "yes|no" : k->choices, word, out);
	else if (k && k->type == KW_FILE)
		strv_push(out, "@file");
	else if (!k)
		for (size_t i = 0; kws && kws[i].name; i++)
			add(out, word, kws[i].name);
}

static bool is_keyword(const struct kw *kws, const char *word)
{
	for (size_t i = 0; kws && kws[i].name; i++)
		if (!strcmp(kws[i].name, word))
			return true;
	return false;
}

void cmd_complete(const struct cli *cli, int argc, char **argv,
		  const char *word, struct strv *out)
{
	const struct cmd *cmd;
	int i, n = 0;

	if (argc == 0) {
		add_cmds(cmd_table, word, out);
		return;
	}
	i = cmd_match(argv[0], cmd_table, sizeof(cmd_table[0]));
	if (i < 0)
		return;
	cmd = &cmd_table[i];
	argc--, argv++;
	if (cmd->bare && argc >= 2 && !strcmp(argv[1], cmd->bare->kws[0].name)) {
		cmd = cmd->bare;
	} else if (cmd->sub) {
		if (argc == 0) {
			add_cmds(cmd->sub, word, out);
			if (cmd->bare)
				add_arg(cli, cmd->bare->args[0].kind, word, out);
			return;
		}
		i = cmd_match(argv[0], cmd->sub, sizeof(cmd->sub[0]));
		if (i < 0 && cmd->bare && argc == 1)
			add(out, word, cmd->bare->kws[0].name);
		if (i < 0)
			return;
		cmd = &cmd->sub[i];
		argc--, argv++;
	}
	for (const struct cmd_arg *a = cmd->args; a->kind != ARG_NONE; a++) {
		if (n < argc) {
			if (!a->optional || !is_keyword(cmd->kws, argv[n]))
				n++;
			continue;
		}
		add_arg(cli, a->kind, word, out);
		if (!a->optional)
			return;
	}
	complete_kws(cmd->kws, argc - n, argv + n, word, out);
}
