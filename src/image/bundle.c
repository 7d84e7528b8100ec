#include "image/bundle.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oci/default_spec.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/macros.h"
#include "util/path.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static bool numeric(const char *s, unsigned *out)
{
	unsigned long long v;
	if (!*s || parse_u64(s, &v) < 0 || v > 0xfffffffeULL)
		return false;
	*out = (unsigned)v;
	return true;
}

/* Read a small file of the image root (/etc/passwd), symlinks resolved inside the root. */
static char *root_file(int rootfd, const char *path)
{
	if (rootfd < 0)
		return NULL;
	_cleanup_close_ int fd = in_root_open(rootfd, path, O_RDONLY, IN_ROOT_FOLLOW);
	if (fd < 0)
		return NULL;
	char *text = NULL;
	size_t len;
	if (read_fd_all(fd, 4u << 20, &text, &len) < 0)
		return NULL;
	return text;
}

/*
 * Find `key` (a name, or a number when by_id) in a passwd/group style file:
 * fields separated by ':'; returns field 2 (the id) and, for passwd, field
 * 3 (the primary gid) and field 5 (home).
 */
static bool db_lookup(const char *text, const char *key, bool by_id, unsigned *id, unsigned *gid, char *home,
		      size_t homelen)
{
	if (!text)
		return false;
	const char *line = text;
	while (*line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char buf[1024];
		if (len < sizeof(buf)) {
			memcpy(buf, line, len);
			buf[len] = '\0';
			char *f[7] = { 0 };
			size_t n = 0;
			char *p = buf;
			while (n < 7) {
				f[n++] = p;
				char *c = strchr(p, ':');
				if (!c)
					break;
				*c = '\0';
				p = c + 1;
			}
			unsigned v;
			if (n >= 3 && numeric(f[2], &v) && (by_id ? STREQ(f[2], key) : STREQ(f[0], key))) {
				*id = v;
				if (gid && !(n >= 4 && numeric(f[3], gid)))
					*gid = v;
				if (home && n >= 6)
					snprintf(home, homelen, "%s", f[5]);
				return true;
			}
		}
		line += len + (end ? 1 : 0);
	}
	return false;
}

static int user_home(int rootfd, const char *spec, unsigned *uid, unsigned *gid, char *home, size_t homelen)
{
	char user[256];
	const char *colon = strchr(spec, ':');
	size_t ulen = colon ? (size_t)(colon - spec) : strlen(spec);
	snprintf(user, sizeof(user), "%.*s", (int)(ulen < 255 ? ulen : 255), spec);
	const char *group = colon ? colon + 1 : NULL;
	_cleanup_free_ char *passwd = NULL;
	if (home)
		home[0] = '\0';
	if (!user[0]) {
		*uid = 0;
		*gid = 0;
	} else if (numeric(user, uid)) {
		*gid = 0; /* docker: a uid not in /etc/passwd runs with gid 0 */
		passwd = root_file(rootfd, "/etc/passwd");
		unsigned u;
		db_lookup(passwd, user, true, &u, gid, home, homelen);
	} else {
		passwd = root_file(rootfd, "/etc/passwd");
		if (!db_lookup(passwd, user, false, uid, gid, home, homelen))
			return err_set(EINVAL, "user \"%s\" is not in the image's /etc/passwd: give a numeric uid "
					       "(-u 1000:1000) or a user the image defines", user);
	}
	if (!group)
		return 0;
	if (!*group)
		return err_set(EINVAL, "user \"%s\": the group after ':' is empty", spec);
	if (numeric(group, gid))
		return 0;
	_cleanup_free_ char *grp = root_file(rootfd, "/etc/group");
	if (!db_lookup(grp, group, false, gid, NULL, NULL, 0))
		return err_set(EINVAL, "group \"%s\" is not in the image's /etc/group: give a numeric gid", group);
	return 0;
}

int bundle_user(int rootfd, const char *spec, unsigned *uid, unsigned *gid)
{
	return user_home(rootfd, spec, uid, gid, NULL, 0);
}

static bool env_has(json_object *env, const char *key)
{
	size_t kl = strlen(key);
	size_t n = json_object_array_length(env);
	for (size_t i = 0; i < n; i++) {
		const char *e = json_object_get_string(json_object_array_get_idx(env, i));
		if (e && strncmp(e, key, kl) == 0 && e[kl] == '=')
			return true;
	}
	return false;
}

static bool has_opt(const struct run_mount *m, const char *o)
{
	for (size_t i = 0; i < m->noptions; i++)
		if (STREQ(m->options[i], o))
			return true;
	return false;
}

static bool has_prefix_opt(const struct run_mount *m, const char *prefix)
{
	for (size_t i = 0; i < m->noptions; i++)
		if (strncmp(m->options[i], prefix, strlen(prefix)) == 0)
			return true;
	return false;
}

static json_object *tmpfs_options(const struct run_mount *m)
{
	json_object *a = json_object_new_array();
	static const char *const pairs[][2] = { { "exec", "noexec" }, { "suid", "nosuid" }, { "dev", "nodev" } };
	for (size_t i = 0; i < ARRAY_SIZE(pairs); i++)
		if (!has_opt(m, pairs[i][0]) && !has_opt(m, pairs[i][1]))
			json_object_array_add(a, json_object_new_string(pairs[i][1]));
	if (!has_prefix_opt(m, "mode="))
		json_object_array_add(a, json_object_new_string("mode=1777"));
	for (size_t i = 0; i < m->noptions; i++)
		json_object_array_add(a, json_object_new_string(m->options[i]));
	return a;
}

/* Remove the default mount at dest (a user's mount replaces it). */
static void drop_mount(json_object *mounts, const char *dest)
{
	for (size_t i = json_object_array_length(mounts); i-- > 0;) {
		json_object *d;
		json_object_object_get_ex(json_object_array_get_idx(mounts, i), "destination", &d);
		if (d && STREQ(json_object_get_string(d), dest))
			json_object_array_del_idx(mounts, i, 1);
	}
}

static bool user_covers(const struct run_opts *o, const char *dest)
{
	char a[4096], b[4096];
	if (path_clean(dest, a, sizeof(a)) < 0)
		return false;
	for (size_t i = 0; i < o->nmounts; i++)
		if (path_clean(o->mounts[i].destination, b, sizeof(b)) == 0 && STREQ(a, b))
			return true;
	return false;
}

static int add_mounts(const struct bundle_in *in, json_object *mounts)
{
	const struct run_opts *o = in->o;
	char clean[4096];
	/* /run: a writable parent for /run/secrets and the sockets programs put there */
	if (!user_covers(o, "/run"))
		json_object_array_add(mounts, oci_mount_json("/run", "tmpfs", "tmpfs",
							json_strarr((const char *const[]){ "rw", "noexec", "nosuid", "nodev",
											   "mode=755", "size=16m" }, 6)));
	/* the image's VOLUMEs: anonymous tmpfs unless a -v/--tmpfs/--mount covers them */
	for (size_t i = 0; in->cfg->volumes && in->cfg->volumes[i]; i++) {
		const char *v = in->cfg->volumes[i];
		if (v[0] != '/' || path_clean(v, clean, sizeof(clean)) < 0)
			return err_set(EINVAL, "the image's config: Volumes: \"%s\" is not an absolute path", v);
		if (user_covers(o, clean) || STREQ(clean, "/") || STREQ(clean, "/proc") || STREQ(clean, "/sys") ||
		    STREQ(clean, "/dev"))
			continue;
		drop_mount(mounts, clean);
		json_object_array_add(mounts, oci_mount_json(clean, "tmpfs", "tmpfs",
							json_strarr((const char *const[]){ "rw", "noexec", "nosuid", "nodev",
											   "mode=1777" }, 5)));
	}
	for (size_t i = 0; i < o->nmounts; i++) {
		const struct run_mount *m = &o->mounts[i];
		if (path_clean(m->destination, clean, sizeof(clean)) < 0 || STREQ(clean, "/"))
			return err_set(EINVAL, "mount destination \"%s\": expected an absolute path other than /",
				       m->destination);
		drop_mount(mounts, clean);
		if (m->type == RUN_MOUNT_TMPFS) {
			json_object_array_add(mounts, oci_mount_json(clean, "tmpfs", "tmpfs", tmpfs_options(m)));
		} else {
			const char *opts[] = { "rbind", m->rw ? "rw" : "ro", "nosuid", "nodev", "rprivate" };
			json_object_array_add(mounts, oci_mount_json(clean, "bind", m->source, json_strarr(opts, ARRAY_SIZE(opts))));
		}
	}
	if (in->init_path)
		json_object_array_add(mounts, oci_mount_json("/dev/init", "bind", in->init_path,
							json_strarr((const char *const[]){ "bind", "ro", "nosuid",
											   "nodev" }, 4)));
	return 0;
}

static int set_caps(const struct run_opts *o, json_object *proc)
{
	json_object *caps;
	if (!json_object_object_get_ex(proc, "capabilities", &caps))
		return 0;
	for (size_t i = 0; i < o->ncap_add; i++) {
		const char *c = o->cap_add[i];
		if (STREQ(c, "ALL"))
			return err_set(EINVAL, "--cap-add ALL: name each capability the program needs (stockade grants "
					       "none by default)");
		bool dropped = false;
		for (size_t k = 0; k < o->ncap_drop; k++)
			dropped |= STREQ(o->cap_drop[k], c);
		if (dropped)
			continue;
		static const char *const sets[] = { "bounding", "effective", "permitted" };
		for (size_t s = 0; s < ARRAY_SIZE(sets); s++) {
			json_object *arr;
			json_object_object_get_ex(caps, sets[s], &arr);
			bool have = false;
			for (size_t k = 0; k < json_object_array_length(arr); k++)
				have |= STREQ(json_object_get_string(json_object_array_get_idx(arr, k)), c);
			if (!have)
				json_object_array_add(arr, json_object_new_string(c));
		}
	}
	return 0;
}

static int set_process(const struct bundle_in *in, json_object *proc)
{
	const struct run_opts *o = in->o;
	const struct img_config *c = in->cfg;

	/* args: entrypoint + command, docker's rules (--entrypoint drops the image's Cmd) */
	json_object *args = json_object_new_array();
	json_object_object_add(proc, "args", args);
	if (in->init_path) {
		json_object_array_add(args, json_object_new_string("/dev/init"));
		json_object_array_add(args, json_object_new_string("--"));
	}
	if (o->entrypoint) {
		if (*o->entrypoint)
			json_object_array_add(args, json_object_new_string(o->entrypoint));
	} else {
		for (size_t i = 0; c->entrypoint && c->entrypoint[i]; i++)
			json_object_array_add(args, json_object_new_string(c->entrypoint[i]));
	}
	if (o->ncmd) {
		for (size_t i = 0; i < o->ncmd; i++)
			json_object_array_add(args, json_object_new_string(o->cmd[i]));
	} else if (!o->entrypoint) {
		for (size_t i = 0; c->cmd && c->cmd[i]; i++)
			json_object_array_add(args, json_object_new_string(c->cmd[i]));
	}
	if (json_object_array_length(args) == (in->init_path ? 2u : 0u))
		return err_set(EINVAL, "image %s has no Entrypoint or Cmd: name the command after the image "
				       "(stockade run IMAGE COMMAND [ARG...])", in->image_ref);

	/* user: -u, else the image's USER (root when empty: the policy judges it) */
	unsigned uid, gid;
	char home[512];
	const char *user = o->user ? o->user : (c->user ? c->user : "");
	int r = user_home(in->rootfd, user, &uid, &gid, home, sizeof(home));
	if (r < 0)
		return err_ctx(r, o->user ? "--user" : "the image's config: User");
	json_object *u = json_object_new_object();
	json_object_object_add(u, "uid", json_object_new_int64(uid));
	json_object_object_add(u, "gid", json_object_new_int64(gid));
	json_object_object_add(proc, "user", u);

	/* env: the image's, PATH when it has none, HOME, then -e/--env-file in order */
	json_object *env = json_object_new_array();
	for (size_t i = 0; c->env && c->env[i]; i++)
		if (strchr(c->env[i], '='))
			oci_env_set(env, c->env[i]);
	if (!env_has(env, "PATH"))
		oci_env_set(env, DEFAULT_PATH);
	char hn[600];
	snprintf(hn, sizeof(hn), "HOSTNAME=%s", o->hostname ? o->hostname : in->name);
	oci_env_set(env, hn);
	if (o->tty && !env_has(env, "TERM"))
		oci_env_set(env, "TERM=xterm");
	if (!env_has(env, "HOME")) {
		char h[600];
		snprintf(h, sizeof(h), "HOME=%s", home[0] ? home : (uid == 0 ? "/root" : "/"));
		oci_env_set(env, h);
	}
	for (size_t i = 0; i < o->nenv; i++)
		oci_env_set(env, o->env[i]);
	json_object_object_add(proc, "env", env);

	const char *cwd = o->workdir ? o->workdir : (c->working_dir && *c->working_dir ? c->working_dir : "/");
	if (cwd[0] != '/')
		return err_set(EINVAL, "the image's config: WorkingDir \"%s\" is not an absolute path", cwd);
	json_object_object_add(proc, "cwd", json_object_new_string(cwd));
	json_object_object_add(proc, "terminal", json_object_new_boolean(o->tty));
	if (o->no_new_privs == 0)
		json_object_object_add(proc, "noNewPrivileges", json_object_new_boolean(0));
	return set_caps(o, proc);
}

static int set_linux(const struct bundle_in *in, json_object *lnx)
{
	const struct run_opts *o = in->o;
	json_object *res;
	json_object_object_get_ex(lnx, "resources", &res);
	if (o->memory) {
		json_object *mem = json_object_new_object();
		json_object_object_add(mem, "limit", json_object_new_int64(o->memory));
		json_object_object_add(res, "memory", mem);
	}
	if (o->pids_limit > 0) {
		json_object *p = json_object_new_object();
		json_object_object_add(p, "limit", json_object_new_int64(o->pids_limit));
		json_object_object_add(res, "pids", p);
	} else if (o->pids_limit == -1) {
		json_object_object_del(res, "pids");
	}
	if (o->cpu_quota) {
		json_object *cpu = json_object_new_object();
		json_object_object_add(cpu, "quota", json_object_new_int64(o->cpu_quota));
		json_object_object_add(cpu, "period", json_object_new_int64(100000));
		json_object_object_add(res, "cpu", cpu);
	}
	if (o->seccomp && STREQ(o->seccomp, "unconfined")) {
		json_object_object_del(lnx, "seccomp");
	} else if (o->seccomp) {
		json_object *prof = json_object_from_file(o->seccomp);
		if (!prof || !json_object_is_type(prof, json_type_object)) {
			json_object_put(prof);
			return err_set(EINVAL, "--security-opt seccomp=%s: not a JSON object (expected a seccomp profile "
					       "in the OCI linux.seccomp format)", o->seccomp);
		}
		json_object_object_add(lnx, "seccomp", prof);
	}
	return 0;
}

static void set_annotations(const struct bundle_in *in, json_object *root)
{
	json_object *ann = json_object_new_object();
	json_object_object_add(ann, "io.stockade.image", json_object_new_string(in->image_ref));
	json_object_object_add(ann, "io.stockade.name", json_object_new_string(in->name));
	if (in->nports) {
		json_object *ports = json_object_new_array();
		for (size_t i = 0; i < in->nports; i++) {
			const struct fwd_port *p = &in->ports[i];
			json_object *e = json_object_new_object();
			json_object_object_add(e, "host_ip", json_object_new_string(p->host_ip));
			json_object_object_add(e, "host_port", json_object_new_int(p->host_port));
			json_object_object_add(e, "container_port", json_object_new_int(p->ctr_port));
			json_object_object_add(e, "protocol", json_object_new_string(p->proto));
			json_object_array_add(ports, e);
		}
		json_object_object_add(ann, "io.stockade.ports",
				       json_object_new_string(json_object_to_json_string_ext(ports, JSON_C_TO_STRING_PLAIN)));
		json_object_put(ports);
	}
	if (in->o->nsecrets) {
		json_object *sec = json_object_new_array();
		for (size_t i = 0; i < in->o->nsecrets; i++) {
			json_object *e = json_object_new_object();
			json_object_object_add(e, "name", json_object_new_string(in->o->secrets[i].name));
			json_object_object_add(e, "source", json_object_new_string(in->o->secrets[i].source));
			json_object_array_add(sec, e);
		}
		json_object_object_add(ann, "io.stockade.secrets",
				       json_object_new_string(json_object_to_json_string_ext(
					       sec, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)));
		json_object_put(sec);
	}
	json_object_object_add(root, "annotations", ann);
}

int bundle_build(const struct bundle_in *in, char **json)
{
	json_object *root = default_spec_json(NULL, 0), *proc, *lnx, *mounts, *rt;
	json_object_object_get_ex(root, "process", &proc);
	json_object_object_get_ex(root, "linux", &lnx);
	json_object_object_get_ex(root, "mounts", &mounts);
	json_object_object_get_ex(root, "root", &rt);
	int r = set_process(in, proc);
	if (r == 0)
		r = add_mounts(in, mounts);
	if (r == 0)
		r = set_linux(in, lnx);
	if (r < 0) {
		json_object_put(root);
		return r;
	}
	json_object_object_add(rt, "path", json_object_new_string(in->rootfs));
	json_object_object_add(rt, "readonly", json_object_new_boolean(!in->o->writable_rootfs));
	json_object_object_add(root, "hostname", json_object_new_string(in->o->hostname ? in->o->hostname : in->name));
	set_annotations(in, root);
	*json = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
	return *json ? 0 : err_sys(ENOMEM, "config.json");
}
