/*
 * Secrets as files: the OCI annotation
 *
 *     "io.stockade.secrets": "[{\"name\": \"db\", \"source\": \"/host/path\"}, ...]"
 *
 * makes each host file appear at /run/secrets/NAME inside the container, on a
 * tmpfs of its own (read-only, nosuid, nodev, noexec), mode 0400 and owned by
 * process.user, directory 0500.  The runtime reads the sources before the
 * container exists (the container never sees a host path, nothing stays
 * mounted from the host); the init writes them while it sets up the root.
 * /run must be a tmpfs the config mounts (`stockade run IMAGE` adds one).
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "oci/spec.h"

#define SECRETS_ANNOTATION "io.stockade.secrets"
#define SECRET_MAX_SIZE (1u << 20)  /* per file */
#define SECRETS_MAX 64              /* files per container */

struct secret {
	char *name;   /* [A-Za-z0-9._-]+, not "." or ".." */
	char *source; /* absolute host path */
	char *data;   /* contents, after secrets_load */
	size_t len;
};

struct secrets {
	struct secret *v;
	size_t n;
};

/*
 * Parse and validate the annotation's value (pure: no file is touched).
 * config: the config file name for messages.  0 or -EINVAL with a message
 * naming "annotations.io.stockade.secrets[i].field".
 */
int secrets_parse(const char *json, const char *config, struct secrets *out);
/* Parse the spec's annotation (absent: n = 0) and read every source into memory. */
int secrets_load(const struct oci_spec *s, struct secrets *out);
/*
 * In the container's mount namespace, after the config's mounts and before
 * pivot_root: a fresh tmpfs with the files on <rootfs>/run/secrets.
 */
int secrets_mount(int rootfd, const struct oci_spec *s, const struct secrets *sec);
/* Wipes the contents, then frees. */
void secrets_free(struct secrets *sec);
