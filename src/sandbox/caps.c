#include "sandbox/caps.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"

static int capset_sets(uint64_t eff, uint64_t perm, uint64_t inh)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2] = {
		{ .effective = (uint32_t)eff, .permitted = (uint32_t)perm, .inheritable = (uint32_t)inh },
		{ .effective = (uint32_t)(eff >> 32), .permitted = (uint32_t)(perm >> 32), .inheritable = (uint32_t)(inh >> 32) },
	};
	return syscall(SYS_capset, &hdr, data) < 0 ? -errno : 0;
}

/* What this process can pass on: its permitted set, within its bounding set. */
static uint64_t have_caps(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2] = { 0 };
	if (syscall(SYS_capget, &hdr, data) < 0)
		return ~0ULL; /* cannot tell: let capset report what fails */
	uint64_t perm = (uint64_t)data[0].permitted | ((uint64_t)data[1].permitted << 32);
	for (int cap = 0; cap < 64; cap++)
		if ((perm & (1ULL << cap)) && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 1)
			perm &= ~(1ULL << cap);
	return perm;
}

int caps_apply_identity(const struct oci_process *p, int last_cap)
{
	const struct oci_user *u = &p->user;
	uint64_t known = last_cap >= 63 ? ~0ULL : ((1ULL << (last_cap + 1)) - 1);
	struct oci_caps c = { 0 };
	int r;

	if (p->has_caps) {
		c = p->caps;
		/* config.md#configLinuxProcess: a capability that cannot be granted (the kernel does
		 * not know it, or the runtime itself does not hold it, e.g. a host whose root lacks
		 * CAP_SYS_RESOURCE) MUST be logged as a warning, and SHOULD NOT fail the container */
		uint64_t grantable = known & have_caps();
		uint64_t asked = c.bounding | c.effective | c.permitted | c.inheritable | c.ambient;
		for (int cap = 0; cap < 64; cap++) {
			if (!(asked & ~grantable & (1ULL << cap)))
				continue;
			const char *name = cap_to_name(cap);
			if (name)
				log_warn("process.capabilities: %s cannot be granted here (the runtime does not hold it); "
					 "the container runs without it", name);
			else
				log_warn("process.capabilities: capability %d is unknown to this kernel; the container runs "
					 "without it", cap);
		}
		c.bounding &= grantable;
		c.effective &= grantable;
		c.permitted &= grantable;
		c.inheritable &= grantable;
		c.ambient &= grantable;
	}

	/* the bounding set can only shrink, and needs CAP_SETPCAP: before the uid changes */
	for (int cap = 0; cap <= last_cap; cap++) {
		if (c.bounding & (1ULL << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return err_sys(errno, "cannot drop capability %d from the bounding set", cap);
	}

	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return err_sys(errno, "prctl(PR_SET_KEEPCAPS)");
	if (setgroups(u->n_additional_gids, (const gid_t *)u->additional_gids) < 0)
		return err_sys(errno, "cannot set the additional groups of process.user");
	if (setresgid(u->gid, u->gid, u->gid) < 0)
		return err_sys(errno, "cannot switch to gid %u (process.user.gid): is it mapped in the user namespace?", u->gid);
	if (setresuid(u->uid, u->uid, u->uid) < 0)
		return err_sys(errno, "cannot switch to uid %u (process.user.uid): is it mapped in the user namespace?", u->uid);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return err_sys(errno, "prctl(PR_SET_KEEPCAPS)");

	r = capset_sets(c.effective, c.permitted, c.inheritable);
	if (r < 0)
		return err_sys(r, "cannot set the capabilities of process.capabilities (is every effective one also permitted?)");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return err_sys(errno, "cannot clear the ambient capabilities");
	for (int cap = 0; cap <= last_cap; cap++) {
		if (!(c.ambient & (1ULL << cap)))
			continue;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			return err_sys(errno, "cannot raise ambient capability %d (it must also be permitted and inheritable)", cap);
	}
	return 0;
}

int caps_last_cap(void)
{
	char buf[16];
	unsigned long long v;
	if (read_small_at(AT_FDCWD, "/proc/sys/kernel/cap_last_cap", buf, sizeof(buf)) < 0 || parse_u64(buf, &v) < 0 || v > 63)
		return 40; /* CAP_CHECKPOINT_RESTORE, the last one Linux 5.9+ knows */
	return (int)v;
}
