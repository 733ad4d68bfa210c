/*
 * loopback.h - a master and a slave in one process, each with its own
 * per-thread database and library-owned epoll, pumped alternately.  Only
 * the public libmemif API is used.  Shared by the loopback tests of both
 * APIs: it is written in the 3.1 spelling, and loopback4.h spells the few
 * 3.1 calls it makes (memif_per_thread_*) over the 4.x API, then includes
 * this file.
 */
#ifndef TEST_LOOPBACK_H
#define TEST_LOOPBACK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libmemif.h"

struct side
{
  memif_per_thread_main_handle_t db;
  memif_socket_handle_t sock;
  memif_conn_handle_t conn;
  int connects, disconnects, interrupts;
  uint16_t headroom;
  bool refill_on_connect;
  uint32_t next_tx_seq, next_rx_seq;
  uint64_t rx_packets, rx_errors;
};

struct pair
{
  struct side m, s;
  char sockname[108];
};

static inline uint64_t
lb_now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

static int
lb_on_connect (memif_conn_handle_t conn, void *ctx)
{
  struct side *sd = ctx;
  memif_details_t md;
  static __thread char buf[65536]; /* 255 queues each way need ~8 KiB */

  sd->connects++;
  if (sd->refill_on_connect
      && memif_get_details (conn, &md, buf, sizeof buf) == MEMIF_ERR_SUCCESS)
    for (int q = 0; q < md.rx_queues_num; q++)
      memif_refill_queue (conn, (uint16_t) q, 0xffff, sd->headroom);
  return 0;
}

static int
lb_on_disconnect (memif_conn_handle_t conn, void *ctx)
{
  (void) conn;
  ((struct side *) ctx)->disconnects++;
  return 0;
}

static int
lb_on_interrupt (memif_conn_handle_t conn, void *ctx, uint16_t qid)
{
  (void) conn;
  (void) qid;
  ((struct side *) ctx)->interrupts++;
  return 0;
}

/* Turn both event loops until cond holds or ms pass. */
#define LB_PUMP_UNTIL(p, cond, ms)                                             \
  ({                                                                           \
    uint64_t _end = lb_now_ms () + (ms);                                       \
    while (!(cond) && lb_now_ms () < _end)                                     \
      {                                                                        \
	memif_per_thread_poll_event ((p)->m.db, 1);                            \
	memif_per_thread_poll_event ((p)->s.db, 1);                            \
      }                                                                        \
    (cond);                                                                    \
  })

static inline void
lb_args (memif_conn_args_t *a, bool master, uint32_t id, uint8_t rings,
	 uint8_t log2, uint16_t bufsize)
{
  memset (a, 0, sizeof *a);
  a->is_master = master;
  a->interface_id = id;
  a->num_s2m_rings = rings;
  a->num_m2s_rings = rings;
  a->log2_ring_size = log2;
  a->buffer_size = bufsize;
  snprintf ((char *) a->interface_name, sizeof a->interface_name, "%s%u",
	    master ? "master" : "slave", id);
}

static inline int
lb_open (struct pair *p, const char *tag)
{
  static int seq;
  int err;

  memset (p, 0, sizeof *p);
  snprintf (p->sockname, sizeof p->sockname, "@memifd-test-%d-%s-%d",
	    (int) getpid (), tag, seq++);
  p->s.refill_on_connect = true;
  if ((err = memif_per_thread_init (&p->m.db, &p->m, NULL, "master-app",
				    NULL, NULL, NULL))
      || (err = memif_per_thread_init (&p->s.db, &p->s, NULL, "slave-app",
				       NULL, NULL, NULL))
      || (err = memif_per_thread_create_socket (p->m.db, &p->m.sock,
						 p->sockname, NULL))
      || (err = memif_per_thread_create_socket (p->s.db, &p->s.sock,
						 p->sockname, NULL)))
    return err;
  return 0;
}

static inline int
lb_create (struct pair *p, memif_conn_args_t *ma, memif_conn_args_t *sa,
	   bool interrupts)
{
  int err;

  ma->socket = p->m.sock;
  sa->socket = p->s.sock;
  if ((err = memif_create (&p->m.conn, ma, lb_on_connect, lb_on_disconnect,
			   interrupts ? lb_on_interrupt : NULL, &p->m)))
    return err;
  return memif_create (&p->s.conn, sa, lb_on_connect, lb_on_disconnect,
		       interrupts ? lb_on_interrupt : NULL, &p->s);
}

/* A master (id 3, secret msecret, mode mmode) and a slave (id sid,
 * ssecret, smode) that it may refuse: 0 once the slave was disconnected. */
static inline int
lb_refused (struct pair *p, const char *tag, const char *msecret,
	    const char *ssecret, int mmode, int smode, uint32_t sid)
{
  memif_conn_args_t ma, sa;
  int err;

  if ((err = lb_open (p, tag)))
    return err;
  lb_args (&ma, true, 3, 1, 8, 2048);
  lb_args (&sa, false, sid, 1, 8, 2048);
  ma.mode = (uint8_t) mmode;
  sa.mode = (uint8_t) smode;
  if (msecret)
    strcpy ((char *) ma.secret, msecret);
  if (ssecret)
    strcpy ((char *) sa.secret, ssecret);
  if ((err = lb_create (p, &ma, &sa, false)))
    return err;
  return LB_PUMP_UNTIL (p, p->s.disconnects > 0, 3000) ? 0 : -1;
}

static inline void
lb_close (struct pair *p)
{
  if (p->s.conn)
    memif_delete (&p->s.conn);
  if (p->m.conn)
    memif_delete (&p->m.conn);
  if (p->s.sock)
    memif_delete_socket (&p->s.sock);
  if (p->m.sock)
    memif_delete_socket (&p->m.sock);
  if (p->s.db)
    memif_per_thread_cleanup (&p->s.db);
  if (p->m.db)
    memif_per_thread_cleanup (&p->m.db);
}

static inline uint8_t
lb_byte (uint32_t seq, uint32_t i)
{
  return (uint8_t) (seq * 7 + i * 13 + 1);
}

/* Send n packets of len bytes on qid; returns packets sent. */
static inline int
lb_send (struct side *sd, uint16_t qid, int n, uint32_t len)
{
  memif_buffer_t bufs[512];
  uint16_t got = 0, tx = 0;
  int sent = 0;

  while (sent < n)
    {
      /* bufs must hold every slot of every chain: 512 / slots-per-packet */
      int per = 512 / (int) (len / 64 + 1);
      int want = n - sent > per ? per : n - sent;
      int err = memif_buffer_alloc (sd->conn, qid, bufs, (uint16_t) want,
				    &got, (uint16_t) len);
      if (got == 0)
	return err == MEMIF_ERR_NOBUF_RING ? sent : -err;
      /* Fill: 4-byte sequence number, then a pattern, across the chain. */
      uint32_t off = 0;
      int pkts = 0;
      for (uint16_t i = 0; i < got; i++)
	{
	  uint8_t *d = bufs[i].data;
	  for (uint32_t j = 0; j < bufs[i].len; j++, off++)
	    d[j] = off < 4 ? (uint8_t) (sd->next_tx_seq >> (8 * off))
			   : lb_byte (sd->next_tx_seq, off);
	  if (!(bufs[i].flags & MEMIF_BUFFER_FLAG_NEXT))
	    {
	      sd->next_tx_seq++;
	      off = 0;
	      pkts++;
	    }
	}
      if ((err = memif_tx_burst (sd->conn, qid, bufs, got, &tx)) || tx != got)
	return -(err ? err : 1000);
      sent += pkts;
      if (err == MEMIF_ERR_NOBUF_RING)
	break;
    }
  return sent;
}

/* Receive everything waiting on qid, checking each packet; returns the
 * number of whole packets, or -1 on the first corrupted one. */
static inline int
lb_recv (struct side *sd, uint16_t qid, uint32_t len)
{
  memif_buffer_t bufs[256];
  uint16_t rx = 0;
  int pkts = 0, err;
  uint32_t off = 0;

  do
    {
      err = memif_rx_burst (sd->conn, qid, bufs, 256, &rx);
      if (err != MEMIF_ERR_SUCCESS && err != MEMIF_ERR_NOBUF)
	return -1;
      for (uint16_t i = 0; i < rx; i++)
	{
	  const uint8_t *d = bufs[i].data;
	  for (uint32_t j = 0; j < bufs[i].len; j++, off++)
	    {
	      uint8_t want = off < 4 ? (uint8_t) (sd->next_rx_seq >> (8 * off))
				     : lb_byte (sd->next_rx_seq, off);
	      if (d[j] != want)
		{
		  sd->rx_errors++;
		  return -1;
		}
	    }
	  if (!(bufs[i].flags & MEMIF_BUFFER_FLAG_NEXT))
	    {
	      if (off != len)
		{
		  sd->rx_errors++;
		  return -1;
		}
	      sd->next_rx_seq++;
	      sd->rx_packets++;
	      off = 0;
	      pkts++;
	    }
	}
      memif_refill_queue (sd->conn, qid, rx, sd->headroom);
    }
  while (err == MEMIF_ERR_NOBUF);
  return off ? -1 : pkts;
}

#endif
