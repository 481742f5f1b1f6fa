/*
 * sms_split — coding choice, part counting and splitting of SMS text and binary
 * data (protocols.md §1.11, §2.4, §2.5). The text is walked as a stream of
 * atomic chunks (one character: 1-2 septets, 2 or 4 UCS-2 octets, 1 Latin-1
 * octet), so an ESC pair or a surrogate pair never straddles two parts, and the
 * same greedy walk both counts and fills parts. Pure codec layer.
 */
#include "config.h"

#include "shared/codec/sms_split.h"

#include <string.h>

#include "shared/codec/gsm7.h"
#include "shared/codec/latin1.h"
#include "shared/codec/ucs2.h"
#include "shared/codec/udh.h"

#define SMS_SPLIT_UD_MAX 140	/* octets of TP-UD */

/* A walk over the input, one atomic chunk at a time. */
struct split_src {
	const uint8_t *p;
	size_t len;
	size_t off;
	enum sms_coding coding;
	bool subst;
};

/* Encodes the next character into out; returns its octets, 0 at the end, or
 * SMS_SPLIT_E_UTF8 (s->off is then the offending offset). */
static int split_next(struct split_src *s, uint8_t out[4])
{
	uint32_t cp;
	int n, k;

	if (s->off >= s->len)
		return 0;
	if (s->coding == SMS_CODING_8BIT) {
		out[0] = s->p[s->off++];
		return 1;
	}
	n = ucs2_utf8_next(s->p + s->off, s->len - s->off, &cp);
	if (n < 0)
		return SMS_SPLIT_E_UTF8;
	switch (s->coding) {
	case SMS_CODING_GSM7:
		k = gsm7_lookup(cp, out);
		if (k == 0) {
			out[0] = GSM7_SUBST;
			k = 1;
		}
		break;
	case SMS_CODING_LATIN1:
		out[0] = cp > 0xFF ? '?' : (uint8_t)cp;
		k = 1;
		break;
	default:
		k = ucs2_from_utf8(s->p + s->off, (size_t)n, out, 4, NULL);
		break;
	}
	s->off += (size_t)n;
	return k;
}

/* Payload octets per part when the part carries a UDH of h octets (h = 0: a
 * single unsplit SMS). UCS-2 parts hold whole units. */
static size_t split_budget(enum sms_coding c, size_t h)
{
	switch (c) {
	case SMS_CODING_GSM7:
		return 160 - (h ? udh_septets(h) : 0);
	case SMS_CODING_UCS2:
		return (SMS_SPLIT_UD_MAX - h) & ~(size_t)1;
	default:
		return SMS_SPLIT_UD_MAX - h;
	}
}

static int split_choose(const uint8_t *text, size_t len,
			const struct sms_split_opts *o, enum sms_coding *coding,
			size_t *err_off)
{
	int rc = 0;

	*coding = SMS_CODING_UCS2;
	if (o->coding == SMS_CODING_GSM7) {
		rc = gsm7_septets(text, len, 0, err_off);
		if (rc >= 0 || (rc == GSM7_E_UNMAPPABLE && o->substitute))
			*coding = SMS_CODING_GSM7;
	} else if (o->coding == SMS_CODING_LATIN1) {
		rc = latin1_from_utf8(text, len, 0, NULL, 0, err_off);
		if (rc >= 0 || (rc == LATIN1_E_UNMAPPABLE && o->substitute))
			*coding = SMS_CODING_LATIN1;
	} else if (o->coding != SMS_CODING_UCS2) {
		return SMS_SPLIT_E_ARG;
	}
	/* Validate the whole text once, whatever was chosen. */
	rc = ucs2_units(text, len, err_off);
	return rc < 0 ? SMS_SPLIT_E_UTF8 : 0;
}

/* Counts octets and parts of the walk for a single budget and a per-part
 * budget; parts saturates just above SMS_SPLIT_MAX_PARTS. */
static int split_count(struct split_src s, size_t single, size_t multi,
		       size_t *octets, size_t *parts, size_t *err_off)
{
	size_t total = 0, cur = 0, p = 1;
	uint8_t c[4];
	int k;

	while ((k = split_next(&s, c)) > 0) {
		if (cur + (size_t)k > multi) {
			if (p <= SMS_SPLIT_MAX_PARTS)
				p++;
			cur = 0;
		}
		cur += (size_t)k;
		total += (size_t)k;
	}
	if (k < 0) {
		if (err_off != NULL)
			*err_off = s.off;
		return k;
	}
	*octets = total;
	*parts = total <= single ? 1 : p;
	return 0;
}

static unsigned split_max_parts(const struct sms_split_opts *o)
{
	return o->max_parts == 0 ? SMS_SPLIT_MAX_PARTS : o->max_parts;
}

/* UDH octets a concatenated part carries (caller's UDH of u octets plus the
 * concat IE); for SAR, what the SMSC will add. */
static size_t split_multi_udh(enum sms_concat m, size_t u)
{
	size_t ie = m == SMS_CONCAT_UDH16 ? 6 : 5;

	return (u ? u : 1) + ie;
}

static void split_set_info(struct sms_split_info *info, enum sms_coding c,
			   size_t octets, size_t parts)
{
	info->coding = c;
	info->octets = octets;
	info->units = c == SMS_CODING_UCS2 ? octets / 2 : octets;
	info->parts = (unsigned)parts;
}

int sms_split_info(const uint8_t *text, size_t len, const struct sms_split_opts *o,
		   struct sms_split_info *info, size_t *err_off)
{
	struct split_src s = { text, len, 0, SMS_CODING_UCS2, o->substitute };
	size_t octets, parts, single, multi;
	int rc;

	if (o->max_parts > SMS_SPLIT_MAX_PARTS || o->method > SMS_CONCAT_PAYLOAD)
		return SMS_SPLIT_E_ARG;
	if (len > SMS_SPLIT_MAX_INPUT)
		return SMS_SPLIT_E_TOO_LONG;
	rc = split_choose(text, len, o, &s.coding, err_off);
	if (rc < 0)
		return rc;
	single = split_budget(s.coding, 0);
	multi = split_budget(s.coding, split_multi_udh(o->method, 0));
	if (o->method == SMS_CONCAT_PAYLOAD)
		single = multi = SIZE_MAX;
	rc = split_count(s, single, multi, &octets, &parts, err_off);
	if (rc < 0)
		return rc;
	split_set_info(info, s.coding, octets, parts);
	if (o->method == SMS_CONCAT_PAYLOAD) {
		size_t cap = o->payload_cap ? o->payload_cap : SMS_SPLIT_PAYLOAD_MAX;

		if (octets > cap || octets > SMS_SPLIT_PAYLOAD_MAX)
			return SMS_SPLIT_E_TOO_LONG;
		return 0;
	}
	if (parts > split_max_parts(o))
		return SMS_SPLIT_E_TOO_LONG;
	return 0;
}

/* Starts part seq of total: writes its UDH (caller IEs in extra, plus a concat
 * IE when concat) and the SAR / concat values. */
static int split_start_part(struct sms_part *pt, const struct sms_split_opts *o,
			    unsigned seq, unsigned total, const uint8_t *extra,
			    size_t extra_len)
{
	struct udh_spec spec = { 0 };
	int h;

	memset(pt, 0, sizeof(*pt));
	pt->ref = o->method == SMS_CONCAT_UDH8 ? (uint8_t)o->ref : o->ref;
	pt->total = (uint8_t)total;
	pt->seq = (uint8_t)seq;
	spec.concat = total > 1 && o->method != SMS_CONCAT_SAR;
	spec.concat16 = o->method == SMS_CONCAT_UDH16;
	spec.ref = o->ref;
	spec.total = (uint8_t)total;
	spec.seq = (uint8_t)seq;
	spec.extra = extra;
	spec.extra_len = extra_len;
	h = udh_encode(&spec, pt->data, sizeof(pt->data));
	if (h < 0)
		return SMS_SPLIT_E_ARG;
	pt->udh_len = pt->len = (size_t)h;
	return 0;
}

/* Fills parts[0..total) from the walk, budget octets of user data each. */
static int split_fill(struct split_src s, const struct sms_split_opts *o,
		      size_t budget, unsigned total, const uint8_t *extra,
		      size_t extra_len, struct sms_part *parts)
{
	unsigned seq = 1;
	size_t cur = 0;
	uint8_t c[4];
	int k;

	if (split_start_part(&parts[0], o, 1, total, extra, extra_len) < 0)
		return SMS_SPLIT_E_ARG;
	while ((k = split_next(&s, c)) > 0) {
		struct sms_part *pt;

		if (cur + (size_t)k > budget) {
			if (seq == total)
				return SMS_SPLIT_E_ARG;	/* cannot happen: counted */
			if (split_start_part(&parts[seq], o, seq + 1, total, extra,
					     extra_len) < 0)
				return SMS_SPLIT_E_ARG;
			seq++;
			cur = 0;
		}
		pt = &parts[seq - 1];
		memcpy(pt->data + pt->len, c, (size_t)k);
		pt->len += (size_t)k;
		cur += (size_t)k;
		pt->units += s.coding == SMS_CODING_UCS2 ? (size_t)k / 2 : (size_t)k;
	}
	return k < 0 ? k : (int)total;
}

int sms_split_text(const uint8_t *text, size_t len, const struct sms_split_opts *o,
		   struct sms_part *parts, size_t n, struct sms_split_info *info,
		   size_t *err_off)
{
	struct sms_split_info tmp;
	struct split_src s = { text, len, 0, SMS_CODING_UCS2, o->substitute };
	size_t budget;
	int rc;

	if (info == NULL)
		info = &tmp;
	if (o->method == SMS_CONCAT_PAYLOAD)
		return SMS_SPLIT_E_ARG;
	rc = sms_split_info(text, len, o, info, err_off);
	if (rc < 0)
		return rc;
	if (info->parts > n)
		return SMS_SPLIT_E_SPACE;
	s.coding = info->coding;
	budget = info->parts == 1 ? split_budget(s.coding, 0)
		 : split_budget(s.coding, split_multi_udh(o->method, 0));
	return split_fill(s, o, budget, info->parts, NULL, 0, parts);
}

int sms_split_payload(const uint8_t *text, size_t len, const struct sms_split_opts *o,
		      uint8_t *out, size_t cap, struct sms_split_info *info,
		      size_t *err_off)
{
	struct sms_split_opts po = *o;
	struct sms_split_info tmp;
	struct split_src s = { text, len, 0, SMS_CODING_UCS2, o->substitute };
	size_t w = 0;
	uint8_t c[4];
	int rc, k;

	if (info == NULL)
		info = &tmp;
	po.method = SMS_CONCAT_PAYLOAD;
	rc = sms_split_info(text, len, &po, info, err_off);
	if (rc < 0)
		return rc;
	if (info->octets > cap)
		return SMS_SPLIT_E_SPACE;
	s.coding = info->coding;
	while ((k = split_next(&s, c)) > 0) {
		memcpy(out + w, c, (size_t)k);
		w += (size_t)k;
	}
	return k < 0 ? k : (int)w;
}

int sms_split_binary(const uint8_t *data, size_t len, const uint8_t *udh,
		     size_t udh_len, const struct sms_split_opts *o,
		     struct sms_part *parts, size_t n, struct sms_split_info *info)
{
	struct sms_split_info tmp;
	struct split_src s = { data, len, 0, SMS_CODING_8BIT, false };
	struct udh parsed;
	size_t octets, count, single, multi;
	int rc;

	if (info == NULL)
		info = &tmp;
	if (o->max_parts > SMS_SPLIT_MAX_PARTS || o->method > SMS_CONCAT_SAR)
		return SMS_SPLIT_E_ARG;
	if (len > SMS_SPLIT_MAX_INPUT)
		return SMS_SPLIT_E_TOO_LONG;
	if (udh_len > 0 && (udh == NULL || udh_decode(udh, udh_len, &parsed) !=
				   (int)udh_len || udh_len > SMS_SPLIT_UD_MAX - 7))
		return SMS_SPLIT_E_ARG;
	single = split_budget(SMS_CODING_8BIT, udh_len);
	multi = split_budget(SMS_CODING_8BIT, split_multi_udh(o->method, udh_len));
	rc = split_count(s, single, multi, &octets, &count, NULL);
	if (rc < 0)
		return rc;
	split_set_info(info, SMS_CODING_8BIT, octets, count);
	if (count > split_max_parts(o))
		return SMS_SPLIT_E_TOO_LONG;
	if (count > n)
		return SMS_SPLIT_E_SPACE;
	/* Caller IEs go in without their UDHL; udh_encode writes a new one. */
	return split_fill(s, o, count == 1 ? single : multi, (unsigned)count,
			  udh_len ? udh + 1 : NULL, udh_len ? udh_len - 1 : 0, parts);
}

int sms_split_text_udh(const uint8_t *text, size_t len,
		       const struct sms_split_opts *o, const uint8_t *udh,
		       size_t udh_len, struct sms_part *part,
		       struct sms_split_info *info, size_t *err_off)
{
	struct sms_split_opts one = *o;
	struct sms_split_info tmp;
	struct split_src s = { text, len, 0, SMS_CODING_UCS2, o->substitute };
	struct udh parsed;
	size_t octets, parts, budget;
	int rc;

	if (info == NULL)
		info = &tmp;
	if (udh == NULL || udh_len < 1 || udh_len > SMS_SPLIT_UD_MAX - 2 ||
	    udh_decode(udh, udh_len, &parsed) != (int)udh_len)
		return SMS_SPLIT_E_ARG;
	if (len > SMS_SPLIT_MAX_INPUT)
		return SMS_SPLIT_E_TOO_LONG;
	rc = split_choose(text, len, o, &s.coding, err_off);
	if (rc < 0)
		return rc;
	budget = split_budget(s.coding, udh_len);
	rc = split_count(s, budget, budget, &octets, &parts, err_off);
	if (rc < 0)
		return rc;
	split_set_info(info, s.coding, octets, parts);
	if (parts > 1)
		return SMS_SPLIT_E_TOO_LONG;
	/* The caller's IEs go in as they are, without a concat IE of ours. */
	one.method = SMS_CONCAT_SAR;
	rc = split_fill(s, &one, budget, 1, udh + 1, udh_len - 1, part);
	if (rc < 0)
		return rc;
	part->ref = parsed.has_concat ? parsed.concat_ref : 0;
	part->total = parsed.has_concat ? parsed.concat_total : 1;
	part->seq = parsed.has_concat ? parsed.concat_seq : 1;
	return 1;
}
