#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "oci/default_spec.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/macros.h"

int cmd_spec(struct globals *g, int argc, char **argv)
{
	const char *bundle = ".";
	bool force = false, to_stdout = false, rootless = false;
	const struct opt opts[] = {
		{ "bundle", 'b', OPT_STR, &bundle, "DIR", "write DIR/config.json (default: .)" },
		{ "force", 'f', OPT_FLAG, &force, NULL, "overwrite an existing config.json" },
		{ "stdout", 0, OPT_FLAG, &to_stdout, NULL, "print the config instead of writing it" },
		{ "rootless", 0, OPT_FLAG, &rootless, NULL, "not supported: stockade runs as root" },
	};
	const struct cmd_help h = { "spec [OPTIONS] [-- ARGS...]", "Write a hardened config.json.",
		"Deny all, permit some: uid/gid 65534, no capabilities, no_new_privs, read-only root, /tmp and\n"
		"/dev/shm as noexec,nosuid,nodev tmpfs, masked /proc, private namespaces (loopback-only network),\n"
		"a seccomp filter stricter than Docker's, pids and memory limits. ARGS replace process.args." };
	char **pos;
	int npos;
	int r = cli_parse(argc, argv, opts, ARRAY_SIZE(opts), &h, false, &pos, &npos);
	(void)g;
	if (r)
		return r > 0 ? 0 : EXIT_USAGE;
	if (rootless) {
		free(pos);
		cli_usage_error("spec", "--rootless is not supported: stockade runs as root and can map the container "
					"into a user namespace instead (linux.uidMappings)");
		return EXIT_USAGE;
	}
	json_object *o = default_spec_json((const char *const *)pos, npos);
	free(pos);
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
								  JSON_C_TO_STRING_NOSLASHESCAPE);
	if (to_stdout) {
		puts(s);
		json_object_put(o);
		return 0;
	}
	int dfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		json_object_put(o);
		return cli_fail(err_sys(errno, "--bundle %s", bundle));
	}
	if (!force && faccessat(dfd, "config.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		close(dfd);
		json_object_put(o);
		return cli_fail(err_set(EEXIST, "%s/config.json exists; remove it or use --force", bundle));
	}
	size_t len = strlen(s);
	char *buf = malloc(len + 2);
	memcpy(buf, s, len);
	buf[len++] = '\n';
	r = write_file_atomic_at(dfd, "config.json", buf, len, 0644);
	free(buf);
	close(dfd);
	json_object_put(o);
	if (r < 0)
		return cli_fail(err_sys(r, "cannot write %s/config.json", bundle));
	return 0;
}
