/*
 * bb_mo — MO part parsing and text decoding (see bb_mo.h).
 */
#include "config.h"

#include "bearerbox/bb_mo.h"

#include <string.h>

#include "shared/codec/gsm7.h"
#include "shared/codec/latin1.h"
#include "shared/codec/smpp_pdu.h"
#include "shared/codec/ucs2.h"
#include "shared/codec/udh.h"

static void payload_of(const struct smpp_pdu *pdu, const uint8_t **p,
		       size_t *len)
{
	if (pdu->sm_length > 0 ||
	    !smpp_tlv_has(&pdu->tlv, SMPP_TI_MESSAGE_PAYLOAD)) {
		*p = pdu->short_message;
		*len = pdu->sm_length;
		return;
	}
	*p = pdu->tlv.message_payload.p;
	*len = pdu->tlv.message_payload.len;
	if (*p == NULL)
		*len = 0;
}

static int parse_udh(struct bb_mo_part *out)
{
	struct udh u;
	int n;

	n = udh_decode(out->data, out->len, &u);
	if (n <= 0)
		return BB_MO_E_UDH;
	out->data += n;
	out->len -= (size_t)n;
	if (u.has_concat && u.concat_total > 1) {
		out->concat = true;
		out->ref = u.concat_ref;
		out->total = u.concat_total;
		out->seq = u.concat_seq;
	}
	return 0;
}

static int parse_sar(const struct smpp_pdu *pdu, struct bb_mo_part *out)
{
	const struct smpp_tlvs *t = &pdu->tlv;

	if (!smpp_tlv_has(t, SMPP_TI_SAR_MSG_REF_NUM) ||
	    !smpp_tlv_has(t, SMPP_TI_SAR_TOTAL_SEGMENTS) ||
	    !smpp_tlv_has(t, SMPP_TI_SAR_SEGMENT_SEQNUM))
		return 0;
	if (t->sar_total_segments <= 1)
		return 0;
	if (t->sar_segment_seqnum == 0 ||
	    t->sar_segment_seqnum > t->sar_total_segments)
		return BB_MO_E_CONCAT;
	out->concat = true;
	out->ref = t->sar_msg_ref_num;
	out->total = t->sar_total_segments;
	out->seq = t->sar_segment_seqnum;
	return 0;
}

int bb_mo_parse(const struct smpp_pdu *pdu, struct bb_mo_part *out)
{
	const char *to = pdu->destination_addr;

	memset(out, 0, sizeof(*out));
	out->from = pdu->source_addr;
	if (to[0] == '+')
		to++;
	/* destination_addr is at most 64 characters + NUL: it fits. */
	strncpy(out->to, to, sizeof(out->to) - 1);
	out->dcs = pdu->data_coding;
	payload_of(pdu, &out->data, &out->len);
	if (pdu->esm_class & SMPP_ESM_UDHI)
		return parse_udh(out);
	return parse_sar(pdu, out);
}

enum bb_mo_alphabet bb_mo_alphabet(uint8_t dcs, enum bb_mo_dcs0 dcs0)
{
	if (dcs < 0x10) {
		switch (dcs) {
		case SMPP_DCS_DEFAULT:
			return dcs0 == BB_MO_DCS0_GSM7 ? BB_MO_ALPHA_GSM7
						       : BB_MO_ALPHA_LATIN1;
		case SMPP_DCS_IA5:
		case SMPP_DCS_LATIN1:
			return BB_MO_ALPHA_LATIN1;
		case SMPP_DCS_UCS2:
			return BB_MO_ALPHA_UCS2;
		default:
			return BB_MO_ALPHA_BINARY;
		}
	}
	if ((dcs & 0xC0) == 0x00) {	/* general data coding, 0x10..0x3F */
		if (dcs & 0x20)		/* compressed */
			return BB_MO_ALPHA_BINARY;
		switch ((dcs >> 2) & 0x03) {
		case 0:
			return BB_MO_ALPHA_GSM7;
		case 2:
			return BB_MO_ALPHA_UCS2;
		default:
			return BB_MO_ALPHA_BINARY;
		}
	}
	if ((dcs & 0xF0) == 0xC0 || (dcs & 0xF0) == 0xD0)
		return BB_MO_ALPHA_GSM7;	/* message waiting, GSM 7 */
	if ((dcs & 0xF0) == 0xE0)
		return BB_MO_ALPHA_UCS2;	/* message waiting, UCS-2 */
	if ((dcs & 0xF0) == 0xF0)
		return (dcs & 0x04) ? BB_MO_ALPHA_BINARY : BB_MO_ALPHA_GSM7;
	return BB_MO_ALPHA_BINARY;
}

size_t bb_mo_text_cap(size_t len)
{
	return len * 3 + 1;
}

static int hex_text(const uint8_t *p, size_t len, char *out, size_t cap)
{
	static const char digits[] = "0123456789abcdef";

	if (cap < len * 2 + 1)
		return BB_MO_E_SPACE;
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0x0F];
	}
	out[len * 2] = '\0';
	return (int)(len * 2);
}

int bb_mo_text(enum bb_mo_alphabet a, const uint8_t *p, size_t len, char *out,
	       size_t cap)
{
	uint8_t *o = (uint8_t *)out;
	int n;

	if (cap == 0)
		return BB_MO_E_SPACE;
	if (len == 0) {
		out[0] = '\0';
		return 0;
	}
	switch (a) {
	case BB_MO_ALPHA_GSM7:
		n = gsm7_to_utf8(p, len, GSM7_SUBSTITUTE, o, cap, NULL);
		break;
	case BB_MO_ALPHA_LATIN1:
		n = latin1_to_utf8(p, len, o, cap);
		break;
	case BB_MO_ALPHA_UCS2:
		n = ucs2_to_utf8(p, len, UCS2_REPLACE, o, cap, NULL);
		break;
	default:
		return hex_text(p, len, out, cap);
	}
	return n < 0 ? BB_MO_E_SPACE : n;
}
