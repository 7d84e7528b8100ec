#include <json-c/json.h>
#include <stdio.h>

#include "cmd/cli.h"
#include "sandbox/container.h"
#include "util/macros.h"

int cmd_state(struct globals *g, int argc, char **argv)
{
	const struct cmd_help h = { "state ID", "Print the container's state (runtime-spec JSON).", NULL };
	int r;
	const char *id = cli_parse_one(argc, argv, NULL, 0, &h, "container ID", &r);
	if (!id)
		return r;
	json_object *o;
	r = container_state(g->root, id, &o);
	if (r < 0)
		return cli_fail(r);
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return 0;
}
