/*
 * The store itself: the layout, verified blobs, and the reference index.
 */
#include "image/image.h"

#include <ctype.h>
#include <fcntl.h>
#include <json-c/json.h>
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "util/err.h"
#include "util/fs.h"
#include "util/macros.h"

const char *img_store_path(const char *opt)
{
	const char *e = getenv("STOCKADE_STORE");
	if (opt && *opt)
		return opt;
	return e && *e ? e : IMG_DEFAULT_STORE;
}

int img_store_open(const char *root, struct img_store *s)
{
	s->fd = -1;
	s->root = NULL;
	int r = mkdir_p(root, 0700);
	if (r < 0)
		return err_sys(-r, "image store %s: cannot create it", root);
	_cleanup_close_ int fd = open(root, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(errno, "image store %s: cannot open it", root);
	static const char *const dirs[] = { "blobs", "blobs/sha256", "tmp", "rootfs" };
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		if (mkdirat(fd, dirs[i], 0700) < 0 && errno != EEXIST)
			return err_sys(errno, "image store %s: cannot create %s", root, dirs[i]);
	/* absolute, so the rootfs paths handed to the runtime do not depend on its cwd */
	s->root = realpath(root, NULL);
	if (!s->root)
		return err_sys(ENOMEM, "image store");
	s->fd = TAKE_FD(fd);
	return 0;
}

void img_store_close(struct img_store *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	free(s->root);
	s->root = NULL;
}

int img_digest_check(const char *digest, char hex[65])
{
	if (!digest || strncmp(digest, "sha256:", 7) != 0)
		return err_set(EINVAL, "digest \"%s\": expected sha256:<64 hex digits> (only sha256 is supported)",
			       digest ? digest : "");
	const char *h = digest + 7;
	size_t n = strlen(h);
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)h[i]) && !(h[i] >= 'a' && h[i] <= 'f'))
			return err_set(EINVAL, "digest \"%s\": expected 64 lowercase hex digits after sha256:", digest);
	if (n != 64)
		return err_set(EINVAL, "digest \"%s\": expected 64 hex digits after sha256:, found %zu", digest, n);
	if (hex)
		memcpy(hex, h, 65);
	return 0;
}

void img_hex(const unsigned char md[32], char hex[65])
{
	static const char x[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		hex[2 * i] = x[md[i] >> 4];
		hex[2 * i + 1] = x[md[i] & 15];
	}
	hex[64] = '\0';
}

/*
 * One-shot SHA-256 with libcrypto's low-level SHA256_Init/Update/Final, not
 * EVP: linked statically into the runtime binary, EVP (and OpenSSL 3's
 * SHA256(), which goes through it) drags in the provider machinery (4.7 MB of
 * binary, relocated at every start); these are the digest code alone.
 * OpenSSL 3 marks them deprecated in favour of EVP, hence the suppression.
 */
void img_sha256_hex(const void *buf, size_t len, char hex[65])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256_CTX c;
	SHA256_Init(&c);
	SHA256_Update(&c, buf, len);
	SHA256_Final(md, &c);
	img_hex(md, hex);
}

/* ---- blobs (the writer is in blobwrite.c, built only into stockade-image) ---- */

static int blob_path(const char *digest, char *buf, size_t n)
{
	char hex[65];
	int r = img_digest_check(digest, hex);
	if (r < 0)
		return r;
	snprintf(buf, n, "blobs/sha256/%s", hex);
	return 0;
}

bool img_blob_exists(struct img_store *s, const char *digest)
{
	char p[128];
	struct stat st;
	return blob_path(digest, p, sizeof(p)) == 0 && fstatat(s->fd, p, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISREG(st.st_mode);
}

int img_blob_open(struct img_store *s, const char *digest)
{
	char p[128];
	int r = blob_path(digest, p, sizeof(p));
	if (r < 0)
		return r;
	int fd = openat(s->fd, p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return err_sys(errno, "blob %s: cannot open %s/%s (the store is missing it; load or pull the image again)",
			       digest, s->root, p);
	return fd;
}

int img_blob_read(struct img_store *s, const char *digest, size_t max, char **out, size_t *len)
{
	_cleanup_close_ int fd = img_blob_open(s, digest);
	if (fd < 0)
		return fd;
	int r = read_fd_all(fd, max, out, len);
	if (r < 0)
		return err_sys(-r, "blob %s: reading it (at most %zu bytes)", digest, max);
	char got[65];
	img_sha256_hex(*out, *len, got);
	if (strcmp(got, digest + 7) != 0) {
		free(*out);
		*out = NULL;
		return err_hint(err_set(EIO, "blob %s in %s was modified on disk: it now hashes to sha256:%s", digest,
					s->root, got),
				"remove the image (stockade rmi) and load or pull it again");
	}
	return 0;
}

int img_blob_remove(struct img_store *s, const char *digest)
{
	char p[128];
	int r = blob_path(digest, p, sizeof(p));
	if (r < 0)
		return r;
	if (unlinkat(s->fd, p, 0) < 0 && errno != ENOENT)
		return err_sys(errno, "blob %s: cannot remove it", digest);
	return 0;
}

/* ---- references ----------------------------------------------------- */

int img_ref_parse(const char *in, struct img_ref *out)
{
	memset(out, 0, sizeof(*out));
	if (!in || !*in)
		return err_set(EINVAL, "image reference is empty: expected NAME[:TAG] or NAME@sha256:DIGEST");
	if (strlen(in) >= sizeof(out->name))
		return err_set(EINVAL, "image reference \"%.40s...\" is too long", in);
	for (const char *p = in; *p; p++)
		if (isspace((unsigned char)*p) || !isprint((unsigned char)*p))
			return err_set(EINVAL, "image reference \"%s\" contains a space or control character", in);

	char buf[256];
	snprintf(buf, sizeof(buf), "%s", in);
	if (strncmp(buf, "sha256:", 7) == 0) {
		int r = img_digest_check(buf, NULL);
		if (r < 0)
			return err_ctx(r, "image reference");
		snprintf(out->digest, sizeof(out->digest), "%s", buf);
		return 0;
	}
	char *at = strchr(buf, '@');
	if (at) {
		*at = '\0';
		int r = img_digest_check(at + 1, NULL);
		if (r < 0)
			return err_ctx(r, "image reference \"%s\"", in);
		snprintf(out->digest, sizeof(out->digest), "%s", at + 1);
	}
	/* A tag is after the last ':' that follows the last '/' (a registry port has a '/' after it). */
	char *slash = strrchr(buf, '/');
	char *colon = strrchr(slash ? slash : buf, ':');
	if (colon) {
		*colon = '\0';
		const char *t = colon + 1;
		if (!*t || strlen(t) > 127 || !(isalnum((unsigned char)t[0]) || t[0] == '_'))
			return err_set(EINVAL, "image reference \"%s\": tag \"%s\" must start with a letter, digit or _ "
					       "and be at most 127 characters", in, t);
		for (const char *p = t; *p; p++)
			if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
				return err_set(EINVAL, "image reference \"%s\": tag \"%s\" may only contain letters, "
						       "digits, _ . -", in, t);
		snprintf(out->tag, sizeof(out->tag), "%s", t);
	} else if (!at) {
		snprintf(out->tag, sizeof(out->tag), "latest");
	}
	if (!*buf)
		return err_set(EINVAL, "image reference \"%s\" has no name", in);
	for (const char *p = buf; *p; p++)
		if (isupper((unsigned char)*p) && (!strchr(buf, '/') || p > strchr(buf, '/')))
			return err_set(EINVAL, "image reference \"%s\": repository names are lowercase", in);
	/* Docker's normalisation: no registry part -> docker.io, single component -> library/. */
	const char *first_slash = strchr(buf, '/');
	bool has_registry = first_slash && (memchr(buf, '.', (size_t)(first_slash - buf)) ||
					    memchr(buf, ':', (size_t)(first_slash - buf)) ||
					    strncmp(buf, "localhost/", 10) == 0);
	int n;
	if (has_registry)
		n = snprintf(out->name, sizeof(out->name), "%s", buf);
	else if (first_slash)
		n = snprintf(out->name, sizeof(out->name), "docker.io/%s", buf);
	else
		n = snprintf(out->name, sizeof(out->name), "docker.io/library/%s", buf);
	if (n >= (int)sizeof(out->name))
		return err_set(EINVAL, "image reference \"%s\" is too long", in);
	for (const char *p = out->name; *p; p++)
		if (p[0] == '/' && (p[1] == '/' || p[1] == '\0'))
			return err_set(EINVAL, "image reference \"%s\": empty path component", in);
	return 0;
}

void img_ref_format(const struct img_ref *r, bool pinned, char *buf, size_t n)
{
	if (pinned && r->digest[0])
		snprintf(buf, n, "%s@%s", r->name, r->digest);
	else if (r->tag[0])
		snprintf(buf, n, "%s:%s", r->name, r->tag);
	else
		snprintf(buf, n, "%s", r->digest);
}

/* refs.json: {"refs": {"name:tag": "sha256:..."}} read and written under refs.lock. */
static int refs_lock(struct img_store *s, int op)
{
	int fd = openat(s->fd, "refs.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_sys(errno, "image store %s: cannot open refs.lock", s->root);
	while (flock(fd, op) < 0) {
		if (errno != EINTR) {
			int r = err_sys(errno, "image store %s: cannot lock refs.lock", s->root);
			close(fd);
			return r;
		}
	}
	return fd;
}

static int refs_read(struct img_store *s, json_object **out)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r = read_file_at(s->fd, "refs.json", 64u << 20, &buf, &len);
	if (r == -ENOENT) {
		*out = json_object_new_object();
		return 0;
	}
	if (r < 0)
		return err_sys(-r, "image store %s: cannot read refs.json", s->root);
	json_object *o = json_tokener_parse(buf), *refs;
	if (!o || !json_object_object_get_ex(o, "refs", &refs) || !json_object_is_type(refs, json_type_object)) {
		json_object_put(o);
		return err_set(EINVAL, "image store %s: refs.json is not {\"refs\": {...}}; move it away to start over",
			       s->root);
	}
	json_object_get(refs);
	json_object_put(o);
	/* every value must be a digest string from here on: a hand-edited entry that is not is dropped */
	json_object *bad = json_object_new_array();
	json_object_object_foreach(refs, k, v) {
		if (!json_object_is_type(v, json_type_string) || img_digest_check(json_object_get_string(v), NULL) < 0)
			json_object_array_add(bad, json_object_new_string(k));
	}
	for (size_t i = 0; i < json_object_array_length(bad); i++)
		json_object_object_del(refs, json_object_get_string(json_object_array_get_idx(bad, i)));
	json_object_put(bad);
	err_clear();
	*out = refs;
	return 0;
}

static int refs_write(struct img_store *s, json_object *refs)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "refs", json_object_get(refs));
	const char *txt = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	int r = write_file_atomic_at(s->fd, "refs.json", txt, strlen(txt), 0600);
	json_object_put(o);
	if (r < 0)
		return err_sys(-r, "image store %s: cannot write refs.json", s->root);
	return 0;
}

static void ref_key(const struct img_ref *r, char *buf, size_t n)
{
	if (r->tag[0])
		snprintf(buf, n, "%s:%s", r->name, r->tag);
	else
		snprintf(buf, n, "%s@%s", r->name, r->digest);
}

int img_tag(struct img_store *s, const struct img_ref *ref, const char *digest)
{
	int r = img_digest_check(digest, NULL);
	if (r < 0)
		return r;
	_cleanup_close_ int lk = refs_lock(s, LOCK_EX);
	if (lk < 0)
		return lk;
	json_object *refs;
	if ((r = refs_read(s, &refs)) < 0)
		return r;
	char key[512];
	ref_key(ref, key, sizeof(key));
	json_object *prev;
	char old[IMG_DIGEST_LEN + 1] = "";
	if (json_object_object_get_ex(refs, key, &prev))
		snprintf(old, sizeof(old), "%s", json_object_get_string(prev));
	json_object_object_add(refs, key, json_object_new_string(digest));
	/* A tag moving away leaves the old image dangling, not lost: it stays listed as <none> until rmi. */
	bool used = !old[0] || STREQ(old, digest);
	json_object_object_foreach(refs, k, v) {
		(void)k;
		used |= STREQ(json_object_get_string(v), old);
	}
	if (!used) {
		char dangling[IMG_DIGEST_LEN + 2];
		snprintf(dangling, sizeof(dangling), "@%s", old);
		json_object_object_add(refs, dangling, json_object_new_string(old));
	}
	r = refs_write(s, refs);
	json_object_put(refs);
	return r;
}

int img_resolve(struct img_store *s, const char *ref, char digest[IMG_DIGEST_LEN + 1])
{
	struct img_ref rf;
	int r;
	/* A digest prefix of 12+ hex digits, as `images` prints it. */
	size_t hl = strspn(ref, "0123456789abcdef");
	bool prefix = hl >= 12 && !ref[hl];
	if (!prefix && (r = img_ref_parse(ref, &rf)) < 0)
		return r;
	if (!prefix && rf.digest[0]) {
		if (!img_blob_exists(s, rf.digest))
			return err_set(ENOENT, "image %s is not in the store %s (load or pull it)", ref, s->root);
		snprintf(digest, IMG_DIGEST_LEN + 1, "%s", rf.digest);
		return 0;
	}
	_cleanup_close_ int lk = refs_lock(s, LOCK_SH);
	if (lk < 0)
		return lk;
	json_object *refs;
	if ((r = refs_read(s, &refs)) < 0)
		return r;
	char key[512];
	r = err_set(ENOENT, "image %s is not in the store %s (see stockade images; load or pull it)", ref, s->root);
	if (!prefix)
		ref_key(&rf, key, sizeof(key));
	json_object_object_foreach(refs, k, v) {
		const char *d = json_object_get_string(v);
		if (!json_object_is_type(v, json_type_string) || img_digest_check(d, NULL) < 0)
			continue; /* a hand-edited refs.json: not ours to guess */
		if (prefix ? strncmp(d + 7, ref, hl) == 0 : STREQ(k, key)) {
			snprintf(digest, IMG_DIGEST_LEN + 1, "%s", d);
			r = img_digest_check(digest, NULL);
			if (r == 0)
				err_clear();
			break;
		}
	}
	json_object_put(refs);
	return r;
}

int img_list(struct img_store *s, struct arena *a, struct img_listing **out, size_t *n)
{
	_cleanup_close_ int lk = refs_lock(s, LOCK_SH);
	if (lk < 0)
		return lk;
	json_object *refs;
	int r = refs_read(s, &refs);
	if (r < 0)
		return r;
	size_t cnt = (size_t)json_object_object_length(refs), i = 0;
	struct img_listing *l = arena_calloc(a, cnt + 1, sizeof(*l));
	json_object_object_foreach(refs, k, v) {
		if (!json_object_is_type(v, json_type_string) || img_digest_check(json_object_get_string(v), NULL) < 0)
			continue;
		char *key = arena_strdup(a, k);
		char *at = strchr(key, '@');
		char *slash = strrchr(key, '/');
		char *colon = at ? NULL : strrchr(slash ? slash : key, ':');
		if (at)
			*at = '\0';
		if (colon)
			*colon = '\0';
		l[i].name = key;
		l[i].tag = colon ? colon + 1 : arena_strdup(a, "<none>");
		l[i].digest = arena_strdup(a, json_object_get_string(v));
		i++;
	}
	json_object_put(refs);
	*out = l;
	*n = i;
	return 0;
}

/* ---- images --------------------------------------------------------- */

int img_image_load(struct img_store *s, const char *digest, struct arena *a, struct img_image *img)
{
	_cleanup_free_ char *m = NULL, *c = NULL;
	size_t ml, cl;
	memset(img, 0, sizeof(*img));
	snprintf(img->digest, sizeof(img->digest), "%s", digest);
	int r = img_blob_read(s, digest, IMG_MAX_MANIFEST, &m, &ml);
	if (r < 0)
		return r;
	if ((r = img_manifest_parse(m, ml, digest, a, &img->manifest)) < 0)
		return r;
	const char *cd = img->manifest.config.digest;
	if ((r = img_blob_read(s, cd, IMG_MAX_MANIFEST, &c, &cl)) < 0)
		return err_ctx(r, "image %s: config", digest);
	if ((r = img_config_parse(c, cl, cd, a, &img->config)) < 0)
		return r;
	img->size = img->manifest.config.size;
	for (size_t i = 0; i < img->manifest.nlayers; i++)
		img->size += img->manifest.layers[i].size;
	return 0;
}

/* Blobs an image uses, added to set (keys are digests). */
static void image_blobs(struct img_store *s, const char *digest, json_object *set)
{
	struct arena a = { 0 };
	struct img_image img;
	json_object_object_add(set, digest, NULL);
	if (img_image_load(s, digest, &a, &img) == 0) {
		json_object_object_add(set, img.manifest.config.digest, NULL);
		for (size_t i = 0; i < img.manifest.nlayers; i++)
			json_object_object_add(set, img.manifest.layers[i].digest, NULL);
	}
	err_clear();
	arena_free(&a);
}

static bool prefix_ref(const char *ref)
{
	size_t hl = strspn(ref, "0123456789abcdef");
	return hl >= 12 && !ref[hl];
}

int img_remove(struct img_store *s, const char *ref)
{
	char digest[IMG_DIGEST_LEN + 1];
	int r = img_resolve(s, ref, digest);
	if (r < 0)
		return r;
	struct img_ref rf = { .name = "" };
	bool by_digest = prefix_ref(ref) || (img_ref_parse(ref, &rf) == 0 && !rf.tag[0]);
	char key[512] = "";
	if (!by_digest)
		ref_key(&rf, key, sizeof(key));
	err_clear();

	_cleanup_close_ int lk = refs_lock(s, LOCK_EX);
	if (lk < 0)
		return lk;
	json_object *refs;
	if ((r = refs_read(s, &refs)) < 0)
		return r;
	/* By digest: every reference to it goes (name@digest: those of that name); by name:tag: only that one. */
	const char *only = by_digest && !prefix_ref(ref) && rf.name[0] ? rf.name : NULL;
	size_t ol = only ? strlen(only) : 0;
	json_object *drop = json_object_new_array();
	json_object_object_foreach(refs, k, v) {
		bool hit = by_digest ? STREQ(json_object_get_string(v), digest) &&
					       (!only || (strncmp(k, only, ol) == 0 && (k[ol] == ':' || k[ol] == '@')))
				     : STREQ(k, key);
		if (hit)
			json_object_array_add(drop, json_object_new_string(k));
	}
	for (size_t i = 0; i < json_object_array_length(drop); i++)
		json_object_object_del(refs, json_object_get_string(json_object_array_get_idx(drop, i)));
	json_object_put(drop);
	bool used = false;
	json_object_object_foreach(refs, k2, v2) {
		(void)k2;
		used |= STREQ(json_object_get_string(v2), digest);
	}
	if ((r = refs_write(s, refs)) < 0)
		goto out;
	if (!used) {
		json_object *mine = json_object_new_object(), *others = json_object_new_object();
		image_blobs(s, digest, mine);
		json_object_object_foreach(refs, k3, v3) {
			(void)k3;
			image_blobs(s, json_object_get_string(v3), others);
		}
		char rootfs[128];
		snprintf(rootfs, sizeof(rootfs), "rootfs/%s", digest + 7);
		if ((r = rm_rf_at(s->fd, rootfs)) < 0 && r != -ENOENT)
			r = err_sys(-r, "image %s: cannot remove %s/%s", digest, s->root, rootfs);
		else
			r = 0;
		json_object_object_foreach(mine, k4, v4) {
			(void)v4;
			if (!json_object_object_get_ex(others, k4, NULL) && img_blob_remove(s, k4) < 0 && r == 0)
				r = -EIO;
		}
		json_object_put(mine);
		json_object_put(others);
	}
out:
	json_object_put(refs);
	return r;
}

int img_rootfs_lookup(struct img_store *s, const char *digest, char **path)
{
	char hex[65], rel[128];
	int r = img_digest_check(digest, hex);
	if (r < 0)
		return r;
	snprintf(rel, sizeof(rel), "rootfs/%s", hex);
	struct stat st;
	if (fstatat(s->fd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
		return -ENOENT;
	if (asprintf(path, "%s/%s", s->root, rel) < 0)
		return err_sys(ENOMEM, "image %s", digest);
	return 0;
}
