/* check-host detectors on recorded /proc, /sys and /etc trees (tests/fixtures/host/<kind>). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/host.h"
#include "util/err.h"
#include "util/fs.h"

#define FIXTURES SRCDIR "/tests/fixtures/host/"

struct run {
	struct host h;
	struct findings f;
};

static void run_dir(struct run *r, const char *dir)
{
	memset(r, 0, sizeof(*r));
	if (host_open(&r->h, dir, &r->f) < 0)
		fail_msg("host_open %s: %s", dir, err_msg());
	assert_false(r->h.live);
	host_check_all(&r->h);
}

static void run_tree(struct run *r, const char *kind)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), FIXTURES "%s", kind);
	run_dir(r, dir);
}

static void done(struct run *r)
{
	host_close(&r->h);
	findings_free(&r->f);
}

static size_t count(const struct run *r, const char *id)
{
	size_t n = 0;
	for (size_t i = 0; i < r->f.n; i++)
		n += strcmp(r->f.v[i].rule->id, id) == 0;
	return n;
}

/* The finding of rule `id` whose message contains `needle`, or fail. */
static const struct finding *find(const struct run *r, const char *id, const char *needle)
{
	for (size_t i = 0; i < r->f.n; i++)
		if (!strcmp(r->f.v[i].rule->id, id) && strstr(r->f.v[i].message, needle))
			return &r->f.v[i];
	for (size_t i = 0; i < r->f.n; i++)
		print_message("  have %s: %s\n", r->f.v[i].rule->id, r->f.v[i].message);
	fail_msg("no %s finding mentioning \"%s\"", id, needle);
	return NULL;
}

static const struct host_item *item(const struct run *r, const char *name)
{
	for (size_t i = 0; i < r->h.n_items; i++)
		if (!strcmp(r->h.items[i].name, name))
			return &r->h.items[i];
	fail_msg("no item \"%s\"", name);
	return NULL;
}

/* ---- virtualization ---------------------------------------------------------------- */

static void test_openvz_is_shared(void **state)
{
	(void)state;
	struct run r;
	run_tree(&r, "openvz");
	assert_int_equal(r.h.virt.kind, VIRT_CONTAINER);
	assert_string_equal(r.h.virt.name, "openvz");
	const struct finding *f = find(&r, "STK801", "/proc/vz");
	assert_int_equal(f->sev, SEV_HIGH);
	assert_non_null(strstr(f->message, "/proc/user_beancounters"));
	assert_int_equal(item(&r, "virtualization")->verdict, HV_FAIL);
	done(&r);
}

static void test_kvm_has_own_kernel(void **state)
{
	(void)state;
	struct run r;
	run_tree(&r, "kvm");
	assert_int_equal(r.h.virt.kind, VIRT_VM);
	assert_string_equal(r.h.virt.name, "kvm");
	assert_non_null(strstr(r.h.virt.evidence, "QEMU"));
	assert_int_equal(count(&r, "STK801"), 0);
	assert_int_equal(item(&r, "virtualization")->verdict, HV_OK);
	done(&r);
}

static void test_lxc(void **state)
{
	(void)state;
	struct run r;
	run_tree(&r, "lxc");
	assert_int_equal(r.h.virt.kind, VIRT_CONTAINER);
	assert_string_equal(r.h.virt.name, "lxc");
	find(&r, "STK801", "container=lxc");
	find(&r, "STK801", "lxcfs");
	done(&r);
}

static void test_docker_container(void **state)
{
	(void)state;
	struct run r;
	run_tree(&r, "docker-container");
	assert_int_equal(r.h.virt.kind, VIRT_CONTAINER);
	assert_string_equal(r.h.virt.name, "docker");
	find(&r, "STK801", "overlay");
	find(&r, "STK801", "/proc/1/cgroup");
	done(&r);
}

static void test_bare_metal(void **state)
{
	(void)state;
	struct run r;
	run_tree(&r, "bare-metal");
	assert_int_equal(r.h.virt.kind, VIRT_BARE_METAL);
	assert_non_null(strstr(r.h.virt.evidence, "PowerEdge"));
	assert_int_equal(count(&r, "STK801"), 0);
	done(&r);
}

static void test_wsl2_is_a_vm(void **state)
{
	(void)state;
	struct run r;
	run_tree(&r, "wsl");
	assert_int_equal(r.h.virt.kind, VIRT_VM);
	assert_string_equal(r.h.virt.name, "wsl2");
	assert_int_equal(count(&r, "STK801"), 0);
	done(&r);
}

/* No DMI, the hypervisor flag and virtio_mmio on the command line; /.dockerenv left by the image build. */
static void test_firecracker_with_dockerenv(void **state)
{
	(void)state;
	struct run r;
	run_tree(&r, "firecracker");
	assert_int_equal(r.h.virt.kind, VIRT_VM);
	assert_string_equal(r.h.virt.name, "firecracker");
	assert_non_null(strstr(r.h.virt.evidence, "virtio_mmio"));
	assert_int_equal(count(&r, "STK801"), 0);
	assert_int_equal(item(&r, "/.dockerenv")->verdict, HV_INFO);
	done(&r);
}

/* ---- kernel --------------------------------------------------------------------------- */

static void test_kernel_features(void **state)
{
	(void)state;
	struct run r;
	run_tree(&r, "kvm");
	assert_int_equal(item(&r, "user namespaces")->verdict, HV_OK);
	assert_non_null(strstr(item(&r, "user namespaces")->detail, "63121"));
	assert_int_equal(item(&r, "unprivileged userns")->verdict, HV_OK);
	assert_int_equal(item(&r, "seccomp")->verdict, HV_OK);
	assert_non_null(strstr(item(&r, "cgroups")->detail, "v2 (unified)"));
	assert_non_null(strstr(item(&r, "cgroups")->detail, "memory"));
	assert_non_null(strstr(item(&r, "LSMs")->detail, "AppArmor yes"));
	assert_non_null(strstr(item(&r, "LSMs")->detail, "Landlock yes"));
	assert_non_null(strstr(item(&r, "/dev/kvm")->detail, "present"));
	done(&r);
	run_tree(&r, "openvz");
	assert_non_null(strstr(item(&r, "/dev/kvm")->detail, "absent"));
	assert_int_equal(item(&r, "LSMs")->verdict, HV_INFO);
	done(&r);
}

/* ---- runtimes ---------------------------------------------------------------------------- */

static void test_version_cmp(void **state)
{
	(void)state;
	assert_true(host_version_cmp("1.1.5", "1.1.12") < 0);
	assert_true(host_version_cmp("1.1.5+ds1", "1.1.12") < 0);
	assert_true(host_version_cmp("1.1.12+ds1", "1.1.12") == 0);
	assert_true(host_version_cmp("1.0.0-rc6", "1.0.0-rc10") < 0);
	assert_true(host_version_cmp("1.0.0-rc95", "1.0.0") < 0);
	assert_true(host_version_cmp("1.0.0~rc93+ds1", "1.0.0-rc93") == 0);
	assert_true(host_version_cmp("1.4.0-rc.2", "1.4.0-rc.3") < 0);
	assert_true(host_version_cmp("1.4.0", "1.4.0-rc.3") > 0);
	assert_true(host_version_cmp("v1.6.20", "1.6.3") > 0);
	assert_true(host_version_cmp("1.6.20~ds1", "1.6.18") > 0);
	assert_true(host_version_cmp("18.06.3-ce", "18.06.3") == 0);
	assert_true(host_version_cmp("1:20.10.24+dfsg1", "18.09.2") > 0);
	assert_true(host_version_cmp("2.0", "1.99.99") > 0);
}

static void test_vulnerable_runtimes(void **state)
{
	(void)state;
	struct run r;
	run_tree(&r, "exposed-docker");
	find(&r, "STK802", "runc 1.0.0-rc6 has CVE-2019-5736");
	find(&r, "STK802", "CVE-2019-19921");
	find(&r, "STK802", "containerd 1.4.2 has CVE-2020-15257");
	find(&r, "STK802", "dockerd 18.09.1 has CVE-2019-5736");
	/* rc6 predates rc93, where CVE-2024-21626's leak came in */
	for (size_t i = 0; i < r.f.n; i++)
		assert_null(strstr(r.f.v[i].message, "CVE-2024-21626"));
	assert_string_equal(find(&r, "STK802", "runc")->at.file, "/usr/sbin/runc");
	done(&r);
	run_tree(&r, "kvm");
	assert_int_equal(count(&r, "STK802"), 0);
	assert_non_null(strstr(item(&r, "runc")->detail, "1.2.8"));
	done(&r);
}

/* ---- a writable tree for what git cannot record (modes, symlinks) ------------------------- */

static char tmp[64];

static void put_n(const char *rel, const char *text, size_t len, mode_t mode);
static void put(const char *rel, const char *text, mode_t mode)
{
	put_n(rel, text, strlen(text), mode);
}

static void put_n(const char *rel, const char *text, size_t len, mode_t mode)
{
	char path[512], cmd[600];
	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	assert_int_equal(system(cmd), 0);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static void mk_tmp(void)
{
	snprintf(tmp, sizeof(tmp), "/tmp/test_host.XXXXXX");
	assert_non_null(mkdtemp(tmp));
}

static void rm_tmp(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	assert_int_equal(system(cmd), 0);
}

static void test_docker_exposed(void **state)
{
	(void)state;
	struct run r;
	run_tree(&r, "exposed-docker");
	/* daemon.json and the listener say the same thing: one finding */
	assert_int_equal(count(&r, "STK803"), 1);
	const struct finding *f = find(&r, "STK803", "tcp://0.0.0.0:2375");
	assert_string_equal(f->at.file, "/etc/docker/daemon.json");
	assert_int_equal(f->sev, SEV_CRITICAL);
	assert_int_equal(count(&r, "STK804"), 4);
	find(&r, "STK804", "no-new-privileges");
	find(&r, "STK804", "userns-remap");
	find(&r, "STK804", "icc");
	find(&r, "STK804", "live-restore");
	assert_non_null(strstr(item(&r, "TCP 10250")->detail, "kubelet"));
	assert_non_null(strstr(item(&r, "daemon")->detail, "running"));
	done(&r);
}

static void test_listener_alone_and_sockets(void **state)
{
	(void)state;
	mk_tmp();
	put("proc/net/tcp", "  sl  local_address rem_address   st\n   0: 00000000:0947 00000000:0000 0A 0\n"
			    "   1: 0100007F:0947 00000000:0000 0A 0\n", 0644);
	put("run/docker.sock", "", 0666);
	put("run/containerd/containerd.sock", "", 0660);
	char link[512];
	snprintf(link, sizeof(link), "%s/var", tmp);
	assert_int_equal(mkdir(link, 0755), 0);
	snprintf(link, sizeof(link), "%s/var/run", tmp);
	assert_int_equal(symlink("/run", link), 0); /* absolute: must resolve inside the tree */
	struct run r;
	run_dir(&r, tmp);
	find(&r, "STK803", "TCP port 2375");
	/* /var/run/docker.sock is /run/docker.sock: one finding, named by the first path */
	const struct finding *f = find(&r, "STK803", "world-writable");
	assert_string_equal(f->at.file, "/var/run/docker.sock");
	assert_non_null(strstr(f->message, "0666"));
	assert_int_equal(count(&r, "STK803"), 2);
	assert_int_equal(count(&r, "STK804"), 0); /* no dockerd here */
	done(&r);
	rm_tmp();
}

static void test_hardened_daemon_args(void **state)
{
	(void)state;
	mk_tmp();
	static const char cmd[] = "/usr/bin/dockerd\0-H\0tcp://0.0.0.0:2376\0--tlsverify\0--userns-remap=default\0"
				  "--no-new-privileges\0--icc=false\0--live-restore";
	char path[512];
	put("proc/42/cmdline", "", 0644);
	snprintf(path, sizeof(path), "%s/proc/42/cmdline", tmp);
	int fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, cmd, sizeof(cmd)), 0);
	close(fd);
	put("etc/docker/daemon.json", "{\"icc\": true}", 0644); /* the command line wins */
	struct run r;
	run_dir(&r, tmp);
	assert_int_equal(count(&r, "STK803"), 0);
	assert_int_equal(count(&r, "STK804"), 0);
	assert_non_null(strstr(item(&r, "API endpoint")->detail, "tlsverify"));
	done(&r);
	/* TLS without verification accepts any client */
	put("etc/docker/daemon.json", "{\"hosts\": [\"tcp://10.0.0.1:2376\"], \"tls\": true}", 0644);
	assert_int_equal(unlink(path), 0);
	run_dir(&r, tmp);
	find(&r, "STK803", "TLS without tlsverify");
	done(&r);
	rm_tmp();
}

static void test_bad_daemon_json(void **state)
{
	(void)state;
	mk_tmp();
	put("etc/docker/daemon.json", "{\"hosts\": [", 0644);
	struct run r;
	run_dir(&r, tmp);
	assert_int_equal(item(&r, "daemon.json")->verdict, HV_WARN);
	done(&r);
	/* wrong types are skipped, not crashed on; a dangling -H is no endpoint */
	put("etc/docker/daemon.json", "{\"hosts\": [null, 5, {}, \"tcp://0.0.0.0:2375\"], \"userns-remap\": 7, "
				      "\"icc\": \"no\"}", 0644);
	static const char dangling[] = "dockerd\0--tls\0-H";
	put_n("proc/7/cmdline", dangling, sizeof(dangling), 0644);
	run_dir(&r, tmp);
	assert_int_equal(count(&r, "STK803"), 1);
	find(&r, "STK803", "TLS without tlsverify"); /* --tls from the command line */
	find(&r, "STK804", "userns-remap");
	size_t endpoints = 0;
	for (size_t i = 0; i < r.h.n_items; i++)
		endpoints += !strcmp(r.h.items[i].name, "API endpoint");
	assert_int_equal(endpoints, 1);
	done(&r);
	rm_tmp();
}

static void test_missing_root(void **state)
{
	(void)state;
	struct host h;
	struct findings f = { 0 };
	assert_true(host_open(&h, FIXTURES "no-such-kind", &f) < 0);
	assert_non_null(strstr(err_msg(), "no-such-kind"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openvz_is_shared),
		cmocka_unit_test(test_kvm_has_own_kernel),
		cmocka_unit_test(test_lxc),
		cmocka_unit_test(test_docker_container),
		cmocka_unit_test(test_bare_metal),
		cmocka_unit_test(test_wsl2_is_a_vm),
		cmocka_unit_test(test_firecracker_with_dockerenv),
		cmocka_unit_test(test_kernel_features),
		cmocka_unit_test(test_version_cmp),
		cmocka_unit_test(test_vulnerable_runtimes),
		cmocka_unit_test(test_docker_exposed),
		cmocka_unit_test(test_listener_alone_and_sockets),
		cmocka_unit_test(test_hardened_daemon_args),
		cmocka_unit_test(test_bad_daemon_json),
		cmocka_unit_test(test_missing_root),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
