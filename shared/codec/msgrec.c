/*
 * msgrec — the packed `m` field of a message record (see msgrec.h).
 * Layer: shared/codec, pure.
 */
#include "config.h"

#include "shared/codec/msgrec.h"

#include <string.h>

long msgrec_size(const struct msgrec *m)
{
	const struct bytes_span *s8[] = { &m->acct, &m->to, &m->from, &m->link,
					  &m->origin, &m->mess_id, &m->dlr_mask };
	long n = MSGREC_FIXED + 2;

	if ((m->flags & ~(unsigned)MSGREC_DLR) != 0 ||
	    !bytes_span_ok(&m->dlr_url, MSGREC_URL_MAX))
		return MSGREC_E_ARG;
	for (size_t i = 0; i < sizeof(s8) / sizeof(s8[0]); i++) {
		if (!bytes_span_ok(s8[i], MSGREC_STR_MAX))
			return MSGREC_E_ARG;
		n += 1 + (long)s8[i]->len;
	}
	return n + (long)m->dlr_url.len;
}

long msgrec_encode(const struct msgrec *m, uint8_t *buf, size_t cap)
{
	struct bytes_writer w;
	long size = msgrec_size(m);

	if (size < 0)
		return size;
	if ((size_t)size > cap)
		return MSGREC_E_SPACE;
	bytes_writer_init(&w, buf, cap);
	bytes_put_u8(&w, MSGREC_VERSION);
	bytes_put_u8(&w, (uint8_t)m->flags);
	bytes_put_u32(&w, (uint32_t)(m->ts >> 32));
	bytes_put_u32(&w, (uint32_t)m->ts);
	bytes_put_span8(&w, &m->acct);
	bytes_put_span8(&w, &m->to);
	bytes_put_span8(&w, &m->from);
	bytes_put_span8(&w, &m->link);
	bytes_put_span8(&w, &m->origin);
	bytes_put_span8(&w, &m->mess_id);
	bytes_put_span8(&w, &m->dlr_mask);
	bytes_put_span16(&w, &m->dlr_url);
	return w.overflow ? MSGREC_E_SPACE : (long)w.len;
}

long msgrec_decode(const uint8_t *p, size_t len, struct msgrec *out)
{
	struct bytes_reader r;
	uint8_t version, flags;
	uint32_t hi, lo;

	bytes_reader_init(&r, p, len);
	if (bytes_get_u8(&r, &version) != 0)
		return MSGREC_E_SHORT;
	if (version != MSGREC_VERSION)
		return MSGREC_E_VERSION;
	if (bytes_get_u8(&r, &flags) != 0 || bytes_get_u32(&r, &hi) != 0 ||
	    bytes_get_u32(&r, &lo) != 0)
		return MSGREC_E_SHORT;
	if ((flags & ~MSGREC_DLR) != 0)
		return MSGREC_E_FIELD;
	out->flags = flags;
	out->ts = (uint64_t)hi << 32 | lo;
	if (bytes_get_span8(&r, &out->acct) != 0 ||
	    bytes_get_span8(&r, &out->to) != 0 ||
	    bytes_get_span8(&r, &out->from) != 0 ||
	    bytes_get_span8(&r, &out->link) != 0 ||
	    bytes_get_span8(&r, &out->origin) != 0 ||
	    bytes_get_span8(&r, &out->mess_id) != 0 ||
	    bytes_get_span8(&r, &out->dlr_mask) != 0 ||
	    bytes_get_span16(&r, &out->dlr_url) != 0)
		return MSGREC_E_SHORT;
	if (bytes_left(&r) != 0)
		return MSGREC_E_TRAILING;
	return (long)len;
}

const char *msgrec_strerror(long err)
{
	switch (err) {
	case MSGREC_E_SHORT:
		return "truncated";
	case MSGREC_E_VERSION:
		return "unknown version";
	case MSGREC_E_FIELD:
		return "unknown flags";
	case MSGREC_E_TRAILING:
		return "octets after the last field";
	case MSGREC_E_SPACE:
		return "buffer too small";
	case MSGREC_E_ARG:
		return "field over its limit";
	default:
		return "unknown error";
	}
}

int msgrec_cstr(const struct bytes_span *s, char *dst, size_t cap)
{
	if (cap == 0)
		return -1;
	dst[0] = '\0';
	if (s->len >= cap || (s->len > 0 && memchr(s->p, '\0', s->len) != NULL))
		return -1;
	if (s->len > 0)
		memcpy(dst, s->p, s->len);
	dst[s->len] = '\0';
	return 0;
}
