/* config.json -> workload: being written */
#include <errno.h>

#include "frontends/frontends.h"
#include "util/err.h"

int fe_oci_from_spec(const struct oci_spec *s, const char *name, struct workload **out)
{
	(void)s;
	*out = NULL;
	return err_set(ENOSYS, "%s: not yet", name);
}

int fe_oci(const char *text, size_t len, const char *name, struct workload **out)
{
	(void)text;
	(void)len;
	*out = NULL;
	return err_set(ENOSYS, "%s: not yet", name);
}
