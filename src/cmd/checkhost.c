/*
 * stockade check-host: the host under the containers — virtualization (is the
 * kernel shared?), kernel features, runtime versions, the Docker daemon.
 * The checks live in src/host/; this file parses options and reports.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "host/host.h"
#include "report/report.h"
#include "util/err.h"
#include "util/macros.h"

/* Terminal escapes in what a host file said must not reach the screen. */
static void put_clean(FILE *out, const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, out);
}

static void write_grouped(FILE *out, const struct host *h, const char *root)
{
	fprintf(out, "stockade check-host: %s\n", root);
	for (int a = 0; a < HOST__AREAS; a++) {
		fprintf(out, "\n%s\n", host_area_names[a]);
		for (size_t i = 0; i < h->n_items; i++) {
			const struct host_item *it = &h->items[i];
			if ((int)it->area != a)
				continue;
			fprintf(out, "  %-8s %-20s ", host_verdict_names[it->verdict], it->name);
			put_clean(out, it->detail);
			fputc('\n', out);
		}
	}
	fputc('\n', out);
}

int cmd_check_host(struct globals *g, int argc, char **argv)
{
	(void)g;
	const char *root = "/", *format = "text", *fail_on = "high";
	bool no_color = false;
	const struct opt opts[] = {
		{ "root-dir", 0, OPT_STR, &root, "DIR", "read /proc, /sys, /etc ... under DIR (default /; a recorded tree)" },
		{ "format", 'f', OPT_STR, &format, "FMT", "text (default: the grouped report, then findings), json, sarif or junit" },
		{ "fail-on", 0, OPT_STR, &fail_on, "SEV", "exit 1 when a finding is at or above SEV (default high; info..critical)" },
		{ "no-color", 0, OPT_FLAG, &no_color, NULL, "no colour even on a terminal" },
	};
	const struct cmd_help help = { "check-host [OPTIONS]",
		"Check the host: virtualization (shared kernel?), kernel features, runtime versions, the Docker daemon.",
		"Findings are the host rules STK801-804 (`stockade rules`); kernel features are reported, not judged.\n"
		"CPUID and running `<runtime> --version` happen only when --root-dir is the live /; a recorded tree\n"
		"gives versions in <binary>.version files (docs/check-host.md).\n"
		"Exit status: 0 clean, 1 a finding at or above --fail-on, 2 usage." };
	char **pos;
	int npos;
	int r = cli_parse(argc, argv, opts, ARRAY_SIZE(opts), &help, false, &pos, &npos);
	if (r)
		return r > 0 ? 0 : EXIT_USAGE;
	free(pos);
	int fmt = report_format_from_name(format), sev = severity_from_name(fail_on);
	if (npos > 0)
		return cli_usage_error("check-host", "no arguments are taken (use --root-dir DIR)"), EXIT_USAGE;
	if (fmt < 0)
		return cli_usage_error("check-host", "--format is text, json, sarif or junit"), EXIT_USAGE;
	if (sev < 0)
		return cli_usage_error("check-host", "--fail-on is info, low, medium, high or critical"), EXIT_USAGE;

	struct findings f = { 0 };
	struct host h;
	if (host_open(&h, root, &f) < 0) {
		fprintf(stderr, "stockade: check-host: %s\n", err_msg());
		return EXIT_USAGE;
	}
	host_check_all(&h);
	findings_sort(&f);
	if (fmt == REPORT_TEXT)
		write_grouped(stdout, &h, root);
	/* the files the findings point at (/proc, /etc/docker/daemon.json, a binary) are the report's inputs */
	const char **files = calloc(f.n + 1, sizeof(*files));
	size_t n_files = 0;
	if (!files)
		abort();
	for (size_t i = 0; i < f.n; i++) {
		bool seen = false;
		for (size_t k = 0; k < n_files && !seen; k++)
			seen = !strcmp(files[k], f.v[i].at.file);
		if (!seen)
			files[n_files++] = f.v[i].at.file;
	}
	if (!n_files)
		files[n_files++] = root;
	struct report_opts ro = { .tool = "stockade check-host", .fail_on = (enum severity)sev, .files = files,
		.n_files = n_files,
		.colour = fmt == REPORT_TEXT && isatty(STDOUT_FILENO) && !no_color && !getenv("NO_COLOR") };
	r = report_write(stdout, (enum report_format)fmt, &f, &ro);
	fflush(stdout);
	int rc = r < 0 ? EXIT_USAGE : findings_count_at(&f, (enum severity)sev) ? 1 : 0;
	free(files);
	host_close(&h);
	findings_free(&f);
	return rc;
}
