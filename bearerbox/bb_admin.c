/*
 * bb_admin — /status, /metrics and /health of the bearerbox (bb_admin.h,
 * doc/admin.md). A request for /status or /metrics starts a job: the local
 * counters are read at once, then a few Redis calls (XLEN and GET per link,
 * SCAN of P:modembox:*, P:box:* and P:binds:* with one read per key found)
 * run on the loop; the answer is rendered (bb_adm_render.c) when the last
 * reply is in.
 */
#include "config.h"

#include "bearerbox/bb_admin.h"

#include <hiredis/hiredis.h>
#include <openssl/crypto.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "bearerbox/bb_adm_int.h"
#include "bearerbox/bb_link.h"
#include "shared/codec/conf_schema.h"
#include "shared/codec/http_auth.h"
#include "shared/codec/http_params.h"
#include "shared/io/box.h"
#include "shared/io/httpd.h"
#include "shared/io/log.h"
#include "shared/io/loop.h"
#include "shared/io/redis.h"

#define ADM_QUERY_MAX 1024	/* longer query strings get 400 */
#define ADM_KEYS_MAX 1024	/* keys kept per kind (boxes, modemboxes...) */
#define ADM_SCANS_MAX 10000	/* SCAN calls per kind and request */
#define ADM_SCAN_COUNT "1000"
#define ADM_KEY_MAX (BOX_PREFIX_MAX + 160)

enum adm_what { W_XLEN, W_UP, W_SCAN, W_READ };

static const char *const adm_pattern[ADM_KINDS] = { "box:", "modembox:",
						    "binds:" };
static const char *const adm_type[ADM_KINDS] = { "hash", "hash", "zset" };

/* The private data of one Redis call. */
struct adm_call {
	struct adm_job *j;
	enum adm_what what;
	size_t idx;		/* link index, or enum adm_kind */
	char name[ADM_KEY_MAX];	/* W_READ: the item's name */
};

/* ------------------------------------------------------------ items */

static void item_free(struct adm_item *it)
{
	size_t i;

	for (i = 0; i < 2 * it->n; i++)
		free(it->kv[i]);
	free(it->kv);
	free(it->name);
}

static int item_cmp(const void *x, const void *y)
{
	return strcmp(((const struct adm_item *)x)->name,
		      ((const struct adm_item *)y)->name);
}

/* ------------------------------------------------------------ jobs */

static void job_free(struct adm_job *j)
{
	size_t i, k;

	for (k = 0; k < ADM_KINDS; k++) {
		for (i = 0; i < j->l[k].n; i++)
			item_free(&j->l[k].it[i]);
		free(j->l[k].it);
	}
	if (j->holder != NULL)
		for (i = 0; i < j->nlinks; i++)
			free(j->holder[i]);
	free(j->holder);
	free(j->qlen);
	free(j);
}

static void job_unlink(struct adm_job *j)
{
	struct bb_admin *a = j->a;

	if (a == NULL)
		return;
	if (j->prev != NULL)
		j->prev->next = j->next;
	else
		a->jobs = j->next;
	if (j->next != NULL)
		j->next->prev = j->prev;
}

static void job_finish(struct adm_job *j)
{
	struct adm_buf b = { NULL, 0, 0, false };
	size_t k;

	if (j->a != NULL && j->req != NULL) {
		for (k = 0; k < ADM_KINDS; k++)
			if (j->l[k].n > 1)
				qsort(j->l[k].it, j->l[k].n,
				      sizeof(*j->l[k].it), item_cmp);
		adm_render(j, &b);
		if (b.oom)
			httpd_answer(j->req, 500, NULL, "out of memory\n", 14);
		else
			httpd_answer(j->req, 200, j->fmt == ADM_JSON ?
				     "application/json" : j->fmt == ADM_METRICS ?
				     "text/plain; version=0.0.4; charset=utf-8" :
				     NULL, b.p, b.len);
	}
	free(b.p);
	job_unlink(j);
	job_free(j);
}

static void job_done_one(struct adm_job *j)
{
	if (--j->pending == 0)
		job_finish(j);
}

static void adm_reply(struct redis *r, struct redisReply *reply, void *arg);

/* Sends one call; counts it pending, or marks the job partial. */
static void job_call(struct adm_job *j, struct redis *r, enum adm_what what,
		     size_t idx, const char *name, int argc, const char **argv)
{
	struct adm_call *c = calloc(1, sizeof(*c));

	if (c == NULL || r == NULL) {
		free(c);
		j->partial = true;
		return;
	}
	c->j = j;
	c->what = what;
	c->idx = idx;
	snprintf(c->name, sizeof(c->name), "%s", name != NULL ? name : "");
	if (redis_command_argv(r, adm_reply, c, argc, argv, NULL) != 0) {
		free(c);
		j->partial = true;
		return;
	}
	j->pending++;
}

static void job_scan(struct adm_job *j, struct redis *r, enum adm_kind k,
		     const char *cursor)
{
	char pat[ADM_KEY_MAX];
	const char *argv[8] = { "SCAN", cursor, "MATCH", pat, "COUNT",
				ADM_SCAN_COUNT, "TYPE", adm_type[k] };

	if (box_key(j->a->b, pat, sizeof(pat), "%s*", adm_pattern[k]) < 0)
		return;
	j->l[k].scans++;
	job_call(j, r, W_SCAN, k, NULL, 8, argv);
}

/* A key found by SCAN: read it (HGETALL, or the live members of a zset). */
static void job_read(struct adm_job *j, struct redis *r, enum adm_kind k,
		     const char *key)
{
	size_t plen = strlen(j->a->b->prefix) + 1 + strlen(adm_pattern[k]);
	struct timeval tv;
	char now[32];

	if (strlen(key) <= plen || j->l[k].n + j->pending >= ADM_KEYS_MAX) {
		j->partial = j->partial || strlen(key) > plen;
		return;
	}
	if (k == ADM_BINDS) {
		const char *argv[4] = { "ZRANGEBYSCORE", key, now, "+inf" };

		gettimeofday(&tv, NULL);
		snprintf(now, sizeof(now), "%lld",
			 (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000);
		job_call(j, r, W_READ, k, key + plen, 4, argv);
	} else {
		const char *argv[2] = { "HGETALL", key };

		job_call(j, r, W_READ, k, key + plen, 2, argv);
	}
}

static void job_store(struct adm_job *j, enum adm_kind k, const char *name,
		      const struct redisReply *rep)
{
	struct adm_list *l = &j->l[k];
	struct adm_item *it;
	size_t i, n;

	if (rep->type != REDIS_REPLY_ARRAY || rep->elements == 0)
		return;		/* expired between SCAN and the read */
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct adm_item *p = realloc(l->it, cap * sizeof(*p));

		if (p == NULL) {
			j->partial = true;
			return;
		}
		l->it = p;
		l->cap = cap;
	}
	n = k == ADM_BINDS ? rep->elements : rep->elements / 2;
	it = &l->it[l->n];
	it->name = strdup(name);
	it->kv = calloc(2 * n + 1, sizeof(*it->kv));
	it->n = 0;
	if (it->name == NULL || it->kv == NULL) {
		free(it->name);
		free(it->kv);
		j->partial = true;
		return;
	}
	for (i = 0; i < n; i++) {
		const struct redisReply *f = rep->element[k == ADM_BINDS ? i : 2 * i];
		const struct redisReply *v = k == ADM_BINDS ? NULL :
					     rep->element[2 * i + 1];

		if (f->type != REDIS_REPLY_STRING ||
		    (v != NULL && v->type != REDIS_REPLY_STRING))
			continue;
		it->kv[2 * it->n] = strndup(f->str, f->len);
		it->kv[2 * it->n + 1] = strndup(v != NULL ? v->str : "",
						v != NULL ? v->len : 0);
		if (it->kv[2 * it->n] == NULL || it->kv[2 * it->n + 1] == NULL) {
			free(it->kv[2 * it->n]);
			free(it->kv[2 * it->n + 1]);
			j->partial = true;
			break;
		}
		it->n++;
	}
	l->n++;
}

static void adm_reply(struct redis *r, struct redisReply *reply, void *arg)
{
	struct adm_call *c = arg;
	struct adm_job *j = c->j;
	bool live = r != NULL && j->a != NULL && j->req != NULL;
	size_t i;

	if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
		j->partial = true;
		goto out;
	}
	switch (c->what) {
	case W_XLEN:
		if (reply->type == REDIS_REPLY_INTEGER)
			j->qlen[c->idx] = reply->integer;
		break;
	case W_UP:
		if (reply->type == REDIS_REPLY_STRING)
			j->holder[c->idx] = strndup(reply->str, reply->len);
		break;
	case W_SCAN:
		if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
		    reply->element[0]->type != REDIS_REPLY_STRING ||
		    reply->element[1]->type != REDIS_REPLY_ARRAY) {
			j->partial = true;
			break;
		}
		for (i = 0; live && i < reply->element[1]->elements; i++) {
			const struct redisReply *k = reply->element[1]->element[i];

			if (k->type == REDIS_REPLY_STRING)
				job_read(j, r, (enum adm_kind)c->idx, k->str);
		}
		if (strcmp(reply->element[0]->str, "0") == 0)
			break;
		if (live && j->l[c->idx].scans < ADM_SCANS_MAX)
			job_scan(j, r, (enum adm_kind)c->idx,
				 reply->element[0]->str);
		else
			j->partial = true;
		break;
	case W_READ:
		job_store(j, (enum adm_kind)c->idx, c->name, reply);
		break;
	}
out:
	free(c);
	job_done_one(j);
}

/* ------------------------------------------------------------ requests */

static void adm_start(struct bb_admin *a, struct httpd_req *req,
		      enum adm_fmt fmt)
{
	struct adm_job *j = calloc(1, sizeof(*j));
	struct redis *r = a->b->redis;
	size_t i, k;

	if (j == NULL)
		goto oom;
	j->a = a;
	j->req = req;
	j->fmt = fmt;
	j->nlinks = a->src.nlinks;
	j->qlen = malloc((a->src.nlinks + 1) * sizeof(*j->qlen));
	j->holder = calloc(a->src.nlinks + 1, sizeof(*j->holder));
	if (j->qlen == NULL || j->holder == NULL)
		goto oom;
	j->next = a->jobs;
	if (j->next != NULL)
		j->next->prev = j;
	a->jobs = j;
	j->redis = redis_connected(r);
	j->pending = 1;		/* this function's own reference */
	for (i = 0; i < a->src.nlinks; i++) {
		const char *id = bb_link_id(a->src.links[i]);
		char key[ADM_KEY_MAX];
		const char *argv[2] = { NULL, key };

		j->qlen[i] = -1;
		if (!j->redis)
			continue;
		argv[0] = "XLEN";
		if (box_key(a->b, key, sizeof(key), "q:%s", id) > 0)
			job_call(j, r, W_XLEN, i, NULL, 2, argv);
		argv[0] = "GET";
		if (box_key(a->b, key, sizeof(key), "link:%s:up", id) > 0)
			job_call(j, r, W_UP, i, NULL, 2, argv);
	}
	for (k = 0; j->redis && k < ADM_KINDS; k++)
		if (k != ADM_BINDS || a->src.server != NULL)
			job_scan(j, r, (enum adm_kind)k, "0");
	job_done_one(j);
	return;
oom:
	if (j != NULL)
		job_free(j);
	httpd_answer(req, 500, NULL, "out of memory\n", 14);
}

/* Equal lengths, then bytes compared in constant time. */
static bool adm_pw_equal(const char *want, const char *got, size_t got_len)
{
	size_t n = strlen(want);

	return n == got_len && CRYPTO_memcmp(want, got, n) == 0;
}

/* True when the request may see /status and /metrics. */
static bool adm_authorized(const struct bb_admin *a, struct httpd_req *req,
			   const struct http_params *ps)
{
	const struct http_param *p = http_params_get(ps, "password");
	const char *h = httpd_req_header(req, "Authorization");
	struct http_auth_basic cred;
	bool ok = false;

	if (a->password == NULL || a->password[0] == '\0')
		return true;
	if (p != NULL)
		ok = adm_pw_equal(a->password, p->value, p->value_len);
	else if (h != NULL &&
		 http_auth_basic_parse((const uint8_t *)h, strlen(h), &cred) == 0)
		ok = adm_pw_equal(a->password, cred.password,
				  cred.password_len);
	OPENSSL_cleanse(&cred, sizeof(cred));
	if (!ok)
		log_warn("admin: %s client=%s path=%s",
			 p != NULL || h != NULL ? "wrong password" :
						  "no password",
			 httpd_req_client_ip(req), httpd_req_path(req));
	return ok;
}

static void adm_handle(struct httpd_req *req, void *arg)
{
	static const char unauth[] = "unauthorized: admin-password needed\n";
	static const char notfound[] = "not found: try /status, /metrics, /health\n";
	struct bb_admin *a = arg;
	const char *path = httpd_req_path(req), *q = httpd_req_query(req);
	const struct http_param *fmt;
	struct http_params ps;
	char store[ADM_QUERY_MAX + 2 * 16];
	size_t qlen = strlen(q);

	if (strcmp(httpd_req_method(req), "GET") != 0 &&
	    strcmp(httpd_req_method(req), "HEAD") != 0) {
		httpd_answer(req, 405, NULL, "method not allowed\n", 19);
		return;
	}
	if (strcmp(path, "/health") == 0) {
		if (redis_connected(a->b->redis))
			httpd_answer(req, 200, NULL, "ok\n", 3);
		else
			httpd_answer(req, 503, NULL, "redis down\n", 11);
		return;
	}
	if (strcmp(path, "/status") != 0 && strcmp(path, "/metrics") != 0) {
		httpd_answer(req, 404, NULL, notfound, sizeof(notfound) - 1);
		return;
	}
	http_params_init(&ps, store, sizeof(store), 16, 0);
	if (qlen > ADM_QUERY_MAX ||
	    http_params_parse((const uint8_t *)q, qlen, &ps) < 0) {
		httpd_answer(req, 400, NULL, "bad query string\n", 17);
		return;
	}
	if (!adm_authorized(a, req, &ps)) {
		httpd_req_answer_header(req, "WWW-Authenticate",
					"Basic realm=\"hermod admin\", "
					"charset=\"UTF-8\"");
		httpd_answer(req, 401, NULL, unauth, sizeof(unauth) - 1);
		return;
	}
	if (strcmp(path, "/metrics") == 0) {
		adm_start(a, req, ADM_METRICS);
		return;
	}
	fmt = http_params_get(&ps, "format");
	if (fmt == NULL || strcmp(fmt->value, "json") == 0)
		adm_start(a, req, ADM_JSON);
	else if (strcmp(fmt->value, "text") == 0)
		adm_start(a, req, ADM_TEXT);
	else
		httpd_answer(req, 400, NULL, "format: json or text\n", 21);
}

/* Requests at debug level (a scraper every few seconds), failures at info. */
static void adm_access(const struct httpd_access *x, void *arg)
{
	(void)arg;
	if (x->status >= 200 && x->status < 300)
		log_debug("admin request method=%s path=%s query=%s client=%s "
			  "status=%u bytes=%zu ms=%llu", x->method, x->path,
			  x->query, x->client_ip, x->status, x->answer_len,
			  x->ms);
	else
		log_info("admin request method=%s path=%s query=%s client=%s "
			 "status=%u ms=%llu", x->method, x->path, x->query,
			 x->client_ip, x->status, x->ms);
}

/* ------------------------------------------------------------ public */

struct bb_admin *bb_admin_new(struct box *b, const struct bb_admin_src *src)
{
	struct bb_admin *a = calloc(1, sizeof(*a));
	struct httpd_config hc;

	if (a == NULL)
		return NULL;
	a->b = b;
	a->src = *src;
	a->password = conf_schema_get_str(b->core, "admin-password");
	a->started = (time_t)b->started;
	a->started_ms = loop_now_ms(b->loop);
	memset(&hc, 0, sizeof(hc));
	hc.address = conf_schema_get_str(b->core, "admin-interface");
	hc.port = (unsigned)conf_schema_get_int(b->core, "admin-port");
	hc.max_body = 1024;
	hc.max_connections = 64;
	hc.handler = adm_handle;
	hc.handler_arg = a;
	hc.access = adm_access;
	a->httpd = httpd_new(loop_base(b->loop), &hc);
	if (a->httpd == NULL) {
		log_error("cannot start the admin interface interface=%s port=%u",
			  hc.address != NULL ? hc.address : "*", hc.port);
		free(a);
		return NULL;
	}
	log_info("admin interface listening interface=%s port=%u password=%s",
		 hc.address != NULL && hc.address[0] ? hc.address : "*",
		 httpd_port(a->httpd),
		 a->password != NULL && a->password[0] ? "yes" : "no");
	return a;
}

void bb_admin_stop(struct bb_admin *a)
{
	struct adm_job *j;

	if (a == NULL || a->httpd == NULL)
		return;
	for (j = a->jobs; j != NULL; j = j->next)
		j->req = NULL;	/* httpd_free answers them 503 */
	httpd_free(a->httpd);
	a->httpd = NULL;
	log_info("admin interface stopped");
}

void bb_admin_free(struct bb_admin *a)
{
	struct adm_job *j, *next;

	if (a == NULL)
		return;
	bb_admin_stop(a);
	for (j = a->jobs; j != NULL; j = next) {
		next = j->next;
		j->a = NULL;	/* freed by its last Redis reply */
		j->prev = j->next = NULL;
	}
	free(a);
}
