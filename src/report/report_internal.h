/*
 * What the four report writers share: safe accessors for a finding (a report
 * must never crash on a missing rule or string), the counts behind every
 * summary, and UTF-8 cleaning so that what we emit is valid JSON and XML
 * whatever bytes a message carries.
 */
#pragma once

#include <stdint.h>

#include <json-c/json.h>

#include "report/report.h"
#include "util/strmap.h"

/* The finding's rule (a placeholder when it has none) and a severity in range. */
const struct rule *report_rule(const struct finding *fi);
enum severity report_sev(const struct finding *fi);
/* The message, or the rule's summary when the finding has none. */
const char *report_message(const struct finding *fi);
/* The container's name for messages: NULL when there is none or when it only
 * repeats the file's name (an OCI config's single container is named after it). */
const char *report_container(const struct finding *fi);
/* The input kind of `file` (opts->kinds, parallel to opts->files); WL_OCI when unknown. */
enum wl_kind report_kind_of(const struct report_opts *o, const char *file);
/* The fix hint for the finding, written for its file's kind; NULL when there is none. */
const char *report_fix(const struct report_opts *o, const struct finding *fi);
/* Human name of an input kind ("Kubernetes", "docker run"). */
extern const char *const report_kind_labels[WL__KINDS];

struct report_counts {
	size_t total;              /* unsuppressed findings */
	size_t by_sev[SEV__MAX];   /* unsuppressed, per severity */
	size_t suppressed;
	size_t failing;            /* unsuppressed at or above opts->fail_on */
	size_t files;              /* inputs checked: opts->n_files, or the distinct files of the findings */
};
void report_count(const struct findings *f, const struct report_opts *o, struct report_counts *c);

/* For the length of one report_write: opts->files indexed (report_kind_of uses it). */
void report_index_files(const struct report_opts *o);
void report_index_clear(void);

#define REPORT_REPLACEMENT 0xFFFDu
/* Decode one code point of `s` (not at its NUL): returns the bytes consumed
 * (>= 1); an invalid or truncated sequence yields U+FFFD for its first byte. */
size_t report_utf8_next(const char *s, uint32_t *cp);
void report_put_utf8(FILE *out, uint32_t cp);
/* A malloc'd copy of `s` that is valid UTF-8 (NULL for NULL). */
char *report_utf8_clean(const char *s);

/* obj[key] = s (as valid UTF-8); nothing when s is NULL. */
void report_json_add_str(struct json_object *obj, const char *key, const char *s);
/* Write a document pretty-printed, then a newline. */
void report_json_write(FILE *out, struct json_object *doc);

void report_write_text(FILE *out, const struct findings *f, const struct report_opts *o);
void report_write_json(FILE *out, const struct findings *f, const struct report_opts *o);
void report_write_sarif(FILE *out, const struct findings *f, const struct report_opts *o);
void report_write_junit(FILE *out, const struct findings *f, const struct report_opts *o);
