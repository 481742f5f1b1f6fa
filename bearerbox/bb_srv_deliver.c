/*
 * bb_srv_deliver — receipts and MO out of Redis to the customer's receiver
 * and transceiver binds as deliver_sm. Reads P:ev:smpp:ACCT (final status
 * events written by bb_dlr, and intermediate ones, `im` = 1, for messages
 * submitted with registered_delivery 0x10) and P:mo:smpp:ACCT (complete MO
 * for the account's long numbers) through consumer group "smpp-server", only
 * for accounts that hold such a bind on this bearerbox; acknowledges an entry
 * only after the customer's deliver_sm_resp (XACK in batches, then the stream
 * is trimmed below its oldest entry not yet acknowledged); claims
 * entries idle for 30 s from any consumer (a bearerbox that died, a bind that
 * dropped) and sends them again. Entries older than receipt-ttl are trimmed.
 * Receipt text per SMPP 3.4 Appendix B (dlr_text.h); doc/smpp-server.md.
 * Layer: bearerbox; loop thread only.
 */
#include "config.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bearerbox/bb_srv_int.h"
#include "shared/codec/dlr_text.h"
#include "shared/codec/msgrec.h"
#include "shared/codec/latin1.h"
#include "shared/codec/ucs2.h"
#include "shared/io/box.h"
#include "shared/io/log.h"
#include "shared/io/loop.h"
#include "shared/io/redis.h"

#define SRV_GROUP "smpp-server"
#define SRV_POLL_MS 200
#define SRV_CLAIM_EVERY_MS 10000
#define SRV_RETRY_MS 5000	/* customer answered "try later" */
#define SRV_MO_TEXT_MAX 16384

/*
 * KEYS stream; ARGV group entry...: these entries are done. XACK, then the
 * stream is trimmed (XTRIM MINID) below its oldest entry still pending in
 * the group, or, with none pending, past the newest entry acknowledged here:
 * everything below was read and acknowledged. Trimming drops whole listpack
 * nodes; XDEL of each entry cost ~3 us of Redis time per entry.
 */
static const char lua_ack[] =
"redis.call('XACK', KEYS[1], ARGV[1], unpack(ARGV, 2))\n"
"local min = redis.call('XPENDING', KEYS[1], ARGV[1])[2]\n"
"if not min then\n"
"  local ms, sq = -1, -1\n"
"  for i = 2, #ARGV do\n"
"    local a, b = string.match(ARGV[i], '^(%d+)-(%d+)$')\n"
"    a, b = tonumber(a), tonumber(b)\n"
"    if a and (a > ms or (a == ms and b > sq)) then ms, sq = a, b end\n"
"  end\n"
"  if ms < 0 then return 0 end\n"
"  min = string.format('%d-%d', ms, sq + 1)\n"
"end\n"
"redis.call('XTRIM', KEYS[1], 'MINID', min)\n"
"return #ARGV - 1\n";

/* Entries of one stream answered by the customer, acknowledged together at
 * the end of the loop turn (or when SRV_ACK_BATCH are waiting). */
struct srv_acks {
	unsigned n;
	char entry[SRV_ACK_BATCH][48];
};

static void srv_on_poll(struct loop_timer *t, void *arg);
static void srv_poll(struct bb_server *s);
static void srv_read_own(struct bb_server *s, struct srv_acct *a);

/* ------------------------------------------------------------ queue */

static void srv_item_free_list(struct srv_item *it)
{
	while (it != NULL) {
		struct srv_item *n = it->next;

		free(it);
		it = n;
	}
}

/* Copies the string src into dst[cap], cut to fit (snprintf "%s" without
 * the format parsing: this runs several times per receipt). */
static void srv_copy(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void srv_acks_flush(struct bb_server *s, struct srv_acct *a, bool mo);

void srv_acct_drop_queue(struct bb_server *s, struct srv_acct *a)
{
	for (int k = 0; k < 2; k++) {
		srv_acks_flush(s, a, k == 1);
		free(a->acks[k]);
		a->acks[k] = NULL;
	}
	srv_item_free_list(a->q);
	a->q = a->q_tail = NULL;
	a->nq = 0;
}

static void srv_q_push(struct srv_acct *a, struct srv_item *it, bool front)
{
	it->next = NULL;
	if (a->q == NULL) {
		a->q = a->q_tail = it;
	} else if (front) {
		it->next = a->q;
		a->q = it;
	} else {
		a->q_tail->next = it;
		a->q_tail = it;
	}
	a->nq++;
}

static struct srv_acct *srv_acct_find(struct bb_server *s, const char *name)
{
	struct srv_acct *a;

	for (a = s->accts; a != NULL; a = a->next)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

/* True when entry is already held in memory for a (queue or in flight). */
static bool srv_held(const struct srv_acct *a, const char *entry, bool mo)
{
	struct srv_item *it;
	struct srv_sess *ss;

	for (it = a->q; it != NULL; it = it->next)
		if (it->mo == mo && strcmp(it->entry, entry) == 0)
			return true;
	for (ss = a->sess; ss != NULL; ss = ss->anext) {
		for (it = ss->out; it != NULL; it = it->next)
			if (it->mo == mo && strcmp(it->entry, entry) == 0)
				return true;
	}
	return false;
}

void srv_sess_requeue(struct srv_sess *ss)
{
	struct srv_item *it, *next;

	if (ss->acct == NULL)
		return;
	for (it = ss->out; it != NULL; it = next) {
		next = it->next;
		srv_q_push(ss->acct, it, true);
	}
	ss->out = NULL;
	ss->nout = 0;
}

/* One script call for every answered entry of a's stream (ev or mo). An
 * entry whose ack is lost (Redis down) is claimed and sent again later. */
static void srv_acks_flush(struct bb_server *s, struct srv_acct *a, bool mo)
{
	struct srv_acks *k = a->acks[mo];
	char key[ACCOUNT_KEY_MAX];
	const char *argv[SRV_ACK_BATCH + 2];

	if (k == NULL || k->n == 0)
		return;
	if (s->b->redis != NULL &&
	    srv_key(s, key, sizeof(key), mo ? "mo:smpp:" : "ev:smpp:",
		    a->name) > 0) {
		argv[0] = key;
		argv[1] = SRV_GROUP;
		for (unsigned i = 0; i < k->n; i++)
			argv[2 + i] = k->entry[i];
		redis_script_call(s->b->redis, s->s_ack, NULL, NULL, 1,
				  (int)k->n + 2, argv, NULL);
	}
	k->n = 0;
}

static void srv_on_ack_timer(struct loop_timer *t, void *arg)
{
	struct bb_server *s = arg;

	(void)t;
	for (struct srv_acct *a = s->accts; a != NULL; a = a->next) {
		srv_acks_flush(s, a, false);
		srv_acks_flush(s, a, true);
	}
}

/* The entry of it is done: acknowledged with the others of this turn. */
static void srv_ack(struct bb_server *s, struct srv_acct *a,
		    const struct srv_item *it)
{
	struct srv_acks *k = a->acks[it->mo];

	if (k == NULL && (k = a->acks[it->mo] = calloc(1, sizeof(*k))) == NULL)
		return;		/* claimed and sent again later */
	if (k->n == 0 && !loop_timer_pending(s->ack_timer))
		loop_timer_start(s->ack_timer, 0, false);
	srv_copy(k->entry[k->n++], sizeof(k->entry[0]), it->entry);
	if (k->n == SRV_ACK_BATCH)
		srv_acks_flush(s, a, it->mo);
}

/* ------------------------------------------------------------ encoding */

static void srv_date(long long ms, struct dlr_text_date *d)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	d->yy = (uint8_t)(tm.tm_year % 100);
	d->mon = (uint8_t)(tm.tm_mon + 1);
	d->day = (uint8_t)tm.tm_mday;
	d->hour = (uint8_t)tm.tm_hour;
	d->min = (uint8_t)tm.tm_min;
	d->sec = (uint8_t)tm.tm_sec;
	d->has_sec = false;
}

static void srv_addr(const char *a, uint8_t *ton, uint8_t *npi, char *out,
		     size_t cap)
{
	size_t n;

	if (a[0] == '+')
		a++;
	n = strlen(a);
	if (n > 0 && strspn(a, "0123456789") == n) {
		*ton = SMPP_TON_INTERNATIONAL;
		*npi = SMPP_NPI_ISDN;
	} else {
		*ton = SMPP_TON_ALPHANUMERIC;
		*npi = SMPP_NPI_UNKNOWN;
	}
	srv_copy(out, cap, a);
}

/* The receipt: text and, on 3.4, receipted_message_id and message_state. */
static int srv_enc_receipt(struct srv_sess *ss, struct srv_item *it,
			   struct smpp_pdu *r)
{
	struct dlr_text d;
	char id[32];
	int n;

	memset(&d, 0, sizeof(d));
	if (srv_id_out(ss, it->id, id, sizeof(id)) < 0)
		return -1;
	d.fields = DLR_TEXT_HAS_ID | DLR_TEXT_HAS_SUB | DLR_TEXT_HAS_DLVRD |
		   DLR_TEXT_HAS_SUBMIT | DLR_TEXT_HAS_DONE | DLR_TEXT_HAS_STAT |
		   DLR_TEXT_HAS_ERR | DLR_TEXT_HAS_TEXT;
	srv_copy(d.id, sizeof(d.id), id);
	d.state = dlr_text_state_from_word(it->stat, strlen(it->stat));
	if (d.state == DLR_TEXT_STATE_NONE)
		d.state = DLR_TEXT_STATE_UNKNOWN;
	srv_copy(d.stat, sizeof(d.stat), dlr_text_state_word(d.state));
	d.sub = 1;
	d.dlvrd = d.state == DLR_TEXT_STATE_DELIVERED ? 1 : 0;
	srv_date(it->submit_ts ? it->submit_ts : it->ts, &d.submit);
	srv_date(it->ts, &d.done);
	snprintf(d.err, sizeof(d.err), "%03d", atoi(it->err) % 1000);
	n = dlr_text_encode(&d, (char *)r->short_message, SMPP_SM_MAX + 1);
	if (n < 0)
		return -1;
	r->sm_length = (uint8_t)n;
	/* an intermediate status (SMPP 3.4 §5.2.12: xx1000xx) is never taken
	 * for the final receipt */
	r->esm_class = it->interim ? SMPP_ESM_INTERMEDIATE :
		       SMPP_ESM_DELIVERY_RECEIPT;
	srv_addr(it->to, &r->source_addr_ton, &r->source_addr_npi,
		 r->source_addr, 21);
	srv_addr(it->from, &r->dest_addr_ton, &r->dest_addr_npi,
		 r->destination_addr, 21);
	if (!ss->v33) {
		srv_copy(r->tlv.receipted_message_id,
			 sizeof(r->tlv.receipted_message_id), id);
		smpp_tlv_set(&r->tlv, SMPP_TI_RECEIPTED_MESSAGE_ID);
		r->tlv.message_state = (uint8_t)d.state;
		smpp_tlv_set(&r->tlv, SMPP_TI_MESSAGE_STATE);
	}
	return 0;
}

/* MO text into the server's scratch buffer: ASCII as DCS 0, Latin-1 as
 * DCS 3, else UCS-2. Returns the octets or -1. */
static long srv_mo_octets(struct bb_server *s, const struct srv_item *it,
			  uint8_t *dcs)
{
	const uint8_t *t = (const uint8_t *)it->text;
	size_t i, cap = sizeof(s->text);
	int k;

	for (i = 0; i < it->text_len && t[i] < 0x80; i++)
		;
	if (i == it->text_len) {
		*dcs = SMPP_DCS_DEFAULT;
		if (it->text_len > cap)
			return -1;
		memcpy(s->text, t, it->text_len);
		return (long)it->text_len;
	}
	if (latin1_can_encode(t, it->text_len) &&
	    (k = latin1_from_utf8(t, it->text_len, 0, s->text, cap, NULL)) >= 0) {
		*dcs = SMPP_DCS_LATIN1;
		return k;
	}
	*dcs = SMPP_DCS_UCS2;
	k = ucs2_from_utf8(t, it->text_len, s->text, cap, NULL);
	return k < 0 ? -1 : k;
}

/*
 * One deliver_sm of an MO: the whole text (short_message, or message_payload
 * over 254 octets on 3.4), or on 3.3 part `part` (1-based) of `parts`, each
 * with a concatenation UDH (8-bit reference) and 248 octets at most.
 */
#define SRV_MO_PART_MAX (SMPP_SM_MAX - 6)

static void srv_enc_mo(const struct srv_item *it, struct smpp_pdu *r,
		       const uint8_t *buf, size_t n, unsigned part,
		       unsigned parts)
{
	if (parts > 1) {
		size_t off = (size_t)(part - 1) * SRV_MO_PART_MAX;
		size_t len = n - off < SRV_MO_PART_MAX ? n - off :
							 SRV_MO_PART_MAX;
		uint8_t *sm = r->short_message;

		sm[0] = 5;
		sm[1] = 0x00;
		sm[2] = 3;
		sm[3] = (uint8_t)(it->seq & 0xff);	/* reference */
		sm[4] = (uint8_t)parts;
		sm[5] = (uint8_t)part;
		memcpy(sm + 6, buf + off, len);
		r->sm_length = (uint8_t)(len + 6);
		r->esm_class = SMPP_ESM_UDHI;
	} else if (n > SMPP_SM_MAX) {
		r->tlv.message_payload.p = buf;
		r->tlv.message_payload.len = (uint16_t)n;
		smpp_tlv_set(&r->tlv, SMPP_TI_MESSAGE_PAYLOAD);
	} else {
		memcpy(r->short_message, buf, n);
		r->sm_length = (uint8_t)n;
	}
	srv_addr(it->from, &r->source_addr_ton, &r->source_addr_npi,
		 r->source_addr, 21);
	srv_addr(it->to, &r->dest_addr_ton, &r->dest_addr_npi,
		 r->destination_addr, 21);
}

/* Takes n consecutive sequence numbers of ss; returns the first. */
static uint32_t srv_seqs(struct srv_sess *ss, unsigned n)
{
	if (ss->next_seq + n >= SMPP_SEQ_MAX)
		ss->next_seq = 0;
	ss->next_seq += n;
	return ss->next_seq - n + 1;
}

static bool srv_send_item(struct srv_sess *ss, struct srv_item *it)
{
	struct bb_server *s = ss->srv;
	struct smpp_pdu *r = &s->resp;
	unsigned parts = 1, i;
	uint8_t dcs = 0;
	long n = 0;

	if (it->mo) {
		n = srv_mo_octets(s, it, &dcs);
		if (n < 0 || n > 65535)
			return false;
		if (ss->v33 && n > SMPP_SM_MAX)
			parts = (unsigned)((n + SRV_MO_PART_MAX - 1) /
					   SRV_MO_PART_MAX);
		if (parts > 255)
			return false;
	}
	it->seq = srv_seqs(ss, parts);
	it->parts = parts;
	it->acked = 0;
	it->sent_ms = srv_now_ms(s);
	for (i = 0; i < parts; i++) {
		smpp_pdu_init(r, SMPP_DELIVER_SM, it->seq + i);
		if (!it->mo) {
			if (srv_enc_receipt(ss, it, r) != 0)
				return false;
		} else {
			r->data_coding = dcs;
			srv_enc_mo(it, r, s->text, (size_t)n, i + 1, parts);
		}
		srv_send(ss, r);
	}
	return true;
}

/* The receiver bind of a with the most room, or NULL. */
static struct srv_sess *srv_pick(const struct srv_acct *a)
{
	struct srv_sess *ss, *best = NULL;

	for (ss = a->sess; ss != NULL; ss = ss->anext)
		if (ss->state == SRV_BOUND &&
		    (ss->mode & SRV_CAN_RX) && ss->nout < SRV_DLV_WINDOW &&
		    (best == NULL || ss->nout < best->nout))
			best = ss;
	return best;
}

void srv_dispatch(struct bb_server *s, struct srv_acct *a)
{
	unsigned long long now = srv_now_ms(s);
	long long wall = srv_wall_ms();
	struct srv_sess *ss;
	struct srv_item *it;

	while ((it = a->q) != NULL && it->sent_ms <= now) {
		bool expired = it->ts > 0 && wall - it->ts > s->receipt_ttl_ms;

		ss = expired ? NULL : srv_pick(a);
		if (!expired && ss == NULL)
			return;
		a->q = it->next;
		if (a->q == NULL)
			a->q_tail = NULL;
		a->nq--;
		if (ss == NULL || !srv_send_item(ss, it)) {
			log_info("smpp-server %s dropped acct=%s entry=%s why=%s",
				 it->mo ? "MO" : "receipt", a->name, it->entry,
				 expired ? "receipt-ttl" : "cannot encode");
			srv_ack(s, a, it);
			free(it);
			continue;
		}
		it->next = ss->out;
		ss->out = it;
		ss->nout++;
	}
}

void srv_on_deliver_resp(struct srv_sess *ss, const struct smpp_pdu *p)
{
	struct bb_server *s = ss->srv;
	struct srv_item **pp, *it;
	uint32_t st = p->command_status;

	for (pp = &ss->out; (it = *pp) != NULL; pp = &it->next)
		if (p->sequence_number >= it->seq &&
		    p->sequence_number - it->seq < it->parts)
			break;
	if (it == NULL || ss->acct == NULL)
		return;
	if (st == SMPP_ESME_ROK && ++it->acked < it->parts)
		return;		/* more parts to be answered */
	*pp = it->next;
	ss->nout--;
	if (st == SMPP_ESME_RX_T_APPN || st == SMPP_ESME_RMSGQFUL ||
	    st == SMPP_ESME_RTHROTTLED || st == SMPP_ESME_RSYSERR) {
		it->sent_ms = srv_now_ms(s) + SRV_RETRY_MS;
		srv_q_push(ss->acct, it, false);
		return;
	}
	if (st != SMPP_ESME_ROK)
		log_info("smpp-server customer refused %s acct=%s entry=%s "
			 "status=%s (dropped)", it->mo ? "MO" : "receipt",
			 ss->acct->name, it->entry, smpp_status_name(st));
	else if (it->mo)
		s->st.mo_sent++;
	else
		s->st.receipts_sent++;
	srv_ack(s, ss->acct, it);
	free(it);
	srv_dispatch(s, ss->acct);
	if (s->poll_more)
		srv_poll(s);	/* the streams had more: read on at once */
}

/* ------------------------------------------------------------ reading */

/* A reply string field, or "". */
static const char *srv_str(const redisReply *r)
{
	return r && (r->type == REDIS_REPLY_STRING ||
		     r->type == REDIS_REPLY_STATUS) ? r->str : "";
}

struct srv_fetch {
	struct bb_server *s;
	struct srv_item *it;
	bool fresh;
	char acct[ACCOUNT_NAME_MAX];
};

/* fresh: read with ">" (never delivered before, so not held already). */
static void srv_enqueue(struct bb_server *s, const char *acct,
			struct srv_item *it, bool fresh)
{
	struct srv_acct *a = srv_acct_find(s, acct);

	if (a == NULL || a->rx_binds == 0 ||
	    (!fresh && srv_held(a, it->entry, it->mo))) {
		free(it);	/* stays pending in Redis: claimed later */
		return;
	}
	it->ready = true;
	srv_q_push(a, it, false);
	srv_dispatch(s, a);
}

/* The record's packed m of a receipt event (shared/codec/msgrec.h): the
 * recipient, the sender and the accept time (the receipt's submit date). */
static void srv_record(struct srv_item *it, const redisReply *v)
{
	struct msgrec m;

	if (v->type != REDIS_REPLY_STRING ||
	    msgrec_decode((const uint8_t *)v->str, v->len, &m) < 0)
		return;
	msgrec_cstr(&m.to, it->to, sizeof(it->to));
	msgrec_cstr(&m.from, it->from, sizeof(it->from));
	it->submit_ts = (long long)m.ts;
}

static void srv_msg_loaded(struct redis *r, struct redisReply *rep, void *arg)
{
	struct srv_fetch *f = arg;
	struct bb_server *s = f->s;

	(void)r;
	if (srv_release(s)) {
		free(f->it);
		free(f);
		return;
	}
	s->nfetch--;
	if (rep != NULL && rep->type == REDIS_REPLY_ARRAY && rep->elements == 3) {
		srv_copy(f->it->from, sizeof(f->it->from),
			 srv_str(rep->element[0]));
		f->it->submit_ts = atoll(srv_str(rep->element[1]));
		srv_record(f->it, rep->element[2]);
	}
	srv_enqueue(s, f->acct, f->it, f->fresh);
	free(f);
}


/* One stream entry [id, [field, value, ...]] of account acct; fresh as for
 * srv_enqueue(). */
static void srv_entry(struct bb_server *s, const char *acct, bool mo,
		      bool fresh, const redisReply *e)
{
	const redisReply *kv;
	struct srv_item *it;
	size_t i, tlen = 0;
	const char *text = "";

	if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
	    e->element[1]->type != REDIS_REPLY_ARRAY)
		return;	/* deleted entry (nil fields) */
	kv = e->element[1];
	for (i = 0; mo && i + 1 < kv->elements; i += 2)
		if (strcmp(srv_str(kv->element[i]), "text") == 0) {
			text = srv_str(kv->element[i + 1]);
			tlen = kv->element[i + 1]->len;
		}
	if (tlen > SRV_MO_TEXT_MAX)
		tlen = SRV_MO_TEXT_MAX;
	it = calloc(1, sizeof(*it) + tlen + 1);
	if (it == NULL)
		return;
	it->mo = mo;
	srv_copy(it->entry, sizeof(it->entry), srv_str(e->element[0]));
	memcpy(it->text, text, tlen);
	it->text_len = tlen;
	for (i = 0; i + 1 < kv->elements; i += 2) {
		const char *k = srv_str(kv->element[i]);
		const char *v = srv_str(kv->element[i + 1]);

		if (strcmp(k, "id") == 0)
			srv_copy(it->id, sizeof(it->id), v);
		else if (strcmp(k, "to") == 0)
			srv_copy(it->to, sizeof(it->to), v);
		else if (strcmp(k, "from") == 0)
			srv_copy(it->from, sizeof(it->from), v);
		else if (strcmp(k, "stat") == 0)
			srv_copy(it->stat, sizeof(it->stat), v);
		else if (strcmp(k, "err") == 0)
			srv_copy(it->err, sizeof(it->err), v);
		else if (strcmp(k, "ts") == 0)
			it->ts = atoll(v);
		else if (strcmp(k, "sts") == 0)
			it->submit_ts = atoll(v);
		else if (strcmp(k, "m") == 0)
			srv_record(it, kv->element[i + 1]);
		else if (strcmp(k, "dcs") == 0)
			it->dcs = (uint8_t)atoi(v);
		else if (strcmp(k, "im") == 0)
			it->interim = strcmp(v, "1") == 0;
	}
	/* An MO is complete; a receipt event carries the original sender and
	 * submit time (sts), except one written by an older bearerbox. */
	if (mo || it->submit_ts > 0) {
		srv_enqueue(s, acct, it, fresh);
		return;
	}
	struct srv_fetch *f = calloc(1, sizeof(*f));
	char key[ACCOUNT_KEY_MAX];

	if (f == NULL || srv_key(s, key, sizeof(key), "msg:", it->id) < 0) {
		free(f);
		srv_enqueue(s, acct, it, fresh);
		return;
	}
	f->s = s;
	f->it = it;
	f->fresh = fresh;
	srv_copy(f->acct, sizeof(f->acct), acct);
	const char *argv[] = { "HMGET", key, "from", "ts", "m" };

	if (redis_command_argv(s->b->redis, srv_msg_loaded, f, 5, argv,
			       NULL) != 0) {
		free(f);
		srv_enqueue(s, acct, it, fresh);
		return;
	}
	srv_hold(s);
	s->nfetch++;
}

/* "{p}:ev:smpp:NAME" -> NAME and whether it is the MO stream. */
static const char *srv_key_acct(const struct bb_server *s, const char *key,
				bool *mo)
{
	size_t pl = strlen(s->b->prefix);

	if (strncmp(key, s->b->prefix, pl) != 0 || key[pl] != ':')
		return NULL;
	key += pl + 1;
	if (strncmp(key, "ev:smpp:", 8) == 0)
		*mo = false;
	else if (strncmp(key, "mo:smpp:", 8) == 0)
		*mo = true;
	else
		return NULL;
	return key + 8;
}

/* The entries of one stream of an XREADGROUP reply; returns how many. */
static size_t srv_entries(struct bb_server *s, const char *key,
			  const redisReply *list, bool fresh)
{
	const char *acct;
	bool mo;
	size_t j;

	if ((acct = srv_key_acct(s, key, &mo)) == NULL ||
	    list->type != REDIS_REPLY_ARRAY)
		return 0;
	for (j = 0; j < list->elements; j++)
		srv_entry(s, acct, mo, fresh, list->element[j]);
	return list->elements;
}

static void srv_read_done(struct redis *r, struct redisReply *rep, void *arg)
{
	struct bb_server *s = arg;
	struct srv_acct *a;
	size_t i, got = 0;

	(void)r;
	if (srv_release(s))
		return;
	s->polling = false;
	s->poll_more = false;
	if (rep == NULL)
		return;
	if (rep->type == REDIS_REPLY_ERROR) {
		log_warn("smpp-server XREADGROUP failed error=\"%s\"", rep->str);
		if (strstr(rep->str, "NOGROUP") != NULL)
			for (a = s->accts; a != NULL; a = a->next)
				a->groups_ok = false;
		return;
	}
	if (rep->type != REDIS_REPLY_ARRAY)
		return;
	for (i = 0; i < rep->elements; i++) {
		const redisReply *st = rep->element[i];

		if (st->type == REDIS_REPLY_ARRAY && st->elements == 2)
			got += srv_entries(s, srv_str(st->element[0]),
					   st->element[1], true);
	}
	/* Under load the next batch is read as soon as this one is in, not
	 * at the next tick: one XREADGROUP in flight at a time. */
	s->poll_more = got > 0;
	if (s->poll_more)
		srv_poll(s);
}

/* Room for another read: what is queued plus what is being fetched. */
static bool srv_has_room(const struct bb_server *s, const struct srv_acct *a)
{
	return a->rx_binds > 0 && a->groups_ok &&
	       a->nq + s->nfetch + SRV_READ_COUNT <= SRV_QUEUE_MAX;
}

/* One XREADGROUP over both streams of every account that has room. */
static void srv_poll(struct bb_server *s)
{
	struct srv_acct *a;
	size_t n = 0, k = 0, i;
	const char **argv;
	char (*keys)[ACCOUNT_KEY_MAX];
	char count[8];

	if (s->polling || s->stopping || !redis_connected(s->b->redis))
		return;
	for (a = s->accts; a != NULL; a = a->next)
		if (srv_has_room(s, a))
			n++;
	if (n == 0)
		return;
	argv = calloc(7 + 4 * n, sizeof(*argv));
	keys = calloc(2 * n, sizeof(*keys));
	if (argv == NULL || keys == NULL)
		goto out;
	snprintf(count, sizeof(count), "%d", SRV_READ_COUNT);
	argv[k++] = "XREADGROUP";
	argv[k++] = "GROUP";
	argv[k++] = SRV_GROUP;
	argv[k++] = s->b->id;
	argv[k++] = "COUNT";
	argv[k++] = count;
	argv[k++] = "STREAMS";
	i = 0;
	for (a = s->accts; a != NULL && i < n; a = a->next) {
		if (!srv_has_room(s, a))
			continue;
		srv_key(s, keys[2 * i], sizeof(keys[0]), "ev:smpp:", a->name);
		srv_key(s, keys[2 * i + 1], sizeof(keys[0]), "mo:smpp:",
			a->name);
		argv[k++] = keys[2 * i];
		argv[k++] = keys[2 * i + 1];
		i++;
	}
	for (i = 0; i < 2 * n; i++)
		argv[k++] = ">";
	if (redis_command_argv(s->b->redis, srv_read_done, s, (int)k, argv,
			       NULL) == 0) {
		s->polling = true;
		srv_hold(s);
	}
out:
	free(argv);
	free(keys);
}

static void srv_on_poll(struct loop_timer *t, void *arg)
{
	(void)t;
	srv_poll(arg);
}

/* ------------------------------------------------------------ groups */

struct srv_grp {
	struct bb_server *s;
	bool mo;
	char acct[ACCOUNT_NAME_MAX];
};

static void srv_group_made(struct redis *r, struct redisReply *rep, void *arg)
{
	struct srv_grp *g = arg;
	struct bb_server *s = g->s;
	struct srv_acct *a;

	(void)r;
	if (srv_release(s)) {
		free(g);
		return;
	}
	a = srv_acct_find(s, g->acct);
	if (a != NULL) {
		a->groups_pending = false;
		a->groups_ok = rep != NULL &&
			       (rep->type != REDIS_REPLY_ERROR ||
				strstr(rep->str, "BUSYGROUP") != NULL);
		if (a->groups_ok) {
			srv_read_own(s, a);
			srv_poll(s);
		}
	}
	free(g);
}

static void srv_claim_done(struct redis *r, struct redisReply *rep, void *arg)
{
	struct srv_grp *g = arg;
	struct bb_server *s = g->s;

	(void)r;
	if (srv_release(s)) {
		free(g);
		return;
	}
	/* XAUTOCLAIM: [next, [entries...], [deleted...]] */
	if (rep != NULL && rep->type == REDIS_REPLY_ARRAY && rep->elements >= 2 &&
	    rep->element[1]->type == REDIS_REPLY_ARRAY)
		for (size_t j = 0; j < rep->element[1]->elements; j++)
			srv_entry(s, g->acct, g->mo, false,
				  rep->element[1]->element[j]);
	free(g);
}

/* Takes over entries idle for SRV_CLAIM_IDLE_MS (ours or a dead box's). */
static void srv_claim(struct bb_server *s, struct srv_acct *a, bool mo)
{
	struct srv_grp *g = calloc(1, sizeof(*g));
	char key[ACCOUNT_KEY_MAX], idle[16];

	if (g == NULL || srv_key(s, key, sizeof(key),
				 mo ? "mo:smpp:" : "ev:smpp:", a->name) < 0) {
		free(g);
		return;
	}
	g->s = s;
	g->mo = mo;
	snprintf(g->acct, sizeof(g->acct), "%s", a->name);
	snprintf(idle, sizeof(idle), "%d", SRV_CLAIM_IDLE_MS);
	if (redis_command(s->b->redis, srv_claim_done, g,
			  "XAUTOCLAIM %s %s %s %s 0-0 COUNT %d", key, SRV_GROUP,
			  s->b->id, idle, SRV_READ_COUNT) != 0) {
		free(g);
		return;
	}
	srv_hold(s);
}

static void srv_make_groups(struct bb_server *s, struct srv_acct *a)
{
	char ev[ACCOUNT_KEY_MAX], mo[ACCOUNT_KEY_MAX], minid[32];
	struct srv_grp *g;

	if (a->groups_ok || a->groups_pending ||
	    srv_key(s, ev, sizeof(ev), "ev:smpp:", a->name) < 0 ||
	    srv_key(s, mo, sizeof(mo), "mo:smpp:", a->name) < 0 ||
	    (g = calloc(1, sizeof(*g))) == NULL)
		return;
	g->s = s;
	snprintf(g->acct, sizeof(g->acct), "%s", a->name);
	/* What waited longer than receipt-ttl is dropped first. */
	snprintf(minid, sizeof(minid), "%lld", srv_wall_ms() - s->receipt_ttl_ms);
	redis_command(s->b->redis, NULL, NULL, "XTRIM %s MINID %s", ev, minid);
	redis_command(s->b->redis, NULL, NULL, "XTRIM %s MINID %s", mo, minid);
	redis_command(s->b->redis, NULL, NULL,
		      "XGROUP CREATE %s %s 0 MKSTREAM", ev, SRV_GROUP);
	if (redis_command(s->b->redis, srv_group_made, g,
			  "XGROUP CREATE %s %s 0 MKSTREAM", mo, SRV_GROUP) != 0) {
		free(g);
		return;
	}
	a->groups_pending = true;
	srv_hold(s);
}

static void srv_own_done(struct redis *r, struct redisReply *rep, void *arg)
{
	struct bb_server *s = arg;

	(void)r;
	if (srv_release(s) || rep == NULL || rep->type != REDIS_REPLY_ARRAY)
		return;
	for (size_t i = 0; i < rep->elements; i++) {
		const redisReply *st = rep->element[i];

		if (st->type == REDIS_REPLY_ARRAY && st->elements == 2)
			srv_entries(s, srv_str(st->element[0]), st->element[1],
				    false);
	}
}

/* What this process read for a and did not get answered yet (its binds of
 * a dropped): the consumer's own pending entries, sent again at once. */
static void srv_read_own(struct bb_server *s, struct srv_acct *a)
{
	char ev[ACCOUNT_KEY_MAX], mo[ACCOUNT_KEY_MAX];

	if (srv_key(s, ev, sizeof(ev), "ev:smpp:", a->name) < 0 ||
	    srv_key(s, mo, sizeof(mo), "mo:smpp:", a->name) < 0)
		return;
	if (redis_command(s->b->redis, srv_own_done, s,
			  "XREADGROUP GROUP %s %s COUNT %d STREAMS %s %s 0 0",
			  SRV_GROUP, s->b->id, SRV_QUEUE_MAX / 2, ev, mo) == 0)
		srv_hold(s);
}

void srv_acct_rx_up(struct bb_server *s, struct srv_acct *a)
{
	if (!a->groups_ok)
		srv_make_groups(s, a);
	else
		srv_dispatch(s, a);
	if (a->rx_binds == 1) {
		if (a->groups_ok)
			srv_read_own(s, a);
		srv_claim(s, a, false);
		srv_claim(s, a, true);
		a->claim_ms = srv_now_ms(s);
	}
}

void srv_deliver_tick(struct bb_server *s, unsigned long long now)
{
	struct srv_sess *ss;
	struct srv_acct *a;

	/* deliver_sm without an answer: send again (maybe on another bind). */
	for (ss = s->sessions; ss != NULL; ss = ss->next) {
		struct srv_item **pp = &ss->out, *it;

		while ((it = *pp) != NULL) {
			if (now - it->sent_ms < SRV_DLV_TIMEOUT_MS) {
				pp = &it->next;
				continue;
			}
			*pp = it->next;
			ss->nout--;
			if (ss->acct != NULL)
				srv_q_push(ss->acct, it, true);
			else
				free(it);
		}
	}
	for (a = s->accts; a != NULL; a = a->next) {
		if (a->rx_binds == 0)
			continue;
		if (!a->groups_ok)
			srv_make_groups(s, a);
		if (now - a->claim_ms >= SRV_CLAIM_EVERY_MS) {
			a->claim_ms = now;
			srv_claim(s, a, false);
			srv_claim(s, a, true);
		}
		srv_dispatch(s, a);
	}
}

int srv_deliver_init(struct bb_server *s)
{
	s->s_ack = redis_script_new(s->b->redis, lua_ack);
	s->poll = loop_timer_new(s->b->loop, srv_on_poll, s);
	s->ack_timer = loop_timer_new(s->b->loop, srv_on_ack_timer, s);
	if (s->s_ack == NULL || s->poll == NULL || s->ack_timer == NULL)
		return -1;
	return loop_timer_start(s->poll, SRV_POLL_MS, true);
}

void srv_deliver_fini(struct bb_server *s)
{
	loop_timer_free(s->poll);
	loop_timer_free(s->ack_timer);
	s->poll = s->ack_timer = NULL;
}
