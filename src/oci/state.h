/*
 * Container state under --root (default /run/stockade):
 *
 *   <root>/<id>/            0700, flock(2)ed by every command that changes it
 *   <root>/<id>/state.json  what later commands need (pid, start time, cgroup, bundle, ...)
 *   <root>/<id>/config.json the effective config the container was created with
 *   <root>/<id>/exec.fifo   exists from create until start
 *
 * A container's status is derived, never trusted from the file: the init
 * pid is checked against its recorded start time (pid reuse), a zombie is
 * stopped, the fifo tells created from running, the freezer tells paused.
 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <sys/types.h>

#include "oci/spec.h"

enum ctr_status { ST_CREATING, ST_CREATED, ST_RUNNING, ST_PAUSED, ST_STOPPED };
extern const char *const ctr_status_names[];

struct ctr_state {
	char *id;
	char *bundle;
	char *rootfs;
	pid_t pid;                    /* init, host pid namespace; 0 before it exists */
	unsigned long long start_time; /* /proc/<pid>/stat field 22 */
	pid_t runtime_pid;            /* the `create` process while status is creating */
	unsigned long long runtime_start_time;
	char *created;                /* RFC 3339 */
	bool creating;                /* create has not finished */
	int ns_new;                   /* CLONE_NEW* flags of namespaces the container owns */
	bool has_userns;
	json_object *cgroup;          /* cg_to_json(), or NULL */
	json_object *annotations;     /* from the config */
	char *config_name;            /* <state dir>/config.json */
	unsigned long long uid_map0;  /* host uid of container root (for userns), else 0 */
};

int ctr_id_valid(const char *id);

/* Open (creating it 0700 when `create`) the --root directory. */
int state_root_open(const char *root, bool create);

/*
 * Lock <root>/<id>: with `create` the directory must not exist yet (the
 * atomic claim of the ID).  Returns the locked directory fd (close = unlock).
 */
int state_dir_lock(int rootfd, const char *id, bool create);

int state_save(int dirfd, const struct ctr_state *st);
int state_load(int dirfd, const char *id, struct ctr_state *st);
void state_clear(struct ctr_state *st);

/* Live status (see above).  `dirfd` is the container's state directory. */
enum ctr_status state_status(int dirfd, const struct ctr_state *st);
/* The runtime-spec state JSON (ociVersion, id, status, pid, bundle, annotations). */
json_object *state_oci_json(const struct ctr_state *st, enum ctr_status status);

/* /proc/<pid>/stat field 22 and state letter; -ESRCH when gone. */
int proc_start_time(pid_t pid, unsigned long long *start, char *state_letter);
/* True when pid is alive, not a zombie and still the process that started at `start`. */
bool proc_alive(pid_t pid, unsigned long long start);
