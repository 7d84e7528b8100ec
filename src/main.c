/*
 * stockade: a hardened, daemonless container runtime and auditor.
 * This file only parses the global options and dispatches to src/cmd/.
 */
#include <limits.h>
#include <seccomp.h>
#include <stdlib.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cli.h"
#include "sandbox/process.h"
#include "sandbox/selfprotect.h"
#include "util/err.h"
#include "util/log.h"
#include "util/macros.h"

struct command {
	const char *name;
	int (*fn)(struct globals *g, int argc, char **argv);
	bool protect; /* starts container processes: run from a read-only copy of ourselves */
	const char *summary;
};

static const struct command commands[] = {
	{ "create", cmd_create, true, "create a container from a bundle (waits for start)" },
	{ "start", cmd_start, false, "start a created container" },
	{ "run", cmd_run, true, "run an image (run [OPTIONS] IMAGE [CMD]) or a bundle (run --bundle DIR ID)" },
	{ "exec", cmd_exec, true, "run a new process inside a container" },
	{ "ps", cmd_ps, false, "list the containers run IMAGE started; ps ID: a container's processes" },
	{ "pause", cmd_pause, false, "freeze a container" },
	{ "resume", cmd_resume, false, "thaw a paused container" },
	{ "update", cmd_update, false, "change a container's resource limits" },
	{ "events", cmd_events, false, "print a container's resource statistics" },
	{ "state", cmd_state, false, "print a container's state as JSON" },
	{ "kill", cmd_kill, false, "send a signal to a container" },
	{ "delete", cmd_delete, false, "delete a container and everything it owns" },
	{ "list", cmd_list, false, "list containers" },
	{ "spec", cmd_spec, false, "write a hardened config.json" },
	{ "features", cmd_features, false, "print supported features (runtime-spec JSON)" },
	{ "policy", cmd_policy, false, "the node policy: init, show, check a config against it" },
	{ "rules", cmd_rules, false, "print the rule catalogue" },
	{ "audit", cmd_audit, false, "check Dockerfiles, compose, Kubernetes, OCI configs, docker run lines" },
#ifdef STOCKADE_IMAGE_TOOL
	{ "load", cmd_load, false, "load images from a docker save or OCI archive, or an OCI layout directory" },
	{ "images", cmd_images, false, "list the images in the store" },
	{ "inspect", cmd_inspect, false, "print an image's manifest, config and layers as JSON" },
	{ "rmi", cmd_rmi, false, "remove images from the store" },
	{ "pull", cmd_pull, false, "pull an image from a registry, verified, and unpack it" },
	{ "prune", cmd_prune, false, "remove dangling images, unused blobs and unpack leftovers" },
	{ "unpack", cmd_unpack, false, "unpack an image's layers into its root (run does this on first use)" },
#else
	{ "load", cmd_image_tool, false, "load images from a docker save or OCI archive, or an OCI layout directory" },
	{ "images", cmd_image_tool, false, "list the images in the store" },
	{ "inspect", cmd_image_tool, false, "print an image's manifest, config and layers as JSON" },
	{ "rmi", cmd_image_tool, false, "remove images from the store" },
	{ "pull", cmd_image_tool, false, "pull an image from a registry, verified, and unpack it" },
	{ "prune", cmd_image_tool, false, "remove dangling images, unused blobs and unpack leftovers" },
	{ "unpack", cmd_image_tool, false, "unpack an image's layers into its root (run does this on first use)" },
#endif
	{ "logs", cmd_logs, false, "print a detached container's output (run -d)" },
	{ "stop", cmd_stop, false, "stop a container started by run IMAGE" },
	{ "rm", cmd_rm, false, "remove a container started by run IMAGE" },
	{ "check-host", cmd_check_host, false, "check the host: shared kernel, kernel features, runtime CVEs, dockerd" },
	{ "scan", cmd_scan, false, "check the containers running on this host, whatever started them" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: stockade [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]\n\n"
		   "A hardened, daemonless OCI container runtime.\n\nCommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nGlobal options:\n"
		   "  --root DIR           container state (default /run/stockade)\n"
		   "  --log FILE           also write warnings and errors to FILE\n"
		   "  --log-format FORMAT  text or json (json: one {\"level\",\"msg\",\"time\"} object per line)\n"
		   "  --debug              log debug messages too\n"
		   "  --host-limits P      refuse (default) or clamp what the host cannot grant without\n"
		   "                       CAP_SYS_RESOURCE (rlimits above its hard limit, a lower oomScoreAdj)\n"
		   "  --store DIR          the image store (else $STOCKADE_STORE, then /var/lib/stockade)\n"
		   "  --policy FILE        the policy create/run enforce (else $STOCKADE_POLICY, then\n"
		   "                       /etc/stockade/policy.yaml, then built-in: restricted, enforce)\n"
		   "  --systemd-cgroup     refused: stockade manages cgroups through cgroupfs\n"
		   "  -v, --version        print versions\n"
		   "  -h, --help           this help; \"stockade COMMAND --help\" for a command\n");
}

static void version(void)
{
	const struct scmp_version *v = seccomp_version();
	printf("stockade version %s\nspec: %s\nlibseccomp: %u.%u.%u\n", STOCKADE_VERSION, OCI_SPEC_VERSION, v->major,
	       v->minor, v->micro);
}

/* Global options come before the command: --root DIR, --root=DIR, -root DIR. */
static int parse_globals(int argc, char **argv, struct globals *g, int *cmd_index)
{
	int i;
	for (i = 1; i < argc; i++) {
		char *a = argv[i];
		if (a[0] != '-')
			break;
		const char *name = a + 1 + (a[1] == '-');
		const char *eq = strchr(name, '=');
		size_t nl = eq ? (size_t)(eq - name) : strlen(name);
#define IS(s) (nl == strlen(s) && strncmp(name, s, nl) == 0)
		const char **dst = NULL;
		if (IS("root"))
			dst = &g->root;
		else if (IS("log"))
			dst = &g->log;
		else if (IS("log-format"))
			dst = &g->log_format;
		else if (IS("host-limits"))
			dst = &g->host_limits;
		else if (IS("policy"))
			dst = &g->policy;
		else if (IS("store"))
			dst = &g->store;
		if (dst) {
			if (eq) {
				*dst = eq + 1;
			} else if (i + 1 < argc) {
				*dst = argv[++i];
			} else {
				fprintf(stderr, "stockade: --%.*s needs a value\n", (int)nl, name);
				return -1;
			}
			continue;
		}
		if (IS("debug")) {
			g->debug = true;
		} else if (IS("systemd-cgroup")) {
			g->systemd_cgroup = true;
		} else if (IS("version") || IS("v")) {
			version();
			exit(0);
		} else if (IS("help") || IS("h")) {
			usage(stdout);
			exit(0);
		} else if (IS("rootless") || IS("criu")) {
			if (!eq && i + 1 < argc && argv[i + 1][0] != '-' && (STREQ(argv[i + 1], "true") ||
									 STREQ(argv[i + 1], "false") || STREQ(argv[i + 1], "auto")))
				i++; /* runc accepts a value here; we ignore these */
		} else {
			fprintf(stderr, "stockade: unknown global option %s (see \"stockade --help\")\n", a);
			return -1;
		}
#undef IS
	}
	*cmd_index = i;
	return 0;
}

/*
 * Remember where we were installed before self-protection re-executes us
 * from a sealed copy (whose /proc/self/exe has no useful path): stockade-image
 * and stockade-init are found next to it.
 */
static void note_bin_dir(void)
{
	const char *env = getenv("STOCKADE_BIN_DIR");
	if (env && *env)
		return;
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return;
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	if (!slash || strstr(self, " (deleted)") || self[0] != '/')
		return;
	*slash = '\0';
	setenv("STOCKADE_BIN_DIR", self[0] ? self : "/", 1);
}

int main(int argc, char **argv)
{
	struct globals g = { .root = "/run/stockade", .log_format = "text", .argv0 = argv[0], .orig_argv = argv };
	int ci;

	if (parse_globals(argc, argv, &g, &ci) < 0)
		return EXIT_USAGE;
	if (g.host_limits && !STREQ(g.host_limits, "refuse") && !STREQ(g.host_limits, "clamp")) {
		fprintf(stderr, "stockade: --host-limits is refuse or clamp, found \"%s\"\n", g.host_limits);
		return EXIT_USAGE;
	}
	process_clamp_host_limits = g.host_limits && STREQ(g.host_limits, "clamp");
	if (!STREQ(g.log_format, "text") && !STREQ(g.log_format, "json")) {
		fprintf(stderr, "stockade: --log-format is text or json, found \"%s\"\n", g.log_format);
		return EXIT_USAGE;
	}
	int r = log_open(g.log, STREQ(g.log_format, "json"), g.debug);
	if (r < 0) {
		fprintf(stderr, "stockade: cannot open --log %s: %s\n", g.log, strerror(-r));
		return 1;
	}
	if (ci >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (g.systemd_cgroup) {
		log_error("--systemd-cgroup is not supported: stockade manages cgroups through cgroupfs. Run the engine "
			  "with the cgroupfs driver (podman --cgroup-manager=cgroupfs, dockerd --exec-opt "
			  "native.cgroupdriver=cgroupfs, containerd SystemdCgroup = false)");
		return 1;
	}
	for (size_t k = 0; k < ARRAY_SIZE(commands); k++) {
		if (!STREQ(argv[ci], commands[k].name))
			continue;
		if (commands[k].protect) {
			note_bin_dir();
			if ((r = selfprotect_ensure(argv)) < 0)
				return cli_fail(r);
		}
		return commands[k].fn(&g, argc - ci, argv + ci);
	}
	fprintf(stderr, "stockade: unknown command \"%s\" (see \"stockade --help\")\n", argv[ci]);
	return EXIT_USAGE;
}
