/*
 * pwhash_pool — pwhash_verify() on worker threads, so that a PBKDF2 (tens of
 * milliseconds) never runs on the event loop; each result comes back to the
 * loop that submitted it.
 *
 * Threads: the workers run pwhash_verify() only; every function below and
 * every callback runs on the loop's thread (the one that made the pool). A
 * worker hands its result over through a pipe read by a libevent event on
 * that loop (no evthread locking is needed in libevent).
 *
 * Bounds: `threads` workers, at most `queue_max` verifications waiting for a
 * worker (those being computed and those computed but not yet delivered are
 * not counted; there are at most `threads` of the former). A submission
 * beyond the bound is refused at once: the caller answers "busy, retry".
 *
 * Layer: shared/io (pthreads, libevent, OpenSSL). No logging.
 */
#ifndef HERMOD_PWHASH_POOL_H
#define HERMOD_PWHASH_POOL_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct pwhash_pool;
struct pwhash_pool_job;

#define PWHASH_POOL_THREADS_MAX 64
#define PWHASH_POOL_QUEUE_MAX 100000

/*
 * Called on the loop with pwhash_verify()'s result: 1 match, 0 mismatch,
 * -1 malformed stored string. The job handle is invalid from the moment the
 * callback starts. The callback may submit and cancel other jobs, but must
 * not free the pool.
 */
typedef void pwhash_pool_fn(int result, void *arg);

struct pwhash_pool_stats {
	uint64_t done;		/* results delivered to a callback */
	uint64_t refused;	/* submissions refused: queue full */
	uint64_t cancelled;
	unsigned queued;	/* waiting for a worker now */
};

/*
 * Starts `threads` workers (1..PWHASH_POOL_THREADS_MAX) with a queue bound
 * of queue_max (1..PWHASH_POOL_QUEUE_MAX), delivering on base (borrowed; it
 * must outlive the pool). Returns NULL on bad arguments or when a thread,
 * the pipe or memory cannot be had.
 */
struct pwhash_pool *pwhash_pool_new(struct event_base *base, unsigned threads,
    unsigned queue_max);

/*
 * Stops the pool: jobs still waiting for a worker are dropped, the jobs
 * being computed are waited for (at most one PBKDF2 per worker), and no
 * callback is called any more, for any job. Every job handle becomes
 * invalid: the callers' pending work must be freed by themselves (cancel
 * first when they keep handles). Not from a callback. NULL is a no-op.
 */
void pwhash_pool_free(struct pwhash_pool *p);

/*
 * Queues the verification of pw[0..pwlen) against stored; both are copied
 * (the copy of pw is wiped once hashed), so the caller may wipe its own at
 * once. fn(result, arg) is called later on the loop, never inside this
 * call. Returns the job's handle (valid until fn starts or the job is
 * cancelled), or NULL when the queue is full (errno EAGAIN), pwlen is over
 * PWHASH_PASSWORD_MAX or stored over PWHASH_TEXT_MAX (EINVAL), or memory
 * runs out (ENOMEM).
 */
struct pwhash_pool_job *pwhash_pool_verify(struct pwhash_pool *p,
    const char *stored, const char *pw, size_t pwlen, pwhash_pool_fn *fn,
    void *arg);

/*
 * Cancels job j: its callback will never be called. A job still waiting is
 * removed from the queue (its slot is free at once); a job being computed
 * finishes on its worker and its result is dropped. NULL is a no-op.
 */
void pwhash_pool_cancel(struct pwhash_pool_job *j);

/* Counters since pwhash_pool_new(), and the queue now. */
void pwhash_pool_stats(struct pwhash_pool *p, struct pwhash_pool_stats *out);

#endif
