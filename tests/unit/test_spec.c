/* config.json parsing: what is accepted, and what each refusal says. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <linux/mount.h>
#include <string.h>
#include <sys/mount.h>

#include "oci/spec.h"
#include "util/err.h"

#define MIN_HEAD "{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"rootfs\"}, "
#define MIN_PROC "\"process\": {\"cwd\": \"/\", \"args\": [\"sh\"]}"

static struct oci_spec *parse_ok(const char *json)
{
	struct oci_spec *s = NULL;
	int r = oci_spec_parse(json, strlen(json), "config.json", "/b", &s);
	if (r < 0)
		fail_msg("unexpected error: %s", err_msg());
	return s;
}

/* Parse must fail; every needle must appear in the message. */
static void parse_err(const char *json, const char *needle1, const char *needle2)
{
	struct oci_spec *s = NULL;
	err_clear();
	int r = oci_spec_parse(json, strlen(json), "config.json", "/b", &s);
	assert_true(r < 0);
	assert_null(s);
	const char *m = err_msg();
	if (!strstr(m, "config.json"))
		fail_msg("message does not name the file: %s", m);
	if (needle1 && !strstr(m, needle1))
		fail_msg("message lacks \"%s\": %s", needle1, m);
	if (needle2 && !strstr(m, needle2))
		fail_msg("message lacks \"%s\": %s", needle2, m);
}

static void test_minimal(void **st)
{
	(void)st;
	struct oci_spec *s = parse_ok(MIN_HEAD MIN_PROC "}");
	assert_string_equal(s->root_path, "/b/rootfs");
	assert_string_equal(s->process.args[0], "sh");
	assert_int_equal(s->process.user.uid, 0);
	assert_false(s->process.has_caps);
	assert_null(s->linux_.seccomp);
	assert_int_equal(s->linux_.resources.mem_limit, OPT_UNSET);
	oci_spec_free(s);
}

static void test_syntax_error_has_line_and_column(void **st)
{
	(void)st;
	parse_err("{\n  \"ociVersion\": \"1.0.0\",\n  \"root\": {,}\n}", "config.json:3:", "not valid JSON");
	parse_err("", "empty", NULL);
	parse_err("{} trailing", "not valid JSON", NULL);
	parse_err("[1]", "expected a JSON object", NULL);
}

static void test_type_errors_name_the_path(void **st)
{
	(void)st;
	parse_err(MIN_HEAD "\"process\": {\"cwd\": \"/\", \"args\": [\"sh\", 3]}}", "process.args[1]", "expected a string, found the number 3");
	parse_err(MIN_HEAD MIN_PROC ", \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"netw\"}]}}",
		  "linux.namespaces[1].type", "one of pid, network");
	parse_err(MIN_HEAD "\"process\": {\"cwd\": \"relative\", \"args\": [\"sh\"]}}", "process.cwd", "absolute");
	parse_err(MIN_HEAD "\"process\": {\"cwd\": \"/\", \"args\": [\"sh\"], \"user\": {\"uid\": -1}}}", "process.user.uid",
		  "non-negative");
	parse_err(MIN_HEAD "\"process\": {\"cwd\": \"/\", \"args\": [\"sh\"], \"user\": {\"uid\": 4294967296}}}",
		  "process.user.uid", "4294967295");
	parse_err(MIN_HEAD MIN_PROC ", \"linux\": {\"resources\": {\"memory\": {\"limit\": \"1g\"}}}}",
		  "linux.resources.memory.limit", "expected an integer");
}

static void test_missing_required(void **st)
{
	(void)st;
	parse_err("{\"root\": {\"path\": \"r\"}}", "ociVersion", "missing");
	parse_err("{\"ociVersion\": \"2.0.0\", \"root\": {\"path\": \"r\"}}", "ociVersion", "1.x");
	parse_err("{\"ociVersion\": \"1.0.0\"}", "\"root\" is missing", NULL);
	parse_err(MIN_HEAD "\"process\": {\"args\": [\"sh\"]}}", "\"cwd\" is missing", NULL);
	parse_err(MIN_HEAD "\"process\": {\"cwd\": \"/\", \"args\": []}}", "args", "empty");
	parse_err(MIN_HEAD MIN_PROC ", \"mounts\": [{\"type\": \"tmpfs\"}]}", "mounts[0]", "destination");
	parse_err(MIN_HEAD MIN_PROC ", \"mounts\": [{\"destination\": \"/x\", \"source\": \"/y\"}]}", "mounts[0]", "bind");
}

static void test_capabilities(void **st)
{
	(void)st;
	struct oci_spec *s = parse_ok(MIN_HEAD "\"process\": {\"cwd\": \"/\", \"args\": [\"sh\"], \"capabilities\": "
				      "{\"bounding\": [\"CAP_NET_BIND_SERVICE\", \"CAP_CHOWN\"], \"effective\": []}}}");
	assert_true(s->process.has_caps);
	assert_int_equal(s->process.caps.bounding, (1ULL << 10) | 1ULL);
	assert_int_equal(s->process.caps.effective, 0);
	oci_spec_free(s);
	parse_err(MIN_HEAD "\"process\": {\"cwd\": \"/\", \"args\": [\"sh\"], \"capabilities\": {\"bounding\": [\"CAP_FLY\"]}}}",
		  "process.capabilities.bounding[0]", "unknown capability \"CAP_FLY\"");
	/* the spec names capabilities with their CAP_ prefix */
	parse_err(MIN_HEAD "\"process\": {\"cwd\": \"/\", \"args\": [\"sh\"], \"capabilities\": {\"bounding\": [\"CHOWN\"]}}}",
		  "unknown capability", NULL);
}

static void test_rlimits(void **st)
{
	(void)st;
	struct oci_spec *s = parse_ok(MIN_HEAD "\"process\": {\"cwd\": \"/\", \"args\": [\"sh\"], \"rlimits\": "
				      "[{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1024, \"hard\": 18446744073709551615}]}}");
	assert_int_equal(s->process.n_rlimits, 1);
	assert_true(s->process.rlimits[0].hard == UINT64_MAX);
	oci_spec_free(s);
	parse_err(MIN_HEAD "\"process\": {\"cwd\": \"/\", \"args\": [\"sh\"], \"rlimits\": [{\"type\": \"RLIMIT_NOPE\", "
		  "\"soft\": 1, \"hard\": 1}]}}", "process.rlimits[0].type", "unknown rlimit");
	parse_err(MIN_HEAD "\"process\": {\"cwd\": \"/\", \"args\": [\"sh\"], \"rlimits\": [{\"type\": \"RLIMIT_CORE\", "
		  "\"soft\": 2, \"hard\": 1}]}}", "process.rlimits[0]", "above hard");
	parse_err(MIN_HEAD "\"process\": {\"cwd\": \"/\", \"args\": [\"sh\"], \"rlimits\": [{\"type\": \"RLIMIT_CORE\", "
		  "\"soft\": 1, \"hard\": 1}, {\"type\": \"RLIMIT_CORE\", \"soft\": 1, \"hard\": 1}]}}",
		  "process.rlimits[1].type", "twice");
}

static void test_mount_options(void **st)
{
	(void)st;
	struct oci_spec *s = parse_ok(MIN_HEAD MIN_PROC ", \"mounts\": ["
				      "{\"destination\": \"/tmp\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", "
				      "\"options\": [\"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=64k\", \"rslave\"]},"
				      "{\"destination\": \"/data\", \"source\": \"data\", \"options\": [\"rbind\", \"rro\", \"rw\"]}]}");
	const struct oci_mount *t = &s->mounts[0];
	assert_int_equal(t->attr_set, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODEV);
	assert_string_equal(t->data, "mode=1777,size=64k");
	assert_int_equal(t->propagation, MS_SLAVE | MS_REC);
	const struct oci_mount *b = &s->mounts[1];
	assert_true(b->bind && b->rbind);
	assert_string_equal(b->source, "/b/data"); /* relative sources are relative to the bundle */
	assert_int_equal(b->rattr_set, MOUNT_ATTR_RDONLY);
	assert_int_equal(b->attr_clr & MOUNT_ATTR_RDONLY, MOUNT_ATTR_RDONLY);
	assert_string_equal(b->jpath, "mounts[1]");
	oci_spec_free(s);
}

static void test_namespaces_and_maps(void **st)
{
	(void)st;
	parse_err(MIN_HEAD MIN_PROC ", \"linux\": {\"namespaces\": [{\"type\": \"user\"}]}}", "uidMappings", "missing");
	parse_err(MIN_HEAD MIN_PROC ", \"linux\": {\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}],"
		  "\"gidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}]}}", "no new user namespace", NULL);
	parse_err(MIN_HEAD MIN_PROC ", \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"pid\"}]}}",
		  "linux.namespaces[1].type", "twice");
	parse_err(MIN_HEAD MIN_PROC ", \"hostname\": \"h\", \"linux\": {\"namespaces\": [{\"type\": \"pid\"}]}}",
		  "hostname", "UTS");
	struct oci_spec *s = parse_ok(MIN_HEAD MIN_PROC ", \"linux\": {\"namespaces\": [{\"type\": \"network\", \"path\": "
				      "\"/run/netns/x\"}, {\"type\": \"mount\"}]}}");
	assert_true(s->linux_.ns[NS_NET].present);
	assert_string_equal(s->linux_.ns[NS_NET].path, "/run/netns/x");
	assert_true(s->linux_.ns[NS_MNT].present && !s->linux_.ns[NS_MNT].path);
	assert_false(s->linux_.ns[NS_PID].present);
	oci_spec_free(s);
}

static void test_sysctl_must_be_namespaced(void **st)
{
	(void)st;
	parse_err(MIN_HEAD MIN_PROC ", \"linux\": {\"sysctl\": {\"kernel.panic\": \"1\"}}}", "kernel.panic", "not namespaced");
	parse_err(MIN_HEAD MIN_PROC ", \"linux\": {\"sysctl\": {\"net.ipv4.ip_forward\": \"1\"}}}", "network namespace", NULL);
	struct oci_spec *s = parse_ok(MIN_HEAD MIN_PROC ", \"linux\": {\"namespaces\": [{\"type\": \"network\"}], "
				      "\"sysctl\": {\"net.ipv4.ip_forward\": \"1\"}}}");
	assert_int_equal(s->linux_.n_sysctl, 1);
	oci_spec_free(s);
}

static void test_seccomp(void **st)
{
	(void)st;
	struct oci_spec *s = parse_ok(MIN_HEAD MIN_PROC ", \"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ERRNO\", "
				      "\"defaultErrnoRet\": 38, \"architectures\": [\"SCMP_ARCH_X86_64\"], \"flags\": "
				      "[\"SECCOMP_FILTER_FLAG_LOG\"], \"syscalls\": [{\"names\": [\"read\", \"write\"], "
				      "\"action\": \"SCMP_ACT_ALLOW\"}, {\"names\": [\"personality\"], \"action\": "
				      "\"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 18446744073709551615, \"op\": "
				      "\"SCMP_CMP_MASKED_EQ\", \"valueTwo\": 8}]}]}}}");
	const struct oci_seccomp *sc = s->linux_.seccomp;
	assert_non_null(sc);
	assert_true(sc->has_default_errno);
	assert_int_equal(sc->default_errno, 38);
	assert_int_equal(sc->n_rules, 2);
	assert_int_equal(sc->rules[1].args[0].value, UINT64_MAX);
	assert_int_equal(sc->rules[1].args[0].op, 7);
	assert_string_equal(sc->rules[1].jpath, "linux.seccomp.syscalls[1]");
	oci_spec_free(s);
	parse_err(MIN_HEAD MIN_PROC ", \"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_DENY\"}}}",
		  "linux.seccomp.defaultAction", "SCMP_ACT_ERRNO");
	parse_err(MIN_HEAD MIN_PROC ", \"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": "
		  "[{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 6, \"value\": 1, \"op\": "
		  "\"SCMP_CMP_EQ\"}]}]}}}", "linux.seccomp.syscalls[0].args[0].index", "0 to 5");
	parse_err(MIN_HEAD MIN_PROC ", \"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_NOTIFY\"}}}",
		  "listenerPath", NULL);
}

static void test_devices_and_cgroups(void **st)
{
	(void)st;
	struct oci_spec *s = parse_ok(MIN_HEAD MIN_PROC ", \"linux\": {\"devices\": [{\"path\": \"/dev/fuse\", \"type\": \"c\", "
				      "\"major\": 10, \"minor\": 229, \"fileMode\": 438}], \"resources\": {\"devices\": "
				      "[{\"allow\": false, \"access\": \"rwm\"}, {\"allow\": true, \"type\": \"c\", \"major\": 10, "
				      "\"minor\": 229, \"access\": \"rwm\"}], \"pids\": {\"limit\": 100}}}}");
	assert_int_equal(s->linux_.n_devices, 1);
	assert_int_equal(s->linux_.devices[0].file_mode, 0666);
	assert_int_equal(s->linux_.resources.n_devices, 2);
	assert_int_equal(s->linux_.resources.devices[0].type, 'a');
	assert_int_equal(s->linux_.resources.devices[0].major, -1);
	assert_int_equal(s->linux_.resources.devices[1].minor, 229);
	assert_int_equal(s->linux_.resources.pids_limit, 100);
	oci_spec_free(s);
	parse_err(MIN_HEAD MIN_PROC ", \"linux\": {\"devices\": [{\"path\": \"/etc/x\", \"type\": \"c\", \"major\": 1, "
		  "\"minor\": 3}]}}", "linux.devices[0].path", "/dev/");
	parse_err(MIN_HEAD MIN_PROC ", \"linux\": {\"resources\": {\"devices\": [{\"allow\": true, \"access\": \"rwx\"}]}}}",
		  "linux.resources.devices[0].access", "r, w and m");
	parse_err(MIN_HEAD MIN_PROC ", \"linux\": {\"cgroupsPath\": \"/a/../../b\"}}", "cgroupsPath", "..");
	parse_err(MIN_HEAD MIN_PROC ", \"linux\": {\"resources\": {\"unified\": {\"../x\": \"1\"}}}}", "unified", "interface file");
}

static void test_hooks(void **st)
{
	(void)st;
	struct oci_spec *s = parse_ok(MIN_HEAD MIN_PROC ", \"hooks\": {\"poststart\": [{\"path\": \"/bin/true\", "
				      "\"args\": [\"true\"], \"timeout\": 5}]}}");
	assert_int_equal(s->hooks.n[HOOK_POSTSTART], 1);
	assert_int_equal(s->hooks.list[HOOK_POSTSTART][0].timeout, 5);
	assert_string_equal(s->hooks.list[HOOK_POSTSTART][0].jpath, "hooks.poststart[0]");
	oci_spec_free(s);
	parse_err(MIN_HEAD MIN_PROC ", \"hooks\": {\"prestart\": [{\"path\": \"true\"}]}}", "hooks.prestart[0].path", "absolute");
	parse_err(MIN_HEAD MIN_PROC ", \"hooks\": {\"prestart\": [{\"path\": \"/bin/true\", \"timeout\": 0}]}}",
		  "hooks.prestart[0].timeout", NULL);
}

static void test_unknown_fields_ignored(void **st)
{
	(void)st;
	struct oci_spec *s = parse_ok(MIN_HEAD MIN_PROC ", \"windows\": {\"x\": 1}, \"linux\": {\"netDevices\": {}, "
				      "\"futureThing\": [1, 2]}, \"vm\": null}");
	oci_spec_free(s);
}

static void test_names(void **st)
{
	(void)st;
	assert_int_equal(signal_from_name("SIGKILL"), 9);
	assert_int_equal(signal_from_name("term"), 15);
	assert_int_equal(signal_from_name("10"), 10);
	assert_int_equal(signal_from_name("NOPE"), -1);
	assert_int_equal(signal_from_name("0"), -1);
	assert_true(signal_from_name("RTMIN+1") > 32);
	assert_int_equal(cap_from_name("CAP_SYS_ADMIN"), 21);
	assert_string_equal(cap_to_name(40), "CAP_CHECKPOINT_RESTORE");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_syntax_error_has_line_and_column),
		cmocka_unit_test(test_type_errors_name_the_path),
		cmocka_unit_test(test_missing_required),
		cmocka_unit_test(test_capabilities),
		cmocka_unit_test(test_rlimits),
		cmocka_unit_test(test_mount_options),
		cmocka_unit_test(test_namespaces_and_maps),
		cmocka_unit_test(test_sysctl_must_be_namespaced),
		cmocka_unit_test(test_seccomp),
		cmocka_unit_test(test_devices_and_cgroups),
		cmocka_unit_test(test_hooks),
		cmocka_unit_test(test_unknown_fields_ignored),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
