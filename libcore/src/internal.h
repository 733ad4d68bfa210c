/*
 * internal.h - libcore's internal objects and the functions the modules
 * share.  Nothing here is visible outside the library.
 *
 * The core is built once per public API, against that API's header:
 * LIBCORE_API 3 (libcore/include, libmemif.so.3) or 4 (libcore/include4,
 * libmemif.so.4).  The two headers give the same names to types that
 * differ, so the core uses only what both have alike, and the few places
 * that differ are the macros below; api.c and api4.c are the public
 * entry points of each.
 *
 *   db       one database: 3.1's global or a per-thread one; one per 4.x
 *            socket
 *   sock     a socket filename shared by interfaces (listener or client)
 *   conn     one memif interface (memif_conn_handle_t)
 *   session  one control channel (an accepted or connected socket) and its
 *            handshake; a conn has at most one session at a time
 *   region   a shared memory region of a session
 *   queue    one ring as seen from this side (rx or tx)
 */
#ifndef MEMIF_INTERNAL_H
#define MEMIF_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/timerfd.h>

#include "libmemif.h"
#include "proto.h"

#define API __attribute__ ((visibility ("default")))

#ifndef LIBCORE_API
#define LIBCORE_API 3
#endif
#if LIBCORE_API == 4
#define BUF_QUEUE(b) ((b)->queue) /* opaque to the application */
#else
#define BUF_QUEUE(b) ((b)->ring)
#endif

/* memif_interrupt_t (3.1) and memif_on_interrupt_t (4.x) alike. */
typedef int (core_interrupt_t) (memif_conn_handle_t conn, void *private_ctx,
				uint16_t qid);

#define DEFAULT_SOCKET_PATH "/run/vpp/memif.sock"
#define DEFAULT_LOG2_RING_SIZE 10
#define DEFAULT_BUFFER_SIZE 2048
#define HANDSHAKE_TIMEOUT_MS 5000
#define MAX_PENDING_SESSIONS 64 /* accepted, not yet matched by INIT */
#define SESSION_OUTQ 4
#define SLAVE_BUFFER_REGION 1 /* slave layout: rings in region 0, buffers in 1 */

struct db;
struct sock;
struct conn;

enum fd_kind
{
  FD_NONE = 0,
  FD_RECONNECT_TIMER,
  FD_HOUSEKEEPING,
  FD_LISTENER,
  FD_CONTROL,
  FD_INTERRUPT,
  FD_CANCEL,
};

struct fd_slot
{
  uint8_t kind;
  uint16_t qid;
  void *obj;
};

/* An API's way of telling the application about an fd (its own loop);
 * returns a MEMIF_ERR_* code. */
typedef int (db_notify_t) (struct db *db, int fd, uint8_t events);

/* What a database is made with; NULL allocators mean malloc's. */
struct db_cfg
{
  void *private_ctx;	 /* given back to the application's callback */
  db_notify_t *notify;	 /* NULL: the library owns an epoll set */
  void *notify_cb;	 /* the application's callback, for notify */
  void *api;		 /* the API layer's own state, for notify */
  const char *app_name;	 /* NULL: MEMIF_DEFAULT_APP_NAME */
  bool reconnect;	 /* arm the slave reconnect timer (2 s) */
  memif_alloc_t *alloc;
  memif_realloc_t *realloc;
  memif_free_t *free;
};

struct db
{
  memif_alloc_t *alloc;
  memif_realloc_t *realloc;
  memif_free_t *free;
  db_notify_t *notify;
  void *notify_cb;
  void *api;
  void *private_ctx;
  int epfd;      /* library-owned loop only */
  int cancel_fd; /* library-owned loop only */
  int timer_fd;  /* slave reconnect timer */
  struct itimerspec timer_spec;
  bool timer_armed;
  int hk_fd; /* housekeeping: handshake deadlines, deferred teardowns */
  char app_name[MEMIF_NAME_LEN + 1];

  memif_add_external_region_t *add_ext_region;
  memif_get_external_region_addr_t *get_ext_region_addr;
  memif_del_external_region_t *del_ext_region;
  memif_get_external_buffer_offset_t *get_ext_buffer_offset;

  struct fd_slot *fds; /* indexed by fd */
  int nfds;
  struct sock *socks;
  struct sock *default_sock;
  struct conn *conns;
};

enum sock_type
{
  SOCK_UNSET = 0,
  SOCK_LISTENER,
  SOCK_CLIENT,
};

struct sock
{
  struct db *db;
  struct sock *next;
  char filename[108];
  void *private_ctx;
  uint8_t type;
  int listen_fd;
  bool listen_given; /* handed in (4.x memif_set_listener_fd): kept */
  unsigned nconns;
  struct session *pending; /* accepted sessions before INIT */
  unsigned npending;
};

enum session_state
{
  /* server (master) side */
  SS_WAIT_INIT,
  SS_WAIT_CONFIG, /* ADD_REGION / ADD_RING / CONNECT */
  /* client (slave) side */
  SS_WAIT_HELLO,
  SS_WAIT_ACK,
  SS_WAIT_CONNECTED,
  /* both */
  SS_CONNECTED,
};

struct session
{
  int fd;
  uint8_t state;
  bool want_write;
  uint16_t step; /* client: messages sent after INIT */
  uint64_t deadline_ms;
  struct sock *sock;
  struct conn *conn;
  struct session *next; /* in sock->pending */
  uint8_t outn;
  struct msg outq[SESSION_OUTQ];
  int outfd[SESSION_OUTQ];
};

struct region
{
  void *addr;
  uint64_t size;
  int fd;
  bool is_external;
  bool owned_fd;      /* close fd on teardown */
  bool shrink_sealed; /* the peer can no longer shrink it under us */
  int guard;          /* SIGBUS guard slot + 1, 0 when not guarded */
};

/* A ring announced by ADD_RING, kept until CONNECT builds the queues. */
struct ring_decl
{
  bool present;
  uint8_t log2_size;
  uint16_t region;
  uint32_t offset;
  int fd;
};

struct queue
{
  struct memif_ring *ring;
  struct conn *conn;
  uint16_t qid;
  uint16_t size;
  uint16_t mask;
  uint8_t log2_size;
  uint8_t rx_mode;
  bool int_announced;
  uint16_t region; /* where the ring lives */
  uint32_t offset;
  int int_fd;
  uint16_t last_head; /* private cursors */
  uint16_t last_tail;
  uint16_t alloc_bufs; /* tx: reserved, not yet published */
  uint16_t headroom;   /* slave rx: of the last refill */
  uint16_t nbad;       /* rx: slots marked bad, not yet released */
  /* Per-slot private state, so nothing the peer writes later can move a
   * pointer we computed: slave: offset and capacity of the buffer offered
   * in each slot; master tx: capacity reserved at alloc; rx: bad slots
   * skipped and not yet released. */
  uint32_t *slot_off;
  uint32_t *slot_cap;
  uint8_t *bad;
};

struct conn
{
  struct db *db;
  struct sock *sock;
  struct conn *next;
  memif_conn_args_t args;
  memif_connection_update_t *on_connect;
  memif_connection_update_t *on_disconnect;
  core_interrupt_t *on_interrupt;
  void *private_ctx;
  bool is_master;
  bool connected;
  bool broken; /* data path saw corruption: tear down from housekeeping */
  bool in_callback;
  bool deleted; /* memif_delete during one of its callbacks */
  struct session *ses;

  /* run-time parameters of the current session */
  uint8_t log2_ring_size;
  uint16_t num_s2m;
  uint16_t num_m2s;
  uint16_t buffer_size;
  uint32_t buffers_offset; /* slave: where region 1's buffers start */
  uint32_t buffer_mask;    /* buffer_size - 1 when a power of two, else 0 */
  struct region *regions;
  uint16_t nregions;
  struct ring_decl *decl[2]; /* server during handshake: [0] M2S, [1] S2M */
  struct queue *rxq, *txq;
  uint16_t nrx, ntx;

  uint8_t rx_mode_polling[MEMIF_MAX_RINGS / 8]; /* wanted, per rx qid */
  char remote_name[MEMIF_NAME_LEN + 1];
  char remote_if_name[MEMIF_NAME_LEN + 1];
  char error[MEMIF_REASON_LEN + 1];
  char broken_reason[MEMIF_REASON_LEN + 1];
  memif_conn_stats_t stats;
};

/* db.c */
int db_new (struct db **out, const struct db_cfg *cfg);
void db_destroy (struct db *db);
int db_poll (struct db *db, int timeout_ms);
int db_cancel_poll (struct db *db);
int db_set_timer (struct db *db, struct itimerspec timer);
int db_fd_add (struct db *db, int fd, enum fd_kind kind, void *obj,
	       uint16_t qid, uint8_t events);
int db_fd_mod (struct db *db, int fd, uint8_t events);
void db_fd_del (struct db *db, int fd);
void db_close_fd (struct db *db, int fd);
void db_timer_update (struct db *db);
void db_housekeeping_kick (struct db *db, uint64_t in_ms);
uint64_t db_now_ms (void);
int db_handle_fd (struct db *db, int fd, uint8_t events);
void *db_zalloc (struct db *db, size_t size);
void db_free (struct db *db, void *p);

/* sock.c */
struct sock *sock_new (struct db *db, const char *filename,
		       void *private_ctx);
void sock_free (struct sock *s);
int sock_attach (struct sock *s, bool master);
void sock_detach (struct sock *s);
int sock_adopt_listener (struct sock *s, int fd);
int sock_listen (struct sock *s);
void sock_unlisten (struct sock *s);
int sock_accept (struct sock *s);
int sock_connect (struct conn *c);
int sock_send (int fd, const struct msg *m, int pass_fd);
int sock_recv (int fd, struct msg *m, int *fd_out);
int errno_to_memif (int err);

/* msg.c: building and checking messages; no I/O */
void msg_ack (struct msg *m);
void msg_hello (struct msg *m, const char *name);
void msg_init (struct msg *m, uint32_t id, uint8_t mode,
	       const uint8_t *secret, const char *name);
void msg_add_region (struct msg *m, uint16_t index, uint64_t size);
void msg_add_ring (struct msg *m, bool s2m, uint16_t index, uint16_t region,
		   uint32_t offset, uint8_t log2_size);
void msg_connect (struct msg *m, enum msg_type type, const char *if_name);
void msg_disconnect (struct msg *m, uint32_t code, const char *reason);
void msg_copy_string (char *dst, const uint8_t *src, size_t field_len);
const char *msg_check_hello (const struct msg_hello *h);
const char *msg_check_add_ring (const struct msg_add_ring *r, int *err);
bool msg_secret_equal (const uint8_t *a, const uint8_t *b);
const char *msg_type_name (uint16_t type);

/* region.c */
int region_create (struct db *db, struct region *r, uint64_t size,
		   const char *name);
int region_map_peer (struct region *r, int fd, uint64_t size, int kick_fd,
		     const char **why);
void region_release (struct conn *c, struct region *r);
bool fd_is_eventfd (int fd);

/* guard.c: SIGBUS protection of regions we could not seal */
int guard_add (void *addr, uint64_t size, int kick_fd);
bool guard_tripped (int slot);
void guard_remove (int slot);

/* session.c: control sessions, their end, housekeeping */
struct session *session_alloc (struct db *db, struct sock *s, int fd,
			       uint8_t state);
int session_send (struct session *ses, const struct msg *m, int pass_fd);
int session_on_event (struct session *ses, uint8_t events);
void session_fail (struct session *ses, int err, const char *reason,
		   bool tell_peer);
void session_close (struct session *ses);
void pending_unlink (struct session *ses);
void proto_error (struct session *ses, int err, const char *reason);
void conn_set_reason (char *dst, const char *reason);
void conn_callback (struct conn *c, memif_connection_update_t *cb);
void conn_teardown (struct conn *c);
void housekeeping_run (struct db *db);

/* handshake.c: the meaning of each message, per state and role */
void session_new_client (struct conn *c, int fd);
int session_new_server (struct sock *s, int fd);
int conn_try_connect (struct conn *c);
void handshake_dispatch (struct session *ses, const struct msg *m, int fd);

/* conn.c: interfaces made, deleted, connected */
int conn_new (memif_conn_handle_t *conn, memif_conn_args_t *args,
	      struct sock *dflt, memif_connection_update_t *on_connect,
	      memif_connection_update_t *on_disconnect,
	      core_interrupt_t *on_interrupt, void *private_ctx);
void conn_destroy (struct conn *c);

/* queue.c */
int queue_setup_client (struct conn *c);
int queue_setup_server (struct conn *c);
void queue_free_all (struct conn *c);
void queue_apply_rx_mode (struct queue *q);

/* datapath.c: what only some APIs expose */
int dp_requeue (struct conn *c, memif_buffer_t *a, memif_buffer_t *b);
int dp_set_next_free (struct conn *c, uint16_t qid, const memif_buffer_t *b);

#endif
