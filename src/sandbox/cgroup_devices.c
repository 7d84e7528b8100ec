/*
 * Device access for the container's cgroup.
 *
 * cgroup v1: the devices controller takes one rule per write to
 * devices.deny / devices.allow.  cgroup v2 has no devices controller;
 * instead a BPF_PROG_TYPE_CGROUP_DEVICE program attached to the cgroup
 * answers every open/mknod of a device node.  The program is assembled here
 * by hand (no libbpf): a handful of instruction forms are enough.
 */
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>

#include "sandbox/cgroup_internal.h"
#include "util/err.h"
#include "util/log.h"
#include "util/macros.h"

/* What every container may use (all "rwm"), after the initial "deny all". */
static const struct oci_device_rule default_rules[] = {
	{ .allow = false, .type = 'a', .major = -1, .minor = -1, .access = "rwm" },
	{ .allow = true, .type = 'c', .major = 1, .minor = 3, .access = "rwm" },   /* /dev/null */
	{ .allow = true, .type = 'c', .major = 1, .minor = 5, .access = "rwm" },   /* /dev/zero */
	{ .allow = true, .type = 'c', .major = 1, .minor = 7, .access = "rwm" },   /* /dev/full */
	{ .allow = true, .type = 'c', .major = 1, .minor = 8, .access = "rwm" },   /* /dev/random */
	{ .allow = true, .type = 'c', .major = 1, .minor = 9, .access = "rwm" },   /* /dev/urandom */
	{ .allow = true, .type = 'c', .major = 5, .minor = 0, .access = "rwm" },   /* /dev/tty */
	{ .allow = true, .type = 'c', .major = 5, .minor = 1, .access = "rwm" },   /* /dev/console */
	{ .allow = true, .type = 'c', .major = 5, .minor = 2, .access = "rwm" },   /* /dev/ptmx */
	{ .allow = true, .type = 'c', .major = 136, .minor = -1, .access = "rwm" }, /* /dev/pts/N */
};

void cg_device_rule_string(const struct oci_device_rule *r, char *buf, size_t n)
{
	char maj[24], min[24];
	if (r->type == 'a') {
		/* the kernel ignores numbers and access for "a": it resets the list */
		snprintf(buf, n, "a");
		return;
	}
	if (r->major < 0)
		snprintf(maj, sizeof(maj), "*");
	else
		snprintf(maj, sizeof(maj), "%lld", (long long)r->major);
	if (r->minor < 0)
		snprintf(min, sizeof(min), "*");
	else
		snprintf(min, sizeof(min), "%lld", (long long)r->minor);
	snprintf(buf, n, "%c %s:%s %s", r->type, maj, min, r->access);
}

/*
 * "linux.resources.devices[2]" or "the default device rule ...".  The rules
 * are applied as: deny all, the spec's rules, then the default allows (as
 * runc does), so a config's leading "deny all" cannot take /dev/null away.
 */
static void rule_origin(size_t i, size_t n_spec, const struct oci_device_rule *r, char *buf, size_t n)
{
	char s[64];
	if (i >= 1 && i <= n_spec) {
		snprintf(buf, n, "linux.resources.devices[%zu]", i - 1);
	} else {
		cg_device_rule_string(r, s, sizeof(s));
		snprintf(buf, n, "the default device rule \"%s %s\"", r->allow ? "allow" : "deny", s);
	}
}

static int rule_check(const struct oci_device_rule *r)
{
	if (r->type != 'a' && r->type != 'b' && r->type != 'c')
		return -EINVAL;
	if (r->major < -1 || r->major > UINT32_MAX || r->minor < -1 || r->minor > UINT32_MAX)
		return -ERANGE;
	size_t al = strnlen(r->access, sizeof(r->access));
	if (al == 0 || al >= sizeof(r->access) || strspn(r->access, "rwm") != al)
		return -EINVAL;
	return 0;
}

/* ---- cgroup v1 ---------------------------------------------------------- */

static int apply_v1(const struct cg_hier *h, const struct oci_device_rule *rules, size_t n, size_t n_spec)
{
	_cleanup_close_ int fd = cg_open_dir(h->path);
	if (fd < 0)
		return err_sys(fd, "linux.resources.devices: cannot open the container's devices cgroup %s", h->path);
	for (size_t i = 0; i < n; i++) {
		const struct oci_device_rule *r = &rules[i];
		const char *file = r->allow ? "devices.allow" : "devices.deny";
		char s[64], origin[128];
		cg_device_rule_string(r, s, sizeof(s));
		int q = cg_write_at(fd, file, s);
		if (q < 0) {
			rule_origin(i, n_spec, r, origin, sizeof(origin));
			q = err_sys(q, "%s: cannot write \"%s\" to %s/%s", origin, s, h->path, file);
			if (q == -EPERM && r->allow)
				q = err_hint(q, "a cgroup can only allow devices its parent allows (is the runtime itself "
						"in a restricted devices cgroup?)");
			return q;
		}
	}
	return 0;
}

/* ---- cgroup v2: eBPF ---------------------------------------------------- */

struct prog {
	struct bpf_insn *insn;
	size_t n, cap;
	bool oom;
};

static size_t emit(struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct bpf_insn *ni = realloc(p->insn, cap * sizeof(*ni));
		if (!ni) {
			p->oom = true;
			return p->n;
		}
		p->insn = ni;
		p->cap = cap;
	}
	struct bpf_insn *i = &p->insn[p->n];
	memset(i, 0, sizeof(*i));
	i->code = code;
	i->dst_reg = dst & 0xf;
	i->src_reg = src & 0xf;
	i->off = off;
	i->imm = imm;
	return p->n++;
}

/* Point the jump at index `at` to the instruction about to be emitted next. */
static void patch_to_here(struct prog *p, size_t at)
{
	if (!p->oom)
		p->insn[at].off = (int16_t)(p->n - at - 1);
}

#define R0 BPF_REG_0
#define R1 BPF_REG_1
#define R2 BPF_REG_2
#define R3 BPF_REG_3
#define R4 BPF_REG_4
#define R5 BPF_REG_5
#define R6 BPF_REG_6

static void emit_exit_with(struct prog *p, int32_t v)
{
	emit(p, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, v);
	emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

/*
 * Assemble the program.  Register use:
 *   r2 = requested access bits (BPF_DEVCG_ACC_*), r3 = device type
 *   (BPF_DEVCG_DEV_*), r4 = major, r5 = minor, r6 = scratch.
 * For each access bit that was requested, the effective rules are searched
 * from the last to the first for one that names that bit and matches the
 * device; its verdict holds (deny: return 0).  No match: the default.  When
 * every requested bit passed: return 1.
 */
static int build(struct prog *p, bool default_allow, const struct oci_device_rule *rules, size_t n)
{
	static const struct {
		char c;
		int32_t bit;
	} bits[] = { { 'm', BPF_DEVCG_ACC_MKNOD }, { 'r', BPF_DEVCG_ACC_READ }, { 'w', BPF_DEVCG_ACC_WRITE } };

	/* struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; } */
	emit(p, BPF_LDX | BPF_MEM | BPF_W, R2, R1, offsetof(struct bpf_cgroup_dev_ctx, access_type), 0);
	emit(p, BPF_LDX | BPF_MEM | BPF_W, R4, R1, offsetof(struct bpf_cgroup_dev_ctx, major), 0);
	emit(p, BPF_LDX | BPF_MEM | BPF_W, R5, R1, offsetof(struct bpf_cgroup_dev_ctx, minor), 0);
	/* access_type = (access << 16) | type */
	emit(p, BPF_ALU | BPF_MOV | BPF_X, R3, R2, 0, 0);
	emit(p, BPF_ALU | BPF_AND | BPF_K, R3, 0, 0, 0xffff);
	emit(p, BPF_ALU | BPF_RSH | BPF_K, R2, 0, 0, 16);

	for (size_t b = 0; b < ARRAY_SIZE(bits); b++) {
		size_t to_end[1024 + 1];
		size_t n_end = 0;

		/* if (!(access & bit)) goto bit_end */
		emit(p, BPF_ALU | BPF_MOV | BPF_X, R6, R2, 0, 0);
		emit(p, BPF_ALU | BPF_AND | BPF_K, R6, 0, 0, bits[b].bit);
		to_end[n_end++] = emit(p, BPF_JMP32 | BPF_JEQ | BPF_K, R6, 0, 0, 0);

		for (size_t k = n; k-- > 0;) {
			const struct oci_device_rule *r = &rules[k];
			size_t to_next[3], n_next = 0;
			if (!strchr(r->access, bits[b].c))
				continue;
			int32_t type = r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;
			to_next[n_next++] = emit(p, BPF_JMP32 | BPF_JNE | BPF_K, R3, 0, 0, type);
			if (r->major >= 0)
				to_next[n_next++] = emit(p, BPF_JMP32 | BPF_JNE | BPF_K, R4, 0, 0, (int32_t)(uint32_t)r->major);
			if (r->minor >= 0)
				to_next[n_next++] = emit(p, BPF_JMP32 | BPF_JNE | BPF_K, R5, 0, 0, (int32_t)(uint32_t)r->minor);
			if (r->allow) {
				if (n_end >= ARRAY_SIZE(to_end))
					return -E2BIG;
				to_end[n_end++] = emit(p, BPF_JMP | BPF_JA, 0, 0, 0, 0);
			} else {
				emit_exit_with(p, 0);
			}
			for (size_t j = 0; j < n_next; j++)
				patch_to_here(p, to_next[j]);
		}
		if (!default_allow)
			emit_exit_with(p, 0);
		for (size_t j = 0; j < n_end; j++)
			patch_to_here(p, to_end[j]);
	}
	emit_exit_with(p, 1);
	if (p->oom)
		return -ENOMEM;
	/* jump offsets are 16 bits */
	if (p->n > 30000)
		return -E2BIG;
	return 0;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	long r;
	do
		r = syscall(SYS_bpf, cmd, attr, sizeof(*attr));
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : (int)r;
}

static int prog_load(const struct prog *p, char *log, size_t logn)
{
	static const char license[] = "Apache-2.0";
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insn_cnt = (uint32_t)p->n;
	a.insns = (uint64_t)(uintptr_t)p->insn;
	a.license = (uint64_t)(uintptr_t)license;
	snprintf(a.prog_name, sizeof(a.prog_name), "stockade_dev");
	if (log) {
		log[0] = '\0';
		a.log_level = 1;
		a.log_buf = (uint64_t)(uintptr_t)log;
		a.log_size = (uint32_t)logn;
	}
	int fd = sys_bpf(BPF_PROG_LOAD, &a);
	if (fd >= 0) {
		int fl = fcntl(fd, F_GETFD);
		if (fl >= 0)
			(void)fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
	}
	return fd;
}

/* The ids of the device programs attached to dirfd itself (not inherited). */
static int query_attached(int dirfd, uint32_t *ids, uint32_t *n)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.query.target_fd = (uint32_t)dirfd;
	a.query.attach_type = BPF_CGROUP_DEVICE;
	a.query.prog_ids = (uint64_t)(uintptr_t)ids;
	a.query.prog_cnt = *n;
	int r = sys_bpf(BPF_PROG_QUERY, &a);
	if (r < 0)
		return r;
	*n = a.query.prog_cnt;
	return 0;
}

int cg_devices_bpf_attach(int dirfd, const char *path, const struct oci_device_rule *rules, size_t n)
{
	struct prog p = { 0 };
	bool default_allow = true;
	size_t first = 0;
	int r;

	/* an "a" rule resets: only what follows the last one matters */
	for (size_t i = 0; i < n; i++)
		if (rules[i].type == 'a') {
			default_allow = rules[i].allow;
			first = i + 1;
		}
	if (n - first > 1024)
		return err_set(E2BIG, "linux.resources.devices: %zu rules are more than the 1024 stockade compiles into "
				      "a device program", n - first);
	r = build(&p, default_allow, rules + first, n - first);
	if (r < 0) {
		free(p.insn);
		return err_sys(r, "linux.resources.devices: cannot assemble the device program");
	}

	/* the programs attached now (ours from an earlier create/update) go once the new one is in */
	uint32_t old[64], n_old = ARRAY_SIZE(old);
	if (query_attached(dirfd, old, &n_old) < 0)
		n_old = 0;
	if (n_old > ARRAY_SIZE(old))
		n_old = ARRAY_SIZE(old);

	int progfd = prog_load(&p, NULL, 0);
	if (progfd < 0) {
		int e = progfd;
		/* load again with the verifier's log for the message */
		char *log = malloc(65536);
		if (log && prog_load(&p, log, 65536) < 0 && log[0]) {
			char *nl = strrchr(log, '\n');
			while (nl && nl[1] == '\0' && nl > log) {
				*nl = '\0';
				nl = strrchr(log, '\n');
			}
			r = err_sys(e, "linux.resources.devices: the kernel refused the device program (%s)", nl ? nl + 1 : log);
		} else {
			r = err_sys(e, "linux.resources.devices: cannot load the device program");
		}
		free(log);
		free(p.insn);
		if (e == -EPERM)
			r = err_hint(r, "loading BPF programs needs CAP_BPF or CAP_SYS_ADMIN");
		return r;
	}
	free(p.insn);

	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)dirfd;
	a.attach_bpf_fd = (uint32_t)progfd;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = BPF_F_ALLOW_MULTI;
	r = sys_bpf(BPF_PROG_ATTACH, &a);
	close(progfd); /* the attachment keeps the program */
	if (r < 0)
		return err_sys(r, "linux.resources.devices: cannot attach the device program to %s", path);

	for (uint32_t i = 0; i < n_old; i++) {
		union bpf_attr g;
		memset(&g, 0, sizeof(g));
		g.prog_id = old[i];
		int ofd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &g);
		if (ofd < 0) {
			log_warn("cgroup %s: cannot look up the earlier device program %u: %s", path, old[i], strerror(-ofd));
			continue;
		}
		memset(&a, 0, sizeof(a));
		a.target_fd = (uint32_t)dirfd;
		a.attach_bpf_fd = (uint32_t)ofd;
		a.attach_type = BPF_CGROUP_DEVICE;
		int q = sys_bpf(BPF_PROG_DETACH, &a);
		close(ofd);
		/* the old program stays attached: access is the intersection, never wider */
		if (q < 0)
			log_warn("cgroup %s: cannot detach the earlier device program %u: %s", path, old[i], strerror(-q));
	}
	return 0;
}

/* ---- entry point -------------------------------------------------------- */

int cg_devices_apply(const struct cgroup *cg, const struct oci_resources *res)
{
	size_t n_spec = res ? res->n_devices : 0;
	size_t n = ARRAY_SIZE(default_rules) + n_spec;
	const struct cg_hier *v1 = NULL, *v2 = NULL;
	int r;

	for (size_t i = 0; i < n_spec; i++) {
		r = rule_check(&res->devices[i]);
		if (r < 0)
			return err_set(-r, "linux.resources.devices[%zu]: invalid rule (type '%c', major %lld, minor %lld, "
					   "access \"%.3s\")", i, res->devices[i].type, (long long)res->devices[i].major,
				       (long long)res->devices[i].minor, res->devices[i].access);
	}
	for (size_t i = 0; i < cg->n; i++) {
		const struct cg_hier *h = &cg->h[i];
		if (h->v2) {
			if (!v2)
				v2 = h;
			continue;
		}
		/* "devices" as a whole word in "devices" or "cpu,devices" */
		char ctrls[256];
		snprintf(ctrls, sizeof(ctrls), "%s", h->controllers);
		char *save = NULL;
		for (char *c = strtok_r(ctrls, ",", &save); c; c = strtok_r(NULL, ",", &save))
			if (STREQ(c, "devices"))
				v1 = h;
	}
	if (!v1 && !v2)
		return err_set(ENODEV, "linux.resources.devices: no devices cgroup and no cgroup2 hierarchy: device "
				       "access cannot be restricted on this host");

	struct oci_device_rule *all = calloc(n, sizeof(*all));
	if (!all)
		return err_sys(ENOMEM, "linux.resources.devices");
	all[0] = default_rules[0]; /* deny all */
	if (n_spec)
		memcpy(all + 1, res->devices, n_spec * sizeof(*all));
	memcpy(all + 1 + n_spec, default_rules + 1, sizeof(default_rules) - sizeof(default_rules[0]));

	if (v1) {
		r = apply_v1(v1, all, n, n_spec);
	} else {
		int fd = cg_open_dir(v2->path);
		if (fd < 0) {
			r = err_sys(fd, "linux.resources.devices: cannot open the container's cgroup %s", v2->path);
		} else {
			r = cg_devices_bpf_attach(fd, v2->path, all, n);
			close(fd);
		}
	}
	free(all);
	return r;
}
