/*
 * Unit tests for shared/codec/tpdu: every protocols.md §5.1 vector (P1-P13)
 * decoded field by field, the SUBMIT ones also encoded byte for byte, the
 * component vectors (semi-octets, alphanumeric addresses, timestamps, VP), DCS,
 * TP-ST meanings, hex helpers, truncation at every length, and round trips.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "shared/codec/concat.h"
#include "shared/codec/gsm7.h"
#include "shared/codec/sms_split.h"
#include "shared/codec/tpdu.h"
#include "shared/codec/ucs2.h"

#define P1 "0011000B916407281553F80000AA0AE8329BFD4697D9EC37"
#define P2 "07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37"
#define P3 "07911326040000F0310D0B911326880736F40000A90FF7FBDD454E87CDE1B0DB357EB701"
#define P4 "06917228195339040B917228214365F700003130805120618005D4F29C2E03"
#define P5 "0006D60B911326880736F4111011719551401110117195714000"
#define P6 "07915892000000F0040B915892214365F700007040213252242331493A283D0795C3F33C88" \
	"FE06C9CB6132885EC6D341EDF27C1E3E97E7207B3A0C0A5241E377BB1D7693E72E"
#define P7 "06917228195339040B917228214365F70000313062315352800A800D8A5E98D337A910"
#define P8 "0591721891F1400781721881F800003160526104848059050003C30101916536FB1DCABEEB" \
	"2074D85E064941B19CAB060319A5C522289C96D3D3ED32286C0FA7D96131BBEC024941B19C" \
	"AB0603DDD36C36A88C87A7E565D0DB0D82C55EB0DB4B068BCD5C20"
#define P9 "0045000B915121551532F40000A0050003000301986F79B90D4AC3E7F53688FC66BFE5A0" \
	"799A0E0AB7CB741668FC76CFCB637A995E9783C2E4343C3D4F8FD3EE33A8CC4ED359A07999" \
	"0C22BF41E5747DDE7E9341F4721BFE9683D2EE719A9C26D7DD74509D0E6287C56F791954A6" \
	"83C86FF65B5E06B5C36777181466A7E3F5B0AB4A0795DDE936284C06B5D3EE741B642FBBD3" \
	"E1360B14AFA7DD"
#define P10 "07914346466554F601000B914316565811F9000806304253F68449"
#define P11 "0591721891F101000B917228214365F700040C48656C6C6F20776F726C6421"
#define P12 "0001000B917228001011F100000CC8329BFD065DDF72363904"
#define P13 "0297F1061C0F910B487228297020F5317062419272803170624192138000"

static uint8_t buf[TPDU_MAX + 64];
static struct tpdu t;

static size_t hex(const char *h)
{
	int n = tpdu_hex_decode(h, strlen(h), buf, sizeof(buf));

	assert_true(n > 0);
	return (size_t)n;
}

static void decode_ok(const char *h, enum tpdu_type type)
{
	size_t n = hex(h);

	assert_int_equal(tpdu_decode(buf, n, &t), (int)n);
	assert_int_equal(t.type, type);
	assert_int_equal(t.sca_len + t.tpdu_len, n);
}

static void assert_time(const struct tpdu_time *tm, unsigned y, unsigned mo,
			unsigned d, unsigned h, unsigned mi, unsigned s, int q)
{
	assert_true(tm->valid);
	assert_int_equal(tm->year, y);
	assert_int_equal(tm->month, mo);
	assert_int_equal(tm->day, d);
	assert_int_equal(tm->hour, h);
	assert_int_equal(tm->minute, mi);
	assert_int_equal(tm->second, s);
	assert_int_equal(tm->tz_quarters, q);
}

/* Encodes s and compares with the hex vector; checks the +CMGS length. */
static void encode_eq(const struct tpdu_submit *s, const char *h, size_t cmgs)
{
	uint8_t out[TPDU_MAX];
	size_t n = hex(h), tl = 0;

	assert_int_equal(tpdu_submit_encode(s, out, sizeof(out), &tl), (int)n);
	assert_memory_equal(out, buf, n);
	assert_int_equal(tl, cmgs);
	/* One octet short of the room it needs. */
	assert_int_equal(tpdu_submit_encode(s, out, n - 1, NULL), TPDU_E_SPACE);
}

static size_t septets(const char *text, uint8_t *out)
{
	int n = gsm7_from_utf8((const uint8_t *)text, strlen(text), 0, out, 160, NULL);

	assert_true(n >= 0);
	return (size_t)n;
}

static void test_p1_p3_p12_submit(void **state)
{
	uint8_t s1[160], s3[160], s12[160];
	struct tpdu_submit p1 = { .da = "+46708251358", .vpf = TPDU_VPF_RELATIVE,
				  .vp = 0xAA, .ud = s1 };
	struct tpdu_submit p3 = { .smsc = "+31624000000", .mr = 13, .srr = true,
				  .da = "+31628870634", .vpf = TPDU_VPF_RELATIVE,
				  .vp = 0xA9, .ud = s3 };
	struct tpdu_submit p12 = { .smsc = "", .da = "+27820001111", .ud = s12 };

	(void)state;
	p1.ud_len = septets("hellohello", s1);
	p3.ud_len = septets("www.diafaan.com", s3);
	p12.ud_len = septets("Hello World!", s12);
	encode_eq(&p1, P1, 23);
	encode_eq(&p3, P3, 28);
	encode_eq(&p12, P12, 24);

	decode_ok(P1, TPDU_SUBMIT);
	assert_int_equal(t.first, 0x11);
	assert_int_equal(t.vpf, TPDU_VPF_RELATIVE);
	assert_int_equal(t.vp, 0xAA);
	assert_int_equal(tpdu_vp_minutes(t.vp), 4 * 1440);
	assert_string_equal(t.addr.text, "+46708251358");
	assert_int_equal(t.udl, 10);
	assert_string_equal(t.text, "hellohello");
	assert_int_equal(t.tpdu_len, 23);

	decode_ok(P3, TPDU_SUBMIT);
	assert_string_equal(t.sca.text, "+31624000000");
	assert_int_equal(t.sca.toa, 0x91);
	assert_true(t.srr);
	assert_false(t.rd || t.udhi || t.rp);
	assert_int_equal(t.mr, 13);
	assert_string_equal(t.addr.text, "+31628870634");
	assert_int_equal(tpdu_vp_minutes(t.vp), 3 * 1440);
	assert_string_equal(t.text, "www.diafaan.com");
	assert_int_equal(t.tpdu_len, 28);

	decode_ok(P12, TPDU_SUBMIT);
	assert_int_equal(t.vpf, TPDU_VPF_NONE);
	assert_string_equal(t.addr.text, "+27820001111");
	assert_string_equal(t.text, "Hello World!");
}

static void test_p10_p11_submit(void **state)
{
	static const uint8_t jp[] = { 0x30, 0x42, 0x53, 0xF6, 0x84, 0x49 };
	struct tpdu_submit p10 = { .smsc = "+34646456456", .da = "+34616585119",
				   .dcs = 0x08, .ud = jp, .ud_len = 6 };
	struct tpdu_submit p11 = { .smsc = "+2781191", .da = "+27821234567",
				   .dcs = 0x04, .ud = (const uint8_t *)"Hello world!",
				   .ud_len = 12 };

	(void)state;
	encode_eq(&p10, P10, 19);
	encode_eq(&p11, P11, 25);
	decode_ok(P10, TPDU_SUBMIT);
	assert_int_equal(t.alphabet, TPDU_UCS2);
	assert_int_equal(t.udl, 6);
	assert_string_equal(t.text, "\xE3\x81\x82\xE5\x8F\xB6\xE8\x91\x89");
	decode_ok(P11, TPDU_SUBMIT);
	assert_string_equal(t.sca.text, "+2781191");
	assert_int_equal(t.alphabet, TPDU_8BIT);
	assert_int_equal(t.data_len, 12);
	assert_memory_equal(t.data, "Hello world!", 12);
	assert_int_equal(t.text_len, 0);
}

static void test_p9_concat_submit(void **state)
{
	static const uint8_t udh[] = { 0x05, 0x00, 0x03, 0x00, 0x03, 0x01 };
	struct tpdu_submit s = { .smsc = "", .rd = true, .da = "+15125551234",
				 .udh = udh, .udh_len = 6 };
	uint8_t sept[160];

	(void)state;
	decode_ok(P9, TPDU_SUBMIT);
	assert_int_equal(t.first, 0x45);
	assert_true(t.rd && t.udhi);
	assert_int_equal(t.udl, 160);
	assert_true(t.has_udh);
	assert_true(t.udh.has_concat);
	assert_int_equal(t.udh.concat_ref, 0);
	assert_int_equal(t.udh.concat_total, 3);
	assert_int_equal(t.udh.concat_seq, 1);
	assert_int_equal(t.data_len, 153);
	assert_int_equal(t.tpdu_len, 153);
	assert_int_equal(strncmp(t.text, "Lorem ipsum dolor sit amet, ", 28), 0);
	/* Re-encode the decoded text: the same octets, fill bit included. */
	memcpy(sept, t.data, t.data_len);
	s.ud = sept;
	s.ud_len = t.data_len;
	encode_eq(&s, P9, 153);
}

static void test_deliver_vectors(void **state)
{
	(void)state;
	decode_ok(P2, TPDU_DELIVER);
	assert_string_equal(t.sca.text, "+27381000015");
	assert_int_equal(t.addr.toa, 0xC8);
	assert_string_equal(t.addr.text, "27838890001");
	assert_time(&t.scts, 1999, 3, 29, 15, 16, 59, 8);
	assert_string_equal(t.text, "hellohello");

	decode_ok(P4, TPDU_DELIVER);
	assert_string_equal(t.sca.text, "+2782913593");
	assert_true(t.mms);
	assert_false(t.sri || t.udhi || t.rp);
	assert_string_equal(t.addr.text, "+27821234567");
	assert_int_equal(t.pid, 0);
	assert_int_equal(t.dcs, 0);
	assert_int_equal(t.msg_class, -1);
	assert_time(&t.scts, 2013, 3, 8, 15, 2, 16, 8);
	assert_int_equal(t.udl, 5);
	assert_string_equal(t.text, "Test2");
	assert_int_equal(t.tpdu_len, 24);

	decode_ok(P6, TPDU_DELIVER);
	assert_string_equal(t.sca.text, "+85290000000");
	assert_string_equal(t.addr.text, "+85291234567");
	assert_time(&t.scts, 2007, 4, 12, 23, 25, 42, 32);
	assert_int_equal(t.udl, 49);
	assert_string_equal(t.text, "It is easy to read text messages via AT commands.");

	decode_ok(P7, TPDU_DELIVER);
	assert_string_equal(t.text, "@{t\xC3\xA9st}!");
	assert_int_equal(t.data[0], 0x00);
	assert_int_equal(t.data[1], 0x1B);

	decode_ok(P8, TPDU_DELIVER);
	assert_int_equal(t.first, 0x40);
	assert_false(t.mms);
	assert_int_equal(t.addr.toa, 0x81);
	assert_string_equal(t.addr.text, "2781188");
	assert_true(t.has_udh && t.udh.has_concat);
	assert_int_equal(t.udh.concat_ref, 0xC3);
	assert_int_equal(t.udh.concat_total, 1);
	assert_int_equal(t.udh.concat_seq, 1);
	assert_string_equal(t.text, "Hello!You have R 19.50 FREE airtime available. "
			    "R 19.50 will expire on 01/07/2013. ");
	assert_int_equal(tpdu_deliver_decode(buf, hex(P5), &t), TPDU_E_MTI);
}

static void test_status_reports(void **state)
{
	size_t n;

	(void)state;
	n = hex(P5);
	assert_int_equal(tpdu_status_report_decode(buf, n, &t), (int)n);
	assert_int_equal(t.sca_len, 1);
	assert_string_equal(t.sca.text, "");
	assert_true(t.mms);
	assert_false(t.srq);
	assert_int_equal(t.mr, 214);
	assert_string_equal(t.addr.text, "+31628870634");
	assert_time(&t.scts, 2011, 1, 11, 17, 59, 15, 4);
	assert_time(&t.dt, 2011, 1, 11, 17, 59, 17, 4);
	assert_int_equal(t.st, 0);
	assert_int_equal(t.pi, 0);
	assert_int_equal(t.tpdu_len, 25);
	assert_int_equal(tpdu_status_class(t.st), TPDU_ST_DELIVERED);
	assert_string_equal(tpdu_status_text(t.st), "received by the SME");
	assert_string_equal(tpdu_status_stat(t.st), "DELIVRD");
	/* P13: malformed capture; must decode or fail cleanly. */
	n = hex(P13);
	(void)tpdu_decode(buf, n, &t);
	for (size_t k = 0; k < n; k++)
		assert_true(tpdu_decode(buf, k, &t) < 0);
}

static void test_status_tail(void **state)
{
	/* P5 + PI 0x07, PID 00, DCS 00, UDL 2 "hi" (GSM7 packed E8 34). */
	static const char *with_ud = P5 "07" "00" "00" "02" "E834";
	static const char *bad_tail = P5 "04" "FF";
	size_t n;

	(void)state;
	n = hex(with_ud);
	assert_int_equal(tpdu_decode(buf, n, &t), (int)n);
	assert_int_equal(t.pi, 7);
	assert_string_equal(t.text, "hi");
	n = hex(bad_tail);
	assert_int_equal(tpdu_decode(buf, n, &t), (int)n - 1);
	assert_int_equal(t.st, 0);
	assert_int_equal(t.data_len, 0);
}

static void test_status_meanings(void **state)
{
	(void)state;
	assert_int_equal(tpdu_status_class(0x21), TPDU_ST_TEMPORARY);
	assert_string_equal(tpdu_status_text(0x21), "SME busy");
	assert_string_equal(tpdu_status_stat(0x21), "ENROUTE");
	assert_int_equal(tpdu_status_class(0x46), TPDU_ST_PERMANENT);
	assert_string_equal(tpdu_status_text(0x46), "validity period expired");
	assert_string_equal(tpdu_status_stat(0x46), "EXPIRED");
	assert_string_equal(tpdu_status_stat(0x47), "DELETED");
	assert_string_equal(tpdu_status_stat(0x48), "DELETED");
	assert_string_equal(tpdu_status_stat(0x40), "UNDELIV");
	assert_int_equal(tpdu_status_class(0x62), TPDU_ST_TEMP_FINAL);
	assert_string_equal(tpdu_status_text(0x62), "no response from SME");
	assert_string_equal(tpdu_status_stat(0x62), "UNDELIV");
	assert_int_equal(tpdu_status_class(0x80), TPDU_ST_RESERVED);
	assert_string_equal(tpdu_status_text(0xFF), "reserved");
	assert_string_equal(tpdu_status_stat(0x01), "DELIVRD");
	assert_non_null(tpdu_status_text(0x15));
}

static void test_addresses(void **state)
{
	uint8_t out[16];
	struct tpdu_addr a;

	(void)state;
	assert_int_equal(tpdu_addr_encode("15125551234", 0x91, false, out, 16), 8);
	assert_memory_equal(out, "\x0B\x91\x51\x21\x55\x15\x32\xF4", 8);
	assert_int_equal(tpdu_addr_encode("123", 0, false, out, 16), 4);
	assert_memory_equal(out, "\x03\x81\x21\xF3", 4);
	assert_int_equal(tpdu_addr_decode((const uint8_t *)"\x0A\x91\x89\x67\x45\x23\x01",
					  7, false, &a), 7);
	assert_string_equal(a.text, "+9876543210");
	assert_int_equal(tpdu_addr_encode("FRANCOIS", TPDU_TOA_ALPHANUMERIC, false, out,
					  16), 9);
	assert_memory_equal(out, "\x0E\xD0\x46\x69\xD0\x39\x7C\x26\xA7", 9);
	assert_int_equal(tpdu_addr_decode(out, 9, false, &a), 9);
	assert_string_equal(a.text, "FRANCOIS");
	assert_int_equal(tpdu_addr_encode("abc", TPDU_TOA_ALPHANUMERIC, false, out, 16), 5);
	assert_memory_equal(out, "\x06\xD0\x61\xF1\x18", 5);
	assert_int_equal(tpdu_addr_decode(out, 5, false, &a), 5);
	assert_string_equal(a.text, "abc");
	assert_int_equal(tpdu_addr_decode(out, 4, false, &a), TPDU_E_SHORT);
	assert_int_equal(tpdu_addr_encode("*#1", 0x81, false, out, 16), 4);
	assert_int_equal(tpdu_addr_decode(out, 4, false, &a), 4);
	assert_string_equal(a.text, "*#1");
	/* Bad input: letters, 21 digits, empty, no room. */
	assert_int_equal(tpdu_addr_encode("12x", 0, false, out, 16), TPDU_E_ADDR);
	assert_int_equal(tpdu_addr_encode("123456789012345678901", 0, false, out, 16),
			 TPDU_E_ADDR);
	assert_int_equal(tpdu_addr_encode("12345678901234567890", 0, false, out, 16),
			 12);
	assert_int_equal(tpdu_addr_encode("", 0, false, out, 16), TPDU_E_ADDR);
	assert_int_equal(tpdu_addr_encode("+1234", 0, false, out, 3), TPDU_E_SPACE);
	assert_int_equal(tpdu_addr_encode("", 0, true, out, 16), 1);
	assert_int_equal(out[0], 0);
	assert_int_equal(tpdu_addr_decode((const uint8_t *)"\x15\x91", 2, false, &a),
			 TPDU_E_ADDR);
	assert_int_equal(tpdu_addr_decode((const uint8_t *)"\x0C\x91", 2, true, &a),
			 TPDU_E_ADDR);
}

static void test_times_and_vp(void **state)
{
	static const struct tpdu_time a = { 2015, 11, 27, 0, 0, 0, 8, true };
	static const struct tpdu_time b = { 2007, 4, 12, 23, 25, 42, -32, true };
	struct tpdu_time c = a;
	uint8_t out[7];
	struct tpdu_time back;

	(void)state;
	assert_int_equal(tpdu_time_encode(&a, out), 7);
	assert_memory_equal(out, "\x51\x11\x72\x00\x00\x00\x80", 7);
	tpdu_time_decode(out, &back);
	assert_time(&back, 2015, 11, 27, 0, 0, 0, 8);
	assert_int_equal(tpdu_time_encode(&b, out), 7);
	assert_memory_equal(out, "\x70\x40\x21\x32\x52\x24\x2B", 7);
	tpdu_time_decode(out, &back);
	assert_time(&back, 2007, 4, 12, 23, 25, 42, -32);
	c.month = 13;
	assert_int_equal(tpdu_time_encode(&c, out), TPDU_E_ARG);
	tpdu_time_decode((const uint8_t *)"\x51\x1A\x72\x00\x00\x00\x80", &back);
	assert_false(back.valid);

	assert_int_equal(tpdu_vp_from_minutes(30), 5);
	assert_int_equal(tpdu_vp_from_minutes(60), 0x0B);
	assert_int_equal(tpdu_vp_from_minutes(6 * 60), 0x47);
	assert_int_equal(tpdu_vp_from_minutes(16 * 60), 151);
	assert_int_equal(tpdu_vp_from_minutes(24 * 60), 0xA7);
	assert_int_equal(tpdu_vp_from_minutes(3 * 1440), 169);
	assert_int_equal(tpdu_vp_from_minutes(4 * 1440), 0xAA);
	assert_int_equal(tpdu_vp_from_minutes(7 * 1440), 0xAD);
	assert_int_equal(tpdu_vp_from_minutes(5 * 10080), 197);
	assert_int_equal(tpdu_vp_from_minutes(30 * 1440 + 1), 197);
	assert_int_equal(tpdu_vp_from_minutes(63 * 10080), 0xFF);
	assert_int_equal(tpdu_vp_from_minutes(1000000), 0xFF);
	assert_int_equal(tpdu_vp_from_minutes(0), 0);
	assert_int_equal(tpdu_vp_minutes(0xFF), 63 * 10080);
	for (unsigned v = 0; v < 256; v++)
		assert_int_equal(tpdu_vp_from_minutes(tpdu_vp_minutes((uint8_t)v)), v);
}

static void test_dcs(void **state)
{
	(void)state;
	assert_int_equal(tpdu_dcs_alphabet(0x00), TPDU_GSM7);
	assert_int_equal(tpdu_dcs_alphabet(0x04), TPDU_8BIT);
	assert_int_equal(tpdu_dcs_alphabet(0x08), TPDU_UCS2);
	assert_int_equal(tpdu_dcs_alphabet(0x18), TPDU_UCS2);
	assert_int_equal(tpdu_dcs_alphabet(0xF0), TPDU_GSM7);
	assert_int_equal(tpdu_dcs_alphabet(0xF4), TPDU_8BIT);
	assert_int_equal(tpdu_dcs_alphabet(0xE0), TPDU_UCS2);
	assert_int_equal(tpdu_dcs_alphabet(0x24), TPDU_8BIT);	/* compressed */
	assert_int_equal(tpdu_dcs_class(0x00), -1);
	assert_int_equal(tpdu_dcs_class(0x10), 0);
	assert_int_equal(tpdu_dcs_class(0x13), 3);
	assert_int_equal(tpdu_dcs_class(0xF1), 1);
	assert_int_equal(tpdu_dcs_make(TPDU_GSM7, 0), 0x10);
	assert_int_equal(tpdu_dcs_make(TPDU_UCS2, 0), 0x18);
	assert_int_equal(tpdu_dcs_make(TPDU_8BIT, 1), 0x15);
	assert_int_equal(tpdu_dcs_make(TPDU_UCS2, -1), 0x08);
}

static void test_submit_limits(void **state)
{
	static const uint8_t udh16[] = { 0x06, 0x08, 0x04, 0x01, 0x80, 0x02, 0x01 };
	uint8_t sept[161], out[TPDU_MAX];
	struct tpdu_submit s = { .da = "+447700900123", .ud = sept };
	int n;

	(void)state;
	memset(sept, 'a', sizeof(sept));
	s.ud_len = 160;
	n = tpdu_submit_encode(&s, out, sizeof(out), NULL);
	assert_true(n > 0);
	assert_int_equal(tpdu_decode(out, (size_t)n, &t), n);
	assert_int_equal(t.data_len, 160);
	s.ud_len = 161;
	assert_int_equal(tpdu_submit_encode(&s, out, sizeof(out), NULL), TPDU_E_UDL);
	/* 16-bit concat: 152 septets fit, 153 do not; no fill bit. */
	s.udh = udh16;
	s.udh_len = 7;
	s.ud_len = 152;
	n = tpdu_submit_encode(&s, out, sizeof(out), NULL);
	assert_true(n > 0);
	assert_int_equal(tpdu_decode(out, (size_t)n, &t), n);
	assert_int_equal(t.udl, 160);
	assert_int_equal(t.data_len, 152);
	assert_int_equal(t.udh.concat_ref, 384);
	assert_int_equal(out[n - 140 + 7] & 0x7F, 'a');	/* no fill bit */
	s.ud_len = 153;
	assert_int_equal(tpdu_submit_encode(&s, out, sizeof(out), NULL), TPDU_E_UDL);
	/* UCS-2 / 8-bit: 140 octets with the UDH. */
	s.dcs = 0x08;
	s.ud_len = 133;
	assert_true(tpdu_submit_encode(&s, out, sizeof(out), NULL) > 0);
	s.ud_len = 134;
	assert_int_equal(tpdu_submit_encode(&s, out, sizeof(out), NULL), TPDU_E_UDL);
	s.dcs = 0;
	s.udh = NULL;
	s.udh_len = 0;
	s.ud_len = 1;
	sept[0] = 0x80;
	assert_int_equal(tpdu_submit_encode(&s, out, sizeof(out), NULL), TPDU_E_ARG);
	sept[0] = 'a';
	s.udh = udh16;
	s.udh_len = 6;	/* not a whole UDH */
	assert_int_equal(tpdu_submit_encode(&s, out, sizeof(out), NULL), TPDU_E_ARG);
	s.udh_len = 0;
	s.da = "12x";
	assert_int_equal(tpdu_submit_encode(&s, out, sizeof(out), NULL), TPDU_E_ADDR);
	s.da = "+1";
	s.vpf = TPDU_VPF_ENHANCED;
	assert_int_equal(tpdu_submit_encode(&s, out, sizeof(out), NULL), TPDU_E_ARG);
}

static void test_flash_absolute_round_trip(void **state)
{
	static const struct tpdu_time vp = { 2026, 11, 22, 7, 15, 0, -20, true };
	uint8_t sept[16], out[TPDU_MAX];
	struct tpdu_submit s = { .smsc = "+447700900000", .mr = 7, .rp = true,
				 .da = "INFO", .da_toa = TPDU_TOA_ALPHANUMERIC,
				 .pid = 0x40, .dcs = 0x10, .vpf = TPDU_VPF_ABSOLUTE,
				 .vp_abs = vp, .ud = sept };
	int n;

	(void)state;
	s.ud_len = septets("Flash \xE2\x82\xAC!", sept);
	n = tpdu_submit_encode(&s, out, sizeof(out), NULL);
	assert_true(n > 0);
	assert_int_equal(tpdu_decode(out, (size_t)n, &t), n);
	assert_true(t.rp);
	assert_int_equal(t.mr, 7);
	assert_string_equal(t.addr.text, "INFO");
	assert_int_equal(t.pid, 0x40);
	assert_int_equal(t.msg_class, 0);
	assert_int_equal(t.vpf, TPDU_VPF_ABSOLUTE);
	assert_time(&t.vp_abs, 2026, 11, 22, 7, 15, 0, -20);
	assert_string_equal(t.text, "Flash \xE2\x82\xAC!");
}

static void test_truncation(void **state)
{
	static const char *const v[] = { P1, P2, P3, P4, P5, P6, P7, P8, P9, P10,
					  P11, P12 };

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t n = hex(v[i]);

		for (size_t k = 0; k < n; k++)
			assert_true(tpdu_decode(buf, k, &t) < 0);
		assert_int_equal(tpdu_decode(buf, n, &t), (int)n);
	}
	/* MTI 11 is reserved. */
	assert_int_equal(tpdu_decode((const uint8_t *)"\x00\x03", 2, &t), TPDU_E_MTI);
	/* UDL above 160 septets (GSM7) and above 140 octets (UCS-2). */
	memset(buf, 0, sizeof(buf));
	memcpy(buf, "\x00\x04\x03\x81\x21\xF3\x00\x00", 8);
	buf[15] = 161;
	assert_int_equal(tpdu_decode(buf, 16 + 141, &t), TPDU_E_UDL);
	buf[15] = 160;
	assert_int_equal(tpdu_decode(buf, 16 + 140, &t), 16 + 140);
	buf[7] = 0x08;
	assert_int_equal(tpdu_decode(buf, 16 + 160, &t), TPDU_E_UDL);
	buf[15] = 140;
	assert_int_equal(tpdu_decode(buf, 16 + 140, &t), 16 + 140);
	assert_int_equal(t.text_len, 70);	/* 70 x U+0000 */
	/* UDHI with a UDHL that runs past the user data. */
	buf[1] = 0x44;
	buf[15] = 4;
	buf[16] = 5;
	assert_int_equal(tpdu_decode(buf, 20, &t), TPDU_E_UDH);
}

/* sms_split -> SUBMIT per part -> decode -> concat -> the original text. */
static void split_send_join(const char *text, enum sms_concat m, unsigned want)
{
	static struct sms_part parts[SMS_SPLIT_MAX_PARTS];
	static struct tpdu got[8];
	static uint8_t joined[8 * 160];
	static char utf8[8 * 480];
	struct sms_split_opts o = { .method = m, .ref = 0x1234 };
	struct sms_split_info info;
	struct concat_payload pl[8];
	struct concat_state st;
	int n, k;

	n = sms_split_text((const uint8_t *)text, strlen(text), &o, parts, 8, &info,
			   NULL);
	assert_int_equal(n, (int)want);
	concat_init(&st);
	for (int i = n - 1; i >= 0; i--) {	/* arrive in reverse */
		struct tpdu_submit s = { .da = "+447700900123", .rd = true,
					 .udh = parts[i].data,
					 .udh_len = parts[i].udh_len,
					 .ud = parts[i].data + parts[i].udh_len,
					 .ud_len = parts[i].len - parts[i].udh_len };
		uint8_t out[TPDU_MAX];
		struct tpdu *t1 = &got[i];

		s.dcs = info.coding == SMS_CODING_UCS2 ? 0x08 : 0x00;
		k = tpdu_submit_encode(&s, out, sizeof(out), NULL);
		assert_true(k > 0);
		assert_int_equal(tpdu_decode(out, (size_t)k, t1), k);
		assert_true(t1->has_udh == (n > 1));
		if (n > 1) {
			assert_int_equal(t1->udh.concat_ref,
					 m == SMS_CONCAT_UDH8 ? 0x34 : 0x1234);
			assert_int_equal(concat_add(&st, t1->udh.concat_total,
						    t1->udh.concat_seq), CONCAT_ADDED);
		} else {
			assert_int_equal(concat_add(&st, 1, 1), CONCAT_ADDED);
		}
		pl[i] = (struct concat_payload){ t1->data, t1->data_len };
	}
	k = concat_join(&st, pl, joined, sizeof(joined));
	assert_true(k >= 0);
	if (info.coding == SMS_CODING_UCS2)
		k = ucs2_to_utf8(joined, (size_t)k, 0, (uint8_t *)utf8, sizeof(utf8), NULL);
	else
		k = gsm7_to_utf8(joined, (size_t)k, 0, (uint8_t *)utf8, sizeof(utf8), NULL);
	assert_int_equal(k, (int)strlen(text));
	assert_string_equal(utf8, text);
}

static void test_split_to_tpdu(void **state)
{
	static char text[2000];
	size_t len = 0;

	(void)state;
	/* GSM7 with an ESC pair astride the first boundary. */
	memset(text, 'x', 152);
	len = 152;
	memcpy(text + len, "{\xE2\x82\xAC} ", 6);
	len += 6;
	memset(text + len, 'y', 200);
	len += 200;
	text[len] = 0;
	split_send_join(text, SMS_CONCAT_UDH8, 3);
	split_send_join(text, SMS_CONCAT_UDH16, 3);
	split_send_join("short @ text", SMS_CONCAT_UDH8, 1);
	/* UCS-2 with a surrogate pair astride the first boundary. */
	len = 0;
	for (int i = 0; i < 66; i++, len += 2)
		memcpy(text + len, "\xD0\x96", 2);
	for (int i = 0; i < 40; i++, len += 4)
		memcpy(text + len, "\xF0\x9F\x98\x80", 4);
	text[len] = 0;
	split_send_join(text, SMS_CONCAT_UDH8, 3);
	split_send_join(text, SMS_CONCAT_UDH16, 3);
}

static void test_hex(void **state)
{
	char out[16];
	uint8_t b[4];

	(void)state;
	assert_int_equal(tpdu_hex_encode((const uint8_t *)"\x00\xAB\x7F", 3, out, 7), 6);
	assert_string_equal(out, "00AB7F");
	assert_int_equal(tpdu_hex_encode((const uint8_t *)"\x00\xAB\x7F", 3, out, 6),
			 TPDU_E_SPACE);
	assert_int_equal(tpdu_hex_decode("00ab7F", 6, b, 4), 3);
	assert_memory_equal(b, "\x00\xAB\x7F", 3);
	assert_int_equal(tpdu_hex_decode("00a", 3, b, 4), TPDU_E_HEX);
	assert_int_equal(tpdu_hex_decode("0g", 2, b, 4), TPDU_E_HEX);
	assert_int_equal(tpdu_hex_decode("0011223344", 10, b, 4), TPDU_E_SPACE);
	assert_int_equal(tpdu_hex_decode("", 0, b, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_p1_p3_p12_submit),
		cmocka_unit_test(test_p10_p11_submit),
		cmocka_unit_test(test_p9_concat_submit),
		cmocka_unit_test(test_deliver_vectors),
		cmocka_unit_test(test_status_reports),
		cmocka_unit_test(test_status_tail),
		cmocka_unit_test(test_status_meanings),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_times_and_vp),
		cmocka_unit_test(test_dcs),
		cmocka_unit_test(test_submit_limits),
		cmocka_unit_test(test_flash_absolute_round_trip),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_split_to_tpdu),
		cmocka_unit_test(test_hex),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
