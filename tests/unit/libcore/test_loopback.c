/*
 * test_loopback.c - master and slave of this library talk to each other
 * through the public API only: geometry, chaining, modes, secrets,
 * refusals, zero-copy, details.  Every payload is checked byte by byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "loopback.h"

static int
connect_pair (struct pair *p, memif_conn_args_t *ma, memif_conn_args_t *sa,
	      bool interrupts)
{
  int err = lb_create (p, ma, sa, interrupts);
  if (err)
    return err;
  return LB_PUMP_UNTIL (p, p->m.connects && p->s.connects, 3000) ? 0 : -1;
}

/* n packets of len bytes each way on qid, through the rings. */
static void
exchange (struct pair *p, uint16_t qid, int n, uint32_t len)
{
  int sent_s = 0, sent_m = 0, got_s = 0, got_m = 0, r;
  uint64_t end = lb_now_ms () + 20000;

  while ((got_m < n || got_s < n) && lb_now_ms () < end)
    {
      if (sent_s < n)
	{
	  r = lb_send (&p->s, qid, n - sent_s, len);
	  assert_true (r >= 0);
	  sent_s += r;
	}
      if (sent_m < n)
	{
	  r = lb_send (&p->m, qid, n - sent_m, len);
	  assert_true (r >= 0);
	  sent_m += r;
	}
      r = lb_recv (&p->m, qid, len);
      assert_true (r >= 0);
      got_m += r;
      r = lb_recv (&p->s, qid, len);
      assert_true (r >= 0);
      got_s += r;
      memif_per_thread_poll_event (p->m.db, 0);
      memif_per_thread_poll_event (p->s.db, 0);
    }
  assert_int_equal (got_m, n);
  assert_int_equal (got_s, n);
  assert_int_equal (p->m.rx_errors + p->s.rx_errors, 0);
}

static void
run_geometry (uint8_t rings, uint8_t log2, uint16_t bufsize, uint32_t len,
	      int n)
{
  memif_conn_args_t ma, sa;
  struct pair p;

  assert_int_equal (lb_open (&p, "geo"), 0);
  lb_args (&ma, true, 7, rings, log2, bufsize);
  lb_args (&sa, false, 7, rings, log2, bufsize);
  assert_int_equal (connect_pair (&p, &ma, &sa, false), 0);
  for (uint16_t q = 0; q < rings; q++)
    {
      memif_set_rx_mode (p.m.conn, MEMIF_RX_MODE_POLLING, q);
      memif_set_rx_mode (p.s.conn, MEMIF_RX_MODE_POLLING, q);
    }
  for (uint16_t q = 0; q < rings; q++)
    exchange (&p, q, n, len);
  lb_close (&p);
}

static void
test_queue_counts (void **state)
{
  (void) state;
  run_geometry (1, 10, 2048, 64, 3000);
  run_geometry (2, 10, 2048, 1500, 1000);
  run_geometry (4, 8, 2048, 64, 1000);
  run_geometry (255, 6, 256, 64, 10); /* the most the API can ask for */
}

static void
test_ring_sizes (void **state)
{
  (void) state;
  for (uint8_t log2 = 6; log2 <= 14; log2++)
    run_geometry (1, log2, 2048, 64, 1 << (log2 + 1));
}

static void
test_buffer_sizes_and_chains (void **state)
{
  static const uint16_t bufsizes[] = { 128, 1500, 2048, 9216 };
  static const uint32_t lens[] = { 64, 1500, 9000 };

  (void) state;
  for (size_t b = 0; b < 4; b++)
    for (size_t l = 0; l < 3; l++)
      run_geometry (1, 10, bufsizes[b], lens[l], 300);
}

/* 70000 packets through a 64-slot ring: counters wrap past 65535. */
static void
test_counter_wrap (void **state)
{
  (void) state;
  run_geometry (1, 6, 256, 100, 70000);
}

static void
test_interrupt_mode (void **state)
{
  memif_conn_args_t ma, sa;
  struct pair p;
  int fd = -1;

  (void) state;
  assert_int_equal (lb_open (&p, "int"), 0);
  lb_args (&ma, true, 1, 1, 10, 2048);
  lb_args (&sa, false, 1, 1, 10, 2048);
  assert_int_equal (connect_pair (&p, &ma, &sa, true), 0);
  assert_int_equal (memif_get_queue_efd (p.m.conn, 0, &fd), 0);
  assert_true (fd >= 0);
  /* Slave sends; the master's loop must report an interrupt. */
  assert_int_equal (lb_send (&p.s, 0, 10, 64), 10);
  assert_true (LB_PUMP_UNTIL (&p, p.m.interrupts > 0, 2000));
  assert_int_equal (lb_recv (&p.m, 0, 64), 10);
  /* Drained: the eventfd is cleared, no further interrupt. */
  int before = p.m.interrupts;
  for (int i = 0; i < 20; i++)
    memif_per_thread_poll_event (p.m.db, 1);
  assert_int_equal (p.m.interrupts, before);
  /* Polling mode: the peer stops signalling. */
  assert_int_equal (memif_set_rx_mode (p.m.conn, MEMIF_RX_MODE_POLLING, 0), 0);
  assert_int_equal (lb_send (&p.s, 0, 10, 64), 10);
  for (int i = 0; i < 20; i++)
    memif_per_thread_poll_event (p.m.db, 1);
  assert_int_equal (p.m.interrupts, before);
  assert_int_equal (lb_recv (&p.m, 0, 64), 10);
  /* Master to slave in interrupt mode. */
  assert_int_equal (lb_send (&p.m, 0, 5, 1500), 5);
  assert_true (LB_PUMP_UNTIL (&p, p.s.interrupts > 0, 2000));
  assert_int_equal (lb_recv (&p.s, 0, 1500), 5);
  assert_int_equal (memif_set_rx_mode (p.m.conn, 7, 0), MEMIF_ERR_INVAL_ARG);
  assert_int_equal (memif_set_rx_mode (p.m.conn, MEMIF_RX_MODE_POLLING, 3),
		    MEMIF_ERR_QID);
  lb_close (&p);
}

static void
test_headroom (void **state)
{
  memif_conn_args_t ma, sa;
  memif_buffer_t b[4];
  struct pair p;
  uint16_t n;

  (void) state;
  assert_int_equal (lb_open (&p, "hr"), 0);
  p.s.headroom = 128;
  lb_args (&ma, true, 1, 1, 8, 2048);
  lb_args (&sa, false, 1, 1, 8, 2048);
  assert_int_equal (connect_pair (&p, &ma, &sa, false), 0);
  /* The master sees slots of buffer size minus headroom. */
  assert_int_equal (memif_buffer_alloc (p.m.conn, 0, b, 1, &n, 0), 0);
  assert_int_equal (n, 1);
  assert_int_equal (b[0].len, 2048 - 128);
  b[0].len = 64;
  memset (b[0].data, 0xab, 64);
  assert_int_equal (memif_tx_burst (p.m.conn, 0, b, 1, &n), 0);
  assert_int_equal (memif_rx_burst (p.s.conn, 0, b, 4, &n), 0);
  assert_int_equal (n, 1);
  assert_int_equal (b[0].len, 64);
  assert_int_equal (((uint8_t *) b[0].data)[63], 0xab);
  assert_int_equal (memif_refill_queue (p.s.conn, 0, 1, 4096),
		    MEMIF_ERR_INVAL_ARG);
  assert_int_equal (memif_refill_queue (p.s.conn, 0, 1, 128), 0);
  exchange (&p, 0, 500, 1500);
  lb_close (&p);
}

/* A refused slave sees the reason; the master then accepts a good one. */
static void
refusal (const char *msecret, const char *ssecret, int mmode, int smode,
	 uint32_t sid, const char *want)
{
  memif_conn_args_t sa;
  memif_details_t md;
  char buf[2048];
  struct pair p;

  assert_int_equal (lb_refused (&p, "refuse", msecret, ssecret, mmode, smode, sid), 0);
  assert_int_equal (p.m.connects + p.s.connects, 0);
  assert_int_equal (memif_get_details (p.s.conn, &md, buf, sizeof buf), 0);
  assert_string_equal ((char *) md.error, want);
  assert_int_equal (md.link_up_down, 0);
  if (sid == 3)
    {
      assert_int_equal (memif_get_details (p.m.conn, &md, buf, sizeof buf), 0);
      assert_string_equal ((char *) md.error, want);
    }
  /* Replace the slave by a correct one: the master accepts it. */
  memif_delete (&p.s.conn);
  lb_args (&sa, false, 3, 1, 8, 2048);
  sa.mode = mmode;
  if (msecret)
    strcpy ((char *) sa.secret, msecret);
  sa.socket = p.s.sock;
  assert_int_equal (memif_create (&p.s.conn, &sa, lb_on_connect,
				  lb_on_disconnect, NULL, &p.s),
		    0);
  assert_true (LB_PUMP_UNTIL (&p, p.m.connects && p.s.connects, 3000));
  exchange (&p, 0, 100, 64);
  lb_close (&p);
}

static void
test_secret_and_refusals (void **state)
{
  (void) state;
  refusal ("s3cret", NULL, 0, 0, 3, "secret required");
  refusal ("s3cret", "wrong", 0, 0, 3, "incorrect secret");
  refusal (NULL, NULL, 0, 1, 3, "mode mismatch");
  refusal (NULL, NULL, 0, 0, 99, "unmatched interface id");
  /* A full 24-byte secret is compared over all 24 bytes. */
  refusal ("abcdefghijklmnopqrstuvw", "abcdefghijklmnopqrstuvx", 0, 0, 3,
	   "incorrect secret");
}

static void
test_secret_right (void **state)
{
  memif_conn_args_t ma, sa;
  memif_details_t md;
  char buf[2048];
  struct pair p;

  (void) state;
  assert_int_equal (lb_open (&p, "secret"), 0);
  lb_args (&ma, true, 0, 1, 8, 2048);
  lb_args (&sa, false, 0, 1, 8, 2048);
  strcpy ((char *) ma.secret, "s3cret");
  strcpy ((char *) sa.secret, "s3cret");
  ma.mode = sa.mode = MEMIF_INTERFACE_MODE_PUNT_INJECT;
  assert_int_equal (connect_pair (&p, &ma, &sa, false), 0);
  assert_int_equal (memif_get_details (p.m.conn, &md, buf, sizeof buf), 0);
  assert_string_equal ((char *) md.secret, "s3cret");
  assert_int_equal (md.mode, 2);
  exchange (&p, 0, 100, 64);
  lb_close (&p);
}

static void
test_details (void **state)
{
  memif_conn_args_t ma, sa;
  memif_details_t md;
  char buf[4096];
  struct pair p;

  (void) state;
  assert_int_equal (lb_open (&p, "det"), 0);
  lb_args (&ma, true, 5, 2, 9, 4096);
  lb_args (&sa, false, 5, 2, 9, 1024);
  sa.num_s2m_rings = 3;
  assert_int_equal (connect_pair (&p, &ma, &sa, false), 0);
  assert_int_equal (memif_get_details (p.m.conn, &md, buf, sizeof buf), 0);
  assert_string_equal ((char *) md.if_name, "master5");
  assert_string_equal ((char *) md.inst_name, "master-app");
  assert_string_equal ((char *) md.remote_if_name, "slave5");
  assert_string_equal ((char *) md.remote_inst_name, "slave-app");
  assert_string_equal ((char *) md.socket_filename, p.sockname);
  assert_int_equal (md.id, 5);
  assert_int_equal (md.role, 0);
  assert_int_equal (md.link_up_down, 1);
  assert_null (md.secret);
  /* The slave's geometry rules: 3 S2M rings = master's rx queues. */
  assert_int_equal (md.rx_queues_num, 3);
  assert_int_equal (md.tx_queues_num, 2);
  assert_int_equal (md.rx_queues[2].ring_size, 512);
  assert_int_equal (md.rx_queues[0].buffer_size, 1024);
  assert_int_equal (md.regions_num, 2);
  assert_int_equal (memif_get_details (p.s.conn, &md, buf, sizeof buf), 0);
  assert_int_equal (md.role, 1);
  assert_int_equal (md.tx_queues_num, 3);
  assert_int_equal (md.regions[1].size, (3 + 2) * 512 * 1024);
  assert_int_equal (memif_get_details (p.s.conn, &md, buf, 10),
		    MEMIF_ERR_NOBUF_DET);
  /* Defaults were written back into the arguments. */
  memif_conn_args_t d;
  lb_args (&d, true, 77, 0, 0, 0);
  memif_conn_handle_t h = NULL;
  d.socket = p.m.sock;
  assert_int_equal (memif_create (&h, &d, NULL, NULL, NULL, NULL), 0);
  assert_int_equal (d.log2_ring_size, 10);
  assert_int_equal (d.buffer_size, 2048);
  assert_int_equal (d.num_s2m_rings, 1);
  assert_int_equal (memif_create (&h, &d, NULL, NULL, NULL, NULL),
		    MEMIF_ERR_CONN);
  assert_int_equal (memif_delete (&h), 0);
  assert_null (h);
  lb_close (&p);
}

static void
test_enq_tx_zero_copy (void **state)
{
  memif_conn_args_t ma, sa;
  memif_buffer_t b[64];
  struct pair p;
  uint16_t n, out, tx;

  (void) state;
  assert_int_equal (lb_open (&p, "zc"), 0);
  lb_args (&ma, true, 0, 1, 6, 2048);
  lb_args (&sa, false, 0, 1, 6, 2048);
  assert_int_equal (connect_pair (&p, &ma, &sa, false), 0);
  for (int round = 0; round < 200; round++)
    {
      /* Master sends 16, slave forwards the same buffers back. */
      assert_int_equal (lb_send (&p.m, 0, 16, 200), 16);
      int err = memif_rx_burst (p.s.conn, 0, b, 64, &n);
      assert_int_equal (err, 0);
      assert_int_equal (n, 16);
      assert_int_equal (memif_buffer_enq_tx (p.s.conn, 0, b, n, &out), 0);
      assert_int_equal (out, 16);
      assert_int_equal (memif_tx_burst (p.s.conn, 0, b, out, &tx), 0);
      assert_int_equal (tx, 16);
      assert_int_equal (memif_refill_queue (p.s.conn, 0, n, 0), 0);
      p.m.next_rx_seq = p.m.next_tx_seq - 16;
      assert_int_equal (lb_recv (&p.m, 0, 200), 16);
    }
  assert_int_equal (memif_buffer_enq_tx (p.m.conn, 0, b, 1, &out),
		    MEMIF_ERR_INVAL_ARG);
  lb_close (&p);
}

static void
test_ring_full_and_invalid_tx (void **state)
{
  memif_conn_args_t ma, sa;
  memif_buffer_t b[128];
  struct pair p;
  uint16_t n, tx;

  (void) state;
  assert_int_equal (lb_open (&p, "full"), 0);
  lb_args (&ma, true, 0, 1, 6, 1024);
  lb_args (&sa, false, 0, 1, 6, 1024);
  assert_int_equal (connect_pair (&p, &ma, &sa, false), 0);
  /* 64 slots: 40 two-slot chains cannot all fit; no half chain is left. */
  assert_int_equal (memif_buffer_alloc (p.s.conn, 0, b, 40, &n, 1500),
		    MEMIF_ERR_NOBUF_RING);
  assert_int_equal (n, 64);
  assert_true ((b[63].flags & MEMIF_BUFFER_FLAG_NEXT) == 0);
  /* A length beyond the slot is refused, nothing published from there. */
  b[0].len = 1025;
  assert_int_equal (memif_tx_burst (p.s.conn, 0, b, n, &tx),
		    MEMIF_ERR_INVAL_ARG);
  assert_int_equal (tx, 0);
  b[0].len = 1024;
  assert_int_equal (memif_tx_burst (p.s.conn, 0, b, n, &tx), 0);
  assert_int_equal (tx, 64);
  assert_int_equal (memif_buffer_alloc (p.s.conn, 0, b, 1, &n, 64),
		    MEMIF_ERR_NOBUF_RING);
  assert_int_equal (n, 0);
  assert_int_equal (memif_buffer_alloc (p.s.conn, 1, b, 1, &n, 64),
		    MEMIF_ERR_QID);
  assert_int_equal (memif_rx_burst (p.m.conn, 0, b, 10, &n), MEMIF_ERR_NOBUF);
  assert_int_equal (n, 10);
  lb_close (&p);
}

static void
test_disconnect_and_reconnect (void **state)
{
  memif_conn_args_t ma, sa;
  memif_buffer_t b[4];
  struct pair p;
  uint16_t n;
  int fd;

  (void) state;
  assert_int_equal (lb_open (&p, "recon"), 0);
  struct itimerspec t = { .it_value.tv_nsec = 50000000,
			  .it_interval.tv_nsec = 50000000 };
  assert_int_equal (memif_per_thread_set_connection_request_timer (p.s.db, t),
		    0);
  lb_args (&ma, true, 0, 1, 8, 2048);
  lb_args (&sa, false, 0, 1, 8, 2048);
  assert_int_equal (connect_pair (&p, &ma, &sa, false), 0);
  /* The master goes away: the slave sees it and data calls say so. */
  memif_delete (&p.m.conn);
  assert_true (LB_PUMP_UNTIL (&p, p.s.disconnects > 0, 2000));
  assert_int_equal (memif_buffer_alloc (p.s.conn, 0, b, 1, &n, 64),
		    MEMIF_ERR_DISCONNECTED);
  assert_int_equal (memif_get_queue_efd (p.s.conn, 0, &fd),
		    MEMIF_ERR_DISCONNECTED);
  assert_int_equal (fd, -1);
  memif_details_t md;
  char buf[1024];
  memif_get_details (p.s.conn, &md, buf, sizeof buf);
  assert_string_equal ((char *) md.error, "interface deleted");
  /* It comes back: the slave reconnects on its timer. */
  ma.socket = p.m.sock;
  assert_int_equal (memif_create (&p.m.conn, &ma, lb_on_connect,
				  lb_on_disconnect, NULL, &p.m),
		    0);
  assert_true (LB_PUMP_UNTIL (&p, p.s.connects == 2 && p.m.connects == 2, 3000));
  exchange (&p, 0, 200, 64);
  assert_int_equal (memif_request_connection (p.s.conn), MEMIF_ERR_ALRCONN);
  assert_int_equal (memif_request_connection (p.m.conn), MEMIF_ERR_INVAL_ARG);
  lb_close (&p);
}

static void
test_api_errors (void **state)
{
  memif_socket_handle_t s = NULL;
  memif_per_thread_main_handle_t db = NULL;
  memif_conn_args_t a;
  memif_conn_handle_t c = NULL;

  (void) state;
  assert_int_equal (memif_get_version (), 0x0200);
  assert_string_equal (memif_strerror (MEMIF_ERR_NOBUF_RING), "ring is full");
  assert_string_equal (memif_strerror (9999), "undefined error");
  assert_string_equal (memif_strerror (-1), "undefined error");
  for (int e = 0; e <= MEMIF_ERR_PRIVHDR; e++)
    assert_string_not_equal (memif_strerror (e), "undefined error");
  assert_int_equal (memif_per_thread_init (&db, NULL, NULL, NULL, NULL, NULL,
					   NULL),
		    0);
  assert_int_equal (memif_per_thread_create_socket (db, &s, "", NULL),
		    MEMIF_ERR_INVAL_ARG);
  assert_int_equal (memif_per_thread_create_socket (db, &s,
						     "/nonexistent-dir/x.sock",
						     NULL),
		    0);
  assert_string_equal (memif_get_socket_filename (s), "/nonexistent-dir/x.sock");
  /* A master on a socket whose directory is missing: a clear error. */
  lb_args (&a, true, 0, 1, 10, 2048);
  a.socket = s;
  assert_int_equal (memif_create (&c, &a, NULL, NULL, NULL, NULL),
		    MEMIF_ERR_NO_FILE);
  assert_null (c);
  a.log2_ring_size = 15;
  assert_int_equal (memif_create (&c, &a, NULL, NULL, NULL, NULL),
		    MEMIF_ERR_MAX_RING);
  /* A slave may be created while nothing listens. */
  lb_args (&a, false, 0, 1, 10, 2048);
  a.socket = s;
  assert_int_equal (memif_create (&c, &a, NULL, NULL, NULL, NULL), 0);
  assert_int_equal (memif_delete_socket (&s), MEMIF_ERR_INVAL_ARG);
  /* Same socket, the other role: refused. */
  memif_conn_handle_t c2 = NULL;
  lb_args (&a, true, 1, 1, 10, 2048);
  a.socket = s;
  assert_int_equal (memif_create (&c2, &a, NULL, NULL, NULL, NULL),
		    MEMIF_ERR_INVAL_ARG);
  assert_int_equal (memif_delete (&c), 0);
  assert_int_equal (memif_delete (&c), MEMIF_ERR_NOCONN);
  assert_int_equal (memif_delete_socket (&s), 0);
  assert_null (s);
  assert_int_equal (memif_per_thread_cleanup (&db), 0);
  assert_null (db);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_api_errors),
    cmocka_unit_test (test_queue_counts),
    cmocka_unit_test (test_ring_sizes),
    cmocka_unit_test (test_buffer_sizes_and_chains),
    cmocka_unit_test (test_counter_wrap),
    cmocka_unit_test (test_interrupt_mode),
    cmocka_unit_test (test_headroom),
    cmocka_unit_test (test_secret_right),
    cmocka_unit_test (test_secret_and_refusals),
    cmocka_unit_test (test_details),
    cmocka_unit_test (test_enq_tx_zero_copy),
    cmocka_unit_test (test_ring_full_and_invalid_tx),
    cmocka_unit_test (test_disconnect_and_reconnect),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
