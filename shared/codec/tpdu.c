/*
 * tpdu — SMS-SUBMIT encode and SMS-DELIVER / SMS-STATUS-REPORT / SMS-SUBMIT
 * decode per 3GPP TS 23.040 (protocols.md §3), with the SMSC address field AT
 * PDU mode puts in front. Pure codec layer: caller buffers, no I/O.
 */
#include "config.h"

#include "shared/codec/tpdu.h"

#include <limits.h>
#include <string.h>

#include "shared/codec/gsm7.h"
#include "shared/codec/ucs2.h"
#include "shared/util/bytes.h"

#define TPDU_MTI_MASK 0x03
#define TPDU_FO_RD_MMS 0x04	/* SUBMIT: RD; DELIVER / STATUS-REPORT: MMS */
#define TPDU_FO_LP 0x08
#define TPDU_FO_SRR 0x20	/* SUBMIT: SRR; DELIVER: SRI; STATUS-REPORT: SRQ */
#define TPDU_FO_UDHI 0x40
#define TPDU_FO_RP 0x80

static const char tpdu_digits[] = "0123456789*#abc";

static bool tpdu_toa_alnum(uint8_t toa)
{
	return (toa & 0x70) == 0x50;
}

static int tpdu_digit_val(char c)
{
	const char *d;

	if (c >= 'A' && c <= 'C')
		c = (char)(c - 'A' + 'a');
	if (c == 0)
		return -1;
	d = strchr(tpdu_digits, c);
	return d ? (int)(d - tpdu_digits) : -1;
}

/* Alphanumeric (TON 101) address: GSM7 packed, length in semi-octets. */
static int tpdu_alnum_encode(const char *text, uint8_t toa, uint8_t *out,
			     size_t cap)
{
	uint8_t sept[2 * 11];
	int n = gsm7_from_utf8((const uint8_t *)text, strlen(text), GSM7_SUBSTITUTE,
			       sept, sizeof(sept), NULL);
	size_t octets;

	if (n <= 0 || n > 11)
		return TPDU_E_ADDR;
	octets = gsm7_packed_len((size_t)n, 0);
	if (cap < 2 + octets)
		return TPDU_E_SPACE;
	out[0] = (uint8_t)((7 * n + 3) / 4);
	out[1] = toa;
	gsm7_pack(sept, (size_t)n, 0, out + 2, cap - 2);
	return (int)(2 + octets);
}

int tpdu_addr_encode(const char *text, uint8_t toa, bool sca, uint8_t *out,
		     size_t cap)
{
	size_t nd, octets;

	if (toa == 0)
		toa = text[0] == '+' ? TPDU_TOA_INTERNATIONAL : TPDU_TOA_UNKNOWN;
	if (sca && text[0] == 0) {
		if (cap < 1)
			return TPDU_E_SPACE;
		out[0] = 0;
		return 1;
	}
	if (!(toa & 0x80))
		return TPDU_E_ADDR;
	if (tpdu_toa_alnum(toa))
		return sca ? TPDU_E_ADDR : tpdu_alnum_encode(text, toa, out, cap);
	if (text[0] == '+')
		text++;
	nd = strlen(text);
	if (nd == 0 || nd > TPDU_ADDR_DIGITS)
		return TPDU_E_ADDR;
	octets = (nd + 1) / 2;
	if (cap < 2 + octets)
		return TPDU_E_SPACE;
	out[0] = (uint8_t)(sca ? 1 + octets : nd);
	out[1] = toa;
	for (size_t i = 0; i < nd; i++) {
		int v = tpdu_digit_val(text[i]);

		if (v < 0)
			return TPDU_E_ADDR;
		if (i % 2 == 0)
			out[2 + i / 2] = (uint8_t)(0xF0 | v);
		else
			out[2 + i / 2] = (uint8_t)((out[2 + i / 2] & 0x0F) | v << 4);
	}
	return (int)(2 + octets);
}

/* Semi-octet digits: at most nd of them (SIZE_MAX: until an F pad). */
static void tpdu_digits_decode(const uint8_t *p, size_t octets, size_t nd,
			       bool plus, char *out)
{
	size_t w = 0;

	if (plus)
		out[w++] = '+';
	for (size_t i = 0; i < 2 * octets && i < nd; i++) {
		unsigned v = i % 2 ? p[i / 2] >> 4 : p[i / 2] & 0x0F;

		if (v == 0xF)
			continue;	/* padding (or a stray F: skipped) */
		out[w++] = tpdu_digits[v];
	}
	out[w] = 0;
}

int tpdu_addr_decode(const uint8_t *p, size_t len, bool sca, struct tpdu_addr *out)
{
	size_t n, octets;

	memset(out, 0, sizeof(*out));
	if (len < 1)
		return TPDU_E_SHORT;
	n = p[0];
	if (sca && n == 0)
		return 1;
	octets = sca ? n - 1 : (n + 1) / 2;
	if (sca ? n > 11 : n > TPDU_ADDR_DIGITS)
		return TPDU_E_ADDR;
	if (len < 2 + octets)
		return TPDU_E_SHORT;
	out->toa = p[1];
	if (!sca && tpdu_toa_alnum(out->toa)) {
		uint8_t sept[TPDU_ADDR_DIGITS];
		size_t ns = n * 4 / 7;

		gsm7_unpack(p + 2, octets, 0, ns, sept, sizeof(sept));
		if (gsm7_to_utf8(sept, ns, GSM7_SUBSTITUTE, (uint8_t *)out->text,
				 sizeof(out->text), NULL) < 0)
			return TPDU_E_ADDR;
	} else {
		tpdu_digits_decode(p + 2, octets, sca ? SIZE_MAX : n,
				   (out->toa & 0x70) == 0x10, out->text);
	}
	return (int)(2 + octets);
}

/* One swapped-BCD octet; *ok cleared when a semi-octet is not decimal. */
static unsigned tpdu_bcd(uint8_t o, bool *ok)
{
	unsigned lo = o & 0x0F, hi = o >> 4;

	if (lo > 9 || hi > 9)
		*ok = false;
	return lo * 10 + hi;
}

void tpdu_time_decode(const uint8_t p[7], struct tpdu_time *t)
{
	bool ok = true;
	unsigned yy = tpdu_bcd(p[0], &ok), q;

	t->year = (uint16_t)(yy >= 90 ? 1900 + yy : 2000 + yy);
	t->month = (uint8_t)tpdu_bcd(p[1], &ok);
	t->day = (uint8_t)tpdu_bcd(p[2], &ok);
	t->hour = (uint8_t)tpdu_bcd(p[3], &ok);
	t->minute = (uint8_t)tpdu_bcd(p[4], &ok);
	t->second = (uint8_t)tpdu_bcd(p[5], &ok);
	/* TZ: tens in bits 0-2, sign in bit 3, units in the high semi-octet. */
	if ((p[6] >> 4) > 9)
		ok = false;
	q = (p[6] & 0x07) * 10u + (p[6] >> 4);
	t->tz_quarters = (int8_t)(p[6] & 0x08 ? -(int)q : (int)q);
	t->valid = ok && t->month >= 1 && t->month <= 12 && t->day >= 1 &&
		   t->day <= 31 && t->hour < 24 && t->minute < 60 && t->second < 60;
}

static uint8_t tpdu_bcd_put(unsigned v)
{
	return (uint8_t)((v % 10) << 4 | v / 10);
}

int tpdu_time_encode(const struct tpdu_time *t, uint8_t out[7])
{
	unsigned q = (unsigned)(t->tz_quarters < 0 ? -t->tz_quarters : t->tz_quarters);

	if (t->year < 1990 || t->year > 2089 || t->month < 1 || t->month > 12 ||
	    t->day < 1 || t->day > 31 || t->hour > 23 || t->minute > 59 ||
	    t->second > 59 || q > 79)
		return TPDU_E_ARG;
	out[0] = tpdu_bcd_put(t->year % 100);
	out[1] = tpdu_bcd_put(t->month);
	out[2] = tpdu_bcd_put(t->day);
	out[3] = tpdu_bcd_put(t->hour);
	out[4] = tpdu_bcd_put(t->minute);
	out[5] = tpdu_bcd_put(t->second);
	out[6] = (uint8_t)((q % 10) << 4 | q / 10 | (t->tz_quarters < 0 ? 0x08 : 0));
	return 7;
}

uint8_t tpdu_vp_from_minutes(uint32_t m)
{
	if (m <= 720)
		return (uint8_t)(m <= 5 ? 0 : (m + 4) / 5 - 1);
	if (m <= 1440)
		return (uint8_t)(143 + (m - 720 + 29) / 30);
	if (m <= 30u * 1440)
		return (uint8_t)(166 + (m + 1439) / 1440);
	if (m <= 63u * 10080)
		return (uint8_t)(192 + (m + 10079) / 10080);
	return 255;
}

uint32_t tpdu_vp_minutes(uint8_t vp)
{
	if (vp <= 143)
		return (vp + 1u) * 5;
	if (vp <= 167)
		return 720 + (vp - 143u) * 30;
	if (vp <= 196)
		return (vp - 166u) * 1440;
	return (vp - 192u) * 10080;
}

enum tpdu_alphabet tpdu_dcs_alphabet(uint8_t dcs)
{
	if (!(dcs & 0x80)) {
		if (dcs & 0x20)
			return TPDU_8BIT;	/* compressed */
		switch ((dcs >> 2) & 3) {
		case 1:
			return TPDU_8BIT;
		case 2:
			return TPDU_UCS2;
		default:
			return TPDU_GSM7;
		}
	}
	switch (dcs & 0xF0) {
	case 0xE0:
		return TPDU_UCS2;
	case 0xF0:
		return dcs & 0x04 ? TPDU_8BIT : TPDU_GSM7;
	default:
		return TPDU_GSM7;
	}
}

int tpdu_dcs_class(uint8_t dcs)
{
	if (!(dcs & 0x80))
		return dcs & 0x10 ? dcs & 3 : -1;
	if ((dcs & 0xF0) == 0xF0)
		return dcs & 3;
	return -1;
}

uint8_t tpdu_dcs_make(enum tpdu_alphabet a, int msg_class)
{
	uint8_t code = a == TPDU_UCS2 ? 0x08 : a == TPDU_8BIT ? 0x04 : 0x00;

	if (msg_class < 0 || msg_class > 3)
		return code;
	return (uint8_t)(0x10 | code | msg_class);
}

/* TP-UDL and TP-UD of a SUBMIT; the UDH has already been checked. */
static int tpdu_put_ud(struct bytes_writer *w, const struct tpdu_submit *s)
{
	size_t h = s->udh_len;

	if (tpdu_dcs_alphabet(s->dcs) == TPDU_GSM7) {
		uint8_t packed[TPDU_UD_MAX];
		size_t udl = (h ? udh_septets(h) : 0) + s->ud_len;
		int n;

		if (udl > 160)
			return TPDU_E_UDL;
		for (size_t i = 0; i < s->ud_len; i++)
			if (s->ud[i] > 0x7F)
				return TPDU_E_ARG;
		n = gsm7_pack(s->ud, s->ud_len, h ? udh_fill_bits(h) : 0, packed,
			      sizeof(packed) - h);
		if (n < 0)
			return TPDU_E_UDL;
		bytes_put_u8(w, (uint8_t)udl);
		bytes_put_raw(w, s->udh, h);
		bytes_put_raw(w, packed, (size_t)n);
		return 0;
	}
	if (h + s->ud_len > TPDU_UD_MAX)
		return TPDU_E_UDL;
	bytes_put_u8(w, (uint8_t)(h + s->ud_len));
	bytes_put_raw(w, s->udh, h);
	bytes_put_raw(w, s->ud, s->ud_len);
	return 0;
}

static int tpdu_put_vp(struct bytes_writer *w, const struct tpdu_submit *s)
{
	uint8_t t[7];

	switch (s->vpf) {
	case TPDU_VPF_NONE:
		return 0;
	case TPDU_VPF_RELATIVE:
		bytes_put_u8(w, s->vp);
		return 0;
	case TPDU_VPF_ABSOLUTE:
		if (tpdu_time_encode(&s->vp_abs, t) < 0)
			return TPDU_E_ARG;
		bytes_put_raw(w, t, 7);
		return 0;
	default:
		return TPDU_E_ARG;
	}
}

int tpdu_submit_encode(const struct tpdu_submit *s, uint8_t *out, size_t cap,
		       size_t *tpdu_len)
{
	struct bytes_writer w;
	struct udh udh;
	uint8_t addr[12];
	int n, rc;
	size_t sca_len;

	if ((s->udh_len && (s->udh == NULL ||
			    udh_decode(s->udh, s->udh_len, &udh) != (int)s->udh_len)) ||
	    (s->ud_len && s->ud == NULL) || s->da == NULL)
		return TPDU_E_ARG;
	bytes_writer_init(&w, out, cap);
	n = tpdu_addr_encode(s->smsc ? s->smsc : "", 0, true, addr, sizeof(addr));
	if (n < 0)
		return n == TPDU_E_SPACE ? TPDU_E_ADDR : n;
	bytes_put_raw(&w, addr, (size_t)n);
	sca_len = (size_t)n;
	bytes_put_u8(&w, (uint8_t)(0x01 | (s->rd ? TPDU_FO_RD_MMS : 0) |
				   ((unsigned)s->vpf & 3) << 3 |
				   (s->srr ? TPDU_FO_SRR : 0) |
				   (s->udh_len ? TPDU_FO_UDHI : 0) |
				   (s->rp ? TPDU_FO_RP : 0)));
	bytes_put_u8(&w, s->mr);
	n = tpdu_addr_encode(s->da, s->da_toa, false, addr, sizeof(addr));
	if (n < 0)
		return n == TPDU_E_SPACE ? TPDU_E_ADDR : n;
	bytes_put_raw(&w, addr, (size_t)n);
	bytes_put_u8(&w, s->pid);
	bytes_put_u8(&w, s->dcs);
	rc = tpdu_put_vp(&w, s);
	if (rc == 0)
		rc = tpdu_put_ud(&w, s);
	if (rc < 0)
		return rc;
	if (w.overflow)
		return TPDU_E_SPACE;
	if (tpdu_len != NULL)
		*tpdu_len = w.len - sca_len;
	return (int)w.len;
}

/* Reads an address field from r into *a. */
static int tpdu_get_addr(struct bytes_reader *r, struct tpdu_addr *a)
{
	int n = tpdu_addr_decode(r->p + r->off, bytes_left(r), false, a);

	if (n > 0)
		bytes_skip(r, (size_t)n);
	return n < 0 ? n : 0;
}

static int tpdu_get_time(struct bytes_reader *r, struct tpdu_time *t)
{
	uint8_t raw[7];

	if (bytes_get_raw(r, raw, 7) != 0)
		return TPDU_E_SHORT;
	tpdu_time_decode(raw, t);
	return 0;
}

/* GSM7 user data after a UDH of h octets (0: none) in ud[0..octets). */
static int tpdu_ud_gsm7(const uint8_t *ud, size_t octets, size_t h, struct tpdu *out)
{
	size_t hs = h ? udh_septets(h) : 0;
	int n;

	if (hs > out->udl)
		return TPDU_E_UDL;
	out->data_len = out->udl - hs;
	if (gsm7_unpack(ud + h, octets - h, h ? udh_fill_bits(h) : 0,
			out->data_len, out->data, sizeof(out->data)) < 0)
		return TPDU_E_UDL;
	n = gsm7_to_utf8(out->data, out->data_len, GSM7_SUBSTITUTE,
			 (uint8_t *)out->text, sizeof(out->text), NULL);
	out->text_len = n < 0 ? 0 : (size_t)n;	/* text holds 160 septets */
	return 0;
}

/* TP-UDL and TP-UD per out->dcs and out->udhi. */
static int tpdu_get_ud(struct bytes_reader *r, struct tpdu *out)
{
	const uint8_t *ud;
	size_t octets, h = 0;
	int rc;

	out->alphabet = tpdu_dcs_alphabet(out->dcs);
	out->msg_class = tpdu_dcs_class(out->dcs);
	if (bytes_get_u8(r, &out->udl) != 0)
		return TPDU_E_SHORT;
	if (out->udl > (out->alphabet == TPDU_GSM7 ? 160 : TPDU_UD_MAX))
		return TPDU_E_UDL;
	octets = out->alphabet == TPDU_GSM7 ? gsm7_packed_len(out->udl, 0) : out->udl;
	if (bytes_left(r) < octets)
		return TPDU_E_SHORT;
	ud = r->p + r->off;
	bytes_skip(r, octets);
	if (out->udhi) {
		rc = udh_decode(ud, octets, &out->udh);
		if (rc < 0)
			return octets == 0 ? TPDU_E_UDL : TPDU_E_UDH;
		h = (size_t)rc;
		out->has_udh = true;
	}
	if (out->alphabet == TPDU_GSM7)
		return tpdu_ud_gsm7(ud, octets, h, out);
	out->data_len = octets - h;
	memcpy(out->data, ud + h, out->data_len);
	if (out->alphabet == TPDU_UCS2) {
		rc = ucs2_to_utf8(out->data, out->data_len, UCS2_REPLACE,
				  (uint8_t *)out->text, sizeof(out->text), NULL);
		out->text_len = rc < 0 ? 0 : (size_t)rc;
	}
	return 0;
}

static int tpdu_get_deliver(struct bytes_reader *r, struct tpdu *out)
{
	int rc;

	out->mms = out->first & TPDU_FO_RD_MMS;
	out->sri = out->first & TPDU_FO_SRR;
	if ((rc = tpdu_get_addr(r, &out->addr)) < 0)
		return rc;
	if (bytes_get_u8(r, &out->pid) != 0 || bytes_get_u8(r, &out->dcs) != 0)
		return TPDU_E_SHORT;
	if ((rc = tpdu_get_time(r, &out->scts)) < 0)
		return rc;
	return tpdu_get_ud(r, out);
}

static int tpdu_get_submit(struct bytes_reader *r, struct tpdu *out)
{
	int rc;

	out->rd = out->first & TPDU_FO_RD_MMS;
	out->srr = out->first & TPDU_FO_SRR;
	out->vpf = (enum tpdu_vpf)((out->first >> 3) & 3);
	if (bytes_get_u8(r, &out->mr) != 0)
		return TPDU_E_SHORT;
	if ((rc = tpdu_get_addr(r, &out->addr)) < 0)
		return rc;
	if (bytes_get_u8(r, &out->pid) != 0 || bytes_get_u8(r, &out->dcs) != 0)
		return TPDU_E_SHORT;
	if (out->vpf == TPDU_VPF_RELATIVE && bytes_get_u8(r, &out->vp) != 0)
		return TPDU_E_SHORT;
	if (out->vpf == TPDU_VPF_ABSOLUTE && tpdu_get_time(r, &out->vp_abs) < 0)
		return TPDU_E_SHORT;
	if (out->vpf == TPDU_VPF_ENHANCED && bytes_skip(r, 7) != 0)
		return TPDU_E_SHORT;
	return tpdu_get_ud(r, out);
}

/* The optional tail of a STATUS-REPORT (TP-PI and what it announces) is read
 * leniently: a short or bad tail is dropped, the report itself stands. */
static void tpdu_get_status_tail(struct bytes_reader *r, struct tpdu *out)
{
	struct bytes_reader save;

	if (bytes_get_u8(r, &out->pi) != 0)
		return;
	if ((out->pi & 0x01) && bytes_get_u8(r, &out->pid) != 0)
		return;
	if ((out->pi & 0x02) && bytes_get_u8(r, &out->dcs) != 0)
		return;
	if (!(out->pi & 0x04))
		return;
	save = *r;
	if (tpdu_get_ud(r, out) < 0) {
		*r = save;
		out->udl = 0;
		out->has_udh = false;
		memset(&out->udh, 0, sizeof(out->udh));
		out->data_len = out->text_len = 0;
		out->text[0] = 0;
	}
}

static int tpdu_get_status(struct bytes_reader *r, struct tpdu *out)
{
	int rc;

	out->mms = out->first & TPDU_FO_RD_MMS;
	out->srq = out->first & TPDU_FO_SRR;
	if (bytes_get_u8(r, &out->mr) != 0)
		return TPDU_E_SHORT;
	if ((rc = tpdu_get_addr(r, &out->addr)) < 0)
		return rc;
	if ((rc = tpdu_get_time(r, &out->scts)) < 0 ||
	    (rc = tpdu_get_time(r, &out->dt)) < 0)
		return rc;
	if (bytes_get_u8(r, &out->st) != 0)
		return TPDU_E_SHORT;
	out->alphabet = TPDU_GSM7;
	out->msg_class = -1;
	tpdu_get_status_tail(r, out);
	return 0;
}

int tpdu_decode(const uint8_t *p, size_t len, struct tpdu *out)
{
	struct bytes_reader r;
	int n, rc;

	memset(out, 0, sizeof(*out));
	n = tpdu_addr_decode(p, len, true, &out->sca);
	if (n < 0)
		return n;
	out->sca_len = (size_t)n;
	bytes_reader_init(&r, p + n, len - (size_t)n);
	if (bytes_get_u8(&r, &out->first) != 0)
		return TPDU_E_SHORT;
	out->udhi = out->first & TPDU_FO_UDHI;
	out->rp = out->first & TPDU_FO_RP;
	switch (out->first & TPDU_MTI_MASK) {
	case 0:
		out->type = TPDU_DELIVER;
		rc = tpdu_get_deliver(&r, out);
		break;
	case 1:
		out->type = TPDU_SUBMIT;
		rc = tpdu_get_submit(&r, out);
		break;
	case 2:
		out->type = TPDU_STATUS_REPORT;
		rc = tpdu_get_status(&r, out);
		break;
	default:
		rc = TPDU_E_MTI;
		break;
	}
	if (rc < 0)
		return rc;
	out->tpdu_len = r.off;
	return n + (int)r.off;
}

int tpdu_deliver_decode(const uint8_t *p, size_t len, struct tpdu *out)
{
	int n = tpdu_decode(p, len, out);

	return n >= 0 && out->type != TPDU_DELIVER ? TPDU_E_MTI : n;
}

int tpdu_status_report_decode(const uint8_t *p, size_t len, struct tpdu *out)
{
	int n = tpdu_decode(p, len, out);

	return n >= 0 && out->type != TPDU_STATUS_REPORT ? TPDU_E_MTI : n;
}

enum tpdu_st_class tpdu_status_class(uint8_t st)
{
	if (st < 0x20)
		return TPDU_ST_DELIVERED;
	if (st < 0x40)
		return TPDU_ST_TEMPORARY;
	if (st < 0x60)
		return TPDU_ST_PERMANENT;
	if (st < 0x80)
		return TPDU_ST_TEMP_FINAL;
	return TPDU_ST_RESERVED;
}

static const char *const tpdu_st_completed[] = {
	"received by the SME",
	"forwarded, delivery not confirmed",
	"replaced by the SC",
};

static const char *const tpdu_st_temp[] = {
	"congestion", "SME busy", "no response from SME", "service rejected",
	"quality of service not available", "error in SME",
};

static const char *const tpdu_st_perm[] = {
	"remote procedure error", "incompatible destination",
	"connection rejected by SME", "not obtainable",
	"quality of service not available", "no interworking available",
	"validity period expired", "deleted by originating SME",
	"deleted by SC administration", "SM does not exist",
};

const char *tpdu_status_text(uint8_t st)
{
	switch (tpdu_status_class(st)) {
	case TPDU_ST_DELIVERED:
		if (st < 3)
			return tpdu_st_completed[st];
		return st >= 0x10 ? "completed (SC-specific)" : "completed (reserved)";
	case TPDU_ST_TEMPORARY:
		if (st - 0x20 < 6)
			return tpdu_st_temp[st - 0x20];
		return "temporary error, SC still trying";
	case TPDU_ST_PERMANENT:
		if (st - 0x40 < 10)
			return tpdu_st_perm[st - 0x40];
		return "permanent error, SC is not trying";
	case TPDU_ST_TEMP_FINAL:
		if (st - 0x60 < 6)
			return tpdu_st_temp[st - 0x60];
		return "temporary error, SC is not trying";
	default:
		return "reserved";
	}
}

const char *tpdu_status_stat(uint8_t st)
{
	switch (tpdu_status_class(st)) {
	case TPDU_ST_DELIVERED:
		return "DELIVRD";
	case TPDU_ST_TEMPORARY:
		return "ENROUTE";
	default:
		break;
	}
	if (st == 0x46)
		return "EXPIRED";
	if (st == 0x47 || st == 0x48)
		return "DELETED";
	return "UNDELIV";
}

int tpdu_hex_encode(const uint8_t *p, size_t len, char *out, size_t cap)
{
	if (len > INT_MAX / 2 || bytes_hex_encode(p, len, out, cap) < 0)
		return TPDU_E_SPACE;
	return (int)(2 * len);
}

int tpdu_hex_decode(const char *hex, size_t len, uint8_t *out, size_t cap)
{
	long n;

	if (len / 2 > INT_MAX)
		return TPDU_E_SPACE;
	n = bytes_hex_decode(hex, len, out, cap);
	if (n == BYTES_HEX_EBAD)
		return TPDU_E_HEX;
	return n < 0 ? TPDU_E_SPACE : (int)n;
}
