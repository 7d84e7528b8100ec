/* stub: filled in by the report work */
#include <errno.h>

#include "report/report.h"
#include "util/err.h"

int report_format_from_name(const char *s)
{
	(void)s;
	return -1;
}

int report_write(FILE *out, enum report_format fmt, const struct findings *f, const struct report_opts *o)
{
	(void)out;
	(void)fmt;
	(void)f;
	(void)o;
	return err_set(ENOSYS, "reports are not built yet");
}

const char *report_fix_for(const struct finding *fi, enum wl_kind kind)
{
	return fi->rule->fix[kind] ? fi->rule->fix[kind] : fi->rule->fix[WL_OCI];
}
