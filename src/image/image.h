/*
 * The content-addressed image store.  Layout under the store root:
 *
 *     blobs/sha256/<hex>      every manifest, index, config and layer, by digest
 *     tmp/                    blobs being written and rootfs being unpacked
 *     refs.json               name:tag -> manifest digest (updated under flock, atomically)
 *     rootfs/<manifest-hex>/  the image's layers unpacked once, read by the runtime
 *
 * Nothing enters blobs/ unless its sha256 matched while it was streamed in,
 * and manifests/configs are hashed again every time they are read, so a blob
 * altered on disk is refused rather than trusted.  Layers are hashed while
 * they are unpacked.  Functions return 0 or -errno with err_msg() set.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/arena.h"

#define IMG_DEFAULT_STORE "/var/lib/stockade"
#define IMG_DIGEST_LEN 71  /* "sha256:" + 64 hex */
#define IMG_MAX_MANIFEST (4u << 20) /* manifests, indexes and configs are small JSON */
#define IMG_DEFAULT_UNPACK_LIMIT (8ull << 30)

#define IMG_MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define IMG_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define IMG_MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define IMG_MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define IMG_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define IMG_MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"

struct img_store {
	int fd;     /* O_DIRECTORY fd of the root */
	char *root; /* for messages and for img_rootfs's returned path */
};

/* --store DIR, else $STOCKADE_STORE, else IMG_DEFAULT_STORE. */
const char *img_store_path(const char *opt);
/* Open (creating the layout when missing) the store at root. */
int img_store_open(const char *root, struct img_store *s);
void img_store_close(struct img_store *s);

/* "sha256:<64 lowercase hex>" -> hex (65 bytes with NUL); -EINVAL with a message otherwise. */
int img_digest_check(const char *digest, char hex[65]);
void img_sha256_hex(const void *buf, size_t len, char hex[65]);
/* 32 bytes -> 64 lowercase hex digits and a NUL. */
void img_hex(const unsigned char md[32], char hex[65]);

/* ---- blobs ---------------------------------------------------------- */

/*
 * Streaming writer: bytes go to a temp file in the store while being hashed;
 * commit compares the digest (and the expected size when >= 0), fsyncs and
 * renames into blobs/.  On any mismatch or error nothing is stored and the
 * temp file is gone.  abort is safe after commit (no-op) and on NULL.
 */
struct img_blob_writer;
int img_blob_begin(struct img_store *s, const char *digest, int64_t size, struct img_blob_writer **out);
int img_blob_write(struct img_blob_writer *w, const void *buf, size_t len);
int img_blob_commit(struct img_blob_writer *w); /* frees w */
/* digest NULL at begin: the blob is named by its content; commit reports the name. */
int img_blob_commit_digest(struct img_blob_writer *w, char digest[IMG_DIGEST_LEN + 1]);
void img_blob_abort(struct img_blob_writer *w); /* frees w, removes the temp file */
/* Whole buffer in one call. */
int img_blob_put(struct img_store *s, const char *digest, const void *buf, size_t len);
/* Copy fd to EOF into the store, verifying (digest NULL: named by content, returned in got). */
int img_blob_put_fd(struct img_store *s, const char *digest, int64_t size, int fd, char got[IMG_DIGEST_LEN + 1]);
bool img_blob_exists(struct img_store *s, const char *digest);
/* Read a small blob (manifest, config) and re-hash it: a modified blob is refused. */
int img_blob_read(struct img_store *s, const char *digest, size_t max, char **out, size_t *len);
/* O_RDONLY fd of a blob (layers: the unpacker hashes as it reads). */
int img_blob_open(struct img_store *s, const char *digest);
int img_blob_remove(struct img_store *s, const char *digest);

/* ---- references ----------------------------------------------------- */

struct img_ref {
	char name[256];   /* "docker.io/library/busybox" */
	char tag[128];    /* "latest" unless a digest alone was given; "" then */
	char digest[IMG_DIGEST_LEN + 1]; /* "" unless name@sha256:... */
};
/*
 * Parse and normalise: "busybox" -> docker.io/library/busybox:latest,
 * "me/app:1" -> docker.io/me/app:1, "localhost:5000/a@sha256:..." kept.
 * A bare "sha256:..." (or its 12+ hex prefix, with a store) is a digest.
 */
int img_ref_parse(const char *in, struct img_ref *out);
/* "name:tag" or "name@digest" for messages and output. */
void img_ref_format(const struct img_ref *r, bool pinned, char *buf, size_t n);

/* Record name:tag -> manifest digest (replacing an older one). */
int img_tag(struct img_store *s, const struct img_ref *r, const char *digest);
/* Resolve a reference to its manifest digest via refs.json (or the digest itself when pinned and stored). */
int img_resolve(struct img_store *s, const char *ref, char digest[IMG_DIGEST_LEN + 1]);

struct img_listing {
	char *name, *tag, *digest;
};
/* Every reference, in the arena. */
int img_list(struct img_store *s, struct arena *a, struct img_listing **out, size_t *n);

/* ---- manifests and configs ---------------------------------------- */

struct img_desc {
	char *media_type;
	char digest[IMG_DIGEST_LEN + 1];
	int64_t size;
	char *os, *arch, *variant; /* index entries only */
};

struct img_manifest {
	char *media_type;
	struct img_desc config;
	struct img_desc *layers;
	size_t nlayers;
};

/* An index or manifest list: pick the entry for os/arch ("linux", "amd64"). */
int img_index_pick(const char *json, size_t len, const char *what, const char *os, const char *arch,
		   char digest[IMG_DIGEST_LEN + 1]);
/* Is this JSON an index / manifest list (1), a manifest (0)? -EINVAL for neither. */
int img_json_kind(const char *json, size_t len, const char *what);
int img_manifest_parse(const char *json, size_t len, const char *what, struct arena *a, struct img_manifest *m);

struct img_config {
	char **entrypoint, **cmd, **env, **exposed_ports, **volumes; /* NULL-terminated; NULL when unset */
	char *working_dir, *user, *stop_signal;
	char *created, *os, *arch;
	char **diff_ids; /* rootfs.diff_ids */
	size_t ndiff_ids;
};
int img_config_parse(const char *json, size_t len, const char *what, struct arena *a, struct img_config *c);

/* Read, re-verify and parse the manifest (and its config) an image digest names. */
struct img_image {
	char digest[IMG_DIGEST_LEN + 1];
	struct img_manifest manifest;
	struct img_config config;
	int64_t size; /* config + layers, compressed */
};
int img_image_load(struct img_store *s, const char *digest, struct arena *a, struct img_image *img);

/* ---- unpacking ------------------------------------------------------ */

struct img_unpack_opts {
	uint64_t max_total;   /* bytes of file content over all layers; 0: IMG_DEFAULT_UNPACK_LIMIT */
	bool keep_setuid;     /* policy may allow; stripped by default */
};
struct img_unpack_stats {
	size_t devices_skipped, setid_stripped, unsafe_skipped, entries;
	uint64_t bytes;
};
/*
 * Unpack one layer read from fd (tar, tar+gzip or tar+zstd as media_type
 * says) into the directory rootfd.  When digest is non-NULL the compressed
 * stream is hashed as it is read and a mismatch fails the layer.
 */
int img_unpack_layer(int rootfd, int fd, const char *media_type, const char *digest,
		     const struct img_unpack_opts *o, struct img_unpack_stats *st);
/*
 * The image's read-only root: rootfs/<manifest-hex>, unpacked on first use
 * into tmp/ and renamed into place when complete.  *path is malloc'd.
 */
int img_rootfs(struct img_store *s, const char *digest, const struct img_unpack_opts *o, char **path);
/* The same root only when it is already unpacked (-ENOENT otherwise); needs no libarchive (store.c). */
int img_rootfs_lookup(struct img_store *s, const char *digest, char **path);

/* ---- load / remove ------------------------------------------------- */

/*
 * Load a docker save archive, an OCI archive or an OCI layout directory.
 * Every blob is verified; an image is tagged only once all its blobs are in.
 * The pinned references ("name@sha256:...") are appended to *pinned (malloc'd
 * strings, NULL-terminated array).
 */
int img_load(struct img_store *s, const char *path, char ***pinned);
/* Remove a reference; when no reference uses the image any more, its rootfs and the blobs only it used. */
int img_remove(struct img_store *s, const char *ref);

/* ---- pull (src/image/pull.c, registry.c) ---------------------------- */

struct img_pull_opts {
	const char **insecure_registries; /* plain HTTP allowed for these hosts (NULL-terminated); loopback always */
	const char *auth_file;            /* NULL: $DOCKER_CONFIG/config.json, else ~/.docker/config.json */
	bool progress;                    /* a progress display on stderr (the caller checks isatty) */
	const struct img_unpack_opts *unpack; /* NULL: defaults (setuid bits stripped) */
	bool quiet;
};
/*
 * Pull REF (tag or digest) over the OCI distribution API: resolve the tag,
 * pick linux/amd64, fetch config and layers (blobs already stored are
 * skipped), verify every one while it streams into the store, tag, unpack.
 * All or nothing: on any error the blobs this pull added are removed.
 * digest receives the manifest digest (the pinned reference is name@digest).
 */
int img_pull(struct img_store *s, const char *ref, const struct img_pull_opts *o, char digest[IMG_DIGEST_LEN + 1]);
