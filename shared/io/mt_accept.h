/*
 * mt_accept — the accept step of an outbound (MT) message, shared by the
 * smsbox HTTP API and the SMPP server: route each recipient, encode and split
 * the message per the chosen link's long-message setting and price its parts
 * by the destination's longest rate prefix; then a Redis Lua script checks
 * and debits the credit for all recipients at once (all or none), takes one
 * id per recipient from P:seq, writes P:msg:ID and appends every part to its
 * link queue P:q:LINK (doc/redis-keys.md). Accepted means durable in Redis.
 * One script call carries up to core.redis-batch requests (sent when full or
 * core.redis-batch-delay after the first), each all or nothing on its own.
 *
 * Keeps in memory only what the configuration says (routes, each link's
 * long-message and max-parts), which links are up, refreshed every second
 * from P:link:LINK:up (route_pick() prefers a link that is up), and a copy of
 * P:rates, refreshed when P:rates:version changes (the script checks the
 * copy a request was priced with is current, else prices it itself).
 *
 * Layer: shared/io. Runs on the box's event loop only.
 */
#ifndef HERMOD_MT_ACCEPT_H
#define HERMOD_MT_ACCEPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct box;
struct conf;
struct mt_accept;
struct route_table;

#define MT_ACCEPT_TO_MAX 16	/* a recipient: 1..15 digits and the NUL */
#define MT_ACCEPT_RECIPIENTS_MAX 1000	/* account max-recipients bound */

/* What the message content is. */
enum mt_accept_kind {
	MT_ACCEPT_TEXT,		/* UTF-8 text: GSM 03.38 when it fits, else UCS-2 */
	MT_ACCEPT_UCS2,		/* UTF-16BE octets: always sent as UCS-2 */
	MT_ACCEPT_BINARY,	/* 8-bit octets, with an optional UDH */
};

/* A message to accept. Every pointer is borrowed for the call only. */
struct mt_accept_msg {
	const char *acct;		/* authenticated account name */
	const char *const *to;		/* recipients: international digits */
	size_t nto;			/* 1..MT_ACCEPT_RECIPIENTS_MAX */
	const char *from;		/* sender id (already validated) */
	enum mt_accept_kind kind;
	const uint8_t *data;		/* content (see kind) */
	size_t len;
	/* The sender's UDH (UDHL + IEs); NULL = none. BINARY: every part
	 * carries it. TEXT and UCS2: the content is one part of a message the
	 * sender concatenated itself, queued as exactly ONE part with this UDH
	 * (E_TOO_LONG when text and UDH do not fit one SMS); on a link whose
	 * long-message is SAR its concat IE goes in the part's SAR values.
	 * With a concat IE of TOTAL > 1 the part joins the message of the
	 * sender's other parts (same acct, recipient, ref and TOTAL: one id,
	 * whose record has parts = TOTAL; this entry is part SEQ of TOTAL;
	 * P:cat:ACCT:TO:REF:TOTAL, doc/redis-keys.md). */
	const uint8_t *udh;
	size_t udh_len;
	bool ucs2;			/* TEXT: always UCS-2 */
	bool flash;			/* class 0 */
	unsigned max_parts;		/* 0: the link's max-parts; else the
					 * smaller of the two */
	bool dlr;			/* a receipt is wanted */
	const char *mess_id;		/* the customer's id, "" = none */
	const char *dlr_url;		/* per-message URL (Kannel), "" = none */
	const char *dlr_mask;		/* Kannel dlr-mask as text, "" = none */
	long validity_s;		/* seconds; < 0 = none */
	long deferred_s;		/* seconds the SMSC holds it before
					 * delivery; <= 0 = none */
	unsigned priority;		/* SMPP priority_flag 0..3 */
	unsigned mclass;		/* message class 1..3, 0 = none (class
					 * 0 is flash) */
	bool ack;			/* an event when the SMSC accepts it
					 * (Kannel dlr-mask 8) */
	bool interim;			/* with dlr: an event for each distinct
					 * intermediate status (ENROUTE,
					 * ACCEPTD) of its receipts (Kannel
					 * dlr-mask 4, SMPP registered_delivery
					 * 0x10): `im` in P:msg:ID */
	const char *origin;		/* "http" or "smpp" */
	unsigned throughput;		/* the account's messages a second, 0 =
					 * none: every box's accepted messages
					 * of the account, HTTP and SMPP, count
					 * in P:tp:NAME:SECOND (Redis's clock);
					 * a second that has seen any takes no
					 * more than this (E_THROTTLED) */
};

/* Outcomes. The validation ones are returned by mt_accept_submit() at once;
 * the others reach the done callback. */
enum mt_accept_status {
	MT_ACCEPT_OK = 0,
	MT_ACCEPT_E_TOO_LONG = -1,	/* more parts than allowed */
	MT_ACCEPT_E_FORMAT = -2,	/* bad UTF-8, UCS-2 or UDH */
	MT_ACCEPT_E_NO_ROUTE = -3,	/* no route for a recipient */
	MT_ACCEPT_E_ARG = -4,		/* bad message struct (a bug) */
	MT_ACCEPT_E_REDIS = -5,		/* Redis down, lost or answered an error */
	MT_ACCEPT_E_NO_ACCOUNT = -6,	/* the account vanished */
	MT_ACCEPT_E_NO_RATE = -7,	/* no price for a recipient */
	MT_ACCEPT_E_CREDIT = -8,	/* not enough credit for all recipients */
	MT_ACCEPT_E_NOMEM = -9,
	MT_ACCEPT_E_THROTTLED = -10,	/* over the account's throughput */
};

struct mt_accept_result {
	enum mt_accept_status status;
	int64_t cost;		/* units debited (OK) or needed (E_CREDIT) */
	int64_t credit;		/* credit left (OK) or held (E_CREDIT) */
	unsigned parts;		/* parts of one recipient's message (the most) */
	size_t nids;		/* OK: one id per recipient, in order */
	const char *const *ids;	/* decimal message ids, borrowed for the call */
};

typedef void mt_accept_done_fn(const struct mt_accept_result *res, void *arg);

/*
 * Creates the accept step for box b (its loop, Redis and key prefix) with the
 * route table rt (borrowed) and the smsc groups of c (borrowed; both must
 * outlive it). Starts the one-second refresh of the links that are up.
 * Returns NULL when out of memory.
 */
struct mt_accept *mt_accept_new(struct box *b, const struct route_table *rt,
				const struct conf *c);

/* Stops the refresh and frees. Requests already sent to Redis still get
 * their done callback (from the reply). mt_accept_free(NULL) is a no-op. */
void mt_accept_free(struct mt_accept *a);

/*
 * Validates, routes, encodes and splits m and sends the accept script.
 * Returns MT_ACCEPT_OK when sent: done(res, arg) is then called exactly once,
 * later, from the Redis reply (never from inside this call). Otherwise returns
 * a negative mt_accept_status at once (E_TOO_LONG, E_FORMAT, E_NO_ROUTE,
 * E_ARG, E_REDIS when Redis is not connected, E_NOMEM) and done is never
 * called; *parts_out (may be NULL) receives the parts counted so far.
 */
int mt_accept_submit(struct mt_accept *a, const struct mt_accept_msg *m,
		     mt_accept_done_fn *done, void *arg, unsigned *parts_out);

/*
 * Writes the Redis key of account acct ("{prefix}:acct:NAME", the key the
 * accept script debits) into out[0..cap). Returns its length, or -1 when it
 * does not fit. No allocation, no Redis.
 */
int mt_accept_acct_key(const struct mt_accept *a, const char *acct, char *out,
		       size_t cap);

/* True when link id was up at the last refresh. */
bool mt_accept_link_up(const struct mt_accept *a, const char *link);

/* A short English description of a status. */
const char *mt_accept_strerror(int status);

#endif
