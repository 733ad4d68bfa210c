/*
 * test_compat31.c - places where libmemif 3.1 itself behaves in a way its
 * header does not say, and programs may rely on: a socket path already
 * listened on, the peer's names in memif_get_details after a refusal and
 * after a disconnect.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "loopback.h"

/* A second socket object for a path its database listens on is
 * INVAL_ARG; before the first one listens, and after it stopped, it is
 * not (3.1 looks only at listening sockets). */
static void
test_create_socket_on_a_listened_path (void **state)
{
  memif_per_thread_main_handle_t db = NULL, other = NULL;
  memif_socket_handle_t a = NULL, b = NULL, c = NULL, d = NULL;
  memif_conn_handle_t conn = NULL;
  memif_conn_args_t args;
  char name[108], longer[116];

  (void) state;
  snprintf (name, sizeof name, "@memifd-test-%d-dup", (int) getpid ());
  snprintf (longer, sizeof longer, "%s2", name);
  assert_int_equal (memif_per_thread_init (&db, NULL, NULL, "app", NULL, NULL,
					   NULL),
		    0);
  assert_int_equal (memif_per_thread_create_socket (db, &a, name, NULL), 0);
  /* nothing listens yet: a second object of the path is allowed */
  assert_int_equal (memif_per_thread_create_socket (db, &b, name, NULL), 0);
  assert_int_equal (memif_delete_socket (&b), 0);
  lb_args (&args, true, 0, 1, 8, 2048);
  args.socket = a;
  assert_int_equal (memif_create (&conn, &args, NULL, NULL, NULL, NULL), 0);
  /* a listens now */
  b = NULL;
  assert_int_equal (memif_per_thread_create_socket (db, &b, name, NULL),
		    MEMIF_ERR_INVAL_ARG);
  assert_null (b);
  /* ours: the whole name is compared (3.1 took a longer name that began
   * with a listened one for the same) */
  assert_int_equal (memif_per_thread_create_socket (db, &c, longer, NULL), 0);
  /* another database does not share the check */
  assert_int_equal (memif_per_thread_init (&other, NULL, NULL, "app2", NULL,
					   NULL, NULL),
		    0);
  assert_int_equal (memif_per_thread_create_socket (other, &d, name, NULL), 0);
  /* the interface gone, a stops listening: the path is free again */
  assert_int_equal (memif_delete (&conn), 0);
  assert_int_equal (memif_per_thread_create_socket (db, &b, name, NULL), 0);
  assert_int_equal (memif_delete_socket (&b), 0);
  assert_int_equal (memif_delete_socket (&c), 0);
  assert_int_equal (memif_delete_socket (&a), 0);
  assert_int_equal (memif_delete_socket (&d), 0);
  assert_int_equal (memif_per_thread_cleanup (&other), 0);
  assert_int_equal (memif_per_thread_cleanup (&db), 0);
}

/* The same through the global database's memif_create_socket. */
static void
test_create_socket_global (void **state)
{
  memif_socket_handle_t a = NULL, b = NULL;
  memif_conn_handle_t conn = NULL;
  memif_conn_args_t args;
  char name[108];

  (void) state;
  snprintf (name, sizeof name, "@memifd-test-%d-gdup", (int) getpid ());
  assert_int_equal (memif_init (NULL, "app", NULL, NULL, NULL), 0);
  assert_int_equal (memif_create_socket (&a, name, NULL), 0);
  lb_args (&args, true, 0, 1, 8, 2048);
  args.socket = a;
  assert_int_equal (memif_create (&conn, &args, NULL, NULL, NULL, NULL), 0);
  assert_int_equal (memif_create_socket (&b, name, NULL), MEMIF_ERR_INVAL_ARG);
  assert_int_equal (memif_delete (&conn), 0);
  assert_int_equal (memif_delete_socket (&a), 0);
  assert_int_equal (memif_cleanup (), 0);
}

/* A slave the master refused after its HELLO reports the master's
 * application name (and no interface name: it never got that far). */
static void
refused_names (const char *msecret, const char *ssecret, int smode,
	       uint32_t sid, const char *want)
{
  memif_details_t md;
  char buf[2048];
  struct pair p;

  assert_int_equal (lb_refused (&p, "refnames", msecret, ssecret, 0, smode, sid), 0);
  assert_int_equal (memif_get_details (p.s.conn, &md, buf, sizeof buf), 0);
  assert_string_equal ((char *) md.error, want);
  assert_int_equal (md.link_up_down, 0);
  assert_string_equal ((char *) md.remote_inst_name, "master-app");
  assert_string_equal ((char *) md.remote_if_name, "");
  lb_close (&p);
}

static void
test_refused_slave_knows_the_master_name (void **state)
{
  (void) state;
  refused_names ("s3cret", "wrong", 0, 3, "incorrect secret");
  refused_names ("s3cret", NULL, 0, 3, "secret required");
  refused_names (NULL, NULL, 0, 99, "unmatched interface id");
  refused_names (NULL, NULL, 1, 3, "mode mismatch");
}

static void
expect_names (memif_conn_handle_t conn, const char *if_name,
	      const char *inst_name)
{
  memif_details_t md;
  char buf[2048];

  assert_int_equal (memif_get_details (conn, &md, buf, sizeof buf), 0);
  assert_int_equal (md.link_up_down, 0);
  assert_int_equal (md.rx_queues_num, 0);
  assert_string_equal ((char *) md.remote_if_name, if_name);
  assert_string_equal ((char *) md.remote_inst_name, inst_name);
}

/* After a disconnect both sides still name the peer that left. */
static void
test_names_kept_after_disconnect (void **state)
{
  memif_conn_args_t ma, sa;
  struct pair p;

  (void) state;
  assert_int_equal (lb_open (&p, "keep"), 0);
  lb_args (&ma, true, 4, 1, 8, 2048);
  lb_args (&sa, false, 4, 1, 8, 2048);
  assert_int_equal (lb_create (&p, &ma, &sa, false), 0);
  assert_true (LB_PUMP_UNTIL (&p, p.m.connects && p.s.connects, 3000));
  /* the master goes: the slave keeps its names */
  assert_int_equal (memif_delete (&p.m.conn), 0);
  assert_true (LB_PUMP_UNTIL (&p, p.s.disconnects > 0, 3000));
  expect_names (p.s.conn, "master4", "master-app");
  /* a new master; then the slave goes: the master keeps its names */
  ma.socket = p.m.sock;
  assert_int_equal (memif_create (&p.m.conn, &ma, lb_on_connect,
				  lb_on_disconnect, NULL, &p.m),
		    0);
  assert_int_equal (memif_request_connection (p.s.conn), 0);
  assert_true (LB_PUMP_UNTIL (&p, p.m.connects == 2 && p.s.connects == 2,
			      3000));
  assert_int_equal (memif_delete (&p.s.conn), 0);
  assert_true (LB_PUMP_UNTIL (&p, p.m.disconnects > 1, 3000));
  expect_names (p.m.conn, "slave4", "slave-app");
  lb_close (&p);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_create_socket_on_a_listened_path),
    cmocka_unit_test (test_create_socket_global),
    cmocka_unit_test (test_refused_slave_knows_the_master_name),
    cmocka_unit_test (test_names_kept_after_disconnect),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
