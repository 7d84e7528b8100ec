/*
 * stockade-init: `stockade run --init`'s PID 1.  A static binary with no
 * dependencies, bound read-only at /dev/init in the container:
 *
 *     /dev/init -- PROGRAM [ARG...]
 *
 * It forks PROGRAM, forwards every catchable signal to it, reaps every
 * orphan the container's processes leave (a shell script's background
 * jobs, a daemon's double fork), and exits with PROGRAM's status
 * (128+N for signal N).  Nothing else: no configuration, no files.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int first = 1;
	if (first < argc && strcmp(argv[first], "--") == 0)
		first++;
	if (first >= argc) {
		fprintf(stderr, "stockade-init: usage: /dev/init -- PROGRAM [ARG...]\n");
		return 2;
	}
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid_t child = fork();
	if (child < 0) {
		perror("stockade-init: fork");
		return 1;
	}
	if (child == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		/* its own process group, so a terminal's ^C reaches it as it would reach PID 1 */
		setpgid(0, 0);
		execvp(argv[first], argv + first);
		fprintf(stderr, "stockade-init: %s: %s\n", argv[first], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si);
		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			kill(child, sig);
			continue;
		}
		for (;;) {
			int st;
			pid_t w = waitpid(-1, &st, WNOHANG);
			if (w <= 0)
				break;
			if (w == child)
				return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
	}
}
