/*
 * http_params — application/x-www-form-urlencoded parser and percent/hex helpers
 * (WHATWG URL "application/x-www-form-urlencoded parsing", RFC 3986 §2 for
 * the encoder; seed 004 §5 for what the customer API sends).
 * One pass over the input; decoded names and values are appended to the
 * caller's storage. Pure codec layer: libc only.
 */
#include "config.h"

#include "shared/codec/http_params.h"

#include <string.h>

#include "shared/util/bytes.h"

void http_params_init(struct http_params *ps, char *buf, size_t cap,
		      size_t max_count, unsigned flags)
{
	memset(ps, 0, sizeof(*ps));
	ps->buf = buf;
	ps->cap = cap;
	ps->flags = flags;
	if (max_count < 1)
		max_count = 1;
	ps->max_count = max_count > HTTP_PARAMS_MAX ? HTTP_PARAMS_MAX : max_count;
}

/*
 * Decodes src[0..n) (at offset base in the input) into the storage and
 * NUL-terminates it. Returns 0 or an error with ps->err_off set.
 */
static int decode_part(struct http_params *ps, const uint8_t *src, size_t n,
		       size_t base, const char **out, size_t *out_len)
{
	char *d;
	size_t k = 0;

	if (ps->buf == NULL || ps->cap - ps->used < n + 1) {
		ps->err_off = base;
		return HTTP_PARAMS_ETOOBIG;
	}
	d = ps->buf + ps->used;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = src[i];

		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int hi = n - i >= 3 ? bytes_hexval(src[i + 1]) : -1;
			int lo = n - i >= 3 ? bytes_hexval(src[i + 2]) : -1;

			if (hi < 0 || lo < 0) {
				ps->err_off = base + i;
				return HTTP_PARAMS_EESCAPE;
			}
			c = (uint8_t)(hi << 4 | lo);
		}
		if (c == 0 && !(ps->flags & HTTP_PARAMS_ALLOW_NUL)) {
			ps->err_off = base + i;
			return HTTP_PARAMS_ENUL;
		}
		if (src[i] == '%')
			i += 2;
		d[k++] = (char)c;
	}
	d[k] = '\0';
	ps->used += k + 1;
	*out = d;
	*out_len = k;
	return 0;
}

static bool name_eq(const struct http_param *a, const char *name, size_t len)
{
	return a->name_len == len && memcmp(a->name, name, len) == 0;
}

/* Parses the segment p[s..e) (no '&' inside, not empty) as one parameter. */
static int parse_one(const uint8_t *p, size_t s, size_t e,
		     struct http_params *ps)
{
	const uint8_t *eq = memchr(p + s, '=', e - s);
	size_t ne = eq ? (size_t)(eq - p) : e;
	struct http_param *prm;
	int rc;

	ps->err_name = (const char *)p + s;
	ps->err_name_len = ne - s;
	ps->err_off = s;
	if (ne == s)
		return HTTP_PARAMS_ENAME;
	if (ps->count >= ps->max_count)
		return HTTP_PARAMS_ETOOMANY;
	prm = &ps->p[ps->count];
	prm->has_eq = eq != NULL;
	rc = decode_part(ps, p + s, ne - s, s, &prm->name, &prm->name_len);
	if (rc == 0)
		rc = decode_part(ps, p + ne + (eq != NULL), e - ne - (eq != NULL),
				 ne + (eq != NULL), &prm->value, &prm->value_len);
	if (rc < 0)
		return rc;
	if (!(ps->flags & HTTP_PARAMS_ALLOW_DUP))
		for (size_t i = 0; i < ps->count; i++)
			if (name_eq(&ps->p[i], prm->name, prm->name_len)) {
				ps->err_off = s;
				return HTTP_PARAMS_EDUP;
			}
	ps->count++;
	return 0;
}

int http_params_parse(const uint8_t *p, size_t len, struct http_params *ps)
{
	size_t s = 0;

	ps->count = 0;
	ps->used = 0;
	ps->err_name = NULL;
	ps->err_name_len = 0;
	ps->err_off = 0;
	if (len > (size_t)0x7fffffff || len > ps->cap)
		return HTTP_PARAMS_ETOOBIG;
	while (s < len) {
		const uint8_t *amp = memchr(p + s, '&', len - s);
		size_t e = amp ? (size_t)(amp - p) : len;

		if (e > s) {
			int rc = parse_one(p, s, e, ps);

			if (rc < 0)
				return rc;
		}
		s = e + 1;
	}
	ps->err_name = NULL;
	ps->err_name_len = 0;
	return (int)ps->count;
}

const char *http_params_strerror(int err)
{
	switch (err) {
	case HTTP_PARAMS_EESCAPE:
		return "bad %-escape";
	case HTTP_PARAMS_ETOOMANY:
		return "too many parameters";
	case HTTP_PARAMS_ETOOBIG:
		return "parameters too large";
	case HTTP_PARAMS_EDUP:
		return "parameter repeated";
	case HTTP_PARAMS_ENAME:
		return "parameter without a name";
	case HTTP_PARAMS_ENUL:
		return "NUL byte in a parameter";
	case HTTP_PARAMS_EHEX:
		return "bad hex string";
	case HTTP_PARAMS_ESPACE:
		return "output buffer too small";
	case HTTP_PARAMS_EINVAL:
		return "invalid argument";
	default:
		return err >= 0 ? "no error" : "unknown parameter error";
	}
}

const struct http_param *http_params_get(const struct http_params *ps,
					 const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < ps->count; i++)
		if (name_eq(&ps->p[i], name, n))
			return &ps->p[i];
	return NULL;
}

size_t http_params_count_of(const struct http_params *ps, const char *name)
{
	size_t n = strlen(name), c = 0;

	for (size_t i = 0; i < ps->count; i++)
		c += name_eq(&ps->p[i], name, n);
	return c;
}

int http_params_hex_decode(const char *hex, size_t len, uint8_t *dst, size_t cap)
{
	long n;

	if (len / 2 > (size_t)0x7fffffff)
		return HTTP_PARAMS_EINVAL;
	n = bytes_hex_decode(hex, len, dst, cap);
	if (n == BYTES_HEX_EBAD)
		return HTTP_PARAMS_EHEX;
	return n < 0 ? HTTP_PARAMS_ESPACE : (int)n;
}

static bool unreserved(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	       c == '~';
}

int http_params_encode(const uint8_t *src, size_t len, unsigned flags, char *dst,
		       size_t cap)
{
	static const char hx[] = "0123456789ABCDEF";
	size_t k = 0;

	for (size_t i = 0; i < len; i++) {
		uint8_t c = src[i];
		size_t need = unreserved(c) || (c == ' ' && (flags & HTTP_PARAMS_ENC_PLUS))
				      ? 1 : 3;

		if (cap - k <= need || cap == 0)
			return HTTP_PARAMS_ESPACE;
		if (need == 1) {
			dst[k++] = c == ' ' ? '+' : (char)c;
		} else {
			dst[k++] = '%';
			dst[k++] = hx[c >> 4];
			dst[k++] = hx[c & 15];
		}
	}
	if (cap == 0 || k > (size_t)0x7fffffff)
		return HTTP_PARAMS_ESPACE;
	dst[k] = '\0';
	return (int)k;
}

int http_params_append(char *dst, size_t cap, size_t *len, const char *name,
		       const uint8_t *value, size_t value_len)
{
	size_t k = *len;
	int n;

	if (k >= cap)
		return HTTP_PARAMS_ESPACE;
	if (k > 0 && dst[k - 1] != '?' && dst[k - 1] != '&') {
		if (cap - k < 2)
			return HTTP_PARAMS_ESPACE;
		dst[k++] = '&';
	}
	n = http_params_encode((const uint8_t *)name, strlen(name), 0, dst + k,
			       cap - k);
	if (n < 0 || cap - k - (size_t)n < 2)
		goto space;
	k += (size_t)n;
	dst[k++] = '=';
	n = http_params_encode(value, value_len, 0, dst + k, cap - k);
	if (n < 0)
		goto space;
	*len = k + (size_t)n;
	return 0;
space:
	dst[*len] = '\0';
	return HTTP_PARAMS_ESPACE;
}
