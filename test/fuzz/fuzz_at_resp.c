/*
 * Fuzz target for shared/codec/at_resp. The input is a modem's output; it is
 * parsed twice, as one buffer and in chunks whose sizes come from the input
 * itself, the way a serial port delivers it. Both runs must consume everything
 * but an unfinished last line, stay inside the buffer, and report the same
 * sequence of events.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shared/codec/at_resp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define EV_MAX 4096

static enum at_event_type seq[2][EV_MAX];

static size_t run(const uint8_t *data, size_t size, int pass, size_t *nev)
{
	struct at_resp r;
	size_t start = 0, avail = pass == 0 ? size : 0, k = 0;

	at_resp_init(&r);
	*nev = 0;
	for (;;) {
		struct at_event ev;
		int rc = at_resp_decode(&r, data + start, avail - start, &ev);

		if (rc < 0 || (size_t)rc > avail - start)
			abort();
		if (rc == 0) {
			if (avail == size)
				break;
			/* grow by 1..16 bytes, chosen by the data */
			avail += 1 + (data[k++ % size] & 15u);
			if (avail > size)
				avail = size;
			continue;
		}
		if (ev.line < (const char *)data + start ||
		    ev.line + ev.line_len > (const char *)data + start + (size_t)rc ||
		    ev.text < ev.line || ev.text + ev.text_len > ev.line + ev.line_len)
			abort();
		start += (size_t)rc;
		if (ev.type != AT_EV_NONE && *nev < EV_MAX)
			seq[pass][(*nev)++] = ev.type;
	}
	return start;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n0, n1, s0, s1;

	if (size == 0)
		return 0;
	s0 = run(data, size, 0, &n0);
	s1 = run(data, size, 1, &n1);
	/* Chunking must not change what is read: a parser that acted on a
	 * partial line would differ here. */
	if (s0 != s1 || n0 != n1 || memcmp(seq[0], seq[1], n0 * sizeof(seq[0][0])) != 0)
		abort();
	return 0;
}
