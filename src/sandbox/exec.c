/*
 * `stockade exec`: a new process in a running container, exactly as
 * confined as the container's init unless the caller asks otherwise.
 *
 * The process description starts from the container's own `process`
 * (user, capabilities, noNewPrivileges, rlimits, env, cwd, umask) as
 * recorded at create time; --process FILE replaces only the fields the file
 * sets, and the flags (--user, --cap, --env, --cwd, --tty, ...) change only
 * what they name.  The container's seccomp filter always applies.  (A peer
 * runtime ran exec'd processes as uid 0 without no_new_privs when the
 * process file omitted them; here omission means "as the container".)
 *
 *   runtime                      child (host pid ns)          process
 *   -------                      -------------------          -------
 *   pidfd_open(init), check it
 *   fork ----------------------> setns(pidfd, all differing)
 *                                clone(CLONE_PARENT) -------> wait GO
 *   <----- PID ----------------- exit
 *   cgroup, oom_score_adj
 *   GO -------------------------------------------------------> chroot(init's root), rlimits, tty,
 *                                                               user+caps, nnp, cwd, fds, seccomp
 *   <---- EOF (exec'd) or ERROR -------------------------------- execve
 *
 * The runtime stays non-dumpable and runs from its read-only self-mount
 * (selfprotect), so the container cannot reach it through the new process.
 */
#include "sandbox/exec.h"

#include "policy/policy.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci/default_spec.h"
#include "oci/state.h"
#include "sandbox/caps.h"
#include "sandbox/cgroup.h"
#include "sandbox/console.h"
#include "sandbox/container.h"
#include "sandbox/process.h"
#include "sandbox/seccomp.h"
#include "sandbox/supervise.h"
#include "sandbox/sync.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/macros.h"

#define CONFIG_MAX (64u << 20)

static const struct {
	const char *name;
	int flag;
} ns_types[] = {
	{ "user", CLONE_NEWUSER }, { "mnt", CLONE_NEWNS },	{ "pid", CLONE_NEWPID },       { "net", CLONE_NEWNET },
	{ "ipc", CLONE_NEWIPC },   { "uts", CLONE_NEWUTS }, { "cgroup", CLONE_NEWCGROUP }, { "time", CLONE_NEWTIME },
};

/* The namespaces of `pid` that differ from ours: the ones to join. */
static int differing_namespaces(pid_t pid, int *flags)
{
	*flags = 0;
	for (size_t i = 0; i < ARRAY_SIZE(ns_types); i++) {
		char theirs[64], mine[64];
		struct stat a, b;
		snprintf(theirs, sizeof(theirs), "/proc/%d/ns/%s", (int)pid, ns_types[i].name);
		snprintf(mine, sizeof(mine), "/proc/self/ns/%s", ns_types[i].name);
		if (stat(theirs, &a) < 0) {
			if (errno == ENOENT && stat(mine, &b) < 0)
				continue; /* the kernel lacks this namespace type */
			return err_sys(errno, "cannot inspect the container's %s namespace", ns_types[i].name);
		}
		if (stat(mine, &b) < 0)
			return err_sys(errno, "cannot inspect our %s namespace", ns_types[i].name);
		if (a.st_ino != b.st_ino || a.st_dev != b.st_dev)
			*flags |= ns_types[i].flag;
	}
	return 0;
}

/* ---------------------------------------------------------- the process */

static void caps_add(json_object *caps, const char *set, const char *cap)
{
	json_object *a;
	if (!json_object_object_get_ex(caps, set, &a) || !json_object_is_type(a, json_type_array)) {
		a = json_object_new_array();
		json_object_object_add(caps, set, a);
	}
	size_t n = json_object_array_length(a);
	for (size_t i = 0; i < n; i++)
		if (STREQ(json_object_get_string(json_object_array_get_idx(a, i)), cap))
			return;
	json_object_array_add(a, json_object_new_string(cap));
}

static int parse_user_flag(const char *s, json_object *user)
{
	unsigned long long uid, gid;
	char buf[64];
	snprintf(buf, sizeof(buf), "%s", s);
	char *colon = strchr(buf, ':');
	if (colon)
		*colon = '\0';
	if (parse_u64(buf, &uid) < 0 || uid > UINT32_MAX - 1 || (colon && (parse_u64(colon + 1, &gid) < 0 || gid > UINT32_MAX - 1)))
		return err_set(EINVAL, "--user expects UID[:GID] as numbers, found \"%s\"", s);
	json_object_object_add(user, "uid", json_object_new_int64((int64_t)uid));
	if (colon)
		json_object_object_add(user, "gid", json_object_new_int64((int64_t)gid));
	return 0;
}

/*
 * The config to parse: the container's config.json with `process` replaced
 * by the exec'd process.  Parsing the whole document reuses every check
 * (and its JSON paths) the create path has.
 */
static int build_config(int statefd, const struct exec_opts *o, char **json_out)
{
	char *raw = NULL;
	size_t len = 0;
	int r = read_file_at(statefd, "config.json", CONFIG_MAX, &raw, &len);
	if (r < 0)
		return err_sys(r, "cannot read the container's config.json from its state directory");
	json_object *top = json_tokener_parse(raw);
	free(raw);
	json_object *proc;
	if (!top || !json_object_object_get_ex(top, "process", &proc) || !json_object_is_type(proc, json_type_object)) {
		json_object_put(top);
		return err_set(EINVAL, "the container's recorded config.json has no process object");
	}
	proc = json_object_get(proc);
	json_object_object_del(top, "process");
	/* hooks belong to the container's lifecycle, not to exec */
	json_object_object_del(top, "hooks");

	if (o->process_file) {
		char *praw = NULL;
		size_t plen = 0;
		r = read_file_at(AT_FDCWD, o->process_file, CONFIG_MAX, &praw, &plen);
		if (r < 0) {
			json_object_put(proc);
			json_object_put(top);
			return err_sys(r, "cannot read --process %s", o->process_file);
		}
		json_tokener *tok = json_tokener_new();
		json_object *file = tok ? json_tokener_parse_ex(tok, praw, (int)plen) : NULL;
		enum json_tokener_error je = tok ? json_tokener_get_error(tok) : json_tokener_error_depth;
		if (tok)
			json_tokener_free(tok);
		free(praw);
		if (!file || je != json_tokener_success || !json_object_is_type(file, json_type_object)) {
			json_object_put(file);
			json_object_put(proc);
			json_object_put(top);
			return err_set(EINVAL, "%s: expected a JSON object (an OCI \"process\"), %s", o->process_file,
				       je != json_tokener_success ? json_tokener_error_desc(je) : "found another JSON value");
		}
		/* what the file says wins; what it omits stays as the container's */
		json_object_object_foreach(file, k, v) json_object_object_add(proc, k, json_object_get(v));
		json_object_put(file);
		if (!json_object_object_get_ex(proc, "terminal", NULL))
			json_object_object_add(proc, "terminal", json_object_new_boolean(0));
	} else {
		json_object *args = json_object_new_array();
		for (int i = 0; i < o->nargs; i++)
			json_object_array_add(args, json_object_new_string(o->args[i]));
		json_object_object_add(proc, "args", args);
		json_object_object_del(proc, "commandLine");
		json_object_object_add(proc, "terminal", json_object_new_boolean(o->tty));
	}
	if (o->cwd)
		json_object_object_add(proc, "cwd", json_object_new_string(o->cwd));
	if (o->env.n) {
		json_object *env;
		if (!json_object_object_get_ex(proc, "env", &env) || !json_object_is_type(env, json_type_array)) {
			env = json_object_new_array();
			json_object_object_add(proc, "env", env);
		}
		for (size_t i = 0; i < o->env.n; i++)
			oci_env_set(env, o->env.v[i]);
	}
	if (o->user) {
		json_object *user;
		if (!json_object_object_get_ex(proc, "user", &user) || !json_object_is_type(user, json_type_object)) {
			user = json_object_new_object();
			json_object_object_add(proc, "user", user);
		}
		if ((r = parse_user_flag(o->user, user)) < 0) {
			json_object_put(proc);
			json_object_put(top);
			return r;
		}
	}
	if (o->caps.n) {
		json_object *caps;
		if (!json_object_object_get_ex(proc, "capabilities", &caps) || !json_object_is_type(caps, json_type_object)) {
			caps = json_object_new_object();
			json_object_object_add(proc, "capabilities", caps);
		}
		bool inh = json_object_object_get_ex(caps, "inheritable", NULL);
		for (size_t i = 0; i < o->caps.n; i++) {
			char name[64];
			snprintf(name, sizeof(name), "%s%s", strncasecmp(o->caps.v[i], "CAP_", 4) ? "CAP_" : "", o->caps.v[i]);
			for (char *c = name; *c; c++)
				*c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
			caps_add(caps, "bounding", name);
			caps_add(caps, "effective", name);
			caps_add(caps, "permitted", name);
			/* ambient needs the inheritable bit: only when the config has that set */
			if (inh) {
				caps_add(caps, "inheritable", name);
				caps_add(caps, "ambient", name);
			}
		}
	}
	if (o->no_new_privs)
		json_object_object_add(proc, "noNewPrivileges", json_object_new_boolean(1));
	json_object_object_add(top, "process", proc);
	*json_out = strdup(json_object_to_json_string_ext(top, JSON_C_TO_STRING_PLAIN));
	json_object_put(top);
	return *json_out ? 0 : -ENOMEM;
}

/* ------------------------------------------------------- inside (child) */

struct exec_ctx {
	const struct oci_spec *spec;
	const struct seccomp_prog *seccomp;
	int sync_fd;
	int pidfd;     /* the container's init */
	int ns_flags;  /* namespaces to join */
	int rootfd;    /* O_PATH of the init's root directory */
	int preserve_fds;
	int last_cap;
	bool send_console; /* send the pty master to the runtime */
};

static NORETURN void exec_fail(struct exec_ctx *x, int r)
{
	sync_send(x->sync_fd, SYNC_ERROR, r, err_msg(), -1);
	_exit(1);
}

#define XTRY(x, expr) \
	do { \
		int _r = (expr); \
		if (_r < 0) \
			exec_fail((x), _r); \
	} while (0)

static NORETURN void exec_process(struct exec_ctx *x)
{
	const struct oci_process *p = &x->spec->process;
	char path[PATH_MAX];
	struct sync_msg m;
	int r;

	/* wait until the runtime has put us in the container's cgroup */
	if (sync_expect(x->sync_fd, SYNC_GO, &m, NULL) < 0)
		_exit(1);
	if (fchdir(x->rootfd) < 0 || chroot(".") < 0)
		exec_fail(x, err_sys(errno, "cannot enter the container's root directory"));
	close(x->rootfd);
	if (chdir("/") < 0)
		exec_fail(x, err_sys(errno, "chdir /"));
	XTRY(x, process_apply_rlimits(p));
	XTRY(x, process_apply_sched(x->spec));
	if (p->terminal) {
		int master = -1;
		XTRY(x, console_setup(p, false, &master));
		r = sync_send(x->sync_fd, SYNC_CONSOLE, 0, NULL, master);
		close(master);
		if (r < 0)
			exec_fail(x, err_sys(r, "cannot hand the terminal to the runtime"));
	} else if (setsid() < 0 && errno != EPERM) {
		exec_fail(x, err_sys(errno, "setsid"));
	}
	XTRY(x, process_find_exec(p, path, sizeof(path)));
	bool early_seccomp = x->seccomp && !p->no_new_privileges;
	int listener = -1;
	if (early_seccomp && (r = seccomp_install(x->seccomp, &listener)) < 0)
		exec_fail(x, err_sys(r, "cannot load the seccomp filter"));
	XTRY(x, caps_apply_identity(p, x->last_cap));
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		exec_fail(x, err_sys(errno, "cannot set no_new_privs"));
	XTRY(x, process_chdir(p));
	umask(p->user.has_umask ? (mode_t)p->user.umask : 022);
	XTRY(x, process_prepare_fds(x->preserve_fds));
	if (x->seccomp && !early_seccomp && (r = seccomp_install(x->seccomp, &listener)) < 0)
		exec_fail(x, err_sys(r, "cannot load the seccomp filter"));
	if (listener >= 0)
		close(listener); /* no agent for exec'd processes: the container's agent has the init's */
	/* sync_fd is close-on-exec: the runtime sees EOF when execve succeeds */
	execve(path, (char *const *)p->args, p->n_env ? (char *const *)p->env : (char *const[]){ NULL });
	exec_fail(x, err_sys(errno, "cannot execute %s", path));
}

/* The child: join, then fork the process into the container's pid namespace. */
static NORETURN void exec_child(struct exec_ctx *x)
{
	/* process.execCPUAffinity.initial: where the runtime side runs until the cgroup move */
	XTRY(x, process_exec_affinity(&x->spec->process, true, 0, 0));
	if (x->ns_flags && setns(x->pidfd, x->ns_flags) < 0)
		exec_fail(x, err_sys(errno, "cannot join the container's namespaces"));
	close(x->pidfd);
	/* CLONE_PARENT: the process is the runtime's child, so it can wait for it */
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, NULL, NULL, 0);
	if (pid < 0)
		exec_fail(x, err_sys(errno, "cannot fork the process inside the container"));
	if (pid == 0)
		exec_process(x);
	int r = sync_send(x->sync_fd, SYNC_PID, pid, NULL, -1);
	_exit(r < 0 ? 1 : 0);
}

/* --------------------------------------------------------- runtime side */

struct exec_run {
	int rootfd, statefd, pidfd, ctr_root, sync[2], master;
	pid_t child, pid;
	struct ctr_state st;
	bool st_loaded;
	struct oci_spec *spec;
	struct seccomp_prog seccomp;
	bool has_seccomp;
	struct cgroup *cg;
};

static void exec_run_free(struct exec_run *e)
{
	int *fds[] = { &e->rootfd, &e->statefd, &e->pidfd, &e->ctr_root, &e->sync[0], &e->sync[1], &e->master };
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
	if (e->st_loaded)
		state_clear(&e->st);
	oci_spec_free(e->spec);
	if (e->has_seccomp)
		seccomp_prog_free(&e->seccomp);
	cg_free(e->cg);
}

static int open_container(const char *root, const char *id, struct exec_run *e)
{
	int r = container_open(root, id, &e->rootfd, &e->statefd, &e->st);
	if (r < 0)
		return r;
	e->st_loaded = true;
	enum ctr_status s = state_status(e->statefd, &e->st);
	if (s != ST_RUNNING && s != ST_CREATED)
		return err_set(EINVAL, "cannot exec in container %s: it is %s (exec needs a created or running container)", id,
			       ctr_status_names[s]);
	/* a pidfd, then the start time again: the pid cannot be a recycled one */
	e->pidfd = (int)syscall(SYS_pidfd_open, e->st.pid, 0);
	if (e->pidfd < 0 || !proc_alive(e->st.pid, e->st.start_time))
		return err_set(ESRCH, "cannot exec in container %s: its init process (pid %d) is gone", id, (int)e->st.pid);
	char rootpath[64];
	snprintf(rootpath, sizeof(rootpath), "/proc/%d/root", (int)e->st.pid);
	e->ctr_root = open(rootpath, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (e->ctr_root < 0 || !proc_alive(e->st.pid, e->st.start_time))
		return err_sys(e->ctr_root < 0 ? errno : ESRCH, "cannot open the root directory of container %s", id);
	return 0;
}

static int exec_setup(const char *root, const struct exec_opts *o, struct exec_run *e)
{
	char *json = NULL;
	int r = open_container(root, o->id, e);
	if (r < 0)
		return r;
	if ((r = build_config(e->statefd, o, &json)) < 0)
		return r;
	const char *name = o->process_file ? o->process_file : "exec";
	r = oci_spec_parse(json, strlen(json), name, e->st.bundle, &e->spec);
	if (r >= 0 && o->policy) {
		/* an exec'd process is judged like the container's init: --user 0 or --cap is not a way around the policy */
		char what[300], *hardened = NULL;
		snprintf(what, sizeof(what), "exec in container \"%s\"", o->id);
		r = policy_admit(o->policy, e->spec, json, strlen(json), what, &hardened);
		if (r >= 0 && hardened) {
			oci_spec_free(e->spec);
			e->spec = NULL;
			r = oci_spec_parse(hardened, strlen(hardened), name, e->st.bundle, &e->spec);
			free(hardened);
		}
	}
	free(json);
	if (r < 0)
		return r;
	if (e->spec->process.n_args == 0)
		return err_set(EINVAL, "exec: no command given (pass ARGS... or --process FILE with \"args\")");
	if ((r = process_preflight(e->spec)) < 0)
		return r;
	if (e->spec->process.terminal && !o->console_socket && o->detach)
		return err_set(EINVAL, "exec --tty --detach needs --console-socket to hand the terminal to");
	if (e->spec->linux_.seccomp) {
		if ((r = seccomp_compile_cached(e->spec->linux_.seccomp, "config.json", root, &e->seccomp)) < 0)
			return r;
		e->has_seccomp = true;
	}
	if (e->st.cgroup && (r = cg_from_json(e->st.cgroup, &e->cg)) < 0)
		return r;
	return 0;
}

static int exec_spawn(const struct exec_opts *o, struct exec_run *e)
{
	int ns_flags, r;
	if ((r = differing_namespaces(e->st.pid, &ns_flags)) < 0)
		return r;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, e->sync) < 0)
		return err_sys(errno, "socketpair");
	struct exec_ctx x = {
		.spec = e->spec, .seccomp = e->has_seccomp ? &e->seccomp : NULL, .sync_fd = e->sync[1], .pidfd = e->pidfd,
		.ns_flags = ns_flags, .rootfd = e->ctr_root, .preserve_fds = o->preserve_fds, .last_cap = caps_last_cap(),
	};
	e->child = fork();
	if (e->child < 0)
		return err_sys(errno, "fork");
	if (e->child == 0) {
		close(e->sync[0]);
		exec_child(&x);
	}
	close(e->sync[1]);
	e->sync[1] = -1;

	struct sync_msg m;
	r = sync_expect(e->sync[0], SYNC_PID, &m, NULL);
	int status;
	while (waitpid(e->child, &status, 0) < 0 && errno == EINTR)
		;
	e->child = 0;
	if (r < 0)
		return r;
	e->pid = m.value;
	if (e->cg && (r = cg_enter(e->cg, e->pid)) < 0)
		return r;
	if ((r = process_exec_affinity(&e->spec->process, false, e->pid, e->st.pid)) < 0)
		return r;
	if ((r = process_set_oom_score_adj(e->spec, e->pid)) < 0)
		return r;
	if ((r = sync_send(e->sync[0], SYNC_GO, 0, NULL, -1)) < 0)
		return err_sys(r, "the new process died before it could be set up");
	/* then: the terminal (if any), and EOF once execve succeeded */
	for (;;) {
		int fd = -1;
		r = sync_recv(e->sync[0], &m, &fd);
		if (r == -EPIPE)
			return 0;
		if (r < 0)
			return r;
		if (m.type == SYNC_ERROR) {
			if (fd >= 0)
				close(fd);
			return err_set(m.value < 0 ? -m.value : EINVAL, "%s", m.text);
		}
		if (m.type == SYNC_CONSOLE && fd >= 0) {
			if (e->master >= 0)
				close(e->master);
			e->master = fd;
			continue;
		}
		if (fd >= 0)
			close(fd);
		return err_set(EPROTO, "internal error: unexpected message %u from the exec'd process", m.type);
	}
}

int container_exec(const char *root, const struct exec_opts *o, int *exit_code)
{
	struct exec_run e = { .rootfd = -1, .statefd = -1, .pidfd = -1, .ctr_root = -1, .sync = { -1, -1 }, .master = -1 };
	sigset_t mask, old;
	int r;

	*exit_code = 0;
	if (!o->detach)
		sv_block_signals(&mask, &old);
	r = exec_setup(root, o, &e);
	if (r >= 0)
		r = exec_spawn(o, &e);
	if (r < 0) {
		if (e.pid > 0) {
			kill(e.pid, SIGKILL);
			waitpid(e.pid, NULL, 0);
		}
		goto out;
	}
	/* the process runs: other commands may take the container's lock again */
	close(e.statefd);
	e.statefd = -1;
	if (o->console_socket && e.master >= 0) {
		int cs = sv_connect_console(o->console_socket);
		if (cs < 0) {
			r = cs;
		} else {
			r = send_fd(cs, e.master, "exec", 4);
			close(cs);
			if (r < 0)
				r = err_sys(r, "cannot send the terminal to --console-socket %s", o->console_socket);
		}
		close(e.master);
		e.master = -1;
		if (r < 0) {
			kill(e.pid, SIGKILL);
			waitpid(e.pid, NULL, 0);
			goto out;
		}
	}
	if (o->pid_file && (r = sv_write_pid_file(o->pid_file, e.pid)) < 0) {
		kill(e.pid, SIGKILL);
		waitpid(e.pid, NULL, 0);
		goto out;
	}
	if (!o->detach) {
		int pfd = (int)syscall(SYS_pidfd_open, e.pid, 0);
		int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
		if (pfd < 0 || sfd < 0)
			r = err_sys(errno, "cannot watch the exec'd process");
		else
			r = sv_supervise(pfd, e.pid, &e.master, sfd, exit_code);
		if (pfd >= 0)
			close(pfd);
		if (sfd >= 0)
			close(sfd);
	}
out:
	exec_run_free(&e);
	if (!o->detach)
		sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}
