#include "util/strmap.h"

#include <stdlib.h>
#include <string.h>

static uint64_t str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

size_t strmap_put(struct strmap *m, const char *key, size_t val)
{
	if ((m->n + 1) * 2 > m->cap) {
		struct strmap nm = { .cap = m->cap ? m->cap * 2 : 64 };
		nm.keys = calloc(nm.cap, sizeof(*nm.keys));
		nm.vals = calloc(nm.cap, sizeof(*nm.vals));
		if (!nm.keys || !nm.vals)
			abort();
		for (size_t i = 0; i < m->cap; i++)
			if (m->keys[i])
				strmap_put(&nm, m->keys[i], m->vals[i]);
		strmap_free(m);
		*m = nm;
	}
	for (size_t i = str_hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->keys[i]) {
			m->keys[i] = key;
			m->vals[i] = val;
			m->n++;
			return val;
		}
		if (strcmp(m->keys[i], key) == 0)
			return m->vals[i];
	}
}

size_t strmap_get(const struct strmap *m, const char *key)
{
	if (!m->cap || !key)
		return SIZE_MAX;
	for (size_t i = str_hash(key) & (m->cap - 1); m->keys[i]; i = (i + 1) & (m->cap - 1))
		if (strcmp(m->keys[i], key) == 0)
			return m->vals[i];
	return SIZE_MAX;
}

bool strmap_add(struct strmap *m, const char *key)
{
	size_t before = m->n;
	strmap_put(m, key, before);
	return m->n > before;
}

void strmap_free(struct strmap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

