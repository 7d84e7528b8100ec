/*
 * `docker run` command lines -> workload.
 *
 * Two steps, kept apart: a lexer that splits text into words the way a POSIX
 * shell does (quotes, backslashes, continuation lines, operators, comments),
 * keeping `$VAR`, `${...}`, `$(...)` and backticks as written; then the flag
 * grammar of `docker run` (pflag's: `--flag=value`, `--flag value`, `-itd`,
 * `-p8080:80`, `--`), which must know which flags take a value or `-e X nginx`
 * would run the image X.
 *
 * Every word remembers its offset in the text, so a fact's line and column
 * come from the offset (continuation lines included) rather than from counting
 * as we go.  The scanner only lexes lines that mention an engine: a prose line
 * with an apostrophe ("don't") elsewhere in a YAML file must not open a quote
 * that swallows the lines after it.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "frontends/common.h"
#include "frontends/frontends.h"
#include "oci/spec.h"
#include "util/err.h"
#include "util/macros.h"

#define NONE SIZE_MAX
#define MAX_DEPTH 8 /* $( $( ... ) ) nesting the scanner looks into */

/* ---- positions ---------------------------------------------------------------- */

struct src {
	const char *t;
	size_t len;
	int base_line; /* line of t[0]; 0: not known (a command given on the command line) */
	size_t *ls;    /* offsets where lines start */
	size_t n_ls;
};

static void src_init(struct src *s, const char *t, size_t len, int base_line)
{
	s->t = t;
	s->len = len;
	s->base_line = base_line;
	size_t n = 1;
	for (const char *p = t; p && (p = memchr(p, '\n', len - (size_t)(p - t))); p++)
		n++;
	s->ls = malloc(n * sizeof(*s->ls));
	if (!s->ls)
		abort();
	s->ls[0] = 0;
	s->n_ls = 1;
	for (size_t i = 0; i < len; i++)
		if (t[i] == '\n')
			s->ls[s->n_ls++] = i + 1;
}

/* index of the physical line holding offset `off` */
static size_t src_line_idx(const struct src *s, size_t off)
{
	size_t lo = 0, hi = s->n_ls;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->ls[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static int src_line(const struct src *s, size_t off)
{
	return s->base_line > 0 ? s->base_line + (int)src_line_idx(s, off) : 0;
}

static struct wl_loc src_loc(struct workload *w, const struct src *s, size_t off, const char *path)
{
	size_t i = src_line_idx(s, off);
	struct wl_loc l = { .file = w->file, .line = src_line(s, off), .col = (int)(off - s->ls[i] + 1) };
	l.path = path ? wl_strdup(w, path) : NULL;
	return l;
}

/* ---- lexer ------------------------------------------------------------------ */

enum tk { TK_WORD, TK_OP, TK_REDIR };

struct tok {
	enum tk type;
	const char *s;    /* the word after quote removal; expansions kept as written */
	size_t off, end;  /* raw span in the text */
	bool dollar;      /* holds an expansion ($VAR, ${..}, $(..), `..`) */
	size_t sub_off, sub_end; /* inside of the first $(...) or `...`; sub_end == 0: none */
};

struct toks {
	struct tok *v;
	size_t n, cap;
	size_t end;     /* offset just past the logical line */
	size_t comment; /* offset of the first comment's '#', or NONE */
	size_t bad;     /* offset of an unterminated quote or substitution, or NONE */
};

struct lexer {
	const char *t;
	size_t pos, lim;
	struct arena *a;
	char *buf;
	size_t n, cap;
	bool make; /* a Makefile recipe: $$ is the shell's $ */
	bool dollar;
	size_t sub_off, sub_end, bad;
};

static void put(struct lexer *lx, char c)
{
	if (lx->n + 1 >= lx->cap) {
		size_t cap = lx->cap ? lx->cap * 2 : 64;
		char *b = realloc(lx->buf, cap);
		if (!b)
			abort();
		lx->buf = b;
		lx->cap = cap;
	}
	lx->buf[lx->n++] = c;
}

static void put_raw(struct lexer *lx, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		put(lx, lx->t[i]);
}

/* An unterminated quote: the word, and the logical line, end with the
 * physical line the quote opened on (the rest of the file is not swallowed). */
static void unterminated(struct lexer *lx, size_t open)
{
	if (lx->bad == NONE)
		lx->bad = open;
	const char *nl = memchr(lx->t + open, '\n', lx->lim - open);
	lx->pos = nl ? (size_t)(nl - lx->t) : lx->lim;
}

/* end of a '...' starting at `p` (on the quote), or NONE */
static size_t squote_end(const struct lexer *lx, size_t p)
{
	const char *q = memchr(lx->t + p + 1, '\'', lx->lim - p - 1);
	return q ? (size_t)(q - lx->t) : NONE;
}

/* end of a "..." starting at `p`, skipping backslash pairs, or NONE */
static size_t dquote_end(const struct lexer *lx, size_t p)
{
	for (p++; p < lx->lim; p++) {
		if (lx->t[p] == '\\')
			p++;
		else if (lx->t[p] == '"')
			return p;
	}
	return NONE;
}

/* the ')' that closes a "$(" at `p`, or NONE */
static size_t paren_end(const struct lexer *lx, size_t p)
{
	int depth = 0;
	for (; p < lx->lim; p++) {
		char c = lx->t[p];
		if (c == '\\') {
			p++;
		} else if (c == '\'' || c == '"') {
			p = c == '\'' ? squote_end(lx, p) : dquote_end(lx, p);
			if (p == NONE)
				return NONE;
		} else if (c == '(') {
			depth++;
		} else if (c == ')' && --depth == 0) {
			return p;
		}
	}
	return NONE;
}

static void lex_dollar(struct lexer *lx)
{
	const char *t = lx->t;
	size_t p = lx->pos;
	char n = p + 1 < lx->lim ? t[p + 1] : '\0';
	if (lx->make && n == '$') {
		lx->pos = ++p;
		n = p + 1 < lx->lim ? t[p + 1] : '\0';
	}
	if (n == '(') {
		size_t e = paren_end(lx, p + 1);
		if (e == NONE)
			return unterminated(lx, p);
		put_raw(lx, p, e + 1);
		lx->dollar = true;
		if (lx->sub_end == 0 && t[p + 2] != '(') { /* $(( )) is arithmetic */
			lx->sub_off = p + 2;
			lx->sub_end = e;
		}
		lx->pos = e + 1;
	} else if (n == '{') {
		const char *e = memchr(t + p, '}', lx->lim - p);
		if (!e)
			return unterminated(lx, p);
		put_raw(lx, p, (size_t)(e - t) + 1);
		lx->dollar = true;
		lx->pos = (size_t)(e - t) + 1;
	} else if (n == '\'') { /* $'...': ANSI-C quoting, escapes kept as written */
		size_t q;
		for (q = p + 2; q < lx->lim && t[q] != '\''; q++)
			if (t[q] == '\\')
				q++;
		if (q >= lx->lim)
			return unterminated(lx, p);
		put_raw(lx, p + 2, q);
		lx->pos = q + 1;
	} else if (isalnum((unsigned char)n) || n == '_') {
		size_t q = p + 1;
		if (isdigit((unsigned char)n))
			q++;
		else
			while (q < lx->lim && (isalnum((unsigned char)t[q]) || t[q] == '_'))
				q++;
		put_raw(lx, p, q);
		lx->dollar = true;
		lx->pos = q;
	} else if (n && strchr("?#@*!$-", n)) {
		put_raw(lx, p, p + 2);
		lx->dollar = true;
		lx->pos = p + 2;
	} else {
		put(lx, '$');
		lx->pos = p + 1;
	}
}

static void lex_backtick(struct lexer *lx)
{
	size_t p = lx->pos, q;
	for (q = p + 1; q < lx->lim && lx->t[q] != '`'; q++)
		if (lx->t[q] == '\\')
			q++;
	if (q >= lx->lim)
		return unterminated(lx, p);
	put_raw(lx, p, q + 1);
	lx->dollar = true;
	if (lx->sub_end == 0) {
		lx->sub_off = p + 1;
		lx->sub_end = q;
	}
	lx->pos = q + 1;
}

static void lex_dquote(struct lexer *lx)
{
	const char *t = lx->t;
	size_t open = lx->pos;
	lx->pos++;
	while (lx->pos < lx->lim) {
		char c = t[lx->pos];
		if (c == '"') {
			lx->pos++;
			return;
		}
		if (c == '\\' && lx->pos + 1 < lx->lim) {
			char n = t[lx->pos + 1];
			if (n != '\n') {
				if (!strchr("$`\"\\", n))
					put(lx, '\\');
				put(lx, n);
			}
			lx->pos += 2;
		} else if (c == '$' || c == '`') {
			size_t bad = lx->bad;
			if (c == '$')
				lex_dollar(lx);
			else
				lex_backtick(lx);
			if (lx->bad != bad)
				return;
		} else {
			put(lx, c);
			lx->pos++;
		}
	}
	unterminated(lx, open);
}

static bool is_meta(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ';' || c == '&' || c == '|' || c == '(' || c == ')' ||
	       c == '<' || c == '>';
}

static bool continuation(const struct lexer *lx, size_t p)
{
	const char *t = lx->t;
	return t[p] == '\\' && ((p + 1 < lx->lim && t[p + 1] == '\n') ||
				(p + 2 < lx->lim && t[p + 1] == '\r' && t[p + 2] == '\n'));
}

static void skip_continuation(struct lexer *lx)
{
	lx->pos += lx->t[lx->pos + 1] == '\r' ? 3 : 2;
}

static void lex_word(struct lexer *lx)
{
	const char *t = lx->t;
	while (lx->pos < lx->lim && !is_meta(t[lx->pos])) {
		char c = t[lx->pos];
		size_t bad = lx->bad;
		if (continuation(lx, lx->pos)) {
			skip_continuation(lx);
		} else if (c == '\\') {
			if (lx->pos + 1 < lx->lim)
				put(lx, t[++lx->pos]);
			lx->pos++;
		} else if (c == '\'') {
			size_t e = squote_end(lx, lx->pos);
			if (e == NONE) {
				unterminated(lx, lx->pos);
			} else {
				put_raw(lx, lx->pos + 1, e);
				lx->pos = e + 1;
			}
		} else if (c == '"') {
			lex_dquote(lx);
		} else if (c == '$') {
			lex_dollar(lx);
		} else if (c == '`') {
			lex_backtick(lx);
		} else {
			put(lx, c);
			lx->pos++;
		}
		if (lx->bad != bad)
			return;
	}
}

static struct tok *push_tok(struct lexer *lx, struct toks *out)
{
	if (out->n == out->cap) {
		size_t cap = out->cap ? out->cap * 2 : 32;
		struct tok *v = arena_calloc(lx->a, cap, sizeof(*v));
		if (out->n)
			memcpy(v, out->v, out->n * sizeof(*v));
		out->v = v;
		out->cap = cap;
	}
	struct tok *k = &out->v[out->n++];
	memset(k, 0, sizeof(*k));
	return k;
}

/* length of the operator or redirection at p (0: none); *redir tells which */
static size_t op_len(const char *t, size_t p, size_t lim, bool *redir)
{
	static const char *const ops[] = { "&&", "||", ";;", "|&", "|", "&", ";", "(", ")" };
	static const char *const redirs[] = { "&>>", "<<<", "<<-", "&>", ">>", ">&", ">|", "<<", "<&", "<>", ">", "<" };
	size_t q = p;
	while (q < lim && isdigit((unsigned char)t[q]))
		q++;
	bool digits = q > p;
	for (size_t i = 0; i < ARRAY_SIZE(redirs); i++) {
		size_t n = strlen(redirs[i]);
		if (lim - q >= n && memcmp(t + q, redirs[i], n) == 0 && !(digits && redirs[i][0] == '&')) {
			*redir = true;
			return q - p + n;
		}
	}
	if (digits)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
		size_t n = strlen(ops[i]);
		if (lim - p >= n && memcmp(t + p, ops[i], n) == 0) {
			*redir = false;
			return n;
		}
	}
	return 0;
}

/* One logical line from lx->pos: words and operators up to a newline that
 * is neither escaped nor quoted. */
static void lex_line(struct lexer *lx, struct toks *out)
{
	const char *t = lx->t;
	memset(out, 0, sizeof(*out));
	out->comment = NONE;
	lx->bad = NONE;
	for (;;) {
		while (lx->pos < lx->lim && (t[lx->pos] == ' ' || t[lx->pos] == '\t' || t[lx->pos] == '\r' ||
					     continuation(lx, lx->pos))) {
			if (t[lx->pos] == '\\')
				skip_continuation(lx);
			else
				lx->pos++;
		}
		if (lx->pos >= lx->lim) {
			out->end = lx->lim;
			break;
		}
		if (t[lx->pos] == '\n') {
			out->end = lx->pos + 1;
			break;
		}
		if (t[lx->pos] == '#') {
			if (out->comment == NONE)
				out->comment = lx->pos;
			const char *nl = memchr(t + lx->pos, '\n', lx->lim - lx->pos);
			lx->pos = nl ? (size_t)(nl - t) : lx->lim;
			continue;
		}
		bool redir = false;
		size_t n = op_len(t, lx->pos, lx->lim, &redir);
		struct tok *k = push_tok(lx, out);
		k->off = lx->pos;
		if (n) {
			k->type = redir ? TK_REDIR : TK_OP;
			k->s = arena_strndup(lx->a, t + lx->pos, n);
			lx->pos += n;
			k->end = lx->pos;
			continue;
		}
		lx->n = 0;
		lx->dollar = false;
		lx->sub_off = lx->sub_end = 0;
		lex_word(lx);
		k->type = TK_WORD;
		k->s = arena_strndup(lx->a, lx->buf ? lx->buf : "", lx->n);
		k->end = lx->pos;
		k->dollar = lx->dollar;
		k->sub_off = lx->sub_off;
		k->sub_end = lx->sub_end;
	}
	out->bad = lx->bad;
}

/* ---- the command: prefix, engine, subcommand ------------------------------------ */

enum engine { E_DOCKER = 1, E_PODMAN = 2, E_NERDCTL = 4, E_ALL = 7 };

static bool is_assignment(const struct tok *k)
{
	const char *s = k->s;
	if (!isalpha((unsigned char)*s) && *s != '_')
		return false;
	while (isalnum((unsigned char)*s) || *s == '_')
		s++;
	return *s == '=';
}

static bool word_in(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

/* Words that may stand before the engine: `sudo -E`, `exec`, `time -p`,
 * `env -i A=b`, `A=b`, `nohup`, `command`, and the shell's own keywords. */
static size_t skip_prefix(struct tok **v, size_t n)
{
	static const char *const plain[] = { "exec", "nohup", "command", "then", "do", "else", "elif", "if", "while", "until",
		"!", "{" };
	size_t i = 0;
	while (i < n) {
		const char *s = v[i]->s;
		if (is_assignment(v[i]) || word_in(s, plain, ARRAY_SIZE(plain))) {
			i++;
		} else if (strcmp(s, "sudo") == 0) {
			for (i++; i < n && v[i]->s[0] == '-';) {
				const char *o = v[i++]->s;
				if (strcmp(o, "--") == 0)
					break;
				if (strlen(o) == 2 && strchr("ugCDhprtUT", o[1]))
					i++;
			}
		} else if (strcmp(s, "env") == 0) {
			for (i++; i < n && (v[i]->s[0] == '-' || is_assignment(v[i]));) {
				const char *o = v[i++]->s;
				if (strcmp(o, "-u") == 0 || strcmp(o, "-C") == 0 || strcmp(o, "-S") == 0)
					i++;
			}
		} else if (strcmp(s, "timeout") == 0 || strcmp(s, "nice") == 0) {
			bool to = s[0] == 't';
			for (i++; i < n && v[i]->s[0] == '-';) {
				const char *o = v[i++]->s;
				if (strcmp(o, "-s") == 0 || strcmp(o, "-k") == 0 || strcmp(o, "-n") == 0)
					i++;
			}
			if (to && i < n)
				i++; /* the duration */
		} else if (strcmp(s, "time") == 0) {
			for (i++; i < n && strcmp(v[i]->s, "-p") == 0;)
				i++;
		} else {
			break;
		}
	}
	return i;
}

static int engine_of(const struct tok *k)
{
	if (k->dollar)
		return 0;
	const char *b = strrchr(k->s, '/');
	b = b ? b + 1 : k->s;
	if (strcmp(b, "docker") == 0 || strcmp(b, "docker.exe") == 0)
		return E_DOCKER;
	if (strcmp(b, "podman") == 0 || strcmp(b, "podman-remote") == 0)
		return E_PODMAN;
	if (strcmp(b, "nerdctl") == 0)
		return E_NERDCTL;
	return 0;
}

/* the engines' own options before the subcommand that take a value */
static const char *const global_value_opts[] = { "-H", "--host", "-c", "--context", "--config", "-l", "--log-level",
	"--tlscacert", "--tlscert", "--tlskey", "--connection", "--url", "--identity", "--root", "--runroot",
	"--cgroup-manager", "--storage-driver", "--storage-opt", "--events-backend", "--runtime", "--tmpdir", "--conmon",
	"--network-cmd-path", "--module", "--hooks-dir", "-n", "--namespace", "--address", "-a", "--snapshotter",
	"--cni-path", "--cni-netconfpath", "--data-root", "--host-gateway-ip", "--hosts-dir", "--runtime-flag",
	"--ssh-identity", "--volumepath", "--imagestore", "--network-config-dir" };

static bool is_run(const char *s)
{
	return strcmp(s, "run") == 0 || strcmp(s, "create") == 0;
}

/* Index of the first argument of `run` in v[i..n), or NONE when this is not
 * an engine's run/create.  *engine is set. */
static size_t find_run(struct tok **v, size_t n, size_t i, int *engine)
{
	*engine = i < n ? engine_of(v[i]) : 0;
	if (!*engine)
		return NONE;
	for (i++; i < n && v[i]->s[0] == '-' && strcmp(v[i]->s, "--") != 0; i++)
		if (!strchr(v[i]->s, '=') && word_in(v[i]->s, global_value_opts, ARRAY_SIZE(global_value_opts)))
			i++;
	if (i < n && is_run(v[i]->s))
		return i + 1;
	if (i + 1 < n && strcmp(v[i]->s, "container") == 0 && is_run(v[i + 1]->s))
		return i + 2;
	return NONE;
}

/* ---- the flags of `run` -------------------------------------------------------- */

enum fx {
	F_NONE, F_USER, F_PRIV, F_SECOPT, F_CAPADD, F_CAPDROP, F_NET, F_PID, F_IPC, F_UTS, F_USERNS, F_DEVICE, F_DEVRULE,
	F_RO, F_VOLUME, F_MOUNT, F_TMPFS, F_PUBLISH, F_PUBALL, F_ENV, F_ENVFILE, F_MEM, F_PIDS, F_CPUS, F_CPUQUOTA, F_NAME,
	F_APISOCK,
};

struct flagdef {
	const char *name; /* long name without "--" */
	char sh;          /* short letter or 0 */
	bool value;       /* takes a value (else a boolean: never consumes the next word) */
	enum fx fx;
	unsigned engines;
};

#define V(n, s, f) { n, s, true, f, E_ALL }
#define B(n, s, f) { n, s, false, f, E_ALL }
#define PV(n) { n, 0, true, F_NONE, E_PODMAN }
#define PB(n) { n, 0, false, F_NONE, E_PODMAN }
#define NV(n) { n, 0, true, F_NONE, E_NERDCTL }

/* docker run's options (docker CLI reference, `docker container run`), then
 * the ones only podman or nerdctl have. */
static const struct flagdef flags[] = {
	V("add-host", 0, F_NONE), V("annotation", 0, F_NONE), V("attach", 'a', F_NONE), V("blkio-weight", 0, F_NONE),
	V("blkio-weight-device", 0, F_NONE), V("cap-add", 0, F_CAPADD), V("cap-drop", 0, F_CAPDROP),
	V("cgroup-parent", 0, F_NONE), V("cgroupns", 0, F_NONE), V("cidfile", 0, F_NONE), V("cpu-count", 0, F_NONE),
	V("cpu-percent", 0, F_NONE), V("cpu-period", 0, F_NONE), V("cpu-quota", 0, F_CPUQUOTA), V("cpu-rt-period", 0, F_NONE),
	V("cpu-rt-runtime", 0, F_NONE), V("cpu-shares", 'c', F_NONE), V("cpus", 0, F_CPUS), V("cpuset-cpus", 0, F_NONE),
	V("cpuset-mems", 0, F_NONE), B("detach", 'd', F_NONE), V("detach-keys", 0, F_NONE), V("device", 0, F_DEVICE),
	V("device-cgroup-rule", 0, F_DEVRULE), V("device-read-bps", 0, F_NONE), V("device-read-iops", 0, F_NONE),
	V("device-write-bps", 0, F_NONE), V("device-write-iops", 0, F_NONE), B("disable-content-trust", 0, F_NONE),
	V("dns", 0, F_NONE), V("dns-opt", 0, F_NONE), V("dns-option", 0, F_NONE), V("dns-search", 0, F_NONE),
	V("domainname", 0, F_NONE), V("entrypoint", 0, F_NONE), V("env", 'e', F_ENV), V("env-file", 0, F_ENVFILE),
	V("expose", 0, F_NONE), V("gpus", 0, F_NONE), V("group-add", 0, F_NONE), V("health-cmd", 0, F_NONE),
	V("health-interval", 0, F_NONE), V("health-retries", 0, F_NONE), V("health-start-interval", 0, F_NONE),
	V("health-start-period", 0, F_NONE), V("health-timeout", 0, F_NONE), B("help", 0, F_NONE),
	V("hostname", 'h', F_NONE), B("init", 0, F_NONE), B("interactive", 'i', F_NONE), V("io-maxbandwidth", 0, F_NONE),
	V("io-maxiops", 0, F_NONE), V("ip", 0, F_NONE), V("ip6", 0, F_NONE), V("ipc", 0, F_IPC), V("isolation", 0, F_NONE),
	V("kernel-memory", 0, F_NONE), V("label", 'l', F_NONE), V("label-file", 0, F_NONE), V("link", 0, F_NONE),
	V("link-local-ip", 0, F_NONE), V("log-driver", 0, F_NONE), V("log-opt", 0, F_NONE), V("mac-address", 0, F_NONE),
	V("memory", 'm', F_MEM), V("memory-reservation", 0, F_NONE), V("memory-swap", 0, F_NONE),
	V("memory-swappiness", 0, F_NONE), V("mount", 0, F_MOUNT), V("name", 0, F_NAME), V("net", 0, F_NET),
	V("net-alias", 0, F_NONE), V("network", 0, F_NET), V("network-alias", 0, F_NONE), B("no-healthcheck", 0, F_NONE),
	B("oom-kill-disable", 0, F_NONE), V("oom-score-adj", 0, F_NONE), V("pid", 0, F_PID), V("pids-limit", 0, F_PIDS),
	V("platform", 0, F_NONE), B("privileged", 0, F_PRIV), V("publish", 'p', F_PUBLISH), B("publish-all", 'P', F_PUBALL),
	V("pull", 0, F_NONE), B("quiet", 'q', F_NONE), B("read-only", 0, F_RO), V("restart", 0, F_NONE), B("rm", 0, F_NONE),
	V("runtime", 0, F_NONE), V("security-opt", 0, F_SECOPT), V("shm-size", 0, F_NONE), B("sig-proxy", 0, F_NONE),
	V("stop-signal", 0, F_NONE), V("stop-timeout", 0, F_NONE), V("storage-opt", 0, F_NONE), V("sysctl", 0, F_NONE),
	V("tmpfs", 0, F_TMPFS), B("tty", 't', F_NONE), V("ulimit", 0, F_NONE), B("use-api-socket", 0, F_APISOCK),
	V("user", 'u', F_USER), V("userns", 0, F_USERNS), V("uts", 0, F_UTS), V("volume", 'v', F_VOLUME),
	V("volume-driver", 0, F_NONE), V("volumes-from", 0, F_NONE), V("workdir", 'w', F_NONE),
	/* podman */
	PV("arch"), PV("authfile"), PV("cert-dir"), PV("cgroup-conf"), PV("cgroups"), PV("chrootdirs"),
	PV("conmon-pidfile"), PV("creds"), PV("decryption-key"), PV("env-merge"), PV("gidmap"), PV("group-entry"),
	PV("health-log-destination"), PV("health-max-log-count"), PV("health-max-log-size"), PV("health-on-failure"),
	PV("health-startup-cmd"), PV("health-startup-interval"), PV("health-startup-retries"),
	PV("health-startup-success"), PV("health-startup-timeout"), PV("hostuser"), PV("image-volume"), PV("init-path"),
	PV("os"), PV("passwd-entry"), PV("personality"), PV("pidfile"), PV("pod"), PV("pod-id-file"), PV("preserve-fd"),
	PV("preserve-fds"), PV("rdt-class"), PV("requires"), PV("retry"), PV("retry-delay"), PV("sdnotify"),
	PV("seccomp-policy"), PV("secret"), PV("shm-size-systemd"), PV("subgidname"), PV("subuidname"), PV("systemd"),
	PV("timeout"), PV("tz"), PV("uidmap"), PV("umask"), PV("unsetenv"), PV("variant"), PB("env-host"),
	PB("http-proxy"), PB("no-hosts"), PB("passwd"), PB("read-only-tmpfs"), PB("replace"), PB("rmi"), PB("rootfs"),
	PB("tls-verify"), PB("unsetenv-all"),
	/* nerdctl */
	NV("verify"), NV("cosign-key"), NV("cosign-certificate-identity"), NV("cosign-certificate-identity-regexp"),
	NV("cosign-certificate-oidc-issuer"), NV("cosign-certificate-oidc-issuer-regexp"), NV("pidfile"),
	NV("ipfs-address"),
};

static const struct flagdef *flag_long(const char *name, size_t n, int engine)
{
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
		if ((flags[i].engines & (unsigned)engine) && strlen(flags[i].name) == n && memcmp(flags[i].name, name, n) == 0)
			return &flags[i];
	return NULL;
}

static const struct flagdef *flag_short(char c)
{
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
		if (flags[i].sh == c)
			return &flags[i];
	return NULL;
}

/* ---- facts ------------------------------------------------------------------ */

struct cmd {
	struct workload *w;
	const struct src *src;
	struct wl_container *c;
	int engine;
	const char *cname; /* --name */
};

struct flagval {
	const struct tok *at; /* the flag's word */
	const char *flag;     /* as written: "--cap-add", "-p" */
	const char *v;        /* NULL for a boolean without "=value" */
	bool dollar;          /* the value holds an expansion */
};

static struct wl_loc fv_loc(struct cmd *m, const struct flagval *f)
{
	return src_loc(m->w, m->src, f->at->off, f->flag);
}

static void fv_error(struct cmd *m, const struct flagval *f, const char *fmt, ...) PRINTF(3, 4);
static void fv_error(struct cmd *m, const struct flagval *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = arena_vprintf(&m->w->arena, fmt, ap);
	va_end(ap);
	wl_parse_error(m->w, fv_loc(m, f), "%s", msg);
}

static bool has_expansion(const char *s)
{
	return strchr(s, '$') || strchr(s, '`');
}

/* "true"/"false" as pflag reads them; -1 when neither */
static int parse_bool(const char *v)
{
	static const char *const t[] = { "1", "t", "T", "true", "TRUE", "True" };
	static const char *const f[] = { "0", "f", "F", "false", "FALSE", "False" };
	if (!v || word_in(v, t, ARRAY_SIZE(t)))
		return 1;
	return word_in(v, f, ARRAY_SIZE(f)) ? 0 : -1;
}

static void set_user(struct cmd *m, const struct flagval *f)
{
	struct wl_user *u = &m->c->user;
	u->set = WL_YES;
	u->name = wl_strdup(m->w, f->v);
	u->at = fv_loc(m, f);
	u->uid = -1;
	if (f->dollar)
		return;
	size_t n = strcspn(f->v, ":");
	if (n == 0) {
		fv_error(m, f, "%s \"%s\" names no user", f->flag, f->v);
		return;
	}
	if (n == 4 && strncmp(f->v, "root", 4) == 0) {
		u->uid = 0;
		return;
	}
	if (strspn(f->v, "0123456789") >= n) {
		char *end;
		long uid = strtol(f->v, &end, 10);
		u->uid = (uid < 0 || uid > 4294967295L) ? -1 : uid;
	}
}

static void add_cap(struct cmd *m, const struct flagval *f, const char *name, size_t n)
{
	char buf[64];
	if (n == 0)
		return;
	snprintf(buf, sizeof(buf), "%.*s", (int)n, name);
	const char *bare = strncasecmp(buf, "CAP_", 4) == 0 ? buf + 4 : buf;
	struct wl_cap *k = WL_PUSH(m->w, m->c->caps.add, m->c->caps.n_add);
	k->name = wl_strdup(m->w, bare);
	k->at = fv_loc(m, f);
	if (strcasecmp(bare, "ALL") == 0)
		k->cap = WL_CAP_ALL;
	else if (f->dollar)
		k->cap = -2;
	else
		k->cap = cap_from_name(buf) >= 0 ? cap_from_name(buf) : -2;
}

/* --cap-add/--cap-drop: one name, or several separated by commas (podman) */
static void caps(struct cmd *m, const struct flagval *f, bool add)
{
	for (const char *p = f->v; *p;) {
		size_t n = strcspn(p, ",");
		if (add) {
			add_cap(m, f, p, n);
		} else if ((n == 3 && strncasecmp(p, "ALL", 3) == 0) || (n == 7 && strncasecmp(p, "CAP_ALL", 7) == 0)) {
			m->c->caps.drop_all = (struct wl_flag){ WL_YES, fv_loc(m, f) };
			m->c->caps.at = fv_loc(m, f);
		}
		p += n;
		if (*p == ',')
			p++;
	}
}

static void security_opt(struct cmd *m, const struct flagval *f)
{
	struct wl_container *c = m->c;
	size_t k = strcspn(f->v, "=:");
	const char *val = f->v[k] ? f->v + k + 1 : NULL;
#define KEY(s) (k == strlen(s) && strncmp(f->v, s, k) == 0)
	if (KEY("no-new-privileges")) {
		int b = parse_bool(val);
		if (b < 0)
			fv_error(m, f, "%s \"%s\": no-new-privileges is true or false", f->flag, f->v);
		else
			c->no_new_privs = (struct wl_flag){ b ? WL_YES : WL_NO, fv_loc(m, f) };
	} else if (KEY("seccomp")) {
		c->seccomp_at = fv_loc(m, f);
		if (!val || !*val)
			fv_error(m, f, "%s \"%s\": seccomp needs a profile or unconfined", f->flag, f->v);
		else if (strcmp(val, "unconfined") == 0)
			c->seccomp = WL_SECCOMP_UNCONFINED;
		else
			c->seccomp = WL_SECCOMP_PROFILE;
	} else if (KEY("systempaths") || KEY("unmask")) {
		if (val && (strcmp(val, "unconfined") == 0 || strcmp(val, "ALL") == 0 || strncmp(val, "/proc", 5) == 0))
			c->proc_unmasked = (struct wl_flag){ WL_YES, fv_loc(m, f) };
	} else if (!(KEY("apparmor") || KEY("label") || KEY("mask") || KEY("proc-opts") || KEY("writable-cgroups") ||
		     f->dollar)) {
		fv_error(m, f, "%s \"%s\": not a security option docker knows (no-new-privileges, seccomp, apparmor, label, "
			       "systempaths)", f->flag, f->v);
	}
#undef KEY
}

static void host_ns(struct cmd *m, const struct flagval *f, enum wl_ns ns)
{
	if (strcmp(f->v, "host") == 0)
		m->c->host_ns[ns] = (struct wl_flag){ WL_YES, fv_loc(m, f) };
}

/* mount options in order, the last of noexec/exec (and friends) winning */
static void mount_opts(struct wl_mount *x, const char *opts)
{
	for (const char *p = opts; p && *p;) {
		size_t k = strcspn(p, ",");
#define O(s) (k == strlen(s) && strncmp(p, s, k) == 0)
		if (O("ro") || O("readonly"))
			x->read_only = true;
		else if (O("rw"))
			x->read_only = false;
		else if (O("noexec") || O("exec"))
			x->noexec = O("noexec");
		else if (O("nosuid") || O("suid"))
			x->nosuid = O("nosuid");
		else if (O("nodev") || O("dev"))
			x->nodev = O("nodev");
#undef O
		p += k;
		if (*p == ',')
			p++;
	}
}

static bool host_path(const char *s)
{
	return s[0] == '/' || s[0] == '.' || s[0] == '~' || s[0] == '$' || s[0] == '`';
}

static void volume(struct cmd *m, const struct flagval *f)
{
	struct workload *w = m->w;
	const char *v = f->v;
	const char *c1 = strchr(v, ':');
	struct wl_mount *x = WL_PUSH(w, m->c->mounts, m->c->n_mounts);
	x->at = fv_loc(m, f);
	if (!c1) { /* -v /data: an anonymous volume */
		x->type = WL_MNT_VOLUME;
		x->destination = wl_strdup(w, v);
		return;
	}
	const char *c2 = strchr(c1 + 1, ':');
	char *src = arena_strndup(&w->arena, v, (size_t)(c1 - v));
	x->destination = c2 ? arena_strndup(&w->arena, c1 + 1, (size_t)(c2 - c1 - 1)) : wl_strdup(w, c1 + 1);
	x->source = src;
	x->type = host_path(src) ? WL_MNT_BIND : WL_MNT_VOLUME;
	if (c2)
		mount_opts(x, c2 + 1);
	if (!*src || !*x->destination)
		fv_error(m, f, "%s \"%s\": expected SOURCE:DESTINATION[:OPTIONS]", f->flag, v);
}

/* What a tmpfs gets before its options: docker (the daemon, for --tmpfs and
 * --mount type=tmpfs alike) mounts it noexec,nosuid,nodev unless told `exec`
 * (moby/moby#35890, docker/docs#8138); podman nosuid,nodev (containers/podman#11325);
 * nerdctl is taken at its word. */
static void tmpfs_defaults(const struct cmd *m, struct wl_mount *x)
{
	x->noexec = m->engine == E_DOCKER;
	x->nosuid = x->nodev = m->engine == E_DOCKER || m->engine == E_PODMAN;
}

/* next field of a --mount value (CSV: a field may be "quoted"), in place; *p is NULL after the last */
static char *csv_field(char **p)
{
	char *s = *p, *o = s, *start = s;
	bool q = false;
	for (; *s && (q || *s != ','); s++) {
		if (*s == '"')
			q = !q;
		else
			*o++ = *s;
	}
	*p = *s ? s + 1 : NULL;
	*o = '\0';
	return start;
}

static void mount_flag(struct cmd *m, const struct flagval *f)
{
	struct workload *w = m->w;
	char *copy = arena_strdup(&w->arena, f->v), *p = copy;
	const char *type = "volume", *src = NULL, *dst = NULL;
	bool ro = false;
	while (p) {
		char *field = csv_field(&p);
		char *eq = strchr(field, '=');
		const char *val = eq ? eq + 1 : NULL;
		if (eq)
			*eq = '\0';
		for (char *c = field; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		if (strcmp(field, "type") == 0 && val)
			type = val;
		else if ((strcmp(field, "source") == 0 || strcmp(field, "src") == 0) && val)
			src = val;
		else if ((strcmp(field, "target") == 0 || strcmp(field, "destination") == 0 || strcmp(field, "dst") == 0) && val)
			dst = val;
		else if (strcmp(field, "readonly") == 0 || strcmp(field, "ro") == 0)
			ro = parse_bool(val) == 1;
	}
	struct wl_mount *x = WL_PUSH(w, m->c->mounts, m->c->n_mounts);
	x->at = fv_loc(m, f);
	x->destination = wl_strdup(w, dst);
	x->read_only = ro;
	if (strcmp(type, "bind") == 0) {
		x->type = WL_MNT_BIND;
		x->source = wl_strdup(w, src);
		if (!src || !*src)
			fv_error(m, f, "%s \"%s\": a bind mount needs source=", f->flag, f->v);
	} else if (strcmp(type, "tmpfs") == 0) {
		x->type = WL_MNT_TMPFS;
		tmpfs_defaults(m, x);
	} else if (strcmp(type, "volume") == 0) {
		x->type = WL_MNT_VOLUME;
		x->source = wl_strdup(w, src);
	} else {
		x->type = WL_MNT_OTHER;
		x->source = wl_strdup(w, src);
	}
	if (!dst || !*dst)
		fv_error(m, f, "%s \"%s\": the mount needs target= (or destination=, dst=)", f->flag, f->v);
}

static void tmpfs(struct cmd *m, const struct flagval *f)
{
	const char *c1 = strchr(f->v, ':');
	struct wl_mount *x = WL_PUSH(m->w, m->c->mounts, m->c->n_mounts);
	x->type = WL_MNT_TMPFS;
	tmpfs_defaults(m, x);
	x->at = fv_loc(m, f);
	x->destination = c1 ? arena_strndup(&m->w->arena, f->v, (size_t)(c1 - f->v)) : wl_strdup(m->w, f->v);
	if (c1)
		mount_opts(x, c1 + 1);
	if (!*x->destination)
		fv_error(m, f, "%s \"%s\": expected DESTINATION[:OPTIONS]", f->flag, f->v);
}

/* "80" or "8000-8001"; an expansion reads as 0 (not known); false if malformed */
static bool port_num(const char *s, size_t n, int *out)
{
	*out = 0;
	if (n == 0 || memchr(s, '$', n) || memchr(s, '`', n))
		return true;
	long v = 0;
	size_t i = 0;
	for (; i < n && isdigit((unsigned char)s[i]) && v <= 65535; i++)
		v = v * 10 + (s[i] - '0');
	if (i == 0 || v > 65535)
		return false;
	if (i < n) { /* a range: the end must be a number too */
		if (s[i] != '-' || i + 1 == n)
			return false;
		for (size_t j = i + 1; j < n; j++)
			if (!isdigit((unsigned char)s[j]))
				return false;
	}
	*out = (int)v;
	return true;
}

/* -p [IP:][HOSTPORT:]CONTAINERPORT[/PROTO]; IPv6 addresses in brackets */
static void publish(struct cmd *m, const struct flagval *f)
{
	struct workload *w = m->w;
	const char *v = f->v;
	const char *slash = strrchr(v, '/');
	size_t n = slash ? (size_t)(slash - v) : strlen(v);
	const char *last = NULL, *prev = NULL;
	for (const char *p = v; p < v + n; p++)
		if (*p == ':') {
			prev = last;
			last = p;
		}
	struct wl_port *x = WL_PUSH(w, m->c->ports, m->c->n_ports);
	x->at = fv_loc(m, f);
	x->proto = slash ? wl_strdup(w, slash + 1) : "tcp";
	const char *cport = last ? last + 1 : v;
	bool ok = port_num(cport, (size_t)(v + n - cport), &x->container_port) && (size_t)(v + n - cport) > 0;
	if (last) {
		const char *hport = prev ? prev + 1 : v;
		ok = port_num(hport, (size_t)(last - hport), &x->host_port) && ok;
		if (prev && prev > v) {
			const char *ip = v;
			size_t iplen = (size_t)(prev - v);
			if (ip[0] == '[' && ip[iplen - 1] == ']') {
				ip++;
				iplen -= 2;
			}
			x->host_ip = arena_strndup(&w->arena, ip, iplen);
		}
	}
	if (!ok)
		fv_error(m, f, "%s \"%s\": expected [IP:][HOSTPORT:]CONTAINERPORT[/PROTOCOL]", f->flag, v);
}

static void env(struct cmd *m, const struct flagval *f, bool file)
{
	struct wl_env *e = WL_PUSH(m->w, m->c->env, m->c->n_env);
	e->at = fv_loc(m, f);
	const char *eq = file ? NULL : strchr(f->v, '=');
	e->name = eq ? arena_strndup(&m->w->arena, f->v, (size_t)(eq - f->v)) : wl_strdup(m->w, f->v);
	e->value = eq ? wl_strdup(m->w, eq + 1) : NULL;
	e->from_secret_ref = file;
}

/* a resource limit: a positive number is a limit; 0 and -1 mean unlimited */
static void limit(struct cmd *m, const struct flagval *f, struct wl_flag *fl)
{
	if (f->dollar) {
		*fl = (struct wl_flag){ WL_YES, fv_loc(m, f) };
		return;
	}
	char *end;
	double d = strtod(f->v, &end);
	if (end == f->v) {
		fv_error(m, f, "%s \"%s\": expected a number", f->flag, f->v);
		return;
	}
	if (d > 0)
		*fl = (struct wl_flag){ WL_YES, fv_loc(m, f) };
	else if (fl->v != WL_YES)
		*fl = (struct wl_flag){ WL_NO, fv_loc(m, f) };
}

static void boolean(struct cmd *m, const struct flagval *f, struct wl_flag *fl)
{
	int b = parse_bool(f->v);
	if (b < 0)
		fv_error(m, f, "%s=%s: expected true or false", f->flag, f->v);
	else
		*fl = (struct wl_flag){ b ? WL_YES : WL_NO, fv_loc(m, f) };
}

static void apply(struct cmd *m, const struct flagdef *d, const struct flagval *f)
{
	struct wl_container *c = m->c;
	switch (d->fx) {
	case F_NONE:
		break;
	case F_USER:
		set_user(m, f);
		break;
	case F_PRIV:
		boolean(m, f, &c->privileged);
		break;
	case F_RO:
		boolean(m, f, &c->read_only_root);
		break;
	case F_PUBALL: {
		struct wl_flag on = { 0 };
		boolean(m, f, &on);
		if (on.v == WL_YES) {
			struct wl_port *x = WL_PUSH(m->w, c->ports, c->n_ports);
			x->proto = "tcp";
			x->at = on.at;
		}
		break;
	}
	case F_APISOCK: {
		struct wl_flag on = { 0 };
		boolean(m, f, &on);
		if (on.v == WL_YES) { /* docker mounts its API socket in */
			struct wl_mount *x = WL_PUSH(m->w, c->mounts, c->n_mounts);
			x->type = WL_MNT_BIND;
			x->source = x->destination = "/var/run/docker.sock";
			x->at = on.at;
		}
		break;
	}
	case F_SECOPT:
		security_opt(m, f);
		break;
	case F_CAPADD:
	case F_CAPDROP:
		caps(m, f, d->fx == F_CAPADD);
		break;
	case F_NET:
		host_ns(m, f, WL_NS_NET);
		break;
	case F_PID:
		host_ns(m, f, WL_NS_PID);
		break;
	case F_IPC:
		host_ns(m, f, WL_NS_IPC);
		break;
	case F_UTS:
		host_ns(m, f, WL_NS_UTS);
		break;
	case F_USERNS:
		host_ns(m, f, WL_NS_USER);
		break;
	case F_DEVICE: {
		struct wl_device *x = WL_PUSH(m->w, c->devices, c->n_devices);
		x->path = arena_strndup(&m->w->arena, f->v, strcspn(f->v, ":"));
		x->at = fv_loc(m, f);
		break;
	}
	case F_DEVRULE:
		if (f->v[0] == 'a' && strstr(f->v, "*:*") && strchr(f->v + 1, 'r') && strchr(f->v + 1, 'w') &&
		    strchr(f->v + 1, 'm'))
			c->device_cgroup_all = (struct wl_flag){ WL_YES, fv_loc(m, f) };
		break;
	case F_VOLUME:
		volume(m, f);
		break;
	case F_MOUNT:
		mount_flag(m, f);
		break;
	case F_TMPFS:
		tmpfs(m, f);
		break;
	case F_PUBLISH:
		publish(m, f);
		break;
	case F_ENV:
	case F_ENVFILE:
		env(m, f, d->fx == F_ENVFILE);
		break;
	case F_MEM:
		limit(m, f, &c->mem_limit);
		break;
	case F_PIDS:
		limit(m, f, &c->pids_limit);
		break;
	case F_CPUS:
	case F_CPUQUOTA:
		limit(m, f, &c->cpu_limit);
		break;
	case F_NAME:
		m->cname = f->v;
		break;
	}
}

/* ---- the argument list of run ---------------------------------------------------- */

/* A value-taking flag: its value is `attached` (after '=' or in the short
 * group) or the next word.  Returns the index of the next word to read. */
static size_t take_value(struct cmd *m, struct tok **v, size_t n, size_t i, const struct flagdef *d, const char *flag,
			 const char *attached)
{
	struct flagval f = { .at = v[i], .flag = flag, .v = attached, .dollar = v[i]->dollar };
	if (!d->value) {
		apply(m, d, &f);
		return i + 1;
	}
	if (!attached) {
		if (i + 1 >= n) {
			wl_parse_error(m->w, src_loc(m->w, m->src, v[i]->off, flag), "%s needs a value, and the command ends",
				       flag);
			return i + 1;
		}
		f.v = v[i + 1]->s;
		f.dollar = v[i + 1]->dollar;
		i++;
	} else {
		f.dollar = has_expansion(attached);
	}
	apply(m, d, &f);
	return i + 1;
}

static size_t long_flag(struct cmd *m, struct tok **v, size_t n, size_t i, int engine)
{
	const char *s = v[i]->s + 2;
	const char *eq = strchr(s, '=');
	size_t len = eq ? (size_t)(eq - s) : strlen(s);
	char *flag = arena_strndup(&m->w->arena, v[i]->s, len + 2);
	const struct flagdef *d = flag_long(s, len, engine);
	if (!d) {
		wl_parse_error(m->w, src_loc(m->w, m->src, v[i]->off, flag), "unknown flag %s: %s run has no such option",
			       flag, engine == E_PODMAN ? "podman" : engine == E_NERDCTL ? "nerdctl" : "docker");
		return i + 1; /* read as a boolean: the next word is still judged */
	}
	return take_value(m, v, n, i, d, flag, eq ? eq + 1 : NULL);
}

/* -itd, -p8080:80, -uroot, -e=X */
static size_t short_flags(struct cmd *m, struct tok **v, size_t n, size_t i)
{
	const char *s = v[i]->s;
	for (size_t k = 1; s[k]; k++) {
		char flag[3] = { '-', s[k], '\0' };
		const struct flagdef *d = flag_short(s[k]);
		if (!d) {
			wl_parse_error(m->w, src_loc(m->w, m->src, v[i]->off, flag), "unknown flag %s%s%s", flag,
				       s[2] ? " in " : "", s[2] ? s : "");
			continue;
		}
		if (!d->value) {
			const char *val = s[k + 1] == '=' ? s + k + 2 : NULL;
			take_value(m, v, n, i, d, flag, val);
			if (val)
				break;
			continue;
		}
		const char *rest = s[k + 1] ? s + k + 1 + (s[k + 1] == '=') : NULL;
		return take_value(m, v, n, i, d, flag, rest);
	}
	return i + 1;
}

/* A repository path is lower case; "IMAGE" or "MyApp" in a README is a
 * placeholder for one, not an image to judge. */
static bool placeholder(const char *ref)
{
	const char *slash = strchr(ref, '/');
	const char *path = ref;
	if (slash && (memchr(ref, '.', (size_t)(slash - ref)) || memchr(ref, ':', (size_t)(slash - ref)) ||
		      strncmp(ref, "localhost/", 10) == 0))
		path = slash + 1; /* a registry host may have capitals */
	size_t n = strcspn(path, "@");
	const char *tag = memchr(path, ':', n);
	if (tag)
		n = (size_t)(tag - path);
	for (size_t i = 0; i < n; i++)
		if (isupper((unsigned char)path[i]) || path[i] == '<' || path[i] == '{')
			return true;
	return n == 0 || strcmp(ref, "...") == 0;
}

static void set_image(struct cmd *m, const struct tok *k)
{
	struct wl_image *im = WL_PUSH(m->w, m->c->images, m->c->n_images);
	im->ref = wl_strdup(m->w, k->s);
	im->unresolved = k->dollar || has_expansion(k->s) || placeholder(k->s);
	im->at = src_loc(m->w, m->src, k->off, NULL);
	if (!*k->s)
		wl_parse_error(m->w, im->at, "the image is an empty word");
}

/* Parse run's arguments v[i..n) into a new container; `at` is where the command starts. */
static void parse_run(struct workload *w, const struct src *s, struct tok **v, size_t n, size_t i, int engine,
		      const struct tok *start)
{
	struct wl_loc at = src_loc(w, s, start->off, NULL);
	struct cmd m = { .w = w, .src = s, .c = wl_add_container(w, NULL, at), .engine = engine };
	m.c->kind = "container";
	m.c->seccomp = WL_SECCOMP_ENGINE_DEFAULT;
	const struct tok *image = NULL;
	while (i < n && !image) {
		const char *a = v[i]->s;
		if (strcmp(a, "--") == 0) {
			if (i + 1 < n)
				image = v[i + 1];
			break;
		}
		if (a[0] != '-' || a[1] == '\0')
			image = v[i];
		else if (a[1] == '-')
			i = long_flag(&m, v, n, i, engine);
		else
			i = short_flags(&m, v, n, i);
	}
	if (image) {
		set_image(&m, image);
		if (m.c->user.set != WL_YES) /* no -u: the image's default user, said where the image is named */
			m.c->user.at = m.c->images[0].at;
	} else {
		wl_parse_error(w, at, "no image: %s needs an IMAGE after its options", engine == E_PODMAN ? "podman run"
										 : engine == E_NERDCTL ? "nerdctl run"
												       : "docker run");
	}
	const char *name = m.cname ? m.cname : image && *image->s ? image->s : "docker run";
	m.c->name = wl_strdup(w, name);
}

/* words of v[0..n) with redirections (and their targets) left out */
static size_t words_only(struct tok *v, size_t n, struct tok **out)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i].type == TK_REDIR) {
			if (i + 1 < n && v[i + 1].type == TK_WORD)
				i++; /* its target */
			continue;
		}
		out[k++] = &v[i];
	}
	return k;
}

/* ---- one command line -------------------------------------------------------------- */

int fe_docker_run(const char *cmdline, const char *name, int line, struct workload **out)
{
	struct workload *w = workload_new(WL_DOCKER_RUN, name);
	struct src s;
	if (!cmdline)
		cmdline = "";
	src_init(&s, cmdline, strlen(cmdline), line > 0 ? line : 0);
	struct arena tmp = { 0 };
	struct lexer lx = { .t = cmdline, .lim = s.len, .a = &tmp };
	struct toks tk = { 0 };
	do /* the first logical line that holds something */
		lex_line(&lx, &tk);
	while (tk.n == 0 && lx.pos < lx.lim);

	size_t n = 0;
	while (n < tk.n && tk.v[n].type != TK_OP)
		n++;
	struct tok **v = arena_calloc(&tmp, n + 1, sizeof(*v));
	size_t nw = words_only(tk.v, n, v);
	size_t i = skip_prefix(v, nw);
	int engine = 0;
	size_t a = find_run(v, nw, i, &engine);
	if (a == NONE && i < nw && !engine) {
		/* the arguments alone: "run -p 80:80 nginx", "-p 80:80 nginx" */
		engine = E_DOCKER;
		if (is_run(v[i]->s))
			a = i + 1;
		else if (i + 1 < nw && strcmp(v[i]->s, "container") == 0 && is_run(v[i + 1]->s))
			a = i + 2;
		else if (v[i]->s[0] == '-')
			a = i;
	}
	if (tk.bad != NONE)
		wl_parse_error(w, src_loc(w, &s, tk.bad, NULL), "unterminated quote or substitution");
	if (a == NONE)
		wl_parse_error(w, src_loc(w, &s, i < nw ? v[i]->off : 0, NULL),
			       "not a docker run command: expected docker run, docker container run, docker create, podman run "
			       "or nerdctl run");
	else
		parse_run(w, &s, v, nw, a, engine, v[0]);
	arena_free(&tmp);
	free(lx.buf);
	free(s.ls);
	*out = w;
	return 0;
}

/* ---- scanning a file ---------------------------------------------------------------- */

enum scan_mode { M_SHELL, M_MAKE, M_YAML, M_MARKDOWN };

struct scan {
	struct workload *w;
	struct src s;
	enum scan_mode mode;
	struct arena tmp;
	char *buf;
	size_t cap;
};

static bool mentions_engine(const char *p, size_t n)
{
	return memmem(p, n, "docker", 6) || memmem(p, n, "podman", 6) || memmem(p, n, "nerdctl", 7);
}


/* `# stockade:ignore STK101,STK301 reason` in [p, eol): covers lines first..last */
static void suppress(struct scan *sc, size_t p, size_t eol, int first, int last)
{
	struct workload *w = sc->w;
	const char *t = sc->s.t;
	const char *q = fe_ignore_find(t + p, eol - p);
	if (!q)
		return;
	struct wl_loc at = src_loc(w, &sc->s, p, NULL);
	for (size_t i = 0; i < w->n_suppress; i++)
		if (w->suppress[i].at.line == at.line && w->suppress[i].at.col == at.col && w->suppress[i].first_line == first)
			return;
	struct wl_suppress *x = WL_PUSH(w, w->suppress, w->n_suppress);
	x->first_line = first;
	x->last_line = last;
	x->at = at;
	fe_ignore_parse(w, x, q, t + eol);
}

/* the comment that may suppress a command at lines first..last */
static void suppressions_for(struct scan *sc, const struct toks *tk, int first, int last)
{
	const struct src *s = &sc->s;
	if (tk->comment != NONE && src_line(s, tk->comment) == first) {
		const char *nl = memchr(s->t + tk->comment, '\n', s->len - tk->comment);
		suppress(sc, tk->comment, nl ? (size_t)(nl - s->t) : s->len, first, last);
	}
	size_t idx = (size_t)(first - s->base_line);
	if (idx == 0)
		return;
	size_t p = s->ls[idx - 1], eol = s->ls[idx] - 1;
	while (p < eol && (s->t[p] == ' ' || s->t[p] == '\t'))
		p++;
	if (p < eol && s->t[p] == '#')
		suppress(sc, p, eol, first, last);
}

static void scan_span(struct scan *sc, size_t from, size_t to, int depth);

/* `sh -c '...'`, `ssh host "..."`, Jenkins' `sh '...'`: a quoted word that
 * is itself a command line is scanned too (its raw text, between the quotes). */
static void quoted_commands(struct scan *sc, struct tok **v, size_t n, int depth)
{
	static const char *const shells[] = { "sh", "bash", "zsh", "dash", "ash", "ssh" };
	const char *t = sc->s.t;
	const char *b = n ? strrchr(v[0]->s, '/') : NULL;
	if (n == 0 || depth >= MAX_DEPTH || !word_in(b ? b + 1 : v[0]->s, shells, ARRAY_SIZE(shells)))
		return;
	for (size_t i = 1; i < n; i++) {
		const struct tok *k = v[i];
		if (k->end - k->off >= 2 && (t[k->off] == '\'' || t[k->off] == '"') && t[k->end - 1] == t[k->off])
			scan_span(sc, k->off + 1, k->end - 1, depth + 1);
	}
}

/* every docker run in one logical line's tokens (and inside its $(...)) */
static void find_commands(struct scan *sc, struct toks *tk, int depth)
{
	struct tok **v = arena_calloc(&sc->tmp, tk->n + 1, sizeof(*v));
	for (size_t i = 0; i < tk->n;) {
		size_t j = i;
		while (j < tk->n && tk->v[j].type != TK_OP)
			j++;
		size_t nw = words_only(tk->v + i, j - i, v);
		size_t k = skip_prefix(v, nw);
		int engine = 0;
		size_t a = find_run(v, nw, k, &engine);
		if (a != NONE) {
			int first = src_line(&sc->s, v[0]->off), last = src_line(&sc->s, v[nw - 1]->end - 1);
			parse_run(sc->w, &sc->s, v, nw, a, engine, v[0]);
			if (tk->bad != NONE && tk->bad >= v[0]->off)
				wl_parse_error(sc->w, src_loc(sc->w, &sc->s, tk->bad, NULL),
					       "unterminated quote or substitution: the command is read up to the end of its line");
			suppressions_for(sc, tk, first, last);
		} else if (k < nw) {
			quoted_commands(sc, v + k, nw - k, depth);
		}
		i = j + 1;
	}
	if (depth >= MAX_DEPTH)
		return;
	for (size_t i = 0; i < tk->n; i++)
		if (tk->v[i].sub_end > tk->v[i].sub_off)
			scan_span(sc, tk->v[i].sub_off, tk->v[i].sub_end, depth + 1);
}

static const char *const yaml_command_keys[] = { "run", "script", "command", "cmd", "commands", "before_script",
	"after_script", "entrypoint", "shell", "sh", "bash", "exec" };

/* Where shell text starts on the line at p: after a Makefile recipe's tab
 * and @-+, a Dockerfile's RUN, a YAML list dash and command key, a Markdown
 * prompt.  *lim is narrowed for a quoted YAML scalar. */
static size_t line_start(const struct scan *sc, size_t p, size_t eol, size_t *lim)
{
	const char *t = sc->s.t;
	bool recipe = sc->mode == M_MAKE && t[p] == '\t';
	while (p < eol && (t[p] == ' ' || t[p] == '\t'))
		p++;
	if (recipe)
		while (p < eol && (t[p] == '@' || t[p] == '-' || t[p] == '+' || t[p] == ' ' || t[p] == '\t'))
			p++;
	if (sc->mode == M_MARKDOWN && eol - p >= 2 && t[p] == '$' && t[p + 1] == ' ')
		p += 2;
	if (eol - p > 4 && strncasecmp(t + p, "RUN", 3) == 0 && (t[p + 3] == ' ' || t[p + 3] == '\t'))
		p += 4;
	if (sc->mode != M_YAML)
		return p;
	while (eol - p >= 2 && t[p] == '-' && (t[p + 1] == ' ' || t[p + 1] == '\t'))
		for (p += 2; p < eol && (t[p] == ' ' || t[p] == '\t');)
			p++;
	size_t k = p;
	while (k < eol && (isalnum((unsigned char)t[k]) || t[k] == '_' || t[k] == '-'))
		k++;
	if (k < eol && t[k] == ':' && k + 1 < eol && (t[k + 1] == ' ' || t[k + 1] == '\t')) {
		char key[32];
		snprintf(key, sizeof(key), "%.*s", (int)(k - p), t + p);
		if (word_in(key, yaml_command_keys, ARRAY_SIZE(yaml_command_keys)))
			for (p = k + 1; p < eol && (t[p] == ' ' || t[p] == '\t');)
				p++;
	}
	size_t e = eol;
	while (e > p && (t[e - 1] == ' ' || t[e - 1] == '\t' || t[e - 1] == '\r'))
		e--;
	if (e - p >= 2 && (t[p] == '"' || t[p] == '\'') && t[e - 1] == t[p]) {
		*lim = e - 1;
		return p + 1;
	}
	return p;
}

/* lex [from, to) a logical line at a time; at depth 0 only lines that name an engine */
static void scan_span(struct scan *sc, size_t from, size_t to, int depth)
{
	const char *t = sc->s.t;
	for (size_t p = from; p < to;) {
		const char *nl = memchr(t + p, '\n', to - p);
		size_t eol = nl ? (size_t)(nl - t) : to;
		if (!mentions_engine(t + p, eol - p)) {
			p = eol + 1;
			continue;
		}
		size_t lim = to;
		size_t start = depth ? p : line_start(sc, p, eol, &lim);
		struct lexer lx = { .t = t, .pos = start, .lim = lim, .a = &sc->tmp, .buf = sc->buf, .cap = sc->cap,
				    .make = sc->mode == M_MAKE };
		struct toks tk;
		lex_line(&lx, &tk);
		sc->buf = lx.buf;
		sc->cap = lx.cap;
		find_commands(sc, &tk, depth);
		p = tk.end > eol ? tk.end : eol + 1;
		if (depth == 0)
			arena_free(&sc->tmp);
	}
}

static bool ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && strcasecmp(s + a - b, suf) == 0;
}

static enum scan_mode mode_of(const char *name)
{
	const char *b = name ? strrchr(name, '/') : NULL;
	b = b ? b + 1 : name ? name : "";
	if (ends_with(b, ".md") || ends_with(b, ".markdown") || ends_with(b, ".mdx"))
		return M_MARKDOWN;
	if (ends_with(b, ".yml") || ends_with(b, ".yaml"))
		return M_YAML;
	if (strcmp(b, "Makefile") == 0 || strcmp(b, "makefile") == 0 || strcmp(b, "GNUmakefile") == 0 || ends_with(b, ".mk"))
		return M_MAKE;
	return M_SHELL;
}

/* a ``` or ~~~ fence at p: its char and length, 0 if none */
static size_t fence(const char *t, size_t p, size_t eol, char *ch)
{
	while (p < eol && (t[p] == ' ' || t[p] == '\t'))
		p++;
	size_t n = 0;
	while (p + n < eol && (t[p + n] == '`' || t[p + n] == '~') && t[p + n] == t[p])
		n++;
	if (n < 3)
		return 0;
	*ch = t[p];
	return n;
}

static void scan_markdown(struct scan *sc)
{
	const char *t = sc->s.t;
	size_t len = sc->s.len, open = NONE, flen = 0;
	char fch = 0;
	for (size_t p = 0; p < len;) {
		const char *nl = memchr(t + p, '\n', len - p);
		size_t eol = nl ? (size_t)(nl - t) : len;
		char ch = 0;
		size_t n = fence(t, p, eol, &ch);
		if (open == NONE && n) {
			open = eol + 1;
			flen = n;
			fch = ch;
		} else if (open != NONE && n >= flen && ch == fch) {
			if (p > open)
				scan_span(sc, open, p, 0);
			open = NONE;
		}
		p = eol + 1;
	}
	if (open != NONE && open < len)
		scan_span(sc, open, len, 0);
}

int fe_docker_run_scan(const char *text, size_t len, const char *name, struct workload **out)
{
	struct scan sc = { .w = workload_new(WL_DOCKER_RUN, name), .mode = mode_of(name) };
	src_init(&sc.s, text ? text : "", text ? len : 0, 1);
	if (sc.mode == M_MARKDOWN)
		scan_markdown(&sc);
	else
		scan_span(&sc, 0, sc.s.len, 0);
	arena_free(&sc.tmp);
	free(sc.buf);
	free(sc.s.ls);
	*out = sc.w;
	return 0;
}
