/*
 * Fuzz target for shared/codec/tpdu: the input as binary SMSC field + TPDU and
 * as AT hex text. A decoded SUBMIT is re-encoded from its fields and must decode
 * to the same user data; the AT <length> must match what was consumed; the
 * SMS-DELIVER and SMS-STATUS-REPORT decoders accept exactly their type.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shared/codec/tpdu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tpdu t, u;

/* Octets of TP-UD for the decoded UDL. */
static size_t ud_octets(void)
{
	return t.alphabet == TPDU_GSM7 ? (t.udl * 7u + 7) / 8 : t.udl;
}

/* p[0..n) is the consumed input; TP-UD is its tail, the UDH TP-UD's head. */
static void check_submit(const uint8_t *p, size_t n)
{
	struct tpdu_submit s = { 0 };
	uint8_t out[TPDU_MAX];
	int m;

	if (t.addr.text[0] == 0 || t.vpf == TPDU_VPF_ENHANCED ||
	    (t.vpf == TPDU_VPF_ABSOLUTE && !t.vp_abs.valid))
		return;
	s.smsc = t.sca.text;
	s.mr = t.mr;
	s.da = t.addr.text;
	s.da_toa = t.addr.toa;
	s.pid = t.pid;
	s.dcs = t.dcs;
	s.vpf = t.vpf;
	s.vp = t.vp;
	s.vp_abs = t.vp_abs;
	if (t.has_udh) {
		s.udh = p + n - ud_octets();
		s.udh_len = t.udh.len;
	}
	s.ud = t.data;
	s.ud_len = t.data_len;
	m = tpdu_submit_encode(&s, out, sizeof(out), NULL);
	if (m < 0)
		return;	/* e.g. an address the encoder does not accept */
	if (tpdu_decode(out, (size_t)m, &u) != m || u.data_len != t.data_len ||
	    memcmp(u.data, t.data, t.data_len) != 0 || u.dcs != t.dcs)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t bin[TPDU_MAX * 2];
	int n = tpdu_decode(data, size, &t);

	if (n > 0) {
		if ((size_t)n > size || t.sca_len + t.tpdu_len != (size_t)n ||
		    t.text_len >= sizeof(t.text) || t.data_len > sizeof(t.data))
			abort();
		if (t.type == TPDU_SUBMIT)
			check_submit(data, (size_t)n);
	}
	/* the typed decoders agree with tpdu_decode on the type */
	if ((tpdu_deliver_decode(data, size, &u) >= 0) !=
	    (n > 0 && t.type == TPDU_DELIVER) ||
	    (tpdu_status_report_decode(data, size, &u) >= 0) !=
	    (n > 0 && t.type == TPDU_STATUS_REPORT))
		abort();
	n = tpdu_hex_decode((const char *)data, size, bin, sizeof(bin));
	if (n > 0)
		(void)tpdu_decode(bin, (size_t)n, &t);
	return 0;
}
