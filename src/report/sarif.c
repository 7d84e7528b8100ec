/*
 * SARIF 2.1.0, shaped for GitHub code scanning: rule metadata (with the
 * security-severity GitHub ranks alerts by) and help written from the rule
 * table, every result with a location GitHub accepts (startLine >= 1), and a
 * fingerprint that survives unrelated edits so alerts are not reopened.
 * Suppressed findings are included, with an inSource suppression.
 */
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"
#include "util/macros.h"

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"
#define INFO_URI "https://github.com/stockade/stockade"
#define FINGERPRINT_KEY "stockade/v1"

static const char *sarif_level(enum severity s)
{
	if (s >= SEV_HIGH)
		return "error";
	return s == SEV_MEDIUM ? "warning" : "note";
}

/* GitHub maps > 9.0 to critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low. */
static const char *const security_severity[SEV__MAX] = {
	[SEV_INFO] = "1.0", [SEV_LOW] = "3.0", [SEV_MEDIUM] = "5.5", [SEV_HIGH] = "8.0", [SEV_CRITICAL] = "9.5",
};

static enum severity rule_sev(const struct rule *r)
{
	return (unsigned)r->sev < SEV__MAX ? r->sev : SEV_CRITICAL;
}

static struct json_object *text_obj(const char *key, const char *s)
{
	struct json_object *o = json_object_new_object();
	report_json_add_str(o, key, s ? s : "");
	return o;
}

/* help.text (plain) or help.markdown: what fires it, why it matters, the fix per input format, how to allow it. */
static char *rule_help(const struct rule *r, bool md)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m)
		abort();
	fprintf(m, "%s%s%s\n\n", md ? "**" : "", r->summary ? r->summary : r->id, md ? "**" : "");
	if (r->why)
		fprintf(m, "%s %s\n\n", md ? "**Why:**" : "Why:", r->why);
	bool any = false;
	for (int k = 0; k < WL__KINDS; k++) {
		if (!r->fix[k])
			continue;
		if (!any)
			fprintf(m, "%s\n\n", md ? "**Fix:**" : "Fix:");
		any = true;
		if (md)
			fprintf(m, "- *%s*: %s\n", report_kind_labels[k], r->fix[k]);
		else
			fprintf(m, "- %s: %s\n", report_kind_labels[k], r->fix[k]);
	}
	if (any)
		fputc('\n', m);
	if (r->allow)
		fprintf(m, "%s %s\n", md ? "**To allow it:**" : "To allow it:", r->allow);
	fclose(m);
	/* No trailing blank line. */
	while (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	return buf;
}

static struct json_object *sarif_rule(const struct rule *r)
{
	struct json_object *j = json_object_new_object();
	report_json_add_str(j, "id", r->id);
	report_json_add_str(j, "name", r->name);
	json_object_object_add(j, "shortDescription", text_obj("text", r->summary));
	json_object_object_add(j, "fullDescription", text_obj("text", r->why ? r->why : r->summary));

	_cleanup_free_ char *text = rule_help(r, false);
	_cleanup_free_ char *md = rule_help(r, true);
	struct json_object *help = json_object_new_object();
	report_json_add_str(help, "text", text);
	report_json_add_str(help, "markdown", md);
	json_object_object_add(j, "help", help);

	struct json_object *conf = json_object_new_object();
	json_object_object_add(conf, "level", json_object_new_string(sarif_level(rule_sev(r))));
	json_object_object_add(j, "defaultConfiguration", conf);

	struct json_object *props = json_object_new_object();
	struct json_object *tags = json_object_new_array();
	json_object_array_add(tags, json_object_new_string("security"));
	json_object_object_add(props, "tags", tags);
	json_object_object_add(props, "security-severity", json_object_new_string(security_severity[rule_sev(r)]));
	json_object_object_add(j, "properties", props);
	return j;
}

/* Slot of a rule in the per-run index map: its table index, or rule_count
 * for one that is not in the table (the placeholder for a missing rule). */
static size_t rule_slot(const struct rule *r)
{
	uintptr_t p = (uintptr_t)r, lo = (uintptr_t)rule_table, hi = (uintptr_t)(rule_table + rule_count);
	return p >= lo && p < hi ? (size_t)(r - rule_table) : rule_count;
}

/*
 * The artifact URI: the path as the user gave it, without a leading "./",
 * percent-encoded where a URI reference cannot carry the byte (spaces,
 * '%', '#', '?', non-ASCII, and ':' which would read as a scheme); an
 * absolute path becomes a file:/// URI.  Checked with Microsoft's SARIF
 * Multitool `validate` (no errors or warnings on tests/fixtures/audit).
 */
static char *sarif_uri(const char *file)
{
	while (file[0] == '.' && file[1] == '/') {
		file += 2;
		while (*file == '/')
			file++;
	}
	size_t len = strlen(file);
	char *out = malloc(3 * len + 8);
	if (!out)
		abort();
	char *p = out;
	/* an absolute path is an absolute URI (file:///...): a relative reference
	 * may not start with '/' (the SARIF validator's SARIF1004) */
	if (file[0] == '/')
		p += sprintf(p, "file://");
	for (const unsigned char *s = (const unsigned char *)file; *s; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		    strchr("-._~/!$&'()*+,;=@", *s))
			*p++ = (char)*s;
		else
			p += sprintf(p, "%%%02X", *s);
	}
	*p = '\0';
	return out;
}

/* FNV-1a, 64 bits: stable across runs and machines, which is all a fingerprint needs. */
static uint64_t fnv1a(uint64_t h, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	return (h ^ 0xFF) * 0x100000001b3ULL; /* field separator: "ab"+"c" differs from "a"+"bc" */
}

/* Rule, file and where in it: the key path when there is one (it survives
 * lines moving), else the line; and the container. */
static uint64_t finding_hash(const struct finding *fi, const char *uri)
{
	char line[16];
	snprintf(line, sizeof(line), "%d", fi->at.line);
	uint64_t h = 0xcbf29ce484222325ULL;
	h = fnv1a(h, report_rule(fi)->id);
	h = fnv1a(h, uri);
	h = fnv1a(h, fi->at.path ? fi->at.path : line);
	return fnv1a(h, fi->container);
}

static struct json_object *sarif_location(const struct finding *fi, const char *uri)
{
	struct json_object *art = json_object_new_object();
	report_json_add_str(art, "uri", uri);
	struct json_object *region = json_object_new_object();
	json_object_object_add(region, "startLine", json_object_new_int(fi->at.line > 0 ? fi->at.line : 1));
	if (fi->at.line > 0 && fi->at.col > 0)
		json_object_object_add(region, "startColumn", json_object_new_int(fi->at.col));
	struct json_object *phys = json_object_new_object();
	json_object_object_add(phys, "artifactLocation", art);
	json_object_object_add(phys, "region", region);
	struct json_object *loc = json_object_new_object();
	json_object_object_add(loc, "physicalLocation", phys);
	struct json_object *locs = json_object_new_array();
	json_object_array_add(locs, loc);
	return locs;
}

/* "MESSAGE [container web] (at process.user.uid)\nFix: ..." */
static char *result_message(const struct finding *fi, const struct report_opts *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m)
		abort();
	fputs(report_message(fi), m);
	if (report_container(fi))
		fprintf(m, " [container %s]", report_container(fi));
	if (fi->at.path)
		fprintf(m, " (at %s)", fi->at.path);
	const char *fix = report_fix(o, fi);
	if (fix)
		fprintf(m, "\nFix: %s", fix);
	fclose(m);
	return buf;
}

static struct json_object *sarif_result(const struct finding *fi, const struct report_opts *o, size_t index,
					uint64_t hash, size_t occurrence)
{
	struct json_object *j = json_object_new_object();
	report_json_add_str(j, "ruleId", report_rule(fi)->id);
	json_object_object_add(j, "ruleIndex", json_object_new_int64((int64_t)index));
	json_object_object_add(j, "level", json_object_new_string(sarif_level(report_sev(fi))));
	_cleanup_free_ char *msg = result_message(fi, o);
	json_object_object_add(j, "message", text_obj("text", msg));
	if (fi->at.file) {
		_cleanup_free_ char *uri = sarif_uri(fi->at.file);
		json_object_object_add(j, "locations", sarif_location(fi, uri));
	}
	char fp[40];
	snprintf(fp, sizeof(fp), "%016llx:%zu", (unsigned long long)hash, occurrence);
	struct json_object *fps = json_object_new_object();
	json_object_object_add(fps, FINGERPRINT_KEY, json_object_new_string(fp));
	json_object_object_add(j, "partialFingerprints", fps);
	if (fi->suppressed) {
		struct json_object *s = json_object_new_object();
		json_object_object_add(s, "kind", json_object_new_string("inSource"));
		report_json_add_str(s, "justification", fi->suppress_reason);
		struct json_object *a = json_object_new_array();
		json_object_array_add(a, s);
		json_object_object_add(j, "suppressions", a);
	}
	return j;
}

static struct json_object *sarif_driver(struct json_object *rules)
{
	struct json_object *d = json_object_new_object();
	json_object_object_add(d, "name", json_object_new_string("stockade"));
	json_object_object_add(d, "semanticVersion", json_object_new_string(STOCKADE_VERSION));
	json_object_object_add(d, "informationUri", json_object_new_string(INFO_URI));
	json_object_object_add(d, "rules", rules);
	return d;
}

/* Rules in order of first appearance, results pointing at them by index. */
static void sarif_fill(const struct findings *f, const struct report_opts *o, struct json_object *rules,
		       struct json_object *results)
{
	size_t *slot = malloc((rule_count + 1) * sizeof(*slot));
	uint64_t *hashes = calloc(f->n + 1, sizeof(*hashes));
	if (!slot || !hashes)
		abort();
	for (size_t i = 0; i <= rule_count; i++)
		slot[i] = SIZE_MAX;
	size_t n_rules = 0;
	for (size_t i = 0; i < f->n; i++) {
		const struct finding *fi = &f->v[i];
		size_t s = rule_slot(report_rule(fi));
		if (slot[s] == SIZE_MAX) {
			slot[s] = n_rules++;
			json_object_array_add(rules, sarif_rule(report_rule(fi)));
		}
		_cleanup_free_ char *uri = fi->at.file ? sarif_uri(fi->at.file) : NULL;
		hashes[i] = finding_hash(fi, uri);
		/* Two findings alike in rule, file and place (two capabilities
		 * added on one line) stay two alerts: number the repeats. */
		size_t occurrence = 1;
		for (size_t j = 0; j < i; j++)
			occurrence += hashes[j] == hashes[i];
		json_object_array_add(results, sarif_result(fi, o, slot[s], hashes[i], occurrence));
	}
	free(hashes);
	free(slot);
}

void report_write_sarif(FILE *out, const struct findings *f, const struct report_opts *o)
{
	struct json_object *rules = json_object_new_array();
	struct json_object *results = json_object_new_array();
	sarif_fill(f, o, rules, results);

	struct json_object *tool = json_object_new_object();
	json_object_object_add(tool, "driver", sarif_driver(rules));
	struct json_object *run = json_object_new_object();
	json_object_object_add(run, "tool", tool);
	json_object_object_add(run, "results", results);
	struct json_object *runs = json_object_new_array();
	json_object_array_add(runs, run);

	struct json_object *doc = json_object_new_object();
	json_object_object_add(doc, "$schema", json_object_new_string(SARIF_SCHEMA));
	json_object_object_add(doc, "version", json_object_new_string("2.1.0"));
	json_object_object_add(doc, "runs", runs);
	report_json_write(out, doc);
	json_object_put(doc);
}
