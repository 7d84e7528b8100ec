/*
 * Fuzz the -p parser: any byte string either parses into a port that
 * formats and parses again to the same port, or fails with a message.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/forward.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *spec = malloc(size + 1);
	if (!spec)
		return 0;
	memcpy(spec, data, size);
	spec[size] = '\0';
	struct fwd_port p;
	int r = fwd_parse(spec, &p);
	if (r < 0) {
		if (err_msg()[0] == '\0')
			__builtin_trap(); /* every failure must explain itself */
	} else {
		if (p.host_port == 0 || p.ctr_port == 0 || p.fd != -1)
			__builtin_trap();
		/* the formatted form ("IP:H->C/P") rewritten as a spec must round-trip */
		char buf[128], again[140];
		fwd_format(&p, buf, sizeof(buf));
		char *arrow = strstr(buf, "->");
		if (!arrow)
			__builtin_trap();
		*arrow = '\0';
		snprintf(again, sizeof(again), "%s:%s", buf, arrow + 2);
		struct fwd_port q;
		if (fwd_parse(again, &q) < 0 || memcmp(&p, &q, sizeof(p)) != 0)
			__builtin_trap();
	}
	err_clear();
	free(spec);
	return 0;
}
