/* stub: filled in by the compose frontend work */
#include <errno.h>

#include "frontends/frontends.h"
#include "util/err.h"

int fe_compose(const char *text, size_t len, const char *name, struct workload **out)
{
	(void)text;
	(void)len;
	*out = NULL;
	return err_set(ENOSYS, "%s: the compose frontend is not built yet", name);
}
