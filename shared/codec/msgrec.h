/*
 * msgrec — the packed `m` field of a message record P:msg:ID and of its
 * final-status events P:ev:http / P:ev:smpp:NAME (doc/redis-keys.md): what
 * the accept step knows of a message and no one changes after it, written
 * once and copied verbatim into the event, so that a script neither passes
 * nor reads it field by field (every argument and every field costs Redis
 * thousands of instructions in a Lua script) and an event carries all a
 * callback or a receipt needs.
 *
 * The layout (integers big-endian):
 *
 *   u8 version (1)   u8 flags (1: a report is wanted)
 *   u32 ts high      u32 ts low (accept time, unix ms)
 *   u8 len, acct     u8 len, to      u8 len, from    u8 len, link
 *   u8 len, origin   u8 len, mess-id u8 len, dlr-mask
 *   u16 len, dlr-url
 *
 * Pure: libc and shared/util only, no allocation.
 */
#ifndef HERMOD_MSGREC_H
#define HERMOD_MSGREC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/util/bytes.h"

#define MSGREC_VERSION 1
#define MSGREC_FIXED 10		/* octets before the first string */
#define MSGREC_STR_MAX 255	/* every string but dlr-url */
#define MSGREC_URL_MAX 65535
#define MSGREC_MAX (MSGREC_FIXED + 7 * (1 + MSGREC_STR_MAX) + 2 + MSGREC_URL_MAX)

#define MSGREC_DLR 0x01		/* the customer asked for a delivery report */

struct msgrec {
	unsigned flags;		/* MSGREC_DLR */
	uint64_t ts;		/* accept time, unix ms */
	/* borrowed: from the caller on encode, from the input on decode */
	struct bytes_span acct, to, from, link, origin, mess_id, dlr_mask, dlr_url;
};

enum msgrec_err {
	MSGREC_E_SHORT = -1,	/* the input ends inside a field */
	MSGREC_E_VERSION = -2,	/* a version this code does not know */
	MSGREC_E_FIELD = -3,	/* unknown flags */
	MSGREC_E_TRAILING = -4,	/* octets after the last field */
	MSGREC_E_SPACE = -5,	/* encode: the buffer is too small */
	MSGREC_E_ARG = -6,	/* encode: a field over its limit */
};

/* The octets msgrec_encode() writes for m, or MSGREC_E_ARG. */
long msgrec_size(const struct msgrec *m);

/* Packs m into buf[0..cap). Returns the octets written, MSGREC_E_ARG (a
 * field over its limit, unknown flags) or MSGREC_E_SPACE. */
long msgrec_encode(const struct msgrec *m, uint8_t *buf, size_t cap);

/*
 * Unpacks p[0..len), exactly one record, into *out (strings point into p).
 * Returns len (> 0) or a negative enum msgrec_err (*out unspecified).
 */
long msgrec_decode(const uint8_t *p, size_t len, struct msgrec *out);

/* A short English description of an enum msgrec_err. */
const char *msgrec_strerror(long err);

/*
 * Copies span s into dst[0..cap) as a C string. Returns 0, or -1 when it
 * does not fit or holds a NUL (dst is then "").
 */
int msgrec_cstr(const struct bytes_span *s, char *dst, size_t cap);

#endif
