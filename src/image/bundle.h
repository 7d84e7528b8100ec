/*
 * An image's config plus `stockade run` options -> an OCI config.json,
 * starting from stockade's hardened default spec (src/oci/default_spec.c),
 * so every default stays unless an option changes it: read-only root, no
 * capabilities, no_new_privs, seccomp, noexec scratch space, masked /proc,
 * private namespaces with only loopback, a pids limit.
 */
#pragma once

#include <stddef.h>

#include "image/forward.h"
#include "image/image.h"
#include "image/runopts.h"

struct bundle_in {
	const struct run_opts *o;
	const struct img_config *cfg;
	const char *rootfs;    /* absolute: the store's rootfs/<hex> */
	int rootfd;            /* fd of rootfs for /etc/passwd and /etc/group lookups (-1: numeric users only) */
	const char *name;      /* the container's name (default hostname) */
	const char *image_ref; /* io.stockade.image: the reference as typed, normalised */
	const struct fwd_port *ports;
	size_t nports;
	const char *init_path; /* --init: host path of the init binary bound at /dev/init (NULL: none) */
};

/* The config.json text (malloc'd) or -errno with err_msg() naming the option or image field. */
int bundle_build(const struct bundle_in *in, char **json);
/* "USER[:GROUP]" in the root's /etc/passwd and /etc/group (rootfd -1: numbers only). */
int bundle_user(int rootfd, const char *spec, unsigned *uid, unsigned *gid);
