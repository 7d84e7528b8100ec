/*
 * A json-c reader that remembers where it is ("process.args[2]") so every
 * complaint names the file, the JSON path, what was expected and what was
 * found.  Getters return 1 when the member is present and valid, 0 when it
 * is absent (out untouched) and <0 with err_msg() set when it is invalid.
 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

struct jr {
	const char *file;
	struct arena *arena;
	char path[1024];
	size_t plen;
};

/* Strict parse; syntax errors report "file:line:col: ...". */
int jr_parse(const char *buf, size_t len, const char *file, json_object **out);

void jr_init(struct jr *j, const char *file, struct arena *a);
size_t jr_key(struct jr *j, const char *key); /* push ".key"; returns the mark to reset to */
size_t jr_idx(struct jr *j, size_t i);        /* push "[i]" */
void jr_reset(struct jr *j, size_t mark);
const char *jr_path(const struct jr *j);      /* "" at the top */
char *jr_path_dup(struct jr *j);              /* arena copy of the current path */

/* "a string \"x\"", "the number 3", "an object", ... */
void jr_describe(json_object *v, char *buf, size_t n);
/* "<file>: <path>: expected <what>, found <desc>" */
int jr_expected(struct jr *j, const char *what, json_object *found);
/* "<file>: <path>: <message>" */
int jr_fail(struct jr *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int jr_member(struct jr *j, json_object *obj, const char *key, json_type type, json_object **out);
int jr_str(struct jr *j, json_object *obj, const char *key, char **out);
int jr_bool(struct jr *j, json_object *obj, const char *key, bool *out);
int jr_i64(struct jr *j, json_object *obj, const char *key, int64_t *out);
int jr_u64(struct jr *j, json_object *obj, const char *key, uint64_t *out);
int jr_u32(struct jr *j, json_object *obj, const char *key, uint32_t *out);
int jr_int(struct jr *j, json_object *obj, const char *key, int min, int max, int *out);
/* Array of strings; every element must be a string. */
int jr_strv(struct jr *j, json_object *obj, const char *key, char ***out, size_t *n);
/* Object of string values ({"k": "v"}). */
struct kv;
int jr_strmap(struct jr *j, json_object *obj, const char *key, struct kv **out, size_t *n);

/* Value-level conversions (the value at the current path). */
int jr_as_u64(struct jr *j, json_object *v, uint64_t *out);
int jr_as_i64(struct jr *j, json_object *v, int64_t *out);
