/*
 * Fuzz what a registry (or a credentials file) controls in the registry
 * client: WWW-Authenticate challenges, token responses, error bodies, docker
 * config.json credentials, and the host/name helpers fed from references.
 * Any byte string must parse or fail with a message -- never crash, leak or
 * read beyond the length given.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/registry.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void explained(int r)
{
	if (r < 0 && strcmp(err_msg(), "unknown error") == 0)
		__builtin_trap(); /* every failure must explain itself */
	err_clear();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy: ASan catches any read past the length */
	char *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);

	struct reg_challenge c;
	int r = reg_challenge_parse(buf, size, &c);
	explained(r);
	if (r == 0 && (strlen(c.scheme) >= sizeof(c.scheme) || strlen(c.realm) >= sizeof(c.realm)))
		__builtin_trap();

	char *tok = NULL;
	explained(reg_token_parse(buf, size, &tok));
	free(tok);

	free(reg_error_text(buf, size));
	err_clear();

	char *u = NULL, *p = NULL;
	explained(reg_auth_lookup(buf, size, "fuzz", "registry.example:5000", &u, &p));
	if ((u == NULL) != (p == NULL))
		__builtin_trap();
	free(u);
	free(p);
	explained(reg_auth_lookup(buf, size, "fuzz", "docker.io", &u, &p));
	free(u);
	free(p);

	/* host names and image names come from references */
	char *s = malloc(size + 1);
	if (s) {
		memcpy(s, data, size);
		s[size] = '\0';
		char h[256], repo[256];
		(void)reg_host_is_loopback(s);
		reg_host_only(s, h, sizeof(h));
		explained(reg_split_name(s, h, sizeof(h), repo, sizeof(repo)));
		free(s);
	}
	free(buf);
	return 0;
}
