/*
 * io_probe — exercises shared/io against a real redis-server for
 * test/integration/redis_reconnect.sh: connects to a Redis URL, runs INCR on a
 * key every interval and logs each result, survives Redis restarts, reopens its
 * log on SIGHUP and stops gracefully (exit 0) on SIGTERM.
 *
 *   io_probe REDIS_URL LOGFILE|- [interval_ms] [level]
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <hiredis/hiredis.h>

#include "shared/io/log.h"
#include "shared/io/loop.h"
#include "shared/io/redis.h"

struct probe {
	struct loop *loop;
	struct redis *redis;
	struct loop_timer *tick;
	struct redis_script *script;
	unsigned long sent, failed;
};

static void probe_on_incr(struct redis *r, struct redisReply *reply, void *arg)
{
	struct probe *p = arg;

	if (reply == NULL) {
		log_info("probe incr lost (connection closed) freed=%d",
			 r == NULL ? 1 : 0);
		return;
	}
	if (reply->type == REDIS_REPLY_INTEGER)
		log_info("probe incr ok value=%lld", reply->integer);
	else
		log_warn("probe incr unexpected reply type=%d", reply->type);
	(void)p;
}

static void probe_on_script(struct redis *r, struct redisReply *reply,
			    void *arg)
{
	(void)r;
	(void)arg;
	if (reply != NULL && reply->type == REDIS_REPLY_INTEGER)
		log_info("probe script ok value=%lld", reply->integer);
	else if (reply != NULL && reply->type == REDIS_REPLY_ERROR)
		log_warn("probe script error=\"%s\"", reply->str);
}

static void probe_on_tick(struct loop_timer *t, void *arg)
{
	struct probe *p = arg;
	const char *argv[] = { "hermod:probe:script", "2" };

	(void)t;
	if (redis_command(p->redis, probe_on_incr, p, "INCR %s",
			  "hermod:probe:counter") == -1) {
		p->failed++;
		log_debug("probe incr skipped (redis down) skipped=%lu",
			  p->failed);
		return;
	}
	p->sent++;
	/* Every 10th tick, flush the script cache first so that the EVAL
	 * fallback is exercised as well as the EVALSHA path. */
	if (p->sent % 10 == 0)
		redis_command(p->redis, NULL, NULL, "SCRIPT FLUSH");
	redis_script_call(p->redis, p->script, probe_on_script, p, 1, 2, argv,
			  NULL);
}

static void probe_on_state(struct redis *r, bool up, void *arg)
{
	(void)r;
	(void)arg;
	log_info("probe redis state up=%d", up ? 1 : 0);
}

/* The last reply frees the client from inside its own callback. */
static void probe_on_last(struct redis *r, struct redisReply *reply, void *arg)
{
	struct probe *p = arg;

	log_info("probe last reply ok=%d", reply != NULL ? 1 : 0);
	redis_free(r);
	p->redis = NULL;
	loop_exit(p->loop);
}

static void probe_on_stop(struct loop *l, void *arg)
{
	struct probe *p = arg;

	loop_timer_stop(p->tick);
	log_info("probe stopping sent=%lu skipped=%lu", p->sent, p->failed);
	if (redis_command(p->redis, probe_on_last, p, "PING") == -1)
		loop_exit(l);
}

int main(int argc, char **argv)
{
	struct probe p = { 0 };
	unsigned long interval = 100;
	enum log_level level = LOG_LEVEL_INFO;

	if (argc < 3) {
		fprintf(stderr, "usage: io_probe REDIS_URL LOGFILE|- [ms] [level]\n");
		return 2;
	}
	if (argc > 3)
		interval = strtoul(argv[3], NULL, 10);
	if (argc > 4 && log_level_parse(argv[4], &level) == -1)
		return 2;
	if (log_init("io_probe", level, argv[2]) == -1) {
		perror(argv[2]);
		return 2;
	}
	p.loop = loop_new();
	if (p.loop == NULL || loop_signals(p.loop, probe_on_stop, NULL, &p) == -1)
		log_fatal("probe loop setup failed");
	p.redis = redis_new(p.loop, argv[1], probe_on_state, &p);
	if (p.redis == NULL)
		log_fatal("probe redis setup failed");
	p.script = redis_script_new(p.redis,
				    "return redis.call('INCRBY', KEYS[1], ARGV[1])");
	p.tick = loop_timer_new(p.loop, probe_on_tick, &p);
	if (p.script == NULL || p.tick == NULL ||
	    loop_timer_start(p.tick, interval, true) == -1)
		log_fatal("probe setup failed");
	log_info("probe started interval_ms=%lu", interval);
	if (loop_run(p.loop) == -1)
		log_fatal("probe loop failed");
	loop_timer_free(p.tick);
	redis_free(p.redis);
	loop_free(p.loop);
	log_info("probe stopped");
	log_fini();
	return 0;
}
