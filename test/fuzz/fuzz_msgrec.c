/*
 * Fuzz target for shared/codec/msgrec: decode; when it decodes, every
 * string lies inside the input, msgrec_size() is the input's length, and
 * encoding the result gives the input back (one spelling per record); one
 * octet less of room fails. A rejected input has a description.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shared/codec/msgrec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_msgrec_inside(const struct bytes_span *s, const uint8_t *p,
			       size_t len)
{
	char tmp[MSGREC_STR_MAX + 1];

	if (s->len > 0 && (s->p < p || s->p + s->len > p + len))
		abort();
	if (s->len <= MSGREC_STR_MAX &&
	    msgrec_cstr(s, tmp, sizeof(tmp)) == 0 && strlen(tmp) != s->len)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[MSGREC_MAX];
	struct msgrec m;
	long n = msgrec_decode(data, size, &m);

	if (n < 0) {
		if (n < MSGREC_E_TRAILING ||
		    strcmp(msgrec_strerror(n), "unknown error") == 0)
			abort();
		return 0;
	}
	if ((size_t)n != size || msgrec_size(&m) != n)
		abort();
	fuzz_msgrec_inside(&m.acct, data, size);
	fuzz_msgrec_inside(&m.to, data, size);
	fuzz_msgrec_inside(&m.from, data, size);
	fuzz_msgrec_inside(&m.link, data, size);
	fuzz_msgrec_inside(&m.origin, data, size);
	fuzz_msgrec_inside(&m.mess_id, data, size);
	fuzz_msgrec_inside(&m.dlr_mask, data, size);
	fuzz_msgrec_inside(&m.dlr_url, data, size);
	if (msgrec_encode(&m, out, sizeof(out)) != n ||
	    memcmp(out, data, size) != 0)
		abort();
	if (msgrec_encode(&m, out, size - 1) != MSGREC_E_SPACE)
		abort();
	return 0;
}
