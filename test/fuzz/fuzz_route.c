/*
 * Fuzz target for shared/codec/route. The input is configuration text, then
 * optionally a line "%%" and destination numbers, one a line. The text is
 * appended to a fixed head (group core and smsc links a, b, c, so that routes
 * naming them validate), parsed with conf_parse and checked with
 * conf_schema_validate; a valid configuration builds a route table
 * (route_table_new) in which every given number, and a few fixed ones, is
 * looked up. Each lookup is compared with a reference computed directly from
 * the configuration: the route with the longest matching prefix (the first
 * such route on a tie), else the last `default = yes` route, else none; its
 * links must be the route's smsc-id list. route_pick and route_failover are run
 * over the result with an up() taken from the input.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shared/codec/conf.h"
#include "shared/codec/conf_schema.h"
#include "shared/codec/route.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ROUTE_MAX 8192
#define FUZZ_ROUTE_NUM_MAX 64

static const char fuzz_route_head[] =
	"group = core\n"
	"\n"
	"group = smsc\nsmsc-id = a\nhost = h\nport = 1\nsystem-id = s\n"
	"\n"
	"group = smsc\nsmsc-id = b\nhost = h\nport = 1\nsystem-id = s\n"
	"\n"
	"group = smsc\nsmsc-id = c\nhost = h\nport = 1\nsystem-id = s\n"
	"\n";

static const char *const fuzz_route_fixed[] = {
	"", "+", "4", "44", "+447700900123", "447", "0044", "1",
	"12345678901234567890123456789",
};

#define FUZZ_ROUTE_NFIXED (sizeof(fuzz_route_fixed) / sizeof(fuzz_route_fixed[0]))

static void fuzz_route_check(int cond)
{
	if (!cond)
		abort();
}

/* The group route_lookup must answer for to, or NULL. */
static const struct conf_group *fuzz_route_expect(const struct conf *c,
						  const char *to)
{
	char items[CONF_LIST_MAX][CONF_ITEM_MAX];
	const struct conf_group *g = NULL, *best = NULL, *dflt = NULL;
	size_t best_len = 0, n;

	if (to[0] == '+')
		to++;
	while ((g = conf_group_next(c, g, "route")) != NULL) {
		if (conf_schema_get_bool(g, "default"))
			dflt = g;
		n = conf_schema_get_list(g, "prefix", items, CONF_LIST_MAX);
		for (size_t i = 0; i < n; i++) {
			const char *p = items[i][0] == '+' ? items[i] + 1 : items[i];
			size_t l = strlen(p);

			if (l >= ROUTE_PREFIX_MAX || strncmp(to, p, l) != 0)
				continue;
			if (best == NULL || l > best_len) {
				best = g;
				best_len = l;
			}
		}
	}
	return best != NULL ? best : dflt;
}

/* r must hold g's links, in order. */
static void fuzz_route_same(const struct route *r, const struct conf_group *g)
{
	char items[CONF_LIST_MAX][CONF_ITEM_MAX];
	size_t n = conf_schema_get_list(g, "smsc-id", items, CONF_LIST_MAX), k = 0;

	for (size_t i = 0; i < n && k < ROUTE_LINKS_MAX; i++) {
		if (strlen(items[i]) >= ROUTE_ID_MAX)
			continue;
		fuzz_route_check(strcmp(r->links[k++], items[i]) == 0);
	}
	fuzz_route_check(r->nlinks == k);
}

/* up(): link is up when its first letter's bit is set in *arg. */
static bool fuzz_route_up(const char *link, void *arg)
{
	unsigned mask = *(const unsigned *)arg;

	return (mask >> ((unsigned char)link[0] % 8)) & 1;
}

/* route_pick and route_failover over r with the links up by mask. */
static void fuzz_route_pick(const struct route *r, unsigned mask)
{
	const char *l, *first_up = NULL;
	size_t i;

	for (i = 0; i < r->nlinks && first_up == NULL; i++)
		if (fuzz_route_up(r->links[i], &mask))
			first_up = r->links[i];
	l = route_pick(r, fuzz_route_up, &mask);
	if (r->nlinks == 0) {
		fuzz_route_check(l == NULL);
		return;
	}
	fuzz_route_check(l == (first_up != NULL ? first_up : r->links[0]));
	fuzz_route_check(route_pick(r, NULL, NULL) == r->links[0]);
	/* Failover: the first other link that is up, never the link itself. */
	for (i = 0; i < r->nlinks; i++) {
		const char *from = r->links[i], *next, *want = NULL;
		size_t j;

		for (j = 0; j < r->nlinks && want == NULL; j++)
			if (strcmp(r->links[j], from) != 0 &&
			    fuzz_route_up(r->links[j], &mask))
				want = r->links[j];
		next = route_failover(r, from, fuzz_route_up, &mask);
		fuzz_route_check(next == want);
		fuzz_route_check(next == NULL || strcmp(next, from) != 0);
	}
}

static void fuzz_route_one(const struct route_table *t, const struct conf *c,
			   const char *to, unsigned mask)
{
	const struct conf_group *g = fuzz_route_expect(c, to);
	const struct route *r = route_lookup(t, to);

	fuzz_route_check((r == NULL) == (g == NULL));
	if (r == NULL)
		return;
	fuzz_route_same(r, g);
	fuzz_route_pick(r, mask);
}

/* Looks up every line of nums[0..len), then the fixed numbers. */
static void fuzz_route_lookups(const struct route_table *t, const struct conf *c,
			       const char *nums, size_t len)
{
	char to[FUZZ_ROUTE_NUM_MAX + 1];
	unsigned mask = len ? (unsigned char)nums[0] : 0x55;

	while (len > 0) {
		const char *nl = memchr(nums, '\n', len);
		size_t l = nl ? (size_t)(nl - nums) : len, k;

		k = l < FUZZ_ROUTE_NUM_MAX ? l : FUZZ_ROUTE_NUM_MAX;
		memcpy(to, nums, k);
		to[k] = '\0';
		fuzz_route_one(t, c, to, mask);
		mask = mask * 7 + 3;
		nums += nl ? l + 1 : l;
		len -= nl ? l + 1 : l;
	}
	for (size_t i = 0; i < FUZZ_ROUTE_NFIXED; i++)
		fuzz_route_one(t, c, fuzz_route_fixed[i], mask++);
}

/* Splits the input at its "%%" line: config in[0..*clen), numbers after. */
static const char *fuzz_route_split(const char *in, size_t size, size_t *clen,
				    size_t *nlen)
{
	const char *sep;

	*clen = size;
	*nlen = 0;
	if (size >= 3 && memcmp(in, "%%\n", 3) == 0) {
		*clen = 0;
		*nlen = size - 3;
		return in + 3;
	}
	sep = size >= 4 ? memmem(in, size, "\n%%\n", 4) : NULL;
	if (sep == NULL)
		return "";
	*clen = (size_t)(sep - in) + 1;
	*nlen = size - *clen - 3;
	return sep + 4;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[sizeof(fuzz_route_head) + FUZZ_ROUTE_MAX];
	size_t clen, nlen, hl = sizeof(fuzz_route_head) - 1;
	const char *nums;
	struct route_table *t;
	struct conf *c;

	if (size > FUZZ_ROUTE_MAX)
		return 0;
	nums = fuzz_route_split((const char *)data, size, &clen, &nlen);
	memcpy(text, fuzz_route_head, hl);
	memcpy(text + hl, data, clen);
	c = conf_parse("fuzz.conf", text, hl + clen, NULL, NULL);
	if (c == NULL)
		return 0;
	if (conf_schema_validate(c) != 0) {
		conf_free(c);
		return 0;
	}
	t = route_table_new(c);
	if (t != NULL) {
		fuzz_route_lookups(t, c, nums, nlen);
		route_table_free(t);
	}
	conf_free(c);
	return 0;
}
