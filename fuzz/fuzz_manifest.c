/*
 * Fuzz the image JSON parsers (index / manifest list, manifest, config)
 * and the reference parser:
 * any byte string must parse into something the arena frees, or fail with
 * a message -- never crash, leak or read out of bounds.  A registry or an
 * archive controls every byte of these.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void explained(int r)
{
	if (r < 0 && err_msg()[0] == '\0')
		__builtin_trap(); /* every failure must explain itself */
	err_clear();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *json = (const char *)data;
	struct arena a = { 0 };
	struct img_manifest m;
	struct img_config c;
	char digest[IMG_DIGEST_LEN + 1];

	explained(img_json_kind(json, size, "fuzz"));
	explained(img_index_pick(json, size, "fuzz", "linux", "amd64", digest));
	explained(img_manifest_parse(json, size, "fuzz", &a, &m));
	explained(img_config_parse(json, size, "fuzz", &a, &c));
	arena_free(&a);

	/* references come from the same places (RepoTags, annotations) */
	char *ref = malloc(size + 1);
	if (ref) {
		memcpy(ref, data, size);
		ref[size] = '\0';
		struct img_ref r;
		explained(img_ref_parse(ref, &r));
		free(ref);
	}
	return 0;
}
