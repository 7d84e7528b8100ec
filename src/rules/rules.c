/*
 * Evaluation of a workload against the catalogue.  Rules read facts only;
 * whether a fact was said in a Dockerfile, a compose file or a config.json is
 * the frontend's business.  One exception is deliberate: a Dockerfile says
 * nothing about how the container will run (capabilities, mounts, limits),
 * so only the rules about what an image itself decides judge it.
 */
#include <fnmatch.h>
#include <pthread.h>
#include <regex.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oci/spec.h"
#include "rules/rules_internal.h"
#include "util/strmap.h"

#define CAP_BIT(c) (1ULL << (c))

void rule_ctx_default(struct rule_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->level = LEVEL_RESTRICTED;
	ctx->cap_allow = CAP_BIT(cap_from_name("CAP_NET_BIND_SERVICE"));
	ctx->min_uid = 1;
}

bool rule_active(const struct eval *e, const char *id)
{
	const struct rule *r = rule_find(id);
	if (!r)
		return false;
	const struct rule_ctx *ctx = e->ctx;
	if (ctx->rule_sev && ctx->rule_sev[rule_index(r)] == RULE_OFF)
		return false;
	for (size_t i = 0; i < ctx->n_exempt; i++)
		if (strcasecmp(ctx->exempt[i], r->id) == 0)
			return false;
	if (strcmp(r->id, "STK501") == 0 && ctx->require_digest)
		return true;
	if (strcmp(r->id, "STK507") == 0)
		return ctx->n_registries > 0 && ctx->level >= LEVEL_BASELINE;
	if (r->level == LEVEL_HOST)
		return true; /* host rules only run when the host is checked */
	return r->level <= ctx->level;
}

static bool loc_same_file(const struct wl_loc *a, const char *file)
{
	if (!a->file || !file)
		return a->file == file;
	return strcmp(a->file, file) == 0;
}

static bool ids_cover(const char *const *ids, size_t n, const char *id)
{
	if (n == 0)
		return true;
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(ids[i], id) == 0 || strcasecmp(ids[i], "all") == 0)
			return true;
	return false;
}

static void apply_suppressions(const struct eval *e, struct finding *f)
{
	const struct wl_container *c = e->c;
	if (c && c->n_ignore && ids_cover(c->ignore, c->n_ignore, f->rule->id)) {
		f->suppressed = true; /* an annotation carries no reason */
		return;
	}
	if (f->at.line <= 0)
		return;
	for (size_t i = 0; i < e->w->n_suppress; i++) {
		const struct wl_suppress *s = &e->w->suppress[i];
		if (f->at.line < s->first_line || f->at.line > s->last_line || !loc_same_file(&f->at, e->w->file))
			continue;
		if (!ids_cover(s->ids, s->n_ids, f->rule->id))
			continue;
		f->suppressed = true;
		f->suppress_reason = s->reason; /* NULL: none given (reported as STK001) */
		return;
	}
}

static struct finding *push_finding(struct findings *out)
{
	if (out->n == out->cap) {
		size_t cap = out->cap ? out->cap * 2 : 16;
		struct finding *v = realloc(out->v, cap * sizeof(*v));
		if (!v)
			abort();
		out->v = v;
		out->cap = cap;
	}
	struct finding *f = &out->v[out->n++];
	memset(f, 0, sizeof(*f));
	return f;
}

struct finding *rule_emit(struct eval *e, const char *id, int sev, struct wl_loc at, const char *fmt, ...)
{
	const struct rule *r = rule_find(id);
	if (!r)
		abort(); /* a rule function names a rule that is not in the table */
	struct finding *f = push_finding(e->out);
	f->rule = r;
	f->sev = sev >= 0 ? (enum severity)sev : r->sev;
	if (e->ctx->rule_sev && e->ctx->rule_sev[rule_index(r)] >= 0)
		f->sev = (enum severity)e->ctx->rule_sev[rule_index(r)];
	if (!at.file)
		at.file = e->w->file;
	f->at = at;
	if (at.file)
		f->at.file = arena_strdup(&e->out->arena, at.file);
	if (at.path)
		f->at.path = arena_strdup(&e->out->arena, at.path);
	f->container = e->c && e->c->name ? arena_strdup(&e->out->arena, e->c->name) : NULL;
	va_list ap;
	va_start(ap, fmt);
	f->message = arena_vprintf(&e->out->arena, fmt, ap);
	va_end(ap);
	f->fixable = !(r->flags & RULE_UNFIXABLE);
	apply_suppressions(e, f);
	if (f->suppress_reason)
		f->suppress_reason = arena_strdup(&e->out->arena, f->suppress_reason);
	return f;
}

/* where to point when a fact was not said: at the fact if it has a place, else the container */
static struct wl_loc at_or(const struct wl_loc *fact, const struct wl_container *c)
{
	return fact->line > 0 || fact->path ? *fact : c->at;
}

/* ---- user and privilege ---------------------------------------------------- */

static void rule_user(struct eval *e)
{
	const struct wl_container *c = e->c;
	const struct wl_user *u = &c->user;
	if (!rule_active(e, "STK101"))
		return;
	if (u->set != WL_YES) {
		rule_emit(e, "STK101", -1, at_or(&u->at, c),
			  c->build_stage ? "no USER: the stage runs as root"
					 : "no user is set: the process runs as the image's default user, root unless the image says otherwise");
		return;
	}
	if (u->uid < 0)
		return; /* a user name we cannot resolve here, or runAsNonRoot: the kubelet refuses uid 0 */
	if (u->uid >= e->ctx->min_uid)
		return; /* at or above the floor (a policy with min_uid 0 allows root) */
	if (u->uid == 0 && u->userns_unprivileged) {
		rule_emit(e, "STK101", SEV_LOW, u->at,
			  "runs as uid 0 inside a user namespace that maps it to an unprivileged host uid");
		return;
	}
	if (u->uid == 0)
		rule_emit(e, "STK101", -1, u->at, "runs as uid 0 (root)%s%s%s", u->name ? ": \"" : "",
			  u->name ? u->name : "", u->name ? "\"" : "");
	else if (u->uid < e->ctx->min_uid)
		rule_emit(e, "STK101", -1, u->at, "runs as uid %ld, below the policy's minimum uid %ld", u->uid,
			  e->ctx->min_uid);
}

static void rule_privileged(struct eval *e)
{
	const struct wl_container *c = e->c;
	if (c->privileged.v == WL_YES && rule_active(e, "STK102"))
		rule_emit(e, "STK102", -1, c->privileged.at, "the container runs privileged");
	if (c->no_new_privs.v != WL_YES && rule_active(e, "STK103"))
		rule_emit(e, "STK103", -1, at_or(&c->no_new_privs.at, c),
			  c->no_new_privs.v == WL_NO ? "no_new_privs is switched off: setuid binaries can raise privileges"
						    : "no_new_privs is not set: setuid binaries can raise privileges");
}

/* ---- capabilities ------------------------------------------------------------ */

static const char *const dangerous_caps[] = { "SYS_ADMIN", "SYS_MODULE", "SYS_PTRACE", "SYS_RAWIO", "DAC_READ_SEARCH",
	"NET_ADMIN", "SYS_TIME", "BPF", "PERFMON", "SYS_BOOT", "MAC_ADMIN", "MAC_OVERRIDE" };

static bool cap_dangerous(const struct wl_cap *k)
{
	if (k->cap == WL_CAP_ALL)
		return true;
	const char *n = k->cap >= 0 ? cap_to_name(k->cap) + 4 : k->name;
	for (size_t i = 0; n && i < sizeof(dangerous_caps) / sizeof(*dangerous_caps); i++)
		if (strcasecmp(n, dangerous_caps[i]) == 0)
			return true;
	return false;
}

static const char *cap_label(const struct wl_cap *k)
{
	if (k->cap == WL_CAP_ALL)
		return "ALL";
	return k->cap >= 0 ? cap_to_name(k->cap) + 4 : (k->name ? k->name : "?");
}

static bool cap_allowed(const struct eval *e, const struct wl_cap *k)
{
	return k->cap >= 0 && k->cap < 64 && (e->ctx->cap_allow & CAP_BIT(k->cap));
}

static void rule_caps(struct eval *e)
{
	const struct wl_container *c = e->c;
	const struct wl_caps *cs = &c->caps;
	for (size_t i = 0; i < cs->n_add; i++)
		if (cap_dangerous(&cs->add[i]) && rule_active(e, "STK202"))
			rule_emit(e, "STK202", -1, cs->add[i].at, "capability %s is added", cap_label(&cs->add[i]));
	if (cs->explicit_set) {
		/* OCI: the sets are the whole truth; one finding names what is beyond the allowlist */
		if (!rule_active(e, "STK201"))
			return;
		char list[512] = "";
		size_t n = 0;
		for (size_t i = 0; i < cs->n_add; i++) {
			if (cap_allowed(e, &cs->add[i]))
				continue;
			if (n++ < 12) {
				if (list[0])
					strncat(list, ", ", sizeof(list) - strlen(list) - 1);
				strncat(list, cap_label(&cs->add[i]), sizeof(list) - strlen(list) - 1);
			}
		}
		if (n)
			rule_emit(e, "STK201", -1, cs->at, "the process keeps %zu capabilit%s beyond the allowlist: %s%s", n,
				  n == 1 ? "y" : "ies", list, n > 12 ? ", ..." : "");
		return;
	}
	if (cs->drop_all.v != WL_YES && c->privileged.v != WL_YES && rule_active(e, "STK201"))
		rule_emit(e, "STK201", -1, at_or(&cs->drop_all.at, c),
			  "capabilities are not dropped: the engine's default set (CHOWN, DAC_OVERRIDE, SETUID, NET_RAW, ...) applies");
	for (size_t i = 0; i < cs->n_add; i++)
		if (!cap_dangerous(&cs->add[i]) && !cap_allowed(e, &cs->add[i]) && rule_active(e, "STK203"))
			rule_emit(e, "STK203", -1, cs->add[i].at, "capability %s is added; the allowlist does not have it",
				  cap_label(&cs->add[i]));
}

/* ---- kernel isolation -------------------------------------------------------- */

static void rule_isolation(struct eval *e)
{
	const struct wl_container *c = e->c;
	if (rule_active(e, "STK204")) {
		if (c->seccomp == WL_SECCOMP_UNCONFINED)
			rule_emit(e, "STK204", -1, c->seccomp_at, "seccomp is switched off (unconfined)");
		else if (c->seccomp == WL_SECCOMP_NONE && e->ctx->level >= LEVEL_RESTRICTED)
			rule_emit(e, "STK204", -1, c->seccomp_at, "no seccomp profile is set: every syscall reaches the kernel");
	}
	for (int i = 0; i < WL_NS__MAX; i++)
		if (c->host_ns[i].v == WL_YES && rule_active(e, "STK205"))
			rule_emit(e, "STK205", -1, at_or(&c->host_ns[i].at, c), "shares the host's %s namespace", wl_ns_names[i]);
	if (rule_active(e, "STK206")) {
		for (size_t i = 0; i < c->n_devices; i++)
			rule_emit(e, "STK206", -1, c->devices[i].at, "host device %s is passed in", c->devices[i].path);
		if (c->device_cgroup_all.v == WL_YES)
			rule_emit(e, "STK206", -1, c->device_cgroup_all.at, "the device cgroup allows every device (a *:* rwm)");
	}
	if (c->proc_unmasked.v == WL_YES && rule_active(e, "STK305"))
		rule_emit(e, "STK305", -1, c->proc_unmasked.at, "/proc is not masked");
}

/* ---- filesystem --------------------------------------------------------------- */

/* Lexically normalise an absolute path: no "//", no ".", ".." resolved, no trailing '/'. */
static void path_norm(const char *in, char *out, size_t n)
{
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s", in);
	size_t len = 0;
	out[0] = '\0';
	char *save = NULL;
	for (char *tok = strtok_r(tmp, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (strcmp(tok, ".") == 0)
			continue;
		if (strcmp(tok, "..") == 0) {
			char *slash = strrchr(out, '/');
			if (slash)
				*slash = '\0';
			len = strlen(out);
			continue;
		}
		int w = snprintf(out + len, n - len, "/%s", tok);
		if (w < 0 || (size_t)w >= n - len)
			break;
		len += (size_t)w;
	}
	if (!out[0])
		snprintf(out, n, "/");
}

static bool path_under(const char *p, const char *dir)
{
	size_t n = strlen(dir);
	return strncmp(p, dir, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

static const char *const engine_sockets[] = {
	"/run/docker.sock", "/run/docker.sock.raw", "/run/containerd/containerd.sock", "/run/crio/crio.sock",
	"/run/podman/podman.sock", "/run/user/*/podman/podman.sock", "/run/user/*/docker.sock", "/run/dockershim.sock",
	"/run/cri-dockerd.sock", "/run/k3s/containerd/containerd.sock", "/run/buildkit/buildkitd.sock",
};
/* directories that hold an engine socket: mounting them mounts the socket */
static const char *const socket_dirs[] = { "/", "/run", "/run/docker", "/run/containerd", "/run/crio", "/run/podman",
	"/run/user", "/var", "/run/k3s", "/run/buildkit" };

static bool engine_socket(const char *src)
{
	char p[4096];
	path_norm(src, p, sizeof(p));
	/* /var/run is a symlink to /run on every current distribution */
	if (path_under(p, "/var/run")) {
		char t[4096];
		snprintf(t, sizeof(t), "/run%s", p + 8);
		snprintf(p, sizeof(p), "%s", t);
	}
	for (size_t i = 0; i < sizeof(engine_sockets) / sizeof(*engine_sockets); i++)
		if (fnmatch(engine_sockets[i], p, FNM_PATHNAME) == 0)
			return true;
	for (size_t i = 0; i < sizeof(socket_dirs) / sizeof(*socket_dirs); i++)
		if (strcmp(p, socket_dirs[i]) == 0 && strcmp(p, "/") != 0)
			return true;
	return strcmp(p, "/var") == 0 || (strstr(p, "docker.sock") || strstr(p, "containerd.sock") || strstr(p, "podman.sock") ||
					 strstr(p, "crio.sock"));
}

static const char *const sensitive_dirs[] = { "/etc", "/proc", "/sys", "/dev", "/boot", "/root", "/lib/modules",
	"/usr/lib/modules", "/var/lib/docker", "/var/lib/kubelet", "/var/lib/containerd", "/var/lib/containers",
	"/var/log", "/home" };

static const char *sensitive_host_path(const char *src)
{
	char p[4096];
	path_norm(src, p, sizeof(p));
	if (strcmp(p, "/") == 0)
		return "/";
	for (size_t i = 0; i < sizeof(sensitive_dirs) / sizeof(*sensitive_dirs); i++)
		if (path_under(p, sensitive_dirs[i]))
			return sensitive_dirs[i];
	return NULL;
}

static bool mount_allowed(const struct eval *e, const char *src)
{
	char p[4096];
	path_norm(src, p, sizeof(p));
	for (size_t i = 0; i < e->ctx->n_mount_allow; i++)
		if (fnmatch(e->ctx->mount_allow[i], p, 0) == 0 || path_under(p, e->ctx->mount_allow[i]))
			return true;
	return false;
}

static void rule_filesystem(struct eval *e)
{
	const struct wl_container *c = e->c;
	if (c->read_only_root.v != WL_YES && rule_active(e, "STK301"))
		rule_emit(e, "STK301", -1, at_or(&c->read_only_root.at, c), "the root filesystem is writable");
	for (size_t i = 0; i < c->n_mounts; i++) {
		const struct wl_mount *m = &c->mounts[i];
		if (m->type == WL_MNT_TMPFS && !m->read_only && m->destination && strcmp(m->destination, "/dev") != 0 &&
		    (!m->noexec || !m->nosuid || !m->nodev) && rule_active(e, "STK302")) {
			char miss[32] = "";
			if (!m->noexec)
				strcat(miss, "noexec,");
			if (!m->nosuid)
				strcat(miss, "nosuid,");
			if (!m->nodev)
				strcat(miss, "nodev,");
			miss[strlen(miss) - 1] = '\0';
			rule_emit(e, "STK302", -1, m->at, "tmpfs %s lacks %s", m->destination, miss);
		}
		if (m->type != WL_MNT_BIND || !m->source || m->engine_managed)
			continue;
		if (engine_socket(m->source)) {
			if (rule_active(e, "STK303"))
				rule_emit(e, "STK303", -1, m->at, "%s is mounted at %s: it holds a container engine's API socket",
					  m->source, m->destination ? m->destination : "?");
			continue;
		}
		if (!rule_active(e, "STK304") || mount_allowed(e, m->source))
			continue;
		const char *dir = sensitive_host_path(m->source);
		if (dir)
			rule_emit(e, "STK304", -1, m->at, "host path %s is mounted at %s%s", m->source,
				  m->destination ? m->destination : "?", m->read_only ? " (read-only)" : " writable");
		else if (!m->read_only)
			rule_emit(e, "STK304", SEV_MEDIUM, m->at, "host path %s is mounted writable at %s", m->source,
				  m->destination ? m->destination : "?");
	}
}

/* ---- network ------------------------------------------------------------------ */

static void rule_ports(struct eval *e)
{
	const struct wl_container *c = e->c;
	if (!rule_active(e, "STK401"))
		return;
	for (size_t i = 0; i < c->n_ports; i++) {
		const struct wl_port *p = &c->ports[i];
		if (p->k8s_host_port) {
			rule_emit(e, "STK401", -1, p->at, "hostPort %d opens the port on the node%s%s", p->host_port,
				  p->host_ip ? " address " : "", p->host_ip ? p->host_ip : "");
			continue;
		}
		const char *ip = p->host_ip;
		if (!ip || !*ip || strcmp(ip, "0.0.0.0") == 0 || strcmp(ip, "::") == 0 || strcmp(ip, "[::]") == 0) {
			if (p->host_port > 0)
				rule_emit(e, "STK401", -1, p->at, "port %d is published on every interface (to container port %d)",
					  p->host_port, p->container_port);
			else
				rule_emit(e, "STK401", -1, p->at, "container port %d is published on every interface",
					  p->container_port);
		}
	}
}

/* ---- images --------------------------------------------------------------------- */

/* Split "registry/name:tag@digest": the tag (NULL if none), whether a digest is present. */
static void image_parts(const char *ref, char *tag, size_t ntag, bool *digest)
{
	*digest = strstr(ref, "@sha256:") != NULL;
	char r[1024];
	snprintf(r, sizeof(r), "%s", ref);
	char *at = strchr(r, '@');
	if (at)
		*at = '\0';
	char *slash = strrchr(r, '/');
	char *colon = strrchr(slash ? slash : r, ':');
	snprintf(tag, ntag, "%s", colon ? colon + 1 : "");
}

static void image_registry_ref(const char *ref, char *out, size_t n)
{
	const char *slash = strchr(ref, '/');
	bool has_registry = slash && (memchr(ref, '.', (size_t)(slash - ref)) || memchr(ref, ':', (size_t)(slash - ref)) ||
				      strncmp(ref, "localhost/", 10) == 0);
	if (has_registry)
		snprintf(out, n, "%s", ref);
	else if (slash)
		snprintf(out, n, "docker.io/%s", ref);
	else
		snprintf(out, n, "docker.io/library/%s", ref);
}

static void rule_images(struct eval *e)
{
	const struct wl_container *c = e->c;
	for (size_t i = 0; i < c->n_images; i++) {
		const struct wl_image *im = &c->images[i];
		if (im->unresolved || !im->ref || strcmp(im->ref, "scratch") == 0)
			continue;
		char tag[256];
		bool digest;
		image_parts(im->ref, tag, sizeof(tag), &digest);
		if (!digest && rule_active(e, "STK501"))
			rule_emit(e, "STK501", -1, im->at, "image %s is not pinned by digest", im->ref);
		if (!digest && (!tag[0] || strcmp(tag, "latest") == 0) && rule_active(e, "STK502"))
			rule_emit(e, "STK502", -1, im->at, "image %s %s", im->ref, tag[0] ? "uses the latest tag" : "has no tag (latest)");
		if (rule_active(e, "STK507")) {
			char full[1100];
			image_registry_ref(im->ref, full, sizeof(full));
			bool ok = false;
			for (size_t j = 0; j < e->ctx->n_registries && !ok; j++)
				ok = strncmp(full, e->ctx->registries[j], strlen(e->ctx->registries[j])) == 0;
			if (!ok)
				rule_emit(e, "STK507", -1, im->at, "image %s (%s) is not from an allowed registry", im->ref, full);
		}
	}
	if (c->n_images == 0 && e->w->kind == WL_OCI && rule_active(e, "STK507"))
		rule_emit(e, "STK507", -1, c->at,
			  "the policy allows only some registries, and this config does not say which image it runs "
			  "(no io.kubernetes.cri.image-name, org.opencontainers.image.ref.name or io.stockade.image annotation)");
}

/* ---- secrets ---------------------------------------------------------------------- */

static const char *const secret_words[] = { "PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "API_KEY", "APIKEY",
	"PRIVATE_KEY", "ACCESS_KEY", "AUTH_KEY", "CREDENTIAL", "_PWD", "CLIENT_KEY", "SIGNING_KEY", "ENCRYPTION_KEY",
	"MASTER_KEY" };
/* names that carry a reference to a secret, not the secret */
static const char *const not_secret_suffixes[] = { "_FILE", "_PATH", "_DIR", "_URL", "_URI", "_ENDPOINT", "_HOST", "_NAME",
	"_ID", "_ENABLED", "_TYPE", "_LENGTH", "_TTL", "_EXPIRY", "_EXPIRES", "_TIMEOUT", "_HEADER", "_FIELD", "_KEY_ID",
	"_REF", "_REGION", "_VERSION", "_PROVIDER", "_LOCATION", "_MODE" };

static bool ends_with_ci(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && strcasecmp(s + a - b, suf) == 0;
}

static bool secret_name(const char *n)
{
	for (size_t i = 0; i < sizeof(not_secret_suffixes) / sizeof(*not_secret_suffixes); i++)
		if (ends_with_ci(n, not_secret_suffixes[i]))
			return false;
	for (size_t i = 0; i < sizeof(secret_words) / sizeof(*secret_words); i++)
		if (strcasestr(n, secret_words[i]))
			return true;
	return false;
}

/* a literal worth reporting: not empty, not a variable, not a placeholder flag */
static bool literal_value(const char *v)
{
	if (!v || !*v)
		return false;
	if (v[0] == '$')
		return false;
	static const char *const flags[] = { "true", "false", "yes", "no", "0", "1", "on", "off", "none", "null", "\"\"", "''" };
	for (size_t i = 0; i < sizeof(flags) / sizeof(*flags); i++)
		if (strcasecmp(v, flags[i]) == 0)
			return false;
	if (v[0] == '/')
		return false; /* a path to a secret file: the right way */
	return true;
}

static regex_t secret_shapes;
static bool secret_shapes_ready;
static pthread_once_t secret_shapes_once = PTHREAD_ONCE_INIT;

/* AWS access key id, GitHub/GitLab/Slack/Stripe tokens, PEM private keys (audit judges files in parallel) */
static void secret_shapes_compile(void)
{
	secret_shapes_ready = regcomp(&secret_shapes,
			    "(^|[^A-Z0-9])AKIA[0-9A-Z]{16}([^A-Z0-9]|$)|gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{40,}|"
			    "glpat-[A-Za-z0-9_-]{20}|xox[abprs]-[A-Za-z0-9-]{10,}|sk_live_[A-Za-z0-9]{16,}|"
			    "-{3,}BEGIN ([A-Z]+ )?PRIVATE KEY-{3,}",
			    REG_EXTENDED | REG_NOSUB) == 0;
}

static bool secret_value(const char *v)
{
	if (!v)
		return false;
	/* every container create judges its environment: compile the regex only for a value that could match */
	static const char *const hints[] = { "AKIA", "gh", "github_pat_", "glpat-", "xox", "sk_live_", "PRIVATE KEY" };
	bool maybe = false;
	for (size_t i = 0; i < sizeof(hints) / sizeof(*hints) && !maybe; i++)
		maybe = strstr(v, hints[i]) != NULL;
	if (!maybe)
		return false;
	pthread_once(&secret_shapes_once, secret_shapes_compile);
	if (!secret_shapes_ready)
		return false;
	return regexec(&secret_shapes, v, 0, NULL, 0) == 0;
}

static void rule_secrets(struct eval *e)
{
	const struct wl_container *c = e->c;
	for (size_t i = 0; i < c->n_env; i++) {
		const struct wl_env *v = &c->env[i];
		if (!v->name)
			continue;
		if (v->from_secret_ref) {
			if (rule_active(e, "STK602"))
				rule_emit(e, "STK602", -1, v->at, "%s comes from a secret store into the environment", v->name);
			continue;
		}
		if (!rule_active(e, "STK601"))
			continue;
		if (secret_value(v->value))
			rule_emit(e, "STK601", -1, v->at, "%s %s holds a value shaped like a credential (value not shown)",
				  v->build_time ? "build argument" : "environment variable", v->name);
		else if (secret_name(v->name) && literal_value(v->value))
			rule_emit(e, "STK601", -1, v->at, "%s %s is set to a literal value (value not shown)",
				  v->build_time ? "build argument" : "environment variable", v->name);
	}
}

/* ---- limits ---------------------------------------------------------------------- */

static void rule_limits(struct eval *e)
{
	const struct wl_container *c = e->c;
	if (c->mem_limit.v != WL_YES && rule_active(e, "STK701"))
		rule_emit(e, "STK701", -1, at_or(&c->mem_limit.at, c), "no memory limit");
	if (c->pids_limit.v != WL_YES && rule_active(e, "STK702"))
		rule_emit(e, "STK702", -1, at_or(&c->pids_limit.at, c), "no PIDs limit");
	if (c->cpu_limit.v != WL_YES && rule_active(e, "STK703"))
		rule_emit(e, "STK703", -1, at_or(&c->cpu_limit.at, c), "no CPU limit");
}

/* ---- driver ---------------------------------------------------------------------- */

static void eval_container(struct eval *e)
{
	const struct wl_container *c = e->c;
	bool runtime_facts = e->w->kind != WL_DOCKERFILE; /* a Dockerfile does not say how it will be run */
	if (!c->build_stage)
		rule_user(e);
	if (runtime_facts) {
		rule_privileged(e);
		rule_caps(e);
		rule_isolation(e);
		rule_filesystem(e);
		rule_ports(e);
		rule_limits(e);
	}
	rule_images(e);
	rule_secrets(e);
	if (e->w->kind == WL_DOCKERFILE)
		rules_build(e);
}

int rules_eval(const struct workload *w, const struct rule_ctx *ctx, struct findings *out)
{
	struct eval e = { .w = w, .ctx = ctx, .out = out };
	for (size_t i = 0; i < w->n_errors; i++)
		rule_emit(&e, "STK000", -1, w->errors[i].at, "%s", w->errors[i].message);
	for (size_t i = 0; i < w->n_containers; i++) {
		e.c = &w->containers[i];
		eval_container(&e);
	}
	e.c = NULL;
	for (size_t i = 0; i < w->n_suppress; i++)
		if (!w->suppress[i].reason && rule_active(&e, "STK001"))
			rule_emit(&e, "STK001", -1, w->suppress[i].at, "stockade:ignore without a reason");
	return 0;
}

/* ---- Kubernetes NetworkPolicy, across files ---------------------------------------- */

/* Does the policy isolate this workload's ingress?  Only a policy of type Ingress does. */
static bool netpol_selects(const struct wl_netpol *np, const struct wl_container *c)
{
	if (!np->ingress_type)
		return false; /* an Egress-only policy leaves ingress open */
	if (np->selector_exprs)
		return true; /* matchExpressions: assume it may select (never a false STK404) */
	for (size_t i = 0; i < np->n_selector; i++) {
		bool found = false;
		for (size_t j = 0; j < c->n_labels && !found; j++)
			found = strcmp(np->selector[i].key, c->labels[j].key) == 0 && c->labels[j].value &&
				np->selector[i].value && strcmp(np->selector[i].value, c->labels[j].value) == 0;
		if (!found)
			return false;
	}
	return true;
}

static bool netpol_default_deny(const struct wl_netpol *np)
{
	return np->n_selector == 0 && !np->selector_exprs && np->ingress_type && np->n_ingress_rules == 0;
}

static const char *ns_of(const char *ns)
{
	return ns ? ns : "default";
}

struct np_ref {
	const struct wl_netpol *np;
};

static int cmp_np(const void *a, const void *b)
{
	return strcmp(ns_of(((const struct np_ref *)a)->np->k8s_namespace), ns_of(((const struct np_ref *)b)->np->k8s_namespace));
}

/*
 * Linear in the number of containers and policies (plus the policies of a
 * container's own namespace), so a tree of thousands of manifests stays fast.
 */
int rules_eval_cluster(struct workload *const *ws, size_t n, const struct rule_ctx *ctx, struct findings *out)
{
	struct arena a = { 0 };
	struct strmap deny = { 0 }, seen_ns = { 0 }, seen_wl = { 0 };
	size_t nnp = 0;
	for (size_t i = 0; i < n; i++)
		nnp += ws[i]->kind == WL_K8S ? ws[i]->n_netpols : 0;
	struct np_ref *nps = arena_calloc(&a, nnp + 1, sizeof(*nps));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (ws[i]->kind != WL_K8S)
			continue;
		for (size_t p = 0; p < ws[i]->n_netpols; p++) {
			const struct wl_netpol *np = &ws[i]->netpols[p];
			nps[k++].np = np;
			if (netpol_default_deny(np))
				strmap_add(&deny, ns_of(np->k8s_namespace));
		}
	}
	qsort(nps, nnp, sizeof(*nps), cmp_np);

	for (size_t i = 0; i < n; i++) {
		const struct workload *w = ws[i];
		if (w->kind != WL_K8S)
			continue;
		struct eval e = { .w = w, .ctx = ctx, .out = out };
		for (size_t p = 0; p < w->n_netpols; p++)
			if (w->netpols[p].open_rule && rule_active(&e, "STK403"))
				rule_emit(&e, "STK403", -1, w->netpols[p].open_at, "NetworkPolicy %s/%s admits every source or every port",
					  ns_of(w->netpols[p].k8s_namespace), w->netpols[p].name);
		for (size_t c_i = 0; c_i < w->n_containers; c_i++) {
			const struct wl_container *c = &w->containers[c_i];
			const char *ns = ns_of(c->k8s_namespace);
			/* each namespace once (at its first workload), each workload once (its first container) */
			bool ns_first = strmap_add(&seen_ns, ns);
			char *key = arena_printf(&a, "%s\x1f%s\x1f%s", ns, c->kind ? c->kind : "",
						 c->k8s_workload ? c->k8s_workload : (c->name ? c->name : ""));
			bool wl_first = strmap_add(&seen_wl, key); /* key lives in the arena until the end */
			bool selected = false;
			/* the policies of this namespace: a binary search to the first, then a scan */
			size_t lo = 0, hi = nnp;
			while (lo < hi) {
				size_t mid = (lo + hi) / 2;
				if (strcmp(ns_of(nps[mid].np->k8s_namespace), ns) < 0)
					lo = mid + 1;
				else
					hi = mid;
			}
			for (size_t p = lo; p < nnp && !selected && strcmp(ns_of(nps[p].np->k8s_namespace), ns) == 0; p++)
				selected = netpol_selects(nps[p].np, c);
			e.c = c;
			if (ns_first && strmap_get(&deny, ns) == SIZE_MAX && rule_active(&e, "STK402"))
				rule_emit(&e, "STK402", -1, c->at, "namespace %s has workloads but no default-deny ingress NetworkPolicy", ns);
			if (wl_first && !selected && rule_active(&e, "STK404"))
				rule_emit(&e, "STK404", -1, c->at, "%s %s is selected by no NetworkPolicy", c->kind ? c->kind : "workload",
					  c->k8s_workload ? c->k8s_workload : c->name);
			e.c = NULL;
		}
	}
	strmap_free(&deny);
	strmap_free(&seen_ns);
	strmap_free(&seen_wl);
	arena_free(&a);
	return 0;
}

/* ---- findings --------------------------------------------------------------------- */

void findings_free(struct findings *f)
{
	free(f->v);
	arena_free(&f->arena);
	memset(f, 0, sizeof(*f));
}

static int cmp_str(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static int cmp_finding(const void *pa, const void *pb)
{
	const struct finding *a = pa, *b = pb;
	int r = cmp_str(a->at.file, b->at.file);
	if (r)
		return r;
	if (a->at.line != b->at.line)
		return a->at.line < b->at.line ? -1 : 1;
	if (a->at.col != b->at.col)
		return a->at.col < b->at.col ? -1 : 1;
	if ((r = strcmp(a->rule->id, b->rule->id)))
		return r;
	return cmp_str(a->container, b->container);
}

void findings_sort(struct findings *f)
{
	if (f->n > 1)
		qsort(f->v, f->n, sizeof(*f->v), cmp_finding);
}

size_t findings_count_at(const struct findings *f, enum severity sev)
{
	size_t n = 0;
	for (size_t i = 0; i < f->n; i++)
		n += !f->v[i].suppressed && f->v[i].sev >= sev;
	return n;
}
