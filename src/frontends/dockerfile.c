/* stub: filled in by the dockerfile frontend work */
#include <errno.h>

#include "frontends/frontends.h"
#include "util/err.h"

int fe_dockerfile(const char *text, size_t len, const char *name, struct workload **out)
{
	(void)text;
	(void)len;
	*out = NULL;
	return err_set(ENOSYS, "%s: the dockerfile frontend is not built yet", name);
}
