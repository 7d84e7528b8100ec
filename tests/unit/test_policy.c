/* The node policy file: defaults, the schema, every refusal, load order, print round trip, exemptions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci/spec.h"
#include "policy/policy.h"
#include "rules/rules.h"
#include "util/err.h"

#define NAME "/etc/stockade/policy.yaml"

static struct policy *parse_ok(const char *text)
{
	struct policy *p = NULL;
	if (policy_parse(text, strlen(text), NAME, &p) < 0)
		fail_msg("unexpected error: %s", err_msg());
	assert_non_null(p);
	return p;
}

/* Parse must fail with "NAME:LINE: " and every needle in the message. */
static void parse_err(const char *text, int line, const char *needle1, const char *needle2)
{
	struct policy *p = NULL;
	char at[128];

	err_clear();
	assert_true(policy_parse(text, strlen(text), NAME, &p) < 0);
	assert_null(p);
	const char *m = err_msg();
	snprintf(at, sizeof(at), NAME ":%d:", line);
	if (strncmp(m, at, strlen(at)) != 0)
		fail_msg("message does not start with \"%s\": %s", at, m);
	if (needle1 && !strstr(m, needle1))
		fail_msg("message lacks \"%s\": %s", needle1, m);
	if (needle2 && !strstr(m, needle2))
		fail_msg("message lacks \"%s\": %s", needle2, m);
}

static int sev_of(const struct policy *p, const char *id)
{
	return p->rule_sev[rule_index(rule_find(id))];
}

static void assert_strs_equal(const char *const *a, size_t na, const char *const *b, size_t nb)
{
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++)
		assert_string_equal(a[i], b[i]);
}

static void assert_optstr_equal(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

/* Every setting of a and b is the same (the source aside). */
static void assert_policy_equal(const struct policy *a, const struct policy *b)
{
	assert_int_equal(a->level, b->level);
	assert_int_equal(a->mode, b->mode);
	assert_int_equal(a->refuse_at, b->refuse_at);
	assert_int_equal(a->cap_allow, b->cap_allow);
	assert_int_equal(a->min_uid, b->min_uid);
	assert_int_equal(a->harden_uid, b->harden_uid);
	assert_int_equal(a->harden_gid, b->harden_gid);
	assert_memory_equal(a->rule_sev, b->rule_sev, rule_count);
	assert_strs_equal(a->mount_allow, a->n_mount_allow, b->mount_allow, b->n_mount_allow);
	assert_strs_equal(a->registries, a->n_registries, b->registries, b->n_registries);
	assert_int_equal(a->require_digest, b->require_digest);
	assert_int_equal(a->keep_setuid, b->keep_setuid);
	assert_int_equal(a->n_exemptions, b->n_exemptions);
	for (size_t i = 0; i < a->n_exemptions; i++) {
		const struct policy_exemption *x = &a->exemptions[i], *y = &b->exemptions[i];
		assert_optstr_equal(x->annotation_key, y->annotation_key);
		assert_optstr_equal(x->annotation_value, y->annotation_value);
		assert_optstr_equal(x->bundle_glob, y->bundle_glob);
		assert_optstr_equal(x->image_glob, y->image_glob);
		assert_strs_equal(x->rules, x->n_rules, y->rules, y->n_rules);
		assert_int_equal(x->has_level, y->has_level);
		if (x->has_level)
			assert_int_equal(x->level, y->level);
		assert_optstr_equal(x->reason, y->reason);
	}
}

static void test_defaults(void **st)
{
	(void)st;
	struct policy *p = policy_default();
	assert_string_equal(p->source, "built-in default");
	assert_int_equal(p->level, LEVEL_RESTRICTED);
	assert_int_equal(p->mode, MODE_ENFORCE);
	assert_int_equal(p->refuse_at, SEV_MEDIUM);
	assert_int_equal(p->cap_allow, 1ULL << cap_from_name("CAP_NET_BIND_SERVICE"));
	assert_int_equal(p->min_uid, 1);
	assert_int_equal(p->harden_uid, 65534);
	assert_int_equal(p->harden_gid, 65534);
	for (size_t i = 0; i < rule_count; i++)
		assert_int_equal(p->rule_sev[i], RULE_SEV_DEFAULT);
	assert_int_equal(p->n_mount_allow, 0);
	assert_int_equal(p->n_registries, 0);
	assert_false(p->require_digest);
	assert_false(p->keep_setuid);
	assert_int_equal(p->n_exemptions, 0);
	policy_free(p);
}

static const char full_text[] =
	"# a node policy\n"
	"level: baseline\n"
	"mode: harden\n"
	"refuse_at: high\n"
	"capabilities:\n"
	"  allow: [CAP_CHOWN, net_bind_service, SYS_NICE]\n"
	"user:\n"
	"  min_uid: 1000\n"
	"  harden_to: \"2000:3000\"\n"
	"rules:\n"
	"  STK701: off\n"
	"  stk702: false\n"
	"  STK703: disabled\n"
	"  STK501: high\n"
	"  STK101: Critical\n"
	"mounts:\n"
	"  allow: [\"/srv/app/*\", /data]\n"
	"images:\n"
	"  registries: [\"registry.example.com/\", \"ghcr.io/acme/\"]\n"
	"  require_digest: true\n"
	"  keep_setuid: true\n"
	"exemptions:\n"
	"  - match:\n"
	"      annotation: \"io.kubernetes.cri.sandbox-namespace=kube-system\"\n"
	"      bundle: \"/var/lib/ci/*\"\n"
	"      image: \"docker.io/library/postgres*\"\n"
	"    rules: [STK101, stk301]\n"
	"    level: privileged\n"
	"    reason: \"postgres drops to uid 999 itself\"\n"
	"  - match: {annotation: stockade.io/ci}\n"
	"    level: baseline\n"
	"    reason: ci\n";

static void test_full_file(void **st)
{
	(void)st;
	struct policy *p = parse_ok(full_text);
	assert_string_equal(p->source, NAME);
	assert_int_equal(p->level, LEVEL_BASELINE);
	assert_int_equal(p->mode, MODE_HARDEN);
	assert_int_equal(p->refuse_at, SEV_HIGH);
	assert_int_equal(p->cap_allow, (1ULL << cap_from_name("CHOWN")) | (1ULL << cap_from_name("NET_BIND_SERVICE")) |
					       (1ULL << cap_from_name("SYS_NICE")));
	assert_int_equal(p->min_uid, 1000);
	assert_int_equal(p->harden_uid, 2000);
	assert_int_equal(p->harden_gid, 3000);
	assert_int_equal(sev_of(p, "STK701"), RULE_OFF);
	assert_int_equal(sev_of(p, "STK702"), RULE_OFF);
	assert_int_equal(sev_of(p, "STK703"), RULE_OFF);
	assert_int_equal(sev_of(p, "STK501"), SEV_HIGH);
	assert_int_equal(sev_of(p, "STK101"), SEV_CRITICAL);
	assert_int_equal(sev_of(p, "STK301"), RULE_SEV_DEFAULT);
	assert_int_equal(p->n_mount_allow, 2);
	assert_string_equal(p->mount_allow[0], "/srv/app/*");
	assert_string_equal(p->mount_allow[1], "/data");
	assert_int_equal(p->n_registries, 2);
	assert_string_equal(p->registries[1], "ghcr.io/acme/");
	assert_true(p->require_digest);
	assert_true(p->keep_setuid);
	assert_int_equal(p->n_exemptions, 2);
	const struct policy_exemption *e = &p->exemptions[0];
	assert_string_equal(e->annotation_key, "io.kubernetes.cri.sandbox-namespace");
	assert_string_equal(e->annotation_value, "kube-system");
	assert_string_equal(e->bundle_glob, "/var/lib/ci/*");
	assert_string_equal(e->image_glob, "docker.io/library/postgres*");
	assert_int_equal(e->n_rules, 2);
	assert_string_equal(e->rules[0], "STK101");
	assert_string_equal(e->rules[1], "STK301"); /* canonical spelling */
	assert_true(e->has_level);
	assert_int_equal(e->level, LEVEL_PRIVILEGED);
	assert_string_equal(e->reason, "postgres drops to uid 999 itself");
	assert_int_equal(e->line, 23);
	e = &p->exemptions[1];
	assert_string_equal(e->annotation_key, "stockade.io/ci");
	assert_null(e->annotation_value);
	assert_null(e->bundle_glob);
	assert_int_equal(e->n_rules, 0);
	assert_int_equal(e->level, LEVEL_BASELINE);
	policy_free(p);
}

static void test_partial_file_keeps_defaults(void **st)
{
	(void)st;
	struct policy *p = parse_ok("mode: warn\nuser:\n  harden_to: 1000\ncapabilities:\n  allow: []\nmounts:\n");
	struct policy *d = policy_default();
	assert_int_equal(p->mode, MODE_WARN);
	assert_int_equal(p->level, LEVEL_RESTRICTED);
	assert_int_equal(p->harden_uid, 1000);
	assert_int_equal(p->harden_gid, 1000); /* gid defaults to uid */
	assert_int_equal(p->cap_allow, 0);
	p->mode = d->mode;
	p->harden_uid = p->harden_gid = 65534;
	p->cap_allow = d->cap_allow;
	assert_policy_equal(p, d);
	policy_free(p);
	policy_free(d);
}

static void test_empty_file_is_default(void **st)
{
	(void)st;
	const char *texts[] = { "", "# nothing here\n\n# at all\n", "---\n", "~\n" };
	struct policy *d = policy_default();
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct policy *p = parse_ok(texts[i]);
		assert_string_equal(p->source, NAME);
		assert_policy_equal(p, d);
		policy_free(p);
	}
	policy_free(d);
}

static void test_errors_name_line_and_key(void **st)
{
	(void)st;
	parse_err("level: restricted\nmodes: warn\n", 2, "modes: unknown key", "valid keys are level, mode, refuse_at");
	parse_err("user:\n  min_id: 5\n", 2, "user.min_id: unknown key", "valid keys under user are min_uid and harden_to");
	parse_err("level: strict\n", 1, "level: \"strict\" is not a level", "privileged, baseline or restricted");
	parse_err("level: host\n", 1, "level: \"host\" is not a level", NULL);
	parse_err("# policy\n\nmode: enforcing\n", 3, "mode: \"enforcing\" is not a mode; use enforce, harden or warn", NULL);
	parse_err("mode: [enforce]\n", 1, "mode: expected a value (found a list)", "mode: enforce");
	parse_err("refuse_at: severe\n", 1, "refuse_at: \"severe\" is not a severity", "info, low, medium, high or critical");
	parse_err("capabilities:\n  allow:\n    - NET_BIND_SERVICE\n    - CAP_FLY\n", 4, "capabilities.allow[1]",
		  "\"CAP_FLY\" is not a capability");
	parse_err("capabilities:\n  allow: NET_BIND_SERVICE\n", 2, "capabilities.allow: expected a list", NULL);
	parse_err("capabilities: [NET_BIND_SERVICE]\n", 1, "capabilities: expected a mapping (found a list)",
		  "allow: [NET_BIND_SERVICE]");
	parse_err("rules:\n  STK701: off\n  STK999: off\n", 3, "rules: \"STK999\" is not a rule ID", "docs/rules.md");
	parse_err("rules:\n  STK701: loud\n", 2, "rules.STK701: \"loud\" is not a setting", "off, default, info");
	parse_err("rules:\n  STK701: off\n  stk701: low\n", 3, "rules.STK701: given twice (first at line 2)", NULL);
	parse_err("user:\n  min_uid: -1\n", 2, "user.min_uid: \"-1\" is not a uid", NULL);
	parse_err("user:\n  harden_to: nobody\n", 2, "user.harden_to: \"nobody\" is not uid[:gid]", NULL);
	parse_err("user:\n  harden_to: \"0:0\"\n", 2, "user.harden_to", "keeps root");
	parse_err("user:\n  min_uid: 100000\n", 2, "user.harden_to: uid 65534 is below user.min_uid 100000", NULL);
	parse_err("mounts:\n  allow: [srv/app]\n", 2, "mounts.allow[0]: \"srv/app\" is not an absolute path", NULL);
	parse_err("images:\n  require_digest: maybe\n", 2, "images.require_digest: expected true or false", NULL);
	parse_err("images:\n  keep_setuid: 1x\n", 2, "images.keep_setuid: expected true or false", NULL);
	parse_err("level: baseline\nlevel: privileged\n", 2, "level: given twice (first at line 1)", NULL);
	parse_err("exemptions:\n  - rules: [STK101]\n    reason: x\n", 2, "exemptions[0]: no match", NULL);
	parse_err("exemptions:\n  - match: {}\n    rules: [STK101]\n    reason: x\n", 2, "exemptions[0].match",
		  "at least one condition");
	parse_err("exemptions:\n  - match: {bundle: /x}\n    rules: [STK101]\n", 2, "exemptions[0]: no reason", NULL);
	parse_err("exemptions:\n  - match: {bundle: /x}\n    reason: \"\"\n    rules: [STK101]\n", 3, "exemptions[0].reason",
		  NULL);
	parse_err("exemptions:\n  - match: {bundle: /x}\n    reason: x\n", 2, "exemptions[0]: exempts nothing", NULL);
	parse_err("exemptions:\n  - match: {bundle: x/*}\n    rules: [STK101]\n    reason: x\n", 2,
		  "exemptions[0].match.bundle", "not absolute");
	parse_err("exemptions:\n  - match: {bundle: /x, host: y}\n    rules: [STK101]\n    reason: x\n", 2,
		  "exemptions[0].match.host: unknown key", "annotation, bundle and image");
	parse_err("exemptions:\n  - match: {annotation: \"=v\"}\n    rules: [STK101]\n    reason: x\n", 2,
		  "exemptions[0].match.annotation", "no key");
	parse_err("exemptions:\n  - match: {image: x}\n    rules: [STK101, STK000X]\n    reason: x\n", 3,
		  "exemptions[0].rules[1]: \"STK000X\" is not a rule ID", NULL);
	parse_err("exemptions:\n  - match: {image: x}\n    level: restrictive\n    reason: x\n", 3,
		  "exemptions[0].level: \"restrictive\" is not a level", NULL);
	parse_err("exemptions: {match: x}\n", 1, "exemptions: expected a list of exemptions (found a mapping)", NULL);
	/* the document itself */
	parse_err("# policy\n- level: baseline\n", 2, "the policy is a mapping of settings (found a list)",
		  "stockade policy init");
	parse_err("restricted\n", 1, "the policy is a mapping of settings (found \"restricted\")", NULL);
	parse_err("level: baseline\n---\nmode: warn\n", 3, "a second YAML document", NULL);
	/* YAML syntax errors come from yamlr with a column */
	parse_err("level: baseline\nmode: [warn\n", 3, "invalid YAML", NULL);
	parse_err("level: baseline\n  mode: warn\n", 2, "invalid YAML", NULL);
}

static void test_default_text_is_default(void **st)
{
	(void)st;
	const char *t = policy_default_text();
	struct policy *p = parse_ok(t), *d = policy_default();
	assert_policy_equal(p, d);
	/* every setting is there to be edited, with a comment */
	const char *keys[] = { "\nlevel:", "\nmode:", "\nrefuse_at:", "\n  allow:", "\n  min_uid:", "\n  harden_to:",
			       "\nrules:", "\n  registries:", "\n  require_digest:", "\nexemptions:", "# " };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strstr(t, keys[i]))
			fail_msg("the default text lacks \"%s\"", keys[i]);
	policy_free(p);
	policy_free(d);
}

static char *print_str(const struct policy *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	policy_print(f, p);
	fclose(f);
	return buf;
}

static void round_trip(const char *text)
{
	struct policy *p = parse_ok(text), *q;
	char *a = print_str(p);
	if (policy_parse(a, strlen(a), NAME, &q) < 0)
		fail_msg("printed policy does not parse: %s\n%s", err_msg(), a);
	assert_policy_equal(p, q);
	char *b = print_str(q);
	assert_string_equal(a, b);
	assert_non_null(strstr(a, "# effective stockade policy, from " NAME "\n"));
	free(a);
	free(b);
	policy_free(p);
	policy_free(q);
}

static void test_print_round_trip(void **st)
{
	(void)st;
	round_trip(full_text);
	round_trip("");
	round_trip("capabilities: {allow: []}\nuser: {min_uid: 0}\nrules: {STK101: default, STK000: info}\n");
	/* strings that need escaping still come back as they were */
	round_trip("exemptions:\n"
		   "  - match:\n"
		   "      annotation: \"k=v=w \\\"q\\\" \\\\ \\t \\u2028 \\x85 \\uFEFF \\x01 \\u00e9 \\U0001F600\"\n"
		   "      image: \"a: b # c\"\n"
		   "      bundle: \"/x/[a-z]*\"\n"
		   "    rules: [STK101]\n"
		   "    reason: \"line one\\nline two\"\n"
		   "  - match: {annotation: \"k=\"}\n"
		   "    rules: [STK101]\n"
		   "    reason: \"empty value\"\n");
}

static void test_print_source_cannot_inject(void **st)
{
	(void)st;
	struct policy *p = policy_default(), *q;
	p->source = "/tmp/x\nlevel: privileged";
	char *a = print_str(p);
	if (policy_parse(a, strlen(a), NAME, &q) < 0)
		fail_msg("printed policy does not parse: %s\n%s", err_msg(), a);
	assert_int_equal(q->level, LEVEL_RESTRICTED);
	free(a);
	policy_free(p);
	policy_free(q);
}

/* ---- load order ---- */

static char tmpdir[64];

static void write_file(const char *name, const char *text, mode_t mode, char *path, size_t n)
{
	snprintf(path, n, "%s/%s", tmpdir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static int setup_dir(void **st)
{
	(void)st;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_policy.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **st)
{
	(void)st;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	unsetenv(POLICY_ENV);
	return system(cmd) == 0 ? 0 : -1;
}

static void load_err(const char *path, const char *needle1, const char *needle2)
{
	struct policy *p = NULL;
	err_clear();
	assert_true(policy_load(path, &p) < 0);
	assert_null(p);
	if (needle1 && !strstr(err_msg(), needle1))
		fail_msg("message lacks \"%s\": %s", needle1, err_msg());
	if (needle2 && !strstr(err_msg(), needle2))
		fail_msg("message lacks \"%s\": %s", needle2, err_msg());
}

static void test_load_order(void **st)
{
	(void)st;
	char a[128], b[128], missing[128];
	struct policy *p;

	write_file("a.yaml", "mode: warn\n", 0644, a, sizeof(a));
	write_file("b.yaml", "mode: harden\n", 0644, b, sizeof(b));
	snprintf(missing, sizeof(missing), "%s/missing.yaml", tmpdir);

	/* an explicit path wins over the environment */
	setenv(POLICY_ENV, b, 1);
	assert_int_equal(policy_load(a, &p), 0);
	assert_int_equal(p->mode, MODE_WARN);
	assert_string_equal(p->source, a);
	policy_free(p);

	/* then the environment */
	assert_int_equal(policy_load(NULL, &p), 0);
	assert_int_equal(p->mode, MODE_HARDEN);
	assert_string_equal(p->source, b);
	policy_free(p);

	/* a named file that is missing fails closed, and says who named it and how to fix it */
	load_err(missing, "(named by --policy)", "stockade policy init >");
	setenv(POLICY_ENV, missing, 1);
	load_err(NULL, "(named by $STOCKADE_POLICY)", "unset STOCKADE_POLICY");
	load_err("", "--policy: empty file name", NULL);

	/* an empty variable is not set; then the default path, else the built-in default */
	setenv(POLICY_ENV, "", 1);
	if (access(POLICY_DEFAULT_PATH, F_OK) < 0) {
		assert_int_equal(policy_load(NULL, &p), 0);
		assert_string_equal(p->source, "built-in default");
		policy_free(p);
	}
	unsetenv(POLICY_ENV);
}

static void test_load_refuses_unsafe_files(void **st)
{
	(void)st;
	char path[128], big[128];

	/* a malformed named file is an error naming the file and line */
	write_file("bad.yaml", "level: restricted\nmode: enforcing\n", 0644, path, sizeof(path));
	load_err(path, "bad.yaml:2: mode:", NULL);
	write_file("open.yaml", "level: restricted\n", 0666, path, sizeof(path));
	load_err(path, "writable by every user", "chmod o-w");
	load_err(tmpdir, "not a regular file", NULL);
	char *text = malloc((1u << 20) + 2);
	assert_non_null(text);
	memset(text, '#', (1u << 20) + 1);
	text[(1u << 20) + 1] = '\0';
	write_file("big.yaml", text, 0644, big, sizeof(big));
	free(text);
	load_err(big, "at most 1 MiB", NULL);
}

/* ---- exemptions ---- */

static const char ex_text[] =
	"level: restricted\n"
	"exemptions:\n"
	"  - match: {annotation: \"io.kubernetes.cri.sandbox-namespace=kube-system\"}\n"
	"    rules: [STK101]\n"
	"    reason: system pods\n"
	"  - match: {annotation: stockade.io/ci}\n"
	"    rules: [STK301, STK701]\n"
	"    level: baseline\n"
	"    reason: ci jobs\n"
	"  - match: {bundle: \"/var/lib/ci/*\", image: \"docker.io/library/postgres*\"}\n"
	"    rules: [STK201]\n"
	"    level: privileged\n"
	"    reason: ci databases\n"
	"  - match: {image: \"*/busybox:*\"}\n"
	"    rules: [STK401]\n"
	"    reason: demos\n";

static bool exempt(const struct rule_ctx *ctx, const char *id)
{
	for (size_t i = 0; i < ctx->n_exempt; i++)
		if (strcmp(ctx->exempt[i], id) == 0)
			return true;
	return false;
}

static void ctx_for(const struct policy *p, const char *bundle, const char *image, const char *k, const char *v,
		    struct arena *a, struct rule_ctx *ctx)
{
	const char *keys[1] = { k }, *values[1] = { v };
	struct policy_subject s = { .bundle = bundle, .image = image, .ann_keys = keys, .ann_values = values, .n_ann = k ? 1 : 0 };
	policy_rule_ctx(p, &s, a, ctx);
}

static void test_rule_ctx_copies_the_policy(void **st)
{
	(void)st;
	struct policy *p = parse_ok(full_text);
	struct arena a = { 0 };
	struct rule_ctx ctx;
	policy_rule_ctx(p, NULL, &a, &ctx);
	assert_int_equal(ctx.level, LEVEL_BASELINE);
	assert_int_equal(ctx.cap_allow, p->cap_allow);
	assert_int_equal(ctx.min_uid, 1000);
	assert_ptr_equal(ctx.rule_sev, p->rule_sev);
	assert_int_equal(ctx.n_mount_allow, 2);
	assert_string_equal(ctx.mount_allow[0], "/srv/app/*");
	assert_int_equal(ctx.n_registries, 2);
	assert_true(ctx.require_digest);
	assert_int_equal(ctx.n_exempt, 0);
	arena_free(&a);
	policy_free(p);
}

static void test_exemption_matching(void **st)
{
	(void)st;
	struct policy *p = parse_ok(ex_text);
	struct arena a = { 0 };
	struct rule_ctx ctx;

	/* nothing matches: the policy as written */
	ctx_for(p, "/srv/b", "docker.io/library/nginx:1", "other", "x", &a, &ctx);
	assert_int_equal(ctx.n_exempt, 0);
	assert_int_equal(ctx.level, LEVEL_RESTRICTED);

	/* KEY=VALUE needs the value too */
	ctx_for(p, "/srv/b", NULL, "io.kubernetes.cri.sandbox-namespace", "kube-system", &a, &ctx);
	assert_int_equal(ctx.n_exempt, 1);
	assert_true(exempt(&ctx, "STK101"));
	assert_int_equal(ctx.level, LEVEL_RESTRICTED);
	ctx_for(p, "/srv/b", NULL, "io.kubernetes.cri.sandbox-namespace", "default", &a, &ctx);
	assert_int_equal(ctx.n_exempt, 0);

	/* KEY matches whatever the value, and the exemption's level applies */
	ctx_for(p, "/srv/b", NULL, "stockade.io/ci", "", &a, &ctx);
	assert_int_equal(ctx.n_exempt, 2);
	assert_true(exempt(&ctx, "STK301"));
	assert_true(exempt(&ctx, "STK701"));
	assert_int_equal(ctx.level, LEVEL_BASELINE);

	/* every condition must hold: bundle alone or image alone is not enough */
	ctx_for(p, "/var/lib/ci/job1", "docker.io/library/nginx:1", NULL, NULL, &a, &ctx);
	assert_int_equal(ctx.n_exempt, 0);
	assert_int_equal(ctx.level, LEVEL_RESTRICTED);
	ctx_for(p, "/srv/job1", "docker.io/library/postgres:16", NULL, NULL, &a, &ctx);
	assert_int_equal(ctx.n_exempt, 0);
	ctx_for(p, NULL, "docker.io/library/postgres:16", NULL, NULL, &a, &ctx);
	assert_int_equal(ctx.n_exempt, 0);
	ctx_for(p, "/var/lib/ci/job1/bundle", "docker.io/library/postgres:16", NULL, NULL, &a, &ctx);
	assert_int_equal(ctx.n_exempt, 1);
	assert_true(exempt(&ctx, "STK201"));
	assert_int_equal(ctx.level, LEVEL_PRIVILEGED);

	/* several exemptions match: their rules add up, the lowest level wins */
	ctx_for(p, "/var/lib/ci/job1", "docker.io/library/postgres:16", "stockade.io/ci", "1", &a, &ctx);
	assert_int_equal(ctx.n_exempt, 3);
	assert_true(exempt(&ctx, "STK201"));
	assert_true(exempt(&ctx, "STK301"));
	assert_int_equal(ctx.level, LEVEL_PRIVILEGED);

	/* image glob alone */
	ctx_for(p, NULL, "docker.io/library/busybox:1.36", NULL, NULL, &a, &ctx);
	assert_int_equal(ctx.n_exempt, 1);
	assert_true(exempt(&ctx, "STK401"));
	assert_int_equal(ctx.level, LEVEL_RESTRICTED);

	arena_free(&a);
	policy_free(p);
}

static void test_annotations_alone_never_lower_the_level(void **st)
{
	(void)st;
	/* a bundle can carry any annotation; without an exemption in the policy nothing changes */
	struct policy *p = parse_ok("level: restricted\n");
	struct arena a = { 0 };
	struct rule_ctx ctx;
	const char *keys[] = { "stockade.io/level", "stockade.io/ignore" }, *values[] = { "privileged", "STK101" };
	struct policy_subject s = { .bundle = "/b", .image = "x", .ann_keys = keys, .ann_values = values, .n_ann = 2 };
	policy_rule_ctx(p, &s, &a, &ctx);
	assert_int_equal(ctx.level, LEVEL_RESTRICTED);
	assert_int_equal(ctx.n_exempt, 0);
	arena_free(&a);
	policy_free(p);
}

/* ---- through the rule engine: what a policy file changes in the findings ---- */

#define ROOT_CONFIG                                                                                                    \
	"{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"rootfs\"}, "                                                 \
	"\"annotations\": {\"ci.example.com/job\": \"build\"}, "                                                         \
	"\"process\": {\"cwd\": \"/\", \"args\": [\"sh\"], \"user\": {\"uid\": 0, \"gid\": 0}}}"

/* The severity of rule `id` among the findings of the root config under `policy_text`; -1 if it did not fire. */
static int judge(const char *policy_text, const char *id)
{
	struct policy *p = parse_ok(policy_text);
	struct oci_spec *s = NULL;
	struct findings f = { 0 };
	struct arena a = { 0 };
	int sev = -1;

	if (oci_spec_parse(ROOT_CONFIG, strlen(ROOT_CONFIG), "/var/lib/ci/job1/config.json", "/var/lib/ci/job1", &s) < 0)
		fail_msg("config: %s", err_msg());
	if (policy_judge(p, s, &a, &f) < 0)
		fail_msg("judge: %s", err_msg());
	for (size_t i = 0; i < f.n; i++)
		if (strcmp(f.v[i].rule->id, id) == 0 && !f.v[i].suppressed)
			sev = (int)f.v[i].sev;
	findings_free(&f);
	arena_free(&a);
	oci_spec_free(s);
	policy_free(p);
	return sev;
}

static void test_policy_changes_findings(void **st)
{
	(void)st;
	assert_int_equal(judge("", "STK101"), SEV_HIGH);
	assert_int_equal(judge("rules: {STK101: off}", "STK101"), -1);
	assert_int_equal(judge("rules: {STK101: low}", "STK101"), SEV_LOW);
	assert_int_equal(judge("level: baseline", "STK101"), -1); /* STK101 is a restricted rule */
	/* exemptions by bundle glob, by annotation, and not when a condition fails */
	assert_int_equal(judge("exemptions: [{match: {bundle: \"/var/lib/ci/*\"}, rules: [STK101], reason: ci}]", "STK101"), -1);
	assert_int_equal(judge("exemptions: [{match: {annotation: ci.example.com/job=build}, level: baseline, reason: ci}]",
			       "STK101"), -1);
	assert_int_equal(judge("exemptions: [{match: {annotation: ci.example.com/job=test}, level: baseline, reason: ci}]",
			       "STK101"), SEV_HIGH);
	assert_int_equal(judge("exemptions: [{match: {bundle: \"/var/lib/ci/*\", image: \"x*\"}, rules: [STK101], "
			       "reason: ci}]", "STK101"), SEV_HIGH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_partial_file_keeps_defaults),
		cmocka_unit_test(test_empty_file_is_default),
		cmocka_unit_test(test_errors_name_line_and_key),
		cmocka_unit_test(test_default_text_is_default),
		cmocka_unit_test(test_print_round_trip),
		cmocka_unit_test(test_print_source_cannot_inject),
		cmocka_unit_test_setup_teardown(test_load_order, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_load_refuses_unsafe_files, setup_dir, teardown_dir),
		cmocka_unit_test(test_rule_ctx_copies_the_policy),
		cmocka_unit_test(test_exemption_matching),
		cmocka_unit_test(test_annotations_alone_never_lower_the_level),
		cmocka_unit_test(test_policy_changes_findings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
