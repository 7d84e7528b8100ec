#include <json-c/json.h>
#include <stdio.h>

#include "cmd/cli.h"
#include "sandbox/container.h"
#include "util/macros.h"

int cmd_state(struct globals *g, int argc, char **argv)
{
	const struct cmd_help h = { "state ID", "Print the container's state (runtime-spec JSON).", NULL };
	char **pos;
	int npos;
	int r = cli_parse(argc, argv, NULL, 0, &h, false, &pos, &npos);
	if (r)
		return r > 0 ? 0 : EXIT_USAGE;
	if (npos != 1) {
		free(pos);
		cli_usage_error("state", "expected exactly one container ID");
		return EXIT_USAGE;
	}
	json_object *o;
	r = container_state(g->root, pos[0], &o);
	free(pos);
	if (r < 0)
		return cli_fail(r);
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return 0;
}
