/*
 * sms_split — choose the coding of a text, count its parts, and split it into
 * SMS parts (protocols.md §1.11, §2.4, §2.5).
 *
 * Three ways to send a long message over SMPP: a concatenation UDH in each part
 * (8- or 16-bit reference), SAR values the SMPP layer puts in TLVs (no UDH), or one
 * message_payload. GSM text is produced one septet per octet (the SMPP form; the
 * TPDU layer packs it). A GSM escape pair and a UTF-16 surrogate pair are never
 * split across parts. Pure codec layer: caller buffers only, no I/O.
 */
#ifndef HERMOD_SMS_SPLIT_H
#define HERMOD_SMS_SPLIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SMS_SPLIT_MAX_PARTS 255		/* segment counters are one octet */
#define SMS_SPLIT_PAYLOAD_MAX 65535	/* message_payload TLV length is 16 bits */
#define SMS_PART_MAX 160		/* UDH + user data octets of one part */
#define SMS_SPLIT_MAX_INPUT (1u << 20)	/* longer input: SMS_SPLIT_E_TOO_LONG */

enum sms_split_err {
	SMS_SPLIT_E_UTF8 = -1,		/* invalid UTF-8 text; *err_off says where */
	SMS_SPLIT_E_TOO_LONG = -2,	/* more parts than max_parts, or over the payload cap */
	SMS_SPLIT_E_SPACE = -3,		/* caller's part array or buffer too small */
	SMS_SPLIT_E_ARG = -4,		/* bad options (max_parts > 255, UDH too long...) */
};

enum sms_coding {
	SMS_CODING_GSM7,	/* GSM 03.38, one septet per octet */
	SMS_CODING_UCS2,	/* UTF-16BE */
	SMS_CODING_LATIN1,	/* ISO-8859-1, SMPP data_coding 3 */
	SMS_CODING_8BIT,	/* binary, from sms_split_binary only */
};

enum sms_concat {
	SMS_CONCAT_UDH8,	/* 05 00 03 ref total seq in each part */
	SMS_CONCAT_UDH16,	/* 06 08 04 ref_hi ref_lo total seq */
	SMS_CONCAT_SAR,		/* no UDH; ref/total/seq for sar_* TLVs */
	SMS_CONCAT_PAYLOAD,	/* one message_payload; only sms_split_payload */
};

struct sms_split_opts {
	/* Preferred coding: GSM7 (default) or LATIN1 when every character fits it,
	 * else UCS-2; UCS2 always. */
	enum sms_coding coding;
	/* With a GSM7 / LATIN1 preference: never fall back to UCS-2, put '?' for
	 * characters that do not fit. */
	bool substitute;
	enum sms_concat method;
	unsigned max_parts;	/* 1..255; 0 means 255 */
	uint16_t ref;		/* concat / SAR reference (low 8 bits for UDH8) */
	size_t payload_cap;	/* message_payload octet cap; 0 = SMS_SPLIT_PAYLOAD_MAX */
};

struct sms_split_info {
	enum sms_coding coding;
	size_t units;		/* septets (extension = 2) / UCS-2 units / octets */
	size_t octets;		/* payload octets in the SMPP form, UDH excluded */
	unsigned parts;
};

struct sms_part {
	uint8_t data[SMS_PART_MAX];	/* UDH (udh_len octets) then user data */
	size_t len;			/* octets used in data */
	size_t udh_len;			/* 0 when the part has no UDH */
	size_t units;			/* septets / units / octets of user data */
	uint16_t ref;			/* for SAR TLVs / the concat UDH */
	uint8_t total;			/* 1 when the message is not split */
	uint8_t seq;			/* 1..total */
};

/*
 * Decides the coding and counts units and parts for UTF-8 text[0..len) under o
 * (any method, including PAYLOAD). Returns 0 and fills *info, or
 * SMS_SPLIT_E_UTF8 (*err_off = offset; may be NULL), SMS_SPLIT_E_TOO_LONG
 * (*info still filled, unless len > SMS_SPLIT_MAX_INPUT), SMS_SPLIT_E_ARG.
 * Limits: single 160 septets / 140 octets / 70 units; per part 153 / 134 / 67
 * with UDH8 or SAR, 152 / 133 / 66 with UDH16.
 */
int sms_split_info(const uint8_t *text, size_t len, const struct sms_split_opts *o,
		   struct sms_split_info *info, size_t *err_off);

/*
 * Splits text into parts[0..n) by o->method (UDH8, UDH16 or SAR). A text that
 * fits one SMS gives one part without a UDH. Returns the number of parts, or
 * the errors of sms_split_info, SMS_SPLIT_E_SPACE when n is too small, or
 * SMS_SPLIT_E_ARG for method PAYLOAD. info may be NULL.
 */
int sms_split_text(const uint8_t *text, size_t len, const struct sms_split_opts *o,
		   struct sms_part *parts, size_t n, struct sms_split_info *info,
		   size_t *err_off);

/*
 * Encodes the whole text for one message_payload TLV into out[0..cap). Returns
 * octets written, SMS_SPLIT_E_TOO_LONG (over o->payload_cap), SMS_SPLIT_E_SPACE,
 * SMS_SPLIT_E_UTF8. info may be NULL; info->parts is 1.
 */
int sms_split_payload(const uint8_t *text, size_t len, const struct sms_split_opts *o,
		      uint8_t *out, size_t cap, struct sms_split_info *info,
		      size_t *err_off);

/*
 * Splits 8-bit data[0..len) with an optional caller UDH (udh[0..udh_len), UDHL
 * included, e.g. port addressing; NULL/0 for none) into parts. Every part
 * carries the caller's IEs; with UDH8/UDH16 and more than one part a concat IE
 * is appended after them. Single part: 140 - udh_len octets. Returns the parts
 * count or a negative sms_split_err (UDH that does not parse: SMS_SPLIT_E_ARG).
 */
int sms_split_binary(const uint8_t *data, size_t len, const uint8_t *udh,
		     size_t udh_len, const struct sms_split_opts *o,
		     struct sms_part *parts, size_t n, struct sms_split_info *info);

/*
 * Encodes text[0..len) as exactly ONE part that carries the caller's UDH
 * (udh[0..udh_len), UDHL included): a part the sender concatenated itself,
 * whose concat IE must reach the handset unchanged. The coding is chosen as
 * for sms_split_text (o->coding, o->substitute); o->method and o->ref are not
 * used. The text must fit 160 septets (GSM7), 140 octets (Latin-1) or 70 UCS-2
 * units minus what the UDH takes. part->ref/total/seq come from the UDH's
 * concat IE (1/1 without one). Returns 1, SMS_SPLIT_E_TOO_LONG (it does not
 * fit: *info is filled), SMS_SPLIT_E_UTF8 (*err_off, may be NULL), or
 * SMS_SPLIT_E_ARG (no UDH, or one that does not parse or leaves no room).
 */
int sms_split_text_udh(const uint8_t *text, size_t len,
		       const struct sms_split_opts *o, const uint8_t *udh,
		       size_t udh_len, struct sms_part *part,
		       struct sms_split_info *info, size_t *err_off);

#endif
