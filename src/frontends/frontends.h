/*
 * Frontends: each input format becomes a struct workload.  A frontend never
 * fails on bad input: what it cannot read becomes a parse error in the
 * workload (reported as STK000) and the rest is still described.  They
 * return <0 (with err_msg()) only for failures that are not the input's fault.
 */
#pragma once

#include <stddef.h>

#include "workload/workload.h"

struct oci_spec;

/* A parsed config.json (the runtime's own parse: JSON paths, no lines). */
int fe_oci_from_spec(const struct oci_spec *s, const char *name, struct workload **out);
/* config.json text; a config the runtime would refuse is a parse error. */
int fe_oci(const char *text, size_t len, const char *name, struct workload **out);
int fe_dockerfile(const char *text, size_t len, const char *name, struct workload **out);
int fe_compose(const char *text, size_t len, const char *name, struct workload **out);
int fe_k8s(const char *text, size_t len, const char *name, struct workload **out);
/* One `docker run ...` (or `podman run`) command line; `line` is where it
 * starts in `name` (0 when given on the command line). */
int fe_docker_run(const char *cmdline, const char *name, int line, struct workload **out);
/* Every docker/podman run line in a shell script, Makefile, CI YAML or
 * Markdown file, as one workload with a container per line. */
int fe_docker_run_scan(const char *text, size_t len, const char *name, struct workload **out);
