/*
 * sb_api — seed 004's HTTP API (/SMSsend, /balance.php) and the machinery
 * every send request shares: parameters, authentication through the
 * password cache (misses checked on the pwhash threads while the request
 * waits), the account's limits, the accept step and the answer.
 * Kannel's /cgi-bin/sendsms is in sb_kannel.c. doc/http-api.md is the
 * customer's view of this file.
 */
#include "config.h"

#include "smsbox/sb_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <hiredis/hiredis.h>

#include "shared/codec/cidr.h"
#include "shared/codec/conf_schema.h"
#include "shared/codec/http_params.h"
#include "shared/codec/latin1.h"
#include "shared/codec/money.h"
#include "shared/codec/ucs2.h"
#include "shared/codec/udh.h"
#include "shared/io/box.h"
#include "shared/io/httpd.h"
#include "shared/io/log.h"
#include "shared/io/loop.h"
#include "shared/io/pwhash_pool.h"
#include "shared/io/redis.h"
#include "smsbox/sb_kannel.h"

#define SB_PWCACHE_SLOTS 4096
#define SB_PWCACHE_TTL_MS 60000
#define SB_ACACHE_SLOTS 1024	/* account records kept (direct-mapped) */
#define SB_BOOKMARK_URL_MAX 512

struct sb_job;

/* An account record as read for a send, and when (loop ms). */
struct sb_acache {
	struct account a;
	uint64_t at;
	bool used;
};

struct sb_api {
	struct box *box;
	struct mt_accept *acc;
	struct httpd *httpd;
	struct account_pwcache *pwcache;
	struct pwhash_pool *pwpool;	/* password checks off the loop */
	struct sb_acache *acache;	/* NULL: account-cache = 0 */
	uint64_t acache_ms;
	struct sb_job *jobs;		/* waiting for Redis */
	size_t njobs;
	bool stopping;
	sb_api_done_fn *stop_done;
	void *stop_arg;
	struct loop_timer *stop_timer;
};

/* One request waiting for Redis or for its password check. api and req are
 * NULL once orphaned by sb_api_free(); the pending Redis callback then just
 * frees the job (a password check is cancelled and the job freed there). */
struct sb_job {
	struct sb_api *api;
	struct httpd_req *req;
	struct sb_job *prev, *next;
	enum sb_flavour fl;
	bool balance;
	struct sb_send *s;
	unsigned parts;
	struct account_verify *verify;	/* the password being checked */
	struct account *acct;		/* its record meanwhile */
};

static const char *const sb_words[] = {
	[SB_SUCCESS] = "success",
	[SB_ERROR] = "error",
	[SB_AUTH_FAILED] = "auth_failed",
	[SB_WRONG_NUMBER] = "wrong_number",
	[SB_NOT_ALLOWED] = "not_allowed",
	[SB_TOO_MANY_NUMBERS] = "too_many_numbers",
	[SB_NO_MESSAGE] = "no_message",
	[SB_TOO_LONG] = "too_long",
	[SB_WRONG_TYPE] = "wrong_type",
	[SB_WRONG_FORMAT] = "wrong_format",
	[SB_FAILED] = "failed",
	[SB_SYS_ERROR] = "sys_error",
};

/* ---- small validators ---------------------------------------------------- */

bool sb_number_valid(const char *s, size_t len)
{
	if (len < 1 || len > 15)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

bool sb_sender_valid(const char *s, size_t len)
{
	size_t i = 0, digits = 0;

	if (len == 0)
		return false;
	if (s[0] == '+')
		i = 1;
	for (size_t k = i; k < len; k++)
		if (s[k] >= '0' && s[k] <= '9')
			digits++;
	if (digits == len - i && digits > 0)
		return digits <= 16;
	if (i == 1 || len > 11)
		return false;
	for (size_t k = 0; k < len; k++)
		if ((unsigned char)s[k] < 0x20 || (unsigned char)s[k] > 0x7e)
			return false;
	return true;
}

/* ---- requests to send ----------------------------------------------------- */

struct sb_send *sb_send_new(size_t nto)
{
	struct sb_send *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->to = calloc(nto + 1, sizeof(*s->to));
	s->to_ptr = calloc(nto + 1, sizeof(*s->to_ptr));
	if (s->to == NULL || s->to_ptr == NULL) {
		sb_send_free(s);
		return NULL;
	}
	s->validity_s = -1;
	return s;
}

void sb_send_free(struct sb_send *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s->pass, sizeof(s->pass));
	free(s->to);
	free(s->to_ptr);
	free(s->data);
	free(s->udh);
	free(s->dlr_url);
	free(s);
}

void sb_send_auth(struct sb_send *s, const char *user, size_t ulen,
		  const char *pass, size_t plen)
{
	s->user_valid = account_name_valid(user, ulen) && plen <= SB_PASS_MAX;
	if (!s->user_valid)
		return;
	memcpy(s->user, user, ulen);
	s->user[ulen] = 0;
	memcpy(s->pass, pass, plen);
	s->pass[plen] = 0;
	s->pass_len = plen;
}

/* ---- answers -------------------------------------------------------------- */

void sb_api_answer(struct httpd_req *req, enum sb_flavour fl, enum sb_word w,
		   enum sb_reason why, unsigned parts)
{
	const char *word = sb_words[w];

	if (fl == SB_KANNEL) {
		sb_kannel_answer(req, w, why, parts);
		return;
	}
	/* Seed 004 clients read the body only: every word is a 200. */
	httpd_answer_static(req, 200, NULL, word);
}

static void sb_stop_fire(struct loop_timer *t, void *arg)
{
	struct sb_api *api = arg;
	sb_api_done_fn *done = api->stop_done;

	(void)t;
	api->stop_done = NULL;
	if (done != NULL)
		done(api->stop_arg);
}

static void sb_stop_check(struct sb_api *api)
{
	if (api->stopping && api->njobs == 0 && api->stop_done != NULL &&
	    api->stop_timer != NULL)
		loop_timer_start(api->stop_timer, 0, false);
}

static struct sb_job *sb_job_new(struct sb_api *api, struct httpd_req *req,
				 struct sb_send *s, enum sb_flavour fl)
{
	struct sb_job *j = calloc(1, sizeof(*j));

	if (j == NULL)
		return NULL;
	j->api = api;
	j->req = req;
	j->s = s;
	j->fl = fl;
	j->next = api->jobs;
	if (api->jobs != NULL)
		api->jobs->prev = j;
	api->jobs = j;
	api->njobs++;
	return j;
}

/* Unlinks and frees j (answering its request first when it has one). */
static void sb_job_end(struct sb_job *j, enum sb_word w, enum sb_reason why)
{
	struct sb_api *api = j->api;

	if (api != NULL) {
		if (j->req != NULL)
			sb_api_answer(j->req, j->fl, w, why, j->parts);
		if (j->prev != NULL)
			j->prev->next = j->next;
		else
			api->jobs = j->next;
		if (j->next != NULL)
			j->next->prev = j->prev;
		api->njobs--;
	}
	sb_send_free(j->s);
	free(j->acct);
	free(j);
	if (api != NULL)
		sb_stop_check(api);
}

static void sb_job_answer_text(struct sb_job *j, const char *text)
{
	if (j->req != NULL)
		httpd_answer(j->req, 200, NULL, text, strlen(text));
	j->req = NULL;
}

/* ---- accept --------------------------------------------------------------- */

static enum sb_word sb_word_of(int status, enum sb_reason *why)
{
	*why = SB_R_NONE;
	switch (status) {
	case MT_ACCEPT_OK:
		return SB_SUCCESS;
	case MT_ACCEPT_E_TOO_LONG:
		return SB_TOO_LONG;
	case MT_ACCEPT_E_FORMAT:
		return SB_WRONG_FORMAT;
	case MT_ACCEPT_E_NO_ROUTE:
		*why = SB_R_NO_ROUTE;
		return SB_NOT_ALLOWED;
	case MT_ACCEPT_E_NO_RATE:
		*why = SB_R_NO_RATE;
		return SB_NOT_ALLOWED;
	case MT_ACCEPT_E_CREDIT:
		*why = SB_R_CREDIT;
		return SB_NOT_ALLOWED;
	case MT_ACCEPT_E_NO_ACCOUNT:
		return SB_AUTH_FAILED;
	case MT_ACCEPT_E_REDIS:
	case MT_ACCEPT_E_THROTTLED:	/* busy now: the customer tries again */
		return SB_SYS_ERROR;
	default:
		return SB_FAILED;
	}
}

/* A refused send: on the request's access line, or a line of its own once
 * the request is gone. */
static void sb_refused(struct sb_job *j, int status)
{
	if (j->req != NULL)
		httpd_req_note(j->req, "refused acct=%s recipients=%zu "
			       "reason=\"%s\"", j->s->user, j->s->nto,
			       mt_accept_strerror(status));
	else
		log_info("refused acct=%s recipients=%zu reason=\"%s\"",
			 j->s->user, j->s->nto, mt_accept_strerror(status));
}

static void sb_accepted(const struct mt_accept_result *res, void *arg)
{
	struct sb_job *j = arg;
	enum sb_reason why;
	enum sb_word w = sb_word_of(res->status, &why);
	const char *id = res->nids > 0 ? res->ids[0] : "-";

	j->parts = res->parts;
	if (res->status != MT_ACCEPT_OK)
		sb_refused(j, res->status);
	else if (j->req != NULL)
		httpd_req_note(j->req, "accepted acct=%s recipients=%zu parts=%u "
			       "cost=%lld first-id=%s", j->s->user, j->s->nto,
			       res->parts, (long long)res->cost, id);
	else
		log_info("accepted acct=%s recipients=%zu parts=%u cost=%lld "
			 "first-id=%s", j->s->user, j->s->nto, res->parts,
			 (long long)res->cost, id);
	sb_job_end(j, w, why);
}

/* The accept step for a job whose account a passed every check (m.acct is
 * the name it authenticated with); the script counts its throughput. */
static void sb_accept(struct sb_job *j, const struct account *a)
{
	struct sb_send *s = j->s;
	struct mt_accept_msg m;
	enum sb_reason why = SB_R_NONE;
	int rc;

	memset(&m, 0, sizeof(m));
	for (size_t i = 0; i < s->nto; i++)
		s->to_ptr[i] = s->to[i];
	m.acct = s->user;
	m.to = s->to_ptr;
	m.nto = s->nto;
	m.from = s->from;
	m.kind = s->kind;
	m.data = s->data;
	m.len = s->len;
	m.udh = s->udh;
	m.udh_len = s->udh_len;
	m.ucs2 = s->ucs2;
	m.flash = s->flash;
	m.max_parts = s->max_parts;
	m.dlr = s->dlr;
	m.mess_id = s->mess_id;
	m.dlr_url = s->dlr_url != NULL ? s->dlr_url : "";
	m.dlr_mask = s->dlr_mask;
	m.validity_s = s->validity_s;
	m.deferred_s = s->deferred_s;
	m.priority = s->priority;
	m.mclass = s->mclass;
	m.ack = s->ack;
	m.interim = s->interim;
	m.origin = "http";
	m.throughput = a->throughput;
	rc = mt_accept_submit(j->api->acc, &m, sb_accepted, j, &j->parts);
	if (rc != MT_ACCEPT_OK) {
		sb_refused(j, rc);
		sb_job_end(j, sb_word_of(rc, &why), why);
	}
}

static void sb_submit(struct sb_job *j, const struct account *a)
{
	struct sb_send *s = j->s;

	if (s->reject != NULL) {
		if (j->req != NULL)
			httpd_answer(j->req, s->reject_status, "text/html",
				     s->reject, strlen(s->reject));
		j->req = NULL;
		sb_job_end(j, SB_ERROR, SB_R_NONE);
		return;
	}
	if (s->nto > a->max_recipients) {
		sb_job_end(j, SB_TOO_MANY_NUMBERS, SB_R_NONE);
		return;
	}
	if (!account_sender_allowed(a, s->from)) {
		sb_job_end(j, SB_NOT_ALLOWED, SB_R_SENDER);
		return;
	}
	sb_accept(j, a);
}

static void sb_balance_answer(struct sb_job *j, const struct account *a)
{
	char buf[MONEY_TEXT_MAX];

	if (money_format(a->credit, 0, buf, sizeof(buf)) < 0) {
		sb_job_end(j, SB_SYS_ERROR, SB_R_NONE);
		return;
	}
	sb_job_answer_text(j, buf);
	sb_job_end(j, SB_SUCCESS, SB_R_NONE);
}

/* The slot of account name in the record cache. */
static struct sb_acache *sb_acache_slot(struct sb_api *api, const char *name)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (const char *p = name; *p != '\0'; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	return &api->acache[h % SB_ACACHE_SLOTS];
}

/* The cached record of account name, when read less than account-cache ago. */
static const struct account *sb_acache_get(struct sb_api *api, const char *name)
{
	struct sb_acache *e;

	if (api->acache == NULL)
		return NULL;
	e = sb_acache_slot(api, name);
	if (!e->used || strcmp(e->a.name, name) != 0 ||
	    loop_now_ms(api->box->loop) - e->at >= api->acache_ms)
		return NULL;
	return &e->a;
}

static void sb_acache_put(struct sb_api *api, const struct account *a)
{
	struct sb_acache *e;

	if (api->acache == NULL)
		return;
	e = sb_acache_slot(api, a->name);
	e->a = *a;
	e->at = loop_now_ms(api->box->loop);
	e->used = true;
}

static void sb_check_account(struct sb_job *j, const struct account *a);

/* The account's record arrived: keep it (for a send), then check it. */
static void sb_auth_reply(struct redis *r, struct redisReply *reply, void *arg)
{
	struct sb_job *j = arg;
	struct account *a = NULL;
	char err[64];
	int rc;

	(void)r;
	if (j->api == NULL || reply == NULL || reply->type == REDIS_REPLY_ERROR) {
		if (j->api != NULL)
			log_warn("account lookup failed acct=%s", j->s->user);
		sb_job_end(j, SB_SYS_ERROR, SB_R_NONE);
		return;
	}
	a = malloc(sizeof(*a));
	if (a == NULL) {
		sb_job_end(j, SB_FAILED, SB_R_NONE);
		return;
	}
	rc = account_from_reply(a, j->s->user, reply, err, sizeof(err));
	if (rc != 0) {
		if (rc < 0)
			log_error("account record damaged acct=%s field=%s",
				  j->s->user, err);
		sb_job_end(j, rc > 0 ? SB_AUTH_FAILED : SB_FAILED, SB_R_NONE);
		goto done;
	}
	if (!j->balance)
		sb_acache_put(j->api, a);
	sb_check_account(j, a);
done:
	free(a);
}

/* Authenticated: the send or the balance. */
static void sb_authorized(struct sb_job *j, const struct account *a)
{
	if (j->balance)
		sb_balance_answer(j, a);
	else
		sb_submit(j, a);
}

static void sb_auth_refused(struct sb_job *j, const char *name, int ok)
{
	if (ok < 0)
		log_error("account has a malformed pwhash acct=%s", name);
	log_info("authentication failed acct=%s ip=%s", name,
		 httpd_req_client_ip(j->req));
	sb_job_end(j, ok < 0 ? SB_FAILED : SB_AUTH_FAILED, SB_R_NONE);
}

/* The password check is done (on the loop). */
static void sb_verified(int ok, void *arg)
{
	struct sb_job *j = arg;

	j->verify = NULL;
	if (ok != 1)
		sb_auth_refused(j, j->acct->name, ok);
	else
		sb_authorized(j, j->acct);
}

/*
 * The account's state, then its password: a disabled account or an address
 * it does not allow is refused before any hash (as an unknown account is:
 * the same auth_failed). A password the cache does not know is checked on
 * the pwhash threads; the request waits with a copy of the record.
 */
static void sb_check_account(struct sb_job *j, const struct account *a)
{
	int ok;

	if (!a->enabled || !account_ip_allowed(a, httpd_req_client_ip(j->req))) {
		sb_auth_refused(j, a->name, 0);
		return;
	}
	ok = account_verify_start(j->api->pwcache, j->api->pwpool, a->name,
				  a->pwhash, j->s->pass, j->s->pass_len,
				  loop_now_ms(j->api->box->loop), sb_verified, j,
				  &j->verify);
	explicit_bzero(j->s->pass, sizeof(j->s->pass));
	if (ok == ACCOUNT_VERIFY_PENDING) {
		j->acct = malloc(sizeof(*j->acct));
		if (j->acct == NULL) {
			account_verify_cancel(j->verify);
			j->verify = NULL;
			sb_job_end(j, SB_FAILED, SB_R_NONE);
			return;
		}
		*j->acct = *a;
		return;
	}
	if (ok == ACCOUNT_VERIFY_BUSY) {
		httpd_req_note(j->req, "refused acct=%s reason=\"password checks "
			       "busy\"", a->name);
		sb_job_end(j, SB_SYS_ERROR, SB_R_NONE);
	} else if (ok != 1) {
		sb_auth_refused(j, a->name, ok);
	} else {
		sb_authorized(j, a);
	}
}

static void sb_start(struct sb_api *api, struct httpd_req *req,
		     struct sb_send *s, enum sb_flavour fl, bool balance)
{
	char key[ACCOUNT_KEY_MAX];
	const struct account *a;
	struct sb_job *j;

	if (!s->user_valid) {
		sb_api_answer(req, fl, SB_AUTH_FAILED, SB_R_NONE, 0);
		sb_send_free(s);
		return;
	}
	j = sb_job_new(api, req, s, fl);
	if (j == NULL) {
		sb_api_answer(req, fl, SB_FAILED, SB_R_NONE, 0);
		sb_send_free(s);
		return;
	}
	j->balance = balance;
	/* A send may use the record read a moment ago (account-cache); a
	 * balance is always Redis's. */
	if (!balance && (a = sb_acache_get(api, s->user)) != NULL) {
		sb_check_account(j, a);
		return;
	}
	if (mt_accept_acct_key(api->acc, s->user, key, sizeof(key)) < 0 ||
	    redis_command(api->box->redis, sb_auth_reply, j, "HGETALL %s",
			  key) != 0)
		sb_job_end(j, SB_SYS_ERROR, SB_R_NONE);
}

void sb_api_send(struct sb_api *api, struct httpd_req *req, struct sb_send *s,
		 enum sb_flavour fl)
{
	sb_start(api, req, s, fl, false);
}

/* ---- parameters ------------------------------------------------------------- */

int sb_api_params(struct httpd_req *req, struct http_params *ps, char **buf,
		  unsigned flags)
{
	const char *q = httpd_req_query(req), *body = "";
	const char *ct = httpd_req_header(req, "Content-Type");
	size_t qlen = strlen(q), blen = 0, len, cap;
	char *raw;
	int rc;

	*buf = NULL;
	if (strcmp(httpd_req_method(req), "POST") == 0) {
		body = httpd_req_body(req, &blen);
		if (blen > 0 && ct != NULL &&
		    strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0)
			return -100;
	}
	len = qlen + 1 + blen;
	cap = len + 2 * HTTP_PARAMS_MAX + 1;
	raw = malloc(len + 1);
	*buf = malloc(cap);
	if (raw == NULL || *buf == NULL) {
		free(raw);
		return HTTP_PARAMS_ETOOBIG;
	}
	memcpy(raw, q, qlen);
	raw[qlen] = '&';
	memcpy(raw + qlen + 1, body, blen);
	http_params_init(ps, *buf, cap, HTTP_PARAMS_MAX, flags);
	rc = http_params_parse((const uint8_t *)raw, len, ps);
	free(raw);
	return rc;
}

static const char *sb_val(const struct http_params *ps, const char *name,
			  size_t *len)
{
	const struct http_param *p = http_params_get(ps, name);

	*len = p != NULL ? p->value_len : 0;
	return p != NULL ? p->value : NULL;
}

/* ---- seed 004 /SMSsend ---------------------------------------------------- */

struct sb_type {
	const char *name;
	enum mt_accept_kind kind;
	bool hex, flash, bookmark;
	unsigned max_parts;	/* 0: the link's max-parts */
};

static const struct sb_type sb_types[] = {
	{ "SMS", MT_ACCEPT_TEXT, false, false, false, 1 },
	{ "LongSMS", MT_ACCEPT_TEXT, false, false, false, 0 },
	{ "FlashSMS", MT_ACCEPT_TEXT, false, true, false, 1 },
	{ "Unicode", MT_ACCEPT_UCS2, true, false, false, 1 },
	{ "Longunicode", MT_ACCEPT_UCS2, true, false, false, 4 },
	{ "uni_flash", MT_ACCEPT_UCS2, true, true, false, 1 },
	{ "Binary", MT_ACCEPT_BINARY, true, false, false, 0 },
	{ "bookmark", MT_ACCEPT_BINARY, false, false, true, 0 },
};

static const struct sb_type *sb_type_find(const char *v, size_t len)
{
	if (v == NULL || len == 0)
		return &sb_types[0];
	for (size_t i = 0; i < sizeof(sb_types) / sizeof(sb_types[0]); i++)
		if (strlen(sb_types[i].name) == len &&
		    strncasecmp(sb_types[i].name, v, len) == 0)
			return &sb_types[i];
	return NULL;
}

/* Text as UTF-8: kept when valid, else read as ISO-8859-1 (old clients). */
static int sb_text(struct sb_send *s, const char *v, size_t len)
{
	int n;

	if (ucs2_units((const uint8_t *)v, len, NULL) >= 0) {
		s->data = malloc(len + 1);
		if (s->data == NULL)
			return -1;
		memcpy(s->data, v, len);
		s->len = len;
		return 0;
	}
	s->data = malloc(2 * len + 1);
	if (s->data == NULL)
		return -1;
	n = latin1_to_utf8((const uint8_t *)v, len, s->data, 2 * len + 1);
	if (n < 0)
		return -1;
	s->len = (size_t)n;
	return 0;
}

/*
 * A WAP Push Service Indication (WAP-167) for url: WSP push header with
 * content type application/vnd.wap.sic, then SI 1.0 in WBXML with the URL
 * as href and as text; UDH with 16-bit ports 2948 <- 9200.
 */
static int sb_bookmark(struct sb_send *s, const char *url, size_t len)
{
	static const uint8_t udh[] = { 0x06, 0x05, 0x04, 0x0b, 0x84, 0x23, 0xf0 };
	static const uint8_t head[] = { 0x01, 0x06, 0x04, 0x03, 0xae, 0x81, 0xea,
					0x02, 0x05, 0x6a, 0x00, 0x45, 0xc6,
					0x0b, 0x03 };
	uint8_t *p;

	if (len > SB_BOOKMARK_URL_MAX || memchr(url, 0, len) != NULL)
		return SB_TOO_LONG;
	s->udh = malloc(sizeof(udh));
	s->data = malloc(sizeof(head) + 2 * len + 8);
	if (s->udh == NULL || s->data == NULL)
		return SB_FAILED;
	memcpy(s->udh, udh, sizeof(udh));
	s->udh_len = sizeof(udh);
	p = s->data;
	memcpy(p, head, sizeof(head));
	p += sizeof(head);
	memcpy(p, url, len);
	p += len;
	*p++ = 0x00;	/* end of the href string */
	*p++ = 0x01;	/* end of attributes */
	*p++ = 0x03;	/* inline string: the text */
	memcpy(p, url, len);
	p += len;
	*p++ = 0x00;
	*p++ = 0x01;	/* </indication> */
	*p++ = 0x01;	/* </si> */
	s->len = (size_t)(p - s->data);
	return SB_SUCCESS;
}

/* Hex content: Unicode (UCS-2) or Binary (UDH first; UDHL 00 = none). */
static int sb_hex(struct sb_send *s, const struct sb_type *t, const char *v,
		  size_t len)
{
	struct udh u;
	int n;

	s->data = malloc(len / 2 + 1);
	if (s->data == NULL)
		return SB_FAILED;
	n = http_params_hex_decode(v, len, s->data, len / 2 + 1);
	if (n < 0)
		return SB_WRONG_FORMAT;
	s->len = (size_t)n;
	if (t->kind != MT_ACCEPT_BINARY)
		return (n % 2) != 0 ? SB_WRONG_FORMAT : SB_SUCCESS;
	if (udh_decode(s->data, s->len, &u) < 0)
		return SB_WRONG_FORMAT;
	if (u.len > 1) {
		s->udh = malloc(u.len);
		if (s->udh == NULL)
			return SB_FAILED;
		memcpy(s->udh, s->data, u.len);
		s->udh_len = u.len;
	}
	memmove(s->data, s->data + u.len, s->len - u.len);
	s->len -= u.len;
	return s->len == 0 && s->udh_len == 0 ? SB_NO_MESSAGE : SB_SUCCESS;
}

static int sb_content(struct sb_send *s, const struct sb_type *t, const char *v,
		      size_t len)
{
	s->kind = t->kind;
	s->flash = t->flash;
	s->max_parts = t->max_parts;
	if (t->bookmark)
		return sb_bookmark(s, v, len);
	if (t->hex)
		return sb_hex(s, t, v, len);
	return sb_text(s, v, len) == 0 ? SB_SUCCESS : SB_FAILED;
}

/* Splits the comma list into s->to. */
static int sb_numbers(struct sb_send *s, const char *v, size_t len)
{
	size_t i = 0;

	while (i <= len) {
		const char *c = memchr(v + i, ',', len - i);
		size_t e = c != NULL ? (size_t)(c - v) : len;

		if (!sb_number_valid(v + i, e - i))
			return SB_WRONG_NUMBER;
		memcpy(s->to[s->nto], v + i, e - i);
		s->to[s->nto][e - i] = 0;
		s->nto++;
		i = e + 1;
	}
	return SB_SUCCESS;
}

static size_t sb_count(const char *v, size_t len, char sep)
{
	size_t n = 1;

	for (size_t i = 0; i < len; i++)
		n += v[i] == sep;
	return n;
}

/* Validates a seed 004 request into s. Returns SB_SUCCESS or the word. */
static int sb_seed_parse(const struct http_params *ps, struct sb_send **out)
{
	size_t ul, pl, nl, ml, tl, ol, dl, il;
	const char *user = sb_val(ps, "user", &ul), *pass = sb_val(ps, "pass", &pl);
	const char *num = sb_val(ps, "number", &nl), *msg = sb_val(ps, "message", &ml);
	const char *type = sb_val(ps, "type", &tl), *own = sb_val(ps, "ownnum", &ol);
	const char *dlv = sb_val(ps, "delivery", &dl), *mid = sb_val(ps, "mess_id", &il);
	const struct sb_type *t;
	struct sb_send *s;
	int rc;

	if (user == NULL || pass == NULL || ul == 0 || pl == 0 || num == NULL ||
	    nl == 0)
		return SB_ERROR;
	if (msg == NULL || ml == 0)
		return SB_NO_MESSAGE;
	if ((t = sb_type_find(type, tl)) == NULL)
		return SB_WRONG_TYPE;
	if (sb_count(num, nl, ',') > MT_ACCEPT_RECIPIENTS_MAX)
		return SB_TOO_MANY_NUMBERS;
	if (own == NULL || !sb_sender_valid(own, ol))
		return SB_ERROR;
	if (dlv != NULL && !(dl == 1 && (dlv[0] == '0' || dlv[0] == '1')))
		return SB_ERROR;
	if (il > SB_MESS_ID_MAX || (dlv != NULL && dlv[0] == '1' && il == 0))
		return SB_ERROR;
	s = sb_send_new(sb_count(num, nl, ','));
	if (s == NULL)
		return SB_FAILED;
	*out = s;
	if ((rc = sb_numbers(s, num, nl)) != SB_SUCCESS)
		return rc;
	memcpy(s->from, own, ol);
	s->dlr = dlv != NULL && dlv[0] == '1';
	if (mid != NULL)
		memcpy(s->mess_id, mid, il);
	sb_send_auth(s, user, ul, pass, pl);
	return sb_content(s, t, msg, ml);
}

static void sb_seed_send(struct sb_api *api, struct httpd_req *req)
{
	struct http_params ps;
	struct sb_send *s = NULL;
	char *buf;
	int rc = sb_api_params(req, &ps, &buf, 0);

	if (rc < 0)
		rc = SB_ERROR;
	else
		rc = sb_seed_parse(&ps, &s);
	free(buf);
	if (rc != SB_SUCCESS) {
		sb_api_answer(req, SB_SEED, (enum sb_word)rc, SB_R_NONE, 0);
		sb_send_free(s);
		return;
	}
	sb_api_send(api, req, s, SB_SEED);
}

/* ---- /balance.php ---------------------------------------------------------- */

static void sb_balance(struct sb_api *api, struct httpd_req *req)
{
	struct http_params ps;
	struct sb_send *s;
	const char *u, *p;
	size_t ul, pl;
	char *buf;
	int rc = sb_api_params(req, &ps, &buf, 0);

	if (rc < 0) {
		free(buf);
		sb_api_answer(req, SB_SEED, SB_ERROR, SB_R_NONE, 0);
		return;
	}
	if ((u = sb_val(&ps, "username", &ul)) == NULL)
		u = sb_val(&ps, "user", &ul);
	if ((p = sb_val(&ps, "password", &pl)) == NULL)
		p = sb_val(&ps, "pass", &pl);
	if (u == NULL || p == NULL || ul == 0 || pl == 0 ||
	    (s = sb_send_new(0)) == NULL) {
		free(buf);
		sb_api_answer(req, SB_SEED, SB_ERROR, SB_R_NONE, 0);
		return;
	}
	sb_send_auth(s, u, ul, p, pl);
	free(buf);
	sb_start(api, req, s, SB_SEED, true);
}

/* ---- the server ------------------------------------------------------------ */

static void sb_handle(struct httpd_req *req, void *arg)
{
	struct sb_api *api = arg;
	const char *path = httpd_req_path(req), *method = httpd_req_method(req);
	static const char notfound[] = "not found";

	if (api->stopping) {
		httpd_answer(req, 503, NULL, "shutting down", 13);
		return;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0) {
		httpd_answer(req, 405, NULL, "method not allowed", 18);
		return;
	}
	if (strcmp(path, "/SMSsend") == 0)
		sb_seed_send(api, req);
	else if (strcmp(path, "/ping") == 0)
		httpd_answer_static(req, 200, NULL, "ok");	/* liveness; no Redis */
	else if (strcmp(path, "/balance.php") == 0 || strcmp(path, "/balance") == 0)
		sb_balance(api, req);
	else if (strcmp(path, "/cgi-bin/sendsms") == 0)
		sb_kannel_sendsms(api, req);
	else
		httpd_answer(req, 404, NULL, notfound, sizeof(notfound) - 1);
}

struct sb_api *sb_api_new(struct box *b, struct mt_accept *acc,
			  const struct conf *c)
{
	const struct conf_group *g = conf_schema_group(c, "smsbox");
	struct cidr proxies[CONF_LIST_MAX];
	struct httpd_config hc;
	struct sb_api *api = calloc(1, sizeof(*api));

	if (api == NULL)
		return NULL;
	api->box = b;
	api->acc = acc;
	api->pwcache = account_pwcache_new(SB_PWCACHE_SLOTS, SB_PWCACHE_TTL_MS);
	api->pwpool = pwhash_pool_new(loop_base(b->loop),
		(unsigned)conf_schema_get_int(b->core, "pwhash-threads"),
		(unsigned)conf_schema_get_int(b->core, "pwhash-queue"));
	api->stop_timer = loop_timer_new(b->loop, sb_stop_fire, api);
	if (api->pwcache == NULL || api->pwpool == NULL ||
	    api->stop_timer == NULL)
		goto fail;
	api->acache_ms = (uint64_t)conf_schema_get_duration_ms(g, "account-cache");
	if (api->acache_ms > 0 &&
	    (api->acache = calloc(SB_ACACHE_SLOTS, sizeof(*api->acache))) == NULL)
		goto fail;
	memset(&hc, 0, sizeof(hc));
	hc.address = conf_schema_get_str(g, "interface");
	hc.port = (unsigned)conf_schema_get_int(g, "port");
	hc.max_body = (size_t)conf_schema_get_int(g, "max-body-size");
	hc.handler = sb_handle;
	hc.handler_arg = api;
	/* X-Forwarded-For from these peers only. */
	hc.trusted_proxies = proxies;
	hc.n_trusted_proxies = conf_schema_get_cidrs(g, "trusted-proxies",
						     proxies);
	api->httpd = httpd_new(loop_base(b->loop), &hc);
	if (api->httpd == NULL)
		goto fail;
	log_info("HTTP API listening interface=%s port=%u trusted-proxies=%zu",
		 hc.address != NULL && hc.address[0] ? hc.address : "*",
		 httpd_port(api->httpd), hc.n_trusted_proxies);
	return api;
fail:
	sb_api_free(api);
	return NULL;
}

unsigned sb_api_port(const struct sb_api *api)
{
	return httpd_port(api->httpd);
}

void sb_api_stop(struct sb_api *api, sb_api_done_fn *done, void *arg)
{
	api->stopping = true;
	api->stop_done = done;
	api->stop_arg = arg;
	sb_stop_check(api);
}

void sb_api_free(struct sb_api *api)
{
	struct sb_job *j, *next;

	if (api == NULL)
		return;
	for (j = api->jobs; j != NULL; j = next) {
		next = j->next;
		if (j->verify != NULL) {	/* no Redis callback will come */
			account_verify_cancel(j->verify);
			sb_send_free(j->s);
			free(j->acct);
			free(j);
			continue;
		}
		j->api = NULL;	/* its Redis callback frees it */
		j->req = NULL;
		j->prev = j->next = NULL;
	}
	api->jobs = NULL;
	httpd_free(api->httpd);
	loop_timer_free(api->stop_timer);
	account_pwcache_free(api->pwcache);
	pwhash_pool_free(api->pwpool);
	if (api->acache != NULL)
		explicit_bzero(api->acache, SB_ACACHE_SLOTS * sizeof(*api->acache));
	free(api->acache);
	free(api);
}
