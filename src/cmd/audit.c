/*
 * stockade audit [PATH...]: Dockerfiles, compose files, Kubernetes manifests,
 * OCI configs and docker run lines, judged by the rules the runtime enforces.
 * This file finds and classifies inputs; frontends, rules and reports do the rest.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
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

/* One input: found by the walk (or named), judged by a worker thread. */
struct input {
	char *path;
	bool named;           /* the user named it: an unknown kind is an error */
	char *text;           /* stdin's text (read before the workers start) */
	size_t len;
	/* results, written by one worker */
	struct workload *w;
	enum wl_kind kind;
	struct findings f;
	struct arena ar;      /* the rule context's allocations */
	char *error;          /* a message for stderr */
	bool io_error;
	bool judged;          /* findings made; the workload (not Kubernetes) already freed */
};

struct audit {
	const char **excludes;
	size_t n_excludes;
	int forced_kind; /* --type, or KIND_NONE */
	bool io_error;
	struct input *in;
	size_t n_in, cap_in;
	/* judging */
	const struct policy *pol;
	int level;            /* --level, or -1 for the policy's */
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

static struct input *add_input(struct audit *a, const char *path, bool named)
{
	if (a->n_in == a->cap_in) {
		a->cap_in = a->cap_in ? a->cap_in * 2 : 64;
		a->in = realloc(a->in, a->cap_in * sizeof(*a->in));
		if (!a->in)
			abort();
	}
	struct input *in = &a->in[a->n_in++];
	memset(in, 0, sizeof(*in));
	in->path = strdup(path);
	in->named = named;
	if (!in->path)
		abort();
	return in;
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

static void set_error(struct input *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(struct input *in, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&in->error, fmt, ap) < 0)
		abort();
	va_end(ap);
	in->io_error = true;
}

/* Classify, describe and judge one input (in a worker thread: touches only `in`). */
static void judge_text(const struct audit *a, struct input *in, const char *text, size_t len)
{
	int kind = a->forced_kind != KIND_NONE ? a->forced_kind : detect(in->path, text, in->named);
	if (kind == KIND_NONE) {
		if (in->named)
			set_error(in, "%s: cannot tell what kind of file this is; name it with --type "
				      "(dockerfile, compose, kubernetes, oci, docker-run)", in->path);
		return;
	}
	if (run_frontend(kind, text, len, in->path, &in->w) < 0 || !in->w) {
		set_error(in, "%s", err_msg());
		in->w = NULL;
		return;
	}
	in->kind = kind == KIND_RUNSCAN ? WL_DOCKER_RUN : (enum wl_kind)kind;
	struct rule_ctx ctx;
	if (a->pol) {
		char abs[PATH_MAX];
		struct policy_subject subj = { .bundle = realpath(in->path, abs) ? abs : in->path };
		policy_rule_ctx(a->pol, &subj, &in->ar, &ctx);
	} else {
		rule_ctx_default(&ctx);
	}
	if (a->level >= 0)
		ctx.level = (enum level)a->level;
	rules_eval(in->w, &ctx, &in->f);
	/* only Kubernetes workloads are needed later (NetworkPolicy rules across files) */
	if (in->kind != WL_K8S) {
		workload_free(in->w);
		in->w = NULL;
		in->judged = true;
	}
}

static void judge_input(const struct audit *a, struct input *in)
{
	if (in->text) {
		judge_text(a, in, in->text, in->len);
		return;
	}
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = read_file_at(AT_FDCWD, in->path, AUDIT_FILE_MAX, &text, &len);
	if (r < 0) {
		set_error(in, "cannot read %s: %s", in->path, r == -EFBIG ? "larger than 16 MiB" : strerror(-r));
		return;
	}
	if (memchr(text, '\0', len)) {
		if (in->named)
			set_error(in, "%s is a binary file, not something to audit", in->path);
		return;
	}
	judge_text(a, in, text, len);
}

struct pool {
	struct audit *a;
	atomic_size_t next;
};

static void *worker(void *arg)
{
	struct pool *p = arg;
	for (size_t i; (i = atomic_fetch_add(&p->next, 1)) < p->a->n_in;)
		judge_input(p->a, &p->a->in[i]);
	return NULL;
}

/* Files are independent until the NetworkPolicy rules: judge them on every core. */
static void judge_all(struct audit *a)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = cpus > 1 ? (size_t)cpus : 1;
	if (n > 16)
		n = 16;
	if (n > a->n_in)
		n = a->n_in ? a->n_in : 1;
	struct pool p = { .a = a };
	atomic_init(&p.next, 0);
	pthread_t th[16];
	size_t started = 0;
	for (size_t i = 1; i < n; i++)
		if (pthread_create(&th[started], NULL, worker, &p) == 0)
			started++;
	worker(&p);
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
}

struct dent {
	char *name;
	unsigned char type;
};

static int cmp_dent(const void *x, const void *y)
{
	return strcmp(((const struct dent *)x)->name, ((const struct dent *)y)->name);
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
	struct dent *ents = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || !strcmp(e->d_name, ".git"))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			ents = realloc(ents, cap * sizeof(*ents));
			if (!ents)
				abort();
		}
		ents[n].name = strdup(e->d_name);
		ents[n++].type = e->d_type;
	}
	closedir(d);
	qsort(ents, n, sizeof(*ents), cmp_dent); /* deterministic order */
	for (size_t i = 0; i < n; i++) {
		char path[PATH_MAX];
		if (!strcmp(dir, "."))
			snprintf(path, sizeof(path), "%s", ents[i].name); /* report "Dockerfile", not "./Dockerfile" */
		else
			snprintf(path, sizeof(path), "%s%s%s", dir, ends_with(dir, "/") ? "" : "/", ents[i].name);
		/* the type readdir gave (no stat per file); symlinks are not followed */
		unsigned char t = ents[i].type;
		struct stat st;
		if (t == DT_UNKNOWN && lstat(path, &st) == 0)
			t = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_LNK;
		if ((t == DT_DIR || t == DT_REG) && !excluded(a, path, t == DT_DIR)) {
			if (t == DT_DIR)
				audit_dir(a, path, depth + 1);
			else
				add_input(a, path, false);
		}
		free(ents[i].name);
	}
	free(ents);
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

	a.pol = pol;
	a.level = level ? lvl : (pol ? -1 : LEVEL_RESTRICTED);

	/* inputs: --docker-run lines, then the paths (directories walked in name order) */
	for (size_t i = 0; i < runs.n; i++) {
		struct input *in = add_input(&a, "--docker-run", true);
		in->text = strdup(runs.v[i]);
		in->len = strlen(runs.v[i]);
		in->named = true;
		if (!in->text)
			abort();
	}
	int forced = a.forced_kind;
	if (npos == 0 && runs.n == 0)
		audit_dir(&a, ".", 0);
	for (int i = 0; i < npos; i++) {
		struct stat st;
		if (!strcmp(pos[i], "-")) {
			struct input *in = add_input(&a, "-", true);
			if (read_fd_all(STDIN_FILENO, AUDIT_FILE_MAX, &in->text, &in->len) < 0 || !in->text)
				set_error(in, "cannot read standard input: %s", strerror(errno));
		} else if (stat(pos[i], &st) < 0) {
			fprintf(stderr, "stockade: audit: %s: %s\n", pos[i], strerror(errno));
			a.io_error = true;
		} else if (S_ISDIR(st.st_mode)) {
			audit_dir(&a, pos[i], 0);
		} else {
			add_input(&a, pos[i], true);
		}
	}
	/* a --docker-run line is a command line whatever --type says */
	if (runs.n) {
		a.forced_kind = KIND_NONE;
		for (size_t i = 0; i < runs.n; i++) {
			struct input *in = &a.in[i];
			if (fe_docker_run(in->text, "--docker-run", 0, &in->w) < 0 || !in->w) {
				set_error(in, "%s", err_msg());
				in->w = NULL;
				continue;
			}
			in->kind = WL_DOCKER_RUN;
			struct rule_ctx ctx;
			if (pol) {
				struct policy_subject subj = { 0 };
				policy_rule_ctx(pol, &subj, &in->ar, &ctx);
			} else {
				rule_ctx_default(&ctx);
			}
			if (a.level >= 0)
				ctx.level = (enum level)a.level;
			rules_eval(in->w, &ctx, &in->f);
			free(in->text);
			in->text = NULL;
		}
		a.forced_kind = forced;
	}
	/* the rest in parallel (a --docker-run input is done: it has a workload or an error) */
	struct audit rest = a;
	rest.in = a.in + runs.n;
	rest.n_in = a.n_in - runs.n;
	judge_all(&rest);

	/* merge, in input order; the NetworkPolicy rules need every Kubernetes file at once */
	struct findings f = { 0 };
	struct arena ar = { 0 };
	struct workload **ws = calloc(a.n_in + 1, sizeof(*ws));
	const char **files = calloc(a.n_in + 1, sizeof(*files));
	enum wl_kind *kinds = calloc(a.n_in + 1, sizeof(*kinds));
	size_t nw = 0, nk = 0;
	if (!ws || !files || !kinds)
		abort();
	for (size_t i = 0; i < a.n_in; i++) {
		struct input *in = &a.in[i];
		if (in->error)
			fprintf(stderr, "stockade: audit: %s\n", in->error);
		a.io_error |= in->io_error;
		if (!in->w && !in->judged)
			continue;
		if (in->w)
			ws[nk++] = in->w;
		files[nw] = in->path;
		kinds[nw++] = in->kind;
		for (size_t k = 0; k < in->f.n; k++) {
			if (f.n == f.cap) {
				f.cap = f.cap ? f.cap * 2 : 256;
				f.v = realloc(f.v, f.cap * sizeof(*f.v));
				if (!f.v)
					abort();
			}
			f.v[f.n++] = in->f.v[k]; /* strings stay in the input's arena until the end */
		}
	}
	struct rule_ctx ctx;
	if (pol) {
		struct policy_subject subj = { 0 };
		policy_rule_ctx(pol, &subj, &ar, &ctx);
	} else {
		rule_ctx_default(&ctx);
	}
	if (a.level >= 0)
		ctx.level = (enum level)a.level;
	rules_eval_cluster(ws, nk, &ctx, &f);
	findings_sort(&f);

	FILE *out = stdout;
	if (output && !(out = fopen(output, "we"))) {
		fprintf(stderr, "stockade: audit: cannot write %s: %s\n", output, strerror(errno));
		a.io_error = true;
		out = stdout;
	}
	struct report_opts ro = { .tool = "stockade audit", .show_suppressed = show_suppressed, .fail_on = (enum severity)sev,
		.files = files, .n_files = nw, .kinds = kinds,
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
	for (size_t i = 0; i < a.n_in; i++) {
		struct input *in = &a.in[i];
		workload_free(in->w);
		findings_free(&in->f);
		arena_free(&in->ar);
		free(in->path);
		free(in->text);
		free(in->error);
	}
	free(a.in);
	free(ws);
	free(files);
	free(kinds);
	policy_free(pol);
	free(pos);
	strv_free(&excludes);
	strv_free(&runs);
	return rc;
}
