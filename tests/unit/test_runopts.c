/* `stockade run` options: docker run's grammar, every option, the errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "image/runopts.h"
#include "util/err.h"

static struct arena A;
static struct run_opts O;

static int parse_v(const char *first, va_list ap)
{
	const char *argv[64] = { "run" };
	int argc = 1;
	for (const char *a = first; a && argc < 63; a = va_arg(ap, const char *))
		argv[argc++] = a;
	arena_free(&A);
	memset(&A, 0, sizeof(A));
	return runopts_parse(argc, (char **)argv, &A, &O);
}

/* parse("--rm", "img", NULL) */
static int parse(const char *first, ...)
{
	va_list ap;
	va_start(ap, first);
	int r = parse_v(first, ap);
	va_end(ap);
	return r;
}

static void fails_with(const char *needle, const char *first, ...)
{
	va_list ap;
	va_start(ap, first);
	int r = parse_v(first, ap);
	va_end(ap);
	assert_true(r < 0);
	if (!strstr(err_msg(), needle))
		fail_msg("expected \"%s\" in \"%s\"", needle, err_msg());
}

/* A temporary file a test made; teardown removes it even when an assertion
 * ends the test early. */
static char tmp_path[64];

static int teardown(void **state)
{
	(void)state;
	if (tmp_path[0]) {
		unlink(tmp_path);
		tmp_path[0] = '\0';
	}
	arena_free(&A);
	memset(&A, 0, sizeof(A));
	return 0;
}

static void test_defaults(void **state)
{
	(void)state;
	assert_int_equal(parse("busybox", NULL), 0);
	assert_string_equal(O.image, "busybox");
	assert_true(O.rm);
	assert_false(O.detach);
	assert_false(O.writable_rootfs);
	assert_int_equal(O.no_new_privs, -1);
	assert_int_equal(O.stop_timeout, -1);
	assert_int_equal(O.network, RUN_NET_NONE);
	assert_int_equal(O.ncmd, 0);
	assert_null(O.cmd[0]);
	assert_null(O.entrypoint);
}

static void test_command_after_image(void **state)
{
	(void)state;
	/* options after the image belong to the command */
	assert_int_equal(parse("-d", "img", "sh", "-c", "--rm", NULL), 0);
	assert_true(O.detach);
	assert_int_equal(O.ncmd, 3);
	assert_string_equal(O.cmd[0], "sh");
	assert_string_equal(O.cmd[2], "--rm");
	assert_null(O.cmd[3]);
	assert_int_equal(parse("--", "-img-", "x", NULL), 0);
	assert_string_equal(O.image, "-img-");
}

static void test_flags_and_clusters(void **state)
{
	(void)state;
	assert_int_equal(parse("-it", "img", NULL), 0);
	assert_true(O.interactive && O.tty);
	assert_int_equal(parse("-itu", "0", "img", NULL), 0);
	assert_true(O.tty);
	assert_string_equal(O.user, "0");
	assert_int_equal(parse("-i", "-u1000:1000", "img", NULL), 0);
	assert_string_equal(O.user, "1000:1000");
	assert_int_equal(parse("--rm=false", "img", NULL), 0);
	assert_false(O.rm);
	assert_int_equal(parse("--rm", "img", NULL), 0);
	assert_true(O.rm);
	assert_int_equal(parse("--detach=true", "--interactive", "img", NULL), 0);
	assert_true(O.detach && O.interactive);
	assert_int_equal(parse("--init", "img", NULL), 0);
	assert_true(O.init);
	fails_with("expected true or false", "--rm=maybe", "img", NULL);
	fails_with("-t with -d", "-dt", "img", NULL);
	fails_with("unknown option -z", "-iz", "img", NULL);
	fails_with("unknown option --privileged", "--privileged", "img", NULL);
	fails_with("--user needs a value", "--user", NULL);
	fails_with("the image is missing", "-d", NULL);
}

static void test_name_user_workdir_hostname(void **state)
{
	(void)state;
	assert_int_equal(parse("--name", "web-1.a_b", "-w", "/srv", "--hostname=box", "--user=app:staff", "img", NULL), 0);
	assert_string_equal(O.name, "web-1.a_b");
	assert_string_equal(O.workdir, "/srv");
	assert_string_equal(O.hostname, "box");
	assert_string_equal(O.user, "app:staff");
	assert_int_equal(parse("--workdir=/x", "-h", "h2", "img", NULL), 0);
	assert_string_equal(O.workdir, "/x");
	assert_string_equal(O.hostname, "h2");
	fails_with("--name", "--name", "../x", "img", NULL);
	fails_with("--name", "--name", "-x", "img", NULL);
	fails_with("absolute path", "-w", "rel", "img", NULL);
	fails_with("hostname", "--hostname", "a/b", "img", NULL);
	fails_with("USER", "-u", "", "img", NULL);
	assert_true(runopts_name_valid("a"));
	assert_false(runopts_name_valid(""));
	assert_false(runopts_name_valid(".hidden"));
}

static void test_env(void **state)
{
	(void)state;
	setenv("STK_TEST_FROM_HERE", "here", 1);
	unsetenv("STK_TEST_UNSET");
	char path[] = "/tmp/stk-envfile-XXXXXX";
	int fd = mkstemp(path);
	if (fd >= 0)
		snprintf(tmp_path, sizeof(tmp_path), "%s", path);
	assert_true(fd >= 0);
	const char text[] = "# comment\n\n  A=1\r\nB=two words\nSTK_TEST_FROM_HERE\n";
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
	close(fd);
	assert_int_equal(parse("-e", "X=1", "--env=Y=", "-eZ=z", "-e", "STK_TEST_FROM_HERE", "-e", "STK_TEST_UNSET",
			       "--env-file", path, "img", NULL), 0);
	assert_int_equal(O.nenv, 7);
	assert_string_equal(O.env[0], "X=1");
	assert_string_equal(O.env[1], "Y=");
	assert_string_equal(O.env[2], "Z=z");
	assert_string_equal(O.env[3], "STK_TEST_FROM_HERE=here");
	assert_string_equal(O.env[4], "A=1");
	assert_string_equal(O.env[5], "B=two words");
	assert_string_equal(O.env[6], "STK_TEST_FROM_HERE=here");
	assert_null(O.env[7]);
	fails_with("NAME=VALUE", "-e", "=v", "img", NULL);
	fails_with("--env-file", "--env-file", "/nonexistent/env", "img", NULL);
	unlink(path);
	/* many: the arena arrays grow */
	const char *argv[202] = { "run" };
	for (int i = 0; i < 100; i++) {
		argv[1 + 2 * i] = "-e";
		argv[2 + 2 * i] = "K=V";
	}
	argv[201] = "img";
	assert_int_equal(runopts_parse(202, (char **)argv, &A, &O), 0);
	assert_int_equal(O.nenv, 100);
	assert_null(O.env[100]);
}

static void test_mounts(void **state)
{
	(void)state;
	assert_int_equal(parse("-v", "/tmp:/data", "-v", "/tmp:/rw:rw", "--volume=/tmp:/ro:ro", "--tmpfs", "/scratch",
			       "--tmpfs", "/x:size=64m,exec,mode=700", "--mount", "type=bind,source=/tmp,target=/m,readonly",
			       "--mount", "type=tmpfs,destination=/t,tmpfs-size=1m", "img", NULL), 0);
	assert_int_equal(O.nmounts, 7);
	assert_int_equal(O.mounts[0].type, RUN_MOUNT_BIND);
	assert_string_equal(O.mounts[0].source, "/tmp");
	assert_string_equal(O.mounts[0].destination, "/data");
	assert_false(O.mounts[0].rw);
	assert_true(O.mounts[1].rw);
	assert_false(O.mounts[2].rw);
	assert_int_equal(O.mounts[3].type, RUN_MOUNT_TMPFS);
	assert_int_equal(O.mounts[3].noptions, 0);
	assert_int_equal(O.mounts[4].noptions, 3);
	assert_string_equal(O.mounts[4].options[1], "exec");
	assert_false(O.mounts[5].rw);
	assert_string_equal(O.mounts[5].destination, "/m");
	assert_int_equal(O.mounts[6].type, RUN_MOUNT_TMPFS);
	assert_string_equal(O.mounts[6].options[0], "size=1m");
	fails_with("named volume", "-v", "data:/data", "img", NULL);
	fails_with("volume store", "-v", "/anon", "img", NULL);
	fails_with("does not exist", "-v", "/nonexistent/dir:/d", "img", NULL);
	fails_with("absolute", "-v", "/tmp:rel", "img", NULL);
	fails_with("unknown mode", "-v", "/tmp:/d:rx", "img", NULL);
	fails_with("unknown tmpfs option", "--tmpfs", "/d:bogus", "img", NULL);
	fails_with("absolute", "--tmpfs", "rel", "img", NULL);
	fails_with("volume store", "--mount", "type=volume,source=v,target=/d", "img", NULL);
	fails_with("unknown or incomplete key", "--mount", "type=bind,source=/tmp,target=/d,foo=1", "img", NULL);
	fails_with("absolute source", "--mount", "type=bind,target=/d", "img", NULL);
	fails_with("target=", "--mount", "type=tmpfs", "img", NULL);
}

static void test_security(void **state)
{
	(void)state;
	assert_int_equal(parse("--cap-add", "net_bind_service", "--cap-add=CAP_CHOWN", "--cap-drop", "all",
			       "--security-opt", "no-new-privileges:false", "--security-opt", "seccomp=unconfined",
			       "--writable-rootfs", "img", NULL), 0);
	assert_int_equal(O.ncap_add, 2);
	assert_string_equal(O.cap_add[0], "CAP_NET_BIND_SERVICE");
	assert_string_equal(O.cap_add[1], "CAP_CHOWN");
	assert_string_equal(O.cap_drop[0], "ALL");
	assert_int_equal(O.no_new_privs, 0);
	assert_string_equal(O.seccomp, "unconfined");
	assert_true(O.writable_rootfs);
	assert_int_equal(parse("--security-opt", "no-new-privileges", "--read-only", "img", NULL), 0);
	assert_int_equal(O.no_new_privs, 1);
	assert_false(O.writable_rootfs);
	assert_int_equal(parse("--read-only=false", "img", NULL), 0);
	assert_true(O.writable_rootfs);
	fails_with("AppArmor", "--security-opt", "apparmor=x", "img", NULL);
	fails_with("unknown option", "--security-opt", "foo", "img", NULL);
	fails_with("cannot read the profile", "--security-opt", "seccomp=/nonexistent.json", "img", NULL);
}

static void test_limits(void **state)
{
	(void)state;
	assert_int_equal(parse("-m", "512m", "--pids-limit", "100", "--cpus", "1.5", "img", NULL), 0);
	assert_int_equal(O.memory, 512ll << 20);
	assert_int_equal(O.pids_limit, 100);
	assert_int_equal(O.cpu_quota, 150000);
	assert_int_equal(parse("--memory=1g", "--pids-limit=-1", "img", NULL), 0);
	assert_int_equal(O.memory, 1ll << 30);
	assert_int_equal(O.pids_limit, -1);
	int64_t v;
	assert_int_equal(runopts_parse_size("1024", &v), 0);
	assert_int_equal(v, 1024);
	assert_int_equal(runopts_parse_size("2k", &v), 0);
	assert_int_equal(v, 2048);
	assert_int_equal(runopts_parse_size("1.5GB", &v), 0);
	assert_int_equal(v, 3ll << 29);
	assert_true(runopts_parse_size("", &v) < 0);
	assert_true(runopts_parse_size("-1", &v) < 0);
	assert_true(runopts_parse_size("12q", &v) < 0);
	assert_true(runopts_parse_size("99999999999t", &v) < 0);
	fails_with("-m: expected a size", "-m", "1k", "img", NULL);
	fails_with("--pids-limit", "--pids-limit", "0", "img", NULL);
	fails_with("--cpus", "--cpus", "0", "img", NULL);
	fails_with("--cpus", "--cpus", "two", "img", NULL);
}

static void test_network_publish(void **state)
{
	(void)state;
	assert_int_equal(parse("-p", "8080:80", "--publish=127.0.0.1:8443:443/tcp", "img", NULL), 0);
	assert_int_equal(O.npublish, 2);
	assert_string_equal(O.publish[1], "127.0.0.1:8443:443/tcp");
	assert_int_equal(O.network, RUN_NET_PRIVATE);
	assert_int_equal(parse("--network", "none", "img", NULL), 0);
	assert_int_equal(O.network, RUN_NET_NONE);
	assert_int_equal(parse("--network=private", "img", NULL), 0);
	assert_int_equal(O.network, RUN_NET_PRIVATE);
	fails_with("--network none", "--network", "none", "-p", "80:80", "img", NULL);
	fails_with("host's network", "--network", "host", "img", NULL);
	/* -P: the image's ExposedPorts (resolved by run); the network becomes private */
	assert_int_equal(parse("-P", "img", NULL), 0);
	assert_true(O.publish_all);
	assert_int_equal(O.npublish, 0);
	assert_int_equal(O.network, RUN_NET_PRIVATE);
	assert_int_equal(parse("-dP", "img", NULL), 0);
	assert_true(O.publish_all && O.detach);
	fails_with("-P publishes a port", "--network", "none", "-P", "img", NULL);
}

static void test_secrets_and_stop(void **state)
{
	(void)state;
	char path[] = "/tmp/stk-secret-XXXXXX";
	int fd = mkstemp(path);
	if (fd >= 0)
		snprintf(tmp_path, sizeof(tmp_path), "%s", path);
	assert_true(fd >= 0);
	close(fd);
	char spec[128];
	snprintf(spec, sizeof(spec), "db.pass-1=%s", path);
	assert_int_equal(parse("--secret", spec, "--stop-signal", "SIGUSR1", "--stop-timeout", "3", "img", NULL), 0);
	assert_int_equal(O.nsecrets, 1);
	assert_string_equal(O.secrets[0].name, "db.pass-1");
	assert_string_equal(O.secrets[0].source, path);
	assert_string_equal(O.stop_signal, "SIGUSR1");
	assert_int_equal(O.stop_timeout, 3);
	fails_with("given twice", "--secret", spec, "--secret", spec, "img", NULL);
	snprintf(spec, sizeof(spec), "a/b=%s", path);
	fails_with("only letters", "--secret", spec, "img", NULL);
	snprintf(spec, sizeof(spec), "..=%s", path);
	fails_with("may not be", "--secret", spec, "img", NULL);
	fails_with("NAME=FILE", "--secret", "noequals", "img", NULL);
	fails_with("not a regular file", "--secret", "d=/tmp", "img", NULL);
	fails_with("--secret", "--secret", "d=/nonexistent/file", "img", NULL);
	fails_with("--stop-timeout", "--stop-timeout", "-1", "img", NULL);
	unlink(path);
}

static bool is_image(const char *first, ...)
{
	const char *argv[16] = { "run" };
	int argc = 1;
	va_list ap;
	va_start(ap, first);
	for (const char *a = first; a; a = va_arg(ap, const char *))
		argv[argc++] = a;
	va_end(ap);
	return cli_run_is_image(argc, (char **)argv);
}

/* run: the runtime's (runc) form or the image form */
static void test_dispatch(void **state)
{
	(void)state;
	char dir[] = "/tmp/stk-dispatch-XXXXXX", old[4096];
	assert_non_null(mkdtemp(dir));
	assert_non_null(getcwd(old, sizeof(old)));
	assert_int_equal(chdir(dir), 0);
	/* no ./config.json: one positional is an image */
	assert_true(is_image("busybox", NULL));
	assert_false(is_image("--bundle", "/b", "id", NULL));
	assert_false(is_image("-b", "/b", "id", NULL));
	assert_false(is_image("--bundle=/b", "-d", "id", NULL));
	assert_true(is_image("--rm", "busybox", NULL));
	assert_true(is_image("-it", "busybox", "sh", NULL));
	assert_true(is_image("busybox", "echo", "hi", NULL));
	FILE *f = fopen("config.json", "w");
	fputs("{}", f);
	fclose(f);
	/* ./config.json and exactly one positional with runc's options only: the runtime's */
	assert_false(is_image("id", NULL));
	assert_false(is_image("-d", "--pid-file", "p", "id", NULL));
	assert_false(is_image("--console-socket=/s", "id", NULL));
	assert_true(is_image("busybox", "true", NULL));
	assert_true(is_image("--rm", "id", NULL));
	unlink("config.json");
	assert_int_equal(chdir(old), 0);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_defaults, teardown),
		cmocka_unit_test_teardown(test_command_after_image, teardown),
		cmocka_unit_test_teardown(test_flags_and_clusters, teardown),
		cmocka_unit_test_teardown(test_name_user_workdir_hostname, teardown),
		cmocka_unit_test_teardown(test_env, teardown),
		cmocka_unit_test_teardown(test_mounts, teardown),
		cmocka_unit_test_teardown(test_security, teardown),
		cmocka_unit_test_teardown(test_limits, teardown),
		cmocka_unit_test_teardown(test_network_publish, teardown),
		cmocka_unit_test_teardown(test_secrets_and_stop, teardown),
		cmocka_unit_test(test_dispatch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
