/*
 * confine.h - opening the files a client other than root names (pcap
 * files of capture start and of a pcap-file host) beneath
 * control.pcap_dir only, with no window between the check and the open.
 *
 * The path must name the directory lexically (it starts with dir, as
 * configured or resolved, then "/"); the rest is opened with openat2(2)
 * relative to a descriptor of dir and RESOLVE_BENEATH |
 * RESOLVE_NO_MAGICLINKS, so a symbolic link (or "..") that leads out of dir
 * at the moment of the open is refused by the kernel (-EPERM here), never
 * followed.  Only regular files are opened.  A file created for a confined
 * client is made with O_EXCL, then given to the client (fchown to its uid
 * and gid, mode 0640); an existing file is reused (O_TRUNC) only when it is
 * a regular file of the client's with one link.  Without openat2 (Linux
 * before 5.6: ENOSYS) nothing is opened for such a client: -ENOSYS.
 */
#ifndef MEMIFD_CONFINE_H
#define MEMIFD_CONFINE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define CONFINE_DIR_MAX 108 /* as control.pcap_dir (CONF_PATH_MAX) */

/* Who a file is opened for: dir "" = not confined (a root client, the
 * configuration file): the path is opened as named. */
struct confine {
	char dir[CONFINE_DIR_MAX];
	uid_t uid;
	gid_t gid;
};

/* Does path name something beneath dir (lexically, see above)?  On true,
 * *rel (when not NULL) points into path at the part after dir. */
bool confine_names(const char *dir, const char *path, const char **rel);
/* Opens path (flags of open(2): O_RDONLY, or O_WRONLY | O_CREAT with
 * O_EXCL or O_TRUNC) for cf (NULL: not confined); never follows a symbolic
 * link at the last component when creating.  Returns the descriptor
 * (O_CLOEXEC) or -errno, with err filled (a message naming path) when not
 * NULL. */
int confine_open(const struct confine *cf, const char *path, int flags,
		 mode_t mode, char *err, size_t errlen);
/* rename(2) and unlink(2) of paths in one directory, for cf: done in a
 * descriptor of that directory opened beneath cf->dir.  0 or -errno. */
int confine_rename(const struct confine *cf, const char *from, const char *to);
int confine_unlink(const struct confine *cf, const char *path);

#endif
