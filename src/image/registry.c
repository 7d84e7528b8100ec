/*
 * A registry client for the OCI distribution API, on libcurl.
 *
 * Parsers first (pure, unit-tested and fuzzed): WWW-Authenticate challenges,
 * token responses, error bodies, docker's config.json.  Then the transport:
 * one curl handle per pull; a 401 is answered once per request with the
 * challenge's scheme (Bearer: a token from the realm, with basic
 * credentials when config.json has them; Basic: the credentials).  Plain
 * HTTP is used only for loopback hosts and hosts named with
 * --insecure-registry; redirects may not downgrade an https registry.
 */
#include "image/registry.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "util/err.h"
#include "util/fs.h"
#include "util/jsonr.h"
#include "util/log.h"
#include "util/macros.h"

/* ---- WWW-Authenticate ------------------------------------------------ */

static bool tchar(char ch)
{
	return isalnum((unsigned char)ch) || (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

static void skip_ws(const char *h, size_t len, size_t *i)
{
	while (*i < len && (h[*i] == ' ' || h[*i] == '\t'))
		(*i)++;
}

/* token or quoted-string into out (n bytes); unquoted values run to ',' or whitespace (realms are URLs). */
static int param_value(const char *h, size_t len, size_t *i, char *out, size_t n, const char *key)
{
	size_t o = 0;
	if (*i < len && h[*i] == '"') {
		(*i)++;
		for (;;) {
			if (*i >= len)
				return err_set(EINVAL, "WWW-Authenticate: %s: unterminated quoted string", key);
			char ch = h[(*i)++];
			if (ch == '"')
				break;
			if (ch == '\\') {
				if (*i >= len)
					return err_set(EINVAL, "WWW-Authenticate: %s: unterminated quoted string", key);
				ch = h[(*i)++];
			}
			if ((unsigned char)ch < 0x20 && ch != '\t')
				return err_set(EINVAL, "WWW-Authenticate: %s: control character in the value", key);
			if (o + 1 >= n)
				return err_set(EINVAL, "WWW-Authenticate: %s: value longer than %zu bytes", key, n - 1);
			out[o++] = ch;
		}
	} else {
		while (*i < len && h[*i] != ',' && h[*i] != ' ' && h[*i] != '\t') {
			char ch = h[(*i)++];
			if ((unsigned char)ch < 0x21 || ch == '"' || (unsigned char)ch == 0x7f)
				return err_set(EINVAL, "WWW-Authenticate: %s: unexpected character in the value", key);
			if (o + 1 >= n)
				return err_set(EINVAL, "WWW-Authenticate: %s: value longer than %zu bytes", key, n - 1);
			out[o++] = ch;
		}
	}
	out[o] = '\0';
	return 0;
}

int reg_challenge_parse(const char *h, size_t len, struct reg_challenge *c)
{
	size_t i = 0;
	memset(c, 0, sizeof(*c));
	skip_ws(h, len, &i);
	while (i < len) {
		/* a challenge: scheme, then key=value pairs separated by commas */
		char scheme[16];
		size_t sl = 0;
		while (i < len && tchar(h[i])) {
			if (sl + 1 >= sizeof(scheme))
				return err_set(EINVAL, "WWW-Authenticate: the scheme is longer than %zu characters",
					       sizeof(scheme) - 1);
			scheme[sl++] = (char)tolower((unsigned char)h[i++]);
		}
		scheme[sl] = '\0';
		if (!sl)
			return err_set(EINVAL, "WWW-Authenticate: expected an authentication scheme at byte %zu", i);
		bool ours = STREQ(scheme, "bearer") || STREQ(scheme, "basic");
		struct reg_challenge cur = { .scheme = "" };
		snprintf(cur.scheme, sizeof(cur.scheme), "%s", scheme);
		skip_ws(h, len, &i);
		for (;;) {
			size_t start = i;
			char key[32];
			size_t kl = 0;
			while (i < len && tchar(h[i])) {
				if (kl + 1 < sizeof(key))
					key[kl] = (char)tolower((unsigned char)h[i]);
				kl++;
				i++;
			}
			key[kl < sizeof(key) ? kl : sizeof(key) - 1] = '\0';
			size_t after = i;
			skip_ws(h, len, &i);
			if (!kl || i >= len || h[i] != '=') {
				/* not a parameter: the end, a new challenge, or (for Basic) a token68 we ignore */
				i = kl ? start : after;
				break;
			}
			i++;
			skip_ws(h, len, &i);
			char dummy[1024];
			char *dst = dummy;
			size_t dn = sizeof(dummy);
			if (STREQ(key, "realm")) {
				dst = cur.realm;
				dn = sizeof(cur.realm);
			} else if (STREQ(key, "service")) {
				dst = cur.service;
				dn = sizeof(cur.service);
			} else if (STREQ(key, "scope")) {
				dst = cur.scope;
				dn = sizeof(cur.scope);
			}
			int r = param_value(h, len, &i, dst, dn, key);
			if (r < 0)
				return r;
			skip_ws(h, len, &i);
			if (i < len && h[i] == ',') {
				i++;
				skip_ws(h, len, &i);
				continue;
			}
			break;
		}
		skip_ws(h, len, &i);
		if (i < len && h[i] != ',' && !tchar(h[i]))
			return err_set(EINVAL, "WWW-Authenticate: unexpected character at byte %zu", i);
		if (ours) {
			if (STREQ(cur.scheme, "bearer") && !cur.realm[0])
				return err_set(EINVAL, "WWW-Authenticate: a Bearer challenge without a realm (the token URL)");
			*c = cur;
			return 0;
		}
		/* an unknown scheme: skip to the next challenge */
		skip_ws(h, len, &i);
		if (i < len && h[i] == ',')
			i++;
		skip_ws(h, len, &i);
		if (i < len && !tchar(h[i]))
			return err_set(EINVAL, "WWW-Authenticate: unexpected character at byte %zu", i);
	}
	return err_set(EINVAL, "WWW-Authenticate: no Bearer or Basic challenge (stockade supports those two)");
}

/* ---- JSON bodies ----------------------------------------------------- */

int reg_token_parse(const char *json, size_t len, char **token)
{
	json_object *o, *v;
	*token = NULL;
	int r = jr_parse(json, len, "token response", &o);
	if (r < 0)
		return r;
	r = err_set(EINVAL, "token response: expected {\"token\": \"...\"} or {\"access_token\": \"...\"}");
	if (json_object_is_type(o, json_type_object) &&
	    ((json_object_object_get_ex(o, "token", &v) && json_object_is_type(v, json_type_string) &&
	      json_object_get_string_len(v) > 0) ||
	     (json_object_object_get_ex(o, "access_token", &v) && json_object_is_type(v, json_type_string) &&
	      json_object_get_string_len(v) > 0))) {
		const char *t = json_object_get_string(v);
		bool ok = true;
		/* it goes into a header: no control characters, no spaces */
		for (const char *p = t; *p; p++)
			ok &= (unsigned char)*p > 0x20 && (unsigned char)*p < 0x7f;
		if ((size_t)json_object_get_string_len(v) != strlen(t))
			ok = false;
		if (!ok) {
			r = err_set(EINVAL, "token response: the token contains spaces or control characters");
		} else if (!(*token = strdup(t))) {
			r = err_sys(ENOMEM, "token response");
		} else {
			err_clear();
			r = 0;
		}
	}
	json_object_put(o);
	return r;
}

char *reg_error_text(const char *body, size_t len)
{
	json_object *o, *errs, *e, *v;
	if (!body || !len)
		return NULL;
	if (jr_parse(body, len, "error", &o) < 0) {
		err_clear();
		return NULL;
	}
	char *out = NULL;
	if (json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, "errors", &errs) &&
	    json_object_is_type(errs, json_type_array) && json_object_array_length(errs) > 0 &&
	    json_object_is_type((e = json_object_array_get_idx(errs, 0)), json_type_object)) {
		const char *code = json_object_object_get_ex(e, "code", &v) && json_object_is_type(v, json_type_string)
					   ? json_object_get_string(v)
					   : "";
		const char *msg = json_object_object_get_ex(e, "message", &v) && json_object_is_type(v, json_type_string)
					  ? json_object_get_string(v)
					  : "";
		if (*code || *msg) {
			if (asprintf(&out, "%.100s%s%.300s", code, *code && *msg ? ": " : "", msg) < 0)
				out = NULL;
		}
		/* what the registry says is printed: keep it to printable characters */
		for (char *p = out; p && *p; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
				*p = '?';
	}
	json_object_put(o);
	return out;
}

/* ---- credentials ------------------------------------------------------- */

static int b64val(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+' || ch == '-')
		return 62;
	if (ch == '/' || ch == '_')
		return 63;
	return -1;
}

/* Standard or URL-safe base64, padding optional; -EINVAL on anything else. */
static int b64_decode(const char *in, size_t len, char **out, size_t *olen)
{
	while (len && in[len - 1] == '=')
		len--;
	char *buf = malloc(len * 3 / 4 + 2);
	if (!buf)
		return -ENOMEM;
	size_t o = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < len; i++) {
		int v = b64val((unsigned char)in[i]);
		if (v < 0) {
			free(buf);
			return -EINVAL;
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	if (len % 4 == 1) {
		free(buf);
		return -EINVAL;
	}
	buf[o] = '\0';
	*out = buf;
	*olen = o;
	return 0;
}

static char *b64_encode(const char *in, size_t len)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc((len + 2) / 3 * 4 + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)(unsigned char)in[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)(unsigned char)in[i + 1] << 8;
		if (i + 2 < len)
			v |= (unsigned char)in[i + 2];
		out[o++] = a[(v >> 18) & 63];
		out[o++] = a[(v >> 12) & 63];
		out[o++] = i + 1 < len ? a[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? a[v & 63] : '=';
	}
	out[o] = '\0';
	return out;
}

/* "https://index.docker.io/v1/" -> "index.docker.io" (lowercased) */
static void auth_key_host(const char *k, char *out, size_t n)
{
	const char *p = strstr(k, "://");
	p = p ? p + 3 : k;
	size_t l = strcspn(p, "/");
	if (l >= n)
		l = n - 1;
	for (size_t i = 0; i < l; i++)
		out[i] = (char)tolower((unsigned char)p[i]);
	out[l] = '\0';
}

static bool docker_hub(const char *h)
{
	return STREQ(h, "docker.io") || STREQ(h, "index.docker.io") || STREQ(h, "registry-1.docker.io");
}

int reg_auth_lookup(const char *json, size_t len, const char *what, const char *host, char **user, char **pass)
{
	json_object *o, *auths, *v;
	*user = *pass = NULL;
	int r = jr_parse(json, len, what, &o);
	if (r < 0)
		return r;
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return err_set(EINVAL, "%s: expected a JSON object with \"auths\"", what);
	}
	if (!json_object_object_get_ex(o, "auths", &auths)) {
		json_object_put(o);
		return 0;
	}
	if (!json_object_is_type(auths, json_type_object)) {
		json_object_put(o);
		return err_set(EINVAL, "%s: \"auths\" must be an object of registry -> {\"auth\": ...}", what);
	}
	char want[256], kh[256];
	auth_key_host(host, want, sizeof(want));
	json_object *entry = NULL;
	const char *ekey = NULL;
	json_object_object_foreach(auths, k, e) {
		auth_key_host(k, kh, sizeof(kh));
		if (STREQ(kh, want) || (docker_hub(want) && docker_hub(kh))) {
			entry = e;
			ekey = k;
			if (STREQ(kh, want))
				break; /* an exact match wins over an alias */
		}
	}
	r = 0;
	if (!entry)
		goto out;
	if (!json_object_is_type(entry, json_type_object)) {
		r = err_set(EINVAL, "%s: auths[\"%s\"] must be an object", what, ekey);
		goto out;
	}
	if (json_object_object_get_ex(entry, "auth", &v) && json_object_is_type(v, json_type_string) &&
	    json_object_get_string_len(v) > 0) {
		char *dec;
		size_t dl;
		const char *s = json_object_get_string(v);
		int q = b64_decode(s, (size_t)json_object_get_string_len(v), &dec, &dl);
		if (q == -ENOMEM) {
			r = err_sys(ENOMEM, "%s", what);
			goto out;
		}
		char *colon = q == 0 && strlen(dec) == dl ? strchr(dec, ':') : NULL;
		if (!colon) {
			if (q == 0)
				free(dec);
			r = err_set(EINVAL, "%s: auths[\"%s\"].auth: expected base64 of \"user:password\"", what, ekey);
			goto out;
		}
		*colon = '\0';
		*user = strdup(dec);
		*pass = strdup(colon + 1);
		explicit_bzero(dec, dl);
		free(dec);
	} else {
		json_object *u = NULL, *p = NULL;
		if (json_object_object_get_ex(entry, "username", &u) && json_object_is_type(u, json_type_string) &&
		    json_object_object_get_ex(entry, "password", &p) && json_object_is_type(p, json_type_string)) {
			*user = strdup(json_object_get_string(u));
			*pass = strdup(json_object_get_string(p));
		}
	}
	if ((*user && !*pass) || (!*user && *pass)) {
		free(*user);
		free(*pass);
		*user = *pass = NULL;
		r = err_sys(ENOMEM, "%s", what);
	}
out:
	json_object_put(o);
	return r;
}

/* ---- hosts ------------------------------------------------------------- */

void reg_host_only(const char *hp, char *out, size_t n)
{
	size_t l;
	if (hp[0] == '[') {
		const char *e = strchr(hp, ']');
		l = e ? (size_t)(e - hp - 1) : strlen(hp + 1);
		hp++;
	} else {
		const char *c = strchr(hp, ':');
		/* more than one ':' and no brackets: a bare IPv6 address */
		l = c && !strchr(c + 1, ':') ? (size_t)(c - hp) : strlen(hp);
	}
	if (l >= n)
		l = n - 1;
	memcpy(out, hp, l);
	out[l] = '\0';
}

bool reg_host_is_loopback(const char *host)
{
	char h[256];
	reg_host_only(host, h, sizeof(h));
	if (strcasecmp(h, "localhost") == 0)
		return true;
	struct in_addr a4;
	struct in6_addr a6;
	if (inet_pton(AF_INET, h, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, h, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return false;
}

int reg_split_name(const char *name, char *host, size_t hn, char *repo, size_t rn)
{
	const char *slash = strchr(name, '/');
	if (!slash || slash == name || !slash[1])
		return err_set(EINVAL, "image name \"%s\": expected REGISTRY/REPOSITORY", name);
	size_t l = (size_t)(slash - name);
	if (l >= hn || strlen(slash + 1) >= rn)
		return err_set(EINVAL, "image name \"%s\" is too long", name);
	memcpy(host, name, l);
	host[l] = '\0';
	if (STREQ(host, "docker.io") || STREQ(host, "index.docker.io"))
		snprintf(host, hn, "registry-1.docker.io");
	snprintf(repo, rn, "%s", slash + 1);
	return 0;
}

/* ---- the client -------------------------------------------------------- */

struct reg_client {
	CURL *curl;
	char host[256];      /* API endpoint host[:port] */
	char cred_host[256]; /* the name's host: the config.json key */
	char repo[256];
	char base[300];      /* "https://host" */
	bool plain;          /* http:// */
	const char **insecure;
	const char *auth_file;
	char auth_path[4096]; /* the file credentials came from ("" when none) */
	bool creds_loaded;
	char *user, *pass;
	char *authz;          /* "Authorization: ..." header line, or NULL */
	bool progress;
	char errbuf[CURL_ERROR_SIZE];
};

struct xfer {
	struct reg_client *c;
	/* memory sink */
	char *buf;
	size_t len, max;
	bool too_big;
	/* blob sink */
	struct img_blob_writer *w;
	int werr;
	uint64_t got;
	int64_t total;
	const char *label;
	struct timespec last;
	/* error body of a non-2xx answer, and the headers we read */
	char err[4096];
	size_t errlen;
	char www_auth[2048];
};

static bool plain_allowed(const char *hostport, const char **insecure)
{
	if (reg_host_is_loopback(hostport))
		return true;
	char h[256];
	reg_host_only(hostport, h, sizeof(h));
	for (size_t i = 0; insecure && insecure[i]; i++)
		if (strcasecmp(insecure[i], hostport) == 0 || strcasecmp(insecure[i], h) == 0)
			return true;
	return false;
}

int reg_client_new(const char *name, const struct reg_client_opts *o, struct reg_client **out)
{
	static bool global;
	if (!global) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return err_set(EIO, "libcurl: global initialisation failed");
		global = true;
	}
	struct reg_client *c = calloc(1, sizeof(*c));
	if (!c)
		return err_sys(ENOMEM, "pull");
	int r = reg_split_name(name, c->host, sizeof(c->host), c->repo, sizeof(c->repo));
	if (r < 0) {
		free(c);
		return r;
	}
	snprintf(c->cred_host, sizeof(c->cred_host), "%.*s", (int)strcspn(name, "/"), name);
	c->insecure = o->insecure;
	c->auth_file = o->auth_file;
	c->progress = o->progress;
	c->plain = plain_allowed(c->host, o->insecure);
	snprintf(c->base, sizeof(c->base), "%s://%s", c->plain ? "http" : "https", c->host);
	if (!(c->curl = curl_easy_init())) {
		free(c);
		return err_set(ENOMEM, "libcurl: cannot create a handle");
	}
	*out = c;
	return 0;
}

void reg_client_free(struct reg_client *c)
{
	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	if (c->pass)
		explicit_bzero(c->pass, strlen(c->pass));
	if (c->authz)
		explicit_bzero(c->authz, strlen(c->authz));
	free(c->user);
	free(c->pass);
	free(c->authz);
	free(c);
}

/* Credentials for the registry, once: --auth-file, $DOCKER_CONFIG/config.json, ~/.docker/config.json. */
static int load_creds(struct reg_client *c)
{
	if (c->creds_loaded)
		return 0;
	c->creds_loaded = true;
	char path[4096];
	const char *dc = getenv("DOCKER_CONFIG"), *home = getenv("HOME");
	if (c->auth_file)
		snprintf(path, sizeof(path), "%s", c->auth_file);
	else if (dc && *dc)
		snprintf(path, sizeof(path), "%s/config.json", dc);
	else if (home && *home)
		snprintf(path, sizeof(path), "%s/.docker/config.json", home);
	else
		return 0;
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r = read_file_at(AT_FDCWD, path, 1u << 20, &buf, &len);
	if (r == -ENOENT && !c->auth_file) {
		log_debug("pull: no credentials file at %s", path);
		return 0;
	}
	if (r < 0)
		return err_sys(-r, "--auth-file %s: cannot read it", path);
	r = reg_auth_lookup(buf, len, path, c->cred_host, &c->user, &c->pass);
	explicit_bzero(buf, len);
	if (r < 0)
		return r;
	if (c->user) {
		snprintf(c->auth_path, sizeof(c->auth_path), "%s", path);
		log_debug("pull: credentials for %s from %s (user %s)", c->cred_host, path, c->user);
	}
	return 0;
}

static size_t on_header(char *p, size_t sz, size_t nm, void *ud)
{
	struct xfer *x = ud;
	size_t n = sz * nm;
	if (n >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		/* a new response (after a redirect or a 100): forget the previous one's headers */
		x->www_auth[0] = '\0';
		x->errlen = 0;
	} else if (n > 17 && strncasecmp(p, "WWW-Authenticate:", 17) == 0 && !x->www_auth[0]) {
		size_t l = n - 17;
		const char *v = p + 17;
		while (l && (*v == ' ' || *v == '\t'))
			v++, l--;
		while (l && (v[l - 1] == '\r' || v[l - 1] == '\n' || v[l - 1] == ' '))
			l--;
		if (l >= sizeof(x->www_auth))
			l = sizeof(x->www_auth) - 1;
		memcpy(x->www_auth, v, l);
		x->www_auth[l] = '\0';
	}
	return n;
}

static void progress_line(struct xfer *x, bool done)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long ms = (now.tv_sec - x->last.tv_sec) * 1000 + (now.tv_nsec - x->last.tv_nsec) / 1000000;
	if (!done && ms < 100)
		return;
	x->last = now;
	double got = (double)x->got, total = (double)(x->total > 0 ? x->total : 0);
	const char *unit = total >= 1e6 ? "MB" : "kB";
	double div = total >= 1e6 ? 1e6 : 1e3;
	fprintf(stderr, "\r%-28.28s %8.1f / %.1f %s%s", x->label, got / div, total / div, unit, done ? "\n" : "");
	fflush(stderr);
}

static size_t on_body(char *p, size_t sz, size_t nm, void *ud)
{
	struct xfer *x = ud;
	size_t n = sz * nm;
	long code = 0;
	curl_easy_getinfo(x->c->curl, CURLINFO_RESPONSE_CODE, &code);
	if (code >= 300 && code < 400)
		return n; /* a redirect's body */
	if (code != 200) {
		size_t k = n < sizeof(x->err) - 1 - x->errlen ? n : sizeof(x->err) - 1 - x->errlen;
		memcpy(x->err + x->errlen, p, k);
		x->errlen += k;
		x->err[x->errlen] = '\0';
		return n;
	}
	if (x->w) {
		int r = img_blob_write(x->w, p, n);
		if (r < 0) {
			x->werr = r;
			return 0;
		}
		x->got += n;
		if (x->c->progress)
			progress_line(x, false);
		return n;
	}
	if (x->len + n > x->max) {
		x->too_big = true;
		return 0;
	}
	char *nb = realloc(x->buf, x->len + n + 1);
	if (!nb) {
		x->werr = err_sys(ENOMEM, "pull");
		return 0;
	}
	x->buf = nb;
	memcpy(x->buf + x->len, p, n);
	x->len += n;
	x->buf[x->len] = '\0';
	return n;
}

static const char *reason(long code)
{
	switch (code) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	default: return "";
	}
}

/* A transport failure, with what to do about it. */
static int curl_error(struct reg_client *c, const char *url, CURLcode e)
{
	const char *detail = c->errbuf[0] ? c->errbuf : curl_easy_strerror(e);
	int r = err_set(EIO, "registry %s: %s", url, detail);
	switch (e) {
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CIPHER:
		return err_hint(r, "TLS with %s failed. If it serves plain HTTP, pass --insecure-registry %s (stockade "
				   "then talks to it without TLS); if it uses a private CA, add that CA to the system's "
				   "trust store (update-ca-certificates)", c->host, c->host);
	case CURLE_COULDNT_CONNECT:
		return err_hint(r, "is a registry listening at %s? Check the host and port in the image name%s", c->base,
				c->plain ? "" : " (stockade uses HTTPS there; a plain-HTTP registry needs --insecure-registry)");
	case CURLE_COULDNT_RESOLVE_HOST:
		return err_hint(r, "the registry host %s does not resolve; check the image name", c->host);
	case CURLE_OPERATION_TIMEDOUT:
		return err_hint(r, "the registry stopped answering; try again");
	case CURLE_TOO_MANY_REDIRECTS:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return err_hint(r, "the registry redirected too often or to a non-HTTPS URL; stockade does not follow "
				   "an https registry to plain http");
	default:
		return r;
	}
}

/* One GET (no auth retry). */
static int get_once(struct reg_client *c, const char *url, const char *accept, struct xfer *x, long *code)
{
	struct curl_slist *hdrs = NULL, *t;
	char acc[600];
	CURL *h = c->curl;
	curl_easy_reset(h);
	if (accept) {
		snprintf(acc, sizeof(acc), "Accept: %s", accept);
		if (!(t = curl_slist_append(hdrs, acc)))
			goto nomem;
		hdrs = t;
	}
	if (c->authz) {
		if (!(t = curl_slist_append(hdrs, c->authz)))
			goto nomem;
		hdrs = t;
	}
	c->errbuf[0] = '\0';
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "stockade/" STOCKADE_VERSION);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
	/* an https registry may not redirect to plain http (blob storage is often another host) */
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, c->plain ? "http,https" : "https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, c->plain ? "http,https" : "https");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	log_debug("pull: GET %s", url);
	CURLcode e = curl_easy_perform(h);
	curl_slist_free_all(hdrs);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	*code = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, code);
	if (x->werr)
		return x->werr;
	if (x->too_big)
		return err_set(EFBIG, "registry %s: the answer is larger than %zu bytes; refusing it", url, x->max);
	if (e != CURLE_OK)
		return curl_error(c, url, e);
	return 0;
nomem:
	curl_slist_free_all(hdrs);
	return err_sys(ENOMEM, "pull");
}

static int http_error(struct reg_client *c, const char *url, long code, const struct xfer *x)
{
	_cleanup_free_ char *text = reg_error_text(x->err, x->errlen);
	int r = err_set(code == 404 ? ENOENT : code == 401 || code == 403 ? EACCES : EIO,
			"registry %s: HTTP %ld %s%s%s", url, code, reason(code), text ? ": " : "", text ? text : "");
	if (code == 401 && c->user)
		return err_hint(r, "the registry refused the credentials for %s from %s; log in again (fix the "
				   "\"auths\" entry for %s there)", c->cred_host, c->auth_path, c->cred_host);
	if (code == 401)
		return err_hint(r, "log in: put credentials in ~/.docker/config.json ($DOCKER_CONFIG/config.json), "
				   "{\"auths\": {\"%s\": {\"auth\": \"<base64 of user:password>\"}}}, or name a file "
				   "with --auth-file",
				c->cred_host);
	if (code == 403)
		return err_hint(r, "these credentials may not pull %s/%s", c->cred_host, c->repo);
	if (code == 404)
		return err_hint(r, "the registry has no such image: check the repository name and the tag or digest");
	if (code == 429)
		return err_hint(r, "the registry rate-limits pulls; wait and try again, or log in");
	if (code >= 500)
		return err_hint(r, "the registry failed; try again later");
	return r;
}

static char *url_escape(CURL *h, const char *s)
{
	return curl_easy_escape(h, s, 0);
}

/* Answer a challenge: Authorization for the retry (0), nothing to answer with (1), or an error. */
static int authenticate(struct reg_client *c, const char *url, const char *www_auth)
{
	struct reg_challenge ch;
	int r = reg_challenge_parse(www_auth, strlen(www_auth), &ch);
	if (r < 0)
		return err_ctx(r, "registry %s: HTTP 401", url);
	if ((r = load_creds(c)) < 0)
		return r;
	free(c->authz);
	c->authz = NULL;
	if (STREQ(ch.scheme, "basic")) {
		if (!c->user)
			return 1; /* no credentials: the caller reports the 401 with the login hint */
		_cleanup_free_ char *up = NULL, *enc = NULL;
		if (asprintf(&up, "%s:%s", c->user, c->pass) < 0 || !(enc = b64_encode(up, strlen(up))) ||
		    asprintf(&c->authz, "Authorization: Basic %s", enc) < 0) {
			c->authz = NULL;
			return err_sys(ENOMEM, "pull");
		}
		explicit_bzero(up, strlen(up));
		return 0;
	}
	/* Bearer: GET realm?service=...&scope=... (with basic credentials when we have them) */
	CURLU *u = curl_url();
	char *rhost = NULL, *rscheme = NULL;
	bool ok = u && curl_url_set(u, CURLUPART_URL, ch.realm, 0) == CURLUE_OK &&
		  curl_url_get(u, CURLUPART_HOST, &rhost, 0) == CURLUE_OK &&
		  curl_url_get(u, CURLUPART_SCHEME, &rscheme, 0) == CURLUE_OK;
	char rhp[300] = "";
	if (ok) {
		char *port = NULL;
		if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK && port)
			snprintf(rhp, sizeof(rhp), "%s:%s", rhost, port);
		else
			snprintf(rhp, sizeof(rhp), "%s", rhost);
		curl_free(port);
	}
	if (!ok)
		r = err_set(EINVAL, "registry %s: the token realm \"%s\" is not a URL", url, ch.realm);
	else if (strcasecmp(rscheme, "https") != 0 && !(strcasecmp(rscheme, "http") == 0 && plain_allowed(rhp, c->insecure)))
		r = err_hint(err_set(EACCES, "registry %s: the token realm %s is not https", url, ch.realm),
			     "credentials are sent there; plain HTTP is allowed only to loopback hosts and "
			     "--insecure-registry hosts");
	curl_free(rhost);
	curl_free(rscheme);
	curl_url_cleanup(u);
	if (r < 0)
		return r;

	char scope_def[400];
	snprintf(scope_def, sizeof(scope_def), "repository:%s:pull", c->repo);
	_cleanup_free_ char *turl = NULL;
	char *es = url_escape(c->curl, ch.service), *esc = url_escape(c->curl, ch.scope[0] ? ch.scope : scope_def);
	if (!es || !esc || asprintf(&turl, "%s%sservice=%s&scope=%s", ch.realm, strchr(ch.realm, '?') ? "&" : "?", es,
				    esc) < 0) {
		curl_free(es);
		curl_free(esc);
		turl = NULL;
		return err_sys(ENOMEM, "pull");
	}
	curl_free(es);
	curl_free(esc);

	CURL *h = curl_easy_init();
	if (!h)
		return err_set(ENOMEM, "libcurl: cannot create a handle");
	struct xfer x = { .c = c, .max = 1u << 20 };
	CURL *saved = c->curl;
	c->curl = h; /* on_body reads the status of this handle */
	curl_easy_setopt(h, CURLOPT_URL, turl);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "stockade/" STOCKADE_VERSION);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 120L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
	if (c->user) {
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(h, CURLOPT_USERNAME, c->user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, c->pass);
	}
	c->errbuf[0] = '\0';
	log_debug("pull: token from %s", turl);
	CURLcode e = curl_easy_perform(h);
	long code = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	c->curl = saved;
	if (x.werr)
		r = x.werr;
	else if (x.too_big)
		r = err_set(EFBIG, "token %s: the answer is larger than 1 MB", ch.realm);
	else if (e != CURLE_OK)
		r = curl_error(c, ch.realm, e);
	else if (code != 200)
		r = http_error(c, ch.realm, code, &x);
	if (r == 0) {
		_cleanup_free_ char *tok = NULL;
		if ((r = reg_token_parse(x.buf, x.len, &tok)) == 0 &&
		    asprintf(&c->authz, "Authorization: Bearer %s", tok) < 0) {
			c->authz = NULL;
			r = err_sys(ENOMEM, "pull");
		}
		if (tok)
			explicit_bzero(tok, strlen(tok));
		if (r < 0)
			r = err_ctx(r, "registry %s", ch.realm);
	}
	curl_easy_cleanup(h);
	free(x.buf);
	return r;
}

/* GET with one authentication round on 401. */
static int get(struct reg_client *c, const char *url, const char *accept, struct xfer *x)
{
	long code = 0;
	int r = get_once(c, url, accept, x, &code);
	if (r < 0)
		return r;
	if (code == 401 && x->www_auth[0]) {
		char wa[sizeof(x->www_auth)];
		memcpy(wa, x->www_auth, sizeof(wa));
		r = authenticate(c, url, wa);
		if (r < 0)
			return r;
		if (r == 0) {
			x->errlen = 0;
			x->www_auth[0] = '\0';
			if ((r = get_once(c, url, accept, x, &code)) < 0)
				return r;
		}
	}
	if (code != 200)
		return http_error(c, url, code, x);
	return 0;
}

int reg_get_manifest(struct reg_client *c, const char *ref, char **out, size_t *len)
{
	char url[1024];
	snprintf(url, sizeof(url), "%s/v2/%s/manifests/%s", c->base, c->repo, ref);
	struct xfer x = { .c = c, .max = IMG_MAX_MANIFEST };
	int r = get(c, url, IMG_MT_OCI_INDEX ", " IMG_MT_OCI_MANIFEST ", " IMG_MT_DOCKER_LIST ", " IMG_MT_DOCKER_MANIFEST,
		    &x);
	if (r == 0 && !x.buf)
		r = err_set(EIO, "registry %s: an empty manifest", url);
	if (r < 0) {
		free(x.buf);
		return r;
	}
	*out = x.buf;
	*len = x.len;
	return 0;
}

int reg_get_blob(struct reg_client *c, struct img_store *s, const char *digest, int64_t size, const char *label)
{
	char url[1024];
	snprintf(url, sizeof(url), "%s/v2/%s/blobs/%s", c->base, c->repo, digest);
	struct xfer x = { .c = c, .total = size, .label = label };
	int r = img_blob_begin(s, digest, size, &x.w);
	if (r < 0)
		return r;
	clock_gettime(CLOCK_MONOTONIC, &x.last);
	r = get(c, url, NULL, &x);
	if (c->progress && x.got)
		progress_line(&x, true);
	if (r < 0) {
		img_blob_abort(x.w);
		return err_ctx(r, "blob %s", digest);
	}
	r = img_blob_commit(x.w);
	if (r < 0)
		return err_hint(err_ctx(r, "registry %s", url),
				"the registry served different bytes than the manifest names: it is corrupt or "
				"tampered with; nothing from this pull was kept");
	return 0;
}
