/*
 * bb_queue — the outbound queue of one SMPP link: consumes P:q:LINK through the
 * consumer group "links", hands parts to the link's sessions, and finishes each
 * part in one atomic Redis step: acknowledged with its operator id (bb_dlr),
 * failed (bb_dlr), moved to the retry set P:retry with backoff, or moved to the
 * queue of the next link of its route while this link is down (failover).
 * Also: relay-timeout expiry, reclaiming entries of dead bearerboxes
 * (XAUTOCLAIM), moving due retries back to their stream, and the link-up
 * cache the failover reads (doc/smpp-links.md, doc/redis-keys.md).
 *
 * Layer: bearerbox. Runs on the box's event loop only.
 */
#ifndef HERMOD_BB_QUEUE_H
#define HERMOD_BB_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/codec/conf.h"

struct box;
struct bb_dlr;
struct bb_queues;
struct bb_queue;

#define BB_MSG_INLINE 320	/* payload octets kept inside struct bb_msg */
#define BB_MSG_DATA_MAX 65535	/* largest payload accepted from a stream entry */
#define BB_MSG_UDH_MAX 140

/* One message part read from P:q:LINK (fields as in doc/redis-keys.md). */
struct bb_msg {
	struct bb_msg *next;		/* list link (ready list, free list) */
	char entry_id[48];		/* stream entry id */
	char id[24];			/* Hermod message id */
	int part, parts;
	char acct[24];
	char to[24];			/* international digits */
	char from[24];
	int coding;			/* 0 GSM septets, 8 UCS-2, 4 binary */
	uint8_t udh[BB_MSG_UDH_MAX + 1];
	size_t udh_len;
	int sar_ref, sar_total, sar_seq;	/* sar_total 0: no SAR */
	uint8_t *data;			/* inline_data or malloc'ed */
	size_t data_len;
	bool flash, dlr;
	bool ack;			/* a status event on the submit_sm_resp OK
					 * (Kannel dlr-mask 8) */
	long long ts;			/* accept time, unix ms */
	int tries;
	long validity;			/* seconds, -1: none */
	long deferred;			/* seconds after ts, 0: none */
	int priority;			/* SMPP priority_flag 0..3 */
	int mclass;			/* class 1..3, 0: none (flash: class 0) */
	uint8_t inline_data[BB_MSG_INLINE];
};

/* The queue has parts ready (after a fetch): the link should pump. */
typedef void bb_queue_ready_fn(void *arg);
/* Every finishing call has completed (see bb_queue_busy). */
typedef void bb_queue_idle_fn(void *arg);

/*
 * What the box's queues share: the route table, the link-up cache (MGET of
 * every link's P:link:LINK:up each second), the retry mover (P:retry → streams
 * every 200 ms) and the Lua scripts. Returns NULL when out of memory.
 * dlr is borrowed and must outlive it.
 */
struct bb_queues *bb_queues_new(struct box *b, struct bb_dlr *dlr,
				const struct conf *c);
void bb_queues_free(struct bb_queues *qs);

/* Stops the retry mover and the cache refresh (on SIGTERM). */
void bb_queues_stop(struct bb_queues *qs);

/* Redis (re)connected: create consumer groups, reclaim at once. */
void bb_queues_redis_up(struct bb_queues *qs);

/* Redis calls of the shared part still waiting for a reply. */
size_t bb_queues_busy(const struct bb_queues *qs);

/*
 * The queue of link (the smsc group g, validated). ready is called when parts
 * become available; window is how many parts the link may have in flight in
 * all its sessions (the fetch size and the in-memory pool follow from it).
 * Returns NULL when out of memory.
 */
struct bb_queue *bb_queue_new(struct bb_queues *qs, const struct conf_group *g,
			      int window, bb_queue_ready_fn *ready, void *arg);
void bb_queue_free(struct bb_queue *q);

/*
 * A watch on the queue of a link that another process serves (type = modem:
 * its modembox). It never sends. While no holder of the link is up (its
 * P:link:LINK:up heartbeat has expired), it does what a down link's queue
 * does: parts move to the next link of their route that is up, expire after
 * relay-timeout, or wait; parts a dead holder had read are claimed after 2 x
 * response-timeout + 2 s. While the link is up anywhere it reads nothing.
 * Stopped and freed like any queue (bb_queue_stop, bb_queue_busy,
 * bb_queue_free).
 */
struct bb_queue *bb_queue_watch_new(struct bb_queues *qs,
				    const struct conf_group *g);

/*
 * Whether the link's sessions here can transmit now. While false, the queue
 * still reads its stream when a failover target is up (parts move there) or
 * when its oldest part has expired.
 */
void bb_queue_set_up(struct bb_queue *q, bool up);

/* Stop fetching (SIGTERM); parts already taken are still finished. */
void bb_queue_stop(struct bb_queue *q);

/*
 * The next part to submit, or NULL when none is ready (a fetch is started
 * when there is room; ready() follows). Expired parts are failed here and never
 * returned. The part stays owned by the queue; the caller must finish it with
 * exactly one of the bb_queue_* calls below.
 */
struct bb_msg *bb_queue_take(struct bb_queue *q);

/* Puts back a part taken but not sent (throttle, window closed): it is the
 * next one taken. */
void bb_queue_unget(struct bb_queue *q, struct bb_msg *m);

/* submit_sm_resp OK with operator id opid: acknowledged with bb_dlr_submitted. */
void bb_queue_submitted(struct bb_queue *q, struct bb_msg *m, const char *opid);

/* A temporary failure (status: the SMPP command_status, 0 for a timeout or a
 * disconnect): the part goes to P:retry, due after a backoff growing with its
 * tries; immediate: due now (a dropped connection, shutdown). */
void bb_queue_retry(struct bb_queue *q, struct bb_msg *m, uint32_t status,
		    bool immediate);

/* A permanent failure: final status stat (REJECTD, UNDELIV, EXPIRED) with err. */
void bb_queue_failed(struct bb_queue *q, struct bb_msg *m, const char *stat,
		     uint32_t err);

/* Parts taken or in memory plus Redis calls in flight; 0 means nothing would
 * be lost by freeing q. idle (may be NULL) is called when it drops to 0. */
size_t bb_queue_busy(const struct bb_queue *q);
void bb_queue_on_idle(struct bb_queue *q, bb_queue_idle_fn *idle, void *arg);

/* True for command_status values worth a retry (RMSGQFUL, RTHROTTLED, RSYSERR...). */
bool bb_queue_status_temporary(uint32_t status);

/* The status word for a permanent submit error: UNDELIV or REJECTD. */
const char *bb_queue_status_word(uint32_t status);

/* The link id. */
const char *bb_queue_link(const struct bb_queue *q);

/* Outcomes of the link's parts since start, counted when the outcome is
 * decided (for the admin page; bearerbox/bb_admin.h). */
struct bb_queue_stats {
	uint64_t submitted;	/* answered OK by the operator (or the modem) */
	uint64_t failed;	/* final without a receipt: REJECTD, UNDELIV, EXPIRED */
	uint64_t expired;	/* of which EXPIRED (relay-timeout) */
	uint64_t retried;	/* sent to P:retry: temporary error, timeout, drop */
	uint64_t moved;		/* failed over to another link's queue */
};
void bb_queue_stats(const struct bb_queue *q, struct bb_queue_stats *out);

#endif
