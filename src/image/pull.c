/*
 * stockade pull: resolve a reference at its registry, verify everything it
 * sends, store, unpack, tag -- in that order, so that a failure anywhere
 * leaves no tag and none of the blobs this pull added.
 *
 * Nothing the registry says is trusted: a tag's manifest digest is the
 * sha256 of the bytes received (Docker-Content-Digest is not read), a
 * manifest asked for by digest must hash to it, and every blob streams
 * through the store's verifying writer, which stores it only when its size
 * and sha256 are what the manifest names.
 */
#include "image/image.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "image/prune.h"
#include "image/registry.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/macros.h"

struct pull {
	struct img_store *s;
	struct reg_client *c;
	const struct img_pull_opts *o;
	const char *ref;    /* as the user wrote it */
	json_object *added; /* digests this pull stored: removed on failure */
};

/* A manifest by tag or digest: its bytes and the digest they hash to (want: must be that). */
static int fetch_manifest(struct pull *p, const char *ref, const char *want, char **buf, size_t *len,
			  char digest[IMG_DIGEST_LEN + 1])
{
	int r = reg_get_manifest(p->c, ref, buf, len);
	if (r < 0)
		return r;
	char hex[65];
	img_sha256_hex(*buf, *len, hex);
	snprintf(digest, IMG_DIGEST_LEN + 1, "sha256:%s", hex);
	if (want && !STREQ(want, digest)) {
		free(*buf);
		*buf = NULL;
		return err_hint(err_set(EIO, "pull %s: the registry sent a manifest for %s that hashes to %s", p->ref,
					want, digest),
				"the registry is corrupt or tampered with; nothing was stored");
	}
	return 0;
}

static int fetch_blob(struct pull *p, const struct img_desc *d, const char *label)
{
	if (img_blob_exists(p->s, d->digest)) {
		log_debug("pull: %s %s already stored, not fetched", label, d->digest);
		if (p->o->progress)
			fprintf(stderr, "%-28.28s already stored\n", label);
		return 0;
	}
	if (d->size < 0)
		return err_set(EINVAL, "pull %s: %s %s has a negative size", p->ref, label, d->digest);
	int r = reg_get_blob(p->c, p->s, d->digest, d->size, label);
	if (r < 0)
		return err_ctx(r, "pull %s: %s", p->ref, label);
	json_object_object_add(p->added, d->digest, NULL);
	return 0;
}

static void undo(struct pull *p)
{
	json_object_object_foreach(p->added, k, v) {
		(void)v;
		log_debug("pull: removing %s (the pull failed)", k);
		img_blob_remove(p->s, k);
	}
}

int img_pull(struct img_store *s, const char *ref, const struct img_pull_opts *o, char digest[IMG_DIGEST_LEN + 1])
{
	struct img_ref rf;
	int r = img_ref_parse(ref, &rf);
	if (r < 0)
		return r;
	if (!rf.name[0])
		return err_set(EINVAL, "pull %s: a digest alone names no repository; pull NAME@%s", ref, rf.digest);
	static const struct img_pull_opts none = { 0 };
	if (!o)
		o = &none;
	struct reg_client_opts co = { .insecure = o->insecure_registries, .auth_file = o->auth_file,
				      .progress = o->progress };
	struct pull p = { .s = s, .o = o, .ref = ref };
	if ((r = reg_client_new(rf.name, &co, &p.c)) < 0)
		return err_ctx(r, "pull %s", ref);
	/* prune waits for us: the blobs are unreferenced until the tag is written */
	int lk = img_prune_lock(s, false);
	if (lk < 0) {
		reg_client_free(p.c);
		return lk;
	}
	p.added = json_object_new_object();
	struct arena a = { 0 };
	struct img_manifest m;
	char mdigest[IMG_DIGEST_LEN + 1], got[IMG_DIGEST_LEN + 1];
	_cleanup_free_ char *buf = NULL, *path = NULL; /* before any goto: cleanup runs at out */
	size_t len = 0;
	bool rootfs_existed = false;
	char rootfs[128] = "";

	if (o->progress)
		fprintf(stderr, "Pulling %s\n", ref);
	if (rf.digest[0] && img_blob_exists(s, rf.digest)) {
		/* content-addressed: a manifest we hold (re-hashed as it is read) needs no registry */
		r = img_blob_read(s, rf.digest, IMG_MAX_MANIFEST, &buf, &len);
		snprintf(got, sizeof(got), "%s", rf.digest);
		log_debug("pull: manifest %s already stored, not fetched", rf.digest);
	} else {
		r = fetch_manifest(&p, rf.digest[0] ? rf.digest : rf.tag, rf.digest[0] ? rf.digest : NULL, &buf, &len,
				   got);
	}
	if (r < 0)
		goto out;
	int kind = img_json_kind(buf, len, got);
	if (kind < 0) {
		r = err_ctx(kind, "pull %s", ref);
		goto out;
	}
	if (kind == 1) {
		/* an index or manifest list: the linux/amd64 manifest, by digest, verified the same way */
		if ((r = img_index_pick(buf, len, got, "linux", "amd64", mdigest)) < 0) {
			r = err_ctx(r, "pull %s", ref);
			goto out;
		}
		log_debug("pull: %s is an index; linux/amd64 is %s", got, mdigest);
		free(buf);
		buf = NULL;
		if ((r = fetch_manifest(&p, mdigest, mdigest, &buf, &len, got)) < 0)
			goto out;
		if ((kind = img_json_kind(buf, len, got)) != 0) {
			r = kind < 0 ? err_ctx(kind, "pull %s", ref)
				     : err_set(EINVAL, "pull %s: index entry %s is another index", ref, mdigest);
			goto out;
		}
	} else {
		snprintf(mdigest, sizeof(mdigest), "%s", got);
	}
	if ((r = img_manifest_parse(buf, len, mdigest, &a, &m)) < 0) {
		r = err_ctx(r, "pull %s", ref);
		goto out;
	}
	if (m.config.size > (int64_t)IMG_MAX_MANIFEST) {
		r = err_set(EFBIG, "pull %s: the config %s is %lld bytes, more than the %u a config may have", ref,
			    m.config.digest, (long long)m.config.size, IMG_MAX_MANIFEST);
		goto out;
	}
	if ((r = fetch_blob(&p, &m.config, "config")) < 0)
		goto out;
	for (size_t i = 0; i < m.nlayers; i++) {
		char label[64];
		snprintf(label, sizeof(label), "layer %zu/%zu %.12s", i + 1, m.nlayers, m.layers[i].digest + 7);
		if ((r = fetch_blob(&p, &m.layers[i], label)) < 0)
			goto out;
	}
	if (!img_blob_exists(s, mdigest)) {
		if ((r = img_blob_put(s, mdigest, buf, len)) < 0)
			goto out;
		json_object_object_add(p.added, mdigest, NULL);
	}
	/* unpack before tagging: a layer the unpacker refuses leaves no tag */
	struct stat st;
	snprintf(rootfs, sizeof(rootfs), "rootfs/%s", mdigest + 7);
	rootfs_existed = fstatat(s->fd, rootfs, &st, AT_SYMLINK_NOFOLLOW) == 0;
	if ((r = img_rootfs(s, mdigest, o ? o->unpack : NULL, &path)) < 0) {
		r = err_ctx(r, "pull %s", ref);
		goto out;
	}
	struct img_ref t = rf;
	if (rf.digest[0] || !rf.tag[0]) {
		t.tag[0] = '\0';
		snprintf(t.digest, sizeof(t.digest), "%s", mdigest);
	}
	if ((r = img_tag(s, &t, mdigest)) < 0)
		goto out;
	snprintf(digest, IMG_DIGEST_LEN + 1, "%s", mdigest);
out:
	if (r < 0) {
		if (rootfs[0] && !rootfs_existed)
			rm_rf_at(s->fd, rootfs);
		undo(&p);
	}
	arena_free(&a);
	json_object_put(p.added);
	reg_client_free(p.c);
	close(lk);
	return r;
}
