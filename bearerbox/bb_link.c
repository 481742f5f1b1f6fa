/*
 * bb_link — SMPP client link: sessions, binds, window, timers, submit
 * encoding (bb_link.h). PDUs are decoded straight from the connection's input
 * buffer and encoded straight into its output buffer (protocols.md §1).
 */
#include "config.h"

#include "bearerbox/bb_link.h"

#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bearerbox/bb_dlr.h"
#include "bearerbox/bb_queue.h"
#include "bearerbox/bb_throttle.h"
#include "shared/codec/conf_schema.h"
#include "shared/codec/gsm7.h"
#include "shared/codec/latin1.h"
#include "shared/codec/smpp_pdu.h"
#include "shared/codec/ucs2.h"
#include "shared/io/box.h"
#include "shared/io/conn.h"
#include "shared/io/log.h"
#include "shared/io/loop.h"
#include "shared/io/redis.h"

#define L_SESSIONS_MAX 128
#define L_PDU_MAX 70000
#define L_READ_MAX (128 * 1024)
#define L_TICK_MS 250
#define L_UP_MS 5000		/* P:link:LINK:up refresh */
#define L_UP_TTL 15		/* its TTL, seconds */
#define L_BACKOFF_MAX_MS 300000
#define L_UNBIND_WAIT_MS 2000
#define L_KEY_MAX 192

enum l_coding { L_DC_GSM7, L_DC_ASCII, L_DC_LATIN1, L_DC_UCS2 };
enum l_mode { L_MODE_TRX, L_MODE_TX, L_MODE_RX, L_MODE_TXRX };
enum s_state { S_IDLE, S_CONNECTING, S_BINDING, S_BOUND, S_UNBINDING };

/* Deletes P:link:LINK:up only when this box wrote it. */
static const char l_down_lua[] =
	"if redis.call('GET', KEYS[1]) == ARGV[1] then\n"
	"  return redis.call('DEL', KEYS[1])\n"
	"end\n"
	"return 0\n";

struct s_slot {
	uint32_t seq;		/* 0: free */
	struct bb_msg *m;
	unsigned long long deadline;
};

struct bb_session;

/* A deliver_sm waiting for bb_dlr: answered when done, if still connected. */
struct s_dctx {
	struct bb_session *s;	/* NULL once the session is gone */
	struct s_dctx *next, *prev;	/* the session's list, or the free list */
	uint32_t command_id;
	uint32_t seq;
};

struct bb_session {
	struct bb_link *l;
	int idx;
	uint32_t bind_cmd;
	bool tx, rx;
	struct conn *c;
	enum s_state state;
	uint32_t seq;
	struct s_slot *slots;
	size_t mask;		/* slots has mask + 1 entries */
	size_t inflight;
	bool enq_out;
	uint32_t enq_seq;
	unsigned long long enq_deadline;
	unsigned long long last_tx;
	unsigned long long last_req;	/* last request we sent */
	unsigned long long deadline;	/* bind or unbind */
	uint32_t unbind_seq;
	unsigned long backoff_ms;
	struct loop_timer *reconnect;
	struct s_dctx *dpending;
	struct smpp_pdu *in;	/* decode scratch */
};

struct bb_link {
	struct box *box;
	struct bb_dlr *dlr;
	struct bb_queue *q;
	struct bb_throttle *tb;
	char id[64];
	char host[256];
	int port;
	char system_id[16];
	char password[9];
	char system_type[13];
	uint8_t version;
	unsigned flags;		/* SMPP_F_V33... */
	int window;
	unsigned long enquire_ms;
	unsigned long reconnect_ms;
	unsigned long response_ms;
	int src_ton, src_npi, dst_ton, dst_npi;	/* -1: derive */
	enum l_coding dcs_mode;
	struct conn_tls *tls;
	struct bb_session *s;
	size_t ns;
	size_t rr;		/* next session to fill first */
	struct smpp_pdu *out;	/* encode scratch */
	uint8_t *conv;		/* conversion scratch (utf8 / latin1 / ucs2) */
	uint8_t *body;		/* udh + text for short_message / payload */
	struct s_dctx *dfree;	/* deliver contexts to reuse */
	struct loop_timer *tick;
	struct loop_timer *up_timer;
	struct redis_script *s_down;
	char up_key[L_KEY_MAX];
	bool up;
	bool pumping;
	bool stopping;
	unsigned long long stop_deadline;
	bb_link_stopped_fn *stopped;
	void *stopped_arg;
	bool stop_reported;
	uint64_t delivers;	/* deliver_sm / data_sm received (admin page) */
};

static void s_connect(struct bb_session *s);
static void s_drop(struct bb_session *s, const char *why);
static void l_pump(struct bb_link *l);
static void l_update_up(struct bb_link *l);
static void l_check_stopped(struct bb_link *l);

static unsigned long long l_now(const struct bb_link *l)
{
	return loop_now_ms(l->box->loop);
}

/* ------------------------------------------------------------ PDU output */

/* Encodes pdu straight into the connection's output buffer. Returns 0 or the
 * codec's negative error. */
static long s_send(struct bb_session *s, const struct smpp_pdu *pdu,
		   size_t room)
{
	struct evbuffer *out = conn_output(s->c);
	struct evbuffer_iovec v;
	long n;

	if (evbuffer_reserve_space(out, (ev_ssize_t)room, &v, 1) < 1)
		return SMPP_PDU_ENOSPACE;
	n = smpp_pdu_encode(pdu, s->l->flags, v.iov_base, v.iov_len);
	if (n < 0) {
		v.iov_len = 0;
		evbuffer_commit_space(out, &v, 1);
		return n;
	}
	v.iov_len = (size_t)n;
	evbuffer_commit_space(out, &v, 1);
	s->last_tx = l_now(s->l);
	return 0;
}

static uint32_t s_next_seq(struct bb_session *s)
{
	s->seq = s->seq >= SMPP_SEQ_MAX ? 1 : s->seq + 1;
	return s->seq;
}

static void s_send_simple(struct bb_session *s, uint32_t cmd, uint32_t seq,
			  uint32_t status)
{
	struct smpp_pdu *p = s->l->out;

	smpp_pdu_init(p, cmd, seq);
	p->command_status = status;
	s_send(s, p, 64);
}

/* ------------------------------------------------------------ window slots */

static struct s_slot *s_slot_find(struct bb_session *s, uint32_t seq)
{
	size_t i = seq & s->mask, n;

	for (n = 0; n <= s->mask; n++, i = (i + 1) & s->mask) {
		if (s->slots[i].seq == seq)
			return &s->slots[i];
		if (s->slots[i].seq == 0)
			return NULL;
	}
	return NULL;
}

static void s_slot_put(struct bb_session *s, uint32_t seq, struct bb_msg *m,
		       unsigned long long deadline)
{
	size_t i = seq & s->mask;

	while (s->slots[i].seq != 0)
		i = (i + 1) & s->mask;
	s->slots[i].seq = seq;
	s->slots[i].m = m;
	s->slots[i].deadline = deadline;
	s->inflight++;
}

/* Frees a slot, keeping the linear-probe chains intact. */
static void s_slot_del(struct bb_session *s, struct s_slot *sl)
{
	size_t i = (size_t)(sl - s->slots), j = i, k;

	s->slots[i].seq = 0;
	s->slots[i].m = NULL;
	s->inflight--;
	for (;;) {
		j = (j + 1) & s->mask;
		if (s->slots[j].seq == 0)
			return;
		k = s->slots[j].seq & s->mask;
		if ((j > i && (k <= i || k > j)) || (j < i && k <= i && k > j)) {
			s->slots[i] = s->slots[j];
			s->slots[j].seq = 0;
			s->slots[j].m = NULL;
			i = j;
		}
	}
}

/* ------------------------------------------------------------ submit_sm */

static void l_addr_src(const struct bb_link *l, const char *from,
		       struct smpp_pdu *p)
{
	const char *a = from;
	int ton, npi;
	size_t i;
	bool digits = from[0] != '\0';

	if (a[0] == '+')
		a++;
	for (i = 0; a[i] != '\0'; i++)
		if (a[i] < '0' || a[i] > '9')
			digits = false;
	if (from[0] == '\0') {
		ton = SMPP_TON_UNKNOWN;
		npi = SMPP_NPI_UNKNOWN;
	} else if (from[0] == '+' && digits) {
		ton = SMPP_TON_INTERNATIONAL;
		npi = SMPP_NPI_ISDN;
	} else if (digits) {
		ton = SMPP_TON_NATIONAL;
		npi = SMPP_NPI_ISDN;
	} else {
		a = from;
		ton = SMPP_TON_ALPHANUMERIC;
		npi = SMPP_NPI_UNKNOWN;
	}
	p->source_addr_ton = (uint8_t)(l->src_ton >= 0 ? l->src_ton : ton);
	p->source_addr_npi = (uint8_t)(l->src_npi >= 0 ? l->src_npi : npi);
	snprintf(p->source_addr, sizeof(p->source_addr), "%s", a);
}

static void l_addr_dst(const struct bb_link *l, const char *to,
		       struct smpp_pdu *p)
{
	p->dest_addr_ton = (uint8_t)(l->dst_ton >= 0 ? l->dst_ton :
				     SMPP_TON_INTERNATIONAL);
	p->dest_addr_npi = (uint8_t)(l->dst_npi >= 0 ? l->dst_npi :
				     SMPP_NPI_ISDN);
	snprintf(p->destination_addr, sizeof(p->destination_addr), "%s",
		 to[0] == '+' ? to + 1 : to);
}

/* A relative time "YYMMDDhhmmss000R" (SMPP 3.4 §7.1.1): validity_period,
 * schedule_delivery_time. */
static void l_validity(long secs, char out[17])
{
	long d = secs / 86400, h = secs / 3600 % 24, mi = secs / 60 % 60;
	long se = secs % 60, y = 0, mo = 0;

	if (d > 99) {
		y = d / 365 > 99 ? 99 : d / 365;
		d = d - y * 365 > 30 ? 30 : d - y * 365;
	}
	snprintf(out, 17, "%02u%02u%02u%02u%02u%02u000R", (unsigned)y % 100u,
		 (unsigned)mo % 100u, (unsigned)d % 100u, (unsigned)h % 100u,
		 (unsigned)mi % 100u, (unsigned)se % 100u);
}

/* The message class of m: 0 (flash) to 3, or -1 for none. */
static int l_class(const struct bb_msg *m)
{
	return m->flash ? 0 : m->mclass > 0 && m->mclass <= 3 ? m->mclass : -1;
}

/* The DCS of alphabet bits a (SMPP_DCS_DEFAULT, _BINARY or _UCS2) with the
 * message class of m (GSM 03.38 §4: 0x10 | alphabet | class), as Kannel. */
static uint8_t l_dcs(const struct bb_msg *m, uint8_t a)
{
	int c = l_class(m);

	return c < 0 ? a : (uint8_t)(0x10 | a | c);
}

/* Seconds still to wait before delivery: m->deferred from its accept time,
 * less the time it spent queued; 0 when none or past. */
static long l_deferred_left(const struct bb_msg *m)
{
	struct timespec ts;
	long long now, due;

	if (m->deferred <= 0)
		return 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	now = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	due = m->ts + (long long)m->deferred * 1000;
	return due > now ? (long)((due - now + 999) / 1000) : 0;
}

/*
 * The text of m as the link sends it: *dcs and the octets (in l->conv or
 * m->data). GSM septets are converted for latin1/ascii/ucs2 links, falling
 * back to UCS-2 when the text does not fit the link's alphabet.
 */
static int l_text(struct bb_link *l, const struct bb_msg *m, uint8_t *dcs,
		  const uint8_t **txt, size_t *len)
{
	size_t cap = 3 * (size_t)BB_MSG_DATA_MAX + 4;
	uint8_t *utf8 = l->conv, *o = l->conv + cap;
	int n, k;

	*txt = m->data;
	*len = m->data_len;
	if (m->coding == 8) {
		*dcs = l_dcs(m, SMPP_DCS_UCS2);
		return 0;
	}
	if (m->coding != 0) {
		*dcs = l_dcs(m, SMPP_DCS_BINARY);
		return 0;
	}
	*dcs = l_dcs(m, SMPP_DCS_DEFAULT);
	/* a class in the DCS means the GSM alphabet or UCS-2 (no latin1) */
	if (l->dcs_mode == L_DC_GSM7 ||
	    (l_class(m) >= 0 && l->dcs_mode != L_DC_UCS2))
		return 0;
	n = gsm7_to_utf8(m->data, m->data_len, GSM7_SUBSTITUTE, utf8, cap, NULL);
	if (n < 0)
		return -1;
	if (l->dcs_mode == L_DC_LATIN1 || l->dcs_mode == L_DC_ASCII) {
		k = latin1_from_utf8(utf8, (size_t)n, 0, o, cap, NULL);
		if (k >= 0 && l->dcs_mode == L_DC_ASCII) {
			int i;

			for (i = 0; i < k && o[i] < 0x80; i++)
				;
			if (i < k)
				k = -1;
		}
		if (k >= 0) {
			*txt = o;
			*len = (size_t)k;
			return 0;
		}
	}
	k = ucs2_from_utf8(utf8, (size_t)n, o, cap, NULL);
	if (k < 0)
		return -1;
	*dcs = l_dcs(m, SMPP_DCS_UCS2);
	*txt = o;
	*len = (size_t)k;
	return 0;
}

/* Fills l->out with the submit_sm for m. Returns 0, or the command_status of
 * a permanent error (the part can never be sent over this link). */
static uint32_t l_fill_submit(struct bb_link *l, const struct bb_msg *m,
			      uint32_t seq)
{
	struct smpp_pdu *p = l->out;
	const uint8_t *txt;
	size_t len, ulen = m->udh_len;
	uint8_t dcs;
	bool v33 = (l->flags & SMPP_F_V33) != 0;
	long left;

	smpp_pdu_init(p, SMPP_SUBMIT_SM, seq);
	l_addr_src(l, m->from, p);
	l_addr_dst(l, m->to, p);
	if (l_text(l, m, &dcs, &txt, &len) != 0)
		return SMPP_ESME_RINVMSGLEN;
	p->data_coding = dcs;
	p->registered_delivery = m->dlr ? SMPP_REG_DLR_ALWAYS : 0;
	if (m->validity >= 0)
		l_validity(m->validity, p->validity_period);
	if ((left = l_deferred_left(m)) > 0)
		l_validity(left, p->schedule_delivery_time);
	p->priority_flag = (uint8_t)m->priority;
	memcpy(l->body, m->udh, ulen);
	if (m->sar_total > 0 && v33) {
		/* 3.3 has no TLVs: the SAR fields become a UDH. */
		uint8_t *u = l->body;

		u[0] = 5, u[1] = 0, u[2] = 3, u[3] = (uint8_t)m->sar_ref;
		u[4] = (uint8_t)m->sar_total, u[5] = (uint8_t)m->sar_seq;
		ulen = 6;
	} else if (m->sar_total > 0) {
		p->tlv.sar_msg_ref_num = (uint16_t)m->sar_ref;
		p->tlv.sar_total_segments = (uint8_t)m->sar_total;
		p->tlv.sar_segment_seqnum = (uint8_t)m->sar_seq;
		smpp_tlv_set(&p->tlv, SMPP_TI_SAR_MSG_REF_NUM);
		smpp_tlv_set(&p->tlv, SMPP_TI_SAR_TOTAL_SEGMENTS);
		smpp_tlv_set(&p->tlv, SMPP_TI_SAR_SEGMENT_SEQNUM);
	}
	if (ulen > 0)
		p->esm_class |= SMPP_ESM_UDHI;
	if (ulen + len > 65535)
		return SMPP_ESME_RINVMSGLEN;
	memcpy(l->body + ulen, txt, len);
	if (ulen + len <= SMPP_SM_MAX) {
		memcpy(p->short_message, l->body, ulen + len);
		p->sm_length = (uint8_t)(ulen + len);
	} else if (!v33) {
		p->tlv.message_payload.p = l->body;
		p->tlv.message_payload.len = (uint16_t)(ulen + len);
		smpp_tlv_set(&p->tlv, SMPP_TI_MESSAGE_PAYLOAD);
	} else {
		return SMPP_ESME_RINVMSGLEN;
	}
	return 0;
}

/* Submits m on s (bound, window open). */
static void s_submit(struct bb_session *s, struct bb_msg *m)
{
	struct bb_link *l = s->l;
	uint32_t seq = s_next_seq(s), st;
	long rc;

	st = l_fill_submit(l, m, seq);
	if (st != 0) {
		bb_queue_failed(l->q, m, "REJECTD", st);
		return;
	}
	rc = s_send(s, l->out, 512 + m->udh_len + 2 * m->data_len + 16);
	if (rc != 0) {
		bb_queue_failed(l->q, m, "REJECTD", SMPP_ESME_RINVPARLEN);
		return;
	}
	s_slot_put(s, seq, m, l_now(l) + l->response_ms);
	s->last_req = s->last_tx;
	if (log_enabled(LOG_LEVEL_DEBUG))
		log_debug("submit_sm smsc=%s session=%d seq=%u id=%s part=%d",
			  l->id, s->idx, seq, m->id, m->part);
}

/* ------------------------------------------------------------ responses */

static void s_submit_resp(struct bb_session *s, const struct smpp_pdu *p)
{
	struct bb_link *l = s->l;
	struct s_slot *sl = s_slot_find(s, p->sequence_number);
	struct bb_msg *m;
	uint32_t st = p->command_status;

	if (sl == NULL) {
		log_debug("response to no request smsc=%s seq=%u", l->id,
			  p->sequence_number);
		return;
	}
	m = sl->m;
	s_slot_del(s, sl);
	if (st == SMPP_ESME_ROK) {
		bb_queue_submitted(l->q, m, p->message_id);
	} else if (st == SMPP_ESME_RTHROTTLED) {
		bb_throttle_throttled(l->tb);
		bb_queue_retry(l->q, m, st, false);
	} else if (bb_queue_status_temporary(st)) {
		log_info("submit temporary error smsc=%s id=%s part=%d status=%s",
			 l->id, m->id, m->part, smpp_status_name(st));
		bb_queue_retry(l->q, m, st, false);
	} else {
		bb_queue_failed(l->q, m, bb_queue_status_word(st), st);
	}
}

static void s_bind_resp(struct bb_session *s, const struct smpp_pdu *p)
{
	struct bb_link *l = s->l;

	if (s->state != S_BINDING)
		return;
	if (p->command_status != SMPP_ESME_ROK) {
		log_error("bind refused smsc=%s session=%d status=%s", l->id,
			  s->idx, smpp_status_name(p->command_status));
		s_drop(s, "bind refused");
		return;
	}
	s->state = S_BOUND;
	s->backoff_ms = 0;
	s->last_req = l_now(l);
	log_info("bound smsc=%s session=%d mode=%s peer=%s system_id=%s", l->id,
		 s->idx, smpp_command_name(s->bind_cmd), conn_peer(s->c),
		 p->system_id);
	l_update_up(l);
	l_pump(l);
}

static void s_dctx_unlink(struct bb_session *s, struct s_dctx *d)
{
	if (d->prev != NULL)
		d->prev->next = d->next;
	else
		s->dpending = d->next;
	if (d->next != NULL)
		d->next->prev = d->prev;
}

static void s_deliver_done(int status, void *arg)
{
	struct s_dctx *d = arg;
	struct bb_session *s = d->s;
	struct bb_link *l;

	if (s == NULL) {
		free(d);	/* its session is gone */
		return;
	}
	l = s->l;
	s_dctx_unlink(s, d);
	if (s->c != NULL)
		s_send_simple(s, d->command_id | SMPP_RESP_BIT, d->seq,
			      (uint32_t)status);
	d->next = l->dfree;
	l->dfree = d;
	l_check_stopped(l);
}

static void s_deliver(struct bb_session *s, const struct smpp_pdu *p)
{
	struct bb_link *l = s->l;
	struct s_dctx *d = l->dfree;

	l->delivers++;
	if (d != NULL)
		l->dfree = d->next;
	else
		d = malloc(sizeof(*d));
	if (d == NULL || !s->rx) {
		free(d);
		s_send_simple(s, p->command_id | SMPP_RESP_BIT,
			      p->sequence_number,
			      s->rx ? SMPP_ESME_RSYSERR : SMPP_ESME_RINVBNDSTS);
		return;
	}
	d->s = s;
	d->command_id = p->command_id;
	d->seq = p->sequence_number;
	if (bb_dlr_deliver(l->dlr, l->id, p, s_deliver_done, d) != 0) {
		free(d);
		s_send_simple(s, p->command_id | SMPP_RESP_BIT,
			      p->sequence_number, SMPP_ESME_RSYSERR);
		return;
	}
	d->prev = NULL;
	d->next = s->dpending;
	if (d->next != NULL)
		d->next->prev = d;
	s->dpending = d;
}

static void s_generic_nack(struct bb_session *s, const struct smpp_pdu *p)
{
	struct s_slot *sl = s_slot_find(s, p->sequence_number);
	struct bb_msg *m;

	log_warn("generic_nack smsc=%s session=%d seq=%u status=%s", s->l->id,
		 s->idx, p->sequence_number, smpp_status_name(p->command_status));
	if (sl == NULL)
		return;
	m = sl->m;
	s_slot_del(s, sl);
	if (bb_queue_status_temporary(p->command_status))
		bb_queue_retry(s->l->q, m, p->command_status, false);
	else
		bb_queue_failed(s->l->q, m, "REJECTD", p->command_status);
}

static void s_handle(struct bb_session *s, const struct smpp_pdu *p)
{
	switch (p->command_id) {
	case SMPP_SUBMIT_SM_RESP:
		s_submit_resp(s, p);
		l_pump(s->l);
		break;
	case SMPP_BIND_TRANSCEIVER_RESP:
	case SMPP_BIND_TRANSMITTER_RESP:
	case SMPP_BIND_RECEIVER_RESP:
		s_bind_resp(s, p);
		break;
	case SMPP_ENQUIRE_LINK_RESP:
		if (p->sequence_number == s->enq_seq)
			s->enq_out = false;
		break;
	case SMPP_ENQUIRE_LINK:
		s_send_simple(s, SMPP_ENQUIRE_LINK_RESP, p->sequence_number, 0);
		break;
	case SMPP_DELIVER_SM:
	case SMPP_DATA_SM:
		s_deliver(s, p);
		break;
	case SMPP_UNBIND:
		s_send_simple(s, SMPP_UNBIND_RESP, p->sequence_number, 0);
		s_drop(s, "operator unbound");
		break;
	case SMPP_UNBIND_RESP:
		if (s->state == S_UNBINDING)
			s_drop(s, "unbound");
		break;
	case SMPP_GENERIC_NACK:
		s_generic_nack(s, p);
		break;
	case SMPP_OUTBIND:
	case SMPP_ALERT_NOTIFICATION:
		break;
	default:
		if (!(p->command_id & SMPP_RESP_BIT))
			s_send_simple(s, SMPP_GENERIC_NACK, p->sequence_number,
				      SMPP_ESME_RINVCMDID);
		break;
	}
}

/* ------------------------------------------------------------ conn events */

static uint32_t l_be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

static void s_on_data(struct conn *c, struct evbuffer *in, void *arg)
{
	struct bb_session *s = arg;
	uint8_t hdr[SMPP_HEADER_LEN];

	(void)c;
	while (s->c != NULL && evbuffer_get_length(in) >= SMPP_HEADER_LEN) {
		struct smpp_error err;
		uint32_t cl;
		const uint8_t *p;
		long n;

		evbuffer_copyout(in, hdr, sizeof(hdr));
		cl = l_be32(hdr);
		if (cl < SMPP_HEADER_LEN || cl > L_PDU_MAX) {
			s_send_simple(s, SMPP_GENERIC_NACK, 0,
				      SMPP_ESME_RINVCMDLEN);
			s_drop(s, "bad command_length");
			return;
		}
		if (evbuffer_get_length(in) < cl)
			return;
		p = evbuffer_pullup(in, cl);
		if (log_enabled(LOG_LEVEL_DEBUG) && l_be32(p + 4) != SMPP_SUBMIT_SM_RESP)
			log_hexdump("pdu in", p, cl);
		n = smpp_pdu_decode(p, cl, s->in, s->l->flags | SMPP_F_V33_LAX,
				    &err);
		if (n > 0) {
			s_handle(s, s->in);
		} else {
			uint8_t ans[64];
			long k = smpp_pdu_encode_error_answer(&err, ans,
							      sizeof(ans));

			log_warn("bad pdu smsc=%s session=%d command=%s code=%d",
				 s->l->id, s->idx, smpp_command_name(err.command_id),
				 err.code);
			if (k > 0)
				conn_write(s->c, ans, (size_t)k);
			if (err.disconnect) {
				s_drop(s, "bad pdu");
				return;
			}
		}
		if (s->c != NULL)
			evbuffer_drain(in, cl);
	}
}

static void s_on_connected(struct conn *c, void *arg)
{
	struct bb_session *s = arg;
	struct bb_link *l = s->l;
	struct smpp_pdu *p = l->out;

	(void)c;
	s->state = S_BINDING;
	s->deadline = l_now(l) + l->response_ms;
	smpp_pdu_init(p, s->bind_cmd, s_next_seq(s));
	snprintf(p->system_id, sizeof(p->system_id), "%s", l->system_id);
	snprintf(p->password, sizeof(p->password), "%s", l->password);
	snprintf(p->system_type, sizeof(p->system_type), "%s", l->system_type);
	p->interface_version = l->version;
	s_send(s, p, 128);
	log_debug("binding smsc=%s session=%d peer=%s", l->id, s->idx,
		  conn_peer(s->c));
}

static void s_on_end(struct conn *c, enum conn_end why, const char *reason,
		     void *arg)
{
	struct bb_session *s = arg;

	(void)c;
	(void)why;
	s_drop(s, reason != NULL ? reason : "closed");
}

static const struct conn_callbacks s_callbacks = {
	.on_connected = s_on_connected,
	.on_data = s_on_data,
	.on_end = s_on_end,
};

/* ------------------------------------------------------------ session life */

/* Sends every part in flight back for an immediate retry: the operator never
 * answered them, so they were never acknowledged. */
static void s_requeue(struct bb_session *s)
{
	size_t i;

	for (i = 0; i <= s->mask && s->inflight > 0; i++) {
		if (s->slots[i].seq == 0)
			continue;
		bb_queue_retry(s->l->q, s->slots[i].m, 0, true);
		s->slots[i].seq = 0;
		s->slots[i].m = NULL;
		s->inflight--;
	}
	memset(s->slots, 0, (s->mask + 1) * sizeof(*s->slots));
	s->inflight = 0;
}

static void s_drop(struct bb_session *s, const char *why)
{
	struct bb_link *l = s->l;
	struct s_dctx *d;
	bool was_bound = s->state == S_BOUND || s->state == S_UNBINDING;

	if (s->c == NULL && s->state == S_IDLE)
		return;
	if (s->inflight > 0)
		log_warn("session lost with parts in flight smsc=%s session=%d "
			 "count=%zu: retried", l->id, s->idx, s->inflight);
	s_requeue(s);
	while ((d = s->dpending) != NULL) {
		s->dpending = d->next;
		d->s = NULL;
	}
	if (s->c != NULL) {
		if (s->state == S_UNBINDING)
			conn_close(s->c);
		else
			conn_free(s->c);
	}
	s->c = NULL;
	s->state = S_IDLE;
	s->enq_out = false;
	if (was_bound || !l->stopping)
		log_info("session down smsc=%s session=%d reason=%s", l->id,
			 s->idx, why);
	l_update_up(l);
	if (l->stopping) {
		l_check_stopped(l);
		return;
	}
	if (s->backoff_ms == 0)
		s->backoff_ms = l->reconnect_ms;
	else if (s->backoff_ms < L_BACKOFF_MAX_MS)
		s->backoff_ms *= 2;
	if (s->backoff_ms > L_BACKOFF_MAX_MS)
		s->backoff_ms = L_BACKOFF_MAX_MS;
	loop_timer_start(s->reconnect, s->backoff_ms, false);
}

static void s_connect(struct bb_session *s)
{
	struct bb_link *l = s->l;
	struct conn_opts o = {
		.connect_timeout_ms = (unsigned)l->response_ms,
		.read_max = L_READ_MAX,
		.tls = l->tls,
		.tls_name = l->host,
	};

	if (l->stopping)
		return;
	s->c = conn_connect(l->box->loop, l->host, l->port, &o, &s_callbacks, s);
	if (s->c == NULL) {
		s->state = S_CONNECTING;	/* so that s_drop schedules */
		s_drop(s, "cannot connect");
		return;
	}
	s->state = S_CONNECTING;
}

static void s_reconnect_timer(struct loop_timer *t, void *arg)
{
	(void)t;
	s_connect(arg);
}

static void s_unbind(struct bb_session *s)
{
	s->state = S_UNBINDING;
	s->unbind_seq = s_next_seq(s);
	s->deadline = l_now(s->l) + L_UNBIND_WAIT_MS;
	s_send_simple(s, SMPP_UNBIND, s->unbind_seq, 0);
}

/*
 * Sends the parts whose response is overdue to a retry with a try counted
 * and backoff, as a temporary error would: a part the operator never answers
 * is then tried at growing spacing instead of resetting the session every
 * response-timeout. Returns how many timed out (the caller drops the session;
 * the other parts in flight go back at once).
 */
static size_t s_timed_out(struct bb_session *s, unsigned long long now)
{
	size_t i, n = 0;

	for (i = 0; i <= s->mask && s->inflight > 0; i++) {
		struct s_slot *sl = &s->slots[i];
		struct bb_msg *m;

		if (sl->seq == 0 || now <= sl->deadline)
			continue;
		log_warn("response timeout smsc=%s session=%d seq=%u id=%s "
			 "part=%d", s->l->id, s->idx, sl->seq, sl->m->id,
			 sl->m->part);
		m = sl->m;
		s_slot_del(s, sl);
		bb_queue_retry(s->l->q, m, 0, false);
		n++;
		i--;	/* s_slot_del may have moved a later slot here */
	}
	return n;
}

/* Timeouts, enquire_link and the stop sequence, every L_TICK_MS. */
static void s_tick(struct bb_session *s, unsigned long long now)
{
	struct bb_link *l = s->l;

	if ((s->state == S_BINDING || s->state == S_UNBINDING) &&
	    now > s->deadline) {
		s_drop(s, s->state == S_BINDING ? "bind timeout" : "unbind timeout");
		return;
	}
	if (s->state != S_BOUND)
		return;
	if (s_timed_out(s, now) > 0) {
		s_drop(s, "response timeout");
		return;
	}
	if (s->enq_out && now > s->enq_deadline) {
		s_drop(s, "enquire_link timeout");
		return;
	}
	if (l->stopping) {
		if (s->inflight == 0 || now > l->stop_deadline) {
			s_requeue(s);
			s_unbind(s);
		}
		return;
	}
	if (!s->enq_out && now - s->last_req >= l->enquire_ms) {
		s->enq_out = true;
		s->last_req = now;
		s->enq_seq = s_next_seq(s);
		s->enq_deadline = now + l->response_ms;
		s_send_simple(s, SMPP_ENQUIRE_LINK, s->enq_seq, 0);
	}
}

static void l_tick(struct loop_timer *t, void *arg)
{
	struct bb_link *l = arg;
	unsigned long long now = l_now(l);
	size_t i;

	(void)t;
	for (i = 0; i < l->ns; i++)
		s_tick(&l->s[i], now);
	if (l->stopping)
		l_check_stopped(l);
}

/* ------------------------------------------------------------ the pump */

static void l_pump(struct bb_link *l)
{
	size_t k;

	if (l->pumping || l->stopping)
		return;
	l->pumping = true;
	for (k = 0; k < l->ns; k++) {
		struct bb_session *s = &l->s[(l->rr + k) % l->ns];
		int want, got, i;

		if (!s->tx || s->state != S_BOUND || s->c == NULL)
			continue;
		want = l->window - (int)s->inflight;
		if (want <= 0)
			continue;
		got = bb_throttle_take(l->tb, want);
		for (i = 0; i < got; i++) {
			struct bb_msg *m = bb_queue_take(l->q);

			if (m == NULL) {
				bb_throttle_give_back(l->tb, got - i);
				goto out;
			}
			s_submit(s, m);
		}
		if (got < want)
			break;
	}
out:
	l->rr = (l->rr + 1) % (l->ns > 0 ? l->ns : 1);
	l->pumping = false;
}

static void l_ready(void *arg)
{
	l_pump(arg);
}

/* ------------------------------------------------------------ link up key */

static void l_publish(struct bb_link *l)
{
	const char *argv[2];

	if (!redis_connected(l->box->redis))
		return;
	if (l->up) {
		redis_command(l->box->redis, NULL, NULL, "SET %s %s EX %d",
			      l->up_key, l->box->id, L_UP_TTL);
		return;
	}
	argv[0] = l->up_key;
	argv[1] = l->box->id;
	redis_script_call(l->box->redis, l->s_down, NULL, NULL, 1, 2, argv, NULL);
}

static void l_up_timer(struct loop_timer *t, void *arg)
{
	struct bb_link *l = arg;

	(void)t;
	if (l->up)
		l_publish(l);
}

static void l_update_up(struct bb_link *l)
{
	bool up = false;
	size_t i;

	for (i = 0; i < l->ns; i++)
		if (l->s[i].tx && l->s[i].state == S_BOUND)
			up = true;
	if (l->stopping)
		up = false;
	if (up == l->up)
		return;
	l->up = up;
	log_info("link %s smsc=%s", up ? "up" : "down", l->id);
	l_publish(l);
	bb_queue_set_up(l->q, up);
}

void bb_link_redis_up(struct bb_link *l)
{
	l_publish(l);
}

/* ------------------------------------------------------------ set-up */

static int l_read_conf(struct bb_link *l, const struct conf_group *g)
{
	static const char *const ton_keys[4] = {
		"source-ton", "source-npi", "dest-ton", "dest-npi",
	};
	int *ton_vals[4] = { &l->src_ton, &l->src_npi, &l->dst_ton, &l->dst_npi };
	int i;

	snprintf(l->id, sizeof(l->id), "%s", conf_schema_get_str(g, "smsc-id"));
	snprintf(l->host, sizeof(l->host), "%s", conf_schema_get_str(g, "host"));
	l->port = (int)conf_schema_get_int(g, "port");
	snprintf(l->system_id, sizeof(l->system_id), "%s",
		 conf_schema_get_str(g, "system-id"));
	snprintf(l->password, sizeof(l->password), "%s",
		 conf_schema_get_str(g, "password") ?
		 conf_schema_get_str(g, "password") : "");
	snprintf(l->system_type, sizeof(l->system_type), "%s",
		 conf_schema_get_str(g, "system-type") ?
		 conf_schema_get_str(g, "system-type") : "");
	l->version = conf_schema_get_enum(g, "interface-version") == 0 ?
		     SMPP_VERSION_33 : SMPP_VERSION_34;
	l->flags = l->version == SMPP_VERSION_33 ? SMPP_F_V33 : 0;
	l->window = (int)conf_schema_get_int(g, "window");
	l->enquire_ms = (unsigned long)conf_schema_get_duration_ms(
		g, "enquire-link-interval");
	l->reconnect_ms = (unsigned long)conf_schema_get_duration_ms(
		g, "reconnect-delay");
	l->response_ms = (unsigned long)conf_schema_get_duration_ms(
		g, "response-timeout");
	for (i = 0; i < 4; i++)
		*ton_vals[i] = conf_group_value(g, ton_keys[i]) != NULL ?
			       (int)conf_schema_get_int(g, ton_keys[i]) : -1;
	switch (conf_schema_get_enum(g, "data-coding")) {
	case 1: l->dcs_mode = L_DC_ASCII; break;
	case 2: l->dcs_mode = L_DC_LATIN1; break;
	case 3: l->dcs_mode = L_DC_UCS2; break;
	default: l->dcs_mode = L_DC_GSM7; break;
	}
	if (l->window < 1)
		l->window = 1;
	return 0;
}

/* The sessions bind_mode and sessions call for. */
static int l_make_sessions(struct bb_link *l, const struct conf_group *g)
{
	int mode = conf_schema_get_enum(g, "bind-mode");
	long long n = conf_schema_get_int(g, "sessions");
	size_t i, per = 1;

	if (n < 1)
		n = 1;
	if (mode == L_MODE_TRX && l->version == SMPP_VERSION_33) {
		log_info("SMPP 3.3 has no transceiver bind: using tx+rx smsc=%s",
			 l->id);
		mode = L_MODE_TXRX;
	}
	if (mode == L_MODE_TXRX)
		per = 2;
	l->ns = (size_t)n * per;
	if (l->ns > L_SESSIONS_MAX)
		l->ns = L_SESSIONS_MAX;
	l->s = calloc(l->ns, sizeof(*l->s));
	if (l->s == NULL)
		return -1;
	for (i = 0; i < l->ns; i++) {
		struct bb_session *s = &l->s[i];
		size_t sz = 4;

		s->l = l;
		s->idx = (int)i + 1;
		switch (mode) {
		case L_MODE_TX: s->bind_cmd = SMPP_BIND_TRANSMITTER; break;
		case L_MODE_RX: s->bind_cmd = SMPP_BIND_RECEIVER; break;
		case L_MODE_TXRX:
			s->bind_cmd = i % 2 == 0 ? SMPP_BIND_TRANSMITTER :
				      SMPP_BIND_RECEIVER;
			break;
		default: s->bind_cmd = SMPP_BIND_TRANSCEIVER; break;
		}
		s->tx = s->bind_cmd != SMPP_BIND_RECEIVER;
		s->rx = s->bind_cmd != SMPP_BIND_TRANSMITTER;
		while (sz < (size_t)l->window * 2 + 2)
			sz *= 2;
		s->mask = sz - 1;
		s->slots = calloc(sz, sizeof(*s->slots));
		s->in = malloc(sizeof(*s->in));
		s->reconnect = loop_timer_new(l->box->loop, s_reconnect_timer, s);
		if (s->slots == NULL || s->in == NULL || s->reconnect == NULL)
			return -1;
	}
	return 0;
}

struct bb_link *bb_link_new(struct box *b, struct bb_dlr *dlr,
			    struct bb_queues *qs, const struct conf_group *g)
{
	struct bb_link *l = calloc(1, sizeof(*l));
	size_t i, ntx = 0;
	int qwin, rate;

	if (l == NULL)
		return NULL;
	l->box = b;
	l->dlr = dlr;
	l_read_conf(l, g);
	if (conf_schema_get_bool(g, "tls")) {
		l->tls = conn_tls_client_new(conf_schema_get_str(g, "tls-ca-file"),
					     conf_schema_get_bool(g, "tls-verify"));
		if (l->tls == NULL)
			goto fail;
	}
	if (l_make_sessions(l, g) != 0)
		goto fail;
	for (i = 0; i < l->ns; i++)
		ntx += l->s[i].tx;
	rate = (int)conf_schema_get_int(g, "throughput");
	qwin = l->window * (int)(ntx > 0 ? ntx : 1);
	if (rate > 0 && qwin > rate)
		qwin = rate;
	l->out = malloc(sizeof(*l->out));
	l->conv = malloc(3 * (size_t)BB_MSG_DATA_MAX + 4 + 3 * (size_t)BB_MSG_DATA_MAX + 4);
	l->body = malloc(BB_MSG_UDH_MAX + 2 * (size_t)BB_MSG_DATA_MAX + 8);
	l->q = bb_queue_new(qs, g, qwin, l_ready, l);
	l->tb = bb_throttle_new(b, l->id, rate, l_ready, l);
	l->tick = loop_timer_new(b->loop, l_tick, l);
	l->up_timer = loop_timer_new(b->loop, l_up_timer, l);
	l->s_down = redis_script_new(b->redis, l_down_lua);
	if (l->out == NULL || l->conv == NULL || l->body == NULL ||
	    l->q == NULL || l->tb == NULL || l->tick == NULL ||
	    l->up_timer == NULL || l->s_down == NULL ||
	    box_key(b, l->up_key, sizeof(l->up_key), "link:%s:up", l->id) < 0)
		goto fail;
	loop_timer_start(l->tick, L_TICK_MS, true);
	loop_timer_start(l->up_timer, L_UP_MS, true);
	log_info("link starting smsc=%s host=%s port=%d sessions=%zu window=%d "
		 "throughput=%d tls=%s version=%s", l->id, l->host, l->port,
		 l->ns, l->window, rate, l->tls != NULL ? "yes" : "no",
		 l->version == SMPP_VERSION_33 ? "3.3" : "3.4");
	for (i = 0; i < l->ns; i++)
		s_connect(&l->s[i]);
	return l;
fail:
	log_error("cannot set up link smsc=%s", l->id);
	bb_link_free(l);
	return NULL;
}

void bb_link_free(struct bb_link *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; l->s != NULL && i < l->ns; i++) {
		struct bb_session *s = &l->s[i];
		struct s_dctx *d;

		while ((d = s->dpending) != NULL) {
			s->dpending = d->next;
			d->s = NULL;
		}
		conn_free(s->c);
		loop_timer_free(s->reconnect);
		free(s->slots);
		free(s->in);
	}
	free(l->s);
	while (l->dfree != NULL) {
		struct s_dctx *d = l->dfree;

		l->dfree = d->next;
		free(d);
	}
	loop_timer_free(l->tick);
	loop_timer_free(l->up_timer);
	bb_throttle_free(l->tb);
	/* A queue with Redis calls still in flight is left allocated: their
	 * replies (delivered by redis_free) still point at it. */
	if (l->q != NULL && bb_queue_busy(l->q) == 0)
		bb_queue_free(l->q);
	conn_tls_free(l->tls);
	free(l->out);
	free(l->conv);
	free(l->body);
	free(l);
}

/* ------------------------------------------------------------ stopping */

static void l_check_stopped(struct bb_link *l)
{
	size_t i;

	if (!l->stopping || l->stop_reported)
		return;
	for (i = 0; i < l->ns; i++)
		if (l->s[i].c != NULL || l->s[i].dpending != NULL)
			return;
	if (bb_queue_busy(l->q) != 0)
		return;
	l->stop_reported = true;
	log_info("link stopped smsc=%s", l->id);
	if (l->stopped != NULL)
		l->stopped(l, l->stopped_arg);
}

static void l_queue_idle(void *arg)
{
	l_check_stopped(arg);
}

void bb_link_stop(struct bb_link *l, unsigned long wait_ms,
		  bb_link_stopped_fn *stopped, void *arg)
{
	size_t i;

	l->stopping = true;
	l->stopped = stopped;
	l->stopped_arg = arg;
	l->stop_deadline = l_now(l) + wait_ms;
	bb_queue_on_idle(l->q, l_queue_idle, l);
	bb_queue_stop(l->q);
	for (i = 0; i < l->ns; i++) {
		struct bb_session *s = &l->s[i];

		loop_timer_stop(s->reconnect);
		if (s->state == S_BOUND && s->inflight == 0)
			s_unbind(s);
		else if (s->state != S_BOUND && s->c != NULL)
			s_drop(s, "stopping");
	}
	l_update_up(l);
	l_check_stopped(l);
}

const char *bb_link_id(const struct bb_link *l)
{
	return l->id;
}

size_t bb_link_bound(const struct bb_link *l)
{
	size_t i, n = 0;

	for (i = 0; i < l->ns; i++)
		n += l->s[i].state == S_BOUND;
	return n;
}

void bb_link_stats(const struct bb_link *l, struct bb_link_stats *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	out->sessions = l->ns;
	out->up = l->up;
	for (i = 0; i < l->ns; i++) {
		out->bound += l->s[i].state == S_BOUND;
		out->connecting += l->s[i].state == S_CONNECTING ||
				   l->s[i].state == S_BINDING;
		out->inflight += l->s[i].inflight;
	}
	out->window = l->window;
	out->adaptive_rate = bb_throttle_adaptive_rate(l->tb);
	out->delivers = l->delivers;
	bb_queue_stats(l->q, &out->q);
}
