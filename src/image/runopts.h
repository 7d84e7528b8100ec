/*
 * `stockade run [OPTIONS] IMAGE [COMMAND [ARG...]]`: docker run's option
 * grammar -> struct run_opts.  Pure apart from reading --env-file files,
 * the caller's environment for "-e NAME" and checking --secret/-v sources;
 * every string lives in the caller's arena.
 *
 * Accepted forms: --opt value, --opt=value, -o value, -ovalue, clusters of
 * short flags (-it, -dit, -itu 0), boolean long flags with =true|false
 * (--rm=false).  Options end at the image (or "--"); what follows is the
 * command.  An unknown or malformed option is -EINVAL with err_msg() naming
 * it; the caller prints it as a usage error (exit 2).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

enum run_mount_type { RUN_MOUNT_BIND, RUN_MOUNT_TMPFS };

struct run_mount {
	enum run_mount_type type;
	const char *source;      /* bind: absolute host path */
	const char *destination; /* absolute path in the container */
	bool rw;                 /* bind: read-write (default read-only) */
	const char **options;    /* tmpfs: the user's options (NULL-terminated), exec/suid/dev overrides kept */
	size_t noptions;
};

struct run_secret {
	const char *name;   /* [A-Za-z0-9._-]+ */
	const char *source; /* absolute host path of a readable regular file */
};

enum run_network { RUN_NET_DEFAULT, RUN_NET_NONE, RUN_NET_PRIVATE };

struct run_opts {
	const char *name;
	bool rm;          /* default true; --rm=false keeps the record */
	bool detach, interactive, tty;
	const char *user, *workdir, *hostname;
	const char *entrypoint; /* NULL: the image's; "" clears it */
	const char **env;       /* "K=V", in order (later ones win) */
	size_t nenv;
	bool writable_rootfs;
	struct run_mount *mounts;
	size_t nmounts;
	const char **cap_add, **cap_drop; /* "CAP_X" (normalised to upper case with CAP_), or "ALL" */
	size_t ncap_add, ncap_drop;
	int no_new_privs;         /* -1 unset (default on), 0 or 1 */
	const char *seccomp;      /* NULL: default; "unconfined"; or a JSON file */
	int64_t memory;           /* bytes; 0 unset */
	int64_t pids_limit;       /* 0 unset; -1 unlimited */
	int64_t cpu_quota;        /* --cpus as a quota per 100000 us period; 0 unset */
	enum run_network network;
	const char **publish;     /* raw -p specs (parsed by fwd_parse) */
	size_t npublish;
	bool publish_all;         /* -P: the image's ExposedPorts on 127.0.0.1, same numbers */
	struct run_secret *secrets;
	size_t nsecrets;
	bool init;
	const char *stop_signal;  /* NULL: the image's, else SIGTERM */
	int stop_timeout;         /* seconds; -1 unset (10) */
	const char *image;
	const char **cmd;         /* after the image; NULL-terminated */
	size_t ncmd;
};

/* argv[0] is "run".  0 or -EINVAL (err_msg names the option). */
int runopts_parse(int argc, char **argv, struct arena *a, struct run_opts *o);
/* "512m", "1g", "1024" -> bytes. */
int runopts_parse_size(const char *s, int64_t *out);
/* Container names: [a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}. */
bool runopts_name_valid(const char *name);
/* The options' help text for `run --help`. */
extern const char runopts_help[];
