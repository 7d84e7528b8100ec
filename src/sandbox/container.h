/*
 * Container lifecycle on the runtime side (create, start, kill, delete, run,
 * state, list).  The subcommands in src/cmd/ parse arguments and call these.
 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>

#include "oci/state.h"

struct create_opts {
	const char *id;
	const char *bundle;
	const char *pid_file;
	const char *console_socket;
	int preserve_fds;
	bool no_pivot;
	bool foreground;       /* `run` without --detach: we stay, forward signals, proxy the terminal */
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
