/* seccomp: what compiles, what is refused, and what a loaded filter does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci/spec.h"
#include "sandbox/seccomp.h"
#include "util/err.h"

#define MIN_HEAD "{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"rootfs\"}, " \
		 "\"process\": {\"cwd\": \"/\", \"args\": [\"sh\"]}, \"linux\": {\"seccomp\": "
#define MIN_TAIL "}}"

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#define NR_LISTMOUNT 458 /* same number on every architecture (Linux 6.8) */

/* config.json with `seccomp` as linux.seccomp */
static struct oci_spec *parse(const char *seccomp)
{
	char *json = NULL;
	struct oci_spec *s = NULL;
	assert_true(asprintf(&json, MIN_HEAD "%s" MIN_TAIL, seccomp) > 0);
	int r = oci_spec_parse(json, strlen(json), "config.json", "/b", &s);
	free(json);
	if (r < 0)
		fail_msg("unexpected parse error: %s", err_msg());
	assert_non_null(s->linux_.seccomp);
	return s;
}

static void compile_ok(const char *seccomp, struct seccomp_prog *p)
{
	struct oci_spec *s = parse(seccomp);
	int r = seccomp_compile(s->linux_.seccomp, s->config_path, p);
	oci_spec_free(s);
	if (r < 0)
		fail_msg("unexpected compile error: %s", err_msg());
	assert_non_null(p->fprog.filter);
	assert_true(p->fprog.len > 0);
}

/* Compiling must fail and the message must hold every needle. */
static void check_msg(const char *needle1, const char *needle2)
{
	const char *m = err_msg();
	if (!strstr(m, "config.json"))
		fail_msg("message does not name the file: %s", m);
	if (needle1 && !strstr(m, needle1))
		fail_msg("message lacks \"%s\": %s", needle1, m);
	if (needle2 && !strstr(m, needle2))
		fail_msg("message lacks \"%s\": %s", needle2, m);
}

static void compile_err(const char *seccomp, const char *needle1, const char *needle2)
{
	struct oci_spec *s = parse(seccomp);
	struct seccomp_prog p;
	err_clear();
	int r = seccomp_compile(s->linux_.seccomp, s->config_path, &p);
	oci_spec_free(s);
	assert_true(r < 0);
	assert_null(p.fprog.filter);
	check_msg(needle1, needle2);
}

static char *default_profile_json(void)
{
	json_object *o = seccomp_default_profile();
	char *s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	assert_non_null(s);
	return s;
}

/*
 * Run `fn` in a child that loaded `p` (after no_new_privs when `nnp`); the
 * child reports the line of the first failed check as its exit status.
 */
typedef void (*child_fn)(int listener);

#define CHECK(cond) \
	do { \
		if (!(cond)) { \
			int e_ = errno; \
			dprintf(2, "child: line %d: %s (errno %d)\n", __LINE__, #cond, e_); \
			_exit(__LINE__ % 250 + 1); \
		} \
	} while (0)

static void run_child(const struct seccomp_prog *p, bool nnp, child_fn fn)
{
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int listener = -1;
		if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(252);
		int r = seccomp_install(p, &listener);
		if (r < 0) {
			dprintf(2, "child: seccomp_install: %s\n", strerror(-r));
			_exit(253);
		}
		fn(listener);
		_exit(0);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status))
		fail_msg("child died from signal %d", WTERMSIG(status));
	if (WEXITSTATUS(status) != 0)
		fail_msg("child failed with status %d (see its message above)", WEXITSTATUS(status));
}

/* (a) the default profile compiles */
static void test_default_profile_compiles(void **st)
{
	(void)st;
	char *json = default_profile_json();
	struct seccomp_prog p;
	compile_ok(json, &p);
	free(json);
	assert_true(p.fprog.len <= BPF_MAXINSNS);
	assert_int_equal(p.flags, 0);
	assert_false(p.notify);
	seccomp_prog_free(&p);
	assert_null(p.fprog.filter);
	seccomp_prog_free(&p); /* idempotent */
}

static void *thread_main(void *arg)
{
	return arg;
}

static bool lib_knows_listmount;

static void default_profile_child(int listener)
{
	CHECK(listener == -1);
	CHECK(getpid() > 0);
	CHECK(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0) >= 0);

	/* removed from Docker's list, or never granted without capabilities */
	errno = 0;
	CHECK(ptrace(PTRACE_TRACEME, 0, NULL, NULL) == -1 && errno == EPERM);
	CHECK(syscall(SYS_process_vm_readv, getppid(), NULL, 0, NULL, 0, 0) == -1 && errno == EPERM);
	CHECK(unshare(CLONE_NEWUSER) == -1 && errno == EPERM);
	CHECK(syscall(SYS_setns, 0, 0) == -1 && errno == EPERM);
	CHECK(syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -1, 0) == -1 && errno == EPERM);
	CHECK(syscall(SYS_add_key, "user", "x", "y", 1, -1) == -1 && errno == EPERM);
	CHECK(syscall(SYS_bpf, 0, NULL, 0) == -1 && errno == EPERM);
	CHECK(syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0) == -1 && errno == EPERM);
	CHECK(syscall(SYS_userfaultfd, 0) == -1 && errno == EPERM);
	CHECK(syscall(SYS_io_uring_setup, 1, NULL) == -1 && errno == EPERM);
	CHECK(mount("none", "/", NULL, MS_REMOUNT, NULL) == -1 && errno == EPERM);
	CHECK(umount2("/proc", MNT_DETACH) == -1 && errno == EPERM);
	CHECK(syscall(SYS_fsopen, "tmpfs", 0) == -1 && errno == EPERM);
	CHECK(syscall(SYS_pivot_root, "/", "/") == -1 && errno == EPERM);
	CHECK(socket(AF_VSOCK, SOCK_STREAM, 0) == -1 && errno == EPERM);

	/* clone: fine without namespace flags, refused with them; clone3: ENOSYS.
	 * A clone that wrongly succeeds leaves its child here: it exits at once. */
	long r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, NULL, NULL, 0);
	if (r == 0)
		_exit(0);
	CHECK(r == -1 && errno == EPERM);
	r = syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, 0, NULL, NULL, 0);
	if (r == 0)
		_exit(0);
	CHECK(r == -1 && errno == EPERM);
	CHECK(syscall(SYS_clone3, NULL, 0) == -1 && errno == ENOSYS);
	pid_t pid = fork();
	if (pid == 0)
		_exit(7);
	CHECK(pid > 0);
	int status;
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 7);
	/* glibc's pthread_create tries clone3 first, then clone */
	pthread_t t;
	void *ret = NULL;
	CHECK(pthread_create(&t, NULL, thread_main, (void *)&status) == 0);
	CHECK(pthread_join(t, &ret) == 0 && ret == (void *)&status);

	/* personality: the query and Docker's values only */
	CHECK(personality(0xffffffff) != -1);
	CHECK(personality(ADDR_NO_RANDOMIZE) == -1 && errno == EPERM);
	CHECK(personality(READ_IMPLIES_EXEC) == -1 && errno == EPERM);
	CHECK(personality(PER_LINUX) != -1);

	/* a call newer than libseccomp: ENOSYS, not EPERM, so libcs fall back */
	if (!lib_knows_listmount)
		CHECK(syscall(NR_LISTMOUNT, NULL, NULL, 0, 0) == -1 && errno == ENOSYS);
}

/* (b) the default profile, loaded */
static void test_default_profile_enforced(void **st)
{
	(void)st;
	char *json = default_profile_json();
	struct seccomp_prog p;
	compile_ok(json, &p);
	free(json);
	lib_knows_listmount = seccomp_syscall_resolve_name("listmount") != __NR_SCMP_ERROR;
	run_child(&p, true, default_profile_child);
	seccomp_prog_free(&p);
}

/* (c) errors name the JSON path; unknown but well-formed names are skipped */
static void test_errors(void **st)
{
	(void)st;
	struct seccomp_prog p;

	compile_err("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
		    "{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"},"
		    "{\"names\": [\"write\"], \"action\": \"SCMP_ACT_ALLOW\"},"
		    "{\"names\": [\"close\"], \"action\": \"SCMP_ACT_ALLOW\"},"
		    "{\"names\": [\"getpid\", \"foo bar\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
		    "config.json: linux.seccomp.syscalls[3].names[1]: \"foo bar\" is not a syscall name", NULL);
	compile_err("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
		    "linux.seccomp.syscalls[0].names[0]", "is not a syscall name");
	compile_err("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"Read\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
		    "linux.seccomp.syscalls[0].names[0]", "\"Read\"");
	/* even in a rule that adds nothing because it repeats the default action */
	compile_err("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read;\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
		    "linux.seccomp.syscalls[0].names[0]", NULL);

	/* a typo is refused; a newer kernel's call this libseccomp lacks is skipped */
	compile_err("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"exit_group\", \"opne\"], "
		    "\"action\": \"SCMP_ACT_ALLOW\"}]}", "linux.seccomp.syscalls[0].names[1]", "unknown system call \"opne\"");
	compile_ok("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"mseal\", \"removexattrat\", "
		   "\"exit_group\"], \"action\": \"SCMP_ACT_ALLOW\"}]}", &p);
	seccomp_prog_free(&p);

	compile_err("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getppid\"], "
		    "\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 5000}]}", "linux.seccomp.syscalls[0].errnoRet", "5000");
	compile_err("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 70000}", "linux.seccomp.defaultErrnoRet", NULL);
	compile_err("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"]}",
		    "linux.seccomp.flags", "SCMP_ACT_NOTIFY");

	/* The parser refuses names outside the spec; libseccomp may not know
	 * every name the spec has. */
	if (seccomp_arch_resolve_name("loongarch64") == 0)
		compile_err("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_X86_64\", "
			    "\"SCMP_ARCH_LOONGARCH64\"]}", "linux.seccomp.architectures[1]", "\"SCMP_ARCH_LOONGARCH64\"");

	/* a structure built by other code than the parser gets the same checks */
	char *archs[] = { "SCMP_ARCH_X86", "SCMP_ARCH_BOGUS" };
	struct oci_seccomp sc = { .default_action = SCMP_ACT_ALLOW, .archs = archs, .n_archs = 2 };
	err_clear();
	assert_true(seccomp_compile(&sc, "config.json", &p) < 0);
	check_msg("config.json: linux.seccomp.architectures[1]", "\"SCMP_ARCH_BOGUS\"");
	sc.n_archs = 0;
	sc.flags = 1u << 7;
	assert_true(seccomp_compile(&sc, "config.json", &p) < 0);
	check_msg("linux.seccomp.flags", "0x80");
	sc.flags = 0;
	char *names[] = { "getppid" };
	struct oci_seccomp_arg bad_arg = { .index = 6, .op = SCMP_CMP_EQ };
	struct oci_seccomp_rule rule = { .names = names, .n_names = 1, .action = SCMP_ACT_ERRNO(0), .args = &bad_arg, .n_args = 1 };
	sc.rules = &rule;
	sc.n_rules = 1;
	assert_true(seccomp_compile(&sc, "config.json", &p) < 0);
	check_msg("linux.seccomp.syscalls[0].args[0].index", NULL);
	bad_arg = (struct oci_seccomp_arg){ .index = 0, .op = 0 };
	assert_true(seccomp_compile(&sc, "config.json", &p) < 0);
	check_msg("linux.seccomp.syscalls[0].args[0].op", NULL);
}

static void test_flags_and_allow_default(void **st)
{
	(void)st;
	struct seccomp_prog p;

	/* a denylist: default ALLOW, a rule repeating the default is dropped */
	compile_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\", "
		   "\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"], \"syscalls\": ["
		   "{\"names\": [\"read\", \"write\"], \"action\": \"SCMP_ACT_ALLOW\"},"
		   "{\"names\": [\"reboot\"], \"action\": \"SCMP_ACT_KILL_PROCESS\"},"
		   "{\"names\": [\"swapon\"], \"action\": \"SCMP_ACT_TRAP\"},"
		   "{\"names\": [\"acct\"], \"action\": \"SCMP_ACT_LOG\"},"
		   "{\"names\": [\"syslog\"], \"action\": \"SCMP_ACT_TRACE\", \"errnoRet\": 7},"
		   "{\"names\": [\"kexec_load\"], \"action\": \"SCMP_ACT_KILL\"}]}", &p);
	assert_int_equal(p.flags, SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW);
	assert_false(p.notify);
	seccomp_prog_free(&p);

	/* an allowlist with default ERRNO and a custom errno */
	compile_ok("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38, \"flags\": [\"SECCOMP_FILTER_FLAG_TSYNC\"], "
		   "\"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}]}", &p);
	assert_int_equal(p.flags, SECCOMP_FILTER_FLAG_TSYNC);
	seccomp_prog_free(&p);
}

static void errno_ret_child(int listener)
{
	(void)listener;
	/* syscall(): glibc's getppid() assumes it cannot fail and skips errno */
	errno = 0;
	CHECK(syscall(SYS_getppid) == -1 && errno == 42);
	CHECK(getpid() > 0);
}

/* (d) errnoRet reaches the caller */
static void test_errno_ret(void **st)
{
	(void)st;
	struct seccomp_prog p;
	compile_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getppid\"], "
		   "\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 42}]}", &p);
	run_child(&p, true, errno_ret_child);
	seccomp_prog_free(&p);
}

/* Only exit, exit_group, personality(0) and sigaltstack (which ASan's _exit
 * calls): no write, so no message either. */
static void personality_child(int listener)
{
	(void)listener;
	if (syscall(SYS_personality, 0) == -1)
		_exit(2);
	if (syscall(SYS_personality, 0xffffffff) != -1 || errno != EPERM)
		_exit(3);
	if (syscall(SYS_getpid) != -1 || errno != EPERM)
		_exit(4);
}

/* getppid ignores its arguments, but the filter sees them. */
static void conditions_child(int listener)
{
	(void)listener;
	/* (arg0 & 0xff00) == 0x0800 -> EACCES */
	CHECK(syscall(SYS_getppid, 0x0812) == -1 && errno == EACCES);
	CHECK(syscall(SYS_getppid, 0x0912) > 0);
	CHECK(syscall(SYS_getppid, 0) > 0);
	/* two conditions on arg0 are ORed (runc's behaviour): 5 or 6 -> EFAULT */
	CHECK(syscall(SYS_getpgid, 5) == -1 && errno == EFAULT);
	CHECK(syscall(SYS_getpgid, 6) == -1 && errno == EFAULT);
	CHECK(syscall(SYS_getpgid, 0) >= 0);
	/* conditions on different arguments are ANDed: arg0 == 5 && arg1 == 6 -> EBADF */
	CHECK(syscall(SYS_getsid, 5, 6) == -1 && errno == EBADF);
	CHECK(syscall(SYS_getsid, 0, 6) >= 0);
	CHECK(syscall(SYS_getsid, 0, 7) >= 0);
	/* a 64-bit comparison: arg0 > 2^32 -> ENXIO */
	CHECK(syscall(SYS_getuid, 0x100000001ULL) == -1 && errno == ENXIO);
	CHECK(syscall(SYS_getuid, 0xffffffffULL) >= 0);
}

/* (e) argument conditions */
static void test_args(void **st)
{
	(void)st;
	struct seccomp_prog p;

	compile_ok("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
		   "{\"names\": [\"exit\", \"exit_group\", \"sigaltstack\"], \"action\": \"SCMP_ACT_ALLOW\"},"
		   "{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\", "
		   "\"args\": [{\"index\": 0, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"}]}]}", &p);
	run_child(&p, true, personality_child);
	seccomp_prog_free(&p);

	compile_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
		   "{\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13, "
		   "\"args\": [{\"index\": 0, \"value\": 65280, \"valueTwo\": 2048, \"op\": \"SCMP_CMP_MASKED_EQ\"}]},"
		   "{\"names\": [\"getpgid\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 14, "
		   "\"args\": [{\"index\": 0, \"value\": 5, \"op\": \"SCMP_CMP_EQ\"}, {\"index\": 0, \"value\": 6, \"op\": \"SCMP_CMP_EQ\"}]},"
		   "{\"names\": [\"getsid\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 9, "
		   "\"args\": [{\"index\": 0, \"value\": 5, \"op\": \"SCMP_CMP_EQ\"}, {\"index\": 1, \"value\": 6, \"op\": \"SCMP_CMP_EQ\"}]},"
		   "{\"names\": [\"getuid\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 6, "
		   "\"args\": [{\"index\": 0, \"value\": 4294967296, \"op\": \"SCMP_CMP_GT\"}]}]}", &p);
	run_child(&p, true, conditions_child);
	seccomp_prog_free(&p);
}

static void notify_child(int listener)
{
	CHECK(listener >= 0);
	CHECK(close(listener) == 0);
}

static void test_notify(void **st)
{
	(void)st;
	struct seccomp_prog p;
	compile_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/run/agent.sock\", "
		   "\"flags\": [\"SECCOMP_FILTER_FLAG_TSYNC\", \"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"], "
		   "\"syscalls\": [{\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}", &p);
	assert_true(p.notify);
	/* TSYNC with a listener needs TSYNC_ESRCH */
	assert_int_equal(p.flags, SECCOMP_FILTER_FLAG_TSYNC | (1u << 4) | (1u << 5));
	run_child(&p, true, notify_child);
	seccomp_prog_free(&p);
}

/* Without no_new_privs, loading a filter takes CAP_SYS_ADMIN: -EACCES comes back. */
static void test_install_error(void **st)
{
	(void)st;
	struct seccomp_prog p;
	compile_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\"}", &p);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
		struct __user_cap_data_struct d[2] = { 0 };
		if (syscall(SYS_capset, &h, d) < 0)
			_exit(2);
		int listener = 5;
		int r = seccomp_install(&p, &listener);
		_exit(r == -EACCES && listener == -1 ? 0 : 3);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	seccomp_prog_free(&p);
}

/* The cache returns exactly what compiling returns, and ignores files it cannot trust. */
static void test_cache(void **st)
{
	(void)st;
	char dir[] = "/tmp/stockade-unit-seccomp.XXXXXX";
	assert_non_null(mkdtemp(dir));
	const char *prof = "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\", \"write\", "
			   "\"exit_group\"], \"action\": \"SCMP_ACT_ALLOW\"}, {\"names\": [\"getppid\"], \"action\": "
			   "\"SCMP_ACT_ERRNO\", \"errnoRet\": 42}]}";
	struct oci_spec *s = parse(prof);
	struct seccomp_prog ref, miss, hit;
	assert_int_equal(seccomp_compile(s->linux_.seccomp, "config.json", &ref), 0);
	assert_int_equal(seccomp_compile_cached(s->linux_.seccomp, "config.json", dir, &miss), 0);
	assert_int_equal(seccomp_compile_cached(s->linux_.seccomp, "config.json", dir, &hit), 0);
	assert_int_equal(ref.fprog.len, miss.fprog.len);
	assert_int_equal(ref.fprog.len, hit.fprog.len);
	assert_memory_equal(ref.fprog.filter, hit.fprog.filter, ref.fprog.len * sizeof(struct sock_filter));
	assert_int_equal(ref.flags, hit.flags);

	/* one cache file; corrupt its program: the key still matches, so the
	 * length check must reject it and compiling takes over */
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "ls %s/.cache | wc -l | grep -qx 1 && for f in %s/.cache/*; do truncate -s -8 $f; done", dir, dir);
	assert_int_equal(system(cmd), 0);
	struct seccomp_prog again;
	assert_int_equal(seccomp_compile_cached(s->linux_.seccomp, "config.json", dir, &again), 0);
	assert_int_equal(again.fprog.len, ref.fprog.len);
	assert_memory_equal(ref.fprog.filter, again.fprog.filter, ref.fprog.len * sizeof(struct sock_filter));

	/* a different profile never hits the first one's entry */
	struct oci_spec *s2 = parse("{\"defaultAction\": \"SCMP_ACT_ALLOW\"}");
	struct seccomp_prog other, other_ref;
	assert_int_equal(seccomp_compile(s2->linux_.seccomp, "config.json", &other_ref), 0);
	assert_int_equal(seccomp_compile_cached(s2->linux_.seccomp, "config.json", dir, &other), 0);
	assert_int_equal(other.fprog.len, other_ref.fprog.len);

	/* a group-writable cache directory is not trusted (and still works) */
	snprintf(cmd, sizeof(cmd), "chmod 0770 %s/.cache", dir);
	assert_int_equal(system(cmd), 0);
	struct seccomp_prog untrusted;
	assert_int_equal(seccomp_compile_cached(s->linux_.seccomp, "config.json", dir, &untrusted), 0);
	assert_int_equal(untrusted.fprog.len, ref.fprog.len);

	seccomp_prog_free(&ref);
	seccomp_prog_free(&miss);
	seccomp_prog_free(&hit);
	seccomp_prog_free(&again);
	seccomp_prog_free(&other);
	seccomp_prog_free(&other_ref);
	seccomp_prog_free(&untrusted);
	oci_spec_free(s);
	oci_spec_free(s2);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_profile_compiles),
		cmocka_unit_test(test_default_profile_enforced),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_flags_and_allow_default),
		cmocka_unit_test(test_errno_ret),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_notify),
		cmocka_unit_test(test_install_error),
		cmocka_unit_test(test_cache),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
