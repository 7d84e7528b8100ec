/*
 * stockade load: docker save archives, OCI archives and OCI layout
 * directories.  Archives are read once, start to end: every blob goes
 * straight into the store's verifying writer (its name in the archive is the
 * digest it must hash to), small JSON files are kept in memory.  Then the
 * index or manifest.json is followed through the store, which re-hashes what
 * it reads.  Any mismatch removes every blob this load added: no half image,
 * no tag.
 */
#include "image/image.h"

#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "util/err.h"
#include "util/fs.h"
#include "util/macros.h"
#include "util/path.h"

struct load {
	struct img_store *s;
	const char *src;      /* the path given, for messages and names */
	int dirfd;            /* a layout directory, or -1 for an archive */
	json_object *files;   /* archive: path -> digest of what it stored */
	json_object *small;   /* archive: index.json, manifest.json, oci-layout -> text */
	json_object *added;   /* digests this load created: removed on failure */
	json_object *pending; /* [{name, tag, digest}] tagged at the end */
	char ***pinned;
	size_t npinned;
};

static bool hex64(const char *p, size_t n)
{
	if (n != 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)p[i]) && !(p[i] >= 'a' && p[i] <= 'f'))
			return false;
	return true;
}

/* The digest a file's name promises: blobs/sha256/HEX, HEX.tar, HEX.json, HEX/layer.tar is not one. */
static bool named_digest(const char *path, char digest[IMG_DIGEST_LEN + 1])
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t n = strlen(base);
	if (strstr(path, "blobs/sha256/") && hex64(base, n)) {
		snprintf(digest, IMG_DIGEST_LEN + 1, "sha256:%s", base);
		return true;
	}
	if ((n == 68 && STREQ(base + 64, ".tar")) || (n == 69 && STREQ(base + 64, ".json"))) {
		if (hex64(base, 64)) {
			snprintf(digest, IMG_DIGEST_LEN + 1, "sha256:%.64s", base);
			return true;
		}
	}
	return false;
}

static const char *clean_name(const char *p)
{
	while (p[0] == '.' && p[1] == '/')
		p += 2;
	while (*p == '/')
		p++;
	return p;
}

/* A blob the store already has: the archive's copy is read anyway, so it is hashed, not copied. */
static int verify_only(struct load *l, const char *path, const char *want, struct archive *ar,
		       char got[IMG_DIGEST_LEN + 1])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		return err_set(ENOMEM, "%s: sha256", path);
	}
	const void *buf;
	size_t len;
	la_int64_t off;
	int r;
	while ((r = archive_read_data_block(ar, &buf, &len, &off)) == ARCHIVE_OK)
		EVP_DigestUpdate(md, buf, len);
	unsigned char d[32];
	unsigned int dl = 0;
	EVP_DigestFinal_ex(md, d, &dl);
	EVP_MD_CTX_free(md);
	if (r != ARCHIVE_EOF)
		return err_set(EIO, "%s: %s: corrupt archive: %s", l->src, path, archive_error_string(ar));
	char hex[65];
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	if (strcmp(hex, want + 7) != 0)
		return err_hint(err_set(EIO, "%s: %s: blob %s: sha256 mismatch, the content hashes to sha256:%s", l->src,
					path, want, hex),
				"the archive is corrupt or was tampered with; fetch or save it again");
	snprintf(got, IMG_DIGEST_LEN + 1, "%s", want);
	return 0;
}

static int store_stream(struct load *l, const char *path, const char *want, struct archive *ar, int fd,
			char got[IMG_DIGEST_LEN + 1])
{
	bool existed = want && img_blob_exists(l->s, want);
	int r;
	if (existed && fd >= 0) {
		snprintf(got, IMG_DIGEST_LEN + 1, "%s", want);
		return 0;
	}
	if (existed)
		return verify_only(l, path, want, ar, got);
	if (fd >= 0) {
		r = img_blob_put_fd(l->s, want, -1, fd, got);
	} else {
		struct img_blob_writer *w;
		if ((r = img_blob_begin(l->s, want, -1, &w)) < 0)
			return r;
		const void *buf;
		size_t len;
		la_int64_t off;
		while ((r = archive_read_data_block(ar, &buf, &len, &off)) == ARCHIVE_OK)
			if ((r = img_blob_write(w, buf, len)) < 0)
				break;
		if (r != ARCHIVE_EOF) {
			img_blob_abort(w);
			return r < 0 && r != ARCHIVE_FATAL && r != ARCHIVE_FAILED && r != ARCHIVE_WARN
				       ? r
				       : err_set(EIO, "%s: corrupt archive: %s", path, archive_error_string(ar));
		}
		r = img_blob_commit_digest(w, got);
	}
	if (r < 0)
		return err_hint(err_ctx(r, "%s: %s", l->src, path),
				"the archive is corrupt or was tampered with; fetch or save it again");
	json_object_object_add(l->added, got, NULL);
	return 0;
}

static int scan_archive(struct load *l)
{
	struct archive *ar = archive_read_new();
	archive_read_support_filter_none(ar);
	archive_read_support_filter_gzip(ar);
	archive_read_support_filter_zstd(ar);
	archive_read_support_format_tar(ar);
	archive_read_support_format_gnutar(ar);
	int r = 0;
	if (archive_read_open_filename(ar, l->src, 1 << 16) != ARCHIVE_OK) {
		r = err_set(EINVAL, "%s: not a docker save or OCI archive (tar): %s", l->src, archive_error_string(ar));
		goto out;
	}
	struct archive_entry *e;
	int q;
	while ((q = archive_read_next_header(ar, &e)) == ARCHIVE_OK || q == ARCHIVE_WARN) {
		if (archive_entry_filetype(e) != AE_IFREG)
			continue;
		const char *p = clean_name(archive_entry_pathname(e));
		char want[IMG_DIGEST_LEN + 1], got[IMG_DIGEST_LEN + 1];
		if (STREQ(p, "index.json") || STREQ(p, "manifest.json") || STREQ(p, "oci-layout")) {
			if (archive_entry_size(e) > (int64_t)IMG_MAX_MANIFEST) {
				r = err_set(EFBIG, "%s: %s is larger than %u bytes", l->src, p, IMG_MAX_MANIFEST);
				goto out;
			}
			size_t n = (size_t)archive_entry_size(e);
			char *buf = malloc(n + 1);
			if (!buf) {
				r = err_sys(ENOMEM, "%s", p);
				goto out;
			}
			la_ssize_t got_n = archive_read_data(ar, buf, n);
			if (got_n < 0 || (size_t)got_n != n) {
				free(buf);
				r = err_set(EIO, "%s: %s: short read", l->src, p);
				goto out;
			}
			json_object_object_add(l->small, p, json_object_new_string_len(buf, (int)n));
			free(buf);
			continue;
		}
		bool named = named_digest(p, want);
		if (!named && !strstr(p, "layer.tar") && !strstr(p, ".json"))
			continue; /* repositories, VERSION, legacy json: not needed */
		if ((r = store_stream(l, p, named ? want : NULL, ar, -1, got)) < 0)
			goto out;
		json_object_object_add(l->files, p, json_object_new_string(got));
	}
	if (q != ARCHIVE_EOF)
		r = err_set(EIO, "%s: corrupt archive: %s", l->src, archive_error_string(ar));
out:
	archive_read_free(ar);
	return r;
}

/* A file of the source into the store: (path, expected digest or NULL) -> digest. */
static int fetch(struct load *l, const char *path, const char *want, char got[IMG_DIGEST_LEN + 1])
{
	path = clean_name(path);
	if (l->dirfd < 0) {
		json_object *v;
		if (!json_object_object_get_ex(l->files, path, &v))
			return err_set(ENOENT, "%s: %s is referenced but not in the archive", l->src, path);
		snprintf(got, IMG_DIGEST_LEN + 1, "%s", json_object_get_string(v));
		if (want && !STREQ(got, want))
			return err_set(EIO, "%s: %s: expected %s, found %s", l->src, path, want, got);
		return 0;
	}
	char named[IMG_DIGEST_LEN + 1];
	if (!want && named_digest(path, named))
		want = named;
	if (want && img_blob_exists(l->s, want)) {
		snprintf(got, IMG_DIGEST_LEN + 1, "%s", want);
		return 0;
	}
	_cleanup_close_ int fd = openat2_fd(l->dirfd, path, O_RDONLY | O_CLOEXEC, 0,
					    RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
	if (fd < 0)
		return err_sys(-fd, "%s: cannot open %s", l->src, path);
	return store_stream(l, path, want, NULL, fd, got);
}

static int small_file(struct load *l, const char *name, char **out, size_t *len)
{
	if (l->dirfd >= 0) {
		int r = read_file_at(l->dirfd, name, IMG_MAX_MANIFEST, out, len);
		return r < 0 ? err_sys(-r, "%s: cannot read %s", l->src, name) : 0;
	}
	json_object *v;
	if (!json_object_object_get_ex(l->small, name, &v))
		return err_set(ENOENT, "%s: no %s in the archive", l->src, name);
	*len = (size_t)json_object_get_string_len(v);
	*out = malloc(*len + 1);
	if (!*out)
		return err_sys(ENOMEM, "%s", name);
	memcpy(*out, json_object_get_string(v), *len + 1);
	return 0;
}

/* Tags are written only once every image of the source is in: a failure tags nothing. */
static int pin(struct load *l, const struct img_ref *ref, const char *digest)
{
	json_object *p = json_object_new_object();
	json_object_object_add(p, "name", json_object_new_string(ref ? ref->name : ""));
	json_object_object_add(p, "tag", json_object_new_string(ref ? ref->tag : ""));
	json_object_object_add(p, "digest", json_object_new_string(digest));
	json_object_array_add(l->pending, p);
	return 0;
}

static int tag_all(struct load *l)
{
	for (size_t i = 0; i < json_object_array_length(l->pending); i++) {
		json_object *p = json_object_array_get_idx(l->pending, i), *v;
		struct img_ref ref = { .name = "" };
		json_object_object_get_ex(p, "name", &v);
		snprintf(ref.name, sizeof(ref.name), "%s", json_object_get_string(v));
		json_object_object_get_ex(p, "tag", &v);
		snprintf(ref.tag, sizeof(ref.tag), "%s", json_object_get_string(v));
		json_object_object_get_ex(p, "digest", &v);
		const char *digest = json_object_get_string(v);
		if (!ref.name[0] || !ref.tag[0])
			ref.tag[0] = '\0';
		snprintf(ref.digest, sizeof(ref.digest), "%s", digest);
		int r = img_tag(l->s, &ref, digest);
		if (r < 0)
			return r;
		char buf[600];
		if (ref.name[0])
			snprintf(buf, sizeof(buf), "%s@%s", ref.name, digest);
		else
			snprintf(buf, sizeof(buf), "%s", digest);
		char **nv = realloc(*l->pinned, (l->npinned + 2) * sizeof(char *));
		if (!nv)
			return err_sys(ENOMEM, "load");
		*l->pinned = nv;
		nv[l->npinned++] = strdup(buf);
		nv[l->npinned] = NULL;
	}
	return 0;
}

/* All of a manifest's blobs into the store, verified. */
static int fetch_image(struct load *l, const char *mdigest)
{
	char path[128], got[IMG_DIGEST_LEN + 1];
	struct arena a = { 0 };
	struct img_manifest m;
	_cleanup_free_ char *buf = NULL;
	size_t len;
	snprintf(path, sizeof(path), "blobs/sha256/%s", mdigest + 7);
	int r = fetch(l, path, mdigest, got);
	if (r == 0)
		r = img_blob_read(l->s, mdigest, IMG_MAX_MANIFEST, &buf, &len);
	if (r == 0)
		r = img_manifest_parse(buf, len, mdigest, &a, &m);
	if (r == 0) {
		snprintf(path, sizeof(path), "blobs/sha256/%s", m.config.digest + 7);
		r = fetch(l, path, m.config.digest, got);
	}
	for (size_t i = 0; r == 0 && i < m.nlayers; i++) {
		snprintf(path, sizeof(path), "blobs/sha256/%s", m.layers[i].digest + 7);
		r = fetch(l, path, m.layers[i].digest, got);
	}
	arena_free(&a);
	return r;
}

static void default_name(struct load *l, const char *tag, struct img_ref *ref)
{
	/* An OCI layout names only a tag ("latest"): the repository is the file's name. */
	const char *b = strrchr(l->src, '/');
	char name[200];
	snprintf(name, sizeof(name), "%s", b && b[1] ? b + 1 : l->src);
	char *dot = strchr(name, '.');
	if (dot && dot != name)
		*dot = '\0';
	for (char *p = name; *p; p++)
		*p = isalnum((unsigned char)*p) || strchr("._-", *p) ? (char)tolower((unsigned char)*p) : '-';
	char full[400];
	snprintf(full, sizeof(full), "localhost/%s:%s", name, tag);
	if (img_ref_parse(full, ref) < 0)
		memset(ref, 0, sizeof(*ref));
	err_clear();
}

static int load_oci(struct load *l, const char *index, size_t len)
{
	json_object *o = json_tokener_parse(index), *ms;
	int r = 0;
	if (!o || !json_object_object_get_ex(o, "manifests", &ms) || !json_object_is_type(ms, json_type_array)) {
		json_object_put(o);
		return err_set(EINVAL, "%s: index.json: expected an OCI image index with a \"manifests\" array", l->src);
	}
	(void)len;
	size_t n = json_object_array_length(ms);
	for (size_t i = 0; r == 0 && i < n; i++) {
		json_object *d = json_object_array_get_idx(ms, i), *v, *ann;
		const char *digest = json_object_object_get_ex(d, "digest", &v) ? json_object_get_string(v) : NULL;
		const char *mt = json_object_object_get_ex(d, "mediaType", &v) ? json_object_get_string(v) : "";
		if ((r = img_digest_check(digest, NULL)) < 0) {
			r = err_ctx(r, "%s: index.json manifests[%zu]", l->src, i);
			break;
		}
		char mdigest[IMG_DIGEST_LEN + 1], path[128], got[IMG_DIGEST_LEN + 1];
		snprintf(mdigest, sizeof(mdigest), "%s", digest);
		if (STREQ(mt, IMG_MT_OCI_INDEX) || STREQ(mt, IMG_MT_DOCKER_LIST)) {
			_cleanup_free_ char *ib = NULL;
			size_t il;
			snprintf(path, sizeof(path), "blobs/sha256/%s", digest + 7);
			if ((r = fetch(l, path, digest, got)) < 0 ||
			    (r = img_blob_read(l->s, digest, IMG_MAX_MANIFEST, &ib, &il)) < 0 ||
			    (r = img_index_pick(ib, il, digest, "linux", "amd64", mdigest)) < 0)
				break;
		}
		if ((r = fetch_image(l, mdigest)) < 0)
			break;
		const char *name = NULL;
		if (json_object_object_get_ex(d, "annotations", &ann)) {
			if (json_object_object_get_ex(ann, "io.containerd.image.name", &v))
				name = json_object_get_string(v);
			else if (json_object_object_get_ex(ann, "org.opencontainers.image.ref.name", &v))
				name = json_object_get_string(v);
		}
		struct img_ref ref = { .name = "" };
		if (name && (strchr(name, '/') || strchr(name, ':'))) {
			if ((r = img_ref_parse(name, &ref)) < 0) {
				r = err_ctx(r, "%s: index.json manifests[%zu] annotation", l->src, i);
				break;
			}
			ref.digest[0] = '\0';
			if (!ref.tag[0])
				snprintf(ref.tag, sizeof(ref.tag), "latest");
		} else if (name && *name) {
			default_name(l, name, &ref);
		}
		r = pin(l, &ref, mdigest);
	}
	json_object_put(o);
	return r;
}

/* docker save: [{"Config": "...", "RepoTags": [...], "Layers": [...]}]; a schema 2 manifest is made for it. */
static int load_docker(struct load *l, const char *text)
{
	json_object *o = json_tokener_parse(text);
	int r = 0;
	if (!o || !json_object_is_type(o, json_type_array)) {
		json_object_put(o);
		return err_set(EINVAL, "%s: manifest.json: expected docker save's array of images", l->src);
	}
	for (size_t i = 0; r == 0 && i < json_object_array_length(o); i++) {
		json_object *img = json_object_array_get_idx(o, i), *v, *layers, *tags;
		struct arena a = { 0 };
		struct img_config cfg;
		char cdigest[IMG_DIGEST_LEN + 1];
		_cleanup_free_ char *cbuf = NULL;
		size_t clen;
		if (!json_object_object_get_ex(img, "Config", &v) || !json_object_is_type(v, json_type_string) ||
		    !json_object_object_get_ex(img, "Layers", &layers) || !json_object_is_type(layers, json_type_array)) {
			r = err_set(EINVAL, "%s: manifest.json[%zu]: expected \"Config\" and \"Layers\"", l->src, i);
			break;
		}
		if ((r = fetch(l, json_object_get_string(v), NULL, cdigest)) < 0 ||
		    (r = img_blob_read(l->s, cdigest, IMG_MAX_MANIFEST, &cbuf, &clen)) < 0 ||
		    (r = img_config_parse(cbuf, clen, json_object_get_string(v), &a, &cfg)) < 0) {
			arena_free(&a);
			break;
		}
		size_t n = json_object_array_length(layers);
		if (n != cfg.ndiff_ids) {
			r = err_set(EINVAL, "%s: manifest.json[%zu] lists %zu layers, its config %zu diff_ids", l->src, i, n,
				    cfg.ndiff_ids);
			arena_free(&a);
			break;
		}
		json_object *man = json_object_new_object(), *jl = json_object_new_array(), *jc = json_object_new_object();
		json_object_object_add(man, "schemaVersion", json_object_new_int(2));
		json_object_object_add(man, "mediaType", json_object_new_string(IMG_MT_DOCKER_MANIFEST));
		json_object_object_add(jc, "mediaType", json_object_new_string(IMG_MT_DOCKER_CONFIG));
		json_object_object_add(jc, "size", json_object_new_int64((int64_t)clen));
		json_object_object_add(jc, "digest", json_object_new_string(cdigest));
		json_object_object_add(man, "config", jc);
		json_object_object_add(man, "layers", jl);
		for (size_t k = 0; r == 0 && k < n; k++) {
			char ld[IMG_DIGEST_LEN + 1];
			json_object *lp = json_object_array_get_idx(layers, k);
			if (!json_object_is_type(lp, json_type_string)) {
				r = err_set(EINVAL, "%s: manifest.json[%zu].Layers[%zu]: expected a path", l->src, i, k);
				break;
			}
			/* The legacy layer.tar is the uncompressed diff: it must hash to the config's diff_id. */
			if ((r = fetch(l, json_object_get_string(lp), cfg.diff_ids[k], ld)) < 0)
				break;
			int lfd = img_blob_open(l->s, ld);
			struct stat st;
			int64_t sz = lfd >= 0 && fstat(lfd, &st) == 0 ? st.st_size : 0;
			if (lfd >= 0)
				close(lfd);
			json_object *jd = json_object_new_object();
			json_object_object_add(jd, "mediaType",
					       json_object_new_string("application/vnd.docker.image.rootfs.diff.tar"));
			json_object_object_add(jd, "size", json_object_new_int64(sz));
			json_object_object_add(jd, "digest", json_object_new_string(ld));
			json_object_array_add(jl, jd);
		}
		arena_free(&a);
		char mdigest[IMG_DIGEST_LEN + 1], hex[65];
		if (r == 0) {
			const char *txt = json_object_to_json_string_ext(man, JSON_C_TO_STRING_PLAIN |
									   JSON_C_TO_STRING_NOSLASHESCAPE);
			img_sha256_hex(txt, strlen(txt), hex);
			snprintf(mdigest, sizeof(mdigest), "sha256:%s", hex);
			bool existed = img_blob_exists(l->s, mdigest);
			r = img_blob_put(l->s, mdigest, txt, strlen(txt));
			if (r == 0 && !existed)
				json_object_object_add(l->added, mdigest, NULL);
		}
		json_object_put(man);
		if (r < 0)
			break;
		bool tagged = false;
		if (json_object_object_get_ex(img, "RepoTags", &tags) && json_object_is_type(tags, json_type_array)) {
			for (size_t k = 0; r == 0 && k < json_object_array_length(tags); k++) {
				struct img_ref ref;
				if ((r = img_ref_parse(json_object_get_string(json_object_array_get_idx(tags, k)), &ref)) < 0)
					r = err_ctx(r, "%s: manifest.json[%zu].RepoTags[%zu]", l->src, i, k);
				else if ((r = pin(l, &ref, mdigest)) == 0)
					tagged = true;
			}
		}
		if (r == 0 && !tagged)
			r = pin(l, NULL, mdigest);
	}
	json_object_put(o);
	return r;
}

int img_load(struct img_store *s, const char *path, char ***pinned)
{
	struct load l = { .s = s, .src = path, .dirfd = -1, .pinned = pinned };
	*pinned = NULL;
	struct stat st;
	if (stat(path, &st) < 0)
		return err_sys(errno, "load %s", path);
	l.files = json_object_new_object();
	l.small = json_object_new_object();
	l.added = json_object_new_object();
	l.pending = json_object_new_array();
	int r = 0;
	if (S_ISDIR(st.st_mode)) {
		l.dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (l.dirfd < 0)
			r = err_sys(errno, "load %s", path);
	} else {
		r = scan_archive(&l);
	}
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	if (r == 0) {
		if (small_file(&l, "index.json", &text, &len) == 0)
			r = load_oci(&l, text, len);
		else if ((err_clear(), small_file(&l, "manifest.json", &text, &len)) == 0)
			r = load_docker(&l, text);
		else
			r = err_set(EINVAL, "%s: neither an OCI layout (index.json) nor a docker save archive "
					    "(manifest.json)", path);
	}
	if (r == 0)
		r = tag_all(&l);
	if (r < 0) {
		/* Nothing half-loaded stays: every blob this load added goes (tags are written last). */
		json_object_object_foreach(l.added, k, v) {
			(void)v;
			char p[128];
			snprintf(p, sizeof(p), "blobs/sha256/%s", k + 7);
			unlinkat(s->fd, p, 0);
		}
	}
	if (l.dirfd >= 0)
		close(l.dirfd);
	json_object_put(l.files);
	json_object_put(l.small);
	json_object_put(l.added);
	json_object_put(l.pending);
	return r;
}
