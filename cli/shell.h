/* shell.h - memifctl without a command: the libedit shell and batches. */
#ifndef MEMIFCTL_SHELL_H
#define MEMIFCTL_SHELL_H

#include <stdbool.h>
#include <stdio.h>

#include "cmds.h"

/* Reads commands from IN (named NAME in messages), one a line, and runs
 * them.  Stops at the first failure unless FORCE; returns the exit status of
 * the first failed command, or CLI_OK. */
int shell_batch(struct cli *cli, FILE *in, const char *name, bool force);

/* The interactive shell on the terminal; returns when the user leaves. */
int shell_run(struct cli *cli);

#endif
