/* `stockade exec`: run a new process inside a created or running container. */
#pragma once

#include <stdbool.h>

#include "cmd/cli.h"

struct policy;

struct exec_opts {
	const char *id;
	const char *process_file; /* OCI process JSON; fields it omits come from the container's process */
	char **args;              /* or the command line */
	int nargs;
	const char *cwd, *user, *pid_file, *console_socket;
	struct strv env, caps;
	bool detach, tty, no_new_privs;
	int preserve_fds;
	const struct policy *policy; /* judged like create (NULL: none) */
};

/* Foreground (!detach): *exit_code is the process's status, 128+N for signal N. */
int container_exec(const char *root, const struct exec_opts *o, int *exit_code);
