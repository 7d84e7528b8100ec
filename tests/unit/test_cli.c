/* Command-line parsing: the spellings runc's users and engines use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cli.h"

static bool detach, force;
static const char *bundle, *pidfile;
static int nfds;
static struct strv envs;

static const struct opt opts[] = {
	{ "bundle", 'b', OPT_STR, &bundle, "DIR", "bundle" },
	{ "pid-file", 0, OPT_STR, &pidfile, "FILE", "pid file" },
	{ "detach", 'd', OPT_FLAG, &detach, NULL, "detach" },
	{ "force", 'f', OPT_FLAG, &force, NULL, "force" },
	{ "preserve-fds", 0, OPT_INT, &nfds, "N", "fds" },
	{ "env", 'e', OPT_STRV, &envs, "K=V", "env" },
};
static const struct cmd_help help = { "x [OPTIONS] ID", "test", NULL };

static int reset(void **state)
{
	(void)state;
	detach = force = false;
	bundle = pidfile = NULL;
	nfds = 0;
	strv_free(&envs);
	return 0;
}

static int parse(char **argv, int argc, char ***pos, int *npos, bool stop)
{
	return cli_parse(argc, argv, opts, sizeof(opts) / sizeof(opts[0]), &help, stop, pos, npos);
}

static void test_spellings(void **state)
{
	(void)state;
	char *argv[] = { "create", "--bundle=/b", "-d", "--pid-file", "/p", "ID", "-preserve-fds", "3", "-e", "A=1", "--env=B=2", NULL };
	char **pos;
	int npos;
	assert_int_equal(parse(argv, 11, &pos, &npos, false), 0);
	assert_string_equal(bundle, "/b");
	assert_string_equal(pidfile, "/p");
	assert_true(detach);
	assert_false(force);
	assert_int_equal(nfds, 3);
	assert_int_equal(npos, 1);
	assert_string_equal(pos[0], "ID");
	assert_int_equal(envs.n, 2);
	assert_string_equal(envs.v[0], "A=1");
	assert_string_equal(envs.v[1], "B=2");
	free(pos);
}

static void test_options_after_positional_and_dashdash(void **state)
{
	(void)state;
	char *argv[] = { "delete", "ID", "--force", "--", "--not-an-option", NULL };
	char **pos;
	int npos;
	assert_int_equal(parse(argv, 5, &pos, &npos, false), 0);
	assert_true(force);
	assert_int_equal(npos, 2);
	assert_string_equal(pos[1], "--not-an-option");
	free(pos);
}

static void test_stop_at_positional(void **state)
{
	(void)state;
	/* exec ID ls -d: "-d" belongs to the program, not to us */
	char *argv[] = { "exec", "ID", "ls", "-d", NULL };
	char **pos;
	int npos;
	assert_int_equal(parse(argv, 4, &pos, &npos, true), 0);
	assert_false(detach);
	assert_int_equal(npos, 3);
	assert_string_equal(pos[2], "-d");
	free(pos);
}

static void test_usage_errors(void **state)
{
	(void)state;
	char **pos;
	int npos;
	char *a1[] = { "create", "--bogus", NULL };
	assert_true(parse(a1, 2, &pos, &npos, false) < 0);
	char *a2[] = { "create", "--bundle", NULL };
	assert_true(parse(a2, 2, &pos, &npos, false) < 0);
	char *a3[] = { "create", "--preserve-fds", "three", NULL };
	assert_true(parse(a3, 3, &pos, &npos, false) < 0);
	char *a4[] = { "create", "--detach=maybe", NULL };
	assert_true(parse(a4, 2, &pos, &npos, false) < 0);
}

static void test_help(void **state)
{
	(void)state;
	char **pos;
	int npos;
	char *a[] = { "create", "--help", NULL };
	FILE *saved = stdout;
	stdout = fopen("/dev/null", "w");
	int r = parse(a, 2, &pos, &npos, false);
	fclose(stdout);
	stdout = saved;
	assert_int_equal(r, 1);
}

/* stderr into a temporary file while a parse runs: the usage error it printed. */
static FILE *cap;
static int saved_stderr;

static void capture_begin(void)
{
	cap = tmpfile();
	assert_non_null(cap);
	fflush(stderr);
	saved_stderr = dup(STDERR_FILENO);
	assert_true(saved_stderr >= 0);
	assert_true(dup2(fileno(cap), STDERR_FILENO) >= 0);
}

static void capture_end(char *err, size_t errlen)
{
	fflush(stderr);
	assert_true(dup2(saved_stderr, STDERR_FILENO) >= 0);
	close(saved_stderr);
	rewind(cap);
	size_t n = fread(err, 1, errlen - 1, cap);
	err[n] = '\0';
	fclose(cap);
}

static const char *parse_one(char **argv, int argc, int *rc, char *err, size_t errlen)
{
	capture_begin();
	const char *one = cli_parse_one(argc, argv, opts, sizeof(opts) / sizeof(opts[0]), &help, "container ID", rc);
	capture_end(err, errlen);
	return one;
}

static int parse_capture(char **argv, int argc, const struct opt *o, size_t no, char ***pos, int *npos, char *err,
			 size_t errlen)
{
	capture_begin();
	int r = cli_parse(argc, argv, o, no, &help, false, pos, npos);
	capture_end(err, errlen);
	return r;
}

static void test_choice_and_no_positionals(void **state)
{
	(void)state;
	const char *format = "table", *level = NULL;
	const struct opt o[] = {
		{ "format", 'f', OPT_CHOICE, &format, "table|json", "format" },
		{ "level", 0, OPT_CHOICE, &level, "low|medium|high", "level" },
	};
	char err[1024];
	char **pos;
	int npos;
	char *ok[] = { "list", "-f", "json", "--level=high", NULL };
	assert_int_equal(parse_capture(ok, 4, o, 2, NULL, NULL, err, sizeof(err)), 0);
	assert_string_equal(format, "json");
	assert_string_equal(level, "high");
	/* a prefix or an extension of a choice is not that choice */
	char *bad1[] = { "list", "--format", "jso", NULL };
	assert_true(parse_capture(bad1, 3, o, 2, NULL, NULL, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "list: --format is table or json, found \"jso\""));
	char *bad2[] = { "list", "--level", "highest", NULL };
	assert_true(parse_capture(bad2, 3, o, 2, NULL, NULL, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "--level is low, medium or high, found \"highest\""));
	char *bad3[] = { "list", "--format=", NULL };
	assert_true(parse_capture(bad3, 2, o, 2, NULL, NULL, err, sizeof(err)) < 0);
	/* pos NULL: the command takes no positional argument */
	char *extra[] = { "list", "-f", "table", "stray", NULL };
	assert_true(parse_capture(extra, 4, o, 2, NULL, NULL, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "list: unexpected argument \"stray\": this command takes none"));
	char *dashdash[] = { "list", "--", "-x", NULL };
	assert_true(parse_capture(dashdash, 3, o, 2, NULL, NULL, err, sizeof(err)) < 0);
	/* with pos, the same argument is collected */
	assert_int_equal(parse_capture(extra, 4, o, 2, &pos, &npos, err, sizeof(err)), 0);
	assert_int_equal(npos, 1);
	assert_string_equal(pos[0], "stray");
	free(pos);
}

static void test_parse_one(void **state)
{
	(void)state;
	char err[1024];
	int rc = -1;
	char *ok[] = { "start", "-d", "abc", "--bundle", "/b", NULL };
	const char *one = parse_one(ok, 5, &rc, err, sizeof(err));
	assert_non_null(one);
	assert_ptr_equal(one, ok[2]); /* a pointer into argv: nothing to free */
	assert_true(detach);
	assert_string_equal(bundle, "/b");
	assert_string_equal(err, "");

	char *none[] = { "start", "-d", NULL };
	assert_null(parse_one(none, 2, &rc, err, sizeof(err)));
	assert_int_equal(rc, EXIT_USAGE);
	assert_non_null(strstr(err, "start: the container ID is missing"));

	char *two[] = { "state", "a", "b", NULL };
	assert_null(parse_one(two, 3, &rc, err, sizeof(err)));
	assert_int_equal(rc, EXIT_USAGE);
	assert_non_null(strstr(err, "state: expected one container ID, found 2 arguments"));

	char *bad[] = { "state", "--bogus", "a", NULL };
	assert_null(parse_one(bad, 3, &rc, err, sizeof(err)));
	assert_int_equal(rc, EXIT_USAGE);
	assert_non_null(strstr(err, "unknown option --bogus"));

	char *help_[] = { "state", "--help", NULL };
	FILE *saved = stdout;
	stdout = fopen("/dev/null", "w");
	one = parse_one(help_, 2, &rc, err, sizeof(err));
	fclose(stdout);
	stdout = saved;
	assert_null(one);
	assert_int_equal(rc, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_spellings, reset, reset),
		cmocka_unit_test_setup_teardown(test_options_after_positional_and_dashdash, reset, reset),
		cmocka_unit_test_setup_teardown(test_stop_at_positional, reset, reset),
		cmocka_unit_test_setup_teardown(test_usage_errors, reset, reset),
		cmocka_unit_test_setup_teardown(test_help, reset, reset),
		cmocka_unit_test_setup_teardown(test_parse_one, reset, reset),
		cmocka_unit_test_setup_teardown(test_choice_and_no_positionals, reset, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
