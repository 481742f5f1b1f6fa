/*
 * gsm7 — the GSM 03.38 / 3GPP TS 23.038 default alphabet and its extension
 * table <-> UTF-8, septet counting, and septet packing (protocols.md §2.1-2.3).
 *
 * Two forms: one septet per octet (SMPP short_message, top bit 0) and packed
 * septets (TPDU user data, AT PDU mode), with a fill-bit offset for text that
 * follows a UDH. Pure codec layer: no allocation, no I/O.
 *
 * Mapping choices: 0x09 decodes as U+00C7 'Ç' (the 23.038 table); both Ç and ç
 * encode to 0x09. '@' is septet 0x00 (a legal value inside the octet strings
 * this module produces; never treat them as C strings). ESC (0x1B) is not a
 * character: U+001B in the input is unmappable. On decoding, ESC followed by a
 * code that is not in the extension table yields the basic-table character for
 * that code (23.038), ESC ESC yields a space, and a trailing lone ESC nothing.
 */
#ifndef HERMOD_GSM7_H
#define HERMOD_GSM7_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest input any function here accepts (octets or septets); longer inputs
 * get GSM7_E_SPACE, so every count fits an int. */
#define GSM7_MAX_LEN (1u << 24)

#define GSM7_ESC 0x1B
#define GSM7_SUBST '?'	/* septet 0x3F, used by GSM7_SUBSTITUTE */

enum gsm7_err {
	GSM7_E_UTF8 = -1,	/* invalid UTF-8 input; *err_off says where */
	GSM7_E_UNMAPPABLE = -2,	/* character not in GSM 03.38; *err_off says where */
	GSM7_E_SPACE = -3,	/* output buffer too small */
	GSM7_E_SEPTET = -4,	/* an input octet > 0x7F in the unpacked form */
	GSM7_E_SHORT = -5,	/* packed input shorter than the septet count */
	GSM7_E_ARG = -6,	/* fill bits > 6 */
};

/* Flags. GSM7_SUBSTITUTE: a character that cannot be encoded becomes '?', and a
 * decoded octet > 0x7F becomes '?', instead of an error. */
#define GSM7_SUBSTITUTE 0x1u

/*
 * Looks up code point cp. Returns 1 and out[0] = septet for the basic table,
 * 2 and out = { 0x1B, code } for the extension table, 0 when cp has no GSM 03.38
 * encoding.
 */
int gsm7_lookup(uint32_t cp, uint8_t out[2]);

/*
 * Encodes UTF-8 in[0..len) as septets, one per octet, into out[0..cap). out may
 * be NULL with cap 0 to count only. Extension characters produce two septets
 * (ESC + code). Returns the septet count, or GSM7_E_UTF8 / GSM7_E_UNMAPPABLE
 * with *err_off (may be NULL) = offset of the offending input octet, or
 * GSM7_E_SPACE.
 */
int gsm7_from_utf8(const uint8_t *in, size_t len, unsigned flags, uint8_t *out,
		   size_t cap, size_t *err_off);

/* Septets needed for in[0..len) (extension chars count 2); errors as above. */
int gsm7_septets(const uint8_t *in, size_t len, unsigned flags, size_t *err_off);

/* True when in[0..len) is valid UTF-8 and every character is in GSM 03.38. */
bool gsm7_can_encode(const uint8_t *in, size_t len);

/*
 * Decodes n septets, one per octet, into NUL-terminated UTF-8 in out[0..cap)
 * (cap must leave room for the NUL). Returns the UTF-8 length without the NUL,
 * GSM7_E_SEPTET (*err_off = octet offset, unless GSM7_SUBSTITUTE) or
 * GSM7_E_SPACE. Each septet expands to at most 3 UTF-8 octets.
 */
int gsm7_to_utf8(const uint8_t *septets, size_t n, unsigned flags, uint8_t *out,
		 size_t cap, size_t *err_off);

/* Octets that n septets occupy when packed after fill_bits zero bits. */
size_t gsm7_packed_len(size_t n, unsigned fill_bits);

/*
 * Packs n septets (one per octet, low 7 bits used) into out[0..cap), starting
 * after fill_bits (0..6) zero bits in out[0]. Returns octets written
 * (gsm7_packed_len), GSM7_E_SPACE or GSM7_E_ARG. Spare high bits of the last
 * octet are zero.
 */
int gsm7_pack(const uint8_t *septets, size_t n, unsigned fill_bits, uint8_t *out,
	      size_t cap);

/*
 * Unpacks n septets from in[0..len), skipping fill_bits (0..6) leading bits, into
 * out[0..cap), one septet per octet. Returns n, GSM7_E_SHORT when len <
 * gsm7_packed_len(n, fill_bits), GSM7_E_SPACE or GSM7_E_ARG.
 */
int gsm7_unpack(const uint8_t *in, size_t len, unsigned fill_bits, size_t n,
		uint8_t *out, size_t cap);

#endif
