#include <stdio.h>

#include "cmd/cli.h"
#include "policy/policy.h"
#include "sandbox/container.h"
#include "util/macros.h"

int cmd_create(struct globals *g, int argc, char **argv)
{
	const char *bundle = ".", *pid_file = NULL, *console = NULL;
	int preserve = 0;
	bool no_pivot = false, no_new_keyring = false;
	const struct opt opts[] = {
		{ "bundle", 'b', OPT_STR, &bundle, "DIR", "bundle directory (config.json and rootfs; default: .)" },
		{ "pid-file", 0, OPT_STR, &pid_file, "FILE", "write the init's host pid here (atomically)" },
		{ "console-socket", 0, OPT_STR, &console, "SOCK", "UNIX socket that receives the terminal master (process.terminal)" },
		{ "preserve-fds", 0, OPT_INT, &preserve, "N", "pass fds 3..3+N-1 to the container" },
		{ "no-pivot", 0, OPT_FLAG, &no_pivot, NULL, "use MS_MOVE+chroot instead of pivot_root (ramfs roots only)" },
		{ "no-new-keyring", 0, OPT_FLAG, &no_new_keyring, NULL, "accepted for runc compatibility" },
	};
	const struct cmd_help h = { "create [OPTIONS] ID", "Create a container from a bundle; it waits for \"start\".",
		"The config is checked completely before anything is made; on any failure nothing is left behind." };
	char **pos;
	int npos;
	int r = cli_parse(argc, argv, opts, ARRAY_SIZE(opts), &h, false, &pos, &npos);
	if (r)
		return r > 0 ? 0 : EXIT_USAGE;
	if (npos != 1) {
		free(pos);
		cli_usage_error("create", npos ? "expected exactly one container ID" : "the container ID is missing");
		return EXIT_USAGE;
	}
	struct create_opts o = { .id = pos[0], .bundle = bundle, .pid_file = pid_file, .console_socket = console,
		.preserve_fds = preserve, .no_pivot = no_pivot };
	char what[300];
	snprintf(what, sizeof(what), "container \"%s\"", pos[0]);
	struct policy *pol = cli_load_policy(g, what);
	if (!pol) {
		free(pos);
		return 1;
	}
	o.policy = pol;
	r = container_create(g->root, &o);
	policy_free(pol);
	free(pos);
	return r < 0 ? cli_fail(r) : 0;
}
