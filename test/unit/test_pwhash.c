/*
 * Unit tests for shared/io/pwhash and the account helpers built on it
 * (shared/io/account): published PBKDF2-HMAC-SHA256 vectors, the stored string
 * format, wrong passwords, malformed strings, the verification cache, field
 * validation, HGETALL parsing and the sender/address allow lists.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <hiredis/hiredis.h>

#include "shared/io/account.h"
#include "shared/io/pwhash.h"

struct kdf_vec {
	const char *pw;
	size_t pwlen;
	const char *salt;
	size_t saltlen;
	unsigned iter;
	const char *hex;
};

/*
 * PBKDF2-HMAC-SHA256: the RFC 6070-style vectors widely published for
 * SHA-256 (e.g. in the Go and Python test suites) and the two of RFC 7914 §11.
 */
static const struct kdf_vec kdf_vecs[] = {
	{ "password", 8, "salt", 4, 1,
	    "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b" },
	{ "password", 8, "salt", 4, 2,
	    "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43" },
	{ "password", 8, "salt", 4, 4096,
	    "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a" },
	{ "passwordPASSWORDpassword", 24, "saltSALTsaltSALTsaltSALTsaltSALTsalt", 36,
	    4096, "348c89dbcbd32b2f32d814b8116e84cf2b17347ebc1800181c4e2a1fb8dd53e1c635518c7dac47e9" },
	{ "pass\0word", 9, "sa\0lt", 5, 4096, "89b69d0516f829893c696226650a8687" },
	{ "passwd", 6, "salt", 4, 1,
	    "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
	    "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783" },
	{ "Password", 8, "NaCl", 4, 80000,
	    "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
	    "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d" },
};

/* "password"/"salt"/1 as a stored string (the first vector above). */
#define STORED_V1 "pbkdf2-sha256$1$c2FsdA==$Eg+2z/z4syxD5yJSVsT4N6hlSMkszDVICAWYfLcL4Xs="

static void test_pbkdf2_vectors(void **state)
{
	uint8_t out[64];
	char hex[129];
	size_t i, k, n;

	(void)state;
	for (i = 0; i < sizeof(kdf_vecs) / sizeof(kdf_vecs[0]); i++) {
		const struct kdf_vec *v = &kdf_vecs[i];

		n = strlen(v->hex) / 2;
		assert_int_equal(pwhash_pbkdf2(v->pw, v->pwlen, (const uint8_t *)v->salt,
		    v->saltlen, v->iter, out, n), 0);
		for (k = 0; k < n; k++)
			snprintf(hex + 2 * k, 3, "%02x", out[k]);
		assert_string_equal(hex, v->hex);
	}
	assert_int_equal(pwhash_pbkdf2("a", 1, (const uint8_t *)"s", 1, 0, out, 32), -1);
	assert_int_equal(pwhash_pbkdf2("a", 1, (const uint8_t *)"s", 1, 1, out, 0), -1);
}

static void test_verify_known_string(void **state)
{
	(void)state;
	assert_int_equal(pwhash_check_format(STORED_V1), 0);
	assert_int_equal(pwhash_verify(STORED_V1, "password", 8), 1);
	assert_int_equal(pwhash_verify(STORED_V1, "passworD", 8), 0);
	assert_int_equal(pwhash_verify(STORED_V1, "password", 7), 0);
	assert_int_equal(pwhash_verify(STORED_V1, "password1", 9), 0);
	assert_int_equal(pwhash_verify(STORED_V1, "", 0), 0);
	/* The 64-byte RFC 7914 vector as a stored string: longest hash. */
	assert_int_equal(pwhash_verify("pbkdf2-sha256$1$c2FsdA==$VawEblbjCJ/sFpHCJUS2Bfl"
	    "BhSFt3gRl5oudV8INrLxJypzM8Xm2RZkWZLOdd+8xfHG4RbHjC9UJESBB06GXgw==",
	    "passwd", 6), 1);
}

static void test_make_round_trip(void **state)
{
	char a[PWHASH_TEXT_MAX], b[PWHASH_TEXT_MAX];
	size_t len;
	int n;

	(void)state;
	n = pwhash_make("s3cret", 6, 1000, a, sizeof(a));
	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(a));
	assert_int_equal(strncmp(a, "pbkdf2-sha256$1000$", 19), 0);
	assert_int_equal(pwhash_verify(a, "s3cret", 6), 1);
	assert_int_equal(pwhash_verify(a, "s3creT", 6), 0);
	/* A fresh salt every time. */
	assert_true(pwhash_make("s3cret", 6, 1000, b, sizeof(b)) > 0);
	assert_string_not_equal(a, b);
	/* Default iterations, 16-byte salt (24 base64 chars), 32-byte hash (44). */
	n = pwhash_make("x", 1, 0, a, sizeof(a));
	assert_int_equal(n, (int)strlen("pbkdf2-sha256$100000$") + 24 + 1 + 44);
	assert_int_equal(pwhash_verify(a, "x", 1), 1);
	/* Buffer one byte short (no room for the NUL), then exact. */
	len = strlen("pbkdf2-sha256$1000$") + 24 + 1 + 44;
	assert_int_equal(pwhash_make("x", 1, 1000, b, len), -1);
	assert_string_equal(b, "");
	assert_int_equal(pwhash_make("x", 1, 1000, b, len + 1), (int)len);
	assert_int_equal(pwhash_verify(b, "x", 1), 1);
	/* Limits. */
	assert_int_equal(pwhash_make("x", PWHASH_PASSWORD_MAX + 1, 1000, a, sizeof(a)), -1);
	assert_int_equal(pwhash_make("x", 1, PWHASH_ITER_MAX + 1, a, sizeof(a)), -1);
}

static const char *const malformed[] = {
	"",
	"pbkdf2-sha256$",
	"pbkdf2-sha1$1$c2FsdA==$Eg+2z/z4syxD5yJSVsT4N6hlSMkszDVICAWYfLcL4Xs=",
	"PBKDF2-SHA256$1$c2FsdA==$Eg+2z/z4syxD5yJSVsT4N6hlSMkszDVICAWYfLcL4Xs=",
	"pbkdf2-sha256$0$c2FsdA==$Eg+2z/z4syxD5yJSVsT4N6hlSMkszDVICAWYfLcL4Xs=",
	"pbkdf2-sha256$01$c2FsdA==$Eg+2z/z4syxD5yJSVsT4N6hlSMkszDVICAWYfLcL4Xs=",
	"pbkdf2-sha256$-1$c2FsdA==$Eg+2z/z4syxD5yJSVsT4N6hlSMkszDVICAWYfLcL4Xs=",
	"pbkdf2-sha256$10000001$c2FsdA==$Eg+2z/z4syxD5yJSVsT4N6hlSMkszDVICAWYfLcL4Xs=",
	"pbkdf2-sha256$x$c2FsdA==$Eg+2z/z4syxD5yJSVsT4N6hlSMkszDVICAWYfLcL4Xs=",
	"pbkdf2-sha256$1$$Eg+2z/z4syxD5yJSVsT4N6hlSMkszDVICAWYfLcL4Xs=",
	"pbkdf2-sha256$1$c2FsdA=$Eg+2z/z4syxD5yJSVsT4N6hlSMkszDVICAWYfLcL4Xs=",
	"pbkdf2-sha256$1$c2FsdB==$Eg+2z/z4syxD5yJSVsT4N6hlSMkszDVICAWYfLcL4Xs=",
	"pbkdf2-sha256$1$c2Fs dA=$Eg+2z/z4syxD5yJSVsT4N6hlSMkszDVICAWYfLcL4Xs=",
	"pbkdf2-sha256$1$c2FsdA==$",
	"pbkdf2-sha256$1$c2FsdA==$Eg+2z/z4syxD5yJSVsT4N6hlSMkszDVICAWYfLcL4Xs",
	"pbkdf2-sha256$1$c2FsdA==$Eg+2z/z4syxD5yJSVsT4N6hlSMkszDVICAWYfLcL4Xs=$",
	"pbkdf2-sha256$1$c2FsdA==$Eg+2z/z4syxD5yJSVsT4N6hlSMkszDVICAWYfLcL4Xs=\n",
	"pbkdf2-sha256$1$c2FsdA==$Eg+2z/z4syxD",		/* 9-byte hash: too short */
	"pbkdf2-sha256$1$c2FsdA==$Eg+2z/z4=yxD5yJSVsT4N6hlSMkszDVICAWYfLcL4Xs=",
	"pbkdf2-sha256$1$c2FsdA==$Eg-2z_z4syxD5yJSVsT4N6hlSMkszDVICAWYfLcL4Xs=",
};

static void test_malformed(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		if (pwhash_verify(malformed[i], "password", 8) != -1)
			fail_msg("accepted malformed \"%s\"", malformed[i]);
		assert_int_equal(pwhash_check_format(malformed[i]), -1);
	}
	assert_int_equal(pwhash_verify(NULL, "password", 8), -1);
	/* An over-long password is a mismatch, not an error. */
	assert_int_equal(pwhash_verify(STORED_V1, "x", PWHASH_PASSWORD_MAX + 1), 0);
}

static void test_cache(void **state)
{
	struct account_pwcache *c = account_pwcache_new(8, 1000);
	uint64_t hits, misses;
	char other[PWHASH_TEXT_MAX];

	(void)state;
	assert_non_null(c);
	assert_int_equal(account_verify(c, "alice", STORED_V1, "password", 8, 10), 1);
	assert_int_equal(account_verify(c, "alice", STORED_V1, "password", 8, 20), 1);
	account_pwcache_stats(c, &hits, &misses);
	assert_int_equal(hits, 1);
	assert_int_equal(misses, 1);
	/* Wrong password: computed once, then answered from the cache. */
	assert_int_equal(account_verify(c, "alice", STORED_V1, "nope", 4, 30), 0);
	assert_int_equal(account_verify(c, "alice", STORED_V1, "nope", 4, 40), 0);
	account_pwcache_stats(c, &hits, &misses);
	assert_int_equal(hits, 2);
	assert_int_equal(misses, 2);
	/* Another name is another key. */
	assert_int_equal(account_verify(c, "bob", STORED_V1, "password", 8, 50), 1);
	account_pwcache_stats(c, &hits, &misses);
	assert_int_equal(misses, 3);
	/* A changed password (new pwhash) takes effect at once. */
	assert_true(pwhash_make("new", 3, 1000, other, sizeof(other)) > 0);
	assert_int_equal(account_verify(c, "alice", other, "password", 8, 60), 0);
	assert_int_equal(account_verify(c, "alice", other, "new", 3, 60), 1);
	/* Expiry: at ttl the entry is computed again. */
	assert_int_equal(account_verify(c, "alice", STORED_V1, "password", 8, 1010), 1);
	account_pwcache_stats(c, &hits, &misses);
	assert_int_equal(misses, 6);
	/* Malformed hashes and empty hashes are not cached and never match. */
	assert_int_equal(account_verify(c, "alice", "pbkdf2-sha256$1$", "x", 1, 70), -1);
	assert_int_equal(account_verify(c, "alice", "", "", 0, 70), 0);
	/* No cache at all. */
	assert_int_equal(account_verify(NULL, "alice", STORED_V1, "password", 8, 0), 1);
	account_pwcache_free(c);
	account_pwcache_free(NULL);
}

static void test_cache_bounded(void **state)
{
	struct account_pwcache *c = account_pwcache_new(4, 60000);
	char name[16];
	uint64_t hits, misses;
	int i;

	(void)state;
	assert_non_null(c);
	/* Many more keys than slots: always correct, never more than 4 kept. */
	for (i = 0; i < 50; i++) {
		snprintf(name, sizeof(name), "u%d", i);
		assert_int_equal(account_verify(c, name, STORED_V1, "password", 8, 1), 1);
		assert_int_equal(account_verify(c, name, STORED_V1, "bad", 3, 1), 0);
	}
	for (i = 0; i < 50; i++) {
		snprintf(name, sizeof(name), "u%d", i);
		assert_int_equal(account_verify(c, name, STORED_V1, "password", 8, 2), 1);
	}
	account_pwcache_stats(c, &hits, &misses);
	assert_true(hits <= 4);
	assert_int_equal(hits + misses, 150);
	account_pwcache_free(c);
}

static void test_validators(void **state)
{
	char key[ACCOUNT_KEY_MAX];

	(void)state;
	assert_true(account_name_valid("alice", 5));
	assert_true(account_name_valid("A.b_c-9", 7));
	assert_true(account_name_valid("abcdefghijklmno", 15));
	assert_false(account_name_valid("abcdefghijklmnop", 16));
	assert_false(account_name_valid("", 0));
	assert_false(account_name_valid("a b", 3));
	assert_false(account_name_valid("a:b", 3));
	assert_false(account_name_valid("{x}", 3));
	assert_true(account_number_valid("44123", 5));
	assert_true(account_number_valid("441234567890123", 15));
	assert_false(account_number_valid("4412", 4));
	assert_false(account_number_valid("4412345678901234", 16));
	assert_false(account_number_valid("+441234", 7));
	assert_true(account_rate_prefix_valid("44", 2));
	assert_true(account_rate_prefix_valid("default", 7));
	assert_false(account_rate_prefix_valid("defaults", 8));
	assert_false(account_rate_prefix_valid("", 0));
	assert_false(account_rate_prefix_valid("4a", 2));
	assert_false(account_rate_prefix_valid("1234567890123456", 16));
	assert_true(account_url_valid("", 0));
	assert_true(account_url_valid("http://x/y?a=1", 14));
	assert_true(account_url_valid("https://x", 9));
	assert_false(account_url_valid("http://", 7));
	assert_false(account_url_valid("ftp://x", 7));
	assert_false(account_url_valid("http://a b", 10));
	assert_false(account_url_valid("http:///x", 9));
	assert_true(account_key_prefix_valid("hermod", 6));
	assert_false(account_key_prefix_valid("her{mod", 7));
	assert_int_equal(account_key(key, sizeof(key), "hermod", ACCOUNT_K_ACCT, "alice"),
	    (int)strlen("{hermod}:acct:alice"));
	assert_string_equal(key, "{hermod}:acct:alice");
	assert_true(account_key(key, sizeof(key), "p", ACCOUNT_K_ACCOUNTS, NULL) > 0);
	assert_string_equal(key, "{p}:accounts");
	assert_int_equal(account_key(key, 12, "p", ACCOUNT_K_ACCOUNTS, NULL), -1);
}

static void test_fields(void **state)
{
	struct account a;

	(void)state;
	account_init(&a, "alice");
	assert_string_equal(a.name, "alice");
	assert_int_equal(a.max_recipients, 10);
	assert_int_equal(a.max_binds, 5);
	assert_true(a.enabled);
	assert_int_equal(account_field_set(&a, "credit", "125000", 6), 0);
	assert_int_equal(a.credit, 125000);
	assert_int_equal(account_field_set(&a, "credit", "-1", 2), -1);
	assert_int_equal(account_field_set(&a, "credit", "1.5", 3), -1);
	assert_int_equal(a.credit, 125000);
	assert_int_equal(account_field_set(&a, "enabled", "0", 1), 0);
	assert_false(a.enabled);
	assert_int_equal(account_field_set(&a, "enabled", "yes", 3), -1);
	assert_int_equal(account_field_set(&a, "max-recipients", "0", 1), -1);
	assert_int_equal(account_field_set(&a, "max-recipients", "1000", 4), 0);
	assert_int_equal(account_field_set(&a, "max-recipients", "1001", 4), -1);
	assert_int_equal(account_field_set(&a, "max-binds", "0", 1), 0);
	assert_int_equal(account_field_set(&a, "throughput", "07", 2), -1);
	assert_int_equal(account_field_set(&a, "pwhash", STORED_V1, strlen(STORED_V1)), 0);
	assert_int_equal(account_field_set(&a, "pwhash", "plain", 5), -1);
	assert_int_equal(account_field_set(&a, "senders", "Shop,12345", 10), 0);
	assert_int_equal(account_field_set(&a, "senders", "a,,b", 4), -1);
	assert_int_equal(account_field_set(&a, "senders", "abcdefghijklmnopq", 17), -1);
	assert_int_equal(account_field_set(&a, "ips", "10.0.0.0/8,::1", 14), 0);
	assert_int_equal(account_field_set(&a, "ips", "10.0.0.0/33", 11), -1);
	assert_int_equal(account_field_set(&a, "ips", "host.example", 12), -1);
	assert_int_equal(account_field_set(&a, "dlr-url", "http://h/d", 10), 0);
	assert_string_equal(a.dlr_url, "http://h/d");
	assert_false(a.has_mo_pass);
	assert_int_equal(account_field_set(&a, "mo-pass", "s3cret shared", 13), 0);
	assert_true(a.has_mo_pass);
	assert_int_equal(account_field_set(&a, "mo-pass", "a\tb", 3), -1);
	assert_true(a.has_mo_pass);
	assert_int_equal(account_field_set(&a, "mo-pass", "", 0), 0);
	assert_false(a.has_mo_pass);
	assert_int_equal(account_field_set(&a, "future-field", "x", 1), 1);
}

static void test_allow_lists(void **state)
{
	struct account a;

	(void)state;
	account_init(&a, "alice");
	assert_true(account_sender_allowed(&a, "Anything"));
	assert_true(account_ip_allowed(&a, "192.0.2.1"));
	assert_false(account_ip_allowed(&a, "not-an-ip"));
	assert_int_equal(account_field_set(&a, "senders", "Shop,4412345", 12), 0);
	assert_true(account_sender_allowed(&a, "Shop"));
	assert_true(account_sender_allowed(&a, "4412345"));
	assert_false(account_sender_allowed(&a, "shop"));
	assert_false(account_sender_allowed(&a, "Sho"));
	assert_int_equal(account_field_set(&a, "ips", "10.1.0.0/16,192.0.2.7,2001:db8::/32",
	    35), 0);
	assert_true(account_ip_allowed(&a, "10.1.200.3"));
	assert_false(account_ip_allowed(&a, "10.2.0.1"));
	assert_true(account_ip_allowed(&a, "192.0.2.7"));
	assert_false(account_ip_allowed(&a, "192.0.2.8"));
	assert_true(account_ip_allowed(&a, "::ffff:192.0.2.7"));
	assert_true(account_ip_allowed(&a, "2001:db8:1::5"));
	assert_false(account_ip_allowed(&a, "2001:db9::5"));
	assert_false(account_ip_allowed(&a, "10.1.0.0/16"));
	assert_int_equal(account_field_set(&a, "ips", "10.1.128.0/17", 13), 0);
	assert_true(account_ip_allowed(&a, "10.1.128.1"));
	assert_false(account_ip_allowed(&a, "10.1.127.255"));
}

static void test_from_reply(void **state)
{
	struct redisReply el[6], *pel[6], r;
	static const char *const kv[] = { "credit", "500", "mo-url", "https://m/o",
		"zzz", "ignored" };
	struct account a;
	char err[64];
	size_t i;

	(void)state;
	memset(&r, 0, sizeof(r));
	memset(el, 0, sizeof(el));
	for (i = 0; i < 6; i++) {
		el[i].type = REDIS_REPLY_STRING;
		el[i].str = (char *)kv[i];
		el[i].len = strlen(kv[i]);
		pel[i] = &el[i];
	}
	r.type = REDIS_REPLY_ARRAY;
	r.element = pel;
	r.elements = 6;
	assert_int_equal(account_from_reply(&a, "alice", &r, err, sizeof(err)), 0);
	assert_int_equal(a.credit, 500);
	assert_string_equal(a.mo_url, "https://m/o");
	assert_int_equal(a.max_binds, 5);
	r.elements = 0;
	assert_int_equal(account_from_reply(&a, "alice", &r, err, sizeof(err)), 1);
	r.elements = 3;
	assert_int_equal(account_from_reply(&a, "alice", &r, err, sizeof(err)), -1);
	el[1].str = (char *)"-5";
	el[1].len = 2;
	r.elements = 6;
	assert_int_equal(account_from_reply(&a, "alice", &r, err, sizeof(err)), -1);
	assert_string_equal(err, "invalid value of field credit");
	r.type = REDIS_REPLY_NIL;
	assert_int_equal(account_from_reply(&a, "alice", &r, err, sizeof(err)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pbkdf2_vectors),
		cmocka_unit_test(test_verify_known_string),
		cmocka_unit_test(test_make_round_trip),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_cache_bounded),
		cmocka_unit_test(test_validators),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_allow_lists),
		cmocka_unit_test(test_from_reply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
