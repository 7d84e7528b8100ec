#include "cmd/cli.h"
#include "policy/policy.h"
#include "sandbox/exec.h"
#include "util/macros.h"

int cmd_exec(struct globals *g, int argc, char **argv)
{
	struct exec_opts o = { 0 };
	bool tty = false, detach = false, nnp = false;
	const char *apparmor = NULL, *label = NULL, *process_label = NULL, *cgroup = NULL;
	struct strv gids = { 0 };
	const struct opt opts[] = {
		{ "process", 'p', OPT_STR, &o.process_file, "FILE", "OCI process JSON; fields it omits are the container's" },
		{ "tty", 't', OPT_FLAG, &tty, NULL, "allocate a terminal (inside the container's devpts)" },
		{ "detach", 'd', OPT_FLAG, &detach, NULL, "start the process and return" },
		{ "pid-file", 0, OPT_STR, &o.pid_file, "FILE", "write the process's host pid here" },
		{ "console-socket", 0, OPT_STR, &o.console_socket, "SOCK", "UNIX socket that receives the terminal master" },
		{ "cwd", 0, OPT_STR, &o.cwd, "DIR", "working directory inside the container" },
		{ "env", 'e', OPT_STRV, &o.env, "K=V", "set an environment variable (repeatable)" },
		{ "user", 'u', OPT_STR, &o.user, "UID[:GID]", "run as this user instead of the container's" },
		{ "additional-gids", 'g', OPT_STRV, &gids, "GID", "accepted for runc compatibility; use --process" },
		{ "cap", 'c', OPT_STRV, &o.caps, "CAP", "add a capability (repeatable): explicitly widens the container's set" },
		{ "no-new-privs", 0, OPT_FLAG, &nnp, NULL, "set no_new_privs (already on when the container has it)" },
		{ "preserve-fds", 0, OPT_INT, &o.preserve_fds, "N", "pass fds 3..3+N-1 to the process" },
		{ "apparmor", 0, OPT_STR, &apparmor, "PROFILE", "accepted for runc compatibility (no AppArmor support)" },
		{ "process-label", 0, OPT_STR, &process_label, "LABEL", "accepted for runc compatibility (no SELinux support)" },
		{ "label", 0, OPT_STR, &label, "LABEL", "accepted for runc compatibility" },
		{ "cgroup", 0, OPT_STR, &cgroup, "PATH", "accepted for runc compatibility (the process joins the container's cgroup)" },
	};
	const struct cmd_help h = { "exec [OPTIONS] ID [--] COMMAND [ARG...]",
		"Run a new process inside a created or running container.",
		"The process joins the container's namespaces and cgroup and gets the container's confinement: its\n"
		"user, capabilities, no_new_privs, rlimits and seccomp filter.  --process FILE and the flags change only\n"
		"what they name.  In the foreground, signals are forwarded and stockade exits with the process's status." };
	char **pos;
	int npos;
	int r = cli_parse(argc, argv, opts, ARRAY_SIZE(opts), &h, true, &pos, &npos);
	if (r) {
		strv_free(&o.env);
		strv_free(&o.caps);
		strv_free(&gids);
		return r > 0 ? 0 : EXIT_USAGE;
	}
	int rc = EXIT_USAGE;
	if (npos < 1) {
		cli_usage_error("exec", "the container ID is missing");
	} else if (!o.process_file && npos < 2) {
		cli_usage_error("exec", "no command: give COMMAND [ARG...] or --process FILE");
	} else if (o.process_file && npos > 1) {
		cli_usage_error("exec", "give either --process FILE or a command, not both");
	} else if (o.preserve_fds < 0) {
		cli_usage_error("exec", "--preserve-fds must be 0 or more");
	} else if (gids.n) {
		cli_usage_error("exec", "--additional-gids is not supported; put user.additionalGids in a --process file");
	} else {
		o.id = pos[0];
		o.args = pos + 1;
		o.nargs = npos - 1;
		o.tty = tty;
		o.detach = detach;
		o.no_new_privs = nnp;
		int code = 0;
		char what[300];
		snprintf(what, sizeof(what), "exec in container \"%s\"", o.id);
		struct policy *pol = cli_load_policy(g, what);
		if (!pol) {
			rc = 1;
		} else {
			o.policy = pol;
			r = container_exec(g->root, &o, &code);
			rc = r < 0 ? cli_fail(r) : code;
			policy_free(pol);
		}
	}
	free(pos);
	strv_free(&o.env);
	strv_free(&o.caps);
	strv_free(&gids);
	return rc;
}
