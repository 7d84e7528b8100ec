/* Reports: the exact text people read, and JSON/SARIF/JUnit that parse back with the documented fields. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <iconv.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "util/err.h"

static struct finding mk(const char *id, enum severity sev, const char *file, int line, int col, const char *path,
			 const char *container, const char *message)
{
	const struct rule *r = rule_find(id);
	assert_non_null(r);
	return (struct finding){
		.rule = r,
		.sev = sev,
		.at = { .file = file, .line = line, .col = col, .path = path },
		.container = container,
		.message = message,
	};
}

static char *render(enum report_format fmt, struct finding *v, size_t n, const struct report_opts *o)
{
	struct findings f = { .v = v, .n = n, .cap = n };
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	assert_non_null(m);
	int r = report_write(m, fmt, &f, o);
	if (r < 0)
		fail_msg("report_write: %s", err_msg());
	fclose(m);
	return buf;
}

/* Every line of `out`, in order, must equal `want` (NULL-terminated). */
static void assert_lines(const char *out, const char *const *want)
{
	const char *p = out;
	size_t i = 0;
	for (; want[i]; i++) {
		const char *nl = strchr(p, '\n');
		if (!nl)
			fail_msg("line %zu missing; wanted \"%s\" in:\n%s", i + 1, want[i], out);
		if ((size_t)(nl - p) != strlen(want[i]) || strncmp(p, want[i], (size_t)(nl - p)) != 0)
			fail_msg("line %zu is \"%.*s\"\n      wanted \"%s\"", i + 1, (int)(nl - p), p, want[i]);
		p = nl + 1;
	}
	if (*p)
		fail_msg("unexpected extra output after %zu lines: %s", i, p);
}

static bool valid_utf8(const char *s)
{
	iconv_t cd = iconv_open("UTF-8", "UTF-8");
	assert_true(cd != (iconv_t)-1);
	size_t inleft = strlen(s), outleft = 4 * inleft + 4;
	char *outbuf = malloc(outleft), *o = outbuf, *in = (char *)s;
	size_t r = iconv(cd, &in, &inleft, &o, &outleft);
	iconv_close(cd);
	free(outbuf);
	return r != (size_t)-1 && inleft == 0;
}

static struct json_object *parse_json(const char *s)
{
	if (!valid_utf8(s))
		fail_msg("output is not valid UTF-8:\n%s", s);
	struct json_tokener *tok = json_tokener_new();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	struct json_object *j = json_tokener_parse_ex(tok, s, (int)strlen(s));
	if (!j || json_tokener_get_error(tok) != json_tokener_success)
		fail_msg("output is not JSON (%s):\n%s", json_tokener_error_desc(json_tokener_get_error(tok)), s);
	json_tokener_free(tok);
	return j;
}

/* j.a.b[2].c: keys separated by '.', array indexes as numbers. NULL if absent. */
static struct json_object *jget(struct json_object *j, const char *path)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", path);
	char *save = NULL;
	for (char *k = strtok_r(buf, ".", &save); k && j; k = strtok_r(NULL, ".", &save)) {
		if (json_object_is_type(j, json_type_array))
			j = json_object_array_get_idx(j, (size_t)strtoul(k, NULL, 10));
		else if (!json_object_object_get_ex(j, k, &j))
			return NULL;
	}
	return j;
}

static const char *jstr(struct json_object *j, const char *path)
{
	struct json_object *v = jget(j, path);
	if (!v)
		fail_msg("%s is absent", path);
	return json_object_get_string(v);
}

static int64_t jint(struct json_object *j, const char *path)
{
	struct json_object *v = jget(j, path);
	if (!v || !json_object_is_type(v, json_type_int))
		fail_msg("%s is absent or not an integer", path);
	return json_object_get_int64(v);
}

/*
 * A small XML 1.0 well-formedness check for what junit.c writes: balanced
 * tags, quoted attributes without '<', entities that exist, no raw
 * control characters, valid UTF-8.
 */
static void assert_xml_ok(const char *x)
{
	if (!valid_utf8(x))
		fail_msg("XML is not valid UTF-8:\n%s", x);
	const char *stack[32];
	size_t depth = 0;
	for (const char *p = x; *p;) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			fail_msg("raw control character 0x%02x at offset %td", c, p - x);
		if (c == '&') {
			static const char *const ents[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#9;", "&#10;", "&#13;" };
			bool ok = false;
			for (size_t i = 0; i < sizeof(ents) / sizeof(*ents); i++)
				ok |= strncmp(p, ents[i], strlen(ents[i])) == 0;
			if (!ok)
				fail_msg("bad entity at offset %td: %.10s", p - x, p);
			p++;
			continue;
		}
		if (c == '>')
			fail_msg("stray '>' in text at offset %td", p - x);
		if (c != '<') {
			p++;
			continue;
		}
		if (p[1] == '?') {
			p = strstr(p, "?>");
			assert_non_null(p);
			p += 2;
			continue;
		}
		bool closing = p[1] == '/';
		const char *name = p + 1 + closing;
		size_t nlen = strcspn(name, " />");
		p = name + nlen;
		while (*p == ' ') { /* attributes: name="value" */
			p++;
			p += strcspn(p, "=/>");
			if (*p != '=' || p[1] != '"')
				fail_msg("unquoted attribute at offset %td", p - x);
			const char *end = strchr(p + 2, '"');
			assert_non_null(end);
			if (memchr(p + 2, '<', (size_t)(end - p - 2)))
				fail_msg("'<' in an attribute at offset %td", p - x);
			p = end + 1;
		}
		bool empty = *p == '/';
		p += empty;
		if (*p != '>')
			fail_msg("tag not closed at offset %td", p - x);
		p++;
		if (closing) {
			if (depth == 0 || strncmp(stack[depth - 1], name, nlen) != 0)
				fail_msg("unbalanced </%.*s>", (int)nlen, name);
			depth--;
		} else if (!empty) {
			assert_true(depth < 32);
			stack[depth++] = name;
		}
	}
	if (depth)
		fail_msg("unclosed <%.10s", stack[depth - 1]);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* --- the shared fixture: a compose file and an OCI config --- */

static const char *const files[] = { "compose.yaml", "config.json" };
static const enum wl_kind kinds[] = { WL_COMPOSE, WL_OCI };

static struct report_opts opts(void)
{
	return (struct report_opts){
		.tool = "stockade audit",
		.fail_on = SEV_HIGH,
		.files = files,
		.n_files = 2,
		.kinds = kinds,
	};
}

static size_t fixture(struct finding *v)
{
	v[0] = mk("STK102", SEV_CRITICAL, "compose.yaml", 4, 5, "services.web.privileged", "web", "privileged: true");
	v[1] = mk("STK101", SEV_HIGH, "compose.yaml", 3, 0, NULL, "web", "no user: runs as root");
	/* an OCI config's one container is named after the file: not repeated in messages */
	v[2] = mk("STK101", SEV_HIGH, "config.json", 0, 0, "process.user.uid", "config.json", "runs as uid 0 (host root)");
	v[3] = mk("STK103", SEV_MEDIUM, "compose.yaml", 3, 0, NULL, "web", "no-new-privileges is not set");
	v[3].suppressed = true;
	v[3].suppress_reason = "setuid ping is needed";
	return 4;
}

static void test_format_names(void **st)
{
	(void)st;
	assert_int_equal(report_format_from_name("text"), REPORT_TEXT);
	assert_int_equal(report_format_from_name("json"), REPORT_JSON);
	assert_int_equal(report_format_from_name("SARIF"), REPORT_SARIF);
	assert_int_equal(report_format_from_name("junit"), REPORT_JUNIT);
	assert_int_equal(report_format_from_name("xml"), -1);
	assert_int_equal(report_format_from_name(NULL), -1);
}

static void test_fix_for_kind(void **st)
{
	(void)st;
	struct finding fi = mk("STK101", SEV_HIGH, "x", 1, 0, NULL, NULL, "m");
	assert_string_equal(report_fix_for(&fi, WL_K8S), rule_find("STK101")->fix[WL_K8S]);
	/* STK102 has no Dockerfile fix: the OCI one is given */
	fi.rule = rule_find("STK102");
	assert_string_equal(report_fix_for(&fi, WL_DOCKERFILE), rule_find("STK102")->fix[WL_OCI]);
	/* host rules only have a fix for running containers */
	fi.rule = rule_find("STK803");
	assert_string_equal(report_fix_for(&fi, WL_OCI), rule_find("STK803")->fix[WL_PROC]);
}

static void test_text_lines(void **st)
{
	(void)st;
	struct finding v[4];
	size_t n = fixture(v);
	struct report_opts o = opts();
	char *out = render(REPORT_TEXT, v, n, &o);
	char fix_compose_102[512], fix_compose_101[512], fix_oci_101[512];
	snprintf(fix_compose_102, sizeof(fix_compose_102), "  fix: %s", rule_find("STK102")->fix[WL_COMPOSE]);
	snprintf(fix_compose_101, sizeof(fix_compose_101), "  fix: %s", rule_find("STK101")->fix[WL_COMPOSE]);
	snprintf(fix_oci_101, sizeof(fix_oci_101), "  fix: %s", rule_find("STK101")->fix[WL_OCI]);
	const char *const want[] = {
		"compose.yaml:4:5: critical STK102 privileged: privileged: true [container web] (at services.web.privileged)",
		fix_compose_102,
		"compose.yaml:3: high STK101 root-user: no user: runs as root [container web]",
		fix_compose_101,
		"config.json: process.user.uid: high STK101 root-user: runs as uid 0 (host root)",
		fix_oci_101,
		"stockade audit: 3 findings (1 critical, 2 high) in 2 files, 1 suppressed; failing at high or above: 3",
		NULL,
	};
	assert_lines(out, want);
	assert_null(strchr(out, '\033'));
	free(out);
}

static void test_text_suppressed_shown(void **st)
{
	(void)st;
	struct finding v[4];
	size_t n = fixture(v);
	struct report_opts o = opts();
	o.show_suppressed = true;
	o.fail_on = SEV_CRITICAL;
	char *out = render(REPORT_TEXT, v + 2, n - 2, &o);
	char fix[512];
	snprintf(fix, sizeof(fix), "  fix: %s", rule_find("STK101")->fix[WL_OCI]);
	const char *const want[] = {
		"config.json: process.user.uid: high STK101 root-user: runs as uid 0 (host root)",
		fix,
		"compose.yaml:3: medium STK103 privilege-escalation: no-new-privileges is not set [container web] "
		"(suppressed: setuid ping is needed)",
		"stockade audit: 1 finding (1 high) in 2 files, 1 suppressed; none at critical or above",
		NULL,
	};
	assert_lines(out, want);
	free(out);
}

static void test_text_clean_and_no_file_list(void **st)
{
	(void)st;
	struct report_opts o = opts();
	char *out = render(REPORT_TEXT, NULL, 0, &o);
	const char *const want[] = { "stockade audit: no findings in 2 files", NULL };
	assert_lines(out, want);
	free(out);

	/* without a file list, the files are those the findings name */
	struct finding v[4];
	size_t n = fixture(v);
	o.files = NULL;
	o.kinds = NULL;
	o.n_files = 0;
	o.tool = "stockade scan";
	out = render(REPORT_TEXT, v, n, &o);
	const char *last = strrchr(out, '\n');
	while (last > out && last[-1] != '\n')
		last--;
	assert_string_equal(last,
			    "stockade scan: 3 findings (1 critical, 2 high) in 2 files, 1 suppressed; failing at high or above: 3\n");
	/* no kinds: the OCI fix */
	char want_fix[512];
	snprintf(want_fix, sizeof(want_fix), "  fix: %s\n", rule_find("STK101")->fix[WL_OCI]);
	assert_non_null(strstr(out, want_fix));
	free(out);
}

static void test_text_colour(void **st)
{
	(void)st;
	struct finding v[4];
	size_t n = fixture(v);
	struct report_opts o = opts();
	o.colour = true;
	char *out = render(REPORT_TEXT, v, n, &o);
	assert_non_null(strstr(out, "compose.yaml:4:5: \033[1;31mcritical\033[0m STK102 privileged: "));
	assert_non_null(strstr(out, "config.json: process.user.uid: \033[31mhigh\033[0m STK101"));
	free(out);
}

/* A message quoting hostile input cannot drive the terminal. */
static void test_text_escapes_controls(void **st)
{
	(void)st;
	struct finding v = mk("STK601", SEV_HIGH, "x.env", 2, 0, NULL, "a\nb", "value \033[2J\x9b\xc2\x9b ok\xff");
	struct report_opts o = opts();
	char *out = render(REPORT_TEXT, &v, 1, &o);
	assert_non_null(strstr(out, "value \\x1b[2J\xef\xbf\xbd\\u009b ok\xef\xbf\xbd [container a\\x0ab]\n"));
	assert_null(strchr(out, '\033'));
	assert_true(valid_utf8(out));
	free(out);
}

static void test_json(void **st)
{
	(void)st;
	struct finding v[4];
	size_t n = fixture(v);
	struct report_opts o = opts();
	char *out = render(REPORT_JSON, v, n, &o);
	struct json_object *j = parse_json(out);
	assert_string_equal(jstr(j, "schema"), "https://stockade.dev/schemas/report/v1");
	assert_int_equal(jint(j, "version"), 1);
	assert_string_equal(jstr(j, "tool.name"), "stockade");
	assert_string_equal(jstr(j, "tool.version"), STOCKADE_VERSION);
	assert_string_equal(jstr(j, "tool.command"), "stockade audit");
	assert_string_equal(jstr(j, "files.0.path"), "compose.yaml");
	assert_string_equal(jstr(j, "files.0.kind"), "compose");
	assert_int_equal(jint(j, "files.0.findings"), 2);
	assert_int_equal(jint(j, "files.1.findings"), 1);

	assert_int_equal(json_object_array_length(jget(j, "findings")), 4); /* suppressed ones too */
	assert_string_equal(jstr(j, "findings.0.rule"), "STK102");
	assert_string_equal(jstr(j, "findings.0.name"), "privileged");
	assert_string_equal(jstr(j, "findings.0.severity"), "critical");
	assert_string_equal(jstr(j, "findings.0.default_severity"), "critical");
	assert_string_equal(jstr(j, "findings.0.level"), "baseline");
	assert_string_equal(jstr(j, "findings.0.file"), "compose.yaml");
	assert_int_equal(jint(j, "findings.0.line"), 4);
	assert_int_equal(jint(j, "findings.0.column"), 5);
	assert_string_equal(jstr(j, "findings.0.path"), "services.web.privileged");
	assert_string_equal(jstr(j, "findings.0.container"), "web");
	assert_string_equal(jstr(j, "findings.0.message"), "privileged: true");
	assert_string_equal(jstr(j, "findings.0.fix"), rule_find("STK102")->fix[WL_COMPOSE]);
	assert_false(json_object_get_boolean(jget(j, "findings.0.suppressed")));
	assert_null(jget(j, "findings.0.suppress_reason"));
	/* absent values are omitted, not null */
	assert_null(jget(j, "findings.1.column"));
	assert_null(jget(j, "findings.1.path"));
	assert_null(jget(j, "findings.2.line"));
	assert_string_equal(jstr(j, "findings.2.container"), "config.json"); /* JSON keeps it */
	assert_string_equal(jstr(j, "findings.2.fix"), rule_find("STK101")->fix[WL_OCI]);
	assert_true(json_object_get_boolean(jget(j, "findings.3.suppressed")));
	assert_string_equal(jstr(j, "findings.3.suppress_reason"), "setuid ping is needed");

	assert_int_equal(jint(j, "summary.total"), 3);
	assert_int_equal(jint(j, "summary.by_severity.critical"), 1);
	assert_int_equal(jint(j, "summary.by_severity.high"), 2);
	assert_int_equal(jint(j, "summary.by_severity.medium"), 0);
	assert_int_equal(jint(j, "summary.suppressed"), 1);
	assert_int_equal(jint(j, "summary.files"), 2);
	assert_string_equal(jstr(j, "summary.fail_on"), "high");
	assert_int_equal(jint(j, "summary.failing"), 3);
	assert_null(strstr(out, "\\/")); /* paths are not slash-escaped */
	json_object_put(j);
	free(out);
}

static struct json_object *sarif_rule_of(struct json_object *j, struct json_object *res)
{
	int64_t idx = json_object_get_int64(jget(res, "ruleIndex"));
	struct json_object *rules = jget(j, "runs.0.tool.driver.rules");
	assert_true(idx >= 0 && (size_t)idx < json_object_array_length(rules));
	return json_object_array_get_idx(rules, (size_t)idx);
}

static void test_sarif(void **st)
{
	(void)st;
	struct finding v[6];
	size_t n = fixture(v);
	v[n++] = mk("STK401", SEV_MEDIUM, "./k8s/dep loy.yaml", 9, 3, NULL, "app", "hostPort 80");
	v[n++] = mk("STK401", SEV_MEDIUM, "/srv/app/compose.yaml", 4, 5, NULL, "web", "port 80");
	struct report_opts o = opts();
	char *out = render(REPORT_SARIF, v, n, &o);
	struct json_object *j = parse_json(out);
	assert_string_equal(jstr(j, "$schema"), "https://json.schemastore.org/sarif-2.1.0.json");
	assert_string_equal(jstr(j, "version"), "2.1.0");
	assert_string_equal(jstr(j, "runs.0.tool.driver.name"), "stockade");
	assert_string_equal(jstr(j, "runs.0.tool.driver.semanticVersion"), STOCKADE_VERSION);
	assert_string_equal(jstr(j, "runs.0.tool.driver.informationUri"), "https://github.com/stockade/stockade");

	/* each rule once, in order of appearance, with its metadata */
	struct json_object *rules = jget(j, "runs.0.tool.driver.rules");
	assert_int_equal(json_object_array_length(rules), 4);
	assert_string_equal(jstr(rules, "0.id"), "STK102");
	assert_string_equal(jstr(rules, "0.properties.security-severity"), "9.5");
	assert_string_equal(jstr(rules, "0.defaultConfiguration.level"), "error");
	assert_string_equal(jstr(rules, "1.id"), "STK101");
	assert_string_equal(jstr(rules, "1.name"), "root-user");
	assert_string_equal(jstr(rules, "1.shortDescription.text"), rule_find("STK101")->summary);
	assert_string_equal(jstr(rules, "1.fullDescription.text"), rule_find("STK101")->why);
	assert_string_equal(jstr(rules, "1.properties.security-severity"), "8.0");
	assert_string_equal(jstr(rules, "1.properties.tags.0"), "security");
	assert_non_null(strstr(jstr(rules, "1.help.text"), rule_find("STK101")->fix[WL_K8S]));
	assert_non_null(strstr(jstr(rules, "1.help.markdown"), rule_find("STK101")->allow));
	assert_non_null(strstr(jstr(rules, "1.help.markdown"), "*Kubernetes*"));
	assert_string_equal(jstr(rules, "2.id"), "STK103");
	assert_string_equal(jstr(rules, "2.defaultConfiguration.level"), "warning");
	assert_string_equal(jstr(rules, "2.properties.security-severity"), "5.5");

	struct json_object *results = jget(j, "runs.0.results");
	assert_int_equal(json_object_array_length(results), 6); /* suppressed included */
	for (size_t i = 0; i < 5; i++) {
		struct json_object *res = json_object_array_get_idx(results, i);
		assert_string_equal(jstr(res, "ruleId"), jstr(sarif_rule_of(j, res), "id"));
		assert_true(jint(res, "locations.0.physicalLocation.region.startLine") >= 1);
		assert_non_null(jget(res, "partialFingerprints.stockade/v1"));
	}
	assert_string_equal(jstr(results, "0.level"), "error");
	assert_int_equal(jint(results, "0.locations.0.physicalLocation.region.startLine"), 4);
	assert_int_equal(jint(results, "0.locations.0.physicalLocation.region.startColumn"), 5);
	assert_string_equal(jstr(results, "0.locations.0.physicalLocation.artifactLocation.uri"), "compose.yaml");
	/* message + fix */
	assert_non_null(strstr(jstr(results, "0.message.text"), "privileged: true"));
	assert_non_null(strstr(jstr(results, "0.message.text"), rule_find("STK102")->fix[WL_COMPOSE]));
	/* no column known: none given */
	assert_null(jget(results, "1.locations.0.physicalLocation.region.startColumn"));
	/* only a JSON path: line 1, the path in the message */
	assert_int_equal(jint(results, "2.locations.0.physicalLocation.region.startLine"), 1);
	assert_null(jget(results, "2.locations.0.physicalLocation.region.startColumn"));
	assert_non_null(strstr(jstr(results, "2.message.text"), "process.user.uid"));
	/* suppressions */
	assert_null(jget(results, "0.suppressions"));
	assert_string_equal(jstr(results, "3.suppressions.0.kind"), "inSource");
	assert_string_equal(jstr(results, "3.suppressions.0.justification"), "setuid ping is needed");
	assert_string_equal(jstr(results, "3.level"), "warning");
	/* relative stays relative, without "./"; a space is percent-encoded */
	assert_string_equal(jstr(results, "4.locations.0.physicalLocation.artifactLocation.uri"), "k8s/dep%20loy.yaml");
	/* an absolute path is an absolute URI: a relative reference may not start with '/' (SARIF1004) */
	assert_string_equal(jstr(results, "5.locations.0.physicalLocation.artifactLocation.uri"), "file:///srv/app/compose.yaml");
	json_object_put(j);
	free(out);
}

static const char *fingerprint(struct finding *v, size_t n, size_t i)
{
	struct report_opts o = opts();
	char *out = render(REPORT_SARIF, v, n, &o);
	struct json_object *j = parse_json(out);
	char path[64];
	snprintf(path, sizeof(path), "runs.0.results.%zu.partialFingerprints.stockade/v1", i);
	static char fp[64];
	snprintf(fp, sizeof(fp), "%s", jstr(j, path));
	json_object_put(j);
	free(out);
	return fp;
}

/* The fingerprint follows the key path, not the line; repeats stay distinct. */
static void test_sarif_fingerprints(void **st)
{
	(void)st;
	struct finding v[2];
	v[0] = mk("STK101", SEV_HIGH, "./compose.yaml", 3, 5, "services.web.user", "web", "root");
	char a[64], b[64], c[64];
	snprintf(a, sizeof(a), "%s", fingerprint(v, 1, 0));
	v[0].at.line = 30;
	v[0].at.file = "compose.yaml";
	v[0].message = "root, said differently";
	snprintf(b, sizeof(b), "%s", fingerprint(v, 1, 0));
	assert_string_equal(a, b);
	v[0].at.path = "services.db.user";
	snprintf(c, sizeof(c), "%s", fingerprint(v, 1, 0));
	assert_string_not_equal(a, c);

	v[1] = v[0];
	snprintf(a, sizeof(a), "%s", fingerprint(v, 2, 0));
	snprintf(b, sizeof(b), "%s", fingerprint(v, 2, 1));
	assert_string_not_equal(a, b);
}

static void test_junit(void **st)
{
	(void)st;
	struct finding v[4];
	size_t n = fixture(v);
	v[1].sev = SEV_LOW; /* below fail_on: a passing testcase */
	const char *const three[] = { "compose.yaml", "config.json", "clean.yaml" };
	struct report_opts o = opts();
	o.files = three;
	o.n_files = 3;
	o.kinds = NULL;
	char *out = render(REPORT_JUNIT, v, n, &o);
	assert_xml_ok(out);
	assert_non_null(strstr(out, "<testsuites name=\"stockade\" tests=\"4\" failures=\"2\""));
	assert_non_null(strstr(out, "<testsuite name=\"compose.yaml\" tests=\"2\" failures=\"1\""));
	assert_non_null(strstr(out, "<testsuite name=\"config.json\" tests=\"1\" failures=\"1\""));
	assert_non_null(strstr(out, "<testsuite name=\"clean.yaml\" tests=\"1\" failures=\"0\""));
	assert_non_null(strstr(out, "<testcase classname=\"clean.yaml\" name=\"stockade\"/>"));
	assert_non_null(strstr(out, "<testcase classname=\"compose.yaml\" name=\"STK102 privileged (line 4)\">\n"
				    "      <failure type=\"critical\" message=\"privileged: true\">privileged: true "
				    "[container web] (at services.web.privileged)\nfix: "));
	assert_non_null(strstr(out, "name=\"STK101 root-user (line 3)\">\n      <system-out>no user: runs as root"));
	assert_non_null(strstr(out, "name=\"STK101 root-user (at process.user.uid)\""));
	assert_null(strstr(out, "STK103")); /* suppressed: not shown */
	assert_int_equal(count(out, "<testcase "), 4);
	free(out);

	o.show_suppressed = true;
	out = render(REPORT_JUNIT, v, n, &o);
	assert_xml_ok(out);
	assert_non_null(strstr(out, "<skipped message=\"suppressed: setuid ping is needed\"/>"));
	assert_non_null(strstr(out, "tests=\"5\" failures=\"2\" errors=\"0\" skipped=\"1\""));
	free(out);
}

static void test_junit_escapes(void **st)
{
	(void)st;
	struct finding v = mk("STK601", SEV_HIGH, "a&b<c>.yaml", 2, 0, NULL, "x'y",
			      "value <&>\"' bell\a nul-ish\x01 \xff end");
	struct report_opts o = opts();
	o.files = NULL;
	o.n_files = 0;
	char *out = render(REPORT_JUNIT, &v, 1, &o);
	assert_xml_ok(out);
	assert_non_null(strstr(out, "<testsuite name=\"a&amp;b&lt;c&gt;.yaml\""));
	assert_non_null(strstr(out, "message=\"value &lt;&amp;&gt;&quot;&apos; bell\xef\xbf\xbd nul-ish\xef\xbf\xbd "
				    "\xef\xbf\xbd end\""));
	assert_non_null(strstr(out, ">value &lt;&amp;&gt;\"' bell"));
	free(out);
}

/* Missing strings, a missing rule, a severity out of range and hostile
 * bytes: every format still writes, and writes valid JSON/XML. */
static void test_bad_strings(void **st)
{
	(void)st;
	struct finding v[3] = { 0 };
	v[0].sev = (enum severity)42; /* no rule, no file, no message */
	v[1] = mk("STK001", SEV_INFO, NULL, 0, 0, "metadata.annotations", NULL, NULL);
	v[1].suppressed = true; /* without a reason */
	v[2] = mk("STK000", SEV_HIGH, "bad\x01\xc0\xaf.json", -3, -1, "a\x7f\xed\xa0\x80", "\xf4\x90\x80\x80",
		  "unterminated \xe2\x82");
	struct report_opts o = { 0 };
	o.show_suppressed = true;
	for (int fmt = REPORT_TEXT; fmt <= REPORT_JUNIT; fmt++) {
		char *out = render((enum report_format)fmt, v, 3, &o);
		assert_true(valid_utf8(out));
		if (fmt == REPORT_JSON || fmt == REPORT_SARIF)
			json_object_put(parse_json(out));
		if (fmt == REPORT_JUNIT)
			assert_xml_ok(out);
		if (fmt == REPORT_TEXT)
			assert_non_null(strstr(out, "critical STK??? unknown-rule: a finding without a rule\n"));
		free(out);
	}
	/* no findings and no options at all */
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	assert_int_equal(report_write(m, REPORT_TEXT, NULL, NULL), 0);
	fclose(m);
	assert_string_equal(buf, "stockade: no findings\n");
	free(buf);
	struct findings f = { 0 };
	assert_true(report_write(stdout, (enum report_format)9, &f, &o) < 0);
}

/* A full disk is an error, not a silently truncated report. */
static void test_write_error(void **st)
{
	(void)st;
	struct finding v[4];
	size_t n = fixture(v);
	struct findings f = { .v = v, .n = n };
	struct report_opts o = opts();
	FILE *full = fopen("/dev/full", "w");
	if (!full)
		skip();
	setvbuf(full, NULL, _IONBF, 0);
	err_clear();
	assert_true(report_write(full, REPORT_JSON, &f, &o) < 0);
	assert_non_null(strstr(err_msg(), "writing the report"));
	fclose(full);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_names),
		cmocka_unit_test(test_fix_for_kind),
		cmocka_unit_test(test_text_lines),
		cmocka_unit_test(test_text_suppressed_shown),
		cmocka_unit_test(test_text_clean_and_no_file_list),
		cmocka_unit_test(test_text_colour),
		cmocka_unit_test(test_text_escapes_controls),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_sarif),
		cmocka_unit_test(test_sarif_fingerprints),
		cmocka_unit_test(test_junit),
		cmocka_unit_test(test_junit_escapes),
		cmocka_unit_test(test_bad_strings),
		cmocka_unit_test(test_write_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
