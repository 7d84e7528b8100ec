/*
 * Container runtimes and engines on the host, their versions, and the escape
 * CVEs those versions carry (STK802).  On the live host a version comes from
 * running `<bin> --version` (2 s at most); in a recorded tree from the file
 * `<bin>.version` next to the binary, which holds that command's output.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "host/host.h"
#include "util/fs.h"

/* ---- versions ---------------------------------------------------------------- */

struct ver {
	unsigned long num[6];
	int pre_rank; /* 0 release; 1 alpha, 2 beta, 3 rc/pre: older than the release */
	unsigned long pre_num;
};

static const char *pre_word(const char *s, int *rank)
{
	static const struct { const char *w; int rank; } words[] = { { "alpha", 1 }, { "beta", 2 }, { "rc", 3 },
		{ "pre", 3 }, { "dev", 1 } };
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strncasecmp(s, words[i].w, strlen(words[i].w)) == 0) {
			*rank = words[i].rank;
			return s + strlen(words[i].w);
		}
	return NULL;
}

static void ver_parse(const char *s, struct ver *v)
{
	memset(v, 0, sizeof(*v));
	const char *colon = strchr(s, ':');
	if (colon && colon > s && strspn(s, "0123456789") == (size_t)(colon - s))
		s = colon + 1; /* a Debian epoch */
	if (*s == 'v' || *s == 'V')
		s++;
	for (size_t i = 0; i < 6 && isdigit((unsigned char)*s); i++) {
		v->num[i] = strtoul(s, (char **)&s, 10);
		if (*s != '.' || !isdigit((unsigned char)s[1]))
			break;
		s++;
	}
	/* "-rc6", "-rc.3", "~rc93", "rc1": a pre-release; "+ds1", "~ds1", "-ce", "-1": packaging, ignored */
	if (*s == '-' || *s == '~' || *s == '.')
		s++;
	int rank = 0;
	const char *p = pre_word(s, &rank);
	if (!p)
		return;
	v->pre_rank = rank;
	if (*p == '.' || *p == '-')
		p++;
	v->pre_num = strtoul(p, NULL, 10);
}

int host_version_cmp(const char *a, const char *b)
{
	struct ver x, y;
	ver_parse(a, &x);
	ver_parse(b, &y);
	for (size_t i = 0; i < 6; i++)
		if (x.num[i] != y.num[i])
			return x.num[i] < y.num[i] ? -1 : 1;
	int rx = x.pre_rank ? x.pre_rank : 99, ry = y.pre_rank ? y.pre_rank : 99;
	if (rx != ry)
		return rx < ry ? -1 : 1;
	if (x.pre_num != y.pre_num)
		return x.pre_num < y.pre_num ? -1 : 1;
	return 0;
}

/* The version in a --version line: the first word that starts with a digit (or v+digit) and has a dot. */
static const char *version_in(struct host *h, const char *text)
{
	for (const char *p = text; p && *p;) {
		p += strspn(p, " \t\r\n,");
		size_t n = strcspn(p, " \t\r\n,");
		const char *w = p + ((*p == 'v' || *p == 'V') && isdigit((unsigned char)p[1]));
		if (n && isdigit((unsigned char)*w) && memchr(w, '.', n - (size_t)(w - p)))
			return arena_strndup(&h->arena, w, n - (size_t)(w - p));
		p += n;
	}
	return NULL;
}

/* Run `<fd> --version` with a 2 s limit; its stdout, or NULL. */
static char *run_version(int exe_fd, const char *name)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return NULL;
	pid_t pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return NULL;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		dup2(pfd[1], STDOUT_FILENO);
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDERR_FILENO);
		}
		char *argv[] = { (char *)name, (char *)"--version", NULL };
		char *envp[] = { (char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin", (char *)"LC_ALL=C", NULL };
		syscall(SYS_execveat, exe_fd, "", argv, envp, AT_EMPTY_PATH);
		_exit(127);
	}
	close(pfd[1]);
	char buf[4096];
	size_t n = 0;
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		long left = 2000 - ((now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000);
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			break; /* a hung binary must not hang the check */
		ssize_t r = read(pfd[0], buf + n, sizeof(buf) - 1 - n);
		if (r <= 0 || (n += (size_t)r) == sizeof(buf) - 1)
			break;
	}
	close(pfd[0]);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	buf[n] = '\0';
	return n ? strdup(buf) : NULL;
}

/* ---- known escape CVEs ----------------------------------------------------------- */

struct cve {
	const char *engine;
	const char *from;  /* first affected version, NULL: every earlier one */
	const char *fixed; /* first fixed version of that line */
	const char *id;
	int sev;           /* RULE_SEV_DEFAULT: the rule's (critical); lower for non-escape bugs */
	const char *what;
};

static const struct cve cves[] = {
	{ "runc", NULL, "1.0.0-rc7", "CVE-2019-5736", -1, "a container can overwrite the host's runc binary via /proc/self/exe" },
	{ "runc", NULL, "1.0.0-rc10", "CVE-2019-19921", -1, "a mount race over /proc bypasses AppArmor" },
	{ "runc", NULL, "1.0.0-rc95", "CVE-2021-30465", -1, "a symlink-exchange race mounts host paths into the container" },
	{ "runc", "1.0.0-rc93", "1.1.12", "CVE-2024-21626", -1, "a leaked fd gives the container a working directory in "
	  "the host's filesystem" },
	{ "runc", NULL, "1.2.8", "CVE-2025-31133 CVE-2025-52565 CVE-2025-52881", -1, "masked-path and /dev/console "
	  "races redirect writes to host /proc files" },
	{ "runc", "1.3.0", "1.3.3", "CVE-2025-31133 CVE-2025-52565 CVE-2025-52881", -1, "masked-path and /dev/console "
	  "races redirect writes to host /proc files" },
	{ "runc", "1.4.0-rc.1", "1.4.0-rc.3", "CVE-2025-31133 CVE-2025-52565 CVE-2025-52881", -1, "masked-path and "
	  "/dev/console races redirect writes to host /proc files" },
	{ "containerd", NULL, "1.3.9", "CVE-2020-15257", -1, "host-network containers reach the shim's abstract socket "
	  "and run as root on the host" },
	{ "containerd", "1.4.0", "1.4.3", "CVE-2020-15257", -1, "host-network containers reach the shim's abstract socket "
	  "and run as root on the host" },
	{ "containerd", NULL, "1.4.13", "CVE-2022-23648", SEV_HIGH, "an image's volume paths expose host files to the "
	  "container" },
	{ "containerd", "1.5.0", "1.5.10", "CVE-2022-23648", SEV_HIGH, "an image's volume paths expose host files to the "
	  "container" },
	{ "containerd", "1.6.0", "1.6.1", "CVE-2022-23648", SEV_HIGH, "an image's volume paths expose host files to the "
	  "container" },
	{ "dockerd", NULL, "18.06.3", "CVE-2019-5736", -1, "the bundled runc can be overwritten from a container" },
	{ "dockerd", "18.09.0", "18.09.2", "CVE-2019-5736", -1, "the bundled runc can be overwritten from a container" },
	{ "crun", NULL, "1.4.4", "CVE-2022-27650", SEV_MEDIUM, "non-empty inheritable capabilities let file "
	  "capabilities raise privileges inside the container" },
	{ "podman", NULL, "4.0.3", "CVE-2022-27649", SEV_MEDIUM, "non-empty inheritable capabilities let file "
	  "capabilities raise privileges inside the container" },
};

static void judge(struct host *h, const struct host_runtime *rt)
{
	bool any = false;
	for (size_t i = 0; i < sizeof(cves) / sizeof(cves[0]); i++) {
		const struct cve *c = &cves[i];
		if (strcmp(c->engine, rt->name) != 0 || host_version_cmp(rt->version, c->fixed) >= 0 ||
		    (c->from && host_version_cmp(rt->version, c->from) < 0))
			continue;
		any = true;
		host_finding(h, "STK802", c->sev, rt->path, "%s %s has %s: %s (fixed in %s; a distribution package may "
			     "carry the fix as a backport, check its changelog)", rt->name, rt->version, c->id, c->what,
			     c->fixed);
		host_item(h, HOST_RUNTIMES, c->sev >= 0 && c->sev < SEV_HIGH ? HV_WARN : HV_FAIL, rt->name, "%s %s: %s",
			  rt->path, rt->version, c->id);
	}
	if (!any)
		host_item(h, HOST_RUNTIMES, HV_OK, rt->name, "%s %s: no known escape CVE", rt->path, rt->version);
}

static const char *const bin_dirs[] = { "/usr/bin", "/usr/sbin", "/usr/local/bin", "/bin", "/sbin" };
static const char *const engines[] = { "runc", "crun", "containerd", "dockerd", "podman" };

static const char *find_version(struct host *h, int dirfd, const char *name)
{
	char vfile[64];
	snprintf(vfile, sizeof(vfile), "%s.version", name);
	_cleanup_close_ int vfd = h->live ? -1 : openat(dirfd, vfile, O_RDONLY | O_CLOEXEC);
	if (vfd >= 0) {
		char *text = NULL;
		size_t n;
		if (read_fd_all(vfd, 4096, &text, &n) < 0)
			return NULL;
		const char *v = version_in(h, text);
		free(text);
		return v;
	}
	if (!h->live)
		return NULL;
	_cleanup_close_ int exe = openat(dirfd, name, O_PATH | O_CLOEXEC);
	if (exe < 0)
		return NULL;
	char *out = run_version(exe, name);
	const char *v = out ? version_in(h, out) : NULL;
	free(out);
	return v;
}

void host_check_runtimes(struct host *h)
{
	for (size_t e = 0; e < sizeof(engines) / sizeof(engines[0]) && h->n_runtimes < HOST_MAX_RUNTIMES; e++) {
		/* the first hit in PATH order, as a shell would run it */
		for (size_t d = 0; d < sizeof(bin_dirs) / sizeof(bin_dirs[0]); d++) {
			_cleanup_close_ int dirfd = host_openat(h, bin_dirs[d], O_RDONLY | O_DIRECTORY);
			struct stat st;
			if (dirfd < 0 || fstatat(dirfd, engines[e], &st, 0) < 0 || !S_ISREG(st.st_mode))
				continue;
			struct host_runtime *rt = &h->runtimes[h->n_runtimes++];
			rt->name = engines[e];
			rt->path = arena_printf(&h->arena, "%s/%s", bin_dirs[d], engines[e]);
			rt->version = find_version(h, dirfd, engines[e]);
			if (rt->version)
				judge(h, rt);
			else
				host_item(h, HOST_RUNTIMES, HV_WARN, rt->name, "%s: version unknown (%s)", rt->path,
					  h->live ? "`--version` failed or took over 2 s" : "no .version file in the recorded tree");
			break;
		}
	}
	if (!h->n_runtimes)
		host_item(h, HOST_RUNTIMES, HV_INFO, "runtimes", "no runc, crun, containerd, dockerd or podman in %s",
			  "/usr/bin, /usr/sbin, /usr/local/bin, /bin, /sbin");
}
