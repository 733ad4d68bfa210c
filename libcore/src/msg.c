/*
 * msg.c - building control messages and checking what a peer sent.
 * No I/O here: sock.c moves the bytes, conn.c decides what to do.
 */
#include <string.h>

#include "internal.h"

static void
msg_zero (struct msg *m, enum msg_type type)
{
  memset (m, 0, sizeof *m);
  m->type = type;
}

/* Copy a C string into a fixed NUL-padded field; may fill it completely. */
static void
put_string (uint8_t *field, size_t field_len, const char *s)
{
  size_t n = s ? strnlen (s, field_len) : 0;
  memcpy (field, s, n);
  memset (field + n, 0, field_len - n);
}

/* Copy a fixed field from the wire into a C string of field_len + 1 bytes,
 * never reading past the field. */
void
msg_copy_string (char *dst, const uint8_t *src, size_t field_len)
{
  size_t n = strnlen ((const char *) src, field_len);
  memcpy (dst, src, n);
  dst[n] = '\0';
}

void
msg_ack (struct msg *m)
{
  msg_zero (m, MSG_ACK);
}

void
msg_hello (struct msg *m, const char *name)
{
  msg_zero (m, MSG_HELLO);
  put_string (m->hello.name, sizeof m->hello.name, name);
  m->hello.min_version = MEMIF_PROTO_VERSION;
  m->hello.max_version = MEMIF_PROTO_VERSION;
  m->hello.max_region = MEMIF_MAX_REGIONS - 1;
  m->hello.max_m2s_ring = MEMIF_MAX_RINGS - 1;
  m->hello.max_s2m_ring = MEMIF_MAX_RINGS - 1;
  m->hello.max_log2_ring_size = MEMIF_MAX_LOG2_RING_SIZE;
}

void
msg_init (struct msg *m, uint32_t id, uint8_t mode, const uint8_t *secret,
	  const char *name)
{
  msg_zero (m, MSG_INIT);
  m->init.version = MEMIF_PROTO_VERSION;
  m->init.id = id;
  m->init.mode = mode;
  memcpy (m->init.secret, secret, MEMIF_SECRET_LEN);
  put_string (m->init.name, sizeof m->init.name, name);
}

void
msg_add_region (struct msg *m, uint16_t index, uint64_t size)
{
  msg_zero (m, MSG_ADD_REGION);
  m->add_region.index = index;
  m->add_region.size = size;
}

void
msg_add_ring (struct msg *m, bool s2m, uint16_t index, uint16_t region,
	      uint32_t offset, uint8_t log2_size)
{
  msg_zero (m, MSG_ADD_RING);
  m->add_ring.flags = s2m ? RING_FLAG_S2M : 0;
  m->add_ring.index = index;
  m->add_ring.region = region;
  m->add_ring.offset = offset;
  m->add_ring.log2_ring_size = log2_size;
  m->add_ring.private_hdr_size = 0;
}

void
msg_connect (struct msg *m, enum msg_type type, const char *if_name)
{
  msg_zero (m, type);
  put_string (m->connect.if_name, sizeof m->connect.if_name, if_name);
}

void
msg_disconnect (struct msg *m, uint32_t code, const char *reason)
{
  msg_zero (m, MSG_DISCONNECT);
  m->disconnect.code = code;
  put_string (m->disconnect.string, sizeof m->disconnect.string, reason);
}

/* NULL if the HELLO is acceptable to a 2.0 client, else the reason. */
const char *
msg_check_hello (const struct msg_hello *h)
{
  if (h->min_version > MEMIF_PROTO_VERSION
      || h->max_version < MEMIF_PROTO_VERSION)
    return "incompatible version";
  return NULL;
}

/* NULL if the ring declaration is well formed, else the reason (and *err).
 * Checks that need the session (region exists, ring fits) are conn.c's. */
const char *
msg_check_add_ring (const struct msg_add_ring *r, int *err)
{
  *err = MEMIF_ERR_MFMSG;
  if (r->flags & ~RING_FLAG_S2M)
    return "unknown ring flags";
  if (r->index >= MEMIF_MAX_RINGS)
    {
      *err = MEMIF_ERR_MAXRING;
      return "ring index out of range";
    }
  if (r->region >= MEMIF_MAX_REGIONS)
    {
      *err = MEMIF_ERR_MAXREG;
      return "region index out of range";
    }
  if (r->log2_ring_size > MEMIF_MAX_LOG2_RING_SIZE)
    {
      *err = MEMIF_ERR_MAX_RING;
      return "ring size too large";
    }
  if (r->private_hdr_size != 0)
    {
      *err = MEMIF_ERR_PRIVHDR;
      return "private headers not supported";
    }
  if (r->offset % 8)
    return "ring offset not aligned";
  *err = 0;
  return NULL;
}

/* Secrets are NUL-padded fields, possibly full: compare bounded. */
bool
msg_secret_equal (const uint8_t *a, const uint8_t *b)
{
  size_t la = strnlen ((const char *) a, MEMIF_SECRET_LEN);
  size_t lb = strnlen ((const char *) b, MEMIF_SECRET_LEN);
  return la == lb && memcmp (a, b, la) == 0;
}

const char *
msg_type_name (uint16_t type)
{
  static const char *const names[MSG_TYPE_COUNT] = {
    [MSG_NONE] = "NONE",	     [MSG_ACK] = "ACK",
    [MSG_HELLO] = "HELLO",	     [MSG_INIT] = "INIT",
    [MSG_ADD_REGION] = "ADD_REGION", [MSG_ADD_RING] = "ADD_RING",
    [MSG_CONNECT] = "CONNECT",	     [MSG_CONNECTED] = "CONNECTED",
    [MSG_DISCONNECT] = "DISCONNECT",
  };
  return type < MSG_TYPE_COUNT ? names[type] : "unknown";
}
