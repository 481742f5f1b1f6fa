/*
 * Unit tests for shared/codec/money: strict decimal parsing into 1/10000
 * units, stored-unit parsing, both output formats, and round trips.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "shared/codec/money.h"

struct parse_vec {
	const char *in;
	unsigned flags;
	int rc;
	int64_t units;
};

static const struct parse_vec parse_vecs[] = {
	{ "0.05", 0, 0, 500 },
	{ "0", 0, 0, 0 },
	{ "12", 0, 0, 120000 },
	{ "12.5", 0, 0, 125000 },
	{ "12.50", 0, 0, 125000 },
	{ "0.0001", 0, 0, 1 },
	{ "1.2345", 0, 0, 12345 },
	{ "007", 0, 0, 70000 },
	{ "99999999999.9999", 0, 0, INT64_C(999999999999999) },
	{ "100000000000", 0, MONEY_ERANGE, 0 },
	{ "99999999999.99999", 0, MONEY_EPRECISION, 0 },
	{ "99999999999999999999999", 0, MONEY_ERANGE, 0 },
	{ "", 0, MONEY_EEMPTY, 0 },
	{ "-1", 0, MONEY_ENEGATIVE, 0 },
	{ "+1", 0, MONEY_ENEGATIVE, 0 },
	{ "1e3", 0, MONEY_ESYNTAX, 0 },
	{ "0.00001", 0, MONEY_EPRECISION, 0 },
	{ "abc", 0, MONEY_ESYNTAX, 0 },
	{ ".5", 0, MONEY_ESYNTAX, 0 },
	{ "5.", 0, MONEY_ESYNTAX, 0 },
	{ "5..0", 0, MONEY_ESYNTAX, 0 },
	{ "1.2.3", 0, MONEY_ESYNTAX, 0 },
	{ " 1", 0, MONEY_ESYNTAX, 0 },
	{ "1 ", 0, MONEY_ESYNTAX, 0 },
	{ "1,5", 0, MONEY_ESYNTAX, 0 },
	{ "0x10", 0, MONEY_ESYNTAX, 0 },
	{ "-5", MONEY_SIGNED, 0, -50000 },
	{ "+5", MONEY_SIGNED, 0, 50000 },
	{ "-0.0001", MONEY_SIGNED, 0, -1 },
	{ "-0", MONEY_SIGNED, 0, 0 },
	{ "-", MONEY_SIGNED, MONEY_ESYNTAX, 0 },
	{ "--1", MONEY_SIGNED, MONEY_ESYNTAX, 0 },
	{ "-99999999999.9999", MONEY_SIGNED, 0, -INT64_C(999999999999999) },
	{ "-100000000000", MONEY_SIGNED, MONEY_ERANGE, 0 },
	{ "-1e3", MONEY_SIGNED, MONEY_ESYNTAX, 0 },
};

static void test_parse_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(parse_vecs) / sizeof(parse_vecs[0]); i++) {
		const struct parse_vec *v = &parse_vecs[i];
		int64_t out = 77;
		int rc = money_parse(v->in, strlen(v->in), v->flags, &out);

		if (rc != v->rc || (rc == 0 && out != v->units))
			fail_msg("money_parse(\"%s\", %u): rc %d out %lld, want rc %d out %lld",
			    v->in, v->flags, rc, (long long)out, v->rc, (long long)v->units);
		if (rc != 0)
			assert_int_equal(out, 77); /* untouched on error */
		assert_non_null(money_strerror(rc));
	}
}

static void test_parse_len(void **state)
{
	int64_t out = 0;

	(void)state;
	/* Only len bytes count; the rest of the buffer is not looked at. */
	assert_int_equal(money_parse("0.05xyz", 4, 0, &out), 0);
	assert_int_equal(out, 500);
	assert_int_equal(money_parse("1\0" "2", 3, 0, &out), MONEY_ESYNTAX);
	assert_int_equal(money_parse(NULL, 0, 0, &out), MONEY_EEMPTY);
}

static void test_units_parse(void **state)
{
	int64_t out = 0;

	(void)state;
	assert_int_equal(money_units_parse("0", 1, &out), 0);
	assert_int_equal(out, 0);
	assert_int_equal(money_units_parse("125000", 6, &out), 0);
	assert_int_equal(out, 125000);
	assert_int_equal(money_units_parse("-3", 2, &out), 0);
	assert_int_equal(out, -3);
	assert_int_equal(money_units_parse("999999999999999", 15, &out), 0);
	assert_int_equal(out, MONEY_MAX_UNITS);
	assert_int_equal(money_units_parse("1000000000000000", 16, &out), MONEY_ERANGE);
	assert_int_equal(money_units_parse("", 0, &out), MONEY_EEMPTY);
	assert_int_equal(money_units_parse("-", 1, &out), MONEY_ESYNTAX);
	assert_int_equal(money_units_parse("+1", 2, &out), MONEY_ESYNTAX);
	assert_int_equal(money_units_parse("01", 2, &out), MONEY_ESYNTAX);
	assert_int_equal(money_units_parse("1.5", 3, &out), MONEY_ESYNTAX);
	assert_int_equal(money_units_parse("12a", 3, &out), MONEY_ESYNTAX);
}

struct fmt_vec {
	int64_t units;
	const char *trimmed;
	const char *fixed;
};

static const struct fmt_vec fmt_vecs[] = {
	{ 0, "0", "0.0000" },
	{ 1, "0.0001", "0.0001" },
	{ 500, "0.05", "0.0500" },
	{ 125000, "12.5", "12.5000" },
	{ 30000, "3", "3.0000" },
	{ 12345, "1.2345", "1.2345" },
	{ -1, "-0.0001", "-0.0001" },
	{ -50000, "-5", "-5.0000" },
	{ INT64_C(999999999999999), "99999999999.9999", "99999999999.9999" },
	{ -INT64_C(999999999999999), "-99999999999.9999", "-99999999999.9999" },
};

static void test_format_table(void **state)
{
	char buf[MONEY_TEXT_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(fmt_vecs) / sizeof(fmt_vecs[0]); i++) {
		const struct fmt_vec *v = &fmt_vecs[i];
		int64_t back = 0;

		assert_int_equal(money_format(v->units, 0, buf, sizeof(buf)),
		    (int)strlen(v->trimmed));
		assert_string_equal(buf, v->trimmed);
		assert_int_equal(money_parse(buf, strlen(buf), MONEY_SIGNED, &back), 0);
		assert_int_equal(back, v->units);
		assert_int_equal(money_format(v->units, MONEY_FIXED, buf, sizeof(buf)),
		    (int)strlen(v->fixed));
		assert_string_equal(buf, v->fixed);
		assert_int_equal(money_parse(buf, strlen(buf), MONEY_SIGNED, &back), 0);
		assert_int_equal(back, v->units);
	}
}

static void test_format_limits(void **state)
{
	char buf[MONEY_TEXT_MAX];

	(void)state;
	/* Exactly enough room, then one byte short. */
	assert_int_equal(money_format(125000, 0, buf, 5), 4);
	assert_string_equal(buf, "12.5");
	assert_int_equal(money_format(125000, 0, buf, 4), -1);
	assert_string_equal(buf, "");
	assert_int_equal(money_format(0, 0, buf, 0), -1);
	assert_int_equal(money_format(MONEY_MAX_UNITS + 1, 0, buf, sizeof(buf)), -1);
	assert_int_equal(money_format(-MONEY_MAX_UNITS - 1, 0, buf, sizeof(buf)), -1);
	assert_int_equal(money_format(INT64_MIN, 0, buf, sizeof(buf)), -1);
}

static void test_round_trip_all_small(void **state)
{
	char buf[MONEY_TEXT_MAX];
	int64_t u, back;

	(void)state;
	for (u = -20001; u <= 20001; u++) {
		assert_true(money_format(u, 0, buf, sizeof(buf)) > 0);
		assert_int_equal(money_parse(buf, strlen(buf), MONEY_SIGNED, &back), 0);
		assert_int_equal(back, u);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_parse_len),
		cmocka_unit_test(test_units_parse),
		cmocka_unit_test(test_format_table),
		cmocka_unit_test(test_format_limits),
		cmocka_unit_test(test_round_trip_all_small),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
