/*
 * Helpers shared by the frontends: the `# stockade:ignore` comment (every
 * text format) and its placement in YAML (compose, Kubernetes).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "workload/workload.h"

/*
 * Inline suppressions: libyaml drops comments, so the raw text is scanned for
 * `# stockade:ignore [ID[, ID]...] [reason]` and each becomes a wl_suppress.
 * A comment on its own line covers the next line that is neither blank nor a
 * comment; a comment at the end of a line covers that line.  Either way the
 * block that line opens (the lines indented deeper, and a key's `- ` items at
 * the key's own indentation) is covered too: a comment above a service or a
 * list item covers all of it.
 */
void fe_yaml_suppressions(struct workload *w, const char *text, size_t len);

/* The text after a `stockade:ignore` marker in [s, s+n), or NULL when there is
 * none (a longer word such as "stockade:ignored" is not one). */
const char *fe_ignore_find(const char *s, size_t n);
/* "STK101, STK301 reason" in [p, end): the IDs (upper-cased; "ALL" too) go to
 * sp->ids, the rest (after "-" or ":") is sp->reason, NULL when empty. */
void fe_ignore_parse(struct workload *w, struct wl_suppress *sp, const char *p, const char *end);

/*
 * A bind source that is an engine's own per-container file or directory
 * (.../containers/<64 hex>/hosts, podman's overlay-containers/<id>/userdata,
 * kubelet pod directories, CRI sandboxes), not a host path the user chose.
 * Decided by the source alone: a destination such as /etc/hosts proves
 * nothing (`-v /etc/passwd:/etc/hosts` is a host path).  A source with "/../"
 * or "/./" is never one.
 */
bool fe_engine_file(const char *src);
/* A named volume's data directory (.../volumes/<name>/_data). */
bool fe_named_volume(const char *src);
