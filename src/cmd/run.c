#include <stdio.h>

#include "cmd/cli.h"
#include "policy/policy.h"
#include "sandbox/container.h"
#include "util/macros.h"

int cmd_run(struct globals *g, int argc, char **argv)
{
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
	char **pos;
	int npos;
	int r = cli_parse(argc, argv, opts, ARRAY_SIZE(opts), &h, false, &pos, &npos);
	if (r)
		return r > 0 ? 0 : EXIT_USAGE;
	if (npos != 1) {
		free(pos);
		cli_usage_error("run", npos ? "expected exactly one container ID" : "the container ID is missing");
		return EXIT_USAGE;
	}
	struct create_opts o = { .id = pos[0], .bundle = bundle, .pid_file = pid_file, .console_socket = console,
		.preserve_fds = preserve, .no_pivot = no_pivot };
	int code = 0;
	char what[300];
	snprintf(what, sizeof(what), "container \"%s\"", pos[0]);
	struct policy *pol = cli_load_policy(g, what);
	if (!pol) {
		free(pos);
		return 1;
	}
	o.policy = pol;
	r = container_run(g->root, &o, detach, &code);
	policy_free(pol);
	free(pos);
	if (r < 0)
		return cli_fail(r);
	return code;
}
