/*
 * mt_accept — route, encode, split, then price, debit and queue every part of
 * a message for all its recipients in one Redis Lua script (all or none).
 * The data model is doc/redis-keys.md (P:acct, P:rates, P:seq, P:msg:ID,
 * P:q:LINK); the split rules are shared/codec/sms_split.h.
 * Layer: shared/io. Runs on the box's event loop.
 */
#include "config.h"

#include "shared/io/mt_accept.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "shared/codec/conf_schema.h"
#include "shared/codec/money.h"
#include "shared/codec/msgrec.h"
#include "shared/codec/qentry.h"
#include "shared/codec/route.h"
#include "shared/codec/sms_split.h"
#include "shared/codec/ucs2.h"
#include "shared/codec/udh.h"
#include "shared/io/account.h"
#include "shared/io/box.h"
#include "shared/io/log.h"
#include "shared/io/loop.h"
#include "shared/io/redis.h"

#define MT_LINKS_MAX 256
#define MT_REFRESH_MS 1000
#define MT_PARTS_GUESS 4	/* parts allocated before the splitter counts */
#define MT_BATCH_MAX 256	/* redis-batch default (no core group) */
#define MT_BATCH_MS 1		/* redis-batch-delay default, ms */
/* P:msg:ID lives for the longest relay-timeout of the links, then the
 * receipt window of the operator id mappings (bearerbox/bb_dlr.c), then
 * an hour: it never needs an EXPIRE after its final status. */
#define MT_RECEIPT_WINDOW_S (72 * 3600)
#define MT_TTL_MARGIN_S 3600
/* P:cat:ACCT:TO:REF:TOTAL lives this long after a customer's first part */
#define MT_CAT_TTL_S "3600"


enum mt_method { MT_UDH, MT_SAR, MT_PAYLOAD, MT_METHODS };

struct mt_link {
	char id[ROUTE_ID_MAX];
	enum mt_method method;
	unsigned max_parts;
	bool up;
};

/* One request: its part of the batch's arguments, copied (the caller's
 * message is borrowed for mt_accept_submit() only). */
struct mt_job {
	mt_accept_done_fn *done;
	void *arg;
	unsigned parts;
	struct mt_job *next;	/* in the batch, in call order */
	char *buf;		/* the arguments back to back */
	size_t *off, *len;
	size_t nargs;
};

/* The requests waiting for the next script call. */
struct mt_batch {
	struct mt_job *head, *tail;
	size_t n, nargs;
};

/* A copy of P:rates, for pricing in the box (the script checks it is
 * current: see mt_script). */
struct mt_rate {
	char prefix[ACCOUNT_PREFIX_MAX + 1];
	int64_t units;
};

struct mt_rates {
	struct mt_rate *v;	/* sorted by prefix; "default" is dflt */
	size_t n;
	int64_t dflt;		/* -1: no default rate */
	char version[32];	/* P:rates:version read with them */
};

struct mt_accept {
	struct box *box;
	const struct route_table *routes;
	struct mt_link *links;
	size_t nlinks;
	struct loop_timer *refresh;
	struct mt_probe *probe;	/* the MGET of up keys in flight, or NULL */
	struct mt_probe *rprobe;	/* the rates version or copy in flight */
	struct redis_script *script, *rscript;
	struct mt_rates rates;
	struct mt_batch batch;		/* not sent yet */
	struct mt_job *refused;		/* a batch Redis did not take */
	struct loop_timer *flush;	/* sends the batch; answers refused */
	size_t batch_max;		/* core redis-batch */
	unsigned long batch_ms;		/* core redis-batch-delay */
	const char **argv;		/* flush scratch */
	size_t *argvlen, vcap;
	uint16_t ref;
	/* the constant keys, made once: "{prefix}:", its rates and seq */
	char pfx[BOX_PREFIX_MAX + 2];
	char krates[BOX_PREFIX_MAX + 8], kseq[BOX_PREFIX_MAX + 8];
	char kratesv[BOX_PREFIX_MAX + 16];
	char ttl[24];		/* P:msg:ID TTL, seconds */
};

/* One encoding of the message for one long-message method. */
struct mt_split {
	bool done;
	int err;
	char coding;		/* '0' GSM, '8' UCS-2, '4' 8-bit */
	unsigned bill;		/* parts priced */
	size_t n;		/* queue entries */
	struct sms_part *parts;	/* UDH / SAR */
	uint8_t *payload;	/* PAYLOAD: the whole message */
	size_t payload_len;
	const uint8_t *udh;	/* PAYLOAD binary: the caller's UDH */
	size_t udh_len;
	bool sar;		/* SAR: each part's ref, total and seq */
	bool own;		/* one part the sender concatenated itself */
	uint8_t *packed;	/* the entries' `m` fields (qentry), back to back */
	size_t *packed_len;
};

struct mt_probe {
	struct mt_accept *a;	/* NULL once a is freed */
};


/*
 * The accept script: up to redis-batch requests in one call, each all or
 * nothing. A redis.call and every argument cost a script thousands of
 * instructions whatever they do, so what a batch shares is done once: the
 * rates version, each account's credit (read once, debited once at the end
 * by the sum of its requests), P:seq (read once, the ids counted in the
 * script, one INCRBY at the end: the same ids as an INCR per message, as the
 * script runs alone), the call itself.
 *
 * The box prices the recipients from its copy of P:rates (mt_rates_*) and
 * passes the version it copied; when P:rates:version says otherwise (a rate
 * changed since) the script prices them from P:rates itself.
 *
 * The message record is `parts`, `rpt` (the event stream's name after
 * "P:ev:" when a report is wanted), `im` = 1 when it also wants its
 * intermediate statuses (bb_dlr), and `m`, the rest packed by the box
 * (shared/codec/msgrec.h): the script never reads it, the final-status
 * event copies it.
 *
 * A part the sender concatenated itself (cat "REF:TOTAL:SEQ:ACCT") joins the
 * message of the parts before it: P:cat:ACCT:TO:REF:TOTAL (a hash: id, n
 * parts seen, sSEQ) gives their id, whose record (parts = TOTAL) the first
 * part wrote; the last part deletes it; a SEQ seen already starts a new
 * message (the sender reused the reference).
 *
 * KEYS: "{prefix}:" (the slot of every key). ARGV: prefix, TTL of P:msg:ID,
 * requests, then per request (mt_send()): account key, the rates version
 * its prices are from, rpt ("" for no report), recipients, splits, cat (""
 * for none), im ("1": intermediate statuses wanted, `im` = 1 in the record
 * with rpt; "" for none), the account's throughput ("" for none: counted in
 * P:tp:NAME:SECOND of Redis's clock, read once and added to once per call);
 * per split: entries, parts billed, the entries' m fields; per recipient:
 * number, link, split, price ("" for none), the record's m.
 * Returns per request {'ok', cost, credit left, id per recipient},
 * {'credit', cost, credit}, {'throttled'}, {'norate', number}, {'noacct'} or
 * {'error', why}.
 */
static const char mt_script[] =
	"local pfx, ttl, nreq = ARGV[1], ARGV[2], tonumber(ARGV[3])\n"
	"local krates, kseq = pfx .. 'rates', pfx .. 'seq'\n"
	"local version = redis.call('GET', pfx .. 'rates:version') or ''\n"
	"local credits, order, out = {}, {}, {}\n"
	"local tps, tporder, sec = {}, {}, nil\n"
	"local function fmt(n) return string.format('%d', n) end\n"
	/* P:seq: last is the last id given, used how many this call gave */
	"local last, used = nil, 0\n"
	"local function next_id()\n"
	"  if last == nil then\n"
	"    local v = redis.call('GET', kseq) or '0'\n"
	"    last = tonumber(v)\n"
	"    if not last or last ~= math.floor(last) then\n"
	"      last = nil\n"
	"      error({err = 'ERR ' .. kseq .. ' is not an integer'})\n"
	"    end\n"
	"  end\n"
	"  last, used = last + 1, used + 1\n"
	"  return fmt(last)\n"
	"end\n"
	/* where the request at i ends */
	"local function extent(i)\n"
	"  local nrec, nsplit = tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4])\n"
	"  i = i + 8\n"
	"  for s = 1, nsplit do i = i + 2 + tonumber(ARGV[i]) end\n"
	"  return i + 5 * nrec\n"
	"end\n"
	"local function price_of(to)\n"
	"  local f = {}\n"
	"  for l = #to, 1, -1 do f[#f + 1] = string.sub(to, 1, l) end\n"
	"  f[#f + 1] = 'default'\n"
	"  local v = redis.call('HMGET', krates, unpack(f))\n"
	"  for k = 1, #f do\n"
	"    if v[k] then return tonumber(v[k]) end\n"
	"  end\n"
	"  return nil\n"
	"end\n"
	"local function one(i)\n"
	"  local akey, fresh, rpt = ARGV[i], ARGV[i + 1] == version, ARGV[i + 2]\n"
	"  local nrec, nsplit = tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4])\n"
	"  local sn, sb, sf = {}, {}, {}\n"
	"  local cref, ctot, cseq, cacct = string.match(ARGV[i + 5],\n"
	"    '^(%d+):(%d+):(%d+):(.+)$')\n"
	"  local im, tplim = ARGV[i + 6], ARGV[i + 7]\n"
	"  i = i + 8\n"
	"  for s = 1, nsplit do\n"
	"    sn[s], sb[s], sf[s] = ARGV[i], tonumber(ARGV[i + 1]), i + 2\n"
	"    i = i + 2 + tonumber(ARGV[i])\n"
	"  end\n"
	"  local total = 0\n"
	"  for j = i, i + 5 * nrec - 1, 5 do\n"
	"    local price\n"
	"    if fresh then price = tonumber(ARGV[j + 3]) else price = price_of(ARGV[j]) end\n"
	"    if price == nil or price < 0 then return {'norate', ARGV[j]} end\n"
	"    total = total + price * sb[tonumber(ARGV[j + 2])]\n"
	"  end\n"
	"  local c = credits[akey]\n"
	"  if c == nil then\n"
	"    local v = redis.call('HGET', akey, 'credit')\n"
	"    if not v and redis.call('EXISTS', akey) == 0 then c = false\n"
	"    else c = {have = tonumber(v or '0') or 0, debit = 0} end\n"
	"    credits[akey] = c\n"
	"    order[#order + 1] = akey\n"
	"  end\n"
	"  if not c then return {'noacct'} end\n"
	"  local left = c.have - c.debit\n"
	"  if left < total then return {'credit', fmt(total), fmt(left)} end\n"
	/* the account's throughput: a second that has seen messages takes no
	 * more than the limit; an empty one takes any request. The key's NAME
	 * is akey's after "P:acct:" (mt_accept_acct_key()). */
	"  if tplim ~= '' then\n"
	"    local t = tps[akey]\n"
	"    if t == nil then\n"
	"      sec = sec or redis.call('TIME')[1]\n"
	"      local k = pfx .. 'tp:' .. string.sub(akey, #pfx + 6) .. ':' .. sec\n"
	"      t = {k = k, seen = tonumber(redis.call('GET', k) or '0') or 0, add = 0}\n"
	"      tps[akey] = t\n"
	"      tporder[#tporder + 1] = akey\n"
	"    end\n"
	"    local seen = t.seen + t.add\n"
	"    if seen > 0 and seen + nrec > tonumber(tplim) then return {'throttled'} end\n"
	"    t.add = t.add + nrec\n"
	"  end\n"
	"  local res = {'ok', fmt(total), fmt(left - total)}\n"
	"  for j = i, i + 5 * nrec - 1, 5 do\n"
	"    local to, link, s = ARGV[j], ARGV[j + 1], tonumber(ARGV[j + 2])\n"
	"    local id, parts, rec = nil, sn[s], true\n"
	"    if cref then\n"
	"      local ck = pfx .. 'cat:' .. cacct .. ':' .. to .. ':' .. cref ..\n"
	"        ':' .. ctot\n"
	"      local h = redis.call('HMGET', ck, 'id', 's' .. cseq, 'n')\n"
	"      if h[1] and not h[2] then\n"
	"        id, rec = h[1], false\n"
	"        local n = (tonumber(h[3]) or 1) + 1\n"
	"        if n >= tonumber(ctot) then redis.call('DEL', ck)\n"
	"        else redis.call('HSET', ck, 's' .. cseq, '1', 'n', n) end\n"
	"      else\n"
	"        id, parts = next_id(), ctot\n"
	"        if h[1] then redis.call('DEL', ck) end\n"
	"        redis.call('HSET', ck, 'id', id, 's' .. cseq, '1', 'n', '1')\n"
	"        redis.call('EXPIRE', ck, " MT_CAT_TTL_S ")\n"
	"      end\n"
	"    else\n"
	"      id = next_id()\n"
	"    end\n"
	"    local mk = pfx .. 'msg:' .. id\n"
	"    if rec then\n"
	"      if rpt ~= '' and im ~= '' then\n"
	"        redis.call('HSET', mk, 'parts', parts, 'rpt', rpt, 'm', ARGV[j + 4],\n"
	"          'im', '1')\n"
	"      elseif rpt ~= '' then\n"
	"        redis.call('HSET', mk, 'parts', parts, 'rpt', rpt, 'm', ARGV[j + 4])\n"
	"      else\n"
	"        redis.call('HSET', mk, 'parts', parts, 'm', ARGV[j + 4])\n"
	"      end\n"
	"      redis.call('EXPIRE', mk, ttl)\n"
	"    end\n"
	"    local q = pfx .. 'q:' .. link\n"
	"    for p = sf[s], sf[s] + tonumber(sn[s]) - 1 do\n"
	"      redis.call('XADD', q, '*', 'id', id, 'to', to, 'm', ARGV[p])\n"
	"    end\n"
	"    res[#res + 1] = id\n"
	"  end\n"
	"  c.debit = c.debit + total\n"
	"  return res\n"
	"end\n"
	"local i = 4\n"
	"for q = 1, nreq do\n"
	"  local ok, r = pcall(one, i)\n"
	"  if not ok then\n"
	"    r = {'error', type(r) == 'table' and tostring(r.err) or tostring(r)}\n"
	"  end\n"
	"  out[q] = r\n"
	"  i = extent(i)\n"
	"end\n"
	"if used > 0 then redis.call('INCRBY', kseq, fmt(used)) end\n"
	"for _, akey in ipairs(order) do\n"
	"  local c = credits[akey]\n"
	"  if c and c.debit > 0 then\n"
	"    redis.call('HINCRBY', akey, 'credit', fmt(-c.debit))\n"
	"  end\n"
	"end\n"
	"for _, akey in ipairs(tporder) do\n"
	"  local t = tps[akey]\n"
	"  if t.add > 0 then\n"
	"    redis.call('INCRBY', t.k, fmt(t.add))\n"
	"    redis.call('EXPIRE', t.k, 2)\n"
	"  end\n"
	"end\n"
	"return out\n";

/* Returns P:rates:version and P:rates in one snapshot. KEYS rates, version. */
static const char mt_rates_script[] =
	"return {redis.call('GET', KEYS[2]) or '', redis.call('HGETALL', KEYS[1])}\n";

/* ---- the copy of P:rates --------------------------------------------------- */

static int mt_rate_cmp(const void *x, const void *y)
{
	return strcmp(((const struct mt_rate *)x)->prefix,
		      ((const struct mt_rate *)y)->prefix);
}

/* The price per part for recipient to: its longest prefix, else the default;
 * -1 for none. */
static int64_t mt_rates_price(const struct mt_rates *r, const char *to)
{
	struct mt_rate key;
	size_t len = strlen(to);

	if (len > ACCOUNT_PREFIX_MAX)
		len = ACCOUNT_PREFIX_MAX;
	for (; len > 0 && r->n > 0; len--) {
		const struct mt_rate *hit;

		memcpy(key.prefix, to, len);
		key.prefix[len] = '\0';
		hit = bsearch(&key, r->v, r->n, sizeof(*r->v), mt_rate_cmp);
		if (hit != NULL)
			return hit->units;
	}
	return r->dflt;
}

/* {version, [prefix, units, ...]}: replaces the copy. A field that is not a
 * valid prefix or price is left out (the script prices such a recipient the
 * same way: no rate). */
static void mt_rates_loaded(struct redis *r, struct redisReply *reply, void *arg)
{
	struct mt_probe *pr = arg;
	struct mt_accept *a = pr->a;
	const redisReply *h;
	struct mt_rates nr;

	(void)r;
	free(pr);
	if (a == NULL)
		return;
	a->rprobe = NULL;
	if (reply == NULL || reply->type != REDIS_REPLY_ARRAY ||
	    reply->elements != 2 || reply->element[0]->type != REDIS_REPLY_STRING ||
	    reply->element[1]->type != REDIS_REPLY_ARRAY ||
	    reply->element[0]->len >= sizeof(nr.version))
		return;
	h = reply->element[1];
	memset(&nr, 0, sizeof(nr));
	nr.dflt = -1;
	nr.v = calloc(h->elements / 2 + 1, sizeof(*nr.v));
	if (nr.v == NULL)
		return;
	for (size_t i = 0; i + 1 < h->elements; i += 2) {
		const redisReply *f = h->element[i], *v = h->element[i + 1];
		int64_t units;

		if (f->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING ||
		    money_units_parse(v->str, v->len, &units) < 0 || units < 0)
			continue;
		if (strcmp(f->str, ACCOUNT_RATE_DEFAULT) == 0) {
			nr.dflt = units;
		} else if (account_rate_prefix_valid(f->str, f->len)) {
			memcpy(nr.v[nr.n].prefix, f->str, f->len + 1);
			nr.v[nr.n++].units = units;
		}
	}
	qsort(nr.v, nr.n, sizeof(*nr.v), mt_rate_cmp);
	memcpy(nr.version, reply->element[0]->str, reply->element[0]->len + 1);
	free(a->rates.v);
	a->rates = nr;
}

static void mt_rates_version(struct redis *r, struct redisReply *reply,
			     void *arg);

/* Asks Redis for P:rates:version (cmd "GET %s") or, cmd NULL, for the
 * version and a copy of P:rates. One at a time. */
static int mt_rates_send(struct mt_accept *a, const char *cmd)
{
	struct mt_probe *pr = calloc(1, sizeof(*pr));
	const char *keys[2] = { a->krates, a->kratesv };
	int rc;

	if (pr == NULL)
		return -1;
	pr->a = a;
	if (cmd != NULL)
		rc = redis_command(a->box->redis, mt_rates_version, pr, cmd,
				   a->kratesv);
	else
		rc = redis_script_call(a->box->redis, a->rscript, mt_rates_loaded,
				       pr, 2, 2, keys, NULL);
	if (rc != 0) {
		free(pr);
		return -1;
	}
	a->rprobe = pr;
	return 0;
}

/* P:rates:version: a new copy when it changed. */
static void mt_rates_version(struct redis *r, struct redisReply *reply,
			     void *arg)
{
	struct mt_probe *pr = arg;
	struct mt_accept *a = pr->a;
	const char *v;

	(void)r;
	free(pr);
	if (a == NULL)
		return;
	a->rprobe = NULL;
	if (reply == NULL || (reply->type != REDIS_REPLY_STRING &&
			      reply->type != REDIS_REPLY_NIL))
		return;
	v = reply->type == REDIS_REPLY_STRING ? reply->str : "";
	if (strcmp(v, a->rates.version) != 0)
		mt_rates_send(a, NULL);
}

/* ---- links that are up ---------------------------------------------------- */

static bool mt_up(const char *link, void *arg)
{
	const struct mt_accept *a = arg;

	return mt_accept_link_up(a, link);
}

bool mt_accept_link_up(const struct mt_accept *a, const char *link)
{
	for (size_t i = 0; i < a->nlinks; i++)
		if (strcmp(a->links[i].id, link) == 0)
			return a->links[i].up;
	return false;
}

static void mt_refresh_done(struct redis *r, struct redisReply *reply, void *arg)
{
	struct mt_probe *pr = arg;
	struct mt_accept *a = pr->a;

	(void)r;
	free(pr);
	if (a == NULL)
		return;
	a->probe = NULL;
	if (reply == NULL || reply->type != REDIS_REPLY_ARRAY ||
	    reply->elements != a->nlinks)
		return;
	for (size_t i = 0; i < a->nlinks; i++)
		a->links[i].up = reply->element[i]->type == REDIS_REPLY_STRING;
}

static void mt_refresh(struct loop_timer *t, void *arg)
{
	struct mt_accept *a = arg;
	char (*keys)[ROUTE_ID_MAX + BOX_PREFIX_MAX + 16];
	const char **argv;
	struct mt_probe *pr;
	size_t n = 0;

	(void)t;
	if (a->rprobe == NULL && a->box->redis_up)
		mt_rates_send(a, "GET %s");
	if (a->probe != NULL || a->nlinks == 0 || !a->box->redis_up)
		return;
	keys = calloc(a->nlinks, sizeof(*keys));
	argv = calloc(a->nlinks + 1, sizeof(*argv));
	pr = calloc(1, sizeof(*pr));
	if (keys == NULL || argv == NULL || pr == NULL)
		goto done;
	argv[n++] = "MGET";
	for (size_t i = 0; i < a->nlinks; i++) {
		if (box_key(a->box, keys[i], sizeof(keys[i]), "link:%s:up",
			    a->links[i].id) < 0)
			goto done;
		argv[n++] = keys[i];
	}
	pr->a = a;
	if (redis_command_argv(a->box->redis, mt_refresh_done, pr, (int)n, argv,
			       NULL) == 0) {
		a->probe = pr;
		pr = NULL;
	}
done:
	free(pr);
	free(argv);
	free(keys);
}

int mt_accept_acct_key(const struct mt_accept *a, const char *acct, char *out,
		       size_t cap)
{
	size_t p = strlen(a->pfx), n = strlen(acct);

	if (p + 5 + n + 1 > cap)
		return -1;
	memcpy(out, a->pfx, p);
	memcpy(out + p, "acct:", 5);
	memcpy(out + p + 5, acct, n + 1);
	return (int)(p + 5 + n);
}

static void mt_flush(struct mt_accept *a);
static void mt_flush_timer(struct loop_timer *t, void *arg);
static void mt_job_reply(struct mt_job *job, const redisReply *reply);

/* ---- creation -------------------------------------------------------------- */

static int mt_links_load(struct mt_accept *a, const struct conf *c)
{
	const struct conf_group *g = NULL;
	long long relay_ms = 0;

	a->links = calloc(MT_LINKS_MAX, sizeof(*a->links));
	if (a->links == NULL)
		return -1;
	while ((g = conf_group_next(c, g, "smsc")) != NULL &&
	       a->nlinks < MT_LINKS_MAX) {
		struct mt_link *l = &a->links[a->nlinks];
		const char *id = conf_schema_get_str(g, "smsc-id");
		int m = conf_schema_get_enum(g, "long-message");

		if (id == NULL || strlen(id) >= sizeof(l->id))
			continue;
		snprintf(l->id, sizeof(l->id), "%s", id);
		l->method = m == 1 ? MT_SAR : m == 2 ? MT_PAYLOAD : MT_UDH;
		l->max_parts = (unsigned)conf_schema_get_int(g, "max-parts");
		if (l->max_parts == 0 || l->max_parts > SMS_SPLIT_MAX_PARTS)
			l->max_parts = SMS_SPLIT_MAX_PARTS;
		if (conf_schema_get_duration_ms(g, "relay-timeout") > relay_ms)
			relay_ms = conf_schema_get_duration_ms(g, "relay-timeout");
		a->nlinks++;
	}
	snprintf(a->ttl, sizeof(a->ttl), "%lld",
		 (relay_ms + 999) / 1000 + MT_RECEIPT_WINDOW_S + MT_TTL_MARGIN_S);
	return 0;
}

struct mt_accept *mt_accept_new(struct box *b, const struct route_table *rt,
				const struct conf *c)
{
	struct mt_accept *a = calloc(1, sizeof(*a));
	const struct conf_group *core;

	if (a == NULL)
		return NULL;
	a->box = b;
	a->routes = rt;
	a->ref = (uint16_t)(getpid() ^ (unsigned)loop_now_ms(b->loop));
	if (mt_links_load(a, c) != 0 ||
	    box_key(b, a->pfx, sizeof(a->pfx), "%s", "") < 0 ||
	    box_key(b, a->krates, sizeof(a->krates), "rates") < 0 ||
	    box_key(b, a->kseq, sizeof(a->kseq), "seq") < 0 ||
	    box_key(b, a->kratesv, sizeof(a->kratesv), "rates:version") < 0)
		goto fail;
	a->rates.dflt = -1;
	strcpy(a->rates.version, "\001none");	/* matches no version */
	a->batch_max = MT_BATCH_MAX;
	a->batch_ms = MT_BATCH_MS;
	if ((core = conf_group_next(c, NULL, "core")) != NULL) {
		a->batch_max = (size_t)conf_schema_get_int(core, "redis-batch");
		a->batch_ms = (unsigned long)conf_schema_get_duration_ms(
			core, "redis-batch-delay");
	}
	if (a->batch_max < 1)
		a->batch_max = 1;
	a->script = redis_script_new(b->redis, mt_script);
	a->rscript = redis_script_new(b->redis, mt_rates_script);
	a->refresh = loop_timer_new(b->loop, mt_refresh, a);
	a->flush = loop_timer_new(b->loop, mt_flush_timer, a);
	if (a->script == NULL || a->rscript == NULL || a->refresh == NULL ||
	    a->flush == NULL ||
	    loop_timer_start(a->refresh, MT_REFRESH_MS, true) != 0)
		goto fail;
	return a;
fail:
	mt_accept_free(a);
	return NULL;
}

void mt_accept_free(struct mt_accept *a)
{
	struct mt_job *job;

	if (a == NULL)
		return;
	/* Requests not sent yet go now (their done comes from the reply, or
	 * from redis_free() with no reply); those Redis refused are answered. */
	mt_flush(a);
	while ((job = a->refused) != NULL) {
		a->refused = job->next;
		job->next = NULL;
		mt_job_reply(job, NULL);
	}
	loop_timer_free(a->flush);
	free(a->argv);
	free(a->argvlen);
	loop_timer_free(a->refresh);
	if (a->probe != NULL)
		a->probe->a = NULL;	/* its reply frees it */
	if (a->rprobe != NULL)
		a->rprobe->a = NULL;
	/* the scripts belong to the Redis client, which frees them */
	free(a->rates.v);
	free(a->links);
	free(a);
}

/* ---- encoding and splitting --------------------------------------------- */

static int mt_split_status(int e)
{
	switch (e) {
	case SMS_SPLIT_E_TOO_LONG:
		return MT_ACCEPT_E_TOO_LONG;
	case SMS_SPLIT_E_UTF8:
	case SMS_SPLIT_E_ARG:
		return MT_ACCEPT_E_FORMAT;
	case MT_ACCEPT_E_NOMEM:	/* from mt_split_parts() */
		return MT_ACCEPT_E_NOMEM;
	default:
		return MT_ACCEPT_E_ARG;
	}
}

static char mt_coding(enum sms_coding c)
{
	return c == SMS_CODING_UCS2 ? '8' : c == SMS_CODING_8BIT ? '4' : '0';
}

static void mt_split_fini(struct mt_split *s)
{
	free(s->parts);
	free(s->payload);
	free(s->packed);
	free(s->packed_len);
}

/* The whole message as one message_payload entry. */
static int mt_split_payload(const struct mt_accept_msg *m, const uint8_t *text,
			    size_t tlen, const struct sms_split_opts *o,
			    struct mt_split *s)
{
	struct sms_split_info info;
	int n;

	s->n = 1;
	if (m->kind == MT_ACCEPT_BINARY) {
		if (m->len + m->udh_len > SMS_SPLIT_PAYLOAD_MAX)
			return MT_ACCEPT_E_TOO_LONG;
		s->payload = malloc(m->len + 1);
		if (s->payload == NULL)
			return MT_ACCEPT_E_NOMEM;
		if (m->len > 0)
			memcpy(s->payload, m->data, m->len);
		s->payload_len = m->len;
		s->udh = m->udh;
		s->udh_len = m->udh_len;
		return 0;
	}
	s->payload = malloc(SMS_SPLIT_PAYLOAD_MAX);
	if (s->payload == NULL)
		return MT_ACCEPT_E_NOMEM;
	n = sms_split_payload(text, tlen, o, s->payload, SMS_SPLIT_PAYLOAD_MAX,
			      &info, NULL);
	if (n < 0)
		return mt_split_status(n);
	s->payload_len = (size_t)n;
	s->coding = mt_coding(info.coding);
	return 0;
}

/*
 * Splits into s->parts, sized for the message: a first try with room for
 * MT_PARTS_GUESS parts (a 255-part array is 45 KiB to allocate per message),
 * then exactly what the splitter counted. Returns its result.
 */
static int mt_split_parts(const struct mt_accept_msg *m, const uint8_t *text,
			  size_t tlen, const struct sms_split_opts *o,
			  struct mt_split *s, struct sms_split_info *info)
{
	size_t room = MT_PARTS_GUESS;
	int n;

	for (;;) {
		s->parts = malloc(room * sizeof(*s->parts));
		if (s->parts == NULL)
			return MT_ACCEPT_E_NOMEM;
		if (m->kind == MT_ACCEPT_BINARY)
			n = sms_split_binary(m->data, m->len, m->udh, m->udh_len,
					     o, s->parts, room, info);
		else
			n = sms_split_text(text, tlen, o, s->parts, room, info,
					   NULL);
		if (n != SMS_SPLIT_E_SPACE || room >= SMS_SPLIT_MAX_PARTS ||
		    info->parts <= room)
			return n;
		free(s->parts);
		room = info->parts < SMS_SPLIT_MAX_PARTS ? info->parts :
		       SMS_SPLIT_MAX_PARTS;
	}
}

/*
 * On a SAR link, the concat IE of the sender's part becomes its SAR values
 * (the link sends TLVs, or a UDH again over SMPP 3.3); its other IEs stay.
 */
static int mt_own_sar(struct sms_part *pt)
{
	uint8_t u[SMS_PART_MAX];
	size_t ud = pt->len - pt->udh_len;
	int k = udh_strip_concat(pt->data, pt->udh_len, u, sizeof(u));

	if (k < 0)
		return MT_ACCEPT_E_FORMAT;
	memmove(pt->data + k, pt->data + pt->udh_len, ud);
	memcpy(pt->data, u, (size_t)k);
	pt->udh_len = (size_t)k;
	pt->len = (size_t)k + ud;
	return 0;
}

/*
 * Text with the sender's UDH: one part of a message the sender concatenated
 * itself, kept as exactly one part with its UDH (E_TOO_LONG when text and
 * UDH do not fit one SMS); on a SAR link its concat IE goes in SAR values.
 */
static int mt_split_own(const struct mt_accept_msg *m, const uint8_t *text,
			size_t tlen, const struct sms_split_opts *o,
			enum mt_method method, struct mt_split *s)
{
	struct sms_split_info info;
	int n;

	s->parts = malloc(sizeof(*s->parts));
	if (s->parts == NULL)
		return MT_ACCEPT_E_NOMEM;
	n = sms_split_text_udh(text, tlen, o, m->udh, m->udh_len, s->parts,
			       &info, NULL);
	if (n != 1)
		return n < 0 ? mt_split_status(n) : MT_ACCEPT_E_ARG;
	s->coding = mt_coding(info.coding);
	s->bill = 1;
	s->n = 1;
	s->own = true;
	if (method == MT_SAR && s->parts[0].total > 1) {
		s->sar = true;
		return mt_own_sar(&s->parts[0]);
	}
	return 0;
}

/* Encodes and splits the message for one method into *s (s->err set). */
static int mt_split_make(struct mt_accept *a, const struct mt_accept_msg *m,
			 const uint8_t *text, size_t tlen, enum mt_method method,
			 struct mt_split *s)
{
	struct sms_split_opts o;
	struct sms_split_info info;
	int n;

	memset(&o, 0, sizeof(o));
	o.coding = m->kind == MT_ACCEPT_TEXT && !m->ucs2 ? SMS_CODING_GSM7 :
		   SMS_CODING_UCS2;
	o.method = method == MT_SAR ? SMS_CONCAT_SAR : SMS_CONCAT_UDH8;
	o.max_parts = SMS_SPLIT_MAX_PARTS;
	s->done = true;
	if (m->kind != MT_ACCEPT_BINARY && m->udh != NULL)
		return s->err = mt_split_own(m, text, tlen, &o, method, s);
	o.ref = a->ref++;
	n = mt_split_parts(m, text, tlen, &o, s, &info);
	if (n <= 0)
		return s->err = n < 0 ? mt_split_status(n) : MT_ACCEPT_E_ARG;
	s->coding = mt_coding(m->kind == MT_ACCEPT_BINARY ? SMS_CODING_8BIT :
			      info.coding);
	s->bill = (unsigned)n;
	s->n = (size_t)n;
	if (method == MT_PAYLOAD)
		return s->err = mt_split_payload(m, text, tlen, &o, s);
	s->sar = method == MT_SAR && n > 1;
	return 0;
}

/* The queue entry of part i of s, but for the id and the recipient. */
static void mt_entry(const struct mt_accept_msg *m, const struct mt_split *s,
		     size_t i, long long ts, struct qentry *e)
{
	memset(e, 0, sizeof(*e));
	e->flags = (m->flash ? QENTRY_FLASH : 0) | (m->dlr ? QENTRY_DLR : 0) |
		   (m->ack ? QENTRY_ACK : 0);
	e->coding = s->coding == '8' ? 8 : s->coding == '4' ? 4 : 0;
	e->part = (unsigned)i + 1;
	e->parts = (unsigned)s->n;
	if (s->own && s->parts[0].total > 1) {	/* part SEQ of the sender's TOTAL */
		e->part = s->parts[0].seq;
		e->parts = s->parts[0].total;
	}
	e->ts = (uint64_t)ts;
	e->validity = m->validity_s >= 0 ? m->validity_s : -1;
	e->deferred = m->deferred_s > 0 ? m->deferred_s : 0;
	e->priority = m->priority;
	e->mclass = m->flash ? 0 : m->mclass;
	e->acct.p = (const uint8_t *)m->acct;
	e->acct.len = strlen(m->acct);
	e->from.p = (const uint8_t *)m->from;
	e->from.len = strlen(m->from);
	e->origin.p = (const uint8_t *)m->origin;
	e->origin.len = strlen(m->origin);
	if (s->payload != NULL) {
		e->udh.p = s->udh;
		e->udh.len = s->udh_len;
		e->data.p = s->payload;
		e->data.len = s->payload_len;
		return;
	}
	e->udh.p = s->parts[i].data;
	e->udh.len = s->parts[i].udh_len;
	e->data.p = s->parts[i].data + s->parts[i].udh_len;
	e->data.len = s->parts[i].len - s->parts[i].udh_len;
	if (s->sar) {
		e->sar_ref = s->parts[i].ref;
		e->sar_total = s->parts[i].total;
		e->sar_seq = s->parts[i].seq;
	}
}

/* Packs the entries of split s (its `m` fields) into s->packed. */
static int mt_pack(const struct mt_accept_msg *m, struct mt_split *s,
		   long long ts)
{
	struct qentry e;
	size_t total = 0, off = 0;
	long n;

	s->packed_len = calloc(s->n, sizeof(*s->packed_len));
	if (s->packed_len == NULL)
		return MT_ACCEPT_E_NOMEM;
	for (size_t i = 0; i < s->n; i++) {
		mt_entry(m, s, i, ts, &e);
		if ((n = qentry_size(&e)) < 0)
			return MT_ACCEPT_E_ARG;
		s->packed_len[i] = (size_t)n;
		total += (size_t)n;
	}
	s->packed = malloc(total);
	if (s->packed == NULL)
		return MT_ACCEPT_E_NOMEM;
	for (size_t i = 0; i < s->n; i++) {
		mt_entry(m, s, i, ts, &e);
		if (qentry_encode(&e, s->packed + off, total - off) < 0)
			return MT_ACCEPT_E_ARG;
		off += s->packed_len[i];
	}
	return 0;
}

/* ---- the script's arguments -------------------------------------------- */

struct mt_args {
	const char **v;
	size_t *len;
	size_t n, cap;
	char (*num)[24];	/* numbers written as text */
	size_t nnum, numcap;
	bool full;		/* an argument did not fit (a bug) */
};

static void mt_arg(struct mt_args *g, const void *p, size_t len)
{
	if (g->n < g->cap) {
		g->v[g->n] = p != NULL ? p : "";
		g->len[g->n] = len;
		g->n++;
	} else {
		g->full = true;
	}
}

static void mt_arg_str(struct mt_args *g, const char *s)
{
	mt_arg(g, s, strlen(s));
}

/* Decimal v into p (room for 21 bytes); returns its length. */
static size_t mt_itoa(char *p, long long v)
{
	char tmp[24];
	unsigned long long u = v < 0 ? 0 - (unsigned long long)v :
			       (unsigned long long)v;
	size_t n = 0, len = 0;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		p[len++] = '-';
	while (n > 0)
		p[len++] = tmp[--n];
	p[len] = 0;
	return len;
}

static void mt_arg_num(struct mt_args *g, long long v)
{
	if (g->nnum < g->numcap) {
		char *p = g->num[g->nnum++];

		mt_arg(g, p, mt_itoa(p, v));
	} else {
		g->full = true;
	}
}

static int mt_args_init(struct mt_args *g, size_t cap, size_t numcap)
{
	memset(g, 0, sizeof(*g));
	g->v = calloc(cap, sizeof(*g->v));
	g->len = calloc(cap, sizeof(*g->len));
	g->num = calloc(numcap, sizeof(*g->num));
	g->cap = cap;
	g->numcap = numcap;
	return g->v != NULL && g->len != NULL && g->num != NULL ? 0 : -1;
}

static void mt_args_fini(struct mt_args *g)
{
	free(g->v);
	free(g->len);
	free(g->num);
}

static void mt_args_split(struct mt_args *g, const struct mt_split *s)
{
	size_t off = 0;

	mt_arg_num(g, (long long)s->n);
	mt_arg_num(g, (long long)s->bill);
	for (size_t i = 0; i < s->n; i++) {
		mt_arg(g, s->packed + off, s->packed_len[i]);
		off += s->packed_len[i];
	}
}

static long long mt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the reply ------------------------------------------------------------ */

static bool mt_str(const redisReply *r, const char *s)
{
	return r->type == REDIS_REPLY_STRING && strlen(s) == r->len &&
	       memcmp(r->str, s, r->len) == 0;
}

static int64_t mt_int(const redisReply *r)
{
	char buf[32];

	if (r->type == REDIS_REPLY_INTEGER)
		return r->integer;
	if (r->type != REDIS_REPLY_STRING || r->len >= sizeof(buf))
		return 0;
	memcpy(buf, r->str, r->len);
	buf[r->len] = 0;
	return strtoll(buf, NULL, 10);
}

static void mt_job_free(struct mt_job *job)
{
	if (job == NULL)
		return;
	free(job->buf);
	free(job->off);
	free(job->len);
	free(job);
}

/* Answers job with its element of the batch reply (NULL: the batch failed). */
static void mt_job_reply(struct mt_job *job, const redisReply *reply)
{
	struct mt_accept_result res;
	const char **ids = NULL;

	memset(&res, 0, sizeof(res));
	res.status = MT_ACCEPT_E_REDIS;
	res.parts = job->parts;
	if (reply == NULL || reply->type != REDIS_REPLY_ARRAY ||
	    reply->elements < 1) {
		/* logged for the batch */
	} else if (mt_str(reply->element[0], "ok") && reply->elements >= 3) {
		res.cost = mt_int(reply->element[1]);
		res.credit = mt_int(reply->element[2]);
		res.nids = reply->elements - 3;
		ids = calloc(res.nids + 1, sizeof(*ids));
		if (ids != NULL) {
			for (size_t i = 0; i < res.nids; i++)
				ids[i] = reply->element[i + 3]->type ==
					 REDIS_REPLY_STRING ?
					 reply->element[i + 3]->str : "";
			res.ids = ids;
		} else {
			res.nids = 0;	/* accepted all the same: no ids shown */
		}
		res.status = MT_ACCEPT_OK;
	} else if (mt_str(reply->element[0], "noacct")) {
		res.status = MT_ACCEPT_E_NO_ACCOUNT;
	} else if (mt_str(reply->element[0], "throttled")) {
		res.status = MT_ACCEPT_E_THROTTLED;
	} else if (mt_str(reply->element[0], "norate")) {
		res.status = MT_ACCEPT_E_NO_RATE;
	} else if (mt_str(reply->element[0], "credit") && reply->elements >= 3) {
		res.status = MT_ACCEPT_E_CREDIT;
		res.cost = mt_int(reply->element[1]);
		res.credit = mt_int(reply->element[2]);
	} else if (mt_str(reply->element[0], "error") && reply->elements >= 2 &&
		   reply->element[1]->type == REDIS_REPLY_STRING) {
		log_error("accept: script error=%s", reply->element[1]->str);
	}
	job->done(&res, job->arg);
	free(ids);
	mt_job_free(job);
}

static void mt_batch_reply(struct redis *r, struct redisReply *reply, void *arg)
{
	struct mt_job *job = arg, *next;
	size_t n = 0, i = 0;
	bool ok;

	(void)r;
	for (struct mt_job *j = job; j != NULL; j = j->next)
		n++;
	ok = reply != NULL && reply->type == REDIS_REPLY_ARRAY &&
	     reply->elements == n;
	if (reply == NULL)
		log_warn("accept: redis connection lost before the answer requests=%zu",
			 n);
	else if (reply->type == REDIS_REPLY_ERROR)
		log_error("accept: script error=%s", reply->str);
	else if (!ok)
		log_error("accept: unexpected script reply type=%d", reply->type);
	for (; job != NULL; job = next, i++) {
		next = job->next;
		mt_job_reply(job, ok ? reply->element[i] : NULL);
	}
}

/* Sends the batch as one script call. Redis refusing it (not connected, out
 * of memory): its requests are answered from the flush timer, never from
 * within the call that flushed. */
static void mt_flush(struct mt_accept *a)
{
	struct mt_batch *b = &a->batch;
	size_t argc = 4 + b->nargs, k = 0;
	char nreq[24];
	int rc = -1;

	if (b->n == 0)
		return;
	if (argc > a->vcap) {
		const char **v = realloc(a->argv, argc * sizeof(*v));
		size_t *l = v != NULL ? realloc(a->argvlen, argc * sizeof(*l)) : NULL;

		if (v != NULL)
			a->argv = v;
		if (l != NULL) {
			a->argvlen = l;
			a->vcap = argc;
		}
	}
	if (argc <= a->vcap) {
		snprintf(nreq, sizeof(nreq), "%zu", b->n);
		a->argv[k] = a->pfx;		/* KEYS[1] */
		a->argvlen[k++] = strlen(a->pfx);
		a->argv[k] = a->pfx;
		a->argvlen[k++] = strlen(a->pfx);
		a->argv[k] = a->ttl;
		a->argvlen[k++] = strlen(a->ttl);
		a->argv[k] = nreq;
		a->argvlen[k++] = strlen(nreq);
		for (struct mt_job *j = b->head; j != NULL; j = j->next)
			for (size_t i = 0; i < j->nargs; i++, k++) {
				a->argv[k] = j->buf + j->off[i];
				a->argvlen[k] = j->len[i];
			}
		rc = redis_script_call(a->box->redis, a->script, mt_batch_reply,
				       b->head, 1, (int)k, a->argv, a->argvlen);
	}
	if (rc != 0) {
		struct mt_job **pp = &a->refused;

		while (*pp != NULL)
			pp = &(*pp)->next;
		*pp = b->head;
		loop_timer_start(a->flush, 0, false);
	}
	b->head = b->tail = NULL;
	b->n = b->nargs = 0;
}

static void mt_flush_timer(struct loop_timer *t, void *arg)
{
	struct mt_accept *a = arg;
	struct mt_job *job;

	(void)t;
	while ((job = a->refused) != NULL) {
		a->refused = job->next;
		job->next = NULL;
		mt_job_reply(job, NULL);
	}
	mt_flush(a);
}

static void mt_batch_add(struct mt_accept *a, struct mt_job *job)
{
	struct mt_batch *b = &a->batch;

	job->next = NULL;
	if (b->tail != NULL)
		b->tail->next = job;
	else
		b->head = job;
	b->tail = job;
	b->n++;
	b->nargs += job->nargs;
	if (b->n >= a->batch_max)
		mt_flush(a);
	else if (b->n == 1)
		loop_timer_start(a->flush, a->batch_ms, false);
}

/* Copies the arguments g points at into job (they are the caller's). */
static int mt_job_keep(struct mt_job *job, const struct mt_args *g)
{
	size_t total = 0;

	for (size_t i = 0; i < g->n; i++)
		total += g->len[i];
	job->buf = malloc(total + 1);
	job->off = calloc(g->n + 1, sizeof(*job->off));
	job->len = calloc(g->n + 1, sizeof(*job->len));
	if (job->buf == NULL || job->off == NULL || job->len == NULL)
		return -1;
	total = 0;
	for (size_t i = 0; i < g->n; i++) {
		if (g->len[i] > 0)
			memcpy(job->buf + total, g->v[i], g->len[i]);
		job->off[i] = total;
		job->len[i] = g->len[i];
		total += g->len[i];
	}
	job->nargs = g->n;
	return 0;
}

/* ---- submit ---------------------------------------------------------------- */

static const struct mt_link *mt_link_find(const struct mt_accept *a,
					  const char *id)
{
	for (size_t i = 0; i < a->nlinks; i++)
		if (strcmp(a->links[i].id, id) == 0)
			return &a->links[i];
	return NULL;
}

static bool mt_msg_valid(const struct mt_accept_msg *m)
{
	if (m->acct == NULL || m->to == NULL || m->from == NULL ||
	    m->origin == NULL || m->nto == 0 ||
	    m->nto > MT_ACCEPT_RECIPIENTS_MAX || (m->data == NULL && m->len > 0) ||
	    m->priority > 3 || m->mclass > 3 ||
	    m->deferred_s > QENTRY_VALIDITY_MAX)
		return false;
	for (size_t i = 0; i < m->nto; i++)
		if (m->to[i] == NULL || m->to[i][0] == 0 ||
		    strlen(m->to[i]) >= MT_ACCEPT_TO_MAX)
			return false;
	return true;
}

/* Routes every recipient and makes the splits their links need. */
static int mt_plan(struct mt_accept *a, const struct mt_accept_msg *m,
		   const uint8_t *text, size_t tlen, const struct mt_link **lk,
		   struct mt_split *splits, unsigned *parts)
{
	for (size_t i = 0; i < m->nto; i++) {
		const struct route *r = route_lookup(a->routes, m->to[i]);
		const char *id = route_pick(r, mt_up, a);
		struct mt_split *s;
		unsigned limit;

		if (id == NULL || (lk[i] = mt_link_find(a, id)) == NULL)
			return MT_ACCEPT_E_NO_ROUTE;
		s = &splits[lk[i]->method];
		if (!s->done)
			mt_split_make(a, m, text, tlen, lk[i]->method, s);
		if (s->err != 0)
			return s->err;
		if (s->bill > *parts)
			*parts = s->bill;
		limit = lk[i]->max_parts;
		if (m->max_parts != 0 && m->max_parts < limit)
			limit = m->max_parts;
		if (s->bill > limit)
			return MT_ACCEPT_E_TOO_LONG;
	}
	return 0;
}

/* The record's rpt: "http" or "smpp:ACCT" when a report is wanted, else "".
 * Returns its length. */
static size_t mt_rpt(const struct mt_accept_msg *m, char *out, size_t cap)
{
	int n = 0;

	if (m->dlr)
		n = strcmp(m->origin, "smpp") == 0 ?
		    snprintf(out, cap, "smpp:%s", m->acct) :
		    snprintf(out, cap, "http");
	if (n < 0 || (size_t)n >= cap)
		n = 0;
	out[n] = '\0';
	return (size_t)n;
}

static struct bytes_span mt_span(const char *s)
{
	struct bytes_span b = { (const uint8_t *)(s != NULL ? s : ""),
				s != NULL ? strlen(s) : 0 };

	return b;
}

/* The record's m for recipient to on link (shared/codec/msgrec.h) into
 * out[0..cap); out NULL: only its size. */
static long mt_record(const struct mt_accept_msg *m, const char *to,
		      const char *link, long long ts, uint8_t *out, size_t cap)
{
	struct msgrec r;

	memset(&r, 0, sizeof(r));
	r.flags = m->dlr ? MSGREC_DLR : 0;
	r.ts = (uint64_t)ts;
	r.acct = mt_span(m->acct);
	r.to = mt_span(to);
	r.from = mt_span(m->from);
	r.link = mt_span(link);
	r.origin = mt_span(m->origin);
	r.mess_id = mt_span(m->mess_id);
	r.dlr_mask = mt_span(m->dlr_mask);
	r.dlr_url = mt_span(m->dlr_url);
	return out != NULL ? msgrec_encode(&r, out, cap) : msgrec_size(&r);
}

/*
 * The script's cat argument into out[0..cap): "REF:TOTAL:SEQ:ACCT" when the
 * message is one part of TOTAL the sender concatenated itself, else "".
 * Returns its length.
 */
static size_t mt_cat(const struct mt_accept_msg *m,
		     const struct mt_split *splits, char *out, size_t cap)
{
	int n = 0;

	for (int k = 0; k < MT_METHODS; k++) {
		const struct sms_part *p = splits[k].parts;

		if (!splits[k].done || !splits[k].own || p[0].total < 2)
			continue;
		n = snprintf(out, cap, "%u:%u:%u:%s", (unsigned)p[0].ref,
			     (unsigned)p[0].total, (unsigned)p[0].seq, m->acct);
		break;
	}
	if (n < 0 || (size_t)n >= cap)
		n = 0;
	out[n] = '\0';
	return (size_t)n;
}

static int mt_send(struct mt_accept *a, const struct mt_accept_msg *m,
		   const struct mt_link **lk, struct mt_split *splits,
		   struct mt_job *job)
{
	char kacct[ACCOUNT_KEY_MAX], rpt[ACCOUNT_NAME_MAX + 8];
	char cat[ACCOUNT_NAME_MAX + 16];
	int idx[MT_METHODS] = { 0 };
	size_t cap = 10 + 5 * m->nto, nsplit = 0;	/* 8 first */
	long long ts = mt_now_ms();
	uint8_t *recs = NULL;
	size_t rlen = 0;
	struct mt_args g;
	int rc = MT_ACCEPT_E_NOMEM;

	memset(&g, 0, sizeof(g));
	for (int k = 0; k < MT_METHODS; k++) {
		if (!splits[k].done)
			continue;
		cap += 2 + splits[k].n;
		if ((rc = mt_pack(m, &splits[k], ts)) != 0)
			return rc;
	}
	if (mt_accept_acct_key(a, m->acct, kacct, sizeof(kacct)) < 0)
		return MT_ACCEPT_E_ARG;
	rc = MT_ACCEPT_E_NOMEM;
	if (mt_args_init(&g, cap, 16 + 2 * m->nto) != 0)
		goto done;
	for (int k = 0; k < MT_METHODS; k++)
		if (splits[k].done)
			idx[k] = (int)++nsplit;
	mt_arg_str(&g, kacct);
	mt_arg_str(&g, a->rates.version);
	mt_arg(&g, rpt, mt_rpt(m, rpt, sizeof(rpt)));
	mt_arg_num(&g, (long long)m->nto);
	mt_arg_num(&g, (long long)nsplit);
	mt_arg(&g, cat, mt_cat(m, splits, cat, sizeof(cat)));
	mt_arg_str(&g, m->dlr && m->interim ? "1" : "");
	if (m->throughput > 0)
		mt_arg_num(&g, (long long)m->throughput);
	else
		mt_arg_str(&g, "");
	for (int k = 0; k < MT_METHODS; k++)
		if (splits[k].done)
			mt_args_split(&g, &splits[k]);
	for (size_t i = 0; i < m->nto; i++) {
		long n = mt_record(m, m->to[i], lk[i]->id, ts, NULL, 0);

		if (n < 0) {
			rc = MT_ACCEPT_E_ARG;
			goto done;
		}
		rlen += (size_t)n;
	}
	if ((recs = malloc(rlen)) == NULL)
		goto done;
	for (size_t i = 0, off = 0; i < m->nto; i++) {
		int64_t price = mt_rates_price(&a->rates, m->to[i]);
		long n = mt_record(m, m->to[i], lk[i]->id, ts, recs + off,
				   rlen - off);

		if (n < 0) {
			rc = MT_ACCEPT_E_ARG;
			goto done;
		}
		mt_arg_str(&g, m->to[i]);
		mt_arg_str(&g, lk[i]->id);
		mt_arg_num(&g, idx[lk[i]->method]);
		if (price >= 0)
			mt_arg_num(&g, price);
		else
			mt_arg_str(&g, "");
		mt_arg(&g, recs + off, (size_t)n);
		off += (size_t)n;
	}
	if (g.full) {
		rc = MT_ACCEPT_E_ARG;
		goto done;
	}
	if (mt_job_keep(job, &g) != 0)
		goto done;
	mt_batch_add(a, job);
	rc = 0;
done:
	mt_args_fini(&g);
	free(recs);
	return rc;
}

int mt_accept_submit(struct mt_accept *a, const struct mt_accept_msg *m,
		     mt_accept_done_fn *done, void *arg, unsigned *parts_out)
{
	struct mt_split splits[MT_METHODS];
	const struct mt_link **lk = NULL;
	uint8_t *utf8 = NULL;
	const uint8_t *text = m->data;
	size_t tlen = m->len;
	struct mt_job *job = NULL;
	unsigned parts = 0;
	int rc;

	memset(splits, 0, sizeof(splits));
	if (!mt_msg_valid(m) || done == NULL) {
		rc = MT_ACCEPT_E_ARG;
		goto done;
	}
	if (!redis_connected(a->box->redis)) {
		rc = MT_ACCEPT_E_REDIS;
		goto done;
	}
	if (a->rprobe == NULL && a->rates.version[0] == '\001')
		mt_rates_send(a, NULL);	/* the first copy (until then the
					 * script prices) */
	if (m->kind == MT_ACCEPT_UCS2) {
		int n;

		utf8 = malloc(m->len / 2 * 3 + 4);
		if (utf8 == NULL) {
			rc = MT_ACCEPT_E_NOMEM;
			goto done;
		}
		n = ucs2_to_utf8(m->data, m->len, 0, utf8, m->len / 2 * 3 + 4, NULL);
		if (n < 0) {
			rc = MT_ACCEPT_E_FORMAT;
			goto done;
		}
		text = utf8;
		tlen = (size_t)n;
	}
	lk = calloc(m->nto, sizeof(*lk));
	job = calloc(1, sizeof(*job));
	if (lk == NULL || job == NULL) {
		rc = MT_ACCEPT_E_NOMEM;
		goto done;
	}
	rc = mt_plan(a, m, text, tlen, lk, splits, &parts);
	if (rc != 0)
		goto done;
	job->done = done;
	job->arg = arg;
	job->parts = parts;
	rc = mt_send(a, m, lk, splits, job);
	if (rc == 0)
		job = NULL;	/* owned by the reply now */
done:
	if (parts_out != NULL)
		*parts_out = parts;
	for (int k = 0; k < MT_METHODS; k++)
		mt_split_fini(&splits[k]);
	mt_job_free(job);
	free(lk);
	free(utf8);
	return rc;
}

const char *mt_accept_strerror(int status)
{
	switch (status) {
	case MT_ACCEPT_OK:
		return "accepted";
	case MT_ACCEPT_E_TOO_LONG:
		return "message too long";
	case MT_ACCEPT_E_FORMAT:
		return "malformed text, UCS-2 or UDH";
	case MT_ACCEPT_E_NO_ROUTE:
		return "no route";
	case MT_ACCEPT_E_ARG:
		return "bad arguments";
	case MT_ACCEPT_E_REDIS:
		return "redis unavailable";
	case MT_ACCEPT_E_NO_ACCOUNT:
		return "no such account";
	case MT_ACCEPT_E_NO_RATE:
		return "no rate for the destination";
	case MT_ACCEPT_E_CREDIT:
		return "not enough credit";
	case MT_ACCEPT_E_NOMEM:
		return "out of memory";
	case MT_ACCEPT_E_THROTTLED:
		return "account throughput reached";
	default:
		return "unknown status";
	}
}
