/*
 * Fuzz check-host's readers: the input is split at "\n@@\n" into the files
 * check-host parses (daemon.json, /proc/net/tcp, /proc/cpuinfo, /proc/1/cgroup,
 * /proc/self/mountinfo, /proc/1/cmdline, /proc/cmdline, a runc version file),
 * written into a scratch root tree (removed at exit), then every check runs
 * against it.  Any content must be read without crashing or leaking.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/host.h"
#include "scratch.h"
#include "rules/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root[64]; /* the scratch tree (scratch.h removes it at exit) */


static void mkdirs(const char *rel)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	for (char *s = p + strlen(root) + 1; *s; s++) {
		if (*s == '/') {
			*s = '\0';
			mkdir(p, 0755);
			*s = '/';
		}
	}
	mkdir(p, 0755);
}

static void setup(void)
{

	snprintf(root, sizeof(root), "%s", scratch_make("host"));
	static const char *const dirs[] = { "etc/docker", "proc/net", "proc/1", "proc/self", "usr/bin" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(*dirs); i++)
		mkdirs(dirs[i]);
	char p[256];
	snprintf(p, sizeof(p), "%s/usr/bin/runc", root);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (fd >= 0)
		close(fd);
}

static void put(const char *rel, const uint8_t *d, size_t n)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		abort();
	if (n && write(fd, d, n) != (ssize_t)n)
		abort();
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const files[] = { "etc/docker/daemon.json", "proc/net/tcp", "proc/cpuinfo", "proc/1/cgroup",
		"proc/self/mountinfo", "proc/1/cmdline", "proc/cmdline", "usr/bin/runc.version" };
	if (!root[0])
		setup();
	const uint8_t *p = data, *end = data + size;
	for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
		const uint8_t *sep = p < end ? memmem(p, (size_t)(end - p), "\n@@\n", 4) : NULL;
		const uint8_t *stop = sep ? sep : end;
		put(files[i], p, (size_t)(stop - p));
		p = sep ? sep + 4 : end;
	}
	struct findings f = { 0 };
	struct host h;
	if (host_open(&h, root, &f) == 0) {
		host_check_virt(&h);
		host_check_kernel(&h);
		host_check_runtimes(&h);
		host_check_docker(&h);
		host_close(&h);
	}
	findings_free(&f);
	return 0;
}
