/*
 * sb_cb_fmt — serialized callbacks, delivery-report URLs, Kannel dlr-url
 * escapes and MO bodies for the smsbox's callbacks worker (sb_callback.c).
 * Pure: writes only into the caller's buffers.
 */
#include "config.h"

#include "smsbox/sb_cb_fmt.h"

#include <stdio.h>
#include <string.h>

#include "shared/codec/http_params.h"

#define SB_CB_MEMBER_VERSION "1"
#define SB_CB_BACKOFF_CAP_MS (24ull * 3600 * 1000)

/* Appends "name=value" (value percent-encoded) with '&' before all but the
 * first pair. */
static int put_pair(char *dst, size_t cap, size_t *len, const char *name,
		    const void *v, size_t vlen)
{
	if (http_params_append(dst, cap, len, name, v, vlen) < 0)
		return SB_CB_ESPACE;
	return 0;
}

static int put_str(char *dst, size_t cap, size_t *len, const char *name,
		   const char *v)
{
	return put_pair(dst, cap, len, name, v, strlen(v));
}

int sb_cb_member_encode(const struct sb_cb_item *it, char *dst, size_t cap)
{
	char num[24], first[24];
	size_t len = 0;

	if (cap == 0)
		return SB_CB_ESPACE;
	dst[0] = '\0';
	snprintf(num, sizeof(num), "%u", it->tries);
	snprintf(first, sizeof(first), "%llu", (unsigned long long)it->first_ms);
	if (put_str(dst, cap, &len, "v", SB_CB_MEMBER_VERSION) < 0 ||
	    put_str(dst, cap, &len, "k", it->kind == SB_CB_MO ? "mo" : "dlr") < 0 ||
	    put_str(dst, cap, &len, "id", it->uid) < 0 ||
	    put_str(dst, cap, &len, "a", it->acct) < 0 ||
	    put_str(dst, cap, &len, "i", it->mid) < 0 ||
	    put_str(dst, cap, &len, "n", num) < 0 ||
	    put_str(dst, cap, &len, "t", first) < 0 ||
	    put_str(dst, cap, &len, "u", it->url) < 0 ||
	    put_pair(dst, cap, &len, "b", it->body, it->body_len) < 0 ||
	    (it->error[0] && put_str(dst, cap, &len, "e", it->error) < 0))
		return SB_CB_ESPACE;
	return (int)len;
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes p[0..len) into dst[0..cap) with a NUL after it. Returns the
 * decoded length, SB_CB_EFORMAT for a bad escape or (unless nul_ok) a NUL,
 * SB_CB_ESPACE. */
static int unescape_any(const uint8_t *p, size_t len, char *dst, size_t cap,
			bool nul_ok)
{
	size_t i, n = 0;
	int hi, lo;
	uint8_t c;

	for (i = 0; i < len; i++) {
		c = p[i];
		if (c == '%') {
			if (len - i < 3)
				return SB_CB_EFORMAT;
			hi = hexval(p[i + 1]);
			lo = hexval(p[i + 2]);
			if (hi < 0 || lo < 0)
				return SB_CB_EFORMAT;
			c = (uint8_t)(hi << 4 | lo);
			i += 2;
		} else if (c == '+') {
			c = ' ';
		}
		if (c == '\0' && !nul_ok)
			return SB_CB_EFORMAT;
		if (n + 1 >= cap)
			return SB_CB_ESPACE;
		dst[n++] = (char)c;
	}
	if (cap == 0)
		return SB_CB_ESPACE;
	dst[n] = '\0';
	return (int)n;
}

static int unescape(const uint8_t *p, size_t len, char *dst, size_t cap)
{
	return unescape_any(p, len, dst, cap, false);
}

/* Reads a decimal into *out (at most 19 digits). */
static int parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (s[0] == '\0' || strlen(s) > 19)
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Stores one key=value of a member into *out; seen collects required keys. */
static int member_field(const uint8_t *k, size_t klen, const uint8_t *v,
			size_t vlen, struct sb_cb_item *out, unsigned *seen)
{
	char small[24];
	uint64_t u;
	int n;

#define KEY(s) (klen == sizeof(s) - 1 && memcmp(k, s, klen) == 0)
	if (KEY("k")) {
		if (unescape(v, vlen, small, sizeof(small)) < 0)
			return SB_CB_EFORMAT;
		if (strcmp(small, "dlr") == 0)
			out->kind = SB_CB_DLR;
		else if (strcmp(small, "mo") == 0)
			out->kind = SB_CB_MO;
		else
			return SB_CB_EFORMAT;
		*seen |= 1u;
	} else if (KEY("id")) {
		if ((n = unescape(v, vlen, out->uid, sizeof(out->uid))) <= 0)
			return n < 0 ? n : SB_CB_EFORMAT;
		*seen |= 2u;
	} else if (KEY("u")) {
		if ((n = unescape(v, vlen, out->url, sizeof(out->url))) <= 0)
			return n < 0 ? n : SB_CB_EFORMAT;
		*seen |= 4u;
	} else if (KEY("a")) {
		return unescape(v, vlen, out->acct, sizeof(out->acct)) < 0 ?
			SB_CB_EFORMAT : 0;
	} else if (KEY("i")) {
		return unescape(v, vlen, out->mid, sizeof(out->mid)) < 0 ?
			SB_CB_EFORMAT : 0;
	} else if (KEY("e")) {
		return unescape(v, vlen, out->error, sizeof(out->error)) < 0 ?
			SB_CB_EFORMAT : 0;
	} else if (KEY("b")) {
		n = unescape_any(v, vlen, out->body, sizeof(out->body), true);
		if (n < 0)
			return n;
		out->body_len = (size_t)n;
	} else if (KEY("n") || KEY("t")) {
		if (unescape(v, vlen, small, sizeof(small)) < 0 ||
		    parse_u64(small, &u) < 0)
			return SB_CB_EFORMAT;
		if (KEY("n"))
			out->tries = u > 1000 ? 1000 : (unsigned)u;
		else
			out->first_ms = u;
	}
#undef KEY
	return 0;
}

int sb_cb_member_decode(const uint8_t *p, size_t len, struct sb_cb_item *out)
{
	size_t i = 0, j, eq;
	unsigned seen = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (len == 0 || len > SB_CB_MEMBER_MAX)
		return SB_CB_EFORMAT;
	while (i < len) {
		for (j = i; j < len && p[j] != '&'; j++)
			;
		for (eq = i; eq < j && p[eq] != '='; eq++)
			;
		if (eq < j) {
			rc = member_field(p + i, eq - i, p + eq + 1, j - eq - 1,
					  out, &seen);
			if (rc < 0)
				return rc;
		}
		i = j + 1;
	}
	if (seen != 7u)
		return SB_CB_EFORMAT;
	return (int)len;
}

int sb_cb_dlr_url(char *dst, size_t cap, const char *base, const char *mess_id,
		  int code, const char *number)
{
	size_t len = strlen(base);
	char st[16];

	if (len == 0)
		return SB_CB_EINVAL;
	if (len + 2 > cap)
		return SB_CB_ESPACE;
	memcpy(dst, base, len + 1);
	/* http_params_append adds '&' unless the text ends in '?' or '&'. */
	if (strchr(base, '?') == NULL) {
		dst[len++] = '?';
		dst[len] = '\0';
	}
	snprintf(st, sizeof(st), "%d", code);
	if (put_str(dst, cap, &len, "mess_id", mess_id) < 0 ||
	    put_str(dst, cap, &len, "status", st) < 0 ||
	    put_str(dst, cap, &len, "number", number) < 0)
		return SB_CB_ESPACE;
	return (int)len;
}

int sb_cb_kannel_type(const char *stat)
{
	if (strcmp(stat, "DELIVRD") == 0)
		return SB_CB_KANNEL_DELIVERED;
	if (strcmp(stat, "ACCEPTD") == 0 || strcmp(stat, "ACK") == 0)
		return SB_CB_KANNEL_SMSC_ACK;
	if (strcmp(stat, "ENROUTE") == 0)
		return SB_CB_KANNEL_BUFFERED;
	return SB_CB_KANNEL_FAILED;
}

int sb_cb_kannel_event_type(const char *stat, bool nack)
{
	int t = sb_cb_kannel_type(stat);

	return nack && t == SB_CB_KANNEL_FAILED ? SB_CB_KANNEL_SMSC_REJECT : t;
}

bool sb_cb_kannel_mask_allows(const char *mask, int type)
{
	uint64_t m;

	if (parse_u64(mask, &m) < 0 || m == 0 || m > 31)
		return true;
	return (m & (uint64_t)type) != 0;
}

/* Appends v percent-encoded at dst[*len..cap). */
static int put_enc(char *dst, size_t cap, size_t *len, const char *v)
{
	int n = http_params_encode((const uint8_t *)v, strlen(v), 0,
				   dst + *len, cap - *len);

	if (n < 0)
		return SB_CB_ESPACE;
	*len += (size_t)n;
	return 0;
}

int sb_cb_kannel_expand(char *dst, size_t cap, const char *tmpl,
			const struct sb_cb_kannel_vars *v)
{
	size_t len = 0, i;
	char num[24];
	const char *s;

	for (i = 0; tmpl[i] != '\0'; i++) {
		s = NULL;
		if (tmpl[i] == '%' && tmpl[i + 1] != '\0') {
			switch (tmpl[i + 1]) {
			case 'd': snprintf(num, sizeof(num), "%d", v->type); s = num; break;
			case 'p': s = v->sender; break;
			case 'P': s = v->receiver; break;
			case 'A': s = v->text; break;
			case 'T':
				snprintf(num, sizeof(num), "%llu",
					 (unsigned long long)v->unix_s);
				s = num;
				break;
			case 'I': s = v->id; break;
			case '%': s = "%"; break;
			default: break;
			}
		}
		if (s == NULL && (tmpl[i] != '%' || tmpl[i + 1] == '\0' ||
				  strchr("dpPATI%", tmpl[i + 1]) == NULL)) {
			if (len + 1 >= cap)
				return SB_CB_ESPACE;
			dst[len++] = tmpl[i];
			continue;
		}
		i++;
		if (tmpl[i] == '%') {
			if (len + 1 >= cap)
				return SB_CB_ESPACE;
			dst[len++] = '%';
		} else if (put_enc(dst, cap, &len, s != NULL ? s : "") < 0) {
			return SB_CB_ESPACE;
		}
	}
	if (len >= cap)
		return SB_CB_ESPACE;
	dst[len] = '\0';
	return (int)len;
}

bool sb_cb_kannel_uses(const char *tmpl, char c)
{
	size_t i;

	for (i = 0; tmpl[i] != '\0'; i++) {
		if (tmpl[i] != '%' || tmpl[i + 1] == '\0')
			continue;
		if (tmpl[i + 1] == c)
			return true;
		i++;	/* skip the escaped character, so "%%p" is not %p */
	}
	return false;
}

static int put_form(char *dst, size_t cap, size_t *len, const char *name,
		    const void *v, size_t vlen)
{
	size_t n = *len;
	int w;

	if (n > 0) {
		if (n + 1 >= cap)
			return SB_CB_ESPACE;
		dst[n++] = '&';
	}
	w = http_params_encode((const uint8_t *)name, strlen(name),
			       HTTP_PARAMS_ENC_PLUS, dst + n, cap - n);
	if (w < 0 || n + (size_t)w + 1 >= cap)
		return SB_CB_ESPACE;
	n += (size_t)w;
	dst[n++] = '=';
	w = http_params_encode(v, vlen, HTTP_PARAMS_ENC_PLUS, dst + n, cap - n);
	if (w < 0)
		return SB_CB_ESPACE;
	*len = n + (size_t)w;
	return 0;
}

int sb_cb_mo_body(char *dst, size_t cap, const char *dcs, const char *org,
		  const char *dest, const uint8_t *text, size_t text_len)
{
	size_t len = 0;

	if (cap == 0)
		return SB_CB_ESPACE;
	dst[0] = '\0';
	if (put_form(dst, cap, &len, "dcs", dcs, strlen(dcs)) < 0 ||
	    put_form(dst, cap, &len, "org", org, strlen(org)) < 0 ||
	    put_form(dst, cap, &len, "dest", dest, strlen(dest)) < 0 ||
	    put_form(dst, cap, &len, "message", text, text_len) < 0)
		return SB_CB_ESPACE;
	return (int)len;
}

int sb_cb_mo_full_body(char *dst, size_t cap, const struct sb_cb_item *it,
		       const char *pass)
{
	size_t len = 0;

	if (cap == 0)
		return SB_CB_ESPACE;
	dst[0] = '\0';
	if (put_form(dst, cap, &len, "user", it->acct, strlen(it->acct)) < 0 ||
	    put_form(dst, cap, &len, "pass", pass, strlen(pass)) < 0)
		return SB_CB_ESPACE;
	if (it->body_len > 0) {
		if (len + 1 + it->body_len >= cap)
			return SB_CB_ESPACE;
		dst[len++] = '&';
		memcpy(dst + len, it->body, it->body_len);
		len += it->body_len;
	}
	dst[len] = '\0';
	return (int)len;
}

uint64_t sb_cb_backoff_ms(uint64_t delay_ms, unsigned retry)
{
	uint64_t d = delay_ms;
	unsigned i;

	for (i = 1; i < retry && d < SB_CB_BACKOFF_CAP_MS; i++)
		d *= 2;
	return d > SB_CB_BACKOFF_CAP_MS ? SB_CB_BACKOFF_CAP_MS : d;
}
