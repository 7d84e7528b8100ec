/*
 * Reports: the format dispatch, what every writer shares (report_internal.h),
 * the text report people read and the JSON report scripts read
 * (docs/report-schema.md).  SARIF is in sarif.c, JUnit XML in junit.c.
 *
 * Findings carry strings that came from the input (container names, key
 * paths, values quoted in messages), so nothing here trusts them: NULLs are
 * skipped, invalid UTF-8 becomes U+FFFD, and the text report shows control
 * characters as escapes instead of sending them to the terminal.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "report/report_internal.h"
#include "util/err.h"

#define REPORT_SCHEMA "https://stockade.dev/schemas/report/v1"
#define REPORT_SCHEMA_VERSION 1

static const char *const format_names[] = {
	[REPORT_TEXT] = "text", [REPORT_JSON] = "json", [REPORT_SARIF] = "sarif", [REPORT_JUNIT] = "junit",
};

int report_format_from_name(const char *s)
{
	for (size_t i = 0; s && i < ARRAY_SIZE(format_names); i++)
		if (strcasecmp(s, format_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *const report_kind_labels[WL__KINDS] = {
	[WL_OCI] = "OCI config.json", [WL_DOCKERFILE] = "Dockerfile", [WL_COMPOSE] = "Compose",
	[WL_K8S] = "Kubernetes",      [WL_DOCKER_RUN] = "docker run", [WL_PROC] = "running container",
};

/* What a finding without a rule (a bug upstream) is reported as, rather than crashing. */
static const struct rule unknown_rule = {
	.id = "STK???",
	.name = "unknown-rule",
	.sev = SEV_HIGH,
	.level = LEVEL_PRIVILEGED,
	.summary = "a finding without a rule",
	.why = "stockade produced a finding it cannot name; please report it",
};

const struct rule *report_rule(const struct finding *fi)
{
	return fi->rule ? fi->rule : &unknown_rule;
}

enum severity report_sev(const struct finding *fi)
{
	return (unsigned)fi->sev < SEV__MAX ? fi->sev : SEV_CRITICAL;
}

const char *report_message(const struct finding *fi)
{
	if (fi->message && *fi->message)
		return fi->message;
	return report_rule(fi)->summary ? report_rule(fi)->summary : "";
}

const char *report_container(const struct finding *fi)
{
	const char *c = fi->container, *file = fi->at.file;
	if (!c || !*c)
		return NULL;
	if (file) {
		const char *base = strrchr(file, '/');
		if (strcmp(c, file) == 0 || (base && strcmp(c, base + 1) == 0))
			return NULL;
	}
	return c;
}

/*
 * The fix written for the input's kind; then the OCI one (as report.h
 * promises); then whichever kind has one, since a rule written for a single
 * kind (the host rules: WL_PROC only) still has advice for a finding whose
 * input is unknown.
 */
const char *report_fix_for(const struct finding *fi, enum wl_kind kind)
{
	const struct rule *r = fi->rule;
	if (!r)
		return NULL;
	if ((unsigned)kind < WL__KINDS && r->fix[kind])
		return r->fix[kind];
	if (r->fix[WL_OCI])
		return r->fix[WL_OCI];
	for (int k = 0; k < WL__KINDS; k++)
		if (r->fix[k])
			return r->fix[k];
	return NULL;
}

static __thread struct strmap file_index;
static __thread const struct report_opts *file_index_opts;

void report_index_files(const struct report_opts *o)
{
	report_index_clear();
	for (size_t i = 0; o->files && i < o->n_files; i++)
		if (o->files[i])
			strmap_put(&file_index, o->files[i], i);
	file_index_opts = o;
}

void report_index_clear(void)
{
	strmap_free(&file_index);
	file_index_opts = NULL;
}

enum wl_kind report_kind_of(const struct report_opts *o, const char *file)
{
	if (!file || !o->files || !o->kinds)
		return WL_OCI;
	size_t i = SIZE_MAX;
	if (file_index_opts == o) {
		i = strmap_get(&file_index, file);
	} else {
		for (size_t k = 0; k < o->n_files && i == SIZE_MAX; k++)
			if (o->files[k] && strcmp(o->files[k], file) == 0)
				i = k;
	}
	if (i == SIZE_MAX)
		return WL_OCI;
	return (unsigned)o->kinds[i] < WL__KINDS ? o->kinds[i] : WL_OCI;
}

const char *report_fix(const struct report_opts *o, const struct finding *fi)
{
	return report_fix_for(fi, report_kind_of(o, fi->at.file));
}


void report_count(const struct findings *f, const struct report_opts *o, struct report_counts *c)
{
	memset(c, 0, sizeof(*c));
	c->files = o->files ? o->n_files : 0;
	struct strmap seen = { 0 };
	for (size_t i = 0; i < f->n; i++) {
		const struct finding *fi = &f->v[i];
		if (!o->files && fi->at.file && strmap_put(&seen, fi->at.file, i) == i)
			c->files++;
		if (fi->suppressed) {
			c->suppressed++;
			continue;
		}
		c->total++;
		c->by_sev[report_sev(fi)]++;
		c->failing += report_sev(fi) >= o->fail_on;
	}
	strmap_free(&seen);
}

/* --- UTF-8 --- */

static bool cont(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

size_t report_utf8_next(const char *str, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char c = s[0];
	*cp = REPORT_REPLACEMENT;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	/* Overlongs (C0, C1, E0 80-9F, F0 80-8F), surrogates (ED A0-BF) and
	 * code points above U+10FFFF (F4 90-, F5-) are refused by the bounds
	 * on the second byte, as in RFC 3629's table. */
	size_t n;
	unsigned char lo = 0x80, hi = 0xBF;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		lo = c == 0xE0 ? 0xA0 : 0x80;
		hi = c == 0xED ? 0x9F : 0xBF;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		lo = c == 0xF0 ? 0x90 : 0x80;
		hi = c == 0xF4 ? 0x8F : 0xBF;
	} else
		return 1;
	if (s[1] < lo || s[1] > hi)
		return 1;
	for (size_t i = 2; i < n; i++)
		if (!cont(s[i]))
			return 1;
	uint32_t v = c & (0xFF >> (n + 1));
	for (size_t i = 1; i < n; i++)
		v = v << 6 | (s[i] & 0x3F);
	*cp = v;
	return n;
}

void report_put_utf8(FILE *out, uint32_t cp)
{
	if (cp < 0x80)
		fputc((int)cp, out);
	else if (cp < 0x800)
		fprintf(out, "%c%c", 0xC0 | cp >> 6, 0x80 | (cp & 0x3F));
	else if (cp < 0x10000)
		fprintf(out, "%c%c%c", 0xE0 | cp >> 12, 0x80 | (cp >> 6 & 0x3F), 0x80 | (cp & 0x3F));
	else
		fprintf(out, "%c%c%c%c", 0xF0 | cp >> 18, 0x80 | (cp >> 12 & 0x3F), 0x80 | (cp >> 6 & 0x3F),
			0x80 | (cp & 0x3F));
}

char *report_utf8_clean(const char *s)
{
	if (!s)
		return NULL;
	/* the common case: plain ASCII, nothing to clean */
	const char *q = s;
	while (*q > 0 && *q < 0x7f)
		q++;
	if (!*q) {
		char *copy = strdup(s);
		if (!copy)
			abort();
		return copy;
	}
	/* Every invalid byte becomes three: at most three times as long. */
	size_t len = strlen(s);
	char *out = malloc(3 * len + 1);
	if (!out)
		abort();
	char *p = out;
	while (*s) {
		uint32_t cp;
		size_t n = report_utf8_next(s, &cp);
		if (cp == REPORT_REPLACEMENT && n == 1) {
			memcpy(p, "\xEF\xBF\xBD", 3);
			p += 3;
		} else {
			memcpy(p, s, n);
			p += n;
		}
		s += n;
	}
	*p = '\0';
	return out;
}

/* --- JSON helpers (json-c escapes control characters; it does not check UTF-8) --- */

void report_json_add_str(struct json_object *obj, const char *key, const char *s)
{
	if (!s)
		return;
	_cleanup_free_ char *clean = report_utf8_clean(s);
	json_object_object_add(obj, key, json_object_new_string(clean));
}

void report_json_write(FILE *out, struct json_object *doc)
{
	fputs(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
							   JSON_C_TO_STRING_NOSLASHESCAPE),
	      out);
	fputc('\n', out);
}

/* --- text --- */

static const char *const sev_colour[SEV__MAX] = {
	[SEV_INFO] = "\033[2m", [SEV_LOW] = "\033[36m", [SEV_MEDIUM] = "\033[33m",
	[SEV_HIGH] = "\033[31m", [SEV_CRITICAL] = "\033[1;31m",
};

/* Text meant for a terminal: control characters (C0, DEL, C1) are shown as
 * escapes so that a message cannot move the cursor or recolour the screen. */
static void put_text(FILE *out, const char *s)
{
	while (s && *s) {
		/* printable ASCII goes out in one write */
		const char *run = s;
		while (*s >= 0x20 && *s < 0x7f)
			s++;
		if (s > run)
			fwrite(run, 1, (size_t)(s - run), out);
		if (!*s)
			break;
		uint32_t cp;
		s += report_utf8_next(s, &cp);
		if (cp < 0x20 || cp == 0x7F)
			fprintf(out, "\\x%02x", (unsigned)cp);
		else if (cp >= 0x80 && cp < 0xA0)
			fprintf(out, "\\u%04x", (unsigned)cp);
		else
			report_put_utf8(out, cp);
	}
}

/* "FILE:LINE:COL: ", or "FILE: PATH: " when only a key path is known.
 * Returns whether the path was shown (so it is not repeated as "(at PATH)"). */
static bool text_location(FILE *out, const struct wl_loc *at)
{
	bool path_shown = false;
	if (at->file) {
		put_text(out, at->file);
		if (at->line > 0) {
			fprintf(out, ":%d", at->line);
			if (at->col > 0)
				fprintf(out, ":%d", at->col);
		}
		fputs(": ", out);
	}
	if ((!at->file || at->line <= 0) && at->path) {
		put_text(out, at->path);
		fputs(": ", out);
		path_shown = true;
	}
	return path_shown;
}

static void text_finding(FILE *out, const struct finding *fi, const struct report_opts *o)
{
	const struct rule *r = report_rule(fi);
	enum severity sev = report_sev(fi);
	bool path_shown = text_location(out, &fi->at);

	if (o->colour)
		fprintf(out, "%s%s\033[0m ", sev_colour[sev], severity_names[sev]);
	else
		fprintf(out, "%s ", severity_names[sev]);
	fprintf(out, "%s %s: ", r->id, r->name);
	put_text(out, report_message(fi));
	if (report_container(fi)) {
		fputs(" [container ", out);
		put_text(out, report_container(fi));
		fputc(']', out);
	}
	if (fi->at.path && !path_shown) {
		fputs(" (at ", out);
		put_text(out, fi->at.path);
		fputc(')', out);
	}
	if (fi->suppressed) {
		fputs(" (suppressed", out);
		if (fi->suppress_reason && *fi->suppress_reason) {
			fputs(": ", out);
			put_text(out, fi->suppress_reason);
		}
		fputs(")\n", out);
		return; /* someone decided about it already: no advice */
	}
	fputc('\n', out);
	const char *fix = report_fix(o, fi);
	if (fix) {
		fputs("  fix: ", out);
		put_text(out, fix);
		fputc('\n', out);
	}
}

static const char *plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* "stockade audit: 3 findings (1 critical, 2 high) in 2 files, 1 suppressed; failing at high or above: 3" */
static void text_summary(FILE *out, const struct findings *f, const struct report_opts *o)
{
	struct report_counts c;
	report_count(f, o, &c);
	put_text(out, o->tool ? o->tool : "stockade");
	if (c.total == 0)
		fputs(": no findings", out);
	else {
		fprintf(out, ": %zu %s (", c.total, plural(c.total, "finding", "findings"));
		const char *sep = "";
		for (int s = SEV__MAX - 1; s >= 0; s--) {
			if (c.by_sev[s]) {
				fprintf(out, "%s%zu %s", sep, c.by_sev[s], severity_names[s]);
				sep = ", ";
			}
		}
		fputc(')', out);
	}
	if (c.files)
		fprintf(out, " in %zu %s", c.files, plural(c.files, "file", "files"));
	if (c.suppressed)
		fprintf(out, ", %zu suppressed", c.suppressed);
	const char *fail_on = severity_names[(unsigned)o->fail_on < SEV__MAX ? o->fail_on : SEV_CRITICAL];
	if (c.failing)
		fprintf(out, "; failing at %s or above: %zu", fail_on, c.failing);
	else if (c.total)
		fprintf(out, "; none at %s or above", fail_on);
	fputc('\n', out);
}

void report_write_text(FILE *out, const struct findings *f, const struct report_opts *o)
{
	for (size_t i = 0; i < f->n; i++)
		if (!f->v[i].suppressed || o->show_suppressed)
			text_finding(out, &f->v[i], o);
	text_summary(out, f, o);
}

/* --- JSON (docs/report-schema.md) --- */

static struct json_object *json_finding(const struct finding *fi, const struct report_opts *o)
{
	const struct rule *r = report_rule(fi);
	struct json_object *j = json_object_new_object();
	json_object_object_add(j, "rule", json_object_new_string(r->id));
	json_object_object_add(j, "name", json_object_new_string(r->name));
	json_object_object_add(j, "severity", json_object_new_string(severity_names[report_sev(fi)]));
	json_object_object_add(j, "default_severity",
			       json_object_new_string(severity_names[(unsigned)r->sev < SEV__MAX ? r->sev : SEV_CRITICAL]));
	if ((unsigned)r->level < ARRAY_SIZE(level_names))
		json_object_object_add(j, "level", json_object_new_string(level_names[r->level]));
	report_json_add_str(j, "file", fi->at.file);
	if (fi->at.line > 0)
		json_object_object_add(j, "line", json_object_new_int(fi->at.line));
	if (fi->at.col > 0)
		json_object_object_add(j, "column", json_object_new_int(fi->at.col));
	report_json_add_str(j, "path", fi->at.path);
	report_json_add_str(j, "container", fi->container);
	report_json_add_str(j, "message", report_message(fi));
	report_json_add_str(j, "fix", report_fix(o, fi));
	json_object_object_add(j, "fixable", json_object_new_boolean(fi->fixable));
	json_object_object_add(j, "suppressed", json_object_new_boolean(fi->suppressed));
	if (fi->suppressed)
		report_json_add_str(j, "suppress_reason", fi->suppress_reason);
	return j;
}

static struct json_object *json_files(const struct findings *f, const struct report_opts *o)
{
	struct json_object *a = json_object_new_array();
	/* the unsuppressed findings of each file, counted in one pass */
	size_t *count = calloc(o->files ? o->n_files + 1 : 1, sizeof(*count));
	struct strmap idx = { 0 };
	if (!count)
		abort();
	for (size_t i = 0; o->files && i < o->n_files; i++)
		if (o->files[i])
			strmap_put(&idx, o->files[i], i);
	for (size_t i = 0; i < f->n; i++) {
		size_t k = f->v[i].suppressed ? SIZE_MAX : strmap_get(&idx, f->v[i].at.file);
		if (k != SIZE_MAX)
			count[k]++;
	}
	for (size_t i = 0; o->files && i < o->n_files; i++) {
		if (!o->files[i])
			continue;
		struct json_object *j = json_object_new_object();
		report_json_add_str(j, "path", o->files[i]);
		if (o->kinds && (unsigned)o->kinds[i] < WL__KINDS)
			json_object_object_add(j, "kind", json_object_new_string(wl_kind_names[o->kinds[i]]));
		/* a file named twice counts its findings once, at its first entry */
		size_t first = strmap_get(&idx, o->files[i]);
		json_object_object_add(j, "findings", json_object_new_int64((int64_t)(first == i ? count[i] : count[first])));
		json_object_array_add(a, j);
	}
	strmap_free(&idx);
	free(count);
	return a;
}

static struct json_object *json_summary(const struct findings *f, const struct report_opts *o)
{
	struct report_counts c;
	report_count(f, o, &c);
	struct json_object *s = json_object_new_object();
	json_object_object_add(s, "total", json_object_new_int64((int64_t)c.total));
	struct json_object *by = json_object_new_object();
	for (int i = SEV__MAX - 1; i >= 0; i--)
		json_object_object_add(by, severity_names[i], json_object_new_int64((int64_t)c.by_sev[i]));
	json_object_object_add(s, "by_severity", by);
	json_object_object_add(s, "suppressed", json_object_new_int64((int64_t)c.suppressed));
	json_object_object_add(s, "files", json_object_new_int64((int64_t)c.files));
	json_object_object_add(
		s, "fail_on",
		json_object_new_string(severity_names[(unsigned)o->fail_on < SEV__MAX ? o->fail_on : SEV_CRITICAL]));
	json_object_object_add(s, "failing", json_object_new_int64((int64_t)c.failing));
	return s;
}

void report_write_json(FILE *out, const struct findings *f, const struct report_opts *o)
{
	struct json_object *doc = json_object_new_object();
	json_object_object_add(doc, "schema", json_object_new_string(REPORT_SCHEMA));
	json_object_object_add(doc, "version", json_object_new_int(REPORT_SCHEMA_VERSION));
	struct json_object *tool = json_object_new_object();
	json_object_object_add(tool, "name", json_object_new_string("stockade"));
	json_object_object_add(tool, "version", json_object_new_string(STOCKADE_VERSION));
	report_json_add_str(tool, "command", o->tool);
	json_object_object_add(doc, "tool", tool);
	json_object_object_add(doc, "files", json_files(f, o));
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; i < f->n; i++)
		json_object_array_add(a, json_finding(&f->v[i], o));
	json_object_object_add(doc, "findings", a);
	json_object_object_add(doc, "summary", json_summary(f, o));
	report_json_write(out, doc);
	json_object_put(doc);
}

/* --- dispatch --- */

int report_write(FILE *out, enum report_format fmt, const struct findings *f, const struct report_opts *o)
{
	static const struct findings none;
	static const struct report_opts defaults = { .fail_on = SEV_HIGH };
	if (!f)
		f = &none;
	if (!o)
		o = &defaults;
	report_index_files(o);
	switch (fmt) {
	case REPORT_TEXT:
		report_write_text(out, f, o);
		break;
	case REPORT_JSON:
		report_write_json(out, f, o);
		break;
	case REPORT_SARIF:
		report_write_sarif(out, f, o);
		break;
	case REPORT_JUNIT:
		report_write_junit(out, f, o);
		break;
	default:
		report_index_clear();
		return err_set(EINVAL, "unknown report format %d", (int)fmt);
	}
	report_index_clear();
	if (fflush(out) != 0 || ferror(out))
		return err_sys(errno ? errno : EIO, "writing the report");
	return 0;
}
