/*
 * acct_rate — an account's `throughput` applied to its HTTP sends: at most
 * `limit` messages (recipients) in one second of Redis's clock, counted in
 * P:tp:ACCOUNT:SECOND (doc/redis-keys.md), so that every smsbox shares one
 * count. A fixed one-second window: a request of more recipients than the
 * limit goes through alone when its second has seen nothing yet.
 * Layer: shared/io. Runs on the box's event loop only.
 */
#ifndef HERMOD_ACCT_RATE_H
#define HERMOD_ACCT_RATE_H

struct box;
struct acct_rate;

/* The verdict on one take: ACCT_RATE_OK (counted), ACCT_RATE_OVER (over the
 * limit: nothing counted) or ACCT_RATE_ERROR (Redis lost or answered an
 * error: whether it was counted is unknown). */
enum acct_rate_verdict { ACCT_RATE_OK, ACCT_RATE_OVER, ACCT_RATE_ERROR };

typedef void acct_rate_fn(enum acct_rate_verdict v, void *arg);

/* The limiter of box b (borrowed, must outlive it): registers its script with
 * b's Redis client. Returns NULL when out of memory. */
struct acct_rate *acct_rate_new(struct box *b);

/* Frees. A take in flight still gets its callback. acct_rate_free(NULL) is a
 * no-op. */
void acct_rate_free(struct acct_rate *r);

/*
 * Counts n messages of account acct (copied) against limit per second.
 * Returns 0 when sent: cb(verdict, arg) is then called exactly once, later,
 * from the Redis reply. Returns -1 at once (cb never called) when Redis is not
 * connected, a name is too long or memory runs out.
 */
int acct_rate_take(struct acct_rate *r, const char *acct, unsigned n,
		   unsigned limit, acct_rate_fn *cb, void *arg);

#endif
