/* sockfile.h - the file of a unix stream socket a daemon listens on. */
#ifndef MEMIFD_SOCKFILE_H
#define MEMIFD_SOCKFILE_H

#include <sys/un.h>

/* Before bind: a socket file nobody listens on any more (left by a daemon
 * that died) is removed; 0 then, or when there is none.  -EADDRINUSE when
 * something listens there, -EEXIST when the path is not a socket. */
int sockfile_clear(const struct sockaddr_un *sa);

#endif
