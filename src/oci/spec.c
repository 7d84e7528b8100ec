/*
 * config.json -> struct oci_spec.  Everything that can be checked without
 * touching the system is checked here, so `create` refuses a bad config
 * before it makes a state directory, a cgroup or a process.
 */
#include "oci/spec.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/stat.h>

#include "oci/names.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/jsonr.h"
#include "util/macros.h"

#define CONFIG_MAX (64u << 20)

struct parser {
	struct jr j;
	struct oci_spec *s;
};

#define A(p) (&(p)->s->arena)

/* Run `expr` with ".key" pushed on the path. */
#define WITH_KEY(p, key, expr) \
	({ \
		size_t _m = jr_key(&(p)->j, (key)); \
		int _r = (expr); \
		jr_reset(&(p)->j, _m); \
		_r; \
	})

static int one_of(struct parser *p, json_object *v, const char *const *names, size_t n, int *out)
{
	char what[512];
	size_t len = 0;

	if (json_object_get_type(v) == json_type_string) {
		const char *s = json_object_get_string(v);
		for (size_t i = 0; i < n; i++)
			if (names[i] && STREQ(names[i], s)) {
				*out = (int)i;
				return 0;
			}
	}
	len += (size_t)snprintf(what + len, sizeof(what) - len, "one of ");
	for (size_t i = 0; i < n && len < sizeof(what); i++)
		if (names[i])
			len += (size_t)snprintf(what + len, sizeof(what) - len, "%s%s", i ? ", " : "", names[i]);
	return jr_expected(&p->j, what, v);
}

static int need_absolute(struct parser *p, const char *what, const char *path)
{
	if (path[0] != '/')
		return jr_fail(&p->j, "%s must be an absolute path, found \"%s\"", what, path);
	return 0;
}

/* ---------------------------------------------------------------- root */

static int parse_root(struct parser *p, json_object *top)
{
	json_object *root;
	char *path = NULL;
	int r = jr_member(&p->j, top, "root", json_type_object, &root);
	if (r < 0)
		return r;
	if (r == 0)
		return jr_fail(&p->j, "\"root\" is missing; add {\"root\": {\"path\": \"rootfs\"}}");
	size_t m = jr_key(&p->j, "root");
	r = jr_str(&p->j, root, "path", &path);
	if (r == 0)
		r = jr_fail(&p->j, "\"path\" is missing: name the root filesystem directory, e.g. \"rootfs\"");
	if (r < 0)
		return r;
	if (!path[0])
		return WITH_KEY(p, "path", jr_fail(&p->j, "the root path is empty"));
	if (path[0] == '/')
		p->s->root_path = path;
	else
		p->s->root_path = arena_printf(A(p), "%s/%s", p->s->bundle, path);
	r = jr_bool(&p->j, root, "readonly", &p->s->root_readonly);
	jr_reset(&p->j, m);
	return r < 0 ? r : 0;
}

/* -------------------------------------------------------------- mounts */

struct mount_opt {
	const char *name;
	uint64_t attr;      /* MOUNT_ATTR_* */
	bool clear;         /* the option clears attr */
	bool recursive;     /* rro, rnosuid, ... */
	unsigned long prop; /* propagation */
};

static const struct mount_opt mount_opts[] = {
	{ "ro", MOUNT_ATTR_RDONLY, false, false, 0 },
	{ "rw", MOUNT_ATTR_RDONLY, true, false, 0 },
	{ "nosuid", MOUNT_ATTR_NOSUID, false, false, 0 },
	{ "suid", MOUNT_ATTR_NOSUID, true, false, 0 },
	{ "nodev", MOUNT_ATTR_NODEV, false, false, 0 },
	{ "dev", MOUNT_ATTR_NODEV, true, false, 0 },
	{ "noexec", MOUNT_ATTR_NOEXEC, false, false, 0 },
	{ "exec", MOUNT_ATTR_NOEXEC, true, false, 0 },
	{ "nodiratime", MOUNT_ATTR_NODIRATIME, false, false, 0 },
	{ "diratime", MOUNT_ATTR_NODIRATIME, true, false, 0 },
	{ "noatime", MOUNT_ATTR_NOATIME, false, false, 0 },
	{ "relatime", MOUNT_ATTR_RELATIME, false, false, 0 },
	{ "strictatime", MOUNT_ATTR_STRICTATIME, false, false, 0 },
	{ "atime", MOUNT_ATTR_NOATIME, true, false, 0 },
	{ "norelatime", MOUNT_ATTR_RELATIME, true, false, 0 },
	{ "nostrictatime", MOUNT_ATTR_STRICTATIME, true, false, 0 },
	{ "nosymfollow", MOUNT_ATTR_NOSYMFOLLOW, false, false, 0 },
	{ "symfollow", MOUNT_ATTR_NOSYMFOLLOW, true, false, 0 },
	{ "rro", MOUNT_ATTR_RDONLY, false, true, 0 },
	{ "rrw", MOUNT_ATTR_RDONLY, true, true, 0 },
	{ "rnosuid", MOUNT_ATTR_NOSUID, false, true, 0 },
	{ "rsuid", MOUNT_ATTR_NOSUID, true, true, 0 },
	{ "rnodev", MOUNT_ATTR_NODEV, false, true, 0 },
	{ "rdev", MOUNT_ATTR_NODEV, true, true, 0 },
	{ "rnoexec", MOUNT_ATTR_NOEXEC, false, true, 0 },
	{ "rexec", MOUNT_ATTR_NOEXEC, true, true, 0 },
	{ "rnodiratime", MOUNT_ATTR_NODIRATIME, false, true, 0 },
	{ "rdiratime", MOUNT_ATTR_NODIRATIME, true, true, 0 },
	{ "rnoatime", MOUNT_ATTR_NOATIME, false, true, 0 },
	{ "rrelatime", MOUNT_ATTR_RELATIME, false, true, 0 },
	{ "rstrictatime", MOUNT_ATTR_STRICTATIME, false, true, 0 },
	{ "ratime", MOUNT_ATTR_NOATIME, true, true, 0 },
	{ "rnorelatime", MOUNT_ATTR_RELATIME, true, true, 0 },
	{ "rnostrictatime", MOUNT_ATTR_STRICTATIME, true, true, 0 },
	{ "rnosymfollow", MOUNT_ATTR_NOSYMFOLLOW, false, true, 0 },
	{ "rsymfollow", MOUNT_ATTR_NOSYMFOLLOW, true, true, 0 },
	{ "shared", 0, false, false, MS_SHARED },
	{ "rshared", 0, false, false, MS_SHARED | MS_REC },
	{ "slave", 0, false, false, MS_SLAVE },
	{ "rslave", 0, false, false, MS_SLAVE | MS_REC },
	{ "private", 0, false, false, MS_PRIVATE },
	{ "rprivate", 0, false, false, MS_PRIVATE | MS_REC },
	{ "unbindable", 0, false, false, MS_UNBINDABLE },
	{ "runbindable", 0, false, false, MS_UNBINDABLE | MS_REC },
};

static const char *const ignored_opts[] = { "defaults", "async", "nolazytime", "nomand", "loud", "iversion", "noiversion" };

static void apply_attr(uint64_t *set, uint64_t *clr, uint64_t attr, bool clear)
{
	bool atime = attr == MOUNT_ATTR_NOATIME || attr == MOUNT_ATTR_RELATIME || attr == MOUNT_ATTR_STRICTATIME;
	if (atime) {
		/* the atime mode is a 3-way field: set it as a whole */
		*set &= ~(uint64_t)MOUNT_ATTR__ATIME;
		*clr |= MOUNT_ATTR__ATIME;
		if (!clear)
			*set |= attr;
		return;
	}
	if (clear) {
		*set &= ~attr;
		*clr |= attr;
	} else {
		*set |= attr;
		*clr &= ~attr;
	}
}

static int parse_idmaps(struct parser *p, json_object *obj, const char *key, struct oci_idmap **out, size_t *n);

static int parse_mount(struct parser *p, json_object *mo, struct oci_mount *m)
{
	char data[4096];
	size_t dlen = 0;
	int r;

	if (json_object_get_type(mo) != json_type_object)
		return jr_expected(&p->j, "an object", mo);
	m->jpath = jr_path_dup(&p->j);
	r = jr_str(&p->j, mo, "destination", &m->destination);
	if (r == 0)
		return jr_fail(&p->j, "\"destination\" is missing: every mount needs the absolute path where it appears in the container");
	if (r < 0)
		return r;
	if (!m->destination[0])
		return WITH_KEY(p, "destination", jr_fail(&p->j, "the destination is empty"));
	if (m->destination[0] != '/')
		m->destination = arena_printf(A(p), "/%s", m->destination);
	if ((r = jr_str(&p->j, mo, "type", &m->type)) < 0)
		return r;
	if ((r = jr_str(&p->j, mo, "source", &m->source)) < 0)
		return r;
	if ((r = jr_strv(&p->j, mo, "options", &m->options, &m->n_options)) < 0)
		return r;
	if ((r = parse_idmaps(p, mo, "uidMappings", &m->uid_mappings, &m->n_uid_mappings)) < 0)
		return r;
	if ((r = parse_idmaps(p, mo, "gidMappings", &m->gid_mappings, &m->n_gid_mappings)) < 0)
		return r;

	data[0] = '\0';
	for (size_t i = 0; i < m->n_options; i++) {
		const char *o = m->options[i];
		bool known = false;
		if (STREQ(o, "bind")) {
			m->bind = true;
			continue;
		}
		if (STREQ(o, "rbind")) {
			m->bind = m->rbind = true;
			continue;
		}
		if (STREQ(o, "tmpcopyup")) {
			m->tmpcopyup = true;
			continue;
		}
		if (STREQ(o, "idmap") || STREQ(o, "ridmap")) {
			m->idmap = true;
			m->ridmap = o[0] == 'r';
			continue;
		}
		for (size_t k = 0; k < ARRAY_SIZE(mount_opts); k++) {
			const struct mount_opt *mo_ = &mount_opts[k];
			if (!STREQ(mo_->name, o))
				continue;
			known = true;
			if (mo_->prop)
				m->propagation = mo_->prop;
			else if (mo_->recursive)
				apply_attr(&m->rattr_set, &m->rattr_clr, mo_->attr, mo_->clear);
			else
				apply_attr(&m->attr_set, &m->attr_clr, mo_->attr, mo_->clear);
			break;
		}
		for (size_t k = 0; !known && k < ARRAY_SIZE(ignored_opts); k++)
			known = STREQ(ignored_opts[k], o);
		if (known)
			continue;
		if (STREQ(o, "remount")) {
			size_t mk = jr_key(&p->j, "options");
			jr_idx(&p->j, i);
			r = jr_fail(&p->j, "\"remount\" is not supported: list the mount once with the options it should have");
			jr_reset(&p->j, mk);
			return r;
		}
		/* anything else goes to the filesystem (mode=755, size=64m, sync, ...) */
		int n = snprintf(data + dlen, sizeof(data) - dlen, "%s%s", dlen ? "," : "", o);
		if (n < 0 || (size_t)n >= sizeof(data) - dlen)
			return WITH_KEY(p, "options", jr_fail(&p->j, "filesystem options are longer than %zu bytes", sizeof(data)));
		dlen += (size_t)n;
	}
	if (dlen)
		m->data = arena_strdup(A(p), data);

	if (!m->type && !m->bind)
		return jr_fail(&p->j, "\"type\" is missing and the options do not say \"bind\" or \"rbind\"; "
				      "give a filesystem type (\"tmpfs\", \"proc\", ...) or add \"bind\" to options");
	if (m->type && (STREQ(m->type, "bind") || STREQ(m->type, "rbind"))) {
		m->bind = true;
		if (m->type[0] == 'r')
			m->rbind = true;
	}
	if (m->bind) {
		if (!m->source || !m->source[0])
			return jr_fail(&p->j, "a bind mount needs a \"source\" path on the host");
		if (m->source[0] != '/')
			m->source = arena_printf(A(p), "%s/%s", p->s->bundle, m->source);
	}
	if ((m->n_uid_mappings || m->n_gid_mappings) && !m->idmap)
		m->idmap = true;
	return 0;
}

static int parse_mounts(struct parser *p, json_object *top)
{
	json_object *arr;
	int r = jr_member(&p->j, top, "mounts", json_type_array, &arr);
	if (r <= 0)
		return r;
	size_t n = json_object_array_length(arr);
	p->s->mounts = arena_calloc(A(p), n, sizeof(struct oci_mount));
	p->s->n_mounts = n;
	size_t m = jr_key(&p->j, "mounts");
	for (size_t i = 0; i < n; i++) {
		size_t mi = jr_idx(&p->j, i);
		r = parse_mount(p, json_object_array_get_idx(arr, i), &p->s->mounts[i]);
		if (r < 0)
			return r;
		jr_reset(&p->j, mi);
	}
	jr_reset(&p->j, m);
	return 0;
}

/* ------------------------------------------------------------- process */

static int parse_caps_set(struct parser *p, json_object *caps, const char *key, uint64_t *out)
{
	char **names;
	size_t n;
	int r = jr_strv(&p->j, caps, key, &names, &n);
	if (r <= 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		int c = cap_from_name(names[i]);
		if (c < 0 || strncmp(names[i], "CAP_", 4) != 0) {
			size_t m = jr_key(&p->j, key);
			jr_idx(&p->j, i);
			r = jr_fail(&p->j, "unknown capability \"%s\"; capability names look like \"CAP_NET_BIND_SERVICE\" "
					   "(see capabilities(7))", names[i]);
			jr_reset(&p->j, m);
			return r;
		}
		*out |= 1ULL << c;
	}
	return 1;
}

static int parse_user(struct parser *p, json_object *proc)
{
	json_object *u;
	struct oci_user *user = &p->s->process.user;
	int r = jr_member(&p->j, proc, "user", json_type_object, &u);
	if (r < 0)
		return r;
	if (r == 0)
		return 0; /* uid 0, gid 0: the policy decides whether that may run */
	size_t m = jr_key(&p->j, "user");
	if ((r = jr_u32(&p->j, u, "uid", &user->uid)) < 0 || (r = jr_u32(&p->j, u, "gid", &user->gid)) < 0)
		return r;
	r = jr_u32(&p->j, u, "umask", &user->umask);
	if (r < 0)
		return r;
	user->has_umask = r > 0;
	if (user->has_umask && user->umask > 0777)
		return WITH_KEY(p, "umask", jr_fail(&p->j, "umask %o is out of range (0 to 0777)", user->umask));
	json_object *gids;
	r = jr_member(&p->j, u, "additionalGids", json_type_array, &gids);
	if (r < 0)
		return r;
	if (r > 0) {
		size_t n = json_object_array_length(gids);
		user->additional_gids = arena_calloc(A(p), n, sizeof(uint32_t));
		size_t mk = jr_key(&p->j, "additionalGids");
		for (size_t i = 0; i < n; i++) {
			uint64_t g;
			size_t mi = jr_idx(&p->j, i);
			json_object *gv = json_object_array_get_idx(gids, i);
			if ((r = jr_as_u64(&p->j, gv, &g)) < 0)
				return r;
			if (g > UINT32_MAX)
				return jr_expected(&p->j, "a gid between 0 and 4294967295", gv);
			user->additional_gids[i] = (uint32_t)g;
			jr_reset(&p->j, mi);
		}
		user->n_additional_gids = n;
		jr_reset(&p->j, mk);
	}
	if ((r = jr_str(&p->j, u, "username", &user->username)) < 0)
		return r;
	jr_reset(&p->j, m);
	return 0;
}

static int parse_rlimits(struct parser *p, json_object *proc)
{
	json_object *arr;
	struct oci_process *pr = &p->s->process;
	int r = jr_member(&p->j, proc, "rlimits", json_type_array, &arr);
	if (r <= 0)
		return r;
	size_t n = json_object_array_length(arr);
	pr->rlimits = arena_calloc(A(p), n, sizeof(struct oci_rlimit));
	size_t m = jr_key(&p->j, "rlimits");
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(arr, i);
		struct oci_rlimit *rl = &pr->rlimits[i];
		size_t mi = jr_idx(&p->j, i);
		if (json_object_get_type(o) != json_type_object)
			return jr_expected(&p->j, "an object like {\"type\": \"RLIMIT_NOFILE\", \"soft\": 1024, \"hard\": 1024}", o);
		if ((r = jr_str(&p->j, o, "type", &rl->type)) <= 0)
			return r < 0 ? r : jr_fail(&p->j, "\"type\" is missing (e.g. \"RLIMIT_NOFILE\")");
		rl->resource = rlimit_from_name(rl->type);
		if (rl->resource < 0)
			return WITH_KEY(p, "type", jr_fail(&p->j, "unknown rlimit \"%s\"; valid types are RLIMIT_AS, RLIMIT_CORE, "
							   "RLIMIT_CPU, RLIMIT_DATA, RLIMIT_FSIZE, RLIMIT_LOCKS, RLIMIT_MEMLOCK, "
							   "RLIMIT_MSGQUEUE, RLIMIT_NICE, RLIMIT_NOFILE, RLIMIT_NPROC, RLIMIT_RSS, "
							   "RLIMIT_RTPRIO, RLIMIT_RTTIME, RLIMIT_SIGPENDING, RLIMIT_STACK", rl->type));
		for (size_t k = 0; k < i; k++)
			if (pr->rlimits[k].resource == rl->resource)
				return WITH_KEY(p, "type", jr_fail(&p->j, "%s is listed twice (also at rlimits[%zu])", rl->type, k));
		if ((r = jr_u64(&p->j, o, "soft", &rl->soft)) <= 0)
			return r < 0 ? r : jr_fail(&p->j, "\"soft\" is missing");
		if ((r = jr_u64(&p->j, o, "hard", &rl->hard)) <= 0)
			return r < 0 ? r : jr_fail(&p->j, "\"hard\" is missing");
		if (rl->soft > rl->hard)
			return jr_fail(&p->j, "soft limit %llu is above hard limit %llu", (unsigned long long)rl->soft,
				       (unsigned long long)rl->hard);
		jr_reset(&p->j, mi);
	}
	pr->n_rlimits = n;
	jr_reset(&p->j, m);
	return 0;
}

static int parse_process(struct parser *p, json_object *top)
{
	json_object *proc, *o;
	struct oci_process *pr = &p->s->process;
	int r = jr_member(&p->j, top, "process", json_type_object, &proc);
	if (r <= 0)
		return r;
	p->s->has_process = true;
	size_t m = jr_key(&p->j, "process");
	if ((r = jr_bool(&p->j, proc, "terminal", &pr->terminal)) < 0)
		return r;
	if ((r = jr_member(&p->j, proc, "consoleSize", json_type_object, &o)) < 0)
		return r;
	if (r > 0) {
		size_t mk = jr_key(&p->j, "consoleSize");
		int rh, rw;
		if ((rh = jr_u32(&p->j, o, "height", &pr->console_height)) < 0)
			return rh;
		if ((rw = jr_u32(&p->j, o, "width", &pr->console_width)) < 0)
			return rw;
		/* config.md#configProcess: both are REQUIRED in a consoleSize */
		if (!rh || !rw)
			return jr_fail(&p->j, "\"%s\" is missing: a consoleSize needs both height and width",
				       rh ? "width" : "height");
		jr_reset(&p->j, mk);
	}
	r = jr_str(&p->j, proc, "cwd", &pr->cwd);
	if (r < 0)
		return r;
	if (r == 0)
		return jr_fail(&p->j, "\"cwd\" is missing: give the working directory inside the container, e.g. \"/\"");
	if ((r = WITH_KEY(p, "cwd", need_absolute(p, "cwd", pr->cwd))) < 0)
		return r;
	if ((r = jr_strv(&p->j, proc, "env", &pr->env, &pr->n_env)) < 0)
		return r;
	for (size_t i = 0; i < pr->n_env; i++) {
		if (!strchr(pr->env[i], '=') || pr->env[i][0] == '=') {
			jr_key(&p->j, "env");
			jr_idx(&p->j, i);
			return jr_fail(&p->j, "environment entries look like \"NAME=value\", found \"%s\"", pr->env[i]);
		}
	}
	if ((r = jr_strv(&p->j, proc, "args", &pr->args, &pr->n_args)) < 0)
		return r;
	if ((r = jr_str(&p->j, proc, "commandLine", &pr->command_line)) < 0)
		return r;
	if (pr->n_args == 0)
		return jr_fail(&p->j, "\"args\" is missing or empty: name the program to run, e.g. [\"/bin/sh\"]");
	if (!pr->args[0][0])
		return jr_fail(&p->j, "args[0] is empty: name the program to run");
	if ((r = parse_user(p, proc)) < 0)
		return r;
	if ((r = jr_member(&p->j, proc, "capabilities", json_type_object, &o)) < 0)
		return r;
	if (r > 0) {
		pr->has_caps = true;
		size_t mk = jr_key(&p->j, "capabilities");
		if ((r = parse_caps_set(p, o, "bounding", &pr->caps.bounding)) < 0 ||
		    (r = parse_caps_set(p, o, "effective", &pr->caps.effective)) < 0 ||
		    (r = parse_caps_set(p, o, "inheritable", &pr->caps.inheritable)) < 0 ||
		    (r = parse_caps_set(p, o, "permitted", &pr->caps.permitted)) < 0 ||
		    (r = parse_caps_set(p, o, "ambient", &pr->caps.ambient)) < 0)
			return r;
		jr_reset(&p->j, mk);
	}
	if ((r = parse_rlimits(p, proc)) < 0)
		return r;
	if ((r = jr_bool(&p->j, proc, "noNewPrivileges", &pr->no_new_privileges)) < 0)
		return r;
	r = jr_int(&p->j, proc, "oomScoreAdj", -1000, 1000, &pr->oom_score_adj);
	if (r < 0)
		return r;
	pr->has_oom_score_adj = r > 0;
	if ((r = jr_str(&p->j, proc, "apparmorProfile", &pr->apparmor_profile)) < 0 ||
	    (r = jr_str(&p->j, proc, "selinuxLabel", &pr->selinux_label)) < 0)
		return r;
	if ((r = jr_member(&p->j, proc, "ioPriority", json_type_object, &o)) < 0)
		return r;
	if (r > 0) {
		static const char *const classes[] = { NULL, "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE" };
		json_object *c;
		size_t mk = jr_key(&p->j, "ioPriority");
		pr->has_io_priority = true;
		if (!json_object_object_get_ex(o, "class", &c))
			return jr_fail(&p->j, "\"class\" is missing (IOPRIO_CLASS_RT, IOPRIO_CLASS_BE or IOPRIO_CLASS_IDLE)");
		if ((r = WITH_KEY(p, "class", one_of(p, c, classes, ARRAY_SIZE(classes), &pr->io_priority_class))) < 0)
			return r;
		if ((r = jr_int(&p->j, o, "priority", 0, 7, &pr->io_priority)) < 0)
			return r;
		jr_reset(&p->j, mk);
	}
	if ((r = jr_member(&p->j, proc, "scheduler", json_type_object, &o)) < 0)
		return r;
	if (r > 0) {
		static const char *const policies[] = { "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH",
			"SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE" };
		json_object *pol;
		size_t mk = jr_key(&p->j, "scheduler");
		pr->has_scheduler = true;
		if (!json_object_object_get_ex(o, "policy", &pol))
			return jr_fail(&p->j, "\"policy\" is missing (e.g. \"SCHED_OTHER\")");
		if ((r = WITH_KEY(p, "policy", one_of(p, pol, policies, ARRAY_SIZE(policies), &pr->sched_policy))) < 0)
			return r;
		if ((r = jr_int(&p->j, o, "nice", -20, 19, &pr->sched_nice)) < 0 ||
		    (r = jr_int(&p->j, o, "priority", 0, 99, &pr->sched_priority)) < 0 ||
		    (r = jr_u64(&p->j, o, "runtime", &pr->sched_runtime)) < 0 ||
		    (r = jr_u64(&p->j, o, "deadline", &pr->sched_deadline)) < 0 ||
		    (r = jr_u64(&p->j, o, "period", &pr->sched_period)) < 0)
			return r;
		jr_reset(&p->j, mk);
	}
	if ((r = jr_member(&p->j, proc, "execCPUAffinity", json_type_object, &o)) < 0)
		return r;
	if (r > 0) {
		size_t mk = jr_key(&p->j, "execCPUAffinity");
		if ((r = jr_str(&p->j, o, "initial", &pr->initial_cpu_affinity)) < 0 ||
		    (r = jr_str(&p->j, o, "final", &pr->exec_cpu_affinity)) < 0)
			return r;
		jr_reset(&p->j, mk);
	}
	jr_reset(&p->j, m);
	return 0;
}

/* --------------------------------------------------------------- hooks */

static int parse_hooks(struct parser *p, json_object *top)
{
	json_object *hooks;
	int r = jr_member(&p->j, top, "hooks", json_type_object, &hooks);
	if (r <= 0)
		return r;
	size_t m = jr_key(&p->j, "hooks");
	for (int k = 0; k < HOOK__MAX; k++) {
		json_object *arr;
		r = jr_member(&p->j, hooks, hook_kind_names[k], json_type_array, &arr);
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		size_t n = json_object_array_length(arr);
		struct oci_hook *list = arena_calloc(A(p), n, sizeof(*list));
		size_t mk = jr_key(&p->j, hook_kind_names[k]);
		for (size_t i = 0; i < n; i++) {
			json_object *h = json_object_array_get_idx(arr, i);
			struct oci_hook *hk = &list[i];
			size_t mi = jr_idx(&p->j, i);
			if (json_object_get_type(h) != json_type_object)
				return jr_expected(&p->j, "an object like {\"path\": \"/usr/bin/hook\"}", h);
			hk->jpath = jr_path_dup(&p->j);
			if ((r = jr_str(&p->j, h, "path", &hk->path)) <= 0)
				return r < 0 ? r : jr_fail(&p->j, "\"path\" is missing: give the absolute path of the hook program");
			if ((r = WITH_KEY(p, "path", need_absolute(p, "a hook path", hk->path))) < 0)
				return r;
			if ((r = jr_strv(&p->j, h, "args", &hk->args, &hk->n_args)) < 0 ||
			    (r = jr_strv(&p->j, h, "env", &hk->env, &hk->n_env)) < 0)
				return r;
			r = jr_int(&p->j, h, "timeout", 1, 86400 * 365, &hk->timeout);
			if (r < 0)
				return err_hint(r, "a hook timeout is a number of seconds greater than zero");
			jr_reset(&p->j, mi);
		}
		p->s->hooks.list[k] = list;
		p->s->hooks.n[k] = n;
		jr_reset(&p->j, mk);
	}
	jr_reset(&p->j, m);
	return 0;
}

/* --------------------------------------------------------------- linux */

static int parse_idmaps(struct parser *p, json_object *obj, const char *key, struct oci_idmap **out, size_t *n)
{
	json_object *arr;
	int r = jr_member(&p->j, obj, key, json_type_array, &arr);
	if (r <= 0)
		return r;
	size_t len = json_object_array_length(arr);
	struct oci_idmap *maps = arena_calloc(A(p), len, sizeof(*maps));
	size_t m = jr_key(&p->j, key);
	for (size_t i = 0; i < len; i++) {
		json_object *o = json_object_array_get_idx(arr, i);
		size_t mi = jr_idx(&p->j, i);
		if (json_object_get_type(o) != json_type_object)
			return jr_expected(&p->j, "an object like {\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}", o);
		if ((r = jr_u32(&p->j, o, "containerID", &maps[i].container_id)) <= 0 ||
		    (r = jr_u32(&p->j, o, "hostID", &maps[i].host_id)) <= 0 ||
		    (r = jr_u32(&p->j, o, "size", &maps[i].size)) <= 0)
			return r < 0 ? r : jr_fail(&p->j, "an id mapping needs containerID, hostID and size");
		if (maps[i].size == 0)
			return WITH_KEY(p, "size", jr_fail(&p->j, "an id mapping of size 0 maps nothing"));
		jr_reset(&p->j, mi);
	}
	jr_reset(&p->j, m);
	*out = maps;
	*n = len;
	return 1;
}

static int parse_namespaces(struct parser *p, json_object *lnx)
{
	json_object *arr;
	int r = jr_member(&p->j, lnx, "namespaces", json_type_array, &arr);
	if (r <= 0)
		return r;
	size_t n = json_object_array_length(arr);
	size_t m = jr_key(&p->j, "namespaces");
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(arr, i), *t;
		int type;
		size_t mi = jr_idx(&p->j, i);
		if (json_object_get_type(o) != json_type_object)
			return jr_expected(&p->j, "an object like {\"type\": \"pid\"}", o);
		if (!json_object_object_get_ex(o, "type", &t))
			return jr_fail(&p->j, "\"type\" is missing");
		if ((r = WITH_KEY(p, "type", one_of(p, t, ns_type_names, NS__MAX, &type))) < 0)
			return r;
		struct oci_namespace *ns = &p->s->linux_.ns[type];
		if (ns->present)
			return WITH_KEY(p, "type", jr_fail(&p->j, "the %s namespace is listed twice", ns_type_names[type]));
		ns->present = true;
		if ((r = jr_str(&p->j, o, "path", &ns->path)) < 0)
			return r;
		if (ns->path && !ns->path[0])
			ns->path = NULL;
		if (ns->path && (r = WITH_KEY(p, "path", need_absolute(p, "a namespace path", ns->path))) < 0)
			return r;
		jr_reset(&p->j, mi);
	}
	jr_reset(&p->j, m);
	return 0;
}

static int parse_devices(struct parser *p, json_object *lnx)
{
	json_object *arr;
	struct oci_linux *l = &p->s->linux_;
	int r = jr_member(&p->j, lnx, "devices", json_type_array, &arr);
	if (r <= 0)
		return r;
	size_t n = json_object_array_length(arr);
	l->devices = arena_calloc(A(p), n, sizeof(struct oci_device));
	l->n_devices = n;
	size_t m = jr_key(&p->j, "devices");
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(arr, i);
		struct oci_device *d = &l->devices[i];
		char *type = NULL;
		size_t mi = jr_idx(&p->j, i);
		if (json_object_get_type(o) != json_type_object)
			return jr_expected(&p->j, "an object like {\"path\": \"/dev/fuse\", \"type\": \"c\", \"major\": 10, \"minor\": 229}", o);
		d->jpath = jr_path_dup(&p->j);
		if ((r = jr_str(&p->j, o, "path", &d->path)) <= 0)
			return r < 0 ? r : jr_fail(&p->j, "\"path\" is missing");
		if ((r = WITH_KEY(p, "path", need_absolute(p, "a device path", d->path))) < 0)
			return r;
		if (strncmp(d->path, "/dev/", 5) != 0)
			return WITH_KEY(p, "path", jr_fail(&p->j, "device nodes belong under /dev/, found \"%s\"", d->path));
		if ((r = jr_str(&p->j, o, "type", &type)) <= 0)
			return r < 0 ? r : jr_fail(&p->j, "\"type\" is missing (c, b, u or p)");
		if (strlen(type) != 1 || !strchr("cbup", type[0]))
			return WITH_KEY(p, "type", jr_fail(&p->j, "expected one of c, b, u, p; found \"%s\"", type));
		d->type = type[0];
		if ((r = jr_i64(&p->j, o, "major", &d->major)) < 0)
			return r;
		bool has_major = r > 0;
		if ((r = jr_i64(&p->j, o, "minor", &d->minor)) < 0)
			return r;
		if (d->type != 'p' && (!has_major || r == 0))
			return jr_fail(&p->j, "a %s device needs \"major\" and \"minor\"", d->type == 'b' ? "block" : "character");
		if (d->major < 0 || d->minor < 0 || d->major > 0xfff || d->minor > 0xfffff)
			return jr_fail(&p->j, "device number %lld:%lld is out of range", (long long)d->major, (long long)d->minor);
		r = jr_u32(&p->j, o, "fileMode", &d->file_mode);
		if (r < 0)
			return r;
		d->has_mode = r > 0;
		if (d->has_mode && d->file_mode > 07777)
			return WITH_KEY(p, "fileMode", jr_fail(&p->j, "fileMode %o has bits beyond 07777", d->file_mode));
		if ((r = jr_u32(&p->j, o, "uid", &d->uid)) < 0)
			return r;
		d->has_uid = r > 0;
		if ((r = jr_u32(&p->j, o, "gid", &d->gid)) < 0)
			return r;
		d->has_gid = r > 0;
		for (size_t k = 0; k < i; k++)
			if (STREQ(l->devices[k].path, d->path))
				return WITH_KEY(p, "path", jr_fail(&p->j, "%s is listed twice (also at devices[%zu])", d->path, k));
		jr_reset(&p->j, mi);
	}
	jr_reset(&p->j, m);
	return 0;
}

static int opt_i64(struct parser *p, json_object *o, const char *key, int64_t *out)
{
	*out = OPT_UNSET;
	int r = jr_i64(&p->j, o, key, out);
	return r < 0 ? r : 0;
}

static int opt_u64_as_i64(struct parser *p, json_object *o, const char *key, int64_t *out)
{
	uint64_t v;
	*out = OPT_UNSET;
	int r = jr_u64(&p->j, o, key, &v);
	if (r <= 0)
		return r;
	if (v > INT64_MAX)
		v = INT64_MAX;
	*out = (int64_t)v;
	return 0;
}

static int parse_dev_rules(struct parser *p, json_object *res)
{
	json_object *arr;
	struct oci_resources *rs = &p->s->linux_.resources;
	int r = jr_member(&p->j, res, "devices", json_type_array, &arr);
	if (r <= 0)
		return r;
	size_t n = json_object_array_length(arr);
	rs->devices = arena_calloc(A(p), n, sizeof(struct oci_device_rule));
	rs->n_devices = n;
	size_t m = jr_key(&p->j, "devices");
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(arr, i);
		struct oci_device_rule *d = &rs->devices[i];
		char *type = NULL, *access = NULL;
		size_t mi = jr_idx(&p->j, i);
		if (json_object_get_type(o) != json_type_object)
			return jr_expected(&p->j, "an object like {\"allow\": false, \"access\": \"rwm\"}", o);
		if ((r = jr_bool(&p->j, o, "allow", &d->allow)) <= 0)
			return r < 0 ? r : jr_fail(&p->j, "\"allow\" is missing (true or false)");
		if ((r = jr_str(&p->j, o, "type", &type)) < 0)
			return r;
		d->type = type ? type[0] : 'a';
		if (type && (strlen(type) != 1 || !strchr("acb", type[0])))
			return WITH_KEY(p, "type", jr_fail(&p->j, "expected one of a, c, b; found \"%s\"", type));
		d->major = d->minor = -1;
		if ((r = jr_i64(&p->j, o, "major", &d->major)) < 0 || (r = jr_i64(&p->j, o, "minor", &d->minor)) < 0)
			return r;
		if ((r = jr_str(&p->j, o, "access", &access)) < 0)
			return r;
		if (!access)
			access = "rwm";
		size_t al = strlen(access);
		if (al == 0 || al > 3 || strspn(access, "rwm") != al)
			return WITH_KEY(p, "access", jr_fail(&p->j, "access is a combination of r, w and m; found \"%s\"", access));
		memcpy(d->access, access, al + 1);
		jr_reset(&p->j, mi);
	}
	jr_reset(&p->j, m);
	return 0;
}

static int parse_throttle(struct parser *p, json_object *bio, const char *key, struct oci_throttle **out, size_t *n)
{
	json_object *arr;
	int r = jr_member(&p->j, bio, key, json_type_array, &arr);
	if (r <= 0)
		return r;
	size_t len = json_object_array_length(arr);
	struct oci_throttle *t = arena_calloc(A(p), len, sizeof(*t));
	size_t m = jr_key(&p->j, key);
	for (size_t i = 0; i < len; i++) {
		json_object *o = json_object_array_get_idx(arr, i);
		size_t mi = jr_idx(&p->j, i);
		if (json_object_get_type(o) != json_type_object)
			return jr_expected(&p->j, "an object like {\"major\": 8, \"minor\": 0, \"rate\": 1048576}", o);
		if ((r = jr_i64(&p->j, o, "major", &t[i].major)) <= 0 || (r = jr_i64(&p->j, o, "minor", &t[i].minor)) <= 0 ||
		    (r = jr_u64(&p->j, o, "rate", &t[i].rate)) <= 0)
			return r < 0 ? r : jr_fail(&p->j, "a throttle entry needs major, minor and rate");
		jr_reset(&p->j, mi);
	}
	jr_reset(&p->j, m);
	*out = t;
	*n = len;
	return 0;
}

static int parse_resources(struct parser *p, json_object *lnx)
{
	json_object *res, *o;
	struct oci_resources *rs = &p->s->linux_.resources;
	int r;

	rs->mem_limit = rs->mem_reservation = rs->mem_swap = rs->mem_kernel = rs->mem_kernel_tcp = OPT_UNSET;
	rs->mem_swappiness = rs->cpu_shares = rs->cpu_quota = rs->cpu_burst = rs->cpu_period = OPT_UNSET;
	rs->cpu_rt_runtime = rs->cpu_rt_period = rs->cpu_idle = rs->pids_limit = OPT_UNSET;
	rs->blkio_weight = rs->blkio_leaf_weight = rs->net_class_id = OPT_UNSET;

	r = jr_member(&p->j, lnx, "resources", json_type_object, &res);
	if (r <= 0)
		return r;
	rs->present = true;
	size_t m = jr_key(&p->j, "resources");
	if ((r = parse_dev_rules(p, res)) < 0)
		return r;

	if ((r = jr_member(&p->j, res, "memory", json_type_object, &o)) < 0)
		return r;
	if (r > 0) {
		size_t mk = jr_key(&p->j, "memory");
		if ((r = opt_i64(p, o, "limit", &rs->mem_limit)) < 0 || (r = opt_i64(p, o, "reservation", &rs->mem_reservation)) < 0 ||
		    (r = opt_i64(p, o, "swap", &rs->mem_swap)) < 0 || (r = opt_i64(p, o, "kernel", &rs->mem_kernel)) < 0 ||
		    (r = opt_i64(p, o, "kernelTCP", &rs->mem_kernel_tcp)) < 0 ||
		    (r = opt_u64_as_i64(p, o, "swappiness", &rs->mem_swappiness)) < 0)
			return r;
		if (rs->mem_swappiness != OPT_UNSET && rs->mem_swappiness > 100)
			return WITH_KEY(p, "swappiness", jr_fail(&p->j, "swappiness is between 0 and 100, found %lld",
								 (long long)rs->mem_swappiness));
		if (rs->mem_limit != OPT_UNSET && rs->mem_limit < -1)
			return WITH_KEY(p, "limit", jr_fail(&p->j, "a memory limit is a byte count or -1 for none"));
		if (rs->mem_limit > 0 && rs->mem_swap > 0 && rs->mem_swap < rs->mem_limit)
			return WITH_KEY(p, "swap", jr_fail(&p->j, "swap (memory+swap, %lld) must not be below the memory limit (%lld)",
							   (long long)rs->mem_swap, (long long)rs->mem_limit));
		if ((r = jr_bool(&p->j, o, "disableOOMKiller", &rs->disable_oom_killer)) < 0)
			return r;
		rs->has_disable_oom_killer = r > 0;
		if ((r = jr_bool(&p->j, o, "useHierarchy", &rs->use_hierarchy)) < 0)
			return r;
		rs->has_use_hierarchy = r > 0;
		if ((r = jr_bool(&p->j, o, "checkBeforeUpdate", &rs->check_before_update)) < 0)
			return r;
		jr_reset(&p->j, mk);
	}
	if ((r = jr_member(&p->j, res, "cpu", json_type_object, &o)) < 0)
		return r;
	if (r > 0) {
		size_t mk = jr_key(&p->j, "cpu");
		if ((r = opt_u64_as_i64(p, o, "shares", &rs->cpu_shares)) < 0 || (r = opt_i64(p, o, "quota", &rs->cpu_quota)) < 0 ||
		    (r = opt_u64_as_i64(p, o, "burst", &rs->cpu_burst)) < 0 ||
		    (r = opt_u64_as_i64(p, o, "period", &rs->cpu_period)) < 0 ||
		    (r = opt_i64(p, o, "realtimeRuntime", &rs->cpu_rt_runtime)) < 0 ||
		    (r = opt_u64_as_i64(p, o, "realtimePeriod", &rs->cpu_rt_period)) < 0 ||
		    (r = opt_i64(p, o, "idle", &rs->cpu_idle)) < 0 || (r = jr_str(&p->j, o, "cpus", &rs->cpu_cpus)) < 0 ||
		    (r = jr_str(&p->j, o, "mems", &rs->cpu_mems)) < 0)
			return r;
		jr_reset(&p->j, mk);
	}
	if ((r = jr_member(&p->j, res, "pids", json_type_object, &o)) < 0)
		return r;
	if (r > 0) {
		size_t mk = jr_key(&p->j, "pids");
		if ((r = opt_i64(p, o, "limit", &rs->pids_limit)) < 0)
			return r;
		/* config-linux.md#configLinuxPIDS: limit is REQUIRED */
		if (rs->pids_limit == OPT_UNSET)
			return jr_fail(&p->j, "\"limit\" is missing: give the maximum number of tasks, e.g. {\"limit\": 1024}");
		jr_reset(&p->j, mk);
	}
	if ((r = jr_member(&p->j, res, "blockIO", json_type_object, &o)) < 0)
		return r;
	if (r > 0) {
		static const char *const tkeys[4] = { "throttleReadBpsDevice", "throttleWriteBpsDevice",
			"throttleReadIOPSDevice", "throttleWriteIOPSDevice" };
		json_object *arr;
		size_t mk = jr_key(&p->j, "blockIO");
		if ((r = opt_u64_as_i64(p, o, "weight", &rs->blkio_weight)) < 0 ||
		    (r = opt_u64_as_i64(p, o, "leafWeight", &rs->blkio_leaf_weight)) < 0)
			return r;
		for (int t = 0; t < 4; t++)
			if ((r = parse_throttle(p, o, tkeys[t], &rs->throttle[t], &rs->n_throttle[t])) < 0)
				return r;
		if ((r = jr_member(&p->j, o, "weightDevice", json_type_array, &arr)) < 0)
			return r;
		if (r > 0) {
			size_t n = json_object_array_length(arr);
			rs->blkio_weight_devices = arena_calloc(A(p), n, sizeof(struct oci_weight_dev));
			rs->n_blkio_weight_devices = n;
			size_t mw = jr_key(&p->j, "weightDevice");
			for (size_t i = 0; i < n; i++) {
				json_object *w = json_object_array_get_idx(arr, i);
				struct oci_weight_dev *wd = &rs->blkio_weight_devices[i];
				size_t mi = jr_idx(&p->j, i);
				if (json_object_get_type(w) != json_type_object)
					return jr_expected(&p->j, "an object", w);
				if ((r = jr_i64(&p->j, w, "major", &wd->major)) <= 0 || (r = jr_i64(&p->j, w, "minor", &wd->minor)) <= 0)
					return r < 0 ? r : jr_fail(&p->j, "a weightDevice entry needs major and minor");
				if ((r = opt_u64_as_i64(p, w, "weight", &wd->weight)) < 0 ||
				    (r = opt_u64_as_i64(p, w, "leafWeight", &wd->leaf_weight)) < 0)
					return r;
				/* config-linux.md#configLinuxBlockIO: at least one of the two MUST be given */
				if (wd->weight == OPT_UNSET && wd->leaf_weight == OPT_UNSET)
					return jr_fail(&p->j, "a weightDevice entry needs \"weight\" or \"leafWeight\" (or both)");
				jr_reset(&p->j, mi);
			}
			jr_reset(&p->j, mw);
		}
		jr_reset(&p->j, mk);
	}
	/* the rdma controller is not implemented: a limit the runtime would silently drop
	 * is an unsupported value, which config.md#valid-values says MUST be an error */
	if ((r = jr_member(&p->j, res, "rdma", json_type_object, &o)) < 0)
		return r;
	if (r > 0 && json_object_object_length(o) > 0)
		return WITH_KEY(p, "rdma", jr_fail(&p->j, "RDMA limits (the rdma cgroup controller) are not supported by "
							 "stockade; remove linux.resources.rdma"));
	if ((r = jr_member(&p->j, res, "hugepageLimits", json_type_array, &o)) < 0)
		return r;
	if (r > 0) {
		size_t n = json_object_array_length(o);
		rs->hugepage_limits = arena_calloc(A(p), n, sizeof(struct kv));
		rs->n_hugepage_limits = n;
		size_t mk = jr_key(&p->j, "hugepageLimits");
		for (size_t i = 0; i < n; i++) {
			json_object *h = json_object_array_get_idx(o, i);
			uint64_t lim;
			size_t mi = jr_idx(&p->j, i);
			if (json_object_get_type(h) != json_type_object)
				return jr_expected(&p->j, "an object like {\"pageSize\": \"2MB\", \"limit\": 209715200}", h);
			if ((r = jr_str(&p->j, h, "pageSize", &rs->hugepage_limits[i].key)) <= 0 || (r = jr_u64(&p->j, h, "limit", &lim)) <= 0)
				return r < 0 ? r : jr_fail(&p->j, "a hugepage limit needs pageSize and limit");
			rs->hugepage_limits[i].value = arena_printf(A(p), "%llu", (unsigned long long)lim);
			jr_reset(&p->j, mi);
		}
		jr_reset(&p->j, mk);
	}
	if ((r = jr_member(&p->j, res, "network", json_type_object, &o)) < 0)
		return r;
	if (r > 0) {
		json_object *arr;
		size_t mk = jr_key(&p->j, "network");
		if ((r = opt_u64_as_i64(p, o, "classID", &rs->net_class_id)) < 0)
			return r;
		if ((r = jr_member(&p->j, o, "priorities", json_type_array, &arr)) < 0)
			return r;
		if (r > 0) {
			size_t n = json_object_array_length(arr);
			rs->net_priorities = arena_calloc(A(p), n, sizeof(struct kv));
			rs->n_net_priorities = n;
			size_t mp = jr_key(&p->j, "priorities");
			for (size_t i = 0; i < n; i++) {
				json_object *e = json_object_array_get_idx(arr, i);
				uint32_t prio;
				size_t mi = jr_idx(&p->j, i);
				if (json_object_get_type(e) != json_type_object)
					return jr_expected(&p->j, "an object like {\"name\": \"eth0\", \"priority\": 500}", e);
				if ((r = jr_str(&p->j, e, "name", &rs->net_priorities[i].key)) <= 0 ||
				    (r = jr_u32(&p->j, e, "priority", &prio)) <= 0)
					return r < 0 ? r : jr_fail(&p->j, "a network priority needs name and priority");
				rs->net_priorities[i].value = arena_printf(A(p), "%u", prio);
				jr_reset(&p->j, mi);
			}
			jr_reset(&p->j, mp);
		}
		jr_reset(&p->j, mk);
	}
	if ((r = jr_strmap(&p->j, res, "unified", &rs->unified, &rs->n_unified)) < 0)
		return r;
	for (size_t i = 0; i < rs->n_unified; i++) {
		const char *k = rs->unified[i].key;
		if (!k[0] || strchr(k, '/') || STREQ(k, ".") || STREQ(k, "..") || !strchr(k, '.')) {
			jr_key(&p->j, "unified");
			jr_key(&p->j, k);
			return jr_fail(&p->j, "\"%s\" is not a cgroup v2 interface file name (like \"memory.high\")", k);
		}
	}
	jr_reset(&p->j, m);
	return 0;
}

static int parse_seccomp(struct parser *p, json_object *lnx)
{
	static const char *const actions[] = { "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
		"SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY" };
	static const uint32_t action_vals[] = { SCMP_ACT_KILL_THREAD, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD,
		SCMP_ACT_TRAP, SCMP_ACT_ERRNO(0), SCMP_ACT_TRACE(0), SCMP_ACT_ALLOW, SCMP_ACT_LOG, SCMP_ACT_NOTIFY };
	static const char *const ops[] = { NULL, "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
		"SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ" };
	static const char *const flags[] = { "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
		"SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV" };
	static const unsigned flag_vals[] = { 1u << 0, 1u << 1, 1u << 2, 1u << 5 };
	static const char *const archs[] = { "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM",
		"SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",
		"SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE",
		"SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",
		"SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB" };
	json_object *sc, *o;
	int r, idx;

	r = jr_member(&p->j, lnx, "seccomp", json_type_object, &sc);
	if (r <= 0)
		return r;
	struct oci_seccomp *s = arena_alloc(A(p), sizeof(*s));
	p->s->linux_.seccomp = s;
	size_t m = jr_key(&p->j, "seccomp");

	if (!json_object_object_get_ex(sc, "defaultAction", &o))
		return jr_fail(&p->j, "\"defaultAction\" is missing (e.g. \"SCMP_ACT_ERRNO\")");
	if ((r = WITH_KEY(p, "defaultAction", one_of(p, o, actions, ARRAY_SIZE(actions), &idx))) < 0)
		return r;
	s->default_action = action_vals[idx];
	if ((r = jr_u32(&p->j, sc, "defaultErrnoRet", &s->default_errno)) < 0)
		return r;
	s->has_default_errno = r > 0;
	/* config-linux.md#configLinuxSeccomp: an errno for an action without one MUST be an error */
	if (s->has_default_errno && s->default_action != SCMP_ACT_ERRNO(0) && s->default_action != SCMP_ACT_TRACE(0))
		return WITH_KEY(p, "defaultErrnoRet",
				jr_fail(&p->j, "defaultErrnoRet only applies when defaultAction is SCMP_ACT_ERRNO or "
					       "SCMP_ACT_TRACE; remove it or change defaultAction"));

	if ((r = jr_strv(&p->j, sc, "architectures", &s->archs, &s->n_archs)) < 0)
		return r;
	for (size_t i = 0; i < s->n_archs; i++) {
		json_object *a = json_object_new_string(s->archs[i]);
		size_t mk = jr_key(&p->j, "architectures");
		jr_idx(&p->j, i);
		r = one_of(p, a, archs, ARRAY_SIZE(archs), &idx);
		json_object_put(a);
		if (r < 0)
			return r;
		jr_reset(&p->j, mk);
	}
	if ((r = jr_member(&p->j, sc, "flags", json_type_array, &o)) < 0)
		return r;
	if (r > 0) {
		size_t mk = jr_key(&p->j, "flags");
		for (size_t i = 0; i < json_object_array_length(o); i++) {
			size_t mi = jr_idx(&p->j, i);
			if ((r = one_of(p, json_object_array_get_idx(o, i), flags, ARRAY_SIZE(flags), &idx)) < 0)
				return r;
			s->flags |= flag_vals[idx];
			jr_reset(&p->j, mi);
		}
		jr_reset(&p->j, mk);
	}
	if ((r = jr_str(&p->j, sc, "listenerPath", &s->listener_path)) < 0 ||
	    (r = jr_str(&p->j, sc, "listenerMetadata", &s->listener_metadata)) < 0)
		return r;
	/* config-linux.md#configLinuxSeccomp: listenerMetadata MUST NOT be set without listenerPath */
	if (s->listener_metadata && !s->listener_path)
		return WITH_KEY(p, "listenerMetadata",
				jr_fail(&p->j, "listenerMetadata is for the agent at listenerPath, which is not set; add "
					       "\"listenerPath\" or remove listenerMetadata"));

	json_object *arr;
	if ((r = jr_member(&p->j, sc, "syscalls", json_type_array, &arr)) < 0)
		return r;
	bool has_notify = s->default_action == SCMP_ACT_NOTIFY;
	if (r > 0) {
		size_t n = json_object_array_length(arr);
		s->rules = arena_calloc(A(p), n, sizeof(struct oci_seccomp_rule));
		s->n_rules = n;
		size_t mk = jr_key(&p->j, "syscalls");
		for (size_t i = 0; i < n; i++) {
			json_object *e = json_object_array_get_idx(arr, i), *act, *args;
			struct oci_seccomp_rule *ru = &s->rules[i];
			size_t mi = jr_idx(&p->j, i);
			if (json_object_get_type(e) != json_type_object)
				return jr_expected(&p->j, "an object like {\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}", e);
			ru->jpath = jr_path_dup(&p->j);
			if ((r = jr_strv(&p->j, e, "names", &ru->names, &ru->n_names)) < 0)
				return r;
			if (r == 0 || ru->n_names == 0)
				return jr_fail(&p->j, "\"names\" is missing or empty: list the system calls this rule matches");
			if (!json_object_object_get_ex(e, "action", &act))
				return jr_fail(&p->j, "\"action\" is missing (e.g. \"SCMP_ACT_ALLOW\")");
			if ((r = WITH_KEY(p, "action", one_of(p, act, actions, ARRAY_SIZE(actions), &idx))) < 0)
				return r;
			ru->action = action_vals[idx];
			has_notify |= ru->action == SCMP_ACT_NOTIFY;
			if ((r = jr_u32(&p->j, e, "errnoRet", &ru->errno_ret)) < 0)
				return r;
			ru->has_errno = r > 0;
			if (ru->has_errno && ru->action != SCMP_ACT_ERRNO(0) && ru->action != SCMP_ACT_TRACE(0))
				return WITH_KEY(p, "errnoRet", jr_fail(&p->j, "errnoRet only applies to SCMP_ACT_ERRNO and SCMP_ACT_TRACE"));
			if ((r = jr_member(&p->j, e, "args", json_type_array, &args)) < 0)
				return r;
			if (r > 0) {
				size_t na = json_object_array_length(args);
				if (na > 6)
					return WITH_KEY(p, "args", jr_fail(&p->j, "a system call has at most 6 arguments, found %zu conditions", na));
				ru->args = arena_calloc(A(p), na, sizeof(struct oci_seccomp_arg));
				ru->n_args = na;
				size_t ma = jr_key(&p->j, "args");
				for (size_t k = 0; k < na; k++) {
					json_object *ao = json_object_array_get_idx(args, k), *op;
					struct oci_seccomp_arg *sa = &ru->args[k];
					uint32_t index;
					size_t mk2 = jr_idx(&p->j, k);
					if (json_object_get_type(ao) != json_type_object)
						return jr_expected(&p->j, "an object like {\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}", ao);
					if ((r = jr_u32(&p->j, ao, "index", &index)) <= 0)
						return r < 0 ? r : jr_fail(&p->j, "\"index\" is missing (0 to 5)");
					if (index > 5)
						return WITH_KEY(p, "index", jr_fail(&p->j, "argument index %u is out of range (0 to 5)", index));
					sa->index = index;
					if ((r = jr_u64(&p->j, ao, "value", &sa->value)) <= 0)
						return r < 0 ? r : jr_fail(&p->j, "\"value\" is missing");
					if ((r = jr_u64(&p->j, ao, "valueTwo", &sa->value_two)) < 0)
						return r;
					if (!json_object_object_get_ex(ao, "op", &op))
						return jr_fail(&p->j, "\"op\" is missing (e.g. \"SCMP_CMP_EQ\")");
					if ((r = WITH_KEY(p, "op", one_of(p, op, ops, ARRAY_SIZE(ops), &sa->op))) < 0)
						return r;
					jr_reset(&p->j, mk2);
				}
				jr_reset(&p->j, ma);
			}
			jr_reset(&p->j, mi);
		}
		jr_reset(&p->j, mk);
	}
	if (has_notify && !s->listener_path)
		return jr_fail(&p->j, "SCMP_ACT_NOTIFY needs \"listenerPath\": the UNIX socket of the agent that receives the notifications");
	jr_reset(&p->j, m);
	return 0;
}

static const char *const propagation_names[] = { "shared", "slave", "private", "unbindable", "rshared", "rslave",
	"rprivate", "runbindable" };
static const unsigned long propagation_vals[] = { MS_SHARED, MS_SLAVE, MS_PRIVATE, MS_UNBINDABLE, MS_SHARED | MS_REC,
	MS_SLAVE | MS_REC, MS_PRIVATE | MS_REC, MS_UNBINDABLE | MS_REC };

static int parse_paths(struct parser *p, json_object *lnx, const char *key, char ***out, size_t *n)
{
	int r = jr_strv(&p->j, lnx, key, out, n);
	if (r <= 0)
		return r;
	for (size_t i = 0; i < *n; i++) {
		if ((*out)[i][0] != '/') {
			jr_key(&p->j, key);
			jr_idx(&p->j, i);
			return jr_fail(&p->j, "paths here are absolute container paths, found \"%s\"", (*out)[i]);
		}
	}
	return 1;
}

static int parse_linux(struct parser *p, json_object *top)
{
	json_object *lnx, *o;
	struct oci_linux *l = &p->s->linux_;
	int r = jr_member(&p->j, top, "linux", json_type_object, &lnx);
	if (r < 0)
		return r;
	if (r == 0) {
		(void)parse_resources(p, NULL); /* initialise the optional values */
		return 0;
	}
	p->s->has_linux = true;
	size_t m = jr_key(&p->j, "linux");
	if ((r = parse_namespaces(p, lnx)) < 0 ||
	    (r = parse_idmaps(p, lnx, "uidMappings", &l->uid_mappings, &l->n_uid_mappings)) < 0 ||
	    (r = parse_idmaps(p, lnx, "gidMappings", &l->gid_mappings, &l->n_gid_mappings)) < 0 ||
	    (r = parse_devices(p, lnx)) < 0)
		return r;
	if ((r = jr_str(&p->j, lnx, "cgroupsPath", &l->cgroups_path)) < 0)
		return r;
	if (l->cgroups_path) {
		char *cp = l->cgroups_path;
		if (strstr(cp, "/../") || strncmp(cp, "../", 3) == 0 || (strlen(cp) >= 3 && STREQ(cp + strlen(cp) - 3, "/..")) ||
		    STREQ(cp, ".."))
			return WITH_KEY(p, "cgroupsPath", jr_fail(&p->j, "\"..\" is not allowed in a cgroup path"));
	}
	if ((r = parse_resources(p, lnx)) < 0)
		return r;
	if ((r = jr_member(&p->j, lnx, "rootfsPropagation", json_type_string, &o)) < 0)
		return r;
	if (r > 0 && json_object_get_string_len(o) > 0) {
		int idx;
		if ((r = WITH_KEY(p, "rootfsPropagation", one_of(p, o, propagation_names, ARRAY_SIZE(propagation_names), &idx))) < 0)
			return r;
		l->rootfs_propagation = propagation_vals[idx];
		l->rootfs_propagation_name = arena_strdup(A(p), propagation_names[idx]);
	}
	if ((r = parse_paths(p, lnx, "maskedPaths", &l->masked_paths, &l->n_masked_paths)) < 0)
		return r;
	l->has_masked_paths = r > 0;
	if ((r = parse_paths(p, lnx, "readonlyPaths", &l->readonly_paths, &l->n_readonly_paths)) < 0)
		return r;
	if ((r = jr_strmap(&p->j, lnx, "sysctl", &l->sysctl, &l->n_sysctl)) < 0)
		return r;
	if ((r = parse_seccomp(p, lnx)) < 0)
		return r;
	if ((r = jr_str(&p->j, lnx, "mountLabel", &l->mount_label)) < 0)
		return r;
	if ((r = jr_member(&p->j, lnx, "personality", json_type_object, &o)) < 0)
		return r;
	if (r > 0) {
		static const char *const domains[] = { "LINUX", "LINUX32" };
		json_object *d;
		int idx;
		size_t mk = jr_key(&p->j, "personality");
		if (!json_object_object_get_ex(o, "domain", &d))
			return jr_fail(&p->j, "\"domain\" is missing (LINUX or LINUX32)");
		if ((r = WITH_KEY(p, "domain", one_of(p, d, domains, 2, &idx))) < 0)
			return r;
		l->has_personality = true;
		l->personality = idx == 0 ? PER_LINUX : PER_LINUX32;
		jr_reset(&p->j, mk);
	}
	if ((r = jr_member(&p->j, lnx, "timeOffsets", json_type_object, &o)) < 0)
		return r;
	if (r > 0) {
		json_object *c;
		size_t mk = jr_key(&p->j, "timeOffsets");
		l->has_time_offsets = true;
		l->time_offset_boottime_ns = l->time_offset_boottime_s = l->time_offset_monotonic_ns = l->time_offset_monotonic_s = 0;
		if ((r = jr_member(&p->j, o, "monotonic", json_type_object, &c)) < 0)
			return r;
		if (r > 0 && ((r = WITH_KEY(p, "monotonic", jr_i64(&p->j, c, "secs", &l->time_offset_monotonic_s))) < 0 ||
			      (r = WITH_KEY(p, "monotonic", jr_i64(&p->j, c, "nanosecs", &l->time_offset_monotonic_ns))) < 0))
			return r;
		if ((r = jr_member(&p->j, o, "boottime", json_type_object, &c)) < 0)
			return r;
		if (r > 0 && ((r = WITH_KEY(p, "boottime", jr_i64(&p->j, c, "secs", &l->time_offset_boottime_s))) < 0 ||
			      (r = WITH_KEY(p, "boottime", jr_i64(&p->j, c, "nanosecs", &l->time_offset_boottime_ns))) < 0))
			return r;
		jr_reset(&p->j, mk);
	}
	if (json_object_object_get_ex(lnx, "intelRdt", &o) && json_object_get_type(o) != json_type_null)
		return WITH_KEY(p, "intelRdt", jr_fail(&p->j, "Intel RDT (resctrl) is not supported by stockade; remove it"));
	jr_reset(&p->j, m);
	return 0;
}

/* ------------------------------------------------------ cross-checks */

static bool sysctl_needs(const char *name, int *ns)
{
	static const char *const ipc[] = { "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
		"kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced" };
	for (size_t i = 0; i < ARRAY_SIZE(ipc); i++)
		if (STREQ(name, ipc[i])) {
			*ns = NS_IPC;
			return true;
		}
	if (strncmp(name, "fs.mqueue.", 10) == 0) {
		*ns = NS_IPC;
		return true;
	}
	if (strncmp(name, "net.", 4) == 0) {
		*ns = NS_NET;
		return true;
	}
	if (STREQ(name, "kernel.hostname") || STREQ(name, "kernel.domainname")) {
		*ns = NS_UTS;
		return true;
	}
	return false;
}

static int cross_check(struct parser *p)
{
	struct oci_spec *s = p->s;
	struct oci_linux *l = &s->linux_;
	bool new_user = l->ns[NS_USER].present && !l->ns[NS_USER].path;

	if (new_user && (!l->n_uid_mappings || !l->n_gid_mappings)) {
		jr_reset(&p->j, 0);
		jr_key(&p->j, "linux");
		return jr_fail(&p->j, "a new user namespace is requested but uidMappings or gidMappings is missing; "
				      "add e.g. {\"containerID\": 0, \"hostID\": 100000, \"size\": 65536} to both");
	}
	if (!new_user && (l->n_uid_mappings || l->n_gid_mappings)) {
		jr_reset(&p->j, 0);
		jr_key(&p->j, "linux");
		return jr_fail(&p->j, "uidMappings/gidMappings are set but no new user namespace is requested; "
				      "add {\"type\": \"user\"} to linux.namespaces or drop the mappings");
	}
	if ((s->hostname || s->domainname) && !(l->ns[NS_UTS].present && !l->ns[NS_UTS].path)) {
		jr_reset(&p->j, 0);
		jr_key(&p->j, s->hostname ? "hostname" : "domainname");
		return jr_fail(&p->j, "setting the %s needs a new UTS namespace (the host's would change); "
				      "add {\"type\": \"uts\"} to linux.namespaces", s->hostname ? "hostname" : "domain name");
	}
	for (size_t i = 0; i < l->n_sysctl; i++) {
		int ns;
		const char *k = l->sysctl[i].key;
		jr_reset(&p->j, 0);
		jr_key(&p->j, "linux");
		jr_key(&p->j, "sysctl");
		jr_key(&p->j, k);
		if (!sysctl_needs(k, &ns))
			return jr_fail(&p->j, "\"%s\" is not namespaced: setting it would change the host; "
					      "only net.*, fs.mqueue.*, kernel.msg*/sem/shm* and kernel.hostname/domainname may be set", k);
		if (!l->ns[ns].present)
			return jr_fail(&p->j, "\"%s\" needs a private %s namespace (it would change the host's value)", k,
				       ns_type_names[ns]);
		if (strstr(k, "..") || strchr(k, '/'))
			return jr_fail(&p->j, "\"%s\" is not a sysctl name", k);
	}
	if (l->has_time_offsets && !(l->ns[NS_TIME].present && !l->ns[NS_TIME].path)) {
		jr_reset(&p->j, 0);
		jr_key(&p->j, "linux");
		jr_key(&p->j, "timeOffsets");
		return jr_fail(&p->j, "time offsets need a new time namespace; add {\"type\": \"time\"} to linux.namespaces");
	}
	return 0;
}

/* --------------------------------------------------------------- entry */

/* SemVer 2.0.0: MAJOR.MINOR.PATCH, numbers without leading zeros, then an
 * optional -pre.release and +build of [0-9A-Za-z-] identifiers (runtime-spec
 * config.md: ociVersion MUST be in SemVer v2.0.0 format). */
static bool semver_ident_ok(const char **pp, bool numeric_no_lead0)
{
	const char *p = *pp, *start = p;
	bool all_digits = true;
	while ((*p >= '0' && *p <= '9') || (!numeric_no_lead0 && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '-'))) {
		if (!(*p >= '0' && *p <= '9'))
			all_digits = false;
		p++;
	}
	if (p == start)
		return false;
	/* a numeric identifier (core number, or all-digit pre-release part) has no leading zero */
	if (all_digits && p - start > 1 && *start == '0' && numeric_no_lead0)
		return false;
	*pp = p;
	return true;
}

static bool semver_valid(const char *v)
{
	const char *p = v;
	for (int i = 0; i < 3; i++) {
		if (!semver_ident_ok(&p, true))
			return false;
		if (i < 2 && *p++ != '.')
			return false;
	}
	if (*p == '-') {
		do {
			p++;
			if (!semver_ident_ok(&p, false))
				return false;
		} while (*p == '.');
	}
	if (*p == '+') {
		do {
			p++;
			if (!semver_ident_ok(&p, false))
				return false;
		} while (*p == '.');
	}
	return *p == '\0';
}

/* config.md#configAnnotations: keys MUST NOT be an empty string */
static int check_annotations(struct parser *p, const struct oci_spec *s)
{
	for (size_t i = 0; i < s->n_annotations; i++)
		if (!s->annotations[i].key[0])
			return WITH_KEY(p, "annotations",
					jr_fail(&p->j, "an annotation has an empty key; name it, e.g. \"com.example.key\""));
	return 0;
}

int oci_spec_parse(const char *json, size_t len, const char *name, const char *bundle, struct oci_spec **out)
{
	struct oci_spec *s = calloc(1, sizeof(*s));
	json_object *top = NULL;
	struct parser p = { .s = s };
	int r;

	if (!s)
		return -ENOMEM;
	s->config_path = arena_strdup(&s->arena, name);
	s->bundle = arena_strdup(&s->arena, bundle);
	jr_init(&p.j, s->config_path, &s->arena);

	r = jr_parse(json, len, name, &top);
	if (r < 0)
		goto fail;
	if (json_object_get_type(top) != json_type_object) {
		r = jr_expected(&p.j, "a JSON object", top);
		goto fail;
	}
	r = jr_str(&p.j, top, "ociVersion", &s->oci_version);
	if (r == 0)
		r = jr_fail(&p.j, "\"ociVersion\" is missing; add \"ociVersion\": \"%s\"", OCI_SPEC_VERSION);
	if (r < 0)
		goto fail;
	if (!semver_valid(s->oci_version)) {
		r = WITH_KEY(&p, "ociVersion", jr_fail(&p.j, "\"%s\" is not a SemVer 2.0.0 version (MAJOR.MINOR.PATCH, e.g. \"%s\")",
						       s->oci_version, OCI_SPEC_VERSION));
		goto fail;
	}
	if (strncmp(s->oci_version, "1.", 2) != 0) {
		r = WITH_KEY(&p, "ociVersion", jr_fail(&p.j, "stockade implements runtime-spec 1.x, found version \"%s\"",
						       s->oci_version));
		goto fail;
	}
	if ((r = parse_root(&p, top)) < 0 || (r = jr_str(&p.j, top, "hostname", &s->hostname)) < 0 ||
	    (r = jr_str(&p.j, top, "domainname", &s->domainname)) < 0 || (r = parse_mounts(&p, top)) < 0 ||
	    (r = parse_process(&p, top)) < 0 || (r = parse_hooks(&p, top)) < 0 ||
	    (r = jr_strmap(&p.j, top, "annotations", &s->annotations, &s->n_annotations)) < 0 ||
	    (r = check_annotations(&p, s)) < 0 || (r = parse_linux(&p, top)) < 0 || (r = cross_check(&p)) < 0)
		goto fail;
	json_object_put(top);
	*out = s;
	return 0;
fail:
	json_object_put(top);
	oci_spec_free(s);
	return r;
}

int oci_spec_load(const char *bundle, struct oci_spec **out)
{
	char path[PATH_MAX], abs_bundle[PATH_MAX];
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r;

	/* The bundle directory is the caller's (host side), not the container's. */
	if (!realpath(bundle, abs_bundle))
		return err_sys(errno, "bundle %s", bundle);
	if ((size_t)snprintf(path, sizeof(path), "%s/config.json", abs_bundle) >= sizeof(path))
		return err_set(ENAMETOOLONG, "bundle path %s is too long", bundle);
	r = read_file_at(AT_FDCWD, path, CONFIG_MAX, &buf, &len);
	if (r == -ENOENT)
		return err_set(ENOENT, "%s does not exist; a bundle is a directory with config.json and a root "
				       "filesystem (\"stockade spec\" writes a hardened config.json)", path);
	if (r < 0)
		return err_sys(r, "cannot read %s", path);
	return oci_spec_parse(buf, len, path, abs_bundle, out);
}

void oci_spec_free(struct oci_spec *s)
{
	if (!s)
		return;
	arena_free(&s->arena);
	free(s);
}

const char *oci_spec_annotation(const struct oci_spec *s, const char *key)
{
	for (size_t i = 0; i < s->n_annotations; i++)
		if (STREQ(s->annotations[i].key, key))
			return s->annotations[i].value;
	return NULL;
}
