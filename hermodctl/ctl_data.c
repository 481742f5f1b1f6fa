/*
 * ctl_data — `hermodctl rate ...`, `number ...` and `dead-letters ...`.
 *
 * Rates and numbers are single hashes (P:rates, P:numbers); dead letters are
 * the smsbox's P:cb:dead list, whose entries hermodctl treats as opaque
 * strings (but for showing the last error, the e= field, decoded): replay
 * moves them to P:cb:retry due now, in one Lua script.
 */
#include "config.h"

#include "hermodctl/ctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "shared/codec/money.h"
#include "smsbox/sb_cb_fmt.h"

const char ctl_rate_usage[] =
    "  rate set PREFIX PRICE              (PREFIX: digits or `default`; per part)\n"
    "  rate list\n"
    "  rate del PREFIX\n";

const char ctl_number_usage[] =
    "  number add NUMBER NAME             (international digits, no '+')\n"
    "  number list\n"
    "  number del NUMBER\n";

const char ctl_dead_usage[] =
    "  dead-letters list\n"
    "  dead-letters replay [N|all]        (oldest first; default all)\n";

/* Sorts field/value pairs of an HGETALL reply by field; "default" first. */
static int ctl_cmp_pair(const void *a, const void *b)
{
	const redisReply *x = **(redisReply *const *const *)a;
	const redisReply *y = **(redisReply *const *const *)b;
	int dx = strcmp(x->str, ACCOUNT_RATE_DEFAULT) == 0;
	int dy = strcmp(y->str, ACCOUNT_RATE_DEFAULT) == 0;

	if (dx != dy)
		return dy - dx;
	return strcmp(x->str, y->str);
}

/*
 * Prints the hash `suffix` as "field: value" lines sorted by field; values
 * go through fmt (NULL: printed as they are).
 */
static int ctl_hash_list(struct ctl *c, const char *suffix,
    void (*fmt)(const redisReply *v))
{
	char key[ACCOUNT_KEY_MAX];
	const char *av[2] = { "HGETALL", key };
	redisReply *r, ***pairs;
	size_t i, n;

	if (ctl_key(c, key, sizeof(key), suffix, NULL) < 0)
		return CTL_FAIL;
	r = ctl_run(c, 2, av, NULL);
	if (r == NULL)
		return CTL_FAIL;
	n = r->type == REDIS_REPLY_ARRAY ? r->elements / 2 : 0;
	pairs = calloc(n + 1, sizeof(*pairs));
	if (pairs == NULL) {
		freeReplyObject(r);
		return CTL_FAIL;
	}
	for (i = 0; i < n; i++)
		pairs[i] = &r->element[2 * i];
	qsort(pairs, n, sizeof(*pairs), ctl_cmp_pair);
	for (i = 0; i < n; i++) {
		ctl_print_escaped(pairs[i][0]->str, pairs[i][0]->len);
		printf(": ");
		if (fmt)
			fmt(pairs[i][1]);
		else
			ctl_print_escaped(pairs[i][1]->str, pairs[i][1]->len);
		printf("\n");
	}
	free(pairs);
	freeReplyObject(r);
	return CTL_OK;
}

/* Runs a command answering an integer and returns it, or -1. */
static long long ctl_hash_cmd(struct ctl *c, int argc, const char **av)
{
	redisReply *r = ctl_run(c, argc, av, NULL);
	long long v = -1;

	if (r == NULL)
		return -1;
	if (r->type == REDIS_REPLY_INTEGER)
		v = r->integer;
	else
		ctl_err("unexpected reply from Redis");
	freeReplyObject(r);
	return v;
}

static void ctl_fmt_price(const redisReply *v)
{
	char buf[MONEY_TEXT_MAX];
	int64_t units;

	if (money_units_parse(v->str, v->len, &units) < 0 || units < 0 ||
	    money_format(units, 0, buf, sizeof(buf)) < 0) {
		printf("(invalid: ");
		ctl_print_escaped(v->str, v->len);
		printf(")");
		return;
	}
	printf("%s", buf);
}

static int ctl_check_prefix(const char *p)
{
	if (!account_rate_prefix_valid(p, strlen(p))) {
		ctl_err("prefix \"%s\": 1 to %d digits, or `default`", p, ACCOUNT_PREFIX_MAX);
		return -1;
	}
	return 0;
}

/* rate set / del: KEYS rates, version; ARGV HSET|HDEL, prefix [, units].
 * Changes the rate and the version the boxes' copies are checked against
 * (shared/io/mt_accept.c) in one step; deleting nothing changes nothing.
 * Returns the command's integer. */
static const char ctl_lua_rate[] =
    "local n = redis.call(ARGV[1], KEYS[1], unpack(ARGV, 2))\n"
    "if ARGV[1] == 'HSET' or n > 0 then redis.call('INCR', KEYS[2]) end\n"
    "return n\n";

int ctl_rate_main(struct ctl *c, int argc, char **argv)
{
	char key[ACCOUNT_KEY_MAX], ver[ACCOUNT_KEY_MAX], units_s[MONEY_TEXT_MAX];
	const char *av[8] = { "EVAL", ctl_lua_rate, "2", key, ver, NULL, NULL,
			      units_s };
	const char *sub = argc > 1 ? argv[1] : "";
	int64_t units;
	int err;

	if (argc > 1 && ctl_is_help(sub)) {
		printf("usage:\n%s", ctl_rate_usage);
		return CTL_OK;
	}
	if (strcmp(sub, "list") == 0 && argc == 2)
		return ctl_hash_list(c, ACCOUNT_K_RATES, ctl_fmt_price);
	if (!((strcmp(sub, "set") == 0 && argc == 4) ||
	    (strcmp(sub, "del") == 0 && argc == 3))) {
		ctl_err("malformed rate command");
		fprintf(stderr, "usage:\n%s", ctl_rate_usage);
		return CTL_USAGE;
	}
	if (ctl_check_prefix(argv[2]) < 0 ||
	    ctl_key(c, key, sizeof(key), ACCOUNT_K_RATES, NULL) < 0 ||
	    ctl_key(c, ver, sizeof(ver), ACCOUNT_K_RATES_VERSION, NULL) < 0)
		return CTL_FAIL;
	av[6] = argv[2];
	if (sub[0] == 'd') {
		av[5] = "HDEL";
		switch (ctl_hash_cmd(c, 7, av)) {
		case -1:
			return CTL_FAIL;
		case 0:
			ctl_err("no rate for prefix %s", argv[2]);
			return CTL_FAIL;
		default:
			printf("deleted rate %s\n", argv[2]);
			return CTL_OK;
		}
	}
	err = money_parse(argv[3], strlen(argv[3]), 0, &units);
	if (err < 0) {
		ctl_err("price \"%s\": %s", argv[3], money_strerror(err));
		return CTL_FAIL;
	}
	snprintf(units_s, sizeof(units_s), "%lld", (long long)units);
	av[5] = "HSET";
	if (ctl_hash_cmd(c, 8, av) < 0)
		return CTL_FAIL;
	printf("rate %s: %s\n", argv[2], argv[3]);
	return CTL_OK;
}

/*
 * number add: KEYS numbers, acct; ARGV number, name. Returns {0} no such
 * account, {-1, owner} owned by another account, {1} done.
 */
static const char ctl_lua_number[] =
    "if redis.call('EXISTS', KEYS[2]) == 0 then return {0} end\n"
    "local cur = redis.call('HGET', KEYS[1], ARGV[1])\n"
    "if cur and cur ~= ARGV[2] then return {-1, cur} end\n"
    "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])\n"
    "return {1}\n";

static int ctl_number_add(struct ctl *c, const char *num, const char *name)
{
	char nums[ACCOUNT_KEY_MAX], acct[ACCOUNT_KEY_MAX];
	const char *av[] = { "EVAL", ctl_lua_number, "2", nums, acct, num, name };
	redisReply *r;
	int rc = CTL_FAIL;

	if (!account_name_valid(name, strlen(name))) {
		ctl_err("account name \"%s\": 1 to 15 of A-Z a-z 0-9 _ . -", name);
		return CTL_FAIL;
	}
	if (ctl_key(c, nums, sizeof(nums), ACCOUNT_K_NUMBERS, NULL) < 0 ||
	    ctl_key(c, acct, sizeof(acct), ACCOUNT_K_ACCT, name) < 0)
		return CTL_FAIL;
	r = ctl_run(c, 7, av, NULL);
	if (r == NULL)
		return CTL_FAIL;
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
	    r->element[0]->type != REDIS_REPLY_INTEGER)
		ctl_err("unexpected reply from Redis");
	else if (r->element[0]->integer == 0)
		ctl_err("no such account: %s", name);
	else if (r->element[0]->integer < 0)
		ctl_err("number %s belongs to account %s: `number del` it first", num,
		    r->elements > 1 && r->element[1]->type == REDIS_REPLY_STRING ?
		    r->element[1]->str : "?");
	else {
		printf("number %s: %s\n", num, name);
		rc = CTL_OK;
	}
	freeReplyObject(r);
	return rc;
}

int ctl_number_main(struct ctl *c, int argc, char **argv)
{
	char key[ACCOUNT_KEY_MAX];
	const char *av[3] = { "HDEL", key, NULL };
	const char *sub = argc > 1 ? argv[1] : "";

	if (argc > 1 && ctl_is_help(sub)) {
		printf("usage:\n%s", ctl_number_usage);
		return CTL_OK;
	}
	if (strcmp(sub, "list") == 0 && argc == 2)
		return ctl_hash_list(c, ACCOUNT_K_NUMBERS, NULL);
	if (!((strcmp(sub, "add") == 0 && argc == 4) ||
	    (strcmp(sub, "del") == 0 && argc == 3))) {
		ctl_err("malformed number command");
		fprintf(stderr, "usage:\n%s", ctl_number_usage);
		return CTL_USAGE;
	}
	if (!account_number_valid(argv[2], strlen(argv[2]))) {
		ctl_err("number \"%s\": %d to %d digits, international, without '+'",
		    argv[2], ACCOUNT_NUMBER_MIN, ACCOUNT_NUMBER_MAX);
		return CTL_FAIL;
	}
	if (sub[0] == 'a')
		return ctl_number_add(c, argv[2], argv[3]);
	if (ctl_key(c, key, sizeof(key), ACCOUNT_K_NUMBERS, NULL) < 0)
		return CTL_FAIL;
	av[2] = argv[2];
	switch (ctl_hash_cmd(c, 3, av)) {
	case -1:
		return CTL_FAIL;
	case 0:
		ctl_err("no such number: %s", argv[2]);
		return CTL_FAIL;
	default:
		printf("deleted number %s\n", argv[2]);
		return CTL_OK;
	}
}

/*
 * replay: KEYS dead, retry; ARGV count (0 = all). The smsbox LPUSHes dead
 * letters, so the oldest is at the tail: RPOP takes oldest first. Due time
 * is Redis's clock in ms. Returns how many moved.
 */
static const char ctl_lua_replay[] =
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "local n = tonumber(ARGV[1])\n"
    "local moved = 0\n"
    "while n == 0 or moved < n do\n"
    "  local e = redis.call('RPOP', KEYS[1])\n"
    "  if not e then break end\n"
    "  redis.call('ZADD', KEYS[2], now, e)\n"
    "  moved = moved + 1\n"
    "end\n"
    "return moved\n";

/* Prints "  # REASON" for a dead letter m[0..len) that the smsbox's decoder
 * reads and that has a last error (e=), control bytes as '?'; nothing for
 * one without, or for an entry that is not a callback record. */
static void ctl_dead_reason(const char *m, size_t len)
{
	static struct sb_cb_item it;	/* ~70 KiB: not on the stack */

	if (sb_cb_member_decode((const uint8_t *)m, len, &it) < 0 ||
	    it.error[0] == '\0')
		return;
	printf("  # ");
	for (const char *e = it.error; *e != '\0'; e++)
		putchar((unsigned char)*e < 0x20 || *e == 0x7f ? '?' : *e);
}

static int ctl_dead_list(struct ctl *c)
{
	char key[ACCOUNT_KEY_MAX];
	const char *av[4] = { "LRANGE", key, "0", "-1" };
	redisReply *r;
	size_t i;

	if (ctl_key(c, key, sizeof(key), ACCOUNT_K_CB_DEAD, NULL) < 0)
		return CTL_FAIL;
	r = ctl_run(c, 4, av, NULL);
	if (r == NULL)
		return CTL_FAIL;
	/* Newest first, as stored; index 0 is the newest. */
	for (i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
		printf("%zu: ", i);
		ctl_print_escaped(r->element[i]->str, r->element[i]->len);
		ctl_dead_reason(r->element[i]->str, r->element[i]->len);
		printf("\n");
	}
	freeReplyObject(r);
	return CTL_OK;
}

static int ctl_dead_replay(struct ctl *c, const char *count)
{
	char dead[ACCOUNT_KEY_MAX], retry[ACCOUNT_KEY_MAX];
	const char *av[] = { "EVAL", ctl_lua_replay, "2", dead, retry, "0" };
	redisReply *r;
	size_t i, len = strlen(count);

	if (strcmp(count, "all") != 0) {
		for (i = 0; i < len; i++)
			if (count[i] < '0' || count[i] > '9')
				break;
		if (len == 0 || len > 9 || i < len || count[0] == '0') {
			ctl_err("replay \"%s\": a count from 1 to 999999999, or `all`", count);
			return CTL_FAIL;
		}
		av[5] = count;
	}
	if (ctl_key(c, dead, sizeof(dead), ACCOUNT_K_CB_DEAD, NULL) < 0 ||
	    ctl_key(c, retry, sizeof(retry), ACCOUNT_K_CB_RETRY, NULL) < 0)
		return CTL_FAIL;
	r = ctl_run(c, 6, av, NULL);
	if (r == NULL)
		return CTL_FAIL;
	if (r->type != REDIS_REPLY_INTEGER) {
		ctl_err("unexpected reply from Redis");
		freeReplyObject(r);
		return CTL_FAIL;
	}
	printf("replayed %lld dead letters\n", r->integer);
	freeReplyObject(r);
	return CTL_OK;
}

int ctl_dead_main(struct ctl *c, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";

	if (argc > 1 && ctl_is_help(sub)) {
		printf("usage:\n%s", ctl_dead_usage);
		return CTL_OK;
	}
	if (strcmp(sub, "list") == 0 && argc == 2)
		return ctl_dead_list(c);
	if (strcmp(sub, "replay") == 0 && (argc == 2 || argc == 3))
		return ctl_dead_replay(c, argc == 3 ? argv[2] : "all");
	ctl_err("malformed dead-letters command");
	fprintf(stderr, "usage:\n%s", ctl_dead_usage);
	return CTL_USAGE;
}
