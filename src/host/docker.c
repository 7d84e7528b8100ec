/*
 * The Docker daemon's settings (daemon.json merged with a running dockerd's
 * arguments), engine API listeners on TCP and engine socket permissions.
 */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host/host.h"
#include "util/fs.h"

#define DAEMON_JSON "/etc/docker/daemon.json"
#define MAX_HOSTS 16

struct daemon_cfg {
	bool present;       /* daemon.json, a running dockerd or the binary */
	bool running;
	const char *hosts[MAX_HOSTS];
	const char *host_src[MAX_HOSTS];
	size_t n_hosts;
	int tls, tlsverify; /* -1 unset, 0, 1 */
	int nnp, icc, live_restore;
	const char *userns_remap;
	const char *src_json, *src_args; /* where each setting came from, for the messages */
};

static void add_host(struct host *h, struct daemon_cfg *d, const char *v, const char *src)
{
	if (d->n_hosts < MAX_HOSTS) {
		d->host_src[d->n_hosts] = src;
		d->hosts[d->n_hosts++] = arena_strdup(&h->arena, v);
	}
}

static int jbool(struct json_object *o, const char *key)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, key, &v))
		return -1;
	return json_object_get_boolean(v) ? 1 : 0;
}

static void read_daemon_json(struct host *h, struct daemon_cfg *d)
{
	const char *text = host_read(h, DAEMON_JSON, NULL);
	if (!text)
		return;
	d->present = true;
	d->src_json = DAEMON_JSON;
	struct json_object *o = json_tokener_parse(text);
	if (!o || !json_object_is_type(o, json_type_object)) {
		host_item(h, HOST_DOCKER, HV_WARN, "daemon.json", "%s is not a JSON object: dockerd will refuse to start",
			  DAEMON_JSON);
		json_object_put(o);
		return;
	}
	struct json_object *hosts, *um;
	if (json_object_object_get_ex(o, "hosts", &hosts) && json_object_is_type(hosts, json_type_array))
		for (size_t i = 0; i < json_object_array_length(hosts); i++) {
			struct json_object *e = json_object_array_get_idx(hosts, i);
			if (json_object_is_type(e, json_type_string)) /* dockerd refuses anything else */
				add_host(h, d, json_object_get_string(e), DAEMON_JSON);
		}
	d->tls = jbool(o, "tls");
	d->tlsverify = jbool(o, "tlsverify");
	d->nnp = jbool(o, "no-new-privileges");
	d->icc = jbool(o, "icc");
	d->live_restore = jbool(o, "live-restore");
	if (json_object_object_get_ex(o, "userns-remap", &um) && json_object_get_string_len(um) > 0)
		d->userns_remap = arena_strdup(&h->arena, json_object_get_string(um));
	json_object_put(o);
}

/* --flag, --flag=true|false */
static int flag_value(const char *arg, const char *name)
{
	size_t n = strlen(name);
	if (strncmp(arg, name, n) != 0)
		return -1;
	if (!arg[n])
		return 1;
	if (arg[n] != '=')
		return -1;
	return strcmp(arg + n + 1, "false") && strcmp(arg + n + 1, "0") ? 1 : 0;
}

static void parse_args(struct host *h, struct daemon_cfg *d, const char *cmd, size_t len, const char *src)
{
	for (size_t i = 0; i < len; i += strlen(cmd + i) + 1) {
		const char *a = cmd + i, *next = i + strlen(a) + 1 < len ? cmd + i + strlen(a) + 1 : NULL;
		int v;
		if ((!strcmp(a, "-H") || !strcmp(a, "--host")) && next)
			add_host(h, d, next, src);
		else if (!strncmp(a, "-H=", 3) || !strncmp(a, "--host=", 7) || (!strncmp(a, "-H", 2) && a[2] && a[2] != '='))
			add_host(h, d, strchr(a, '=') ? strchr(a, '=') + 1 : a + 2, src);
		else if ((v = flag_value(a, "--tlsverify")) >= 0)
			d->tlsverify = v;
		else if ((v = flag_value(a, "--tls")) >= 0)
			d->tls = v;
		else if ((v = flag_value(a, "--no-new-privileges")) >= 0)
			d->nnp = v;
		else if ((v = flag_value(a, "--live-restore")) >= 0)
			d->live_restore = v;
		else if ((v = flag_value(a, "--icc")) >= 0)
			d->icc = v;
		else if (!strcmp(a, "--userns-remap") && next)
			d->userns_remap = arena_strdup(&h->arena, next);
		else if (!strncmp(a, "--userns-remap=", 15) && a[15])
			d->userns_remap = arena_strdup(&h->arena, a + 15);
	}
}

/* A running dockerd: its arguments override daemon.json the way dockerd merges them (conflicts aside). */
static void read_running(struct host *h, struct daemon_cfg *d)
{
	int pfd = host_openat(h, "/proc", O_RDONLY | O_DIRECTORY);
	if (pfd < 0)
		return;
	DIR *dir = fdopendir(pfd);
	if (!dir) {
		close(pfd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(dir))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		_cleanup_close_ int piddir = openat(dirfd(dir), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		_cleanup_close_ int cfd = piddir < 0 ? -1 : openat(piddir, "cmdline", O_RDONLY | O_CLOEXEC);
		char *cmd = NULL;
		size_t len = 0;
		if (cfd < 0 || read_fd_all(cfd, 65536, &cmd, &len) < 0)
			continue;
		const char *base = strrchr(cmd, '/') ? strrchr(cmd, '/') + 1 : cmd;
		if (len && !strcmp(base, "dockerd")) {
			d->present = d->running = true;
			d->src_args = arena_printf(&h->arena, "/proc/%s/cmdline", de->d_name);
			size_t first = strlen(cmd) + 1;
			if (first < len)
				parse_args(h, d, cmd + first, len - first, d->src_args);
		}
		free(cmd);
		if (d->running)
			break;
	}
	closedir(dir);
}

static bool loopback_host(const char *addr)
{
	return !strncmp(addr, "127.", 4) || !strncmp(addr, "localhost", 9) || !strncmp(addr, "[::1]", 5);
}

static void judge_hosts(struct host *h, const struct daemon_cfg *d, bool *plain_tcp_reported)
{
	for (size_t i = 0; i < d->n_hosts; i++) {
		const char *u = d->hosts[i];
		if (strncmp(u, "tcp://", 6) != 0) {
			host_item(h, HOST_DOCKER, HV_OK, "API endpoint", "%s (%s)", u, d->host_src[i]);
			continue;
		}
		if (d->tlsverify == 1) {
			host_item(h, HOST_DOCKER, HV_OK, "API endpoint", "%s with --tlsverify (%s)", u, d->host_src[i]);
			continue;
		}
		const char *why = d->tls == 1 ? "TLS without tlsverify: any client is accepted" : "no TLS";
		host_item(h, HOST_DOCKER, HV_FAIL, "API endpoint", "%s: %s (%s)", u, why, d->host_src[i]);
		host_finding(h, "STK803", loopback_host(u + 6) ? SEV_HIGH : -1, d->host_src[i],
			     "dockerd listens on %s with %s: whoever reaches it is root on the host%s", u, why,
			     loopback_host(u + 6) ? " (loopback only: every local user and process)" : "");
		if (!loopback_host(u + 6) && strstr(u, ":2375"))
			*plain_tcp_reported = true;
	}
}

static void judge_defaults(struct host *h, const struct daemon_cfg *d)
{
	const char *src = d->src_json ? d->src_json : d->src_args ? d->src_args : DAEMON_JSON;
	struct { const char *name; bool ok; const char *bad; } s[] = {
		{ "no-new-privileges", d->nnp == 1, "containers may gain privileges through setuid binaries unless each "
		  "sets no-new-privileges" },
		{ "userns-remap", d->userns_remap != NULL, "container root is host root (uid 0 is not remapped)" },
		{ "icc", d->icc == 0, "containers on the default bridge can reach each other (icc is on)" },
		{ "live-restore", d->live_restore == 1, "restarting or upgrading dockerd kills every container" },
	};
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		if (s[i].ok) {
			host_item(h, HOST_DOCKER, HV_OK, s[i].name, "set (%s)", src);
			continue;
		}
		host_item(h, HOST_DOCKER, HV_WARN, s[i].name, "%s", s[i].bad);
		host_finding(h, "STK804", -1, src, "%s: %s", s[i].name, s[i].bad);
	}
}

/* /proc/net/tcp{,6}: "sl local rem st ...", local "0100007F:0947", state 0A = LISTEN */
static void listeners(struct host *h, bool plain_tcp_reported)
{
	static const char *const files[] = { "/proc/net/tcp", "/proc/net/tcp6" };
	for (size_t f = 0; f < 2; f++) {
		const char *text = host_read(h, files[f], NULL);
		for (const char *l = text ? strchr(text, '\n') : NULL; l && *++l; l = strchr(l, '\n')) {
			char local[64], st[8];
			unsigned port;
			if (sscanf(l, "%*s %63s %*s %7s", local, st) != 2 || strcmp(st, "0A") != 0)
				continue;
			char *colon = strrchr(local, ':');
			if (!colon || sscanf(colon + 1, "%x", &port) != 1)
				continue;
			*colon = '\0';
			bool loop = !strcmp(local, "0100007F") || !strcmp(local, "00000000000000000000000001000000") ||
				    !strcmp(local, "0000000000000000FFFF00000100007F");
			const char *fam = f ? "IPv6" : "IPv4";
			if (port == 2375 && !loop) {
				host_item(h, HOST_DOCKER, HV_FAIL, "TCP 2375", "listening on %s %s: Docker's plain-text API port",
					  fam, !strcmp(local, "00000000") || !strcmp(local, "00000000000000000000000000000000")
						  ? "on every address" : "beyond loopback");
				if (!plain_tcp_reported)
					host_finding(h, "STK803", -1, files[f], "a process listens on TCP port 2375 (%s, "
						     "not loopback), Docker's API port without TLS", fam);
				plain_tcp_reported = true;
			} else if (port == 2376 && !loop) {
				host_item(h, HOST_DOCKER, HV_INFO, "TCP 2376", "listening (%s): Docker's TLS port; safe only "
					  "with --tlsverify", fam);
			} else if (port == 10250 && !loop) {
				host_item(h, HOST_DOCKER, HV_INFO, "TCP 10250", "listening (%s): a kubelet API; check its "
					  "--anonymous-auth=false and authorization mode", fam);
			}
		}
	}
}

static void sockets(struct host *h)
{
	static const char *const socks[] = { "/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock",
		"/run/podman/podman.sock" };
	struct stat seen[4];
	size_t n_seen = 0;
	for (size_t i = 0; i < sizeof(socks) / sizeof(socks[0]); i++) {
		struct stat st;
		if (!host_stat(h, socks[i], &st))
			continue;
		bool dup = false; /* /var/run is /run */
		for (size_t k = 0; k < n_seen; k++)
			dup |= seen[k].st_dev == st.st_dev && seen[k].st_ino == st.st_ino;
		if (dup)
			continue;
		seen[n_seen++] = st;
		if (st.st_mode & S_IWOTH) {
			host_item(h, HOST_DOCKER, HV_FAIL, "socket", "%s is world-writable (mode %04o)", socks[i],
				  (unsigned)(st.st_mode & 07777));
			host_finding(h, "STK803", -1, socks[i], "%s is world-writable (mode %04o): every local user "
				     "controls the engine, and so the host", socks[i], (unsigned)(st.st_mode & 07777));
		} else {
			host_item(h, HOST_DOCKER, HV_OK, "socket", "%s mode %04o, uid %u gid %u", socks[i],
				  (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid, (unsigned)st.st_gid);
		}
	}
}

void host_check_docker(struct host *h)
{
	struct daemon_cfg d = { .tls = -1, .tlsverify = -1, .nnp = -1, .icc = -1, .live_restore = -1 };
	read_daemon_json(h, &d);
	read_running(h, &d);
	for (size_t i = 0; i < h->n_runtimes; i++)
		d.present |= !strcmp(h->runtimes[i].name, "dockerd");
	bool plain = false;
	if (d.present) {
		host_item(h, HOST_DOCKER, HV_INFO, "daemon", "%s%s%s", d.running ? "running" : "not running",
			  d.src_json ? "; settings from " DAEMON_JSON : "; no " DAEMON_JSON " (defaults apply)",
			  d.src_args ? " and its command line" : "");
		judge_hosts(h, &d, &plain);
		judge_defaults(h, &d);
	} else {
		host_item(h, HOST_DOCKER, HV_INFO, "daemon", "dockerd not installed (no binary, no %s, not running)", DAEMON_JSON);
	}
	listeners(h, plain);
	sockets(h);
}
