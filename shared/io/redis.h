/*
 * redis — a Redis client on the process's event loop (hiredis async API and
 * its libevent adapter), with reconnection and Lua script helpers.
 *
 * URLs: see shared/codec/redis_url.h.
 * After connecting, the client sends AUTH (when a password is given), SELECT db
 * and SCRIPT LOAD of every registered script, and only then reports itself
 * connected. On a connect failure or a lost connection it retries with
 * exponential backoff (100 ms doubling to 5 s, each delay +-20 % at random;
 * a debug line "redis retry ... in=Nms" each time). Logging: one line when Redis
 * becomes unreachable ("redis unreachable url=... error=... retrying in ..."),
 * a reminder every 30 s while it stays so, one line when it is back. The URL
 * in log lines never contains the password.
 *
 * Nothing blocks, except getaddrinfo() at connect for a host name (hiredis);
 * use a numeric address or a unix socket where that matters.
 * Layer: shared/io. Runs on the loop's thread only.
 */
#ifndef HERMOD_REDIS_H
#define HERMOD_REDIS_H

#include <stdbool.h>
#include <stddef.h>

#include "shared/codec/redis_url.h"

struct loop;
struct redis;
struct redis_script;
struct redisReply;


/*
 * Reply callback. reply is owned by hiredis and valid only during the call;
 * reply->type == REDIS_REPLY_ERROR for a Redis error. reply is NULL when the
 * connection was lost or the client freed before the reply came: the command
 * may or may not have been executed. r is NULL when the client was freed.
 */
typedef void redis_reply_fn(struct redis *r, struct redisReply *reply,
			    void *privdata);
/* Connection state change: up is true once the handshake is done. */
typedef void redis_state_fn(struct redis *r, bool up, void *arg);

/*
 * Creates a client for url and starts connecting on l at once (it never fails
 * because Redis is down: it keeps retrying). on_state (may be NULL) is called
 * with up=true after each successful (re)connect and with up=false once when an
 * established connection is lost. Returns NULL for a malformed URL (logged) or
 * out of memory.
 */
struct redis *redis_new(struct loop *l, const char *url,
			redis_state_fn *on_state, void *arg);

/*
 * Disconnects and frees. Pending commands' callbacks are called with a NULL
 * reply and a NULL r (from within redis_free, or just after the callback that
 * called redis_free returns: it may be called from any callback). Registered
 * scripts are freed too. redis_free(NULL) is a no-op.
 */
void redis_free(struct redis *r);

/* True when commands are accepted (connected and handshake done). */
bool redis_connected(const struct redis *r);

/*
 * Sends a command (hiredis format: %s string, %b binary with size_t length,
 * %d etc.). cb (may be NULL) is called exactly once with the reply, or with NULL
 * as described for redis_reply_fn. Commands are pipelined; replies come in
 * order. Returns 0 when queued; -1 at once when not connected or the command
 * cannot be formatted (cb is then never called: the caller retries later).
 */
int redis_command(struct redis *r, redis_reply_fn *cb, void *privdata,
		  const char *fmt, ...);

/* Same with argc binary-safe arguments (argvlen NULL: all are C strings). */
int redis_command_argv(struct redis *r, redis_reply_fn *cb, void *privdata,
		       int argc, const char **argv, const size_t *argvlen);

/*
 * Registers a Lua script (text copied) with r: its SHA1 is computed and it is
 * loaded (SCRIPT LOAD) on every (re)connect. Returns NULL when out of memory.
 * Owned by r: freed by redis_free().
 */
struct redis_script *redis_script_new(struct redis *r, const char *text);

/* The script's SHA1 as 40 lower-case hex digits (borrowed). */
const char *redis_script_sha(const struct redis_script *s);

/*
 * Runs script s as EVALSHA sha nkeys keys... args... where argv holds the
 * nkeys keys first, then the other arguments (argc in total; argvlen NULL for C
 * strings). On a NOSCRIPT error (script cache flushed, failover) it is sent
 * again as EVAL with the text, transparently. Callback and return contract as
 * for redis_command().
 */
int redis_script_call(struct redis *r, struct redis_script *s,
		      redis_reply_fn *cb, void *privdata, int nkeys, int argc,
		      const char **argv, const size_t *argvlen);

#endif
