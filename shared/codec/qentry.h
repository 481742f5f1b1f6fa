/*
 * qentry — the packed `m` field of an outbound queue entry (P:q:LINK,
 * doc/redis-keys.md): everything a link needs to submit one message part
 * except the message id and the recipient, which stay fields of their own
 * (`id`, `to`) so that one packed part serves every recipient of a request.
 *
 * One field instead of fifteen makes the entry cheap for Redis to append,
 * keep, read back and delete, and cheap for the box to parse (two reply
 * strings instead of thirty). The layout (all integers big-endian):
 *
 *   u8 version (1 or 2)
 *   u8 flags (1 flash, 2 dlr; version 2 also 4 ack)   u8 coding (0, 4 or 8)
 *   u8 part          u8 parts
 *   u16 sar_ref      u8 sar_total (0: no SAR)    u8 sar_seq
 *   u32 ts high      u32 ts low (accept time, unix ms)
 *   u32 validity + 1 (seconds; 0: none)
 *   version 2 only:  u32 deferred (seconds; 0: none)
 *                    u8 priority (0..3)   u8 mclass (0: none, 1..3)
 *   u8 len, acct     u8 len, from     u8 len, origin
 *   u8 len, udh      u16 len, data
 *
 * The encoder writes version 1 when the entry has nothing of version 2 (no
 * ack flag, deferred, priority or message class 1..3): the common entry
 * stays as short as before and a bearerbox of the previous release still
 * reads it. The decoder reads both.
 *
 * Pure: libc and shared/util only, no allocation.
 */
#ifndef HERMOD_QENTRY_H
#define HERMOD_QENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/util/bytes.h"

#define QENTRY_VERSION 2		/* the newest version written */
#define QENTRY_FIXED 21			/* version 1: octets before the first string */
#define QENTRY_FIXED2 27		/* version 2: octets before the first string */
#define QENTRY_STR_MAX 255		/* acct, from, origin, udh */
#define QENTRY_DATA_MAX 65535
#define QENTRY_VALIDITY_MAX INT64_C(0xFFFFFFFE)	/* seconds */
/* The largest packed part: the fixed head, four strings, the data. */
#define QENTRY_MAX (QENTRY_FIXED2 + 4 * (1 + QENTRY_STR_MAX) + 2 + QENTRY_DATA_MAX)

#define QENTRY_FLASH 0x01
#define QENTRY_DLR 0x02
#define QENTRY_ACK 0x04		/* an event when the SMSC accepts the submit
				 * (Kannel dlr-mask 8); version 2 */

struct qentry {
	unsigned flags;		/* QENTRY_FLASH | QENTRY_DLR | QENTRY_ACK */
	unsigned coding;	/* 0 GSM 03.38 septets one per octet, 4 8-bit, 8 UCS-2 */
	unsigned part, parts;	/* 1 <= part <= parts <= 255 */
	unsigned sar_ref;	/* 0..65535 */
	unsigned sar_total;	/* 0: no SAR; else 1..255 */
	unsigned sar_seq;	/* 1..sar_total when sar_total > 0, else 0 */
	uint64_t ts;		/* accept time, unix ms */
	int64_t validity;	/* seconds, 0..QENTRY_VALIDITY_MAX; -1: none */
	int64_t deferred;	/* seconds after ts the SMSC holds the part
				 * before delivering it, 0..QENTRY_VALIDITY_MAX;
				 * 0: none */
	unsigned priority;	/* SMPP priority_flag 0..3 */
	unsigned mclass;	/* message class 1..3; 0: none, or class 0
				 * when QENTRY_FLASH (never both) */
	struct bytes_span acct, from, origin, udh, data;	/* borrowed: from
							 * the caller on
							 * encode, from the
							 * input on decode */
};

enum qentry_err {
	QENTRY_E_SHORT = -1,	/* the input ends inside a field */
	QENTRY_E_VERSION = -2,	/* a version this code does not know */
	QENTRY_E_FIELD = -3,	/* a value out of range (part, coding, SAR, flags,
				 * priority, class) */
	QENTRY_E_TRAILING = -4,	/* octets after the data */
	QENTRY_E_SPACE = -5,	/* encode: the buffer is too small */
	QENTRY_E_ARG = -6,	/* encode: a field over its limit */
};

/* The octets qentry_encode() writes for e (version 1 or 2, see above), or
 * QENTRY_E_ARG when a field is over its limit or out of range. */
long qentry_size(const struct qentry *e);

/*
 * Packs e into buf[0..cap). Returns the octets written, QENTRY_E_ARG when a
 * field is out of range (the same checks as the decoder's) or QENTRY_E_SPACE
 * when cap is too small; nothing useful is in buf on error.
 */
long qentry_encode(const struct qentry *e, uint8_t *buf, size_t cap);

/*
 * Unpacks p[0..len), which must be exactly one packed part, into *out; the
 * strings of *out point into p. Returns len (> 0), or a negative enum
 * qentry_err naming what is wrong (*out is then unspecified). Never reads
 * past p + len.
 */
long qentry_decode(const uint8_t *p, size_t len, struct qentry *out);

/* A short English description of an enum qentry_err. */
const char *qentry_strerror(long err);

#endif
