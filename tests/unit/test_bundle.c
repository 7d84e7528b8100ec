/* Image config + run options -> config.json: the hardened defaults stay, options change only what they name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/bundle.h"
#include "oci/spec.h"
#include "util/err.h"
#include "util/fs.h"

static char rootdir[] = "/tmp/stk-bundle-XXXXXX";
static int rootfd = -1;

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(rootdir))
		return -1;
	char p[256];
	snprintf(p, sizeof(p), "%s/etc", rootdir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/etc/passwd", rootdir);
	FILE *f = fopen(p, "w");
	fputs("root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001:app:/home/app:/bin/sh\n", f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/etc/group", rootdir);
	f = fopen(p, "w");
	fputs("root:x:0:\nstaff:x:50:\n", f);
	fclose(f);
	rootfd = open(rootdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return rootfd >= 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	close(rootfd);
	rm_rf_at(AT_FDCWD, rootdir);
	return 0;
}

static struct arena A;

static struct run_opts *opts(const char *first, ...)
{
	static struct run_opts o;
	const char *argv[32] = { "run" };
	int argc = 1;
	va_list ap;
	va_start(ap, first);
	for (const char *a = first; a; a = va_arg(ap, const char *))
		argv[argc++] = a;
	va_end(ap);
	assert_int_equal(runopts_parse(argc, (char **)argv, &A, &o), 0);
	return &o;
}

static char *entry[] = { "/bin/echo", "ep", NULL };
static char *cmd[] = { "one", NULL };
static char *env[] = { "FOO=bar", "PATH=/custom", NULL };
static char *vols[] = { "/data", "/cache", NULL };

/* Build and parse back with the runtime's parser (the config must be one it runs). */
static json_object *build(const struct run_opts *o, const struct img_config *c)
{
	char *text = NULL;
	struct fwd_port ports[1] = { { .host_ip = "127.0.0.1", .host_port = 8080, .ctr_port = 80, .proto = "tcp" } };
	struct bundle_in in = { .o = o, .cfg = c, .rootfs = rootdir, .rootfd = rootfd, .name = "web",
				.image_ref = "localhost/app:1", .ports = ports, .nports = o->npublish ? 1 : 0 };
	int r = bundle_build(&in, &text);
	if (r < 0)
		fail_msg("bundle_build: %s", err_msg());
	struct oci_spec *s = NULL;
	if (oci_spec_parse(text, strlen(text), "config.json", rootdir, &s) < 0)
		fail_msg("the runtime refuses the config: %s", err_msg());
	oci_spec_free(s);
	json_object *j = json_tokener_parse(text);
	free(text);
	assert_non_null(j);
	return j;
}

static const char *jstr(json_object *j, const char *path)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", path);
	json_object *cur = j;
	for (char *save = NULL, *t = strtok_r(buf, ".", &save); t; t = strtok_r(NULL, ".", &save)) {
		if (json_object_is_type(cur, json_type_array))
			cur = json_object_array_get_idx(cur, (size_t)atoi(t));
		else if (!json_object_object_get_ex(cur, t, &cur))
			return NULL;
		if (!cur)
			return NULL;
	}
	return json_object_get_string(cur);
}

static const char *ann(json_object *j, const char *key)
{
	json_object *a, *v;
	if (!json_object_object_get_ex(j, "annotations", &a) || !json_object_object_get_ex(a, key, &v))
		return NULL;
	return json_object_get_string(v);
}

static bool arr_has(json_object *j, const char *path, const char *val)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", path);
	json_object *cur = j;
	for (char *save = NULL, *t = strtok_r(buf, ".", &save); t; t = strtok_r(NULL, ".", &save))
		if (!json_object_object_get_ex(cur, t, &cur))
			return false;
	for (size_t i = 0; i < json_object_array_length(cur); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(cur, i)), val) == 0)
			return true;
	return false;
}

static json_object *mount_at(json_object *j, const char *dest)
{
	json_object *ms;
	json_object_object_get_ex(j, "mounts", &ms);
	json_object *found = NULL;
	for (size_t i = 0; i < json_object_array_length(ms); i++) {
		json_object *m = json_object_array_get_idx(ms, i), *d;
		if (json_object_object_get_ex(m, "destination", &d) && strcmp(json_object_get_string(d), dest) == 0) {
			assert_null(found); /* one mount per destination */
			found = m;
		}
	}
	return found;
}

static bool mount_opt(json_object *m, const char *opt)
{
	json_object *o;
	if (!m || !json_object_object_get_ex(m, "options", &o))
		return false;
	for (size_t i = 0; i < json_object_array_length(o); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(o, i)), opt) == 0)
			return true;
	return false;
}

static void test_image_defaults(void **state)
{
	(void)state;
	struct img_config c = { .entrypoint = entry, .cmd = cmd, .env = env, .working_dir = "/srv", .volumes = vols };
	json_object *j = build(opts("img", NULL), &c);
	assert_string_equal(jstr(j, "process.args.0"), "/bin/echo");
	assert_string_equal(jstr(j, "process.args.2"), "one");
	assert_string_equal(jstr(j, "process.cwd"), "/srv");
	assert_string_equal(jstr(j, "process.user.uid"), "0"); /* the image has no USER: the policy judges root */
	assert_true(arr_has(j, "process.env", "FOO=bar"));
	assert_true(arr_has(j, "process.env", "PATH=/custom"));
	assert_true(arr_has(j, "process.env", "HOME=/root"));
	assert_true(arr_has(j, "process.env", "HOSTNAME=web"));
	assert_string_equal(jstr(j, "hostname"), "web");
	assert_string_equal(jstr(j, "root.path"), rootdir);
	assert_string_equal(jstr(j, "root.readonly"), "true");
	assert_string_equal(jstr(j, "process.noNewPrivileges"), "true");
	assert_string_equal(ann(j, "io.stockade.image"), "localhost/app:1");
	assert_null(ann(j, "io.stockade.ports"));
	assert_non_null(jstr(j, "linux.seccomp.defaultAction"));
	assert_false(arr_has(j, "process.capabilities.bounding", "CAP_CHOWN"));
	/* /tmp and /run: noexec tmpfs; the image's volumes too */
	assert_true(mount_opt(mount_at(j, "/tmp"), "noexec"));
	assert_true(mount_opt(mount_at(j, "/run"), "noexec"));
	assert_true(mount_opt(mount_at(j, "/data"), "noexec"));
	assert_true(mount_opt(mount_at(j, "/cache"), "nodev"));
	json_object_put(j);
}

static void test_overrides(void **state)
{
	(void)state;
	struct img_config c = { .entrypoint = entry, .cmd = cmd, .env = env, .user = "app", .volumes = vols };
	json_object *j = build(opts("-e", "FOO=cli", "-w", "/w", "--hostname", "h", "img", "x", "y", NULL), &c);
	assert_string_equal(jstr(j, "process.args.0"), "/bin/echo");
	assert_string_equal(jstr(j, "process.args.2"), "x"); /* arguments replace Cmd, not the Entrypoint */
	assert_string_equal(jstr(j, "process.args.3"), "y");
	assert_true(arr_has(j, "process.env", "FOO=cli"));
	assert_false(arr_has(j, "process.env", "FOO=bar"));
	assert_true(arr_has(j, "process.env", "HOME=/home/app"));
	assert_string_equal(jstr(j, "process.user.uid"), "1000"); /* USER app from /etc/passwd */
	assert_string_equal(jstr(j, "process.user.gid"), "1001");
	assert_string_equal(jstr(j, "process.cwd"), "/w");
	assert_string_equal(jstr(j, "hostname"), "h");
	json_object_put(j);

	/* --entrypoint drops the image's Cmd */
	j = build(opts("--entrypoint", "/bin/sh", "-u", "app:staff", "img", NULL), &c);
	assert_string_equal(jstr(j, "process.args.0"), "/bin/sh");
	assert_null(jstr(j, "process.args.1"));
	assert_string_equal(jstr(j, "process.user.gid"), "50");
	json_object_put(j);
	j = build(opts("-u", "4242", "img", NULL), &c);
	assert_string_equal(jstr(j, "process.user.uid"), "4242");
	assert_string_equal(jstr(j, "process.user.gid"), "0");
	json_object_put(j);
}

static void test_mounts_and_security(void **state)
{
	(void)state;
	struct img_config c = { .cmd = cmd, .volumes = vols };
	json_object *j = build(opts("-v", "/tmp:/data", "-v", "/tmp:/rw:rw", "--tmpfs", "/tmp:exec,size=1m",
				    "--cap-add", "NET_BIND_SERVICE", "--cap-add", "chown", "--cap-drop", "CHOWN",
				    "--security-opt", "no-new-privileges=false", "--security-opt", "seccomp=unconfined",
				    "--writable-rootfs", "-m", "256m", "--pids-limit", "50", "--cpus", "0.5",
				    "--secret", "pw=/etc/hostname", "-p", "8080:80", "img", NULL), &c);
	json_object *data = mount_at(j, "/data");
	assert_string_equal(jstr(data, "type"), "bind");
	assert_true(mount_opt(data, "ro"));
	assert_true(mount_opt(data, "nosuid"));
	assert_true(mount_opt(mount_at(j, "/rw"), "rw"));
	json_object *tmp = mount_at(j, "/tmp");
	assert_false(mount_opt(tmp, "noexec")); /* the user said exec */
	assert_true(mount_opt(tmp, "exec"));
	assert_true(mount_opt(tmp, "nosuid"));
	assert_true(mount_opt(tmp, "size=1m"));
	assert_true(mount_opt(mount_at(j, "/cache"), "noexec"));
	assert_true(arr_has(j, "process.capabilities.bounding", "CAP_NET_BIND_SERVICE"));
	assert_true(arr_has(j, "process.capabilities.effective", "CAP_NET_BIND_SERVICE"));
	assert_false(arr_has(j, "process.capabilities.bounding", "CAP_CHOWN"));
	assert_string_equal(jstr(j, "process.noNewPrivileges"), "false");
	assert_null(jstr(j, "linux.seccomp"));
	assert_string_equal(jstr(j, "root.readonly"), "false");
	assert_string_equal(jstr(j, "linux.resources.memory.limit"), "268435456");
	assert_string_equal(jstr(j, "linux.resources.pids.limit"), "50");
	assert_string_equal(jstr(j, "linux.resources.cpu.quota"), "50000");
	const char *sec = ann(j, "io.stockade.secrets");
	assert_non_null(sec);
	assert_string_equal(sec, "[{\"name\":\"pw\",\"source\":\"/etc/hostname\"}]");
	const char *ports = ann(j, "io.stockade.ports");
	assert_non_null(ports);
	assert_string_equal(ports, "[{\"host_ip\":\"127.0.0.1\",\"host_port\":8080,\"container_port\":80,\"protocol\":\"tcp\"}]");
	/* the secret's value never reaches the environment */
	assert_false(arr_has(j, "process.env", "pw"));
	json_object_put(j);
}

static void test_errors(void **state)
{
	(void)state;
	char *text = NULL;
	struct img_config none = { 0 };
	struct bundle_in in = { .o = opts("img", NULL), .cfg = &none, .rootfs = rootdir, .rootfd = rootfd, .name = "n",
				.image_ref = "img" };
	assert_true(bundle_build(&in, &text) < 0);
	assert_non_null(strstr(err_msg(), "no Entrypoint or Cmd"));
	struct img_config c = { .cmd = cmd, .user = "ghost" };
	in.cfg = &c;
	assert_true(bundle_build(&in, &text) < 0);
	assert_non_null(strstr(err_msg(), "ghost"));
	in.o = opts("-u", "app:nogroup", "img", NULL);
	assert_true(bundle_build(&in, &text) < 0);
	assert_non_null(strstr(err_msg(), "nogroup"));
	c.user = NULL;
	in.o = opts("--cap-add", "ALL", "img", NULL);
	assert_true(bundle_build(&in, &text) < 0);
	assert_non_null(strstr(err_msg(), "--cap-add ALL"));
	char *rel[] = { "data", NULL };
	c.volumes = rel;
	in.o = opts("img", NULL);
	assert_true(bundle_build(&in, &text) < 0);
	assert_non_null(strstr(err_msg(), "Volumes"));
	c.volumes = NULL;
	c.working_dir = "relative";
	assert_true(bundle_build(&in, &text) < 0);
	assert_non_null(strstr(err_msg(), "WorkingDir"));
	assert_null(text);
	unsigned uid, gid;
	assert_int_equal(bundle_user(-1, "12:34", &uid, &gid), 0);
	assert_int_equal(uid, 12);
	assert_int_equal(gid, 34);
	assert_true(bundle_user(-1, "name", &uid, &gid) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_image_defaults),
		cmocka_unit_test(test_overrides),
		cmocka_unit_test(test_mounts_and_security),
		cmocka_unit_test(test_errors),
	};
	int r = cmocka_run_group_tests(tests, setup, teardown);
	arena_free(&A);
	return r;
}
