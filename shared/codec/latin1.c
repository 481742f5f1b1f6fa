/*
 * latin1 — ISO-8859-1 <-> UTF-8 (every Latin-1 octet is the code point of the
 * same value). Pure codec layer: no allocation, no I/O.
 */
#include "config.h"

#include "shared/codec/latin1.h"

#include "shared/codec/ucs2.h"

int latin1_from_utf8(const uint8_t *in, size_t len, unsigned flags, uint8_t *out,
		     size_t cap, size_t *err_off)
{
	size_t off = 0, w = 0;

	if (len > LATIN1_MAX_LEN)
		return LATIN1_E_SPACE;
	while (off < len) {
		uint32_t cp;
		int n = ucs2_utf8_next(in + off, len - off, &cp);

		if (n < 0) {
			if (err_off != NULL)
				*err_off = off;
			return LATIN1_E_UTF8;
		}
		if (cp > 0xFF) {
			if (!(flags & LATIN1_SUBSTITUTE)) {
				if (err_off != NULL)
					*err_off = off;
				return LATIN1_E_UNMAPPABLE;
			}
			cp = '?';
		}
		if (out != NULL) {
			if (w >= cap)
				return LATIN1_E_SPACE;
			out[w] = (uint8_t)cp;
		}
		w++;
		off += (size_t)n;
	}
	return (int)w;
}

bool latin1_can_encode(const uint8_t *in, size_t len)
{
	return latin1_from_utf8(in, len, 0, NULL, 0, NULL) >= 0;
}

int latin1_to_utf8(const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
	size_t w = 0;

	if (cap == 0 || len > LATIN1_MAX_LEN)
		return LATIN1_E_SPACE;
	for (size_t i = 0; i < len; i++) {
		int k = ucs2_utf8_put(in[i], out + w, cap - 1 - w);

		if (k < 0)
			return LATIN1_E_SPACE;
		w += (size_t)k;
	}
	out[w] = 0;
	return (int)w;
}
