#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cli.h"
#include "sandbox/container.h"
#include "util/macros.h"

static const char *str(json_object *o, const char *k)
{
	json_object *v;
	return json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) : "";
}

int cmd_list(struct globals *g, int argc, char **argv)
{
	const char *format = "table";
	bool quiet = false;
	const struct opt opts[] = {
		{ "format", 'f', OPT_CHOICE, &format, "table|json", "output format" },
		{ "quiet", 'q', OPT_FLAG, &quiet, NULL, "print only the IDs" },
	};
	const struct cmd_help h = { "list [--format table|json]", "List the containers under --root.", NULL };
	int r = cli_parse(argc, argv, opts, ARRAY_SIZE(opts), &h, false, NULL, NULL);
	if (r)
		return r > 0 ? 0 : EXIT_USAGE;
	json_object *arr;
	if ((r = container_list(g->root, &arr)) < 0)
		return cli_fail(r);
	if (STREQ(format, "json")) {
		puts(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	} else {
		if (!quiet)
			printf("%-24s %-8s %-10s %-40s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED");
		for (size_t i = 0; i < json_object_array_length(arr); i++) {
			json_object *o = json_object_array_get_idx(arr, i), *pid;
			json_object_object_get_ex(o, "pid", &pid);
			if (quiet)
				printf("%s\n", str(o, "id"));
			else
				printf("%-24s %-8d %-10s %-40s %s\n", str(o, "id"), json_object_get_int(pid), str(o, "status"),
				       str(o, "bundle"), str(o, "created"));
		}
	}
	json_object_put(arr);
	return 0;
}
