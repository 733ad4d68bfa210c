/* test_closer.c - the closer thread: jobs run in order, a key is busy
 * until its jobs are done, carrier changes queue with the closes.  The
 * thread is slowed with MEMIFD_TEST_CLOSE_DELAY_MS so that "busy" is seen
 * for certain; pipes stand in for a device's fds (their other end sees
 * when they are closed).  Needs no root. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "closer.h"

static int setup(void **state)
{
	(void)state;
	setenv("MEMIFD_TEST_CLOSE_DELAY_MS", "150", 1);
	return closer_init();
}

static int teardown(void **state)
{
	(void)state;
	closer_fini();
	return 0;
}

/* Whether the write end of a pipe was closed: its read end sees EOF. */
static bool write_end_closed(int rd)
{
	char c;

	return read(rd, &c, 1) == 0;
}

static void busy_until_closed_and_only_that_key(void **state)
{
	int p[2];
	char key[CLOSER_KEY_MAX];

	(void)state;
	closer_key(key, sizeof(key), "ns1", "tap0");
	assert_string_equal(key, "ns1/tap0");
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	closer_close(key, &p[1], 1);
	assert_true(closer_busy(key)); /* the thread waits 150 ms first */
	assert_false(closer_busy("ns1/tap1"));
	assert_false(closer_busy("/tap0"));
	assert_false(closer_busy(""));
	assert_false(write_end_closed(p[0]));
	assert_int_equal(closer_wait(key, 3000), 0);
	assert_false(closer_busy(key));
	assert_true(write_end_closed(p[0]));
	close(p[0]);
}

static void wait_times_out_while_pending(void **state)
{
	int p[2];

	(void)state;
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	closer_close("k", &p[1], 1);
	assert_int_equal(closer_wait("k", 20), -ETIMEDOUT);
	assert_true(closer_busy("k"));
	assert_int_equal(closer_wait("k", 3000), 0);
	close(p[0]);
}

/* A carrier change keeps its key busy like a close, and runs before a
 * close queued after it: the fd it uses is still open then (on a pipe,
 * TUNSETCARRIER fails, as it may, and is only logged). */
static void carrier_in_order_with_closes(void **state)
{
	int p[2], q[2];

	(void)state;
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	assert_int_equal(pipe2(q, O_NONBLOCK), 0);
	closer_close("first", &q[1], 1); /* 150 ms: what follows waits */
	closer_carrier("c", p[1], true);
	assert_true(closer_busy("c"));
	closer_carrier("c", p[1], false);
	closer_close("c", &p[1], 1);
	assert_int_equal(closer_wait("c", 3000), 0);
	assert_false(closer_busy("first")); /* it ran before */
	assert_true(write_end_closed(q[0]));
	assert_true(write_end_closed(p[0]));
	close(p[0]);
	close(q[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(busy_until_closed_and_only_that_key),
		cmocka_unit_test(wait_times_out_while_pending),
		cmocka_unit_test(carrier_in_order_with_closes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
