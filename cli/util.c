/* util.c - messages, string vectors and the word splitter of memifctl. */
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *err_where;

void util_set_where(const char *where)
{
	err_where = where;
}

void util_err(const char *fmt, ...)
{
	va_list ap;

	fputs("memifctl: ", stderr);
	if (err_where)
		fprintf(stderr, "%s: ", err_where);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int strv_push(struct strv *sv, const char *s)
{
	if (sv->n + 2 > sv->cap) {
		size_t cap = sv->cap ? sv->cap * 2 : 8;
		char **v = realloc(sv->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		sv->v = v;
		sv->cap = cap;
	}
	sv->v[sv->n] = strdup(s);
	if (!sv->v[sv->n])
		return -ENOMEM;
	sv->v[++sv->n] = NULL;
	return 0;
}

void strv_free(struct strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

/* Copies one word starting at *pp into BUF (at least strlen(*pp)+1 long). */
static int split_word(const char **pp, char *buf)
{
	const char *p = *pp;
	char quote = 0;
	size_t len = 0;

	for (; *p; p++) {
		if (quote) {
			if (*p == quote)
				quote = 0;
			else if (*p == '\\' && quote == '"' && p[1])
				buf[len++] = *++p;
			else
				buf[len++] = *p;
		} else if (*p == '\'' || *p == '"') {
			quote = *p;
		} else if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
			break;
		} else if (*p == '\\' && p[1]) {
			buf[len++] = *++p;
		} else {
			buf[len++] = *p;
		}
	}
	buf[len] = '\0';
	*pp = p;
	return quote ? -EINVAL : 0;
}

int util_split(const char *line, struct strv *words)
{
	char *buf = malloc(strlen(line) + 1);
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	for (const char *p = line;;) {
		p += strspn(p, " \t\r\n");
		if (!*p || *p == '#')
			break;
		ret = split_word(&p, buf);
		if (!ret)
			ret = strv_push(words, buf);
		if (ret)
			break;
	}
	free(buf);
	return ret;
}
