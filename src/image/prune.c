/*
 * stockade prune: remove dangling images (<none>: a tag moved away from
 * them), or every image with --all, except those a container uses; then
 * what no remaining image references: blobs, unpacked roots, and leftovers
 * in tmp/ from an interrupted load, pull or unpack.
 *
 * A pull holds prune.lock shared until its tag is written, so its new blobs
 * are never orphans to us.  A load does not take it: tmp/ entries and
 * orphan blobs younger than a grace period are left alone.
 */
#include "image/prune.h"

#include <dirent.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/macros.h"

int img_prune_lock(struct img_store *s, bool exclusive)
{
	int fd = openat(s->fd, "prune.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_sys(errno, "image store %s: cannot open prune.lock", s->root);
	while (flock(fd, exclusive ? LOCK_EX : LOCK_SH) < 0) {
		if (errno != EINTR) {
			int r = err_sys(errno, "image store %s: cannot lock prune.lock", s->root);
			close(fd);
			return r;
		}
	}
	return fd;
}

/* Allocated bytes of a tree (not following symlinks). */
static uint64_t du_at(int parent, const char *name)
{
	struct stat st;
	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	uint64_t n = (uint64_t)st.st_blocks * 512;
	if (!S_ISDIR(st.st_mode))
		return n;
	DIR *d = opendir_at(parent, name);
	if (!d)
		return n;
	struct dirent *de;
	while ((de = readdir(d)))
		if (!STREQ(de->d_name, ".") && !STREQ(de->d_name, ".."))
			n += du_at(dirfd(d), de->d_name);
	closedir(d);
	return n;
}

static uint64_t store_usage(struct img_store *s)
{
	return du_at(s->fd, "blobs") + du_at(s->fd, "rootfs") + du_at(s->fd, "tmp");
}

static bool kept(const struct img_prune_opts *o, const char *digest)
{
	for (size_t i = 0; o->keep && o->keep[i]; i++)
		if (STREQ(o->keep[i], digest))
			return true;
	return false;
}

/* manifest, config and layers of an image into set (a manifest that does not verify adds nothing more) */
static void image_blobs(struct img_store *s, const char *digest, json_object *set)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	struct arena a = { 0 };
	struct img_manifest m;
	json_object_object_add(set, digest, NULL);
	if (img_blob_read(s, digest, IMG_MAX_MANIFEST, &buf, &len) == 0 &&
	    img_manifest_parse(buf, len, digest, &a, &m) == 0) {
		json_object_object_add(set, m.config.digest, NULL);
		for (size_t i = 0; i < m.nlayers; i++)
			json_object_object_add(set, m.layers[i].digest, NULL);
	}
	err_clear();
	arena_free(&a);
}

static bool old_enough(int dfd, const char *name, uint64_t grace, time_t now)
{
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return false;
	return grace == 0 || (uint64_t)(now - st.st_mtime) >= grace;
}

static void report(const struct img_prune_opts *o, const char *kind, const char *what)
{
	if (o->removed)
		o->removed(kind, what, o->ud);
}

int img_prune(struct img_store *s, const struct img_prune_opts *o, struct img_prune_stats *st)
{
	memset(st, 0, sizeof(*st));
	int lk = img_prune_lock(s, true);
	if (lk < 0)
		return lk;
	uint64_t before = store_usage(s);
	struct arena a = { 0 };
	struct img_listing *l = NULL;
	size_t n = 0;
	int r = img_list(s, &a, &l, &n);
	if (r < 0)
		goto out;

	/* 1. images: dangling ones (no name), or all; never one a container uses */
	for (size_t i = 0; i < n; i++) {
		bool dangling = !l[i].name[0];
		if (!(o->all || dangling) || kept(o, l[i].digest))
			continue;
		bool named_elsewhere = false;
		for (size_t k = 0; !o->all && k < n; k++)
			named_elsewhere |= k != i && l[k].name[0] && STREQ(l[k].digest, l[i].digest);
		if (named_elsewhere)
			continue;
		bool done = false;
		for (size_t k = 0; k < i; k++)
			done |= STREQ(l[k].digest, l[i].digest) && (o->all || !l[k].name[0]);
		if (done)
			continue;
		int q = img_remove(s, l[i].digest);
		if (q < 0) {
			log_warn("prune: %s", err_msg());
			err_clear();
			continue;
		}
		st->images++;
		char what[600];
		snprintf(what, sizeof(what), "%s%s%s%s", l[i].digest, l[i].name[0] ? " (" : "",
			 l[i].name[0] ? l[i].name : "", l[i].name[0] ? ")" : "");
		report(o, "image", what);
	}

	/* 2. what the remaining images (and the containers' images) use */
	arena_free(&a);
	l = NULL;
	if ((r = img_list(s, &a, &l, &n)) < 0)
		goto out;
	json_object *used = json_object_new_object(), *roots = json_object_new_object();
	for (size_t i = 0; i < n; i++) {
		image_blobs(s, l[i].digest, used);
		json_object_object_add(roots, l[i].digest + 7, NULL);
	}
	for (size_t i = 0; o->keep && o->keep[i]; i++) {
		if (img_digest_check(o->keep[i], NULL) < 0) {
			err_clear();
			continue;
		}
		image_blobs(s, o->keep[i], used);
		json_object_object_add(roots, o->keep[i] + 7, NULL);
	}
	time_t now = time(NULL);

	/* 3. unpacked roots of images that are gone */
	DIR *d = opendir_at(s->fd, "rootfs");
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' || json_object_object_get_ex(roots, de->d_name, NULL))
			continue;
		if (rm_rf_at(dirfd(d), de->d_name) == 0) {
			st->rootfs++;
			report(o, "rootfs", de->d_name);
		}
	}
	if (d)
		closedir(d);

	/* 4. blobs no image references */
	d = opendir_at(s->fd, "blobs/sha256");
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char digest[IMG_DIGEST_LEN + 8];
		snprintf(digest, sizeof(digest), "sha256:%s", de->d_name);
		if (json_object_object_get_ex(used, digest, NULL) || !old_enough(dirfd(d), de->d_name, o->tmp_grace_sec, now))
			continue;
		if (rm_rf_at(dirfd(d), de->d_name) == 0) {
			st->blobs++;
			report(o, "blob", digest);
		}
	}
	if (d)
		closedir(d);

	/* 5. leftovers of interrupted loads, pulls and unpacks */
	d = opendir_at(s->fd, "tmp");
	while (d && (de = readdir(d))) {
		if (STREQ(de->d_name, ".") || STREQ(de->d_name, "..") ||
		    !old_enough(dirfd(d), de->d_name, o->tmp_grace_sec, now))
			continue;
		if (rm_rf_at(dirfd(d), de->d_name) == 0) {
			st->tmp++;
			char what[300];
			snprintf(what, sizeof(what), "tmp/%s", de->d_name);
			report(o, "tmp", what);
		}
	}
	if (d)
		closedir(d);
	json_object_put(used);
	json_object_put(roots);
out:
	arena_free(&a);
	uint64_t after = store_usage(s);
	st->bytes = before > after ? before - after : 0;
	close(lk);
	return r;
}
