/*
 * The rule catalogue: one table.  IDs never change meaning once released;
 * new rules get new IDs.  docs/rules.md is written from this table.
 * Fix hints are per input kind: [WL_OCI], [WL_DOCKERFILE], [WL_COMPOSE],
 * [WL_K8S], [WL_DOCKER_RUN], [WL_PROC] (scan: how to restart it fixed).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules/rules.h"
#include "util/macros.h"

const char *const severity_names[SEV__MAX] = { "info", "low", "medium", "high", "critical" };
const char *const level_names[4] = { "privileged", "baseline", "restricted", "host" };

int severity_from_name(const char *s)
{
	for (int i = 0; i < SEV__MAX; i++)
		if (s && strcasecmp(s, severity_names[i]) == 0)
			return i;
	return -1;
}

int level_from_name(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (s && strcasecmp(s, level_names[i]) == 0)
			return i;
	return -1;
}

#define FIX(oci, df, compose, k8s, run, proc) { [WL_OCI] = oci, [WL_DOCKERFILE] = df, [WL_COMPOSE] = compose, [WL_K8S] = k8s, [WL_DOCKER_RUN] = run, [WL_PROC] = proc }

const struct rule rule_table[] = {
	{ "STK000", "parse-error", SEV_HIGH, LEVEL_PRIVILEGED, 0,
	  "the input (or part of it) could not be read",
	  "what cannot be read cannot be checked; the rest of the file still is",
	  FIX("fix the JSON at the path named", "fix the instruction named; the rest of the file was still checked",
	      "fix the YAML at the line named", "fix the YAML at the line named", "fix the command line", NULL),
	  NULL },
	{ "STK001", "unexplained-suppression", SEV_INFO, LEVEL_PRIVILEGED, 0,
	  "a stockade:ignore comment or annotation gives no reason",
	  "a suppression nobody can explain outlives the reason it was added",
	  FIX(NULL, "write the reason after the rule IDs: `# stockade:ignore STK101 runs as root to bind :80, dropped by the entrypoint`",
	      "write the reason after the rule IDs: `# stockade:ignore STK101 <why>`",
	      "write the reason after the rule IDs in the comment, or document it next to the stockade.io/ignore annotation",
	      "write the reason after the rule IDs: `# stockade:ignore STK101 <why>`", NULL),
	  NULL },
	{ "STK101", "root-user", SEV_HIGH, LEVEL_RESTRICTED, 0,
	  "the process runs as uid 0",
	  "root in a container is root on the host's kernel: any kernel bug, writable host mount or runtime escape "
	  "(CVE-2019-5736) becomes host root",
	  FIX("set process.user.uid (and gid) to a non-zero id, or add a user namespace that maps 0 to an unprivileged host uid",
	      "add `USER 10001:10001` (a numeric uid that owns nothing it should not write) to the final stage",
	      "set `user: \"10001:10001\"` on the service",
	      "set securityContext.runAsNonRoot: true and runAsUser: 10001 (pod or container level)",
	      "add `--user 10001:10001`",
	      "restart the container with a non-root user (docker --user, k8s runAsUser)"),
	  "policy: `user: {min_uid: 0}` or `rules: {STK101: off}`, or an exemption for this workload" },
	{ "STK102", "privileged", SEV_CRITICAL, LEVEL_BASELINE, RULE_UNFIXABLE,
	  "the container runs privileged",
	  "a privileged container has every capability, every device and no seccomp filter: mounting the host's disk is one command",
	  FIX("drop the capability sets to what the process needs, add linux.seccomp and remove the `a *:* rwm` device rule",
	      NULL, "remove `privileged: true`; add the one capability or device the service needs instead",
	      "remove securityContext.privileged: true; add only the capability the container needs",
	      "remove `--privileged`; use `--cap-add` or `--device` for the one thing it needs",
	      "restart the container without --privileged"),
	  "policy: `level: privileged`, or an exemption with `level: privileged` for this workload" },
	{ "STK103", "privilege-escalation", SEV_MEDIUM, LEVEL_RESTRICTED, 0,
	  "no_new_privs is not set: setuid binaries and file capabilities can raise privileges",
	  "a setuid-root binary in the image (su, mount, ping) or one dropped in at runtime turns a foothold into root",
	  FIX("set process.noNewPrivileges: true", NULL,
	      "add `security_opt: [\"no-new-privileges:true\"]`",
	      "set securityContext.allowPrivilegeEscalation: false",
	      "add `--security-opt no-new-privileges`",
	      "restart the container with no-new-privileges"),
	  "policy: `rules: {STK103: off}`" },
	{ "STK201", "caps-not-dropped", SEV_HIGH, LEVEL_RESTRICTED, 0,
	  "the capability set is not reduced to an explicit allowlist",
	  "the engine's default capabilities (CHOWN, DAC_OVERRIDE, SETUID, NET_RAW, ...) give root in the container "
	  "the tools for most escapes and for spoofing traffic on the host's network",
	  FIX("empty process.capabilities (bounding, effective, permitted, inheritable, ambient) except the allowlist",
	      NULL, "add `cap_drop: [ALL]` and `cap_add` only what the service needs (NET_BIND_SERVICE)",
	      "set securityContext.capabilities.drop: [\"ALL\"] and add only what the container needs",
	      "add `--cap-drop=ALL` (and `--cap-add=NET_BIND_SERVICE` if it binds a port below 1024)",
	      "restart the container with all capabilities dropped"),
	  "policy: `capabilities: {allow: [...]}` lists what may be kept" },
	{ "STK202", "dangerous-capability", SEV_CRITICAL, LEVEL_BASELINE, RULE_UNFIXABLE,
	  "a capability that breaks isolation is added (SYS_ADMIN, SYS_MODULE, SYS_PTRACE, NET_ADMIN, BPF, ALL, ...)",
	  "SYS_ADMIN mounts and escapes through cgroups release_agent, SYS_MODULE loads kernel code, SYS_PTRACE reads other "
	  "processes, DAC_READ_SEARCH opens any host file by handle (shocker)",
	  FIX("remove it from process.capabilities", NULL, "remove it from cap_add", "remove it from capabilities.add",
	      "remove the --cap-add", "restart the container without it"),
	  "policy: `rules: {STK202: off}` or an exemption for this workload" },
	{ "STK203", "capability-beyond-allowlist", SEV_MEDIUM, LEVEL_RESTRICTED, 0,
	  "a capability outside the policy's allowlist is added",
	  "every capability is kernel attack surface the workload may not need",
	  FIX("remove it from process.capabilities", NULL, "remove it from cap_add", "remove it from capabilities.add",
	      "remove the --cap-add", "restart the container without it"),
	  "policy: add it to `capabilities: {allow: [...]}`" },
	{ "STK204", "seccomp-disabled", SEV_HIGH, LEVEL_BASELINE, 0,
	  "no seccomp filter",
	  "without a filter every syscall reaches the kernel, including the rarely used ones most kernel escapes go through",
	  FIX("add linux.seccomp (`stockade spec` writes a default one)", NULL,
	      "remove `seccomp:unconfined` from security_opt",
	      "set securityContext.seccompProfile.type: RuntimeDefault (pod or container level)",
	      "remove `--security-opt seccomp=unconfined`",
	      "restart the container with the engine's default seccomp profile"),
	  "policy: `rules: {STK204: off}`" },
	{ "STK205", "host-namespace", SEV_HIGH, LEVEL_BASELINE, RULE_UNFIXABLE,
	  "a host namespace is shared (network, PID, IPC, UTS, mount)",
	  "the host's PID namespace shows and signals every host process; its network namespace reaches services bound "
	  "to localhost; its IPC namespace reads shared memory",
	  FIX("add the namespace to linux.namespaces without a path", NULL,
	      "remove `network_mode: host` / `pid: host` / `ipc: host` / `uts: host`",
	      "remove hostNetwork / hostPID / hostIPC", "remove `--network host` / `--pid host` / `--ipc host` / `--uts host`",
	      "restart the container in its own namespaces"),
	  "policy: an exemption for this workload (`rules: [STK205]`)" },
	{ "STK206", "host-device", SEV_HIGH, LEVEL_BASELINE, RULE_UNFIXABLE,
	  "host devices are passed in",
	  "a raw disk or /dev/mem in a container bypasses every file permission on the host",
	  FIX("remove linux.devices entries and device cgroup rules that allow `a *:* rwm`", NULL, "remove `devices:`",
	      "remove the hostPath volume of a device", "remove `--device`", "restart the container without the device"),
	  "policy: an exemption for this workload (`rules: [STK206]`)" },
	{ "STK301", "writable-rootfs", SEV_MEDIUM, LEVEL_RESTRICTED, 0,
	  "the root filesystem is writable",
	  "a writable root lets an intruder replace binaries and libraries the application will run next, and persist",
	  FIX("set root.readonly: true and mount a tmpfs where the process writes", NULL,
	      "set `read_only: true` and add `tmpfs: [\"/tmp:rw,noexec,nosuid,nodev\"]`",
	      "set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where it writes",
	      "add `--read-only --tmpfs /tmp:rw,noexec,nosuid,nodev`",
	      "restart the container with a read-only root"),
	  "policy: `rules: {STK301: off}`" },
	{ "STK302", "tmp-exec", SEV_MEDIUM, LEVEL_RESTRICTED, 0,
	  "a writable tmpfs lacks noexec,nosuid,nodev (Docker and compose add all three to a tmpfs unless told "
	  "`exec`/`suid`/`dev`; podman adds only nosuid,nodev; an OCI config has what it says)",
	  "a writable, executable scratch directory is where downloaded tools and exploits run from",
	  FIX("add \"noexec\", \"nosuid\", \"nodev\" to the tmpfs mount's options", NULL,
	      "remove `exec` (and `suid`, `dev`) from the tmpfs options: `tmpfs: [\"/tmp:rw,noexec,nosuid,nodev\"]`",
	      "an emptyDir cannot be noexec: keep the root read-only and write only data there",
	      "write the options out (podman does not add noexec): `--tmpfs /tmp:rw,noexec,nosuid,nodev`",
	      "restart the container with noexec,nosuid,nodev on its tmpfs mounts"),
	  "policy: `rules: {STK302: off}`" },
	{ "STK303", "engine-socket-mount", SEV_CRITICAL, LEVEL_BASELINE, RULE_UNFIXABLE | RULE_REFUSE_ALWAYS,
	  "a container engine's API socket (or a directory holding it) is mounted in",
	  "whoever can talk to the Docker/containerd/podman socket can start a privileged container: it is root on the host",
	  FIX("remove the bind mount of the socket (or of /run, /var/run)", NULL, "remove the socket volume",
	      "remove the hostPath volume of the socket", "remove the `-v /var/run/docker.sock:...`",
	      "restart the container without the socket"),
	  "policy: an exemption for this workload (`rules: [STK303]`); no mode lets it through otherwise" },
	{ "STK304", "sensitive-host-mount", SEV_HIGH, LEVEL_BASELINE, RULE_UNFIXABLE,
	  "a sensitive host path is mounted, or a host path is mounted writable",
	  "/etc, /proc, /sys, /root, /var/lib/docker or the host's / let the container read secrets or change the host",
	  FIX("remove the bind mount, or mount a dedicated directory read-only (options: [\"ro\"])", NULL,
	      "mount a named volume or a dedicated directory, read-only (`:ro`)",
	      "use an emptyDir, configMap or persistentVolumeClaim instead of hostPath; readOnly: true",
	      "mount a dedicated directory read-only: `-v /srv/app:/data:ro`",
	      "restart the container without the host mount"),
	  "policy: `mounts: {allow: [\"/srv/app/*\"]}`" },
	{ "STK305", "proc-unmasked", SEV_HIGH, LEVEL_BASELINE, 0,
	  "/proc masking is turned off",
	  "unmasked /proc exposes host kernel interfaces (kcore, sysrq-trigger, timer_list) the container must not reach",
	  FIX("restore linux.maskedPaths and linux.readonlyPaths (`stockade spec` writes them)", NULL,
	      "remove `systempaths=unconfined` from security_opt", "remove procMount: Unmasked",
	      "remove `--security-opt systempaths=unconfined`", "restart the container with masked paths"),
	  "policy: `rules: {STK305: off}`" },
	{ "STK401", "port-all-interfaces", SEV_MEDIUM, LEVEL_RESTRICTED, RULE_UNFIXABLE,
	  "a port is published on every interface",
	  "publishing on 0.0.0.0 exposes the service to every network the host is on, often past the host firewall "
	  "(Docker's iptables rules bypass ufw)",
	  FIX("publish on 127.0.0.1 (the engine's port annotation)", NULL, "write `\"127.0.0.1:8080:80\"` (or host_ip: 127.0.0.1)",
	      "remove hostPort; expose the pod through a Service", "write `-p 127.0.0.1:8080:80`",
	      "restart the container with the port bound to 127.0.0.1"),
	  "policy: `rules: {STK401: off}`" },
	{ "STK402", "networkpolicy-missing", SEV_MEDIUM, LEVEL_RESTRICTED, RULE_CLUSTER,
	  "a namespace holds workloads but no default-deny ingress NetworkPolicy",
	  "without a default deny every pod in the cluster can reach every other: one compromised pod reaches them all",
	  FIX(NULL, NULL, NULL,
	      "add a NetworkPolicy with `podSelector: {}`, `policyTypes: [Ingress]` and no ingress rules to the namespace",
	      NULL, NULL),
	  "policy: `rules: {STK402: off}`" },
	{ "STK403", "networkpolicy-open", SEV_MEDIUM, LEVEL_RESTRICTED, RULE_CLUSTER,
	  "a NetworkPolicy admits every source or every port",
	  "an allow-all rule silently undoes the default deny",
	  FIX(NULL, NULL, NULL, "name the sources (podSelector / namespaceSelector with labels) and the ports", NULL, NULL),
	  "policy: `rules: {STK403: off}`" },
	{ "STK404", "workload-not-isolated", SEV_LOW, LEVEL_RESTRICTED, RULE_CLUSTER,
	  "a workload is selected by no NetworkPolicy that isolates its ingress (an Egress-only policy does not)",
	  "an unselected pod accepts traffic from everywhere",
	  FIX(NULL, NULL, NULL, "add a NetworkPolicy whose podSelector matches the workload's labels", NULL, NULL),
	  "policy: `rules: {STK404: off}`" },
	{ "STK501", "image-not-pinned", SEV_MEDIUM, LEVEL_RESTRICTED, RULE_UNFIXABLE,
	  "an image reference has no @sha256: digest",
	  "a tag can be moved: the image that runs tomorrow may not be the one that was reviewed (or it may be an attacker's push)",
	  FIX("run the image by digest (name@sha256:...)", "pin the base image: `FROM debian:12@sha256:...`",
	      "pin the image: `image: nginx:1.27@sha256:...`", "pin the image: `image: nginx:1.27@sha256:...`",
	      "pin the image: `nginx:1.27@sha256:...`", "redeploy by digest"),
	  "policy: `rules: {STK501: off}` or `images: {require_digest: false}`" },
	{ "STK502", "image-latest", SEV_HIGH, LEVEL_BASELINE, RULE_UNFIXABLE,
	  "the image tag is `latest` or missing",
	  "`latest` changes under you: builds and deployments stop being reproducible and reviewable",
	  FIX("use a versioned tag pinned by digest", "use a versioned tag: `FROM debian:12.7@sha256:...`",
	      "use a versioned tag: `image: nginx:1.27@sha256:...`", "use a versioned tag: `image: nginx:1.27@sha256:...`",
	      "use a versioned tag: `nginx:1.27@sha256:...`", "redeploy with a versioned tag"),
	  "policy: `rules: {STK502: off}`" },
	{ "STK503", "remote-script-exec", SEV_HIGH, LEVEL_RESTRICTED, RULE_BUILD,
	  "a downloaded script is piped into a shell",
	  "whatever the server (or anyone between) sends is executed as root in the build",
	  FIX(NULL, "download to a file, verify its sha256 (`echo \"<sum>  f\" | sha256sum -c`), then run it", NULL, NULL, NULL, NULL),
	  "policy: `rules: {STK503: off}`" },
	{ "STK504", "add-instead-of-copy", SEV_LOW, LEVEL_RESTRICTED, RULE_BUILD,
	  "ADD of a URL or of a local file where COPY would do",
	  "ADD fetches URLs without verification and unpacks archives implicitly",
	  FIX(NULL, "use COPY for local files; for URLs, RUN curl with a checksum check (or ADD --checksum=sha256:...)", NULL, NULL,
	      NULL, NULL),
	  "policy: `rules: {STK504: off}`" },
	{ "STK505", "insecure-download", SEV_HIGH, LEVEL_BASELINE, RULE_BUILD,
	  "TLS verification is switched off for a download",
	  "without TLS verification anyone on the path can replace what is downloaded",
	  FIX(NULL, "remove -k/--insecure/--no-check-certificate/--trusted-host and fix the CA bundle instead", NULL, NULL, NULL,
	      NULL),
	  "policy: `rules: {STK505: off}`" },
	{ "STK506", "sudo-in-build", SEV_MEDIUM, LEVEL_RESTRICTED, RULE_BUILD,
	  "sudo is used in a RUN instruction",
	  "sudo in an image means a setuid-root binary and a sudoers file shipped to production",
	  FIX(NULL, "RUN as root before the final USER instruction instead of sudo", NULL, NULL, NULL, NULL),
	  "policy: `rules: {STK506: off}`" },
	{ "STK507", "registry-not-allowed", SEV_HIGH, LEVEL_BASELINE, RULE_UNFIXABLE,
	  "the image comes from a registry the policy does not allow (only when the policy lists registries)",
	  "images from anywhere run code from anyone",
	  FIX("run an image from an allowed registry", "build FROM an allowed registry", "use an image from an allowed registry",
	      "use an image from an allowed registry", "use an image from an allowed registry", NULL),
	  "policy: add the registry to `images: {registries: [...]}`" },
	{ "STK601", "secret-in-env", SEV_HIGH, LEVEL_BASELINE, RULE_UNFIXABLE,
	  "a secret-looking literal is set in the environment",
	  "the environment is readable by every process of the container, shows in `docker inspect`, crash dumps and logs, "
	  "and is baked into image layers",
	  FIX("pass the secret as a file (a read-only bind mount or tmpfs) and point the variable at the file",
	      "remove the ENV/ARG; use `RUN --mount=type=secret,id=...` at build time and a secret file at run time",
	      "use `secrets:` (mounted at /run/secrets/NAME) instead of environment",
	      "mount the Secret as a volume instead of an env value",
	      "use `--secret`/a read-only mounted file instead of `-e`",
	      "restart the container with the secret in a file; rotate the exposed secret"),
	  "policy: `rules: {STK601: off}`" },
	{ "STK602", "secret-as-env-ref", SEV_LOW, LEVEL_RESTRICTED, 0,
	  "a secret store value is exposed as an environment variable",
	  "environment variables leak into child processes, logs and crash reports; files do not",
	  FIX(NULL, NULL, "mount the secret with `secrets:` instead of env_file", "mount the Secret as a volume instead of secretKeyRef/envFrom",
	      "mount the secret as a file instead of --env-file", NULL),
	  "policy: `rules: {STK602: off}`" },
	{ "STK603", "secret-in-image", SEV_HIGH, LEVEL_BASELINE, RULE_BUILD,
	  "key material is copied into the image",
	  "anything copied into a layer stays in the image forever, even if a later layer deletes it",
	  FIX(NULL, "do not COPY keys, .env or credentials; use `RUN --mount=type=secret` and .dockerignore", NULL, NULL, NULL, NULL),
	  "policy: `rules: {STK603: off}`" },
	{ "STK701", "no-memory-limit", SEV_LOW, LEVEL_RESTRICTED, 0,
	  "no memory limit",
	  "one leaking or hostile container can push the whole host into the OOM killer",
	  FIX("set linux.resources.memory.limit", NULL, "set `mem_limit` or `deploy.resources.limits.memory`",
	      "set resources.limits.memory", "add `--memory 512m`", "restart the container with a memory limit"),
	  "policy: `rules: {STK701: off}`" },
	{ "STK702", "no-pids-limit", SEV_LOW, LEVEL_RESTRICTED, 0,
	  "no PIDs limit",
	  "a fork bomb in one container exhausts the host's process table",
	  FIX("set linux.resources.pids.limit", NULL, "set `pids_limit` or `deploy.resources.limits.pids`",
	      "set the kubelet's podPidsLimit (no per-container field)", "add `--pids-limit 256`",
	      "restart the container with a pids limit"),
	  "policy: `rules: {STK702: off}`" },
	{ "STK703", "no-cpu-limit", SEV_INFO, LEVEL_RESTRICTED, 0,
	  "no CPU limit",
	  "one busy container can starve the others",
	  FIX("set linux.resources.cpu.quota and period", NULL, "set `cpus` or `deploy.resources.limits.cpus`",
	      "set resources.limits.cpu", "add `--cpus 1`", "restart the container with a CPU limit"),
	  "policy: `rules: {STK703: off}`" },
	{ "STK801", "shared-kernel-host", SEV_HIGH, LEVEL_HOST, 0,
	  "the host is itself a container or a container-based VPS: its kernel is shared with strangers",
	  "on OpenVZ/Virtuozzo/LXC every tenant shares one kernel; a kernel bug anywhere reaches every container here",
	  FIX(NULL, NULL, NULL, NULL, NULL, "move to a KVM/Xen/VMware/Hyper-V virtual machine or bare metal"), NULL },
	{ "STK802", "vulnerable-runtime", SEV_CRITICAL, LEVEL_HOST, 0,
	  "a container runtime on the host has a known escape CVE",
	  "a container can overwrite or escape through the runtime itself (CVE-2019-5736, CVE-2024-21626)",
	  FIX(NULL, NULL, NULL, NULL, NULL, "upgrade the runtime (apt-get install --only-upgrade runc containerd)"), NULL },
	{ "STK803", "daemon-api-exposed", SEV_CRITICAL, LEVEL_HOST, 0,
	  "a container engine API listens on TCP without TLS client auth, or its socket is world-writable",
	  "the engine API is root on the host for whoever reaches it",
	  FIX(NULL, NULL, NULL, NULL, NULL, "listen on the UNIX socket only (mode 0660, group docker), or require --tlsverify"), NULL },
	{ "STK804", "daemon-defaults-weak", SEV_MEDIUM, LEVEL_HOST, 0,
	  "the Docker daemon runs without no-new-privileges or userns-remap, with icc on, or without live-restore",
	  "the daemon's defaults apply to every container that does not override them",
	  FIX(NULL, NULL, NULL, NULL, NULL,
	      "set in /etc/docker/daemon.json: \"no-new-privileges\": true, \"userns-remap\": \"default\", \"icc\": false, \"live-restore\": true"),
	  NULL },
};
const size_t rule_count = ARRAY_SIZE(rule_table);

/* "STK" + three digits -> the rule: a table indexed by the number, built once
 * (rules ask for rules by ID on every check of every container). */
static const struct rule *by_number[1000];
static pthread_once_t by_number_once = PTHREAD_ONCE_INIT;

static void index_rules(void)
{
	for (size_t i = 0; i < rule_count; i++)
		by_number[atoi(rule_table[i].id + 3)] = &rule_table[i];
}

const struct rule *rule_find(const char *id)
{
	if (!id || strncasecmp(id, "STK", 3) != 0)
		return NULL;
	int n = 0;
	for (int i = 3; i < 6; i++) {
		if (id[i] < '0' || id[i] > '9')
			return NULL;
		n = n * 10 + (id[i] - '0');
	}
	if (id[6] != '\0')
		return NULL;
	pthread_once(&by_number_once, index_rules);
	return by_number[n];
}

size_t rule_index(const struct rule *r)
{
	return (size_t)(r - rule_table);
}
