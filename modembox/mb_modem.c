/*
 * mb_modem — the AT dialogue of one modem as a state machine (mb_modem.h):
 * a queue of commands run one at a time, each ended by a final result code or
 * a timeout; URCs and their PDU lines handled whenever they come.
 */
#include "config.h"

#include "modembox/mb_modem.h"

#include <stdio.h>
#include <string.h>

#include "shared/codec/tpdu.h"

enum mb_kind {
	K_INIT = 1,	/* a start-up step (cmd.step) */
	K_READY,	/* pseudo command: start-up done */
	K_CPMS,		/* AT+CPMS="mem": select the read/delete storage */
	K_CMGR,
	K_CMGD,
	K_POLL,		/* +CSQ / +CREG? */
	K_LIST,		/* +CMGL=4 on "SM" */
	K_CMGS,
	K_SYNC,		/* AT+CSQ after a timeout: its answer ends late ones */
};

enum mb_step {
	S_AT, S_ATZ, S_ATE0, S_CMEE, S_CPIN_Q, S_CPIN_SET, S_CMGF, S_INIT_STR, S_CSCA,
	S_CPMS, S_CNMI, S_CNMI2, S_CREG_URC, S_CREG, S_CSQ, S_CGSN, S_CIMI, S_CNUM,
	S_CMGL,
};

static void kick(struct mb_modem *m);

const char *mb_modem_state_name(enum mb_modem_state s)
{
	switch (s) {
	case MB_MODEM_DOWN: return "down";
	case MB_MODEM_INIT: return "init";
	case MB_MODEM_READY: return "ready";
	case MB_MODEM_FAILED: return "failed";
	}
	return "?";
}

static int copy_opt(char *dst, size_t cap, const char *s)
{
	if (s == NULL)
		s = "";
	if (strlen(s) >= cap)
		return -1;
	strcpy(dst, s);
	return 0;
}

int mb_modem_init(struct mb_modem *m, const struct mb_modem_conf *c,
		  const struct mb_modem_ops *ops, void *arg)
{
	memset(m, 0, sizeof(*m));
	m->ops = ops;
	m->arg = arg;
	m->rssi = -1;
	m->creg = -1;
	if (copy_opt(m->id, sizeof(m->id), c->id) != 0 ||
	    copy_opt(m->pin, sizeof(m->pin), c->pin) != 0 ||
	    copy_opt(m->smsc, sizeof(m->smsc), c->smsc) != 0 ||
	    copy_opt(m->init, sizeof(m->init), c->init) != 0)
		return -1;
	at_resp_init(&m->parser);
	return 0;
}

static void set_state(struct mb_modem *m, enum mb_modem_state s)
{
	if (m->state == s)
		return;
	m->state = s;
	m->ops->state(m->arg, s);
}

/* ---- the command queue ---- */

static void push(struct mb_modem *m, int kind, int step, const char *mem,
		 int index, bool front)
{
	struct mb_modem_cmd *c;

	if (m->qlen == MB_MODEM_QUEUE_MAX)
		return;	/* full: a read is dropped; +CMGL=4 at start-up finds it */
	if (front) {
		memmove(&m->queue[1], &m->queue[0], m->qlen * sizeof(m->queue[0]));
		c = &m->queue[0];
	} else {
		c = &m->queue[m->qlen];
	}
	m->qlen++;
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->step = step;
	c->index = index;
	snprintf(c->mem, sizeof(c->mem), "%s", mem != NULL ? mem : "");
}

static bool pop(struct mb_modem *m, struct mb_modem_cmd *out)
{
	if (m->qlen == 0)
		return false;
	*out = m->queue[0];
	m->qlen--;
	memmove(&m->queue[0], &m->queue[1], m->qlen * sizeof(m->queue[0]));
	return true;
}

/* The command line of a start-up step; "" to skip the step. */
static void step_text(const struct mb_modem *m, int step, char *buf, size_t cap)
{
	static const char *const fixed[] = {
		[S_AT] = "AT", [S_ATZ] = "ATZ", [S_ATE0] = "ATE0", [S_CMEE] = "AT+CMEE=1",
		[S_CPIN_Q] = "AT+CPIN?", [S_CMGF] = "AT+CMGF=0",
		[S_CPMS] = "AT+CPMS=\"SM\",\"SM\",\"SM\"",
		[S_CNMI] = "AT+CNMI=2,1,0,1,0", [S_CNMI2] = "AT+CNMI=2,1,0,2,0",
		[S_CREG_URC] = "AT+CREG=1", [S_CREG] = "AT+CREG?", [S_CSQ] = "AT+CSQ",
		[S_CGSN] = "AT+CGSN",
		[S_CIMI] = "AT+CIMI", [S_CNUM] = "AT+CNUM", [S_CMGL] = "AT+CMGL=4",
	};

	buf[0] = '\0';
	if (step == S_CPIN_SET)
		snprintf(buf, cap, "AT+CPIN=\"%s\"", m->pin);
	else if (step == S_INIT_STR)
		snprintf(buf, cap, "%s", m->init);
	else if (step == S_CSCA && m->smsc[0] != '\0')
		snprintf(buf, cap, "AT+CSCA=\"%s\",%d", m->smsc,
			 m->smsc[0] == '+' ? 145 : 129);
	else if (step >= 0 && step < (int)(sizeof(fixed) / sizeof(fixed[0])) &&
		 fixed[step] != NULL)
		snprintf(buf, cap, "%s", fixed[step]);
}

static void restart(struct mb_modem *m)
{
	static const int steps[] = { S_AT, S_ATZ, S_ATE0, S_CMEE, S_CPIN_Q, S_CMGF,
		S_INIT_STR, S_CSCA, S_CPMS, S_CNMI, S_CREG_URC, S_CREG, S_CSQ,
		S_CGSN, S_CIMI,
		S_CNUM };

	m->qlen = 0;
	m->busy = false;
	m->failures = 0;
	m->mem1[0] = '\0';
	at_resp_init(&m->parser);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		push(m, K_INIT, steps[i], NULL, -1, false);
	push(m, K_READY, 0, NULL, -1, false);
	set_state(m, MB_MODEM_INIT);
	kick(m);
}

static void run(struct mb_modem *m, unsigned long timeout_ms)
{
	size_t n = strlen(m->cur.text);

	m->busy = true;
	m->cur.text[n] = '\r';
	m->ops->write(m->arg, m->cur.text, n + 1);
	m->cur.text[n] = '\0';
	m->ops->timer(m->arg, timeout_ms);
}

/* Starts the next queued command, if any and nothing runs. */
static void kick(struct mb_modem *m)
{
	struct mb_modem_cmd c;

	while (!m->busy && (m->state == MB_MODEM_INIT || m->state == MB_MODEM_READY)) {
		if (!pop(m, &c)) {
			m->ops->timer(m->arg, 0);
			if (m->state == MB_MODEM_READY)
				m->ops->idle(m->arg);
			return;
		}
		if ((c.kind == K_CMGR || c.kind == K_CMGD || c.kind == K_LIST) &&
		    c.mem[0] != '\0' &&
		    strcmp(c.mem, m->mem1) != 0) {
			push(m, c.kind, c.step, c.mem, c.index, true);
			memset(&c, 0, sizeof(c));
			c.kind = K_CPMS;
			snprintf(c.mem, sizeof(c.mem), "%s", m->queue[0].mem);
		}
		m->cur = c;
		switch (c.kind) {
		case K_READY:
			m->failures = 0;
			set_state(m, MB_MODEM_READY);
			continue;
		case K_INIT:
			step_text(m, c.step, m->cur.text, sizeof(m->cur.text));
			if (m->cur.text[0] == '\0')
				continue;
			break;
		case K_CPMS:
			snprintf(m->cur.text, sizeof(m->cur.text), "AT+CPMS=\"%s\"", c.mem);
			break;
		case K_CMGR:
			snprintf(m->cur.text, sizeof(m->cur.text), "AT+CMGR=%d", c.index);
			break;
		case K_CMGD:
			snprintf(m->cur.text, sizeof(m->cur.text), "AT+CMGD=%d", c.index);
			break;
		case K_POLL:
			step_text(m, c.step, m->cur.text, sizeof(m->cur.text));
			break;
		case K_LIST:
			step_text(m, S_CMGL, m->cur.text, sizeof(m->cur.text));
			break;
		case K_SYNC:
			step_text(m, S_CSQ, m->cur.text, sizeof(m->cur.text));
			m->sync_seen = false;
			break;
		default:
			continue;
		}
		run(m, MB_MODEM_CMD_TIMEOUT_MS);
	}
}

/* ---- failures ---- */

static void init_failed(struct mb_modem *m)
{
	m->busy = false;
	m->qlen = 0;
	set_state(m, MB_MODEM_FAILED);
	m->ops->timer(m->arg, MB_MODEM_RETRY_MS);
}

/* A failure while READY: after MB_MODEM_FAIL_MAX in a row, a reset. Returns
 * true when the modem was reset. */
static bool count_failure(struct mb_modem *m)
{
	if (++m->failures < MB_MODEM_FAIL_MAX)
		return false;
	m->resets++;
	restart(m);
	return true;
}

/* A command timed out while READY: its answer may still come. AT+CSQ goes
 * first; every final result before its +CSQ line is that late answer (or the
 * answer to the ESC that ended a prompt) and is dropped, so no late answer is
 * taken for the next command's. */
static void resync(struct mb_modem *m)
{
	push(m, K_SYNC, 0, NULL, -1, true);
}

static void send_done(struct mb_modem *m, bool ok, bool temporary, int code)
{
	m->busy = false;
	m->prompt_seen = false;
	if (ok) {
		m->sent_ok++;
		m->failures = 0;
		m->ops->sent(m->arg, m->mr);
	} else {
		m->send_errors++;
		m->ops->send_failed(m->arg, temporary, code);
		if (temporary && count_failure(m))
			return;
	}
	kick(m);
}

void mb_modem_timeout(struct mb_modem *m)
{
	if (m->state == MB_MODEM_FAILED) {
		restart(m);
		return;
	}
	if (!m->busy)
		return;
	if (m->state == MB_MODEM_INIT) {
		init_failed(m);
		return;
	}
	if (m->cur.kind == K_CMGS) {
		if (!m->prompt_seen)
			m->ops->write(m->arg, "\x1b", 1);	/* abort the prompt */
		resync(m);
		send_done(m, false, true, -1);
		return;
	}
	m->busy = false;
	if (!count_failure(m)) {
		resync(m);
		kick(m);
	}
}

/* ---- results ---- */

static void init_result(struct mb_modem *m, bool ok)
{
	switch (m->cur.step) {
	case S_AT:
	case S_CMGF:
		if (!ok) {
			init_failed(m);
			return;
		}
		break;
	case S_CPIN_Q:
		if (ok && m->pin_state == AT_PIN_READY) {
			/* the PIN (if sent) was taken: enter it again when the
			 * SIM locks again (re-plug, power cycle, module reset) */
			m->pin_sent = false;
			break;
		}
		if (ok && m->pin_state == AT_PIN_SIM_PIN && m->pin[0] != '\0' &&
		    !m->pin_sent) {
			push(m, K_INIT, S_CPIN_Q, NULL, -1, true);
			push(m, K_INIT, S_CPIN_SET, NULL, -1, true);
			break;
		}
		init_failed(m);
		return;
	case S_CPIN_SET:
		/* never twice before a +CPIN: READY: a wrong PIN retried
		 * locks the SIM (PUK) */
		m->pin_sent = true;
		if (!ok) {
			init_failed(m);
			return;
		}
		break;
	case S_CPMS:
		if (ok)
			strcpy(m->mem1, "SM");
		break;
	case S_CNMI:
		if (!ok)
			push(m, K_INIT, S_CNMI2, NULL, -1, true);
		break;
	default:
		break;
	}
	m->busy = false;
	kick(m);
}

static void final_result(struct mb_modem *m, const struct at_event *ev)
{
	bool ok = ev->type == AT_EV_OK;

	if (!m->busy)
		return;	/* a stray result code */
	switch (m->cur.kind) {
	case K_INIT:
		init_result(m, ok);
		return;
	case K_CMGS:
		if (ok)
			send_done(m, true, false, 0);
		else if (ev->type == AT_EV_CMS_ERROR)
			send_done(m, false, ev->code < 0 || at_resp_cms_temporary(ev->code),
				  ev->code);
		else if (ev->type == AT_EV_CME_ERROR)
			send_done(m, false, ev->code < 0 || at_resp_cme_temporary(ev->code),
				  ev->code);
		else
			send_done(m, false, true, -1);
		return;
	case K_CPMS:
		/* on failure go on anyway: the read then fails on its own */
		snprintf(m->mem1, sizeof(m->mem1), "%s", m->cur.mem);
		break;
	case K_SYNC:
		if (!m->sync_seen)
			return;	/* late: the answer to the command that timed out */
		/* in step again; the failure count stands (a send that timed
		 * out is no success) */
		m->busy = false;
		kick(m);
		return;
	default:
		break;
	}
	m->busy = false;
	m->failures = 0;
	kick(m);
}

/* +CNUM: [alpha],number,type -> the digits of number. */
static void parse_cnum(struct mb_modem *m, const char *t, size_t len)
{
	size_t i = 0, field = 0, n = 0;
	bool quoted = false;
	char out[MB_MODEM_DIGITS_MAX];

	for (; i < len && field < 2; i++) {
		if (t[i] == '"')
			quoted = !quoted;
		else if (t[i] == ',' && !quoted)
			field++;
		else if (field == 1 && t[i] >= '0' && t[i] <= '9' &&
			 n + 1 < sizeof(out))
			out[n++] = t[i];
	}
	out[n] = '\0';
	if (n > 0 && m->number[0] == '\0')
		strcpy(m->number, out);
}

static void pdu_line(struct mb_modem *m, const struct at_event *ev)
{
	uint8_t pdu[TPDU_MAX];
	int n = tpdu_hex_decode(ev->line, ev->line_len, pdu, sizeof(pdu));
	enum mb_modem_pdu kind = MB_MODEM_PDU_OTHER;
	const char *mem = "";
	int index = -1;

	if (n < 2 || pdu[0] + 1 >= n)
		return;
	switch (pdu[pdu[0] + 1] & 0x03) {
	case 0: kind = MB_MODEM_PDU_DELIVER; break;
	case 2: kind = MB_MODEM_PDU_REPORT; break;
	default: break;
	}
	if (ev->pdu_of == AT_EV_CMGR && m->busy && m->cur.kind == K_CMGR) {
		mem = m->cur.mem;
		index = m->cur.index;
	} else if (ev->pdu_of == AT_EV_CMGL) {
		if (ev->stat == 2 || ev->stat == 3)
			return;	/* a stored outgoing message: not ours to touch */
		mem = m->mem1[0] != '\0' ? m->mem1 : "SM";
		index = ev->index;
	} else if (ev->pdu_of != AT_EV_CMT && ev->pdu_of != AT_EV_CDS) {
		return;
	}
	if (kind == MB_MODEM_PDU_DELIVER)
		m->received++;
	else if (kind == MB_MODEM_PDU_REPORT)
		m->reports++;
	m->ops->inbound(m->arg, kind, mem, index, pdu, (size_t)n);
}

static bool line_is(const struct at_event *ev, const char *prefix)
{
	size_t n = strlen(prefix);

	return ev->line_len >= n && memcmp(ev->line, prefix, n) == 0;
}

static void on_event(struct mb_modem *m, const struct at_event *ev)
{
	switch (ev->type) {
	case AT_EV_OK:
	case AT_EV_ERROR:
	case AT_EV_CME_ERROR:
	case AT_EV_CMS_ERROR:
		final_result(m, ev);
		break;
	case AT_EV_PROMPT:
		if (m->busy && m->cur.kind == K_CMGS && !m->prompt_seen) {
			m->prompt_seen = true;
			m->ops->write(m->arg, m->pdu_hex, m->pdu_hex_len);
			m->ops->timer(m->arg, MB_MODEM_SEND_TIMEOUT_MS);
		}
		break;
	case AT_EV_CMGS:
		m->mr = ev->mr;
		break;
	case AT_EV_CSQ:
		m->rssi = ev->rssi;
		if (m->busy && m->cur.kind == K_SYNC)
			m->sync_seen = true;
		break;
	case AT_EV_CREG:
		m->creg = ev->stat;
		break;
	case AT_EV_CPIN:
		m->pin_state = ev->pin;
		break;
	case AT_EV_DIGITS:
		if (m->busy && m->cur.kind == K_INIT && m->cur.step == S_CGSN)
			snprintf(m->imei, sizeof(m->imei), "%.*s", (int)ev->text_len,
				 ev->text);
		else if (m->busy && m->cur.kind == K_INIT && m->cur.step == S_CIMI)
			snprintf(m->imsi, sizeof(m->imsi), "%.*s", (int)ev->text_len,
				 ev->text);
		break;
	case AT_EV_INFO:
		if (line_is(ev, "+CNUM:"))
			parse_cnum(m, ev->text, ev->text_len);
		break;
	case AT_EV_PDU:
		pdu_line(m, ev);
		break;
	case AT_EV_CMTI:
	case AT_EV_CDSI:
		if (ev->index >= 0 && m->state != MB_MODEM_DOWN) {
			push(m, K_CMGR, 0, ev->mem[0] != '\0' ? ev->mem : "SM",
			     ev->index, false);
			kick(m);
		}
		break;
	default:
		break;
	}
}

size_t mb_modem_input(struct mb_modem *m, const uint8_t *p, size_t len)
{
	size_t off = 0;

	while (off < len && m->state != MB_MODEM_DOWN) {
		struct at_event ev;
		int rc = at_resp_decode(&m->parser, p + off, len - off, &ev);

		if (rc <= 0)
			break;
		off += (size_t)rc;
		on_event(m, &ev);
	}
	return m->state == MB_MODEM_DOWN ? len : off;
}

/* ---- the caller's requests ---- */

void mb_modem_list(struct mb_modem *m)
{
	if (m->state != MB_MODEM_READY)
		return;
	push(m, K_LIST, 0, "SM", -1, false);	/* not the "SR" of a report read */
	kick(m);
}

void mb_modem_start(struct mb_modem *m)
{
	restart(m);
}

void mb_modem_stop(struct mb_modem *m)
{
	bool sending = m->busy && m->cur.kind == K_CMGS;

	m->busy = false;
	m->prompt_seen = false;
	m->qlen = 0;
	m->ops->timer(m->arg, 0);
	set_state(m, MB_MODEM_DOWN);
	if (sending) {
		m->send_errors++;
		m->ops->send_failed(m->arg, true, -1);
	}
}

bool mb_modem_usable(const struct mb_modem *m)
{
	return m->state == MB_MODEM_READY &&
	       (m->creg < 0 || m->creg == 1 || m->creg == 5);
}

bool mb_modem_can_send(const struct mb_modem *m)
{
	return mb_modem_usable(m) && !m->busy && m->qlen == 0;
}

int mb_modem_send(struct mb_modem *m, const uint8_t *pdu, size_t len,
		  size_t tpdu_len)
{
	int n;

	if (!mb_modem_can_send(m) || tpdu_len > len)
		return -1;
	n = tpdu_hex_encode(pdu, len, m->pdu_hex, sizeof(m->pdu_hex) - 1);
	if (n < 0)
		return -1;
	m->pdu_hex[n] = '\x1a';
	m->pdu_hex_len = (size_t)n + 1;
	memset(&m->cur, 0, sizeof(m->cur));
	m->cur.kind = K_CMGS;
	snprintf(m->cur.text, sizeof(m->cur.text), "AT+CMGS=%zu", tpdu_len);
	m->prompt_seen = false;
	m->mr = -1;
	run(m, MB_MODEM_CMD_TIMEOUT_MS);
	return 0;
}

void mb_modem_delete(struct mb_modem *m, const char *mem, int index)
{
	if (index < 0 || (m->state != MB_MODEM_READY && m->state != MB_MODEM_INIT))
		return;
	push(m, K_CMGD, 0, mem, index, false);
	kick(m);
}

void mb_modem_poll(struct mb_modem *m)
{
	if (m->state != MB_MODEM_READY)
		return;
	push(m, K_POLL, S_CSQ, NULL, -1, false);
	push(m, K_POLL, S_CREG, NULL, -1, false);
	kick(m);
}
