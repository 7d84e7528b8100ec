/*
 * The check-host context: the root dir's fd, file reading confined to it,
 * items for the grouped report and findings through the rule engine.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "host/host.h"
#include "rules/rules_internal.h"
#include "util/err.h"
#include "util/fs.h"

#define HOST_FILE_MAX (1u << 20)

const char *const host_area_names[HOST__AREAS] = { "Virtualization", "Kernel", "Runtimes", "Docker daemon" };
const char *const host_verdict_names[4] = { "ok", "info", "warning", "FAIL" };

int host_open(struct host *h, const char *root_dir, struct findings *out)
{
	memset(h, 0, sizeof(*h));
	if (!root_dir)
		root_dir = "/";
	h->rootfd = open(root_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (h->rootfd < 0)
		return err_sys(errno, "--root-dir %s", root_dir);
	struct stat a, b;
	/* "/" by any name (//, /., a bind of /) is the live host */
	h->live = fstat(h->rootfd, &a) == 0 && stat("/", &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
	h->out = out;
	return 0;
}

void host_close(struct host *h)
{
	if (h->rootfd >= 0)
		close(h->rootfd);
	h->rootfd = -1;
	free(h->items);
	h->items = NULL;
	arena_free(&h->arena);
}

int host_openat(const struct host *h, const char *path, int flags)
{
	while (*path == '/')
		path++;
	if (!*path)
		path = ".";
	/* A recorded tree's absolute symlinks (/var/run -> /run) must resolve inside it, not on this host. */
	if (!(flags & O_PATH))
		flags |= O_NOCTTY; /* openat2 refuses O_PATH with anything but O_DIRECTORY, O_NOFOLLOW, O_CLOEXEC */
	struct open_how how = { .flags = (unsigned long long)(flags | O_CLOEXEC), .resolve = RESOLVE_IN_ROOT };
	int fd = h->live ? -1 : (int)syscall(SYS_openat2, h->rootfd, path, &how, sizeof(how));
	/* only a kernel (or a seccomp filter) without openat2 falls back to plain openat */
	if (fd >= 0 || (!h->live && errno != ENOSYS && errno != EPERM))
		return fd < 0 ? -errno : fd;
	fd = openat(h->rootfd, path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

char *host_read(struct host *h, const char *path, size_t *len)
{
	_cleanup_close_ int fd = host_openat(h, path, O_RDONLY);
	if (fd < 0)
		return NULL;
	char *buf = NULL;
	size_t n = 0;
	if (read_fd_all(fd, HOST_FILE_MAX, &buf, &n) < 0)
		return NULL;
	char *s = arena_alloc(&h->arena, n + 1);
	memcpy(s, buf, n); /* /proc/PID/environ and cmdline hold NULs: keep them, the length says where it ends */
	free(buf);
	if (len)
		*len = n;
	return s;
}

char *host_read_line(struct host *h, const char *path)
{
	char *s = host_read(h, path, NULL);
	if (!s)
		return NULL;
	s[strcspn(s, "\n")] = '\0';
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	while (*s == ' ' || *s == '\t')
		s++;
	return *s ? s : NULL;
}

bool host_stat(const struct host *h, const char *path, struct stat *st)
{
	_cleanup_close_ int fd = host_openat(h, path, O_PATH);
	struct stat tmp;
	return fd >= 0 && fstat(fd, st ? st : &tmp) == 0;
}

void host_item(struct host *h, enum host_area area, enum host_verdict v, const char *name, const char *fmt, ...)
{
	if (h->n_items == h->cap_items) {
		h->cap_items = h->cap_items ? h->cap_items * 2 : 32;
		h->items = realloc(h->items, h->cap_items * sizeof(*h->items));
		if (!h->items)
			abort();
	}
	struct host_item *it = &h->items[h->n_items++];
	va_list ap;
	va_start(ap, fmt);
	*it = (struct host_item){ area, v, name, arena_vprintf(&h->arena, fmt, ap) };
	va_end(ap);
}

void host_finding(struct host *h, const char *id, int sev, const char *file, const char *fmt, ...)
{
	if (!h->out)
		return;
	struct workload w = { .file = "host" };
	struct rule_ctx ctx;
	rule_ctx_default(&ctx);
	ctx.level = LEVEL_HOST;
	struct eval e = { .w = &w, .ctx = &ctx, .out = h->out };
	va_list ap;
	va_start(ap, fmt);
	char *msg = arena_vprintf(&h->arena, fmt, ap);
	va_end(ap);
	rule_emit(&e, id, sev, (struct wl_loc){ .file = file }, "%s", msg);
}

void host_check_all(struct host *h)
{
	host_check_virt(h);
	host_check_kernel(h);
	host_check_runtimes(h);
	host_check_docker(h);
}
