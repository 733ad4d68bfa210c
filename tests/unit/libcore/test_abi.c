/*
 * test_abi.c - the compatibility contract with libmemif 3.1: every public
 * function has the 3.1 signature (checked at compile time by assigning it
 * to a pointer of the 3.1 type), every struct has the 3.1 layout on x86-64
 * (offsets computed from the 3.1 header by the platform ABI), every error
 * code and flag has its 3.1 value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "libmemif.h"

/* The 3.1 prototypes, spelled out independently of our header. */
static int (*const f_alloc) (memif_conn_handle_t, uint16_t, memif_buffer_t *,
			     uint16_t, uint16_t *, uint16_t)
  = memif_buffer_alloc;
static int (*const f_enq) (memif_conn_handle_t, uint16_t, memif_buffer_t *,
			   uint16_t, uint16_t *)
  = memif_buffer_enq_tx;
static int (*const f_tx) (memif_conn_handle_t, uint16_t, memif_buffer_t *,
			  uint16_t, uint16_t *)
  = memif_tx_burst;
static int (*const f_rx) (memif_conn_handle_t, uint16_t, memif_buffer_t *,
			  uint16_t, uint16_t *)
  = memif_rx_burst;
static int (*const f_refill) (memif_conn_handle_t, uint16_t, uint16_t,
			      uint16_t)
  = memif_refill_queue;
static int (*const f_init) (memif_control_fd_update_t *, char *,
			    memif_alloc_t *, memif_realloc_t *, memif_free_t *)
  = memif_init;
static int (*const f_pt_init) (memif_per_thread_main_handle_t *, void *,
			       memif_control_fd_update_t *, char *,
			       memif_alloc_t *, memif_realloc_t *,
			       memif_free_t *)
  = memif_per_thread_init;
static int (*const f_create) (memif_conn_handle_t *, memif_conn_args_t *,
			      memif_connection_update_t *,
			      memif_connection_update_t *, memif_interrupt_t *,
			      void *)
  = memif_create;
static int (*const f_details) (memif_conn_handle_t, memif_details_t *, char *,
			       ssize_t)
  = memif_get_details;
static int (*const f_sock) (memif_socket_handle_t *, const char *, void *)
  = memif_create_socket;
static int (*const f_pt_sock) (memif_per_thread_main_handle_t,
			       memif_socket_handle_t *, const char *, void *)
  = memif_per_thread_create_socket;
static const char *(*const f_fname) (memif_socket_handle_t)
  = memif_get_socket_filename;
static int (*const f_timer) (struct itimerspec) = memif_set_connection_request_timer;
static int (*const f_pt_timer) (memif_per_thread_main_handle_t,
				 struct itimerspec)
  = memif_per_thread_set_connection_request_timer;
static int (*const f_handler) (int, uint8_t) = memif_control_fd_handler;
static int (*const f_pt_handler) (memif_per_thread_main_handle_t, int, uint8_t)
  = memif_per_thread_control_fd_handler;
static int (*const f_efd) (memif_conn_handle_t, uint16_t, int *)
  = memif_get_queue_efd;
static int (*const f_mode) (memif_conn_handle_t, memif_rx_mode_t, uint16_t)
  = memif_set_rx_mode;
static char *(*const f_strerror) (int) = memif_strerror;
static void (*const f_ext) (memif_add_external_region_t *,
			    memif_get_external_region_addr_t *,
			    memif_del_external_region_t *,
			    memif_get_external_buffer_offset_t *)
  = memif_register_external_region;
static int (*const f_delete) (memif_conn_handle_t *) = memif_delete;
static int (*const f_del_sock) (memif_socket_handle_t *) = memif_delete_socket;
static int (*const f_poll) (int) = memif_poll_event;
static int (*const f_pt_poll) (memif_per_thread_main_handle_t, int)
  = memif_per_thread_poll_event;
static int (*const f_reqconn) (memif_conn_handle_t) = memif_request_connection;
static int (*const f_pt_cleanup) (memif_per_thread_main_handle_t *)
  = memif_per_thread_cleanup;

static void
test_signatures_link (void **state)
{
  const void *all[] = {
    (const void *) f_alloc,   (const void *) f_enq,	 (const void *) f_tx,
    (const void *) f_rx,      (const void *) f_refill,	 (const void *) f_init,
    (const void *) f_pt_init, (const void *) f_create,	 (const void *) f_details,
    (const void *) f_sock,    (const void *) f_pt_sock,	 (const void *) f_fname,
    (const void *) f_timer,   (const void *) f_pt_timer, (const void *) f_handler,
    (const void *) f_pt_handler, (const void *) f_efd,	 (const void *) f_mode,
    (const void *) f_strerror, (const void *) f_ext,	 (const void *) f_delete,
    (const void *) f_del_sock, (const void *) f_poll,	 (const void *) f_pt_poll,
    (const void *) f_reqconn, (const void *) f_pt_cleanup,
    (const void *) memif_cleanup, (const void *) memif_cancel_poll_event,
    (const void *) memif_per_thread_cancel_poll_event,
    (const void *) memif_per_thread_register_external_region,
    (const void *) memif_get_version,
  };
  (void) state;
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    assert_non_null (all[i]);
}

#define OFF(T, f, v) assert_int_equal (offsetof (T, f), v)

static void
test_struct_layouts (void **state)
{
  (void) state;
  OFF (memif_conn_args_t, socket, 0);
  OFF (memif_conn_args_t, secret, 8);
  OFF (memif_conn_args_t, num_s2m_rings, 32);
  OFF (memif_conn_args_t, num_m2s_rings, 33);
  OFF (memif_conn_args_t, buffer_size, 34);
  OFF (memif_conn_args_t, log2_ring_size, 36);
  OFF (memif_conn_args_t, is_master, 37);
  OFF (memif_conn_args_t, interface_id, 40);
  OFF (memif_conn_args_t, interface_name, 44);
  OFF (memif_conn_args_t, mode, 76);
  assert_int_equal (sizeof (memif_conn_args_t), 80);
  OFF (memif_buffer_t, desc_index, 0);
  OFF (memif_buffer_t, ring, 8);
  OFF (memif_buffer_t, len, 16);
  OFF (memif_buffer_t, flags, 20);
  OFF (memif_buffer_t, data, 24);
  assert_int_equal (sizeof (memif_buffer_t), 32);
  OFF (memif_queue_details_t, ring_size, 4);
  OFF (memif_queue_details_t, flags, 8);
  OFF (memif_queue_details_t, head, 10);
  OFF (memif_queue_details_t, tail, 12);
  OFF (memif_queue_details_t, buffer_size, 14);
  assert_int_equal (sizeof (memif_queue_details_t), 16);
  OFF (memif_region_details_t, addr, 8);
  OFF (memif_region_details_t, size, 16);
  OFF (memif_region_details_t, fd, 20);
  OFF (memif_region_details_t, is_external, 24);
  assert_int_equal (sizeof (memif_region_details_t), 32);
  OFF (memif_details_t, id, 32);
  OFF (memif_details_t, secret, 40);
  OFF (memif_details_t, role, 48);
  OFF (memif_details_t, mode, 49);
  OFF (memif_details_t, socket_filename, 56);
  OFF (memif_details_t, regions_num, 64);
  OFF (memif_details_t, regions, 72);
  OFF (memif_details_t, rx_queues_num, 80);
  OFF (memif_details_t, tx_queues_num, 81);
  OFF (memif_details_t, rx_queues, 88);
  OFF (memif_details_t, tx_queues, 96);
  OFF (memif_details_t, error, 104);
  OFF (memif_details_t, link_up_down, 112);
  assert_int_equal (sizeof (memif_details_t), 120);
}

static void
test_values (void **state)
{
  (void) state;
  assert_string_equal (LIBMEMIF_VERSION, "3.1");
  assert_int_equal (MEMIF_HAVE_CANCEL_POLL_EVENT, 1);
  assert_int_equal (MEMIF_ERR_SYSCALL, 1);
  assert_int_equal (MEMIF_ERR_NOMEM, 10);
  assert_int_equal (MEMIF_ERR_INVAL_ARG, 11);
  assert_int_equal (MEMIF_ERR_NOCONN, 12);
  assert_int_equal (MEMIF_ERR_NOBUF_RING, 18);
  assert_int_equal (MEMIF_ERR_NOBUF, 19);
  assert_int_equal (MEMIF_ERR_NOBUF_DET, 20);
  assert_int_equal (MEMIF_ERR_QID, 23);
  assert_int_equal (MEMIF_ERR_PROTO, 24);
  assert_int_equal (MEMIF_ERR_DISCONNECTED, 35);
  assert_int_equal (MEMIF_ERR_UNKNOWN_MSG, 36);
  assert_int_equal (MEMIF_ERR_POLL_CANCEL, 37);
  assert_int_equal (MEMIF_ERR_MAX_RING, 38);
  assert_int_equal (MEMIF_ERR_PRIVHDR, 39);
  assert_int_equal (MEMIF_FD_EVENT_READ, 1);
  assert_int_equal (MEMIF_FD_EVENT_WRITE, 2);
  assert_int_equal (MEMIF_FD_EVENT_ERROR, 4);
  assert_int_equal (MEMIF_FD_EVENT_DEL, 8);
  assert_int_equal (MEMIF_FD_EVENT_MOD, 16);
  assert_int_equal (MEMIF_BUFFER_FLAG_NEXT, 1);
  assert_int_equal (MEMIF_BUFFER_FLAG_RX, 2);
  assert_int_equal (MEMIF_QUEUE_FLAG_POLLING, 1);
  assert_int_equal (MEMIF_RX_MODE_INTERRUPT, 0);
  assert_int_equal (MEMIF_RX_MODE_POLLING, 1);
  assert_int_equal (MEMIF_INTERFACE_MODE_PUNT_INJECT, 2);
  assert_string_equal (MEMIF_DEFAULT_APP_NAME, "libmemif-app");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_signatures_link),
    cmocka_unit_test (test_struct_layouts),
    cmocka_unit_test (test_values),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
