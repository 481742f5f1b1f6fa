/*
 * modemsim AT interpreter: command lines (basic and extended commands, several
 * per line separated by ';'), echo, result codes and the "> " prompt of
 * AT+CMGS / AT+CMGW, for the 27.005 / 27.007 subset of protocols.md §4 in PDU
 * mode. Results are framed CR LF ... CR LF (ATV1); errors follow AT+CMEE for
 * +CME ERROR, while SMS commands always answer +CMS ERROR: <n>.
 */
#include "config.h"

#include "contrib/modemsim/modemsim.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

/* Handler results: 0 done (go on with the line), AT_PROMPT (the prompt is out,
 * no final result yet), AT_ERROR, or an error code made by CMS() / CME(). */
#define AT_PROMPT 1
#define AT_ERROR (-1)
#define CMS(n) (-(1000 + (n)))
#define CME(n) (-(2000 + (n)))
#define AT_ARGS_MAX 8

struct at_cmd {
	const char *name;
	int (*fn)(struct msim_chan *c, char op, char **v, int n);
	bool need_sim;		/* refused while the SIM waits for a PIN / PUK */
	bool sms;		/* an SMS command: errors are +CMS ERROR */
};

void msim_at_reset(struct msim_modem *m)
{
	static const int cnmi[5] = { 1, 1, 0, 0, 0 };
	const char *smsc = m->s->o.smsc;

	m->echo = true;
	m->cmee = 0;
	m->cmgf = 0;
	m->csms = 0;
	m->creg_n = 0;
	memcpy(m->cnmi, cnmi, sizeof(cnmi));
	snprintf(m->csca, sizeof(m->csca), "%s", smsc);
	m->csca_toa = smsc[0] == '+' ? TPDU_TOA_INTERNATIONAL : TPDU_TOA_UNKNOWN;
}

static void out(struct msim_chan *c, const char *s)
{
	msim_chan_write(c, s, strlen(s));
}

static void info(struct msim_chan *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* One information line: CR LF text CR LF. */
static void info(struct msim_chan *c, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	buf[0] = '\r';
	buf[1] = '\n';
	va_start(ap, fmt);
	n = vsnprintf(buf + 2, sizeof(buf) - 4, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(buf) - 5)
		n = (int)(sizeof(buf) - 5);
	memcpy(buf + 2 + n, "\r\n", 2);
	msim_chan_write(c, buf, (size_t)n + 4);
}

/* Back to reading commands: URCs held meanwhile go out now. */
static void chan_idle(struct msim_chan *c)
{
	struct evbuffer *o = bufferevent_get_output(c->bev);

	size_t n = evbuffer_get_length(c->urc);

	c->state = MSIM_CH_CMD;
	c->in_cmd = false;
	if (n > 0) {
		msim_trace(c->m, ">", (const char *)evbuffer_pullup(c->urc, -1), n);
		evbuffer_add_buffer(o, c->urc);
	}
}

static void at_final(struct msim_chan *c, const char *text)
{
	info(c, "%s", text);
	chan_idle(c);
}

static void at_cms_error(struct msim_chan *c, int code)
{
	info(c, "+CMS ERROR: %d", code);
	chan_idle(c);
}

static const char *cme_text(int code)
{
	switch (code) {
	case 3: return "operation not allowed";
	case 4: return "operation not supported";
	case 10: return "SIM not inserted";
	case 11: return "SIM PIN required";
	case 12: return "SIM PUK required";
	case 16: return "incorrect password";
	case 21: return "invalid index";
	case 30: return "no network service";
	default: return "unknown";
	}
}

static void result(struct msim_chan *c, int r)
{
	int cme = -r - 2000;

	if (r == 0)
		at_final(c, "OK");
	else if (r <= CMS(0) && r > CME(0))
		at_cms_error(c, -r - 1000);
	else if (r > CME(0) || c->m->cmee == 0)
		at_final(c, "ERROR");
	else if (c->m->cmee == 1)
		info(c, "+CME ERROR: %d", cme);
	else
		info(c, "+CME ERROR: %s", cme_text(cme));
	chan_idle(c);
}

/* Splits "a,\"b,c\",,d" into fields (quotes removed, in place). */
static int split_args(char *a, char **v, int max)
{
	int n = 0;

	if (a == NULL || *a == '\0')
		return 0;
	for (;;) {
		char *w = a, *d = a;
		bool q = false;

		if (n == max)
			return -1;
		while (*a != '\0' && (q || *a != ',')) {
			if (*a == '"')
				q = !q;
			else
				*d++ = *a;
			a++;
		}
		v[n++] = w;
		if (*a == '\0') {
			*d = '\0';
			return q ? -1 : n;
		}
		a++;
		*d = '\0';
	}
}

/* Integer field in [lo, hi]; an empty or absent field gives dflt. */
static int arg_int(char **v, int n, int i, int lo, int hi, int dflt, int *out)
{
	char *end;
	long x;

	if (i >= n || v[i][0] == '\0') {
		*out = dflt;
		return dflt < lo || dflt > hi ? -1 : 0;
	}
	x = strtol(v[i], &end, 10);
	if (*end != '\0' || end == v[i] || x < lo || x > hi)
		return -1;
	*out = (int)x;
	return 0;
}

static int sim_error(const struct msim_modem *m, bool sms)
{
	if (m->sim == MSIM_SIM_PIN)
		return sms ? CMS(311) : CME(11);
	return sms ? CMS(316) : CME(12);
}

static int h_cmee(struct msim_chan *c, char op, char **v, int n)
{
	if (op == 't')
		info(c, "+CMEE: (0-2)");
	else if (op == '?')
		info(c, "+CMEE: %d", c->m->cmee);
	else if (op != '=' || arg_int(v, n, 0, 0, 2, 0, &c->m->cmee) != 0)
		return AT_ERROR;
	return 0;
}

static int h_cpin(struct msim_chan *c, char op, char **v, int n)
{
	static const char *const names[] = { "READY", "SIM PIN", "SIM PUK" };
	struct msim_modem *m = c->m;

	if (op == '?') {
		info(c, "+CPIN: %s", names[m->sim]);
		return 0;
	}
	if (op == 't')
		return 0;
	if (op != '=' || n < 1)
		return AT_ERROR;
	if (m->sim == MSIM_SIM_READY)
		return 0;
	if (m->sim == MSIM_SIM_PIN) {
		if (strcmp(v[0], m->pin) == 0) {
			m->sim = MSIM_SIM_READY;
			m->pin_tries = 3;
			msim_sms_drain_waiting(m);
			return 0;
		}
		if (--m->pin_tries <= 0)
			m->sim = MSIM_SIM_PUK;
		return CME(16);
	}
	if (n < 2 || m->puk_tries <= 0 || strcmp(v[0], m->s->o.puk) != 0) {
		if (m->puk_tries > 0)
			m->puk_tries--;
		return CME(16);
	}
	if (strlen(v[1]) < 4 || strlen(v[1]) >= sizeof(m->pin))
		return CME(16);
	snprintf(m->pin, sizeof(m->pin), "%s", v[1]);
	m->sim = MSIM_SIM_READY;
	m->pin_tries = 3;
	msim_sms_drain_waiting(m);
	return 0;
}

static int h_cmgf(struct msim_chan *c, char op, char **v, int n)
{
	int mode;

	if (op == 't')
		info(c, "+CMGF: (0)");
	else if (op == '?')
		info(c, "+CMGF: %d", c->m->cmgf);
	else if (op != '=' || arg_int(v, n, 0, 0, 1, 0, &mode) != 0)
		return AT_ERROR;
	else if (mode != 0)
		return CMS(303);	/* text mode is not simulated */
	return 0;
}

static int h_cnmi(struct msim_chan *c, char op, char **v, int n)
{
	static const int hi[5] = { 3, 3, 3, 2, 1 };
	int *k = c->m->cnmi, nv[5];

	if (op == 't') {
		info(c, "+CNMI: (0-3),(0-3),(0-3),(0-2),(0,1)");
		return 0;
	}
	if (op == '?') {
		info(c, "+CNMI: %d,%d,%d,%d,%d", k[0], k[1], k[2], k[3], k[4]);
		return 0;
	}
	if (op != '=' || n > 5)
		return AT_ERROR;
	for (int i = 0; i < 5; i++)
		if (arg_int(v, n, i, 0, hi[i], k[i], &nv[i]) != 0)
			return CMS(303);
	memcpy(k, nv, sizeof(nv));
	msim_sms_drain_waiting(c->m);	/* direct delivery may take them now */
	return 0;
}

static int h_csca(struct msim_chan *c, char op, char **v, int n)
{
	struct msim_modem *m = c->m;
	uint8_t buf[16];
	int toa;

	if (op == '?') {
		info(c, "+CSCA: \"%s\",%d", m->csca, m->csca_toa);
		return 0;
	}
	if (op == 't')
		return 0;
	if (op != '=' || n < 1 || strlen(v[0]) >= sizeof(m->csca) ||
	    arg_int(v, n, 1, 128, 255, v[0][0] == '+' ? 145 : 129, &toa) != 0 ||
	    tpdu_addr_encode(v[0], (uint8_t)toa, true, buf, sizeof(buf)) < 0)
		return CMS(304);
	snprintf(m->csca, sizeof(m->csca), "%s", v[0]);
	m->csca_toa = (uint8_t)toa;
	return 0;
}

static int h_csms(struct msim_chan *c, char op, char **v, int n)
{
	if (op == 't')
		info(c, "+CSMS: (0,1)");
	else if (op == '?')
		info(c, "+CSMS: %d,1,1,1", c->m->csms);
	else if (op != '=' || arg_int(v, n, 0, 0, 1, 0, &c->m->csms) != 0)
		return CMS(303);
	else
		info(c, "+CSMS: 1,1,1");
	return 0;
}

static int h_cnma(struct msim_chan *c, char op, char **v, int n)
{
	(void)v;
	(void)n;
	if (op == 't')
		return 0;
	return c->m->csms == 1 ? 0 : CMS(340);
}

static int mem_of(const char *name, bool sr_ok, enum msim_mem *out)
{
	if (strcmp(name, "SM") == 0 || strcmp(name, "MT") == 0 ||
	    strcmp(name, "ME") == 0)
		*out = MSIM_MEM_SM;
	else if (sr_ok && strcmp(name, "SR") == 0)
		*out = MSIM_MEM_SR;
	else
		return -1;
	return 0;
}

static int h_cpms(struct msim_chan *c, char op, char **v, int n)
{
	struct msim_modem *m = c->m;
	unsigned total = m->s->o.sim_size, u1, u;
	enum msim_mem mem1, other;

	if (op == 't') {
		info(c, "+CPMS: (\"SM\",\"SR\"),(\"SM\"),(\"SM\")");
		return 0;
	}
	u = msim_sms_used(m, MSIM_MEM_SM);
	if (op == '?') {
		info(c, "+CPMS: \"%s\",%u,%u,\"SM\",%u,%u,\"SM\",%u,%u",
		     msim_mem_name(m->mem1), msim_sms_used(m, m->mem1), total, u,
		     total, u, total);
		return 0;
	}
	if (op != '=' || n < 1 || n > 3 || mem_of(v[0], true, &mem1) != 0)
		return CMS(302);
	for (int i = 1; i < n; i++)
		if (mem_of(v[i], false, &other) != 0)
			return CMS(302);
	m->mem1 = mem1;
	u1 = msim_sms_used(m, mem1);
	info(c, "+CPMS: %u,%u,%u,%u,%u,%u", u1, total, u, total, u, total);
	return 0;
}

static int h_creg(struct msim_chan *c, char op, char **v, int n)
{
	struct msim_modem *m = c->m;

	if (op == 't')
		info(c, "+CREG: (0-1)");
	else if (op == '?')
		info(c, "+CREG: %d,%d", m->creg_n,
		     m->sim == MSIM_SIM_READY ? m->creg : 0);
	else if (op != '=' || arg_int(v, n, 0, 0, 1, 0, &m->creg_n) != 0)
		return CME(4);
	return 0;
}

static int h_csq(struct msim_chan *c, char op, char **v, int n)
{
	(void)v;
	(void)n;
	if (op == 't')
		info(c, "+CSQ: (0-31,99),(0-7,99)");
	else if (op == '?' || op == '=')
		return CME(4);
	else
		info(c, "+CSQ: %d,99", c->m->rssi);
	return 0;
}

static int h_ident(struct msim_chan *c, char op, char **v, int n)
{
	(void)c;
	(void)v;
	(void)n;
	if (op == 't')
		return 0;
	if (op != '\0')
		return CME(4);
	return 0;
}

static int h_cgsn(struct msim_chan *c, char op, char **v, int n)
{
	if (h_ident(c, op, v, n) != 0)
		return CME(4);
	if (op == '\0')
		info(c, "%s", c->m->imei);
	return 0;
}

static int h_cimi(struct msim_chan *c, char op, char **v, int n)
{
	if (h_ident(c, op, v, n) != 0)
		return CME(4);
	if (op == '\0')
		info(c, "%s", c->m->imsi);
	return 0;
}

static int h_cnum(struct msim_chan *c, char op, char **v, int n)
{
	const char *num = c->m->msisdn;

	if (h_ident(c, op, v, n) != 0)
		return CME(4);
	if (op == '\0' && num[0] != '\0')
		info(c, "+CNUM: \"\",\"%s\",%d", num, num[0] == '+' ? 145 : 129);
	return 0;
}

static int h_cgmi(struct msim_chan *c, char op, char **v, int n)
{
	if (h_ident(c, op, v, n) != 0)
		return CME(4);
	if (op == '\0')
		info(c, "Hermod");
	return 0;
}

static int h_cgmm(struct msim_chan *c, char op, char **v, int n)
{
	if (h_ident(c, op, v, n) != 0)
		return CME(4);
	if (op == '\0')
		info(c, "modemsim");
	return 0;
}

static int h_cgmr(struct msim_chan *c, char op, char **v, int n)
{
	if (h_ident(c, op, v, n) != 0)
		return CME(4);
	if (op == '\0')
		info(c, "modemsim %s", PACKAGE_VERSION);
	return 0;
}

/* AT+CMGS=<length> / AT+CMGW=<length>[,<stat>]: the prompt. */
static int prompt(struct msim_chan *c, char op, char **v, int n, bool cmgw)
{
	int len, stat;

	if (op == 't')
		return 0;
	if (op != '=' || arg_int(v, n, 0, 1, TPDU_MAX - 1, -1, &len) != 0 ||
	    arg_int(v, n, 1, 0, 3, 2, &stat) != 0)
		return CMS(304);
	if (c->m->cmgf != 0)
		return CMS(302);
	c->cmgw = cmgw;
	c->cmgw_stat = (uint8_t)stat;
	c->pdu_len = (unsigned)len;
	c->hex_len = 0;
	c->hex_long = false;
	c->state = MSIM_CH_PDU;
	out(c, "\r\n> ");
	return AT_PROMPT;
}

static int h_cmgs(struct msim_chan *c, char op, char **v, int n)
{
	return prompt(c, op, v, n, false);
}

static int h_cmgw(struct msim_chan *c, char op, char **v, int n)
{
	return prompt(c, op, v, n, true);
}

static int slot_of(struct msim_modem *m, char **v, int n, int *slot)
{
	int base = (int)m->s->o.index_base, idx;

	if (arg_int(v, n, 0, base, base + (int)m->s->o.sim_size - 1, -1, &idx) != 0)
		return -1;
	*slot = idx - base;
	return 0;
}

static void show_slot(struct msim_chan *c, const char *what, int idx,
		      struct msim_slot *sl)
{
	char hex[2 * TPDU_MAX + 1];

	tpdu_hex_encode(sl->pdu, sl->len, hex, sizeof(hex));
	if (idx >= 0)
		info(c, "+%s: %d,%u,,%zu", what, idx, sl->stat, sl->tpdu_len);
	else
		info(c, "+%s: %u,,%zu", what, sl->stat, sl->tpdu_len);
	/* The PDU line follows the header line directly (one CR LF). */
	msim_chan_write(c, hex, strlen(hex));
	out(c, "\r\n");
}

static int h_cmgr(struct msim_chan *c, char op, char **v, int n)
{
	struct msim_modem *m = c->m;
	struct msim_slot *sl;
	int slot;

	if (op == 't')
		return 0;
	if (op != '=' || slot_of(m, v, n, &slot) != 0)
		return CMS(321);
	sl = &m->mem[m->mem1][slot];
	if (!sl->used)
		return CMS(321);
	show_slot(c, "CMGR", -1, sl);
	if (sl->stat == 0)
		sl->stat = 1;
	return 0;
}

static int h_cmgl(struct msim_chan *c, char op, char **v, int n)
{
	struct msim_modem *m = c->m;
	int stat;

	if (op == 't') {
		info(c, "+CMGL: (0-4)");
		return 0;
	}
	if (op == '\0')
		stat = 0;
	else if (op != '=' || arg_int(v, n, 0, 0, 4, 0, &stat) != 0)
		return CMS(302);
	for (unsigned i = 0; i < m->s->o.sim_size; i++) {
		struct msim_slot *sl = &m->mem[m->mem1][i];

		if (!sl->used || (stat != 4 && sl->stat != stat))
			continue;
		show_slot(c, "CMGL", (int)(i + m->s->o.index_base), sl);
		if (sl->stat == 0)
			sl->stat = 1;
	}
	return 0;
}

static int h_cmgd(struct msim_chan *c, char op, char **v, int n)
{
	struct msim_modem *m = c->m;
	int slot = -1, flag;

	if (op == 't') {
		info(c, "+CMGD: (%u-%u),(0-4)", m->s->o.index_base,
		     m->s->o.index_base + m->s->o.sim_size - 1);
		return 0;
	}
	if (op != '=' || arg_int(v, n, 1, 0, 4, 0, &flag) != 0)
		return CMS(302);
	if (slot_of(m, v, n, &slot) != 0 && flag == 0)
		return CMS(321);
	msim_sms_delete(m, m->mem1, slot, flag);
	return 0;
}

static const struct at_cmd at_cmds[] = {
	{ "CMEE", h_cmee, false, false },
	{ "CPIN", h_cpin, false, false },
	{ "CMGF", h_cmgf, false, true },
	{ "CNMI", h_cnmi, false, true },
	{ "CSCA", h_csca, true, true },
	{ "CSMS", h_csms, false, true },
	{ "CNMA", h_cnma, true, true },
	{ "CPMS", h_cpms, true, true },
	{ "CREG", h_creg, false, false },
	{ "CSQ", h_csq, false, false },
	{ "CGSN", h_cgsn, false, false },
	{ "GSN", h_cgsn, false, false },
	{ "CIMI", h_cimi, true, false },
	{ "CNUM", h_cnum, true, false },
	{ "CGMI", h_cgmi, false, false },
	{ "GMI", h_cgmi, false, false },
	{ "CGMM", h_cgmm, false, false },
	{ "GMM", h_cgmm, false, false },
	{ "CGMR", h_cgmr, false, false },
	{ "GMR", h_cgmr, false, false },
	{ "CMGS", h_cmgs, true, true },
	{ "CMGW", h_cmgw, true, true },
	{ "CMGR", h_cmgr, true, true },
	{ "CMGL", h_cmgl, true, true },
	{ "CMGD", h_cmgd, true, true },
};

/* One extended command "+NAME[=args|?|=?]" (without the '+'). */
static int run_ext(struct msim_chan *c, char *cmd)
{
	size_t nl = strcspn(cmd, "=?");
	char op = cmd[nl], *v[AT_ARGS_MAX], *args = NULL;
	int n = 0;

	for (size_t i = 0; i < nl; i++)
		cmd[i] = (char)toupper((unsigned char)cmd[i]);
	if (op == '=' && cmd[nl + 1] == '?' && cmd[nl + 2] == '\0')
		op = 't';
	else if (op == '?' && cmd[nl + 1] != '\0')
		return AT_ERROR;
	else if (op == '=')
		args = cmd + nl + 1;
	cmd[nl] = '\0';
	for (size_t i = 0; i < sizeof(at_cmds) / sizeof(at_cmds[0]); i++) {
		const struct at_cmd *a = &at_cmds[i];

		if (strcmp(a->name, cmd) != 0)
			continue;
		if (a->need_sim && c->m->sim != MSIM_SIM_READY && op != 't')
			return sim_error(c->m, a->sms);
		if ((n = split_args(args, v, AT_ARGS_MAX)) < 0)
			return a->sms ? CMS(302) : CME(4);
		return a->fn(c, op, v, n);
	}
	return AT_ERROR;
}

/* One basic command at *pp ("E0", "Z", "&F", "S0=0", "I"...); advances *pp. */
static int run_basic(struct msim_chan *c, char **pp)
{
	char *p = *pp, cmd = (char)toupper((unsigned char)*p++);
	long val = 0;

	if (cmd == '&')
		cmd = (char)tolower((unsigned char)*p++);
	if (cmd == 'S') {
		p += strspn(p, "0123456789");
		if (*p == '=' || *p == '?')
			p++;
	}
	if (isdigit((unsigned char)*p))
		val = strtol(p, &p, 10);
	*pp = p;
	switch (cmd) {
	case 'E':
		if (val > 1)
			return AT_ERROR;
		c->m->echo = val == 1;
		return 0;
	case 'Z':
	case 'f':
		msim_at_reset(c->m);
		return 0;
	case 'V':
		return val == 1 ? 0 : AT_ERROR;	/* only verbose results */
	case 'I':
		info(c, "Hermod modemsim %s", PACKAGE_VERSION);
		return 0;
	case 'Q': case 'X': case 'H': case 'S':
	case 'w': case 'd': case 'c': case 'k':
		return 0;
	default:
		return AT_ERROR;
	}
}

static void run_line(struct msim_chan *c, char *line)
{
	char *p = line + 2;
	int r = 0;

	c->m->st.commands++;
	c->in_cmd = true;
	if (c->m->fail == MSIM_FAIL_ERROR) {
		at_final(c, "ERROR");
		return;
	}
	if (toupper((unsigned char)line[0]) != 'A' ||
	    toupper((unsigned char)line[1]) != 'T') {
		at_final(c, "ERROR");
		return;
	}
	while (r == 0) {
		p += strspn(p, " ;");
		if (*p == '\0')
			break;
		if (*p == '+' || *p == '^' || *p == '$') {
			char *e = ++p;
			bool q = false;

			while (*e != '\0' && (q || *e != ';'))
				q ^= *e++ == '"';
			if (*e == ';')
				*e++ = '\0';
			r = run_ext(c, p);
			p = e;
		} else {
			r = run_basic(c, &p);
		}
	}
	if (r != AT_PROMPT)
		result(c, r);
}

static void delayed_answer(struct msim_chan *c)
{
	info(c, "%s", c->delayed);
	if (strncmp(c->delayed, "+CMGS", 5) == 0)
		at_final(c, "OK");
	else
		chan_idle(c);
}

static void delayed_cb(evutil_socket_t fd, short what, void *arg)
{
	struct msim_chan *c = arg;

	(void)fd;
	(void)what;
	delayed_answer(c);
	msim_chan_resume(c);
}

/* Ctrl-Z after the prompt. */
static void pdu_done(struct msim_chan *c)
{
	struct msim_modem *m = c->m;
	struct timeval tv = { m->cf.cmgs_delay_ms / 1000,
			      (m->cf.cmgs_delay_ms % 1000) * 1000 };
	int r;

	if (c->hex_long) {
		at_cms_error(c, 304);
		return;
	}
	if (c->cmgw) {
		r = msim_sms_write(m, c->hex, c->hex_len, c->pdu_len, c->cmgw_stat);
		if (r < 0) {
			at_cms_error(c, -r);
			return;
		}
		info(c, "+CMGW: %d", r);
		at_final(c, "OK");
		return;
	}
	r = msim_sms_submit(m, c->hex, c->hex_len, c->pdu_len);
	if (r >= 0)
		snprintf(c->delayed, sizeof(c->delayed), "+CMGS: %d", r);
	else
		snprintf(c->delayed, sizeof(c->delayed), "+CMS ERROR: %d", -r);
	/* A malformed PDU is refused at once; the network takes its time. */
	if (m->cf.cmgs_delay_ms == 0 || r == -304) {
		delayed_answer(c);
		return;
	}
	if (c->delay_ev == NULL)
		c->delay_ev = evtimer_new(m->s->base, delayed_cb, c);
	if (c->delay_ev == NULL) {
		delayed_answer(c);
		return;
	}
	c->state = MSIM_CH_BUSY;
	evtimer_add(c->delay_ev, &tv);
}

static void pdu_byte(struct msim_chan *c, uint8_t b)
{
	if (b == 0x1A) {
		pdu_done(c);
	} else if (b == 0x1B) {
		at_final(c, "OK");	/* cancelled: nothing is sent */
	} else if (b == '\r' || b == '\n' || b == ' ') {
		/* tolerated between hex digits */
	} else if (c->hex_len < sizeof(c->hex)) {
		c->hex[c->hex_len++] = (char)b;
	} else {
		c->hex_long = true;
	}
}

size_t msim_at_input(struct msim_chan *c, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len && c->state != MSIM_CH_BUSY; i++) {
		uint8_t b = p[i];

		if (c->m->fail == MSIM_FAIL_SILENT || c->hung)
			continue;
		/* Echo goes straight out (--verbose traced the input already). */
		if (c->m->echo && b != 0x1A && b != 0x1B)
			evbuffer_add(bufferevent_get_output(c->bev), &b, 1);
		if (c->state == MSIM_CH_PDU) {
			pdu_byte(c, b);
		} else if (b == '\r' || b == '\n') {
			c->line[c->line_len] = '\0';
			if (c->line_long)
				at_final(c, "ERROR");
			else if (c->line_len > 0)
				run_line(c, c->line);
			c->line_len = 0;
			c->line_long = false;
		} else if (b == 0x08 || b == 0x7F) {
			if (c->line_len > 0)
				c->line_len--;
		} else if (c->line_len + 1 < sizeof(c->line)) {
			c->line[c->line_len++] = (char)b;
		} else {
			c->line_long = true;
		}
	}
	return i;
}

void msim_at_chan_fini(struct msim_chan *c)
{
	if (c->delay_ev != NULL)
		event_free(c->delay_ev);
	c->delay_ev = NULL;
}
