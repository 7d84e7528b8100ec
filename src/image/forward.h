/*
 * Published ports for `stockade run -p`: stockade's own forwarder.
 *
 * The container keeps a private network namespace with only loopback.  For
 * each published port the monitor holds a listening socket in the host's
 * namespace (127.0.0.1 unless the user names an address) and, for every
 * connection (TCP) or peer (UDP), opens a socket inside the container's
 * namespace (setns on the thread, socket(), setns back) to 127.0.0.1:PORT
 * and relays bytes both ways.  No TAP device, no user-mode TCP stack, no
 * extra package; the container gets no route anywhere.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fwd_port {
	char host_ip[64];   /* "127.0.0.1" (default), "0.0.0.0", "::1", "::" ... */
	uint16_t host_port; /* 1-65535 */
	uint16_t ctr_port;  /* 1-65535 */
	char proto[4];      /* "tcp" or "udp" */
	int fd;             /* listening (tcp) or bound (udp) socket; -1 until fwd_bind */
};

/*
 * "[IP:]HOSTPORT:CONTAINERPORT[/PROTO]" (IPv6 addresses in brackets:
 * "[::1]:8080:80").  No IP: 127.0.0.1.  0 or -EINVAL with err_msg() naming
 * the spec and what is wrong.
 */
int fwd_parse(const char *spec, struct fwd_port *out);
/* "127.0.0.1:8080->80/tcp" */
void fwd_format(const struct fwd_port *p, char *buf, size_t n);
/* Bind every port in the caller's (host) network namespace; on error none stays bound. */
int fwd_bind(struct fwd_port *p, size_t n);
/*
 * Relay until stop_fd is readable or hung up (the container exited).
 * netns_fd: an open /proc/PID/ns/net of the container.  Returns 0 when
 * stopped, -errno on a fatal error (a failing single connection is not).
 */
int fwd_serve(struct fwd_port *p, size_t n, int netns_fd, int stop_fd);
void fwd_close(struct fwd_port *p, size_t n);
