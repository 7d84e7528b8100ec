/*
 * The rules over the OCI frontend: for each rule, a config that fires it (at
 * the right JSON path) and one that does not.  The base config is the one
 * `stockade spec` writes, which must pass the restricted level.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <string.h>

#include "frontends/frontends.h"
#include "oci/default_spec.h"
#include "oci/spec.h"
#include "rules/rules.h"
#include "util/err.h"

static struct findings F;

static json_object *base(void)
{
	return default_spec_json(NULL, 0);
}

static json_object *get(json_object *o, const char *path)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", path);
	char *save = NULL;
	for (char *k = strtok_r(buf, ".", &save); k && o; k = strtok_r(NULL, ".", &save))
		if (!json_object_object_get_ex(o, k, &o))
			return NULL;
	return o;
}

static void set(json_object *root, const char *path, json_object *v)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", path);
	char *dot = strrchr(buf, '.');
	json_object *parent = root;
	if (dot) {
		*dot = '\0';
		parent = get(root, buf);
	}
	assert_non_null(parent);
	json_object_object_add(parent, dot ? dot + 1 : buf, v);
}

/* Evaluate a config; F holds the findings until the next call. */
static void eval_ctx(json_object *cfg, const struct rule_ctx *ctx)
{
	findings_free(&F);
	const char *js = json_object_to_json_string(cfg);
	struct workload *w = NULL;
	assert_int_equal(fe_oci(js, strlen(js), "config.json", &w), 0);
	assert_int_equal(w->n_errors, 0);
	assert_int_equal(rules_eval(w, ctx, &F), 0);
	workload_free(w);
	json_object_put(cfg);
}

static void eval(json_object *cfg)
{
	struct rule_ctx ctx;
	rule_ctx_default(&ctx);
	eval_ctx(cfg, &ctx);
}

static const struct finding *find(const char *id)
{
	for (size_t i = 0; i < F.n; i++)
		if (strcmp(F.v[i].rule->id, id) == 0)
			return &F.v[i];
	return NULL;
}

/* the finding of rule id; fails the test if there is none */
__attribute__((returns_nonnull)) static const struct finding *must(const char *id)
{
	const struct finding *f = find(id);
	if (!f)
		fail_msg("%s did not fire", id);
	return f ? f : &F.v[0];
}

static size_t count(const char *id)
{
	size_t n = 0;
	for (size_t i = 0; i < F.n; i++)
		n += strcmp(F.v[i].rule->id, id) == 0;
	return n;
}

/* some finding of rule id is at path (if given) and says msg_part (if given) */
static void fires(const char *id, const char *path, const char *msg_part)
{
	for (size_t i = 0; i < F.n; i++) {
		const struct finding *f = &F.v[i];
		if (strcmp(f->rule->id, id) != 0)
			continue;
		if (path && (!f->at.path || strcmp(f->at.path, path) != 0))
			continue;
		if (msg_part && !strstr(f->message, msg_part))
			continue;
		return;
	}
	for (size_t i = 0; i < F.n; i++)
		print_message("  have %s at %s: %s\n", F.v[i].rule->id, F.v[i].at.path ? F.v[i].at.path : "-", F.v[i].message);
	fail_msg("no %s at %s saying \"%s\"", id, path ? path : "(any)", msg_part ? msg_part : "");
}

static void quiet(const char *id)
{
	const struct finding *f = find(id);
	if (f)
		fail_msg("%s fired: %s", id, f->message);
}

static json_object *strs(int n, ...)
{
	va_list ap;
	va_start(ap, n);
	json_object *a = json_object_new_array();
	for (int i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(va_arg(ap, const char *)));
	va_end(ap);
	return a;
}

static json_object *mount(const char *dest, const char *type, const char *src, json_object *opts)
{
	json_object *m = json_object_new_object();
	json_object_object_add(m, "destination", json_object_new_string(dest));
	json_object_object_add(m, "type", json_object_new_string(type));
	json_object_object_add(m, "source", json_object_new_string(src));
	json_object_object_add(m, "options", opts);
	return m;
}

static json_object *with_mount(json_object *m)
{
	json_object *c = base();
	json_object_array_add(get(c, "mounts"), m);
	return c;
}

static void test_hardened_default_passes_restricted(void **st)
{
	(void)st;
	eval(base());
	for (size_t i = 0; i < F.n; i++)
		if (F.v[i].sev > SEV_INFO)
			fail_msg("the hardened default has %s: %s", F.v[i].rule->id, F.v[i].message);
	/* only the CPU limit (info) is left to the user */
	assert_int_equal(F.n, 1);
	fires("STK703", "linux.resources.cpu.quota", NULL);
}

static void test_stk101_root(void **st)
{
	(void)st;
	json_object *c = base();
	set(c, "process.user.uid", json_object_new_int(0));
	eval(c);
	fires("STK101", "process.user.uid", "uid 0");
	assert_int_equal(must("STK101")->sev, SEV_HIGH);

	/* root inside a user namespace mapped to an unprivileged host uid: low */
	c = base();
	set(c, "process.user.uid", json_object_new_int(0));
	json_object_array_add(get(c, "linux.namespaces"), json_tokener_parse("{\"type\": \"user\"}"));
	set(c, "linux.uidMappings", json_tokener_parse("[{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}]"));
	set(c, "linux.gidMappings", json_tokener_parse("[{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}]"));
	eval(c);
	fires("STK101", "process.user.uid", "user namespace");
	assert_int_equal(must("STK101")->sev, SEV_LOW);

	/* a policy floor above the uid */
	struct rule_ctx ctx;
	rule_ctx_default(&ctx);
	ctx.min_uid = 100000;
	eval_ctx(base(), &ctx);
	fires("STK101", "process.user.uid", "below the policy's minimum");
	eval(base());
	quiet("STK101");
}

static void test_stk102_privileged(void **st)
{
	(void)st;
	json_object *c = base();
	json_object *all = json_object_new_array();
	for (int i = 0; i <= cap_last_known(); i++)
		json_object_array_add(all, json_object_new_string(cap_to_name(i)));
	set(c, "process.capabilities.bounding", all);
	json_object_object_del(get(c, "linux"), "seccomp");
	set(c, "linux.resources.devices", json_tokener_parse("[{\"allow\": true, \"access\": \"rwm\"}]"));
	eval(c);
	fires("STK102", "process.capabilities.bounding", NULL);
	fires("STK202", "process.capabilities", "SYS_ADMIN");
	fires("STK206", "linux.resources.devices[0]", "every device");
	quiet("STK305");
	eval(base());
	quiet("STK102");
}

static void test_stk103_no_new_privs(void **st)
{
	(void)st;
	json_object *c = base();
	set(c, "process.noNewPrivileges", json_object_new_boolean(0));
	eval(c);
	fires("STK103", "process.noNewPrivileges", "switched off");
}

static void test_stk201_202_203_caps(void **st)
{
	(void)st;
	json_object *c = base();
	set(c, "process.capabilities.bounding", strs(3, "CAP_CHOWN", "CAP_NET_BIND_SERVICE", "CAP_SETUID"));
	eval(c);
	fires("STK201", "process.capabilities", "2 capabilities beyond the allowlist: CHOWN, SETUID");
	quiet("STK202");
	quiet("STK203"); /* an explicit OCI set is judged once, by STK201 */

	c = base();
	set(c, "process.capabilities.effective", strs(1, "CAP_NET_BIND_SERVICE"));
	set(c, "process.capabilities.bounding", strs(1, "CAP_NET_BIND_SERVICE"));
	eval(c);
	quiet("STK201");

	c = base();
	set(c, "process.capabilities.ambient", strs(1, "CAP_SYS_PTRACE"));
	eval(c);
	fires("STK202", "process.capabilities", "SYS_PTRACE");

	/* a wider allowlist */
	struct rule_ctx ctx;
	rule_ctx_default(&ctx);
	ctx.cap_allow |= 1ULL << cap_from_name("CAP_CHOWN");
	c = base();
	set(c, "process.capabilities.bounding", strs(1, "CAP_CHOWN"));
	eval_ctx(c, &ctx);
	quiet("STK201");
}

static void test_stk204_seccomp(void **st)
{
	(void)st;
	json_object *c = base();
	json_object_object_del(get(c, "linux"), "seccomp");
	eval(c);
	fires("STK204", "linux.seccomp", "no seccomp profile");

	/* a missing filter is a restricted-level finding; an unconfined one is baseline */
	struct rule_ctx ctx;
	rule_ctx_default(&ctx);
	ctx.level = LEVEL_BASELINE;
	c = base();
	json_object_object_del(get(c, "linux"), "seccomp");
	eval_ctx(c, &ctx);
	quiet("STK204");
	c = base();
	set(c, "linux.seccomp", json_tokener_parse("{\"defaultAction\": \"SCMP_ACT_ALLOW\"}"));
	eval_ctx(c, &ctx);
	fires("STK204", "linux.seccomp", "unconfined");
}

static void test_stk205_host_namespace(void **st)
{
	(void)st;
	json_object *c = base();
	set(c, "linux.namespaces", json_tokener_parse("[{\"type\": \"pid\"}, {\"type\": \"ipc\"}, {\"type\": \"uts\"}, {\"type\": \"mount\"}]"));
	eval(c);
	fires("STK205", "linux.namespaces", "network");
	assert_int_equal(count("STK205"), 1);

	c = base();
	set(c, "linux.namespaces",
	    json_tokener_parse("[{\"type\": \"pid\", \"path\": \"/proc/1/ns/pid\"}, {\"type\": \"network\"}, {\"type\": \"ipc\"}, "
			       "{\"type\": \"uts\"}, {\"type\": \"mount\"}]"));
	eval(c);
	fires("STK205", "linux.namespaces", "pid");
}

static void test_stk206_devices(void **st)
{
	(void)st;
	json_object *c = base();
	set(c, "linux.devices",
	    json_tokener_parse("[{\"path\": \"/dev/null\", \"type\": \"c\", \"major\": 1, \"minor\": 3}, "
			       "{\"path\": \"/dev/fuse\", \"type\": \"c\", \"major\": 10, \"minor\": 229}]"));
	eval(c);
	fires("STK206", "linux.devices[1]", "/dev/fuse");
	assert_int_equal(count("STK206"), 1);
	assert_string_equal(must("STK206")->at.file, "config.json");
}

static void test_stk301_302_filesystem(void **st)
{
	(void)st;
	json_object *c = base();
	set(c, "root.readonly", json_object_new_boolean(0));
	eval(c);
	fires("STK301", "root.readonly", NULL);

	eval(with_mount(mount("/scratch", "tmpfs", "tmpfs", strs(2, "nosuid", "nodev"))));
	fires("STK302", "mounts[8]", "tmpfs /scratch lacks noexec");
	eval(with_mount(mount("/scratch", "tmpfs", "tmpfs", strs(1, "ro"))));
	quiet("STK302");
	/* /dev is a tmpfs that must allow device nodes */
	eval(base());
	quiet("STK302");
}

static void test_stk303_engine_socket(void **st)
{
	(void)st;
	eval(with_mount(mount("/var/run/docker.sock", "bind", "/var/run/docker.sock", strs(2, "rbind", "ro"))));
	fires("STK303", "mounts[8]", "/var/run/docker.sock");
	quiet("STK304");
	eval(with_mount(mount("/host-run", "bind", "/run", strs(1, "rbind"))));
	fires("STK303", "mounts[8]", NULL);
	eval(with_mount(mount("/s", "bind", "/run/containerd/containerd.sock", strs(1, "bind"))));
	fires("STK303", NULL, NULL);
	eval(with_mount(mount("/s", "bind", "//var//run/./docker.sock", strs(1, "bind"))));
	fires("STK303", NULL, NULL);
}

static void test_stk304_host_mounts(void **st)
{
	(void)st;
	eval(with_mount(mount("/host-etc", "bind", "/etc", strs(2, "rbind", "ro"))));
	fires("STK304", "mounts[8]", "host path /etc");
	assert_int_equal(must("STK304")->sev, SEV_HIGH);
	eval(with_mount(mount("/data", "bind", "/srv/data", strs(1, "rbind"))));
	fires("STK304", "mounts[8]", "writable");
	assert_int_equal(must("STK304")->sev, SEV_MEDIUM);
	eval(with_mount(mount("/data", "bind", "/srv/data", strs(2, "rbind", "ro"))));
	quiet("STK304");

	struct rule_ctx ctx;
	rule_ctx_default(&ctx);
	const char *allow[] = { "/srv/*" };
	ctx.mount_allow = allow;
	ctx.n_mount_allow = 1;
	eval_ctx(with_mount(mount("/data", "bind", "/srv/data", strs(1, "rbind"))), &ctx);
	quiet("STK304");

	/* the engine's own per-container files and named volumes are not host paths the user chose */
	eval(with_mount(mount("/etc/hosts", "bind",
			      "/var/lib/docker/containers/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef/hosts",
			      strs(1, "rbind"))));
	quiet("STK304");
	eval(with_mount(mount("/data", "bind", "/var/lib/containers/storage/volumes/pgdata/_data", strs(1, "rbind"))));
	quiet("STK304");
	/* ... a host file mounted where an engine puts its own is still a host path */
	eval(with_mount(mount("/etc/hosts", "bind", "/etc/passwd", strs(2, "rbind", "ro"))));
	fires("STK304", "mounts[8]", "host path /etc/passwd");
	/* ... and so is a path that only pretends to be one */
	eval(with_mount(mount("/x", "bind",
			      "/var/lib/docker/containers/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef/../../../../../etc",
			      strs(1, "rbind"))));
	fires("STK304", NULL, NULL);
}

static void test_stk305_proc_unmasked(void **st)
{
	(void)st;
	json_object *c = base();
	set(c, "linux.maskedPaths", json_object_new_array());
	eval(c);
	fires("STK305", "linux.maskedPaths", NULL);
}

static void test_stk401_ports(void **st)
{
	(void)st;
	json_object *c = base();
	set(c, "annotations", json_tokener_parse("{\"io.stockade.ports\": \"[{\\\"host_port\\\": 8080, \\\"container_port\\\": 80}]\"}"));
	eval(c);
	fires("STK401", "annotations.io.stockade.ports[0]", "port 8080");
	c = base();
	set(c, "annotations",
	    json_tokener_parse("{\"nerdctl/ports\": \"[{\\\"HostIP\\\": \\\"127.0.0.1\\\", \\\"HostPort\\\": 8080, \\\"ContainerPort\\\": 80}]\"}"));
	eval(c);
	quiet("STK401");
}

static void test_stk501_502_507_images(void **st)
{
	(void)st;
	json_object *c = base();
	set(c, "annotations", json_tokener_parse("{\"io.kubernetes.cri.image-name\": \"nginx\"}"));
	eval(c);
	fires("STK501", "annotations.io.kubernetes.cri.image-name", "nginx");
	fires("STK502", "annotations.io.kubernetes.cri.image-name", "no tag");
	c = base();
	set(c, "annotations", json_tokener_parse("{\"io.stockade.image\": \"registry.example.com:5000/app:1.2@sha256:"
						 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}"));
	eval(c);
	quiet("STK501");
	quiet("STK502");
	/* only a tag: not a reference */
	c = base();
	set(c, "annotations", json_tokener_parse("{\"org.opencontainers.image.ref.name\": \"latest\"}"));
	eval(c);
	quiet("STK502");

	struct rule_ctx ctx;
	rule_ctx_default(&ctx);
	const char *regs[] = { "registry.example.com:5000/" };
	ctx.registries = regs;
	ctx.n_registries = 1;
	c = base();
	set(c, "annotations", json_tokener_parse("{\"io.stockade.image\": \"nginx:1.27\"}"));
	eval_ctx(c, &ctx);
	fires("STK507", NULL, "docker.io/library/nginx:1.27");
	eval_ctx(base(), &ctx);
	fires("STK507", NULL, "does not say which image");
}

static void test_stk601_secrets(void **st)
{
	(void)st;
	json_object *c = base();
	json_object_array_add(get(c, "process.env"), json_object_new_string("DB_PASSWORD=hunter2"));
	json_object_array_add(get(c, "process.env"), json_object_new_string("DB_PASSWORD_FILE=/run/secrets/db"));
	json_object_array_add(get(c, "process.env"), json_object_new_string("HARMLESS=AKIAIOSFODNN7EXAMPLE"));
	json_object_array_add(get(c, "process.env"), json_object_new_string("TOKEN_URL=https://auth/token"));
	json_object_array_add(get(c, "process.env"), json_object_new_string("API_TOKEN="));
	eval(c);
	assert_int_equal(count("STK601"), 2);
	fires("STK601", "process.env[2]", "DB_PASSWORD");
	for (size_t i = 0; i < F.n; i++)
		if (strstr(F.v[i].message, "hunter2") || strstr(F.v[i].message, "AKIA"))
			fail_msg("a finding shows the secret: %s", F.v[i].message);
	assert_string_equal(F.v[2].at.path, "process.env[4]");
}

static void test_stk7xx_limits(void **st)
{
	(void)st;
	json_object *c = base();
	json_object_object_del(get(c, "linux.resources"), "memory");
	json_object_object_del(get(c, "linux.resources"), "pids");
	eval(c);
	fires("STK701", "linux.resources.memory.limit", NULL);
	fires("STK702", "linux.resources.pids.limit", NULL);
	assert_int_equal(must("STK701")->sev, SEV_LOW);
}

static void test_levels_overrides_exemptions(void **st)
{
	(void)st;
	struct rule_ctx ctx;
	rule_ctx_default(&ctx);
	json_object *c = base();
	set(c, "process.user.uid", json_object_new_int(0));
	set(c, "root.readonly", json_object_new_boolean(0));
	eval_ctx(json_object_get(c), &ctx);
	fires("STK101", NULL, NULL);
	fires("STK301", NULL, NULL);
	/* baseline does not judge users or read-only roots */
	ctx.level = LEVEL_BASELINE;
	eval_ctx(json_object_get(c), &ctx);
	quiet("STK101");
	quiet("STK301");
	/* a rule switched off, a severity changed, a rule exempted */
	ctx.level = LEVEL_RESTRICTED;
	signed char sev[64];
	for (size_t i = 0; i < rule_count; i++)
		sev[i] = RULE_SEV_DEFAULT;
	sev[rule_index(rule_find("STK101"))] = RULE_OFF;
	sev[rule_index(rule_find("STK301"))] = SEV_CRITICAL;
	ctx.rule_sev = sev;
	eval_ctx(json_object_get(c), &ctx);
	quiet("STK101");
	assert_int_equal(must("STK301")->sev, SEV_CRITICAL);
	const char *ex[] = { "stk301" };
	ctx.exempt = ex;
	ctx.n_exempt = 1;
	eval_ctx(c, &ctx);
	quiet("STK301");
}

/* Facts as the other frontends give them: not explicit sets, suppressions. */
static void test_engine_style_caps_and_suppression(void **st)
{
	(void)st;
	struct workload *w = workload_new(WL_COMPOSE, "compose.yaml");
	struct wl_container *c = wl_add_container(w, "web", wl_at(w, 3, 3, "services.web"));
	c->user = (struct wl_user){ .set = WL_YES, .uid = 1000, .at = wl_at(w, 4, 5, NULL) };
	struct wl_cap *k = WL_PUSH(w, c->caps.add, c->caps.n_add);
	*k = (struct wl_cap){ .cap = cap_from_name("CHOWN"), .name = "CHOWN", .at = wl_at(w, 6, 9, NULL) };
	k = WL_PUSH(w, c->caps.add, c->caps.n_add);
	*k = (struct wl_cap){ .cap = WL_CAP_ALL, .name = "ALL", .at = wl_at(w, 7, 9, NULL) };
	struct wl_port *p = WL_PUSH(w, c->ports, c->n_ports);
	*p = (struct wl_port){ .host_port = 8080, .container_port = 80, .at = wl_at(w, 9, 9, NULL) };
	struct wl_suppress *s = WL_PUSH(w, w->suppress, w->n_suppress);
	const char *ids[] = { "STK401" };
	*s = (struct wl_suppress){ .first_line = 9, .last_line = 9, .ids = ids, .n_ids = 1, .at = wl_at(w, 8, 5, NULL) };
	struct rule_ctx ctx;
	rule_ctx_default(&ctx);
	findings_free(&F);
	rules_eval(w, &ctx, &F);
	findings_sort(&F);
	fires("STK201", "services.web", "not dropped");
	fires("STK203", NULL, "CHOWN");
	fires("STK202", NULL, "ALL");
	assert_int_equal(must("STK202")->at.line, 7);
	assert_true(must("STK401")->suppressed);
	/* a suppression without a reason is itself reported */
	fires("STK001", NULL, "without a reason");
	assert_int_equal(must("STK001")->at.line, 8);
	/* suppressed findings do not count */
	size_t all = findings_count_at(&F, SEV_INFO);
	assert_int_equal(all, F.n - 1);
	/* sorted by line */
	for (size_t i = 1; i < F.n; i++)
		assert_true(F.v[i - 1].at.line <= F.v[i].at.line);
	workload_free(w);
}

static struct workload *k8s_ns(const char *file, const char *ns, const char *app)
{
	struct workload *w = workload_new(WL_K8S, file);
	struct wl_container *c = wl_add_container(w, app, wl_at(w, 10, 1, NULL));
	c->kind = "Deployment";
	c->k8s_namespace = ns;
	c->k8s_workload = app;
	c->labels = arena_calloc(&w->arena, 1, sizeof(*c->labels));
	c->labels[0] = (struct kvl){ "app", app };
	c->n_labels = 1;
	return w;
}

static void test_networkpolicy_rules(void **st)
{
	(void)st;
	struct rule_ctx ctx;
	rule_ctx_default(&ctx);
	struct workload *ws[3];
	ws[0] = k8s_ns("a.yaml", "shop", "web");
	ws[1] = k8s_ns("b.yaml", "shop", "db");
	findings_free(&F);
	rules_eval_cluster(ws, 2, &ctx, &F);
	assert_int_equal(count("STK402"), 1); /* once per namespace */
	assert_int_equal(count("STK404"), 2);

	/* a policy that selects app=db in a third file, with an open rule */
	ws[2] = workload_new(WL_K8S, "np.yaml");
	struct wl_netpol *np = WL_PUSH(ws[2], ws[2]->netpols, ws[2]->n_netpols);
	np->name = "db";
	np->k8s_namespace = "shop";
	np->selector = arena_calloc(&ws[2]->arena, 1, sizeof(*np->selector));
	np->selector[0] = (struct kvl){ "app", "db" };
	np->n_selector = 1;
	np->ingress_type = true;
	np->n_ingress_rules = 1;
	np->open_rule = true;
	np->open_at = wl_at(ws[2], 12, 7, NULL);
	findings_free(&F);
	rules_eval_cluster(ws, 3, &ctx, &F);
	assert_int_equal(count("STK404"), 1);
	assert_string_equal(must("STK404")->at.file, "a.yaml");
	fires("STK403", NULL, "shop/db");
	assert_int_equal(must("STK403")->at.line, 12);
	assert_int_equal(count("STK402"), 1);

	/* a default deny in the namespace */
	np = WL_PUSH(ws[2], ws[2]->netpols, ws[2]->n_netpols);
	np->name = "deny";
	np->k8s_namespace = "shop";
	np->ingress_type = true;
	findings_free(&F);
	rules_eval_cluster(ws, 3, &ctx, &F);
	quiet("STK402");
	quiet("STK404");
	for (int i = 0; i < 3; i++)
		workload_free(ws[i]);
}

static void test_bad_config_is_stk000(void **st)
{
	(void)st;
	struct workload *w = NULL;
	const char *bad = "{\"ociVersion\": \"1.2.0\", \"process\": {\"user\": {\"uid\": -1}}}";
	assert_int_equal(fe_oci(bad, strlen(bad), "config.json", &w), 0);
	struct rule_ctx ctx;
	rule_ctx_default(&ctx);
	findings_free(&F);
	rules_eval(w, &ctx, &F);
	fires("STK000", NULL, "config.json");
	workload_free(w);
}

static int teardown(void **st)
{
	(void)st;
	findings_free(&F);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_hardened_default_passes_restricted, teardown),
		cmocka_unit_test_teardown(test_stk101_root, teardown),
		cmocka_unit_test_teardown(test_stk102_privileged, teardown),
		cmocka_unit_test_teardown(test_stk103_no_new_privs, teardown),
		cmocka_unit_test_teardown(test_stk201_202_203_caps, teardown),
		cmocka_unit_test_teardown(test_stk204_seccomp, teardown),
		cmocka_unit_test_teardown(test_stk205_host_namespace, teardown),
		cmocka_unit_test_teardown(test_stk206_devices, teardown),
		cmocka_unit_test_teardown(test_stk301_302_filesystem, teardown),
		cmocka_unit_test_teardown(test_stk303_engine_socket, teardown),
		cmocka_unit_test_teardown(test_stk304_host_mounts, teardown),
		cmocka_unit_test_teardown(test_stk305_proc_unmasked, teardown),
		cmocka_unit_test_teardown(test_stk401_ports, teardown),
		cmocka_unit_test_teardown(test_stk501_502_507_images, teardown),
		cmocka_unit_test_teardown(test_stk601_secrets, teardown),
		cmocka_unit_test_teardown(test_stk7xx_limits, teardown),
		cmocka_unit_test_teardown(test_levels_overrides_exemptions, teardown),
		cmocka_unit_test_teardown(test_engine_style_caps_and_suppression, teardown),
		cmocka_unit_test_teardown(test_networkpolicy_rules, teardown),
		cmocka_unit_test_teardown(test_bad_config_is_stk000, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
