/*
 * Fuzz target for smsbox/sb_cb_fmt's member decoder: the retry and dead-letter
 * entries it reads back from Redis (which hermodctl replays and an operator
 * may edit).
 *
 * - sb_cb_member_decode never reads out of bounds; it returns the input length
 *   or a negative error.
 * - An accepted member re-encodes, and the encoding decodes to the same item
 *   (kind, id, account, message id, tries, first time, URL, body bytes).
 * - The Kannel expansion of the decoded URL used as a template never overruns.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smsbox/sb_cb_fmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sb_cb_item a, b;
static char mem[SB_CB_MEMBER_MAX];
static char url[SB_CB_URL_MAX];

static void check(int cond)
{
	if (!cond)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sb_cb_kannel_vars v = { 2, "+44 1", "4479", "UNDELIV", 1, "7" };
	int n, m;

	n = sb_cb_member_decode(data, size, &a);
	check(n < 0 || (size_t)n == size);
	if (n < 0)
		return 0;
	check(a.kind == SB_CB_DLR || a.kind == SB_CB_MO);
	m = sb_cb_member_encode(&a, mem, sizeof(mem));
	check(m > 0 && (size_t)m == strlen(mem));
	check(sb_cb_member_decode((const uint8_t *)mem, (size_t)m, &b) == m);
	check(a.kind == b.kind && a.tries == b.tries && a.first_ms == b.first_ms);
	check(strcmp(a.uid, b.uid) == 0 && strcmp(a.acct, b.acct) == 0);
	check(strcmp(a.mid, b.mid) == 0 && strcmp(a.url, b.url) == 0);
	check(a.body_len == b.body_len && memcmp(a.body, b.body, a.body_len) == 0);
	n = sb_cb_kannel_expand(url, sizeof(url), a.url, &v);
	check(n == SB_CB_ESPACE || (n >= 0 && (size_t)n == strlen(url)));
	return 0;
}
