/* stub: filled in by the docker run frontend work */
#include <errno.h>

#include "frontends/frontends.h"
#include "util/err.h"

int fe_docker_run(const char *cmdline, const char *name, int line, struct workload **out)
{
	(void)cmdline;
	(void)line;
	*out = NULL;
	return err_set(ENOSYS, "%s: the docker run frontend is not built yet", name);
}

int fe_docker_run_scan(const char *text, size_t len, const char *name, struct workload **out)
{
	(void)text;
	(void)len;
	*out = NULL;
	return err_set(ENOSYS, "%s: the docker run frontend is not built yet", name);
}
