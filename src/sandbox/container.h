/*
 * Container lifecycle on the runtime side (create, start, kill, delete, run,
 * state, list).  The subcommands in src/cmd/ parse arguments and call these.
 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "oci/state.h"

struct policy;

struct create_opts {
	const char *id;
	const char *bundle;
	const char *pid_file;
	const char *console_socket;
	int preserve_fds;
	bool no_pivot;
	bool foreground;       /* `run` without --detach: we stay, forward signals, proxy the terminal */
	const struct policy *policy; /* admission at create (NULL: none, for tests of the runtime alone) */
};

int container_create(const char *root, const struct create_opts *o);
int container_start(const char *root, const char *id);
/* Foreground: returns the exit code for our own exit (status, or 128+signal). */
int container_run(const char *root, const struct create_opts *o, bool detach, int *exit_code);
int container_kill(const char *root, const char *id, int sig, bool all);
int container_delete(const char *root, const char *id, bool force);
int container_state(const char *root, const char *id, json_object **out);
/* Every container under root: id, pid, status, bundle, created (array). */
int container_list(const char *root, json_object **out);

/* Open and lock <root>/<id> and load its state (for the other lifecycle commands). */
int container_open(const char *root, const char *id, int *rootfd, int *statefd, struct ctr_state *st);

/* manage.c: ps, pause/resume, update, events */
int container_pids(const char *root, const char *id, pid_t **pids, size_t *n);
int container_pause(const char *root, const char *id, bool pause);
/* `resources` is an OCI linux.resources object (JSON text); `name` names it in errors. */
int container_update(const char *root, const char *id, const char *resources, size_t len, const char *name);
/* {"type": "stats", "id": ..., "data": {...}} */
int container_stats(const char *root, const char *id, json_object **out);
