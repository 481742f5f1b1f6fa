/*
 * bb_queue — a link's outbound stream consumer, its retry set, failover and
 * expiry (bb_queue.h). Everything that moves a part between keys is one Lua
 * script; acknowledging a part with its result is bb_dlr's script.
 */
#include "config.h"

#include "bearerbox/bb_queue.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "bearerbox/bb_dlr.h"
#include "shared/codec/conf_schema.h"
#include "shared/codec/qentry.h"
#include "shared/codec/route.h"
#include "shared/codec/smpp_pdu.h"
#include "shared/io/box.h"
#include "shared/io/log.h"
#include "shared/io/loop.h"
#include "shared/io/redis.h"

#define Q_GROUP "links"
#define Q_KEY_MAX 192
#define Q_LINKS_MAX 256
#define Q_POLL_MS 100		/* empty stream: read again after this */
#define Q_DOWN_MS 1000		/* link down: look for failover / expiry */
#define Q_WATCH_WINDOW 64	/* a watch's reads while it moves a backlog */
#define Q_DOWN_BUSY_MS 20	/* ... while there is a backlog to move */
#define Q_CLAIM_MS 5000		/* XAUTOCLAIM period */
#define Q_PRUNE_EVERY 120	/* claim runs between consumer prunes */
#define Q_PRUNE_IDLE "3600000"	/* a consumer idle this long (ms) may go */
#define Q_DUE_MS 200		/* retry mover period */
#define Q_DUE_BATCH 500
#define Q_REDO_MS 1000		/* a finishing call Redis refused: try again */
#define Q_WAIT_MS 5000		/* down, no failover: back in the stream after */
#define Q_RETRY_BASE_MS 1000
#define Q_RETRY_MAX_MS 300000

/* Retry: KEYS = stream, retry set; ARGV = entry id, due ms, link, bump tries.
 * Acks and deletes the entry and adds it, fields packed, to the set. */
static const char q_retry_lua[] =
	"local e = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])\n"
	"redis.call('XACK', KEYS[1], 'links', ARGV[1])\n"
	"if #e == 0 then return 0 end\n"
	"redis.call('XDEL', KEYS[1], ARGV[1])\n"
	"local f = e[1][2]\n"
	"if ARGV[4] == '1' then\n"
	"  local found = false\n"
	"  for i = 1, #f, 2 do\n"
	"    if f[i] == 'tries' then\n"
	"      f[i + 1] = tostring((tonumber(f[i + 1]) or 0) + 1); found = true\n"
	"    end\n"
	"  end\n"
	"  if not found then f[#f + 1] = 'tries'; f[#f + 1] = '1' end\n"
	"end\n"
	"redis.call('ZADD', KEYS[2], ARGV[2],\n"
	"  ARGV[3] .. '|' .. ARGV[1] .. '|' .. cmsgpack.pack(f))\n"
	"return 1\n";

/* Due: KEYS = retry set; ARGV = now ms, max, key prefix ("{hermod}").
 * Moves due members back to P:q:LINK. Returns how many moved. */
static const char q_due_lua[] =
	"local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1],\n"
	"  'LIMIT', 0, tonumber(ARGV[2]))\n"
	"local n = 0\n"
	"for _, m in ipairs(due) do\n"
	"  local a = string.find(m, '|', 1, true)\n"
	"  local b = a and string.find(m, '|', a + 1, true)\n"
	"  if b then\n"
	"    local f = cmsgpack.unpack(string.sub(m, b + 1))\n"
	"    redis.call('XADD', ARGV[3] .. ':q:' .. string.sub(m, 1, a - 1),\n"
	"      '*', unpack(f))\n"
	"    n = n + 1\n"
	"  end\n"
	"  redis.call('ZREM', KEYS[1], m)\n"
	"end\n"
	"return n\n";

/* Move (failover): KEYS = from stream, to stream; ARGV = entry id. */
static const char q_move_lua[] =
	"local e = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])\n"
	"redis.call('XACK', KEYS[1], 'links', ARGV[1])\n"
	"if #e == 0 then return 0 end\n"
	"redis.call('XDEL', KEYS[1], ARGV[1])\n"
	"redis.call('XADD', KEYS[2], '*', unpack(e[1][2]))\n"
	"return 1\n";

/* Ack: KEYS = stream; ARGV = entry id. For a part the operator accepted
 * whose id bb_dlr refused (unusable for receipt matching). */
static const char q_ack_lua[] =
	"redis.call('XACK', KEYS[1], 'links', ARGV[1])\n"
	"return redis.call('XDEL', KEYS[1], ARGV[1])\n";

/* Link-up flags of every smsc id, refreshed by one MGET. */
struct q_upcache {
	char ids[Q_LINKS_MAX][ROUTE_ID_MAX];
	bool up[Q_LINKS_MAX];
	size_t n;
	bool loaded;	/* read from Redis at least once */
};

struct bb_queues {
	struct box *box;
	struct bb_dlr *dlr;
	struct route_table *routes;
	struct redis_script *s_retry, *s_due, *s_move, *s_ack, *s_prune;
	struct loop_timer *due_timer;
	struct loop_timer *up_timer;
	struct q_upcache upc;
	struct bb_queue *list;
	char retry_key[Q_KEY_MAX];
	size_t busy;
	bool due_running;
	bool up_running;
	bool stopping;
};

enum q_op {
	Q_OP_NONE,
	Q_OP_SUBMITTED,
	Q_OP_FAILED,
	Q_OP_RETRY,
	Q_OP_MOVE,
	Q_OP_ACK,
};

/* A part with the queue's bookkeeping around it. */
struct q_msg {
	struct bb_msg m;	/* first: callers see only this */
	struct bb_queue *q;
	enum q_op op;
	char opid[72];
	char stat[12];
	uint32_t err;
	long long due;
	bool bump;
	char move_to[ROUTE_ID_MAX];
};

struct bb_queue {
	struct bb_queues *qs;
	struct bb_queue *next;
	char link[ROUTE_ID_MAX];
	char key[Q_KEY_MAX];
	long long relay_timeout_ms;
	long long claim_idle_ms;
	int window;
	size_t pool_cap;
	size_t in_use;		/* q_msg allocated and not released */
	struct q_msg **pool;	/* every allocated q_msg, for the claim check */
	size_t pool_n;
	struct bb_msg *free_list;
	struct bb_msg *ready_head, *ready_tail;
	size_t ready_n;
	struct bb_msg *redo;	/* finishing calls to start again */
	struct loop_timer *poll_timer;
	struct loop_timer *claim_timer;
	struct loop_timer *down_timer;
	struct loop_timer *redo_timer;
	char claim_cursor[48];
	unsigned long claim_runs;
	size_t busy;		/* Redis calls in flight */
	bool up;
	bool stopping;
	bool fetching;
	bool claiming;
	bool failover;		/* some other link is up somewhere */
	bool watch;		/* another process serves the link (modembox) */
	bb_queue_ready_fn *ready;
	void *ready_arg;
	bb_queue_idle_fn *idle;
	void *idle_arg;
	struct bb_queue_stats st;	/* for the admin page */
};

static void q_fetch(struct bb_queue *q, bool down_mode);
static void q_finish(struct q_msg *qm);

/* ------------------------------------------------------------ helpers */

static long long q_wall_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

bool bb_queue_status_temporary(uint32_t status)
{
	switch (status) {
	case 0:
	case SMPP_ESME_RMSGQFUL:
	case SMPP_ESME_RTHROTTLED:
	case SMPP_ESME_RSYSERR:
	case SMPP_ESME_RINVBNDSTS:
	case SMPP_ESME_RX_T_APPN:
	case SMPP_ESME_RUNKNOWNERR:
		return true;
	default:
		return false;
	}
}

const char *bb_queue_status_word(uint32_t status)
{
	switch (status) {
	case SMPP_ESME_RSUBMITFAIL:
	case SMPP_ESME_RDELIVERYFAILURE:
	case SMPP_ESME_RX_P_APPN:
	case SMPP_ESME_RX_R_APPN:
		return "UNDELIV";
	default:
		return "REJECTD";
	}
}

const char *bb_queue_link(const struct bb_queue *q)
{
	return q->link;
}

static void q_check_idle(struct bb_queue *q)
{
	if (q->idle != NULL && bb_queue_busy(q) == 0)
		q->idle(q->idle_arg);
}

size_t bb_queue_busy(const struct bb_queue *q)
{
	return q->busy + q->in_use;
}

void bb_queue_on_idle(struct bb_queue *q, bb_queue_idle_fn *idle, void *arg)
{
	q->idle = idle;
	q->idle_arg = arg;
}

/* ------------------------------------------------------------ the pool */

static struct q_msg *q_alloc(struct bb_queue *q)
{
	struct q_msg *qm;

	if (q->free_list != NULL) {
		qm = (struct q_msg *)q->free_list;
		q->free_list = qm->m.next;
	} else {
		if (q->pool_n == q->pool_cap)
			return NULL;
		qm = calloc(1, sizeof(*qm));
		if (qm == NULL)
			return NULL;
		q->pool[q->pool_n++] = qm;
	}
	memset(&qm->m, 0, offsetof(struct bb_msg, inline_data));
	qm->q = q;
	qm->op = Q_OP_NONE;
	qm->m.data = qm->m.inline_data;
	qm->m.validity = -1;
	q->in_use++;
	return qm;
}

static void q_release(struct q_msg *qm)
{
	struct bb_queue *q = qm->q;

	if (qm->m.data != qm->m.inline_data)
		free(qm->m.data);
	qm->m.data = qm->m.inline_data;
	qm->m.entry_id[0] = '\0';
	qm->m.next = q->free_list;
	q->free_list = &qm->m;
	q->in_use--;
	q_check_idle(q);
}

/* True when entry id is already held (a claim gave back one of ours). */
static bool q_holds(const struct bb_queue *q, const char *id, size_t len)
{
	size_t i;

	for (i = 0; i < q->pool_n; i++) {
		const char *e = q->pool[i]->m.entry_id;

		if (e[0] != '\0' && strlen(e) == len && memcmp(e, id, len) == 0)
			return true;
	}
	return false;
}

static void q_ready_push(struct bb_queue *q, struct bb_msg *m)
{
	m->next = NULL;
	if (q->ready_tail != NULL)
		q->ready_tail->next = m;
	else
		q->ready_head = m;
	q->ready_tail = m;
	q->ready_n++;
}

static struct bb_msg *q_ready_pop(struct bb_queue *q)
{
	struct bb_msg *m = q->ready_head;

	if (m == NULL)
		return NULL;
	q->ready_head = m->next;
	if (q->ready_head == NULL)
		q->ready_tail = NULL;
	q->ready_n--;
	m->next = NULL;
	return m;
}

/* ------------------------------------------------------------ entry parsing */

static long long q_num(const char *p, size_t len, long long def)
{
	long long v = 0;
	size_t i;

	if (len == 0 || len > 18)
		return def;
	for (i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return def;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

static int q_copy(char *dst, size_t cap, const char *p, size_t len)
{
	if (len >= cap)
		return -1;
	memcpy(dst, p, len);
	dst[len] = '\0';
	return 0;
}

static int q_set_data(struct bb_msg *m, const char *p, size_t len)
{
	if (len > BB_MSG_DATA_MAX)
		return -1;
	if (len > BB_MSG_INLINE) {
		m->data = malloc(len);
		if (m->data == NULL) {
			m->data = m->inline_data;
			return -1;
		}
	}
	memcpy(m->data, p, len);
	m->data_len = len;
	return 0;
}

static int q_set_sar(struct bb_msg *m, const char *p, size_t len)
{
	char buf[40];
	int ref, total, seq;

	if (len == 0)
		return 0;
	if (q_copy(buf, sizeof(buf), p, len) != 0 ||
	    sscanf(buf, "%d:%d:%d", &ref, &total, &seq) != 3 || ref < 0 ||
	    ref > 65535 || total < 1 || total > 255 || seq < 1 || seq > total)
		return -1;
	m->sar_ref = ref;
	m->sar_total = total;
	m->sar_seq = seq;
	return 0;
}

/* The packed `m` field (shared/codec/qentry.h); -1 when it is unusable. */
static int q_packed(struct bb_msg *m, const char *v, size_t vl)
{
	struct qentry e;

	if (qentry_decode((const uint8_t *)v, vl, &e) < 0 ||
	    e.udh.len > BB_MSG_UDH_MAX ||
	    q_copy(m->acct, sizeof(m->acct), (const char *)e.acct.p,
		   e.acct.len) != 0 ||
	    q_copy(m->from, sizeof(m->from), (const char *)e.from.p,
		   e.from.len) != 0 ||
	    q_set_data(m, (const char *)e.data.p, e.data.len) != 0)
		return -1;
	m->part = (int)e.part;
	m->parts = (int)e.parts;
	m->coding = (int)e.coding;
	if (e.udh.len > 0)
		memcpy(m->udh, e.udh.p, e.udh.len);
	m->udh_len = e.udh.len;
	m->sar_ref = (int)e.sar_ref;
	m->sar_total = (int)e.sar_total;
	m->sar_seq = (int)e.sar_seq;
	m->flash = (e.flags & QENTRY_FLASH) != 0;
	m->dlr = (e.flags & QENTRY_DLR) != 0;
	m->ts = (long long)e.ts;
	m->validity = (long)e.validity;
	m->ack = (e.flags & QENTRY_ACK) != 0;
	m->deferred = (long)e.deferred;
	m->priority = (int)e.priority;
	m->mclass = (int)e.mclass;
	return 0;
}

/* One field of an entry; -1 when its value is unusable. An entry is either
 * `id`, `to`, `m` (packed) and optionally `tries`, or, as written before the
 * packed form, one field per value. */
static int q_field(struct bb_msg *m, const char *k, size_t kl, const char *v,
		   size_t vl)
{
#define IS(name) (kl == sizeof(name) - 1 && memcmp(k, name, kl) == 0)
	if (IS("m"))
		return q_packed(m, v, vl);
	if (IS("id"))
		return q_copy(m->id, sizeof(m->id), v, vl);
	if (IS("part"))
		return (m->part = (int)q_num(v, vl, -1)) < 1 ? -1 : 0;
	if (IS("parts"))
		return (m->parts = (int)q_num(v, vl, -1)) < 1 ? -1 : 0;
	if (IS("acct"))
		return q_copy(m->acct, sizeof(m->acct), v, vl);
	if (IS("to"))
		return q_copy(m->to, sizeof(m->to), v, vl);
	if (IS("from"))
		return q_copy(m->from, sizeof(m->from), v, vl);
	if (IS("coding"))
		return (m->coding = (int)q_num(v, vl, -1)) < 0 ? -1 : 0;
	if (IS("udh")) {
		if (vl > BB_MSG_UDH_MAX)
			return -1;
		memcpy(m->udh, v, vl);
		m->udh_len = vl;
		return 0;
	}
	if (IS("sar"))
		return q_set_sar(m, v, vl);
	if (IS("data"))
		return q_set_data(m, v, vl);
	if (IS("flash"))
		m->flash = vl == 1 && v[0] == '1';
	else if (IS("dlr"))
		m->dlr = vl == 1 && v[0] == '1';
	else if (IS("ts"))
		m->ts = q_num(v, vl, 0);
	else if (IS("tries"))
		m->tries = (int)q_num(v, vl, 0);
	else if (IS("validity"))
		m->validity = q_num(v, vl, -1);
	return 0;
#undef IS
}

/* Fills m from [id, [f, v, ...]]; -1 when the entry is malformed. */
static int q_parse_entry(struct bb_msg *m, const redisReply *e)
{
	const redisReply *f;
	size_t i;
	int bad = 0;

	if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
	    e->element[0]->type != REDIS_REPLY_STRING ||
	    q_copy(m->entry_id, sizeof(m->entry_id), e->element[0]->str,
		   e->element[0]->len) != 0)
		return -2;
	f = e->element[1];
	if (f->type != REDIS_REPLY_ARRAY)
		return -1;
	m->part = m->parts = 1;
	m->coding = 0;
	for (i = 0; i + 1 < f->elements; i += 2) {
		const redisReply *k = f->element[i], *v = f->element[i + 1];

		if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
			continue;
		if (q_field(m, k->str, k->len, v->str, v->len) != 0)
			bad = 1;
	}
	if (bad || m->id[0] == '\0' || m->to[0] == '\0' || m->part > m->parts)
		return -1;
	return 0;
}

/* ------------------------------------------------------------ finishing */

static void q_redo_later(struct q_msg *qm)
{
	struct bb_queue *q = qm->q;

	qm->m.next = q->redo;
	q->redo = &qm->m;
	if (!loop_timer_pending(q->redo_timer))
		loop_timer_start(q->redo_timer, Q_REDO_MS, false);
}

static void q_redo_timer(struct loop_timer *t, void *arg)
{
	struct bb_queue *q = arg;
	struct bb_msg *list = q->redo, *m;

	(void)t;
	q->redo = NULL;
	while ((m = list) != NULL) {
		list = m->next;
		m->next = NULL;
		q_finish((struct q_msg *)m);
	}
}

/*
 * A finished part freed room in the pool: read on if the ready list is short.
 * Without this a link whose parts all wait for their batch when it pumps
 * would find no room, read nothing, and have no response left to pump it.
 */
static void q_refill(struct bb_queue *q)
{
	if (q->up && !q->stopping && !q->fetching &&
	    q->ready_n < (size_t)q->window)
		q_fetch(q, false);
}

static void q_dlr_done(int status, void *arg)
{
	struct q_msg *qm = arg;
	struct bb_queue *q = qm->q;

	q->busy--;
	if (status != 0) {
		log_warn("storing a result failed, trying again smsc=%s id=%s "
			 "part=%d status=0x%x", q->link, qm->m.id, qm->m.part,
			 (unsigned)status);
		q_redo_later(qm);
		return;
	}
	q_release(qm);
	q_refill(q);
}

static void q_script_done(struct redis *r, struct redisReply *reply,
			  void *arg)
{
	struct q_msg *qm = arg;
	struct bb_queue *q = qm->q;

	(void)r;
	q->busy--;
	if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
		log_warn("queue script failed smsc=%s id=%s error=%s", q->link,
			 qm->m.id, reply != NULL ? reply->str : "disconnected");
		q_redo_later(qm);
		return;
	}
	q_release(qm);
	q_refill(q);
}

static int q_start_retry(struct q_msg *qm)
{
	struct bb_queue *q = qm->q;
	char due[24];
	const char *argv[6];

	snprintf(due, sizeof(due), "%lld", qm->due);
	argv[0] = q->key;
	argv[1] = q->qs->retry_key;
	argv[2] = qm->m.entry_id;
	argv[3] = due;
	argv[4] = q->link;
	argv[5] = qm->bump ? "1" : "0";
	return redis_script_call(q->qs->box->redis, q->qs->s_retry,
				 q_script_done, qm, 2, 6, argv, NULL);
}

static int q_start_move(struct q_msg *qm)
{
	struct bb_queue *q = qm->q;
	char to[Q_KEY_MAX];
	const char *argv[3];

	if (box_key(q->qs->box, to, sizeof(to), "q:%s", qm->move_to) < 0)
		return -1;
	argv[0] = q->key;
	argv[1] = to;
	argv[2] = qm->m.entry_id;
	return redis_script_call(q->qs->box->redis, q->qs->s_move,
				 q_script_done, qm, 2, 3, argv, NULL);
}

static int q_start_ack(struct q_msg *qm)
{
	struct bb_queue *q = qm->q;
	const char *argv[2];

	argv[0] = q->key;
	argv[1] = qm->m.entry_id;
	return redis_script_call(q->qs->box->redis, q->qs->s_ack, q_script_done,
				 qm, 1, 2, argv, NULL);
}

static void q_finish(struct q_msg *qm)
{
	struct bb_queue *q = qm->q;
	struct bb_msg *m = &qm->m;
	int rc = -1;

	switch (qm->op) {
	case Q_OP_SUBMITTED:
		rc = bb_dlr_submitted(q->qs->dlr, q->link, m->entry_id, m->id,
				      m->part, m->dlr, m->ack, qm->opid, q_dlr_done,
				      qm);
		break;
	case Q_OP_FAILED:
		rc = bb_dlr_part_failed(q->qs->dlr, q->link, m->entry_id, m->id,
					m->part, qm->stat, (int)qm->err,
					q_dlr_done, qm);
		break;
	case Q_OP_RETRY:
		rc = q_start_retry(qm);
		break;
	case Q_OP_MOVE:
		rc = q_start_move(qm);
		break;
	case Q_OP_ACK:
		rc = q_start_ack(qm);
		break;
	case Q_OP_NONE:
		q_release(qm);
		return;
	}
	if (rc != 0 && (qm->op == Q_OP_SUBMITTED || qm->op == Q_OP_FAILED) &&
	    redis_connected(q->qs->box->redis)) {
		/* Redis is there, so bb_dlr refused an argument (the
		 * operator's id; a part number): acknowledge the part rather
		 * than retry for ever. */
		if (qm->op == Q_OP_SUBMITTED)
			log_warn("operator id unusable, receipt cannot be "
				 "matched smsc=%s id=%s part=%d opid=%s",
				 q->link, m->id, m->part, qm->opid);
		else
			log_error("part status not recorded smsc=%s id=%s "
				  "part=%d stat=%s", q->link, m->id, m->part,
				  qm->stat);
		qm->op = Q_OP_ACK;
		rc = q_start_ack(qm);
	}
	if (rc != 0) {
		q_redo_later(qm);
		return;
	}
	q->busy++;
}

void bb_queue_submitted(struct bb_queue *q, struct bb_msg *m, const char *opid)
{
	struct q_msg *qm = (struct q_msg *)m;

	q->st.submitted++;
	qm->op = Q_OP_SUBMITTED;
	snprintf(qm->opid, sizeof(qm->opid), "%s", opid);
	q_finish(qm);
}

void bb_queue_failed(struct bb_queue *q, struct bb_msg *m, const char *stat,
		     uint32_t err)
{
	struct q_msg *qm = (struct q_msg *)m;

	log_info("part failed smsc=%s id=%s part=%d stat=%s err=0x%x", q->link,
		 m->id, m->part, stat, (unsigned)err);
	q->st.failed++;
	q->st.expired += strcmp(stat, "EXPIRED") == 0;
	qm->op = Q_OP_FAILED;
	snprintf(qm->stat, sizeof(qm->stat), "%s", stat);
	qm->err = err;
	q_finish(qm);
}

static void q_retry_at(struct q_msg *qm, long long due, bool bump)
{
	qm->op = Q_OP_RETRY;
	qm->due = due;
	qm->bump = bump;
	q_finish(qm);
}

void bb_queue_retry(struct bb_queue *q, struct bb_msg *m, uint32_t status,
		    bool immediate)
{
	long long delay = Q_RETRY_BASE_MS;
	int i;

	q->st.retried++;
	if (immediate) {
		q_retry_at((struct q_msg *)m, q_wall_ms(), false);
		return;
	}
	for (i = 0; i < m->tries && delay < Q_RETRY_MAX_MS; i++)
		delay *= 2;
	if (delay > Q_RETRY_MAX_MS)
		delay = Q_RETRY_MAX_MS;
	log_debug("part retry smsc=%s id=%s part=%d status=0x%x tries=%d "
		  "delay_ms=%lld", q->link, m->id, m->part, (unsigned)status,
		  m->tries + 1, delay);
	q_retry_at((struct q_msg *)m, q_wall_ms() + delay, true);
}

/* ------------------------------------------------------------ failover */

static bool q_up(const char *link, void *arg)
{
	const struct q_upcache *u = arg;
	size_t i;

	for (i = 0; i < u->n; i++)
		if (strcmp(u->ids[i], link) == 0)
			return u->up[i];
	return false;
}

/* Link down: a part moves to the first other link of its route that is up, fails
 * when it has no route or expired, or waits in the retry set. */
static void q_dispose_down(struct bb_queue *q, struct q_msg *qm)
{
	const struct route *r = route_lookup(q->qs->routes, qm->m.to);
	const char *next;

	if (r == NULL) {
		bb_queue_failed(q, &qm->m, "UNDELIV", 0);
		return;
	}
	next = route_failover(r, q->link, q_up, &q->qs->upc);
	if (next == NULL) {
		q_retry_at(qm, q_wall_ms() + Q_WAIT_MS, false);
		return;
	}
	log_info("failover smsc=%s to=%s id=%s part=%d", q->link, next,
		 qm->m.id, qm->m.part);
	q->st.moved++;
	qm->op = Q_OP_MOVE;
	snprintf(qm->move_to, sizeof(qm->move_to), "%s", next);
	q_finish(qm);
}

static bool q_expired(const struct bb_queue *q, const struct bb_msg *m,
		      long long now)
{
	return m->ts > 0 && now - m->ts > q->relay_timeout_ms;
}

/* True when some route would take a part of this link elsewhere now. */
static bool q_failover_possible(const struct bb_queue *q)
{
	return q->failover;
}

static int q_send_fetch(struct bb_queue *q, long count, bool down_mode);

/* Down, no failover: read the oldest part only to see whether it expired. */
static void q_peek_done(struct redis *r, struct redisReply *reply, void *arg)
{
	struct bb_queue *q = arg;
	struct bb_msg m;

	(void)r;
	q->busy--;
	memset(&m, 0, sizeof(m));
	m.data = m.inline_data;
	if (reply != NULL && reply->type == REDIS_REPLY_ARRAY &&
	    reply->elements == 1 && q_parse_entry(&m, reply->element[0]) == 0 &&
	    q_expired(q, &m, q_wall_ms()) && !q->up && !q->stopping &&
	    !q->fetching)
		q_send_fetch(q, q->window, true);
	if (m.data != m.inline_data)
		free(m.data);
	q_check_idle(q);
}

static void q_peek(struct bb_queue *q)
{
	if (redis_command(q->qs->box->redis, q_peek_done, q,
			  "XRANGE %s - + COUNT 1", q->key) == 0)
		q->busy++;
}

static void q_down_timer(struct loop_timer *t, void *arg)
{
	struct bb_queue *q = arg;
	struct bb_msg *m;

	(void)t;
	if (q->up || q->stopping)
		return;
	if (q_up(q->link, &q->qs->upc) || (q->watch && !q->qs->upc.loaded)) {
		/* Another bearerbox holds this link up: its sessions send the
		 * queue; parts read here go back to the stream for them. */
		while ((m = q_ready_pop(q)) != NULL)
			q_retry_at((struct q_msg *)m, q_wall_ms(), false);
		loop_timer_start(q->down_timer, Q_DOWN_MS, false);
		return;
	}
	while ((m = q_ready_pop(q)) != NULL) {
		if (q_expired(q, m, q_wall_ms()))
			bb_queue_failed(q, m, "EXPIRED", 0);
		else
			q_dispose_down(q, (struct q_msg *)m);
	}
	if (q_failover_possible(q))
		q_fetch(q, true);
	else
		q_peek(q);
	loop_timer_start(q->down_timer, Q_DOWN_MS, false);
}

/* ------------------------------------------------------------ fetching */

struct q_fetch_ctx {
	struct bb_queue *q;
	bool down_mode;
	bool claim;
};

/* Takes the entries of an XREADGROUP / XAUTOCLAIM reply into the pool. */
static size_t q_take_entries(struct bb_queue *q, const redisReply *entries,
			     bool down_mode, bool claim)
{
	long long now = q_wall_ms();
	size_t i, n = 0;

	for (i = 0; i < entries->elements; i++) {
		const redisReply *e = entries->element[i];
		struct q_msg *qm;
		int rc;

		if (e->type != REDIS_REPLY_ARRAY || e->elements != 2)
			continue;
		if (claim && e->element[0]->type == REDIS_REPLY_STRING &&
		    q_holds(q, e->element[0]->str, e->element[0]->len))
			continue;
		qm = q_alloc(q);
		if (qm == NULL)
			break;
		rc = q_parse_entry(&qm->m, e);
		if (rc == -2) {
			q_release(qm);
			continue;
		}
		if (rc != 0) {
			log_warn("bad queue entry smsc=%s entry=%s", q->link,
				 qm->m.entry_id);
			if (qm->m.id[0] != '\0')
				bb_queue_failed(q, &qm->m, "REJECTD",
						SMPP_ESME_RINVPARLEN);
			else
				q_retry_at(qm, now + Q_RETRY_MAX_MS * 100LL,
					   false);
			continue;
		}
		n++;
		if (q_expired(q, &qm->m, now))
			bb_queue_failed(q, &qm->m, "EXPIRED", 0);
		else if (q->stopping)
			/* A read or claim answered after SIGTERM: nothing will
			 * take the part, so it goes back as bb_queue_stop sends
			 * the ready ones (else the box waits for ever). */
			q_retry_at(qm, now, false);
		else if (down_mode && !q->up)
			q_dispose_down(q, qm);
		else
			q_ready_push(q, &qm->m);
	}
	return n;
}

static const redisReply *q_stream_entries(const redisReply *reply)
{
	const redisReply *s;

	/* XREADGROUP: [[key, [entries]]] */
	if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1)
		return NULL;
	s = reply->element[0];
	if (s->type != REDIS_REPLY_ARRAY || s->elements != 2 ||
	    s->element[1]->type != REDIS_REPLY_ARRAY)
		return NULL;
	return s->element[1];
}

static void q_group_create(struct bb_queue *q)
{
	if (redis_command(q->qs->box->redis, NULL, NULL,
			  "XGROUP CREATE %s %s 0 MKSTREAM", q->key,
			  Q_GROUP) != 0)
		return;
}

static void q_fetch_done(struct redis *r, struct redisReply *reply, void *arg)
{
	struct q_fetch_ctx *c = arg;
	struct bb_queue *q = c->q;
	const redisReply *entries = NULL;
	size_t n = 0;
	bool down_mode = c->down_mode;

	(void)r;
	free(c);
	q->busy--;
	q->fetching = false;
	if (reply != NULL && reply->type == REDIS_REPLY_ERROR) {
		if (strncmp(reply->str, "NOGROUP", 7) == 0)
			q_group_create(q);
		else
			log_warn("queue read failed smsc=%s error=%s", q->link,
				 reply->str);
	} else if (reply != NULL && reply->type == REDIS_REPLY_ARRAY) {
		entries = q_stream_entries(reply);
		if (entries != NULL)
			n = q_take_entries(q, entries, down_mode, false);
	}
	q_check_idle(q);
	if (q->stopping)
		return;
	if (q->ready_n > 0 && q->ready != NULL)
		q->ready(q->ready_arg);
	if (!q->up) {
		/* Failing over a backlog: read on soon, not in a second. */
		if (down_mode && n > 0)
			loop_timer_start(q->down_timer, Q_DOWN_BUSY_MS, false);
		return;
	}
	if (n > 0 && q->ready_n == 0)
		q_fetch(q, false);	/* all expired or bad: read on */
	else if (n == 0 && !loop_timer_pending(q->poll_timer))
		loop_timer_start(q->poll_timer, Q_POLL_MS, false);
}

static int q_send_fetch(struct bb_queue *q, long count, bool down_mode)
{
	struct q_fetch_ctx *c = malloc(sizeof(*c));

	if (c == NULL)
		return -1;
	c->q = q;
	c->down_mode = down_mode;
	c->claim = false;
	if (redis_command(q->qs->box->redis, q_fetch_done, c,
			  "XREADGROUP GROUP %s %s COUNT %ld STREAMS %s >",
			  Q_GROUP, q->qs->box->id, count, q->key) != 0) {
		free(c);
		return -1;
	}
	q->busy++;
	q->fetching = true;
	return 0;
}

static void q_fetch(struct bb_queue *q, bool down_mode)
{
	size_t room = q->pool_cap - q->in_use;
	long count;

	if (q->fetching || q->stopping || room == 0)
		return;
	if (!down_mode && q->ready_n >= (size_t)q->window)
		return;
	count = (long)room;
	if (count > (long)q->window * 2)
		count = (long)q->window * 2;
	if (q_send_fetch(q, count, down_mode) != 0 &&
	    !loop_timer_pending(q->poll_timer))
		loop_timer_start(q->poll_timer, 500, false);
}

static void q_poll_timer(struct loop_timer *t, void *arg)
{
	struct bb_queue *q = arg;

	(void)t;
	if (q->up)
		q_fetch(q, false);
}

/* ------------------------------------------------------------ claiming */

static void q_claim_done(struct redis *r, struct redisReply *reply, void *arg)
{
	struct bb_queue *q = arg;
	size_t n = 0;

	(void)r;
	q->busy--;
	q->claiming = false;
	/* [next cursor, [entries], [deleted ids]] */
	if (reply != NULL && reply->type == REDIS_REPLY_ARRAY &&
	    reply->elements >= 2 &&
	    reply->element[0]->type == REDIS_REPLY_STRING &&
	    reply->element[1]->type == REDIS_REPLY_ARRAY) {
		snprintf(q->claim_cursor, sizeof(q->claim_cursor), "%s",
			 reply->element[0]->str);
		n = q_take_entries(q, reply->element[1], !q->up, true);
		if (n > 0)
			log_info("claimed parts of a stopped consumer smsc=%s "
				 "count=%zu", q->link, n);
	} else if (reply != NULL && reply->type == REDIS_REPLY_ERROR &&
		   strncmp(reply->str, "NOGROUP", 7) == 0) {
		q_group_create(q);
	}
	q_check_idle(q);
	if (n > 0 && q->ready != NULL && !q->stopping)
		q->ready(q->ready_arg);
}

static void q_claim(struct bb_queue *q)
{
	long count = (long)(q->pool_cap - q->in_use);

	if (q->claiming || q->stopping || count <= 0)
		return;
	/* A watch claims only while nobody serves the link: a live modembox
	 * claims the parts of a dead one itself. */
	if (q->watch && (!q->qs->upc.loaded || q_up(q->link, &q->qs->upc)))
		return;
	if (count > 1000)
		count = 1000;
	if (redis_command(q->qs->box->redis, q_claim_done, q,
			  "XAUTOCLAIM %s %s %s %lld %s COUNT %ld", q->key,
			  Q_GROUP, q->qs->box->id, q->claim_idle_ms,
			  q->claim_cursor, count) != 0)
		return;
	q->busy++;
	q->claiming = true;
}

static void q_touch_done(struct redis *r, struct redisReply *reply, void *arg)
{
	struct bb_queue *q = arg;

	(void)r;
	(void)reply;
	q->busy--;
	q_check_idle(q);
}

/*
 * Resets the idle time of the parts waiting in memory (XCLAIM to ourselves,
 * JUSTID), so that no other bearerbox claims a part this one still holds
 * while the link is slowed down.
 */
static void q_touch_ready(struct bb_queue *q)
{
	const char *argv[8 + 256];
	const struct bb_msg *m = q->ready_head;
	int argc;

	while (m != NULL) {
		argv[0] = "XCLAIM";
		argv[1] = q->key;
		argv[2] = Q_GROUP;
		argv[3] = q->qs->box->id;
		argv[4] = "0";
		for (argc = 5; m != NULL && argc < 5 + 256; m = m->next)
			argv[argc++] = m->entry_id;
		argv[argc++] = "JUSTID";
		if (redis_command_argv(q->qs->box->redis, q_touch_done, q, argc,
				       argv, NULL) != 0)
			return;
		q->busy++;
	}
}

/* Prune: KEYS = stream; ARGV = group, our consumer, idle ms. Deletes the
 * consumers of stopped bearerboxes that hold nothing (each run has a new
 * consumer name); a consumer with pending entries is kept for XAUTOCLAIM. */
static const char q_prune_lua[] =
	"local n = 0\n"
	"for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do\n"
	"  local f = {}\n"
	"  for i = 1, #c, 2 do f[c[i]] = c[i + 1] end\n"
	"  if f.name ~= ARGV[2] and f.pending == 0 and\n"
	"     f.idle > tonumber(ARGV[3]) then\n"
	"    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], f.name)\n"
	"    n = n + 1\n"
	"  end\n"
	"end\n"
	"return n\n";

static void q_prune_done(struct redis *r, struct redisReply *reply, void *arg)
{
	struct bb_queue *q = arg;

	(void)r;
	q->busy--;
	if (reply != NULL && reply->type == REDIS_REPLY_INTEGER &&
	    reply->integer > 0)
		log_info("removed idle consumers smsc=%s count=%lld", q->link,
			 reply->integer);
	q_check_idle(q);
}

static void q_prune(struct bb_queue *q)
{
	const char *argv[4] = { q->key, Q_GROUP, q->qs->box->id, Q_PRUNE_IDLE };

	if (redis_script_call(q->qs->box->redis, q->qs->s_prune, q_prune_done,
			      q, 1, 4, argv, NULL) == 0)
		q->busy++;
}

static void q_claim_timer(struct loop_timer *t, void *arg)
{
	struct bb_queue *q = arg;

	(void)t;
	q_touch_ready(q);
	q_claim(q);
	bb_dlr_trim(q->qs->dlr, q->link);
	if (++q->claim_runs % Q_PRUNE_EVERY == 1)
		q_prune(q);
}

/* ------------------------------------------------------------ public */

struct bb_queue *bb_queue_new(struct bb_queues *qs, const struct conf_group *g,
			      int window, bb_queue_ready_fn *ready, void *arg)
{
	struct bb_queue *q = calloc(1, sizeof(*q));
	struct loop *l = qs->box->loop;

	if (q == NULL)
		return NULL;
	q->qs = qs;
	snprintf(q->link, sizeof(q->link), "%s",
		 conf_schema_get_str(g, "smsc-id"));
	if (box_key(qs->box, q->key, sizeof(q->key), "q:%s", q->link) < 0)
		goto fail;
	q->relay_timeout_ms = conf_schema_get_duration_ms(g, "relay-timeout");
	q->claim_idle_ms =
		2 * conf_schema_get_duration_ms(g, "response-timeout") + 2000;
	q->window = window > 0 ? window : 1;
	/* in flight, read for the next submits, and answered with the result
	 * on its way to Redis (a batch): twice the window kept the link
	 * waiting for its batches at full speed */
	q->pool_cap = (size_t)q->window * 4 + 16;
	q->pool = calloc(q->pool_cap, sizeof(*q->pool));
	snprintf(q->claim_cursor, sizeof(q->claim_cursor), "0-0");
	q->ready = ready;
	q->ready_arg = arg;
	q->poll_timer = loop_timer_new(l, q_poll_timer, q);
	q->claim_timer = loop_timer_new(l, q_claim_timer, q);
	q->down_timer = loop_timer_new(l, q_down_timer, q);
	q->redo_timer = loop_timer_new(l, q_redo_timer, q);
	if (q->pool == NULL || q->poll_timer == NULL || q->claim_timer == NULL ||
	    q->down_timer == NULL || q->redo_timer == NULL)
		goto fail;
	/* Often enough that the parts held in memory are touched well within
	 * the idle time after which other bearerboxes would claim them. */
	loop_timer_start(q->claim_timer,
			 q->claim_idle_ms / 3 < Q_CLAIM_MS ?
			 (unsigned long)(q->claim_idle_ms / 3) : Q_CLAIM_MS, true);
	loop_timer_start(q->down_timer, Q_DOWN_MS, false);
	q->next = qs->list;
	qs->list = q;
	return q;
fail:
	bb_queue_free(q);
	return NULL;
}

struct bb_queue *bb_queue_watch_new(struct bb_queues *qs,
				    const struct conf_group *g)
{
	struct bb_queue *q = bb_queue_new(qs, g, Q_WATCH_WINDOW, NULL, NULL);

	if (q != NULL)
		q->watch = true;
	return q;
}

void bb_queue_free(struct bb_queue *q)
{
	struct bb_queue **pp;
	size_t i;

	if (q == NULL)
		return;
	for (pp = &q->qs->list; *pp != NULL; pp = &(*pp)->next)
		if (*pp == q) {
			*pp = q->next;
			break;
		}
	loop_timer_free(q->poll_timer);
	loop_timer_free(q->claim_timer);
	loop_timer_free(q->down_timer);
	loop_timer_free(q->redo_timer);
	for (i = 0; i < q->pool_n; i++) {
		if (q->pool[i]->m.data != q->pool[i]->m.inline_data)
			free(q->pool[i]->m.data);
		free(q->pool[i]);
	}
	free(q->pool);
	free(q);
}

void bb_queue_set_up(struct bb_queue *q, bool up)
{
	if (q->up == up)
		return;
	q->up = up;
	if (q->stopping)
		return;
	if (up) {
		q_fetch(q, false);
		q_claim(q);
	} else {
		loop_timer_start(q->down_timer, Q_DOWN_MS, false);
	}
}

void bb_queue_stop(struct bb_queue *q)
{
	struct bb_msg *m;

	q->stopping = true;
	loop_timer_stop(q->poll_timer);
	loop_timer_stop(q->claim_timer);
	loop_timer_stop(q->down_timer);
	while ((m = q_ready_pop(q)) != NULL)
		q_retry_at((struct q_msg *)m, q_wall_ms(), false);
	q_check_idle(q);
}

struct bb_msg *bb_queue_take(struct bb_queue *q)
{
	struct bb_msg *m;
	long long now;

	if (q->stopping || !q->up)
		return NULL;
	now = q_wall_ms();
	while ((m = q_ready_pop(q)) != NULL) {
		if (!q_expired(q, m, now))
			break;
		bb_queue_failed(q, m, "EXPIRED", 0);
	}
	if (q->ready_n < (size_t)q->window)
		q_fetch(q, false);
	return m;
}

void bb_queue_unget(struct bb_queue *q, struct bb_msg *m)
{
	m->next = q->ready_head;
	q->ready_head = m;
	if (q->ready_tail == NULL)
		q->ready_tail = m;
	q->ready_n++;
}

/* ------------------------------------------------------------ the shared part */

static void qs_up_done(struct redis *r, struct redisReply *reply, void *arg)
{
	struct bb_queues *qs = arg;
	struct bb_queue *q;
	size_t i;

	(void)r;
	qs->busy--;
	qs->up_running = false;
	if (reply == NULL || reply->type != REDIS_REPLY_ARRAY ||
	    reply->elements != qs->upc.n)
		return;
	for (i = 0; i < qs->upc.n; i++)
		qs->upc.up[i] = reply->element[i]->type == REDIS_REPLY_STRING;
	qs->upc.loaded = true;
	for (q = qs->list; q != NULL; q = q->next) {
		bool fo = false;
		size_t j;

		/* Approximation: another link is up somewhere. Parts whose
		 * route has no other up link wait (q_dispose_down). */
		for (j = 0; j < qs->upc.n && !fo; j++)
			fo = qs->upc.up[j] && strcmp(qs->upc.ids[j], q->link) != 0;
		q->failover = fo;
	}
}

static void qs_up_timer(struct loop_timer *t, void *arg)
{
	struct bb_queues *qs = arg;
	const char *argv[Q_LINKS_MAX + 1];
	char keys[Q_LINKS_MAX][Q_KEY_MAX];
	size_t i;

	(void)t;
	if (qs->up_running || qs->upc.n == 0 || qs->stopping)
		return;
	argv[0] = "MGET";
	for (i = 0; i < qs->upc.n; i++) {
		box_key(qs->box, keys[i], sizeof(keys[i]), "link:%s:up",
			qs->upc.ids[i]);
		argv[i + 1] = keys[i];
	}
	if (redis_command_argv(qs->box->redis, qs_up_done, qs,
			       (int)qs->upc.n + 1, argv, NULL) != 0)
		return;
	qs->busy++;
	qs->up_running = true;
}

static void qs_due_done(struct redis *r, struct redisReply *reply, void *arg)
{
	struct bb_queues *qs = arg;

	(void)r;
	qs->busy--;
	qs->due_running = false;
	if (reply != NULL && reply->type == REDIS_REPLY_ERROR)
		log_warn("retry mover failed error=%s", reply->str);
	else if (reply != NULL && reply->type == REDIS_REPLY_INTEGER &&
		 reply->integer == Q_DUE_BATCH && !qs->stopping)
		loop_timer_start(qs->due_timer, 1, true);
}

static void qs_due_timer(struct loop_timer *t, void *arg)
{
	struct bb_queues *qs = arg;
	char now[24], max[16];
	const char *argv[4];

	if (qs->due_running || qs->stopping)
		return;
	loop_timer_start(t, Q_DUE_MS, true);
	snprintf(now, sizeof(now), "%lld", q_wall_ms());
	snprintf(max, sizeof(max), "%d", Q_DUE_BATCH);
	argv[0] = qs->retry_key;
	argv[1] = now;
	argv[2] = max;
	argv[3] = qs->box->prefix;
	if (redis_script_call(qs->box->redis, qs->s_due, qs_due_done, qs, 1, 4,
			      argv, NULL) != 0)
		return;
	qs->busy++;
	qs->due_running = true;
}

struct bb_queues *bb_queues_new(struct box *b, struct bb_dlr *dlr,
				const struct conf *c)
{
	struct bb_queues *qs = calloc(1, sizeof(*qs));
	const struct conf_group *g = NULL;

	if (qs == NULL)
		return NULL;
	qs->box = b;
	qs->dlr = dlr;
	qs->routes = route_table_new(c);
	while ((g = conf_group_next(c, g, "smsc")) != NULL &&
	       qs->upc.n < Q_LINKS_MAX)
		snprintf(qs->upc.ids[qs->upc.n++], ROUTE_ID_MAX, "%s",
			 conf_schema_get_str(g, "smsc-id"));
	qs->s_retry = redis_script_new(b->redis, q_retry_lua);
	qs->s_due = redis_script_new(b->redis, q_due_lua);
	qs->s_move = redis_script_new(b->redis, q_move_lua);
	qs->s_ack = redis_script_new(b->redis, q_ack_lua);
	qs->s_prune = redis_script_new(b->redis, q_prune_lua);
	qs->due_timer = loop_timer_new(b->loop, qs_due_timer, qs);
	qs->up_timer = loop_timer_new(b->loop, qs_up_timer, qs);
	if (qs->routes == NULL || qs->s_retry == NULL || qs->s_due == NULL ||
	    qs->s_move == NULL || qs->s_ack == NULL || qs->s_prune == NULL ||
	    qs->due_timer == NULL ||
	    qs->up_timer == NULL ||
	    box_key(b, qs->retry_key, sizeof(qs->retry_key), "retry") < 0) {
		bb_queues_free(qs);
		return NULL;
	}
	loop_timer_start(qs->due_timer, Q_DUE_MS, true);
	loop_timer_start(qs->up_timer, 1000, true);
	return qs;
}

void bb_queues_free(struct bb_queues *qs)
{
	if (qs == NULL)
		return;
	loop_timer_free(qs->due_timer);
	loop_timer_free(qs->up_timer);
	route_table_free(qs->routes);
	free(qs);
}

void bb_queues_stop(struct bb_queues *qs)
{
	qs->stopping = true;
	loop_timer_stop(qs->due_timer);
	loop_timer_stop(qs->up_timer);
}

void bb_queues_redis_up(struct bb_queues *qs)
{
	struct bb_queue *q;

	for (q = qs->list; q != NULL; q = q->next) {
		q_group_create(q);
		if (q->up) {
			q_fetch(q, false);
			q_claim(q);
		}
	}
	qs_up_timer(qs->up_timer, qs);
}

size_t bb_queues_busy(const struct bb_queues *qs)
{
	return qs->busy;
}

void bb_queue_stats(const struct bb_queue *q, struct bb_queue_stats *out)
{
	*out = q->st;
}
