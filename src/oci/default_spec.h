#pragma once

#include <json-c/json.h>
#include <stddef.h>

/*
 * stockade's hardened config.json ("deny all, permit some").  Each choice
 * and why is documented in the README ("Hardened defaults").
 */
json_object *default_spec_json(const char *const *args, int nargs);

/* The masked and read-only /proc and /sys paths of the hardened config
 * (also what policy harden restores). */
extern const char *const default_masked_paths[];
extern const size_t default_n_masked_paths;
extern const char *const default_readonly_paths[];
extern const size_t default_n_readonly_paths;
/* A JSON array of strings. */
json_object *json_strarr(const char *const *v, size_t n);
/* Set KEY=VALUE in a process.env array, replacing an earlier KEY=... or bare KEY. */
void oci_env_set(json_object *env, const char *kv);
/* One mounts[] entry: {"destination", "type", "source", "options"} (takes options). */
json_object *oci_mount_json(const char *dest, const char *type, const char *src, json_object *options);
