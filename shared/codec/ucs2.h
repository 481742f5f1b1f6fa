/*
 * ucs2 — UTF-8 <-> UCS-2 / UTF-16BE, and the UTF-8 scanner the other charset
 * codecs share.
 *
 * SMS "UCS-2" (DCS 0x08, SMPP data_coding 8) is big-endian and, in practice,
 * UTF-16BE: characters above U+FFFF travel as surrogate pairs (protocols.md §2.4).
 * Pure: no allocation, no I/O. Outputs go into caller buffers.
 */
#ifndef HERMOD_UCS2_H
#define HERMOD_UCS2_H

#include <stddef.h>
#include <stdint.h>

/* Error codes (negative) returned by every function below. */
enum ucs2_err {
	UCS2_E_UTF8 = -1,	/* invalid UTF-8 input (overlong, surrogate, > U+10FFFF, truncated) */
	UCS2_E_SURROGATE = -2,	/* unpaired surrogate in UTF-16 input */
	UCS2_E_ODD = -3,	/* UTF-16 input has an odd number of octets */
	UCS2_E_SPACE = -4,	/* output buffer too small */
};

/* Longest input the converters accept; longer inputs get UCS2_E_SPACE, so
 * every count fits an int. */
#define UCS2_MAX_LEN (1u << 24)

/* ucs2_to_utf8 flag: replace unpaired surrogates (and a dangling odd octet) with
 * U+FFFD instead of failing. */
#define UCS2_REPLACE 0x1u

/*
 * Decodes one UTF-8 code point from p[0..len) into *cp. Returns the octets
 * consumed (1..4), 0 when len is 0, or UCS2_E_UTF8 when the sequence is invalid
 * or truncated (input is always treated as complete). Surrogate code points and
 * overlong forms are invalid.
 */
int ucs2_utf8_next(const uint8_t *p, size_t len, uint32_t *cp);

/*
 * Writes code point cp (<= U+10FFFF, not a surrogate) as UTF-8 into out[0..cap).
 * Returns octets written (1..4), UCS2_E_SPACE, or UCS2_E_UTF8 for a bad cp.
 */
int ucs2_utf8_put(uint32_t cp, uint8_t *out, size_t cap);

/*
 * Number of UTF-16 code units needed for the UTF-8 text in[0..len) (a code point
 * above U+FFFF counts 2). Returns the count, or UCS2_E_UTF8 with *err_off (may be
 * NULL) set to the input offset of the bad sequence.
 */
int ucs2_units(const uint8_t *in, size_t len, size_t *err_off);

/*
 * Encodes UTF-8 in[0..len) as UTF-16BE into out[0..cap). Returns octets written
 * (2 per unit), or UCS2_E_UTF8 (*err_off = input offset; err_off may be NULL) or
 * UCS2_E_SPACE.
 */
int ucs2_from_utf8(const uint8_t *in, size_t len, uint8_t *out, size_t cap,
		   size_t *err_off);

/*
 * Decodes UTF-16BE in[0..len) into UTF-8 in out[0..cap), always NUL-terminated
 * (cap must leave room for the NUL). Returns the UTF-8 length without the NUL,
 * or UCS2_E_SURROGATE / UCS2_E_ODD (*err_off = input octet offset; may be NULL;
 * not returned with UCS2_REPLACE), or UCS2_E_SPACE. U+0000 in the input is
 * copied as a NUL octet (the returned length is authoritative).
 */
int ucs2_to_utf8(const uint8_t *in, size_t len, unsigned flags, uint8_t *out,
		 size_t cap, size_t *err_off);

#endif
