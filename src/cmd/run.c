#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "policy/policy.h"
#include "sandbox/container.h"
#include "util/macros.h"

/*
 * `run` is two commands: runc's `run [--bundle DIR] ID` and docker's
 * `run [OPTIONS] IMAGE [COMMAND...]`.  It is the runtime's when --bundle/-b
 * is given, or when it has exactly one positional argument, only runc's
 * options and ./config.json exists (engines and scripts rely on that);
 * otherwise it is the image form.
 */
bool cli_run_is_image(int argc, char **argv)
{
	static const char *const with_value[] = { "bundle", "b", "pid-file", "console-socket", "preserve-fds" };
	static const char *const flags[] = { "detach", "d", "no-pivot", "no-new-keyring", "keep", "help", "h" };
	int npos = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-' || !a[1]) {
			npos++;
			continue;
		}
		const char *name = a + 1 + (a[1] == '-');
		const char *eq = strchr(name, '=');
		size_t nl = eq ? (size_t)(eq - name) : strlen(name);
		bool known = false;
		for (size_t k = 0; k < ARRAY_SIZE(with_value); k++) {
			if (strlen(with_value[k]) == nl && strncmp(with_value[k], name, nl) == 0) {
				if (k < 2)
					return false; /* --bundle: the runtime's */
				if (!eq)
					i++;
				known = true;
			}
		}
		for (size_t k = 0; k < ARRAY_SIZE(flags) && !known; k++)
			known = strlen(flags[k]) == nl && strncmp(flags[k], name, nl) == 0;
		if (!known)
			return true; /* an option only docker's run has (--rm, -e, -it ...) */
	}
	return !(npos == 1 && access("config.json", F_OK) == 0);
}

int cmd_run(struct globals *g, int argc, char **argv)
{
	if (cli_run_is_image(argc, argv))
		return cmd_run_image(g, argc, argv);

	const char *bundle = ".", *pid_file = NULL, *console = NULL;
	int preserve = 0;
	bool detach = false, no_pivot = false, no_new_keyring = false, keep = false;
	const struct opt opts[] = {
		{ "bundle", 'b', OPT_STR, &bundle, "DIR", "bundle directory (default: .)" },
		{ "detach", 'd', OPT_FLAG, &detach, NULL, "start the container and return" },
		{ "pid-file", 0, OPT_STR, &pid_file, "FILE", "write the init's host pid here" },
		{ "console-socket", 0, OPT_STR, &console, "SOCK", "UNIX socket that receives the terminal master" },
		{ "preserve-fds", 0, OPT_INT, &preserve, "N", "pass fds 3..3+N-1 to the container" },
		{ "no-pivot", 0, OPT_FLAG, &no_pivot, NULL, "use MS_MOVE+chroot instead of pivot_root" },
		{ "no-new-keyring", 0, OPT_FLAG, &no_new_keyring, NULL, "accepted for runc compatibility" },
		{ "keep", 0, OPT_FLAG, &keep, NULL, "accepted for runc compatibility (the container is always deleted)" },
	};
	const struct cmd_help h = { "run [OPTIONS] ID", "Create and start a container; in the foreground, wait for it.",
		"In the foreground, signals are forwarded to the container, a terminal (process.terminal) is proxied,\n"
		"the container is deleted when it exits, and stockade exits with its status (128+N for signal N)." };
	int r;
	const char *id = cli_parse_one(argc, argv, opts, ARRAY_SIZE(opts), &h, "container ID", &r);
	if (!id)
		return r;
	struct create_opts o = { .id = id, .bundle = bundle, .pid_file = pid_file, .console_socket = console,
		.preserve_fds = preserve, .no_pivot = no_pivot };
	int code = 0;
	char what[300];
	snprintf(what, sizeof(what), "container \"%s\"", id);
	struct policy *pol = cli_load_policy(g, what);
	if (!pol)
		return 1;
	o.policy = pol;
	r = container_run(g->root, &o, detach, &code);
	policy_free(pol);
	if (r < 0)
		return cli_fail(r);
	return code;
}
