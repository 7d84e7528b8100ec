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
	char tool[PATH_MAX];
	cli_sibling(g, "stockade-image", "STOCKADE_IMAGE_TOOL", tool, sizeof(tool));
	execv(tool, g->orig_argv);
	return cli_fail(err_sys(errno, "%s: cannot run %s, which holds the image commands; install it next to stockade "
				       "(make install does) or name it with $STOCKADE_IMAGE_TOOL", argv[0], tool));
}
