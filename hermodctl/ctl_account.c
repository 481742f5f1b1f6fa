/*
 * ctl_account — `hermodctl account ...` and `hermodctl credit ...`.
 *
 * Every value is converted to its stored form (password -> pwhash, decimal
 * credit -> units, yes/no -> 1/0) and checked with account_field_set(), the
 * parser the boxes use, before anything is sent. Each change is one Lua
 * script: existence checks and writes happen atomically.
 */
#include "config.h"

#include "hermodctl/ctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <openssl/crypto.h>

#include "shared/codec/money.h"

const char ctl_account_usage[] =
    "  account add NAME --password PW [--credit N] [--dlr-url URL] [--mo-url URL]\n"
    "              [--max-recipients N] [--throughput N] [--senders LIST]\n"
    "              [--ips LIST] [--enabled yes|no] [--max-binds N]\n"
    "              [--window N]\n"
    "              [--mo-pass SECRET]\n"
    "  account set NAME --KEY VALUE ...   (same keys as add)\n"
    "  account show NAME\n"
    "  account list\n"
    "  account del NAME\n";

const char ctl_credit_usage[] =
    "  credit add NAME AMOUNT             (AMOUNT may be negative; credit stays >= 0)\n";

/* Up to one value per field. */
#define CTL_NFIELDS 11

struct ctl_fields {
	const char *field[CTL_NFIELDS];
	const char *value[CTL_NFIELDS];
	size_t n;
	char pwhash[PWHASH_TEXT_MAX];
	char credit[MONEY_TEXT_MAX];
	char pw[PWHASH_PASSWORD_MAX + 2];
};

/* CTL_SECRET: stored as given, never echoed in an error. */
enum ctl_kind { CTL_RAW, CTL_SECRET, CTL_PASSWORD, CTL_CREDIT, CTL_BOOL };

static const struct {
	const char *opt;
	const char *field;
	enum ctl_kind kind;
} ctl_acct_opts[] = {
	{ "password", ACCOUNT_F_PWHASH, CTL_PASSWORD },
	{ "credit", ACCOUNT_F_CREDIT, CTL_CREDIT },
	{ "dlr-url", ACCOUNT_F_DLR_URL, CTL_RAW },
	{ "mo-url", ACCOUNT_F_MO_URL, CTL_RAW },
	{ "max-recipients", ACCOUNT_F_MAX_RECIPIENTS, CTL_RAW },
	{ "throughput", ACCOUNT_F_THROUGHPUT, CTL_RAW },
	{ "senders", ACCOUNT_F_SENDERS, CTL_RAW },
	{ "ips", ACCOUNT_F_IPS, CTL_RAW },
	{ "enabled", ACCOUNT_F_ENABLED, CTL_BOOL },
	{ "max-binds", ACCOUNT_F_MAX_BINDS, CTL_RAW },
	{ "window", ACCOUNT_F_WINDOW, CTL_RAW },
	{ "mo-pass", ACCOUNT_F_MO_PASS, CTL_SECRET },
};

#define CTL_NOPTS (sizeof(ctl_acct_opts) / sizeof(ctl_acct_opts[0]))

static const char *ctl_bool(const char *v)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcmp(v, yes[i]) == 0)
			return "1";
		if (strcmp(v, no[i]) == 0)
			return "0";
	}
	return NULL;
}

/* Reads the password from the first line of standard input. */
static int ctl_read_password(struct ctl_fields *f)
{
	size_t n;

	if (fgets(f->pw, sizeof(f->pw), stdin) == NULL) {
		ctl_err("--password -: nothing on standard input");
		return -1;
	}
	n = strcspn(f->pw, "\r\n");
	if (f->pw[n] == '\0' && n == sizeof(f->pw) - 1) {
		ctl_err("--password -: longer than %d bytes", PWHASH_PASSWORD_MAX);
		return -1;
	}
	f->pw[n] = '\0';
	return 0;
}

static int ctl_password(struct ctl_fields *f, const char *v, const char **out)
{
	size_t n;

	if (strcmp(v, "-") == 0) {
		if (ctl_read_password(f) < 0)
			return -1;
		v = f->pw;
	}
	n = strlen(v);
	if (n == 0 || n > PWHASH_PASSWORD_MAX) {
		ctl_err("--password: 1 to %d bytes", PWHASH_PASSWORD_MAX);
		return -1;
	}
	if (n > 8)
		fprintf(stderr, "hermodctl: note: an SMPP bind carries at most 8 "
		    "characters of password; this account can only use HTTP\n");
	if (pwhash_make(v, n, 0, f->pwhash, sizeof(f->pwhash)) < 0) {
		ctl_err("cannot hash the password (OpenSSL failure)");
		return -1;
	}
	OPENSSL_cleanse(f->pw, sizeof(f->pw));
	*out = f->pwhash;
	return 0;
}

/* Converts one option value to its stored form in *out. */
static int ctl_convert(struct ctl_fields *f, size_t k, const char *v,
    const char **out)
{
	int64_t units;
	int rc;

	switch (ctl_acct_opts[k].kind) {
	case CTL_PASSWORD:
		return ctl_password(f, v, out);
	case CTL_CREDIT:
		rc = money_parse(v, strlen(v), 0, &units);
		if (rc < 0) {
			ctl_err("--credit \"%s\": %s", v, money_strerror(rc));
			return -1;
		}
		snprintf(f->credit, sizeof(f->credit), "%lld", (long long)units);
		*out = f->credit;
		return 0;
	case CTL_BOOL:
		*out = ctl_bool(v);
		if (*out == NULL) {
			ctl_err("--%s \"%s\": use yes or no", ctl_acct_opts[k].opt, v);
			return -1;
		}
		return 0;
	case CTL_RAW:
	case CTL_SECRET:
		*out = v;
		return 0;
	}
	return -1;
}

/* Looks "--KEY" (or "--KEY=VALUE") up; returns the table index or -1. */
static int ctl_find_opt(const char *arg, const char **inline_val)
{
	size_t k, n;

	*inline_val = NULL;
	if (strncmp(arg, "--", 2) != 0)
		return -1;
	arg += 2;
	n = strcspn(arg, "=");
	for (k = 0; k < CTL_NOPTS; k++) {
		if (strlen(ctl_acct_opts[k].opt) == n &&
		    strncmp(arg, ctl_acct_opts[k].opt, n) == 0) {
			if (arg[n] == '=')
				*inline_val = arg + n + 1;
			return (int)k;
		}
	}
	return -1;
}

/*
 * Parses the --KEY VALUE options of `account add/set` into stored field
 * values and validates each. Returns 0, or -1 after printing the problem.
 */
static int ctl_parse_fields(int argc, char **argv, struct ctl_fields *f)
{
	struct account scratch;
	const char *v, *stored;
	bool seen[CTL_NOPTS] = { false };
	int i, k;

	account_init(&scratch, "x");
	for (i = 0; i < argc; i++) {
		k = ctl_find_opt(argv[i], &v);
		if (k < 0) {
			ctl_err("unknown option: %s", argv[i]);
			return -1;
		}
		if (v == NULL) {
			if (i + 1 >= argc) {
				ctl_err("%s needs a value", argv[i]);
				return -1;
			}
			v = argv[++i];
		}
		if (seen[k]) {
			ctl_err("--%s given twice", ctl_acct_opts[k].opt);
			return -1;
		}
		seen[k] = true;
		if (ctl_convert(f, (size_t)k, v, &stored) < 0)
			return -1;
		if (account_field_set(&scratch, ctl_acct_opts[k].field, stored,
		    strlen(stored)) != 0) {
			if (ctl_acct_opts[k].kind == CTL_SECRET)
				ctl_err("--%s: 0 to %d printable ASCII characters",
				    ctl_acct_opts[k].opt, ACCOUNT_MO_PASS_MAX);
			else
				ctl_err("--%s \"%s\": invalid value",
				    ctl_acct_opts[k].opt, v);
			return -1;
		}
		f->field[f->n] = ctl_acct_opts[k].field;
		f->value[f->n] = stored;
		f->n++;
	}
	return 0;
}

static bool ctl_has_field(const struct ctl_fields *f, const char *field)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->field[i], field) == 0)
			return true;
	return false;
}

static int ctl_check_name(const char *name)
{
	if (!account_name_valid(name, strlen(name))) {
		ctl_err("account name \"%s\": 1 to 15 of A-Z a-z 0-9 _ . -", name);
		return -1;
	}
	return 0;
}

/*
 * add: KEYS acct, accounts; ARGV name, field, value, ... . Returns 0 when the
 * account exists already (nothing written), 1 when created.
 */
static const char ctl_lua_add[] =
    "if redis.call('EXISTS', KEYS[1]) == 1 or "
    "redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then return 0 end\n"
    "redis.call('HSET', KEYS[1], unpack(ARGV, 2))\n"
    "redis.call('SADD', KEYS[2], ARGV[1])\n"
    "return 1\n";

/* set: KEYS acct; ARGV field, value, ... . 0: no such account, 1: done. */
static const char ctl_lua_set[] =
    "if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end\n"
    "redis.call('HSET', KEYS[1], unpack(ARGV))\n"
    "return 1\n";

#define CTL_STR_(x) #x
#define CTL_STR(x) CTL_STR_(x)

/* What `account add` writes for a field not given. */
static const char *const ctl_defaults[][2] = {
	{ ACCOUNT_F_CREDIT, "0" },
	{ ACCOUNT_F_DLR_URL, "" },
	{ ACCOUNT_F_MO_URL, "" },
	{ ACCOUNT_F_MAX_RECIPIENTS, CTL_STR(ACCOUNT_DEF_MAX_RECIPIENTS) },
	{ ACCOUNT_F_THROUGHPUT, CTL_STR(ACCOUNT_DEF_THROUGHPUT) },
	{ ACCOUNT_F_SENDERS, "" },
	{ ACCOUNT_F_IPS, "" },
	{ ACCOUNT_F_ENABLED, "1" },
	{ ACCOUNT_F_MAX_BINDS, CTL_STR(ACCOUNT_DEF_MAX_BINDS) },
	{ ACCOUNT_F_WINDOW, CTL_STR(ACCOUNT_DEF_WINDOW) },
};

/*
 * Runs `account add` or `account set` (adding picks the script and the
 * defaults written for a new account).
 */
static int ctl_account_write(struct ctl *c, int argc, char **argv, bool adding)
{
	struct ctl_fields f;
	char acct[ACCOUNT_KEY_MAX], set[ACCOUNT_KEY_MAX];
	const char *av[8 + 2 * CTL_NFIELDS + 8];
	redisReply *r;
	int n = 0, rc = CTL_FAIL;
	size_t i;

	memset(&f, 0, sizeof(f));
	if (argc < 2) {
		fprintf(stderr, "usage:\n%s", ctl_account_usage);
		return CTL_USAGE;
	}
	if (ctl_check_name(argv[1]) < 0 || ctl_parse_fields(argc - 2, argv + 2, &f) < 0)
		return CTL_FAIL;
	if (adding && !ctl_has_field(&f, ACCOUNT_F_PWHASH)) {
		ctl_err("account add: --password is required");
		return CTL_FAIL;
	}
	if (!adding && f.n == 0) {
		ctl_err("account set: nothing to set");
		return CTL_FAIL;
	}
	if (ctl_key(c, acct, sizeof(acct), ACCOUNT_K_ACCT, argv[1]) < 0 ||
	    ctl_key(c, set, sizeof(set), ACCOUNT_K_ACCOUNTS, NULL) < 0)
		return CTL_FAIL;
	av[n++] = "EVAL";
	av[n++] = adding ? ctl_lua_add : ctl_lua_set;
	av[n++] = adding ? "2" : "1";
	av[n++] = acct;
	if (adding) {
		av[n++] = set;
		av[n++] = argv[1];
		/* A new account has every field, written out explicitly. */
		for (i = 0; i < sizeof(ctl_defaults) / sizeof(ctl_defaults[0]); i++) {
			if (ctl_has_field(&f, ctl_defaults[i][0]))
				continue;
			f.field[f.n] = ctl_defaults[i][0];
			f.value[f.n++] = ctl_defaults[i][1];
		}
	}
	for (i = 0; i < f.n; i++) {
		av[n++] = f.field[i];
		av[n++] = f.value[i];
	}
	r = ctl_run(c, n, av, NULL);
	if (r == NULL)
		goto out;
	if (r->type != REDIS_REPLY_INTEGER)
		ctl_err("unexpected reply from Redis");
	else if (r->integer == 0)
		ctl_err(adding ? "account %s exists already" : "no such account: %s", argv[1]);
	else {
		printf("%s account %s\n", adding ? "added" : "updated", argv[1]);
		rc = CTL_OK;
	}
	freeReplyObject(r);
out:
	OPENSSL_cleanse(&f, sizeof(f));
	return rc;
}

static int ctl_cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Prints "numbers: N1 N2 ..." for the long numbers owned by name. */
static int ctl_show_numbers(struct ctl *c, const char *name)
{
	char key[ACCOUNT_KEY_MAX];
	const char *av[2] = { "HGETALL", key };
	const char **own;
	redisReply *r;
	size_t i, n = 0;

	if (ctl_key(c, key, sizeof(key), ACCOUNT_K_NUMBERS, NULL) < 0)
		return -1;
	r = ctl_run(c, 2, av, NULL);
	if (r == NULL)
		return -1;
	own = calloc(r->elements / 2 + 1, sizeof(*own));
	if (own == NULL) {
		freeReplyObject(r);
		return -1;
	}
	for (i = 0; r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements; i += 2)
		if (r->element[i + 1]->type == REDIS_REPLY_STRING &&
		    strcmp(r->element[i + 1]->str, name) == 0)
			own[n++] = r->element[i]->str;
	qsort(own, n, sizeof(*own), ctl_cmp_str);
	printf("numbers:");
	for (i = 0; i < n; i++)
		printf(" %s", own[i]);
	printf("\n");
	free(own);
	freeReplyObject(r);
	return 0;
}

static void ctl_print_account(const struct account *a)
{
	char credit[MONEY_TEXT_MAX];

	money_format(a->credit, 0, credit, sizeof(credit));
	printf("name: %s\n", a->name);
	printf("enabled: %s\n", a->enabled ? "yes" : "no");
	printf("credit: %s\n", credit);
	printf("password: %s\n", a->pwhash[0] ? "set" : "none (cannot log in)");
	printf("dlr-url: %s\n", a->dlr_url);
	printf("mo-url: %s\n", a->mo_url);
	printf("max-recipients: %u\n", a->max_recipients);
	printf("throughput: %u\n", a->throughput);
	printf("senders: %s\n", a->senders);
	printf("ips: %s\n", a->ips);
	printf("max-binds: %u\n", a->max_binds);
	printf("window: %u\n", a->window);
	printf("mo-pass: %s\n", a->has_mo_pass ? "set" : "none");
}

static int ctl_account_show(struct ctl *c, const char *name)
{
	struct account a;
	char key[ACCOUNT_KEY_MAX], err[128];
	const char *av[2] = { "HGETALL", key };
	redisReply *r;
	size_t i;
	int rc;

	if (ctl_check_name(name) < 0 ||
	    ctl_key(c, key, sizeof(key), ACCOUNT_K_ACCT, name) < 0)
		return CTL_FAIL;
	r = ctl_run(c, 2, av, NULL);
	if (r == NULL)
		return CTL_FAIL;
	rc = account_from_reply(&a, name, r, err, sizeof(err));
	if (rc == 1) {
		ctl_err("no such account: %s", name);
		freeReplyObject(r);
		return CTL_FAIL;
	}
	if (rc < 0) {
		/* Show what is there, so the operator can repair it with `set`. */
		ctl_err("account %s is damaged: %s", name, err);
		for (i = 0; r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements; i += 2) {
			if (strcmp(r->element[i]->str, ACCOUNT_F_PWHASH) == 0)
				continue;
			ctl_print_escaped(r->element[i]->str, r->element[i]->len);
			printf(": ");
			ctl_print_escaped(r->element[i + 1]->str, r->element[i + 1]->len);
			printf("\n");
		}
		freeReplyObject(r);
		return CTL_FAIL;
	}
	freeReplyObject(r);
	ctl_print_account(&a);
	return ctl_show_numbers(c, name) < 0 ? CTL_FAIL : CTL_OK;
}

/* One line per account: "NAME: credit=X enabled=yes|no". */
static int ctl_account_list(struct ctl *c)
{
	char key[ACCOUNT_KEY_MAX], credit[MONEY_TEXT_MAX];
	const char *av[5] = { "SMEMBERS", key };
	const char **names = NULL;
	redisReply *r, *h;
	size_t i, n;
	int rc = CTL_OK;
	int64_t units;

	if (ctl_key(c, key, sizeof(key), ACCOUNT_K_ACCOUNTS, NULL) < 0)
		return CTL_FAIL;
	r = ctl_run(c, 2, av, NULL);
	if (r == NULL)
		return CTL_FAIL;
	n = r->type == REDIS_REPLY_ARRAY ? r->elements : 0;
	names = calloc(n + 1, sizeof(*names));
	if (names == NULL) {
		freeReplyObject(r);
		return CTL_FAIL;
	}
	for (i = 0; i < n; i++)
		names[i] = r->element[i]->str;
	qsort(names, n, sizeof(*names), ctl_cmp_str);
	for (i = 0; i < n && rc == CTL_OK; i++) {
		if (ctl_key(c, key, sizeof(key), ACCOUNT_K_ACCT, names[i]) < 0) {
			rc = CTL_FAIL;
			break;
		}
		av[0] = "HMGET";
		av[2] = ACCOUNT_F_CREDIT;
		av[3] = ACCOUNT_F_ENABLED;
		h = ctl_run(c, 4, av, NULL);
		if (h == NULL) {
			rc = CTL_FAIL;
			break;
		}
		if (h->type != REDIS_REPLY_ARRAY || h->elements != 2 ||
		    h->element[0]->type != REDIS_REPLY_STRING) {
			printf("%s: (no record)\n", names[i]);
		} else {
			if (money_units_parse(h->element[0]->str, h->element[0]->len, &units) < 0 ||
			    money_format(units, 0, credit, sizeof(credit)) < 0)
				snprintf(credit, sizeof(credit), "(invalid)");
			printf("%s: credit=%s enabled=%s\n", names[i], credit,
			    h->element[1]->type == REDIS_REPLY_STRING &&
			    strcmp(h->element[1]->str, "0") == 0 ? "no" : "yes");
		}
		freeReplyObject(h);
	}
	free(names);
	freeReplyObject(r);
	return rc;
}

/*
 * del: KEYS acct, accounts, numbers; ARGV name. Returns -1 when there is no
 * such account, else how many long numbers were released.
 */
static const char ctl_lua_del[] =
    "if redis.call('EXISTS', KEYS[1]) == 0 and "
    "redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 0 then return -1 end\n"
    "redis.call('DEL', KEYS[1])\n"
    "redis.call('SREM', KEYS[2], ARGV[1])\n"
    "local all = redis.call('HGETALL', KEYS[3])\n"
    "local n = 0\n"
    "for i = 1, #all, 2 do\n"
    "  if all[i + 1] == ARGV[1] then redis.call('HDEL', KEYS[3], all[i]); n = n + 1 end\n"
    "end\n"
    "return n\n";

static int ctl_account_del(struct ctl *c, const char *name)
{
	char acct[ACCOUNT_KEY_MAX], set[ACCOUNT_KEY_MAX], nums[ACCOUNT_KEY_MAX];
	const char *av[] = { "EVAL", ctl_lua_del, "3", acct, set, nums, name };
	redisReply *r;
	int rc = CTL_FAIL;

	if (ctl_check_name(name) < 0 ||
	    ctl_key(c, acct, sizeof(acct), ACCOUNT_K_ACCT, name) < 0 ||
	    ctl_key(c, set, sizeof(set), ACCOUNT_K_ACCOUNTS, NULL) < 0 ||
	    ctl_key(c, nums, sizeof(nums), ACCOUNT_K_NUMBERS, NULL) < 0)
		return CTL_FAIL;
	r = ctl_run(c, 7, av, NULL);
	if (r == NULL)
		return CTL_FAIL;
	if (r->type != REDIS_REPLY_INTEGER)
		ctl_err("unexpected reply from Redis");
	else if (r->integer < 0)
		ctl_err("no such account: %s", name);
	else {
		printf("deleted account %s (%lld long numbers released)\n", name,
		    r->integer);
		rc = CTL_OK;
	}
	freeReplyObject(r);
	return rc;
}

int ctl_account_main(struct ctl *c, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";

	if (argc > 1 && ctl_is_help(sub)) {
		printf("usage:\n%s", ctl_account_usage);
		return CTL_OK;
	}
	if (strcmp(sub, "add") == 0)
		return ctl_account_write(c, argc - 1, argv + 1, true);
	if (strcmp(sub, "set") == 0)
		return ctl_account_write(c, argc - 1, argv + 1, false);
	if (strcmp(sub, "show") == 0 && argc == 3)
		return ctl_account_show(c, argv[2]);
	if (strcmp(sub, "list") == 0 && argc == 2)
		return ctl_account_list(c);
	if (strcmp(sub, "del") == 0 && argc == 3)
		return ctl_account_del(c, argv[2]);
	ctl_err("malformed account command");
	fprintf(stderr, "usage:\n%s", ctl_account_usage);
	return CTL_USAGE;
}

/*
 * credit add: KEYS acct; ARGV delta, max. Returns {0} no such account,
 * {-1, credit} when the result would be negative, {-2, credit} above max,
 * {1, new credit}.
 */
static const char ctl_lua_credit[] =
    "if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end\n"
    "local cur = tonumber(redis.call('HGET', KEYS[1], 'credit') or '0')\n"
    "if cur == nil then return redis.error_reply('credit field is not a number') end\n"
    "local d = tonumber(ARGV[1])\n"
    "if cur + d < 0 then return {-1, cur} end\n"
    "if cur + d > tonumber(ARGV[2]) then return {-2, cur} end\n"
    "return {1, redis.call('HINCRBY', KEYS[1], 'credit', ARGV[1])}\n";

int ctl_credit_main(struct ctl *c, int argc, char **argv)
{
	char key[ACCOUNT_KEY_MAX], delta[MONEY_TEXT_MAX], max[MONEY_TEXT_MAX];
	char now[MONEY_TEXT_MAX], amount[MONEY_TEXT_MAX];
	const char *av[] = { "EVAL", ctl_lua_credit, "1", key, delta, max };
	redisReply *r;
	int64_t units;
	int rc = CTL_FAIL, err;

	if (argc > 1 && ctl_is_help(argv[1])) {
		printf("usage:\n%s", ctl_credit_usage);
		return CTL_OK;
	}
	if (argc != 4 || strcmp(argv[1], "add") != 0) {
		ctl_err("malformed credit command");
		fprintf(stderr, "usage:\n%s", ctl_credit_usage);
		return CTL_USAGE;
	}
	if (ctl_check_name(argv[2]) < 0)
		return CTL_FAIL;
	err = money_parse(argv[3], strlen(argv[3]), MONEY_SIGNED, &units);
	if (err < 0) {
		ctl_err("amount \"%s\": %s", argv[3], money_strerror(err));
		return CTL_FAIL;
	}
	if (ctl_key(c, key, sizeof(key), ACCOUNT_K_ACCT, argv[2]) < 0)
		return CTL_FAIL;
	snprintf(delta, sizeof(delta), "%lld", (long long)units);
	snprintf(max, sizeof(max), "%lld", (long long)MONEY_MAX_UNITS);
	r = ctl_run(c, 6, av, NULL);
	if (r == NULL)
		return CTL_FAIL;
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
	    r->element[0]->type != REDIS_REPLY_INTEGER ||
	    (r->element[0]->integer != 0 && (r->elements < 2 ||
	    r->element[1]->type != REDIS_REPLY_INTEGER))) {
		ctl_err("unexpected reply from Redis");
		goto out;
	}
	if (r->element[0]->integer == 0) {
		ctl_err("no such account: %s", argv[2]);
		goto out;
	}
	money_format(r->element[1]->integer, 0, now, sizeof(now));
	money_format(units, 0, amount, sizeof(amount));
	if (r->element[0]->integer == -1) {
		ctl_err("credit of %s is %s: adding %s would make it negative",
		    argv[2], now, amount);
	} else if (r->element[0]->integer == -2) {
		ctl_err("credit of %s is %s: adding %s goes beyond the maximum",
		    argv[2], now, amount);
	} else {
		printf("%s: credit=%s\n", argv[2], now);
		rc = CTL_OK;
	}
out:
	freeReplyObject(r);
	return rc;
}
