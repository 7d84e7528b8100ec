#include "util/yamlr.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/err.h"

/*
 * libyaml's scanner does work proportional to the flow nesting depth for every
 * token, so "[[[[..." is quadratic (20,000 levels: over a second).  Nothing
 * real nests that deep: refuse past YAMLR_MAX_DEPTH.  A text with few brackets
 * cannot be that deep and skips the check; otherwise the event parser measures
 * the depth and stops as soon as it is exceeded, before the cost grows.
 */
#define YAMLR_MAX_DEPTH 512

static int check_depth(const char *text, size_t len, const char *name)
{
	size_t opens = 0;
	for (size_t i = 0; i < len; i++)
		opens += text[i] == '[' || text[i] == '{';
	if (opens <= YAMLR_MAX_DEPTH)
		return 0;
	yaml_parser_t p;
	if (!yaml_parser_initialize(&p))
		return err_set(ENOMEM, "%s: cannot initialise the YAML parser", name);
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	int depth = 0, r = 0;
	for (;;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&p, &ev))
			break; /* the loader reports syntax errors with their place */
		yaml_event_type_t t = ev.type;
		int line = (int)ev.start_mark.line + 1, col = (int)ev.start_mark.column + 1;
		yaml_event_delete(&ev);
		if (t == YAML_SEQUENCE_START_EVENT || t == YAML_MAPPING_START_EVENT)
			depth++;
		else if (t == YAML_SEQUENCE_END_EVENT || t == YAML_MAPPING_END_EVENT)
			depth--;
		if (depth > YAMLR_MAX_DEPTH) {
			r = err_set(EINVAL, "%s:%d:%d: invalid YAML: nested deeper than %d levels", name, line, col,
				    YAMLR_MAX_DEPTH);
			break;
		}
		if (t == YAML_STREAM_END_EVENT)
			break;
	}
	yaml_parser_delete(&p);
	return r;
}

int yamlr_load(const char *text, size_t len, const char *name, struct yamlr *y)
{
	yaml_parser_t p;
	memset(y, 0, sizeof(*y));
	int dr = check_depth(text, len, name);
	if (dr < 0)
		return dr;
	if (!yaml_parser_initialize(&p))
		return err_set(ENOMEM, "%s: cannot initialise the YAML parser", name);
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	for (;;) {
		yaml_document_t doc;
		if (!yaml_parser_load(&p, &doc)) {
			int line = (int)p.problem_mark.line + 1, col = (int)p.problem_mark.column + 1;
			int r = err_set(EINVAL, "%s:%d:%d: invalid YAML: %s%s%s", name, line, col,
					p.problem ? p.problem : "syntax error", p.context ? " " : "", p.context ? p.context : "");
			yaml_parser_delete(&p);
			yamlr_free(y);
			return r;
		}
		if (!yaml_document_get_root_node(&doc)) {
			/* the end of the stream (or an empty stream) */
			yaml_document_delete(&doc);
			break;
		}
		yaml_document_t *nd = realloc(y->docs, (y->n_docs + 1) * sizeof(*nd));
		if (!nd) {
			yaml_document_delete(&doc);
			yaml_parser_delete(&p);
			yamlr_free(y);
			return err_set(ENOMEM, "%s: out of memory", name);
		}
		y->docs = nd;
		y->docs[y->n_docs++] = doc;
	}
	yaml_parser_delete(&p);
	return 0;
}

void yamlr_free(struct yamlr *y)
{
	for (size_t i = 0; i < y->n_docs; i++)
		yaml_document_delete(&y->docs[i]);
	free(y->docs);
	y->docs = NULL;
	y->n_docs = 0;
}

yaml_node_t *yamlr_root(struct yamlr *y, size_t i)
{
	return i < y->n_docs ? yaml_document_get_root_node(&y->docs[i]) : NULL;
}

bool yamlr_is_map(yaml_node_t *n)
{
	return n && n->type == YAML_MAPPING_NODE;
}

bool yamlr_is_seq(yaml_node_t *n)
{
	return n && n->type == YAML_SEQUENCE_NODE;
}

const char *yamlr_str(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static yaml_node_t *lookup(yaml_document_t *d, yaml_node_t *map, const char *key, bool want_key, int depth)
{
	if (!yamlr_is_map(map) || depth > 16)
		return NULL;
	yaml_node_pair_t *pr;
	for (pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top; pr++) {
		const char *k = yamlr_str(yaml_document_get_node(d, pr->key));
		if (k && strcmp(k, key) == 0)
			return yaml_document_get_node(d, want_key ? pr->key : pr->value);
	}
	/* merge keys: "<<: *a" or "<<: [*a, *b]"; earlier sources win */
	for (pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top; pr++) {
		const char *k = yamlr_str(yaml_document_get_node(d, pr->key));
		if (!k || strcmp(k, "<<") != 0)
			continue;
		yaml_node_t *v = yaml_document_get_node(d, pr->value);
		if (yamlr_is_map(v)) {
			yaml_node_t *r = lookup(d, v, key, want_key, depth + 1);
			if (r)
				return r;
		} else if (yamlr_is_seq(v)) {
			for (size_t i = 0; i < yamlr_seq_len(v); i++) {
				yaml_node_t *r = lookup(d, yamlr_seq_at(d, v, i), key, want_key, depth + 1);
				if (r)
					return r;
			}
		}
	}
	return NULL;
}

yaml_node_t *yamlr_get(yaml_document_t *d, yaml_node_t *map, const char *key)
{
	return lookup(d, map, key, false, 0);
}

yaml_node_t *yamlr_get_key(yaml_document_t *d, yaml_node_t *map, const char *key)
{
	return lookup(d, map, key, true, 0);
}

int yamlr_bool(yaml_node_t *n)
{
	const char *s = yamlr_str(n);
	if (!s)
		return -1;
	static const char *const t[] = { "true", "yes", "on", "y" }, *const f[] = { "false", "no", "off", "n" };
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, t[i]) == 0)
			return 1;
		if (strcasecmp(s, f[i]) == 0)
			return 0;
	}
	return -1;
}

bool yamlr_long(yaml_node_t *n, long *out)
{
	const char *s = yamlr_str(n);
	if (!s || !*s)
		return false;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

size_t yamlr_seq_len(yaml_node_t *n)
{
	return yamlr_is_seq(n) ? (size_t)(n->data.sequence.items.top - n->data.sequence.items.start) : 0;
}

yaml_node_t *yamlr_seq_at(yaml_document_t *d, yaml_node_t *n, size_t i)
{
	return i < yamlr_seq_len(n) ? yaml_document_get_node(d, n->data.sequence.items.start[i]) : NULL;
}

size_t yamlr_map_len(yaml_node_t *n)
{
	return yamlr_is_map(n) ? (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start) : 0;
}

void yamlr_map_at(yaml_document_t *d, yaml_node_t *n, size_t i, yaml_node_t **k, yaml_node_t **v)
{
	*k = *v = NULL;
	if (i >= yamlr_map_len(n))
		return;
	yaml_node_pair_t *pr = &n->data.mapping.pairs.start[i];
	*k = yaml_document_get_node(d, pr->key);
	*v = yaml_document_get_node(d, pr->value);
}
