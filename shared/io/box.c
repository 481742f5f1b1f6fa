/*
 * box — the start-up and shutdown every Hermod box shares (see box.h).
 * Layer: shared/io.
 */
#include "config.h"
#include "shared/io/box.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "shared/codec/conf_schema.h"
#include "shared/io/conf_load.h"
#include "shared/io/log.h"
#include "shared/io/loop.h"
#include "shared/io/redis.h"

#define BOX_HEARTBEAT_MS 5000
#define BOX_HEARTBEAT_TTL_S 15

static void usage(const char *name, const char *extra, FILE *f)
{
	fprintf(f,
		"usage: %s -c FILE [--check-config]\n"
		"  -c, --config FILE   the configuration file (doc/config.md)\n"
		"  --check-config      print every error in FILE and exit: 0 when it is valid\n"
		"  -h, --help          this text\n"
		"  -V, --version       print the version and exit\n",
		name);
	if (extra != NULL)
		fputs(extra, f);
}

static void heartbeat_done(struct redis *r, struct redisReply *reply, void *arg)
{
	(void)r;
	(void)arg;
	if (reply != NULL && reply->type == REDIS_REPLY_ERROR)
		log_warn("heartbeat failed error=%s", reply->str);
}

static void heartbeat(struct loop_timer *t, void *arg)
{
	struct box *b = arg;
	char key[BOX_PREFIX_MAX + BOX_ID_MAX + 8];
	char pid[16];
	char started[24];
	/* The host is the middle of the id "name@host:pid". */
	const char *at = strchr(b->id, '@'), *end = strrchr(b->id, ':');
	const char *host = "";
	size_t hlen = 0;

	(void)t;
	if (!b->redis_up || box_key(b, key, sizeof(key), "box:%s", b->id) < 0)
		return;
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	snprintf(started, sizeof(started), "%lld", b->started);
	if (at != NULL && end != NULL && end > at) {
		host = at + 1;
		hlen = (size_t)(end - host);
	}
	redis_command(b->redis, NULL, NULL,
		      "HSET %s type %s pid %s version %s host %b started %s",
		      key, b->name, pid, PACKAGE_VERSION, host, hlen, started);
	redis_command(b->redis, heartbeat_done, b, "EXPIRE %s %d", key,
		      BOX_HEARTBEAT_TTL_S);
}

static void on_redis_state(struct redis *r, bool up, void *arg)
{
	struct box *b = arg;

	(void)r;
	b->redis_up = up;
	if (up)
		heartbeat(b->heartbeat, b);
	if (b->on_redis != NULL)
		b->on_redis(up, b->arg);
}

static void on_stop(struct loop *l, void *arg)
{
	struct box *b = arg;

	(void)l;
	log_info("stopping: finishing the work in hand");
	if (b->on_stop != NULL)
		b->on_stop(b->arg);
	else
		box_exit(b);
}

static int parse_args(const char *name, int argc, char **argv,
		      const char *extra, const char **path, bool *check)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "%s: %s needs a file name\n", name, a);
				return 2;
			}
			*path = argv[++i];
		} else if (strcmp(a, "--check-config") == 0) {
			*check = true;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(name, extra, stdout);
			return 0;
		} else if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
			printf("%s %s\n", name, PACKAGE_VERSION);
			return 0;
		} else {
			fprintf(stderr, "%s: unknown option %s\n", name, a);
			usage(name, extra, stderr);
			return 2;
		}
	}
	if (*path == NULL) {
		fprintf(stderr, "%s: no configuration file: use -c FILE\n", name);
		return 2;
	}
	return -1;
}

static int start_logging(struct box *b)
{
	const char *file = conf_schema_get_str(b->core, "log-file");
	const char *lvl = conf_schema_get_str(b->core, "log-level");
	enum log_level level = LOG_LEVEL_INFO;

	if (lvl != NULL && log_level_parse(lvl, &level) != 0)
		level = LOG_LEVEL_INFO;	/* the schema already rejects bad levels */
	if (file != NULL && file[0] == '\0')
		file = NULL;
	if (log_init(b->name, level, file) != 0) {
		fprintf(stderr, "%s: cannot open log file %s: %s\n", b->name,
			file, strerror(errno));
		return -1;
	}
	return 0;
}

int box_init(struct box *b, const char *name, int argc, char **argv,
	     const char *usage_extra, int *exit_status)
{
	const char *path = NULL;
	const char *prefix;
	bool check = false;
	char host[64];
	int rc;

	memset(b, 0, sizeof(*b));
	b->name = name;
	b->started = (long long)time(NULL);
	*exit_status = 1;
	rc = parse_args(name, argc, argv, usage_extra, &path, &check);
	if (rc >= 0) {
		*exit_status = rc;
		return -1;
	}
	if (check) {
		*exit_status = conf_load_check(path, stdout);
		return -1;
	}
	if (conf_load(path, &b->conf) != 0) {
		if (b->conf != NULL)
			conf_load_print_errors(b->conf, stderr);
		else
			fprintf(stderr, "%s: out of memory reading %s\n", name, path);
		goto fail;
	}
	b->core = conf_schema_group(b->conf, "core");
	if (start_logging(b) != 0)
		goto fail;
	prefix = conf_schema_get_str(b->core, "key-prefix");
	if (snprintf(b->prefix, sizeof(b->prefix), "{%s}", prefix ? prefix : "hermod") >=
	    (int)sizeof(b->prefix))
		log_fatal("key-prefix is too long prefix=%s", prefix);
	if (gethostname(host, sizeof(host)) != 0)
		strcpy(host, "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(b->id, sizeof(b->id), "%s@%s:%ld", name, host, (long)getpid());

	b->loop = loop_new();
	if (b->loop == NULL || loop_signals(b->loop, on_stop, NULL, b) != 0)
		log_fatal("cannot set up the event loop");
	b->heartbeat = loop_timer_new(b->loop, heartbeat, b);
	if (b->heartbeat == NULL ||
	    loop_timer_start(b->heartbeat, BOX_HEARTBEAT_MS, true) != 0)
		log_fatal("cannot start the heartbeat timer");
	b->redis = redis_new(b->loop, conf_schema_get_str(b->core, "redis-url"),
			     on_redis_state, b);
	if (b->redis == NULL)
		log_fatal("cannot use redis-url (see the line above)");
	log_info("starting box=%s id=%s version=%s", name, b->id, PACKAGE_VERSION);
	return 0;
fail:
	box_fini(b);
	return -1;
}

int box_run(struct box *b)
{
	return loop_run(b->loop) == 0 ? 0 : 1;
}

static void exit_after_del(struct redis *r, struct redisReply *reply, void *arg)
{
	struct box *b = arg;

	(void)r;
	(void)reply;
	loop_exit(b->loop);
}

void box_exit(struct box *b)
{
	char key[BOX_PREFIX_MAX + BOX_ID_MAX + 8];

	loop_timer_stop(b->heartbeat);
	if (b->redis_up && box_key(b, key, sizeof(key), "box:%s", b->id) >= 0 &&
	    redis_command(b->redis, exit_after_del, b, "DEL %s", key) == 0)
		return;
	loop_exit(b->loop);
}

void box_fini(struct box *b)
{
	redis_free(b->redis);
	b->redis = NULL;
	loop_timer_free(b->heartbeat);
	b->heartbeat = NULL;
	loop_free(b->loop);
	b->loop = NULL;
	conf_free(b->conf);
	b->conf = NULL;
	log_fini();
}

int box_key(const struct box *b, char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(buf, cap, "%s:", b->prefix);
	int m;

	if (n < 0 || (size_t)n >= cap)
		goto overflow;
	va_start(ap, fmt);
	m = vsnprintf(buf + n, cap - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)m >= cap - (size_t)n)
		goto overflow;
	return n + m;
overflow:
	if (cap > 0)
		buf[0] = '\0';
	return -1;
}
