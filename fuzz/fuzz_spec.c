/*
 * Fuzz the OCI config.json parser: any byte string must either parse into a
 * spec that can be freed, or fail with an error message -- never crash,
 * leak or read out of bounds.
 */
#include <stddef.h>
#include <stdint.h>

#include "oci/spec.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oci_spec *s = NULL;
	if (oci_spec_parse((const char *)data, size, "fuzz/config.json", "/nonexistent-bundle", &s) == 0)
		oci_spec_free(s);
	else if (err_msg()[0] == '\0')
		__builtin_trap(); /* every failure must explain itself */
	return 0;
}
