/*
 * Unit tests for shared/codec/cidr: IPv4 and IPv6 addresses and networks,
 * prefix edges (/0, /full, odd lengths), IPv4-mapped IPv6, IPv4 carried by
 * NAT64 and 6to4 addresses, lists with blanks
 * and both separators, every refusal, and formatting back to text.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "shared/codec/cidr.h"

static struct cidr net(const char *s)
{
	struct cidr c;

	assert_int_equal(cidr_parse(s, strlen(s), &c), 0);
	return c;
}

static bool in(const char *n, const char *a)
{
	struct cidr nc = net(n), ac;

	assert_int_equal(cidr_parse_addr(a, strlen(a), &ac), 0);
	return cidr_contains(&nc, &ac);
}

static void test_parse(void **state)
{
	struct cidr c;
	static const char *const bad[] = {
		"", "/8", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/8/8", "10.0.0.0/+8",
		"10.0.0.0/-1", "10.0.0.0/0008", "10.0.0", "10.0.0.256", "127.1",
		" 10.0.0.1", "10.0.0.1 ", "::1/129", "fe80::1%eth0", "localhost",
		"1.2.3.4/8a", "::g", "0x7f000001",
	};
	size_t i;

	(void)state;
	c = net("10.1.2.3/8");
	assert_int_equal(c.af, 4);
	assert_int_equal(c.bits, 8);
	c = net("192.0.2.7");
	assert_int_equal(c.bits, 32);
	c = net("2001:db8::/32");
	assert_int_equal(c.af, 6);
	assert_int_equal(c.bits, 32);
	c = net("::ffff:192.0.2.7");
	assert_int_equal(c.af, 4);
	assert_int_equal(c.bits, 32);
	assert_memory_equal(c.addr, "\xc0\x00\x02\x07", 4);
	c = net("::ffff:10.0.0.0/104");
	assert_int_equal(c.af, 4);
	assert_int_equal(c.bits, 8);
	c = net("0.0.0.0/0");
	assert_int_equal(c.bits, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(cidr_parse(bad[i], strlen(bad[i]), &c), -1);
	assert_int_equal(cidr_parse_addr("10.0.0.0/8", 10, &c), -1);
	assert_int_equal(cidr_parse_addr("10.0.0.1", 8, &c), 0);
	/* n bounds the text: "10.0.0.1" within "10.0.0.12" */
	assert_int_equal(cidr_parse("10.0.0.12", 8, &c), 0);
	assert_memory_equal(c.addr, "\x0a\x00\x00\x01", 4);
	assert_int_equal(cidr_parse("10.0\0.0.1", 9, &c), -1);
}

static void test_contains(void **state)
{
	(void)state;
	assert_true(in("10.0.0.0/8", "10.255.1.2"));
	assert_false(in("10.0.0.0/8", "11.0.0.0"));
	assert_true(in("172.16.0.0/12", "172.31.255.255"));
	assert_false(in("172.16.0.0/12", "172.32.0.0"));
	assert_true(in("100.64.0.0/10", "100.127.0.1"));
	assert_false(in("100.64.0.0/10", "100.128.0.1"));
	assert_true(in("0.0.0.0/0", "203.0.113.5"));
	assert_false(in("0.0.0.0/0", "2001:db8::1"));
	assert_true(in("127.0.0.0/8", "::ffff:127.0.0.1"));
	assert_true(in("::ffff:127.0.0.0/104", "127.9.9.9"));
	assert_true(in("192.0.2.7", "192.0.2.7"));
	assert_false(in("192.0.2.7", "192.0.2.8"));
	assert_true(in("fe80::/10", "febf::1"));
	assert_false(in("fe80::/10", "fec0::1"));
	assert_true(in("fc00::/7", "fd12:3456::1"));
	assert_true(in("::1/128", "::1"));
	assert_false(in("::1/128", "::2"));
	assert_true(in("::/0", "2001:db8::1"));
	assert_false(in("::/0", "10.0.0.1"));
	assert_true(in("10.1.128.0/17", "10.1.128.1"));
	assert_false(in("10.1.128.0/17", "10.1.127.255"));
	/* host bits under the prefix are ignored */
	assert_true(in("10.9.9.9/8", "10.0.0.1"));
	/* a network is in a wider one, not in a narrower one */
	{
		struct cidr w = net("10.0.0.0/8"), n = net("10.1.0.0/16");

		assert_true(cidr_contains(&w, &n));
		assert_false(cidr_contains(&n, &w));
	}
}

static void test_bytes(void **state)
{
	static const uint8_t v6m[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
					 169, 254, 169, 254 };
	struct cidr c, link = net("169.254.0.0/16");

	(void)state;
	assert_int_equal(cidr_from_bytes(4, (const uint8_t *)"\x7f\0\0\1", 4, &c), 0);
	assert_true(cidr_contains(&(struct cidr){ .af = 4, .bits = 8,
	    .addr = { 127 } }, &c));
	assert_int_equal(cidr_from_bytes(6, v6m, 16, &c), 0);
	assert_int_equal(c.af, 4);
	assert_true(cidr_contains(&link, &c));
	assert_int_equal(cidr_from_bytes(4, v6m, 16, &c), -1);
	assert_int_equal(cidr_from_bytes(6, v6m, 4, &c), -1);
	assert_int_equal(cidr_from_bytes(5, v6m, 4, &c), -1);
}

/* v6 carries v4 for translation (want "" when it carries none). */
static void embedded(const char *v6, const char *want)
{
	struct cidr a, v4 = { .af = 9 };
	char text[CIDR_TEXT_MAX];

	assert_int_equal(cidr_parse(v6, strlen(v6), &a), 0);
	if (want[0] == '\0') {
		assert_int_equal(cidr_embedded_v4(&a, &v4), -1);
		assert_int_equal(v4.af, 9);
		return;
	}
	assert_int_equal(cidr_embedded_v4(&a, &v4), 0);
	assert_int_equal(cidr_format(&v4, text, sizeof(text)), (int)strlen(want));
	assert_string_equal(text, want);
}

static void test_embedded_v4(void **state)
{
	(void)state;
	embedded("64:ff9b::7f00:1", "127.0.0.1");
	embedded("64:ff9b::169.254.169.254", "169.254.169.254");
	embedded("64:ff9b::808:808", "8.8.8.8");
	embedded("2002:a00:1::", "10.0.0.1");
	embedded("2002:c0a8:101:5::1", "192.168.1.1");
	embedded("2002::", "0.0.0.0");
	embedded("64:ff9b:1::7f00:1", "");	/* local-use prefix: no fixed place */
	embedded("64:ff9b::/96", "");		/* a network */
	embedded("2003::1", "");
	embedded("2001:db8::1", "");
	embedded("::1", "");
	embedded("127.0.0.1", "");
	embedded("::ffff:127.0.0.1", "");	/* already IPv4 (unmapped) */
}

static void test_list(void **state)
{
	struct cidr l[4], a;
	const char *s;
	size_t bad = 0;

	(void)state;
	s = " 127.0.0.0/8 ,::1;\t10.0.0.0/8 ";
	assert_int_equal(cidr_list_parse(s, strlen(s), l, 4, &bad), 3);
	assert_int_equal(cidr_parse_addr("10.2.3.4", 8, &a), 0);
	assert_ptr_equal(cidr_list_match(l, 3, &a), &l[2]);
	assert_int_equal(cidr_parse_addr("::1", 3, &a), 0);
	assert_ptr_equal(cidr_list_match(l, 3, &a), &l[1]);
	assert_int_equal(cidr_parse_addr("8.8.8.8", 7, &a), 0);
	assert_null(cidr_list_match(l, 3, &a));
	assert_null(cidr_list_match(l, 0, &a));
	assert_int_equal(cidr_list_parse("", 0, l, 4, &bad), 0);
	assert_int_equal(cidr_list_parse("  ", 2, l, 4, &bad), 0);
	assert_int_equal(cidr_list_parse("1.2.3.4,,5.6.7.8", 16, l, 4, &bad), -1);
	assert_int_equal(bad, 2);
	assert_int_equal(cidr_list_parse("1.2.3.4,", 8, l, 4, &bad), -1);
	assert_int_equal(bad, 2);
	assert_int_equal(cidr_list_parse("1.2.3.4,nope", 12, l, 4, &bad), -1);
	assert_int_equal(bad, 2);
	s = "1.1.1.1,2.2.2.2,3.3.3.3,4.4.4.4,5.5.5.5";
	assert_int_equal(cidr_list_parse(s, strlen(s), l, 4, &bad), -1);
	assert_int_equal(bad, 5);
	assert_int_equal(cidr_list_parse(s, strlen(s), l, 4, NULL), -1);
}

/* X-Forwarded-For from a trusted proxy: the rightmost untrusted entry. */
static int xff(const char *v, const char *trusted, char *got)
{
	struct cidr t[4], c;
	int n = cidr_list_parse(trusted, strlen(trusted), t, 4, NULL), rc;

	assert_true(n >= 0);
	got[0] = '\0';
	rc = cidr_forwarded_client(v, strlen(v), t, (size_t)n, &c);
	if (rc >= 0)
		assert_true(cidr_format(&c, got, CIDR_TEXT_MAX) > 0);
	return rc;
}

static void test_forwarded(void **state)
{
	char got[CIDR_TEXT_MAX];

	(void)state;
	assert_int_equal(xff("203.0.113.5", "127.0.0.1", got), 1);
	assert_string_equal(got, "203.0.113.5");
	/* a client's own header is on the left: the proxy's entry wins */
	assert_int_equal(xff("1.1.1.1, 203.0.113.5", "127.0.0.1", got), 1);
	assert_string_equal(got, "203.0.113.5");
	/* chained proxies are skipped from the right */
	assert_int_equal(xff("1.1.1.1,203.0.113.5, 10.0.0.2 ,10.0.0.3", "10.0.0.0/8", got), 1);
	assert_string_equal(got, "203.0.113.5");
	/* all trusted: the leftmost */
	assert_int_equal(xff("10.0.0.9, 10.0.0.2", "10.0.0.0/8", got), 0);
	assert_string_equal(got, "10.0.0.9");
	/* ports, brackets, IPv6, IPv4-mapped */
	assert_int_equal(xff("203.0.113.5:4711", "", got), 1);
	assert_string_equal(got, "203.0.113.5");
	assert_int_equal(xff("[2001:db8::7]:443", "", got), 1);
	assert_string_equal(got, "2001:db8::7");
	assert_int_equal(xff("[2001:db8::8]", "", got), 1);
	assert_string_equal(got, "2001:db8::8");
	assert_int_equal(xff("2001:db8::9", "", got), 1);
	assert_string_equal(got, "2001:db8::9");
	assert_int_equal(xff("::ffff:203.0.113.5", "", got), 1);
	assert_string_equal(got, "203.0.113.5");
	/* garbage before the answer: ignored; garbage beyond it: not read */
	assert_int_equal(xff("203.0.113.5, unknown", "", got), -1);
	assert_int_equal(xff("unknown, 203.0.113.5", "", got), 1);
	assert_string_equal(got, "203.0.113.5");
	assert_int_equal(xff("10.0.0.0/8", "", got), -1);
	assert_int_equal(xff("[1.2.3.4]", "", got), -1);
	assert_int_equal(xff("[::1", "", got), -1);
	assert_int_equal(xff("[::1]x", "", got), -1);
	assert_int_equal(xff("", "", got), -1);
	assert_int_equal(xff(" , ,", "", got), -1);
	/* empty entries are skipped */
	assert_int_equal(xff(",203.0.113.5,,", "", got), 1);
	assert_string_equal(got, "203.0.113.5");
}

static void test_format(void **state)
{
	char buf[CIDR_TEXT_MAX];
	struct cidr c;

	(void)state;
	c = net("127.0.0.1");
	assert_int_equal(cidr_format(&c, buf, sizeof(buf)), 9);
	assert_string_equal(buf, "127.0.0.1");
	c = net("fe80::/10");
	assert_int_equal(cidr_format(&c, buf, sizeof(buf)), 9);
	assert_string_equal(buf, "fe80::/10");
	c = net("::ffff:169.254.169.254");
	cidr_format(&c, buf, sizeof(buf));
	assert_string_equal(buf, "169.254.169.254");
	assert_int_equal(cidr_format(&c, buf, 5), -1);
	assert_int_equal(cidr_format(&c, buf, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_contains),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_embedded_v4),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_forwarded),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
