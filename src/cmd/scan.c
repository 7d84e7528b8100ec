/*
 * stockade scan: the containers already running on this host, whatever
 * started them, judged by the rules that can be read from the kernel
 * (src/frontends/procfs.c finds and describes them; docs/scan.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "frontends/procfs.h"
#include "policy/policy.h"
#include "report/report.h"
#include "util/err.h"
#include "util/macros.h"

/* One line per container above the findings (text only: the other formats
 * carry the container's name on each finding). */
static void text_headers(FILE *out, const struct workload *w, const struct proc_container_info *info)
{
	if (w->n_containers == 0) {
		fputs("no containers found\n\n", out);
		return;
	}
	for (size_t i = 0; i < w->n_containers; i++) {
		const struct proc_container_info *in = &info[i];
		fprintf(out, "container %s: engine %s, id %s", w->containers[i].name, in->engine, in->id ? in->id : "-");
		if (in->pod)
			fprintf(out, ", pod %s", in->pod);
		fprintf(out, ", init pid %d, %zu process%s\n", in->init_pid, in->n_procs, in->n_procs == 1 ? "" : "es");
	}
	fputc('\n', out);
}

static int open_dir(const char *dir, const char *what)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		fprintf(stderr, "stockade: scan: cannot open %s %s: %s\n", what, dir, strerror(errno));
	return fd;
}

int cmd_scan(struct globals *g, int argc, char **argv)
{
	const char *format = "text", *level = NULL, *fail_on = "high", *proc = "/proc", *sys = "/sys", *run = "/run", *filter = NULL;
	bool no_color = false;
	const struct opt opts[] = {
		{ "proc", 0, OPT_STR, &proc, "DIR", "the proc tree to read (default /proc; a recorded tree for tests)" },
		{ "sys", 0, OPT_STR, &sys, "DIR", "the sys tree for cgroup limits (default /sys)" },
		{ "run", 0, OPT_STR, &run, "DIR", "the run tree for Kubernetes names from CRI state (default /run)" },
		{ "container", 'c', OPT_STR, &filter, "ID", "scan only the container whose ID starts with ID (or named ID)" },
		{ "format", 'f', OPT_STR, &format, "FMT", "text (default), json, sarif or junit" },
		{ "level", 'l', OPT_STR, &level, "LEVEL", "privileged, baseline or restricted (default: the policy's, else restricted)" },
		{ "fail-on", 0, OPT_STR, &fail_on, "SEV", "exit 1 when a finding is at or above SEV (default high; info..critical)" },
		{ "no-color", 0, OPT_FLAG, &no_color, NULL, "no colour even on a terminal" },
	};
	const struct cmd_help h = { "scan [OPTIONS]",
		"Check the containers running on this host (Docker, podman, containerd, Kubernetes, LXC, stockade).",
		"Containers are the processes whose namespaces differ from PID 1's, grouped by mount and PID\n"
		"namespace and named from their cgroup; each is judged from its init's /proc entries and its\n"
		"cgroup (docs/scan.md). Environment values are judged, never shown. Needs root.\n"
		"Exit status: 0 clean, 1 findings at or above --fail-on, 2 usage or read errors." };
	char **pos;
	int npos;
	int r = cli_parse(argc, argv, opts, ARRAY_SIZE(opts), &h, false, &pos, &npos);
	if (r)
		return r > 0 ? 0 : EXIT_USAGE;
	free(pos);
	int fmt = report_format_from_name(format), sev = severity_from_name(fail_on);
	int lvl = level ? level_from_name(level) : LEVEL_RESTRICTED;
	const char *bad = fmt < 0 ? "--format is text, json, sarif or junit"
			  : sev < 0 ? "--fail-on is info, low, medium, high or critical"
			  : (lvl < 0 || lvl == LEVEL_HOST) ? "--level is privileged, baseline or restricted"
			  : npos ? "scan takes no arguments (use --container ID)"
			  : NULL;
	if (bad) {
		cli_usage_error("scan", "%s", bad);
		return EXIT_USAGE;
	}
	struct policy *pol = NULL;
	if ((g->policy || getenv(POLICY_ENV)) && policy_load(g->policy, &pol) < 0) {
		fprintf(stderr, "stockade: scan: %s\n", err_msg());
		return EXIT_USAGE;
	}
	_cleanup_close_ int proc_fd = open_dir(proc, "proc tree");
	if (proc_fd < 0) {
		policy_free(pol);
		return EXIT_USAGE;
	}
	/* the limits and the state root are extras: without them the rest is still judged */
	_cleanup_close_ int sys_fd = open(sys, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int state_fd = open(g->root ? g->root : "/run/stockade", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int run_fd = open(run, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct proc_scan_opts so = { .proc_fd = proc_fd, .proc_dir = proc, .sys_fd = sys_fd, .sys_dir = sys, .state_fd = state_fd,
		.run_fd = run_fd, .filter = filter };
	struct workload *w;
	struct proc_container_info *info;
	r = fe_proc_scan(&so, &w, &info);
	if (r < 0) {
		fprintf(stderr, "stockade: scan: %s\n", err_msg());
		policy_free(pol);
		return EXIT_USAGE;
	}
	if (r == 1)
		fprintf(stderr, "stockade: scan: warning: cannot read PID 1's namespaces under %s; comparing with "
				"stockade's own instead\n", proc);
	if (filter && w->n_containers == 0)
		fprintf(stderr, "stockade: scan: no running container matches %s\n", filter);

	struct arena ar = { 0 };
	struct rule_ctx ctx;
	if (pol) {
		struct policy_subject subj = { 0 };
		policy_rule_ctx(pol, &subj, &ar, &ctx);
	} else {
		rule_ctx_default(&ctx);
	}
	if (level || !pol)
		ctx.level = (enum level)lvl;
	struct findings f = { 0 };
	rules_eval(w, &ctx, &f); /* in container order: the findings stay grouped per container */

	const char *files[] = { proc };
	const enum wl_kind kinds[] = { WL_PROC };
	struct report_opts ro = { .tool = "stockade scan", .fail_on = (enum severity)sev, .files = files, .n_files = 1,
		.kinds = kinds, .colour = fmt == REPORT_TEXT && isatty(STDOUT_FILENO) && !no_color && !getenv("NO_COLOR") };
	if (fmt == REPORT_TEXT)
		text_headers(stdout, w, info);
	int rc = 0;
	if (report_write(stdout, (enum report_format)fmt, &f, &ro) < 0) {
		fprintf(stderr, "stockade: scan: %s\n", err_msg());
		rc = EXIT_USAGE;
	}
	if (!rc && (filter && w->n_containers == 0))
		rc = EXIT_USAGE;
	if (!rc)
		rc = findings_count_at(&f, (enum severity)sev) ? 1 : 0;
	findings_free(&f);
	arena_free(&ar);
	workload_free(w);
	policy_free(pol);
	return rc;
}
