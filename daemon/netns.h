/* netns.h - run a few calls inside a named network namespace. */
#ifndef MEMIFD_NETNS_H
#define MEMIFD_NETNS_H

#include <stdbool.h>
#include <sys/types.h>

#include "config.h"

/* Enters /run/netns/NAME (nothing when name is NULL or "").  On success
 * *saved is the fd to return with (or -1) and 0 is returned; else -errno. */
int netns_enter(const char *name, int *saved);
/* Returns to the namespace saved by netns_enter and closes saved. */
void netns_leave(int saved);

/* What a name stands for.  `ip netns del` removes only the name: the
 * namespace lives on while anything (a device's fd, a socket) holds it, so
 * whoever holds it must notice and let go. */
struct netns_id {
	char name[CONF_NETNS_MAX]; /* "": the daemon's own, never gone */
	dev_t dev;
	ino_t ino;
};

/* Records NAME and the namespace the calling thread is in, entered by
 * netns_enter for NAME (NULL or "": the daemon's own); 0 or -errno. */
int netns_identify(const char *name, struct netns_id *id);
/* True when the name was removed or now stands for another namespace. */
bool netns_gone(const struct netns_id *id);

#endif
