/*
 * The blob writer: bytes stream into a temp file in the store while being
 * hashed (EVP); commit compares the digest and size, fsyncs and renames into
 * blobs/.  Only load and pull write blobs, so this lives in stockade-image and
 * the runtime binary (which only reads the store) does not link EVP.
 */
#include "image/image.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "util/err.h"
#include "util/fs.h"
#include "util/macros.h"
#include <openssl/evp.h>

/* ---- blobs ---------------------------------------------------------- */

struct img_blob_writer {
	struct img_store *s;
	int fd;
	char tmp[64];
	char hex[65];
	char digest[IMG_DIGEST_LEN + 1];
	int64_t want_size;
	uint64_t size;
	EVP_MD_CTX *md;
};

int img_blob_begin(struct img_store *s, const char *digest, int64_t size, struct img_blob_writer **out)
{
	char hex[65] = "";
	int r = digest ? img_digest_check(digest, hex) : 0;
	if (r < 0)
		return r;
	struct img_blob_writer *w = calloc(1, sizeof(*w));
	if (!w)
		return err_sys(ENOMEM, "blob %s", digest);
	w->s = s;
	memcpy(w->hex, hex, sizeof(hex));
	snprintf(w->digest, sizeof(w->digest), "%s", digest ? digest : "(by content)");
	w->want_size = size;
	snprintf(w->tmp, sizeof(w->tmp), "tmp/blob-XXXXXX");
	/* mkostempsat does not exist: build the name ourselves and O_EXCL it. */
	for (int tries = 0;; tries++) {
		snprintf(w->tmp, sizeof(w->tmp), "tmp/blob-%.12s-%d-%ld", digest ? hex : "new", getpid(), random());
		w->fd = openat(s->fd, w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (w->fd >= 0 || errno != EEXIST || tries > 100)
			break;
	}
	if (w->fd < 0) {
		r = err_sys(errno, "blob %s: cannot create a temporary file in %s/tmp", digest, s->root);
		free(w);
		return r;
	}
	w->md = EVP_MD_CTX_new();
	if (!w->md || EVP_DigestInit_ex(w->md, EVP_sha256(), NULL) != 1) {
		img_blob_abort(w);
		return err_set(ENOMEM, "blob %s: cannot start sha256", digest);
	}
	*out = w;
	return 0;
}

int img_blob_write(struct img_blob_writer *w, const void *buf, size_t len)
{
	w->size += len;
	if (w->want_size >= 0 && w->size > (uint64_t)w->want_size)
		return err_set(EIO, "blob %s: more data than the declared size %lld; the source is corrupt or lying",
			       w->digest, (long long)w->want_size);
	EVP_DigestUpdate(w->md, buf, len);
	int r = write_all(w->fd, buf, len);
	if (r < 0)
		return err_sys(-r, "blob %s: writing %s/%s", w->digest, w->s->root, w->tmp);
	return 0;
}

void img_blob_abort(struct img_blob_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0) {
		close(w->fd);
		unlinkat(w->s->fd, w->tmp, 0);
	}
	EVP_MD_CTX_free(w->md);
	free(w);
}

int img_blob_commit(struct img_blob_writer *w)
{
	return img_blob_commit_digest(w, NULL);
}

int img_blob_commit_digest(struct img_blob_writer *w, char digest[IMG_DIGEST_LEN + 1])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	char got[65], dst[128];
	int r = 0;

	EVP_DigestFinal_ex(w->md, md, &mdlen);
	img_hex(md, got);
	if (!w->hex[0]) {
		memcpy(w->hex, got, sizeof(got));
		snprintf(w->digest, sizeof(w->digest), "sha256:%s", got);
	}
	if (digest)
		snprintf(digest, IMG_DIGEST_LEN + 1, "%s", w->digest);
	if (w->want_size >= 0 && w->size != (uint64_t)w->want_size)
		r = err_set(EIO, "blob %s: expected %lld bytes, found %llu; nothing was stored", w->digest,
			    (long long)w->want_size, (unsigned long long)w->size);
	else if (!STREQ(got, w->hex))
		r = err_set(EIO, "blob %s: sha256 mismatch, the content hashes to sha256:%s; nothing was stored",
			    w->digest, got);
	else if (fsync(w->fd) < 0)
		r = err_sys(errno, "blob %s: fsync", w->digest);
	if (r == 0) {
		snprintf(dst, sizeof(dst), "blobs/sha256/%s", w->hex);
		if (renameat(w->s->fd, w->tmp, w->s->fd, dst) < 0)
			r = err_sys(errno, "blob %s: rename into %s/%s", w->digest, w->s->root, dst);
		else {
			close(w->fd);
			w->fd = -1;
			/* the rename must survive a crash too */
			_cleanup_close_ int d = openat(w->s->fd, "blobs/sha256", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
			if (d >= 0)
				fsync(d);
		}
	}
	img_blob_abort(w);
	return r;
}

int img_blob_put(struct img_store *s, const char *digest, const void *buf, size_t len)
{
	struct img_blob_writer *w;
	int r = img_blob_begin(s, digest, (int64_t)len, &w);
	if (r < 0)
		return r;
	if ((r = img_blob_write(w, buf, len)) < 0) {
		img_blob_abort(w);
		return r;
	}
	return img_blob_commit(w);
}

int img_blob_put_fd(struct img_store *s, const char *digest, int64_t size, int fd, char got[IMG_DIGEST_LEN + 1])
{
	struct img_blob_writer *w;
	_cleanup_free_ char *buf = malloc(1 << 16);
	if (!buf)
		return err_sys(ENOMEM, "blob %s", digest ? digest : "");
	int r = img_blob_begin(s, digest, size, &w);
	if (r < 0)
		return r;
	if (!digest)
		w->want_size = -1;
	for (;;) {
		ssize_t n = read(fd, buf, 1 << 16);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = err_sys(errno, "blob %s: reading the source", digest);
			break;
		}
		if (n == 0)
			return img_blob_commit_digest(w, got);
		if ((r = img_blob_write(w, buf, (size_t)n)) < 0)
			break;
	}
	img_blob_abort(w);
	return r;
}

