/*
 * dlr_text — SMPP delivery-receipt text (SMPP 3.4 Appendix B, protocols.md §1.9).
 *
 * Parses and formats "id:… sub:… dlvrd:… submit date:… done date:… stat:… err:…
 * text:…", maps stat words to SMPP message_state values and to the numeric
 * delivery statuses the customer receives (seed 004 §5.4), and normalises message
 * ids so that hex and decimal forms of the same id match (Kannel's msg-id-type).
 * Pure codec: no allocation, no I/O, no clock; safe on any thread or loop.
 */
#ifndef HERMOD_DLR_TEXT_H
#define HERMOD_DLR_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Caps on stored values (characters, without the NUL). The spec says id 10,
 * stat 7, err 3, text 20; real SMSCs send ids up to 65 characters. */
#define DLR_TEXT_ID_MAX 65
#define DLR_TEXT_STAT_MAX 15
#define DLR_TEXT_ERR_MAX 15
#define DLR_TEXT_TEXT_MAX 255
/* sub and dlvrd are read as at most this many decimal digits. */
#define DLR_TEXT_COUNT_DIGITS 9

/* Bits of struct dlr_text.fields: which keys were present. */
#define DLR_TEXT_HAS_ID 0x01u
#define DLR_TEXT_HAS_SUB 0x02u
#define DLR_TEXT_HAS_DLVRD 0x04u
#define DLR_TEXT_HAS_SUBMIT 0x08u
#define DLR_TEXT_HAS_DONE 0x10u
#define DLR_TEXT_HAS_STAT 0x20u
#define DLR_TEXT_HAS_ERR 0x40u
#define DLR_TEXT_HAS_TEXT 0x80u

/* SMPP message_state (TLV 0x0427) values, and 0 for a stat word we do not know. */
enum dlr_text_state {
	DLR_TEXT_STATE_NONE = 0,
	DLR_TEXT_STATE_ENROUTE = 1,
	DLR_TEXT_STATE_DELIVERED = 2,
	DLR_TEXT_STATE_EXPIRED = 3,
	DLR_TEXT_STATE_DELETED = 4,
	DLR_TEXT_STATE_UNDELIVERABLE = 5,
	DLR_TEXT_STATE_ACCEPTED = 6,
	DLR_TEXT_STATE_UNKNOWN = 7,
	DLR_TEXT_STATE_REJECTED = 8,
};

/* Errors returned by dlr_text_decode / dlr_text_encode / the id helpers. */
enum dlr_text_error {
	DLR_TEXT_ENOTRECEIPT = -1, /* does not start with a receipt key, or no id/stat */
	DLR_TEXT_EID = -2,	   /* id empty or longer than DLR_TEXT_ID_MAX */
	DLR_TEXT_ECOUNT = -3,	   /* sub or dlvrd not 1..9 decimal digits */
	DLR_TEXT_EDATE = -4,	   /* date not 10/12 digits or out of range */
	DLR_TEXT_ESTAT = -5,	   /* stat empty or longer than DLR_TEXT_STAT_MAX */
	DLR_TEXT_EERR = -6,	   /* err longer than DLR_TEXT_ERR_MAX */
	DLR_TEXT_EDUP = -7,	   /* the same key twice */
	DLR_TEXT_ESPACE = -8,	   /* output buffer too small */
	DLR_TEXT_EINVAL = -9,	   /* bad argument (id not numeric, NUL in a field…) */
};

/* A receipt date, fields as written: YY is the year within its century (the
 * caller decides the century; no clock is read here). has_sec is false for
 * the 10-digit form YYMMDDhhmm, and sec is 0 then. */
struct dlr_text_date {
	uint8_t yy, mon, day, hour, min, sec;
	bool has_sec;
};

/* A parsed receipt. Strings are NUL-terminated copies; text holds text_len raw
 * bytes (it may contain any byte) plus a NUL. Fields not in `fields` are zero. */
struct dlr_text {
	unsigned fields;
	char id[DLR_TEXT_ID_MAX + 1];
	uint32_t sub, dlvrd;
	struct dlr_text_date submit, done;
	char stat[DLR_TEXT_STAT_MAX + 1];
	enum dlr_text_state state; /* from stat; NONE for an unknown word */
	char err[DLR_TEXT_ERR_MAX + 1];
	char text[DLR_TEXT_TEXT_MAX + 1];
	size_t text_len;
	bool text_truncated; /* the text was longer than DLR_TEXT_TEXT_MAX */
};

/*
 * Parses the receipt text p[0..len) (the whole short_message or
 * message_payload; trailing NULs are ignored) into *out.
 *
 * Tolerated (protocols.md §1.9 and field practice): keys in any order, any
 * letter case, spaces or tabs (one or more) between fields and after the colon,
 * "submit date" also spelled submit_date / submitdate (same for done), dates of
 * 10 (YYMMDDhhmm) or 12 (YYMMDDhhmmss) digits, missing fields, unknown
 * "key:value" fields, ids with letters (UUIDs, hex). The value of text: runs to
 * the end of the input (it is the last field and may contain spaces or key-like
 * words); longer text is truncated to DLR_TEXT_TEXT_MAX and flagged.
 *
 * The text is a receipt when its first word is a known key and it has an id: or
 * a stat: (or both; the caller checks out->fields for what it requires).
 *
 * Returns len (> 0) on success; never 0 (the input is always complete); a
 * negative enum dlr_text_error on failure, with *out unspecified.
 */
int dlr_text_decode(const uint8_t *p, size_t len, struct dlr_text *out);

/*
 * Formats *r as receipt text into dst[0..cap), NUL-terminated, in the standard
 * order, writing only the fields in r->fields: "id:%s sub:%03u dlvrd:%03u
 * submit date:%s done date:%s stat:%s err:%s text:%s". The stat word is
 * r->stat when set, else the word of r->state. The text is written as given
 * (text_len bytes; the convention is the first 20 characters of the message).
 * Returns the length written (without the NUL), DLR_TEXT_ESPACE when it does
 * not fit, DLR_TEXT_EINVAL when a field is unusable (stat word unknown and
 * empty, an id with a space, a date out of range).
 */
int dlr_text_encode(const struct dlr_text *r, char *dst, size_t cap);

/* Returns a short English description of a dlr_text_error (static storage). */
const char *dlr_text_strerror(int err);

/* stat word (case-insensitive, also the long message_state names such as
 * DELIVERED) → message_state, or DLR_TEXT_STATE_NONE for an unknown word. */
enum dlr_text_state dlr_text_state_from_word(const char *w, size_t len);

/* message_state → the 7-letter stat word ("DELIVRD"…), NULL when out of range. */
const char *dlr_text_state_word(enum dlr_text_state s);

/* True for the final states (all but ENROUTE and NONE; ACCEPTD counts as final
 * as in SMPP 3.4 although some providers use it as "not final"). */
bool dlr_text_state_final(enum dlr_text_state s);

/*
 * Customer delivery status codes (seed 004 §5.4, Table 6, sent as the `status`
 * parameter of the delivery-report callback). The names follow the seed's
 * descriptions. Codes 1, 10, 11, 67, 69, 72, 73, 80, 81, 88, 97 are the
 * SMPP command_status values of the same meaning in decimal (ESME_RINVMSGLEN
 * 0x01 … ESME_RINVSCHED 0x61). 34, 49–52 and 100 are decided by the gateway
 * itself (routing, credit, price), not by a receipt.
 */
enum dlr_text_status {
	DLR_TEXT_STATUS_DELIVERED = 0,
	DLR_TEXT_STATUS_INVALID_LENGTH = 1,
	DLR_TEXT_STATUS_ABSENT = 2,
	DLR_TEXT_STATUS_MEMORY_EXCEEDED = 3,
	DLR_TEXT_STATUS_EQUIPMENT_PROTOCOL = 4,
	DLR_TEXT_STATUS_EQUIPMENT_NOT_SUPPORTED = 5,
	DLR_TEXT_STATUS_NOT_SM_EQUIPPED = 6,
	DLR_TEXT_STATUS_UNKNOWN_SC = 7,
	DLR_TEXT_STATUS_SC_CONGESTION = 8,
	DLR_TEXT_STATUS_UNDELIVERABLE_MAP = 9,
	DLR_TEXT_STATUS_INVALID_SOURCE = 10,
	DLR_TEXT_STATUS_INVALID_DEST_ADDR = 11,
	DLR_TEXT_STATUS_ILLEGAL_SUBSCRIBER = 12,
	DLR_TEXT_STATUS_TELESERVICE_NOT_PROVISIONED = 13,
	DLR_TEXT_STATUS_ILLEGAL_EQUIPMENT = 14,
	DLR_TEXT_STATUS_CALL_BARRED = 15,
	DLR_TEXT_STATUS_FACILITY_NOT_SUPPORTED = 16,
	DLR_TEXT_STATUS_SUBSCRIBER_BUSY = 17,
	DLR_TEXT_STATUS_SYSTEM_FAILURE = 18,
	DLR_TEXT_STATUS_MWL_FULL = 19,
	DLR_TEXT_STATUS_DATA_MISSING = 20,
	DLR_TEXT_STATUS_UNEXPECTED_DATA = 21,
	DLR_TEXT_STATUS_RESOURCE_LIMITATION = 22,
	DLR_TEXT_STATUS_INITIATING_RELEASE = 23,
	DLR_TEXT_STATUS_UNKNOWN_ALPHABET = 24,
	DLR_TEXT_STATUS_USSD_BUSY = 25,
	DLR_TEXT_STATUS_INVALID_DESTINATION = 34,
	DLR_TEXT_STATUS_TYPE_NOT_SUPPORTED = 49,
	DLR_TEXT_STATUS_DEST_BLOCKED = 50,
	DLR_TEXT_STATUS_NO_MONEY = 51,
	DLR_TEXT_STATUS_NO_PRICE = 52,
	DLR_TEXT_STATUS_INVALID_ESM_CLASS = 67,
	DLR_TEXT_STATUS_REJECTED_BY_SMSC = 69,
	DLR_TEXT_STATUS_INVALID_SRC_TON = 72,
	DLR_TEXT_STATUS_INVALID_SRC_NPI = 73,
	DLR_TEXT_STATUS_INVALID_DST_TON = 80,
	DLR_TEXT_STATUS_INVALID_DST_NPI = 81,
	DLR_TEXT_STATUS_THROTTLED = 88,
	DLR_TEXT_STATUS_INVALID_SCHED = 97,
	DLR_TEXT_STATUS_SEND_ERROR = 100,
	DLR_TEXT_STATUS_SENT = 247, /* 248 is also "Sent" in the seed; we use 247 */
	DLR_TEXT_STATUS_REJECTED = 249,
	DLR_TEXT_STATUS_ACCEPTED = 250,
	DLR_TEXT_STATUS_UNDELIVERABLE = 251,
	DLR_TEXT_STATUS_DELETED = 252,
	DLR_TEXT_STATUS_EXPIRED = 253,
	DLR_TEXT_STATUS_ROAMING = 254,
	DLR_TEXT_STATUS_UNKNOWN_ERROR = 255,
};

/* What the err: value of a receipt means, which only the link configuration
 * knows (the field is SMSC-specific). */
enum dlr_text_err_kind {
	DLR_TEXT_ERRKIND_OPAQUE = 0, /* unknown meaning: ignored */
	DLR_TEXT_ERRKIND_SMPP,	      /* an SMPP command_status (decimal, or 0x hex) */
	DLR_TEXT_ERRKIND_MAP,	      /* a GSM MAP error code (decimal) */
};

/*
 * stat (+err) → customer status code (enum dlr_text_status):
 *   DELIVRD 0, ENROUTE 247, ACCEPTD 250, UNDELIV 251, DELETED 252, EXPIRED 253,
 *   REJECTD 249, UNKNOWN and unknown words 255.
 * For UNDELIV and REJECTD a non-zero err refines the code when its kind is known:
 *   SMPP command_status 0x01, 0x0A, 0x0B, 0x43, 0x45, 0x48, 0x49, 0x50, 0x51,
 *   0x58, 0x61 → the same number in decimal (1, 10, 11, 67 …);
 *   MAP error (3GPP TS 29.002 error codes, matched by name to Table 6
 *   [inferred, the seed gives names only]): absentSubscriberSM 6 and
 *   absentSubscriber 27 → 2, illegalSubscriber 9 → 12, teleserviceNotProvisioned
 *   11 → 13, illegalEquipment 12 → 14, callBarred 13 → 15, facilityNotSupported
 *   21 → 16, subscriberBusyForMT-SMS 31 → 17, messageWaitingListFull 33 → 19,
 *   systemFailure 34 → 18, dataMissing 35 → 20, unexpectedDataValue 36 → 21,
 *   resourceLimitation 51 → 22, initiatingRelease 52 → 23, unknownAlphabet 71
 *   → 24, ussd-Busy 72 → 25.
 * Other err values keep the code of the stat word. err may be NULL.
 */
int dlr_text_status_code(enum dlr_text_state s, const char *err,
			 enum dlr_text_err_kind kind);

/* Flags for dlr_text_id_canon. */
#define DLR_TEXT_ID_HEX 0x01u	    /* the id is hexadecimal (msg-id-type bit) */
#define DLR_TEXT_ID_FOLD_CASE 0x02u /* lower-case ids that are not numeric */

/*
 * Reads id[0..len) as an unsigned number in base 10 or 16 (either letter case,
 * leading zeros allowed, no sign, no 0x prefix, no spaces) into *out.
 * Returns 0, or DLR_TEXT_EINVAL for an empty/non-numeric id, a bad base or a
 * value above UINT64_MAX.
 */
int dlr_text_id_value(const char *id, size_t len, unsigned base, uint64_t *out);

/*
 * Writes v in base 10 or 16 (lower case, no leading zeros; "0" for zero) into
 * dst[0..cap), NUL-terminated. Returns the length, DLR_TEXT_ESPACE or
 * DLR_TEXT_EINVAL (bad base).
 */
int dlr_text_id_format(uint64_t v, unsigned base, char *dst, size_t cap);

/*
 * Canonical form of a message id, the key under which submit_sm_resp ids and
 * receipt ids are stored and looked up: with DLR_TEXT_ID_HEX the id is read as
 * hex and written in decimal; without it an all-digit id is written in decimal
 * without leading zeros. An id that is not numeric in its base (UUIDs, ids with
 * letters, longer than 64 bits) is copied as is, lower-cased with
 * DLR_TEXT_ID_FOLD_CASE. So "38601fa" (HEX) and "0059113978" both give
 * "59113978". Writes dst[0..cap) NUL-terminated; returns the length,
 * DLR_TEXT_EID for an empty id or one above DLR_TEXT_ID_MAX, DLR_TEXT_ESPACE.
 */
int dlr_text_id_canon(const char *id, size_t len, unsigned flags, char *dst,
		      size_t cap);

#endif
