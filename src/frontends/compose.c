/*
 * docker-compose / Compose Spec -> workload: one container per service.
 *
 * Only what bears on the rules is read; everything else (build, command,
 * networks, healthcheck, ...) is ignored without complaint, as are `x-`
 * extension fields except where they serve as anchors (merge keys are
 * honoured by yamlr_get).  What compose itself would refuse in a field we do
 * read becomes a parse error at its line, and the rest is still read.
 * Variables (`${VAR}`) are not interpolated: a value that is only a variable
 * is not a literal, and an image reference with one is marked unresolved.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "frontends/common.h"
#include "frontends/frontends.h"
#include "oci/spec.h"
#include "util/err.h"
#include "util/yamlr.h"

/* The service being read. */
struct svc {
	struct workload *w;
	yaml_document_t *d;
	yaml_node_t *top; /* the document's root: top-level `volumes:` for named volumes */
	yaml_node_t *map;
	struct wl_container *c;
	const char *name;
};

/* ---- small helpers ---- */

static bool is_null(yaml_node_t *n)
{
	if (!n)
		return true;
	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	const char *s = yamlr_str(n);
	return !*s || STREQ(s, "~") || STREQ(s, "null") || STREQ(s, "Null") || STREQ(s, "NULL");
}

/* How a node that is not what we wanted reads in a message. */
static const char *found(struct svc *s, yaml_node_t *n)
{
	if (yamlr_is_map(n))
		return "a mapping";
	if (yamlr_is_seq(n))
		return "a list";
	if (is_null(n))
		return "nothing";
	return arena_printf(&s->w->arena, "\"%.60s\"", yamlr_str(n));
}

static struct wl_loc at_key(struct svc *s, yaml_node_t *n, const char *key)
{
	return wl_at(s->w, yamlr_line(n), yamlr_col(n), "services.%s.%s", s->name, key);
}

static struct wl_loc at_item(struct svc *s, yaml_node_t *n, const char *key, size_t i)
{
	return wl_at(s->w, yamlr_line(n), yamlr_col(n), "services.%s.%s[%zu]", s->name, key, i);
}

/* A service field (merge keys honoured) and the key node that says it. */
static yaml_node_t *field(struct svc *s, const char *key, yaml_node_t **k)
{
	*k = yamlr_get_key(s->d, s->map, key);
	return *k ? yamlr_get(s->d, s->map, key) : NULL;
}

static void perr(struct svc *s, struct wl_loc at, const char *fmt, ...) PRINTF(3, 4);
static void perr(struct svc *s, struct wl_loc at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *m = arena_vprintf(&s->w->arena, fmt, ap);
	va_end(ap);
	wl_parse_error(s->w, at, "%s: %s", at.path ? at.path : "services", m);
}

/* A scalar field's text, or NULL (with a parse error when it is something else). */
static const char *scalar(struct svc *s, yaml_node_t *v, struct wl_loc at)
{
	if (is_null(v))
		return NULL;
	const char *t = yamlr_str(v);
	if (!t)
		perr(s, at, "expected a single value, found %s", found(s, v));
	return t;
}

/* The value is one variable and nothing else: "${DB_PASSWORD}", "$TOKEN". */
static bool only_variable(const char *v)
{
	if (v[0] != '$')
		return false;
	if (v[1] == '{') {
		const char *close = strchr(v, '}');
		return close && close[1] == '\0';
	}
	if (!isalpha((unsigned char)v[1]) && v[1] != '_')
		return false;
	for (const char *p = v + 1; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return false;
	return true;
}

/* Contains a variable reference ("$$" is a literal dollar). */
static bool has_variable(const char *v)
{
	for (const char *p = strchr(v, '$'); p; p = strchr(p, '$')) {
		if (p[1] != '$')
			return true;
		p += 2;
	}
	return false;
}

/* Split at ':' outside "${...}" (a default such as "${PORT:-80}" has one) and
 * outside "[...]" (an IPv6 address).  Returns the number of parts, at most
 * max (the last part keeps any remaining colons); parts are arena copies. */
static size_t split_colon(struct svc *s, const char *str, char **parts, size_t max)
{
	size_t n = 0;
	int depth = 0;
	const char *start = str;
	for (const char *p = str;; p++) {
		if (*p == '{' || *p == '[')
			depth++;
		else if ((*p == '}' || *p == ']') && depth > 0)
			depth--;
		if (*p == '\0' || (*p == ':' && depth == 0 && n + 1 < max)) {
			parts[n++] = arena_strndup(&s->w->arena, start, (size_t)(p - start));
			if (!*p)
				break;
			start = p + 1;
		}
	}
	return n;
}

typedef void (*item_fn)(struct svc *s, yaml_node_t *it, struct wl_loc at);

/* A field that holds a list, or (when scalar_ok) a single string. */
static void each_item(struct svc *s, const char *key, bool scalar_ok, item_fn fn)
{
	yaml_node_t *k, *v = field(s, key, &k);
	if (is_null(v))
		return;
	if (scalar_ok && v->type == YAML_SCALAR_NODE) {
		fn(s, v, at_key(s, v, key));
		return;
	}
	if (!yamlr_is_seq(v)) {
		perr(s, at_key(s, k, key), "expected a list, found %s", found(s, v));
		return;
	}
	for (size_t i = 0; i < yamlr_seq_len(v); i++) {
		yaml_node_t *it = yamlr_seq_at(s->d, v, i);
		if (it)
			fn(s, it, at_item(s, it, key, i));
	}
}

/* ---- image, user, flags ---- */

static void read_image(struct svc *s)
{
	yaml_node_t *k, *v = field(s, "image", &k);
	if (!k)
		return;
	struct wl_loc at = at_key(s, k, "image");
	const char *ref = scalar(s, v, at);
	if (!ref || !*ref)
		return;
	struct wl_image *img = WL_PUSH(s->w, s->c->images, s->c->n_images);
	img->ref = wl_strdup(s->w, ref);
	img->unresolved = has_variable(ref);
	img->at = at;
}

/* "0", "root", "0:0", "1000:1000", "app", "app:app", a number. */
static void read_user(struct svc *s)
{
	yaml_node_t *k, *v = field(s, "user", &k);
	if (!k)
		return;
	struct wl_loc at = at_key(s, k, "user");
	const char *u = scalar(s, v, at);
	if (!u || !*u)
		return;
	char *parts[2];
	split_colon(s, u, parts, 2);
	struct wl_user *wu = &s->c->user;
	wu->set = WL_YES;
	wu->name = wl_strdup(s->w, u);
	wu->at = at;
	char *end;
	errno = 0;
	long uid = strtol(parts[0], &end, 10);
	if (isdigit((unsigned char)parts[0][0]) && !*end && !errno && uid <= 4294967295L)
		wu->uid = uid;
	else
		wu->uid = STREQ(parts[0], "root") ? 0 : -1;
}

static void read_bool(struct svc *s, const char *key, struct wl_flag *f)
{
	yaml_node_t *k, *v = field(s, key, &k);
	if (!k || is_null(v))
		return;
	struct wl_loc at = at_key(s, k, key);
	int b = yamlr_bool(v);
	if (b < 0) {
		perr(s, at, "expected true or false, found %s", found(s, v));
		return;
	}
	f->v = b ? WL_YES : WL_NO;
	f->at = at;
}

/* ---- security_opt ---- */

static void security_opt(struct svc *s, yaml_node_t *it, struct wl_loc at)
{
	const char *o = scalar(s, it, at);
	if (!o)
		return;
	size_t kl = strcspn(o, ":=");
	const char *val = o[kl] ? o + kl + 1 : NULL;
	struct wl_container *c = s->c;
	if (kl == strlen("no-new-privileges") && strncasecmp(o, "no-new-privileges", kl) == 0) {
		int b = !val || strcasecmp(val, "true") == 0 ? 1 : strcasecmp(val, "false") == 0 ? 0 : -1;
		if (b < 0) {
			perr(s, at, "no-new-privileges takes true or false, found \"%s\"", val);
			return;
		}
		c->no_new_privs.v = b ? WL_YES : WL_NO;
		c->no_new_privs.at = at;
	} else if (kl == strlen("seccomp") && strncasecmp(o, "seccomp", kl) == 0) {
		if (!val || !*val) {
			perr(s, at, "seccomp needs a profile or \"unconfined\"");
			return;
		}
		c->seccomp = strcasecmp(val, "unconfined") == 0 ? WL_SECCOMP_UNCONFINED : WL_SECCOMP_PROFILE;
		c->seccomp_at = at;
	} else if (kl == strlen("systempaths") && strncasecmp(o, "systempaths", kl) == 0) {
		if (val && strcasecmp(val, "unconfined") == 0) {
			c->proc_unmasked.v = WL_YES;
			c->proc_unmasked.at = at;
		}
	} else {
		static const char *const known[] = { "label", "apparmor", "writable-cgroups", "credentialspec", "mask", "unmask" };
		for (size_t i = 0; i < ARRAY_SIZE(known); i++)
			if (kl == strlen(known[i]) && strncasecmp(o, known[i], kl) == 0)
				return;
		/* the engine refuses these; a typo of no-new-privileges would
		 * otherwise pass silently */
		perr(s, at, "unknown security option \"%s\" (known: no-new-privileges, seccomp, apparmor, label, systempaths)",
		     o);
	}
}

/* ---- capabilities ---- */

static const char *cap_bare_name(const char *n)
{
	return strncasecmp(n, "CAP_", 4) == 0 ? n + 4 : n;
}

static void cap_add(struct svc *s, yaml_node_t *it, struct wl_loc at)
{
	const char *n = scalar(s, it, at);
	if (!n || !*n)
		return;
	struct wl_cap *cap = WL_PUSH(s->w, s->c->caps.add, s->c->caps.n_add);
	cap->name = wl_strdup(s->w, cap_bare_name(n));
	cap->at = at;
	if (strcasecmp(cap->name, "ALL") == 0)
		cap->cap = WL_CAP_ALL;
	else if ((cap->cap = cap_from_name(n)) < 0)
		cap->cap = -2;
}

static void cap_drop(struct svc *s, yaml_node_t *it, struct wl_loc at)
{
	const char *n = scalar(s, it, at);
	if (n && strcasecmp(cap_bare_name(n), "ALL") == 0) {
		s->c->caps.drop_all.v = WL_YES;
		s->c->caps.drop_all.at = at;
	}
}

static void read_caps(struct svc *s)
{
	yaml_node_t *ka, *kd;
	field(s, "cap_add", &ka);
	field(s, "cap_drop", &kd);
	struct wl_caps *caps = &s->c->caps;
	if (kd) {
		/* said, but not ALL, until an ALL item says otherwise */
		caps->drop_all.v = WL_NO;
		caps->drop_all.at = caps->at = at_key(s, kd, "cap_drop");
	}
	if (ka)
		caps->at = at_key(s, ka, "cap_add");
	each_item(s, "cap_add", false, cap_add);
	each_item(s, "cap_drop", false, cap_drop);
}

/* ---- namespaces ---- */

static void read_ns(struct svc *s, const char *key, enum wl_ns ns)
{
	yaml_node_t *k, *v = field(s, key, &k);
	if (!k)
		return;
	struct wl_loc at = at_key(s, k, key);
	const char *m = scalar(s, v, at);
	if (!m)
		return;
	/* "service:x" / "container:x" join another container, not the host */
	s->c->host_ns[ns].v = strcasecmp(m, "host") == 0 ? WL_YES : WL_NO;
	s->c->host_ns[ns].at = at;
}

/* ---- devices ---- */

static void device(struct svc *s, yaml_node_t *it, struct wl_loc at)
{
	const char *path;
	if (yamlr_is_map(it)) {
		path = yamlr_str(yamlr_get(s->d, it, "source"));
		if (!path) {
			perr(s, at, "a device needs a source");
			return;
		}
	} else {
		const char *d = scalar(s, it, at);
		if (!d || !*d)
			return;
		char *parts[3];
		split_colon(s, d, parts, 3);
		path = parts[0];
	}
	struct wl_device *dev = WL_PUSH(s->w, s->c->devices, s->c->n_devices);
	dev->path = wl_strdup(s->w, path);
	dev->at = at;
}

/* ---- volumes and tmpfs ---- */

static bool host_path(const char *src)
{
	if (strchr("/.~$\\", src[0]))
		return true;
	/* a Windows drive: "C:\data", "c:/data" */
	return isalpha((unsigned char)src[0]) && src[1] == ':' && (src[2] == '\\' || src[2] == '/');
}

/* A named volume may itself be a host directory: the local driver with
 * `o: bind` and a `device:`, or local-persist's `mountpoint:`. */
static void resolve_named(struct svc *s, struct wl_mount *m)
{
	yaml_node_t *vols = yamlr_get(s->d, s->top, "volumes");
	yaml_node_t *opts = yamlr_get(s->d, yamlr_get(s->d, vols, m->source), "driver_opts");
	const char *dev = yamlr_str(yamlr_get(s->d, opts, "device"));
	const char *o = yamlr_str(yamlr_get(s->d, opts, "o"));
	const char *mp = yamlr_str(yamlr_get(s->d, opts, "mountpoint"));
	if (dev && o && strstr(o, "bind")) {
		m->type = WL_MNT_BIND;
		m->source = wl_strdup(s->w, dev);
	} else if (mp) {
		m->type = WL_MNT_BIND;
		m->source = wl_strdup(s->w, mp);
	}
}

static struct wl_mount *new_mount(struct svc *s, enum wl_mount_type t, const char *src, const char *dst, struct wl_loc at)
{
	struct wl_mount *m = WL_PUSH(s->w, s->c->mounts, s->c->n_mounts);
	m->type = t;
	m->source = wl_strdup(s->w, src);
	m->destination = wl_strdup(s->w, dst);
	m->at = at;
	if (t == WL_MNT_VOLUME && src)
		resolve_named(s, m);
	return m;
}

/* "SRC:DST[:MODE]" or "DST" (an anonymous volume). */
static void volume_short(struct svc *s, const char *v, struct wl_loc at)
{
	char *parts[4];
	size_t n;
	if (host_path(v) && isalpha((unsigned char)v[0]) && v[1] == ':') {
		/* keep the drive's colon in the source */
		n = split_colon(s, v + 2, parts, 4);
		parts[0] = arena_printf(&s->w->arena, "%c:%s", v[0], parts[0]);
	} else {
		n = split_colon(s, v, parts, 4);
	}
	if (n > 3 || !*parts[n == 1 ? 0 : 1]) {
		perr(s, at, "invalid volume \"%s\": expected SOURCE:TARGET[:MODE]", v);
		return;
	}
	if (n == 1) {
		new_mount(s, WL_MNT_VOLUME, NULL, parts[0], at);
		return;
	}
	struct wl_mount *m = new_mount(s, host_path(parts[0]) ? WL_MNT_BIND : WL_MNT_VOLUME, parts[0], parts[1], at);
	if (n < 3)
		return;
	static const char *const modes[] = { "rw", "z", "Z", "nocopy", "cached", "delegated", "consistent",
					     "shared", "rshared", "slave", "rslave", "private", "rprivate" };
	for (char *save = NULL, *o = strtok_r(parts[2], ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		if (STREQ(o, "ro")) {
			m->read_only = true;
			continue;
		}
		size_t i;
		for (i = 0; i < ARRAY_SIZE(modes) && !STREQ(o, modes[i]); i++)
			;
		if (i == ARRAY_SIZE(modes))
			perr(s, at, "invalid volume mode \"%s\" in \"%s\"", o, v);
	}
}

static void volume_long(struct svc *s, yaml_node_t *it, struct wl_loc at)
{
	const char *type = yamlr_str(yamlr_get(s->d, it, "type"));
	const char *src = yamlr_str(yamlr_get(s->d, it, "source"));
	const char *dst = yamlr_str(yamlr_get(s->d, it, "target"));
	if (src && !*src)
		src = NULL;
	if (!dst || !*dst) {
		perr(s, at, "a volume needs a target");
		return;
	}
	enum wl_mount_type t;
	if (!type)
		t = src && host_path(src) ? WL_MNT_BIND : WL_MNT_VOLUME;
	else if (STREQ(type, "bind") || STREQ(type, "npipe")) /* a named pipe is a host path too (docker_engine) */
		t = WL_MNT_BIND;
	else if (STREQ(type, "volume"))
		t = WL_MNT_VOLUME;
	else if (STREQ(type, "tmpfs"))
		t = WL_MNT_TMPFS;
	else if (STREQ(type, "image") || STREQ(type, "cluster"))
		t = WL_MNT_OTHER;
	else {
		perr(s, at, "unknown volume type \"%s\" (bind, volume, tmpfs, npipe, image, cluster)", type);
		return;
	}
	struct wl_mount *m = new_mount(s, t, t == WL_MNT_BIND || t == WL_MNT_VOLUME ? src : NULL, dst, at);
	if (t == WL_MNT_TMPFS)
		m->noexec = m->nosuid = m->nodev = true; /* Docker's defaults for tmpfs mounts, as for `tmpfs:` */
	yaml_node_t *ro = yamlr_get(s->d, it, "read_only");
	if (ro && !is_null(ro)) {
		int b = yamlr_bool(ro);
		if (b < 0)
			perr(s, at, "read_only: expected true or false, found %s", found(s, ro));
		m->read_only = b == 1;
	}
}

static void volume(struct svc *s, yaml_node_t *it, struct wl_loc at)
{
	if (yamlr_is_map(it)) {
		volume_long(s, it, at);
		return;
	}
	const char *v = scalar(s, it, at);
	if (v && *v)
		volume_short(s, v, at);
}

/* "/tmp" or "/tmp:rw,noexec,nosuid,nodev,size=64m" */
static void tmpfs(struct svc *s, yaml_node_t *it, struct wl_loc at)
{
	const char *v = scalar(s, it, at);
	if (!v || !*v)
		return;
	const char *colon = strchr(v, ':');
	char *dst = arena_strndup(&s->w->arena, v, colon ? (size_t)(colon - v) : strlen(v));
	struct wl_mount *m = new_mount(s, WL_MNT_TMPFS, NULL, dst, at);
	/* Docker mounts every tmpfs noexec,nosuid,nodev unless told exec/suid/dev (moby#35890) */
	m->noexec = m->nosuid = m->nodev = true;
	if (!colon)
		return;
	char *opts = arena_strdup(&s->w->arena, colon + 1);
	for (char *save = NULL, *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		if (STREQ(o, "noexec") || STREQ(o, "exec"))
			m->noexec = o[0] == 'n';
		else if (STREQ(o, "nosuid") || STREQ(o, "suid"))
			m->nosuid = o[0] == 'n';
		else if (STREQ(o, "nodev") || STREQ(o, "dev"))
			m->nodev = o[0] == 'n';
		else if (STREQ(o, "ro") || STREQ(o, "rw"))
			m->read_only = o[1] == 'o';
	}
}

/* ---- ports ---- */

/* "8080" or "8080-8081" (the first port of a range).  Variables make the
 * number unknown (0), not wrong. */
static bool port_num(const char *p, bool zero_ok, int *out)
{
	*out = 0;
	if (has_variable(p))
		return true;
	char *end;
	errno = 0;
	long a = strtol(p, &end, 10);
	if (end == p || !isdigit((unsigned char)*p) || errno || a > 65535 || (a == 0 && !zero_ok))
		return false;
	if (*end == '-') {
		const char *q = end + 1;
		long b = strtol(q, &end, 10);
		if (end == q || !isdigit((unsigned char)*q) || b < a || b > 65535)
			return false;
	}
	if (*end)
		return false;
	*out = (int)a;
	return true;
}

static struct wl_port *new_port(struct svc *s, struct wl_loc at)
{
	struct wl_port *p = WL_PUSH(s->w, s->c->ports, s->c->n_ports);
	p->proto = "tcp";
	p->at = at;
	return p;
}

/* The last ':' outside "${...}" and "[...]", or NULL. */
static char *last_colon(char *str)
{
	char *last = NULL;
	int depth = 0;
	for (char *p = str; *p; p++) {
		if (*p == '{' || *p == '[')
			depth++;
		else if ((*p == '}' || *p == ']') && depth > 0)
			depth--;
		else if (*p == ':' && depth == 0)
			last = p;
	}
	return last;
}

/* [[HOST_IP:][HOST_PORT]:]CONTAINER_PORT[/PROTO]; ranges as "8080-8081";
 * an IPv6 host bare or in brackets ("[::1]:8080:80"). */
static void port_short(struct svc *s, const char *v, struct wl_loc at)
{
	char *str = arena_strdup(&s->w->arena, v), *proto = NULL, *ip = NULL, *host = NULL, *cport = str;
	char *slash = strrchr(str, '/');
	if (slash && !strchr(slash, '}')) {
		*slash = '\0';
		proto = slash + 1;
	}
	char *c = last_colon(str);
	if (c) {
		*c = '\0';
		cport = c + 1;
		host = str;
		if ((c = last_colon(str))) {
			*c = '\0';
			ip = str;
			host = c + 1;
		}
	}
	if (ip && ip[0] == '[') {
		size_t n = strlen(ip);
		if (n < 2 || ip[n - 1] != ']')
			goto bad;
		ip[n - 1] = '\0';
		ip++;
	}
	int hp = 0, cp;
	if (!port_num(cport, false, &cp) || (host && *host && !port_num(host, true, &hp)))
		goto bad;
	if (proto && !STREQ(proto, "tcp") && !STREQ(proto, "udp") && !STREQ(proto, "sctp"))
		goto bad;
	struct wl_port *p = new_port(s, at);
	p->host_ip = ip && *ip ? ip : NULL;
	p->host_port = hp;
	p->container_port = cp;
	if (proto)
		p->proto = proto;
	return;
bad:
	perr(s, at, "invalid port \"%s\": expected [[HOST_IP:][HOST_PORT]:]CONTAINER_PORT[/PROTOCOL]", v);
}

static void port_long(struct svc *s, yaml_node_t *it, struct wl_loc at)
{
	const char *target = yamlr_str(yamlr_get(s->d, it, "target"));
	const char *pub = yamlr_str(yamlr_get(s->d, it, "published"));
	const char *ip = yamlr_str(yamlr_get(s->d, it, "host_ip"));
	const char *proto = yamlr_str(yamlr_get(s->d, it, "protocol"));
	int cp, hp = 0;
	if (!target || !port_num(target, false, &cp)) {
		perr(s, at, "a port needs a target port number");
		return;
	}
	if (pub && *pub && !port_num(pub, true, &hp)) {
		/* "published: 127.0.0.1:8080" is not Compose: the address goes in host_ip */
		if (strchr(pub, ':') || strchr(pub, '.'))
			perr(s, at, "published: \"%s\" is not a port or range; put the address in host_ip:", pub);
		else
			perr(s, at, "published: \"%s\" is not a port or range", pub);
		return;
	}
	struct wl_port *p = new_port(s, at);
	p->host_ip = ip && *ip ? wl_strdup(s->w, ip) : NULL;
	p->host_port = hp;
	p->container_port = cp;
	if (proto && *proto)
		p->proto = wl_strdup(s->w, proto);
}

static void port(struct svc *s, yaml_node_t *it, struct wl_loc at)
{
	if (yamlr_is_map(it)) {
		port_long(s, it, at);
		return;
	}
	const char *v = scalar(s, it, at);
	if (v && *v)
		port_short(s, v, at);
}

/* ---- environment ---- */

static void add_env(struct svc *s, const char *name, const char *value, struct wl_loc at)
{
	struct wl_env *e = WL_PUSH(s->w, s->c->env, s->c->n_env);
	e->name = name;
	e->value = value && !only_variable(value) ? wl_strdup(s->w, value) : NULL;
	e->at = at;
}

static void env_item(struct svc *s, yaml_node_t *it, struct wl_loc at)
{
	const char *kv = scalar(s, it, at);
	if (!kv || !*kv)
		return;
	const char *eq = strchr(kv, '=');
	add_env(s, arena_strndup(&s->w->arena, kv, eq ? (size_t)(eq - kv) : strlen(kv)), eq ? eq + 1 : NULL, at);
}

static void read_env(struct svc *s)
{
	yaml_node_t *k, *v = field(s, "environment", &k);
	if (!yamlr_is_map(v)) {
		each_item(s, "environment", false, env_item);
		return;
	}
	for (size_t i = 0; i < yamlr_map_len(v); i++) {
		yaml_node_t *ek, *ev;
		yamlr_map_at(s->d, v, i, &ek, &ev);
		const char *name = yamlr_str(ek);
		if (!name || STREQ(name, "<<"))
			continue;
		struct wl_loc at = at_key(s, ek, arena_printf(&s->w->arena, "environment.%s", name));
		const char *val = is_null(ev) ? NULL : scalar(s, ev, at);
		add_env(s, wl_strdup(s->w, name), val, at);
	}
}

static void env_file(struct svc *s, yaml_node_t *it, struct wl_loc at)
{
	const char *path = yamlr_is_map(it) ? yamlr_str(yamlr_get(s->d, it, "path")) : scalar(s, it, at);
	if (!path || !*path) {
		if (yamlr_is_map(it))
			perr(s, at, "an env_file entry needs a path");
		return;
	}
	struct wl_env *e = WL_PUSH(s->w, s->c->env, s->c->n_env);
	e->name = wl_strdup(s->w, path);
	e->from_secret_ref = true;
	e->at = at;
}

/* ---- resource limits ---- */

/* 0 and -1 mean "no limit" to the engine. */
static bool unlimited(const char *v)
{
	char *end;
	double d = strtod(v, &end);
	return end != v && d <= 0;
}

static void limit(struct svc *s, yaml_node_t *map, const char *key, const char *path, struct wl_flag *f)
{
	yaml_node_t *k = yamlr_get_key(s->d, map, key), *v = yamlr_get(s->d, map, key);
	if (!k || is_null(v) || f->v == WL_YES)
		return;
	struct wl_loc at = at_key(s, k, path);
	const char *t = scalar(s, v, at);
	if (!t)
		return;
	f->v = unlimited(t) ? WL_NO : WL_YES;
	f->at = at;
}

static void read_limits(struct svc *s)
{
	struct wl_container *c = s->c;
	yaml_node_t *lim = yamlr_get(s->d, yamlr_get(s->d, yamlr_get(s->d, s->map, "deploy"), "resources"), "limits");
	limit(s, lim, "memory", "deploy.resources.limits.memory", &c->mem_limit);
	limit(s, lim, "cpus", "deploy.resources.limits.cpus", &c->cpu_limit);
	limit(s, lim, "pids", "deploy.resources.limits.pids", &c->pids_limit);
	limit(s, s->map, "mem_limit", "mem_limit", &c->mem_limit);
	limit(s, s->map, "cpus", "cpus", &c->cpu_limit);
	limit(s, s->map, "cpu_quota", "cpu_quota", &c->cpu_limit);
	limit(s, s->map, "pids_limit", "pids_limit", &c->pids_limit);
}

/* ---- services ---- */

static void read_service(struct workload *w, yaml_document_t *d, yaml_node_t *top, yaml_node_t *k, yaml_node_t *v)
{
	const char *name = yamlr_str(k);
	struct wl_loc at = wl_at(w, yamlr_line(k), yamlr_col(k), "services.%s", name ? name : "?");
	if (!name) {
		wl_parse_error(w, at, "services: a service name must be a string, found %s",
			       yamlr_is_map(k) ? "a mapping" : "a list");
		return;
	}
	if (!is_null(v) && !yamlr_is_map(v)) {
		wl_parse_error(w, at, "services.%s: expected a mapping of service settings, found %s", name,
			       yamlr_is_seq(v) ? "a list" : "a single value");
		return;
	}
	struct svc s = { .w = w, .d = d, .top = top, .map = v, .name = wl_strdup(w, name) };
	s.c = wl_add_container(w, name, at);
	s.c->kind = "service";
	read_image(&s);
	read_user(&s);
	read_bool(&s, "privileged", &s.c->privileged);
	read_bool(&s, "read_only", &s.c->read_only_root);
	each_item(&s, "security_opt", false, security_opt);
	read_caps(&s);
	read_ns(&s, "network_mode", WL_NS_NET);
	read_ns(&s, "pid", WL_NS_PID);
	read_ns(&s, "ipc", WL_NS_IPC);
	read_ns(&s, "uts", WL_NS_UTS);
	read_ns(&s, "userns_mode", WL_NS_USER);
	each_item(&s, "devices", false, device);
	each_item(&s, "volumes", false, volume);
	each_item(&s, "tmpfs", true, tmpfs);
	each_item(&s, "ports", false, port);
	read_env(&s);
	each_item(&s, "env_file", true, env_file);
	read_limits(&s);
}

static void read_document(struct workload *w, yaml_document_t *d, yaml_node_t *root)
{
	if (!root)
		return;
	if (!yamlr_is_map(root)) {
		wl_parse_error(w, wl_at(w, yamlr_line(root), yamlr_col(root), NULL),
			       "a compose file is a mapping with a services: key, found %s",
			       yamlr_is_seq(root) ? "a list" : "a single value");
		return;
	}
	yaml_node_t *sk = yamlr_get_key(d, root, "services"), *services = yamlr_get(d, root, "services");
	if (!sk || is_null(services))
		return;
	if (!yamlr_is_map(services)) {
		wl_parse_error(w, wl_at(w, yamlr_line(sk), yamlr_col(sk), "services"),
			       "services: expected a mapping of service names, found %s",
			       yamlr_is_seq(services) ? "a list" : "a single value");
		return;
	}
	for (size_t i = 0; i < yamlr_map_len(services); i++) {
		yaml_node_t *k, *v;
		yamlr_map_at(d, services, i, &k, &v);
		const char *name = yamlr_str(k);
		if (name && (strncmp(name, "x-", 2) == 0 || STREQ(name, "<<")))
			continue;
		read_service(w, d, root, k, v);
	}
}

/* yamlr_load's message is "NAME:LINE:COL: invalid YAML: ..."; keep the line
 * and column as the location and the rest as the message. */
static void yaml_error(struct workload *w, const char *name)
{
	const char *m = err_msg();
	int line = 0, col = 0, used = 0;
	size_t nl = strlen(name);
	if (strncmp(m, name, nl) == 0 && m[nl] == ':' && sscanf(m + nl + 1, "%d:%d: %n", &line, &col, &used) == 2 && used)
		m += nl + 1 + used;
	else
		line = col = 0;
	wl_parse_error(w, wl_at(w, line, col, NULL), "%s", m);
}

int fe_compose(const char *text, size_t len, const char *name, struct workload **out)
{
	struct workload *w = workload_new(WL_COMPOSE, name);
	struct yamlr y;
	if (!text) { /* libyaml asserts on a NULL buffer, even an empty one */
		text = "";
		len = 0;
	}
	int r = yamlr_load(text, len, name, &y);
	if (r == -ENOMEM) {
		workload_free(w);
		*out = NULL;
		return r;
	}
	if (r < 0) {
		yaml_error(w, name);
	} else {
		for (size_t i = 0; i < y.n_docs; i++)
			read_document(w, &y.docs[i], yamlr_root(&y, i));
		yamlr_free(&y);
	}
	fe_yaml_suppressions(w, text, len);
	*out = w;
	return 0;
}
