/*
 * sb_callback — the smsbox's outgoing HTTP work: delivery-report callbacks
 * (events of P:ev:http → GET to the message's Kannel dlr-url or the account's
 * dlr-url) and inbound message forwarding (P:mo:http → POST to the account's
 * mo-url), with retries in P:cb:retry, an in-flight lease in P:cb:inflight and
 * dead letters in P:cb:dead (doc/callbacks.md, doc/redis-keys.md).
 *
 * Stateless and horizontal: every smsbox reads the streams in consumer group
 * "smsbox" on its own blocking Redis connection, reclaims entries of dead
 * consumers with XAUTOCLAIM, and takes due retries with a Lua script that
 * leases them; an entry is acknowledged only in the same script that records
 * its outcome (done, retry or dead letter).
 *
 * Layer: smsbox (box logic). Runs on the box's event loop only.
 */
#ifndef HERMOD_SB_CALLBACK_H
#define HERMOD_SB_CALLBACK_H

#include <stdint.h>

struct box;
struct conf;
struct sb_callback;

typedef void sb_callback_done_fn(void *arg);

/* Counters since sb_callback_new() (this process only). */
struct sb_callback_stats {
	uint64_t dlr_sent;	/* DLR callbacks confirmed with a 2xx */
	uint64_t mo_sent;	/* MO POSTs confirmed with a 2xx */
	uint64_t failed;	/* attempts that did not get a 2xx */
	uint64_t retried;	/* callbacks moved to P:cb:retry */
	uint64_t dead;		/* callbacks moved to P:cb:dead */
	uint64_t dropped;	/* events that could not become a callback
				 * (no URL, masked out, malformed) */
	unsigned in_flight;	/* HTTP requests running now */
};

/*
 * Creates the worker on b->loop with b->redis for ordinary commands and a
 * second, private Redis connection (same URL) for blocking XREADGROUP. Reads
 * its settings from group smsbox of c (http-timeout, dlr-retries,
 * dlr-retry-delay, mo-retries, mo-retry-delay). It starts consuming by itself
 * as soon as Redis is up (creating the consumer groups if needed) and keeps
 * going across Redis reconnects; the box need not forward on_redis. b and c are
 * borrowed and must outlive the worker. Returns NULL on failure (logged).
 */
struct sb_callback *sb_callback_new(struct box *b, const struct conf *c);

/*
 * Graceful stop: stops reading streams and retries at once, lets the requests
 * in flight finish (their outcomes recorded in Redis) for at most the
 * http-timeout, then calls done(arg) once, from the loop (never from inside
 * this call). Requests still running at the deadline are cancelled without
 * acknowledging anything, so another smsbox takes them over (stream entries
 * by XAUTOCLAIM, retries when their lease expires). Call at most once.
 */
void sb_callback_stop(struct sb_callback *cb, sb_callback_done_fn *done,
		      void *arg);

/*
 * Frees everything, cancelling any request still running (not acknowledged:
 * see sb_callback_stop). May be called from the done callback of
 * sb_callback_stop(). sb_callback_free(NULL) is a no-op.
 */
void sb_callback_free(struct sb_callback *cb);

/* Fills *out with the counters. */
void sb_callback_stats(const struct sb_callback *cb,
		       struct sb_callback_stats *out);

#endif
