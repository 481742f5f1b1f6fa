/*
 * bb_throttle — the throughput limit of one SMPP link: a token bucket in Redis
 * (P:tb:LINK) shared by every session of the link in every bearerbox, plus an
 * adaptive local limit that halves the send rate when the operator answers
 * ESME_RTHROTTLED and grows it back while it does not (doc/smpp-links.md).
 *
 * Tokens are fetched from Redis in batches of about 50 ms of the link's rate, so
 * a bearerbox makes at most ~20 calls a second per link. Layer: bearerbox; runs
 * on the box's event loop only.
 */
#ifndef HERMOD_BB_THROTTLE_H
#define HERMOD_BB_THROTTLE_H

#include <stdbool.h>

struct box;
struct bb_throttle;

/* More tokens may be available now: the link should try to send again. */
typedef void bb_throttle_ready_fn(void *arg);

/*
 * A limiter for link (copied) of box b at rate messages/second (0: no
 * configured limit; only the adaptive limit applies). ready is called (later,
 * from the loop) whenever bb_throttle_take() granted less than asked and
 * tokens may have arrived. Returns NULL when out of memory.
 */
struct bb_throttle *bb_throttle_new(struct box *b, const char *link, int rate,
				    bb_throttle_ready_fn *ready, void *arg);

/* Frees t (a Redis call in flight is forgotten safely). NULL is a no-op. */
void bb_throttle_free(struct bb_throttle *t);

/*
 * Takes up to want tokens now; returns how many were granted (0..want). When
 * fewer than want, more are being fetched and ready() will be called.
 */
int bb_throttle_take(struct bb_throttle *t, int want);

/* Gives back n tokens taken but not used (e.g. the queue was empty). */
void bb_throttle_give_back(struct bb_throttle *t, int n);

/* The operator answered ESME_RTHROTTLED: slow down (halve the local rate, at
 * most once per 200 ms). */
void bb_throttle_throttled(struct bb_throttle *t);

/* The current adaptive limit in messages/second, 0 when none applies. */
double bb_throttle_adaptive_rate(const struct bb_throttle *t);

#endif
