/*
 * redis_url — parses the URL of a Redis server, as `redis-url` gives it:
 *
 *   redis://[[user]:password@]host[:port][/db]   (port 6379, db 0 default;
 *       host may be [v6addr]; user and password may be %XX-encoded)
 *   unix:/path/to/socket[?db=N][&password=...][&user=...]   (percent-encoded)
 *
 * One parser for the boxes' Redis client (shared/io/redis) and for the
 * configuration check (shared/codec/conf_schema). Pure: no I/O, no allocation.
 * Layer: shared/codec.
 */
#ifndef HERMOD_REDIS_URL_H
#define HERMOD_REDIS_URL_H

#include <stdbool.h>
#include <stddef.h>

#define REDIS_URL_HOST_MAX 256
#define REDIS_URL_PATH_MAX 108	/* sizeof(sun_path) */
#define REDIS_URL_SECRET_MAX 256

/* A parsed Redis URL. Pure data, no allocation. */
struct redis_url {
	bool is_unix;
	char host[REDIS_URL_HOST_MAX];	/* TCP: host without brackets */
	int port;			/* TCP: 1..65535 */
	char path[REDIS_URL_PATH_MAX];	/* unix: socket path */
	char user[REDIS_URL_SECRET_MAX];	/* "" = none (AUTH password only) */
	char password[REDIS_URL_SECRET_MAX];	/* "" = no AUTH */
	int db;				/* 0..INT_MAX */
};

/*
 * Parses url into *out. Pure (no I/O). Returns 0, or -1 when the URL is
 * malformed (unknown scheme, empty host, port out of range, bad db, a field
 * too long, bad %-escape); *out is then unspecified.
 */
int redis_url_parse(const char *url, struct redis_url *out);

/*
 * Writes the URL without its password into buf (cap bytes, NUL-terminated,
 * truncated if needed): for log lines.
 */
void redis_url_redacted(const struct redis_url *u, char *buf, size_t cap);

#endif
