/*
 * A string -> index map (open addressing, FNV-1a), for the places that would
 * otherwise search linearly: reports over thousands of files, NetworkPolicy
 * rules over thousands of workloads.  Keys are borrowed: they must outlive
 * the map.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strmap {
	const char **keys;
	size_t *vals;
	size_t cap, n;
};

/* Insert key -> val unless the key is there; returns the value stored for key. */
size_t strmap_put(struct strmap *m, const char *key, size_t val);
/* As a set: insert key; true when it was not there yet. */
bool strmap_add(struct strmap *m, const char *key);
/* The value of key, or SIZE_MAX (also for a NULL key). */
size_t strmap_get(const struct strmap *m, const char *key);
void strmap_free(struct strmap *m);
