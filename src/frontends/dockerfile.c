/*
 * The Dockerfile frontend: one wl_container per build stage, with the facts
 * read the way BuildKit's Dockerfile frontend reads the file -- parser
 * directives, continuations with the escape character, heredocs, exec and
 * shell form, BuildKit flags, ARG/ENV expansion.  Bad input never stops the
 * reading: each problem is a parse error at its line, and the next
 * instruction is read as if nothing happened.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "frontends/common.h"
#include "frontends/frontends.h"

/* A growable string on the heap, while one instruction is assembled. */
struct sbuf {
	char *s;
	size_t n, cap;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->n + n + 1)
			cap *= 2;
		char *ns = realloc(b->s, cap);
		if (!ns)
			abort(); /* like the arena: out of memory is not the input's fault */
		b->s = ns;
		b->cap = cap;
	}
	if (n)
		memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

static void sb_addc(struct sbuf *b, char c)
{
	sb_add(b, &c, 1);
}

static void sb_reset(struct sbuf *b)
{
	b->n = 0;
	if (b->s)
		b->s[0] = '\0';
}

/* Physical lines, numbered from 1. */
struct reader {
	const char *p, *end;
	int line; /* the line last returned */
};

static bool next_line(struct reader *r, const char **s, size_t *n)
{
	if (r->p >= r->end)
		return false;
	const char *nl = memchr(r->p, '\n', (size_t)(r->end - r->p));
	const char *e = nl ? nl : r->end;
	*s = r->p;
	*n = (size_t)(e - r->p);
	if (*n && (*s)[*n - 1] == '\r')
		(*n)--;
	r->p = nl ? nl + 1 : r->end;
	r->line++;
	return true;
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static size_t lskip(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && is_ws(s[i]))
		i++;
	return i;
}

static size_t rtrim(const char *s, size_t n)
{
	while (n && is_ws(s[n - 1]))
		n--;
	return n;
}

/* ARG/ENV variables in scope; value NULL: an ARG declared without a value. */
struct var {
	const char *name, *value;
	bool env;
};

struct scope {
	struct var *v;
	size_t n;
};

struct stage {
	const char *as; /* the AS name, NULL when unnamed */
	size_t ci;      /* index in w->containers */
	struct scope vars;
};

struct heredoc {
	const char *word, *body;
};

struct pending_ignore {
	struct wl_suppress sp; /* ids and reason; the lines are known at the next instruction */
	int line;
};

struct instr {
	const char *kw;   /* as written */
	const char *args; /* continuation lines joined, without the keyword */
	int line, last;
	struct heredoc *hd;
	size_t n_hd;
};

struct df {
	struct workload *w;
	char esc;
	struct scope globals;
	struct wl_env *global_env; /* ARG defaults before the first FROM, given to the first stage */
	size_t n_global_env;
	struct stage *stages;
	size_t n_stages;
	struct pending_ignore *pending;
	size_t n_pending;
};

#define PUSH(d, arr, n) WL_PUSH((d)->w, arr, n)

static struct wl_loc at_line(struct df *d, int line)
{
	return wl_at(d->w, line, 1, NULL);
}

/* The current stage's container; only called once a FROM has been read. */
static struct wl_container *cur(struct df *d)
{
	return &d->w->containers[d->stages[d->n_stages - 1].ci];
}

static struct scope *cur_scope(struct df *d)
{
	return d->n_stages ? &d->stages[d->n_stages - 1].vars : &d->globals;
}

/* --- variables ----------------------------------------------------------- */

enum lookup { VAR_UNSET, VAR_UNKNOWN, VAR_SET };

static enum lookup lookup(const struct scope *sc, const char *name, size_t n, const char **value)
{
	for (size_t i = sc->n; i-- > 0;) {
		if (strlen(sc->v[i].name) == n && memcmp(sc->v[i].name, name, n) == 0) {
			*value = sc->v[i].value;
			return sc->v[i].value ? VAR_SET : VAR_UNKNOWN;
		}
	}
	*value = NULL;
	return VAR_UNSET;
}

static void set_var(struct df *d, struct scope *sc, const char *name, const char *value, bool env)
{
	struct var *v = PUSH(d, sc->v, sc->n);
	v->name = name;
	v->value = value;
	v->env = env;
}

static void expand_into(const struct df *d, const struct scope *sc, const char *s, size_t n, struct sbuf *out,
			bool *unres, int depth);

static bool is_name_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

static bool is_name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* The '}' closing a ${ at s[i-2..i-1], nested ${...} included; n if none. */
static size_t close_brace(const struct df *d, const char *s, size_t n, size_t i)
{
	int nest = 1;
	for (; i < n; i++) {
		if (s[i] == d->esc && i + 1 < n)
			i++;
		else if (s[i] == '$' && i + 1 < n && s[i + 1] == '{')
			nest++, i++;
		else if (s[i] == '}' && --nest == 0)
			return i;
	}
	return n;
}

/* Expand the variable reference starting at s[i] == '$'; returns the index after it. */
static size_t expand_var(const struct df *d, const struct scope *sc, const char *s, size_t n, size_t i,
			 struct sbuf *out, bool *unres, int depth)
{
	const char *val;
	if (i + 1 < n && is_name_start(s[i + 1])) {
		size_t j = i + 1;
		while (j < n && is_name_char(s[j]))
			j++;
		if (lookup(sc, s + i + 1, j - i - 1, &val) == VAR_SET)
			sb_add(out, val, strlen(val));
		else
			*unres = true;
		return j;
	}
	if (i + 1 >= n || s[i + 1] != '{') {
		sb_addc(out, '$');
		return i + 1;
	}
	size_t j = i + 2, name = j;
	while (j < n && is_name_char(s[j]))
		j++;
	size_t name_len = j - name;
	size_t end = close_brace(d, s, n, j);
	if (end >= n) { /* "${" never closed: BuildKit refuses it; keep the text, judge nothing */
		sb_add(out, s + i, n - i);
		*unres = true;
		return n;
	}
	enum lookup l = lookup(sc, s + name, name_len, &val);
	bool colon = j < end && s[j] == ':';
	char op = j + colon < end ? s[j + colon] : '\0';
	bool set = l == VAR_SET && (!colon || *val);
	size_t word = j + colon + 1;
	if (name_len && (op == '-' || op == '+') && word <= end) {
		if ((op == '-') != set) {
			if (depth < 16)
				expand_into(d, sc, s + word, end - word, out, unres, depth + 1);
		} else if (op == '-') {
			sb_add(out, val, strlen(val));
		}
	} else if (l == VAR_SET) {
		/* ${V}, and operators we do not evaluate (#, %, /, ?): the value as is */
		sb_add(out, val, strlen(val));
	} else {
		*unres = true;
	}
	return end + 1;
}

/* Quote removal and variable expansion, as BuildKit does for FROM, COPY, ENV, USER, ... */
static void expand_into(const struct df *d, const struct scope *sc, const char *s, size_t n, struct sbuf *out,
			bool *unres, int depth)
{
	size_t i = 0;
	while (i < n) {
		char c = s[i];
		if (c == d->esc && i + 1 < n) {
			sb_addc(out, s[i + 1]);
			i += 2;
		} else if (c == '\'') {
			size_t j = i + 1;
			while (j < n && s[j] != '\'')
				j++;
			sb_add(out, s + i + 1, j - i - 1);
			i = j < n ? j + 1 : n;
		} else if (c == '"') {
			i++;
			while (i < n && s[i] != '"') {
				if (s[i] == d->esc && i + 1 < n && (s[i + 1] == '"' || s[i + 1] == '$' || s[i + 1] == d->esc)) {
					sb_addc(out, s[i + 1]);
					i += 2;
				} else if (s[i] == '$') {
					i = expand_var(d, sc, s, n, i, out, unres, depth);
				} else {
					sb_addc(out, s[i++]);
				}
			}
			i = i < n ? i + 1 : n;
		} else if (c == '$') {
			i = expand_var(d, sc, s, n, i, out, unres, depth);
		} else {
			sb_addc(out, c);
			i++;
		}
	}
}

static const char *expand(struct df *d, const struct scope *sc, const char *s, size_t n, bool *unres)
{
	struct sbuf b = { 0 };
	bool u = false;
	sb_add(&b, "", 0);
	expand_into(d, sc, s, n, &b, &u, 0);
	const char *r = arena_strndup(&d->w->arena, b.s, b.n);
	free(b.s);
	if (unres)
		*unres = u;
	return r;
}

/* --- words, flags, JSON form ---------------------------------------------- */

struct word {
	const char *s;
	size_t n;
};

/* Split at whitespace outside quotes (the escape character escapes). */
static size_t split_words(struct df *d, const char *s, struct word **out)
{
	size_t n = 0, len = strlen(s), i = lskip(s, len);
	*out = NULL;
	while (i < len) {
		size_t st = i;
		char q = 0;
		for (; i < len && (q || !is_ws(s[i])); i++) {
			if (s[i] == d->esc && q != '\'' && i + 1 < len)
				i++;
			else if (!q && (s[i] == '"' || s[i] == '\''))
				q = s[i];
			else if (q && s[i] == q)
				q = 0;
		}
		struct word *wd = PUSH(d, *out, n);
		wd->s = s + st;
		wd->n = i - st;
		i += lskip(s + i, len - i);
	}
	return n;
}

struct flag {
	const char *name, *value; /* value NULL for a bare --link */
};

/* Leading --name[=value] words; returns the text after them. */
static const char *parse_flags(struct df *d, const struct instr *in, const char *const *allowed, struct flag *flags,
			       size_t max, size_t *n_flags)
{
	const char *p = in->args;
	*n_flags = 0;
	for (;;) {
		p += lskip(p, strlen(p));
		if (p[0] != '-' || p[1] != '-' || !isalpha((unsigned char)p[2]))
			return p;
		const char *e = p;
		while (*e && !is_ws(*e))
			e++;
		const char *eq = memchr(p, '=', (size_t)(e - p));
		size_t nl = (size_t)((eq ? eq : e) - (p + 2));
		const char *name = arena_strndup(&d->w->arena, p + 2, nl);
		bool known = false;
		for (size_t i = 0; allowed[i]; i++)
			known |= strcmp(allowed[i], name) == 0;
		if (!known)
			wl_parse_error(d->w, at_line(d, in->line), "%s: unknown flag --%s", in->kw, name);
		else if (*n_flags < max) {
			flags[*n_flags].name = name;
			flags[*n_flags].value = eq ? arena_strndup(&d->w->arena, eq + 1, (size_t)(e - eq - 1)) : NULL;
			(*n_flags)++;
		}
		p = e;
	}
}

static const struct flag *find_flag(const struct flag *f, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(f[i].name, name) == 0)
			return &f[i];
	return NULL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* One JSON string at s[*i] == '"', unescaped into b; false if malformed. */
static bool json_string(const char *s, size_t *i, struct sbuf *b)
{
	size_t j = *i + 1;
	for (; s[j] && s[j] != '"'; j++) {
		if ((unsigned char)s[j] < 0x20)
			return false;
		if (s[j] != '\\') {
			sb_addc(b, s[j]);
			continue;
		}
		char c = s[++j];
		const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
		const char *k = c ? strchr(from, c) : NULL;
		if (k) {
			sb_addc(b, to[k - from]);
		} else if (c == 'u') {
			unsigned cp = 0;
			for (int h = 1; h <= 4; h++) {
				int v = hexval(s[j + h]);
				if (v < 0)
					return false;
				cp = cp * 16 + (unsigned)v;
			}
			j += 4;
			if (cp < 0x80) {
				sb_addc(b, (char)cp);
			} else if (cp < 0x800) {
				sb_addc(b, (char)(0xc0 | (cp >> 6)));
				sb_addc(b, (char)(0x80 | (cp & 0x3f)));
			} else {
				sb_addc(b, (char)(0xe0 | (cp >> 12)));
				sb_addc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
				sb_addc(b, (char)(0x80 | (cp & 0x3f)));
			}
		} else {
			return false;
		}
	}
	if (s[j] != '"')
		return false;
	*i = j + 1;
	return true;
}

/* The exec form: a JSON array of strings.  false when `s` is not one. */
static bool json_form(struct df *d, const char *s, const char ***out, size_t *n)
{
	size_t len = strlen(s), i = lskip(s, len);
	*out = NULL;
	*n = 0;
	if (s[i++] != '[')
		return false;
	struct sbuf b = { 0 };
	bool ok = false;
	for (bool first = true;; first = false) {
		i += lskip(s + i, len - i);
		if (first && s[i] == ']') {
			i++;
			ok = true;
			break;
		}
		sb_reset(&b);
		sb_add(&b, "", 0);
		if (s[i] != '"' || !json_string(s, &i, &b))
			break;
		*PUSH(d, *out, *n) = arena_strndup(&d->w->arena, b.s, b.n);
		i += lskip(s + i, len - i);
		if (s[i] == ',') {
			i++;
			continue;
		}
		if (s[i] == ']') {
			i++;
			ok = true;
		}
		break;
	}
	free(b.s);
	return ok && s[i + lskip(s + i, len - i)] == '\0';
}

/* Exec form if the text is a JSON array; a text that starts like one and is
 * not valid JSON is a parse error (BuildKit would run it as a shell command,
 * which is almost never what was meant). */
static bool exec_form(struct df *d, const struct instr *in, const char *text, const char ***out, size_t *n)
{
	if (json_form(d, text, out, n))
		return true;
	const char *t = text + lskip(text, strlen(text));
	if (t[0] == '[' && t[1 + lskip(t + 1, strlen(t + 1))] == '"')
		wl_parse_error(d->w, at_line(d, in->line), "%s: the exec form is not a valid JSON array of strings: %.60s",
			       in->kw, t);
	return false;
}

/* --- instructions ---------------------------------------------------------- */

static const char *stage_label(struct df *d, size_t i)
{
	return d->stages[i].as ? d->stages[i].as : arena_printf(&d->w->arena, "stage %zu", i);
}

static void do_from(struct df *d, const struct instr *in)
{
	static const char *const allowed[] = { "platform", NULL };
	struct flag fl[4];
	size_t nf;
	const char *rest = parse_flags(d, in, allowed, fl, 4, &nf);
	struct word *wd;
	size_t n = split_words(d, rest, &wd);
	if (n == 0) {
		wl_parse_error(d->w, at_line(d, in->line), "FROM needs an image");
		return;
	}
	if (n != 1 && !(n == 3 && wd[1].n == 2 && strncasecmp(wd[1].s, "AS", 2) == 0))
		wl_parse_error(d->w, at_line(d, in->line), "FROM takes an image and optionally `AS name`: %s", rest);
	bool unres;
	const char *image = expand(d, &d->globals, wd[0].s, wd[0].n, &unres);

	struct wl_loc at = at_line(d, in->line);
	struct wl_container *c = wl_add_container(d->w, NULL, at);
	struct stage *st = PUSH(d, d->stages, d->n_stages);
	st->ci = d->w->n_containers - 1;
	if (n >= 3 && wd[1].n == 2 && strncasecmp(wd[1].s, "AS", 2) == 0)
		st->as = arena_strndup(&d->w->arena, wd[2].s, wd[2].n);
	c->user.set = WL_UNSET;
	c->user.at = at;

	if (d->n_stages == 1)
		for (size_t i = 0; i < d->n_global_env; i++)
			*PUSH(d, c->env, c->n_env) = d->global_env[i];

	for (size_t i = 0; !unres && i + 1 < d->n_stages; i++) {
		if (!d->stages[i].as || strcasecmp(d->stages[i].as, image) != 0)
			continue;
		/* A stage reference: the parent's image, its USER and ENV carry over. */
		const struct wl_container *parent = &d->w->containers[d->stages[i].ci];
		c->user = parent->user;
		for (size_t k = 0; k < d->stages[i].vars.n; k++)
			if (d->stages[i].vars.v[k].env)
				*PUSH(d, st->vars.v, st->vars.n) = d->stages[i].vars.v[k];
		return;
	}
	if (!unres && strcasecmp(image, "scratch") == 0)
		return; /* the empty image: nothing to pin */
	struct wl_image *img = PUSH(d, c->images, c->n_images);
	img->ref = image;
	img->unresolved = unres || !*image;
	img->at = at;
}

/* The shell text of a RUN: exec form joined with spaces, heredoc bodies appended. */
static const char *run_text(struct df *d, const struct instr *in, const char *rest)
{
	const char **argv;
	size_t argc;
	struct sbuf b = { 0 };
	sb_add(&b, "", 0);
	if (!in->n_hd && exec_form(d, in, rest, &argv, &argc)) {
		for (size_t i = 0; i < argc; i++) {
			if (i)
				sb_addc(&b, ' ');
			sb_add(&b, argv[i], strlen(argv[i]));
		}
	} else {
		sb_add(&b, rest, rtrim(rest, strlen(rest)));
	}
	for (size_t i = 0; i < in->n_hd; i++) {
		sb_addc(&b, '\n');
		sb_add(&b, in->hd[i].body, strlen(in->hd[i].body));
	}
	const char *r = arena_strndup(&d->w->arena, b.s, b.n);
	free(b.s);
	return r;
}

static void do_run(struct df *d, const struct instr *in)
{
	static const char *const allowed[] = { "mount", "network", "security", "device", NULL };
	struct flag fl[16];
	size_t nf;
	const char *rest = parse_flags(d, in, allowed, fl, 16, &nf);
	if (!*rest && !in->n_hd) {
		wl_parse_error(d->w, at_line(d, in->line), "RUN needs a command");
		return;
	}
	struct wl_container *c = cur(d);
	struct wl_run *run = PUSH(d, c->runs, c->n_runs);
	run->cmd = run_text(d, in, rest);
	run->at = at_line(d, in->line);
}

static bool is_heredoc_word(const struct instr *in, const char *s)
{
	if (strncmp(s, "<<", 2) != 0)
		return false;
	s += 2 + (s[2] == '-');
	for (size_t i = 0; i < in->n_hd; i++) {
		size_t n = strlen(in->hd[i].word);
		const char *t = s + (*s == '"' || *s == '\'');
		if (strncmp(t, in->hd[i].word, n) == 0)
			return true;
	}
	return false;
}

static void do_copy(struct df *d, const struct instr *in, bool add)
{
	static const char *const copy_flags[] = { "from", "chown", "chmod", "link", "parents", "exclude", NULL };
	static const char *const add_flags[] = { "chown", "chmod", "link", "checksum", "keep-git-dir", "exclude", "unpack", NULL };
	struct flag fl[16];
	size_t nf;
	const char *rest = parse_flags(d, in, add ? add_flags : copy_flags, fl, 16, &nf);
	const char **args;
	size_t n = 0;
	struct scope *sc = cur_scope(d);
	if (!exec_form(d, in, rest, &args, &n)) {
		struct word *wd;
		n = split_words(d, rest, &wd);
		args = arena_calloc(&d->w->arena, n ? n : 1, sizeof(*args));
		for (size_t i = 0; i < n; i++) {
			const char *raw = arena_strndup(&d->w->arena, wd[i].s, wd[i].n);
			args[i] = is_heredoc_word(in, raw) ? raw : expand(d, sc, wd[i].s, wd[i].n, NULL);
		}
	} else {
		for (size_t i = 0; i < n; i++)
			args[i] = expand(d, sc, args[i], strlen(args[i]), NULL);
	}
	if (n < 2) {
		wl_parse_error(d->w, at_line(d, in->line), "%s needs a source and a destination", add ? "ADD" : "COPY");
		return;
	}
	struct wl_container *c = cur(d);
	struct wl_copy *cp = PUSH(d, c->copies, c->n_copies);
	cp->add = add;
	cp->at = at_line(d, in->line);
	/* wl_copy has no checksum field: an ADD pinned by --checksum does not
	 * take the build context's bytes as they are either, so it is recorded
	 * as not-from-the-context, and the build rules leave it alone. */
	cp->from_stage = find_flag(fl, nf, add ? "checksum" : "from") != NULL;
	cp->srcs = arena_calloc(&d->w->arena, n - 1, sizeof(*cp->srcs));
	for (size_t i = 0; i + 1 < n; i++)
		if (!is_heredoc_word(in, args[i]))
			cp->srcs[cp->n_srcs++] = args[i];
}

static void push_env(struct df *d, struct wl_env **env, size_t *n, const char *name, const char *value, bool arg,
		     int line)
{
	struct wl_env *e = PUSH(d, *env, *n);
	e->name = name;
	e->value = value;
	e->build_time = arg;
	e->at = at_line(d, line);
}

static void do_env(struct df *d, const struct instr *in)
{
	struct word *wd;
	size_t n = split_words(d, in->args, &wd);
	struct scope *sc = cur_scope(d);
	size_t before = sc->n; /* every value is expanded with the variables from before this ENV */
	struct scope old = { sc->v, before };
	struct wl_container *c = cur(d);
	if (n && !memchr(wd[0].s, '=', wd[0].n)) {
		/* legacy `ENV name value with spaces` */
		const char *name = arena_strndup(&d->w->arena, wd[0].s, wd[0].n);
		if (n < 2) {
			wl_parse_error(d->w, at_line(d, in->line), "ENV %s has no value (write ENV %s=value)", name, name);
			return;
		}
		const char *v = wd[1].s;
		const char *value = expand(d, &old, v, rtrim(v, strlen(v)), NULL);
		set_var(d, sc, name, value, true);
		push_env(d, &c->env, &c->n_env, name, value, false, in->line);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const char *eq = memchr(wd[i].s, '=', wd[i].n);
		if (!eq || eq == wd[i].s) {
			wl_parse_error(d->w, at_line(d, in->line), "ENV: \"%.*s\" is not name=value", (int)wd[i].n, wd[i].s);
			continue;
		}
		const char *name = arena_strndup(&d->w->arena, wd[i].s, (size_t)(eq - wd[i].s));
		old.v = sc->v; /* the array may have moved */
		const char *value = expand(d, &old, eq + 1, wd[i].n - (size_t)(eq + 1 - wd[i].s), NULL);
		set_var(d, sc, name, value, true);
		push_env(d, &c->env, &c->n_env, name, value, false, in->line);
	}
}

static void do_arg(struct df *d, const struct instr *in)
{
	struct word *wd;
	size_t n = split_words(d, in->args, &wd);
	struct scope *sc = cur_scope(d);
	for (size_t i = 0; i < n; i++) {
		const char *eq = memchr(wd[i].s, '=', wd[i].n);
		size_t nl = eq ? (size_t)(eq - wd[i].s) : wd[i].n;
		if (nl == 0) {
			wl_parse_error(d->w, at_line(d, in->line), "ARG: \"%.*s\" has no name", (int)wd[i].n, wd[i].s);
			continue;
		}
		const char *name = arena_strndup(&d->w->arena, wd[i].s, nl);
		const char *value = NULL;
		if (eq)
			value = expand(d, sc, eq + 1, wd[i].n - nl - 1, NULL);
		else if (d->n_stages) /* a global ARG redeclared in a stage takes its default */
			lookup(&d->globals, name, nl, &value);
		set_var(d, sc, name, value, false);
		if (!eq)
			continue;
		if (d->n_stages)
			push_env(d, &cur(d)->env, &cur(d)->n_env, name, value, true, in->line);
		else
			push_env(d, &d->global_env, &d->n_global_env, name, value, true, in->line);
	}
}

static void do_user(struct df *d, const struct instr *in)
{
	const char *raw = in->args + lskip(in->args, strlen(in->args));
	size_t n = rtrim(raw, strlen(raw));
	bool unres;
	const char *name = expand(d, cur_scope(d), raw, n, &unres);
	struct wl_user *u = &cur(d)->user;
	u->set = WL_YES;
	u->at = at_line(d, in->line);
	u->uid = -1;
	if (unres) { /* USER $UID with no value known here: cannot be judged */
		u->name = arena_strndup(&d->w->arena, raw, n);
		return;
	}
	u->name = name;
	size_t ul = strcspn(name, ":");
	if (ul == 4 && strncmp(name, "root", 4) == 0) {
		u->uid = 0;
	} else if (ul > 0 && ul < 10 && strspn(name, "0123456789") == ul) {
		u->uid = strtol(name, NULL, 10);
	}
}

/* Instructions judged by nothing but still checked for what BuildKit refuses. */
static void do_other(struct df *d, const struct instr *in, const char *kw)
{
	const char **argv;
	size_t argc;
	if (strcasecmp(kw, "SHELL") == 0) {
		if (!json_form(d, in->args, &argv, &argc) || argc == 0)
			wl_parse_error(d->w, at_line(d, in->line), "SHELL needs the exec form: SHELL [\"/bin/sh\", \"-c\"]");
	} else if (strcasecmp(kw, "CMD") == 0 || strcasecmp(kw, "ENTRYPOINT") == 0) {
		exec_form(d, in, in->args, &argv, &argc);
	}
}

static const char *const known_kw[] = { "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM",
	"HEALTHCHECK", "LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR" };

static void dispatch(struct df *d, const struct instr *in)
{
	const char *kw = NULL;
	for (size_t i = 0; i < sizeof(known_kw) / sizeof(known_kw[0]); i++)
		if (strcasecmp(in->kw, known_kw[i]) == 0)
			kw = known_kw[i];
	struct wl_loc at = at_line(d, in->line);
	if (!kw) {
		wl_parse_error(d->w, at, "unknown instruction %s", in->kw);
		return;
	}
	if (!*in->args && !in->n_hd) {
		wl_parse_error(d->w, at, "%s needs arguments", kw);
		return;
	}
	if (strcmp(kw, "FROM") == 0)
		return do_from(d, in);
	if (strcmp(kw, "ARG") == 0)
		return do_arg(d, in);
	if (!d->n_stages) {
		wl_parse_error(d->w, at, "%s before the first FROM (only ARG may come before FROM)", kw);
		return;
	}
	if (strcmp(kw, "RUN") == 0)
		do_run(d, in);
	else if (strcmp(kw, "COPY") == 0 || strcmp(kw, "ADD") == 0)
		do_copy(d, in, kw[0] == 'A');
	else if (strcmp(kw, "ENV") == 0)
		do_env(d, in);
	else if (strcmp(kw, "USER") == 0)
		do_user(d, in);
	else
		do_other(d, in, kw);
}

/* --- comments, directives, heredocs ------------------------------------------ */


/* `# stockade:ignore STK101,STK502 reason`: remembered for the next instruction. */
static void note_comment(struct df *d, const char *s, size_t n, int line)
{
	const char *q = fe_ignore_find(s, n);
	if (!q)
		return;
	struct pending_ignore *p = PUSH(d, d->pending, d->n_pending);
	p->line = line;
	fe_ignore_parse(d->w, &p->sp, q, s + n);
}

static void apply_ignores(struct df *d, int first, int last)
{
	for (size_t i = 0; i < d->n_pending; i++) {
		struct wl_suppress *s = PUSH(d, d->w->suppress, d->w->n_suppress);
		s->first_line = first;
		s->last_line = last;
		s->ids = d->pending[i].sp.ids;
		s->n_ids = d->pending[i].sp.n_ids;
		s->reason = d->pending[i].sp.reason;
		s->at = at_line(d, d->pending[i].line);
	}
	d->pending = NULL;
	d->n_pending = 0;
}

/* Parser directives: `# name=value` lines at the very top. */
static void directives(struct df *d, struct reader *r)
{
	bool seen_escape = false;
	for (;;) {
		struct reader save = *r;
		const char *s;
		size_t n;
		if (!next_line(r, &s, &n))
			return;
		size_t i = lskip(s, n);
		if (i >= n || s[i] != '#') {
			*r = save;
			return;
		}
		i += 1 + lskip(s + i + 1, n - i - 1);
		size_t ns = i;
		while (i < n && isalpha((unsigned char)s[i]))
			i++;
		size_t ne = i;
		i += lskip(s + i, n - i);
		if (ne == ns || i >= n || s[i] != '=') {
			*r = save;
			return;
		}
		i += 1 + lskip(s + i + 1, n - i - 1);
		const char *v = s + i;
		size_t vn = rtrim(v, n - i);
		if (ne - ns == 6 && strncasecmp(s + ns, "escape", 6) == 0) {
			if (seen_escape)
				wl_parse_error(d->w, at_line(d, r->line), "the escape directive is given twice");
			else if (vn == 1 && (*v == '\\' || *v == '`'))
				d->esc = *v;
			else
				wl_parse_error(d->w, at_line(d, r->line), "escape must be \\ or `, not \"%.*s\"", (int)vn, v);
			seen_escape = true;
		} else if (!(ne - ns == 6 && strncasecmp(s + ns, "syntax", 6) == 0) &&
			   !(ne - ns == 5 && strncasecmp(s + ns, "check", 5) == 0)) {
			*r = save; /* an unknown directive is a comment, and ends the directives */
			return;
		}
	}
}

static bool is_heredoc_char(char c)
{
	return c && !is_ws(c) && !strchr("\"'<>|&;()$`", c);
}

/* Read the bodies of the heredocs opened in `args` (in order) from the lines
 * that follow; `in->last` moves past their terminators. */
static void read_heredocs(struct df *d, struct reader *r, struct instr *in)
{
	const char *a = in->args;
	char q = 0;
	struct sbuf b = { 0 };
	for (size_t i = 0; a[i]; i++) {
		if (q) {
			q = a[i] == q ? 0 : q;
			continue;
		}
		if (a[i] == '"' || a[i] == '\'') {
			q = a[i];
			continue;
		}
		if (strncmp(a + i, "$((", 3) == 0) { /* $((1<<2)) is a shift */
			const char *e = strstr(a + i, "))");
			if (!e)
				break;
			i = (size_t)(e - a) + 1;
			continue;
		}
		if (a[i] != '<' || a[i + 1] != '<' || (i && a[i - 1] == '<') || a[i + 2] == '<')
			continue;
		size_t j = i + 2;
		bool strip = a[j] == '-';
		j += strip;
		char dq = (a[j] == '"' || a[j] == '\'') ? a[j++] : 0;
		size_t ws = j;
		while (is_heredoc_char(a[j]))
			j++;
		if (j == ws || (dq && a[j] != dq))
			continue;
		const char *word = arena_strndup(&d->w->arena, a + ws, j - ws);
		size_t wn = j - ws;
		i = j;
		sb_reset(&b);
		sb_add(&b, "", 0);
		const char *s;
		size_t n;
		bool closed = false;
		while (next_line(r, &s, &n)) {
			in->last = r->line;
			if (strip)
				while (n && *s == '\t')
					s++, n--;
			if (n == wn && memcmp(s, word, wn) == 0) {
				closed = true;
				break;
			}
			sb_add(&b, s, n);
			sb_addc(&b, '\n');
		}
		if (!closed)
			wl_parse_error(d->w, at_line(d, in->line), "%s: heredoc <<%s is not closed (no line \"%s\" before the end)",
				       in->kw, word, word);
		struct heredoc *h = PUSH(d, in->hd, in->n_hd);
		h->word = word;
		h->body = arena_strndup(&d->w->arena, b.s, b.n);
	}
	free(b.s);
}

static bool is_comment(const char *s, size_t n)
{
	size_t i = lskip(s, n);
	return i < n && s[i] == '#';
}

/* One instruction starting at physical line `s`: continuation lines joined
 * (comment and empty lines inside the continuation skipped), then heredocs. */
static void instruction(struct df *d, struct reader *r, const char *s, size_t n)
{
	struct instr in = { .line = r->line, .last = r->line };
	struct sbuf b = { 0 };
	sb_add(&b, "", 0);
	for (;;) {
		size_t m = rtrim(s, n);
		bool cont = m && s[m - 1] == d->esc;
		sb_add(&b, s, cont ? m - 1 : m);
		if (!cont)
			break;
		bool more = false;
		while (next_line(r, &s, &n)) {
			in.last = r->line;
			if (lskip(s, n) < n && !is_comment(s, n)) {
				more = true;
				break;
			}
		}
		if (!more)
			break;
	}
	size_t k = lskip(b.s, b.n), ke = k;
	while (ke < b.n && !is_ws(b.s[ke]))
		ke++;
	in.kw = arena_strndup(&d->w->arena, b.s + k, ke - k);
	ke += lskip(b.s + ke, b.n - ke);
	in.args = arena_strndup(&d->w->arena, b.s + ke, b.n - ke);
	free(b.s);
	if (strcasecmp(in.kw, "RUN") == 0 || strcasecmp(in.kw, "COPY") == 0 || strcasecmp(in.kw, "ADD") == 0)
		read_heredocs(d, r, &in);
	apply_ignores(d, in.line, in.last);
	dispatch(d, &in);
}

static void name_stages(struct df *d)
{
	for (size_t i = 0; i < d->n_stages; i++) {
		struct wl_container *c = &d->w->containers[d->stages[i].ci];
		bool final = i + 1 == d->n_stages;
		c->build_stage = !final;
		c->kind = final ? "final stage" : "build stage";
		c->name = final ? arena_printf(&d->w->arena, "%s (final)", stage_label(d, i)) : stage_label(d, i);
	}
}

int fe_dockerfile(const char *text, size_t len, const char *name, struct workload **out)
{
	struct workload *w = workload_new(WL_DOCKERFILE, name);
	struct df d = { .w = w, .esc = '\\' };
	struct reader r = { .p = text, .end = text + len };
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		r.p += 3;
	directives(&d, &r);
	const char *s;
	size_t n;
	while (next_line(&r, &s, &n)) {
		size_t i = lskip(s, n);
		if (i == n)
			continue;
		if (s[i] == '#') {
			note_comment(&d, s + i, n - i, r.line);
		} else {
			/* `RUN ... # stockade:ignore STK503 reason` at the end of an instruction's first
			 * line: a suppression of that instruction, not part of its arguments */
			static const char tag[] = "# stockade:ignore";
			const char *hit = memmem(s + i, n - i, tag, sizeof(tag) - 1);
			size_t len_i = n - i;
			if (hit && hit > s + i && is_ws(hit[-1])) {
				note_comment(&d, hit, (size_t)(s + n - hit), r.line);
				len_i = (size_t)(hit - (s + i));
			}
			instruction(&d, &r, s + i, len_i);
		}
	}
	if (!d.n_stages)
		wl_parse_error(w, at_line(&d, 1), "no FROM instruction: a Dockerfile needs at least one stage");
	name_stages(&d);
	*out = w;
	return 0;
}
