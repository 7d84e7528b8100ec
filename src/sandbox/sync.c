#include "sandbox/sync.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "util/err.h"
#include "util/macros.h"

int send_fd(int sock, int fd, const void *payload, size_t len)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { (void *)payload, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	char dummy = 0;

	if (len == 0) {
		iov.iov_base = &dummy;
		iov.iov_len = 1;
	}
	if (fd >= 0) {
		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	ssize_t n;
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : 0;
}

int sync_send(int sock, uint32_t type, int32_t value, const char *text, int fd)
{
	struct sync_msg m = { .type = type, .value = value };
	size_t len = offsetof(struct sync_msg, text);
	if (text) {
		size_t tl = strnlen(text, sizeof(m.text) - 1);
		memcpy(m.text, text, tl);
		m.text[tl] = '\0';
		len += tl + 1;
	}
	return send_fd(sock, fd, &m, len);
}

int sync_recv(int sock, struct sync_msg *m, int *fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { m, sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	ssize_t n;

	if (fd)
		*fd = -1;
	memset(m, 0, offsetof(struct sync_msg, text) + 1);
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -EPIPE;
	if ((size_t)n < offsetof(struct sync_msg, text))
		return -EBADMSG;
	if ((size_t)n <= offsetof(struct sync_msg, text))
		m->text[0] = '\0';
	else
		((char *)m)[n < (ssize_t)sizeof(*m) ? n : (ssize_t)sizeof(*m) - 1] = '\0';
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int got;
			memcpy(&got, CMSG_DATA(c), sizeof(int));
			if (fd)
				*fd = got;
			else
				close(got);
		}
	}
	return 0;
}

int sync_expect(int sock, uint32_t want, struct sync_msg *m, int *fd)
{
	int r = sync_recv(sock, m, fd);
	if (r == -EPIPE)
		return err_set(EPIPE, "the container's init process exited during setup");
	if (r < 0)
		return err_sys(r, "reading from the container's init");
	if (m->type == SYNC_ERROR) {
		err_restore(m->text);
		return m->value < 0 ? m->value : -EIO;
	}
	if (m->type != want)
		return err_set(EPROTO, "internal error: expected message %u from the container's init, got %u", want, m->type);
	return 0;
}
