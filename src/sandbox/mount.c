#include "sandbox/mount.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

#include "util/err.h"
#include "util/log.h"
#include "util/macros.h"
#include "util/path.h"

static void fs_context_error(int fsfd, char *buf, size_t n)
{
	/* the kernel explains fsconfig failures on the fs context fd: "e tmpfs: Bad value for 'mode'" */
	buf[0] = '\0';
	if (fsfd < 0)
		return;
	ssize_t r = read(fsfd, buf, n - 1);
	if (r <= 0) {
		buf[0] = '\0';
		return;
	}
	buf[r] = '\0';
	if (r > 2 && buf[1] == ' ' && strchr("ewi", buf[0]))
		memmove(buf, buf + 2, (size_t)r - 1);
	char *nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
}

int mount_new_fs(const char *type, const char *source, const char *data, uint64_t attr, int *out)
{
	char kmsg[256];
	_cleanup_close_ int fsfd = fsopen(type, FSOPEN_CLOEXEC);
	if (fsfd < 0) {
		if (errno == ENODEV)
			return err_set(ENODEV, "the kernel has no \"%s\" filesystem", type);
		return err_sys(errno, "fsopen(%s)", type);
	}
	if (fsconfig(fsfd, FSCONFIG_SET_STRING, "source", source ? source : type, 0) < 0) {
		int e = errno;
		fs_context_error(fsfd, kmsg, sizeof(kmsg));
		return err_sys(e, "%s: source \"%s\"%s%s", type, source ? source : type, kmsg[0] ? ": " : "", kmsg);
	}
	if (data && *data) {
		char buf[4096];
		snprintf(buf, sizeof(buf), "%s", data);
		char *save = NULL;
		for (char *opt = strtok_r(buf, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
			char *eq = strchr(opt, '=');
			int r;
			if (eq) {
				*eq = '\0';
				r = fsconfig(fsfd, FSCONFIG_SET_STRING, opt, eq + 1, 0);
			} else {
				r = fsconfig(fsfd, FSCONFIG_SET_FLAG, opt, NULL, 0);
			}
			if (r < 0) {
				int e = errno;
				fs_context_error(fsfd, kmsg, sizeof(kmsg));
				if (eq)
					*eq = '=';
				return err_sys(e, "%s: option \"%s\"%s%s", type, opt, kmsg[0] ? " (" : "", kmsg[0] ? kmsg : "");
			}
		}
	}
	if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		int e = errno;
		fs_context_error(fsfd, kmsg, sizeof(kmsg));
		return err_sys(e, "cannot create the %s filesystem%s%s", type, kmsg[0] ? ": " : "", kmsg);
	}
	int mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, (unsigned)(attr & ~(uint64_t)MOUNT_ATTR_IDMAP));
	if (mfd < 0)
		return err_sys(errno, "fsmount(%s)", type);
	*out = mfd;
	return 0;
}

int mount_clone(int dfd, const char *path, bool recursive, int *out)
{
	unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC;
	if (recursive)
		flags |= AT_RECURSIVE;
	if (!path || !*path)
		flags |= AT_EMPTY_PATH;
	int fd = open_tree(dfd, path ? path : "", flags);
	if (fd < 0)
		return -errno;
	*out = fd;
	return 0;
}

int mount_set(int mntfd, bool recursive, uint64_t set, uint64_t clr, unsigned long propagation)
{
	struct mount_attr a = { .attr_set = set, .attr_clr = clr, .propagation = propagation & ~(unsigned long)MS_REC };
	if (!set && !clr && !a.propagation)
		return 0;
	if (mount_setattr(mntfd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &a, sizeof(a)) < 0)
		return -errno;
	return 0;
}

int mount_attach(int mntfd, int destfd)
{
	if (move_mount(mntfd, "", destfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return -errno;
	return 0;
}

static bool is_type(const struct oci_mount *m, const char *t)
{
	return m->type && STREQ(m->type, t);
}

/* Kernel filesystems whose mount point must be exactly the requested path. */
static bool needs_exact_dest(const struct oci_mount *m)
{
	static const char *const strict[] = { "proc", "sysfs", "devpts", "mqueue", "cgroup", "cgroup2" };
	if (m->bind)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(strict); i++)
		if (is_type(m, strict[i]))
			return true;
	return false;
}

static int open_dest(const struct mount_env *env, const struct oci_mount *m, bool dir)
{
	enum in_root_mode how = needs_exact_dest(m) ? IN_ROOT_NOFOLLOW : IN_ROOT_FOLLOW;
	int fd = dir ? in_root_mkdirs(env->rootfd, m->destination, 0755, how)
		     : in_root_mkfile(env->rootfd, m->destination, 0644, how);
	if (fd == -ELOOP)
		return err_set(ELOOP, "%s: %s: the destination %s is a symlink inside the rootfs; a %s mount is "
				      "only placed on the real path, never through a link",
			       env->config, m->jpath, m->destination, m->type ? m->type : "bind");
	if (fd == -EXDEV)
		return err_set(EXDEV, "%s: %s: the destination %s resolves outside the rootfs", env->config, m->jpath,
			       m->destination);
	if (fd == -ENOTDIR && dir)
		return err_set(ENOTDIR, "%s: %s: cannot mount a directory on %s: it is a file in the rootfs", env->config,
			       m->jpath, m->destination);
	if (fd < 0)
		return err_sys(fd, "%s: %s: cannot prepare the destination %s in the rootfs", env->config, m->jpath,
			       m->destination);
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return err_sys(e, "fstat %s", m->destination);
	}
	if (dir && !S_ISDIR(st.st_mode)) {
		close(fd);
		return err_set(ENOTDIR, "%s: %s: cannot mount a directory on %s: it is not a directory in the rootfs",
			       env->config, m->jpath, m->destination);
	}
	if (!dir && S_ISDIR(st.st_mode)) {
		close(fd);
		return err_set(EISDIR, "%s: %s: cannot bind a file onto %s: it is a directory in the rootfs", env->config,
			       m->jpath, m->destination);
	}
	return fd;
}

/* Copy the contents of src (a directory of the rootfs) into dst (a fresh tmpfs). */
static int copy_tree(int src, int dst, int depth)
{
	if (depth > 64)
		return -ELOOP;
	int dup_src = openat(src, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dup_src < 0)
		return -errno;
	DIR *d = fdopendir(dup_src);
	if (!d) {
		close(dup_src);
		return -errno;
	}
	struct dirent *de;
	int r = 0;
	while (r == 0 && (de = readdir(d))) {
		struct stat st;
		if (STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = -errno;
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			if (mkdirat(dst, de->d_name, st.st_mode & 07777) < 0 && errno != EEXIST) {
				r = -errno;
				break;
			}
			int s2 = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			int d2 = openat(dst, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (s2 < 0 || d2 < 0)
				r = -errno;
			else
				r = copy_tree(s2, d2, depth + 1);
			if (s2 >= 0)
				close(s2);
			if (d2 >= 0)
				close(d2);
		} else if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t n = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
			if (n < 0) {
				r = -errno;
				break;
			}
			target[n] = '\0';
			if (symlinkat(target, dst, de->d_name) < 0)
				r = -errno;
		} else if (S_ISREG(st.st_mode)) {
			int in = openat(dirfd(d), de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			int out = in < 0 ? -1 : openat(dst, de->d_name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st.st_mode & 07777);
			if (in < 0 || out < 0) {
				r = -errno;
			} else {
				off_t left = st.st_size;
				while (left > 0) {
					ssize_t c = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);
					if (c <= 0) {
						r = c < 0 ? -errno : -EIO;
						break;
					}
					left -= c;
				}
			}
			if (in >= 0)
				close(in);
			if (out >= 0)
				close(out);
		} else {
			continue; /* device nodes, fifos and sockets are not copied */
		}
		if (r == 0 && fchownat(dst, de->d_name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EPERM)
			r = -errno;
	}
	closedir(d);
	return r;
}

static int mount_cgroup_v1_tree(const struct mount_env *env, const struct oci_mount *m, int destfd)
{
	_cleanup_close_ int tmp = -1;
	uint64_t ro = m->attr_set & MOUNT_ATTR_RDONLY;
	int r = mount_new_fs("tmpfs", "cgroup", "mode=755,size=64k", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, &tmp);
	if (r < 0)
		return r;
	r = mount_attach(tmp, destfd);
	if (r < 0)
		return err_sys(r, "cannot mount the cgroup tmpfs");
	/* `tmp` keeps referring to the tmpfs mount now attached at the destination */
	int dir = tmp;
	for (size_t i = 0; env->cg && i < env->cg->n; i++) {
		const struct cg_hier *h = &env->cg->h[i];
		if (!h->name || !h->name[0])
			continue;
		if (mkdirat(dir, h->name, 0755) < 0 && errno != EEXIST)
			return err_sys(errno, "mkdir %s/%s", m->destination, h->name);
		_cleanup_close_ int sub = openat2_fd(dir, h->name, O_PATH | O_DIRECTORY | O_CLOEXEC, 0,
						     RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
		if (sub < 0)
			return err_sys(sub, "open %s/%s", m->destination, h->name);
		_cleanup_close_ int b = -1;
		r = mount_clone(AT_FDCWD, h->path, true, &b);
		if (r < 0)
			return err_sys(r, "cannot bind the container's cgroup %s", h->path);
		r = mount_set(b, true, ro | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, 0, MS_PRIVATE);
		if (r >= 0)
			r = mount_attach(b, sub);
		if (r < 0)
			return err_sys(r, "cannot mount the %s cgroup at %s/%s", h->controllers, m->destination, h->name);
		/* co-mounted controllers ("cpu,cpuacct") get one link per controller, as on the host */
		if (strchr(h->name, ',')) {
			char names[256];
			snprintf(names, sizeof(names), "%s", h->name);
			char *save = NULL;
			for (char *c = strtok_r(names, ",", &save); c; c = strtok_r(NULL, ",", &save))
				if (symlinkat(h->name, dir, c) < 0 && errno != EEXIST)
					return err_sys(errno, "symlink %s/%s", m->destination, c);
		}
	}
	if (ro && (r = mount_set(tmp, false, MOUNT_ATTR_RDONLY, 0, 0)) < 0)
		return err_sys(r, "cannot make %s read-only", m->destination);
	return 0;
}

static int mount_cgroup(const struct mount_env *env, const struct oci_mount *m, int destfd)
{
	if (!env->cg)
		return err_set(EINVAL, "%s: %s: a cgroup mount needs the container's cgroup", env->config, m->jpath);
	if (env->cg->mode != CG_MODE_V2)
		return mount_cgroup_v1_tree(env, m, destfd);

	_cleanup_close_ int mfd = -1;
	uint64_t attr = (m->attr_set | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	int r = -EPERM;
	if (env->cgroupns)
		r = mount_new_fs("cgroup2", "cgroup", NULL, attr, &mfd);
	if (r < 0) {
		/* without a cgroup namespace: show only the container's own cgroup */
		r = mount_clone(AT_FDCWD, env->cg->h[0].path, true, &mfd);
		if (r >= 0)
			r = mount_set(mfd, true, attr, 0, MS_PRIVATE);
	}
	if (r < 0)
		return err_sys(r, "%s: %s: cannot mount cgroup2", env->config, m->jpath);
	return mount_attach(mfd, destfd);
}

static int mount_bind(const struct mount_env *env, const struct oci_mount *m)
{
	_cleanup_close_ int tree = -1, dest = -1;
	struct stat st;
	int r = mount_clone(AT_FDCWD, m->source, m->rbind, &tree);
	if (r == -ENOENT)
		return err_set(ENOENT, "%s: %s: the bind source %s does not exist on the host", env->config, m->jpath,
			       m->source);
	if (r < 0)
		return err_sys(r, "%s: %s: cannot bind %s", env->config, m->jpath, m->source);
	if (fstat(tree, &st) < 0)
		return err_sys(errno, "fstat %s", m->source);
	dest = open_dest(env, m, S_ISDIR(st.st_mode));
	if (dest < 0)
		return dest;
	/* flags for the top mount first, then the recursive ones (rro, rnosuid...) */
	r = mount_set(tree, false, m->attr_set, m->attr_clr, 0);
	if (r >= 0)
		r = mount_set(tree, true, m->rattr_set, m->rattr_clr, 0);
	if (r >= 0)
		r = mount_set(tree, (m->propagation & MS_REC) != 0, 0, 0, m->propagation);
	if (r == -EPERM && env->userns)
		return err_sys(r, "%s: %s: cannot change the flags of %s inside a user namespace (the host mount "
				  "is locked read-only, nosuid or nodev; ask for the same flags)",
			       env->config, m->jpath, m->source);
	if (r < 0)
		return err_sys(r, "%s: %s: cannot set options on the bind of %s", env->config, m->jpath, m->source);
	r = mount_attach(tree, dest);
	if (r < 0)
		return err_sys(r, "%s: %s: cannot bind %s to %s", env->config, m->jpath, m->source, m->destination);
	return 0;
}

int mount_entry(const struct mount_env *env, const struct oci_mount *m)
{
	_cleanup_close_ int dest = -1, mfd = -1;
	int r;

	if (m->idmap)
		return err_set(ENOTSUP, "%s: %s: id-mapped mounts are not supported by stockade yet", env->config, m->jpath);
	if (m->bind)
		return mount_bind(env, m);

	dest = open_dest(env, m, true);
	if (dest < 0)
		return dest;
	if (is_type(m, "cgroup") || is_type(m, "cgroup2"))
		return mount_cgroup(env, m, dest);

	r = mount_new_fs(m->type, m->source, m->data, m->attr_set | m->rattr_set, &mfd);
	if (r < 0 && is_type(m, "sysfs") && (r == -EPERM || r == -EACCES) && env->userns && !env->netns) {
		/* a sysfs instance belongs to a network namespace: without one, show the host's read-only */
		r = mount_clone(AT_FDCWD, "/sys", true, &mfd);
		if (r >= 0)
			r = mount_set(mfd, true, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, 0,
				      MS_PRIVATE);
	}
	if (r < 0)
		return err_ctx(r, "%s: %s (%s on %s)", env->config, m->jpath, m->type, m->destination);
	if (m->tmpcopyup && is_type(m, "tmpfs")) {
		_cleanup_close_ int src = openat2_fd(dest, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0, RESOLVE_BENEATH);
		_cleanup_close_ int dst = openat2_fd(mfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0, RESOLVE_BENEATH);
		r = (src < 0) ? src : (dst < 0) ? dst : copy_tree(src, dst, 0);
		if (r < 0)
			return err_sys(r, "%s: %s: cannot copy %s into the new tmpfs (tmpcopyup)", env->config, m->jpath,
				       m->destination);
	}
	if (m->propagation && (r = mount_set(mfd, (m->propagation & MS_REC) != 0, 0, 0, m->propagation)) < 0)
		return err_sys(r, "%s: %s: cannot set propagation", env->config, m->jpath);
	r = mount_attach(mfd, dest);
	if (r < 0)
		return err_sys(r, "%s: %s: cannot mount %s on %s", env->config, m->jpath, m->type, m->destination);
	return 0;
}

int mount_readonly_path(int rootfd, const char *path)
{
	_cleanup_close_ int fd = in_root_open(rootfd, path, O_PATH, IN_ROOT_NOFOLLOW);
	_cleanup_close_ int tree = -1;
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return err_sys(fd, "readonlyPaths: %s", path);
	int r = mount_clone(fd, "", true, &tree);
	if (r >= 0)
		r = mount_set(tree, true, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, 0, 0);
	if (r >= 0)
		r = mount_attach(tree, fd);
	if (r < 0)
		return err_sys(r, "readonlyPaths: cannot make %s read-only", path);
	return 0;
}

int mount_mask_path(int rootfd, const char *path, int devnull_fd)
{
	_cleanup_close_ int fd = in_root_open(rootfd, path, O_PATH, IN_ROOT_NOFOLLOW);
	_cleanup_close_ int m = -1;
	struct stat st;
	int r;
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return err_sys(fd, "maskedPaths: %s", path);
	if (fstat(fd, &st) < 0)
		return err_sys(errno, "maskedPaths: %s", path);
	if (S_ISDIR(st.st_mode))
		r = mount_new_fs("tmpfs", "tmpfs", "size=0,nr_inodes=1,mode=0555",
				 MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, &m);
	else
		r = mount_clone(devnull_fd, "", false, &m);
	if (r >= 0 && !S_ISDIR(st.st_mode))
		r = mount_set(m, false, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, 0, MS_PRIVATE);
	if (r >= 0)
		r = mount_attach(m, fd);
	if (r < 0)
		return err_sys(r, "maskedPaths: cannot mask %s", path);
	return 0;
}
