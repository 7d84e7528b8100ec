#include "oci/state.h"

#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "sandbox/cgroup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/jsonr.h"
#include "util/macros.h"

const char *const ctr_status_names[] = { "creating", "created", "running", "paused", "stopped" };

int ctr_id_valid(const char *id)
{
	size_t n = strlen(id);
	if (n == 0)
		return err_set(EINVAL, "the container ID is empty");
	if (n > 1024)
		return err_set(EINVAL, "the container ID is longer than 1024 characters");
	if (id[0] == '.')
		return err_set(EINVAL, "\"%s\" is not a valid container ID", id);
	for (const char *p = id; *p; p++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
			  c == '-' || c == '.' || c == '+';
		if (!ok)
			return err_set(EINVAL, "invalid container ID \"%s\": use letters, digits and _ - . + only", id);
	}
	return 0;
}

int state_root_open(const char *root, bool create)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		int r = mkdir_p(root, 0700);
		if (r < 0)
			return err_sys(r, "cannot create state directory %s", root);
		fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (fd < 0)
		return err_sys(errno, "cannot open state directory %s", root);
	return fd;
}

int state_dir_lock(int rootfd, const char *id, bool create)
{
	if (create && mkdirat(rootfd, id, 0700) < 0) {
		if (errno == EEXIST)
			return err_set(EEXIST, "container \"%s\" already exists", id);
		return err_sys(errno, "cannot create the state directory for \"%s\"", id);
	}
	int fd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return err_set(ENOENT, "container \"%s\" does not exist", id);
		return err_sys(errno, "cannot open the state of container \"%s\"", id);
	}
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			int e = errno;
			close(fd);
			return err_sys(e, "cannot lock container \"%s\"", id);
		}
	}
	/* `delete` may have removed it while we waited for the lock */
	struct stat st;
	if (fstat(fd, &st) < 0 || st.st_nlink == 0) {
		close(fd);
		return err_set(ENOENT, "container \"%s\" does not exist", id);
	}
	return fd;
}

static void set_str(json_object *o, const char *k, const char *v)
{
	if (v)
		json_object_object_add(o, k, json_object_new_string(v));
}

int state_save(int dirfd, const struct ctr_state *st)
{
	json_object *o = json_object_new_object();
	set_str(o, "id", st->id);
	set_str(o, "bundle", st->bundle);
	set_str(o, "rootfs", st->rootfs);
	set_str(o, "created", st->created);
	json_object_object_add(o, "pid", json_object_new_int(st->pid));
	json_object_object_add(o, "startTime", json_object_new_uint64(st->start_time));
	json_object_object_add(o, "runtimePid", json_object_new_int(st->runtime_pid));
	json_object_object_add(o, "runtimeStartTime", json_object_new_uint64(st->runtime_start_time));
	json_object_object_add(o, "creating", json_object_new_boolean(st->creating));
	json_object_object_add(o, "nsNew", json_object_new_int(st->ns_new));
	json_object_object_add(o, "userns", json_object_new_boolean(st->has_userns));
	json_object_object_add(o, "uidMap0", json_object_new_uint64(st->uid_map0));
	if (st->cgroup)
		json_object_object_add(o, "cgroup", json_object_get(st->cgroup));
	if (st->annotations)
		json_object_object_add(o, "annotations", json_object_get(st->annotations));
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	int r = write_file_atomic_at(dirfd, "state.json", s, strlen(s), 0600);
	json_object_put(o);
	if (r < 0)
		return err_sys(r, "cannot write state of container \"%s\"", st->id);
	return 0;
}

static char *dup_member(json_object *o, const char *k)
{
	json_object *v;
	if (!json_object_object_get_ex(o, k, &v) || json_object_get_type(v) != json_type_string)
		return NULL;
	return strdup(json_object_get_string(v));
}

static long long int_member(json_object *o, const char *k)
{
	json_object *v;
	if (!json_object_object_get_ex(o, k, &v))
		return 0;
	return json_object_get_int64(v);
}

int state_load(int dirfd, const char *id, struct ctr_state *st)
{
	_cleanup_free_ char *buf = NULL;
	json_object *o = NULL, *v;
	size_t len;
	int r;

	memset(st, 0, sizeof(*st));
	r = read_file_at(dirfd, "state.json", 16u << 20, &buf, &len);
	if (r == -ENOENT)
		return err_set(ENOENT, "container \"%s\" has no state yet (is it being created?)", id);
	if (r < 0)
		return err_sys(r, "cannot read the state of container \"%s\"", id);
	r = jr_parse(buf, len, "state.json", &o);
	if (r < 0)
		return err_ctx(r, "state of container \"%s\" is corrupt", id);
	st->id = dup_member(o, "id");
	st->bundle = dup_member(o, "bundle");
	st->rootfs = dup_member(o, "rootfs");
	st->created = dup_member(o, "created");
	st->pid = (pid_t)int_member(o, "pid");
	st->runtime_pid = (pid_t)int_member(o, "runtimePid");
	if (json_object_object_get_ex(o, "startTime", &v))
		st->start_time = json_object_get_uint64(v);
	if (json_object_object_get_ex(o, "runtimeStartTime", &v))
		st->runtime_start_time = json_object_get_uint64(v);
	if (json_object_object_get_ex(o, "uidMap0", &v))
		st->uid_map0 = json_object_get_uint64(v);
	st->creating = json_object_object_get_ex(o, "creating", &v) && json_object_get_boolean(v);
	st->has_userns = json_object_object_get_ex(o, "userns", &v) && json_object_get_boolean(v);
	st->ns_new = (int)int_member(o, "nsNew");
	if (json_object_object_get_ex(o, "cgroup", &v))
		st->cgroup = json_object_get(v);
	if (json_object_object_get_ex(o, "annotations", &v))
		st->annotations = json_object_get(v);
	json_object_put(o);
	if (!st->id)
		st->id = strdup(id);
	return 0;
}

void state_clear(struct ctr_state *st)
{
	free(st->id);
	free(st->bundle);
	free(st->rootfs);
	free(st->created);
	free(st->config_name);
	json_object_put(st->cgroup);
	json_object_put(st->annotations);
	memset(st, 0, sizeof(*st));
}

int proc_start_time(pid_t pid, unsigned long long *start, char *state_letter)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int r = read_small_at(AT_FDCWD, path, buf, sizeof(buf));
	if (r < 0)
		return r == -ENOENT ? -ESRCH : r;
	/* comm may contain spaces and parentheses: parse after the last ')' */
	char *p = strrchr(buf, ')');
	if (!p)
		return -EINVAL;
	p++;
	char st = 0;
	unsigned long long v = 0;
	/* fields after comm: 3=state ... 22=starttime */
	int field = 2;
	for (char *tok = strtok(p, " "); tok; tok = strtok(NULL, " ")) {
		field++;
		if (field == 3)
			st = tok[0];
		if (field == 22) {
			v = strtoull(tok, NULL, 10);
			break;
		}
	}
	if (field != 22)
		return -EINVAL;
	if (start)
		*start = v;
	if (state_letter)
		*state_letter = st;
	return 0;
}

bool proc_alive(pid_t pid, unsigned long long start)
{
	unsigned long long s;
	char letter;
	if (pid <= 0)
		return false;
	if (proc_start_time(pid, &s, &letter) < 0)
		return false;
	if (s != start)
		return false;
	return letter != 'Z' && letter != 'X' && letter != 'x';
}

enum ctr_status state_status(int dirfd, const struct ctr_state *st)
{
	if (st->creating) {
		if (proc_alive(st->runtime_pid, st->runtime_start_time))
			return ST_CREATING;
		return ST_STOPPED; /* the runtime died half-way: delete cleans up */
	}
	if (!proc_alive(st->pid, st->start_time))
		return ST_STOPPED;
	if (faccessat(dirfd, "exec.fifo", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return ST_CREATED;
	if (st->cgroup) {
		struct cgroup *cg = NULL;
		bool frozen = false;
		if (cg_from_json(st->cgroup, &cg) >= 0 && cg_frozen(cg, &frozen) >= 0 && frozen) {
			cg_free(cg);
			return ST_PAUSED;
		}
		cg_free(cg);
	}
	return ST_RUNNING;
}

json_object *state_oci_json(const struct ctr_state *st, enum ctr_status status)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "ociVersion", json_object_new_string(OCI_SPEC_VERSION));
	json_object_object_add(o, "id", json_object_new_string(st->id));
	json_object_object_add(o, "status", json_object_new_string(ctr_status_names[status]));
	if (status != ST_STOPPED && st->pid > 0)
		json_object_object_add(o, "pid", json_object_new_int(st->pid));
	else
		json_object_object_add(o, "pid", json_object_new_int(0));
	if (st->bundle)
		json_object_object_add(o, "bundle", json_object_new_string(st->bundle));
	if (st->annotations)
		json_object_object_add(o, "annotations", json_object_get(st->annotations));
	return o;
}
