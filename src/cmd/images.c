/*
 * load, images, inspect, rmi, pull, prune: the image store from the command line.
 */
#include <dirent.h>
#include <json-c/json.h>
#include <stdio.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "image/image.h"
#include "image/prune.h"
#include "policy/policy.h"
#include "util/err.h"
#include "util/macros.h"

static int open_store(struct globals *g, struct img_store *s)
{
	return img_store_open(img_store_path(g->store), s);
}

/*
 * What the node policy says about unpacking (images.keep_setuid).  The policy
 * is loaded the way create loads it and fails closed: a policy that cannot be
 * read stops the command before anything is stored.
 */
static int unpack_opts_from_policy(struct globals *g, const char *what, struct img_unpack_opts *u)
{
	struct policy *pol = cli_load_policy(g, what);
	if (!pol)
		return -EINVAL;
	u->keep_setuid = pol->keep_setuid;
	policy_free(pol);
	return 0;
}

int cmd_load(struct globals *g, int argc, char **argv)
{
	const struct cmd_help h = { "load FILE|DIR",
				    "Load images from a docker save archive, an OCI archive or an OCI layout directory.",
				    "Every blob is verified against its sha256; a mismatch stores nothing. The pinned "
				    "reference (name@sha256:...) of each image is printed." };
	int r;
	const char *path = cli_parse_one(argc, argv, NULL, 0, &h, "archive or layout directory", &r);
	if (!path)
		return r;
	struct img_unpack_opts u = { 0 };
	if (unpack_opts_from_policy(g, "load", &u) < 0)
		return 1;
	struct img_store s;
	char **pinned = NULL;
	if ((r = open_store(g, &s)) == 0)
		r = img_load(&s, path, &pinned);
	/* Unpack now: the layers are hashed again on the way and `run` finds the root ready. */
	for (size_t i = 0; r == 0 && pinned && pinned[i]; i++) {
		const char *at = strrchr(pinned[i], '@');
		_cleanup_free_ char *root = NULL;
		if ((r = img_rootfs(&s, at ? at + 1 : pinned[i], &u, &root)) < 0)
			r = err_ctx(r, "load %s", path);
	}
	img_store_close(&s);
	for (size_t i = 0; pinned && pinned[i]; i++) {
		puts(pinned[i]);
		free(pinned[i]);
	}
	free(pinned);
	return r < 0 ? cli_fail(r) : 0;
}

int cmd_unpack(struct globals *g, int argc, char **argv)
{
	const struct cmd_help h = { "unpack REF", "Unpack an image's layers into its read-only root in the store.",
				    "run does this on first use; pull and load do it at once.  The node policy's "
				    "images.keep_setuid decides whether setuid bits survive." };
	int r;
	const char *ref = cli_parse_one(argc, argv, NULL, 0, &h, "image reference", &r);
	if (!ref)
		return r;
	struct img_unpack_opts u = { 0 };
	if (unpack_opts_from_policy(g, "unpack", &u) < 0)
		return 1;
	struct img_store s;
	char digest[IMG_DIGEST_LEN + 1];
	_cleanup_free_ char *root = NULL;
	if ((r = open_store(g, &s)) == 0) {
		if ((r = img_resolve(&s, ref, digest)) == 0 && (r = img_rootfs(&s, digest, &u, &root)) == 0)
			puts(root);
		img_store_close(&s);
	}
	return r < 0 ? cli_fail(r) : 0;
}

static void human(int64_t n, char *buf, size_t len)
{
	const char *u[] = { "B", "kB", "MB", "GB", "TB" };
	double v = (double)n;
	size_t i = 0;
	while (v >= 1000 && i + 1 < ARRAY_SIZE(u)) {
		v /= 1000;
		i++;
	}
	snprintf(buf, len, i ? "%.1f%s" : "%.0f%s", v, u[i]);
}

int cmd_images(struct globals *g, int argc, char **argv)
{
	const char *format = "table";
	const struct opt opts[] = {
		{ "format", 'f', OPT_CHOICE, &format, "table|json", "output format" },
	};
	const struct cmd_help h = { "images [--format table|json]", "List the images in the store.", NULL };
	int r = cli_parse(argc, argv, opts, ARRAY_SIZE(opts), &h, false, NULL, NULL);
	if (r)
		return r > 0 ? 0 : EXIT_USAGE;
	struct img_store s;
	struct arena a = { 0 };
	struct img_listing *l = NULL;
	size_t n = 0;
	if ((r = open_store(g, &s)) < 0 || (r = img_list(&s, &a, &l, &n)) < 0) {
		img_store_close(&s);
		arena_free(&a);
		return cli_fail(r);
	}
	json_object *arr = json_object_new_array();
	if (STREQ(format, "table"))
		printf("%-40s %-16s %-14s %-10s %s\n", "NAME", "TAG", "DIGEST", "SIZE", "CREATED");
	for (size_t i = 0; i < n; i++) {
		struct img_image img;
		struct arena ia = { 0 };
		int q = img_image_load(&s, l[i].digest, &ia, &img);
		const char *created = q == 0 && img.config.created ? img.config.created : "";
		int64_t size = q == 0 ? img.size : -1;
		if (STREQ(format, "json")) {
			json_object *o = json_object_new_object();
			json_object_object_add(o, "name", json_object_new_string(l[i].name));
			json_object_object_add(o, "tag", json_object_new_string(l[i].tag));
			json_object_object_add(o, "digest", json_object_new_string(l[i].digest));
			json_object_object_add(o, "size", json_object_new_int64(size));
			json_object_object_add(o, "created", json_object_new_string(created));
			if (q < 0)
				json_object_object_add(o, "error", json_object_new_string(err_msg()));
			json_object_array_add(arr, o);
		} else {
			char sz[32];
			if (size >= 0)
				human(size, sz, sizeof(sz));
			else
				snprintf(sz, sizeof(sz), "broken");
			printf("%-40s %-16s %-14.12s %-10s %.19s\n", l[i].name[0] ? l[i].name : "<none>", l[i].tag,
			       l[i].digest + 7, sz, created);
		}
		err_clear();
		arena_free(&ia);
	}
	if (STREQ(format, "json"))
		puts(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(arr);
	arena_free(&a);
	img_store_close(&s);
	return 0;
}

static json_object *strv_json(char **v)
{
	if (!v)
		return NULL;
	json_object *a = json_object_new_array();
	for (size_t i = 0; v[i]; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

static json_object *str_json(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

int cmd_inspect(struct globals *g, int argc, char **argv)
{
	const struct cmd_help h = { "inspect REF", "Print an image's manifest, config and layers as JSON.", NULL };
	int r;
	const char *ref = cli_parse_one(argc, argv, NULL, 0, &h, "image reference", &r);
	if (!ref)
		return r;
	struct img_store s;
	struct arena a = { 0 };
	struct img_image img;
	char digest[IMG_DIGEST_LEN + 1];
	if ((r = open_store(g, &s)) < 0 || (r = img_resolve(&s, ref, digest)) < 0 ||
	    (r = img_image_load(&s, digest, &a, &img)) < 0) {
		img_store_close(&s);
		arena_free(&a);
		return cli_fail(r);
	}
	const struct img_config *c = &img.config;
	json_object *o = json_object_new_object(), *cfg = json_object_new_object(), *layers = json_object_new_array();
	json_object_object_add(o, "digest", json_object_new_string(img.digest));
	json_object_object_add(o, "mediaType", json_object_new_string(img.manifest.media_type));
	json_object_object_add(o, "configDigest", json_object_new_string(img.manifest.config.digest));
	json_object_object_add(o, "size", json_object_new_int64(img.size));
	json_object_object_add(o, "created", str_json(c->created));
	json_object_object_add(o, "os", str_json(c->os));
	json_object_object_add(o, "architecture", str_json(c->arch));
	json_object_object_add(cfg, "Entrypoint", strv_json(c->entrypoint));
	json_object_object_add(cfg, "Cmd", strv_json(c->cmd));
	json_object_object_add(cfg, "Env", strv_json(c->env));
	json_object_object_add(cfg, "WorkingDir", str_json(c->working_dir));
	json_object_object_add(cfg, "User", str_json(c->user));
	json_object_object_add(cfg, "ExposedPorts", strv_json(c->exposed_ports));
	json_object_object_add(cfg, "Volumes", strv_json(c->volumes));
	json_object_object_add(cfg, "StopSignal", str_json(c->stop_signal));
	json_object_object_add(o, "config", cfg);
	for (size_t i = 0; i < img.manifest.nlayers; i++) {
		json_object *l = json_object_new_object();
		json_object_object_add(l, "digest", json_object_new_string(img.manifest.layers[i].digest));
		json_object_object_add(l, "mediaType", json_object_new_string(img.manifest.layers[i].media_type));
		json_object_object_add(l, "size", json_object_new_int64(img.manifest.layers[i].size));
		json_object_array_add(layers, l);
	}
	json_object_object_add(o, "layers", layers);
	char rootfs[128];
	struct stat st;
	snprintf(rootfs, sizeof(rootfs), "rootfs/%s", img.digest + 7);
	if (fstatat(s.fd, rootfs, &st, AT_SYMLINK_NOFOLLOW) == 0)
		json_object_object_add(o, "rootfs", json_object_new_string(arena_printf(&a, "%s/%s", s.root, rootfs)));
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	arena_free(&a);
	img_store_close(&s);
	return 0;
}

int cmd_rmi(struct globals *g, int argc, char **argv)
{
	const struct cmd_help h = { "rmi REF...",
				    "Remove image references; an image no reference uses any more loses its rootfs and "
				    "the blobs only it used.",
				    NULL };
	char **pos;
	int npos;
	int r = cli_parse(argc, argv, NULL, 0, &h, false, &pos, &npos);
	if (r)
		return r > 0 ? 0 : EXIT_USAGE;
	if (npos < 1) {
		free(pos);
		cli_usage_error("rmi", "expected at least one image reference");
		return EXIT_USAGE;
	}
	struct img_store s;
	if ((r = open_store(g, &s)) < 0) {
		free(pos);
		return cli_fail(r);
	}
	int rc = 0;
	for (int i = 0; i < npos; i++) {
		if ((r = img_remove(&s, pos[i])) < 0)
			rc = cli_fail(r);
		else
			printf("Untagged: %s\n", pos[i]);
	}
	free(pos);
	img_store_close(&s);
	return rc;
}

int cmd_pull(struct globals *g, int argc, char **argv)
{
	struct strv insecure = { 0 };
	const char *auth_file = NULL;
	bool quiet = false;
	const struct opt opts[] = {
		{ "insecure-registry", 0, OPT_STRV, &insecure, "HOST[:PORT]",
		  "allow plain HTTP to this registry (repeatable; loopback hosts are always allowed)" },
		{ "auth-file", 0, OPT_STR, &auth_file, "FILE",
		  "credentials (docker config.json format; default $DOCKER_CONFIG/config.json, ~/.docker/config.json)" },
		{ "quiet", 'q', OPT_FLAG, &quiet, NULL, "no progress display; print only the pinned reference" },
	};
	const struct cmd_help h = {
		"pull [--insecure-registry HOST[:PORT]]... [--auth-file FILE] [-q] REF",
		"Pull an image from a registry into the store, verified, and unpack it.",
		"REF is NAME[:TAG] or NAME@sha256:DIGEST (docker.io/library/ is implied, as docker does). An index "
		"picks linux/amd64. Every blob is checked against the digest the manifest names while it streams in; a "
		"mismatch stores nothing. Blobs already stored are not fetched again. The pinned reference "
		"(name@sha256:...) is printed on stdout. HTTPS is used except for loopback registries and those named "
		"with --insecure-registry."
	};
	int r;
	const char *name = cli_parse_one(argc, argv, opts, ARRAY_SIZE(opts), &h, "image reference", &r);
	if (!name) {
		strv_free(&insecure);
		return r;
	}
	struct img_unpack_opts u = { 0 };
	if (unpack_opts_from_policy(g, "pull", &u) < 0) {
		strv_free(&insecure);
		return 1;
	}
	struct img_pull_opts o = { .insecure_registries = insecure.v, .auth_file = auth_file, .quiet = quiet,
				   .progress = !quiet && isatty(STDERR_FILENO), .unpack = &u };
	struct img_store s;
	struct img_ref ref;
	char digest[IMG_DIGEST_LEN + 1];
	if ((r = open_store(g, &s)) == 0 && (r = img_pull(&s, name, &o, digest)) == 0 &&
	    (r = img_ref_parse(name, &ref)) == 0)
		printf("%s@%s\n", ref.name, digest);
	strv_free(&insecure);
	img_store_close(&s);
	return r < 0 ? cli_fail(r) : 0;
}

/* Images the containers under --root run from: their config.json's root.path inside the store's rootfs/. */
static char **containers_images(const char *root, const struct img_store *s)
{
	size_t n = 0;
	char **keep = calloc(1, sizeof(char *));
	DIR *d = opendir(root);
	struct dirent *de;
	char prefix[4200];
	snprintf(prefix, sizeof(prefix), "%s/rootfs/", s->root);
	size_t pl = strlen(prefix);
	while (keep && d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char p[4400];
		snprintf(p, sizeof(p), "%s/%s/config.json", root, de->d_name);
		json_object *o = json_object_from_file(p), *rt, *path;
		if (o && json_object_object_get_ex(o, "root", &rt) && json_object_object_get_ex(rt, "path", &path) &&
		    json_object_is_type(path, json_type_string)) {
			const char *rp = json_object_get_string(path);
			char hex[65], digest[IMG_DIGEST_LEN + 1];
			if (strncmp(rp, prefix, pl) == 0 && strlen(rp + pl) >= 64) {
				snprintf(hex, sizeof(hex), "%.64s", rp + pl);
				snprintf(digest, sizeof(digest), "sha256:%s", hex);
				char **nk = img_digest_check(digest, NULL) == 0 ? realloc(keep, (n + 2) * sizeof(char *)) : NULL;
				if (nk) {
					keep = nk;
					keep[n++] = strdup(digest);
					keep[n] = NULL;
				}
				err_clear();
			}
		}
		json_object_put(o);
	}
	if (d)
		closedir(d);
	return keep;
}

static void prune_print(const char *kind, const char *what, void *ud)
{
	(void)ud;
	printf("deleted %-6s %s\n", kind, what);
}

int cmd_prune(struct globals *g, int argc, char **argv)
{
	bool all = false;
	const struct opt opts[] = {
		{ "all", 'a', OPT_FLAG, &all, NULL, "remove every image no container (under --root) runs from" },
	};
	const struct cmd_help h = {
		"prune [--all]",
		"Remove dangling images (<none>), and what no image uses: blobs, unpacked roots, tmp/ leftovers.",
		"An image a container under --root runs from is kept. With --all every other image goes too. tmp/ "
		"entries and unreferenced blobs younger than an hour are kept (a load may be writing them). Prints "
		"what was removed and the space freed."
	};
	int r = cli_parse(argc, argv, opts, ARRAY_SIZE(opts), &h, false, NULL, NULL);
	if (r)
		return r > 0 ? 0 : EXIT_USAGE;
	struct img_store s;
	if ((r = open_store(g, &s)) < 0)
		return cli_fail(r);
	char **keep = containers_images(g->root, &s);
	struct img_prune_opts o = { .all = all, .keep = (const char *const *)keep, .tmp_grace_sec = 3600,
				    .removed = prune_print };
	struct img_prune_stats st;
	r = img_prune(&s, &o, &st);
	for (size_t i = 0; keep && keep[i]; i++)
		free(keep[i]);
	free(keep);
	img_store_close(&s);
	if (r < 0)
		return cli_fail(r);
	char sz[32];
	human((int64_t)st.bytes, sz, sizeof(sz));
	printf("%zu images, %zu unpacked roots, %zu blobs, %zu tmp entries removed; %s freed\n", st.images, st.rootfs,
	       st.blobs, st.tmp, sz);
	return 0;
}
