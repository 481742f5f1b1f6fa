/*
 * qentry — the packed `m` field of an outbound queue entry (see qentry.h).
 * Layer: shared/codec, pure.
 */
#include "config.h"

#include "shared/codec/qentry.h"

#include "shared/util/bytes.h"

/* True when e needs version 2: it has something version 1 cannot hold. */
static bool qentry_v2(const struct qentry *e)
{
	return (e->flags & QENTRY_ACK) != 0 || e->deferred != 0 ||
	       e->priority != 0 || e->mclass != 0;
}

static bool qentry_valid(const struct qentry *e)
{
	if ((e->flags & ~(unsigned)(QENTRY_FLASH | QENTRY_DLR | QENTRY_ACK)) != 0)
		return false;
	if (e->priority > 3 || e->mclass > 3 ||
	    (e->mclass != 0 && (e->flags & QENTRY_FLASH) != 0))
		return false;
	if (e->deferred < 0 || e->deferred > QENTRY_VALIDITY_MAX)
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

long qentry_size(const struct qentry *e)
{
	if (!qentry_valid(e) || !bytes_span_ok(&e->acct, QENTRY_STR_MAX) ||
	    !bytes_span_ok(&e->from, QENTRY_STR_MAX) ||
	    !bytes_span_ok(&e->origin, QENTRY_STR_MAX) ||
	    !bytes_span_ok(&e->udh, QENTRY_STR_MAX) ||
	    !bytes_span_ok(&e->data, QENTRY_DATA_MAX))
		return QENTRY_E_ARG;
	return (long)((qentry_v2(e) ? QENTRY_FIXED2 : QENTRY_FIXED) + 4 +
		      e->acct.len + e->from.len +
		      e->origin.len + e->udh.len + 2 + e->data.len);
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
	bytes_put_u8(&w, qentry_v2(e) ? 2 : 1);
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
	if (qentry_v2(e)) {
		bytes_put_u32(&w, (uint32_t)e->deferred);
		bytes_put_u8(&w, (uint8_t)e->priority);
		bytes_put_u8(&w, (uint8_t)e->mclass);
	}
	bytes_put_span8(&w, &e->acct);
	bytes_put_span8(&w, &e->from);
	bytes_put_span8(&w, &e->origin);
	bytes_put_span8(&w, &e->udh);
	bytes_put_span16(&w, &e->data);
	return w.overflow ? QENTRY_E_SPACE : (long)w.len;
}

long qentry_decode(const uint8_t *p, size_t len, struct qentry *out)
{
	struct bytes_reader r;
	uint8_t version, flags, coding, part, parts, sar_total, sar_seq;
	uint8_t priority = 0, mclass = 0;
	uint16_t sar_ref;
	uint32_t ts_hi, ts_lo, validity, deferred = 0;

	bytes_reader_init(&r, p, len);
	if (bytes_get_u8(&r, &version) != 0)
		return QENTRY_E_SHORT;
	if (version != 1 && version != 2)
		return QENTRY_E_VERSION;
	if (bytes_get_u8(&r, &flags) != 0 || bytes_get_u8(&r, &coding) != 0 ||
	    bytes_get_u8(&r, &part) != 0 || bytes_get_u8(&r, &parts) != 0 ||
	    bytes_get_u16(&r, &sar_ref) != 0 ||
	    bytes_get_u8(&r, &sar_total) != 0 ||
	    bytes_get_u8(&r, &sar_seq) != 0 || bytes_get_u32(&r, &ts_hi) != 0 ||
	    bytes_get_u32(&r, &ts_lo) != 0 || bytes_get_u32(&r, &validity) != 0)
		return QENTRY_E_SHORT;
	if (version == 2 && (bytes_get_u32(&r, &deferred) != 0 ||
			     bytes_get_u8(&r, &priority) != 0 ||
			     bytes_get_u8(&r, &mclass) != 0))
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
	out->deferred = deferred;
	out->priority = priority;
	out->mclass = mclass;
	/* a version 2 entry holds something of version 2 (one encoding per
	 * entry); version 1 has no ack flag */
	if (!qentry_valid(out) || qentry_v2(out) != (version == 2))
		return QENTRY_E_FIELD;
	if (bytes_get_span8(&r, &out->acct) != 0 ||
	    bytes_get_span8(&r, &out->from) != 0 ||
	    bytes_get_span8(&r, &out->origin) != 0 ||
	    bytes_get_span8(&r, &out->udh) != 0 ||
	    bytes_get_span16(&r, &out->data) != 0)
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
