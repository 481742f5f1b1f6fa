/*
 * Unit tests for shared/codec/smpp_pdu: every protocols.md §5.2 vector decoded
 * field by field and re-encoded byte for byte, a round trip of every PDU type,
 * every TLV of §1.5 at its length bounds, framing, field limits, TLV rules,
 * SMPP 3.3 rules and error answers.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "shared/codec/smpp_pdu.h"

struct vec {
	const char *name;
	const char *hex;
};

static const struct vec vecs[] = {
	{ "S1", "0000003C000000040000000000000005000208353535000101353535353535353535000000000000000000000F48656C6C6F2077696B697065646961" },
	{ "S2", "00000039000000040000000000004FE80001013430343034000101343439353133363139323000000000000001000000084024232125262F3A" },
	{ "S3", "0000001C80000004000000000A342EE1393432353834333135393400" },
	{ "S4", "0000001080000004000000000A342EE1" },
	{ "S5", "00000023000000090000000000039951414C4C5F545700414C4C5F5457000034010200" },
	{ "S6", "0000002500000002000000000003995F747769747465720074776974746572000034000000" },
	{ "S7", "0000001D800000090000000000039943536D7363204757000210000134" },
	{ "S8", "00000015800000090000000E00004DB3534D534300" },
	{ "S9", "000000BA00000005000000000000000200010134343935313336313932300001013430343034000400000000000000006E69643A30303539313133393738207375623A30303120646C7672643A303031207375626D697420646174653A3130303231303137333020646F6E6520646174653A3130303231303137333120737461743A44454C49565244206572723A30303020746578743A4024232125262F3A000E0001010006000101001E000833383630316661000427000102" },
	{ "S10", "000000640000000500000000000547EB0002013434393531333631393200040934303430340000000000000000000000000E000101000600010104240026404D616964656E6D616E363634207761732069742073617070793F2026526F6D616E7469633F" },
	{ "S11a", "0000001000000015000000000A342EE7" },
	{ "S11b", "0000001080000015000000000A342EED" },
	{ "S12", "00000010800000000000000100082A77" },
	{ "S13a", "00000010000000060000000000000001" },
	{ "S13b", "00000010800000060000000000000001" },
	{ "B1", "0000002200000002000000000000000165736D653100736563726574000034000000" },
	{ "B2", "0000001A800000020000000000000001534D5343000210000134" },
	{ "B3", "00000010800000020000000E00000001" },
	{ "B4", "0000003D000000040000000000000002000500494E464F000101343437373030393030313233004000000000010000000C0500032A020148656C6C6F20" },
	{ "B5", "00000046000000040000000000000003000500494E464F0001013434373730303930303132330000000000000100000005576F726C64020C0002002A020E000102020F000102" },
	{ "B6", "0000005300000004000000000000000400010134343737303039303030303100010134343737303039303031323300000000003030303030313030303030303030305200000008000A004800690020D83DDE00" },
	{ "B7", "00000019800000040000000000000004354633413943303100" },
	{ "B8", "00000010800000040000005800000004" },
	{ "B9", "000000B9000000050000000000000007000101343437373030393030313233000500494E464F000400000000000000006F69643A3546334139433031207375623A30303120646C7672643A303031207375626D697420646174653A3234303131353132333020646F6E6520646174653A3234303131353132333120737461743A44454C49565244206572723A30303020746578743A48656C6C6F20576F726C64001E0009354633413943303100042700010204230003030000" },
	{ "B10", "0000001180000005000000000000000700" },
	{ "B11", "00000010800000000000000300000009" },
};

static struct smpp_pdu pdu, pdu2;
static uint8_t buf[80000], out[80000];

static size_t unhex(const char *hex, uint8_t *dst, size_t cap)
{
	size_t n = strlen(hex) / 2;

	assert_true(n <= cap);
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		dst[i] = (uint8_t)v;
	}
	return n;
}

static const char *vec_hex(const char *name)
{
	for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++)
		if (strcmp(vecs[i].name, name) == 0)
			return vecs[i].hex;
	fail_msg("no vector %s", name);
	return NULL;
}

/* Decodes a named vector into pdu (3.4) and returns its length. */
static size_t dec_vec(const char *name)
{
	size_t n = unhex(vec_hex(name), buf, sizeof(buf));
	struct smpp_error err;

	assert_int_equal(smpp_pdu_decode(buf, n, &pdu, 0, &err), (long)n);
	assert_int_equal(pdu.command_length, n);
	return n;
}

static void test_vectors_reencode(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		size_t n = dec_vec(vecs[i].name);
		long e = smpp_pdu_encode(&pdu, 0, out, sizeof(out));

		if (e != (long)n || memcmp(buf, out, n) != 0)
			fail_msg("vector %s does not re-encode identically", vecs[i].name);
	}
}

static void test_submit_vectors(void **state)
{
	(void)state;
	dec_vec("S1");
	assert_int_equal(pdu.command_id, SMPP_SUBMIT_SM);
	assert_int_equal(pdu.sequence_number, 5);
	assert_int_equal(pdu.source_addr_ton, 2);
	assert_int_equal(pdu.source_addr_npi, 8);
	assert_string_equal(pdu.source_addr, "555");
	assert_int_equal(pdu.dest_addr_ton, 1);
	assert_int_equal(pdu.dest_addr_npi, 1);
	assert_string_equal(pdu.destination_addr, "555555555");
	assert_string_equal(pdu.service_type, "");
	assert_int_equal(pdu.esm_class, 0);
	assert_int_equal(pdu.registered_delivery, 0);
	assert_int_equal(pdu.sm_length, 15);
	assert_memory_equal(pdu.short_message, "Hello wikipedia", 15);
	assert_int_equal(pdu.tlv.present, 0);

	dec_vec("S2");
	assert_int_equal(pdu.sequence_number, 20456);
	assert_string_equal(pdu.source_addr, "40404");
	assert_string_equal(pdu.destination_addr, "44951361920");
	assert_int_equal(pdu.registered_delivery, 1);
	assert_int_equal(pdu.sm_length, 8);
	assert_memory_equal(pdu.short_message, "@$#!%&/:", 8);

	dec_vec("B4");
	assert_int_equal(pdu.source_addr_ton, 5);
	assert_string_equal(pdu.source_addr, "INFO");
	assert_string_equal(pdu.destination_addr, "447700900123");
	assert_int_equal(pdu.esm_class, SMPP_ESM_UDHI);
	assert_int_equal(pdu.sm_length, 12);
	assert_memory_equal(pdu.short_message, "\x05\x00\x03\x2a\x02\x01Hello ", 12);

	dec_vec("B5");
	assert_int_equal(pdu.esm_class, 0);
	assert_memory_equal(pdu.short_message, "World", 5);
	assert_true(smpp_tlv_has(&pdu.tlv, SMPP_TI_SAR_MSG_REF_NUM));
	assert_int_equal(pdu.tlv.sar_msg_ref_num, 0x2A);
	assert_int_equal(pdu.tlv.sar_total_segments, 2);
	assert_int_equal(pdu.tlv.sar_segment_seqnum, 2);
	assert_int_equal(pdu.tlv.n_order, 3);

	dec_vec("B6");
	assert_string_equal(pdu.validity_period, "000001000000000R");
	assert_string_equal(pdu.schedule_delivery_time, "");
	assert_int_equal(pdu.data_coding, SMPP_DCS_UCS2);
	assert_int_equal(pdu.sm_length, 10);
	assert_memory_equal(pdu.short_message, "\x00H\x00i\x00 \xD8\x3D\xDE\x00", 10);
}

static void test_resp_vectors(void **state)
{
	(void)state;
	dec_vec("S3");
	assert_int_equal(pdu.command_id, SMPP_SUBMIT_SM_RESP);
	assert_int_equal(pdu.sequence_number, 0x0A342EE1);
	assert_string_equal(pdu.message_id, "94258431594");
	assert_false(pdu.no_body);

	dec_vec("S4");
	assert_true(pdu.no_body);
	assert_string_equal(pdu.message_id, "");

	dec_vec("B7");
	assert_string_equal(pdu.message_id, "5F3A9C01");
	dec_vec("B8");
	assert_int_equal(pdu.command_status, SMPP_ESME_RTHROTTLED);
	assert_true(pdu.no_body);
	dec_vec("B10");
	assert_int_equal(pdu.command_id, SMPP_DELIVER_SM_RESP);
	assert_false(pdu.no_body);
	assert_string_equal(pdu.message_id, "");

	dec_vec("S12");
	assert_int_equal(pdu.command_id, SMPP_GENERIC_NACK);
	assert_int_equal(pdu.command_status, SMPP_ESME_RINVMSGLEN);
	assert_int_equal(pdu.sequence_number, 535159);
	dec_vec("B11");
	assert_int_equal(pdu.command_status, SMPP_ESME_RINVCMDID);
	assert_int_equal(pdu.sequence_number, 9);
	dec_vec("S11a");
	assert_int_equal(pdu.command_id, SMPP_ENQUIRE_LINK);
	dec_vec("S11b");
	assert_int_equal(pdu.command_id, SMPP_ENQUIRE_LINK_RESP);
	dec_vec("S13a");
	assert_int_equal(pdu.command_id, SMPP_UNBIND);
	dec_vec("S13b");
	assert_int_equal(pdu.command_id, SMPP_UNBIND_RESP);
}

static void test_bind_vectors(void **state)
{
	(void)state;
	dec_vec("S5");
	assert_int_equal(pdu.command_id, SMPP_BIND_TRANSCEIVER);
	assert_string_equal(pdu.system_id, "ALL_TW");
	assert_string_equal(pdu.password, "ALL_TW");
	assert_string_equal(pdu.system_type, "");
	assert_int_equal(pdu.interface_version, SMPP_VERSION_34);
	assert_int_equal(pdu.addr_ton, 1);
	assert_int_equal(pdu.addr_npi, 2);
	assert_string_equal(pdu.address_range, "");

	dec_vec("S6");
	assert_int_equal(pdu.command_id, SMPP_BIND_TRANSMITTER);
	assert_string_equal(pdu.system_id, "twitter");
	assert_string_equal(pdu.password, "twitter");

	dec_vec("B1");
	assert_string_equal(pdu.system_id, "esme1");
	assert_string_equal(pdu.password, "secret");

	dec_vec("S7");
	assert_int_equal(pdu.command_id, SMPP_BIND_TRANSCEIVER_RESP);
	assert_string_equal(pdu.system_id, "Smsc GW");
	assert_true(smpp_tlv_has(&pdu.tlv, SMPP_TI_SC_INTERFACE_VERSION));
	assert_int_equal(pdu.tlv.sc_interface_version, 0x34);

	dec_vec("S8");
	assert_int_equal(pdu.command_status, SMPP_ESME_RINVPASWD);
	assert_string_equal(pdu.system_id, "SMSC");

	dec_vec("B2");
	assert_string_equal(pdu.system_id, "SMSC");
	assert_int_equal(pdu.tlv.sc_interface_version, 0x34);
	dec_vec("B3");
	assert_true(pdu.no_body);
	assert_int_equal(pdu.command_status, SMPP_ESME_RINVPASWD);
}

static void test_receipt_vectors(void **state)
{
	static const char s9_text[] = "id:0059113978 sub:001 dlvrd:001 submit "
		"date:1002101730 done date:1002101731 stat:DELIVRD err:000 "
		"text:@$#!%&/:";
	static const char payload[] = "@Maidenman664 was it sappy? &Romantic?";

	(void)state;
	dec_vec("S9");
	assert_int_equal(pdu.command_id, SMPP_DELIVER_SM);
	assert_int_equal(pdu.esm_class, SMPP_ESM_DELIVERY_RECEIPT);
	assert_string_equal(pdu.source_addr, "44951361920");
	assert_string_equal(pdu.destination_addr, "40404");
	assert_int_equal(pdu.sm_length, strlen(s9_text));
	assert_memory_equal(pdu.short_message, s9_text, strlen(s9_text));
	assert_int_equal(pdu.tlv.source_network_type, 1);
	assert_int_equal(pdu.tlv.dest_network_type, 1);
	assert_string_equal(pdu.tlv.receipted_message_id, "38601fa");
	assert_int_equal(pdu.tlv.message_state, SMPP_STATE_DELIVERED);
	assert_int_equal(pdu.tlv.n_order, 4);
	assert_int_equal(pdu.tlv.order[0], SMPP_TI_SOURCE_NETWORK_TYPE);

	dec_vec("S10");
	assert_int_equal(pdu.sm_length, 0);
	assert_int_equal(pdu.dest_addr_ton, 4);
	assert_int_equal(pdu.dest_addr_npi, 9);
	assert_int_equal(pdu.tlv.message_payload.len, 38);
	assert_memory_equal(pdu.tlv.message_payload.p, payload, 38);
	/* Borrowed: points into the input buffer. */
	assert_true(pdu.tlv.message_payload.p > buf &&
		    pdu.tlv.message_payload.p < buf + sizeof(buf));

	dec_vec("B9");
	assert_string_equal(pdu.tlv.receipted_message_id, "5F3A9C01");
	assert_int_equal(pdu.tlv.message_state, 2);
	assert_true(smpp_tlv_has(&pdu.tlv, SMPP_TI_NETWORK_ERROR_CODE));
	assert_int_equal(pdu.tlv.network_error_code.type, 3);
	assert_int_equal(pdu.tlv.network_error_code.code, 0);
}

static void test_unknown_command(void **state)
{
	struct smpp_error err;
	uint8_t ans[32];
	size_t n = unhex("0000001000000110000000000A342EE7", buf, sizeof(buf));

	(void)state;
	assert_int_equal(smpp_pdu_decode(buf, n, &pdu, 0, &err), SMPP_PDU_EBADID);
	assert_int_equal(err.status, SMPP_ESME_RINVCMDID);
	assert_int_equal(err.answer_id, SMPP_GENERIC_NACK);
	assert_true(err.seq_valid);
	assert_int_equal(err.seq, 0x0A342EE7);
	assert_int_equal(err.skip, 16);
	assert_false(err.disconnect);
	assert_int_equal(smpp_pdu_encode_error_answer(&err, ans, sizeof(ans)), 16);
	unhex("0000001080000000000000030A342EE7", out, sizeof(out));
	assert_memory_equal(ans, out, 16);
}

static void test_frame(void **state)
{
	struct smpp_error err;
	size_t n = unhex("F000001100000110000000000A342EE7", buf, sizeof(buf));

	(void)state;
	/* S15: unrecoverable length. */
	assert_int_equal(smpp_pdu_frame(buf, n, 4096, &err), SMPP_PDU_EBADLEN);
	assert_int_equal(err.status, SMPP_ESME_RINVCMDLEN);
	assert_int_equal(err.answer_id, SMPP_GENERIC_NACK);
	assert_true(err.disconnect);
	assert_int_equal(err.seq, 0x0A342EE7);
	/* Need more until 4 octets, then until command_length. */
	assert_int_equal(smpp_pdu_frame(buf, 3, 4096, &err), 0);
	n = unhex(vec_hex("S1"), buf, sizeof(buf));
	assert_int_equal(smpp_pdu_frame(buf, 15, 4096, &err), 0);
	assert_int_equal(smpp_pdu_frame(buf, n - 1, 4096, &err), 0);
	assert_int_equal(smpp_pdu_decode(buf, n - 1, &pdu, 0, &err), 0);
	assert_int_equal(smpp_pdu_frame(buf, n + 5, 4096, &err), (long)n);
	/* max PDU size: exactly n passes, n - 1 fails. */
	assert_int_equal(smpp_pdu_frame(buf, n, n, &err), (long)n);
	assert_int_equal(smpp_pdu_frame(buf, n, n - 1, &err), SMPP_PDU_EBADLEN);
	/* command_length 15 and 16. */
	n = unhex("0000000F000000150000000000000007", buf, sizeof(buf));
	assert_int_equal(smpp_pdu_frame(buf, n, 4096, &err), SMPP_PDU_EBADLEN);
	assert_int_equal(err.seq, 7);
	assert_int_equal(smpp_pdu_decode(buf, n, &pdu, 0, &err), SMPP_PDU_EBADLEN);
	assert_true(err.disconnect);
	buf[3] = 16;
	assert_int_equal(smpp_pdu_frame(buf, n, 4096, &err), 16);
	assert_int_equal(smpp_pdu_decode(buf, n, &pdu, 0, &err), 16);
}

/* A submit_sm body writer for malformed inputs the encoder refuses to make. */
static size_t raw_submit(uint8_t *dst, const char *src, size_t srclen,
			 const char *sched, uint8_t esm, const uint8_t *sm,
			 size_t smlen, uint8_t sm_length)
{
	size_t n = 16;

	memcpy(dst, "\0\0\0\0\0\0\0\x04\0\0\0\0\0\0\0\x2a", 16);
	dst[n++] = 0;				/* service_type */
	dst[n++] = 1;
	dst[n++] = 1;
	memcpy(dst + n, src, srclen);
	n += srclen;
	dst[n++] = 1;
	dst[n++] = 1;
	memcpy(dst + n, "447700900123", 13);
	n += 13;
	dst[n++] = esm;
	dst[n++] = 0;
	dst[n++] = 0;
	memcpy(dst + n, sched, strlen(sched) + 1);
	n += strlen(sched) + 1;
	dst[n++] = 0;				/* validity */
	dst[n++] = 1;
	dst[n++] = 0;
	dst[n++] = 0;
	dst[n++] = 0;
	dst[n++] = sm_length;
	memcpy(dst + n, sm, smlen);
	n += smlen;
	dst[0] = (uint8_t)(n >> 24);
	dst[1] = (uint8_t)(n >> 16);
	dst[2] = (uint8_t)(n >> 8);
	dst[3] = (uint8_t)n;
	return n;
}

static void expect_field_error(size_t n, uint32_t status)
{
	struct smpp_error err;

	assert_true(smpp_pdu_decode(buf, n, &pdu, 0, &err) < 0);
	assert_int_equal(err.status, status);
	assert_int_equal(err.answer_id, SMPP_SUBMIT_SM_RESP);
	assert_int_equal(err.seq, 42);
	assert_int_equal(err.skip, n);
	assert_false(err.disconnect);
}

static void test_field_limits(void **state)
{
	static const char addr21[] = "123456789012345678901";
	struct smpp_error err;
	size_t n;

	(void)state;
	/* source_addr C(21): 20 characters pass, 21 fail. */
	n = raw_submit(buf, "12345678901234567890", 21, "", 0,
		       (const uint8_t *)"hi", 2, 2);
	assert_int_equal(smpp_pdu_decode(buf, n, &pdu, 0, &err), (long)n);
	assert_int_equal(strlen(pdu.source_addr), 20);
	n = raw_submit(buf, addr21, 22, "", 0, (const uint8_t *)"hi", 2, 2);
	expect_field_error(n, SMPP_ESME_RINVSRCADR);
	/* The encoder refuses the same. */
	memcpy(pdu.source_addr, addr21, 22);
	assert_int_equal(smpp_pdu_encode(&pdu, 0, out, sizeof(out)), SMPP_PDU_ELIMIT);
	/* Time strings are "" or 16 characters. */
	n = raw_submit(buf, "1", 2, "0000010000", 0, (const uint8_t *)"hi", 2, 2);
	expect_field_error(n, SMPP_ESME_RINVSCHED);
	n = raw_submit(buf, "1", 2, "000001000000000R", 0, (const uint8_t *)"hi", 2, 2);
	assert_int_equal(smpp_pdu_decode(buf, n, &pdu, 0, &err), (long)n);
	/* sm_length beyond the body, sm_length 254 and 255. */
	n = raw_submit(buf, "1", 2, "", 0, (const uint8_t *)"hi", 2, 3);
	expect_field_error(n, SMPP_ESME_RINVMSGLEN);
	memset(out, 'x', 255);
	n = raw_submit(buf, "1", 2, "", 0, out, 254, 254);
	assert_int_equal(smpp_pdu_decode(buf, n, &pdu, 0, &err), (long)n);
	assert_int_equal(pdu.sm_length, 254);
	n = raw_submit(buf, "1", 2, "", 0, out, 255, 255);
	expect_field_error(n, SMPP_ESME_RINVMSGLEN);
	/* UDHI with a UDH longer than the message. */
	n = raw_submit(buf, "1", 2, "", SMPP_ESM_UDHI, (const uint8_t *)"\x05\x00\x03", 3, 3);
	expect_field_error(n, SMPP_ESME_RINVESMCLASS);
	/* Unterminated C-string: the body ends inside destination_addr. */
	n = raw_submit(buf, "1", 2, "", 0, (const uint8_t *)"hi", 2, 2);
	buf[3] = 16 + 1 + 2 + 2 + 2 + 5;
	expect_field_error(16 + 1 + 2 + 2 + 2 + 5, SMPP_ESME_RINVCMDLEN);
	/* One byte short of the last mandatory field. */
	n = unhex(vec_hex("B1"), buf, sizeof(buf));
	buf[3]--;
	assert_true(smpp_pdu_decode(buf, n - 1, &pdu, 0, &err) < 0);
	assert_int_equal(err.status, SMPP_ESME_RINVCMDLEN);
	assert_int_equal(err.answer_id, SMPP_BIND_TRANSMITTER_RESP);
	/* system_id C(16): 16 characters is one over. */
	smpp_pdu_init(&pdu, SMPP_BIND_TRANSMITTER, 1);
	memcpy(pdu.system_id, "abcdefghijklmno", 16);
	assert_true(smpp_pdu_encode(&pdu, 0, out, sizeof(out)) > 0);
	pdu.system_id[15] = 'p';
	assert_int_equal(smpp_pdu_encode(&pdu, 0, out, sizeof(out)), SMPP_PDU_ELIMIT);
}

static void test_tlv_errors(void **state)
{
	struct smpp_error err;
	size_t n;

	(void)state;
	/* S7 with the TLV length pointing past the end. */
	n = unhex(vec_hex("S7"), buf, sizeof(buf));
	buf[n - 2] = 2;
	assert_int_equal(smpp_pdu_decode(buf, n, &pdu, 0, &err), SMPP_PDU_ETLV);
	assert_int_equal(err.status, SMPP_ESME_RINVOPTPARSTREAM);
	assert_int_equal(err.answer_id, SMPP_GENERIC_NACK);
	/* A known TLV with the wrong length: 2 octets for an I1. */
	n = unhex("0000001E800000090000000000039943536D72632047570002100002"
		  "0034", buf, sizeof(buf));
	assert_int_equal(smpp_pdu_decode(buf, n, &pdu, 0, &err), SMPP_PDU_ETLV);
	assert_int_equal(err.status, SMPP_ESME_RINVPARLEN);
	/* A TLV header cut short. */
	n = unhex("00000013000000150000000000000001020C00", buf, sizeof(buf));
	assert_int_equal(smpp_pdu_decode(buf, n, &pdu, 0, &err), SMPP_PDU_ETLV);
	assert_int_equal(err.answer_id, SMPP_ENQUIRE_LINK_RESP);
	assert_int_equal(err.status, SMPP_ESME_RINVOPTPARSTREAM);
	/* A malformed generic_nack is never answered. */
	n = unhex("00000013800000000000000000000001020C00", buf, sizeof(buf));
	assert_int_equal(smpp_pdu_decode(buf, n, &pdu, 0, &err), SMPP_PDU_ETLV);
	assert_int_equal(err.answer_id, 0);
	assert_int_equal(smpp_pdu_encode_error_answer(&err, out, sizeof(out)), 0);
}

static void test_unknown_tlvs(void **state)
{
	struct smpp_error err;
	size_t n;
	long e;

	(void)state;
	/* Vendor TLVs between known ones are kept in order and re-encoded. */
	n = unhex("00000029000000150000000000000009"
		  "14020002ABCD" "020C0002002A" "14030000" "0427000105",
		  buf, sizeof(buf));
	buf[3] = (uint8_t)n;
	assert_int_equal(smpp_pdu_decode(buf, n, &pdu, 0, &err), (long)n);
	assert_int_equal(pdu.tlv.n_unknown, 2);
	assert_int_equal(pdu.tlv.unknown[0].tag, 0x1402);
	assert_int_equal(pdu.tlv.unknown[0].len, 2);
	assert_memory_equal(pdu.tlv.unknown[0].value, "\xAB\xCD", 2);
	assert_int_equal(pdu.tlv.unknown[1].tag, 0x1403);
	assert_int_equal(pdu.tlv.unknown[1].len, 0);
	assert_int_equal(pdu.tlv.sar_msg_ref_num, 0x2A);
	assert_int_equal(pdu.tlv.message_state, 5);
	e = smpp_pdu_encode(&pdu, 0, out, sizeof(out));
	assert_int_equal(e, (long)n);
	assert_memory_equal(out, buf, n);
	/* More than the cap: the rest are dropped, counted. */
	n = 16;
	memcpy(buf, "\0\0\0\0\0\0\0\x15\0\0\0\0\0\0\0\x01", 16);
	for (int i = 0; i < SMPP_UNKNOWN_TLV_MAX + 2; i++) {
		memcpy(buf + n, "\x15\x00\x00\x01", 4);
		buf[n + 1] = (uint8_t)i;
		buf[n + 4] = (uint8_t)i;
		n += 5;
	}
	buf[3] = (uint8_t)n;
	assert_int_equal(smpp_pdu_decode(buf, n, &pdu, 0, &err), (long)n);
	assert_int_equal(pdu.tlv.n_unknown, SMPP_UNKNOWN_TLV_MAX);
	assert_int_equal(pdu.tlv.n_dropped, 2);
	assert_int_equal(smpp_pdu_encode(&pdu, 0, out, sizeof(out)), (long)n - 10);
}

/*
 * protocols.md §1.5, written out again here rather than taken from
 * smpp_pdu_def.h, so that a wrong tag, name or length in the codec's table
 * fails: tag, name, and the shortest and longest value the table allows
 * (a C-Octet String counts its NUL; 0 for a flag).
 */
enum { TK_INT, TK_CSTR, TK_OCT };
static const struct {
	uint16_t tag;
	const char *name;
	uint8_t kind;
	uint16_t min, max;
} spec_tlvs[] = {
	{ 0x0005, "dest_addr_subunit", TK_INT, 1, 1 },
	{ 0x0006, "dest_network_type", TK_INT, 1, 1 },
	{ 0x000D, "source_addr_subunit", TK_INT, 1, 1 },
	{ 0x000E, "source_network_type", TK_INT, 1, 1 },
	{ 0x0017, "qos_time_to_live", TK_INT, 4, 4 },
	{ 0x0019, "payload_type", TK_INT, 1, 1 },
	{ 0x001D, "additional_status_info_text", TK_CSTR, 1, 256 },
	{ 0x001E, "receipted_message_id", TK_CSTR, 1, 65 },
	{ 0x0030, "ms_msg_wait_facilities", TK_INT, 1, 1 },
	{ 0x0201, "privacy_indicator", TK_INT, 1, 1 },
	{ 0x0202, "source_subaddress", TK_OCT, 2, 23 },
	{ 0x0203, "dest_subaddress", TK_OCT, 2, 23 },
	{ 0x0204, "user_message_reference", TK_INT, 2, 2 },
	{ 0x0205, "user_response_code", TK_INT, 1, 1 },
	{ 0x020A, "source_port", TK_INT, 2, 2 },
	{ 0x020B, "destination_port", TK_INT, 2, 2 },
	{ 0x020C, "sar_msg_ref_num", TK_INT, 2, 2 },
	{ 0x020D, "language_indicator", TK_INT, 1, 1 },
	{ 0x020E, "sar_total_segments", TK_INT, 1, 1 },
	{ 0x020F, "sar_segment_seqnum", TK_INT, 1, 1 },
	{ 0x0210, "sc_interface_version", TK_INT, 1, 1 },
	{ 0x0302, "callback_num_pres_ind", TK_INT, 1, 1 },
	{ 0x0303, "callback_num_atag", TK_OCT, 0, 65 },
	{ 0x0304, "number_of_messages", TK_INT, 1, 1 },
	{ 0x0381, "callback_num", TK_OCT, 4, 19 },
	{ 0x0420, "dpf_result", TK_INT, 1, 1 },
	{ 0x0421, "set_dpf", TK_INT, 1, 1 },
	{ 0x0422, "ms_availability_status", TK_INT, 1, 1 },
	{ 0x0423, "network_error_code", TK_INT, 3, 3 },
	{ 0x0424, "message_payload", TK_OCT, 0, 65535 },
	{ 0x0425, "delivery_failure_reason", TK_INT, 1, 1 },
	{ 0x0426, "more_messages_to_send", TK_INT, 1, 1 },
	{ 0x0427, "message_state", TK_INT, 1, 1 },
	{ 0x0501, "ussd_service_op", TK_INT, 1, 1 },
	{ 0x1201, "display_time", TK_INT, 1, 1 },
	{ 0x1203, "sms_signal", TK_INT, 2, 2 },
	{ 0x1204, "ms_validity", TK_INT, 1, 1 },
	{ 0x130C, "alert_on_message_delivery", TK_INT, 0, 0 },
	{ 0x1380, "its_reply_type", TK_INT, 1, 1 },
	{ 0x1383, "its_session_info", TK_OCT, 2, 2 },
};
#define SPEC_TLV_COUNT (sizeof(spec_tlvs) / sizeof(spec_tlvs[0]))

/* Appends TLV tag with a value of len octets (a C string: len - 1 letters
 * then NUL, or no NUL when nul is false) at buf[n]; returns the new length. */
static size_t put_test_tlv(size_t n, uint16_t tag, uint8_t kind, size_t len,
			   bool nul)
{
	buf[n++] = (uint8_t)(tag >> 8);
	buf[n++] = (uint8_t)tag;
	buf[n++] = (uint8_t)(len >> 8);
	buf[n++] = (uint8_t)len;
	for (size_t i = 0; i < len; i++)
		buf[n + i] = kind == TK_CSTR ? (uint8_t)('a' + i % 26) :
			(uint8_t)(0xA5 ^ i);
	if (kind == TK_CSTR && len > 0 && nul)
		buf[n + len - 1] = '\0';
	return n + len;
}

/* A data_sm_resp (message_id "") with the header's length patched in. */
static size_t test_tlv_pdu_head(void)
{
	memcpy(buf, "\0\0\0\0\x80\0\x01\x03\0\0\0\0\0\0\0\x09", 16);
	buf[16] = '\0';
	return 17;
}

static void test_tlv_pdu_finish(size_t n)
{
	buf[0] = (uint8_t)(n >> 24);
	buf[1] = (uint8_t)(n >> 16);
	buf[2] = (uint8_t)(n >> 8);
	buf[3] = (uint8_t)n;
}

static unsigned popcount64(uint64_t v)
{
	unsigned c = 0;

	for (; v; v &= v - 1)
		c++;
	return c;
}

/* Decodes buf[0..n) and expects ESME_RINVPARLEN-style failure with status. */
static void expect_tlv_error(size_t n, uint32_t status, const char *name,
			     const char *what)
{
	struct smpp_error err;

	if (smpp_pdu_decode(buf, n, &pdu, 0, &err) != SMPP_PDU_ETLV ||
	    err.status != status || err.answer_id != SMPP_GENERIC_NACK)
		fail_msg("%s %s: not refused with status 0x%X", name, what, status);
}

/* Each TLV of §1.5 at its longest and shortest value decodes as that known
 * TLV and re-encodes byte for byte; one octet over or under the bounds is
 * ESME_RINVPARLEN; a C-Octet String filling its maximum without a NUL is
 * ESME_RINVOPTPARAMVAL. */
static void test_every_tlv(void **state)
{
	struct smpp_error err;

	(void)state;
	assert_int_equal(SPEC_TLV_COUNT, SMPP_TI_COUNT);
	for (size_t i = 0; i < SPEC_TLV_COUNT; i++) {
		const char *name = spec_tlvs[i].name;
		uint16_t lens[2] = { spec_tlvs[i].max, spec_tlvs[i].min };
		size_t n;
		long e;

		assert_string_equal(smpp_tlv_name(spec_tlvs[i].tag), name);
		for (int k = 0; k < 2; k++) {
			n = put_test_tlv(test_tlv_pdu_head(), spec_tlvs[i].tag,
					 spec_tlvs[i].kind, lens[k], true);
			test_tlv_pdu_finish(n);
			if (smpp_pdu_decode(buf, n, &pdu, 0, &err) != (long)n)
				fail_msg("%s of %u octets does not decode", name, lens[k]);
			assert_int_equal(popcount64(pdu.tlv.present), 1);
			assert_int_equal(pdu.tlv.n_unknown, 0);
			e = smpp_pdu_encode(&pdu, 0, out, sizeof(out));
			if (e != (long)n || memcmp(out, buf, n) != 0)
				fail_msg("%s of %u octets does not re-encode", name, lens[k]);
		}
		if (spec_tlvs[i].max < 65535) {
			n = put_test_tlv(test_tlv_pdu_head(), spec_tlvs[i].tag,
					 spec_tlvs[i].kind, spec_tlvs[i].max + 1u, true);
			test_tlv_pdu_finish(n);
			expect_tlv_error(n, SMPP_ESME_RINVPARLEN, name, "one over");
		}
		if (spec_tlvs[i].min > 0) {
			n = put_test_tlv(test_tlv_pdu_head(), spec_tlvs[i].tag,
					 spec_tlvs[i].kind, spec_tlvs[i].min - 1u, true);
			test_tlv_pdu_finish(n);
			expect_tlv_error(n, SMPP_ESME_RINVPARLEN, name, "one short");
		}
		if (spec_tlvs[i].kind == TK_CSTR) {
			n = put_test_tlv(test_tlv_pdu_head(), spec_tlvs[i].tag,
					 spec_tlvs[i].kind, spec_tlvs[i].max, false);
			test_tlv_pdu_finish(n);
			expect_tlv_error(n, SMPP_ESME_RINVOPTPARAMVAL, name,
					 "without its NUL");
		}
	}
}

/* All of them in one PDU, in the order of §1.5: every one is present and
 * the PDU re-encodes byte for byte. */
static void test_all_tlvs_in_one_pdu(void **state)
{
	struct smpp_error err;
	size_t n = test_tlv_pdu_head();
	long e;

	(void)state;
	for (size_t i = 0; i < SPEC_TLV_COUNT; i++)
		n = put_test_tlv(n, spec_tlvs[i].tag, spec_tlvs[i].kind,
				 spec_tlvs[i].max == 65535 ? 300 : spec_tlvs[i].max,
				 true);
	test_tlv_pdu_finish(n);
	assert_int_equal(smpp_pdu_decode(buf, n, &pdu, 0, &err), (long)n);
	assert_int_equal(popcount64(pdu.tlv.present), SPEC_TLV_COUNT);
	assert_int_equal(pdu.tlv.n_order, SPEC_TLV_COUNT);
	assert_int_equal(pdu.tlv.n_unknown, 0);
	assert_int_equal(pdu.tlv.message_payload.len, 300);
	assert_int_equal(strlen(pdu.tlv.additional_status_info_text), 255);
	e = smpp_pdu_encode(&pdu, 0, out, sizeof(out));
	assert_int_equal(e, (long)n);
	assert_memory_equal(out, buf, n);
	/* A 3.3 encode of the same PDU carries none of them. */
	assert_int_equal(smpp_pdu_encode(&pdu, SMPP_F_V33, out, sizeof(out)), 17);
}

static void test_v33(void **state)
{
	struct smpp_error err;
	size_t n;

	(void)state;
	/* A 3.3 session refuses TLVs, or skips them when lax. */
	n = unhex(vec_hex("S7"), buf, sizeof(buf));
	assert_int_equal(smpp_pdu_decode(buf, n, &pdu, SMPP_F_V33, &err), SMPP_PDU_ETLV);
	assert_int_equal(err.status, SMPP_ESME_RINVCMDLEN);
	assert_int_equal(smpp_pdu_decode(buf, n, &pdu, SMPP_F_V33 | SMPP_F_V33_LAX,
					 &err), (long)n);
	assert_int_equal(pdu.tlv.present, 0);
	assert_string_equal(pdu.system_id, "Smsc GW");
	/* A 3.3 encode writes no TLV. */
	dec_vec("B2");
	assert_int_equal(smpp_pdu_encode(&pdu, SMPP_F_V33, out, sizeof(out)), 21);
	assert_int_equal(out[3], 21);
	assert_memory_equal(out + 16, "SMSC", 5);
	/* Without TLVs a 3.3 decode is the same as 3.4. */
	n = unhex(vec_hex("S1"), buf, sizeof(buf));
	assert_int_equal(smpp_pdu_decode(buf, n, &pdu, SMPP_F_V33, &err), (long)n);
}

static void check_roundtrip(struct smpp_pdu *p)
{
	struct smpp_error err;
	long e = smpp_pdu_encode(p, 0, out, sizeof(out));
	long e2;

	if (e < 16)
		fail_msg("%s: encode %ld", smpp_command_name(p->command_id), e);
	assert_int_equal(smpp_pdu_decode(out, (size_t)e, &pdu2, 0, &err), e);
	assert_int_equal(pdu2.command_id, p->command_id);
	assert_int_equal(pdu2.sequence_number, p->sequence_number);
	e2 = smpp_pdu_encode(&pdu2, 0, buf, sizeof(buf));
	assert_int_equal(e2, e);
	assert_memory_equal(buf, out, (size_t)e);
}

static void fill_common(struct smpp_pdu *p, uint32_t id)
{
	smpp_pdu_init(p, id, 77);
	strcpy(p->service_type, "CMT");
	p->source_addr_ton = 5;
	strcpy(p->source_addr, "Sender");
	p->dest_addr_ton = 1;
	p->dest_addr_npi = 1;
	strcpy(p->destination_addr, "447700900123");
	strcpy(p->message_id, "ABCDEF01");
	strcpy(p->schedule_delivery_time, "240115123000000+");
	strcpy(p->validity_period, "000001000000000R");
	p->sm_length = 5;
	memcpy(p->short_message, "Hello", 5);
}

/* The decoded copy (pdu2) holds what the PDU type carries. */
static void spot_check(const struct smpp_pdu *p)
{
	switch (p->command_id) {
	case SMPP_SUBMIT_MULTI:
		assert_int_equal(pdu2.number_of_dests, 3);
		assert_int_equal(pdu2.list.dests[1].dest_flag, 2);
		assert_string_equal(pdu2.list.dests[1].addr, "friends");
		assert_int_equal(pdu2.list.dests[2].npi, 8);
		assert_string_equal(pdu2.validity_period, p->validity_period);
		assert_memory_equal(pdu2.short_message, "Hello", 5);
		break;
	case SMPP_SUBMIT_MULTI_RESP:
		assert_int_equal(pdu2.no_unsuccess, 2);
		assert_int_equal(pdu2.list.unsuccess[0].error_status, 0x0B);
		assert_string_equal(pdu2.list.unsuccess[0].addr, "4477");
		break;
	case SMPP_QUERY_LAST_MSGS_RESP:
		assert_int_equal(pdu2.number_msgs, 2);
		assert_string_equal(pdu2.list.msg_ids[1], "FFFFFFFF");
		break;
	case SMPP_QUERY_MSG_DETAILS_RESP:
		assert_int_equal(pdu2.number_of_dests, 3);
		assert_string_equal(pdu2.list.dests[2].addr, "0700900002");
		assert_string_equal(pdu2.final_date, p->final_date);
		assert_string_equal(pdu2.message_id, "1A2B");
		break;
	case SMPP_BIND_TRANSCEIVER:
		assert_string_equal(pdu2.system_id, "esme1");
		assert_string_equal(pdu2.password, "secret");
		break;
	case SMPP_ALERT_NOTIFICATION:
		assert_string_equal(pdu2.esme_addr, "12345");
		assert_string_equal(pdu2.source_addr, "Sender");
		break;
	case SMPP_QUERY_SM_RESP:
		assert_int_equal(pdu2.message_state, 2);
		break;
	case SMPP_REPLACE_SM:
		assert_string_equal(pdu2.schedule_delivery_time, p->schedule_delivery_time);
		assert_int_equal(pdu2.sm_length, 5);
		break;
	case SMPP_CANCEL_SM:
		assert_string_equal(pdu2.destination_addr, "447700900123");
		assert_string_equal(pdu2.service_type, "CMT");
		break;
	case SMPP_PARAM_RETRIEVE_RESP:
		assert_string_equal(pdu2.param_value, "value");
		break;
	case SMPP_ENQUIRE_LINK:
		assert_string_equal(pdu2.service_type, "");
		assert_int_equal(pdu2.command_length, 16);
		break;
	default:
		break;
	}
}

static void test_roundtrip_all(void **state)
{
	static const uint32_t ids[] = {
		SMPP_GENERIC_NACK, SMPP_BIND_RECEIVER, SMPP_BIND_RECEIVER_RESP,
		SMPP_BIND_TRANSMITTER, SMPP_BIND_TRANSMITTER_RESP, SMPP_QUERY_SM,
		SMPP_QUERY_SM_RESP, SMPP_SUBMIT_SM, SMPP_SUBMIT_SM_RESP,
		SMPP_DELIVER_SM, SMPP_DELIVER_SM_RESP, SMPP_UNBIND, SMPP_UNBIND_RESP,
		SMPP_REPLACE_SM, SMPP_REPLACE_SM_RESP, SMPP_CANCEL_SM,
		SMPP_CANCEL_SM_RESP, SMPP_BIND_TRANSCEIVER,
		SMPP_BIND_TRANSCEIVER_RESP, SMPP_OUTBIND, SMPP_ENQUIRE_LINK,
		SMPP_ENQUIRE_LINK_RESP, SMPP_SUBMIT_MULTI, SMPP_SUBMIT_MULTI_RESP,
		SMPP_PARAM_RETRIEVE, SMPP_PARAM_RETRIEVE_RESP, SMPP_QUERY_LAST_MSGS,
		SMPP_QUERY_LAST_MSGS_RESP, SMPP_QUERY_MSG_DETAILS,
		SMPP_QUERY_MSG_DETAILS_RESP, SMPP_ALERT_NOTIFICATION, SMPP_DATA_SM,
		SMPP_DATA_SM_RESP,
	};
	static struct smpp_pdu p;

	(void)state;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		fill_common(&p, ids[i]);
		assert_true(smpp_command_known(ids[i]));
		assert_string_not_equal(smpp_command_name(ids[i]), "unknown");
		strcpy(p.system_id, "esme1");
		strcpy(p.password, "secret");
		strcpy(p.esme_addr, "12345");
		strcpy(p.param_name, "param");
		strcpy(p.param_value, "value");
		strcpy(p.final_date, "240115123100000+");
		p.message_state = 2;
		p.number_of_dests = 3;
		p.list.dests[0] = (struct smpp_dest){ 1, 1, 1, "447700900001" };
		p.list.dests[1] = (struct smpp_dest){ 2, 0, 0, "friends" };
		p.list.dests[2] = (struct smpp_dest){ 1, 2, 8, "0700900002" };
		if (ids[i] == SMPP_QUERY_MSG_DETAILS_RESP)
			for (int k = 0; k < 3; k++)
				p.list.dests[k].dest_flag = 1;
		if (ids[i] == SMPP_QUERY_MSG_DETAILS ||
		    ids[i] == SMPP_QUERY_MSG_DETAILS_RESP)
			strcpy(p.message_id, "1A2B");
		if (ids[i] == SMPP_SUBMIT_MULTI_RESP) {
			p.no_unsuccess = 2;
			p.list.unsuccess[0] = (struct smpp_unsuccess){ 1, 1, "4477", 0x0B };
			p.list.unsuccess[1] = (struct smpp_unsuccess){ 0, 0, "", 0x45 };
		}
		if (ids[i] == SMPP_QUERY_LAST_MSGS_RESP) {
			p.number_msgs = 2;
			strcpy(p.list.msg_ids[0], "1A");
			strcpy(p.list.msg_ids[1], "FFFFFFFF");
		}
		check_roundtrip(&p);
		spot_check(&p);
	}
}

static void test_roundtrip_payload(void **state)
{
	static uint8_t big[65535];
	static struct smpp_pdu p;

	(void)state;
	memset(big, 'z', sizeof(big));
	fill_common(&p, SMPP_DATA_SM);
	p.tlv.message_payload.p = big;
	p.tlv.message_payload.len = 65535;
	smpp_tlv_set(&p.tlv, SMPP_TI_MESSAGE_PAYLOAD);
	p.tlv.network_error_code = (struct smpp_network_error){ 3, 0x1234 };
	smpp_tlv_set(&p.tlv, SMPP_TI_NETWORK_ERROR_CODE);
	strcpy(p.tlv.receipted_message_id, "abc");
	smpp_tlv_set(&p.tlv, SMPP_TI_RECEIPTED_MESSAGE_ID);
	smpp_tlv_set(&p.tlv, SMPP_TI_ALERT_ON_MESSAGE_DELIVERY);
	p.tlv.qos_time_to_live = 0xDEADBEEF;
	smpp_tlv_set(&p.tlv, SMPP_TI_QOS_TIME_TO_LIVE);
	check_roundtrip(&p);
	assert_int_equal(pdu2.tlv.message_payload.len, 65535);
	assert_int_equal(pdu2.tlv.qos_time_to_live, 0xDEADBEEF);
	assert_int_equal(pdu2.tlv.network_error_code.code, 0x1234);
	assert_true(smpp_tlv_has(&pdu2.tlv, SMPP_TI_ALERT_ON_MESSAGE_DELIVERY));
	/* A too-small buffer. */
	assert_int_equal(smpp_pdu_encode(&p, 0, out, 1000), SMPP_PDU_ENOSPACE);
	assert_int_equal(smpp_pdu_encode(&p, 0, out, 15), SMPP_PDU_ENOSPACE);
	/* A receipted_message_id without its NUL is accepted. */
	assert_int_equal(smpp_pdu_decode((const uint8_t *)
		"\0\0\0\x17\0\0\0\x15\0\0\0\0\0\0\0\x01\0\x1e\0\x03" "abc", 23,
		&pdu2, 0, NULL), 23);
	assert_string_equal(pdu2.tlv.receipted_message_id, "abc");
}

static void test_make_resp(void **state)
{
	static struct smpp_pdu req, resp;
	long e;

	(void)state;
	fill_common(&req, SMPP_SUBMIT_SM);
	req.sequence_number = 0x7FFFFFFF;
	assert_int_equal(smpp_pdu_make_resp(&req, SMPP_ESME_ROK, &resp), 0);
	assert_int_equal(resp.command_id, SMPP_SUBMIT_SM_RESP);
	assert_int_equal(resp.sequence_number, 0x7FFFFFFF);
	strcpy(resp.message_id, "5F3A9C01");
	resp.sequence_number = 4;
	e = smpp_pdu_encode(&resp, 0, out, sizeof(out));
	unhex(vec_hex("B7"), buf, sizeof(buf));
	assert_int_equal(e, 25);
	assert_memory_equal(out, buf, 25);
	req.command_id = SMPP_OUTBIND;
	assert_int_equal(smpp_pdu_make_resp(&req, 0, &resp), -1);
	req.command_id = SMPP_SUBMIT_SM_RESP;
	assert_int_equal(smpp_pdu_make_resp(&req, 0, &resp), -1);
	resp.command_id = 0x110;
	assert_int_equal(smpp_pdu_encode(&resp, 0, out, sizeof(out)), SMPP_PDU_EINVAL);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(smpp_command_name(SMPP_SUBMIT_SM), "submit_sm");
	assert_string_equal(smpp_command_name(SMPP_GENERIC_NACK), "generic_nack");
	assert_string_equal(smpp_command_name(0x110), "unknown");
	assert_string_equal(smpp_status_name(SMPP_ESME_RTHROTTLED), "ESME_RTHROTTLED");
	assert_string_equal(smpp_status_name(0), "ESME_ROK");
	assert_string_equal(smpp_status_name(0x09), "unknown");
	assert_string_equal(smpp_tlv_name(SMPP_TAG_MESSAGE_PAYLOAD), "message_payload");
	assert_string_equal(smpp_tlv_name(0x1402), "unknown");
	assert_int_equal(SMPP_TAG_RECEIPTED_MESSAGE_ID, 0x001E);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_reencode),
		cmocka_unit_test(test_submit_vectors),
		cmocka_unit_test(test_resp_vectors),
		cmocka_unit_test(test_bind_vectors),
		cmocka_unit_test(test_receipt_vectors),
		cmocka_unit_test(test_unknown_command),
		cmocka_unit_test(test_frame),
		cmocka_unit_test(test_field_limits),
		cmocka_unit_test(test_tlv_errors),
		cmocka_unit_test(test_unknown_tlvs),
		cmocka_unit_test(test_every_tlv),
		cmocka_unit_test(test_all_tlvs_in_one_pdu),
		cmocka_unit_test(test_v33),
		cmocka_unit_test(test_roundtrip_all),
		cmocka_unit_test(test_roundtrip_payload),
		cmocka_unit_test(test_make_resp),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
