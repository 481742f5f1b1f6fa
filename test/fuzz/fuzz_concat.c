/*
 * Fuzz target for shared/codec/concat (MO reassembly state).
 *
 * The first CONCAT_STATE_LEN octets go through concat_state_decode; a state
 * that decodes must encode back to the same octets, one that does not leaves
 * an empty state. Then every following pair of octets (total, seq) is one
 * concat_add, checked against a shadow model of the bitmap, and after each the
 * invariants must hold: complete <=> total known and nothing missing,
 * concat_missing lists exactly the parts not had, in order, and concat_join of
 * payloads cut from the input gives their concatenation (or
 * CONCAT_E_INCOMPLETE, or CONCAT_E_SPACE one octet short). A short input also
 * drives concat_key_init / concat_key_format, whose output is parsed back.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/codec/concat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The expected state. */
struct fuzz_concat_model {
	unsigned total;
	bool has[CONCAT_MAX_PARTS + 1];	/* by seq */
};

static void fuzz_concat_check(int cond)
{
	if (!cond)
		abort();
}

/* Decodes the state prefix; fills *s and *m. */
static void fuzz_concat_decode(const uint8_t *data, size_t size,
			       struct concat_state *s, struct fuzz_concat_model *m)
{
	uint8_t enc[CONCAT_STATE_LEN + 1];
	struct concat_state zero;
	int rc;

	memset(m, 0, sizeof(*m));
	concat_init(&zero);
	memset(s, 0xA5, sizeof(*s));
	rc = concat_state_decode(data, size, s);
	if (size < CONCAT_STATE_LEN) {
		fuzz_concat_check(rc == 0);
		concat_init(s);
		return;
	}
	if (rc < 0) {
		fuzz_concat_check(rc == CONCAT_E_FORMAT);
		fuzz_concat_check(memcmp(s, &zero, sizeof(zero)) == 0);
		return;
	}
	fuzz_concat_check(rc == CONCAT_STATE_LEN);
	fuzz_concat_check(concat_state_encode(s, enc, CONCAT_STATE_LEN - 1) ==
			  CONCAT_E_SPACE);
	fuzz_concat_check(concat_state_encode(s, enc, sizeof(enc)) ==
			  CONCAT_STATE_LEN);
	fuzz_concat_check(memcmp(enc, data, CONCAT_STATE_LEN) == 0);
	m->total = s->total;
	for (unsigned q = 1; q <= CONCAT_MAX_PARTS; q++) {
		m->has[q] = concat_has(s, (uint8_t)q);
		fuzz_concat_check(!m->has[q] || q <= s->total);
	}
}

/* The result concat_add must give, and the model after it. */
static int fuzz_concat_model_add(struct fuzz_concat_model *m, uint8_t total,
				 uint8_t seq)
{
	if (total == 0 || (m->total != 0 && m->total != total))
		return CONCAT_E_TOTAL;
	if (seq == 0 || seq > total)
		return CONCAT_E_SEQ;
	m->total = total;
	if (m->has[seq])
		return CONCAT_DUPLICATE;
	m->has[seq] = true;
	return CONCAT_ADDED;
}

/* State against model: has, received, missing, complete. */
static void fuzz_concat_invariants(const struct concat_state *s,
				   const struct fuzz_concat_model *m)
{
	uint8_t miss[CONCAT_MAX_PARTS];
	unsigned have = 0, nmiss = 0;
	int n;

	fuzz_concat_check(s->total == m->total);
	for (unsigned q = 0; q <= CONCAT_MAX_PARTS; q++) {
		fuzz_concat_check(concat_has(s, (uint8_t)q) == (q > 0 && m->has[q]));
		have += m->has[q];
	}
	fuzz_concat_check(s->received == have);
	n = concat_missing(s, miss, sizeof(miss));
	fuzz_concat_check(n >= 0 && (unsigned)n == m->total - have);
	for (unsigned q = 1; q <= m->total; q++) {
		if (m->has[q])
			continue;
		fuzz_concat_check(miss[nmiss++] == q);
	}
	fuzz_concat_check(concat_complete(s) == (m->total != 0 && n == 0));
	if (n > 1) {
		/* A short array gets the first ones, the count stays whole. */
		uint8_t one = 0;

		fuzz_concat_check(concat_missing(s, &one, 1) == n && one == miss[0]);
	}
}

/* Joins payloads cut from p[0..len) (part i: len_i = p[i] % 8 octets). */
static void fuzz_concat_join(const struct concat_state *s, const uint8_t *p,
			     size_t len)
{
	static uint8_t out[CONCAT_MAX_PARTS * 8 + 1];
	struct concat_payload parts[CONCAT_MAX_PARTS];
	size_t sum = 0, off = 0;
	int rc;

	for (unsigned i = 0; i < s->total; i++) {
		size_t l = len ? p[i % len] % 8 : 0;

		if (l > len - off)
			l = len - off;
		parts[i].p = l ? p + off : NULL;
		parts[i].len = l;
		off += l;
		sum += l;
	}
	rc = concat_join(s, parts, out, sizeof(out));
	if (!concat_complete(s)) {
		fuzz_concat_check(rc == CONCAT_E_INCOMPLETE);
		return;
	}
	/* Payloads are consecutive slices of p, so the join is p[0..sum). */
	fuzz_concat_check(rc >= 0 && (size_t)rc == sum);
	fuzz_concat_check(sum == 0 || memcmp(out, p, sum) == 0);
	if (sum > 0)
		fuzz_concat_check(concat_join(s, parts, out, sum - 1) ==
				  CONCAT_E_SPACE);
}

/* Reads "<len>:" then len octets of an address from *p into a; advances *p. */
static void fuzz_concat_read_addr(const char **p, const char *a)
{
	char *end;
	unsigned long n = strtoul(*p, &end, 10);

	fuzz_concat_check(end != *p && *end == ':' && n == strlen(a));
	fuzz_concat_check(memcmp(end + 1, a, n) == 0);
	*p = end + 1 + n;
}

/* Key from the input: ref (2 octets), total, then src NUL dst. */
static void fuzz_concat_key(const uint8_t *data, size_t size)
{
	char src[CONCAT_ADDR_MAX * 2], dst[CONCAT_ADDR_MAX * 2];
	char out[256], tmp[256], *end;
	struct concat_key k;
	const char *p;
	size_t ls, ld;
	unsigned ref, total;
	int rc, n;

	if (size < 3)
		return;
	ref = (unsigned)(data[0] << 8 | data[1]);
	total = data[2];
	data += 3;
	size -= 3;
	ls = strnlen((const char *)data, size < CONCAT_ADDR_MAX * 2 - 1 ? size :
		     CONCAT_ADDR_MAX * 2 - 1);
	memcpy(src, data, ls);
	src[ls] = '\0';
	data += ls < size ? ls + 1 : ls;
	size -= ls < size ? ls + 1 : ls;
	ld = strnlen((const char *)data, size < CONCAT_ADDR_MAX * 2 - 1 ? size :
		     CONCAT_ADDR_MAX * 2 - 1);
	memcpy(dst, data, ld);
	dst[ld] = '\0';

	rc = concat_key_init(&k, src, dst, (uint16_t)ref, (uint8_t)total);
	if (ls >= CONCAT_ADDR_MAX || ld >= CONCAT_ADDR_MAX) {
		fuzz_concat_check(rc == CONCAT_E_FORMAT);
		return;
	}
	if (total == 0) {
		fuzz_concat_check(rc == CONCAT_E_TOTAL);
		return;
	}
	fuzz_concat_check(rc == 0);
	n = concat_key_format(&k, out, sizeof(out));
	fuzz_concat_check(n > 0 && (size_t)n == strlen(out));
	fuzz_concat_check(concat_key_format(&k, tmp, (size_t)n) == CONCAT_E_SPACE);
	p = out;
	fuzz_concat_read_addr(&p, src);
	fuzz_concat_read_addr(&p, dst);
	fuzz_concat_check(*p == ':');
	fuzz_concat_check(strtoul(p + 1, &end, 10) == ref && *end == ':');
	fuzz_concat_check(strtoul(end + 1, &end, 10) == total && *end == '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct concat_state s;
	struct fuzz_concat_model m;
	size_t i;

	if (size > 4096)
		return 0;
	fuzz_concat_key(data, size);
	fuzz_concat_decode(data, size, &s, &m);
	fuzz_concat_invariants(&s, &m);
	fuzz_concat_join(&s, data, size);
	for (i = size < CONCAT_STATE_LEN ? 0 : CONCAT_STATE_LEN; i + 1 < size;
	     i += 2) {
		int want = fuzz_concat_model_add(&m, data[i], data[i + 1]);

		fuzz_concat_check(concat_add(&s, data[i], data[i + 1]) == want);
		fuzz_concat_invariants(&s, &m);
		fuzz_concat_join(&s, data, size);
	}
	return 0;
}
