/*
 * Layer unpacking that a hostile tarball cannot steer outside the rootfs.
 *
 * No host path string is ever built from an entry name.  The parent
 * directory of each entry is resolved with openat2(RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS) from the rootfs fd (in_root_mkdirs), so a symlink
 * planted by an earlier entry or layer ("a -> /etc", then "a/passwd") is
 * followed as if the rootfs were "/" and lands inside it.  The last component
 * is always created relative to that parent fd, never followed (O_NOFOLLOW,
 * O_EXCL after removing what was there), and hardlink targets are resolved
 * inside the root the same way.  Absolute names and ".." are skipped, device
 * nodes skipped, setuid/setgid stripped, file content bounded.
 */
#include "image/image.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/macros.h"
#include "util/path.h"

struct src {
	int fd;
	EVP_MD_CTX *md;
	char buf[1 << 16];
};

static la_ssize_t src_read(struct archive *a, void *data, const void **buf)
{
	struct src *s = data;
	ssize_t n;
	do
		n = read(s->fd, s->buf, sizeof(s->buf));
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		archive_set_error(a, errno, "read");
		return -1;
	}
	if (s->md)
		EVP_DigestUpdate(s->md, s->buf, (size_t)n);
	*buf = s->buf;
	return n;
}

struct layer {
	int rootfd;
	const char *what;
	const struct img_unpack_opts *o;
	struct img_unpack_stats *st;
	json_object *written; /* paths this layer created: an opaque marker spares them */
	uint64_t limit;
};

/* "./usr//bin/" -> "usr/bin"; "" for the root; -EPERM for absolute or ".." names. */
static int entry_name(const char *in, char *out, size_t n)
{
	if (!in || in[0] == '/')
		return -EPERM;
	size_t len = 0;
	const char *p = in;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *e = strchrnul(p, '/');
		size_t cl = (size_t)(e - p);
		if (cl == 2 && p[0] == '.' && p[1] == '.')
			return -EPERM;
		if (!(cl == 1 && p[0] == '.')) {
			if (len + cl + 2 >= n)
				return -ENAMETOOLONG;
			if (len)
				out[len++] = '/';
			memcpy(out + len, p, cl);
			len += cl;
		}
		p = e;
	}
	out[len] = '\0';
	return 0;
}

/* Remove whatever is at dfd/base (a file, a symlink, a tree) unless keep_dir and it is a directory. */
static int clear_at(int dfd, const char *base, bool keep_dir)
{
	struct stat st;
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (S_ISDIR(st.st_mode))
		return keep_dir ? 0 : rm_rf_at(dfd, base);
	return unlinkat(dfd, base, 0) < 0 && errno != ENOENT ? -errno : 0;
}

static int opaque(struct layer *l, int dfd, const char *dir)
{
	_cleanup_close_ int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	DIR *d = fdopendir(fd);
	if (!d)
		return -errno;
	fd = -1;
	struct dirent *de;
	int r = 0;
	while ((de = readdir(d)) && r == 0) {
		if (STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
			continue;
		char p[PATH_MAX];
		snprintf(p, sizeof(p), "%s%s%s", dir, *dir ? "/" : "", de->d_name);
		if (!json_object_object_get_ex(l->written, p, NULL))
			r = clear_at(dirfd(d), de->d_name, false);
	}
	closedir(d);
	return r;
}

static int write_data(struct layer *l, struct archive *ar, int fd, int64_t size)
{
	const void *buf;
	size_t len;
	la_int64_t off;
	int r;
	while ((r = archive_read_data_block(ar, &buf, &len, &off)) == ARCHIVE_OK) {
		if (off < 0 || (uint64_t)off + len > (uint64_t)size)
			return err_set(EIO, "data beyond the declared size %lld", (long long)size);
		l->st->bytes += len;
		if (l->st->bytes > l->limit)
			return err_set(EFBIG, "the image's content exceeds the unpack limit of %llu bytes",
				       (unsigned long long)l->limit);
		if (pwrite(fd, buf, len, off) != (ssize_t)len)
			return err_sys(errno, "write");
	}
	if (r != ARCHIVE_EOF)
		return err_set(EIO, "%s", archive_error_string(ar) ? archive_error_string(ar) : "corrupt data");
	/* sparse tails: the declared size was already counted against the limit */
	if (ftruncate(fd, size) < 0)
		return err_sys(errno, "truncate");
	return 0;
}

static void set_meta(struct layer *l, int dfd, const char *base, int fd, struct archive_entry *e, bool is_link)
{
	uid_t uid = (uid_t)archive_entry_uid(e);
	gid_t gid = (gid_t)archive_entry_gid(e);
	mode_t mode = archive_entry_perm(e);
	/* Ownership first: chown clears set-id bits, chmod after decides them. */
	if (fchownat(dfd, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EPERM && errno != EINVAL)
		log_debug("%s: chown %s: %s", l->what, base, strerror(errno));
	if (!is_link) {
		if ((mode & (S_ISUID | S_ISGID)) && !l->o->keep_setuid && archive_entry_filetype(e) != AE_IFDIR) {
			mode &= ~(mode_t)(S_ISUID | S_ISGID);
			l->st->setid_stripped++;
		}
		if (fd >= 0)
			fchmod(fd, mode);
	}
	struct timespec ts[2] = { { .tv_sec = archive_entry_mtime(e), .tv_nsec = archive_entry_mtime_nsec(e) } };
	ts[1] = ts[0];
	utimensat(dfd, base, ts, AT_SYMLINK_NOFOLLOW);
}

static int hardlink(struct layer *l, int dfd, const char *base, const char *target)
{
	char t[PATH_MAX];
	if (entry_name(target, t, sizeof(t)) < 0 || !*t) {
		l->st->unsafe_skipped++;
		log_warn("%s: hardlink %s -> %s points outside the image root; skipped", l->what, base, target);
		return 0;
	}
	_cleanup_close_ int tfd = in_root_open(l->rootfd, t, O_PATH, IN_ROOT_FOLLOW);
	if (tfd < 0)
		return err_sys(-tfd, "hardlink target %s", target);
	struct stat st;
	if (fstat(tfd, &st) < 0 || S_ISDIR(st.st_mode))
		return err_set(EPERM, "hardlink target %s is a directory", target);
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", tfd);
	if (linkat(AT_FDCWD, proc, dfd, base, AT_SYMLINK_FOLLOW) < 0)
		return err_sys(errno, "hardlink to %s", target);
	return 0;
}

static int entry(struct layer *l, struct archive *ar, struct archive_entry *e)
{
	char name[PATH_MAX], dir[PATH_MAX];
	const char *raw = archive_entry_pathname(e);
	if (entry_name(raw, name, sizeof(name)) < 0) {
		l->st->unsafe_skipped++;
		log_warn("%s: entry \"%s\" is absolute or climbs out with ..; skipped", l->what, raw ? raw : "");
		return 0;
	}
	if (!*name)
		return 0; /* "./": the rootfs itself keeps its own mode */
	l->st->entries++;
	const char *slash = strrchr(name, '/');
	const char *base = slash ? slash + 1 : name;
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - name) : 0, name);
	bool wh = strncmp(base, ".wh.", 4) == 0;

	if (wh) {
		char abs[PATH_MAX + 1];
		snprintf(abs, sizeof(abs), "/%s", dir);
		_cleanup_close_ int dfd = in_root_open(l->rootfd, abs, O_PATH | O_DIRECTORY, IN_ROOT_FOLLOW);
		if (dfd < 0)
			return dfd == -ENOENT ? 0 : err_sys(-dfd, "whiteout %s", name);
		if (STREQ(base, ".wh..wh..opq"))
{
			int q = opaque(l, dfd, dir);
			return q < 0 ? err_sys(-q, "opaque directory %s", name) : 0;
		}
		const char *victim = base + 4;
		/* ".wh.." would remove the parent of the directory, at the top the parent of the root */
		if (!*victim || STREQ(victim, ".") || STREQ(victim, "..")) {
			l->st->unsafe_skipped++;
			log_warn("%s: whiteout \"%s\" names no entry of its directory; skipped", l->what, name);
			return 0;
		}
		int r = clear_at(dfd, victim, false);
		return r < 0 ? err_sys(-r, "whiteout %s", name) : 0;
	}

	mode_t type = archive_entry_filetype(e);
	const char *hl = archive_entry_hardlink(e);
	if (!hl && (type == AE_IFCHR || type == AE_IFBLK)) {
		l->st->devices_skipped++;
		return 0;
	}
	if (!hl && type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK && type != AE_IFIFO) {
		l->st->unsafe_skipped++;
		log_warn("%s: entry %s has an unsupported type %o; skipped", l->what, name, type);
		return 0;
	}
	int64_t size = archive_entry_size_is_set(e) ? archive_entry_size(e) : 0;
	if (size < 0 || (uint64_t)size > l->limit - l->st->bytes)
		return err_set(EFBIG, "entry %s declares %lld bytes; with the %llu already unpacked that exceeds the "
				      "unpack limit of %llu bytes",
			       name, (long long)size, (unsigned long long)l->st->bytes, (unsigned long long)l->limit);

	char absdir[PATH_MAX + 1];
	snprintf(absdir, sizeof(absdir), "/%s", dir);
	_cleanup_close_ int dfd = in_root_mkdirs(l->rootfd, absdir, 0755, IN_ROOT_FOLLOW);
	if (dfd < 0)
		return err_sys(-dfd, "entry %s: parent directory", name);
	int r = clear_at(dfd, base, !hl && type == AE_IFDIR);
	if (r < 0)
		return err_sys(-r, "entry %s: replacing what an earlier layer left", name);
	json_object *mt = NULL;
	if (!hl && type == AE_IFDIR) {
		/* directory mtimes are set again when the layer ends: later entries change them */
		mt = json_object_new_array();
		json_object_array_add(mt, json_object_new_int64(archive_entry_mtime(e)));
		json_object_array_add(mt, json_object_new_int64(archive_entry_mtime_nsec(e)));
	}
	json_object_object_add(l->written, name, mt);

	_cleanup_close_ int fd = -1;
	if (hl) {
		if ((r = hardlink(l, dfd, base, hl)) < 0)
			return err_ctx(r, "entry %s", name);
		return 0;
	}
	switch (type) {
	case AE_IFREG:
		fd = openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			return err_sys(errno, "entry %s", name);
		if ((r = write_data(l, ar, fd, size)) < 0)
			return err_ctx(r, "entry %s", name);
		break;
	case AE_IFDIR:
		if (mkdirat(dfd, base, 0700) < 0 && errno != EEXIST)
			return err_sys(errno, "entry %s", name);
		fd = openat(dfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return err_sys(errno, "entry %s", name);
		break;
	case AE_IFLNK:
		if (symlinkat(archive_entry_symlink(e) ? archive_entry_symlink(e) : "", dfd, base) < 0)
			return err_sys(errno, "entry %s", name);
		break;
	case AE_IFIFO:
		if (mkfifoat(dfd, base, 0600) < 0)
			return err_sys(errno, "entry %s", name);
		fd = openat(dfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		break;
	}
	if (fd >= 0 && type == AE_IFIFO) {
		/* fchmod does not work on O_PATH: the name is ours and not a link */
		mode_t m = archive_entry_perm(e) & 0777;
		if (fchmodat(dfd, base, m, 0) < 0)
			return err_sys(errno, "entry %s: chmod", name);
		close(fd);
		fd = -1;
	}
	set_meta(l, dfd, base, fd, e, type == AE_IFLNK);
	return 0;
}

/* The manifest's media type says how the layer is compressed; the bytes must agree. */
static int check_compression(struct archive *ar, const char *media_type, const char *what)
{
	if (!media_type || !*media_type)
		return 0;
	size_t n = strlen(media_type);
	int want = ARCHIVE_FILTER_NONE;
	const char *name = "uncompressed";
	if (n > 5 && (STREQ(media_type + n - 5, "+gzip") || STREQ(media_type + n - 5, ".gzip"))) {
		want = ARCHIVE_FILTER_GZIP;
		name = "gzip";
	} else if (n > 5 && STREQ(media_type + n - 5, "+zstd")) {
		want = ARCHIVE_FILTER_ZSTD;
		name = "zstd";
	}
	int got = archive_filter_code(ar, 0);
	if (got != want)
		return err_set(EINVAL, "layer %s: the manifest says %s (%s) but the stream is %s", what, media_type, name,
			       archive_filter_name(ar, 0));
	return 0;
}

static void restore_dir_times(struct layer *l)
{
	json_object_object_foreach(l->written, k, v) {
		if (!v)
			continue;
		char abs[PATH_MAX + 1];
		snprintf(abs, sizeof(abs), "/%s", k);
		int fd = in_root_open(l->rootfd, abs, O_RDONLY | O_DIRECTORY, IN_ROOT_NOFOLLOW);
		if (fd < 0)
			continue; /* removed by a later whiteout of the same layer */
		struct timespec ts[2] = { { .tv_sec = json_object_get_int64(json_object_array_get_idx(v, 0)),
					    .tv_nsec = json_object_get_int64(json_object_array_get_idx(v, 1)) } };
		ts[1] = ts[0];
		futimens(fd, ts);
		close(fd);
	}
}

int img_unpack_layer(int rootfd, int fd, const char *media_type, const char *digest,
		     const struct img_unpack_opts *o, struct img_unpack_stats *st)
{
	static const struct img_unpack_opts defaults = { 0 };
	if (!o)
		o = &defaults;
	const char *what = digest ? digest : "(unverified)";
	struct layer l = { .rootfd = rootfd, .what = what, .o = o, .st = st };
	l.limit = o->max_total ? o->max_total : IMG_DEFAULT_UNPACK_LIMIT;
	if (st->bytes > l.limit)
		return err_set(EFBIG, "layer %s: the unpack limit of %llu bytes is already reached", what,
			       (unsigned long long)l.limit);
	struct src *s = calloc(1, sizeof(*s));
	if (!s)
		return err_sys(ENOMEM, "layer %s", what);
	s->fd = fd;
	if (digest && (!(s->md = EVP_MD_CTX_new()) || EVP_DigestInit_ex(s->md, EVP_sha256(), NULL) != 1)) {
		EVP_MD_CTX_free(s->md);
		free(s);
		return err_set(ENOMEM, "layer %s: sha256", what);
	}
	struct archive *ar = archive_read_new();
	archive_read_support_filter_none(ar);
	archive_read_support_filter_gzip(ar);
	archive_read_support_filter_zstd(ar);
	archive_read_support_format_tar(ar);
	archive_read_support_format_gnutar(ar);
	l.written = json_object_new_object();
	int r = 0;
	if (archive_read_open(ar, s, NULL, src_read, NULL) != ARCHIVE_OK) {
		r = err_set(EINVAL, "layer %s: not a tar, tar+gzip or tar+zstd stream: %s", what,
			    archive_error_string(ar));
		goto out;
	}
	if ((r = check_compression(ar, media_type, what)) < 0)
		goto out;
	struct archive_entry *e;
	int q;
	while ((q = archive_read_next_header(ar, &e)) == ARCHIVE_OK || q == ARCHIVE_WARN) {
		if ((r = entry(&l, ar, e)) < 0) {
			r = err_ctx(r, "layer %s", what);
			goto out;
		}
	}
	if (q != ARCHIVE_EOF) {
		r = err_set(EIO, "layer %s: corrupt archive after %zu entries: %s", what, st->entries,
			    archive_error_string(ar));
		goto out;
	}
	restore_dir_times(&l);
	if (s->md) {
		/* hash what libarchive did not need to read (tar padding) too */
		la_ssize_t n;
		const void *b;
		while ((n = src_read(ar, s, &b)) > 0)
			;
		unsigned char md[32];
		unsigned int ml = 0;
		char got[65];
		EVP_DigestFinal_ex(s->md, md, &ml);
		for (int i = 0; i < 32; i++)
			snprintf(got + 2 * i, 3, "%02x", md[i]);
		if (strcmp(got, digest + 7) != 0)
			r = err_hint(err_set(EIO, "layer %s: sha256 mismatch, the blob hashes to sha256:%s", what, got),
				     "the store's copy was modified; remove the image and load or pull it again");
	}
out:
	archive_read_free(ar);
	json_object_put(l.written);
	EVP_MD_CTX_free(s->md);
	free(s);
	return r;
}

static int unpack_image(struct img_store *s, const char *digest, const char *hex, const char *final,
			const struct img_unpack_opts *o)
{
	char tmp[160];
	struct stat st;
	struct arena a = { 0 };
	struct img_image img;
	int r = img_image_load(s, digest, &a, &img);
	if (r < 0) {
		arena_free(&a);
		return r;
	}
	snprintf(tmp, sizeof(tmp), "tmp/rootfs-%.12s-%d", hex, getpid());
	rm_rf_at(s->fd, tmp);
	if (mkdirat(s->fd, tmp, 0755) < 0) {
		arena_free(&a);
		return err_sys(errno, "image %s: cannot create %s/%s", digest, s->root, tmp);
	}
	_cleanup_close_ int rootfd = openat(s->fd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct img_unpack_stats stats = { 0 };
	r = rootfd < 0 ? err_sys(errno, "image %s: %s", digest, tmp) : 0;
	for (size_t i = 0; r == 0 && i < img.manifest.nlayers; i++) {
		const struct img_desc *d = &img.manifest.layers[i];
		_cleanup_close_ int lfd = img_blob_open(s, d->digest);
		r = lfd < 0 ? lfd : img_unpack_layer(rootfd, lfd, d->media_type, d->digest, o, &stats);
		if (r < 0)
			r = err_ctx(r, "image %s: layer %zu of %zu", digest, i + 1, img.manifest.nlayers);
	}
	/* The root is shared and read-only at run time: the standard mount points must exist before that. */
	static const char *const mount_points[] = { "/proc", "/sys", "/dev", "/tmp", "/run", "/etc" };
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(mount_points); i++) {
		int mfd = in_root_mkdirs(rootfd, mount_points[i], 0755, IN_ROOT_FOLLOW);
		if (mfd < 0)
			r = err_ctx(mfd, "image %s: cannot create the mount point %s", digest, mount_points[i]);
		else
			close(mfd);
	}
	if (rootfd >= 0 && fchmod(rootfd, 0755) < 0 && r == 0)
		r = err_sys(errno, "image %s: chmod %s", digest, tmp);
	arena_free(&a);
	if (r == 0 && renameat(s->fd, tmp, s->fd, final) < 0 && errno != EEXIST && errno != ENOTEMPTY)
		r = err_sys(errno, "image %s: cannot rename %s into %s", digest, tmp, final);
	if (r < 0 || fstatat(s->fd, tmp, &st, AT_SYMLINK_NOFOLLOW) == 0)
		rm_rf_at(s->fd, tmp); /* failed, or another unpack won the race */
	if (r < 0)
		return r;
	if (stats.devices_skipped || stats.setid_stripped || stats.unsafe_skipped)
		log_warn("image %s: %zu device nodes skipped, %zu setuid/setgid bits stripped, %zu unsafe entries "
			 "skipped",
			 digest, stats.devices_skipped, stats.setid_stripped, stats.unsafe_skipped);
	return 0;
}

int img_rootfs(struct img_store *s, const char *digest, const struct img_unpack_opts *o, char **path)
{
	char hex[65], final[128];
	int r = img_digest_check(digest, hex);
	if (r < 0)
		return r;
	snprintf(final, sizeof(final), "rootfs/%s", hex);
	if ((r = img_rootfs_lookup(s, digest, path)) != -ENOENT)
		return r;
	if ((r = unpack_image(s, digest, hex, final, o)) < 0)
		return r;
	return img_rootfs_lookup(s, digest, path);
}
