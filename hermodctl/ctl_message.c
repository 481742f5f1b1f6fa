/*
 * ctl_message — `hermodctl message show ID`: a message record P:msg:ID, one
 * field a line (`key=value`), its packed m (shared/codec/msgrec.h) spelled
 * out first, then the statuses the bearerbox wrote (pN, opN, errN, cN,
 * final, final-err), so that support can answer "what became of message
 * 12345, and what is its id at the operator?" without reading binary values.
 */
#include "config.h"

#include "hermodctl/ctl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "shared/codec/msgrec.h"

const char ctl_message_usage[] =
    "  message show ID                    (the record and its statuses)\n";

static void ctl_message_span(const char *name, const struct bytes_span *s)
{
	printf("%s=", name);
	ctl_print_escaped((const char *)s->p, s->len);
	printf("\n");
}

static void ctl_message_packed(const redisReply *v)
{
	struct msgrec m;
	long rc = msgrec_decode((const uint8_t *)v->str, v->len, &m);

	if (rc < 0) {
		printf("m=(%s)\n", msgrec_strerror(rc));
		return;
	}
	ctl_message_span("acct", &m.acct);
	ctl_message_span("to", &m.to);
	ctl_message_span("from", &m.from);
	ctl_message_span("link", &m.link);
	ctl_message_span("origin", &m.origin);
	printf("dlr=%d\nts=%" PRIu64 "\n", (m.flags & MSGREC_DLR) != 0, m.ts);
	ctl_message_span("mess-id", &m.mess_id);
	ctl_message_span("dlr-mask", &m.dlr_mask);
	ctl_message_span("dlr-url", &m.dlr_url);
}

static bool ctl_message_id(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > 20)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((id[i] < '0' || id[i] > '9') && (id[i] < 'a' || id[i] > 'z'))
			return false;
	return true;
}

static int ctl_message_show(struct ctl *c, const char *id)
{
	char key[ACCOUNT_KEY_MAX];
	const char *av[] = { "HGETALL", key };
	redisReply *r;
	const redisReply *packed = NULL;

	if (!ctl_message_id(id)) {
		ctl_err("\"%s\" is not a message id", id);
		return CTL_FAIL;
	}
	if (ctl_key(c, key, sizeof(key), "msg:", id) < 0)
		return CTL_FAIL;
	r = ctl_run(c, 2, av, NULL);
	if (r == NULL)
		return CTL_FAIL;
	if (r->type != REDIS_REPLY_ARRAY || r->elements == 0) {
		ctl_err("no message %s (never accepted, or expired)", id);
		freeReplyObject(r);
		return CTL_FAIL;
	}
	printf("id=%s\n", id);
	for (size_t i = 0; i + 1 < r->elements; i += 2)
		if (r->element[i]->type == REDIS_REPLY_STRING &&
		    strcmp(r->element[i]->str, "m") == 0)
			packed = r->element[i + 1];
	if (packed != NULL && packed->type == REDIS_REPLY_STRING)
		ctl_message_packed(packed);
	for (size_t i = 0; i + 1 < r->elements; i += 2) {
		const redisReply *k = r->element[i], *v = r->element[i + 1];

		if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING ||
		    v == packed)
			continue;
		ctl_print_escaped(k->str, k->len);
		printf("=");
		ctl_print_escaped(v->str, v->len);
		printf("\n");
	}
	freeReplyObject(r);
	return CTL_OK;
}

int ctl_message_main(struct ctl *c, int argc, char **argv)
{
	if (argc >= 2 && ctl_is_help(argv[1])) {
		printf("usage:\n%s", ctl_message_usage);
		return CTL_OK;
	}
	if (argc == 3 && strcmp(argv[1], "show") == 0)
		return ctl_message_show(c, argv[2]);
	ctl_err("malformed message command");
	fprintf(stderr, "usage:\n%s", ctl_message_usage);
	return CTL_USAGE;
}
