/*
 * Fuzz the io.stockade.secrets annotation parser: any string parses into
 * valid names and absolute sources, or fails with a message.  The bundle's
 * author controls every byte of it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/secrets.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *json = malloc(size + 1);
	if (!json)
		return 0;
	memcpy(json, data, size);
	json[size] = '\0';
	struct secrets s;
	int r = secrets_parse(json, "config.json", &s);
	if (r < 0) {
		if (err_msg()[0] == '\0' || s.v || s.n)
			__builtin_trap();
	} else {
		for (size_t i = 0; i < s.n; i++) {
			const char *n = s.v[i].name;
			if (!*n || strchr(n, '/') || !strcmp(n, ".") || !strcmp(n, "..") || s.v[i].source[0] != '/')
				__builtin_trap();
		}
		secrets_free(&s);
	}
	err_clear();
	free(json);
	return 0;
}
