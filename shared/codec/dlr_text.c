/*
 * dlr_text — SMPP delivery-receipt text: parser, formatter, stat/status tables and
 * message-id normalisation (protocols.md §1.9, §1.12; seed 004 §5.4).
 *
 * The parser walks the text once, key by key; keys are matched case-insensitively
 * and a value ends at the next blank, except text: which runs to the end.
 * Pure codec layer: libc only.
 */
#include "config.h"

#include "shared/codec/dlr_text.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "shared/util/bytes.h"

enum dlr_key {
	KEY_ID,
	KEY_SUB,
	KEY_DLVRD,
	KEY_SUBMIT,
	KEY_DONE,
	KEY_STAT,
	KEY_ERR,
	KEY_TEXT,
	KEY_NONE,
};

static const unsigned key_bit[] = {
	DLR_TEXT_HAS_ID,     DLR_TEXT_HAS_SUB,	DLR_TEXT_HAS_DLVRD,
	DLR_TEXT_HAS_SUBMIT, DLR_TEXT_HAS_DONE, DLR_TEXT_HAS_STAT,
	DLR_TEXT_HAS_ERR,    DLR_TEXT_HAS_TEXT,
};

static bool is_blank(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A value (other than text) ends at a blank or an embedded NUL. */
static bool is_sep(uint8_t c)
{
	return is_blank(c) || c == '\0';
}

static uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

static size_t skip_blanks(const uint8_t *p, size_t len, size_t off)
{
	while (off < len && is_blank(p[off]))
		off++;
	return off;
}

/* Case-insensitive match of word at p[*off]; advances on success. */
static bool match_word(const uint8_t *p, size_t len, size_t *off, const char *w)
{
	size_t n = strlen(w);

	if (len - *off < n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(p[*off + i]) != (uint8_t)w[i])
			return false;
	*off += n;
	return true;
}

/* "submit date", "submit_date", "submitdate", with any run of blanks/_ between. */
static bool match_date_key(const uint8_t *p, size_t len, size_t *off,
			   const char *first)
{
	size_t o = *off;

	if (!match_word(p, len, &o, first))
		return false;
	while (o < len && (p[o] == ' ' || p[o] == '\t' || p[o] == '_'))
		o++;
	if (!match_word(p, len, &o, "date"))
		return false;
	*off = o;
	return true;
}

/*
 * Recognises "<key>:" at p[off]. Returns the key and sets *val to the offset just
 * after the colon, or KEY_NONE.
 */
static enum dlr_key match_key(const uint8_t *p, size_t len, size_t off,
			      size_t *val)
{
	static const char *const simple[] = {
		[KEY_ID] = "id",     [KEY_SUB] = "sub",	  [KEY_DLVRD] = "dlvrd",
		[KEY_STAT] = "stat", [KEY_ERR] = "err",	  [KEY_TEXT] = "text",
	};
	enum dlr_key k;

	for (k = KEY_ID; k < KEY_NONE; k++) {
		size_t o = off;
		bool ok;

		if (k == KEY_SUBMIT)
			ok = match_date_key(p, len, &o, "submit");
		else if (k == KEY_DONE)
			ok = match_date_key(p, len, &o, "done");
		else
			ok = match_word(p, len, &o, simple[k]);
		if (ok && o < len && p[o] == ':') {
			*val = o + 1;
			return k;
		}
	}
	return KEY_NONE;
}

/* Parses exactly n decimal digits into *out. */
static bool digits(const uint8_t *p, size_t n, unsigned *out)
{
	unsigned v = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	*out = v;
	return true;
}

static bool date_valid(const struct dlr_text_date *d)
{
	return d->yy <= 99 && d->mon >= 1 && d->mon <= 12 && d->day >= 1 &&
	       d->day <= 31 && d->hour <= 23 && d->min <= 59 && d->sec <= 59;
}

static int parse_date(const uint8_t *v, size_t n, struct dlr_text_date *d)
{
	unsigned f[6] = { 0 };

	if (n != 10 && n != 12)
		return DLR_TEXT_EDATE;
	for (size_t i = 0; i < n / 2; i++)
		if (!digits(v + 2 * i, 2, &f[i]))
			return DLR_TEXT_EDATE;
	d->yy = (uint8_t)f[0];
	d->mon = (uint8_t)f[1];
	d->day = (uint8_t)f[2];
	d->hour = (uint8_t)f[3];
	d->min = (uint8_t)f[4];
	d->sec = (uint8_t)f[5];
	d->has_sec = n == 12;
	return date_valid(d) ? 0 : DLR_TEXT_EDATE;
}

static int copy_str(char *dst, size_t max, const uint8_t *v, size_t n, int err)
{
	if (n > max)
		return err;
	memcpy(dst, v, n);
	dst[n] = '\0';
	return 0;
}

static int parse_count(const uint8_t *v, size_t n, uint32_t *out)
{
	unsigned u;

	if (n == 0 || n > DLR_TEXT_COUNT_DIGITS || !digits(v, n, &u))
		return DLR_TEXT_ECOUNT;
	*out = u;
	return 0;
}

static void store_text(struct dlr_text *out, const uint8_t *v, size_t n)
{
	out->text_truncated = n > DLR_TEXT_TEXT_MAX;
	if (n > DLR_TEXT_TEXT_MAX)
		n = DLR_TEXT_TEXT_MAX;
	/* Never end on a NUL, so that what we format parses back the same. */
	while (n > 0 && v[n - 1] == '\0')
		n--;
	memcpy(out->text, v, n);
	out->text[n] = '\0';
	out->text_len = n;
}

/* Stores the value v[0..n) of key k. Empty dates are taken as absent. */
static int store_value(struct dlr_text *out, enum dlr_key k, const uint8_t *v,
		       size_t n)
{
	switch (k) {
	case KEY_ID:
		if (n == 0)
			return DLR_TEXT_EID;
		return copy_str(out->id, DLR_TEXT_ID_MAX, v, n, DLR_TEXT_EID);
	case KEY_SUB:
		return parse_count(v, n, &out->sub);
	case KEY_DLVRD:
		return parse_count(v, n, &out->dlvrd);
	case KEY_SUBMIT:
		return n == 0 ? 1 : parse_date(v, n, &out->submit);
	case KEY_DONE:
		return n == 0 ? 1 : parse_date(v, n, &out->done);
	case KEY_STAT:
		if (n == 0)
			return DLR_TEXT_ESTAT;
		if (copy_str(out->stat, DLR_TEXT_STAT_MAX, v, n, -1) != 0)
			return DLR_TEXT_ESTAT;
		out->state = dlr_text_state_from_word(out->stat, n);
		return 0;
	case KEY_ERR:
		return copy_str(out->err, DLR_TEXT_ERR_MAX, v, n, DLR_TEXT_EERR);
	case KEY_TEXT:
		store_text(out, v, n);
		return 0;
	case KEY_NONE:
		break;
	}
	return DLR_TEXT_EINVAL;
}

/*
 * Offset where the value after a colon at p[val] starts: blanks after the colon
 * are skipped unless what follows them is the next key (then the value is empty).
 */
static size_t value_start(const uint8_t *p, size_t len, size_t val)
{
	size_t o = skip_blanks(p, len, val), dummy;

	if (o > val && (o == len || match_key(p, len, o, &dummy) != KEY_NONE))
		return val;
	return o;
}

int dlr_text_decode(const uint8_t *p, size_t len, struct dlr_text *out)
{
	size_t off, end = len;
	unsigned seen = 0;

	memset(out, 0, sizeof(*out));
	if (len > INT_MAX)
		return DLR_TEXT_EINVAL;
	while (end > 0 && p[end - 1] == '\0')
		end--;
	off = skip_blanks(p, end, 0);
	while (off < end) {
		size_t val, vend;
		enum dlr_key k = match_key(p, end, off, &val);
		int rc;

		if (k == KEY_NONE) {
			if (seen == 0)
				return DLR_TEXT_ENOTRECEIPT;
			while (off < end && !is_blank(p[off]))
				off++;
			off = skip_blanks(p, end, off);
			continue;
		}
		if (seen & key_bit[k])
			return DLR_TEXT_EDUP;
		seen |= key_bit[k];
		if (k == KEY_TEXT) {
			store_text(out, p + val, end - val);
			out->fields |= DLR_TEXT_HAS_TEXT;
			break;
		}
		val = value_start(p, end, val);
		for (vend = val; vend < end && !is_sep(p[vend]); vend++)
			;
		rc = store_value(out, k, p + val, vend - val);
		if (rc < 0)
			return rc;
		if (rc == 0)
			out->fields |= key_bit[k];
		off = vend;
		while (off < end && is_sep(p[off]))
			off++;
	}
	if (!(out->fields & (DLR_TEXT_HAS_ID | DLR_TEXT_HAS_STAT)))
		return DLR_TEXT_ENOTRECEIPT;
	return (int)len;
}

/* A bounded appender for the formatter. */
struct out_buf {
	char *p;
	size_t cap, len;
	bool overflow;
};

static void put(struct out_buf *b, const void *s, size_t n)
{
	if (b->overflow || b->cap - b->len <= n) {
		b->overflow = true;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void puts_(struct out_buf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* Starts a field: "key:", after a space unless it is the first. */
static void put_key(struct out_buf *b, const char *key)
{
	if (b->len > 0)
		put(b, " ", 1);
	puts_(b, key);
	put(b, ":", 1);
}

static bool token_ok(const char *s, size_t max, bool may_be_empty)
{
	size_t n = strnlen(s, max + 1);

	if (n > max || (n == 0 && !may_be_empty))
		return false;
	for (size_t i = 0; i < n; i++)
		if (is_sep((uint8_t)s[i]))
			return false;
	return true;
}

static void put_date(struct out_buf *b, const char *key,
		     const struct dlr_text_date *d)
{
	char tmp[32];

	put_key(b, key);
	snprintf(tmp, sizeof(tmp), "%02u%02u%02u%02u%02u", d->yy, d->mon, d->day,
		 d->hour, d->min);
	puts_(b, tmp);
	if (d->has_sec) {
		snprintf(tmp, sizeof(tmp), "%02u", d->sec);
		puts_(b, tmp);
	}
}

static int encode_check(const struct dlr_text *r, const char **stat)
{
	unsigned f = r->fields;

	if (!(f & (DLR_TEXT_HAS_ID | DLR_TEXT_HAS_STAT)))
		return DLR_TEXT_EINVAL;
	if ((f & DLR_TEXT_HAS_ID) && !token_ok(r->id, DLR_TEXT_ID_MAX, false))
		return DLR_TEXT_EINVAL;
	if (((f & DLR_TEXT_HAS_SUB) && r->sub > 999999999u) ||
	    ((f & DLR_TEXT_HAS_DLVRD) && r->dlvrd > 999999999u))
		return DLR_TEXT_EINVAL;
	if (((f & DLR_TEXT_HAS_SUBMIT) && !date_valid(&r->submit)) ||
	    ((f & DLR_TEXT_HAS_DONE) && !date_valid(&r->done)))
		return DLR_TEXT_EINVAL;
	if ((f & DLR_TEXT_HAS_ERR) && !token_ok(r->err, DLR_TEXT_ERR_MAX, true))
		return DLR_TEXT_EINVAL;
	if ((f & DLR_TEXT_HAS_TEXT) && r->text_len > DLR_TEXT_TEXT_MAX)
		return DLR_TEXT_EINVAL;
	*stat = r->stat[0] != '\0' ? r->stat : dlr_text_state_word(r->state);
	if ((f & DLR_TEXT_HAS_STAT) &&
	    (*stat == NULL || !token_ok(*stat, DLR_TEXT_STAT_MAX, false)))
		return DLR_TEXT_EINVAL;
	return 0;
}

int dlr_text_encode(const struct dlr_text *r, char *dst, size_t cap)
{
	struct out_buf b = { dst, cap, 0, cap == 0 };
	const char *stat = NULL;
	char tmp[32];
	int rc = encode_check(r, &stat);

	if (rc < 0)
		return rc;
	if (cap > 0)
		dst[0] = '\0';
	if (r->fields & DLR_TEXT_HAS_ID) {
		put_key(&b, "id");
		puts_(&b, r->id);
	}
	if (r->fields & DLR_TEXT_HAS_SUB) {
		put_key(&b, "sub");
		snprintf(tmp, sizeof(tmp), "%03u", (unsigned)r->sub);
		puts_(&b, tmp);
	}
	if (r->fields & DLR_TEXT_HAS_DLVRD) {
		put_key(&b, "dlvrd");
		snprintf(tmp, sizeof(tmp), "%03u", (unsigned)r->dlvrd);
		puts_(&b, tmp);
	}
	if (r->fields & DLR_TEXT_HAS_SUBMIT)
		put_date(&b, "submit date", &r->submit);
	if (r->fields & DLR_TEXT_HAS_DONE)
		put_date(&b, "done date", &r->done);
	if (r->fields & DLR_TEXT_HAS_STAT) {
		put_key(&b, "stat");
		puts_(&b, stat);
	}
	if (r->fields & DLR_TEXT_HAS_ERR) {
		put_key(&b, "err");
		puts_(&b, r->err);
	}
	if (r->fields & DLR_TEXT_HAS_TEXT) {
		put_key(&b, "text");
		put(&b, r->text, r->text_len);
	}
	if (b.overflow)
		return DLR_TEXT_ESPACE;
	return (int)b.len;
}

const char *dlr_text_strerror(int err)
{
	switch (err) {
	case DLR_TEXT_ENOTRECEIPT:
		return "not a delivery receipt";
	case DLR_TEXT_EID:
		return "receipt id empty or too long";
	case DLR_TEXT_ECOUNT:
		return "receipt sub/dlvrd not a number";
	case DLR_TEXT_EDATE:
		return "receipt date not YYMMDDhhmm[ss]";
	case DLR_TEXT_ESTAT:
		return "receipt stat empty or too long";
	case DLR_TEXT_EERR:
		return "receipt err too long";
	case DLR_TEXT_EDUP:
		return "receipt key repeated";
	case DLR_TEXT_ESPACE:
		return "receipt does not fit the buffer";
	case DLR_TEXT_EINVAL:
		return "invalid receipt field";
	default:
		return err >= 0 ? "no error" : "unknown receipt error";
	}
}

static const struct {
	const char *word;
	enum dlr_text_state state;
} state_words[] = {
	{ "ENROUTE", DLR_TEXT_STATE_ENROUTE },
	{ "DELIVRD", DLR_TEXT_STATE_DELIVERED },
	{ "EXPIRED", DLR_TEXT_STATE_EXPIRED },
	{ "DELETED", DLR_TEXT_STATE_DELETED },
	{ "UNDELIV", DLR_TEXT_STATE_UNDELIVERABLE },
	{ "ACCEPTD", DLR_TEXT_STATE_ACCEPTED },
	{ "UNKNOWN", DLR_TEXT_STATE_UNKNOWN },
	{ "REJECTD", DLR_TEXT_STATE_REJECTED },
	/* The message_state names, which some SMSCs write instead. */
	{ "DELIVERED", DLR_TEXT_STATE_DELIVERED },
	{ "UNDELIVERABLE", DLR_TEXT_STATE_UNDELIVERABLE },
	{ "ACCEPTED", DLR_TEXT_STATE_ACCEPTED },
	{ "REJECTED", DLR_TEXT_STATE_REJECTED },
};

enum dlr_text_state dlr_text_state_from_word(const char *w, size_t len)
{
	for (size_t i = 0; i < sizeof(state_words) / sizeof(state_words[0]); i++) {
		const char *s = state_words[i].word;
		size_t j;

		if (strlen(s) != len)
			continue;
		for (j = 0; j < len; j++)
			if (lower((uint8_t)w[j]) != lower((uint8_t)s[j]))
				break;
		if (j == len)
			return state_words[i].state;
	}
	return DLR_TEXT_STATE_NONE;
}

const char *dlr_text_state_word(enum dlr_text_state s)
{
	if (s < DLR_TEXT_STATE_ENROUTE || s > DLR_TEXT_STATE_REJECTED)
		return NULL;
	return state_words[s - 1].word;
}

bool dlr_text_state_final(enum dlr_text_state s)
{
	return s >= DLR_TEXT_STATE_DELIVERED && s <= DLR_TEXT_STATE_REJECTED;
}

/* Reads err as decimal, or as hex after 0x; false when it is neither. */
static bool err_number(const char *err, uint64_t *v)
{
	size_t n;

	if (err == NULL)
		return false;
	n = strnlen(err, DLR_TEXT_ERR_MAX + 1);
	if (n > 2 && err[0] == '0' && (err[1] == 'x' || err[1] == 'X'))
		return dlr_text_id_value(err + 2, n - 2, 16, v) == 0;
	return dlr_text_id_value(err, n, 10, v) == 0;
}

static int status_from_smpp(uint64_t cs)
{
	switch (cs) {
	case 0x01: case 0x0A: case 0x0B: case 0x43: case 0x45: case 0x48:
	case 0x49: case 0x50: case 0x51: case 0x58: case 0x61:
		return (int)cs;
	default:
		return -1;
	}
}

static int status_from_map(uint64_t e)
{
	static const uint8_t map[][2] = {
		{ 6, 2 },   { 27, 2 },	{ 9, 12 },  { 11, 13 }, { 12, 14 },
		{ 13, 15 }, { 21, 16 }, { 31, 17 }, { 33, 19 }, { 34, 18 },
		{ 35, 20 }, { 36, 21 }, { 51, 22 }, { 52, 23 }, { 71, 24 },
		{ 72, 25 },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i][0] == e)
			return map[i][1];
	return -1;
}

int dlr_text_status_code(enum dlr_text_state s, const char *err,
			 enum dlr_text_err_kind kind)
{
	uint64_t e;
	int refined = -1;

	if ((s == DLR_TEXT_STATE_UNDELIVERABLE || s == DLR_TEXT_STATE_REJECTED) &&
	    err_number(err, &e) && e != 0) {
		if (kind == DLR_TEXT_ERRKIND_SMPP)
			refined = status_from_smpp(e);
		else if (kind == DLR_TEXT_ERRKIND_MAP)
			refined = status_from_map(e);
	}
	if (refined >= 0)
		return refined;
	switch (s) {
	case DLR_TEXT_STATE_DELIVERED:
		return DLR_TEXT_STATUS_DELIVERED;
	case DLR_TEXT_STATE_ENROUTE:
		return DLR_TEXT_STATUS_SENT;
	case DLR_TEXT_STATE_ACCEPTED:
		return DLR_TEXT_STATUS_ACCEPTED;
	case DLR_TEXT_STATE_UNDELIVERABLE:
		return DLR_TEXT_STATUS_UNDELIVERABLE;
	case DLR_TEXT_STATE_DELETED:
		return DLR_TEXT_STATUS_DELETED;
	case DLR_TEXT_STATE_EXPIRED:
		return DLR_TEXT_STATUS_EXPIRED;
	case DLR_TEXT_STATE_REJECTED:
		return DLR_TEXT_STATUS_REJECTED;
	default:
		return DLR_TEXT_STATUS_UNKNOWN_ERROR;
	}
}

int dlr_text_id_value(const char *id, size_t len, unsigned base, uint64_t *out)
{
	uint64_t v = 0;

	if ((base != 10 && base != 16) || len == 0)
		return DLR_TEXT_EINVAL;
	for (size_t i = 0; i < len; i++) {
		int d = bytes_hexval((unsigned char)id[i]);

		if (d < 0 || d >= (int)base || v > (UINT64_MAX - (uint64_t)d) / base)
			return DLR_TEXT_EINVAL;
		v = v * base + (uint64_t)d;
	}
	*out = v;
	return 0;
}

int dlr_text_id_format(uint64_t v, unsigned base, char *dst, size_t cap)
{
	char tmp[24];
	size_t n = 0;

	if (base != 10 && base != 16)
		return DLR_TEXT_EINVAL;
	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v > 0);
	if (cap <= n)
		return DLR_TEXT_ESPACE;
	for (size_t i = 0; i < n; i++)
		dst[i] = tmp[n - 1 - i];
	dst[n] = '\0';
	return (int)n;
}

int dlr_text_id_canon(const char *id, size_t len, unsigned flags, char *dst,
		      size_t cap)
{
	uint64_t v;

	if (len == 0 || len > DLR_TEXT_ID_MAX)
		return DLR_TEXT_EID;
	if (dlr_text_id_value(id, len, (flags & DLR_TEXT_ID_HEX) ? 16 : 10, &v) == 0)
		return dlr_text_id_format(v, 10, dst, cap);
	if (cap <= len)
		return DLR_TEXT_ESPACE;
	for (size_t i = 0; i < len; i++)
		dst[i] = (flags & DLR_TEXT_ID_FOLD_CASE) ? (char)lower((uint8_t)id[i])
							 : id[i];
	dst[len] = '\0';
	return (int)len;
}
