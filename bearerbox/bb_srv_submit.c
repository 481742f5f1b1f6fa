/*
 * bb_srv_submit — what a customer's transmitter or transceiver bind sends:
 * submit_sm, data_sm and submit_multi (validated here, then accepted through
 * the shared accept step, shared/io/mt_accept.h, whose reply means the message
 * is durable in Redis: only then the _resp goes out) and query_sm (state from
 * P:msg:ID). Per-account throughput and window (per bind). SMPP 3.3 / 3.4
 * (protocols.md §1); doc/smpp-server.md lists every status.
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
#include "shared/codec/gsm7.h"
#include "shared/codec/latin1.h"
#include "shared/codec/msgrec.h"
#include "shared/codec/route.h"
#include "shared/codec/udh.h"
#include "shared/io/box.h"
#include "shared/io/log.h"
#include "shared/io/mt_accept.h"
#include "shared/io/redis.h"

/* An accept request in flight. */
struct srv_req {
	struct srv_sess *ss;
	uint32_t command_id, seq;
	unsigned nbad;			/* submit_multi: refused destinations */
	struct smpp_unsuccess bad[];
};

/* How the content of a submit is to be read. */
struct srv_content {
	enum mt_accept_kind kind;
	bool flash;
	const uint8_t *data;
	size_t len;
	const uint8_t *udh;
	size_t udh_len;
};

/*
 * cancel_sm: a message whose parts are all still queued, unread by any link
 * session (after the group's last-delivered-id), is removed from P:q:LINK,
 * marked DELETED, refunded (current rate of its destination x its parts) and,
 * when a receipt was wanted, gets a DELETED receipt event. The record's m was
 * read and decoded by the server first (srv_cancel_read); a record of the
 * older form (a field per value) has its fields read here.
 * KEYS msg rates acct; ARGV P acct id now scanmax, then from m (or "") link
 * to dlr m -> 'ok' | 'nomsg' | 'final' | 'sent'
 */
static const char lua_cancel[] =
"local m = redis.call('HMGET', KEYS[1], 'acct', 'link', 'parts', 'final',\n"
"  'to', 'dlr', 'from', 'ts', 'm')\n"
"if m[9] then\n"
"  if m[9] ~= ARGV[9] then return 'nomsg' end\n"
"  m[2], m[5], m[6] = ARGV[6], ARGV[7], ARGV[8]\n"
"elseif not m[1] or m[1] ~= ARGV[2] then\n"
"  return 'nomsg'\n"
"end\n"
"if m[4] then return 'final' end\n"
"local q = ARGV[1] .. ':q:' .. (m[2] or '')\n"
"local parts = tonumber(m[3]) or 1\n"
"local last = '0-0'\n"
"if redis.call('EXISTS', q) == 1 then\n"
"  for _, g in ipairs(redis.call('XINFO', 'GROUPS', q)) do\n"
"    local t = {}\n"
"    for i = 1, #g, 2 do t[g[i]] = g[i + 1] end\n"
"    if t['name'] == 'links' then last = t['last-delivered-id'] end\n"
"  end\n"
"end\n"
"local found = {}\n"
"for _, e in ipairs(redis.call('XRANGE', q, '(' .. last, '+', 'COUNT',\n"
"    ARGV[5])) do\n"
"  for i = 1, #e[2], 2 do\n"
"    if e[2][i] == 'id' then\n"
"      if e[2][i + 1] == ARGV[3] then found[#found + 1] = e[1] end\n"
"      break\n"
"    end\n"
"  end\n"
"end\n"
"if #found < parts then return 'sent' end\n"
"redis.call('XDEL', q, unpack(found))\n"
"local to = m[5] or ''\n"
"local f = {}\n"
"for l = #to, 1, -1 do f[#f + 1] = string.sub(to, 1, l) end\n"
"f[#f + 1] = 'default'\n"
"local v = redis.call('HMGET', KEYS[2], unpack(f))\n"
"for k = 1, #f do\n"
"  if v[k] then\n"
"    local refund = (tonumber(v[k]) or 0) * parts\n"
"    if refund > 0 then\n"
"      redis.call('HINCRBY', KEYS[3], 'credit', string.format('%d', refund))\n"
"    end\n"
"    break\n"
"  end\n"
"end\n"
"for p = 1, parts do redis.call('HSET', KEYS[1], 'p' .. p, 'DELETED') end\n"
"redis.call('HSET', KEYS[1], 'final', 'DELETED', 'final-err', '0')\n"
"redis.call('EXPIRE', KEYS[1], 259200)\n"
"if m[6] == '1' and m[9] then\n"
"  redis.call('XADD', ARGV[1] .. ':ev:smpp:' .. ARGV[2], 'MAXLEN', '~',\n"
"    '1000000', '*', 'id', ARGV[3], 'm', m[9], 'stat', 'DELETED',\n"
"    'err', '0', 'code', '252', 'ts', ARGV[4])\n"
"elseif m[6] == '1' then\n"
"  redis.call('XADD', ARGV[1] .. ':ev:smpp:' .. ARGV[2], 'MAXLEN', '~',\n"
"    '1000000', '*', 'id', ARGV[3], 'acct', ARGV[2], 'to', to,\n"
"    'from', m[7] or '', 'sts', m[8] or '0', 'stat', 'DELETED',\n"
"    'err', '0', 'code', '252', 'ts', ARGV[4])\n"
"end\n"
"return 'ok'\n";

#define SRV_CANCEL_SCAN "10000"	/* queue entries looked at by cancel_sm */

int srv_submit_init(struct bb_server *s)
{
	s->s_cancel = redis_script_new(s->b->redis, lua_cancel);
	return s->s_cancel != NULL ? 0 : -1;
}

void srv_submit_fini(struct bb_server *s)
{
	(void)s;
}

int srv_id_out(const struct srv_sess *ss, const char *id, char *dst,
	       size_t cap)
{
	uint64_t v;

	if (!ss->v33) {
		size_t n = strlen(id);

		if (n >= cap)
			return -1;
		memcpy(dst, id, n + 1);
		return (int)n;
	}
	if (dlr_text_id_value(id, strlen(id), 10, &v) != 0)
		return -1;
	return dlr_text_id_format(v, 16, dst, cap);
}

/* A customer's id back to Hermod's decimal id. Returns 0 or -1. */
static int srv_id_in(const struct srv_sess *ss, const char *id, char *dst,
		     size_t cap)
{
	uint64_t v;

	if (dlr_text_id_value(id, strlen(id), ss->v33 ? 16 : 10, &v) != 0)
		return -1;
	return dlr_text_id_format(v, 10, dst, cap) > 0 ? 0 : -1;
}

/* Destination: [+]digits, 1..15 of them, into out (no '+'). */
static bool srv_dest_ok(const char *addr, char *out, size_t cap)
{
	size_t n;

	if (addr[0] == '+')
		addr++;
	n = strlen(addr);
	if (n == 0 || n > 15 || n >= cap || strspn(addr, "0123456789") != n)
		return false;
	memcpy(out, addr, n + 1);
	return true;
}

/* Source: digits (1..15, '+' allowed) or alphanumeric (1..11 printable). The
 * accept step gets '+' in front of an international number. */
static uint32_t srv_source(const struct srv_sess *ss, const struct smpp_pdu *p,
			   char *out, size_t cap)
{
	const char *a = p->source_addr;
	size_t n;
	bool digits;

	if (a[0] == '+')
		a++;
	n = strlen(a);
	digits = n > 0 && strspn(a, "0123456789") == n;
	if (n == 0 || (digits && n > 15) || (!digits && n > 11) || n + 2 > cap)
		return SMPP_ESME_RINVSRCADR;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)a[i] < 0x20 || (unsigned char)a[i] > 0x7e)
			return SMPP_ESME_RINVSRCADR;
	if (!account_sender_allowed(&ss->acct->rec, a))
		return SMPP_ESME_RINVSRCADR;
	snprintf(out, cap, "%s%s",
		 digits && (p->source_addr_ton == SMPP_TON_INTERNATIONAL ||
			    p->source_addr[0] == '+') ? "+" : "", a);
	return SMPP_ESME_ROK;
}

/* data_coding -> how to read the octets. Seed 004 §4.1: DCS 0 is
 * ISO-8859-1, DCS 1 is GSM 03.38 (one septet per octet). */
enum srv_alpha { SRV_LATIN1, SRV_GSM7, SRV_UCS2, SRV_BIN };

static uint32_t srv_dcs(uint8_t dcs, enum srv_alpha *al, bool *flash)
{
	*flash = false;
	if ((dcs & 0xF0) == 0xF0) {		/* data coding / message class */
		*flash = (dcs & 0x03) == 0;
		*al = (dcs & 0x04) ? SRV_BIN : SRV_GSM7;
		return SMPP_ESME_ROK;
	}
	if ((dcs & 0xE0) == 0x00 && (dcs & 0x10)) {	/* general, with class */
		*flash = (dcs & 0x03) == 0;
		switch ((dcs >> 2) & 0x03) {
		case 0: *al = SRV_GSM7; return SMPP_ESME_ROK;
		case 1: *al = SRV_BIN; return SMPP_ESME_ROK;
		case 2: *al = SRV_UCS2; return SMPP_ESME_ROK;
		default: return SMPP_ESME_RINVDCS;
		}
	}
	switch (dcs) {
	case SMPP_DCS_DEFAULT:
	case SMPP_DCS_LATIN1:
		*al = SRV_LATIN1;
		return SMPP_ESME_ROK;
	case SMPP_DCS_IA5:
		*al = SRV_GSM7;
		return SMPP_ESME_ROK;
	case SMPP_DCS_UCS2:
		*al = SRV_UCS2;
		return SMPP_ESME_ROK;
	case SMPP_DCS_BINARY:
	case SMPP_DCS_BINARY_TDMA:
		*al = SRV_BIN;
		return SMPP_ESME_ROK;
	default:
		return SMPP_ESME_RINVDCS;
	}
}

/* The message octets: short_message or message_payload, one of them. */
static uint32_t srv_octets(const struct smpp_pdu *p, const uint8_t **d,
			   size_t *len)
{
	bool pl = smpp_tlv_has(&p->tlv, SMPP_TI_MESSAGE_PAYLOAD);

	if (pl && p->sm_length > 0)
		return SMPP_ESME_RINVMSGLEN;
	if (pl) {
		*d = p->tlv.message_payload.p;
		*len = p->tlv.message_payload.len;
	} else {
		*d = p->short_message;
		*len = p->sm_length;
	}
	if (*len > SRV_TEXT_MAX)
		return SMPP_ESME_RINVMSGLEN;
	return SMPP_ESME_ROK;
}

/*
 * The SAR TLVs of p (a part the customer concatenated) as a concat IE added
 * to c's UDH, in the server's scratch: the accept step then handles UDH and
 * SAR parts alike. A UDH that has a concat IE already wins; a part 1 of 1
 * needs none. All three TLVs or none (RMISSINGOPTPARAM); seq in 1..total
 * (RINVOPTPARAMVAL).
 */
static uint32_t srv_sar(struct bb_server *s, const struct smpp_pdu *p,
			struct srv_content *c)
{
	const struct smpp_tlvs *t = &p->tlv;
	struct udh_spec spec = { 0 };
	struct udh u;
	int n, k = smpp_tlv_has(t, SMPP_TI_SAR_MSG_REF_NUM) +
		   smpp_tlv_has(t, SMPP_TI_SAR_TOTAL_SEGMENTS) +
		   smpp_tlv_has(t, SMPP_TI_SAR_SEGMENT_SEQNUM);

	if (k == 0)
		return SMPP_ESME_ROK;
	if (k != 3)
		return SMPP_ESME_RMISSINGOPTPARAM;
	if (t->sar_total_segments == 0 || t->sar_segment_seqnum == 0 ||
	    t->sar_segment_seqnum > t->sar_total_segments)
		return SMPP_ESME_RINVOPTPARAMVAL;
	if (c->udh != NULL && udh_decode(c->udh, c->udh_len, &u) > 0 &&
	    u.has_concat)
		return SMPP_ESME_ROK;
	if (t->sar_total_segments == 1)
		return SMPP_ESME_ROK;
	spec.concat = true;
	spec.concat16 = t->sar_msg_ref_num > 0xFF;
	spec.ref = t->sar_msg_ref_num;
	spec.total = t->sar_total_segments;
	spec.seq = t->sar_segment_seqnum;
	if (c->udh != NULL) {
		spec.extra = c->udh + 1;
		spec.extra_len = c->udh_len - 1;
	}
	n = udh_encode(&spec, s->udh, sizeof(s->udh));
	if (n <= 0)
		return SMPP_ESME_RINVMSGLEN;
	c->udh = s->udh;
	c->udh_len = (size_t)n;
	return SMPP_ESME_ROK;
}

/*
 * Reads the content into c: text alphabets are turned into UTF-8 in the
 * server's scratch buffer (the accept step chooses the coding again). A UDH
 * (esm_class UDHI, or made of SAR TLVs) is kept: on text it makes the
 * content one part the customer concatenated, queued as one part with its
 * concatenation (mt_accept.h; doc/smpp-server.md); on binary every part
 * carries it.
 */
static uint32_t srv_content(struct bb_server *s, const struct smpp_pdu *p,
			    struct srv_content *c)
{
	enum srv_alpha al;
	const uint8_t *d;
	size_t len;
	struct udh u;
	int n;
	uint32_t st;

	memset(c, 0, sizeof(*c));
	if ((st = srv_dcs(p->data_coding, &al, &c->flash)) != SMPP_ESME_ROK ||
	    (st = srv_octets(p, &d, &len)) != SMPP_ESME_ROK)
		return st;
	if (p->esm_class & SMPP_ESM_UDHI) {
		n = udh_decode(d, len, &u);
		if (n < 0)
			return SMPP_ESME_RINVMSGLEN;
		if (n > 1) {		/* UDHL 0: no header after all */
			c->udh = d;
			c->udh_len = (size_t)n;
		}
		d += n;
		len -= (size_t)n;
	}
	if ((st = srv_sar(s, p, c)) != SMPP_ESME_ROK)
		return st;
	switch (al) {
	case SRV_BIN:
		c->kind = MT_ACCEPT_BINARY;
		c->data = d;
		c->len = len;
		return SMPP_ESME_ROK;
	case SRV_UCS2:
		if (len % 2 != 0)
			return SMPP_ESME_RINVMSGLEN;
		c->kind = MT_ACCEPT_UCS2;
		c->data = d;
		c->len = len;
		break;
	case SRV_GSM7:
		n = gsm7_to_utf8(d, len, GSM7_SUBSTITUTE, s->text,
				 sizeof(s->text), NULL);
		goto text;
	case SRV_LATIN1:
		n = latin1_to_utf8(d, len, s->text, sizeof(s->text));
text:
		if (n < 0)
			return SMPP_ESME_RINVMSGLEN;
		c->kind = MT_ACCEPT_TEXT;
		c->data = s->text;
		c->len = (size_t)n;
		break;
	}
	return SMPP_ESME_ROK;
}

/* "YYMMDDhhmmsstnnp" -> seconds from now; "" -> -1. -2 when malformed. */
static long srv_validity(const char *v)
{
	int f[6];
	long rel;

	if (v[0] == '\0')
		return -1;
	if (strlen(v) != 16 || strspn(v, "0123456789") != 15 ||
	    (v[15] != 'R' && v[15] != '+' && v[15] != '-'))
		return -2;
	for (int i = 0; i < 6; i++)
		f[i] = (v[2 * i] - '0') * 10 + (v[2 * i + 1] - '0');
	if (v[15] == 'R') {
		rel = ((((long)f[0] * 365 + f[1] * 30 + f[2]) * 24 + f[3]) * 60 +
		       f[4]) * 60 + f[5];
		return rel > 0 ? rel : -2;
	}
	struct tm tm = {
		.tm_year = 100 + f[0], .tm_mon = f[1] - 1, .tm_mday = f[2],
		.tm_hour = f[3], .tm_min = f[4], .tm_sec = f[5],
	};
	long q = ((v[13] - '0') * 10 + (v[14] - '0')) * 15 * 60;
	time_t t;

	if (f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31 || f[3] > 23 ||
	    f[4] > 59 || f[5] > 59 || (t = timegm(&tm)) == (time_t)-1)
		return -2;
	t -= v[15] == '+' ? q : -q;	/* the time is local to UTC+q */
	rel = (long)(t - time(NULL));
	return rel > 0 ? rel : -2;
}

static uint32_t srv_status_of(int st)
{
	switch (st) {
	case MT_ACCEPT_OK:
		return SMPP_ESME_ROK;
	case MT_ACCEPT_E_TOO_LONG:
	case MT_ACCEPT_E_FORMAT:
		return SMPP_ESME_RINVMSGLEN;
	case MT_ACCEPT_E_NO_ROUTE:
	case MT_ACCEPT_E_NO_RATE:
		return SMPP_ESME_RINVDSTADR;
	case MT_ACCEPT_E_CREDIT:
	case MT_ACCEPT_E_NO_ACCOUNT:
		return SMPP_ESME_RSUBMITFAIL;
	case MT_ACCEPT_E_THROTTLED:
		return SMPP_ESME_RTHROTTLED;
	default:
		return SMPP_ESME_RSYSERR;
	}
}

/* Sends the _resp of req (message_id when OK; submit_multi's refusals). */
static void srv_req_answer(struct srv_req *rq, uint32_t status, const char *id)
{
	struct srv_sess *ss = rq->ss;
	struct smpp_pdu *r = &ss->srv->resp;
	unsigned i;

	smpp_pdu_init(r, rq->command_id | SMPP_RESP_BIT, rq->seq);
	r->command_status = status;
	if (id != NULL && srv_id_out(ss, id, r->message_id,
				     sizeof(r->message_id)) < 0)
		r->message_id[0] = '\0';
	if (rq->command_id == SMPP_SUBMIT_MULTI) {
		r->no_unsuccess = (uint8_t)rq->nbad;
		for (i = 0; i < rq->nbad; i++)
			r->list.unsuccess[i] = rq->bad[i];
	}
	srv_send(ss, r);
	if (status == SMPP_ESME_ROK)
		ss->srv->st.submit_ok++;
	else if (status == SMPP_ESME_RTHROTTLED)	/* the shared count */
		ss->srv->st.throttled++;
	else
		ss->srv->st.submit_fail++;
}

static void srv_submit_done(const struct mt_accept_result *res, void *arg)
{
	struct srv_req *rq = arg;
	struct srv_sess *ss = rq->ss;

	ss->pending--;
	if (ss->state != SRV_CLOSED) {
		uint32_t st = srv_status_of(res->status);

		if (st != SMPP_ESME_ROK)
			log_info("smpp-server submit refused session=%llu acct=%s "
				 "status=%s why=\"%s\"", ss->id,
				 ss->acct ? ss->acct->name : "-",
				 smpp_status_name(st),
				 mt_accept_strerror(res->status));
		else
			log_debug("smpp-server accepted session=%llu id=%s "
				  "parts=%u", ss->id, res->nids ? res->ids[0] : "",
				  res->parts);
		srv_req_answer(rq, st, st == SMPP_ESME_ROK && res->nids > 0 ?
				       res->ids[0] : NULL);
	}
	srv_sess_unref(ss);
	free(rq);
}

/*
 * Token bucket of the account in this bearerbox, throughput tokens deep: the
 * first filter, so that a flood is refused without a Redis call. The limit
 * across every box (and HTTP) is the accept script's count (mt_accept_msg
 * throughput). True when n messages may go now: they take n tokens. n over
 * the depth (a submit_multi to more destinations than the throughput) goes
 * when the bucket is full and leaves it in debt, so the rate holds over time.
 */
static bool srv_take(struct bb_server *s, struct srv_acct *a, unsigned n)
{
	unsigned long long now = srv_now_ms(s);
	double tp = a->rec.throughput;

	if (tp == 0)
		return true;
	a->tokens += (double)(now - a->tokens_ms) * tp / 1000.0;
	a->tokens_ms = now;
	if (a->tokens > tp)
		a->tokens = tp;
	if (a->tokens < (n < tp ? (double)n : tp))
		return false;
	a->tokens -= n;
	return true;
}

/* Recipients of p into to[] (valid ones) and rq->bad (refused ones). */
static uint32_t srv_recipients(struct srv_sess *ss, const struct smpp_pdu *p,
			       char (*to)[MT_ACCEPT_TO_MAX], size_t *nto,
			       struct srv_req *rq)
{
	unsigned i;

	*nto = 0;
	if (p->command_id != SMPP_SUBMIT_MULTI) {
		if (!srv_dest_ok(p->destination_addr, to[0], sizeof(to[0])))
			return SMPP_ESME_RINVDSTADR;
		*nto = 1;
		return SMPP_ESME_ROK;
	}
	if (p->number_of_dests == 0 ||
	    p->number_of_dests > ss->acct->rec.max_recipients)
		return SMPP_ESME_RINVNUMDESTS;
	for (i = 0; i < p->number_of_dests; i++) {
		const struct smpp_dest *d = &p->list.dests[i];

		if (d->dest_flag == 1 &&
		    srv_dest_ok(d->addr, to[*nto], sizeof(to[0]))) {
			(*nto)++;
			continue;
		}
		struct smpp_unsuccess *u = &rq->bad[rq->nbad++];

		u->ton = d->ton;
		u->npi = d->npi;
		snprintf(u->addr, sizeof(u->addr), "%s", d->addr);
		u->error_status = d->dest_flag == 1 ? SMPP_ESME_RINVDSTADR :
						      SMPP_ESME_RINVDLNAME;
	}
	return *nto > 0 ? SMPP_ESME_ROK : SMPP_ESME_RINVDSTADR;
}

static uint32_t srv_fill(struct srv_sess *ss, const struct smpp_pdu *p,
			 struct mt_accept_msg *m, char *from, size_t fcap)
{
	struct srv_content c;
	uint32_t st;
	long vp;

	if ((p->esm_class & SMPP_ESM_TYPE_MASK) != 0)
		return SMPP_ESME_RINVESMCLASS;
	if ((st = srv_source(ss, p, from, fcap)) != SMPP_ESME_ROK ||
	    (st = srv_content(ss->srv, p, &c)) != SMPP_ESME_ROK)
		return st;
	if (p->command_id != SMPP_DATA_SM && p->schedule_delivery_time[0])
		return SMPP_ESME_RINVSCHED;
	vp = p->command_id == SMPP_DATA_SM ? -1 : srv_validity(p->validity_period);
	if (vp == -2)
		return SMPP_ESME_RINVEXPIRY;
	m->acct = ss->acct->name;
	m->from = from;
	m->kind = c.kind;
	m->data = c.data;
	m->len = c.len;
	m->udh = c.udh;
	m->udh_len = c.udh_len;
	m->flash = c.flash;
	m->dlr = (p->registered_delivery & SMPP_REG_DLR_MASK) != 0;
	m->interim = (p->registered_delivery & SMPP_REG_INTERMEDIATE) != 0;
	m->mess_id = "";
	m->dlr_url = "";
	m->dlr_mask = "";
	m->validity_s = vp;
	m->origin = "smpp";
	m->throughput = ss->acct->rec.throughput;
	return SMPP_ESME_ROK;
}

void srv_on_submit(struct srv_sess *ss, const struct smpp_pdu *p)
{
	struct bb_server *s = ss->srv;
	struct mt_accept_msg m = { 0 };
	char to1[1][MT_ACCEPT_TO_MAX], (*to)[MT_ACCEPT_TO_MAX] = to1;
	const char *top1[1], **top = top1;
	char from[24];
	struct srv_req *rq;
	bool multi = p->command_id == SMPP_SUBMIT_MULTI;
	size_t nto = 0, n = multi ? p->number_of_dests : 1;
	uint32_t st;
	int rc;

	/* a token per destination: submit_multi is n messages */
	if (ss->pending >= ss->acct->rec.window ||
	    !srv_take(s, ss->acct, n > 0 ? (unsigned)n : 1)) {
		s->st.throttled++;
		srv_send_status(ss, p, SMPP_ESME_RTHROTTLED);
		return;
	}
	/* One allocation per submit_sm (the request the reply finds); the
	 * recipient arrays of submit_multi only on the heap. */
	rq = malloc(sizeof(*rq) + (multi ? n * sizeof(rq->bad[0]) : 0));
	if (rq != NULL)
		rq->nbad = 0;
	if (multi && n > 0) {
		to = calloc(n, sizeof(*to));
		top = calloc(n, sizeof(*top));
	}
	if (rq == NULL || to == NULL || top == NULL) {
		st = SMPP_ESME_RSYSERR;
		goto answer;
	}
	rq->ss = ss;
	rq->command_id = p->command_id;
	rq->seq = p->sequence_number;
	if ((st = srv_recipients(ss, p, to, &nto, rq)) != SMPP_ESME_ROK ||
	    (st = srv_fill(ss, p, &m, from, sizeof(from))) != SMPP_ESME_ROK)
		goto answer;
	for (size_t i = 0; i < nto; i++)
		top[i] = to[i];
	m.to = top;
	m.nto = nto;
	rc = mt_accept_submit(s->acc, &m, srv_submit_done, rq, NULL);
	if (rc != MT_ACCEPT_OK) {
		st = srv_status_of(rc);
		log_info("smpp-server submit refused session=%llu acct=%s "
			 "status=%s why=\"%s\"", ss->id, ss->acct->name,
			 smpp_status_name(st), mt_accept_strerror(rc));
		goto answer;
	}
	ss->pending++;
	ss->refs++;
	goto out;
answer:
	if (rq != NULL)
		srv_req_answer(rq, st, NULL);
	else
		srv_send_status(ss, p, st);
	free(rq);
out:
	if (to != to1)
		free(to);
	if (top != top1)
		free(top);
}

/* ------------------------------------------------------------ query_sm */

struct srv_query {
	struct srv_sess *ss;
	uint32_t seq;
	char id[65];		/* as the customer wrote it */
};

static void srv_query_done(struct redis *r, struct redisReply *rep, void *arg)
{
	struct srv_query *q = arg;
	struct srv_sess *ss = q->ss;
	struct smpp_pdu *o;
	const char *acct, *fin, *err;
	char owner[ACCOUNT_NAME_MAX];
	struct msgrec m;

	(void)r;
	if (ss->state == SRV_CLOSED)
		goto out;
	o = &ss->srv->resp;
	smpp_pdu_init(o, SMPP_QUERY_SM_RESP, q->seq);
	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY || rep->elements != 4) {
		o->command_status = SMPP_ESME_RSYSERR;
		srv_send(ss, o);
		goto out;
	}
	/* the owner: in the packed m, or (a record of the older form) acct */
	acct = rep->element[0]->type == REDIS_REPLY_STRING ?
	       rep->element[0]->str : NULL;
	if (rep->element[3]->type == REDIS_REPLY_STRING)
		acct = msgrec_decode((const uint8_t *)rep->element[3]->str,
				     rep->element[3]->len, &m) > 0 &&
		       msgrec_cstr(&m.acct, owner, sizeof(owner)) == 0 ?
		       owner : NULL;
	fin = rep->element[1]->type == REDIS_REPLY_STRING ?
	      rep->element[1]->str : NULL;
	err = rep->element[2]->type == REDIS_REPLY_STRING ?
	      rep->element[2]->str : NULL;
	if (acct == NULL || ss->acct == NULL || strcmp(acct, ss->acct->name)) {
		o->command_status = SMPP_ESME_RQUERYFAIL;
		srv_send(ss, o);
		goto out;
	}
	snprintf(o->message_id, sizeof(o->message_id), "%s", q->id);
	if (fin == NULL) {
		o->message_state = SMPP_STATE_ENROUTE;
	} else {
		enum dlr_text_state d = dlr_text_state_from_word(fin,
								 strlen(fin));

		o->message_state = d == DLR_TEXT_STATE_NONE ?
				   SMPP_STATE_UNKNOWN : (uint8_t)d;
		o->error_code = err ? (uint8_t)atoi(err) : 0;
	}
	srv_send(ss, o);
out:
	srv_sess_unref(ss);
	free(q);
}

void srv_on_query(struct srv_sess *ss, const struct smpp_pdu *p)
{
	struct bb_server *s = ss->srv;
	struct srv_query *q;
	char id[24], key[ACCOUNT_KEY_MAX];

	if (srv_id_in(ss, p->message_id, id, sizeof(id)) != 0) {
		srv_send_status(ss, p, SMPP_ESME_RINVMSGID);
		return;
	}
	q = calloc(1, sizeof(*q));
	if (q == NULL || srv_key(s, key, sizeof(key), "msg:", id) < 0) {
		free(q);
		srv_send_status(ss, p, SMPP_ESME_RSYSERR);
		return;
	}
	q->ss = ss;
	q->seq = p->sequence_number;
	snprintf(q->id, sizeof(q->id), "%s", p->message_id);
	if (redis_command(s->b->redis, srv_query_done, q,
			  "HMGET %s acct final final-err m", key) != 0) {
		free(q);
		srv_send_status(ss, p, SMPP_ESME_RSYSERR);
		return;
	}
	ss->refs++;
}

/* ------------------------------------------------------------ cancel_sm */

/* Answers the cancel_sm of q: status, with result for the log. */
static void srv_cancel_answer(struct srv_query *q, uint32_t status,
			      const char *result)
{
	struct srv_sess *ss = q->ss;
	struct smpp_pdu *o;

	if (ss->state != SRV_CLOSED) {
		o = &ss->srv->resp;
		smpp_pdu_init(o, SMPP_CANCEL_SM_RESP, q->seq);
		o->command_status = status;
		log_info("smpp-server cancel_sm session=%llu acct=%s id=%s result=%s",
			 ss->id, ss->acct ? ss->acct->name : "-", q->id, result);
		srv_send(ss, o);
	}
	srv_sess_unref(ss);
	free(q);
}

static void srv_cancel_done(struct redis *r, struct redisReply *rep, void *arg)
{
	(void)r;
	if (rep != NULL && rep->type == REDIS_REPLY_ERROR)
		log_warn("smpp-server cancel script failed error=\"%s\"", rep->str);
	if (rep == NULL || (rep->type != REDIS_REPLY_STRING &&
			    rep->type != REDIS_REPLY_STATUS))
		srv_cancel_answer(arg, SMPP_ESME_RSYSERR, "error");
	else
		srv_cancel_answer(arg, strcmp(rep->str, "ok") == 0 ? SMPP_ESME_ROK :
				  SMPP_ESME_RCANCELFAIL, rep->str);
}

/* The record's m (or nil, a record of the older form) came: the cancel
 * script, with what it needs of m. */
static void srv_cancel_read(struct redis *r, struct redisReply *rep, void *arg)
{
	struct srv_query *q = arg;
	struct srv_sess *ss = q->ss;
	struct bb_server *s = ss->srv;
	char msg[ACCOUNT_KEY_MAX], rates[ACCOUNT_KEY_MAX], acct[ACCOUNT_KEY_MAX];
	char now[24], link[ROUTE_ID_MAX], to[32], owner[ACCOUNT_NAME_MAX];
	const char *argv[12];
	size_t len[12];
	struct msgrec m;
	bool packed;

	(void)r;
	if (ss->state == SRV_CLOSED) {
		srv_cancel_answer(q, SMPP_ESME_RSYSERR, "closed");
		return;
	}
	packed = rep != NULL && rep->type == REDIS_REPLY_STRING;
	link[0] = to[0] = '\0';
	if (rep == NULL || rep->type == REDIS_REPLY_ERROR) {
		srv_cancel_answer(q, SMPP_ESME_RSYSERR, "error");
		return;
	}
	if (packed && (msgrec_decode((const uint8_t *)rep->str, rep->len, &m) < 0 ||
		       msgrec_cstr(&m.acct, owner, sizeof(owner)) != 0 ||
		       msgrec_cstr(&m.link, link, sizeof(link)) != 0 ||
		       msgrec_cstr(&m.to, to, sizeof(to)) != 0 ||
		       strcmp(owner, ss->acct->name) != 0)) {
		srv_cancel_answer(q, SMPP_ESME_RCANCELFAIL, "nomsg");
		return;
	}
	if (srv_key(s, msg, sizeof(msg), "msg:", q->id) < 0 ||
	    srv_key(s, rates, sizeof(rates), "rates", "") < 0 ||
	    srv_key(s, acct, sizeof(acct), "acct:", ss->acct->name) < 0) {
		srv_cancel_answer(q, SMPP_ESME_RSYSERR, "error");
		return;
	}
	snprintf(now, sizeof(now), "%lld", srv_wall_ms());
	argv[0] = msg;
	argv[1] = rates;
	argv[2] = acct;
	argv[3] = s->b->prefix;
	argv[4] = ss->acct->name;
	argv[5] = q->id;
	argv[6] = now;
	argv[7] = SRV_CANCEL_SCAN;
	argv[8] = link;
	argv[9] = to;
	argv[10] = packed && (m.flags & MSGREC_DLR) ? "1" : "0";
	argv[11] = packed ? rep->str : "";
	for (int i = 0; i < 12; i++)
		len[i] = strlen(argv[i]);
	len[11] = packed ? rep->len : 0;
	if (redis_script_call(s->b->redis, s->s_cancel, srv_cancel_done, q, 3, 12,
			      argv, len) != 0)
		srv_cancel_answer(q, SMPP_ESME_RSYSERR, "error");
}

void srv_on_cancel(struct srv_sess *ss, const struct smpp_pdu *p)
{
	struct bb_server *s = ss->srv;
	struct srv_query *q;
	char id[24], msg[ACCOUNT_KEY_MAX];

	if (p->message_id[0] == '\0') {
		/* "every message from source_addr to destination_addr": no */
		srv_send_status(ss, p, SMPP_ESME_RCANCELFAIL);
		return;
	}
	if (srv_id_in(ss, p->message_id, id, sizeof(id)) != 0) {
		srv_send_status(ss, p, SMPP_ESME_RINVMSGID);
		return;
	}
	q = calloc(1, sizeof(*q));
	if (q == NULL || srv_key(s, msg, sizeof(msg), "msg:", id) < 0) {
		free(q);
		srv_send_status(ss, p, SMPP_ESME_RSYSERR);
		return;
	}
	q->ss = ss;
	q->seq = p->sequence_number;
	snprintf(q->id, sizeof(q->id), "%s", id);
	if (redis_command(s->b->redis, srv_cancel_read, q, "HGET %s m", msg) != 0) {
		free(q);
		srv_send_status(ss, p, SMPP_ESME_RSYSERR);
		return;
	}
	ss->refs++;
}
