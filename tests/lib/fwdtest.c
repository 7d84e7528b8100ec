/*
 * fwdtest PID SPEC...: the published-port forwarder on its own, for tests.
 * Binds every SPEC ([IP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]) on the host,
 * prints one "ready IP:HOST->CTR/PROTO" line per port, then relays into the
 * network namespace of PID until stdin is closed (or hung up).
 * Exit 0 when stopped, 1 with the error on stderr, 2 for usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/forward.h"
#include "util/err.h"

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: fwdtest PID SPEC...\n");
		return 2;
	}
	size_t n = (size_t)argc - 2;
	struct fwd_port *p = calloc(n, sizeof(*p));
	if (!p)
		return 1;
	for (size_t i = 0; i < n; i++) {
		if (fwd_parse(argv[i + 2], &p[i]) < 0) {
			fprintf(stderr, "fwdtest: %s\n", err_msg());
			free(p);
			return 2;
		}
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/%s/ns/net", argv[1]);
	int ns = open(path, O_RDONLY | O_CLOEXEC);
	if (ns < 0) {
		fprintf(stderr, "fwdtest: %s: %s\n", path, strerror(errno));
		free(p);
		return 1;
	}
	if (fwd_bind(p, n) < 0) {
		fprintf(stderr, "fwdtest: %s\n", err_msg());
		close(ns);
		free(p);
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		char buf[128];
		fwd_format(&p[i], buf, sizeof(buf));
		printf("ready %s\n", buf);
	}
	fflush(stdout);
	int r = fwd_serve(p, n, ns, STDIN_FILENO);
	fwd_close(p, n);
	close(ns);
	free(p);
	if (r < 0) {
		fprintf(stderr, "fwdtest: %s\n", err_msg());
		return 1;
	}
	return 0;
}
