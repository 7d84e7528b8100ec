/*
 * A bump allocator: a parsed config, a workload or a report is allocated in
 * one arena and freed in one call, so error paths cannot leak pieces of it.
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>

#include "util/macros.h"

struct arena_chunk;
struct arena {
	struct arena_chunk *head;
};

void *arena_alloc(struct arena *a, size_t n);          /* zeroed; aborts on OOM */
void *arena_calloc(struct arena *a, size_t n, size_t sz);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) PRINTF(2, 3);
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap) PRINTF(2, 0);
void arena_free(struct arena *a);
