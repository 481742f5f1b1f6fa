/*
 * box — what every Hermod box does the same way at start-up and shutdown:
 * the command line (-c FILE, --check-config, --help, --version), loading the
 * configuration, logging from group core, the event loop and its signals, the
 * Redis client, the key prefix, and a heartbeat key in Redis telling others the
 * box is alive (`{prefix}:box:ID`, see doc/redis-keys.md).
 *
 * Layer: shared/io. Runs on the box's one event loop.
 */
#ifndef HERMOD_BOX_H
#define HERMOD_BOX_H

#include <stdbool.h>
#include <stddef.h>

#include "shared/codec/conf.h"

struct loop;
struct loop_timer;
struct redis;

#define BOX_ID_MAX 96
#define BOX_PREFIX_MAX 72

typedef void box_stop_fn(void *arg);
typedef void box_redis_fn(bool up, void *arg);

struct box {
	const char *name;		/* "bearerbox", ... (borrowed, static) */
	struct conf *conf;		/* the validated configuration */
	const struct conf_group *core;	/* group core (or its defaults) */
	struct loop *loop;
	struct redis *redis;
	char prefix[BOX_PREFIX_MAX];	/* "{hermod}": every key starts with it */
	char id[BOX_ID_MAX];		/* "name@host:pid", unique per process */
	/* Set by the box before box_run(): called once on SIGTERM/SIGINT. The box
	 * stops taking work, finishes what it holds and calls box_exit(). NULL:
	 * box_exit() at once. */
	box_stop_fn *on_stop;
	/* Called on every Redis connect (up) and loss (!up). May be NULL. */
	box_redis_fn *on_redis;
	void *arg;
	struct loop_timer *heartbeat;
	bool redis_up;
	long long started;		/* unix time (s) of box_init() */
};

/*
 * Handles the command line and starts the common parts. Returns 0 when the box
 * should go on to set itself up and call box_run(); otherwise returns -1 and
 * stores in *exit_status what main() should return (0 after --help, --version
 * or a clean --check-config; 1 or 2 on errors, already printed to stderr).
 * usage_extra (may be NULL) is printed after the common options by --help.
 */
int box_init(struct box *b, const char *name, int argc, char **argv,
	     const char *usage_extra, int *exit_status);

/* Runs the loop until box_exit(). Returns 0, or 1 on a loop error. */
int box_run(struct box *b);

/* Makes box_run() return (after deleting the heartbeat key if Redis is up). */
void box_exit(struct box *b);

/* Frees everything box_init() made. Safe on a zeroed or partly set up box. */
void box_fini(struct box *b);

/*
 * Writes "{prefix}:" followed by fmt into buf[0..cap). Returns the length, or
 * -1 when it did not fit (buf then holds "").
 */
int box_key(const struct box *b, char *buf, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
