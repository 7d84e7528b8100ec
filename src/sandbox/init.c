#include "sandbox/init.h"

#include <fcntl.h>
#include <limits.h>
#include <json-c/json.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "oci/state.h"
#include "sandbox/caps.h"
#include "sandbox/console.h"
#include "sandbox/devices.h"
#include "sandbox/hooks.h"
#include "sandbox/mount.h"
#include "sandbox/ns.h"
#include "sandbox/process.h"
#include "sandbox/sync.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/path.h"

extern char **environ;

/* Report the failure to the parent and die.  Our stderr is the container's. */
/*
 * exec.fifo once `start` has read our go byte: a failure from then on (a
 * startContainer hook, seccomp, the identity) is written to it as "E<message>"
 * so that `start` fails with it, as the spec's lifecycle step 7 asks.
 */
static int start_fifo = -1;

static NORETURN void fail(struct init_ctx *x, int r)
{
	if (x->sync_fd >= 0) {
		sync_send(x->sync_fd, SYNC_ERROR, r, err_msg(), -1);
	} else {
		dprintf(STDERR_FILENO, "stockade: %s\n", err_msg());
		if (start_fifo >= 0) {
			char buf[PIPE_BUF];
			int n = snprintf(buf, sizeof(buf), "E%s", err_msg());
			/* one write of at most PIPE_BUF bytes: atomic; `start` reads to EOF */
			if (write(start_fifo, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1) < 0)
				dprintf(STDERR_FILENO, "stockade: cannot report the failure to start: %s\n", strerror(errno));
		}
	}
	_exit(1);
}

#define TRY(x, expr) \
	do { \
		int _r = (expr); \
		if (_r < 0) \
			fail((x), _r); \
	} while (0)

static char *state_json(const struct init_ctx *x, const char *status, pid_t pid)
{
	const struct oci_spec *s = x->spec;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "ociVersion", json_object_new_string(OCI_SPEC_VERSION));
	json_object_object_add(o, "id", json_object_new_string(x->id));
	json_object_object_add(o, "status", json_object_new_string(status));
	json_object_object_add(o, "pid", json_object_new_int(pid));
	json_object_object_add(o, "bundle", json_object_new_string(s->bundle));
	json_object *a = json_object_new_object();
	for (size_t i = 0; i < s->n_annotations; i++)
		json_object_object_add(a, s->annotations[i].key, json_object_new_string(s->annotations[i].value));
	json_object_object_add(o, "annotations", a);
	char *out = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return out;
}

/*
 * config-linux.md#containerprocessstate: one message to the seccomp agent,
 * the JSON state with the listener fd in SCM_RIGHTS, then close.
 */
static int send_to_agent(const struct init_ctx *x, int listener, pid_t host_pid)
{
	const struct oci_seccomp *sc = x->spec->linux_.seccomp;
	char *st = state_json(x, "created", host_pid);
	json_object *meta = json_object_new_string(sc && sc->listener_metadata ? sc->listener_metadata : "");
	char *msg = NULL;
	int n = asprintf(&msg, "{\"ociVersion\":\"%s\",\"fds\":[\"seccompFd\"],\"pid\":%d,\"metadata\":%s,\"state\":%s}",
			 OCI_SPEC_VERSION, (int)host_pid, json_object_to_json_string(meta), st);
	json_object_put(meta);
	free(st);
	if (n < 0)
		return err_sys(ENOMEM, "seccomp agent message");
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof(u));
	struct iovec iov = { .iov_base = msg, .iov_len = (size_t)n };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &listener, sizeof(int));
	ssize_t w;
	do
		w = sendmsg(x->seccomp_agent, &mh, MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
	int e = errno;
	free(msg);
	if (w != n)
		return err_sys(w < 0 ? e : EPIPE, "linux.seccomp.listenerPath %s: cannot send the container process state to the seccomp agent",
			       sc && sc->listener_path ? sc->listener_path : "?");
	return 0;
}

/* Install the filter; with SCMP_ACT_NOTIFY, hand the listener to the agent and drop our copies. */
static void install_seccomp(struct init_ctx *x, pid_t host_pid)
{
	int listener = -1;
	int r = seccomp_install(x->seccomp, &listener);
	if (r < 0)
		fail(x, err_sys(r, "cannot load the seccomp filter"));
	if (listener >= 0) {
		if (x->seccomp_agent < 0)
			fail(x, err_set(EINVAL, "internal error: SCMP_ACT_NOTIFY without a connection to the agent"));
		r = send_to_agent(x, listener, host_pid);
		close(listener);
		if (r < 0)
			fail(x, r);
	}
	if (x->seccomp_agent >= 0) {
		close(x->seccomp_agent);
		x->seccomp_agent = -1;
	}
}

static pid_t wait_go(struct init_ctx *x)
{
	struct sync_msg m;
	int r = sync_expect(x->sync_fd, SYNC_GO, &m, NULL);
	if (r == -EPIPE)
		_exit(1); /* the runtime is gone: nothing to report to */
	if (r < 0)
		fail(x, r);
	return m.value;
}

static int set_names(const struct oci_spec *s)
{
	if (s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0)
		return err_sys(errno, "%s: hostname: cannot set \"%s\"", s->config_path, s->hostname);
	if (s->domainname && setdomainname(s->domainname, strlen(s->domainname)) < 0)
		return err_sys(errno, "%s: domainname: cannot set \"%s\"", s->config_path, s->domainname);
	return 0;
}

static int apply_sysctl(const struct oci_spec *s, int rootfd)
{
	for (size_t i = 0; i < s->linux_.n_sysctl; i++) {
		char path[PATH_MAX];
		const struct kv *kv = &s->linux_.sysctl[i];
		int n = snprintf(path, sizeof(path), "/proc/sys/%s", kv->key);
		if (n < 0 || (size_t)n >= sizeof(path))
			return err_set(ENAMETOOLONG, "linux.sysctl: name too long");
		for (char *p = path + 10; *p; p++)
			if (*p == '.')
				*p = '/';
		_cleanup_close_ int fd = in_root_open(rootfd, path, O_WRONLY, IN_ROOT_NOFOLLOW);
		if (fd < 0)
			return err_sys(fd, "%s: linux.sysctl[\"%s\"]: cannot open %s (is /proc mounted, and does the kernel "
					   "have this setting?)", s->config_path, kv->key, path);
		int r = write_all(fd, kv->value, strlen(kv->value));
		if (r < 0)
			return err_sys(r, "%s: linux.sysctl[\"%s\"]: cannot set it to \"%s\"", s->config_path, kv->key, kv->value);
	}
	return 0;
}

static int open_host_devnull(void)
{
	struct stat st;
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return err_sys(errno, "open /dev/null");
	if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3)) {
		close(fd);
		return err_set(EINVAL, "the host's /dev/null is not the null device");
	}
	return fd;
}

static unsigned long root_propagation(const struct oci_spec *s)
{
	unsigned long p = s->linux_.rootfs_propagation;
	if (p & MS_SLAVE)
		return MS_SLAVE | MS_REC;
	return MS_PRIVATE | MS_REC;
}

static int prepare_rootfs(struct init_ctx *x, int *rootfd_out)
{
	const struct oci_spec *s = x->spec;
	bool userns = (x->clone_flags | x->unshare_flags) & CLONE_NEWUSER;
	int r;

	/* Nothing we mount may propagate back to the host. */
	if (mount("", "/", NULL, root_propagation(s), NULL) < 0)
		return err_sys(errno, "cannot make the container's mounts private");
	if (mount(s->root_path, s->root_path, NULL, MS_BIND | MS_REC, NULL) < 0)
		return err_sys(errno, "%s: root.path: cannot bind %s", s->config_path, s->root_path);
	int rootfd = open(s->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return err_sys(errno, "%s: root.path: cannot open %s", s->config_path, s->root_path);
	*rootfd_out = rootfd;

	struct mount_env env = {
		.rootfd = rootfd, .config = s->config_path, .userns = userns,
		.cgroupns = s->linux_.ns[NS_CGROUP].present, .netns = s->linux_.ns[NS_NET].present, .cg = x->cg,
	};
	for (size_t i = 0; i < s->n_mounts; i++)
		if ((r = mount_entry(&env, &s->mounts[i])) < 0)
			return r;
	/* on the config's /run tmpfs, before maskedPaths/readonlyPaths and the read-only root */
	if ((r = secrets_mount(rootfd, s, x->secrets)) < 0)
		return r;

	struct dev_env denv = { .rootfd = rootfd, .config = s->config_path, .userns = userns,
		.terminal = s->process.terminal };
	if ((r = devices_setup(&denv, s)) < 0)
		return r;
	if ((r = apply_sysctl(s, rootfd)) < 0)
		return r;

	_cleanup_close_ int devnull = open_host_devnull();
	if (devnull < 0)
		return devnull;
	for (size_t i = 0; i < s->linux_.n_masked_paths; i++)
		if ((r = mount_mask_path(rootfd, s->linux_.masked_paths[i], devnull)) < 0)
			return err_ctx(r, "%s: linux.maskedPaths[%zu]", s->config_path, i);
	for (size_t i = 0; i < s->linux_.n_readonly_paths; i++)
		if ((r = mount_readonly_path(rootfd, s->linux_.readonly_paths[i])) < 0)
			return err_ctx(r, "%s: linux.readonlyPaths[%zu]", s->config_path, i);
	return 0;
}

static int enter_root(struct init_ctx *x, int rootfd)
{
	const struct oci_spec *s = x->spec;
	if (fchdir(rootfd) < 0)
		return err_sys(errno, "chdir into the rootfs");
	if (x->no_pivot) {
		if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
			return err_sys(errno, "--no-pivot: cannot move the rootfs to /");
		if (chroot(".") < 0)
			return err_sys(errno, "--no-pivot: chroot");
	} else {
		if (syscall(SYS_pivot_root, ".", ".") < 0)
			return err_sys(errno, "pivot_root into %s (use --no-pivot on a ramfs root)", s->root_path);
		/* the old root is stacked under the new one: detach it */
		if (umount2(".", MNT_DETACH) < 0)
			return err_sys(errno, "cannot detach the host's root");
	}
	if (chdir("/") < 0)
		return err_sys(errno, "chdir /");

	_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return err_sys(errno, "open /");
	int r;
	if (s->root_readonly && (r = mount_set(root, false, MOUNT_ATTR_RDONLY, 0, 0)) < 0)
		return err_sys(r, "%s: root.readonly: cannot make the root filesystem read-only", s->config_path);
	unsigned long p = s->linux_.rootfs_propagation;
	if (p && (r = mount_set(root, (p & MS_REC) != 0, 0, 0, p)) < 0)
		return err_sys(r, "%s: linux.rootfsPropagation: cannot make / %s", s->config_path, s->linux_.rootfs_propagation_name);
	return 0;
}

static void become_root_in_userns(void)
{
	/* full capabilities in the new user namespace come with any uid; files we create should belong to its root */
	/* root not mapped: keep going with the capabilities we have */
	(void)!setresgid(0, 0, 0);
	(void)!setresuid(0, 0, 0);
}

static int hand_over_console(struct init_ctx *x, int master)
{
	int r;
	if (x->console_sock >= 0) {
		r = send_fd(x->console_sock, master, "/dev/console", strlen("/dev/console"));
		close(x->console_sock);
		x->console_sock = -1;
		if (r < 0)
			return err_sys(r, "cannot send the terminal to --console-socket");
	} else if (x->console_to_parent) {
		r = sync_send(x->sync_fd, SYNC_CONSOLE, 0, NULL, master);
		if (r < 0)
			return err_sys(r, "cannot send the terminal to the runtime");
	}
	close(master);
	return 0;
}

/* The runtime may block or ignore signals (foreground `run` does); the
 * container must start with default dispositions and an empty mask, since
 * ignored signals and the mask survive execve. */
static void reset_signals(void)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };
	sigset_t none;
	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL); /* EINVAL for SIGKILL/SIGSTOP and RT signals glibc reserves: harmless */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* A new network namespace has only `lo`, and it is down. */
static int loopback_up(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_sys(errno, "cannot bring up the loopback interface: socket");
	struct ifreq ifr = { 0 };
	strcpy(ifr.ifr_name, "lo");
	int r = 0;
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		r = err_sys(errno, "cannot bring up the loopback interface: SIOCGIFFLAGS");
	else if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			r = err_sys(errno, "cannot bring up the loopback interface: SIOCSIFFLAGS");
	}
	close(fd);
	return r;
}

static NORETURN void stage2(struct init_ctx *x, pid_t host_pid)
{
	const struct oci_spec *s = x->spec;
	const struct oci_process *p = &s->process;
	char exec_path[PATH_MAX];
	int rootfd = -1;

	if ((x->clone_flags | x->unshare_flags) & CLONE_NEWUSER)
		become_root_in_userns();
	if (!x->intermediate)
		TRY(x, ns_join(x->ns_fds, 0));
	ns_close_fds(x->ns_fds);
	if (x->late_cgroupns && unshare(CLONE_NEWCGROUP) < 0)
		fail(x, err_sys(errno, "cannot create the cgroup namespace"));
	if ((x->clone_flags | x->unshare_flags) & CLONE_NEWNET)
		TRY(x, loopback_up());
	TRY(x, set_names(s));
	umask(0);
	TRY(x, prepare_rootfs(x, &rootfd));

	if (s->hooks.n[HOOK_PRESTART] || s->hooks.n[HOOK_CREATE_RUNTIME]) {
		TRY(x, sync_send(x->sync_fd, SYNC_HOOKS, 0, NULL, -1));
		wait_go(x);
	}
	if (s->hooks.n[HOOK_CREATE_CONTAINER]) {
		char *st = state_json(x, "creating", host_pid);
		TRY(x, hooks_run(s, HOOK_CREATE_CONTAINER, st));
		free(st);
	}
	TRY(x, enter_root(x, rootfd));
	close(rootfd);

	if (p->terminal) {
		int master = -1;
		TRY(x, console_setup(p, true, &master));
		TRY(x, hand_over_console(x, master));
	}
	TRY(x, process_apply_rlimits(p));
	TRY(x, process_apply_sched(s));
	TRY(x, process_find_exec(p, exec_path, sizeof(exec_path)));

	TRY(x, sync_send(x->sync_fd, SYNC_READY, 0, NULL, -1));
	wait_go(x); /* the runtime recorded the state: we exist */
	close(x->sync_fd);
	x->sync_fd = -1;

	/* Block until `start` opens the fifo for reading. */
	int fifo;
	do
		fifo = openat(x->state_dirfd, "exec.fifo", O_WRONLY | O_CLOEXEC);
	while (fifo < 0 && errno == EINTR);
	if (fifo < 0) {
		err_sys(errno, "cannot open exec.fifo");
		fail(x, -1);
	}
	/* Keep the fifo open, close-on-exec, above the fds the process inherits:
	 * `start` reads our byte, then waits for EOF, which comes when execve
	 * (or our death) closes it, so poststart hooks run after startContainer
	 * hooks and the exec, as the spec orders them. */
	int hi = fcntl(fifo, F_DUPFD_CLOEXEC, 3 + (x->preserve_fds > 0 ? x->preserve_fds : 0));
	if (hi < 0) {
		err_sys(errno, "cannot move exec.fifo");
		fail(x, -1);
	}
	close(fifo);
	if (write(hi, "0", 1) != 1) {
		err_sys(errno, "cannot write exec.fifo");
		fail(x, -1);
	}
	start_fifo = hi;
	close(x->state_dirfd);

	/* From here on, errors go to the container's stderr. */
	bool early_seccomp = x->seccomp && !p->no_new_privileges;
	if (early_seccomp)
		install_seccomp(x, host_pid);
	TRY(x, caps_apply_identity(p, x->last_cap));
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail(x, err_sys(errno, "cannot set no_new_privs"));
	TRY(x, process_chdir(p));
	if (s->hooks.n[HOOK_START_CONTAINER]) {
		char *st = state_json(x, "created", host_pid);
		TRY(x, hooks_run(s, HOOK_START_CONTAINER, st));
		free(st);
	}
	umask(p->user.has_umask ? (mode_t)p->user.umask : 022);
	TRY(x, process_prepare_fds(x->preserve_fds));
	if (x->seccomp && !early_seccomp)
		install_seccomp(x, host_pid);

	execve(exec_path, (char *const *)p->args, p->n_env ? (char *const *)p->env : (char *const[]){ NULL });
	dprintf(STDERR_FILENO, "stockade: cannot execute %s: %s\n", exec_path, strerror(errno));
	_exit(127);
}

static int write_time_offsets(const struct oci_spec *s)
{
	char buf[256];
	const struct oci_linux *l = &s->linux_;
	snprintf(buf, sizeof(buf), "monotonic %lld %lld\nboottime %lld %lld\n", (long long)l->time_offset_monotonic_s,
		 (long long)l->time_offset_monotonic_ns, (long long)l->time_offset_boottime_s,
		 (long long)l->time_offset_boottime_ns);
	int r = write_knob_at(AT_FDCWD, "/proc/self/timens_offsets", buf);
	return r < 0 ? err_sys(r, "%s: linux.timeOffsets: cannot write /proc/self/timens_offsets", s->config_path) : 0;
}

/* Joined namespaces plus new ones that must be created after the joins: we are
 * still in the host's namespaces; join, unshare, then fork the real init. */
static NORETURN void intermediate(struct init_ctx *x)
{
	const struct oci_spec *s = x->spec;
	TRY(x, ns_join(x->ns_fds, 0));
	ns_close_fds(x->ns_fds);
	if (x->unshare_flags & CLONE_NEWUSER) {
		if (unshare(CLONE_NEWUSER) < 0)
			fail(x, err_sys(errno, "cannot create the user namespace"));
		TRY(x, sync_send(x->sync_fd, SYNC_USERMAP, 0, NULL, -1));
		wait_go(x);
		become_root_in_userns();
	}
	int rest = x->unshare_flags & ~CLONE_NEWUSER;
	if (rest && unshare(rest) < 0)
		fail(x, err_sys(errno, "cannot create the container's namespaces"));
	if ((rest & CLONE_NEWTIME) && s->linux_.has_time_offsets)
		TRY(x, write_time_offsets(s));
	pid_t child = fork();
	if (child < 0)
		fail(x, err_sys(errno, "fork"));
	if (child == 0) {
		pid_t host_pid = wait_go(x);
		stage2(x, host_pid);
	}
	TRY(x, sync_send(x->sync_fd, SYNC_PID, child, NULL, -1));
	_exit(0);
}

void init_main(struct init_ctx *x)
{
	reset_signals();
	/* Wait until the runtime has put us in our cgroup and recorded us; the
	 * value is our pid as the host sees it (for hooks' state). */
	pid_t host_pid = wait_go(x);
	if (x->intermediate)
		intermediate(x);
	stage2(x, host_pid);
}
