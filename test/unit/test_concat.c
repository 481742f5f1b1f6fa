/*
 * Unit tests for shared/codec/concat: parts in any order, duplicates, range and
 * total errors, the missing list, the join, the key string and the serialized
 * state (including rejected corrupt states).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "shared/codec/concat.h"

static void test_add_any_order(void **state)
{
	struct concat_state s;
	uint8_t miss[8];

	(void)state;
	concat_init(&s);
	assert_false(concat_complete(&s));
	assert_int_equal(concat_missing(&s, miss, 8), 0);
	assert_int_equal(concat_add(&s, 3, 3), CONCAT_ADDED);
	assert_int_equal(concat_missing(&s, miss, 8), 2);
	assert_int_equal(miss[0], 1);
	assert_int_equal(miss[1], 2);
	assert_int_equal(concat_add(&s, 3, 3), CONCAT_DUPLICATE);
	assert_int_equal(s.received, 1);
	assert_int_equal(concat_add(&s, 4, 1), CONCAT_E_TOTAL);
	assert_int_equal(concat_add(&s, 3, 0), CONCAT_E_SEQ);
	assert_int_equal(concat_add(&s, 3, 4), CONCAT_E_SEQ);
	assert_int_equal(concat_add(&s, 0, 1), CONCAT_E_TOTAL);
	assert_int_equal(concat_add(&s, 3, 1), CONCAT_ADDED);
	assert_false(concat_complete(&s));
	assert_int_equal(concat_missing(&s, miss, 1), 1);
	assert_int_equal(miss[0], 2);
	assert_int_equal(concat_add(&s, 3, 2), CONCAT_ADDED);
	assert_true(concat_complete(&s));
	assert_int_equal(concat_missing(&s, miss, 8), 0);
}

static void test_255_parts(void **state)
{
	struct concat_state s;
	uint8_t miss[255];

	(void)state;
	concat_init(&s);
	for (unsigned q = 255; q >= 2; q--)
		assert_int_equal(concat_add(&s, 255, (uint8_t)q), CONCAT_ADDED);
	assert_false(concat_complete(&s));
	assert_int_equal(concat_missing(&s, miss, 255), 1);
	assert_int_equal(miss[0], 1);
	assert_int_equal(concat_add(&s, 255, 1), CONCAT_ADDED);
	assert_true(concat_complete(&s));
	assert_true(concat_has(&s, 255));
	assert_false(concat_has(&s, 0));
}

static void test_join(void **state)
{
	struct concat_state s;
	struct concat_payload p[3] = {
		{ (const uint8_t *)"Hel", 3 },
		{ (const uint8_t *)"lo ", 3 },
		{ (const uint8_t *)"you", 3 },
	};
	uint8_t out[16];

	(void)state;
	concat_init(&s);
	concat_add(&s, 3, 2);
	concat_add(&s, 3, 1);
	assert_int_equal(concat_join(&s, p, out, sizeof(out)), CONCAT_E_INCOMPLETE);
	concat_add(&s, 3, 3);
	assert_int_equal(concat_join(&s, p, out, sizeof(out)), 9);
	assert_memory_equal(out, "Hello you", 9);
	assert_int_equal(concat_join(&s, p, out, 8), CONCAT_E_SPACE);
	assert_int_equal(concat_join(&s, p, out, 9), 9);
}

static void test_key(void **state)
{
	struct concat_key k;
	char buf[64];
	char long_addr[CONCAT_ADDR_MAX + 1];

	(void)state;
	assert_int_equal(concat_key_init(&k, "447700900123", "INFO", 0x2A, 2), 0);
	assert_int_equal(concat_key_format(&k, buf, sizeof(buf)), 26);
	assert_string_equal(buf, "12:4477009001234:INFO:42:2");
	assert_int_equal(concat_key_format(&k, buf, 26), CONCAT_E_SPACE);
	assert_int_equal(concat_key_format(&k, buf, 27), 26);
	memset(long_addr, 'a', CONCAT_ADDR_MAX);
	long_addr[CONCAT_ADDR_MAX] = 0;
	assert_int_equal(concat_key_init(&k, long_addr, "x", 1, 1), CONCAT_E_FORMAT);
	long_addr[CONCAT_ADDR_MAX - 1] = 0;
	assert_int_equal(concat_key_init(&k, long_addr, "x", 1, 1), 0);
	assert_int_equal(concat_key_init(&k, "a", "b", 1, 0), CONCAT_E_TOTAL);
}

static void test_serialize(void **state)
{
	struct concat_state s, t;
	uint8_t buf[CONCAT_STATE_LEN];

	(void)state;
	concat_init(&s);
	concat_add(&s, 200, 1);
	concat_add(&s, 200, 9);
	concat_add(&s, 200, 200);
	assert_int_equal(concat_state_encode(&s, buf, sizeof(buf) - 1), CONCAT_E_SPACE);
	assert_int_equal(concat_state_encode(&s, buf, sizeof(buf)), CONCAT_STATE_LEN);
	assert_int_equal(buf[0], 200);
	assert_int_equal(buf[1], 3);
	assert_int_equal(buf[2], 0x01);
	assert_int_equal(buf[3], 0x01);
	assert_int_equal(concat_state_decode(buf, sizeof(buf) - 1, &t), 0);
	assert_int_equal(concat_state_decode(buf, sizeof(buf), &t), CONCAT_STATE_LEN);
	assert_memory_equal(&s, &t, sizeof(s));
	assert_int_equal(concat_add(&t, 200, 9), CONCAT_DUPLICATE);
	buf[1] = 4;	/* received disagrees with the bitmap */
	assert_int_equal(concat_state_decode(buf, sizeof(buf), &t), CONCAT_E_FORMAT);
	buf[1] = 3;
	buf[0] = 199;	/* bit 200 set past total */
	assert_int_equal(concat_state_decode(buf, sizeof(buf), &t), CONCAT_E_FORMAT);
	memset(buf, 0, sizeof(buf));
	buf[33] = 0x80;	/* seq 256 */
	assert_int_equal(concat_state_decode(buf, sizeof(buf), &t), CONCAT_E_FORMAT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_any_order),
		cmocka_unit_test(test_255_parts),
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_key),
		cmocka_unit_test(test_serialize),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
