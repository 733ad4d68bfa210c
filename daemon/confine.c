/* confine.c - files opened for a client beneath control.pcap_dir only
 * (openat2 with RESOLVE_BENEATH: see confine.h). */
#include "confine.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CONFINE_MODE 0640 /* a file made for a confined client */

/* path starts with dir (n bytes, no trailing '/') then '/'. */
static const char *after(const char *path, const char *dir, size_t n)
{
	while (n > 0 && dir[n - 1] == '/')
		n--;
	if (strncmp(path, dir, n) || path[n] != '/')
		return NULL;
	for (path += n; *path == '/'; path++)
		;
	return *path ? path : NULL;
}

bool confine_names(const char *dir, const char *path, const char **rel)
{
	char real[PATH_MAX];
	const char *r = after(path, dir, strlen(dir));

	if (!r && realpath(dir, real))
		r = after(path, real, strlen(real));
	if (rel)
		*rel = r;
	return r != NULL;
}

static bool confined(const struct confine *cf)
{
	return cf && cf->dir[0];
}

/* openat2(dir, rel) beneath dir: a descriptor or -errno. */
static int open_beneath(const char *dir, const char *rel, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)(unsigned)flags,
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC), fd, r;

	if (dfd < 0)
		return -errno;
	fd = (int)syscall(SYS_openat2, dfd, rel, &how, sizeof(how));
	r = fd < 0 ? -errno : fd;
	close(dfd);
	return r;
}

static int open_err(const struct confine *cf, const char *path, int r,
		    char *err, size_t errlen)
{
	if (!err)
		return r;
	if (r == -ENOSYS)
		snprintf(err, errlen, "%s: this kernel has no openat2(2) (Linux "
			 "5.6 or later), so memifd cannot open files beneath "
			 "%s safely for clients other than root", path, cf->dir);
	else if (r == -EPERM)
		snprintf(err, errlen, "%s is not under %s (control.pcap_dir) once "
			 "resolved (a symbolic link or \"..\" leads out of it, "
			 "or a link is the file itself), or is not a regular "
			 "file of the client's: refused", path, cf->dir);
	else
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
	return r;
}

/* The file just opened for cf: a regular file; an existing one written
 * over only when it is the client's own with one link. */
static int check_opened(const struct confine *cf, int fd, int flags, bool created)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EPERM;
	if (created)
		return fchown(fd, cf->uid, cf->gid) < 0 ? -errno : 0;
	if (flags & O_CREAT) {
		if (st.st_uid != cf->uid || st.st_nlink != 1)
			return -EPERM;
		if ((flags & O_TRUNC) && ftruncate(fd, 0) < 0)
			return -errno;
	}
	return 0;
}

static int open_confined(const struct confine *cf, const char *path, int flags)
{
	/* O_NONBLOCK: a FIFO put there never blocks the daemon (refused
	 * below as not a regular file) */
	int base = O_CLOEXEC | O_NOCTTY | O_NONBLOCK, fd, r;
	bool created = false;
	const char *rel;

	if (!confine_names(cf->dir, path, &rel))
		return -EPERM;
	if (flags & O_CREAT) {
		fd = open_beneath(cf->dir, rel, (flags & ~O_TRUNC) | O_EXCL |
				  O_NOFOLLOW | base, CONFINE_MODE);
		created = fd >= 0;
		if (fd == -EEXIST && !(flags & O_EXCL))
			fd = open_beneath(cf->dir, rel, (flags & ~(O_CREAT | O_TRUNC)) |
					  O_NOFOLLOW | base, 0);
	} else {
		fd = open_beneath(cf->dir, rel, flags | base, 0);
	}
	if (fd == -EXDEV || fd == -ELOOP)
		return -EPERM; /* out of dir, or a symbolic link as the file */
	if (fd < 0)
		return fd;
	r = check_opened(cf, fd, flags, created);
	if (!r && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
		r = -errno;
	if (r) {
		if (created)
			confine_unlink(cf, path);
		close(fd);
		return r;
	}
	return fd;
}

int confine_open(const struct confine *cf, const char *path, int flags,
		 mode_t mode, char *err, size_t errlen)
{
	int fd;

	if (confined(cf)) {
		fd = open_confined(cf, path, flags);
		return fd < 0 ? open_err(cf, path, fd, err, errlen) : fd;
	}
	fd = open(path, flags | O_CLOEXEC | ((flags & O_CREAT) ? O_NOFOLLOW : 0),
		  mode);
	if (fd >= 0)
		return fd;
	fd = -errno;
	if (err)
		snprintf(err, errlen, "%s: %s", path, strerror(-fd));
	return fd;
}

/* A descriptor of the directory of path (opened beneath cf->dir) and the
 * name in it; -errno. */
static int parent_open(const struct confine *cf, const char *path,
		       char *dir, size_t dirlen, const char **base)
{
	const char *rel, *slash;

	if (!confine_names(cf->dir, path, &rel))
		return -EPERM;
	slash = strrchr(rel, '/');
	*base = slash ? slash + 1 : rel;
	if (!**base || (size_t)(*base - rel) >= dirlen)
		return -EINVAL;
	snprintf(dir, dirlen, "%.*s", slash ? (int)(slash - rel) : 1,
		 slash ? rel : ".");
	return open_beneath(cf->dir, dir, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
}

int confine_rename(const struct confine *cf, const char *from, const char *to)
{
	const char *b1, *b2, *rel;
	char d1[PATH_MAX];
	int f1, r;

	if (!confined(cf))
		return rename(from, to) < 0 ? -errno : 0;
	f1 = parent_open(cf, from, d1, sizeof(d1), &b1);
	if (f1 < 0)
		return f1 == -EXDEV ? -EPERM : f1;
	/* one directory (FILE and FILE.N): both names are taken in f1 */
	if (!confine_names(cf->dir, to, &rel) || !(b2 = strrchr(to, '/')) ||
	    strlen(to) - strlen(b2) != strlen(from) - strlen(b1) - 1 ||
	    strncmp(from, to, strlen(from) - strlen(b1)))
		r = -EXDEV;
	else
		r = renameat(f1, b1, f1, b2 + 1) < 0 ? -errno : 0;
	close(f1);
	return r;
}

int confine_unlink(const struct confine *cf, const char *path)
{
	char d[PATH_MAX];
	const char *b;
	int fd, r;

	if (!confined(cf))
		return unlink(path) < 0 ? -errno : 0;
	fd = parent_open(cf, path, d, sizeof(d), &b);
	if (fd < 0)
		return fd == -EXDEV ? -EPERM : fd;
	r = unlinkat(fd, b, 0) < 0 ? -errno : 0;
	close(fd);
	return r;
}
