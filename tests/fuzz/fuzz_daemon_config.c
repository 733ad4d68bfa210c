/*
 * fuzz_daemon_config - memifd's configuration parser (file text and the bridge
 * object of a management "create"): any input gets a config or a list of
 * positioned errors, never a crash or a leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct config_errors errs = { 0 };
  struct bridge_conf bc;
  char *text = malloc (size + 1);
  json_t *obj;

  if (!text)
    return 0;
  memcpy (text, data, size);
  text[size] = '\0';
  struct config *cfg = config_load_string (text, "fuzz.conf", &errs);
  if (cfg && errs.n)
    abort (); /* a config is valid iff no error was reported */
  config_free (cfg);
  config_errors_fini (&errs);
  obj = json_loadb (text, size, 0, NULL);
  if (json_is_object (obj))
    {
      struct config_errors e2 = { 0 };
      memset (&bc, 0, sizeof bc);
      config_parse_bridge (obj, &bc, &e2);
      config_errors_fini (&e2);
    }
  json_decref (obj);
  free (text);
  return 0;
}
