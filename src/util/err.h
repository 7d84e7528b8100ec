/*
 * Errors travel as negative errno values (systemd style); the human message
 * that goes with the most recent failure is kept per thread and can be
 * extended with context on the way up:
 *
 *     r = mount_one(m);
 *     if (r < 0)
 *             return err_ctx(r, "mounts[%zu] (%s)", i, m->destination);
 *
 * The top of the program prints err_msg() once.
 */
#pragma once

#include "util/macros.h"

/* Record "<message>: <strerror(errnum)>" and return -errnum. */
int err_sys(int errnum, const char *fmt, ...) PRINTF(2, 3);
/* Record "<message>" (no strerror) and return -code (code > 0, e.g. EINVAL). */
int err_set(int code, const char *fmt, ...) PRINTF(2, 3);
/* Prefix the recorded message with "<context>: " and return r unchanged. */
int err_ctx(int r, const char *fmt, ...) PRINTF(2, 3);
/* Append a hint line ("\n  hint: ...") and return r unchanged. */
int err_hint(int r, const char *fmt, ...) PRINTF(2, 3);
const char *err_msg(void);
void err_clear(void);
/* Replace the recorded message verbatim (used to relay a child's error). */
void err_restore(const char *msg);
