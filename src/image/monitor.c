#include "image/monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/macros.h"

#define META_MAX (1u << 20)

int rec_root_open(const char *root, bool create)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/" REC_DIR, root);
	if (create) {
		int r = mkdir_p(path, 0700);
		if (r < 0)
			return err_sys(r, "cannot create %s", path);
	}
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return err_sys(errno, "%s", path);
	return fd;
}

int rec_meta_load(int recfd, json_object **out)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = read_file_at(recfd, "meta.json", META_MAX, &text, &len);
	if (r < 0)
		return err_sys(r, "meta.json");
	json_tokener *t = json_tokener_new();
	*out = json_tokener_parse_ex(t, text, (int)len);
	json_tokener_free(t);
	if (!*out || !json_object_is_type(*out, json_type_object)) {
		json_object_put(*out);
		*out = NULL;
		return err_set(EINVAL, "meta.json is not a JSON object");
	}
	return 0;
}

int rec_meta_save(int recfd, json_object *meta)
{
	const char *s = json_object_to_json_string_ext(meta, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	int r = write_file_atomic_at(recfd, "meta.json", s, strlen(s), 0600);
	return r < 0 ? err_sys(r, "cannot write meta.json") : 0;
}

int rec_meta_update(int recfd, const char *key, json_object *val)
{
	json_object *meta;
	int r = rec_meta_load(recfd, &meta);
	if (r < 0) {
		json_object_put(val);
		return r;
	}
	json_object_object_add(meta, key, val);
	r = rec_meta_save(recfd, meta);
	json_object_put(meta);
	return r;
}

void monitor_finish(int runfd, const char *name, int recfd, bool rm, int code)
{
	if (rm) {
		rm_rf_at(runfd, name);
		return;
	}
	json_object *meta;
	if (rec_meta_load(recfd, &meta) < 0)
		return;
	char now[64];
	log_timestamp(now, sizeof(now));
	json_object_object_add(meta, "status", json_object_new_string("exited"));
	json_object_object_add(meta, "exit_code", json_object_new_int(code));
	json_object_object_add(meta, "finished", json_object_new_string(now));
	json_object_object_add(meta, "pid", json_object_new_int(0));
	json_object_object_add(meta, "monitor_pid", json_object_new_int(0));
	rec_meta_save(recfd, meta);
	json_object_put(meta);
}

static int status_code(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 255;
}

/* Start the forwarder for published ports on a thread (when any). */
struct fwd_thread {
	pthread_t t;
	bool running;
	struct fwd_port *ports;
	size_t nports;
	int netns, stop[2];
};

/* Until the forwarder (src/image/forward.c) is in the tree, `run` refuses -p before getting here. */
static int serve(struct fwd_port *p, size_t n, int netns_fd, int stop_fd)
{
	return fwd_serve(p, n, netns_fd, stop_fd);
}

static void *fwd_main(void *arg)
{
	struct fwd_thread *f = arg;
	int r = serve(f->ports, f->nports, f->netns, f->stop[0]);
	if (r < 0)
		log_error("the port forwarder stopped: %s", err_msg());
	return NULL;
}

static int fwd_thread_start(struct fwd_thread *f, const struct monitor_spec *m, pid_t pid)
{
	memset(f, 0, sizeof(*f));
	f->netns = f->stop[0] = f->stop[1] = -1;
	if (!m->nports)
		return 0;
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/ns/net", pid);
	f->netns = open(p, O_RDONLY | O_CLOEXEC);
	if (f->netns < 0)
		return err_sys(errno, "cannot open the container's network namespace (%s)", p);
	if (pipe2(f->stop, O_CLOEXEC) < 0)
		return err_sys(errno, "pipe");
	f->ports = m->ports;
	f->nports = m->nports;
	int r = pthread_create(&f->t, NULL, fwd_main, f);
	if (r)
		return err_sys(r, "cannot start the port forwarder");
	f->running = true;
	return 0;
}

static void fwd_thread_stop(struct fwd_thread *f)
{
	if (f->stop[1] >= 0) {
		close(f->stop[1]);
		f->stop[1] = -1;
	}
	if (f->running)
		pthread_join(f->t, NULL);
	f->running = false;
	if (f->stop[0] >= 0)
		close(f->stop[0]);
	if (f->netns >= 0)
		close(f->netns);
	f->stop[0] = f->netns = -1;
}

static pid_t state_pid(const char *root, const char *id)
{
	json_object *st = NULL, *pid;
	pid_t p = 0;
	if (container_state(root, id, &st) == 0 && json_object_object_get_ex(st, "pid", &pid))
		p = json_object_get_int(pid);
	json_object_put(st);
	return p;
}

/*
 * Foreground with ports: a forked process waits for the init to run, then
 * forwards until we close its pipe.  Not a thread: the runtime clones the
 * container's init with clone3 (no atfork handlers), which must happen in a
 * single-threaded process, and signal forwarding needs every signal to reach
 * the one thread that blocked them into its signalfd.
 */
static NORETURN void fg_forwarder(const struct monitor_spec *m, int stop_fd)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	signal(SIGINT, SIG_IGN); /* ^C is for the container (the parent forwards it) */
	signal(SIGQUIT, SIG_IGN);
	pid_t pid = 0;
	for (int i = 0; i < 20000 && pid <= 0; i++) {
		struct pollfd p = { .fd = stop_fd, .events = POLLIN };
		if (poll(&p, 1, 1) > 0)
			_exit(0);
		pid = state_pid(m->root, m->co.id);
	}
	if (pid <= 0)
		_exit(0);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	int ns = open(path, O_RDONLY | O_CLOEXEC);
	if (ns < 0) {
		log_error("cannot open %s: %s; published ports are not forwarded", path, strerror(errno));
		_exit(1);
	}
	if (serve(m->ports, m->nports, ns, stop_fd) < 0) {
		log_error("the port forwarder stopped: %s", err_msg());
		_exit(1);
	}
	_exit(0);
}

int monitor_foreground(const struct monitor_spec *m, int *code)
{
	if (!m->interactive) {
		int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (nul >= 0) {
			dup2(nul, 0);
			close(nul);
		}
	}
	int stop[2] = { -1, -1 };
	pid_t fwd = 0;
	if (m->nports) {
		if (pipe2(stop, O_CLOEXEC) < 0)
			return err_sys(errno, "pipe");
		fflush(NULL);
		fwd = fork();
		if (fwd < 0) {
			int e = errno;
			close(stop[0]);
			close(stop[1]);
			return err_sys(e, "cannot start the port forwarder");
		}
		if (fwd == 0) {
			close(stop[1]);
			fg_forwarder(m, stop[0]);
		}
		close(stop[0]);
		/* the forwarder holds the listening sockets now: ours would keep the ports bound after it is gone */
		fwd_close(m->ports, m->nports);
	}
	int r = container_run(m->root, &m->co, false, code);
	if (fwd > 0) {
		close(stop[1]);
		/* container_run reaps what it may as a subreaper; ECHILD then means it is gone already */
		while (waitpid(fwd, NULL, 0) < 0 && errno == EINTR)
			;
	}
	return r;
}

/* ------------------------------------------------------------ detached */

static void report(int fd, char kind, const char *msg)
{
	char buf[4096];
	int n = snprintf(buf, sizeof(buf), "%c%s", kind, msg);
	if (n > (int)sizeof(buf) - 1)
		n = (int)sizeof(buf) - 1;
	(void)!write(fd, buf, (size_t)n);
}

static void copy_out(int from, int logfd)
{
	char buf[65536];
	for (;;) {
		ssize_t n = read(from, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		if (write_all(logfd, buf, (size_t)n) < 0)
			return; /* the log is gone (rm -f): keep draining */
	}
}

static _Noreturn void monitor_main(const struct monitor_spec *m, int rep)
{
	int code = 255;
	int logfd = openat(m->recfd, REC_LOG, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	int out[2] = { -1, -1 };
	int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (logfd < 0 || nul < 0 || pipe2(out, O_CLOEXEC) < 0) {
		report(rep, 'E', "the monitor cannot open the container's log");
		_exit(1);
	}
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	/* the container's stdio: stdin /dev/null, stdout and stderr the pipe */
	dup2(nul, 0);
	dup2(out[1], 1);
	dup2(out[1], 2);
	close(out[1]);
	close(nul);
	struct create_opts co = m->co;
	int r = container_run(m->root, &co, true, &code);
	/* our own messages from now on go to the log */
	dup2(logfd, 1);
	dup2(logfd, 2);
	if (r < 0) {
		report(rep, 'E', err_msg());
		close(out[0]);
		_exit(1);
	}
	pid_t pid = state_pid(m->root, m->co.id);
	struct fwd_thread f;
	if (fwd_thread_start(&f, m, pid) < 0) {
		report(rep, 'E', err_msg());
		container_delete(m->root, m->co.id, true);
		_exit(1);
	}
	json_object *meta;
	if (rec_meta_load(m->recfd, &meta) == 0) {
		json_object_object_add(meta, "status", json_object_new_string("running"));
		json_object_object_add(meta, "pid", json_object_new_int(pid));
		json_object_object_add(meta, "monitor_pid", json_object_new_int(getpid()));
		rec_meta_save(m->recfd, meta);
		json_object_put(meta);
	}
	char ok[32];
	snprintf(ok, sizeof(ok), "%d", (int)pid);
	report(rep, 'O', ok);
	close(rep);
	copy_out(out[0], logfd);
	close(out[0]);
	/* the init is our child (or our grandchild, reparented to us: subreaper) */
	for (;;) {
		int st;
		pid_t w = waitpid(-1, &st, 0);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			break;
		if (w == pid) {
			code = status_code(st);
			break;
		}
	}
	fwd_thread_stop(&f);
	container_delete(m->root, m->co.id, true);
	monitor_finish(m->runfd, m->name, m->recfd, m->rm, code);
	_exit(0);
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Close every fd from 3 up except the ones the monitor needs. */
static void close_others(const struct monitor_spec *m, int rep)
{
	int keep[260], n = 0;
	keep[n++] = rep;
	keep[n++] = m->runfd;
	keep[n++] = m->recfd;
	for (size_t i = 0; i < m->nports && n < 256; i++)
		if (m->ports[i].fd >= 0)
			keep[n++] = m->ports[i].fd;
	qsort(keep, (size_t)n, sizeof(int), cmp_int);
	unsigned lo = 3;
	for (int i = 0; i < n; i++) {
		if (keep[i] < 3)
			continue;
		if ((unsigned)keep[i] > lo)
			syscall(SYS_close_range, lo, (unsigned)keep[i] - 1, 0);
		lo = (unsigned)keep[i] + 1;
	}
	syscall(SYS_close_range, lo, ~0u, 0);
}

int monitor_start(const struct monitor_spec *m, pid_t *monitor)
{
	int rep[2];
	if (pipe2(rep, O_CLOEXEC) < 0)
		return err_sys(errno, "pipe");
	fflush(NULL);
	pid_t child = fork();
	if (child < 0) {
		close(rep[0]);
		close(rep[1]);
		return err_sys(errno, "fork");
	}
	if (child == 0) {
		close(rep[0]);
		if (setsid() < 0)
			_exit(1);
		signal(SIGHUP, SIG_IGN);
		pid_t gc = fork();
		if (gc < 0)
			_exit(1);
		if (gc > 0)
			_exit(0);
		/* the monitor: no terminal, only the fds it needs */
		int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (nul < 0)
			_exit(1);
		dup2(nul, 0);
		dup2(nul, 1);
		dup2(nul, 2);
		close(nul);
		close_others(m, rep[1]);
		signal(SIGHUP, SIG_DFL);
		monitor_main(m, rep[1]);
	}
	close(rep[1]);
	int st;
	while (waitpid(child, &st, 0) < 0 && errno == EINTR)
		;
	char buf[4097];
	size_t got = 0;
	for (;;) {
		ssize_t n = read(rep[0], buf + got, sizeof(buf) - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got > 0 && buf[0] == 'O')
			break; /* the rest of the pipe may be held open by the container's processes */
		if (got >= sizeof(buf) - 1)
			break;
	}
	close(rep[0]);
	buf[got] = '\0';
	if (got == 0)
		return err_set(EIO, "the container's monitor exited before the container ran");
	if (buf[0] == 'E')
		return err_set(EPERM, "%s", buf + 1);
	json_object *meta;
	*monitor = 0;
	if (rec_meta_load(m->recfd, &meta) == 0) {
		json_object *mp;
		if (json_object_object_get_ex(meta, "monitor_pid", &mp))
			*monitor = json_object_get_int(mp);
		json_object_put(meta);
	}
	return 0;
}
