/*
 * Unit tests for shared/codec/latin1: all 256 octets round-trip, unmappable
 * characters fail or become '?', invalid UTF-8 reports its offset.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "shared/codec/latin1.h"

static void test_round_trip_all(void **state)
{
	uint8_t all[256], u[513], back[256];
	int n;

	(void)state;
	for (int i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	n = latin1_to_utf8(all, 256, u, sizeof(u));
	assert_int_equal(n, 128 + 2 * 128);
	assert_int_equal(latin1_from_utf8(u, (size_t)n, 0, back, sizeof(back), NULL),
			 256);
	assert_memory_equal(back, all, 256);
	assert_true(latin1_can_encode(u, (size_t)n));
	/* One octet short for the NUL. */
	assert_int_equal(latin1_to_utf8(all, 256, u, 384), LATIN1_E_SPACE);
	assert_int_equal(latin1_from_utf8(u, (size_t)n, 0, back, 255, NULL),
			 LATIN1_E_SPACE);
}

static void test_unmappable(void **state)
{
	const char *t = "caf\xC3\xA9 \xE2\x82\xAC" "5";
	uint8_t out[16];
	size_t off = 0;

	(void)state;
	assert_false(latin1_can_encode((const uint8_t *)t, strlen(t)));
	assert_int_equal(latin1_from_utf8((const uint8_t *)t, strlen(t), 0, out,
					  sizeof(out), &off), LATIN1_E_UNMAPPABLE);
	assert_int_equal(off, 6);
	assert_int_equal(latin1_from_utf8((const uint8_t *)t, strlen(t),
					  LATIN1_SUBSTITUTE, out, sizeof(out), NULL), 7);
	assert_memory_equal(out, "caf\xE9 ?5", 7);
	assert_int_equal(latin1_from_utf8((const uint8_t *)"a\xE9", 2, LATIN1_SUBSTITUTE,
					  out, sizeof(out), &off), LATIN1_E_UTF8);
	assert_int_equal(off, 1);
	assert_int_equal(latin1_from_utf8((const uint8_t *)"", 0, 0, out, 0, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_all),
		cmocka_unit_test(test_unmappable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
