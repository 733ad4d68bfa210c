/* notify.h - the sd_notify protocol, without libsystemd. */
#ifndef MEMIFD_NOTIFY_H
#define MEMIFD_NOTIFY_H

/* Sends msg ("READY=1", "STATUS=...", several lines allowed) to
 * $NOTIFY_SOCKET; a no-op when it is unset.  Returns 0 or -errno. */
int notify_send(const char *msg);

#endif
