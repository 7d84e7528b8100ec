/* stub: filled in by the k8s frontend work */
#include <errno.h>

#include "frontends/frontends.h"
#include "util/err.h"

int fe_k8s(const char *text, size_t len, const char *name, struct workload **out)
{
	(void)text;
	(void)len;
	*out = NULL;
	return err_set(ENOSYS, "%s: the k8s frontend is not built yet", name);
}
