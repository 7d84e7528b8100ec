/* A cache of compiled seccomp programs; see seccomp_compile_cached() in seccomp.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "sandbox/seccomp.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/macros.h"

#define MAGIC "STKSECC1"
#define MAX_FILE (1u << 20)

struct buf {
	char *p;
	size_t n, cap;
	bool oom;
};

static void put(struct buf *b, const void *d, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		while (cap < b->n + n)
			cap *= 2;
		char *np = realloc(b->p, cap);
		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->n, d, n);
	b->n += n;
}

static void put_u64(struct buf *b, uint64_t v)
{
	put(b, &v, sizeof(v));
}

static void put_str(struct buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	put_u64(b, n);
	put(b, s, n);
}

/* Everything that decides the compiled program, in a fixed order. */
static void make_key(const struct oci_seccomp *sc, struct buf *k)
{
	const struct scmp_version *v = seccomp_version();
	struct utsname u;
	char ver[64];
	snprintf(ver, sizeof(ver), "%u.%u.%u", v->major, v->minor, v->micro);
	put_str(k, "stockade " STOCKADE_VERSION);
	put_str(k, ver);
	put_u64(k, seccomp_api_get());
	put_u64(k, seccomp_arch_native());
	put_str(k, uname(&u) == 0 ? u.release : "");
	put_u64(k, sc->default_action);
	put_u64(k, sc->has_default_errno);
	put_u64(k, sc->default_errno);
	put_u64(k, sc->flags);
	put_u64(k, sc->n_archs);
	for (size_t i = 0; i < sc->n_archs; i++)
		put_str(k, sc->archs[i]);
	put_u64(k, sc->n_rules);
	for (size_t i = 0; i < sc->n_rules; i++) {
		const struct oci_seccomp_rule *r = &sc->rules[i];
		put_u64(k, r->n_names);
		for (size_t j = 0; j < r->n_names; j++)
			put_str(k, r->names[j]);
		put_u64(k, r->action);
		put_u64(k, r->has_errno);
		put_u64(k, r->errno_ret);
		put_u64(k, r->n_args);
		for (size_t j = 0; j < r->n_args; j++) {
			put_u64(k, r->args[j].index);
			put_u64(k, r->args[j].value);
			put_u64(k, r->args[j].value_two);
			put_u64(k, (uint64_t)(int64_t)r->args[j].op);
		}
	}
}

static uint64_t fnv1a(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* <root>/.cache, created 0700; refused unless it is ours and private. */
static int open_cache_dir(const char *root)
{
	int rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0)
		return -errno;
	if (mkdirat(rfd, ".cache", 0700) < 0 && errno != EEXIST) {
		int e = errno;
		close(rfd);
		return -e;
	}
	int fd = openat(rfd, ".cache", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int e = errno;
	close(rfd);
	if (fd < 0)
		return -e;
	struct stat st;
	if (fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 077)) {
		close(fd);
		return -EPERM;
	}
	return fd;
}

static bool load(int dfd, const char *name, const struct buf *key, struct seccomp_prog *out)
{
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return false;
	struct stat st;
	char *data = NULL;
	bool ok = false;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022) ||
	    st.st_size < 32 || st.st_size > MAX_FILE)
		goto out;
	size_t n = (size_t)st.st_size;
	data = malloc(n);
	if (!data || read_all(fd, data, n) != (ssize_t)n)
		goto out;
	/* MAGIC | u64 keylen | key | u64 flags | u64 notify | u64 ninsn | insns */
	size_t off = 8;
	uint64_t klen, flags, notify, ninsn;
	if (memcmp(data, MAGIC, 8) != 0)
		goto out;
	memcpy(&klen, data + off, 8);
	off += 8;
	if (klen != key->n || off + klen + 24 > n || memcmp(data + off, key->p, klen) != 0)
		goto out;
	off += klen;
	memcpy(&flags, data + off, 8);
	memcpy(&notify, data + off + 8, 8);
	memcpy(&ninsn, data + off + 16, 8);
	off += 24;
	if (ninsn == 0 || ninsn > BPF_MAXINSNS || off + ninsn * sizeof(struct sock_filter) != n)
		goto out;
	struct sock_filter *f = malloc(ninsn * sizeof(*f));
	if (!f)
		goto out;
	memcpy(f, data + off, ninsn * sizeof(*f));
	out->fprog.filter = f;
	out->fprog.len = (unsigned short)ninsn;
	out->flags = (unsigned)flags;
	out->notify = notify != 0;
	ok = true;
out:
	free(data);
	close(fd);
	return ok;
}

static void store(int dfd, const char *name, const struct buf *key, const struct seccomp_prog *p)
{
	struct buf b = { 0 };
	put(&b, MAGIC, 8);
	put_u64(&b, key->n);
	put(&b, key->p, key->n);
	put_u64(&b, p->flags);
	put_u64(&b, p->notify);
	put_u64(&b, p->fprog.len);
	put(&b, p->fprog.filter, p->fprog.len * sizeof(struct sock_filter));
	if (!b.oom) {
		int r = write_file_atomic_at(dfd, name, b.p, b.n, 0600);
		if (r < 0)
			log_debug("seccomp cache: cannot store %s: %s", name, strerror(-r));
	}
	free(b.p);
}

int seccomp_compile_cached(const struct oci_seccomp *sc, const char *config, const char *root, struct seccomp_prog *out)
{
	int dfd = root ? open_cache_dir(root) : -1;
	if (dfd < 0)
		return seccomp_compile(sc, config, out);
	struct buf key = { 0 };
	make_key(sc, &key);
	char name[40];
	snprintf(name, sizeof(name), "seccomp-%016llx.bpf", (unsigned long long)fnv1a(key.p, key.n));
	int r;
	memset(out, 0, sizeof(*out));
	if (!key.oom && load(dfd, name, &key, out)) {
		log_debug("seccomp: %s from the cache", name);
		r = 0;
	} else {
		r = seccomp_compile(sc, config, out);
		if (r >= 0 && !key.oom)
			store(dfd, name, &key, out);
	}
	free(key.p);
	close(dfd);
	return r;
}
