/*
 * Fuzz target for shared/codec/latin1: the input as Latin-1 (data_coding 3 from
 * a peer) decoded to UTF-8 must re-encode to the same octets; the input as
 * UTF-8 through the encoder must agree with latin1_can_encode(), and with
 * substitution fail only on invalid UTF-8 (always when the strict encoder
 * found it), giving what the strict encoder gives when that succeeds.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shared/codec/latin1.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t utf8[2 * 4096 + 1], back[4096];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int n, m, s;

	if (size > 4096)
		return 0;
	n = latin1_to_utf8(data, size, utf8, sizeof(utf8));
	if (n < (int)size || utf8[n] != '\0')
		abort();	/* every octet decodes, to 1 or 2 octets */
	m = latin1_from_utf8(utf8, (size_t)n, 0, back, sizeof(back), NULL);
	if (m != (int)size || memcmp(back, data, size) != 0)
		abort();
	m = latin1_from_utf8(data, size, 0, back, sizeof(back), NULL);
	if ((m >= 0) != latin1_can_encode(data, size))
		abort();
	s = latin1_from_utf8(data, size, LATIN1_SUBSTITUTE, back, sizeof(back), NULL);
	if (s == LATIN1_E_UNMAPPABLE || s == LATIN1_E_SPACE || (m >= 0 && s != m) ||
	    (m == LATIN1_E_UTF8 && s != LATIN1_E_UTF8))
		abort();
	return 0;
}
