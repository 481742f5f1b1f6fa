/*
 * Fuzz target for shared/codec/money. The first octet picks the flags
 * (bit 0 MONEY_SIGNED); the rest is the text.
 *
 * - money_parse: an accepted amount is within +-MONEY_MAX_UNITS, formats in
 *   both styles, and each formatted text parses back to the same units (trimmed
 *   text has no trailing zero after the point); a rejected one leaves *out
 *   untouched and has a description.
 * - money_units_parse: an accepted count prints back with %lld to the same
 *   text (except "-0"), and formats/parses round-trip like above.
 * - The first 8 text octets as an int64: money_format succeeds exactly within
 *   range, fails for every cap shorter than its length plus the NUL, and its
 *   text parses back.
 */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/codec/money.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MONEY_SENTINEL INT64_C(0x5A5A5A5A5A5A5A5A)

static void fuzz_money_check(int cond)
{
	if (!cond)
		abort();
}

/* Formats v with flags and parses it back; v must be in range. */
static void fuzz_money_roundtrip(int64_t v, unsigned flags)
{
	char buf[MONEY_TEXT_MAX], small[MONEY_TEXT_MAX];
	int64_t back = FUZZ_MONEY_SENTINEL;
	const char *dot;
	int n;

	n = money_format(v, flags, buf, sizeof(buf));
	fuzz_money_check(n > 0 && n < MONEY_TEXT_MAX && (size_t)n == strlen(buf));
	fuzz_money_check(money_parse(buf, (size_t)n, MONEY_SIGNED, &back) == 0);
	fuzz_money_check(back == v);
	if (v >= 0) {
		back = FUZZ_MONEY_SENTINEL;
		fuzz_money_check(money_parse(buf, (size_t)n, 0, &back) == 0 &&
				 back == v);
	}
	dot = strchr(buf, '.');
	if (flags & MONEY_FIXED)
		fuzz_money_check(dot != NULL && strlen(dot + 1) == MONEY_DECIMALS);
	else if (dot != NULL)
		fuzz_money_check(buf[n - 1] != '0' && buf[n - 1] != '.');
	else
		fuzz_money_check(v % MONEY_SCALE == 0);
	/* Every cap short of n + 1 fails and leaves "" (when cap > 0). */
	for (size_t cap = 0; cap <= (size_t)n; cap++) {
		memset(small, 'x', sizeof(small));
		fuzz_money_check(money_format(v, flags, small, cap) == -1);
		fuzz_money_check(cap == 0 ? small[0] == 'x' : small[0] == '\0');
	}
	fuzz_money_check(money_format(v, flags, small, (size_t)n + 1) == n);
	fuzz_money_check(strcmp(small, buf) == 0);
}

static bool fuzz_money_in_range(int64_t v)
{
	return v <= MONEY_MAX_UNITS && v >= -MONEY_MAX_UNITS;
}

static void fuzz_money_text(const char *s, size_t len, unsigned flags)
{
	int64_t v = FUZZ_MONEY_SENTINEL;
	int rc = money_parse(s, len, flags, &v);

	if (rc != 0) {
		fuzz_money_check(rc >= MONEY_ENEGATIVE && rc <= MONEY_EEMPTY);
		fuzz_money_check(v == FUZZ_MONEY_SENTINEL);
		fuzz_money_check(money_strerror(rc) != NULL);
		fuzz_money_check(rc != MONEY_EEMPTY || len == 0);
		return;
	}
	fuzz_money_check(fuzz_money_in_range(v));
	fuzz_money_check(v >= 0 || (flags & MONEY_SIGNED));
	/* The text had no more than MONEY_DECIMALS decimals: exact. */
	fuzz_money_roundtrip(v, 0);
	fuzz_money_roundtrip(v, MONEY_FIXED);
}

static void fuzz_money_units(const char *s, size_t len)
{
	char buf[32];
	int64_t v = FUZZ_MONEY_SENTINEL;
	int rc = money_units_parse(s, len, &v), n;

	if (rc != 0) {
		fuzz_money_check(rc < 0 && v == FUZZ_MONEY_SENTINEL);
		return;
	}
	fuzz_money_check(fuzz_money_in_range(v));
	n = snprintf(buf, sizeof(buf), "%" PRId64, v);
	if (!(len == 2 && memcmp(s, "-0", 2) == 0))
		fuzz_money_check((size_t)n == len && memcmp(buf, s, len) == 0);
	fuzz_money_roundtrip(v, 0);
	fuzz_money_roundtrip(v, MONEY_FIXED);
}

static void fuzz_money_int(const uint8_t *p, size_t len)
{
	char buf[MONEY_TEXT_MAX];
	uint64_t u = 0;
	int64_t v;

	if (len < 8)
		return;
	for (size_t i = 0; i < 8; i++)
		u = u << 8 | p[i];
	memcpy(&v, &u, sizeof(v));
	if (!fuzz_money_in_range(v)) {
		fuzz_money_check(money_format(v, 0, buf, sizeof(buf)) == -1);
		fuzz_money_check(buf[0] == '\0');
		/* Reduce into range so the round trip still runs. */
		v %= MONEY_MAX_UNITS + 1;
	}
	fuzz_money_roundtrip(v, 0);
	fuzz_money_roundtrip(v, MONEY_FIXED);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s;
	size_t len;

	if (size == 0 || size > 256)
		return 0;
	s = (const char *)data + 1;
	len = size - 1;
	fuzz_money_text(s, len, data[0] & MONEY_SIGNED);
	fuzz_money_units(s, len);
	fuzz_money_int(data + 1, len);
	return 0;
}
