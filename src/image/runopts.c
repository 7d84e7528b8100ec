#include "image/runopts.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "util/fs.h"
#include "util/macros.h"

enum opt_id {
	O_NAME, O_RM, O_DETACH, O_INTERACTIVE, O_TTY, O_USER, O_ENV, O_ENV_FILE, O_WORKDIR, O_ENTRYPOINT, O_HOSTNAME,
	O_READ_ONLY, O_WRITABLE_ROOTFS, O_TMPFS, O_VOLUME, O_MOUNT, O_CAP_ADD, O_CAP_DROP, O_SECURITY_OPT, O_MEMORY,
	O_PIDS_LIMIT, O_CPUS, O_NETWORK, O_PUBLISH, O_PUBLISH_ALL, O_SECRET, O_INIT, O_STOP_SIGNAL, O_STOP_TIMEOUT,
};

struct ropt {
	const char *name;
	char shortname;
	bool takes_value;
	enum opt_id id;
};

static const struct ropt ropts[] = {
	{ "name", 0, true, O_NAME },
	{ "rm", 0, false, O_RM },
	{ "detach", 'd', false, O_DETACH },
	{ "interactive", 'i', false, O_INTERACTIVE },
	{ "tty", 't', false, O_TTY },
	{ "user", 'u', true, O_USER },
	{ "env", 'e', true, O_ENV },
	{ "env-file", 0, true, O_ENV_FILE },
	{ "workdir", 'w', true, O_WORKDIR },
	{ "entrypoint", 0, true, O_ENTRYPOINT },
	{ "hostname", 'h', true, O_HOSTNAME },
	{ "read-only", 0, false, O_READ_ONLY },
	{ "writable-rootfs", 0, false, O_WRITABLE_ROOTFS },
	{ "tmpfs", 0, true, O_TMPFS },
	{ "volume", 'v', true, O_VOLUME },
	{ "mount", 0, true, O_MOUNT },
	{ "cap-add", 0, true, O_CAP_ADD },
	{ "cap-drop", 0, true, O_CAP_DROP },
	{ "security-opt", 0, true, O_SECURITY_OPT },
	{ "memory", 'm', true, O_MEMORY },
	{ "pids-limit", 0, true, O_PIDS_LIMIT },
	{ "cpus", 0, true, O_CPUS },
	{ "network", 0, true, O_NETWORK },
	{ "net", 0, true, O_NETWORK },
	{ "publish", 'p', true, O_PUBLISH },
	{ "publish-all", 'P', false, O_PUBLISH_ALL },
	{ "secret", 0, true, O_SECRET },
	{ "init", 0, false, O_INIT },
	{ "stop-signal", 0, true, O_STOP_SIGNAL },
	{ "stop-timeout", 0, true, O_STOP_TIMEOUT },
};

const char runopts_help[] =
	"Options (docker run's; stockade's defaults differ where marked *):\n"
	"  --name NAME            the container's name (default: generated)\n"
	"  --rm[=true|false]      * remove the container when it exits (default true; false keeps the record)\n"
	"  -d, --detach           run in the background under a per-container monitor; print the name\n"
	"  -i, --interactive      keep stdin open\n"
	"  -t, --tty              allocate a terminal (foreground only)\n"
	"  -u, --user USER[:GROUP] user name or uid (default: the image's USER, judged by the policy)\n"
	"  -e, --env K=V | K      set a variable (K alone: its value here, if set)\n"
	"  --env-file FILE        K=V lines (# comments)\n"
	"  -w, --workdir DIR      working directory\n"
	"  --entrypoint CMD       replace the image's entrypoint (\"\" clears it; the image's Cmd is dropped)\n"
	"  -h, --hostname NAME    hostname (default: the container's name)\n"
	"  --read-only            * the default: the root filesystem is read-only\n"
	"  --writable-rootfs      * opt out of the read-only root (the policy judges it)\n"
	"  --tmpfs PATH[:OPTS]    * a tmpfs, noexec,nosuid,nodev unless OPTS says exec/suid/dev\n"
	"  -v, --volume SRC:DST[:ro|rw]  * bind a host path, read-only unless :rw (named volumes: refused)\n"
	"  --mount type=bind|tmpfs,source=,target=[,readonly|rw][,tmpfs-size=][,tmpfs-mode=]\n"
	"  --cap-add CAP, --cap-drop CAP   * no capability is granted by default\n"
	"  --security-opt no-new-privileges[:true|false] | seccomp=unconfined|FILE\n"
	"  -m, --memory SIZE      memory limit (512m, 1g)\n"
	"  --pids-limit N         process limit (-1: unlimited)\n"
	"  --cpus N               CPU quota (1.5 = one and a half CPUs)\n"
	"  --network none|private * none: loopback only (default without -p); private: loopback + -p\n"
	"  -p, --publish [IP:]HOSTPORT:CONTAINERPORT[/PROTO]  * IP defaults to 127.0.0.1, not 0.0.0.0\n"
	"  -P, --publish-all      * every ExposedPort of the image on 127.0.0.1, same port number (not a random one)\n"
	"  --secret NAME=FILE     the file appears as /run/secrets/NAME (0400, the container's user), never in env\n"
	"  --init                 a minimal init as PID 1 that reaps zombies and forwards signals\n"
	"  --stop-signal SIG      signal `stop` sends (default: the image's StopSignal, else TERM)\n"
	"  --stop-timeout SECS    seconds `stop` waits before SIGKILL (default 10)\n";

PRINTF(2, 3) static int bad(const char *opt, const char *fmt, ...)
{
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return err_set(EINVAL, "%s: %s", opt, what);
}

/* Arena-backed growing arrays, always NULL/zero-terminated: capacity 4, 8, 16 ... (+1). */
static void *grow(struct arena *a, void *v, size_t n, size_t sz)
{
	if (n != 0 && (n < 4 || (n & (n - 1)) != 0))
		return v; /* room left until the next power of two */
	void *nv = arena_calloc(a, (n ? n * 2 : 4) + 1, sz);
	if (v)
		memcpy(nv, v, n * sz);
	return nv;
}

#define PUSH(a, arr, n, val) \
	do { \
		(arr) = grow((a), (arr), (n), sizeof(*(arr))); \
		(arr)[(n)++] = (val); \
	} while (0)

int runopts_parse_size(const char *s, int64_t *out)
{
	char *end;
	if (!s || !*s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || v < 0)
		return -EINVAL;
	double mul = 1;
	switch (tolower((unsigned char)*end)) {
	case '\0': break;
	case 'b': mul = 1; end++; break;
	case 'k': mul = 1024.0; end++; break;
	case 'm': mul = 1024.0 * 1024; end++; break;
	case 'g': mul = 1024.0 * 1024 * 1024; end++; break;
	case 't': mul = 1024.0 * 1024 * 1024 * 1024; end++; break;
	default: return -EINVAL;
	}
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end)
		return -EINVAL;
	v *= mul;
	if (v >= 9.2e18 || v < 1)
		return -EINVAL;
	*out = (int64_t)v;
	return 0;
}

bool runopts_name_valid(const char *n)
{
	size_t len = strlen(n);
	if (len == 0 || len > 63 || !isalnum((unsigned char)n[0]))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)n[i]) && !strchr("_.-", n[i]))
			return false;
	return true;
}

static bool env_name_valid(const char *k, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (k[i] == '\0' || k[i] == '=')
			return false;
	return true;
}

/* "K=V" as is; "K" takes our value, or is skipped when unset (docker does the same). */
static int add_env(struct arena *a, struct run_opts *o, const char *opt, const char *kv)
{
	const char *eq = strchr(kv, '=');
	if (!env_name_valid(kv, eq ? (size_t)(eq - kv) : strlen(kv)))
		return bad(opt, "expected NAME=VALUE or NAME, found \"%s\"", kv);
	if (eq) {
		PUSH(a, o->env, o->nenv, arena_strdup(a, kv));
		return 0;
	}
	const char *v = getenv(kv);
	if (v)
		PUSH(a, o->env, o->nenv, arena_printf(a, "%s=%s", kv, v));
	return 0;
}

static int env_file(struct arena *a, struct run_opts *o, const char *path)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = read_file_at(AT_FDCWD, path, 1u << 20, &text, &len);
	if (r < 0)
		return err_sys(r, "--env-file %s: cannot read it", path);
	if (memchr(text, '\0', len))
		return err_set(EINVAL, "--env-file %s: a NUL byte in the file; expected K=V lines", path);
	char *save = NULL;
	int line = 0;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		line++;
		size_t n = strlen(l);
		if (n && l[n - 1] == '\r')
			l[--n] = '\0';
		while (*l == ' ' || *l == '\t')
			l++;
		if (!*l || *l == '#')
			continue;
		char opt[PATH_MAX + 32];
		snprintf(opt, sizeof(opt), "--env-file %s", path);
		if ((r = add_env(a, o, opt, l)) < 0)
			return err_ctx(r, "line %d", line);
	}
	return 0;
}

static int parse_bool(const char *opt, const char *v, bool *out)
{
	if (!v || STREQ(v, "true") || STREQ(v, "1")) {
		*out = true;
		return 0;
	}
	if (STREQ(v, "false") || STREQ(v, "0")) {
		*out = false;
		return 0;
	}
	return bad(opt, "expected true or false, found \"%s\"", v);
}

static bool abs_path(const char *p)
{
	return p && p[0] == '/';
}

/* "size=64m,mode=1777,exec" -> options; the user's exec/suid/dev win over the default no* ones. */
static int tmpfs_opts(struct arena *a, const char *opt, const char *list, struct run_mount *m)
{
	_cleanup_free_ char *copy = strdup(list ? list : "");
	if (!copy)
		return err_sys(ENOMEM, "%s", opt);
	char *save = NULL;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		static const char *const ok[] = { "exec", "noexec", "suid", "nosuid", "dev", "nodev", "ro", "rw",
						  "strictatime", "relatime", "noatime", "nr_inodes=", "size=", "mode=",
						  "uid=", "gid=" };
		bool good = false;
		for (size_t i = 0; i < ARRAY_SIZE(ok) && !good; i++) {
			size_t l = strlen(ok[i]);
			good = ok[i][l - 1] == '=' ? strncmp(t, ok[i], l) == 0 && t[l] : STREQ(t, ok[i]);
		}
		if (!good)
			return bad(opt, "unknown tmpfs option \"%s\" (known: size=, mode=, uid=, gid=, nr_inodes=, "
					"exec, suid, dev, ro and their no- forms)", t);
		PUSH(a, m->options, m->noptions, arena_strdup(a, t));
	}
	return 0;
}

static int add_tmpfs(struct arena *a, struct run_opts *o, const char *v)
{
	struct run_mount m = { .type = RUN_MOUNT_TMPFS };
	const char *colon = strchr(v, ':');
	m.destination = colon ? arena_strndup(a, v, (size_t)(colon - v)) : arena_strdup(a, v);
	if (!abs_path(m.destination))
		return bad("--tmpfs", "the destination must be an absolute path, found \"%s\"", v);
	int r = tmpfs_opts(a, "--tmpfs", colon ? colon + 1 : NULL, &m);
	if (r < 0)
		return r;
	PUSH(a, o->mounts, o->nmounts, m);
	return 0;
}

static int check_bind_source(const char *opt, const char *src)
{
	struct stat st;
	if (stat(src, &st) < 0)
		return err_sys(errno, "%s: the host path %s does not exist; create it first (stockade does not create "
				      "host directories)", opt, src);
	return 0;
}

static int add_volume(struct arena *a, struct run_opts *o, const char *v)
{
	/* SRC:DST[:MODE] -- neither path may contain ':' */
	_cleanup_free_ char *copy = strdup(v);
	if (!copy)
		return err_sys(ENOMEM, "--volume");
	char *parts[4] = { 0 };
	size_t n = 0;
	char *save = NULL;
	for (char *t = strtok_r(copy, ":", &save); t && n < 4; t = strtok_r(NULL, ":", &save))
		parts[n++] = t;
	if (n == 1 && abs_path(parts[0]))
		return bad("--volume", "\"%s\" names no host path: an anonymous volume needs a volume store, which "
				       "stockade does not have; use --tmpfs for scratch space or SRC:DST for a bind mount", v);
	if (n < 2 || n > 3)
		return bad("--volume", "expected SRC:DST[:ro|rw], found \"%s\"", v);
	if (!abs_path(parts[0]))
		return bad("--volume", "\"%s\" is a named volume: stockade has no volume store; bind an absolute host "
				       "path (SRC:DST) or use --tmpfs", parts[0]);
	if (!abs_path(parts[1]))
		return bad("--volume", "the destination must be an absolute path, found \"%s\"", parts[1]);
	struct run_mount m = { .type = RUN_MOUNT_BIND, .source = arena_strdup(a, parts[0]),
			       .destination = arena_strdup(a, parts[1]) };
	if (n == 3) {
		_cleanup_free_ char *modes = strdup(parts[2]);
		char *s2 = NULL;
		for (char *t = strtok_r(modes, ",", &s2); t; t = strtok_r(NULL, ",", &s2)) {
			if (STREQ(t, "rw"))
				m.rw = true;
			else if (STREQ(t, "ro"))
				m.rw = false;
			else if (!STREQ(t, "z") && !STREQ(t, "Z") && !STREQ(t, "rprivate") && !STREQ(t, "private"))
				return bad("--volume", "unknown mode \"%s\" (expected ro or rw)", t);
		}
	}
	int r = check_bind_source("--volume", m.source);
	if (r < 0)
		return r;
	PUSH(a, o->mounts, o->nmounts, m);
	return 0;
}

static int add_mount(struct arena *a, struct run_opts *o, const char *v)
{
	_cleanup_free_ char *copy = strdup(v);
	if (!copy)
		return err_sys(ENOMEM, "--mount");
	struct run_mount m = { .type = RUN_MOUNT_BIND };
	const char *type = NULL;
	char *save = NULL;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(t, '=');
		const char *val = eq ? eq + 1 : NULL;
		if (eq)
			*eq = '\0';
		if (STREQ(t, "type") && val) {
			type = arena_strdup(a, val);
		} else if ((STREQ(t, "source") || STREQ(t, "src")) && val) {
			m.source = arena_strdup(a, val);
		} else if ((STREQ(t, "target") || STREQ(t, "destination") || STREQ(t, "dst")) && val) {
			m.destination = arena_strdup(a, val);
		} else if (STREQ(t, "readonly") || STREQ(t, "ro")) {
			bool ro;
			if (parse_bool("--mount readonly", val, &ro) < 0)
				return -EINVAL;
			m.rw = !ro;
		} else if (STREQ(t, "rw") && !val) {
			m.rw = true;
		} else if (STREQ(t, "tmpfs-size") && val) {
			PUSH(a, m.options, m.noptions, arena_printf(a, "size=%s", val));
		} else if (STREQ(t, "tmpfs-mode") && val) {
			PUSH(a, m.options, m.noptions, arena_printf(a, "mode=%s", val));
		} else if (STREQ(t, "bind-propagation") && val) {
			if (!STREQ(val, "rprivate") && !STREQ(val, "private"))
				return bad("--mount", "bind-propagation=%s: only private propagation is allowed", val);
		} else {
			return bad("--mount", "unknown or incomplete key \"%s\" (expected type=, source=, target=, "
					      "readonly, tmpfs-size=, tmpfs-mode=)", t);
		}
	}
	if (!type)
		type = "volume";
	if (STREQ(type, "tmpfs")) {
		m.type = RUN_MOUNT_TMPFS;
		if (m.source)
			return bad("--mount", "a tmpfs has no source, found \"%s\"", m.source);
	} else if (STREQ(type, "bind")) {
		if (!abs_path(m.source))
			return bad("--mount", "type=bind needs an absolute source=, found \"%s\"", m.source ? m.source : "");
		int r = check_bind_source("--mount", m.source);
		if (r < 0)
			return r;
	} else {
		return bad("--mount", "type=%s is not supported: stockade has no volume store (use type=bind or "
				      "type=tmpfs)", type);
	}
	if (!abs_path(m.destination))
		return bad("--mount", "target= must be an absolute path, found \"%s\"", m.destination ? m.destination : "");
	PUSH(a, o->mounts, o->nmounts, m);
	return 0;
}

static const char *cap_name(struct arena *a, const char *v)
{
	char *c = arena_printf(a, "%s%s", strncasecmp(v, "CAP_", 4) == 0 || strcasecmp(v, "ALL") == 0 ? "" : "CAP_", v);
	for (char *p = c; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return c;
}

static int add_secret(struct arena *a, struct run_opts *o, const char *v)
{
	const char *eq = strchr(v, '=');
	if (!eq || eq == v || !eq[1])
		return bad("--secret", "expected NAME=FILE, found \"%s\"", v);
	for (const char *p = v; p < eq; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
			return bad("--secret", "the name may hold only letters, digits, '.', '_' and '-', found \"%s\"", v);
	if ((eq - v == 1 && v[0] == '.') || (eq - v == 2 && v[0] == '.' && v[1] == '.'))
		return bad("--secret", "the name may not be \".\" or \"..\", found \"%s\"", v);
	const char *file = eq + 1;
	char abs[PATH_MAX];
	if (!realpath(file, abs))
		return err_sys(errno, "--secret %.*s: the file %s", (int)(eq - v), v, file);
	struct stat st;
	if (stat(abs, &st) < 0 || !S_ISREG(st.st_mode))
		return bad("--secret", "%s is not a regular file", abs);
	if (access(abs, R_OK) < 0)
		return err_sys(errno, "--secret: cannot read %s", abs);
	for (size_t i = 0; i < o->nsecrets; i++)
		if (strlen(o->secrets[i].name) == (size_t)(eq - v) && strncmp(o->secrets[i].name, v, (size_t)(eq - v)) == 0)
			return bad("--secret", "the name \"%s\" is given twice", o->secrets[i].name);
	struct run_secret s = { arena_strndup(a, v, (size_t)(eq - v)), arena_strdup(a, abs) };
	PUSH(a, o->secrets, o->nsecrets, s);
	return 0;
}

static int security_opt(struct run_opts *o, struct arena *a, const char *v)
{
	if (strncmp(v, "no-new-privileges", 17) == 0 && (v[17] == '\0' || v[17] == ':' || v[17] == '=')) {
		bool b;
		if (parse_bool("--security-opt no-new-privileges", v[17] ? v + 18 : NULL, &b) < 0)
			return -EINVAL;
		o->no_new_privs = b;
		return 0;
	}
	if (strncmp(v, "seccomp=", 8) == 0 || strncmp(v, "seccomp:", 8) == 0) {
		const char *f = v + 8;
		if (!*f)
			return bad("--security-opt", "seccomp= needs unconfined or a profile file, found \"%s\"", v);
		if (!STREQ(f, "unconfined") && access(f, R_OK) < 0)
			return err_sys(errno, "--security-opt seccomp=%s: cannot read the profile", f);
		o->seccomp = arena_strdup(a, f);
		return 0;
	}
	if (strncmp(v, "label", 5) == 0 || strncmp(v, "apparmor", 8) == 0)
		return bad("--security-opt", "%s: stockade applies neither SELinux labels nor AppArmor profiles", v);
	return bad("--security-opt", "unknown option \"%s\" (known: no-new-privileges[:true|false], "
				     "seccomp=unconfined|FILE)", v);
}

static int apply(struct arena *a, struct run_opts *o, const struct ropt *ro, const char *flag, const char *v)
{
	long long n;
	int r;
	switch (ro->id) {
	case O_NAME:
		if (!runopts_name_valid(v))
			return bad(flag, "a name is 1-63 letters, digits, '_', '.' or '-' starting with a letter or "
					 "digit, found \"%s\"", v);
		o->name = v;
		return 0;
	case O_RM: return parse_bool(flag, v, &o->rm);
	case O_DETACH: return parse_bool(flag, v, &o->detach);
	case O_INTERACTIVE: return parse_bool(flag, v, &o->interactive);
	case O_TTY: return parse_bool(flag, v, &o->tty);
	case O_INIT: return parse_bool(flag, v, &o->init);
	case O_PUBLISH_ALL: return parse_bool(flag, v, &o->publish_all);
	case O_READ_ONLY: {
		bool ro_;
		if ((r = parse_bool(flag, v, &ro_)) < 0)
			return r;
		o->writable_rootfs = !ro_;
		return 0;
	}
	case O_WRITABLE_ROOTFS: return parse_bool(flag, v, &o->writable_rootfs);
	case O_USER:
		if (!*v || strchr(v, '\n'))
			return bad(flag, "expected USER[:GROUP], found \"%s\"", v);
		o->user = v;
		return 0;
	case O_ENV: return add_env(a, o, flag, v);
	case O_ENV_FILE: return env_file(a, o, v);
	case O_WORKDIR:
		if (!abs_path(v))
			return bad(flag, "the working directory must be an absolute path, found \"%s\"", v);
		o->workdir = v;
		return 0;
	case O_ENTRYPOINT: o->entrypoint = v; return 0;
	case O_HOSTNAME:
		if (!*v || strlen(v) > 63 || strchr(v, '/'))
			return bad(flag, "a hostname is 1-63 characters without '/', found \"%s\"", v);
		o->hostname = v;
		return 0;
	case O_TMPFS: return add_tmpfs(a, o, v);
	case O_VOLUME: return add_volume(a, o, v);
	case O_MOUNT: return add_mount(a, o, v);
	case O_CAP_ADD: PUSH(a, o->cap_add, o->ncap_add, cap_name(a, v)); return 0;
	case O_CAP_DROP: PUSH(a, o->cap_drop, o->ncap_drop, cap_name(a, v)); return 0;
	case O_SECURITY_OPT: return security_opt(o, a, v);
	case O_MEMORY:
		if (runopts_parse_size(v, &o->memory) < 0 || o->memory < (6 << 20))
			return bad(flag, "expected a size of at least 6m (512m, 1g), found \"%s\"", v);
		return 0;
	case O_PIDS_LIMIT:
		if (parse_i64(v, &n) < 0 || n == 0 || n < -1)
			return bad(flag, "expected a positive number or -1 (unlimited), found \"%s\"", v);
		o->pids_limit = n;
		return 0;
	case O_CPUS: {
		char *end;
		errno = 0;
		double c = strtod(v, &end);
		if (errno || *end || !(c >= 0.01 && c <= 1024))
			return bad(flag, "expected a number of CPUs between 0.01 and 1024, found \"%s\"", v);
		o->cpu_quota = (int64_t)(c * 100000 + 0.5);
		return 0;
	}
	case O_NETWORK:
		if (STREQ(v, "none"))
			o->network = RUN_NET_NONE;
		else if (STREQ(v, "private") || STREQ(v, "bridge") || STREQ(v, "default"))
			o->network = RUN_NET_PRIVATE;
		else
			return bad(flag, "expected none or private, found \"%s\" (the host's network is not offered)", v);
		return 0;
	case O_PUBLISH: PUSH(a, o->publish, o->npublish, v); return 0;
	case O_SECRET: return add_secret(a, o, v);
	case O_STOP_SIGNAL:
		if (!*v)
			return bad(flag, "expected a signal name or number, found \"%s\"", v);
		o->stop_signal = v;
		return 0;
	case O_STOP_TIMEOUT:
		if (parse_i64(v, &n) < 0 || n < 0 || n > 86400)
			return bad(flag, "expected seconds (0-86400), found \"%s\"", v);
		o->stop_timeout = (int)n;
		return 0;
	}
	return -EINVAL;
}

static const struct ropt *find_long(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(ropts); i++)
		if (strlen(ropts[i].name) == len && strncmp(ropts[i].name, name, len) == 0)
			return &ropts[i];
	return NULL;
}

static const struct ropt *find_short(char c)
{
	for (size_t i = 0; i < ARRAY_SIZE(ropts); i++)
		if (ropts[i].shortname == c)
			return &ropts[i];
	return NULL;
}

int runopts_parse(int argc, char **argv, struct arena *a, struct run_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->rm = true;
	o->no_new_privs = -1;
	o->stop_timeout = -1;
	int i, r;
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (STREQ(arg, "--")) {
			i++;
			break;
		}
		if (arg[0] != '-' || arg[1] == '\0')
			break;
		char flag[80];
		if (arg[1] == '-') {
			const char *name = arg + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			const struct ropt *ro = find_long(name, len);
			snprintf(flag, sizeof(flag), "--%.*s", (int)(len < 60 ? len : 60), name);
			if (!ro)
				return err_set(EINVAL, "unknown option %s (see \"stockade run --help\")", flag);
			const char *v = eq ? eq + 1 : NULL;
			if (ro->takes_value && !v) {
				if (i + 1 >= argc)
					return err_set(EINVAL, "%s needs a value", flag);
				v = argv[++i];
			}
			if ((r = apply(a, o, ro, flag, v)) < 0)
				return r;
			continue;
		}
		/* a cluster of short options: -it, -dit, -itu 0, -eK=V, -e=K=V */
		for (const char *p = arg + 1; *p; p++) {
			const struct ropt *ro = find_short(*p);
			snprintf(flag, sizeof(flag), "-%c", *p);
			if (!ro)
				return err_set(EINVAL, "unknown option %s in \"%s\" (see \"stockade run --help\")", flag, arg);
			if (!ro->takes_value) {
				const char *v = NULL;
				if (p[1] == '=') {
					v = p + 2;
					p += strlen(p) - 1;
				}
				if ((r = apply(a, o, ro, flag, v)) < 0)
					return r;
				continue;
			}
			const char *v = p + 1;
			if (*v == '=')
				v++;
			if (!*v) {
				if (i + 1 >= argc)
					return err_set(EINVAL, "%s needs a value", flag);
				v = argv[++i];
			}
			if ((r = apply(a, o, ro, flag, v)) < 0)
				return r;
			break;
		}
	}
	if (i >= argc)
		return err_set(EINVAL, "the image is missing: stockade run [OPTIONS] IMAGE [COMMAND [ARG...]]");
	o->image = argv[i++];
	if (!*o->image)
		return err_set(EINVAL, "the image is an empty string");
	o->ncmd = (size_t)(argc - i);
	o->cmd = arena_calloc(a, o->ncmd + 1, sizeof(char *));
	for (size_t k = 0; k < o->ncmd; k++)
		o->cmd[k] = argv[i + (int)k];
	/* combinations */
	if (o->network == RUN_NET_NONE && (o->npublish || o->publish_all))
		return err_set(EINVAL, "%s publishes a port, but --network none has no way in: use --network private "
				       "(the default with -p)", o->npublish ? "-p" : "-P");
	if (o->network == RUN_NET_DEFAULT)
		o->network = o->npublish || o->publish_all ? RUN_NET_PRIVATE : RUN_NET_NONE;
	if (o->detach && o->tty)
		return err_set(EINVAL, "-t with -d: a detached container has no terminal to attach here; drop -t "
				       "(its output goes to \"stockade logs\")");
	return 0;
}
