#include "sandbox/console.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "sandbox/mount.h"
#include "util/err.h"
#include "util/macros.h"
#include "util/path.h"

int console_setup(const struct oci_process *p, bool bind_console, int *master_out)
{
	_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return err_sys(errno, "open /");
	/* the container's own devpts instance; /dev/pts/ptmx must be the real node */
	_cleanup_close_ int ptmx_path = in_root_open(root, "/dev/pts/ptmx", O_PATH, IN_ROOT_NOFOLLOW);
	if (ptmx_path < 0)
		return err_sys(ptmx_path, "process.terminal needs a devpts mount at /dev/pts (with newinstance)");
	char self[64];
	snprintf(self, sizeof(self), "/proc/self/fd/%d", ptmx_path);
	_cleanup_close_ int master = openat2_fd(AT_FDCWD, self, O_RDWR | O_NOCTTY | O_CLOEXEC, 0, 0);
	if (master < 0)
		return err_sys(master, "cannot open /dev/pts/ptmx");
	if (unlockpt(master) < 0)
		return err_sys(errno, "unlockpt");
	/* TIOCGPTPEER opens the peer without a path lookup */
	_cleanup_close_ int peer = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (peer < 0)
		return err_sys(errno, "cannot open the pty peer");
	if (fchown(peer, p->user.uid, p->user.gid) < 0 && errno != EINVAL)
		return err_sys(errno, "cannot give the terminal to uid %u", p->user.uid);
	if (p->console_width || p->console_height) {
		struct winsize ws = { .ws_row = (unsigned short)p->console_height, .ws_col = (unsigned short)p->console_width };
		if (ioctl(peer, TIOCSWINSZ, &ws) < 0)
			return err_sys(errno, "cannot set the console size");
	}
	_cleanup_close_ int console = bind_console ? in_root_open(root, "/dev/console", O_PATH, IN_ROOT_NOFOLLOW) : -1;
	if (console >= 0) {
		struct stat st;
		_cleanup_close_ int tree = -1;
		int r = fstat(console, &st) < 0 ? -errno : 0;
		if (r == 0 && !S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode))
			r = -EINVAL;
		if (r == 0)
			r = mount_clone(peer, "", false, &tree);
		if (r == 0)
			r = mount_attach(tree, console);
		if (r < 0)
			return err_sys(r, "cannot bind the terminal onto /dev/console");
	}
	if (setsid() < 0)
		return err_sys(errno, "setsid");
	if (ioctl(peer, TIOCSCTTY, 0) < 0)
		return err_sys(errno, "cannot make the pty the controlling terminal");
	for (int fd = 0; fd < 3; fd++)
		if (dup2(peer, fd) < 0)
			return err_sys(errno, "dup2");
	*master_out = TAKE_FD(master);
	return 0;
}
