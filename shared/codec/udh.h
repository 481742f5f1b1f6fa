/*
 * udh — SMS User Data Header (3GPP TS 23.040 §9.2.3.24; protocols.md §2.5):
 * parse and build. UDHL, then IEs of IEI + IEDL + data. Recognised: 0x00 / 0x08
 * concatenation (8- / 16-bit reference), 0x04 / 0x05 application ports; any other
 * IE is kept as-is (up to UDH_MAX_IES) and otherwise skipped. Also the GSM7 fill
 * bit arithmetic for text after a UDH. Pure codec layer: no allocation, no I/O.
 */
#ifndef HERMOD_UDH_H
#define HERMOD_UDH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UDH_IEI_CONCAT8 0x00
#define UDH_IEI_SPECIAL 0x01
#define UDH_IEI_PORT8 0x04
#define UDH_IEI_PORT16 0x05
#define UDH_IEI_CONCAT16 0x08

#define UDH_MAX_LEN 140		/* UDHL + IEs can never exceed TP-UD */
#define UDH_MAX_IES 16		/* IEs kept in struct udh.ies */

enum udh_err {
	UDH_E_UDHL = -1,	/* no UDHL octet, or UDHL beyond the input / above 139 */
	UDH_E_IE = -2,		/* an IE's length runs past UDHL */
	UDH_E_IEDL = -3,	/* a concat / port IE has the wrong IEDL */
	UDH_E_SPACE = -4,	/* encoder: output buffer too small */
	UDH_E_ARG = -5,		/* encoder: bad field values (seq 0, seq > total...) */
};

struct udh_ie {
	uint8_t iei;
	uint8_t len;
	const uint8_t *data;	/* borrowed: points into the decoder's input */
};

struct udh {
	size_t len;			/* octets including UDHL */
	unsigned n_ies;			/* IEs stored in ies[] */
	unsigned n_skipped;		/* IEs beyond UDH_MAX_IES, parsed but not stored */
	struct udh_ie ies[UDH_MAX_IES];
	bool has_concat;
	bool concat16;			/* reference came from IEI 0x08 */
	uint16_t concat_ref;
	uint8_t concat_total;
	uint8_t concat_seq;
	bool has_ports;
	bool ports16;
	uint16_t dst_port;
	uint16_t src_port;
};

/*
 * Parses the UDH at p[0..len) (p[0] is UDHL). Returns the octets consumed
 * (UDHL + 1), or a negative udh_err. UDHL 0 (an empty header) is valid.
 * A concat IE with total 0, seq 0 or seq > total is kept in ies[] but ignored
 * (has_concat false, concat fields zero), as 23.040 says; when an IE repeats,
 * the last one wins.
 * out->ies[].data borrow from p.
 */
int udh_decode(const uint8_t *p, size_t len, struct udh *out);

/* What udh_encode builds: ports first, then the caller's raw IEs (IEI + IEDL +
 * data, already encoded), then concat last (the WAP push layout). */
struct udh_spec {
	bool concat;
	bool concat16;
	uint16_t ref;		/* only the low 8 bits unless concat16 */
	uint8_t total;
	uint8_t seq;
	bool ports;
	bool ports16;
	uint16_t dst_port;
	uint16_t src_port;
	const uint8_t *extra;	/* borrowed; may be NULL */
	size_t extra_len;
};

/*
 * Writes UDHL + IEs for spec into out[0..cap). Returns octets written (0 when the
 * spec is empty), UDH_E_SPACE, or UDH_E_ARG (seq/total out of 1..255 order, ports
 * above 255 for 8-bit ports, total length above UDH_MAX_LEN).
 */
int udh_encode(const struct udh_spec *spec, uint8_t *out, size_t cap);

/*
 * Copies the UDH p[0..len) (UDHL first, exactly one UDH) into out[0..cap)
 * without its concatenation IEs (IEI 0x00 and 0x08), the other IEs unchanged
 * and in order: what stays of a part's header when its concatenation goes in
 * SAR values instead. Returns the octets written, 0 when no IE remains (no
 * UDH at all), the udh_decode() errors when p does not parse or has octets
 * after the UDH (UDH_E_UDHL), UDH_E_SPACE when cap is too small.
 */
int udh_strip_concat(const uint8_t *p, size_t len, uint8_t *out, size_t cap);

/* Octets a concat IE plus UDHL add on its own: 6 (8-bit ref) or 7 (16-bit). */
size_t udh_concat_len(bool concat16);

/* GSM7 fill bits after a UDH of udh_octets octets (UDHL included):
 * (7 - (8h mod 7)) mod 7, and the septets the UDH plus fill occupy. */
unsigned udh_fill_bits(size_t udh_octets);
size_t udh_septets(size_t udh_octets);

#endif
