/* /dev inside the container: the spec's default devices, linux.devices, links. */
#pragma once

#include <stdbool.h>

#include "oci/spec.h"

struct dev_env {
	int rootfd;
	const char *config;
	bool userns;      /* mknod is not allowed: bind the host's node instead */
	bool terminal;    /* create /dev/console for the console bind */
};

/* True when the config mounts something on /dev (then stockade populates it). */
bool devices_dev_is_mounted(const struct oci_spec *s);
int devices_setup(const struct dev_env *env, const struct oci_spec *s);
