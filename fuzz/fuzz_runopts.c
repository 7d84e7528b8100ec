/*
 * Fuzz the `stockade run` option grammar: the input is split on NUL bytes
 * into an argv; any argv must parse or be refused with a message -- never
 * a crash, a leak or an out-of-bounds read.  Values naming files (-v,
 * --env-file, --secret) touch the real filesystem read-only.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/runopts.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	char *argv[130] = { "run" };
	int argc = 1;
	for (size_t i = 0; i <= size && argc < 129;) {
		argv[argc++] = buf + i;
		i += strlen(buf + i) + 1;
	}
	struct arena a = { 0 };
	struct run_opts o;
	if (runopts_parse(argc, argv, &a, &o) < 0) {
		if (!err_msg()[0])
			__builtin_trap(); /* every refusal says why */
	} else if (!o.image || (o.ncmd && !o.cmd[o.ncmd - 1]) || o.cmd[o.ncmd]) {
		__builtin_trap();
	}
	err_clear();
	arena_free(&a);
	free(buf);
	return 0;
}
