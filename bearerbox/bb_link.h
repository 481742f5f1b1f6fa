/*
 * bb_link — one SMPP client link to an operator (ESME role, SMPP 3.4 / 3.3):
 * `sessions` parallel binds (transceiver, transmitter, receiver, or a
 * transmitter + receiver pair each), each a state machine on a conn (TCP or
 * TLS) that binds, submits the link's queued parts within `window`
 * outstanding requests matched by sequence number, enforces the response
 * timeout, keeps the session alive with enquire_link (and answers the
 * operator's), hands deliver_sm / data_sm to bb_dlr, and reconnects with
 * exponential backoff. While a session that can transmit is bound the link
 * publishes P:link:LINK:up. See doc/smpp-links.md for every setting.
 *
 * Layer: bearerbox. Runs on the box's event loop only.
 */
#ifndef HERMOD_BB_LINK_H
#define HERMOD_BB_LINK_H

#include <stdbool.h>
#include <stddef.h>

#include "bearerbox/bb_queue.h"
#include "shared/codec/conf.h"

struct box;
struct bb_dlr;
struct bb_queues;
struct bb_link;

typedef void bb_link_stopped_fn(struct bb_link *l, void *arg);

/*
 * Creates link g (a validated `group = smsc` with type = smpp) of box b and
 * starts connecting its sessions at once. dlr and qs are borrowed and must
 * outlive the link. Returns NULL when out of memory or when the TLS context
 * cannot be made (logged).
 */
struct bb_link *bb_link_new(struct box *b, struct bb_dlr *dlr,
			    struct bb_queues *qs, const struct conf_group *g);

/*
 * Frees l: closes its connections at once. Parts in flight are not finished;
 * call it after bb_link_stop() reported the link stopped (or at exit after a
 * forced stop, when it leaves the queue's memory in place: see bb_link.c).
 * NULL is a no-op.
 */
void bb_link_free(struct bb_link *l);

/*
 * Graceful stop: takes no new parts, waits up to wait_ms for the responses to
 * parts in flight (those still unanswered then go back to the stream for a
 * retry), unbinds every session, and waits until each finishing Redis call
 * is done. Then calls stopped(l, arg) once (from the loop).
 */
void bb_link_stop(struct bb_link *l, unsigned long wait_ms,
		  bb_link_stopped_fn *stopped, void *arg);

/* Redis (re)connected: republish the link-up key and recreate the group. */
void bb_link_redis_up(struct bb_link *l);

/* The link's smsc-id (borrowed). */
const char *bb_link_id(const struct bb_link *l);

/* Sessions bound now. */
size_t bb_link_bound(const struct bb_link *l);

/* What the admin page shows of a link (bearerbox/bb_admin.h). */
struct bb_link_stats {
	size_t sessions;	/* connections (a tx+rx pair counts two) */
	size_t bound;		/* bound now */
	size_t connecting;	/* connecting or binding now */
	size_t inflight;	/* submit_sm waiting for their response */
	bool up;		/* a session here can transmit (P:link:LINK:up) */
	int window;		/* outstanding submit_sm allowed per session */
	double adaptive_rate;	/* current slow-down limit, msg/s; 0 none */
	uint64_t delivers;	/* deliver_sm / data_sm received since start */
	struct bb_queue_stats q;	/* the parts' outcomes since start */
};

/* Fills *out from l's current state and counters. */
void bb_link_stats(const struct bb_link *l, struct bb_link_stats *out);

#endif
