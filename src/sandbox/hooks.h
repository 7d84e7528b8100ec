/*
 * OCI hooks: the program gets the container state JSON on stdin, its own
 * args and env, and is killed after `timeout` seconds.  What it prints is
 * kept for the error message when it fails.
 */
#pragma once

#include "oci/spec.h"

/* Run every hook of `kind` in order; stops at the first failure. */
int hooks_run(const struct oci_spec *s, enum hook_kind kind, const char *state_json);
