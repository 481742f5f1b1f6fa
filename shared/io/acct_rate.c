/*
 * acct_rate — an account's throughput over HTTP, one count per second of
 * Redis's clock shared by every smsbox (acct_rate.h).
 * Layer: shared/io.
 */
#include "config.h"
#include "shared/io/acct_rate.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>

#include "shared/io/box.h"
#include "shared/io/redis.h"

#define AR_KEY_MAX 160

/* KEYS[1] = P:tp:ACCOUNT; ARGV = n, limit. Returns 1 when counted, 0 when
 * over. The second is Redis's, so boxes whose clocks differ share it. */
static const char ar_script[] =
	"local k = KEYS[1] .. ':' .. redis.call('TIME')[1]\n"
	"local n, lim = tonumber(ARGV[1]), tonumber(ARGV[2])\n"
	"local v = tonumber(redis.call('GET', k) or '0')\n"
	"if v > 0 and v + n > lim then return 0 end\n"
	"redis.call('INCRBY', k, n)\n"
	"redis.call('EXPIRE', k, 2)\n"
	"return 1\n";

struct acct_rate {
	struct box *box;
	struct redis_script *script;
};

/* One take in flight: what the reply needs, and nothing of the limiter. */
struct ar_call {
	acct_rate_fn *cb;
	void *arg;
};

struct acct_rate *acct_rate_new(struct box *b)
{
	struct acct_rate *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->box = b;
	r->script = redis_script_new(b->redis, ar_script);
	if (r->script == NULL) {
		free(r);
		return NULL;
	}
	return r;
}

void acct_rate_free(struct acct_rate *r)
{
	free(r);	/* the script belongs to the Redis client */
}

static void ar_reply(struct redis *rc, struct redisReply *reply, void *arg)
{
	struct ar_call *c = arg;
	enum acct_rate_verdict v = ACCT_RATE_ERROR;

	(void)rc;
	if (reply != NULL && reply->type == REDIS_REPLY_INTEGER)
		v = reply->integer == 1 ? ACCT_RATE_OK : ACCT_RATE_OVER;
	c->cb(v, c->arg);
	free(c);
}

int acct_rate_take(struct acct_rate *r, const char *acct, unsigned n,
		   unsigned limit, acct_rate_fn *cb, void *arg)
{
	char key[AR_KEY_MAX], sn[16], sl[16];
	const char *argv[3];
	struct ar_call *c;

	if (box_key(r->box, key, sizeof(key), "tp:%s", acct) < 0)
		return -1;
	c = malloc(sizeof(*c));
	if (c == NULL)
		return -1;
	c->cb = cb;
	c->arg = arg;
	snprintf(sn, sizeof(sn), "%u", n);
	snprintf(sl, sizeof(sl), "%u", limit);
	argv[0] = key;
	argv[1] = sn;
	argv[2] = sl;
	if (redis_script_call(r->box->redis, r->script, ar_reply, c, 1, 3, argv,
			      NULL) != 0) {
		free(c);
		return -1;
	}
	return 0;
}
