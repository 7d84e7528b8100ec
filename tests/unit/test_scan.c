/* stockade scan's /proc frontend on a recorded proc tree (tests/fixtures/proc/make.sh):
 * containers found, grouped and named; the findings of a hardened and a weak
 * container; a secret's value in no report format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frontends/procfs.h"
#include "report/report.h"
#include "util/err.h"

#define FIX SRCDIR "/tests/fixtures/proc"
#define SECRET "hunter2-DoNotPrint-9f8e7d6c5b"
#define PODMAN_ID "4f1c2a7be0d94c3e8a61b5d7c9e2f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1"
#define DOCKER_ID "9a8b7c6d5e4f30211a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081"

struct scanned {
	struct workload *w;
	struct proc_container_info *info;
	struct findings f;
};

static void scan(struct scanned *s, const char *filter, bool with_sys)
{
	int pfd = open(FIX "/host", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int sfd = with_sys ? open(FIX "/sys", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	assert_true(pfd >= 0);
	struct proc_scan_opts o = { .proc_fd = pfd, .proc_dir = "/proc", .sys_fd = sfd, .sys_dir = "/sys", .state_fd = -1, .run_fd = -1,
		.filter = filter };
	memset(s, 0, sizeof(*s));
	if (fe_proc_scan(&o, &s->w, &s->info) < 0)
		fail_msg("fe_proc_scan: %s", err_msg());
	close(pfd);
	if (sfd >= 0)
		close(sfd);
	struct rule_ctx ctx;
	rule_ctx_default(&ctx);
	assert_int_equal(rules_eval(s->w, &ctx, &s->f), 0);
}

static void scanned_free(struct scanned *s)
{
	findings_free(&s->f);
	workload_free(s->w);
}

/* the finding of `rule` for `container` whose location path contains `where` (NULL: any) */
static const struct finding *find(const struct scanned *s, const char *container, const char *rule, const char *where)
{
	for (size_t i = 0; i < s->f.n; i++) {
		const struct finding *fi = &s->f.v[i];
		if (!strcmp(fi->rule->id, rule) && fi->container && !strcmp(fi->container, container) &&
		    (!where || (fi->at.path && strstr(fi->at.path, where))))
			return fi;
	}
	return NULL;
}

static size_t count_for(const struct scanned *s, const char *container)
{
	size_t n = 0;
	for (size_t i = 0; i < s->f.n; i++)
		n += s->f.v[i].container && !strcmp(s->f.v[i].container, container);
	return n;
}

static void test_found_grouped_named(void **state)
{
	(void)state;
	struct scanned s;
	scan(&s, NULL, true);
	/* pid 5 is a host process, pid 300 a service's PrivateTmp namespace: not containers */
	assert_int_equal(s.w->n_containers, 3);
	assert_string_equal(s.w->containers[0].name, "4f1c2a7be0d9");
	assert_string_equal(s.info[0].engine, "podman");
	assert_string_equal(s.info[0].id, PODMAN_ID);
	assert_int_equal(s.info[0].init_pid, 100);
	assert_int_equal(s.info[0].n_procs, 2);
	assert_string_equal(s.w->containers[1].name, "9a8b7c6d5e4f");
	assert_string_equal(s.info[1].engine, "docker");
	assert_string_equal(s.info[1].id, DOCKER_ID);
	/* 150 is lower, but 200 is pid 1 in the namespace (NSpid) */
	assert_int_equal(s.info[1].init_pid, 200);
	assert_int_equal(s.info[1].n_procs, 3);
	scanned_free(&s);
}

/* root in a user namespace mapped to an unprivileged host uid: STK101 at low, said so */
static void test_userns_root(void **state)
{
	(void)state;
	struct scanned s;
	scan(&s, "web", true);
	assert_int_equal(s.w->n_containers, 1);
	assert_string_equal(s.info[0].engine, "lxc");
	assert_true(s.w->containers[0].user.userns_unprivileged);
	const struct finding *fi = find(&s, "web", "STK101", "pid 400 uid_map");
	assert_non_null(fi);
	assert_int_equal(fi->sev, SEV_LOW);
	assert_non_null(strstr(fi->message, "unprivileged host uid"));
	scanned_free(&s);
}

static void test_hardened_clean(void **state)
{
	(void)state;
	struct scanned s;
	scan(&s, NULL, true);
	for (size_t i = 0; i < s.f.n; i++)
		if (s.f.v[i].container && !strcmp(s.f.v[i].container, "4f1c2a7be0d9"))
			fail_msg("hardened container: %s %s", s.f.v[i].rule->id, s.f.v[i].message);
	const struct wl_container *c = &s.w->containers[0];
	assert_int_equal(c->user.uid, 1000);
	assert_int_equal(c->read_only_root.v, WL_YES);
	assert_int_equal(c->proc_unmasked.v, WL_NO);
	assert_int_equal(c->seccomp, WL_SECCOMP_PROFILE);
	assert_int_equal(c->caps.n_add, 0);
	assert_int_equal(c->mem_limit.v, WL_YES);
	scanned_free(&s);
}

static void test_weak_findings(void **state)
{
	(void)state;
	struct scanned s;
	scan(&s, NULL, true);
	const char *c = "9a8b7c6d5e4f";
	const struct finding *fi = find(&s, c, "STK101", "pid 200 status Uid");
	assert_non_null(fi);
	assert_non_null(find(&s, c, "STK102", "status CapEff"));
	assert_non_null(find(&s, c, "STK103", "status NoNewPrivs"));
	assert_non_null(find(&s, c, "STK201", "status CapBnd"));
	assert_non_null(find(&s, c, "STK202", "status CapEff"));
	assert_non_null((fi = find(&s, c, "STK204", "status Seccomp")));
	assert_non_null(strstr(fi->message, "unconfined"));
	assert_non_null((fi = find(&s, c, "STK205", "ns/net")));
	assert_null(find(&s, c, "STK205", "ns/pid"));
	assert_non_null((fi = find(&s, c, "STK206", "/dev/fuse")));
	assert_null(find(&s, c, "STK206", "/dev/null"));
	assert_non_null(find(&s, c, "STK301", "mountinfo /"));
	assert_non_null((fi = find(&s, c, "STK302", "/scratch")));
	assert_non_null((fi = find(&s, c, "STK303", "/var/run/docker.sock")));
	assert_non_null(strstr(fi->message, "/run/docker.sock"));
	assert_non_null((fi = find(&s, c, "STK304", "/host/etc")));
	assert_non_null(strstr(fi->message, "host path /etc "));
	/* a bind from another filesystem is named by its host mount point */
	assert_non_null((fi = find(&s, c, "STK304", "mountinfo /src")));
	assert_non_null(strstr(fi->message, "/home/alice/src"));
	/* engine files and named volumes are not host paths the user chose */
	assert_null(find(&s, c, "STK304", "/etc/hosts"));
	assert_null(find(&s, c, "STK304", "/data"));
	assert_non_null(find(&s, c, "STK305", "mountinfo /proc"));
	assert_non_null((fi = find(&s, c, "STK601", "environ SECRET_TOKEN")));
	assert_non_null(strstr(fi->message, "SECRET_TOKEN"));
	assert_null(find(&s, c, "STK601", "environ PATH"));
	assert_non_null((fi = find(&s, c, "STK701", "memory.max")));
	assert_string_equal(fi->at.path,
			    "/sys/fs/cgroup/system.slice/docker-" DOCKER_ID ".scope/memory.max");
	assert_non_null(find(&s, c, "STK702", "pids.max"));
	assert_non_null(find(&s, c, "STK703", "cpu.max"));
	scanned_free(&s);
}

static void test_secret_value_never_reported(void **state)
{
	(void)state;
	struct scanned s;
	scan(&s, NULL, true);
	const char *files[] = { "/proc" };
	const enum wl_kind kinds[] = { WL_PROC };
	struct report_opts ro = { .tool = "stockade scan", .fail_on = SEV_HIGH, .files = files, .n_files = 1, .kinds = kinds,
		.show_suppressed = true };
	for (int fmt = REPORT_TEXT; fmt <= REPORT_JUNIT; fmt++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&buf, &len);
		assert_non_null(m);
		assert_int_equal(report_write(m, (enum report_format)fmt, &s.f, &ro), 0);
		fclose(m);
		assert_non_null(strstr(buf, "SECRET_TOKEN"));
		if (strstr(buf, SECRET) || strstr(buf, "hunter2"))
			fail_msg("format %d prints the secret's value", fmt);
		free(buf);
	}
	scanned_free(&s);
}

static void test_filter(void **state)
{
	(void)state;
	struct scanned s;
	scan(&s, "9a8b7c", true);
	assert_int_equal(s.w->n_containers, 1);
	assert_string_equal(s.info[0].engine, "docker");
	assert_int_equal(count_for(&s, "4f1c2a7be0d9"), 0);
	scanned_free(&s);
	scan(&s, "4f1c2a7be0d9", true);
	assert_int_equal(s.w->n_containers, 1);
	assert_string_equal(s.info[0].engine, "podman");
	scanned_free(&s);
	scan(&s, "nosuch", true);
	assert_int_equal(s.w->n_containers, 0);
	scanned_free(&s);
}

/* without a sys tree the limits are unknown: reported as missing, at the container */
static void test_no_sys(void **state)
{
	(void)state;
	struct scanned s;
	scan(&s, NULL, false);
	assert_int_equal(s.w->containers[0].mem_limit.v, WL_UNSET);
	assert_non_null(find(&s, "4f1c2a7be0d9", "STK701", NULL));
	scanned_free(&s);
}

static void test_cgroup_names(void **state)
{
	(void)state;
	static const struct {
		const char *path, *engine, *id, *pod;
	} cases[] = {
		{ "/system.slice/docker-" DOCKER_ID ".scope", "docker", DOCKER_ID, "" },
		{ "/docker/" DOCKER_ID, "docker", DOCKER_ID, "" },
		{ "/machine.slice/libpod-" PODMAN_ID ".scope/container", "podman", PODMAN_ID, "" },
		{ "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-conmon-" PODMAN_ID ".scope", "unknown", "", "" },
		{ "/kubepods/burstable/pod1b2c3d4e-0000-1111-2222-333344445555/" DOCKER_ID, "kubernetes", DOCKER_ID,
		  "1b2c3d4e-0000-1111-2222-333344445555" },
		{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1b2c3d4e_0000.slice/cri-containerd-" DOCKER_ID
		  ".scope", "kubernetes", DOCKER_ID, "1b2c3d4e_0000" },
		{ "/default/redis-1", "containerd", "redis-1", "" },
		{ "/stockade/web-1", "stockade", "web-1", "" },
		{ "/lxc.payload.build01", "lxc", "build01", "" },
		{ "/lxc/build02", "lxc", "build02", "" },
		{ "/system.slice/nginx.service", "unknown", "", "" },
		{ "/", "unknown", "", "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct proc_cg_name nm;
		proc_cgroup_name(cases[i].path, -1, &nm);
		if (strcmp(nm.engine, cases[i].engine) || strcmp(nm.id, cases[i].id) || strcmp(nm.pod, cases[i].pod))
			fail_msg("%s: got %s %s pod %s", cases[i].path, nm.engine, nm.id, nm.pod);
	}
}

static void test_bad_proc_root(void **state)
{
	(void)state;
	int fd = open(FIX "/sys", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	struct proc_scan_opts o = { .proc_fd = fd, .proc_dir = "not-proc", .sys_fd = -1, .state_fd = -1, .run_fd = -1 };
	struct workload *w;
	struct proc_container_info *info;
	assert_true(fe_proc_scan(&o, &w, &info) < 0);
	assert_non_null(strstr(err_msg(), "not-proc"));
	assert_null(w);
	close(fd);
}

static void put_file(const char *dir, const char *rel, const char *text)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	for (char *c = p + strlen(dir) + 1; *c; c++) {
		if (*c == '/') {
			*c = '\0';
			mkdir(p, 0755);
			*c = '/';
		}
	}
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Kubernetes names from the CRI runtime's state: containerd and CRI-O */
static void test_cri_names(void **st)
{
	(void)st;
	char dir[] = "/tmp/test-scan-run-XXXXXX";
	assert_non_null(mkdtemp(dir));
	put_file(dir, "containerd/io.containerd.runtime.v2.task/k8s.io/abc123/config.json",
		 "{\"annotations\": {\"io.kubernetes.cri.sandbox-namespace\": \"shop\", \"io.kubernetes.cri.sandbox-name\": "
		 "\"web-0\", \"io.kubernetes.cri.container-name\": \"app\"}}");
	put_file(dir, "containers/storage/overlay-containers/def456/userdata/config.json",
		 "{\"annotations\": {\"io.kubernetes.pod.namespace\": \"kube-system\", \"io.kubernetes.pod.name\": \"dns\"}}");
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	char name[256];
	assert_true(proc_cri_name(fd, "abc123", name, sizeof(name)));
	assert_string_equal(name, "shop/web-0/app");
	assert_true(proc_cri_name(fd, "def456", name, sizeof(name))); /* a pod's sandbox: no container name */
	assert_string_equal(name, "kube-system/dns");
	assert_false(proc_cri_name(fd, "missing", name, sizeof(name)));
	assert_false(proc_cri_name(fd, "../../etc", name, sizeof(name))); /* not a path component */
	assert_false(proc_cri_name(-1, "abc123", name, sizeof(name)));
	close(fd);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_found_grouped_named),
		cmocka_unit_test(test_hardened_clean),
		cmocka_unit_test(test_userns_root),
		cmocka_unit_test(test_weak_findings),
		cmocka_unit_test(test_secret_value_never_reported),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_no_sys),
		cmocka_unit_test(test_cgroup_names),
		cmocka_unit_test(test_bad_proc_root),
		cmocka_unit_test(test_cri_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
