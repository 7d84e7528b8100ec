/* runtime-spec v1.2 requirements that the config parser alone decides
 * (docs/conformance.md names each test next to its requirement). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "oci/spec.h"
#include "sandbox/process.h"
#include "util/err.h"

#define PROC "\"process\": {\"cwd\": \"/\", \"args\": [\"sh\"]}"

static int parse(const char *json, struct oci_spec **s)
{
	*s = NULL;
	err_clear();
	return oci_spec_parse(json, strlen(json), "config.json", "/b", s);
}

static void expect_ok(const char *json)
{
	struct oci_spec *s;
	if (parse(json, &s) < 0)
		fail_msg("refused: %s\n%s", err_msg(), json);
	oci_spec_free(s);
}

static void expect_err(const char *json, const char *needle)
{
	struct oci_spec *s;
	if (parse(json, &s) >= 0) {
		oci_spec_free(s);
		fail_msg("accepted: %s", json);
	}
	assert_null(s);
	if (needle && !strstr(err_msg(), needle))
		fail_msg("message lacks \"%s\": %s", needle, err_msg());
}

static void with_version(const char *v, bool ok)
{
	char buf[512];
	snprintf(buf, sizeof(buf), "{\"ociVersion\": \"%s\", \"root\": {\"path\": \"rootfs\"}, " PROC "}", v);
	if (ok)
		expect_ok(buf);
	else
		expect_err(buf, "ociVersion");
}

/* config.md#configSpecificationVersion: ociVersion MUST be SemVer v2.0.0 */
static void test_oci_version_is_semver(void **st)
{
	(void)st;
	with_version("1.0.0", true);
	with_version("1.2.1", true);
	with_version("1.0.2-dev", true);
	with_version("1.1.0-rc.1+build.5", true);
	with_version("1.10.200", true);
	with_version("1", false);
	with_version("1.2", false);
	with_version("1.2.", false);
	with_version("1.02.0", false);
	with_version("1.2.0-", false);
	with_version("1.2.0+", false);
	with_version("1.2.0 ", false);
	with_version("v1.2.0", false);
	with_version("", false);
	with_version("2.0.0", false); /* SemVer, but not a 1.x this runtime implements */
}

/* config.md#configAnnotations: keys MUST NOT be empty; values MAY be */
static void test_annotation_keys(void **st)
{
	(void)st;
	expect_err("{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"rootfs\"}, " PROC ", \"annotations\": {\"\": \"x\"}}",
		   "annotations");
	expect_ok("{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"rootfs\"}, " PROC
		  ", \"annotations\": {\"com.example.k\": \"\"}}");
	expect_err("{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"rootfs\"}, " PROC ", \"annotations\": {\"k\": 1}}",
		   "annotations");
}

#define HEAD "{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"rootfs\"}, "

/* config.md#configExtensibility: unknown properties are ignored, at every level */
static void test_unknown_properties_ignored(void **st)
{
	(void)st;
	expect_ok(HEAD "\"process\": {\"cwd\": \"/\", \"args\": [\"sh\"], \"newThing\": {\"a\": 1}}, \"futureTop\": [1, 2],"
		       " \"linux\": {\"futureLinux\": true, \"resources\": {\"futureRes\": 1}}}");
}

/* config.md#configPOSIXProcess: duplicate rlimit types and unknown types are errors */
static void test_rlimit_rules(void **st)
{
	(void)st;
	expect_err(HEAD "\"process\": {\"cwd\": \"/\", \"args\": [\"sh\"], \"rlimits\": [{\"type\": \"RLIMIT_CORE\", \"soft\": 1, "
		       "\"hard\": 1}, {\"type\": \"RLIMIT_CORE\", \"soft\": 2, \"hard\": 2}]}}",
		   "RLIMIT_CORE");
	expect_err(HEAD "\"process\": {\"cwd\": \"/\", \"args\": [\"sh\"], \"rlimits\": [{\"type\": \"RLIMIT_BOGUS\", \"soft\": 1, "
		       "\"hard\": 1}]}}",
		   "RLIMIT_BOGUS");
}

/* config-linux.md#configLinuxNamespaces: a duplicated namespace type is an error */
static void test_duplicate_namespace(void **st)
{
	(void)st;
	expect_err(HEAD PROC ", \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"pid\"}]}}", "pid");
}

/* config.md#configHooks: path MUST be absolute, timeout MUST be > 0 */
static void test_hook_fields(void **st)
{
	(void)st;
	expect_err(HEAD PROC ", \"hooks\": {\"poststop\": [{\"path\": \"x\"}]}}", "hooks.poststop[0].path");
	expect_err(HEAD PROC ", \"hooks\": {\"createRuntime\": [{\"path\": \"/x\", \"timeout\": -1}]}}",
		   "hooks.createRuntime[0].timeout");
}

/* config-linux.md#configLinuxSeccomp: errnoRet only with an action that has one; names not empty */
static void test_seccomp_rules(void **st)
{
	(void)st;
	expect_err(HEAD PROC ", \"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
			     "[{\"names\": [\"chmod\"], \"action\": \"SCMP_ACT_KILL\", \"errnoRet\": 1}]}}}",
		   "errnoRet");
	expect_err(HEAD PROC ", \"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_KILL\", \"defaultErrnoRet\": 1}}}",
		   "defaultErrnoRet");
	expect_err(HEAD PROC ", \"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
			     "[{\"names\": [], \"action\": \"SCMP_ACT_ERRNO\"}]}}}",
		   "names");
}

/* config-linux.md#configLinuxRootfsMountPropagation: only the listed values */
static void test_rootfs_propagation_values(void **st)
{
	(void)st;
	const char *ok[] = { "shared", "slave", "private", "unbindable" };
	char buf[512];
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(buf, sizeof(buf), HEAD PROC ", \"linux\": {\"rootfsPropagation\": \"%s\"}}", ok[i]);
		expect_ok(buf);
	}
	expect_err(HEAD PROC ", \"linux\": {\"rootfsPropagation\": \"sideways\"}}", "rootfsPropagation");
}

/* config-linux.md#configLinuxMaskedPaths / ReadonlyPaths: absolute paths only */
static void test_masked_readonly_absolute(void **st)
{
	(void)st;
	expect_err(HEAD PROC ", \"linux\": {\"maskedPaths\": [\"proc/kcore\"]}}", "maskedPaths[0]");
	expect_err(HEAD PROC ", \"linux\": {\"readonlyPaths\": [\"proc/sys\"]}}", "readonlyPaths[0]");
}

/* config-linux.md#configLinuxBlockIO: a weightDevice entry MUST have weight or leafWeight */
static void test_weight_device_needs_a_weight(void **st)
{
	(void)st;
	expect_err(HEAD PROC ", \"linux\": {\"resources\": {\"blockIO\": {\"weightDevice\": [{\"major\": 8, \"minor\": 0}]}}}}",
		   "weightDevice[0]");
	expect_ok(HEAD PROC ", \"linux\": {\"resources\": {\"blockIO\": {\"weightDevice\": [{\"major\": 8, \"minor\": 0, "
		       "\"leafWeight\": 10}]}}}}");
}

/* config-linux.md#configLinuxRDMA: not implemented, so refused rather than dropped (config.md#valid-values) */
static void test_rdma_refused(void **st)
{
	(void)st;
	expect_err(HEAD PROC ", \"linux\": {\"resources\": {\"rdma\": {\"mlx5_1\": {\"hcaHandles\": 3}}}}}", "rdma");
	expect_ok(HEAD PROC ", \"linux\": {\"resources\": {\"rdma\": {}}}}");
}

/* config-linux.md#configLinuxSeccomp: listenerMetadata MUST NOT be set without listenerPath */
static void test_listener_metadata_needs_path(void **st)
{
	(void)st;
	expect_err(HEAD PROC ", \"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerMetadata\": \"m\"}}}",
		   "listenerMetadata");
}

/* config.md#configLinuxProcess: execCPUAffinity lists ("0-3,7") */
static void test_cpu_lists(void **st)
{
	(void)st;
	cpu_set_t set;
	assert_int_equal(process_cpu_list("0-3,7", "f", &set), 0);
	assert_int_equal(CPU_COUNT(&set), 5);
	assert_true(CPU_ISSET(0, &set) && CPU_ISSET(3, &set) && CPU_ISSET(7, &set) && !CPU_ISSET(4, &set));
	assert_int_equal(process_cpu_list("5", "f", &set), 0);
	assert_int_equal(CPU_COUNT(&set), 1);
	const char *bad[] = { "", "1-0", "a", "1,", ",1", "1--2", "-1", "1 2", "99999" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err_clear();
		if (process_cpu_list(bad[i], "process.execCPUAffinity.final", &set) >= 0)
			fail_msg("accepted CPU list \"%s\"", bad[i]);
		assert_non_null(strstr(err_msg(), "process.execCPUAffinity.final"));
	}
}

/* REQUIRED members: consoleSize.height/width, pids.limit */
static void test_required_members(void **st)
{
	(void)st;
	expect_err(HEAD "\"process\": {\"cwd\": \"/\", \"args\": [\"sh\"], \"terminal\": true, \"consoleSize\": {\"height\": 25}}}",
		   "width");
	expect_err(HEAD "\"process\": {\"cwd\": \"/\", \"args\": [\"sh\"], \"consoleSize\": {\"width\": 80}}}", "height");
	expect_ok(HEAD "\"process\": {\"cwd\": \"/\", \"args\": [\"sh\"], \"consoleSize\": {\"height\": 25, \"width\": 80}}}");
	expect_err(HEAD PROC ", \"linux\": {\"resources\": {\"pids\": {}}}}", "linux.resources.pids");
	expect_ok(HEAD PROC ", \"linux\": {\"resources\": {\"pids\": {\"limit\": -1}}}}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oci_version_is_semver),
		cmocka_unit_test(test_annotation_keys),
		cmocka_unit_test(test_unknown_properties_ignored),
		cmocka_unit_test(test_rlimit_rules),
		cmocka_unit_test(test_duplicate_namespace),
		cmocka_unit_test(test_hook_fields),
		cmocka_unit_test(test_seccomp_rules),
		cmocka_unit_test(test_rootfs_propagation_values),
		cmocka_unit_test(test_masked_readonly_absolute),
		cmocka_unit_test(test_weight_device_needs_a_weight),
		cmocka_unit_test(test_rdma_refused),
		cmocka_unit_test(test_listener_metadata_needs_path),
		cmocka_unit_test(test_cpu_lists),
		cmocka_unit_test(test_required_members),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
