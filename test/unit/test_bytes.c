/*
 * Unit tests for shared/util/bytes: reads stop at the end, writes stop at the
 * capacity, C-Octet Strings honour their maximum.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "shared/util/bytes.h"

static void test_reader_ints(void **state)
{
	static const uint8_t in[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07 };
	struct bytes_reader r;
	uint8_t a;
	uint16_t b;
	uint32_t c;

	(void)state;
	bytes_reader_init(&r, in, sizeof(in));
	assert_int_equal(bytes_get_u8(&r, &a), 0);
	assert_int_equal(a, 0x01);
	assert_int_equal(bytes_get_u16(&r, &b), 0);
	assert_int_equal(b, 0x0203);
	assert_int_equal(bytes_get_u32(&r, &c), 0);
	assert_int_equal(c, 0x04050607);
	assert_int_equal(bytes_left(&r), 0);
	assert_int_equal(bytes_get_u8(&r, &a), -1);
}

static void test_reader_short(void **state)
{
	static const uint8_t in[] = { 0xff, 0xfe, 0xfd };
	struct bytes_reader r;
	uint32_t c;
	uint8_t raw[4];

	(void)state;
	bytes_reader_init(&r, in, sizeof(in));
	assert_int_equal(bytes_get_u32(&r, &c), -1);
	assert_int_equal(bytes_get_raw(&r, raw, 4), -1);
	assert_int_equal(bytes_skip(&r, 4), -1);
	assert_int_equal(bytes_left(&r), 3); /* nothing consumed */
	assert_int_equal(bytes_skip(&r, 3), 0);
}

static void test_cstr(void **state)
{
	static const uint8_t ok[] = { 'a', 'b', 0, 'x' };
	static const uint8_t unterminated[] = { 'a', 'b', 'c' };
	static const uint8_t too_long[] = { 'a', 'b', 'c', 'd', 0 };
	struct bytes_reader r;
	char buf[8];

	(void)state;
	bytes_reader_init(&r, ok, sizeof(ok));
	assert_int_equal(bytes_get_cstr(&r, buf, 3), 2);
	assert_string_equal(buf, "ab");
	assert_int_equal(bytes_left(&r), 1);

	bytes_reader_init(&r, unterminated, sizeof(unterminated));
	assert_int_equal(bytes_get_cstr(&r, buf, 8), -1);
	assert_int_equal(bytes_left(&r), 3);

	/* max counts the NUL: "abcd" needs 5 octets. */
	bytes_reader_init(&r, too_long, sizeof(too_long));
	assert_int_equal(bytes_get_cstr(&r, buf, 4), -2);
	assert_int_equal(bytes_get_cstr(&r, buf, 5), 4);

	bytes_reader_init(&r, ok, 0);
	assert_int_equal(bytes_get_cstr(&r, buf, 8), -1);
}

static void test_writer(void **state)
{
	uint8_t buf[8];
	struct bytes_writer w;

	(void)state;
	bytes_writer_init(&w, buf, sizeof(buf));
	bytes_put_u32(&w, 0);
	bytes_put_u16(&w, 0xabcd);
	bytes_put_cstr(&w, "z");
	assert_false(w.overflow);
	assert_int_equal(w.len, 8);
	bytes_patch_u32(&w, 0, 0x11223344);
	assert_memory_equal(buf, "\x11\x22\x33\x44\xab\xcd" "z\0", 8);
	bytes_put_u8(&w, 1);
	assert_true(w.overflow);
	assert_int_equal(w.len, 8);
}

static void test_writer_sticky(void **state)
{
	uint8_t buf[4];
	struct bytes_writer w;

	(void)state;
	bytes_writer_init(&w, buf, sizeof(buf));
	bytes_put_raw(&w, "abcde", 5);
	assert_true(w.overflow);
	bytes_put_u8(&w, 1); /* would fit, but the writer already overflowed */
	assert_int_equal(w.len, 0);
}

/* Length-prefixed spans: read in place, nothing consumed when short. */
static void test_spans(void **state)
{
	static const uint8_t in[] = { 3, 'a', 'b', 'c', 0, 2, 'x', 'y', 5, 'q' };
	struct bytes_reader r;
	struct bytes_span s, t;
	struct bytes_writer w;
	uint8_t out[16];

	(void)state;
	bytes_reader_init(&r, in, sizeof(in));
	assert_int_equal(bytes_get_span8(&r, &s), 0);
	assert_ptr_equal(s.p, in + 1);
	assert_int_equal(s.len, 3);
	assert_int_equal(bytes_get_span16(&r, &t), 0);
	assert_int_equal(t.len, 2);
	assert_memory_equal(t.p, "xy", 2);
	assert_int_equal(bytes_get_span8(&r, &t), -1);	/* 5 announced, 1 left */
	assert_int_equal(bytes_left(&r), 2);
	assert_int_equal(bytes_get_span(&r, 3, &t), -1);
	assert_int_equal(bytes_get_span(&r, 2, &t), 0);
	assert_int_equal(bytes_left(&r), 0);
	bytes_reader_init(&r, in, 1);
	assert_int_equal(bytes_get_span16(&r, &t), -1);
	assert_int_equal(bytes_left(&r), 1);
	bytes_writer_init(&w, out, sizeof(out));
	bytes_put_span8(&w, &s);
	s.len = 0;
	s.p = NULL;
	bytes_put_span16(&w, &s);
	assert_false(w.overflow);
	assert_int_equal(w.len, 6);
	assert_memory_equal(out, "\003abc\000\000", 6);
	assert_true(bytes_span_ok(&s, 0));
	s.len = 1;
	assert_false(bytes_span_ok(&s, 5));	/* no pointer */
	s.p = in;
	assert_true(bytes_span_ok(&s, 1));
	assert_false(bytes_span_ok(&s, 0));
}

static void test_hex(void **state)
{
	uint8_t b[4] = { 0xEE, 0xEE, 0xEE, 0xEE };
	char out[8];

	(void)state;
	assert_int_equal(bytes_hexval('0'), 0);
	assert_int_equal(bytes_hexval('9'), 9);
	assert_int_equal(bytes_hexval('a'), 10);
	assert_int_equal(bytes_hexval('F'), 15);
	assert_int_equal(bytes_hexval('g'), -1);
	assert_int_equal(bytes_hexval('/'), -1);
	assert_int_equal(bytes_hexval(':'), -1);
	assert_int_equal(bytes_hexval('@'), -1);
	assert_int_equal(bytes_hexval('G'), -1);
	assert_int_equal(bytes_hexval(0x80), -1);
	assert_int_equal(bytes_hex_decode("00aB7f", 6, b, 3), 3);
	assert_memory_equal(b, "\x00\xAB\x7F", 3);
	assert_int_equal(b[3], 0xEE);
	assert_int_equal(bytes_hex_decode("", 0, b, 0), 0);
	assert_int_equal(bytes_hex_decode("abc", 3, b, 4), BYTES_HEX_EBAD);
	assert_int_equal(bytes_hex_decode("0g", 2, b, 4), BYTES_HEX_EBAD);
	/* A bad digit is reported before the lack of space, and nothing is
	 * written either way. */
	memset(b, 0xEE, sizeof(b));
	assert_int_equal(bytes_hex_decode("0011223344zz", 12, b, 4), BYTES_HEX_EBAD);
	assert_int_equal(bytes_hex_decode("0011223344", 10, b, 4), BYTES_HEX_ESPACE);
	assert_int_equal(b[0], 0xEE);
	assert_int_equal(bytes_hex_encode((const uint8_t *)"\x00\xAB\x7F", 3, out, 7), 6);
	assert_string_equal(out, "00AB7F");
	assert_int_equal(bytes_hex_encode((const uint8_t *)"\x00\xAB\x7F", 3, out, 6),
	    BYTES_HEX_ESPACE);
	assert_int_equal(bytes_hex_encode(NULL, 0, out, 1), 0);
	assert_string_equal(out, "");
	assert_int_equal(bytes_hex_encode(NULL, 0, out, 0), BYTES_HEX_ESPACE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reader_ints),
		cmocka_unit_test(test_reader_short),
		cmocka_unit_test(test_cstr),
		cmocka_unit_test(test_writer),
		cmocka_unit_test(test_writer_sticky),
		cmocka_unit_test(test_spans),
		cmocka_unit_test(test_hex),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
