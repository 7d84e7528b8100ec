/* process.terminal: a pty from the container's own devpts, /dev/console bound to it. */
#pragma once

#include <stdbool.h>

#include "oci/spec.h"

/*
 * In the init, after pivot_root: allocate a pty from /dev/pts/ptmx, bind
 * the peer onto /dev/console (the init only, not `exec`), make it the controlling terminal and stdio.
 * The master is returned in *master for the caller to hand over (console
 * socket or the foreground runtime).
 */
int console_setup(const struct oci_process *p, bool bind_console, int *master);
