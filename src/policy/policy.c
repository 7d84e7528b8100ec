/* stub: filled in by the policy file work */
#include <errno.h>
#include <stdlib.h>

#include "policy/policy.h"
#include "util/err.h"

const char *const policy_mode_names[3] = { "enforce", "harden", "warn" };

struct policy *policy_default(void)
{
	struct policy *p = calloc(1, sizeof(*p));
	if (!p)
		abort();
	p->source = "built-in default";
	p->level = LEVEL_RESTRICTED;
	p->mode = MODE_ENFORCE;
	p->refuse_at = SEV_MEDIUM;
	p->cap_allow = 1ULL << 10; /* CAP_NET_BIND_SERVICE */
	p->min_uid = 1;
	p->harden_uid = 65534;
	p->harden_gid = 65534;
	p->rule_sev = arena_calloc(&p->arena, rule_count, 1);
	for (size_t i = 0; i < rule_count; i++)
		p->rule_sev[i] = RULE_SEV_DEFAULT;
	return p;
}

int policy_parse(const char *text, size_t len, const char *name, struct policy **out)
{
	(void)text;
	(void)len;
	*out = NULL;
	return err_set(ENOSYS, "%s: policy files are not read yet", name);
}

int policy_load(const char *path, struct policy **out)
{
	if (path)
		return policy_parse(NULL, 0, path, out);
	*out = policy_default();
	return 0;
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	arena_free(&p->arena);
	free(p);
}

void policy_print(FILE *out, const struct policy *p)
{
	(void)out;
	(void)p;
}

const char *policy_default_text(void)
{
	return "level: restricted\nmode: enforce\n";
}

void policy_rule_ctx(const struct policy *p, const struct policy_subject *s, struct arena *a, struct rule_ctx *ctx)
{
	(void)s;
	(void)a;
	rule_ctx_default(ctx);
	ctx->level = p->level;
	ctx->cap_allow = p->cap_allow;
	ctx->min_uid = p->min_uid;
	ctx->rule_sev = p->rule_sev;
}
