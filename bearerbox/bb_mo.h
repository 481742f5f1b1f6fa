/*
 * bb_mo — the pure half of inbound (MO) handling in the bearerbox: what a
 * deliver_sm / data_sm carries (addresses, coding, concatenation by UDH or SAR,
 * payload without UDH) and the decoding of a joined payload to UTF-8 by
 * data_coding. No I/O, no logging; the Redis half is in bb_dlr.c.
 * Safe on any thread.
 */
#ifndef HERMOD_BB_MO_H
#define HERMOD_BB_MO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct smpp_pdu;

/* What data_coding 0 means on a link (smsc group key data-coding). */
enum bb_mo_dcs0 {
	BB_MO_DCS0_GSM7 = 0,	/* GSM 03.38, one septet per octet */
	BB_MO_DCS0_ASCII,	/* IA5 / ASCII (octets above 0x7F read as Latin-1) */
	BB_MO_DCS0_LATIN1,	/* ISO-8859-1 */
};

/* How the payload is turned into text. */
enum bb_mo_alphabet {
	BB_MO_ALPHA_GSM7 = 0,
	BB_MO_ALPHA_LATIN1,
	BB_MO_ALPHA_UCS2,
	BB_MO_ALPHA_BINARY,	/* written as lower-case hex */
};

/* One received MO part. Pointers borrow from the PDU. */
struct bb_mo_part {
	const char *from;	/* source_addr as sent */
	char to[66];		/* destination_addr without a leading '+' */
	uint8_t dcs;		/* data_coding as received */
	bool concat;		/* part of a concatenated message (total > 1) */
	uint16_t ref;
	uint8_t total, seq;
	const uint8_t *data;	/* user data without UDH */
	size_t len;
};

enum bb_mo_err {
	BB_MO_E_UDH = -1,	/* UDHI set but the UDH does not parse */
	BB_MO_E_CONCAT = -2,	/* SAR / UDH concat fields inconsistent */
	BB_MO_E_SPACE = -3,	/* output buffer too small */
};

/*
 * Reads pdu (deliver_sm or data_sm, not a receipt) into *out: the payload is
 * short_message, or message_payload when sm_length is 0; with esm_class UDHI
 * the UDH is stripped and its concat IE (8- or 16-bit ref) used; else the three
 * SAR TLVs when all are present. A concat of total 1 counts as a single
 * message. Returns 0, or BB_MO_E_UDH / BB_MO_E_CONCAT.
 */
int bb_mo_parse(const struct smpp_pdu *pdu, struct bb_mo_part *out);

/* The alphabet of data_coding dcs on a link whose dcs 0 is dcs0. SMPP values
 * below 0x10 (0 per the link, 1 IA5 and 3 Latin-1 as Latin-1, 8 UCS-2, others
 * binary), then the GSM 03.38 coding groups (general, message waiting, 0xF0). */
enum bb_mo_alphabet bb_mo_alphabet(uint8_t dcs, enum bb_mo_dcs0 dcs0);

/*
 * Decodes p[0..len) written in alphabet a to NUL-terminated UTF-8 into
 * out[0..cap). Undecodable input never fails: GSM octets above 0x7F become '?',
 * lone UCS-2 surrogates U+FFFD. bb_mo_text_cap(len) octets always suffice.
 * Returns the length without the NUL, or BB_MO_E_SPACE.
 */
int bb_mo_text(enum bb_mo_alphabet a, const uint8_t *p, size_t len, char *out,
	       size_t cap);

/* Output room that bb_mo_text() needs at most for len input octets. */
size_t bb_mo_text_cap(size_t len);

#endif
