/*
 * Fuzz target for shared/codec/qentry: decode; when it decodes, every string
 * lies inside the input, qentry_size() is the input's length, and encoding
 * the result gives the input back octet for octet (the format has one
 * spelling per part). A rejected input has a description.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shared/codec/qentry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_qentry_inside(const struct bytes_span *s, const uint8_t *p,
			       size_t len)
{
	if (s->len > 0 && (s->p < p || s->p + s->len > p + len))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[QENTRY_MAX];
	struct qentry e;
	long n = qentry_decode(data, size, &e);

	if (n < 0) {
		if (n < QENTRY_E_TRAILING || strcmp(qentry_strerror(n),
						    "unknown error") == 0)
			abort();
		return 0;
	}
	if ((size_t)n != size || qentry_size(&e) != n)
		abort();
	fuzz_qentry_inside(&e.acct, data, size);
	fuzz_qentry_inside(&e.from, data, size);
	fuzz_qentry_inside(&e.origin, data, size);
	fuzz_qentry_inside(&e.udh, data, size);
	fuzz_qentry_inside(&e.data, data, size);
	if (qentry_encode(&e, out, sizeof(out)) != n ||
	    memcmp(out, data, size) != 0)
		abort();
	if (qentry_encode(&e, out, size - 1) != QENTRY_E_SPACE)
		abort();
	return 0;
}
