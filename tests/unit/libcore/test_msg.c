/*
 * test_msg.c - the wire format: every message type is built with the
 * protocol's bytes at the protocol's offsets, strings are bounded, and the
 * checks refuse what they must.  Ring arithmetic across the 16-bit wrap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"
#include "ring.h"

static uint16_t
u16_at (const struct msg *m, size_t off)
{
  uint16_t v;
  memcpy (&v, (const uint8_t *) m + off, 2);
  return v;
}

static uint32_t
u32_at (const struct msg *m, size_t off)
{
  uint32_t v;
  memcpy (&v, (const uint8_t *) m + off, 4);
  return v;
}

static void
all_zero_from (const struct msg *m, size_t off)
{
  for (size_t i = off; i < sizeof *m; i++)
    assert_int_equal (((const uint8_t *) m)[i], 0);
}

static void
test_hello (void **state)
{
  struct msg m;

  (void) state;
  memset (&m, 0xee, sizeof m);
  msg_hello (&m, "memifd");
  assert_int_equal (u16_at (&m, 0), MSG_HELLO);
  assert_memory_equal ((uint8_t *) &m + 2, "memifd\0", 7);
  assert_int_equal (u16_at (&m, 34), 0x0200); /* min_version */
  assert_int_equal (u16_at (&m, 36), 0x0200); /* max_version */
  assert_int_equal (u16_at (&m, 38), 255);    /* max_region */
  assert_int_equal (u16_at (&m, 40), 255);    /* max_m2s_ring */
  assert_int_equal (u16_at (&m, 42), 255);    /* max_s2m_ring */
  assert_int_equal (((uint8_t *) &m)[44], 14);
  all_zero_from (&m, 45);
  assert_null (msg_check_hello (&m.hello));
  m.hello.min_version = 0x0201;
  assert_string_equal (msg_check_hello (&m.hello), "incompatible version");
  m.hello.min_version = 0x0100;
  m.hello.max_version = 0x0100;
  assert_string_equal (msg_check_hello (&m.hello), "incompatible version");
  m.hello.max_version = 0x0300;
  assert_null (msg_check_hello (&m.hello));
}

static void
test_init_and_secret (void **state)
{
  uint8_t secret[24] = "topsecret";
  struct msg m;

  (void) state;
  msg_init (&m, 0x01020304, 1, secret, "app");
  assert_int_equal (u16_at (&m, 0), MSG_INIT);
  assert_int_equal (u16_at (&m, 2), 0x0200);
  assert_int_equal (u32_at (&m, 4), 0x01020304);
  assert_int_equal (((uint8_t *) &m)[8], 1);
  assert_memory_equal ((uint8_t *) &m + 9, "topsecret", 9);
  assert_memory_equal ((uint8_t *) &m + 33, "app", 4);
  all_zero_from (&m, 65);
  uint8_t a[24] = "abc", b[24] = "abc", c[24] = "abd", full[24], full2[24];
  assert_true (msg_secret_equal (a, b));
  assert_false (msg_secret_equal (a, c));
  memset (full, 'x', 24);
  memset (full2, 'x', 24);
  assert_true (msg_secret_equal (full, full2));
  full2[23] = 'y';
  assert_false (msg_secret_equal (full, full2));
  assert_false (msg_secret_equal (a, full));
}

static void
test_region_ring_connect_disconnect (void **state)
{
  struct msg m;
  int err;

  (void) state;
  msg_add_region (&m, 3, 0x123456789ull);
  assert_int_equal (u16_at (&m, 0), MSG_ADD_REGION);
  assert_int_equal (u16_at (&m, 2), 3);
  uint64_t sz;
  memcpy (&sz, (uint8_t *) &m + 4, 8);
  assert_true (sz == 0x123456789ull);
  all_zero_from (&m, 12);

  msg_add_ring (&m, true, 5, 1, 0x4000, 10);
  assert_int_equal (u16_at (&m, 0), MSG_ADD_RING);
  assert_int_equal (u16_at (&m, 2), RING_FLAG_S2M);
  assert_int_equal (u16_at (&m, 4), 5);
  assert_int_equal (u16_at (&m, 6), 1);
  assert_int_equal (u32_at (&m, 8), 0x4000);
  assert_int_equal (((uint8_t *) &m)[12], 10);
  assert_int_equal (u16_at (&m, 13), 0);
  all_zero_from (&m, 15);
  assert_null (msg_check_add_ring (&m.add_ring, &err));
  m.add_ring.flags = 6;
  assert_string_equal (msg_check_add_ring (&m.add_ring, &err),
		       "unknown ring flags");
  m.add_ring.flags = 0;
  m.add_ring.log2_ring_size = 15;
  assert_string_equal (msg_check_add_ring (&m.add_ring, &err),
		       "ring size too large");
  assert_int_equal (err, MEMIF_ERR_MAX_RING);

  msg_connect (&m, MSG_CONNECT, "a-very-long-interface-name-over-32-bytes");
  assert_int_equal (u16_at (&m, 0), MSG_CONNECT);
  assert_memory_equal ((uint8_t *) &m + 2, "a-very-long-interface-name-over-", 32);
  all_zero_from (&m, 34);
  char s[33];
  msg_copy_string (s, m.connect.if_name, 32);
  assert_int_equal (strlen (s), 32);

  char reason[200];
  memset (reason, 'r', sizeof reason - 1);
  reason[199] = 0;
  msg_disconnect (&m, 7, reason);
  assert_int_equal (u16_at (&m, 0), MSG_DISCONNECT);
  assert_int_equal (u32_at (&m, 2), 7);
  assert_int_equal (((uint8_t *) &m)[6 + 95], 'r');
  all_zero_from (&m, 102);
  assert_string_equal (msg_type_name (MSG_ADD_RING), "ADD_RING");
  assert_string_equal (msg_type_name (999), "unknown");
}

static void
test_ring_arithmetic_wrap (void **state)
{
  (void) state;
  assert_int_equal (ring_distance (65530, 4), 10);
  assert_int_equal (ring_distance (4, 4), 0);
  assert_int_equal (ring_distance (0, 65535), 65535);
  uint16_t head = 65535;
  head++;
  assert_int_equal (head & 1023, 0);
  assert_int_equal (ring_bytes (10), 128 + 16 * 1024);
  assert_int_equal (ring_bytes (14), 128 + 16 * 16384);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_hello),
    cmocka_unit_test (test_init_and_secret),
    cmocka_unit_test (test_region_ring_connect_disconnect),
    cmocka_unit_test (test_ring_arithmetic_wrap),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
