/*
 * Unit tests for shared/codec/gsm7: the protocols.md §2.3 / §5.3 packing
 * vectors, both tables, counting, the substitute policy, invalid UTF-8 offsets,
 * fill bits, and round trips over every character.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "shared/codec/gsm7.h"

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (h[0] && h[1] && n < cap) {
		unsigned v;

		sscanf(h, "%2x", &v);
		out[n++] = (uint8_t)v;
		h += 2;
	}
	return n;
}

static const struct {
	const char *text;
	int septets;
	const char *packed;
} pack_vectors[] = {
	{ "hellohello", 10, "E8329BFD4697D9EC37" },
	{ "Test2", 5, "D4F29C2E03" },
	{ "Hello World!", 12, "C8329BFD065DDF72363904" },
	{ "[{abc}]~", 13, "1BDE0615168F37A98D6FD303" },
	{ "{\xC3\xA5\xCE\xA6\xCE\x93\xCE\x9B\xCE\xA9\xCE\xA0\xCE\xA8\xCE\xA3\xCE\x98"
	  "\xE2\x82\xAC}", 15, "1BD44332A1542C174C6653DEA400" },
	{ "www.diafaan.com", 15, "F7FBDD454E87CDE1B0DB357EB701" },
	{ "@{t\xC3\xA9st}!", 10, "800D8A5E98D337A910" },
	{ "", 0, "" },
};

static void test_pack_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(pack_vectors) / sizeof(pack_vectors[0]); i++) {
		const char *t = pack_vectors[i].text;
		uint8_t sept[64], packed[64], want[64], back[64], utf8[128];
		size_t wn = unhex(pack_vectors[i].packed, want, sizeof(want));
		int n, m;

		n = gsm7_from_utf8((const uint8_t *)t, strlen(t), 0, sept, sizeof(sept),
				   NULL);
		assert_int_equal(n, pack_vectors[i].septets);
		assert_int_equal(gsm7_septets((const uint8_t *)t, strlen(t), 0, NULL), n);
		m = gsm7_pack(sept, (size_t)n, 0, packed, sizeof(packed));
		assert_int_equal(m, (int)wn);
		assert_memory_equal(packed, want, wn);
		assert_int_equal(gsm7_unpack(want, wn, 0, (size_t)n, back, sizeof(back)), n);
		assert_memory_equal(back, sept, (size_t)n);
		m = gsm7_to_utf8(back, (size_t)n, 0, utf8, sizeof(utf8), NULL);
		assert_int_equal(m, (int)strlen(t));
		assert_string_equal((char *)utf8, t);
	}
}

static void test_extension_table(void **state)
{
	static const char *ext = "\x0C^{}\\[~]|\xE2\x82\xAC";
	uint8_t s[32];
	uint8_t b[2];

	(void)state;
	assert_int_equal(gsm7_from_utf8((const uint8_t *)ext, strlen(ext), 0, s,
					sizeof(s), NULL), 20);
	for (int i = 0; i < 20; i += 2)
		assert_int_equal(s[i], GSM7_ESC);
	assert_int_equal(s[1], 0x0A);
	assert_int_equal(s[19], 0x65);
	assert_int_equal(gsm7_lookup('@', b), 1);
	assert_int_equal(b[0], 0x00);
	assert_int_equal(gsm7_lookup('$', b), 1);
	assert_int_equal(b[0], 0x02);
	assert_int_equal(gsm7_lookup('_', b), 1);
	assert_int_equal(b[0], 0x11);
	assert_int_equal(gsm7_lookup(0xE7, b), 1);	/* ç -> 0x09 */
	assert_int_equal(b[0], 0x09);
	assert_int_equal(gsm7_lookup(0xC7, b), 1);	/* Ç -> 0x09 */
	assert_int_equal(b[0], 0x09);
	assert_int_equal(gsm7_lookup('`', b), 0);
	assert_int_equal(gsm7_lookup(0x1B, b), 0);	/* ESC is no character */
	assert_int_equal(gsm7_lookup(0, b), 0);
	assert_int_equal(gsm7_lookup(0x1F600, b), 0);
}

static void test_counting_and_policy(void **state)
{
	static const uint8_t backtick[] = "ab`c";
	uint8_t s[8];
	size_t off = 99;

	(void)state;
	assert_int_equal(gsm7_septets((const uint8_t *)"a\xE2\x82\xAC", 4, 0, NULL), 3);
	assert_true(gsm7_can_encode((const uint8_t *)"Hello @ \xC2\xA3", 10));
	assert_false(gsm7_can_encode(backtick, 4));
	assert_int_equal(gsm7_from_utf8(backtick, 4, 0, s, sizeof(s), &off),
			 GSM7_E_UNMAPPABLE);
	assert_int_equal(off, 2);
	assert_int_equal(gsm7_from_utf8(backtick, 4, GSM7_SUBSTITUTE, s, sizeof(s),
					NULL), 4);
	assert_int_equal(s[2], '?');
	/* Output one septet short. */
	assert_int_equal(gsm7_from_utf8(backtick, 4, GSM7_SUBSTITUTE, s, 3, NULL),
			 GSM7_E_SPACE);
	/* An extension char needs both septets to fit. */
	assert_int_equal(gsm7_from_utf8((const uint8_t *)"a{", 2, 0, s, 2, NULL),
			 GSM7_E_SPACE);
}

static void test_bad_utf8(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		size_t off;
	} bad[] = {
		{ "ab\xC3", 3, 2 },		/* truncated */
		{ "\xC0\x80", 2, 0 },		/* overlong NUL */
		{ "x\xED\xA0\x80", 4, 1 },	/* surrogate */
		{ "xy\xF4\x90\x80\x80", 6, 2 },	/* above U+10FFFF */
		{ "abc\x80", 4, 3 },		/* stray continuation */
		{ "\xFF", 1, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t off = 99;

		assert_int_equal(gsm7_from_utf8((const uint8_t *)bad[i].in, bad[i].len,
						GSM7_SUBSTITUTE, NULL, 0, &off),
				 GSM7_E_UTF8);
		assert_int_equal(off, bad[i].off);
	}
}

static void test_decode_rules(void **state)
{
	static const uint8_t unknown_esc[] = { 'a', 0x1B, 0x41, 'b' };
	static const uint8_t esc_esc[] = { 0x1B, 0x1B };
	static const uint8_t lone_esc[] = { 'a', 0x1B };
	static const uint8_t high[] = { 'a', 0x80 };
	static const uint8_t at[] = { 0x00, 0x09 };
	uint8_t u[16];
	size_t off = 0;

	(void)state;
	assert_int_equal(gsm7_to_utf8(unknown_esc, 4, 0, u, sizeof(u), NULL), 3);
	assert_string_equal((char *)u, "aAb");
	assert_int_equal(gsm7_to_utf8(esc_esc, 2, 0, u, sizeof(u), NULL), 1);
	assert_string_equal((char *)u, " ");
	assert_int_equal(gsm7_to_utf8(lone_esc, 2, 0, u, sizeof(u), NULL), 1);
	assert_string_equal((char *)u, "a");
	assert_int_equal(gsm7_to_utf8(high, 2, 0, u, sizeof(u), &off), GSM7_E_SEPTET);
	assert_int_equal(off, 1);
	assert_int_equal(gsm7_to_utf8(high, 2, GSM7_SUBSTITUTE, u, sizeof(u), NULL), 2);
	assert_string_equal((char *)u, "a?");
	assert_int_equal(gsm7_to_utf8(at, 2, 0, u, sizeof(u), NULL), 3);
	assert_string_equal((char *)u, "@\xC3\x87");
	/* Room for the text but not its NUL. */
	assert_int_equal(gsm7_to_utf8(at, 2, 0, u, 3, NULL), GSM7_E_SPACE);
	assert_int_equal(gsm7_to_utf8(at, 2, 0, u, 4, NULL), 3);
}

static void test_fill_bits(void **state)
{
	static const uint8_t lorem[] = { 'L', 'o' };
	uint8_t sept[2], out[4], back[2];

	(void)state;
	assert_int_equal(gsm7_from_utf8(lorem, 2, 0, sept, 2, NULL), 2);
	/* P9: after a 6-octet UDH, 1 fill bit: 'L' << 1 = 0x98. */
	assert_int_equal(gsm7_pack(sept, 2, 1, out, sizeof(out)), 2);
	assert_int_equal(out[0], 0x98);
	assert_int_equal(gsm7_unpack(out, 2, 1, 2, back, 2), 2);
	assert_memory_equal(back, sept, 2);
	assert_int_equal(gsm7_packed_len(160, 0), 140);
	assert_int_equal(gsm7_packed_len(153, 1), 134);
	assert_int_equal(gsm7_packed_len(7, 0), 7);
	assert_int_equal(gsm7_packed_len(8, 0), 7);
	assert_int_equal(gsm7_pack(sept, 2, 7, out, sizeof(out)), GSM7_E_ARG);
	assert_int_equal(gsm7_pack(sept, 2, 0, out, 1), GSM7_E_SPACE);
	assert_int_equal(gsm7_unpack(out, 1, 1, 2, back, 2), GSM7_E_SHORT);
	assert_int_equal(gsm7_unpack(out, 2, 1, 2, back, 1), GSM7_E_SPACE);
}

/* Every septet value and every fill offset survives pack / unpack, and every
 * mappable character survives decode / encode. */
static void test_round_trips(void **state)
{
	uint8_t all[128], packed[128], back[128], utf8[512], again[256];
	int n, m;

	(void)state;
	for (int i = 0; i < 128; i++)
		all[i] = (uint8_t)i;
	for (unsigned fill = 0; fill <= 6; fill++) {
		for (size_t len = 0; len <= 128; len++) {
			m = gsm7_pack(all, len, fill, packed, sizeof(packed));
			assert_int_equal(m, (int)gsm7_packed_len(len, fill));
			assert_int_equal(gsm7_unpack(packed, (size_t)m, fill, len, back,
						     sizeof(back)), (int)len);
			assert_memory_equal(back, all, len);
		}
	}
	/* Decode all basic septets except ESC, then re-encode. */
	memmove(all + 0x1B, all + 0x1C, 128 - 0x1C);
	n = gsm7_to_utf8(all, 127, 0, utf8, sizeof(utf8), NULL);
	assert_true(n > 127);
	m = gsm7_from_utf8(utf8, (size_t)n, 0, again, sizeof(again), NULL);
	assert_int_equal(m, 127);
	assert_memory_equal(again, all, 127);
}

/* Every BMP code point: a mapping decodes back to itself (ç reads as Ç), and
 * exactly the 128 basic characters (ç included, ESC not) and 10 extension
 * characters map. */
static void test_lookup_exhaustive(void **state)
{
	unsigned basic = 0, ext = 0;

	(void)state;
	for (uint32_t cp = 0; cp <= 0xFFFF; cp++) {
		uint8_t s[2], u[8];
		uint32_t back = 0;
		int k = gsm7_lookup(cp, s), n;

		if (k == 0)
			continue;
		if (k == 1) {
			basic++;
			assert_true(s[0] < 0x80 && s[0] != GSM7_ESC);
		} else {
			ext++;
			assert_int_equal(s[0], GSM7_ESC);
		}
		n = gsm7_to_utf8(s, (size_t)k, 0, u, sizeof(u), NULL);
		assert_true(n > 0);
		/* Decode the UTF-8 by hand: at most 3 octets in the BMP. */
		if (n == 1)
			back = u[0];
		else if (n == 2)
			back = (uint32_t)(u[0] & 0x1F) << 6 | (u[1] & 0x3F);
		else
			back = (uint32_t)(u[0] & 0x0F) << 12 | (uint32_t)(u[1] & 0x3F) << 6 |
			       (u[2] & 0x3F);
		assert_int_equal(back, cp == 0xE7 ? 0xC7 : cp);
	}
	assert_int_equal(basic, 128);
	assert_int_equal(ext, 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pack_vectors),
		cmocka_unit_test(test_extension_table),
		cmocka_unit_test(test_counting_and_policy),
		cmocka_unit_test(test_bad_utf8),
		cmocka_unit_test(test_decode_rules),
		cmocka_unit_test(test_fill_bits),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_lookup_exhaustive),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
