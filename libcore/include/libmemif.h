/*
 * libmemif.h - the libmemif 3.1 C API, implemented by memifd's libcore.
 *
 * Source compatible and ABI compatible with libmemif 3.1 (VPP 20.09):
 * every type, enum value, struct member and function keeps its name, order
 * and type.  Behaviour follows libmemif 3.1 except where that library was
 * unsafe; those places are documented in README.md ("libmemif API").
 *
 * Ownership: handles returned by this library are owned by it and stay
 * valid until the matching delete/cleanup call.  Pointers inside a
 * memif_buffer_t point into shared memory and are valid until the buffer is
 * transmitted (tx) or returned with memif_refill_queue (rx), and never after
 * the connection went down.
 */
#ifndef _LIBMEMIF_H_
#define _LIBMEMIF_H_

#define LIBMEMIF_VERSION "3.1"
#define MEMIF_DEFAULT_APP_NAME "libmemif-app"

#include <inttypes.h>
#include <sys/types.h>
#include <sys/timerfd.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes: values and order are part of the ABI. */
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
#define MEMIF_FD_EVENT_READ (1 << 0)
#define MEMIF_FD_EVENT_WRITE (1 << 1)
#define MEMIF_FD_EVENT_ERROR (1 << 2)
/* The fd is about to be closed: stop watching it. */
#define MEMIF_FD_EVENT_DEL (1 << 3)
/* The set of events to watch on an already announced fd changes. */
#define MEMIF_FD_EVENT_MOD (1 << 4)

typedef void *memif_per_thread_main_handle_t;
typedef void *memif_conn_handle_t;
typedef void *memif_socket_handle_t;

typedef void *(memif_alloc_t) (size_t size);
typedef void *(memif_realloc_t) (void *ptr, size_t size);
typedef void (memif_free_t) (void *ptr);

/*
 * Called for every fd the application must watch (application-owned event
 * loop).  private_ctx is NULL for the database made by memif_init().
 */
typedef int (memif_control_fd_update_t) (int fd, uint8_t events,
					 void *private_ctx);

/* Link went up or down. */
typedef int (memif_connection_update_t) (memif_conn_handle_t conn,
					 void *private_ctx);

/* A receive queue's eventfd became readable. */
typedef int (memif_interrupt_t) (memif_conn_handle_t conn, void *private_ctx,
				 uint16_t qid);

/* External regions: the application supplies the slave's buffer memory. */
typedef uint32_t (memif_get_external_buffer_offset_t) (void *private_ctx);
typedef int (memif_add_external_region_t) (void **addr, uint32_t size,
					   int *fd, void *private_ctx);
typedef void *(memif_get_external_region_addr_t) (uint32_t size, int fd,
						  void *private_ctx);
typedef int (memif_del_external_region_t) (void *addr, uint32_t size, int fd,
					   void *private_ctx);

void memif_register_external_region (memif_add_external_region_t *ar,
				     memif_get_external_region_addr_t *gr,
				     memif_del_external_region_t *dr,
				     memif_get_external_buffer_offset_t *go);

void memif_per_thread_register_external_region (
  memif_per_thread_main_handle_t pt_main, memif_add_external_region_t *ar,
  memif_get_external_region_addr_t *gr, memif_del_external_region_t *dr,
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
 * Arguments of memif_create().  Zero fields take defaults, which are
 * written back.  is_master: non-zero means master (server).
 * socket: NULL means the default socket /run/vpp/memif.sock.
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
  memif_interface_mode_t mode;
} memif_conn_args_t;

typedef enum
{
  MEMIF_RX_MODE_INTERRUPT = 0,
  MEMIF_RX_MODE_POLLING
} memif_rx_mode_t;

typedef struct
{
  uint16_t desc_index;
  void *ring;
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
  uint8_t qid;
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
  uint8_t *socket_filename;
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

int memif_get_queue_efd (memif_conn_handle_t conn, uint16_t qid, int *fd);
int memif_set_rx_mode (memif_conn_handle_t conn, memif_rx_mode_t rx_mode,
		       uint16_t qid);

/* Returns a constant string; thread-safe.  The type stays char * for 3.1. */
char *memif_strerror (int err_code);

int memif_get_details (memif_conn_handle_t conn, memif_details_t *md,
		       char *buf, ssize_t buflen);

/*
 * on_control_fd_update NULL: the library owns an epoll set, driven by
 * memif_poll_event().  app_name is truncated to 31 bytes plus NUL.
 */
int memif_init (memif_control_fd_update_t *on_control_fd_update,
		char *app_name, memif_alloc_t *memif_alloc,
		memif_realloc_t *memif_realloc, memif_free_t *memif_free);

int memif_per_thread_init (memif_per_thread_main_handle_t *pt_main,
			   void *private_ctx,
			   memif_control_fd_update_t *on_control_fd_update,
			   char *app_name, memif_alloc_t *memif_alloc,
			   memif_realloc_t *memif_realloc,
			   memif_free_t *memif_free);

int memif_cleanup (void);
int memif_per_thread_cleanup (memif_per_thread_main_handle_t *pt_main);

int memif_create (memif_conn_handle_t *conn, memif_conn_args_t *args,
		  memif_connection_update_t *on_connect,
		  memif_connection_update_t *on_disconnect,
		  memif_interrupt_t *on_interrupt, void *private_ctx);

int memif_control_fd_handler (int fd, uint8_t events);
int memif_per_thread_control_fd_handler (memif_per_thread_main_handle_t pt_main,
					 int fd, uint8_t events);

int memif_delete (memif_conn_handle_t *conn);

/* Slave only: forward received buffers into a tx ring without a copy. */
int memif_buffer_enq_tx (memif_conn_handle_t conn, uint16_t qid,
			 memif_buffer_t *bufs, uint16_t count,
			 uint16_t *count_out);

/*
 * Reserve tx slots for count packets of size bytes each; a packet larger
 * than a slot is chained.  count_out counts slots, not packets.
 */
int memif_buffer_alloc (memif_conn_handle_t conn, uint16_t qid,
			memif_buffer_t *bufs, uint16_t count,
			uint16_t *count_out, uint16_t size);

int memif_refill_queue (memif_conn_handle_t conn, uint16_t qid,
			uint16_t count, uint16_t headroom);

int memif_tx_burst (memif_conn_handle_t conn, uint16_t qid,
		    memif_buffer_t *bufs, uint16_t count, uint16_t *tx);

int memif_rx_burst (memif_conn_handle_t conn, uint16_t qid,
		    memif_buffer_t *bufs, uint16_t count, uint16_t *rx);

/*
 * timeout is in MILLISECONDS (as libmemif 3.1 really behaves, whatever its
 * header said): -1 waits forever, 0 returns at once.
 */
int memif_poll_event (int timeout);
int memif_per_thread_poll_event (memif_per_thread_main_handle_t pt_main,
				 int timeout);

#define MEMIF_HAVE_CANCEL_POLL_EVENT 1
int memif_cancel_poll_event (void);
int memif_per_thread_cancel_poll_event (memif_per_thread_main_handle_t pt_main);

/* All-zero disables automatic reconnection of slaves. */
int memif_set_connection_request_timer (struct itimerspec timer);
int memif_per_thread_set_connection_request_timer (
  memif_per_thread_main_handle_t pt_main, struct itimerspec timer);

int memif_request_connection (memif_conn_handle_t conn);

/*
 * filename: a path, or "@NAME" for the abstract socket NAME (extension).
 * The socket only records the name; the first interface decides whether it
 * listens (master) or connects (slave).
 */
int memif_create_socket (memif_socket_handle_t *sock, const char *filename,
			 void *private_ctx);
int memif_per_thread_create_socket (memif_per_thread_main_handle_t pt_main,
				    memif_socket_handle_t *sock,
				    const char *filename, void *private_ctx);
int memif_delete_socket (memif_socket_handle_t *sock);
const char *memif_get_socket_filename (memif_socket_handle_t sock);

/* ---- Extensions of memifd's libcore (not in libmemif 3.1) ---- */

#define MEMIF_HAVE_CONN_STATS 1

/* Counters of one connection, kept across reconnects until memif_delete. */
typedef struct
{
  uint64_t bad_desc;       /* descriptors from the peer dropped as invalid */
  uint64_t proto_errors;   /* sessions closed for a protocol violation */
  uint64_t connects;       /* completed handshakes */
  uint64_t disconnects;    /* sessions that ended after connecting */
} memif_conn_stats_t;

int memif_get_conn_stats (memif_conn_handle_t conn, memif_conn_stats_t *st);

#ifdef __cplusplus
}
#endif

#endif /* _LIBMEMIF_H_ */
