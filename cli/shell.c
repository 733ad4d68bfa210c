/* shell.c - the interactive shell (libedit: editing, history, TAB
 * completion from the command table) and the batch reader. */
#include "shell.h"

#include <errno.h>
#include <glob.h>
#include <histedit.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int shell_batch(struct cli *cli, FILE *in, const char *name, bool force)
{
	char *line = NULL, where[256];
	size_t cap = 0;
	unsigned lineno = 0;
	int status = CLI_OK;

	while (!cli->quit && getline(&line, &cap, in) >= 0) {
		struct strv w = { 0 };
		int ret;

		snprintf(where, sizeof(where), "%s:%u", name, ++lineno);
		util_set_where(where);
		ret = util_split(line, &w);
		if (ret) {
			util_err("%s", ret == -EINVAL ? "unterminated quote" : strerror(-ret));
			ret = CLI_USAGE;
		} else if (w.n) {
			ret = cmd_exec(cli, (int)w.n, w.v);
		}
		util_set_where(NULL);
		strv_free(&w);
		if (ret && status == CLI_OK)
			status = ret;
		if (ret && !force)
			break;
	}
	free(line);
	return status;
}

/* ---- interactive ----------------------------------------------------------- */

static struct cli *shell_cli;
static volatile sig_atomic_t shell_sigint;

static char *shell_prompt(EditLine *el)
{
	(void)el;
	return (char *)"memifctl> ";
}

static void on_sigint(int sig)
{
	(void)sig;
	shell_sigint = 1;
}

/* Prints the candidates in columns under the line being edited. */
static void shell_list(const struct strv *c)
{
	struct winsize ws = { 0 };
	size_t w = 0, cols, i;

	for (i = 0; i < c->n; i++)
		if (strlen(c->v[i]) > w)
			w = strlen(c->v[i]);
	w += 2;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0 || !ws.ws_col)
		ws.ws_col = 80;
	cols = ws.ws_col / w ? ws.ws_col / w : 1;
	fputc('\n', stdout);
	for (i = 0; i < c->n; i++)
		fprintf(stdout, "%-*s%s", (int)w, c->v[i],
			(i + 1) % cols == 0 || i + 1 == c->n ? "\n" : "");
}

/* How many leading characters every candidate shares. */
static size_t shell_common(const struct strv *c)
{
	size_t n = strlen(c->v[0]);

	for (size_t i = 1; i < c->n; i++) {
		size_t k = 0;

		while (k < n && c->v[i][k] == c->v[0][k])
			k++;
		n = k;
	}
	return n;
}

/* File names that start with WORD; directories end with '/'. */
static void shell_files(const char *word, struct strv *cand)
{
	char *pattern;
	glob_t g;

	if (asprintf(&pattern, "%s*", word) < 0)
		return;
	if (!glob(pattern, GLOB_MARK, NULL, &g)) {
		for (size_t i = 0; i < g.gl_pathc; i++)
			strv_push(cand, g.gl_pathv[i]);
		globfree(&g);
	}
	free(pattern);
}

/* The candidates for the word before the cursor; *wlen is its length. */
static int shell_candidates(EditLine *el, struct strv *cand, size_t *wlen)
{
	const LineInfo *li = el_line(el);
	size_t len = (size_t)(li->cursor - li->buffer);
	char *text = strndup(li->buffer, len), *word, saved;
	struct strv words = { 0 };
	int ret;

	if (!text)
		return -ENOMEM;
	word = text + len;
	while (word > text && word[-1] != ' ' && word[-1] != '\t')
		word--;
	*wlen = strlen(word);
	saved = *word;
	*word = '\0';		/* the words before the one being completed */
	ret = util_split(text, &words);
	*word = saved;
	if (!ret)
		cmd_complete(shell_cli, (int)words.n, words.v, word, cand);
	if (cand->n && !strcmp(cand->v[cand->n - 1], "@file")) {
		free(cand->v[--cand->n]);
		cand->v[cand->n] = NULL;
		shell_files(word, cand);
	}
	strv_free(&words);
	free(text);
	return ret;
}

/* TAB: one candidate is completed, several extend the word to their
 * common prefix, or are listed when they have nothing more in common. */
static unsigned char shell_complete(EditLine *el, int ch)
{
	struct strv cand = { 0 };
	unsigned char ret = CC_REFRESH_BEEP;
	size_t wlen, common;

	(void)ch;
	if (shell_candidates(el, &cand, &wlen) || !cand.n)
		goto out;
	if (cand.n == 1) {
		size_t n = strlen(cand.v[0]);

		el_insertstr(el, cand.v[0] + wlen);
		if (!n || cand.v[0][n - 1] != '/')	/* a directory goes on */
			el_insertstr(el, " ");
		ret = CC_REFRESH;
		goto out;
	}
	common = shell_common(&cand);
	if (common > wlen) {
		cand.v[0][common] = '\0';
		el_insertstr(el, cand.v[0] + wlen);
		ret = CC_REFRESH;
	} else {
		shell_list(&cand);
		ret = CC_REDISPLAY;
	}
out:
	strv_free(&cand);
	return ret;
}

static char *shell_history_path(void)
{
	const char *home = getenv("HOME");
	struct passwd *pw;
	char *path;

	if (!home || !*home) {
		pw = getpwuid(getuid());
		home = pw ? pw->pw_dir : NULL;
	}
	if (!home || asprintf(&path, "%s/.memifctl_history", home) < 0)
		return NULL;
	return path;
}

static void shell_line(struct cli *cli, History *h, const char *hpath, const char *in)
{
	char *line = strndup(in, strcspn(in, "\n"));
	struct strv w = { 0 };
	HistEvent ev;
	int ret = line ? util_split(line, &w) : -ENOMEM;

	if (ret == -EINVAL)
		util_err("unterminated quote");
	if (!w.n) {
		strv_free(&w);
		free(line);
		return;
	}
	history(h, &ev, H_ENTER, line);
	if (hpath)
		history(h, &ev, H_SAVE, hpath);	/* now: survives a crash */
	cmd_exec(cli, (int)w.n, w.v);	/* errors are printed; the shell goes on */
	fflush(stdout);
	strv_free(&w);
	free(line);
}

/* The line editor with our prompt, history, TAB and ~/.editrc. */
static EditLine *shell_editor(History *h)
{
	EditLine *el = el_init("memifctl", stdin, stdout, stderr);

	if (!el)
		return NULL;
	el_set(el, EL_EDITOR, "emacs");
	el_set(el, EL_PROMPT, shell_prompt);
	el_set(el, EL_HIST, history, h);
	/* libedit 3.1 never frees the copies it makes of these two names. */
	el_set(el, EL_ADDFN, "memifctl-complete", "complete a memifctl word", shell_complete);
	el_set(el, EL_BIND, "^I", "memifctl-complete", NULL);
	el_source(el, NULL);
	return el;
}

int shell_run(struct cli *cli)
{
	struct sigaction sa = { .sa_handler = on_sigint }, old;
	History *h = history_init();
	EditLine *el = h ? shell_editor(h) : NULL;
	char *hpath = shell_history_path();
	HistEvent ev;

	if (!el) {
		util_err("cannot start the line editor");
		if (h)
			history_end(h);
		free(hpath);
		return CLI_USAGE;
	}
	shell_cli = cli;
	history(h, &ev, H_SETSIZE, 1000);
	history(h, &ev, H_SETUNIQUE, 1);
	if (hpath)
		history(h, &ev, H_LOAD, hpath);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old);	/* ^C drops the line, not the shell */
	while (!cli->quit) {
		int count = 0;
		const char *line;

		shell_sigint = 0;
		line = el_gets(el, &count);
		if (!line && (shell_sigint || (count < 0 && errno == EINTR))) {
			fputc('\n', stdout);
			el_reset(el);
			continue;
		}
		if (!line) {
			fputc('\n', stdout);	/* Ctrl-D */
			break;
		}
		shell_line(cli, h, hpath, line);
	}
	sigaction(SIGINT, &old, NULL);
	el_end(el);
	history_end(h);
	free(hpath);
	return CLI_OK;
}
