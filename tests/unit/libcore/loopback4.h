/*
 * loopback4.h - loopback.h for the libmemif 4.x API: the same pair of a
 * master and a slave (each a 4.x socket with its own internal epoll), the
 * same helpers, so that test bodies written for 3.1 (test_loopback.c,
 * test_hostile.c) run unchanged against libmemif4 (test_v4_*.c).  The 3.1
 * calls those bodies and loopback.h make that 4.x lacks are spelled here
 * over 4.x ones: a "per-thread database" is a set of 4.x sockets, made by
 * memif_per_thread_create_socket.  Then loopback.h itself, included at the
 * end, gives the pair and its helpers.
 */
#ifndef TEST_LOOPBACK4_H
#define TEST_LOOPBACK4_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libmemif.h"

#ifndef MEMIF_FD_EVENT_READ /* 3.1 has it as a macro, 4.x as an enum */
#else
#error "loopback4.h is for the 4.x header (libcore/include4)"
#endif

/* ---- 3.1 spellings over 4.x -------------------------------------------- */

#define LB4_MAX_SOCKS 8
typedef struct lb4_db
{
  memif_socket_handle_t sock[LB4_MAX_SOCKS];
  int n;
  char app[32];
  memif_alloc_t *alloc;
  memif_realloc_t *realloc;
  memif_free_t *free;
} *memif_per_thread_main_handle_t;

static __thread struct lb4_db *lb4_all[64]; /* live ones, this thread's */

static inline int
memif_per_thread_init (memif_per_thread_main_handle_t *pt, void *ctx,
		       void *fd_update, const char *app, memif_alloc_t *a,
		       memif_realloc_t *ra, memif_free_t *f)
{
  struct lb4_db *d = calloc (1, sizeof *d);

  (void) ctx;
  if (!d || fd_update) /* only the library-owned loop here */
    return MEMIF_ERR_INVAL_ARG;
  snprintf (d->app, sizeof d->app, "%s", app ? app : "");
  d->alloc = a, d->realloc = ra, d->free = f;
  for (int i = 0; i < 64; i++)
    if (!lb4_all[i])
      {
	lb4_all[i] = d;
	break;
      }
  *pt = d;
  return 0;
}

static inline int
memif_per_thread_create_socket (memif_per_thread_main_handle_t d,
				memif_socket_handle_t *s, const char *name,
				void *ctx)
{
  memif_socket_args_t a = { .alloc = d->alloc, .realloc = d->realloc,
			    .free = d->free };
  int err;

  if (d->n == LB4_MAX_SOCKS || strlen (name) >= sizeof a.path)
    return MEMIF_ERR_NOMEM;
  memcpy (a.path, name, strlen (name) + 1);
  memcpy (a.app_name, d->app, sizeof a.app_name);
  /* 3.1's default: disconnected slaves try again every 2 s */
  a.connection_request_timer.it_value.tv_sec = 2;
  a.connection_request_timer.it_interval.tv_sec = 2;
  if ((err = memif_create_socket (s, &a, ctx)))
    return err;
  d->sock[d->n++] = *s;
  return 0;
}

static inline int
lb4_delete_socket (memif_socket_handle_t *s)
{
  memif_socket_handle_t was = *s;
  int err = (memif_delete_socket) (s);

  for (int i = 0; !err && i < 64; i++)
    for (int j = 0; lb4_all[i] && j < lb4_all[i]->n; j++)
      if (lb4_all[i]->sock[j] == was)
	lb4_all[i]->sock[j] = lb4_all[i]->sock[--lb4_all[i]->n];
  return err;
}
#define memif_delete_socket(s) lb4_delete_socket (s)

static inline int
memif_per_thread_cleanup (memif_per_thread_main_handle_t *pt)
{
  struct lb4_db *d = *pt;

  if (!d)
    return MEMIF_ERR_INVAL_ARG;
  while (d->n && !memif_delete_socket (&d->sock[d->n - 1]))
    ;
  for (int i = 0; i < 64; i++)
    if (lb4_all[i] == d)
      lb4_all[i] = NULL;
  free (d);
  *pt = NULL;
  return 0;
}

static inline int
memif_per_thread_poll_event (memif_per_thread_main_handle_t d, int timeout)
{
  int r = 0;

  if (d->n == 1)
    return memif_poll_event (d->sock[0], timeout);
  for (int i = 0; i < d->n; i++)
    if ((r = memif_poll_event (d->sock[i], 0)))
      return r;
  if (timeout)
    nanosleep (&(struct timespec){ .tv_nsec = 1000000 }, NULL);
  return r;
}

static inline int
memif_per_thread_set_connection_request_timer (memif_per_thread_main_handle_t d,
					       struct itimerspec t)
{
  for (int i = 0; i < d->n; i++)
    memif_set_connection_request_timer (d->sock[i], t);
  return 0;
}

#define memif_get_socket_filename memif_get_socket_path
#define socket_filename socket_path
#define memif_interrupt_t memif_on_interrupt_t

/* ---- the pair, as for 3.1 ---------------------------------------------- */

#include "loopback.h"

#endif
