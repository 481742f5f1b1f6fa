/*
 * Unit tests for shared/io/pwhash_pool and account_verify_start() on it:
 * results come back on the loop's thread, in a later callback, never inside
 * the submission; a full queue refuses at once; a cancelled job never calls
 * back and frees its place; freeing the pool with jobs pending calls nothing
 * and leaks nothing (the sanitizer build checks); misses of one password
 * share one hash and fill the cache.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <event2/event.h>

#include "shared/io/account.h"
#include "shared/io/pwhash.h"
#include "shared/io/pwhash_pool.h"

/* "password"/"salt" with 1 iteration: instant. */
#define STORED_FAST "pbkdf2-sha256$1$c2FsdA==$Eg+2z/z4syxD5yJSVsT4N6hlSMkszDVICAWYfLcL4Xs="

struct ctx {
	struct event_base *base;
	struct pwhash_pool *pool;
	char slow[PWHASH_TEXT_MAX];	/* 200,000 iterations: long enough to queue behind */
	pthread_t loop_thread;
	int results[64];
	int n;
	bool wrong_thread;
	bool in_submit;
	bool called_in_submit;
	struct pwhash_pool_job *to_cancel;	/* cancelled by the first callback */
};

static void on_result(int result, void *arg)
{
	struct ctx *c = arg;

	if (!pthread_equal(pthread_self(), c->loop_thread))
		c->wrong_thread = true;
	if (c->in_submit)
		c->called_in_submit = true;
	if (c->to_cancel != NULL) {
		pwhash_pool_cancel(c->to_cancel);
		c->to_cancel = NULL;
	}
	if (c->n < 64)
		c->results[c->n] = result;
	c->n++;
}

/* Runs the loop in 10 ms turns while *n < want, at most turns times. */
static void spin(struct event_base *base, const int *n, int want, int turns)
{
	struct timeval tv = { 0, 10000 };

	for (int i = 0; i < turns && *n < want; i++) {
		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
	}
}

/* Until want results arrived (20 s at most). */
static void run_until(struct ctx *c, int want)
{
	spin(c->base, &c->n, want, 2000);
}

/* 300 ms more, for results that must not come. */
static void run_more(struct ctx *c)
{
	spin(c->base, &c->n, 1000, 30);
}

static int setup(void **state)
{
	static struct ctx c;

	memset(&c, 0, sizeof(c));
	c.base = event_base_new();
	c.loop_thread = pthread_self();
	if (c.base == NULL ||
	    pwhash_make("slow", 4, 200000, c.slow, sizeof(c.slow)) < 0)
		return -1;
	*state = &c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	pwhash_pool_free(c->pool);
	c->pool = NULL;
	event_base_free(c->base);
	return 0;
}

static struct pwhash_pool_job *submit(struct ctx *c, const char *stored,
				      const char *pw)
{
	struct pwhash_pool_job *j;

	c->in_submit = true;
	j = pwhash_pool_verify(c->pool, stored, pw, strlen(pw), on_result, c);
	c->in_submit = false;
	return j;
}

static void test_new_bounds(void **state)
{
	struct ctx *c = *state;

	assert_null(pwhash_pool_new(c->base, 0, 1));
	assert_null(pwhash_pool_new(c->base, PWHASH_POOL_THREADS_MAX + 1, 1));
	assert_null(pwhash_pool_new(c->base, 1, 0));
	assert_null(pwhash_pool_new(NULL, 1, 1));
	pwhash_pool_free(NULL);
}

static void test_results_on_loop(void **state)
{
	struct ctx *c = *state;

	c->pool = pwhash_pool_new(c->base, 2, 8);
	assert_non_null(c->pool);
	assert_non_null(submit(c, STORED_FAST, "password"));
	assert_non_null(submit(c, STORED_FAST, "wrong"));
	assert_non_null(submit(c, "pbkdf2-sha256$x", "password"));
	assert_int_equal(c->n, 0);	/* never inside the submission */
	run_until(c, 3);
	assert_int_equal(c->n, 3);
	assert_false(c->wrong_thread);
	assert_false(c->called_in_submit);
	/* two workers: any order; one match, one mismatch, one malformed */
	int sum = c->results[0] + c->results[1] + c->results[2];
	int ones = (c->results[0] == 1) + (c->results[1] == 1) + (c->results[2] == 1);

	assert_int_equal(sum, 0);
	assert_int_equal(ones, 1);
	errno = 0;
	assert_null(pwhash_pool_verify(c->pool, STORED_FAST, "x",
				       PWHASH_PASSWORD_MAX + 1, on_result, c));
	assert_int_equal(errno, EINVAL);
}

static void test_queue_full_and_cancel(void **state)
{
	struct ctx *c = *state;
	struct pwhash_pool_job *q[3];
	struct pwhash_pool_stats st;

	c->pool = pwhash_pool_new(c->base, 1, 2);
	assert_non_null(c->pool);
	/* The worker takes the first; wait until it has, so that the queue
	 * holds exactly the next two. */
	assert_non_null(submit(c, c->slow, "slow"));
	for (int i = 0; i < 1000; i++) {
		pwhash_pool_stats(c->pool, &st);
		if (st.queued == 0)
			break;
		usleep(1000);
	}
	q[0] = submit(c, c->slow, "a");
	q[1] = submit(c, c->slow, "b");
	assert_non_null(q[0]);
	assert_non_null(q[1]);
	errno = 0;
	q[2] = submit(c, STORED_FAST, "password");
	assert_null(q[2]);
	assert_int_equal(errno, EAGAIN);
	pwhash_pool_stats(c->pool, &st);
	assert_int_equal(st.refused, 1);
	assert_int_equal(st.queued, 2);
	/* Cancelling a queued job frees its place at once. */
	pwhash_pool_cancel(q[0]);
	pwhash_pool_stats(c->pool, &st);
	assert_int_equal(st.queued, 1);
	assert_non_null(submit(c, STORED_FAST, "password"));
	/* The first result cancels q[1] from its callback: never called. */
	c->to_cancel = q[1];
	run_until(c, 2);
	assert_int_equal(c->n, 2);
	assert_int_equal(c->results[0], 1);	/* slow/"slow" */
	assert_int_equal(c->results[1], 1);	/* fast/"password" */
	run_more(c);	/* nothing more comes */
	assert_int_equal(c->n, 2);
	pwhash_pool_stats(c->pool, &st);
	assert_int_equal(st.done, 2);
	assert_int_equal(st.cancelled, 2);
	assert_int_equal(st.queued, 0);
}

static void test_cancel_running(void **state)
{
	struct ctx *c = *state;
	struct pwhash_pool_job *j;
	struct pwhash_pool_stats st;

	c->pool = pwhash_pool_new(c->base, 1, 4);
	j = submit(c, c->slow, "slow");
	assert_non_null(j);
	for (int i = 0; i < 1000; i++) {
		pwhash_pool_stats(c->pool, &st);
		if (st.queued == 0)
			break;
		usleep(1000);
	}
	pwhash_pool_cancel(j);	/* running: its result is dropped */
	assert_non_null(submit(c, STORED_FAST, "password"));
	run_until(c, 1);
	run_more(c);
	assert_int_equal(c->n, 1);
	assert_int_equal(c->results[0], 1);
}

static void test_free_with_pending(void **state)
{
	struct ctx *c = *state;

	c->pool = pwhash_pool_new(c->base, 1, 16);
	for (int i = 0; i < 10; i++)
		assert_non_null(submit(c, c->slow, "x"));
	/* one is running: free waits for it; the others are dropped */
	pwhash_pool_free(c->pool);
	c->pool = NULL;
	event_base_loop(c->base, EVLOOP_NONBLOCK);
	assert_int_equal(c->n, 0);
}

/* ---- account_verify_start ---- */

struct vctx {
	int results[8];
	int n;
	struct account_verify *cancel_me;
};

static void on_verified(int result, void *arg)
{
	struct vctx *v = arg;

	if (v->cancel_me != NULL) {
		account_verify_cancel(v->cancel_me);
		v->cancel_me = NULL;
	}
	v->results[v->n++] = result;
}

static void vrun(struct ctx *c, struct vctx *v, int want)
{
	spin(c->base, &v->n, want, want > 0 ? 2000 : 30);
}

static void test_account_verify_start(void **state)
{
	struct ctx *c = *state;
	struct account_pwcache *pc = account_pwcache_new(64, 60000);
	struct account_verify *h[3];
	struct vctx v = { 0 };
	uint64_t hits, misses;

	c->pool = pwhash_pool_new(c->base, 1, 4);
	assert_non_null(pc);
	assert_non_null(c->pool);
	/* no pwhash, malformed: answered at once */
	assert_int_equal(account_verify_start(pc, c->pool, "a", "", "x", 1, 1,
					      on_verified, &v, &h[0]), 0);
	assert_null(h[0]);
	assert_int_equal(account_verify_start(pc, c->pool, "a", "pbkdf2-sha256$1$",
					      "x", 1, 1, on_verified, &v, &h[0]), -1);
	/* three misses of one password: one hash, three answers */
	for (int i = 0; i < 3; i++)
		assert_int_equal(account_verify_start(pc, c->pool, "a", STORED_FAST,
						      "password", 8, 1, on_verified,
						      &v, &h[i]),
				 ACCOUNT_VERIFY_PENDING);
	account_pwcache_stats(pc, &hits, &misses);
	assert_int_equal(misses, 1);
	account_verify_cancel(h[1]);	/* before: never answered */
	vrun(c, &v, 2);
	spin(c->base, &v.n, 1000, 30);
	assert_int_equal(v.n, 2);
	assert_int_equal(v.results[0], 1);
	assert_int_equal(v.results[1], 1);
	/* now a cache hit, at once */
	assert_int_equal(account_verify_start(pc, c->pool, "a", STORED_FAST,
					      "password", 8, 2, on_verified, &v,
					      &h[0]), 1);
	assert_null(h[0]);
	/* a waiter cancelling another waiter of the same hash from its fn */
	v.n = 0;
	assert_int_equal(account_verify_start(pc, c->pool, "a", STORED_FAST, "no",
					      2, 3, on_verified, &v, &h[0]),
			 ACCOUNT_VERIFY_PENDING);
	assert_int_equal(account_verify_start(pc, c->pool, "a", STORED_FAST, "no",
					      2, 3, on_verified, &v, &h[1]),
			 ACCOUNT_VERIFY_PENDING);
	v.cancel_me = h[0];	/* the newest waiter is answered first */
	vrun(c, &v, 1);
	spin(c->base, &v.n, 1000, 30);
	assert_int_equal(v.n, 1);
	assert_int_equal(v.results[0], 0);
	/* the cache freed with a verification pending: no callback, no leak */
	assert_int_equal(account_verify_start(pc, c->pool, "a", c->slow, "q", 1, 4,
					      on_verified, &v, &h[0]),
			 ACCOUNT_VERIFY_PENDING);
	account_pwcache_free(pc);
	pwhash_pool_free(c->pool);
	c->pool = NULL;
	event_base_loop(c->base, EVLOOP_NONBLOCK);
	assert_int_equal(v.n, 1);
}

static void test_account_verify_busy(void **state)
{
	struct ctx *c = *state;
	struct account_pwcache *pc = account_pwcache_new(64, 60000);
	struct account_verify *h[4];
	struct vctx v = { 0 };
	struct pwhash_pool_stats st;
	char pw[2] = "a";

	c->pool = pwhash_pool_new(c->base, 1, 1);
	assert_int_equal(account_verify_start(pc, c->pool, "a", c->slow, "0", 1, 1,
					      on_verified, &v, &h[0]),
			 ACCOUNT_VERIFY_PENDING);
	for (int i = 0; i < 1000; i++) {
		pwhash_pool_stats(c->pool, &st);
		if (st.queued == 0)
			break;
		usleep(1000);
	}
	assert_int_equal(account_verify_start(pc, c->pool, "a", c->slow, pw, 1, 1,
					      on_verified, &v, &h[1]),
			 ACCOUNT_VERIFY_PENDING);
	pw[0] = 'b';
	assert_int_equal(account_verify_start(pc, c->pool, "a", c->slow, pw, 1, 1,
					      on_verified, &v, &h[2]),
			 ACCOUNT_VERIFY_BUSY);
	assert_null(h[2]);
	/* the last waiter of a queued hash cancels the hash: room again */
	account_verify_cancel(h[1]);
	assert_int_equal(account_verify_start(pc, c->pool, "a", c->slow, pw, 1, 1,
					      on_verified, &v, &h[3]),
			 ACCOUNT_VERIFY_PENDING);
	account_verify_cancel(h[3]);
	account_verify_cancel(h[0]);	/* running */
	pwhash_pool_free(c->pool);
	c->pool = NULL;
	account_pwcache_free(pc);
	assert_int_equal(v.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_results_on_loop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_full_and_cancel, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cancel_running, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_with_pending, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_account_verify_start, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_account_verify_busy, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
