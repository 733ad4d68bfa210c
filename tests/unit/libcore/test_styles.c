/*
 * test_styles.c - the ways an application can drive the library: the
 * global database with the library's own epoll (memif_poll_event,
 * memif_cancel_poll_event, memif_cleanup), an application-owned epoll
 * loop fed by the fd-update callback, per-thread databases used from two
 * threads at once, custom allocators and external regions.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "loopback.h"

/* ---- application-owned event loop -------------------------------------- */

struct app_loop
{
  int epfd;
  int adds, mods, dels, writes_asked;
};

static int
app_fd_update (int fd, uint8_t events, void *ctx)
{
  struct app_loop *l = ctx;
  struct epoll_event ev = { .data.fd = fd };

  if (events & MEMIF_FD_EVENT_DEL)
    {
      l->dels++;
      return epoll_ctl (l->epfd, EPOLL_CTL_DEL, fd, NULL);
    }
  if (events & MEMIF_FD_EVENT_READ)
    ev.events |= EPOLLIN;
  if (events & MEMIF_FD_EVENT_WRITE)
    {
      ev.events |= EPOLLOUT;
      l->writes_asked++;
    }
  if (events & MEMIF_FD_EVENT_MOD)
    {
      l->mods++;
      return epoll_ctl (l->epfd, EPOLL_CTL_MOD, fd, &ev);
    }
  l->adds++;
  return epoll_ctl (l->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void
app_turn (memif_per_thread_main_handle_t db, struct app_loop *l, int ms)
{
  struct epoll_event evs[8];
  int n = epoll_wait (l->epfd, evs, 8, ms);

  for (int i = 0; i < n; i++)
    {
      uint8_t e = 0;
      if (evs[i].events & EPOLLIN)
	e |= MEMIF_FD_EVENT_READ;
      if (evs[i].events & EPOLLOUT)
	e |= MEMIF_FD_EVENT_WRITE;
      if (evs[i].events & (EPOLLERR | EPOLLHUP))
	e |= MEMIF_FD_EVENT_ERROR;
      memif_per_thread_control_fd_handler (db, evs[i].data.fd, e);
    }
}

static void
test_application_owned_loop (void **state)
{
  struct app_loop lm = { .epfd = epoll_create1 (0) };
  struct app_loop ls = { .epfd = epoll_create1 (0) };
  memif_conn_args_t ma, sa;
  struct pair p;
  char name[64];

  (void) state;
  memset (&p, 0, sizeof p);
  snprintf (name, sizeof name, "@memifd-test-%d-apploop", (int) getpid ());
  p.s.refill_on_connect = true;
  assert_int_equal (memif_per_thread_init (&p.m.db, &lm, app_fd_update, "m",
					   NULL, NULL, NULL), 0);
  /* The reconnect and housekeeping timers are announced at once. */
  assert_int_equal (lm.adds, 2);
  assert_int_equal (memif_per_thread_init (&p.s.db, &ls, app_fd_update, "s",
					   NULL, NULL, NULL), 0);
  assert_int_equal (memif_per_thread_create_socket (p.m.db, &p.m.sock, name,
						     NULL), 0);
  assert_int_equal (memif_per_thread_create_socket (p.s.db, &p.s.sock, name,
						     NULL), 0);
  /* With on_interrupt, the rx eventfds are announced on connect too. */
  lb_args (&ma, true, 0, 2, 8, 2048);
  lb_args (&sa, false, 0, 2, 8, 2048);
  assert_int_equal (lb_create (&p, &ma, &sa, true), 0);
  assert_int_equal (memif_per_thread_control_fd_handler (p.m.db, 99999, 1),
		    MEMIF_ERR_BAD_FD);
  uint64_t end = lb_now_ms () + 3000;
  while (!(p.m.connects && p.s.connects) && lb_now_ms () < end)
    {
      app_turn (p.m.db, &lm, 5);
      app_turn (p.s.db, &ls, 5);
    }
  assert_true (p.m.connects && p.s.connects);
  /* timers + listener + control + 2 interrupt fds */
  assert_int_equal (lm.adds, 2 + 1 + 1 + 2);
  assert_int_equal (lb_send (&p.s, 1, 20, 64), 20);
  end = lb_now_ms () + 2000;
  while (!p.m.interrupts && lb_now_ms () < end)
    app_turn (p.m.db, &lm, 5);
  assert_true (p.m.interrupts > 0);
  assert_int_equal (lb_recv (&p.m, 1, 64), 20);
  int dels_before = lm.dels;
  memif_delete (&p.m.conn);
  /* control fd, both interrupt fds and the listener were withdrawn */
  assert_int_equal (lm.dels - dels_before, 4);
  lb_close (&p);
  close (lm.epfd);
  close (ls.epfd);
}

/* ---- the global database --------------------------------------------- */

static void *
cancel_later (void *arg)
{
  (void) arg;
  usleep (100000);
  memif_cancel_poll_event ();
  return NULL;
}

static void
test_global_database (void **state)
{
  memif_socket_handle_t s = NULL;
  memif_conn_handle_t c = NULL;
  memif_conn_args_t a;
  pthread_t t;
  char name[64];

  (void) state;
  assert_int_equal (memif_init (NULL, "global-app-with-a-name-longer-than-32"
				      "-bytes", NULL, NULL, NULL), 0);
  assert_int_equal (memif_init (NULL, NULL, NULL, NULL, NULL),
		    MEMIF_ERR_ALREADY);
  assert_int_equal (memif_poll_event (0), 0);
  uint64_t t0 = lb_now_ms ();
  assert_int_equal (memif_poll_event (50), 0); /* milliseconds */
  assert_true (lb_now_ms () - t0 >= 45 && lb_now_ms () - t0 < 1000);
  pthread_create (&t, NULL, cancel_later, NULL);
  int r;
  while ((r = memif_poll_event (-1)) == 0)
    ;
  assert_int_equal (r, MEMIF_ERR_POLL_CANCEL);
  pthread_join (t, NULL);
  /* An interface on the default socket keeps cleanup from succeeding. */
  lb_args (&a, false, 0, 1, 8, 2048);
  assert_int_equal (memif_create (&c, &a, NULL, NULL, NULL, NULL), 0);
  memif_details_t md;
  char buf[512];
  assert_int_equal (memif_get_details (c, &md, buf, sizeof buf), 0);
  assert_string_equal ((char *) md.socket_filename, "/run/vpp/memif.sock");
  assert_int_equal (strlen ((char *) md.inst_name), 31);
  assert_int_equal (memif_cleanup (), MEMIF_ERR_INVAL_ARG);
  assert_int_equal (memif_delete (&c), 0);
  snprintf (name, sizeof name, "@memifd-test-%d-global", (int) getpid ());
  assert_int_equal (memif_create_socket (&s, name, NULL), 0);
  assert_int_equal (memif_cleanup (), 0);
  assert_int_equal (memif_poll_event (0), MEMIF_ERR_INVAL_ARG);
}

/* ---- per-thread databases from two threads ---------------------------- */

static void *
thread_pair (void *arg)
{
  memif_conn_args_t ma, sa;
  struct pair p;
  long ok = 0;

  (void) arg;
  if (lb_open (&p, "thr"))
    return (void *) 0;
  lb_args (&ma, true, 1, 1, 8, 2048);
  lb_args (&sa, false, 1, 1, 8, 2048);
  if (lb_create (&p, &ma, &sa, false) == 0
      && LB_PUMP_UNTIL (&p, p.m.connects && p.s.connects, 3000))
    {
      int got = 0;
      for (int round = 0; round < 200; round++)
	{
	  if (lb_send (&p.s, 0, 50, 256) != 50)
	    break;
	  int r = lb_recv (&p.m, 0, 256);
	  if (r < 0)
	    break;
	  got += r;
	}
      ok = got == 200 * 50 && p.m.rx_errors == 0;
    }
  lb_close (&p);
  return (void *) ok;
}

static void
test_per_thread_two_threads (void **state)
{
  pthread_t a, b;
  void *ra, *rb;

  (void) state;
  pthread_create (&a, NULL, thread_pair, NULL);
  pthread_create (&b, NULL, thread_pair, NULL);
  pthread_join (a, &ra);
  pthread_join (b, &rb);
  assert_true ((long) ra);
  assert_true ((long) rb);
}

/* ---- custom allocators and external regions ---------------------------- */

static int allocs, frees;

static void *
my_alloc (size_t n)
{
  allocs++;
  return malloc (n);
}

static void *
my_realloc (void *p, size_t n)
{
  if (!p)
    allocs++;
  return realloc (p, n);
}

static void
my_free (void *p)
{
  if (p)
    frees++;
  free (p);
}

static int ext_added, ext_deleted;

static int
ext_add (void **addr, uint32_t size, int *fd, void *ctx)
{
  (void) ctx;
  *fd = memfd_create ("ext", MFD_CLOEXEC);
  if (*fd < 0 || ftruncate (*fd, size) < 0)
    return -1;
  *addr = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
  ext_added++;
  return *addr == MAP_FAILED ? -1 : 0;
}

static void *
ext_get (uint32_t size, int fd, void *ctx)
{
  (void) ctx;
  return mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
}

static int
ext_del (void *addr, uint32_t size, int fd, void *ctx)
{
  (void) ctx;
  munmap (addr, size);
  close (fd);
  ext_deleted++;
  return 0;
}

static void
test_allocators_and_external_region (void **state)
{
  memif_conn_args_t ma, sa;
  memif_details_t md;
  char buf[2048], name[64];
  struct pair p;

  (void) state;
  memset (&p, 0, sizeof p);
  p.s.refill_on_connect = true;
  snprintf (name, sizeof name, "@memifd-test-%d-ext", (int) getpid ());
  assert_int_equal (memif_per_thread_init (&p.m.db, &p.m, NULL, "m", my_alloc,
					   my_realloc, my_free), 0);
  assert_int_equal (memif_per_thread_init (&p.s.db, &p.s, NULL, "s", my_alloc,
					   my_realloc, my_free), 0);
  memif_per_thread_register_external_region (p.s.db, ext_add, ext_get,
					     ext_del, NULL);
  assert_int_equal (memif_per_thread_create_socket (p.m.db, &p.m.sock, name,
						     NULL), 0);
  assert_int_equal (memif_per_thread_create_socket (p.s.db, &p.s.sock, name,
						     NULL), 0);
  lb_args (&ma, true, 0, 1, 8, 2048);
  lb_args (&sa, false, 0, 1, 8, 2048);
  assert_int_equal (lb_create (&p, &ma, &sa, false), 0);
  assert_true (LB_PUMP_UNTIL (&p, p.m.connects && p.s.connects, 3000));
  assert_int_equal (ext_added, 1);
  assert_int_equal (memif_get_details (p.s.conn, &md, buf, sizeof buf), 0);
  assert_int_equal (md.regions[1].is_external, 1);
  for (int i = 0; i < 20; i++)
    {
      assert_int_equal (lb_send (&p.s, 0, 100, 1000), 100);
      assert_int_equal (lb_recv (&p.m, 0, 1000), 100);
      assert_int_equal (lb_send (&p.m, 0, 100, 3000), 100);
      assert_int_equal (lb_recv (&p.s, 0, 3000), 100);
    }
  lb_close (&p);
  assert_int_equal (ext_deleted, 1);
  assert_true (allocs > 0);
  assert_int_equal (allocs, frees);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_application_owned_loop),
    cmocka_unit_test (test_global_database),
    cmocka_unit_test (test_per_thread_two_threads),
    cmocka_unit_test (test_allocators_and_external_region),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
