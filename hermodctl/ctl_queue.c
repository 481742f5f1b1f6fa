/*
 * ctl_queue — `hermodctl queue show LINK [COUNT]`: the entries of a link's
 * outbound queue P:q:LINK, oldest first, one line each, with the packed `m`
 * field (shared/codec/qentry) spelled out and the text decoded, so that an
 * operator can see what waits without reading binary values in redis-cli.
 */
#include "config.h"

#include "hermodctl/ctl.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "shared/codec/gsm7.h"
#include "shared/codec/qentry.h"
#include "shared/codec/ucs2.h"
#include "shared/util/bytes.h"

#define CTL_QUEUE_COUNT "100"
#define CTL_QUEUE_COUNT_MAX 100000

const char ctl_queue_usage[] =
    "  queue show LINK [COUNT]            (oldest first; default 100)\n";

/* Prints p[0..len) as upper-case hex. */
static void ctl_queue_hex(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		printf("%02X", p[i]);
}

/* Prints UTF-8 text as it is, but for control bytes and '\\' (as \xNN). */
static void ctl_queue_text(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (p[i] < 0x20 || p[i] == 0x7f || p[i] == '\\')
			printf("\\x%02x", p[i]);
		else
			putchar(p[i]);
	}
}

/* text=...: the message text of GSM 03.38 and UCS-2 parts, last on the line
 * (it may hold spaces). */
static void ctl_queue_decoded(const struct qentry *e)
{
	size_t cap = e->data.len * 3 + 1;
	uint8_t *out = malloc(cap);
	int n = -1;

	if (out == NULL)
		return;
	if (e->coding == 0)
		n = gsm7_to_utf8(e->data.p, e->data.len, GSM7_SUBSTITUTE, out, cap,
				 NULL);
	else if (e->coding == 8)
		n = ucs2_to_utf8(e->data.p, e->data.len, UCS2_REPLACE, out, cap,
				 NULL);
	if (n >= 0) {
		printf(" text=");
		ctl_queue_text(out, (size_t)n);
	}
	free(out);
}

static void ctl_queue_packed(const redisReply *v)
{
	struct qentry e;
	long rc = qentry_decode((const uint8_t *)v->str, v->len, &e);

	if (rc < 0) {
		printf(" m=(%s)", qentry_strerror(rc));
		return;
	}
	printf(" part=%u/%u acct=%.*s from=%.*s origin=%.*s coding=%u flash=%d dlr=%d",
	       e.part, e.parts, (int)e.acct.len, (const char *)e.acct.p,
	       (int)e.from.len, (const char *)e.from.p, (int)e.origin.len,
	       (const char *)e.origin.p, e.coding, (e.flags & QENTRY_FLASH) != 0,
	       (e.flags & QENTRY_DLR) != 0);
	if (e.validity >= 0)
		printf(" validity=%lld", (long long)e.validity);
	if (e.deferred > 0)
		printf(" deferred=%lld", (long long)e.deferred);
	if (e.priority > 0)
		printf(" priority=%u", e.priority);
	if (e.mclass > 0)
		printf(" mclass=%u", e.mclass);
	if ((e.flags & QENTRY_ACK) != 0)
		printf(" ack=1");
	printf(" ts=%llu", (unsigned long long)e.ts);
	if (e.sar_total > 0)
		printf(" sar=%u:%u:%u", e.sar_ref, e.sar_total, e.sar_seq);
	printf(" udh=");
	ctl_queue_hex(e.udh.p, e.udh.len);
	printf(" data=");
	ctl_queue_hex(e.data.p, e.data.len);
	ctl_queue_decoded(&e);
}

/* One entry [id, [field, value, ...]]: the packed form, or the fields as
 * stored (entries written before it). */
static void ctl_queue_entry(const redisReply *e)
{
	const redisReply *f;
	const redisReply *packed = NULL;

	if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
	    e->element[0]->type != REDIS_REPLY_STRING ||
	    e->element[1]->type != REDIS_REPLY_ARRAY)
		return;
	f = e->element[1];
	printf("%s", e->element[0]->str);
	for (size_t i = 0; i + 1 < f->elements; i += 2) {
		const redisReply *k = f->element[i], *v = f->element[i + 1];

		if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
			continue;
		if (k->len == 1 && k->str[0] == 'm') {
			packed = v;
			continue;
		}
		printf(" %s=", k->str);
		ctl_print_escaped(v->str, v->len);
	}
	if (packed != NULL)
		ctl_queue_packed(packed);
	printf("\n");
}

static int ctl_queue_show(struct ctl *c, const char *link, const char *count)
{
	char key[ACCOUNT_KEY_MAX];
	const char *av[] = { "XRANGE", key, "-", "+", "COUNT", count };
	char *end;
	long n = strtol(count, &end, 10);
	redisReply *r;

	if (*end != '\0' || n < 1 || n > CTL_QUEUE_COUNT_MAX || count[0] == '0') {
		ctl_err("show \"%s\": a count from 1 to %d", count, CTL_QUEUE_COUNT_MAX);
		return CTL_FAIL;
	}
	if (link[0] == '\0' || strlen(link) > 64 || strpbrk(link, " \t\r\n{}") != NULL) {
		ctl_err("\"%s\" is not an smsc-id", link);
		return CTL_FAIL;
	}
	if (ctl_key(c, key, sizeof(key), "q:", link) < 0)
		return CTL_FAIL;
	r = ctl_run(c, 6, av, NULL);
	if (r == NULL)
		return CTL_FAIL;
	for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++)
		ctl_queue_entry(r->element[i]);
	freeReplyObject(r);
	return CTL_OK;
}

int ctl_queue_main(struct ctl *c, int argc, char **argv)
{
	if (argc >= 2 && ctl_is_help(argv[1])) {
		printf("usage:\n%s", ctl_queue_usage);
		return CTL_OK;
	}
	if ((argc == 3 || argc == 4) && strcmp(argv[1], "show") == 0)
		return ctl_queue_show(c, argv[2], argc == 4 ? argv[3] : CTL_QUEUE_COUNT);
	ctl_err("malformed queue command");
	fprintf(stderr, "usage:\n%s", ctl_queue_usage);
	return CTL_USAGE;
}
