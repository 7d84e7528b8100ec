/*
 * The image store: references, the verifying blob writer, manifests and
 * configs, and unpacking hostile layers built here with libarchive's writer.
 * Every unpack test checks a sentinel directory next to the rootfs: nothing
 * may appear in it, whatever the layer says.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/image.h"
#include "util/err.h"
#include "util/fs.h"

static char tmp[PATH_MAX], host[PATH_MAX + 16];
static int rootfd = -1;
static struct img_store store;

static int setup(void **st)
{
	(void)st;
	char p[PATH_MAX + 32];
	snprintf(tmp, sizeof(tmp), "/tmp/stockade-image-XXXXXX");
	if (!mkdtemp(tmp))
		return -1;
	snprintf(p, sizeof(p), "%s/root", tmp);
	if (mkdir(p, 0755) < 0)
		return -1;
	rootfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	snprintf(host, sizeof(host), "%s/host", tmp);
	if (mkdir(host, 0755) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s/secret", host);
	if (write_file_atomic_at(AT_FDCWD, p, "s", 1, 0644) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s/store", tmp);
	return rootfd < 0 || img_store_open(p, &store) < 0 ? -1 : 0;
}

static int teardown(void **st)
{
	(void)st;
	close(rootfd);
	img_store_close(&store);
	return rm_rf_at(AT_FDCWD, tmp) < 0 ? -1 : 0;
}

/* The sentinel: host/ holds exactly "secret", with one link and its content. */
static void assert_host_untouched(void)
{
	DIR *d = opendir(host);
	assert_non_null(d);
	struct dirent *de;
	int n = 0;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.') {
			assert_string_equal(de->d_name, "secret");
			n++;
		}
	closedir(d);
	assert_int_equal(n, 1);
	char p[PATH_MAX + 32], buf[8] = "";
	struct stat st;
	snprintf(p, sizeof(p), "%s/secret", host);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_nlink, 1);
	assert_true(read_small_at(AT_FDCWD, p, buf, sizeof(buf)) >= 0);
	assert_string_equal(buf, "s");
}

static bool in_root(const char *path, struct stat *st)
{
	struct stat dummy;
	return fstatat(rootfd, path, st ? st : &dummy, AT_SYMLINK_NOFOLLOW) == 0;
}

/* ---- building layers ------------------------------------------------ */

struct ent {
	const char *path;
	mode_t type; /* AE_IFREG, AE_IFDIR, AE_IFLNK, AE_IFCHR; 0 = hardlink */
	mode_t perm;
	const char *data; /* content, or link target */
};

/* A tar (gzip when gz) of the entries in a memfd, rewound. */
static int layer(const struct ent *e, size_t n, bool gz)
{
	size_t cap = 1 << 20, used = 0;
	char *buf = malloc(cap);
	struct archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	if (gz)
		archive_write_add_filter_gzip(a);
	assert_int_equal(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *ae = archive_entry_new();
		archive_entry_set_pathname(ae, e[i].path);
		archive_entry_set_mtime(ae, 1000000000, 0);
		archive_entry_set_uid(ae, 1234);
		archive_entry_set_gid(ae, 5678);
		if (e[i].type == 0) {
			archive_entry_set_hardlink(ae, e[i].data);
			archive_entry_set_filetype(ae, AE_IFREG);
			archive_entry_set_perm(ae, 0644);
		} else {
			archive_entry_set_filetype(ae, e[i].type);
			archive_entry_set_perm(ae, e[i].perm ? e[i].perm : 0644);
			if (e[i].type == AE_IFLNK)
				archive_entry_set_symlink(ae, e[i].data);
			if (e[i].type == AE_IFCHR)
				archive_entry_set_rdev(ae, makedev(1, 3));
			if (e[i].type == AE_IFREG)
				archive_entry_set_size(ae, e[i].data ? (la_int64_t)strlen(e[i].data) : 0);
		}
		assert_int_equal(archive_write_header(a, ae), ARCHIVE_OK);
		if (e[i].type == AE_IFREG && e[i].data)
			archive_write_data(a, e[i].data, strlen(e[i].data));
		archive_entry_free(ae);
	}
	archive_write_close(a);
	archive_write_free(a);
	int fd = memfd_create("layer", MFD_CLOEXEC);
	assert_int_equal(write_all(fd, buf, used), 0);
	free(buf);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static int unpack(const struct ent *e, size_t n, struct img_unpack_stats *st)
{
	int fd = layer(e, n, false);
	int r = img_unpack_layer(rootfd, fd, "application/vnd.oci.image.layer.v1.tar", NULL, NULL, st);
	close(fd);
	return r;
}

/* ---- references ----------------------------------------------------- */

static void expect_ref(const char *in, const char *name, const char *tag, const char *digest)
{
	struct img_ref r;
	assert_int_equal(img_ref_parse(in, &r), 0);
	assert_string_equal(r.name, name);
	assert_string_equal(r.tag, tag);
	assert_string_equal(r.digest, digest);
}

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_ref_normalise(void **st)
{
	(void)st;
	expect_ref("busybox", "docker.io/library/busybox", "latest", "");
	expect_ref("busybox:1.36", "docker.io/library/busybox", "1.36", "");
	expect_ref("me/app:v1", "docker.io/me/app", "v1", "");
	expect_ref("localhost:5000/a/b", "localhost:5000/a/b", "latest", "");
	expect_ref("ghcr.io/x/y@sha256:" D64, "ghcr.io/x/y", "", "sha256:" D64);
	expect_ref("quay.io/x/y:t@sha256:" D64, "quay.io/x/y", "t", "sha256:" D64);
	expect_ref("sha256:" D64, "", "", "sha256:" D64);
	struct img_ref r;
	assert_int_equal(img_ref_parse("Busybox", &r), -EINVAL);
	assert_non_null(strstr(err_msg(), "lowercase"));
	assert_int_equal(img_ref_parse("busybox:", &r), -EINVAL);
	assert_non_null(strstr(err_msg(), "tag"));
	assert_int_equal(img_ref_parse("busybox@sha256:abc", &r), -EINVAL);
	assert_non_null(strstr(err_msg(), "64 hex digits"));
	assert_int_equal(img_ref_parse("a b", &r), -EINVAL);
	assert_int_equal(img_ref_parse("", &r), -EINVAL);
}

/* ---- blobs ---------------------------------------------------------- */

static size_t count_dir(const char *sub)
{
	char p[PATH_MAX + 32];
	snprintf(p, sizeof(p), "%s/store/%s", tmp, sub);
	DIR *d = opendir(p);
	size_t n = 0;
	struct dirent *de;
	while (d && (de = readdir(d)))
		n += de->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

static void test_blob_writer(void **st)
{
	(void)st;
	const char *data = "hello blob";
	char hex[65], digest[80];
	img_sha256_hex(data, strlen(data), hex);
	snprintf(digest, sizeof(digest), "sha256:%s", hex);

	/* a wrong digest: nothing stored, no temp file left */
	assert_int_equal(img_blob_put(&store, "sha256:" D64, data, strlen(data)), -EIO);
	assert_non_null(strstr(err_msg(), "sha256:" D64));
	assert_non_null(strstr(err_msg(), hex));
	assert_non_null(strstr(err_msg(), "nothing was stored"));
	assert_false(img_blob_exists(&store, "sha256:" D64));
	assert_int_equal(count_dir("blobs/sha256"), 0);
	assert_int_equal(count_dir("tmp"), 0);

	/* more data than declared stops the stream; an aborted writer leaves nothing */
	struct img_blob_writer *w;
	assert_int_equal(img_blob_begin(&store, digest, 3, &w), 0);
	assert_int_equal(img_blob_write(w, data, strlen(data)), -EIO);
	img_blob_abort(w);
	assert_int_equal(count_dir("tmp"), 0);
	assert_false(img_blob_exists(&store, digest));

	/* right digest, streamed in pieces */
	assert_int_equal(img_blob_begin(&store, digest, (int64_t)strlen(data), &w), 0);
	assert_int_equal(img_blob_write(w, data, 5), 0);
	assert_int_equal(img_blob_write(w, data + 5, strlen(data) - 5), 0);
	assert_int_equal(img_blob_commit(w), 0);
	assert_true(img_blob_exists(&store, digest));
	assert_int_equal(count_dir("tmp"), 0);

	/* re-hashed on read: a blob changed on disk is refused */
	char *buf;
	size_t len;
	assert_int_equal(img_blob_read(&store, digest, 100, &buf, &len), 0);
	assert_memory_equal(buf, data, len);
	free(buf);
	char p[PATH_MAX + 128];
	snprintf(p, sizeof(p), "%s/store/blobs/sha256/%s", tmp, hex);
	assert_int_equal(write_file_atomic_at(AT_FDCWD, p, "HELLO blob", 10, 0644), 0);
	assert_int_equal(img_blob_read(&store, digest, 100, &buf, &len), -EIO);
	assert_non_null(strstr(err_msg(), "modified on disk"));
}

static void test_refs_resolve_remove(void **st)
{
	(void)st;
	const char *man = "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:" D64 "\",\"size\":1},\"layers\":[]}";
	char hex[65], digest[80], got[80];
	img_sha256_hex(man, strlen(man), hex);
	snprintf(digest, sizeof(digest), "sha256:%s", hex);
	assert_int_equal(img_blob_put(&store, digest, man, strlen(man)), 0);
	struct img_ref r;
	assert_int_equal(img_ref_parse("busybox:1", &r), 0);
	assert_int_equal(img_tag(&store, &r, digest), 0);
	assert_int_equal(img_resolve(&store, "docker.io/library/busybox:1", got), 0);
	assert_string_equal(got, digest);
	char prefix[13];
	snprintf(prefix, sizeof(prefix), "%.12s", hex);
	assert_int_equal(img_resolve(&store, prefix, got), 0);
	assert_int_equal(img_resolve(&store, "busybox:2", got), -ENOENT);
	assert_non_null(strstr(err_msg(), "busybox:2"));
	assert_int_equal(img_remove(&store, "busybox:1"), 0);
	assert_int_equal(img_resolve(&store, "busybox:1", got), -ENOENT);
	assert_false(img_blob_exists(&store, digest));
}

/* ---- manifests ------------------------------------------------------ */

static void test_index_pick(void **st)
{
	(void)st;
	char d[80];
	const char *oci = "{\"schemaVersion\":2,\"mediaType\":\"" IMG_MT_OCI_INDEX "\",\"manifests\":["
			  "{\"mediaType\":\"" IMG_MT_OCI_MANIFEST "\",\"digest\":\"sha256:" D64 "\",\"size\":5,"
			  "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}},"
			  "{\"mediaType\":\"" IMG_MT_OCI_MANIFEST "\",\"digest\":\"sha256:"
			  "1111111111111111111111111111111111111111111111111111111111111111\",\"size\":5,"
			  "\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}";
	assert_int_equal(img_json_kind(oci, strlen(oci), "t"), 1);
	assert_int_equal(img_index_pick(oci, strlen(oci), "t", "linux", "amd64", d), 0);
	assert_string_equal(d, "sha256:1111111111111111111111111111111111111111111111111111111111111111");
	assert_int_equal(img_index_pick(oci, strlen(oci), "t", "linux", "s390x", d), -ENOENT);
	assert_non_null(strstr(err_msg(), "linux/s390x"));

	const char *docker = "{\"schemaVersion\":2,\"mediaType\":\"" IMG_MT_DOCKER_LIST "\",\"manifests\":["
			     "{\"mediaType\":\"" IMG_MT_DOCKER_MANIFEST "\",\"digest\":\"sha256:" D64 "\",\"size\":5,"
			     "\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}";
	assert_int_equal(img_index_pick(docker, strlen(docker), "t", "linux", "amd64", d), 0);
	assert_string_equal(d, "sha256:" D64);

	const char *bad = "{\"manifests\":[{\"digest\":\"md5:abc\",\"size\":1}]}";
	assert_int_equal(img_index_pick(bad, strlen(bad), "idx", "linux", "amd64", d), -EINVAL);
	assert_non_null(strstr(err_msg(), "manifests[0].digest"));
	assert_int_equal(img_index_pick("{", 1, "idx", "linux", "amd64", d), -EINVAL);
	assert_non_null(strstr(err_msg(), "not valid JSON"));
}

static void test_manifest_parse(void **st)
{
	(void)st;
	struct arena a = { 0 };
	struct img_manifest m;
	const char *oci = "{\"schemaVersion\":2,\"mediaType\":\"" IMG_MT_OCI_MANIFEST "\","
			  "\"config\":{\"mediaType\":\"" IMG_MT_OCI_CONFIG "\",\"digest\":\"sha256:" D64 "\",\"size\":7},"
			  "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+zstd\",\"digest\":"
			  "\"sha256:" D64 "\",\"size\":9}]}";
	assert_int_equal(img_json_kind(oci, strlen(oci), "t"), 0);
	assert_int_equal(img_manifest_parse(oci, strlen(oci), "m", &a, &m), 0);
	assert_int_equal(m.nlayers, 1);
	assert_int_equal(m.config.size, 7);
	assert_int_equal(m.layers[0].size, 9);

	const char *docker = "{\"schemaVersion\":2,\"mediaType\":\"" IMG_MT_DOCKER_MANIFEST "\","
			     "\"config\":{\"mediaType\":\"" IMG_MT_DOCKER_CONFIG "\",\"digest\":\"sha256:" D64 "\",\"size\":7},"
			     "\"layers\":[{\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"digest\":"
			     "\"sha256:" D64 "\",\"size\":9}]}";
	assert_int_equal(img_manifest_parse(docker, strlen(docker), "m", &a, &m), 0);
	assert_string_equal(m.media_type, IMG_MT_DOCKER_MANIFEST);

	const char *foreign = "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:" D64 "\",\"size\":7},"
			      "\"layers\":[{\"mediaType\":\"application/x-rar\",\"digest\":\"sha256:" D64 "\",\"size\":9}]}";
	assert_int_equal(img_manifest_parse(foreign, strlen(foreign), "m", &a, &m), -EINVAL);
	assert_non_null(strstr(err_msg(), "layers[0].mediaType \"application/x-rar\""));
	const char *v1 = "{\"schemaVersion\":1}";
	assert_int_equal(img_manifest_parse(v1, strlen(v1), "m", &a, &m), -EINVAL);
	assert_non_null(strstr(err_msg(), "schema 1"));
	const char *neg = "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:" D64 "\",\"size\":-1},\"layers\":[]}";
	assert_int_equal(img_manifest_parse(neg, strlen(neg), "m", &a, &m), -EINVAL);
	assert_non_null(strstr(err_msg(), "config.size"));
	arena_free(&a);
}

static void test_config_parse(void **st)
{
	(void)st;
	struct arena a = { 0 };
	struct img_config c;
	const char *j = "{\"created\":\"2024-01-01T00:00:00Z\",\"os\":\"linux\",\"architecture\":\"amd64\","
			"\"config\":{\"Entrypoint\":[\"/bin/sh\",\"-c\"],\"Cmd\":[\"echo hi\"],\"Env\":[\"PATH=/bin\"],"
			"\"WorkingDir\":\"/srv\",\"User\":\"1000:1000\",\"ExposedPorts\":{\"80/tcp\":{}},"
			"\"Volumes\":{\"/data\":{}},\"StopSignal\":\"SIGQUIT\"},"
			"\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:" D64 "\"]}}";
	assert_int_equal(img_config_parse(j, strlen(j), "c", &a, &c), 0);
	assert_string_equal(c.entrypoint[0], "/bin/sh");
	assert_string_equal(c.entrypoint[1], "-c");
	assert_null(c.entrypoint[2]);
	assert_string_equal(c.cmd[0], "echo hi");
	assert_string_equal(c.env[0], "PATH=/bin");
	assert_string_equal(c.working_dir, "/srv");
	assert_string_equal(c.user, "1000:1000");
	assert_string_equal(c.exposed_ports[0], "80/tcp");
	assert_string_equal(c.volumes[0], "/data");
	assert_string_equal(c.stop_signal, "SIGQUIT");
	assert_int_equal(c.ndiff_ids, 1);

	const char *empty = "{\"config\":{}}";
	assert_int_equal(img_config_parse(empty, strlen(empty), "c", &a, &c), 0);
	assert_null(c.cmd);
	assert_null(c.user);
	const char *bad = "{\"config\":{\"Cmd\":[\"a\",1]}}";
	assert_int_equal(img_config_parse(bad, strlen(bad), "c", &a, &c), -EINVAL);
	assert_non_null(strstr(err_msg(), "Cmd[1]"));
	arena_free(&a);
}

/* ---- unpacking ------------------------------------------------------ */

static void test_unpack_plain_gzip_and_digest(void **st)
{
	(void)st;
	const struct ent e[] = {
		{ "./bin/", AE_IFDIR, 0755, NULL },
		{ "./bin/tool", AE_IFREG, 0750, "#!x" },
		{ "bin/alias", AE_IFLNK, 0777, "tool" },
		{ "bin/hard", 0, 0, "bin/tool" },
	};
	int fd = layer(e, 4, true);
	struct img_unpack_stats s = { 0 };
	/* the stream must hash to the digest given */
	assert_int_equal(img_unpack_layer(rootfd, fd, "application/vnd.oci.image.layer.v1.tar+gzip", "sha256:" D64,
					  NULL, &s),
			 -EIO);
	assert_non_null(strstr(err_msg(), "sha256 mismatch"));
	/* the media type must match the compression */
	lseek(fd, 0, SEEK_SET);
	assert_int_equal(img_unpack_layer(rootfd, fd, "application/vnd.oci.image.layer.v1.tar+zstd", NULL, NULL, &s),
			 -EINVAL);
	assert_non_null(strstr(err_msg(), "but the stream is gzip"));
	lseek(fd, 0, SEEK_SET);
	memset(&s, 0, sizeof(s));
	assert_int_equal(img_unpack_layer(rootfd, fd, "application/vnd.oci.image.layer.v1.tar+gzip", NULL, NULL, &s), 0);
	close(fd);
	struct stat sb, hb;
	assert_true(in_root("bin/tool", &sb));
	assert_int_equal(sb.st_mode & 07777, 0750);
	assert_int_equal(sb.st_mtime, 1000000000);
	if (geteuid() == 0) {
		assert_int_equal(sb.st_uid, 1234);
		assert_int_equal(sb.st_gid, 5678);
	}
	assert_true(in_root("bin", &hb));
	assert_int_equal(hb.st_mtime, 1000000000); /* though entries were written into it after */
	assert_true(in_root("bin/alias", &hb) && S_ISLNK(hb.st_mode));
	assert_true(in_root("bin/hard", &hb));
	assert_int_equal(hb.st_ino, sb.st_ino);
	assert_host_untouched();
}

static void test_unpack_absolute_and_dotdot(void **st)
{
	(void)st;
	char abs[PATH_MAX + 32], up[64];
	snprintf(abs, sizeof(abs), "%s/abs", host);
	snprintf(up, sizeof(up), "../host/up");
	const struct ent e[] = {
		{ abs, AE_IFREG, 0644, "x" },
		{ up, AE_IFREG, 0644, "x" },
		{ "a/../../host/up2", AE_IFREG, 0644, "x" },
		{ "ok", AE_IFREG, 0644, "fine" },
	};
	struct img_unpack_stats s = { 0 };
	assert_int_equal(unpack(e, 4, &s), 0);
	assert_int_equal(s.unsafe_skipped, 3);
	assert_true(in_root("ok", NULL));
	assert_host_untouched();
}

static void test_unpack_symlink_write_through(void **st)
{
	(void)st;
	/* a -> the host dir (absolute), b -> climbing relative; then files written through them */
	const struct ent e[] = {
		{ "a", AE_IFLNK, 0777, host },
		{ "b", AE_IFLNK, 0777, "../../../../../../host" },
		{ "x", AE_IFLNK, 0777, "/etc" },
		{ "a/pwned", AE_IFREG, 0644, "x" },
		{ "b/pwned", AE_IFREG, 0644, "x" },
		{ "x/passwd", AE_IFREG, 0644, "root:x:0:0::/:/bin/sh\n" },
	};
	struct img_unpack_stats s = { 0 };
	assert_int_equal(unpack(e, 6, &s), 0);
	assert_host_untouched();
	/* they landed inside the root, where the links point when the root is "/" */
	char p[PATH_MAX + 16];
	snprintf(p, sizeof(p), "%s/pwned", host + 1);
	assert_true(in_root(p, NULL));
	assert_true(in_root("host/pwned", NULL));
	struct stat sb;
	assert_true(in_root("etc/passwd", &sb) && S_ISREG(sb.st_mode));

	/* a later layer planting the link, and a file entry replacing a link never follows it */
	const struct ent e2[] = {
		{ "a", AE_IFREG, 0644, "replaced" },
	};
	assert_int_equal(unpack(e2, 1, &s), 0);
	assert_true(in_root("a", &sb) && S_ISREG(sb.st_mode));
	/* a link to itself ("/etc -> /etc") is a loop: the layer fails, nothing escapes */
	const struct ent e3[] = {
		{ "etc", AE_IFLNK, 0777, "/etc" },
		{ "etc/shadow", AE_IFREG, 0644, "x" },
	};
	assert_int_equal(unpack(e3, 2, &s), -ELOOP);
	assert_non_null(strstr(err_msg(), "etc/shadow"));
	assert_host_untouched();
}

static void test_unpack_hardlink_outside(void **st)
{
	(void)st;
	char target[PATH_MAX + 32];
	snprintf(target, sizeof(target), "%s/secret", host);
	const struct ent e[] = {
		{ "h1", 0, 0, "../host/secret" },
		{ "h2", 0, 0, target },
		{ "l", AE_IFLNK, 0777, host },
	};
	struct img_unpack_stats s = { 0 };
	assert_int_equal(unpack(e, 3, &s), 0);
	assert_int_equal(s.unsafe_skipped, 2);
	assert_false(in_root("h1", NULL));
	assert_false(in_root("h2", NULL));
	/* through a planted symlink: resolved inside the root, where there is no such file */
	const struct ent e2[] = { { "h3", 0, 0, "l/secret" } };
	assert_true(unpack(e2, 1, &s) < 0);
	assert_non_null(strstr(err_msg(), "h3"));
	assert_false(in_root("h3", NULL));
	assert_host_untouched();
}

static void test_unpack_device_and_setuid(void **st)
{
	(void)st;
	const struct ent e[] = {
		{ "null", AE_IFCHR, 0666, NULL },
		{ "su", AE_IFREG, 04755, "x" },
		{ "sg", AE_IFREG, 02755, "x" },
	};
	struct img_unpack_stats s = { 0 };
	assert_int_equal(unpack(e, 3, &s), 0);
	assert_int_equal(s.devices_skipped, 1);
	assert_int_equal(s.setid_stripped, 2);
	assert_false(in_root("null", NULL));
	struct stat sb;
	assert_true(in_root("su", &sb));
	assert_int_equal(sb.st_mode & 07777, 0755);
	assert_true(in_root("sg", &sb));
	assert_int_equal(sb.st_mode & 07777, 0755);
	assert_host_untouched();
}

static void test_unpack_whiteouts(void **st)
{
	(void)st;
	const struct ent l1[] = {
		{ "d/", AE_IFDIR, 0755, NULL },
		{ "d/a", AE_IFREG, 0644, "a" },
		{ "d/b", AE_IFREG, 0644, "b" },
		{ "o/", AE_IFDIR, 0755, NULL },
		{ "o/x", AE_IFREG, 0644, "x" },
		{ "o/sub/", AE_IFDIR, 0755, NULL },
		{ "f", AE_IFREG, 0644, "f" },
	};
	const struct ent l2[] = {
		{ "d/.wh.a", AE_IFREG, 0644, "" },
		{ "o/", AE_IFDIR, 0755, NULL },
		{ "o/y", AE_IFREG, 0644, "y" },
		{ "o/.wh..wh..opq", AE_IFREG, 0644, "" },
		{ ".wh.f", AE_IFREG, 0644, "" },
		{ ".wh.missing", AE_IFREG, 0644, "" },
		{ ".wh..", AE_IFREG, 0644, "" },     /* the root's parent: must not go */
		{ "d/.wh..", AE_IFREG, 0644, "" },   /* d's parent, the root itself */
		{ "d/.wh.", AE_IFREG, 0644, "" },
	};
	struct img_unpack_stats s = { 0 };
	assert_int_equal(unpack(l1, 7, &s), 0);
	assert_int_equal(unpack(l2, 9, &s), 0);
	assert_int_equal(s.unsafe_skipped, 3);
	assert_false(in_root("d/a", NULL));
	assert_true(in_root("d/b", NULL));
	assert_false(in_root("o/x", NULL));
	assert_false(in_root("o/sub", NULL));
	assert_true(in_root("o/y", NULL)); /* this layer's own entry survives its opaque marker */
	assert_false(in_root("f", NULL));
	assert_false(in_root("d/.wh.a", NULL));
	assert_false(in_root("o/.wh..wh..opq", NULL));
	assert_host_untouched();
}

/* A ustar header by hand: a declared size libarchive's writer would make us actually write. */
static void put_octal(char *f, size_t n, unsigned long long v)
{
	snprintf(f, n, "%0*llo", (int)n - 1, v);
}

static int lying_layer(unsigned long long size, bool base256)
{
	char h[512 * 3] = { 0 };
	snprintf(h, 100, "huge");
	put_octal(h + 100, 8, 0644);
	put_octal(h + 108, 8, 0);
	put_octal(h + 116, 8, 0);
	if (base256) {
		memset(h + 124, 0, 12);
		h[124] = (char)0x80;
		for (int i = 0; i < 8; i++)
			h[135 - i] = (char)((size >> (8 * i)) & 0xff);
	} else {
		put_octal(h + 124, 12, size);
	}
	put_octal(h + 136, 12, 0);
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	unsigned sum = 0;
	for (int i = 0; i < 512; i++)
		sum += (unsigned char)h[i];
	snprintf(h + 148, 8, "%06o", sum);
	int fd = memfd_create("lying", MFD_CLOEXEC);
	assert_int_equal(write_all(fd, h, sizeof(h)), 0);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static void test_unpack_size_limits(void **st)
{
	(void)st;
	struct img_unpack_stats s = { 0 };
	/* 1 TiB declared: over the default 8 GiB limit before a byte is written */
	int fd = lying_layer(1ull << 40, true);
	assert_int_equal(img_unpack_layer(rootfd, fd, "application/vnd.oci.image.layer.v1.tar", NULL, NULL, &s), -EFBIG);
	assert_non_null(strstr(err_msg(), "huge"));
	assert_non_null(strstr(err_msg(), "unpack limit"));
	close(fd);
	assert_false(in_root("huge", NULL));

	/* a configured limit counts across layers */
	struct img_unpack_opts o = { .max_total = 10 };
	memset(&s, 0, sizeof(s));
	const struct ent e[] = { { "f1", AE_IFREG, 0644, "123456" } };
	fd = layer(e, 1, false);
	assert_int_equal(img_unpack_layer(rootfd, fd, "application/vnd.oci.image.layer.v1.tar", NULL, &o, &s), 0);
	close(fd);
	const struct ent e2[] = { { "f2", AE_IFREG, 0644, "123456" } };
	fd = layer(e2, 1, false);
	assert_int_equal(img_unpack_layer(rootfd, fd, "application/vnd.oci.image.layer.v1.tar", NULL, &o, &s), -EFBIG);
	close(fd);

	/* a size claiming more than the stream holds is a corrupt layer, not a hang */
	memset(&s, 0, sizeof(s));
	fd = lying_layer(1 << 20, false);
	assert_true(img_unpack_layer(rootfd, fd, "application/vnd.oci.image.layer.v1.tar", NULL, NULL, &s) < 0);
	close(fd);
	assert_host_untouched();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ref_normalise),
		cmocka_unit_test_setup_teardown(test_blob_writer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refs_resolve_remove, setup, teardown),
		cmocka_unit_test(test_index_pick),
		cmocka_unit_test(test_manifest_parse),
		cmocka_unit_test(test_config_parse),
		cmocka_unit_test_setup_teardown(test_unpack_plain_gzip_and_digest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unpack_absolute_and_dotdot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unpack_symlink_write_through, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unpack_hardlink_outside, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unpack_device_and_setuid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unpack_whiteouts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unpack_size_limits, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
