/*
 * Unit tests for shared/codec/sms_split: coding choice, the 160/153/152,
 * 140/134/133 and 70/67/66 limits one below, at and one above, ESC pairs and
 * surrogate pairs at part boundaries, 255 / 256 parts, SAR, message_payload and
 * binary data with a caller's UDH.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "shared/codec/sms_split.h"

#define BIG (SMS_SPLIT_MAX_INPUT + 1)

static uint8_t text[BIG];
static struct sms_part parts[SMS_SPLIT_MAX_PARTS];

/* Fills text with n copies of the UTF-8 character c; returns the length. */
static size_t rep(const char *c, size_t n)
{
	size_t l = strlen(c);

	for (size_t i = 0; i < n; i++)
		memcpy(text + i * l, c, l);
	return n * l;
}

static int info_of(size_t len, const struct sms_split_opts *o,
		   struct sms_split_info *info)
{
	return sms_split_info(text, len, o, info, NULL);
}

static void test_limits_gsm7(void **state)
{
	static const struct {
		size_t n;
		enum sms_concat m;
		unsigned parts;
	} v[] = {
		{ 0, SMS_CONCAT_UDH8, 1 },	{ 160, SMS_CONCAT_UDH8, 1 },
		{ 161, SMS_CONCAT_UDH8, 2 },	{ 306, SMS_CONCAT_UDH8, 2 },
		{ 307, SMS_CONCAT_UDH8, 3 },	{ 161, SMS_CONCAT_UDH16, 2 },
		{ 304, SMS_CONCAT_UDH16, 2 },	{ 305, SMS_CONCAT_UDH16, 3 },
		{ 306, SMS_CONCAT_SAR, 2 },	{ 307, SMS_CONCAT_SAR, 3 },
	};
	struct sms_split_opts o = { 0 };
	struct sms_split_info info;

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		o.method = v[i].m;
		assert_int_equal(info_of(rep("a", v[i].n), &o, &info), 0);
		assert_int_equal(info.coding, SMS_CODING_GSM7);
		assert_int_equal(info.units, v[i].n);
		assert_int_equal(info.parts, v[i].parts);
	}
	/* Extension characters count 2: 80 '{' = 160 septets, 81 = 162. */
	o.method = SMS_CONCAT_UDH8;
	assert_int_equal(info_of(rep("{", 80), &o, &info), 0);
	assert_int_equal(info.units, 160);
	assert_int_equal(info.parts, 1);
	assert_int_equal(info_of(rep("{", 81), &o, &info), 0);
	assert_int_equal(info.parts, 2);
}

static void test_limits_ucs2(void **state)
{
	static const struct {
		size_t n;
		enum sms_concat m;
		unsigned parts;
	} v[] = {
		{ 70, SMS_CONCAT_UDH8, 1 },	{ 71, SMS_CONCAT_UDH8, 2 },
		{ 134, SMS_CONCAT_UDH8, 2 },	{ 135, SMS_CONCAT_UDH8, 3 },
		{ 132, SMS_CONCAT_UDH16, 2 },	{ 133, SMS_CONCAT_UDH16, 3 },
	};
	struct sms_split_opts o = { 0 };
	struct sms_split_info info;

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		o.method = v[i].m;
		assert_int_equal(info_of(rep("\xD0\x96", v[i].n), &o, &info), 0);
		assert_int_equal(info.coding, SMS_CODING_UCS2);
		assert_int_equal(info.units, v[i].n);
		assert_int_equal(info.parts, v[i].parts);
	}
}

static void test_coding_choice(void **state)
{
	struct sms_split_opts o = { 0 };
	struct sms_split_info info;
	size_t off = 0;
	int n;

	(void)state;
	memcpy(text, "caf\xC3\xA9`", 6);	/* é is GSM, backtick is not */
	assert_int_equal(info_of(6, &o, &info), 0);
	assert_int_equal(info.coding, SMS_CODING_UCS2);
	assert_int_equal(info.units, 5);
	o.substitute = true;
	assert_int_equal(info_of(6, &o, &info), 0);
	assert_int_equal(info.coding, SMS_CODING_GSM7);
	n = sms_split_text(text, 6, &o, parts, 1, NULL, NULL);
	assert_int_equal(n, 1);
	assert_memory_equal(parts[0].data, "caf\x05?", 5);
	o = (struct sms_split_opts){ .coding = SMS_CODING_LATIN1 };
	assert_int_equal(info_of(6, &o, &info), 0);
	assert_int_equal(info.coding, SMS_CODING_LATIN1);
	assert_int_equal(info.units, 5);
	o.coding = SMS_CODING_UCS2;
	assert_int_equal(info_of(rep("a", 3), &o, &info), 0);
	assert_int_equal(info.coding, SMS_CODING_UCS2);
	o.coding = SMS_CODING_8BIT;
	assert_int_equal(info_of(3, &o, &info), SMS_SPLIT_E_ARG);
	o.coding = SMS_CODING_GSM7;
	memcpy(text, "abc\xC3", 4);
	assert_int_equal(sms_split_info(text, 4, &o, &info, &off), SMS_SPLIT_E_UTF8);
	assert_int_equal(off, 3);
	/* Invalid UTF-8 after an unmappable character still reports its offset. */
	memcpy(text, "\xE2\x98\x83x\xFF", 5);
	assert_int_equal(sms_split_info(text, 5, &o, &info, &off), SMS_SPLIT_E_UTF8);
	assert_int_equal(off, 4);
}

static void test_split_udh8(void **state)
{
	struct sms_split_opts o = { .ref = 0x2A };
	struct sms_split_info info;
	size_t len = rep("a", 161);
	int n;

	(void)state;
	n = sms_split_text(text, len, &o, parts, SMS_SPLIT_MAX_PARTS, &info, NULL);
	assert_int_equal(n, 2);
	assert_int_equal(parts[0].udh_len, 6);
	assert_memory_equal(parts[0].data, "\x05\x00\x03\x2A\x02\x01", 6);
	assert_memory_equal(parts[1].data, "\x05\x00\x03\x2A\x02\x02", 6);
	assert_int_equal(parts[0].len, 6 + 153);
	assert_int_equal(parts[0].units, 153);
	assert_int_equal(parts[1].len, 6 + 8);
	assert_int_equal(parts[1].seq, 2);
	assert_int_equal(parts[1].total, 2);
	/* One part array too small. */
	assert_int_equal(sms_split_text(text, len, &o, parts, 1, NULL, NULL),
			 SMS_SPLIT_E_SPACE);
	/* 160 fits one SMS without UDH. */
	n = sms_split_text(text, 160, &o, parts, 1, NULL, NULL);
	assert_int_equal(n, 1);
	assert_int_equal(parts[0].udh_len, 0);
	assert_int_equal(parts[0].len, 160);
	/* Empty text: one empty part. */
	n = sms_split_text(text, 0, &o, parts, 1, NULL, NULL);
	assert_int_equal(n, 1);
	assert_int_equal(parts[0].len, 0);
	assert_int_equal(parts[0].total, 1);
}

static void test_split_udh16(void **state)
{
	struct sms_split_opts o = { .ref = 0x0180, .method = SMS_CONCAT_UDH16 };
	size_t len = rep("\xD0\x96", 67);
	int n;

	(void)state;
	n = sms_split_text(text, len + rep("a", 0), &o, parts, 255, NULL, NULL);
	assert_int_equal(n, 1);	/* 67 UCS-2 units: single */
	len = rep("\xD0\x96", 71);
	n = sms_split_text(text, len, &o, parts, 255, NULL, NULL);
	assert_int_equal(n, 2);
	assert_memory_equal(parts[0].data, "\x06\x08\x04\x01\x80\x02\x01", 7);
	assert_int_equal(parts[0].units, 66);
	assert_int_equal(parts[0].len, 7 + 132);
	assert_int_equal(parts[1].units, 5);
}

static void test_escape_at_boundary(void **state)
{
	struct sms_split_opts o = { 0 };
	size_t len = rep("a", 152);
	int n;

	(void)state;
	memcpy(text + len, "{", 1);	/* septets 153-154 */
	len += 1;
	len += rep("b", 0);
	memset(text + len, 'b', 20);
	len += 20;
	n = sms_split_text(text, len, &o, parts, 255, NULL, NULL);
	assert_int_equal(n, 2);
	assert_int_equal(parts[0].units, 152);
	assert_int_equal(parts[0].data[6 + 151], 'a');
	assert_int_equal(parts[1].data[6], 0x1B);
	assert_int_equal(parts[1].data[7], 0x28);
	assert_int_equal(parts[1].units, 22);
	/* 153 'a' then '{': the pair starts part 2 exactly. */
	len = rep("a", 153);
	memcpy(text + len, "{bbbbbbbbbb", 11);
	n = sms_split_text(text, len + 11, &o, parts, 255, NULL, NULL);
	assert_int_equal(n, 2);
	assert_int_equal(parts[0].units, 153);
	assert_int_equal(parts[1].data[6], 0x1B);
}

static void test_surrogate_at_boundary(void **state)
{
	struct sms_split_opts o = { 0 };
	size_t len = rep("\xD0\x96", 66);
	int n;

	(void)state;
	memcpy(text + len, "\xF0\x9F\x98\x80", 4);	/* units 67-68 */
	len += 4;
	memcpy(text + len, "\xD0\x96\xD0\x96\xD0\x96\xD0\x96", 8);
	len += 8;
	n = sms_split_text(text, len, &o, parts, 255, NULL, NULL);
	assert_int_equal(n, 2);
	assert_int_equal(parts[0].units, 66);
	assert_int_equal(parts[0].len, 6 + 132);
	assert_memory_equal(parts[1].data + 6, "\xD8\x3D\xDE\x00\x04\x16", 6);
	assert_int_equal(parts[1].units, 6);
}

static void test_max_parts(void **state)
{
	struct sms_split_opts o = { 0 };
	struct sms_split_info info;
	int n;

	(void)state;
	n = sms_split_text(text, rep("a", 153 * 255), &o, parts, 255, &info, NULL);
	assert_int_equal(n, 255);
	assert_int_equal(parts[254].seq, 255);
	assert_int_equal(parts[254].units, 153);
	assert_int_equal(sms_split_text(text, rep("a", 153 * 255 + 1), &o, parts, 255,
					&info, NULL), SMS_SPLIT_E_TOO_LONG);
	assert_int_equal(info.parts, 256);
	assert_int_equal(sms_split_info(text, rep("a", 153 * 256 * 3), &o, &info, NULL),
			 SMS_SPLIT_E_TOO_LONG);
	o.max_parts = 3;
	assert_int_equal(sms_split_text(text, rep("a", 459), &o, parts, 255, NULL,
					NULL), 3);
	assert_int_equal(sms_split_text(text, rep("a", 460), &o, parts, 255, NULL,
					NULL), SMS_SPLIT_E_TOO_LONG);
	o.max_parts = 0;
	assert_int_equal(sms_split_info(text, SMS_SPLIT_MAX_INPUT + 1, &o, &info, NULL),
			 SMS_SPLIT_E_TOO_LONG);
	o.max_parts = 256;
	assert_int_equal(sms_split_info(text, 1, &o, &info, NULL), SMS_SPLIT_E_ARG);
}

static void test_sar(void **state)
{
	struct sms_split_opts o = { .method = SMS_CONCAT_SAR, .ref = 0x1234 };
	int n;

	(void)state;
	n = sms_split_text(text, rep("x", 200), &o, parts, 255, NULL, NULL);
	assert_int_equal(n, 2);
	assert_int_equal(parts[0].udh_len, 0);
	assert_int_equal(parts[0].len, 153);
	assert_int_equal(parts[1].len, 47);
	assert_int_equal(parts[1].ref, 0x1234);
	assert_int_equal(parts[1].total, 2);
	assert_int_equal(parts[1].seq, 2);
	o.method = SMS_CONCAT_PAYLOAD;
	assert_int_equal(sms_split_text(text, 3, &o, parts, 255, NULL, NULL),
			 SMS_SPLIT_E_ARG);
}

static void test_payload(void **state)
{
	static uint8_t out[4000];
	struct sms_split_opts o = { .payload_cap = 2000 };
	struct sms_split_info info;
	size_t len = rep("\xD0\x96", 1000);

	(void)state;
	assert_int_equal(sms_split_payload(text, len, &o, out, sizeof(out), &info, NULL),
			 2000);
	assert_int_equal(info.parts, 1);
	assert_int_equal(info.coding, SMS_CODING_UCS2);
	assert_memory_equal(out, "\x04\x16", 2);
	assert_int_equal(sms_split_payload(text, len + 2, &o, out, sizeof(out), &info,
					   NULL), SMS_SPLIT_E_TOO_LONG);
	assert_int_equal(sms_split_payload(text, len, &o, out, 1999, NULL, NULL),
			 SMS_SPLIT_E_SPACE);
	o.payload_cap = 0;
	assert_int_equal(sms_split_payload(text, rep("{", 600), &o, out, sizeof(out),
					   &info, NULL), 1200);
	assert_int_equal(info.coding, SMS_CODING_GSM7);
	assert_int_equal(out[0], 0x1B);
}

/* A part the sender concatenated: its UDH is kept, the text must fit the rest. */
static void test_text_udh(void **state)
{
	static const uint8_t c8[] = { 0x05, 0x00, 0x03, 0x2A, 0x03, 0x02 };
	static const uint8_t c16[] = { 0x06, 0x08, 0x04, 0x12, 0x34, 0x02, 0x01 };
	static const uint8_t bad[] = { 0x05, 0x00, 0x03, 0x2A };
	struct sms_split_opts o = { .coding = SMS_CODING_GSM7 };
	struct sms_split_info info;
	struct sms_part pt;
	size_t len, off = 0;

	(void)state;
	len = rep("a", 153);
	assert_int_equal(sms_split_text_udh(text, len, &o, c8, sizeof(c8), &pt, &info,
					    NULL), 1);
	assert_int_equal(info.coding, SMS_CODING_GSM7);
	assert_int_equal(pt.udh_len, 6);
	assert_memory_equal(pt.data, c8, 6);
	assert_int_equal(pt.len, 6 + 153);
	assert_int_equal(pt.units, 153);
	assert_int_equal(pt.ref, 0x2A);
	assert_int_equal(pt.total, 3);
	assert_int_equal(pt.seq, 2);
	len = rep("a", 154);
	assert_int_equal(sms_split_text_udh(text, len, &o, c8, sizeof(c8), &pt, &info,
					    NULL), SMS_SPLIT_E_TOO_LONG);
	assert_int_equal(info.units, 154);
	/* An ESC pair that would end one septet over does not fit. */
	len = rep("a", 152);
	memcpy(text + len, "\xE2\x82\xAC", 3);	/* € = ESC 0x65 */
	assert_int_equal(sms_split_text_udh(text, len + 3, &o, c8, sizeof(c8), &pt,
					    NULL, NULL), SMS_SPLIT_E_TOO_LONG);
	/* 16-bit reference: 7 octets = 8 septets of the 160. */
	len = rep("a", 152);
	assert_int_equal(sms_split_text_udh(text, len, &o, c16, sizeof(c16), &pt, NULL,
					    NULL), 1);
	assert_memory_equal(pt.data, c16, 7);
	assert_int_equal(pt.ref, 0x1234);
	assert_int_equal(pt.seq, 1);
	len = rep("a", 153);
	assert_int_equal(sms_split_text_udh(text, len, &o, c16, sizeof(c16), &pt, NULL,
					    NULL), SMS_SPLIT_E_TOO_LONG);
	/* Not GSM: UCS-2, 67 units beside a 6-octet UDH (134 octets). */
	len = rep("\xD0\x96", 67);	/* Ж */
	assert_int_equal(sms_split_text_udh(text, len, &o, c8, sizeof(c8), &pt, &info,
					    NULL), 1);
	assert_int_equal(info.coding, SMS_CODING_UCS2);
	assert_int_equal(pt.len, 6 + 134);
	assert_memory_equal(pt.data + 6, "\x04\x16", 2);
	len = rep("\xD0\x96", 68);
	assert_int_equal(sms_split_text_udh(text, len, &o, c8, sizeof(c8), &pt, NULL,
					    NULL), SMS_SPLIT_E_TOO_LONG);
	/* No concat IE: 1 of 1. Bad or missing UDH, bad UTF-8. */
	assert_int_equal(sms_split_text_udh(text, 2, &o, (const uint8_t *)"\x00", 1,
					    &pt, NULL, NULL), 1);
	assert_int_equal(pt.total, 1);
	assert_int_equal(pt.seq, 1);
	assert_int_equal(sms_split_text_udh(text, 2, &o, bad, sizeof(bad), &pt, NULL,
					    NULL), SMS_SPLIT_E_ARG);
	assert_int_equal(sms_split_text_udh(text, 2, &o, NULL, 0, &pt, NULL, NULL),
			 SMS_SPLIT_E_ARG);
	assert_int_equal(sms_split_text_udh((const uint8_t *)"ab\xC3", 3, &o, c8,
					    sizeof(c8), &pt, NULL, &off),
			 SMS_SPLIT_E_UTF8);
	assert_int_equal(off, 2);
}

static void test_binary(void **state)
{
	static const uint8_t ports[] = { 0x06, 0x05, 0x04, 0x0B, 0x84, 0x23, 0xF0 };
	static const uint8_t bad[] = { 0x06, 0x05, 0x04, 0x0B };
	struct sms_split_opts o = { .ref = 9 };
	struct sms_split_info info;
	uint8_t data[300];
	int n;

	(void)state;
	for (int i = 0; i < 300; i++)
		data[i] = (uint8_t)i;
	assert_int_equal(sms_split_binary(data, 140, NULL, 0, &o, parts, 255, &info), 1);
	assert_int_equal(parts[0].len, 140);
	assert_int_equal(sms_split_binary(data, 141, NULL, 0, &o, parts, 255, &info), 2);
	assert_int_equal(parts[0].len, 140);
	assert_int_equal(parts[1].len, 6 + 7);
	o.method = SMS_CONCAT_UDH16;
	assert_int_equal(sms_split_binary(data, 266, NULL, 0, &o, parts, 255, NULL), 2);
	assert_int_equal(sms_split_binary(data, 267, NULL, 0, &o, parts, 255, NULL), 3);
	o.method = SMS_CONCAT_UDH8;
	n = sms_split_binary(data, 133, ports, sizeof(ports), &o, parts, 255, NULL);
	assert_int_equal(n, 1);
	assert_int_equal(parts[0].udh_len, 7);
	assert_memory_equal(parts[0].data, ports, 7);
	assert_int_equal(parts[0].len, 140);
	n = sms_split_binary(data, 134, ports, sizeof(ports), &o, parts, 255, NULL);
	assert_int_equal(n, 2);
	assert_int_equal(parts[0].udh_len, 12);
	assert_memory_equal(parts[0].data,
			    "\x0B\x05\x04\x0B\x84\x23\xF0\x00\x03\x09\x02\x01", 12);
	assert_int_equal(parts[0].len, 140);
	assert_int_equal(parts[1].len, 12 + 6);
	assert_memory_equal(parts[1].data + 12, data + 128, 6);
	assert_int_equal(sms_split_binary(data, 10, bad, sizeof(bad), &o, parts, 255,
					  NULL), SMS_SPLIT_E_ARG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limits_gsm7),
		cmocka_unit_test(test_limits_ucs2),
		cmocka_unit_test(test_coding_choice),
		cmocka_unit_test(test_split_udh8),
		cmocka_unit_test(test_split_udh16),
		cmocka_unit_test(test_escape_at_boundary),
		cmocka_unit_test(test_surrogate_at_boundary),
		cmocka_unit_test(test_max_parts),
		cmocka_unit_test(test_sar),
		cmocka_unit_test(test_payload),
		cmocka_unit_test(test_binary),
		cmocka_unit_test(test_text_udh),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
