#include "cmd/cli.h"
#include "sandbox/container.h"
#include "util/macros.h"

int cmd_start(struct globals *g, int argc, char **argv)
{
	const struct cmd_help h = { "start ID", "Start a created container: its process runs from now on.", NULL };
	char **pos;
	int npos;
	int r = cli_parse(argc, argv, NULL, 0, &h, false, &pos, &npos);
	if (r)
		return r > 0 ? 0 : EXIT_USAGE;
	if (npos != 1) {
		free(pos);
		cli_usage_error("start", "expected exactly one container ID");
		return EXIT_USAGE;
	}
	r = container_start(g->root, pos[0]);
	free(pos);
	return r < 0 ? cli_fail(r) : 0;
}
