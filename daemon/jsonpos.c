/* jsonpos.c - a minimal JSON scanner that records positions by path. */
#include "jsonpos.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct jsonpos_ent {
	char *path;
	int kline, kcol; /* the key (or the value, for array elements) */
	int vline, vcol;
};

struct jsonpos {
	struct jsonpos_ent *ents;
	size_t n, cap;
};

struct scan {
	const char *p, *end;
	int line, col;
	int depth;
	int err;
	struct jsonpos *jp;
};

#define JSONPOS_MAX_DEPTH 64

static void scan_adv(struct scan *s)
{
	if (*s->p == '\n') {
		s->line++;
		s->col = 1;
	} else if (((unsigned char)*s->p & 0xc0) != 0x80) {
		s->col++;
	}
	s->p++;
}

static void scan_ws(struct scan *s)
{
	while (s->p < s->end &&
	       (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		scan_adv(s);
}

static int jsonpos_add(struct jsonpos *jp, const char *path, int kl, int kc,
		       int vl, int vc)
{
	if (jp->n == jp->cap) {
		size_t cap = jp->cap ? jp->cap * 2 : 32;
		struct jsonpos_ent *e = realloc(jp->ents, cap * sizeof(*e));

		if (!e)
			return -ENOMEM;
		jp->ents = e;
		jp->cap = cap;
	}
	jp->ents[jp->n].path = strdup(path);
	if (!jp->ents[jp->n].path)
		return -ENOMEM;
	jp->ents[jp->n].kline = kl;
	jp->ents[jp->n].kcol = kc;
	jp->ents[jp->n].vline = vl;
	jp->ents[jp->n].vcol = vc;
	jp->n++;
	return 0;
}

/* Copies a string's raw text (without quotes) into out (truncated). */
static void scan_string(struct scan *s, char *out, size_t outlen)
{
	size_t n = 0;

	scan_adv(s); /* opening quote */
	while (s->p < s->end && *s->p != '"') {
		if (*s->p == '\\' && s->p + 1 < s->end) {
			if (out && n + 1 < outlen)
				out[n++] = s->p[1];
			scan_adv(s);
		} else if (out && n + 1 < outlen) {
			out[n++] = *s->p;
		}
		scan_adv(s);
	}
	if (s->p < s->end)
		scan_adv(s);
	else
		s->err = -EINVAL;
	if (out)
		out[n] = '\0';
}

static void scan_value(struct scan *s, const char *path, int kl, int kc);

static void scan_object(struct scan *s, const char *path)
{
	char key[256], sub[1024];

	scan_adv(s);
	scan_ws(s);
	while (!s->err && s->p < s->end && *s->p != '}') {
		int kl = s->line, kc = s->col;

		if (*s->p != '"') {
			s->err = -EINVAL;
			return;
		}
		scan_string(s, key, sizeof(key));
		snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", key);
		scan_ws(s);
		if (s->p >= s->end || *s->p != ':') {
			s->err = -EINVAL;
			return;
		}
		scan_adv(s);
		scan_ws(s);
		scan_value(s, sub, kl, kc);
		scan_ws(s);
		if (s->p < s->end && *s->p == ',') {
			scan_adv(s);
			scan_ws(s);
		}
	}
	if (s->p < s->end)
		scan_adv(s);
}

static void scan_array(struct scan *s, const char *path)
{
	char sub[1024];
	int i = 0;

	scan_adv(s);
	scan_ws(s);
	while (!s->err && s->p < s->end && *s->p != ']') {
		snprintf(sub, sizeof(sub), "%s[%d]", path, i++);
		scan_value(s, sub, s->line, s->col);
		scan_ws(s);
		if (s->p < s->end && *s->p == ',') {
			scan_adv(s);
			scan_ws(s);
		} else if (s->p < s->end && *s->p != ']') {
			s->err = -EINVAL;
		}
	}
	if (s->p < s->end)
		scan_adv(s);
}

static void scan_value(struct scan *s, const char *path, int kl, int kc)
{
	int r = jsonpos_add(s->jp, path, kl, kc, s->line, s->col);

	if (r < 0 || s->p >= s->end || ++s->depth > JSONPOS_MAX_DEPTH) {
		s->err = r < 0 ? r : -EINVAL;
		return;
	}
	if (*s->p == '{')
		scan_object(s, path);
	else if (*s->p == '[')
		scan_array(s, path);
	else if (*s->p == '"')
		scan_string(s, NULL, 0);
	else
		while (s->p < s->end && !strchr(",]} \t\r\n", *s->p))
			scan_adv(s);
	s->depth--;
}

struct jsonpos *jsonpos_index(const char *text, size_t len)
{
	struct jsonpos *jp = calloc(1, sizeof(*jp));
	struct scan s = { .p = text, .end = text + len, .line = 1, .col = 1 };

	if (!jp)
		return NULL;
	s.jp = jp;
	scan_ws(&s);
	scan_value(&s, "", s.line, s.col);
	if (s.err == -ENOMEM) {
		jsonpos_free(jp);
		return NULL;
	}
	return jp;
}

void jsonpos_free(struct jsonpos *jp)
{
	if (!jp)
		return;
	for (size_t i = 0; i < jp->n; i++)
		free(jp->ents[i].path);
	free(jp->ents);
	free(jp);
}

int jsonpos_find(const struct jsonpos *jp, const char *path, bool want_key,
		 int *line, int *col)
{
	if (!jp)
		return -ENOENT;
	for (size_t i = 0; i < jp->n; i++) {
		if (strcmp(jp->ents[i].path, path))
			continue;
		*line = want_key ? jp->ents[i].kline : jp->ents[i].vline;
		*col = want_key ? jp->ents[i].kcol : jp->ents[i].vcol;
		return 0;
	}
	return -ENOENT;
}
