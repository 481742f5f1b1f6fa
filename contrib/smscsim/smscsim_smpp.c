/*
 * smscsim SMPP side: the listener, one session per TCP connection (a state
 * machine fed by bufferevent callbacks), submit answers with latency, error
 * injection and throttling, delivery receipts (queued by due time, parked while
 * no receiver of the same system_id is bound) and MO injection.
 * Everything runs on the single event loop.
 */
#include "config.h"

#include "contrib/smscsim/smscsim.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#define SESS_OUT_HIGH (8u << 20)	/* stop reading above this much output */
#define SESS_OUT_LOW (1u << 20)
#define SESS_CLOSE_TIMEOUT_S 5

enum { SB_OPEN, SB_TX, SB_RX, SB_TRX };

struct delayed {
	uint64_t due_ms;
	uint32_t len;
};

struct simsess {
	TAILQ_ENTRY(simsess) link;
	struct sim *s;
	struct bufferevent *bev;
	uint64_t id;
	char peer[64];
	int bind;
	bool v33;
	bool closing;
	char system_id[16];
	uint32_t seq;
	struct event *enq_ev;
	struct event *lat_ev;
	struct evbuffer *delayed;
	struct delayed *dq;
	size_t dq_cap, dq_head, dq_len;
};

static const uint8_t state_msg_state[SIMST_COUNT] = {
	[SIMST_DELIVRD] = SMPP_STATE_DELIVERED,
	[SIMST_UNDELIV] = SMPP_STATE_UNDELIVERABLE,
	[SIMST_EXPIRED] = SMPP_STATE_EXPIRED,
	[SIMST_REJECTD] = SMPP_STATE_REJECTED,
	[SIMST_DELETED] = SMPP_STATE_DELETED,
	[SIMST_UNKNOWN] = SMPP_STATE_UNKNOWN,
	[SIMST_ACCEPTD] = SMPP_STATE_ACCEPTED,
	[SIMST_ENROUTE] = SMPP_STATE_ENROUTE,
};

static bool sess_receives(const struct simsess *ss)
{
	return !ss->closing && (ss->bind == SB_RX || ss->bind == SB_TRX);
}

static bool sess_transmits(const struct simsess *ss)
{
	return ss->bind == SB_TX || ss->bind == SB_TRX;
}

static uint32_t sess_next_seq(struct simsess *ss)
{
	ss->seq = ss->seq >= SMPP_SEQ_MAX ? 1 : ss->seq + 1;
	return ss->seq;
}

/* ---- session lifetime --------------------------------------------------- */

static void sess_free(struct simsess *ss)
{
	TAILQ_REMOVE(&ss->s->sessions, ss, link);
	sim_log(ss->s, "close sess=%" PRIu64 " system_id=%s", ss->id,
		ss->system_id);
	if (ss->enq_ev != NULL)
		event_free(ss->enq_ev);
	if (ss->lat_ev != NULL)
		event_free(ss->lat_ev);
	if (ss->delayed != NULL)
		evbuffer_free(ss->delayed);
	free(ss->dq);
	bufferevent_free(ss->bev);
	free(ss);
}

/* Stops reading, lets the output drain, then closes (or after a timeout). */
static void sess_close_after_flush(struct simsess *ss)
{
	struct timeval tv = { SESS_CLOSE_TIMEOUT_S, 0 };

	if (ss->closing)
		return;
	ss->closing = true;
	bufferevent_disable(ss->bev, EV_READ);
	bufferevent_setwatermark(ss->bev, EV_WRITE, 0, 0);
	bufferevent_set_timeouts(ss->bev, NULL, &tv);
	/* Never free here (callers still hold ss): the write callback will. */
	bufferevent_trigger(ss->bev, EV_WRITE,
			    BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
}

/* ---- sending ------------------------------------------------------------ */

static int sess_write(struct simsess *ss, const struct smpp_pdu *pdu,
		      struct evbuffer *to)
{
	struct sim *s = ss->s;
	long n = smpp_pdu_encode(pdu, ss->v33 ? SMPP_F_V33 : 0, s->wbuf,
				 sizeof(s->wbuf));

	if (n < 0) {
		sim_log(s, "error sess=%" PRIu64 " encode %s failed: %ld", ss->id,
			smpp_command_name(pdu->command_id), n);
		return -1;
	}
	s->st.pdus_tx++;
	return evbuffer_add(to, s->wbuf, (size_t)n);
}

static void sess_send(struct simsess *ss, const struct smpp_pdu *pdu)
{
	sess_write(ss, pdu, bufferevent_get_output(ss->bev));
}

static void lat_arm(struct simsess *ss)
{
	uint64_t now = sim_now_ms(ss->s), due;
	struct timeval tv;

	if (ss->dq_len == 0 || evtimer_pending(ss->lat_ev, NULL))
		return;
	due = ss->dq[ss->dq_head].due_ms;
	due = due > now ? due - now : 0;
	tv.tv_sec = (time_t)(due / 1000);
	tv.tv_usec = (suseconds_t)(due % 1000) * 1000;
	evtimer_add(ss->lat_ev, &tv);
}

static void lat_cb(evutil_socket_t fd, short what, void *arg)
{
	struct simsess *ss = arg;
	struct evbuffer *out = bufferevent_get_output(ss->bev);
	uint64_t now = sim_now_ms(ss->s);

	(void)fd;
	(void)what;
	while (ss->dq_len > 0 && ss->dq[ss->dq_head].due_ms <= now) {
		evbuffer_remove_buffer(ss->delayed, out, ss->dq[ss->dq_head].len);
		ss->dq_head = (ss->dq_head + 1) % ss->dq_cap;
		ss->dq_len--;
	}
	lat_arm(ss);
}

/* A response, after --latency-ms when set. */
static void sess_respond(struct simsess *ss, const struct smpp_pdu *pdu)
{
	struct sim *s = ss->s;
	size_t before;

	if (s->o.latency_ms == 0 && ss->dq_len == 0) {
		sess_send(ss, pdu);
		return;
	}
	if (ss->dq_len == ss->dq_cap) {
		size_t cap = ss->dq_cap ? ss->dq_cap * 2 : 1024;
		struct delayed *v = malloc(cap * sizeof(*v));

		if (v == NULL) {
			sess_send(ss, pdu);
			return;
		}
		for (size_t i = 0; i < ss->dq_len; i++)
			v[i] = ss->dq[(ss->dq_head + i) % ss->dq_cap];
		free(ss->dq);
		ss->dq = v;
		ss->dq_cap = cap;
		ss->dq_head = 0;
	}
	before = evbuffer_get_length(ss->delayed);
	if (sess_write(ss, pdu, ss->delayed) != 0)
		return;
	ss->dq[(ss->dq_head + ss->dq_len) % ss->dq_cap] = (struct delayed){
		sim_now_ms(s) + s->o.latency_ms,
		(uint32_t)(evbuffer_get_length(ss->delayed) - before),
	};
	ss->dq_len++;
	lat_arm(ss);
}

static void sess_respond_status(struct simsess *ss, const struct smpp_pdu *req,
				uint32_t status)
{
	struct smpp_pdu *r = &ss->s->out;

	if (smpp_pdu_make_resp(req, status, r) == 0)
		sess_respond(ss, r);
}

/* ---- receipts ----------------------------------------------------------- */

static int ring_push(struct simring *r, const struct simdlr *d, size_t max)
{
	if (r->len == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 4096;
		struct simdlr *v;

		if (r->len >= max)
			return -1;
		v = malloc(cap * sizeof(*v));
		if (v == NULL)
			return -1;
		for (size_t i = 0; i < r->len; i++)
			v[i] = r->v[(r->head + i) % r->cap];
		free(r->v);
		r->v = v;
		r->cap = cap;
		r->head = 0;
	}
	r->v[(r->head + r->len) % r->cap] = *d;
	r->len++;
	return 0;
}

static void ring_pop(struct simring *r, struct simdlr *d)
{
	*d = r->v[r->head];
	r->head = (r->head + 1) % r->cap;
	r->len--;
}

/* Copies src, cut to fit cap (a data_sm address may be longer than a
 * deliver_sm one). */
static void copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void format_id(char *dst, size_t cap, uint64_t id, bool hex)
{
	if (hex)
		snprintf(dst, cap, "%" PRIX64, id);
	else
		snprintf(dst, cap, "%" PRIu64, id);
}

static void format_date(char *dst, size_t cap, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	snprintf(dst, cap, "%02u%02u%02u%02u%02u", (unsigned)tm.tm_year % 100u,
		 (unsigned)tm.tm_mon % 12u + 1, (unsigned)tm.tm_mday % 32u,
		 (unsigned)tm.tm_hour % 24u, (unsigned)tm.tm_min % 60u);
}

/* The receipt deliver_sm (protocols.md §1.9), TLVs for 3.4 binds. */
static void dlr_build(struct sim *s, struct simsess *ss, const struct simdlr *d)
{
	static const char *const errs[SIMST_COUNT] = {
		"000", "001", "002", "003", "004", "005", "000", "000",
	};
	struct smpp_pdu *p = &s->out;
	char text_id[24], tlv_id[24], sub[24], done[24];
	int n;

	smpp_pdu_init(p, SMPP_DELIVER_SM, sess_next_seq(ss));
	p->source_addr_ton = d->src_ton;
	p->source_addr_npi = d->src_npi;
	memcpy(p->source_addr, d->src, sizeof(d->src));
	p->dest_addr_ton = d->dst_ton;
	p->dest_addr_npi = d->dst_npi;
	memcpy(p->destination_addr, d->dst, sizeof(d->dst));
	p->esm_class = d->interim ? SMPP_ESM_INTERMEDIATE :
		       SMPP_ESM_DELIVERY_RECEIPT;
	format_id(tlv_id, sizeof(tlv_id), d->id, s->o.id_hex);
	format_id(text_id, sizeof(text_id), d->id, s->o.dlr_id_format == 0 ?
		  s->o.id_hex : s->o.dlr_id_format == 1);
	format_date(sub, sizeof(sub), d->submit_time);
	format_date(done, sizeof(done), (int64_t)(sim_now_ms(s) / 1000));
	n = snprintf((char *)p->short_message, sizeof(p->short_message),
		     "id:%s sub:001 dlvrd:%s submit date:%s done date:%s stat:%s "
		     "err:%s text:%s", text_id,
		     d->state == SIMST_DELIVRD ? "001" : "000", sub, done,
		     sim_state_word(d->state), errs[d->state], d->text);
	p->sm_length = (uint8_t)(n > SMPP_SM_MAX ? SMPP_SM_MAX : n);
	if (ss->v33)
		return;
	memcpy(p->tlv.receipted_message_id, tlv_id, sizeof(tlv_id));
	smpp_tlv_set(&p->tlv, SMPP_TI_RECEIPTED_MESSAGE_ID);
	p->tlv.message_state = state_msg_state[d->state];
	smpp_tlv_set(&p->tlv, SMPP_TI_MESSAGE_STATE);
	if (d->state != SIMST_DELIVRD && d->state != SIMST_ENROUTE &&
	    d->state != SIMST_ACCEPTD) {
		p->tlv.network_error_code.type = 3;
		p->tlv.network_error_code.code = (uint16_t)atoi(errs[d->state]);
		smpp_tlv_set(&p->tlv, SMPP_TI_NETWORK_ERROR_CODE);
	}
}

/* A bound receiver of system_id (any when NULL), rotated for fairness. */
static struct simsess *receiver_pick(struct sim *s, const char *system_id)
{
	struct simsess *ss;

	TAILQ_FOREACH(ss, &s->sessions, link) {
		if (!sess_receives(ss))
			continue;
		if (system_id != NULL && strcmp(ss->system_id, system_id) != 0)
			continue;
		TAILQ_REMOVE(&s->sessions, ss, link);
		TAILQ_INSERT_TAIL(&s->sessions, ss, link);
		return ss;
	}
	return NULL;
}

static void dlr_send(struct sim *s, const struct simdlr *d)
{
	struct simsess *ss = receiver_pick(s, d->system_id);

	if (ss == NULL) {
		if (ring_push(&s->parked, d, s->o.dlr_max) != 0)
			s->st.dlr_dropped++;
		return;
	}
	dlr_build(s, ss, d);
	sess_send(ss, &s->out);
	s->st.dlr_sent++;
	s->st.dlr_state[d->state]++;
}

static void dlr_arm(struct sim *s)
{
	uint64_t now = sim_now_ms(s), due;
	struct timeval tv;

	if (s->dlrq.len == 0 || evtimer_pending(s->dlr_ev, NULL))
		return;
	due = s->dlrq.v[s->dlrq.head].due_ms;
	due = due > now ? due - now : 0;
	tv.tv_sec = (time_t)(due / 1000);
	tv.tv_usec = (suseconds_t)(due % 1000) * 1000;
	evtimer_add(s->dlr_ev, &tv);
}

static void dlr_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sim *s = arg;
	uint64_t now = sim_now_ms(s);
	struct simdlr d;

	(void)fd;
	(void)what;
	while (s->dlrq.len > 0 && s->dlrq.v[s->dlrq.head].due_ms <= now) {
		ring_pop(&s->dlrq, &d);
		dlr_send(s, &d);
	}
	dlr_arm(s);
}

/* Receipts parked for system_id go out now that it has a receiver. */
static void dlr_unpark(struct sim *s, const char *system_id)
{
	size_t n = s->parked.len;
	struct simdlr d;

	while (n-- > 0) {
		ring_pop(&s->parked, &d);
		if (strcmp(d.system_id, system_id) == 0)
			dlr_send(s, &d);
		else
			ring_push(&s->parked, &d, SIZE_MAX);
	}
}

/* The text a state rule looks at: short_message after any UDH, or payload. */
static void msg_text(const struct smpp_pdu *p, const uint8_t **t, size_t *n)
{
	*t = p->short_message;
	*n = p->sm_length;
	if (*n == 0 && smpp_tlv_has(&p->tlv, SMPP_TI_MESSAGE_PAYLOAD)) {
		*t = p->tlv.message_payload.p;
		*n = p->tlv.message_payload.len;
	}
	if ((p->esm_class & SMPP_ESM_UDHI) && *n > 0 && (size_t)(*t)[0] + 1 <= *n) {
		size_t h = (size_t)(*t)[0] + 1;

		*t += h;
		*n -= h;
	}
}

/* The state whose 7-letter word starts t[0..n), or -1. */
static int state_at(const uint8_t *t, size_t n)
{
	if (n < 7)
		return -1;
	for (unsigned i = 0; i < SIMST_COUNT; i++)
		if (memcmp(t, sim_state_word(i), 7) == 0)
			return (int)i;
	return -1;
}

/* "stat:FIRST+FINAL": the state of an intermediate receipt sent before the
 * final one (FINAL), or -1 for none. */
static int chain_state(const uint8_t *t, size_t n)
{
	if (n < 20 || memcmp(t, "stat:", 5) != 0 || t[12] != '+' ||
	    state_at(t + 13, n - 13) < 0)
		return -1;
	return state_at(t + 5, n - 5);
}

static unsigned choose_state(struct sim *s, const uint8_t *t, size_t n)
{
	unsigned r;
	int st;

	if (n >= 12 && memcmp(t, "stat:", 5) == 0) {
		if (chain_state(t, n) >= 0)
			return (unsigned)state_at(t + 13, n - 13);
		if ((st = state_at(t + 5, n - 5)) >= 0)
			return (unsigned)st;
	}
	if (s->o.mix_total == 0)
		return SIMST_DELIVRD;
	r = (unsigned)(sim_rand(s) % s->o.mix_total);
	for (unsigned i = 0; i < SIMST_COUNT; i++) {
		if (r < s->o.mix[i])
			return i;
		r -= s->o.mix[i];
	}
	return SIMST_DELIVRD;
}

static void dlr_queue(struct sim *s, struct simsess *ss,
		      const struct smpp_pdu *p, uint64_t id)
{
	struct simdlr d;
	const uint8_t *t;
	size_t n;
	unsigned reg = p->registered_delivery & SMPP_REG_DLR_MASK;
	int first;

	if (reg != SMPP_REG_DLR_ALWAYS && reg != SMPP_REG_DLR_FAILURE)
		return;
	memset(&d, 0, sizeof(d));
	msg_text(p, &t, &n);
	d.state = (uint8_t)choose_state(s, t, n);
	if (reg == SMPP_REG_DLR_FAILURE && d.state == SIMST_DELIVRD)
		return;
	d.due_ms = sim_now_ms(s) + s->o.dlr_delay_ms;
	d.id = id;
	d.submit_time = (int64_t)(sim_now_ms(s) / 1000);
	memcpy(d.system_id, ss->system_id, sizeof(d.system_id));
	d.src_ton = p->dest_addr_ton;
	d.src_npi = p->dest_addr_npi;
	copy_str(d.src, sizeof(d.src), p->destination_addr);
	d.dst_ton = p->source_addr_ton;
	d.dst_npi = p->source_addr_npi;
	copy_str(d.dst, sizeof(d.dst), p->source_addr);
	for (size_t i = 0; i < n && i < 20; i++)
		d.text[i] = t[i] >= 0x20 && t[i] < 0x7F ? (char)t[i] : '.';
	if ((first = chain_state(t, n)) >= 0) {	/* same due: sent before */
		struct simdlr im = d;

		im.state = (uint8_t)first;
		im.interim = true;
		if (ring_push(&s->dlrq, &im, s->o.dlr_max) != 0)
			s->st.dlr_dropped++;
	}
	if (ring_push(&s->dlrq, &d, s->o.dlr_max) != 0) {
		s->st.dlr_dropped++;
		return;
	}
	dlr_arm(s);
}

/* ---- requests ----------------------------------------------------------- */

static void on_bind(struct simsess *ss, const struct smpp_pdu *in)
{
	struct sim *s = ss->s;
	struct smpp_pdu *r = &s->out;
	uint32_t status = SMPP_ESME_ROK;

	if (ss->bind != SB_OPEN)
		status = SMPP_ESME_RALYBND;
	else if (s->o.system_id != NULL && strcmp(in->system_id, s->o.system_id) != 0)
		status = SMPP_ESME_RINVSYSID;
	else if (s->o.password != NULL && strcmp(in->password, s->o.password) != 0)
		status = SMPP_ESME_RINVPASWD;
	smpp_pdu_make_resp(in, status, r);
	strcpy(r->system_id, "smscsim");
	if (status != SMPP_ESME_ROK) {
		s->st.binds_failed++;
		sim_log(s, "bind sess=%" PRIu64 " system_id=%s result=%s", ss->id,
			in->system_id, smpp_status_name(status));
		sess_send(ss, r);
		return;
	}
	ss->bind = in->command_id == SMPP_BIND_TRANSMITTER ? SB_TX :
		in->command_id == SMPP_BIND_RECEIVER ? SB_RX : SB_TRX;
	ss->v33 = in->interface_version < SMPP_VERSION_34;
	memcpy(ss->system_id, in->system_id, sizeof(ss->system_id));
	if (!ss->v33) {
		r->tlv.sc_interface_version = SMPP_VERSION_34;
		smpp_tlv_set(&r->tlv, SMPP_TI_SC_INTERFACE_VERSION);
	}
	s->st.binds_ok++;
	sim_log(s, "bind sess=%" PRIu64 " system_id=%s type=%s version=0x%02x "
		"result=ESME_ROK", ss->id, ss->system_id,
		smpp_command_name(in->command_id), in->interface_version);
	sess_send(ss, r);
	if (sess_receives(ss))
		dlr_unpark(s, ss->system_id);
}

/* ESME_ROK, the injected error or ESME_RTHROTTLED for the next submit. */
static uint32_t submit_verdict(struct sim *s)
{
	int64_t sec = (int64_t)(sim_now_ms(s) / 1000);

	if (s->o.throttle > 0) {
		if (sec != s->throttle_sec) {
			s->throttle_sec = sec;
			s->throttle_count = 0;
		}
		if (s->throttle_count >= s->o.throttle) {
			s->st.submits_throttled++;
			return SMPP_ESME_RTHROTTLED;
		}
		s->throttle_count++;
	}
	if (s->o.error_rate > 0 &&
	    (double)(sim_rand(s) % 1000000) < s->o.error_rate * 10000.0) {
		s->st.submits_injected++;
		return s->o.error_status;
	}
	return SMPP_ESME_ROK;
}

static void on_submit(struct simsess *ss, const struct smpp_pdu *in)
{
	struct sim *s = ss->s;
	struct smpp_pdu *r = &s->out;
	uint32_t status;
	uint64_t id;

	s->st.submits++;
	if (!sess_transmits(ss)) {
		s->st.submits_refused++;
		sess_respond_status(ss, in, SMPP_ESME_RINVBNDSTS);
		return;
	}
	status = submit_verdict(s);
	smpp_pdu_make_resp(in, status, r);
	if (status != SMPP_ESME_ROK) {
		sess_respond(ss, r);
		return;
	}
	id = s->next_id++;
	format_id(r->message_id, sizeof(r->message_id), id, s->o.id_hex);
	if (in->command_id == SMPP_SUBMIT_MULTI)
		r->no_unsuccess = 0;
	s->st.submits_ok++;
	sess_respond(ss, r);
	if (in->command_id != SMPP_SUBMIT_MULTI)
		dlr_queue(s, ss, in, id);
}

/* " udh=HEX" when the submit has a UDH, " sar=REF:TOTAL:SEQ" when it has the
 * SAR TLVs: what a test needs to see of a part's concatenation. */
static void log_concat(const struct smpp_pdu *p, char *out, size_t cap)
{
	const uint8_t *t = p->short_message;
	size_t n = p->sm_length, h, o = 0;

	out[0] = '\0';
	if (n == 0 && smpp_tlv_has(&p->tlv, SMPP_TI_MESSAGE_PAYLOAD)) {
		t = p->tlv.message_payload.p;
		n = p->tlv.message_payload.len;
	}
	if ((p->esm_class & SMPP_ESM_UDHI) && n > 0 && (h = (size_t)t[0] + 1) <= n) {
		o = (size_t)snprintf(out, cap, " udh=");
		for (size_t i = 0; i < h && o + 3 <= cap; i++)
			o += (size_t)snprintf(out + o, cap - o, "%02x", t[i]);
	}
	if (smpp_tlv_has(&p->tlv, SMPP_TI_SAR_TOTAL_SEGMENTS) && o < cap)
		snprintf(out + o, cap - o, " sar=%u:%u:%u",
			 (unsigned)p->tlv.sar_msg_ref_num,
			 (unsigned)p->tlv.sar_total_segments,
			 (unsigned)p->tlv.sar_segment_seqnum);
}

static void log_pdu(struct simsess *ss, const struct smpp_pdu *p)
{
	char text[48], concat[320];
	const uint8_t *t;
	size_t n, i;

	if (ss->s->o.quiet)
		return;
	if (p->command_id != SMPP_SUBMIT_SM && p->command_id != SMPP_DATA_SM &&
	    p->command_id != SMPP_SUBMIT_MULTI) {
		sim_log(ss->s, "rx sess=%" PRIu64 " system_id=%s cmd=%s seq=%" PRIu32
			" status=0x%08" PRIx32, ss->id, ss->system_id,
			smpp_command_name(p->command_id), p->sequence_number,
			p->command_status);
		return;
	}
	msg_text(p, &t, &n);
	for (i = 0; i < n && i < sizeof(text) - 1; i++)
		text[i] = t[i] >= 0x20 && t[i] < 0x7F && t[i] != '"' ? (char)t[i] : '.';
	text[i] = '\0';
	log_concat(p, concat, sizeof(concat));
	sim_log(ss->s, "rx sess=%" PRIu64 " system_id=%s cmd=%s seq=%" PRIu32
		" src=%s dst=%s esm=0x%02x reg=0x%02x dcs=0x%02x pri=%u sched=%s"
		" vp=%s len=%zu text=\"%s\"%s",
		ss->id, ss->system_id, smpp_command_name(p->command_id),
		p->sequence_number, p->source_addr, p->destination_addr,
		p->esm_class, p->registered_delivery, p->data_coding,
		(unsigned)p->priority_flag,
		p->schedule_delivery_time[0] != '\0' ? p->schedule_delivery_time : "-",
		p->validity_period[0] != '\0' ? p->validity_period : "-", n, text,
		concat);
}

static void on_pdu(struct simsess *ss, const struct smpp_pdu *in)
{
	struct sim *s = ss->s;
	uint32_t id = in->command_id;

	log_pdu(ss, in);
	if (ss->bind == SB_OPEN && id != SMPP_BIND_TRANSMITTER &&
	    id != SMPP_BIND_RECEIVER && id != SMPP_BIND_TRANSCEIVER &&
	    id != SMPP_ENQUIRE_LINK && id != SMPP_UNBIND && !(id & SMPP_RESP_BIT)) {
		sess_respond_status(ss, in, SMPP_ESME_RINVBNDSTS);
		return;
	}
	switch (id) {
	case SMPP_BIND_TRANSMITTER:
	case SMPP_BIND_RECEIVER:
	case SMPP_BIND_TRANSCEIVER:
		on_bind(ss, in);
		break;
	case SMPP_SUBMIT_SM:
	case SMPP_DATA_SM:
	case SMPP_SUBMIT_MULTI:
		on_submit(ss, in);
		break;
	case SMPP_DELIVER_SM_RESP:
	case SMPP_DATA_SM_RESP:
		s->st.deliver_resp++;
		if (in->command_status != SMPP_ESME_ROK)
			s->st.deliver_resp_err++;
		break;
	case SMPP_ENQUIRE_LINK:
		s->st.enquire_rx++;
		sess_respond_status(ss, in, SMPP_ESME_ROK);
		break;
	case SMPP_UNBIND:
		sess_respond_status(ss, in, SMPP_ESME_ROK);
		sess_close_after_flush(ss);
		break;
	case SMPP_UNBIND_RESP:
		sess_close_after_flush(ss);
		break;
	case SMPP_QUERY_SM:
		sess_respond_status(ss, in, SMPP_ESME_RQUERYFAIL);
		break;
	case SMPP_CANCEL_SM:
		sess_respond_status(ss, in, SMPP_ESME_RCANCELFAIL);
		break;
	case SMPP_REPLACE_SM:
		sess_respond_status(ss, in, SMPP_ESME_RREPLACEFAIL);
		break;
	case SMPP_DELIVER_SM:
		sess_respond_status(ss, in, SMPP_ESME_RINVBNDSTS);
		break;
	default:
		/* Responses we do not track; 3.3-only requests are not served. */
		if (!(id & SMPP_RESP_BIT))
			sess_respond_status(ss, in, SMPP_ESME_RINVCMDID);
		break;
	}
}

static void on_bad_pdu(struct simsess *ss, const struct smpp_error *err)
{
	struct sim *s = ss->s;
	long n;

	sim_log(s, "bad-pdu sess=%" PRIu64 " cmd=0x%08" PRIx32 " seq=%" PRIu32
		" answer=%s status=%s disconnect=%d", ss->id, err->command_id,
		err->seq, smpp_command_name(err->answer_id),
		smpp_status_name(err->status), err->disconnect);
	if (err->command_id == SMPP_SUBMIT_SM || err->command_id == SMPP_DATA_SM) {
		s->st.submits++;
		s->st.submits_refused++;
	}
	n = smpp_pdu_encode_error_answer(err, s->wbuf, sizeof(s->wbuf));
	if (n > 0) {
		evbuffer_add(bufferevent_get_output(ss->bev), s->wbuf, (size_t)n);
		s->st.pdus_tx++;
		if (err->answer_id == SMPP_GENERIC_NACK)
			s->st.nacks_tx++;
	}
	if (err->disconnect)
		sess_close_after_flush(ss);
}

/* ---- bufferevent callbacks --------------------------------------------- */

static void sess_read_cb(struct bufferevent *bev, void *arg)
{
	struct simsess *ss = arg;
	struct sim *s = ss->s;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct smpp_error err;
	uint8_t hdr[SMPP_HEADER_LEN];
	size_t avail;
	long n;

	while (!ss->closing && (avail = evbuffer_get_length(in)) >= 4) {
		/* smpp_pdu_frame reads at most the 16 header octets. */
		evbuffer_copyout(in, hdr, avail < sizeof(hdr) ? avail : sizeof(hdr));
		n = smpp_pdu_frame(hdr, avail, s->o.max_pdu, &err);
		if (n == 0)
			break;
		s->st.pdus_rx++;
		if (n < 0) {
			on_bad_pdu(ss, &err);
			return;
		}
		if (smpp_pdu_decode(evbuffer_pullup(in, n), (size_t)n, &s->in,
				    ss->v33 ? SMPP_F_V33 | SMPP_F_V33_LAX : 0, &err) < 0)
			on_bad_pdu(ss, &err);
		else
			on_pdu(ss, &s->in);
		evbuffer_drain(in, (size_t)n);
	}
	if (!ss->closing &&
	    evbuffer_get_length(bufferevent_get_output(bev)) > SESS_OUT_HIGH)
		bufferevent_disable(bev, EV_READ);
}

static void sess_write_cb(struct bufferevent *bev, void *arg)
{
	struct simsess *ss = arg;

	if (ss->closing) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0 &&
		    ss->dq_len == 0)
			sess_free(ss);
		return;
	}
	bufferevent_enable(bev, EV_READ);
}

static void sess_event_cb(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)what;
	sess_free(arg);
}

static void enquire_cb(evutil_socket_t fd, short what, void *arg)
{
	struct simsess *ss = arg;
	struct smpp_pdu *p = &ss->s->out;

	(void)fd;
	(void)what;
	if (ss->bind == SB_OPEN || ss->closing)
		return;
	smpp_pdu_init(p, SMPP_ENQUIRE_LINK, sess_next_seq(ss));
	sess_send(ss, p);
	ss->s->st.enquire_tx++;
}

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd,
		      struct sockaddr *sa, int salen, void *arg)
{
	struct sim *s = arg;
	struct simsess *ss = calloc(1, sizeof(*ss));
	struct timeval tv = { (time_t)s->o.enquire_s, 0 };
	int one = 1;

	(void)l;
	(void)salen;
	if (ss == NULL) {
		evutil_closesocket(fd);
		return;
	}
	ss->s = s;
	ss->id = ++s->next_sess_id;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)sa)->sin_addr,
			  ss->peer, sizeof(ss->peer));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	ss->bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
	ss->delayed = evbuffer_new();
	ss->lat_ev = evtimer_new(s->base, lat_cb, ss);
	ss->enq_ev = event_new(s->base, -1, EV_PERSIST, enquire_cb, ss);
	if (ss->bev == NULL || ss->delayed == NULL || ss->lat_ev == NULL ||
	    ss->enq_ev == NULL) {
		TAILQ_INSERT_TAIL(&s->sessions, ss, link);
		if (ss->bev == NULL)
			evutil_closesocket(fd);
		sess_free(ss);
		return;
	}
	TAILQ_INSERT_TAIL(&s->sessions, ss, link);
	bufferevent_setcb(ss->bev, sess_read_cb, sess_write_cb, sess_event_cb, ss);
	bufferevent_setwatermark(ss->bev, EV_WRITE, SESS_OUT_LOW, 0);
	bufferevent_set_max_single_read(ss->bev, 256 * 1024);
	bufferevent_enable(ss->bev, EV_READ | EV_WRITE);
	if (s->o.enquire_s > 0)
		event_add(ss->enq_ev, &tv);
	s->st.connections++;
	sim_log(s, "connect sess=%" PRIu64 " peer=%s", ss->id, ss->peer);
}

/* ---- public ------------------------------------------------------------- */

int sim_smpp_listen(struct sim *s)
{
	int port;

	TAILQ_INIT(&s->sessions);
	s->dlr_ev = evtimer_new(s->base, dlr_cb, s);
	if (s->dlr_ev == NULL)
		return -1;
	s->smpp_l = sim_listen(s, s->o.port, accept_cb, &port);
	if (s->smpp_l == NULL)
		return -1;
	s->o.port = port;
	return 0;
}

void sim_smpp_fini(struct sim *s)
{
	while (!TAILQ_EMPTY(&s->sessions))
		sess_free(TAILQ_FIRST(&s->sessions));
	if (s->smpp_l != NULL)
		evconnlistener_free(s->smpp_l);
	if (s->dlr_ev != NULL)
		event_free(s->dlr_ev);
	free(s->dlrq.v);
	free(s->parked.v);
}

unsigned sim_drop(struct sim *s, const char *system_id)
{
	struct simsess *ss, *next;
	unsigned n = 0;

	for (ss = TAILQ_FIRST(&s->sessions); ss != NULL; ss = next) {
		next = TAILQ_NEXT(ss, link);
		if (system_id != NULL && strcmp(ss->system_id, system_id) != 0)
			continue;
		sess_free(ss);
		n++;
	}
	s->st.drops += n;
	return n;
}

unsigned sim_session_count(struct sim *s, unsigned *bound)
{
	struct simsess *ss;
	unsigned n = 0;

	*bound = 0;
	TAILQ_FOREACH(ss, &s->sessions, link) {
		n++;
		if (ss->bind != SB_OPEN && !ss->closing)
			(*bound)++;
	}
	return n;
}

void sim_unbind_all(struct sim *s)
{
	struct simsess *ss;

	TAILQ_FOREACH(ss, &s->sessions, link) {
		if (ss->bind == SB_OPEN || ss->closing)
			continue;
		smpp_pdu_init(&s->out, SMPP_UNBIND, sess_next_seq(ss));
		sess_send(ss, &s->out);
	}
}

/* ASCII/UTF-8 to unpacked GSM 03.38 septets; escapes take two. What has no
 * GSM form becomes '?'. Returns the septet count (at most cap). */
static size_t gsm_from_utf8(const char *in, uint8_t *out, size_t cap)
{
	static const struct { const char *u; uint8_t esc, c; } map[] = {
		{ "@", 0, 0x00 }, { "$", 0, 0x02 }, { "_", 0, 0x11 },
		{ "^", 1, 0x14 }, { "{", 1, 0x28 }, { "}", 1, 0x29 },
		{ "\\", 1, 0x2F }, { "[", 1, 0x3C }, { "~", 1, 0x3D },
		{ "]", 1, 0x3E }, { "|", 1, 0x40 }, { "`", 0, '?' },
		{ "\xE2\x82\xAC", 1, 0x65 }, { "\xC2\xA3", 0, 0x01 },
		{ "\xC3\xA8", 0, 0x04 }, { "\xC3\xA9", 0, 0x05 },
		{ "\xC3\xA0", 0, 0x7F }, { "\xC3\xA4", 0, 0x7B },
		{ "\xC3\xB6", 0, 0x7C }, { "\xC3\xB1", 0, 0x7D },
		{ "\xC3\xBC", 0, 0x7E }, { "\xC3\x84", 0, 0x5B },
		{ "\xC3\x96", 0, 0x5C }, { "\xC3\x9C", 0, 0x5E },
		{ "\xC3\x9F", 0, 0x1E },
	};
	size_t n = 0;

	while (*in != '\0' && n < cap) {
		size_t i, ulen = 1;
		uint8_t esc = 0, c = (uint8_t)*in;

		for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
			size_t l = strlen(map[i].u);

			if (strncmp(in, map[i].u, l) == 0) {
				ulen = l;
				esc = map[i].esc;
				c = map[i].c;
				break;
			}
		}
		if (i == sizeof(map) / sizeof(map[0]) && c >= 0x80) {
			c = '?';
			while ((uint8_t)in[ulen] >= 0x80 && (uint8_t)in[ulen] < 0xC0)
				ulen++;
		}
		if (esc) {
			if (n + 2 > cap)
				break;
			out[n++] = 0x1B;
		}
		out[n++] = c;
		in += ulen;
	}
	return n;
}

/* Splits n septets into parts of at most 153, never after a lone escape. */
static size_t mo_cut(const uint8_t *t, size_t n)
{
	size_t k = n < 153 ? n : 153;

	if (k < n && k > 0 && t[k - 1] == 0x1B)
		k--;
	return k;
}

static void mo_fill(struct smpp_pdu *p, const char *from, const char *to)
{
	bool digits = from[0] != '\0' && strspn(from, "0123456789") == strlen(from);

	p->source_addr_ton = digits ? SMPP_TON_INTERNATIONAL : SMPP_TON_ALPHANUMERIC;
	p->source_addr_npi = digits ? SMPP_NPI_ISDN : SMPP_NPI_UNKNOWN;
	copy_str(p->source_addr, 21, from);
	p->dest_addr_ton = SMPP_TON_INTERNATIONAL;
	p->dest_addr_npi = SMPP_NPI_ISDN;
	copy_str(p->destination_addr, 21, to);
	p->data_coding = SMPP_DCS_DEFAULT;
}

int sim_mo(struct sim *s, const char *system_id, const char *from,
	   const char *to, const char *text, char *why, size_t whylen)
{
	static uint8_t sept[255 * 153];
	struct simsess *ss = receiver_pick(s, system_id);
	size_t n = gsm_from_utf8(text, sept, sizeof(sept)), off, k;
	unsigned total = 0, seq = 0;
	struct smpp_pdu *p = &s->out;
	uint8_t ref;

	if (ss == NULL) {
		snprintf(why, whylen, "no receiver bound");
		return -1;
	}
	if (strlen(from) > 20 || strlen(to) > 20) {
		snprintf(why, whylen, "address longer than 20");
		return -1;
	}
	if (n <= 160) {
		smpp_pdu_init(p, SMPP_DELIVER_SM, sess_next_seq(ss));
		mo_fill(p, from, to);
		memcpy(p->short_message, sept, n);
		p->sm_length = (uint8_t)n;
		sess_send(ss, p);
		s->st.mo_sent++;
		return 1;
	}
	for (off = 0; off < n; off += mo_cut(sept + off, n - off))
		total++;
	if (total > 255) {
		snprintf(why, whylen, "text too long");
		return -1;
	}
	ref = (uint8_t)s->mo_ref++;
	for (off = 0; off < n; off += k) {
		k = mo_cut(sept + off, n - off);
		smpp_pdu_init(p, SMPP_DELIVER_SM, sess_next_seq(ss));
		mo_fill(p, from, to);
		p->esm_class = SMPP_ESM_UDHI;
		memcpy(p->short_message, (uint8_t[]){ 5, 0, 3, ref, (uint8_t)total,
			(uint8_t)++seq }, 6);
		memcpy(p->short_message + 6, sept + off, k);
		p->sm_length = (uint8_t)(6 + k);
		sess_send(ss, p);
		s->st.mo_sent++;
	}
	return (int)total;
}
