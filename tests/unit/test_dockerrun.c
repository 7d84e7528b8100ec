/* The docker run frontend: the shell words, run's flag grammar, each fact at
 * its place, the scanner over scripts, Makefiles, CI YAML and Markdown, and
 * the rules it feeds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "frontends/frontends.h"
#include "oci/spec.h"
#include "rules/rules.h"

#define DIGEST "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static struct workload *run1(const char *cmd)
{
	struct workload *w = NULL;
	assert_int_equal(fe_docker_run(cmd, "run.sh", 1, &w), 0);
	assert_non_null(w);
	assert_int_equal(w->kind, WL_DOCKER_RUN);
	assert_string_equal(w->file, "run.sh");
	return w;
}

static struct workload *scan(const char *name, const char *text)
{
	struct workload *w = NULL;
	assert_int_equal(fe_docker_run_scan(text, strlen(text), name, &w), 0);
	assert_non_null(w);
	assert_string_equal(w->file, name);
	return w;
}

/* the only container of a workload with no parse errors */
static const struct wl_container *one(const struct workload *w)
{
	for (size_t i = 0; i < w->n_errors; i++)
		print_error("unexpected parse error: %s\n", w->errors[i].message);
	assert_int_equal(w->n_errors, 0);
	assert_int_equal(w->n_containers, 1);
	return &w->containers[0];
}

static void at(struct wl_loc l, int line, int col, const char *path)
{
	assert_int_equal(l.line, line);
	if (col)
		assert_int_equal(l.col, col);
	if (path) {
		assert_non_null(l.path);
		assert_string_equal(l.path, path);
	}
}

/* some parse error's message holds `needle` */
static const struct wl_parse_error *error_with(const struct workload *w, const char *needle)
{
	for (size_t i = 0; i < w->n_errors; i++)
		if (strstr(w->errors[i].message, needle))
			return &w->errors[i];
	fail_msg("no parse error mentions \"%s\" (%zu errors)", needle, w->n_errors);
	return NULL;
}

static const char *image(const struct wl_container *c)
{
	assert_int_equal(c->n_images, 1);
	return c->images[0].ref;
}

static void test_words_quotes_escapes_and_operators(void **st)
{
	(void)st;
	struct workload *w = run1("sudo docker run -e 'A=b c' -e \"B=\\\"x\\\" $HOME\" -e C=d\\ e -e \"D=it's\" nginx sh -c 'x; y' "
				  "&& docker run -p 80:80 other");
	const struct wl_container *c = one(w);
	assert_string_equal(image(c), "nginx");
	assert_int_equal(c->n_env, 4);
	assert_string_equal(c->env[0].name, "A");
	assert_string_equal(c->env[0].value, "b c");
	assert_string_equal(c->env[1].value, "\"x\" $HOME");
	assert_string_equal(c->env[2].value, "d e");
	assert_string_equal(c->env[3].value, "it's");
	assert_int_equal(c->n_ports, 0); /* the second command is not this one */
	workload_free(w);

	static const char *const stops[] = { "; docker run -p 1:1 x", "| docker run -p 1:1 x", "|| docker run -p 1:1 x",
		"& docker run -p 1:1 x", ") -p 1:1", "# -p 1:1", "\n-p 1:1" };
	for (size_t i = 0; i < sizeof(stops) / sizeof(*stops); i++) {
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "docker run nginx %s", stops[i]);
		w = run1(cmd);
		c = one(w);
		assert_string_equal(image(c), "nginx");
		assert_int_equal(c->n_ports, 0);
		workload_free(w);
	}
}

static void test_continuation_lines_give_lines_and_columns(void **st)
{
	(void)st;
	struct workload *w = NULL;
	assert_int_equal(fe_docker_run("docker run \\\n  --cap-add NET_ADMIN \\\n\t-u=1000 \\\r\n  alpine:3.20", "ci.sh", 10, &w),
			 0);
	const struct wl_container *c = one(w);
	at(c->at, 10, 1, NULL);
	assert_int_equal(c->caps.n_add, 1);
	at(c->caps.add[0].at, 11, 3, "--cap-add");
	at(c->user.at, 12, 2, "-u");
	assert_int_equal(c->user.uid, 1000);
	at(c->images[0].at, 13, 3, NULL);
	assert_string_equal(image(c), "alpine:3.20");
	assert_string_equal(c->name, "alpine:3.20");
	workload_free(w);

	/* given on the command line: no line, but columns */
	assert_int_equal(fe_docker_run("docker run --privileged nginx", "--docker-run", 0, &w), 0);
	c = one(w);
	at(c->privileged.at, 0, 12, "--privileged");
	workload_free(w);
}

static void test_flag_grammar(void **st)
{
	(void)st;
	/* -e takes a value: X is not the image */
	struct workload *w = run1("docker run -e X nginx");
	const struct wl_container *c = one(w);
	assert_string_equal(image(c), "nginx");
	assert_string_equal(c->env[0].name, "X");
	assert_null(c->env[0].value);
	workload_free(w);

	/* combined booleans, attached short values, = forms, repeated flags, bool=false */
	w = run1("docker container run -itd -p8080:80 -uroot --name=web -e=A=1 -eB=2 --rm=false --read-only=false "
		 "--privileged=false -v /a:/a -v /b:/b:ro nginx:1 -p 9:9 --privileged");
	c = one(w);
	assert_string_equal(c->name, "web");
	assert_string_equal(image(c), "nginx:1");
	assert_int_equal(c->n_ports, 1); /* -p 9:9 is the command's, not docker's */
	assert_int_equal(c->ports[0].host_port, 8080);
	at(c->ports[0].at, 1, 27, "-p");
	assert_int_equal(c->user.uid, 0);
	at(c->user.at, 1, 37, "-u");
	assert_int_equal(c->n_env, 2);
	assert_string_equal(c->env[0].name, "A");
	assert_string_equal(c->env[0].value, "1");
	assert_string_equal(c->env[1].value, "2");
	assert_int_equal(c->read_only_root.v, WL_NO);
	assert_int_equal(c->privileged.v, WL_NO);
	assert_int_equal(c->n_mounts, 2);
	assert_true(c->mounts[1].read_only);
	workload_free(w);

	/* --name value, -- before the image, podman, create, global options */
	w = run1("podman --log-level debug run --replace --name db -- postgres:16");
	c = one(w);
	assert_string_equal(c->name, "db");
	assert_string_equal(image(c), "postgres:16");
	workload_free(w);
	w = run1("docker -H tcp://h:2375 create --pids-limit=-1 redis");
	c = one(w);
	assert_int_equal(c->pids_limit.v, WL_NO);
	assert_string_equal(image(c), "redis");
	workload_free(w);
	w = run1("nerdctl run -d --cpu-shares 512 busybox");
	c = one(w);
	assert_int_equal(c->cpu_limit.v, WL_UNSET); /* shares are a weight, not a limit */
	workload_free(w);
}

static void test_user_and_privilege_facts(void **st)
{
	(void)st;
	static const struct {
		const char *cmd;
		long uid;
	} users[] = { { "docker run -u 0 x", 0 }, { "docker run -u root x", 0 }, { "docker run --user 0:0 x", 0 },
		{ "docker run --user=1000:1000 x", 1000 }, { "docker run -u app x", -1 }, { "docker run -u $(id -u) x", -1 } };
	for (size_t i = 0; i < sizeof(users) / sizeof(*users); i++) {
		struct workload *w = run1(users[i].cmd);
		const struct wl_container *c = one(w);
		assert_int_equal(c->user.set, WL_YES);
		assert_int_equal(c->user.uid, users[i].uid);
		workload_free(w);
	}
	struct workload *w = run1("docker run --privileged --security-opt no-new-privileges:true --security-opt "
				  "seccomp=unconfined --security-opt systempaths=unconfined nginx");
	const struct wl_container *c = one(w);
	assert_int_equal(c->user.set, WL_UNSET);
	at(c->user.at, 1, strlen("docker run --privileged --security-opt no-new-privileges:true --security-opt "
				 "seccomp=unconfined --security-opt systempaths=unconfined ") + 1, NULL);
	assert_int_equal(c->privileged.v, WL_YES);
	at(c->privileged.at, 1, 12, "--privileged");
	assert_int_equal(c->no_new_privs.v, WL_YES);
	assert_int_equal(c->seccomp, WL_SECCOMP_UNCONFINED);
	at(c->seccomp_at, 1, 0, "--security-opt");
	assert_int_equal(c->proc_unmasked.v, WL_YES);
	assert_int_equal(c->read_only_root.v, WL_UNSET);
	workload_free(w);

	w = run1("docker run --security-opt=no-new-privileges=true --security-opt seccomp:unconfined x");
	c = one(w);
	assert_int_equal(c->no_new_privs.v, WL_YES);
	assert_int_equal(c->seccomp, WL_SECCOMP_UNCONFINED);
	workload_free(w);
	w = run1("docker run --security-opt seccomp=/etc/docker/strict.json x");
	c = one(w);
	assert_int_equal(c->seccomp, WL_SECCOMP_PROFILE);
	assert_int_equal(c->no_new_privs.v, WL_UNSET);
	workload_free(w);
	w = run1("docker run x");
	c = one(w);
	assert_int_equal(c->seccomp, WL_SECCOMP_ENGINE_DEFAULT);
	workload_free(w);
}

static void test_capability_and_namespace_facts(void **st)
{
	(void)st;
	struct workload *w = run1("docker run --cap-drop=all --cap-add SYS_ADMIN --cap-add=cap_net_bind_service "
				  "--cap-add ALL --cap-add FROB --net host --pid=host --ipc host --uts host --userns host "
				  "--device /dev/fuse --device=/dev/sda:/dev/xvda:rwm x");
	const struct wl_container *c = one(w);
	assert_int_equal(c->caps.drop_all.v, WL_YES);
	at(c->caps.drop_all.at, 1, 12, "--cap-drop");
	assert_int_equal(c->caps.n_add, 4);
	assert_int_equal(c->caps.add[0].cap, cap_from_name("CAP_SYS_ADMIN"));
	assert_string_equal(c->caps.add[0].name, "SYS_ADMIN");
	assert_int_equal(c->caps.add[1].cap, cap_from_name("CAP_NET_BIND_SERVICE"));
	assert_string_equal(c->caps.add[1].name, "net_bind_service");
	assert_int_equal(c->caps.add[2].cap, WL_CAP_ALL);
	assert_int_equal(c->caps.add[3].cap, -2);
	assert_string_equal(c->caps.add[3].name, "FROB");
	for (int ns = WL_NS_PID; ns <= WL_NS_USER; ns++)
		if (ns != WL_NS_MNT)
			assert_int_equal(c->host_ns[ns].v, WL_YES);
	assert_int_equal(c->host_ns[WL_NS_MNT].v, WL_UNSET);
	at(c->host_ns[WL_NS_NET].at, 1, 0, "--net");
	assert_int_equal(c->n_devices, 2);
	assert_string_equal(c->devices[0].path, "/dev/fuse");
	assert_string_equal(c->devices[1].path, "/dev/sda");
	workload_free(w);

	w = run1("docker run --network container:db --cap-drop NET_RAW x");
	c = one(w);
	assert_int_equal(c->host_ns[WL_NS_NET].v, WL_UNSET);
	assert_int_equal(c->caps.drop_all.v, WL_UNSET);
	workload_free(w);
}

static void test_mount_facts(void **st)
{
	(void)st;
	struct workload *w = run1("docker run -v /var/run/docker.sock:/var/run/docker.sock -v ./src:/src:ro,z -v ~/x:/x "
				  "-v data:/data -v /anon -v \"$(pwd)\":/app --mount type=bind,source=/etc,target=/e,readonly "
				  "--mount type=bind,src=/s,dst=/d,readonly=false --mount type=tmpfs,destination=/t,tmpfs-mode=1770 "
				  "--mount type=volume,src=v,destination=/v,ro --tmpfs /tmp --tmpfs /run:rw,noexec,nosuid,nodev,size=64m x");
	const struct wl_container *c = one(w);
	assert_int_equal(c->n_mounts, 12);
	const struct wl_mount *m = c->mounts;
	assert_int_equal(m[0].type, WL_MNT_BIND);
	assert_string_equal(m[0].source, "/var/run/docker.sock");
	at(m[0].at, 1, 12, "-v");
	assert_int_equal(m[1].type, WL_MNT_BIND);
	assert_string_equal(m[1].source, "./src");
	assert_string_equal(m[1].destination, "/src");
	assert_true(m[1].read_only);
	assert_int_equal(m[2].type, WL_MNT_BIND);
	assert_int_equal(m[3].type, WL_MNT_VOLUME);
	assert_string_equal(m[3].source, "data");
	assert_int_equal(m[4].type, WL_MNT_VOLUME);
	assert_null(m[4].source);
	assert_string_equal(m[4].destination, "/anon");
	assert_int_equal(m[5].type, WL_MNT_BIND);
	assert_string_equal(m[5].source, "$(pwd)");
	assert_int_equal(m[6].type, WL_MNT_BIND);
	assert_string_equal(m[6].source, "/etc");
	assert_string_equal(m[6].destination, "/e");
	assert_true(m[6].read_only);
	at(m[6].at, 1, 0, "--mount");
	assert_string_equal(m[7].source, "/s");
	assert_string_equal(m[7].destination, "/d");
	assert_false(m[7].read_only);
	assert_int_equal(m[8].type, WL_MNT_TMPFS);
	assert_string_equal(m[8].destination, "/t");
	assert_int_equal(m[9].type, WL_MNT_VOLUME);
	assert_true(m[9].read_only);
	assert_int_equal(m[10].type, WL_MNT_TMPFS);
	assert_true(m[10].noexec && m[10].nosuid && m[10].nodev); /* docker's own defaults */
	assert_int_equal(m[11].type, WL_MNT_TMPFS);
	assert_string_equal(m[11].destination, "/run");
	assert_true(m[11].noexec && m[11].nosuid && m[11].nodev);
	assert_false(m[11].read_only);
	workload_free(w);

	/* exec undoes docker's noexec; podman's tmpfs is not noexec unless asked */
	w = run1("docker run --tmpfs /tmp:exec,size=1g x");
	c = one(w);
	assert_false(c->mounts[0].noexec);
	assert_true(c->mounts[0].nosuid);
	workload_free(w);
	w = run1("podman run --tmpfs /tmp x");
	c = one(w);
	assert_false(c->mounts[0].noexec);
	assert_true(c->mounts[0].nodev);
	workload_free(w);
}

static void test_port_env_and_limit_facts(void **st)
{
	(void)st;
	struct workload *w = run1("docker run -p 8080:80 -p 127.0.0.1:8443:443/tcp -p [::1]:53:53/udp -p 8000-8001:80-81 -p 80 "
				  "-p 127.0.0.1::9000 -P -e A=1 -e HOME --env-file ./prod.env -m 512m --pids-limit 100 "
				  "--cpus=0.5 x");
	const struct wl_container *c = one(w);
	assert_int_equal(c->n_ports, 7);
	const struct wl_port *p = c->ports;
	assert_null(p[0].host_ip);
	assert_int_equal(p[0].host_port, 8080);
	assert_int_equal(p[0].container_port, 80);
	assert_string_equal(p[0].proto, "tcp");
	assert_string_equal(p[1].host_ip, "127.0.0.1");
	assert_int_equal(p[1].host_port, 8443);
	assert_string_equal(p[2].host_ip, "::1");
	assert_string_equal(p[2].proto, "udp");
	assert_int_equal(p[2].container_port, 53);
	assert_int_equal(p[3].host_port, 8000);
	assert_int_equal(p[3].container_port, 80);
	assert_null(p[4].host_ip);
	assert_int_equal(p[4].host_port, 0);
	assert_int_equal(p[4].container_port, 80);
	assert_string_equal(p[5].host_ip, "127.0.0.1");
	assert_int_equal(p[5].host_port, 0);
	assert_int_equal(p[5].container_port, 9000);
	assert_null(p[6].host_ip);
	assert_int_equal(p[6].container_port, 0);
	at(p[6].at, 1, 0, "-P");
	assert_int_equal(c->n_env, 3);
	assert_null(c->env[1].value);
	assert_false(c->env[1].from_secret_ref);
	assert_string_equal(c->env[2].name, "./prod.env");
	assert_null(c->env[2].value);
	assert_true(c->env[2].from_secret_ref);
	at(c->env[2].at, 1, 0, "--env-file");
	assert_int_equal(c->mem_limit.v, WL_YES);
	at(c->mem_limit.at, 1, 0, "-m");
	assert_int_equal(c->pids_limit.v, WL_YES);
	assert_int_equal(c->cpu_limit.v, WL_YES);
	workload_free(w);

	w = run1("docker run --memory 0 --pids-limit 0 --cpu-quota -1 x");
	c = one(w);
	assert_int_equal(c->mem_limit.v, WL_NO);
	assert_int_equal(c->pids_limit.v, WL_NO);
	assert_int_equal(c->cpu_limit.v, WL_NO);
	workload_free(w);
}

static void test_parse_errors_keep_the_rest(void **st)
{
	(void)st;
	struct workload *w = run1("docker run --frobnicate -Z -u 0 --security-opt bogus=1 -p 99999:80 nginx");
	assert_int_equal(w->n_containers, 1);
	const struct wl_container *c = &w->containers[0];
	at(error_with(w, "--frobnicate")->at, 1, 12, "--frobnicate");
	error_with(w, "-Z");
	error_with(w, "bogus=1");
	error_with(w, "99999:80");
	assert_int_equal(c->user.uid, 0);
	assert_string_equal(image(c), "nginx");
	workload_free(w);

	w = run1("docker run -p 80:80 --name");
	assert_int_equal(w->n_containers, 1);
	error_with(w, "--name needs a value");
	error_with(w, "no image");
	assert_int_equal(w->containers[0].n_ports, 1);
	workload_free(w);

	w = run1("docker ps -a");
	assert_int_equal(w->n_containers, 0);
	error_with(w, "not a docker run command");
	workload_free(w);

	/* podman's own flags are podman's, not docker's */
	w = run1("docker run --replace x");
	error_with(w, "--replace");
	workload_free(w);

	/* an unterminated quote is an error, not a crash */
	w = run1("docker run -e 'A=1 nginx");
	error_with(w, "unterminated");
	workload_free(w);
}

static void test_scan_shell_script(void **st)
{
	(void)st;
	struct workload *w = scan("deploy.sh", "#!/bin/sh\n"
					       "set -e\n"
					       "# start the database: docker run -p 5432:5432 postgres\n"
					       "echo \"docker run -p 1:1 nope\"\n"
					       "echo docker run -p 1:1 nope\n"
					       "docker pull redis && docker run -d \\\n"
					       "  --name cache \\\n"
					       "  -p 6379:6379 \\\n"
					       "  redis:7\n"
					       "CID=$(sudo docker run -d --read-only $IMAGE:${TAG})\n"
					       "$(DOCKER) run -p 2:2 nope\n"
					       "if true; then exec docker container run --privileged alpine; fi\n"
					       "ssh deploy@web \"docker run -d -p 80:80 web:2\"\n"
					       "timeout 60 sh -c 'docker run --net=host probe:1'\n");
	assert_int_equal(w->n_errors, 0);
	assert_int_equal(w->n_containers, 5);
	at(w->containers[3].ports[0].at, 13, 31, "-p");
	assert_string_equal(w->containers[3].images[0].ref, "web:2");
	assert_int_equal(w->containers[4].host_ns[WL_NS_NET].v, WL_YES);
	const struct wl_container *c = &w->containers[0];
	assert_string_equal(c->name, "cache");
	at(c->at, 6, 22, NULL);
	at(c->ports[0].at, 8, 3, "-p");
	at(c->images[0].at, 9, 3, NULL);
	c = &w->containers[1];
	at(c->at, 10, 7, NULL);
	assert_int_equal(c->read_only_root.v, WL_YES);
	assert_string_equal(c->images[0].ref, "$IMAGE:${TAG}");
	assert_true(c->images[0].unresolved);
	c = &w->containers[2];
	at(c->privileged.at, 12, 41, "--privileged");
	assert_string_equal(c->images[0].ref, "alpine");
	workload_free(w);
}

static void test_scan_makefile(void **st)
{
	(void)st;
	struct workload *w = scan("Makefile", "IMAGE ?= app:dev\n"
					      "run:\n"
					      "\t@docker run --rm -p 8080:80 $(IMAGE)\n"
					      "test: build\n"
					      "\t-docker run --rm \\\n"
					      "\t\t-u 1000 app:test make check\n"
					      "lint:\n"
					      "\t$(DOCKER) run --privileged hadolint/hadolint\n"
					      "shell:\n"
					      "\tdocker run -it -v $$(pwd):/src -w /src alpine:3 sh\n");
	assert_int_equal(w->n_errors, 0);
	assert_int_equal(w->n_containers, 3);
	assert_string_equal(w->containers[2].mounts[0].source, "$(pwd)");
	assert_string_equal(w->containers[2].images[0].ref, "alpine:3");
	at(w->containers[0].ports[0].at, 3, 19, "-p");
	assert_true(w->containers[0].images[0].unresolved);
	at(w->containers[1].user.at, 6, 3, "-u");
	assert_string_equal(w->containers[1].images[0].ref, "app:test");
	workload_free(w);
}

static void test_scan_github_actions(void **st)
{
	(void)st;
	struct workload *w = scan(".github/workflows/ci.yml", "name: ci\n"
							      "on: push\n"
							      "jobs:\n"
							      "  test:\n"
							      "    runs-on: ubuntu-latest\n"
							      "    steps:\n"
							      "      - name: Don't docker run on prose\n"
							      "        run: |\n"
							      "          docker build -t app .\n"
							      "          docker run --rm \\\n"
							      "            --network host \\\n"
							      "            app pytest\n"
							      "      - run: docker run -p 80:80 nginx:1.27\n"
							      "      - name: quoted\n"
							      "        run: \"docker run --pid host busybox\"\n");
	assert_int_equal(w->n_errors, 0);
	assert_int_equal(w->n_containers, 3);
	at(w->containers[0].at, 10, 11, NULL);
	at(w->containers[0].host_ns[WL_NS_NET].at, 11, 13, "--network");
	assert_string_equal(w->containers[0].images[0].ref, "app");
	at(w->containers[1].ports[0].at, 13, 25, "-p");
	assert_int_equal(w->containers[2].host_ns[WL_NS_PID].v, WL_YES);
	at(w->containers[2].host_ns[WL_NS_PID].at, 15, 26, "--pid");
	workload_free(w);
}

static void test_scan_markdown(void **st)
{
	(void)st;
	struct workload *w = scan("README.md", "# Usage\n"
					       "\n"
					       "Run it with docker run -p 80:80 prose, or see below.\n"
					       "\n"
					       "```console\n"
					       "$ docker run --rm \\\n"
					       "    -p 8080:80 web:1\n"
					       "abc123\n"
					       "```\n"
					       "\n"
					       "Then docker run --privileged again is prose.\n"
					       "  ~~~sh\n"
					       "  podman run --cap-add SYS_ADMIN fedora\n"
					       "  ~~~\n");
	assert_int_equal(w->n_errors, 0);
	assert_int_equal(w->n_containers, 2);
	at(w->containers[0].at, 6, 3, NULL);
	at(w->containers[0].ports[0].at, 7, 5, "-p");
	assert_string_equal(w->containers[0].images[0].ref, "web:1");
	at(w->containers[1].caps.add[0].at, 13, 14, "--cap-add");
	workload_free(w);
}

static void test_scan_suppressions(void **st)
{
	(void)st;
	struct workload *w = scan("run.sh", "# stockade:ignore STK101,STK401 the proxy needs root and port 80\n"
					    "docker run \\\n"
					    "  -p 80:80 nginx\n"
					    "docker run -u 0 alpine # stockade:ignore STK101\n"
					    "# stockade:ignore\n"
					    "docker run busybox\n"
					    "docker run unsuppressed\n");
	assert_int_equal(w->n_containers, 4);
	assert_int_equal(w->n_suppress, 3);
	const struct wl_suppress *s = &w->suppress[0];
	assert_int_equal(s->first_line, 2);
	assert_int_equal(s->last_line, 3);
	assert_int_equal(s->n_ids, 2);
	assert_string_equal(s->ids[0], "STK101");
	assert_string_equal(s->ids[1], "STK401");
	assert_string_equal(s->reason, "the proxy needs root and port 80");
	at(s->at, 1, 1, NULL);
	s = &w->suppress[1];
	assert_int_equal(s->first_line, 4);
	assert_int_equal(s->last_line, 4);
	assert_int_equal(s->n_ids, 1);
	assert_null(s->reason);
	s = &w->suppress[2];
	assert_int_equal(s->first_line, 6);
	assert_int_equal(s->n_ids, 0);

	struct rule_ctx ctx;
	rule_ctx_default(&ctx);
	struct findings f = { 0 };
	assert_int_equal(rules_eval(w, &ctx, &f), 0);
	size_t n401 = 0, n001 = 0;
	for (size_t i = 0; i < f.n; i++) {
		const struct finding *x = &f.v[i];
		if (x->at.line >= 2 && x->at.line <= 3 && (!strcmp(x->rule->id, "STK101") || !strcmp(x->rule->id, "STK401"))) {
			assert_true(x->suppressed);
			n401 += !strcmp(x->rule->id, "STK401");
		}
		if (x->at.line == 3 && !strcmp(x->rule->id, "STK502"))
			assert_false(x->suppressed);
		if (x->at.line == 6)
			assert_true(x->suppressed);
		if (x->at.line == 7)
			assert_false(x->suppressed);
		n001 += !strcmp(x->rule->id, "STK001");
	}
	assert_int_equal(n401, 1);
	assert_int_equal(n001, 2); /* two comments without a reason */
	findings_free(&f);
	workload_free(w);
}

static bool fired(const struct findings *f, const char *id, int line)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].rule->id, id) && f->v[i].at.line == line)
			return true;
	return false;
}

static void test_rules_fire(void **st)
{
	(void)st;
	struct rule_ctx ctx;
	rule_ctx_default(&ctx);
	struct workload *w = run1("docker run -p 8080:80 nginx");
	struct findings f = { 0 };
	assert_int_equal(rules_eval(w, &ctx, &f), 0);
	assert_true(fired(&f, "STK401", 1));
	assert_true(fired(&f, "STK502", 1));
	assert_true(fired(&f, "STK101", 1));
	findings_free(&f);
	workload_free(w);

	w = run1("docker run --read-only --cap-drop=ALL -u 1000 --security-opt no-new-privileges -p 127.0.0.1:8080:80 "
		 "--memory 256m --pids-limit 100 --cpus 1 --tmpfs /tmp:rw,noexec,nosuid,nodev nginx:1.27@" DIGEST);
	memset(&f, 0, sizeof(f));
	assert_int_equal(rules_eval(w, &ctx, &f), 0);
	for (size_t i = 0; i < f.n; i++)
		print_error("unexpected finding %s: %s\n", f.v[i].rule->id, f.v[i].message);
	assert_int_equal(f.n, 0);
	findings_free(&f);
	workload_free(w);

	w = run1("docker run --privileged -v /var/run/docker.sock:/var/run/docker.sock --net=host --cap-add SYS_ADMIN "
		 "-e DB_PASSWORD=hunter2 --env-file .env $IMAGE");
	memset(&f, 0, sizeof(f));
	assert_int_equal(rules_eval(w, &ctx, &f), 0);
	assert_true(fired(&f, "STK102", 1));
	assert_true(fired(&f, "STK303", 1));
	assert_true(fired(&f, "STK205", 1));
	assert_true(fired(&f, "STK202", 1));
	assert_true(fired(&f, "STK601", 1));
	assert_true(fired(&f, "STK602", 1));
	assert_false(fired(&f, "STK501", 1)); /* $IMAGE is not judged */
	findings_free(&f);
	workload_free(w);

	/* a README's placeholder is not an image */
	w = run1("docker run --rm IMAGE cmd");
	memset(&f, 0, sizeof(f));
	assert_int_equal(rules_eval(w, &ctx, &f), 0);
	assert_true(w->containers[0].images[0].unresolved);
	assert_false(fired(&f, "STK502", 1));
	findings_free(&f);
	workload_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words_quotes_escapes_and_operators),
		cmocka_unit_test(test_continuation_lines_give_lines_and_columns),
		cmocka_unit_test(test_flag_grammar),
		cmocka_unit_test(test_user_and_privilege_facts),
		cmocka_unit_test(test_capability_and_namespace_facts),
		cmocka_unit_test(test_mount_facts),
		cmocka_unit_test(test_port_env_and_limit_facts),
		cmocka_unit_test(test_parse_errors_keep_the_rest),
		cmocka_unit_test(test_scan_shell_script),
		cmocka_unit_test(test_scan_makefile),
		cmocka_unit_test(test_scan_github_actions),
		cmocka_unit_test(test_scan_markdown),
		cmocka_unit_test(test_scan_suppressions),
		cmocka_unit_test(test_rules_fire),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
