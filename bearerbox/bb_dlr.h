/*
 * bb_dlr — the bearerbox's receipt correlation and inbound (MO) handling
 * (doc/receipts.md, doc/redis-keys.md).
 *
 * A link calls bb_dlr_submitted() after a submit_sm_resp OK, bb_dlr_part_failed()
 * when a part ends without an operator receipt, and bb_dlr_deliver() for every
 * deliver_sm / data_sm the operator sends. Each call's Redis work is atomic:
 * one Lua script acknowledges a stream entry together with its result. The
 * records of bb_dlr_submitted(), bb_dlr_part_failed() and receipts are batched:
 * one script call stores up to `redis-batch` of them (group core), sent when
 * the batch is full or `redis-batch-delay` after its first record; a record
 * not sent yet when the box dies is simply not acknowledged (the entry stays
 * pending, the deliver_sm unanswered). Each call
 * calls done(status, arg) exactly once when the result is durable in Redis, or
 * with an SMPP command_status to answer when it is not (ESME_RSYSERR: Redis
 * failed, the operator retries). done is always called later from the loop,
 * never from within the call that started the work; when that call returns -1,
 * done is not called at all.
 *
 * Layer: bearerbox. Runs on the box's event loop only.
 */
#ifndef HERMOD_BB_DLR_H
#define HERMOD_BB_DLR_H

#include <stdbool.h>
#include <stdint.h>

struct box;
struct conf;
struct smpp_pdu;
struct bb_dlr;

/* status: 0 (ESME_ROK) when done and durable, else the SMPP command_status the
 * link should answer / act on (SMPP_ESME_RSYSERR when Redis failed). */
typedef void bb_dlr_done_fn(int status, void *arg);

/* Counters for the admin status page (monotonic since start). */
struct bb_dlr_stats {
	uint64_t receipts_matched;	/* applied to a known message part */
	uint64_t receipts_unmatched;	/* parked as early, or message gone */
	uint64_t receipts_early;	/* early receipts applied on submit */
	uint64_t receipts_bad;		/* deliver_sm flagged receipt, unparsable */
	uint64_t events;		/* status events appended (final,
					 * intermediate) */
	uint64_t mo_complete;		/* MO messages queued for an account */
	uint64_t mo_parts_pending;	/* MO parts stored before the last one */
	uint64_t mo_unknown_number;	/* MO to a number no account owns (dropped) */
	uint64_t mo_incomplete;		/* MO whose parts timed out (dropped) */
	uint64_t redis_errors;		/* calls answered with ESME_RSYSERR */
};

/*
 * Creates the receipt/MO handler for box b (uses b->redis, b->prefix, the
 * smsc groups of c for msg-id-type and data-coding, and redis-batch /
 * redis-batch-delay of its core group). Registers its Lua scripts
 * with b->redis. Returns NULL when out of memory.
 */
struct bb_dlr *bb_dlr_new(struct box *b, const struct conf *c);

/* Frees d; call it before box_fini() (it uses b->loop). No done callback is
 * called after it: records not sent yet are dropped, calls still waiting for
 * Redis too (their memory is released when redis_free() answers them). NULL
 * is a no-op. */
void bb_dlr_free(struct bb_dlr *d);

/*
 * After a submit_sm_resp OK for part `part` (1..parts) of Hermod message msg_id,
 * read from stream entry entry_id of P:q:LINK with operator id opid: one script
 * stores P:opid:LINK:CANON(opid) = "ID:PART" (72 h; only when dlr, i.e. the
 * part's queue entry asks for a receipt), sets opN in the message's record,
 * XACKs the entry and deletes it and, when P:early:LINK:CANON holds a receipt
 * that came before this response, applies it (possibly completing the message
 * and appending its final event). ack (the entry's QENTRY_ACK, Kannel
 * dlr-mask 8): the same script appends the message's status event "ACK" to
 * P:ev:RPT, once per message (at the first part accepted).
 * Returns 0 (done will be called) or -1 (Redis down / bad argument; done is not
 * called, the entry stays pending and is retried).
 */
int bb_dlr_submitted(struct bb_dlr *d, const char *link, const char *entry_id,
		     const char *msg_id, int part, bool dlr, bool ack,
		     const char *opid, bb_dlr_done_fn *done, void *arg);

/*
 * A part ended without an operator receipt: permanent submit error, relay
 * timeout (stat_word "EXPIRED"), no route ("UNDELIV"/"REJECTD"). err is the
 * SMPP command_status (or 0). One script sets pN/errN, XACKs + XDELs the entry
 * (entry_id may be NULL or "" for no stream entry), and merges / appends the
 * final event when every part is final; on P:ev:http that event carries
 * nack = 1 when its status is that of a part that ended so, never accepted by
 * an SMSC (Kannel's type 16). Returns 0 or -1 as bb_dlr_submitted.
 */
int bb_dlr_part_failed(struct bb_dlr *d, const char *link, const char *entry_id,
		       const char *msg_id, int part, const char *stat_word,
		       int err, bb_dlr_done_fn *done, void *arg);

/*
 * Trims P:q:LINK in the next batch: the entries below the oldest one a
 * consumer group still needs are deleted. The batch script trims every queue
 * it acknowledges entries of, but leaves acknowledged entries above a pending
 * one for a later trim; a link calls this now and then (every claim period)
 * so that they go once nothing holds them, also when no more parts come.
 * No done callback. Returns 0, or -1 (Redis down, out of memory).
 */
int bb_dlr_trim(struct bb_dlr *d, const char *link);

/*
 * A deliver_sm or data_sm from the operator on link: a receipt (esm_class bit
 * 0x04, or a text that parses as a receipt) is correlated; anything else is an
 * MO, reassembled (UDH or SAR) and queued for the number's account. The PDU is
 * read during the call only (it may be freed after return). done(0) means
 * answer deliver_sm_resp ESME_ROK (also for receipts that match nothing and MO
 * to unknown numbers: logged and counted, so the operator does not retry
 * forever); done(SMPP_ESME_RSYSERR) means Redis failed: answer that so the
 * operator retries. Returns 0, or -1 (Redis down, out of memory: answer
 * ESME_RSYSERR at once; done is not called).
 */
int bb_dlr_deliver(struct bb_dlr *d, const char *link,
		   const struct smpp_pdu *pdu, bb_dlr_done_fn *done, void *arg);

/*
 * Changes the concat timeout (seconds an incomplete MO waits for its missing
 * parts; default 600) and the interval of the sweep that drops and logs
 * incomplete MO past it (default 10000 ms). 0 keeps a value. For tests and for
 * a future config key.
 */
void bb_dlr_set_timeouts(struct bb_dlr *d, unsigned concat_s,
			 unsigned sweep_ms);

/* The counters (borrowed, live). */
const struct bb_dlr_stats *bb_dlr_stats(const struct bb_dlr *d);

#endif
