/*
 * Unit tests for redis_url_parse (shared/io/redis): TCP and unix URLs, AUTH
 * credentials with %-escapes, IPv6 hosts, defaults, limits, malformed URLs, and
 * the redacted form used in log lines (never shows the password).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "shared/codec/redis_url.h"

static void test_tcp_defaults(void **state)
{
	struct redis_url u;

	(void)state;
	assert_int_equal(redis_url_parse("redis://127.0.0.1", &u), 0);
	assert_false(u.is_unix);
	assert_string_equal(u.host, "127.0.0.1");
	assert_int_equal(u.port, 6379);
	assert_int_equal(u.db, 0);
	assert_string_equal(u.password, "");
	assert_string_equal(u.user, "");
	assert_int_equal(redis_url_parse("redis://localhost/", &u), 0);
	assert_string_equal(u.host, "localhost");
	assert_int_equal(u.db, 0);
}

static void test_tcp_full(void **state)
{
	struct redis_url u;

	(void)state;
	assert_int_equal(redis_url_parse("redis://10.0.0.5:6380/3", &u), 0);
	assert_string_equal(u.host, "10.0.0.5");
	assert_int_equal(u.port, 6380);
	assert_int_equal(u.db, 3);
	assert_int_equal(redis_url_parse("redis://:s3cr%40t@h:1/15", &u), 0);
	assert_string_equal(u.user, "");
	assert_string_equal(u.password, "s3cr@t");
	assert_string_equal(u.host, "h");
	assert_int_equal(u.port, 1);
	assert_int_equal(u.db, 15);
	assert_int_equal(redis_url_parse("redis://hermod:p:w@h:65535", &u), 0);
	assert_string_equal(u.user, "hermod");
	assert_string_equal(u.password, "p:w");
	assert_int_equal(u.port, 65535);
	/* the last '@' ends the user info */
	assert_int_equal(redis_url_parse("redis://:a@b@h", &u), 0);
	assert_string_equal(u.password, "a@b");
	assert_string_equal(u.host, "h");
}

static void test_tcp_ipv6(void **state)
{
	struct redis_url u;
	char red[128];

	(void)state;
	assert_int_equal(redis_url_parse("redis://[::1]:7000/2", &u), 0);
	assert_string_equal(u.host, "::1");
	assert_int_equal(u.port, 7000);
	assert_int_equal(u.db, 2);
	redis_url_redacted(&u, red, sizeof(red));
	assert_string_equal(red, "redis://[::1]:7000/2");
	assert_int_equal(redis_url_parse("redis://[::1]", &u), 0);
	assert_int_equal(u.port, 6379);
	assert_int_equal(redis_url_parse("redis://[::1", &u), -1);
	assert_int_equal(redis_url_parse("redis://[::1]x", &u), -1);
	assert_int_equal(redis_url_parse("redis://::1:6379", &u), -1);
}

static void test_unix(void **state)
{
	struct redis_url u;

	(void)state;
	assert_int_equal(redis_url_parse("unix:/run/redis.sock", &u), 0);
	assert_true(u.is_unix);
	assert_string_equal(u.path, "/run/redis.sock");
	assert_int_equal(u.db, 0);
	assert_int_equal(redis_url_parse("unix:/tmp/r.sock?db=4", &u), 0);
	assert_string_equal(u.path, "/tmp/r.sock");
	assert_int_equal(u.db, 4);
	assert_int_equal(redis_url_parse("unix:///tmp/r.sock?db=1&password=x%26y",
					 &u),
			 0);
	assert_string_equal(u.path, "/tmp/r.sock");
	assert_int_equal(u.db, 1);
	assert_string_equal(u.password, "x&y");
	assert_int_equal(redis_url_parse("unix:", &u), -1);
	assert_int_equal(redis_url_parse("unix:/x?db=", &u), -1);
	assert_int_equal(redis_url_parse("unix:/x?db=1x", &u), -1);
	assert_int_equal(redis_url_parse("unix:/x?timeout=1", &u), -1);
	assert_int_equal(redis_url_parse("unix:/x?db", &u), -1);
}

static void test_limits(void **state)
{
	struct redis_url u;
	char url[600];
	char path[REDIS_URL_PATH_MAX + 1];

	(void)state;
	assert_int_equal(redis_url_parse("redis://h:0", &u), -1);
	assert_int_equal(redis_url_parse("redis://h:65536", &u), -1);
	assert_int_equal(redis_url_parse("redis://h:99999999999999999999", &u),
			 -1);
	assert_int_equal(redis_url_parse("redis://h:", &u), -1);
	assert_int_equal(redis_url_parse("redis://h:-1", &u), -1);
	assert_int_equal(redis_url_parse("redis://h/2147483647", &u), 0);
	assert_int_equal(u.db, 2147483647);
	assert_int_equal(redis_url_parse("redis://h/2147483648", &u), -1);
	assert_int_equal(redis_url_parse("redis://h/-1", &u), -1);
	assert_int_equal(redis_url_parse("redis://h/1/2", &u), -1);

	/* unix path: sizeof(sun_path) - 1 fits, one more does not */
	memset(path, 'p', sizeof(path));
	path[0] = '/';
	path[REDIS_URL_PATH_MAX - 1] = '\0';
	snprintf(url, sizeof(url), "unix:%s", path);
	assert_int_equal(redis_url_parse(url, &u), 0);
	assert_int_equal(strlen(u.path), REDIS_URL_PATH_MAX - 1);
	memset(path, 'p', sizeof(path));
	path[0] = '/';
	path[REDIS_URL_PATH_MAX] = '\0';
	snprintf(url, sizeof(url), "unix:%s", path);
	assert_int_equal(redis_url_parse(url, &u), -1);

	/* host: 255 bytes fit, 256 do not */
	memset(url, 0, sizeof(url));
	memcpy(url, "redis://", 8);
	memset(url + 8, 'h', REDIS_URL_HOST_MAX - 1);
	assert_int_equal(redis_url_parse(url, &u), 0);
	url[8 + REDIS_URL_HOST_MAX - 1] = 'h';
	assert_int_equal(redis_url_parse(url, &u), -1);
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
		"", "redis:/h", "http://h", "rediss://h", "redis://",
		"redis://:6379", "redis://user@h", "redis://:pw@", "redis://h?db=1",
		"redis://:%4@h", "redis://:%zz@h", "redis://:%00@h", "REDIS://h",
	};
	struct redis_url u;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (redis_url_parse(bad[i], &u) != -1)
			fail_msg("accepted %s", bad[i]);
	}
	assert_int_equal(redis_url_parse(NULL, &u), -1);
}

static void test_redacted(void **state)
{
	struct redis_url u;
	char red[128];

	(void)state;
	assert_int_equal(redis_url_parse("redis://bob:hunter2@10.1.2.3:6380/7",
					 &u),
			 0);
	redis_url_redacted(&u, red, sizeof(red));
	assert_string_equal(red, "redis://***@10.1.2.3:6380/7");
	assert_null(strstr(red, "hunter2"));
	assert_int_equal(redis_url_parse("unix:/s?password=hunter2&db=2", &u), 0);
	redis_url_redacted(&u, red, sizeof(red));
	assert_string_equal(red, "unix:/s?db=2&password=***");
	redis_url_redacted(&u, red, 4);
	assert_string_equal(red, "uni");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_defaults),
		cmocka_unit_test(test_tcp_full),
		cmocka_unit_test(test_tcp_ipv6),
		cmocka_unit_test(test_unix),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_redacted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
