/*
 * Unit tests for shared/codec/udh: the protocols.md §2.5 examples both ways,
 * UDHL and IEDL errors, unknown IEs kept, invalid concat values ignored, fill
 * bits table.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "shared/codec/udh.h"

static void test_decode_examples(void **state)
{
	static const uint8_t c8[] = { 0x05, 0x00, 0x03, 0x2A, 0x02, 0x01, 'x' };
	static const uint8_t c16[] = { 0x06, 0x08, 0x04, 0x01, 0x80, 0x04, 0x02 };
	static const uint8_t p8[] = { 0x04, 0x04, 0x02, 0x64, 0x32 };
	static const uint8_t p16[] = { 0x06, 0x05, 0x04, 0x04, 0xD2, 0x14, 0x66 };
	static const uint8_t wap[] = { 0x0B, 0x05, 0x04, 0x0B, 0x84, 0x23, 0xF0,
				       0x00, 0x03, 0x07, 0x03, 0x02 };
	struct udh u;

	(void)state;
	assert_int_equal(udh_decode(c8, sizeof(c8), &u), 6);
	assert_true(u.has_concat);
	assert_false(u.concat16);
	assert_int_equal(u.concat_ref, 0x2A);
	assert_int_equal(u.concat_total, 2);
	assert_int_equal(u.concat_seq, 1);
	assert_int_equal(u.n_ies, 1);

	assert_int_equal(udh_decode(c16, sizeof(c16), &u), 7);
	assert_true(u.has_concat && u.concat16);
	assert_int_equal(u.concat_ref, 384);
	assert_int_equal(u.concat_total, 4);
	assert_int_equal(u.concat_seq, 2);

	assert_int_equal(udh_decode(p8, sizeof(p8), &u), 5);
	assert_true(u.has_ports);
	assert_false(u.ports16);
	assert_int_equal(u.dst_port, 100);
	assert_int_equal(u.src_port, 50);

	assert_int_equal(udh_decode(p16, sizeof(p16), &u), 7);
	assert_true(u.has_ports && u.ports16);
	assert_int_equal(u.dst_port, 1234);
	assert_int_equal(u.src_port, 5222);

	assert_int_equal(udh_decode(wap, sizeof(wap), &u), 12);
	assert_int_equal(u.dst_port, 2948);
	assert_int_equal(u.src_port, 9200);
	assert_true(u.has_concat);
	assert_int_equal(u.concat_total, 3);
	assert_int_equal(u.n_ies, 2);
}

static void test_decode_errors(void **state)
{
	static const uint8_t short_udhl[] = { 0x05, 0x00, 0x03, 0x2A, 0x02 };
	static const uint8_t ie_over[] = { 0x03, 0x00, 0x03, 0x2A };
	static const uint8_t bad_iedl[] = { 0x04, 0x00, 0x02, 0x2A, 0x02 };
	static const uint8_t bad_iedl16[] = { 0x05, 0x08, 0x03, 0x01, 0x02, 0x01 };
	static const uint8_t half_ie[] = { 0x01, 0x00 };
	static const uint8_t empty[] = { 0x00, 'a' };
	struct udh u;

	(void)state;
	assert_int_equal(udh_decode(short_udhl, 0, &u), UDH_E_UDHL);
	assert_int_equal(udh_decode(short_udhl, sizeof(short_udhl), &u), UDH_E_UDHL);
	assert_int_equal(udh_decode(ie_over, sizeof(ie_over), &u), UDH_E_IE);
	assert_int_equal(udh_decode(bad_iedl, sizeof(bad_iedl), &u), UDH_E_IEDL);
	assert_int_equal(udh_decode(bad_iedl16, sizeof(bad_iedl16), &u), UDH_E_IEDL);
	assert_int_equal(udh_decode(half_ie, sizeof(half_ie), &u), UDH_E_IE);
	assert_int_equal(udh_decode(empty, sizeof(empty), &u), 1);
	assert_int_equal(u.n_ies, 0);
}

static void test_udhl_limit(void **state)
{
	uint8_t big[141];

	(void)state;
	memset(big, 0, sizeof(big));
	/* UDHL 139 with one unknown IE of 137 octets fills TP-UD exactly. */
	big[0] = 139;
	big[1] = 0x70;
	big[2] = 137;
	{
		struct udh u;

		assert_int_equal(udh_decode(big, 140, &u), 140);
		assert_int_equal(u.n_ies, 1);
		assert_int_equal(u.ies[0].iei, 0x70);
		assert_int_equal(u.ies[0].len, 137);
		big[0] = 140;
		big[2] = 138;
		assert_int_equal(udh_decode(big, 141, &u), UDH_E_UDHL);
	}
}

static void test_unknown_and_invalid_concat(void **state)
{
	/* special SMS indication, concat with seq 0, then a national shift. */
	static const uint8_t in[] = { 0x0C, 0x01, 0x02, 0x80, 0x01,
				      0x00, 0x03, 0x05, 0x02, 0x00,
				      0x24, 0x01, 0x02 };
	static const uint8_t seq_over[] = { 0x05, 0x00, 0x03, 0x05, 0x02, 0x03 };
	struct udh u;

	(void)state;
	assert_int_equal(udh_decode(in, sizeof(in), &u), 13);
	assert_int_equal(u.n_ies, 3);
	assert_int_equal(u.ies[0].iei, UDH_IEI_SPECIAL);
	assert_int_equal(u.ies[2].iei, 0x24);
	assert_int_equal(u.ies[2].data[0], 0x02);
	assert_false(u.has_concat);
	assert_int_equal(udh_decode(seq_over, sizeof(seq_over), &u), 6);
	assert_false(u.has_concat);
}

static void test_many_ies(void **state)
{
	uint8_t in[1 + 2 * 20];
	struct udh u;

	(void)state;
	in[0] = 40;
	for (int i = 0; i < 20; i++) {
		in[1 + 2 * i] = 0x70;
		in[2 + 2 * i] = 0;
	}
	assert_int_equal(udh_decode(in, sizeof(in), &u), 41);
	assert_int_equal(u.n_ies, UDH_MAX_IES);
	assert_int_equal(u.n_skipped, 20 - UDH_MAX_IES);
}

static void test_encode(void **state)
{
	static const uint8_t c8[] = { 0x05, 0x00, 0x03, 0x2A, 0x02, 0x01 };
	static const uint8_t c16[] = { 0x06, 0x08, 0x04, 0x01, 0x80, 0x04, 0x02 };
	static const uint8_t wap[] = { 0x0B, 0x05, 0x04, 0x0B, 0x84, 0x23, 0xF0,
				       0x00, 0x03, 0x07, 0x03, 0x02 };
	static const uint8_t p8[] = { 0x04, 0x04, 0x02, 0x64, 0x32 };
	struct udh_spec s = { 0 };
	uint8_t out[16];
	struct udh u;

	(void)state;
	assert_int_equal(udh_encode(&s, out, sizeof(out)), 0);
	s.concat = true;
	s.ref = 0x2A;
	s.total = 2;
	s.seq = 1;
	assert_int_equal(udh_encode(&s, out, sizeof(out)), 6);
	assert_memory_equal(out, c8, 6);
	assert_int_equal(udh_encode(&s, out, 5), UDH_E_SPACE);
	s.concat16 = true;
	s.ref = 384;
	s.total = 4;
	s.seq = 2;
	assert_int_equal(udh_encode(&s, out, sizeof(out)), 7);
	assert_memory_equal(out, c16, 7);
	s.seq = 5;
	assert_int_equal(udh_encode(&s, out, sizeof(out)), UDH_E_ARG);
	s.seq = 0;
	assert_int_equal(udh_encode(&s, out, sizeof(out)), UDH_E_ARG);
	s = (struct udh_spec){ .concat = true, .ref = 7, .total = 3, .seq = 2,
			       .ports = true, .ports16 = true, .dst_port = 2948,
			       .src_port = 9200 };
	assert_int_equal(udh_encode(&s, out, sizeof(out)), 12);
	assert_memory_equal(out, wap, 12);
	assert_int_equal(udh_decode(out, 12, &u), 12);
	s = (struct udh_spec){ .ports = true, .dst_port = 100, .src_port = 50 };
	assert_int_equal(udh_encode(&s, out, sizeof(out)), 5);
	assert_memory_equal(out, p8, 5);
	s.dst_port = 256;
	assert_int_equal(udh_encode(&s, out, sizeof(out)), UDH_E_ARG);
	s = (struct udh_spec){ .extra = p8 + 1, .extra_len = 4 };
	assert_int_equal(udh_encode(&s, out, sizeof(out)), 5);
	assert_memory_equal(out, p8, 5);
}

static void test_strip_concat(void **state)
{
	static const uint8_t c8[] = { 0x05, 0x00, 0x03, 0x2A, 0x02, 0x01 };
	static const uint8_t c16[] = { 0x06, 0x08, 0x04, 0x01, 0x80, 0x04, 0x02 };
	static const uint8_t wap[] = { 0x0B, 0x05, 0x04, 0x0B, 0x84, 0x23, 0xF0,
				       0x00, 0x03, 0x07, 0x03, 0x02 };
	static const uint8_t ports[] = { 0x06, 0x05, 0x04, 0x0B, 0x84, 0x23, 0xF0 };
	static const uint8_t bad[] = { 0x05, 0x00, 0x03, 0x2A, 0x02 };
	static const uint8_t tail[] = { 0x03, 0x01, 0x01, 0x00, 0x41 };
	uint8_t out[16];

	(void)state;
	assert_int_equal(udh_strip_concat(c8, sizeof(c8), out, sizeof(out)), 0);
	assert_int_equal(udh_strip_concat(c16, sizeof(c16), out, sizeof(out)), 0);
	assert_int_equal(udh_strip_concat(wap, sizeof(wap), out, sizeof(out)), 7);
	assert_memory_equal(out, ports, sizeof(ports));
	assert_int_equal(udh_strip_concat(ports, sizeof(ports), out, sizeof(out)),
			 7);
	assert_memory_equal(out, ports, sizeof(ports));
	assert_int_equal(udh_strip_concat(wap, sizeof(wap), out, 6), UDH_E_SPACE);
	assert_int_equal(udh_strip_concat(bad, sizeof(bad), out, sizeof(out)),
			 UDH_E_UDHL);
	assert_int_equal(udh_strip_concat(tail, sizeof(tail), out, sizeof(out)),
			 UDH_E_UDHL);
	assert_int_equal(udh_strip_concat(tail, 4, out, sizeof(out)), 4);
	assert_memory_equal(out, tail, 4);
	assert_int_equal(udh_strip_concat(ports, 6, out, sizeof(out)),
			 UDH_E_UDHL);
	assert_int_equal(udh_strip_concat(wap, 8, out, sizeof(out)), UDH_E_UDHL);
	assert_int_equal(udh_strip_concat(c16, 3, out, sizeof(out)), UDH_E_UDHL);
}

static void test_fill_bits(void **state)
{
	(void)state;
	assert_int_equal(udh_fill_bits(6), 1);
	assert_int_equal(udh_septets(6), 7);
	assert_int_equal(udh_fill_bits(7), 0);
	assert_int_equal(udh_septets(7), 8);
	assert_int_equal(udh_fill_bits(12), 2);
	assert_int_equal(udh_septets(12), 14);
	assert_int_equal(udh_fill_bits(5), 2);
	assert_int_equal(udh_septets(5), 6);
	assert_int_equal(udh_concat_len(false), 6);
	assert_int_equal(udh_concat_len(true), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_examples),
		cmocka_unit_test(test_decode_errors),
		cmocka_unit_test(test_udhl_limit),
		cmocka_unit_test(test_unknown_and_invalid_concat),
		cmocka_unit_test(test_many_ies),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_strip_concat),
		cmocka_unit_test(test_fill_bits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
