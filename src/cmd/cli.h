/*
 * Command-line plumbing shared by the subcommands.  Options are accepted the
 * way runc's users and engines write them: --name=value, --name value,
 * Go-style -name value, and short aliases (-b, -d, -t ...).  Options may
 * come before or after positional arguments, except where a command stops
 * at its first positional (exec: everything after the ID is the program).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct globals {
	const char *root;
	const char *log;
	const char *log_format;
	const char *host_limits; /* refuse (default) | clamp */
	const char *store;       /* --store DIR (else $STOCKADE_STORE, /var/lib/stockade) */
	const char *policy;      /* --policy FILE (else $STOCKADE_POLICY, /etc/stockade/policy.yaml, built-in) */
	bool debug;
	bool systemd_cgroup;
	const char *argv0;
	char **orig_argv;
};

/* OPT_CHOICE: a string that must be one of the |-separated words in arg ("table|json"). */
enum opt_kind { OPT_FLAG, OPT_STR, OPT_INT, OPT_STRV, OPT_CHOICE };

struct opt {
	const char *name;  /* long name without dashes */
	char shortname;    /* 0 if none */
	enum opt_kind kind;
	void *ptr;         /* bool*, const char** (STR, CHOICE), int*, struct strv* */
	const char *arg;   /* placeholder for help ("DIR"), NULL for flags */
	const char *help;
};

struct strv {
	const char **v;
	size_t n;
};

struct cmd_help {
	const char *usage;   /* "create [OPTIONS] ID" */
	const char *summary; /* one line */
	const char *details; /* optional paragraph(s) */
};

/* Exit statuses */
#define EXIT_USAGE 2

/*
 * Parse argv (argv[0] is the subcommand name).  Positional arguments are
 * collected in pos/npos (pointing into argv); with pos NULL the command
 * takes none and one is a usage error.  Returns 0, 1 when --help was
 * printed, or -EINVAL after printing a usage error.
 */
int cli_parse(int argc, char **argv, const struct opt *opts, size_t nopts, const struct cmd_help *h,
	      bool stop_at_positional, char ***pos, int *npos);
/*
 * cli_parse for a command that takes exactly one positional argument (an ID,
 * a reference, a path), named `what` in the usage error.  Returns it (a
 * pointer into argv), or NULL with *rc set: 0 when --help was printed,
 * EXIT_USAGE after a usage error.
 */
const char *cli_parse_one(int argc, char **argv, const struct opt *opts, size_t nopts, const struct cmd_help *h,
			  const char *what, int *rc);
void cli_usage(const char *cmd, const struct opt *opts, size_t nopts, const struct cmd_help *h);
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print err_msg() as an error (stderr + --log) and return 1. */
int cli_fail(int r);
void strv_free(struct strv *s);

/* Subcommands */
int cmd_create(struct globals *g, int argc, char **argv);
int cmd_start(struct globals *g, int argc, char **argv);
int cmd_exec(struct globals *g, int argc, char **argv);
int cmd_ps(struct globals *g, int argc, char **argv);
int cmd_pause(struct globals *g, int argc, char **argv);
int cmd_resume(struct globals *g, int argc, char **argv);
int cmd_update(struct globals *g, int argc, char **argv);
int cmd_events(struct globals *g, int argc, char **argv);
int cmd_run(struct globals *g, int argc, char **argv);
int cmd_state(struct globals *g, int argc, char **argv);
int cmd_kill(struct globals *g, int argc, char **argv);
int cmd_delete(struct globals *g, int argc, char **argv);
int cmd_list(struct globals *g, int argc, char **argv);
int cmd_spec(struct globals *g, int argc, char **argv);
int cmd_features(struct globals *g, int argc, char **argv);
int cmd_policy(struct globals *g, int argc, char **argv);
int cmd_rules(struct globals *g, int argc, char **argv);
int cmd_audit(struct globals *g, int argc, char **argv);
int cmd_load(struct globals *g, int argc, char **argv);
int cmd_images(struct globals *g, int argc, char **argv);
int cmd_inspect(struct globals *g, int argc, char **argv);
int cmd_rmi(struct globals *g, int argc, char **argv);
int cmd_unpack(struct globals *g, int argc, char **argv);
int cmd_pull(struct globals *g, int argc, char **argv);
int cmd_prune(struct globals *g, int argc, char **argv);
/* In the runtime binary, the image commands exec stockade-image (imagetool.c). */
int cmd_image_tool(struct globals *g, int argc, char **argv);
int cmd_check_host(struct globals *g, int argc, char **argv);
int cmd_scan(struct globals *g, int argc, char **argv);

struct policy;
/* Load the effective policy for create/run/exec; on failure print why (fail
 * closed: nothing is created) and return NULL. */
struct policy *cli_load_policy(struct globals *g, const char *what);

/*
 * PATH of the program NAME installed next to stockade: $ENV when set (env may
 * be NULL), else $STOCKADE_BIN_DIR (main notes it before self-protection),
 * else the directory of /proc/self/exe or argv[0].  NAME "" gives the
 * directory with a trailing slash.
 */
void cli_sibling(const struct globals *g, const char *name, const char *env, char *out, size_t n);

/* stockade run IMAGE and the containers it starts (runimage.c). */
int cmd_run_image(struct globals *g, int argc, char **argv);
int cmd_ps_list(struct globals *g, int argc, char **argv);
int cmd_logs(struct globals *g, int argc, char **argv);
int cmd_stop(struct globals *g, int argc, char **argv);
int cmd_rm(struct globals *g, int argc, char **argv);
/* run.c / manage.c: is this the image form (run IMAGE, ps without an ID)? */
bool cli_run_is_image(int argc, char **argv);
