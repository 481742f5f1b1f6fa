/*
 * Unit tests for shared/codec/qentry: a packed part written out octet by
 * octet, round trips, every truncation, one octet over, the limits, and each
 * out-of-range field on both sides.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "shared/codec/qentry.h"

#define S(x) { (const uint8_t *)(x), sizeof(x) - 1 }

/* Part 2 of 3 by SAR, flash and a receipt, 1 h validity. */
static const struct qentry vec_e = {
	.flags = QENTRY_FLASH | QENTRY_DLR, .coding = 8, .part = 2, .parts = 3,
	.sar_ref = 0x1234, .sar_total = 3, .sar_seq = 2,
	.ts = UINT64_C(1764806400123), .validity = 3600,
	.acct = S("acme"), .from = S("Hermod"), .origin = S("http"),
	.udh = S("\x05\x00\x03\x2a\x03\x02"), .data = S("\x00H\x00i"),
};

static const uint8_t vec_packed[] = {
	0x01, 0x03, 0x08, 0x02, 0x03,			/* version flags coding part parts */
	0x12, 0x34, 0x03, 0x02,				/* sar ref, total, seq */
	0x00, 0x00, 0x01, 0x9A, 0xE6, 0xA8, 0x98, 0x7B,	/* ts 1764806400123 */
	0x00, 0x00, 0x0E, 0x11,				/* validity 3600 + 1 */
	0x04, 'a', 'c', 'm', 'e',
	0x06, 'H', 'e', 'r', 'm', 'o', 'd',
	0x04, 'h', 't', 't', 'p',
	0x06, 0x05, 0x00, 0x03, 0x2a, 0x03, 0x02,
	0x00, 0x04, 0x00, 'H', 0x00, 'i',
};

/* Version 2: a receipt and an ack event wanted, deferred 10 min, priority
 * 2, class 2; no SAR. */
static const struct qentry vec2_e = {
	.flags = QENTRY_DLR | QENTRY_ACK, .coding = 0, .part = 1, .parts = 1,
	.ts = UINT64_C(1764806400123), .validity = -1, .deferred = 600,
	.priority = 2, .mclass = 2,
	.acct = S("kan"), .from = S("H"), .origin = S("http"),
	.udh = S(""), .data = S("hi"),
};

static const uint8_t vec2_packed[] = {
	0x02, 0x06, 0x00, 0x01, 0x01,			/* version flags coding part parts */
	0x00, 0x00, 0x00, 0x00,				/* no SAR */
	0x00, 0x00, 0x01, 0x9A, 0xE6, 0xA8, 0x98, 0x7B,	/* ts 1764806400123 */
	0x00, 0x00, 0x00, 0x00,				/* no validity */
	0x00, 0x00, 0x02, 0x58,				/* deferred 600 */
	0x02, 0x02,					/* priority, class */
	0x03, 'k', 'a', 'n',
	0x01, 'H',
	0x04, 'h', 't', 't', 'p',
	0x00,
	0x00, 0x02, 'h', 'i',
};

static void assert_str_eq(const struct bytes_span *a, const struct bytes_span *b)
{
	assert_int_equal(a->len, b->len);
	if (a->len > 0)
		assert_memory_equal(a->p, b->p, a->len);
}

static void assert_entry_eq(const struct qentry *a, const struct qentry *b)
{
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->coding, b->coding);
	assert_int_equal(a->part, b->part);
	assert_int_equal(a->parts, b->parts);
	assert_int_equal(a->sar_ref, b->sar_ref);
	assert_int_equal(a->sar_total, b->sar_total);
	assert_int_equal(a->sar_seq, b->sar_seq);
	assert_true(a->ts == b->ts);
	assert_true(a->validity == b->validity);
	assert_true(a->deferred == b->deferred);
	assert_int_equal(a->priority, b->priority);
	assert_int_equal(a->mclass, b->mclass);
	assert_str_eq(&a->acct, &b->acct);
	assert_str_eq(&a->from, &b->from);
	assert_str_eq(&a->origin, &b->origin);
	assert_str_eq(&a->udh, &b->udh);
	assert_str_eq(&a->data, &b->data);
}

static void test_vector(void **state)
{
	uint8_t buf[256];
	struct qentry d;

	(void)state;
	assert_int_equal(qentry_size(&vec_e), sizeof(vec_packed));
	assert_int_equal(qentry_encode(&vec_e, buf, sizeof(buf)), sizeof(vec_packed));
	assert_memory_equal(buf, vec_packed, sizeof(vec_packed));
	assert_int_equal(qentry_decode(vec_packed, sizeof(vec_packed), &d),
			 sizeof(vec_packed));
	assert_entry_eq(&d, &vec_e);
	/* the strings point into the input */
	assert_ptr_equal(d.acct.p, vec_packed + 22);
}

static void test_vector2(void **state)
{
	uint8_t buf[256];
	struct qentry d, e;

	(void)state;
	assert_int_equal(qentry_size(&vec2_e), sizeof(vec2_packed));
	assert_int_equal(qentry_encode(&vec2_e, buf, sizeof(buf)),
			 sizeof(vec2_packed));
	assert_memory_equal(buf, vec2_packed, sizeof(vec2_packed));
	assert_int_equal(qentry_decode(vec2_packed, sizeof(vec2_packed), &d),
			 sizeof(vec2_packed));
	assert_entry_eq(&d, &vec2_e);
	assert_ptr_equal(d.acct.p, vec2_packed + QENTRY_FIXED2 + 1);
	/* each field of version 2 alone makes a version 2 entry */
	for (int i = 0; i < 4; i++) {
		e = vec_e;
		if (i == 0)
			e.flags |= QENTRY_ACK;
		else if (i == 1)
			e.deferred = 1;
		else if (i == 2)
			e.priority = 3;
		else
			e.flags &= ~(unsigned)QENTRY_FLASH, e.mclass = 1;
		assert_int_equal(qentry_encode(&e, buf, sizeof(buf)),
				 sizeof(vec_packed) + 6);
		assert_int_equal(buf[0], 2);
		assert_int_equal(qentry_decode(buf, sizeof(vec_packed) + 6, &d),
				 sizeof(vec_packed) + 6);
		assert_entry_eq(&d, &e);
	}
	/* a version 1 entry of an older box reads as before: none of them */
	assert_int_equal(qentry_decode(vec_packed, sizeof(vec_packed), &d),
			 sizeof(vec_packed));
	assert_true(d.deferred == 0);
	assert_int_equal(d.priority, 0);
	assert_int_equal(d.mclass, 0);
}

/* Version 2 with a bad octet in its own fields, or with nothing of version 2
 * (the same entry has one encoding only). */
static void test_bad_v2(void **state)
{
	static const struct bad_v2 { size_t off; uint8_t v; } bad[] = {
		{ 25, 4 },	/* priority 4 */
		{ 26, 4 },	/* class 4 */
		{ 1, 0x07 },	/* a class together with flash (class 0) */
		{ 1, 0x0a },	/* an unknown flag */
	};
	uint8_t buf[sizeof(vec2_packed)];
	struct qentry d;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(buf, vec2_packed, sizeof(buf));
		buf[bad[i].off] = bad[i].v;
		assert_int_equal(qentry_decode(buf, sizeof(buf), &d), QENTRY_E_FIELD);
	}
	memcpy(buf, vec2_packed, sizeof(buf));
	buf[1] = 0x02;
	buf[21] = buf[22] = buf[23] = buf[24] = buf[25] = buf[26] = 0;
	assert_int_equal(qentry_decode(buf, sizeof(buf), &d), QENTRY_E_FIELD);
	buf[26] = 1;
	assert_int_equal(qentry_decode(buf, sizeof(buf), &d), sizeof(buf));
	/* deferred at its limit and one over */
	buf[21] = buf[22] = buf[23] = 0xff;
	buf[24] = 0xfe;
	assert_int_equal(qentry_decode(buf, sizeof(buf), &d), sizeof(buf));
	assert_true(d.deferred == QENTRY_VALIDITY_MAX);
	buf[24] = 0xff;
	assert_int_equal(qentry_decode(buf, sizeof(buf), &d), QENTRY_E_FIELD);
	for (size_t n = 1; n < sizeof(vec2_packed); n++)
		assert_int_equal(qentry_decode(vec2_packed, n, &d), QENTRY_E_SHORT);
}

static void test_minimal(void **state)
{
	static const uint8_t packed[] = {
		0x01, 0x00, 0x00, 0x01, 0x01, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0,
	};
	struct qentry e = { .part = 1, .parts = 1, .validity = -1 }, d;
	uint8_t buf[64];

	(void)state;
	assert_int_equal(qentry_encode(&e, buf, sizeof(buf)), sizeof(packed));
	assert_memory_equal(buf, packed, sizeof(packed));
	assert_int_equal(qentry_decode(packed, sizeof(packed), &d), sizeof(packed));
	assert_true(d.validity == -1);
	assert_int_equal(d.data.len, 0);
	assert_int_equal(d.sar_total, 0);
}

static void test_truncated(void **state)
{
	struct qentry d;

	(void)state;
	assert_int_equal(qentry_decode(vec_packed, 0, &d), QENTRY_E_SHORT);
	for (size_t n = 1; n < sizeof(vec_packed); n++)
		assert_int_equal(qentry_decode(vec_packed, n, &d), QENTRY_E_SHORT);
}

static void test_trailing(void **state)
{
	uint8_t buf[sizeof(vec_packed) + 1];
	struct qentry d;

	(void)state;
	memcpy(buf, vec_packed, sizeof(vec_packed));
	buf[sizeof(vec_packed)] = 0;
	assert_int_equal(qentry_decode(buf, sizeof(buf), &d), QENTRY_E_TRAILING);
}

static void test_version(void **state)
{
	uint8_t buf[sizeof(vec_packed)];
	struct qentry d;

	(void)state;
	memcpy(buf, vec_packed, sizeof(buf));
	buf[0] = 3;
	assert_int_equal(qentry_decode(buf, sizeof(buf), &d), QENTRY_E_VERSION);
	buf[0] = 0;
	assert_int_equal(qentry_decode(buf, 1, &d), QENTRY_E_VERSION);
}

/* One octet of the fixed head changed to a bad value. */
struct bad_vec {
	size_t off;
	uint8_t v;
};

static const struct bad_vec bad_vecs[] = {
	{ 1, 0x04 },	/* unknown flag */
	{ 1, 0x80 },
	{ 2, 0x01 },	/* coding 1 */
	{ 2, 0x09 },
	{ 3, 0x00 },	/* part 0 */
	{ 3, 0x04 },	/* part 4 of 3 */
	{ 4, 0x01 },	/* parts 1 < part 2 */
	{ 7, 0x01 },	/* SAR seq 2 of 1 */
	{ 8, 0x00 },	/* SAR seq 0 */
	{ 8, 0x04 },	/* SAR seq 4 of 3 */
};

static void test_bad_fields(void **state)
{
	uint8_t buf[sizeof(vec_packed)];
	struct qentry d;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_vecs) / sizeof(bad_vecs[0]); i++) {
		memcpy(buf, vec_packed, sizeof(buf));
		buf[bad_vecs[i].off] = bad_vecs[i].v;
		assert_int_equal(qentry_decode(buf, sizeof(buf), &d), QENTRY_E_FIELD);
	}
	/* no SAR, yet a reference */
	memcpy(buf, vec_packed, sizeof(buf));
	buf[7] = 0;
	buf[8] = 0;
	assert_int_equal(qentry_decode(buf, sizeof(buf), &d), QENTRY_E_FIELD);
	buf[5] = buf[6] = 0;
	assert_int_equal(qentry_decode(buf, sizeof(buf), &d), sizeof(buf));
}

static void test_encode_args(void **state)
{
	uint8_t buf[256];
	struct qentry e;

	(void)state;
	e = vec_e;
	e.part = 0;
	assert_int_equal(qentry_encode(&e, buf, sizeof(buf)), QENTRY_E_ARG);
	e = vec_e;
	e.parts = 256;
	e.part = 1;
	assert_int_equal(qentry_encode(&e, buf, sizeof(buf)), QENTRY_E_ARG);
	e = vec_e;
	e.coding = 2;
	assert_int_equal(qentry_size(&e), QENTRY_E_ARG);
	e = vec_e;
	e.sar_ref = 65536;
	assert_int_equal(qentry_size(&e), QENTRY_E_ARG);
	e = vec_e;
	e.validity = -2;
	assert_int_equal(qentry_size(&e), QENTRY_E_ARG);
	e.validity = QENTRY_VALIDITY_MAX + 1;
	assert_int_equal(qentry_size(&e), QENTRY_E_ARG);
	e = vec_e;
	e.acct.len = QENTRY_STR_MAX + 1;
	assert_int_equal(qentry_size(&e), QENTRY_E_ARG);
	e = vec_e;
	e.data.p = NULL;
	assert_int_equal(qentry_size(&e), QENTRY_E_ARG);
	e = vec_e;
	e.flags = 8;
	assert_int_equal(qentry_size(&e), QENTRY_E_ARG);
	e = vec_e;
	e.priority = 4;
	assert_int_equal(qentry_size(&e), QENTRY_E_ARG);
	e = vec_e;
	e.mclass = 2;		/* vec_e is flash: class 0 */
	assert_int_equal(qentry_size(&e), QENTRY_E_ARG);
	e.flags = QENTRY_DLR;
	e.mclass = 4;
	assert_int_equal(qentry_size(&e), QENTRY_E_ARG);
	e = vec_e;
	e.deferred = -1;
	assert_int_equal(qentry_size(&e), QENTRY_E_ARG);
	e.deferred = QENTRY_VALIDITY_MAX + 1;
	assert_int_equal(qentry_size(&e), QENTRY_E_ARG);
}

static void test_space(void **state)
{
	uint8_t buf[sizeof(vec_packed)];

	(void)state;
	for (size_t cap = 0; cap < sizeof(vec_packed); cap++)
		assert_int_equal(qentry_encode(&vec_e, buf, cap), QENTRY_E_SPACE);
	assert_int_equal(qentry_encode(&vec_e, buf, sizeof(buf)), sizeof(buf));
}

/* Every string at its limit, the largest validity and ts. */
static void test_limits(void **state)
{
	uint8_t *buf = malloc(QENTRY_MAX + 1), *str = malloc(QENTRY_DATA_MAX);
	struct qentry e, d;

	(void)state;
	assert_non_null(buf);
	assert_non_null(str);
	for (size_t i = 0; i < QENTRY_DATA_MAX; i++)
		str[i] = (uint8_t)(i * 7);
	memset(&e, 0, sizeof(e));
	e.part = e.parts = 255;
	e.sar_ref = 65535;
	e.sar_total = e.sar_seq = 255;
	e.coding = 4;
	e.ts = UINT64_MAX;
	e.validity = QENTRY_VALIDITY_MAX;
	e.deferred = QENTRY_VALIDITY_MAX;
	e.priority = 3;
	e.mclass = 3;
	e.flags = QENTRY_DLR | QENTRY_ACK;
	e.acct.p = e.from.p = e.origin.p = e.udh.p = e.data.p = str;
	e.acct.len = e.from.len = e.origin.len = e.udh.len = QENTRY_STR_MAX;
	e.data.len = QENTRY_DATA_MAX;
	assert_int_equal(qentry_encode(&e, buf, QENTRY_MAX + 1), QENTRY_MAX);
	assert_int_equal(qentry_decode(buf, QENTRY_MAX, &d), QENTRY_MAX);
	assert_entry_eq(&d, &e);
	assert_int_equal(qentry_decode(buf, QENTRY_MAX - 1, &d), QENTRY_E_SHORT);
	e.validity = 0;
	assert_int_equal(qentry_encode(&e, buf, QENTRY_MAX), QENTRY_MAX);
	assert_int_equal(qentry_decode(buf, QENTRY_MAX, &d), QENTRY_MAX);
	assert_true(d.validity == 0);
	e.data.len = QENTRY_DATA_MAX + 1;
	assert_int_equal(qentry_size(&e), QENTRY_E_ARG);
	free(buf);
	free(str);
}

static void test_strerror(void **state)
{
	(void)state;
	for (long e = QENTRY_E_ARG; e <= QENTRY_E_SHORT; e++)
		assert_string_not_equal(qentry_strerror(e), "unknown error");
	assert_string_equal(qentry_strerror(0), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector),
		cmocka_unit_test(test_vector2),
		cmocka_unit_test(test_bad_v2),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_trailing),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_bad_fields),
		cmocka_unit_test(test_encode_args),
		cmocka_unit_test(test_space),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
