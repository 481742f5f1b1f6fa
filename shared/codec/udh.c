/*
 * udh — SMS User Data Header parse and build (23.040 §9.2.3.24, protocols.md
 * §2.5). Pure codec layer: no allocation, no I/O.
 */
#include "config.h"

#include "shared/codec/udh.h"

#include <string.h>

#include "shared/util/bytes.h"

/* Applies a recognised IE to out; returns 0 or UDH_E_IEDL. */
static int udh_apply_ie(struct udh *out, uint8_t iei, uint8_t n, const uint8_t *d)
{
	switch (iei) {
	case UDH_IEI_CONCAT8:
	case UDH_IEI_CONCAT16: {
		bool r16 = iei == UDH_IEI_CONCAT16;

		if (n != (r16 ? 4 : 3))
			return UDH_E_IEDL;
		out->concat16 = r16;
		out->concat_ref = r16 ? (uint16_t)(d[0] << 8 | d[1]) : d[0];
		out->concat_total = d[r16 ? 2 : 1];
		out->concat_seq = d[r16 ? 3 : 2];
		out->has_concat = out->concat_total != 0 && out->concat_seq != 0 &&
				  out->concat_seq <= out->concat_total;
		if (!out->has_concat) {	/* 23.040: ignore the IE */
			out->concat16 = false;
			out->concat_ref = 0;
			out->concat_total = out->concat_seq = 0;
		}
		return 0;
	}
	case UDH_IEI_PORT8:
		if (n != 2)
			return UDH_E_IEDL;
		out->has_ports = true;
		out->ports16 = false;
		out->dst_port = d[0];
		out->src_port = d[1];
		return 0;
	case UDH_IEI_PORT16:
		if (n != 4)
			return UDH_E_IEDL;
		out->has_ports = true;
		out->ports16 = true;
		out->dst_port = (uint16_t)(d[0] << 8 | d[1]);
		out->src_port = (uint16_t)(d[2] << 8 | d[3]);
		return 0;
	default:
		return 0;
	}
}

int udh_decode(const uint8_t *p, size_t len, struct udh *out)
{
	struct bytes_reader r;
	uint8_t udhl;

	memset(out, 0, sizeof(*out));
	if (len == 0)
		return UDH_E_UDHL;
	udhl = p[0];
	if ((size_t)udhl + 1 > len || (size_t)udhl + 1 > UDH_MAX_LEN)
		return UDH_E_UDHL;
	bytes_reader_init(&r, p + 1, udhl);
	while (bytes_left(&r) > 0) {
		uint8_t iei, n;
		const uint8_t *d;
		int rc;

		if (bytes_get_u8(&r, &iei) != 0 || bytes_get_u8(&r, &n) != 0 ||
		    bytes_left(&r) < n)
			return UDH_E_IE;
		d = r.p + r.off;
		bytes_skip(&r, n);
		rc = udh_apply_ie(out, iei, n, d);
		if (rc < 0)
			return rc;
		if (out->n_ies < UDH_MAX_IES)
			out->ies[out->n_ies++] = (struct udh_ie){ iei, n, d };
		else
			out->n_skipped++;
	}
	out->len = (size_t)udhl + 1;
	return (int)out->len;
}

static void udh_put_ports(struct bytes_writer *w, const struct udh_spec *s)
{
	if (s->ports16) {
		bytes_put_u8(w, UDH_IEI_PORT16);
		bytes_put_u8(w, 4);
		bytes_put_u16(w, s->dst_port);
		bytes_put_u16(w, s->src_port);
	} else {
		bytes_put_u8(w, UDH_IEI_PORT8);
		bytes_put_u8(w, 2);
		bytes_put_u8(w, (uint8_t)s->dst_port);
		bytes_put_u8(w, (uint8_t)s->src_port);
	}
}

static void udh_put_concat(struct bytes_writer *w, const struct udh_spec *s)
{
	if (s->concat16) {
		bytes_put_u8(w, UDH_IEI_CONCAT16);
		bytes_put_u8(w, 4);
		bytes_put_u16(w, s->ref);
	} else {
		bytes_put_u8(w, UDH_IEI_CONCAT8);
		bytes_put_u8(w, 3);
		bytes_put_u8(w, (uint8_t)s->ref);
	}
	bytes_put_u8(w, s->total);
	bytes_put_u8(w, s->seq);
}

int udh_encode(const struct udh_spec *spec, uint8_t *out, size_t cap)
{
	struct bytes_writer w;

	if (spec->concat && (spec->total == 0 || spec->seq == 0 ||
			     spec->seq > spec->total))
		return UDH_E_ARG;
	if (spec->ports && !spec->ports16 &&
	    (spec->dst_port > 0xFF || spec->src_port > 0xFF))
		return UDH_E_ARG;
	if (spec->extra_len > UDH_MAX_LEN || (spec->extra_len && !spec->extra))
		return UDH_E_ARG;
	if (!spec->concat && !spec->ports && spec->extra_len == 0)
		return 0;
	bytes_writer_init(&w, out, cap);
	bytes_put_u8(&w, 0);	/* UDHL, patched below */
	if (spec->ports)
		udh_put_ports(&w, spec);
	if (spec->extra_len)
		bytes_put_raw(&w, spec->extra, spec->extra_len);
	if (spec->concat)
		udh_put_concat(&w, spec);
	if (w.overflow)
		return UDH_E_SPACE;
	if (w.len > UDH_MAX_LEN)
		return UDH_E_ARG;
	out[0] = (uint8_t)(w.len - 1);
	return (int)w.len;
}

int udh_strip_concat(const uint8_t *p, size_t len, uint8_t *out, size_t cap)
{
	struct udh u;
	size_t i, n = 1;
	int rc;

	if ((rc = udh_decode(p, len, &u)) < 0)
		return rc;
	if ((size_t)rc != len)
		return UDH_E_UDHL;
	for (i = 1; i < len; i += 2 + (size_t)p[i + 1]) {
		size_t ie = 2 + (size_t)p[i + 1];

		if (p[i] == UDH_IEI_CONCAT8 || p[i] == UDH_IEI_CONCAT16)
			continue;
		if (n + ie > cap)
			return UDH_E_SPACE;
		memcpy(out + n, p + i, ie);
		n += ie;
	}
	if (n == 1)
		return 0;
	out[0] = (uint8_t)(n - 1);
	return (int)n;
}

size_t udh_concat_len(bool concat16)
{
	return concat16 ? 7 : 6;
}

unsigned udh_fill_bits(size_t udh_octets)
{
	return (unsigned)((7 - (8 * udh_octets) % 7) % 7);
}

size_t udh_septets(size_t udh_octets)
{
	return (8 * udh_octets + udh_fill_bits(udh_octets)) / 7;
}
