/* YAML reading: documents, merge keys, booleans, and what bad input gets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/yamlr.h"

static void test_documents_and_merge_keys(void **st)
{
	(void)st;
	const char *t = "a: 1\n---\nx-base: &b {image: nginx, user: \"1000\"}\nweb:\n  <<: *b\n  user: \"0\"\n  ok: yes\n";
	struct yamlr y;
	assert_int_equal(yamlr_load(t, strlen(t), "f.yaml", &y), 0);
	assert_int_equal(y.n_docs, 2);
	yaml_document_t *d = &y.docs[1];
	yaml_node_t *web = yamlr_get(d, yamlr_root(&y, 1), "web");
	assert_string_equal(yamlr_str(yamlr_get(d, web, "image")), "nginx"); /* from the merge key */
	assert_string_equal(yamlr_str(yamlr_get(d, web, "user")), "0");     /* its own key wins */
	assert_int_equal(yamlr_bool(yamlr_get(d, web, "ok")), 1);
	assert_int_equal(yamlr_line(yamlr_get_key(d, web, "user")), 6);
	assert_null(yamlr_get(d, web, "absent"));
	yamlr_free(&y);
}

static void test_syntax_error_names_file_line_column(void **st)
{
	(void)st;
	const char *t = "a: 1\nb: [1, 2\nc: 3\n";
	struct yamlr y;
	err_clear();
	assert_true(yamlr_load(t, strlen(t), "bad.yaml", &y) < 0);
	assert_non_null(strstr(err_msg(), "bad.yaml:"));
	assert_non_null(strstr(err_msg(), "invalid YAML"));
	assert_int_equal(y.n_docs, 0);
}

/* "[[[[..." is quadratic in libyaml: refused past 512 levels */
static void test_deep_nesting_is_refused_in_linear_time(void **st)
{
	(void)st;
	size_t n = 100000;
	char *t = malloc(n + 16);
	assert_non_null(t);
	memcpy(t, "a: ", 3);
	for (size_t i = 0; i < n; i++) /* (a loop: GCC's FORTIFY+ASan bounds check misreads the memset) */
		t[3 + i] = '[';
	t[n + 3] = '\0';
	struct yamlr y; /* (the quadratic path took minutes: meson's 120 s timeout catches a regression) */
	err_clear();
	assert_true(yamlr_load(t, strlen(t), "deep.yaml", &y) < 0);
	assert_non_null(strstr(err_msg(), "nested deeper than 512 levels"));
	free(t);
	/* 300 levels are fine */
	char small[700];
	memset(small, '[', 300);
	memset(small + 300, ']', 300);
	small[600] = '\0';
	assert_int_equal(yamlr_load(small, strlen(small), "ok.yaml", &y), 0);
	yamlr_free(&y);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_documents_and_merge_keys),
		cmocka_unit_test(test_syntax_error_names_file_line_column),
		cmocka_unit_test(test_deep_nesting_is_refused_in_linear_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
