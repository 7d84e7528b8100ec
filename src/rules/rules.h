/*
 * The rule catalogue (one table, docs/rules.md is its reference) and the
 * evaluation of a workload against it.  The same table serves `audit`,
 * `scan` and the runtime policy; frontends and reports never hard-code a
 * rule's name, severity or fix.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "workload/workload.h"

enum severity { SEV_INFO, SEV_LOW, SEV_MEDIUM, SEV_HIGH, SEV_CRITICAL, SEV__MAX };
extern const char *const severity_names[SEV__MAX]; /* "info" .. "critical" */
int severity_from_name(const char *s);              /* -1 if unknown */

/* Pod Security Standards levels; LEVEL_HOST rules judge the host, not a workload. */
enum level { LEVEL_PRIVILEGED, LEVEL_BASELINE, LEVEL_RESTRICTED, LEVEL_HOST };
extern const char *const level_names[4];
int level_from_name(const char *s); /* -1 if unknown */

enum rule_flags {
	RULE_UNFIXABLE = 1 << 0,      /* policy harden cannot make it safe: refused in harden mode too */
	RULE_REFUSE_ALWAYS = 1 << 1,  /* refused in every mode (warn too) at or above its level */
	RULE_CLUSTER = 1 << 2,        /* judged across files (NetworkPolicy) */
	RULE_BUILD = 1 << 3,          /* judges Dockerfile build steps */
};

struct rule {
	const char *id;   /* "STK101" */
	const char *name; /* "root-user" */
	enum severity sev;
	enum level level;
	unsigned flags;
	const char *summary;        /* one line: what fires it */
	const char *why;            /* the attack it prevents */
	const char *fix[WL__KINDS]; /* how to fix, written for each input kind; NULL = not applicable */
	const char *allow;          /* how to allow it in a policy file */
};

extern const struct rule rule_table[];
extern const size_t rule_count;
const struct rule *rule_find(const char *id); /* NULL if unknown; case-insensitive */
size_t rule_index(const struct rule *r);

#define RULE_SEV_DEFAULT (-1)
#define RULE_OFF (-2)

/* What the evaluation needs from a policy (or from audit's command line). */
struct rule_ctx {
	enum level level;            /* rules above it do not run */
	uint64_t cap_allow;          /* allowlist, 1ULL << CAP_*; default 1 << CAP_NET_BIND_SERVICE */
	long min_uid;                /* STK101 fires below this (default 1: non-zero) */
	const char *const *mount_allow; /* host path globs that may be mounted (STK304 does not fire) */
	size_t n_mount_allow;
	const char *const *registries;  /* allowed registries (prefixes); n == 0: any (STK507) */
	size_t n_registries;
	bool require_digest;         /* STK501 at every level */
	const signed char *rule_sev; /* per rule index: RULE_SEV_DEFAULT, RULE_OFF or a severity; may be NULL */
	const char *const *exempt;   /* rule IDs not evaluated (policy exemptions) */
	size_t n_exempt;
};
void rule_ctx_default(struct rule_ctx *ctx); /* restricted, NET_BIND_SERVICE, min_uid 1 */

struct finding {
	const struct rule *rule;
	enum severity sev;        /* effective: the rule's, a finding-specific downgrade, or the policy override */
	struct wl_loc at;
	const char *container;    /* the container's name, may be NULL */
	const char *message;      /* specific to this finding ("runs as uid 0 (host root)") */
	bool suppressed;          /* by an inline comment or annotation */
	const char *suppress_reason;
	bool fixable;             /* harden can rewrite it (OCI) */
};

struct findings {
	struct arena arena;
	struct finding *v;
	size_t n, cap;
};

/* Judge every container of a workload; findings are appended to `out`
 * (messages allocated in out->arena). Parse errors become STK000. */
int rules_eval(const struct workload *w, const struct rule_ctx *ctx, struct findings *out);
/* Cross-file rules (STK402-404) over every Kubernetes workload audited together. */
int rules_eval_cluster(struct workload *const *ws, size_t n, const struct rule_ctx *ctx, struct findings *out);
/* rules_eval and rules_eval_cluster mark findings covered by inline
 * suppressions and stockade.io/ignore annotations as suppressed; a suppression
 * without a reason is reported as STK001 (info). */
void findings_free(struct findings *f);
/* Sort by file, line, col, rule ID (stable output for reports and tests). */
void findings_sort(struct findings *f);
/* Count of unsuppressed findings at or above `sev`. */
size_t findings_count_at(const struct findings *f, enum severity sev);
