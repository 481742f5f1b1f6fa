/*
 * Unit tests for shared/io/log: level parsing, filtering (arguments of a
 * filtered line are not evaluated), the line format, sanitising and truncation,
 * the debug-only hex dump, and reopening after logrotate renamed the file.
 */
#include "config.h"

#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "shared/io/log.h"

struct tlog {
	char dir[64];
	char path[96];
};

static int tlog_setup(void **state)
{
	struct tlog *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	snprintf(t->dir, sizeof(t->dir), "/tmp/hermod-test-log.XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->path, sizeof(t->path), "%s/box.log", t->dir);
	*state = t;
	return 0;
}

static int tlog_teardown(void **state)
{
	struct tlog *t = *state;
	char p[128];

	log_fini();
	unlink(t->path);
	snprintf(p, sizeof(p), "%s.1", t->path);
	unlink(p);
	rmdir(t->dir);
	free(t);
	return 0;
}

/* Reads a whole (small) file into a static buffer. */
static const char *slurp(const char *path)
{
	static char buf[64 * 1024];
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return "";
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

static int counter;

static int bump(void)
{
	return ++counter;
}

static void test_level_parse(void **state)
{
	enum log_level l = LOG_LEVEL_INFO;

	(void)state;
	assert_int_equal(log_level_parse("error", &l), 0);
	assert_int_equal(l, LOG_LEVEL_ERROR);
	assert_int_equal(log_level_parse("WARN", &l), 0);
	assert_int_equal(l, LOG_LEVEL_WARN);
	assert_int_equal(log_level_parse("warning", &l), 0);
	assert_int_equal(l, LOG_LEVEL_WARN);
	assert_int_equal(log_level_parse("Info", &l), 0);
	assert_int_equal(l, LOG_LEVEL_INFO);
	assert_int_equal(log_level_parse("debug", &l), 0);
	assert_int_equal(l, LOG_LEVEL_DEBUG);
	assert_int_equal(log_level_parse("", &l), -1);
	assert_int_equal(log_level_parse("verbose", &l), -1);
	assert_int_equal(log_level_parse("debug2", &l), -1);
	assert_int_equal(log_level_parse(NULL, &l), -1);
	assert_int_equal(l, LOG_LEVEL_DEBUG);
	assert_string_equal(log_level_name(LOG_LEVEL_WARN), "warn");
	assert_string_equal(log_level_name((enum log_level)9), "?");
}

static void test_filter_not_evaluated(void **state)
{
	struct tlog *t = *state;
	const char *s;

	assert_int_equal(log_init("testbox", LOG_LEVEL_WARN, t->path), 0);
	counter = 0;
	log_debug("d n=%d", bump());
	log_info("i n=%d", bump());
	assert_int_equal(counter, 0);
	log_warn("w n=%d", bump());
	log_error("e n=%d", bump());
	assert_int_equal(counter, 2);
	assert_false(log_enabled(LOG_LEVEL_INFO));
	assert_true(log_enabled(LOG_LEVEL_WARN));
	s = slurp(t->path);
	assert_int_equal(count_lines(s), 2);
	assert_non_null(strstr(s, " WARN testbox["));
	assert_non_null(strstr(s, "] w n=1\n"));
	assert_non_null(strstr(s, " ERROR testbox["));
	assert_non_null(strstr(s, "] e n=2\n"));
	assert_null(strstr(s, "INFO"));

	log_set_level(LOG_LEVEL_DEBUG);
	log_debug("d n=%d", bump());
	assert_int_equal(counter, 3);
	assert_int_equal(count_lines(slurp(t->path)), 3);
}

static void test_format(void **state)
{
	struct tlog *t = *state;
	regex_t re;
	int rc;

	assert_int_equal(log_init("bearerbox", LOG_LEVEL_INFO, t->path), 0);
	log_info("link up smsc=%s session=%d", "op1", 3);
	assert_int_equal(regcomp(&re,
				 "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:"
				 "[0-9]{2}\\.[0-9]{3}Z INFO bearerbox\\[[0-9]+\\] "
				 "link up smsc=op1 session=3\n$",
				 REG_EXTENDED),
			 0);
	rc = regexec(&re, slurp(t->path), 0, NULL, 0);
	regfree(&re);
	assert_int_equal(rc, 0);
}

static void test_sanitise_and_truncate(void **state)
{
	struct tlog *t = *state;
	char big[LOG_LINE_MAX * 2];
	const char *s;
	size_t n;

	assert_int_equal(log_init("b", LOG_LEVEL_INFO, t->path), 0);
	log_info("peer said system_id=%s", "ev\nil\r\x1b");
	s = slurp(t->path);
	assert_int_equal(count_lines(s), 1);
	assert_non_null(strstr(s, "system_id=ev?il??\n"));

	assert_int_equal(log_init("b", LOG_LEVEL_INFO, t->path), 0);
	unlink(t->path);
	assert_int_equal(log_init("b", LOG_LEVEL_INFO, t->path), 0);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_info("big=%s", big);
	s = slurp(t->path);
	n = strlen(s);
	assert_int_equal(n, LOG_LINE_MAX - 1);
	assert_int_equal(count_lines(s), 1);
	assert_memory_equal(s + n - 4, "...\n", 4);
}

static void test_hexdump_debug_only(void **state)
{
	struct tlog *t = *state;
	static const uint8_t pdu[] = { 0x00, 0x00, 0x00, 0x10, 0x80, 0x00, 0x00,
				       0x15, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
				       0x00, 0x01, 'A', 'B' };
	const char *s;

	assert_int_equal(log_init("b", LOG_LEVEL_INFO, t->path), 0);
	log_hexdump("pdu", pdu, sizeof(pdu));
	assert_int_equal(count_lines(slurp(t->path)), 0);
	log_set_level(LOG_LEVEL_DEBUG);
	log_hexdump("pdu", pdu, sizeof(pdu));
	s = slurp(t->path);
	assert_int_equal(count_lines(s), 3);
	assert_non_null(strstr(s, "pdu len=18\n"));
	assert_non_null(strstr(s, "0000  00 00 00 10 80 00 00 15 00 00 00 00 "
				  "00 00 00 01  ................\n"));
	assert_non_null(strstr(s, "0010  41 42 "));
	assert_non_null(strstr(s, " AB"));
}

static void test_reopen_after_rename(void **state)
{
	struct tlog *t = *state;
	char old[128];

	snprintf(old, sizeof(old), "%s.1", t->path);
	assert_int_equal(log_init("b", LOG_LEVEL_INFO, t->path), 0);
	log_info("first");
	assert_int_equal(rename(t->path, old), 0);
	log_info("second");	/* still the renamed file until reopen */
	assert_int_equal(log_reopen(), 0);
	log_info("third");
	assert_non_null(strstr(slurp(old), "] first\n"));
	assert_non_null(strstr(slurp(old), "] second\n"));
	assert_null(strstr(slurp(old), "third"));
	assert_int_equal(count_lines(slurp(t->path)), 1);
	assert_non_null(strstr(slurp(t->path), "] third\n"));
}

static void test_init_bad_path(void **state)
{
	struct tlog *t = *state;
	char bad[128];

	assert_int_equal(log_init("b", LOG_LEVEL_INFO, t->path), 0);
	snprintf(bad, sizeof(bad), "%s/no/such/dir/x.log", t->dir);
	assert_int_equal(log_init("b", LOG_LEVEL_INFO, bad), -1);
	log_info("kept");	/* the previous file stays in use */
	assert_non_null(strstr(slurp(t->path), "] kept\n"));
	/* stderr needs no reopen */
	assert_int_equal(log_init("b", LOG_LEVEL_ERROR, NULL), 0);
	assert_int_equal(log_reopen(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_level_parse),
		cmocka_unit_test_setup_teardown(test_filter_not_evaluated,
						tlog_setup, tlog_teardown),
		cmocka_unit_test_setup_teardown(test_format, tlog_setup,
						tlog_teardown),
		cmocka_unit_test_setup_teardown(test_sanitise_and_truncate,
						tlog_setup, tlog_teardown),
		cmocka_unit_test_setup_teardown(test_hexdump_debug_only,
						tlog_setup, tlog_teardown),
		cmocka_unit_test_setup_teardown(test_reopen_after_rename,
						tlog_setup, tlog_teardown),
		cmocka_unit_test_setup_teardown(test_init_bad_path, tlog_setup,
						tlog_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
