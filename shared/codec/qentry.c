/*
 * qentry — the packed `m` field of an outbound queue entry (see qentry.h).
 * Layer: shared/codec, pure.
 */
#include "config.h"

#include "shared/codec/qentry.h"

#include "shared/util/bytes.h"

static bool qentry_valid(const struct qentry *e)
{
	if ((e->flags & ~(unsigned)(QENTRY_FLASH | QENTRY_DLR)) != 0)
		return false;
	if (e->coding != 0 && e->coding != 4 && e->coding != 8)
		return false;
	if (e->part < 1 || e->part > e->parts || e->parts > 255)
		return false;
	if (e->sar_ref > 65535 || e->sar_total > 255)
		return false;
	if (e->sar_total == 0 ? e->sar_ref != 0 || e->sar_seq != 0 :
	    e->sar_seq < 1 || e->sar_seq > e->sar_total)
		return false;
	return e->validity >= -1 && e->validity <= QENTRY_VALIDITY_MAX;
}

static bool qentry_str_ok(const struct qentry_str *s, size_t max)
{
	return s->len <= max && (s->len == 0 || s->p != NULL);
}

long qentry_size(const struct qentry *e)
{
	if (!qentry_valid(e) || !qentry_str_ok(&e->acct, QENTRY_STR_MAX) ||
	    !qentry_str_ok(&e->from, QENTRY_STR_MAX) ||
	    !qentry_str_ok(&e->origin, QENTRY_STR_MAX) ||
	    !qentry_str_ok(&e->udh, QENTRY_STR_MAX) ||
	    !qentry_str_ok(&e->data, QENTRY_DATA_MAX))
		return QENTRY_E_ARG;
	return (long)(QENTRY_FIXED + 4 + e->acct.len + e->from.len +
		      e->origin.len + e->udh.len + 2 + e->data.len);
}

static void qentry_put_str8(struct bytes_writer *w, const struct qentry_str *s)
{
	bytes_put_u8(w, (uint8_t)s->len);
	if (s->len > 0)
		bytes_put_raw(w, s->p, s->len);
}

long qentry_encode(const struct qentry *e, uint8_t *buf, size_t cap)
{
	struct bytes_writer w;
	long size = qentry_size(e);

	if (size < 0)
		return size;
	if ((size_t)size > cap)
		return QENTRY_E_SPACE;
	bytes_writer_init(&w, buf, cap);
	bytes_put_u8(&w, QENTRY_VERSION);
	bytes_put_u8(&w, (uint8_t)e->flags);
	bytes_put_u8(&w, (uint8_t)e->coding);
	bytes_put_u8(&w, (uint8_t)e->part);
	bytes_put_u8(&w, (uint8_t)e->parts);
	bytes_put_u16(&w, (uint16_t)e->sar_ref);
	bytes_put_u8(&w, (uint8_t)e->sar_total);
	bytes_put_u8(&w, (uint8_t)e->sar_seq);
	bytes_put_u32(&w, (uint32_t)(e->ts >> 32));
	bytes_put_u32(&w, (uint32_t)e->ts);
	bytes_put_u32(&w, (uint32_t)(e->validity + 1));
	qentry_put_str8(&w, &e->acct);
	qentry_put_str8(&w, &e->from);
	qentry_put_str8(&w, &e->origin);
	qentry_put_str8(&w, &e->udh);
	bytes_put_u16(&w, (uint16_t)e->data.len);
	if (e->data.len > 0)
		bytes_put_raw(&w, e->data.p, e->data.len);
	return w.overflow ? QENTRY_E_SPACE : (long)w.len;
}

/* A string of n octets at the reader's position, whose length came first. */
static int qentry_get_str(struct bytes_reader *r, size_t n,
			  struct qentry_str *s)
{
	s->p = r->p + r->off;
	s->len = n;
	return bytes_skip(r, n);
}

static int qentry_get_str8(struct bytes_reader *r, struct qentry_str *s)
{
	uint8_t n;

	if (bytes_get_u8(r, &n) != 0)
		return -1;
	return qentry_get_str(r, n, s);
}

long qentry_decode(const uint8_t *p, size_t len, struct qentry *out)
{
	struct bytes_reader r;
	uint8_t version, flags, coding, part, parts, sar_total, sar_seq;
	uint16_t sar_ref, dlen;
	uint32_t ts_hi, ts_lo, validity;

	bytes_reader_init(&r, p, len);
	if (bytes_get_u8(&r, &version) != 0)
		return QENTRY_E_SHORT;
	if (version != QENTRY_VERSION)
		return QENTRY_E_VERSION;
	if (bytes_get_u8(&r, &flags) != 0 || bytes_get_u8(&r, &coding) != 0 ||
	    bytes_get_u8(&r, &part) != 0 || bytes_get_u8(&r, &parts) != 0 ||
	    bytes_get_u16(&r, &sar_ref) != 0 ||
	    bytes_get_u8(&r, &sar_total) != 0 ||
	    bytes_get_u8(&r, &sar_seq) != 0 || bytes_get_u32(&r, &ts_hi) != 0 ||
	    bytes_get_u32(&r, &ts_lo) != 0 || bytes_get_u32(&r, &validity) != 0)
		return QENTRY_E_SHORT;
	out->flags = flags;
	out->coding = coding;
	out->part = part;
	out->parts = parts;
	out->sar_ref = sar_ref;
	out->sar_total = sar_total;
	out->sar_seq = sar_seq;
	out->ts = (uint64_t)ts_hi << 32 | ts_lo;
	out->validity = (int64_t)validity - 1;
	if (!qentry_valid(out))
		return QENTRY_E_FIELD;
	if (qentry_get_str8(&r, &out->acct) != 0 ||
	    qentry_get_str8(&r, &out->from) != 0 ||
	    qentry_get_str8(&r, &out->origin) != 0 ||
	    qentry_get_str8(&r, &out->udh) != 0 || bytes_get_u16(&r, &dlen) != 0 ||
	    qentry_get_str(&r, dlen, &out->data) != 0)
		return QENTRY_E_SHORT;
	if (bytes_left(&r) != 0)
		return QENTRY_E_TRAILING;
	return (long)len;
}

const char *qentry_strerror(long err)
{
	switch (err) {
	case QENTRY_E_SHORT:
		return "truncated";
	case QENTRY_E_VERSION:
		return "unknown version";
	case QENTRY_E_FIELD:
		return "value out of range";
	case QENTRY_E_TRAILING:
		return "octets after the data";
	case QENTRY_E_SPACE:
		return "buffer too small";
	case QENTRY_E_ARG:
		return "field over its limit";
	default:
		return "unknown error";
	}
}
