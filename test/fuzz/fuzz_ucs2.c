/*
 * Fuzz target for shared/codec/ucs2: the input as UTF-16BE decoded strictly and
 * with U+FFFD replacement; a strict success must re-encode to the same octets.
 * Also the input as UTF-8 through the encoder and the unit counter.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shared/codec/ucs2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t utf8[2 * 4096 + 1], back[2 * 4096];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int n, m;

	if (size > 4096)
		return 0;
	n = ucs2_to_utf8(data, size, 0, utf8, sizeof(utf8), NULL);
	if (n >= 0) {
		m = ucs2_from_utf8(utf8, (size_t)n, back, sizeof(back), NULL);
		if (m != (int)size || memcmp(back, data, size) != 0)
			abort();
	}
	if (ucs2_to_utf8(data, size, UCS2_REPLACE, utf8, sizeof(utf8), NULL) < 0)
		abort();	/* replacement never fails with room enough */
	n = ucs2_units(data, size, NULL);
	m = ucs2_from_utf8(data, size, back, sizeof(back), NULL);
	if ((n < 0) != (m < 0) || (n >= 0 && m != 2 * n))
		abort();
	return 0;
}
