/*
 * sock.c - socket objects (a name that interfaces share, listening or
 * connecting), and the control channel's sockets: AF_UNIX SOCK_SEQPACKET
 * listen, accept and connect (filesystem or abstract names), and one
 * 128-byte message with at most one fd in each direction.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "internal.h"

int
errno_to_memif (int err)
{
  switch (err)
    {
    case 0:
      return MEMIF_ERR_SUCCESS;
    case EACCES:
    case EPERM:
      return MEMIF_ERR_ACCES;
    case ENFILE:
      return MEMIF_ERR_FILE_LIMIT;
    case EMFILE:
      return MEMIF_ERR_PROC_FILE_LIMIT;
    case ENOMEM:
      return MEMIF_ERR_NOMEM;
    case EALREADY:
    case EADDRINUSE:
      return MEMIF_ERR_ALREADY;
    case EAGAIN:
      return MEMIF_ERR_AGAIN;
    case EBADF:
      return MEMIF_ERR_BAD_FD;
    case ENOENT:
    case ENOTDIR:
      return MEMIF_ERR_NO_FILE;
    case ECONNREFUSED:
      return MEMIF_ERR_CONNREFUSED;
    default:
      return MEMIF_ERR_SYSCALL;
    }
}

/* "@NAME" is the abstract name NAME: NUL + NAME, no padding. */
static int
sock_addr (const char *filename, struct sockaddr_un *sa, socklen_t *len)
{
  size_t n;

  memset (sa, 0, sizeof *sa);
  sa->sun_family = AF_UNIX;
  if (filename[0] == '@')
    {
      n = strlen (filename + 1);
      if (n == 0 || n + 1 > sizeof sa->sun_path)
	return MEMIF_ERR_INVAL_ARG;
      memcpy (sa->sun_path + 1, filename + 1, n);
      *len = offsetof (struct sockaddr_un, sun_path) + 1 + n;
      return 0;
    }
  n = strlen (filename);
  if (n == 0 || n >= sizeof sa->sun_path)
    return MEMIF_ERR_INVAL_ARG;
  memcpy (sa->sun_path, filename, n);
  *len = offsetof (struct sockaddr_un, sun_path) + n + 1;
  return 0;
}

/* A socket file nobody listens on any more may be replaced; a live one or
 * another kind of file may not. */
static int
sock_clear_stale (const struct sockaddr_un *sa, socklen_t len)
{
  struct stat st;
  int probe, live;

  if (lstat (sa->sun_path, &st) < 0)
    return errno == ENOENT ? 0 : errno_to_memif (errno);
  if (!S_ISSOCK (st.st_mode))
    return MEMIF_ERR_FILE_NOT_SOCK;
  probe = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (probe < 0)
    return errno_to_memif (errno);
  live = connect (probe, (const struct sockaddr *) sa, len) == 0;
  close (probe);
  if (live)
    return MEMIF_ERR_ALREADY;
  if (unlink (sa->sun_path) < 0 && errno != ENOENT)
    return errno_to_memif (errno);
  return 0;
}

int
sock_listen (struct sock *s)
{
  struct sockaddr_un sa;
  socklen_t len;
  int fd, err;

  if ((err = sock_addr (s->filename, &sa, &len)))
    return err;
  if (sa.sun_path[0] && (err = sock_clear_stale (&sa, len)))
    return err;
  fd = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return errno_to_memif (errno);
  if (bind (fd, (struct sockaddr *) &sa, len) < 0 || listen (fd, 16) < 0)
    {
      err = errno_to_memif (errno);
      close (fd);
      return err;
    }
  if ((err = db_fd_add (s->db, fd, FD_LISTENER, s, 0, MEMIF_FD_EVENT_READ)))
    {
      close (fd);
      if (sa.sun_path[0])
	unlink (sa.sun_path);
      return err;
    }
  s->listen_fd = fd;
  return 0;
}

void
sock_unlisten (struct sock *s)
{
  if (s->listen_fd < 0)
    return;
  db_close_fd (s->db, s->listen_fd);
  s->listen_fd = -1;
  /* A socket handed in was bound by someone else (systemd): its file is
   * theirs. */
  if (s->filename[0] != '@' && !s->listen_given)
    unlink (s->filename);
  s->listen_given = false;
}

/* A listening AF_UNIX SOCK_SEQPACKET socket made elsewhere (socket
 * activation) becomes s's listener; s owns fd from then on. */
int
sock_adopt_listener (struct sock *s, int fd)
{
  struct sockaddr_un sa;
  socklen_t len = sizeof sa;
  int type, acc, fl, err;
  socklen_t tl = sizeof type, al = sizeof acc;

  if (s->listen_fd >= 0)
    return MEMIF_ERR_ALREADY;
  if (s->type == SOCK_CLIENT)
    return MEMIF_ERR_INVAL_ARG;
  if (getsockopt (fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0)
    return errno == ENOTSOCK ? MEMIF_ERR_FILE_NOT_SOCK : errno_to_memif (errno);
  if (getsockname (fd, (struct sockaddr *) &sa, &len) < 0
      || getsockopt (fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &al) < 0)
    return errno_to_memif (errno);
  if (sa.sun_family != AF_UNIX || type != SOCK_SEQPACKET || !acc)
    return MEMIF_ERR_INVAL_ARG;
  /* Accepting is bounded and never blocks the loop. */
  if ((fl = fcntl (fd, F_GETFL)) < 0
      || fcntl (fd, F_SETFL, fl | O_NONBLOCK) < 0)
    return errno_to_memif (errno);
  if ((err = db_fd_add (s->db, fd, FD_LISTENER, s, 0, MEMIF_FD_EVENT_READ)))
    return err;
  s->listen_fd = fd;
  s->listen_given = true;
  s->type = SOCK_LISTENER;
  return 0;
}

/* ---- socket objects ------------------------------------------------------ */

struct sock *
sock_new (struct db *db, const char *filename, void *private_ctx)
{
  struct sock *s = db_zalloc (db, sizeof *s);

  if (!s)
    return NULL;
  s->db = db;
  s->listen_fd = -1;
  s->private_ctx = private_ctx;
  strncpy (s->filename, filename, sizeof s->filename - 1);
  s->next = db->socks;
  db->socks = s;
  return s;
}

void
sock_free (struct sock *s)
{
  struct db *db = s->db;
  struct sock **pp;

  while (s->pending)
    session_close (s->pending);
  sock_unlisten (s);
  for (pp = &db->socks; *pp; pp = &(*pp)->next)
    if (*pp == s)
      {
	*pp = s->next;
	break;
      }
  if (db->default_sock == s)
    db->default_sock = NULL;
  db_free (db, s);
}

/* The socket's role is fixed by its first interface (or by a listener
 * handed in). */
int
sock_attach (struct sock *s, bool master)
{
  int err;

  if (s->type == SOCK_UNSET)
    {
      if (master && (err = sock_listen (s)))
	return err;
      s->type = master ? SOCK_LISTENER : SOCK_CLIENT;
    }
  else if (s->type != (master ? SOCK_LISTENER : SOCK_CLIENT))
    return MEMIF_ERR_INVAL_ARG;
  s->nconns++;
  return 0;
}

/* Its last interface gone, a socket stops listening, unless its listener
 * was handed in (that one is the application's to give only once). */
void
sock_detach (struct sock *s)
{
  if (--s->nconns)
    return;
  while (s->pending)
    session_close (s->pending);
  if (s->listen_given)
    return;
  sock_unlisten (s);
  s->type = SOCK_UNSET;
}

/* Accept one pending connection: 1 when one was taken (or refused),
 * -EAGAIN when none is waiting, another negative value on failure. */
int
sock_accept (struct sock *s)
{
  int fd = accept4 (s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0)
    return errno == EAGAIN || errno == EINTR ? -EAGAIN
					       : -errno_to_memif (errno);
  if (s->npending >= MAX_PENDING_SESSIONS)
    {
      /* A flood of connection attempts: refuse the newcomer. */
      close (fd);
      return 1;
    }
  session_new_server (s, fd); /* closes fd itself on failure */
  return 1;
}

/* Connect a slave's control channel; returns the fd or -(memif error). */
int
sock_connect (struct conn *c)
{
  struct sockaddr_un sa;
  socklen_t len;
  int fd, err;

  if ((err = sock_addr (c->sock->filename, &sa, &len)))
    return -err;
  fd = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -errno_to_memif (errno);
  if (connect (fd, (struct sockaddr *) &sa, len) < 0)
    {
      err = errno;
      close (fd);
      return -errno_to_memif (err);
    }
  return fd;
}

/* 0, -EAGAIN when the socket is full, or another -errno. */
int
sock_send (int fd, const struct msg *m, int pass_fd)
{
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } ctl;
  struct iovec iov = { .iov_base = (void *) m, .iov_len = sizeof *m };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
  struct cmsghdr *cm;
  ssize_t n;

  if (pass_fd >= 0)
    {
      memset (&ctl, 0, sizeof ctl);
      mh.msg_control = ctl.buf;
      mh.msg_controllen = sizeof ctl.buf;
      cm = CMSG_FIRSTHDR (&mh);
      cm->cmsg_level = SOL_SOCKET;
      cm->cmsg_type = SCM_RIGHTS;
      cm->cmsg_len = CMSG_LEN (sizeof (int));
      memcpy (CMSG_DATA (cm), &pass_fd, sizeof (int));
    }
  do
    n = sendmsg (fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return -errno;
  return n == (ssize_t) sizeof *m ? 0 : -EMSGSIZE;
}

/* Close every fd carried by a control message. */
static int
collect_fds (struct msghdr *mh, int *fd_out)
{
  struct cmsghdr *cm;
  int nfds = 0;

  *fd_out = -1;
  for (cm = CMSG_FIRSTHDR (mh); cm; cm = CMSG_NXTHDR (mh, cm))
    {
      if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
	continue;
      size_t n = (cm->cmsg_len - CMSG_LEN (0)) / sizeof (int);
      for (size_t i = 0; i < n; i++)
	{
	  int fd;
	  memcpy (&fd, CMSG_DATA (cm) + i * sizeof (int), sizeof fd);
	  if (nfds++ == 0)
	    *fd_out = fd;
	  else
	    close (fd);
	}
    }
  return nfds;
}

/*
 * Receive one message.  Returns 1 with the message (and *fd_out, -1 if
 * none), 0 at end of stream, -EAGAIN when nothing is waiting, -EBADMSG for
 * a message of the wrong size or with more than one fd (all fds closed),
 * another -errno on failure.
 */
int
sock_recv (int fd, struct msg *m, int *fd_out)
{
  union
  {
    char buf[CMSG_SPACE (8 * sizeof (int))];
    struct cmsghdr align;
  } ctl;
  struct iovec iov = { .iov_base = m, .iov_len = sizeof *m };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
		       .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf };
  ssize_t n;
  int nfds;

  *fd_out = -1;
  do
    n = recvmsg (fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return -errno;
  nfds = collect_fds (&mh, fd_out);
  if (n == 0 && nfds == 0)
    return 0;
  if (n != (ssize_t) sizeof *m || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
      || nfds > 1)
    {
      if (*fd_out >= 0)
	close (*fd_out);
      *fd_out = -1;
      return -EBADMSG;
    }
  return 1;
}
