/*
 * stockade audit [PATH...]: Dockerfiles, compose files, Kubernetes manifests,
 * OCI configs and docker run lines, judged by the rules the runtime enforces.
 * This file finds and classifies inputs; frontends, rules and reports do the rest.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "frontends/frontends.h"
#include "policy/policy.h"
#include "report/report.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/macros.h"

#define AUDIT_FILE_MAX (16u << 20)
#define KIND_RUNSCAN WL__KINDS /* a file scanned for docker run lines (reported as docker-run) */
#define KIND_NONE (-1)

struct audit {
	const char **excludes;
	size_t n_excludes;
	int forced_kind; /* --type, or KIND_NONE */
	bool io_error;
	/* inputs */
	struct workload **ws;
	size_t n_ws;
	const char **files;
	enum wl_kind *kinds;
	size_t n_files;
};

static int kind_from_type(const char *t)
{
	if (!strcasecmp(t, "dockerfile"))
		return WL_DOCKERFILE;
	if (!strcasecmp(t, "compose") || !strcasecmp(t, "docker-compose"))
		return WL_COMPOSE;
	if (!strcasecmp(t, "kubernetes") || !strcasecmp(t, "k8s"))
		return WL_K8S;
	if (!strcasecmp(t, "oci") || !strcasecmp(t, "config.json"))
		return WL_OCI;
	if (!strcasecmp(t, "docker-run") || !strcasecmp(t, "script") || !strcasecmp(t, "shell"))
		return KIND_RUNSCAN;
	return KIND_NONE;
}

static bool ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && strcasecmp(s + a - b, suf) == 0;
}

/* a top-level YAML key at the start of a line ("services:", "apiVersion:") */
static bool yaml_top_key(const char *text, const char *key)
{
	size_t n = strlen(key);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, key, n) == 0 && p[n] == ':')
			return true;
	return false;
}

static bool mentions_run(const char *text)
{
	return strstr(text, "docker run") || strstr(text, "podman run") || strstr(text, "docker container run") ||
	       strstr(text, "docker create") || strstr(text, "nerdctl run");
}

/* What kind of file is this?  By name first, then by content.  `named`: the
 * user named the file (so a docker run scan is worth it even without a known name). */
static int detect(const char *path, const char *text, bool named)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (!strcmp(base, "Dockerfile") || !strcmp(base, "Containerfile") || !strncmp(base, "Dockerfile.", 11) ||
	    !strncmp(base, "Containerfile.", 14) || ends_with(base, ".Dockerfile") || ends_with(base, ".dockerfile") ||
	    ends_with(base, ".containerfile"))
		return WL_DOCKERFILE;
	bool yaml = ends_with(base, ".yaml") || ends_with(base, ".yml");
	if (yaml) {
		bool k8s = yaml_top_key(text, "apiVersion") && yaml_top_key(text, "kind");
		if (k8s)
			return WL_K8S;
		if ((!strncmp(base, "docker-compose", 14) || !strncmp(base, "compose", 7)) || yaml_top_key(text, "services"))
			return WL_COMPOSE;
		if (strstr(text, "\nkind:") || strstr(text, "\n  kind:") || !strncmp(text, "kind:", 5))
			return strstr(text, "apiVersion:") ? WL_K8S : (mentions_run(text) ? KIND_RUNSCAN : KIND_NONE);
		return mentions_run(text) ? KIND_RUNSCAN : KIND_NONE;
	}
	if (ends_with(base, ".json")) {
		if (strstr(text, "\"ociVersion\""))
			return WL_OCI;
		if (strstr(text, "\"apiVersion\"") && strstr(text, "\"kind\""))
			return WL_K8S; /* JSON is YAML: kubectl -o json */
		return KIND_NONE;
	}
	if (ends_with(base, ".sh") || ends_with(base, ".bash") || !strcmp(base, "Makefile") || !strcmp(base, "makefile") ||
	    !strcmp(base, "GNUmakefile") || ends_with(base, ".mk") || ends_with(base, ".md") || ends_with(base, ".markdown") ||
	    !strcmp(base, "Jenkinsfile") || !strcmp(base, "Justfile") || !strcmp(base, "justfile"))
		return mentions_run(text) ? KIND_RUNSCAN : KIND_NONE;
	/* an extensionless script with a shebang */
	if (!strncmp(text, "#!", 2) && (strstr(text, "sh\n") || strstr(text, "bash")))
		return mentions_run(text) ? KIND_RUNSCAN : KIND_NONE;
	if (named) {
		if (!strncasecmp(text, "FROM ", 5) || strstr(text, "\nFROM ") || strstr(text, "\nfrom "))
			return WL_DOCKERFILE;
		if (mentions_run(text))
			return KIND_RUNSCAN;
	}
	return KIND_NONE;
}

static bool excluded(const struct audit *a, const char *path, bool dir)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	for (size_t i = 0; i < a->n_excludes; i++) {
		char pat[PATH_MAX];
		snprintf(pat, sizeof(pat), "%s", a->excludes[i]);
		size_t n = strlen(pat);
		bool dir_only = n > 1 && pat[n - 1] == '/';
		if (dir_only) {
			pat[n - 1] = '\0';
			if (!dir)
				continue;
		}
		const char *p = pat[0] == '/' ? pat + 1 : pat;
		const char *rel = path[0] == '.' && path[1] == '/' ? path + 2 : path;
		/* a pattern with a slash matches the path; without, any component's name */
		if (strchr(p, '/') ? fnmatch(p, rel, FNM_PATHNAME) == 0 : fnmatch(p, base, 0) == 0)
			return true;
		if (strchr(p, '/') && fnmatch(p, rel, 0) == 0)
			return true;
	}
	return false;
}

static void add_input(struct audit *a, const char *path, struct workload *w, enum wl_kind kind)
{
	a->ws = realloc(a->ws, (a->n_ws + 1) * sizeof(*a->ws));
	a->files = realloc(a->files, (a->n_files + 1) * sizeof(*a->files));
	a->kinds = realloc(a->kinds, (a->n_files + 1) * sizeof(*a->kinds));
	if (!a->ws || !a->files || !a->kinds)
		abort();
	a->ws[a->n_ws++] = w;
	a->files[a->n_files] = strdup(path);
	a->kinds[a->n_files++] = kind;
}

static int run_frontend(int kind, const char *text, size_t len, const char *path, struct workload **w)
{
	switch (kind) {
	case WL_DOCKERFILE:
		return fe_dockerfile(text, len, path, w);
	case WL_COMPOSE:
		return fe_compose(text, len, path, w);
	case WL_K8S:
		return fe_k8s(text, len, path, w);
	case WL_OCI:
		return fe_oci(text, len, path, w);
	case KIND_RUNSCAN:
		return fe_docker_run_scan(text, len, path, w);
	default:
		return err_set(EINVAL, "%s: unknown kind", path);
	}
}

static void audit_text(struct audit *a, const char *path, const char *text, size_t len, bool named)
{
	int kind = a->forced_kind != KIND_NONE ? a->forced_kind : detect(path, text, named);
	if (kind == KIND_NONE) {
		if (named) {
			fprintf(stderr, "stockade: audit: %s: cannot tell what kind of file this is; name it with --type "
					"(dockerfile, compose, kubernetes, oci, docker-run)\n", path);
			a->io_error = true;
		}
		return;
	}
	struct workload *w = NULL;
	if (run_frontend(kind, text, len, path, &w) < 0 || !w) {
		fprintf(stderr, "stockade: audit: %s\n", err_msg());
		a->io_error = true;
		return;
	}
	add_input(a, path, w, kind == KIND_RUNSCAN ? WL_DOCKER_RUN : (enum wl_kind)kind);
}

static void audit_file(struct audit *a, const char *path, bool named)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = read_file_at(AT_FDCWD, path, AUDIT_FILE_MAX, &text, &len);
	if (r < 0) {
		fprintf(stderr, "stockade: audit: cannot read %s: %s\n", path,
			r == -EFBIG ? "larger than 16 MiB" : strerror(-r));
		a->io_error = true;
		return;
	}
	if (memchr(text, '\0', len)) {
		if (named) {
			fprintf(stderr, "stockade: audit: %s is a binary file, not something to audit\n", path);
			a->io_error = true;
		}
		return;
	}
	audit_text(a, path, text, len, named);
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static void audit_dir(struct audit *a, const char *dir, int depth)
{
	if (depth > 64)
		return;
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "stockade: audit: cannot read directory %s: %s\n", dir, strerror(errno));
		a->io_error = true;
		return;
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || !strcmp(e->d_name, ".git"))
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		if (!names)
			abort();
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str); /* deterministic order */
	for (size_t i = 0; i < n; i++) {
		char path[PATH_MAX];
		if (!strcmp(dir, "."))
			snprintf(path, sizeof(path), "%s", names[i]); /* report "Dockerfile", not "./Dockerfile" */
		else
			snprintf(path, sizeof(path), "%s%s%s", dir, ends_with(dir, "/") ? "" : "/", names[i]);
		struct stat st;
		if (lstat(path, &st) == 0 && !S_ISLNK(st.st_mode)) {
			bool isdir = S_ISDIR(st.st_mode);
			if (!excluded(a, path, isdir)) {
				if (isdir)
					audit_dir(a, path, depth + 1);
				else if (S_ISREG(st.st_mode))
					audit_file(a, path, false);
			}
		}
		free(names[i]);
	}
	free(names);
}

int cmd_audit(struct globals *g, int argc, char **argv)
{
	const char *format = "text", *type = NULL, *level = NULL, *fail_on = "high", *output = NULL;
	struct strv excludes = { 0 }, runs = { 0 };
	bool show_suppressed = false, no_color = false;
	const struct opt opts[] = {
		{ "format", 'f', OPT_STR, &format, "FMT", "text (default), json, sarif or junit" },
		{ "type", 't', OPT_STR, &type, "KIND", "dockerfile, compose, kubernetes, oci or docker-run (needed for -)" },
		{ "level", 'l', OPT_STR, &level, "LEVEL", "privileged, baseline or restricted (default: the policy's, else restricted)" },
		{ "fail-on", 0, OPT_STR, &fail_on, "SEV", "exit 1 when a finding is at or above SEV (default high; info..critical)" },
		{ "exclude", 'x', OPT_STRV, &excludes, "GLOB", "skip paths matching GLOB (.gitignore style; repeatable)" },
		{ "docker-run", 0, OPT_STRV, &runs, "CMD", "audit a docker run command line (repeatable)" },
		{ "show-suppressed", 0, OPT_FLAG, &show_suppressed, NULL, "list suppressed findings too" },
		{ "output", 'o', OPT_STR, &output, "FILE", "write the report to FILE instead of stdout" },
		{ "no-color", 0, OPT_FLAG, &no_color, NULL, "no colour even on a terminal" },
	};
	const struct cmd_help h = { "audit [OPTIONS] [PATH...]",
		"Check Dockerfiles, compose files, Kubernetes manifests, OCI configs and docker run lines.",
		"Directories are searched recursively; each file's kind comes from its name and content.\n"
		"`-` reads standard input (with --type). The rules are the ones the runtime enforces\n"
		"(`stockade rules`); --policy FILE (global option) applies a node policy's level, allowlists,\n"
		"rule overrides and path exemptions. Exit status: 0 clean, 1 findings at or above --fail-on,\n"
		"2 usage or read errors (every other file is still checked and reported)." };
	char **pos;
	int npos;
	int r = cli_parse(argc, argv, opts, ARRAY_SIZE(opts), &h, false, &pos, &npos);
	if (r)
		return r > 0 ? 0 : EXIT_USAGE;
	int fmt = report_format_from_name(format), sev = severity_from_name(fail_on);
	int lvl = level ? level_from_name(level) : LEVEL_RESTRICTED;
	struct audit a = { .excludes = excludes.v, .n_excludes = excludes.n, .forced_kind = KIND_NONE };
	const char *bad = fmt < 0 ? "--format is text, json, sarif or junit"
			  : sev < 0 ? "--fail-on is info, low, medium, high or critical"
			  : (lvl < 0 || lvl == LEVEL_HOST) ? "--level is privileged, baseline or restricted"
			  : NULL;
	if (!bad && type && (a.forced_kind = kind_from_type(type)) == KIND_NONE)
		bad = "--type is dockerfile, compose, kubernetes, oci or docker-run";
	for (int i = 0; !bad && i < npos; i++)
		if (!strcmp(pos[i], "-") && !type)
			bad = "reading standard input (-) needs --type";
	if (bad) {
		cli_usage_error("audit", "%s", bad);
		free(pos);
		strv_free(&excludes);
		strv_free(&runs);
		return EXIT_USAGE;
	}

	struct policy *pol = NULL;
	if ((g->policy || getenv(POLICY_ENV)) && policy_load(g->policy, &pol) < 0) {
		fprintf(stderr, "stockade: audit: %s\n", err_msg());
		free(pos);
		strv_free(&excludes);
		strv_free(&runs);
		return EXIT_USAGE;
	}

	for (size_t i = 0; i < runs.n; i++) {
		struct workload *w = NULL;
		if (fe_docker_run(runs.v[i], "--docker-run", 0, &w) < 0 || !w) {
			fprintf(stderr, "stockade: audit: %s\n", err_msg());
			a.io_error = true;
			continue;
		}
		add_input(&a, "--docker-run", w, WL_DOCKER_RUN);
	}
	if (npos == 0 && runs.n == 0)
		audit_dir(&a, ".", 0);
	for (int i = 0; i < npos; i++) {
		struct stat st;
		if (!strcmp(pos[i], "-")) {
			_cleanup_free_ char *text = NULL;
			size_t len;
			if (read_fd_all(STDIN_FILENO, AUDIT_FILE_MAX, &text, &len) < 0) {
				fprintf(stderr, "stockade: audit: cannot read standard input: %s\n", strerror(errno));
				a.io_error = true;
				continue;
			}
			audit_text(&a, "-", text, len, true);
		} else if (stat(pos[i], &st) < 0) {
			fprintf(stderr, "stockade: audit: %s: %s\n", pos[i], strerror(errno));
			a.io_error = true;
		} else if (S_ISDIR(st.st_mode)) {
			audit_dir(&a, pos[i], 0);
		} else {
			audit_file(&a, pos[i], true);
		}
	}

	/* judge */
	struct findings f = { 0 };
	struct arena ar = { 0 };
	struct rule_ctx ctx;
	for (size_t i = 0; i < a.n_ws; i++) {
		if (pol) {
			char abs[PATH_MAX];
			struct policy_subject subj = { .bundle = realpath(a.files[i], abs) ? abs : a.files[i] };
			policy_rule_ctx(pol, &subj, &ar, &ctx);
			if (level)
				ctx.level = (enum level)lvl;
		} else {
			rule_ctx_default(&ctx);
			ctx.level = (enum level)lvl;
		}
		rules_eval(a.ws[i], &ctx, &f);
	}
	if (pol) {
		struct policy_subject subj = { 0 };
		policy_rule_ctx(pol, &subj, &ar, &ctx);
		if (level)
			ctx.level = (enum level)lvl;
	} else {
		rule_ctx_default(&ctx);
		ctx.level = (enum level)lvl;
	}
	rules_eval_cluster(a.ws, a.n_ws, &ctx, &f);
	findings_sort(&f);

	FILE *out = stdout;
	if (output && !(out = fopen(output, "we"))) {
		fprintf(stderr, "stockade: audit: cannot write %s: %s\n", output, strerror(errno));
		a.io_error = true;
		out = stdout;
	}
	struct report_opts ro = { .tool = "stockade audit", .show_suppressed = show_suppressed, .fail_on = (enum severity)sev,
		.files = a.files, .n_files = a.n_files, .kinds = a.kinds,
		.colour = fmt == REPORT_TEXT && out == stdout && isatty(STDOUT_FILENO) && !no_color && !getenv("NO_COLOR") };
	if (report_write(out, (enum report_format)fmt, &f, &ro) < 0) {
		fprintf(stderr, "stockade: audit: %s\n", err_msg());
		a.io_error = true;
	}
	if (out != stdout && fclose(out) != 0) {
		fprintf(stderr, "stockade: audit: cannot write %s: %s\n", output, strerror(errno));
		a.io_error = true;
	}
	int rc = a.io_error ? EXIT_USAGE : findings_count_at(&f, (enum severity)sev) ? 1 : 0;

	findings_free(&f);
	arena_free(&ar);
	for (size_t i = 0; i < a.n_ws; i++)
		workload_free(a.ws[i]);
	for (size_t i = 0; i < a.n_files; i++)
		free((char *)a.files[i]);
	free(a.ws);
	free(a.files);
	free(a.kinds);
	policy_free(pol);
	free(pos);
	strv_free(&excludes);
	strv_free(&runs);
	return rc;
}
