/*
 * Unit tests for shared/codec/ucs2: UTF-8 scanning, UTF-16BE with surrogate
 * pairs (the B6 emoji), the P10 text, unpaired surrogates as error or U+FFFD,
 * buffer limits.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "shared/codec/ucs2.h"

static void test_utf8_next(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		int rc;
		uint32_t cp;
	} v[] = {
		{ "A", 1, 1, 0x41 },
		{ "\xC3\xA9", 2, 2, 0xE9 },
		{ "\xE2\x82\xAC", 3, 3, 0x20AC },
		{ "\xF0\x9F\x98\x80", 4, 4, 0x1F600 },
		{ "\xF4\x8F\xBF\xBF", 4, 4, 0x10FFFF },
		{ "\xEF\xBB\xBF", 3, 3, 0xFEFF },
		{ "", 0, 0, 0 },
		{ "\xC1\xBF", 2, UCS2_E_UTF8, 0 },
		{ "\xE0\x9F\xBF", 3, UCS2_E_UTF8, 0 },
		{ "\xF0\x8F\xBF\xBF", 4, UCS2_E_UTF8, 0 },
		{ "\xED\xBF\xBF", 3, UCS2_E_UTF8, 0 },
		{ "\xF0\x9F\x98", 3, UCS2_E_UTF8, 0 },
		{ "\xC3\x41", 2, UCS2_E_UTF8, 0 },
		{ "\xF8\x88\x80\x80\x80", 5, UCS2_E_UTF8, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint32_t cp = 0;
		int rc = ucs2_utf8_next((const uint8_t *)v[i].in, v[i].len, &cp);

		assert_int_equal(rc, v[i].rc);
		if (rc > 0)
			assert_int_equal(cp, v[i].cp);
	}
}

static void test_utf8_put(void **state)
{
	uint8_t b[4];

	(void)state;
	assert_int_equal(ucs2_utf8_put(0x1F600, b, 4), 4);
	assert_memory_equal(b, "\xF0\x9F\x98\x80", 4);
	assert_int_equal(ucs2_utf8_put(0x1F600, b, 3), UCS2_E_SPACE);
	assert_int_equal(ucs2_utf8_put(0xD800, b, 4), UCS2_E_UTF8);
	assert_int_equal(ucs2_utf8_put(0x110000, b, 4), UCS2_E_UTF8);
	assert_int_equal(ucs2_utf8_put(0x7FF, b, 2), 2);
	assert_memory_equal(b, "\xDF\xBF", 2);
}

static void test_encode(void **state)
{
	/* B6 short_message: "Hi 😀" */
	static const uint8_t b6[] = { 0x00, 0x48, 0x00, 0x69, 0x00, 0x20,
				      0xD8, 0x3D, 0xDE, 0x00 };
	/* P10 user data: あ叶葉 */
	static const uint8_t p10[] = { 0x30, 0x42, 0x53, 0xF6, 0x84, 0x49 };
	const char *hi = "Hi \xF0\x9F\x98\x80";
	const char *jp = "\xE3\x81\x82\xE5\x8F\xB6\xE8\x91\x89";
	uint8_t out[16];
	size_t off = 0;

	(void)state;
	assert_int_equal(ucs2_units((const uint8_t *)hi, strlen(hi), NULL), 5);
	assert_int_equal(ucs2_from_utf8((const uint8_t *)hi, strlen(hi), out,
					sizeof(out), NULL), 10);
	assert_memory_equal(out, b6, 10);
	assert_int_equal(ucs2_from_utf8((const uint8_t *)jp, strlen(jp), out,
					sizeof(out), NULL), 6);
	assert_memory_equal(out, p10, 6);
	/* The pair needs 4 octets: 9 is one short. */
	assert_int_equal(ucs2_from_utf8((const uint8_t *)hi, strlen(hi), out, 9, NULL),
			 UCS2_E_SPACE);
	assert_int_equal(ucs2_from_utf8((const uint8_t *)"ab\xFF", 3, out, sizeof(out),
					&off), UCS2_E_UTF8);
	assert_int_equal(off, 2);
	assert_int_equal(ucs2_units((const uint8_t *)"", 0, NULL), 0);
}

static void test_decode(void **state)
{
	static const uint8_t b6[] = { 0x00, 0x48, 0x00, 0x69, 0x00, 0x20,
				      0xD8, 0x3D, 0xDE, 0x00 };
	static const uint8_t lone_hi[] = { 0x00, 0x41, 0xD8, 0x3D, 0x00, 0x42 };
	static const uint8_t lone_lo[] = { 0xDE, 0x00, 0x00, 0x41 };
	static const uint8_t hi_at_end[] = { 0x00, 0x41, 0xD8, 0x3D };
	static const uint8_t odd[] = { 0x00, 0x41, 0x00 };
	uint8_t u[32];
	size_t off = 0;

	(void)state;
	assert_int_equal(ucs2_to_utf8(b6, sizeof(b6), 0, u, sizeof(u), NULL), 7);
	assert_string_equal((char *)u, "Hi \xF0\x9F\x98\x80");
	assert_int_equal(ucs2_to_utf8(lone_hi, 6, 0, u, sizeof(u), &off),
			 UCS2_E_SURROGATE);
	assert_int_equal(off, 2);
	assert_int_equal(ucs2_to_utf8(lone_hi, 6, UCS2_REPLACE, u, sizeof(u), NULL), 5);
	assert_string_equal((char *)u, "A\xEF\xBF\xBD" "B");
	assert_int_equal(ucs2_to_utf8(lone_lo, 4, 0, u, sizeof(u), &off),
			 UCS2_E_SURROGATE);
	assert_int_equal(off, 0);
	assert_int_equal(ucs2_to_utf8(hi_at_end, 4, 0, u, sizeof(u), &off),
			 UCS2_E_SURROGATE);
	assert_int_equal(off, 2);
	assert_int_equal(ucs2_to_utf8(odd, 3, 0, u, sizeof(u), &off), UCS2_E_ODD);
	assert_int_equal(off, 2);
	assert_int_equal(ucs2_to_utf8(odd, 3, UCS2_REPLACE, u, sizeof(u), NULL), 4);
	assert_string_equal((char *)u, "A\xEF\xBF\xBD");
	assert_int_equal(ucs2_to_utf8(b6, sizeof(b6), 0, u, 7, NULL), UCS2_E_SPACE);
	assert_int_equal(ucs2_to_utf8(b6, sizeof(b6), 0, u, 8, NULL), 7);
	assert_int_equal(ucs2_to_utf8(b6, 0, 0, u, 1, NULL), 0);
	assert_int_equal(ucs2_to_utf8(b6, 0, 0, u, 0, NULL), UCS2_E_SPACE);
}

/* Every BMP scalar value and a sample of supplementary ones survive both ways. */
static void test_round_trip(void **state)
{
	(void)state;
	for (uint32_t cp = 1; cp <= 0x10FFFF; cp += cp < 0x10000 ? 1 : 97) {
		uint8_t u8[4], u16[4], back[8];
		int n, m;

		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		n = ucs2_utf8_put(cp, u8, sizeof(u8));
		assert_true(n > 0);
		m = ucs2_from_utf8(u8, (size_t)n, u16, sizeof(u16), NULL);
		assert_int_equal(m, cp > 0xFFFF ? 4 : 2);
		assert_int_equal(ucs2_to_utf8(u16, (size_t)m, 0, back, sizeof(back),
					      NULL), n);
		assert_memory_equal(back, u8, (size_t)n);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_next),
		cmocka_unit_test(test_utf8_put),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
