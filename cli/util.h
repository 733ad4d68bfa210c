/* util.h - small helpers of memifctl: messages, string vectors, line words. */
#ifndef MEMIFCTL_UTIL_H
#define MEMIFCTL_UTIL_H

#include <stdarg.h>
#include <stddef.h>

/* Exit status of memifctl and of each command it runs. */
enum {
	CLI_OK = 0,
	CLI_REFUSED = 1,	/* the daemon answered with an error */
	CLI_USAGE = 2,		/* bad command line */
	CLI_UNREACHABLE = 3,	/* no answer from the daemon */
};

/* Prints "memifctl: [WHERE: ]MESSAGE\n" on stderr.  WHERE is the batch
 * location set with util_set_where() (borrowed; NULL for none). */
void util_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void util_set_where(const char *where);

/* A growable NULL-terminated vector of owned strings. */
struct strv {
	char **v;
	size_t n, cap;
};

int strv_push(struct strv *sv, const char *s);	/* 0 or -ENOMEM */
void strv_free(struct strv *sv);		/* frees the strings; sv reusable */

/* Splits LINE into words: blanks separate words, '...' and "..." quote,
 * a backslash escapes the next character, a word starting with '#' starts a
 * comment.  Returns 0, or -EINVAL for an unterminated quote. */
int util_split(const char *line, struct strv *words);

#endif
