/*
 * Fuzz the CPU list parser of process.execCPUAffinity ("0-3,7"): any string
 * either yields a set of CPUs below CPU_SETSIZE or fails with a message that
 * names the field -- never a crash, an overflow or a silent partial parse.
 */
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sandbox/process.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[256];
	if (size >= sizeof(buf))
		size = sizeof(buf) - 1;
	memcpy(buf, data, size);
	buf[size] = '\0';
	cpu_set_t set;
	err_clear();
	if (process_cpu_list(buf, "process.execCPUAffinity.final", &set) == 0) {
		if (CPU_COUNT(&set) == 0)
			__builtin_trap(); /* an accepted list names at least one CPU */
	} else if (!strstr(err_msg(), "process.execCPUAffinity.final")) {
		__builtin_trap(); /* every failure names the field */
	}
	return 0;
}
