#include "frontends/common.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#define MARKER "stockade:ignore"

/* One physical line of the text. */
struct line {
	const char *s;
	size_t len;
	int indent;       /* leading spaces */
	bool blank;       /* empty, or only a comment */
	const char *cmt;  /* the '#' of a `# stockade:ignore` comment on it, or NULL */
	const char *hash; /* the marker's text in that comment */
};

/* Where a YAML comment starts: '#' at the start or after a blank, outside
 * quotes.  Quotes are tracked on this line only (multi-line quoted scalars
 * are rare in these files, and a miss there only loses a suppression). */
static const char *comment_start(const char *s, size_t len)
{
	char q = 0;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];
		if (q) {
			if (ch == q && !(q == '"' && i > 0 && s[i - 1] == '\\'))
				q = 0;
		} else if ((ch == '"' || ch == '\'') && (i == 0 || strchr(" \t[{,:-", s[i - 1]))) {
			q = ch;
		} else if (ch == '#' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t')) {
			return s + i;
		}
	}
	return NULL;
}

static struct line scan_line(const char *s, size_t len)
{
	struct line l = { .s = s, .len = len };
	while ((size_t)l.indent < len && s[l.indent] == ' ')
		l.indent++;
	size_t i = (size_t)l.indent;
	while (i < len && (s[i] == '\t' || s[i] == '\r'))
		i++;
	const char *c = comment_start(s, len);
	l.blank = i == len || s[i] == '#';
	if (c) {
		const char *p = c + 1;
		while (p < s + len && (*p == ' ' || *p == '\t'))
			p++;
		size_t rest = (size_t)(s + len - p);
		if (rest >= strlen(MARKER) && strncasecmp(p, MARKER, strlen(MARKER)) == 0 &&
		    (rest == strlen(MARKER) || isspace((unsigned char)p[strlen(MARKER)]))) {
			l.cmt = c;
			l.hash = p;
		}
	}
	return l;
}

/* "key:" with nothing after it but a comment or an anchor: its block may
 * continue with "- " items at the key's own indentation. */
static bool opens_block(const struct line *l)
{
	const char *end = l->s + l->len, *c = comment_start(l->s, l->len);
	if (c)
		end = c;
	while (end > l->s && isspace((unsigned char)end[-1]))
		end--;
	const char *p = end;
	while (p > l->s && !isspace((unsigned char)p[-1]))
		p--;
	if (*p == '&' && p > l->s) /* "key: &anchor" */
		end = p;
	while (end > l->s && isspace((unsigned char)end[-1]))
		end--;
	return end > l->s && end[-1] == ':';
}

static bool is_item(const struct line *l)
{
	size_t i = (size_t)l->indent;
	return i < l->len && l->s[i] == '-' && (i + 1 == l->len || isspace((unsigned char)l->s[i + 1]));
}

/* The last line of the block line `k` opens. */
static size_t block_end(const struct line *ls, size_t n, size_t k)
{
	bool items_at_key_level = opens_block(&ls[k]) && !is_item(&ls[k]);
	size_t last = k;
	for (size_t i = k + 1; i < n; i++) {
		if (ls[i].blank)
			continue;
		if (ls[i].indent > ls[k].indent || (items_at_key_level && ls[i].indent == ls[k].indent && is_item(&ls[i])))
			last = i;
		else
			break;
	}
	return last;
}

/* A rule ID: "STK" and digits, any case; or "all". */
static bool is_rule_id(const char *s, size_t n)
{
	if (n == 3 && strncasecmp(s, "all", 3) == 0)
		return true;
	if (n < 4 || strncasecmp(s, "STK", 3) != 0)
		return false;
	for (size_t i = 3; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

const char *fe_ignore_find(const char *s, size_t n)
{
	size_t m = strlen(MARKER);
	for (const char *k = s; k + m <= s + n; k++) {
		k = memmem(k, (size_t)(s + n - k), MARKER, m);
		if (!k)
			return NULL;
		const char *after = k + m;
		if (after == s + n || strchr(" \t,\r", *after)) /* not "stockade:ignored" */
			return after;
	}
	return NULL;
}

void fe_ignore_parse(struct workload *w, struct wl_suppress *sp, const char *p, const char *end)
{
	for (;;) {
		while (p < end && (isspace((unsigned char)*p) || *p == ','))
			p++;
		const char *t = p;
		while (p < end && isalnum((unsigned char)*p)) /* "STK101:" and "STK101," end at the punctuation */
			p++;
		if (p == t || !is_rule_id(t, (size_t)(p - t))) {
			p = t;
			break;
		}
		char *id = arena_strndup(&w->arena, t, (size_t)(p - t));
		for (char *c = id; *c; c++)
			*c = (char)toupper((unsigned char)*c);
		*WL_PUSH(w, sp->ids, sp->n_ids) = id;
	}
	/* "-- reason", ": reason" read as "reason" */
	while (p < end && (isspace((unsigned char)*p) || *p == '-' || *p == ':'))
		p++;
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	sp->reason = end > p ? arena_strndup(&w->arena, p, (size_t)(end - p)) : NULL;
}

static void add_suppression(struct workload *w, const struct line *ls, size_t n, size_t at, size_t target)
{
	const struct line *c = &ls[at];
	struct wl_suppress *sp = WL_PUSH(w, w->suppress, w->n_suppress);
	sp->first_line = (int)target + 1;
	sp->last_line = (int)block_end(ls, n, target) + 1;
	sp->at = wl_at(w, (int)at + 1, (int)(c->cmt - c->s) + 1, NULL);
	fe_ignore_parse(w, sp, c->hash + strlen(MARKER), c->s + c->len);
}

void fe_yaml_suppressions(struct workload *w, const char *text, size_t len)
{
	if (!text || !len || !memmem(text, len, MARKER, strlen(MARKER)))
		return;
	size_t n = 0, cap = 0;
	struct line *ls = NULL;
	for (const char *p = text, *end = text + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			struct line *nls = arena_calloc(&w->arena, cap, sizeof(*nls));
			if (n)
				memcpy(nls, ls, n * sizeof(*ls));
			ls = nls;
		}
		ls[n++] = scan_line(p, l);
		p += l + 1;
	}
	for (size_t i = 0; i < n; i++) {
		if (!ls[i].hash)
			continue;
		if (!ls[i].blank) { /* end of line: this line and its block */
			add_suppression(w, ls, n, i, i);
			continue;
		}
		size_t t = i + 1;
		while (t < n && ls[t].blank)
			t++;
		if (t < n)
			add_suppression(w, ls, n, i, t);
	}
}

/* ---- engine-managed mounts ---- */

static bool hex_run(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

bool fe_engine_file(const char *src)
{
	if (strstr(src, "/../") || strstr(src, "/./"))
		return false;
	for (const char *p = strstr(src, "containers/"); p; p = strstr(p + 1, "containers/")) {
		const char *id = p + strlen("containers/");
		if (strlen(id) > 64 && hex_run(id, 64) && id[64] == '/')
			return true;
	}
	return strstr(src, "/kubelet/pods/") || strstr(src, "/io.containerd.grpc.v1.cri/sandboxes/") ||
	       strstr(src, "/io.containerd.grpc.v1.cri/containers/");
}

bool fe_named_volume(const char *src)
{
	const char *v = strstr(src, "/volumes/");
	if (!v || strstr(src, "/../"))
		return false;
	const char *d = strstr(v + 9, "/_data");
	return d && (d[6] == '\0' || d[6] == '/');
}
