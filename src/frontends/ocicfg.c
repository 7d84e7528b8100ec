/*
 * config.json -> workload.  The runtime's own parser reads the config (so the
 * policy judges exactly what would run); facts point at JSON paths.
 *
 * The image reference is not part of a runtime config.  It is read from the
 * annotations engines set, in this order: io.stockade.image (stockade run),
 * io.kubernetes.cri.image-name (containerd's CRI), io.kubernetes.cri-o.ImageName
 * (CRI-O), org.opencontainers.image.ref.name when it holds a full reference.
 * Published ports likewise: io.stockade.ports (stockade run) and nerdctl/ports.
 */
#include <errno.h>
#include <json-c/json.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

#include "frontends/common.h"
#include "frontends/frontends.h"
#include "oci/spec.h"
#include "util/err.h"
#include "util/macros.h"

static struct wl_loc jp(struct workload *w, const char *fmt, ...) PRINTF(2, 3);
static struct wl_loc jp(struct workload *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct wl_loc l = { .file = w->file, .path = arena_vprintf(&w->arena, fmt, ap) };
	va_end(ap);
	return l;
}

static bool has_opt(const struct oci_mount *m, const char *o)
{
	for (size_t i = 0; i < m->n_options; i++)
		if (strcmp(m->options[i], o) == 0)
			return true;
	return false;
}

static void add_mount(struct workload *w, struct wl_container *c, const struct oci_mount *m, size_t i)
{
	struct wl_mount *x = WL_PUSH(w, c->mounts, c->n_mounts);
	x->destination = wl_strdup(w, m->destination);
	x->at = jp(w, "mounts[%zu]", i);
	bool bind = m->bind || m->rbind || (m->type && strcmp(m->type, "bind") == 0);
	if (bind) {
		x->type = WL_MNT_BIND;
		x->source = wl_strdup(w, m->source);
		if (m->source && fe_named_volume(m->source))
			x->type = WL_MNT_VOLUME;
		else if (m->source && fe_engine_file(m->source))
			x->engine_managed = true;
	} else if (m->type && strcmp(m->type, "tmpfs") == 0) {
		x->type = WL_MNT_TMPFS;
	} else {
		x->type = WL_MNT_OTHER;
	}
	x->read_only = has_opt(m, "ro") || has_opt(m, "rro");
	x->noexec = has_opt(m, "noexec") || has_opt(m, "rnoexec");
	x->nosuid = has_opt(m, "nosuid") || has_opt(m, "rnosuid");
	x->nodev = has_opt(m, "nodev") || has_opt(m, "rnodev");
}

static void add_ports(struct workload *w, struct wl_container *c, const char *key, const char *json)
{
	json_object *a = json_tokener_parse(json);
	if (!a || !json_object_is_type(a, json_type_array)) {
		wl_parse_error(w, jp(w, "annotations.%s", key), "annotation %s is not a JSON array of ports", key);
		json_object_put(a);
		return;
	}
	bool nerd = strcmp(key, "nerdctl/ports") == 0;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *o = json_object_array_get_idx(a, i), *v;
		struct wl_port *p = WL_PUSH(w, c->ports, c->n_ports);
		p->at = jp(w, "annotations.%s[%zu]", key, i);
		if (json_object_object_get_ex(o, nerd ? "HostIP" : "host_ip", &v))
			p->host_ip = wl_strdup(w, json_object_get_string(v));
		if (json_object_object_get_ex(o, nerd ? "HostPort" : "host_port", &v))
			p->host_port = json_object_get_int(v);
		if (json_object_object_get_ex(o, nerd ? "ContainerPort" : "container_port", &v))
			p->container_port = json_object_get_int(v);
		p->proto = json_object_object_get_ex(o, nerd ? "Protocol" : "protocol", &v) ? wl_strdup(w, json_object_get_string(v))
											     : "tcp";
	}
	json_object_put(a);
}

static const char *const image_annotations[] = { "io.stockade.image", "io.kubernetes.cri.image-name",
	"io.kubernetes.cri-o.ImageName", "org.opencontainers.image.ref.name" };

static void add_annotations(struct workload *w, struct wl_container *c, const struct oci_spec *s)
{
	for (size_t k = 0; k < ARRAY_SIZE(image_annotations); k++) {
		const char *ref = oci_spec_annotation(s, image_annotations[k]);
		if (!ref || !*ref)
			continue;
		if (k == 3 && !strchr(ref, '/') && !strchr(ref, ':'))
			continue; /* only a tag ("latest"): not a reference */
		struct wl_image *im = WL_PUSH(w, c->images, c->n_images);
		im->ref = wl_strdup(w, ref);
		im->at = jp(w, "annotations.%s", image_annotations[k]);
		break;
	}
	static const char *const port_annotations[] = { "io.stockade.ports", "nerdctl/ports" };
	for (size_t k = 0; k < ARRAY_SIZE(port_annotations); k++) {
		const char *v = oci_spec_annotation(s, port_annotations[k]);
		if (v) {
			add_ports(w, c, port_annotations[k], v);
			break;
		}
	}
}

/* devices every engine creates; not host devices "passed in" */
static bool default_device(const char *p)
{
	static const char *const d[] = { "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty",
		"/dev/console", "/dev/ptmx" };
	for (size_t i = 0; i < ARRAY_SIZE(d); i++)
		if (strcmp(p, d[i]) == 0)
			return true;
	return false;
}

static void add_caps(struct workload *w, struct wl_container *c, const struct oci_spec *s)
{
	const struct oci_caps *k = &s->process.caps;
	uint64_t all = s->process.has_caps ? (k->bounding | k->effective | k->permitted | k->inheritable | k->ambient) : 0;
	c->caps.explicit_set = true;
	c->caps.drop_all.v = WL_YES;
	c->caps.at = jp(w, "process.capabilities");
	for (int i = 0; i <= cap_last_known(); i++) {
		if (!(all & (1ULL << i)))
			continue;
		struct wl_cap *x = WL_PUSH(w, c->caps.add, c->caps.n_add);
		x->cap = i;
		x->name = cap_to_name(i) + 4;
		x->at = c->caps.at;
	}
}

static uint32_t host_uid0(const struct oci_spec *s, bool *mapped)
{
	const struct oci_linux *l = &s->linux_;
	uint32_t uid = s->process.user.uid;
	for (size_t i = 0; i < l->n_uid_mappings; i++) {
		const struct oci_idmap *m = &l->uid_mappings[i];
		if (uid >= m->container_id && uid - m->container_id < m->size) {
			*mapped = true;
			return m->host_id + (uid - m->container_id);
		}
	}
	*mapped = false;
	return 0;
}

int fe_oci_from_spec(const struct oci_spec *s, const char *name, struct workload **out)
{
	struct workload *w = workload_new(WL_OCI, name);
	struct wl_container *c = wl_add_container(w, "config.json", (struct wl_loc){ .file = w->file });
	c->kind = "config.json";
	const struct oci_process *p = &s->process;
	const struct oci_linux *l = &s->linux_;

	c->user.set = WL_YES;
	c->user.uid = p->user.uid;
	c->user.at = jp(w, "process.user.uid");
	if (l->ns[NS_USER].present && !l->ns[NS_USER].path) {
		bool mapped;
		uint32_t h = host_uid0(s, &mapped);
		c->user.userns_unprivileged = mapped && h != 0;
	}
	c->no_new_privs = (struct wl_flag){ p->no_new_privileges ? WL_YES : WL_NO, jp(w, "process.noNewPrivileges") };
	add_caps(w, c, s);

	c->seccomp_at = jp(w, "linux.seccomp");
	if (!l->seccomp)
		c->seccomp = WL_SECCOMP_NONE;
	else if (l->seccomp->default_action == SCMP_ACT_ALLOW && l->seccomp->n_rules == 0)
		c->seccomp = WL_SECCOMP_UNCONFINED;
	else
		c->seccomp = WL_SECCOMP_PROFILE;

	static const struct {
		enum ns_type oci;
		enum wl_ns wl;
	} nsmap[] = { { NS_PID, WL_NS_PID }, { NS_NET, WL_NS_NET }, { NS_IPC, WL_NS_IPC }, { NS_UTS, WL_NS_UTS }, { NS_MNT, WL_NS_MNT } };
	for (size_t i = 0; i < ARRAY_SIZE(nsmap); i++) {
		const struct oci_namespace *n = &l->ns[nsmap[i].oci];
		/* absent: the host's; a path into PID 1's namespaces: the host's too */
		if (!n->present || (n->path && strncmp(n->path, "/proc/1/ns/", 11) == 0))
			c->host_ns[nsmap[i].wl] = (struct wl_flag){ WL_YES, jp(w, "linux.namespaces") };
	}

	for (size_t i = 0; i < l->n_devices; i++) {
		if (default_device(l->devices[i].path))
			continue;
		struct wl_device *d = WL_PUSH(w, c->devices, c->n_devices);
		d->path = wl_strdup(w, l->devices[i].path);
		d->at = jp(w, "linux.devices[%zu]", i);
	}
	for (size_t i = 0; i < l->resources.n_devices; i++) {
		const struct oci_device_rule *d = &l->resources.devices[i];
		if (d->allow && d->type == 'a' && d->major < 0 && d->minor < 0 && strchr(d->access, 'r') && strchr(d->access, 'w') &&
		    strchr(d->access, 'm'))
			c->device_cgroup_all = (struct wl_flag){ WL_YES, jp(w, "linux.resources.devices[%zu]", i) };
	}
	/* privileged as engines make it: every capability, no filter, every device */
	uint64_t every = (cap_last_known() >= 63) ? ~0ULL : ((1ULL << (cap_last_known() + 1)) - 1);
	if (s->process.has_caps && (s->process.caps.bounding & every) == every && !l->seccomp &&
	    c->device_cgroup_all.v == WL_YES)
		c->privileged = (struct wl_flag){ WL_YES, jp(w, "process.capabilities.bounding") };

	c->read_only_root = (struct wl_flag){ s->root_readonly ? WL_YES : WL_NO, jp(w, "root.readonly") };
	if (!l->has_masked_paths || l->n_masked_paths == 0)
		c->proc_unmasked = (struct wl_flag){ WL_YES, jp(w, "linux.maskedPaths") };
	for (size_t i = 0; i < s->n_mounts; i++)
		add_mount(w, c, &s->mounts[i], i);
	add_annotations(w, c, s);
	for (size_t i = 0; i < p->n_env; i++) {
		const char *eq = strchr(p->env[i], '=');
		struct wl_env *e = WL_PUSH(w, c->env, c->n_env);
		e->name = eq ? arena_strndup(&w->arena, p->env[i], (size_t)(eq - p->env[i])) : wl_strdup(w, p->env[i]);
		e->value = eq ? wl_strdup(w, eq + 1) : NULL;
		e->at = jp(w, "process.env[%zu]", i);
	}
	const struct oci_resources *rs = &l->resources;
	c->mem_limit = (struct wl_flag){ rs->mem_limit > 0 ? WL_YES : WL_NO, jp(w, "linux.resources.memory.limit") };
	c->pids_limit = (struct wl_flag){ rs->pids_limit > 0 ? WL_YES : WL_NO, jp(w, "linux.resources.pids.limit") };
	c->cpu_limit = (struct wl_flag){ rs->cpu_quota > 0 ? WL_YES : WL_NO, jp(w, "linux.resources.cpu.quota") };
	*out = w;
	return 0;
}

int fe_oci(const char *text, size_t len, const char *name, struct workload **out)
{
	struct oci_spec *s = NULL;
	if (oci_spec_parse(text, len, name, "/", &s) < 0) {
		struct workload *w = workload_new(WL_OCI, name);
		wl_parse_error(w, (struct wl_loc){ .file = w->file }, "%s", err_msg());
		err_clear();
		*out = w;
		return 0;
	}
	int r = fe_oci_from_spec(s, name, out);
	oci_spec_free(s);
	return r;
}
