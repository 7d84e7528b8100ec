/* Identity and privileges of the container process: user, groups, capabilities. */
#pragma once

#include "oci/spec.h"

/*
 * Drop the bounding set to caps->bounding, switch to the configured
 * uid/gid/additional groups, then set effective/permitted/inheritable and
 * ambient exactly as configured (all empty when the config has no
 * "capabilities").  last_cap is /proc/sys/kernel/cap_last_cap.
 * Async-signal-safe: runs in the container's init.
 */
int caps_apply_identity(const struct oci_process *p, int last_cap);
/* /proc/sys/kernel/cap_last_cap (read by the runtime before cloning). */
int caps_last_cap(void);
