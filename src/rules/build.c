/*
 * Dockerfile build-step rules (STK503-506, STK603), judged on every stage's
 * RUN and COPY/ADD facts.  A RUN's text is cut into simple commands the way a
 * POSIX shell would (quotes, escapes, |, &&, ;, newlines, $(...), `...`,
 * <(...), `sh -c '...'`), so that `apt-get install sudo` is not sudo and
 * `curl x; grep -k y` is not `curl -k`.  It is a reading for judging, not a
 * shell: what it cannot follow it leaves alone rather than guess at.
 */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "rules/rules_internal.h"

struct cmdlist;

struct cmd {
	const char **words; /* quotes removed */
	size_t n;
	const char *start, *end; /* the command's text, for messages */
	bool pipe_next;          /* its output goes into the next command */
	struct cmdlist *subs;    /* $(...), `...`, <(...), sh -c '...' inside it */
	size_t n_subs;
};

struct cmdlist {
	struct cmd *v;
	size_t n;
};

struct lex {
	struct arena *a;
	int depth;
};

#define MAX_DEPTH 8

static void *apush(struct arena *a, void **arr, size_t *n, size_t sz)
{
	size_t cur = *n;
	if (cur == 0 || (cur & (cur - 1)) == 0) {
		void *nv = arena_calloc(a, cur ? cur * 2 : 1, sz);
		if (cur)
			memcpy(nv, *arr, cur * sz);
		*arr = nv;
	}
	(*n)++;
	return (char *)*arr + cur * sz;
}
#define APUSH(a, arr, n) ((__typeof__(*(arr)) *)apush((a), (void **)&(arr), &(n), sizeof(*(arr))))

static const char *base(const char *s)
{
	const char *b = strrchr(s, '/');
	return b ? b + 1 : s;
}

static bool is_assignment(const char *w)
{
	if (!(w[0] == '_' || (w[0] >= 'A' && w[0] <= 'Z') || (w[0] >= 'a' && w[0] <= 'z')))
		return false;
	size_t i = strspn(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");
	return w[i] == '=';
}

/* Index of the command word after `VAR=x` prefixes; n when there is none. */
static size_t first_word(const struct cmd *c)
{
	size_t i = 0;
	while (i < c->n && is_assignment(c->words[i]))
		i++;
	return i;
}

/* Index of the program actually run, past sudo/env/exec/... wrappers. */
static size_t real_word(const struct cmd *c)
{
	size_t i = first_word(c);
	while (i < c->n) {
		const char *b = base(c->words[i]);
		if (strcmp(b, "sudo") == 0 || strcmp(b, "doas") == 0) {
			for (i++; i < c->n && c->words[i][0] == '-'; i++)
				if (strchr("ugCDhprtUT", c->words[i][1]) && c->words[i][1] && !c->words[i][2])
					i++; /* an option with an argument */
		} else if (strcmp(b, "env") == 0) {
			for (i++; i < c->n && (c->words[i][0] == '-' || is_assignment(c->words[i])); i++)
				;
		} else if (strcmp(b, "exec") == 0 || strcmp(b, "command") == 0 || strcmp(b, "nohup") == 0 ||
			   strcmp(b, "time") == 0) {
			i++;
		} else {
			return i;
		}
	}
	return i;
}

static const char *prog(const struct cmd *c)
{
	size_t i = real_word(c);
	return i < c->n ? base(c->words[i]) : "";
}

static bool is_shell(const char *p)
{
	static const char *const sh[] = { "sh", "bash", "zsh", "dash", "ash", "ksh", "mksh", "fish" };
	for (size_t i = 0; i < sizeof(sh) / sizeof(sh[0]); i++)
		if (strcmp(p, sh[i]) == 0)
			return true;
	return false;
}

/* Runs what it is given as code. */
static bool is_interpreter(const char *p)
{
	return is_shell(p) || strncmp(p, "python", 6) == 0 || strcmp(p, "perl") == 0 || strcmp(p, "ruby") == 0 ||
	       strcmp(p, "node") == 0 || strcmp(p, "php") == 0 || strcmp(p, "eval") == 0 || strcmp(p, "source") == 0 ||
	       strcmp(p, ".") == 0;
}

static bool is_downloader(const char *p)
{
	return strcmp(p, "curl") == 0 || strcmp(p, "wget") == 0 || strcmp(p, "fetch") == 0;
}

/* --- the lexer ---------------------------------------------------------------- */

struct wbuf {
	char *s;
	size_t n, cap;
	struct arena *a;
};

static void wb_addn(struct wbuf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 32;
		while (cap < b->n + n + 1)
			cap *= 2;
		char *ns = arena_alloc(b->a, cap);
		if (b->n)
			memcpy(ns, b->s, b->n);
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

/* The index of the ')' closing a '(' just before s[i]; n if none. */
static size_t close_paren(const char *s, size_t n, size_t i)
{
	int depth = 1;
	for (; i < n; i++) {
		char c = s[i];
		if (c == '\\') {
			i++;
		} else if (c == '\'') {
			const char *q = memchr(s + i + 1, '\'', n - i - 1);
			i = q ? (size_t)(q - s) : n;
		} else if (c == '(') {
			depth++;
		} else if (c == ')' && --depth == 0) {
			return i;
		}
	}
	return n;
}

static void lex_list(struct lex *L, const char *s, size_t n, struct cmdlist *out);

struct lstate {
	struct lex *L;
	const char *s;
	struct cmdlist *out;
	struct wbuf w;
	bool in_word, drop_next;
	size_t cmd; /* index of the current command in out, or (size_t)-1 */
};

static struct cmd *cmd_cur(struct lstate *st, size_t at)
{
	if (st->cmd == (size_t)-1) {
		struct cmd *c = APUSH(st->L->a, st->out->v, st->out->n);
		c->start = c->end = st->s + at;
		st->cmd = st->out->n - 1;
	}
	return &st->out->v[st->cmd];
}

static void add_sub(struct lstate *st, size_t at, const char *s, size_t n)
{
	struct cmd *c = cmd_cur(st, at);
	if (st->L->depth >= MAX_DEPTH)
		return;
	struct cmdlist *l = APUSH(st->L->a, c->subs, c->n_subs);
	st->L->depth++;
	lex_list(st->L, s, n, l);
	st->L->depth--;
}

static void word_end(struct lstate *st, size_t at)
{
	if (!st->in_word)
		return;
	st->in_word = false;
	if (st->drop_next) { /* a redirection's target is not an argument */
		st->drop_next = false;
		st->w.n = 0;
		return;
	}
	struct cmd *c = cmd_cur(st, at);
	*APUSH(st->L->a, c->words, c->n) = arena_strndup(st->L->a, st->w.s ? st->w.s : "", st->w.n);
	st->w.n = 0;
}

static void cmd_end(struct lstate *st, size_t at, bool pipe)
{
	word_end(st, at);
	if (st->cmd == (size_t)-1)
		return;
	struct cmd *c = &st->out->v[st->cmd];
	c->end = st->s + at;
	c->pipe_next = pipe;
	st->cmd = (size_t)-1;
	/* `sh -c 'script'`: the script is commands too */
	size_t i = real_word(c);
	if (i < c->n && is_shell(base(c->words[i])) && st->L->depth < MAX_DEPTH) {
		for (size_t k = i + 1; k + 1 < c->n && c->words[k][0] == '-' && c->words[k][1] != '-'; k++) {
			if (strchr(c->words[k], 'c')) {
				struct cmdlist *l = APUSH(st->L->a, c->subs, c->n_subs);
				st->L->depth++;
				lex_list(st->L, c->words[k + 1], strlen(c->words[k + 1]), l);
				st->L->depth--;
				break;
			}
		}
	}
}

static void word_start(struct lstate *st, size_t at)
{
	if (!st->in_word) {
		struct cmd *c = cmd_cur(st, at);
		(void)c;
		st->in_word = true;
	}
}

/* Inside double quotes from s[i] (after the opening quote); returns the index after the closing one. */
static size_t lex_dquote(struct lstate *st, const char *s, size_t n, size_t i)
{
	while (i < n && s[i] != '"') {
		if (s[i] == '\\' && i + 1 < n) {
			if (!strchr("$`\"\\\n", s[i + 1]))
				wb_addn(&st->w, s + i, 1);
			if (s[i + 1] != '\n')
				wb_addn(&st->w, s + i + 1, 1);
			i += 2;
		} else if (s[i] == '$' && i + 1 < n && s[i + 1] == '(') {
			size_t e = close_paren(s, n, i + 2);
			add_sub(st, i, s + i + 2, e - i - 2);
			wb_addn(&st->w, s + i, (e < n ? e + 1 : n) - i);
			i = e < n ? e + 1 : n;
		} else if (s[i] == '`') {
			const char *q = memchr(s + i + 1, '`', n - i - 1);
			size_t e = q ? (size_t)(q - s) : n;
			add_sub(st, i, s + i + 1, e - i - 1);
			wb_addn(&st->w, s + i, (e < n ? e + 1 : n) - i);
			i = e < n ? e + 1 : n;
		} else {
			wb_addn(&st->w, s + i++, 1);
		}
	}
	return i < n ? i + 1 : n;
}

static void lex_list(struct lex *L, const char *s, size_t n, struct cmdlist *out)
{
	struct lstate st = { .L = L, .s = s, .out = out, .w = { .a = L->a }, .cmd = (size_t)-1 };
	size_t i = 0;
	while (i < n) {
		char c = s[i];
		char c1 = i + 1 < n ? s[i + 1] : '\0';
		if (c == ' ' || c == '\t' || c == '\r') {
			word_end(&st, i);
			i++;
		} else if (c == '\\') {
			if (c1 != '\n') {
				word_start(&st, i);
				if (c1)
					wb_addn(&st.w, s + i + 1, 1);
			}
			i += 2;
		} else if (c == '\'') {
			word_start(&st, i);
			const char *q = memchr(s + i + 1, '\'', n - i - 1);
			size_t e = q ? (size_t)(q - s) : n;
			wb_addn(&st.w, s + i + 1, e - i - 1);
			i = e < n ? e + 1 : n;
		} else if (c == '"') {
			word_start(&st, i);
			i = lex_dquote(&st, s, n, i + 1);
		} else if ((c == '$' || ((c == '<' || c == '>') && !st.in_word)) && c1 == '(' &&
			   !(c == '$' && i + 2 < n && s[i + 2] == '(')) {
			word_start(&st, i);
			size_t e = close_paren(s, n, i + 2);
			add_sub(&st, i, s + i + 2, e - i - 2);
			wb_addn(&st.w, s + i, (e < n ? e + 1 : n) - i);
			i = e < n ? e + 1 : n;
		} else if (c == '`') {
			word_start(&st, i);
			const char *q = memchr(s + i + 1, '`', n - i - 1);
			size_t e = q ? (size_t)(q - s) : n;
			add_sub(&st, i, s + i + 1, e - i - 1);
			wb_addn(&st.w, s + i, (e < n ? e + 1 : n) - i);
			i = e < n ? e + 1 : n;
		} else if (c == '#' && !st.in_word) {
			const char *nl = memchr(s + i, '\n', n - i);
			i = nl ? (size_t)(nl - s) : n;
		} else if (strchr("|&;\n()", c)) {
			bool pipe = c == '|' && c1 != '|';
			cmd_end(&st, i, pipe);
			i += (c1 == c && c != '\n' && c != '(' && c != ')') || (c == '|' && c1 == '&') ? 2 : 1;
		} else if (c == '<' || c == '>') {
			if (st.in_word && st.w.n && strspn(st.w.s, "0123456789") == st.w.n) {
				st.in_word = false; /* "2>": the fd number is not an argument */
				st.w.n = 0;
			}
			word_end(&st, i);
			while (i < n && strchr("<>&-|", s[i]))
				i++;
			st.drop_next = true;
		} else {
			word_start(&st, i);
			wb_addn(&st.w, s + i, 1);
			i++;
		}
	}
	cmd_end(&st, n, false);
}

/* --- judging ------------------------------------------------------------------- */

struct judge {
	struct eval *e;
	const struct wl_run *run;
	struct arena *a;
	bool sudo, insecure, remote;
};

/* A command's text for a message: whitespace runs folded, cut at ~80 characters. */
static const char *snippet(struct arena *a, const char *s, const char *e)
{
	char *o = arena_alloc(a, (size_t)(e - s) + 1);
	size_t n = 0;
	for (const char *p = s; p < e; p++) {
		bool ws = *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r';
		if (ws && (n == 0 || o[n - 1] == ' '))
			continue;
		o[n++] = ws ? ' ' : *p;
	}
	while (n && o[n - 1] == ' ')
		n--;
	o[n] = '\0';
	if (n > 80)
		strcpy(o + 77, "...");
	return o;
}

static bool list_has_downloader(const struct cmdlist *l, const char **which)
{
	for (size_t i = 0; i < l->n; i++) {
		if (is_downloader(prog(&l->v[i]))) {
			*which = prog(&l->v[i]);
			return true;
		}
		for (size_t k = 0; k < l->v[i].n_subs; k++)
			if (list_has_downloader(&l->v[i].subs[k], which))
				return true;
	}
	return false;
}

static void check_remote(struct judge *j, const struct cmdlist *l, size_t i)
{
	const struct cmd *c = &l->v[i];
	const char *interp = prog(c);
	if (j->remote || !is_interpreter(interp) || !rule_active(j->e, "STK503"))
		return;
	/* curl ... | sh */
	for (size_t k = i; k-- > 0 && l->v[k].pipe_next;) {
		if (is_downloader(prog(&l->v[k]))) {
			j->remote = true;
			rule_emit(j->e, "STK503", -1, j->run->at, "%s output piped into %s: \"%s\"", prog(&l->v[k]), interp,
				  snippet(j->a, l->v[k].start, c->end));
			return;
		}
	}
	/* sh -c "$(curl ...)", bash <(curl ...), eval "$(wget -O- ...)" */
	for (size_t k = 0; k < c->n_subs; k++) {
		const char *dl;
		const struct cmdlist *sub = &c->subs[k];
		/* the `sh -c` script itself is not a download's output */
		if (sub->n && sub->v[0].start >= c->start && sub->v[0].start <= c->end && list_has_downloader(sub, &dl)) {
			j->remote = true;
			rule_emit(j->e, "STK503", -1, j->run->at, "%s output run by %s: \"%s\"", dl, interp,
				  snippet(j->a, c->start, c->end));
			return;
		}
	}
}

static bool curl_insecure(const struct cmd *c, size_t from)
{
	for (size_t i = from; i < c->n; i++) {
		const char *w = c->words[i];
		if (strcmp(w, "--") == 0)
			return false;
		if (strcmp(w, "--insecure") == 0)
			return true;
		if (w[0] != '-' || w[1] == '-')
			continue;
		for (const char *p = w + 1; *p; p++) {
			if (*p == 'k')
				return true;
			if (strchr("oOHduXAebcwTFxrmCEKYyzUQtP", *p))
				break; /* the rest of the word is this option's argument */
		}
	}
	return false;
}

static bool truthy_off(const char *v)
{
	return strcasecmp(v, "false") == 0 || strcmp(v, "0") == 0 || strcasecmp(v, "no") == 0 ||
	       strcasecmp(v, "off") == 0;
}

/* What switches TLS verification off in this command, or NULL. */
static const char *insecure_what(const struct cmd *c)
{
	size_t r = real_word(c);
	const char *p = prog(c);
	for (size_t i = 0; i < c->n; i++) {
		const char *w = c->words[i];
		if (strncmp(w, "GIT_SSL_NO_VERIFY=", 18) == 0 && w[18] && !truthy_off(w + 18))
			return "GIT_SSL_NO_VERIFY";
		if (strcmp(w, "NODE_TLS_REJECT_UNAUTHORIZED=0") == 0)
			return "NODE_TLS_REJECT_UNAUTHORIZED=0";
	}
	if (strcmp(p, "curl") == 0 && curl_insecure(c, r + 1))
		return "curl --insecure";
	bool pip = strncmp(p, "pip", 3) == 0;
	for (size_t i = r + 1; i < c->n; i++) {
		const char *w = c->words[i], *next = i + 1 < c->n ? c->words[i + 1] : "";
		if (strcmp(p, "wget") == 0 && strcmp(w, "--no-check-certificate") == 0)
			return "wget --no-check-certificate";
		if (strncmp(p, "python", 6) == 0 && strcmp(w, "pip") == 0 && i > 0 && strcmp(c->words[i - 1], "-m") == 0)
			pip = true;
		if (pip && (strcmp(w, "--trusted-host") == 0 || strncmp(w, "--trusted-host=", 15) == 0))
			return "pip --trusted-host";
		if (strcmp(p, "git") == 0 && strncasecmp(w, "http.", 5) == 0 && strcasestr(w, "sslverify")) {
			const char *eq = strchr(w, '=');
			if (eq ? truthy_off(eq + 1) : truthy_off(next))
				return "git http.sslVerify=false";
		}
		if ((strcmp(p, "npm") == 0 || strcmp(p, "yarn") == 0 || strcmp(p, "pnpm") == 0) &&
		    ((strcmp(w, "strict-ssl") == 0 && truthy_off(next)) || strcmp(w, "strict-ssl=false") == 0 ||
		     strcmp(w, "--strict-ssl=false") == 0))
			return "npm strict-ssl false";
	}
	return NULL;
}

static void judge_list(struct judge *j, const struct cmdlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct cmd *c = &l->v[i];
		size_t fw = first_word(c);
		if (!j->sudo && fw < c->n && strcmp(base(c->words[fw]), "sudo") == 0 && rule_active(j->e, "STK506")) {
			j->sudo = true;
			rule_emit(j->e, "STK506", -1, j->run->at, "sudo in a RUN: \"%s\"", snippet(j->a, c->start, c->end));
		}
		const char *what = j->insecure ? NULL : insecure_what(c);
		if (what && rule_active(j->e, "STK505")) {
			j->insecure = true;
			rule_emit(j->e, "STK505", -1, j->run->at, "TLS verification switched off (%s): \"%s\"", what,
				  snippet(j->a, c->start, c->end));
		}
		check_remote(j, l, i);
		for (size_t k = 0; k < c->n_subs; k++)
			judge_list(j, &c->subs[k]);
	}
}

static void judge_run(struct eval *e, const struct wl_run *run)
{
	struct arena a = { 0 };
	struct lex L = { .a = &a };
	struct cmdlist l = { 0 };
	const char *cmd = run->cmd ? run->cmd : "";
	lex_list(&L, cmd, strlen(cmd), &l);
	struct judge j = { .e = e, .run = run, .a = &a };
	judge_list(&j, &l);
	arena_free(&a);
}

/* --- COPY / ADD ---------------------------------------------------------------- */

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

static bool is_url(const char *s)
{
	return strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0 ||
	       strncasecmp(s, "ftp://", 6) == 0 || strncasecmp(s, "git@", 4) == 0 || strncasecmp(s, "git://", 6) == 0;
}

/* ADD unpacks these: the one thing COPY cannot do. */
static bool is_tar(const char *s)
{
	static const char *const ext[] = { ".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2", ".tbz",
		".tar.zst", ".tzst", ".tar.lz", ".tar.lzma" };
	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
		if (ends_with(s, ext[i]))
			return true;
	return false;
}

/* Key material by name: what makes the copied path a secret, or NULL. */
static const char *secret_what(const char *src)
{
	char path[4096];
	size_t n = strlen(src);
	if (n >= sizeof(path))
		return NULL;
	memcpy(path, src, n + 1);
	while (n > 1 && path[n - 1] == '/')
		path[--n] = '\0';
	const char *b = base(path);
	static const char *const names[] = { "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", ".env", ".npmrc", ".pypirc",
		".netrc", ".git-credentials", ".pgpass" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(b, names[i]) == 0)
			return names[i];
	if (strncmp(b, ".env.", 5) == 0 && !ends_with(b, ".example") && !ends_with(b, ".sample") &&
	    !ends_with(b, ".template") && !ends_with(b, ".dist"))
		return ".env file";
	if (ends_with(b, ".pem") || ends_with(b, ".key") || ends_with(b, ".p12") || ends_with(b, ".pfx"))
		return "private key file";
	if (strncasecmp(b, "credentials", 11) == 0)
		return "credentials file";
	if (ends_with(path, ".docker/config.json"))
		return "Docker registry credentials";
	static const char *const dirs[] = { ".aws", ".ssh", ".gnupg" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		size_t m = strlen(dirs[i]);
		for (const char *p = path; (p = strstr(p, dirs[i])); p += m)
			if ((p == path || p[-1] == '/') && (p[m] == '\0' || p[m] == '/'))
				return dirs[i];
	}
	return NULL;
}

static void judge_copy(struct eval *e, const struct wl_copy *cp)
{
	const char *op = cp->add ? "ADD" : "COPY";
	/* from_stage: COPY --from (another stage or image), or ADD --checksum
	 * (the frontend's way of saying the bytes are pinned). */
	if (cp->from_stage)
		return;
	for (size_t i = 0; i < cp->n_srcs; i++) {
		const char *s = cp->srcs[i];
		const char *what = is_url(s) ? NULL : secret_what(s);
		if (what && rule_active(e, "STK603")) {
			rule_emit(e, "STK603", -1, cp->at, "%s of %s into the image: \"%s\"", op, what, s);
			break;
		}
	}
	if (!cp->add || !rule_active(e, "STK504"))
		return;
	for (size_t i = 0; i < cp->n_srcs; i++) {
		const char *s = cp->srcs[i];
		if (is_url(s)) {
			rule_emit(e, "STK504", -1, cp->at, "ADD of a URL without --checksum: \"%s\"", s);
			return;
		}
		if (!is_tar(s)) {
			rule_emit(e, "STK504", -1, cp->at, "ADD of a local file that is not a tar archive (COPY would do): \"%s\"", s);
			return;
		}
	}
}

static void judge_env(struct eval *e, const struct wl_env *env)
{
	if (!env->name || !env->value || !rule_active(e, "STK505"))
		return;
	if ((strcmp(env->name, "GIT_SSL_NO_VERIFY") == 0 && *env->value && !truthy_off(env->value)) ||
	    (strcmp(env->name, "NODE_TLS_REJECT_UNAUTHORIZED") == 0 && strcmp(env->value, "0") == 0))
		rule_emit(e, "STK505", -1, env->at, "TLS verification switched off for every later step: %s=%s", env->name,
			  env->value);
}

void rules_build(struct eval *e)
{
	const struct wl_container *c = e->c;
	for (size_t i = 0; i < c->n_runs; i++)
		judge_run(e, &c->runs[i]);
	for (size_t i = 0; i < c->n_copies; i++)
		judge_copy(e, &c->copies[i]);
	for (size_t i = 0; i < c->n_env; i++)
		judge_env(e, &c->env[i]);
}
