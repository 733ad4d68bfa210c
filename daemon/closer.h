/*
 * closer.h - closing host devices' fds off the event loop.
 *
 * Closing the last fd of a TAP that memifd made makes the kernel remove
 * the device there and then, under the RTNL lock and across RCU grace
 * periods: some 15 ms on an idle machine, seconds while other work holds
 * RTNL.  Releasing a packet socket (pcap-live) waits for a grace period
 * too.  The loop hands such fds to one long-lived thread instead, in
 * order, and goes on at once.
 *
 * A key names what the fds hold (a device in a namespace, "" for
 * nothing in particular), so that whoever opens that device again first
 * waits for its old fds to be closed (closer_wait).  Without closer_init,
 * or when the thread or memory cannot be had, closer_close closes at once.
 *
 * For tests, MEMIFD_TEST_CLOSE_DELAY_MS=N in memifd's environment makes
 * the thread wait N ms before closing a device's fds: a kernel slow to
 * remove a device, on demand (tests/integration/daemon_create_wait.sh).
 */
#ifndef MEMIFD_CLOSER_H
#define MEMIFD_CLOSER_H

#include <stdbool.h>
#include <stddef.h>

/* a key's size: a namespace's name, '/', a device's name */
#define CLOSER_KEY_MAX 96

/* Starts the thread (signals blocked in it); 0 or -errno. */
int closer_init(void);
/* Closes everything still pending, then ends the thread. */
void closer_fini(void);

/* Takes fds[0..n) (negative ones are skipped) and closes them in order. */
void closer_close(const char *key, const int *fds, unsigned n);
/* Sets a TAP's carrier (TUNSETCARRIER on fd) in the thread, in order with
 * the closes: it takes RTNL too, which a removal may hold for seconds.
 * The fd must be closed through closer_close, after. */
void closer_carrier(const char *key, int fd, bool up);
/* Waits up to timeout_ms until no fd under key is left to close: 0, or
 * -ETIMEDOUT with some still pending. */
int closer_wait(const char *key, int timeout_ms);

/* Whether fds under key are still to be closed (it does not wait). */
bool closer_busy(const char *key);

/* The key of device NAME in namespace NETNS ("" or NULL: memifd's own). */
void closer_key(char *key, size_t len, const char *netns, const char *name);

#endif
