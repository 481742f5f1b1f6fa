/*
 * modemsim control port: a line-based TCP interface on 127.0.0.1 for tests and
 * people (`nc 127.0.0.1 PORT`). One command per line; the answer is one line
 * "OK ..." or "ERR ...", except `stats` and `sent`, whose data lines come
 * before the closing "OK ..." line. Commands: sms, sim, fail, kill, set, stats,
 * sent, shutdown, help, quit (doc/modemsim.md). Runs on the event loop.
 */
#include "config.h"

#include "contrib/modemsim/modemsim.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "contrib/simlib/simlib.h"

static struct msim_modem *modem_arg(struct msim *s, const char *w)
{
	char *end;
	unsigned long i;

	if (w == NULL)
		return NULL;
	i = strtoul(w, &end, 10);
	if (end == w || *end != '\0' || i >= s->o.modems)
		return NULL;
	return &s->modems[i];
}

/* "\n" in a control line stands for a newline, "\\" for a backslash. */
static void unescape(char *t)
{
	char *d = t;

	for (; *t != '\0'; t++) {
		if (t[0] == '\\' && t[1] == 'n')
			*d++ = '\n', t++;
		else if (t[0] == '\\' && t[1] == '\\')
			*d++ = '\\', t++;
		else
			*d++ = *t;
	}
	*d = '\0';
}

/* sms [--reverse] [--ucs2] [--udh16] <modem> <from> <text> */
static void cmd_sms(struct msim *s, struct evbuffer *out, char *rest,
		    bool preload, struct msim_modem *m)
{
	unsigned flags = preload ? MSIM_INJ_PRELOAD : 0;
	char *w, *from, why[96];
	int n;

	if (m == NULL) {
		while ((w = simlib_word(&rest)) != NULL && strncmp(w, "--", 2) == 0) {
			if (strcmp(w, "--reverse") == 0)
				flags |= MSIM_INJ_REVERSE;
			else if (strcmp(w, "--ucs2") == 0)
				flags |= MSIM_INJ_UCS2;
			else if (strcmp(w, "--udh16") == 0)
				flags |= MSIM_INJ_UDH16;
			else
				break;
		}
		m = modem_arg(s, w);
	}
	from = simlib_word(&rest);
	if (m == NULL || from == NULL) {
		evbuffer_add_printf(out, "ERR usage: sms [--reverse] [--ucs2] [--udh16] <modem> "
				    "<from> <text> | sim <modem> preload <from> <text>\n");
		return;
	}
	unescape(rest);
	n = msim_sms_inject(m, from, rest, flags, why, sizeof(why));
	if (n < 0)
		evbuffer_add_printf(out, "ERR %s\n", why);
	else
		evbuffer_add_printf(out, "OK parts=%d\n", n);
}

static void cmd_sim(struct msim *s, struct evbuffer *out, char *rest)
{
	struct msim_modem *m = modem_arg(s, simlib_word(&rest));
	char *what = simlib_word(&rest);

	if (m == NULL || what == NULL) {
		evbuffer_add_printf(out, "ERR usage: sim <modem> preload|count|clear|lock\n");
	} else if (strcmp(what, "preload") == 0) {
		cmd_sms(s, out, rest, true, m);
	} else if (strcmp(what, "count") == 0) {
		evbuffer_add_printf(out, "OK used=%u total=%u sr_used=%u\n",
				    msim_sms_used(m, MSIM_MEM_SM), s->o.sim_size,
				    msim_sms_used(m, MSIM_MEM_SR));
	} else if (strcmp(what, "clear") == 0) {
		msim_sms_delete(m, MSIM_MEM_SR, -1, 4);
		msim_sms_delete(m, MSIM_MEM_SM, -1, 4);
		evbuffer_add_printf(out, "OK\n");
	} else if (strcmp(what, "lock") == 0) {
		/* as after a power cycle: SIM PIN again (no URC) */
		if (s->o.pin == NULL) {
			evbuffer_add_printf(out, "ERR no --pin\n");
			return;
		}
		m->sim = MSIM_SIM_PIN;
		m->pin_tries = 3;
		evbuffer_add_printf(out, "OK\n");
	} else {
		evbuffer_add_printf(out, "ERR usage: sim <modem> preload|count|clear|lock\n");
	}
}

/* The modems a command names: one number, or "*" for all. Returns how many
 * (first in *first), 0 when the word is not a modem. */
static unsigned modems_arg(struct msim *s, const char *w, unsigned *first)
{
	struct msim_modem *m;

	if (w != NULL && strcmp(w, "*") == 0) {
		*first = 0;
		return s->o.modems;
	}
	if ((m = modem_arg(s, w)) == NULL)
		return 0;
	*first = m->idx;
	return 1;
}

/* hang: the peers attached now (a half-open TCP connection, a hung tty) get
 * nothing and are ignored; a new connection is served. */
static void hang(struct msim_modem *m, bool on)
{
	if (m->tcp_chan != NULL)
		m->tcp_chan->hung = on;
	if (m->pty_chan != NULL)
		m->pty_chan->hung = on;
}

static int fail_one(struct msim_modem *m, const char *v)
{
	if (strcmp(v, "hang") == 0)
		hang(m, true);
	else if (strcmp(v, "on") == 0 || strcmp(v, "error") == 0)
		m->fail = MSIM_FAIL_ERROR;
	else if (strcmp(v, "silent") == 0)
		m->fail = MSIM_FAIL_SILENT;
	else if (strcmp(v, "off") == 0) {
		m->fail = MSIM_FAIL_OFF;
		hang(m, false);
	}
	else
		return -1;
	return 0;
}

static void cmd_fail(struct msim *s, struct evbuffer *out, char *rest)
{
	unsigned first, n = modems_arg(s, simlib_word(&rest), &first);
	char *v = simlib_word(&rest);

	if (n == 0 || v == NULL || fail_one(&s->modems[first], v) != 0) {
		evbuffer_add_printf(out, "ERR usage: fail <modem>|* on|error|silent|hang|off\n");
		return;
	}
	for (unsigned i = 1; i < n; i++)
		fail_one(&s->modems[first + i], v);
	evbuffer_add_printf(out, "OK\n");
}

/* A registration change, with its +CREG URC when AT+CREG=1 asked for it. */
static void set_creg(struct msim_modem *m, int stat)
{
	char urc[32];

	if (m->creg != stat && m->creg_n == 1) {
		snprintf(urc, sizeof(urc), "+CREG: %d", stat);
		msim_urc(m, urc);
	}
	m->creg = stat;
	msim_sms_drain_waiting(m);
}

static int set_one(struct msim_modem *m, const char *k, const char *v)
{
	char *end;
	double d;
	long x;

	errno = 0;
	d = strtod(v, &end);
	if (errno != 0 || end == v || *end != '\0' || !(d >= 0))
		return -1;
	x = strtol(v, &end, 0);
	if (strcmp(k, "error-rate") == 0 && d <= 100)
		m->cf.error_rate = d;
	else if (*end != '\0')
		return -1;
	else if (strcmp(k, "creg") == 0 && x <= 5)
		set_creg(m, (int)x);
	else if (strcmp(k, "rssi") == 0 && (x <= 31 || x == 99))
		m->rssi = (int)x;
	else if (strcmp(k, "cmgs-delay-ms") == 0 && x <= 600000)
		m->cf.cmgs_delay_ms = (unsigned)x;
	else if (strcmp(k, "sr-delay-ms") == 0 && x <= 86400000)
		m->cf.sr_delay_ms = (unsigned)x;
	else if (strcmp(k, "sr-status") == 0 && x <= 255)
		m->cf.sr_status = (uint8_t)x;
	else if (strcmp(k, "error-code") == 0 && x <= 1000)
		m->cf.error_code = (unsigned)x;
	else
		return -1;
	return 0;
}

static void cmd_set(struct msim *s, struct evbuffer *out, char *rest)
{
	unsigned first, n = modems_arg(s, simlib_word(&rest), &first), i;
	char *k = simlib_word(&rest), *v = simlib_word(&rest);

	for (i = 0; i < n && k != NULL && v != NULL; i++)
		if (set_one(&s->modems[first + i], k, v) != 0)
			break;
	if (n == 0 || k == NULL || v == NULL || i < n)
		evbuffer_add_printf(out, "ERR usage: set <modem>|* creg|rssi|"
				    "cmgs-delay-ms|sr-delay-ms|sr-status|error-rate|"
				    "error-code <value>\n");
	else
		evbuffer_add_printf(out, "OK\n");
}

static void stats_line(struct evbuffer *out, const char *lead,
		       struct msim_modem *m)
{
	unsigned waiting = 0;
	struct msim_pend *p;

	TAILQ_FOREACH(p, &m->waiting, link)
		waiting++;
	evbuffer_add_printf(out, "%smodem=%u commands=%" PRIu64 " submitted=%" PRIu64
			    " submit_errors=%" PRIu64 " delivered=%" PRIu64
			    " delivered_direct=%" PRIu64 " delivered_stored=%" PRIu64
			    " reports=%" PRIu64 " stored=%u waiting=%u connections=%"
			    PRIu64 " kills=%" PRIu64 " sim=%s fail=%d\n", lead, m->idx,
			    m->st.commands, m->st.submitted, m->st.submit_errors,
			    m->st.mo_parts, m->st.mo_direct, m->st.mo_stored,
			    m->st.reports, msim_sms_used(m, MSIM_MEM_SM), waiting, m->st.connections,
			    m->st.kills, m->sim == MSIM_SIM_READY ? "ready" :
			    m->sim == MSIM_SIM_PIN ? "pin" : "puk", (int)m->fail);
}

static void cmd_stats(struct msim *s, struct evbuffer *out, char *rest)
{
	char *w = simlib_word(&rest);
	struct msim_modem *m = modem_arg(s, w);

	if (w != NULL && m == NULL) {
		evbuffer_add_printf(out, "ERR usage: stats [modem]\n");
	} else if (m != NULL) {
		stats_line(out, "OK ", m);
	} else {
		for (unsigned i = 0; i < s->o.modems; i++)
			stats_line(out, "", &s->modems[i]);
		evbuffer_add_printf(out, "OK modems=%u\n", s->o.modems);
	}
}

static void cmd_sent(struct msim *s, struct evbuffer *out, char *rest)
{
	struct msim_modem *m = modem_arg(s, simlib_word(&rest));
	unsigned first, n;

	if (m == NULL) {
		evbuffer_add_printf(out, "ERR usage: sent <modem>\n");
		return;
	}
	n = m->sent_n < MSIM_SENT_MAX ? m->sent_n : MSIM_SENT_MAX;
	first = m->sent_n - n;
	for (unsigned i = first; i < m->sent_n; i++) {
		const struct msim_sent *e = &m->sent[i % MSIM_SENT_MAX];

		evbuffer_add_printf(out, "mr=%u to=%s srr=%d dcs=0x%02X", e->mr, e->to,
				    e->srr, e->dcs);
		if (e->vpf == TPDU_VPF_RELATIVE)
			evbuffer_add_printf(out, " vp=%u", e->vp);
		else if (e->vpf != TPDU_VPF_NONE)
			evbuffer_add_printf(out, " vp=%s", e->vpf == TPDU_VPF_ABSOLUTE ?
					    "absolute" : "enhanced");
		if (e->has_concat)
			evbuffer_add_printf(out, " ref=%u seq=%u total=%u", e->ref,
					    e->seq, e->total);
		evbuffer_add_printf(out, " text=");
		for (const char *t = e->text; *t != '\0'; t++)
			if (*t == '\n')
				evbuffer_add(out, "\\n", 2);
			else if (*t == '\\')
				evbuffer_add(out, "\\\\", 2);
			else if (*t != '\r')
				evbuffer_add(out, t, 1);
		evbuffer_add(out, "\n", 1);
	}
	evbuffer_add_printf(out, "OK count=%u total=%u\n", n, m->sent_n);
}

static void ctl_command(void *arg, char *line, struct evbuffer *out)
{
	char *rest = line, *cmd = simlib_word(&rest);
	struct msim *s = arg;

	if (cmd == NULL)
		return;
	if (strcmp(cmd, "sms") == 0) {
		cmd_sms(s, out, rest, false, NULL);
	} else if (strcmp(cmd, "sim") == 0) {
		cmd_sim(s, out, rest);
	} else if (strcmp(cmd, "fail") == 0) {
		cmd_fail(s, out, rest);
	} else if (strcmp(cmd, "kill") == 0) {
		struct msim_modem *m = modem_arg(s, simlib_word(&rest));

		if (m == NULL)
			evbuffer_add_printf(out, "ERR usage: kill <modem>\n");
		else if (msim_kill(m) != 0)
			evbuffer_add_printf(out, "ERR nothing attached\n");
		else if (m->pty_master != -1)
			evbuffer_add_printf(out, "OK pty=%s\n", m->pty_path);
		else
			evbuffer_add_printf(out, "OK\n");
	} else if (strcmp(cmd, "set") == 0) {
		cmd_set(s, out, rest);
	} else if (strcmp(cmd, "stats") == 0) {
		cmd_stats(s, out, rest);
	} else if (strcmp(cmd, "sent") == 0) {
		cmd_sent(s, out, rest);
	} else if (strcmp(cmd, "shutdown") == 0) {
		evbuffer_add_printf(out, "OK\n");
		msim_stop(s);
	} else if (strcmp(cmd, "help") == 0) {
		evbuffer_add_printf(out, "OK commands: sms [--reverse] [--ucs2] [--udh16] <modem> "
				    "<from> <text> | sim <modem> preload <from> <text> | "
				    "sim <modem> count|clear|lock | fail <modem>|* "
				    "on|error|silent|hang|off | kill <modem> | set <modem>|* "
				    "<key> <value> | stats [modem] | sent <modem> | "
				    "shutdown | quit\n");
	} else {
		evbuffer_add_printf(out, "ERR unknown command %s\n", cmd);
	}
}

int msim_ctl_listen(struct msim *s)
{
	int port;

	s->ctl = simlib_ctl_new(s->base, "modemsim", "127.0.0.1",
				s->o.control_port, ctl_command, s, &port);
	if (s->ctl == NULL)
		return -1;
	s->o.control_port = port;
	return 0;
}

void msim_ctl_fini(struct msim *s)
{
	simlib_ctl_free(s->ctl);
	s->ctl = NULL;
}
