/*
 * Fuzz the Kubernetes frontend and the rules over what it describes: any
 * byte string must become a workload (bad input is a parse error inside it)
 * whose evaluation and freeing neither crash nor leak.
 */
#include <stddef.h>
#include <stdint.h>

#include "frontends/frontends.h"
#include "rules/rules.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct workload *w = NULL;
	if (fe_k8s((const char *)data, size, "fuzz.yaml", &w) < 0)
		__builtin_trap(); /* only out of memory may fail, and the fuzzer does not run out */
	struct rule_ctx ctx;
	rule_ctx_default(&ctx);
	struct findings f = { 0 };
	rules_eval(w, &ctx, &f);
	struct workload *ws[] = { w };
	rules_eval_cluster(ws, 1, &ctx, &f);
	findings_sort(&f);
	findings_free(&f);
	workload_free(w);
	return 0;
}
