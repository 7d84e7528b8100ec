#include "cmd/cli.h"
#include "sandbox/container.h"
#include "util/macros.h"

int cmd_delete(struct globals *g, int argc, char **argv)
{
	bool force = false;
	const struct opt opts[] = {
		{ "force", 'f', OPT_FLAG, &force, NULL, "kill a running container first (SIGKILL to every process)" },
	};
	const struct cmd_help h = { "delete [--force] ID...", "Delete stopped (or created) containers and everything they own.",
		"A running container is refused unless --force is given. Its cgroup and state are removed, then\n"
		"the poststop hooks run." };
	char **pos;
	int npos;
	int r = cli_parse(argc, argv, opts, ARRAY_SIZE(opts), &h, false, &pos, &npos);
	if (r)
		return r > 0 ? 0 : EXIT_USAGE;
	if (npos < 1) {
		free(pos);
		cli_usage_error("delete", "the container ID is missing");
		return EXIT_USAGE;
	}
	int rc = 0;
	for (int i = 0; i < npos; i++) {
		r = container_delete(g->root, pos[i], force);
		if (r < 0)
			rc = cli_fail(r);
	}
	free(pos);
	return rc;
}
