#include "sandbox/selfprotect.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/err.h"
#include "util/log.h"
#include "util/macros.h"

extern char **environ;

static bool exe_is_sealed(void)
{
	_cleanup_close_ int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	struct statvfs sv;
	if (fd < 0)
		return false;
	if (fstatvfs(fd, &sv) == 0 && (sv.f_flag & ST_RDONLY))
		return true;
	/* a sealed memfd copy is just as good */
	int seals = fcntl(fd, F_GET_SEALS);
	return seals >= 0 && (seals & F_SEAL_WRITE);
}

static int reexec_ro_mount(char **argv)
{
	_cleanup_close_ int tree = open_tree(AT_FDCWD, "/proc/self/exe", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return -errno;
	struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID };
	if (mount_setattr(tree, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0)
		return -errno;
	syscall(SYS_execveat, tree, "", argv, environ, AT_EMPTY_PATH);
	return -errno;
}

static int reexec_memfd(char **argv)
{
	_cleanup_close_ int src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int mfd = memfd_create("stockade", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	struct stat st;
	if (src < 0 || mfd < 0 || fstat(src, &st) < 0)
		return -errno;
	off_t left = st.st_size;
	while (left > 0) {
		ssize_t n = sendfile(mfd, src, NULL, (size_t)left);
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		left -= n;
	}
	if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
		return -errno;
	syscall(SYS_execveat, mfd, "", argv, environ, AT_EMPTY_PATH);
	return -errno;
}

int selfprotect_ensure(char **argv)
{
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return err_sys(errno, "prctl(PR_SET_DUMPABLE)");
	if (exe_is_sealed())
		return 0;
	int r = reexec_ro_mount(argv);
	log_debug("re-exec from a read-only mount failed (%s); trying a sealed memfd copy", strerror(-r));
	r = reexec_memfd(argv);
	return err_sys(r, "cannot protect the stockade binary from the container (re-exec from a read-only copy failed)");
}
