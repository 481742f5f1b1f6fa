/*
 * Fuzz target for shared/codec/smpp_pdu: frames and decodes arbitrary bytes as
 * 3.4 and as 3.3; whatever decodes must re-encode, and the re-encoding must
 * decode to the same PDU and re-encode to the same bytes (abort otherwise), so
 * the fuzzer finds decoder/encoder asymmetries as well as memory errors.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shared/codec/smpp_pdu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct smpp_pdu a, b;
static uint8_t enc1[80000], enc2[80000];

/* Field-wise equality: the head (up to tlv) by bytes, TLV values by content. */
static int pdu_same(const struct smpp_pdu *x, const struct smpp_pdu *y)
{
	const struct smpp_tlvs *s = &x->tlv, *t = &y->tlv;

	if (memcmp(&x->command_id, &y->command_id,
		   offsetof(struct smpp_pdu, tlv) -
		   offsetof(struct smpp_pdu, command_id)) != 0)
		return 0;
	if (s->present != t->present || s->n_unknown != t->n_unknown)
		return 0;
	if (s->message_payload.len != t->message_payload.len ||
	    (s->message_payload.len &&
	     memcmp(s->message_payload.p, t->message_payload.p,
		    s->message_payload.len) != 0))
		return 0;
	if (strcmp(s->receipted_message_id, t->receipted_message_id) != 0 ||
	    s->message_state != t->message_state ||
	    s->sar_msg_ref_num != t->sar_msg_ref_num ||
	    s->network_error_code.code != t->network_error_code.code)
		return 0;
	for (unsigned i = 0; i < s->n_unknown; i++)
		if (s->unknown[i].tag != t->unknown[i].tag ||
		    s->unknown[i].len != t->unknown[i].len ||
		    memcmp(s->unknown[i].value, t->unknown[i].value,
			   s->unknown[i].len) != 0)
			return 0;
	return 1;
}

static void roundtrip(const uint8_t *data, size_t size, unsigned flags)
{
	struct smpp_error err;
	long n, e1, e2;

	n = smpp_pdu_decode(data, size, &a, flags, &err);
	if (n < 0) {
		uint8_t ans[64];

		if (err.answer_id != 0 && smpp_pdu_encode_error_answer(&err, ans,
							sizeof(ans)) != 16)
			abort();
		return;
	}
	if (n == 0)
		return;
	if ((size_t)n > size || a.command_length != (uint32_t)n)
		abort();
	(void)smpp_command_name(a.command_id);
	(void)smpp_status_name(a.command_status);
	e1 = smpp_pdu_encode(&a, flags & SMPP_F_V33, enc1, sizeof(enc1));
	if (e1 < SMPP_HEADER_LEN)
		abort();
	if (smpp_pdu_decode(enc1, (size_t)e1, &b, flags, &err) != e1)
		abort();
	if (!pdu_same(&a, &b))
		abort();
	e2 = smpp_pdu_encode(&b, flags & SMPP_F_V33, enc2, sizeof(enc2));
	if (e2 != e1 || memcmp(enc1, enc2, (size_t)e1) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smpp_error err;
	long f = smpp_pdu_frame(data, size, SMPP_PDU_MAX_DEFAULT, &err);

	if (f < 0 && (err.status != SMPP_ESME_RINVCMDLEN || !err.disconnect))
		abort();
	roundtrip(data, size, 0);
	roundtrip(data, size, SMPP_F_V33);
	roundtrip(data, size, SMPP_F_V33 | SMPP_F_V33_LAX);
	return 0;
}
