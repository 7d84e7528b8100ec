/*
 * The runtime's side of a foreground process (`run`, `exec` without
 * --detach): forward signals, proxy a terminal, wait, report the status.
 * Also the small pieces `create` and `exec` share: --console-socket and
 * --pid-file.
 */
#pragma once

#include <signal.h>
#include <sys/types.h>

/* Connect to the engine's --console-socket (SOCK_STREAM, AF_UNIX). */
int sv_connect_console(const char *path);
/* Write the pid atomically (temp file + rename in the same directory). */
int sv_write_pid_file(const char *path, pid_t pid);
/* Block the signals we forward, plus SIGCHLD; *old gets the previous mask. */
void sv_block_signals(sigset_t *mask, sigset_t *old);
/*
 * Forward signals read from signalfd `sfd` to the process (pidfd), proxy
 * *masterp <-> stdio when >= 0 (closed and set to -1 at EOF), reap
 * reparented orphans, and return when the process ends: *exit_code is its
 * status, or 128+N for signal N.
 */
int sv_supervise(int pidfd, pid_t pid, int *masterp, int sfd, int *exit_code);
