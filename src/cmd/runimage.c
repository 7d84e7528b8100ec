/*
 * stockade run IMAGE, ps (the container list), logs, stop, rm: containers
 * made from images in the store.  Built into stockade-image; the runtime
 * binary execs it for these forms (run.c and manage.c decide).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "image/bundle.h"
#include "image/image.h"
#include "image/monitor.h"
#include "image/runopts.h"
#include "oci/spec.h"
#include "policy/policy.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/macros.h"

static const char run_usage[] = "run [OPTIONS] IMAGE [COMMAND [ARG...]]";

static void run_help(void)
{
	printf("Usage: stockade %s\n\nRun a command in a new container made from an image in the store.\n"
	       "(\"stockade run [--bundle DIR] ID\" runs an OCI bundle, as runc does: see run --bundle . --help.)\n\n%s",
	       run_usage, runopts_help);
}

static bool wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (STREQ(argv[i], "--help"))
			return true;
		if (argv[i][0] != '-' || STREQ(argv[i], "--"))
			return false; /* the image: what follows is the command's */
	}
	return false;
}

static void gen_name(char *buf, size_t n)
{
	uint32_t v = 0;
	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		v = (uint32_t)getpid() ^ (uint32_t)time(NULL);
	snprintf(buf, n, "ctr-%08x", v);
}

/* A refusal by STK501 names the pinned reference the user can run instead. */
static int pin_hint(int r, const char *pinned)
{
	if (r < 0 && strstr(err_msg(), "STK501"))
		return err_hint(r, "this image is %s: run it by that reference (stockade run ... %s)", pinned, pinned);
	return r;
}

static json_object *ports_json(const struct fwd_port *p, size_t n)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		char buf[128];
		fwd_format(&p[i], buf, sizeof(buf));
		json_object_array_add(a, json_object_new_string(buf));
	}
	return a;
}

struct run_ctx {
	struct arena a;
	struct run_opts o;
	struct img_store store;
	bool store_open;
	struct fwd_port *ports;
	size_t nports;
	bool ports_bound;
	int runfd, recfd, rootfd;
	bool claimed;
	char name[64], id[80], digest[IMG_DIGEST_LEN + 1], ref[512], pinned[512], recpath[4096];
	char *rootfs, *config;
	struct policy *pol;
	const char *store_opt;
};

static void ctx_free(struct run_ctx *c, bool remove_record)
{
	if (remove_record && c->claimed)
		rm_rf_at(c->runfd, c->name);
	if (c->ports_bound)
		fwd_close(c->ports, c->nports);
	free(c->ports);
	if (c->pol)
		policy_free(c->pol);
	free(c->rootfs);
	free(c->config);
	if (c->store_open)
		img_store_close(&c->store);
	for (int *fd = &c->runfd; fd <= &c->rootfd; fd++)
		if (*fd >= 0)
			close(*fd);
	arena_free(&c->a);
}

static int parse_ports(struct run_ctx *c)
{
	if (!c->o.npublish)
		return 0;
	c->ports = calloc(c->o.npublish, sizeof(*c->ports));
	if (!c->ports)
		return err_sys(ENOMEM, "-p");
	for (size_t i = 0; i < c->o.npublish; i++) {
		int r = fwd_parse(c->o.publish[i], &c->ports[i]);
		if (r < 0)
			return err_ctx(r, "-p %s", c->o.publish[i]);
		c->ports[i].fd = -1;
	}
	c->nports = c->o.npublish;
	return 0;
}

/*
 * Run `stockade-image [--store S] [--policy P] CMD ARG` and wait: pulling
 * (libcurl) and unpacking (libarchive) live there, so that the runtime binary
 * does not load them for the containers of images already unpacked.  Its
 * stdout (the pinned reference) is not ours; its errors and progress go to
 * our stderr.
 */
static int image_tool(struct globals *g, const char *cmd, const char *arg)
{
	char tool[PATH_MAX];
	cli_sibling(g, "stockade-image", "STOCKADE_IMAGE_TOOL", tool, sizeof(tool));
	const char *argv[12];
	int n = 0;
	argv[n++] = tool;
	if (g->store)
		argv[n++] = "--store", argv[n++] = g->store;
	if (g->policy)
		argv[n++] = "--policy", argv[n++] = g->policy;
	if (g->debug)
		argv[n++] = "--debug";
	argv[n++] = cmd;
	argv[n++] = arg;
	argv[n] = NULL;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return err_sys(errno, "fork");
	if (pid == 0) {
		int nul = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (nul >= 0)
			dup2(nul, STDOUT_FILENO);
		execv(tool, (char *const *)argv);
		dprintf(STDERR_FILENO, "stockade: cannot run %s (it %ss images): %s; install it next to stockade or name "
				       "it with $STOCKADE_IMAGE_TOOL\n", tool, cmd, strerror(errno));
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return err_sys(errno, "waitpid");
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	/* stockade-image printed why */
	return err_set(EIO, "%s %s failed (%s exited with %d)", cmd, arg, tool, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

/*
 * -P: every ExposedPort ("8080/tcp") the image declares, on 127.0.0.1 at the
 * same number, unless a -p already publishes that container port.  Docker
 * picks random host ports; a fixed loopback port is what a user can find
 * again without asking.
 */
static int add_exposed(struct run_ctx *c, const struct img_image *img)
{
	if (!c->o.publish_all || !img->config.exposed_ports)
		return 0;
	for (char **e = img->config.exposed_ports; *e; e++) {
		char spec[64];
		unsigned port = 0;
		char proto[8] = "tcp";
		if (sscanf(*e, "%u/%7s", &port, proto) < 1 || port == 0 || port > 65535) {
			log_warn("-P: the image's ExposedPorts entry \"%s\" is not PORT[/PROTO]; skipped", *e);
			continue;
		}
		bool taken = false;
		for (size_t i = 0; i < c->nports; i++)
			taken |= c->ports[i].ctr_port == port && STREQ(c->ports[i].proto, proto);
		if (taken)
			continue;
		snprintf(spec, sizeof(spec), "%u:%u/%s", port, port, proto);
		struct fwd_port *np = realloc(c->ports, (c->nports + 1) * sizeof(*np));
		if (!np)
			return err_sys(ENOMEM, "-P");
		c->ports = np;
		int r = fwd_parse(spec, &c->ports[c->nports]);
		if (r < 0)
			return err_ctx(r, "-P: the image's ExposedPorts entry \"%s\"", *e);
		c->ports[c->nports++].fd = -1;
	}
	return 0;
}

/* The image: resolve (pull when missing), load its config, find its root (unpack on first use). */
static int find_image(struct run_ctx *c, struct globals *g, struct img_image *img)
{
	struct img_ref ref;
	int r = img_ref_parse(c->o.image, &ref);
	if (r < 0)
		return r;
	img_ref_format(&ref, ref.digest[0] != '\0', c->ref, sizeof(c->ref));
	if ((r = img_store_open(img_store_path(c->store_opt), &c->store)) < 0)
		return r;
	c->store_open = true;
	r = img_resolve(&c->store, c->o.image, c->digest);
	if (r == -ENOENT) {
		err_clear();
		if ((r = image_tool(g, "pull", c->o.image)) < 0)
			return err_ctx(r, "image %s is not in the store (%s), and pulling it failed", c->ref, c->store.root);
		r = img_resolve(&c->store, c->o.image, c->digest);
	}
	if (r < 0)
		return r;
	snprintf(c->pinned, sizeof(c->pinned), "%s@%s", ref.name[0] ? ref.name : c->o.image, c->digest);
	if ((r = img_image_load(&c->store, c->digest, &c->a, img)) < 0)
		return r;
	r = img_rootfs_lookup(&c->store, c->digest, &c->rootfs);
	if (r == -ENOENT) {
		err_clear();
		if ((r = image_tool(g, "unpack", c->digest)) < 0)
			return r;
		r = img_rootfs_lookup(&c->store, c->digest, &c->rootfs);
	}
	return r;
}

static int find_init(struct globals *g, char *out, size_t n)
{
	cli_sibling(g, "stockade-init", "STOCKADE_INIT", out, n);
	if (access(out, X_OK) < 0) { /* in a build tree it is under src/image/ */
		char dir[PATH_MAX];
		cli_sibling(g, "", NULL, dir, sizeof(dir));
		snprintf(out, n, "%ssrc/image/stockade-init", dir);
	}
	char abs[PATH_MAX];
	struct stat st;
	if (!realpath(out, abs) || stat(abs, &st) < 0 || !S_ISREG(st.st_mode) || access(abs, X_OK) < 0)
		return err_set(ENOENT, "--init: stockade-init is not next to stockade (%s): install it (make install "
				       "does) or name it with $STOCKADE_INIT", out);
	snprintf(out, n, "%s", abs);
	return 0;
}

/* Claim <root>/.run/<name> (the name is unique) and write config.json and meta.json. */
static int make_record(struct run_ctx *c, struct globals *g, const struct img_image *img, const char *init)
{
	int r;
	if (c->o.name)
		snprintf(c->name, sizeof(c->name), "%s", c->o.name);
	else
		gen_name(c->name, sizeof(c->name));
	snprintf(c->id, sizeof(c->id), "run-%s", c->name);
	if ((c->runfd = rec_root_open(g->root, true)) < 0)
		return c->runfd;
	if (mkdirat(c->runfd, c->name, 0700) < 0) {
		if (errno == EEXIST)
			return err_set(EEXIST, "a container named \"%s\" already exists: remove it (stockade rm %s) or "
					       "choose another --name", c->name, c->name);
		return err_sys(errno, "cannot create the record of container \"%s\"", c->name);
	}
	c->claimed = true;
	snprintf(c->recpath, sizeof(c->recpath), "%s/" REC_DIR "/%s", g->root, c->name);
	if ((c->recfd = openat(c->runfd, c->name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return err_sys(errno, "%s", c->recpath);
	if ((c->rootfd = open(c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return err_sys(errno, "image root %s", c->rootfs);
	struct bundle_in in = { .init_path = init[0] ? init : NULL, .o = &c->o, .cfg = &img->config, .rootfs = c->rootfs, .rootfd = c->rootfd,
				.name = c->name, .image_ref = c->ref, .ports = c->ports, .nports = c->nports };
	if ((r = bundle_build(&in, &c->config)) < 0)
		return r;
	if ((r = write_file_atomic_at(c->recfd, "config.json", c->config, strlen(c->config), 0600)) < 0)
		return err_sys(r, "cannot write %s/config.json", c->recpath);

	char created[64];
	log_timestamp(created, sizeof(created));
	json_object *m = json_object_new_object();
	json_object_object_add(m, "name", json_object_new_string(c->name));
	json_object_object_add(m, "id", json_object_new_string(c->id));
	json_object_object_add(m, "image", json_object_new_string(c->ref));
	json_object_object_add(m, "pinned", json_object_new_string(c->pinned));
	json_object_object_add(m, "digest", json_object_new_string(c->digest));
	json_object_object_add(m, "ports", ports_json(c->ports, c->nports));
	json_object_object_add(m, "created", json_object_new_string(created));
	/* foreground: this process supervises, so the record says so at once (one write less per run) */
	json_object_object_add(m, "status", json_object_new_string(c->o.detach ? "created" : "running"));
	json_object_object_add(m, "detached", json_object_new_boolean(c->o.detach));
	json_object_object_add(m, "rm", json_object_new_boolean(c->o.rm));
	const char *sig = c->o.stop_signal ? c->o.stop_signal
			  : (img->config.stop_signal && *img->config.stop_signal ? img->config.stop_signal : "SIGTERM");
	if (signal_from_name(sig) < 0) {
		json_object_put(m);
		return err_set(EINVAL, "%s \"%s\" is not a signal", c->o.stop_signal ? "--stop-signal" : "the image's StopSignal",
			       sig);
	}
	json_object_object_add(m, "stop_signal", json_object_new_string(sig));
	json_object_object_add(m, "stop_timeout", json_object_new_int(c->o.stop_timeout >= 0 ? c->o.stop_timeout : 10));
	json_object_object_add(m, "monitor_pid", json_object_new_int(c->o.detach ? 0 : getpid()));
	json_object_object_add(m, "pid", json_object_new_int(0));
	r = rec_meta_save(c->recfd, m);
	json_object_put(m);
	return r;
}

int cmd_run_image(struct globals *g, int argc, char **argv)
{
	if (wants_help(argc, argv)) {
		run_help();
		return 0;
	}
	struct run_ctx c = { .runfd = -1, .recfd = -1, .rootfd = -1, .store_opt = g->store };
	int r = runopts_parse(argc, argv, &c.a, &c.o);
	if (r == 0)
		r = parse_ports(&c);
	if (r < 0 && r != -ENOSYS) {
		cli_usage_error("run", "%s", err_msg());
		ctx_free(&c, true);
		return EXIT_USAGE;
	}
	char init_path[4096] = "";
	if (r == 0 && c.o.init)
		r = find_init(g, init_path, sizeof(init_path));
	/* the policy first: it also says how an image not yet unpacked is unpacked (images.keep_setuid) */
	if (r == 0 && !(c.pol = cli_load_policy(g, c.o.name ? c.o.name : "stockade run"))) {
		ctx_free(&c, true);
		return 1;
	}
	struct img_image img;
	if (r == 0)
		r = find_image(&c, g, &img);
	if (r == 0)
		r = add_exposed(&c, &img);
	if (r == 0)
		r = make_record(&c, g, &img, init_path);
	if (r == 0 && c.o.writable_rootfs)
		log_warn("--writable-rootfs: the image's root in the store (%s) is shared by every container of this "
			 "image and is written in place", c.rootfs);
	if (r == 0 && c.nports && (r = fwd_bind(c.ports, c.nports)) == 0)
		c.ports_bound = true;
	if (r < 0) {
		ctx_free(&c, true);
		return cli_fail(r);
	}
	struct monitor_spec m = { .root = g->root, .name = c.name, .runfd = c.runfd, .recfd = c.recfd, .rm = c.o.rm,
				  .interactive = c.o.interactive || c.o.tty, .ports = c.ports, .nports = c.nports };
	m.co.id = c.id;
	m.co.bundle = c.recpath;
	m.co.policy = c.pol;
	if (c.o.detach) {
		pid_t mon;
		r = monitor_start(&m, &mon);
		if (r < 0) {
			r = pin_hint(r, c.pinned);
			ctx_free(&c, true);
			return cli_fail(r);
		}
		printf("%s\n", c.name);
		ctx_free(&c, false);
		return 0;
	}
	int code = 0;
	r = monitor_foreground(&m, &code);
	if (r < 0) {
		r = pin_hint(r, c.pinned);
		ctx_free(&c, true);
		return cli_fail(r);
	}
	monitor_finish(c.runfd, c.name, c.recfd, c.o.rm, code);
	c.claimed = false;
	ctx_free(&c, false);
	return code;
}

/* ------------------------------------------------------ ps logs stop rm */

struct rec {
	int runfd, recfd;
	json_object *meta;
};

static void rec_close(struct rec *r)
{
	json_object_put(r->meta);
	if (r->recfd >= 0)
		close(r->recfd);
	if (r->runfd >= 0)
		close(r->runfd);
}

static int rec_open(struct globals *g, const char *name, struct rec *out)
{
	out->runfd = out->recfd = -1;
	out->meta = NULL;
	if (!runopts_name_valid(name))
		return err_set(EINVAL, "\"%s\" is not a container name", name);
	int r;
	if ((out->runfd = rec_root_open(g->root, false)) < 0 && out->runfd != -ENOENT)
		return out->runfd;
	if (out->runfd < 0 ||
	    (out->recfd = openat(out->runfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		rec_close(out);
		return err_set(ENOENT, "no container named \"%s\" (stockade ps -a lists them)", name);
	}
	if ((r = rec_meta_load(out->recfd, &out->meta)) < 0) {
		rec_close(out);
		return err_ctx(r, "container \"%s\"", name);
	}
	return 0;
}

static const char *mstr(json_object *m, const char *k)
{
	json_object *v;
	return json_object_object_get_ex(m, k, &v) ? json_object_get_string(v) : "";
}

static int mint(json_object *m, const char *k)
{
	json_object *v;
	return json_object_object_get_ex(m, k, &v) ? json_object_get_int(v) : 0;
}

static int pidfd_of(pid_t pid)
{
	return pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
}

/* "running" only while its monitor (or foreground stockade) lives. */
static const char *live_status(json_object *m)
{
	const char *s = mstr(m, "status");
	if (!STREQ(s, "running") && !STREQ(s, "created"))
		return s;
	pid_t mon = mint(m, "monitor_pid");
	if (mon > 0 && kill(mon, 0) == 0)
		return "running";
	return "gone";
}

/* Wait up to ms for pidfd to exit (-1: forever); true when it did. */
static bool wait_exit(int pidfd, int ms)
{
	if (pidfd < 0)
		return true;
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	int r;
	while ((r = poll(&p, 1, ms)) < 0 && errno == EINTR)
		;
	return r > 0;
}

int cmd_ps_list(struct globals *g, int argc, char **argv)
{
	const char *format = "table";
	bool all = false;
	const struct opt opts[] = {
		{ "all", 'a', OPT_FLAG, &all, NULL, "also containers that exited (kept with --rm=false)" },
		{ "format", 'f', OPT_CHOICE, &format, "table|json", "output format" },
	};
	const struct cmd_help h = { "ps [-a] [--format table|json]",
				    "List the containers \"stockade run IMAGE\" started (\"ps ID\": a container's processes).",
				    NULL };
	int r = cli_parse(argc, argv, opts, ARRAY_SIZE(opts), &h, false, NULL, NULL);
	if (r)
		return r > 0 ? 0 : EXIT_USAGE;
	json_object *list = json_object_new_array();
	int runfd = rec_root_open(g->root, false);
	DIR *d = runfd >= 0 ? fdopendir(runfd) : NULL;
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		int fd = openat(runfd, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		json_object *m = NULL;
		if (fd < 0 || rec_meta_load(fd, &m) < 0) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		close(fd);
		const char *st = live_status(m);
		if (!all && !STREQ(st, "running")) {
			json_object_put(m);
			continue;
		}
		json_object_object_add(m, "status", json_object_new_string(st));
		json_object_array_add(list, m);
	}
	if (d)
		closedir(d);
	else if (runfd >= 0)
		close(runfd);
	if (STREQ(format, "json")) {
		puts(json_object_to_json_string_ext(list, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	} else {
		printf("%-20s %-40s %-14s %-28s %s\n", "NAME", "IMAGE", "STATUS", "PORTS", "CREATED");
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			json_object *m = json_object_array_get_idx(list, i), *ports;
			char status[40], pbuf[256] = "";
			if (STREQ(mstr(m, "status"), "exited"))
				snprintf(status, sizeof(status), "exited (%d)", mint(m, "exit_code"));
			else
				snprintf(status, sizeof(status), "%s", mstr(m, "status"));
			if (json_object_object_get_ex(m, "ports", &ports))
				for (size_t k = 0; k < json_object_array_length(ports); k++)
					snprintf(pbuf + strlen(pbuf), sizeof(pbuf) - strlen(pbuf), "%s%s", k ? "," : "",
						 json_object_get_string(json_object_array_get_idx(ports, k)));
			/* a pinned reference is shown as name@sha256:<12 hex>, as `images` shortens digests (json has it whole) */
			char img[300];
			const char *ref = mstr(m, "image"), *at = strstr(ref, "@sha256:");
			if (at && strlen(at) > 8 + 12)
				snprintf(img, sizeof(img), "%.*s@sha256:%.12s", (int)(at - ref), ref, at + 8);
			else
				snprintf(img, sizeof(img), "%s", ref);
			char created[20];
			snprintf(created, sizeof(created), "%s", mstr(m, "created")); /* to the second: 2026-12-03T03:17:15 */
			printf("%-20s %-40s %-14s %-28s %s\n", mstr(m, "name"), img, status, pbuf, created);
		}
	}
	json_object_put(list);
	return 0;
}

int cmd_logs(struct globals *g, int argc, char **argv)
{
	bool follow = false;
	const struct opt opts[] = { { "follow", 'f', OPT_FLAG, &follow, NULL, "keep printing until the container exits" } };
	const struct cmd_help h = { "logs [-f] NAME", "Print the output (stdout and stderr) of a detached container.", NULL };
	int r;
	const char *name = cli_parse_one(argc, argv, opts, ARRAY_SIZE(opts), &h, "container name", &r);
	if (!name)
		return r;
	struct rec rc;
	r = rec_open(g, name, &rc);
	if (r < 0)
		return cli_fail(r);
	int fd = openat(rc.recfd, REC_LOG, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		r = err_set(ENOENT, "container \"%s\" has no log: only detached containers (-d) keep one; a foreground "
				    "container's output went to its terminal", name);
		rec_close(&rc);
		return cli_fail(r);
	}
	int mon = follow && STREQ(live_status(rc.meta), "running") ? pidfd_of(mint(rc.meta, "monitor_pid")) : -1;
	char buf[65536];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n > 0) {
			if (write_all(1, buf, (size_t)n) < 0)
				break;
			continue;
		}
		if (n < 0 || mon < 0)
			break;
		if (wait_exit(mon, 100)) {
			close(mon);
			mon = -1; /* one more pass for what it wrote last */
		}
	}
	if (mon >= 0)
		close(mon);
	close(fd);
	rec_close(&rc);
	return 0;
}

/* Signal, wait for the monitor, SIGKILL after timeout seconds. */
static int stop_one(struct globals *g, struct rec *rc, const char *name, int timeout)
{
	if (!STREQ(live_status(rc->meta), "running"))
		return 0;
	const char *id = mstr(rc->meta, "id");
	int sig = signal_from_name(mstr(rc->meta, "stop_signal"));
	if (sig < 0)
		sig = SIGTERM;
	int mon = pidfd_of(mint(rc->meta, "monitor_pid"));
	int r = container_kill(g->root, id, sig, false);
	if (r < 0 && r != -ENOENT) {
		log_debug("stop %s: %s", name, err_msg());
		err_clear();
	}
	if (!wait_exit(mon, timeout * 1000)) {
		container_kill(g->root, id, SIGKILL, true);
		if (!wait_exit(mon, 10000)) {
			if (mon >= 0)
				close(mon);
			return err_set(ETIMEDOUT, "container \"%s\" did not stop within %d s of SIGKILL", name, 10);
		}
	}
	if (mon >= 0)
		close(mon);
	err_clear();
	return 0;
}

static int stop_rm(struct globals *g, int argc, char **argv, bool rm)
{
	int timeout = -1;
	bool force = false;
	const struct opt sopts[] = { { "time", 't', OPT_INT, &timeout, "SECS", "seconds to wait before SIGKILL "
									       "(default: the container's --stop-timeout, 10)" } };
	const struct opt ropts[] = { { "force", 'f', OPT_FLAG, &force, NULL, "kill a running container first" } };
	const struct cmd_help hs = { "stop [-t SECS] NAME...", "Stop containers: their stop signal, then SIGKILL after the timeout.",
				     NULL };
	const struct cmd_help hr = { "rm [-f] NAME...", "Remove containers (a running one needs -f).", NULL };
	char **pos;
	int npos;
	int r = cli_parse(argc, argv, rm ? ropts : sopts, 1, rm ? &hr : &hs, false, &pos, &npos);
	if (r)
		return r > 0 ? 0 : EXIT_USAGE;
	if (npos < 1) {
		free(pos);
		cli_usage_error(rm ? "rm" : "stop", "expected a container name");
		return EXIT_USAGE;
	}
	int rc_all = 0;
	for (int i = 0; i < npos; i++) {
		struct rec rc;
		if ((r = rec_open(g, pos[i], &rc)) < 0) {
			rc_all = cli_fail(r);
			continue;
		}
		bool running = STREQ(live_status(rc.meta), "running");
		if (rm && running && !force) {
			rc_all = cli_fail(err_set(EBUSY, "container \"%s\" is running: stop it first (stockade stop %s) "
							 "or remove it with -f", pos[i], pos[i]));
			rec_close(&rc);
			continue;
		}
		int t = rm ? 0 : (timeout >= 0 ? timeout : mint(rc.meta, "stop_timeout"));
		r = stop_one(g, &rc, pos[i], t);
		if (r == 0 && rm) {
			/* a monitor that died leaves the runtime's state: delete it too */
			r = container_delete(g->root, mstr(rc.meta, "id"), true);
			if (r == -ENOENT)
				r = 0;
			err_clear();
			r = rm_rf_at(rc.runfd, pos[i]);
			if (r == -ENOENT)
				r = 0;
			else if (r < 0)
				r = err_sys(r, "cannot remove the record of container \"%s\"", pos[i]);
		}
		if (r < 0)
			rc_all = cli_fail(r);
		else
			puts(pos[i]);
		rec_close(&rc);
	}
	free(pos);
	return rc_all;
}

int cmd_stop(struct globals *g, int argc, char **argv)
{
	return stop_rm(g, argc, argv, false);
}

int cmd_rm(struct globals *g, int argc, char **argv)
{
	return stop_rm(g, argc, argv, true);
}
