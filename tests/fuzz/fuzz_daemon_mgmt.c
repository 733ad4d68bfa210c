/*
 * fuzz_daemon_mgmt - one management request line, as a client could send it:
 * parsed into a request or refused with a message; the error reply built
 * for it must be valid JSON.  Never a crash or a leak.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "mgmt.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct mgmt_request req = { 0 };
  char msg[256];
  json_t *reply;

  if (size > MGMT_MAX_REQUEST)
    return 0;
  if (mgmt_parse_request ((const char *) data, size, &req, msg, sizeof msg) == 0)
    {
      if (!req.command || !json_is_object (req.args))
	abort (); /* the parser promised both */
      reply = mgmt_reply_ok (req.id, json_object ());
    }
  else
    reply = mgmt_reply_error (req.id, -EPROTO, msg);
  char *s = json_dumps (reply, JSON_COMPACT);
  if (!s)
    abort ();
  free (s);
  json_decref (reply);
  mgmt_request_fini (&req);
  return 0;
}
