/*
 * Unit tests for shared/codec/conf: the Kannel-style syntax (quotes, escapes,
 * comments, blank-line blocks, CRLF), every syntax error with its file:line,
 * the caps, and includes through the callback (order, nested errors, cycles,
 * depth).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "shared/codec/conf.h"

static struct conf *parse(const char *text)
{
	struct conf *c = conf_parse("t.conf", text, strlen(text), NULL, NULL);

	assert_non_null(c);
	return c;
}

/* Asserts c holds exactly the errors listed (in order), NULL-terminated. */
static void expect_errors(const struct conf *c, ...)
{
	const char *want;
	size_t i = 0;
	va_list ap;

	va_start(ap, c);
	while ((want = va_arg(ap, const char *)) != NULL) {
		if (conf_error_at(c, i) == NULL)
			fail_msg("missing error %zu: %s", i, want);
		assert_string_equal(conf_error_at(c, i), want);
		i++;
	}
	va_end(ap);
	if (conf_error_count(c) != i)
		fail_msg("unexpected error: %s", conf_error_at(c, i));
}

static void test_basic(void **state)
{
	struct conf *c = parse(
	    "# Hermod\n"
	    "group = core\n"
	    "redis-url = redis://127.0.0.1:6379/0\n"
	    "log-level = debug\n"
	    "\n"
	    "group = smsc\n"
	    "  smsc-id=op1\n"
	    "\thost   =   smsc.example.com   \n");
	const struct conf_group *g;

	(void)state;
	expect_errors(c, NULL);
	assert_int_equal(conf_group_count(c), 2);
	g = conf_group_at(c, 0);
	assert_string_equal(g->name, "core");
	assert_string_equal(g->file, "t.conf");
	assert_int_equal(g->line, 2);
	assert_int_equal(g->nkv, 2);
	assert_string_equal(g->kv[0].key, "redis-url");
	assert_string_equal(g->kv[0].value, "redis://127.0.0.1:6379/0");
	assert_int_equal(g->kv[0].line, 3);
	assert_string_equal(conf_group_value(g, "log-level"), "debug");
	assert_null(conf_group_value(g, "log-file"));
	g = conf_group_at(c, 1);
	assert_string_equal(g->name, "smsc");
	assert_int_equal(g->line, 6);
	assert_string_equal(conf_group_value(g, "smsc-id"), "op1");
	assert_string_equal(conf_group_value(g, "host"), "smsc.example.com");
	assert_int_equal(conf_group_kv(g, "host")->line, 8);
	assert_null(conf_group_at(c, 2));
	assert_string_equal(conf_main_file(c), "t.conf");
	conf_free(c);
}

static void test_values(void **state)
{
	struct conf *c = parse(
	    "group = g\n"
	    "a = \"x \\\"y\\\" \\\\ z\"\n"
	    "b = \"has # hash\"   # and a comment\n"
	    "c = bare words # comment\n"
	    "d = abc#def\n"
	    "e = \"\"\n"
	    "f =\n"
	    "g = # only a comment\n"
	    "h = \"back\\slash\"\n"
	    "i = a=b=c\n");
	const struct conf_group *g;

	(void)state;
	expect_errors(c, NULL);
	g = conf_group_at(c, 0);
	assert_string_equal(conf_group_value(g, "a"), "x \"y\" \\ z");
	assert_string_equal(conf_group_value(g, "b"), "has # hash");
	assert_string_equal(conf_group_value(g, "c"), "bare words");
	assert_string_equal(conf_group_value(g, "d"), "abc#def");
	assert_string_equal(conf_group_value(g, "e"), "");
	assert_string_equal(conf_group_value(g, "f"), "");
	assert_string_equal(conf_group_value(g, "g"), "");
	assert_string_equal(conf_group_value(g, "h"), "back\\slash");
	assert_string_equal(conf_group_value(g, "i"), "a=b=c");
	conf_free(c);
}

static void test_value_errors(void **state)
{
	struct conf *c = parse(
	    "group = g\n"
	    "a = \"unterminated\n"
	    "b = \"x\" junk\n"
	    "c = half\"quoted\n"
	    "d = \"ends with backslash\\\"\n"
	    "ok = 1\n");

	(void)state;
	expect_errors(c,
	    "t.conf:2: unterminated quoted value (missing '\"')",
	    "t.conf:3: unexpected text after the closing '\"'",
	    "t.conf:4: a value with '\"' in it must be quoted as a whole",
	    "t.conf:5: unterminated quoted value (missing '\"')", NULL);
	assert_int_equal(conf_group_at(c, 0)->nkv, 1);
	conf_free(c);
}

static void test_comments_and_blocks(void **state)
{
	struct conf *c = parse(
	    "\n"
	    "   \t\n"
	    "group = a\n"
	    "# a comment does not end the block\n"
	    "   # nor an indented one\n"
	    "k = 1\n"
	    " \t \n"
	    "group = b\n"
	    "k = 2\n");

	(void)state;
	expect_errors(c, NULL);
	assert_int_equal(conf_group_count(c), 2);
	assert_int_equal(conf_group_at(c, 0)->nkv, 1);
	assert_int_equal(conf_group_at(c, 1)->line, 8);
	assert_string_equal(conf_group_value(conf_group_at(c, 1), "k"), "2");
	conf_free(c);
}

static void test_block_errors(void **state)
{
	struct conf *c = parse(
	    "smsc-id = first\n"
	    "host = reported once per block\n"
	    "\n"
	    "group = a\n"
	    "k = 1\n"
	    "group = b\n"
	    "k = 2\n"
	    "\n"
	    "orphan = 3\n"
	    "\n"
	    "group =\n");

	(void)state;
	expect_errors(c,
	    "t.conf:1: 'smsc-id' outside a group: a block must start with 'group = NAME'",
	    "t.conf:6: 'group = b' must start a block: put a blank line before it",
	    "t.conf:9: 'orphan' outside a group: a block must start with 'group = NAME'",
	    "t.conf:11: empty group name", NULL);
	/* Recovery: b is still a group of its own. */
	assert_int_equal(conf_group_count(c), 3);
	assert_string_equal(conf_group_value(conf_group_at(c, 1), "k"), "2");
	conf_free(c);
}

static void test_line_errors(void **state)
{
	struct conf *c = parse(
	    "group = g\n"
	    "no equals sign\n"
	    " = value\n"
	    "bad key = 1\n"
	    "k\xc3\xa9y = 1\n"
	    "good = 1\n");

	(void)state;
	expect_errors(c,
	    "t.conf:2: expected 'key = value', found no '='",
	    "t.conf:3: missing key before '='",
	    "t.conf:4: bad key name 'bad key' (letters, digits and '-' only)",
	    "t.conf:5: bad key name 'k\xc3\xa9y' (letters, digits and '-' only)",
	    NULL);
	assert_int_equal(conf_group_at(c, 0)->nkv, 1);
	conf_free(c);
}

static void test_nul_byte(void **state)
{
	static const char text[] = "group = g\nk = a\0b\nj = 2\n";
	struct conf *c = conf_parse("t.conf", text, sizeof(text) - 1, NULL, NULL);

	(void)state;
	assert_non_null(c);
	expect_errors(c, "t.conf:2: NUL byte in line", NULL);
	assert_int_equal(conf_group_at(c, 0)->nkv, 1);
	conf_free(c);
}

/* A line of exactly CONF_MAX_LINE bytes is fine; one byte more is not. */
static void test_long_lines(void **state)
{
	size_t head = strlen("group = g\nv = "), n = head + CONF_MAX_LINE + 64;
	char *text = malloc(2 * n);
	struct conf *c;
	size_t vlen = CONF_MAX_LINE - 4;	/* "v = " + value */

	(void)state;
	assert_non_null(text);
	memcpy(text, "group = g\nv = ", head);
	memset(text + head, 'x', vlen);
	memcpy(text + head + vlen, "\nw = ", 5);
	memset(text + head + vlen + 5, 'y', vlen + 1);
	memcpy(text + head + vlen + 5 + vlen + 1, "\nz = 1\n", 8);
	c = parse(text);
	expect_errors(c, "t.conf:3: line too long (4097 bytes, max 4096)", NULL);
	assert_int_equal(strlen(conf_group_value(conf_group_at(c, 0), "v")), vlen);
	assert_null(conf_group_value(conf_group_at(c, 0), "w"));
	assert_string_equal(conf_group_value(conf_group_at(c, 0), "z"), "1");
	conf_free(c);
	free(text);
}

static void test_crlf(void **state)
{
	struct conf *c = parse(
	    "group = core\r\n"
	    "log-level = info\r\n"
	    "name = \"quoted\"\r\n"
	    "\r\n"
	    "group = smsc\r\n"
	    "smsc-id = op1");	/* and no final newline */
	const struct conf_group *g;

	(void)state;
	expect_errors(c, NULL);
	assert_int_equal(conf_group_count(c), 2);
	g = conf_group_at(c, 0);
	assert_string_equal(conf_group_value(g, "log-level"), "info");
	assert_string_equal(conf_group_value(g, "name"), "quoted");
	assert_string_equal(conf_group_value(conf_group_at(c, 1), "smsc-id"), "op1");
	assert_int_equal(conf_group_at(c, 1)->line, 5);
	conf_free(c);
}

static void test_bom(void **state)
{
	struct conf *c = parse("\xef\xbb\xbfgroup = core\nk = v\n");
	struct conf *d = parse("group = core\n\xef\xbb\xbfk = v\n");

	(void)state;
	expect_errors(c, NULL);
	assert_string_equal(conf_group_at(c, 0)->name, "core");
	assert_int_equal(conf_group_at(c, 0)->line, 1);
	/* Only at the very start of a file. */
	expect_errors(d, "t.conf:2: bad key name '\xef\xbb\xbfk' (letters, digits and '-' only)",
	    NULL);
	conf_free(c);
	conf_free(d);
}

static void test_empty(void **state)
{
	struct conf *c = conf_parse("t.conf", "", 0, NULL, NULL);

	(void)state;
	assert_non_null(c);
	expect_errors(c, NULL);
	assert_int_equal(conf_group_count(c), 0);
	assert_null(conf_group_find(c, "core"));
	conf_free(c);
	conf_free(NULL);
}

static void test_iterate(void **state)
{
	struct conf *c = parse(
	    "group = smsc\nsmsc-id = a\n\n"
	    "group = core\n\n"
	    "group = smsc\nsmsc-id = b\n\n"
	    "group = smsc\nsmsc-id = c\n");
	const struct conf_group *g = NULL;
	const char *ids[3];
	size_t n = 0;

	(void)state;
	while ((g = conf_group_next(c, g, "smsc")) != NULL) {
		assert_true(n < 3);
		ids[n++] = conf_group_value(g, "smsc-id");
	}
	assert_int_equal(n, 3);
	assert_string_equal(ids[0], "a");
	assert_string_equal(ids[1], "b");
	assert_string_equal(ids[2], "c");
	assert_string_equal(conf_group_find(c, "core")->name, "core");
	g = conf_group_find_by(c, "smsc", "smsc-id", "b");
	assert_non_null(g);
	assert_int_equal(g->line, 6);
	assert_null(conf_group_find_by(c, "smsc", "smsc-id", "d"));
	assert_null(conf_group_find_by(c, "core", "smsc-id", "a"));
	conf_free(c);
}

static void test_error_cap(void **state)
{
	char *text = malloc(16 + 200 * 8);
	struct conf *c;
	size_t off, i;

	(void)state;
	assert_non_null(text);
	off = (size_t)sprintf(text, "group = g\n");
	for (i = 0; i < 200; i++)
		off += (size_t)sprintf(text + off, "broken\n");
	c = parse(text);
	assert_int_equal(conf_error_count(c), CONF_MAX_ERRORS + 1);
	assert_string_equal(conf_error_at(c, 0),
	    "t.conf:2: expected 'key = value', found no '='");
	assert_string_equal(conf_error_at(c, CONF_MAX_ERRORS),
	    "t.conf: too many errors (over 100); stopped reporting");
	assert_null(conf_error_at(c, CONF_MAX_ERRORS + 1));
	conf_free(c);
	free(text);
}

static void test_key_cap(void **state)
{
	char *text = malloc(16 + (CONF_MAX_KEYS + 1) * 16);
	struct conf *c;
	size_t off, i;

	(void)state;
	assert_non_null(text);
	off = (size_t)sprintf(text, "group = g\n");
	for (i = 0; i <= CONF_MAX_KEYS; i++)
		off += (size_t)sprintf(text + off, "k%zu = %zu\n", i, i);
	c = parse(text);
	expect_errors(c, "t.conf:258: too many keys in one group (max 256)", NULL);
	assert_int_equal(conf_group_at(c, 0)->nkv, CONF_MAX_KEYS);
	conf_free(c);
	free(text);
}

/* ---------------------------------------------------------------- includes */

struct files {
	const char *name[8];
	const char *text[8];
	int calls;
};

static int files_include(void *arg, const char *from, const char *path,
    struct conf_text *out, char *err, size_t errlen)
{
	struct files *f = arg;
	size_t i;

	assert_non_null(from);
	f->calls++;
	for (i = 0; i < 8 && f->name[i] != NULL; i++) {
		if (strcmp(f->name[i], path) != 0)
			continue;
		out->name = strdup(path);
		out->text = strdup(f->text[i]);
		out->len = strlen(f->text[i]);
		return 0;
	}
	snprintf(err, errlen, "cannot open: No such file or directory");
	return -1;
}

static struct conf *parse_files(struct files *f)
{
	struct conf *c = conf_parse(f->name[0], f->text[0], strlen(f->text[0]),
	    files_include, f);

	assert_non_null(c);
	return c;
}

static void test_include(void **state)
{
	struct files f = {
		{ "main.conf", "smsc.conf", "more.conf" },
		{ "group = core\nk = 1\n\ninclude = smsc.conf\ninclude = \"more.conf\"\n"
		  "group = route\nk = 4\n",
		  "# links\ngroup = smsc\nk = 2\n",
		  "\n\ngroup = modem\nk = 3\n" },
		0
	};
	struct conf *c = parse_files(&f);
	const struct conf_group *g;

	(void)state;
	expect_errors(c, NULL);
	assert_int_equal(conf_group_count(c), 4);
	g = conf_group_at(c, 1);
	assert_string_equal(g->name, "smsc");
	assert_string_equal(g->file, "smsc.conf");
	assert_int_equal(g->line, 2);
	assert_string_equal(g->kv[0].file, "smsc.conf");
	assert_int_equal(g->kv[0].line, 3);
	g = conf_group_at(c, 2);
	assert_string_equal(g->name, "modem");
	assert_string_equal(g->file, "more.conf");
	assert_int_equal(g->line, 3);
	g = conf_group_at(c, 3);
	assert_string_equal(g->name, "route");
	assert_string_equal(g->file, "main.conf");
	assert_int_equal(g->line, 6);
	conf_free(c);
}

static void test_include_errors(void **state)
{
	struct files f = {
		{ "main.conf", "bad.conf", "loop.conf", "deep" },
		{ "include = bad.conf\n"
		  "include = nowhere.conf\n"
		  "include = loop.conf\n"
		  "include = main.conf\n"
		  "include =\n"
		  "\n"
		  "group = core\n"
		  "include = bad.conf\n",
		  "group = smsc\nbroken line\n",
		  "\ninclude = loop.conf\n",
		  "" },
		0
	};
	struct conf *c = parse_files(&f);

	(void)state;
	expect_errors(c,
	    "bad.conf:2: expected 'key = value', found no '='",
	    "main.conf:2: include 'nowhere.conf': cannot open: No such file or directory",
	    "loop.conf:2: include 'loop.conf': include cycle (loop.conf is already being read)",
	    "main.conf:4: include 'main.conf': include cycle (main.conf is already being read)",
	    "main.conf:5: include of an empty path",
	    "main.conf:8: include inside group 'core': put a blank line before it",
	    NULL);
	conf_free(c);
}

/* Each level includes the next, deeper than CONF_MAX_DEPTH. */
static int deep_include(void *arg, const char *from, const char *path,
    struct conf_text *out, char *err, size_t errlen)
{
	int n = atoi(path);
	char buf[64];

	(void)arg;
	(void)from;
	(void)err;
	(void)errlen;
	snprintf(buf, sizeof(buf), "include = %d\n", n + 1);
	out->name = strdup(path);
	out->text = strdup(buf);
	out->len = strlen(buf);
	return 0;
}

static void test_include_depth(void **state)
{
	const char *text = "include = 1\n";
	struct conf *c = conf_parse("0", text, strlen(text), deep_include, NULL);

	(void)state;
	assert_non_null(c);
	expect_errors(c, "8:1: include '9': includes nested too deep (max 8)", NULL);
	conf_free(c);
}

static void test_include_without_callback(void **state)
{
	struct conf *c = parse("include = x.conf\n");

	(void)state;
	expect_errors(c, "t.conf:1: include is not allowed here", NULL);
	conf_free(c);
}

static void test_conf_error(void **state)
{
	struct conf *c = parse("group = g\n");

	(void)state;
	conf_error(c, NULL, 0, "no %s", "core");
	conf_error(c, "x.conf", 7, "bad %d", 42);
	expect_errors(c, "t.conf: no core", "x.conf:7: bad 42", NULL);
	conf_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_value_errors),
		cmocka_unit_test(test_comments_and_blocks),
		cmocka_unit_test(test_block_errors),
		cmocka_unit_test(test_line_errors),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_iterate),
		cmocka_unit_test(test_error_cap),
		cmocka_unit_test(test_key_cap),
		cmocka_unit_test(test_include),
		cmocka_unit_test(test_include_errors),
		cmocka_unit_test(test_include_depth),
		cmocka_unit_test(test_include_without_callback),
		cmocka_unit_test(test_conf_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
