/*
 * Fuzz the docker run scanner (shell lexer, flag grammar, suppressions) and
 * the rules over what it finds: any byte string must give a workload that
 * can be judged and freed -- never a crash, a leak or an out-of-bounds read.
 * The name alternates so the Markdown, YAML and Makefile modes are reached.
 */
#include <stddef.h>
#include <stdint.h>

#include "frontends/frontends.h"
#include "rules/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "fuzz/run.sh", "fuzz/README.md", "fuzz/ci.yml", "fuzz/Makefile" };
	const char *name = names[size ? data[0] % 4 : 0];
	struct workload *w = NULL;
	if (fe_docker_run_scan((const char *)data, size, name, &w) < 0 || !w)
		__builtin_trap(); /* bad input is a parse error, never a failure */
	struct rule_ctx ctx;
	rule_ctx_default(&ctx);
	struct findings f = { 0 };
	rules_eval(w, &ctx, &f);
	findings_free(&f);
	workload_free(w);
	return 0;
}
