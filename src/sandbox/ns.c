#include "sandbox/ns.h"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "util/err.h"
#include "util/fs.h"
#include "util/macros.h"

void ns_close_fds(int fds[NS__MAX])
{
	for (int i = 0; i < NS__MAX; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

static int ns_index_in_spec(const struct oci_spec *s, int type)
{
	/* position in linux.namespaces is not kept; report by type */
	(void)s;
	return type;
}

int ns_open_paths(const struct oci_spec *s, int fds[NS__MAX])
{
	for (int i = 0; i < NS__MAX; i++)
		fds[i] = -1;
	for (int i = 0; i < NS__MAX; i++) {
		const struct oci_namespace *ns = &s->linux_.ns[i];
		if (!ns->present || !ns->path)
			continue;
		int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			int e = errno;
			ns_close_fds(fds);
			return err_sys(e, "%s: linux.namespaces (%s): cannot open %s", s->config_path, ns_type_names[i], ns->path);
		}
		fds[i] = fd;
		int t = ioctl(fd, NS_GET_NSTYPE);
		if (t < 0 || t != ns_clone_flags[ns_index_in_spec(s, i)]) {
			ns_close_fds(fds);
			return err_set(EINVAL, "%s: linux.namespaces (%s): %s is not a %s namespace", s->config_path,
				       ns_type_names[i], ns->path, ns_type_names[i]);
		}
	}
	return 0;
}

int ns_new_flags(const struct oci_spec *s)
{
	int flags = 0;
	for (int i = 0; i < NS__MAX; i++)
		if (s->linux_.ns[i].present && !s->linux_.ns[i].path)
			flags |= ns_clone_flags[i];
	return flags;
}

static int write_map(pid_t pid, const char *file, const struct oci_idmap *m, size_t n)
{
	char path[64], buf[4096];
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(buf + len, sizeof(buf) - len, "%u %u %u\n", m[i].container_id, m[i].host_id, m[i].size);
		if (w < 0 || (size_t)w >= sizeof(buf) - len)
			return err_set(E2BIG, "too many id mappings");
		len += (size_t)w;
	}
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	int r = write_knob_at(AT_FDCWD, path, buf);
	if (r < 0)
		return err_sys(r, "cannot write %s (mappings must not overlap and must fit the host's ids)", file);
	return 0;
}

int ns_write_idmaps(pid_t pid, const struct oci_spec *s)
{
	const struct oci_linux *l = &s->linux_;
	int r = write_map(pid, "uid_map", l->uid_mappings, l->n_uid_mappings);
	if (r < 0)
		return err_ctx(r, "%s: linux.uidMappings", s->config_path);
	r = write_map(pid, "gid_map", l->gid_mappings, l->n_gid_mappings);
	if (r < 0)
		return err_ctx(r, "%s: linux.gidMappings", s->config_path);
	return 0;
}

int ns_join(int fds[NS__MAX], int skip)
{
	/* the user namespace first: it decides what the others may do */
	static const int order[] = { NS_USER, NS_MNT, NS_PID, NS_NET, NS_IPC, NS_UTS, NS_CGROUP, NS_TIME };
	for (size_t k = 0; k < ARRAY_SIZE(order); k++) {
		int i = order[k];
		if (fds[i] < 0 || (ns_clone_flags[i] & skip))
			continue;
		if (setns(fds[i], ns_clone_flags[i]) < 0)
			return err_sys(errno, "cannot join the %s namespace", ns_type_names[i]);
	}
	return 0;
}

static uint32_t map_id(const struct oci_idmap *m, size_t n, uint32_t id, bool *mapped)
{
	for (size_t i = 0; i < n; i++) {
		if (id >= m[i].container_id && id - m[i].container_id < m[i].size) {
			if (mapped)
				*mapped = true;
			return m[i].host_id + (id - m[i].container_id);
		}
	}
	if (mapped)
		*mapped = false;
	return 65534;
}

uint32_t ns_host_uid(const struct oci_spec *s, uint32_t id, bool *mapped)
{
	if (!s->linux_.n_uid_mappings) {
		if (mapped)
			*mapped = true;
		return id;
	}
	return map_id(s->linux_.uid_mappings, s->linux_.n_uid_mappings, id, mapped);
}

uint32_t ns_host_gid(const struct oci_spec *s, uint32_t id, bool *mapped)
{
	if (!s->linux_.n_gid_mappings) {
		if (mapped)
			*mapped = true;
		return id;
	}
	return map_id(s->linux_.gid_mappings, s->linux_.n_gid_mappings, id, mapped);
}
