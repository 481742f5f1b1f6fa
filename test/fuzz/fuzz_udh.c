/*
 * Fuzz target for shared/codec/udh: parse; when it parses, every stored IE lies
 * inside the consumed header, and rebuilding concat/ports gives a header that
 * parses to the same values.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "shared/codec/udh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct udh u, v;
	struct udh_spec s = { 0 };
	uint8_t out[UDH_MAX_LEN];
	int n = udh_decode(data, size, &u), m;

	if (n < 0)
		return 0;
	if ((size_t)n > size || (size_t)n != u.len)
		abort();
	for (unsigned i = 0; i < u.n_ies; i++)
		if (u.ies[i].data < data || u.ies[i].data + u.ies[i].len > data + n)
			abort();
	s.concat = u.has_concat;
	s.concat16 = u.concat16;
	s.ref = u.concat_ref;
	s.total = u.concat_total;
	s.seq = u.concat_seq;
	s.ports = u.has_ports;
	s.ports16 = u.ports16;
	s.dst_port = u.dst_port;
	s.src_port = u.src_port;
	m = udh_encode(&s, out, sizeof(out));
	if (m < 0)
		abort();
	if (m == 0)
		return 0;
	if (udh_decode(out, (size_t)m, &v) != m || v.has_concat != u.has_concat ||
	    v.concat_ref != u.concat_ref || v.dst_port != u.dst_port ||
	    v.src_port != u.src_port || v.concat_seq != u.concat_seq)
		abort();
	return 0;
}
