/*
 * redis_url — the Redis URL of `redis-url` (redis_url.h): parsed by the boxes'
 * Redis client and by the configuration check alike, so that a URL that
 * --check-config accepts is one the boxes can use. Pure: libc only.
 * Layer: shared/codec.
 */
#include "config.h"
#include "shared/codec/redis_url.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "shared/util/bytes.h"

/* Copies s[0..n) %-decoded into out (cap bytes with the NUL). 0 or -1. */
static int redis_pct_copy(const char *s, size_t n, char *out, size_t cap)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= n)
				return -1;
			hi = bytes_hexval((unsigned char)s[i + 1]);
			lo = bytes_hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -1;
			c = hi * 16 + lo;
			i += 2;
		}
		if (o + 1 >= cap)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

/* Parses s[0..n), all decimal digits, into 0..max. 0 or -1. */
static int redis_parse_uint(const char *s, size_t n, long max, int *out)
{
	long v = 0;
	size_t i;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
		if (v > max)
			return -1;
	}
	*out = (int)v;
	return 0;
}

/* host[:port] or [v6]:port from s[0..n). */
static int redis_parse_hostport(const char *s, size_t n, struct redis_url *u)
{
	const char *hs = s, *colon = NULL;
	size_t hn;

	if (n > 0 && s[0] == '[') {
		const char *rb = memchr(s, ']', n);

		if (rb == NULL)
			return -1;
		hs = s + 1;
		hn = (size_t)(rb - hs);
		if (rb + 1 < s + n) {
			if (rb[1] != ':')
				return -1;
			colon = rb + 1;
		}
	} else {
		colon = memchr(s, ':', n);
		hn = colon ? (size_t)(colon - s) : n;
		if (colon && memchr(colon + 1, ':', n - hn - 1))
			return -1;
	}
	if (hn == 0 || hn >= sizeof(u->host))
		return -1;
	memcpy(u->host, hs, hn);
	u->host[hn] = '\0';
	u->port = 6379;
	if (colon != NULL) {
		size_t pn = (size_t)(s + n - colon - 1);

		if (redis_parse_uint(colon + 1, pn, 65535, &u->port) == -1 ||
		    u->port == 0)
			return -1;
	}
	return 0;
}

/* user:password from s[0..n). */
static int redis_parse_userinfo(const char *s, size_t n, struct redis_url *u)
{
	const char *colon = memchr(s, ':', n);
	size_t un;

	if (colon == NULL)
		return -1;
	un = (size_t)(colon - s);
	if (redis_pct_copy(s, un, u->user, sizeof(u->user)) == -1)
		return -1;
	return redis_pct_copy(colon + 1, n - un - 1, u->password,
			      sizeof(u->password));
}

static int redis_parse_tcp(const char *s, struct redis_url *u)
{
	size_t alen = strcspn(s, "/?#");
	const char *at = NULL, *p;

	for (p = s; p < s + alen; p++)
		if (*p == '@')
			at = p;
	if (at != NULL) {
		if (redis_parse_userinfo(s, (size_t)(at - s), u) == -1)
			return -1;
		if (redis_parse_hostport(at + 1, (size_t)(s + alen - at - 1),
					 u) == -1)
			return -1;
	} else if (redis_parse_hostport(s, alen, u) == -1) {
		return -1;
	}
	p = s + alen;
	if (*p == '\0')
		return 0;
	if (*p != '/')
		return -1;
	p++;
	if (*p == '\0')
		return 0;
	return redis_parse_uint(p, strlen(p), INT_MAX, &u->db);
}

/* One "key=value" of a unix: query. */
static int redis_parse_param(const char *s, size_t n, struct redis_url *u)
{
	const char *eq = memchr(s, '=', n);
	size_t kn;

	if (eq == NULL)
		return -1;
	kn = (size_t)(eq - s);
	if (kn == 2 && memcmp(s, "db", 2) == 0)
		return redis_parse_uint(eq + 1, n - kn - 1, INT_MAX, &u->db);
	if (kn == 8 && memcmp(s, "password", 8) == 0)
		return redis_pct_copy(eq + 1, n - kn - 1, u->password,
				      sizeof(u->password));
	if (kn == 4 && memcmp(s, "user", 4) == 0)
		return redis_pct_copy(eq + 1, n - kn - 1, u->user,
				      sizeof(u->user));
	return -1;
}

static int redis_parse_unix(const char *s, struct redis_url *u)
{
	size_t plen;
	const char *q;

	if (strncmp(s, "//", 2) == 0)
		s += 2;
	plen = strcspn(s, "?");
	if (plen == 0 || plen >= sizeof(u->path))
		return -1;
	memcpy(u->path, s, plen);
	u->path[plen] = '\0';
	u->is_unix = true;
	q = s + plen;
	if (*q == '\0')
		return 0;
	q++;
	while (*q != '\0') {
		size_t n = strcspn(q, "&");

		if (redis_parse_param(q, n, u) == -1)
			return -1;
		q += n;
		if (*q == '&')
			q++;
	}
	return 0;
}

int redis_url_parse(const char *url, struct redis_url *out)
{
	memset(out, 0, sizeof(*out));
	if (url == NULL)
		return -1;
	if (strncmp(url, "redis://", 8) == 0)
		return redis_parse_tcp(url + 8, out);
	if (strncmp(url, "unix:", 5) == 0)
		return redis_parse_unix(url + 5, out);
	return -1;
}

void redis_url_redacted(const struct redis_url *u, char *buf, size_t cap)
{
	const char *auth = u->password[0] != '\0' ? "***@" : "";

	if (cap == 0)
		return;
	if (u->is_unix)
		snprintf(buf, cap, "unix:%s?db=%d%s", u->path, u->db,
			 u->password[0] != '\0' ? "&password=***" : "");
	else if (strchr(u->host, ':') != NULL)
		snprintf(buf, cap, "redis://%s[%s]:%d/%d", auth, u->host,
			 u->port, u->db);
	else
		snprintf(buf, cap, "redis://%s%s:%d/%d", auth, u->host, u->port,
			 u->db);
}
