/*
 * loop — libevent glue: the process's event_base, signals through libevent
 * (graceful stop, forced exit, SIGHUP log reopen) and one-shot/periodic timers.
 * Layer: shared/io.
 */
#include "config.h"
#include "shared/io/loop.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <event2/dns.h>
#include <event2/event.h>

#include "shared/io/log.h"

struct loop {
	struct event_base *base;
	struct evdns_base *dns;	/* made at the first loop_dns() */
	struct event *sig_term, *sig_int, *sig_hup;
	loop_signal_fn *on_stop, *on_hup;
	void *arg;
	bool stopping;
};

struct loop_timer {
	struct loop *loop;
	struct event *ev;
	loop_timer_fn *fn;
	void *arg;
};

struct loop *loop_new(void)
{
	struct loop *l;

	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		return NULL;
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return NULL;
	l->base = event_base_new();
	if (l->base == NULL) {
		free(l);
		return NULL;
	}
	return l;
}

void loop_free(struct loop *l)
{
	if (l == NULL)
		return;
	if (l->sig_term != NULL)
		event_free(l->sig_term);
	if (l->sig_int != NULL)
		event_free(l->sig_int);
	if (l->sig_hup != NULL)
		event_free(l->sig_hup);
	if (l->dns != NULL)
		evdns_base_free(l->dns, 1);	/* pending lookups fail */
	event_base_free(l->base);
	free(l);
}

struct event_base *loop_base(struct loop *l)
{
	return l->base;
}

struct evdns_base *loop_dns(struct loop *l)
{
	if (l->dns != NULL)
		return l->dns;
	/* Reads resolv.conf and /etc/hosts once; inactive, it holds no event
	 * that would keep the loop running. */
	l->dns = evdns_base_new(l->base, EVDNS_BASE_INITIALIZE_NAMESERVERS |
					 EVDNS_BASE_DISABLE_WHEN_INACTIVE);
	if (l->dns == NULL)
		log_warn("dns resolver could not be set up");
	return l->dns;
}

static void loop_on_stop_signal(evutil_socket_t sig, short what, void *arg)
{
	struct loop *l = arg;

	(void)what;
	if (l->stopping) {
		log_warn("second stop signal, exiting now signal=%d", (int)sig);
		_exit(1);
	}
	l->stopping = true;
	log_info("stop signal received, stopping gracefully signal=%d", (int)sig);
	if (l->on_stop != NULL)
		l->on_stop(l, l->arg);
	else
		loop_exit(l);
}

static void loop_on_hup(evutil_socket_t sig, short what, void *arg)
{
	struct loop *l = arg;

	(void)sig;
	(void)what;
	log_reopen();
	log_info("SIGHUP: log reopened");
	if (l->on_hup != NULL)
		l->on_hup(l, l->arg);
}

int loop_signals(struct loop *l, loop_signal_fn *on_stop,
		 loop_signal_fn *on_hup, void *arg)
{
	l->on_stop = on_stop;
	l->on_hup = on_hup;
	l->arg = arg;
	if (l->sig_term != NULL)
		return 0;
	l->sig_term = evsignal_new(l->base, SIGTERM, loop_on_stop_signal, l);
	l->sig_int = evsignal_new(l->base, SIGINT, loop_on_stop_signal, l);
	l->sig_hup = evsignal_new(l->base, SIGHUP, loop_on_hup, l);
	if (l->sig_term == NULL || l->sig_int == NULL || l->sig_hup == NULL)
		return -1;
	if (evsignal_add(l->sig_term, NULL) == -1 ||
	    evsignal_add(l->sig_int, NULL) == -1 ||
	    evsignal_add(l->sig_hup, NULL) == -1)
		return -1;
	return 0;
}

bool loop_stopping(const struct loop *l)
{
	return l->stopping;
}

int loop_run(struct loop *l)
{
	return event_base_dispatch(l->base) == -1 ? -1 : 0;
}

void loop_exit(struct loop *l)
{
	event_base_loopbreak(l->base);
}

unsigned long long loop_now_ms(struct loop *l)
{
	struct timeval tv;

	if (event_base_gettimeofday_cached(l->base, &tv) == -1)
		gettimeofday(&tv, NULL);
	return (unsigned long long)tv.tv_sec * 1000ULL +
	       (unsigned long long)tv.tv_usec / 1000ULL;
}

static void loop_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct loop_timer *t = arg;

	(void)fd;
	(void)what;
	t->fn(t, t->arg);
}

struct loop_timer *loop_timer_new(struct loop *l, loop_timer_fn *fn, void *arg)
{
	struct loop_timer *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->loop = l;
	t->fn = fn;
	t->arg = arg;
	t->ev = event_new(l->base, -1, 0, loop_timer_cb, t);
	if (t->ev == NULL) {
		free(t);
		return NULL;
	}
	return t;
}

void loop_timer_free(struct loop_timer *t)
{
	if (t == NULL)
		return;
	event_free(t->ev);
	free(t);
}

int loop_timer_start(struct loop_timer *t, unsigned long ms, bool periodic)
{
	struct timeval tv;

	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)((ms % 1000) * 1000);
	event_del(t->ev);
	if (event_assign(t->ev, t->loop->base, -1, periodic ? EV_PERSIST : 0,
			 loop_timer_cb, t) == -1)
		return -1;
	return event_add(t->ev, &tv) == -1 ? -1 : 0;
}

void loop_timer_stop(struct loop_timer *t)
{
	event_del(t->ev);
}

bool loop_timer_pending(const struct loop_timer *t)
{
	return event_pending(t->ev, EV_TIMEOUT, NULL) != 0;
}
