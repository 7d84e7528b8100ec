/*
 * stockade prune: what the store holds that nothing uses.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image/image.h"

/*
 * prune.lock: a pull holds it shared from its first blob to its tag (its
 * blobs are unreferenced until then); prune holds it exclusive.  Returns the
 * lock's fd (close it to release) or -errno.
 */
int img_prune_lock(struct img_store *s, bool exclusive);

struct img_prune_opts {
	bool all;                /* every image, not only dangling (<none>) ones */
	const char *const *keep; /* manifest digests a container uses ("sha256:..."), NULL-terminated */
	uint64_t tmp_grace_sec;  /* tmp/ entries and orphan blobs younger than this stay (a load may own them) */
	/* called for each thing removed: kind is "image", "rootfs", "blob" or "tmp" */
	void (*removed)(const char *kind, const char *what, void *ud);
	void *ud;
};

struct img_prune_stats {
	size_t images, rootfs, blobs, tmp;
	uint64_t bytes; /* disk space freed (allocated blocks) */
};

int img_prune(struct img_store *s, const struct img_prune_opts *o, struct img_prune_stats *st);
