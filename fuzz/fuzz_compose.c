/*
 * Fuzz the compose frontend and the rules over what it produces: any byte
 * string must give a workload (parse errors inside it) that the rules can
 * judge and that frees cleanly -- never a crash, leak or out-of-bounds read.
 */
#include <stddef.h>
#include <stdint.h>

#include "frontends/frontends.h"
#include "rules/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct workload *w = NULL;
	if (fe_compose((const char *)data, size, "fuzz/compose.yaml", &w) < 0)
		return 0; /* out of memory only */
	if (!w)
		__builtin_trap();
	struct rule_ctx ctx;
	rule_ctx_default(&ctx);
	struct findings f = { 0 };
	rules_eval(w, &ctx, &f);
	findings_free(&f);
	workload_free(w);
	return 0;
}
