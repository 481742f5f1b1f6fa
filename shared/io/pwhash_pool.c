/*
 * pwhash_pool — worker threads for pwhash_verify(), results through a pipe.
 *
 * One mutex guards the queue, the done list and every job's state. A worker
 * appends a finished job to the done list and writes one byte to the pipe
 * when the list was empty; the loop drains the pipe first and takes the list
 * second, so a job appended after the take writes a byte of its own and is
 * never stranded. Jobs are delivered in the order they finished.
 * Layer: shared/io.
 */
#include "config.h"

#include "shared/io/pwhash_pool.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/crypto.h>

#include "shared/io/pwhash.h"

enum pwhash_pool_state {
	PWP_QUEUED,	/* in p->queue */
	PWP_RUNNING,	/* on a worker */
	PWP_DONE,	/* in p->done, or taken by the loop for delivery */
};

struct pwhash_pool_job {
	struct pwhash_pool *p;
	struct pwhash_pool_job *next, *prev;	/* queue (prev) or done list */
	enum pwhash_pool_state state;
	bool cancelled;
	int result;
	pwhash_pool_fn *fn;
	void *arg;
	size_t pwlen;
	char stored[PWHASH_TEXT_MAX];
	char pw[PWHASH_PASSWORD_MAX];
};

struct pwhash_pool {
	struct event_base *base;
	struct event *ev;
	int pipe_r, pipe_w;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool mu_ok, cv_ok, stop;
	pthread_t *tid;
	unsigned nthreads;	/* started */
	unsigned queue_max, nqueued;
	struct pwhash_pool_job *q_head, *q_tail;
	struct pwhash_pool_job *d_head, *d_tail;
	struct pwhash_pool_stats st;
};

static void pwp_job_free(struct pwhash_pool_job *j)
{
	OPENSSL_cleanse(j->pw, sizeof(j->pw));
	free(j);
}

/* Worker side: p->mu held. */
static struct pwhash_pool_job *pwp_pop(struct pwhash_pool *p)
{
	struct pwhash_pool_job *j = p->q_head;

	p->q_head = j->next;
	if (p->q_head != NULL)
		p->q_head->prev = NULL;
	else
		p->q_tail = NULL;
	j->next = j->prev = NULL;
	p->nqueued--;
	j->state = PWP_RUNNING;
	return j;
}

/* Worker side: p->mu held. True when the loop must be woken. */
static bool pwp_push_done(struct pwhash_pool *p, struct pwhash_pool_job *j)
{
	bool was_empty = p->d_head == NULL;

	j->state = PWP_DONE;
	j->next = NULL;
	if (p->d_tail != NULL)
		p->d_tail->next = j;
	else
		p->d_head = j;
	p->d_tail = j;
	return was_empty;
}

static void *pwp_worker(void *arg)
{
	struct pwhash_pool *p = arg;
	struct pwhash_pool_job *j;
	bool wake;
	int r;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->stop && p->q_head == NULL)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->stop)
			break;
		j = pwp_pop(p);
		pthread_mutex_unlock(&p->mu);
		r = pwhash_verify(j->stored, j->pw, j->pwlen);
		OPENSSL_cleanse(j->pw, sizeof(j->pw));
		pthread_mutex_lock(&p->mu);
		j->result = r;
		wake = pwp_push_done(p, j);
		if (wake) {
			/* Non-blocking: a full pipe already holds a wake-up. */
			ssize_t n = write(p->pipe_w, "", 1);

			(void)n;
		}
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* Loop side: delivers every finished job. */
static void pwp_on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct pwhash_pool *p = arg;
	struct pwhash_pool_job *j, *list;
	char buf[64];

	(void)what;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&p->mu);
	list = p->d_head;
	p->d_head = p->d_tail = NULL;
	pthread_mutex_unlock(&p->mu);
	/* The taken jobs belong to the loop alone now: a cancel from one of
	 * the callbacks below only sets a later job's flag. */
	while ((j = list) != NULL) {
		list = j->next;
		if (!j->cancelled) {
			j->cancelled = true;	/* a late cancel is a no-op */
			p->st.done++;
			j->fn(j->result, j->arg);
		}
		pwp_job_free(j);
	}
}

static int pwp_pipe(struct pwhash_pool *p)
{
	int fds[2];

	if (pipe(fds) == -1)
		return -1;
	p->pipe_r = fds[0];
	p->pipe_w = fds[1];
	for (int i = 0; i < 2; i++)
		if (fcntl(fds[i], F_SETFL, O_NONBLOCK) == -1 ||
		    fcntl(fds[i], F_SETFD, FD_CLOEXEC) == -1)
			return -1;
	p->ev = event_new(p->base, p->pipe_r, EV_READ | EV_PERSIST, pwp_on_wake, p);
	if (p->ev == NULL || event_add(p->ev, NULL) != 0)
		return -1;
	return 0;
}

/* Starts the workers with every signal blocked: signals are the loop's. */
static int pwp_start(struct pwhash_pool *p, unsigned threads)
{
	sigset_t all, old;
	int rc = 0;

	p->tid = calloc(threads, sizeof(*p->tid));
	if (p->tid == NULL)
		return -1;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	while (p->nthreads < threads) {
		if (pthread_create(&p->tid[p->nthreads], NULL, pwp_worker, p) != 0) {
			rc = -1;
			break;
		}
		p->nthreads++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

struct pwhash_pool *pwhash_pool_new(struct event_base *base, unsigned threads,
    unsigned queue_max)
{
	struct pwhash_pool *p;

	if (base == NULL || threads < 1 || threads > PWHASH_POOL_THREADS_MAX ||
	    queue_max < 1 || queue_max > PWHASH_POOL_QUEUE_MAX)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->base = base;
	p->queue_max = queue_max;
	p->pipe_r = p->pipe_w = -1;
	p->mu_ok = pthread_mutex_init(&p->mu, NULL) == 0;
	p->cv_ok = pthread_cond_init(&p->cv, NULL) == 0;
	if (!p->mu_ok || !p->cv_ok || pwp_pipe(p) != 0 ||
	    pwp_start(p, threads) != 0) {
		pwhash_pool_free(p);
		return NULL;
	}
	return p;
}

static void pwp_free_list(struct pwhash_pool_job *j)
{
	struct pwhash_pool_job *next;

	for (; j != NULL; j = next) {
		next = j->next;
		pwp_job_free(j);
	}
}

void pwhash_pool_free(struct pwhash_pool *p)
{
	if (p == NULL)
		return;
	if (p->mu_ok) {
		pthread_mutex_lock(&p->mu);
		p->stop = true;
		if (p->cv_ok)
			pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
	for (unsigned i = 0; i < p->nthreads; i++)
		pthread_join(p->tid[i], NULL);
	free(p->tid);
	pwp_free_list(p->q_head);
	pwp_free_list(p->d_head);
	if (p->ev != NULL)
		event_free(p->ev);
	if (p->pipe_r != -1)
		close(p->pipe_r);
	if (p->pipe_w != -1)
		close(p->pipe_w);
	if (p->cv_ok)
		pthread_cond_destroy(&p->cv);
	if (p->mu_ok)
		pthread_mutex_destroy(&p->mu);
	free(p);
}

struct pwhash_pool_job *pwhash_pool_verify(struct pwhash_pool *p,
    const char *stored, const char *pw, size_t pwlen, pwhash_pool_fn *fn,
    void *arg)
{
	struct pwhash_pool_job *j;
	size_t slen = strnlen(stored, PWHASH_TEXT_MAX);
	bool full;

	if (pwlen > PWHASH_PASSWORD_MAX || slen >= PWHASH_TEXT_MAX || fn == NULL) {
		errno = EINVAL;
		return NULL;
	}
	pthread_mutex_lock(&p->mu);
	full = p->nqueued >= p->queue_max;	/* only the loop adds */
	pthread_mutex_unlock(&p->mu);
	if (full) {
		p->st.refused++;
		errno = EAGAIN;
		return NULL;
	}
	j = malloc(sizeof(*j));
	if (j == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	memset(j, 0, offsetof(struct pwhash_pool_job, stored));
	j->p = p;
	j->fn = fn;
	j->arg = arg;
	j->pwlen = pwlen;
	memcpy(j->stored, stored, slen + 1);
	if (pwlen > 0)
		memcpy(j->pw, pw, pwlen);
	pthread_mutex_lock(&p->mu);
	j->state = PWP_QUEUED;
	j->prev = p->q_tail;
	if (p->q_tail != NULL)
		p->q_tail->next = j;
	else
		p->q_head = j;
	p->q_tail = j;
	p->nqueued++;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return j;
}

void pwhash_pool_cancel(struct pwhash_pool_job *j)
{
	struct pwhash_pool *p;
	bool unlinked = false;

	if (j == NULL)
		return;
	p = j->p;
	pthread_mutex_lock(&p->mu);
	if (j->state == PWP_QUEUED) {
		if (j->prev != NULL)
			j->prev->next = j->next;
		else
			p->q_head = j->next;
		if (j->next != NULL)
			j->next->prev = j->prev;
		else
			p->q_tail = j->prev;
		p->nqueued--;
		unlinked = true;
	} else if (!j->cancelled) {
		j->cancelled = true;	/* freed once delivered */
	} else {
		pthread_mutex_unlock(&p->mu);
		return;	/* being delivered: its callback already started */
	}
	p->st.cancelled++;
	pthread_mutex_unlock(&p->mu);
	if (unlinked)
		pwp_job_free(j);
}

void pwhash_pool_stats(struct pwhash_pool *p, struct pwhash_pool_stats *out)
{
	*out = p->st;
	pthread_mutex_lock(&p->mu);
	out->queued = p->nqueued;
	pthread_mutex_unlock(&p->mu);
}
