/* Namespaces: open and type-check paths to join, write id maps, join. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "oci/spec.h"

/* Open every namespace path in the spec (fds[i] = -1 when not joined) and
 * check that each is a namespace of the declared type. */
int ns_open_paths(const struct oci_spec *s, int fds[NS__MAX]);
void ns_close_fds(int fds[NS__MAX]);
/* CLONE_NEW* flags for the namespaces the container creates. */
int ns_new_flags(const struct oci_spec *s);
/* Write uid_map, setgroups, gid_map of pid from the spec. */
int ns_write_idmaps(pid_t pid, const struct oci_spec *s);
/* setns() into every fd except those in `skip` (CLONE_NEW* mask). */
int ns_join(int fds[NS__MAX], int skip);
/* Host uid that container uid `id` maps to (identity when no user namespace). */
uint32_t ns_host_uid(const struct oci_spec *s, uint32_t id, bool *mapped);
uint32_t ns_host_gid(const struct oci_spec *s, uint32_t id, bool *mapped);
