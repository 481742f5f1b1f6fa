/*
 * hermodctl — command-line administration of what lives in Redis: accounts,
 * credit, rates, long numbers and dead-letter callbacks (doc/accounts.md),
 * the status of the running boxes and modems (doc/admin.md), what waits on
 * a link's queue and what became of a message.
 *
 * Reads core.redis-url and core.key-prefix from the configuration file (-c),
 * validates every argument before it connects, and makes each change in one
 * Redis command or one Lua script, so a refused command changes nothing.
 * Synchronous hiredis: a command-line tool may block.
 */
#include "config.h"

#include "hermodctl/ctl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include "shared/codec/conf.h"
#include "shared/codec/conf_schema.h"
#include "shared/io/conf_load.h"
#include "shared/io/redis.h"

#define CTL_TIMEOUT_S 10

static const char ctl_usage[] =
    "usage: hermodctl [-c FILE] [--redis-url URL] COMMAND ...\n"
    "\n"
    "  -c, --config FILE   configuration file: core.redis-url, core.key-prefix\n"
    "  --redis-url URL     Redis to use instead (redis://[:PW@]HOST[:PORT][/DB],\n"
    "                      unix:/PATH[?db=N])\n"
    "  -h, --help          this text; `hermodctl COMMAND --help` for one command\n"
    "\n"
    "Commands:\n";

void ctl_err(const char *fmt, ...)
{
	va_list ap;

	fputs("hermodctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

bool ctl_is_help(const char *s)
{
	return strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0 ||
	    strcmp(s, "help") == 0;
}

void ctl_print_escaped(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x20 || ch >= 0x7f || ch == '\\')
			printf("\\x%02x", ch);
		else
			putchar(ch);
	}
}

int ctl_key(const struct ctl *c, char *buf, size_t cap, const char *suffix,
    const char *name)
{
	if (account_key(buf, cap, c->prefix, suffix, name) < 0) {
		ctl_err("key name too long");
		return -1;
	}
	return 0;
}

/* AUTH and SELECT after connecting, as shared/io/redis does for the boxes. */
static int ctl_handshake(struct ctl *c, const struct redis_url *u)
{
	const char *argv[3];
	char db[16];
	redisReply *r;
	int argc = 0;

	if (u->password[0]) {
		argv[argc++] = "AUTH";
		if (u->user[0])
			argv[argc++] = u->user;
		argv[argc++] = u->password;
		r = redisCommandArgv(c->rc, argc, argv, NULL);
		if (r == NULL || r->type == REDIS_REPLY_ERROR) {
			ctl_err("Redis refused AUTH: %s", r ? r->str : c->rc->errstr);
			freeReplyObject(r);
			return -1;
		}
		freeReplyObject(r);
	}
	if (u->db != 0) {
		snprintf(db, sizeof(db), "%d", u->db);
		argv[0] = "SELECT";
		argv[1] = db;
		r = redisCommandArgv(c->rc, 2, argv, NULL);
		if (r == NULL || r->type == REDIS_REPLY_ERROR) {
			ctl_err("Redis refused SELECT %s: %s", db, r ? r->str : c->rc->errstr);
			freeReplyObject(r);
			return -1;
		}
		freeReplyObject(r);
	}
	return 0;
}

int ctl_connect(struct ctl *c)
{
	struct redis_url u;
	struct timeval tv = { CTL_TIMEOUT_S, 0 };
	char shown[REDIS_URL_HOST_MAX + REDIS_URL_PATH_MAX + 64];

	if (c->rc)
		return 0;
	if (redis_url_parse(c->redis_url, &u) < 0) {
		ctl_err("malformed Redis URL");
		return -1;
	}
	redis_url_redacted(&u, shown, sizeof(shown));
	if (u.is_unix)
		c->rc = redisConnectUnixWithTimeout(u.path, tv);
	else
		c->rc = redisConnectWithTimeout(u.host, u.port, tv);
	if (c->rc == NULL || c->rc->err) {
		ctl_err("cannot connect to Redis at %s: %s", shown,
		    c->rc ? c->rc->errstr : "out of memory");
		goto fail;
	}
	if (redisSetTimeout(c->rc, tv) != REDIS_OK || ctl_handshake(c, &u) < 0)
		goto fail;
	return 0;
fail:
	if (c->rc)
		redisFree(c->rc);
	c->rc = NULL;
	return -1;
}

struct redisReply *ctl_run(struct ctl *c, int argc, const char **argv,
    const size_t *lens)
{
	redisReply *r;

	if (ctl_connect(c) < 0)
		return NULL;
	r = redisCommandArgv(c->rc, argc, argv, lens);
	if (r == NULL) {
		ctl_err("Redis: %s", c->rc->errstr[0] ? c->rc->errstr : "no reply");
		return NULL;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		ctl_err("Redis error: %s", r->str);
		freeReplyObject(r);
		return NULL;
	}
	return r;
}

/*
 * Reads core.redis-url and core.key-prefix from path, or takes the schema's
 * defaults when path is NULL (an empty configuration).
 */
static int ctl_load_config(struct ctl *c, const char *path, char **url)
{
	struct conf *conf = NULL;
	const struct conf_group *g;
	const char *v;

	if (path == NULL) {
		conf = conf_parse("(defaults)", "", 0, NULL, NULL);
	} else if (conf_load(path, &conf) < 0) {
		if (conf)
			conf_load_print_errors(conf, stderr);
		else
			ctl_err("%s: out of memory", path);
		conf_free(conf);
		return -1;
	}
	if (conf == NULL) {
		ctl_err("out of memory");
		return -1;
	}
	g = conf_schema_group(conf, "core");
	v = g ? conf_schema_get_str(g, "redis-url") : NULL;
	*url = v ? strdup(v) : NULL;
	v = g ? conf_schema_get_str(g, "key-prefix") : NULL;
	snprintf(c->prefix, sizeof(c->prefix), "%s", v ? v : "");
	conf_free(conf);
	if (*url == NULL) {
		ctl_err("no core.redis-url");
		return -1;
	}
	if (!account_key_prefix_valid(c->prefix, strlen(c->prefix))) {
		ctl_err("%s: core.key-prefix \"%s\": use letters, digits, '_', '.', ':', '-'",
		    path ? path : "(defaults)", c->prefix);
		return -1;
	}
	return 0;
}

static void ctl_print_usage(FILE *f)
{
	fputs(ctl_usage, f);
	fputs(ctl_account_usage, f);
	fputs(ctl_credit_usage, f);
	fputs(ctl_rate_usage, f);
	fputs(ctl_number_usage, f);
	fputs(ctl_dead_usage, f);
	fputs(ctl_status_usage, f);
	fputs(ctl_queue_usage, f);
	fputs(ctl_message_usage, f);
}

static const struct {
	const char *name;
	int (*fn)(struct ctl *, int, char **);
} ctl_groups[] = {
	{ "account", ctl_account_main },
	{ "credit", ctl_credit_main },
	{ "rate", ctl_rate_main },
	{ "number", ctl_number_main },
	{ "dead-letters", ctl_dead_main },
	{ "status", ctl_status_main },
	{ "queue", ctl_queue_main },
	{ "message", ctl_message_main },
};

int main(int argc, char **argv)
{
	struct ctl c;
	const char *conf_path = NULL, *url_opt = NULL;
	char *conf_url = NULL;
	int i, rc = CTL_USAGE;
	size_t k;

	memset(&c, 0, sizeof(c));
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (ctl_is_help(argv[i])) {
			ctl_print_usage(stdout);
			return CTL_OK;
		} else if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) &&
		    i + 1 < argc) {
			conf_path = argv[++i];
		} else if (strcmp(argv[i], "--redis-url") == 0 && i + 1 < argc) {
			url_opt = argv[++i];
		} else {
			ctl_err("unknown option or missing value: %s", argv[i]);
			ctl_print_usage(stderr);
			return CTL_USAGE;
		}
	}
	if (i >= argc) {
		ctl_print_usage(stderr);
		return CTL_USAGE;
	}
	for (k = 0; k < sizeof(ctl_groups) / sizeof(ctl_groups[0]); k++)
		if (strcmp(argv[i], ctl_groups[k].name) == 0)
			break;
	if (k == sizeof(ctl_groups) / sizeof(ctl_groups[0])) {
		if (ctl_is_help(argv[i])) {
			ctl_print_usage(stdout);
			return CTL_OK;
		}
		ctl_err("unknown command: %s", argv[i]);
		ctl_print_usage(stderr);
		return CTL_USAGE;
	}
	if (ctl_load_config(&c, conf_path, &conf_url) < 0) {
		free(conf_url);
		return CTL_FAIL;
	}
	c.redis_url = url_opt ? url_opt : conf_url;
	rc = ctl_groups[k].fn(&c, argc - i, argv + i);
	if (c.rc)
		redisFree(c.rc);
	free(conf_url);
	return rc;
}
