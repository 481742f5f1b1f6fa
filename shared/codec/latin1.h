/*
 * latin1 — ISO-8859-1 <-> UTF-8, for SMPP data_coding 3 links (protocols.md §1.7,
 * §2.4 step 3: 140 / 134 octet budget). Pure codec layer: no allocation, no I/O.
 */
#ifndef HERMOD_LATIN1_H
#define HERMOD_LATIN1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum latin1_err {
	LATIN1_E_UTF8 = -1,		/* invalid UTF-8 input; *err_off says where */
	LATIN1_E_UNMAPPABLE = -2,	/* code point above U+00FF; *err_off says where */
	LATIN1_E_SPACE = -3,		/* output buffer too small */
};

/* Longest input accepted; longer inputs get LATIN1_E_SPACE. */
#define LATIN1_MAX_LEN (1u << 24)

/* latin1_from_utf8 flag: unmappable characters become '?' instead of failing. */
#define LATIN1_SUBSTITUTE 0x1u

/*
 * Encodes UTF-8 in[0..len) as Latin-1 into out[0..cap) (out may be NULL with
 * cap 0 to count). Returns octets written, or LATIN1_E_UTF8 / LATIN1_E_UNMAPPABLE
 * with *err_off (may be NULL) = input offset, or LATIN1_E_SPACE.
 */
int latin1_from_utf8(const uint8_t *in, size_t len, unsigned flags, uint8_t *out,
		     size_t cap, size_t *err_off);

/* True when in[0..len) is valid UTF-8 with every code point <= U+00FF. */
bool latin1_can_encode(const uint8_t *in, size_t len);

/*
 * Decodes Latin-1 in[0..len) into NUL-terminated UTF-8 in out[0..cap) (room for
 * the NUL required; at most 2 octets per input octet). Returns the length
 * without the NUL, or LATIN1_E_SPACE.
 */
int latin1_to_utf8(const uint8_t *in, size_t len, uint8_t *out, size_t cap);

#endif
