/*
 * mb_box — the modembox's links, modems, scheduler, limits, receipts, MO and
 * status (mb_box.h). Queue consumption, retries and failover are bearerbox's
 * bb_queue; receipt correlation, merged final events and MO reassembly are
 * bb_dlr's Lua scripts, fed with SMPP-shaped records built from the TPDUs.
 */
#include "config.h"

#include "modembox/mb_box.h"

#include <hiredis/hiredis.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bearerbox/bb_dlr.h"
#include "bearerbox/bb_queue.h"
#include "modembox/mb_dev.h"
#include "modembox/mb_modem.h"
#include "shared/codec/conf_schema.h"
#include "shared/codec/dlr_text.h"
#include "shared/codec/smpp_pdu.h"
#include "shared/codec/tpdu.h"
#include "shared/codec/udh.h"
#include "shared/io/box.h"
#include "shared/io/log.h"
#include "shared/io/loop.h"
#include "shared/io/redis.h"

#define MB_ID_MAX 64
#define MB_LINKS_MAX 32
#define MB_SIMS_MAX 256
#define MB_KEY_MAX 256
#define MB_STOP_MAX_MS 10000
#define MB_DAY_TTL "172800"

/* KEYS day, total; ARGV daily limit, total limit, op (1 take, 0 peek,
 * -1 give back) -> {0 ok | 1 daily limit | 2 total limit, day, total} */
static const char lua_limit[] =
"local d = tonumber(redis.call('GET', KEYS[1]) or '0')\n"
"local t = tonumber(redis.call('GET', KEYS[2]) or '0')\n"
"if ARGV[3] == '1' then\n"
"  local dl, tl = tonumber(ARGV[1]), tonumber(ARGV[2])\n"
"  if dl > 0 and d >= dl then return {1, d, t} end\n"
"  if tl > 0 and t >= tl then return {2, d, t} end\n"
"  d = redis.call('INCR', KEYS[1])\n"
"  redis.call('EXPIRE', KEYS[1], " MB_DAY_TTL ")\n"
"  t = redis.call('INCR', KEYS[2])\n"
"elseif ARGV[3] == '-1' then\n"
"  if d > 0 then d = redis.call('DECR', KEYS[1]) end\n"
"  if t > 0 then t = redis.call('DECR', KEYS[2]) end\n"
"end\n"
"return {0, d, t}\n";

struct mb_box;

struct mb_link {
	struct mb_box *mb;
	char id[MB_ID_MAX];
	struct bb_queue *q;
	bool up;
};

struct mb_sim {
	struct mb_box *mb;
	char id[MB_ID_MAX];
	struct mb_dev *dev;
	struct mb_modem *m;
	long long rate, daily, total;	/* per minute; limits (0 = none) */
	long long recheck_ms;	/* limit-recheck */
	size_t links[MB_LINKS_MAX], nlinks, rr;
	struct loop_timer *pace;
	unsigned long long next_ms;	/* loop clock: earliest next send */
	unsigned long long poll_ms;	/* loop clock: last +CSQ poll */
	struct bb_msg *msg;		/* the part being reserved or sent */
	struct mb_link *msg_link;
	bool reserving, reserved;
	bool limited;
	unsigned long long limit_check_ms;
	long long today, sent_total;	/* from Redis */
	char number[24];		/* own number from P:sim:KEY:number */
	bool listed;			/* +CMGL=4 done since READY */
	bool was_failed;		/* start-up failed since the last READY */
};

struct mb_box {
	struct box *b;
	char id[MB_ID_MAX];
	struct bb_dlr *dlr;
	struct bb_queues *qs;
	struct redis_script *s_limit;
	struct mb_link links[MB_LINKS_MAX];
	size_t nlinks;
	struct mb_sim *sims;
	size_t nsims;
	struct loop_timer *tick;
	struct loop_timer *stop_timer;
	unsigned long long hb_ms, stop_ms;
	unsigned inbound;	/* bb_dlr calls in flight */
	bool redis_up, stopping, dying;
};

/* One received PDU handed to bb_dlr (one call per link for a report). */
struct mb_in {
	struct mb_sim *s;
	char mem[4];
	int index;
	int calls;
	bool failed;
};

static void sim_pump(struct mb_sim *s);
static void links_update(struct mb_box *mb, bool write);

static unsigned long long now_ms(const struct mb_box *mb)
{
	return loop_now_ms(mb->b->loop);
}

/* ---- limits (Redis counters by IMSI) ---- */

static const char *sim_key(const struct mb_sim *s, char *buf, size_t cap)
{
	if (s->m->imsi[0] != '\0')
		snprintf(buf, cap, "%s", s->m->imsi);
	else
		snprintf(buf, cap, "id-%.40s", s->id);
	return buf;
}

static int limit_call(struct mb_sim *s, const char *op, redis_reply_fn *cb)
{
	struct mb_box *mb = s->mb;
	char k_day[MB_KEY_MAX], k_total[MB_KEY_MAX], sk[48], day[16];
	char dl[24], tl[24];
	const char *argv[5];
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(day, sizeof(day), "%Y%m%d", &tm);
	sim_key(s, sk, sizeof(sk));
	if (box_key(mb->b, k_day, sizeof(k_day), "sim:%s:day:%s", sk, day) < 0 ||
	    box_key(mb->b, k_total, sizeof(k_total), "sim:%s:total", sk) < 0)
		return -1;
	snprintf(dl, sizeof(dl), "%lld", s->daily);
	snprintf(tl, sizeof(tl), "%lld", s->total);
	argv[0] = k_day;
	argv[1] = k_total;
	argv[2] = dl;
	argv[3] = tl;
	argv[4] = op;
	return redis_script_call(mb->b->redis, mb->s_limit, cb, s, 2, 5, argv,
				 NULL);
}

/* Reads {code, day, total}; returns code or -1. */
static int limit_reply(struct mb_sim *s, const redisReply *r)
{
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 3)
		return -1;
	for (size_t i = 0; i < 3; i++)
		if (r->element[i]->type != REDIS_REPLY_INTEGER)
			return -1;
	s->today = r->element[1]->integer;
	s->sent_total = r->element[2]->integer;
	return (int)r->element[0]->integer;
}

static bool sim_over_limit(const struct mb_sim *s)
{
	return (s->daily > 0 && s->today >= s->daily) ||
	       (s->total > 0 && s->sent_total >= s->total);
}

/* A peek (or a give-back) answered: the SIM is limited, or no longer. */
static void limit_peek_done(struct redis *r, redisReply *reply, void *arg)
{
	struct mb_sim *s = arg;
	bool over;

	if (r == NULL || s->mb->dying || limit_reply(s, reply) < 0)
		return;
	over = sim_over_limit(s);
	if (over == s->limited)
		return;
	s->limited = over;
	if (over)
		s->limit_check_ms = now_ms(s->mb) + (unsigned long long)s->recheck_ms;
	log_info("modem %s its limits modem=%s today=%lld total=%lld",
		 over ? "at" : "under", s->id, s->today, s->sent_total);
	links_update(s->mb, false);
	if (!over)
		sim_pump(s);
}

static const char *sim_number(const struct mb_sim *s);

/* Reads the messages stored on the SIM, once per READY, when the own number
 * is known (MO to an unknown number would be dropped). */
static void sim_list(struct mb_sim *s)
{
	if (s->listed || s->m->state != MB_MODEM_READY || sim_number(s)[0] == '\0')
		return;
	s->listed = true;
	mb_modem_list(s->m);
}

static void number_done(struct redis *r, redisReply *reply, void *arg)
{
	struct mb_sim *s = arg;

	if (r == NULL || s->mb->dying || reply == NULL)
		return;
	if (reply->type == REDIS_REPLY_STRING && reply->len > 0 &&
	    reply->len < sizeof(s->number) &&
	    strspn(reply->str, "0123456789") == reply->len) {
		if (strcmp(s->number, reply->str) != 0)
			log_info("own number from Redis modem=%s number=%s", s->id,
				 reply->str);
		memcpy(s->number, reply->str, reply->len + 1);
	}
	sim_list(s);
}

/* The SIM's own number when +CNUM gave none: P:sim:KEY:number. */
static void number_get(struct mb_sim *s)
{
	char k[MB_KEY_MAX], sk[48];

	if (s->m->number[0] != '\0') {
		sim_list(s);
		return;
	}
	if (box_key(s->mb->b, k, sizeof(k), "sim:%s:number",
		    sim_key(s, sk, sizeof(sk))) < 0)
		return;
	redis_command(s->mb->b->redis, number_done, s, "GET %s", k);
}

static const char *sim_number(const struct mb_sim *s)
{
	return s->m->number[0] != '\0' ? s->m->number : s->number;
}

static void sim_release(struct mb_sim *s)
{
	if (!s->reserved)
		return;
	s->reserved = false;
	if (limit_call(s, "-1", limit_peek_done) != 0)
		log_warn("limit counter not given back modem=%s", s->id);
}

/* ---- sending ---- */

/* The part's TPDU (SMSC field 00: the modem's +CSCA). */
static int build_pdu(const struct bb_msg *m, uint8_t *out, size_t cap,
		     size_t *tpdu_len)
{
	struct tpdu_submit t;
	char da[32];
	uint8_t udh[16];
	int n;

	memset(&t, 0, sizeof(t));
	snprintf(da, sizeof(da), "+%s", m->to);
	t.da = da;
	t.rd = false;
	t.srr = m->dlr;
	t.dcs = tpdu_dcs_make(m->coding == 8 ? TPDU_UCS2 :
			      m->coding == 4 ? TPDU_8BIT : TPDU_GSM7,
			      m->flash ? 0 : -1);
	if (m->validity > 0) {
		t.vpf = TPDU_VPF_RELATIVE;
		t.vp = tpdu_vp_from_minutes((uint32_t)((m->validity + 59) / 60));
	}
	if (m->udh_len > 0) {
		t.udh = m->udh;
		t.udh_len = m->udh_len;
	} else if (m->sar_total > 1) {
		struct udh_spec sp;

		memset(&sp, 0, sizeof(sp));
		sp.concat = true;
		sp.ref = (uint16_t)m->sar_ref;
		sp.concat16 = m->sar_ref > 255;
		sp.total = (uint8_t)m->sar_total;
		sp.seq = (uint8_t)m->sar_seq;
		n = udh_encode(&sp, udh, sizeof(udh));
		if (n < 0)
			return -1;
		t.udh = udh;
		t.udh_len = (size_t)n;
	}
	t.ud = m->data;
	t.ud_len = m->data_len;
	return tpdu_submit_encode(&t, out, cap, tpdu_len);
}

static void sim_send(struct mb_sim *s)
{
	struct bb_msg *m = s->msg;
	struct mb_link *l = s->msg_link;
	uint8_t pdu[TPDU_MAX];
	size_t tlen = 0;
	int n = build_pdu(m, pdu, sizeof(pdu), &tlen);

	if (n < 0) {
		log_warn("part refused: no valid SMS-SUBMIT modem=%s smsc=%s id=%s "
			 "part=%d error=%d", s->id, l->id, m->id, m->part, n);
		sim_release(s);
		s->msg = NULL;
		bb_queue_failed(l->q, m, "REJECTD", 0);
		return;
	}
	if (mb_modem_send(s->m, pdu, (size_t)n, tlen) != 0) {
		sim_release(s);
		s->msg = NULL;
		bb_queue_unget(l->q, m);
		return;
	}
	s->next_ms = now_ms(s->mb) + (unsigned long long)(60000 / s->rate);
	log_debug("part sending modem=%s smsc=%s id=%s part=%d/%d to=%s", s->id,
		  l->id, m->id, m->part, m->parts, m->to);
}

static void pump_link(struct mb_box *mb, const struct mb_link *l)
{
	for (size_t i = 0; i < mb->nsims; i++)
		for (size_t j = 0; j < mb->sims[i].nlinks; j++)
			if (&mb->links[mb->sims[i].links[j]] == l)
				sim_pump(&mb->sims[i]);
}

static void reserve_done(struct redis *r, redisReply *reply, void *arg)
{
	struct mb_sim *s = arg;
	struct mb_link *l = s->msg_link;
	struct bb_msg *m = s->msg;
	int code;

	if (r == NULL || s->mb->dying)
		return;
	s->reserving = false;
	code = limit_reply(s, reply);
	if (code == 0) {
		s->reserved = true;
		s->limited = false;
		sim_send(s);
		return;
	}
	s->msg = NULL;
	bb_queue_unget(l->q, m);
	if (code < 0) {
		log_warn("limit check failed modem=%s", s->id);
		loop_timer_start(s->pace, 1000, false);
		return;
	}
	if (!s->limited)
		log_info("modem at its %s limit modem=%s today=%lld total=%lld",
			 code == 1 ? "daily" : "total", s->id, s->today,
			 s->sent_total);
	s->limited = true;
	s->limit_check_ms = now_ms(s->mb) + (unsigned long long)s->recheck_ms;
	links_update(s->mb, false);
	pump_link(s->mb, l);
}

static void sim_pump(struct mb_sim *s)
{
	struct mb_box *mb = s->mb;
	unsigned long long now;

	if (mb->stopping || mb->dying || !mb->redis_up || s->msg != NULL ||
	    !mb_modem_can_send(s->m))
		return;
	now = now_ms(mb);
	if (s->limited)
		return;	/* until a re-check (tick) finds it under its limits */
	if (now < s->next_ms) {
		if (!loop_timer_pending(s->pace))
			loop_timer_start(s->pace, (unsigned long)(s->next_ms - now),
					 false);
		return;
	}
	for (size_t i = 0; i < s->nlinks; i++) {
		struct mb_link *l = &mb->links[s->links[(s->rr + i) % s->nlinks]];
		struct bb_msg *m = bb_queue_take(l->q);

		if (m == NULL)
			continue;
		s->rr = (s->rr + i + 1) % s->nlinks;
		s->msg = m;
		s->msg_link = l;
		s->reserving = true;
		if (limit_call(s, "1", reserve_done) != 0) {
			s->reserving = false;
			s->msg = NULL;
			bb_queue_unget(l->q, m);
			loop_timer_start(s->pace, 1000, false);
		}
		return;
	}
}

static void sim_pace_timer(struct loop_timer *t, void *arg)
{
	(void)t;
	sim_pump(arg);
}

/* ---- the modem's callbacks ---- */

static void on_state(void *arg, enum mb_modem_state st)
{
	struct mb_sim *s = arg;
	struct mb_modem *m = s->m;

	if (st == MB_MODEM_READY) {
		log_info("modem ready modem=%s imei=%s imsi=%s number=%s rssi=%d "
			 "creg=%d", s->id, m->imei, m->imsi, m->number, m->rssi,
			 m->creg);
		s->poll_ms = now_ms(s->mb);
		if (s->mb->redis_up && !s->mb->dying) {
			limit_call(s, "0", limit_peek_done);
			number_get(s);
		}
	} else if (s->was_failed && st != MB_MODEM_DOWN) {
		/* retries of a failed modem every few seconds: quiet */
		s->listed = false;
		log_debug("modem %s modem=%s", mb_modem_state_name(st), s->id);
	} else {
		s->listed = false;
		if (st == MB_MODEM_FAILED)
			log_warn("modem failed to start, retried every %u s modem=%s "
				 "pin=%s", MB_MODEM_RETRY_MS / 1000, s->id,
				 m->pin_state == AT_PIN_READY ? "ready" : "not ready");
		else
			log_info("modem %s modem=%s", mb_modem_state_name(st), s->id);
	}
	if (st == MB_MODEM_FAILED)
		s->was_failed = true;
	else if (st == MB_MODEM_READY || st == MB_MODEM_DOWN)
		s->was_failed = false;
	if (!s->mb->dying)
		links_update(s->mb, false);
}

static void on_idle(void *arg)
{
	sim_pump(arg);
}

static void on_sent(void *arg, int mr)
{
	struct mb_sim *s = arg;
	struct bb_msg *m = s->msg;
	char opid[160];

	if (m == NULL)
		return;
	s->msg = NULL;
	s->reserved = false;
	if (mr < 0) {
		/* no reference: sent, but a report cannot be matched */
		snprintf(opid, sizeof(opid), "%s-%s-%d", s->m->imsi, m->id, m->part);
	} else {
		char sk[48];

		snprintf(opid, sizeof(opid), "%s%03d", sim_key(s, sk, sizeof(sk)), mr);
	}
	log_info("part sent modem=%s smsc=%s id=%s part=%d/%d mr=%d", s->id,
		 s->msg_link->id, m->id, m->part, m->parts, mr);
	bb_queue_submitted(s->msg_link->q, m, opid);
}

static void on_send_failed(void *arg, bool temporary, int code)
{
	struct mb_sim *s = arg;
	struct bb_msg *m = s->msg;
	struct mb_link *l = s->msg_link;

	if (m == NULL)
		return;
	s->msg = NULL;
	sim_release(s);
	if (temporary) {
		log_info("part not sent, retried modem=%s smsc=%s id=%s part=%d "
			 "code=%d", s->id, l->id, m->id, m->part, code);
		bb_queue_retry(l->q, m, code < 0 ? 0 : (uint32_t)code, code < 0);
	} else {
		bool ours = (code >= 128 && code <= 255) || code == 304 || code == 305;

		log_info("part failed modem=%s smsc=%s id=%s part=%d code=%d",
			 s->id, l->id, m->id, m->part, code);
		bb_queue_failed(l->q, m, ours ? "REJECTD" : "UNDELIV",
				(uint32_t)code);
	}
}

static void in_done(int status, void *arg)
{
	struct mb_in *in = arg;

	if (status != 0)
		in->failed = true;
	if (--in->calls > 0)
		return;
	in->s->mb->inbound--;
	if (!in->failed && !in->s->mb->dying)
		mb_modem_delete(in->s->m, in->mem, in->index);
	else if (in->failed)
		log_warn("inbound message kept on the SIM (Redis failed) modem=%s "
			 "mem=%s index=%d", in->s->id, in->mem, in->index);
	free(in);
}

static struct mb_in *in_new(struct mb_sim *s, const char *mem, int index)
{
	struct mb_in *in = calloc(1, sizeof(*in));

	if (in == NULL)
		return NULL;
	in->s = s;
	snprintf(in->mem, sizeof(in->mem), "%s", mem);
	in->index = index;
	return in;
}

static const char *sim_link(const struct mb_sim *s)
{
	return s->nlinks > 0 ? s->mb->links[s->links[0]].id : "";
}

/* An SMS-DELIVER as the deliver_sm bb_dlr expects. */
static int deliver_pdu(const struct mb_sim *s, const struct tpdu *t,
		       struct smpp_pdu *p)
{
	uint8_t udh[32];
	int n = 0;

	memset(p, 0, sizeof(*p));
	p->command_id = SMPP_DELIVER_SM;
	snprintf(p->source_addr, sizeof(p->source_addr), "%s",
		 t->addr.text[0] == '+' ? t->addr.text + 1 : t->addr.text);
	snprintf(p->destination_addr, sizeof(p->destination_addr), "%s",
		 sim_number(s));
	if (t->dcs >= 0x10)
		p->data_coding = t->dcs;
	else
		p->data_coding = t->alphabet == TPDU_UCS2 ? 0x08 :
				 t->alphabet == TPDU_8BIT ? 0x04 : 0x00;
	if (t->has_udh && t->udh.has_concat) {
		struct udh_spec sp;

		memset(&sp, 0, sizeof(sp));
		sp.concat = true;
		sp.concat16 = t->udh.concat16;
		sp.ref = t->udh.concat_ref;
		sp.total = t->udh.concat_total;
		sp.seq = t->udh.concat_seq;
		n = udh_encode(&sp, udh, sizeof(udh));
		if (n < 0)
			return -1;
		p->esm_class = SMPP_ESM_UDHI;
	}
	if ((size_t)n + t->data_len > SMPP_SM_MAX)
		return -1;
	memcpy(p->short_message, udh, (size_t)n);
	memcpy(p->short_message + n, t->data, t->data_len);
	p->sm_length = (uint8_t)((size_t)n + t->data_len);
	return 0;
}

static void inbound_deliver(struct mb_sim *s, const char *mem, int index,
			    const uint8_t *pdu, size_t len)
{
	struct tpdu t;
	struct smpp_pdu *p;
	struct mb_in *in;
	int rc = tpdu_deliver_decode(pdu, len, &t);

	if (index >= 0 && sim_number(s)[0] == '\0') {
		log_warn("SMS kept on the SIM: own number unknown (no +CNUM; set "
			 "P:sim:%s:number) modem=%s index=%d", s->m->imsi, s->id,
			 index);
		return;
	}
	if (rc < 0) {
		log_warn("received SMS unreadable, deleted modem=%s mem=%s index=%d "
			 "error=%d", s->id, mem, index, rc);
		mb_modem_delete(s->m, mem, index);
		return;
	}
	p = malloc(sizeof(*p));
	in = in_new(s, mem, index);
	if (p == NULL || in == NULL || deliver_pdu(s, &t, p) != 0) {
		log_warn("received SMS not handled modem=%s from=%s", s->id,
			 t.addr.text);
		free(p);
		free(in);
		return;
	}
	log_info("SMS received modem=%s from=%s to=%s dcs=0x%02x udh=%d",
		 s->id, p->source_addr, p->destination_addr, t.dcs, t.has_udh);
	in->calls = 1;
	if (bb_dlr_deliver(s->mb->dlr, sim_link(s), p, in_done, in) != 0) {
		log_warn("received SMS kept on the SIM (Redis down) modem=%s", s->id);
		free(in);
	} else {
		s->mb->inbound++;
	}
	free(p);
}

/* A status report as a receipt deliver_sm with the id stored at +CMGS. */
static void inbound_report(struct mb_sim *s, const char *mem, int index,
			   const uint8_t *pdu, size_t len)
{
	struct tpdu t;
	struct dlr_text r;
	struct smpp_pdu *p;
	struct mb_in *in;
	char sk[48], text[200];
	int rc = tpdu_status_report_decode(pdu, len, &t), n;

	if (rc < 0) {
		log_warn("status report unreadable, deleted modem=%s error=%d",
			 s->id, rc);
		mb_modem_delete(s->m, mem, index);
		return;
	}
	if (s->nlinks == 0) {
		/* no link's receipt can match it: it would fill the SIM */
		log_info("status report deleted: modem serves no link modem=%s "
			 "mr=%u mem=%s index=%d", s->id, t.mr, mem, index);
		mb_modem_delete(s->m, mem, index);
		return;
	}
	memset(&r, 0, sizeof(r));
	r.fields = DLR_TEXT_HAS_ID | DLR_TEXT_HAS_STAT | DLR_TEXT_HAS_ERR;
	snprintf(r.id, sizeof(r.id), "%s%03u", sim_key(s, sk, sizeof(sk)), t.mr);
	snprintf(r.stat, sizeof(r.stat), "%s", tpdu_status_stat(t.st));
	snprintf(r.err, sizeof(r.err), "%03u", t.st);
	n = dlr_text_encode(&r, text, sizeof(text));
	p = calloc(1, sizeof(*p));
	in = in_new(s, mem, index);
	if (n < 0 || p == NULL || in == NULL) {
		free(p);
		free(in);
		return;
	}
	log_info("status report modem=%s mr=%u st=0x%02x stat=%s", s->id, t.mr,
		 t.st, r.stat);
	p->command_id = SMPP_DELIVER_SM;
	p->esm_class = SMPP_ESM_DELIVERY_RECEIPT;
	snprintf(p->source_addr, sizeof(p->source_addr), "%s", t.addr.text);
	memcpy(p->short_message, text, (size_t)n);
	p->sm_length = (uint8_t)n;
	/* the reference is stored under the link the part went out on: try each */
	in->calls = (int)s->nlinks + 1;
	for (size_t i = 0; i < s->nlinks; i++) {
		if (bb_dlr_deliver(s->mb->dlr, s->mb->links[s->links[i]].id, p,
				   in_done, in) != 0) {
			in->failed = true;
			in->calls--;
		}
	}
	s->mb->inbound++;
	free(p);
	in_done(0, in);	/* the extra count */
}

static void on_inbound(void *arg, enum mb_modem_pdu kind, const char *mem,
		       int index, const uint8_t *pdu, size_t len)
{
	struct mb_sim *s = arg;

	if (s->mb->dying)
		return;
	if (kind == MB_MODEM_PDU_DELIVER)
		inbound_deliver(s, mem, index, pdu, len);
	else if (kind == MB_MODEM_PDU_REPORT)
		inbound_report(s, mem, index, pdu, len);
}

static const struct mb_modem_ops sim_ops = {
	.write = NULL, .timer = NULL, .state = on_state, .idle = on_idle,
	.sent = on_sent, .send_failed = on_send_failed, .inbound = on_inbound,
};

/* ---- links, heartbeat ---- */

/* The link is up while one of its SIMs could take a part: ready, registered
 * (mb_modem_usable, as mb_modem_can_send minus the busy terms) and not at a
 * limit (a limited SIM counts again only once a re-check found it under). */
static bool sim_can_take(const struct mb_sim *s)
{
	return mb_modem_usable(s->m) && !s->limited;
}

static void link_key_write(struct mb_box *mb, const struct mb_link *l)
{
	char k[MB_KEY_MAX];

	if (box_key(mb->b, k, sizeof(k), "link:%s:up", l->id) < 0)
		return;
	if (l->up)
		redis_command(mb->b->redis, NULL, NULL, "SET %s %s EX %d", k,
			      mb->b->id, MB_BOX_UP_TTL_S);
	else
		redis_command(mb->b->redis, NULL, NULL, "DEL %s", k);
}

static void links_update(struct mb_box *mb, bool write)
{
	for (size_t i = 0; i < mb->nlinks; i++) {
		struct mb_link *l = &mb->links[i];
		bool up = false;

		for (size_t j = 0; j < mb->nsims && !up && !mb->stopping; j++)
			for (size_t k = 0; k < mb->sims[j].nlinks; k++)
				if (mb->sims[j].links[k] == i &&
				    sim_can_take(&mb->sims[j]))
					up = true;
		if (up != l->up) {
			log_info("link %s smsc=%s", up ? "up" : "down", l->id);
			l->up = up;
			bb_queue_set_up(l->q, up);
			if (mb->redis_up)
				link_key_write(mb, l);
		} else if (write && mb->redis_up && up) {
			link_key_write(mb, l);
		}
	}
}

#define MB_STATUS_FIELDS 18
#define MB_STATUS_VAL 160

/* One "MODEM.field" / value pair of the status hash. */
struct mb_pair {
	char k[MB_ID_MAX + 16];
	char v[MB_STATUS_VAL];
};

static void pair(struct mb_pair *p, const struct mb_sim *s, const char *k,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void pair(struct mb_pair *p, const struct mb_sim *s, const char *k,
		 const char *fmt, ...)
{
	va_list ap;

	snprintf(p->k, sizeof(p->k), "%s.%s", s->id, k);
	va_start(ap, fmt);
	vsnprintf(p->v, sizeof(p->v), fmt, ap);
	va_end(ap);
}

/* Fills MB_STATUS_FIELDS pairs for s (doc/modembox.md, Status). */
static void sim_status(const struct mb_sim *s, struct mb_pair *p)
{
	const struct mb_modem *m = s->m;

	pair(p++, s, "state", "%s", s->limited && m->state == MB_MODEM_READY ?
	     "limited" : mb_modem_state_name(m->state));
	pair(p++, s, "line", "%s", mb_dev_where(s->dev));
	pair(p++, s, "imei", "%s", m->imei);
	pair(p++, s, "imsi", "%s", m->imsi);
	pair(p++, s, "number", "%s", sim_number(s));
	pair(p++, s, "signal", "%d", m->rssi);
	pair(p++, s, "registration", "%d", m->creg);
	pair(p++, s, "sent", "%lu", m->sent_ok);
	pair(p++, s, "send-errors", "%lu", m->send_errors);
	pair(p++, s, "received", "%lu", m->received);
	pair(p++, s, "reports", "%lu", m->reports);
	pair(p++, s, "resets", "%lu", m->resets);
	pair(p++, s, "today", "%lld", s->today);
	pair(p++, s, "total", "%lld", s->sent_total);
	pair(p++, s, "daily-limit", "%lld", s->daily);
	pair(p++, s, "total-limit", "%lld", s->total);
	pair(p++, s, "send-rate", "%lld", s->rate);
	pair(p, s, "links", "%zu", s->nlinks);
}

/* HSET P:modembox:ID with every modem's status, then EXPIRE. */
static void status_write(struct mb_box *mb)
{
	size_t np = MB_STATUS_FIELDS * mb->nsims, n = 0;
	struct mb_pair *p = calloc(np, sizeof(*p));
	const char **argv = calloc(6 + 2 * np, sizeof(*argv));
	char k[MB_KEY_MAX], ts[24];

	if (p == NULL || argv == NULL ||
	    box_key(mb->b, k, sizeof(k), "modembox:%s", mb->id) < 0)
		goto out;
	snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
	argv[n++] = "HSET";
	argv[n++] = k;
	argv[n++] = "box";
	argv[n++] = mb->b->id;
	argv[n++] = "ts";
	argv[n++] = ts;
	for (size_t i = 0; i < mb->nsims; i++)
		sim_status(&mb->sims[i], p + i * MB_STATUS_FIELDS);
	for (size_t i = 0; i < np; i++) {
		argv[n++] = p[i].k;
		argv[n++] = p[i].v;
	}
	redis_command_argv(mb->b->redis, NULL, NULL, (int)n, argv, NULL);
	redis_command(mb->b->redis, NULL, NULL, "EXPIRE %s %d", k,
		      MB_BOX_UP_TTL_S);
out:
	free(argv);
	free(p);
}

static void tick(struct loop_timer *t, void *arg)
{
	struct mb_box *mb = arg;
	unsigned long long now = now_ms(mb);
	bool hb = now - mb->hb_ms >= MB_BOX_HEARTBEAT_MS;

	(void)t;
	if (mb->stopping)
		return;
	links_update(mb, hb && mb->redis_up);
	if (hb && mb->redis_up) {
		mb->hb_ms = now;
		status_write(mb);
	}
	for (size_t i = 0; i < mb->nsims; i++) {
		struct mb_sim *s = &mb->sims[i];

		if (hb && mb->redis_up && s->m->state == MB_MODEM_READY)
			number_get(s);
		if (s->limited && mb->redis_up && now >= s->limit_check_ms) {
			s->limit_check_ms = now + (unsigned long long)s->recheck_ms;
			limit_call(s, "0", limit_peek_done);
		}
		if (s->m->state == MB_MODEM_READY && s->msg == NULL &&
		    now - s->poll_ms >= MB_BOX_POLL_MS) {
			s->poll_ms = now;
			mb_modem_poll(s->m);
		}
		sim_pump(s);
	}
}

/* ---- set-up ---- */

static void link_ready(void *arg)
{
	struct mb_link *l = arg;

	if (!l->mb->dying)
		pump_link(l->mb, l);
}

static bool list_has(char items[][CONF_ITEM_MAX], size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(items[i], id) == 0)
			return true;
	return false;
}

static int add_links(struct mb_box *mb)
{
	const struct conf *c = mb->b->conf;
	const struct conf_group *g = NULL;

	while ((g = conf_group_next(c, g, "smsc")) != NULL) {
		const char *mbox = conf_schema_get_str(g, "modembox");
		const char *id = conf_schema_get_str(g, "smsc-id");
		char items[32][CONF_ITEM_MAX];
		size_t n, i;

		if (conf_schema_get_enum(g, "type") != 1 || mbox == NULL ||
		    strcmp(mbox, mb->id) != 0 || id == NULL)
			continue;
		if (mb->nlinks == MB_LINKS_MAX || strlen(id) >= MB_ID_MAX) {
			log_error("too many modem links modembox=%s", mb->id);
			return -1;
		}
		n = conf_schema_get_list(g, "modems", items, 32);
		for (i = 0; i < mb->nsims; i++) {
			struct mb_sim *s = &mb->sims[i];

			if ((n == 0 || list_has(items, n, s->id)) &&
			    s->nlinks < MB_LINKS_MAX)
				s->links[s->nlinks++] = mb->nlinks;
		}
		mb->links[mb->nlinks].mb = mb;
		snprintf(mb->links[mb->nlinks].id, MB_ID_MAX, "%s", id);
		mb->links[mb->nlinks].q = bb_queue_new(mb->qs, g, (int)mb->nsims + 1,
						       link_ready,
						       &mb->links[mb->nlinks]);
		if (mb->links[mb->nlinks].q == NULL)
			return -1;
		mb->nlinks++;
	}
	return 0;
}

static int add_sims(struct mb_box *mb)
{
	const struct conf *c = mb->b->conf;
	const struct conf_group *g = NULL;
	size_t n = 0;

	while ((g = conf_group_next(c, g, "modem")) != NULL) {
		const char *box = conf_schema_get_str(g, "modembox");

		if (box != NULL && strcmp(box, mb->id) == 0)
			n++;
	}
	if (n == 0 || n > MB_SIMS_MAX) {
		log_error("modembox has %s modems modembox=%s",
			  n == 0 ? "no" : "too many", mb->id);
		return -1;
	}
	mb->sims = calloc(n, sizeof(*mb->sims));
	if (mb->sims == NULL)
		return -1;
	while ((g = conf_group_next(c, g, "modem")) != NULL) {
		const char *box = conf_schema_get_str(g, "modembox");
		struct mb_sim *s = &mb->sims[mb->nsims];

		if (box == NULL || strcmp(box, mb->id) != 0)
			continue;
		s->mb = mb;
		snprintf(s->id, sizeof(s->id), "%s", conf_schema_get_str(g, "id"));
		s->rate = conf_schema_get_int(g, "send-rate");
		if (s->rate < 1)
			s->rate = 1;
		s->daily = conf_schema_get_int(g, "daily-limit");
		s->total = conf_schema_get_int(g, "total-limit");
		s->recheck_ms = conf_schema_get_int(g, "limit-recheck");
		s->pace = loop_timer_new(mb->b->loop, sim_pace_timer, s);
		s->dev = mb_dev_new(mb->b->loop, g, &sim_ops, s);
		mb->nsims++;
		if (s->pace == NULL || s->dev == NULL)
			return -1;
		s->m = mb_dev_modem(s->dev);
	}
	return 0;
}

struct mb_box *mb_box_new(struct box *b, const char *id)
{
	struct mb_box *mb = calloc(1, sizeof(*mb));

	if (mb == NULL)
		return NULL;
	mb->b = b;
	snprintf(mb->id, sizeof(mb->id), "%s", id);
	mb->dlr = bb_dlr_new(b, b->conf);
	mb->qs = mb->dlr != NULL ? bb_queues_new(b, mb->dlr, b->conf) : NULL;
	mb->s_limit = redis_script_new(b->redis, lua_limit);
	mb->tick = loop_timer_new(b->loop, tick, mb);
	if (mb->dlr == NULL || mb->qs == NULL || mb->s_limit == NULL ||
	    mb->tick == NULL || add_sims(mb) != 0 || add_links(mb) != 0) {
		mb_box_free(mb);
		return NULL;
	}
	if (mb->nlinks == 0)
		log_warn("no smsc group with type = modem names this modembox "
			 "modembox=%s: modems receive only", mb->id);
	for (size_t i = 0; i < mb->nsims; i++)
		if (mb->sims[i].nlinks == 0)
			log_warn("modem serves no link modem=%s", mb->sims[i].id);
	return mb;
}

void mb_box_start(struct mb_box *mb)
{
	for (size_t i = 0; i < mb->nsims; i++)
		mb_dev_start(mb->sims[i].dev);
	loop_timer_start(mb->tick, MB_BOX_TICK_MS, true);
}

void mb_box_redis(struct mb_box *mb, bool up)
{
	mb->redis_up = up;
	if (!up || mb->dying)
		return;
	bb_queues_redis_up(mb->qs);
	for (size_t i = 0; i < mb->nlinks; i++)
		if (mb->links[i].up)
			link_key_write(mb, &mb->links[i]);
	for (size_t i = 0; i < mb->nsims; i++)
		if (mb->sims[i].m->state == MB_MODEM_READY) {
			/* messages kept on the SIM while Redis was away: read again */
			mb->sims[i].listed = false;
			limit_call(&mb->sims[i], "0", limit_peek_done);
			number_get(&mb->sims[i]);
		}
}

static bool box_idle(const struct mb_box *mb)
{
	if (mb->inbound > 0 || bb_queues_busy(mb->qs) > 0)
		return false;
	for (size_t i = 0; i < mb->nsims; i++)
		if (mb->sims[i].msg != NULL)
			return false;
	for (size_t i = 0; i < mb->nlinks; i++)
		if (bb_queue_busy(mb->links[i].q) > 0)
			return false;
	return true;
}

static void stop_timer(struct loop_timer *t, void *arg)
{
	struct mb_box *mb = arg;
	char k[MB_KEY_MAX];

	if (!box_idle(mb) && now_ms(mb) - mb->stop_ms < MB_STOP_MAX_MS) {
		loop_timer_start(t, 100, false);
		return;
	}
	if (!box_idle(mb))
		log_warn("stopping with work in flight (its stream entries are "
			 "claimed later)");
	if (mb->redis_up && box_key(mb->b, k, sizeof(k), "modembox:%s", mb->id) > 0)
		redis_command(mb->b->redis, NULL, NULL, "DEL %s", k);
	box_exit(mb->b);
}

void mb_box_stop(struct mb_box *mb)
{
	mb->stopping = true;
	mb->stop_ms = now_ms(mb);
	loop_timer_stop(mb->tick);
	for (size_t i = 0; i < mb->nlinks; i++) {
		mb->links[i].up = false;
		if (mb->redis_up)
			link_key_write(mb, &mb->links[i]);
		bb_queue_stop(mb->links[i].q);
	}
	bb_queues_stop(mb->qs);
	mb->stop_timer = loop_timer_new(mb->b->loop, stop_timer, mb);
	if (mb->stop_timer == NULL)
		box_exit(mb->b);
	else
		loop_timer_start(mb->stop_timer, 0, false);
}

void mb_box_free(struct mb_box *mb)
{
	if (mb == NULL)
		return;
	mb->dying = true;
	for (size_t i = 0; i < mb->nsims; i++) {
		mb_dev_free(mb->sims[i].dev);
		loop_timer_free(mb->sims[i].pace);
	}
	for (size_t i = 0; i < mb->nlinks; i++)
		bb_queue_free(mb->links[i].q);
	bb_queues_free(mb->qs);
	bb_dlr_free(mb->dlr);
	loop_timer_free(mb->tick);
	loop_timer_free(mb->stop_timer);
	free(mb->sims);
	free(mb);
}
