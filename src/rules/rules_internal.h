/*
 * Inside the rule engine: rule functions report through rule_emit.  One file
 * per family of rules is fine (rules.c: container rules; build.c: Dockerfile
 * build steps; cluster rules in rules.c).
 */
#pragma once

#include "rules/rules.h"

struct eval {
	const struct workload *w;
	const struct rule_ctx *ctx;
	struct findings *out;
	const struct wl_container *c; /* the container being judged (NULL for cluster rules) */
};

/* Is the rule switched on for this evaluation (level, off, exemptions)? */
bool rule_active(const struct eval *e, const char *id);
/* Record a finding of rule `id` (which must exist) at `at`.  `sev` < 0 keeps
 * the rule's default severity; a policy override still applies on top. */
struct finding *rule_emit(struct eval *e, const char *id, int sev, struct wl_loc at, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* The Dockerfile build-step rules (STK503-506, STK603), in build.c. */
void rules_build(struct eval *e);
