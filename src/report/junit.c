/*
 * JUnit XML, for CI systems that show test results but not SARIF: one
 * testsuite per input, one testcase per finding (failing at or above
 * fail_on, passing with the message in system-out below it), and one passing
 * testcase for an input with nothing to report, so every file checked shows
 * up as checked.  Suppressed findings appear as skipped with show_suppressed.
 *
 * XML 1.0 cannot carry most control characters even as references, so they
 * become U+FFFD, as does invalid UTF-8.
 */
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"
#include "util/macros.h"

/* Escaped text; in attributes, tab/newline/CR as references so that attribute
 * value normalisation does not turn them into spaces. */
static void put_xml(FILE *out, const char *s, bool attr)
{
	while (s && *s) {
		uint32_t cp;
		s += report_utf8_next(s, &cp);
		switch (cp) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs(attr ? "&quot;" : "\"", out); break;
		case '\'': fputs(attr ? "&apos;" : "'", out); break;
		case '\t': fputs(attr ? "&#9;" : "\t", out); break;
		case '\n': fputs(attr ? "&#10;" : "\n", out); break;
		case '\r': fputs("&#13;", out); break;
		default:
			/* XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF] */
			if (cp < 0x20 || cp == 0xFFFE || cp == 0xFFFF)
				cp = REPORT_REPLACEMENT;
			report_put_utf8(out, cp);
		}
	}
}

static void put_attr(FILE *out, const char *name, const char *value)
{
	fprintf(out, " %s=\"", name);
	put_xml(out, value, true);
	fputc('"', out);
}

/* The inputs, one suite each: opts->files in order, then files only the
 * findings name, then (NULL) for findings without a file.  Each finding's
 * suite is looked up once (slot), so the report is linear in its size. */
struct suites {
	const char **v;
	size_t n;
	bool has_null;
	size_t *slot;  /* per finding: its suite, n for the NULL suite */
	size_t *first; /* per suite (n+1 entries): start of its findings in `order` */
	size_t *order; /* finding indices grouped by suite, in their original order */
};

static void suites_collect(struct suites *s, const struct findings *f, const struct report_opts *o)
{
	size_t max = (o->files ? o->n_files : 0) + f->n;
	struct strmap idx = { 0 };
	s->v = calloc(max + 1, sizeof(*s->v));
	s->slot = calloc(f->n + 1, sizeof(*s->slot));
	s->order = calloc(f->n + 1, sizeof(*s->order));
	if (!s->v || !s->slot || !s->order)
		abort();
	for (size_t i = 0; o->files && i < o->n_files; i++)
		if (o->files[i] && strmap_put(&idx, o->files[i], s->n) == s->n)
			s->v[s->n++] = o->files[i];
	for (size_t i = 0; i < f->n; i++)
		if (f->v[i].at.file && strmap_put(&idx, f->v[i].at.file, s->n) == s->n)
			s->v[s->n++] = f->v[i].at.file;
	s->first = calloc(s->n + 2, sizeof(*s->first));
	if (!s->first)
		abort();
	for (size_t i = 0; i < f->n; i++) {
		s->slot[i] = f->v[i].at.file ? strmap_get(&idx, f->v[i].at.file) : s->n;
		s->has_null |= !f->v[i].at.file;
		s->first[s->slot[i] + 1]++;
	}
	for (size_t k = 0; k <= s->n; k++)
		s->first[k + 1] += s->first[k];
	size_t *fill = calloc(s->n + 1, sizeof(*fill));
	if (!fill)
		abort();
	for (size_t i = 0; i < f->n; i++)
		s->order[s->first[s->slot[i]] + fill[s->slot[i]]++] = i;
	free(fill);
	strmap_free(&idx);
}

static void suites_free(struct suites *s)
{
	free(s->v);
	free(s->slot);
	free(s->first);
	free(s->order);
}

static bool shown(const struct finding *fi, const struct report_opts *o)
{
	return !fi->suppressed || o->show_suppressed;
}

static bool failing(const struct finding *fi, const struct report_opts *o)
{
	return !fi->suppressed && report_sev(fi) >= o->fail_on;
}

struct tally {
	size_t tests, failures, skipped;
};

static struct tally suite_tally(const struct findings *f, const struct report_opts *o, const struct suites *s, size_t k)
{
	struct tally t = { 0 };
	for (size_t j = s->first[k]; j < s->first[k + 1]; j++) {
		const struct finding *fi = &f->v[s->order[j]];
		if (!shown(fi, o))
			continue;
		t.tests++;
		t.failures += failing(fi, o);
		t.skipped += fi->suppressed;
	}
	if (t.tests == 0)
		t.tests = 1; /* the passing "stockade" testcase */
	return t;
}

/* "STK101 root-user (line 3)", "(at process.user.uid)" when only a key path is known. */
static void testcase_name(FILE *out, const struct finding *fi)
{
	const struct rule *r = report_rule(fi);
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m)
		abort();
	fprintf(m, "%s %s", r->id, r->name);
	if (fi->at.line > 0)
		fprintf(m, " (line %d)", fi->at.line);
	else if (fi->at.path)
		fprintf(m, " (at %s)", fi->at.path);
	fclose(m);
	put_attr(out, "name", buf);
	free(buf);
}

/* Message, container and key path; then the fix when asked for. */
static void finding_text(FILE *out, const struct finding *fi, const struct report_opts *o, bool with_fix)
{
	put_xml(out, report_message(fi), false);
	if (report_container(fi)) {
		fputs(" [container ", out);
		put_xml(out, report_container(fi), false);
		fputc(']', out);
	}
	if (fi->at.path) {
		fputs(" (at ", out);
		put_xml(out, fi->at.path, false);
		fputc(')', out);
	}
	const char *fix = with_fix ? report_fix(o, fi) : NULL;
	if (fix) {
		fputs("\nfix: ", out);
		put_xml(out, fix, false);
	}
}

static void write_testcase(FILE *out, const struct finding *fi, const struct report_opts *o, const char *classname)
{
	fputs("    <testcase", out);
	put_attr(out, "classname", classname);
	testcase_name(out, fi);
	fputs(">\n", out);
	if (fi->suppressed) {
		fputs("      <skipped", out);
		char *why = NULL;
		if (fi->suppress_reason && *fi->suppress_reason && asprintf(&why, "suppressed: %s", fi->suppress_reason) < 0)
			abort();
		put_attr(out, "message", why ? why : "suppressed");
		free(why);
		fputs("/>\n", out);
	} else if (failing(fi, o)) {
		fputs("      <failure", out);
		put_attr(out, "type", severity_names[report_sev(fi)]);
		put_attr(out, "message", report_message(fi));
		fputc('>', out);
		finding_text(out, fi, o, true);
		fputs("</failure>\n", out);
	} else {
		fputs("      <system-out>", out);
		finding_text(out, fi, o, true);
		fputs("</system-out>\n", out);
	}
	fputs("    </testcase>\n", out);
}

static void write_suite(FILE *out, const struct findings *f, const struct report_opts *o, const struct suites *s, size_t k)
{
	const char *file = k < s->n ? s->v[k] : NULL;
	const char *name = file ? file : o->tool ? o->tool : "stockade";
	struct tally t = suite_tally(f, o, s, k);
	fputs("  <testsuite", out);
	put_attr(out, "name", name);
	fprintf(out, " tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\">\n", t.tests, t.failures, t.skipped);
	bool any = false;
	for (size_t j = s->first[k]; j < s->first[k + 1]; j++) {
		const struct finding *fi = &f->v[s->order[j]];
		if (shown(fi, o)) {
			write_testcase(out, fi, o, name);
			any = true;
		}
	}
	if (!any) {
		fputs("    <testcase", out);
		put_attr(out, "classname", name);
		fputs(" name=\"stockade\"/>\n", out);
	}
	fputs("  </testsuite>\n", out);
}

void report_write_junit(FILE *out, const struct findings *f, const struct report_opts *o)
{
	struct suites s = { 0 };
	suites_collect(&s, f, o);
	struct tally all = { 0 };
	for (size_t i = 0; i <= s.n; i++) {
		if (i == s.n && !s.has_null)
			break;
		struct tally t = suite_tally(f, o, &s, i);
		all.tests += t.tests;
		all.failures += t.failures;
		all.skipped += t.skipped;
	}
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"stockade\"", out);
	fprintf(out, " tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\">\n", all.tests, all.failures,
		all.skipped);
	for (size_t i = 0; i < s.n; i++)
		write_suite(out, f, o, &s, i);
	if (s.has_null)
		write_suite(out, f, o, &s, s.n);
	fputs("</testsuites>\n", out);
	suites_free(&s);
}
