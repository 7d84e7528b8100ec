/*
 * seccompagent SOCKET OUT: a minimal seccomp user-notification agent for the
 * conformance tests.  Listens on SOCKET (AF_UNIX, SOCK_STREAM), accepts one
 * connection, writes the container process state it receives to OUT (one
 * line of JSON, then "fds N"), then answers every notification on the
 * listener it was given with EPERM, appending "syscall NR" to OUT, until the
 * filter's last task is gone.
 */
#include <errno.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: seccompagent SOCKET OUT\n");
		return 2;
	}
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(argv[1]) >= sizeof(sa.sun_path))
		return 2;
	strcpy(sa.sun_path, argv[1]);
	int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(ls, 1) < 0) {
		perror("seccompagent: listen");
		return 1;
	}
	int c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0) {
		perror("seccompagent: accept");
		return 1;
	}
	static char buf[65536];
	union {
		char b[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof(u.b) };
	ssize_t n = recvmsg(c, &mh, MSG_CMSG_CLOEXEC);
	if (n <= 0) {
		perror("seccompagent: recvmsg");
		return 1;
	}
	buf[n] = '\0';
	int nfds = 0, listener = -1;
	for (struct cmsghdr *h = CMSG_FIRSTHDR(&mh); h; h = CMSG_NXTHDR(&mh, h))
		if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS) {
			nfds = (int)((h->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			memcpy(&listener, CMSG_DATA(h), sizeof(int));
		}
	char more;
	ssize_t eof = read(c, &more, 1); /* the runtime closes after one message */
	FILE *out = fopen(argv[2], "w");
	if (!out)
		return 1;
	fprintf(out, "%s\nfds %d\nclosed %s\n", buf, nfds, eof == 0 ? "yes" : "no");
	fflush(out);
	if (listener < 0)
		return 1;
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	for (;;) {
		memset(&req, 0, sizeof(req));
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
			if (errno == EINTR)
				continue;
			break; /* ENOENT: no task uses the filter any more */
		}
		fprintf(out, "syscall %d\n", req.data.nr);
		fflush(out);
		memset(&resp, 0, sizeof(resp));
		resp.id = req.id;
		resp.error = -EPERM;
		ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	}
	fclose(out);
	return 0;
}
