/* Path resolution inside a root: symlinks never lead out, races are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fs.h"
#include "util/path.h"

static char tmpl[PATH_MAX];
static int rootfd = -1;

static int setup(void **st)
{
	(void)st;
	snprintf(tmpl, sizeof(tmpl), "/tmp/stockade-path-XXXXXX");
	if (!mkdtemp(tmpl))
		return -1;
	rootfd = open(tmpl, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return rootfd < 0 ? -1 : 0;
}

static int teardown(void **st)
{
	(void)st;
	close(rootfd);
	return rm_rf_at(AT_FDCWD, tmpl) < 0 ? -1 : 0;
}

static void test_clean(void **st)
{
	(void)st;
	char out[PATH_MAX];
	assert_int_equal(path_clean("//a/./b/../c/", out, sizeof(out)), 0);
	assert_string_equal(out, "/a/c");
	assert_int_equal(path_clean("../../etc", out, sizeof(out)), 0);
	assert_string_equal(out, "/etc");
	assert_int_equal(path_clean("", out, sizeof(out)), 0);
	assert_string_equal(out, "/");
	char dir[PATH_MAX];
	const char *base;
	path_split("/a/b", dir, sizeof(dir), &base);
	assert_string_equal(dir, "/a");
	assert_string_equal(base, "b");
	path_split("/a", dir, sizeof(dir), &base);
	assert_string_equal(dir, "/");
}

static void test_mkdirs_creates_inside(void **st)
{
	(void)st;
	int fd = in_root_mkdirs(rootfd, "/x/y/z", 0755, IN_ROOT_FOLLOW);
	assert_true(fd >= 0);
	close(fd);
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/x/y/z", tmpl);
	struct stat s;
	assert_int_equal(stat(p, &s), 0);
	assert_true(S_ISDIR(s.st_mode));
}

static void test_absolute_symlink_stays_in_root(void **st)
{
	(void)st;
	/* a link to /etc inside the root means the root's /etc, never the host's */
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/evil", tmpl);
	assert_int_equal(symlink("/etc", p), 0);
	int fd = in_root_mkdirs(rootfd, "/evil/sub", 0755, IN_ROOT_FOLLOW);
	assert_true(fd >= 0);
	close(fd);
	snprintf(p, sizeof(p), "%s/etc/sub", tmpl);
	struct stat s;
	assert_int_equal(stat(p, &s), 0);
	assert_int_not_equal(stat("/etc/sub", &s), 0);
	/* dot-dot cannot climb out either */
	fd = in_root_open(rootfd, "/../../../../etc", O_PATH, IN_ROOT_FOLLOW);
	assert_true(fd >= 0);
	struct stat a, b;
	fstat(fd, &a);
	stat(p, &b); /* root's etc/sub exists, so root's etc does */
	snprintf(p, sizeof(p), "%s/etc", tmpl);
	stat(p, &b);
	assert_int_equal(a.st_ino, b.st_ino);
	close(fd);
}

static void test_nofollow_refuses_links(void **st)
{
	(void)st;
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/proc", tmpl);
	assert_int_equal(symlink("/tmp", p), 0);
	int fd = in_root_mkdirs(rootfd, "/proc", 0755, IN_ROOT_NOFOLLOW);
	assert_int_equal(fd, -ELOOP);
	fd = in_root_mkfile(rootfd, "/proc/kcore", 0644, IN_ROOT_NOFOLLOW);
	assert_int_equal(fd, -ELOOP);
}

static void test_mkfile(void **st)
{
	(void)st;
	int fd = in_root_mkfile(rootfd, "/etc/resolv.conf", 0644, IN_ROOT_FOLLOW);
	assert_true(fd >= 0);
	struct stat s;
	assert_int_equal(fstat(fd, &s), 0);
	assert_true(S_ISREG(s.st_mode));
	close(fd);
	/* a dangling link is not followed out of the root */
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/dangling", tmpl);
	assert_int_equal(symlink("/nonexistent-host-file", p), 0);
	fd = in_root_mkfile(rootfd, "/dangling", 0644, IN_ROOT_FOLLOW);
	assert_true(fd < 0);
	assert_int_not_equal(access("/nonexistent-host-file", F_OK), 0);
}

static void test_magic_links_refused(void **st)
{
	(void)st;
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/fdlink", tmpl);
	assert_int_equal(symlink("/proc/self/fd/0", p), 0);
	/* inside the root /proc/self does not exist: the link resolves to nothing, never to our fd 0 */
	int fd = in_root_open(rootfd, "/fdlink", O_PATH, IN_ROOT_FOLLOW);
	assert_true(fd < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),
		cmocka_unit_test_setup_teardown(test_mkdirs_creates_inside, setup, teardown),
		cmocka_unit_test_setup_teardown(test_absolute_symlink_stays_in_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nofollow_refuses_links, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mkfile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_magic_links_refused, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
