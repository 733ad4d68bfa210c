/*
 * proto.h - memif protocol 2.0 wire format: control messages, ring and
 * descriptor layout.  Layout facts only; every size and offset the
 * protocol fixes is checked at compile time.
 */
#ifndef MEMIF_PROTO_H
#define MEMIF_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define MEMIF_PROTO_VERSION_MAJOR 2
#define MEMIF_PROTO_VERSION_MINOR 0
#define MEMIF_PROTO_VERSION                                                    \
  ((MEMIF_PROTO_VERSION_MAJOR << 8) | MEMIF_PROTO_VERSION_MINOR)

#define MEMIF_MSG_SIZE 128
#define MEMIF_NAME_LEN 32
#define MEMIF_SECRET_LEN 24
#define MEMIF_REASON_LEN 96

#define MEMIF_COOKIE 0x3E31F20u
#define MEMIF_MAX_LOG2_RING_SIZE 14
#define MEMIF_MAX_RINGS 256 /* per direction: HELLO carries index 255 */
#define MEMIF_MAX_REGIONS 256

/* Cache line size the ring header is laid out for (x86-64: 64). */
#ifndef MEMIF_CACHELINE
#define MEMIF_CACHELINE 64
#endif

enum msg_type
{
  MSG_NONE = 0,
  MSG_ACK = 1,
  MSG_HELLO = 2,
  MSG_INIT = 3,
  MSG_ADD_REGION = 4,
  MSG_ADD_RING = 5,
  MSG_CONNECT = 6,
  MSG_CONNECTED = 7,
  MSG_DISCONNECT = 8,
  MSG_TYPE_COUNT
};

enum
{
  MODE_ETHERNET = 0,
  MODE_IP = 1,
  MODE_PUNT_INJECT = 2,
};

struct __attribute__ ((packed)) msg_hello
{
  uint8_t name[MEMIF_NAME_LEN];
  uint16_t min_version;
  uint16_t max_version;
  uint16_t max_region;
  uint16_t max_m2s_ring;
  uint16_t max_s2m_ring;
  uint8_t max_log2_ring_size;
};

struct __attribute__ ((packed)) msg_init
{
  uint16_t version;
  uint32_t id;
  uint8_t mode;
  uint8_t secret[MEMIF_SECRET_LEN];
  uint8_t name[MEMIF_NAME_LEN];
};

struct __attribute__ ((packed)) msg_add_region
{
  uint16_t index;
  uint64_t size;
};

#define RING_FLAG_S2M 1

struct __attribute__ ((packed)) msg_add_ring
{
  uint16_t flags;
  uint16_t index;
  uint16_t region;
  uint32_t offset;
  uint8_t log2_ring_size;
  uint16_t private_hdr_size;
};

struct __attribute__ ((packed)) msg_connect
{
  uint8_t if_name[MEMIF_NAME_LEN];
};

struct __attribute__ ((packed)) msg_disconnect
{
  uint32_t code;
  uint8_t string[MEMIF_REASON_LEN];
};

struct __attribute__ ((packed)) msg
{
  uint16_t type;
  union __attribute__ ((packed))
  {
    struct msg_hello hello;
    struct msg_init init;
    struct msg_add_region add_region;
    struct msg_add_ring add_ring;
    struct msg_connect connect;
    struct msg_connect connected;
    struct msg_disconnect disconnect;
    uint8_t raw[MEMIF_MSG_SIZE - 2];
  };
};

_Static_assert (sizeof (struct msg) == MEMIF_MSG_SIZE, "message is 128 bytes");
_Static_assert (offsetof (struct msg, hello) == 2, "body at 2");
_Static_assert (sizeof (struct msg_hello) == 43, "hello body");
_Static_assert (offsetof (struct msg_hello, min_version) == 32, "hello");
_Static_assert (offsetof (struct msg_hello, max_log2_ring_size) == 42, "hello");
_Static_assert (sizeof (struct msg_init) == 63, "init body");
_Static_assert (offsetof (struct msg_init, id) == 2, "init");
_Static_assert (offsetof (struct msg_init, mode) == 6, "init");
_Static_assert (offsetof (struct msg_init, secret) == 7, "init");
_Static_assert (offsetof (struct msg_init, name) == 31, "init");
_Static_assert (sizeof (struct msg_add_region) == 10, "add_region body");
_Static_assert (sizeof (struct msg_add_ring) == 13, "add_ring body");
_Static_assert (offsetof (struct msg_add_ring, offset) == 6, "add_ring");
_Static_assert (offsetof (struct msg_add_ring, log2_ring_size) == 10, "ring");
_Static_assert (offsetof (struct msg_add_ring, private_hdr_size) == 11, "ring");
_Static_assert (sizeof (struct msg_disconnect) == 100, "disconnect body");

/* Descriptor: 16 bytes. */
#define DESC_FLAG_NEXT 1

struct __attribute__ ((packed)) memif_desc
{
  uint16_t flags;
  uint16_t region;
  uint32_t length;
  uint32_t offset;
  uint32_t metadata;
};
_Static_assert (sizeof (struct memif_desc) == 16, "descriptor is 16 bytes");
_Static_assert (offsetof (struct memif_desc, length) == 4, "desc");
_Static_assert (offsetof (struct memif_desc, offset) == 8, "desc");

#define RING_FLAG_MASK_INT 1

/* Ring header: cookie/flags/head on one cache line, tail on the next. */
struct memif_ring
{
  uint32_t cookie;
  uint16_t flags;
  uint16_t head;
  uint8_t pad0[MEMIF_CACHELINE - 8];
  uint16_t tail;
  uint8_t pad1[MEMIF_CACHELINE - 2];
  struct memif_desc desc[];
};
_Static_assert (offsetof (struct memif_ring, flags) == 4, "ring flags");
_Static_assert (offsetof (struct memif_ring, head) == 6, "ring head");
_Static_assert (offsetof (struct memif_ring, tail) == MEMIF_CACHELINE, "tail");
_Static_assert (offsetof (struct memif_ring, desc) == 2 * MEMIF_CACHELINE,
		"descriptors follow the header");
#define RING_HDR_SIZE (2 * MEMIF_CACHELINE)

static inline size_t
ring_bytes (unsigned log2_size)
{
  return RING_HDR_SIZE + sizeof (struct memif_desc) * ((size_t) 1 << log2_size);
}

#endif
