/*
 * Logging: warnings and errors go to stderr (for the human or engine that
 * called us) and, with --log FILE, to that file as text or as JSON lines
 * ({"level":..,"msg":..,"time":..}) the way containerd's shim and podman's
 * conmon read a runtime's log.
 */
#pragma once

#include <stdbool.h>

#include "util/macros.h"

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

int log_open(const char *path, bool json, bool debug);
void log_set_stderr(bool on);
bool log_debug_enabled(void);
int log_fd(void);
void log_msg(enum log_level lvl, const char *fmt, ...) PRINTF(2, 3);

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) \
	do { \
		if (log_debug_enabled()) \
			log_msg(LOG_LVL_DEBUG, __VA_ARGS__); \
	} while (0)
/* Now as RFC 3339 UTC with nanoseconds ("2026-11-23T00:41:32.866328564Z"). */
void log_timestamp(char *buf, size_t n);
