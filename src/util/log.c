#include "util/log.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>

static int logfd = -1;
static bool log_json;
static bool log_dbg;
static bool to_stderr = true;

static const char *const level_names[] = { "error", "warning", "info", "debug" };

int log_open(const char *path, bool json, bool debug)
{
	log_json = json;
	log_dbg = debug;
	if (!path)
		return 0;
	logfd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (logfd < 0)
		return -errno;
	return 0;
}

void log_set_stderr(bool on)
{
	to_stderr = on;
}

bool log_debug_enabled(void)
{
	return log_dbg;
}

int log_fd(void)
{
	return logfd;
}

void log_timestamp(char *buf, size_t n)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t len = strftime(buf, n, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + len, n - len, ".%09ldZ", ts.tv_nsec);
}

static void write_all(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, s, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		s += w;
		len -= (size_t)w;
	}
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	char msg[8192], line[9216], ts[64];
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (to_stderr && (lvl <= LOG_LVL_WARN || log_dbg)) {
		int n = snprintf(line, sizeof(line), "stockade: %s%s\n",
				 lvl == LOG_LVL_ERROR  ? "error: "
				 : lvl == LOG_LVL_WARN ? "warning: "
				 : lvl == LOG_LVL_DEBUG ? "debug: "
							: "",
				 msg);
		if (n > 0)
			write_all(STDERR_FILENO, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	}

	if (logfd >= 0 && (lvl != LOG_LVL_DEBUG || log_dbg)) {
		log_timestamp(ts, sizeof(ts));
		if (log_json) {
			json_object *o = json_object_new_object();
			json_object_object_add(o, "level", json_object_new_string(level_names[lvl]));
			json_object_object_add(o, "msg", json_object_new_string(msg));
			json_object_object_add(o, "time", json_object_new_string(ts));
			const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
			struct iovec iov[2] = { { (void *)s, strlen(s) }, { (void *)"\n", 1 } };
			(void)!writev(logfd, iov, 2);
			json_object_put(o);
		} else {
			int n = snprintf(line, sizeof(line), "time=\"%s\" level=%s msg=\"%s\"\n", ts, level_names[lvl], msg);
			if (n > 0)
				write_all(logfd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
		}
	}
	errno = saved;
}
