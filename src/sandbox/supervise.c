#include "sandbox/supervise.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "util/err.h"
#include "util/fs.h"
#include "util/macros.h"

int sv_connect_console(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(addr.sun_path))
		return err_set(ENAMETOOLONG, "--console-socket path is too long: %s", path);
	strcpy(addr.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_sys(errno, "socket");
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int e = errno;
		close(fd);
		return err_sys(e, "cannot connect to --console-socket %s", path);
	}
	return fd;
}

int sv_write_pid_file(const char *path, pid_t pid)
{
	char buf[32], dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int len = snprintf(buf, sizeof(buf), "%d", (int)pid);
	int dfd = AT_FDCWD;
	const char *name = path;
	if (slash) {
		size_t dl = slash == path ? 1 : (size_t)(slash - path);
		if (dl >= sizeof(dir))
			return err_set(ENAMETOOLONG, "--pid-file path too long");
		memcpy(dir, path, dl);
		dir[dl] = '\0';
		dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			return err_sys(errno, "--pid-file: cannot open directory %s", dir);
		name = slash + 1;
	}
	int r = write_file_atomic_at(dfd, name, buf, (size_t)len, 0644);
	if (dfd >= 0)
		close(dfd);
	return r < 0 ? err_sys(r, "cannot write --pid-file %s", path) : 0;
}

static const int forwarded[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM, SIGCONT,
	SIGTSTP, SIGTTIN, SIGTTOU, SIGWINCH, SIGPWR, SIGURG, SIGVTALRM, SIGPROF, SIGXCPU, SIGXFSZ };

struct tty_saved {
	bool saved;
	struct termios t;
};

static void tty_raw(struct tty_saved *s)
{
	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &s->t) < 0)
		return;
	struct termios raw = s->t;
	cfmakeraw(&raw);
	if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0)
		s->saved = true;
}

static void tty_restore(struct tty_saved *s)
{
	if (s->saved)
		tcsetattr(STDIN_FILENO, TCSANOW, &s->t);
}

static void copy_winsize(int master)
{
	struct winsize ws;
	if (master >= 0 && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
		ioctl(master, TIOCSWINSZ, &ws);
}

static bool pump(int from, int to)
{
	char buf[8192];
	ssize_t n = read(from, buf, sizeof(buf));
	if (n <= 0)
		return false;
	return write_all(to, buf, (size_t)n) == 0;
}

int sv_supervise(int pidfd, pid_t pid, int *masterp, int sfd, int *exit_code)
{
	struct tty_saved tty = { 0 };
	int master = *masterp;
	bool in_open = master >= 0;
	if (master >= 0) {
		tty_raw(&tty);
		copy_winsize(master);
	}
	for (;;) {
		struct pollfd p[4] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = pidfd, .events = POLLIN },
			{ .fd = master, .events = POLLIN },
			{ .fd = in_open ? STDIN_FILENO : -1, .events = POLLIN },
		};
		if (poll(p, 4, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if ((int)si.ssi_signo == SIGWINCH && master >= 0)
					copy_winsize(master);
				else if ((int)si.ssi_signo != SIGCHLD)
					(void)syscall(SYS_pidfd_send_signal, pidfd, si.ssi_signo, NULL, 0);
			}
		}
		if (master >= 0 && (p[2].revents & (POLLIN | POLLHUP))) {
			if (!pump(master, STDOUT_FILENO)) {
				close(master);
				master = *masterp = -1;
			}
		}
		if (in_open && (p[3].revents & (POLLIN | POLLHUP))) {
			if (!pump(STDIN_FILENO, master))
				in_open = false;
		}
		if (p[1].revents & POLLIN) {
			siginfo_t info = { 0 };
			if (waitid(P_PIDFD, (id_t)pidfd, &info, WEXITED | WNOHANG) == 0 && info.si_pid) {
				while (master >= 0 && pump(master, STDOUT_FILENO))
					;
				tty_restore(&tty);
				*exit_code = info.si_code == CLD_EXITED ? info.si_status : 128 + info.si_status;
				return 0;
			}
			/* not our child (reparented to us as subreaper): plain wait */
			int status;
			pid_t w = waitpid(pid, &status, WNOHANG);
			if (w == pid) {
				tty_restore(&tty);
				*exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
				return 0;
			}
			if (w < 0 && errno == ECHILD) {
				/* exited, but not ours to reap (never expected): do not spin */
				tty_restore(&tty);
				return err_set(ECHILD, "lost the exit status of process %d", (int)pid);
			}
		}
		/* Reap anything else that got reparented to us -- but never our
		 * own process behind the pidfd's back: a blind waitpid(-1) could
		 * take its exit status and leave the pidfd readable forever. */
		for (;;) {
			siginfo_t si = { 0 };
			if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid == 0)
				break;
			if (si.si_pid == pid)
				break; /* ours: the pidfd branch above reports it */
			waitpid(si.si_pid, NULL, 0);
		}
	}
	tty_restore(&tty);
	return err_sys(errno, "waiting for the container");
}

void sv_block_signals(sigset_t *mask, sigset_t *old)
{
	sigemptyset(mask);
	for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
		sigaddset(mask, forwarded[i]);
	sigaddset(mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, mask, old);
}
