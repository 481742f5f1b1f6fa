/*
 * Fuzz target for shared/codec/dlr_text: parses arbitrary bytes as receipt text;
 * when that succeeds, formats the result and parses it again, and the two parses
 * must agree (format → parse is a round trip). Also runs the id helpers.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shared/codec/dlr_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_date(const struct dlr_text_date *a, const struct dlr_text_date *b)
{
	return a->yy == b->yy && a->mon == b->mon && a->day == b->day &&
	       a->hour == b->hour && a->min == b->min && a->sec == b->sec &&
	       a->has_sec == b->has_sec;
}

static void check_same(const struct dlr_text *a, const struct dlr_text *b)
{
	if (a->fields != b->fields || strcmp(a->id, b->id) != 0 ||
	    a->sub != b->sub || a->dlvrd != b->dlvrd ||
	    !same_date(&a->submit, &b->submit) || !same_date(&a->done, &b->done) ||
	    strcmp(a->stat, b->stat) != 0 || a->state != b->state ||
	    strcmp(a->err, b->err) != 0 || a->text_len != b->text_len ||
	    memcmp(a->text, b->text, a->text_len) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dlr_text a, b;
	static char buf[1024];
	char canon[DLR_TEXT_ID_MAX + 1];
	int n;

	if (dlr_text_decode(data, size, &a) < 0) {
		(void)dlr_text_id_canon((const char *)data, size > 80 ? 80 : size,
					DLR_TEXT_ID_HEX, canon, sizeof(canon));
		return 0;
	}
	if ((a.fields & DLR_TEXT_HAS_ID) &&
	    dlr_text_id_canon(a.id, strlen(a.id), DLR_TEXT_ID_FOLD_CASE, canon,
			      sizeof(canon)) < 0)
		abort();
	(void)dlr_text_status_code(a.state, a.err, DLR_TEXT_ERRKIND_SMPP);
	n = dlr_text_encode(&a, buf, sizeof(buf));
	if (n < 0)
		abort(); /* anything we parsed must be formattable */
	if ((size_t)n >= sizeof(buf) || buf[n] != '\0')
		abort();
	if (dlr_text_decode((const uint8_t *)buf, (size_t)n, &b) != n)
		abort();
	check_same(&a, &b);
	return 0;
}
