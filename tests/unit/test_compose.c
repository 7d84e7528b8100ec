/* The compose frontend: every fact at the line that says it, parse errors that keep the rest, suppressions. */
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

static struct workload *load(const char *yaml)
{
	struct workload *w = NULL;
	int r = fe_compose(yaml, strlen(yaml), "compose.yaml", &w);
	if (r < 0)
		fail_msg("unexpected error: %s", err_msg());
	assert_non_null(w);
	assert_int_equal(w->kind, WL_COMPOSE);
	assert_string_equal(w->file, "compose.yaml");
	return w;
}

/* Parse with no parse errors expected. */
static struct workload *load_clean(const char *yaml)
{
	struct workload *w = load(yaml);
	for (size_t i = 0; i < w->n_errors; i++)
		print_error("parse error at %d: %s\n", w->errors[i].at.line, w->errors[i].message);
	assert_int_equal(w->n_errors, 0);
	return w;
}

static struct wl_container *svc(struct workload *w, const char *name)
{
	for (size_t i = 0; i < w->n_containers; i++)
		if (strcmp(w->containers[i].name, name) == 0)
			return &w->containers[i];
	fail_msg("no service %s", name);
	return NULL;
}

static void assert_error(struct workload *w, int line, const char *needle)
{
	for (size_t i = 0; i < w->n_errors; i++)
		if (w->errors[i].at.line == line && strstr(w->errors[i].message, needle))
			return;
	for (size_t i = 0; i < w->n_errors; i++)
		print_error("  error at %d: %s\n", w->errors[i].at.line, w->errors[i].message);
	fail_msg("no parse error at line %d mentioning \"%s\"", line, needle);
}

static void test_service_basics(void **st)
{
	(void)st;
	struct workload *w = load_clean("services:\n"              /* 1 */
					"  web:\n"                  /* 2 */
					"    image: nginx:1.25\n"   /* 3 */
					"    user: \"1000:1000\"\n" /* 4 */
					"    privileged: true\n"    /* 5 */
					"    read_only: yes\n"      /* 6 */
					"  builder:\n"              /* 7 */
					"    build: .\n"            /* 8 */
					"    user: root\n"          /* 9 */
					"  db:\n"                   /* 10 */
					"    image: postgres:${PG_TAG}\n"
					"    user: 0\n"
					"  app:\n"
					"    image: app\n"
					"    user: app:app\n"
					"  r00t:\n"
					"    image: x\n"
					"    user: \"0:0\"\n");
	assert_int_equal(w->n_containers, 5);
	struct wl_container *c = svc(w, "web");
	assert_string_equal(c->kind, "service");
	assert_int_equal(c->at.line, 2);
	assert_string_equal(c->at.path, "services.web");
	assert_int_equal(c->n_images, 1);
	assert_string_equal(c->images[0].ref, "nginx:1.25");
	assert_false(c->images[0].unresolved);
	assert_int_equal(c->images[0].at.line, 3);
	assert_string_equal(c->images[0].at.path, "services.web.image");
	assert_int_equal(c->user.set, WL_YES);
	assert_int_equal(c->user.uid, 1000);
	assert_string_equal(c->user.name, "1000:1000");
	assert_int_equal(c->user.at.line, 4);
	assert_string_equal(c->user.at.path, "services.web.user");
	assert_int_equal(c->privileged.v, WL_YES);
	assert_int_equal(c->privileged.at.line, 5);
	assert_int_equal(c->read_only_root.v, WL_YES);
	assert_int_equal(c->read_only_root.at.line, 6);
	assert_int_equal(c->seccomp, WL_SECCOMP_ENGINE_DEFAULT);
	assert_int_equal(c->no_new_privs.v, WL_UNSET);
	assert_int_equal(c->mem_limit.v, WL_UNSET);

	c = svc(w, "builder");
	assert_int_equal(c->n_images, 0);
	assert_int_equal(c->user.uid, 0);
	assert_int_equal(c->user.at.line, 9);
	assert_int_equal(c->privileged.v, WL_UNSET);
	c = svc(w, "db");
	assert_true(c->images[0].unresolved);
	assert_int_equal(c->user.set, WL_YES);
	assert_int_equal(c->user.uid, 0);
	c = svc(w, "app");
	assert_int_equal(c->user.uid, -1);
	assert_string_equal(c->user.name, "app:app");
	assert_int_equal(svc(w, "r00t")->user.uid, 0);
	workload_free(w);

	w = load_clean("services:\n  nouser:\n    image: x\n");
	assert_int_equal(w->containers[0].user.set, WL_UNSET);
	workload_free(w);
}

static void test_security_opt_and_caps(void **st)
{
	(void)st;
	struct workload *w = load_clean("services:\n"
					"  a:\n"
					"    image: x\n"
					"    security_opt:\n"                 /* 4 */
					"      - no-new-privileges:true\n"    /* 5 */
					"      - seccomp:unconfined\n"        /* 6 */
					"      - systempaths=unconfined\n"    /* 7 */
					"    cap_drop: [ALL]\n"               /* 8 */
					"    cap_add:\n"                      /* 9 */
					"      - NET_BIND_SERVICE\n"          /* 10 */
					"      - CAP_SYS_ADMIN\n"             /* 11 */
					"      - all\n"                       /* 12 */
					"      - FROBNICATE\n"                /* 13 */
					"  b:\n"                              /* 14 */
					"    image: x\n"
					"    security_opt: [\"no-new-privileges\", \"seccomp=/etc/profile.json\"]\n" /* 16 */
					"    cap_drop: [NET_RAW]\n"           /* 17 */
					"  c:\n"
					"    image: x\n"
					"    security_opt: [\"no-new-privileges=false\", \"apparmor:unconfined\"]\n");
	struct wl_container *c = svc(w, "a");
	assert_int_equal(c->no_new_privs.v, WL_YES);
	assert_int_equal(c->no_new_privs.at.line, 5);
	assert_string_equal(c->no_new_privs.at.path, "services.a.security_opt[0]");
	assert_int_equal(c->seccomp, WL_SECCOMP_UNCONFINED);
	assert_int_equal(c->seccomp_at.line, 6);
	assert_int_equal(c->proc_unmasked.v, WL_YES);
	assert_int_equal(c->proc_unmasked.at.line, 7);
	assert_int_equal(c->caps.drop_all.v, WL_YES);
	assert_int_equal(c->caps.drop_all.at.line, 8);
	assert_int_equal(c->caps.n_add, 4);
	assert_int_equal(c->caps.add[0].cap, cap_from_name("CAP_NET_BIND_SERVICE"));
	assert_string_equal(c->caps.add[0].name, "NET_BIND_SERVICE");
	assert_int_equal(c->caps.add[0].at.line, 10);
	assert_int_equal(c->caps.add[1].cap, cap_from_name("CAP_SYS_ADMIN"));
	assert_string_equal(c->caps.add[1].name, "SYS_ADMIN");
	assert_int_equal(c->caps.add[1].at.line, 11);
	assert_int_equal(c->caps.add[2].cap, WL_CAP_ALL);
	assert_int_equal(c->caps.add[3].cap, -2);
	assert_string_equal(c->caps.add[3].name, "FROBNICATE");

	c = svc(w, "b");
	assert_int_equal(c->no_new_privs.v, WL_YES);
	assert_int_equal(c->no_new_privs.at.line, 16);
	assert_int_equal(c->seccomp, WL_SECCOMP_PROFILE);
	assert_int_equal(c->caps.drop_all.v, WL_NO);
	assert_int_equal(c->caps.drop_all.at.line, 17);
	assert_int_equal(c->caps.n_add, 0);
	assert_int_equal(c->proc_unmasked.v, WL_UNSET);

	c = svc(w, "c");
	assert_int_equal(c->no_new_privs.v, WL_NO);
	assert_int_equal(c->seccomp, WL_SECCOMP_ENGINE_DEFAULT);
	workload_free(w);

	/* a typo of no-new-privileges is refused by the engine: say so */
	w = load("services:\n  a:\n    image: x\n    security_opt:\n      - no_new_privileges:true\n");
	assert_int_equal(w->n_containers, 1);
	assert_int_equal(w->containers[0].no_new_privs.v, WL_UNSET);
	assert_error(w, 5, "no_new_privileges");
	workload_free(w);
}

static void test_namespaces_and_devices(void **st)
{
	(void)st;
	struct workload *w = load_clean("services:\n"
					"  a:\n"
					"    image: x\n"
					"    network_mode: host\n"        /* 4 */
					"    pid: \"host\"\n"             /* 5 */
					"    ipc: host\n"                 /* 6 */
					"    uts: host\n"                 /* 7 */
					"    userns_mode: host\n"         /* 8 */
					"    devices:\n"
					"      - /dev/fuse:/dev/fuse:rwm\n" /* 10 */
					"      - source: /dev/kvm\n"      /* 11 */
					"        target: /dev/kvm\n"
					"  b:\n"
					"    image: x\n"
					"    network_mode: service:a\n"
					"    ipc: shareable\n");
	struct wl_container *c = svc(w, "a");
	assert_int_equal(c->host_ns[WL_NS_NET].v, WL_YES);
	assert_int_equal(c->host_ns[WL_NS_NET].at.line, 4);
	assert_string_equal(c->host_ns[WL_NS_NET].at.path, "services.a.network_mode");
	assert_int_equal(c->host_ns[WL_NS_PID].v, WL_YES);
	assert_int_equal(c->host_ns[WL_NS_PID].at.line, 5);
	assert_int_equal(c->host_ns[WL_NS_IPC].at.line, 6);
	assert_int_equal(c->host_ns[WL_NS_UTS].at.line, 7);
	assert_int_equal(c->host_ns[WL_NS_USER].v, WL_YES);
	assert_int_equal(c->host_ns[WL_NS_USER].at.line, 8);
	assert_int_equal(c->host_ns[WL_NS_MNT].v, WL_UNSET);
	assert_int_equal(c->n_devices, 2);
	assert_string_equal(c->devices[0].path, "/dev/fuse");
	assert_int_equal(c->devices[0].at.line, 10);
	assert_string_equal(c->devices[1].path, "/dev/kvm");
	assert_int_equal(c->devices[1].at.line, 11);
	c = svc(w, "b");
	assert_int_not_equal(c->host_ns[WL_NS_NET].v, WL_YES);
	assert_int_not_equal(c->host_ns[WL_NS_IPC].v, WL_YES);
	assert_int_equal(c->n_devices, 0);
	workload_free(w);
}

static void test_volumes_and_tmpfs(void **st)
{
	(void)st;
	struct workload *w = load_clean("services:\n"
					"  a:\n"
					"    image: x\n"
					"    volumes:\n"
					"      - /var/run/docker.sock:/var/run/docker.sock\n" /* 5 */
					"      - ./conf:/etc/app:ro\n"                        /* 6 */
					"      - data:/data:rw,z\n"                           /* 7 */
					"      - /anon\n"                                     /* 8 */
					"      - ~/cache:/cache\n"                            /* 9 */
					"      - ${HOME}/x:/x\n"                              /* 10 */
					"      - type: bind\n"                                /* 11 */
					"        source: /etc\n"
					"        target: /host-etc\n"
					"        read_only: true\n"
					"      - type: volume\n"                              /* 15 */
					"        source: db\n"
					"        target: /db\n"
					"      - type: tmpfs\n"                               /* 18 */
					"        target: /run\n"
					"        tmpfs:\n"
					"          size: 1000\n"
					"      - hostdir:/h\n"                                /* 22 */
					"    tmpfs:\n"
					"      - /tmp\n"                                      /* 24 */
					"      - /scratch:rw,noexec,nosuid,nodev,size=64m\n"  /* 25 */
					"  b:\n"
					"    image: x\n"
					"    tmpfs: /tmp:exec,nosuid\n"                       /* 28 */
					"volumes:\n"
					"  data:\n"
					"  db: {}\n"
					"  hostdir:\n"
					"    driver: local\n"
					"    driver_opts:\n"
					"      type: none\n"
					"      o: bind\n"
					"      device: /srv/hostdir\n");
	struct wl_container *c = svc(w, "a");
	assert_int_equal(c->n_mounts, 12);
	struct wl_mount *m = c->mounts;
	assert_int_equal(m[0].type, WL_MNT_BIND);
	assert_string_equal(m[0].source, "/var/run/docker.sock");
	assert_string_equal(m[0].destination, "/var/run/docker.sock");
	assert_false(m[0].read_only);
	assert_int_equal(m[0].at.line, 5);
	assert_string_equal(m[0].at.path, "services.a.volumes[0]");
	assert_int_equal(m[1].type, WL_MNT_BIND);
	assert_string_equal(m[1].source, "./conf");
	assert_true(m[1].read_only);
	assert_int_equal(m[2].type, WL_MNT_VOLUME);
	assert_string_equal(m[2].source, "data");
	assert_false(m[2].read_only);
	assert_int_equal(m[3].type, WL_MNT_VOLUME);
	assert_null(m[3].source);
	assert_string_equal(m[3].destination, "/anon");
	assert_int_equal(m[4].type, WL_MNT_BIND);
	assert_string_equal(m[4].source, "~/cache");
	assert_int_equal(m[5].type, WL_MNT_BIND);
	assert_string_equal(m[5].source, "${HOME}/x");
	assert_int_equal(m[6].type, WL_MNT_BIND);
	assert_string_equal(m[6].source, "/etc");
	assert_string_equal(m[6].destination, "/host-etc");
	assert_true(m[6].read_only);
	assert_int_equal(m[6].at.line, 11);
	assert_int_equal(m[7].type, WL_MNT_VOLUME);
	assert_string_equal(m[7].source, "db");
	assert_int_equal(m[7].at.line, 15);
	assert_int_equal(m[8].type, WL_MNT_TMPFS);
	assert_string_equal(m[8].destination, "/run");
	assert_true(m[8].noexec && m[8].nosuid && m[8].nodev); /* Docker's defaults for a tmpfs */
	assert_int_equal(m[8].at.line, 18);
	/* a named volume that the local driver binds from the host is a host path */
	assert_int_equal(m[9].type, WL_MNT_BIND);
	assert_string_equal(m[9].source, "/srv/hostdir");
	assert_int_equal(m[9].at.line, 22);
	assert_int_equal(m[10].type, WL_MNT_TMPFS);
	assert_string_equal(m[10].destination, "/tmp");
	assert_true(m[10].noexec && m[10].nosuid && m[10].nodev); /* Docker's defaults */
	assert_int_equal(m[10].at.line, 24);
	assert_string_equal(m[10].at.path, "services.a.tmpfs[0]");
	assert_string_equal(m[11].destination, "/scratch");
	assert_true(m[11].noexec && m[11].nosuid && m[11].nodev);
	assert_false(m[11].read_only);
	assert_int_equal(m[11].at.line, 25);
	c = svc(w, "b");
	assert_int_equal(c->n_mounts, 1);
	assert_string_equal(c->mounts[0].destination, "/tmp");
	assert_false(c->mounts[0].noexec); /* exec undoes Docker's default */
	assert_true(c->mounts[0].nosuid && c->mounts[0].nodev);
	assert_int_equal(c->mounts[0].at.line, 28);
	workload_free(w);
}

static void test_ports(void **st)
{
	(void)st;
	struct workload *w = load_clean("services:\n"
					"  a:\n"
					"    image: x\n"
					"    ports:\n"
					"      - \"80\"\n"                       /* 5 */
					"      - \"8080:80\"\n"                  /* 6 */
					"      - \"127.0.0.1:8081:81\"\n"        /* 7 */
					"      - \"8082-8083:82-83\"\n"          /* 8 */
					"      - \"[::1]:8084:84/udp\"\n"        /* 9 */
					"      - \"0.0.0.0:85:85\"\n"            /* 10 */
					"      - 86\n"                           /* 11 */
					"      - \"127.0.0.1::87\"\n"            /* 12 */
					"      - \"${WEB_PORT:-8088}:88\"\n"     /* 13 */
					"      - target: 89\n"                   /* 14 */
					"        published: \"8089\"\n"
					"        host_ip: 127.0.0.1\n"
					"        protocol: udp\n"
					"        mode: host\n"
					"      - target: 90\n"                   /* 19 */
					"        published: 8090\n"
					"      - target: 91\n");                 /* 21 */
	struct wl_container *c = svc(w, "a");
	assert_int_equal(c->n_ports, 12);
	struct wl_port *p = c->ports;
	struct {
		const char *ip;
		int host, ctr;
		const char *proto;
		int line;
	} want[] = {
		{ NULL, 0, 80, "tcp", 5 },         { NULL, 8080, 80, "tcp", 6 },      { "127.0.0.1", 8081, 81, "tcp", 7 },
		{ NULL, 8082, 82, "tcp", 8 },      { "::1", 8084, 84, "udp", 9 },     { "0.0.0.0", 85, 85, "tcp", 10 },
		{ NULL, 0, 86, "tcp", 11 },        { "127.0.0.1", 0, 87, "tcp", 12 }, { NULL, 0, 88, "tcp", 13 },
		{ "127.0.0.1", 8089, 89, "udp", 14 }, { NULL, 8090, 90, "tcp", 19 }, { NULL, 0, 91, "tcp", 21 },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		if (want[i].ip)
			assert_string_equal(p[i].host_ip, want[i].ip);
		else
			assert_null(p[i].host_ip);
		assert_int_equal(p[i].host_port, want[i].host);
		assert_int_equal(p[i].container_port, want[i].ctr);
		assert_string_equal(p[i].proto, want[i].proto);
		assert_int_equal(p[i].at.line, want[i].line);
	}
	assert_string_equal(p[1].at.path, "services.a.ports[1]");
	workload_free(w);
}

static void test_environment(void **st)
{
	(void)st;
	struct workload *w = load_clean("services:\n"
					"  a:\n"
					"    image: x\n"
					"    environment:\n"
					"      - DB_PASSWORD=hunter2\n"   /* 5 */
					"      - FROM_HOST\n"             /* 6 */
					"      - TOKEN=${TOKEN}\n"        /* 7 */
					"      - EMPTY=\n"                /* 8 */
					"      - URL=http://${HOST}/x\n"  /* 9 */
					"    env_file: .env\n"            /* 10 */
					"  b:\n"
					"    image: x\n"
					"    environment:\n"
					"      API_KEY: abc123\n"         /* 14 */
					"      NULLED:\n"                 /* 15 */
					"      PORT: 8080\n"              /* 16 */
					"      SECRET: $SECRET\n"         /* 17 */
					"    env_file:\n"
					"      - common.env\n"            /* 19 */
					"      - path: ./secrets.env\n"   /* 20 */
					"        required: false\n");
	struct wl_container *c = svc(w, "a");
	assert_int_equal(c->n_env, 6);
	assert_string_equal(c->env[0].name, "DB_PASSWORD");
	assert_string_equal(c->env[0].value, "hunter2");
	assert_false(c->env[0].from_secret_ref);
	assert_int_equal(c->env[0].at.line, 5);
	assert_string_equal(c->env[1].name, "FROM_HOST");
	assert_null(c->env[1].value);
	assert_null(c->env[2].value);
	assert_string_equal(c->env[3].value, "");
	assert_string_equal(c->env[4].value, "http://${HOST}/x");
	assert_string_equal(c->env[5].name, ".env");
	assert_null(c->env[5].value);
	assert_true(c->env[5].from_secret_ref);
	assert_int_equal(c->env[5].at.line, 10);

	c = svc(w, "b");
	assert_int_equal(c->n_env, 6);
	assert_string_equal(c->env[0].name, "API_KEY");
	assert_string_equal(c->env[0].value, "abc123");
	assert_int_equal(c->env[0].at.line, 14);
	assert_string_equal(c->env[0].at.path, "services.b.environment.API_KEY");
	assert_null(c->env[1].value);
	assert_int_equal(c->env[1].at.line, 15);
	assert_string_equal(c->env[2].value, "8080");
	assert_null(c->env[3].value);
	assert_string_equal(c->env[4].name, "common.env");
	assert_true(c->env[4].from_secret_ref);
	assert_int_equal(c->env[4].at.line, 19);
	assert_string_equal(c->env[5].name, "./secrets.env");
	assert_int_equal(c->env[5].at.line, 20);
	workload_free(w);
}

static void test_limits(void **st)
{
	(void)st;
	struct workload *w = load_clean("services:\n"
					"  a:\n"
					"    image: x\n"
					"    deploy:\n"
					"      resources:\n"
					"        limits:\n"
					"          memory: 512M\n"   /* 7 */
					"          cpus: '0.5'\n"    /* 8 */
					"          pids: 100\n"      /* 9 */
					"  b:\n"
					"    image: x\n"
					"    mem_limit: 1g\n"        /* 12 */
					"    memswap_limit: 2g\n"
					"    cpu_quota: 50000\n"     /* 14 */
					"    pids_limit: -1\n"       /* 15 */
					"  c:\n"
					"    image: x\n"
					"    cpus: 1.5\n");          /* 18 */
	struct wl_container *c = svc(w, "a");
	assert_int_equal(c->mem_limit.v, WL_YES);
	assert_int_equal(c->mem_limit.at.line, 7);
	assert_string_equal(c->mem_limit.at.path, "services.a.deploy.resources.limits.memory");
	assert_int_equal(c->cpu_limit.v, WL_YES);
	assert_int_equal(c->cpu_limit.at.line, 8);
	assert_int_equal(c->pids_limit.v, WL_YES);
	assert_int_equal(c->pids_limit.at.line, 9);
	c = svc(w, "b");
	assert_int_equal(c->mem_limit.v, WL_YES);
	assert_int_equal(c->mem_limit.at.line, 12);
	assert_int_equal(c->cpu_limit.v, WL_YES);
	assert_int_equal(c->cpu_limit.at.line, 14);
	/* -1 is "unlimited" to the engine */
	assert_int_not_equal(c->pids_limit.v, WL_YES);
	assert_int_equal(c->pids_limit.at.line, 15);
	c = svc(w, "c");
	assert_int_equal(c->cpu_limit.v, WL_YES);
	assert_int_equal(c->cpu_limit.at.line, 18);
	assert_int_equal(c->mem_limit.v, WL_UNSET);
	assert_int_equal(c->pids_limit.v, WL_UNSET);
	workload_free(w);
}

static void test_anchors_and_merge_keys(void **st)
{
	(void)st;
	struct workload *w = load_clean("x-common: &c\n"                 /* 1 */
					"  read_only: true\n"              /* 2 */
					"  cap_drop: [ALL]\n"              /* 3 */
					"  security_opt: [no-new-privileges:true]\n" /* 4 */
					"  environment: &env\n"            /* 5 */
					"    LOG: debug\n"                 /* 6 */
					"services:\n"                      /* 7 */
					"  x-ignored:\n"                   /* 8 */
					"    image: nope\n"
					"  web:\n"                         /* 10 */
					"    <<: *c\n"
					"    image: web\n"
					"    network_mode: host\n"         /* 13 */
					"  worker:\n"                      /* 14 */
					"    <<: *c\n"
					"    image: worker\n"
					"    read_only: false\n"           /* 17 */
					"    environment: *env\n");
	assert_int_equal(w->n_containers, 2);
	struct wl_container *web = svc(w, "web"), *worker = svc(w, "worker");
	assert_int_equal(web->read_only_root.v, WL_YES);
	assert_int_equal(web->read_only_root.at.line, 2);
	assert_int_equal(web->caps.drop_all.v, WL_YES);
	assert_int_equal(web->caps.drop_all.at.line, 3);
	assert_int_equal(web->no_new_privs.v, WL_YES);
	assert_int_equal(web->host_ns[WL_NS_NET].v, WL_YES);
	assert_int_equal(web->host_ns[WL_NS_NET].at.line, 13);
	assert_int_equal(web->n_env, 1);
	assert_int_equal(web->env[0].at.line, 6);
	/* the service's own key wins over the merged one */
	assert_int_equal(worker->read_only_root.v, WL_NO);
	assert_int_equal(worker->read_only_root.at.line, 17);
	assert_int_equal(worker->caps.drop_all.v, WL_YES);
	assert_int_equal(worker->no_new_privs.v, WL_YES);
	assert_int_not_equal(worker->host_ns[WL_NS_NET].v, WL_YES);
	assert_int_equal(worker->n_env, 1);
	assert_string_equal(worker->env[0].value, "debug");
	workload_free(w);
}

static void test_parse_errors_keep_the_rest(void **st)
{
	(void)st;
	struct workload *w = load("services:\n"
				  "  web:\n"
				  "    image: web\n"
				  "    ports:\n"
				  "      - \"80:http\"\n"        /* 5 */
				  "      - \"127.0.0.1:443:443\"\n"
				  "  broken:\n"                  /* 7 */
				  "    - image: x\n"
				  "  db:\n"
				  "    image: db\n"
				  "    privileged: maybe\n"      /* 11 */
				  "    user: root\n"
				  "    ports:\n"
				  "      - target: 5432\n"       /* 14 */
				  "        published: 127.0.0.1:5432\n");
	assert_int_equal(w->n_containers, 2);
	assert_error(w, 5, "80:http");
	assert_error(w, 7, "services.broken");
	assert_error(w, 11, "true or false");
	assert_error(w, 14, "host_ip");
	assert_int_equal(w->n_errors, 4);
	assert_string_equal(w->errors[0].at.file, "compose.yaml");
	struct wl_container *c = svc(w, "web");
	assert_int_equal(c->n_ports, 1);
	assert_string_equal(c->ports[0].host_ip, "127.0.0.1");
	c = svc(w, "db");
	assert_int_equal(c->user.uid, 0);
	assert_int_equal(c->privileged.v, WL_UNSET);
	assert_int_equal(c->n_ports, 0);
	workload_free(w);

	static const char *const bad_ports[] = { "\"80:\"", "\"99999:80\"", "\"8080:80/icmp\"", "\"a:b:c:d\"",
						 "\"[::1:80:80\"", "\"8081-8080:80\"" };
	for (size_t i = 0; i < sizeof(bad_ports) / sizeof(bad_ports[0]); i++) {
		char buf[200];
		snprintf(buf, sizeof(buf), "services:\n  a:\n    image: x\n    ports: [%s]\n", bad_ports[i]);
		w = load(buf);
		if (w->n_errors != 1)
			fail_msg("port %s: %zu errors", bad_ports[i], w->n_errors);
		assert_error(w, 4, "invalid port");
		assert_int_equal(w->containers[0].n_ports, 0);
		workload_free(w);
	}

	w = load("services: [web, db]\n");
	assert_int_equal(w->n_containers, 0);
	assert_error(w, 1, "mapping");
	workload_free(w);
}

static void test_invalid_yaml(void **st)
{
	(void)st;
	struct workload *w = load("services:\n  web:\n    image: x\n    ports: [\"80:80\"\n  db:\n    image: y\n");
	assert_int_equal(w->n_errors, 1);
	assert_true(w->errors[0].at.line >= 4 && w->errors[0].at.line <= 5);
	assert_non_null(strstr(w->errors[0].message, "invalid YAML"));
	assert_null(strstr(w->errors[0].message, "compose.yaml:")); /* the location is in `at`, not repeated */
	workload_free(w);

	w = load("services:\n  web:\n    image: x\n   bad: indent\n");
	assert_int_equal(w->n_errors, 1);
	assert_int_equal(w->errors[0].at.line, 4);
	workload_free(w);

	/* empty files and stray scalars do not crash */
	assert_int_equal(fe_compose(NULL, 0, "compose.yaml", &w), 0);
	assert_int_equal(w->n_errors, 0);
	workload_free(w);
	w = load("");
	assert_int_equal(w->n_containers, 0);
	assert_int_equal(w->n_errors, 0);
	workload_free(w);
	w = load("just text\n");
	assert_int_equal(w->n_errors, 1);
	workload_free(w);
}

static void test_suppressions(void **st)
{
	(void)st;
	struct workload *w = load_clean("services:\n"                                             /* 1 */
					"  # stockade:ignore STK101,STK301 legacy image, tracked in #42\n" /* 2 */
					"  web:\n"                                                  /* 3 */
					"    image: x\n"                                            /* 4 */
					"    ports:\n"                                              /* 5 */
					"    - \"8080:80\"   # stockade:ignore STK401\n"            /* 6 */
					"\n"                                                        /* 7 */
					"    user: root\n"                                          /* 8 */
					"  db:\n"                                                   /* 9 */
					"    image: y\n"                                            /* 10 */
					"    # stockade:ignore\n"                                   /* 11 */
					"\n"                                                        /* 12 */
					"    # unrelated\n"                                         /* 13 */
					"    volumes:\n"                                            /* 14 */
					"    - /:/host\n"                                           /* 15 */
					"    - /etc:/etc\n"                                         /* 16 */
					"    privileged: true # stockade:ignore STK102 STK205 -- needs the host\n" /* 17 */
					"    command: \"echo '# stockade:ignore STK999'\"\n");      /* 18 */
	assert_int_equal(w->n_suppress, 4);
	struct wl_suppress *s = w->suppress;
	assert_int_equal(s[0].first_line, 3);
	assert_int_equal(s[0].last_line, 8);
	assert_int_equal(s[0].n_ids, 2);
	assert_string_equal(s[0].ids[0], "STK101");
	assert_string_equal(s[0].ids[1], "STK301");
	assert_string_equal(s[0].reason, "legacy image, tracked in #42");
	assert_int_equal(s[0].at.line, 2);
	assert_int_equal(s[0].at.col, 3);

	assert_int_equal(s[1].first_line, 6);
	assert_int_equal(s[1].last_line, 6);
	assert_int_equal(s[1].n_ids, 1);
	assert_string_equal(s[1].ids[0], "STK401");
	assert_null(s[1].reason);

	/* no IDs: every rule; the key's "- " items at its own indentation are its block */
	assert_int_equal(s[2].first_line, 14);
	assert_int_equal(s[2].last_line, 16);
	assert_int_equal(s[2].n_ids, 0);
	assert_null(s[2].reason);

	assert_int_equal(s[3].first_line, 17);
	assert_int_equal(s[3].last_line, 17);
	assert_int_equal(s[3].n_ids, 2);
	assert_string_equal(s[3].ids[1], "STK205");
	assert_string_equal(s[3].reason, "needs the host");
	workload_free(w);
}

/* The scanner is shared with the Kubernetes frontend: a comment above a list item covers the item. */
static void test_suppression_blocks_of_list_items(void **st)
{
	(void)st;
	struct workload *w = load_clean("spec:\r\n"                          /* 1 */
					"  containers:\r\n"                  /* 2 */
					"  # stockade:ignore STK101: sidecar needs root\r\n" /* 3 */
					"  - name: app\r\n"                  /* 4 */
					"    image: x\r\n"                   /* 5 */
					"    securityContext:\r\n"           /* 6 */
					"      runAsUser: 0\r\n"             /* 7 */
					"  - name: side\r\n"                 /* 8 */
					"    image: y\r\n"                   /* 9 */
					"# stockade:ignore STK101\r\n");    /* 10: covers nothing */
	assert_int_equal(w->n_suppress, 1);
	assert_int_equal(w->suppress[0].first_line, 4);
	assert_int_equal(w->suppress[0].last_line, 7);
	assert_string_equal(w->suppress[0].ids[0], "STK101");
	assert_string_equal(w->suppress[0].reason, "sidecar needs root");
	workload_free(w);
}

/* ---- the rules see these facts (needs src/rules/rules.c from main) ---- */

static bool fires(const struct findings *f, const char *id, int line)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->v[i].rule->id, id) == 0 && (line == 0 || f->v[i].at.line == line) && !f->v[i].suppressed)
			return true;
	return false;
}

static void eval(const char *yaml, struct findings *f)
{
	struct workload *w = load(yaml);
	struct rule_ctx ctx;
	rule_ctx_default(&ctx);
	memset(f, 0, sizeof(*f));
	assert_int_equal(rules_eval(w, &ctx, f), 0);
	workload_free(w); /* findings own their strings */
}

static bool any(const struct findings *f, const char *id, const char *container)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->v[i].rule->id, id) == 0 && !f->v[i].suppressed &&
		    (!container || (f->v[i].container && strcmp(f->v[i].container, container) == 0)))
			return true;
	return false;
}

static void test_rules_fire_at_the_right_lines(void **st)
{
	(void)st;
	struct findings f;
	eval("services:\n"
	     "  web:\n"
	     "    image: nginx:1.25\n"
	     "    ports: [\"8080:80\"]\n"                              /* 4 */
	     "    volumes:\n"
	     "      - /var/run/docker.sock:/var/run/docker.sock\n"     /* 6 */
	     "  local:\n"
	     "    image: nginx:1.25\n"
	     "    ports: [\"127.0.0.1:8080:80\", {target: 81, published: 81, host_ip: 127.0.0.1}]\n"
	     "  eph:\n"                                                /* 10 */
	     "    image: nginx:1.25\n"
	     "    ports: [\"80\", {target: 81}]\n"                     /* 12 */
	     "  bad:\n"                                                /* 13 */
	     "    image: x:1\n"
	     "    privileged: true\n"                                  /* 15 */
	     "    network_mode: host\n"                                /* 16 */
	     "    cap_add: [SYS_ADMIN]\n"                              /* 17 */
	     "    security_opt: [seccomp:unconfined]\n"                /* 18 */
	     "    tmpfs: /tmp:exec\n"                                  /* 19 */
	     "    environment: {DB_PASSWORD: hunter2, API_TOKEN: \"${TOKEN}\"}\n" /* 20 */
	     "    volumes: [\"/etc:/host/etc\"]\n", &f);              /* 21 */
	assert_true(fires(&f, "STK401", 4));
	assert_true(fires(&f, "STK303", 6));
	assert_false(any(&f, "STK401", "local"));
	assert_true(fires(&f, "STK401", 12));
	assert_true(fires(&f, "STK102", 15));
	assert_true(fires(&f, "STK205", 16));
	assert_true(fires(&f, "STK202", 17));
	assert_true(fires(&f, "STK204", 18));
	assert_true(fires(&f, "STK302", 19));
	assert_true(fires(&f, "STK601", 20));
	assert_true(fires(&f, "STK304", 21));
	/* not said: the rule points at the service */
	assert_true(fires(&f, "STK101", 2));
	assert_true(fires(&f, "STK301", 2));
	for (size_t i = 0; i < f.n; i++)
		if (strcmp(f.v[i].rule->id, "STK601") == 0 && strstr(f.v[i].message, "API_TOKEN"))
			fail_msg("a variable is not a literal secret: %s", f.v[i].message);
	findings_free(&f);

	/* the hardened service is quiet where it said so */
	eval("services:\n"
	     "  app:\n"
	     "    image: app:1@sha256:0123456789012345678901234567890123456789012345678901234567890123\n"
	     "    user: \"1000\"\n"
	     "    read_only: true\n"
	     "    cap_drop: [ALL]\n"
	     "    security_opt: [no-new-privileges:true]\n"
	     "    tmpfs: [\"/tmp:noexec,nosuid,nodev\"]\n"
	     "    mem_limit: 256m\n"
	     "    pids_limit: 100\n"
	     "    cpus: 0.5\n", &f);
	for (size_t i = 0; i < f.n; i++)
		if (!f.v[i].suppressed)
			fail_msg("unexpected %s at %d: %s", f.v[i].rule->id, f.v[i].at.line, f.v[i].message);
	findings_free(&f);
}

static void test_suppressions_reach_the_findings(void **st)
{
	(void)st;
	struct findings f;
	eval("services:\n"
	     "  # stockade:ignore STK101 runs as root by design\n"
	     "  web:\n"                                            /* 3 */
	     "    image: nginx:1.25\n"
	     "    ports:\n"
	     "      - \"8080:80\" # stockade:ignore STK401 behind the firewall\n" /* 6 */
	     "      - \"8081:81\"\n"                               /* 7 */
	     "  db:\n"                                             /* 8 */
	     "    image: postgres:16\n", &f);
	bool web_root = false, web_port = false;
	for (size_t i = 0; i < f.n; i++) {
		const struct finding *x = &f.v[i];
		if (strcmp(x->rule->id, "STK101") == 0 && x->at.line == 3) {
			assert_true(x->suppressed);
			assert_string_equal(x->suppress_reason, "runs as root by design");
			web_root = true;
		}
		if (strcmp(x->rule->id, "STK401") == 0 && x->at.line == 6) {
			assert_true(x->suppressed);
			web_port = true;
		}
	}
	assert_true(web_root && web_port);
	assert_true(fires(&f, "STK401", 7));  /* the next line is not covered */
	assert_true(fires(&f, "STK101", 8));  /* nor the next service */
	assert_true(fires(&f, "STK301", 3));  /* nor another rule */
	findings_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_service_basics),
		cmocka_unit_test(test_security_opt_and_caps),
		cmocka_unit_test(test_namespaces_and_devices),
		cmocka_unit_test(test_volumes_and_tmpfs),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_environment),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_anchors_and_merge_keys),
		cmocka_unit_test(test_parse_errors_keep_the_rest),
		cmocka_unit_test(test_invalid_yaml),
		cmocka_unit_test(test_suppressions),
		cmocka_unit_test(test_suppression_blocks_of_list_items),
		cmocka_unit_test(test_rules_fire_at_the_right_lines),
		cmocka_unit_test(test_suppressions_reach_the_findings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
