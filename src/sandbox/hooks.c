#include "sandbox/hooks.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/macros.h"

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static NORETURN void hook_child(const struct oci_hook *h, int in, int out)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(126);
	syscall(SYS_close_range, 3, ~0U, 0);
	char *const *argv = (char *const *)h->args;
	char *fallback[2] = { h->path, NULL };
	if (!h->n_args)
		argv = fallback;
	char *empty[1] = { NULL };
	execve(h->path, argv, h->n_env ? (char *const *)h->env : empty);
	dprintf(2, "cannot execute %s: %s\n", h->path, strerror(errno));
	_exit(127);
}

static int run_one(const struct oci_spec *s, const struct oci_hook *h, const char *state)
{
	int in[2], out[2];
	if (pipe2(in, O_CLOEXEC) < 0)
		return err_sys(errno, "pipe");
	if (pipe2(out, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		return err_sys(errno, "pipe");
	}
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(in[0]), close(in[1]), close(out[0]), close(out[1]);
		return err_sys(e, "fork");
	}
	if (pid == 0)
		hook_child(h, in[0], out[1]);
	close(in[0]);
	close(out[1]);
	/* the hook may not read its stdin at all: don't let that block us */
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	(void)!write(in[1], state, strlen(state));
	close(in[1]);

	char output[2048];
	size_t olen = 0;
	long long deadline = h->timeout ? now_ms() + (long long)h->timeout * 1000 : 0;
	bool exited = false;
	int status = 0;
	/* wait for the hook to exit (not for its output to close: it may leave a daemon holding it) */
	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	while (!exited) {
		struct pollfd pfd[2];
		nfds_t nfds = 0;
		int wait_ms = -1;
		if (deadline) {
			long long left = deadline - now_ms();
			if (left <= 0)
				break;
			wait_ms = (int)left;
		}
		if (out[0] >= 0)
			pfd[nfds++] = (struct pollfd){ .fd = out[0], .events = POLLIN };
		if (pidfd >= 0)
			pfd[nfds++] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
		else if (wait_ms < 0 || wait_ms > 10)
			wait_ms = 10; /* no pidfd: look for the exit now and then */
		if (poll(pfd, nfds, wait_ms) < 0 && errno != EINTR)
			return err_sys(errno, "poll");
		if (out[0] >= 0 && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			char buf[512];
			ssize_t n = read(out[0], buf, sizeof(buf));
			if (n > 0) {
				size_t keep = (size_t)n;
				if (olen + keep >= sizeof(output))
					keep = sizeof(output) - 1 - olen;
				memcpy(output + olen, buf, keep);
				olen += keep;
			} else if (n == 0 || errno != EAGAIN) {
				close(out[0]);
				out[0] = -1;
			}
		}
		if (waitpid(pid, &status, WNOHANG) == pid)
			exited = true;
	}
	if (out[0] >= 0) {
		ssize_t n;
		while (olen < sizeof(output) - 1 && (n = read(out[0], output + olen, sizeof(output) - 1 - olen)) > 0)
			olen += (size_t)n;
		close(out[0]);
	}
	output[olen] = '\0';
	while (olen && (output[olen - 1] == '\n' || output[olen - 1] == ' '))
		output[--olen] = '\0';
	if (!exited) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return err_set(ETIMEDOUT, "%s: %s (%s): timed out after %d s and was killed", s->config_path, h->jpath, h->path,
			       h->timeout);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		if (olen)
			log_debug("%s (%s) said: %s", h->jpath, h->path, output);
		return 0;
	}
	if (WIFSIGNALED(status))
		return err_set(ECANCELED, "%s: %s (%s) was killed by signal %d%s%s", s->config_path, h->jpath, h->path,
			       WTERMSIG(status), olen ? ": " : "", output);
	return err_set(ECANCELED, "%s: %s (%s) failed with exit status %d%s%s", s->config_path, h->jpath, h->path,
		       WEXITSTATUS(status), olen ? ": " : "", output);
}

int hooks_run(const struct oci_spec *s, enum hook_kind kind, const char *state_json)
{
	for (size_t i = 0; i < s->hooks.n[kind]; i++) {
		int r = run_one(s, &s->hooks.list[kind][i], state_json);
		if (r < 0)
			return r;
	}
	return 0;
}
