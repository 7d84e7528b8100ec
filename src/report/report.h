/*
 * Reports: findings as text (file:line:col severity ID name: message, then the
 * fix; colour only on a tty), JSON (versioned schema, docs/report-schema.md),
 * SARIF 2.1.0 (rule metadata and help from the rule table) and JUnit XML.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "rules/rules.h"

enum report_format { REPORT_TEXT, REPORT_JSON, REPORT_SARIF, REPORT_JUNIT };
int report_format_from_name(const char *s); /* -1 if unknown */

struct report_opts {
	const char *tool;           /* "stockade audit", "stockade scan", "stockade policy check" */
	bool colour;                /* text only */
	bool show_suppressed;       /* list suppressed findings too (marked as such) */
	enum severity fail_on;      /* for the summary line and JUnit failures */
	const char *const *files;   /* every input checked (JUnit: one testcase per file and rule) */
	size_t n_files;
	/* kind of each input, for the fix hint to print (parallel to files; may be NULL) */
	const enum wl_kind *kinds;
};

/* Write the report; findings are written in the order given (sort first). */
int report_write(FILE *out, enum report_format fmt, const struct findings *f, const struct report_opts *o);
/* The fix hint for a finding's input kind (falls back to the OCI one). */
const char *report_fix_for(const struct finding *fi, enum wl_kind kind);
