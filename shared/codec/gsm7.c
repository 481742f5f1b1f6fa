/*
 * gsm7 — GSM 03.38 default alphabet + extension table <-> UTF-8, septet
 * counting and packing (protocols.md §2.1-2.3; tables checked against the
 * Unicode GSM0338.TXT mapping). Pure codec layer: no allocation, no I/O.
 */
#include "config.h"

#include "shared/codec/gsm7.h"

#include <string.h>

#include "shared/codec/ucs2.h"

/* Basic table: septet -> code point. 0x1B (ESC) is not a character. */
static const uint16_t gsm7_basic[128] = {
	0x0040, 0x00A3, 0x0024, 0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC,
	0x00F2, 0x00C7, 0x000A, 0x00D8, 0x00F8, 0x000D, 0x00C5, 0x00E5,
	0x0394, 0x005F, 0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8,
	0x03A3, 0x0398, 0x039E, 0x0000, 0x00C6, 0x00E6, 0x00DF, 0x00C9,
	0x0020, 0x0021, 0x0022, 0x0023, 0x00A4, 0x0025, 0x0026, 0x0027,
	0x0028, 0x0029, 0x002A, 0x002B, 0x002C, 0x002D, 0x002E, 0x002F,
	0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037,
	0x0038, 0x0039, 0x003A, 0x003B, 0x003C, 0x003D, 0x003E, 0x003F,
	0x00A1, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047,
	0x0048, 0x0049, 0x004A, 0x004B, 0x004C, 0x004D, 0x004E, 0x004F,
	0x0050, 0x0051, 0x0052, 0x0053, 0x0054, 0x0055, 0x0056, 0x0057,
	0x0058, 0x0059, 0x005A, 0x00C4, 0x00D6, 0x00D1, 0x00DC, 0x00A7,
	0x00BF, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067,
	0x0068, 0x0069, 0x006A, 0x006B, 0x006C, 0x006D, 0x006E, 0x006F,
	0x0070, 0x0071, 0x0072, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077,
	0x0078, 0x0079, 0x007A, 0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0,
};

/* Extension table: code after ESC -> code point. */
static const struct {
	uint8_t code;
	uint16_t cp;
} gsm7_ext[] = {
	{ 0x0A, 0x000C }, { 0x14, 0x005E }, { 0x28, 0x007B }, { 0x29, 0x007D },
	{ 0x2F, 0x005C }, { 0x3C, 0x005B }, { 0x3D, 0x007E }, { 0x3E, 0x005D },
	{ 0x40, 0x007C }, { 0x65, 0x20AC },
};

/* Printable ASCII that keeps its code in GSM 03.38 (the common case). */
static bool gsm7_ascii_same(uint32_t cp)
{
	return (cp >= 0x20 && cp <= 0x5A && cp != '$' && cp != '@') ||
	       (cp >= 0x61 && cp <= 0x7A) || cp == '\n' || cp == '\r';
}

int gsm7_lookup(uint32_t cp, uint8_t out[2])
{
	if (gsm7_ascii_same(cp)) {
		out[0] = (uint8_t)cp;
		return 1;
	}
	if (cp == 0x00E7) {	/* ç shares 0x09 with Ç */
		out[0] = 0x09;
		return 1;
	}
	if (cp == 0 || cp > 0xFFFF)
		return 0;
	for (unsigned i = 0; i < 128; i++) {
		if (gsm7_basic[i] == cp) {
			out[0] = (uint8_t)i;
			return 1;
		}
	}
	for (size_t i = 0; i < sizeof(gsm7_ext) / sizeof(gsm7_ext[0]); i++) {
		if (gsm7_ext[i].cp == cp) {
			out[0] = GSM7_ESC;
			out[1] = gsm7_ext[i].code;
			return 2;
		}
	}
	return 0;
}

int gsm7_from_utf8(const uint8_t *in, size_t len, unsigned flags, uint8_t *out,
		   size_t cap, size_t *err_off)
{
	size_t off = 0, w = 0;

	if (len > GSM7_MAX_LEN)
		return GSM7_E_SPACE;
	while (off < len) {
		uint32_t cp;
		uint8_t s[2];
		int n = ucs2_utf8_next(in + off, len - off, &cp), k;

		if (n < 0) {
			if (err_off != NULL)
				*err_off = off;
			return GSM7_E_UTF8;
		}
		k = gsm7_lookup(cp, s);
		if (k == 0) {
			if (!(flags & GSM7_SUBSTITUTE)) {
				if (err_off != NULL)
					*err_off = off;
				return GSM7_E_UNMAPPABLE;
			}
			s[0] = GSM7_SUBST;
			k = 1;
		}
		if (out != NULL) {
			if (cap - w < (size_t)k)
				return GSM7_E_SPACE;
			memcpy(out + w, s, (size_t)k);
		}
		w += (size_t)k;
		off += (size_t)n;
	}
	return (int)w;
}

int gsm7_septets(const uint8_t *in, size_t len, unsigned flags, size_t *err_off)
{
	return gsm7_from_utf8(in, len, flags, NULL, 0, err_off);
}

bool gsm7_can_encode(const uint8_t *in, size_t len)
{
	return gsm7_septets(in, len, 0, NULL) >= 0;
}

/* Code point for the escaped code c: the extension character, or per 23.038 the
 * basic-table character when c is not in the extension table. */
static uint32_t gsm7_ext_cp(uint8_t c)
{
	if (c == GSM7_ESC)
		return 0x0020;
	for (size_t i = 0; i < sizeof(gsm7_ext) / sizeof(gsm7_ext[0]); i++)
		if (gsm7_ext[i].code == c)
			return gsm7_ext[i].cp;
	return gsm7_basic[c];
}

int gsm7_to_utf8(const uint8_t *septets, size_t n, unsigned flags, uint8_t *out,
		 size_t cap, size_t *err_off)
{
	size_t w = 0;

	if (cap == 0 || n > GSM7_MAX_LEN)
		return GSM7_E_SPACE;
	for (size_t i = 0; i < n; i++) {
		uint8_t s = septets[i];
		uint32_t cp;
		int k;

		if (s > 0x7F) {
			if (!(flags & GSM7_SUBSTITUTE)) {
				if (err_off != NULL)
					*err_off = i;
				return GSM7_E_SEPTET;
			}
			cp = '?';
		} else if (s == GSM7_ESC) {
			if (i + 1 == n)
				break;	/* trailing lone ESC: nothing to show */
			s = septets[++i];
			if (s > 0x7F && !(flags & GSM7_SUBSTITUTE)) {
				if (err_off != NULL)
					*err_off = i;
				return GSM7_E_SEPTET;
			}
			cp = s > 0x7F ? '?' : gsm7_ext_cp(s);
		} else {
			cp = gsm7_basic[s];
		}
		k = ucs2_utf8_put(cp, out + w, cap - 1 - w);
		if (k < 0)
			return GSM7_E_SPACE;
		w += (size_t)k;
	}
	out[w] = 0;
	return (int)w;
}

size_t gsm7_packed_len(size_t n, unsigned fill_bits)
{
	return (7 * n + fill_bits + 7) / 8;
}

int gsm7_pack(const uint8_t *septets, size_t n, unsigned fill_bits, uint8_t *out,
	      size_t cap)
{
	size_t olen;

	if (fill_bits > 6)
		return GSM7_E_ARG;
	if (n > GSM7_MAX_LEN)
		return GSM7_E_SPACE;
	olen = gsm7_packed_len(n, fill_bits);
	if (olen > cap)
		return GSM7_E_SPACE;
	memset(out, 0, olen);
	for (size_t i = 0; i < n; i++) {
		size_t bit = fill_bits + 7 * i;
		unsigned sh = bit % 8;
		unsigned s = septets[i] & 0x7F;

		out[bit / 8] |= (uint8_t)(s << sh);
		if (sh > 1)
			out[bit / 8 + 1] |= (uint8_t)(s >> (8 - sh));
	}
	return (int)olen;
}

int gsm7_unpack(const uint8_t *in, size_t len, unsigned fill_bits, size_t n,
		uint8_t *out, size_t cap)
{
	if (fill_bits > 6)
		return GSM7_E_ARG;
	if (n > GSM7_MAX_LEN)
		return GSM7_E_SPACE;
	if (len < gsm7_packed_len(n, fill_bits))
		return GSM7_E_SHORT;
	if (n > cap)
		return GSM7_E_SPACE;
	for (size_t i = 0; i < n; i++) {
		size_t bit = fill_bits + 7 * i;
		unsigned sh = bit % 8;
		unsigned v = in[bit / 8] >> sh;

		if (sh > 1)
			v |= (unsigned)in[bit / 8 + 1] << (8 - sh);
		out[i] = (uint8_t)(v & 0x7F);
	}
	return (int)n;
}
