/* parse.c - words to a command and its request arguments: unique-prefix
 * matching over the tables of cmds.c, keyword-value pairs to JSON. */
#include "cmds.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NAME_AT(tab, stride, i) (*(const char *const *)((const char *)(tab) + (i) * (stride)))

/* Index of the name WORD abbreviates, -1 if none, -2 if ambiguous.  An
 * exact name wins; among several names, one that all the others extend
 * wins too ("so" is socket, not socket_mode), as a family's root. */
int cmd_match(const char *word, const void *tab, size_t stride)
{
	size_t len = strlen(word);
	int found = -1, root = -1;

	for (size_t i = 0; NAME_AT(tab, stride, i); i++) {
		const char *name = NAME_AT(tab, stride, i);

		if (!strcmp(name, word))
			return (int)i;
		if (!len || strncmp(name, word, len))
			continue;
		found = found == -1 ? (int)i : -2;
		if (root == -1 || strlen(name) < strlen(NAME_AT(tab, stride, root)))
			root = (int)i;
	}
	if (found != -2)
		return found;
	for (size_t i = 0; NAME_AT(tab, stride, i); i++) {
		const char *name = NAME_AT(tab, stride, i), *r = NAME_AT(tab, stride, root);

		if (!strncmp(name, word, len) && strncmp(name, r, strlen(r)))
			return -2;
	}
	return root;
}

size_t cmd_choices(const char *choices, char *buf, size_t bufsz,
		   const char **v, size_t max)
{
	size_t n = 0;
	char *save = NULL;

	snprintf(buf, bufsz, "%s", choices ? choices : "");
	for (char *t = strtok_r(buf, "|", &save); t && n + 1 < max;
	     t = strtok_r(NULL, "|", &save))
		v[n++] = t;
	v[n] = NULL;
	return n;
}

/* Reports a failed cmd_match() of WORD (a WHAT) with the valid names. */
static void match_report(const char *what, const char *word, int rc,
			 const void *tab, size_t stride)
{
	size_t len = strlen(word), off = 0;
	char list[1024];

	list[0] = '\0';
	for (size_t i = 0; NAME_AT(tab, stride, i) && off < sizeof(list); i++) {
		const char *name = NAME_AT(tab, stride, i);

		if (rc == -2 && strncmp(name, word, len))
			continue;
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
					off ? " " : "", name);
	}
	if (rc == -2)
		util_err("ambiguous %s '%s': %s", what, word, list);
	else
		util_err("unknown %s '%s'; valid: %s", what, word, list);
}

static int match_or_report(const char *what, const char *word, const void *tab,
			   size_t stride)
{
	int i = cmd_match(word, tab, stride);

	if (i < 0)
		match_report(what, word, i, tab, stride);
	return i;
}

/* The value of keyword K as JSON, or NULL after reporting the problem. */
static json_t *kw_value(const struct kw *k, const char *val)
{
	const char *v[16];
	char buf[256], *end;
	unsigned long long u;
	unsigned m[6];
	int i;

	switch (k->type) {
	case KW_UINT:
		errno = 0;
		u = strtoull(val, &end, 10);
		if (!isdigit((unsigned char)val[0]) || *end || errno || u > 0xffffffffULL)
			break;
		return json_integer((json_int_t)u);
	case KW_BOOL:
	case KW_CHOICE:
		cmd_choices(k->type == KW_BOOL ? "yes|no" : k->choices, buf, sizeof(buf),
			    v, 16);
		i = cmd_match(val, v, sizeof(v[0]));
		if (i >= 0)
			return k->type == KW_BOOL ? json_boolean(i == 0) : json_string(v[i]);
		break;
	case KW_MAC:
		if (strlen(val) == 17 &&
		    sscanf(val, "%2x:%2x:%2x:%2x:%2x:%2x", &m[0], &m[1], &m[2], &m[3],
			   &m[4], &m[5]) == 6)
			return json_string(val);
		break;
	default:
		if (val[0])
			return json_string(val);
		break;
	}
	util_err("bad value '%s' for %s: expected %s", val, k->name,
		 k->type == KW_CHOICE ? k->choices :
		 k->type == KW_UINT ? "a number" :
		 k->type == KW_MAC ? "a MAC address like 02:fe:00:00:00:01" :
		 k->metavar ? k->metavar : "a value");
	return NULL;
}

/* The object of args that K writes to (created when missing). */
static json_t *kw_section(json_t *args, const struct kw *k)
{
	json_t *sec;

	if (!k->section)
		return args;
	sec = json_object_get(args, k->section);
	if (!sec) {
		sec = json_object();
		json_object_set_new(args, k->section, sec);
	}
	return sec;
}

static int kw_store(json_t *sec, const struct kw *k, const char *key, json_t *val)
{
	json_t *old = json_object_get(sec, key);

	if (old && !json_equal(old, val)) {
		util_err("keyword %s: %s%s%s is already set", k->name,
			 k->section ? k->section : "", k->section ? "." : "", key);
		json_decref(val);
		return CLI_USAGE;
	}
	json_object_set_new(sec, key, val);
	return CLI_OK;
}

/* Applies keyword K with its value VAL (NULL for a flag) to ARGS. */
static int kw_apply(json_t *args, const struct kw *k, const char *val)
{
	json_t *sec = kw_section(args, k);
	json_t *jv = val ? kw_value(k, val) : json_true();
	int ret = CLI_OK;

	if (!jv)
		return CLI_USAGE;
	if (k->set) {
		char key[64];
		const char *eq = strchr(k->set, '=');
		size_t n = eq ? (size_t)(eq - k->set) : 0;

		if (n && n < sizeof(key)) {
			memcpy(key, k->set, n);
			key[n] = '\0';
			ret = kw_store(sec, k, key, json_string(eq + 1));
		}
	}
	if (!ret && k->key)
		return kw_store(sec, k, k->key, jv);
	json_decref(jv);
	return ret;
}

static int parse_keywords(const char *name, const struct kw *kws, int argc,
			  char **argv, json_t *args)
{
	for (int i = 0; i < argc; i++) {
		char what[64];
		const struct kw *k;
		int ki;

		if (!kws) {
			util_err("unexpected word '%s' after %s", argv[i], name);
			return CLI_USAGE;
		}
		snprintf(what, sizeof(what), "keyword of %s", name);
		ki = match_or_report(what, argv[i], kws, sizeof(*kws));
		if (ki < 0)
			return CLI_USAGE;
		k = &kws[ki];
		if (k->type != KW_FLAG && i + 1 >= argc) {
			util_err("keyword %s needs a value (%s)", k->name,
				 k->metavar ? k->metavar : "VALUE");
			return CLI_USAGE;
		}
		if (kw_apply(args, k, k->type == KW_FLAG ? NULL : argv[++i]))
			return CLI_USAGE;
	}
	return CLI_OK;
}

static bool is_keyword(const struct kw *kws, const char *word)
{
	for (size_t i = 0; kws && kws[i].name; i++)
		if (!strcmp(kws[i].name, word))
			return true;
	return false;
}

/* Positional words of CMD from ARGV; returns how many it took, or -1. */
static int parse_positional(const char *name, const struct cmd *cmd, int argc,
			    char **argv, json_t *args)
{
	int n = 0;

	for (const struct cmd_arg *a = cmd->args; a->kind != ARG_NONE; a++) {
		if (n >= argc || (a->optional && is_keyword(cmd->kws, argv[n]))) {
			if (a->optional)
				continue;
			util_err("%s: missing argument; usage: %s %s", name, name,
				 cmd->synopsis);
			return -1;
		}
		if (!argv[n][0]) {
			util_err("%s: empty argument", name);
			return -1;
		}
		if (a->key)
			json_object_set_new(args, a->key, json_string(argv[n]));
		n++;
	}
	return n;
}

int cmd_parse(int argc, char **argv, const struct cmd **cmdp, json_t **argsp)
{
	const struct cmd *cmd;
	char name[64];
	json_t *args;
	int i, n;

	*argsp = NULL;
	i = match_or_report("command", argv[0], cmd_table, sizeof(cmd_table[0]));
	if (i < 0)
		return CLI_USAGE;
	cmd = &cmd_table[i];
	snprintf(name, sizeof(name), "%s", cmd->name);
	argc--, argv++;
	if (cmd->bare && argc >= 2 && !strcmp(argv[1], cmd->bare->kws[0].name)) {
		cmd = cmd->bare;
	} else if (cmd->sub) {
		if (!argc) {
			util_err("%s: missing argument; usage: %s %s", name, name, cmd->synopsis);
			return CLI_USAGE;
		}
		i = match_or_report(name, argv[0], cmd->sub, sizeof(cmd->sub[0]));
		if (i < 0)
			return CLI_USAGE;
		cmd = &cmd->sub[i];
		snprintf(name + strlen(name), sizeof(name) - strlen(name), " %s", cmd->name);
		argc--, argv++;
	}
	args = cmd->fixed ? json_loads(cmd->fixed, 0, NULL) : json_object();
	n = parse_positional(name, cmd, argc, argv, args);
	if (n < 0 || parse_keywords(name, cmd->kws, argc - n, argv + n, args)) {
		json_decref(args);
		return CLI_USAGE;
	}
	*cmdp = cmd;
	*argsp = args;
	return CLI_OK;
}
