/*
 * Commands that look after a running container through its cgroup: ps,
 * pause/resume (the freezer), update (resources), events --stats.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oci/spec.h"
#include "sandbox/cgroup.h"
#include "sandbox/container.h"
#include "util/err.h"
#include "util/macros.h"

/* Open the container, check its status is one of `ok`, and load its cgroup. */
static int open_with_cgroup(const char *root, const char *id, unsigned ok, const char *what, int *statefd,
			    struct ctr_state *st, enum ctr_status *status, struct cgroup **cg)
{
	int rootfd = -1, r;
	if ((r = container_open(root, id, &rootfd, statefd, st)) < 0)
		return r;
	close(rootfd);
	*status = state_status(*statefd, st);
	if (!(ok & (1u << *status))) {
		r = err_set(EINVAL, "cannot %s container \"%s\": it is %s", what, id, ctr_status_names[*status]);
		goto fail;
	}
	if (!st->cgroup) {
		r = err_set(ENOENT, "cannot %s container \"%s\": it has no cgroup", what, id);
		goto fail;
	}
	if ((r = cg_from_json(st->cgroup, cg)) < 0)
		goto fail;
	return 0;
fail:
	state_clear(st);
	close(*statefd);
	*statefd = -1;
	return r;
}

#define LIVE ((1u << ST_CREATED) | (1u << ST_RUNNING) | (1u << ST_PAUSED))

int container_pids(const char *root, const char *id, pid_t **pids, size_t *n)
{
	int statefd, r;
	struct ctr_state st;
	enum ctr_status status;
	struct cgroup *cg = NULL;
	*pids = NULL;
	*n = 0;
	if ((r = open_with_cgroup(root, id, LIVE, "list the processes of", &statefd, &st, &status, &cg)) < 0)
		return r;
	r = cg_pids(cg, pids, n);
	cg_free(cg);
	state_clear(&st);
	close(statefd);
	return r;
}

int container_pause(const char *root, const char *id, bool pause)
{
	int statefd, r;
	struct ctr_state st;
	enum ctr_status status;
	struct cgroup *cg = NULL;
	unsigned ok = pause ? (1u << ST_RUNNING) | (1u << ST_CREATED) : (1u << ST_PAUSED);
	if ((r = open_with_cgroup(root, id, ok, pause ? "pause" : "resume", &statefd, &st, &status, &cg)) < 0)
		return r;
	r = cg_freeze(cg, pause);
	cg_free(cg);
	state_clear(&st);
	close(statefd);
	return r;
}

int container_update(const char *root, const char *id, const char *resources, size_t len, const char *name)
{
	int statefd, r;
	struct ctr_state st;
	enum ctr_status status;
	struct cgroup *cg = NULL;
	struct oci_spec *spec = NULL;

	/* Parse the resources with the config parser (same checks, same JSON paths). */
	json_tokener *tok = json_tokener_new();
	if (!tok)
		return err_sys(ENOMEM, "update");
	json_object *res = json_tokener_parse_ex(tok, resources, (int)len);
	enum json_tokener_error je = json_tokener_get_error(tok);
	json_tokener_free(tok);
	if (!res || je != json_tokener_success || !json_object_is_type(res, json_type_object)) {
		json_object_put(res);
		return err_set(EINVAL, "%s: expected a JSON object (OCI linux.resources)%s%s", name,
			       je != json_tokener_success ? ": " : "", je != json_tokener_success ? json_tokener_error_desc(je) : "");
	}
	json_object *doc = json_tokener_parse("{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"rootfs\"}, "
					      "\"process\": {\"cwd\": \"/\", \"args\": [\"update\"]}, \"linux\": {}}");
	json_object *lnx;
	json_object_object_get_ex(doc, "linux", &lnx);
	json_object_object_add(lnx, "resources", res);
	const char *text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN);
	r = oci_spec_parse(text, strlen(text), name, "/", &spec);
	json_object_put(doc);
	if (r < 0)
		return r;

	if ((r = open_with_cgroup(root, id, LIVE, "update", &statefd, &st, &status, &cg)) < 0) {
		oci_spec_free(spec);
		return r;
	}
	r = cg_update(cg, &spec->linux_.resources);
	cg_free(cg);
	state_clear(&st);
	close(statefd);
	oci_spec_free(spec);
	return r;
}

int container_stats(const char *root, const char *id, json_object **out)
{
	int statefd, r;
	struct ctr_state st;
	enum ctr_status status;
	struct cgroup *cg = NULL;
	json_object *data = NULL;
	*out = NULL;
	if ((r = open_with_cgroup(root, id, LIVE, "read the statistics of", &statefd, &st, &status, &cg)) < 0)
		return r;
	r = cg_stats(cg, &data);
	cg_free(cg);
	state_clear(&st);
	close(statefd);
	if (r < 0)
		return r;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string("stats"));
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "data", data);
	*out = o;
	return 0;
}
