#include <json-c/json.h>
#include <seccomp.h>
#include <stdio.h>

#include "cmd/cli.h"
#include "oci/spec.h"
#include "util/macros.h"

static json_object *arr(const char *const *v, size_t n)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

#define ARR(...) \
	({ \
		static const char *const _v[] = { __VA_ARGS__ }; \
		arr(_v, ARRAY_SIZE(_v)); \
	})

int cmd_features(struct globals *g, int argc, char **argv)
{
	const struct cmd_help h = { "features", "Print what this runtime supports (runtime-spec features.md JSON).", NULL };
	int r = cli_parse(argc, argv, NULL, 0, &h, false, NULL, NULL);
	(void)g;
	if (r)
		return r > 0 ? 0 : EXIT_USAGE;

	json_object *o = json_object_new_object();
	json_object_object_add(o, "ociVersionMin", json_object_new_string("1.0.0"));
	json_object_object_add(o, "ociVersionMax", json_object_new_string(OCI_SPEC_VERSION));
	json_object_object_add(o, "hooks", ARR("prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"));
	json_object_object_add(o, "mountOptions",
			       ARR("async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec", "lazytime", "mand",
				   "noatime", "nodev", "nodiratime", "noexec", "nomand", "norelatime", "nostrictatime", "nosuid",
				   "nosymfollow", "private", "rbind", "ratime", "rdev", "rdiratime", "relatime", "rexec",
				   "rnoatime", "rnodev", "rnodiratime", "rnoexec", "rnorelatime", "rnostrictatime", "rnosuid",
				   "rnosymfollow", "ro", "rprivate", "rrelatime", "rro", "rrw", "rshared", "rslave",
				   "rstrictatime", "rsuid", "rsymfollow", "runbindable", "rw", "shared", "silent", "slave",
				   "strictatime", "suid", "symfollow", "sync", "tmpcopyup", "unbindable"));
	json_object *lnx = json_object_new_object();
	json_object_object_add(lnx, "namespaces", ARR("cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"));
	json_object *caps = json_object_new_array();
	for (int c = 0; c <= cap_last_known(); c++)
		json_object_array_add(caps, json_object_new_string(cap_to_name(c)));
	json_object_object_add(lnx, "capabilities", caps);
	json_object *cg = json_object_new_object();
	json_object_object_add(cg, "v1", json_object_new_boolean(1));
	json_object_object_add(cg, "v2", json_object_new_boolean(1));
	json_object_object_add(cg, "systemd", json_object_new_boolean(0));
	json_object_object_add(cg, "systemdUser", json_object_new_boolean(0));
	json_object_object_add(cg, "rdma", json_object_new_boolean(0));
	json_object_object_add(lnx, "cgroup", cg);
	json_object *sc = json_object_new_object();
	json_object_object_add(sc, "enabled", json_object_new_boolean(1));
	json_object_object_add(sc, "actions", ARR("SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
						   "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE",
						   "SCMP_ACT_TRAP"));
	json_object_object_add(sc, "operators", ARR("SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT",
						     "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"));
	json_object_object_add(sc, "archs", ARR("SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32"));
	json_object_object_add(sc, "knownFlags", ARR("SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
						      "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"));
	json_object_object_add(sc, "supportedFlags", ARR("SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
							  "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"));
	json_object_object_add(lnx, "seccomp", sc);
	json_object *off = json_object_new_object();
	json_object_object_add(off, "enabled", json_object_new_boolean(0));
	json_object_object_add(lnx, "apparmor", json_object_get(off));
	json_object_object_add(lnx, "selinux", json_object_get(off));
	json_object_object_add(lnx, "intelRdt", json_object_get(off));
	json_object *me = json_object_new_object();
	json_object_object_add(me, "idmap", json_object_get(off));
	json_object_object_add(lnx, "mountExtensions", me);
	json_object_put(off);
	json_object_object_add(o, "linux", lnx);
	json_object *ann = json_object_new_object();
	const struct scmp_version *v = seccomp_version();
	char ver[32];
	snprintf(ver, sizeof(ver), "%u.%u.%u", v->major, v->minor, v->micro);
	json_object_object_add(ann, "io.github.seccomp.libseccomp.version", json_object_new_string(ver));
	json_object_object_add(ann, "org.opencontainers.runc.checkpoint.enabled", json_object_new_string("false"));
	json_object_object_add(ann, "dev.stockade.version", json_object_new_string(STOCKADE_VERSION));
	json_object_object_add(o, "annotations", ann);
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return 0;
}
