/*
 * The registry client behind `stockade pull` (internal to src/image).
 *
 * The parsers here read what a registry or a credentials file controls
 * (WWW-Authenticate, token responses, error bodies, config.json); they are
 * pure, unit-tested and fuzzed (fuzz/fuzz_registry.c).  The transport is
 * libcurl; every byte of a blob goes through the store's verifying writer.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image/image.h"

/* ---- parsers (no I/O) ------------------------------------------------ */

/* One WWW-Authenticate challenge: scheme (lowercased) and the parameters a registry uses. */
struct reg_challenge {
	char scheme[16];   /* "bearer" or "basic" (anything else is refused by the parser) */
	char realm[1024];  /* bearer: the token endpoint URL; basic: a label */
	char service[256];
	char scope[512];
};
/* Parse a WWW-Authenticate header value (without "WWW-Authenticate:"); len bytes, no NUL needed. */
int reg_challenge_parse(const char *hdr, size_t len, struct reg_challenge *c);

/* {"token": "..."} or {"access_token": "..."} -> malloc'd token. */
int reg_token_parse(const char *json, size_t len, char **token);

/*
 * The distribution API's error body {"errors": [{"code", "message"}]} ->
 * "CODE: message" of the first error (malloc'd), or NULL when the body is
 * not one (never fails).
 */
char *reg_error_text(const char *body, size_t len);

/*
 * Credentials for host from a docker config.json text: "auths" keys are
 * matched after dropping a scheme and a path ("https://index.docker.io/v1/"
 * is docker.io's); an entry gives "auth" (base64 of user:password) or
 * "username"/"password".  0 with *user and *pass malloc'd, 0 with both NULL
 * when there is no entry, -EINVAL (message naming what) when the file or
 * the entry is malformed.
 */
int reg_auth_lookup(const char *json, size_t len, const char *what, const char *host, char **user, char **pass);

/* "localhost", "127.0.0.0/8", "::1" (host without port, IPv6 with or without brackets). */
bool reg_host_is_loopback(const char *host);
/* "host[:port]" -> host without the port (IPv6 brackets dropped). */
void reg_host_only(const char *hostport, char *out, size_t n);

/*
 * Split a normalised image name "docker.io/library/busybox" into the API
 * endpoint host[:port] ("registry-1.docker.io") and the repository
 * ("library/busybox").  The credentials key is the name's own host
 * ("docker.io").
 */
int reg_split_name(const char *name, char *host, size_t hn, char *repo, size_t rn);

/* ---- the client -------------------------------------------------------- */

struct reg_client;

struct reg_client_opts {
	const char **insecure;  /* hosts ("host" or "host:port") allowed plain HTTP; NULL-terminated */
	const char *auth_file;  /* NULL: $DOCKER_CONFIG/config.json, else ~/.docker/config.json */
	bool progress;
};

int reg_client_new(const char *name, const struct reg_client_opts *o, struct reg_client **out);
void reg_client_free(struct reg_client *c);

/*
 * GET /v2/<repo>/manifests/<ref> with the Accept list of OCI and Docker v2
 * types; the body (at most IMG_MAX_MANIFEST) is malloc'd in *out.  The
 * caller hashes it: nothing the registry says about it is trusted.
 */
int reg_get_manifest(struct reg_client *c, const char *ref, char **out, size_t *len);

/*
 * GET /v2/<repo>/blobs/<digest> (following redirects) straight into the
 * store's verifying writer; the blob is stored only when it hashes to digest
 * and has exactly size bytes.
 */
int reg_get_blob(struct reg_client *c, struct img_store *s, const char *digest, int64_t size, const char *label);
