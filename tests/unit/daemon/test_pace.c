/* test_pace.c - replay pacing: each timing gives the offsets it promises. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pace.h"

static void fast_is_always_now(void **state)
{
	struct pace p;

	(void)state;
	pace_init(&p, RT_FAST, 0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(pace_due(&p, (uint64_t)i * 1000, 1500), 0);
}

static void pps_spaces_frames_evenly_without_drift(void **state)
{
	struct pace p;
	uint64_t off = 0;

	(void)state;
	pace_init(&p, RT_PPS, 3); /* 333333333.3 ns: rounding must not add up */
	for (int i = 0; i < 3001; i++)
		off = pace_due(&p, 0, 64);
	assert_int_equal(off, 1000000000ull * 1000);
	pace_init(&p, RT_PPS, 1000);
	assert_int_equal(pace_due(&p, 0, 64), 0);
	assert_int_equal(pace_due(&p, 0, 64), 1000000);
}

static void mbps_counts_bits_of_earlier_frames(void **state)
{
	struct pace p;

	(void)state;
	pace_init(&p, RT_MBPS, 8); /* 8 Mbit/s: one byte per microsecond */
	assert_int_equal(pace_due(&p, 0, 1000), 0);
	assert_int_equal(pace_due(&p, 0, 500), 1000000);  /* 1000 bytes later */
	assert_int_equal(pace_due(&p, 0, 60), 1500000);
	pace_init(&p, RT_MBPS, 100000); /* large rates: no overflow */
	for (int i = 0; i < 1000000; i++)
		pace_due(&p, 0, 9000);
	assert_int_equal(pace_due(&p, 0, 9000), 9000ull * 8 * 1000 * 1000000 / 100000);
}

static void recorded_follows_timestamps_and_loops_on(void **state)
{
	struct pace p;

	(void)state;
	pace_init(&p, RT_RECORDED, 0);
	assert_int_equal(pace_due(&p, 5000000000ull, 60), 0);
	assert_int_equal(pace_due(&p, 5000250000ull, 60), 250000);
	/* a timestamp going backwards does not go back in time */
	assert_int_equal(pace_due(&p, 5000100000ull, 60), 250000);
	assert_int_equal(pace_due(&p, 5001000000ull, 60), 1000000);
	pace_new_pass(&p);
	assert_int_equal(pace_due(&p, 5000000000ull, 60), 1000000);
	assert_int_equal(pace_due(&p, 5000250000ull, 60), 1250000);
}

static void rates_continue_across_passes(void **state)
{
	struct pace p;

	(void)state;
	pace_init(&p, RT_PPS, 10);
	pace_due(&p, 0, 60);
	pace_due(&p, 0, 60);
	pace_new_pass(&p);
	assert_int_equal(pace_due(&p, 0, 60), 200000000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fast_is_always_now),
		cmocka_unit_test(pps_spaces_frames_evenly_without_drift),
		cmocka_unit_test(mbps_counts_bits_of_earlier_frames),
		cmocka_unit_test(recorded_follows_timestamps_and_loops_on),
		cmocka_unit_test(rates_continue_across_passes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
