/* stockade policy init | show | check: the node policy, from the command line. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "oci/spec.h"
#include "policy/policy.h"
#include "report/report.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/macros.h"

#define CONFIG_MAX_POLICY (16 << 20)

static int policy_init(int argc, char **argv)
{
	const struct cmd_help h = { "policy init", "Print a commented default policy.",
		"Save it as /etc/stockade/policy.yaml (or pass it with --policy FILE) and edit it:\n"
		"  stockade policy init > /etc/stockade/policy.yaml" };
	int r = cli_parse(argc, argv, NULL, 0, &h, false, NULL, NULL);
	if (r)
		return r > 0 ? 0 : EXIT_USAGE;
	fputs(policy_default_text(), stdout);
	return 0;
}

static int policy_show(struct globals *g, int argc, char **argv)
{
	const struct cmd_help h = { "policy show", "Print the effective policy (what create and run enforce).",
		"The policy is --policy FILE, else $STOCKADE_POLICY, else /etc/stockade/policy.yaml if it\n"
		"exists, else the built-in default (level restricted, mode enforce)." };
	int r = cli_parse(argc, argv, NULL, 0, &h, false, NULL, NULL);
	if (r)
		return r > 0 ? 0 : EXIT_USAGE;
	struct policy *p = NULL;
	if ((r = policy_load(g->policy, &p)) < 0)
		return cli_fail(r);
	policy_print(stdout, p);
	policy_free(p);
	return 0;
}

static int policy_check(struct globals *g, int argc, char **argv)
{
	const char *bundle = NULL, *format = "text";
	const struct opt opts[] = {
		{ "bundle", 'b', OPT_STR, &bundle, "DIR", "check DIR/config.json" },
		{ "format", 'f', OPT_STR, &format, "FMT", "text (default), json, sarif or junit" },
	};
	const struct cmd_help h = { "policy check [--bundle DIR | FILE] [--format FMT]",
		"Judge a config.json as create would, without creating anything.",
		"Prints the findings (like `stockade audit`) and what the policy's mode would do:\n"
		"refuse, rewrite (harden) or run with warnings. Exit status 0 when the config would\n"
		"run, 1 when it would be refused, 2 on usage or read errors." };
	char **pos;
	int npos;
	int r = cli_parse(argc, argv, opts, ARRAY_SIZE(opts), &h, false, &pos, &npos);
	if (r)
		return r > 0 ? 0 : EXIT_USAGE;
	int fmt = report_format_from_name(format);
	if (fmt < 0 || (bundle && npos) || (!bundle && npos != 1) || npos > 1) {
		free(pos);
		cli_usage_error("policy check", fmt < 0 ? "--format is text, json, sarif or junit"
							: "give either --bundle DIR or one config.json FILE");
		return EXIT_USAGE;
	}
	char path[PATH_MAX], dir[PATH_MAX];
	if (bundle)
		snprintf(path, sizeof(path), "%s/config.json", bundle);
	else
		snprintf(path, sizeof(path), "%s", pos[0]);
	free(pos);
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	char absdir[PATH_MAX];
	if (!realpath(dir, absdir))
		snprintf(absdir, sizeof(absdir), "%s", dir);

	struct policy *p = NULL;
	if ((r = policy_load(g->policy, &p)) < 0) {
		cli_fail(r);
		return EXIT_USAGE;
	}
	_cleanup_free_ char *raw = NULL;
	size_t len;
	struct oci_spec *s = NULL;
	r = read_file_at(AT_FDCWD, path, CONFIG_MAX_POLICY, &raw, &len);
	if (r < 0)
		err_sys(r, "cannot read %s", path);
	else
		r = oci_spec_parse(raw, len, path, absdir, &s);
	if (r < 0) {
		cli_fail(r);
		policy_free(p);
		return EXIT_USAGE;
	}
	struct arena a = { 0 };
	struct findings f = { 0 };
	if ((r = policy_judge(p, s, &a, &f)) < 0) {
		cli_fail(r);
		r = EXIT_USAGE;
		goto out;
	}
	findings_sort(&f);
	const char *files[] = { path };
	const enum wl_kind kinds[] = { WL_OCI };
	struct report_opts ro = { .tool = "stockade policy check", .colour = isatty(STDOUT_FILENO) && fmt == REPORT_TEXT,
		.fail_on = p->refuse_at, .files = files, .n_files = 1, .kinds = kinds };
	if (report_write(stdout, (enum report_format)fmt, &f, &ro) < 0) {
		cli_fail(-EIO);
		r = EXIT_USAGE;
		goto out;
	}
	fflush(stdout);
	/* what create would do: the admission itself, logging harden's rewrites */
	char *hardened = NULL;
	int ar = policy_admit(p, s, raw, len, "this config", &hardened);
	free(hardened);
	if (fmt == REPORT_TEXT) {
		if (ar < 0)
			fprintf(stdout, "verdict: refused (level %s, mode %s; %s)\n", level_names[p->level], policy_mode_names[p->mode],
				p->source);
		else
			fprintf(stdout, "verdict: %s (level %s, mode %s; %s)\n",
				hardened ? "runs hardened (the changes are listed above)"
				: p->mode == MODE_WARN && findings_count_at(&f, p->refuse_at) ? "runs, with warnings"
											    : "runs",
				level_names[p->level], policy_mode_names[p->mode], p->source);
	}
	r = ar < 0 ? 1 : 0;
out:
	findings_free(&f);
	arena_free(&a);
	oci_spec_free(s);
	policy_free(p);
	return r;
}

int cmd_policy(struct globals *g, int argc, char **argv)
{
	static const char *const help =
		"Usage: stockade policy COMMAND\n\n"
		"The node policy that create and run enforce (see docs/policy.md).\n\n"
		"Commands:\n"
		"  init    print a commented default policy\n"
		"  show    print the effective policy\n"
		"  check   judge a config.json without creating anything\n";
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(help, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	static const char *const subs[] = { "policy init", "policy show", "policy check" };
	size_t i = 0;
	while (i < ARRAY_SIZE(subs) && strcmp(argv[1], subs[i] + 7) != 0)
		i++;
	if (i == ARRAY_SIZE(subs)) {
		cli_usage_error("policy", "unknown command \"%s\" (init, show or check)", argv[1]);
		return EXIT_USAGE;
	}
	/* The subcommand's argv[0] is its full name: usage errors say "policy init: ...". */
	char **sub = calloc((size_t)argc, sizeof(char *));
	if (!sub)
		return cli_fail(-ENOMEM);
	memcpy(sub, argv + 1, (size_t)(argc - 1) * sizeof(char *));
	sub[0] = (char *)subs[i];
	int r = i == 0 ? policy_init(argc - 1, sub) : i == 1 ? policy_show(g, argc - 1, sub) : policy_check(g, argc - 1, sub);
	free(sub);
	return r;
}
