#include "sandbox/container.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>

#include "sandbox/caps.h"
#include "sandbox/cgroup.h"
#include "policy/policy.h"
#include "sandbox/hooks.h"
#include "sandbox/init.h"
#include "sandbox/ns.h"
#include "sandbox/process.h"
#include "sandbox/seccomp.h"
#include "sandbox/supervise.h"
#include "sandbox/sync.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/macros.h"

#define CONFIG_MAX (64u << 20)

/* Everything a create has made so far, so a failure can take it all back. */
struct creation {
	struct oci_spec *spec;
	struct seccomp_prog seccomp;
	bool has_seccomp;
	int rootfd, statefd;
	bool claimed;
	struct cgroup *cg;
	bool cg_made;
	int sync[2];
	int console_sock;
	int ns_fds[NS__MAX];
	pid_t child, init;
	int init_pidfd;
	int console_master;
	int watchdog; /* write end: 'D' = done, EOF = we died, clean up */
	struct ctr_state st;
	struct secrets secrets; /* io.stockade.secrets, read before anything is made */
};

static void creation_init(struct creation *c)
{
	memset(c, 0, sizeof(*c));
	c->rootfd = c->statefd = c->console_sock = c->init_pidfd = c->console_master = c->watchdog = -1;
	c->sync[0] = c->sync[1] = -1;
	for (int i = 0; i < NS__MAX; i++)
		c->ns_fds[i] = -1;
}

static void reap(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* Undo a failed create: processes, cgroup, state directory. */
static void creation_rollback(struct creation *c, const char *id)
{
	char saved[4096];
	snprintf(saved, sizeof(saved), "%s", err_msg()); /* keep the real error */
	if (c->init > 0 && c->init != c->child) {
		kill(c->init, SIGKILL);
		/* not our child (intermediate mode): wait for it to vanish */
		for (int i = 0; i < 500 && kill(c->init, 0) == 0; i++) {
			waitpid(c->init, NULL, WNOHANG);
			usleep(2000);
		}
	}
	reap(c->child);
	if (c->cg_made)
		cg_destroy(c->cg);
	if (c->claimed)
		rm_rf_at(c->rootfd, id);
	err_restore(saved);
}

static void creation_free(struct creation *c)
{
	if (c->has_seccomp)
		seccomp_prog_free(&c->seccomp);
	oci_spec_free(c->spec);
	secrets_free(&c->secrets);
	cg_free(c->cg);
	ns_close_fds(c->ns_fds);
	for (int i = 0; i < 2; i++)
		if (c->sync[i] >= 0)
			close(c->sync[i]);
	if (c->console_sock >= 0)
		close(c->console_sock);
	if (c->statefd >= 0)
		close(c->statefd);
	if (c->rootfd >= 0)
		close(c->rootfd);
	if (c->init_pidfd >= 0)
		close(c->init_pidfd);
	state_clear(&c->st);
}

static int preflight(struct oci_spec *s, const struct create_opts *o)
{
	const struct oci_linux *l = &s->linux_;
	struct stat st;
	int r;

	if (!s->has_process)
		return err_set(EINVAL, "%s: \"process\" is missing: name the program to run", s->config_path);
	if (!l->ns[NS_MNT].present)
		return err_set(EINVAL, "%s: linux.namespaces: stockade needs a mount namespace for the container (the "
				       "rootfs is set up there); add {\"type\": \"mount\"}", s->config_path);
	if (l->ns[NS_MNT].path)
		return err_set(EINVAL, "%s: linux.namespaces: joining an existing mount namespace is not supported",
			       s->config_path);
	if (stat(s->root_path, &st) < 0)
		return err_sys(errno, "%s: root.path: %s", s->config_path, s->root_path);
	if (!S_ISDIR(st.st_mode))
		return err_set(ENOTDIR, "%s: root.path: %s is not a directory", s->config_path, s->root_path);
	if (s->process.terminal && !o->console_socket && !o->foreground)
		return err_set(EINVAL, "%s: process.terminal is true: pass --console-socket so the terminal can be "
				       "handed to its owner, or use \"run\" in the foreground", s->config_path);
	if (l->ns[NS_USER].present && !l->ns[NS_USER].path) {
		bool mapped;
		ns_host_uid(s, s->process.user.uid, &mapped);
		if (!mapped)
			return err_set(EINVAL, "%s: process.user.uid %u is not mapped by linux.uidMappings", s->config_path,
				       s->process.user.uid);
		ns_host_gid(s, s->process.user.gid, &mapped);
		if (!mapped)
			return err_set(EINVAL, "%s: process.user.gid %u is not mapped by linux.gidMappings", s->config_path,
				       s->process.user.gid);
	}
	if ((r = process_preflight(s)) < 0)
		return r;
	if (s->process.apparmor_profile && access("/sys/kernel/security/apparmor", F_OK) == 0)
		log_warn("process.apparmorProfile \"%s\" is not applied: stockade does not load AppArmor profiles",
			 s->process.apparmor_profile);
	return 0;
}

static bool needs_intermediate(const struct oci_spec *s)
{
	const struct oci_namespace *ns = s->linux_.ns;
	bool joins = false;
	for (int i = 0; i < NS__MAX; i++)
		joins |= ns[i].present && ns[i].path;
	bool new_user = ns[NS_USER].present && !ns[NS_USER].path;
	int new_other = ns_new_flags(s) & ~CLONE_NEWUSER;
	if (joins && new_user)
		return true;
	if (ns[NS_USER].path && new_other)
		return true;
	if (ns[NS_PID].path)
		return true;
	if (ns[NS_TIME].present && !ns[NS_TIME].path && s->linux_.has_time_offsets)
		return true;
	return false;
}

static char *hook_state(const struct creation *c, const char *id, const char *status, pid_t pid)
{
	struct ctr_state st = c->st;
	st.id = (char *)id;
	st.pid = pid;
	json_object *o = state_oci_json(&st, ST_CREATING);
	json_object_object_add(o, "status", json_object_new_string(status));
	json_object_object_add(o, "pid", json_object_new_int(pid));
	char *s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}

static json_object *annotations_json(const struct oci_spec *s)
{
	json_object *a = json_object_new_object();
	for (size_t i = 0; i < s->n_annotations; i++)
		json_object_object_add(a, s->annotations[i].key, json_object_new_string(s->annotations[i].value));
	return a;
}

/* Talk to the init until it is ready (or failed). */
static int creation_converse(struct creation *c, const struct create_opts *o)
{
	struct sync_msg m;
	int fd, r;
	for (;;) {
		r = sync_recv(c->sync[0], &m, &fd);
		if (r == -EPIPE)
			return err_set(EPIPE, "the container's init process died during setup");
		if (r < 0)
			return err_sys(r, "reading from the container's init");
		switch (m.type) {
		case SYNC_ERROR:
			err_restore(m.text);
			return m.value < 0 ? m.value : -EIO;
		case SYNC_USERMAP:
			if ((r = ns_write_idmaps(c->child, c->spec)) < 0)
				return r;
			if ((r = sync_send(c->sync[0], SYNC_GO, 0, NULL, -1)) < 0)
				return err_sys(r, "sync");
			break;
		case SYNC_PID:
			c->init = m.value;
			while (waitpid(c->child, NULL, 0) < 0 && errno == EINTR)
				;
			c->child = 0;
			c->init_pidfd = (int)syscall(SYS_pidfd_open, c->init, 0);
			if ((r = sync_send(c->sync[0], SYNC_GO, c->init, NULL, -1)) < 0)
				return err_sys(r, "sync");
			break;
		case SYNC_HOOKS: {
			char *st = hook_state(c, o->id, "creating", c->init);
			r = hooks_run(c->spec, HOOK_PRESTART, st);
			if (r >= 0)
				r = hooks_run(c->spec, HOOK_CREATE_RUNTIME, st);
			free(st);
			if (r < 0)
				return r;
			if ((r = sync_send(c->sync[0], SYNC_GO, c->init, NULL, -1)) < 0)
				return err_sys(r, "sync");
			break;
		}
		case SYNC_CONSOLE:
			if (c->console_master >= 0)
				close(c->console_master);
			c->console_master = fd;
			fd = -1;
			break;
		case SYNC_READY:
			return 0;
		default:
			return err_set(EPROTO, "internal error: unexpected message %u from the container's init", m.type);
		}
		if (fd >= 0)
			close(fd);
	}
}

static int agent_connect(const struct oci_spec *s, int *out)
{
	const char *path = s->linux_.seccomp ? s->linux_.seccomp->listener_path : NULL;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (!path || strlen(path) >= sizeof(sa.sun_path))
		return err_set(EINVAL, "%s: linux.seccomp.listenerPath: %s", s->config_path,
			       path ? "longer than a UNIX socket path may be (107 bytes)" : "missing for SCMP_ACT_NOTIFY");
	memcpy(sa.sun_path, path, strlen(path));
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_sys(errno, "socket");
	int r;
	do
		r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		int e = errno;
		close(fd);
		return err_sys(e, "%s: linux.seccomp.listenerPath: cannot connect to the seccomp agent at %s; start the agent first",
			       s->config_path, path);
	}
	*out = fd;
	return 0;
}

static int creation_clone(struct creation *c, const struct create_opts *o)
{
	struct init_ctx x = {
		.spec = c->spec, .id = o->id, .sync_fd = c->sync[1], .state_dirfd = -1, .console_sock = c->console_sock,
		.console_to_parent = o->foreground && !o->console_socket && c->spec->process.terminal,
		.seccomp = c->has_seccomp ? &c->seccomp : NULL, .preserve_fds = o->preserve_fds, .no_pivot = o->no_pivot,
		.last_cap = caps_last_cap(), .cg = c->cg, .secrets = &c->secrets,
	};
	int new_flags = ns_new_flags(c->spec);
	x.intermediate = needs_intermediate(c->spec);
	if (x.intermediate) {
		x.unshare_flags = new_flags;
	} else {
		/* The cgroup namespace is rooted where its creator stands: the init
		 * creates it only after we have moved it into its cgroup, so the
		 * container sees its own cgroup as "/". */
		x.clone_flags = new_flags & ~CLONE_NEWCGROUP;
		x.late_cgroupns = (new_flags & CLONE_NEWCGROUP) != 0;
	}
	memcpy(x.ns_fds, c->ns_fds, sizeof(x.ns_fds));
	/* SCMP_ACT_NOTIFY: connect to the agent here, in the runtime's mount
	 * namespace where listenerPath means what the caller meant; the init
	 * sends the listener over it once the filter is loaded. */
	x.seccomp_agent = -1;
	if (c->has_seccomp && c->seccomp.notify) {
		int r = agent_connect(c->spec, &x.seccomp_agent);
		if (r < 0)
			return r;
	}
	/* the init opens exec.fifo relative to this; O_PATH, close-on-exec */
	x.state_dirfd = openat(c->statefd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (x.state_dirfd < 0) {
		if (x.seccomp_agent >= 0)
			close(x.seccomp_agent);
		return err_sys(errno, "open state directory");
	}

	int pidfd = -1;
	struct clone_args args = {
		.flags = (uint64_t)x.clone_flags | CLONE_PIDFD,
		.pidfd = (uint64_t)(uintptr_t)&pidfd,
		.exit_signal = SIGCHLD,
	};
	pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0) {
		int e = errno;
		close(x.state_dirfd);
		if (x.seccomp_agent >= 0)
			close(x.seccomp_agent);
		if (e == ENOSPC || e == EUSERS)
			return err_sys(e, "cannot create the container's namespaces (the host's namespace limit is reached)");
		return err_sys(e, "cannot create the container's namespaces");
	}
	if (pid == 0) {
		/* Not the locked state directory (the lock would live as long as
		 * the container) and not the watchdog's pipe (it must see EOF
		 * when the runtime dies). */
		close(c->sync[0]);
		close(c->statefd);
		close(c->rootfd);
		if (c->watchdog >= 0)
			close(c->watchdog);
		init_main(&x);
	}
	close(x.state_dirfd);
	if (x.seccomp_agent >= 0)
		close(x.seccomp_agent);
	close(c->sync[1]);
	c->sync[1] = -1;
	c->child = pid;
	if (!x.intermediate) {
		c->init = pid;
		c->init_pidfd = pidfd;
	} else if (pidfd >= 0) {
		close(pidfd);
	}
	if (c->console_sock >= 0) {
		close(c->console_sock);
		c->console_sock = -1;
	}

	int r;
	if ((x.clone_flags & CLONE_NEWUSER) && (r = ns_write_idmaps(pid, c->spec)) < 0)
		return r;
	if (c->cg && (r = cg_enter(c->cg, pid)) < 0)
		return err_ctx(r, "cannot move the container into its cgroup");
	if ((r = process_set_oom_score_adj(c->spec, pid)) < 0)
		return r;
	if ((r = sync_send(c->sync[0], SYNC_GO, pid, NULL, -1)) < 0)
		return err_sys(r, "cannot talk to the container's init");
	return 0;
}


static int destroy_locked(int rootfd, int statefd, struct ctr_state *st, bool kill_all);

/*
 * A runtime killed half-way through `create` (SIGKILL, OOM) cannot clean up
 * after itself.  A small watchdog process, forked once the container's ID is
 * claimed, waits on a pipe: 'D' means the create finished (or rolled itself
 * back) and it just exits; end-of-file means the runtime died, and it does
 * what `delete --force` would: kill the half-made container, remove its
 * cgroup and its state directory.
 */
static void watchdog_main(const char *root, const char *id, int rfd)
{
	static const int ignored[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU };
	sigset_t none;
	for (size_t i = 0; i < ARRAY_SIZE(ignored); i++)
		signal(ignored[i], SIG_IGN);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
	prctl(PR_SET_NAME, "stockade-watch", 0, 0, 0);
	prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
	/* keep nothing of the runtime's: above all not the locked state directory */
	if (rfd != 3 && dup3(rfd, 3, O_CLOEXEC) < 0)
		_exit(0);
	syscall(SYS_close_range, 4, ~0U, 0);
	char c;
	ssize_t n;
	do
		n = read(3, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n == 1)
		_exit(0);
	log_set_stderr(false);
	int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		_exit(0);
	int statefd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (statefd < 0 || flock(statefd, LOCK_EX) < 0)
		_exit(0);
	struct ctr_state st;
	if (state_load(statefd, id, &st) < 0 || !st.creating) {
		/* no state yet: only the empty claim exists */
		if (faccessat(statefd, "state.json", F_OK, 0) < 0)
			rm_rf_at(rootfd, id);
		_exit(0);
	}
	destroy_locked(rootfd, statefd, &st, true);
	_exit(0);
}

static int watchdog_start(const char *root, const char *id)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_sys(errno, "pipe");
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		return err_sys(e, "fork");
	}
	if (pid == 0) {
		close(p[1]);
		watchdog_main(root, id, p[0]);
		_exit(0);
	}
	close(p[0]);
	return p[1];
}

static void watchdog_done(struct creation *c)
{
	if (c->watchdog < 0)
		return;
	(void)!write(c->watchdog, "D", 1);
	close(c->watchdog);
	c->watchdog = -1;
}

static int creation_claim(struct creation *c, const char *root, const struct create_opts *o, const char *raw, size_t rawlen)
{
	char created[64];
	int r;

	c->rootfd = state_root_open(root, true);
	if (c->rootfd < 0)
		return c->rootfd;
	c->statefd = state_dir_lock(c->rootfd, o->id, true);
	if (c->statefd < 0)
		return c->statefd;
	c->claimed = true;
	if ((c->watchdog = watchdog_start(root, o->id)) < 0)
		return c->watchdog;
	/* the init (maybe an unprivileged user namespace root) must reach exec.fifo in here */
	if (fchmod(c->statefd, 0711) < 0)
		return err_sys(errno, "chmod state directory");

	if ((r = cg_plan(c->spec->linux_.cgroups_path, o->id, &c->cg)) < 0)
		return err_ctx(r, "%s: linux.cgroupsPath", c->spec->config_path);

	log_timestamp(created, sizeof(created));
	c->st.id = strdup(o->id);
	c->st.bundle = strdup(c->spec->bundle);
	c->st.rootfs = strdup(c->spec->root_path);
	c->st.created = strdup(created);
	c->st.creating = true;
	c->st.runtime_pid = getpid();
	proc_start_time(getpid(), &c->st.runtime_start_time, NULL);
	c->st.ns_new = ns_new_flags(c->spec);
	c->st.has_userns = c->spec->linux_.ns[NS_USER].present;
	c->st.uid_map0 = ns_host_uid(c->spec, 0, NULL);
	c->st.cgroup = cg_to_json(c->cg);
	c->st.annotations = annotations_json(c->spec);
	if ((r = state_save(c->statefd, &c->st)) < 0)
		return r;
	if ((r = write_file_atomic_at(c->statefd, "config.json", raw, rawlen, 0600)) < 0)
		return err_sys(r, "cannot keep a copy of config.json");

	if ((r = cg_create(c->cg, &c->spec->linux_.resources)) < 0)
		return r;
	c->cg_made = true;

	if (mkfifoat(c->statefd, "exec.fifo", 0600) < 0)
		return err_sys(errno, "cannot create exec.fifo");
	if (c->st.has_userns) {
		uid_t u = ns_host_uid(c->spec, 0, NULL);
		gid_t g = ns_host_gid(c->spec, 0, NULL);
		if (fchownat(c->statefd, "exec.fifo", u, g, AT_SYMLINK_NOFOLLOW) < 0)
			return err_sys(errno, "cannot hand exec.fifo to the container's root");
	}
	return 0;
}

static int do_create(const char *root, const struct create_opts *o, struct creation *c)
{
	_cleanup_free_ char *raw = NULL;
	char cfg[PATH_MAX], bundle[PATH_MAX];
	size_t rawlen;
	int r;

	if ((r = ctr_id_valid(o->id)) < 0)
		return r;
	if (!realpath(o->bundle, bundle))
		return err_sys(errno, "--bundle %s", o->bundle);
	snprintf(cfg, sizeof(cfg), "%s/config.json", bundle);
	r = read_file_at(AT_FDCWD, cfg, CONFIG_MAX, &raw, &rawlen);
	if (r == -ENOENT)
		return err_set(ENOENT, "%s does not exist; a bundle is a directory with config.json and a root filesystem "
				       "(\"stockade spec\" writes a hardened config.json)", cfg);
	if (r < 0)
		return err_sys(r, "cannot read %s", cfg);
	if ((r = oci_spec_parse(raw, rawlen, cfg, bundle, &c->spec)) < 0)
		return r;
	if (o->policy) {
		char what[300], *hardened = NULL;
		snprintf(what, sizeof(what), "container \"%s\"", o->id);
		if ((r = policy_admit(o->policy, c->spec, raw, rawlen, what, &hardened)) < 0)
			return r;
		if (hardened) {
			/* the hardened config is what runs and what the state directory keeps */
			free(raw);
			raw = hardened;
			rawlen = strlen(raw);
			oci_spec_free(c->spec);
			c->spec = NULL;
			if ((r = oci_spec_parse(raw, rawlen, cfg, bundle, &c->spec)) < 0)
				return r;
		}
	}
	if ((r = preflight(c->spec, o)) < 0)
		return r;
	if ((r = secrets_load(c->spec, &c->secrets)) < 0)
		return r;
	if (c->spec->linux_.seccomp) {
		if ((r = seccomp_compile_cached(c->spec->linux_.seccomp, c->spec->config_path, root, &c->seccomp)) < 0)
			return r;
		c->has_seccomp = true;
	}
	if ((r = ns_open_paths(c->spec, c->ns_fds)) < 0)
		return r;
	if (o->console_socket && c->spec->process.terminal && (c->console_sock = sv_connect_console(o->console_socket)) < 0)
		return c->console_sock;

	/* From here on, every step is undone if a later one fails. */
	if ((r = creation_claim(c, root, o, raw, rawlen)) < 0)
		return r;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, c->sync) < 0)
		return err_sys(errno, "socketpair");
	if ((r = creation_clone(c, o)) < 0)
		return r;
	secrets_free(&c->secrets); /* the init has its own copy now; ours is wiped */
	if ((r = creation_converse(c, o)) < 0)
		return r;

	c->st.pid = c->init;
	c->st.creating = false;
	c->st.runtime_pid = 0;
	c->st.runtime_start_time = 0;
	if (proc_start_time(c->init, &c->st.start_time, NULL) < 0)
		return err_set(ESRCH, "the container's init exited during setup");
	/* cg_create knows now which directories it made (and delete may remove) */
	json_object_put(c->st.cgroup);
	c->st.cgroup = cg_to_json(c->cg);
	if ((r = state_save(c->statefd, &c->st)) < 0)
		return r;
	if (o->pid_file && (r = sv_write_pid_file(o->pid_file, c->init)) < 0)
		return r;
	/* let the init go on to wait for `start` */
	if ((r = sync_send(c->sync[0], SYNC_GO, c->init, NULL, -1)) < 0)
		return err_sys(r, "cannot talk to the container's init");
	if (c->child > 0 && c->child == c->init)
		c->child = 0; /* not ours to kill any more */
	return 0;
}

static int prepare_preserved_fds(int n)
{
	/* make sure no fd stockade opens lands among the preserved ones */
	for (int fd = 3; fd < 3 + n; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		int nf = open("/dev/null", O_RDWR);
		if (nf < 0)
			return err_sys(errno, "open /dev/null");
		if (nf != fd) {
			if (dup2(nf, fd) < 0)
				return err_sys(errno, "dup2");
			close(nf);
		}
	}
	return 0;
}

static int create_common(const char *root, const struct create_opts *o, struct creation *c)
{
	int r;
	creation_init(c);
	if (o->preserve_fds < 0 || o->preserve_fds > 65536)
		return err_set(EINVAL, "--preserve-fds must be between 0 and 65536");
	if ((r = prepare_preserved_fds(o->preserve_fds)) < 0)
		return r;
	r = do_create(root, o, c);
	if (r < 0)
		creation_rollback(c, o->id);
	watchdog_done(c);
	return r;
}

int container_create(const char *root, const struct create_opts *o)
{
	struct creation c;
	int r = create_common(root, o, &c);
	creation_free(&c);
	return r;
}

/* ------------------------------------------------------------- start */

static int load_config_copy(int statefd, const struct ctr_state *st, struct oci_spec **out)
{
	_cleanup_free_ char *raw = NULL;
	size_t len;
	int r = read_file_at(statefd, "config.json", CONFIG_MAX, &raw, &len);
	if (r < 0)
		return err_sys(r, "cannot read the configuration of container \"%s\"", st->id);
	return oci_spec_parse(raw, len, "config.json", st->bundle ? st->bundle : "/", out);
}

/* The init wrote "E<message>" after its go byte: read the message to EOF (its exit closes the fifo). */
static int start_failed(int fd, const struct ctr_state *st)
{
	char msg[PIPE_BUF + 1];
	size_t len = 0;
	for (int tries = 0; len < sizeof(msg) - 1 && tries < 100;) {
		ssize_t got = read(fd, msg + len, sizeof(msg) - 1 - len);
		if (got > 0) {
			len += (size_t)got;
		} else if (got == 0) {
			break;
		} else if (errno == EAGAIN) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			poll(&p, 1, 10);
			tries++;
		} else if (errno != EINTR) {
			break;
		}
	}
	msg[len] = '\0';
	return err_set(EIO, "container \"%s\" did not start: %s", st->id, len ? msg : "its init failed");
}

static int wait_fifo(int statefd, const struct ctr_state *st)
{
	_cleanup_close_ int fd = openat(statefd, "exec.fifo", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return err_sys(errno, "cannot open exec.fifo of container \"%s\"", st->id);
	bool started = false;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int n = poll(&p, 1, 100);
		if (n < 0 && errno != EINTR)
			return err_sys(errno, "poll");
		if (n > 0) {
			char b;
			ssize_t got = read(fd, &b, 1);
			if (got == 1 && started && b == 'E')
				return start_failed(fd, st);
			if (got == 1) {
				started = true;
				continue;
			}
			if (got == 0 && started)
				return 0; /* the init exec'd (or died after its go): the fifo closed */
			if (got < 0 && errno != EAGAIN && errno != EINTR)
				return err_sys(errno, "cannot read exec.fifo of container \"%s\"", st->id);
			if (got < 0)
				continue;
		}
		if (!proc_alive(st->pid, st->start_time))
			return started ? 0
				       : err_set(ESRCH, "the init of container \"%s\" died before it could start", st->id);
	}
}

static int start_locked(int statefd, struct ctr_state *st)
{
	enum ctr_status status = state_status(statefd, st);
	if (status != ST_CREATED)
		return err_set(EINVAL, "cannot start container \"%s\": it is %s, not created", st->id, ctr_status_names[status]);
	struct oci_spec *spec = NULL;
	int r = load_config_copy(statefd, st, &spec);
	if (r < 0)
		return r;
	r = wait_fifo(statefd, st);
	if (r >= 0) {
		unlinkat(statefd, "exec.fifo", 0);
		if (spec->hooks.n[HOOK_POSTSTART]) {
			json_object *o = state_oci_json(st, ST_RUNNING);
			const char *js = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
			for (size_t i = 0; i < spec->hooks.n[HOOK_POSTSTART]; i++) {
				struct oci_spec one = *spec;
				one.hooks.list[HOOK_POSTSTART] = &spec->hooks.list[HOOK_POSTSTART][i];
				one.hooks.n[HOOK_POSTSTART] = 1;
				if (hooks_run(&one, HOOK_POSTSTART, js) < 0)
					log_warn("%s (the container keeps running)", err_msg());
			}
			json_object_put(o);
		}
	}
	oci_spec_free(spec);
	return r;
}

int container_start(const char *root, const char *id)
{
	struct ctr_state st;
	int r;
	if ((r = ctr_id_valid(id)) < 0)
		return r;
	_cleanup_close_ int rootfd = state_root_open(root, false);
	if (rootfd < 0)
		return rootfd == -ENOENT ? err_set(ENOENT, "container \"%s\" does not exist", id) : rootfd;
	_cleanup_close_ int statefd = state_dir_lock(rootfd, id, false);
	if (statefd < 0)
		return statefd;
	if ((r = state_load(statefd, id, &st)) < 0)
		return r;
	r = start_locked(statefd, &st);
	state_clear(&st);
	return r;
}

/* ------------------------------------------------------ kill, delete */

int container_open(const char *root, const char *id, int *rootfd, int *statefd, struct ctr_state *st)
{
	int r = ctr_id_valid(id);
	if (r < 0)
		return r;
	*rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*rootfd < 0)
		return errno == ENOENT ? err_set(ENOENT, "container \"%s\" does not exist", id)
				       : err_sys(errno, "cannot open %s", root);
	*statefd = state_dir_lock(*rootfd, id, false);
	if (*statefd < 0) {
		r = *statefd;
		close(*rootfd);
		*rootfd = -1;
		return r;
	}
	r = state_load(*statefd, id, st);
	if (r < 0) {
		close(*statefd);
		close(*rootfd);
		*statefd = *rootfd = -1;
	}
	return r;
}

static int signal_init(const struct ctr_state *st, int sig)
{
	int pidfd = (int)syscall(SYS_pidfd_open, st->pid, 0);
	if (pidfd < 0)
		return err_sys(errno, "container \"%s\" is not running", st->id);
	/* the pidfd pins the process: check it is still the one we started */
	if (!proc_alive(st->pid, st->start_time)) {
		close(pidfd);
		return err_set(ESRCH, "container \"%s\" is not running", st->id);
	}
	int r = (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
	int e = errno;
	close(pidfd);
	return r < 0 ? err_sys(e, "cannot signal container \"%s\"", st->id) : 0;
}

int container_kill(const char *root, const char *id, int sig, bool all)
{
	int rootfd = -1, statefd = -1, r;
	struct ctr_state st;
	if ((r = container_open(root, id, &rootfd, &statefd, &st)) < 0)
		return r;
	enum ctr_status status = state_status(statefd, &st);
	if (status == ST_STOPPED || status == ST_CREATING) {
		r = err_set(EINVAL, "container \"%s\" is %s: there is nothing to signal", id, ctr_status_names[status]);
	} else if (all && st.cgroup) {
		struct cgroup *cg = NULL;
		r = cg_from_json(st.cgroup, &cg);
		if (r >= 0)
			r = cg_signal_all(cg, sig);
		if (r >= 0 && status == ST_PAUSED && (sig == SIGKILL || sig == SIGTERM))
			cg_freeze(cg, false);
		cg_free(cg);
	} else {
		r = signal_init(&st, sig);
	}
	state_clear(&st);
	close(statefd);
	close(rootfd);
	return r;
}

static void wait_gone(const struct ctr_state *st, int timeout_ms)
{
	int pidfd = (int)syscall(SYS_pidfd_open, st->pid, 0);
	if (pidfd >= 0) {
		struct pollfd p = { .fd = pidfd, .events = POLLIN };
		while (poll(&p, 1, timeout_ms) < 0 && errno == EINTR)
			;
		close(pidfd);
	}
	/* our own child (foreground run) must also be reaped */
	waitpid(st->pid, NULL, WNOHANG);
}

/* Stop whatever still runs and remove everything the container owns. */
static int destroy_locked(int rootfd, int statefd, struct ctr_state *st, bool kill_all)
{
	struct cgroup *cg = NULL;
	struct oci_spec *spec = NULL;
	int r = 0;

	(void)load_config_copy(statefd, st, &spec);
	if (st->cgroup && cg_from_json(st->cgroup, &cg) < 0)
		cg = NULL;
	if (kill_all) {
		/* (nothing to kill is the common case: skip the freezer round trip) */
		if (cg && cg_has_processes(cg)) {
			bool frozen = false;
			cg_signal_all(cg, SIGKILL);
			if (cg_frozen(cg, &frozen) == 0 && frozen)
				cg_freeze(cg, false);
		}
		if (proc_alive(st->pid, st->start_time)) {
			kill(st->pid, SIGKILL);
			wait_gone(st, 10000);
		}
		/* without a pid namespace, processes can outlive the init */
		for (int i = 0; cg && i < 200 && cg_has_processes(cg); i++) {
			cg_signal_all(cg, SIGKILL);
			usleep(5000);
		}
	}
	if (cg && (r = cg_destroy(cg)) < 0)
		log_warn("container \"%s\": %s", st->id, err_msg());
	cg_free(cg);
	int q = rm_rf_at(rootfd, st->id);
	if (q < 0)
		r = err_sys(q, "cannot remove the state of container \"%s\"", st->id);
	(void)statefd;
	if (spec && spec->hooks.n[HOOK_POSTSTOP]) {
		json_object *o = state_oci_json(st, ST_STOPPED);
		const char *js = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
		for (size_t i = 0; i < spec->hooks.n[HOOK_POSTSTOP]; i++) {
			struct oci_spec one = *spec;
			one.hooks.list[HOOK_POSTSTOP] = &spec->hooks.list[HOOK_POSTSTOP][i];
			one.hooks.n[HOOK_POSTSTOP] = 1;
			if (hooks_run(&one, HOOK_POSTSTOP, js) < 0)
				log_warn("%s", err_msg());
		}
		json_object_put(o);
	}
	oci_spec_free(spec);
	return r;
}

int container_delete(const char *root, const char *id, bool force)
{
	int rootfd = -1, statefd = -1, r;
	struct ctr_state st;
	r = container_open(root, id, &rootfd, &statefd, &st);
	if (r == -ENOENT && force)
		return 0; /* runc: delete --force of a missing container succeeds */
	if (r < 0)
		return r;
	enum ctr_status status = state_status(statefd, &st);
	if ((status == ST_RUNNING || status == ST_PAUSED || status == ST_CREATING) && !force) {
		r = err_set(EBUSY, "cannot delete container \"%s\": it is %s; stop it first (stockade kill %s) or use --force",
			    id, ctr_status_names[status], id);
	} else if (status == ST_CREATING) {
		r = err_set(EBUSY, "container \"%s\" is still being created", id);
	} else {
		r = destroy_locked(rootfd, statefd, &st, true);
	}
	state_clear(&st);
	close(statefd);
	close(rootfd);
	return r;
}

/* ------------------------------------------------------- state, list */

int container_state(const char *root, const char *id, json_object **out)
{
	struct ctr_state st;
	int r = ctr_id_valid(id);
	if (r < 0)
		return r;
	_cleanup_close_ int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return err_set(ENOENT, "container \"%s\" does not exist", id);
	_cleanup_close_ int statefd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (statefd < 0)
		return err_set(ENOENT, "container \"%s\" does not exist", id);
	if ((r = state_load(statefd, id, &st)) < 0)
		return r;
	enum ctr_status status = state_status(statefd, &st);
	json_object *o = state_oci_json(&st, status);
	if (st.rootfs)
		json_object_object_add(o, "rootfs", json_object_new_string(st.rootfs));
	if (st.created)
		json_object_object_add(o, "created", json_object_new_string(st.created));
	json_object_object_add(o, "owner", json_object_new_string(""));
	*out = o;
	state_clear(&st);
	return 0;
}

int container_list(const char *root, json_object **out)
{
	json_object *arr = json_object_new_array();
	DIR *d = opendir(root);
	if (!d) {
		*out = arr;
		return errno == ENOENT ? 0 : err_sys(errno, "cannot read %s", root);
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || de->d_type != DT_DIR)
			continue;
		json_object *o;
		if (container_state(root, de->d_name, &o) < 0)
			continue;
		json_object_array_add(arr, o);
	}
	closedir(d);
	*out = arr;
	return 0;
}

/* ---------------------------------------------------------------- run */

int container_run(const char *root, const struct create_opts *o, bool detach, int *exit_code)
{
	struct creation c;
	sigset_t mask, old;
	int r;

	*exit_code = 0;
	struct create_opts fo = *o;
	fo.foreground = !detach;
	if (!detach) {
		/* block what we forward before the init exists, so nothing is lost */
		sv_block_signals(&mask, &old);
		prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	}
	r = create_common(root, &fo, &c);
	if (r >= 0) {
		r = start_locked(c.statefd, &c.st);
		if (r < 0) {
			destroy_locked(c.rootfd, c.statefd, &c.st, true);
			c.claimed = false;
		}
	}
	if (r < 0 || detach) {
		creation_free(&c);
		if (!detach)
			sigprocmask(SIG_SETMASK, &old, NULL);
		return r;
	}
	/* the container runs: let other commands (state, kill, exec) take the lock */
	close(c.statefd);
	c.statefd = -1;

	_cleanup_close_ int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0) {
		r = err_sys(errno, "signalfd");
	} else {
		r = sv_supervise(c.init_pidfd, c.init, &c.console_master, sfd, exit_code);
	}
	/* the container is gone (or we failed): clean up like `delete --force` */
	int statefd = openat(c.rootfd, o->id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (statefd >= 0) {
		if (flock(statefd, LOCK_EX) == 0) {
			struct ctr_state st;
			if (state_load(statefd, o->id, &st) >= 0) {
				destroy_locked(c.rootfd, statefd, &st, true);
				state_clear(&st);
			}
		}
		close(statefd);
	}
	if (c.console_master >= 0)
		close(c.console_master);
	creation_free(&c);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}
