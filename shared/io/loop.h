/*
 * loop — the one libevent event loop of a Hermod process, its signals and timers.
 *
 * Signals are delivered through libevent (never in a raw handler), so their
 * callbacks run on the loop like any other event:
 *   SIGTERM, SIGINT  first one: the caller's stop callback, once (graceful stop);
 *                    a second one: the process exits at once with status 1.
 *   SIGHUP           log_reopen(), then the caller's optional hup callback.
 *   SIGPIPE          ignored (a write to a closed socket returns EPIPE instead).
 *
 * Layer: shared/io. Single-threaded: every function runs on the loop's thread.
 */
#ifndef HERMOD_LOOP_H
#define HERMOD_LOOP_H

#include <stdbool.h>

struct event_base;
struct evdns_base;
struct loop;
struct loop_timer;

typedef void loop_signal_fn(struct loop *l, void *arg);
typedef void loop_timer_fn(struct loop_timer *t, void *arg);

/*
 * Creates the process's loop (call once) and ignores SIGPIPE. Returns NULL on
 * failure (out of memory, libevent error). Free with loop_free().
 */
struct loop *loop_new(void);

/* Frees the loop and its signal events. Timers, connections and Redis clients
 * made on it must be freed first. loop_free(NULL) is a no-op. */
void loop_free(struct loop *l);

/* The libevent base, for code that adds its own events (borrowed). */
struct event_base *loop_base(struct loop *l);

/*
 * The loop's asynchronous DNS resolver (libevent evdns: the system's
 * nameservers and /etc/hosts), made at the first call and freed by
 * loop_free() (lookups still pending then fail). Borrowed; NULL when it
 * cannot be set up (logged).
 */
struct evdns_base *loop_dns(struct loop *l);

/*
 * Installs the signal handling described above. on_stop (may be NULL: then the
 * first SIGTERM just calls loop_exit()) and on_hup (may be NULL) receive arg.
 * on_stop should close listeners and connections, let pending work finish and
 * then call loop_exit(): the installed signal events keep loop_run() running
 * until then (so that a second SIGTERM still forces the exit).
 * Returns 0, or -1 on libevent failure.
 */
int loop_signals(struct loop *l, loop_signal_fn *on_stop,
		 loop_signal_fn *on_hup, void *arg);

/* True once a stop signal was received. */
bool loop_stopping(const struct loop *l);

/* Runs the loop until loop_exit() or no events remain. Returns 0, -1 on error. */
int loop_run(struct loop *l);

/* Makes loop_run() return after the callbacks now running. */
void loop_exit(struct loop *l);

/* Milliseconds of a monotonic clock (cached per loop iteration by libevent). */
unsigned long long loop_now_ms(struct loop *l);

/*
 * A timer calling fn(t, arg) on the loop. Created stopped. Returns NULL when
 * out of memory. Free with loop_timer_free() (stops it; NULL is a no-op); a
 * timer may free itself or restart itself from its callback.
 */
struct loop_timer *loop_timer_new(struct loop *l, loop_timer_fn *fn, void *arg);
void loop_timer_free(struct loop_timer *t);

/*
 * (Re)starts t to fire after ms milliseconds: once (periodic false) or every ms
 * milliseconds until stopped (periodic true). Restarting a pending timer
 * replaces its schedule. Returns 0, or -1 on libevent failure.
 */
int loop_timer_start(struct loop_timer *t, unsigned long ms, bool periodic);

/* Cancels t if pending; it will not fire until started again. */
void loop_timer_stop(struct loop_timer *t);

/* True while t is scheduled to fire. */
bool loop_timer_pending(const struct loop_timer *t);

#endif
