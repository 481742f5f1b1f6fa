/*
 * bb_dlr — receipt correlation and MO queueing in Redis (see bb_dlr.h and
 * doc/receipts.md). Every state change is one Lua script, so that a stream
 * entry is acknowledged together with its result and a receipt is applied,
 * merged and turned into an event atomically.
 */
#include "config.h"

#include "bearerbox/bb_dlr.h"

#include <ctype.h>
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bearerbox/bb_mo.h"
#include "shared/codec/concat.h"
#include "shared/codec/conf_schema.h"
#include "shared/codec/dlr_text.h"
#include "shared/codec/smpp_pdu.h"
#include "shared/io/box.h"
#include "shared/io/log.h"
#include "shared/io/loop.h"
#include "shared/io/redis.h"

#define BB_DLR_OPID_TTL "259200"	/* P:opid:LINK:OPID, 72 h */
#define BB_DLR_EARLY_TTL "600"		/* P:early:LINK:OPID, 10 min */
#define BB_DLR_CONCAT_S 600		/* concat timeout: 10 min */
#define BB_DLR_CONCAT_GRACE_S 120	/* the hash outlives it for the sweep */
#define BB_DLR_SWEEP_MS 10000		/* incomplete-MO sweep interval */
#define BB_DLR_KEY_MAX 512
#define BB_DLR_LINK_MAX 64
#define BB_DLR_MO_MAX (CONCAT_MAX_PARTS * 256)	/* joined MO payload cap */

/* msg-id-type (smsc group), in the order of its choices. */
enum bb_dlr_idtype {
	BB_DLR_ID_STRING = 0,
	BB_DLR_ID_DECIMAL,
	BB_DLR_ID_HEX,
	BB_DLR_ID_RESP_HEX,
	BB_DLR_ID_RECEIPT_HEX,
};

struct bb_dlr_link {
	char id[BB_DLR_LINK_MAX];
	enum bb_dlr_idtype idtype;
	enum bb_mo_dcs0 dcs0;
};

struct bb_dlr {
	struct box *b;
	struct redis_script *s_submit, *s_fail, *s_receipt, *s_concat, *s_mo,
		*s_sweep;
	struct loop_timer *sweep;
	char due_key[BB_DLR_KEY_MAX];	/* P:concat:due */
	bool sweeping;		/* a sweep script is in flight */
	unsigned sweep_ms;	/* sweep interval */
	unsigned concat_s;	/* concat timeout, seconds */
	struct bb_dlr_link *links;
	size_t n_links;
	struct bb_dlr_stats st;
	struct bb_dlr_req *reqs;	/* waiting for Redis or a timer */
	bool dying;		/* bb_dlr_free() called while reqs remain */
};

enum bb_dlr_kind {
	BB_DLR_K_SUBMIT,
	BB_DLR_K_FAIL,
	BB_DLR_K_RECEIPT,
	BB_DLR_K_CONCAT,
	BB_DLR_K_MO,
	BB_DLR_K_NOW,	/* nothing for Redis to do: answer from a timer */
	BB_DLR_K_SWEEP,	/* incomplete MO sweep (no done) */
};

/* One call in flight. */
struct bb_dlr_req {
	struct bb_dlr *d;
	enum bb_dlr_kind kind;
	bb_dlr_done_fn *done;
	void *arg;
	struct loop_timer *timer;
	struct bb_dlr_req *prev, *next;	/* in d->reqs */
	char link[BB_DLR_LINK_MAX];
	char ref[96];			/* msg id:part or opid, for logs */
	/* MO */
	char from[66];
	char to[66];
	uint8_t dcs;
	enum bb_mo_alphabet alpha;
	char concat_key[BB_DLR_KEY_MAX];	/* "" for a single part */
};

/* Common Lua: the set of final words and apply() (see doc/receipts.md). */
#define BB_DLR_LUA_APPLY \
"local FINAL = {DELIVRD=1, EXPIRED=1, DELETED=1, UNDELIV=1, REJECTD=1, UNKNOWN=1}\n" \
"local function apply(P, id, part, word, err, code, now)\n" \
"  local mk = P .. ':msg:' .. id\n" \
"  if redis.call('EXISTS', mk) == 0 then return 'nomsg' end\n" \
"  local h = redis.call('HMGET', mk, 'p' .. part, 'final', 'parts')\n" \
"  if h[2] then return 'dup' end\n" \
"  if h[1] and FINAL[h[1]] then return 'dup' end\n" \
"  if not FINAL[word] then\n" \
"    redis.call('HSET', mk, 'p' .. part, word)\n" \
"    return 'part'\n" \
"  end\n" \
"  redis.call('HSET', mk, 'p' .. part, word, 'err' .. part, err, 'c' .. part, code)\n" \
"  local parts = tonumber(h[3]) or 1\n" \
"  local fw, fe, fc = 'DELIVRD', '0', '0'\n" \
"  for i = 1, parts do\n" \
"    local r = redis.call('HMGET', mk, 'p' .. i, 'err' .. i, 'c' .. i)\n" \
"    if not r[1] or not FINAL[r[1]] then return 'part' end\n" \
"    if fw == 'DELIVRD' and r[1] ~= 'DELIVRD' then\n" \
"      fw, fe, fc = r[1], r[2] or '0', r[3] or '255'\n" \
"    end\n" \
"  end\n" \
"  redis.call('HSET', mk, 'final', fw, 'final-err', fe)\n" \
"  redis.call('EXPIRE', mk, " BB_DLR_OPID_TTL ")\n" \
"  local m = redis.call('HMGET', mk, 'acct', 'to', 'mess-id', 'dlr-url', 'dlr-mask', 'origin', 'dlr')\n" \
"  local s\n" \
"  if m[6] == 'smpp' then\n" \
"    if m[7] ~= '0' then s = P .. ':ev:smpp:' .. (m[1] or '') end\n" \
"  elseif m[7] == '1' then s = P .. ':ev:http' end\n" \
"  if not s then return 'final' end\n" \
"  redis.call('XADD', s, 'MAXLEN', '~', '1000000', '*', 'id', id,\n" \
"    'acct', m[1] or '', 'to', m[2] or '', 'mess-id', m[3] or '',\n" \
"    'dlr-url', m[4] or '', 'dlr-mask', m[5] or '', 'stat', fw, 'err', fe,\n" \
"    'code', fc, 'ts', now)\n" \
"  return 'event'\n" \
"end\n"

/* KEYS opid msg queue early; ARGV P id part opid entry now */
static const char lua_submit[] = BB_DLR_LUA_APPLY
"if ARGV[5] ~= '' then\n"
"  redis.call('XACK', KEYS[3], 'links', ARGV[5])\n"
"  redis.call('XDEL', KEYS[3], ARGV[5])\n"
"end\n"
"if redis.call('HGET', KEYS[2], 'dlr') ~= '0' then\n"
"  redis.call('SET', KEYS[1], ARGV[2] .. ':' .. ARGV[3], 'EX', " BB_DLR_OPID_TTL ")\n"
"end\n"
"local res = 'nomsg'\n"
"if redis.call('EXISTS', KEYS[2]) == 1 then\n"
"  local p = 'p' .. ARGV[3]\n"
"  if not redis.call('HGET', KEYS[2], p) then redis.call('HSET', KEYS[2], p, 'ENROUTE') end\n"
"  redis.call('HSET', KEYS[2], 'op' .. ARGV[3], ARGV[4])\n"
"  res = 'ok'\n"
"end\n"
"local e = redis.call('GET', KEYS[4])\n"
"if e then\n"
"  redis.call('DEL', KEYS[4])\n"
"  local w, err, code = string.match(e, '^([^\\t]*)\\t([^\\t]*)\\t([^\\t]*)$')\n"
"  if w then res = 'early-' .. apply(ARGV[1], ARGV[2], ARGV[3], w, err, code, ARGV[6]) end\n"
"end\n"
"return res\n";

/* KEYS queue; ARGV P id part word err code entry now */
static const char lua_fail[] = BB_DLR_LUA_APPLY
"if ARGV[7] ~= '' then\n"
"  redis.call('XACK', KEYS[1], 'links', ARGV[7])\n"
"  redis.call('XDEL', KEYS[1], ARGV[7])\n"
"end\n"
"return apply(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[8])\n";

/* KEYS opid early; ARGV P word err code now */
static const char lua_receipt[] = BB_DLR_LUA_APPLY
"local m = redis.call('GET', KEYS[1])\n"
"if not m then\n"
"  local prev = redis.call('GET', KEYS[2])\n"
"  if prev and FINAL[string.match(prev, '^([^\\t]*)')] and not FINAL[ARGV[2]] then\n"
"    return 'early'\n"
"  end\n"
"  redis.call('SET', KEYS[2], ARGV[2] .. '\\t' .. ARGV[3] .. '\\t' .. ARGV[4], 'EX', " BB_DLR_EARLY_TTL ")\n"
"  return 'early'\n"
"end\n"
"local id, part = string.match(m, '^([^:]+):(%d+)$')\n"
"if not id then return 'nomsg' end\n"
"return apply(ARGV[1], id, part, ARGV[2], ARGV[3], ARGV[4], ARGV[5])\n";

/* KEYS concat due; ARGV seq total data ttl dcs deadline
 * -> {0, have} or {1, dcs, p1..pN} */
static const char lua_concat[] =
"redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[3])\n"
"redis.call('HSETNX', KEYS[1], 'dcs', ARGV[5])\n"
"if redis.call('TTL', KEYS[1]) < 0 then\n"
"  redis.call('EXPIRE', KEYS[1], ARGV[4])\n"
"  redis.call('ZADD', KEYS[2], 'NX', ARGV[6], KEYS[1])\n"
"end\n"
"local total = tonumber(ARGV[2])\n"
"local n = redis.call('HLEN', KEYS[1]) - 1\n"
"if n < total then return {0, n} end\n"
"local f = {}\n"
"for i = 1, total do f[i] = tostring(i) end\n"
"local r = redis.call('HMGET', KEYS[1], unpack(f))\n"
"table.insert(r, 1, redis.call('HGET', KEYS[1], 'dcs'))\n"
"table.insert(r, 1, 1)\n"
"return r\n";

/* KEYS due; ARGV now max -> {left, key1, have1, key2, have2, ...}: incomplete
 * messages past their deadline, deleted; left = deadlines still in the set */
static const char lua_sweep[] =
"local r = {}\n"
"local ks = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))\n"
"for _, k in ipairs(ks) do\n"
"  redis.call('ZREM', KEYS[1], k)\n"
"  local n = redis.call('HLEN', k)\n"
"  if n > 0 then\n"
"    redis.call('DEL', k)\n"
"    table.insert(r, k)\n"
"    table.insert(r, n - 1)\n"
"  end\n"
"end\n"
"table.insert(r, 1, redis.call('ZCARD', KEYS[1]))\n"
"return r\n";

/* KEYS [concat due]; ARGV P to from dcs text ts link -> http|smpp|unknown|dup,
 * with a concat hash {that, deadlines left in due} */
static const char lua_mo[] =
"local function queue()\n"
"  if KEYS[1] then\n"
"    redis.call('ZREM', KEYS[2], KEYS[1])\n"
"    if redis.call('DEL', KEYS[1]) == 0 then return 'dup' end\n"
"  end\n"
"  local P = ARGV[1]\n"
"  local owner = redis.call('HGET', P .. ':numbers', ARGV[2])\n"
"  if not owner then return 'unknown' end\n"
"  local ak = P .. ':acct:' .. owner\n"
"  if redis.call('EXISTS', ak) == 0 then return 'unknown' end\n"
"  local url = redis.call('HGET', ak, 'mo-url')\n"
"  local s, res = P .. ':mo:smpp:' .. owner, 'smpp'\n"
"  if url and url ~= '' then s, res = P .. ':mo:http', 'http' end\n"
"  redis.call('XADD', s, 'MAXLEN', '~', '1000000', '*', 'acct', owner,\n"
"    'from', ARGV[3], 'to', ARGV[2], 'dcs', ARGV[4], 'text', ARGV[5],\n"
"    'ts', ARGV[6], 'link', ARGV[7])\n"
"  return res\n"
"end\n"
"local res = queue()\n"
"if KEYS[1] then return {res, redis.call('ZCARD', KEYS[2])} end\n"
"return res\n";

static unsigned long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (unsigned long long)ts.tv_sec * 1000ull +
	       (unsigned long long)ts.tv_nsec / 1000000ull;
}

/* ---- configuration ---- */

static int load_links(struct bb_dlr *d, const struct conf *c)
{
	const struct conf_group *g = NULL;
	size_t n = 0;

	while ((g = conf_group_next(c, g, "smsc")) != NULL)
		n++;
	if (n == 0)
		return 0;
	d->links = calloc(n, sizeof(*d->links));
	if (d->links == NULL)
		return -1;
	while ((g = conf_group_next(c, g, "smsc")) != NULL) {
		struct bb_dlr_link *l = &d->links[d->n_links];
		const char *id = conf_schema_get_str(g, "smsc-id");
		int t = conf_schema_get_enum(g, "msg-id-type");
		const char *dc = conf_schema_get_str(g, "data-coding");

		if (id == NULL || strlen(id) >= sizeof(l->id))
			continue;
		strcpy(l->id, id);
		l->idtype = t >= 0 && t <= BB_DLR_ID_RECEIPT_HEX ? (enum bb_dlr_idtype)t
								 : BB_DLR_ID_STRING;
		l->dcs0 = BB_MO_DCS0_GSM7;
		if (dc != NULL && strcmp(dc, "latin1") == 0)
			l->dcs0 = BB_MO_DCS0_LATIN1;
		else if (dc != NULL && strcmp(dc, "ascii") == 0)
			l->dcs0 = BB_MO_DCS0_ASCII;
		d->n_links++;
	}
	return 0;
}

static const struct bb_dlr_link *find_link(const struct bb_dlr *d,
					   const char *link)
{
	static const struct bb_dlr_link dflt = { "", BB_DLR_ID_STRING,
						 BB_MO_DCS0_GSM7 };

	for (size_t i = 0; i < d->n_links; i++)
		if (strcmp(d->links[i].id, link) == 0)
			return &d->links[i];
	return &dflt;
}

/* Canonical operator id: from_resp for a submit_sm_resp id, else a receipt's. */
static int canon_id(const struct bb_dlr_link *l, bool from_resp, const char *id,
		    char *out, size_t cap)
{
	size_t len = strlen(id);
	unsigned flags = 0;

	switch (l->idtype) {
	case BB_DLR_ID_STRING:
		if (len == 0 || len > DLR_TEXT_ID_MAX || len >= cap)
			return -1;
		memcpy(out, id, len + 1);
		return (int)len;
	case BB_DLR_ID_HEX:
		flags = DLR_TEXT_ID_HEX;
		break;
	case BB_DLR_ID_RESP_HEX:
		flags = from_resp ? DLR_TEXT_ID_HEX : 0;
		break;
	case BB_DLR_ID_RECEIPT_HEX:
		flags = from_resp ? 0 : DLR_TEXT_ID_HEX;
		break;
	default:
		break;
	}
	return dlr_text_id_canon(id, len, flags, out, cap) < 0 ? -1 : (int)len;
}

/* ---- requests ---- */

static struct bb_dlr_req *req_new(struct bb_dlr *d, enum bb_dlr_kind kind,
				  const char *link, bb_dlr_done_fn *done,
				  void *arg)
{
	struct bb_dlr_req *q = calloc(1, sizeof(*q));

	if (q == NULL)
		return NULL;
	q->d = d;
	q->kind = kind;
	q->done = done;
	q->arg = arg;
	snprintf(q->link, sizeof(q->link), "%s", link);
	return q;
}

static void dlr_destroy(struct bb_dlr *d)
{
	if (d->b->loop != NULL)	/* else box_fini() came first: cannot free it */
		loop_timer_free(d->sweep);
	free(d->links);
	free(d);
}

static void req_link(struct bb_dlr_req *q)
{
	struct bb_dlr *d = q->d;

	q->prev = NULL;
	q->next = d->reqs;
	if (d->reqs != NULL)
		d->reqs->prev = q;
	d->reqs = q;
}

/* Unlinks and frees q. */
static void req_free(struct bb_dlr_req *q)
{
	struct bb_dlr *d = q->d;

	if (q->prev != NULL)
		q->prev->next = q->next;
	else
		d->reqs = q->next;
	if (q->next != NULL)
		q->next->prev = q->prev;
	loop_timer_free(q->timer);
	free(q);
}

/* Finishes q: done(status), then frees q (and d when it is dying). */
static void req_finish(struct bb_dlr_req *q, int status)
{
	struct bb_dlr *d = q->d;

	if (status == SMPP_ESME_RSYSERR)
		d->st.redis_errors++;
	if (q->kind == BB_DLR_K_SWEEP)
		d->sweeping = false;
	if (q->done != NULL)
		q->done(status, q->arg);
	req_free(q);
	if (d->dying && d->reqs == NULL)
		dlr_destroy(d);
}

static void req_timer(struct loop_timer *t, void *arg)
{
	(void)t;
	req_finish(arg, SMPP_ESME_ROK);
}

/* Answers q ESME_ROK from the loop (done is never called synchronously). */
static int req_later(struct bb_dlr_req *q)
{
	q->timer = loop_timer_new(q->d->b->loop, req_timer, q);
	if (q->timer == NULL || loop_timer_start(q->timer, 0, false) != 0) {
		loop_timer_free(q->timer);
		free(q);
		return -1;
	}
	req_link(q);
	return 0;
}

static void on_reply(struct redis *r, struct redisReply *reply, void *priv);
static void sweep_arm(struct bb_dlr *d);

static int req_call(struct bb_dlr_req *q, struct redis_script *s, int nkeys,
		    int argc, const char **argv, const size_t *argvlen)
{
	if (redis_script_call(q->d->b->redis, s, on_reply, q, nkeys, argc, argv,
			      argvlen) != 0) {
		free(q);
		return -1;
	}
	req_link(q);
	return 0;
}

static const char *reply_word(const struct redisReply *r)
{
	if (r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_STRING)
		return r->str;
	return "";
}

static void count_apply(struct bb_dlr *d, const char *w)
{
	if (strcmp(w, "event") == 0)
		d->st.events++;
}

/* ---- submitted / failed ---- */

int bb_dlr_submitted(struct bb_dlr *d, const char *link, const char *entry_id,
		     const char *msg_id, int part, const char *opid,
		     bb_dlr_done_fn *done, void *arg)
{
	char canon[DLR_TEXT_ID_MAX + 1], k_opid[BB_DLR_KEY_MAX],
		k_msg[BB_DLR_KEY_MAX], k_q[BB_DLR_KEY_MAX], k_early[BB_DLR_KEY_MAX];
	char s_part[16], s_now[24];
	const char *argv[10];
	struct bb_dlr_req *q;

	if (part < 1 || part > 255 || msg_id == NULL || msg_id[0] == '\0' ||
	    opid == NULL || canon_id(find_link(d, link), true, opid, canon,
				     sizeof(canon)) < 0) {
		log_warn("receipt mapping refused link=%s id=%s part=%d opid=%s",
			 link, msg_id ? msg_id : "", part, opid ? opid : "");
		return -1;
	}
	if (box_key(d->b, k_opid, sizeof(k_opid), "opid:%s:%s", link, canon) < 0 ||
	    box_key(d->b, k_msg, sizeof(k_msg), "msg:%s", msg_id) < 0 ||
	    box_key(d->b, k_q, sizeof(k_q), "q:%s", link) < 0 ||
	    box_key(d->b, k_early, sizeof(k_early), "early:%s:%s", link, canon) < 0)
		return -1;
	q = req_new(d, BB_DLR_K_SUBMIT, link, done, arg);
	if (q == NULL)
		return -1;
	snprintf(q->ref, sizeof(q->ref), "%s:%d", msg_id, part);
	snprintf(s_part, sizeof(s_part), "%d", part);
	snprintf(s_now, sizeof(s_now), "%llu", now_ms());
	argv[0] = k_opid;
	argv[1] = k_msg;
	argv[2] = k_q;
	argv[3] = k_early;
	argv[4] = d->b->prefix;
	argv[5] = msg_id;
	argv[6] = s_part;
	argv[7] = opid;
	argv[8] = entry_id != NULL ? entry_id : "";
	argv[9] = s_now;
	return req_call(q, d->s_submit, 4, 10, argv, NULL);
}

int bb_dlr_part_failed(struct bb_dlr *d, const char *link, const char *entry_id,
		       const char *msg_id, int part, const char *stat_word,
		       int err, bb_dlr_done_fn *done, void *arg)
{
	char k_q[BB_DLR_KEY_MAX], s_part[16], s_err[16], s_code[16], s_now[24];
	const char *argv[9];
	enum dlr_text_state st;
	struct bb_dlr_req *q;

	if (part < 1 || part > 255 || msg_id == NULL || msg_id[0] == '\0' ||
	    stat_word == NULL)
		return -1;
	if (box_key(d->b, k_q, sizeof(k_q), "q:%s", link) < 0)
		return -1;
	st = dlr_text_state_from_word(stat_word, strlen(stat_word));
	if (st != DLR_TEXT_STATE_NONE)
		stat_word = dlr_text_state_word(st);
	snprintf(s_part, sizeof(s_part), "%d", part);
	snprintf(s_err, sizeof(s_err), "%d", err);
	snprintf(s_code, sizeof(s_code), "%d",
		 dlr_text_status_code(st, s_err, DLR_TEXT_ERRKIND_SMPP));
	snprintf(s_now, sizeof(s_now), "%llu", now_ms());
	q = req_new(d, BB_DLR_K_FAIL, link, done, arg);
	if (q == NULL)
		return -1;
	snprintf(q->ref, sizeof(q->ref), "%s:%d", msg_id, part);
	argv[0] = k_q;
	argv[1] = d->b->prefix;
	argv[2] = msg_id;
	argv[3] = s_part;
	argv[4] = stat_word;
	argv[5] = s_err;
	argv[6] = s_code;
	argv[7] = entry_id != NULL ? entry_id : "";
	argv[8] = s_now;
	return req_call(q, d->s_fail, 1, 9, argv, NULL);
}

/* ---- receipts ---- */

/* A receipt's parts, from TLVs first, then the text. */
struct bb_dlr_rcpt {
	char id[DLR_TEXT_ID_MAX + 1];
	char word[DLR_TEXT_STAT_MAX + 1];
	char err[DLR_TEXT_ERR_MAX + 1];
	int code;
	bool id_tlv;	/* id from receipted_message_id: in the resp's format */
};

static void payload_of(const struct smpp_pdu *pdu, const uint8_t **p,
		       size_t *len)
{
	*p = pdu->short_message;
	*len = pdu->sm_length;
	if (*len == 0 && smpp_tlv_has(&pdu->tlv, SMPP_TI_MESSAGE_PAYLOAD) &&
	    pdu->tlv.message_payload.p != NULL) {
		*p = pdu->tlv.message_payload.p;
		*len = pdu->tlv.message_payload.len;
	}
}

/* Returns 1 for a usable receipt, 0 for no receipt (an MO), -1 for a PDU
 * flagged as a receipt that says nothing usable. */
static int receipt_of(const struct smpp_pdu *pdu, struct bb_dlr_rcpt *out)
{
	const struct smpp_tlvs *tl = &pdu->tlv;
	struct dlr_text t;
	enum dlr_text_state st = DLR_TEXT_STATE_NONE;
	enum dlr_text_err_kind kind = DLR_TEXT_ERRKIND_OPAQUE;
	bool flagged = (pdu->esm_class & (SMPP_ESM_DELIVERY_RECEIPT |
					  SMPP_ESM_INTERMEDIATE)) != 0;
	bool tlv_id = smpp_tlv_has(tl, SMPP_TI_RECEIPTED_MESSAGE_ID) &&
		      tl->receipted_message_id[0] != '\0';
	bool tlv_st = smpp_tlv_has(tl, SMPP_TI_MESSAGE_STATE);
	bool text = false;
	const uint8_t *p;
	size_t len;

	memset(out, 0, sizeof(*out));
	payload_of(pdu, &p, &len);
	if (!(pdu->esm_class & SMPP_ESM_UDHI) && len > 0 &&
	    dlr_text_decode(p, len, &t) > 0)
		text = (t.fields & (DLR_TEXT_HAS_ID | DLR_TEXT_HAS_STAT)) ==
		       (DLR_TEXT_HAS_ID | DLR_TEXT_HAS_STAT);
	if (!flagged && !(tlv_id && tlv_st) && !text)
		return 0;
	out->id_tlv = tlv_id;
	if (tlv_id)
		snprintf(out->id, sizeof(out->id), "%s", tl->receipted_message_id);
	else if (text)
		snprintf(out->id, sizeof(out->id), "%s", t.id);
	if (tlv_st && tl->message_state >= DLR_TEXT_STATE_ENROUTE &&
	    tl->message_state <= DLR_TEXT_STATE_REJECTED)
		st = (enum dlr_text_state)tl->message_state;
	else if (text)
		st = t.state;
	if (st != DLR_TEXT_STATE_NONE) {
		snprintf(out->word, sizeof(out->word), "%s", dlr_text_state_word(st));
	} else if (text && t.stat[0] != '\0') {
		for (size_t i = 0; t.stat[i] != '\0' && i < DLR_TEXT_STAT_MAX; i++)
			out->word[i] = (char)toupper((unsigned char)t.stat[i]);
	}
	if (out->id[0] == '\0' || out->word[0] == '\0')
		return -1;
	if (smpp_tlv_has(tl, SMPP_TI_NETWORK_ERROR_CODE) &&
	    tl->network_error_code.type == 3 && tl->network_error_code.code != 0) {
		snprintf(out->err, sizeof(out->err), "%u",
			 (unsigned)tl->network_error_code.code);
		kind = DLR_TEXT_ERRKIND_MAP;
	} else if (text && (t.fields & DLR_TEXT_HAS_ERR) && t.err[0] != '\0') {
		snprintf(out->err, sizeof(out->err), "%s", t.err);
	} else {
		strcpy(out->err, "0");
	}
	out->code = dlr_text_status_code(st, out->err, kind);
	return 1;
}

static int deliver_receipt(struct bb_dlr *d, const char *link,
			   const struct bb_dlr_rcpt *rc, bb_dlr_done_fn *done,
			   void *arg)
{
	char canon[DLR_TEXT_ID_MAX + 1], k_opid[BB_DLR_KEY_MAX],
		k_early[BB_DLR_KEY_MAX], s_code[16], s_now[24];
	const char *argv[7];
	struct bb_dlr_req *q = req_new(d, BB_DLR_K_RECEIPT, link, done, arg);

	if (q == NULL)
		return -1;
	snprintf(q->ref, sizeof(q->ref), "%s", rc->id);
	if (canon_id(find_link(d, link), rc->id_tlv, rc->id, canon, sizeof(canon)) < 0 ||
	    box_key(d->b, k_opid, sizeof(k_opid), "opid:%s:%s", link, canon) < 0 ||
	    box_key(d->b, k_early, sizeof(k_early), "early:%s:%s", link, canon) < 0) {
		d->st.receipts_bad++;
		log_warn("receipt with an unusable id link=%s opid=%s", link, rc->id);
		return req_later(q);
	}
	snprintf(s_code, sizeof(s_code), "%d", rc->code);
	snprintf(s_now, sizeof(s_now), "%llu", now_ms());
	argv[0] = k_opid;
	argv[1] = k_early;
	argv[2] = d->b->prefix;
	argv[3] = rc->word;
	argv[4] = rc->err;
	argv[5] = s_code;
	argv[6] = s_now;
	log_debug("receipt link=%s opid=%s canon=%s stat=%s err=%s", link, rc->id,
		  canon, rc->word, rc->err);
	return req_call(q, d->s_receipt, 2, 7, argv, NULL);
}

static void receipt_done(struct bb_dlr_req *q, const char *w)
{
	struct bb_dlr *d = q->d;

	if (strcmp(w, "early") == 0) {
		d->st.receipts_unmatched++;
		log_debug("receipt before its submit_sm_resp (kept 10 min) link=%s opid=%s",
			 q->link, q->ref);
	} else if (strcmp(w, "nomsg") == 0) {
		d->st.receipts_unmatched++;
		log_info("receipt for an unknown message link=%s opid=%s", q->link,
			 q->ref);
	} else {
		d->st.receipts_matched++;
		if (strcmp(w, "event") == 0)
			d->st.events++;
	}
}

/* ---- MO ---- */

/* Decodes data and queues the MO (one script; KEYS = the concat hash and
 * P:concat:due, or none for a single part). */
static int mo_queue(struct bb_dlr_req *q, unsigned dcs, const uint8_t *data,
		    size_t len)
{
	struct bb_dlr *d = q->d;
	size_t cap = bb_mo_text_cap(len);
	char *text = malloc(cap);
	char s_dcs[8], s_now[24];
	const char *argv[9];
	size_t argvlen[9];
	int n, skip = q->concat_key[0] != '\0' ? 0 : 2, rc;

	if (text == NULL)
		return -1;
	n = bb_mo_text(bb_mo_alphabet((uint8_t)dcs, find_link(d, q->link)->dcs0),
		       data, len, text, cap);
	if (n < 0) {
		free(text);
		return -1;
	}
	snprintf(s_dcs, sizeof(s_dcs), "%u", dcs);
	snprintf(s_now, sizeof(s_now), "%llu", now_ms());
	argv[0] = q->concat_key;
	argv[1] = d->due_key;
	argv[2] = d->b->prefix;
	argv[3] = q->to;
	argv[4] = q->from;
	argv[5] = s_dcs;
	argv[6] = text;
	argv[7] = s_now;
	argv[8] = q->link;
	for (int i = 0; i < 9; i++)
		argvlen[i] = strlen(argv[i]);
	argvlen[6] = (size_t)n;
	q->kind = BB_DLR_K_MO;
	rc = redis_script_call(d->b->redis, d->s_mo, on_reply, q, 2 - skip,
			       9 - skip, argv + skip, argvlen + skip);
	free(text);
	return rc;
}

static int deliver_mo(struct bb_dlr *d, const char *link,
		      const struct smpp_pdu *pdu, bb_dlr_done_fn *done, void *arg)
{
	struct bb_mo_part mp;
	struct concat_key ck;
	char kf[2 * CONCAT_ADDR_MAX + 32], s_seq[8], s_total[8], s_dcs[8],
		s_ttl[16], s_dl[24];
	const char *argv[8];
	size_t argvlen[8];
	struct bb_dlr_req *q = req_new(d, BB_DLR_K_MO, link, done, arg);

	if (q == NULL)
		return -1;
	if (bb_mo_parse(pdu, &mp) != 0) {
		log_warn("MO dropped: bad UDH or SAR link=%s from=%s to=%s", link,
			 pdu->source_addr, pdu->destination_addr);
		return req_later(q);
	}
	snprintf(q->from, sizeof(q->from), "%s", mp.from);
	snprintf(q->to, sizeof(q->to), "%s", mp.to);
	q->dcs = mp.dcs;
	if (!mp.concat) {
		if (mo_queue(q, mp.dcs, mp.data, mp.len) != 0) {
			free(q);
			return -1;
		}
		req_link(q);
		return 0;
	}
	if (concat_key_init(&ck, mp.from, mp.to, mp.ref, mp.total) != 0 ||
	    concat_key_format(&ck, kf, sizeof(kf)) < 0 ||
	    box_key(d->b, q->concat_key, sizeof(q->concat_key), "concat:%s:%s",
		    link, kf) < 0) {
		log_warn("MO dropped: addresses too long link=%s", link);
		return req_later(q);
	}
	snprintf(q->ref, sizeof(q->ref), "%u/%u ref=%u", mp.seq, mp.total, mp.ref);
	snprintf(s_seq, sizeof(s_seq), "%u", mp.seq);
	snprintf(s_total, sizeof(s_total), "%u", mp.total);
	snprintf(s_dcs, sizeof(s_dcs), "%u", mp.dcs);
	snprintf(s_ttl, sizeof(s_ttl), "%u", d->concat_s + BB_DLR_CONCAT_GRACE_S);
	snprintf(s_dl, sizeof(s_dl), "%llu", now_ms() + d->concat_s * 1000ull);
	argv[0] = q->concat_key;
	argv[1] = d->due_key;
	argv[2] = s_seq;
	argv[3] = s_total;
	argv[4] = mp.len > 0 ? (const char *)mp.data : "";
	argv[5] = s_ttl;
	argv[6] = s_dcs;
	argv[7] = s_dl;
	for (int i = 0; i < 8; i++)
		argvlen[i] = i == 4 ? mp.len : strlen(argv[i]);
	q->kind = BB_DLR_K_CONCAT;
	return req_call(q, d->s_concat, 2, 8, argv, argvlen);
}

/* The concat script's answer: {0, have} or {1, dcs, p1..pN}. Returns the
 * status to finish with, or -1 when the request went on to the MO script. */
static int concat_done(struct bb_dlr_req *q, const struct redisReply *r)
{
	struct bb_dlr *d = q->d;
	uint8_t *buf;
	size_t len = 0;
	unsigned dcs;
	int rc;

	if (r->type != REDIS_REPLY_ARRAY || r->elements < 2 ||
	    r->element[0]->type != REDIS_REPLY_INTEGER)
		return SMPP_ESME_RSYSERR;
	if (r->element[0]->integer == 0) {
		d->st.mo_parts_pending++;
		sweep_arm(d);
		log_debug("MO part stored link=%s from=%s to=%s part=%s", q->link,
			  q->from, q->to, q->ref);
		return SMPP_ESME_ROK;
	}
	dcs = q->dcs;
	if (r->element[1]->type == REDIS_REPLY_STRING)
		dcs = (unsigned)strtoul(r->element[1]->str, NULL, 10) & 0xFF;
	buf = malloc(BB_DLR_MO_MAX);
	if (buf == NULL)
		return SMPP_ESME_RSYSERR;
	for (size_t i = 2; i < r->elements; i++) {
		const struct redisReply *e = r->element[i];

		if (e->type != REDIS_REPLY_STRING)
			continue;
		if (e->len > BB_DLR_MO_MAX - len)
			break;
		memcpy(buf + len, e->str, e->len);
		len += e->len;
	}
	rc = mo_queue(q, dcs, buf, len);
	free(buf);
	return rc == 0 ? -1 : SMPP_ESME_RSYSERR;
}

static void mo_done(struct bb_dlr_req *q, const char *w)
{
	struct bb_dlr *d = q->d;

	if (strcmp(w, "http") == 0 || strcmp(w, "smpp") == 0) {
		d->st.mo_complete++;
		log_info("MO queued link=%s from=%s to=%s for=%s", q->link, q->from,
			 q->to, w);
	} else if (strcmp(w, "unknown") == 0) {
		d->st.mo_unknown_number++;
		log_warn("MO dropped: no account owns the number link=%s from=%s to=%s",
			 q->link, q->from, q->to);
	}
}

int bb_dlr_deliver(struct bb_dlr *d, const char *link,
		   const struct smpp_pdu *pdu, bb_dlr_done_fn *done, void *arg)
{
	struct bb_dlr_rcpt rc;
	int kind;

	if (!redis_connected(d->b->redis))
		return -1;
	kind = receipt_of(pdu, &rc);
	if (kind > 0)
		return deliver_receipt(d, link, &rc, done, arg);
	if (kind < 0) {
		struct bb_dlr_req *q = req_new(d, BB_DLR_K_NOW, link, done, arg);

		d->st.receipts_bad++;
		log_warn("receipt without id or stat dropped link=%s from=%s", link,
			 pdu->source_addr);
		return q == NULL ? -1 : req_later(q);
	}
	return deliver_mo(d, link, pdu, done, arg);
}

/* ---- incomplete MO sweep ---- */

/* The sweep timer runs while this box has stored parts of incomplete MO and
 * stops when the deadline set is empty, so an idle box holds no timer. */
static void sweep_fire(struct loop_timer *t, void *arg)
{
	struct bb_dlr *d = arg;
	struct bb_dlr_req *q;
	char s_now[24];
	const char *argv[3];

	(void)t;
	if (d->sweeping || !redis_connected(d->b->redis))
		return;
	q = req_new(d, BB_DLR_K_SWEEP, "", NULL, NULL);
	if (q == NULL)
		return;
	snprintf(s_now, sizeof(s_now), "%llu", now_ms());
	argv[0] = d->due_key;
	argv[1] = s_now;
	argv[2] = "100";
	if (req_call(q, d->s_sweep, 1, 3, argv, NULL) == 0)
		d->sweeping = true;
}

static void sweep_arm(struct bb_dlr *d)
{
	if (d->dying || d->b->loop == NULL)
		return;
	if (d->sweep == NULL)
		d->sweep = loop_timer_new(d->b->loop, sweep_fire, d);
	if (d->sweep != NULL && !loop_timer_pending(d->sweep))
		loop_timer_start(d->sweep, d->sweep_ms, true);
}

/* No deadline left: no timer (an idle box holds none). */
static void sweep_stop(struct bb_dlr *d)
{
	if (d->b->loop == NULL)
		return;
	loop_timer_free(d->sweep);
	d->sweep = NULL;
}

/* {left, key1, have1, ...}: logs each incomplete message the sweep deleted. */
static void sweep_done(struct bb_dlr *d, const struct redisReply *r)
{
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
	    r->element[0]->type != REDIS_REPLY_INTEGER)
		return;
	for (size_t i = 1; i + 1 < r->elements; i += 2) {
		const struct redisReply *k = r->element[i], *n = r->element[i + 1];
		const char *total;

		if (k->type != REDIS_REPLY_STRING || n->type != REDIS_REPLY_INTEGER)
			continue;
		total = strrchr(k->str, ':');
		d->st.mo_incomplete++;
		log_warn("MO incomplete after %us, parts dropped key=%s parts=%lld/%s",
			 d->concat_s, k->str, (long long)n->integer,
			 total != NULL ? total + 1 : "?");
	}
	if (r->element[0]->integer == 0)
		sweep_stop(d);
}

void bb_dlr_set_timeouts(struct bb_dlr *d, unsigned concat_s,
			 unsigned sweep_ms)
{
	if (concat_s > 0)
		d->concat_s = concat_s;
	if (sweep_ms > 0) {
		d->sweep_ms = sweep_ms;
		if (d->sweep != NULL)
			loop_timer_start(d->sweep, sweep_ms, true);
	}
}

/* ---- replies, life cycle ---- */

static void on_reply(struct redis *r, struct redisReply *reply, void *priv)
{
	struct bb_dlr_req *q = priv;
	int status = SMPP_ESME_ROK;
	const char *w;

	(void)r;
	if (q->d->dying) {
		req_finish(q, SMPP_ESME_RSYSERR);
		return;
	}
	if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
		log_error("receipt/MO script failed link=%s ref=%s error=%s", q->link,
			  q->ref, reply != NULL ? reply->str : "connection lost");
		req_finish(q, SMPP_ESME_RSYSERR);
		return;
	}
	w = reply_word(reply);
	switch (q->kind) {
	case BB_DLR_K_SUBMIT:
		if (strncmp(w, "early-", 6) == 0) {
			q->d->st.receipts_early++;
			if (strcmp(w + 6, "event") == 0)
				q->d->st.events++;
		} else if (strcmp(w, "nomsg") == 0) {
			log_warn("submit_sm_resp for an unknown message link=%s ref=%s",
				 q->link, q->ref);
		}
		break;
	case BB_DLR_K_FAIL:
		count_apply(q->d, w);
		break;
	case BB_DLR_K_RECEIPT:
		receipt_done(q, w);
		break;
	case BB_DLR_K_CONCAT:
		status = concat_done(q, reply);
		if (status < 0)
			return;	/* went on to the MO script */
		break;
	case BB_DLR_K_MO:
		if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
		    reply->element[0]->type == REDIS_REPLY_STRING &&
		    reply->element[1]->type == REDIS_REPLY_INTEGER) {
			w = reply->element[0]->str;
			if (reply->element[1]->integer == 0)
				sweep_stop(q->d);
		}
		mo_done(q, w);
		break;
	case BB_DLR_K_SWEEP:
		sweep_done(q->d, reply);
		break;
	default:
		break;
	}
	req_finish(q, status);
}

struct bb_dlr *bb_dlr_new(struct box *b, const struct conf *c)
{
	struct bb_dlr *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	d->b = b;
	if (load_links(d, c) != 0)
		goto fail;
	d->s_submit = redis_script_new(b->redis, lua_submit);
	d->s_fail = redis_script_new(b->redis, lua_fail);
	d->s_receipt = redis_script_new(b->redis, lua_receipt);
	d->s_concat = redis_script_new(b->redis, lua_concat);
	d->s_mo = redis_script_new(b->redis, lua_mo);
	d->s_sweep = redis_script_new(b->redis, lua_sweep);
	if (d->s_submit == NULL || d->s_fail == NULL || d->s_receipt == NULL ||
	    d->s_concat == NULL || d->s_mo == NULL || d->s_sweep == NULL)
		goto fail;
	d->concat_s = BB_DLR_CONCAT_S;
	if (box_key(b, d->due_key, sizeof(d->due_key), "concat:due") < 0)
		goto fail;
	d->sweep_ms = BB_DLR_SWEEP_MS;
	return d;
fail:
	log_error("receipts: out of memory");
	dlr_destroy(d);
	return NULL;
}

void bb_dlr_free(struct bb_dlr *d)
{
	if (d == NULL)
		return;
	/* No done callback runs after this: requests on a timer go now, those
	 * waiting for Redis are freed when redis_free() answers them. After
	 * box_fini() (no loop any more) timers cannot be freed: they are left. */
	if (d->b->loop != NULL) {
		loop_timer_free(d->sweep);
		d->sweep = NULL;
	}
	for (struct bb_dlr_req *q = d->reqs, *n; q != NULL; q = n) {
		n = q->next;
		q->done = NULL;
		if (q->timer != NULL && d->b->loop != NULL)
			req_free(q);
	}
	if (d->reqs != NULL) {
		d->dying = true;
		return;
	}
	dlr_destroy(d);
}

const struct bb_dlr_stats *bb_dlr_stats(const struct bb_dlr *d)
{
	return &d->st;
}
