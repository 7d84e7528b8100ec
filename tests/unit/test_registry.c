/*
 * The registry client's parsers: WWW-Authenticate challenges, token
 * responses, error bodies, docker config.json credentials, loopback hosts,
 * name splitting; and img_pull's refusals that need no registry.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/image.h"
#include "image/registry.h"
#include "util/err.h"
#include "util/fs.h"

static int chal(const char *h, struct reg_challenge *c)
{
	return reg_challenge_parse(h, strlen(h), c);
}

static void test_challenge_bearer(void **st)
{
	(void)st;
	struct reg_challenge c;
	assert_int_equal(chal("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
			      "scope=\"repository:library/busybox:pull\"",
			      &c),
			 0);
	assert_string_equal(c.scheme, "bearer");
	assert_string_equal(c.realm, "https://auth.docker.io/token");
	assert_string_equal(c.service, "registry.docker.io");
	assert_string_equal(c.scope, "repository:library/busybox:pull");
	/* case-insensitive scheme and keys, spaces around '=' and ',', unquoted values, unknown keys */
	assert_int_equal(chal("  BEARER Realm = https://r.example/t ,  SERVICE=svc, error=\"insufficient_scope\"", &c),
			 0);
	assert_string_equal(c.scheme, "bearer");
	assert_string_equal(c.realm, "https://r.example/t");
	assert_string_equal(c.service, "svc");
	assert_string_equal(c.scope, "");
	/* escapes and commas inside quotes */
	assert_int_equal(chal("Bearer realm=\"https://x/t?a=1,b=2\",scope=\"a\\\"b\"", &c), 0);
	assert_string_equal(c.realm, "https://x/t?a=1,b=2");
	assert_string_equal(c.scope, "a\"b");
}

static void test_challenge_basic_and_several(void **st)
{
	(void)st;
	struct reg_challenge c;
	assert_int_equal(chal("Basic realm=\"Registry Realm\"", &c), 0);
	assert_string_equal(c.scheme, "basic");
	assert_string_equal(c.realm, "Registry Realm");
	assert_int_equal(chal("basic", &c), 0);
	assert_string_equal(c.scheme, "basic");
	/* an unknown scheme first (with a token68), then ours */
	assert_int_equal(chal("Negotiate YWJj==, Bearer realm=\"https://t/\"", &c), 0);
	assert_string_equal(c.scheme, "bearer");
	assert_string_equal(c.realm, "https://t/");
	assert_int_equal(chal("Digest realm=\"x\", nonce=\"y\", Basic realm=\"b\"", &c), 0);
	assert_string_equal(c.scheme, "basic");
	assert_string_equal(c.realm, "b");
}

static void test_challenge_refused(void **st)
{
	(void)st;
	struct reg_challenge c;
	assert_int_equal(chal("", &c), -EINVAL);
	assert_non_null(strstr(err_msg(), "no Bearer or Basic"));
	assert_int_equal(chal("Bearer service=\"x\"", &c), -EINVAL);
	assert_non_null(strstr(err_msg(), "without a realm"));
	assert_int_equal(chal("Bearer realm=\"https://x", &c), -EINVAL);
	assert_non_null(strstr(err_msg(), "unterminated"));
	assert_int_equal(chal("Digest realm=\"x\"", &c), -EINVAL);
	assert_int_equal(chal("Bearer realm=\"a\nb\"", &c), -EINVAL);
	assert_non_null(strstr(err_msg(), "control character"));
	assert_int_equal(chal("=realm", &c), -EINVAL);
	char big[3000];
	snprintf(big, sizeof(big), "Bearer realm=\"https://x/%02000d\"", 0);
	assert_int_equal(chal(big, &c), -EINVAL);
	assert_non_null(strstr(err_msg(), "longer than"));
	/* bytes after the length are not read */
	assert_int_equal(reg_challenge_parse("Bearer realm=\"https://t/\"XXXX", 25, &c), 0);
	assert_string_equal(c.realm, "https://t/");
	/* a NUL in the middle is not a terminator */
	assert_int_equal(reg_challenge_parse("Basic\0realm=x", 13, &c), -EINVAL);
	err_clear();
}

static void test_token(void **st)
{
	(void)st;
	char *t;
	const char *a = "{\"token\": \"abc.def\", \"expires_in\": 300}";
	assert_int_equal(reg_token_parse(a, strlen(a), &t), 0);
	assert_string_equal(t, "abc.def");
	free(t);
	const char *b = "{\"access_token\": \"xyz\"}";
	assert_int_equal(reg_token_parse(b, strlen(b), &t), 0);
	assert_string_equal(t, "xyz");
	free(t);
	const char *bad[] = { "", "[]", "{\"token\": 1}", "{\"token\": \"\"}", "{\"token\": \"a b\"}",
			      "{\"token\": \"a\\r\\nX-Evil: 1\"}", "{\"token\": \"a\\u0000b\"}", "not json" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(reg_token_parse(bad[i], strlen(bad[i]), &t), -EINVAL);
		assert_null(t);
		assert_true(err_msg()[0] != '\0');
	}
	err_clear();
}

static void test_error_text(void **st)
{
	(void)st;
	const char *e = "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\",\"detail\":null}]}";
	char *t = reg_error_text(e, strlen(e));
	assert_string_equal(t, "UNAUTHORIZED: authentication required");
	free(t);
	const char *m = "{\"errors\":[{\"message\":\"a\\nb\"}]}";
	t = reg_error_text(m, strlen(m));
	assert_string_equal(t, "a?b");
	free(t);
	assert_null(reg_error_text("<html>", 6));
	assert_null(reg_error_text("{\"errors\": []}", 14));
	assert_null(reg_error_text(NULL, 0));
}

static int lookup(const char *json, const char *host, char **u, char **p)
{
	return reg_auth_lookup(json, strlen(json), "config.json", host, u, p);
}

static void test_auth_lookup(void **st)
{
	(void)st;
	char *u, *p;
	/* "alice:s3:cret" -- the password may contain ':' */
	assert_int_equal(lookup("{\"auths\": {\"reg.example:5000\": {\"auth\": \"YWxpY2U6czM6Y3JldA==\"}}}",
				"reg.example:5000", &u, &p),
			 0);
	assert_string_equal(u, "alice");
	assert_string_equal(p, "s3:cret");
	free(u);
	free(p);
	/* unpadded */
	assert_int_equal(lookup("{\"auths\": {\"r\": {\"auth\": \"YWxpY2U6czM6Y3JldA\"}}}", "r", &u, &p), 0);
	assert_string_equal(p, "s3:cret");
	free(u);
	free(p);
	/* username/password, a key with a scheme and a path */
	assert_int_equal(lookup("{\"auths\": {\"https://Reg.Example:5000/v2/\": {\"username\": \"bob\", \"password\": "
				"\"pw\"}}}",
				"reg.example:5000", &u, &p),
			 0);
	assert_string_equal(u, "bob");
	assert_string_equal(p, "pw");
	free(u);
	free(p);
	/* docker.io's usual key */
	assert_int_equal(lookup("{\"auths\": {\"https://index.docker.io/v1/\": {\"auth\": \"dTpw\"}}}", "docker.io", &u, &p),
			 0);
	assert_string_equal(u, "u");
	assert_string_equal(p, "p");
	free(u);
	free(p);
	/* the exact host wins over an alias */
	assert_int_equal(lookup("{\"auths\": {\"index.docker.io\": {\"auth\": \"YTpi\"}, \"docker.io\": {\"auth\": "
				"\"Yzpk\"}}}",
				"docker.io", &u, &p),
			 0);
	assert_string_equal(u, "c");
	free(u);
	free(p);
	/* no entry, no auths, credsStore only, an empty auth: no credentials, not an error */
	const char *none[] = { "{\"auths\": {\"other\": {\"auth\": \"dTpw\"}}}", "{}", "{\"credsStore\": \"desktop\"}",
			       "{\"auths\": {\"r\": {\"auth\": \"\"}}}", "{\"auths\": {\"r\": {}}}" };
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		assert_int_equal(lookup(none[i], "r", &u, &p), 0);
		assert_null(u);
		assert_null(p);
	}
	/* a host must not match a longer one or a prefix */
	assert_int_equal(lookup("{\"auths\": {\"r:5000\": {\"auth\": \"dTpw\"}}}", "r", &u, &p), 0);
	assert_null(u);
	/* malformed: named */
	assert_int_equal(lookup("{\"auths\": {\"r\": {\"auth\": \"!!!!\"}}}", "r", &u, &p), -EINVAL);
	assert_non_null(strstr(err_msg(), "auths[\"r\"].auth"));
	assert_int_equal(lookup("{\"auths\": {\"r\": {\"auth\": \"dXNlcg==\"}}}", "r", &u, &p), -EINVAL); /* "user" */
	assert_non_null(strstr(err_msg(), "user:password"));
	assert_int_equal(lookup("{\"auths\": {\"r\": {\"auth\": \"dQBwOng=\"}}}", "r", &u, &p), -EINVAL); /* NUL inside */
	assert_int_equal(lookup("{\"auths\": []}", "r", &u, &p), -EINVAL);
	assert_int_equal(lookup("{\"auths\": {\"r\": 1}}", "r", &u, &p), -EINVAL);
	assert_int_equal(lookup("[1]", "r", &u, &p), -EINVAL);
	assert_int_equal(lookup("{", "r", &u, &p), -EINVAL);
	assert_non_null(strstr(err_msg(), "config.json"));
	assert_null(u);
	assert_null(p);
	err_clear();
}

static void test_hosts(void **st)
{
	(void)st;
	const char *yes[] = { "localhost", "LOCALHOST:5000", "127.0.0.1", "127.0.0.1:5000", "127.9.9.9:1",
			      "[::1]:5000", "[::1]", "::1" };
	const char *no[] = { "128.0.0.1", "192.0.2.2:5000", "localhost.example.com", "0.0.0.0", "[::2]:5000",
			     "127.0.0.1.nip.io", "registry-1.docker.io", "" };
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_true(reg_host_is_loopback(yes[i]));
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_false(reg_host_is_loopback(no[i]));
	char h[64], r[64];
	assert_int_equal(reg_split_name("docker.io/library/busybox", h, sizeof(h), r, sizeof(r)), 0);
	assert_string_equal(h, "registry-1.docker.io");
	assert_string_equal(r, "library/busybox");
	assert_int_equal(reg_split_name("localhost:5000/a/b", h, sizeof(h), r, sizeof(r)), 0);
	assert_string_equal(h, "localhost:5000");
	assert_string_equal(r, "a/b");
	assert_int_equal(reg_split_name("busybox", h, sizeof(h), r, sizeof(r)), -EINVAL);
	assert_int_equal(reg_split_name("/x", h, sizeof(h), r, sizeof(r)), -EINVAL);
	err_clear();
}

/* img_pull's refusals before (or at) the first connection, and nothing stored after them. */
static void test_pull_refusals(void **st)
{
	(void)st;
	char tmp[] = "/tmp/stockade-registry-XXXXXX", p[PATH_MAX];
	assert_non_null(mkdtemp(tmp));
	struct img_store s;
	snprintf(p, sizeof(p), "%s/store", tmp);
	assert_int_equal(img_store_open(p, &s), 0);
	char d[IMG_DIGEST_LEN + 1];
	struct img_pull_opts o = { 0 };
	assert_int_equal(img_pull(&s, "sha256:2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881", &o, d),
			 -EINVAL);
	assert_non_null(strstr(err_msg(), "names no repository"));
	/* nothing listens on port 1: the URL is named, plain http because it is loopback */
	assert_true(img_pull(&s, "127.0.0.1:1/x:v1", &o, d) < 0);
	assert_non_null(strstr(err_msg(), "http://127.0.0.1:1/v2/x/manifests/v1"));
	/* all of 127/8 is loopback; by digest, the digest is what is asked for */
	const char *ins[] = { "192.0.2.1:1", NULL };
	o.insecure_registries = ins;
	assert_true(img_pull(&s, "127.0.0.2:1/x@sha256:2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881",
			     &o, d) < 0);
	assert_non_null(strstr(err_msg(), "http://127.0.0.2:1/v2/x/manifests/sha256:2d71"));
	assert_int_equal(img_pull(&s, "x/Y:1", &o, d), -EINVAL);
	err_clear();
	img_store_close(&s);
	assert_int_equal(rm_rf_at(AT_FDCWD, tmp), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_challenge_bearer),
		cmocka_unit_test(test_challenge_basic_and_several),
		cmocka_unit_test(test_challenge_refused),
		cmocka_unit_test(test_token),
		cmocka_unit_test(test_error_text),
		cmocka_unit_test(test_auth_lookup),
		cmocka_unit_test(test_hosts),
		cmocka_unit_test(test_pull_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
