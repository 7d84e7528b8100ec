/*
 * Fuzz the /proc frontend: the input is split at "\n@@\n" into a container
 * process's status, mountinfo, cgroup, environ and uid_map, and PID 1's
 * mountinfo, written into a small proc tree (PID 1 in the host namespaces,
 * PID 2 in its own) that fe_proc_scan then reads and the rules judge.  Any
 * content must be read without crashing, leaking or reading out of bounds.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "frontends/procfs.h"
#include "scratch.h"
#include "rules/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root[64]; /* the scratch tree (scratch.h removes it at exit) */
static int proc_fd = -1, sys_fd = -1;

static void mkns(const char *pid, unsigned base)
{
	static const char *const ns[] = { "pid", "net", "ipc", "uts", "mnt", "user", "cgroup" };
	char p[128], t[64];
	snprintf(p, sizeof(p), "%s/proc/%s", root, pid);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/proc/%s/ns", root, pid);
	mkdir(p, 0755);
	for (unsigned i = 0; i < 7; i++) {
		snprintf(p, sizeof(p), "%s/proc/%s/ns/%s", root, pid, ns[i]);
		snprintf(t, sizeof(t), "%s:[%u]", ns[i], base + i);
		if (symlink(t, p) < 0)
			abort();
	}
}


static void setup(void)
{

	char p[128];
	snprintf(root, sizeof(root), "%s", scratch_make("procfs"));
	snprintf(p, sizeof(p), "%s/proc", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/sys", root);
	mkdir(p, 0755);
	mkns("1", 1000);
	mkns("2", 2000);
	snprintf(p, sizeof(p), "%s/proc", root);
	proc_fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	snprintf(p, sizeof(p), "%s/sys", root);
	sys_fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (proc_fd < 0 || sys_fd < 0)
		abort();
}

static void put(const char *name, const uint8_t *d, size_t n)
{
	int fd = openat(proc_fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		abort();
	if (n && write(fd, d, n) != (ssize_t)n)
		abort();
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const files[] = { "2/status", "2/mountinfo", "2/cgroup", "2/environ", "2/uid_map", "1/mountinfo" };
	if (proc_fd < 0)
		setup();
	const uint8_t *p = data, *end = data + size;
	for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
		const uint8_t *sep = p < end ? memmem(p, (size_t)(end - p), "\n@@\n", 4) : NULL;
		const uint8_t *stop = sep ? sep : end;
		put(files[i], p, (size_t)(stop - p));
		p = sep ? sep + 4 : end;
	}
	struct proc_scan_opts o = { .proc_fd = proc_fd, .proc_dir = "/proc", .sys_fd = sys_fd, .sys_dir = "/sys",
		.state_fd = -1, .run_fd = -1 };
	struct workload *w;
	struct proc_container_info *info;
	if (fe_proc_scan(&o, &w, &info) >= 0) {
		struct rule_ctx ctx;
		struct findings f = { 0 };
		rule_ctx_default(&ctx);
		rules_eval(w, &ctx, &f);
		findings_free(&f);
		workload_free(w);
	}
	return 0;
}
