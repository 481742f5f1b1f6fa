/*
 * bb_server — the SMPP server (SMSC role) in the bearerbox: listeners,
 * sessions, framing, binds and their count across bearerboxes, enquire_link,
 * unbind, generic_nack and the graceful stop. Submits are in bb_srv_submit.c,
 * receipts and MO out to the customer in bb_srv_deliver.c.
 * SMPP 3.3 and 3.4 (protocols.md §1); doc/smpp-server.md.
 * Layer: bearerbox; loop thread only.
 */
#include "config.h"

#include "bearerbox/bb_server.h"

#include <event2/buffer.h>
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bearerbox/bb_srv_int.h"
#include "shared/codec/conf_schema.h"
#include "shared/codec/route.h"
#include "shared/io/account.h"
#include "shared/io/box.h"
#include "shared/io/conn.h"
#include "shared/io/log.h"
#include "shared/io/loop.h"
#include "shared/io/mt_accept.h"
#include "shared/io/pwhash_pool.h"
#include "shared/io/redis.h"

/*
 * Binds per account across bearerboxes: sorted set P:binds:ACCT, member
 * "BOXID/SESSION", score = expiry (Redis time, ms). A dead bearerbox's binds
 * expire SRV_BIND_TTL_MS after its last refresh.
 * KEYS binds; ARGV max member ttl_ms -> 1 bound, 0 full
 */
static const char lua_bind[] =
"local t = redis.call('TIME')\n"
"local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
"redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)\n"
"if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end\n"
"redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])\n"
"redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))\n"
"return 1\n";

/* KEYS binds; ARGV ttl_ms member... : pushes the expiry of these binds. */
static const char lua_refresh[] =
"local t = redis.call('TIME')\n"
"local exp = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])\n"
"for i = 2, #ARGV do redis.call('ZADD', KEYS[1], exp, ARGV[i]) end\n"
"redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))\n"
"return #ARGV - 1\n";

static void srv_process(struct srv_sess *ss);
static void srv_sess_close(struct srv_sess *ss, const char *why);
static void srv_bind_drop(struct srv_sess *ss);

/* ------------------------------------------------------------ helpers */

unsigned long long srv_now_ms(const struct bb_server *s)
{
	return loop_now_ms(s->b->loop);
}

void srv_hold(struct bb_server *s)
{
	s->refs++;
}

bool srv_release(struct bb_server *s)
{
	s->refs--;
	if (!s->dead)
		return false;
	if (s->refs == 0)
		free(s);
	return true;
}

long long srv_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "{prefix}:" what name, e.g. ("binds:", "acme"). */
int srv_key(const struct bb_server *s, char *buf, size_t cap, const char *what,
	    const char *name)
{
	int n = snprintf(buf, cap, "%s:%s%s", s->b->prefix, what, name);

	if (n < 0 || (size_t)n >= cap) {
		if (cap > 0)
			buf[0] = '\0';
		return -1;
	}
	return n;
}

/* "1.2.3.4:5" or "[::1]:5" -> the address alone. */
static const char *srv_peer_ip(const char *peer, char *buf, size_t cap)
{
	const char *colon = strrchr(peer, ':');
	size_t n = colon ? (size_t)(colon - peer) : strlen(peer);

	if (n >= 2 && peer[0] == '[' && peer[n - 1] == ']') {
		peer++;
		n -= 2;
	}
	if (n >= cap)
		n = cap - 1;
	memcpy(buf, peer, n);
	buf[n] = '\0';
	return buf;
}

static void srv_member(const struct srv_sess *ss, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/%llu", ss->srv->b->id, ss->id);
}

void srv_send(struct srv_sess *ss, const struct smpp_pdu *p)
{
	struct bb_server *s = ss->srv;
	long n;

	if (ss->c == NULL || ss->state == SRV_CLOSED)
		return;
	n = smpp_pdu_encode(p, ss->v33 ? SMPP_F_V33 : 0, s->buf, sizeof(s->buf));
	if (n <= 0) {
		log_error("smpp-server cannot encode pdu=%s err=%ld session=%llu",
			  smpp_command_name(p->command_id), n, ss->id);
		return;
	}
	if (log_enabled(LOG_LEVEL_DEBUG))
		log_hexdump(smpp_command_name(p->command_id), s->buf, (size_t)n);
	if (conn_write(ss->c, s->buf, (size_t)n) != 0)
		log_warn("smpp-server write failed session=%llu", ss->id);
}

void srv_send_status(struct srv_sess *ss, const struct smpp_pdu *req,
		     uint32_t status)
{
	struct smpp_pdu *r = &ss->srv->resp;

	if (smpp_pdu_make_resp(req, status, r) != 0)
		return;
	srv_send(ss, r);
}

static uint32_t srv_next_seq(struct srv_sess *ss)
{
	ss->next_seq = ss->next_seq >= SMPP_SEQ_MAX ? 1 : ss->next_seq + 1;
	return ss->next_seq;
}

/* ------------------------------------------------------------ accounts */

static struct srv_acct *srv_acct_get(struct bb_server *s, const char *name,
				     bool create)
{
	struct srv_acct *a;

	for (a = s->accts; a != NULL; a = a->next)
		if (strcmp(a->name, name) == 0)
			return a;
	if (!create)
		return NULL;
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return NULL;
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->next = s->accts;
	s->accts = a;
	return a;
}

static void srv_acct_release(struct bb_server *s, struct srv_acct *a)
{
	struct srv_acct **pp;

	if (a->binds > 0)
		return;
	for (pp = &s->accts; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == a) {
			*pp = a->next;
			break;
		}
	}
	srv_acct_drop_queue(s, a);
	free(a);
}

/* ------------------------------------------------------------ sessions */

void srv_sess_unref(struct srv_sess *ss)
{
	if (--ss->refs > 0)
		return;
	free(ss);
}

static void srv_unlink(struct srv_sess *ss)
{
	struct bb_server *s = ss->srv;

	if (ss->prev != NULL)
		ss->prev->next = ss->next;
	else
		s->sessions = ss->next;
	if (ss->next != NULL)
		ss->next->prev = ss->prev;
	ss->next = ss->prev = NULL;
}

/* Forgets the bind: Redis count, the account's counters. */
static void srv_unbound(struct srv_sess *ss)
{
	struct bb_server *s = ss->srv;
	struct srv_acct *a = ss->acct;
	char key[ACCOUNT_KEY_MAX], mem[BOX_ID_MAX + 24];

	if (a == NULL)
		return;
	srv_sess_requeue(ss);
	if (ss->aprev != NULL)
		ss->aprev->anext = ss->anext;
	else
		a->sess = ss->anext;
	if (ss->anext != NULL)
		ss->anext->aprev = ss->aprev;
	ss->anext = ss->aprev = NULL;
	if (srv_key(s, key, sizeof(key), "binds:", a->name) > 0) {
		srv_member(ss, mem, sizeof(mem));
		redis_command(s->b->redis, NULL, NULL, "ZREM %s %s", key, mem);
	}
	a->binds--;
	if (ss->mode & SRV_CAN_RX)
		a->rx_binds--;
	s->st.binds--;
	ss->acct = NULL;
	if (a->rx_binds > 0)
		srv_dispatch(s, a);
	srv_acct_release(s, a);
}

static void srv_sess_close(struct srv_sess *ss, const char *why)
{
	struct bb_server *s = ss->srv;

	if (ss->state == SRV_CLOSED)
		return;
	log_info("smpp-server session closed session=%llu peer=%s acct=%s why=%s",
		 ss->id, ss->c ? conn_peer(ss->c) : "-",
		 ss->acct ? ss->acct->name : "-", why);
	srv_unbound(ss);
	srv_bind_drop(ss);
	ss->state = SRV_CLOSED;
	if (ss->c != NULL) {
		conn_close(ss->c);
		ss->c = NULL;
	}
	s->st.conns--;
	srv_unlink(ss);
	srv_sess_unref(ss);
}

static void srv_on_data(struct conn *c, struct evbuffer *in, void *arg)
{
	struct srv_sess *ss = arg;

	(void)c;
	(void)in;
	ss->rx_ms = srv_now_ms(ss->srv);
	srv_process(ss);
}

static void srv_on_end(struct conn *c, enum conn_end why, const char *reason,
		       void *arg)
{
	struct srv_sess *ss = arg;

	(void)c;
	(void)why;
	/* conn_close() frees a live connection; on_end means we free it. */
	conn_free(ss->c);
	ss->c = NULL;
	srv_sess_close(ss, reason ? reason : "closed");
}

static void srv_on_drained(struct conn *c, void *arg)
{
	struct srv_sess *ss = arg;

	if (!ss->out_paused)
		return;
	ss->out_paused = false;
	conn_read_enable(c, true);
	srv_process(ss);
}

static const struct conn_callbacks srv_conn_cb = {
	.on_data = srv_on_data,
	.on_drained = srv_on_drained,
	.on_end = srv_on_end,
};

static void srv_on_accept(struct conn_listener *ls, struct conn *c, void *arg)
{
	struct bb_server *s = arg;
	struct srv_sess *ss;

	(void)ls;
	if (s->stopping || (ss = calloc(1, sizeof(*ss))) == NULL) {
		conn_free(c);
		return;
	}
	ss->srv = s;
	ss->c = c;
	ss->id = ++s->next_id;
	ss->refs = 1;
	ss->born_ms = ss->rx_ms = srv_now_ms(s);
	ss->next = s->sessions;
	if (s->sessions != NULL)
		s->sessions->prev = ss;
	s->sessions = ss;
	s->st.conns++;
	conn_set_read_max(c, SRV_MAX_PDU);
	conn_set_callbacks(c, &srv_conn_cb, ss);
	log_debug("smpp-server connection session=%llu peer=%s tls=%d", ss->id,
		  conn_peer(c), conn_is_tls(c));
}

/* ------------------------------------------------------------ bind */

/*
 * A bind being checked: HGETALL of the account, its state and client
 * address, the password (a cache miss on the pwhash threads: verify is set
 * meanwhile), then the count of binds (a script). The session stays
 * SRV_BINDING, reading on: what it sends before the bind_resp is answered as
 * on an unbound connection. Closed during the password check, the check is
 * cancelled (srv_bind_drop()); closed during a Redis call, that call's
 * callback finds the session SRV_CLOSED.
 */
struct srv_bind {
	struct srv_sess *ss;
	uint32_t command_id, seq;
	uint8_t version;
	char name[ACCOUNT_NAME_MAX];
	char pw[9];
	unsigned max_binds;
	const char *why;		/* a refusal's reason, for the log */
	struct account_verify *verify;
	struct account acct;
};

static void srv_bind_free(struct srv_bind *bd)
{
	struct srv_sess *ss = bd->ss;

	if (ss->bind == bd)
		ss->bind = NULL;
	explicit_bzero(bd->pw, sizeof(bd->pw));
	explicit_bzero(bd->acct.pwhash, sizeof(bd->acct.pwhash));
	free(bd);
	srv_sess_unref(ss);
}

/* The session closes while its password is being checked: no answer. */
static void srv_bind_drop(struct srv_sess *ss)
{
	struct srv_bind *bd = ss->bind;

	if (bd == NULL || bd->verify == NULL)
		return;	/* none, or a Redis callback will find SRV_CLOSED */
	account_verify_cancel(bd->verify);
	bd->verify = NULL;
	srv_bind_free(bd);
}

static void srv_bind_answer(struct srv_bind *bd, uint32_t status)
{
	struct srv_sess *ss = bd->ss;

	if (ss->bind == bd)
		ss->bind = NULL;
	if (ss->state != SRV_CLOSED) {
		struct bb_server *s = ss->srv;
		struct smpp_pdu *r = &s->resp;

		smpp_pdu_init(r, bd->command_id | SMPP_RESP_BIT, bd->seq);
		r->command_status = status;
		if (status == SMPP_ESME_ROK) {
			snprintf(r->system_id, sizeof(r->system_id), "%s",
				 SRV_SYSTEM_ID);
			if (!ss->v33) {
				r->tlv.sc_interface_version = SMPP_VERSION_34;
				smpp_tlv_set(&r->tlv, SMPP_TI_SC_INTERFACE_VERSION);
			}
		} else {
			r->no_body = true;
		}
		srv_send(ss, r);
		if (status == SMPP_ESME_ROK) {
			s->st.bind_ok++;
		} else {
			s->st.bind_fail++;
			log_info("smpp-server bind refused session=%llu acct=%s "
				 "status=%s%s%s", ss->id, bd->name,
				 smpp_status_name(status),
				 bd->why != NULL ? " why=" : "",
				 bd->why != NULL ? bd->why : "");
			if (ss->state == SRV_BINDING)
				ss->state = SRV_OPEN;
		}
	}
	srv_bind_free(bd);
}

static void srv_bind_counted(struct redis *r, struct redisReply *rep, void *arg)
{
	struct srv_bind *bd = arg;
	struct srv_sess *ss = bd->ss;
	struct bb_server *s = ss->srv;
	struct srv_acct *a;

	(void)r;
	if (ss->state == SRV_CLOSED || rep == NULL || rep->type != REDIS_REPLY_INTEGER) {
		srv_bind_answer(bd, SMPP_ESME_RSYSERR);
		return;
	}
	if (rep->integer == 0) {
		srv_bind_answer(bd, SMPP_ESME_RBINDFAIL);
		return;
	}
	if (ss->state != SRV_BINDING || s->stopping ||
	    (a = srv_acct_get(s, bd->name, true)) == NULL) {
		char key[ACCOUNT_KEY_MAX], mem[BOX_ID_MAX + 24];

		if (srv_key(s, key, sizeof(key), "binds:", bd->name) > 0) {
			srv_member(ss, mem, sizeof(mem));
			redis_command(s->b->redis, NULL, NULL, "ZREM %s %s", key,
				      mem);
		}
		srv_bind_answer(bd, SMPP_ESME_RBINDFAIL);
		return;
	}
	ss->acct = a;
	ss->anext = a->sess;
	if (a->sess != NULL)
		a->sess->aprev = ss;
	a->sess = ss;
	ss->state = SRV_BOUND;
	ss->mode = bd->command_id == SMPP_BIND_TRANSMITTER ? SRV_CAN_TX :
		   bd->command_id == SMPP_BIND_RECEIVER ? SRV_CAN_RX :
		   SRV_CAN_TX | SRV_CAN_RX;
	a->binds++;
	a->rec = bd->acct;
	explicit_bzero(a->rec.pwhash, sizeof(a->rec.pwhash));
	if (a->binds == 1) {
		a->tokens = a->rec.throughput;
		a->tokens_ms = srv_now_ms(s);
	}
	s->st.binds++;
	log_info("smpp-server bound session=%llu acct=%s mode=%s version=%s "
		 "peer=%s", ss->id, a->name,
		 smpp_command_name(bd->command_id), ss->v33 ? "3.3" : "3.4",
		 ss->c ? conn_peer(ss->c) : "-");
	srv_bind_answer(bd, SMPP_ESME_ROK);
	if (ss->mode & SRV_CAN_RX) {
		a->rx_binds++;
		srv_acct_rx_up(s, a);
	}
}

/* True when the HGETALL reply holds field f (else the server's default). */
static bool srv_has_field(const struct redisReply *rep, const char *f)
{
	size_t i;

	for (i = 0; i + 1 < rep->elements; i += 2)
		if (rep->element[i]->type == REDIS_REPLY_STRING &&
		    strcmp(rep->element[i]->str, f) == 0)
			return true;
	return false;
}

/* The password is right: count the bind against the account's limit. */
static void srv_bind_count(struct srv_bind *bd)
{
	struct srv_sess *ss = bd->ss;
	struct bb_server *s = ss->srv;
	char key[ACCOUNT_KEY_MAX], mem[BOX_ID_MAX + 24], max[16], ttl[16];
	const char *argv[4];

	if (srv_key(s, key, sizeof(key), "binds:", bd->name) < 0) {
		srv_bind_answer(bd, SMPP_ESME_RSYSERR);
		return;
	}
	srv_member(ss, mem, sizeof(mem));
	snprintf(max, sizeof(max), "%u", bd->max_binds);
	snprintf(ttl, sizeof(ttl), "%d", SRV_BIND_TTL_MS);
	argv[0] = key;
	argv[1] = max;
	argv[2] = mem;
	argv[3] = ttl;
	if (redis_script_call(s->b->redis, s->s_bind, srv_bind_counted, bd, 1, 4,
			      argv, NULL) != 0)
		srv_bind_answer(bd, SMPP_ESME_RSYSERR);
}

/* The password check's result, on the loop (never for a closed session:
 * srv_bind_drop() cancels it). */
static void srv_bind_verified(int rc, void *arg)
{
	struct srv_bind *bd = arg;

	bd->verify = NULL;
	if (rc != 1) {
		srv_bind_answer(bd, SMPP_ESME_RINVPASWD);
		return;
	}
	srv_bind_count(bd);
}

/* The account's state and the client's address: checked before any hash. */
static bool srv_bind_allowed(struct srv_bind *bd)
{
	struct srv_sess *ss = bd->ss;
	char ip[64];

	if (!bd->acct.enabled) {
		bd->why = "disabled";
		return false;
	}
	if (ss->c == NULL ||
	    !account_ip_allowed(&bd->acct, srv_peer_ip(conn_peer(ss->c), ip,
							sizeof(ip)))) {
		bd->why = "address";
		return false;
	}
	return true;
}

static void srv_bind_loaded(struct redis *r, struct redisReply *rep, void *arg)
{
	struct srv_bind *bd = arg;
	struct srv_sess *ss = bd->ss;
	struct bb_server *s = ss->srv;
	char err[64];
	int rc;

	(void)r;
	if (ss->state == SRV_CLOSED || rep == NULL ||
	    rep->type != REDIS_REPLY_ARRAY) {
		srv_bind_answer(bd, SMPP_ESME_RSYSERR);
		return;
	}
	rc = account_from_reply(&bd->acct, bd->name, rep, err, sizeof(err));
	if (rc == 1) {
		srv_bind_answer(bd, SMPP_ESME_RINVSYSID);
		return;
	}
	if (rc != 0) {
		log_warn("smpp-server account record invalid acct=%s field=%s",
			 bd->name, err);
		srv_bind_answer(bd, SMPP_ESME_RBINDFAIL);
		return;
	}
	if (!srv_bind_allowed(bd)) {
		srv_bind_answer(bd, SMPP_ESME_RBINDFAIL);
		return;
	}
	bd->max_binds = srv_has_field(rep, ACCOUNT_F_MAX_BINDS) ?
			bd->acct.max_binds : s->max_binds;
	rc = account_verify_start(s->pwc, s->pwpool, bd->name, bd->acct.pwhash,
				  bd->pw, strlen(bd->pw), srv_now_ms(s),
				  srv_bind_verified, bd, &bd->verify);
	explicit_bzero(bd->pw, sizeof(bd->pw));
	if (rc == ACCOUNT_VERIFY_PENDING)
		return;
	if (rc == ACCOUNT_VERIFY_BUSY) {
		bd->why = "password checks busy";
		srv_bind_answer(bd, SMPP_ESME_RBINDFAIL);
		return;
	}
	if (rc != 1) {
		srv_bind_answer(bd, SMPP_ESME_RINVPASWD);
		return;
	}
	srv_bind_count(bd);
}

static void srv_on_bind(struct srv_sess *ss, const struct smpp_pdu *p)
{
	struct bb_server *s = ss->srv;
	struct srv_bind *bd;
	char key[ACCOUNT_KEY_MAX];
	size_t n = strlen(p->system_id);

	if (ss->state != SRV_OPEN) {
		srv_send_status(ss, p, SMPP_ESME_RALYBND);
		return;
	}
	ss->v33 = p->interface_version < SMPP_VERSION_34;
	if (!account_name_valid(p->system_id, n)) {
		srv_send_status(ss, p, SMPP_ESME_RINVSYSID);
		s->st.bind_fail++;
		return;
	}
	bd = calloc(1, sizeof(*bd));
	if (bd == NULL || srv_key(s, key, sizeof(key), "acct:",
				  p->system_id) < 0) {
		free(bd);
		srv_send_status(ss, p, SMPP_ESME_RSYSERR);
		return;
	}
	bd->ss = ss;
	bd->command_id = p->command_id;
	bd->seq = p->sequence_number;
	bd->version = p->interface_version;
	memcpy(bd->name, p->system_id, n + 1);
	snprintf(bd->pw, sizeof(bd->pw), "%s", p->password);
	if (redis_command(s->b->redis, srv_bind_loaded, bd, "HGETALL %s",
			  key) != 0) {
		explicit_bzero(bd->pw, sizeof(bd->pw));
		free(bd);
		srv_send_status(ss, p, SMPP_ESME_RSYSERR);
		return;
	}
	ss->refs++;
	ss->state = SRV_BINDING;
	ss->bind = bd;
}

/* ------------------------------------------------------------ PDUs */

static void srv_on_unbind(struct srv_sess *ss, const struct smpp_pdu *p)
{
	srv_send_status(ss, p, SMPP_ESME_ROK);
	srv_sess_close(ss, "unbind");
}

static void srv_on_resp(struct srv_sess *ss, const struct smpp_pdu *p)
{
	switch (p->command_id) {
	case SMPP_ENQUIRE_LINK_RESP:
		ss->el_out = false;
		break;
	case SMPP_DELIVER_SM_RESP:
		srv_on_deliver_resp(ss, p);
		break;
	case SMPP_UNBIND_RESP:
		srv_sess_close(ss, "unbind_resp");
		break;
	case SMPP_GENERIC_NACK:
		log_info("smpp-server generic_nack from customer session=%llu "
			 "status=%s seq=%u", ss->id,
			 smpp_status_name(p->command_status),
			 p->sequence_number);
		break;
	default:
		break;
	}
}

/* A request that needs a bind to be valid: the state check of §2.3. */
static bool srv_need_bound(struct srv_sess *ss, const struct smpp_pdu *p,
			   unsigned mode)
{
	if (ss->state == SRV_BOUND && (ss->mode & mode))
		return true;
	srv_send_status(ss, p, SMPP_ESME_RINVBNDSTS);
	return false;
}

static void srv_handle(struct srv_sess *ss, const struct smpp_pdu *p)
{
	if (p->command_id & SMPP_RESP_BIT) {
		srv_on_resp(ss, p);
		return;
	}
	switch (p->command_id) {
	case SMPP_BIND_RECEIVER:
	case SMPP_BIND_TRANSMITTER:
	case SMPP_BIND_TRANSCEIVER:
		srv_on_bind(ss, p);
		break;
	case SMPP_ENQUIRE_LINK:
		srv_send_status(ss, p, SMPP_ESME_ROK);
		break;
	case SMPP_UNBIND:
		srv_on_unbind(ss, p);
		break;
	case SMPP_SUBMIT_SM:
	case SMPP_DATA_SM:
	case SMPP_SUBMIT_MULTI:
		if (srv_need_bound(ss, p, SRV_CAN_TX))
			srv_on_submit(ss, p);
		break;
	case SMPP_QUERY_SM:
		if (srv_need_bound(ss, p, SRV_CAN_TX))
			srv_on_query(ss, p);
		break;
	case SMPP_CANCEL_SM:
		if (srv_need_bound(ss, p, SRV_CAN_TX))
			srv_on_cancel(ss, p);
		break;
	case SMPP_REPLACE_SM:
		if (srv_need_bound(ss, p, SRV_CAN_TX))
			srv_send_status(ss, p, SMPP_ESME_RREPLACEFAIL);
		break;
	default: {
		/* deliver_sm, outbind, alert_notification, the 3.3-only queries:
		 * not something a customer sends to an SMSC. */
		struct smpp_pdu *r = &ss->srv->resp;

		smpp_pdu_init(r, SMPP_GENERIC_NACK, p->sequence_number);
		r->command_status = SMPP_ESME_RINVCMDID;
		r->no_body = true;
		srv_send(ss, r);
		break;
	}
	}
}

/* Answers a PDU the codec refused, as err says. Returns false to stop. */
static bool srv_bad_pdu(struct srv_sess *ss, const struct smpp_error *err)
{
	struct bb_server *s = ss->srv;
	long n = smpp_pdu_encode_error_answer(err, s->buf, sizeof(s->buf));

	log_info("smpp-server bad pdu session=%llu acct=%s cmd=0x%08x code=%d "
		 "status=%s", ss->id, ss->acct ? ss->acct->name : "-",
		 err->command_id, err->code, smpp_status_name(err->status));
	if (n > 0 && ss->c != NULL)
		conn_write(ss->c, s->buf, (size_t)n);
	if (err->disconnect) {
		srv_sess_close(ss, "framing lost");
		return false;
	}
	return true;
}

/* Binds and outbind carry a password: never dumped. */
static bool srv_has_password(const uint8_t *hdr)
{
	uint32_t id = (uint32_t)hdr[4] << 24 | (uint32_t)hdr[5] << 16 |
		      (uint32_t)hdr[6] << 8 | hdr[7];

	return id == SMPP_BIND_RECEIVER || id == SMPP_BIND_TRANSMITTER ||
	       id == SMPP_BIND_TRANSCEIVER || id == SMPP_OUTBIND;
}

/* Parses and handles every whole PDU in the input buffer. */
static void srv_process(struct srv_sess *ss)
{
	struct bb_server *s = ss->srv;
	struct smpp_error err;
	struct evbuffer *in;
	uint8_t hdr[SMPP_HEADER_LEN];
	long n, d;

	ss->refs++;
	while (ss->c != NULL && ss->state != SRV_CLOSED) {
		if (conn_output_len(ss->c) > SRV_OUT_MAX) {
			/* The customer does not read its answers: stop reading
			 * its requests until our output drains. */
			ss->out_paused = true;
			conn_read_enable(ss->c, false);
			break;
		}
		in = conn_input(ss->c);
		size_t have = evbuffer_get_length(in);
		ssize_t got = evbuffer_copyout(in, hdr, sizeof(hdr));

		if (got <= 0)
			break;
		memset(&err, 0, sizeof(err));
		n = smpp_pdu_frame(hdr, (size_t)got, SRV_MAX_PDU, &err);
		if (n < 0) {
			srv_bad_pdu(ss, &err);
			srv_sess_close(ss, "bad command_length");
			break;
		}
		if (got < SMPP_HEADER_LEN)
			break;
		/* frame() checked the length; it answers 0 until all is in. */
		n = (long)((uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
			   (uint32_t)hdr[2] << 8 | hdr[3]);
		if (have < (size_t)n)
			break;
		const uint8_t *p = evbuffer_pullup(in, n);

		if (p == NULL) {
			srv_sess_close(ss, "out of memory");
			break;
		}
		if (log_enabled(LOG_LEVEL_DEBUG) && !srv_has_password(hdr))
			log_hexdump("smpp-server in", p, (size_t)n);
		memset(&err, 0, sizeof(err));
		d = smpp_pdu_decode(p, (size_t)n, &s->pdu,
				    ss->v33 ? SMPP_F_V33 | SMPP_F_V33_LAX : 0,
				    &err);
		if (d < 0) {
			if (!srv_bad_pdu(ss, &err))
				break;
			evbuffer_drain(in, err.skip ? err.skip : (size_t)n);
			continue;
		}
		srv_handle(ss, &s->pdu);
		if (ss->c != NULL)
			evbuffer_drain(in, (size_t)n);
	}
	srv_sess_unref(ss);
}

/* ------------------------------------------------------------ timers */

static void srv_enquire(struct srv_sess *ss, unsigned long long now)
{
	struct bb_server *s = ss->srv;
	struct smpp_pdu *r = &s->resp;

	if (ss->el_out) {
		if (now - ss->el_ms > (unsigned long long)s->enquire_ms)
			srv_sess_close(ss, "enquire_link timeout");
		return;
	}
	if (now - ss->rx_ms < (unsigned long long)s->enquire_ms)
		return;
	smpp_pdu_init(r, SMPP_ENQUIRE_LINK, srv_next_seq(ss));
	srv_send(ss, r);
	ss->el_out = true;
	ss->el_ms = now;
}

/* Pushes the expiry of this bearerbox's binds in P:binds:ACCT. */
static void srv_refresh(struct bb_server *s)
{
	struct srv_acct *a;
	struct srv_sess *ss;
	char key[ACCOUNT_KEY_MAX], ttl[16];
	char (*mem)[BOX_ID_MAX + 24];
	const char **argv;

	for (a = s->accts; a != NULL; a = a->next) {
		unsigned n = 0;

		if (a->binds == 0 ||
		    srv_key(s, key, sizeof(key), "binds:", a->name) < 0)
			continue;
		mem = calloc(a->binds, sizeof(*mem));
		argv = calloc(a->binds + 2, sizeof(*argv));
		if (mem == NULL || argv == NULL) {
			free(mem);
			free(argv);
			return;
		}
		snprintf(ttl, sizeof(ttl), "%d", SRV_BIND_TTL_MS);
		argv[0] = key;
		argv[1] = ttl;
		for (ss = a->sess; ss != NULL && n < a->binds; ss = ss->anext) {
			srv_member(ss, mem[n], sizeof(mem[n]));
			argv[2 + n] = mem[n];
			n++;
		}
		redis_script_call(s->b->redis, s->s_refresh, NULL, NULL, 1,
				  (int)n + 2, argv, NULL);
		free(mem);
		free(argv);
	}
}

static void srv_on_tick(struct loop_timer *t, void *arg)
{
	struct bb_server *s = arg;
	struct srv_sess *ss, *next;
	unsigned long long now = srv_now_ms(s);

	(void)t;
	for (ss = s->sessions; ss != NULL; ss = next) {
		next = ss->next;
		if (ss->state == SRV_OPEN &&
		    now - ss->born_ms > SRV_BIND_TIMEOUT_MS)
			srv_sess_close(ss, "no bind");
		else if (ss->state == SRV_BOUND)
			srv_enquire(ss, now);
	}
	if (now - s->refresh_ms >= SRV_BIND_REFRESH_MS) {
		s->refresh_ms = now;
		srv_refresh(s);
	}
	srv_deliver_tick(s, now);
}

/* ------------------------------------------------------------ life */

static struct conn_listener *srv_listen(struct bb_server *s, const char *addr,
					int port, struct conn_tls *tls)
{
	struct conn_listen_opts o = {
		.addr = addr,
		.port = port,
		.tls = tls,
		.read_max = SRV_MAX_PDU,
	};

	return conn_listen(s->b->loop, &o, srv_on_accept, s);
}

static int srv_setup(struct bb_server *s, const struct conf_group *g)
{
	const char *addr = conf_schema_get_str(g, "interface");
	long long port = conf_schema_get_int(g, "port");

	s->pwc = account_pwcache_new(0, 0);
	s->pwpool = pwhash_pool_new(loop_base(s->b->loop),
		(unsigned)conf_schema_get_int(s->b->core, "pwhash-threads"),
		(unsigned)conf_schema_get_int(s->b->core, "pwhash-queue"));
	s->rt = route_table_new(s->conf);
	s->s_bind = redis_script_new(s->b->redis, lua_bind);
	s->s_refresh = redis_script_new(s->b->redis, lua_refresh);
	s->tick = loop_timer_new(s->b->loop, srv_on_tick, s);
	if (s->pwc == NULL || s->pwpool == NULL || s->rt == NULL ||
	    s->s_bind == NULL ||
	    s->s_refresh == NULL || s->tick == NULL)
		return -1;
	s->acc = mt_accept_new(s->b, s->rt, s->conf);
	if (s->acc == NULL || srv_submit_init(s) != 0 ||
	    srv_deliver_init(s) != 0)
		return -1;
	if (addr != NULL && addr[0] == '\0')
		addr = NULL;
	s->ls = srv_listen(s, addr, (int)port, NULL);
	if (s->ls == NULL)
		return -1;
	if (conf_group_kv(g, "tls-port") != NULL) {
		s->tls = conn_tls_server_new(conf_schema_get_str(g, "tls-cert"),
					     conf_schema_get_str(g, "tls-key"));
		if (s->tls == NULL)
			return -1;
		s->tls_ls = srv_listen(s, addr,
				       (int)conf_schema_get_int(g, "tls-port"),
				       s->tls);
		if (s->tls_ls == NULL)
			return -1;
	}
	return loop_timer_start(s->tick, 1000, true);
}

struct bb_server *bb_server_new(struct box *b, const struct conf *c)
{
	const struct conf_group *g = conf_group_find(c, "smpp-server");
	struct bb_server *s;

	if (g == NULL) {
		log_info("smpp-server not configured (no group smpp-server)");
		return NULL;
	}
	if (conf_schema_get_int(g, "port") <= 0) {
		log_info("smpp-server disabled (port 0)");
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		log_error("smpp-server out of memory");
		return NULL;
	}
	s->b = b;
	s->conf = c;
	s->enquire_ms = conf_schema_get_duration_ms(g, "enquire-link-interval");
	s->receipt_ttl_ms = conf_schema_get_duration_ms(g, "receipt-ttl");
	s->max_binds = (unsigned)conf_schema_get_int(g, "max-binds");
	if (srv_setup(s, g) != 0) {
		log_error("smpp-server cannot start");
		bb_server_free(s);
		return NULL;
	}
	log_info("smpp-server listening port=%d tls-port=%d",
		 conn_listener_port(s->ls),
		 s->tls_ls ? conn_listener_port(s->tls_ls) : 0);
	return s;
}

int bb_server_port(const struct bb_server *s)
{
	return s && s->ls ? conn_listener_port(s->ls) : 0;
}

void bb_server_stats(const struct bb_server *s, struct bb_server_stats *out)
{
	*out = s->st;
}

static void srv_stop_finish(struct bb_server *s)
{
	struct srv_sess *ss;
	void (*done)(void *) = s->stop_done;

	if (done == NULL)
		return;
	while ((ss = s->sessions) != NULL)
		srv_sess_close(ss, "stopping");
	s->stop_done = NULL;
	done(s->stop_arg);
}

static void srv_stop_check(struct loop_timer *t, void *arg)
{
	struct bb_server *s = arg;
	struct srv_sess *ss;
	bool busy = false;

	(void)t;
	for (ss = s->sessions; ss != NULL; ss = ss->next)
		if (ss->pending > 0 || ss->state == SRV_BINDING ||
		    ss->state == SRV_UNBINDING)
			busy = true;
	if (!busy || srv_now_ms(s) - s->stop_ms > 3000)
		srv_stop_finish(s);
}

void bb_server_stop(struct bb_server *s, void (*done)(void *), void *arg)
{
	struct srv_sess *ss, *next;

	s->stopping = true;
	s->stop_done = done;
	s->stop_arg = arg;
	conn_listener_free(s->ls);
	conn_listener_free(s->tls_ls);
	s->ls = s->tls_ls = NULL;
	for (ss = s->sessions; ss != NULL; ss = next) {
		next = ss->next;
		if (ss->state == SRV_OPEN) {
			srv_sess_close(ss, "stopping");
		} else if (ss->state == SRV_BOUND) {
			struct smpp_pdu *r = &s->resp;

			smpp_pdu_init(r, SMPP_UNBIND, srv_next_seq(ss));
			srv_send(ss, r);
			ss->unbind_seq = r->sequence_number;
			ss->state = SRV_UNBINDING;
		}
	}
	loop_timer_stop(s->tick);
	s->stop_ms = srv_now_ms(s);
	s->stop_timer = loop_timer_new(s->b->loop, srv_stop_check, s);
	if (s->stop_timer == NULL ||
	    loop_timer_start(s->stop_timer, 50, true) != 0)
		srv_stop_finish(s);
}

void bb_server_free(struct bb_server *s)
{
	struct srv_sess *ss;

	if (s == NULL)
		return;
	while ((ss = s->sessions) != NULL)
		srv_sess_close(ss, "shutdown");
	loop_timer_free(s->tick);
	srv_deliver_fini(s);
	loop_timer_free(s->stop_timer);
	conn_listener_free(s->ls);
	conn_listener_free(s->tls_ls);
	conn_tls_free(s->tls);
	srv_submit_fini(s);
	mt_accept_free(s->acc);
	route_table_free(s->rt);
	account_pwcache_free(s->pwc);
	pwhash_pool_free(s->pwpool);
	while (s->accts != NULL) {
		struct srv_acct *a = s->accts;

		s->accts = a->next;
		srv_acct_drop_queue(s, a);
		free(a);
	}
	s->dead = true;
	if (s->refs == 0)
		free(s);
}
