/*
 * money — decimal prices and credit as text <-> integer units of 1/10000.
 *
 * Every amount Hermod stores (account credit, per-part prices) is an integer
 * count of MONEY_SCALE-ths of the currency unit, so Redis can add and compare
 * them exactly (HINCRBY, Lua). This module turns the decimal text an operator
 * types ("0.05") into units (500) and back. Pure: libc only, no allocation.
 */
#ifndef HERMOD_MONEY_H
#define HERMOD_MONEY_H

#include <stddef.h>
#include <stdint.h>

/* Units per currency unit, and the decimals that can be written. */
#define MONEY_SCALE 10000
#define MONEY_DECIMALS 4

/*
 * The largest amount in units (99,999,999,999.9999). It stays below 2^53 so
 * that Redis Lua scripts, whose numbers are doubles, compare amounts exactly.
 */
#define MONEY_MAX_UNITS INT64_C(999999999999999)

/* Room for any formatted amount: sign, 11 digits, '.', 4 digits, NUL. */
#define MONEY_TEXT_MAX 24

/* Error codes (negative) of the parsers. */
enum money_err {
	MONEY_EEMPTY = -1,	/* no characters */
	MONEY_ESYNTAX = -2,	/* not [+|-]digits[.digits] ("1e3", "abc", ".5", "5.") */
	MONEY_EPRECISION = -3,	/* more than MONEY_DECIMALS decimals ("0.00001") */
	MONEY_ERANGE = -4,	/* beyond MONEY_MAX_UNITS in magnitude */
	MONEY_ENEGATIVE = -5,	/* a sign where none is allowed ("-1") */
};

/* money_parse() flags */
#define MONEY_SIGNED 0x1	/* accept a leading '-' or '+' (credit deltas) */

/*
 * Parses the decimal amount s[0..len) into units: "0.05" -> 500, "12" ->
 * 120000, "12.5" -> 125000. Grammar: digits, optionally '.' and 1 to 4 digits;
 * with MONEY_SIGNED an optional leading '+' or '-'. No spaces, no exponent, no
 * thousands separators. s need not be NUL-terminated; a NUL inside it is a
 * syntax error. Returns 0 and *out, or a negative enum money_err (*out is then
 * untouched). "-0" with MONEY_SIGNED gives 0.
 */
int money_parse(const char *s, size_t len, unsigned flags, int64_t *out);

/*
 * Parses a stored amount: a plain decimal integer count of units (what Redis
 * holds, e.g. the `credit` field), optional leading '-', no '+', no leading
 * zeros except "0" itself, within +-MONEY_MAX_UNITS. Returns 0 and *out, or a
 * negative enum money_err.
 */
int money_units_parse(const char *s, size_t len, int64_t *out);

/* money_format() flags */
#define MONEY_FIXED 0x1	/* always four decimals: "12.5000", "0.0500", "3.0000" */

/*
 * Writes units as decimal text into buf (cap bytes, NUL-terminated). Default
 * format is trimmed: no trailing zeros after the point and no point for whole
 * amounts ("12.5", "0.05", "3", "-0.0001"). Returns the length written
 * (without the NUL), or -1 when cap is too small or |units| > MONEY_MAX_UNITS
 * (buf is then "" when cap > 0).
 */
int money_format(int64_t units, unsigned flags, char *buf, size_t cap);

/* A short English description of a money_parse() error code. */
const char *money_strerror(int err);

#endif
