#include <signal.h>

#include "cmd/cli.h"
#include "oci/spec.h"
#include "sandbox/container.h"
#include "util/macros.h"

int cmd_kill(struct globals *g, int argc, char **argv)
{
	bool all = false;
	const struct opt opts[] = {
		{ "all", 'a', OPT_FLAG, &all, NULL, "signal every process in the container, not just its init" },
	};
	const struct cmd_help h = { "kill [--all] ID [SIGNAL]", "Send a signal (default SIGTERM) to a created or running container.",
		"SIGNAL is a name (TERM, SIGKILL) or a number." };
	char **pos;
	int npos;
	int r = cli_parse(argc, argv, opts, ARRAY_SIZE(opts), &h, false, &pos, &npos);
	if (r)
		return r > 0 ? 0 : EXIT_USAGE;
	if (npos < 1 || npos > 2) {
		free(pos);
		cli_usage_error("kill", "expected a container ID and optionally a signal");
		return EXIT_USAGE;
	}
	int sig = SIGTERM;
	if (npos == 2 && (sig = signal_from_name(pos[1])) < 0) {
		cli_usage_error("kill", "unknown signal \"%s\"", pos[1]);
		free(pos);
		return EXIT_USAGE;
	}
	r = container_kill(g->root, pos[0], sig, all);
	free(pos);
	return r < 0 ? cli_fail(r) : 0;
}
