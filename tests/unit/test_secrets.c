/*
 * The io.stockade.secrets annotation parser (pure: no file is read) and the
 * loader's refusals of sources that are not small regular files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/secrets.h"
#include "util/err.h"

static void bad(const char *json, const char *want)
{
	struct secrets s;
	err_clear();
	int r = secrets_parse(json, "config.json", &s);
	if (r != -EINVAL)
		fail_msg("%s: expected -EINVAL, got %d (%s)", json, r, err_msg());
	if (!strstr(err_msg(), want) || !strstr(err_msg(), "config.json: annotations.io.stockade.secrets"))
		fail_msg("%s: message \"%s\" lacks \"%s\"", json, err_msg(), want);
	assert_null(s.v);
	assert_int_equal(s.n, 0);
}

static void test_parse_ok(void **st)
{
	(void)st;
	struct secrets s;
	assert_int_equal(secrets_parse("[]", "config.json", &s), 0);
	assert_int_equal(s.n, 0);
	secrets_free(&s);
	assert_int_equal(secrets_parse("[{\"name\":\"db\",\"source\":\"/etc/db\"},"
				       "{\"source\":\"/x/y z\",\"name\":\"A.b_c-9\"}]", "config.json", &s), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.v[0].name, "db");
	assert_string_equal(s.v[0].source, "/etc/db");
	assert_string_equal(s.v[1].name, "A.b_c-9");
	assert_string_equal(s.v[1].source, "/x/y z");
	assert_null(s.v[0].data);
	secrets_free(&s);
	assert_null(s.v);
	/* names that only look odd are fine */
	assert_int_equal(secrets_parse("[{\"name\":\"...\",\"source\":\"/a\"},{\"name\":\".env\",\"source\":\"/a\"}]",
				       "config.json", &s), 0);
	secrets_free(&s);
}

static void test_parse_refused(void **st)
{
	(void)st;
	bad("{}", "expected an array");
	bad("\"x\"", "expected an array");
	bad("[1]", "secrets[0]: expected an object");
	bad("[{\"name\":\"a\",\"source\":\"/a\"}, null]", "secrets[1]: expected an object");
	bad("[{\"source\":\"/a\"}]", "secrets[0].name is missing");
	bad("[{\"name\":\"a\"}]", "secrets[0].source is missing");
	bad("[{\"name\":\"a/b\",\"source\":\"/a\"}]", "secrets[0].name: \"a/b\" is not a file name");
	bad("[{\"name\":\".\",\"source\":\"/a\"}]", "secrets[0].name");
	bad("[{\"name\":\"..\",\"source\":\"/a\"}]", "secrets[0].name");
	bad("[{\"name\":\"\",\"source\":\"/a\"}]", "secrets[0].name");
	bad("[{\"name\":\"a b\",\"source\":\"/a\"}]", "not a file name");
	bad("[{\"name\":\"a\\u0000b\",\"source\":\"/a\"}]", "NUL");
	bad("[{\"name\":\"a\",\"source\":\"a\"}]", "secrets[0].source: \"a\" is not an absolute path");
	bad("[{\"name\":\"a\",\"source\":\"\"}]", "not an absolute path");
	bad("[{\"name\":1,\"source\":\"/a\"}]", "secrets[0].name: expected a string");
	bad("[{\"name\":\"a\",\"source\":[\"/a\"]}]", "secrets[0].source: expected a string");
	bad("[{\"name\":\"a\",\"source\":\"/a\",\"uid\":0}]", "secrets[0].uid: unknown field");
	bad("[{\"name\":\"a\",\"source\":\"/a\"},{\"name\":\"a\",\"source\":\"/b\"}]", "secrets[1].name: \"a\" is already");
	bad("[{\"name\":", "annotations.io.stockade.secrets");
	bad("", "annotations.io.stockade.secrets");
	char many[8192] = "[";
	for (int i = 0; i <= SECRETS_MAX; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "%s{\"name\":\"n%d\",\"source\":\"/a\"}",
			 i ? "," : "", i);
	strcat(many, "]");
	bad(many, "at most 64");
}

static void test_load_sources(void **st)
{
	(void)st;
	char dir[] = "/tmp/stockade-secrets-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char small[128], big[128], fifo[128], json[1024];
	snprintf(small, sizeof(small), "%s/small", dir);
	snprintf(big, sizeof(big), "%s/big", dir);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	FILE *f = fopen(small, "w");
	fputs("hunter2", f);
	fclose(f);
	int fd = open(big, O_WRONLY | O_CREAT, 0600);
	assert_int_equal(ftruncate(fd, SECRET_MAX_SIZE + 1), 0);
	close(fd);
	assert_int_equal(mkfifo(fifo, 0600), 0);

	struct oci_spec spec = { 0 };
	struct kv ann;
	spec.config_path = "config.json";
	spec.annotations = &ann;
	spec.n_annotations = 1;
	ann.key = (char *)SECRETS_ANNOTATION;
	ann.value = json;
	struct secrets s;

	snprintf(json, sizeof(json), "[{\"name\":\"a\",\"source\":\"%s\"}]", small);
	assert_int_equal(secrets_load(&spec, &s), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.v[0].len, 7);
	assert_memory_equal(s.v[0].data, "hunter2", 7);
	secrets_free(&s);

	const char *refused[][2] = { { big, "at most 1048576" }, { fifo, "not a regular file" }, { dir, "not a regular file" } };
	for (size_t i = 0; i < 3; i++) {
		snprintf(json, sizeof(json), "[{\"name\":\"a\",\"source\":\"%s\"},{\"name\":\"b\",\"source\":\"%s\"}]", small,
			 refused[i][0]);
		err_clear();
		assert_true(secrets_load(&spec, &s) < 0);
		if (!strstr(err_msg(), refused[i][1]) || !strstr(err_msg(), "secrets[1].source"))
			fail_msg("%s: %s", refused[i][0], err_msg());
		assert_null(s.v);
	}
	/* no annotation: nothing to do */
	spec.n_annotations = 0;
	assert_int_equal(secrets_load(&spec, &s), 0);
	assert_int_equal(s.n, 0);

	unlink(small);
	unlink(big);
	unlink(fifo);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_refused),
		cmocka_unit_test(test_load_sources),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
