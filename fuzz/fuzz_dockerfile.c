/*
 * Fuzz the Dockerfile frontend and the rules that read its facts: any byte
 * string becomes a workload (bad input as parse errors) that the rule engine
 * can judge and that can be freed -- never a crash, a leak or an
 * out-of-bounds read.
 */
#include <stddef.h>
#include <stdint.h>

#include "frontends/frontends.h"
#include "rules/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct workload *w = NULL;
	if (fe_dockerfile((const char *)data, size, "fuzz/Dockerfile", &w) < 0 || !w)
		__builtin_trap(); /* only out of memory may fail, and that aborts */
	struct rule_ctx ctx;
	rule_ctx_default(&ctx);
	struct findings f = { 0 };
	rules_eval(w, &ctx, &f);
	findings_free(&f);
	workload_free(w);
	return 0;
}
