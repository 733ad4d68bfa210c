/*
 * mif.h - memifd's use of libmemif: the application-owned event loop and
 * shared memif socket objects.
 */
#ifndef MEMIFD_MIF_H
#define MEMIFD_MIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libmemif.h>

struct loop;
struct memif_conf;

/* libmemif's fds are announced into loop.  Each socket object has a
 * database of its own (mif.c says why); mif_fini frees what is left. */
int mif_init(struct loop *l);
void mif_fini(void);

/* The loop's handler for raw (libmemif) fds. */
void mif_fd_event(int fd, uint32_t events);

/* A socket object for path in netns and role, shared and reference counted.
 * Returns 0 or a MEMIF_ERR_* code. */
int mif_socket_get(const char *path, const char *netns, bool is_master,
		   memif_socket_handle_t *out);
void mif_socket_put(memif_socket_handle_t sock);

/* Creates the missing directory of a socket path (one level, 0755). */
void mif_mkdir_parent(const char *path);

/* 0 when the directory of a file socket exists (abstract sockets have
 * none); else -errno with err saying "socket directory DIR does not exist"
 * (or is not a directory). */
int mif_socket_dir_check(const char *path, char *err, size_t errlen);
/* Gives a master's listening socket file the socket_owner, socket_group
 * and socket_mode of mc (those that are set).  0, or -errno with err
 * filled. */
int mif_socket_chown(const struct memif_conf *mc, char *err, size_t errlen);

#endif
