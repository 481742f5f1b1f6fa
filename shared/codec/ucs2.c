/*
 * ucs2 — UTF-8 <-> UCS-2 / UTF-16BE (protocols.md §2.4), plus the strict UTF-8
 * scanner shared by gsm7 and latin1. Pure codec layer: no allocation, no I/O.
 */
#include "config.h"

#include "shared/codec/ucs2.h"

#include <stdbool.h>

int ucs2_utf8_next(const uint8_t *p, size_t len, uint32_t *cp)
{
	uint32_t c, min;
	int n;

	if (len == 0)
		return 0;
	c = p[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		c &= 0x1F;
		min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		c &= 0x0F;
		min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		return UCS2_E_UTF8;
	}
	if (len < (size_t)n)
		return UCS2_E_UTF8;
	for (int i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return UCS2_E_UTF8;
		c = (c << 6) | (p[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return UCS2_E_UTF8;
	*cp = c;
	return n;
}

int ucs2_utf8_put(uint32_t cp, uint8_t *out, size_t cap)
{
	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return UCS2_E_UTF8;
	if (cp < 0x80) {
		if (cap < 1)
			return UCS2_E_SPACE;
		out[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		if (cap < 2)
			return UCS2_E_SPACE;
		out[0] = (uint8_t)(0xC0 | (cp >> 6));
		out[1] = (uint8_t)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		if (cap < 3)
			return UCS2_E_SPACE;
		out[0] = (uint8_t)(0xE0 | (cp >> 12));
		out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (uint8_t)(0x80 | (cp & 0x3F));
		return 3;
	}
	if (cap < 4)
		return UCS2_E_SPACE;
	out[0] = (uint8_t)(0xF0 | (cp >> 18));
	out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (uint8_t)(0x80 | (cp & 0x3F));
	return 4;
}

int ucs2_units(const uint8_t *in, size_t len, size_t *err_off)
{
	size_t off = 0;
	int units = 0;

	if (len > UCS2_MAX_LEN)
		return UCS2_E_SPACE;
	while (off < len) {
		uint32_t cp;
		int n = ucs2_utf8_next(in + off, len - off, &cp);

		if (n < 0) {
			if (err_off != NULL)
				*err_off = off;
			return n;
		}
		units += cp > 0xFFFF ? 2 : 1;
		off += (size_t)n;
	}
	return units;
}

int ucs2_from_utf8(const uint8_t *in, size_t len, uint8_t *out, size_t cap,
		   size_t *err_off)
{
	size_t off = 0, w = 0;

	if (len > UCS2_MAX_LEN)
		return UCS2_E_SPACE;
	while (off < len) {
		uint32_t cp;
		int n = ucs2_utf8_next(in + off, len - off, &cp);

		if (n < 0) {
			if (err_off != NULL)
				*err_off = off;
			return n;
		}
		if (cp > 0xFFFF) {
			uint32_t v = cp - 0x10000;
			uint32_t hi = 0xD800 | (v >> 10), lo = 0xDC00 | (v & 0x3FF);

			if (cap - w < 4)
				return UCS2_E_SPACE;
			out[w++] = (uint8_t)(hi >> 8);
			out[w++] = (uint8_t)hi;
			out[w++] = (uint8_t)(lo >> 8);
			out[w++] = (uint8_t)lo;
		} else {
			if (cap - w < 2)
				return UCS2_E_SPACE;
			out[w++] = (uint8_t)(cp >> 8);
			out[w++] = (uint8_t)cp;
		}
		off += (size_t)n;
	}
	return (int)w;
}

/* Reads the code point at in[off..len) into *cp; returns octets used, or a
 * negative error for a lone surrogate or a dangling octet. */
static int ucs2_next_unit(const uint8_t *in, size_t len, size_t off, uint32_t *cp)
{
	uint32_t u, lo;

	if (len - off < 2)
		return UCS2_E_ODD;
	u = (uint32_t)in[off] << 8 | in[off + 1];
	if (u < 0xD800 || u > 0xDFFF) {
		*cp = u;
		return 2;
	}
	if (u >= 0xDC00 || len - off < 4)
		return UCS2_E_SURROGATE;
	lo = (uint32_t)in[off + 2] << 8 | in[off + 3];
	if (lo < 0xDC00 || lo > 0xDFFF)
		return UCS2_E_SURROGATE;
	*cp = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
	return 4;
}

int ucs2_to_utf8(const uint8_t *in, size_t len, unsigned flags, uint8_t *out,
		 size_t cap, size_t *err_off)
{
	size_t off = 0, w = 0;

	if (cap == 0 || len > UCS2_MAX_LEN)
		return UCS2_E_SPACE;
	while (off < len) {
		uint32_t cp;
		int n = ucs2_next_unit(in, len, off, &cp), k;

		if (n < 0) {
			if (!(flags & UCS2_REPLACE)) {
				if (err_off != NULL)
					*err_off = off;
				return n;
			}
			cp = 0xFFFD;
			n = len - off < 2 ? 1 : 2;
		}
		k = ucs2_utf8_put(cp, out + w, cap - 1 - w);
		if (k < 0)
			return UCS2_E_SPACE;
		w += (size_t)k;
		off += (size_t)n;
	}
	out[w] = 0;
	return (int)w;
}
