/* evaluation: being written */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules.h"
#include "util/err.h"

void rule_ctx_default(struct rule_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->level = LEVEL_RESTRICTED;
	ctx->cap_allow = 1ULL << 10;
	ctx->min_uid = 1;
}

int rules_eval(const struct workload *w, const struct rule_ctx *ctx, struct findings *out)
{
	(void)w;
	(void)ctx;
	(void)out;
	return 0;
}

int rules_eval_cluster(struct workload *const *ws, size_t n, const struct rule_ctx *ctx, struct findings *out)
{
	(void)ws;
	(void)n;
	(void)ctx;
	(void)out;
	return 0;
}

void findings_free(struct findings *f)
{
	arena_free(&f->arena);
	memset(f, 0, sizeof(*f));
}

void findings_sort(struct findings *f)
{
	(void)f;
}

size_t findings_count_at(const struct findings *f, enum severity sev)
{
	size_t n = 0;
	for (size_t i = 0; i < f->n; i++)
		n += !f->v[i].suppressed && f->v[i].sev >= sev;
	return n;
}
