/*
 * Fuzz the node policy parser: any byte string must either parse into a
 * policy or fail with a message -- never crash, leak or read out of bounds.
 * What parses must print as YAML that parses again to the same print-out
 * (`stockade policy show` output is a valid policy file).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *print_str(const struct policy *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		abort();
	policy_print(f, p);
	fclose(f);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy *p = NULL, *q = NULL;

	if (policy_parse((const char *)data, size, "fuzz/policy.yaml", &p) < 0) {
		if (err_msg()[0] == '\0')
			__builtin_trap(); /* every failure must explain itself */
		return 0;
	}
	FILE *null = fopen("/dev/null", "w");
	if (null) {
		policy_print(null, p);
		fclose(null);
	}
	char *a = print_str(p);
	if (policy_parse(a, strlen(a), "fuzz/policy.yaml", &q) < 0) {
		fprintf(stderr, "printed policy does not parse: %s\n%s", err_msg(), a);
		__builtin_trap();
	}
	char *b = print_str(q);
	if (strcmp(a, b) != 0) {
		fprintf(stderr, "print -> parse -> print differs:\n%s---\n%s", a, b);
		__builtin_trap();
	}
	free(a);
	free(b);
	policy_free(q);
	policy_free(p);
	return 0;
}
