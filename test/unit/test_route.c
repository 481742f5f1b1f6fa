/*
 * Unit tests for shared/codec/route: longest prefix wins, the default route,
 * no route, picking the first link that is up, failover order.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "shared/codec/conf.h"
#include "shared/codec/conf_schema.h"
#include "shared/codec/route.h"

static const char conf_text[] =
	"group = core\n"
	"\n"
	"group = smsc\nsmsc-id = a\nhost = h\nport = 1\nsystem-id = s\n"
	"\n"
	"group = smsc\nsmsc-id = b\nhost = h\nport = 1\nsystem-id = s\n"
	"\n"
	"group = smsc\nsmsc-id = c\nhost = h\nport = 1\nsystem-id = s\n"
	"\n"
	"group = route\nprefix = 44\nsmsc-id = a;b\n"
	"\n"
	"group = route\nprefix = \"+447, 4478\"\nsmsc-id = b, c\n"
	"\n"
	"group = route\nprefix = 45\nsmsc-id = c\n"
	"\n"
	"group = route\ndefault = yes\nsmsc-id = c\n";

static const char no_default_text[] =
	"group = core\n\n"
	"group = smsc\nsmsc-id = a\nhost = h\nport = 1\nsystem-id = s\n\n"
	"group = route\nprefix = 1\nsmsc-id = a\n";

static struct route_table *table(const char *text)
{
	struct conf *c = conf_parse("t.conf", text, strlen(text), NULL, NULL);
	struct route_table *t;

	assert_non_null(c);
	assert_int_equal(conf_schema_validate(c), 0);
	t = route_table_new(c);
	conf_free(c);
	assert_non_null(t);
	return t;
}

static bool up_set(const char *link, void *arg)
{
	return strchr(arg, link[0]) != NULL;
}

static void test_longest_prefix(void **state)
{
	struct route_table *t = table(conf_text);
	const struct route *r;

	(void)state;
	r = route_lookup(t, "447700900123");
	assert_non_null(r);
	assert_int_equal(r->nlinks, 2);
	assert_string_equal(r->links[0], "b");
	assert_string_equal(r->links[1], "c");
	/* The same route through its longer prefix, and with a '+'. */
	assert_ptr_equal(route_lookup(t, "+447800000000"), r);
	/* 44 is shorter than 447: the route that names it. */
	r = route_lookup(t, "441234");
	assert_string_equal(r->links[0], "a");
	assert_string_equal(r->links[1], "b");
	route_table_free(t);
}

static void test_default_and_none(void **state)
{
	struct route_table *t = table(conf_text);
	struct route_table *u = table(no_default_text);

	(void)state;
	assert_string_equal(route_lookup(t, "33612345678")->links[0], "c");
	assert_string_equal(route_lookup(t, "4")->links[0], "c");
	assert_null(route_lookup(u, "33612345678"));
	assert_non_null(route_lookup(u, "1555"));
	route_table_free(t);
	route_table_free(u);
}

static void test_pick_and_failover(void **state)
{
	struct route_table *t = table(conf_text);
	const struct route *r = route_lookup(t, "441234");

	(void)state;
	assert_string_equal(route_pick(r, up_set, "ab"), "a");
	assert_string_equal(route_pick(r, up_set, "b"), "b");
	/* None up: the first link, where the message waits. */
	assert_string_equal(route_pick(r, up_set, ""), "a");
	assert_string_equal(route_pick(r, NULL, NULL), "a");
	assert_string_equal(route_failover(r, "a", up_set, "b"), "b");
	assert_null(route_failover(r, "a", up_set, "a"));
	/* Back to an earlier link of the route once it is up again. */
	assert_string_equal(route_failover(r, "b", up_set, "a"), "a");
	assert_string_equal(route_failover(r, "b", up_set, "ab"), "a");
	assert_null(route_failover(r, "b", up_set, "b"));
	assert_string_equal(route_failover(r, "b", NULL, NULL), "a");
	/* A link the route does not list never fails over through it. */
	assert_null(route_failover(r, "c", up_set, "ab"));
	assert_null(route_pick(NULL, NULL, NULL));
	route_table_free(t);
	route_table_free(NULL);
}

/* A link named twice is an error, and a table built anyway fails over once. */
static void test_repeated_link(void **state)
{
	static const char text[] =
		"group = core\n\n"
		"group = smsc\nsmsc-id = a\nhost = h\nport = 1\nsystem-id = s\n\n"
		"group = smsc\nsmsc-id = b\nhost = h\nport = 1\nsystem-id = s\n\n"
		"group = route\ndefault = yes\nsmsc-id = a,b,a\n";
	struct conf *c = conf_parse("t.conf", text, strlen(text), NULL, NULL);
	struct route_table *t;
	const struct route *r;

	(void)state;
	assert_non_null(c);
	assert_int_equal(conf_schema_validate(c), 1);
	assert_non_null(strstr(conf_error_at(c, 0), "t.conf:17: route names link 'a' twice"));
	t = route_table_new(c);
	conf_free(c);
	assert_non_null(t);
	r = route_lookup(t, "1");
	assert_int_equal(r->nlinks, 2);
	assert_string_equal(route_failover(r, "a", NULL, NULL), "b");
	assert_string_equal(route_failover(r, "b", NULL, NULL), "a");
	route_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_longest_prefix),
		cmocka_unit_test(test_default_and_none),
		cmocka_unit_test(test_pick_and_failover),
		cmocka_unit_test(test_repeated_link),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
