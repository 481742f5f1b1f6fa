/*
 * concat — MO reassembly rules (protocols.md §1.11): a key per message, a
 * bitmap of received parts, the join in seq order. Pure codec layer.
 */
#include "config.h"

#include "shared/codec/concat.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

int concat_key_init(struct concat_key *k, const char *src, const char *dst,
		    uint16_t ref, uint8_t total)
{
	size_t ls = strlen(src), ld = strlen(dst);

	memset(k, 0, sizeof(*k));
	if (ls >= sizeof(k->src) || ld >= sizeof(k->dst))
		return CONCAT_E_FORMAT;
	if (total == 0)
		return CONCAT_E_TOTAL;
	memcpy(k->src, src, ls);
	memcpy(k->dst, dst, ld);
	k->ref = ref;
	k->total = total;
	return 0;
}

int concat_key_format(const struct concat_key *k, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%zu:%s%zu:%s:%u:%u", strlen(k->src), k->src,
			 strlen(k->dst), k->dst, (unsigned)k->ref,
			 (unsigned)k->total);

	if (n < 0 || (size_t)n >= cap)
		return CONCAT_E_SPACE;
	return n;
}

void concat_init(struct concat_state *s)
{
	memset(s, 0, sizeof(*s));
}

bool concat_has(const struct concat_state *s, uint8_t seq)
{
	if (seq == 0)
		return false;
	return (s->bitmap[(seq - 1) / 8] >> ((seq - 1) % 8)) & 1;
}

int concat_add(struct concat_state *s, uint8_t total, uint8_t seq)
{
	if (total == 0 || (s->total != 0 && s->total != total))
		return CONCAT_E_TOTAL;
	if (seq == 0 || seq > total)
		return CONCAT_E_SEQ;
	s->total = total;
	if (concat_has(s, seq))
		return CONCAT_DUPLICATE;
	s->bitmap[(seq - 1) / 8] |= (uint8_t)(1u << ((seq - 1) % 8));
	s->received++;
	return CONCAT_ADDED;
}

bool concat_complete(const struct concat_state *s)
{
	return s->total != 0 && s->received == s->total;
}

int concat_missing(const struct concat_state *s, uint8_t *seqs, size_t cap)
{
	int n = 0;

	for (unsigned q = 1; q <= s->total; q++) {
		if (concat_has(s, (uint8_t)q))
			continue;
		if ((size_t)n < cap)
			seqs[n] = (uint8_t)q;
		n++;
	}
	return n;
}

int concat_join(const struct concat_state *s, const struct concat_payload *parts,
		uint8_t *out, size_t cap)
{
	size_t w = 0;

	if (!concat_complete(s))
		return CONCAT_E_INCOMPLETE;
	if (cap > INT_MAX)
		cap = INT_MAX;	/* the result is an int */
	for (unsigned i = 0; i < s->total; i++) {
		if (parts[i].len > cap - w)
			return CONCAT_E_SPACE;
		if (parts[i].len)
			memcpy(out + w, parts[i].p, parts[i].len);
		w += parts[i].len;
	}
	return (int)w;
}

int concat_state_encode(const struct concat_state *s, uint8_t *out, size_t cap)
{
	if (cap < CONCAT_STATE_LEN)
		return CONCAT_E_SPACE;
	out[0] = s->total;
	out[1] = s->received;
	memcpy(out + 2, s->bitmap, sizeof(s->bitmap));
	return CONCAT_STATE_LEN;
}

int concat_state_decode(const uint8_t *p, size_t len, struct concat_state *out)
{
	unsigned bits = 0;

	if (len < CONCAT_STATE_LEN)
		return 0;
	concat_init(out);
	out->total = p[0];
	out->received = p[1];
	memcpy(out->bitmap, p + 2, sizeof(out->bitmap));
	for (unsigned q = 1; q <= CONCAT_MAX_PARTS; q++) {
		if (!concat_has(out, (uint8_t)q))
			continue;
		if (q > out->total)
			goto fail;
		bits++;
	}
	/* Bit 255 would be seq 256, which cannot exist. */
	if (out->bitmap[31] & 0x80 || bits != out->received)
		goto fail;
	return CONCAT_STATE_LEN;
fail:
	concat_init(out);
	return CONCAT_E_FORMAT;
}
