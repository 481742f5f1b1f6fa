/*
 * Fuzz target for shared/codec/cidr: any text either fails to parse or gives
 * networks with a valid family and prefix that format to text which parses
 * back to the same network, and that contain their own address.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shared/codec/cidr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_one(const struct cidr *c)
{
	char text[CIDR_TEXT_MAX];
	struct cidr back;
	int n;

	if ((c->af != 4 && c->af != 6) || c->bits > (c->af == 4 ? 32 : 128))
		abort();
	n = cidr_format(c, text, sizeof(text));
	if (n <= 0 || cidr_parse(text, (size_t)n, &back) != 0 ||
	    back.af != c->af || back.bits != c->bits ||
	    memcmp(back.addr, c->addr, c->af == 4 ? 4 : 16) != 0)
		abort();
	if (!cidr_contains(c, c) || cidr_list_match(c, 1, &back) != c)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cidr list[8], one;
	size_t bad = 0;
	int n, i;

	if (size > 1024)
		return 0;
	if (cidr_parse((const char *)data, size, &one) == 0)
		check_one(&one);
	if (cidr_parse_addr((const char *)data, size, &one) == 0) {
		struct cidr v4;

		if (one.bits != (one.af == 4 ? 32 : 128))
			abort();
		check_one(&one);
		/* a carried IPv4 address is a full IPv4 address, from IPv6 only */
		if (cidr_embedded_v4(&one, &v4) == 0) {
			if (one.af != 6 || v4.af != 4 || v4.bits != 32)
				abort();
			check_one(&v4);
		}
	}
	n = cidr_list_parse((const char *)data, size, list, 8, &bad);
	if (n < -1 || n > 8 || (n < 0 && (bad < 1 || bad > 9)))
		abort();
	for (i = 0; i < n; i++)
		check_one(&list[i]);
	/* X-Forwarded-For against the first item of the text as the trusted
	 * list: an answer is an address, never a trusted one when rc is 1. */
	i = cidr_forwarded_client((const char *)data, size, list, n > 0 ? 1 : 0,
	    &one);
	if (i < -1 || i > 1)
		abort();
	if (i >= 0) {
		if (one.bits != (one.af == 4 ? 32 : 128))
			abort();
		check_one(&one);
		if (i == 1 && n > 0 && cidr_contains(&list[0], &one))
			abort();
	}
	return 0;
}
