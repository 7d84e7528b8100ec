/*
 * The Kubernetes frontend: each fact a rule reads, at the line of the key
 * that says it; and the rules over it firing at those lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "frontends/frontends.h"
#include "oci/spec.h"
#include "rules/rules.h"
#include "util/err.h"

static struct workload *W;

static struct workload *load(const char *yaml)
{
	workload_free(W);
	W = NULL;
	if (fe_k8s(yaml, strlen(yaml), "m.yaml", &W) < 0)
		fail_msg("fe_k8s failed: %s", err_msg());
	assert_non_null(W);
	assert_int_equal(W->kind, WL_K8S);
	assert_string_equal(W->file, "m.yaml");
	return W;
}

/* Load and insist that the manifest read cleanly. */
static struct workload *load_ok(const char *yaml)
{
	load(yaml);
	for (size_t i = 0; i < W->n_errors; i++)
		print_error("unexpected parse error at line %d: %s\n", W->errors[i].at.line, W->errors[i].message);
	assert_int_equal(W->n_errors, 0);
	return W;
}

static struct wl_container *ctr(const char *name)
{
	for (size_t i = 0; i < W->n_containers; i++)
		if (strcmp(W->containers[i].name, name) == 0)
			return &W->containers[i];
	for (size_t i = 0; i < W->n_containers; i++)
		print_error("have: %s\n", W->containers[i].name);
	fail_msg("no container \"%s\"", name);
	return NULL;
}

/* The message of the parse error at `line`; fails when there is none. */
static const char *error_at(int line)
{
	for (size_t i = 0; i < W->n_errors; i++)
		if (W->errors[i].at.line == line)
			return W->errors[i].message;
	for (size_t i = 0; i < W->n_errors; i++)
		print_error("have: line %d: %s\n", W->errors[i].at.line, W->errors[i].message);
	fail_msg("no parse error at line %d", line);
	return NULL;
}

static int teardown(void **st)
{
	(void)st;
	workload_free(W);
	W = NULL;
	return 0;
}

static void test_pod_security_context_precedence(void **st)
{
	(void)st;
	load_ok("apiVersion: v1\n"                       /* 1 */
		"kind: Pod\n"                            /* 2 */
		"metadata:\n"                            /* 3 */
		"  name: web\n"                          /* 4 */
		"  namespace: shop\n"                    /* 5 */
		"  labels: {app: web}\n"                 /* 6 */
		"spec:\n"                                /* 7 */
		"  securityContext:\n"                   /* 8 */
		"    runAsNonRoot: true\n"               /* 9 */
		"    seccompProfile:\n"                  /* 10 */
		"      type: RuntimeDefault\n"           /* 11 */
		"  containers:\n"                        /* 12 */
		"  - name: app\n"                        /* 13 */
		"    image: nginx:1.25\n"                /* 14 */
		"    securityContext:\n"                 /* 15 */
		"      runAsUser: 0\n"                   /* 16 */
		"      seccompProfile: {type: Unconfined}\n" /* 17 */
		"  - name: side\n"                       /* 18 */
		"    image: busybox\n");                 /* 19 */
	assert_int_equal(W->n_containers, 2);
	struct wl_container *c = ctr("Pod/web container app");
	assert_string_equal(c->kind, "Pod");
	assert_string_equal(c->k8s_namespace, "shop");
	assert_string_equal(c->k8s_workload, "web");
	assert_int_equal(c->n_labels, 1);
	assert_string_equal(c->labels[0].key, "app");
	assert_int_equal(c->at.line, 13);
	assert_string_equal(c->at.path, "spec.containers[0]");
	/* the container's runAsUser: 0 beats the pod's runAsNonRoot */
	assert_int_equal(c->user.set, WL_YES);
	assert_int_equal(c->user.uid, 0);
	assert_int_equal(c->user.at.line, 16);
	assert_string_equal(c->user.at.path, "spec.containers[0].securityContext.runAsUser");
	assert_int_equal(c->seccomp, WL_SECCOMP_UNCONFINED);
	assert_int_equal(c->seccomp_at.line, 17);
	assert_int_equal(c->n_images, 1);
	assert_string_equal(c->images[0].ref, "nginx:1.25");
	assert_int_equal(c->images[0].at.line, 14);

	/* the sidecar inherits the pod level */
	c = ctr("Pod/web container side");
	assert_int_equal(c->user.set, WL_YES);
	assert_int_equal(c->user.uid, -1);
	assert_true(c->user.run_as_non_root);
	assert_int_equal(c->user.at.line, 9);
	assert_string_equal(c->user.at.path, "spec.securityContext.runAsNonRoot");
	assert_int_equal(c->seccomp, WL_SECCOMP_PROFILE);
	assert_int_equal(c->seccomp_at.line, 11);
}

static void test_container_security_context_facts(void **st)
{
	(void)st;
	load_ok("kind: Pod\n"                               /* 1 */
		"metadata: {name: p}\n"                     /* 2 */
		"spec:\n"                                   /* 3 */
		"  containers:\n"                           /* 4 */
		"  - name: a\n"                             /* 5 */
		"    image: x\n"                            /* 6 */
		"    securityContext:\n"                    /* 7 */
		"      privileged: true\n"                  /* 8 */
		"      allowPrivilegeEscalation: true\n"    /* 9 */
		"      readOnlyRootFilesystem: true\n"      /* 10 */
		"      procMount: Unmasked\n"               /* 11 */
		"      capabilities:\n"                     /* 12 */
		"        drop: [all]\n"                     /* 13 */
		"        add:\n"                            /* 14 */
		"        - NET_ADMIN\n"                     /* 15 */
		"        - CAP_SYS_TIME\n"                  /* 16 */
		"        - BOGUS\n"                         /* 17 */
		"  - name: b\n"                             /* 18 */
		"    image: x\n"                            /* 19 */
		"    securityContext:\n"                    /* 20 */
		"      allowPrivilegeEscalation: false\n"); /* 21 */
	struct wl_container *c = ctr("Pod/p container a");
	assert_int_equal(c->privileged.v, WL_YES);
	assert_int_equal(c->privileged.at.line, 8);
	assert_int_equal(c->no_new_privs.v, WL_NO);
	assert_int_equal(c->no_new_privs.at.line, 9);
	assert_int_equal(c->read_only_root.v, WL_YES);
	assert_int_equal(c->read_only_root.at.line, 10);
	assert_int_equal(c->proc_unmasked.v, WL_YES);
	assert_int_equal(c->proc_unmasked.at.line, 11);
	assert_int_equal(c->caps.drop_all.v, WL_YES);
	assert_int_equal(c->caps.drop_all.at.line, 13);
	assert_int_equal(c->caps.n_add, 3);
	assert_string_equal(c->caps.add[0].name, "NET_ADMIN");
	assert_int_equal(c->caps.add[0].cap, cap_from_name("CAP_NET_ADMIN"));
	assert_int_equal(c->caps.add[0].at.line, 15);
	assert_string_equal(c->caps.add[1].name, "SYS_TIME");
	assert_int_equal(c->caps.add[1].cap, cap_from_name("CAP_SYS_TIME"));
	assert_int_equal(c->caps.add[2].cap, -2);
	/* nothing said about seccomp at either level: no filter (PSS restricted wants one) */
	assert_int_equal(c->seccomp, WL_SECCOMP_NONE);
	assert_int_equal(c->user.set, WL_UNSET);
	/* k8s has no per-pod PIDs limit to ask for */
	assert_int_equal(c->pids_limit.v, WL_YES);
	assert_int_equal(c->mem_limit.v, WL_UNSET);

	c = ctr("Pod/p container b");
	assert_int_equal(c->no_new_privs.v, WL_YES);
	assert_int_equal(c->no_new_privs.at.line, 21);
	assert_int_equal(c->privileged.v, WL_UNSET);
	assert_int_equal(c->caps.drop_all.v, WL_UNSET);
}

static void test_refused_escalation_combination(void **st)
{
	(void)st;
	load("kind: Pod\n"
	     "metadata: {name: p}\n"
	     "spec:\n"
	     "  containers:\n"
	     "  - name: a\n"
	     "    securityContext:\n"
	     "      privileged: true\n"
	     "      allowPrivilegeEscalation: false\n");
	assert_int_equal(W->n_errors, 1);
	assert_int_equal(W->errors[0].at.line, 8);
	assert_non_null(strstr(W->errors[0].message, "allowPrivilegeEscalation"));
	/* a privileged process escalates whatever the manifest says */
	assert_int_equal(ctr("Pod/p container a")->no_new_privs.v, WL_NO);
}

static void test_deployment_host_namespaces_and_resources(void **st)
{
	(void)st;
	load_ok("apiVersion: apps/v1\n"            /* 1 */
		"kind: Deployment\n"               /* 2 */
		"metadata:\n"                      /* 3 */
		"  name: api\n"                    /* 4 */
		"spec:\n"                          /* 5 */
		"  template:\n"                    /* 6 */
		"    metadata:\n"                  /* 7 */
		"      labels:\n"                  /* 8 */
		"        app: api\n"               /* 9 */
		"        tier: be\n"               /* 10 */
		"    spec:\n"                      /* 11 */
		"      hostNetwork: true\n"        /* 12 */
		"      hostPID: false\n"           /* 13 */
		"      hostUsers: false\n"         /* 14 */
		"      containers:\n"              /* 15 */
		"      - name: api\n"              /* 16 */
		"        image: api@sha256:abc\n"  /* 17 */
		"        resources:\n"             /* 18 */
		"          limits:\n"              /* 19 */
		"            memory: 128Mi\n"      /* 20 */
		"            cpu: 500m\n");        /* 21 */
	struct wl_container *c = ctr("Deployment/api container api");
	assert_string_equal(c->k8s_namespace, "default");
	assert_string_equal(c->at.path, "spec.template.spec.containers[0]");
	assert_int_equal(c->n_labels, 2);
	assert_string_equal(c->labels[1].key, "tier");
	assert_string_equal(c->labels[1].value, "be");
	assert_int_equal(c->host_ns[WL_NS_NET].v, WL_YES);
	assert_int_equal(c->host_ns[WL_NS_NET].at.line, 12);
	assert_string_equal(c->host_ns[WL_NS_NET].at.path, "spec.template.spec.hostNetwork");
	assert_int_equal(c->host_ns[WL_NS_PID].v, WL_NO);
	assert_int_equal(c->host_ns[WL_NS_IPC].v, WL_UNSET);
	assert_int_equal(c->host_ns[WL_NS_USER].v, WL_UNSET);
	assert_int_equal(c->mem_limit.v, WL_YES);
	assert_int_equal(c->mem_limit.at.line, 20);
	assert_int_equal(c->cpu_limit.v, WL_YES);
	assert_int_equal(c->cpu_limit.at.line, 21);
}

static void test_cronjob_list_and_multidoc(void **st)
{
	(void)st;
	load_ok("apiVersion: v1\n"                       /* 1 */
		"kind: Service\n"                        /* 2 */
		"metadata: {name: s}\n"                  /* 3 */
		"---\n"                                  /* 4 */
		"apiVersion: batch/v1\n"                 /* 5 */
		"kind: CronJob\n"                        /* 6 */
		"metadata: {name: nightly, namespace: ops}\n" /* 7 */
		"spec:\n"                                /* 8 */
		"  schedule: '@daily'\n"                 /* 9 */
		"  jobTemplate:\n"                       /* 10 */
		"    spec:\n"                            /* 11 */
		"      template:\n"                      /* 12 */
		"        spec:\n"                        /* 13 */
		"          containers:\n"                /* 14 */
		"          - name: backup\n"             /* 15 */
		"            image: backup:1\n"          /* 16 */
		"---\n"                                  /* 17 */
		"apiVersion: v1\n"                       /* 18 */
		"kind: List\n"                           /* 19 */
		"items:\n"                               /* 20 */
		"- apiVersion: batch/v1\n"               /* 21 */
		"  kind: Job\n"                          /* 22 */
		"  metadata: {name: once}\n"             /* 23 */
		"  spec:\n"                              /* 24 */
		"    template:\n"                        /* 25 */
		"      spec:\n"                          /* 26 */
		"        containers:\n"                  /* 27 */
		"        - name: run\n"                  /* 28 */
		"          image: run:1\n"               /* 29 */
		"- apiVersion: apps/v1\n"                /* 30 */
		"  kind: StatefulSet\n"                  /* 31 */
		"  metadata: {name: db}\n"               /* 32 */
		"  spec:\n"                              /* 33 */
		"    template:\n"                        /* 34 */
		"      spec:\n"                          /* 35 */
		"        containers:\n"                  /* 36 */
		"        - name: pg\n"                   /* 37 */
		"          image: postgres:16\n"         /* 38 */
		"          volumeMounts: [{name: data, mountPath: /var/lib/postgresql}]\n" /* 39 */
		"    volumeClaimTemplates:\n"            /* 40 */
		"    - metadata: {name: data}\n"         /* 41 */
		"---\n"                                  /* 42 */
		"just: some other yaml\n");              /* 43 */
	assert_int_equal(W->n_containers, 3);
	struct wl_container *c = ctr("CronJob/nightly container backup");
	assert_string_equal(c->kind, "CronJob");
	assert_string_equal(c->k8s_namespace, "ops");
	assert_int_equal(c->at.line, 15);
	assert_string_equal(c->at.path, "spec.jobTemplate.spec.template.spec.containers[0]");
	c = ctr("Job/once container run");
	assert_int_equal(c->at.line, 28);
	assert_string_equal(c->at.path, "items[0].spec.template.spec.containers[0]");
	c = ctr("StatefulSet/db container pg");
	assert_int_equal(c->n_mounts, 1);
	assert_int_equal(c->mounts[0].type, WL_MNT_VOLUME);
	assert_string_equal(c->mounts[0].destination, "/var/lib/postgresql");
}

static void test_init_and_ephemeral_containers(void **st)
{
	(void)st;
	load_ok("kind: Pod\n"
		"metadata: {name: p}\n"
		"spec:\n"
		"  initContainers:\n"
		"  - {name: init, image: i}\n"
		"  containers:\n"
		"  - {name: main, image: m}\n"
		"  ephemeralContainers:\n"
		"  - name: debug\n" /* 9 */
		"    image: d\n"
		"    securityContext: {privileged: true}\n");
	assert_int_equal(W->n_containers, 3);
	assert_int_equal(ctr("Pod/p initContainer init")->at.line, 5);
	ctr("Pod/p container main");
	struct wl_container *c = ctr("Pod/p ephemeralContainer debug");
	assert_int_equal(c->at.line, 9);
	assert_string_equal(c->at.path, "spec.ephemeralContainers[0]");
	assert_int_equal(c->privileged.v, WL_YES);
}

static void test_volumes_ports_env(void **st)
{
	(void)st;
	load_ok("kind: Pod\n"                                   /* 1 */
		"metadata: {name: p}\n"                         /* 2 */
		"spec:\n"                                       /* 3 */
		"  containers:\n"                               /* 4 */
		"  - name: a\n"                                 /* 5 */
		"    image: a\n"                                /* 6 */
		"    volumeMounts:\n"                           /* 7 */
		"    - name: sock\n"                            /* 8 */
		"      mountPath: /run/docker.sock\n"           /* 9 */
		"    - name: cfg\n"                             /* 10 */
		"      mountPath: /etc/app\n"                   /* 11 */
		"      readOnly: true\n"                        /* 12 */
		"    - {name: scratch, mountPath: /tmp}\n"      /* 13 */
		"    - {name: fuse, mountPath: /dev/fuse}\n"    /* 14 */
		"    ports:\n"                                  /* 15 */
		"    - containerPort: 80\n"                     /* 16 */
		"      hostPort: 8080\n"                        /* 17 */
		"      hostIP: 10.0.0.1\n"                      /* 18 */
		"    - containerPort: 9090\n"                   /* 19 */
		"    env:\n"                                    /* 20 */
		"    - name: DB_PASSWORD\n"                     /* 21 */
		"      value: hunter2\n"                        /* 22 */
		"    - name: EMPTY\n"                           /* 23 */
		"      value: \"\"\n"                           /* 24 */
		"    - name: API_TOKEN\n"                       /* 25 */
		"      valueFrom:\n"                            /* 26 */
		"        secretKeyRef: {name: s, key: token}\n" /* 27 */
		"    envFrom:\n"                                /* 28 */
		"    - secretRef: {name: creds}\n"              /* 29 */
		"    - configMapRef: {name: settings}\n"        /* 30 */
		"  volumes:\n"                                  /* 31 */
		"  - name: sock\n"                              /* 32 */
		"    hostPath: {path: /var/run/docker.sock, type: Socket}\n" /* 33 */
		"  - name: cfg\n"                               /* 34 */
		"    configMap: {name: app}\n"                  /* 35 */
		"  - name: scratch\n"                           /* 36 */
		"    emptyDir: {medium: Memory}\n"              /* 37 */
		"  - name: fuse\n"                              /* 38 */
		"    hostPath: {path: /dev/fuse, type: CharDevice}\n");
	struct wl_container *c = ctr("Pod/p container a");
	assert_int_equal(c->n_mounts, 4);
	assert_int_equal(c->mounts[0].type, WL_MNT_BIND);
	assert_string_equal(c->mounts[0].source, "/var/run/docker.sock");
	assert_string_equal(c->mounts[0].destination, "/run/docker.sock");
	assert_false(c->mounts[0].read_only);
	assert_int_equal(c->mounts[0].at.line, 8); /* the volumeMounts entry */
	assert_string_equal(c->mounts[0].at.path, "spec.containers[0].volumeMounts[0]");
	assert_int_equal(c->mounts[1].type, WL_MNT_VOLUME);
	assert_true(c->mounts[1].read_only);
	assert_int_equal(c->mounts[2].type, WL_MNT_TMPFS);
	assert_false(c->mounts[2].noexec);
	assert_int_equal(c->mounts[3].type, WL_MNT_BIND);
	assert_int_equal(c->n_devices, 1);
	assert_string_equal(c->devices[0].path, "/dev/fuse");

	/* only the hostPort is published on the node */
	assert_int_equal(c->n_ports, 1);
	assert_true(c->ports[0].k8s_host_port);
	assert_int_equal(c->ports[0].host_port, 8080);
	assert_int_equal(c->ports[0].container_port, 80);
	assert_string_equal(c->ports[0].host_ip, "10.0.0.1");
	assert_int_equal(c->ports[0].at.line, 17);

	assert_int_equal(c->n_env, 4);
	assert_string_equal(c->env[0].name, "DB_PASSWORD");
	assert_string_equal(c->env[0].value, "hunter2");
	assert_false(c->env[0].from_secret_ref);
	assert_int_equal(c->env[0].at.line, 22);
	assert_string_equal(c->env[1].value, "");
	assert_string_equal(c->env[2].name, "API_TOKEN");
	assert_null(c->env[2].value);
	assert_true(c->env[2].from_secret_ref);
	assert_int_equal(c->env[2].at.line, 27);
	assert_string_equal(c->env[3].name, "secretRef:creds");
	assert_true(c->env[3].from_secret_ref);
	assert_int_equal(c->env[3].at.line, 28);
}

static void test_missing_volume_is_a_parse_error(void **st)
{
	(void)st;
	load("kind: Pod\n"
	     "metadata: {name: p}\n"
	     "spec:\n"
	     "  containers:\n"
	     "  - name: a\n"
	     "    volumeMounts:\n"
	     "    - {name: nope, mountPath: /x}\n");
	assert_int_equal(W->n_errors, 1);
	assert_int_equal(W->errors[0].at.line, 7);
	assert_non_null(strstr(W->errors[0].message, "nope"));
	assert_int_equal(W->n_containers, 1);
}

static void test_legacy_seccomp_annotations(void **st)
{
	(void)st;
	load_ok("kind: Deployment\n"
		"metadata: {name: d}\n"
		"spec:\n"
		"  template:\n"
		"    metadata:\n"
		"      annotations:\n"
		"        seccomp.security.alpha.kubernetes.io/pod: runtime/default\n"             /* 7 */
		"        container.seccomp.security.alpha.kubernetes.io/b: unconfined\n"          /* 8 */
		"    spec:\n"
		"      containers: [{name: a, image: a}, {name: b, image: b}]\n");
	assert_int_equal(ctr("Deployment/d container a")->seccomp, WL_SECCOMP_PROFILE);
	assert_int_equal(ctr("Deployment/d container a")->seccomp_at.line, 7);
	assert_int_equal(ctr("Deployment/d container b")->seccomp, WL_SECCOMP_UNCONFINED);
	assert_int_equal(ctr("Deployment/d container b")->seccomp_at.line, 8);
}

static void test_ignore_annotations(void **st)
{
	(void)st;
	load_ok("kind: Deployment\n"                               /* 1 */
		"metadata:\n"                                      /* 2 */
		"  name: d\n"                                      /* 3 */
		"  annotations:\n"                                 /* 4 */
		"    stockade.io/ignore: \"STK101, STK301\"\n"     /* 5 */
		"spec:\n"                                          /* 6 */
		"  template:\n"                                    /* 7 */
		"    metadata:\n"                                  /* 8 */
		"      annotations:\n"                             /* 9 */
		"        stockade.io/ignore.b: STK201\n"           /* 10 */
		"    spec:\n"                                      /* 11 */
		"      containers: [{name: a, image: a}, {name: b, image: b}]\n");
	struct wl_container *a = ctr("Deployment/d container a"), *b = ctr("Deployment/d container b");
	assert_int_equal(a->n_ignore, 2);
	assert_string_equal(a->ignore[0], "STK101");
	assert_string_equal(a->ignore[1], "STK301");
	assert_int_equal(a->ignore_at.line, 5);
	assert_int_equal(b->n_ignore, 3);
	assert_string_equal(b->ignore[2], "STK201");
	assert_int_equal(b->ignore_at.line, 10);
}

static const struct wl_netpol *netpol(const char *name)
{
	for (size_t i = 0; i < W->n_netpols; i++)
		if (strcmp(W->netpols[i].name, name) == 0)
			return &W->netpols[i];
	fail_msg("no NetworkPolicy \"%s\"", name);
	return NULL;
}

static void test_networkpolicies(void **st)
{
	(void)st;
	load_ok("apiVersion: networking.k8s.io/v1\n"       /* 1 */
		"kind: NetworkPolicy\n"                    /* 2 */
		"metadata: {name: deny, namespace: shop}\n" /* 3 */
		"spec:\n"                                  /* 4 */
		"  podSelector: {}\n"                      /* 5 */
		"  policyTypes: [Ingress]\n"               /* 6 */
		"---\n"                                    /* 7 */
		"kind: NetworkPolicy\n"                    /* 8 */
		"metadata: {name: open}\n"                 /* 9 */
		"spec:\n"                                  /* 10 */
		"  podSelector:\n"                         /* 11 */
		"    matchLabels: {app: web}\n"            /* 12 */
		"  ingress:\n"                             /* 13 */
		"  - from: [{podSelector: {matchLabels: {app: lb}}}]\n" /* 14 */
		"  - {}\n"                                 /* 15 */
		"---\n"                                    /* 16 */
		"kind: NetworkPolicy\n"                    /* 17 */
		"metadata: {name: anyns}\n"                /* 18 */
		"spec:\n"                                  /* 19 */
		"  podSelector:\n"                         /* 20 */
		"    matchExpressions: [{key: app, operator: Exists}]\n" /* 21 */
		"  policyTypes: [Egress]\n"                /* 22 */
		"  ingress:\n"                             /* 23 */
		"  - from:\n"                              /* 24 */
		"    - podSelector: {matchLabels: {a: b}}\n" /* 25 */
		"    - namespaceSelector: {}\n"            /* 26 */
		"    - ipBlock: {cidr: 0.0.0.0/0}\n");     /* 27 */
	assert_int_equal(W->n_netpols, 3);
	assert_int_equal(W->n_containers, 0);
	const struct wl_netpol *np = netpol("deny");
	assert_string_equal(np->k8s_namespace, "shop");
	assert_int_equal(np->n_selector, 0);
	assert_false(np->selector_exprs);
	assert_true(np->ingress_type);
	assert_int_equal(np->n_ingress_rules, 0);
	assert_false(np->open_rule);

	np = netpol("open");
	assert_string_equal(np->k8s_namespace, "default");
	assert_int_equal(np->n_selector, 1);
	assert_string_equal(np->selector[0].key, "app");
	assert_string_equal(np->selector[0].value, "web");
	assert_true(np->ingress_type); /* no policyTypes: Ingress is implied */
	assert_int_equal(np->n_ingress_rules, 2);
	assert_true(np->open_rule);
	assert_int_equal(np->open_at.line, 15);
	assert_string_equal(np->open_at.path, "spec.ingress[1]");

	np = netpol("anyns");
	assert_true(np->selector_exprs);
	assert_false(np->ingress_type);
	assert_true(np->open_rule);
	assert_int_equal(np->open_at.line, 26);
	assert_string_equal(np->open_at.path, "spec.ingress[0].from[1]");
}

static void test_bad_document_keeps_the_others(void **st)
{
	(void)st;
	load("kind: Pod\n"
	     "metadata: {name: one}\n"
	     "spec:\n"
	     "  containers: [{name: a, image: a}]\n"
	     "---\n"
	     "kind: Pod\n"
	     "metadata: {name: broken\n" /* 7: the flow mapping never closes */
	     "spec: [\n"
	     "---\n"
	     "kind: Pod\n"               /* 10 */
	     "metadata: {name: three}\n"
	     "spec:\n"
	     "  containers:\n"
	     "  - name: c\n"             /* 14 */
	     "    image: c\n");
	assert_int_equal(W->n_errors, 1);
	assert_true(W->errors[0].at.line >= 7 && W->errors[0].at.line <= 9);
	assert_non_null(strstr(W->errors[0].message, "invalid YAML"));
	assert_null(strstr(W->errors[0].message, "m.yaml:")); /* the location is in the wl_loc, not repeated */
	assert_int_equal(W->n_containers, 2);
	ctr("Pod/one container a");
	/* lines in the documents after the broken one are still the file's lines */
	assert_int_equal(ctr("Pod/three container c")->at.line, 14);
}

static void test_input_problems_are_parse_errors(void **st)
{
	(void)st;
	load("apiVersion: v1\n"      /* an object without kind */
	     "metadata: {name: x}\n"
	     "---\n"
	     "- just\n"              /* not a mapping, not meant as an object: ignored */
	     "- a list\n"
	     "---\n"
	     "kind: Pod\n"
	     "metadata: {name: p}\n"
	     "spec:\n"
	     "  securityContext:\n"
	     "    runAsUser: root\n" /* 11 */
	     "  containers: [{name: a}, {name: b}]\n"
	     "  initContainers: {name: a}\n"); /* 13 */
	assert_int_equal(W->n_errors, 3); /* the pod's runAsUser once, not once per container */
	assert_non_null(strstr(error_at(1), "kind"));
	assert_non_null(strstr(error_at(11), "runAsUser"));
	assert_non_null(strstr(error_at(13), "initContainers"));
	assert_non_null(strstr(error_at(13), "list"));
	/* the containers that could be read are still described */
	assert_int_equal(W->n_containers, 2);
}

static void test_empty_and_foreign_input(void **st)
{
	(void)st;
	load_ok("");
	assert_int_equal(W->n_containers, 0);
	load_ok("# only a comment\n---\n---\nfoo: bar\n---\nkind: ConfigMap\ndata: {a: b}\n");
	assert_int_equal(W->n_containers, 0);
	assert_int_equal(W->n_netpols, 0);
}

/* ---- rules over the frontend ---- */

static struct findings F;

static void eval(void)
{
	findings_free(&F);
	struct rule_ctx ctx;
	rule_ctx_default(&ctx);
	assert_int_equal(rules_eval(W, &ctx, &F), 0);
}

/* The finding of `id` for `container`; fails when there is none. */
static const struct finding *finding(const char *id, const char *container)
{
	for (size_t i = 0; i < F.n; i++)
		if (strcmp(F.v[i].rule->id, id) == 0 && (!container || (F.v[i].container && strcmp(F.v[i].container, container) == 0)))
			return &F.v[i];
	for (size_t i = 0; i < F.n; i++)
		print_error("have: %s line %d %s\n", F.v[i].rule->id, F.v[i].at.line, F.v[i].container);
	fail_msg("no %s finding", id);
	return NULL;
}

static bool has(const char *id)
{
	for (size_t i = 0; i < F.n; i++)
		if (strcmp(F.v[i].rule->id, id) == 0 && !F.v[i].suppressed)
			return true;
	return false;
}

static int teardown_rules(void **st)
{
	findings_free(&F);
	return teardown(st);
}

static void test_rules_fire_at_the_lines(void **st)
{
	(void)st;
	load_ok("apiVersion: apps/v1\n"                     /* 1 */
		"kind: Deployment\n"                        /* 2 */
		"metadata: {name: web}\n"                   /* 3 */
		"spec:\n"                                   /* 4 */
		"  template:\n"                             /* 5 */
		"    spec:\n"                               /* 6 */
		"      hostNetwork: true\n"                 /* 7 */
		"      containers:\n"                       /* 8 */
		"      - name: app\n"                       /* 9 */
		"        image: nginx:1.25\n"               /* 10 */
		"        securityContext:\n"                /* 11 */
		"          runAsUser: 0\n"                  /* 12 */
		"          capabilities: {add: [SYS_ADMIN]}\n" /* 13 */
		"        volumeMounts:\n"                   /* 14 */
		"        - name: sock\n"                    /* 15 */
		"          mountPath: /var/run/docker.sock\n" /* 16 */
		"        ports: [{containerPort: 80, hostPort: 80}]\n" /* 17 */
		"        env: [{name: DB_PASSWORD, value: hunter2}]\n" /* 18 */
		"      volumes:\n"                          /* 19 */
		"      - {name: sock, hostPath: {path: /var/run/docker.sock}}\n");
	eval();
	const char *app = "Deployment/web container app";
	assert_int_equal(finding("STK101", app)->at.line, 12);
	assert_int_equal(finding("STK205", app)->at.line, 7);
	assert_int_equal(finding("STK202", app)->at.line, 13);
	assert_int_equal(finding("STK303", app)->at.line, 15);
	assert_int_equal(finding("STK401", app)->at.line, 17);
	assert_int_equal(finding("STK601", app)->at.line, 18);
	assert_int_equal(finding("STK204", app)->at.line, 9); /* no seccomp said anywhere: the container */
	assert_false(has("STK702"));                          /* no PIDs field to ask for in k8s */
	assert_false(has("STK000"));
}

static void test_rules_respect_hardening_and_annotations(void **st)
{
	(void)st;
	load_ok("kind: Pod\n"
		"metadata:\n"
		"  name: p\n"
		"  annotations: {stockade.io/ignore.a: \"STK501,STK701\"}\n"
		"spec:\n"
		"  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}\n"
		"  containers:\n"
		"  - name: a\n"
		"    image: nginx:1.25\n"
		"    resources: {limits: {cpu: 1}}\n"
		"    securityContext:\n"
		"      allowPrivilegeEscalation: false\n"
		"      readOnlyRootFilesystem: true\n"
		"      capabilities: {drop: [ALL]}\n");
	eval();
	static const char *const quiet[] = { "STK101", "STK103", "STK201", "STK204", "STK301", "STK501", "STK701",
		"STK702", "STK703", "STK000" };
	for (size_t i = 0; i < sizeof(quiet) / sizeof(*quiet); i++)
		if (has(quiet[i]))
			fail_msg("%s fired on a hardened pod", quiet[i]);
	assert_true(finding("STK501", NULL)->suppressed);
}

static void test_suppression_comments(void **st)
{
	(void)st;
	load_ok("kind: Pod\n"                                              /* 1 */
		"metadata: {name: p}\n"                                   /* 2 */
		"spec:\n"                                                 /* 3 */
		"  hostPID: true # stockade:ignore STK205 node exporter\n" /* 4 */
		"  containers:\n"                                         /* 5 */
		"  # stockade:ignore STK101\n"                            /* 6 */
		"  - name: a\n"                                           /* 7 */
		"    image: a:1\n"                                        /* 8 */
		"    securityContext:\n"                                  /* 9 */
		"      runAsUser: 0\n");                                  /* 10 */
	eval();
	const struct finding *f = finding("STK205", NULL);
	assert_int_equal(f->at.line, 4);
	assert_true(f->suppressed);
	assert_string_equal(f->suppress_reason, "node exporter");
	/* a comment above a list item covers the whole container */
	f = finding("STK101", NULL);
	assert_int_equal(f->at.line, 10);
	assert_true(f->suppressed);
	/* ... and a suppression without a reason is itself reported */
	assert_int_equal(finding("STK001", NULL)->at.line, 6);
}

/* A hostPath no container mounts is still a host path in the pod (PSS baseline forbids any). */
static void test_unmounted_host_path_and_empty_policy_types(void **st)
{
	(void)st;
	load_ok("apiVersion: v1\n"                            /* 1 */
		"kind: Pod\n"                                 /* 2 */
		"metadata: {name: p}\n"                       /* 3 */
		"spec:\n"                                     /* 4 */
		"  containers:\n"                             /* 5 */
		"  - name: a\n"                               /* 6 */
		"    image: x:1\n"                            /* 7 */
		"  - name: b\n"                               /* 8 */
		"    image: x:1\n"                            /* 9 */
		"  volumes:\n"                                /* 10 */
		"  - name: sock\n"                            /* 11 */
		"    hostPath: {path: /var/run/docker.sock}\n" /* 12 */
		"  - name: sys\n"                             /* 13 */
		"    hostPath: {path: /sys}\n");              /* 14 */
	eval();
	const struct finding *f = finding("STK303", NULL);
	assert_int_equal(f->at.line, 11);
	assert_non_null(strstr(f->message, "volume sock"));
	assert_int_equal(finding("STK304", NULL)->at.line, 13);
	/* once for the pod, not once per container */
	size_t n = 0;
	for (size_t i = 0; i < F.n; i++)
		n += strcmp(F.v[i].rule->id, "STK303") == 0;
	assert_int_equal(n, 1);

	/* policyTypes: [] is defaulted like a missing list: Ingress */
	load_ok("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny}\n"
		"spec:\n  podSelector: {}\n  policyTypes: []\n");
	assert_true(W->netpols[0].ingress_type);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_pod_security_context_precedence, teardown),
		cmocka_unit_test_teardown(test_container_security_context_facts, teardown),
		cmocka_unit_test_teardown(test_refused_escalation_combination, teardown),
		cmocka_unit_test_teardown(test_deployment_host_namespaces_and_resources, teardown),
		cmocka_unit_test_teardown(test_cronjob_list_and_multidoc, teardown),
		cmocka_unit_test_teardown(test_init_and_ephemeral_containers, teardown),
		cmocka_unit_test_teardown(test_volumes_ports_env, teardown),
		cmocka_unit_test_teardown(test_missing_volume_is_a_parse_error, teardown),
		cmocka_unit_test_teardown(test_legacy_seccomp_annotations, teardown),
		cmocka_unit_test_teardown(test_ignore_annotations, teardown),
		cmocka_unit_test_teardown(test_networkpolicies, teardown),
		cmocka_unit_test_teardown(test_bad_document_keeps_the_others, teardown),
		cmocka_unit_test_teardown(test_input_problems_are_parse_errors, teardown),
		cmocka_unit_test_teardown(test_empty_and_foreign_input, teardown),
		cmocka_unit_test_teardown(test_rules_fire_at_the_lines, teardown_rules),
		cmocka_unit_test_teardown(test_rules_respect_hardening_and_annotations, teardown_rules),
		cmocka_unit_test_teardown(test_suppression_comments, teardown_rules),
		cmocka_unit_test_teardown(test_unmounted_host_path_and_empty_policy_types, teardown_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
