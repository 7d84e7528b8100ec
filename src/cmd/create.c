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
	int r;
	const char *id = cli_parse_one(argc, argv, opts, ARRAY_SIZE(opts), &h, "container ID", &r);
	if (!id)
		return r;
	struct create_opts o = { .id = id, .bundle = bundle, .pid_file = pid_file, .console_socket = console,
		.preserve_fds = preserve, .no_pivot = no_pivot };
	char what[300];
	snprintf(what, sizeof(what), "container \"%s\"", id);
	struct policy *pol = cli_load_policy(g, what);
	if (!pol)
		return 1;
	o.policy = pol;
	r = container_create(g->root, &o);
	policy_free(pol);
	return r < 0 ? cli_fail(r) : 0;
}
