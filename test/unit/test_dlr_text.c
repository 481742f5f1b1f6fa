/*
 * Unit tests for shared/codec/dlr_text: the receipt texts of protocols.md §5
 * (S9, B9) and the §1.9 variants, formatting and round trips, stat and status
 * tables (seed 004 §5.4), and id normalisation across hex and decimal.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "shared/codec/dlr_text.h"

#define S9_TEXT                                                                \
	"id:0059113978 sub:001 dlvrd:001 submit date:1002101730 done "         \
	"date:1002101731 stat:DELIVRD err:000 text:@$#!%&/:"
#define B9_TEXT                                                                \
	"id:5F3A9C01 sub:001 dlvrd:001 submit date:2401151230 done "           \
	"date:2401151231 stat:DELIVRD err:000 text:Hello World"

static int dec(const char *s, struct dlr_text *r)
{
	return dlr_text_decode((const uint8_t *)s, strlen(s), r);
}

static void assert_date(const struct dlr_text_date *d, unsigned yy, unsigned mon,
			unsigned day, unsigned hour, unsigned min, int sec)
{
	assert_int_equal(d->yy, yy);
	assert_int_equal(d->mon, mon);
	assert_int_equal(d->day, day);
	assert_int_equal(d->hour, hour);
	assert_int_equal(d->min, min);
	assert_int_equal(d->has_sec, sec >= 0);
	assert_int_equal(d->sec, sec >= 0 ? (unsigned)sec : 0);
}

static void test_s9(void **state)
{
	struct dlr_text r;

	(void)state;
	assert_int_equal(dec(S9_TEXT, &r), (int)strlen(S9_TEXT));
	assert_int_equal(r.fields, 0xff);
	assert_string_equal(r.id, "0059113978");
	assert_int_equal(r.sub, 1);
	assert_int_equal(r.dlvrd, 1);
	assert_date(&r.submit, 10, 2, 10, 17, 30, -1);
	assert_date(&r.done, 10, 2, 10, 17, 31, -1);
	assert_string_equal(r.stat, "DELIVRD");
	assert_int_equal(r.state, DLR_TEXT_STATE_DELIVERED);
	assert_string_equal(r.err, "000");
	assert_int_equal(r.text_len, 8);
	assert_memory_equal(r.text, "@$#!%&/:", 8);
	assert_false(r.text_truncated);
}

static void test_b9_and_12_digits(void **state)
{
	static const char t12[] =
		"id:1234567890 sub:001 dlvrd:000 submit date:240115123045 done "
		"date:240115123159 stat:UNDELIV err:006 text:Hi";
	struct dlr_text r;

	(void)state;
	assert_true(dec(B9_TEXT, &r) > 0);
	assert_string_equal(r.id, "5F3A9C01");
	assert_string_equal(r.text, "Hello World");
	assert_int_equal(r.text_len, 11);
	assert_true(dec(t12, &r) > 0);
	assert_date(&r.submit, 24, 1, 15, 12, 30, 45);
	assert_date(&r.done, 24, 1, 15, 12, 31, 59);
	assert_int_equal(r.dlvrd, 0);
	assert_int_equal(r.state, DLR_TEXT_STATE_UNDELIVERABLE);
}

/* §1.9: case, order, extra spaces, Text:, missing fields, letters in ids. */
static void test_variants(void **state)
{
	struct dlr_text r;

	(void)state;
	assert_true(dec("ID:abc STAT:delivrd ERR:000 Text:Hello", &r) > 0);
	assert_string_equal(r.id, "abc");
	assert_int_equal(r.state, DLR_TEXT_STATE_DELIVERED);
	assert_string_equal(r.text, "Hello");

	assert_true(dec("stat:EXPIRED err:000 id:98765 done date:2401151231", &r) > 0);
	assert_int_equal(r.fields, DLR_TEXT_HAS_STAT | DLR_TEXT_HAS_ERR |
					   DLR_TEXT_HAS_ID | DLR_TEXT_HAS_DONE);
	assert_string_equal(r.id, "98765");

	assert_true(dec("  id:1   sub:001  dlvrd:000\tsubmit  date:2401151230 "
			"done_date:2401151231  stat: REJECTD  err:  text:x y ",
			&r) > 0);
	assert_int_equal(r.fields, 0xff);
	assert_date(&r.submit, 24, 1, 15, 12, 30, -1);
	assert_string_equal(r.stat, "REJECTD");
	assert_string_equal(r.err, ""); /* "err:" followed by the next key */
	assert_string_equal(r.text, "x y ");

	assert_true(dec("id:c8f2b1a4-9e3d-4b7a-8f1e-2d6c0a9b5e77 stat:UNDELIV", &r) > 0);
	assert_string_equal(r.id, "c8f2b1a4-9e3d-4b7a-8f1e-2d6c0a9b5e77");
	assert_int_equal(r.fields, DLR_TEXT_HAS_ID | DLR_TEXT_HAS_STAT);

	/* Unknown fields are skipped; an unknown stat word keeps its text. */
	assert_true(dec("id:5 imsi:123 foo stat:FAILED err:1", &r) > 0);
	assert_string_equal(r.stat, "FAILED");
	assert_int_equal(r.state, DLR_TEXT_STATE_NONE);
	assert_string_equal(r.err, "1");

	/* The message_state names are accepted as stat words. */
	assert_true(dec("id:5 stat:Delivered", &r) > 0);
	assert_int_equal(r.state, DLR_TEXT_STATE_DELIVERED);

	/* Trailing NULs and CR LF; text running to the end, with key-like words. */
	assert_int_equal(dlr_text_decode((const uint8_t *)"id:9 stat:ACCEPTD\r\n\0\0",
					 21, &r), 21);
	assert_int_equal(r.state, DLR_TEXT_STATE_ACCEPTED);
	assert_true(dec("id:9 stat:DELIVRD text:id:1 stat:UNDELIV", &r) > 0);
	assert_string_equal(r.id, "9");
	assert_string_equal(r.text, "id:1 stat:UNDELIV");
	/* An empty date is taken as missing. */
	assert_true(dec("id:9 submit date: done date:2401151231 stat:DELIVRD", &r) > 0);
	assert_int_equal(r.fields, DLR_TEXT_HAS_ID | DLR_TEXT_HAS_DONE |
					   DLR_TEXT_HAS_STAT);
}

static void test_not_receipt(void **state)
{
	static const char *const bad[] = {
		"", "   ", "Hello world", "text:hello", "sub:001 dlvrd:001",
		"hello id:1 stat:DELIVRD", "ident:5 stat:DELIVRD",
	};
	struct dlr_text r;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(dec(bad[i], &r), DLR_TEXT_ENOTRECEIPT);
	assert_int_equal(dlr_text_decode((const uint8_t *)"\0\0", 2, &r),
			 DLR_TEXT_ENOTRECEIPT);
	assert_string_equal(dlr_text_strerror(DLR_TEXT_ENOTRECEIPT),
			    "not a delivery receipt");
}

static void test_field_errors(void **state)
{
	char id66[80] = "id:";
	struct dlr_text r;

	(void)state;
	assert_int_equal(dec("id: stat:DELIVRD", &r), DLR_TEXT_EID);
	assert_int_equal(dec("id:1 id:2 stat:DELIVRD", &r), DLR_TEXT_EDUP);
	assert_int_equal(dec("id:1 stat:DELIVRD STAT:UNDELIV", &r), DLR_TEXT_EDUP);
	assert_int_equal(dec("id:1 sub:abc", &r), DLR_TEXT_ECOUNT);
	assert_int_equal(dec("id:1 sub:1234567890", &r), DLR_TEXT_ECOUNT);
	assert_true(dec("id:1 sub:123456789", &r) > 0); /* 9 digits: the max */
	assert_int_equal(r.sub, 123456789);
	assert_int_equal(dec("id:1 submit date:240115123", &r), DLR_TEXT_EDATE);
	assert_int_equal(dec("id:1 submit date:24011512304", &r), DLR_TEXT_EDATE);
	assert_int_equal(dec("id:1 submit date:2413151230", &r), DLR_TEXT_EDATE);
	assert_int_equal(dec("id:1 done date:2401002359", &r), DLR_TEXT_EDATE);
	assert_int_equal(dec("id:1 done date:2401152400", &r), DLR_TEXT_EDATE);
	assert_int_equal(dec("id:1 done date:240115235960", &r), DLR_TEXT_EDATE);
	assert_int_equal(dec("id:1 done date:24011523x9", &r), DLR_TEXT_EDATE);
	assert_int_equal(dec("id:1 stat:", &r), DLR_TEXT_ESTAT);
	assert_int_equal(dec("id:1 stat:ABCDEFGHIJKLMNOP", &r), DLR_TEXT_ESTAT);
	assert_true(dec("id:1 stat:ABCDEFGHIJKLMNO", &r) > 0); /* 15: the max */
	assert_int_equal(dec("id:1 err:0123456789ABCDEF", &r), DLR_TEXT_EERR);
	/* id of 65 characters is the max, 66 is one over. */
	memset(id66 + 3, '7', 65);
	assert_true(dec(id66, &r) > 0);
	assert_int_equal(strlen(r.id), 65);
	id66[3 + 65] = '7';
	assert_int_equal(dec(id66, &r), DLR_TEXT_EID);
}

static void test_text_cap(void **state)
{
	char in[400] = "id:1 stat:DELIVRD text:";
	size_t base = strlen(in);
	struct dlr_text r;

	(void)state;
	memset(in + base, 'a', 255);
	assert_true(dlr_text_decode((const uint8_t *)in, base + 255, &r) > 0);
	assert_int_equal(r.text_len, 255);
	assert_false(r.text_truncated);
	in[base + 255] = 'b';
	assert_true(dlr_text_decode((const uint8_t *)in, base + 256, &r) > 0);
	assert_int_equal(r.text_len, 255);
	assert_true(r.text_truncated);
	/* Text may carry any byte, including an embedded NUL. */
	assert_true(dlr_text_decode((const uint8_t *)"id:1 stat:DELIVRD text:a\0b",
				    26, &r) > 0);
	assert_int_equal(r.text_len, 3);
	assert_memory_equal(r.text, "a\0b", 3);
}

static void test_encode(void **state)
{
	struct dlr_text r;
	char buf[256];
	size_t n = strlen(S9_TEXT);

	(void)state;
	assert_true(dec(S9_TEXT, &r) > 0);
	assert_int_equal(dlr_text_encode(&r, buf, sizeof(buf)), (int)n);
	assert_string_equal(buf, S9_TEXT);
	/* Exact fit needs room for the NUL; one byte less does not fit. */
	assert_int_equal(dlr_text_encode(&r, buf, n + 1), (int)n);
	assert_int_equal(dlr_text_encode(&r, buf, n), DLR_TEXT_ESPACE);
	assert_int_equal(dlr_text_encode(&r, buf, 0), DLR_TEXT_ESPACE);

	/* From a built struct: state word, 12-digit date, empty err. */
	memset(&r, 0, sizeof(r));
	r.fields = DLR_TEXT_HAS_ID | DLR_TEXT_HAS_SUB | DLR_TEXT_HAS_DLVRD |
		   DLR_TEXT_HAS_DONE | DLR_TEXT_HAS_STAT | DLR_TEXT_HAS_ERR |
		   DLR_TEXT_HAS_TEXT;
	strcpy(r.id, "42");
	r.sub = 1;
	r.done = (struct dlr_text_date){ 24, 1, 15, 12, 31, 5, true };
	r.state = DLR_TEXT_STATE_UNDELIVERABLE;
	memcpy(r.text, "Hi", 2);
	r.text_len = 2;
	assert_true(dlr_text_encode(&r, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "id:42 sub:001 dlvrd:000 done date:240115123105 "
				 "stat:UNDELIV err: text:Hi");
}

static void test_encode_invalid(void **state)
{
	struct dlr_text r;
	char buf[128];

	(void)state;
	memset(&r, 0, sizeof(r));
	r.fields = DLR_TEXT_HAS_TEXT;
	assert_int_equal(dlr_text_encode(&r, buf, sizeof(buf)), DLR_TEXT_EINVAL);
	r.fields = DLR_TEXT_HAS_ID | DLR_TEXT_HAS_STAT;
	strcpy(r.id, "a b");
	r.state = DLR_TEXT_STATE_DELIVERED;
	assert_int_equal(dlr_text_encode(&r, buf, sizeof(buf)), DLR_TEXT_EINVAL);
	strcpy(r.id, "ab");
	r.state = DLR_TEXT_STATE_NONE;
	assert_int_equal(dlr_text_encode(&r, buf, sizeof(buf)), DLR_TEXT_EINVAL);
	r.state = DLR_TEXT_STATE_REJECTED;
	assert_int_equal(dlr_text_encode(&r, buf, sizeof(buf)), 18);
	assert_string_equal(buf, "id:ab stat:REJECTD");
	r.fields |= DLR_TEXT_HAS_SUBMIT; /* zero date: month 0 */
	assert_int_equal(dlr_text_encode(&r, buf, sizeof(buf)), DLR_TEXT_EINVAL);
}

static void test_round_trips(void **state)
{
	static const char *const in[] = {
		S9_TEXT,
		B9_TEXT,
		"ID:abc STAT:delivrd ERR:000 Text:Hello",
		"stat:EXPIRED err:000 id:98765 done date:240115123159",
		"id:1 err: text: spaced  text ",
		"id:x stat:ENROUTE",
	};
	struct dlr_text a, b;
	char buf[512];

	(void)state;
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		int n;

		assert_true(dec(in[i], &a) > 0);
		n = dlr_text_encode(&a, buf, sizeof(buf));
		assert_true(n > 0);
		assert_int_equal(dec(buf, &b), n);
		assert_int_equal(a.fields, b.fields);
		assert_string_equal(a.id, b.id);
		assert_string_equal(a.stat, b.stat);
		assert_string_equal(a.err, b.err);
		assert_int_equal(a.text_len, b.text_len);
		assert_memory_equal(a.text, b.text, a.text_len);
		assert_memory_equal(&a.submit, &b.submit, sizeof(a.submit));
		assert_memory_equal(&a.done, &b.done, sizeof(a.done));
	}
}

static void test_states(void **state)
{
	static const char *const words[] = { "ENROUTE", "DELIVRD", "EXPIRED",
					     "DELETED", "UNDELIV", "ACCEPTD",
					     "UNKNOWN", "REJECTD" };

	(void)state;
	for (int s = 1; s <= 8; s++) {
		assert_string_equal(dlr_text_state_word((enum dlr_text_state)s),
				    words[s - 1]);
		assert_int_equal(dlr_text_state_from_word(words[s - 1], 7), s);
		assert_int_equal(dlr_text_state_final((enum dlr_text_state)s), s != 1);
	}
	assert_int_equal(dlr_text_state_from_word("undeliv", 7),
			 DLR_TEXT_STATE_UNDELIVERABLE);
	assert_int_equal(dlr_text_state_from_word("DELIVR", 6), DLR_TEXT_STATE_NONE);
	assert_int_equal(dlr_text_state_from_word("DELIVRDX", 8), DLR_TEXT_STATE_NONE);
	assert_null(dlr_text_state_word(DLR_TEXT_STATE_NONE));
	assert_null(dlr_text_state_word((enum dlr_text_state)9));
	assert_false(dlr_text_state_final(DLR_TEXT_STATE_NONE));
}

static void test_status_codes(void **state)
{
	(void)state;
	/* Seed 004 Table 6 by stat word. */
	assert_int_equal(dlr_text_status_code(DLR_TEXT_STATE_DELIVERED, "000", 0), 0);
	assert_int_equal(dlr_text_status_code(DLR_TEXT_STATE_ENROUTE, NULL, 0), 247);
	assert_int_equal(dlr_text_status_code(DLR_TEXT_STATE_REJECTED, "000", 0), 249);
	assert_int_equal(dlr_text_status_code(DLR_TEXT_STATE_ACCEPTED, NULL, 0), 250);
	assert_int_equal(dlr_text_status_code(DLR_TEXT_STATE_UNDELIVERABLE, "5", 0), 251);
	assert_int_equal(dlr_text_status_code(DLR_TEXT_STATE_DELETED, NULL, 0), 252);
	assert_int_equal(dlr_text_status_code(DLR_TEXT_STATE_EXPIRED, NULL, 0), 253);
	assert_int_equal(dlr_text_status_code(DLR_TEXT_STATE_UNKNOWN, NULL, 0), 255);
	assert_int_equal(dlr_text_status_code(DLR_TEXT_STATE_NONE, NULL, 0), 255);
	/* err as SMPP command_status, decimal or 0x hex. */
	assert_int_equal(dlr_text_status_code(DLR_TEXT_STATE_REJECTED, "0x0000000B",
					      DLR_TEXT_ERRKIND_SMPP), 11);
	assert_int_equal(dlr_text_status_code(DLR_TEXT_STATE_REJECTED, "88",
					      DLR_TEXT_ERRKIND_SMPP), 88);
	assert_int_equal(dlr_text_status_code(DLR_TEXT_STATE_UNDELIVERABLE, "0x45",
					      DLR_TEXT_ERRKIND_SMPP), 69);
	assert_int_equal(dlr_text_status_code(DLR_TEXT_STATE_REJECTED, "0x14",
					      DLR_TEXT_ERRKIND_SMPP), 249);
	/* err as a MAP error. */
	assert_int_equal(dlr_text_status_code(DLR_TEXT_STATE_UNDELIVERABLE, "027",
					      DLR_TEXT_ERRKIND_MAP), 2);
	assert_int_equal(dlr_text_status_code(DLR_TEXT_STATE_UNDELIVERABLE, "13",
					      DLR_TEXT_ERRKIND_MAP), 15);
	assert_int_equal(dlr_text_status_code(DLR_TEXT_STATE_UNDELIVERABLE, "999",
					      DLR_TEXT_ERRKIND_MAP), 251);
	assert_int_equal(dlr_text_status_code(DLR_TEXT_STATE_UNDELIVERABLE, "abc",
					      DLR_TEXT_ERRKIND_MAP), 251);
	/* err never turns a delivered message into a failure. */
	assert_int_equal(dlr_text_status_code(DLR_TEXT_STATE_DELIVERED, "13",
					      DLR_TEXT_ERRKIND_MAP), 0);
}

static void test_ids(void **state)
{
	char buf[80];
	uint64_t v;

	(void)state;
	/* S9: decimal text id and hex TLV id are the same message. */
	assert_int_equal(dlr_text_id_canon("38601fa", 7, DLR_TEXT_ID_HEX, buf,
					   sizeof(buf)), 8);
	assert_string_equal(buf, "59113978");
	assert_int_equal(dlr_text_id_canon("0059113978", 10, 0, buf, sizeof(buf)), 8);
	assert_string_equal(buf, "59113978");
	/* §1.9 example. */
	assert_true(dlr_text_id_canon("04000000086ECD50", 16, DLR_TEXT_ID_HEX, buf,
				      sizeof(buf)) > 0);
	assert_string_equal(buf, "288230376293190992");
	assert_true(dlr_text_id_canon("000", 3, 0, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "0");
	/* Not numeric: copied, case folded on request. */
	assert_true(dlr_text_id_canon("5F3A9C01", 8, 0, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "5F3A9C01");
	assert_true(dlr_text_id_canon("5F3A9C01", 8, DLR_TEXT_ID_FOLD_CASE, buf,
				      sizeof(buf)) > 0);
	assert_string_equal(buf, "5f3a9c01");
	assert_true(dlr_text_id_canon("5F3A9C01", 8, DLR_TEXT_ID_HEX, buf,
				      sizeof(buf)) > 0);
	assert_string_equal(buf, "1597676545");
	/* 17 hex digits overflow 64 bits: kept as a string. */
	assert_true(dlr_text_id_canon("1FFFFFFFFFFFFFFFF", 17, DLR_TEXT_ID_HEX, buf,
				      sizeof(buf)) > 0);
	assert_string_equal(buf, "1FFFFFFFFFFFFFFFF");
	assert_int_equal(dlr_text_id_canon("", 0, 0, buf, sizeof(buf)), DLR_TEXT_EID);
	assert_int_equal(dlr_text_id_canon("0059113978", 10, 0, buf, 8), DLR_TEXT_ESPACE);
	assert_int_equal(dlr_text_id_canon("0059113978", 10, 0, buf, 9), 8);

	assert_int_equal(dlr_text_id_value("18446744073709551615", 20, 10, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(dlr_text_id_value("18446744073709551616", 20, 10, &v),
			 DLR_TEXT_EINVAL);
	assert_int_equal(dlr_text_id_value("ffffffffffffffff", 16, 16, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(dlr_text_id_value("12a", 3, 10, &v), DLR_TEXT_EINVAL);
	assert_int_equal(dlr_text_id_value("-1", 2, 10, &v), DLR_TEXT_EINVAL);
	assert_int_equal(dlr_text_id_value("1", 1, 8, &v), DLR_TEXT_EINVAL);
	assert_int_equal(dlr_text_id_format(0x38601fa, 16, buf, sizeof(buf)), 7);
	assert_string_equal(buf, "38601fa");
	assert_int_equal(dlr_text_id_format(0, 10, buf, 2), 1);
	assert_string_equal(buf, "0");
	assert_int_equal(dlr_text_id_format(10, 10, buf, 2), DLR_TEXT_ESPACE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_s9),
		cmocka_unit_test(test_b9_and_12_digits),
		cmocka_unit_test(test_variants),
		cmocka_unit_test(test_not_receipt),
		cmocka_unit_test(test_field_errors),
		cmocka_unit_test(test_text_cap),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_encode_invalid),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_status_codes),
		cmocka_unit_test(test_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
