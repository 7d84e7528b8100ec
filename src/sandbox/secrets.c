/*
 * Secrets as files on a private tmpfs (see secrets.h).
 *
 * Order: the runtime parses the annotation and reads every source before it
 * claims the state directory, so a bad annotation leaves nothing behind and
 * the container's init never opens a host path.  The init (a copy of the
 * runtime's memory) builds the tmpfs as a detached mount (fsopen/fsmount),
 * writes the files through that mount's fd, makes it read-only and only then
 * attaches it at /run/secrets: the container never sees it writable.
 */
#include "sandbox/secrets.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "sandbox/mount.h"
#include "util/err.h"
#include "util/jsonr.h"
#include "util/macros.h"
#include "util/path.h"

#define JPATH "annotations." SECRETS_ANNOTATION

static bool name_ok(const char *n)
{
	if (!*n || STREQ(n, ".") || STREQ(n, ".."))
		return false;
	for (const char *p = n; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
		      *p == '_' || *p == '-'))
			return false;
	return true;
}

static int get_str(json_object *o, const char *config, size_t i, const char *key, char **out)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v))
		return err_set(EINVAL, "%s: " JPATH "[%zu].%s is missing; each secret is {\"name\": \"NAME\", \"source\": "
				       "\"/absolute/host/path\"}", config, i, key);
	if (!json_object_is_type(v, json_type_string)) {
		char d[64];
		jr_describe(v, d, sizeof(d));
		return err_set(EINVAL, "%s: " JPATH "[%zu].%s: expected a string, found %s", config, i, key, d);
	}
	const char *s = json_object_get_string(v);
	if (strlen(s) != (size_t)json_object_get_string_len(v))
		return err_set(EINVAL, "%s: " JPATH "[%zu].%s: a NUL byte in the string", config, i, key);
	*out = strdup(s);
	return *out ? 0 : err_sys(ENOMEM, "secrets");
}

int secrets_parse(const char *json, const char *config, struct secrets *out)
{
	memset(out, 0, sizeof(*out));
	char file[PATH_MAX + 64];
	snprintf(file, sizeof(file), "%s: " JPATH, config);
	json_object *top = NULL;
	int r = jr_parse(json, strlen(json), file, &top);
	if (r < 0)
		return err_hint(r, "the annotation's value is a JSON array: [{\"name\": \"NAME\", \"source\": \"/host/path\"}]");
	if (!json_object_is_type(top, json_type_array)) {
		char d[64];
		jr_describe(top, d, sizeof(d));
		json_object_put(top);
		return err_set(EINVAL, "%s: " JPATH ": expected an array of {\"name\", \"source\"} objects, found %s", config, d);
	}
	size_t n = json_object_array_length(top);
	if (n > SECRETS_MAX) {
		json_object_put(top);
		return err_set(EINVAL, "%s: " JPATH ": %zu secrets, at most %d", config, n, SECRETS_MAX);
	}
	out->v = calloc(n ? n : 1, sizeof(*out->v));
	if (!out->v) {
		json_object_put(top);
		return err_sys(ENOMEM, "secrets");
	}
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(top, i);
		struct secret *sc = &out->v[i];
		if (!json_object_is_type(e, json_type_object)) {
			char d[64];
			jr_describe(e, d, sizeof(d));
			r = err_set(EINVAL, "%s: " JPATH "[%zu]: expected an object {\"name\", \"source\"}, found %s", config, i, d);
			goto fail;
		}
		out->n = i + 1;
		json_object_object_foreach(e, key, val) {
			(void)val;
			if (!STREQ(key, "name") && !STREQ(key, "source")) {
				r = err_set(EINVAL, "%s: " JPATH "[%zu].%s: unknown field (a secret has \"name\" and \"source\")",
					    config, i, key);
				goto fail;
			}
		}
		if ((r = get_str(e, config, i, "name", &sc->name)) < 0 || (r = get_str(e, config, i, "source", &sc->source)) < 0)
			goto fail;
		if (!name_ok(sc->name) || strlen(sc->name) > 255) {
			r = err_set(EINVAL, "%s: " JPATH "[%zu].name: \"%s\" is not a file name; use letters, digits, \".\", "
					    "\"_\" and \"-\" (not \".\" or \"..\", at most 255)", config, i, sc->name);
			goto fail;
		}
		for (size_t k = 0; k < i; k++)
			if (STREQ(out->v[k].name, sc->name)) {
				r = err_set(EINVAL, "%s: " JPATH "[%zu].name: \"%s\" is already the name of [%zu]", config, i,
					    sc->name, k);
				goto fail;
			}
		if (sc->source[0] != '/' || strlen(sc->source) >= PATH_MAX) {
			r = err_set(EINVAL, "%s: " JPATH "[%zu].source: \"%s\" is not an absolute path; name the host file "
					    "from /", config, i, sc->source);
			goto fail;
		}
	}
	json_object_put(top);
	return 0;
fail:
	json_object_put(top);
	secrets_free(out);
	return r;
}

static int read_source(const char *config, size_t i, struct secret *sc)
{
	/* O_NONBLOCK: a FIFO must not hang the runtime before fstat refuses it */
	_cleanup_close_ int fd = open(sc->source, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return err_sys(errno, "%s: " JPATH "[%zu].source: cannot open %s", config, i, sc->source);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return err_sys(errno, "%s: " JPATH "[%zu].source: %s", config, i, sc->source);
	if (!S_ISREG(st.st_mode))
		return err_set(EINVAL, "%s: " JPATH "[%zu].source: %s is not a regular file (a secret is one file; "
				       "for a directory name each file)", config, i, sc->source);
	if (st.st_size > SECRET_MAX_SIZE)
		return err_set(EFBIG, "%s: " JPATH "[%zu].source: %s has %lld bytes, a secret may have at most %u (1 MiB)",
			       config, i, sc->source, (long long)st.st_size, SECRET_MAX_SIZE);
	sc->data = malloc(SECRET_MAX_SIZE + 1);
	if (!sc->data)
		return err_sys(ENOMEM, "secrets");
	size_t len = 0;
	for (;;) {
		ssize_t k = read(fd, sc->data + len, SECRET_MAX_SIZE + 1 - len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return err_sys(errno, "%s: " JPATH "[%zu].source: read %s", config, i, sc->source);
		if (k == 0)
			break;
		len += (size_t)k;
		if (len > SECRET_MAX_SIZE)
			return err_set(EFBIG, "%s: " JPATH "[%zu].source: %s grew beyond %u bytes while being read", config, i,
				       sc->source, SECRET_MAX_SIZE);
	}
	sc->len = len;
	return 0;
}

int secrets_load(const struct oci_spec *s, struct secrets *out)
{
	memset(out, 0, sizeof(*out));
	const char *json = oci_spec_annotation(s, SECRETS_ANNOTATION);
	if (!json)
		return 0;
	int r = secrets_parse(json, s->config_path, out);
	if (r < 0)
		return r;
	for (size_t i = 0; i < out->n; i++)
		if ((r = read_source(s->config_path, i, &out->v[i])) < 0) {
			secrets_free(out);
			return r;
		}
	return 0;
}

void secrets_free(struct secrets *sec)
{
	for (size_t i = 0; i < sec->n; i++) {
		struct secret *sc = &sec->v[i];
		if (sc->data) {
			explicit_bzero(sc->data, sc->len);
			free(sc->data);
		}
		free(sc->name);
		free(sc->source);
	}
	free(sec->v);
	memset(sec, 0, sizeof(*sec));
}

/* Is "/run" a tmpfs the config mounts, and nothing at or under /run/secrets? */
static int check_mounts(const struct oci_spec *s)
{
	bool run = false;
	for (size_t i = 0; i < s->n_mounts; i++) {
		char clean[PATH_MAX];
		if (path_clean(s->mounts[i].destination, clean, sizeof(clean)) < 0)
			continue;
		if (STREQ(clean, "/run"))
			run = s->mounts[i].type && STREQ(s->mounts[i].type, "tmpfs");
		if (STREQ(clean, "/run/secrets") || !strncmp(clean, "/run/secrets/", 13))
			return err_set(EINVAL, "%s: " JPATH ": %s also mounts %s, where the secrets go; remove that mount",
				       s->config_path, s->mounts[i].jpath, clean);
	}
	if (!run)
		return err_set(EINVAL, "%s: " JPATH ": secrets go on /run/secrets, which needs a tmpfs on /run mounted by the "
				       "config; add {\"destination\": \"/run\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", "
				       "\"options\": [\"nosuid\", \"nodev\", \"mode=755\"]} to mounts", s->config_path);
	return 0;
}

static int write_file(int dirfd, const struct secret *sc, uid_t uid, gid_t gid)
{
	_cleanup_close_ int fd = openat(dirfd, sc->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0400);
	if (fd < 0)
		return err_sys(errno, "/run/secrets/%s: create", sc->name);
	for (size_t off = 0; off < sc->len;) {
		ssize_t k = write(fd, sc->data + off, sc->len - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return err_sys(errno, "/run/secrets/%s: write", sc->name);
		off += (size_t)k;
	}
	if (fchown(fd, uid, gid) < 0)
		return err_sys(errno, "/run/secrets/%s: cannot give it to %u:%u (process.user; is it mapped in the user "
				      "namespace?)", sc->name, (unsigned)uid, (unsigned)gid);
	if (fchmod(fd, 0400) < 0)
		return err_sys(errno, "/run/secrets/%s: chmod", sc->name);
	return 0;
}

int secrets_mount(int rootfd, const struct oci_spec *s, const struct secrets *sec)
{
	if (!sec || sec->n == 0)
		return 0;
	int r = check_mounts(s);
	if (r < 0)
		return r;
	/* /run itself: no symlink on the way (not even one that stays inside), and the config's tmpfs */
	_cleanup_close_ int run = in_root_open(rootfd, "/run", O_PATH | O_DIRECTORY, IN_ROOT_NOFOLLOW);
	if (run < 0)
		return err_sys(run, "%s: " JPATH ": cannot open /run in the rootfs (it must be a directory, not a symlink)",
			       s->config_path);
	struct statfs sfs;
	if (fstatfs(run, &sfs) < 0)
		return err_sys(errno, "statfs /run");
	if (sfs.f_type != TMPFS_MAGIC)
		return err_set(EINVAL, "%s: " JPATH ": /run in the container is not a tmpfs; mount a tmpfs on /run",
			       s->config_path);
	if (mkdirat(run, "secrets", 0500) < 0 && errno != EEXIST)
		return err_sys(errno, "mkdir /run/secrets");
	_cleanup_close_ int dest = openat2_fd(run, "secrets", O_PATH | O_DIRECTORY | O_CLOEXEC, 0,
					      RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV);
	if (dest < 0)
		return err_sys(dest, "open /run/secrets");

	size_t total = 0;
	for (size_t i = 0; i < sec->n; i++)
		total += (sec->v[i].len + 4095) / 4096 * 4096;
	char data[128];
	snprintf(data, sizeof(data), "mode=0500,size=%zu,nr_inodes=%zu", total + 65536, sec->n + 16);
	_cleanup_close_ int mnt = -1;
	r = mount_new_fs("tmpfs", "secrets", data, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, &mnt);
	if (r < 0)
		return err_ctx(r, "/run/secrets");
	_cleanup_close_ int dir = openat(mnt, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return err_sys(errno, "/run/secrets: open");
	uid_t uid = s->process.user.uid;
	gid_t gid = s->process.user.gid;
	for (size_t i = 0; i < sec->n; i++)
		if ((r = write_file(dir, &sec->v[i], uid, gid)) < 0)
			return err_ctx(r, "%s: " JPATH "[%zu]", s->config_path, i);
	if (fchown(dir, uid, gid) < 0)
		return err_sys(errno, "/run/secrets: cannot give it to %u:%u (process.user)", (unsigned)uid, (unsigned)gid);
	if (fchmod(dir, 0500) < 0)
		return err_sys(errno, "/run/secrets: chmod");
	/* read-only before anyone in the container can see it */
	if ((r = mount_set(mnt, false, MOUNT_ATTR_RDONLY, 0, 0)) < 0)
		return err_sys(r, "/run/secrets: cannot make it read-only");
	if ((r = mount_attach(mnt, dest)) < 0)
		return err_sys(r, "/run/secrets: cannot mount it");
	return 0;
}
