/*
 * OCI image index / manifest, Docker schema 2 manifest list / manifest, and
 * the image config.  Every field we rely on is checked for its type; media
 * types are checked so that a layer we cannot unpack is refused at load
 * time, not half-way through an unpack.
 */
#include "image/image.h"

#include <json-c/json.h>
#include <string.h>

#include "util/err.h"
#include "util/macros.h"

static int parse(const char *json, size_t len, const char *what, json_object **out)
{
	if (len > IMG_MAX_MANIFEST)
		return err_set(EFBIG, "%s: %zu bytes, more than the %u a manifest or config may have", what, len,
			       IMG_MAX_MANIFEST);
	json_tokener *t = json_tokener_new_ex(64);
	if (!t)
		return err_set(ENOMEM, "%s", what);
	json_object *o = json_tokener_parse_ex(t, json, (int)len);
	enum json_tokener_error e = json_tokener_get_error(t);
	size_t off = json_tokener_get_parse_end(t);
	json_tokener_free(t);
	if (!o || e != json_tokener_success) {
		json_object_put(o);
		return err_set(EINVAL, "%s: not valid JSON at byte %zu: %s", what, off,
			       e == json_tokener_continue ? "unexpected end" : json_tokener_error_desc(e));
	}
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return err_set(EINVAL, "%s: expected a JSON object at the top", what);
	}
	*out = o;
	return 0;
}

static json_object *get(json_object *o, const char *k, json_type t)
{
	json_object *v;
	if (!o || !json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, t))
		return NULL;
	return v;
}

static const char *gets(json_object *o, const char *k)
{
	json_object *v = get(o, k, json_type_string);
	return v ? json_object_get_string(v) : NULL;
}

static int desc_parse(json_object *o, const char *what, const char *field, struct arena *a, struct img_desc *d)
{
	if (!o || !json_object_is_type(o, json_type_object))
		return err_set(EINVAL, "%s: %s: expected a descriptor object", what, field);
	const char *mt = gets(o, "mediaType"), *dg = gets(o, "digest");
	json_object *sz = get(o, "size", json_type_int);
	if (!dg)
		return err_set(EINVAL, "%s: %s.digest: expected a string \"sha256:...\"", what, field);
	int r = img_digest_check(dg, NULL);
	if (r < 0)
		return err_ctx(r, "%s: %s.digest", what, field);
	if (!sz || json_object_get_int64(sz) < 0)
		return err_set(EINVAL, "%s: %s.size: expected a non-negative integer", what, field);
	snprintf(d->digest, sizeof(d->digest), "%s", dg);
	d->size = json_object_get_int64(sz);
	d->media_type = arena_strdup(a, mt ? mt : "");
	json_object *p = get(o, "platform", json_type_object);
	d->os = arena_strdup(a, gets(p, "os") ? gets(p, "os") : "");
	d->arch = arena_strdup(a, gets(p, "architecture") ? gets(p, "architecture") : "");
	d->variant = arena_strdup(a, gets(p, "variant") ? gets(p, "variant") : "");
	return 0;
}

static bool is_index_type(const char *mt)
{
	return mt && (STREQ(mt, IMG_MT_OCI_INDEX) || STREQ(mt, IMG_MT_DOCKER_LIST));
}

int img_json_kind(const char *json, size_t len, const char *what)
{
	json_object *o;
	int r = parse(json, len, what, &o);
	if (r < 0)
		return r;
	const char *mt = gets(o, "mediaType");
	if (is_index_type(mt) || (!mt && get(o, "manifests", json_type_array)))
		r = 1;
	else if ((mt && (STREQ(mt, IMG_MT_OCI_MANIFEST) || STREQ(mt, IMG_MT_DOCKER_MANIFEST))) ||
		 (!mt && get(o, "layers", json_type_array)))
		r = 0;
	else
		r = err_set(EINVAL, "%s: mediaType \"%s\" is neither an OCI index/manifest nor a Docker schema 2 "
				    "manifest (list); schema 1 images are not supported",
			    what, mt ? mt : "(none)");
	json_object_put(o);
	return r;
}

int img_index_pick(const char *json, size_t len, const char *what, const char *os, const char *arch,
		   char digest[IMG_DIGEST_LEN + 1])
{
	json_object *o;
	int r = parse(json, len, what, &o);
	if (r < 0)
		return r;
	json_object *ms = get(o, "manifests", json_type_array);
	struct arena a = { 0 };
	r = ms ? err_set(ENOENT, "%s: no manifest for %s/%s among %zu entries", what, os, arch,
			 json_object_array_length(ms))
	       : err_set(EINVAL, "%s: manifests: expected an array", what);
	for (size_t i = 0; ms && i < json_object_array_length(ms); i++) {
		struct img_desc d;
		char field[32];
		snprintf(field, sizeof(field), "manifests[%zu]", i);
		int q = desc_parse(json_object_array_get_idx(ms, i), what, field, &a, &d);
		if (q < 0) {
			r = q;
			break;
		}
		if (is_index_type(d.media_type))
			continue; /* nested indexes are not followed */
		/* An entry without a platform (OCI layouts from skopeo) is taken when nothing better matches. */
		bool exact = STREQ(d.os, os) && STREQ(d.arch, arch);
		bool loose = !d.os[0] && !d.arch[0];
		if (exact || (loose && r < 0)) {
			snprintf(digest, IMG_DIGEST_LEN + 1, "%s", d.digest);
			r = 0;
			err_clear();
			if (exact)
				break;
		}
	}
	arena_free(&a);
	json_object_put(o);
	return r;
}

static bool layer_type_ok(const char *mt)
{
	static const char *const ok[] = {
		"application/vnd.oci.image.layer.v1.tar",
		"application/vnd.oci.image.layer.v1.tar+gzip",
		"application/vnd.oci.image.layer.v1.tar+zstd",
		"application/vnd.docker.image.rootfs.diff.tar.gzip",
		"application/vnd.docker.image.rootfs.diff.tar",
		"application/vnd.oci.image.layer.nondistributable.v1.tar",
		"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
		"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
	};
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
		if (STREQ(mt, ok[i]))
			return true;
	return false;
}

int img_manifest_parse(const char *json, size_t len, const char *what, struct arena *a, struct img_manifest *m)
{
	json_object *o;
	int r = parse(json, len, what, &o);
	if (r < 0)
		return r;
	memset(m, 0, sizeof(*m));
	const char *mt = gets(o, "mediaType");
	json_object *sv = get(o, "schemaVersion", json_type_int), *layers = get(o, "layers", json_type_array);
	if (!sv || json_object_get_int(sv) != 2) {
		r = err_set(EINVAL, "%s: schemaVersion: expected 2 (schema 1 images are not supported)", what);
		goto out;
	}
	if (mt && !STREQ(mt, IMG_MT_OCI_MANIFEST) && !STREQ(mt, IMG_MT_DOCKER_MANIFEST)) {
		r = err_set(EINVAL, "%s: mediaType \"%s\": expected %s or %s", what, mt, IMG_MT_OCI_MANIFEST,
			    IMG_MT_DOCKER_MANIFEST);
		goto out;
	}
	m->media_type = arena_strdup(a, mt ? mt : IMG_MT_OCI_MANIFEST);
	json_object *cfg;
	if (!json_object_object_get_ex(o, "config", &cfg)) {
		r = err_set(EINVAL, "%s: config: missing", what);
		goto out;
	}
	if ((r = desc_parse(cfg, what, "config", a, &m->config)) < 0)
		goto out;
	if (!layers) {
		r = err_set(EINVAL, "%s: layers: expected an array", what);
		goto out;
	}
	m->nlayers = json_object_array_length(layers);
	if (m->nlayers > 1000) {
		r = err_set(EINVAL, "%s: %zu layers, more than the 1000 allowed", what, m->nlayers);
		goto out;
	}
	m->layers = arena_calloc(a, m->nlayers + 1, sizeof(*m->layers));
	for (size_t i = 0; i < m->nlayers; i++) {
		char field[32];
		snprintf(field, sizeof(field), "layers[%zu]", i);
		if ((r = desc_parse(json_object_array_get_idx(layers, i), what, field, a, &m->layers[i])) < 0)
			goto out;
		if (!layer_type_ok(m->layers[i].media_type)) {
			r = err_set(EINVAL, "%s: %s.mediaType \"%s\": expected a tar, tar+gzip or tar+zstd layer type",
				    what, field, m->layers[i].media_type);
			goto out;
		}
	}
out:
	json_object_put(o);
	return r;
}

/* ["a","b"] -> NULL-terminated copy; a non-array is NULL. */
static int strv(json_object *o, const char *k, const char *what, struct arena *a, char ***out, size_t *n)
{
	json_object *v;
	*out = NULL;
	if (n)
		*n = 0;
	if (!json_object_object_get_ex(o, k, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_array))
		return err_set(EINVAL, "%s: %s: expected an array of strings", what, k);
	size_t len = json_object_array_length(v);
	char **s = arena_calloc(a, len + 1, sizeof(char *));
	for (size_t i = 0; i < len; i++) {
		json_object *e = json_object_array_get_idx(v, i);
		if (!json_object_is_type(e, json_type_string))
			return err_set(EINVAL, "%s: %s[%zu]: expected a string", what, k, i);
		s[i] = arena_strdup(a, json_object_get_string(e));
	}
	*out = s;
	if (n)
		*n = len;
	return 0;
}

/* {"80/tcp": {}} -> ["80/tcp"]. */
static int keys(json_object *o, const char *k, const char *what, struct arena *a, char ***out)
{
	json_object *v;
	*out = NULL;
	if (!json_object_object_get_ex(o, k, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_object))
		return err_set(EINVAL, "%s: %s: expected an object", what, k);
	char **s = arena_calloc(a, (size_t)json_object_object_length(v) + 1, sizeof(char *));
	size_t i = 0;
	json_object_object_foreach(v, key, val) {
		(void)val;
		s[i++] = arena_strdup(a, key);
	}
	*out = s;
	return 0;
}

static char *dupstr(struct arena *a, json_object *o, const char *k)
{
	const char *s = gets(o, k);
	return s ? arena_strdup(a, s) : NULL;
}

int img_config_parse(const char *json, size_t len, const char *what, struct arena *a, struct img_config *c)
{
	json_object *o;
	int r = parse(json, len, what, &o);
	if (r < 0)
		return r;
	memset(c, 0, sizeof(*c));
	c->created = dupstr(a, o, "created");
	c->os = dupstr(a, o, "os");
	c->arch = dupstr(a, o, "architecture");
	json_object *cfg = NULL, *rootfs = NULL;
	if (json_object_object_get_ex(o, "config", &cfg) && !json_object_is_type(cfg, json_type_object) &&
	    !json_object_is_type(cfg, json_type_null)) {
		r = err_set(EINVAL, "%s: config: expected an object", what);
		goto out;
	}
	if (cfg && json_object_is_type(cfg, json_type_object)) {
		if ((r = strv(cfg, "Entrypoint", what, a, &c->entrypoint, NULL)) < 0 ||
		    (r = strv(cfg, "Cmd", what, a, &c->cmd, NULL)) < 0 || (r = strv(cfg, "Env", what, a, &c->env, NULL)) < 0 ||
		    (r = keys(cfg, "ExposedPorts", what, a, &c->exposed_ports)) < 0 ||
		    (r = keys(cfg, "Volumes", what, a, &c->volumes)) < 0)
			goto out;
		c->working_dir = dupstr(a, cfg, "WorkingDir");
		c->user = dupstr(a, cfg, "User");
		c->stop_signal = dupstr(a, cfg, "StopSignal");
	}
	rootfs = get(o, "rootfs", json_type_object);
	if (rootfs && (r = strv(rootfs, "diff_ids", what, a, &c->diff_ids, &c->ndiff_ids)) < 0)
		goto out;
	r = 0;
out:
	json_object_put(o);
	return r;
}
