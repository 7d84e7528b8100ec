/* ps, pause, resume, update, events: thin wrappers over sandbox/manage.c. */
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "sandbox/container.h"
#include "util/fs.h"
#include "util/macros.h"

static void proc_line(pid_t pid)
{
	char path[64], buf[4096], cmd[4096] = "";
	unsigned uid = 0;
	char st = '?';
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_small_at(AT_FDCWD, path, buf, sizeof(buf)) >= 0) {
		char *u = strstr(buf, "\nUid:");
		char *s = strstr(buf, "\nState:");
		if (u)
			sscanf(u, "\nUid:%u", &uid);
		if (s)
			sscanf(s, "\nState: %c", &st);
	}
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	char *raw = NULL;
	size_t len = 0;
	if (read_file_at(AT_FDCWD, path, sizeof(cmd) - 1, &raw, &len) >= 0) {
		for (size_t i = 0; i < len; i++)
			cmd[i] = raw[i] ? raw[i] : ' ';
		cmd[len] = '\0';
		free(raw);
	}
	printf("%-8d %-8u %-5c %s\n", (int)pid, uid, st, cmd);
}


/* `ps ID` lists a container's processes (runc's); `ps`, `ps -a` the containers `run IMAGE` started. */
static bool ps_is_list(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (STREQ(a, "--format") || STREQ(a, "-f")) {
			i++;
			continue;
		}
		if (a[0] != '-')
			return false;
	}
	return true;
}

int cmd_ps(struct globals *g, int argc, char **argv)
{
	if (ps_is_list(argc, argv))
		return cmd_ps_list(g, argc, argv);
	const char *format = "table";
	const struct opt opts[] = { { "format", 'f', OPT_CHOICE, &format, "table|json", "output format (json: an array of host pids)" } };
	const struct cmd_help h = { "ps [--format table|json] ID", "List the processes in a container (host pids).", NULL };
	int rc = 0;
	const char *id = cli_parse_one(argc, argv, opts, ARRAY_SIZE(opts), &h, "container ID", &rc);
	if (!id)
		return rc;
	pid_t *pids;
	size_t n;
	int r = container_pids(g->root, id, &pids, &n);
	if (r < 0)
		return cli_fail(r);
	if (STREQ(format, "json")) {
		json_object *a = json_object_new_array();
		for (size_t i = 0; i < n; i++)
			json_object_array_add(a, json_object_new_int(pids[i]));
		puts(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN));
		json_object_put(a);
	} else {
		printf("%-8s %-8s %-5s %s\n", "PID", "UID", "STAT", "COMMAND");
		for (size_t i = 0; i < n; i++)
			proc_line(pids[i]);
	}
	free(pids);
	return 0;
}

static int pause_resume(struct globals *g, int argc, char **argv, bool pause)
{
	const struct cmd_help hp = { "pause ID", "Freeze every process in the container (cgroup freezer).", NULL };
	const struct cmd_help hr = { "resume ID", "Thaw a paused container.", NULL };
	int rc = 0;
	const char *id = cli_parse_one(argc, argv, NULL, 0, pause ? &hp : &hr, "container ID", &rc);
	if (!id)
		return rc;
	int r = container_pause(g->root, id, pause);
	return r < 0 ? cli_fail(r) : 0;
}

int cmd_pause(struct globals *g, int argc, char **argv)
{
	return pause_resume(g, argc, argv, true);
}

int cmd_resume(struct globals *g, int argc, char **argv)
{
	return pause_resume(g, argc, argv, false);
}

/* "512m", "1G", "1048576" -> bytes; -1 stays -1 */
static int parse_size(const char *s, long long *out)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (end == s)
		return -1;
	long long mul = 1;
	switch (*end) {
	case 'k': case 'K': mul = 1LL << 10; end++; break;
	case 'm': case 'M': mul = 1LL << 20; end++; break;
	case 'g': case 'G': mul = 1LL << 30; end++; break;
	default: break;
	}
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end || (v < 0 && v != -1) || (v > 0 && v > __LONG_LONG_MAX__ / mul))
		return -1;
	*out = v < 0 ? v : v * mul;
	return 0;
}

int cmd_update(struct globals *g, int argc, char **argv)
{
	const char *resources = NULL, *memory = NULL, *swap = NULL, *reservation = NULL, *cpuset_cpus = NULL,
		   *cpuset_mems = NULL;
	int pids = 0, quota = 0, period = 0, shares = 0;
	const struct opt opts[] = {
		{ "resources", 'r', OPT_STR, &resources, "FILE", "OCI linux.resources JSON (\"-\": stdin)" },
		{ "memory", 0, OPT_STR, &memory, "BYTES", "memory limit (k, m, g suffixes; -1: none)" },
		{ "memory-swap", 0, OPT_STR, &swap, "BYTES", "memory + swap limit" },
		{ "memory-reservation", 0, OPT_STR, &reservation, "BYTES", "memory soft limit" },
		{ "pids-limit", 0, OPT_INT, &pids, "N", "maximum number of tasks (-1: none)" },
		{ "cpu-quota", 0, OPT_INT, &quota, "US", "CPU time per period, microseconds (-1: none)" },
		{ "cpu-period", 0, OPT_INT, &period, "US", "CPU period, microseconds" },
		{ "cpu-share", 0, OPT_INT, &shares, "N", "CPU shares (relative weight)" },
		{ "cpuset-cpus", 0, OPT_STR, &cpuset_cpus, "LIST", "CPUs the container may use (0-3,5)" },
		{ "cpuset-mems", 0, OPT_STR, &cpuset_mems, "LIST", "memory nodes the container may use" },
	};
	const struct cmd_help h = { "update [OPTIONS] ID", "Change a running container's resource limits.",
		"Either --resources FILE (an OCI linux.resources object) or the flags; the limits are applied to the\n"
		"container's cgroups at once." };
	int rc = 0;
	const char *id = cli_parse_one(argc, argv, opts, ARRAY_SIZE(opts), &h, "container ID", &rc);
	if (!id)
		return rc;
	char *text = NULL;
	size_t len = 0;
	const char *name = "update flags";
	int r = 0;
	if (resources) {
		name = resources;
		r = STREQ(resources, "-") ? read_file_at(STDIN_FILENO, "/dev/stdin", 1u << 20, &text, &len)
					  : read_file_at(AT_FDCWD, resources, 1u << 20, &text, &len);
		if (r < 0) {
			cli_usage_error("update", "cannot read --resources %s: %s", resources, strerror(-r));
			return EXIT_USAGE;
		}
	} else {
		json_object *res = json_object_new_object(), *mem = json_object_new_object(), *cpu = json_object_new_object();
		struct { const char *flag, *val, *key; } sizes[] = {
			{ "--memory", memory, "limit" }, { "--memory-swap", swap, "swap" }, { "--memory-reservation", reservation, "reservation" },
		};
		for (size_t i = 0; i < ARRAY_SIZE(sizes) && r == 0; i++) {
			long long v;
			if (!sizes[i].val)
				continue;
			if (parse_size(sizes[i].val, &v) < 0)
				r = cli_usage_error("update", "%s expects a size like 512m or -1, found \"%s\"", sizes[i].flag, sizes[i].val);
			else
				json_object_object_add(mem, sizes[i].key, json_object_new_int64(v));
		}
		if (pids) {
			json_object *p = json_object_new_object();
			json_object_object_add(p, "limit", json_object_new_int64(pids));
			json_object_object_add(res, "pids", p);
		}
		if (quota)
			json_object_object_add(cpu, "quota", json_object_new_int64(quota));
		if (period)
			json_object_object_add(cpu, "period", json_object_new_int64(period));
		if (shares)
			json_object_object_add(cpu, "shares", json_object_new_int64(shares));
		if (cpuset_cpus)
			json_object_object_add(cpu, "cpus", json_object_new_string(cpuset_cpus));
		if (cpuset_mems)
			json_object_object_add(cpu, "mems", json_object_new_string(cpuset_mems));
		if (json_object_object_length(mem))
			json_object_object_add(res, "memory", json_object_get(mem));
		if (json_object_object_length(cpu))
			json_object_object_add(res, "cpu", json_object_get(cpu));
		json_object_put(mem);
		json_object_put(cpu);
		if (r == 0 && json_object_object_length(res) == 0)
			r = cli_usage_error("update", "nothing to change: give --resources FILE or a limit flag");
		if (r == 0)
			text = strdup(json_object_to_json_string(res));
		len = text ? strlen(text) : 0;
		json_object_put(res);
		if (r < 0)
			return EXIT_USAGE;
	}
	r = container_update(g->root, id, text, len, name);
	free(text);
	return r < 0 ? cli_fail(r) : 0;
}

static volatile sig_atomic_t events_stop;
static void on_stop(int sig)
{
	(void)sig;
	events_stop = 1;
}

int cmd_events(struct globals *g, int argc, char **argv)
{
	bool stats = false;
	int interval = 5;
	const struct opt opts[] = {
		{ "stats", 0, OPT_FLAG, &stats, NULL, "print the statistics once and exit" },
		{ "interval", 0, OPT_INT, &interval, "SECONDS", "seconds between statistics (default 5)" },
	};
	const struct cmd_help h = { "events [--stats] [--interval N] ID",
		"Print the container's resource statistics as JSON lines, every --interval seconds until it stops.", NULL };
	int rc = 0;
	const char *id = cli_parse_one(argc, argv, opts, ARRAY_SIZE(opts), &h, "container ID", &rc);
	if (!id)
		return rc;
	if (interval < 1) {
		cli_usage_error("events", "--interval must be at least 1 second");
		return EXIT_USAGE;
	}
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
	int r;
	for (;;) {
		json_object *o;
		r = container_stats(g->root, id, &o);
		if (r < 0)
			break;
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		fflush(stdout);
		json_object_put(o);
		if (stats)
			break;
		for (int i = 0; i < interval * 10 && !events_stop; i++)
			nanosleep(&(struct timespec){ .tv_nsec = 100000000 }, NULL);
		if (events_stop)
			break;
	}
	/* a container that stopped while we watched ends the stream quietly */
	return r < 0 && stats ? cli_fail(r) : 0;
}
