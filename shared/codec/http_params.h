/*
 * http_params — application/x-www-form-urlencoded parameters (query strings and
 * POST bodies share the grammar): parse with caps, look up by name, decode the
 * hex that seed 004 §5 uses for Unicode and binary messages, and percent-encode
 * values for the callback URLs smsbox builds (delivery reports, MO forwarding).
 * Pure codec: no allocation (decoded text goes to the caller's buffer), no I/O.
 */
#ifndef HERMOD_HTTP_PARAMS_H
#define HERMOD_HTTP_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Most parameters one parse keeps (the array in struct http_params). */
#define HTTP_PARAMS_MAX 64

/* Flags for http_params_init. */
#define HTTP_PARAMS_ALLOW_DUP 0x01u /* keep repeated names instead of failing */
#define HTTP_PARAMS_ALLOW_NUL 0x02u /* accept NUL (raw or %00) in names/values */

enum http_params_error {
	HTTP_PARAMS_EESCAPE = -1,  /* bad or truncated %XX */
	HTTP_PARAMS_ETOOMANY = -2, /* more parameters than max_count */
	HTTP_PARAMS_ETOOBIG = -3,  /* input larger than the storage allows */
	HTTP_PARAMS_EDUP = -4,	   /* a name given twice */
	HTTP_PARAMS_ENAME = -5,	   /* empty name with a value ("=x") */
	HTTP_PARAMS_ENUL = -6,	   /* NUL or %00 without HTTP_PARAMS_ALLOW_NUL */
	HTTP_PARAMS_EHEX = -7,	   /* hex: odd length or a non-hex digit */
	HTTP_PARAMS_ESPACE = -8,   /* output buffer too small */
	HTTP_PARAMS_EINVAL = -9,   /* bad argument */
};

/* One decoded parameter. name and value point into the caller's storage and
 * are NUL-terminated; they may contain NUL only with HTTP_PARAMS_ALLOW_NUL. */
struct http_param {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
	bool has_eq; /* "a=" has it, a bare "a" does not; both have an empty value */
};

/*
 * A parse result. The caller allocates it (it is large: HTTP_PARAMS_MAX
 * entries) and calls http_params_init. After an error, err_name/err_name_len
 * give the raw (undecoded) name of the parameter at fault, pointing into the
 * input, and err_off the offset in the input where the fault is.
 */
struct http_params {
	size_t count;
	struct http_param p[HTTP_PARAMS_MAX];
	size_t max_count;
	unsigned flags;
	char *buf; /* borrowed storage for decoded names and values */
	size_t cap, used;
	const char *err_name;
	size_t err_name_len;
	size_t err_off;
};

/*
 * Prepares ps to parse into buf[0..cap) (borrowed; must outlive ps's use).
 * cap is also the size limit: a longer input fails with HTTP_PARAMS_ETOOBIG.
 * Decoding never grows the text but each parameter takes 2 bytes for its NULs,
 * so an input of up to cap - 2 * max_count bytes always fits. max_count (the
 * parameter limit) is clamped to 1..HTTP_PARAMS_MAX.
 */
void http_params_init(struct http_params *ps, char *buf, size_t cap,
		      size_t max_count, unsigned flags);

/*
 * Parses p[0..len) (the query string without '?', or a form body). Parameters
 * are separated by '&' only (';' is an ordinary character); empty segments
 * ("a=1&&b=2", a trailing '&') are skipped. In names and values '+' is a space
 * and %XX (either case) a byte. Names are case-sensitive; repeated names fail
 * with HTTP_PARAMS_EDUP unless HTTP_PARAMS_ALLOW_DUP.
 * Returns the number of parameters (>= 0; the whole input is always consumed,
 * an empty input gives 0), or a negative enum http_params_error with
 * err_name/err_off set. ps keeps the parameters parsed before an error.
 */
int http_params_parse(const uint8_t *p, size_t len, struct http_params *ps);

/* A short English description of an error code (static storage). */
const char *http_params_strerror(int err);

/* The first parameter called name (NUL-terminated, case-sensitive), or NULL
 * when it is missing. An empty value is a non-NULL result with value_len 0. */
const struct http_param *http_params_get(const struct http_params *ps,
					 const char *name);

/* How many parameters are called name (> 1 only with HTTP_PARAMS_ALLOW_DUP). */
size_t http_params_count_of(const struct http_params *ps, const char *name);

/*
 * Decodes hex[0..len) (either case, no separators) into dst[0..cap): for
 * seed 004's type=Unicode (UCS-2, 4 hex digits a character) and Binary
 * messages. Returns the number of bytes (len / 2), HTTP_PARAMS_EHEX for an odd
 * length or a non-hex character, HTTP_PARAMS_ESPACE when cap < len / 2.
 */
int http_params_hex_decode(const char *hex, size_t len, uint8_t *dst, size_t cap);

/* Flag for http_params_encode. */
#define HTTP_PARAMS_ENC_PLUS 0x01u /* space as '+' (forms) instead of %20 */

/*
 * Percent-encodes src[0..len) into dst[0..cap), NUL-terminated: the RFC 3986
 * unreserved characters A–Z a–z 0–9 - . _ ~ stay, every other byte becomes
 * %XX (upper-case hex). Safe for a query value, a path segment or a Kannel
 * dlr-url substitution. Returns the length written (without the NUL) or
 * HTTP_PARAMS_ESPACE.
 */
int http_params_encode(const uint8_t *src, size_t len, unsigned flags, char *dst,
		       size_t cap);

/*
 * Appends "name=value" to the query string dst[0..*len), with a '&' first when
 * *len > 0 and the string does not end in '?' or '&'. name and value are
 * percent-encoded. Keeps dst NUL-terminated and advances *len. Returns 0 or
 * HTTP_PARAMS_ESPACE (dst and *len are then unchanged).
 */
int http_params_append(char *dst, size_t cap, size_t *len, const char *name,
		       const uint8_t *value, size_t value_len);

#endif
