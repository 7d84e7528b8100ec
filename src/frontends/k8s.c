/*
 * Kubernetes manifests -> workload.
 *
 * Every document of a stream (and every item of a `kind: List`) is read; each
 * container of a pod-bearing object (Pod, the controllers, Job, CronJob)
 * becomes one wl_container carrying the pod's and its own securityContext
 * merged the way the kubelet merges them (the container's field wins), and
 * each NetworkPolicy becomes a wl_netpol for the cross-file rules.  Facts
 * point at the line of the key that says them; what the API server would
 * refuse becomes a parse error and the rest is still read.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "frontends/common.h"
#include "frontends/frontends.h"
#include "oci/spec.h"
#include "util/err.h"
#include "util/yamlr.h"

#define MAX_LIST_DEPTH 4
/* YAML aliases let a few bytes name a sequence many times over ("[*a, *a, ...]"
 * nested): reading stops after this many entries rather than run for hours. */
#define MAX_STEPS 1000000

struct k8s {
	struct workload *w;
	yaml_document_t *d;
	size_t steps;
	bool exhausted;
};

/* One pod spec and what surrounds it. */
struct pod {
	struct k8s *k;
	const char *kind, *name, *ns;
	yaml_node_t *obj_meta;  /* the object's metadata */
	yaml_node_t *pod_meta;  /* the pod template's metadata, or the Pod's own */
	const char *meta_path;  /* path of obj_meta ("metadata", "items[0].metadata") */
	const char *pmeta_path; /* path of pod_meta */
	yaml_node_t *spec;      /* the pod spec */
	const char *spec_path;  /* "spec.template.spec" */
	yaml_node_t *psc;       /* the pod's securityContext (may be NULL) */
	yaml_node_t *vcts;      /* StatefulSet volumeClaimTemplates (volumes by claim name) */
	struct kvl *labels;
	size_t n_labels;
};

/* One container entry being described. */
struct ctr {
	struct pod *p;
	yaml_node_t *node, *sc; /* the entry, its securityContext */
	const char *path;       /* "spec.containers[0]" */
	const char *cname;
	size_t idx;             /* index in w->containers: the array moves as containers are added */
};

PRINTF(3, 0) static struct wl_loc vloc(struct k8s *k, yaml_node_t *n, const char *fmt, va_list ap)
{
	struct wl_loc l = { .file = k->w->file, .line = yamlr_line(n), .col = yamlr_col(n) };
	l.path = arena_vprintf(&k->w->arena, fmt, ap);
	return l;
}

/* A location at node n with a printf-built key path. */
PRINTF(3, 4) static struct wl_loc loc(struct k8s *k, yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct wl_loc l = vloc(k, n, fmt, ap);
	va_end(ap);
	return l;
}

/* A parse error at node n. */
PRINTF(4, 5) static void perr(struct k8s *k, yaml_node_t *n, const char *path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *m = arena_vprintf(&k->w->arena, fmt, ap);
	va_end(ap);
	m = arena_printf(&k->w->arena, "%s: %s", path, m);
	/* a pod-level field is read once per container: say its problem once */
	for (size_t i = k->w->n_errors; i-- > 0 && i + 256 >= k->w->n_errors;)
		if (k->w->errors[i].at.line == yamlr_line(n) && strcmp(k->w->errors[i].message, m) == 0)
			return;
	wl_parse_error(k->w, loc(k, n, "%s", path), "%s", m);
}

/* Account for n entries read at node `at`; false once the budget is spent (said once). */
static bool spend(struct k8s *k, size_t n, yaml_node_t *at)
{
	if (k->exhausted)
		return false;
	if (k->steps + n > MAX_STEPS) {
		k->exhausted = true;
		perr(k, at, "(document)", "the manifest expands (through YAML aliases) to more than %d entries; "
					  "the rest is not read", MAX_STEPS);
		return false;
	}
	k->steps += n;
	return true;
}

static yaml_node_t *get(struct k8s *k, yaml_node_t *map, const char *key)
{
	return yamlr_get(k->d, map, key);
}

/* The key node of `key` (facts point at the key), or the map itself. */
static yaml_node_t *key_node(struct k8s *k, yaml_node_t *map, const char *key)
{
	yaml_node_t *n = yamlr_get_key(k->d, map, key);
	return n ? n : map;
}

static const char *node_kind(yaml_node_t *n)
{
	if (!n)
		return "nothing";
	return n->type == YAML_MAPPING_NODE ? "a mapping" : n->type == YAML_SEQUENCE_NODE ? "a list" : "a scalar";
}

/* A present scalar that is the empty plain scalar is YAML null ("key:" with nothing after it). */
static bool is_null(yaml_node_t *n)
{
	const char *s = yamlr_str(n);
	return !n || (s && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		      (!*s || strcmp(s, "null") == 0 || strcmp(s, "~") == 0));
}

/* map[key] when it is a mapping; NULL when absent or null; a parse error when it is something else. */
static yaml_node_t *get_map(struct k8s *k, yaml_node_t *map, const char *key, const char *path)
{
	yaml_node_t *n = get(k, map, key);
	if (is_null(n))
		return NULL;
	if (!yamlr_is_map(n)) {
		perr(k, n, path, "expected a mapping, found %s", node_kind(n));
		return NULL;
	}
	return n;
}

static yaml_node_t *get_seq(struct k8s *k, yaml_node_t *map, const char *key, const char *path)
{
	yaml_node_t *n = get(k, map, key);
	if (is_null(n))
		return NULL;
	if (!yamlr_is_seq(n)) {
		perr(k, n, path, "expected a list, found %s", node_kind(n));
		return NULL;
	}
	return n;
}

static const char *get_str(struct k8s *k, yaml_node_t *map, const char *key, const char *path)
{
	yaml_node_t *n = get(k, map, key);
	if (is_null(n))
		return NULL;
	const char *s = yamlr_str(n);
	if (!s)
		perr(k, n, path, "expected a string, found %s", node_kind(n));
	return s;
}

/* map[key] as a boolean: 1, 0, or -1 when absent (or not a boolean: a parse error). */
static int get_bool(struct k8s *k, yaml_node_t *map, const char *key, const char *path)
{
	yaml_node_t *n = get(k, map, key);
	if (is_null(n))
		return -1;
	int b = yamlr_bool(n);
	if (b < 0)
		perr(k, n, path, "expected true or false, found \"%s\"", yamlr_str(n) ? yamlr_str(n) : node_kind(n));
	return b;
}

/* Set a flag from a boolean key: YES/NO at the key's line; unset when absent. */
static int set_flag(struct k8s *k, struct wl_flag *f, yaml_node_t *map, const char *key, const char *base)
{
	if (!map)
		return -1;
	const char *path = arena_printf(&k->w->arena, "%s.%s", base, key);
	int b = get_bool(k, map, key, path);
	if (b >= 0) {
		f->v = b ? WL_YES : WL_NO;
		f->at = loc(k, key_node(k, map, key), "%s", path);
	}
	return b;
}

static struct wl_container *C(struct ctr *c)
{
	return &c->p->k->w->containers[c->idx];
}

/* matchLabels / labels mapping -> kvl array. */
static struct kvl *read_labels(struct k8s *k, yaml_node_t *map, const char *path, size_t *n)
{
	*n = 0;
	if (!map)
		return NULL;
	size_t len = yamlr_map_len(map);
	struct kvl *v = arena_calloc(&k->w->arena, len ? len : 1, sizeof(*v));
	for (size_t i = 0; i < len && spend(k, 1, map); i++) {
		yaml_node_t *kn, *vn;
		yamlr_map_at(k->d, map, i, &kn, &vn);
		const char *key = yamlr_str(kn), *val = yamlr_str(vn);
		if (!key || !val) {
			perr(k, kn, path, "label keys and values must be strings");
			continue;
		}
		v[*n].key = wl_strdup(k->w, key);
		v[*n].value = wl_strdup(k->w, val);
		(*n)++;
	}
	return v;
}

/* ---- securityContext ---------------------------------------------------- */

/* The node that decides a pod-or-container field: the container's wins. */
static yaml_node_t *sc_pick(struct ctr *c, const char *key, yaml_node_t **map, const char **base)
{
	struct k8s *k = c->p->k;
	if (c->sc && !is_null(get(k, c->sc, key))) {
		*map = c->sc;
		*base = arena_printf(&k->w->arena, "%s.securityContext", c->path);
		return get(k, c->sc, key);
	}
	if (c->p->psc && !is_null(get(k, c->p->psc, key))) {
		*map = c->p->psc;
		*base = arena_printf(&k->w->arena, "%s.securityContext", c->p->spec_path);
		return get(k, c->p->psc, key);
	}
	return NULL;
}

static void read_user(struct ctr *c)
{
	struct k8s *k = c->p->k;
	yaml_node_t *map;
	const char *base;
	yaml_node_t *n = sc_pick(c, "runAsUser", &map, &base);
	if (n) {
		const char *path = arena_printf(&k->w->arena, "%s.runAsUser", base);
		long uid;
		if (!yamlr_long(n, &uid) || uid < 0) {
			perr(k, n, path, "expected a non-negative integer uid, found \"%s\"",
			     yamlr_str(n) ? yamlr_str(n) : node_kind(n));
			return;
		}
		struct wl_container *wc = C(c);
		wc->user.set = WL_YES;
		wc->user.uid = uid;
		wc->user.name = wl_strdup(k->w, yamlr_str(n));
		wc->user.at = loc(k, key_node(k, map, "runAsUser"), "%s", path);
		return;
	}
	n = sc_pick(c, "runAsNonRoot", &map, &base);
	if (!n)
		return;
	const char *path = arena_printf(&k->w->arena, "%s.runAsNonRoot", base);
	int b = get_bool(k, map, "runAsNonRoot", path);
	if (b != 1)
		return; /* false says nothing about the uid: the image decides */
	struct wl_container *wc = C(c);
	wc->user.set = WL_YES;
	wc->user.uid = -1;
	wc->user.name = "runAsNonRoot";
	wc->user.run_as_non_root = true;
	wc->user.at = loc(k, key_node(k, map, "runAsNonRoot"), "%s", path);
}

/* Legacy seccomp annotation values (before seccompProfile, Kubernetes < 1.19). */
static bool seccomp_annotation(struct ctr *c, const char *key)
{
	struct k8s *k = c->p->k;
	yaml_node_t *ann = yamlr_get(k->d, c->p->pod_meta, "annotations");
	yaml_node_t *n = yamlr_is_map(ann) ? get(k, ann, key) : NULL;
	const char *v = yamlr_str(n);
	if (!v)
		return false;
	struct wl_container *wc = C(c);
	if (strcmp(v, "unconfined") == 0)
		wc->seccomp = WL_SECCOMP_UNCONFINED;
	else if (strcmp(v, "runtime/default") == 0 || strcmp(v, "docker/default") == 0 ||
		 strncmp(v, "localhost/", 10) == 0)
		wc->seccomp = WL_SECCOMP_PROFILE;
	else
		return false;
	wc->seccomp_at = loc(k, key_node(k, ann, key), "%s.annotations.%s", c->p->pmeta_path, key);
	return true;
}

static void read_seccomp(struct ctr *c)
{
	struct k8s *k = c->p->k;
	yaml_node_t *map;
	const char *base;
	struct wl_container *wc = C(c);
	wc->seccomp = WL_SECCOMP_NONE; /* nothing applies a filter unless asked: PSS restricted wants it explicit */
	yaml_node_t *prof = sc_pick(c, "seccompProfile", &map, &base);
	if (prof) {
		const char *path = arena_printf(&k->w->arena, "%s.seccompProfile", base);
		if (!yamlr_is_map(prof)) {
			perr(k, prof, path, "expected a mapping with type:, found %s", node_kind(prof));
			return;
		}
		const char *tpath = arena_printf(&k->w->arena, "%s.type", path);
		const char *t = get_str(k, prof, "type", tpath);
		if (!t) {
			perr(k, prof, path, "type: is required (RuntimeDefault, Localhost or Unconfined)");
			return;
		}
		if (strcmp(t, "RuntimeDefault") == 0 || strcmp(t, "Localhost") == 0)
			wc->seccomp = WL_SECCOMP_PROFILE;
		else if (strcmp(t, "Unconfined") == 0)
			wc->seccomp = WL_SECCOMP_UNCONFINED;
		else {
			perr(k, get(k, prof, "type"), tpath,
			     "unknown seccomp profile type \"%s\" (RuntimeDefault, Localhost or Unconfined)", t);
			return;
		}
		wc->seccomp_at = loc(k, key_node(k, prof, "type"), "%s", tpath);
		return;
	}
	char *ckey = arena_printf(&k->w->arena, "container.seccomp.security.alpha.kubernetes.io/%s", c->cname);
	if (!seccomp_annotation(c, ckey))
		seccomp_annotation(c, "seccomp.security.alpha.kubernetes.io/pod");
}

static void read_caps(struct ctr *c)
{
	struct k8s *k = c->p->k;
	if (!c->sc)
		return;
	const char *base = arena_printf(&k->w->arena, "%s.securityContext.capabilities", c->path);
	yaml_node_t *caps = get_map(k, c->sc, "capabilities", base);
	if (!caps)
		return;
	struct wl_container *wc = C(c);
	wc->caps.at = loc(k, key_node(k, c->sc, "capabilities"), "%s", base);
	const char *dpath = arena_printf(&k->w->arena, "%s.drop", base);
	yaml_node_t *drop = get_seq(k, caps, "drop", dpath);
	if (drop) {
		wc->caps.drop_all.v = WL_NO;
		wc->caps.drop_all.at = loc(k, key_node(k, caps, "drop"), "%s", dpath);
	}
	for (size_t i = 0; i < yamlr_seq_len(drop) && spend(k, 1, drop); i++) {
		yaml_node_t *it = yamlr_seq_at(k->d, drop, i);
		const char *s = yamlr_str(it);
		if (s && strcasecmp(s, "ALL") == 0) {
			wc->caps.drop_all.v = WL_YES;
			wc->caps.drop_all.at = loc(k, it, "%s[%zu]", dpath, i);
		}
	}
	const char *apath = arena_printf(&k->w->arena, "%s.add", base);
	yaml_node_t *add = get_seq(k, caps, "add", apath);
	for (size_t i = 0; i < yamlr_seq_len(add) && spend(k, 1, add); i++) {
		yaml_node_t *it = yamlr_seq_at(k->d, add, i);
		const char *s = yamlr_str(it);
		const char *ipath = arena_printf(&k->w->arena, "%s[%zu]", apath, i);
		if (!s || !*s) {
			perr(k, it, ipath, "expected a capability name, found %s", node_kind(it));
			continue;
		}
		struct wl_cap *cap = WL_PUSH(k->w, wc->caps.add, wc->caps.n_add);
		const char *bare = strncasecmp(s, "CAP_", 4) == 0 ? s + 4 : s;
		cap->name = wl_strdup(k->w, bare);
		if (strcasecmp(bare, "ALL") == 0)
			cap->cap = WL_CAP_ALL;
		else {
			int nr = cap_from_name(arena_printf(&k->w->arena, "CAP_%s", bare));
			cap->cap = nr < 0 ? -2 : nr;
		}
		cap->at = loc(k, it, "%s", ipath);
	}
}

/* true when an added capability is SYS_ADMIN (or ALL). */
static bool adds_sys_admin(const struct wl_container *wc)
{
	for (size_t i = 0; i < wc->caps.n_add; i++)
		if (wc->caps.add[i].cap == WL_CAP_ALL || strcasecmp(wc->caps.add[i].name, "SYS_ADMIN") == 0)
			return true;
	return false;
}

static void read_security_context(struct ctr *c)
{
	struct k8s *k = c->p->k;
	const char *base = arena_printf(&k->w->arena, "%s.securityContext", c->path);
	read_user(c);
	read_seccomp(c);
	read_caps(c);
	struct wl_container *wc = C(c);
	if (!c->sc)
		return;
	set_flag(k, &wc->privileged, c->sc, "privileged", base);
	set_flag(k, &wc->read_only_root, c->sc, "readOnlyRootFilesystem", base);
	int ape = set_flag(k, &wc->no_new_privs, c->sc, "allowPrivilegeEscalation", base);
	if (ape == 0) {
		wc->no_new_privs.v = WL_YES;
		/* The API server refuses this combination: such a process escalates anyway. */
		if (wc->privileged.v == WL_YES || adds_sys_admin(wc)) {
			wc->no_new_privs.v = WL_NO;
			perr(k, key_node(k, c->sc, "allowPrivilegeEscalation"),
			     arena_printf(&k->w->arena, "%s.allowPrivilegeEscalation", base),
			     "cannot be false for a privileged container or one that adds CAP_SYS_ADMIN: the API "
			     "server refuses it, and such a process can escalate anyway");
		}
	} else if (ape == 1) {
		wc->no_new_privs.v = WL_NO;
	}
	const char *ppath = arena_printf(&k->w->arena, "%s.procMount", base);
	const char *pm = get_str(k, c->sc, "procMount", ppath);
	if (pm) {
		if (strcmp(pm, "Unmasked") == 0)
			wc->proc_unmasked.v = WL_YES;
		else if (strcmp(pm, "Default") == 0)
			wc->proc_unmasked.v = WL_NO;
		else
			perr(k, get(k, c->sc, "procMount"), ppath, "expected Default or Unmasked, found \"%s\"", pm);
		if (wc->proc_unmasked.v != WL_UNSET)
			wc->proc_unmasked.at = loc(k, key_node(k, c->sc, "procMount"), "%s", ppath);
	}
}

/* ---- volumes, ports, env, resources ------------------------------------- */

static yaml_node_t *find_volume(struct pod *p, const char *name, size_t *idx)
{
	yaml_node_t *vols = yamlr_get(p->k->d, p->spec, "volumes");
	if (!spend(p->k, yamlr_seq_len(vols) + yamlr_seq_len(p->vcts) + 1, p->spec))
		return NULL;
	for (size_t i = 0; i < yamlr_seq_len(vols); i++) {
		yaml_node_t *v = yamlr_seq_at(p->k->d, vols, i);
		const char *n = yamlr_str(yamlr_get(p->k->d, v, "name"));
		if (n && strcmp(n, name) == 0) {
			*idx = i;
			return v;
		}
	}
	for (size_t i = 0; i < yamlr_seq_len(p->vcts); i++) {
		yaml_node_t *v = yamlr_seq_at(p->k->d, p->vcts, i);
		const char *n = yamlr_str(yamlr_get(p->k->d, yamlr_get(p->k->d, v, "metadata"), "name"));
		if (n && strcmp(n, name) == 0)
			return v; /* a persistent volume claim: a volume, not a host path */
	}
	return NULL;
}

static bool is_dev_path(const char *s)
{
	return strcmp(s, "/dev") == 0 || strncmp(s, "/dev/", 5) == 0;
}

static void read_mount(struct ctr *c, yaml_node_t *vm, const char *mpath)
{
	struct k8s *k = c->p->k;
	if (!yamlr_is_map(vm)) {
		perr(k, vm, mpath, "expected a mapping with name: and mountPath:, found %s", node_kind(vm));
		return;
	}
	const char *name = get_str(k, vm, "name", arena_printf(&k->w->arena, "%s.name", mpath));
	const char *dest = get_str(k, vm, "mountPath", arena_printf(&k->w->arena, "%s.mountPath", mpath));
	if (!name || !dest) {
		perr(k, vm, mpath, "a volume mount needs name: and mountPath:");
		return;
	}
	size_t vi = 0;
	yaml_node_t *vol = find_volume(c->p, name, &vi);
	if (!vol && !k->exhausted) {
		perr(k, get(k, vm, "name"), mpath, "no volume named \"%s\" in %s.volumes", name, c->p->spec_path);
		return;
	}
	if (!vol)
		return;
	struct wl_container *wc = C(c);
	struct wl_mount *m = WL_PUSH(k->w, wc->mounts, wc->n_mounts);
	m->destination = wl_strdup(k->w, dest);
	m->read_only = get_bool(k, vm, "readOnly", arena_printf(&k->w->arena, "%s.readOnly", mpath)) == 1;
	m->at = loc(k, vm, "%s", mpath);
	m->type = WL_MNT_VOLUME;
	m->source = wl_strdup(k->w, name);
	yaml_node_t *hp = yamlr_get(k->d, vol, "hostPath"), *ed = yamlr_get(k->d, vol, "emptyDir");
	if (yamlr_is_map(hp)) {
		const char *src = yamlr_str(yamlr_get(k->d, hp, "path"));
		if (!src || !*src) {
			perr(k, hp, arena_printf(&k->w->arena, "%s.volumes[%zu].hostPath", c->p->spec_path, vi),
			     "needs a path:");
			src = "";
		}
		/* subPath selects a directory below the host path: that is what the container sees */
		const char *sub = yamlr_str(yamlr_get(k->d, vm, "subPath"));
		m->type = WL_MNT_BIND;
		m->source = sub && *sub ? arena_printf(&k->w->arena, "%s/%s", src, sub) : wl_strdup(k->w, src);
		const char *type = yamlr_str(yamlr_get(k->d, hp, "type"));
		bool dev = type && (strcmp(type, "CharDevice") == 0 || strcmp(type, "BlockDevice") == 0);
		if (dev || is_dev_path(src)) {
			struct wl_device *d = WL_PUSH(k->w, wc->devices, wc->n_devices);
			d->path = m->source;
			d->at = m->at;
		}
	} else if (yamlr_is_map(ed)) {
		const char *medium = yamlr_str(yamlr_get(k->d, ed, "medium"));
		if (medium && strcmp(medium, "Memory") == 0) {
			/* an emptyDir cannot be mounted noexec/nosuid/nodev: the flags stay false */
			m->type = WL_MNT_TMPFS;
			m->source = NULL;
		}
	}
}

static void read_mounts(struct ctr *c)
{
	struct k8s *k = c->p->k;
	const char *base = arena_printf(&k->w->arena, "%s.volumeMounts", c->path);
	yaml_node_t *vms = get_seq(k, c->node, "volumeMounts", base);
	for (size_t i = 0; i < yamlr_seq_len(vms) && spend(k, 1, vms); i++)
		read_mount(c, yamlr_seq_at(k->d, vms, i), arena_printf(&k->w->arena, "%s[%zu]", base, i));
}

static void read_ports(struct ctr *c)
{
	struct k8s *k = c->p->k;
	const char *base = arena_printf(&k->w->arena, "%s.ports", c->path);
	yaml_node_t *ports = get_seq(k, c->node, "ports", base);
	for (size_t i = 0; i < yamlr_seq_len(ports) && spend(k, 1, ports); i++) {
		yaml_node_t *pn = yamlr_seq_at(k->d, ports, i);
		const char *ppath = arena_printf(&k->w->arena, "%s[%zu]", base, i);
		if (!yamlr_is_map(pn)) {
			perr(k, pn, ppath, "expected a mapping with containerPort:, found %s", node_kind(pn));
			continue;
		}
		yaml_node_t *hpn = get(k, pn, "hostPort");
		if (is_null(hpn))
			continue; /* a containerPort alone publishes nothing on the node */
		long hp, cp = 0;
		if (!yamlr_long(hpn, &hp) || hp < 0 || hp > 65535) {
			perr(k, hpn, arena_printf(&k->w->arena, "%s.hostPort", ppath), "expected a port number (1-65535)");
			continue;
		}
		if (hp == 0)
			continue; /* hostPort: 0 is "none" */
		yamlr_long(get(k, pn, "containerPort"), &cp);
		struct wl_container *wc = C(c);
		struct wl_port *p = WL_PUSH(k->w, wc->ports, wc->n_ports);
		p->k8s_host_port = true;
		p->host_port = (int)hp;
		p->container_port = (int)cp;
		p->host_ip = wl_strdup(k->w, yamlr_str(get(k, pn, "hostIP")));
		const char *proto = yamlr_str(get(k, pn, "protocol"));
		p->proto = proto ? arena_printf(&k->w->arena, "%s", proto) : "tcp";
		for (char *s = (char *)p->proto; proto && *s; s++)
			*s = (char)(*s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a' : *s);
		p->at = loc(k, key_node(k, pn, "hostPort"), "%s.hostPort", ppath);
	}
}

static void read_env(struct ctr *c)
{
	struct k8s *k = c->p->k;
	const char *base = arena_printf(&k->w->arena, "%s.env", c->path);
	yaml_node_t *env = get_seq(k, c->node, "env", base);
	for (size_t i = 0; i < yamlr_seq_len(env) && spend(k, 1, env); i++) {
		yaml_node_t *en = yamlr_seq_at(k->d, env, i);
		const char *epath = arena_printf(&k->w->arena, "%s[%zu]", base, i);
		const char *name = yamlr_is_map(en) ? yamlr_str(get(k, en, "name")) : NULL;
		if (!name) {
			perr(k, en, epath, "an env entry needs name:");
			continue;
		}
		struct wl_container *wc = C(c);
		struct wl_env *e = WL_PUSH(k->w, wc->env, wc->n_env);
		e->name = wl_strdup(k->w, name);
		yaml_node_t *vf = get(k, en, "valueFrom");
		if (yamlr_is_map(vf)) {
			yaml_node_t *skr = get(k, vf, "secretKeyRef");
			e->from_secret_ref = !is_null(skr);
			e->at = e->from_secret_ref ? loc(k, key_node(k, vf, "secretKeyRef"), "%s.valueFrom.secretKeyRef", epath)
						   : loc(k, en, "%s", epath);
			continue;
		}
		yaml_node_t *vn = get(k, en, "value");
		if (!is_null(vn) && !yamlr_str(vn)) {
			perr(k, vn, arena_printf(&k->w->arena, "%s.value", epath), "expected a string, found %s",
			     node_kind(vn));
			continue;
		}
		/* no value: is the empty string */
		e->value = wl_strdup(k->w, vn && yamlr_str(vn) ? yamlr_str(vn) : "");
		e->at = vn ? loc(k, key_node(k, en, "value"), "%s.value", epath) : loc(k, en, "%s", epath);
	}
	base = arena_printf(&k->w->arena, "%s.envFrom", c->path);
	yaml_node_t *ef = get_seq(k, c->node, "envFrom", base);
	for (size_t i = 0; i < yamlr_seq_len(ef) && spend(k, 1, ef); i++) {
		yaml_node_t *sr = get(k, yamlr_seq_at(k->d, ef, i), "secretRef");
		if (is_null(sr))
			continue;
		const char *sname = yamlr_str(get(k, sr, "name"));
		struct wl_container *wc = C(c);
		struct wl_env *e = WL_PUSH(k->w, wc->env, wc->n_env);
		e->name = arena_printf(&k->w->arena, "secretRef:%s", sname ? sname : "");
		e->from_secret_ref = true;
		/* at the envFrom key, as other linters point; the path names the entry */
		e->at = loc(k, key_node(k, c->node, "envFrom"), "%s[%zu].secretRef", base, i);
	}
}

static void read_resources(struct ctr *c)
{
	struct k8s *k = c->p->k;
	struct wl_container *wc = C(c);
	/* Kubernetes has no per-pod PIDs limit (the kubelet's podPidsLimit is node
	 * configuration): a manifest cannot express one, so it is not a finding here. */
	wc->pids_limit.v = WL_YES;
	wc->pids_limit.at = wc->at;
	const char *base = arena_printf(&k->w->arena, "%s.resources", c->path);
	yaml_node_t *res = get_map(k, c->node, "resources", base);
	const char *lpath = arena_printf(&k->w->arena, "%s.limits", base);
	yaml_node_t *lim = res ? get_map(k, res, "limits", lpath) : NULL;
	if (!lim)
		return;
	if (!is_null(get(k, lim, "memory"))) {
		wc->mem_limit.v = WL_YES;
		wc->mem_limit.at = loc(k, key_node(k, lim, "memory"), "%s.memory", lpath);
	}
	if (!is_null(get(k, lim, "cpu"))) {
		wc->cpu_limit.v = WL_YES;
		wc->cpu_limit.at = loc(k, key_node(k, lim, "cpu"), "%s.cpu", lpath);
	}
}

static void read_image(struct ctr *c)
{
	struct k8s *k = c->p->k;
	const char *path = arena_printf(&k->w->arena, "%s.image", c->path);
	const char *ref = get_str(k, c->node, "image", path);
	if (!ref)
		return;
	struct wl_container *wc = C(c);
	struct wl_image *im = WL_PUSH(k->w, wc->images, wc->n_images);
	im->ref = wl_strdup(k->w, ref);
	/* a template placeholder (envsubst, Helm left unrendered) is not an image we can judge */
	im->unresolved = strchr(ref, '$') || strstr(ref, "{{");
	im->at = loc(k, get(k, c->node, "image"), "%s", path);
}

/* ---- annotations -------------------------------------------------------- */

static void add_ignores(struct ctr *c, yaml_node_t *ann, const char *key, const char *ann_path)
{
	struct k8s *k = c->p->k;
	yaml_node_t *n = get(k, ann, key);
	const char *v = yamlr_str(n);
	if (!v)
		return;
	struct wl_container *wc = C(c);
	const char *p = v;
	while (*p) {
		size_t skip = strspn(p, ", \t\n"), len;
		p += skip;
		len = strcspn(p, ", \t\n");
		if (!len)
			break;
		const char **id = WL_PUSH(k->w, wc->ignore, wc->n_ignore);
		*id = arena_strndup(&k->w->arena, p, len);
		p += len;
	}
	wc->ignore_at = loc(k, key_node(k, ann, key), "%s.annotations.%s", ann_path, key);
}

static void read_ignores(struct ctr *c)
{
	struct k8s *k = c->p->k;
	yaml_node_t *metas[2] = { c->p->obj_meta, c->p->pod_meta };
	const char *paths[2] = { c->p->meta_path, c->p->pmeta_path };
	const char *own = arena_printf(&k->w->arena, "stockade.io/ignore.%s", c->cname);
	for (size_t i = 0; i < 2; i++) {
		if (i == 1 && metas[1] == metas[0])
			break;
		yaml_node_t *ann = yamlr_get(k->d, metas[i], "annotations");
		if (!yamlr_is_map(ann))
			continue;
		add_ignores(c, ann, "stockade.io/ignore", paths[i]);
		add_ignores(c, ann, own, paths[i]);
	}
}

/* ---- containers and pods ------------------------------------------------ */

/* node NULL: a pod spec without containers, described by its pod-level fields alone */
static void read_container(struct pod *p, yaml_node_t *node, const char *list, size_t i)
{
	struct k8s *k = p->k;
	const char *path = node ? arena_printf(&k->w->arena, "%s.%s[%zu]", p->spec_path, list, i) : p->spec_path;
	if (node && !yamlr_is_map(node)) {
		perr(k, node, path, "expected a container (a mapping with name: and image:), found %s", node_kind(node));
		return;
	}
	const char *cname = yamlr_str(get(k, node, "name"));
	if (!cname) /* the API server wants one, but nothing of the container's security depends on it */
		cname = arena_printf(&k->w->arena, "#%zu", i);
	const char *what = strcmp(list, "containers") == 0 ? "container" : list[0] == 'i' ? "initContainer"
											       : "ephemeralContainer";
	struct ctr c = { .p = p, .node = node, .path = path, .cname = cname, .idx = k->w->n_containers };
	char *name = node ? arena_printf(&k->w->arena, "%s/%s %s %s", p->kind, p->name, what, cname)
			  : arena_printf(&k->w->arena, "%s/%s pod", p->kind, p->name);
	struct wl_container *wc = wl_add_container(k->w, name, loc(k, node ? node : p->spec, "%s", path));
	wc->kind = p->kind;
	wc->k8s_namespace = p->ns;
	wc->k8s_workload = p->name;
	wc->labels = p->labels;
	wc->n_labels = p->n_labels;
	c.sc = get_map(k, node, "securityContext", arena_printf(&k->w->arena, "%s.securityContext", path));

	static const struct {
		const char *key;
		enum wl_ns ns;
	} host_ns[] = { { "hostNetwork", WL_NS_NET }, { "hostPID", WL_NS_PID }, { "hostIPC", WL_NS_IPC } };
	for (size_t j = 0; j < ARRAY_SIZE(host_ns); j++) {
		yaml_node_t *hn = get(k, p->spec, host_ns[j].key);
		int b = yamlr_bool(hn);
		if (b < 0)
			continue; /* a wrong type is reported once per pod, in read_pod */
		wc->host_ns[host_ns[j].ns].v = b ? WL_YES : WL_NO;
		wc->host_ns[host_ns[j].ns].at = loc(k, key_node(k, p->spec, host_ns[j].key), "%s.%s", p->spec_path,
						    host_ns[j].key);
	}
	read_security_context(&c);
	read_mounts(&c);
	read_ports(&c);
	read_env(&c);
	read_resources(&c);
	read_image(&c);
	read_ignores(&c);
}

/* Is volume `name` mounted by any container of the pod? */
static bool volume_mounted(struct pod *p, const char *name)
{
	static const char *const lists[] = { "initContainers", "containers", "ephemeralContainers" };
	struct k8s *k = p->k;
	for (size_t l = 0; l < ARRAY_SIZE(lists); l++) {
		yaml_node_t *seq = yamlr_get(k->d, p->spec, lists[l]);
		for (size_t i = 0; i < yamlr_seq_len(seq); i++) {
			yaml_node_t *vms = yamlr_get(k->d, yamlr_seq_at(k->d, seq, i), "volumeMounts");
			for (size_t j = 0; j < yamlr_seq_len(vms); j++) {
				const char *n = yamlr_str(yamlr_get(k->d, yamlr_seq_at(k->d, vms, j), "name"));
				if (n && strcmp(n, name) == 0)
					return true;
			}
		}
	}
	return false;
}

/*
 * A hostPath volume no container mounts is still a host path in the pod: the
 * kubelet acts on it (DirectoryOrCreate makes it on the node), an ephemeral
 * debug container can mount it, and Pod Security baseline forbids any.  It is
 * recorded once, on the pod's first container, at the volume.
 */
static void unmounted_host_paths(struct pod *p, size_t first)
{
	struct k8s *k = p->k;
	if (first >= k->w->n_containers)
		return;
	yaml_node_t *vols = yamlr_get(k->d, p->spec, "volumes");
	for (size_t i = 0; i < yamlr_seq_len(vols) && spend(k, 1, vols); i++) {
		yaml_node_t *v = yamlr_seq_at(k->d, vols, i);
		yaml_node_t *hp = yamlr_get(k->d, v, "hostPath");
		const char *name = yamlr_str(yamlr_get(k->d, v, "name"));
		const char *src = yamlr_str(yamlr_get(k->d, hp, "path"));
		if (!yamlr_is_map(hp) || !src || !*src || (name && volume_mounted(p, name)))
			continue;
		if (!name)
			name = "(no name)";
		struct wl_container *wc = &k->w->containers[first];
		struct wl_mount *m = WL_PUSH(k->w, wc->mounts, wc->n_mounts);
		m->type = WL_MNT_BIND;
		m->source = wl_strdup(k->w, src);
		m->destination = arena_printf(&k->w->arena, "no container yet (volume %s)", name);
		m->at = loc(k, v, "%s.volumes[%zu]", p->spec_path, i);
	}
}

static void read_pod(struct pod *p)
{
	struct k8s *k = p->k;
	p->psc = get_map(k, p->spec, "securityContext", arena_printf(&k->w->arena, "%s.securityContext", p->spec_path));
	static const char *const bools[] = { "hostNetwork", "hostPID", "hostIPC", "hostUsers" };
	for (size_t i = 0; i < ARRAY_SIZE(bools); i++)
		get_bool(k, p->spec, bools[i], arena_printf(&k->w->arena, "%s.%s", p->spec_path, bools[i]));
	const char *lpath = arena_printf(&k->w->arena, "%s.labels", p->pmeta_path);
	p->labels = read_labels(k, get_map(k, p->pod_meta, "labels", lpath), lpath, &p->n_labels);
	get_seq(k, p->spec, "volumes", arena_printf(&k->w->arena, "%s.volumes", p->spec_path));
	static const char *const lists[] = { "initContainers", "containers", "ephemeralContainers" };
	size_t first = k->w->n_containers;
	bool any = false;
	for (size_t l = 0; l < ARRAY_SIZE(lists); l++) {
		const char *path = arena_printf(&k->w->arena, "%s.%s", p->spec_path, lists[l]);
		yaml_node_t *seq = get_seq(k, p->spec, lists[l], path);
		any |= get(k, p->spec, lists[l]) != NULL;
		for (size_t i = 0; i < yamlr_seq_len(seq) && spend(k, 1, seq); i++)
			read_container(p, yamlr_seq_at(k->d, seq, i), lists[l], i);
	}
	/* no container list at all (a trimmed example, a patch): the pod's own
	 * fields (hostPID, its securityContext) are still worth judging */
	if (!any)
		read_container(p, NULL, "containers", 0);
	unmounted_host_paths(p, first);
}

/* Where each kind keeps its pod template, as keys below the object. */
static const struct {
	const char *kind;
	const char *const keys[5]; /* NULL-terminated path to the template (whose spec and metadata are the pod's) */
} pod_kinds[] = {
	{ "Pod", { NULL } },
	{ "Deployment", { "spec", "template" } },
	{ "StatefulSet", { "spec", "template" } },
	{ "DaemonSet", { "spec", "template" } },
	{ "ReplicaSet", { "spec", "template" } },
	{ "ReplicationController", { "spec", "template" } },
	{ "Job", { "spec", "template" } },
	{ "CronJob", { "spec", "jobTemplate", "spec", "template" } },
	{ "DeploymentConfig", { "spec", "template" } }, /* OpenShift */
};

static void read_pod_object(struct k8s *k, yaml_node_t *obj, const char *prefix, size_t pk, const char *name,
			    const char *ns, yaml_node_t *meta)
{
	struct pod p = { .k = k, .kind = pod_kinds[pk].kind, .name = name, .ns = ns, .obj_meta = meta };
	p.vcts = yamlr_get(k->d, yamlr_get(k->d, obj, "spec"), "volumeClaimTemplates");
	p.meta_path = arena_printf(&k->w->arena, "%smetadata", prefix);
	yaml_node_t *tmpl = obj;
	const char *tpath = prefix[0] ? arena_strndup(&k->w->arena, prefix, strlen(prefix) - 1) : "";
	for (size_t i = 0; pod_kinds[pk].keys[i]; i++) {
		const char *key = pod_kinds[pk].keys[i];
		tpath = tpath[0] ? arena_printf(&k->w->arena, "%s.%s", tpath, key) : key;
		tmpl = get_map(k, tmpl, key, tpath);
		if (!tmpl)
			return; /* a partial manifest (a kustomize patch): nothing to describe */
	}
	const char *dot = tpath[0] ? "." : "";
	p.pod_meta = tmpl == obj ? meta : get_map(k, tmpl, "metadata", arena_printf(&k->w->arena, "%s%smetadata", tpath, dot));
	p.pmeta_path = tmpl == obj ? p.meta_path : arena_printf(&k->w->arena, "%s%smetadata", tpath, dot);
	p.spec_path = arena_printf(&k->w->arena, "%s%sspec", tpath, dot);
	p.spec = get_map(k, tmpl, "spec", p.spec_path);
	if (p.spec)
		read_pod(&p);
}

/* ---- NetworkPolicy ------------------------------------------------------ */

static bool empty_selector(struct k8s *k, yaml_node_t *sel)
{
	if (!yamlr_is_map(sel))
		return false;
	return yamlr_map_len(get(k, sel, "matchLabels")) == 0 && yamlr_seq_len(get(k, sel, "matchExpressions")) == 0;
}

static void mark_open(struct k8s *k, struct wl_netpol *np, yaml_node_t *n, const char *path)
{
	if (np->open_rule)
		return;
	np->open_rule = true;
	np->open_at = loc(k, n, "%s", path);
}

static void read_ingress_rule(struct k8s *k, struct wl_netpol *np, yaml_node_t *rule, const char *rpath)
{
	if (!yamlr_is_map(rule)) {
		perr(k, rule, rpath, "expected an ingress rule (a mapping), found %s", node_kind(rule));
		return;
	}
	const char *fpath = arena_printf(&k->w->arena, "%s.from", rpath);
	yaml_node_t *from = get_seq(k, rule, "from", fpath);
	yaml_node_t *ports = get_seq(k, rule, "ports", arena_printf(&k->w->arena, "%s.ports", rpath));
	if (yamlr_seq_len(from) == 0 && yamlr_seq_len(ports) == 0) {
		mark_open(k, np, rule, rpath); /* every source, every port */
		return;
	}
	for (size_t i = 0; i < yamlr_seq_len(from) && spend(k, 1, from); i++) {
		yaml_node_t *peer = yamlr_seq_at(k->d, from, i);
		yaml_node_t *nss = get(k, peer, "namespaceSelector"), *pods = get(k, peer, "podSelector");
		const char *ppath = arena_printf(&k->w->arena, "%s[%zu]", fpath, i);
		if (empty_selector(k, nss) && is_null(pods))
			mark_open(k, np, peer, ppath);
		const char *cidr = yamlr_str(get(k, get(k, peer, "ipBlock"), "cidr"));
		if (cidr && (strcmp(cidr, "0.0.0.0/0") == 0 || strcmp(cidr, "::/0") == 0))
			mark_open(k, np, peer, ppath);
	}
}

static void read_netpol(struct k8s *k, yaml_node_t *obj, const char *prefix, const char *name, const char *ns)
{
	struct wl_netpol *np = WL_PUSH(k->w, k->w->netpols, k->w->n_netpols);
	np->name = name;
	np->k8s_namespace = ns;
	np->at = loc(k, obj, "%s", prefix[0] ? arena_strndup(&k->w->arena, prefix, strlen(prefix) - 1) : "");
	const char *spath = arena_printf(&k->w->arena, "%sspec", prefix);
	yaml_node_t *spec = get_map(k, obj, "spec", spath);
	const char *ppath = arena_printf(&k->w->arena, "%s.podSelector", spath);
	yaml_node_t *sel = spec ? get_map(k, spec, "podSelector", ppath) : NULL;
	if (sel) {
		const char *mpath = arena_printf(&k->w->arena, "%s.matchLabels", ppath);
		np->selector = read_labels(k, get_map(k, sel, "matchLabels", mpath), mpath, &np->n_selector);
		np->selector_exprs = yamlr_seq_len(get(k, sel, "matchExpressions")) > 0;
	}
	/* without policyTypes, Kubernetes always implies Ingress (and Egress when egress: is given) */
	yaml_node_t *types = spec ? get_seq(k, spec, "policyTypes", arena_printf(&k->w->arena, "%s.policyTypes", spath))
				  : NULL;
	np->ingress_type = yamlr_seq_len(types) == 0; /* an empty list is defaulted like a missing one */
	for (size_t i = 0; i < yamlr_seq_len(types); i++) {
		const char *t = yamlr_str(yamlr_seq_at(k->d, types, i));
		if (t && strcmp(t, "Ingress") == 0)
			np->ingress_type = true;
	}
	const char *ipath = arena_printf(&k->w->arena, "%s.ingress", spath);
	yaml_node_t *ing = spec ? get_seq(k, spec, "ingress", ipath) : NULL;
	np->n_ingress_rules = yamlr_seq_len(ing);
	for (size_t i = 0; i < np->n_ingress_rules && spend(k, 1, ing); i++)
		read_ingress_rule(k, np, yamlr_seq_at(k->d, ing, i), arena_printf(&k->w->arena, "%s[%zu]", ipath, i));
}

/* ---- objects and documents ---------------------------------------------- */

static void read_object(struct k8s *k, yaml_node_t *obj, const char *prefix, int depth);

static void read_list(struct k8s *k, yaml_node_t *obj, const char *prefix, int depth)
{
	const char *path = arena_printf(&k->w->arena, "%sitems", prefix);
	yaml_node_t *items = get_seq(k, obj, "items", path);
	if (depth >= MAX_LIST_DEPTH) {
		perr(k, obj, path, "lists nested deeper than %d levels are not read", MAX_LIST_DEPTH);
		return;
	}
	for (size_t i = 0; i < yamlr_seq_len(items) && spend(k, 1, items); i++)
		read_object(k, yamlr_seq_at(k->d, items, i), arena_printf(&k->w->arena, "%s[%zu].", path, i), depth + 1);
}

static void read_object(struct k8s *k, yaml_node_t *obj, const char *prefix, int depth)
{
	const char *self = prefix[0] ? arena_strndup(&k->w->arena, prefix, strlen(prefix) - 1) : "(document)";
	if (!yamlr_is_map(obj)) {
		if (depth > 0 && !is_null(obj)) /* a List item is meant to be an object */
			perr(k, obj, self, "expected a Kubernetes object (a mapping), found %s", node_kind(obj));
		return; /* a document that is not a mapping is not a Kubernetes object: not ours */
	}
	yaml_node_t *kn = get(k, obj, "kind");
	const char *kind = yamlr_str(kn);
	if (!kind || !*kind) {
		if (!is_null(get(k, obj, "apiVersion")) || !is_null(kn) || depth > 0)
			perr(k, kn ? kn : obj, arena_printf(&k->w->arena, "%skind", prefix),
			     "%s", kn ? "expected the object's kind as a string" : "a Kubernetes object needs kind:");
		return;
	}
	if (strcmp(kind, "List") == 0 || (strlen(kind) > 4 && strcmp(kind + strlen(kind) - 4, "List") == 0 &&
					  !is_null(get(k, obj, "items")))) {
		read_list(k, obj, prefix, depth);
		return;
	}
	size_t pk = ARRAY_SIZE(pod_kinds);
	for (size_t i = 0; i < ARRAY_SIZE(pod_kinds); i++)
		if (strcmp(kind, pod_kinds[i].kind) == 0)
			pk = i;
	bool netpol = strcmp(kind, "NetworkPolicy") == 0;
	if (pk == ARRAY_SIZE(pod_kinds) && !netpol)
		return; /* Service, ConfigMap, CRDs, ...: nothing of a container's security */
	const char *mpath = arena_printf(&k->w->arena, "%smetadata", prefix);
	yaml_node_t *meta = get_map(k, obj, "metadata", mpath);
	const char *name = meta ? get_str(k, meta, "name", arena_printf(&k->w->arena, "%s.name", mpath)) : NULL;
	if (!name && meta)
		name = yamlr_str(get(k, meta, "generateName"));
	const char *ns = meta ? get_str(k, meta, "namespace", arena_printf(&k->w->arena, "%s.namespace", mpath)) : NULL;
	name = wl_strdup(k->w, name ? name : "(unnamed)");
	ns = wl_strdup(k->w, ns && *ns ? ns : "default");
	if (netpol)
		read_netpol(k, obj, prefix, name, ns);
	else
		read_pod_object(k, obj, prefix, pk, name, ns, meta);
}

static void read_doc(struct k8s *k)
{
	read_object(k, yaml_document_get_root_node(k->d), "", 0);
}

/* yamlr_load's message is "NAME:LINE:COL: problem"; the location goes into the wl_loc. */
static void load_error(struct workload *w, const char *name, int line_off)
{
	const char *m = err_msg();
	int line = 0, col = 0, used = 0;
	size_t nl = strlen(name);
	if (strncmp(m, name, nl) == 0 && m[nl] == ':' && sscanf(m + nl + 1, "%d:%d: %n", &line, &col, &used) == 2 && used)
		m += nl + 1 + used;
	wl_parse_error(w, wl_at(w, line ? line + line_off : 0, col, NULL), "%s", m);
}

/* A document starts at a line that begins with "---" followed by a blank or the end of the line. */
static bool doc_start(const char *s, const char *end)
{
	return end - s >= 3 && memcmp(s, "---", 3) == 0 &&
	       (end - s == 3 || s[3] == ' ' || s[3] == '\t' || s[3] == '\n' || s[3] == '\r');
}

/* Load and read text[start, end) whose first line is line `line_off` + 1 of the file. */
static int read_chunk(struct k8s *k, const char *text, size_t len, const char *name, int line_off)
{
	struct yamlr y;
	int r = yamlr_load(text, len, name, &y);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		load_error(k->w, name, line_off);
		return 0;
	}
	for (size_t i = 0; i < y.n_docs; i++) {
		k->d = &y.docs[i];
		for (yaml_node_t *n = k->d->nodes.start; line_off && n < k->d->nodes.top; n++) {
			n->start_mark.line += (size_t)line_off;
			n->end_mark.line += (size_t)line_off;
		}
		read_doc(k);
	}
	yamlr_free(&y);
	return 0;
}

/*
 * A syntax error makes libyaml give up on the rest of the stream; so that one
 * broken document does not hide the others, the stream is read again one
 * document at a time (split at "---" lines, which cannot occur inside a
 * block scalar: its content is indented).
 */
static int read_split(struct k8s *k, const char *text, size_t len, const char *name)
{
	const char *end = text + len, *start = text, *s = text;
	int line = 0, start_line = 0;
	for (;;) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *next = nl ? nl + 1 : end;
		if (s == end || (s != start && doc_start(s, end))) {
			int r = read_chunk(k, start, (size_t)(s - start), name, start_line);
			if (r < 0 || s == end)
				return r;
			start = s;
			start_line = line;
		}
		s = next;
		line++;
	}
}

int fe_k8s(const char *text, size_t len, const char *name, struct workload **out)
{
	if (!text) {
		text = ""; /* libyaml asserts on a NULL buffer */
		len = 0;
	}
	struct workload *w = workload_new(WL_K8S, name);
	struct k8s k = { .w = w };
	struct yamlr y;
	int r = yamlr_load(text, len, name, &y);
	if (r == -EINVAL) {
		r = read_split(&k, text, len, name);
	} else if (r == 0) {
		for (size_t i = 0; i < y.n_docs; i++) {
			k.d = &y.docs[i];
			read_doc(&k);
		}
		yamlr_free(&y);
	}
	if (r < 0) {
		workload_free(w);
		*out = NULL;
		return r;
	}
	fe_yaml_suppressions(w, text, len);
	*out = w;
	return 0;
}
