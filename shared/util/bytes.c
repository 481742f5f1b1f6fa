/*
 * bytes — bounds-checked big-endian byte reader and writer (see bytes.h).
 * Layer: shared/util, pure.
 */
#include "config.h"
#include "shared/util/bytes.h"

#include <string.h>

void bytes_reader_init(struct bytes_reader *r, const uint8_t *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
}

size_t bytes_left(const struct bytes_reader *r)
{
	return r->len - r->off;
}

int bytes_get_u8(struct bytes_reader *r, uint8_t *out)
{
	if (bytes_left(r) < 1)
		return -1;
	*out = r->p[r->off++];
	return 0;
}

int bytes_get_u16(struct bytes_reader *r, uint16_t *out)
{
	if (bytes_left(r) < 2)
		return -1;
	*out = (uint16_t)((r->p[r->off] << 8) | r->p[r->off + 1]);
	r->off += 2;
	return 0;
}

int bytes_get_u32(struct bytes_reader *r, uint32_t *out)
{
	const uint8_t *p = r->p + r->off;

	if (bytes_left(r) < 4)
		return -1;
	*out = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | (uint32_t)p[3];
	r->off += 4;
	return 0;
}

int bytes_get_raw(struct bytes_reader *r, void *dst, size_t n)
{
	if (bytes_left(r) < n)
		return -1;
	if (n > 0)
		memcpy(dst, r->p + r->off, n);
	r->off += n;
	return 0;
}

int bytes_skip(struct bytes_reader *r, size_t n)
{
	if (bytes_left(r) < n)
		return -1;
	r->off += n;
	return 0;
}

int bytes_get_span(struct bytes_reader *r, size_t n, struct bytes_span *s)
{
	if (bytes_left(r) < n)
		return -1;
	s->p = r->p + r->off;
	s->len = n;
	r->off += n;
	return 0;
}

/* A span whose length comes first, in a u8 (wide false) or a u16. */
static int bytes_get_counted(struct bytes_reader *r, bool wide,
			     struct bytes_span *s)
{
	size_t off = r->off;
	uint16_t n16 = 0;
	uint8_t n8 = 0;

	if ((wide ? bytes_get_u16(r, &n16) : bytes_get_u8(r, &n8)) != 0)
		return -1;
	if (bytes_get_span(r, wide ? n16 : n8, s) != 0) {
		r->off = off;
		return -1;
	}
	return 0;
}

int bytes_get_span8(struct bytes_reader *r, struct bytes_span *s)
{
	return bytes_get_counted(r, false, s);
}

int bytes_get_span16(struct bytes_reader *r, struct bytes_span *s)
{
	return bytes_get_counted(r, true, s);
}

int bytes_get_cstr(struct bytes_reader *r, char *dst, size_t max)
{
	size_t left = bytes_left(r);
	size_t scan = left < max ? left : max;
	const uint8_t *nul = scan ? memchr(r->p + r->off, 0, scan) : NULL;
	size_t n;

	if (nul == NULL)
		return left < max ? -1 : -2;
	n = (size_t)(nul - (r->p + r->off));
	memcpy(dst, r->p + r->off, n + 1);
	r->off += n + 1;
	return (int)n;
}

void bytes_writer_init(struct bytes_writer *w, uint8_t *buf, size_t cap)
{
	w->p = buf;
	w->cap = cap;
	w->len = 0;
	w->overflow = false;
}

static bool fits(struct bytes_writer *w, size_t n)
{
	if (w->overflow || w->cap - w->len < n) {
		w->overflow = true;
		return false;
	}
	return true;
}

void bytes_put_u8(struct bytes_writer *w, uint8_t v)
{
	if (fits(w, 1))
		w->p[w->len++] = v;
}

void bytes_put_u16(struct bytes_writer *w, uint16_t v)
{
	if (!fits(w, 2))
		return;
	w->p[w->len++] = (uint8_t)(v >> 8);
	w->p[w->len++] = (uint8_t)v;
}

void bytes_put_u32(struct bytes_writer *w, uint32_t v)
{
	if (!fits(w, 4))
		return;
	w->p[w->len++] = (uint8_t)(v >> 24);
	w->p[w->len++] = (uint8_t)(v >> 16);
	w->p[w->len++] = (uint8_t)(v >> 8);
	w->p[w->len++] = (uint8_t)v;
}

void bytes_put_raw(struct bytes_writer *w, const void *src, size_t n)
{
	if (n == 0 || !fits(w, n))
		return;
	memcpy(w->p + w->len, src, n);
	w->len += n;
}

void bytes_put_cstr(struct bytes_writer *w, const char *s)
{
	bytes_put_raw(w, s, strlen(s) + 1);
}

bool bytes_span_ok(const struct bytes_span *s, size_t max)
{
	return s->len <= max && (s->len == 0 || s->p != NULL);
}

void bytes_put_span8(struct bytes_writer *w, const struct bytes_span *s)
{
	bytes_put_u8(w, (uint8_t)s->len);
	bytes_put_raw(w, s->p, s->len);
}

void bytes_put_span16(struct bytes_writer *w, const struct bytes_span *s)
{
	bytes_put_u16(w, (uint16_t)s->len);
	bytes_put_raw(w, s->p, s->len);
}

void bytes_patch_u32(struct bytes_writer *w, size_t at, uint32_t v)
{
	if (at > w->len || w->len - at < 4)
		return;
	w->p[at] = (uint8_t)(v >> 24);
	w->p[at + 1] = (uint8_t)(v >> 16);
	w->p[at + 2] = (uint8_t)(v >> 8);
	w->p[at + 3] = (uint8_t)v;
}

int bytes_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long bytes_hex_decode(const char *hex, size_t len, uint8_t *out, size_t cap)
{
	if (len % 2 != 0)
		return BYTES_HEX_EBAD;
	for (size_t i = 0; i < len; i++)
		if (bytes_hexval((unsigned char)hex[i]) < 0)
			return BYTES_HEX_EBAD;
	if (len / 2 > cap)
		return BYTES_HEX_ESPACE;
	for (size_t i = 0; i < len / 2; i++)
		out[i] = (uint8_t)(bytes_hexval((unsigned char)hex[2 * i]) << 4 |
				   bytes_hexval((unsigned char)hex[2 * i + 1]));
	return (long)(len / 2);
}

long bytes_hex_encode(const uint8_t *p, size_t len, char *out, size_t cap)
{
	static const char digits[] = "0123456789ABCDEF";

	if (cap == 0 || len > (cap - 1) / 2)
		return BYTES_HEX_ESPACE;
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0x0F];
	}
	out[2 * len] = '\0';
	return (long)(2 * len);
}
