/* netns.c - enter and leave named network namespaces (iproute2 layout). */
#include "netns.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void netns_path(const char *name, char *path, size_t n)
{
	snprintf(path, n, "/run/netns/%s", name);
}

int netns_enter(const char *name, int *saved)
{
	char path[128];
	int fd, self, r = 0;

	*saved = -1;
	if (!name || !*name)
		return 0;
	netns_path(name, path, sizeof(path));
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

int netns_identify(const char *name, struct netns_id *id)
{
	struct stat st;

	memset(id, 0, sizeof(*id));
	if (!name || !*name)
		return 0;
	/* the namespace entered, not what the name stands for by now */
	if (stat("/proc/thread-self/ns/net", &st) < 0)
		return -errno;
	snprintf(id->name, sizeof(id->name), "%s", name);
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	return 0;
}

bool netns_gone(const struct netns_id *id)
{
	char path[128];
	struct stat st;

	if (!*id->name)
		return false;
	netns_path(id->name, path, sizeof(path));
	if (stat(path, &st) < 0)
		return errno == ENOENT; /* other errors tell nothing */
	return st.st_dev != id->dev || st.st_ino != id->ino;
}
