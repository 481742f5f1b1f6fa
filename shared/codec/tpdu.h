/*
 * tpdu — SMS TPDUs of 3GPP TS 23.040 as used in AT PDU mode (protocols.md §3):
 * SMS-SUBMIT encode; SMS-DELIVER, SMS-STATUS-REPORT (and SMS-SUBMIT, for round
 * trips) decode, each preceded by the SMSC address field; the helpers around them
 * (addresses, SCTS, relative VP, DCS, TP-ST meaning) and the hex form AT+CMGS and
 * +CMGR use. Pure codec layer: caller buffers, no allocation, no I/O, no clock.
 */
#ifndef HERMOD_TPDU_H
#define HERMOD_TPDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/codec/udh.h"

#define TPDU_MAX 176		/* SMSC field (12) + longest SUBMIT (164) */
#define TPDU_UD_MAX 140		/* octets of TP-UD */
#define TPDU_ADDR_DIGITS 20	/* digits of an address (10 BCD octets) */
#define TPDU_ADDR_MAX 48	/* struct tpdu_addr.text, NUL included */
#define TPDU_TEXT_MAX 481	/* UTF-8 of 160 septets, 3 octets each, + NUL */

enum tpdu_err {
	TPDU_E_SHORT = -1,	/* input ends inside a field */
	TPDU_E_ADDR = -2,	/* address: bad length, digit or type */
	TPDU_E_MTI = -3,	/* not the message type asked for */
	TPDU_E_UDL = -4,	/* TP-UDL above 160 / 140 or shorter than the UDH */
	TPDU_E_UDH = -5,	/* UDH does not parse */
	TPDU_E_SPACE = -6,	/* output buffer too small */
	TPDU_E_ARG = -7,	/* encoder: bad field (septet > 0x7F, VP...) */
	TPDU_E_HEX = -8,	/* hex: odd length or not a hex digit */
};

enum tpdu_type {
	TPDU_DELIVER = 0,	/* MTI 00, SC -> MS */
	TPDU_SUBMIT = 1,	/* MTI 01, MS -> SC */
	TPDU_STATUS_REPORT = 2,	/* MTI 10, SC -> MS */
};

enum tpdu_alphabet {
	TPDU_GSM7,
	TPDU_8BIT,		/* also compressed data: passed on undecoded */
	TPDU_UCS2,
};

/* Type-of-address values (protocols.md §3.1). */
#define TPDU_TOA_INTERNATIONAL 0x91
#define TPDU_TOA_UNKNOWN 0x81
#define TPDU_TOA_NATIONAL 0xA1
#define TPDU_TOA_ALPHANUMERIC 0xD0

/* An address as decoded: digits (with a leading '+' when the type of number is
 * international; semi-octets A-E as * # a b c), or the UTF-8 text of an
 * alphanumeric address (TON 101). */
struct tpdu_addr {
	uint8_t toa;
	char text[TPDU_ADDR_MAX];
};

/* A TP-SCTS / TP-DT / absolute TP-VP: local time and its offset from UTC. */
struct tpdu_time {
	uint16_t year;		/* YY >= 90 -> 19YY, else 20YY */
	uint8_t month, day, hour, minute, second;
	int8_t tz_quarters;	/* UTC offset in quarter hours, -79..79 */
	bool valid;		/* every semi-octet was a decimal digit */
};

enum tpdu_vpf {
	TPDU_VPF_NONE = 0,
	TPDU_VPF_ENHANCED = 1,	/* 01: decode skips its 7 octets; encode refuses */
	TPDU_VPF_RELATIVE = 2,	/* first-octet bits 4-3 = 10 */
	TPDU_VPF_ABSOLUTE = 3,	/* 11 */
};

/* What tpdu_submit_encode sends. */
struct tpdu_submit {
	const char *smsc;	/* NULL or "": SMSC length 00 (modem's default) */
	uint8_t mr;
	const char *da;		/* "+46708251358" (-> 0x91), "0612345678", or text */
	uint8_t da_toa;		/* 0: 0x91 with a '+', else 0x81; 0xD0: alphanumeric */
	uint8_t pid;
	uint8_t dcs;		/* see tpdu_dcs_make; selects how ud is sent */
	bool rd, srr, rp;
	enum tpdu_vpf vpf;
	uint8_t vp;		/* TPDU_VPF_RELATIVE */
	struct tpdu_time vp_abs;	/* TPDU_VPF_ABSOLUTE */
	const uint8_t *udh;	/* whole UDH, UDHL included, or NULL; sets TP-UDHI */
	size_t udh_len;
	const uint8_t *ud;	/* GSM7: septets one per octet (packed here); else octets */
	size_t ud_len;
};

/* A decoded TPDU. Fields that the type lacks stay zero. */
struct tpdu {
	enum tpdu_type type;
	struct tpdu_addr sca;	/* SMSC address; text "" when its length was 0 */
	size_t sca_len;		/* octets of the SMSC field, length octet included */
	size_t tpdu_len;	/* octets after the SMSC field (the AT <length>) */
	uint8_t first;		/* first octet as received */
	bool udhi, rp;
	bool mms;		/* DELIVER / STATUS-REPORT: 1 = no more messages */
	bool sri;		/* DELIVER: status report indication */
	bool srr, rd;		/* SUBMIT */
	bool srq;		/* STATUS-REPORT: report on a COMMAND */
	uint8_t mr;		/* SUBMIT, STATUS-REPORT */
	struct tpdu_addr addr;	/* DA (SUBMIT), OA (DELIVER), RA (STATUS-REPORT) */
	uint8_t pid, dcs;
	enum tpdu_vpf vpf;	/* SUBMIT; an enhanced VP is skipped */
	uint8_t vp;
	struct tpdu_time vp_abs;
	struct tpdu_time scts;	/* DELIVER, STATUS-REPORT */
	struct tpdu_time dt;	/* STATUS-REPORT discharge time */
	uint8_t st;		/* STATUS-REPORT TP-ST */
	uint8_t pi;		/* STATUS-REPORT TP-PI, 0 when absent */
	enum tpdu_alphabet alphabet;
	int msg_class;		/* 0..3, or -1 when the DCS gives none */
	uint8_t udl;
	bool has_udh;
	struct udh udh;		/* its IE pointers borrow from the decoder input */
	uint8_t data[160];	/* user data after the UDH: GSM7 septets one per */
	size_t data_len;	/* octet (join these for concat), else octets */
	char text[TPDU_TEXT_MAX];	/* UTF-8 of data (GSM7 / UCS-2); "" for 8-bit */
	size_t text_len;
};

/* TP-ST classes (protocols.md §3.4). */
enum tpdu_st_class {
	TPDU_ST_DELIVERED,	/* 0x00-0x1F transaction completed */
	TPDU_ST_TEMPORARY,	/* 0x20-0x3F temporary error, SC still trying */
	TPDU_ST_PERMANENT,	/* 0x40-0x5F permanent error, SC stopped */
	TPDU_ST_TEMP_FINAL,	/* 0x60-0x7F temporary error, SC stopped trying */
	TPDU_ST_RESERVED,	/* 0x80-0xFF */
};

/*
 * Encodes SMSC field + SMS-SUBMIT into out[0..cap). Returns the total octets and
 * sets *tpdu_len (may be NULL) to the octets after the SMSC field (AT+CMGS=<n>).
 * Errors: TPDU_E_ADDR (bad SMSC / DA), TPDU_E_UDL (user data over 160 septets
 * or 140 octets with its UDH), TPDU_E_ARG (septet > 0x7F, UDH that does not
 * parse), TPDU_E_SPACE.
 */
int tpdu_submit_encode(const struct tpdu_submit *s, uint8_t *out, size_t cap,
		       size_t *tpdu_len);

/*
 * Decodes SMSC field + TPDU at p[0..len), whichever type the MTI says. Returns
 * the octets consumed (trailing octets are left), or a negative tpdu_err; a
 * truncated input is TPDU_E_SHORT (a PDU always arrives whole). out->udh's IE
 * pointers borrow from p. UCS-2 text with unpaired surrogates gets U+FFFD.
 */
int tpdu_decode(const uint8_t *p, size_t len, struct tpdu *out);

/* As tpdu_decode, but TPDU_E_MTI unless the message is of that type. */
int tpdu_deliver_decode(const uint8_t *p, size_t len, struct tpdu *out);
int tpdu_status_report_decode(const uint8_t *p, size_t len, struct tpdu *out);

/* Alphabet and class (-1 none) of a TP-DCS (23.038 §4, protocols.md §2.6);
 * reserved groups read as GSM7. */
enum tpdu_alphabet tpdu_dcs_alphabet(uint8_t dcs);
int tpdu_dcs_class(uint8_t dcs);

/* TP-DCS for an alphabet and a class (-1 none): 0x00 / 0x04 / 0x08, or
 * 0x10 | alphabet << 2 | class (0x10 GSM7 flash, 0x18 UCS-2 flash). */
uint8_t tpdu_dcs_make(enum tpdu_alphabet a, int msg_class);

/* Relative TP-VP <-> minutes: the smallest VP that lasts at least minutes
 * (255 = 63 weeks when longer), and the duration a VP value stands for. */
uint8_t tpdu_vp_from_minutes(uint32_t minutes);
uint32_t tpdu_vp_minutes(uint8_t vp);

/* The 7-octet swapped-BCD time (SCTS, DT, absolute VP). decode always fills *t
 * (t->valid false when a semi-octet is not decimal); encode returns 7 or
 * TPDU_E_ARG for out-of-range fields. */
void tpdu_time_decode(const uint8_t p[7], struct tpdu_time *t);
int tpdu_time_encode(const struct tpdu_time *t, uint8_t out[7]);

/*
 * Writes the address field (length octet, type, digits or packed text) for
 * text (see struct tpdu_submit.da / da_toa) into out[0..cap). sca selects the
 * SMSC form, whose length octet counts octets instead of digits. Returns octets
 * written, TPDU_E_ADDR or TPDU_E_SPACE.
 */
int tpdu_addr_encode(const char *text, uint8_t toa, bool sca, uint8_t *out,
		     size_t cap);

/* Decoder contract for one address field: octets consumed, or TPDU_E_SHORT /
 * TPDU_E_ADDR. */
int tpdu_addr_decode(const uint8_t *p, size_t len, bool sca, struct tpdu_addr *out);

/* TP-ST class, its 23.040 meaning ("received by the SME", ...; never NULL), and
 * the DLR stat word Hermod maps it to (DELIVRD, ENROUTE, EXPIRED, DELETED,
 * UNDELIV; a gateway choice, protocols.md §3.4). */
enum tpdu_st_class tpdu_status_class(uint8_t st);
const char *tpdu_status_text(uint8_t st);
const char *tpdu_status_stat(uint8_t st);

/* Bytes -> uppercase hex, NUL-terminated; returns 2 * len or TPDU_E_SPACE. */
int tpdu_hex_encode(const uint8_t *p, size_t len, char *out, size_t cap);

/* Hex (either case, exactly len characters, no spaces) -> bytes; returns the
 * octets written, TPDU_E_HEX or TPDU_E_SPACE. */
int tpdu_hex_decode(const char *hex, size_t len, uint8_t *out, size_t cap);

#endif
