/*
 * linux.seccomp -> classic BPF.
 *
 * libseccomp builds the filter in the runtime (so every refusal can name its
 * JSON path) and exports it as BPF; the container init then loads the finished
 * program with a bare seccomp(2), which is async-signal-safe.
 *
 * Choices worth knowing:
 *  - A syscall name libseccomp does not know is skipped with a debug message
 *    when it is a newer kernel's call (newer_syscalls[]): profiles, Docker's
 *    among them, list calls newer than the library.  Any other unknown name
 *    (a typo: "opne") is refused, as are malformed names; a filter that
 *    silently lacks a rule the author wrote is worse than no container.
 *  - A rule whose action equals the default action is skipped (libseccomp
 *    refuses it, and it changes nothing).
 *  - Several conditions on the same argument cannot be expressed in one
 *    libseccomp rule; like runc, each condition then becomes its own rule, so
 *    they are ORed instead of ANDed.
 *  - With a SCMP_ACT_ERRNO default, system calls numbered above everything
 *    this libseccomp knows fail with ENOSYS rather than the default errno
 *    (see enosys_stub()): glibc falls back to older calls on ENOSYS only, and
 *    a call libseccomp cannot name can have no rule, so nothing that the
 *    profile allows or denies specifically is affected.
 */
#include "sandbox/seccomp.h"

#include <ctype.h>
#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/err.h"
#include "util/log.h"
#include "util/macros.h"

/* Older kernel headers lack the newer flags; the values are ABI. */
#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

#define KNOWN_FLAGS (unsigned)( \
	(SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW | \
	 SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV))

#define MAX_ERRNO_RET 4095  /* the kernel clamps larger SECCOMP_RET_ERRNO data to this */
#define MAX_TRACE_RET 0xffff /* SECCOMP_RET_DATA */
#define SYSCALL_NAME_MAX 64
#define SCAN_LIMIT 1024      /* stub_archs number their calls below this (outside passthrough) */

struct compiler {
	const struct oci_seccomp *sc;
	const char *config;
	scmp_filter_ctx ctx;
	uint32_t default_action; /* with its errno payload */
	char version[32];        /* libseccomp's, for messages */
};

static void ctx_releasep(scmp_filter_ctx *c)
{
	if (*c)
		seccomp_release(*c);
}

/*
 * The parser stores SCMP_ACT_ERRNO and SCMP_ACT_TRACE without their 16-bit
 * payload; put it back (EPERM when the config gives none, as runc does).
 * `where` is the JSON path of the member holding the value, for messages.
 */
static int full_action(const struct compiler *c, const char *where, uint32_t action, bool has_ret, uint32_t ret,
		       uint32_t *out)
{
	if (action == SCMP_ACT_ERRNO(0)) {
		if (has_ret && ret > MAX_ERRNO_RET)
			return err_set(ERANGE, "%s: %s: %u is not an errno value (0 to %d)", c->config, where, ret,
				       MAX_ERRNO_RET);
		*out = SCMP_ACT_ERRNO(has_ret ? ret : EPERM);
	} else if (action == SCMP_ACT_TRACE(0)) {
		if (has_ret && ret > MAX_TRACE_RET)
			return err_set(ERANGE, "%s: %s: %u does not fit the 16-bit message of SCMP_ACT_TRACE", c->config,
				       where, ret);
		*out = SCMP_ACT_TRACE(has_ret ? ret : EPERM);
	} else {
		*out = action;
	}
	return 0;
}

static int add_archs(struct compiler *c)
{
	const struct oci_seccomp *sc = c->sc;
	static const char prefix[] = "SCMP_ARCH_";

	for (size_t i = 0; i < sc->n_archs; i++) {
		const char *name = sc->archs[i];
		char low[32];
		uint32_t arch = 0;

		/* "SCMP_ARCH_X86_64" -> "x86_64", libseccomp's own name */
		size_t n = strlen(name);
		if (n > sizeof(prefix) - 1 && n - (sizeof(prefix) - 1) < sizeof(low) &&
		    strncmp(name, prefix, sizeof(prefix) - 1) == 0) {
			size_t k = 0;
			for (const char *p = name + sizeof(prefix) - 1; *p; p++)
				low[k++] = (char)tolower((unsigned char)*p);
			low[k] = '\0';
			arch = seccomp_arch_resolve_name(low);
		}
		if (arch == 0)
			return err_set(EINVAL, "%s: linux.seccomp.architectures[%zu]: libseccomp %s does not know the architecture \"%s\"",
				       c->config, i, c->version, name);
		int r = seccomp_arch_add(c->ctx, arch);
		if (r == -EEXIST) /* the native one is always there, and duplicates are harmless */
			continue;
		if (r < 0)
			return err_sys(r, "%s: linux.seccomp.architectures[%zu]: libseccomp cannot add \"%s\"", c->config, i,
				       name);
	}
	return 0;
}

/* Lower-case letters, digits and '_' only: what every syscall table uses. */
/* System calls of kernels newer than Debian 12's libseccomp 2.5.4 knows. */
static const char *const newer_syscalls[] = {
	"cachestat", "fchmodat2", "map_shadow_stack", "futex_wake", "futex_wait", "futex_requeue", "statmount",
	"listmount", "lsm_get_self_attr", "lsm_set_self_attr", "lsm_list_modules", "mseal", "setxattrat",
	"getxattrat", "listxattrat", "removexattrat", "open_tree_attr", "file_getattr", "file_setattr",
	"uretprobe", "uprobe", "riscv_hwprobe", "riscv_flush_icache", "set_mempolicy_home_node",
	"memfd_secret", "process_mrelease", "futex_waitv",
};

static bool newer_syscall(const char *name)
{
	for (size_t i = 0; i < sizeof(newer_syscalls) / sizeof(newer_syscalls[0]); i++)
		if (strcmp(newer_syscalls[i], name) == 0)
			return true;
	return false;
}

static bool syscall_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > SYSCALL_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

static int add_rule(struct compiler *c, size_t i, bool *notify)
{
	const struct oci_seccomp_rule *ru = &c->sc->rules[i];
	char fallback[64], where[1100];
	struct scmp_arg_cmp cmp[6];
	bool same_arg = false;
	unsigned used = 0;
	uint32_t action;
	int r;

	const char *path = ru->jpath;
	if (!path || !path[0]) {
		snprintf(fallback, sizeof(fallback), "linux.seccomp.syscalls[%zu]", i);
		path = fallback;
	}

	snprintf(where, sizeof(where), "%s.errnoRet", path);
	if ((r = full_action(c, where, ru->action, ru->has_errno, ru->errno_ret, &action)) < 0)
		return r;
	*notify |= action == SCMP_ACT_NOTIFY;

	if (ru->n_args > ARRAY_SIZE(cmp))
		return err_set(EINVAL, "%s: %s.args: a system call has at most 6 arguments, found %zu conditions", c->config,
			       path, ru->n_args);
	for (size_t k = 0; k < ru->n_args; k++) {
		const struct oci_seccomp_arg *a = &ru->args[k];
		if (a->index > 5)
			return err_set(EINVAL, "%s: %s.args[%zu].index: argument index %u is out of range (0 to 5)",
				       c->config, path, k, a->index);
		if (a->op < SCMP_CMP_NE || a->op > SCMP_CMP_MASKED_EQ)
			return err_set(EINVAL, "%s: %s.args[%zu].op: unknown comparison %d", c->config, path, k, a->op);
		same_arg |= (used >> a->index) & 1;
		used |= 1u << a->index;
		/* SCMP_CMP_MASKED_EQ: (arg & value) == valueTwo; the others compare with value */
		cmp[k] = (struct scmp_arg_cmp){ .arg = a->index, .op = (enum scmp_compare)a->op, .datum_a = a->value,
						.datum_b = a->value_two };
	}

	for (size_t j = 0; j < ru->n_names; j++)
		if (!syscall_name_ok(ru->names[j]))
			return err_set(EINVAL, "%s: %s.names[%zu]: \"%s\" is not a syscall name", c->config, path, j,
				       ru->names[j]);

	if (action == c->default_action) {
		log_debug("%s: %s: same action as defaultAction, nothing to add", c->config, path);
		return 0;
	}

	for (size_t j = 0; j < ru->n_names; j++) {
		const char *name = ru->names[j];
		int nr = seccomp_syscall_resolve_name(name);
		if (nr == __NR_SCMP_ERROR && !newer_syscall(name))
			return err_set(EINVAL, "%s: %s.names[%zu]: unknown system call \"%s\" (not known to libseccomp %s "
					       "nor a newer kernel's call): fix the name or remove it",
				       c->config, path, j, name, c->version);
		if (nr == __NR_SCMP_ERROR) {
			log_debug("%s: %s.names[%zu]: libseccomp %s does not know the system call \"%s\"; skipped",
				  c->config, path, j, c->version, name);
			continue;
		}
		if (!same_arg) {
			r = seccomp_rule_add_array(c->ctx, action, nr, (unsigned)ru->n_args, cmp);
		} else {
			r = 0;
			for (size_t k = 0; k < ru->n_args && r >= 0; k++)
				r = seccomp_rule_add_array(c->ctx, action, nr, 1, &cmp[k]);
		}
		if (r == -EEXIST)
			return err_set(EEXIST, "%s: %s.names[%zu]: \"%s\" with these conditions already has a rule with another action",
				       c->config, path, j, name);
		if (r < 0)
			return err_sys(r, "%s: %s.names[%zu]: libseccomp cannot add the rule for \"%s\"", c->config, path, j,
				       name);
	}
	return 0;
}

/*
 * The ENOSYS prologue.  For each listed architecture it checks the syscall
 * number and returns ENOSYS when it is above `max`, the highest number that
 * libseccomp (or any rule) knows there; everything else falls through to the
 * libseccomp program, which starts by loading the architecture itself.
 * Numbers at or above `passthrough` belong to another ABI sharing the audit
 * architecture (x32 on x86_64) or to private calls (ARM) and are left alone.
 */
struct stub_arch {
	uint32_t token, passthrough;
};

static const struct stub_arch stub_archs[] = {
	{ SCMP_ARCH_X86_64, 0x40000000 /* __X32_SYSCALL_BIT */ },
	{ SCMP_ARCH_X86, 0 },
	{ SCMP_ARCH_AARCH64, 0 },
	{ SCMP_ARCH_ARM, 0x0f0000 /* __ARM_NR_BASE */ },
	{ SCMP_ARCH_RISCV64, 0 },
};

#define STUB_MAX (1 + ARRAY_SIZE(stub_archs) * 4 + 2) /* load, 3-4 per arch, ja, ret */

static uint32_t highest_known(const struct compiler *c, const struct stub_arch *a)
{
	uint32_t limit = a->passthrough ? a->passthrough : UINT32_MAX;
	uint32_t max = 0;

	for (uint32_t n = 0; n < SCAN_LIMIT && n < limit; n++) {
		char *name = seccomp_syscall_resolve_num_arch(a->token, (int)n);
		if (name) {
			max = n;
			free(name);
		}
	}
	/* Belt and braces: no rule may sit above the cut, whatever the tables say. */
	for (size_t i = 0; i < c->sc->n_rules; i++) {
		const struct oci_seccomp_rule *ru = &c->sc->rules[i];
		for (size_t j = 0; j < ru->n_names; j++) {
			int nr = seccomp_syscall_resolve_name_arch(a->token, ru->names[j]);
			if (nr >= 0 && (uint32_t)nr < limit && (uint32_t)nr > max)
				max = (uint32_t)nr;
		}
	}
	return max;
}

static size_t enosys_stub(const struct compiler *c, struct sock_filter *out)
{
	/* Only a plain errno default is safe to refine: it already denies these calls. */
	if ((c->default_action & ~(uint32_t)SECCOMP_RET_DATA) != SCMP_ACT_ERRNO(0) ||
	    (c->default_action & SECCOMP_RET_DATA) == ENOSYS)
		return 0;

	size_t n = 0;
	/* Forward jumps are patched once the two exits are placed. */
	size_t jge[ARRAY_SIZE(stub_archs)], n_jge = 0, jgt[ARRAY_SIZE(stub_archs)], n_jgt = 0;

	out[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	for (size_t i = 0; i < ARRAY_SIZE(stub_archs); i++) {
		const struct stub_arch *a = &stub_archs[i];
		if (seccomp_arch_exist(c->ctx, a->token) != 0)
			continue;
		uint32_t max = highest_known(c, a);
		/* not this architecture: skip the rest of the block (A still holds the arch) */
		out[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, a->token, 0, a->passthrough ? 3 : 2);
		out[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
		if (a->passthrough) {
			jge[n_jge++] = n; /* nr >= passthrough: to the libseccomp program */
			out[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, a->passthrough, 0, 0);
		}
		jgt[n_jgt++] = n; /* nr > max: ENOSYS, else to the libseccomp program */
		out[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, max, 0, 0);
	}
	if (n_jgt == 0)
		return 0;
	out[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA | BPF_K, 1, 0, 0); /* no arch matched */
	size_t enosys = n;
	out[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA));
	size_t end = n; /* first instruction of the libseccomp program */

	/* BPF jump offsets count from the next instruction. */
	for (size_t k = 0; k < n_jge; k++)
		out[jge[k]].jt = (uint8_t)(end - jge[k] - 1);
	for (size_t k = 0; k < n_jgt; k++) {
		out[jgt[k]].jt = (uint8_t)(enosys - jgt[k] - 1);
		out[jgt[k]].jf = (uint8_t)(end - jgt[k] - 1);
	}
	return n;
}

/* libseccomp writes BPF to a file descriptor only (before 2.6): use a memfd. */
static int export_bpf(const struct compiler *c, const struct sock_filter *stub, size_t n_stub, struct seccomp_prog *out)
{
	_cleanup_close_ int fd = memfd_create("stockade-seccomp", MFD_CLOEXEC);
	struct stat st;
	int r;

	if (fd < 0)
		return err_sys(errno, "cannot create a memfd for the seccomp program");
	if ((r = seccomp_export_bpf(c->ctx, fd)) < 0)
		return err_sys(r, "%s: linux.seccomp: libseccomp cannot generate the BPF program", c->config);
	if (fstat(fd, &st) < 0)
		return err_sys(errno, "fstat on the seccomp memfd");

	size_t size = (size_t)st.st_size, n_lib = size / sizeof(struct sock_filter);
	if (size == 0 || size % sizeof(struct sock_filter) != 0)
		return err_set(EIO, "libseccomp produced a BPF program of %zu bytes, not a whole number of instructions", size);
	size_t total = n_stub + n_lib;
	if (total > BPF_MAXINSNS)
		return err_set(E2BIG, "%s: linux.seccomp: the filter compiles to %zu BPF instructions, the kernel takes at most %d",
			       c->config, total, BPF_MAXINSNS);

	struct sock_filter *prog = malloc(total * sizeof(*prog));
	if (!prog)
		return err_sys(ENOMEM, "seccomp program");
	memcpy(prog, stub, n_stub * sizeof(*prog));
	for (size_t done = 0; done < size;) {
		ssize_t k = pread(fd, (char *)(prog + n_stub) + done, size - done, (off_t)done);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			int e = k < 0 ? errno : EIO;
			free(prog);
			return err_sys(e, "cannot read back the seccomp program");
		}
		done += (size_t)k;
	}
	out->fprog.filter = prog;
	out->fprog.len = (unsigned short)total;
	return 0;
}

int seccomp_compile(const struct oci_seccomp *sc, const char *config, struct seccomp_prog *out)
{
	_cleanup_(ctx_releasep) scmp_filter_ctx ctx = NULL;
	struct compiler c = { .sc = sc, .config = config ? config : "config.json" };
	const struct scmp_version *v = seccomp_version();
	bool notify;
	int r;

	memset(out, 0, sizeof(*out));
	snprintf(c.version, sizeof(c.version), "%u.%u.%u", v->major, v->minor, v->micro);

	if (sc->flags & ~KNOWN_FLAGS)
		return err_set(EINVAL, "%s: linux.seccomp.flags: unknown flag bits 0x%x", c.config, sc->flags & ~KNOWN_FLAGS);
	if ((r = full_action(&c, "linux.seccomp.defaultErrnoRet", sc->default_action, sc->has_default_errno,
			     sc->default_errno, &c.default_action)) < 0)
		return r;
	notify = c.default_action == SCMP_ACT_NOTIFY;

	ctx = seccomp_init(c.default_action);
	if (!ctx)
		return err_set(EINVAL, "%s: linux.seccomp.defaultAction: libseccomp %s refuses the action 0x%x (is it supported by this kernel?)",
			       c.config, c.version, c.default_action);
	c.ctx = ctx;
	/* The init sets no_new_privs itself (or keeps CAP_SYS_ADMIN) and loads the
	 * program with seccomp(2); raw errno values make the messages useful. */
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)) < 0)
		return err_sys(r, "libseccomp: cannot clear SCMP_FLTATR_CTL_NNP");
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1)) < 0)
		return err_sys(r, "libseccomp: cannot set SCMP_FLTATR_API_SYSRAWRC");

	if ((r = add_archs(&c)) < 0)
		return r;
	for (size_t i = 0; i < sc->n_rules; i++)
		if ((r = add_rule(&c, i, &notify)) < 0)
			return r;

	unsigned flags = sc->flags;
	if ((flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) && !notify)
		return err_set(EINVAL, "%s: linux.seccomp.flags: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV only applies to filters that use SCMP_ACT_NOTIFY",
			       c.config);
	/* TSYNC and NEW_LISTENER together need TSYNC_ESRCH (Linux 5.7). */
	if ((flags & SECCOMP_FILTER_FLAG_TSYNC) && notify)
		flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;

	struct sock_filter stub[STUB_MAX];
	size_t n_stub = enosys_stub(&c, stub);
	if ((r = export_bpf(&c, stub, n_stub, out)) < 0)
		return r;
	out->flags = flags;
	out->notify = notify;
	return 0;
}

void seccomp_prog_free(struct seccomp_prog *p)
{
	if (!p)
		return;
	free(p->fprog.filter);
	p->fprog.filter = NULL;
	p->fprog.len = 0;
}

int seccomp_install(const struct seccomp_prog *p, int *listener)
{
	unsigned long flags = p->flags;

	if (listener)
		*listener = -1;
	if (p->notify)
		flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
	long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &p->fprog);
	if (r < 0)
		return -errno;
	if (p->notify) {
		if (listener)
			*listener = (int)r;
		else
			close((int)r);
	} else if (r > 0) {
		/* TSYNC without TSYNC_ESRCH reports the thread that could not be synchronised */
		return -ESRCH;
	}
	return 0;
}
