/* mif.c - libmemif glue: fd announcements into our epoll loop, sockets. */
#include "mif.h"
#include "config.h"
#include "log.h"
#include "loop.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct mif_sock {
	char path[CONF_PATH_MAX];
	char netns[CONF_NETNS_MAX];
	bool is_master;
	unsigned refs;
	memif_socket_handle_t handle;
	struct mif_sock *next;
};

static struct loop *mif_loop;
static struct mif_sock *mif_socks;

static int mif_fd_update(int fd, uint8_t events, void *ctx)
{
	uint32_t ev = 0;
	int r;

	(void)ctx;
	if (events & MEMIF_FD_EVENT_DEL) {
		loop_del_raw(mif_loop, fd);
		return 0;
	}
	if (events & MEMIF_FD_EVENT_READ)
		ev |= EPOLLIN;
	if (events & MEMIF_FD_EVENT_WRITE)
		ev |= EPOLLOUT;
	r = (events & MEMIF_FD_EVENT_MOD) ? loop_mod_raw(mif_loop, fd, ev)
					   : loop_add_raw(mif_loop, fd, ev);
	if (r) {
		log_err("watching libmemif fd %d: %s", fd, strerror(-r));
		return -1;
	}
	return 0;
}

void mif_fd_event(int fd, uint32_t events)
{
	uint8_t ev = 0;
	int r;

	if (events & EPOLLIN)
		ev |= MEMIF_FD_EVENT_READ;
	if (events & EPOLLOUT)
		ev |= MEMIF_FD_EVENT_WRITE;
	if (events & (EPOLLERR | EPOLLHUP))
		ev |= MEMIF_FD_EVENT_ERROR;
	r = memif_control_fd_handler(fd, ev);
	if (r != MEMIF_ERR_SUCCESS)
		log_debug("libmemif fd %d: %s", fd, memif_strerror(r));
}

int mif_init(struct loop *l)
{
	struct itimerspec off = { 0 };
	int r;

	mif_loop = l;
	r = memif_init(mif_fd_update, "memifd", NULL, NULL, NULL);
	if (r != MEMIF_ERR_SUCCESS) {
		log_err("memif_init: %s", memif_strerror(r));
		return -EIO;
	}
	r = memif_set_connection_request_timer(off);
	if (r != MEMIF_ERR_SUCCESS)
		log_warn("memif_set_connection_request_timer: %s",
			 memif_strerror(r));
	return 0;
}

void mif_fini(void)
{
	int r = memif_cleanup();

	if (r != MEMIF_ERR_SUCCESS)
		log_debug("memif_cleanup: %s", memif_strerror(r));
	mif_loop = NULL;
}

/* Creates the directory of a socket path if it is missing (one level). */
void mif_mkdir_parent(const char *path)
{
	char dir[CONF_PATH_MAX];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return;
	*slash = '\0';
	if (mkdir(dir, 0755) == 0)
		log_info("created directory %s", dir);
}

int mif_socket_dir_check(const char *path, char *err, size_t errlen)
{
	char dir[CONF_PATH_MAX];
	struct stat st;
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (path[0] != '/' || !slash)
		return 0;
	if (slash == dir)
		slash++; /* "/sock": the root */
	*slash = '\0';
	if (stat(dir, &st) < 0) {
		int e = errno;

		if (e == ENOENT || e == ENOTDIR) {
			snprintf(err, errlen, "socket directory %s does not exist",
				 dir);
			return -ENOENT;
		}
		snprintf(err, errlen, "socket directory %s: %s", dir, strerror(e));
		return -e;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "socket directory %s is not a directory", dir);
		return -ENOTDIR;
	}
	return 0;
}

int mif_socket_chown(const struct memif_conf *mc, char *err, size_t errlen)
{
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;
	struct passwd *pw;
	struct group *gr;
	struct stat st;

	if (mc->socket_owner[0]) {
		if (!(pw = getpwnam(mc->socket_owner))) {
			snprintf(err, errlen, "no user named %s", mc->socket_owner);
			return -ENOENT;
		}
		uid = pw->pw_uid;
	}
	if (mc->socket_group[0]) {
		if (!(gr = getgrnam(mc->socket_group))) {
			snprintf(err, errlen, "no group named %s", mc->socket_group);
			return -ENOENT;
		}
		gid = gr->gr_gid;
	}
	if (uid == (uid_t)-1 && gid == (gid_t)-1 && !mc->has_socket_mode)
		return 0;
	/* the file libcore just bound, not something put in its place */
	if (lstat(mc->socket, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s is not a socket", mc->socket);
		return -EIO;
	}
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) &&
	    lchown(mc->socket, uid, gid) < 0) {
		snprintf(err, errlen, "chown %s: %s", mc->socket, strerror(errno));
		return -errno;
	}
	if (mc->has_socket_mode && chmod(mc->socket, mc->socket_mode) < 0) {
		snprintf(err, errlen, "chmod %s: %s", mc->socket, strerror(errno));
		return -errno;
	}
	return 0;
}

int mif_socket_get(const char *path, const char *netns, bool is_master,
		   memif_socket_handle_t *out)
{
	struct mif_sock *s;
	int r;

	for (s = mif_socks; s; s = s->next) {
		if (!strcmp(s->path, path) && !strcmp(s->netns, netns) &&
		    s->is_master == is_master) {
			s->refs++;
			*out = s->handle;
			return MEMIF_ERR_SUCCESS;
		}
	}
	if (is_master && path[0] == '/')
		mif_mkdir_parent(path);
	s = calloc(1, sizeof(*s));
	if (!s)
		return MEMIF_ERR_NOMEM;
	strncpy(s->path, path, sizeof(s->path) - 1);
	strncpy(s->netns, netns, sizeof(s->netns) - 1);
	s->is_master = is_master;
	r = memif_create_socket(&s->handle, path, NULL);
	if (r != MEMIF_ERR_SUCCESS) {
		free(s);
		return r;
	}
	s->refs = 1;
	s->next = mif_socks;
	mif_socks = s;
	*out = s->handle;
	return MEMIF_ERR_SUCCESS;
}

void mif_socket_put(memif_socket_handle_t sock)
{
	struct mif_sock **p, *s;
	int r;

	for (p = &mif_socks; (s = *p); p = &s->next) {
		if (s->handle != sock)
			continue;
		if (--s->refs)
			return;
		*p = s->next;
		r = memif_delete_socket(&s->handle);
		if (r != MEMIF_ERR_SUCCESS)
			log_warn("memif socket %s: %s", s->path, memif_strerror(r));
		free(s);
		return;
	}
}
