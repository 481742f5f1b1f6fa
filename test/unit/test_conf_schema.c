/*
 * Unit tests for shared/codec/conf_schema: the table is consistent (every
 * default passes its own checks), each validation error is provoked and its
 * file:line message checked, and the typed getters apply the defaults.
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
#include "shared/codec/conf_schema.h"
#include "shared/codec/cidr.h"

#define CORE "group = core\n\n"

static struct conf *validate(const char *text)
{
	struct conf *c = conf_parse("t.conf", text, strlen(text), NULL, NULL);

	assert_non_null(c);
	(void)conf_schema_validate(c);
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

static void check(const char *text, ...)
{
	struct conf *c = validate(text);
	const char *want;
	size_t i = 0;
	va_list ap;

	va_start(ap, text);
	while ((want = va_arg(ap, const char *)) != NULL) {
		if (conf_error_at(c, i) == NULL)
			fail_msg("missing error %zu: %s", i, want);
		assert_string_equal(conf_error_at(c, i), want);
		i++;
	}
	va_end(ap);
	if (conf_error_count(c) != i)
		fail_msg("unexpected error: %s", conf_error_at(c, i));
	conf_free(c);
}

static const char good[] =
	"group = core\n"
	"redis-url = unix:/run/redis.sock\n"
	"admin-port = 13000\n"
	"\n"
	"group = smsc\n"
	"smsc-id = op1\n"
	"host = smsc.example.com\n"
	"port = 2775\n"
	"system-id = hermod\n"
	"password = secret\n"
	"tls = yes\n"
	"throughput = 50\n"
	"reconnect-delay = 1500ms\n"
	"\n"
	"group = smsc\n"
	"smsc-id = gsm\n"
	"type = modem\n"
	"modembox = site1\n"
	"modems = m1, m2\n"
	"\n"
	"group = route\n"
	"prefix = +4478; 4479\n"
	"smsc-id = op1 ; gsm\n"
	"\n"
	"group = route\n"
	"default = true\n"
	"smsc-id = gsm\n"
	"\n"
	"group = modembox\n"
	"id = site1\n"
	"\n"
	"group = modem\n"
	"id = m1\n"
	"modembox = site1\n"
	"device = /dev/ttyUSB0\n"
	"\n"
	"group = modem\n"
	"id = m2\n"
	"modembox = site1\n"
	"host = 192.0.2.7\n"
	"port = 23\n"
	"send-rate = 6\n";

static void test_good_and_getters(void **state)
{
	struct conf *c = validate(good);
	char items[CONF_LIST_MAX][CONF_ITEM_MAX];
	const struct conf_group *g;

	(void)state;
	expect_errors(c, NULL);
	g = conf_group_find(c, "core");
	assert_string_equal(conf_schema_get_str(g, "redis-url"), "unix:/run/redis.sock");
	assert_string_equal(conf_schema_get_str(g, "key-prefix"), "hermod");
	assert_null(conf_schema_get_str(g, "log-file"));
	assert_int_equal(conf_schema_get_enum(g, "log-level"), 2);	/* info */
	assert_int_equal(conf_schema_get_int(g, "admin-port"), 13000);
	assert_null(conf_schema_get_str(g, "no-such-key"));
	assert_int_equal(conf_schema_get_int(g, "no-such-key"), 0);
	assert_int_equal(conf_schema_get_enum(g, "no-such-key"), -1);

	g = conf_group_find_by(c, "smsc", "smsc-id", "op1");
	assert_non_null(g);
	assert_int_equal(conf_schema_get_enum(g, "type"), 0);
	assert_int_equal(conf_schema_get_int(g, "port"), 2775);
	assert_true(conf_schema_get_bool(g, "tls"));
	assert_true(conf_schema_get_bool(g, "tls-verify"));	/* default */
	assert_int_equal(conf_schema_get_int(g, "window"), 10);
	assert_int_equal(conf_schema_get_int(g, "sessions"), 1);
	assert_int_equal(conf_schema_get_int(g, "throughput"), 50);
	assert_int_equal(conf_schema_get_duration_ms(g, "enquire-link-interval"), 30000);
	assert_int_equal(conf_schema_get_duration_ms(g, "reconnect-delay"), 1500);
	assert_int_equal(conf_schema_get_duration_ms(g, "relay-timeout"), 3600000);
	assert_int_equal(conf_schema_get_enum(g, "bind-mode"), 0);
	assert_int_equal(conf_schema_get_enum(g, "interface-version"), 1);
	assert_string_equal(conf_schema_get_str(g, "system-type"), "");
	assert_null(conf_schema_get_str(g, "source-ton"));
	assert_int_equal(conf_schema_get_list(g, "modems", items, CONF_LIST_MAX), 0);

	g = conf_group_find_by(c, "smsc", "smsc-id", "gsm");
	assert_int_equal(conf_schema_get_enum(g, "type"), 1);
	assert_int_equal(conf_schema_get_list(g, "modems", items, CONF_LIST_MAX), 2);
	assert_string_equal(items[0], "m1");
	assert_string_equal(items[1], "m2");

	g = conf_group_find(c, "route");
	assert_int_equal(conf_schema_get_list(g, "smsc-id", items, CONF_LIST_MAX), 2);
	assert_string_equal(items[0], "op1");
	assert_string_equal(items[1], "gsm");
	assert_int_equal(conf_schema_get_list(g, "smsc-id", items, 1), 1);
	assert_int_equal(conf_schema_get_list(g, "prefix", items, CONF_LIST_MAX), 2);
	assert_string_equal(items[0], "+4478");
	assert_string_equal(items[1], "4479");
	assert_false(conf_schema_get_bool(g, "default"));
	g = conf_group_next(c, g, "route");
	assert_true(conf_schema_get_bool(g, "default"));

	g = conf_group_find_by(c, "modem", "id", "m2");
	assert_int_equal(conf_schema_get_int(g, "send-rate"), 6);
	assert_int_equal(conf_schema_get_int(g, "speed"), 115200);
	assert_int_equal(conf_schema_get_int(g, "daily-limit"), 0);
	conf_free(c);
}

/* Groups that are absent still give defaults through a bare group. */
static void test_defaults_only(void **state)
{
	struct conf *c = validate("group = core\n\ngroup = smsbox\n\ngroup = smpp-server\n");
	const struct conf_group *g;

	(void)state;
	expect_errors(c, NULL);
	g = conf_group_find(c, "core");
	assert_string_equal(conf_schema_get_str(g, "redis-url"), "redis://127.0.0.1:6379/0");
	assert_int_equal(conf_schema_get_int(g, "admin-port"), 0);
	g = conf_group_find(c, "smsbox");
	assert_int_equal(conf_schema_get_int(g, "port"), 13013);
	assert_int_equal(conf_schema_get_int(g, "dlr-retries"), 3);
	assert_int_equal(conf_schema_get_duration_ms(g, "dlr-retry-delay"), 60000);
	assert_int_equal(conf_schema_get_int(g, "max-body-size"), 65536);
	g = conf_group_find(c, "smpp-server");
	assert_int_equal(conf_schema_get_int(g, "port"), 2775);
	assert_int_equal(conf_schema_get_int(g, "max-binds"), 5);
	assert_int_equal(conf_schema_get_duration_ms(g, "receipt-ttl"), 72 * 3600000LL);
	assert_null(conf_schema_get_str(g, "tls-port"));
	conf_free(c);
}

/* A group that is not written still gives its defaults. */
static void test_absent_group(void **state)
{
	struct conf *c = validate(CORE);
	const struct conf_group *g;
	size_t ng, i;
	const struct conf_group_def *gd = conf_schema_groups(&ng);

	(void)state;
	expect_errors(c, NULL);
	assert_ptr_equal(conf_schema_group(c, "core"), conf_group_find(c, "core"));
	g = conf_schema_group(c, "smsbox");
	assert_non_null(g);
	assert_string_equal(g->name, "smsbox");
	assert_int_equal(g->nkv, 0);
	assert_int_equal(conf_schema_get_int(g, "port"), 13013);
	assert_int_equal(conf_schema_get_int(g, "mo-retries"), 3);
	g = conf_schema_group(c, "smpp-server");
	assert_int_equal(conf_schema_get_int(g, "max-binds"), 5);
	assert_null(conf_schema_group(c, "nope"));
	for (i = 0; i < ng; i++)
		assert_string_equal(conf_schema_group(c, gd[i].name)->name, gd[i].name);
	conf_free(c);
}

/* Every declared default passes the checks of its own option. */
static void test_table(void **state)
{
	const struct conf_option *o;
	const struct conf_group_def *gd;
	size_t n, ng, i, j;
	char text[512];
	struct conf *c;

	(void)state;
	o = conf_schema_options(&n);
	gd = conf_schema_groups(&ng);
	assert_true(n > 60);
	for (i = 0; i < n; i++) {
		for (j = 0; j < ng && strcmp(gd[j].name, o[i].group) != 0; j++)
			;
		if (j == ng)
			fail_msg("%s.%s: undeclared group", o[i].group, o[i].key);
		for (j = 0; j < i; j++)
			if (strcmp(o[i].group, o[j].group) == 0 &&
			    strcmp(o[i].key, o[j].key) == 0)
				fail_msg("%s.%s declared twice", o[i].group, o[i].key);
		assert_ptr_equal(conf_schema_find(o[i].group, o[i].key), &o[i]);
		assert_non_null(o[i].help);
		if ((o[i].type == CONF_ENUM) != (o[i].choices != NULL) &&
		    o[i].type != CONF_URL)
			fail_msg("%s.%s: choices", o[i].group, o[i].key);
		if (o[i].def == NULL)
			continue;
		snprintf(text, sizeof(text), "group = %s\n%s = \"%s\"\n", o[i].group,
		    o[i].key, o[i].def);
		c = validate(text);
		for (j = 0; j < conf_error_count(c); j++)
			if (strstr(conf_error_at(c, j), "bad value") != NULL)
				fail_msg("default of %s.%s: %s", o[i].group, o[i].key,
				    conf_error_at(c, j));
		conf_free(c);
	}
	assert_null(conf_schema_find("core", "nope"));
	assert_null(conf_schema_find("nope", "port"));
}

static void test_unknown(void **state)
{
	(void)state;
	check(CORE "group = smcs\nsmsc-id = x\n\ngroup = frobnicator\n",
	    "t.conf:3: unknown group 'smcs' (did you mean 'smsc'?)",
	    "t.conf:6: unknown group 'frobnicator'", NULL);
	check("group = core\nlog-levle = info\nfoo = bar\nredis = x\n",
	    "t.conf:2: unknown key 'log-levle' in group 'core' (did you mean 'log-level'?)",
	    "t.conf:3: unknown key 'foo' in group 'core'",
	    "t.conf:4: unknown key 'redis' in group 'core'", NULL);
}

static void test_groups(void **state)
{
	(void)state;
	check("group = smsbox\n",
	    "t.conf: no 'group = core' (it is required)", NULL);
	check(CORE "group = smsbox\n\ngroup = core\n",
	    "t.conf:5: group 'core' may appear only once (first at t.conf:1)", NULL);
	check(CORE "group = smsc\nhost = h\nport = 1\nsystem-id = s\n",
	    "t.conf:3: group 'smsc' lacks the required key 'smsc-id'", NULL);
	check(CORE "group = core\nlog-level = info\nlog-level = debug\n",
	    "t.conf:3: group 'core' may appear only once (first at t.conf:1)",
	    "t.conf:5: duplicate key 'log-level' (first set at t.conf:4)", NULL);
}

static void test_bad_values(void **state)
{
	(void)state;
	check("group = core\n"
	    "admin-port = abc\n"
	    "log-level = loud\n"
	    "redis-url = http://example.com/\n"
	    "key-prefix =\n",
	    "t.conf:2: bad value for 'admin-port': 'abc' is not a whole number",
	    "t.conf:3: bad value for 'log-level': 'loud' is not one of: error, warn, info, debug",
	    "t.conf:4: bad value for 'redis-url': scheme 'http' is not one of: redis, unix",
	    "t.conf:5: bad value for 'key-prefix': must not be empty", NULL);
	check("group = core\nadmin-port = 70000\nredis-url = unix:run\n\n"
	    "group = smsbox\nport = 0\ndlr-retry-delay = 2x\nmo-retry-delay = 2d\n",
	    "t.conf:2: bad value for 'admin-port': 70000 is out of range 0..65535",
	    "t.conf:3: bad value for 'redis-url': the value: a unix socket must be unix:/absolute/path",
	    "t.conf:6: bad value for 'port': 0 is out of range 1..65535",
	    "t.conf:7: bad value for 'dlr-retry-delay': '2x' is not a duration (a number with an optional unit ms, s, m, h or d; seconds without one)",
	    "t.conf:8: bad value for 'mo-retry-delay': '2d' is out of range 1s..1d", NULL);
	check(CORE "group = smsc\nsmsc-id = a\nhost = h\nport = 1\n"
	    "system-id = sixteen-chars-xx\npassword = 123456789\ntls = maybe\n"
	    "window = 1.5\nenquire-link-interval = 500ms\n",
	    "t.conf:7: bad value for 'system-id': is 16 characters long, must be 1 to 15",
	    "t.conf:8: bad value for 'password': is 9 characters long, must be 0 to 8",
	    "t.conf:9: bad value for 'tls': 'maybe' is not yes or no",
	    "t.conf:10: bad value for 'window': '1.5' is not a whole number",
	    "t.conf:11: bad value for 'enquire-link-interval': '500ms' is out of range 1s..1h",
	    NULL);
	check(CORE "group = core\nredis-url = redis:/x\n",
	    "t.conf:3: group 'core' may appear only once (first at t.conf:1)",
	    "t.conf:4: bad value for 'redis-url': the value is not a URL (scheme://host...)",
	    NULL);
}

/* redis-url may hold a password: it is never quoted in a message. */
static void test_urls(void **state)
{
	static const char *const good_urls[] = {
		"redis://localhost", "redis://127.0.0.1:6379/0", "redis://:pw@h:1/15",
		"redis://user:p%40ss@[::1]:6380/2", "redis://h/", "unix:/run/r.sock",
		"unix:/run/r.sock?db=2", "redis://[::1]", "redis://h:1",
	};
	char text[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good_urls) / sizeof(good_urls[0]); i++) {
		snprintf(text, sizeof(text), "group = core\nredis-url = %s\n",
		    good_urls[i]);
		check(text, NULL);
	}
	check("group = core\nredis-url = redis://:hunter2@h:0/1\n",
	    "t.conf:2: bad value for 'redis-url': the value has a bad port (1..65535)",
	    NULL);
	check("group = core\nredis-url = redis://:hunter2@h:99999\n",
	    "t.conf:2: bad value for 'redis-url': the value has a bad port (1..65535)",
	    NULL);
	check("group = core\nredis-url = redis://:hunter2@h:6379x\n",
	    "t.conf:2: bad value for 'redis-url': the value has a bad port (1..65535)",
	    NULL);
	check("group = core\nredis-url = redis://:hunter2@/0\n",
	    "t.conf:2: bad value for 'redis-url': the value has no host", NULL);
	check("group = core\nredis-url = redis://:hunter2@h/db0\n",
	    "t.conf:2: bad value for 'redis-url': the value: the path must be a database number",
	    NULL);
	check("group = core\nredis-url = redis://h:6379/-1\n",
	    "t.conf:2: bad value for 'redis-url': the value: the path must be a database number",
	    NULL);
	check("group = core\nredis-url = redis://h:\n",
	    "t.conf:2: bad value for 'redis-url': the value has a bad port (1..65535)",
	    NULL);
	check("group = core\nredis-url = redis://\n",
	    "t.conf:2: bad value for 'redis-url': the value has no host", NULL);
	check("group = core\nredis-url = hunter2\n",
	    "t.conf:2: bad value for 'redis-url': the value is not a URL (scheme://host...)",
	    NULL);
	/* What the boxes' parser refuses, the check refuses: a password
	 * without its colon, a database that is not a plain int, IPv6 without
	 * brackets, a bad unix: parameter. */
	static const char *const bad_urls[] = {
		"redis://hunter2@h:6379/0", "redis://h/+1", "redis://h/99999999999",
		"redis://::1:6379/0", "unix:/s?foo=1", "unix:/s?db=x",
		"unix:/s?password=%zz",
	};
	for (i = 0; i < sizeof(bad_urls) / sizeof(bad_urls[0]); i++) {
		snprintf(text, sizeof(text), "group = core\nredis-url = %s\n",
		    bad_urls[i]);
		check(text,
		    "t.conf:2: bad value for 'redis-url': the value is not a Redis URL: "
		    "redis://[[user]:password@]host[:port][/db] or "
		    "unix:/path[?db=N&password=P]",
		    NULL);
	}
}

static void test_lists(void **state)
{
	(void)state;
	check(CORE "group = smsc\nsmsc-id = a\ntype = modem\nmodembox = mb\n\n"
	    "group = modembox\nid = mb\n\n"
	    "group = route\nprefix = 44,,45\nsmsc-id = a\n\n"
	    "group = route\nprefix = 4x\nsmsc-id = a\n\n"
	    "group = route\nprefix = +\nsmsc-id =\n",
	    "t.conf:12: bad value for 'prefix': empty item in list (item 2)",
	    "t.conf:16: bad value for 'prefix': '4x' is not a number prefix",
	    "t.conf:20: bad value for 'prefix': '+' is not a number prefix",
	    "t.conf:21: bad value for 'smsc-id': has 0 items, must have 1 to 32", NULL);
	/* A prefix routed twice, in one route or two, with or without '+'. */
	check(CORE "group = smsc\nsmsc-id = a\ntype = modem\nmodembox = mb\n\n"
	    "group = modembox\nid = mb\n\n"
	    "group = route\nprefix = 44, 447, +33\nsmsc-id = a\n\n"
	    "group = route\nprefix = 33, 4478\nsmsc-id = a\n\n"
	    "group = route\nprefix = 49, +49, +447\nsmsc-id = a\n",
	    "t.conf:16: prefix '33' is routed twice (first at t.conf:12)",
	    "t.conf:20: prefix '49' is routed twice (first at t.conf:20)",
	    "t.conf:20: prefix '447' is routed twice (first at t.conf:12)", NULL);
	/* Network lists: every item an address or addr/len, IPv4 or IPv6. */
	check(CORE "group = smsbox\ncallback-allow = 127.0.0.0/8, ::1\n"
	    "trusted-proxies = 10.0.0.0/8; fd00::/8\n", NULL);
	check(CORE "group = smsbox\ncallback-deny = 10.0.0.0/33\n"
	    "callback-allow = localhost\ntrusted-proxies = 10.0.0.1,,\n",
	    "t.conf:4: bad value for 'callback-deny': '10.0.0.0/33' is not an "
	    "IPv4 or IPv6 address or network (addr/len)",
	    "t.conf:5: bad value for 'callback-allow': 'localhost' is not an "
	    "IPv4 or IPv6 address or network (addr/len)",
	    "t.conf:6: bad value for 'trusted-proxies': empty item in list (item 2)",
	    NULL);
}

/* The default deny list parses and covers what it claims to. */
static void test_callback_deny_default(void **state)
{
	static const char d[] = CONF_CALLBACK_DENY_DEFAULT;
	static const char *const denied[] = {
		"127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1",
		"169.254.169.254", "100.64.0.1", "0.0.0.0", "255.255.255.255",
		"224.0.0.1", "::1", "::", "fd00::1", "fe80::1", "::ffff:127.0.0.1",
	};
	static const char *const allowed[] = {
		"203.0.113.5", "8.8.8.8", "2001:db8::1", "172.32.0.1", "100.128.0.1",
	};
	struct cidr l[CONF_LIST_MAX], a;
	size_t i;
	int n;

	(void)state;
	n = cidr_list_parse(d, strlen(d), l, CONF_LIST_MAX, NULL);
	assert_true(n > 10);
	for (i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
		assert_int_equal(cidr_parse_addr(denied[i], strlen(denied[i]), &a), 0);
		if (cidr_list_match(l, (size_t)n, &a) == NULL)
			fail_msg("%s is not denied", denied[i]);
	}
	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		assert_int_equal(cidr_parse_addr(allowed[i], strlen(allowed[i]), &a), 0);
		if (cidr_list_match(l, (size_t)n, &a) != NULL)
			fail_msg("%s is denied", allowed[i]);
	}
}

/* conf_schema_get_cidrs: a set list, the default list, an empty one. */
static void test_get_cidrs(void **state)
{
	struct conf *c = validate(CORE "group = smsbox\n"
	    "trusted-proxies = 10.0.0.0/8; ::1\n");
	const struct conf_group *g;
	struct cidr l[CONF_LIST_MAX], a;

	(void)state;
	expect_errors(c, NULL);
	g = conf_group_find(c, "smsbox");
	assert_int_equal(conf_schema_get_cidrs(g, "trusted-proxies", l), 2);
	assert_int_equal(cidr_parse_addr("10.9.8.7", 8, &a), 0);
	assert_ptr_equal(cidr_list_match(l, 2, &a), &l[0]);
	assert_int_equal(cidr_parse_addr("::1", 3, &a), 0);
	assert_ptr_equal(cidr_list_match(l, 2, &a), &l[1]);
	assert_int_equal(conf_schema_get_cidrs(g, "callback-deny", l), 17);
	assert_int_equal(conf_schema_get_cidrs(g, "callback-allow", l), 0);
	conf_free(c);
}

static void test_ids_and_refs(void **state)
{
	(void)state;
	check(CORE "group = smsc\nsmsc-id = a\nhost = h\nport = 1\nsystem-id = s\n\n"
	    "group = smsc\nsmsc-id = a\nhost = h\nport = 1\nsystem-id = s\n\n"
	    "group = route\ndefault = yes\nsmsc-id = a; b\n",
	    "t.conf:10: duplicate smsc-id 'a' (first at t.conf:4)",
	    "t.conf:17: smsc-id 'b' is not the smsc-id of any smsc group", NULL);
	check(CORE "group = smsc\nsmsc-id = g\ntype = modem\nmodembox = nope\n"
	    "modems = m1, m9\n\n"
	    "group = modem\nid = m1\nmodembox = nope\ndevice = /dev/x\n",
	    "t.conf:6: modembox 'nope' is not the id of any modembox group",
	    "t.conf:7: modems 'm9' is not the id of any modem group",
	    "t.conf:11: modembox 'nope' is not the id of any modembox group", NULL);
}

static void test_group_rules(void **state)
{
	(void)state;
	check(CORE "group = smsc\nsmsc-id = a\n\ngroup = smsc\nsmsc-id = b\ntype = modem\n",
	    "t.conf:3: group 'smsc' lacks 'host', required for type = smpp",
	    "t.conf:3: group 'smsc' lacks 'port', required for type = smpp",
	    "t.conf:3: group 'smsc' lacks 'system-id', required for type = smpp",
	    "t.conf:6: group 'smsc' lacks 'modembox', required for type = modem", NULL);
	check(CORE "group = smsc\nsmsc-id = a\ntype = modem\nmodembox = m\n\n"
	    "group = modembox\nid = m\n\n"
	    "group = route\nsmsc-id = a\n\n"
	    "group = route\nsmsc-id = a\nprefix = 1\ndefault = yes\n\n"
	    "group = route\nsmsc-id = a\ndefault = yes\n\n"
	    "group = route\nsmsc-id = a\ndefault = on\n",
	    "t.conf:11: route has neither 'prefix' nor 'default = yes'",
	    "t.conf:16: route has both 'prefix' and 'default = yes'",
	    "t.conf:19: a second default route (the first is at t.conf:14)",
	    "t.conf:23: a second default route (the first is at t.conf:14)", NULL);
	check(CORE "group = smpp-server\ntls-port = 2775\n",
	    "t.conf:3: group 'smpp-server' lacks 'tls-cert', required with tls-port",
	    "t.conf:3: group 'smpp-server' lacks 'tls-key', required with tls-port",
	    "t.conf:4: tls-port is the same as port", NULL);
	check(CORE "group = modembox\nid = mb\n\n"
	    "group = modem\nid = a\nmodembox = mb\n\n"
	    "group = modem\nid = b\nmodembox = mb\ndevice = /dev/x\nhost = h\n\n"
	    "group = modem\nid = c\nmodembox = mb\nhost = h\n",
	    "t.conf:6: modem needs 'device' (serial) or 'host' and 'port' (TCP)",
	    "t.conf:10: modem has both 'device' and 'host'; choose one",
	    "t.conf:10: group 'modem' lacks 'port', required with host",
	    "t.conf:16: group 'modem' lacks 'port', required with host", NULL);
	check(CORE "group = modembox\nid = mb\n\ngroup = modembox\nid = mb2\n\n"
	    "group = modem\nid = a\nmodembox = mb\ndevice = /dev/x\n\n"
	    "group = modem\nid = b\nmodembox = mb2\ndevice = /dev/y\n\n"
	    "group = smsc\nsmsc-id = g\ntype = modem\nmodembox = mb\n"
	    "modems = a, b\nlong-message = payload\n\n"
	    "group = smsc\nsmsc-id = h\ntype = modem\nmodembox = mb\n"
	    "modems = a\nlong-message = sar\n",
	    "t.conf:24: long-message = payload is not possible with type = modem "
	    "(each part is one SMS): use udh or sar",
	    "t.conf:23: modem 'b' is driven by modembox 'mb2', not by this link's "
	    "modembox 'mb'", NULL);
	/* message_payload does not exist in SMPP 3.3; udh and sar do (sar
	 * becomes a UDH there), and payload on 3.4 is fine. */
	check(CORE "group = smsc\nsmsc-id = a\nhost = h\nport = 1\n"
	    "system-id = s\ninterface-version = 33\nlong-message = payload\n\n"
	    "group = smsc\nsmsc-id = b\nhost = h\nport = 1\nsystem-id = s\n"
	    "interface-version = 33\nlong-message = sar\n\n"
	    "group = smsc\nsmsc-id = c\nhost = h\nport = 1\nsystem-id = s\n"
	    "interface-version = 34\nlong-message = payload\n",
	    "t.conf:9: long-message = payload is not possible with "
	    "interface-version = 33 (message_payload is an SMPP 3.4 TLV): use "
	    "udh or sar", NULL);
}

/* Parse errors and schema errors are reported together. */
static void test_all_errors(void **state)
{
	(void)state;
	check("group = core\nlog-level = verbose\nbroken\n\ngroup = smsc\nport = x\n",
	    "t.conf:3: expected 'key = value', found no '='",
	    "t.conf:2: bad value for 'log-level': 'verbose' is not one of: error, warn, info, debug",
	    "t.conf:6: bad value for 'port': 'x' is not a whole number",
	    "t.conf:5: group 'smsc' lacks the required key 'smsc-id'",
	    "t.conf:5: group 'smsc' lacks 'host', required for type = smpp",
	    "t.conf:5: group 'smsc' lacks 'system-id', required for type = smpp", NULL);
}

static void test_parse_helpers(void **state)
{
	long long v = 0;
	bool b = false;

	(void)state;
	assert_int_equal(conf_schema_parse_int("42", &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(conf_schema_parse_int("-7", &v), 0);
	assert_int_equal(v, -7);
	assert_int_equal(conf_schema_parse_int(" 1", &v), -1);
	assert_int_equal(conf_schema_parse_int("", &v), -1);
	assert_int_equal(conf_schema_parse_int("1 ", &v), -1);
	assert_int_equal(conf_schema_parse_int("99999999999999999999", &v), -1);
	assert_int_equal(conf_schema_parse_bool("YES", &b), 0);
	assert_true(b);
	assert_int_equal(conf_schema_parse_bool("off", &b), 0);
	assert_false(b);
	assert_int_equal(conf_schema_parse_bool("2", &b), -1);
	assert_int_equal(conf_schema_parse_duration_ms("15", &v), 0);
	assert_int_equal(v, 15000);
	assert_int_equal(conf_schema_parse_duration_ms("250ms", &v), 0);
	assert_int_equal(v, 250);
	assert_int_equal(conf_schema_parse_duration_ms("2m", &v), 0);
	assert_int_equal(v, 120000);
	assert_int_equal(conf_schema_parse_duration_ms("3h", &v), 0);
	assert_int_equal(v, 3 * 3600000LL);
	assert_int_equal(conf_schema_parse_duration_ms("1d", &v), 0);
	assert_int_equal(v, 86400000LL);
	assert_int_equal(conf_schema_parse_duration_ms("1 s", &v), -1);
	assert_int_equal(conf_schema_parse_duration_ms("-1", &v), -1);
	assert_int_equal(conf_schema_parse_duration_ms("s", &v), -1);
	assert_int_equal(conf_schema_parse_duration_ms("9223372036854775807d", &v), -1);
	assert_int_equal(conf_schema_parse_duration_ms("99999999999999999999", &v), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_and_getters),
		cmocka_unit_test(test_defaults_only),
		cmocka_unit_test(test_absent_group),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_callback_deny_default),
		cmocka_unit_test(test_get_cidrs),
		cmocka_unit_test(test_ids_and_refs),
		cmocka_unit_test(test_group_rules),
		cmocka_unit_test(test_all_errors),
		cmocka_unit_test(test_parse_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
