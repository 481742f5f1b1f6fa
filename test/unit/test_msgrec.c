/*
 * Unit tests for shared/codec/msgrec: a record written out octet by octet,
 * round trips, every truncation, one octet over, the limits, bad flags and
 * versions, and the C-string copy.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "shared/codec/msgrec.h"

#define S(x) { (const uint8_t *)(x), sizeof(x) - 1 }

static const struct msgrec vec_m = {
	.flags = MSGREC_DLR, .ts = UINT64_C(1764806400123),
	.acct = S("acme"), .to = S("447700900123"), .from = S("Hermod"),
	.link = S("sim"), .origin = S("http"), .mess_id = S("m-1"),
	.dlr_mask = S("31"), .dlr_url = S("http://x/d?s=%d"),
};

static const uint8_t vec_packed[] = {
	0x01, 0x01,
	0x00, 0x00, 0x01, 0x9A, 0xE6, 0xA8, 0x98, 0x7B,
	0x04, 'a', 'c', 'm', 'e',
	0x0C, '4', '4', '7', '7', '0', '0', '9', '0', '0', '1', '2', '3',
	0x06, 'H', 'e', 'r', 'm', 'o', 'd',
	0x03, 's', 'i', 'm',
	0x04, 'h', 't', 't', 'p',
	0x03, 'm', '-', '1',
	0x02, '3', '1',
	0x00, 0x0F, 'h', 't', 't', 'p', ':', '/', '/', 'x', '/', 'd', '?', 's',
	'=', '%', 'd',
};

static void assert_span_eq(const struct bytes_span *a, const struct bytes_span *b)
{
	assert_int_equal(a->len, b->len);
	if (a->len > 0)
		assert_memory_equal(a->p, b->p, a->len);
}

static void assert_rec_eq(const struct msgrec *a, const struct msgrec *b)
{
	assert_int_equal(a->flags, b->flags);
	assert_true(a->ts == b->ts);
	assert_span_eq(&a->acct, &b->acct);
	assert_span_eq(&a->to, &b->to);
	assert_span_eq(&a->from, &b->from);
	assert_span_eq(&a->link, &b->link);
	assert_span_eq(&a->origin, &b->origin);
	assert_span_eq(&a->mess_id, &b->mess_id);
	assert_span_eq(&a->dlr_mask, &b->dlr_mask);
	assert_span_eq(&a->dlr_url, &b->dlr_url);
}

static void test_vector(void **state)
{
	uint8_t buf[256];
	struct msgrec d;

	(void)state;
	assert_int_equal(msgrec_size(&vec_m), sizeof(vec_packed));
	assert_int_equal(msgrec_encode(&vec_m, buf, sizeof(buf)), sizeof(vec_packed));
	assert_memory_equal(buf, vec_packed, sizeof(vec_packed));
	assert_int_equal(msgrec_decode(vec_packed, sizeof(vec_packed), &d),
			 sizeof(vec_packed));
	assert_rec_eq(&d, &vec_m);
	assert_ptr_equal(d.acct.p, vec_packed + 11);
}

static void test_empty_fields(void **state)
{
	static const uint8_t packed[] = { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,
					  0, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct msgrec m, d;
	uint8_t buf[64];

	(void)state;
	memset(&m, 0, sizeof(m));
	assert_int_equal(msgrec_encode(&m, buf, sizeof(buf)), sizeof(packed));
	assert_memory_equal(buf, packed, sizeof(packed));
	assert_int_equal(msgrec_decode(packed, sizeof(packed), &d), sizeof(packed));
	assert_int_equal(d.flags, 0);
	assert_int_equal(d.dlr_url.len, 0);
}

static void test_truncated_trailing(void **state)
{
	uint8_t buf[sizeof(vec_packed) + 1];
	struct msgrec d;

	(void)state;
	for (size_t n = 0; n < sizeof(vec_packed); n++)
		assert_int_equal(msgrec_decode(vec_packed, n, &d), MSGREC_E_SHORT);
	memcpy(buf, vec_packed, sizeof(vec_packed));
	buf[sizeof(vec_packed)] = 'x';
	assert_int_equal(msgrec_decode(buf, sizeof(buf), &d), MSGREC_E_TRAILING);
}

static void test_version_flags(void **state)
{
	uint8_t buf[sizeof(vec_packed)];
	struct msgrec d, m = vec_m;

	(void)state;
	memcpy(buf, vec_packed, sizeof(buf));
	buf[0] = 2;
	assert_int_equal(msgrec_decode(buf, sizeof(buf), &d), MSGREC_E_VERSION);
	buf[0] = 1;
	buf[1] = 2;
	assert_int_equal(msgrec_decode(buf, sizeof(buf), &d), MSGREC_E_FIELD);
	m.flags = 2;
	assert_int_equal(msgrec_size(&m), MSGREC_E_ARG);
}

static void test_limits(void **state)
{
	uint8_t *buf = malloc(MSGREC_MAX + 1), *str = malloc(MSGREC_URL_MAX);
	struct msgrec m, d;

	(void)state;
	assert_non_null(buf);
	assert_non_null(str);
	memset(str, 'u', MSGREC_URL_MAX);
	memset(&m, 0, sizeof(m));
	m.ts = UINT64_MAX;
	m.acct.p = m.to.p = m.from.p = m.link.p = m.origin.p = m.mess_id.p =
		m.dlr_mask.p = m.dlr_url.p = str;
	m.acct.len = m.to.len = m.from.len = m.link.len = m.origin.len =
		m.mess_id.len = m.dlr_mask.len = MSGREC_STR_MAX;
	m.dlr_url.len = MSGREC_URL_MAX;
	assert_int_equal(msgrec_encode(&m, buf, MSGREC_MAX + 1), MSGREC_MAX);
	assert_int_equal(msgrec_decode(buf, MSGREC_MAX, &d), MSGREC_MAX);
	assert_rec_eq(&d, &m);
	assert_int_equal(msgrec_encode(&m, buf, MSGREC_MAX - 1), MSGREC_E_SPACE);
	m.mess_id.len = MSGREC_STR_MAX + 1;
	assert_int_equal(msgrec_size(&m), MSGREC_E_ARG);
	m.mess_id.len = 1;
	m.dlr_url.p = NULL;
	assert_int_equal(msgrec_size(&m), MSGREC_E_ARG);
	free(buf);
	free(str);
}

static void test_space(void **state)
{
	uint8_t buf[sizeof(vec_packed)];

	(void)state;
	for (size_t cap = 0; cap < sizeof(vec_packed); cap++)
		assert_int_equal(msgrec_encode(&vec_m, buf, cap), MSGREC_E_SPACE);
}

static void test_cstr(void **state)
{
	struct bytes_span s = S("acme"), z = { (const uint8_t *)"a\0b", 3 };
	char out[8];

	(void)state;
	assert_int_equal(msgrec_cstr(&s, out, sizeof(out)), 0);
	assert_string_equal(out, "acme");
	assert_int_equal(msgrec_cstr(&s, out, 4), -1);	/* no room for the NUL */
	assert_string_equal(out, "");
	assert_int_equal(msgrec_cstr(&s, out, 5), 0);
	assert_int_equal(msgrec_cstr(&z, out, sizeof(out)), -1);
	assert_string_equal(out, "");
	assert_int_equal(msgrec_cstr(&s, out, 0), -1);
	for (long e = MSGREC_E_ARG; e <= MSGREC_E_SHORT; e++)
		assert_string_not_equal(msgrec_strerror(e), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector),
		cmocka_unit_test(test_empty_fields),
		cmocka_unit_test(test_truncated_trailing),
		cmocka_unit_test(test_version_flags),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_space),
		cmocka_unit_test(test_cstr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
