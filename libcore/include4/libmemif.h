/*
 * libmemif.h - the libmemif 4.x C API (VPP 22.02 and later, here as in VPP
 * 26.06), implemented by memifd's libcore as libmemif.so.4.
 *
 * Installed as <PREFIX>/include/libmemif4/libmemif.h beside the 3.1 header
 * (<PREFIX>/include/libmemif.h); `pkg-config --cflags libmemif4` puts this
 * directory first, so a 4.x program keeps its `#include <libmemif.h>`.
 *
 * Source and ABI compatible with upstream libmemif 4.x: every type, enum
 * value, struct member and function keeps its name, order and type.  What
 * changed from 3.1: a socket is the database (memif_socket_args_t replaces
 * memif_init and the per-thread calls); there is no default socket; the
 * fd-update callback receives a memif_fd_event_t whose private_ctx the
 * application hands back to memif_control_fd_handler; queue ids in the
 * details are 16 bits; memif_buffer_t's ring pointer is an opaque queue.
 * Where libcore differs from upstream's behaviour, README.md ("libmemif
 * API") says so.
 *
 * Ownership: handles returned by this library are owned by it and stay
 * valid until the matching delete call.  Pointers inside a memif_buffer_t
 * point into shared memory and are valid until the buffer is transmitted
 * (tx) or returned with memif_refill_queue (rx), and never after the
 * connection went down.
 */
#ifndef _LIBMEMIF_H_
#define _LIBMEMIF_H_

#define LIBMEMIF_VERSION "4.0"
#define MEMIF_DEFAULT_APP_NAME "libmemif-app"

#include <inttypes.h>
#include <sys/timerfd.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes: values and order are part of the ABI (as in 3.1). */
typedef enum
{
  MEMIF_ERR_SUCCESS = 0,
  MEMIF_ERR_SYSCALL,
  MEMIF_ERR_CONNREFUSED,
  MEMIF_ERR_ACCES,
  MEMIF_ERR_NO_FILE,
  MEMIF_ERR_FILE_LIMIT,
  MEMIF_ERR_PROC_FILE_LIMIT,
  MEMIF_ERR_ALREADY,
  MEMIF_ERR_AGAIN,
  MEMIF_ERR_BAD_FD,
  MEMIF_ERR_NOMEM,
  MEMIF_ERR_INVAL_ARG,
  MEMIF_ERR_NOCONN,
  MEMIF_ERR_CONN,
  MEMIF_ERR_CB_FDUPDATE,
  MEMIF_ERR_FILE_NOT_SOCK,
  MEMIF_ERR_NO_SHMFD,
  MEMIF_ERR_COOKIE,
  MEMIF_ERR_NOBUF_RING,
  MEMIF_ERR_NOBUF,
  MEMIF_ERR_NOBUF_DET,
  MEMIF_ERR_INT_WRITE,
  MEMIF_ERR_MFMSG,
  MEMIF_ERR_QID,
  MEMIF_ERR_PROTO,
  MEMIF_ERR_ID,
  MEMIF_ERR_ACCSLAVE,
  MEMIF_ERR_ALRCONN,
  MEMIF_ERR_MODE,
  MEMIF_ERR_SECRET,
  MEMIF_ERR_NOSECRET,
  MEMIF_ERR_MAXREG,
  MEMIF_ERR_MAXRING,
  MEMIF_ERR_NO_INTFD,
  MEMIF_ERR_DISCONNECT,
  MEMIF_ERR_DISCONNECTED,
  MEMIF_ERR_UNKNOWN_MSG,
  MEMIF_ERR_POLL_CANCEL,
  MEMIF_ERR_MAX_RING,
  MEMIF_ERR_PRIVHDR,
} memif_err_t;

/* Events on a file descriptor, in both directions of the fd-update path. */
typedef enum memif_fd_event_type
{
  MEMIF_FD_EVENT_READ = 1,
  MEMIF_FD_EVENT_WRITE = 2,
  MEMIF_FD_EVENT_ERROR = 4,
  /* The fd is about to be closed: stop watching it. */
  MEMIF_FD_EVENT_DEL = 8,
  /* The set of events to watch on an already announced fd changes. */
  MEMIF_FD_EVENT_MOD = 16
} memif_fd_event_type_t;

typedef void *memif_conn_handle_t;
typedef void *memif_socket_handle_t;

typedef void *(memif_alloc_t) (size_t size);
typedef void *(memif_realloc_t) (void *ptr, size_t size);
typedef void (memif_free_t) (void *ptr);

/*
 * An fd to watch (or to stop watching, or to watch differently).
 * private_ctx is the library's: pass it, unchanged, to
 * memif_control_fd_handler when the fd is ready.  It stays valid until the
 * socket it belongs to is deleted.
 */
typedef struct memif_fd_event
{
  int fd;
  memif_fd_event_type_t type;
  void *private_ctx;
} memif_fd_event_t;

/*
 * Called for every fd the application must watch (application-owned event
 * loop).  private_ctx is the one given to memif_create_socket.
 */
typedef int (memif_control_fd_update_t) (memif_fd_event_t fde,
					 void *private_ctx);

/* Link went up or down. */
typedef int (memif_connection_update_t) (memif_conn_handle_t conn,
					 void *private_ctx);

/* A receive queue's eventfd became readable. */
typedef int (memif_on_interrupt_t) (memif_conn_handle_t conn,
				    void *private_ctx, uint16_t qid);

/* External regions: the application supplies the slave's buffer memory. */
typedef uint32_t (memif_get_external_buffer_offset_t) (void *private_ctx);
typedef int (memif_add_external_region_t) (void **addr, uint32_t size,
					   int *fd, void *private_ctx);
typedef void *(memif_get_external_region_addr_t) (uint32_t size, int fd,
						  void *private_ctx);
typedef int (memif_del_external_region_t) (void *addr, uint32_t size, int fd,
					   void *private_ctx);

/* For the interfaces of socket sock. */
void memif_register_external_region (memif_socket_handle_t sock,
				     memif_add_external_region_t *ar,
				     memif_get_external_region_addr_t *gr,
				     memif_del_external_region_t *dr,
				     memif_get_external_buffer_offset_t *go);

#ifndef _MEMIF_H_
typedef enum
{
  MEMIF_INTERFACE_MODE_ETHERNET = 0,
  MEMIF_INTERFACE_MODE_IP = 1,
  MEMIF_INTERFACE_MODE_PUNT_INJECT = 2,
} memif_interface_mode_t;
#endif /* _MEMIF_H_ */

/*
 * Arguments of memif_create_socket().
 * path: a filesystem path, or "@NAME" (or "\0NAME") for the abstract
 *   socket NAME.  Required.
 * app_name: sent to peers; empty means MEMIF_DEFAULT_APP_NAME; truncated
 *   to 31 bytes.
 * connection_request_timer: how often disconnected slaves of this socket
 *   try again; it_interval zero disables it (then only memif_create and
 *   memif_request_connection connect).
 * on_control_fd_update: NULL means the socket owns an epoll set, driven by
 *   memif_poll_event().
 * alloc, realloc, free: NULL means malloc, realloc, free.
 */
typedef struct memif_socket_args
{
  char path[108];
  char app_name[32];

  struct itimerspec connection_request_timer;

  memif_control_fd_update_t *on_control_fd_update;
  memif_alloc_t *alloc;
  memif_realloc_t *realloc;
  memif_free_t *free;
} memif_socket_args_t;

/*
 * Arguments of memif_create().  Zero fields take defaults, which are
 * written back.  socket is required.  is_master: non-zero means master
 * (server).
 */
typedef struct
{
  memif_socket_handle_t socket;
  uint8_t secret[24];

  uint8_t num_s2m_rings;
  uint8_t num_m2s_rings;
  uint16_t buffer_size;
  uint8_t log2_ring_size;
  uint8_t is_master;

  uint32_t interface_id;
  uint8_t interface_name[32];
  memif_interface_mode_t mode : 8;
} memif_conn_args_t;

typedef enum
{
  MEMIF_RX_MODE_INTERRUPT = 0,
  MEMIF_RX_MODE_POLLING
} memif_rx_mode_t;

typedef struct
{
  uint16_t desc_index;
  void *queue; /* the library's, opaque */
  uint32_t len;
/* The packet continues in the next buffer. */
#define MEMIF_BUFFER_FLAG_NEXT (1 << 0)
/* The buffer came from a receive ring (memif_rx_burst). */
#define MEMIF_BUFFER_FLAG_RX (1 << 1)
  uint8_t flags;
  void *data;
} memif_buffer_t;

typedef struct
{
  uint8_t region;
  uint16_t qid;
  uint32_t ring_size;
#define MEMIF_QUEUE_FLAG_POLLING 1
  uint16_t flags;
  uint16_t head;
  uint16_t tail;
  uint16_t buffer_size;
} memif_queue_details_t;

typedef struct
{
  uint8_t index;
  void *addr;
  uint32_t size;
  int fd;
  uint8_t is_external;
} memif_region_details_t;

/*
 * Filled by memif_get_details(); every pointer points into the caller's
 * buffer.  role: 0 master, 1 slave.  link_up_down: 1 once the handshake
 * completed, else 0.  error: the last disconnect reason (peer's or ours).
 * socket_path: as memif_get_socket_path() gives it.
 */
typedef struct
{
  uint8_t *if_name;
  uint8_t *inst_name;
  uint8_t *remote_if_name;
  uint8_t *remote_inst_name;

  uint32_t id;
  uint8_t *secret;
  uint8_t role;
  uint8_t mode;
  uint8_t *socket_path;
  uint8_t regions_num;
  memif_region_details_t *regions;
  uint8_t rx_queues_num;
  uint8_t tx_queues_num;
  memif_queue_details_t *rx_queues;
  memif_queue_details_t *tx_queues;

  uint8_t *error;
  uint8_t link_up_down;
} memif_details_t;

/* Protocol version: (major << 8) | minor, 0x0200. */
uint16_t memif_get_version (void);

/* The protocol version as "major.minor" ("2.0"); a constant string. */
const char *memif_get_version_str (void);

int memif_get_queue_efd (memif_conn_handle_t conn, uint16_t qid, int *fd);
int memif_set_rx_mode (memif_conn_handle_t conn, memif_rx_mode_t rx_mode,
		       uint16_t qid);

/* Returns a constant string; thread-safe.  The type stays char *. */
char *memif_strerror (int err_code);

int memif_get_details (memif_conn_handle_t conn, memif_details_t *md,
		       char *buf, ssize_t buflen);

int memif_create (memif_conn_handle_t *conn, memif_conn_args_t *args,
		  memif_connection_update_t *on_connect,
		  memif_connection_update_t *on_disconnect,
		  memif_on_interrupt_t *on_interrupt, void *private_ctx);

/* ptr: a memif_fd_event_t's private_ctx; events: what happened. */
int memif_control_fd_handler (void *ptr, memif_fd_event_type_t events);

int memif_delete (memif_conn_handle_t *conn);

/* Slave only: forward received buffers into a tx ring without a copy. */
int memif_buffer_enq_tx (memif_conn_handle_t conn, uint16_t qid,
			 memif_buffer_t *bufs, uint16_t count,
			 uint16_t *count_out);

/*
 * Slave only: buf_a and buf_b trade places (a buffer received and not yet
 * refilled, and one allocated for tx and not yet sent, say), so that a
 * received packet goes out without a copy.  Each keeps its data and
 * length; desc_index and queue are exchanged.
 */
int memif_buffer_requeue (memif_conn_handle_t conn, memif_buffer_t *buf_a,
			  memif_buffer_t *buf_b);

/*
 * Reserve tx slots for count packets of size bytes each; a packet larger
 * than a slot is chained.  count_out counts slots, not packets.
 */
int memif_buffer_alloc (memif_conn_handle_t conn, uint16_t qid,
			memif_buffer_t *bufs, uint16_t count,
			uint16_t *count_out, uint16_t size);

/*
 * Give back the allocated, unsent tx slots from buf on: the next
 * memif_buffer_alloc on qid starts with buf's slot.
 */
int memif_set_next_free_buffer (memif_conn_handle_t conn, uint16_t qid,
				memif_buffer_t *buf);

int memif_refill_queue (memif_conn_handle_t conn, uint16_t qid,
			uint16_t count, uint16_t headroom);

int memif_tx_burst (memif_conn_handle_t conn, uint16_t qid,
		    memif_buffer_t *bufs, uint16_t count, uint16_t *tx);

int memif_rx_burst (memif_conn_handle_t conn, uint16_t qid,
		    memif_buffer_t *bufs, uint16_t count, uint16_t *rx);

/*
 * Runs one event of socket sock's own epoll set (a socket made without
 * on_control_fd_update).  timeout is in MILLISECONDS (what upstream really
 * does; its header says seconds): -1 waits forever, 0 returns at once.
 */
int memif_poll_event (memif_socket_handle_t sock, int timeout);

#define MEMIF_HAVE_CANCEL_POLL_EVENT 1
int memif_cancel_poll_event (memif_socket_handle_t sock);

int memif_request_connection (memif_conn_handle_t conn);

/*
 * A socket and its database: interfaces, timers and the event loop.  The
 * first interface decides whether it listens (master) or connects (slave).
 */
int memif_create_socket (memif_socket_handle_t *sock,
			 memif_socket_args_t *args, void *private_ctx);

/* The socket conn was made on; NULL for NULL. */
memif_socket_handle_t memif_get_socket_handle (memif_conn_handle_t conn);

/* Refused (MEMIF_ERR_INVAL_ARG) while an interface uses the socket. */
int memif_delete_socket (memif_socket_handle_t *sock);

/* The path: "@NAME" for an abstract socket (also one given as "\0NAME"). */
const char *memif_get_socket_path (memif_socket_handle_t sock);

/* The listening fd, or -1 (not a master socket, or not listening yet). */
int memif_get_listener_fd (memif_socket_handle_t sock);

/*
 * A listening AF_UNIX SOCK_SEQPACKET socket made elsewhere (systemd socket
 * activation) becomes sock's listener: the library owns fd from then on
 * (closed by memif_delete_socket, its file never unlinked) and it stays
 * open when the last interface goes.
 */
int memif_set_listener_fd (memif_socket_handle_t sock, int fd);

/* it_interval zero disables automatic reconnection of slaves. */
int memif_set_connection_request_timer (memif_socket_handle_t sock,
					struct itimerspec timer);

/* ---- Extensions of memifd's libcore (not in upstream libmemif) ---- */

#define MEMIF_HAVE_CONN_STATS 1

/* Counters of one connection, kept across reconnects until memif_delete. */
typedef struct
{
  uint64_t bad_desc;	 /* descriptors from the peer dropped as invalid */
  uint64_t proto_errors; /* sessions closed for a protocol violation */
  uint64_t connects;	 /* completed handshakes */
  uint64_t disconnects;	 /* sessions that ended after connecting */
} memif_conn_stats_t;

int memif_get_conn_stats (memif_conn_handle_t conn, memif_conn_stats_t *st);

#ifdef __cplusplus
}
#endif

#endif /* _LIBMEMIF_H_ */
