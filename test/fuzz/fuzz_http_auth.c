/*
 * Fuzz target for shared/codec/http_auth: any header value either fails with
 * a named error or yields a user and password inside the decoded buffer,
 * NUL-terminated, with lengths that add up; re-encoding them and parsing
 * again gives the same credentials.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shared/codec/http_auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct http_auth_basic a, b;

static size_t b64_encode(const uint8_t *p, size_t n, char *out)
{
	static const char t[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		out[o++] = t[v >> 18];
		out[o++] = t[(v >> 12) & 63];
		out[o++] = t[(v >> 6) & 63];
		out[o++] = t[v & 63];
	}
	if (n - i == 1) {
		out[o++] = t[p[i] >> 2];
		out[o++] = t[(p[i] & 3) << 4];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)p[i] << 8 | p[i + 1];

		out[o++] = t[v >> 10];
		out[o++] = t[(v >> 4) & 63];
		out[o++] = t[(v & 15) << 2];
		out[o++] = '=';
	}
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char cred[HTTP_AUTH_MAX + 1];
	static char hdr[8 + 4 * (HTTP_AUTH_MAX / 3 + 1)];
	size_t n;
	int rc;

	if (size > 4096)
		return 0;
	rc = http_auth_basic_parse(data, size, &a);
	if (rc != 0) {
		if (rc > 0 || rc < HTTP_AUTH_ENUL)
			abort();
		return 0;
	}
	if (a.user != a.buf || a.user[a.user_len] != '\0' ||
	    a.password != a.buf + a.user_len + 1 ||
	    a.password[a.password_len] != '\0' ||
	    a.user_len + 1 + a.password_len > HTTP_AUTH_MAX ||
	    strlen(a.user) != a.user_len || strlen(a.password) != a.password_len)
		abort();
	n = a.user_len + 1 + a.password_len;
	memcpy(cred, a.user, a.user_len);
	cred[a.user_len] = ':';
	memcpy(cred + a.user_len + 1, a.password, a.password_len);
	memcpy(hdr, "Basic ", 6);
	n = 6 + b64_encode((const uint8_t *)cred, n, hdr + 6);
	if (http_auth_basic_parse((const uint8_t *)hdr, n, &b) != 0 ||
	    b.user_len != a.user_len || b.password_len != a.password_len ||
	    memcmp(b.user, a.user, a.user_len) != 0 ||
	    memcmp(b.password, a.password, a.password_len) != 0)
		abort();
	return 0;
}
