/*
 * bb_srv_int — the internals shared by the files of the SMPP server
 * (bb_server.c: listeners, sessions, binds; bb_srv_submit.c: submit_sm,
 * data_sm, submit_multi, query_sm, cancel_sm; bb_srv_deliver.c: receipts and
 * MO out of Redis as deliver_sm). Not a public API: only these files include it.
 *
 * Layer: bearerbox; loop thread only.
 */
#ifndef HERMOD_BB_SRV_INT_H
#define HERMOD_BB_SRV_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bearerbox/bb_server.h"
#include "shared/codec/smpp_pdu.h"
#include "shared/io/account.h"

struct conn;
struct conn_listener;
struct pwhash_pool;
struct srv_bind;
struct conn_tls;
struct loop_timer;
struct mt_accept;
struct redis_script;
struct route_table;

#define SRV_DLV_WINDOW 10	/* deliver_sm awaiting deliver_sm_resp per bind */
#define SRV_DLV_TIMEOUT_MS 30000	/* no deliver_sm_resp: send again */
#define SRV_BIND_TIMEOUT_MS 30000	/* connected, no bind yet: close */
#define SRV_BIND_TTL_MS 15000		/* a bind's entry in P:binds:ACCT */
#define SRV_BIND_REFRESH_MS 5000
#define SRV_CLAIM_IDLE_MS 30000		/* XAUTOCLAIM: entries idle this long */
#define SRV_QUEUE_MAX 2048	/* items held in memory per account */
#define SRV_READ_COUNT 256	/* entries per stream per XREADGROUP */
#define SRV_ACK_BATCH 256	/* answered entries acknowledged at once */
#define SRV_MAX_PDU 70000
#define SRV_OUT_MAX (256 * 1024)	/* unsent output: stop reading */
#define SRV_SYSTEM_ID "hermod"
#define SRV_TEXT_MAX 4096		/* octets of one submitted message */
#define SRV_UDH_MAX 140			/* UDHL + IEs (udh.h UDH_MAX_LEN) */

enum srv_state {
	SRV_OPEN = 0,	/* connected, not bound */
	SRV_BINDING,	/* bind being checked (Redis, password); PDUs are
			 * answered as on an unbound connection */
	SRV_BOUND,
	SRV_UNBINDING,	/* we sent unbind (stopping) */
	SRV_CLOSED,	/* connection gone; freed when refs reach 0 */
};

#define SRV_CAN_TX 0x1
#define SRV_CAN_RX 0x2

/* A receipt or MO read from Redis, waiting for or on its way to a bind. */
struct srv_item {
	struct srv_item *next;
	bool mo;
	bool ready;		/* receipt: P:msg:ID fields are in */
	bool interim;		/* receipt: an intermediate status (`im`) */
	uint32_t seq;		/* first deliver_sm sequence while outstanding */
	uint8_t parts, acked;	/* deliver_sm sent for it / answered OK */
	unsigned long long sent_ms;
	char entry[48];		/* stream entry id */
	char id[24];		/* receipt: Hermod's message id */
	char to[24], from[24];
	char stat[16], err[16];
	long long ts, submit_ts;	/* unix ms */
	size_t text_len;	/* MO: UTF-8 text */
	uint8_t dcs;
	char text[];
};

/* An account with binds on this bearerbox. */
struct srv_acct {
	struct srv_acct *next;
	char name[ACCOUNT_NAME_MAX];
	unsigned binds, rx_binds;
	struct account rec;		/* the record read at the last bind */
	double tokens;
	unsigned long long tokens_ms;
	bool groups_ok;			/* consumer groups created */
	bool groups_pending;
	unsigned long long claim_ms;	/* last XAUTOCLAIM */
	struct srv_item *q, *q_tail;	/* waiting for a bind with room */
	unsigned nq;
	struct srv_sess *sess;		/* its bound sessions (anext) */
	struct srv_acks *acks[2];	/* answered, not yet XACKed: ev, mo */
};

struct srv_sess {
	struct srv_sess *next, *prev;	/* every session of the server */
	struct srv_sess *anext, *aprev;	/* the bound sessions of acct */
	struct bb_server *srv;
	struct conn *c;
	struct srv_acct *acct;
	unsigned long long id;
	unsigned long long born_ms, rx_ms, el_ms;
	uint8_t state;
	uint8_t mode;			/* SRV_CAN_TX | SRV_CAN_RX */
	bool v33;
	bool el_out;			/* our enquire_link awaits its resp */
	bool out_paused;		/* reading stopped: output too big */
	unsigned refs;			/* Redis replies that point here */
	unsigned pending;		/* submits awaiting Redis */
	struct srv_bind *bind;		/* while SRV_BINDING */
	uint32_t next_seq;
	uint32_t unbind_seq;
	struct srv_item *out;		/* deliver_sm awaiting resp */
	unsigned nout;
};

struct bb_server {
	struct box *b;
	const struct conf *conf;
	struct conn_listener *ls, *tls_ls;
	struct conn_tls *tls;
	struct account_pwcache *pwc;
	struct pwhash_pool *pwpool;	/* password checks off the loop */
	struct route_table *rt;
	struct mt_accept *acc;
	struct redis_script *s_bind, *s_refresh, *s_ack, *s_cancel;
	struct loop_timer *tick, *poll, *stop_timer;
	struct srv_sess *sessions;
	struct srv_acct *accts;
	unsigned long long next_id;
	unsigned long long refresh_ms, stop_ms;
	unsigned refs;			/* server-level Redis replies pending */
	bool dead;			/* freed while replies were pending */
	long long enquire_ms, receipt_ttl_ms;
	unsigned max_binds;
	bool polling;			/* an XREADGROUP is in flight */
	bool poll_more;			/* the last one returned entries */
	unsigned nfetch;		/* receipts waiting for P:msg:ID */
	struct loop_timer *ack_timer;	/* flushes the acks of this turn */
	bool stopping;
	void (*stop_done)(void *);
	void *stop_arg;
	struct bb_server_stats st;
	struct smpp_pdu pdu;		/* scratch: the PDU being handled */
	struct smpp_pdu resp;		/* scratch: the PDU being sent */
	uint8_t buf[SRV_MAX_PDU];	/* scratch for encode */
	uint8_t text[SRV_TEXT_MAX * 3 + 1];	/* scratch: message as UTF-8 */
	uint8_t udh[SRV_UDH_MAX];	/* scratch: a UDH made of SAR TLVs */
};

/* bb_server.c */
void srv_send(struct srv_sess *ss, const struct smpp_pdu *p);
void srv_send_status(struct srv_sess *ss, const struct smpp_pdu *req,
		     uint32_t status);
void srv_sess_unref(struct srv_sess *ss);
unsigned long long srv_now_ms(const struct bb_server *s);
/* Server-level Redis callbacks: srv_hold() before sending, and the callback
 * starts with `if (srv_release(s)) return;` (true: the server is gone). */
void srv_hold(struct bb_server *s);
bool srv_release(struct bb_server *s);
long long srv_wall_ms(void);
/* "{prefix}:" what name into buf; the length, or -1 when it does not fit. */
int srv_key(const struct bb_server *s, char *buf, size_t cap, const char *what,
	    const char *name);

/* bb_srv_submit.c */
int srv_submit_init(struct bb_server *s);
void srv_submit_fini(struct bb_server *s);
void srv_on_submit(struct srv_sess *ss, const struct smpp_pdu *p);
void srv_on_query(struct srv_sess *ss, const struct smpp_pdu *p);
void srv_on_cancel(struct srv_sess *ss, const struct smpp_pdu *p);
/* Formats Hermod id (decimal) as the bind shows it (3.3: hex). */
int srv_id_out(const struct srv_sess *ss, const char *id, char *dst,
	       size_t cap);

/* bb_srv_deliver.c */
int srv_deliver_init(struct bb_server *s);
void srv_acct_rx_up(struct bb_server *s, struct srv_acct *a);
void srv_on_deliver_resp(struct srv_sess *ss, const struct smpp_pdu *p);
void srv_sess_requeue(struct srv_sess *ss);
void srv_deliver_tick(struct bb_server *s, unsigned long long now);
void srv_dispatch(struct bb_server *s, struct srv_acct *a);
void srv_acct_drop_queue(struct bb_server *s, struct srv_acct *a);
void srv_deliver_fini(struct bb_server *s);

#endif
