/*
 * Unit tests for shared/codec/http_params: the seed 004 §5 request samples,
 * '+' and %-decoding with named errors, caps on count and size, repeated and
 * empty parameters, hex for type=Unicode/Binary, the percent-encoder and round
 * trips through it.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "shared/codec/http_params.h"

static struct http_params ps;
static char store[4096];

static int parse(const char *q, size_t max_count, unsigned flags)
{
	http_params_init(&ps, store, sizeof(store), max_count, flags);
	return http_params_parse((const uint8_t *)q, strlen(q), &ps);
}

static const char *val(const char *name)
{
	const struct http_param *p = http_params_get(&ps, name);

	return p ? p->value : NULL;
}

static void test_seed_samples(void **state)
{
	(void)state;
	assert_int_equal(parse("number=12345678&user=username&pass=password&message="
			       "Test+message&ownnum=Routo", 64, 0), 5);
	assert_string_equal(val("number"), "12345678");
	assert_string_equal(val("user"), "username");
	assert_string_equal(val("pass"), "password");
	assert_string_equal(val("message"), "Test message");
	assert_string_equal(val("ownnum"), "Routo");
	assert_string_equal(ps.p[0].name, "number");

	assert_int_equal(parse("user=username&pass=password&number=12345678,87654321"
			       "&ownnum=test&message=bulk&delivery=1&mess_id=someID",
			       64, 0), 7);
	assert_string_equal(val("number"), "12345678,87654321");
	assert_string_equal(val("mess_id"), "someID");

	/* A password with the special characters the seed names, URL-encoded. */
	assert_int_equal(parse("pass=a%20b%23c%24d%2Be%25f%3Dg&user=u", 64, 0), 2);
	assert_string_equal(val("pass"), "a b#c$d+e%f=g");
}

static void test_decoding(void **state)
{
	const struct http_param *p;

	(void)state;
	/* ';' is not a separator. */
	assert_int_equal(parse("a=1;b=2", 64, 0), 1);
	assert_string_equal(val("a"), "1;b=2");
	assert_null(val("b"));
	/* Lower-case escapes, escapes and '+' in names, '=' inside a value. */
	assert_int_equal(parse("mess%5fid=x&a+b=c%c3%A9&e=f=g", 64, 0), 3);
	assert_string_equal(val("mess_id"), "x");
	assert_string_equal(val("a b"), "c\xc3\xa9");
	assert_string_equal(val("e"), "f=g");
	/* Empty value, bare name, missing. */
	assert_int_equal(parse("a=&b&c=1", 64, 0), 3);
	p = http_params_get(&ps, "a");
	assert_non_null(p);
	assert_int_equal(p->value_len, 0);
	assert_true(p->has_eq);
	p = http_params_get(&ps, "b");
	assert_non_null(p);
	assert_int_equal(p->value_len, 0);
	assert_false(p->has_eq);
	assert_null(http_params_get(&ps, "d"));
	/* Empty segments are skipped; an empty input has no parameters. */
	assert_int_equal(parse("&&a=1&&", 64, 0), 1);
	assert_int_equal(parse("", 64, 0), 0);
	assert_int_equal(parse("&", 64, 0), 0);
	/* Names are case-sensitive. */
	assert_int_equal(parse("User=a&user=b", 64, 0), 2);
	assert_string_equal(val("user"), "b");
	assert_string_equal(val("User"), "a");
}

static void test_escape_errors(void **state)
{
	(void)state;
	assert_int_equal(parse("user=u&message=%zz", 64, 0), HTTP_PARAMS_EESCAPE);
	assert_int_equal(ps.err_name_len, 7);
	assert_memory_equal(ps.err_name, "message", 7);
	assert_int_equal(ps.err_off, 15);
	assert_int_equal(ps.count, 1); /* user was parsed */

	assert_int_equal(parse("a=%4", 64, 0), HTTP_PARAMS_EESCAPE);
	assert_memory_equal(ps.err_name, "a", 1);
	assert_int_equal(ps.err_off, 2);
	assert_int_equal(parse("a=%4&b=1", 64, 0), HTTP_PARAMS_EESCAPE);
	assert_int_equal(parse("a=%", 64, 0), HTTP_PARAMS_EESCAPE);
	assert_int_equal(parse("a=%g0", 64, 0), HTTP_PARAMS_EESCAPE);
	assert_int_equal(parse("a=x%41%4", 64, 0), HTTP_PARAMS_EESCAPE);
	assert_int_equal(ps.err_off, 6);
	/* In the name: the raw name is reported. */
	assert_int_equal(parse("b%zz=1", 64, 0), HTTP_PARAMS_EESCAPE);
	assert_int_equal(ps.err_name_len, 4);
	assert_memory_equal(ps.err_name, "b%zz", 4);
	/* %00 needs a flag. */
	assert_int_equal(parse("user=admin%00x", 64, 0), HTTP_PARAMS_ENUL);
	assert_int_equal(parse("user=admin%00x", 64, HTTP_PARAMS_ALLOW_NUL), 1);
	assert_int_equal(http_params_get(&ps, "user")->value_len, 7);
	http_params_init(&ps, store, sizeof(store), 4, 0);
	assert_int_equal(http_params_parse((const uint8_t *)"a=b\0c", 5, &ps),
			 HTTP_PARAMS_ENUL);
	assert_int_equal(ps.err_off, 3);
	assert_int_equal(parse("=x", 64, 0), HTTP_PARAMS_ENAME);
	assert_int_equal(parse("a=1&=", 64, 0), HTTP_PARAMS_ENAME);
	assert_string_equal(http_params_strerror(HTTP_PARAMS_EESCAPE), "bad %-escape");
}

static void test_repeated(void **state)
{
	(void)state;
	assert_int_equal(parse("user=a&pass=b&user=c", 64, 0), HTTP_PARAMS_EDUP);
	assert_int_equal(ps.err_name_len, 4);
	assert_memory_equal(ps.err_name, "user", 4);
	assert_int_equal(ps.err_off, 14);
	/* The same name spelled with an escape is the same parameter. */
	assert_int_equal(parse("user=a&%75ser=c", 64, 0), HTTP_PARAMS_EDUP);
	assert_int_equal(parse("user=a&pass=b&user=c", 64, HTTP_PARAMS_ALLOW_DUP), 3);
	assert_int_equal(http_params_count_of(&ps, "user"), 2);
	assert_int_equal(http_params_count_of(&ps, "pass"), 1);
	assert_int_equal(http_params_count_of(&ps, "x"), 0);
	assert_string_equal(val("user"), "a");
}

static void test_caps(void **state)
{
	char q[1024] = "";
	char small[16];

	(void)state;
	assert_int_equal(parse("a=1&b=2&c=3", 3, 0), 3);
	assert_int_equal(parse("a=1&b=2&c=3&d=4", 3, 0), HTTP_PARAMS_ETOOMANY);
	assert_memory_equal(ps.err_name, "d", 1);
	/* HTTP_PARAMS_MAX is the hard limit whatever max_count says. */
	for (int i = 0; i < HTTP_PARAMS_MAX + 1; i++)
		strcat(q, "&k=v");
	assert_int_equal(parse(q + 1, 1000, HTTP_PARAMS_ALLOW_DUP),
			 HTTP_PARAMS_ETOOMANY);
	q[4 * HTTP_PARAMS_MAX] = '\0';
	assert_int_equal(parse(q + 1, 1000, HTTP_PARAMS_ALLOW_DUP), HTTP_PARAMS_MAX);

	/* Size: "a=12345" (7) needs 7 + 2 NULs - 1 ('=') = 8 bytes of storage. */
	http_params_init(&ps, small, 8, 4, 0);
	assert_int_equal(http_params_parse((const uint8_t *)"a=12345", 7, &ps), 1);
	assert_string_equal(val("a"), "12345");
	http_params_init(&ps, small, 7, 4, 0);
	assert_int_equal(http_params_parse((const uint8_t *)"a=12345", 7, &ps),
			 HTTP_PARAMS_ETOOBIG);
	http_params_init(&ps, small, 6, 4, 0);
	assert_int_equal(http_params_parse((const uint8_t *)"a=12345", 7, &ps),
			 HTTP_PARAMS_ETOOBIG);
	/* Input within cap, storage exhausted by the NULs. */
	http_params_init(&ps, small, 7, 4, 0);
	assert_int_equal(http_params_parse((const uint8_t *)"a=1&b=2", 7, &ps),
			 HTTP_PARAMS_ETOOBIG);
	assert_memory_equal(ps.err_name, "b", 1);
	/* An input of cap - 2 * max_count always fits. */
	http_params_init(&ps, small, 15, 4, 0);
	assert_int_equal(http_params_parse((const uint8_t *)"a&b&c&d", 7, &ps), 4);
}

static void test_hex(void **state)
{
	static const char msg[] = "062D062706330628064A06460020062706440630064A0020064A"
				  "06330645062D002006440644064606270633";
	uint8_t out[64];

	(void)state;
	/* Seed 004 §5.6.1 Unicode sample: 22 UCS-2 characters. */
	assert_int_equal(parse("user=u&message=" "062D0627" "&type=unicode", 64, 0), 3);
	assert_int_equal(http_params_hex_decode(msg, strlen(msg), out, sizeof(out)), 44);
	assert_int_equal(out[0], 0x06);
	assert_int_equal(out[1], 0x2D);
	assert_int_equal(out[12], 0x00); /* U+0020 */
	assert_int_equal(out[13], 0x20);
	assert_int_equal(out[43], 0x33);
	assert_int_equal(http_params_hex_decode("abCD", 4, out, 2), 2);
	assert_int_equal(out[0], 0xab);
	assert_int_equal(out[1], 0xcd);
	assert_int_equal(http_params_hex_decode("abCD", 4, out, 1), HTTP_PARAMS_ESPACE);
	assert_int_equal(http_params_hex_decode("abC", 3, out, 4), HTTP_PARAMS_EHEX);
	assert_int_equal(http_params_hex_decode("0g", 2, out, 4), HTTP_PARAMS_EHEX);
	assert_int_equal(http_params_hex_decode("0 ", 2, out, 4), HTTP_PARAMS_EHEX);
	assert_int_equal(http_params_hex_decode("", 0, out, 0), 0);
}

static void test_encode(void **state)
{
	static const uint8_t in[] = "a b&c=d/\xc3\xa9~-._+%\n";
	char out[64];

	(void)state;
	assert_int_equal(http_params_encode(in, sizeof(in) - 1, 0, out, sizeof(out)), 35);
	assert_string_equal(out, "a%20b%26c%3Dd%2F%C3%A9~-._%2B%25%0A");
	assert_int_equal(http_params_encode(in, 3, HTTP_PARAMS_ENC_PLUS, out,
					    sizeof(out)), 3);
	assert_string_equal(out, "a+b");
	/* Exact fit needs room for the NUL. */
	assert_int_equal(http_params_encode((const uint8_t *)"/", 1, 0, out, 4), 3);
	assert_int_equal(http_params_encode((const uint8_t *)"/", 1, 0, out, 3),
			 HTTP_PARAMS_ESPACE);
	assert_int_equal(http_params_encode((const uint8_t *)"", 0, 0, out, 1), 0);
	assert_int_equal(http_params_encode((const uint8_t *)"", 0, 0, out, 0),
			 HTTP_PARAMS_ESPACE);
}

static void test_encode_round_trip(void **state)
{
	uint8_t all[255];
	char enc[800], q[820];
	const struct http_param *p;
	int n;

	(void)state;
	for (int i = 0; i < 255; i++)
		all[i] = (uint8_t)(i + 1); /* every byte but NUL */
	n = http_params_encode(all, sizeof(all), HTTP_PARAMS_ENC_PLUS, enc, sizeof(enc));
	assert_true(n > 0);
	strcpy(q, "v=");
	strcat(q, enc);
	assert_int_equal(parse(q, 4, 0), 1);
	p = http_params_get(&ps, "v");
	assert_int_equal(p->value_len, 255);
	assert_memory_equal(p->value, all, 255);
}

static void test_append(void **state)
{
	char url[64] = "http://cb.example/dlr?";
	size_t len = strlen(url), before;

	(void)state;
	assert_int_equal(http_params_append(url, sizeof(url), &len, "mess_id",
					    (const uint8_t *)"some ID", 7), 0);
	assert_int_equal(http_params_append(url, sizeof(url), &len, "status",
					    (const uint8_t *)"0", 1), 0);
	assert_string_equal(url, "http://cb.example/dlr?mess_id=some%20ID&status=0");
	assert_int_equal(len, strlen(url));
	before = len;
	assert_int_equal(http_params_append(url, sizeof(url), &len, "number",
					    (const uint8_t *)"441234567890", 12),
			 HTTP_PARAMS_ESPACE);
	assert_int_equal(len, before);
	assert_string_equal(url, "http://cb.example/dlr?mess_id=some%20ID&status=0");
	/* Exactly filling the buffer works. */
	assert_int_equal(http_params_append(url, before + 11 + 1, &len, "n",
					    (const uint8_t *)"12345678", 8), 0);
	assert_int_equal(len, before + 11);
	/* An empty buffer gets no leading '&'. */
	len = 0;
	assert_int_equal(http_params_append(url, sizeof(url), &len, "a",
					    (const uint8_t *)"&", 1), 0);
	assert_string_equal(url, "a=%26");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_samples),
		cmocka_unit_test(test_decoding),
		cmocka_unit_test(test_escape_errors),
		cmocka_unit_test(test_repeated),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_encode_round_trip),
		cmocka_unit_test(test_append),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
