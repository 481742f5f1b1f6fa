/*
 * Unit tests for smsbox/sb_cb_fmt: the serialized callback (round trips,
 * binary bodies, malformed and oversized members), the seed 004 §5.3.2
 * delivery-report query, Kannel dlr-url escapes and dlr-mask, the seed 004
 * §7.1 MO body and the retry backoff.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "smsbox/sb_cb_fmt.h"

static struct sb_cb_item a, b;
static char mem[SB_CB_MEMBER_MAX];

static int decode_str(const char *s, struct sb_cb_item *out)
{
	return sb_cb_member_decode((const uint8_t *)s, strlen(s), out);
}

static void test_member_round_trip(void **state)
{
	static const char body[] = "dcs=0&org=4479&message=a%26b\0binary\xff";
	int n;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.kind = SB_CB_MO;
	strcpy(a.uid, "mo:1700000000000-0");
	strcpy(a.acct, "acme");
	strcpy(a.url, "http://127.0.0.1:8080/mo?x=1&y=%20 +");
	memcpy(a.body, body, sizeof(body) - 1);
	a.body_len = sizeof(body) - 1;
	a.tries = 3;
	a.first_ms = 1763788800123ull;
	n = sb_cb_member_encode(&a, mem, sizeof(mem));
	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(mem));
	/* One line of printable ASCII: hermodctl shows it as it is. */
	for (int i = 0; i < n; i++)
		assert_true(mem[i] > 0x20 && mem[i] < 0x7f);
	assert_int_equal(sb_cb_member_decode((const uint8_t *)mem, (size_t)n, &b), n);
	assert_int_equal(b.kind, SB_CB_MO);
	assert_string_equal(b.uid, a.uid);
	assert_string_equal(b.acct, "acme");
	assert_string_equal(b.mid, "");
	assert_string_equal(b.url, a.url);
	assert_int_equal(b.body_len, a.body_len);
	assert_memory_equal(b.body, a.body, a.body_len);
	assert_int_equal(b.tries, 3);
	assert_true(b.first_ms == a.first_ms);

	a.kind = SB_CB_DLR;
	a.body_len = 0;
	strcpy(a.mid, "42");
	assert_true(sb_cb_member_encode(&a, mem, sizeof(mem)) > 0);
	assert_true(decode_str(mem, &b) > 0);
	assert_int_equal(b.kind, SB_CB_DLR);
	assert_string_equal(b.mid, "42");
	assert_int_equal(b.body_len, 0);
	assert_string_equal(b.error, "");
	assert_null(strstr(mem, "&e="));

	/* The last error travels with the member (dead letters show it). */
	strcpy(a.error, "callback refused: address 127.0.0.1 is in callback-deny");
	assert_true(sb_cb_member_encode(&a, mem, sizeof(mem)) > 0);
	assert_non_null(strstr(mem, "&e=callback%20refused%3A%20address%20127.0.0.1"));
	assert_true(decode_str(mem, &b) > 0);
	assert_string_equal(b.error, a.error);
	a.error[0] = '\0';
}

static void test_member_limits(void **state)
{
	int n;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.kind = SB_CB_MO;
	strcpy(a.uid, "mo:1-0");
	memset(a.url, 'u', sizeof(a.url) - 1);	/* longest URL */
	/* The longest body (its buffer keeps a NUL after it), all escaped. */
	memset(a.body, '%', sizeof(a.body));
	a.body_len = sizeof(a.body) - 1;
	n = sb_cb_member_encode(&a, mem, sizeof(mem));
	assert_true(n > 0);
	assert_int_equal(decode_str(mem, &b), n);
	assert_int_equal(b.body_len, sizeof(b.body) - 1);
	assert_int_equal(strlen(b.url), sizeof(b.url) - 1);
	/* One byte over. */
	a.body_len = sizeof(a.body);
	n = sb_cb_member_encode(&a, mem, sizeof(mem));
	assert_true(n > 0);
	assert_int_equal(decode_str(mem, &b), SB_CB_ESPACE);
	a.body_len = sizeof(a.body) - 1;
	n = sb_cb_member_encode(&a, mem, sizeof(mem));
	/* One byte short of the output. */
	assert_int_equal(sb_cb_member_encode(&a, mem, (size_t)n), SB_CB_ESPACE);
	assert_int_equal(sb_cb_member_encode(&a, mem, (size_t)n + 1), n);
	assert_int_equal(sb_cb_member_encode(&a, mem, 0), SB_CB_ESPACE);
}

static void test_member_malformed(void **state)
{
	static char big[SB_CB_URL_MAX + 64];

	(void)state;
	assert_int_equal(decode_str("", &b), SB_CB_EFORMAT);
	assert_int_equal(decode_str("hello", &b), SB_CB_EFORMAT);
	/* k, id and u are required. */
	assert_int_equal(decode_str("k=dlr&id=x", &b), SB_CB_EFORMAT);
	assert_int_equal(decode_str("k=dlr&u=http://x/", &b), SB_CB_EFORMAT);
	assert_int_equal(decode_str("id=x&u=http://x/", &b), SB_CB_EFORMAT);
	assert_true(decode_str("k=dlr&id=x&u=http://x/", &b) > 0);
	/* Unknown keys and bare words are ignored (newer formats). */
	assert_true(decode_str("zz=1&k=mo&id=x&u=http://x/&flag", &b) > 0);
	assert_int_equal(decode_str("k=sms&id=x&u=http://x/", &b), SB_CB_EFORMAT);
	assert_int_equal(decode_str("k=dlr&id=x&u=http://x/%2", &b), SB_CB_EFORMAT);
	assert_int_equal(decode_str("k=dlr&id=x&u=http://x/%zz", &b), SB_CB_EFORMAT);
	assert_int_equal(decode_str("k=dlr&id=x%00&u=http://x/", &b), SB_CB_EFORMAT);
	assert_int_equal(decode_str("k=dlr&id=x&u=http://x/&n=-1", &b), SB_CB_EFORMAT);
	assert_int_equal(decode_str("k=dlr&id=x&u=http://x/&t=", &b), SB_CB_EFORMAT);
	assert_int_equal(decode_str("k=dlr&id=&u=http://x/", &b), SB_CB_EFORMAT);
	assert_int_equal(decode_str("k=dlr&id=x&a=0123456789abcdef&u=h", &b),
			 SB_CB_EFORMAT);	/* acct one over */
	assert_true(decode_str("k=dlr&id=x&a=0123456789abcde&u=h", &b) > 0);
	/* A URL one byte over its buffer. */
	strcpy(big, "k=dlr&id=x&u=");
	memset(big + strlen(big), 'u', SB_CB_URL_MAX);
	assert_int_equal(decode_str(big, &b), SB_CB_ESPACE);
	big[strlen(big) - 1] = '\0';
	assert_true(decode_str(big, &b) > 0);
}

static void test_dlr_url(void **state)
{
	char url[256];

	(void)state;
	/* Seed 004 §5.3.2: mess_id, status, number. */
	assert_true(sb_cb_dlr_url(url, sizeof(url), "http://c.example/dlr.php",
				  "someID", 0, "12345678") > 0);
	assert_string_equal(url, "http://c.example/dlr.php?mess_id=someID&status=0&number=12345678");
	assert_true(sb_cb_dlr_url(url, sizeof(url), "http://c.example/d?k=1",
				  "a b&c", 251, "4479") > 0);
	assert_string_equal(url, "http://c.example/d?k=1&mess_id=a%20b%26c&status=251&number=4479");
	assert_true(sb_cb_dlr_url(url, sizeof(url), "http://c.example/d?", "", 253, "1") > 0);
	assert_string_equal(url, "http://c.example/d?mess_id=&status=253&number=1");
	assert_int_equal(sb_cb_dlr_url(url, sizeof(url), "", "x", 0, "1"), SB_CB_EINVAL);
	/* Exactly fitting, and one byte short. */
	int n = sb_cb_dlr_url(url, sizeof(url), "http://x/", "m", 2, "9");
	assert_int_equal(n, (int)strlen("http://x/?mess_id=m&status=2&number=9"));
	assert_int_equal(sb_cb_dlr_url(url, (size_t)n + 1, "http://x/", "m", 2, "9"), n);
	assert_int_equal(sb_cb_dlr_url(url, (size_t)n, "http://x/", "m", 2, "9"),
			 SB_CB_ESPACE);
}

static void test_kannel(void **state)
{
	struct sb_cb_kannel_vars v = { 1, "+4479 1", "447700900123", "DELIVRD",
				       1763788800, "42" };
	char out[256];

	(void)state;
	assert_int_equal(sb_cb_kannel_type("DELIVRD"), 1);
	assert_int_equal(sb_cb_kannel_type("UNDELIV"), 2);
	assert_int_equal(sb_cb_kannel_type("REJECTD"), 2);
	assert_int_equal(sb_cb_kannel_type("EXPIRED"), 2);
	assert_int_equal(sb_cb_kannel_type("DELETED"), 2);
	assert_int_equal(sb_cb_kannel_type("UNKNOWN"), 2);
	assert_int_equal(sb_cb_kannel_type("ACCEPTD"), 8);
	assert_int_equal(sb_cb_kannel_type("ENROUTE"), 4);
	assert_int_equal(sb_cb_kannel_type("ACK"), 8);
	/* a failure no SMSC accepted is Kannel's SMSC reject */
	assert_int_equal(sb_cb_kannel_event_type("REJECTD", true), 16);
	assert_int_equal(sb_cb_kannel_event_type("EXPIRED", true), 16);
	assert_int_equal(sb_cb_kannel_event_type("REJECTD", false), 2);
	assert_int_equal(sb_cb_kannel_event_type("DELIVRD", true), 1);
	assert_int_equal(sb_cb_kannel_event_type("ACK", false), 8);
	assert_false(sb_cb_kannel_mask_allows("15", 16));

	assert_true(sb_cb_kannel_mask_allows("", 2));
	assert_true(sb_cb_kannel_mask_allows("0", 16));
	assert_true(sb_cb_kannel_mask_allows("31", 16));
	assert_true(sb_cb_kannel_mask_allows("3", 2));
	assert_false(sb_cb_kannel_mask_allows("1", 2));
	assert_false(sb_cb_kannel_mask_allows("24", 1));
	assert_true(sb_cb_kannel_mask_allows("junk", 1));
	assert_true(sb_cb_kannel_mask_allows("32", 1));

	assert_true(sb_cb_kannel_expand(out, sizeof(out),
		"http://k/dlr?t=%d&f=%p&to=%P&a=%A&ts=%T&id=%I&pct=100%%&x=%q&end%",
		&v) > 0);
	assert_string_equal(out, "http://k/dlr?t=1&f=%2B4479%201&to=447700900123"
			    "&a=DELIVRD&ts=1763788800&id=42&pct=100%&x=%q&end%");
	v.sender = NULL;
	assert_true(sb_cb_kannel_expand(out, sizeof(out), "%p|%P", &v) > 0);
	assert_string_equal(out, "|447700900123");
	assert_int_equal(sb_cb_kannel_expand(out, 4, "%P", &v), SB_CB_ESPACE);
	assert_int_equal(sb_cb_kannel_expand(out, 3, "abc", &v), SB_CB_ESPACE);
	assert_int_equal(sb_cb_kannel_expand(out, 4, "abc", &v), 3);

	assert_true(sb_cb_kannel_uses("a=%p", 'p'));
	assert_false(sb_cb_kannel_uses("a=%%p", 'p'));
	assert_false(sb_cb_kannel_uses("a=%P", 'p'));
	assert_false(sb_cb_kannel_uses("a=%", 'p'));
}

static void test_mo_body(void **state)
{
	static const uint8_t text[] = "Hello wörld & 1+1=2";
	char body[512], full[600];
	int n;

	(void)state;
	n = sb_cb_mo_body(body, sizeof(body), "0", "447700900123", "447911000001",
			  text, sizeof(text) - 1);
	assert_true(n > 0);
	assert_string_equal(body, "dcs=0&org=447700900123&dest=447911000001"
			    "&message=Hello+w%C3%B6rld+%26+1%2B1%3D2");
	memset(&a, 0, sizeof(a));
	strcpy(a.acct, "acme");
	memcpy(a.body, body, (size_t)n);
	a.body_len = (size_t)n;
	n = sb_cb_mo_full_body(full, sizeof(full), &a, "s3 cr&t");
	assert_true(n > 0);
	assert_string_equal(full, "user=acme&pass=s3+cr%26t&dcs=0&org=447700900123"
			    "&dest=447911000001&message=Hello+w%C3%B6rld+%26+1%2B1%3D2");
	n = sb_cb_mo_full_body(full, sizeof(full), &a, "");
	assert_true(strncmp(full, "user=acme&pass=&dcs=0", 21) == 0);
	assert_int_equal(sb_cb_mo_full_body(full, (size_t)n, &a, ""), SB_CB_ESPACE);
	assert_int_equal(sb_cb_mo_full_body(full, (size_t)n + 1, &a, ""), n);
	/* Empty text. */
	assert_true(sb_cb_mo_body(body, sizeof(body), "8", "1", "2", NULL, 0) > 0);
	assert_string_equal(body, "dcs=8&org=1&dest=2&message=");
	assert_int_equal(sb_cb_mo_body(body, 10, "8", "1", "2", NULL, 0), SB_CB_ESPACE);
}

static void test_backoff(void **state)
{
	(void)state;
	assert_true(sb_cb_backoff_ms(1000, 1) == 1000);
	assert_true(sb_cb_backoff_ms(1000, 2) == 2000);
	assert_true(sb_cb_backoff_ms(1000, 3) == 4000);
	assert_true(sb_cb_backoff_ms(60000, 20) == 24ull * 3600 * 1000);
	assert_true(sb_cb_backoff_ms(86400000ull, 1000) == 86400000ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_member_round_trip),
		cmocka_unit_test(test_member_limits),
		cmocka_unit_test(test_member_malformed),
		cmocka_unit_test(test_dlr_url),
		cmocka_unit_test(test_kannel),
		cmocka_unit_test(test_mo_body),
		cmocka_unit_test(test_backoff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
