/*
 * httpd PORT [DIR] [ADDR]: a tiny static HTTP/1.0 server for test images.
 *
 * Serves the regular files under DIR (default ".") for GET and HEAD, one
 * connection at a time, Connection: close.  "/" and directories serve
 * index.html.  Paths with ".." or a NUL are refused; symlinks are not
 * followed out of DIR (each component is opened with O_NOFOLLOW).  Built
 * static so it runs in a busybox image with no libc.  ADDR defaults to
 * 0.0.0.0.  Prints "listening on ADDR:PORT" on stdout once ready.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static int dirfd_root = -1;

static void reply(int c, int code, const char *status, const char *body, int head)
{
	char h[256];
	int n = snprintf(h, sizeof(h),
			 "HTTP/1.0 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
			 code, status, strlen(body));
	if (write(c, h, (size_t)n) < 0)
		return;
	if (!head && write(c, body, strlen(body)) < 0)
		return;
}

static const char *ctype(const char *p)
{
	const char *dot = strrchr(p, '.');
	if (!dot)
		return "application/octet-stream";
	if (!strcmp(dot, ".html"))
		return "text/html";
	if (!strcmp(dot, ".txt"))
		return "text/plain";
	if (!strcmp(dot, ".json"))
		return "application/json";
	return "application/octet-stream";
}

/* open path (relative, '/'-separated) under the root, every component O_NOFOLLOW */
static int open_under(const char *path)
{
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", path);
	int fd = dup(dirfd_root);
	char *save = NULL;
	for (char *c = strtok_r(buf, "/", &save); c && fd >= 0; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "..") || !strcmp(c, "."))
			continue;
		int n = openat(fd, c, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		fd = n;
	}
	return fd;
}

static void serve(int c)
{
	char req[2048];
	size_t len = 0;
	while (len < sizeof(req) - 1) {
		ssize_t n = read(c, req + len, sizeof(req) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		req[len] = '\0';
		if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
			break;
	}
	req[len] = '\0';
	char method[8], path[1024];
	if (sscanf(req, "%7s %1023s", method, path) != 2) {
		reply(c, 400, "Bad Request", "bad request\n", 0);
		return;
	}
	int head = !strcmp(method, "HEAD");
	if (!head && strcmp(method, "GET")) {
		reply(c, 405, "Method Not Allowed", "GET or HEAD\n", 0);
		return;
	}
	char *q = strchr(path, '?');
	if (q)
		*q = '\0';
	if (strstr(path, "..")) {
		reply(c, 403, "Forbidden", "no ..\n", head);
		return;
	}
	int fd = open_under(path);
	struct stat st;
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		int n = openat(fd, "index.html", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		fd = n;
		strcat(path, "/index.html");
	}
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		reply(c, 404, "Not Found", "not found\n", head);
		return;
	}
	char h[256];
	int n = snprintf(h, sizeof(h), "HTTP/1.0 200 OK\r\nContent-Type: %s\r\nContent-Length: %lld\r\nConnection: close\r\n\r\n",
			 ctype(path), (long long)st.st_size);
	if (write(c, h, (size_t)n) >= 0 && !head) {
		char b[65536];
		ssize_t k;
		while ((k = read(fd, b, sizeof(b))) > 0)
			if (write(c, b, (size_t)k) != k)
				break;
	}
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: httpd PORT [DIR] [ADDR]\n");
		return 2;
	}
	int port = atoi(argv[1]);
	const char *dir = argc > 2 ? argv[2] : ".";
	const char *addr = argc > 3 ? argv[3] : "0.0.0.0";
	signal(SIGPIPE, SIG_IGN);
	dirfd_root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd_root < 0) {
		fprintf(stderr, "httpd: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    inet_pton(AF_INET, addr, &sa.sin_addr) != 1 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(s, 64) < 0) {
		fprintf(stderr, "httpd: %s:%d: %s\n", addr, port, strerror(errno));
		return 1;
	}
	printf("listening on %s:%d\n", addr, port);
	fflush(stdout);
	for (;;) {
		int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		serve(c);
		close(c);
	}
}
