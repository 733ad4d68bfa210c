/*
 * worker.h - data-path threads.
 *
 * Each worker runs a loop (loop.h) of its own; the main thread keeps
 * control (management, configuration, handshakes, metrics).  What a
 * worker's loop watches - fds, pollers, timers - is added, changed and
 * removed by the main thread only while every worker is parked, and by
 * the worker itself from its own handlers.  workers_park() returns once
 * all workers wait between two batches of events (so none of them holds
 * an event fetched before), workers_release() lets them go on.  Parks
 * nest; with no workers both cost nothing.  Main thread only.
 */
#ifndef MEMIFD_WORKER_H
#define MEMIFD_WORKER_H

struct loop;

/* The count that "workers" asks for: CONF_WORKERS_AUTO becomes the CPUs
 * memifd may run on (its affinity mask), at most CONF_WORKERS_MAX. */
unsigned workers_resolve(unsigned conf);
/* Starts n threads (none: 0).  Inside a park they start parked.  Returns 0
 * or -errno (then none run). */
int workers_start(unsigned n);
/* Ends every worker (their loops must watch nothing of anyone's). */
void workers_stop(void);
unsigned workers_count(void);
/* Worker w's loop, 0 <= w < workers_count(). */
struct loop *workers_loop(unsigned w);
void workers_park(void);
void workers_release(void);

#endif
