/*
 * jsonpos.h - where each value of a JSON text starts, by path.
 *
 * jansson keeps no positions in its tree, so the configuration validator
 * scans the (already parsed) text once more to name line and column in its
 * messages.  Paths look like "bridges[0].memif.id"; the root is "".
 */
#ifndef MEMIFD_JSONPOS_H
#define MEMIFD_JSONPOS_H

#include <stdbool.h>
#include <stddef.h>

struct jsonpos;

/* Returns NULL when out of memory; a malformed text is indexed up to the
 * first error. */
struct jsonpos *jsonpos_index(const char *text, size_t len);
void jsonpos_free(struct jsonpos *jp);

/* Line and column (1-based) of the key (want_key) or the value at path.
 * Returns 0, or -ENOENT. */
int jsonpos_find(const struct jsonpos *jp, const char *path, bool want_key,
		 int *line, int *col);

#endif
