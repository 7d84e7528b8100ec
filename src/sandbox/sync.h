/*
 * The parent (runtime) and the container's init talk over a SOCK_SEQPACKET
 * socketpair: small typed messages, an optional file descriptor, and an
 * error text when the init fails (the parent prints it; the init's own
 * stderr belongs to the container).  EOF means the other side died.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

enum sync_type {
	SYNC_GO = 1,       /* parent -> init: continue */
	SYNC_USERMAP,      /* intermediate -> parent: write my uid/gid maps */
	SYNC_PID,          /* intermediate -> parent: value = pid of the init it forked */
	SYNC_HOOKS,        /* init -> parent: run prestart + createRuntime hooks now */
	SYNC_READY,        /* init -> parent: set up, about to wait for start */
	SYNC_CONSOLE,      /* init -> parent: fd = pty master (foreground run with a terminal) */
	SYNC_SECCOMP,      /* init -> parent: fd = seccomp notify listener */
	SYNC_ERROR,        /* either way: text = what failed */
};

struct sync_msg {
	uint32_t type;
	int32_t value;
	char text[4000];
};

int sync_send(int sock, uint32_t type, int32_t value, const char *text, int fd);
/* Receives one message; *fd gets a passed descriptor or -1.  -EPIPE on EOF. */
int sync_recv(int sock, struct sync_msg *m, int *fd);
/* Receive and insist on `want`; a SYNC_ERROR becomes err_msg() and -EPROTO-ish failure. */
int sync_expect(int sock, uint32_t want, struct sync_msg *m, int *fd);
/* Send an fd over any unix socket with a small payload (console socket, seccomp agent). */
int send_fd(int sock, int fd, const void *payload, size_t len);
