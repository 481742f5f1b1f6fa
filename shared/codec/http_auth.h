/*
 * http_auth — the credentials of an HTTP `Authorization: Basic` header
 * (RFC 7617: "Basic" then base64 of "user:password", RFC 4648 §4 alphabet).
 * Used by the bearerbox's admin interface. Pure codec: no allocation, no I/O.
 */
#ifndef HERMOD_HTTP_AUTH_H
#define HERMOD_HTTP_AUTH_H

#include <stddef.h>
#include <stdint.h>

/* Longest decoded "user:password" kept. */
#define HTTP_AUTH_MAX 384

enum http_auth_error {
	HTTP_AUTH_ESCHEME = -1,	/* not the Basic scheme, or no token after it */
	HTTP_AUTH_EBASE64 = -2,	/* a character outside base64, bad padding */
	HTTP_AUTH_ETOOBIG = -3,	/* decoded credentials over HTTP_AUTH_MAX */
	HTTP_AUTH_ECOLON = -4,	/* no ':' between user and password */
	HTTP_AUTH_ENUL = -5,	/* a NUL byte in the decoded credentials */
};

/* Decoded credentials: user and password point into buf, NUL-terminated. */
struct http_auth_basic {
	char buf[HTTP_AUTH_MAX + 1];
	const char *user;
	size_t user_len;
	const char *password;	/* everything after the first ':' */
	size_t password_len;
};

/*
 * Parses the value of an Authorization header, p[0..len): optional spaces,
 * the scheme "Basic" (any case), one or more spaces or tabs, the base64
 * token (padding optional), optional trailing spaces or tabs. Returns 0 with
 * *out filled, or a negative enum http_auth_error (*out is then unspecified).
 */
int http_auth_basic_parse(const uint8_t *p, size_t len,
			  struct http_auth_basic *out);

/* A short English description of an error code (static storage). */
const char *http_auth_strerror(int err);

#endif
