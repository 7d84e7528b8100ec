/*
 * The published-port forwarder (see forward.h for the contract).
 *
 * One thread, one epoll set.  Everything is nonblocking, every relay has a
 * bounded buffer per direction, so a peer that stops reading only stops its
 * own connection (back-pressure), never the loop.
 *
 * Sockets inside the container's network namespace are made on the serving
 * thread itself: setns(container) -> socket() -> setns(host).  A socket
 * keeps the namespace it was created in, so connect() and all later I/O can
 * happen after we are back.  Why not a helper thread that setns'ed once:
 * the runtime process forks and clones (hooks, the container's init, exec),
 * and a second live thread makes every later fork inherit whatever locks it
 * held; one thread keeps the monitor fork-safe and needs no fd hand-off.
 * The cost is two setns(2) per connection or UDP peer (microseconds).  If
 * returning to the host namespace ever fails, fwd_serve stops with an error
 * rather than keep serving from the wrong namespace.
 */
#include "image/forward.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util/err.h"
#include "util/log.h"
#include "util/macros.h"

/* ---- parsing ---------------------------------------------------------- */

#define FWD_SPEC_MAX 128

/* "80" -> 80; digits only, 1..65535.  what: "host port" / "container port". */
static int parse_port(const char *spec, const char *s, size_t len, const char *what, uint16_t *out)
{
	if (len == 0)
		return err_set(EINVAL, "-p %s: the %s is empty; write [IP:]HOSTPORT:CONTAINERPORT (e.g. 8080:80)",
			       spec, what);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '-')
			return err_set(EINVAL, "-p %s: port ranges are not supported; publish each port with its own -p "
					       "(e.g. -p 8080:80 -p 8081:81)", spec);
		if (!isdigit((unsigned char)s[i]))
			return err_set(EINVAL, "-p %s: the %s \"%.*s\" is not a number; write [IP:]HOSTPORT:CONTAINERPORT "
					       "(e.g. 8080:80)", spec, what, (int)len, s);
	}
	unsigned long v = 0;
	for (size_t i = 0; i < len; i++) {
		v = v * 10 + (unsigned long)(s[i] - '0');
		if (v > 65535)
			break;
	}
	if (v == 0 || v > 65535)
		return err_set(EINVAL, "-p %s: the %s %.*s is out of range; ports are 1-65535%s", spec, what, (int)len, s,
			       v == 0 ? " (0, \"any free port\", is not supported: name the port)" : "");
	*out = (uint16_t)v;
	return 0;
}

int fwd_parse(const char *spec, struct fwd_port *out)
{
	memset(out, 0, sizeof(*out));
	out->fd = -1;
	if (!spec || !*spec)
		return err_set(EINVAL, "-p: empty port specification; write [IP:]HOSTPORT:CONTAINERPORT[/tcp|/udp] "
				       "(e.g. 8080:80)");
	size_t slen = strlen(spec);
	if (slen > FWD_SPEC_MAX)
		return err_set(EINVAL, "-p: port specification of %zu bytes is too long (at most %d)", slen, FWD_SPEC_MAX);
	for (size_t i = 0; i < slen; i++)
		if (!isgraph((unsigned char)spec[i]))
			return err_set(EINVAL, "-p %s: spaces or control characters in a port specification; "
					       "write [IP:]HOSTPORT:CONTAINERPORT (e.g. 8080:80)", spec);

	/* protocol suffix */
	char body[FWD_SPEC_MAX + 1];
	memcpy(body, spec, slen + 1);
	snprintf(out->proto, sizeof(out->proto), "tcp");
	char *slash = strchr(body, '/');
	if (slash) {
		*slash = '\0';
		const char *proto = slash + 1;
		if (STREQ(proto, "tcp") || STREQ(proto, "udp"))
			snprintf(out->proto, sizeof(out->proto), "%s", proto);
		else
			return err_set(EINVAL, "-p %s: unknown protocol \"%s\"; use /tcp (the default) or /udp", spec, proto);
	}

	/* address: "[v6]:" or "v4:" or nothing */
	const char *rest = body;
	char ip[64] = "127.0.0.1";
	bool v6 = false;
	if (body[0] == '[') {
		const char *close = strchr(body, ']');
		if (!close)
			return err_set(EINVAL, "-p %s: \"[\" without \"]\"; IPv6 addresses are written [ADDR]:HOSTPORT:CONTAINERPORT "
					       "(e.g. [::1]:8080:80)", spec);
		size_t n = (size_t)(close - body - 1);
		if (close[1] != ':')
			return err_set(EINVAL, "-p %s: expected \":\" after \"]\"; write [ADDR]:HOSTPORT:CONTAINERPORT "
					       "(e.g. [::1]:8080:80)", spec);
		if (n == 0 || n >= sizeof(ip))
			return err_set(EINVAL, "-p %s: the IPv6 address in brackets is %s", spec, n == 0 ? "empty" : "too long");
		memcpy(ip, body + 1, n);
		ip[n] = '\0';
		v6 = true;
		rest = close + 2;
	} else {
		size_t colons = 0;
		for (const char *p = body; *p; p++)
			colons += *p == ':';
		if (colons == 0)
			return err_set(EINVAL, "-p %s: no host port; stockade does not choose one for you: write "
					       "HOSTPORT:%s (e.g. -p 8080:%s, or 127.0.0.1:8080:%s)", spec, body, body, body);
		if (colons > 2)
			return err_set(EINVAL, "-p %s: too many \":\"; an IPv6 address goes in brackets "
					       "([::1]:8080:80), the form is [IP:]HOSTPORT:CONTAINERPORT", spec);
		if (colons == 2) {
			const char *c = strchr(body, ':');
			size_t n = (size_t)(c - body);
			if (n == 0)
				return err_set(EINVAL, "-p %s: the address before the host port is empty; leave it out "
						       "for 127.0.0.1 (HOSTPORT:CONTAINERPORT) or name one (0.0.0.0:8080:80)", spec);
			if (n >= sizeof(ip))
				return err_set(EINVAL, "-p %s: the address is too long", spec);
			memcpy(ip, body, n);
			ip[n] = '\0';
			rest = c + 1;
		}
	}

	/* "HOSTPORT:CONTAINERPORT" */
	const char *c = strchr(rest, ':');
	if (!c)
		return err_set(EINVAL, "-p %s: no container port; write [IP:]HOSTPORT:CONTAINERPORT (e.g. 8080:80)", spec);
	if (strchr(c + 1, ':'))
		return err_set(EINVAL, "-p %s: too many \":\"; the form is [IP:]HOSTPORT:CONTAINERPORT", spec);
	int r = parse_port(spec, rest, (size_t)(c - rest), "host port", &out->host_port);
	if (r < 0)
		return r;
	r = parse_port(spec, c + 1, strlen(c + 1), "container port", &out->ctr_port);
	if (r < 0)
		return r;

	/* the address, normalised */
	unsigned char bin[sizeof(struct in6_addr)];
	if (v6) {
		if (inet_pton(AF_INET6, ip, bin) != 1)
			return err_set(EINVAL, "-p %s: \"%s\" is not an IPv6 address (no names or zone ids: e.g. [::1]:8080:80)",
				       spec, ip);
		if (!inet_ntop(AF_INET6, bin, out->host_ip, sizeof(out->host_ip)))
			return err_sys(errno, "-p %s: inet_ntop", spec);
	} else {
		if (inet_pton(AF_INET, ip, bin) != 1) {
			if (strchr(ip, ':') || inet_pton(AF_INET6, ip, bin) == 1)
				return err_set(EINVAL, "-p %s: an IPv6 address goes in brackets: [%s]:...", spec, ip);
			return err_set(EINVAL, "-p %s: \"%s\" is not an IPv4 address (host names are not resolved: "
					       "write 127.0.0.1, 0.0.0.0 or the interface's address)", spec, ip);
		}
		if (!inet_ntop(AF_INET, bin, out->host_ip, sizeof(out->host_ip)))
			return err_sys(errno, "-p %s: inet_ntop", spec);
	}
	return 0;
}

void fwd_format(const struct fwd_port *p, char *buf, size_t n)
{
	if (!n)
		return;
	bool v6 = strchr(p->host_ip, ':') != NULL;
	snprintf(buf, n, "%s%s%s:%u->%u/%s", v6 ? "[" : "", p->host_ip, v6 ? "]" : "", (unsigned)p->host_port,
		 (unsigned)p->ctr_port, p->proto);
}

/* ---- binding ---------------------------------------------------------- */

static bool is_udp(const struct fwd_port *p) { return STREQ(p->proto, "udp"); }

static int host_addr(const struct fwd_port *p, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(p->host_ip, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(p->host_port);
		if (inet_pton(AF_INET6, p->host_ip, &a->sin6_addr) != 1)
			return err_set(EINVAL, "%s: not an IPv6 address", p->host_ip);
		*len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		a->sin_family = AF_INET;
		a->sin_port = htons(p->host_port);
		if (inet_pton(AF_INET, p->host_ip, &a->sin_addr) != 1)
			return err_set(EINVAL, "%s: not an IPv4 address", p->host_ip);
		*len = sizeof(*a);
	}
	return 0;
}

static int bind_one(struct fwd_port *p)
{
	char name[96];
	fwd_format(p, name, sizeof(name));
	struct sockaddr_storage ss;
	socklen_t len = 0;
	int r = host_addr(p, &ss, &len);
	if (r < 0)
		return err_ctx(r, "-p %s", name);
	bool udp = is_udp(p);
	_cleanup_close_ int fd = socket(ss.ss_family, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_sys(errno, "-p %s: socket", name);
	int one = 1;
	/*
	 * TCP: SO_REUSEADDR only lets us bind over TIME_WAIT leftovers, never
	 * share a live listener.  UDP: it would let two sockets share the port
	 * (and split its datagrams), so it is not set there.
	 */
	if (!udp && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		return err_sys(errno, "-p %s: SO_REUSEADDR", name);
	if (ss.ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
		return err_sys(errno, "-p %s: IPV6_V6ONLY", name);
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		int e = errno;
		const char *bracket_o = ss.ss_family == AF_INET6 ? "[" : "", *bracket_c = ss.ss_family == AF_INET6 ? "]" : "";
		r = err_sys(e, "-p %s: cannot bind %s%s%s:%u/%s", name, bracket_o, p->host_ip, bracket_c,
			    (unsigned)p->host_port, p->proto);
		if (e == EADDRINUSE)
			return err_hint(r, "another program (or another -p) already uses %s port %u (see `ss -%slnp "
					   "'sport = :%u'`); publish on another host port", p->proto, (unsigned)p->host_port,
					udp ? "u" : "t", (unsigned)p->host_port);
		if (e == EADDRNOTAVAIL)
			return err_hint(r, "no interface of this host has the address %s; use 127.0.0.1 or one of "
					   "`ip -brief address`", p->host_ip);
		if (e == EACCES)
			return err_hint(r, "ports below 1024 need CAP_NET_BIND_SERVICE; publish on a port >= 1024");
		return r;
	}
	if (!udp && listen(fd, SOMAXCONN) < 0)
		return err_sys(errno, "-p %s: listen", name);
	p->fd = TAKE_FD(fd);
	return 0;
}

int fwd_bind(struct fwd_port *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i].fd = -1;
	for (size_t i = 0; i < n; i++) {
		int r = bind_one(&p[i]);
		if (r < 0) {
			fwd_close(p, n);
			return r;
		}
	}
	return 0;
}

void fwd_close(struct fwd_port *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i].fd >= 0)
			close(p[i].fd);
		p[i].fd = -1;
	}
}

/* ---- serving ---------------------------------------------------------- */

#define MAX_CONNS 1024       /* TCP connections (2 fds each) */
#define MAX_ASSOCS 256       /* UDP peers (1 fd each) */
#define RELAY_BUF 16384      /* per direction per connection: 32 KiB per connection at most */
#define UDP_IDLE_SEC 60      /* a UDP peer silent this long is forgotten */
#define BATCH 32             /* accepts / datagrams per wake-up, so one port cannot starve the others */
#define PUMP_ROUNDS 8        /* read/write rounds per connection per wake-up, for the same reason */

enum tag_kind { T_STOP, T_LISTEN, T_UDP, T_CONN, T_ASSOC };

struct tag {
	enum tag_kind kind;
	int side;  /* T_CONN: 0 = host side (client), 1 = container side */
	void *obj; /* struct fwd_port / struct conn / struct assoc */
};

struct dir {
	char *buf;
	size_t off, len;
	bool eof;  /* the reading side sent FIN */
	bool shut; /* ... and we passed it on (shutdown(SHUT_WR) of the other side) */
};

struct conn {
	struct conn *next, *prev;
	struct fwd_port *port;
	int fd[2];
	uint32_t ev[2]; /* what each fd is registered for; 0 = not in the epoll set */
	struct tag tag[2];
	struct dir d[2]; /* d[i]: bytes read from fd[i], to be written to fd[1-i] */
	bool connecting;
	bool dead;
	char mem[2 * RELAY_BUF];
};

struct assoc {
	struct assoc *next, *prev;
	struct fwd_port *port;
	int fd; /* connected UDP socket in the container's namespace */
	struct tag tag;
	struct sockaddr_storage peer;
	socklen_t peerlen;
	time_t last;
	bool dead;
};

struct srv {
	int ep;
	int host_ns, ctr_ns;
	struct fwd_port *ports;
	size_t nports;
	struct tag *ptags;
	struct conn *conns, *dead_conns;
	struct assoc *assocs, *dead_assocs;
	size_t nconns, nassocs, max_conns, max_assocs;
	bool paused;    /* listeners out of the epoll set: at the connection limit */
	int fatal;      /* -errno: could not return to the host namespace */
	unsigned char *dgram;
};

static time_t now_sec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void fd_limits(struct srv *s)
{
	/* Raise the soft fd limit toward the hard one (always allowed), then size the tables to it. */
	struct rlimit rl;
	size_t avail = 1024;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rlim_t want = 2 * MAX_CONNS + MAX_ASSOCS + 64 + s->nports;
		if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
			struct rlimit nl = rl;
			nl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
			if (setrlimit(RLIMIT_NOFILE, &nl) == 0)
				rl = nl;
		}
		avail = rl.rlim_cur == RLIM_INFINITY ? SIZE_MAX : (size_t)rl.rlim_cur;
	}
	size_t spare = avail > 64 + s->nports ? avail - 64 - s->nports : 0;
	s->max_assocs = MAX_ASSOCS;
	if (s->max_assocs > spare / 5)
		s->max_assocs = spare / 5;
	s->max_conns = MAX_CONNS;
	if (s->max_conns > (spare - s->max_assocs) / 2)
		s->max_conns = (spare - s->max_assocs) / 2;
	if (s->max_conns == 0)
		s->max_conns = 1;
}

/* A socket inside the container's network namespace. */
static int ctr_socket(struct srv *s, int type)
{
	if (setns(s->ctr_ns, CLONE_NEWNET) < 0)
		return err_sys(errno, "cannot enter the container's network namespace");
	int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int e = errno;
	if (setns(s->host_ns, CLONE_NEWNET) < 0) {
		int e2 = errno;
		if (fd >= 0)
			close(fd);
		s->fatal = err_sys(e2, "cannot return to the host's network namespace");
		return s->fatal;
	}
	if (fd < 0)
		return err_sys(e, "socket in the container's network namespace");
	return fd;
}

static void ctr_addr(const struct fwd_port *p, struct sockaddr_in *a)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons(p->ctr_port);
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

static int ep_set(struct srv *s, int fd, uint32_t *cur, uint32_t want, struct tag *t)
{
	if (*cur == want)
		return 0;
	struct epoll_event e = { .events = want, .data.ptr = t };
	int op = *cur == 0 ? EPOLL_CTL_ADD : want == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
	if (epoll_ctl(s->ep, op, fd, &e) < 0)
		return err_sys(errno, "epoll_ctl");
	*cur = want;
	return 0;
}

static void set_listeners(struct srv *s, bool on)
{
	if (s->paused == !on)
		return;
	for (size_t i = 0; i < s->nports; i++) {
		if (is_udp(&s->ports[i]))
			continue;
		struct epoll_event e = { .events = EPOLLIN, .data.ptr = &s->ptags[i] };
		if (epoll_ctl(s->ep, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, s->ports[i].fd, &e) < 0)
			log_warn("forwarder: epoll_ctl on a listener: %s", strerror(errno));
	}
	s->paused = !on;
}

static void conn_kill(struct srv *s, struct conn *c)
{
	if (c->dead)
		return;
	for (int i = 0; i < 2; i++)
		if (c->fd[i] >= 0) {
			close(c->fd[i]); /* also leaves the epoll set */
			c->fd[i] = -1;
		}
	c->dead = true;
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = NULL;
	c->next = s->dead_conns; /* freed after the current batch of events */
	s->dead_conns = c;
	s->nconns--;
	if (s->paused && s->nconns < s->max_conns)
		set_listeners(s, true);
}

static void assoc_kill(struct srv *s, struct assoc *a)
{
	if (a->dead)
		return;
	close(a->fd);
	a->fd = -1;
	a->dead = true;
	if (a->prev)
		a->prev->next = a->next;
	else
		s->assocs = a->next;
	if (a->next)
		a->next->prev = a->prev;
	a->prev = NULL;
	a->next = s->dead_assocs;
	s->dead_assocs = a;
	s->nassocs--;
}

static void reap(struct srv *s)
{
	while (s->dead_conns) {
		struct conn *c = s->dead_conns;
		s->dead_conns = c->next;
		free(c);
	}
	while (s->dead_assocs) {
		struct assoc *a = s->dead_assocs;
		s->dead_assocs = a->next;
		free(a);
	}
}

/* Move bytes both ways as far as the sockets allow; then register for what is left. */
static void conn_pump(struct srv *s, struct conn *c)
{
	bool progress = true;
	for (int round = 0; progress && round < PUMP_ROUNDS; round++) {
		progress = false;
		for (int i = 0; i < 2; i++) {
			struct dir *d = &c->d[i];
			int in = c->fd[i], out = c->fd[1 - i];
			if (d->len == 0 && !d->eof) {
				ssize_t r = recv(in, d->buf, RELAY_BUF, 0);
				if (r > 0) {
					d->off = 0;
					d->len = (size_t)r;
					progress = true;
				} else if (r == 0) {
					d->eof = true;
					progress = true;
				} else if (errno == EINTR) {
					progress = true;
				} else if (errno != EAGAIN && errno != EWOULDBLOCK) {
					log_debug("forwarder: %u: recv: %s", (unsigned)c->port->host_port, strerror(errno));
					conn_kill(s, c);
					return;
				}
			}
			if (d->len > 0) {
				ssize_t w = send(out, d->buf + d->off, d->len, MSG_NOSIGNAL);
				if (w > 0) {
					d->off += (size_t)w;
					d->len -= (size_t)w;
					progress = true;
				} else if (w < 0 && errno == EINTR) {
					progress = true;
				} else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
					log_debug("forwarder: %u: send: %s", (unsigned)c->port->host_port, strerror(errno));
					conn_kill(s, c);
					return;
				}
			}
			if (d->eof && d->len == 0 && !d->shut) {
				/* half-close: pass the FIN on, keep the other direction open */
				if (shutdown(out, SHUT_WR) < 0 && errno != ENOTCONN) {
					conn_kill(s, c);
					return;
				}
				d->shut = true;
			}
		}
	}
	if (c->d[0].shut && c->d[1].shut) {
		conn_kill(s, c);
		return;
	}
	for (int i = 0; i < 2; i++) {
		uint32_t want = 0;
		if (!c->d[i].eof && c->d[i].len == 0)
			want |= EPOLLIN;
		if (c->d[1 - i].len > 0)
			want |= EPOLLOUT;
		/* not registered when nothing is wanted, so a hung-up fd cannot spin the loop */
		if (ep_set(s, c->fd[i], &c->ev[i], want, &c->tag[i]) < 0) {
			log_warn("forwarder: %s", err_msg());
			conn_kill(s, c);
			return;
		}
	}
}

static void conn_event(struct srv *s, struct conn *c, int side, uint32_t events)
{
	if (c->dead)
		return;
	if (c->connecting) {
		if (side != 1)
			return;
		int err = 0;
		socklen_t l = sizeof(err);
		if (getsockopt(c->fd[1], SOL_SOCKET, SO_ERROR, &err, &l) < 0)
			err = errno;
		if (err == 0 && (events & (EPOLLERR | EPOLLHUP)))
			err = ECONNREFUSED;
		if (err) {
			/* nothing listens on the container port (yet): the client sees its connection closed */
			log_debug("forwarder: %u -> container port %u: %s", (unsigned)c->port->host_port,
				  (unsigned)c->port->ctr_port, strerror(err));
			conn_kill(s, c);
			return;
		}
		c->connecting = false;
	}
	conn_pump(s, c);
}

static void accept_tcp(struct srv *s, struct fwd_port *p)
{
	for (int k = 0; k < BATCH; k++) {
		if (s->nconns >= s->max_conns) {
			/* at the limit: leave further clients in the kernel's backlog until one closes */
			set_listeners(s, false);
			return;
		}
		int cfd = accept4(p->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE) {
				log_warn("forwarder: out of file descriptors at %zu connections; not accepting until one closes",
					 s->nconns);
				if (s->nconns > 0)
					set_listeners(s, false);
			} else if (errno != EAGAIN && errno != EWOULDBLOCK) {
				log_warn("forwarder: accept on port %u: %s", (unsigned)p->host_port, strerror(errno));
			}
			return;
		}
		int sfd = ctr_socket(s, SOCK_STREAM);
		if (sfd < 0) {
			log_warn("forwarder: %s", err_msg());
			close(cfd);
			if (s->fatal)
				return;
			continue;
		}
		struct conn *c = malloc(sizeof(*c));
		if (!c) {
			close(cfd);
			close(sfd);
			return;
		}
		memset(c, 0, offsetof(struct conn, mem));
		c->port = p;
		c->fd[0] = cfd;
		c->fd[1] = sfd;
		for (int i = 0; i < 2; i++) {
			c->tag[i] = (struct tag){ .kind = T_CONN, .side = i, .obj = c };
			c->d[i].buf = c->mem + i * RELAY_BUF;
		}
		c->next = s->conns;
		if (s->conns)
			s->conns->prev = c;
		s->conns = c;
		s->nconns++;
		struct sockaddr_in a;
		ctr_addr(p, &a);
		if (connect(sfd, (struct sockaddr *)&a, sizeof(a)) < 0 && errno != EINPROGRESS) {
			log_debug("forwarder: %u -> container port %u: %s", (unsigned)p->host_port, (unsigned)p->ctr_port,
				  strerror(errno));
			conn_kill(s, c);
			continue;
		}
		/* wait for the connect; the client's bytes stay in its socket meanwhile */
		c->connecting = true;
		if (ep_set(s, sfd, &c->ev[1], EPOLLOUT, &c->tag[1]) < 0) {
			log_warn("forwarder: %s", err_msg());
			conn_kill(s, c);
		}
	}
}

static bool same_peer(const struct assoc *a, const struct sockaddr_storage *ss, socklen_t len)
{
	return a->peerlen == len && memcmp(&a->peer, ss, len) == 0;
}

static struct assoc *assoc_get(struct srv *s, struct fwd_port *p, const struct sockaddr_storage *peer, socklen_t len)
{
	for (struct assoc *a = s->assocs; a; a = a->next)
		if (a->port == p && same_peer(a, peer, len))
			return a;
	if (s->nassocs >= s->max_assocs) {
		/* forget the quietest peer rather than refuse new ones forever */
		struct assoc *old = NULL;
		for (struct assoc *a = s->assocs; a; a = a->next)
			if (!old || a->last < old->last)
				old = a;
		if (!old)
			return NULL;
		assoc_kill(s, old);
	}
	int fd = ctr_socket(s, SOCK_DGRAM);
	if (fd < 0) {
		log_warn("forwarder: %s", err_msg());
		return NULL;
	}
	struct sockaddr_in ca;
	ctr_addr(p, &ca);
	if (connect(fd, (struct sockaddr *)&ca, sizeof(ca)) < 0) {
		log_warn("forwarder: udp connect to container port %u: %s", (unsigned)p->ctr_port, strerror(errno));
		close(fd);
		return NULL;
	}
	struct assoc *a = calloc(1, sizeof(*a));
	if (!a) {
		close(fd);
		return NULL;
	}
	a->port = p;
	a->fd = fd;
	a->tag = (struct tag){ .kind = T_ASSOC, .obj = a };
	memcpy(&a->peer, peer, len);
	a->peerlen = len;
	a->last = now_sec();
	struct epoll_event e = { .events = EPOLLIN, .data.ptr = &a->tag };
	if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &e) < 0) {
		log_warn("forwarder: epoll_ctl: %s", strerror(errno));
		close(fd);
		free(a);
		return NULL;
	}
	a->next = s->assocs;
	if (s->assocs)
		s->assocs->prev = a;
	s->assocs = a;
	s->nassocs++;
	return a;
}

/* host -> container: datagrams on the published port */
static void udp_in(struct srv *s, struct fwd_port *p)
{
	for (int k = 0; k < BATCH && !s->fatal; k++) {
		struct sockaddr_storage peer;
		socklen_t len = sizeof(peer);
		ssize_t n = recvfrom(p->fd, s->dgram, 65536, 0, (struct sockaddr *)&peer, &len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return; /* EAGAIN, or an error queued by ICMP: nothing to relay */
		}
		struct assoc *a = assoc_get(s, p, &peer, len);
		if (!a)
			continue; /* dropped, as the network may */
		a->last = now_sec();
		if (send(a->fd, s->dgram, (size_t)n, MSG_DONTWAIT) < 0)
			log_debug("forwarder: udp %u -> container: %s", (unsigned)p->host_port, strerror(errno));
	}
}

/* container -> host: replies go back to the peer from the published port */
static void udp_out(struct srv *s, struct assoc *a)
{
	if (a->dead)
		return;
	for (int k = 0; k < BATCH; k++) {
		ssize_t n = recv(a->fd, s->dgram, 65536, 0);
		if (n < 0) {
			if (errno == EINTR || errno == ECONNREFUSED) /* ICMP from an earlier send: nobody listened */
				continue;
			return;
		}
		a->last = now_sec();
		if (sendto(a->port->fd, s->dgram, (size_t)n, MSG_DONTWAIT, (struct sockaddr *)&a->peer, a->peerlen) < 0)
			log_debug("forwarder: udp container -> peer: %s", strerror(errno));
	}
}

static void udp_expire(struct srv *s)
{
	time_t now = now_sec();
	struct assoc *next;
	for (struct assoc *a = s->assocs; a; a = next) {
		next = a->next;
		if (now - a->last >= UDP_IDLE_SEC)
			assoc_kill(s, a);
	}
}

static void srv_free(struct srv *s)
{
	while (s->conns)
		conn_kill(s, s->conns);
	while (s->assocs)
		assoc_kill(s, s->assocs);
	reap(s);
	if (s->ep >= 0)
		close(s->ep);
	if (s->host_ns >= 0)
		close(s->host_ns);
	free(s->ptags);
	free(s->dgram);
}

int fwd_serve(struct fwd_port *p, size_t n, int netns_fd, int stop_fd)
{
	struct srv s = { .ep = -1, .host_ns = -1, .ctr_ns = netns_fd, .ports = p, .nports = n };
	int r = 0;

	s.host_ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (s.host_ns < 0) {
		r = err_sys(errno, "forwarder: cannot open /proc/thread-self/ns/net (the host's network namespace)");
		goto out;
	}
	s.ep = epoll_create1(EPOLL_CLOEXEC);
	s.ptags = calloc(n ? n : 1, sizeof(*s.ptags));
	s.dgram = malloc(65536);
	if (s.ep < 0 || !s.ptags || !s.dgram) {
		r = err_sys(s.ep < 0 ? errno : ENOMEM, "forwarder: setting up");
		goto out;
	}
	fd_limits(&s);

	struct tag stop_tag = { .kind = T_STOP };
	struct epoll_event e = { .events = EPOLLIN, .data.ptr = &stop_tag };
	if (epoll_ctl(s.ep, EPOLL_CTL_ADD, stop_fd, &e) < 0) {
		r = err_sys(errno, "forwarder: cannot watch the stop fd %d (a pipe or socket is needed)", stop_fd);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (p[i].fd < 0) {
			r = err_set(EBADF, "forwarder: port %zu is not bound (call fwd_bind first)", i);
			goto out;
		}
		s.ptags[i] = (struct tag){ .kind = is_udp(&p[i]) ? T_UDP : T_LISTEN, .obj = &p[i] };
		e = (struct epoll_event){ .events = EPOLLIN, .data.ptr = &s.ptags[i] };
		if (epoll_ctl(s.ep, EPOLL_CTL_ADD, p[i].fd, &e) < 0) {
			r = err_sys(errno, "forwarder: epoll_ctl");
			goto out;
		}
	}

	struct epoll_event evs[64];
	time_t last_sweep = now_sec();
	for (;;) {
		int timeout = s.nassocs ? 1000 : -1;
		int k = epoll_wait(s.ep, evs, (int)ARRAY_SIZE(evs), timeout);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			r = err_sys(errno, "forwarder: epoll_wait");
			goto out;
		}
		for (int i = 0; i < k; i++) {
			struct tag *t = evs[i].data.ptr;
			switch (t->kind) {
			case T_STOP:
				goto out;
			case T_LISTEN:
				accept_tcp(&s, t->obj);
				break;
			case T_UDP:
				udp_in(&s, t->obj);
				break;
			case T_CONN:
				conn_event(&s, t->obj, t->side, evs[i].events);
				break;
			case T_ASSOC:
				udp_out(&s, t->obj);
				break;
			}
			if (s.fatal) {
				r = err_ctx(s.fatal, "forwarder");
				goto out;
			}
		}
		reap(&s);
		if (s.nassocs && now_sec() != last_sweep) {
			last_sweep = now_sec();
			udp_expire(&s);
			reap(&s);
		}
	}
out:
	srv_free(&s);
	return r;
}
