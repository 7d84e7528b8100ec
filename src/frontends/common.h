/*
 * Helpers shared by the YAML frontends (compose, Kubernetes).
 */
#pragma once

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
