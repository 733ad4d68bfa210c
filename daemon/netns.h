/* netns.h - run a few calls inside a named network namespace. */
#ifndef MEMIFD_NETNS_H
#define MEMIFD_NETNS_H

/* Enters /run/netns/NAME (nothing when name is NULL or "").  On success
 * *saved is the fd to return with (or -1) and 0 is returned; else -errno. */
int netns_enter(const char *name, int *saved);
/* Returns to the namespace saved by netns_enter and closes saved. */
void netns_leave(int saved);

#endif
