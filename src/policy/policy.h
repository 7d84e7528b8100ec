/*
 * The node policy: a YAML file (default /etc/stockade/policy.yaml, or
 * --policy FILE, or $STOCKADE_POLICY) that sets the level, the mode and the
 * exceptions the runtime enforces at create/run, and that audit can reuse.
 * Without a file the built-in default is level restricted, mode enforce.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "rules/rules.h"

#define POLICY_DEFAULT_PATH "/etc/stockade/policy.yaml"
#define POLICY_ENV "STOCKADE_POLICY"

enum policy_mode { MODE_ENFORCE, MODE_HARDEN, MODE_WARN };
extern const char *const policy_mode_names[3];

struct policy_exemption {
	/* match: every condition given must hold (at least one is given) */
	const char *annotation_key, *annotation_value; /* value NULL: key present */
	const char *bundle_glob;                        /* fnmatch(3) on the bundle's absolute path */
	const char *image_glob;                         /* fnmatch(3) on the image reference */
	/* effect */
	const char **rules; /* rule IDs not enforced for a match */
	size_t n_rules;
	bool has_level;
	enum level level;   /* level used for a match */
	const char *reason; /* why (required: printed back by `policy show`) */
	int line;           /* where it is in the policy file */
};

struct policy {
	struct arena arena;
	const char *source; /* the file, or "built-in default" */
	enum level level;
	enum policy_mode mode;
	enum severity refuse_at;   /* findings below it are warnings in enforce/harden (default medium) */
	uint64_t cap_allow;        /* capabilities.allow (default NET_BIND_SERVICE) */
	long min_uid;              /* user.min_uid (default 1) */
	uid_t harden_uid;          /* user.harden_to (default 65534:65534) */
	gid_t harden_gid;
	signed char *rule_sev;     /* [rule_count]: RULE_SEV_DEFAULT, RULE_OFF or a severity */
	const char **mount_allow;  /* mounts.allow: host path globs */
	size_t n_mount_allow;
	const char **registries;   /* images.registries */
	size_t n_registries;
	bool require_digest;       /* images.require_digest */
	bool keep_setuid;          /* images.keep_setuid: setuid/setgid bits survive unpacking (default false) */
	struct policy_exemption *exemptions;
	size_t n_exemptions;
};

/* The built-in default policy. */
struct policy *policy_default(void);
/* Parse policy text; errors name `name`, the line and the key, and say how to fix it. */
int policy_parse(const char *text, size_t len, const char *name, struct policy **out);
/*
 * Load the effective policy: `path` if given, else $STOCKADE_POLICY, else the
 * default path if it exists, else the built-in default.  A named file that is
 * missing, unreadable or malformed is an error (fail closed).
 */
int policy_load(const char *path, struct policy **out);
void policy_free(struct policy *p);
/* `stockade policy show`: the effective policy as YAML that policy_parse accepts. */
void policy_print(FILE *out, const struct policy *p);
/* `stockade policy init`: a commented default policy. */
const char *policy_default_text(void);

/* What an exemption can match on. */
struct policy_subject {
	const char *bundle;          /* absolute path, may be NULL */
	const char *image;           /* image reference, may be NULL */
	const char *const *ann_keys; /* annotations */
	const char *const *ann_values;
	size_t n_ann;
};
/* The rule context for one subject: level, allowlists, overrides and the
 * exemptions that match it.  `ctx` borrows from `p` (and from the arena). */
void policy_rule_ctx(const struct policy *p, const struct policy_subject *s, struct arena *a, struct rule_ctx *ctx);

struct oci_spec;
/*
 * Admission of a config at create/run (and of an exec'd process):
 *  enforce  a config with violations (unsuppressed findings at or above
 *           refuse_at) is refused: returns -EPERM with err_msg() listing each
 *           violation (rule, JSON path, why, fix, how to allow it);
 *  harden   violations harden can fix are rewritten in the config (each change
 *           logged) and *hardened gets the new config.json text (malloc'd); the
 *           others are refused as in enforce;
 *  warn     every violation is logged; only RULE_REFUSE_ALWAYS rules refuse.
 * Findings below refuse_at are logged at info level (--log).  `what` names
 * the subject in messages ("container \"web\"").
 */
/* The findings of a config under the policy (exemptions applied). */
int policy_judge(const struct policy *p, const struct oci_spec *s, struct arena *a, struct findings *f);
int policy_admit(const struct policy *p, const struct oci_spec *s, const char *raw, size_t len, const char *what,
		 char **hardened);
