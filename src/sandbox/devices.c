#include "sandbox/devices.h"

#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "sandbox/mount.h"
#include "util/err.h"
#include "util/log.h"
#include "util/macros.h"
#include "util/path.h"

bool devices_dev_is_mounted(const struct oci_spec *s)
{
	for (size_t i = 0; i < s->n_mounts; i++) {
		char clean[PATH_MAX];
		if (path_clean(s->mounts[i].destination, clean, sizeof(clean)) == 0 && STREQ(clean, "/dev"))
			return true;
	}
	return false;
}

/* Create (or replace) one device node at path inside the root, never through a symlink. */
static int make_node(const struct dev_env *env, const char *path, char type, unsigned maj, unsigned min, mode_t perm,
		     uid_t uid, gid_t gid, const char *what, bool strict)
{
	char clean[PATH_MAX], dir[PATH_MAX];
	const char *base;
	int r = path_clean(path, clean, sizeof(clean));
	if (r < 0)
		return err_sys(r, "%s: %s", what, path);
	path_split(clean, dir, sizeof(dir), &base);
	_cleanup_close_ int dfd = in_root_mkdirs(env->rootfd, dir, 0755, IN_ROOT_NOFOLLOW);
	if (dfd < 0)
		return err_sys(dfd, "%s: cannot create %s inside the rootfs (no symlinks allowed on the way)", what, dir);
	_cleanup_close_ int d = openat2_fd(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0, RESOLVE_BENEATH);
	if (d < 0)
		return err_sys(d, "%s: open %s", what, dir);

	/*
	 * linux.devices (strict): config-linux.md says a file already at path that is not the
	 * requested device MUST be an error -- and replacing it could delete a file of the host
	 * under a bind mount.  Default devices: whatever the image put there (a symlink to the
	 * host's /proc/sys/..., say) goes.
	 */
	struct stat old;
	if (strict && fstatat(d, base, &old, AT_SYMLINK_NOFOLLOW) == 0) {
		mode_t want = type == 'b' ? S_IFBLK : type == 'p' ? S_IFIFO : S_IFCHR;
		bool same = (old.st_mode & S_IFMT) == want &&
			    (type == 'p' || (major(old.st_rdev) == maj && minor(old.st_rdev) == min));
		if (!same)
			return err_set(EEXIST, "%s: %s already exists and is not the %s device %u:%u asked for (found %s); "
					       "remove it from the rootfs or mounts, or fix the entry", what, path,
				       type == 'b' ? "block" : type == 'p' ? "fifo" : "character", maj, min,
				       S_ISDIR(old.st_mode) ? "a directory" : S_ISLNK(old.st_mode) ? "a symlink"
				       : S_ISREG(old.st_mode) ? "a regular file" : "another device");
	}
	if (unlinkat(d, base, 0) < 0 && errno != ENOENT && errno != EISDIR)
		return err_sys(errno, "%s: cannot remove the existing %s", what, path);

	mode_t fmt = type == 'b' ? S_IFBLK : type == 'p' ? S_IFIFO : S_IFCHR;
	if (!env->userns || type == 'p') {
		if (mknodat(d, base, fmt | perm, makedev(maj, min)) < 0)
			return err_sys(errno, "%s: mknod %s", what, path);
		if (fchownat(d, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
			return err_sys(errno, "%s: chown %s", what, path);
		return 0;
	}
	/* in a user namespace: bind the host's node onto an empty file */
	char host[PATH_MAX];
	snprintf(host, sizeof(host), "%s", clean);
	struct stat hst;
	if (stat(host, &hst) < 0 || (type == 'b' ? !S_ISBLK(hst.st_mode) : !S_ISCHR(hst.st_mode)) ||
	    major(hst.st_rdev) != maj || minor(hst.st_rdev) != min)
		return err_set(EPERM, "%s: %s %u:%u cannot be created inside a user namespace and the host has no "
				      "matching %s to bind", what, path, maj, min, host);
	if (mknodat(d, base, S_IFREG | 0000, 0) < 0)
		return err_sys(errno, "%s: create %s", what, path);
	_cleanup_close_ int target = openat2_fd(d, base, O_PATH | O_CLOEXEC, 0, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
	_cleanup_close_ int tree = -1;
	if (target < 0)
		return err_sys(target, "%s: open %s", what, path);
	r = mount_clone(AT_FDCWD, host, false, &tree);
	if (r >= 0)
		r = mount_set(tree, false, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, 0, MS_PRIVATE);
	if (r >= 0)
		r = mount_attach(tree, target);
	if (r < 0)
		return err_sys(r, "%s: cannot bind the host's %s", what, host);
	return 0;
}

static int make_link(int rootfd, const char *target, const char *linkpath)
{
	_cleanup_close_ int dev = in_root_open(rootfd, "/dev", O_RDONLY | O_DIRECTORY, IN_ROOT_NOFOLLOW);
	if (dev < 0)
		return err_sys(dev, "open /dev inside the rootfs");
	const char *base = linkpath + strlen("/dev/");
	if (symlinkat(target, dev, base) < 0) {
		if (errno != EEXIST)
			return err_sys(errno, "symlink %s -> %s", linkpath, target);
		/* keep an existing link only if it already points where it should */
		char cur[PATH_MAX];
		ssize_t n = readlinkat(dev, base, cur, sizeof(cur) - 1);
		if (n >= 0) {
			cur[n] = '\0';
			if (STREQ(cur, target))
				return 0;
		}
		if (unlinkat(dev, base, 0) < 0 || symlinkat(target, dev, base) < 0)
			return err_sys(errno, "symlink %s -> %s", linkpath, target);
	}
	return 0;
}

int devices_setup(const struct dev_env *env, const struct oci_spec *s)
{
	static const struct {
		const char *path;
		unsigned maj, min;
	} defaults[] = {
		{ "/dev/null", 1, 3 }, { "/dev/zero", 1, 5 }, { "/dev/full", 1, 7 },
		{ "/dev/random", 1, 8 }, { "/dev/urandom", 1, 9 }, { "/dev/tty", 5, 0 },
	};
	static const struct {
		const char *target, *link;
	} links[] = {
		{ "/proc/self/fd", "/dev/fd" }, { "/proc/self/fd/0", "/dev/stdin" },
		{ "/proc/self/fd/1", "/dev/stdout" }, { "/proc/self/fd/2", "/dev/stderr" },
		{ "pts/ptmx", "/dev/ptmx" },
	};
	const struct oci_linux *l = &s->linux_;
	int r;

	if (devices_dev_is_mounted(s)) {
		for (size_t i = 0; i < ARRAY_SIZE(defaults); i++) {
			bool overridden = false;
			for (size_t k = 0; k < l->n_devices; k++)
				overridden |= STREQ(l->devices[k].path, defaults[i].path);
			if (overridden)
				continue;
			r = make_node(env, defaults[i].path, 'c', defaults[i].maj, defaults[i].min, 0666, 0, 0, "default devices", false);
			if (r < 0)
				return r;
		}
		for (size_t i = 0; i < ARRAY_SIZE(links); i++)
			if ((r = make_link(env->rootfd, links[i].target, links[i].link)) < 0)
				return r;
	}
	if (env->terminal) {
		/* the console is bound here later; it must be a plain file we created */
		_cleanup_close_ int c = in_root_mkfile(env->rootfd, "/dev/console", 0600, IN_ROOT_NOFOLLOW);
		if (c < 0)
			return err_sys(c, "cannot create /dev/console inside the rootfs (no symlinks allowed)");
	}
	for (size_t i = 0; i < l->n_devices; i++) {
		const struct oci_device *d = &l->devices[i];
		char what[256];
		snprintf(what, sizeof(what), "%s: %s", env->config, d->jpath);
		r = make_node(env, d->path, d->type == 'u' ? 'c' : d->type, (unsigned)d->major, (unsigned)d->minor,
			      d->has_mode ? (mode_t)d->file_mode : 0666, d->has_uid ? d->uid : 0, d->has_gid ? d->gid : 0, what,
			      true);
		if (r < 0)
			return r;
	}
	return 0;
}
