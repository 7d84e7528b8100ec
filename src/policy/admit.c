/*
 * Admission at create/run: judge the config with the rule engine, then refuse,
 * harden or warn as the policy's mode says.  Harden works on the JSON (not on
 * struct oci_spec) so that what is stored in the state directory, and what
 * `exec` later reads, is exactly the hardened config; the result is parsed
 * and judged again before it is used.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontends/frontends.h"
#include "oci/default_spec.h"
#include "oci/spec.h"
#include "policy/policy.h"
#include "sandbox/seccomp.h"
#include "util/err.h"
#include "util/log.h"
#include "util/macros.h"

static const char *const image_keys[] = { "io.stockade.image", "io.kubernetes.cri.image-name", "io.kubernetes.cri-o.ImageName",
	"org.opencontainers.image.ref.name" };

int policy_judge(const struct policy *p, const struct oci_spec *s, struct arena *a, struct findings *f)
{
	struct policy_subject subj = { .bundle = s->bundle };
	for (size_t i = 0; i < ARRAY_SIZE(image_keys) && !subj.image; i++)
		subj.image = oci_spec_annotation(s, image_keys[i]);
	const char **keys = arena_calloc(a, s->n_annotations + 1, sizeof(char *));
	const char **vals = arena_calloc(a, s->n_annotations + 1, sizeof(char *));
	for (size_t i = 0; i < s->n_annotations; i++) {
		keys[i] = s->annotations[i].key;
		vals[i] = s->annotations[i].value;
	}
	subj.ann_keys = keys;
	subj.ann_values = vals;
	subj.n_ann = s->n_annotations;
	struct rule_ctx ctx;
	policy_rule_ctx(p, &subj, a, &ctx);
	struct workload *w = NULL;
	int r = fe_oci_from_spec(s, s->config_path, &w);
	if (r < 0)
		return r;
	r = rules_eval(w, &ctx, f);
	workload_free(w);
	return r;
}

static bool violation(const struct policy *p, const struct finding *f)
{
	return !f->suppressed && f->sev >= p->refuse_at;
}

static const char *const check_hint =
	"dry-run a config with `stockade policy check --bundle DIR`; see the effective policy with `stockade policy show`";

/* Append one violation, fully explained, to buf. */
static void explain(char *buf, size_t n, const struct finding *f)
{
	size_t len = strlen(buf);
	const struct rule *r = f->rule;
	const char *engine = r->fix[WL_DOCKER_RUN];
	snprintf(buf + len, n - len,
		 "\n  %s %s (%s) at %s: %s\n      why: %s\n      fix: %s%s%s%s%s",
		 r->id, r->name, severity_names[f->sev], f->at.path ? f->at.path : "config.json", f->message, r->why,
		 r->fix[WL_OCI] ? r->fix[WL_OCI] : "see docs/rules.md", engine ? "; with podman or docker: " : "",
		 engine ? engine : "", r->allow ? "\n      or allow it: " : "", r->allow ? r->allow : "");
}

static int refuse(const struct policy *p, const struct findings *f, const char *what, bool (*pick)(const struct policy *, const struct finding *),
		  const char *tail)
{
	static __thread char buf[14000];
	size_t n = 0;
	for (size_t i = 0; i < f->n; i++)
		n += pick(p, &f->v[i]);
	snprintf(buf, sizeof(buf), "%s refused by the stockade policy (level %s, mode %s; %s): %zu violation%s", what,
		 level_names[p->level], policy_mode_names[p->mode], p->source, n, n == 1 ? "" : "s");
	for (size_t i = 0; i < f->n; i++)
		if (pick(p, &f->v[i]))
			explain(buf, sizeof(buf), &f->v[i]);
	size_t len = strlen(buf);
	snprintf(buf + len, sizeof(buf) - len, "\n  %s%s", tail, check_hint);
	return err_set(EPERM, "%s", buf);
}

static bool is_violation(const struct policy *p, const struct finding *f)
{
	return violation(p, f);
}

static bool unfixable_violation(const struct policy *p, const struct finding *f)
{
	return violation(p, f) && (f->rule->flags & RULE_UNFIXABLE);
}

static bool always_refused(const struct policy *p, const struct finding *f)
{
	return violation(p, f) && (f->rule->flags & RULE_REFUSE_ALWAYS);
}


/* ---- harden ------------------------------------------------------------------ */

static json_object *obj(json_object *parent, const char *key)
{
	json_object *o;
	if (json_object_object_get_ex(parent, key, &o) && json_object_is_type(o, json_type_object))
		return o;
	o = json_object_new_object();
	json_object_object_add(parent, key, o);
	return o;
}

static void caps_to_allowlist(json_object *caps, uint64_t allow, bool only_bounding, const char *why)
{
	static const char *const sets[] = { "bounding", "effective", "permitted", "inheritable", "ambient" };
	for (size_t i = 0; i < ARRAY_SIZE(sets); i++) {
		json_object *a;
		if (!json_object_object_get_ex(caps, sets[i], &a) || !json_object_is_type(a, json_type_array))
			continue;
		bool keep_any = !only_bounding || strcmp(sets[i], "bounding") == 0;
		json_object *na = json_object_new_array();
		char dropped[512] = "";
		for (size_t j = 0; j < json_object_array_length(a); j++) {
			const char *name = json_object_get_string(json_object_array_get_idx(a, j));
			int c = name ? cap_from_name(name) : -1;
			if (keep_any && c >= 0 && (allow & (1ULL << c)))
				json_object_array_add(na, json_object_new_string(name));
			else if (name) {
				if (dropped[0])
					strncat(dropped, " ", sizeof(dropped) - strlen(dropped) - 1);
				strncat(dropped, name, sizeof(dropped) - strlen(dropped) - 1);
			}
		}
		if (dropped[0])
			log_warn("policy harden: process.capabilities.%s: dropped %s (%s)", sets[i], dropped, why);
		json_object_object_add(caps, sets[i], na);
	}
}

static void harden_user(const struct policy *p, json_object *proc)
{
	json_object *user = obj(proc, "user");
	json_object *u;
	long old = json_object_object_get_ex(user, "uid", &u) ? (long)json_object_get_int64(u) : 0;
	json_object_object_add(user, "uid", json_object_new_int64(p->harden_uid));
	json_object_object_add(user, "gid", json_object_new_int64(p->harden_gid));
	json_object_object_del(user, "additionalGids");
	json_object_object_del(user, "username");
	log_warn("policy harden: process.user: uid %ld -> %u, gid %u, no supplementary groups (STK101)", old,
		 (unsigned)p->harden_uid, (unsigned)p->harden_gid);
	/* like the kernel on setuid away from 0: a non-root process holds no capabilities */
	caps_to_allowlist(obj(proc, "capabilities"), p->cap_allow, true, "a non-root process holds none");
}

static bool has_tmp_mount(json_object *mounts)
{
	for (size_t i = 0; i < json_object_array_length(mounts); i++) {
		json_object *d;
		if (json_object_object_get_ex(json_object_array_get_idx(mounts, i), "destination", &d) &&
		    json_object_get_string(d) && strcmp(json_object_get_string(d), "/tmp") == 0)
			return true;
	}
	return false;
}

static json_object *mounts_array(json_object *root)
{
	json_object *m;
	if (json_object_object_get_ex(root, "mounts", &m) && json_object_is_type(m, json_type_array))
		return m;
	m = json_object_new_array();
	json_object_object_add(root, "mounts", m);
	return m;
}

static void harden_tmpfs_options(json_object *root, const char *jpath)
{
	size_t idx;
	if (sscanf(jpath, "mounts[%zu]", &idx) != 1)
		return;
	json_object *m = json_object_array_get_idx(mounts_array(root), idx);
	if (!m)
		return;
	json_object *opts;
	if (!json_object_object_get_ex(m, "options", &opts) || !json_object_is_type(opts, json_type_array)) {
		opts = json_object_new_array();
		json_object_object_add(m, "options", opts);
	}
	static const char *const want[] = { "noexec", "nosuid", "nodev" };
	for (size_t k = 0; k < ARRAY_SIZE(want); k++) {
		bool have = false;
		for (size_t j = 0; j < json_object_array_length(opts) && !have; j++) {
			const char *o = json_object_get_string(json_object_array_get_idx(opts, j));
			have = o && strcmp(o, want[k]) == 0;
		}
		if (!have) {
			/* "exec"/"suid"/"dev" would undo it */
			for (size_t j = json_object_array_length(opts); j-- > 0;) {
				const char *o = json_object_get_string(json_object_array_get_idx(opts, j));
				if (o && strcmp(o, want[k] + 2) == 0)
					json_object_array_del_idx(opts, j, 1);
			}
			json_object_array_add(opts, json_object_new_string(want[k]));
		}
	}
	log_warn("policy harden: %s: tmpfs gets noexec,nosuid,nodev (STK302)", jpath);
}

static void harden_one(const struct policy *p, json_object *root, const struct finding *f, bool *done_user)
{
	const char *id = f->rule->id;
	json_object *proc = obj(root, "process");
	json_object *lnx = obj(root, "linux");
	if (strcmp(id, "STK101") == 0) {
		if (!*done_user)
			harden_user(p, proc);
		*done_user = true;
	} else if (strcmp(id, "STK103") == 0) {
		json_object_object_add(proc, "noNewPrivileges", json_object_new_boolean(1));
		log_warn("policy harden: process.noNewPrivileges: true (STK103)");
	} else if (strcmp(id, "STK201") == 0 || strcmp(id, "STK203") == 0) {
		caps_to_allowlist(obj(proc, "capabilities"), p->cap_allow, false, "not in the policy's allowlist");
	} else if (strcmp(id, "STK204") == 0) {
		json_object_object_add(lnx, "seccomp", seccomp_default_profile());
		log_warn("policy harden: linux.seccomp: stockade's default filter (STK204)");
	} else if (strcmp(id, "STK301") == 0) {
		json_object_object_add(obj(root, "root"), "readonly", json_object_new_boolean(1));
		log_warn("policy harden: root.readonly: true (STK301)");
		json_object *mounts = mounts_array(root);
		if (!has_tmp_mount(mounts)) {
			json_object *m = json_object_new_object();
			json_object_object_add(m, "destination", json_object_new_string("/tmp"));
			json_object_object_add(m, "type", json_object_new_string("tmpfs"));
			json_object_object_add(m, "source", json_object_new_string("tmpfs"));
			static const char *const o[] = { "rw", "noexec", "nosuid", "nodev", "mode=1777", "size=65536k" };
			json_object_object_add(m, "options", json_strarr(o, ARRAY_SIZE(o)));
			json_object_array_add(mounts, m);
			log_warn("policy harden: mounts: a tmpfs at /tmp (rw,noexec,nosuid,nodev) for the read-only root (STK301)");
		}
	} else if (strcmp(id, "STK302") == 0) {
		if (f->at.path)
			harden_tmpfs_options(root, f->at.path);
	} else if (strcmp(id, "STK305") == 0) {
		json_object_object_add(lnx, "maskedPaths", json_strarr(default_masked_paths, default_n_masked_paths));
		json_object_object_add(lnx, "readonlyPaths", json_strarr(default_readonly_paths, default_n_readonly_paths));
		log_warn("policy harden: linux.maskedPaths and linux.readonlyPaths: stockade's defaults (STK305)");
	}
}

static int harden(const struct policy *p, const struct oci_spec *s, const char *raw, size_t len, const struct findings *f,
		  const char *what, char **out)
{
	json_tokener *tok = json_tokener_new();
	json_object *root = json_tokener_parse_ex(tok, raw, (int)len);
	json_tokener_free(tok);
	if (!root)
		return err_set(EINVAL, "%s: cannot re-read the config to harden it", s->config_path);
	bool done_user = false;
	/* the user first: moving away from root decides which capabilities stay */
	for (size_t i = 0; i < f->n; i++)
		if (violation(p, &f->v[i]) && strcmp(f->v[i].rule->id, "STK101") == 0)
			harden_one(p, root, &f->v[i], &done_user);
	for (size_t i = 0; i < f->n; i++)
		if (violation(p, &f->v[i]) && strcmp(f->v[i].rule->id, "STK101") != 0)
			harden_one(p, root, &f->v[i], &done_user);
	const char *text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
	char *copy = strdup(text);
	json_object_put(root);
	if (!copy)
		return err_set(ENOMEM, "out of memory");

	/* judge the result: anything left is a bug in harden, and still refused */
	struct oci_spec *hs = NULL;
	int r = oci_spec_parse(copy, strlen(copy), s->config_path, s->bundle, &hs);
	if (r < 0) {
		free(copy);
		return err_ctx(r, "the hardened config is not valid");
	}
	struct arena a = { 0 };
	struct findings f2 = { 0 };
	r = policy_judge(p, hs, &a, &f2);
	for (size_t i = 0; r >= 0 && i < f2.n; i++)
		if (violation(p, &f2.v[i]))
			r = refuse(p, &f2, what, is_violation, "harden could not fix these (a stockade bug: please report it); ");
	findings_free(&f2);
	arena_free(&a);
	oci_spec_free(hs);
	if (r < 0) {
		free(copy);
		return r;
	}
	*out = copy;
	return 0;
}

int policy_admit(const struct policy *p, const struct oci_spec *s, const char *raw, size_t len, const char *what,
		 char **hardened)
{
	*hardened = NULL;
	struct arena a = { 0 };
	struct findings f = { 0 };
	int r = policy_judge(p, s, &a, &f);
	size_t nviol = 0, nfixable = 0, nalways = 0, nunfix = 0;
	for (size_t i = 0; r >= 0 && i < f.n; i++) {
		const struct finding *x = &f.v[i];
		if (!violation(p, x)) {
			if (!x->suppressed)
				log_info("policy: %s %s (%s) at %s: %s", x->rule->id, x->rule->name, severity_names[x->sev],
					 x->at.path ? x->at.path : "config.json", x->message);
			continue;
		}
		nviol++;
		nalways += always_refused(p, x);
		nunfix += unfixable_violation(p, x);
		nfixable += !(x->rule->flags & RULE_UNFIXABLE);
	}
	if (r < 0 || nviol == 0)
		goto out;
	switch (p->mode) {
	case MODE_ENFORCE:
		r = refuse(p, &f, what, is_violation, nfixable ? "mode harden would rewrite the ones it can fix; " : "");
		break;
	case MODE_HARDEN:
		if (nunfix) {
			r = refuse(p, &f, what, unfixable_violation,
				   "harden cannot make these safe, so they are refused in every mode but warn; ");
			break;
		}
		r = harden(p, s, raw, len, &f, what, hardened);
		break;
	case MODE_WARN:
		if (nalways) {
			r = refuse(p, &f, what, always_refused, "these are refused in every mode; ");
			break;
		}
		for (size_t i = 0; i < f.n; i++)
			if (violation(p, &f.v[i]))
				log_warn("policy (warn): %s: %s %s (%s) at %s: %s", what, f.v[i].rule->id, f.v[i].rule->name,
					 severity_names[f.v[i].sev], f.v[i].at.path ? f.v[i].at.path : "config.json", f.v[i].message);
		break;
	}
out:
	findings_free(&f);
	arena_free(&a);
	return r;
}
