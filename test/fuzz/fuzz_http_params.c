/*
 * Fuzz target for shared/codec/http_params. The first input byte picks the
 * flags and the parameter limit, the rest is parsed as a form body. When it
 * parses (and has no NUL in a name), the parameters are re-encoded with
 * http_params_append and parsed again: names and values must come back equal.
 * The hex decoder and the encoder run over the same bytes.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shared/codec/http_params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define IN_MAX 2048

static struct http_params a, b;
static char store_a[IN_MAX + 2 * HTTP_PARAMS_MAX], store_b[4 * IN_MAX];
static char query[3 * IN_MAX + 4 * HTTP_PARAMS_MAX];
static uint8_t hex_out[IN_MAX];

static void round_trip(unsigned flags)
{
	size_t len = 0;

	query[0] = '\0';
	for (size_t i = 0; i < a.count; i++) {
		if (strlen(a.p[i].name) != a.p[i].name_len)
			return; /* NUL in a name: append takes a C string */
		if (http_params_append(query, sizeof(query), &len, a.p[i].name,
				       (const uint8_t *)a.p[i].value,
				       a.p[i].value_len) != 0)
			abort();
	}
	http_params_init(&b, store_b, sizeof(store_b), HTTP_PARAMS_MAX, flags);
	if (http_params_parse((const uint8_t *)query, len, &b) != (int)a.count)
		abort();
	for (size_t i = 0; i < a.count; i++)
		if (a.p[i].name_len != b.p[i].name_len ||
		    a.p[i].value_len != b.p[i].value_len ||
		    memcmp(a.p[i].name, b.p[i].name, a.p[i].name_len) != 0 ||
		    memcmp(a.p[i].value, b.p[i].value, a.p[i].value_len) != 0)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned flags;
	size_t max_count;
	int n;

	if (size < 1 || size > IN_MAX + 1)
		return 0;
	flags = data[0] & 3u;
	max_count = (size_t)(data[0] >> 2) + 1;
	data++;
	size--;
	(void)http_params_hex_decode((const char *)data, size, hex_out,
				     sizeof(hex_out));
	http_params_init(&a, store_a, sizeof(store_a), max_count, flags);
	n = http_params_parse(data, size, &a);
	if (n < 0) {
		if (a.err_name != NULL &&
		    (a.err_name < (const char *)data ||
		     a.err_name + a.err_name_len > (const char *)data + size))
			abort();
		return 0;
	}
	if ((size_t)n != a.count || a.used > a.cap)
		abort();
	round_trip(flags);
	return 0;
}
