#include "util/err.h"

#include <stdarg.h>
#include <string.h>

#define ERR_MAX 16384

static __thread char errbuf[ERR_MAX];

static PRINTF(1, 0) void vset(const char *fmt, va_list ap)
{
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
}

int err_sys(int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (errnum < 0)
		errnum = -errnum;
	if (errnum == 0)
		errnum = EIO;
	va_start(ap, fmt);
	vset(fmt, ap);
	va_end(ap);
	n = strlen(errbuf);
	snprintf(errbuf + n, sizeof(errbuf) - n, ": %s", strerror(errnum));
	return -errnum;
}

int err_set(int code, const char *fmt, ...)
{
	va_list ap;

	if (code < 0)
		code = -code;
	if (code == 0)
		code = EINVAL;
	va_start(ap, fmt);
	vset(fmt, ap);
	va_end(ap);
	return -code;
}

int err_ctx(int r, const char *fmt, ...)
{
	char prefix[1024], old[ERR_MAX - 1100];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	snprintf(old, sizeof(old), "%s", errbuf);
	if (old[0])
		snprintf(errbuf, sizeof(errbuf), "%s: %s", prefix, old);
	else
		snprintf(errbuf, sizeof(errbuf), "%s: %s", prefix, strerror(r < 0 ? -r : r));
	return r;
}

int err_hint(int r, const char *fmt, ...)
{
	size_t n = strlen(errbuf);
	va_list ap;

	if (n + 10 >= sizeof(errbuf))
		return r;
	n += (size_t)snprintf(errbuf + n, sizeof(errbuf) - n, "\n  hint: ");
	if (n >= sizeof(errbuf))
		return r;
	va_start(ap, fmt);
	vsnprintf(errbuf + n, sizeof(errbuf) - n, fmt, ap);
	va_end(ap);
	return r;
}

const char *err_msg(void)
{
	return errbuf[0] ? errbuf : "unknown error";
}

void err_clear(void)
{
	errbuf[0] = '\0';
}

void err_restore(const char *msg)
{
	snprintf(errbuf, sizeof(errbuf), "%s", msg);
}
