/*
 * http_auth — Basic credentials from an Authorization header value
 * (http_auth.h, RFC 7617 over RFC 4648 §4 base64).
 */
#include "config.h"

#include "shared/codec/http_auth.h"

#include <string.h>

static int b64_value(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static int is_space(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/* Decodes base64 p[0..len) (padding optional, only at the end) into
 * out[0..cap). Returns the length or a negative http_auth_error. */
static long b64_decode(const uint8_t *p, size_t len, uint8_t *out, size_t cap)
{
	uint32_t acc = 0;
	size_t i, n = 0, bits = 0, pad = 0;

	while (pad < len && pad < 2 && p[len - 1 - pad] == '=')
		pad++;
	if (pad > 0 && (len % 4) != 0)
		return HTTP_AUTH_EBASE64;
	len -= pad;
	if (len % 4 == 1)
		return HTTP_AUTH_EBASE64;	/* 6 bits cannot end a byte */
	for (i = 0; i < len; i++) {
		int v = b64_value(p[i]);

		if (v < 0)
			return HTTP_AUTH_EBASE64;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == cap)
				return HTTP_AUTH_ETOOBIG;
			out[n++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (acc != 0)
		return HTTP_AUTH_EBASE64;	/* non-canonical leftover bits */
	return (long)n;
}

int http_auth_basic_parse(const uint8_t *p, size_t len,
			  struct http_auth_basic *out)
{
	static const char scheme[] = "basic";
	const uint8_t *colon;
	size_t i = 0, end = len, k;
	long n;

	while (i < len && is_space(p[i]))
		i++;
	for (k = 0; k < sizeof(scheme) - 1; k++, i++)
		if (i >= len || (p[i] | 0x20) != (uint8_t)scheme[k])
			return HTTP_AUTH_ESCHEME;
	if (i >= len || !is_space(p[i]))
		return HTTP_AUTH_ESCHEME;
	while (i < len && is_space(p[i]))
		i++;
	while (end > i && is_space(p[end - 1]))
		end--;
	if (end == i)
		return HTTP_AUTH_ESCHEME;
	n = b64_decode(p + i, end - i, (uint8_t *)out->buf, HTTP_AUTH_MAX);
	if (n < 0)
		return (int)n;
	out->buf[n] = '\0';
	if (memchr(out->buf, '\0', (size_t)n) != NULL)
		return HTTP_AUTH_ENUL;
	colon = memchr(out->buf, ':', (size_t)n);
	if (colon == NULL)
		return HTTP_AUTH_ECOLON;
	out->buf[(const char *)colon - out->buf] = '\0';
	out->user = out->buf;
	out->user_len = (size_t)((const char *)colon - out->buf);
	out->password = (const char *)colon + 1;
	out->password_len = (size_t)n - out->user_len - 1;
	return 0;
}

const char *http_auth_strerror(int err)
{
	switch (err) {
	case 0:
		return "ok";
	case HTTP_AUTH_ESCHEME:
		return "not Basic credentials";
	case HTTP_AUTH_EBASE64:
		return "bad base64";
	case HTTP_AUTH_ETOOBIG:
		return "credentials too long";
	case HTTP_AUTH_ECOLON:
		return "no ':' between user and password";
	case HTTP_AUTH_ENUL:
		return "NUL in the credentials";
	default:
		return "unknown error";
	}
}
