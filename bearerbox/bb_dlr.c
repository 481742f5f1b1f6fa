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

#define BB_DLR_TTL_S "259200"	/* msg-id-ttl without a smsc group: 72 h */
#define BB_DLR_TTL_DAYS "3"	/* ... and the days back a receipt looks at */
#define BB_DLR_EARLY_SLOT_S "600"	/* P:early:LINK:SLOT: 10 min slots */
#define BB_DLR_LAZY_MS "10000"		/* acked entries left to the next trim */
#define BB_DLR_CONCAT_S 600		/* concat-timeout without a core group */
#define BB_DLR_CONCAT_GRACE_S 120	/* the hash outlives it for the sweep */
#define BB_DLR_SWEEP_MS 10000		/* incomplete-MO sweep interval */
#define BB_DLR_KEY_MAX 512
#define BB_DLR_LINK_MAX 64
#define BB_DLR_MO_MAX (CONCAT_MAX_PARTS * 256)	/* joined MO payload cap */
#define BB_DLR_SPARE_MAX 4096	/* freed requests kept for reuse */
#define BB_DLR_BATCH_MAX 256	/* redis-batch default (no core group) */
#define BB_DLR_BATCH_MS 1	/* redis-batch-delay default, ms */
#define BB_DLR_BATCH_LIMIT 1000	/* redis-batch bound (conf_schema.c) */

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
	char ttl_s[24];		/* msg-id-ttl in seconds, as text */
	char ttl_days[24];	/* the whole days it spans (rounded up) */
};

/*
 * The submitted / failed / receipt / trim records waiting for the next batch
 * script call, in call order (each holds its own strings). At the flush they
 * are grouped (see lua_batch): argv and order are the flush's scratch.
 */
struct bb_dlr_batch {
	struct bb_dlr_req *head, *tail;
	size_t n;
	const char **argv;
	size_t vcap;
};

struct bb_dlr {
	struct box *b;
	struct redis_script *s_batch, *s_concat, *s_mo, *s_sweep;
	struct loop_timer *sweep;
	char due_key[BB_DLR_KEY_MAX];	/* P:concat:due */
	bool sweeping;		/* a sweep script is in flight */
	unsigned sweep_ms;	/* sweep interval */
	unsigned concat_s;	/* concat timeout, seconds */
	struct bb_dlr_link *links;
	size_t n_links;
	struct bb_dlr_stats st;
	struct bb_dlr_req *reqs;	/* waiting for Redis or a timer */
	struct bb_dlr_batch batch;	/* records not sent yet */
	struct bb_dlr_req *unsent;	/* a batch Redis refused: RSYSERR soon */
	struct loop_timer *flush;	/* sends the batch; answers unsent */
	size_t batch_max;	/* redis-batch: records per script call */
	unsigned long batch_ms;	/* redis-batch-delay */
	char s_rttl[24];	/* smpp-server receipt-ttl in ms, as text */
	struct bb_dlr_req *spare;	/* freed requests kept for reuse */
	size_t n_spare;
	bool dying;		/* bb_dlr_free() called while reqs remain */
};

enum bb_dlr_kind {
	BB_DLR_K_TRIM,
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
	bool held;			/* in d->batch or d->unsent: not sent */
	bb_dlr_done_fn *done;
	void *arg;
	struct loop_timer *timer;
	struct bb_dlr_req *prev, *next;	/* in d->reqs */
	struct bb_dlr_req *bnext;	/* in a batch, in call order */
	char link[BB_DLR_LINK_MAX];
	char ref[96];			/* msg id:part or opid, for logs */
	/* a batch record (submit, failed part, receipt, trim) */
	bool dlr;			/* submit: a receipt is wanted */
	bool ack;			/* submit: an ACK status event is wanted */
	bool grouped;			/* flush: already in a group */
	bool ack_grouped;		/* flush: already in an A group */
	char id[24];			/* message id (submit, failed part) */
	char part[8];
	char idpart[112];		/* "ID:PART[:OPID]" (see lua_batch) */
	char opid[DLR_TEXT_ID_MAX + 1];	/* canonical operator id */
	char entry[48];			/* stream entry id, "" for none */
	char status[DLR_TEXT_STAT_MAX + DLR_TEXT_ERR_MAX + 8];	/* WORD\tERR\tCODE */
	/* MO */
	char from[66];
	char to[66];
	uint8_t dcs;
	enum bb_mo_alphabet alpha;
	char concat_key[BB_DLR_KEY_MAX];	/* "" for a single part */
};

/* A batch script call in flight: its records, in the order of the reply. */
struct bb_dlr_call {
	size_t n;
	struct bb_dlr_req *order[];
};

/*
 * The batch script: the submit_sm_resp records, failed parts, receipts and
 * queue trims of up to redis-batch calls, then one XACK per queue and the
 * deletion of the acknowledged entries. A record that hits an error is
 * answered "error:..." and its entry is not acknowledged (it is stored again
 * later); the others are unaffected.
 *
 * Every redis.call costs a script several thousand instructions beyond the
 * command itself, and every argument more: the records come grouped by link
 * and kind so that a whole group is one call where the data model allows.
 * The operator ids of a link are fields of one hash per day,
 * P:opid:LINK:DAY (DAY = unix days of Redis's clock, kept msg-id-ttl
 * after the day): a group of submits is one HSET, a group of receipts one
 * HMGET per day looked at (today first, then back as many days as
 * msg-id-ttl spans, rounded up). A
 * receipt whose id is not there yet waits in P:early:LINK:SLOT (SLOT = ten
 * minutes; the submit looks at this slot and the one before) for it.
 *
 * Within a link the submits come before the receipts: a receipt in the same
 * batch as its submit_sm_resp always finds it (whatever order they were
 * made in), and a receipt in an earlier batch was kept as early for it.
 *
 * A message whose queue entry asks for it (Kannel dlr-mask 8) gets a status
 * event "ACK" when the SMSC accepts its first part: an A group before the
 * link's submits (so that the event precedes a final one in the same batch),
 * one HSETNX of `ack` in P:msg:ID and one XADD per message, nothing for the
 * others. A final event whose status comes from a part that no SMSC accepted
 * (an F record: refused, expired or undeliverable before submission) carries
 * `nack` = 1 on P:ev:http (Kannel type 16); a failed part of a message of
 * several parts keeps that in nN until the message is final. A message whose
 * record has `im` (it asked for intermediate statuses at accept) gets an
 * event `im` = 1 for each distinct ENROUTE / ACCEPTD of its receipts.
 *
 * ARGV: P now RTTL (the SMPP server's receipt-ttl, ms: what waited longer in
 * P:ev:smpp:ACCT is trimmed when an event is added), then groups:
 *   A LINK n  n x id                              submits wanting an ack event
 *   S LINK TTL n  n x (opid, "ID:PART[:OPID]")  n x entry
 *                                     submits wanting a receipt (TTL: s)
 *   Z LINK n  n x (id, part, opid, entry)         submits without (opN only)
 *   R LINK DAYS n  n x opid  n x "WORD\tERR\tCODE"  receipts (DAYS back)
 *   F LINK id part "WORD\tERR\tCODE" entry        a part failed
 *   T LINK                                        trim the link's queue
 * KEYS: one key of the prefix's slot (the keys are built in the script; all
 * share the hash tag). Returns one word per record in the order of the
 * groups (see batch_result()).
 */
static const char lua_batch[] =
"local FINAL = {DELIVRD=1, EXPIRED=1, DELETED=1, UNDELIV=1, REJECTD=1, UNKNOWN=1}\n"
"local P, now, rttl = ARGV[1], ARGV[2], tonumber(ARGV[3])\n"
"local tm = tonumber(redis.call('TIME')[1])\n"
"local day, slot = math.floor(tm / 86400), math.floor(tm / " BB_DLR_EARLY_SLOT_S ")\n"
"local acks, ackq, evs, exp, res = {}, {}, {}, {}, {}\n"
"local function ackl(q)\n"
"  local l = acks[q]\n"
"  if not l then l = {}; acks[q] = l; ackq[#ackq + 1] = q end\n"
"  return l\n"
"end\n"
"local function ack(q, e)\n"
"  if e ~= '' then local l = ackl(q); l[#l + 1] = e end\n"
"end\n"
"local function err(e)\n"
"  return 'error:' .. (type(e) == 'table' and tostring(e.err) or tostring(e))\n"
"end\n"
"local function opk(L, d) return P .. ':opid:' .. L .. ':' .. d end\n"
"local function erk(L, s) return P .. ':early:' .. L .. ':' .. s end\n"
"local function wec(v) return string.match(v, '^([^\\t]*)\\t([^\\t]*)\\t([^\\t]*)$') end\n"
/* The final event of a record written before the packed m (a field per
 * value: origin, dlr, acct, to, mess-id, dlr-url, dlr-mask, from, ts), with
 * the fields of that time. */
"local function old_event(o, id, fw, fe, fc)\n"
"  local s\n"
"  if o[1] == 'smpp' then\n"
"    if o[2] == '0' then return 'final' end\n"
"    s = P .. ':ev:smpp:' .. (o[3] or '')\n"
"    redis.call('XADD', s, '*', 'id', id, 'acct', o[3] or '', 'to', o[4] or '',\n"
"      'from', o[8] or '', 'sts', o[9] or '0', 'stat', fw, 'err', fe,\n"
"      'code', fc, 'ts', now)\n"
"  elseif o[2] == '1' then\n"
"    s = P .. ':ev:http'\n"
"    redis.call('XADD', s, '*', 'id', id, 'acct', o[3] or '', 'to', o[4] or '',\n"
"      'mess-id', o[5] or '', 'dlr-url', o[6] or '', 'dlr-mask', o[7] or '',\n"
"      'stat', fw, 'err', fe, 'code', fc, 'ts', now)\n"
"  else\n"
"    return 'final'\n"
"  end\n"
"  evs[s] = true\n"
"  return 'event'\n"
"end\n"
/* Intermediate statuses (doc/receipts.md): a message whose record has `im`
 * (written at accept when it asked for them: Kannel dlr-mask 4 with a
 * dlr-url, SMPP registered_delivery 0x10) gets one event per distinct
 * intermediate word, `im` = 1 in the event; `im` in the record becomes the
 * list of the words notified ("ENROUTE", "ENROUTE,ACCEPTD"). No extra
 * command for the others: apply()'s HMGET reads `im` with the rest. */
"local INTERIM = {ENROUTE=1, ACCEPTD=1}\n"
"local function seen(im, word)\n"
"  return string.find(',' .. im .. ',', ',' .. word .. ',', 1, true) ~= nil\n"
"end\n"
"local function interim(mk, id, h, word, e, code, pn, op, ov)\n"
"  local l = word\n"
"  if h[6] ~= '1' then l = h[6] .. ',' .. word end\n"
"  redis.call('HSET', mk, pn, word, op, ov, 'im', l)\n"
"  local s = P .. ':ev:' .. h[4]\n"
"  redis.call('XADD', s, '*', 'id', id, 'm', h[5], 'stat', word, 'err', e,\n"
"    'code', code, 'ts', now, 'im', '1')\n"
"  evs[s] = true\n"
"  return 'event'\n"
"end\n"
/* apply(): part `part` of message mk gets status word (doc/receipts.md),
 * and opN = opid when given. One HMGET reads what the merge and the event
 * need (the event copies the record's packed m); a message of one part
 * needs no second read. Its record lives from the accept step's TTL: no
 * EXPIRE. */
"local function apply(mk, id, part, word, e, code, opid, nack)\n"
"  local pn = 'p' .. part\n"
"  local h = redis.call('HMGET', mk, 'final', pn, 'parts', 'rpt', 'm', 'im')\n"
"  local o\n"
"  if not h[5] then\n"
/* a record of the older form: a field per value (see old_event) */
"    o = redis.call('HMGET', mk, 'origin', 'dlr', 'acct', 'to', 'mess-id',\n"
"      'dlr-url', 'dlr-mask', 'from', 'ts')\n"
"    if not h[3] and not o[3] then return 'nomsg' end\n"
"  end\n"
"  if h[1] or (h[2] and FINAL[h[2]]) then return 'dup' end\n"
/* op/ov: opN with the operator id, or (a failed part: none) pN once more,
 * so that every HSET below has one shape */
"  local op, ov = 'op' .. part, opid\n"
"  if not opid then op, ov = pn, word end\n"
/* xk/xv: nN = 1 for a failed part (nack) of a message of several parts,
 * else op/ov once more */
"  local parts, n = tonumber(h[3]) or 1, tonumber(part)\n"
"  local xk, xv = op, ov\n"
"  if nack and parts > 1 then xk, xv = 'n' .. part, '1' end\n"
"  if not FINAL[word] then\n"
"    if h[6] and h[4] and h[5] and INTERIM[word] and not seen(h[6], word)\n"
"    then\n"
"      return interim(mk, id, h, word, e, code, pn, op, ov)\n"
"    end\n"
"    redis.call('HSET', mk, pn, word, op, ov)\n"
"    return 'part'\n"
"  end\n"
"  local fw, fe, fc, fi = 'DELIVRD', '0', '0', n\n"
"  if parts == 1 and n == 1 then\n"
"    if word ~= 'DELIVRD' then fw, fe, fc = word, e, code end\n"
"    redis.call('HSET', mk, pn, word, 'final', fw, 'final-err', fe, op, ov)\n"
"  else\n"
"    local f, r, j = {}, {}, 1\n"
"    for i = 1, parts do\n"
"      if i ~= n then\n"
"        f[#f + 1] = 'p' .. i; f[#f + 1] = 'err' .. i; f[#f + 1] = 'c' .. i\n"
"      end\n"
"    end\n"
"    if #f > 0 then r = redis.call('HMGET', mk, unpack(f)) end\n"
"    for i = 1, parts do\n"
"      local w, x, c = word, e, code\n"
"      if i ~= n then w, x, c = r[j], r[j + 1], r[j + 2]; j = j + 3 end\n"
"      if not w or not FINAL[w] then\n"
"        redis.call('HSET', mk, pn, word, 'err' .. part, e, 'c' .. part, code,\n"
"          op, ov, xk, xv)\n"
"        return 'part'\n"
"      end\n"
"      if fw == 'DELIVRD' and w ~= 'DELIVRD' then\n"
"        fw, fe, fc, fi = w, x or '0', c or '255', i\n"
"      end\n"
"    end\n"
"    redis.call('HSET', mk, pn, word, 'err' .. part, e, 'c' .. part, code,\n"
"      'final', fw, 'final-err', fe, op, ov, xk, xv)\n"
"  end\n"
"  if o then return old_event(o, id, fw, fe, fc) end\n"
"  if not h[4] then return 'final' end\n"
/* the event carries the record's m: everything a callback or a receipt
 * needs comes with it */
"  local s = P .. ':ev:' .. h[4]\n"
/* nack: the part that decided the status was never accepted by an SMSC
 * (only on P:ev:http: the SMPP server's events keep their shape) */
"  local nk = false\n"
"  if fw ~= 'DELIVRD' and h[4] == 'http' then\n"
"    if fi == n then nk = nack else nk = redis.call('HGET', mk, 'n' .. fi) == '1' end\n"
"  end\n"
"  if nk then\n"
"    redis.call('XADD', s, '*', 'id', id, 'm', h[5], 'stat', fw, 'err', fe,\n"
"      'code', fc, 'ts', now, 'nack', '1')\n"
"  else\n"
"    redis.call('XADD', s, '*', 'id', id, 'm', h[5], 'stat', fw, 'err', fe,\n"
"      'code', fc, 'ts', now)\n"
"  end\n"
"  evs[s] = true\n"
"  return 'event'\n"
"end\n"
/* apply() of a status for mapping m, "ID:PART" or "ID:PART:OPID" (the
 * operator's spelling of its canonical id opid), as a record's word. */
"local function apply_to(m, v, opid, nack)\n"
"  local id, part, sp = string.match(m, '^([^:]+):(%d+):?(.*)$')\n"
"  local w, e, c = wec(v)\n"
"  if not id or not w then return 'nomsg' end\n"
"  if sp ~= '' and opid then opid = sp end\n"
"  local ok, r = pcall(apply, P .. ':msg:' .. id, id, part, w, e, c, opid, nack)\n"
"  return ok and r or err(r)\n"
"end\n"
/* The ACK status event of message id, once (a message of several parts:
 * at its first part the SMSC accepts). No result: the submit's own record
 * answers for it. */
"local function ack_event(id)\n"
"  local mk = P .. ':msg:' .. id\n"
"  local h = redis.call('HMGET', mk, 'rpt', 'm')\n"
"  if h[1] and h[2] and redis.call('HSETNX', mk, 'ack', '1') == 1 then\n"
"    local s = P .. ':ev:' .. h[1]\n"
"    redis.call('XADD', s, '*', 'id', id, 'm', h[2], 'stat', 'ACK', 'ts', now)\n"
"    evs[s] = true\n"
"  end\n"
"end\n"
/* A queue that is not a stream fails its records before anything is
 * written for them (the acknowledgements come last). */
"local qok = {}\n"
"local function queue_ok(q)\n"
"  if qok[q] == nil then\n"
"    local t = redis.call('TYPE', q).ok\n"
"    qok[q] = t == 'stream' or t == 'none'\n"
"  end\n"
"  return qok[q]\n"
"end\n"
"local BADQ = 'error:WRONGTYPE the queue is not a stream'\n"
/* The early receipts of a link: its slot hashes that exist, newest first. */
"local eks, epend = {}, {}\n"
"local function early_keys(L)\n"
"  local l = eks[L]\n"
"  if not l then\n"
"    l = {}\n"
"    for s = slot, slot - 1, -1 do\n"
"      local k = erk(L, s)\n"
"      if redis.call('EXISTS', k) == 1 then l[#l + 1] = k end\n"
"    end\n"
"    eks[L] = l\n"
"  end\n"
"  return l\n"
"end\n"
/* Submits: the receipts that came first for them, oldest slot first. */
"local function early_for(L, p0, n, base)\n"
"  local ks = early_keys(L)\n"
"  if #ks == 0 then return end\n"
"  local ops = {}\n"
"  for r = 1, n do ops[r] = ARGV[p0 + 2 * r - 2] end\n"
"  for x = #ks, 1, -1 do\n"
"    local v = redis.call('HMGET', ks[x], unpack(ops))\n"
"    for r = 1, n do\n"
"      if v[r] then\n"
"        redis.call('HDEL', ks[x], ops[r])\n"
"        res[base + r] = 'early-' .. apply_to(ARGV[p0 + 2 * r - 1], v[r], ops[r])\n"
"      end\n"
"    end\n"
"  end\n"
"end\n"
/* A receipt with no mapping yet waits, unless a final one already does
 * (a later intermediate one must not replace it). */
"local function early_put(L, opid, v)\n"
"  local t = epend[L]\n"
"  if not t then t = {}; epend[L] = t end\n"
"  local prev = t[opid]\n"
"  if prev == nil then\n"
"    for _, k in ipairs(early_keys(L)) do\n"
"      prev = redis.call('HGET', k, opid)\n"
"      if prev then break end\n"
"    end\n"
"  end\n"
"  if prev and FINAL[wec(prev)] and not FINAL[wec(v)] then return end\n"
"  t[opid] = v\n"
"end\n"
"local function receipts(L, o0, w0, n, back)\n"
"  local base, found, miss = #res, {}, {}\n"
"  local v = redis.call('HMGET', opk(L, day), unpack(ARGV, o0, o0 + n - 1))\n"
"  for r = 1, n do\n"
"    if v[r] then found[r] = v[r] else miss[#miss + 1] = r end\n"
"  end\n"
"  for d = day - 1, day - back, -1 do\n"
"    if #miss == 0 then break end\n"
"    local ops, still = {}, {}\n"
"    for x, r in ipairs(miss) do ops[x] = ARGV[o0 + r - 1] end\n"
"    v = redis.call('HMGET', opk(L, d), unpack(ops))\n"
"    for x, r in ipairs(miss) do\n"
"      if v[x] then found[r] = v[x] else still[#still + 1] = r end\n"
"    end\n"
"    miss = still\n"
"  end\n"
"  for r = 1, n do\n"
"    local opid, w = ARGV[o0 + r - 1], ARGV[w0 + r - 1]\n"
"    if found[r] then\n"
"      res[base + r] = apply_to(found[r], w, opid)\n"
"    else\n"
"      early_put(L, opid, w)\n"
"      res[base + r] = 'early'\n"
"    end\n"
"  end\n"
"end\n"
"local i = 4\n"
"while i <= #ARGV do\n"
"  local t, L = ARGV[i], ARGV[i + 1]\n"
"  local q = P .. ':q:' .. L\n"
"  if t == 'A' then\n"
"    local n = tonumber(ARGV[i + 2])\n"
"    if queue_ok(q) then\n"
"      for x = i + 3, i + 2 + n do pcall(ack_event, ARGV[x]) end\n"
"    end\n"
"    i = i + 3 + n\n"
"  elseif t == 'S' then\n"
"    local ttl, n = tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])\n"
"    local p0, base = i + 4, #res\n"
"    local e0 = p0 + 2 * n\n"
"    local b = opk(L, day)\n"
"    local ok, r = queue_ok(q), BADQ\n"
"    if ok then ok, r = pcall(redis.call, 'HSET', b, unpack(ARGV, p0, e0 - 1)) end\n"
"    if ok then\n"
"      for x = 1, n do res[base + x] = 'ok' end\n"
"      exp[b] = (day + 1) * 86400 + ttl\n"
"      early_for(L, p0, n, base)\n"
"      local l = ackl(q)\n"
"      for x = e0, e0 + n - 1 do\n"
"        if ARGV[x] ~= '' then l[#l + 1] = ARGV[x] end\n"
"      end\n"
"    else\n"
"      r = type(r) == 'string' and r or err(r)\n"
"      for x = 1, n do res[base + x] = r end\n"
"    end\n"
"    i = e0 + n\n"
"  elseif t == 'Z' then\n"
"    local n = tonumber(ARGV[i + 2])\n"
"    local j = i + 3\n"
"    for x = 1, n do\n"
"      local ok, r = queue_ok(q), BADQ\n"
"      if ok then\n"
"        ok, r = pcall(redis.call, 'HSET', P .. ':msg:' .. ARGV[j],\n"
"          'op' .. ARGV[j + 1], ARGV[j + 2])\n"
"        if ok then r = 'ok'; ack(q, ARGV[j + 3]) else r = err(r) end\n"
"      end\n"
"      res[#res + 1] = r\n"
"      j = j + 4\n"
"    end\n"
"    i = j\n"
"  elseif t == 'R' then\n"
"    local back, n = tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])\n"
"    local ok, r = pcall(receipts, L, i + 4, i + 4 + n, n, back)\n"
"    if not ok then\n"
"      r = err(r)\n"
"      for x = #res + 1, #res + n do res[x] = r end\n"
"    end\n"
"    i = i + 4 + 2 * n\n"
"  elseif t == 'F' then\n"
"    local r = BADQ\n"
"    if queue_ok(q) then\n"
"      r = apply_to(ARGV[i + 2] .. ':' .. ARGV[i + 3], ARGV[i + 4], nil, true)\n"
"      if string.sub(r, 1, 6) ~= 'error:' then ack(q, ARGV[i + 5]) end\n"
"    end\n"
"    res[#res + 1] = r\n"
"    i = i + 6\n"
"  elseif t == 'T' then\n"
"    if queue_ok(q) then ackl(q) end\n"
"    res[#res + 1] = 'ok'\n"
"    i = i + 2\n"
"  else\n"
"    return redis.error_reply('bad record ' .. tostring(t))\n"
"  end\n"
"end\n"
"for L, t in pairs(epend) do\n"
"  local f, k = {}, erk(L, slot)\n"
"  for o, v in pairs(t) do f[#f + 1] = o; f[#f + 1] = v end\n"
"  redis.call('HSET', k, unpack(f))\n"
"  exp[k] = (slot + 2) * " BB_DLR_EARLY_SLOT_S " + 60\n"
"end\n"
"for k, at in pairs(exp) do redis.call('EXPIREAT', k, at) end\n"
/* Deleting the acknowledged entries: every entry below the first one some
 * group still needs (its oldest pending entry, else the one after the last
 * it read) has been acknowledged by all, and goes with one XTRIM MINID. The
 * entries above it stay until a later trim passes them (the entries in
 * flight with them are answered within a response-timeout; the periodic T
 * record of every queue trims once they are), unless they are more than
 * LAZY ms younger than it: then an entry stuck pending (a bearerbox that
 * died) holds them up, and they are deleted one by one (XDEL, which costs
 * more) so that the stream does not grow while it waits to be claimed. A
 * sequence number too long for a Lua number, or no group, means XDEL only. */
"local LAZY = " BB_DLR_LAZY_MS "\n"
"local function sid(x)\n"
"  local ms, sq = string.match(x, '^(%d+)-(%d+)$')\n"
"  return tonumber(ms), tonumber(sq)\n"
"end\n"
"local function idlt(x, y)\n"
"  local xm, xs = sid(x)\n"
"  local ym, ys = sid(y)\n"
"  return xm < ym or (xm == ym and xs < ys)\n"
"end\n"
"local function keep_from(q)\n"
"  local m\n"
"  for _, g in ipairs(redis.call('XINFO', 'GROUPS', q)) do\n"
"    local f, id = {}\n"
"    for i = 1, #g, 2 do f[g[i]] = g[i + 1] end\n"
"    if f.pending > 0 then\n"
"      id = redis.call('XPENDING', q, f.name)[2]\n"
"    else\n"
"      local ms, sq = string.match(f['last-delivered-id'], '^(%d+)-(%d+)$')\n"
"      if #sq > 15 then return nil end\n"
"      id = ms .. '-' .. string.format('%.0f', tonumber(sq) + 1)\n"
"    end\n"
"    if not m or idlt(id, m) then m = id end\n"
"  end\n"
"  return m\n"
"end\n"
"for _, q in ipairs(ackq) do\n"
"  local l, rest = acks[q], {}\n"
"  for i = 1, #l, 500 do\n"
"    redis.call('XACK', q, 'links', unpack(l, i, math.min(i + 499, #l)))\n"
"  end\n"
"  local ok, from = pcall(keep_from, q)\n"
"  if ok and from then\n"
"    redis.call('XTRIM', q, 'MINID', from)\n"
"    local lim = sid(from) + LAZY\n"
"    for _, e in ipairs(l) do\n"
"      if tonumber(string.match(e, '^(%d+)')) > lim then rest[#rest + 1] = e end\n"
"    end\n"
"  else\n"
"    rest = l\n"
"  end\n"
"  for i = 1, #rest, 500 do\n"
"    redis.call('XDEL', q, unpack(rest, i, math.min(i + 499, #rest)))\n"
"  end\n"
"end\n"
/* The event streams are capped once per batch, not on every XADD. */
"for s in pairs(evs) do\n"
"  redis.call('XTRIM', s, 'MAXLEN', '~', '1000000')\n"
/* A customer that never binds a receiver must not grow its receipts: what
 * waited longer than receipt-ttl would be dropped by the server anyway. */
"  if string.find(s, ':ev:smpp:', 1, true) then\n"
"    redis.call('XTRIM', s, 'MINID', string.format('%d', tm * 1000 - rttl))\n"
"  end\n"
"end\n"
"return res\n";

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

/* KEYS [concat due]; ARGV P to from dcs text ts link rttl ->
 * http|smpp|unknown|dup, with a concat hash {that, deadlines left in due};
 * rttl: what waited longer than that (ms) in P:mo:smpp:ACCT is trimmed. */
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
"  if res == 'smpp' then\n"
"    local t = redis.call('TIME')\n"
"    redis.call('XTRIM', s, 'MINID',\n"
"      string.format('%d', tonumber(t[1]) * 1000 - tonumber(ARGV[8])))\n"
"  end\n"
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
		long long ttl;

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
		ttl = conf_schema_get_duration_ms(g, "msg-id-ttl") / 1000;
		snprintf(l->ttl_s, sizeof(l->ttl_s), "%lld", ttl);
		snprintf(l->ttl_days, sizeof(l->ttl_days), "%lld",
			 (ttl + 86399) / 86400);
		d->n_links++;
	}
	return 0;
}

static const struct bb_dlr_link *find_link(const struct bb_dlr *d,
					   const char *link)
{
	static const struct bb_dlr_link dflt = { "", BB_DLR_ID_STRING,
						 BB_MO_DCS0_GSM7, BB_DLR_TTL_S,
						 BB_DLR_TTL_DAYS };

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
	struct bb_dlr_req *q = d->spare;

	if (q != NULL) {
		d->spare = q->next;
		d->n_spare--;
		memset(q, 0, sizeof(*q));
	} else {
		q = calloc(1, sizeof(*q));
		if (q == NULL)
			return NULL;
	}
	q->d = d;
	q->kind = kind;
	q->done = done;
	q->arg = arg;
	snprintf(q->link, sizeof(q->link), "%s", link);
	return q;
}

/* Frees a request that is on no list (keeps it for reuse). */
static void req_put(struct bb_dlr_req *q)
{
	struct bb_dlr *d = q->d;

	if (d->n_spare >= BB_DLR_SPARE_MAX || d->dying) {
		free(q);
		return;
	}
	q->next = d->spare;
	d->spare = q;
	d->n_spare++;
}

static void batch_fini(struct bb_dlr_batch *b)
{
	free(b->argv);
	memset(b, 0, sizeof(*b));
}

static void dlr_destroy(struct bb_dlr *d)
{
	if (d->b->loop != NULL) {	/* else box_fini() came first: cannot free it */
		loop_timer_free(d->sweep);
		loop_timer_free(d->flush);
	}
	while (d->spare != NULL) {
		struct bb_dlr_req *q = d->spare;

		d->spare = q->next;
		free(q);
	}
	batch_fini(&d->batch);
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
	q->timer = NULL;
	req_put(q);
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
		q->timer = NULL;
		req_put(q);
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
		req_put(q);
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

/* ---- the batch of submitted / failed / receipt records ---- */

/* Makes room for need elements of size bytes in *p (capacity *cap). */
static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap > 0 ? *cap : 64;
	void *np;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	np = realloc(*p, n * size);
	if (np == NULL)
		return -1;
	*p = np;
	*cap = n;
	return 0;
}

static void on_batch_reply(struct redis *r, struct redisReply *reply,
			   void *priv);
static void receipt_done(struct bb_dlr_req *q, const char *w);

/* Redis refused the batch (not connected, out of memory): its records are
 * answered ESME_RSYSERR from the flush timer, never from within the call that
 * flushed. */
static void batch_refused(struct bb_dlr *d, struct bb_dlr_req *head)
{
	struct bb_dlr_req **pp = &d->unsent;

	while (*pp != NULL)
		pp = &(*pp)->bnext;
	*pp = head;
	if (d->flush != NULL)
		loop_timer_start(d->flush, 0, false);
}

/* The flush being built: argv and the records in reply order. */
struct bb_dlr_build {
	const char **v;
	size_t n;
	struct bb_dlr_call *c;
	char count[BB_DLR_BATCH_LIMIT][24];	/* group sizes as text */
	size_t ncount;
};

static void arg(struct bb_dlr_build *g, const char *s)
{
	g->v[g->n++] = s;
}

static void arg_count(struct bb_dlr_build *g, size_t n)
{
	char *p = g->count[g->ncount++];

	snprintf(p, sizeof(g->count[0]), "%zu", n);
	arg(g, p);
}

static bool in_group(const struct bb_dlr_req *q, const char *link,
		     enum bb_dlr_kind kind, bool dlr)
{
	return !q->grouped && q->kind == kind && strcmp(q->link, link) == 0 &&
	       (kind != BB_DLR_K_SUBMIT || q->dlr == dlr);
}

/*
 * One group: kind 'S', 'Z' or 'R' of link for the records of the batch from
 * `from` on. Their fields go in the order lua_batch reads them; the records
 * join the reply order.
 */
static void group(struct bb_dlr_build *g, struct bb_dlr_req *from, char t,
		  const struct bb_dlr_link *dl, const char *link)
{
	enum bb_dlr_kind kind = t == 'R' ? BB_DLR_K_RECEIPT : BB_DLR_K_SUBMIT;
	bool dlr = t == 'S';
	size_t n = 0;

	for (struct bb_dlr_req *q = from; q != NULL; q = q->bnext)
		n += in_group(q, link, kind, dlr);
	if (n == 0)
		return;
	arg(g, t == 'S' ? "S" : t == 'Z' ? "Z" : "R");
	arg(g, link);
	if (t == 'S')
		arg(g, dl->ttl_s);
	else if (t == 'R')
		arg(g, dl->ttl_days);
	arg_count(g, n);
	for (struct bb_dlr_req *q = from; q != NULL; q = q->bnext) {
		if (!in_group(q, link, kind, dlr))
			continue;
		if (t == 'S') {
			arg(g, q->opid);
			arg(g, q->idpart);
		} else if (t == 'Z') {
			arg(g, q->id);
			arg(g, q->part);
			arg(g, q->opid);
			arg(g, q->entry);
		} else {
			arg(g, q->opid);
		}
	}
	for (struct bb_dlr_req *q = from; q != NULL; q = q->bnext) {
		if (!in_group(q, link, kind, dlr))
			continue;
		if (t == 'S')
			arg(g, q->entry);
		else if (t == 'R')
			arg(g, q->status);
	}
	for (struct bb_dlr_req *q = from; q != NULL; q = q->bnext)
		if (in_group(q, link, kind, dlr)) {
			g->c->order[g->c->n++] = q;
			q->grouped = true;
		}
}

/* The A group of link for the records of the batch from `from` on: the
 * message ids of the submits that want an ACK event. No results. */
static void group_ack(struct bb_dlr_build *g, struct bb_dlr_req *from,
		      const char *link)
{
	size_t n = 0;

	for (struct bb_dlr_req *q = from; q != NULL; q = q->bnext)
		n += q->kind == BB_DLR_K_SUBMIT && q->ack && !q->ack_grouped &&
		     strcmp(q->link, link) == 0;
	if (n == 0)
		return;
	arg(g, "A");
	arg(g, link);
	arg_count(g, n);
	for (struct bb_dlr_req *q = from; q != NULL; q = q->bnext)
		if (q->kind == BB_DLR_K_SUBMIT && q->ack && !q->ack_grouped &&
		    strcmp(q->link, link) == 0) {
			arg(g, q->id);
			q->ack_grouped = true;
		}
}

/* Sends the batch as one script call: per link its ACK events (A), submits
 * (S, Z) and receipts (R), then the failed parts (F) and trims (T) one by
 * one. */
static void batch_flush(struct bb_dlr *d)
{
	struct bb_dlr_batch *b = &d->batch;
	struct bb_dlr_build *g;
	struct bb_dlr_req *q;
	const struct bb_dlr_link *dl;
	char s_now[24];
	/* at most: the key, P, now, RTTL, and per record 11 strings (a group of one
	 * A record, 3 + 1, and a group of one S record, 4 + 3, or of one Z
	 * record, 3 + 4) */
	size_t cap = 4 + 11 * b->n;
	int rc = -1;

	if (b->n == 0)
		return;
	g = calloc(1, sizeof(*g));
	if (g != NULL)
		g->c = malloc(sizeof(*g->c) + b->n * sizeof(g->c->order[0]));
	if (g != NULL && g->c != NULL &&
	    grow((void **)&b->argv, &b->vcap, cap, sizeof(*b->argv)) == 0) {
		g->v = b->argv;
		g->c->n = 0;
		arg(g, d->b->prefix);	/* KEYS[1]: the slot of every key */
		arg(g, d->b->prefix);
		snprintf(s_now, sizeof(s_now), "%llu", now_ms());
		arg(g, s_now);
		arg(g, d->s_rttl);
		for (q = b->head; q != NULL; q = q->bnext)
			q->grouped = q->ack_grouped = false;
		for (q = b->head; q != NULL; q = q->bnext) {
			if (q->grouped || (q->kind != BB_DLR_K_SUBMIT &&
					   q->kind != BB_DLR_K_RECEIPT))
				continue;
			dl = find_link(d, q->link);
			group_ack(g, q, q->link);
			group(g, q, 'S', dl, q->link);
			group(g, q, 'Z', dl, q->link);
			group(g, q, 'R', dl, q->link);
		}
		for (q = b->head; q != NULL; q = q->bnext) {
			if (q->kind == BB_DLR_K_FAIL) {
				arg(g, "F");
				arg(g, q->link);
				arg(g, q->id);
				arg(g, q->part);
				arg(g, q->status);
				arg(g, q->entry);
			} else if (q->kind == BB_DLR_K_TRIM) {
				arg(g, "T");
				arg(g, q->link);
			} else {
				continue;
			}
			g->c->order[g->c->n++] = q;
		}
		rc = redis_script_call(d->b->redis, d->s_batch, on_batch_reply,
				       g->c, 1, (int)g->n, g->v, NULL);
	}
	if (rc == 0) {
		for (q = b->head; q != NULL; q = q->bnext)
			q->held = false;
	} else {
		if (g != NULL)
			free(g->c);
		log_warn("receipt/submit batch not sent (Redis) records=%zu", b->n);
		batch_refused(d, b->head);
	}
	free(g);
	b->head = b->tail = NULL;
	b->n = 0;
}

static void flush_timer(struct loop_timer *t, void *arg)
{
	struct bb_dlr *d = arg;
	struct bb_dlr_req *q;

	(void)t;
	while ((q = d->unsent) != NULL) {
		d->unsent = q->bnext;
		req_finish(q, SMPP_ESME_RSYSERR);
	}
	batch_flush(d);
}

/*
 * Adds q's record to the batch, which is sent when it holds redis-batch
 * records or redis-batch-delay after its first. Returns 0 (done will be
 * called).
 */
static int batch_add(struct bb_dlr *d, struct bb_dlr_req *q)
{
	struct bb_dlr_batch *b = &d->batch;

	q->held = true;
	q->bnext = NULL;
	if (b->tail != NULL)
		b->tail->bnext = q;
	else
		b->head = q;
	b->tail = q;
	b->n++;
	req_link(q);
	if (b->n >= d->batch_max)
		batch_flush(d);
	else if (b->n == 1)
		loop_timer_start(d->flush, d->batch_ms, false);
	return 0;
}

/* The status to answer for one record of a batch reply (a word: see the
 * script), with the counters and log lines of its kind. */
static int batch_result(struct bb_dlr_req *q, const struct redisReply *e)
{
	struct bb_dlr *d = q->d;
	const char *w = reply_word(e);

	if (strncmp(w, "error:", 6) == 0 || e->type == REDIS_REPLY_ERROR) {
		log_error("receipt/submit record failed link=%s ref=%s error=%s",
			  q->link, q->ref, e->type == REDIS_REPLY_ERROR ? e->str : w + 6);
		return SMPP_ESME_RSYSERR;
	}
	switch (q->kind) {
	case BB_DLR_K_SUBMIT:
		if (strncmp(w, "early-", 6) == 0) {
			d->st.receipts_early++;
			if (strcmp(w + 6, "event") == 0)
				d->st.events++;
			else if (strcmp(w + 6, "nomsg") == 0)
				log_warn("early receipt for an unknown message link=%s ref=%s",
					 q->link, q->ref);
		}
		break;
	case BB_DLR_K_FAIL:
		count_apply(d, w);
		break;
	case BB_DLR_K_RECEIPT:
		receipt_done(q, w);
		break;
	default:
		break;
	}
	return SMPP_ESME_ROK;
}

static void on_batch_reply(struct redis *r, struct redisReply *reply,
			   void *priv)
{
	struct bb_dlr_call *c = priv;
	struct bb_dlr_req *q = c->n > 0 ? c->order[0] : NULL;
	bool ok = reply != NULL && reply->type == REDIS_REPLY_ARRAY &&
		  reply->elements == c->n;

	(void)r;
	if (q != NULL && q->d->dying)
		ok = false;
	else if (!ok)
		log_error("receipt/submit batch failed records=%zu error=%s", c->n,
			  reply == NULL ? "connection lost" :
			  reply->type == REDIS_REPLY_ERROR ? reply->str :
			  "unexpected reply");
	/* The last req_finish() may free d (dying): d is not used after it. */
	for (size_t i = 0; i < c->n; i++)
		req_finish(c->order[i], ok ? batch_result(c->order[i],
							  reply->element[i]) :
			   SMPP_ESME_RSYSERR);
	free(c);
}

/* ---- submitted / failed ---- */

/* The WORD\tERR\tCODE of a record. */
static void req_status(struct bb_dlr_req *q, const char *word, const char *err,
		       int code)
{
	snprintf(q->status, sizeof(q->status), "%s\t%s\t%d", word, err, code);
}

static void req_entry(struct bb_dlr_req *q, const char *entry_id)
{
	snprintf(q->entry, sizeof(q->entry), "%s", entry_id != NULL ? entry_id : "");
}

int bb_dlr_submitted(struct bb_dlr *d, const char *link, const char *entry_id,
		     const char *msg_id, int part, bool dlr, bool ack,
		     const char *opid, bb_dlr_done_fn *done, void *arg)
{
	char canon[DLR_TEXT_ID_MAX + 1];
	struct bb_dlr_req *q;

	if (!redis_connected(d->b->redis))
		return -1;
	if (part < 1 || part > 255 || msg_id == NULL || msg_id[0] == '\0' ||
	    strlen(msg_id) >= sizeof(q->id) || strlen(link) >= BB_DLR_LINK_MAX ||
	    (entry_id != NULL && strlen(entry_id) >= sizeof(q->entry)) ||
	    opid == NULL || canon_id(find_link(d, link), true, opid, canon,
				     sizeof(canon)) < 0) {
		log_warn("receipt mapping refused link=%s id=%s part=%d opid=%s",
			 link, msg_id ? msg_id : "", part, opid ? opid : "");
		return -1;
	}
	q = req_new(d, BB_DLR_K_SUBMIT, link, done, arg);
	if (q == NULL)
		return -1;
	snprintf(q->ref, sizeof(q->ref), "%s:%d", msg_id, part);
	snprintf(q->id, sizeof(q->id), "%s", msg_id);
	snprintf(q->part, sizeof(q->part), "%d", part);
	/* The mapping is by the canonical id; opN keeps the operator's
	 * spelling, carried in the mapping when the two differ. */
	snprintf(q->idpart, sizeof(q->idpart), "%s:%d%s%s", msg_id, part,
		 strcmp(canon, opid) != 0 ? ":" : "",
		 strcmp(canon, opid) != 0 ? opid : "");
	snprintf(q->opid, sizeof(q->opid), "%s", dlr ? canon : opid);
	req_entry(q, entry_id);
	q->dlr = dlr;
	q->ack = ack;
	return batch_add(d, q);
}

int bb_dlr_part_failed(struct bb_dlr *d, const char *link, const char *entry_id,
		       const char *msg_id, int part, const char *stat_word,
		       int err, bb_dlr_done_fn *done, void *arg)
{
	char s_err[16];
	enum dlr_text_state st;
	struct bb_dlr_req *q;

	if (!redis_connected(d->b->redis))
		return -1;
	if (part < 1 || part > 255 || msg_id == NULL || msg_id[0] == '\0' ||
	    strlen(msg_id) >= sizeof(q->id) || strlen(link) >= BB_DLR_LINK_MAX ||
	    (entry_id != NULL && strlen(entry_id) >= sizeof(q->entry)) ||
	    stat_word == NULL || strlen(stat_word) > DLR_TEXT_STAT_MAX)
		return -1;
	st = dlr_text_state_from_word(stat_word, strlen(stat_word));
	if (st != DLR_TEXT_STATE_NONE)
		stat_word = dlr_text_state_word(st);
	snprintf(s_err, sizeof(s_err), "%d", err);
	q = req_new(d, BB_DLR_K_FAIL, link, done, arg);
	if (q == NULL)
		return -1;
	snprintf(q->ref, sizeof(q->ref), "%s:%d", msg_id, part);
	snprintf(q->id, sizeof(q->id), "%s", msg_id);
	snprintf(q->part, sizeof(q->part), "%d", part);
	req_status(q, stat_word, s_err,
		   dlr_text_status_code(st, s_err, DLR_TEXT_ERRKIND_SMPP));
	req_entry(q, entry_id);
	return batch_add(d, q);
}

int bb_dlr_trim(struct bb_dlr *d, const char *link)
{
	struct bb_dlr_req *q;

	if (!redis_connected(d->b->redis) || strlen(link) >= BB_DLR_LINK_MAX)
		return -1;
	q = req_new(d, BB_DLR_K_TRIM, link, NULL, NULL);
	if (q == NULL)
		return -1;
	snprintf(q->ref, sizeof(q->ref), "trim");
	return batch_add(d, q);
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
	struct bb_dlr_req *q = req_new(d, BB_DLR_K_RECEIPT, link, done, arg);

	if (q == NULL)
		return -1;
	snprintf(q->ref, sizeof(q->ref), "%s", rc->id);
	if (strlen(link) >= BB_DLR_LINK_MAX ||
	    canon_id(find_link(d, link), rc->id_tlv, rc->id, q->opid,
		     sizeof(q->opid)) < 0) {
		d->st.receipts_bad++;
		log_warn("receipt with an unusable id link=%s opid=%s", link, rc->id);
		return req_later(q);
	}
	req_status(q, rc->word, rc->err, rc->code);
	log_debug("receipt link=%s opid=%s canon=%s stat=%s err=%s", link, rc->id,
		  q->opid, rc->word, rc->err);
	return batch_add(d, q);
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
	const char *argv[10];
	size_t argvlen[10];
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
	argv[9] = d->s_rttl;	/* what waited longer in P:mo:smpp:ACCT goes */
	for (int i = 0; i < 10; i++)
		argvlen[i] = strlen(argv[i]);
	argvlen[6] = (size_t)n;
	q->kind = BB_DLR_K_MO;
	rc = redis_script_call(d->b->redis, d->s_mo, on_reply, q, 2 - skip,
			       10 - skip, argv + skip, argvlen + skip);
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
	const struct conf_group *core = conf_group_next(c, NULL, "core");

	if (d == NULL)
		return NULL;
	d->b = b;
	d->batch_max = BB_DLR_BATCH_MAX;
	d->batch_ms = BB_DLR_BATCH_MS;
	if (core != NULL) {
		d->batch_max = (size_t)conf_schema_get_int(core, "redis-batch");
		d->batch_ms = (unsigned long)conf_schema_get_duration_ms(
			core, "redis-batch-delay");
	}
	if (d->batch_max < 1)
		d->batch_max = 1;
	snprintf(d->s_rttl, sizeof(d->s_rttl), "%lld", conf_schema_get_duration_ms(
			 conf_schema_group(c, "smpp-server"), "receipt-ttl"));
	if (load_links(d, c) != 0)
		goto fail;
	d->flush = loop_timer_new(b->loop, flush_timer, d);
	if (d->flush == NULL)
		goto fail;
	d->s_batch = redis_script_new(b->redis, lua_batch);
	d->s_concat = redis_script_new(b->redis, lua_concat);
	d->s_mo = redis_script_new(b->redis, lua_mo);
	d->s_sweep = redis_script_new(b->redis, lua_sweep);
	if (d->s_batch == NULL ||
	    d->s_concat == NULL || d->s_mo == NULL || d->s_sweep == NULL)
		goto fail;
	d->concat_s = core != NULL ? (unsigned)(conf_schema_get_duration_ms(
			core, "concat-timeout") / 1000) : BB_DLR_CONCAT_S;
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
		loop_timer_free(d->flush);
		d->flush = NULL;
	}
	/* Records Redis never got are dropped: their stream entries stay
	 * pending and the operator gets no deliver_sm_resp (it resends). */
	d->batch.head = d->batch.tail = NULL;
	d->batch.n = 0;
	d->unsent = NULL;
	for (struct bb_dlr_req *q = d->reqs, *n; q != NULL; q = n) {
		n = q->next;
		q->done = NULL;
		if (q->held || (q->timer != NULL && d->b->loop != NULL))
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
