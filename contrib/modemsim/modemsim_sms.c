/*
 * modemsim SMS side: the SIM message storage, AT+CMGS submits (length rule,
 * tpdu_decode, outcome rules, log), status reports after --sr-delay-ms, and
 * incoming messages (split into concatenated SMS-DELIVER parts, stored with
 * +CMTI or sent directly with +CMT as AT+CNMI says). Also the SMS-DELIVER and
 * SMS-STATUS-REPORT encoders of 23.040 (protocols.md §3.3, §3.4), which the
 * codec library only decodes.
 */
#include "config.h"

#include "contrib/modemsim/modemsim.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shared/codec/gsm7.h"
#include "shared/codec/udh.h"
#include "shared/util/bytes.h"

#define MSIM_INJECT_PARTS 32

/* A TP-SCTS / TP-DT for a wall-clock time, in UTC. */
static void time_utc(uint64_t ms, struct tpdu_time *t)
{
	time_t sec = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&sec, &tm);
	memset(t, 0, sizeof(*t));
	t->year = (uint16_t)(tm.tm_year + 1900);
	t->month = (uint8_t)(tm.tm_mon + 1);
	t->day = (uint8_t)tm.tm_mday;
	t->hour = (uint8_t)tm.tm_hour;
	t->minute = (uint8_t)tm.tm_min;
	t->second = (uint8_t)tm.tm_sec;
	t->valid = true;
}

/* SMSC address field: 00 when sca is NULL or "". */
static void put_sca(struct bytes_writer *w, const char *sca)
{
	uint8_t buf[16];
	int n = tpdu_addr_encode(sca ? sca : "", 0, true, buf, sizeof(buf));

	if (n < 0)
		w->overflow = true;
	else
		bytes_put_raw(w, buf, (size_t)n);
}

static void put_addr(struct bytes_writer *w, const char *text, uint8_t toa)
{
	uint8_t buf[16];
	int n = tpdu_addr_encode(text, toa, false, buf, sizeof(buf));

	if (n < 0)
		w->overflow = true;
	else
		bytes_put_raw(w, buf, (size_t)n);
}

static void put_time(struct bytes_writer *w, const struct tpdu_time *t)
{
	uint8_t buf[7];

	if (tpdu_time_encode(t, buf) != 7)
		w->overflow = true;
	else
		bytes_put_raw(w, buf, sizeof(buf));
}

/* The type of address for an originator given as text: digits (a leading '+'
 * makes it international), else alphanumeric. */
static uint8_t oa_toa(const char *oa)
{
	const char *d = oa[0] == '+' ? oa + 1 : oa;
	size_t n = strlen(d);

	if (n > 0 && n <= TPDU_ADDR_DIGITS && strspn(d, "0123456789") == n)
		return oa[0] == '+' ? TPDU_TOA_INTERNATIONAL : TPDU_TOA_UNKNOWN;
	return TPDU_TOA_ALPHANUMERIC;
}

int msim_deliver_encode(const char *sca, const char *oa, uint8_t dcs,
			const struct tpdu_time *scts, const struct sms_part *pt,
			uint8_t *out, size_t cap, size_t *tpdu_len)
{
	struct bytes_writer w;
	size_t start, units = pt->len - pt->udh_len;
	bool gsm7 = tpdu_dcs_alphabet(dcs) == TPDU_GSM7;
	unsigned udl;

	if (pt->udh_len > pt->len)
		return TPDU_E_ARG;
	bytes_writer_init(&w, out, cap);
	put_sca(&w, sca);
	start = w.len;
	bytes_put_u8(&w, (uint8_t)(0x04 | (pt->udh_len ? 0x40 : 0)));	/* MMS: no more */
	put_addr(&w, oa, oa_toa(oa));
	bytes_put_u8(&w, 0x00);
	bytes_put_u8(&w, dcs);
	put_time(&w, scts);
	if (gsm7)
		udl = (unsigned)(units + (pt->udh_len ? udh_septets(pt->udh_len) : 0));
	else
		udl = (unsigned)pt->len;
	if (udl > (gsm7 ? 160u : 140u))
		return TPDU_E_UDL;
	bytes_put_u8(&w, (uint8_t)udl);
	bytes_put_raw(&w, pt->data, gsm7 ? pt->udh_len : pt->len);
	if (w.overflow)
		return TPDU_E_SPACE;
	if (gsm7) {
		int n = gsm7_pack(pt->data + pt->udh_len, units,
				  pt->udh_len ? udh_fill_bits(pt->udh_len) : 0,
				  out + w.len, cap - w.len);

		if (n < 0)
			return n == GSM7_E_SPACE ? TPDU_E_SPACE : TPDU_E_ARG;
		w.len += (size_t)n;
	}
	if (tpdu_len != NULL)
		*tpdu_len = w.len - start;
	return (int)w.len;
}

int msim_report_encode(const char *sca, uint8_t mr, const struct tpdu_addr *ra,
		       const struct tpdu_time *scts, const struct tpdu_time *dt,
		       uint8_t st, uint8_t *out, size_t cap, size_t *tpdu_len)
{
	struct bytes_writer w;
	size_t start;

	bytes_writer_init(&w, out, cap);
	put_sca(&w, sca);
	start = w.len;
	bytes_put_u8(&w, 0x06);	/* STATUS-REPORT, MMS, SRQ 0 (on a SUBMIT) */
	bytes_put_u8(&w, mr);
	put_addr(&w, ra->text, ra->toa);
	put_time(&w, scts);
	put_time(&w, dt);
	bytes_put_u8(&w, st);
	if (w.overflow)
		return TPDU_E_SPACE;
	if (tpdu_len != NULL)
		*tpdu_len = w.len - start;
	return (int)w.len;
}

int msim_sms_init(struct msim_modem *m)
{
	m->mem[MSIM_MEM_SM] = calloc(m->s->o.sim_size, sizeof(struct msim_slot));
	m->mem[MSIM_MEM_SR] = calloc(m->s->o.sim_size, sizeof(struct msim_slot));
	m->sent = calloc(MSIM_SENT_MAX, sizeof(*m->sent));
	return m->mem[0] != NULL && m->mem[1] != NULL && m->sent != NULL ? 0 : -1;
}

static void pend_free(struct msim_pend_list *l, struct msim_pend *p)
{
	TAILQ_REMOVE(l, p, link);
	p->m->npend--;
	if (p->ev != NULL)
		event_free(p->ev);
	free(p);
}

void msim_sms_fini(struct msim_modem *m)
{
	while (!TAILQ_EMPTY(&m->pend))
		pend_free(&m->pend, TAILQ_FIRST(&m->pend));
	while (!TAILQ_EMPTY(&m->waiting))
		pend_free(&m->waiting, TAILQ_FIRST(&m->waiting));
	free(m->mem[MSIM_MEM_SM]);
	free(m->mem[MSIM_MEM_SR]);
	free(m->sent);
}

unsigned msim_sms_used(const struct msim_modem *m, enum msim_mem mem)
{
	unsigned n = 0;

	for (unsigned i = 0; i < m->s->o.sim_size; i++)
		n += m->mem[mem][i].used;
	return n;
}

const char *msim_mem_name(enum msim_mem mem)
{
	return mem == MSIM_MEM_SR ? "SR" : "SM";
}

/* Stores a PDU; returns the AT index or -1 when the storage is full. */
static int store(struct msim_modem *m, enum msim_mem mem, const uint8_t *pdu,
		 size_t len, size_t tpdu_len, uint8_t stat)
{
	for (unsigned i = 0; i < m->s->o.sim_size; i++) {
		struct msim_slot *sl = &m->mem[mem][i];

		if (sl->used)
			continue;
		sl->used = true;
		sl->stat = stat;
		memcpy(sl->pdu, pdu, len);
		sl->len = len;
		sl->tpdu_len = tpdu_len;
		return (int)(i + m->s->o.index_base);
	}
	return -1;
}

static void urc_pdu(struct msim_modem *m, const char *head, const uint8_t *pdu,
		    size_t len)
{
	char buf[64 + 2 * TPDU_MAX + 1];
	int n = snprintf(buf, sizeof(buf), "%s\r\n", head);

	tpdu_hex_encode(pdu, len, buf + n, sizeof(buf) - (size_t)n);
	msim_urc(m, buf);
}

/* Decodes the hex of a PDU and checks the <length> rule. Returns the octets
 * and fills *t, or -304. */
static int pdu_check(const char *hex, size_t hexlen, unsigned len, uint8_t *pdu,
		     struct tpdu *t)
{
	int n;

	if (hexlen == 0 || hexlen > 2 * TPDU_MAX)
		return -304;
	n = tpdu_hex_decode(hex, hexlen, pdu, TPDU_MAX);
	if (n < 1 || (size_t)pdu[0] + 1 > (size_t)n ||
	    (size_t)n - pdu[0] - 1 != len)
		return -304;
	if (tpdu_decode(pdu, (size_t)n, t) != n)
		return -304;
	return n;
}

static void log_escaped(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '\r')
			fputs("\\r", f);
		else if (*s == '\\')
			fputs("\\\\", f);
		else
			fputc(*s, f);
	}
}

static void log_line(struct msim_modem *m, const struct msim_sent *e)
{
	FILE *f = m->s->log;
	time_t sec = (time_t)(msim_now_ms(m->s) / 1000);
	struct tm tm;
	char ts[32];

	gmtime_r(&sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(f, "%s modem=%u mr=%u to=%s srr=%d dcs=0x%02X", ts, m->idx, e->mr,
		e->to, e->srr, e->dcs);
	if (e->vpf == TPDU_VPF_RELATIVE)
		fprintf(f, " vp=%u", e->vp);
	else if (e->vpf != TPDU_VPF_NONE)
		fprintf(f, " vp=%s", e->vpf == TPDU_VPF_ABSOLUTE ? "absolute" : "enhanced");
	if (e->has_concat)
		fprintf(f, " ref=%u seq=%u total=%u", e->ref, e->seq, e->total);
	fputs(" text=", f);
	log_escaped(f, e->text);
	fputc('\n', f);
}

/* Keeps an accepted submit for `sent` and writes its --log line. */
static void record(struct msim_modem *m, const struct tpdu *t, uint8_t mr)
{
	struct msim_sent *e = &m->sent[m->sent_n++ % MSIM_SENT_MAX];

	memset(e, 0, sizeof(*e));
	e->mr = mr;
	e->srr = t->srr;
	e->dcs = t->dcs;
	e->vpf = (uint8_t)t->vpf;
	e->vp = t->vp;
	if (t->has_udh && t->udh.has_concat) {
		e->has_concat = true;
		e->ref = t->udh.concat_ref;
		e->seq = t->udh.concat_seq;
		e->total = t->udh.concat_total;
	}
	snprintf(e->to, sizeof(e->to), "%s", t->addr.text);
	memcpy(e->text, t->text, sizeof(e->text));
	if (m->s->log != NULL)
		log_line(m, e);
}

/* The newest remembered outcome of part 1 of t's message, else dflt. */
static int concat_st_find(const struct msim *s, const struct tpdu *t, int dflt)
{
	for (unsigned k = 1; k <= MSIM_CONCAT_ST_MAX; k++) {
		const struct msim_concat_st *e =
			&s->concat_st[(s->concat_st_n - k) % MSIM_CONCAT_ST_MAX];

		if (e->used && e->ref == t->udh.concat_ref &&
		    strcmp(e->to, t->addr.text) == 0)
			return e->st;
	}
	return dflt;
}

/* TP-ST for a submit: "stat:WORD" / "stat:0xNN" at the start of the text (of
 * the first part of a concatenated message, which later parts inherit). */
static int outcome(struct msim_modem *m, const struct tpdu *t, int *next)
{
	static const struct {
		const char *w;
		int st;
	} words[] = {
		{ "DELIVRD", 0x00 }, { "UNDELIV", 0x41 }, { "EXPIRED", 0x46 },
		{ "DELETED", 0x48 }, { "REJECTD", 0x42 }, { "ENROUTE", 0x21 },
	};
	bool concat = t->has_udh && t->udh.has_concat;
	int st = m->cf.sr_status;

	*next = -1;
	if (concat && t->udh.concat_seq > 1) {
		st = concat_st_find(m->s, t, st);
	} else if (strncmp(t->text, "stat:", 5) == 0) {
		const char *w = t->text + 5;
		char *end;
		long v = strtol(w, &end, 16);

		if (w[0] == '0' && (w[1] == 'x' || w[1] == 'X') && end > w + 2 &&
		    v >= 0 && v <= 255)
			st = (int)v;
		for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			if (strncmp(w, words[i].w, 7) == 0)
				st = words[i].st;
	}
	if (concat && t->udh.concat_seq == 1) {
		struct msim_concat_st *e =
			&m->s->concat_st[m->s->concat_st_n++ % MSIM_CONCAT_ST_MAX];

		e->used = true;
		e->ref = t->udh.concat_ref;
		e->st = (uint8_t)st;
		snprintf(e->to, sizeof(e->to), "%s", t->addr.text);
	}
	if (st == 0x21)
		*next = 0x00;	/* ENROUTE: "still trying", then delivered */
	return st;
}

static void report_cb(evutil_socket_t fd, short what, void *arg);

static void report_schedule(struct msim_pend *p)
{
	unsigned ms = p->m->cf.sr_delay_ms;
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(p->ev, &tv);
}

static void report_new(struct msim_modem *m, const struct tpdu *t, uint8_t mr,
		       int st, int next)
{
	struct msim_pend *p;

	if (m->npend >= MSIM_PEND_MAX || (p = calloc(1, sizeof(*p))) == NULL)
		return;
	p->m = m;
	p->kind = MSIM_PEND_REPORT;
	p->mr = mr;
	p->st = (uint8_t)st;
	p->next_st = next;
	p->ra = t->addr;
	p->submit_ms = msim_now_ms(m->s);
	p->ev = evtimer_new(m->s->base, report_cb, p);
	if (p->ev == NULL) {
		free(p);
		return;
	}
	m->npend++;
	TAILQ_INSERT_TAIL(&m->pend, p, link);
	report_schedule(p);
}

static void report_send(struct msim_pend *p)
{
	struct msim_modem *m = p->m;
	struct tpdu_time scts, dt;
	uint8_t pdu[TPDU_MAX];
	size_t tl;
	char head[48];
	int n, idx;

	time_utc(p->submit_ms, &scts);
	time_utc(msim_now_ms(m->s), &dt);
	n = msim_report_encode(m->csca, p->mr, &p->ra, &scts, &dt, p->st, pdu,
			       sizeof(pdu), &tl);
	if (n < 0 || m->cnmi[3] == 0)
		return;
	if (m->cnmi[3] == 1) {
		snprintf(head, sizeof(head), "+CDS: %zu", tl);
		urc_pdu(m, head, pdu, (size_t)n);
	} else {
		if ((idx = store(m, m->s->o.sr_mem, pdu, (size_t)n, tl, 0)) < 0)
			return;
		snprintf(head, sizeof(head), "+CDSI: \"%s\",%d",
			 msim_mem_name(m->s->o.sr_mem), idx);
		msim_urc(m, head);
	}
	m->st.reports++;
}

static void report_cb(evutil_socket_t fd, short what, void *arg)
{
	struct msim_pend *p = arg;

	(void)fd;
	(void)what;
	report_send(p);
	if (p->next_st >= 0) {
		p->st = (uint8_t)p->next_st;
		p->next_st = -1;
		report_schedule(p);
		return;
	}
	pend_free(&p->m->pend, p);
}

int msim_sms_submit(struct msim_modem *m, const char *hex, size_t hexlen,
		    unsigned len)
{
	uint8_t pdu[TPDU_MAX];
	struct tpdu t;
	int n, st, next, code = 0;
	uint8_t mr;

	n = pdu_check(hex, hexlen, len, pdu, &t);
	if (n < 0 || t.type != TPDU_SUBMIT) {
		m->st.submit_errors++;
		return -304;
	}
	if (m->creg != 1 && m->creg != 5)
		code = 331;
	else if (strncmp(t.text, "cms:", 4) == 0)
		code = atoi(t.text + 4) > 0 && atoi(t.text + 4) < 1000 ?
			atoi(t.text + 4) : 500;
	else if (m->cf.error_rate > 0 &&
		 (double)(msim_rand(m->s) % 1000000) < m->cf.error_rate * 10000)
		code = (int)m->cf.error_code;
	if (code > 0) {
		m->st.submit_errors++;
		return -code;
	}
	mr = m->next_mr++;
	m->st.submitted++;
	record(m, &t, mr);
	st = outcome(m, &t, &next);
	if (t.srr)
		report_new(m, &t, mr, st, next);
	return mr;
}

int msim_sms_write(struct msim_modem *m, const char *hex, size_t hexlen,
		   unsigned len, uint8_t stat)
{
	uint8_t pdu[TPDU_MAX];
	struct tpdu t;
	int n, idx;

	n = pdu_check(hex, hexlen, len, pdu, &t);
	if (n < 0)
		return -304;
	idx = store(m, MSIM_MEM_SM, pdu, (size_t)n, len, stat);
	return idx < 0 ? -322 : idx;
}

/* The network reaches the modem: SIM unlocked and registered. */
static bool reachable(const struct msim_modem *m)
{
	return m->sim == MSIM_SIM_READY && (m->creg == 1 || m->creg == 5);
}

/* An incoming part goes out as +CMT rather than into the storage. */
static bool direct(const struct msim_modem *m, int msg_class)
{
	int mode = m->cnmi[0], mt = m->cnmi[1];

	return mode != 0 && (mt == 2 || (mt == 3 && msg_class == 3));
}

static void wait_for_room(struct msim_modem *m, const uint8_t *pdu, size_t len,
			  size_t tl, int msg_class)
{
	struct msim_pend *p;

	if (m->npend >= MSIM_PEND_MAX || (p = calloc(1, sizeof(*p))) == NULL)
		return;
	p->m = m;
	p->kind = MSIM_PEND_INCOMING;
	memcpy(p->pdu, pdu, len);
	p->len = len;
	p->tpdu_len = tl;
	p->msg_class = msg_class;
	m->npend++;
	TAILQ_INSERT_TAIL(&m->waiting, p, link);
}

/* An incoming SMS-DELIVER, as AT+CNMI routes it. The network keeps it while
 * the modem is unreachable or its SIM full, and delivers it later. */
static void incoming(struct msim_modem *m, const uint8_t *pdu, size_t len,
		     size_t tl, int msg_class)
{
	char head[48];
	int idx = -1;

	if (reachable(m) && direct(m, msg_class)) {
		snprintf(head, sizeof(head), "+CMT: ,%zu", tl);
		urc_pdu(m, head, pdu, len);
		m->st.mo_parts++;
		m->st.mo_direct++;
		return;
	}
	if (!reachable(m) || (idx = store(m, MSIM_MEM_SM, pdu, len, tl, 0)) < 0) {
		wait_for_room(m, pdu, len, tl, msg_class);
		return;
	}
	m->st.mo_parts++;
	m->st.mo_stored++;
	if (m->cnmi[1] != 0 && m->cnmi[0] != 0) {
		snprintf(head, sizeof(head), "+CMTI: \"SM\",%d", idx);
		msim_urc(m, head);
	}
}

void msim_sms_drain_waiting(struct msim_modem *m)
{
	while (!TAILQ_EMPTY(&m->waiting) && reachable(m)) {
		struct msim_pend *p = TAILQ_FIRST(&m->waiting);

		if (!direct(m, p->msg_class) &&
		    msim_sms_used(m, MSIM_MEM_SM) >= m->s->o.sim_size)
			break;
		incoming(m, p->pdu, p->len, p->tpdu_len, p->msg_class);
		pend_free(&m->waiting, p);
	}
}

void msim_sms_delete(struct msim_modem *m, enum msim_mem mem, int slot, int flag)
{
	for (unsigned i = 0; i < m->s->o.sim_size; i++) {
		struct msim_slot *sl = &m->mem[mem][i];
		bool del;

		switch (flag) {
		case 0: del = (int)i == slot; break;
		case 1: del = sl->stat == 1; break;
		case 2: del = sl->stat == 1 || sl->stat == 3; break;
		case 3: del = sl->stat != 0; break;
		default: del = true; break;
		}
		if (del)
			memset(sl, 0, sizeof(*sl));
	}
	msim_sms_drain_waiting(m);
}

int msim_sms_inject(struct msim_modem *m, const char *from, const char *text,
		    unsigned flags, char *why, size_t cap)
{
	bool preload = flags & MSIM_INJ_PRELOAD, reverse = flags & MSIM_INJ_REVERSE;
	struct sms_split_opts o = { 0 };
	struct sms_split_info info;
	struct sms_part *parts;
	struct tpdu_time scts;
	size_t err_off;
	uint8_t dcs;
	int n;

	if (preload && m->s->o.sim_size - msim_sms_used(m, MSIM_MEM_SM) == 0) {
		snprintf(why, cap, "SIM storage full (+CMS ERROR: 322)");
		return -1;
	}
	o.coding = flags & MSIM_INJ_UCS2 ? SMS_CODING_UCS2 : SMS_CODING_GSM7;
	o.method = flags & MSIM_INJ_UDH16 ? SMS_CONCAT_UDH16 : SMS_CONCAT_UDH8;
	o.max_parts = MSIM_INJECT_PARTS;
	o.ref = m->next_ref++;
	if ((parts = calloc(MSIM_INJECT_PARTS, sizeof(*parts))) == NULL) {
		snprintf(why, cap, "out of memory");
		return -1;
	}
	n = sms_split_text((const uint8_t *)text, strlen(text), &o, parts,
			   MSIM_INJECT_PARTS, &info, &err_off);
	if (n <= 0) {
		snprintf(why, cap, "cannot split the text (%d)", n);
		free(parts);
		return -1;
	}
	if (preload && m->s->o.sim_size - msim_sms_used(m, MSIM_MEM_SM) < (unsigned)n) {
		snprintf(why, cap, "SIM storage full (+CMS ERROR: 322)");
		free(parts);
		return -1;
	}
	dcs = info.coding == SMS_CODING_UCS2 ? 0x08 : 0x00;
	time_utc(msim_now_ms(m->s), &scts);
	for (int k = 0; k < n; k++) {
		const struct sms_part *pt = &parts[reverse ? n - 1 - k : k];
		uint8_t pdu[TPDU_MAX];
		size_t tl;
		int len = msim_deliver_encode(m->csca, from, dcs, &scts, pt, pdu,
					      sizeof(pdu), &tl);

		if (len < 0) {
			snprintf(why, cap, "cannot encode (%d): bad originator?", len);
			free(parts);
			return -1;
		}
		if (!preload)
			incoming(m, pdu, (size_t)len, tl, -1);
		else
			store(m, MSIM_MEM_SM, pdu, (size_t)len, tl, 0);	/* room checked */
	}
	free(parts);
	return n;
}

/* Worked examples of protocols.md §3.3 / §3.4 (vectors P4 and P5). */
static int selftest_one(FILE *f, const char *name, const uint8_t *pdu, int n,
			size_t tl, size_t want_tl, const char *want)
{
	char hex[2 * TPDU_MAX + 1];

	if (n < 0 || tpdu_hex_encode(pdu, (size_t)n, hex, sizeof(hex)) < 0 ||
	    strcmp(hex, want) != 0 || tl != want_tl) {
		fprintf(f, "selftest %s: FAIL got %s (rc %d, length %zu)\n", name,
			n < 0 ? "-" : hex, n, tl);
		return -1;
	}
	fprintf(f, "selftest %s: ok %s\n", name, hex);
	return 0;
}

int msim_selftest(FILE *f)
{
	static const struct tpdu_time t5a = { 2011, 1, 11, 17, 59, 15, 4, true };
	static const struct tpdu_time t5b = { 2011, 1, 11, 17, 59, 17, 4, true };
	static const struct tpdu_time t4 = { 2013, 3, 8, 15, 2, 16, 8, true };
	struct tpdu_addr ra = { TPDU_TOA_INTERNATIONAL, "+31628870634" };
	struct sms_part pt = { .len = 5, .units = 5 };
	uint8_t pdu[TPDU_MAX];
	size_t tl = 0, err_off;
	int n, rc = 0;

	n = msim_report_encode("", 0xD6, &ra, &t5a, &t5b, 0x00, pdu, sizeof(pdu), &tl);
	rc |= selftest_one(f, "P5 status-report", pdu, n, tl, 25,
			   "0006D60B911326880736F4111011719551401110117195714000");
	if (gsm7_from_utf8((const uint8_t *)"Test2", 5, 0, pt.data, sizeof(pt.data),
			   &err_off) != 5)
		return -1;
	n = msim_deliver_encode("+2782913593", "+27821234567", 0x00, &t4, &pt, pdu,
				sizeof(pdu), &tl);
	rc |= selftest_one(f, "P4 deliver", pdu, n, tl, 24,
			   "06917228195339040B917228214365F700003130805120618005D4F29C2E03");
	/* One octet short of the P4 PDU: the encoder refuses, never overruns. */
	n = msim_deliver_encode("+2782913593", "+27821234567", 0x00, &t4, &pt, pdu,
				30, &tl);
	if (n != TPDU_E_SPACE) {
		fprintf(f, "selftest short buffer: FAIL rc %d\n", n);
		rc = -1;
	}
	return rc;
}
