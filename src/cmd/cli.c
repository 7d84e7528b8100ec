#include "cmd/cli.h"
#include "policy/policy.h"

#include <errno.h>
#include <unistd.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/log.h"
#include "util/macros.h"

void strv_free(struct strv *s)
{
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static const struct opt *find_long(const struct opt *opts, size_t n, const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
			return &opts[i];
	return NULL;
}

static const struct opt *find_short(const struct opt *opts, size_t n, char c)
{
	for (size_t i = 0; i < n; i++)
		if (opts[i].shortname == c)
			return &opts[i];
	return NULL;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_error("%s: %s (see \"stockade %s --help\")", cmd, msg, cmd);
	return -EINVAL;
}

static int set_value(const char *cmd, const struct opt *o, const char *val)
{
	switch (o->kind) {
	case OPT_FLAG: {
		bool v = true;
		if (val) {
			if (STREQ(val, "true") || STREQ(val, "1"))
				v = true;
			else if (STREQ(val, "false") || STREQ(val, "0"))
				v = false;
			else
				return cli_usage_error(cmd, "--%s takes no value (or true/false), found \"%s\"", o->name, val);
		}
		*(bool *)o->ptr = v;
		return 0;
	}
	case OPT_STR:
		*(const char **)o->ptr = val;
		return 0;
	case OPT_CHOICE: {
		size_t vl = strlen(val);
		for (const char *c = o->arg; c && *c;) {
			const char *bar = strchr(c, '|');
			size_t cl = bar ? (size_t)(bar - c) : strlen(c);
			if (cl == vl && strncmp(c, val, vl) == 0) {
				*(const char **)o->ptr = val;
				return 0;
			}
			c = bar ? bar + 1 : NULL;
		}
		/* "a|b|c" reads "a, b or c" */
		char choices[256];
		size_t n = 0;
		const char *last = strrchr(o->arg, '|');
		for (const char *c = o->arg; *c && n + 4 < sizeof(choices); c++) {
			if (*c != '|') {
				choices[n++] = *c;
				continue;
			}
			const char *sep = c == last ? " or " : ", ";
			for (; *sep && n + 1 < sizeof(choices); sep++)
				choices[n++] = *sep;
		}
		choices[n] = '\0';
		return cli_usage_error(cmd, "--%s is %s, found \"%s\"", o->name, choices, val);
	}
	case OPT_INT: {
		char *end;
		errno = 0;
		long v = strtol(val, &end, 10);
		if (errno || *end || end == val || v < -2147483647 || v > 2147483647)
			return cli_usage_error(cmd, "--%s expects a number, found \"%s\"", o->name, val);
		*(int *)o->ptr = (int)v;
		return 0;
	}
	case OPT_STRV: {
		struct strv *s = o->ptr;
		const char **nv = realloc(s->v, (s->n + 2) * sizeof(char *));
		if (!nv)
			return -ENOMEM;
		s->v = nv;
		s->v[s->n++] = val;
		s->v[s->n] = NULL;
		return 0;
	}
	}
	return -EINVAL;
}

int cli_parse(int argc, char **argv, const struct opt *opts, size_t nopts, const struct cmd_help *h,
	      bool stop_at_positional, char ***pos, int *npos)
{
	const char *cmd = argv[0];
	char **p = calloc((size_t)argc + 1, sizeof(char *));
	int np = 0;
	bool only_pos = false;

	if (!p)
		return -ENOMEM;
	for (int i = 1; i < argc; i++) {
		char *a = argv[i];
		if (only_pos || a[0] != '-' || a[1] == '\0') {
			if (!pos) {
				free(p);
				return cli_usage_error(cmd, "unexpected argument \"%s\": this command takes none", a);
			}
			p[np++] = a;
			if (stop_at_positional)
				only_pos = true;
			continue;
		}
		if (STREQ(a, "--")) {
			only_pos = true;
			continue;
		}
		if (STREQ(a, "--help") || STREQ(a, "-h")) {
			cli_usage(cmd, opts, nopts, h);
			free(p);
			return 1;
		}
		const char *name = a + 1 + (a[1] == '-');
		const char *eq = strchr(name, '=');
		size_t nl = eq ? (size_t)(eq - name) : strlen(name);
		const struct opt *o = find_long(opts, nopts, name, nl);
		if (!o && nl == 1 && a[1] != '-')
			o = find_short(opts, nopts, name[0]);
		if (!o) {
			free(p);
			return cli_usage_error(cmd, "unknown option %.*s", (int)(nl + (size_t)(name - a)), a);
		}
		const char *val = eq ? eq + 1 : NULL;
		if (o->kind != OPT_FLAG && !val) {
			if (i + 1 >= argc) {
				free(p);
				return cli_usage_error(cmd, "--%s needs a value (%s)", o->name, o->arg ? o->arg : "VALUE");
			}
			val = argv[++i];
		}
		int r = set_value(cmd, o, val);
		if (r < 0) {
			free(p);
			return r;
		}
	}
	if (pos) {
		*pos = p;
		*npos = np;
	} else {
		free(p);
	}
	return 0;
}

const char *cli_parse_one(int argc, char **argv, const struct opt *opts, size_t nopts, const struct cmd_help *h,
			  const char *what, int *rc)
{
	char **pos;
	int npos;
	int r = cli_parse(argc, argv, opts, nopts, h, false, &pos, &npos);
	if (r) {
		*rc = r > 0 ? 0 : EXIT_USAGE;
		return NULL;
	}
	const char *one = npos == 1 ? pos[0] : NULL;
	free(pos);
	if (!one) {
		if (npos)
			cli_usage_error(argv[0], "expected one %s, found %d arguments", what, npos);
		else
			cli_usage_error(argv[0], "the %s is missing", what);
		*rc = EXIT_USAGE;
	}
	return one;
}

void cli_usage(const char *cmd, const struct opt *opts, size_t nopts, const struct cmd_help *h)
{
	printf("Usage: stockade %s\n\n%s\n", h->usage, h->summary);
	if (h->details)
		printf("\n%s\n", h->details);
	if (nopts)
		printf("\nOptions:\n");
	for (size_t i = 0; i < nopts; i++) {
		char left[64];
		if (opts[i].shortname)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", opts[i].shortname, opts[i].name, opts[i].arg ? " " : "",
				 opts[i].arg ? opts[i].arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", opts[i].name, opts[i].arg ? " " : "", opts[i].arg ? opts[i].arg : "");
		printf("  %-28s %s\n", left, opts[i].help);
	}
	(void)cmd;
}

struct policy *cli_load_policy(struct globals *g, const char *what)
{
	struct policy *p = NULL;
	int r = policy_load(g->policy, &p);
	if (r < 0) {
		err_ctx(r, "%s refused: stockade fails closed when it cannot read its policy", what);
		cli_fail(r);
		return NULL;
	}
	return p;
}

int cli_fail(int r)
{
	(void)r;
	log_error("%s", err_msg());
	return 1;
}

void cli_sibling(const struct globals *g, const char *name, const char *env, char *out, size_t n)
{
	const char *e = env ? getenv(env) : NULL;
	if (e && *e) {
		snprintf(out, n, "%s", e);
		return;
	}
	char dir[PATH_MAX] = "";
	const char *bindir = getenv("STOCKADE_BIN_DIR");
	if (bindir && *bindir) {
		snprintf(dir, sizeof(dir), "%s", bindir);
	} else {
		ssize_t len = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
		dir[len > 0 ? len : 0] = '\0';
		if (len <= 0 || dir[0] != '/') {
			snprintf(dir, sizeof(dir), "%s", g && g->argv0 && strchr(g->argv0, '/') ? g->argv0 : "./x");
		}
		char *slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
	}
	snprintf(out, n, "%s/%s", dir, name);
}
