/*
 * The /proc frontend: running containers, described from what the kernel
 * shows of their init process.  See procfs.h and docs/scan.md.
 *
 * Every path here is relative to a dirfd (the proc root, the sys root, the
 * state root): a recorded tree under tests/fixtures/proc is read exactly the
 * way the host's /proc is.  Environment values are kept in the workload for
 * the secret rule to judge their shape, and never printed or logged here.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frontends/common.h"
#include "frontends/procfs.h"
#include "oci/spec.h"
#include "oci/state.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/macros.h"

#define PROC_FILE_MAX (1u << 20)

/* the namespaces read per process, in the order of /proc/PID/ns */
enum { PNS_PID, PNS_NET, PNS_IPC, PNS_UTS, PNS_MNT, PNS_USER, PNS_CGROUP, PNS_N };
static const char *const ns_files[PNS_N] = { "pid", "net", "ipc", "uts", "mnt", "user", "cgroup" };
static const int ns_wl[PNS_N] = { WL_NS_PID, WL_NS_NET, WL_NS_IPC, WL_NS_UTS, WL_NS_MNT, WL_NS_USER, -1 };

struct pent {
	int pid;
	unsigned long long mnt, pidns;
};

struct group {
	struct pent *p; /* into the sorted process array */
	size_t n;
};

/* a mount of PID 1, to turn a container mount's (device, root) into a host path */
struct hmount {
	char *dev, *root, *point;
};

struct scan {
	const struct proc_scan_opts *o;
	struct workload *w;
	unsigned long long host_ns[PNS_N];
	unsigned long long host_bnd; /* PID 1's bounding set: "all capabilities" on this host */
	struct hmount *hm;
	size_t n_hm, cap_hm;
};

/* "pid:[4026531836]" -> 4026531836; 0 when unreadable */
static unsigned long long ns_inode_of(int pfd, const char *who, const char *ns)
{
	char p[64], buf[128];
	snprintf(p, sizeof(p), "%s/ns/%s", who, ns);
	ssize_t n = readlinkat(pfd, p, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	const char *b = strchr(buf, '[');
	return b ? strtoull(b + 1, NULL, 10) : 0;
}

static unsigned long long ns_inode(int pfd, int pid, const char *ns)
{
	char who[24];
	snprintf(who, sizeof(who), "%d", pid);
	return ns_inode_of(pfd, who, ns);
}

static char *read_pid_file(int pfd, int pid, const char *name, size_t *len)
{
	char p[64];
	char *text = NULL;
	size_t l = 0;
	snprintf(p, sizeof(p), "%d/%s", pid, name);
	if (read_file_at(pfd, p, PROC_FILE_MAX, &text, &l) < 0)
		return NULL;
	if (len)
		*len = l;
	return text;
}

/* The value of a "Key:\tvalue" line of /proc/PID/status, or NULL. */
static const char *status_field(const char *st, const char *key)
{
	size_t n = strlen(key);
	for (const char *p = st; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, key, n) == 0 && p[n] == ':') {
			p += n + 1;
			while (*p == ' ' || *p == '\t')
				p++;
			return p;
		}
	return NULL;
}

static unsigned long long status_hex(const char *st, const char *key, bool *found)
{
	const char *v = status_field(st, key);
	if (found)
		*found = v != NULL;
	return v ? strtoull(v, NULL, 16) : 0;
}

/* the last number of the NSpid line: the pid inside the innermost namespace */
static long nspid_inner(const char *st)
{
	const char *v = status_field(st, "NSpid");
	long last = -1;
	while (v && *v && *v != '\n') {
		char *end;
		long x = strtol(v, &end, 10);
		if (end == v)
			break;
		last = x;
		v = end;
		while (*v == ' ' || *v == '\t')
			v++;
	}
	return last;
}

static int cmp_pent(const void *x, const void *y)
{
	const struct pent *a = x, *b = y;
	if (a->mnt != b->mnt)
		return a->mnt < b->mnt ? -1 : 1;
	if (a->pidns != b->pidns)
		return a->pidns < b->pidns ? -1 : 1;
	return (a->pid > b->pid) - (a->pid < b->pid);
}

static int cmp_group(const void *x, const void *y)
{
	const struct group *a = x, *b = y;
	return (a->p[0].pid > b->p[0].pid) - (a->p[0].pid < b->p[0].pid);
}

/* ---- naming: engine and ID from the cgroup path --------------------------- */

static bool is_hex_id(const char *s, size_t n)
{
	if (n < 12)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* component `c` (length n) is PREFIX<id>SUFFIX: the id, else NULL */
static const char *wrapped(const char *c, size_t n, const char *prefix, const char *suffix, size_t *idn)
{
	size_t a = strlen(prefix), b = strlen(suffix);
	if (n <= a + b || strncmp(c, prefix, a) != 0 || strncmp(c + n - b, suffix, b) != 0)
		return NULL;
	*idn = n - a - b;
	return c + a;
}

static void set_id(struct proc_cg_name *nm, const char *engine, const char *id, size_t n)
{
	nm->engine = engine;
	snprintf(nm->id, sizeof(nm->id), "%.*s", (int)n, id);
}

/*
 * Engine and ID from a cgroup path (docs/scan.md lists the patterns).  The
 * innermost component that names a container wins; Kubernetes is recognised
 * by a kubepods ancestor, its pod by a pod<UID> component.
 */
void proc_cgroup_name(const char *path, int state_fd, struct proc_cg_name *nm)
{
	nm->engine = "unknown";
	nm->id[0] = nm->pod[0] = '\0';
	const char *comp[64];
	size_t len[64], n = 0;
	for (const char *p = path; *p && n < 64;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *e = strchr(p, '/');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		comp[n] = p;
		len[n++] = l;
		p += l;
	}
	bool kube = strstr(path, "kubepods") != NULL;
	for (size_t i = 0; i < n; i++) {
		const char *c = comp[i];
		size_t l = len[i];
		if (kube && l > 3 && !strncmp(c, "pod", 3))
			snprintf(nm->pod, sizeof(nm->pod), "%.*s", (int)(l - 3), c + 3);
		const char *s;
		if (kube && l > 9 && (s = strstr(c, "-pod")) && s < c + l && !strncmp(c + l - 6, ".slice", 6))
			snprintf(nm->pod, sizeof(nm->pod), "%.*s", (int)(c + l - 6 - (s + 4)), s + 4);
	}
	for (size_t j = n; j-- > 0;) {
		const char *c = comp[j], *id;
		size_t l = len[j], idn;
		const char *parent = j ? comp[j - 1] : "";
		size_t pl = j ? len[j - 1] : 0;
		if ((id = wrapped(c, l, "docker-", ".scope", &idn)) && is_hex_id(id, idn)) {
			set_id(nm, kube ? "kubernetes" : "docker", id, idn);
			return;
		}
		if ((id = wrapped(c, l, "libpod-", ".scope", &idn)) && strncmp(id, "conmon-", 7) != 0) {
			set_id(nm, "podman", id, idn);
			return;
		}
		if ((id = wrapped(c, l, "cri-containerd-", ".scope", &idn)) || (id = wrapped(c, l, "crio-", ".scope", &idn))) {
			set_id(nm, kube ? "kubernetes" : "containerd", id, idn);
			return;
		}
		if (l > 7 && !strncmp(c, "libpod-", 7) && strncmp(c, "libpod-conmon-", 14) != 0 && is_hex_id(c + 7, l - 7)) {
			set_id(nm, "podman", c + 7, l - 7);
			return;
		}
		if (l > 12 && !strncmp(c, "lxc.payload.", 12)) {
			set_id(nm, "lxc", c + 12, l - 12);
			return;
		}
		if (pl == 3 && !strncmp(parent, "lxc", 3)) {
			set_id(nm, "lxc", c, l);
			return;
		}
		if (pl == 6 && !strncmp(parent, "docker", 6) && is_hex_id(c, l)) {
			set_id(nm, "docker", c, l);
			return;
		}
		if (pl == 8 && !strncmp(parent, "stockade", 8)) {
			set_id(nm, "stockade", c, l);
			return;
		}
		if (kube && nm->pod[0] && j > 0 && pl > 3 && !strncmp(parent, "pod", 3)) {
			set_id(nm, "kubernetes", c, l);
			return;
		}
	}
	if (n == 0)
		return;
	/* a stockade container with its own cgroupsPath: the last component names a state directory */
	const char *last = comp[n - 1];
	size_t ll = len[n - 1];
	char id[256];
	snprintf(id, sizeof(id), "%.*s", (int)ll, last);
	if (state_fd >= 0 && ll < sizeof(id) && ctr_id_valid(id) == 0 && faccessat(state_fd, id, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		set_id(nm, "stockade", last, ll);
		return;
	}
	/* containerd without Kubernetes: /<namespace>/<id> */
	if (n == 2 && !kube && (!strncmp(comp[0], "default", len[0]) || !strncmp(comp[0], "moby", len[0]) ||
				 !strncmp(comp[0], "k8s.io", len[0]))) {
		set_id(nm, "containerd", last, ll);
		return;
	}
}

/* ---- cgroup file: paths per hierarchy ------------------------------------- */

struct cgpaths {
	char *v2;             /* "0::/path" */
	char *mem, *pids, *cpu; /* v1 paths */
	char *cpu_dir;        /* v1 controller directory ("cpu,cpuacct") */
	char *any;            /* the first non-root path (for naming) */
};

static void parse_cgroup(struct workload *w, char *text, struct cgpaths *cg)
{
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		const char *ctrl = c1 + 1, *path = c2 + 1;
		if (path[0] != '/')
			continue;
		if (!cg->any && strcmp(path, "/") != 0)
			cg->any = wl_strdup(w, path);
		if (!*ctrl && !strncmp(line, "0:", 2)) {
			cg->v2 = wl_strdup(w, path);
			continue;
		}
		char list[128];
		snprintf(list, sizeof(list), ",%s,", ctrl);
		if (strstr(list, ",memory,"))
			cg->mem = wl_strdup(w, path);
		if (strstr(list, ",pids,"))
			cg->pids = wl_strdup(w, path);
		if (strstr(list, ",cpu,")) {
			cg->cpu = wl_strdup(w, path);
			cg->cpu_dir = wl_strdup(w, ctrl);
		}
	}
}

enum limit_kind { LIM_MEM, LIM_PIDS, LIM_CPU };

/* Is the knob's value a limit?  NULL text: unreadable. */
static bool knob_limits(enum limit_kind k, bool v1, const char *v)
{
	while (*v == ' ')
		v++;
	if (!strncmp(v, "max", 3))
		return false;
	if (k == LIM_CPU && v1)
		return strtoll(v, NULL, 10) > 0; /* cfs_quota_us: -1 is none */
	if (k == LIM_MEM && v1)
		return strtoull(v, NULL, 10) < (1ULL << 60); /* "unlimited" is PAGE_COUNTER_MAX pages */
	return isdigit((unsigned char)*v);
}

/*
 * The container's limit: its own cgroup or any ancestor below the root sets
 * one (a Kubernetes pod or a parent slice may hold it).  `dir` is
 * "fs/cgroup" (v2) or "fs/cgroup/<controllers>" (v1).
 */
static void read_limit(struct scan *s, struct wl_flag *f, enum limit_kind k, bool v1, const char *dir, const char *cg,
		       const char *knob)
{
	/* the kernel writes no ".." into /proc/PID/cgroup; a recorded tree might: never leave the sys root */
	if (s->o->sys_fd < 0 || !cg || strstr(cg, "/..") || strstr(dir, ".."))
		return;
	char path[4096];
	snprintf(path, sizeof(path), "%s", cg);
	for (;;) {
		size_t n = strlen(path);
		while (n > 1 && path[n - 1] == '/')
			path[--n] = '\0';
		if (n <= 1)
			break;
		char rel[4200], buf[128];
		snprintf(rel, sizeof(rel), "%s%s/%s", dir, path, knob);
		if (read_small_at(s->o->sys_fd, rel, buf, sizeof(buf)) >= 0) {
			bool lim = knob_limits(k, v1, buf);
			if (f->v == WL_UNSET || lim) {
				f->v = lim ? WL_YES : WL_NO;
				f->at = wl_at(s->w, 0, 0, "%s/%s", s->o->sys_dir ? s->o->sys_dir : "/sys", rel);
			}
			if (lim)
				return;
		}
		char *slash = strrchr(path, '/');
		if (!slash || slash == path)
			break;
		*slash = '\0';
	}
}

static void read_limits(struct scan *s, struct wl_container *c, const struct cgpaths *cg)
{
	if (cg->mem || cg->pids || cg->cpu) {
		read_limit(s, &c->mem_limit, LIM_MEM, true, "fs/cgroup/memory", cg->mem, "memory.limit_in_bytes");
		read_limit(s, &c->pids_limit, LIM_PIDS, true, "fs/cgroup/pids", cg->pids, "pids.max");
		if (cg->cpu) {
			char dir[256];
			snprintf(dir, sizeof(dir), "fs/cgroup/%s", cg->cpu_dir);
			read_limit(s, &c->cpu_limit, LIM_CPU, true, dir, cg->cpu, "cpu.cfs_quota_us");
		}
		return;
	}
	read_limit(s, &c->mem_limit, LIM_MEM, false, "fs/cgroup", cg->v2, "memory.max");
	read_limit(s, &c->pids_limit, LIM_PIDS, false, "fs/cgroup", cg->v2, "pids.max");
	read_limit(s, &c->cpu_limit, LIM_CPU, false, "fs/cgroup", cg->v2, "cpu.max");
}

/* ---- mountinfo ------------------------------------------------------------------ */

struct mnt {
	char *dev, *root, *point, *opts, *fstype, *source;
};

/* mountinfo escapes space, tab, newline and backslash as \ooo */
static void unescape(char *s)
{
	char *d = s;
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
}

/* Split one mountinfo line in place; false for a line that is not one. */
static bool parse_mnt(char *line, struct mnt *m)
{
	char *f[64];
	size_t n = 0;
	for (char *save = NULL, *t = strtok_r(line, " ", &save); t && n < 64; t = strtok_r(NULL, " ", &save))
		f[n++] = t;
	if (n < 10)
		return false;
	size_t dash = 6;
	while (dash < n && strcmp(f[dash], "-") != 0)
		dash++;
	if (dash + 3 > n)
		return false;
	*m = (struct mnt){ f[2], f[3], f[4], f[5], f[dash + 1], f[dash + 2] };
	unescape(m->root);
	unescape(m->point);
	unescape(m->source);
	return true;
}

static bool has_opt(const char *opts, const char *o)
{
	size_t n = strlen(o);
	for (const char *p = opts; p; p = strchr(p, ','), p = p ? p + 1 : NULL)
		if (!strncmp(p, o, n) && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

static bool path_under(const char *p, const char *dir)
{
	size_t n = strlen(dir);
	return !strncmp(p, dir, n) && (p[n] == '/' || p[n] == '\0');
}

static void load_mounts_of(struct scan *s, const char *who)
{
	char p[32];
	_cleanup_free_ char *text = NULL;
	size_t len;
	snprintf(p, sizeof(p), "%s/mountinfo", who);
	if (read_file_at(s->o->proc_fd, p, PROC_FILE_MAX, &text, &len) < 0)
		return;
	if (!text)
		return;
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct mnt m;
		if (!parse_mnt(line, &m))
			continue;
		if (s->n_hm == s->cap_hm) {
			size_t cap = s->cap_hm = s->cap_hm ? s->cap_hm * 2 : 32;
			struct hmount *nv = arena_calloc(&s->w->arena, cap, sizeof(*nv));
			if (s->n_hm)
				memcpy(nv, s->hm, s->n_hm * sizeof(*nv));
			s->hm = nv;
		}
		s->hm[s->n_hm++] = (struct hmount){ wl_strdup(s->w, m.dev), wl_strdup(s->w, m.root), wl_strdup(s->w, m.point) };
	}
}

/* The host path a container mount shows, through PID 1's mount of the same
 * device whose root is the longest prefix of it; NULL when not from the host. */
static const char *host_path(struct scan *s, const struct mnt *m)
{
	const struct hmount *best = NULL;
	for (size_t i = 0; i < s->n_hm; i++) {
		const struct hmount *h = &s->hm[i];
		if (strcmp(h->dev, m->dev) != 0)
			continue;
		if (!(strcmp(h->root, "/") == 0 || path_under(m->root, h->root)))
			continue;
		if (!best || strlen(h->root) > strlen(best->root)) /* ties: PID 1's, listed first */
			best = h;
	}
	if (!best)
		return NULL;
	const char *rest = strcmp(best->root, "/") == 0 ? m->root : m->root + strlen(best->root);
	if (strcmp(best->point, "/") == 0)
		return wl_strdup(s->w, *rest ? rest : "/");
	if (!*rest || strcmp(rest, "/") == 0)
		return wl_strdup(s->w, best->point);
	return arena_printf(&s->w->arena, "%s%s", best->point, rest[0] == '/' ? rest : "/");
}

static bool pseudo_fs(const char *t)
{
	static const char *const v[] = { "proc", "sysfs", "cgroup", "cgroup2", "devpts", "mqueue", "securityfs", "debugfs",
		"tracefs", "bpf", "fusectl", "configfs", "pstore", "hugetlbfs", "binfmt_misc", "nsfs", "autofs", "efivarfs",
		"selinuxfs", "rpc_pipefs" };
	for (size_t i = 0; i < ARRAY_SIZE(v); i++)
		if (!strcmp(t, v[i]))
			return true;
	return false;
}

static bool default_device(const char *p)
{
	static const char *const d[] = { "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty",
		"/dev/console", "/dev/ptmx", "/dev/pts", "/dev/shm", "/dev/mqueue" };
	for (size_t i = 0; i < ARRAY_SIZE(d); i++)
		if (path_under(p, d[i]))
			return true;
	return false;
}

static const char *const masked_proc[] = { "/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug",
	"/proc/latency_stats", "/proc/acpi", "/proc/scsi" };

static void container_mount(struct scan *s, struct wl_container *c, int pid, const struct mnt *m, bool *proc, bool *masked)
{
	struct workload *w = s->w;
	struct wl_loc at = wl_at(w, 0, 0, "pid %d mountinfo %s", pid, m->point);
	at.file = NULL;
	if (!strcmp(m->point, "/")) {
		c->read_only_root.v = has_opt(m->opts, "ro") ? WL_YES : WL_NO;
		c->read_only_root.at = at;
		return;
	}
	if (!strcmp(m->point, "/proc") && !strcmp(m->fstype, "proc"))
		*proc = true;
	for (size_t i = 0; i < ARRAY_SIZE(masked_proc); i++)
		if (!strcmp(m->point, masked_proc[i]))
			*masked = true;
	if (pseudo_fs(m->fstype) || path_under(m->point, "/proc") || path_under(m->point, "/sys"))
		return;
	const char *src = host_path(s, m);
	if (src) {
		if (path_under(m->point, "/dev") && (path_under(src, "/dev") || !strcmp(m->fstype, "devtmpfs"))) {
			if (!default_device(m->point)) {
				struct wl_device *d = WL_PUSH(w, c->devices, c->n_devices);
				d->path = src;
				d->at = at;
			}
			return;
		}
		struct wl_mount *x = WL_PUSH(w, c->mounts, c->n_mounts);
		x->type = fe_named_volume(src) ? WL_MNT_VOLUME : WL_MNT_BIND;
		x->source = src;
		x->destination = wl_strdup(w, m->point);
		x->read_only = has_opt(m->opts, "ro");
		x->noexec = has_opt(m->opts, "noexec");
		x->nosuid = has_opt(m->opts, "nosuid");
		x->nodev = has_opt(m->opts, "nodev");
		x->engine_managed = fe_engine_file(src);
		x->at = at;
		return;
	}
	if (!strcmp(m->fstype, "tmpfs") && !path_under(m->point, "/dev")) {
		struct wl_mount *x = WL_PUSH(w, c->mounts, c->n_mounts);
		x->type = WL_MNT_TMPFS;
		x->destination = wl_strdup(w, m->point);
		x->read_only = has_opt(m->opts, "ro");
		x->noexec = has_opt(m->opts, "noexec");
		x->nosuid = has_opt(m->opts, "nosuid");
		x->nodev = has_opt(m->opts, "nodev");
		x->at = at;
	}
}

static void read_mounts(struct scan *s, struct wl_container *c, int pid)
{
	_cleanup_free_ char *text = read_pid_file(s->o->proc_fd, pid, "mountinfo", NULL);
	if (!text)
		return;
	bool proc = false, masked = false;
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct mnt m;
		if (parse_mnt(line, &m))
			container_mount(s, c, pid, &m, &proc, &masked);
	}
	if (proc) {
		c->proc_unmasked.v = masked ? WL_NO : WL_YES;
		c->proc_unmasked.at = wl_at(s->w, 0, 0, "pid %d mountinfo /proc", pid);
		c->proc_unmasked.at.file = NULL;
	}
}

/* ---- identity, privileges, environment ------------------------------------------- */

static const char *annotation(json_object *ann, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(ann, key, &v) && json_object_is_type(v, json_type_string) ? json_object_get_string(v)
												       : NULL;
}

bool proc_cri_name(int run_fd, const char *id, char *out, size_t n)
{
	static const struct {
		const char *dir, *file, *ns, *pod, *ctr;
	} where[] = {
		{ "containerd/io.containerd.runtime.v2.task/k8s.io", "config.json", "io.kubernetes.cri.sandbox-namespace",
			"io.kubernetes.cri.sandbox-name", "io.kubernetes.cri.container-name" },
		{ "containers/storage/overlay-containers", "userdata/config.json", "io.kubernetes.pod.namespace",
			"io.kubernetes.pod.name", "io.kubernetes.container.name" },
	};
	if (run_fd < 0 || !id || !*id)
		return false;
	/* the ID comes from a cgroup path: only a plain name may become a path component */
	for (const char *c = id; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_')
			return false;
	for (size_t i = 0; i < ARRAY_SIZE(where); i++) {
		char path[512];
		snprintf(path, sizeof(path), "%s/%s/%s", where[i].dir, id, where[i].file);
		_cleanup_free_ char *text = NULL;
		size_t len;
		if (read_file_at(run_fd, path, 1 << 20, &text, &len) < 0)
			continue;
		json_object *root = json_tokener_parse(text), *ann;
		bool ok = false;
		if (root && json_object_object_get_ex(root, "annotations", &ann)) {
			const char *ns = annotation(ann, where[i].ns), *pod = annotation(ann, where[i].pod);
			const char *ctr = annotation(ann, where[i].ctr);
			if (ns && pod) {
				if (ctr && *ctr)
					snprintf(out, n, "%s/%s/%s", ns, pod, ctr);
				else
					snprintf(out, n, "%s/%s", ns, pod);
				ok = true;
			}
		}
		json_object_put(root);
		if (ok)
			return true;
	}
	return false;
}

static struct wl_loc at_pid(struct scan *s, int pid, const char *what)
{
	/* the file is the proc root; the path says which process and field: "pid 1234 status CapEff" */
	struct wl_loc l = wl_at(s->w, 0, 0, "pid %d %s", pid, what);
	l.file = NULL;
	return l;
}

/* host uid of `uid` through /proc/PID/uid_map; -1 when unmapped */
static long map_uid(struct scan *s, int pid, long uid)
{
	_cleanup_free_ char *map = read_pid_file(s->o->proc_fd, pid, "uid_map", NULL);
	if (!map)
		return uid;
	for (char *save = NULL, *line = strtok_r(map, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long in, out, n;
		if (sscanf(line, "%llu %llu %llu", &in, &out, &n) == 3 && (unsigned long long)uid >= in &&
		    (unsigned long long)uid - in < n)
			return (long)(out + ((unsigned long long)uid - in));
	}
	return -1;
}

static void read_status(struct scan *s, struct wl_container *c, int pid, const char *st, const unsigned long long *ns)
{
	struct workload *w = s->w;
	const char *uid = status_field(st, "Uid");
	if (uid) {
		long real = strtol(uid, (char **)&uid, 10), eff = strtol(uid, NULL, 10);
		(void)real;
		c->user.set = WL_YES;
		c->user.uid = eff;
		c->user.at = at_pid(s, pid, "status Uid");
		if (ns[PNS_USER] && ns[PNS_USER] != s->host_ns[PNS_USER]) {
			long host = map_uid(s, pid, eff);
			if (eff == 0 && host != 0)
				c->user.userns_unprivileged = true;
			else if (host == 0)
				c->user.uid = 0; /* a non-zero uid inside that is root on the host */
			c->user.at = at_pid(s, pid, "uid_map");
		}
	}
	bool have_eff, have_prm, have_bnd;
	unsigned long long eff = status_hex(st, "CapEff", &have_eff), prm = status_hex(st, "CapPrm", &have_prm);
	unsigned long long bnd = status_hex(st, "CapBnd", &have_bnd), all = eff | prm | bnd;
	if (have_eff || have_prm || have_bnd) {
		c->caps.explicit_set = true;
		c->caps.drop_all.v = WL_YES;
		c->caps.at = at_pid(s, pid, "status CapBnd");
		c->caps.drop_all.at = c->caps.at;
		struct wl_loc at_eff = at_pid(s, pid, "status CapEff"), at_prm = at_pid(s, pid, "status CapPrm");
		for (int i = 0; i <= cap_last_known() && i < 64; i++) {
			if (!(all & (1ULL << i)))
				continue;
			struct wl_cap *x = WL_PUSH(w, c->caps.add, c->caps.n_add);
			x->cap = i;
			x->name = cap_to_name(i) + 4;
			x->at = (eff & (1ULL << i)) ? at_eff : (prm & (1ULL << i)) ? at_prm : c->caps.at;
		}
	}
	const char *nnp = status_field(st, "NoNewPrivs");
	if (nnp) {
		c->no_new_privs.v = *nnp == '1' ? WL_YES : WL_NO;
		c->no_new_privs.at = at_pid(s, pid, "status NoNewPrivs");
	}
	const char *sc = status_field(st, "Seccomp");
	c->seccomp = !sc ? WL_SECCOMP_NONE : *sc == '0' ? WL_SECCOMP_UNCONFINED : WL_SECCOMP_PROFILE;
	c->seccomp_at = at_pid(s, pid, "status Seccomp");
	if (have_eff && s->host_bnd && (eff & s->host_bnd) == s->host_bnd && sc && *sc == '0') {
		c->privileged.v = WL_YES;
		c->privileged.at = at_pid(s, pid, "status CapEff");
	}
}

static void read_env(struct scan *s, struct wl_container *c, int pid)
{
	size_t len = 0;
	_cleanup_free_ char *env = read_pid_file(s->o->proc_fd, pid, "environ", &len);
	if (!env)
		return;
	for (size_t off = 0; off < len;) {
		const char *e = env + off;
		size_t n = strnlen(e, len - off);
		off += n + 1;
		const char *eq = memchr(e, '=', n);
		if (!eq || eq == e)
			continue;
		struct wl_env *v = WL_PUSH(s->w, c->env, c->n_env);
		v->name = arena_strndup(&s->w->arena, e, (size_t)(eq - e));
		v->value = arena_strndup(&s->w->arena, eq + 1, n - (size_t)(eq - e) - 1);
		v->at = wl_at(s->w, 0, 0, "pid %d environ %s", pid, v->name);
		v->at.file = NULL;
	}
}

/* ---- containers ------------------------------------------------------------------- */

static bool matches_filter(const char *filter, const char *id, const char *name)
{
	if (!filter)
		return true;
	size_t n = strlen(filter);
	return (id && !strncmp(id, filter, n)) || (name && !strcmp(name, filter)) || (name && !strncmp(name, filter, n));
}

/* The init: the process that is pid 1 in its namespace, else the lowest pid. */
static int group_init(struct scan *s, const struct group *g, char **status)
{
	for (size_t i = 0; i < g->n; i++) {
		char *st = read_pid_file(s->o->proc_fd, g->p[i].pid, "status", NULL);
		if (st && nspid_inner(st) == 1) {
			*status = st;
			return g->p[i].pid;
		}
		if (i == 0 && st && g->p[0].pidns == s->host_ns[PNS_PID]) {
			*status = st; /* the host's pid namespace: no process is pid 1 in it */
			return g->p[0].pid;
		}
		free(st);
	}
	*status = read_pid_file(s->o->proc_fd, g->p[0].pid, "status", NULL);
	return g->p[0].pid;
}

static void scan_group(struct scan *s, const struct group *g, struct proc_container_info *info)
{
	struct workload *w = s->w;
	int pfd = s->o->proc_fd;
	_cleanup_free_ char *cgtext = read_pid_file(pfd, g->p[0].pid, "cgroup", NULL);
	struct cgpaths cg = { 0 };
	struct proc_cg_name nm = { .engine = "unknown" };
	if (cgtext) {
		parse_cgroup(w, cgtext, &cg);
		const char *p = cg.v2 && strcmp(cg.v2, "/") != 0 ? cg.v2 : cg.any;
		if (p)
			proc_cgroup_name(p, s->o->state_fd, &nm);
	}
	/* the host's pid namespace with a private mount namespace and no engine in
	 * the cgroup: a service's sandbox (systemd PrivateTmp), not a container */
	if (g->p[0].pidns == s->host_ns[PNS_PID] && !strcmp(nm.engine, "unknown"))
		return;
	char shortid[16];
	const char *name;
	if (nm.id[0] && is_hex_id(nm.id, strlen(nm.id)) && strlen(nm.id) == 64) {
		snprintf(shortid, sizeof(shortid), "%.12s", nm.id);
		name = shortid;
	} else {
		name = nm.id[0] ? nm.id : NULL;
	}
	_cleanup_free_ char *st = NULL;
	int init = group_init(s, g, &st);
	char anon[32];
	if (!name) {
		snprintf(anon, sizeof(anon), "pid-%d", init);
		name = anon;
	}
	/* a Kubernetes container is named by its namespace, pod and container when the CRI state says */
	char cri[512];
	if (!strcmp(nm.engine, "kubernetes") && proc_cri_name(s->o->run_fd, nm.id, cri, sizeof(cri)))
		name = cri;
	if (!matches_filter(s->o->filter, nm.id[0] ? nm.id : NULL, name))
		return;
	struct wl_container *c = wl_add_container(w, name, at_pid(s, init, "status"));
	c->kind = wl_strdup(w, nm.engine);
	struct proc_container_info *in = &info[w->n_containers - 1];
	in->engine = c->kind;
	in->id = nm.id[0] ? wl_strdup(w, nm.id) : NULL;
	in->pod = nm.pod[0] ? wl_strdup(w, nm.pod) : NULL;
	in->init_pid = init;
	in->n_procs = g->n;

	unsigned long long ns[PNS_N];
	for (int i = 0; i < PNS_N; i++) {
		ns[i] = ns_inode(pfd, init, ns_files[i]);
		int k = ns_wl[i];
		if (k < 0 || k == WL_NS_USER || !ns[i] || !s->host_ns[i])
			continue;
		c->host_ns[k].v = ns[i] == s->host_ns[i] ? WL_YES : WL_NO;
		c->host_ns[k].at = at_pid(s, init, arena_printf(&w->arena, "ns/%s", ns_files[i]));
	}
	if (st)
		read_status(s, c, init, st, ns);
	else
		wl_parse_error(w, c->at, "cannot read %s/%d/status", s->o->proc_dir, init);
	read_mounts(s, c, init);
	read_env(s, c, init);
	read_limits(s, c, &cg);
}

static int list_processes(struct scan *s, struct pent **out, size_t *n_out)
{
	DIR *d = opendir_at(s->o->proc_fd, ".");
	if (!d)
		return err_sys(errno, "cannot list %s", s->o->proc_dir);
	struct pent *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 1 || pid > 1L << 30)
			continue;
		unsigned long long mnt = ns_inode(s->o->proc_fd, (int)pid, "mnt");
		unsigned long long pidns = ns_inode(s->o->proc_fd, (int)pid, "pid");
		if (!mnt || !pidns || (mnt == s->host_ns[PNS_MNT] && pidns == s->host_ns[PNS_PID]))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			struct pent *nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				abort();
			v = nv;
		}
		v[n++] = (struct pent){ (int)pid, mnt, pidns };
	}
	closedir(d);
	*out = v;
	*n_out = n;
	return 0;
}

int fe_proc_scan(const struct proc_scan_opts *o, struct workload **out, struct proc_container_info **info)
{
	*out = NULL;
	*info = NULL;
	struct scan s = { .o = o };
	/* The host's namespaces are PID 1's.  When PID 1 cannot be read (a
	 * sandbox that forbids ptrace access to it), the scanner's own stand in:
	 * it runs in the host's namespaces when it can see the containers at all. */
	const char *ref = "1";
	for (int pass = 0; pass < 2; pass++, ref = "self") {
		for (int i = 0; i < PNS_N; i++)
			s.host_ns[i] = ns_inode_of(o->proc_fd, ref, ns_files[i]);
		if (s.host_ns[PNS_MNT] && s.host_ns[PNS_PID])
			break;
	}
	if (!s.host_ns[PNS_MNT] || !s.host_ns[PNS_PID])
		return err_set(EACCES, "cannot read the namespaces of PID 1 under %s (scan needs root)", o->proc_dir);
	s.w = workload_new(WL_PROC, o->proc_dir);
	char stp[32];
	snprintf(stp, sizeof(stp), "%s/status", ref);
	_cleanup_free_ char *st1 = NULL;
	size_t st1_len;
	if (read_file_at(o->proc_fd, stp, PROC_FILE_MAX, &st1, &st1_len) < 0)
		st1 = NULL;
	if (st1)
		s.host_bnd = status_hex(st1, "CapBnd", NULL);
	/* PID 1's mounts name host paths; the scanner's own fill in when it runs in
	 * another mount namespace (a bind from a mount PID 1 does not see) */
	load_mounts_of(&s, "1");
	load_mounts_of(&s, "self");

	struct pent *p = NULL;
	size_t n = 0;
	int r = list_processes(&s, &p, &n);
	if (r < 0) {
		workload_free(s.w);
		return r;
	}
	qsort(p, n, sizeof(*p), cmp_pent);
	struct group *g = calloc(n + 1, sizeof(*g));
	size_t ng = 0;
	if (!g)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (ng && g[ng - 1].p[0].mnt == p[i].mnt && g[ng - 1].p[0].pidns == p[i].pidns)
			g[ng - 1].n++;
		else
			g[ng++] = (struct group){ &p[i], 1 };
	}
	qsort(g, ng, sizeof(*g), cmp_group);
	*info = arena_calloc(&s.w->arena, ng + 1, sizeof(**info));
	for (size_t i = 0; i < ng; i++)
		scan_group(&s, &g[i], *info);
	free(g);
	free(p);
	*out = s.w;
	return strcmp(ref, "1") == 0 ? 0 : 1;
}
