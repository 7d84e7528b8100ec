/* Container state: ID validation, the state file round trip, derived status. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci/state.h"
#include "util/err.h"

static char tmpl[64];
static int rootfd = -1;

static int setup(void **state)
{
	(void)state;
	strcpy(tmpl, "/tmp/stockade-unit-state.XXXXXX");
	if (!mkdtemp(tmpl))
		return -1;
	rootfd = state_root_open(tmpl, false);
	return rootfd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	close(rootfd);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_ids(void **state)
{
	(void)state;
	assert_int_equal(ctr_id_valid("web-1_a.b+c"), 0);
	assert_true(ctr_id_valid("") < 0);
	assert_true(ctr_id_valid(".") < 0);
	assert_true(ctr_id_valid("..") < 0);
	assert_true(ctr_id_valid("a/b") < 0);
	assert_true(ctr_id_valid("../etc") < 0);
	assert_non_null(strstr(err_msg(), "../etc"));
	assert_true(ctr_id_valid("a b") < 0);
	assert_true(ctr_id_valid("a\nb") < 0);
}

static void test_claim_is_exclusive(void **state)
{
	(void)state;
	int d = state_dir_lock(rootfd, "c1", true);
	assert_true(d >= 0);
	/* a second create of the same ID must fail */
	assert_true(state_dir_lock(rootfd, "c1", true) < 0);
	close(d);
	/* an existing one can be locked again (no create) */
	d = state_dir_lock(rootfd, "c1", false);
	assert_true(d >= 0);
	close(d);
	/* and a missing one cannot */
	assert_true(state_dir_lock(rootfd, "nope", false) < 0);
}

static void test_roundtrip_and_status(void **state)
{
	(void)state;
	int d = state_dir_lock(rootfd, "c2", true);
	assert_true(d >= 0);

	/* a child that exits at once: its pid is recorded, then it dies */
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		pause();
		_exit(0);
	}
	struct ctr_state st = { 0 };
	st.id = strdup("c2");
	st.bundle = strdup("/bundle");
	st.rootfs = strdup("/bundle/rootfs");
	st.created = strdup("2026-11-22T00:00:00Z");
	st.pid = child;
	assert_int_equal(proc_start_time(child, &st.start_time, NULL), 0);
	st.annotations = json_object_new_object();
	json_object_object_add(st.annotations, "k", json_object_new_string("v"));
	assert_int_equal(state_save(d, &st), 0);

	struct ctr_state back = { 0 };
	assert_int_equal(state_load(d, "c2", &back), 0);
	assert_string_equal(back.bundle, "/bundle");
	assert_int_equal(back.pid, child);
	assert_true(back.start_time == st.start_time);
	/* no fifo: a live init is running */
	assert_int_equal(state_status(d, &back), ST_RUNNING);

	json_object *o = state_oci_json(&back, ST_RUNNING);
	json_object *v;
	assert_true(json_object_object_get_ex(o, "status", &v));
	assert_string_equal(json_object_get_string(v), "running");
	assert_true(json_object_object_get_ex(o, "pid", &v));
	assert_int_equal(json_object_get_int(v), child);
	assert_true(json_object_object_get_ex(o, "annotations", &v));
	json_object_put(o);

	/* a zombie is stopped, and so is a reaped one */
	kill(child, SIGKILL);
	siginfo_t si;
	waitid(P_PID, (id_t)child, &si, WEXITED | WNOWAIT);
	assert_int_equal(state_status(d, &back), ST_STOPPED);
	waitpid(child, NULL, 0);
	assert_int_equal(state_status(d, &back), ST_STOPPED);
	assert_false(proc_alive(child, st.start_time));

	/* pid reuse: our own pid with a wrong start time is not "alive" */
	unsigned long long me;
	assert_int_equal(proc_start_time(getpid(), &me, NULL), 0);
	assert_true(proc_alive(getpid(), me));
	assert_false(proc_alive(getpid(), me + 1));

	state_clear(&st);
	state_clear(&back);
	close(d);
}

static void test_tampered_state_file(void **state)
{
	(void)state;
	int d = state_dir_lock(rootfd, "c3", true);
	assert_true(d >= 0);
	int f = openat(d, "state.json", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(f >= 0);
	assert_int_equal(write(f, "{\"id\": 5", 8), 8);
	close(f);
	struct ctr_state st = { 0 };
	assert_true(state_load(d, "c3", &st) < 0);
	assert_non_null(strstr(err_msg(), "state"));
	state_clear(&st);
	close(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids),
		cmocka_unit_test_setup_teardown(test_claim_is_exclusive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roundtrip_and_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tampered_state_file, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
