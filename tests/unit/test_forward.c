/*
 * The -p parser and formatter of the published-port forwarder, and fwd_bind
 * on the loopback (a port in use is named; a failed bind leaves nothing
 * bound).  The relay itself is tested end to end in forward.bats.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "image/forward.h"
#include "util/err.h"

static void ok(const char *spec, const char *ip, unsigned hp, unsigned cp, const char *proto, const char *fmt)
{
	struct fwd_port p;
	int r = fwd_parse(spec, &p);
	if (r < 0)
		fail_msg("%s: %s", spec, err_msg());
	assert_string_equal(p.host_ip, ip);
	assert_int_equal(p.host_port, hp);
	assert_int_equal(p.ctr_port, cp);
	assert_string_equal(p.proto, proto);
	assert_int_equal(p.fd, -1);
	char buf[128];
	fwd_format(&p, buf, sizeof(buf));
	assert_string_equal(buf, fmt);
}

/* refused, and the message names the spec and contains want */
static void bad(const char *spec, const char *want)
{
	struct fwd_port p;
	err_clear();
	assert_int_equal(fwd_parse(spec, &p), -EINVAL);
	const char *m = err_msg();
	if (!strstr(m, want) || (*spec && strlen(spec) < 100 && !strstr(m, spec)))
		fail_msg("%s: message \"%s\" lacks \"%s\" or the spec", spec, m, want);
}

static void test_parse_ok(void **st)
{
	(void)st;
	ok("8080:80", "127.0.0.1", 8080, 80, "tcp", "127.0.0.1:8080->80/tcp");
	ok("8080:80/tcp", "127.0.0.1", 8080, 80, "tcp", "127.0.0.1:8080->80/tcp");
	ok("5353:53/udp", "127.0.0.1", 5353, 53, "udp", "127.0.0.1:5353->53/udp");
	ok("0.0.0.0:8080:80", "0.0.0.0", 8080, 80, "tcp", "0.0.0.0:8080->80/tcp");
	ok("192.168.1.10:1:65535/udp", "192.168.1.10", 1, 65535, "udp", "192.168.1.10:1->65535/udp");
	ok("[::1]:8080:80", "::1", 8080, 80, "tcp", "[::1]:8080->80/tcp");
	ok("[::]:8080:80/udp", "::", 8080, 80, "udp", "[::]:8080->80/udp");
	ok("[0:0:0:0:0:0:0:1]:9000:9000", "::1", 9000, 9000, "tcp", "[::1]:9000->9000/tcp"); /* normalised */
	ok("[::ffff:127.0.0.1]:9000:90", "::ffff:127.0.0.1", 9000, 90, "tcp", "[::ffff:127.0.0.1]:9000->90/tcp");
	ok("08080:080", "127.0.0.1", 8080, 80, "tcp", "127.0.0.1:8080->80/tcp");
}

static void test_parse_refused(void **st)
{
	(void)st;
	bad("80", "no host port");
	bad("80", "8080:80");          /* ... and says how to write it */
	bad("80/udp", "no host port");
	bad("", "empty");
	bad("0:80", "out of range");
	bad("8080:0", "out of range");
	bad("65536:80", "out of range");
	bad("8080:99999999999999999999", "out of range");
	bad("8080:-1", "ranges are not supported");
	bad("8000-8010:80", "ranges are not supported");
	bad("8080:80-81", "ranges are not supported");
	bad("8080:http", "not a number");
	bad("+80:80", "not a number");
	bad("8080:80/sctp", "unknown protocol");
	bad("8080:80/TCP", "unknown protocol");
	bad("8080:80/", "unknown protocol");
	bad("localhost:8080:80", "not an IPv4 address");
	bad("1.2.3:8080:80", "not an IPv4 address");
	bad("256.0.0.1:8080:80", "not an IPv4 address");
	bad("::1:8080:80", "brackets");
	bad("[::1]8080:80", "expected \":\"");
	bad("[::1:8080:80", "without \"]\"");
	bad("[]:8080:80", "empty");
	bad("[127.0.0.1]:8080:80", "not an IPv6 address");
	bad("[fe80::1%eth0]:8080:80", "not an IPv6 address");
	bad(":8080:80", "empty");
	bad("8080:", "empty");
	bad(":80", "empty");
	bad("8080 :80", "spaces");
	bad("a:b:c:d", "too many");
	char longspec[300];
	memset(longspec, '1', sizeof(longspec) - 1);
	longspec[sizeof(longspec) - 1] = '\0';
	bad(longspec, "too long");
}

static uint16_t free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t l = sizeof(a);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &l), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static void test_bind(void **st)
{
	(void)st;
	unsigned port = free_port();
	char s1[64], s2[64];
	snprintf(s1, sizeof(s1), "%u:80", port);
	snprintf(s2, sizeof(s2), "%u:53/udp", port);
	struct fwd_port p[3];
	assert_int_equal(fwd_parse(s1, &p[0]), 0);
	assert_int_equal(fwd_parse(s2, &p[1]), 0); /* the same number, but UDP: no clash */
	assert_int_equal(fwd_bind(p, 2), 0);
	assert_true(p[0].fd >= 0 && p[1].fd >= 0);
	/* every socket is close-on-exec and nonblocking */
	for (int i = 0; i < 2; i++) {
		assert_true(fcntl(p[i].fd, F_GETFD) & FD_CLOEXEC);
		assert_true(fcntl(p[i].fd, F_GETFL) & O_NONBLOCK);
	}
	struct sockaddr_in a;
	socklen_t l = sizeof(a);
	assert_int_equal(getsockname(p[0].fd, (struct sockaddr *)&a, &l), 0);
	assert_int_equal(ntohl(a.sin_addr.s_addr), INADDR_LOOPBACK); /* the default is loopback only */

	/* the port is taken now: a second bind fails, names the address, and leaves nothing bound */
	unsigned other = free_port();
	char s3[64];
	snprintf(s3, sizeof(s3), "%u:81", other);
	struct fwd_port q[2];
	assert_int_equal(fwd_parse(s3, &q[0]), 0);
	assert_int_equal(fwd_parse(s1, &q[1]), 0);
	err_clear();
	assert_int_equal(fwd_bind(q, 2), -EADDRINUSE);
	char want[64];
	snprintf(want, sizeof(want), "127.0.0.1:%u", port);
	if (!strstr(err_msg(), want) || !strstr(err_msg(), "another host port"))
		fail_msg("message: %s", err_msg());
	assert_int_equal(q[0].fd, -1);
	assert_int_equal(q[1].fd, -1);
	/* q[0]'s port is free again: binding it alone works */
	assert_int_equal(fwd_bind(q, 1), 0);
	fwd_close(q, 1);
	assert_int_equal(q[0].fd, -1);

	fwd_close(p, 2);
	assert_int_equal(p[0].fd, -1);
	/* closed: the port can be bound again (SO_REUSEADDR) */
	assert_int_equal(fwd_bind(p, 1), 0);
	fwd_close(p, 1);
}

static void test_bind_bad_address(void **st)
{
	(void)st;
	struct fwd_port p;
	/* TEST-NET-1 is on no interface here */
	assert_int_equal(fwd_parse("192.0.2.1:18080:80", &p), 0);
	err_clear();
	assert_int_equal(fwd_bind(&p, 1), -EADDRNOTAVAIL);
	assert_non_null(strstr(err_msg(), "192.0.2.1"));
	assert_int_equal(p.fd, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_refused),
		cmocka_unit_test(test_bind),
		cmocka_unit_test(test_bind_bad_address),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
