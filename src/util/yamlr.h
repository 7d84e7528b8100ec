/*
 * YAML reading with line numbers, over libyaml's document API.  Every
 * document of a stream is loaded (Kubernetes multi-document files); aliases
 * are resolved by libyaml; merge keys ("<<: *anchor", as compose extension
 * fields use them) are honoured by yamlr_get.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

struct yamlr {
	yaml_document_t *docs;
	size_t n_docs;
};

/* Load every document; on a syntax error returns -EINVAL with err_msg()
 * "NAME:LINE:COL: <problem>" and frees what was loaded. */
int yamlr_load(const char *text, size_t len, const char *name, struct yamlr *y);
void yamlr_free(struct yamlr *y);

/* The root node of document i (NULL for an empty document). */
yaml_node_t *yamlr_root(struct yamlr *y, size_t i);
/* Mapping lookup (honours "<<" merge keys); NULL if absent or not a mapping. */
yaml_node_t *yamlr_get(yaml_document_t *d, yaml_node_t *map, const char *key);
/* The key node of `key` in `map` (for pointing at a key's line). */
yaml_node_t *yamlr_get_key(yaml_document_t *d, yaml_node_t *map, const char *key);
/* A scalar's text; NULL if n is NULL or not a scalar. */
const char *yamlr_str(yaml_node_t *n);
/* YAML 1.1 booleans (true/false/yes/no/on/off, any case); -1 if not one. */
int yamlr_bool(yaml_node_t *n);
/* A decimal integer scalar; returns false if not one. */
bool yamlr_long(yaml_node_t *n, long *out);
bool yamlr_is_map(yaml_node_t *n);
bool yamlr_is_seq(yaml_node_t *n);
static inline int yamlr_line(const yaml_node_t *n) { return n ? (int)n->start_mark.line + 1 : 0; }
static inline int yamlr_col(const yaml_node_t *n) { return n ? (int)n->start_mark.column + 1 : 0; }

/* Iteration:
 *     for (size_t i = 0; i < yamlr_seq_len(n); i++) { yaml_node_t *it = yamlr_seq_at(d, n, i); ... }
 *     for (size_t i = 0; i < yamlr_map_len(n); i++) { yaml_node_t *k, *v; yamlr_map_at(d, n, i, &k, &v); ... }
 * Map iteration does not expand merge keys (k is "<<"); use yamlr_get for merged lookups. */
size_t yamlr_seq_len(yaml_node_t *n);
yaml_node_t *yamlr_seq_at(yaml_document_t *d, yaml_node_t *n, size_t i);
size_t yamlr_map_len(yaml_node_t *n);
void yamlr_map_at(yaml_document_t *d, yaml_node_t *n, size_t i, yaml_node_t **k, yaml_node_t **v);
