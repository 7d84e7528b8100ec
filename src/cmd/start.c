#include "cmd/cli.h"
#include "sandbox/container.h"
#include "util/macros.h"

int cmd_start(struct globals *g, int argc, char **argv)
{
	const struct cmd_help h = { "start ID", "Start a created container: its process runs from now on.", NULL };
	int r;
	const char *id = cli_parse_one(argc, argv, NULL, 0, &h, "container ID", &r);
	if (!id)
		return r;
	r = container_start(g->root, id);
	return r < 0 ? cli_fail(r) : 0;
}
