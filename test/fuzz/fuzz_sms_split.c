/*
 * Fuzz target for shared/codec/sms_split: arbitrary bytes as UTF-8 text through
 * sms_split_info and sms_split_text (or sms_split_payload for method PAYLOAD),
 * with options taken from the first four input octets:
 *
 *   [0] bits 0-1 coding preference (0 GSM7, 1 UCS2, 2 LATIN1, 3 8BIT: must be
 *       refused), bit 2 substitute, bits 3-4 method (UDH8, UDH16, SAR,
 *       PAYLOAD), bit 5 asks for max_parts 256 (must be refused)
 *   [1] max_parts (0 = 255); for PAYLOAD, payload_cap / 64
 *   [2..3] reference (big-endian)
 *
 * On success every part is checked (seq, total, UDH bytes, unit limits, a
 * greedy fill, no split ESC pair or surrogate pair) and decoded back with
 * gsm7_to_utf8 / ucs2_to_utf8 / latin1_to_utf8 over the payload after the UDH;
 * the concatenation must equal the input with only the documented changes:
 * 'ç' reads back as 'Ç' in GSM 03.38, and with substitution an unmappable
 * character reads back as '?'. Any mismatch aborts. With UDH8 / UDH16, texts
 * up to 1000 octets also go through sms_split_text_udh, as a part the sender
 * concatenated itself.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shared/codec/gsm7.h"
#include "shared/codec/latin1.h"
#include "shared/codec/sms_split.h"
#include "shared/codec/ucs2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_SPLIT_MAX_TEXT 40000
#define FUZZ_SPLIT_OUT_MAX (3 * (SMS_SPLIT_PAYLOAD_MAX + 1) + 16)

static struct sms_part fuzz_split_parts[SMS_SPLIT_MAX_PARTS];
static uint8_t fuzz_split_got[FUZZ_SPLIT_OUT_MAX];
static uint8_t fuzz_split_want[FUZZ_SPLIT_OUT_MAX];
static uint8_t fuzz_split_payload[SMS_SPLIT_PAYLOAD_MAX];

static void fuzz_split_check(int cond)
{
	if (!cond)
		abort();
}

/* The text as it must read back after coding c: ç -> Ç for GSM 03.38, an
 * unmappable character -> '?'. Returns its length; *subst tells whether a
 * character was substituted. The text is valid UTF-8 (the splitter said so). */
static size_t fuzz_split_expect(const uint8_t *t, size_t len, enum sms_coding c,
				bool *subst)
{
	size_t off = 0, w = 0;
	uint8_t sept[2];
	uint32_t cp;
	int n;

	*subst = false;
	while (off < len) {
		n = ucs2_utf8_next(t + off, len - off, &cp);
		fuzz_split_check(n > 0);
		if ((c == SMS_CODING_GSM7 && gsm7_lookup(cp, sept) == 0) ||
		    (c == SMS_CODING_LATIN1 && cp > 0xFF)) {
			*subst = true;
			fuzz_split_want[w++] = '?';
		} else if (c == SMS_CODING_GSM7 && cp == 0xE7) {
			fuzz_split_want[w++] = 0xC3;
			fuzz_split_want[w++] = 0x87;
		} else {
			memcpy(fuzz_split_want + w, t + off, (size_t)n);
			w += (size_t)n;
		}
		off += (size_t)n;
	}
	return w;
}

/* Decodes user data ud[0..n) of coding c, appending at *w. */
static void fuzz_split_decode(enum sms_coding c, const uint8_t *ud, size_t n,
			      size_t *w)
{
	uint8_t *out = fuzz_split_got + *w;
	size_t cap = sizeof(fuzz_split_got) - *w;
	int k;

	if (c == SMS_CODING_GSM7)
		k = gsm7_to_utf8(ud, n, 0, out, cap, NULL);
	else if (c == SMS_CODING_UCS2)
		k = ucs2_to_utf8(ud, n, 0, out, cap, NULL);
	else
		k = latin1_to_utf8(ud, n, out, cap);
	fuzz_split_check(k >= 0);
	*w += (size_t)k;
}

/* Octets of the first character of user data ud[0..n) in coding c. */
static size_t fuzz_split_first_chunk(enum sms_coding c, const uint8_t *ud,
				     size_t n)
{
	fuzz_split_check(n > 0);
	if (c == SMS_CODING_GSM7)
		return ud[0] == GSM7_ESC ? 2 : 1;
	if (c == SMS_CODING_UCS2)
		return n >= 2 && (ud[0] & 0xFC) == 0xD8 ? 4 : 2;
	return 1;
}

/* User data octets of one part: single SMS, or a part of a split message. */
static size_t fuzz_split_budget(enum sms_coding c, enum sms_concat m,
				bool multi)
{
	size_t b16 = m == SMS_CONCAT_UDH16;

	if (c == SMS_CODING_GSM7)
		return multi ? 153 - b16 : 160;
	if (c == SMS_CODING_UCS2)
		return multi ? 134 - 2 * b16 : 140;
	return multi ? 134 - b16 : 140;
}

/* The UDH part i of n must carry under o. */
static void fuzz_split_check_udh(const struct sms_part *pt,
				 const struct sms_split_opts *o, unsigned n)
{
	if (n == 1 || o->method == SMS_CONCAT_SAR) {
		fuzz_split_check(pt->udh_len == 0);
		return;
	}
	if (o->method == SMS_CONCAT_UDH8) {
		const uint8_t h[6] = { 5, 0, 3, (uint8_t)o->ref, (uint8_t)n, pt->seq };

		fuzz_split_check(pt->udh_len == 6 && memcmp(pt->data, h, 6) == 0);
		fuzz_split_check(pt->ref == (uint8_t)o->ref);
	} else {
		const uint8_t h[7] = { 6, 8, 4, (uint8_t)(o->ref >> 8),
				       (uint8_t)o->ref, (uint8_t)n, pt->seq };

		fuzz_split_check(pt->udh_len == 7 && memcmp(pt->data, h, 7) == 0);
		fuzz_split_check(pt->ref == o->ref);
	}
}

/* Checks parts[0..n) against info and decodes them; returns the text length. */
static size_t fuzz_split_check_parts(const struct sms_split_opts *o,
				     const struct sms_split_info *info, unsigned n)
{
	size_t budget = fuzz_split_budget(info->coding, o->method, n > 1);
	size_t units = 0, octets = 0, w = 0;

	for (unsigned i = 0; i < n; i++) {
		const struct sms_part *pt = &fuzz_split_parts[i];
		const uint8_t *ud = pt->data + pt->udh_len;
		size_t udl = pt->len - pt->udh_len;

		fuzz_split_check(pt->seq == i + 1 && pt->total == n);
		fuzz_split_check(pt->len <= SMS_PART_MAX && pt->udh_len <= pt->len);
		fuzz_split_check_udh(pt, o, n);
		fuzz_split_check(udl <= budget);
		fuzz_split_check(pt->units == (info->coding == SMS_CODING_UCS2 ?
					       udl / 2 : udl));
		if (info->coding == SMS_CODING_UCS2)
			fuzz_split_check(udl % 2 == 0 && (udl == 0 ||
				(ud[udl - 2] & 0xFC) != 0xD8));
		if (info->coding == SMS_CODING_GSM7 && udl > 0)
			fuzz_split_check(ud[udl - 1] != GSM7_ESC);
		/* Greedy: the next part's first character did not fit here. */
		if (i + 1 < n) {
			const struct sms_part *nx = &fuzz_split_parts[i + 1];

			fuzz_split_check(udl + fuzz_split_first_chunk(info->coding,
				nx->data + nx->udh_len, nx->len - nx->udh_len) > budget);
		}
		units += pt->units;
		octets += udl;
		fuzz_split_decode(info->coding, ud, udl, &w);
	}
	fuzz_split_check(units == info->units && octets == info->octets);
	return w;
}

/* Compares what decoded (got[0..n)) with the expected reading of the text. */
static void fuzz_split_compare(const uint8_t *t, size_t len,
			       const struct sms_split_opts *o,
			       enum sms_coding c, size_t n)
{
	bool subst;
	size_t m = fuzz_split_expect(t, len, c, &subst);

	if (subst)
		fuzz_split_check(o->substitute && c != SMS_CODING_UCS2);
	fuzz_split_check(m == n && memcmp(fuzz_split_want, fuzz_split_got, n) == 0);
	if (c == SMS_CODING_UCS2 || (!subst && c == SMS_CODING_LATIN1))
		fuzz_split_check(n == len && memcmp(t, fuzz_split_got, n) == 0);
}

/* The coding chosen for valid text t under o. */
static void fuzz_split_check_coding(const uint8_t *t, size_t len,
				    const struct sms_split_opts *o,
				    enum sms_coding c)
{
	bool fits;

	if (o->coding == SMS_CODING_UCS2) {
		fuzz_split_check(c == SMS_CODING_UCS2);
		return;
	}
	fits = o->coding == SMS_CODING_GSM7 ? gsm7_can_encode(t, len) :
	       latin1_can_encode(t, len);
	fuzz_split_check(c == (fits || o->substitute ? o->coding : SMS_CODING_UCS2));
}

/* Method PAYLOAD: the whole text in one buffer. */
static void fuzz_split_payload_run(const uint8_t *t, size_t len,
				   const struct sms_split_opts *o,
				   const struct sms_split_info *info, int irc)
{
	struct sms_split_info pi;
	size_t w = 0;
	int rc;

	rc = sms_split_payload(t, len, o, fuzz_split_payload,
			       sizeof(fuzz_split_payload), &pi, NULL);
	fuzz_split_check(rc == irc || (irc == 0 && rc >= 0));
	if (rc < 0)
		return;
	fuzz_split_check((size_t)rc == info->octets && pi.parts == 1);
	fuzz_split_check(pi.coding == info->coding && pi.units == info->units);
	fuzz_split_decode(info->coding, fuzz_split_payload, (size_t)rc, &w);
	fuzz_split_compare(t, len, o, info->coding, w);
	if (rc > 0) {
		rc = sms_split_payload(t, len, o, fuzz_split_payload,
				       info->octets - 1, NULL, NULL);
		fuzz_split_check(rc == SMS_SPLIT_E_SPACE);
	}
}

/* Methods UDH8, UDH16 and SAR. */
static void fuzz_split_text_run(const uint8_t *t, size_t len,
				const struct sms_split_opts *o,
				const struct sms_split_info *info, int irc)
{
	struct sms_split_info ti;
	unsigned max = o->max_parts ? o->max_parts : SMS_SPLIT_MAX_PARTS;
	size_t w;
	int rc;

	rc = sms_split_text(t, len, o, fuzz_split_parts, SMS_SPLIT_MAX_PARTS, &ti,
			    NULL);
	if (irc == SMS_SPLIT_E_TOO_LONG)
		fuzz_split_check(info->parts > max);
	if (irc < 0) {
		fuzz_split_check(rc == irc);
		return;
	}
	fuzz_split_check(rc > 0 && (unsigned)rc == info->parts && rc <= (int)max);
	fuzz_split_check(ti.coding == info->coding && ti.units == info->units &&
			 ti.octets == info->octets && ti.parts == info->parts);
	fuzz_split_check((rc == 1) == (info->octets <=
			 fuzz_split_budget(info->coding, o->method, false)));
	w = fuzz_split_check_parts(o, info, (unsigned)rc);
	fuzz_split_compare(t, len, o, info->coding, w);
	if (rc > 1)
		fuzz_split_check(sms_split_text(t, len, o, fuzz_split_parts,
			(size_t)rc - 1, NULL, NULL) == SMS_SPLIT_E_SPACE);
}

/* Methods UDH8 and UDH16 again as a part the sender concatenated itself: one
 * part that keeps the sender's concat UDH, or TOO_LONG when the text does not
 * fit beside it (the same room as a part of a split message). */
static void fuzz_split_udh_run(const uint8_t *t, size_t len,
			       const struct sms_split_opts *o,
			       const struct sms_split_info *info)
{
	const uint8_t h8[6] = { 5, 0, 3, (uint8_t)o->ref, 2, 1 };
	const uint8_t h16[7] = { 6, 8, 4, (uint8_t)(o->ref >> 8), (uint8_t)o->ref,
				 2, 2 };
	bool wide = o->method == SMS_CONCAT_UDH16;
	const uint8_t *h = wide ? h16 : h8;
	size_t hl = wide ? sizeof(h16) : sizeof(h8), w = 0;
	struct sms_part *pt = &fuzz_split_parts[0];
	struct sms_split_info ui;
	int rc;

	rc = sms_split_text_udh(t, len, o, h, hl, pt, &ui, NULL);
	if (info->octets > fuzz_split_budget(info->coding, o->method, true)) {
		fuzz_split_check(rc == SMS_SPLIT_E_TOO_LONG);
		return;
	}
	fuzz_split_check(rc == 1 && ui.coding == info->coding &&
			 ui.octets == info->octets);
	fuzz_split_check(pt->udh_len == hl && memcmp(pt->data, h, hl) == 0);
	fuzz_split_check(pt->ref == (wide ? o->ref : (uint8_t)o->ref) &&
			 pt->total == 2 && pt->seq == (wide ? 2 : 1));
	fuzz_split_decode(info->coding, pt->data + hl, pt->len - hl, &w);
	fuzz_split_compare(t, len, o, info->coding, w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sms_split_opts o;
	struct sms_split_info info;
	size_t err_off = SIZE_MAX;
	const uint8_t *t;
	size_t len;
	int irc;

	if (size < 4 || size - 4 > FUZZ_SPLIT_MAX_TEXT)
		return 0;
	memset(&o, 0, sizeof(o));
	memset(&info, 0, sizeof(info));
	o.coding = (enum sms_coding)(data[0] & 3);
	o.substitute = (data[0] & 4) != 0;
	o.method = (enum sms_concat)((data[0] >> 3) & 3);
	o.max_parts = data[0] & 0x20 ? SMS_SPLIT_MAX_PARTS + 1 : data[1];
	if (o.method == SMS_CONCAT_PAYLOAD)
		o.payload_cap = (size_t)data[1] * 64;
	o.ref = (uint16_t)(data[2] << 8 | data[3]);
	t = data + 4;
	len = size - 4;

	irc = sms_split_info(t, len, &o, &info, &err_off);
	if ((o.max_parts > SMS_SPLIT_MAX_PARTS) || o.coding == SMS_CODING_8BIT) {
		fuzz_split_check(irc == SMS_SPLIT_E_ARG);
		return 0;
	}
	fuzz_split_check(irc == 0 || irc == SMS_SPLIT_E_UTF8 ||
			 irc == SMS_SPLIT_E_TOO_LONG);
	if (irc == SMS_SPLIT_E_UTF8) {
		fuzz_split_check(err_off < len && ucs2_units(t, len, NULL) < 0);
		return 0;
	}
	fuzz_split_check(ucs2_units(t, len, NULL) >= 0);
	fuzz_split_check_coding(t, len, &o, info.coding);
	if (o.method == SMS_CONCAT_PAYLOAD) {
		fuzz_split_check(sms_split_text(t, len, &o, fuzz_split_parts,
			SMS_SPLIT_MAX_PARTS, NULL, NULL) == SMS_SPLIT_E_ARG);
		fuzz_split_payload_run(t, len, &o, &info, irc);
	} else {
		fuzz_split_text_run(t, len, &o, &info, irc);
		if (o.method != SMS_CONCAT_SAR && len <= 1000)
			fuzz_split_udh_run(t, len, &o, &info);
	}
	return 0;
}
