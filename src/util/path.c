#include "util/path.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/macros.h"

int openat2_fd(int dirfd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve)
{
	struct open_how how = { .flags = flags, .mode = mode, .resolve = resolve };
	long fd;

	do
		fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	while (fd < 0 && errno == EINTR);
	return fd < 0 ? -errno : (int)fd;
}

int path_clean(const char *in, char *out, size_t n)
{
	size_t len = 0;
	const char *p = in;

	if (n < 2)
		return -ENAMETOOLONG;
	out[len++] = '/';
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *e = strchrnul(p, '/');
		size_t cl = (size_t)(e - p);
		if (cl == 1 && p[0] == '.') {
			/* skip */
		} else if (cl == 2 && p[0] == '.' && p[1] == '.') {
			while (len > 1 && out[len - 1] != '/')
				len--;
			if (len > 1)
				len--; /* drop the slash too */
		} else {
			if (len > 1) {
				if (len + 1 >= n)
					return -ENAMETOOLONG;
				out[len++] = '/';
			}
			if (len + cl >= n)
				return -ENAMETOOLONG;
			memcpy(out + len, p, cl);
			len += cl;
		}
		p = e;
	}
	out[len] = '\0';
	return 0;
}

void path_split(const char *clean, char *dir, size_t n, const char **base)
{
	const char *slash = strrchr(clean, '/');
	size_t dl = slash ? (size_t)(slash - clean) : 0;

	if (dl == 0)
		dl = 1; /* "/" */
	if (dl >= n)
		dl = n - 1;
	memcpy(dir, clean, dl);
	dir[dl] = '\0';
	*base = slash ? slash + 1 : clean;
}

static uint64_t resolve_flags(enum in_root_mode mode)
{
	uint64_t r = RESOLVE_NO_MAGICLINKS;
	if (mode == IN_ROOT_NOFOLLOW)
		r |= RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS;
	else
		r |= RESOLVE_IN_ROOT;
	return r;
}

int in_root_open(int rootfd, const char *path, int flags, enum in_root_mode mode)
{
	char clean[PATH_MAX];
	int r = path_clean(path, clean, sizeof(clean));
	if (r < 0)
		return r;
	/* openat2 with RESOLVE_BENEATH wants a relative path */
	const char *rel = clean[1] ? clean + 1 : ".";
	return openat2_fd(rootfd, rel, (uint64_t)(flags | O_CLOEXEC), 0, resolve_flags(mode));
}

int in_root_mkdirs(int rootfd, const char *path, mode_t mode, enum in_root_mode how)
{
	char clean[PATH_MAX], prefix[PATH_MAX];
	int r = path_clean(path, clean, sizeof(clean));
	if (r < 0)
		return r;

	int fd = in_root_open(rootfd, clean, O_PATH | O_DIRECTORY, how);
	if (fd != -ENOENT)
		return fd;

	/* Walk from the top; create what is missing one level at a time.  A
	 * dangling symlink on the way (an image's /var/run -> /run before /run
	 * exists) is expanded by hand, its target taken relative to the root. */
	int links = 0;
restart:;
	_cleanup_close_ int parent = openat2_fd(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC, 0, RESOLVE_BENEATH);
	if (parent < 0)
		return parent;
	const char *p = clean + 1;
	size_t plen = 0;
	while (*p) {
		const char *e = strchrnul(p, '/');
		size_t cl = (size_t)(e - p);
		char comp[NAME_MAX + 1];
		if (cl > NAME_MAX)
			return -ENAMETOOLONG;
		memcpy(comp, p, cl);
		comp[cl] = '\0';
		prefix[plen++] = '/';
		memcpy(prefix + plen, p, cl);
		plen += cl;
		prefix[plen] = '\0';

		int next = in_root_open(rootfd, prefix, O_PATH | O_DIRECTORY, how);
		if (next == -ENOENT) {
			if (mkdirat(parent, comp, mode) < 0 && errno != EEXIST)
				return -errno;
			/* What we just made must be a plain directory: refuse a racing symlink. */
			next = openat2_fd(parent, comp, O_PATH | O_DIRECTORY | O_CLOEXEC, 0,
					  RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
			if (next == -ELOOP && how == IN_ROOT_FOLLOW) {
				char target[PATH_MAX], joined[PATH_MAX * 2];
				ssize_t n = readlinkat(parent, comp, target, sizeof(target) - 1);
				if (n < 0)
					return -errno;
				target[n] = '\0';
				if (++links > 40)
					return -ELOOP;
				prefix[plen - cl - 1] = '\0'; /* the directory holding the link */
				snprintf(joined, sizeof(joined), "%s/%s/%s", target[0] == '/' ? "" : prefix, target, *e ? e + 1 : "");
				if ((r = path_clean(joined, clean, sizeof(clean))) < 0)
					return r;
				close(parent);
				parent = -1;
				goto restart;
			}
		}
		if (next < 0)
			return next;
		close(parent);
		parent = next;
		p = *e ? e + 1 : e;
	}
	return TAKE_FD(parent);
}

int in_root_mkfile(int rootfd, const char *path, mode_t mode, enum in_root_mode how)
{
	char clean[PATH_MAX], dir[PATH_MAX];
	const char *base;
	int r = path_clean(path, clean, sizeof(clean));
	if (r < 0)
		return r;
	if (STREQ(clean, "/"))
		return -EISDIR;

	int fd = in_root_open(rootfd, clean, O_PATH, how);
	if (fd != -ENOENT)
		return fd;
	path_split(clean, dir, sizeof(dir), &base);
	_cleanup_close_ int dfd = in_root_mkdirs(rootfd, dir, 0755, how);
	if (dfd < 0)
		return dfd;
	if (mknodat(dfd, base, S_IFREG | (mode & 07777), 0) < 0 && errno != EEXIST)
		return -errno;
	return openat2_fd(dfd, base, O_PATH | O_CLOEXEC, 0,
			  RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
}
