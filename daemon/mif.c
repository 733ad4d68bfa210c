/* mif.c - libmemif glue: fd announcements into our epoll loop, sockets. */
#include "mif.h"
#include "config.h"
#include "log.h"
#include "loop.h"
#include "worker.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Every socket object lives in a database of its own: libmemif 3.1 (and
 * libcore) refuse a second socket object for a path that its database
 * already listens on, and memifd needs several - a master and a slave of
 * one path, or one abstract name in two namespaces. */
struct mif_sock {
	char path[CONF_PATH_MAX];
	char netns[CONF_NETNS_MAX];
	bool is_master;
	unsigned refs;
	memif_per_thread_main_handle_t db;
	memif_socket_handle_t handle;
	struct mif_sock *next;
};

static struct loop *mif_loop;
static struct mif_sock *mif_socks;
/* mif_fd_sock[fd]: the socket whose database announced fd (NULL: none) */
static struct mif_sock **mif_fd_sock;
static size_t mif_fd_cap;

static int mif_fd_own(int fd, struct mif_sock *s)
{
	if ((size_t)fd >= mif_fd_cap) {
		size_t cap = mif_fd_cap ? mif_fd_cap : 64;
		void *n;

		while (cap <= (size_t)fd)
			cap *= 2;
		n = realloc(mif_fd_sock, cap * sizeof(*mif_fd_sock));
		if (!n)
			return -ENOMEM;
		mif_fd_sock = n;
		memset(mif_fd_sock + mif_fd_cap, 0,
		       (cap - mif_fd_cap) * sizeof(*mif_fd_sock));
		mif_fd_cap = cap;
	}
	mif_fd_sock[fd] = s;
	return 0;
}

/* ctx: the mif_sock whose database announces fd */
static int mif_fd_update(int fd, uint8_t events, void *ctx)
{
	struct mif_sock *s = ctx;
	uint32_t ev = 0;
	int r;

	if (events & MEMIF_FD_EVENT_DEL) {
		loop_del_raw(mif_loop, fd);
		if ((size_t)fd < mif_fd_cap)
			mif_fd_sock[fd] = NULL;
		return 0;
	}
	if (events & MEMIF_FD_EVENT_READ)
		ev |= EPOLLIN;
	if (events & MEMIF_FD_EVENT_WRITE)
		ev |= EPOLLOUT;
	r = mif_fd_own(fd, s);
	if (!r)
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

	if ((size_t)fd >= mif_fd_cap || !mif_fd_sock[fd] || !mif_fd_sock[fd]->db)
		return;
	if (events & EPOLLIN)
		ev |= MEMIF_FD_EVENT_READ;
	if (events & EPOLLOUT)
		ev |= MEMIF_FD_EVENT_WRITE;
	if (events & (EPOLLERR | EPOLLHUP))
		ev |= MEMIF_FD_EVENT_ERROR;
	/* libcore may tear a link down here (unmapping its rings) before it
	 * tells the bridge: no worker may be on any ring meanwhile */
	workers_park();
	r = memif_per_thread_control_fd_handler(mif_fd_sock[fd]->db, fd, ev);
	workers_release();
	if (r != MEMIF_ERR_SUCCESS)
		log_debug("libmemif fd %d: %s", fd, memif_strerror(r));
}

int mif_init(struct loop *l)
{
	mif_loop = l;
	return 0;
}

void mif_fini(void)
{
	while (mif_socks) {
		mif_socks->refs = 1;
		mif_socket_put(mif_socks->handle);
	}
	free(mif_fd_sock);
	mif_fd_sock = NULL;
	mif_fd_cap = 0;
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

/* The database and the socket object of s; slaves are reconnected by the
 * bridges themselves (in their namespace), so the library's timer is off. */
static int mif_socket_open(struct mif_sock *s)
{
	struct itimerspec off = { 0 };
	int r;

	r = memif_per_thread_init(&s->db, s, mif_fd_update, "memifd", NULL,
				  NULL, NULL);
	if (r != MEMIF_ERR_SUCCESS)
		return r;
	r = memif_per_thread_set_connection_request_timer(s->db, off);
	if (r != MEMIF_ERR_SUCCESS)
		log_warn("memif_set_connection_request_timer: %s",
			 memif_strerror(r));
	return memif_per_thread_create_socket(s->db, &s->handle, s->path, NULL);
}

static void mif_socket_free(struct mif_sock *s)
{
	int r;

	if (s->handle) {
		r = memif_delete_socket(&s->handle);
		if (r != MEMIF_ERR_SUCCESS)
			log_warn("memif socket %s: %s", s->path, memif_strerror(r));
	}
	if (s->db) {
		r = memif_per_thread_cleanup(&s->db);
		if (r != MEMIF_ERR_SUCCESS)
			log_warn("memif socket %s: cleanup: %s", s->path,
				 memif_strerror(r));
	}
	free(s);
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
	r = mif_socket_open(s);
	if (r != MEMIF_ERR_SUCCESS) {
		mif_socket_free(s);
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

	for (p = &mif_socks; (s = *p); p = &s->next) {
		if (s->handle != sock)
			continue;
		if (--s->refs)
			return;
		*p = s->next;
		mif_socket_free(s);
		return;
	}
}
