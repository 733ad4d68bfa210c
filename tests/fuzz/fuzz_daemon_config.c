/*
 * fuzz_daemon_config - memifd's configuration parser (file text and the bridge
 * object of a management "create"): any input gets a config or a list of
 * positioned errors, never a crash or a leak.
 *
 * The input is the text of a configuration file.  It is loaded from a string
 * and, as memifd loads it, from a file (a temporary file the input is written
 * to): both must agree.  A valid config then goes through what a reload and
 * "show" do with it: every bridge is found by its name and equals itself and
 * no other, and its modes have names.  The errors of an invalid one are
 * joined as a reply shows them.  The position index of the error messages
 * (jsonpos) is also run on the raw input, which may not be JSON at all:
 * jsonpos.h promises to index a malformed text up to its first error.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "jsonpos.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static char path[64];
static int fd = -1;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  const char *dir = getenv ("TMPDIR");

  (void) argc;
  (void) argv;
  snprintf (path, sizeof path, "%s/memifd-fuzz-conf-XXXXXX",
	    dir && *dir && strlen (dir) < 32 ? dir : "/tmp");
  fd = mkstemp (path);
  if (fd < 0)
    abort ();
  unlink (path); /* reopened through /proc below: nothing left behind */
  snprintf (path, sizeof path, "/proc/self/fd/%d", fd);
  return 0;
}

/* What a reload and "show" ask of a valid config. */
static void
check_config (const struct config *cfg)
{
  for (size_t i = 0; i < cfg->n_bridges; i++)
    {
      const struct bridge_conf *b = &cfg->bridges[i];

      if (config_find_bridge (cfg, b->name) != b
	  || !config_bridge_equal (b, b) || !config_host_equal (&b->host, &b->host)
	  || (i && config_bridge_equal (b, &cfg->bridges[0])))
	abort (); /* names are unique, and a bridge is what it is */
      if (!config_mode_name (b->memif.mode) || !config_rx_mode_name (b->memif.rx_mode)
	  || !config_timing_name (b->host.timing))
	abort ();
    }
  if (config_find_bridge (cfg, "") || config_find_bridge (cfg, "no/such/bridge"))
    abort (); /* no bridge has a name like these */
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct config_errors errs = { 0 }, ferrs = { 0 };
  struct bridge_conf bc;
  char *text = malloc (size + 1), *joined;
  struct jsonpos *jp;
  int line, col;
  json_t *obj;

  if (!text)
    return 0;
  memcpy (text, data, size);
  text[size] = '\0';
  struct config *cfg = config_load_string (text, "fuzz.conf", &errs);
  if (cfg && errs.n)
    abort (); /* a config is valid iff no error was reported */
  if (cfg)
    check_config (cfg);
  joined = config_errors_join (&errs);
  if (!joined != !errs.n)
    abort ();
  free (joined);
  /* the same text from a file */
  if (ftruncate (fd, 0) == 0 && pwrite (fd, data, size, 0) == (ssize_t) size)
    {
      struct config *fcfg = config_load_file (path, &ferrs);
      if (!fcfg != !cfg || ferrs.n != errs.n)
	abort (); /* a file and its text are the same configuration */
      config_free (fcfg);
      config_errors_fini (&ferrs);
    }
  config_free (cfg);
  config_errors_fini (&errs);
  obj = json_loadb (text, size, 0, NULL);
  if (json_is_object (obj))
    {
      struct config_errors e2 = { 0 };
      memset (&bc, 0, sizeof bc);
      if (config_parse_bridge (obj, &bc, &e2) == 0 && !config_bridge_equal (&bc, &bc))
	abort ();
      config_errors_fini (&e2);
    }
  json_decref (obj);
  /* the position index of any text, JSON or not: the root is always there */
  jp = jsonpos_index ((const char *) data, size);
  if (jp && jsonpos_find (jp, "", false, &line, &col))
    abort ();
  jsonpos_free (jp);
  free (text);
  return 0;
}
