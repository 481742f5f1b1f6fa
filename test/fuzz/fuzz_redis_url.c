/*
 * Fuzz target for redis_url_parse (shared/codec/redis_url.h; pure). The
 * input, NUL-terminated, is parsed; an accepted URL must give
 * sane fields, be rebuilt from them (user and password %-encoded) into a URL
 * that parses to the same fields, and its redacted form must not depend on
 * the password (only on whether there is one) and must stay NUL-terminated in
 * any buffer size.
 */
#include "config.h"

#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shared/codec/redis_url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_URL_MAX 4096

static void fuzz_url_check(int cond)
{
	if (!cond)
		abort();
}

/* Fields of an accepted URL: NUL-terminated, in range. */
static void fuzz_url_sane(const struct redis_url *u)
{
	fuzz_url_check(memchr(u->host, '\0', sizeof(u->host)) != NULL);
	fuzz_url_check(memchr(u->path, '\0', sizeof(u->path)) != NULL);
	fuzz_url_check(memchr(u->user, '\0', sizeof(u->user)) != NULL);
	fuzz_url_check(memchr(u->password, '\0', sizeof(u->password)) != NULL);
	fuzz_url_check(u->db >= 0);
	if (u->is_unix) {
		fuzz_url_check(u->path[0] != '\0' && strchr(u->path, '?') == NULL);
	} else {
		fuzz_url_check(u->host[0] != '\0' && u->port >= 1 &&
			       u->port <= 65535);
		fuzz_url_check(strpbrk(u->host, "/?#@") == NULL);
	}
}

/* Appends s %-encoded (every octet) at *w of out. */
static void fuzz_url_pct(char *out, size_t *w, const char *s)
{
	for (; *s != '\0'; s++) {
		snprintf(out + *w, 4, "%%%02X", (unsigned)(unsigned char)*s);
		*w += 3;
	}
}

/* Writes a URL for *u into out (large enough). */
static void fuzz_url_build(const struct redis_url *u, char *out)
{
	size_t w = 0;

	if (u->is_unix) {
		w += (size_t)sprintf(out, "unix://%s?db=%d", u->path, u->db);
		if (u->user[0] != '\0') {
			w += (size_t)sprintf(out + w, "&user=");
			fuzz_url_pct(out, &w, u->user);
		}
		if (u->password[0] != '\0') {
			w += (size_t)sprintf(out + w, "&password=");
			fuzz_url_pct(out, &w, u->password);
		}
		return;
	}
	w += (size_t)sprintf(out, "redis://");
	if (u->user[0] != '\0' || u->password[0] != '\0') {
		fuzz_url_pct(out, &w, u->user);
		out[w++] = ':';
		fuzz_url_pct(out, &w, u->password);
		out[w++] = '@';
	}
	if (strchr(u->host, ':') != NULL || u->host[0] == '[')
		sprintf(out + w, "[%s]:%d/%d", u->host, u->port, u->db);
	else
		sprintf(out + w, "%s:%d/%d", u->host, u->port, u->db);
}

static void fuzz_url_same(const struct redis_url *a, const struct redis_url *b)
{
	fuzz_url_check(a->is_unix == b->is_unix && a->db == b->db);
	fuzz_url_check(strcmp(a->user, b->user) == 0);
	fuzz_url_check(strcmp(a->password, b->password) == 0);
	if (a->is_unix)
		fuzz_url_check(strcmp(a->path, b->path) == 0);
	else
		fuzz_url_check(strcmp(a->host, b->host) == 0 && a->port == b->port);
}

static void fuzz_url_redaction(const struct redis_url *u)
{
	static struct redis_url other;
	char a[1024], b[1024], small[64];

	redis_url_redacted(u, a, sizeof(a));
	fuzz_url_check(memchr(a, '\0', sizeof(a)) != NULL);
	other = *u;
	if (other.password[0] != '\0')
		strcpy(other.password, "x");
	redis_url_redacted(&other, b, sizeof(b));
	fuzz_url_check(strcmp(a, b) == 0);
	for (size_t cap = 1; cap <= sizeof(small); cap++) {
		memset(small, 'z', sizeof(small));
		redis_url_redacted(u, small, cap);
		fuzz_url_check(memchr(small, '\0', cap) != NULL);
		fuzz_url_check(strncmp(small, a, cap - 1) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char url[FUZZ_URL_MAX + 1], rebuilt[4 * FUZZ_URL_MAX + 64];
	static struct redis_url u, v;

	if (size > FUZZ_URL_MAX)
		return 0;
	memcpy(url, data, size);
	url[size] = '\0';
	if (redis_url_parse(url, &u) != 0)
		return 0;
	fuzz_url_sane(&u);
	fuzz_url_redaction(&u);
	fuzz_url_build(&u, rebuilt);
	fuzz_url_check(redis_url_parse(rebuilt, &v) == 0);
	fuzz_url_same(&u, &v);
	return 0;
}
