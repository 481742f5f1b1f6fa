/*
 * at_resp — GSM modem output parser (3GPP TS 27.005 PDU mode, 27.007 basics;
 * protocols.md §4). Splits the stream into lines at CR/LF, recognises the
 * prompt, and classifies each line by its prefix; the only state carried from
 * line to line is "a PDU line is expected" and "inside an over-long line".
 * Pure codec layer: libc only.
 */
#include "config.h"

#include "shared/codec/at_resp.h"

#include <string.h>

#include "shared/util/bytes.h"

#define AT_FIELDS_MAX 8

struct field {
	const char *s;
	size_t len;
	bool quoted;
};

struct fields {
	int n;
	struct field f[AT_FIELDS_MAX];
};

static bool is_eol(uint8_t c)
{
	return c == '\r' || c == '\n';
}

static bool is_hex(uint8_t c)
{
	return bytes_hexval(c) >= 0;
}

static bool has_prefix(const char *s, size_t len, const char *pre)
{
	size_t n = strlen(pre);

	return len >= n && memcmp(s, pre, n) == 0;
}

static bool equals(const char *s, size_t len, const char *w)
{
	return strlen(w) == len && memcmp(s, w, len) == 0;
}

static void trim(const char **s, size_t *len)
{
	while (*len > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}

/* Splits s at commas outside double quotes; quoted fields lose their quotes.
 * Returns false on an unbalanced quote or more than AT_FIELDS_MAX fields. */
static bool split(const char *s, size_t len, struct fields *out)
{
	size_t i = 0;

	out->n = 0;
	for (;;) {
		size_t st = i;
		bool inq = false;
		struct field *f;

		while (i < len && (inq || s[i] != ',')) {
			if (s[i] == '"')
				inq = !inq;
			i++;
		}
		if (inq || out->n == AT_FIELDS_MAX)
			return false;
		f = &out->f[out->n++];
		f->s = s + st;
		f->len = i - st;
		trim(&f->s, &f->len);
		f->quoted = f->len >= 2 && f->s[0] == '"' && f->s[f->len - 1] == '"';
		if (f->quoted) {
			f->s++;
			f->len -= 2;
		}
		if (i == len)
			return true;
		i++; /* the comma */
	}
}

/* An unquoted number of 1..9 digits, or false. */
static bool num(const struct field *f, int *out)
{
	int v = 0;

	if (f->quoted || f->len == 0 || f->len > 9)
		return false;
	for (size_t i = 0; i < f->len; i++) {
		if (f->s[i] < '0' || f->s[i] > '9')
			return false;
		v = v * 10 + (f->s[i] - '0');
	}
	*out = v;
	return true;
}

/* A hex location field (lac/ci, quoted in 27.007), up to 7 digits (a 28-bit
 * cell id), or -1. */
static int hexnum(const struct field *f)
{
	int v = 0;

	if (f->len == 0 || f->len > 7)
		return -1;
	for (size_t i = 0; i < f->len; i++) {
		if (!is_hex((uint8_t)f->s[i]))
			return -1;
		v = v * 16 + bytes_hexval((uint8_t)f->s[i]);
	}
	return v;
}

static bool all_digits(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static bool all_hex(const char *s, size_t len)
{
	if (len == 0 || len % 2 != 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_hex((uint8_t)s[i]))
			return false;
	return true;
}

static void event_init(struct at_event *ev, const char *line, size_t len)
{
	memset(ev, 0, sizeof(*ev));
	ev->line = ev->text = line;
	ev->line_len = ev->text_len = len;
	ev->code = ev->rssi = ev->ber = ev->n = ev->stat = ev->lac = ev->ci = -1;
	ev->mr = ev->index = ev->length = -1;
}

static void malformed(struct at_event *ev)
{
	ev->type = AT_EV_INFO;
	ev->malformed = true;
}

static void parse_error(struct at_event *ev, enum at_event_type t)
{
	struct field f = { ev->text, ev->text_len, false };
	int code;

	ev->type = t;
	ev->code = num(&f, &code) ? code : -1;
	if (ev->code < 0)
		ev->retry = true; /* a textual cause: not known to be permanent */
	else if (t == AT_EV_CMS_ERROR)
		ev->retry = at_resp_cms_temporary(code);
	else
		ev->retry = at_resp_cme_temporary(code);
}

static void parse_csq(struct at_event *ev, const struct fields *fs)
{
	if (fs->n != 2 || !num(&fs->f[0], &ev->rssi) || !num(&fs->f[1], &ev->ber))
		malformed(ev);
	else
		ev->type = AT_EV_CSQ;
}

/* "+CREG: n,stat[,lac,ci]" answers AT+CREG?; the URC is "+CREG: stat[,lac,ci]"
 * with lac/ci quoted. Tell them apart by the second field being a number. */
static void parse_creg(struct at_event *ev, const struct fields *fs)
{
	int a, b, rest;

	if (fs->n < 1 || !num(&fs->f[0], &a)) {
		malformed(ev);
		return;
	}
	ev->type = AT_EV_CREG;
	if (fs->n >= 2 && num(&fs->f[1], &b)) {
		ev->n = a;
		ev->stat = b;
		rest = 2;
	} else {
		ev->stat = a;
		rest = 1;
	}
	if (fs->n == rest + 2 || fs->n == rest + 3) { /* 27.007 may add AcT */
		ev->lac = hexnum(&fs->f[rest]);
		ev->ci = hexnum(&fs->f[rest + 1]);
	} else if (fs->n != rest) {
		malformed(ev);
	}
}

static void parse_cpin(struct at_event *ev)
{
	static const struct {
		const char *w;
		enum at_pin pin;
	} pins[] = {
		{ "READY", AT_PIN_READY },	   { "SIM PIN", AT_PIN_SIM_PIN },
		{ "SIM PUK", AT_PIN_SIM_PUK },	   { "PH-SIM PIN", AT_PIN_PH_SIM_PIN },
		{ "SIM PIN2", AT_PIN_SIM_PIN2 }, { "SIM PUK2", AT_PIN_SIM_PUK2 },
	};
	const char *s = ev->text;
	size_t n = ev->text_len;

	trim(&s, &n);
	ev->type = AT_EV_CPIN;
	ev->pin = AT_PIN_OTHER;
	for (size_t i = 0; i < sizeof(pins) / sizeof(pins[0]); i++)
		if (equals(s, n, pins[i].w))
			ev->pin = pins[i].pin;
}

/* +CMTI / +CDSI: "mem",index */
static void parse_stored(struct at_event *ev, const struct fields *fs,
			 enum at_event_type t)
{
	if (fs->n != 2 || fs->f[0].len == 0 || fs->f[0].len >= sizeof(ev->mem) ||
	    !num(&fs->f[1], &ev->index)) {
		malformed(ev);
		return;
	}
	memcpy(ev->mem, fs->f[0].s, fs->f[0].len);
	ev->mem[fs->f[0].len] = '\0';
	ev->type = t;
}

/*
 * The four headers followed by a PDU line. want is the number of fields in PDU
 * mode: CMGR stat,[alpha],length (3, alpha may be left out: 2); CMGL
 * index,stat,[alpha],length (4 or 3); CMT [alpha],length (2, or 1); CDS length.
 */
static void parse_header(struct at_resp *r, struct at_event *ev,
			 const struct fields *fs, enum at_event_type t)
{
	int want = t == AT_EV_CMGL ? 4 : t == AT_EV_CMGR ? 3 : t == AT_EV_CMT ? 2 : 1;
	int i = 0;

	if (fs->n != want && !(want > 1 && fs->n == want - 1)) {
		malformed(ev);
		return;
	}
	if (t == AT_EV_CMGL && !num(&fs->f[i++], &ev->index)) {
		malformed(ev);
		return;
	}
	if ((t == AT_EV_CMGL || t == AT_EV_CMGR) && !num(&fs->f[i], &ev->stat)) {
		malformed(ev);
		return;
	}
	if (!num(&fs->f[fs->n - 1], &ev->length)) {
		malformed(ev);
		return;
	}
	ev->type = t;
	r->pending = *ev;
}

/* Lines that start with '+': responses and URCs. */
static void parse_plus(struct at_resp *r, struct at_event *ev)
{
	static const struct {
		const char *pre;
		enum at_event_type t;
	} tab[] = {
		{ "+CMS ERROR:", AT_EV_CMS_ERROR }, { "+CME ERROR:", AT_EV_CME_ERROR },
		{ "+CMGS:", AT_EV_CMGS },	    { "+CSQ:", AT_EV_CSQ },
		{ "+CREG:", AT_EV_CREG },	    { "+CPIN:", AT_EV_CPIN },
		{ "+CGSN:", AT_EV_DIGITS },	    { "+CIMI:", AT_EV_DIGITS },
		{ "+CMGR:", AT_EV_CMGR },	    { "+CMGL:", AT_EV_CMGL },
		{ "+CMTI:", AT_EV_CMTI },	    { "+CMT:", AT_EV_CMT },
		{ "+CDSI:", AT_EV_CDSI },	    { "+CDS:", AT_EV_CDS },
		{ "+CRING:", AT_EV_RING },
	};
	const char *colon = memchr(ev->line, ':', ev->line_len);
	enum at_event_type t = AT_EV_INFO;
	struct fields fs;

	ev->type = AT_EV_INFO;
	if (colon == NULL)
		return;
	ev->text = colon + 1;
	ev->text_len = ev->line_len - (size_t)(colon + 1 - ev->line);
	trim(&ev->text, &ev->text_len);
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (has_prefix(ev->line, ev->line_len, tab[i].pre))
			t = tab[i].t;
	if (t == AT_EV_INFO)
		return;
	if (t == AT_EV_CMS_ERROR || t == AT_EV_CME_ERROR) {
		parse_error(ev, t);
		return;
	}
	if (t == AT_EV_CPIN || t == AT_EV_RING) {
		if (t == AT_EV_CPIN)
			parse_cpin(ev);
		else
			ev->type = t;
		return;
	}
	if (!split(ev->text, ev->text_len, &fs)) {
		malformed(ev);
		return;
	}
	switch (t) {
	case AT_EV_CMGS:
		if (fs.n < 1 || !num(&fs.f[0], &ev->mr))
			malformed(ev);
		else
			ev->type = t;
		break;
	case AT_EV_CSQ:
		parse_csq(ev, &fs);
		break;
	case AT_EV_CREG:
		parse_creg(ev, &fs);
		break;
	case AT_EV_DIGITS:
		if (all_digits(ev->text, ev->text_len))
			ev->type = t;
		else
			malformed(ev);
		break;
	case AT_EV_CMTI:
	case AT_EV_CDSI:
		parse_stored(ev, &fs, t);
		break;
	default:
		parse_header(r, ev, &fs, t);
		break;
	}
}

static bool is_echo(const char *s, size_t len)
{
	if (len >= 2 && (s[0] == 'A' || s[0] == 'a') && (s[1] == 'T' || s[1] == 't'))
		return true;
	if (len == 2 && (s[0] == 'A' || s[0] == 'a') && s[1] == '/')
		return true;
	return memchr(s, 0x1a, len) != NULL || memchr(s, 0x1b, len) != NULL;
}

/* The PDU line after a header: checks 1 + SMSC length octet + TPDU length. */
static void pdu_event(struct at_resp *r, struct at_event *ev)
{
	struct at_event h = r->pending;
	size_t octets = ev->line_len / 2;
	size_t sca = (size_t)(bytes_hexval((uint8_t)ev->line[0]) << 4 |
			      bytes_hexval((uint8_t)ev->line[1]));

	ev->type = AT_EV_PDU;
	ev->pdu_of = h.type;
	ev->index = h.index;
	ev->stat = h.stat;
	ev->length = h.length;
	ev->pdu_len_ok = h.length >= 0 && octets == 1 + sca + (size_t)h.length;
}

static void classify(struct at_resp *r, struct at_event *ev)
{
	static const char *const call[] = { "NO CARRIER", "BUSY", "NO ANSWER",
					    "NO DIALTONE", "CONNECT" };
	const char *s = ev->line;
	size_t n = ev->line_len;
	bool pdu_expected = r->pending.type != AT_EV_NONE;

	if (pdu_expected && all_hex(s, n)) {
		pdu_event(r, ev);
		r->pending.type = AT_EV_NONE;
		return;
	}
	r->pending.type = AT_EV_NONE;
	if (equals(s, n, "OK")) {
		ev->type = AT_EV_OK;
	} else if (equals(s, n, "ERROR")) {
		ev->type = AT_EV_ERROR;
		ev->retry = true;
	} else if (equals(s, n, "RING")) {
		ev->type = AT_EV_RING;
	} else if (equals(s, n, ">")) {
		ev->type = AT_EV_PROMPT;
	} else if (n > 0 && s[0] == '+') {
		parse_plus(r, ev);
	} else if (is_echo(s, n)) {
		ev->type = AT_EV_ECHO;
	} else if (all_digits(s, n)) {
		ev->type = AT_EV_DIGITS;
	} else {
		ev->type = AT_EV_INFO;
		for (size_t i = 0; i < sizeof(call) / sizeof(call[0]); i++)
			if (has_prefix(s, n, call[i]))
				ev->type = AT_EV_CALL;
	}
}

void at_resp_init(struct at_resp *r)
{
	memset(r, 0, sizeof(*r));
	r->pending.type = AT_EV_NONE;
}

/* Drops the rest of an over-long line: consumes up to (not including) its
 * terminator. */
static int discard(struct at_resp *r, const uint8_t *p, size_t len,
		   struct at_event *ev)
{
	size_t i = 0;

	while (i < len && !is_eol(p[i]))
		i++;
	if (i < len)
		r->discarding = false;
	event_init(ev, (const char *)p, 0);
	ev->type = AT_EV_NONE;
	return (int)i;
}

int at_resp_decode(struct at_resp *r, const uint8_t *p, size_t len,
		   struct at_event *ev)
{
	size_t st = 0, e;

	if (len > (size_t)0x7fffffff)
		len = 0x7fffffff;
	if (len == 0)
		return 0;
	if (r->discarding && !is_eol(p[0]))
		return discard(r, p, len, ev);
	r->discarding = false;
	while (st < len && is_eol(p[st]))
		st++;
	event_init(ev, (const char *)p + st, 0);
	if (st < len && p[st] == '>' && (len - st < 2 || p[st + 1] == ' ')) {
		if (len - st < 2)
			return (int)st; /* a lone '>': wait for the space */
		ev->type = AT_EV_PROMPT;
		r->pending.type = AT_EV_NONE;
		return (int)st + 2;
	}
	for (e = st; e < len && e - st <= AT_RESP_LINE_MAX && !is_eol(p[e]); e++)
		;
	if (e - st > AT_RESP_LINE_MAX) {
		ev->type = AT_EV_OVERLONG;
		r->discarding = true;
		r->pending.type = AT_EV_NONE;
		return (int)e;
	}
	if (e == len)
		return (int)st; /* incomplete line: blanks only, or 0 */
	event_init(ev, (const char *)p + st, e - st);
	classify(r, ev);
	return (int)e + 1;
}

bool at_resp_cms_temporary(int code)
{
	static const uint8_t permanent_rp[] = { 1,  8,	10, 21, 28, 29, 30, 50,
						69, 81, 95, 96, 97, 98, 99, 111,
						127 };

	if (code < 0)
		return true;
	if (code <= 127) {
		for (size_t i = 0; i < sizeof(permanent_rp); i++)
			if (permanent_rp[i] == code)
				return false;
		return true;
	}
	if (code <= 255)
		return code == 192 || code == 194;
	return code != 304 && code != 305;
}

bool at_resp_cme_temporary(int code)
{
	return !(code == 4 || code == 16 || code == 21 || (code >= 24 && code <= 27));
}
