/*
 * The node policy file: the built-in default, parsing (libyaml through
 * yamlr), loading with fail-closed lookup, printing it back, and the rule
 * context of one subject.  docs/policy.md is the reference of the file.
 *
 * Every parse error is one message "NAME:LINE: KEY: what is wrong (what was
 * found); how to fix": the policy decides what a root-run runtime lets
 * through, so nothing in it is guessed or silently ignored.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "oci/spec.h"
#include "policy/policy.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/macros.h"
#include "util/yamlr.h"

#define POLICY_MAX (1u << 20)
#define UID_LIMIT 4294967294L /* the largest valid uid: (uid_t)-1 means "unchanged" to the kernel */

const char *const policy_mode_names[3] = { "enforce", "harden", "warn" };

struct policy *policy_default(void)
{
	struct policy *p = calloc(1, sizeof(*p));
	if (!p)
		abort();
	p->source = "built-in default";
	p->level = LEVEL_RESTRICTED;
	p->mode = MODE_ENFORCE;
	p->refuse_at = SEV_MEDIUM;
	p->cap_allow = 1ULL << cap_from_name("NET_BIND_SERVICE");
	p->min_uid = 1;
	p->harden_uid = 65534;
	p->harden_gid = 65534;
	p->rule_sev = arena_calloc(&p->arena, rule_count, 1);
	for (size_t i = 0; i < rule_count; i++)
		p->rule_sev[i] = RULE_SEV_DEFAULT;
	return p;
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	arena_free(&p->arena);
	free(p);
}

/* ---- parsing ---- */

struct pctx {
	const char *name;
	yaml_document_t *d;
	struct policy *p;
	yaml_node_t *min_uid_at, *harden_at; /* for the cross-check of user.* */
};

/* "NAME:LINE: KEY: <what>"; key NULL for the document itself. */
static int PRINTF(4, 5) perr(const struct pctx *c, const yaml_node_t *at, const char *key, const char *fmt, ...)
{
	char what[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (!key)
		return err_set(EINVAL, "%s:%d: %s", c->name, yamlr_line(at), what);
	return err_set(EINVAL, "%s:%d: %s: %s", c->name, yamlr_line(at), key, what);
}

/* A YAML null: an empty or ~ plain scalar ("allow:" with nothing after it). */
static bool is_null(const yaml_node_t *n)
{
	if (!n || n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	const char *s = (const char *)n->data.scalar.value;
	return !*s || STREQ(s, "~") || STREQ(s, "null") || STREQ(s, "Null") || STREQ(s, "NULL");
}

/* What was found, for "(found ...)" and "\"x\" is not ...". */
static const char *found(const yaml_node_t *n, char *buf, size_t sz)
{
	if (!n || is_null(n))
		return "no value";
	if (n->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (n->type == YAML_SEQUENCE_NODE)
		return "a list";
	const char *s = (const char *)n->data.scalar.value;
	snprintf(buf, sz, "\"%.60s%s\"", s, strlen(s) > 60 ? "..." : "");
	return buf;
}

/* A non-empty scalar, or an error that says what to write instead. */
static int want_str(const struct pctx *c, yaml_node_t *v, const char *key, const char *example, const char **out)
{
	char b[96];
	const char *s = yamlr_str(v);

	if (!s || is_null(v) || !*s)
		return perr(c, v, key, "expected a value (found %s); write %s", found(v, b, sizeof(b)), example);
	*out = s;
	return 0;
}

typedef int (*setter_fn)(struct pctx *c, const char *path, yaml_node_t *v, void *obj);

struct field {
	const char *key;
	setter_fn set;
};

/* Walk a mapping of known keys: unknown and repeated keys are errors. */
static int walk_map(struct pctx *c, const char *path, yaml_node_t *map, const struct field *f, size_t nf, void *obj)
{
	char b[96], full[256], valid[256] = "";

	for (size_t i = 0; i < nf; i++)
		snprintf(valid + strlen(valid), sizeof(valid) - strlen(valid), "%s%s", i ? (i + 1 < nf ? ", " : " and ") : "",
			 f[i].key);
	for (size_t i = 0; i < yamlr_map_len(map); i++) {
		yaml_node_t *k, *v;
		yamlr_map_at(c->d, map, i, &k, &v);
		const char *ks = yamlr_str(k);
		if (!ks)
			return perr(c, k, path ? path : "policy", "keys are names (found %s); valid keys are %s",
				    found(k, b, sizeof(b)), valid);
		snprintf(full, sizeof(full), "%s%s%s", path ? path : "", path ? "." : "", ks);
		size_t fi = 0;
		while (fi < nf && !STREQ(f[fi].key, ks))
			fi++;
		if (fi == nf)
			return perr(c, k, full, "unknown key; valid keys%s%s are %s", path ? " under " : "", path ? path : "",
				    valid);
		/* only known keys got this far, so this loop is short */
		for (size_t j = 0; j < i; j++) {
			yaml_node_t *pk, *pv;
			yamlr_map_at(c->d, map, j, &pk, &pv);
			if (STREQ(yamlr_str(pk), ks))
				return perr(c, k, full, "given twice (first at line %d); keep one", yamlr_line(pk));
		}
		int r = f[fi].set(c, full, v, obj);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A section: a mapping, or null for "keep the defaults". */
static int walk_section(struct pctx *c, const char *path, yaml_node_t *v, const struct field *f, size_t nf, void *obj,
			const char *example)
{
	char b[96];

	if (is_null(v))
		return 0;
	if (!yamlr_is_map(v))
		return perr(c, v, path, "expected a mapping (found %s); write %s", found(v, b, sizeof(b)), example);
	return walk_map(c, path, v, f, nf, obj);
}

typedef int (*item_fn)(struct pctx *c, const char *path, yaml_node_t *it, const char *s, void *obj);

/* A list of strings, or null for an empty list; each item goes through fn. */
static int walk_list(struct pctx *c, const char *path, yaml_node_t *v, const char *example, item_fn fn, void *obj)
{
	char b[96], item[280];

	if (is_null(v))
		return 0;
	if (!yamlr_is_seq(v))
		return perr(c, v, path, "expected a list (found %s); write %s", found(v, b, sizeof(b)), example);
	for (size_t i = 0; i < yamlr_seq_len(v); i++) {
		yaml_node_t *it = yamlr_seq_at(c->d, v, i);
		const char *s;
		snprintf(item, sizeof(item), "%s[%zu]", path, i);
		int r = want_str(c, it, item, example, &s);
		if (r < 0)
			return r;
		r = fn(c, item, it, s, obj);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A list of strings kept in the policy's arena. */
struct strlist {
	const char **v;
	size_t n;
};

static void strlist_init(struct pctx *c, yaml_node_t *v, struct strlist *l)
{
	l->n = 0;
	l->v = yamlr_seq_len(v) ? arena_calloc(&c->p->arena, yamlr_seq_len(v), sizeof(*l->v)) : NULL;
}

static int set_level(struct pctx *c, const char *path, yaml_node_t *v, void *obj)
{
	const char *s;
	char b[96];
	int r = want_str(c, v, path, "level: restricted", &s);

	if (r < 0)
		return r;
	int l = level_from_name(s);
	if (l < 0 || l == LEVEL_HOST)
		return perr(c, v, path, "%s is not a level; use privileged, baseline or restricted", found(v, b, sizeof(b)));
	*(enum level *)obj = (enum level)l;
	return 0;
}

static int set_top_level(struct pctx *c, const char *path, yaml_node_t *v, void *obj)
{
	(void)obj;
	return set_level(c, path, v, &c->p->level);
}

static int set_mode(struct pctx *c, const char *path, yaml_node_t *v, void *obj)
{
	const char *s;
	char b[96];
	int r = want_str(c, v, path, "mode: enforce", &s);

	(void)obj;
	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(policy_mode_names); i++)
		if (strcasecmp(s, policy_mode_names[i]) == 0) {
			c->p->mode = (enum policy_mode)i;
			return 0;
		}
	return perr(c, v, path, "%s is not a mode; use enforce, harden or warn", found(v, b, sizeof(b)));
}

static int set_refuse_at(struct pctx *c, const char *path, yaml_node_t *v, void *obj)
{
	const char *s;
	char b[96];
	int r = want_str(c, v, path, "refuse_at: medium", &s);

	(void)obj;
	if (r < 0)
		return r;
	int sev = severity_from_name(s);
	if (sev < 0)
		return perr(c, v, path, "%s is not a severity; use info, low, medium, high or critical", found(v, b, sizeof(b)));
	c->p->refuse_at = (enum severity)sev;
	return 0;
}

static int add_cap(struct pctx *c, const char *path, yaml_node_t *it, const char *s, void *obj)
{
	char b[96];
	int cap = cap_from_name(s);

	if (cap < 0 || cap > 63)
		return perr(c, it, path, "%s is not a capability; use a name from capabilities(7) such as NET_BIND_SERVICE "
				     "(with or without CAP_)", found(it, b, sizeof(b)));
	*(uint64_t *)obj |= 1ULL << cap;
	return 0;
}

static int set_cap_allow(struct pctx *c, const char *path, yaml_node_t *v, void *obj)
{
	uint64_t mask = 0;
	int r = walk_list(c, path, v, "allow: [NET_BIND_SERVICE]", add_cap, &mask);

	(void)obj;
	if (r < 0)
		return r;
	c->p->cap_allow = mask;
	return 0;
}

static int set_capabilities(struct pctx *c, const char *path, yaml_node_t *v, void *obj)
{
	static const struct field f[] = { { "allow", set_cap_allow } };
	return walk_section(c, path, v, f, ARRAY_SIZE(f), obj, "capabilities: {allow: [NET_BIND_SERVICE]}");
}

/* A uid or gid: digits only (no sign, no spaces), at most UID_LIMIT. */
static bool parse_id(const char *s, size_t n, long *out)
{
	long v = 0;

	if (n == 0 || n > 10)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	if (v > UID_LIMIT)
		return false;
	*out = v;
	return true;
}

static int set_min_uid(struct pctx *c, const char *path, yaml_node_t *v, void *obj)
{
	const char *s;
	char b[96];
	long uid;
	int r = want_str(c, v, path, "min_uid: 1", &s);

	(void)obj;
	if (r < 0)
		return r;
	if (!parse_id(s, strlen(s), &uid))
		return perr(c, v, path, "%s is not a uid; use a number from 0 (root allowed) to %ld, e.g. 1 (not root)",
			    found(v, b, sizeof(b)), UID_LIMIT);
	c->p->min_uid = uid;
	c->min_uid_at = v;
	return 0;
}

static int set_harden_to(struct pctx *c, const char *path, yaml_node_t *v, void *obj)
{
	const char *s;
	char b[96];
	long uid, gid;
	int r = want_str(c, v, path, "harden_to: \"65534:65534\"", &s);

	(void)obj;
	if (r < 0)
		return r;
	const char *colon = strchr(s, ':');
	size_t ulen = colon ? (size_t)(colon - s) : strlen(s);
	if (!parse_id(s, ulen, &uid) || (colon && !parse_id(colon + 1, strlen(colon + 1), &gid)))
		return perr(c, v, path, "%s is not uid[:gid]; use numbers, e.g. \"65534:65534\"", found(v, b, sizeof(b)));
	if (!colon)
		gid = uid;
	if (uid == 0 || gid == 0)
		return perr(c, v, path, "%s keeps root, which hardens nothing; use an unprivileged uid:gid such as "
				     "\"65534:65534\"", found(v, b, sizeof(b)));
	c->p->harden_uid = (uid_t)uid;
	c->p->harden_gid = (gid_t)gid;
	c->harden_at = v;
	return 0;
}

static int set_user(struct pctx *c, const char *path, yaml_node_t *v, void *obj)
{
	static const struct field f[] = { { "min_uid", set_min_uid }, { "harden_to", set_harden_to } };
	int r = walk_section(c, path, v, f, ARRAY_SIZE(f), obj, "user: {min_uid: 1}");

	if (r < 0)
		return r;
	/* a hardened process must pass the rule it was hardened for */
	if ((long)c->p->harden_uid < c->p->min_uid)
		return perr(c, c->harden_at ? c->harden_at : c->min_uid_at, "user.harden_to",
			    "uid %u is below user.min_uid %ld, so a hardened process would still be refused; set harden_to "
			    "to a uid of at least %ld", (unsigned)c->p->harden_uid, c->p->min_uid, c->p->min_uid);
	return 0;
}

/* off/false/disabled, default, or a severity; -3 if none of them. */
static int rule_setting(const char *s)
{
	if (strcasecmp(s, "off") == 0 || strcasecmp(s, "false") == 0 || strcasecmp(s, "disabled") == 0)
		return RULE_OFF;
	if (strcasecmp(s, "default") == 0)
		return RULE_SEV_DEFAULT;
	int sev = severity_from_name(s);
	return sev < 0 ? -3 : sev;
}

static int set_rules(struct pctx *c, const char *path, yaml_node_t *v, void *obj)
{
	char b[96], full[256];
	_cleanup_free_ int *seen_line = calloc(rule_count, sizeof(int));

	(void)obj;
	if (!seen_line)
		return err_set(ENOMEM, "%s: out of memory", c->name);
	if (is_null(v))
		return 0;
	if (!yamlr_is_map(v))
		return perr(c, v, path, "expected a mapping of rule IDs (found %s); write rules: {STK701: off}",
			    found(v, b, sizeof(b)));
	for (size_t i = 0; i < yamlr_map_len(v); i++) {
		yaml_node_t *k, *val;
		const char *s;
		yamlr_map_at(c->d, v, i, &k, &val);
		const struct rule *rule = rule_find(yamlr_str(k));
		if (!rule)
			return perr(c, k, path, "%s is not a rule ID; the IDs are listed in docs/rules.md (e.g. STK701)",
				    found(k, b, sizeof(b)));
		snprintf(full, sizeof(full), "%s.%s", path, rule->id);
		size_t idx = rule_index(rule);
		if (seen_line[idx])
			return perr(c, k, full, "given twice (first at line %d); keep one", seen_line[idx]);
		seen_line[idx] = yamlr_line(k);
		int r = want_str(c, val, full, "off or a severity, e.g. STK701: off", &s);
		if (r < 0)
			return r;
		int set = rule_setting(s);
		if (set == -3)
			return perr(c, val, full, "%s is not a setting; use off, default, info, low, medium, high or critical",
				    found(val, b, sizeof(b)));
		c->p->rule_sev[idx] = (signed char)set;
	}
	return 0;
}

static int add_glob(struct pctx *c, const char *path, yaml_node_t *it, const char *s, void *obj)
{
	char b[96];
	struct strlist *l = obj;

	if (s[0] != '/')
		return perr(c, it, path, "%s is not an absolute path; write a host path glob such as \"/srv/app/*\"",
			    found(it, b, sizeof(b)));
	l->v[l->n++] = arena_strdup(&c->p->arena, s);
	return 0;
}

static int set_mount_allow(struct pctx *c, const char *path, yaml_node_t *v, void *obj)
{
	struct strlist l;
	(void)obj;
	strlist_init(c, v, &l);
	int r = walk_list(c, path, v, "allow: [\"/srv/app/*\"]", add_glob, &l);
	if (r < 0)
		return r;
	c->p->mount_allow = l.v;
	c->p->n_mount_allow = l.n;
	return 0;
}

static int set_mounts(struct pctx *c, const char *path, yaml_node_t *v, void *obj)
{
	static const struct field f[] = { { "allow", set_mount_allow } };
	return walk_section(c, path, v, f, ARRAY_SIZE(f), obj, "mounts: {allow: [\"/srv/app/*\"]}");
}

static int add_registry(struct pctx *c, const char *path, yaml_node_t *it, const char *s, void *obj)
{
	struct strlist *l = obj;
	(void)path;
	(void)it;
	l->v[l->n++] = arena_strdup(&c->p->arena, s);
	return 0;
}

static int set_registries(struct pctx *c, const char *path, yaml_node_t *v, void *obj)
{
	struct strlist l;
	(void)obj;
	strlist_init(c, v, &l);
	int r = walk_list(c, path, v, "registries: [\"registry.example.com/\"]", add_registry, &l);
	if (r < 0)
		return r;
	c->p->registries = l.v;
	c->p->n_registries = l.n;
	return 0;
}

static int set_require_digest(struct pctx *c, const char *path, yaml_node_t *v, void *obj)
{
	char b[96];
	int t = yamlr_bool(v);

	(void)obj;
	if (t < 0)
		return perr(c, v, path, "expected true or false (found %s); write require_digest: true",
			    found(v, b, sizeof(b)));
	c->p->require_digest = t;
	return 0;
}

static int set_keep_setuid(struct pctx *c, const char *path, yaml_node_t *v, void *obj)
{
	char b[96];
	int t = yamlr_bool(v);

	(void)obj;
	if (t < 0)
		return perr(c, v, path, "expected true or false (found %s); write keep_setuid: false",
			    found(v, b, sizeof(b)));
	c->p->keep_setuid = t;
	return 0;
}

static int set_images(struct pctx *c, const char *path, yaml_node_t *v, void *obj)
{
	static const struct field f[] = { { "registries", set_registries }, { "require_digest", set_require_digest },
					  { "keep_setuid", set_keep_setuid } };
	return walk_section(c, path, v, f, ARRAY_SIZE(f), obj, "images: {require_digest: true}");
}

/* ---- exemptions ---- */

static int set_ex_annotation(struct pctx *c, const char *path, yaml_node_t *v, void *obj)
{
	struct policy_exemption *e = obj;
	const char *s;
	int r = want_str(c, v, path, "annotation: \"KEY=VALUE\" or annotation: KEY", &s);

	if (r < 0)
		return r;
	const char *eq = strchr(s, '=');
	if (eq == s)
		return perr(c, v, path, "\"%.60s\" has no key before '='; write KEY or KEY=VALUE", s);
	e->annotation_key = eq ? arena_strndup(&c->p->arena, s, (size_t)(eq - s)) : arena_strdup(&c->p->arena, s);
	e->annotation_value = eq ? arena_strdup(&c->p->arena, eq + 1) : NULL;
	return 0;
}

static int set_ex_bundle(struct pctx *c, const char *path, yaml_node_t *v, void *obj)
{
	struct policy_exemption *e = obj;
	const char *s;
	char b[96];
	int r = want_str(c, v, path, "bundle: \"/var/lib/ci/*\"", &s);

	if (r < 0)
		return r;
	if (s[0] != '/')
		return perr(c, v, path, "%s is not absolute, and bundles are matched by their absolute path; write a glob "
				     "such as \"/var/lib/ci/*\"", found(v, b, sizeof(b)));
	e->bundle_glob = arena_strdup(&c->p->arena, s);
	return 0;
}

static int set_ex_image(struct pctx *c, const char *path, yaml_node_t *v, void *obj)
{
	struct policy_exemption *e = obj;
	const char *s;
	int r = want_str(c, v, path, "image: \"docker.io/library/postgres*\"", &s);

	if (r < 0)
		return r;
	e->image_glob = arena_strdup(&c->p->arena, s);
	return 0;
}

static int set_ex_match(struct pctx *c, const char *path, yaml_node_t *v, void *obj)
{
	static const struct field f[] = {
		{ "annotation", set_ex_annotation }, { "bundle", set_ex_bundle }, { "image", set_ex_image } };
	struct policy_exemption *e = obj;
	char b[96];

	if (!yamlr_is_map(v) || yamlr_map_len(v) == 0)
		return perr(c, v, path, "expected at least one condition (found %s); write match: {bundle: \"/var/lib/ci/*\"}"
				     " with annotation, bundle and/or image", found(v, b, sizeof(b)));
	int r = walk_map(c, path, v, f, ARRAY_SIZE(f), e);
	if (r < 0)
		return r;
	e->line = yamlr_line(v);
	return 0;
}

static int add_ex_rule(struct pctx *c, const char *path, yaml_node_t *it, const char *s, void *obj)
{
	struct strlist *l = obj;
	char b[96];
	const struct rule *rule = rule_find(s);

	if (!rule)
		return perr(c, it, path, "%s is not a rule ID; the IDs are listed in docs/rules.md (e.g. STK101)",
			    found(it, b, sizeof(b)));
	l->v[l->n++] = rule->id;
	return 0;
}

static int set_ex_rules(struct pctx *c, const char *path, yaml_node_t *v, void *obj)
{
	struct policy_exemption *e = obj;
	struct strlist l;

	strlist_init(c, v, &l);
	int r = walk_list(c, path, v, "rules: [STK101, STK301]", add_ex_rule, &l);
	if (r < 0)
		return r;
	e->rules = l.v;
	e->n_rules = l.n;
	return 0;
}

static int set_ex_level(struct pctx *c, const char *path, yaml_node_t *v, void *obj)
{
	struct policy_exemption *e = obj;
	int r = set_level(c, path, v, &e->level);

	if (r < 0)
		return r;
	e->has_level = true;
	return 0;
}

static int set_ex_reason(struct pctx *c, const char *path, yaml_node_t *v, void *obj)
{
	struct policy_exemption *e = obj;
	const char *s;
	int r = want_str(c, v, path, "reason: \"why this workload needs it\"", &s);

	if (r < 0)
		return r;
	e->reason = arena_strdup(&c->p->arena, s);
	return 0;
}

static int parse_exemption(struct pctx *c, const char *path, yaml_node_t *v, struct policy_exemption *e)
{
	static const struct field f[] = {
		{ "match", set_ex_match }, { "rules", set_ex_rules }, { "level", set_ex_level }, { "reason", set_ex_reason } };
	char b[96];

	if (!yamlr_is_map(v))
		return perr(c, v, path, "expected an exemption with match, rules or level, and reason (found %s)",
			    found(v, b, sizeof(b)));
	int r = walk_map(c, path, v, f, ARRAY_SIZE(f), e);
	if (r < 0)
		return r;
	if (!e->annotation_key && !e->bundle_glob && !e->image_glob)
		return perr(c, v, path, "no match; say which workloads it is for with match: {annotation, bundle or image}");
	if (!e->reason)
		return perr(c, v, path, "no reason; an exemption weakens the policy, so write down why with reason: \"...\"");
	if (e->n_rules == 0 && !e->has_level)
		return perr(c, v, path, "exempts nothing; list rules: [STK...] or give a level:");
	e->line = yamlr_line(v);
	return 0;
}

static int set_exemptions(struct pctx *c, const char *path, yaml_node_t *v, void *obj)
{
	char b[96], item[280];
	size_t n = yamlr_seq_len(v);

	(void)obj;
	if (is_null(v))
		return 0;
	if (!yamlr_is_seq(v))
		return perr(c, v, path, "expected a list of exemptions (found %s); write exemptions: [{match: ..., rules: "
				     "[...], reason: ...}]", found(v, b, sizeof(b)));
	c->p->exemptions = n ? arena_calloc(&c->p->arena, n, sizeof(*c->p->exemptions)) : NULL;
	for (size_t i = 0; i < n; i++) {
		snprintf(item, sizeof(item), "%s[%zu]", path, i);
		int r = parse_exemption(c, item, yamlr_seq_at(c->d, v, i), &c->p->exemptions[i]);
		if (r < 0)
			return r;
		c->p->n_exemptions = i + 1;
	}
	return 0;
}

static const struct field top_fields[] = {
	{ "level", set_top_level }, { "mode", set_mode }, { "refuse_at", set_refuse_at },
	{ "capabilities", set_capabilities }, { "user", set_user }, { "rules", set_rules },
	{ "mounts", set_mounts }, { "images", set_images }, { "exemptions", set_exemptions },
};

static int parse_doc(struct pctx *c, struct yamlr *y)
{
	char b[96];

	if (y->n_docs > 1)
		return perr(c, yamlr_root(y, 1), NULL, "a second YAML document; a policy is one document, remove the `---` "
						       "and merge the two");
	yaml_node_t *root = yamlr_root(y, 0);
	if (!root || is_null(root))
		return 0; /* empty, or only comments: the default */
	c->d = &y->docs[0];
	if (!yamlr_is_map(root))
		return perr(c, root, NULL, "the policy is a mapping of settings (found %s); start from `stockade policy "
					   "init`", found(root, b, sizeof(b)));
	return walk_map(c, NULL, root, top_fields, ARRAY_SIZE(top_fields), NULL);
}

int policy_parse(const char *text, size_t len, const char *name, struct policy **out)
{
	struct yamlr y;
	struct pctx c = { .name = name ? name : "policy" };

	*out = NULL;
	int r = yamlr_load(text ? text : "", text ? len : 0, c.name, &y);
	if (r < 0)
		return r;
	c.p = policy_default();
	c.p->source = arena_strdup(&c.p->arena, c.name);
	r = parse_doc(&c, &y);
	yamlr_free(&y);
	if (r < 0) {
		policy_free(c.p);
		return r;
	}
	*out = c.p;
	return 0;
}

/* ---- loading ---- */

/* "(named by --policy)" and how to stop naming it, for load errors. */
static const char *undo_hint(const char *from)
{
	if (!from)
		return "";
	return STREQ(from, "--policy") ? ", or drop --policy" : ", or unset " POLICY_ENV;
}

/* Open a policy file that only root or the caller can change; -ENOENT without a message if absent. */
static int read_policy(const char *path, const char *from, char **buf, size_t *len)
{
	char by[64] = "";
	struct stat st;

	if (from)
		snprintf(by, sizeof(by), " (named by %s)", from);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		/* a dangling symlink at the default path is a broken policy, not an absent one */
		if (e == ENOENT && !from && lstat(path, &st) < 0)
			return -ENOENT;
		if (e == ENOENT)
			return err_set(ENOENT, "%s%s: the policy file does not exist; write one with `stockade policy init > "
					       "%s`%s", path, by, path, undo_hint(from));
		return err_set(e, "%s%s: cannot open the policy file (%s); make it readable by the user stockade runs as%s",
			       path, by, strerror(e), undo_hint(from));
	}
	if (fstat(fd, &st) < 0)
		return err_sys(errno, "%s%s: cannot stat the policy file", path, by);
	if (!S_ISREG(st.st_mode))
		return err_set(EINVAL, "%s%s: not a regular file; name a policy file%s", path, by, undo_hint(from));
	if (st.st_mode & S_IWOTH)
		return err_set(EPERM, "%s%s: writable by every user, who could loosen the policy; run `chmod o-w %s`", path,
			       by, path);
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return err_set(EPERM, "%s%s: owned by uid %u, who could loosen the policy; run `chown root %s`", path, by,
			       (unsigned)st.st_uid, path);
	if (st.st_size > (off_t)POLICY_MAX)
		return err_set(EFBIG, "%s%s: %lld bytes; a policy file is at most 1 MiB", path, by, (long long)st.st_size);
	int r = read_fd_all(fd, POLICY_MAX, buf, len);
	if (r == -EFBIG)
		return err_set(EFBIG, "%s%s: larger than 1 MiB; a policy file is at most 1 MiB", path, by);
	if (r < 0)
		return err_sys(r, "%s%s: cannot read the policy file", path, by);
	return 0;
}

int policy_load(const char *path, struct policy **out)
{
	const char *from = "--policy", *env = getenv(POLICY_ENV);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;

	*out = NULL;
	if (path && !*path)
		return err_set(EINVAL, "--policy: empty file name; name a policy file, or drop --policy to use %s or the "
				       "built-in default", POLICY_DEFAULT_PATH);
	if (!path && env && *env) {
		path = env;
		from = "$" POLICY_ENV;
	} else if (!path) {
		path = POLICY_DEFAULT_PATH;
		from = NULL;
	}
	int r = read_policy(path, from, &buf, &len);
	if (r == -ENOENT && !from) {
		*out = policy_default();
		return 0;
	}
	if (r < 0)
		return r;
	return policy_parse(buf, len, path, out);
}

/* ---- printing ---- */

/* Decode one UTF-8 sequence; returns its length, or 0 if it is not valid. */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
	static const unsigned char min_lead[] = { 0, 0, 0xc2, 0xe0, 0xf0 };
	size_t n = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3 : (s[0] & 0xf8) == 0xf0 ? 4 : 0;

	if (n == 0 || s[0] < min_lead[n])
		return n == 1 ? 1 : 0;
	uint32_t v = n == 1 ? s[0] : s[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	*cp = v;
	return n;
}

/* Characters libyaml takes as they are inside a double-quoted scalar (no line breaks, no BOM). */
static bool yaml_plain_char(uint32_t cp)
{
	if (cp == 0x2028 || cp == 0x2029 || cp == 0xfeff)
		return false;
	return (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) ||
	       (cp >= 0x10000 && cp <= 0x10ffff);
}

/* The body of a double-quoted YAML scalar that reads back as exactly s. */
static void put_quoted_body(FILE *out, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	while (*u) {
		uint32_t cp = 0;
		size_t n = utf8_decode(u, &cp);
		if (n == 0) {
			/* libyaml never hands out invalid UTF-8; write something visible rather than garbage */
			fputs("\\uFFFD", out);
			u++;
			continue;
		}
		if (cp == '"' || cp == '\\')
			fprintf(out, "\\%c", (char)cp);
		else if (cp == '\n')
			fputs("\\n", out);
		else if (cp == '\t')
			fputs("\\t", out);
		else if (yaml_plain_char(cp))
			fwrite(u, 1, n, out);
		else if (cp <= 0xffff)
			fprintf(out, "\\u%04X", (unsigned)cp);
		else
			fprintf(out, "\\U%08X", (unsigned)cp);
		u += n;
	}
}

static void put_quoted(FILE *out, const char *s)
{
	fputc('"', out);
	put_quoted_body(out, s);
	fputc('"', out);
}

static void put_str_list(FILE *out, const char *const *v, size_t n, bool quote)
{
	fputc('[', out);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputs(", ", out);
		if (quote)
			put_quoted(out, v[i]);
		else
			fputs(v[i], out);
	}
	fputs("]\n", out);
}

static void print_rules(FILE *out, const struct policy *p)
{
	bool any = false;

	for (size_t i = 0; i < rule_count; i++) {
		int s = p->rule_sev[i];
		if (s == RULE_SEV_DEFAULT)
			continue;
		if (!any)
			fputs("rules:\n", out);
		any = true;
		const char *set = s == RULE_OFF ? "off" : (s >= 0 && s < SEV__MAX) ? severity_names[s] : "default";
		fprintf(out, "  %s: %s\n", rule_table[i].id, set);
	}
	if (!any)
		fputs("rules: {}\n", out);
}

static void print_exemption(FILE *out, const struct policy_exemption *e)
{
	fputs("  - match:\n", out);
	if (e->annotation_key) {
		fputs("      annotation: \"", out);
		put_quoted_body(out, e->annotation_key);
		if (e->annotation_value) {
			fputc('=', out);
			put_quoted_body(out, e->annotation_value);
		}
		fputs("\"\n", out);
	}
	if (e->bundle_glob) {
		fputs("      bundle: ", out);
		put_quoted(out, e->bundle_glob);
		fputc('\n', out);
	}
	if (e->image_glob) {
		fputs("      image: ", out);
		put_quoted(out, e->image_glob);
		fputc('\n', out);
	}
	if (e->n_rules) {
		fputs("    rules: ", out);
		put_str_list(out, e->rules, e->n_rules, false);
	}
	if (e->has_level)
		fprintf(out, "    level: %s\n", level_names[e->level]);
	fputs("    reason: ", out);
	put_quoted(out, e->reason ? e->reason : "");
	fputc('\n', out);
}

void policy_print(FILE *out, const struct policy *p)
{
	const char *caps[64];
	size_t n_caps = 0;

	/* the source is a path: keep it on the comment line whatever it holds */
	fputs("# effective stockade policy, from ", out);
	for (const char *s = p->source; s && *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, out);
	fputc('\n', out);
	fprintf(out, "level: %s\n", level_names[p->level]);
	fprintf(out, "mode: %s\n", policy_mode_names[p->mode]);
	fprintf(out, "refuse_at: %s\n", severity_names[p->refuse_at]);
	for (int i = 0; i < 64; i++)
		if ((p->cap_allow & (1ULL << i)) && cap_to_name(i))
			caps[n_caps++] = cap_to_name(i) + 4; /* without CAP_ */
	fputs("capabilities:\n  allow: ", out);
	put_str_list(out, caps, n_caps, false);
	fprintf(out, "user:\n  min_uid: %ld\n  harden_to: \"%u:%u\"\n", p->min_uid, (unsigned)p->harden_uid,
		(unsigned)p->harden_gid);
	print_rules(out, p);
	fputs("mounts:\n  allow: ", out);
	put_str_list(out, p->mount_allow, p->n_mount_allow, true);
	fputs("images:\n  registries: ", out);
	put_str_list(out, p->registries, p->n_registries, true);
	fprintf(out, "  require_digest: %s\n", p->require_digest ? "true" : "false");
	fprintf(out, "  keep_setuid: %s\n", p->keep_setuid ? "true" : "false");
	if (!p->n_exemptions)
		fputs("exemptions: []\n", out);
	else
		fputs("exemptions:\n", out);
	for (size_t i = 0; i < p->n_exemptions; i++)
		print_exemption(out, &p->exemptions[i]);
}

static const char default_text[] =
	"# stockade node policy: what `stockade create` and `stockade run` refuse, harden or\n"
	"# let through.  Looked up as --policy FILE, else $STOCKADE_POLICY, else\n"
	"# /etc/stockade/policy.yaml, else the built-in default (this file).  A policy file\n"
	"# that is named but missing, unreadable or malformed is an error: stockade fails\n"
	"# closed.  Reference: docs/policy.md.\n"
	"\n"
	"# Which rules run.\n"
	"#   privileged: none (trust the workload completely)\n"
	"#   baseline:   known privilege escalations (privileged mode, dangerous\n"
	"#               capabilities, host namespaces, devices and sensitive mounts)\n"
	"#   restricted: baseline plus the hardened defaults (non-root, capabilities\n"
	"#               dropped, no_new_privs, read-only root, limits, pinned images)\n"
	"level: restricted\n"
	"\n"
	"# What happens to a container with findings at or above refuse_at.\n"
	"#   enforce: refuse to create it\n"
	"#   harden:  rewrite its spec to be safe (non-root user, capabilities dropped,\n"
	"#            no_new_privs, ...) and refuse only what cannot be rewritten\n"
	"#   warn:    log the findings and create it anyway\n"
	"mode: enforce\n"
	"\n"
	"# Findings below this severity are logged, never refused.\n"
	"#   info | low | medium | high | critical\n"
	"refuse_at: medium\n"
	"\n"
	"capabilities:\n"
	"  # Capabilities a container may keep; STK203 fires for any other.  Names from\n"
	"  # capabilities(7), with or without CAP_.  [] allows none.\n"
	"  allow: [NET_BIND_SERVICE]\n"
	"\n"
	"user:\n"
	"  # The lowest uid a process may run as; STK101 fires below it.  1 means \"not\n"
	"  # root\"; 0 allows root.\n"
	"  min_uid: 1\n"
	"  # uid[:gid] a root process is moved to in harden mode (gid defaults to uid).\n"
	"  harden_to: \"65534:65534\"\n"
	"\n"
	"# Per-rule settings by ID (docs/rules.md lists them): off (never reported), or\n"
	"# a severity that replaces the rule's own (info | low | medium | high |\n"
	"# critical).  For example:\n"
	"#   rules:\n"
	"#     STK701: off\n"
	"#     STK501: high\n"
	"rules: {}\n"
	"\n"
	"mounts:\n"
	"  # Host path globs that may be mounted (STK304 does not fire for them), for\n"
	"  # example [\"/srv/app/*\"].  Absolute paths; * also matches /.\n"
	"  allow: []\n"
	"\n"
	"images:\n"
	"  # Registries images may come from, as prefixes: [\"registry.example.com/\"].\n"
	"  # [] allows any registry.\n"
	"  registries: []\n"
	"  # true: every image must be pinned by an @sha256: digest, at every level.\n"
	"  require_digest: false\n"
	"  # true: setuid/setgid bits in image layers survive unpacking (pull, load, the\n"
	"  # first run of an image).  false strips them: no_new_privs already makes them\n"
	"  # inert, and an image root without them cannot be turned against a host user.\n"
	"  keep_setuid: false\n"
	"\n"
	"# Workloads for which some rules are not enforced, or another level applies.\n"
	"# Every condition under match must hold; a reason is required.\n"
	"#   exemptions:\n"
	"#     - match:\n"
	"#         annotation: \"io.kubernetes.cri.sandbox-namespace=kube-system\"  # KEY or KEY=VALUE\n"
	"#         bundle: \"/var/lib/ci/*\"               # glob on the bundle's absolute path\n"
	"#         image: \"docker.io/library/postgres*\"  # glob on the image reference\n"
	"#       rules: [STK101, STK301]                 # not enforced for these workloads\n"
	"#       level: baseline                         # level used for them (optional)\n"
	"#       reason: \"the postgres image starts as root and drops to uid 999\"\n"
	"exemptions: []\n";

const char *policy_default_text(void)
{
	return default_text;
}

/* ---- the rule context of one subject ---- */

static bool has_annotation(const struct policy_subject *s, const char *key, const char *value)
{
	for (size_t i = 0; i < s->n_ann; i++) {
		if (!s->ann_keys || !s->ann_keys[i] || !STREQ(s->ann_keys[i], key))
			continue;
		const char *v = s->ann_values && s->ann_values[i] ? s->ann_values[i] : "";
		if (!value || STREQ(v, value))
			return true;
	}
	return false;
}

static bool exemption_matches(const struct policy_exemption *e, const struct policy_subject *s)
{
	if (!e->annotation_key && !e->bundle_glob && !e->image_glob)
		return false; /* the parser refuses these; never let one match everything */
	if (e->annotation_key && !has_annotation(s, e->annotation_key, e->annotation_value))
		return false;
	if (e->bundle_glob && (!s->bundle || fnmatch(e->bundle_glob, s->bundle, 0) != 0))
		return false;
	if (e->image_glob && (!s->image || fnmatch(e->image_glob, s->image, 0) != 0))
		return false;
	return true;
}

void policy_rule_ctx(const struct policy *p, const struct policy_subject *s, struct arena *a, struct rule_ctx *ctx)
{
	size_t n = 0;
	bool lowered = false;
	enum level level = p->level;

	rule_ctx_default(ctx);
	ctx->level = p->level;
	ctx->cap_allow = p->cap_allow;
	ctx->min_uid = p->min_uid;
	ctx->rule_sev = p->rule_sev;
	ctx->mount_allow = p->mount_allow;
	ctx->n_mount_allow = p->n_mount_allow;
	ctx->registries = p->registries;
	ctx->n_registries = p->n_registries;
	ctx->require_digest = p->require_digest;
	if (!s)
		return;
	/* only exemptions written in the policy change anything: the subject's
	 * own annotations are merely matched against them */
	for (size_t i = 0; i < p->n_exemptions; i++)
		if (exemption_matches(&p->exemptions[i], s))
			n += p->exemptions[i].n_rules;
	const char **ex = n ? arena_calloc(a, n, sizeof(*ex)) : NULL;
	n = 0;
	for (size_t i = 0; i < p->n_exemptions; i++) {
		const struct policy_exemption *e = &p->exemptions[i];
		if (!exemption_matches(e, s))
			continue;
		for (size_t j = 0; j < e->n_rules; j++)
			ex[n++] = e->rules[j];
		if (e->has_level && (!lowered || e->level < level)) {
			level = e->level;
			lowered = true;
		}
	}
	ctx->exempt = ex;
	ctx->n_exempt = n;
	ctx->level = level;
}
