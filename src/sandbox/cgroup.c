/*
 * cgroups for one container on v1, v2 and hybrid hosts (see cgroup.h).
 *
 * The hierarchies come from /proc/self/mountinfo (type cgroup / cgroup2,
 * mounted at /sys/fs/cgroup or directly below it) and the runtime's own
 * place in each from /proc/self/cgroup.  Every file below the cgroup root
 * is opened without following symlinks.
 *
 * Resource fields follow runc's reading of the spec: 0 for a memory limit,
 * reservation or swap, for CPU shares, quota and period means "not set";
 * -1 means "no limit".  A field that limits something on a host without
 * the controller is an error naming the field; -1 is quietly skipped.
 */
#include "sandbox/cgroup.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>

#include "sandbox/cgroup_internal.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/macros.h"
#include "util/path.h"

#define MAX_HIERS 32
#define KNOB_MAX (8u << 20)

static const char *const mode_names[] = { "v1", "hybrid", "v2" };

/* ---- small helpers ------------------------------------------------------ */

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static bool opt_set(int64_t v)
{
	return v != OPT_UNSET;
}

/* runc's reading: 0 is "unset" for these */
static bool opt_nz(int64_t v)
{
	return v != OPT_UNSET && v != 0;
}

/* Is `word` one of the comma-separated items of `list`? */
static bool list_has(const char *list, const char *word)
{
	size_t wl = strlen(word);
	for (const char *p = list; p && *p;) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == wl && strncmp(p, word, wl) == 0)
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

/* Is `word` one of the whitespace-separated items of `list`? (cgroup.controllers) */
static bool words_have(const char *list, const char *word)
{
	size_t wl = strlen(word);
	for (const char *p = list; p && *p;) {
		while (*p && isspace((unsigned char)*p))
			p++;
		const char *s = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		if ((size_t)(p - s) == wl && wl && strncmp(s, word, wl) == 0)
			return true;
	}
	return false;
}

static void chomp(char *s)
{
	size_t l = strlen(s);
	while (l > 0 && (s[l - 1] == '\n' || s[l - 1] == ' '))
		s[--l] = '\0';
}

int cg_open_dir(const char *path)
{
	return openat2_fd(AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0,
			  RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
}

int cg_write_at(int dirfd, const char *file, const char *val)
{
	_cleanup_close_ int fd = openat(dirfd, file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return -errno;
	size_t len = strlen(val);
	ssize_t w;
	do
		w = write(fd, val, len);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return -errno;
	if ((size_t)w != len)
		return -EIO;
	return 0;
}

int cg_read_at(int dirfd, const char *file, char **out)
{
	_cleanup_close_ int fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return -errno;
	return read_fd_all(fd, KNOB_MAX, out, NULL);
}

static bool file_exists_at(int dirfd, const char *file)
{
	return faccessat(dirfd, file, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

static int read_u64_at(int dirfd, const char *file, unsigned long long *v)
{
	char *s = NULL;
	int r = cg_read_at(dirfd, file, &s);
	if (r < 0)
		return r;
	chomp(s);
	if (STREQ(s, "max"))
		*v = UINT64_MAX;
	else
		r = parse_u64(s, v);
	free(s);
	return r;
}

/* ---- mount table and /proc/self/cgroup ---------------------------------- */

struct mnt {
	char *root, *mountpoint, *superopts;
	unsigned dev_major, dev_minor;
	bool v2;
};

struct selfcg {
	char *ctrls; /* "cpu,cpuacct", "name=systemd", "" for the unified line */
	char *path;
};

/* mountinfo escapes space, tab, newline and backslash as \ooo */
static void unescape(char *s)
{
	char *o = s;
	for (char *p = s; *p; p++) {
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' && p[3] >= '0' && p[3] <= '7') {
			*o++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
			p += 3;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
}

static void mnts_free(struct mnt *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(m[i].root);
		free(m[i].mountpoint);
		free(m[i].superopts);
	}
	free(m);
}

static void selfcg_free(struct selfcg *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(s[i].ctrls);
		free(s[i].path);
	}
	free(s);
}

/* The cgroup and cgroup2 mounts, in mount order. */
static int read_mounts(struct mnt **out, size_t *nout)
{
	_cleanup_free_ char *buf = NULL;
	struct mnt *m = NULL;
	size_t n = 0;
	int r = read_file_at(AT_FDCWD, "/proc/self/mountinfo", 64u << 20, &buf, NULL);
	if (r < 0)
		return err_sys(r, "cannot read /proc/self/mountinfo");

	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		/* 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue */
		char *sep = strstr(line, " - ");
		if (!sep)
			continue;
		*sep = '\0';
		char *tail = sep + 3, *s2 = NULL;
		char *fstype = strtok_r(tail, " ", &s2);
		char *source = strtok_r(NULL, " ", &s2);
		char *superopts = strtok_r(NULL, " ", &s2);
		if (!fstype || !source || !superopts)
			continue;
		bool v2 = STREQ(fstype, "cgroup2");
		if (!v2 && !STREQ(fstype, "cgroup"))
			continue;
		char *s1 = NULL;
		char *f[5];
		f[0] = strtok_r(line, " ", &s1);
		for (int i = 1; i < 5; i++)
			f[i] = f[i - 1] ? strtok_r(NULL, " ", &s1) : NULL;
		if (!f[4])
			continue;
		unsigned maj, min;
		if (sscanf(f[2], "%u:%u", &maj, &min) != 2)
			continue;
		if (n == MAX_HIERS * 4)
			break;
		struct mnt *nm = realloc(m, (n + 1) * sizeof(*m));
		if (!nm) {
			mnts_free(m, n);
			return err_sys(ENOMEM, "mountinfo");
		}
		m = nm;
		unescape(f[3]);
		unescape(f[4]);
		m[n] = (struct mnt){ .root = strdup(f[3]), .mountpoint = strdup(f[4]), .superopts = strdup(superopts),
				     .dev_major = maj, .dev_minor = min, .v2 = v2 };
		n++;
		if (!m[n - 1].root || !m[n - 1].mountpoint || !m[n - 1].superopts) {
			mnts_free(m, n);
			return err_sys(ENOMEM, "mountinfo");
		}
	}
	*out = m;
	*nout = n;
	return 0;
}

static int read_self_cgroup(struct selfcg **out, size_t *nout)
{
	_cleanup_free_ char *buf = NULL;
	struct selfcg *s = NULL;
	size_t n = 0;
	int r = read_file_at(AT_FDCWD, "/proc/self/cgroup", 1u << 20, &buf, NULL);
	if (r < 0)
		return err_sys(r, "cannot read /proc/self/cgroup");
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		/* "4:memory:/a/b", "0::/x" */
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		if (n == MAX_HIERS * 2)
			break;
		struct selfcg *ns = realloc(s, (n + 1) * sizeof(*s));
		if (!ns) {
			selfcg_free(s, n);
			return err_sys(ENOMEM, "/proc/self/cgroup");
		}
		s = ns;
		s[n].ctrls = strdup(c1 + 1);
		s[n].path = strdup(c2 + 1);
		n++;
		if (!s[n - 1].ctrls || !s[n - 1].path) {
			selfcg_free(s, n);
			return err_sys(ENOMEM, "/proc/self/cgroup");
		}
	}
	*out = s;
	*nout = n;
	return 0;
}

/* Directly at or directly below /sys/fs/cgroup: the name under it ("" for the root itself), else NULL. */
static const char *cg_mount_name(const char *mountpoint)
{
	size_t l = strlen(CG_ROOT);
	if (strncmp(mountpoint, CG_ROOT, l) != 0)
		return NULL;
	if (mountpoint[l] == '\0')
		return "";
	if (mountpoint[l] != '/')
		return NULL;
	const char *name = mountpoint + l + 1;
	if (!*name || strchr(name, '/') || STREQ(name, ".") || STREQ(name, ".."))
		return NULL;
	return name;
}

/* The /proc/self/cgroup line of a v1 mount: all of its controllers appear in the super options. */
static const struct selfcg *self_for_v1(const struct mnt *m, const struct selfcg *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!s[i].ctrls[0])
			continue;
		bool all = true;
		char tmp[256];
		snprintf(tmp, sizeof(tmp), "%s", s[i].ctrls);
		char *save = NULL;
		for (char *c = strtok_r(tmp, ",", &save); c && all; c = strtok_r(NULL, ",", &save))
			all = list_has(m->superopts, c);
		if (all)
			return &s[i];
	}
	return NULL;
}

static const struct selfcg *self_for_v2(const struct selfcg *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!s[i].ctrls[0])
			return &s[i];
	return NULL;
}

static bool has_v1_controller(const struct mnt *m, size_t n)
{
	static const char *const ctrls[] = { "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "net_cls",
		"blkio", "perf_event", "net_prio", "hugetlb", "pids", "rdma", "misc" };
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; !m[i].v2 && k < ARRAY_SIZE(ctrls); k++)
			if (list_has(m[i].superopts, ctrls[k]))
				return true;
	return false;
}

int cg_detect_mode(enum cg_mode *out)
{
	struct statfs sfs;
	struct mnt *m = NULL;
	size_t n = 0;

	if (statfs(CG_ROOT, &sfs) < 0)
		return err_sys(errno, "cannot look at %s", CG_ROOT);
	if (sfs.f_type == CGROUP2_SUPER_MAGIC) {
		*out = CG_MODE_V2;
		return 0;
	}
	int r = read_mounts(&m, &n);
	if (r < 0)
		return r;
	bool v2 = false;
	for (size_t i = 0; i < n; i++)
		v2 |= m[i].v2;
	*out = v2 && has_v1_controller(m, n) ? CG_MODE_HYBRID : CG_MODE_V1;
	mnts_free(m, n);
	return 0;
}

/* ---- cgroupsPath -------------------------------------------------------- */

/*
 * Check and normalise a cgroup path: collapse "//" and "/./", drop a
 * trailing "/", refuse "..", ':' (systemd's slice:prefix:name), control
 * characters and over-long names.  Absolute stays absolute.
 */
static int normalise_cgpath(const char *in, char *out, size_t n)
{
	size_t o = 0;
	bool abs = in[0] == '/';

	if (strchr(in, ':'))
		return err_hint(err_set(EINVAL, "\"%s\" looks like a systemd cgroup (slice:prefix:name), which stockade "
						"does not manage", in),
				"give a plain cgroupfs path such as \"/machine/<id>\" or \"stockade/<id>\"");
	if (abs)
		out[o++] = '/';
	for (const char *p = in; *p;) {
		while (*p == '/')
			p++;
		const char *s = p;
		while (*p && *p != '/')
			p++;
		size_t l = (size_t)(p - s);
		if (l == 0 || (l == 1 && s[0] == '.'))
			continue;
		if (l == 2 && s[0] == '.' && s[1] == '.')
			return err_set(EINVAL, "\"%s\": \"..\" is not allowed in a cgroup path", in);
		if (l > NAME_MAX)
			return err_set(ENAMETOOLONG, "\"%s\": a cgroup name is at most %d bytes", in, NAME_MAX);
		for (size_t i = 0; i < l; i++)
			if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
				return err_set(EINVAL, "\"%s\": control characters are not allowed in a cgroup path", in);
		if (o + l + 2 >= n)
			return err_set(ENAMETOOLONG, "the cgroup path \"%s\" is too long", in);
		if (o > 0 && out[o - 1] != '/')
			out[o++] = '/';
		memcpy(out + o, s, l);
		o += l;
	}
	out[o] = '\0';
	if (STREQ(out, "/") || o == 0)
		return err_set(EINVAL, "\"%s\" names the %s cgroup itself; the container needs a cgroup of its own", in,
			       abs ? "root" : "runtime's own");
	return 0;
}

/* Is `path` equal to `root` or below it (both cgroup paths starting with '/')? */
static bool path_under(const char *path, const char *root)
{
	size_t l = strlen(root);
	if (STREQ(root, "/"))
		return path[0] == '/';
	return strncmp(path, root, l) == 0 && (path[l] == '\0' || path[l] == '/');
}

static bool has_dotdot(const char *p)
{
	for (const char *s = p; (s = strstr(s, "..")); s += 2)
		if ((s == p || s[-1] == '/') && (s[2] == '\0' || s[2] == '/'))
			return true;
	return false;
}

/* ---- plan / free / json -------------------------------------------------- */

void cg_free(struct cgroup *cg)
{
	if (!cg)
		return;
	for (size_t i = 0; i < cg->n; i++) {
		free(cg->h[i].mountpoint);
		free(cg->h[i].name);
		free(cg->h[i].controllers);
		free(cg->h[i].path);
	}
	free(cg->h);
	free(cg->rel);
	free(cg);
}

static bool dir_exists(const char *path)
{
	int fd = cg_open_dir(path);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

int cg_plan(const char *cgroups_path, const char *id, struct cgroup **out)
{
	char rel[PATH_MAX];
	struct mnt *m = NULL;
	struct selfcg *self = NULL;
	size_t nm = 0, ns = 0;
	struct cgroup *cg = NULL;
	size_t *used = NULL, n_used = 0; /* mounts taken, by index into m */
	int r;

	*out = NULL;
	if (cgroups_path && *cgroups_path) {
		if ((r = normalise_cgpath(cgroups_path, rel, sizeof(rel))) < 0)
			return r;
	} else {
		if (!id || !*id || strchr(id, '/') || STREQ(id, ".") || STREQ(id, ".."))
			return err_set(EINVAL, "\"%s\" cannot name a cgroup", id ? id : "");
		char def[PATH_MAX];
		snprintf(def, sizeof(def), "stockade/%s", id);
		if ((r = normalise_cgpath(def, rel, sizeof(rel))) < 0)
			return r;
	}
	if ((r = read_mounts(&m, &nm)) < 0)
		return r;
	if ((r = read_self_cgroup(&self, &ns)) < 0)
		goto out;

	cg = calloc(1, sizeof(*cg));
	used = calloc(nm ? nm : 1, sizeof(*used));
	if (!used || !cg || !(cg->rel = strdup(rel)) || !(cg->h = calloc(nm ? nm : 1, sizeof(*cg->h)))) {
		r = err_sys(ENOMEM, "cgroup plan");
		goto out;
	}
	if ((r = cg_detect_mode(&cg->mode)) < 0)
		goto out;

	for (size_t i = 0; i < nm; i++) {
		const struct mnt *mi = &m[i];
		const char *name = cg_mount_name(mi->mountpoint);
		if (!name)
			continue;
		/* the same hierarchy mounted twice (same superblock): keep the first usable mount */
		bool dup = false;
		for (size_t k = 0; k < n_used && !dup; k++)
			dup = m[used[k]].dev_major == mi->dev_major && m[used[k]].dev_minor == mi->dev_minor;
		if (dup)
			continue;
		const struct selfcg *sc = mi->v2 ? self_for_v2(self, ns) : self_for_v1(mi, self, ns);
		if (!sc) {
			log_debug("cgroup: %s is not in /proc/self/cgroup, skipped", mi->mountpoint);
			continue;
		}
		/* the cgroup path inside the hierarchy */
		char full[PATH_MAX];
		if (rel[0] == '/')
			snprintf(full, sizeof(full), "%s", rel);
		else if (STREQ(sc->path, "/"))
			snprintf(full, sizeof(full), "/%s", rel);
		else
			snprintf(full, sizeof(full), "%s/%s", sc->path, rel);
		if (sc->path[0] != '/' || has_dotdot(sc->path) || has_dotdot(mi->root) ||
		    !path_under(full, mi->root) || STREQ(full, mi->root)) {
			/* e.g. a cgroup namespace or a mount of a sub-tree that does not hold us */
			log_debug("cgroup: %s (root %s) does not hold %s, skipped", mi->mountpoint, mi->root, full);
			continue;
		}
		const char *below = STREQ(mi->root, "/") ? full : full + strlen(mi->root);
		char hostpath[PATH_MAX];
		if ((size_t)snprintf(hostpath, sizeof(hostpath), "%s%s", mi->mountpoint, below) >= sizeof(hostpath)) {
			r = err_set(ENAMETOOLONG, "the cgroup path %s%s is too long", mi->mountpoint, below);
			goto out;
		}
		struct cg_hier *h = &cg->h[cg->n];
		h->mountpoint = strdup(mi->mountpoint);
		h->name = strdup(name);
		h->controllers = strdup(mi->v2 ? "" : sc->ctrls);
		h->path = strdup(hostpath);
		h->v2 = mi->v2;
		cg->n++;
		if (!h->mountpoint || !h->name || !h->controllers || !h->path) {
			r = err_sys(ENOMEM, "cgroup plan");
			goto out;
		}
		/* provisional: the state saved before cg_create must already say "ours" */
		h->created = !dir_exists(hostpath);
		used[n_used++] = i;
	}
	if (cg->n == 0) {
		r = err_set(ENOENT, "no usable cgroup hierarchy is mounted under %s", CG_ROOT);
		goto out;
	}
	if (cg->mode == CG_MODE_V2) {
		/* pure v2: the unified hierarchy comes first (mount.c binds h[0]) */
		for (size_t i = 1; i < cg->n; i++)
			if (cg->h[i].v2 && !cg->h[0].v2) {
				struct cg_hier t = cg->h[0];
				cg->h[0] = cg->h[i];
				cg->h[i] = t;
			}
	}
	*out = cg;
	cg = NULL;
	r = 0;
out:
	free(used);
	cg_free(cg);
	mnts_free(m, nm);
	selfcg_free(self, ns);
	return r;
}

json_object *cg_to_json(const struct cgroup *cg)
{
	if (!cg)
		return NULL;
	json_object *o = json_object_new_object();
	json_object *arr = json_object_new_array();
	json_object_object_add(o, "mode", json_object_new_string(mode_names[cg->mode]));
	json_object_object_add(o, "rel", json_object_new_string(cg->rel ? cg->rel : ""));
	for (size_t i = 0; i < cg->n; i++) {
		const struct cg_hier *h = &cg->h[i];
		json_object *e = json_object_new_object();
		json_object_object_add(e, "mountpoint", json_object_new_string(h->mountpoint));
		json_object_object_add(e, "name", json_object_new_string(h->name));
		json_object_object_add(e, "controllers", json_object_new_string(h->controllers));
		json_object_object_add(e, "v2", json_object_new_boolean(h->v2));
		json_object_object_add(e, "path", json_object_new_string(h->path));
		json_object_object_add(e, "created", json_object_new_boolean(h->created));
		json_object_array_add(arr, e);
	}
	json_object_object_add(o, "hierarchies", arr);
	return o;
}

static int get_typed(json_object *o, const char *key, json_type t, json_object **v, const char *where)
{
	if (!json_object_object_get_ex(o, key, v) || json_object_get_type(*v) != t)
		return err_set(EINVAL, "state: cgroup%s: \"%s\" is missing or not a %s", where, key, json_type_to_name(t));
	return 0;
}

static int dup_str(json_object *o, const char *key, char **out, const char *where)
{
	json_object *v;
	int r = get_typed(o, key, json_type_string, &v, where);
	if (r < 0)
		return r;
	const char *s = json_object_get_string(v);
	if (strlen(s) != (size_t)json_object_get_string_len(v) || strlen(s) >= PATH_MAX)
		return err_set(EINVAL, "state: cgroup%s: \"%s\" is not a valid string", where, key);
	*out = strdup(s);
	return *out ? 0 : err_sys(ENOMEM, "state");
}

static int hier_from_json(json_object *e, struct cg_hier *h, const char *rel, size_t idx)
{
	char where[48], clean[PATH_MAX];
	json_object *v;
	int r;

	snprintf(where, sizeof(where), ".hierarchies[%zu]", idx);
	if (json_object_get_type(e) != json_type_object)
		return err_set(EINVAL, "state: cgroup%s: expected an object", where);
	if ((r = dup_str(e, "mountpoint", &h->mountpoint, where)) < 0 || (r = dup_str(e, "name", &h->name, where)) < 0 ||
	    (r = dup_str(e, "controllers", &h->controllers, where)) < 0 || (r = dup_str(e, "path", &h->path, where)) < 0)
		return r;
	if ((r = get_typed(e, "v2", json_type_boolean, &v, where)) < 0)
		return r;
	h->v2 = json_object_get_boolean(v);
	if ((r = get_typed(e, "created", json_type_boolean, &v, where)) < 0)
		return r;
	h->created = json_object_get_boolean(v);

	/* a tampered state file must not point us at arbitrary directories */
	const char *name = cg_mount_name(h->mountpoint);
	if (!name || !STREQ(name, h->name))
		return err_set(EINVAL, "state: cgroup%s: mount point \"%s\" (name \"%s\") is not a hierarchy directly under %s",
			       where, h->mountpoint, h->name, CG_ROOT);
	size_t ml = strlen(h->mountpoint);
	if (path_clean(h->path, clean, sizeof(clean)) < 0 || !STREQ(clean, h->path) ||
	    strncmp(h->path, h->mountpoint, ml) != 0 || h->path[ml] != '/' || h->path[ml + 1] == '\0')
		return err_set(EINVAL, "state: cgroup%s: \"%s\" is not a cgroup below %s", where, h->path, h->mountpoint);
	if (rel[0] != '/') {
		/* relative: the path ends in rel (cg_destroy removes rel's empty parents) */
		size_t pl = strlen(h->path), rl = strlen(rel);
		if (pl <= rl + ml || !STREQ(h->path + pl - rl, rel) || h->path[pl - rl - 1] != '/')
			return err_set(EINVAL, "state: cgroup%s: \"%s\" does not end in \"%s\"", where, h->path, rel);
	}
	if (strspn(h->controllers, "abcdefghijklmnopqrstuvwxyz0123456789_,=.-") != strlen(h->controllers) ||
	    (h->v2 && h->controllers[0]))
		return err_set(EINVAL, "state: cgroup%s: bad controller list \"%s\"", where, h->controllers);
	return 0;
}

int cg_from_json(json_object *o, struct cgroup **out)
{
	json_object *v, *arr;
	char clean[PATH_MAX];
	int r;

	*out = NULL;
	if (!o || json_object_get_type(o) != json_type_object)
		return err_set(EINVAL, "state: cgroup: expected an object");
	struct cgroup *cg = calloc(1, sizeof(*cg));
	if (!cg)
		return err_sys(ENOMEM, "state");
	if ((r = get_typed(o, "mode", json_type_string, &v, "")) < 0)
		goto fail;
	const char *mode = json_object_get_string(v);
	size_t mi;
	for (mi = 0; mi < ARRAY_SIZE(mode_names); mi++)
		if (STREQ(mode, mode_names[mi]))
			break;
	if (mi == ARRAY_SIZE(mode_names)) {
		r = err_set(EINVAL, "state: cgroup: unknown mode \"%s\"", mode);
		goto fail;
	}
	cg->mode = (enum cg_mode)mi;
	if ((r = dup_str(o, "rel", &cg->rel, "")) < 0)
		goto fail;
	if (!cg->rel[0] || normalise_cgpath(cg->rel, clean, sizeof(clean)) < 0 || !STREQ(clean, cg->rel)) {
		r = err_set(EINVAL, "state: cgroup: \"%s\" is not a valid cgroup path", cg->rel);
		goto fail;
	}
	if ((r = get_typed(o, "hierarchies", json_type_array, &arr, "")) < 0)
		goto fail;
	size_t n = json_object_array_length(arr);
	if (n == 0 || n > MAX_HIERS) {
		r = err_set(EINVAL, "state: cgroup: %zu hierarchies", n);
		goto fail;
	}
	if (!(cg->h = calloc(n, sizeof(*cg->h)))) {
		r = err_sys(ENOMEM, "state");
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		cg->n++;
		if ((r = hier_from_json(json_object_array_get_idx(arr, i), &cg->h[i], cg->rel, i)) < 0)
			goto fail;
	}
	*out = cg;
	return 0;
fail:
	cg_free(cg);
	return r;
}

/* ---- finding the file for a controller ----------------------------------- */

/* The v1 hierarchy carrying ctrl, else NULL. */
static const struct cg_hier *v1_hier(const struct cgroup *cg, const char *ctrl)
{
	for (size_t i = 0; i < cg->n; i++)
		if (!cg->h[i].v2 && list_has(cg->h[i].controllers, ctrl))
			return &cg->h[i];
	return NULL;
}

static const struct cg_hier *v2_hier(const struct cgroup *cg)
{
	for (size_t i = 0; i < cg->n; i++)
		if (cg->h[i].v2)
			return &cg->h[i];
	return NULL;
}

/* Does the container's v2 cgroup offer ctrl (its cgroup.controllers)? */
static bool v2_offers(const struct cg_hier *h, const char *ctrl)
{
	_cleanup_close_ int fd = cg_open_dir(h->path);
	char *s = NULL;
	if (fd < 0 || cg_read_at(fd, "cgroup.controllers", &s) < 0)
		return false;
	bool ok = words_have(s, ctrl);
	free(s);
	return ok;
}

struct tgt {
	const struct cg_hier *h;
	int fd;
};

/*
 * Open the container's directory that holds ctrl's files: the v1 hierarchy
 * with the controller, else the v2 one if the controller is enabled there.
 * Returns 1 (t filled), 0 (not available anywhere; t->fd = -1) or an error.
 */
static int tgt_find(const struct cgroup *cg, const char *ctrl, struct tgt *t)
{
	t->fd = -1;
	t->h = v1_hier(cg, ctrl);
	if (!t->h) {
		const struct cg_hier *h = v2_hier(cg);
		if (h && v2_offers(h, ctrl))
			t->h = h;
	}
	if (!t->h)
		return 0;
	t->fd = cg_open_dir(t->h->path);
	if (t->fd < 0)
		return err_sys(t->fd, "cannot open the container's cgroup %s", t->h->path);
	return 1;
}

static void tgt_close(struct tgt *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

/* "field: no memory controller is mounted on this host" (+ v2 detail). */
static int no_ctrl(const struct cgroup *cg, const char *field, const char *ctrl)
{
	const struct cg_hier *h = v2_hier(cg);
	static const char *const v2ctrls[] = { "cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc" };
	bool in_v2 = false;
	for (size_t i = 0; i < ARRAY_SIZE(v2ctrls); i++)
		in_v2 |= STREQ(ctrl, v2ctrls[i]);
	int r = err_set(ENODEV, "%s: no %s controller is mounted on this host", field, ctrl);
	if (h && in_v2) {
		_cleanup_close_ int fd = cg_open_dir(h->path);
		char *s = NULL;
		if (fd >= 0 && cg_read_at(fd, "cgroup.controllers", &s) >= 0) {
			chomp(s);
			r = err_set(ENODEV, "%s: no %s controller is mounted on this host, and the cgroup v2 directory %s "
					    "does not offer it (cgroup.controllers: \"%s\")", field, ctrl, h->path, s);
			free(s);
			if (cg->mode == CG_MODE_V2)
				r = err_hint(r, "enable it in the parents' cgroup.subtree_control");
		}
	}
	return r;
}

/* A failed write, naming the field, the file, the value and the errno. */
static int write_err(int e, const char *field, const struct tgt *t, const char *file, const char *val)
{
	int r = err_sys(e, "%s: cannot write \"%s\" to %s/%s", field, val, t->h->path, file);
	if (e == -EBUSY && strstr(file, "memory"))
		r = err_hint(r, "the container may already use more memory than that");
	else if (e == -EINVAL && strncmp(file, "cpuset.", 7) == 0)
		r = err_hint(r, "give a list like \"0-2,4\" that the parent cgroup's %s allows", file);
	else if (e == -ENOENT)
		r = err_hint(r, "this kernel does not offer %s", file);
	return r;
}

static int put(const struct tgt *t, const char *field, const char *file, const char *val)
{
	int r = cg_write_at(t->fd, file, val);
	return r < 0 ? write_err(r, field, t, file, val) : 0;
}

static int put_i64(const struct tgt *t, const char *field, const char *file, long long v)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%lld", v);
	return put(t, field, file, buf);
}

/* For files a kernel may lack (blkio weights, burst): warn and go on. */
static int put_if_exists(const struct tgt *t, const char *field, const char *file, const char *val)
{
	if (!file_exists_at(t->fd, file)) {
		log_warn("%s: %s/%s does not exist on this host; \"%s\" is not applied", field, t->h->path, file, val);
		return 0;
	}
	return put(t, field, file, val);
}

/* -1 → "max" (v2 style), else the number */
static void v2num(char *buf, size_t n, int64_t v)
{
	if (v < 0)
		snprintf(buf, n, "max");
	else
		snprintf(buf, n, "%lld", (long long)v);
}

/* ---- resources ---------------------------------------------------------- */

static int apply_cpuset(const struct cgroup *cg, const struct oci_resources *res)
{
	bool cpus = res->cpu_cpus && res->cpu_cpus[0], mems = res->cpu_mems && res->cpu_mems[0];
	struct tgt t;
	int r;
	if (!cpus && !mems)
		return 0;
	const char *field = cpus ? "linux.resources.cpu.cpus" : "linux.resources.cpu.mems";
	if ((r = tgt_find(cg, "cpuset", &t)) <= 0)
		return r < 0 ? r : no_ctrl(cg, field, "cpuset");
	if (cpus)
		r = put(&t, "linux.resources.cpu.cpus", "cpuset.cpus", res->cpu_cpus);
	if (r >= 0 && mems)
		r = put(&t, "linux.resources.cpu.mems", "cpuset.mems", res->cpu_mems);
	tgt_close(&t);
	return r;
}

static int apply_memory_v1(const struct tgt *t, const struct oci_resources *res, bool update)
{
	int64_t limit = res->mem_limit, swap = res->mem_swap;
	int r = 0;

	/* lifting the memory limit lifts memory+swap too (runc does the same) */
	if (limit == -1 && !opt_nz(swap))
		swap = -1;
	if (opt_nz(swap) && !file_exists_at(t->fd, "memory.memsw.limit_in_bytes")) {
		if (swap > 0)
			log_warn("linux.resources.memory.swap: this kernel does not account swap (no "
				 "memory.memsw.limit_in_bytes); the swap limit is not applied");
		swap = OPT_UNSET;
	}
	if (opt_nz(limit) && opt_nz(swap)) {
		/* memory.limit <= memsw.limit at every step: raise memsw first when it grows */
		unsigned long long cur = 0;
		bool swap_first = swap == -1 || (read_u64_at(t->fd, "memory.memsw.limit_in_bytes", &cur) >= 0 &&
						 (unsigned long long)swap > cur);
		if (swap_first) {
			if ((r = put_i64(t, "linux.resources.memory.swap", "memory.memsw.limit_in_bytes", swap)) < 0 ||
			    (r = put_i64(t, "linux.resources.memory.limit", "memory.limit_in_bytes", limit)) < 0)
				return r;
		} else {
			if ((r = put_i64(t, "linux.resources.memory.limit", "memory.limit_in_bytes", limit)) < 0 ||
			    (r = put_i64(t, "linux.resources.memory.swap", "memory.memsw.limit_in_bytes", swap)) < 0)
				return r;
		}
	} else if (opt_nz(limit)) {
		if ((r = put_i64(t, "linux.resources.memory.limit", "memory.limit_in_bytes", limit)) < 0)
			return r;
	} else if (opt_nz(swap)) {
		if ((r = put_i64(t, "linux.resources.memory.swap", "memory.memsw.limit_in_bytes", swap)) < 0)
			return r;
	}
	if (opt_nz(res->mem_reservation) &&
	    (r = put_i64(t, "linux.resources.memory.reservation", "memory.soft_limit_in_bytes", res->mem_reservation)) < 0)
		return r;
	if (opt_nz(res->mem_kernel_tcp) && (r = put_i64(t, "linux.resources.memory.kernelTCP",
							"memory.kmem.tcp.limit_in_bytes", res->mem_kernel_tcp)) < 0)
		return r;
	if (opt_set(res->mem_swappiness) &&
	    (r = put_i64(t, "linux.resources.memory.swappiness", "memory.swappiness", res->mem_swappiness)) < 0)
		return r;
	if (res->has_disable_oom_killer && (res->disable_oom_killer || update) &&
	    (r = put(t, "linux.resources.memory.disableOOMKiller", "memory.oom_control",
		     res->disable_oom_killer ? "1" : "0")) < 0)
		return r;
	return 0;
}

/* runc's ConvertMemorySwapToCgroupV2Value: the spec's swap is memory+swap, v2 wants swap alone. */
static int v2_swap(int64_t swap, int64_t limit, int64_t *out)
{
	if (!opt_nz(swap)) {
		*out = OPT_UNSET;
		return 0;
	}
	if (swap == -1) {
		*out = -1;
		return 0;
	}
	if (!opt_nz(limit) || limit == -1)
		return err_set(EINVAL, "linux.resources.memory.swap: a swap limit (%lld) needs a memory limit on cgroup v2",
			       (long long)swap);
	if (swap < limit)
		return err_set(EINVAL, "linux.resources.memory.swap: memory+swap (%lld) is below the memory limit (%lld)",
			       (long long)swap, (long long)limit);
	*out = swap - limit;
	return 0;
}

static int apply_memory_v2(const struct tgt *t, const struct oci_resources *res)
{
	char buf[32];
	int64_t swap = OPT_UNSET;
	int r = v2_swap(res->mem_swap, res->mem_limit, &swap);
	if (r < 0)
		return r;
	if (opt_nz(res->mem_limit)) {
		v2num(buf, sizeof(buf), res->mem_limit);
		if ((r = put(t, "linux.resources.memory.limit", "memory.max", buf)) < 0)
			return r;
	}
	if (opt_set(swap)) {
		v2num(buf, sizeof(buf), swap);
		if (!file_exists_at(t->fd, "memory.swap.max")) {
			if (swap > 0)
				log_warn("linux.resources.memory.swap: this kernel does not account swap (no memory.swap.max); "
					 "the swap limit is not applied");
		} else if ((r = put(t, "linux.resources.memory.swap", "memory.swap.max", buf)) < 0) {
			return r;
		}
	}
	if (opt_nz(res->mem_reservation)) {
		v2num(buf, sizeof(buf), res->mem_reservation);
		if ((r = put(t, "linux.resources.memory.reservation", "memory.low", buf)) < 0)
			return r;
	}
	if (opt_set(res->mem_swappiness))
		log_warn("linux.resources.memory.swappiness: cgroup v2 has no per-cgroup swappiness; ignored");
	if (res->has_disable_oom_killer && res->disable_oom_killer)
		log_warn("linux.resources.memory.disableOOMKiller: cgroup v2 cannot disable the OOM killer; ignored");
	if (opt_nz(res->mem_kernel_tcp))
		log_warn("linux.resources.memory.kernelTCP: cgroup v2 has no separate TCP memory limit; ignored");
	return 0;
}

static int apply_memory(const struct cgroup *cg, const struct oci_resources *res, bool update)
{
	struct tgt t;
	int r;
	bool any = opt_nz(res->mem_limit) || opt_nz(res->mem_swap) || opt_nz(res->mem_reservation) ||
		   opt_nz(res->mem_kernel_tcp) || opt_set(res->mem_swappiness) || res->has_disable_oom_killer;
	if (opt_nz(res->mem_kernel))
		log_warn("linux.resources.memory.kernel: kernel memory limits are deprecated by the kernel; ignored");
	if (res->has_use_hierarchy && !res->use_hierarchy)
		log_warn("linux.resources.memory.useHierarchy: hierarchical accounting is always on; ignored");
	if (!any)
		return 0;
	if ((r = tgt_find(cg, "memory", &t)) <= 0) {
		if (r < 0)
			return r;
		const char *field = res->mem_limit > 0 ? "linux.resources.memory.limit"
				    : res->mem_swap > 0 ? "linux.resources.memory.swap"
				    : res->mem_reservation > 0 ? "linux.resources.memory.reservation"
				    : res->mem_kernel_tcp > 0 ? "linux.resources.memory.kernelTCP"
				    : opt_set(res->mem_swappiness) ? "linux.resources.memory.swappiness"
				    : res->disable_oom_killer ? "linux.resources.memory.disableOOMKiller" : NULL;
		return field ? no_ctrl(cg, field, "memory") : 0; /* only "-1": nothing to lift */
	}
	if (update && res->check_before_update && res->mem_limit > 0) {
		unsigned long long usage;
		if (read_u64_at(t.fd, t.h->v2 ? "memory.current" : "memory.usage_in_bytes", &usage) >= 0 &&
		    usage > (unsigned long long)res->mem_limit) {
			tgt_close(&t);
			return err_set(EBUSY, "linux.resources.memory.limit: the container uses %llu bytes, more than the "
					      "new limit %lld (checkBeforeUpdate)", usage, (long long)res->mem_limit);
		}
	}
	r = t.h->v2 ? apply_memory_v2(&t, res) : apply_memory_v1(&t, res, update);
	tgt_close(&t);
	return r;
}

static int apply_pids(const struct cgroup *cg, const struct oci_resources *res)
{
	struct tgt t;
	char buf[32];
	int r;
	if (!opt_set(res->pids_limit))
		return 0;
	if ((r = tgt_find(cg, "pids", &t)) <= 0)
		return r < 0 ? r : res->pids_limit > 0 ? no_ctrl(cg, "linux.resources.pids.limit", "pids") : 0;
	/* the spec's 0 and -1 both mean "no limit" */
	v2num(buf, sizeof(buf), res->pids_limit > 0 ? res->pids_limit : -1);
	r = put(&t, "linux.resources.pids.limit", "pids.max", buf);
	tgt_close(&t);
	return r;
}

static int apply_cpu_v1(const struct tgt *t, const struct oci_resources *res)
{
	int r;
	bool period_later = false;
	if (opt_nz(res->cpu_shares) && (r = put_i64(t, "linux.resources.cpu.shares", "cpu.shares", res->cpu_shares)) < 0)
		return r;
	if (opt_nz(res->cpu_period)) {
		char buf[32];
		snprintf(buf, sizeof(buf), "%lld", (long long)res->cpu_period);
		r = cg_write_at(t->fd, "cpu.cfs_period_us", buf);
		/*
		 * A shorter period can be refused while the old quota/period ratio
		 * would exceed the parent's; with a quota coming, retry after it.
		 */
		if (r == -EINVAL && opt_nz(res->cpu_quota))
			period_later = true;
		else if (r < 0)
			return write_err(r, "linux.resources.cpu.period", t, "cpu.cfs_period_us", buf);
	}
	if (opt_nz(res->cpu_quota) && (r = put_i64(t, "linux.resources.cpu.quota", "cpu.cfs_quota_us", res->cpu_quota)) < 0)
		return r;
	if (period_later && (r = put_i64(t, "linux.resources.cpu.period", "cpu.cfs_period_us", res->cpu_period)) < 0)
		return r;
	if (opt_set(res->cpu_burst)) {
		char buf[32];
		snprintf(buf, sizeof(buf), "%lld", (long long)res->cpu_burst);
		if ((r = put_if_exists(t, "linux.resources.cpu.burst", "cpu.cfs_burst_us", buf)) < 0)
			return r;
	}
	if (opt_nz(res->cpu_rt_period) &&
	    (r = put_i64(t, "linux.resources.cpu.realtimePeriod", "cpu.rt_period_us", res->cpu_rt_period)) < 0)
		return r;
	if (opt_nz(res->cpu_rt_runtime) &&
	    (r = put_i64(t, "linux.resources.cpu.realtimeRuntime", "cpu.rt_runtime_us", res->cpu_rt_runtime)) < 0)
		return r;
	if (opt_set(res->cpu_idle) && (r = put_i64(t, "linux.resources.cpu.idle", "cpu.idle", res->cpu_idle)) < 0)
		return r;
	return 0;
}

/* runc's ConvertCPUSharesToCgroupV2Value: [2, 262144] -> [1, 10000] */
static long long shares_to_weight(int64_t shares)
{
	long long w = 1 + ((long long)(shares < 2 ? 2 : shares) - 2) * 9999 / 262142;
	return w > 10000 ? 10000 : w;
}

static int apply_cpu_v2(const struct tgt *t, const struct oci_resources *res)
{
	int r;
	if (opt_nz(res->cpu_rt_period) || opt_nz(res->cpu_rt_runtime))
		return err_set(EOPNOTSUPP, "linux.resources.cpu.%s: cgroup v2 has no realtime CPU limits",
			       opt_nz(res->cpu_rt_runtime) ? "realtimeRuntime" : "realtimePeriod");
	if (opt_nz(res->cpu_shares) &&
	    (r = put_i64(t, "linux.resources.cpu.shares", "cpu.weight", shares_to_weight(res->cpu_shares))) < 0)
		return r;
	if (opt_nz(res->cpu_quota) || opt_nz(res->cpu_period)) {
		char buf[64];
		int o = res->cpu_quota > 0 ? snprintf(buf, sizeof(buf), "%lld", (long long)res->cpu_quota)
					   : snprintf(buf, sizeof(buf), "max");
		if (opt_nz(res->cpu_period))
			snprintf(buf + o, sizeof(buf) - (size_t)o, " %lld", (long long)res->cpu_period);
		if ((r = put(t, opt_nz(res->cpu_quota) ? "linux.resources.cpu.quota" : "linux.resources.cpu.period", "cpu.max",
			     buf)) < 0)
			return r;
	}
	if (opt_set(res->cpu_burst)) {
		char buf[32];
		snprintf(buf, sizeof(buf), "%lld", (long long)res->cpu_burst);
		if ((r = put_if_exists(t, "linux.resources.cpu.burst", "cpu.max.burst", buf)) < 0)
			return r;
	}
	if (opt_set(res->cpu_idle) && (r = put_i64(t, "linux.resources.cpu.idle", "cpu.idle", res->cpu_idle)) < 0)
		return r;
	return 0;
}

static int apply_cpu(const struct cgroup *cg, const struct oci_resources *res)
{
	struct tgt t;
	int r;
	bool any = opt_nz(res->cpu_shares) || opt_nz(res->cpu_quota) || opt_nz(res->cpu_period) || opt_set(res->cpu_burst) ||
		   opt_nz(res->cpu_rt_period) || opt_nz(res->cpu_rt_runtime) || opt_set(res->cpu_idle);
	if (!any)
		return 0;
	if ((r = tgt_find(cg, "cpu", &t)) <= 0) {
		if (r < 0)
			return r;
		const char *field = opt_nz(res->cpu_shares) ? "linux.resources.cpu.shares"
				    : res->cpu_quota > 0 ? "linux.resources.cpu.quota"
				    : opt_nz(res->cpu_period) ? "linux.resources.cpu.period"
				    : res->cpu_burst > 0 ? "linux.resources.cpu.burst"
				    : res->cpu_rt_runtime > 0 ? "linux.resources.cpu.realtimeRuntime"
				    : res->cpu_idle > 0 ? "linux.resources.cpu.idle" : NULL;
		return field ? no_ctrl(cg, field, "cpu") : 0;
	}
	r = t.h->v2 ? apply_cpu_v2(&t, res) : apply_cpu_v1(&t, res);
	tgt_close(&t);
	return r;
}

static const char *const throttle_keys[4] = { "throttleReadBpsDevice", "throttleWriteBpsDevice",
	"throttleReadIOPSDevice", "throttleWriteIOPSDevice" };

static bool dev_ok(int64_t major, int64_t minor)
{
	return major >= 0 && major <= UINT32_MAX && minor >= 0 && minor <= UINT32_MAX;
}

static int apply_blkio_v1(const struct tgt *t, const struct oci_resources *res)
{
	static const char *const files[4] = { "blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
		"blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device" };
	/* CFQ's blkio.weight is gone from current kernels; BFQ offers blkio.bfq.weight */
	bool bfq = !file_exists_at(t->fd, "blkio.weight") && file_exists_at(t->fd, "blkio.bfq.weight");
	char buf[96], field[96];
	int r;
	if (opt_nz(res->blkio_weight)) {
		snprintf(buf, sizeof(buf), "%lld", (long long)res->blkio_weight);
		if ((r = put_if_exists(t, "linux.resources.blockIO.weight", bfq ? "blkio.bfq.weight" : "blkio.weight", buf)) < 0)
			return r;
	}
	if (opt_nz(res->blkio_leaf_weight)) {
		snprintf(buf, sizeof(buf), "%lld", (long long)res->blkio_leaf_weight);
		if ((r = put_if_exists(t, "linux.resources.blockIO.leafWeight", "blkio.leaf_weight", buf)) < 0)
			return r;
	}
	for (size_t i = 0; i < res->n_blkio_weight_devices; i++) {
		const struct oci_weight_dev *w = &res->blkio_weight_devices[i];
		snprintf(field, sizeof(field), "linux.resources.blockIO.weightDevice[%zu]", i);
		if (!dev_ok(w->major, w->minor))
			return err_set(EINVAL, "%s: invalid device %lld:%lld", field, (long long)w->major, (long long)w->minor);
		if (opt_set(w->weight)) {
			snprintf(buf, sizeof(buf), "%lld:%lld %lld", (long long)w->major, (long long)w->minor, (long long)w->weight);
			if ((r = put_if_exists(t, field, bfq ? "blkio.bfq.weight_device" : "blkio.weight_device", buf)) < 0)
				return r;
		}
		if (opt_set(w->leaf_weight)) {
			snprintf(buf, sizeof(buf), "%lld:%lld %lld", (long long)w->major, (long long)w->minor,
				 (long long)w->leaf_weight);
			if ((r = put_if_exists(t, field, "blkio.leaf_weight_device", buf)) < 0)
				return r;
		}
	}
	for (int k = 0; k < 4; k++)
		for (size_t i = 0; i < res->n_throttle[k]; i++) {
			const struct oci_throttle *th = &res->throttle[k][i];
			snprintf(field, sizeof(field), "linux.resources.blockIO.%s[%zu]", throttle_keys[k], i);
			if (!dev_ok(th->major, th->minor))
				return err_set(EINVAL, "%s: invalid device %lld:%lld", field, (long long)th->major,
					       (long long)th->minor);
			snprintf(buf, sizeof(buf), "%lld:%lld %llu", (long long)th->major, (long long)th->minor,
				 (unsigned long long)th->rate);
			if ((r = put_if_exists(t, field, files[k], buf)) < 0)
				return r;
		}
	return 0;
}

/* runc's ConvertBlkIOToIOWeightValue: [10, 1000] -> [1, 10000] */
static long long blkio_to_io_weight(int64_t w)
{
	long long v = 1 + ((long long)w - 10) * 9999 / 990;
	return v < 1 ? 1 : v > 10000 ? 10000 : v;
}

static int apply_io_v2(const struct tgt *t, const struct oci_resources *res)
{
	static const char *const keys[4] = { "rbps", "wbps", "riops", "wiops" };
	bool bfq = file_exists_at(t->fd, "io.bfq.weight");
	char buf[96], field[96];
	int r;
	if (opt_nz(res->blkio_weight)) {
		if (bfq)
			snprintf(buf, sizeof(buf), "%lld", (long long)res->blkio_weight);
		else
			snprintf(buf, sizeof(buf), "default %lld", blkio_to_io_weight(res->blkio_weight));
		if ((r = put_if_exists(t, "linux.resources.blockIO.weight", bfq ? "io.bfq.weight" : "io.weight", buf)) < 0)
			return r;
	}
	if (opt_nz(res->blkio_leaf_weight))
		log_warn("linux.resources.blockIO.leafWeight: cgroup v2 has no leaf weight; ignored");
	for (size_t i = 0; i < res->n_blkio_weight_devices; i++) {
		const struct oci_weight_dev *w = &res->blkio_weight_devices[i];
		snprintf(field, sizeof(field), "linux.resources.blockIO.weightDevice[%zu]", i);
		if (!dev_ok(w->major, w->minor))
			return err_set(EINVAL, "%s: invalid device %lld:%lld", field, (long long)w->major, (long long)w->minor);
		if (!opt_set(w->weight))
			continue;
		snprintf(buf, sizeof(buf), "%lld:%lld %lld", (long long)w->major, (long long)w->minor,
			 bfq ? (long long)w->weight : blkio_to_io_weight(w->weight));
		if ((r = put_if_exists(t, field, bfq ? "io.bfq.weight" : "io.weight", buf)) < 0)
			return r;
	}
	for (int k = 0; k < 4; k++)
		for (size_t i = 0; i < res->n_throttle[k]; i++) {
			const struct oci_throttle *th = &res->throttle[k][i];
			snprintf(field, sizeof(field), "linux.resources.blockIO.%s[%zu]", throttle_keys[k], i);
			if (!dev_ok(th->major, th->minor))
				return err_set(EINVAL, "%s: invalid device %lld:%lld", field, (long long)th->major,
					       (long long)th->minor);
			/* io.max: 0 means "no limit" in the spec's reading, "max" here */
			if (th->rate == 0)
				snprintf(buf, sizeof(buf), "%lld:%lld %s=max", (long long)th->major, (long long)th->minor, keys[k]);
			else
				snprintf(buf, sizeof(buf), "%lld:%lld %s=%llu", (long long)th->major, (long long)th->minor, keys[k],
					 (unsigned long long)th->rate);
			if ((r = put_if_exists(t, field, "io.max", buf)) < 0)
				return r;
		}
	return 0;
}

static int apply_blkio(const struct cgroup *cg, const struct oci_resources *res)
{
	struct tgt t;
	int r;
	bool any = opt_nz(res->blkio_weight) || opt_nz(res->blkio_leaf_weight) || res->n_blkio_weight_devices > 0;
	for (int k = 0; k < 4; k++)
		any |= res->n_throttle[k] > 0;
	if (!any)
		return 0;
	r = tgt_find(cg, "blkio", &t);
	if (r == 0) {
		/* v2 calls the controller "io" */
		const struct cg_hier *h = v2_hier(cg);
		if (h && v2_offers(h, "io")) {
			t.h = h;
			t.fd = cg_open_dir(h->path);
			r = t.fd < 0 ? err_sys(t.fd, "cannot open the container's cgroup %s", h->path) : 1;
		}
	}
	if (r <= 0)
		return r < 0 ? r : no_ctrl(cg, "linux.resources.blockIO", v2_hier(cg) && cg->mode == CG_MODE_V2 ? "io" : "blkio");
	r = t.h->v2 ? apply_io_v2(&t, res) : apply_blkio_v1(&t, res);
	tgt_close(&t);
	return r;
}

static int apply_hugetlb(const struct cgroup *cg, const struct oci_resources *res)
{
	struct tgt t;
	int r;
	if (res->n_hugepage_limits == 0)
		return 0;
	if ((r = tgt_find(cg, "hugetlb", &t)) <= 0)
		return r < 0 ? r : no_ctrl(cg, "linux.resources.hugepageLimits", "hugetlb");
	for (size_t i = 0; i < res->n_hugepage_limits && r >= 0; i++) {
		const char *size = res->hugepage_limits[i].key;
		char field[64], file[128];
		snprintf(field, sizeof(field), "linux.resources.hugepageLimits[%zu]", i);
		/* "2MB", "1GB": also what keeps the file name inside the directory */
		size_t digits = strspn(size, "0123456789");
		if (digits == 0 || digits > 8 || !strchr("KMGTP", size[digits]) || !STREQ(size + digits + 1, "B")) {
			r = err_set(EINVAL, "%s: page size \"%s\" is not like \"2MB\" or \"1GB\"", field, size);
			break;
		}
		snprintf(file, sizeof(file), t.h->v2 ? "hugetlb.%s.max" : "hugetlb.%s.limit_in_bytes", size);
		if (!file_exists_at(t.fd, file)) {
			r = err_set(EINVAL, "%s: this host has no %s huge pages (no %s/%s)", field, size, t.h->path, file);
			break;
		}
		r = put(&t, field, file, res->hugepage_limits[i].value);
		/* config-linux.md: the limit is on reservations where the kernel accounts them
		 * (hugetlb.<size>.rsvd.*), so a task is refused at mmap rather than killed by SIGBUS */
		snprintf(file, sizeof(file), t.h->v2 ? "hugetlb.%s.rsvd.max" : "hugetlb.%s.rsvd.limit_in_bytes", size);
		if (r >= 0 && file_exists_at(t.fd, file))
			r = put(&t, field, file, res->hugepage_limits[i].value);
	}
	tgt_close(&t);
	return r;
}

static int apply_network(const struct cgroup *cg, const struct oci_resources *res)
{
	struct tgt t;
	int r = 0;
	if (opt_set(res->net_class_id)) {
		const struct cg_hier *h = v1_hier(cg, "net_cls");
		if (!h)
			return no_ctrl(cg, "linux.resources.network.classID", "net_cls");
		if (res->net_class_id < 0 || res->net_class_id > UINT32_MAX)
			return err_set(ERANGE, "linux.resources.network.classID: %lld is not a 32-bit class id",
				       (long long)res->net_class_id);
		t.h = h;
		if ((t.fd = cg_open_dir(h->path)) < 0)
			return err_sys(t.fd, "cannot open the container's cgroup %s", h->path);
		r = put_i64(&t, "linux.resources.network.classID", "net_cls.classid", res->net_class_id);
		tgt_close(&t);
		if (r < 0)
			return r;
	}
	if (res->n_net_priorities) {
		const struct cg_hier *h = v1_hier(cg, "net_prio");
		if (!h)
			return no_ctrl(cg, "linux.resources.network.priorities", "net_prio");
		t.h = h;
		if ((t.fd = cg_open_dir(h->path)) < 0)
			return err_sys(t.fd, "cannot open the container's cgroup %s", h->path);
		for (size_t i = 0; i < res->n_net_priorities && r >= 0; i++) {
			const char *ifname = res->net_priorities[i].key;
			char field[64], buf[128];
			snprintf(field, sizeof(field), "linux.resources.network.priorities[%zu]", i);
			if (!ifname[0] || strlen(ifname) >= 16 || strpbrk(ifname, " \t\n/")) {
				r = err_set(EINVAL, "%s: \"%s\" is not an interface name", field, ifname);
				break;
			}
			snprintf(buf, sizeof(buf), "%s %s", ifname, res->net_priorities[i].value);
			r = put(&t, field, "net_prio.ifpriomap", buf);
		}
		tgt_close(&t);
	}
	return r;
}

static int apply_unified(const struct cgroup *cg, const struct oci_resources *res)
{
	const struct cg_hier *h = v2_hier(cg);
	struct tgt t;
	int r = 0;
	if (res->n_unified == 0)
		return 0;
	if (!h || cg->mode == CG_MODE_V1)
		return err_set(EOPNOTSUPP, "linux.resources.unified: this host uses cgroup v1; unified (cgroup v2) "
					   "settings cannot be applied");
	t.h = h;
	if ((t.fd = cg_open_dir(h->path)) < 0)
		return err_sys(t.fd, "cannot open the container's cgroup %s", h->path);
	for (size_t i = 0; i < res->n_unified && r >= 0; i++) {
		const char *key = res->unified[i].key;
		char field[320];
		snprintf(field, sizeof(field), "linux.resources.unified.%s", key);
		if (!key[0] || key[0] == '.' || strchr(key, '/') || !strchr(key, '.')) {
			r = err_set(EINVAL, "%s: not a cgroup v2 interface file name", field);
			break;
		}
		if (!file_exists_at(t.fd, key)) {
			char ctrl[64];
			size_t cl = strcspn(key, ".");
			snprintf(ctrl, sizeof(ctrl), "%.*s", (int)(cl < sizeof(ctrl) ? cl : sizeof(ctrl) - 1), key);
			r = err_set(ENOENT, "%s: %s/%s does not exist", field, h->path, key);
			if (cg->mode == CG_MODE_HYBRID && v1_hier(cg, ctrl))
				r = err_hint(r, "on this hybrid host the %s controller is bound to cgroup v1", ctrl);
			else if (!STREQ(ctrl, "cgroup"))
				r = err_hint(r, "is the %s controller enabled for this cgroup?", ctrl);
			break;
		}
		r = put(&t, field, key, res->unified[i].value);
	}
	tgt_close(&t);
	return r;
}

static int apply_resources(const struct cgroup *cg, const struct oci_resources *res, bool update)
{
	int r;
	if (!res)
		return 0;
	if ((r = apply_cpuset(cg, res)) < 0 || (r = apply_memory(cg, res, update)) < 0 || (r = apply_pids(cg, res)) < 0 ||
	    (r = apply_cpu(cg, res)) < 0 || (r = apply_blkio(cg, res)) < 0 || (r = apply_hugetlb(cg, res)) < 0 ||
	    (r = apply_network(cg, res)) < 0 || (r = apply_unified(cg, res)) < 0)
		return r;
	return 0;
}

/* ---- create ------------------------------------------------------------- */

/* Controllers the container needs from a cgroup v2 hierarchy. */
static void v2_wanted(const struct cgroup *cg, const struct oci_resources *res, const char **want, size_t *n)
{
	static const char *const all[] = { "cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc" };
	*n = 0;
	if (cg->mode == CG_MODE_V2) {
		/* everything available: limits can be added later (`update`), stats need them */
		for (size_t i = 0; i < ARRAY_SIZE(all); i++)
			want[(*n)++] = all[i];
		return;
	}
	if (!res)
		return;
	/* hybrid: only what is asked for and not served by v1 */
	bool need[ARRAY_SIZE(all)] = { false };
	need[0] = (res->cpu_cpus && res->cpu_cpus[0]) || (res->cpu_mems && res->cpu_mems[0]);
	need[1] = opt_nz(res->cpu_shares) || opt_nz(res->cpu_quota) || opt_nz(res->cpu_period) || opt_set(res->cpu_burst) ||
		  opt_set(res->cpu_idle);
	need[2] = opt_nz(res->blkio_weight) || res->n_blkio_weight_devices || res->n_throttle[0] || res->n_throttle[1] ||
		  res->n_throttle[2] || res->n_throttle[3];
	need[3] = opt_nz(res->mem_limit) || opt_nz(res->mem_swap) || opt_nz(res->mem_reservation);
	need[4] = res->n_hugepage_limits > 0;
	need[5] = opt_set(res->pids_limit);
	for (size_t i = 0; i < res->n_unified; i++)
		for (size_t k = 0; k < ARRAY_SIZE(all); k++) {
			size_t l = strlen(all[k]);
			if (strncmp(res->unified[i].key, all[k], l) == 0 && res->unified[i].key[l] == '.')
				need[k] = true;
		}
	for (size_t k = 0; k < ARRAY_SIZE(all); k++)
		if (need[k] && !v1_hier(cg, STREQ(all[k], "io") ? "blkio" : all[k]))
			want[(*n)++] = all[k];
}

/* Enable the wanted controllers that dirfd offers in its cgroup.subtree_control (best effort). */
static void v2_enable(int dirfd, const char *path, const char **want, size_t n)
{
	char *offered = NULL, *enabled = NULL;
	if (n == 0 || cg_read_at(dirfd, "cgroup.controllers", &offered) < 0)
		return;
	if (cg_read_at(dirfd, "cgroup.subtree_control", &enabled) < 0)
		enabled = NULL;
	for (size_t i = 0; i < n; i++) {
		char buf[32];
		if (!words_have(offered, want[i]) || (enabled && words_have(enabled, want[i])))
			continue;
		snprintf(buf, sizeof(buf), "+%s", want[i]);
		int r = cg_write_at(dirfd, "cgroup.subtree_control", buf);
		if (r < 0)
			log_debug("cgroup: cannot enable %s in %s/cgroup.subtree_control: %s", want[i], path, strerror(-r));
	}
	free(offered);
	free(enabled);
}

/* v1 cpuset: a new cgroup starts with empty cpus/mems and takes no tasks until they are set. */
static int cpuset_init(int parentfd, int dirfd, const char *path)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		char *cur = NULL, *par = NULL;
		int r = cg_read_at(dirfd, files[i], &cur);
		if (r >= 0) {
			chomp(cur);
			if (!cur[0]) {
				r = cg_read_at(parentfd, files[i], &par);
				if (r >= 0) {
					chomp(par);
					r = cg_write_at(dirfd, files[i], par[0] ? par : "\n");
				}
			}
		}
		free(cur);
		free(par);
		if (r < 0)
			return err_sys(r, "cannot initialise %s/%s from its parent", path, files[i]);
	}
	return 0;
}

struct made {
	char **dirs;
	size_t n;
};

static int made_push(struct made *m, const char *path)
{
	char **nd = realloc(m->dirs, (m->n + 1) * sizeof(*nd));
	if (!nd)
		return -ENOMEM;
	m->dirs = nd;
	if (!(m->dirs[m->n] = strdup(path)))
		return -ENOMEM;
	m->n++;
	return 0;
}

static int rmdir_retry(const char *path)
{
	for (int i = 0; i < 100; i++) {
		if (rmdir(path) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -errno;
		sleep_ms(10);
	}
	return -EBUSY;
}

/* Undo: remove what this call made, deepest first; keep the recorded error. */
static void made_rollback(struct made *m)
{
	char saved[4096];
	snprintf(saved, sizeof(saved), "%s", err_msg());
	for (size_t i = m->n; i-- > 0;) {
		int r = rmdir_retry(m->dirs[i]);
		if (r < 0)
			log_warn("cannot remove cgroup %s: %s", m->dirs[i], strerror(-r));
	}
	err_restore(saved);
}

static void made_free(struct made *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->dirs[i]);
	free(m->dirs);
	m->dirs = NULL;
	m->n = 0;
}

/* First pid in dirfd/cgroup.procs, 0 for none. */
static pid_t first_proc(int dirfd)
{
	char *s = NULL;
	long long v = 0;
	if (cg_read_at(dirfd, "cgroup.procs", &s) < 0)
		return 0;
	if (s[0])
		v = strtoll(s, NULL, 10);
	free(s);
	return (pid_t)v;
}

/*
 * mkdir -p h->path one component at a time below the mount point (no
 * symlinks followed), preparing each level: cpuset values on v1, enabled
 * controllers on v2.  Sets *leaf_made.
 */
static int make_path(const struct cg_hier *h, const char **want, size_t n_want, struct made *m,
		     bool *leaf_made)
{
	char cur[PATH_MAX];
	bool cpuset = !h->v2 && list_has(h->controllers, "cpuset");
	size_t ml = strlen(h->mountpoint);
	int r;

	*leaf_made = false;
	_cleanup_close_ int fd = cg_open_dir(h->mountpoint);
	if (fd < 0)
		return err_sys(fd, "cannot open the cgroup hierarchy %s", h->mountpoint);
	snprintf(cur, sizeof(cur), "%s", h->mountpoint);
	const char *p = h->path + ml;
	while (*p == '/') {
		p++;
		size_t l = strcspn(p, "/");
		char comp[NAME_MAX + 1];
		if (l == 0 || l > NAME_MAX)
			return err_set(EINVAL, "bad cgroup path %s", h->path);
		memcpy(comp, p, l);
		comp[l] = '\0';
		p += l;
		bool leaf = *p == '\0';
		size_t cl = strlen(cur);
		snprintf(cur + cl, sizeof(cur) - cl, "/%s", comp);

		if (h->v2)
			v2_enable(fd, cur, want, n_want);
		bool made = mkdirat(fd, comp, 0755) == 0;
		if (!made && errno != EEXIST)
			return err_sys(errno, "cannot create cgroup %s", cur);
		if (made && (r = made_push(m, cur)) < 0) {
			rmdir(cur);
			return err_sys(r, "cgroup");
		}
		int nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0)
			return err_sys(errno, "cannot open cgroup %s", cur);
		if (cpuset && (r = cpuset_init(fd, nfd, cur)) < 0) {
			close(nfd);
			return r;
		}
		close(fd);
		fd = nfd;
		if (leaf) {
			*leaf_made = made;
			if (!made) {
				pid_t pid = first_proc(fd);
				if (pid > 0)
					return err_set(EBUSY, "cgroup %s already in use (process %d is in it)", cur, (int)pid);
			}
		}
	}
	return 0;
}

int cg_create(struct cgroup *cg, const struct oci_resources *res)
{
	struct made m = { 0 };
	const char *want[16];
	size_t n_want = 0;
	int r = 0;

	v2_wanted(cg, res, want, &n_want);
	for (size_t i = 0; i < cg->n && r >= 0; i++) {
		struct cg_hier *h = &cg->h[i];
		bool leaf_made = false;
		/* a concurrent `delete` may remove an empty shared parent ("stockade") under us: retry */
		for (int tries = 0; tries < 5; tries++) {
			r = make_path(h, want, n_want, &m, &leaf_made);
			if (r != -ENOENT)
				break;
		}
		h->created = leaf_made;
	}
	if (r >= 0 && (r = apply_resources(cg, res, false)) >= 0)
		r = cg_devices_apply(cg, res);
	if (r < 0) {
		made_rollback(&m);
		for (size_t i = 0; i < cg->n; i++)
			cg->h[i].created = false;
	}
	made_free(&m);
	return r;
}

int cg_update(const struct cgroup *cg, const struct oci_resources *res)
{
	if (!res)
		return 0;
	for (size_t i = 0; i < cg->n; i++)
		if (!dir_exists(cg->h[i].path))
			return err_set(ENOENT, "the container's cgroup %s is gone", cg->h[i].path);
	/* a controller first asked for now must be enabled in the parents too (best effort) */
	const char *want[16];
	size_t n_want = 0;
	v2_wanted(cg, res, want, &n_want);
	const struct cg_hier *h = v2_hier(cg);
	if (h && n_want) {
		char cur[PATH_MAX];
		size_t ml = strlen(h->mountpoint);
		snprintf(cur, sizeof(cur), "%s", h->path);
		/* every ancestor from the mount point down to the leaf's parent */
		for (char *end = cur + ml; end && *end;) {
			char saved = *end;
			*end = '\0';
			_cleanup_close_ int fd = cg_open_dir(cur);
			if (fd >= 0)
				v2_enable(fd, cur, want, n_want);
			*end = saved;
			end = strchr(end + 1, '/');
		}
	}
	int r = apply_resources(cg, res, true);
	/* device rules only when the update carries some: an update must not reset them */
	if (r >= 0 && res->n_devices > 0)
		r = cg_devices_apply(cg, res);
	return r;
}

/* ---- processes ---------------------------------------------------------- */

int cg_enter(const struct cgroup *cg, pid_t pid)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	for (size_t i = 0; i < cg->n; i++) {
		const struct cg_hier *h = &cg->h[i];
		_cleanup_close_ int fd = cg_open_dir(h->path);
		if (fd < 0)
			return err_sys(fd, "cannot open cgroup %s", h->path);
		int r = cg_write_at(fd, "cgroup.procs", buf);
		if (r < 0) {
			r = err_sys(r, "cannot move process %d into %s", (int)pid, h->path);
			if (r == -ENOSPC && list_has(h->controllers, "cpuset"))
				r = err_hint(r, "the cgroup has no CPUs or memory nodes (cpuset.cpus/cpuset.mems)");
			return r;
		}
	}
	return 0;
}

struct pidset {
	pid_t *v;
	size_t n, cap;
};

static int pidset_add_procs(struct pidset *ps, int dirfd)
{
	char *s = NULL;
	int r = cg_read_at(dirfd, "cgroup.procs", &s);
	if (r < 0)
		return r == -ENOENT || r == -ENODEV ? 0 : r;
	for (char *p = s; *p;) {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p)
			break;
		p = end;
		while (*p == '\n')
			p++;
		if (v <= 0)
			continue;
		if (ps->n == ps->cap) {
			size_t cap = ps->cap ? ps->cap * 2 : 16;
			pid_t *nv = realloc(ps->v, cap * sizeof(*nv));
			if (!nv) {
				free(s);
				return -ENOMEM;
			}
			ps->v = nv;
			ps->cap = cap;
		}
		ps->v[ps->n++] = (pid_t)v;
	}
	free(s);
	return 0;
}

/* Processes in dirfd and every cgroup below it (the container may make sub-cgroups). */
static int collect_tree(struct pidset *ps, int dirfd, int depth)
{
	int r = pidset_add_procs(ps, dirfd);
	if (r < 0 || depth > 32)
		return r;
	int dup = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dup < 0)
		return -errno;
	DIR *d = fdopendir(dup);
	if (!d) {
		close(dup);
		return -errno;
	}
	struct dirent *de;
	while (r >= 0 && (de = readdir(d))) {
		if (de->d_type != DT_DIR || STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
			continue;
		int sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue; /* removed meanwhile */
		r = collect_tree(ps, sub, depth + 1);
		close(sub);
	}
	closedir(d);
	return r;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return x < y ? -1 : x > y;
}

static void pidset_dedupe(struct pidset *ps)
{
	if (ps->n < 2)
		return;
	qsort(ps->v, ps->n, sizeof(*ps->v), cmp_pid);
	size_t o = 1;
	for (size_t i = 1; i < ps->n; i++)
		if (ps->v[i] != ps->v[o - 1])
			ps->v[o++] = ps->v[i];
	ps->n = o;
}

/* All processes in h's container cgroup (and below); a missing cgroup is empty. */
static int hier_pids(const struct cg_hier *h, struct pidset *ps)
{
	int fd = cg_open_dir(h->path);
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	int r = collect_tree(ps, fd, 0);
	close(fd);
	return r;
}

/* The hierarchy whose cgroup.procs lists the container's processes. */
static const struct cg_hier *procs_hier(const struct cgroup *cg)
{
	static const char *const pref[] = { "pids", "memory", "freezer" };
	for (size_t i = 0; i < ARRAY_SIZE(pref); i++) {
		const struct cg_hier *h = v1_hier(cg, pref[i]);
		if (h)
			return h;
	}
	const struct cg_hier *h = v2_hier(cg);
	return h ? h : cg->n ? &cg->h[0] : NULL;
}

int cg_pids(const struct cgroup *cg, pid_t **pids, size_t *n)
{
	struct pidset ps = { 0 };
	const struct cg_hier *h = procs_hier(cg);
	*pids = NULL;
	*n = 0;
	if (!h)
		return 0;
	int r = hier_pids(h, &ps);
	if (r < 0) {
		free(ps.v);
		return err_sys(r, "cannot list the processes of cgroup %s", h->path);
	}
	pidset_dedupe(&ps);
	*pids = ps.v;
	*n = ps.n;
	return 0;
}

/* Any process in h's container cgroup or below it? */
static bool hier_busy(const struct cg_hier *h)
{
	_cleanup_close_ int fd = cg_open_dir(h->path);
	if (fd < 0)
		return false;
	if (h->v2) {
		/* "populated 1" covers the whole subtree */
		char *s = NULL;
		if (cg_read_at(fd, "cgroup.events", &s) >= 0) {
			bool pop = strstr(s, "populated 1") != NULL;
			free(s);
			return pop;
		}
	}
	struct pidset ps = { 0 };
	int r = collect_tree(&ps, fd, 0);
	bool busy = r >= 0 && ps.n > 0;
	free(ps.v);
	return busy;
}

bool cg_has_processes(const struct cgroup *cg)
{
	for (size_t i = 0; i < cg->n; i++)
		if (hier_busy(&cg->h[i]))
			return true;
	return false;
}

/* ---- freezer ------------------------------------------------------------ */

static const struct cg_hier *freezer_hier(const struct cgroup *cg)
{
	const struct cg_hier *h = v1_hier(cg, "freezer");
	return h ? h : v2_hier(cg);
}

/* v1: "FROZEN", "FREEZING", "THAWED"; v2: "frozen 1" in cgroup.events */
static int frozen_at(const struct cg_hier *h, int fd, bool *frozen)
{
	char *s = NULL;
	int r = cg_read_at(fd, h->v2 ? "cgroup.events" : "freezer.state", &s);
	if (r < 0)
		return r;
	*frozen = h->v2 ? strstr(s, "frozen 1") != NULL : strncmp(s, "FROZEN", 6) == 0;
	free(s);
	return 0;
}

int cg_frozen(const struct cgroup *cg, bool *frozen)
{
	const struct cg_hier *h = freezer_hier(cg);
	*frozen = false;
	if (!h)
		return 0;
	_cleanup_close_ int fd = cg_open_dir(h->path);
	if (fd < 0)
		return fd == -ENOENT ? 0 : err_sys(fd, "cannot open cgroup %s", h->path);
	int r = frozen_at(h, fd, frozen);
	if (r == -ENOENT)
		return 0;
	return r < 0 ? err_sys(r, "cannot read the freezer state of %s", h->path) : 0;
}

int cg_freeze(const struct cgroup *cg, bool freeze)
{
	const struct cg_hier *h = freezer_hier(cg);
	if (!h)
		return err_set(EOPNOTSUPP, "no freezer cgroup is available on this host");
	_cleanup_close_ int fd = cg_open_dir(h->path);
	if (fd < 0)
		return err_sys(fd, "cannot open cgroup %s", h->path);
	const char *file = h->v2 ? "cgroup.freeze" : "freezer.state";
	const char *val = h->v2 ? (freeze ? "1" : "0") : (freeze ? "FROZEN" : "THAWED");
	int r;
	/* up to ~2 s: FREEZING can take a moment (tasks in uninterruptible sleep) */
	for (int i = 0; i < 400; i++) {
		bool now;
		if (i % 50 == 0 && (r = cg_write_at(fd, file, val)) < 0)
			return err_sys(r, "cannot write \"%s\" to %s/%s", val, h->path, file);
		if ((r = frozen_at(h, fd, &now)) < 0)
			return err_sys(r, "cannot read the freezer state of %s", h->path);
		if (now == freeze)
			return 0;
		sleep_ms(i < 20 ? 1 : 5);
	}
	if (freeze)
		(void)cg_write_at(fd, file, h->v2 ? "0" : "THAWED");
	return err_set(EBUSY, "cgroup %s did not %s in time", h->path, freeze ? "freeze" : "thaw");
}

/* ---- signals, destroy ---------------------------------------------------- */

static int kill_pids(const struct pidset *ps, int sig)
{
	int r = 0;
	for (size_t i = 0; i < ps->n; i++)
		if (kill(ps->v[i], sig) < 0 && errno != ESRCH && r == 0)
			r = err_sys(errno, "cannot send signal %d to process %d", sig, (int)ps->v[i]);
	return r;
}

int cg_signal_all(const struct cgroup *cg, int sig)
{
	const struct cg_hier *v2 = v2_hier(cg);
	int r;

	/* cgroup.kill: the kernel kills the whole subtree, frozen or forking, atomically */
	if (sig == SIGKILL && v2) {
		_cleanup_close_ int fd = cg_open_dir(v2->path);
		if (fd >= 0 && file_exists_at(fd, "cgroup.kill")) {
			r = cg_write_at(fd, "cgroup.kill", "1");
			if (r < 0 && r != -ENOENT)
				return err_sys(r, "cannot write to %s/cgroup.kill", v2->path);
			if (cg->mode == CG_MODE_V2)
				return 0;
		}
	}
	struct pidset ps = { 0 };
	const struct cg_hier *h = procs_hier(cg);
	if (!h)
		return 0;
	/* freeze around SIGKILL so nothing forks past the list (v1 freezer) */
	const struct cg_hier *fz = v1_hier(cg, "freezer");
	bool was_frozen = false, froze = false;
	if (sig == SIGKILL && fz && cg_frozen(cg, &was_frozen) >= 0 && !was_frozen)
		froze = cg_freeze(cg, true) >= 0;
	r = hier_pids(h, &ps);
	if (r < 0)
		r = err_sys(r, "cannot list the processes of cgroup %s", h->path);
	else
		r = kill_pids(&ps, sig);
	free(ps.v);
	if (froze) {
		char saved[4096];
		snprintf(saved, sizeof(saved), "%s", err_msg());
		if (cg_freeze(cg, false) < 0)
			log_warn("%s", err_msg());
		err_restore(saved);
	}
	return r;
}

/* Remove the cgroups below dirfd (depth first), then the directory itself. */
static int rmdir_tree(const char *path, int depth)
{
	int fd = cg_open_dir(path);
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	DIR *d = fdopendir(fd);
	if (!d) {
		int e = -errno;
		close(fd);
		return e;
	}
	struct dirent *de;
	int r = 0;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
			continue;
		char sub[PATH_MAX];
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name) >= sizeof(sub) || depth > 32) {
			r = -ENAMETOOLONG;
			continue;
		}
		int q = rmdir_tree(sub, depth + 1);
		if (q < 0 && r == 0)
			r = q;
	}
	closedir(d);
	int q = rmdir_retry(path);
	return r < 0 ? r : q;
}

int cg_destroy(struct cgroup *cg)
{
	bool any = false;
	int r = 0;

	for (size_t i = 0; i < cg->n; i++)
		any |= cg->h[i].created;
	if (!any)
		return 0;

	/* a frozen v1 cgroup holds SIGKILL until thawed */
	bool frozen = false;
	if (cg_frozen(cg, &frozen) >= 0 && frozen)
		(void)cg_freeze(cg, false);
	for (int i = 0; i < 100; i++) {
		bool busy = false;
		for (size_t k = 0; k < cg->n && !busy; k++)
			busy = cg->h[k].created && hier_busy(&cg->h[k]);
		if (!busy)
			break;
		const struct cg_hier *v2 = v2_hier(cg);
		if (v2 && v2->created) {
			_cleanup_close_ int fd = cg_open_dir(v2->path);
			if (fd >= 0)
				(void)cg_write_at(fd, "cgroup.kill", "1");
		}
		for (size_t k = 0; k < cg->n; k++) {
			struct pidset ps = { 0 };
			if (cg->h[k].created && hier_pids(&cg->h[k], &ps) >= 0)
				(void)kill_pids(&ps, SIGKILL);
			free(ps.v);
		}
		sleep_ms(10);
	}

	for (size_t i = 0; i < cg->n; i++) {
		const struct cg_hier *h = &cg->h[i];
		if (!h->created)
			continue;
		int q = rmdir_tree(h->path, 0);
		if (q < 0) {
			if (r == 0)
				r = err_sys(q, "cannot remove cgroup %s", h->path);
			continue;
		}
		/*
		 * A relative cgroupsPath lives in the runtime's own part of the
		 * tree: its parents ("stockade") go too once empty.  Parents of an
		 * absolute path may belong to someone else and stay.
		 */
		if (cg->rel[0] == '/')
			continue;
		char p[PATH_MAX];
		snprintf(p, sizeof(p), "%s", h->path);
		for (const char *c = strchr(cg->rel, '/'); c; c = strchr(c + 1, '/')) {
			char *slash = strrchr(p, '/');
			if (!slash)
				break;
			*slash = '\0';
			if (rmdir(p) < 0 && errno != ENOENT)
				break; /* EBUSY/ENOTEMPTY: another container still uses it */
		}
	}
	return r;
}

/* ---- stats -------------------------------------------------------------- */

/* "key value" lines (memory.stat, cpu.stat, cpuacct.stat) into a JSON object of integers. */
static json_object *kv_file(int fd, const char *file)
{
	char *s = NULL;
	if (cg_read_at(fd, file, &s) < 0)
		return NULL;
	json_object *o = json_object_new_object();
	char *save = NULL;
	for (char *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');
		unsigned long long v;
		if (!sp)
			continue;
		*sp = '\0';
		if (parse_u64(sp + 1, &v) >= 0)
			json_object_object_add(o, line, json_object_new_uint64(v));
	}
	free(s);
	return o;
}

static uint64_t kv_get(json_object *o, const char *k)
{
	json_object *v;
	return o && json_object_object_get_ex(o, k, &v) ? json_object_get_uint64(v) : 0;
}

static void add_u64(json_object *o, const char *k, int fd, const char *file)
{
	unsigned long long v;
	if (fd >= 0 && read_u64_at(fd, file, &v) >= 0)
		json_object_object_add(o, k, json_object_new_uint64(v));
}

static json_object *stats_memory(const struct cgroup *cg)
{
	struct tgt t;
	if (tgt_find(cg, "memory", &t) <= 0)
		return NULL;
	json_object *m = json_object_new_object(), *usage = json_object_new_object(), *swap = json_object_new_object();
	json_object *raw = kv_file(t.fd, "memory.stat");
	if (!t.h->v2) {
		add_u64(usage, "usage", t.fd, "memory.usage_in_bytes");
		add_u64(usage, "limit", t.fd, "memory.limit_in_bytes");
		add_u64(usage, "max", t.fd, "memory.max_usage_in_bytes");
		add_u64(usage, "failcnt", t.fd, "memory.failcnt");
		add_u64(swap, "usage", t.fd, "memory.memsw.usage_in_bytes");
		add_u64(swap, "limit", t.fd, "memory.memsw.limit_in_bytes");
		add_u64(swap, "max", t.fd, "memory.memsw.max_usage_in_bytes");
		add_u64(swap, "failcnt", t.fd, "memory.memsw.failcnt");
		json_object_object_add(m, "cache", json_object_new_uint64(kv_get(raw, "cache")));
	} else {
		unsigned long long cur = 0, sw = 0, max = UINT64_MAX, swmax = UINT64_MAX;
		json_object *ev = kv_file(t.fd, "memory.events");
		add_u64(usage, "usage", t.fd, "memory.current");
		add_u64(usage, "limit", t.fd, "memory.max");
		add_u64(usage, "max", t.fd, "memory.peak");
		json_object_object_add(usage, "failcnt", json_object_new_uint64(kv_get(ev, "max")));
		json_object_put(ev);
		/* like runc: v2 swap figures are memory+swap, as v1's memsw */
		if (read_u64_at(t.fd, "memory.swap.current", &sw) >= 0 && read_u64_at(t.fd, "memory.current", &cur) >= 0) {
			json_object_object_add(swap, "usage", json_object_new_uint64(cur + sw));
			(void)read_u64_at(t.fd, "memory.max", &max);
			(void)read_u64_at(t.fd, "memory.swap.max", &swmax);
			json_object_object_add(swap, "limit", json_object_new_uint64(max == UINT64_MAX || swmax == UINT64_MAX
											 ? UINT64_MAX : max + swmax));
		}
		json_object_object_add(m, "cache", json_object_new_uint64(kv_get(raw, "file")));
	}
	json_object_object_add(m, "usage", usage);
	json_object_object_add(m, "swap", swap);
	if (raw)
		json_object_object_add(m, "raw", raw);
	tgt_close(&t);
	return m;
}

static json_object *stats_pids(const struct cgroup *cg)
{
	struct tgt t;
	unsigned long long v;
	if (tgt_find(cg, "pids", &t) <= 0)
		return NULL;
	json_object *p = json_object_new_object();
	add_u64(p, "current", t.fd, "pids.current");
	/* runc reports "max" as 0 */
	if (read_u64_at(t.fd, "pids.max", &v) >= 0)
		json_object_object_add(p, "limit", json_object_new_uint64(v == UINT64_MAX ? 0 : v));
	tgt_close(&t);
	return p;
}

static json_object *stats_cpu(const struct cgroup *cg)
{
	json_object *c = json_object_new_object(), *usage = json_object_new_object(), *thr = json_object_new_object();
	const struct cg_hier *acct = v1_hier(cg, "cpuacct"), *cpu = v1_hier(cg, "cpu"), *v2 = v2_hier(cg);
	long hz = sysconf(_SC_CLK_TCK);
	unsigned long long ns_per_tick = 1000000000ULL / (unsigned long long)(hz > 0 ? hz : 100);
	if (acct) {
		_cleanup_close_ int fd = cg_open_dir(acct->path);
		add_u64(usage, "total", fd, "cpuacct.usage");
		json_object *st = fd >= 0 ? kv_file(fd, "cpuacct.stat") : NULL;
		if (st) {
			/* USER_HZ ticks -> ns */
			json_object_object_add(usage, "user", json_object_new_uint64(kv_get(st, "user") * ns_per_tick));
			json_object_object_add(usage, "kernel", json_object_new_uint64(kv_get(st, "system") * ns_per_tick));
			json_object_put(st);
		}
		char *pc = NULL;
		if (fd >= 0 && cg_read_at(fd, "cpuacct.usage_percpu", &pc) >= 0) {
			json_object *arr = json_object_new_array();
			char *save = NULL;
			for (char *w = strtok_r(pc, " \n", &save); w; w = strtok_r(NULL, " \n", &save))
				json_object_array_add(arr, json_object_new_uint64(strtoull(w, NULL, 10)));
			json_object_object_add(usage, "percpu", arr);
			free(pc);
		}
	} else if (v2) {
		_cleanup_close_ int fd = cg_open_dir(v2->path);
		json_object *st = fd >= 0 ? kv_file(fd, "cpu.stat") : NULL;
		if (st) {
			json_object_object_add(usage, "total", json_object_new_uint64(kv_get(st, "usage_usec") * 1000));
			json_object_object_add(usage, "user", json_object_new_uint64(kv_get(st, "user_usec") * 1000));
			json_object_object_add(usage, "kernel", json_object_new_uint64(kv_get(st, "system_usec") * 1000));
			json_object_put(st);
		}
	}
	const struct cg_hier *th = cpu ? cpu : v2;
	if (th) {
		_cleanup_close_ int fd = cg_open_dir(th->path);
		json_object *st = fd >= 0 ? kv_file(fd, "cpu.stat") : NULL;
		if (st) {
			json_object_object_add(thr, "periods", json_object_new_uint64(kv_get(st, "nr_periods")));
			json_object_object_add(thr, "throttledPeriods", json_object_new_uint64(kv_get(st, "nr_throttled")));
			json_object_object_add(thr, "throttledTime", json_object_new_uint64(
				th->v2 ? kv_get(st, "throttled_usec") * 1000 : kv_get(st, "throttled_time")));
			json_object_put(st);
		}
	}
	json_object_object_add(c, "usage", usage);
	json_object_object_add(c, "throttling", thr);
	return c;
}

int cg_stats(const struct cgroup *cg, json_object **out)
{
	json_object *o = json_object_new_object(), *v;
	if (!o)
		return err_sys(ENOMEM, "stats");
	json_object_object_add(o, "cpu", stats_cpu(cg));
	if ((v = stats_memory(cg)))
		json_object_object_add(o, "memory", v);
	if ((v = stats_pids(cg)))
		json_object_object_add(o, "pids", v);
	*out = o;
	return 0;
}
