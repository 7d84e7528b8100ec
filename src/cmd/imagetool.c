/*
 * The image commands live in a helper binary, stockade-image, next to
 * stockade: the image store links libarchive and libcrypto, whose dynamic
 * loading (libxml2, ICU, libstdc++ come along) would add ~6 ms to every
 * runtime invocation, container creation included.  `stockade load ...`
 * execs the helper with the same command line.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "util/err.h"

int cmd_image_tool(struct globals *g, int argc, char **argv)
{
	(void)argc;
	char self[PATH_MAX], tool[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return cli_fail(err_sys(errno, "cannot find where stockade runs from (/proc/self/exe)"));
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	if (slash)
		*slash = '\0';
	const char *env = getenv("STOCKADE_IMAGE_TOOL");
	snprintf(tool, sizeof(tool), "%s/stockade-image", self);
	if (env && *env)
		snprintf(tool, sizeof(tool), "%s", env);
	execv(tool, g->orig_argv);
	return cli_fail(err_sys(errno, "%s: cannot run %s, which holds the image commands; install it next to stockade "
				       "(make install does) or name it with $STOCKADE_IMAGE_TOOL", argv[0], tool));
}
