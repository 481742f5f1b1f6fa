/*
 * money — decimal prices and credit as text <-> integer units of 1/10000.
 *
 * Strict on input (an operator's typo must not become a price) and exact: no
 * floating point anywhere. Pure codec layer.
 */
#include "config.h"

#include "shared/codec/money.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static bool money_isdigit(char c)
{
	return c >= '0' && c <= '9';
}

/* Accumulates digits s[i..end) into *acc, failing past MONEY_MAX_UNITS. */
static int money_digits(const char *s, size_t i, size_t end, int64_t *acc)
{
	for (; i < end; i++) {
		if (!money_isdigit(s[i]))
			return MONEY_ESYNTAX;
		if (*acc > (MONEY_MAX_UNITS - (s[i] - '0')) / 10)
			return MONEY_ERANGE;
		*acc = *acc * 10 + (s[i] - '0');
	}
	return 0;
}

int money_parse(const char *s, size_t len, unsigned flags, int64_t *out)
{
	size_t i = 0, dot, ndec, k;
	bool neg = false;
	int64_t whole = 0, frac = 0;
	int rc;

	if (s == NULL || len == 0)
		return MONEY_EEMPTY;
	if (s[0] == '-' || s[0] == '+') {
		if (!(flags & MONEY_SIGNED))
			return MONEY_ENEGATIVE;
		neg = s[0] == '-';
		i = 1;
	}
	for (dot = i; dot < len && s[dot] != '.'; dot++)
		if (!money_isdigit(s[dot]))
			return MONEY_ESYNTAX;
	if (dot == i)
		return MONEY_ESYNTAX;
	if (dot < len) {
		ndec = len - dot - 1;
		if (ndec == 0)
			return MONEY_ESYNTAX;
		for (k = dot + 1; k < len; k++)
			if (!money_isdigit(s[k]))
				return MONEY_ESYNTAX;
		if (ndec > MONEY_DECIMALS)
			return MONEY_EPRECISION;
		rc = money_digits(s, dot + 1, len, &frac);
		if (rc < 0)
			return rc;
		for (k = ndec; k < MONEY_DECIMALS; k++)
			frac *= 10;
	}
	/* whole * SCALE + frac must stay within MONEY_MAX_UNITS. */
	rc = money_digits(s, i, dot, &whole);
	if (rc < 0)
		return rc;
	if (whole > (MONEY_MAX_UNITS - frac) / MONEY_SCALE)
		return MONEY_ERANGE;
	whole = whole * MONEY_SCALE + frac;
	*out = neg ? -whole : whole;
	return 0;
}

int money_units_parse(const char *s, size_t len, int64_t *out)
{
	size_t i = 0;
	int64_t v = 0;
	int rc;

	if (s == NULL || len == 0)
		return MONEY_EEMPTY;
	if (s[0] == '-')
		i = 1;
	if (i == len)
		return MONEY_ESYNTAX;
	if (s[i] == '0' && len - i > 1)
		return MONEY_ESYNTAX;
	rc = money_digits(s, i, len, &v);
	if (rc < 0)
		return rc;
	*out = i ? -v : v;
	return 0;
}

int money_format(int64_t units, unsigned flags, char *buf, size_t cap)
{
	char tmp[MONEY_TEXT_MAX];
	int64_t mag, whole, frac;
	int n, ndec = MONEY_DECIMALS;

	if (cap > 0)
		buf[0] = '\0';
	if (units > MONEY_MAX_UNITS || units < -MONEY_MAX_UNITS)
		return -1;
	mag = units < 0 ? -units : units;
	whole = mag / MONEY_SCALE;
	frac = mag % MONEY_SCALE;
	if (!(flags & MONEY_FIXED)) {
		while (ndec > 0 && frac % 10 == 0) {
			frac /= 10;
			ndec--;
		}
	}
	if (ndec > 0)
		n = snprintf(tmp, sizeof(tmp), "%s%lld.%0*lld", units < 0 ? "-" : "",
		    (long long)whole, ndec, (long long)frac);
	else
		n = snprintf(tmp, sizeof(tmp), "%s%lld", units < 0 ? "-" : "",
		    (long long)whole);
	if (n < 0 || (size_t)n >= cap)
		return -1;
	memcpy(buf, tmp, (size_t)n + 1);
	return n;
}

const char *money_strerror(int err)
{
	switch (err) {
	case MONEY_EEMPTY:
		return "empty amount";
	case MONEY_ESYNTAX:
		return "not a decimal amount (digits with an optional '.' and up to 4 decimals)";
	case MONEY_EPRECISION:
		return "more than 4 decimals";
	case MONEY_ERANGE:
		return "amount out of range";
	case MONEY_ENEGATIVE:
		return "negative amount not allowed here";
	default:
		return "invalid amount";
	}
}
