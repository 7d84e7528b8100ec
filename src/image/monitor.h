/*
 * The per-container monitor of `stockade run` (no daemon).
 *
 * Every container `run IMAGE` starts has a record directory
 * <root>/.run/<name>/ (the runtime's `list` skips dot entries):
 *
 *     meta.json     name, runtime id, image + pinned digest, ports, created,
 *                   status (running|exited), exit code, monitor pid, stop signal/timeout
 *     config.json   the bundle's config (root.path is the store's rootfs/<hex>)
 *     container.log stdout and stderr of a detached container
 *
 * Foreground: the `stockade run` process itself supervises (no extra
 * process).  Detached: a monitor (double fork + setsid, stdio on /dev/null)
 * creates and starts the container with its stdout/stderr on a pipe it
 * copies into container.log, waits for it, records the exit status, and
 * with --rm removes the record.  The caller gets control back once the
 * container runs, or the create error.
 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <sys/types.h>

#include "image/forward.h"
#include "sandbox/container.h"

#define REC_DIR ".run"
#define REC_LOG "container.log"

struct monitor_spec {
	const char *root; /* --root */
	const char *name;
	int runfd;        /* <root>/.run */
	int recfd;        /* <root>/.run/<name> */
	struct create_opts co;
	bool rm;
	bool interactive;
	struct fwd_port *ports; /* bound already (fwd_bind) */
	size_t nports;
};

/* <root>/.run, created 0700 when create is set. */
int rec_root_open(const char *root, bool create);
int rec_meta_load(int recfd, json_object **out);
int rec_meta_save(int recfd, json_object *meta);
/* Set one key of meta.json (read-modify-write). */
int rec_meta_update(int recfd, const char *key, json_object *val);

/* Detached: returns 0 once the container runs (*monitor = the monitor's pid) or the create error. */
int monitor_start(const struct monitor_spec *m, pid_t *monitor);
/* Foreground, in this process: the container's exit code in *code. */
int monitor_foreground(const struct monitor_spec *m, int *code);
/* Record the end: status exited + exit code, or with rm the record removed (runfd: <root>/.run). */
void monitor_finish(int runfd, const char *name, int recfd, bool rm, int code);
