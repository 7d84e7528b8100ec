/*
 * cgroups on the real host (runs as root).  Every test makes its cgroups
 * with names starting "stk-unit-<pid>" and its teardown removes them and
 * kills its children even when an assertion failed half-way.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "oci/spec.h"
#include "sandbox/cgroup.h"
#include "sandbox/cgroup_internal.h"
#include "util/err.h"
#include "util/fs.h"

#define MAX_CG 4
#define MAX_KIDS 4

struct fixture {
	struct cgroup *cg[MAX_CG];
	struct oci_spec *spec[MAX_CG];
	pid_t kids[MAX_KIDS];
	char bpfdir[PATH_MAX];
};

static char g_prefix[64]; /* "stk-unit-<pid>" */

static int setup(void **st)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	*st = f;
	return 0;
}

static void kill_kid(pid_t *pid)
{
	if (*pid <= 0)
		return;
	kill(*pid, SIGKILL);
	while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
		;
	*pid = 0;
}

static int teardown(void **st)
{
	struct fixture *f = *st;
	for (int i = 0; i < MAX_KIDS; i++)
		kill_kid(&f->kids[i]);
	for (int i = 0; i < MAX_CG; i++) {
		if (f->cg[i]) {
			/* whatever the test got to: everything planned is ours to remove */
			for (size_t k = 0; k < f->cg[i]->n; k++)
				f->cg[i]->h[k].created = true;
			if (cg_destroy(f->cg[i]) < 0)
				fprintf(stderr, "teardown: %s\n", err_msg());
			cg_free(f->cg[i]);
		}
		oci_spec_free(f->spec[i]);
	}
	if (f->bpfdir[0] && rmdir(f->bpfdir) < 0 && errno != ENOENT)
		fprintf(stderr, "teardown: rmdir %s: %s\n", f->bpfdir, strerror(errno));
	free(f);
	return 0;
}

/* Resources from a "linux.resources" JSON snippet, through the real parser. */
static const struct oci_resources *resources(struct fixture *f, int slot, const char *json)
{
	char buf[4096];
	snprintf(buf, sizeof(buf),
		 "{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"rootfs\"}, \"process\": {\"cwd\": \"/\", "
		 "\"args\": [\"sh\"]}, \"linux\": {\"resources\": %s}}", json);
	if (oci_spec_parse(buf, strlen(buf), "config.json", "/b", &f->spec[slot]) < 0)
		fail_msg("spec: %s", err_msg());
	return &f->spec[slot]->linux_.resources;
}

static struct cgroup *plan(struct fixture *f, int slot, const char *path, const char *suffix)
{
	char id[128];
	snprintf(id, sizeof(id), "%s%s", g_prefix, suffix);
	if (cg_plan(path, id, &f->cg[slot]) < 0)
		fail_msg("cg_plan: %s", err_msg());
	return f->cg[slot];
}

static const struct cg_hier *hier(const struct cgroup *cg, const char *ctrl)
{
	for (size_t i = 0; i < cg->n; i++) {
		char c[256];
		snprintf(c, sizeof(c), ",%s,", cg->h[i].controllers);
		char w[64];
		snprintf(w, sizeof(w), ",%s,", ctrl);
		if (!cg->h[i].v2 && strstr(c, w))
			return &cg->h[i];
	}
	return NULL;
}

static const struct cg_hier *unified(const struct cgroup *cg)
{
	for (size_t i = 0; i < cg->n; i++)
		if (cg->h[i].v2)
			return &cg->h[i];
	return NULL;
}

/* The (chomped) content of <h->path>/<file>. */
static char *knob(const struct cg_hier *h, const char *file)
{
	static char buf[8192];
	char path[PATH_MAX];
	assert_non_null(h);
	snprintf(path, sizeof(path), "%s/%s", h->path, file);
	int r = read_small_at(AT_FDCWD, path, buf, sizeof(buf));
	if (r < 0)
		fail_msg("read %s: %s", path, strerror(-r));
	size_t l = strlen(buf);
	while (l && buf[l - 1] == '\n')
		buf[--l] = '\0';
	return buf;
}

static bool exists(const char *path)
{
	struct stat s;
	return lstat(path, &s) == 0;
}

static void assert_msg(const char *needle)
{
	if (!strstr(err_msg(), needle))
		fail_msg("message lacks \"%s\": %s", needle, err_msg());
}

/* A child that waits until its pipe closes; it ends with _exit, never returning into cmocka. */
static pid_t spawn_sleeper(int *wfd)
{
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char c;
		close(p[1]);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		for (;;)
			pause();
	}
	close(p[0]);
	*wfd = p[1];
	return pid;
}

static void test_plan_paths(void **st)
{
	struct fixture *f = *st;
	struct cgroup *cg = plan(f, 0, NULL, "-plan");
	enum cg_mode mode;
	char want[128];

	assert_int_equal(cg_detect_mode(&mode), 0);
	assert_int_equal(cg->mode, mode);
	snprintf(want, sizeof(want), "stockade/%s-plan", g_prefix);
	assert_string_equal(cg->rel, want);
	assert_true(cg->n > 0);
	for (size_t i = 0; i < cg->n; i++) {
		const struct cg_hier *h = &cg->h[i];
		size_t ml = strlen(h->mountpoint), pl = strlen(h->path), wl = strlen(want);
		assert_true(strncmp(h->mountpoint, "/sys/fs/cgroup", 14) == 0);
		assert_true(strncmp(h->path, h->mountpoint, ml) == 0 && h->path[ml] == '/');
		assert_true(pl > wl && STREQ(h->path + pl - wl, want));
		assert_true(h->created); /* provisional: nothing there yet */
		assert_false(exists(h->path));
		for (size_t k = 0; k < i; k++)
			assert_string_not_equal(h->mountpoint, cg->h[k].mountpoint);
	}
	/* relative to our own cgroup: compare with /proc/self/cgroup */
	const struct cg_hier *mem = hier(cg, "memory");
	if (mem) {
		char self[8192], line[PATH_MAX];
		assert_true(read_small_at(AT_FDCWD, "/proc/self/cgroup", self, sizeof(self)) > 0);
		char *m = strstr(self, ":memory:");
		assert_non_null(m);
		snprintf(line, sizeof(line), "%s", m + 8);
		line[strcspn(line, "\n")] = '\0';
		char expect[PATH_MAX];
		snprintf(expect, sizeof(expect), "%s%s/%s", mem->mountpoint, STREQ(line, "/") ? "" : line, want);
		assert_string_equal(mem->path, expect);
	}

	/* an absolute path hangs from each hierarchy's root; "." and "//" are tidied */
	struct cgroup *abs = NULL;
	char p[128];
	snprintf(p, sizeof(p), "//%s/./x/", g_prefix);
	assert_int_equal(cg_plan(p, "ignored", &abs), 0);
	snprintf(want, sizeof(want), "/%s/x", g_prefix);
	assert_string_equal(abs->rel, want);
	for (size_t i = 0; i < abs->n; i++) {
		char e[PATH_MAX];
		snprintf(e, sizeof(e), "%s%s", abs->h[i].mountpoint, want);
		assert_string_equal(abs->h[i].path, e);
	}
	cg_free(abs);
}

static void test_plan_refusals(void **st)
{
	(void)st;
	struct cgroup *cg = NULL;
	err_clear();
	assert_int_equal(cg_plan("../x", "id", &cg), -EINVAL);
	assert_null(cg);
	assert_msg("\"..\"");
	assert_int_equal(cg_plan("/a/../../x", "id", &cg), -EINVAL);
	assert_int_equal(cg_plan("a:b:c", "id", &cg), -EINVAL);
	assert_msg("systemd");
	assert_msg("plain");
	assert_int_equal(cg_plan("system.slice:stockade:abc", "id", &cg), -EINVAL);
	assert_int_equal(cg_plan("/", "id", &cg), -EINVAL);
	assert_msg("root");
	assert_int_equal(cg_plan("./", "id", &cg), -EINVAL);
	assert_int_equal(cg_plan("a\nb", "id", &cg), -EINVAL);
	assert_int_equal(cg_plan(NULL, "a/b", &cg), -EINVAL);
	assert_null(cg);
}

static void test_lifecycle(void **st)
{
	struct fixture *f = *st;
	const struct oci_resources *res = resources(f, 0, "{\"memory\": {\"limit\": 67108864, \"reservation\": 33554432}, "
						       "\"pids\": {\"limit\": 20}, "
						       "\"cpu\": {\"shares\": 512, \"quota\": 50000, \"period\": 100000}, "
						       "\"devices\": [{\"allow\": true, \"type\": \"c\", \"major\": 10, "
						       "\"minor\": 200, \"access\": \"rwm\"}]}");
	struct cgroup *cg = plan(f, 0, NULL, "");
	char parent[PATH_MAX];
	const struct cg_hier *mem = hier(cg, "memory"), *pids = hier(cg, "pids"), *cpu = hier(cg, "cpu");
	const struct cg_hier *fz = hier(cg, "freezer"), *dev = hier(cg, "devices");
	if (!mem || !pids || !cpu || !fz || !dev)
		skip(); /* the assertions below read v1 files */

	/* the shared "stockade" parent goes away at the end only if we make it */
	snprintf(parent, sizeof(parent), "%s", pids->path);
	*strrchr(parent, '/') = '\0';
	bool parent_was_there = exists(parent);

	if (cg_create(cg, res) < 0)
		fail_msg("cg_create: %s", err_msg());
	for (size_t i = 0; i < cg->n; i++) {
		assert_true(cg->h[i].created);
		assert_true(exists(cg->h[i].path));
	}
	assert_string_equal(knob(mem, "memory.limit_in_bytes"), "67108864");
	assert_string_equal(knob(mem, "memory.soft_limit_in_bytes"), "33554432");
	assert_string_equal(knob(pids, "pids.max"), "20");
	assert_string_equal(knob(cpu, "cpu.cfs_quota_us"), "50000");
	assert_string_equal(knob(cpu, "cpu.cfs_period_us"), "100000");
	assert_string_equal(knob(cpu, "cpu.shares"), "512");
	const struct cg_hier *cs = hier(cg, "cpuset");
	if (cs) /* initialised from the parent, or no task could join */
		assert_string_not_equal(knob(cs, "cpuset.cpus"), "");
	const char *dl = knob(dev, "devices.list");
	assert_non_null(strstr(dl, "c 1:3 rwm"));
	assert_non_null(strstr(dl, "c 136:* rwm"));
	assert_non_null(strstr(dl, "c 10:200 rwm"));
	assert_null(strstr(dl, "a *:*"));
	assert_null(strstr(dl, "b "));

	/* a process joins every hierarchy */
	int wfd;
	pid_t kid = f->kids[0] = spawn_sleeper(&wfd);
	if (cg_enter(cg, kid) < 0)
		fail_msg("cg_enter: %s", err_msg());
	close(wfd);
	char procpath[64], self[8192];
	snprintf(procpath, sizeof(procpath), "/proc/%d/cgroup", (int)kid);
	assert_true(read_small_at(AT_FDCWD, procpath, self, sizeof(self)) > 0);
	for (size_t i = 0; i < cg->n; i++) {
		const struct cg_hier *h = &cg->h[i];
		char line[PATH_MAX];
		snprintf(line, sizeof(line), ":%s:%s\n", h->controllers, h->path + strlen(h->mountpoint));
		if (!strstr(self, line))
			fail_msg("%s lacks \"%s\":\n%s", procpath, line, self);
	}
	pid_t *list = NULL;
	size_t n = 0;
	assert_int_equal(cg_pids(cg, &list, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(list[0], kid);
	free(list);
	assert_true(cg_has_processes(cg));

	/* stats in runc's shape */
	json_object *stats = NULL, *v;
	assert_int_equal(cg_stats(cg, &stats), 0);
	assert_true(json_pointer_get(stats, "/memory/usage/limit", &v) == 0);
	assert_int_equal(json_object_get_uint64(v), 67108864);
	assert_true(json_pointer_get(stats, "/pids/current", &v) == 0);
	assert_int_equal(json_object_get_uint64(v), 1);
	assert_true(json_pointer_get(stats, "/pids/limit", &v) == 0);
	assert_int_equal(json_object_get_uint64(v), 20);
	assert_true(json_pointer_get(stats, "/cpu/usage/total", &v) == 0);
	json_object_put(stats);

	/* freezer */
	bool frozen = true;
	assert_int_equal(cg_frozen(cg, &frozen), 0);
	assert_false(frozen);
	if (cg_freeze(cg, true) < 0)
		fail_msg("freeze: %s", err_msg());
	assert_string_equal(knob(fz, "freezer.state"), "FROZEN");
	assert_int_equal(cg_frozen(cg, &frozen), 0);
	assert_true(frozen);
	assert_int_equal(cg_freeze(cg, false), 0);
	assert_string_equal(knob(fz, "freezer.state"), "THAWED");
	assert_int_equal(cg_frozen(cg, &frozen), 0);
	assert_false(frozen);

	/* kill everything, reap, remove */
	assert_int_equal(cg_signal_all(cg, SIGKILL), 0);
	int status = 0;
	assert_int_equal(waitpid(kid, &status, 0), kid);
	f->kids[0] = 0;
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	if (cg_destroy(cg) < 0)
		fail_msg("cg_destroy: %s", err_msg());
	for (size_t i = 0; i < cg->n; i++)
		if (exists(cg->h[i].path))
			fail_msg("%s is still there", cg->h[i].path);
	if (!parent_was_there && exists(parent)) {
		/* only acceptable if another container (another session on this host) uses it now */
		DIR *d = opendir(parent);
		struct dirent *de;
		bool others = false;
		assert_non_null(d);
		while ((de = readdir(d)))
			others |= de->d_type == DT_DIR && de->d_name[0] != '.';
		closedir(d);
		if (!others)
			fail_msg("%s was made by us and is empty, yet still there", parent);
	}
	assert_int_equal(cg_destroy(cg), 0); /* again: nothing to do */
	assert_false(cg_has_processes(cg));
}

static void test_destroy_kills_and_removes_subcgroups(void **st)
{
	struct fixture *f = *st;
	struct cgroup *cg = plan(f, 0, NULL, "-kill");
	const struct cg_hier *pids = hier(cg, "pids");
	if (!pids)
		skip();
	if (cg_create(cg, NULL) < 0)
		fail_msg("cg_create: %s", err_msg());
	int wfd;
	pid_t kid = f->kids[0] = spawn_sleeper(&wfd);
	assert_int_equal(cg_enter(cg, kid), 0);
	close(wfd);
	/* the container made a cgroup of its own below its cgroup */
	char sub[PATH_MAX];
	snprintf(sub, sizeof(sub), "%s/inner", pids->path);
	assert_int_equal(mkdir(sub, 0755), 0);
	/* cg_destroy kills what is left; the process is our child here, so reap it meanwhile */
	assert_int_equal(cg_signal_all(cg, SIGKILL), 0);
	assert_int_equal(waitpid(kid, NULL, 0), kid);
	f->kids[0] = 0;
	if (cg_destroy(cg) < 0)
		fail_msg("cg_destroy: %s", err_msg());
	assert_false(exists(sub));
	assert_false(exists(pids->path));
}

static void test_leaf_in_use(void **st)
{
	struct fixture *f = *st;
	char rel[128];
	snprintf(rel, sizeof(rel), "%s-busy", g_prefix);
	struct cgroup *a = plan(f, 0, rel, "");
	if (cg_create(a, NULL) < 0)
		fail_msg("cg_create: %s", err_msg());
	int wfd;
	f->kids[0] = spawn_sleeper(&wfd);
	assert_int_equal(cg_enter(a, f->kids[0]), 0);
	close(wfd);

	struct cgroup *b = plan(f, 1, rel, "");
	for (size_t i = 0; i < b->n; i++)
		assert_false(b->h[i].created); /* exists already */
	err_clear();
	assert_true(cg_create(b, NULL) < 0);
	assert_msg("already in use");
	/* the failed create left the other container's cgroup alone */
	for (size_t i = 0; i < a->n; i++)
		assert_true(exists(a->h[i].path));
	cg_free(b);
	f->cg[1] = NULL;
}

static void test_failure_rolls_back(void **st)
{
	struct fixture *f = *st;
	struct cgroup *cg = plan(f, 0, NULL, "-bad");
	const struct oci_resources *res = resources(f, 0, "{\"memory\": {\"limit\": 67108864}, \"cpu\": {\"cpus\": \"garbage\"}}");
	if (!hier(cg, "cpuset") && !unified(cg))
		skip();
	err_clear();
	assert_true(cg_create(cg, res) < 0);
	assert_msg("linux.resources.cpu.cpus");
	assert_msg("\"garbage\"");
	assert_msg("cpuset.cpus");
	assert_msg(strerror(EINVAL));
	for (size_t i = 0; i < cg->n; i++) {
		if (exists(cg->h[i].path))
			fail_msg("%s was left behind", cg->h[i].path);
		assert_false(cg->h[i].created);
	}

	/* a controller this host does not have */
	struct cgroup *c2 = plan(f, 1, NULL, "-nonet");
	res = resources(f, 1, "{\"network\": {\"classID\": 1048577}}");
	if (hier(c2, "net_cls"))
		skip();
	err_clear();
	assert_int_equal(cg_create(c2, res), -ENODEV);
	assert_msg("linux.resources.network.classID: no net_cls controller is mounted on this host");
	for (size_t i = 0; i < c2->n; i++)
		assert_false(exists(c2->h[i].path));

	/* unified settings need a v2 hierarchy offering the file */
	struct cgroup *c3 = plan(f, 2, NULL, "-unif");
	res = resources(f, 2, "{\"unified\": {\"memory.high\": \"1000000\"}}");
	err_clear();
	if (c3->mode == CG_MODE_HYBRID && hier(c3, "memory")) {
		assert_true(cg_create(c3, res) < 0);
		assert_msg("linux.resources.unified.memory.high");
		assert_msg("bound to cgroup v1");
		for (size_t i = 0; i < c3->n; i++)
			assert_false(exists(c3->h[i].path));
	}
}

static void test_unified_on_hybrid(void **st)
{
	struct fixture *f = *st;
	struct cgroup *cg = plan(f, 0, NULL, "-u");
	const struct cg_hier *u = unified(cg);
	if (!u || cg->mode != CG_MODE_HYBRID)
		skip();
	const struct oci_resources *res = resources(f, 0, "{\"unified\": {\"cgroup.max.descendants\": \"7\"}}");
	if (cg_create(cg, res) < 0)
		fail_msg("cg_create: %s", err_msg());
	assert_string_equal(knob(u, "cgroup.max.descendants"), "7");
}

static void test_update(void **st)
{
	struct fixture *f = *st;
	struct cgroup *cg = plan(f, 0, NULL, "-upd");
	const struct cg_hier *mem = hier(cg, "memory"), *pids = hier(cg, "pids");
	if (!mem || !pids)
		skip();
	const struct oci_resources *res = resources(f, 0, "{\"memory\": {\"limit\": 134217728, \"swap\": 268435456}, "
						       "\"pids\": {\"limit\": 20}}");
	if (cg_create(cg, res) < 0)
		fail_msg("cg_create: %s", err_msg());
	bool memsw = access("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes", F_OK) == 0;
	if (memsw)
		assert_string_equal(knob(mem, "memory.memsw.limit_in_bytes"), "268435456");

	/* growing both: memory+swap has to move first */
	res = resources(f, 1, "{\"memory\": {\"limit\": 536870912, \"swap\": 1073741824}, \"pids\": {\"limit\": -1}}");
	if (cg_update(cg, res) < 0)
		fail_msg("cg_update: %s", err_msg());
	assert_string_equal(knob(mem, "memory.limit_in_bytes"), "536870912");
	if (memsw)
		assert_string_equal(knob(mem, "memory.memsw.limit_in_bytes"), "1073741824");
	assert_string_equal(knob(pids, "pids.max"), "max");

	/* shrinking both: memory first */
	res = resources(f, 2, "{\"memory\": {\"limit\": 67108864, \"swap\": 100663296}}");
	if (cg_update(cg, res) < 0)
		fail_msg("cg_update: %s", err_msg());
	assert_string_equal(knob(mem, "memory.limit_in_bytes"), "67108864");
	if (memsw)
		assert_string_equal(knob(mem, "memory.memsw.limit_in_bytes"), "100663296");

	/* a bad value names the field, the file and the value */
	res = resources(f, 3, "{\"cpu\": {\"mems\": \"99999\"}}");
	err_clear();
	if (hier(cg, "cpuset")) {
		assert_true(cg_update(cg, res) < 0);
		assert_msg("linux.resources.cpu.mems: cannot write \"99999\" to ");
		assert_msg("/cpuset.mems: ");
	}
}

static void test_json_roundtrip(void **st)
{
	struct fixture *f = *st;
	struct cgroup *cg = plan(f, 0, NULL, "-json"), *back = NULL;
	cg->h[0].created = false;
	json_object *o = cg_to_json(cg);
	assert_non_null(o);
	/* through text, as state.json */
	json_object *parsed = json_tokener_parse(json_object_to_json_string(o));
	assert_non_null(parsed);
	if (cg_from_json(parsed, &back) < 0)
		fail_msg("cg_from_json: %s", err_msg());
	assert_int_equal(back->mode, cg->mode);
	assert_string_equal(back->rel, cg->rel);
	assert_int_equal(back->n, cg->n);
	for (size_t i = 0; i < cg->n; i++) {
		assert_string_equal(back->h[i].mountpoint, cg->h[i].mountpoint);
		assert_string_equal(back->h[i].name, cg->h[i].name);
		assert_string_equal(back->h[i].controllers, cg->h[i].controllers);
		assert_string_equal(back->h[i].path, cg->h[i].path);
		assert_int_equal(back->h[i].v2, cg->h[i].v2);
		assert_int_equal(back->h[i].created, cg->h[i].created);
	}
	json_object *again = cg_to_json(back);
	assert_string_equal(json_object_to_json_string(again), json_object_to_json_string(o));
	json_object_put(again);
	json_object_put(parsed);
	json_object_put(o);
	cg_free(back);
}

/* state.json is only as safe as its directory: refuse paths outside the cgroup tree */
static void test_json_tampered(void **st)
{
	(void)st;
	static const char *const bad[] = {
		"[]",
		"{\"mode\": \"v3\", \"rel\": \"/x\", \"hierarchies\": []}",
		"{\"mode\": \"v1\", \"rel\": \"/x\", \"hierarchies\": []}",
		"{\"mode\": \"v1\", \"rel\": 5, \"hierarchies\": []}",
		"{\"mode\": \"v1\", \"rel\": \"/x\", \"hierarchies\": [{\"mountpoint\": \"/etc\", \"name\": \"etc\", "
		"\"controllers\": \"memory\", \"v2\": false, \"path\": \"/etc/x\", \"created\": true}]}",
		"{\"mode\": \"v1\", \"rel\": \"/x\", \"hierarchies\": [{\"mountpoint\": \"/sys/fs/cgroup/memory\", "
		"\"name\": \"memory\", \"controllers\": \"memory\", \"v2\": false, \"path\": \"/sys/fs/cgroup/memory/../../../etc\", "
		"\"created\": true}]}",
		"{\"mode\": \"v1\", \"rel\": \"/x\", \"hierarchies\": [{\"mountpoint\": \"/sys/fs/cgroup/memory\", "
		"\"name\": \"memory\", \"controllers\": \"memory\", \"v2\": false, \"path\": \"/sys/fs/cgroup/memory\", "
		"\"created\": true}]}",
		"{\"mode\": \"v1\", \"rel\": \"/x\", \"hierarchies\": [{\"mountpoint\": \"/sys/fs/cgroup/memory\", "
		"\"name\": \"memory\", \"controllers\": \"memory\", \"v2\": \"no\", \"path\": \"/sys/fs/cgroup/memory/x\", "
		"\"created\": true}]}",
		"{\"mode\": \"v1\", \"rel\": \"/x\", \"hierarchies\": [{\"mountpoint\": \"/sys/fs/cgroup/memory\", "
		"\"name\": \"cpu\", \"controllers\": \"memory\", \"v2\": false, \"path\": \"/sys/fs/cgroup/memory/x\", "
		"\"created\": true}]}",
		"{\"mode\": \"v1\", \"rel\": \"a/x\", \"hierarchies\": [{\"mountpoint\": \"/sys/fs/cgroup/memory\", "
		"\"name\": \"memory\", \"controllers\": \"memory\", \"v2\": false, \"path\": \"/sys/fs/cgroup/memory/b\", "
		"\"created\": true}]}",
		"{\"mode\": \"v1\", \"rel\": \"../x\", \"hierarchies\": [{\"mountpoint\": \"/sys/fs/cgroup/memory\", "
		"\"name\": \"memory\", \"controllers\": \"memory\", \"v2\": false, \"path\": \"/sys/fs/cgroup/memory/x\", "
		"\"created\": true}]}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_object *o = json_tokener_parse(bad[i]);
		struct cgroup *cg = NULL;
		assert_non_null(o);
		if (cg_from_json(o, &cg) >= 0)
			fail_msg("accepted: %s", bad[i]);
		assert_null(cg);
		json_object_put(o);
	}
	json_object *ok = json_tokener_parse(
		"{\"mode\": \"v1\", \"rel\": \"stockade/x\", \"hierarchies\": [{\"mountpoint\": \"/sys/fs/cgroup/memory\", "
		"\"name\": \"memory\", \"controllers\": \"memory\", \"v2\": false, \"path\": \"/sys/fs/cgroup/memory/a/stockade/x\", "
		"\"created\": true}]}");
	struct cgroup *cg = NULL;
	if (cg_from_json(ok, &cg) < 0)
		fail_msg("refused: %s", err_msg());
	cg_free(cg);
	json_object_put(ok);
	assert_int_equal(cg_from_json(NULL, &cg), -EINVAL);
}

/* Child: join the cgroup (parent writes us in), then try the devices; exit code = bitmask of successes. */
static int try_devices(void)
{
	static const struct {
		const char *path;
		int flags;
	} tries[] = { { "/dev/null", O_RDWR }, { "/dev/zero", O_RDONLY }, { "/dev/zero", O_WRONLY }, { "/dev/full", O_RDONLY } };
	int mask = 0;
	for (int i = 0; i < 4; i++) {
		int fd = open(tries[i].path, tries[i].flags | O_CLOEXEC);
		if (fd >= 0) {
			mask |= 1 << i;
			close(fd);
		} else if (errno != EPERM) {
			mask |= 0x40;
		}
	}
	return mask;
}

static int run_in(const char *dir, pid_t *slot)
{
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char c;
		close(p[1]);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(try_devices());
	}
	*slot = pid;
	close(p[0]);
	int dfd = cg_open_dir(dir);
	assert_true(dfd >= 0);
	char buf[32];
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	assert_int_equal(cg_write_at(dfd, "cgroup.procs", buf), 0);
	close(dfd);
	close(p[1]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	*slot = 0;
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_bpf_device_program(void **st)
{
	struct fixture *f = *st;
	struct stat s;
	if (stat("/sys/fs/cgroup/unified/cgroup.procs", &s) < 0 && stat("/sys/fs/cgroup/cgroup.procs", &s) < 0)
		skip();
	const char *base = stat("/sys/fs/cgroup/unified/cgroup.procs", &s) == 0 ? "/sys/fs/cgroup/unified" : "/sys/fs/cgroup";
	snprintf(f->bpfdir, sizeof(f->bpfdir), "%s/%s-bpf", base, g_prefix);
	assert_int_equal(mkdir(f->bpfdir, 0755), 0);
	int dfd = cg_open_dir(f->bpfdir);
	assert_true(dfd >= 0);

	const struct oci_device_rule rules[] = {
		{ .allow = true, .type = 'a', .major = -1, .minor = -1, .access = "rwm" },
		{ .allow = false, .type = 'a', .major = -1, .minor = -1, .access = "rwm" }, /* resets */
		{ .allow = true, .type = 'c', .major = 1, .minor = -1, .access = "rwm" },
		{ .allow = false, .type = 'c', .major = 1, .minor = 7, .access = "rwm" },  /* full: no */
		{ .allow = false, .type = 'c', .major = 1, .minor = 5, .access = "w" },    /* zero: read only */
		{ .allow = true, .type = 'b', .major = 1, .minor = 5, .access = "w" },     /* another type */
	};
	if (cg_devices_bpf_attach(dfd, f->bpfdir, rules, 6) < 0)
		fail_msg("attach: %s", err_msg());
	/* null rw ok, zero r ok, zero w refused, full refused */
	assert_int_equal(run_in(f->bpfdir, &f->kids[0]), 0x1 | 0x2);

	/* replacing: the old program goes, the new one (everything allowed) alone decides */
	const struct oci_device_rule all[] = { { .allow = true, .type = 'a', .major = -1, .minor = -1, .access = "rwm" } };
	if (cg_devices_bpf_attach(dfd, f->bpfdir, all, 1) < 0)
		fail_msg("attach: %s", err_msg());
	assert_int_equal(run_in(f->bpfdir, &f->kids[0]), 0xf);
	close(dfd);
	assert_int_equal(rmdir(f->bpfdir), 0);
	f->bpfdir[0] = '\0';
}

int main(void)
{
	snprintf(g_prefix, sizeof(g_prefix), "stk-unit-%d", (int)getpid());
	if (geteuid() != 0) {
		fprintf(stderr, "test_cgroup needs root; skipped\n");
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_plan_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plan_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy_kills_and_removes_subcgroups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leaf_in_use, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure_rolls_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unified_on_hybrid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_update, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_tampered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bpf_device_program, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
