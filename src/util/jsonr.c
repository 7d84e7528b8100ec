#include "util/jsonr.h"

#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "oci/spec.h" /* struct kv */
#include "util/err.h"

int jr_parse(const char *buf, size_t len, const char *file, json_object **out)
{
	json_tokener *tok = json_tokener_new_ex(256);
	json_object *o;

	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, buf, (int)len);
	enum json_tokener_error e = json_tokener_get_error(tok);
	size_t end = json_tokener_get_parse_end(tok);
	if (!o && e == json_tokener_continue)
		e = json_tokener_error_parse_eof;
	if (o && e == json_tokener_success) {
		/* only whitespace may follow the document */
		for (size_t i = end; i < len; i++) {
			if (buf[i] != ' ' && buf[i] != '\n' && buf[i] != '\t' && buf[i] != '\r') {
				e = json_tokener_error_parse_unexpected;
				end = i;
				json_object_put(o);
				o = NULL;
				break;
			}
		}
	}
	json_tokener_free(tok);
	if (!o || e != json_tokener_success) {
		size_t line = 1, col = 1;
		for (size_t i = 0; i < end && i < len; i++) {
			if (buf[i] == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
		}
		json_object_put(o);
		return err_set(EINVAL, "%s:%zu:%zu: not valid JSON: %s", file, line, col,
			       len == 0 ? "the file is empty" : json_tokener_error_desc(e));
	}
	*out = o;
	return 0;
}

void jr_init(struct jr *j, const char *file, struct arena *a)
{
	j->file = file;
	j->arena = a;
	j->path[0] = '\0';
	j->plen = 0;
}

static size_t push(struct jr *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static size_t push(struct jr *j, const char *fmt, ...)
{
	size_t mark = j->plen;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(j->path + j->plen, sizeof(j->path) - j->plen, fmt, ap);
	va_end(ap);
	if (n > 0)
		j->plen += (size_t)n;
	if (j->plen >= sizeof(j->path))
		j->plen = sizeof(j->path) - 1;
	return mark;
}

static bool plain_key(const char *k)
{
	if (!*k)
		return false;
	for (const char *p = k; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	return true;
}

size_t jr_key(struct jr *j, const char *key)
{
	if (plain_key(key))
		return push(j, "%s%s", j->plen ? "." : "", key);
	return push(j, "[\"%s\"]", key);
}

size_t jr_idx(struct jr *j, size_t i)
{
	return push(j, "[%zu]", i);
}

void jr_reset(struct jr *j, size_t mark)
{
	j->plen = mark;
	j->path[mark] = '\0';
}

const char *jr_path(const struct jr *j)
{
	return j->path;
}

char *jr_path_dup(struct jr *j)
{
	return arena_strdup(j->arena, j->path);
}

void jr_describe(json_object *v, char *buf, size_t n)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		snprintf(buf, n, "null");
		break;
	case json_type_boolean:
		snprintf(buf, n, "%s", json_object_get_boolean(v) ? "true" : "false");
		break;
	case json_type_double:
		snprintf(buf, n, "the number %g", json_object_get_double(v));
		break;
	case json_type_int:
		if (json_object_get_int64(v) < 0)
			snprintf(buf, n, "the number %" PRId64, json_object_get_int64(v));
		else
			snprintf(buf, n, "the number %" PRIu64, json_object_get_uint64(v));
		break;
	case json_type_string: {
		const char *s = json_object_get_string(v);
		if (strlen(s) > 60)
			snprintf(buf, n, "a string \"%.57s...\"", s);
		else
			snprintf(buf, n, "a string \"%s\"", s);
		break;
	}
	case json_type_object:
		snprintf(buf, n, "an object");
		break;
	case json_type_array:
		snprintf(buf, n, "an array");
		break;
	}
}

int jr_fail(struct jr *j, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set(EINVAL, "%s: %s: %s", j->file, j->plen ? j->path : "(top level)", msg);
}

int jr_expected(struct jr *j, const char *what, json_object *found)
{
	char desc[128];
	jr_describe(found, desc, sizeof(desc));
	return jr_fail(j, "expected %s, found %s", what, desc);
}

static const char *type_word(json_type t)
{
	switch (t) {
	case json_type_string:
		return "a string";
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	case json_type_boolean:
		return "true or false";
	case json_type_int:
		return "an integer";
	default:
		return "a value";
	}
}

int jr_member(struct jr *j, json_object *obj, const char *key, json_type type, json_object **out)
{
	json_object *v;
	if (!json_object_object_get_ex(obj, key, &v) || json_object_get_type(v) == json_type_null)
		return 0;
	if (json_object_get_type(v) != type) {
		size_t m = jr_key(j, key);
		int r = jr_expected(j, type_word(type), v);
		jr_reset(j, m);
		return r;
	}
	*out = v;
	return 1;
}

int jr_str(struct jr *j, json_object *obj, const char *key, char **out)
{
	json_object *v;
	int r = jr_member(j, obj, key, json_type_string, &v);
	if (r <= 0)
		return r;
	*out = arena_strdup(j->arena, json_object_get_string(v));
	return 1;
}

int jr_bool(struct jr *j, json_object *obj, const char *key, bool *out)
{
	json_object *v;
	int r = jr_member(j, obj, key, json_type_boolean, &v);
	if (r <= 0)
		return r;
	*out = json_object_get_boolean(v);
	return 1;
}

int jr_as_i64(struct jr *j, json_object *v, int64_t *out)
{
	if (json_object_get_type(v) != json_type_int)
		return jr_expected(j, "an integer", v);
	int64_t x = json_object_get_int64(v);
	if (x == INT64_MAX && json_object_get_uint64(v) > (uint64_t)INT64_MAX)
		return jr_expected(j, "an integer between -9223372036854775808 and 9223372036854775807", v);
	*out = x;
	return 0;
}

int jr_as_u64(struct jr *j, json_object *v, uint64_t *out)
{
	if (json_object_get_type(v) != json_type_int)
		return jr_expected(j, "a non-negative integer", v);
	if (json_object_get_int64(v) < 0)
		return jr_expected(j, "a non-negative integer", v);
	*out = json_object_get_uint64(v);
	return 0;
}

int jr_i64(struct jr *j, json_object *obj, const char *key, int64_t *out)
{
	json_object *v;
	if (!json_object_object_get_ex(obj, key, &v) || json_object_get_type(v) == json_type_null)
		return 0;
	size_t m = jr_key(j, key);
	int r = jr_as_i64(j, v, out);
	jr_reset(j, m);
	return r < 0 ? r : 1;
}

int jr_u64(struct jr *j, json_object *obj, const char *key, uint64_t *out)
{
	json_object *v;
	if (!json_object_object_get_ex(obj, key, &v) || json_object_get_type(v) == json_type_null)
		return 0;
	size_t m = jr_key(j, key);
	int r = jr_as_u64(j, v, out);
	jr_reset(j, m);
	return r < 0 ? r : 1;
}

int jr_u32(struct jr *j, json_object *obj, const char *key, uint32_t *out)
{
	uint64_t v;
	int r = jr_u64(j, obj, key, &v);
	if (r <= 0)
		return r;
	if (v > UINT32_MAX) {
		json_object *o;
		json_object_object_get_ex(obj, key, &o);
		size_t m = jr_key(j, key);
		r = jr_expected(j, "an integer between 0 and 4294967295", o);
		jr_reset(j, m);
		return r;
	}
	*out = (uint32_t)v;
	return 1;
}

int jr_int(struct jr *j, json_object *obj, const char *key, int min, int max, int *out)
{
	int64_t v;
	int r = jr_i64(j, obj, key, &v);
	if (r <= 0)
		return r;
	if (v < min || v > max) {
		json_object *o;
		char what[96];
		json_object_object_get_ex(obj, key, &o);
		snprintf(what, sizeof(what), "an integer between %d and %d", min, max);
		size_t m = jr_key(j, key);
		r = jr_expected(j, what, o);
		jr_reset(j, m);
		return r;
	}
	*out = (int)v;
	return 1;
}

int jr_strv(struct jr *j, json_object *obj, const char *key, char ***out, size_t *n)
{
	json_object *arr;
	int r = jr_member(j, obj, key, json_type_array, &arr);
	if (r <= 0)
		return r;
	size_t len = json_object_array_length(arr);
	char **v = arena_calloc(j->arena, len + 1, sizeof(char *));
	size_t m = jr_key(j, key);
	for (size_t i = 0; i < len; i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		if (json_object_get_type(e) != json_type_string) {
			jr_idx(j, i);
			r = jr_expected(j, "a string", e);
			jr_reset(j, m);
			return r;
		}
		v[i] = arena_strdup(j->arena, json_object_get_string(e));
	}
	jr_reset(j, m);
	*out = v;
	*n = len;
	return 1;
}

int jr_strmap(struct jr *j, json_object *obj, const char *key, struct kv **out, size_t *n)
{
	json_object *map;
	int r = jr_member(j, obj, key, json_type_object, &map);
	if (r <= 0)
		return r;
	size_t len = (size_t)json_object_object_length(map), i = 0;
	struct kv *v = arena_calloc(j->arena, len + 1, sizeof(*v));
	size_t m = jr_key(j, key);
	json_object_object_foreach(map, k, val)
	{
		if (json_object_get_type(val) != json_type_string) {
			jr_key(j, k);
			r = jr_expected(j, "a string", val);
			jr_reset(j, m);
			return r;
		}
		v[i].key = arena_strdup(j->arena, k);
		v[i].value = arena_strdup(j->arena, json_object_get_string(val));
		i++;
	}
	jr_reset(j, m);
	*out = v;
	*n = i;
	return 1;
}
