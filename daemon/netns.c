/* netns.c - enter and leave named network namespaces (iproute2 layout). */
#include "netns.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int netns_enter(const char *name, int *saved)
{
	char path[128];
	int fd, self, r = 0;

	*saved = -1;
	if (!name || !*name)
		return 0;
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0) {
		r = -errno;
		goto cleanup;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		r = -errno;
		close(self);
		goto cleanup;
	}
	*saved = self;
cleanup:
	close(fd);
	return r;
}

void netns_leave(int saved)
{
	if (saved < 0)
		return;
	/* Failing here would leave the daemon in the wrong namespace for
	 * everything that follows: nothing sane is left to do but say so. */
	if (setns(saved, CLONE_NEWNET) < 0)
		log_err("cannot return to the daemon's network namespace: %s",
			strerror(errno));
	close(saved);
}
