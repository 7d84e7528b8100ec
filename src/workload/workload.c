#include "workload/workload.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const char *const wl_kind_names[WL__KINDS] = { "oci", "dockerfile", "compose", "kubernetes", "docker-run", "proc" };
const char *const wl_ns_names[WL_NS__MAX] = { "pid", "network", "ipc", "uts", "mount", "user" };

struct workload *workload_new(enum wl_kind kind, const char *file)
{
	struct workload *w = calloc(1, sizeof(*w));
	if (!w)
		abort();
	w->kind = kind;
	w->file = file ? arena_strdup(&w->arena, file) : NULL;
	return w;
}

void workload_free(struct workload *w)
{
	if (!w)
		return;
	arena_free(&w->arena);
	free(w);
}

/* Capacity is implicit: arrays grow in powers of two, so a size that is a
 * power of two (or zero) means "full". */
void *wl_push(struct workload *w, void **array, size_t *n, size_t elem_size)
{
	size_t cur = *n;
	if (cur == 0 || (cur & (cur - 1)) == 0) {
		size_t cap = cur ? cur * 2 : 1;
		void *nv = arena_calloc(&w->arena, cap, elem_size);
		if (cur)
			memcpy(nv, *array, cur * elem_size);
		*array = nv;
	}
	(*n)++;
	char *base = *array;
	void *e = base + cur * elem_size;
	memset(e, 0, elem_size);
	return e;
}

struct wl_container *wl_add_container(struct workload *w, const char *name, struct wl_loc at)
{
	struct wl_container *c = WL_PUSH(w, w->containers, w->n_containers);
	c->name = name ? arena_strdup(&w->arena, name) : NULL;
	c->at = at;
	c->user.uid = 0;
	c->seccomp_at = at;
	return c;
}

void wl_parse_error(struct workload *w, struct wl_loc at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct wl_parse_error *e = WL_PUSH(w, w->errors, w->n_errors);
	e->message = arena_vprintf(&w->arena, fmt, ap);
	e->at = at;
	va_end(ap);
}

char *wl_strdup(struct workload *w, const char *s)
{
	return s ? arena_strdup(&w->arena, s) : NULL;
}

struct wl_loc wl_at(struct workload *w, int line, int col, const char *path_fmt, ...)
{
	struct wl_loc l = { .file = w->file, .line = line, .col = col };
	if (path_fmt) {
		va_list ap;
		va_start(ap, path_fmt);
		l.path = arena_vprintf(&w->arena, path_fmt, ap);
		va_end(ap);
	}
	return l;
}
