/*
 * Unit tests for shared/codec/http_auth: RFC 7617's example, what curl and
 * browsers send, spaces and case around the scheme, optional padding, and
 * every error (other schemes, bad base64, no colon, NUL, over the cap).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "shared/codec/http_auth.h"

static struct http_auth_basic a;

static int parse(const char *v)
{
	return http_auth_basic_parse((const uint8_t *)v, strlen(v), &a);
}

static void test_valid(void **state)
{
	static const struct {
		const char *in, *user, *password;
	} v[] = {
		/* RFC 7617 §2 */
		{ "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "Aladdin", "open sesame" },
		{ "basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "Aladdin", "open sesame" },
		{ "  BASIC \t QWxhZGRpbjpvcGVuIHNlc2FtZQ== \t", "Aladdin",
		  "open sesame" },
		/* "admin:s3cret" with and without padding */
		{ "Basic YWRtaW46czNjcmV0", "admin", "s3cret" },
		/* ":pw" (empty user), "u:" (empty password), "a:b:c" */
		{ "Basic OnB3", "", "pw" },
		{ "Basic dTo=", "u", "" },
		{ "Basic dTo", "u", "" },
		{ "Basic YTpiOmM=", "a", "b:c" },
		/* "é:ü" in UTF-8 passes as bytes */
		{ "Basic w6k6w7w=", "\xc3\xa9", "\xc3\xbc" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(parse(v[i].in), 0);
		assert_string_equal(a.user, v[i].user);
		assert_int_equal(a.user_len, strlen(v[i].user));
		assert_string_equal(a.password, v[i].password);
		assert_int_equal(a.password_len, strlen(v[i].password));
	}
}

static void test_errors(void **state)
{
	static const struct {
		const char *in;
		int err;
	} v[] = {
		{ "", HTTP_AUTH_ESCHEME },
		{ "Basic", HTTP_AUTH_ESCHEME },
		{ "Basic   ", HTTP_AUTH_ESCHEME },
		{ "BasicQWxhZGRpbjpvcGVuIHNlc2FtZQ==", HTTP_AUTH_ESCHEME },
		{ "Bearer abc.def", HTTP_AUTH_ESCHEME },
		{ "Digest username=\"a\"", HTTP_AUTH_ESCHEME },
		{ "Basi", HTTP_AUTH_ESCHEME },
		{ "Basic QWxh ZGRp", HTTP_AUTH_EBASE64 },
		{ "Basic QWxh*GRp", HTTP_AUTH_EBASE64 },
		{ "Basic QWxhZ", HTTP_AUTH_EBASE64 },	/* 1 char left over */
		{ "Basic dTo==", HTTP_AUTH_EBASE64 },	/* padding, bad length */
		{ "Basic ====", HTTP_AUTH_EBASE64 },
		{ "Basic dTp=", HTTP_AUTH_EBASE64 },	/* non-zero spare bits */
		{ "Basic YWRtaW4=", HTTP_AUTH_ECOLON },	/* "admin" */
		{ "Basic YQBiOmM=", HTTP_AUTH_ENUL },	/* "a\0b:c" */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int rc = parse(v[i].in);

		if (rc != v[i].err)
			fail_msg("%s: got %d, want %d", v[i].in, rc, v[i].err);
		assert_non_null(http_auth_strerror(rc));
	}
}

static void test_cap(void **state)
{
	/* 3 * 128 = 384 decoded bytes fit exactly; 3 more do not. */
	char in[16 + 4 * 130];
	size_t i;

	(void)state;
	memcpy(in, "Basic ", 6);
	memcpy(in + 6, "dTpw", 4);		/* "u:p" */
	for (i = 1; i < 128; i++)
		memcpy(in + 6 + 4 * i, "cHBw", 4);	/* "ppp" */
	in[6 + 4 * 128] = '\0';
	assert_int_equal(parse(in), 0);
	assert_int_equal(a.password_len, HTTP_AUTH_MAX - 2);
	memcpy(in + 6 + 4 * 128, "cHBw", 5);
	assert_int_equal(parse(in), HTTP_AUTH_ETOOBIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
