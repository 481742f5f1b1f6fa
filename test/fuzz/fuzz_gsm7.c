/*
 * Fuzz target for shared/codec/gsm7: the input as unpacked septets and as
 * packed user data (first octet = fill bits, second = septet count) decoded to
 * UTF-8; whatever decodes is re-encoded and must give septets that decode to the
 * same text. Also the input as UTF-8 through the encoder.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shared/codec/gsm7.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t utf8[3 * 4096 + 1], sept[2 * 4096], utf8b[3 * 4096 + 1];

static void check_reencode(const uint8_t *u, int n)
{
	int m = gsm7_from_utf8(u, (size_t)n, 0, sept, sizeof(sept), NULL), k;

	if (m < 0)
		abort();	/* everything the decoder emits is encodable */
	k = gsm7_to_utf8(sept, (size_t)m, 0, utf8b, sizeof(utf8b), NULL);
	if (k != n || memcmp(u, utf8b, (size_t)n) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t un[256];
	int n;

	if (size > 4096)
		return 0;
	n = gsm7_to_utf8(data, size, GSM7_SUBSTITUTE, utf8, sizeof(utf8), NULL);
	if (n >= 0)
		check_reencode(utf8, n);
	if (size >= 2) {
		int k = gsm7_unpack(data + 2, size - 2, data[0] % 8, data[1], un,
				    sizeof(un));

		if (k >= 0) {
			n = gsm7_to_utf8(un, (size_t)k, 0, utf8, sizeof(utf8), NULL);
			if (n < 0)
				abort();	/* unpacked septets are < 0x80 */
			check_reencode(utf8, n);
		}
	}
	n = gsm7_from_utf8(data, size, GSM7_SUBSTITUTE, sept, sizeof(sept), NULL);
	if (n >= 0) {
		uint8_t packed[4096];

		if (gsm7_pack(sept, (size_t)n, 3, packed, sizeof(packed)) < 0)
			abort();
	}
	return 0;
}
