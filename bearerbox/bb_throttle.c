/*
 * bb_throttle — shared token bucket in Redis plus an adaptive local limit
 * (bb_throttle.h). The bucket script refills by Redis's own clock (TIME), so
 * bearerboxes on machines whose clocks differ share one rate.
 */
#include "config.h"

#include "bearerbox/bb_throttle.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/io/box.h"
#include "shared/io/log.h"
#include "shared/io/loop.h"
#include "shared/io/redis.h"

#define TB_KEY_MAX 160
#define TB_THROTTLE_GAP_MS 200	/* one slow-down per burst of RTHROTTLED */
#define TB_GROW_MS 1000		/* grow the adaptive rate this often */
#define TB_ADAPT_OFF_MS 10000	/* unlimited link: drop the limit after this calm */

/* KEYS[1] = P:tb:LINK; ARGV = rate, burst, want. Returns {granted, wait_ms}:
 * wait_ms is the time until the next token when fewer than want were given. */
static const char tb_script[] =
	"local t = redis.call('TIME')\n"
	"local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
	"local rate = tonumber(ARGV[1])\n"
	"local burst = tonumber(ARGV[2])\n"
	"local want = tonumber(ARGV[3])\n"
	"local v = redis.call('HMGET', KEYS[1], 'tokens', 'ts')\n"
	"local tokens = tonumber(v[1])\n"
	"local ts = tonumber(v[2])\n"
	"if tokens == nil or ts == nil then tokens = burst; ts = now end\n"
	"if now > ts then\n"
	"  tokens = math.min(burst, tokens + (now - ts) * rate / 1000)\n"
	"end\n"
	"local got = math.min(want, math.floor(tokens))\n"
	"if got < 0 then got = 0 end\n"
	"tokens = tokens - got\n"
	"redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', now)\n"
	"redis.call('PEXPIRE', KEYS[1], 2000)\n"
	"local wait = 0\n"
	"if got < want then\n"
	"  wait = math.ceil((1 - tokens) * 1000 / rate)\n"
	"  if wait < 1 then wait = 1 end\n"
	"end\n"
	"return {got, wait}\n";

/* A Redis call in flight points here, so that freeing the limiter meanwhile
 * only detaches it. */
struct tb_call {
	struct bb_throttle *t;
};

struct bb_throttle {
	struct box *box;
	char key[TB_KEY_MAX];
	char link[64];
	int rate;
	int batch;
	bb_throttle_ready_fn *ready;
	void *arg;
	struct redis_script *script;
	struct tb_call *call;		/* in flight, or NULL */
	struct loop_timer *timer;	/* next Redis try / adaptive refill */
	int local;			/* tokens fetched and not used yet */
	bool starved;			/* a take() got less than it wanted */
	/* adaptive limit */
	double arate;			/* messages/s, 0 = off */
	double atokens;
	unsigned long long alast;
	unsigned long long last_throttle;
	unsigned long long last_grow;
	/* measured send rate */
	unsigned long long win_start;
	unsigned win_count;
	unsigned last_rate;
};

static void tb_fetch(struct bb_throttle *t);

static void tb_timer(struct loop_timer *tm, void *arg)
{
	struct bb_throttle *t = arg;

	(void)tm;
	if (t->rate > 0 && t->local == 0 && t->call == NULL)
		tb_fetch(t);
	else if (t->starved && t->ready != NULL) {
		t->starved = false;
		t->ready(t->arg);
	}
}

static void tb_reply(struct redis *r, struct redisReply *reply, void *arg)
{
	struct tb_call *c = arg;
	struct bb_throttle *t = c->t;
	long long got = 0, wait = 50;

	(void)r;
	free(c);
	if (t == NULL)
		return;
	t->call = NULL;
	if (reply != NULL && reply->type == REDIS_REPLY_ARRAY &&
	    reply->elements == 2 &&
	    reply->element[0]->type == REDIS_REPLY_INTEGER &&
	    reply->element[1]->type == REDIS_REPLY_INTEGER) {
		got = reply->element[0]->integer;
		wait = reply->element[1]->integer;
	} else if (reply != NULL && reply->type == REDIS_REPLY_ERROR) {
		log_warn("throughput bucket failed smsc=%s error=%s", t->link,
			 reply->str);
	}
	t->local += (int)got;
	if (got > 0) {
		/* Also when nobody starved yet: a prefetched batch may be
		 * what the next pump needs. */
		t->starved = false;
		if (t->ready != NULL)
			t->ready(t->arg);
		return;
	}
	if (wait < 1)
		wait = 1;
	if (wait > 1000)
		wait = 1000;
	loop_timer_start(t->timer, (unsigned long)wait, false);
}

static void tb_fetch(struct bb_throttle *t)
{
	char rate[16], burst[16], want[16];
	const char *argv[4];
	struct tb_call *c;

	if (t->call != NULL || !redis_connected(t->box->redis)) {
		if (t->call == NULL)
			loop_timer_start(t->timer, 100, false);
		return;
	}
	c = malloc(sizeof(*c));
	if (c == NULL)
		return;
	c->t = t;
	snprintf(rate, sizeof(rate), "%d", t->rate);
	/* The bucket holds two batches, so that tokens are not lost while
	 * every bearerbox waits for its timer. */
	snprintf(burst, sizeof(burst), "%d", 2 * t->batch);
	snprintf(want, sizeof(want), "%d", t->batch);
	argv[0] = t->key;
	argv[1] = rate;
	argv[2] = burst;
	argv[3] = want;
	if (redis_script_call(t->box->redis, t->script, tb_reply, c, 1, 4, argv,
			      NULL) != 0) {
		free(c);
		loop_timer_start(t->timer, 100, false);
		return;
	}
	t->call = c;
}

struct bb_throttle *bb_throttle_new(struct box *b, const char *link, int rate,
				    bb_throttle_ready_fn *ready, void *arg)
{
	struct bb_throttle *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->box = b;
	t->rate = rate > 0 ? rate : 0;
	t->batch = t->rate / 20 > 0 ? t->rate / 20 : 1;
	t->ready = ready;
	t->arg = arg;
	snprintf(t->link, sizeof(t->link), "%s", link);
	if (box_key(b, t->key, sizeof(t->key), "tb:%s", link) < 0)
		goto fail;
	t->timer = loop_timer_new(b->loop, tb_timer, t);
	if (t->timer == NULL)
		goto fail;
	if (t->rate > 0) {
		t->script = redis_script_new(b->redis, tb_script);
		if (t->script == NULL)
			goto fail;
	}
	return t;
fail:
	loop_timer_free(t->timer);
	free(t);
	return NULL;
}

void bb_throttle_free(struct bb_throttle *t)
{
	if (t == NULL)
		return;
	if (t->call != NULL)
		t->call->t = NULL;
	loop_timer_free(t->timer);
	free(t);
}

/* Refills the adaptive bucket and lets the limit grow back while calm. */
static void tb_adapt_refill(struct bb_throttle *t, unsigned long long now)
{
	double cap;

	if (t->arate <= 0)
		return;
	if (now - t->last_throttle >= TB_GROW_MS &&
	    now - t->last_grow >= TB_GROW_MS) {
		t->last_grow = now;
		t->arate *= 1.5;
		if ((t->rate > 0 && t->arate >= t->rate) ||
		    (t->rate == 0 && now - t->last_throttle >= TB_ADAPT_OFF_MS)) {
			t->arate = 0;
			log_info("throughput back to normal smsc=%s", t->link);
			return;
		}
	}
	cap = t->arate / 10 > 1 ? t->arate / 10 : 1;
	t->atokens += (double)(now - t->alast) * t->arate / 1000.0;
	if (t->atokens > cap)
		t->atokens = cap;
	t->alast = now;
}

static void tb_count(struct bb_throttle *t, unsigned long long now, int n)
{
	if (now - t->win_start >= 1000) {
		t->last_rate = now - t->win_start < 2000 ? t->win_count : 0;
		t->win_start = now;
		t->win_count = 0;
	}
	t->win_count += (unsigned)n;
}

int bb_throttle_take(struct bb_throttle *t, int want)
{
	unsigned long long now = loop_now_ms(t->box->loop);
	int n = want;

	if (want <= 0)
		return 0;
	tb_adapt_refill(t, now);
	if (t->arate > 0) {
		if ((double)n > t->atokens)
			n = (int)t->atokens;
		if (n < want && !loop_timer_pending(t->timer)) {
			double need = 1.0 - (t->atokens - n);
			unsigned long ms = (unsigned long)(need * 1000.0 / t->arate) + 1;

			loop_timer_start(t->timer, ms, false);
		}
	}
	if (t->rate > 0 && n > t->local)
		n = t->local;
	if (n < want)
		t->starved = true;
	t->local -= t->rate > 0 ? n : 0;
	t->atokens -= t->arate > 0 ? n : 0;
	/* Fetch the next batch before this one runs out. */
	if (t->rate > 0 && t->local < (t->batch + 1) / 2 && t->call == NULL &&
	    !loop_timer_pending(t->timer))
		tb_fetch(t);
	tb_count(t, now, n);
	return n;
}

void bb_throttle_give_back(struct bb_throttle *t, int n)
{
	if (n <= 0)
		return;
	if (t->rate > 0)
		t->local += n;
	if (t->arate > 0)
		t->atokens += n;
	if (t->win_count >= (unsigned)n)
		t->win_count -= (unsigned)n;
}

void bb_throttle_throttled(struct bb_throttle *t)
{
	unsigned long long now = loop_now_ms(t->box->loop);
	double base;

	if (t->arate > 0 && now - t->last_throttle < TB_THROTTLE_GAP_MS)
		return;
	if (t->arate > 0) {
		base = t->arate / 2;
	} else {
		base = t->last_rate > t->win_count ? t->last_rate : t->win_count;
		if (t->rate > 0 && (base <= 0 || base > t->rate))
			base = t->rate;
		base /= 2;
	}
	t->arate = base >= 1 ? base : 1;
	t->atokens = 0;
	t->alast = now;
	t->last_throttle = now;
	t->last_grow = now;
	log_info("operator throttled: slowing down smsc=%s rate=%.1f", t->link,
		 t->arate);
}

double bb_throttle_adaptive_rate(const struct bb_throttle *t)
{
	return t->arate;
}
