/*
 * sb_callback — delivery-report callbacks and MO forwarding of the smsbox
 * (doc/callbacks.md). Stream entries of P:ev:http and P:mo:http (group
 * "smsbox") and due members of P:cb:retry become jobs; a job resolves its URL
 * (the account's dlr-url / mo-url, cached briefly), makes one HTTP request and
 * records the outcome with one Lua script that acknowledges its source and
 * writes the retry or the dead letter in the same step.
 */
#include "config.h"

#include "smsbox/sb_callback.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "shared/codec/cidr.h"
#include "shared/codec/conf_schema.h"
#include "shared/codec/dlr_text.h"
#include "shared/codec/msgrec.h"
#include "shared/io/box.h"
#include "shared/io/httpc.h"
#include "shared/io/log.h"
#include "shared/io/loop.h"
#include "shared/io/redis.h"
#include "smsbox/sb_cb_fmt.h"

#define SB_CB_GROUP "smsbox"
#define SB_CB_MAX_JOBS 64	/* jobs (HTTP requests) at once per box */
#define SB_CB_READ_COUNT 16	/* most entries one read, claim or take asks for */
#define SB_CB_BLOCK_MS "1000"
#define SB_CB_TICK_MS 200
#define SB_CB_LEASE_EXTRA_MS 10000	/* lease and claim idle = timeout + this */
#define SB_CB_ACCT_TTL_MS 5000
#define SB_CB_ACCT_SLOTS 64
#define SB_CB_SMALL 72		/* short event fields, NUL included */
#define SB_CB_ENTRY_MAX 48	/* a stream entry id: two 20-digit numbers */
#define SB_CB_PASS_MAX 256
#define SB_CB_KEY_MAX 128
/* An MO POST body: user and pass (each at worst all %XX) and the stored body. */
#define SB_CB_MO_POST_MAX (SB_CB_BODY_MAX + 3 * (SB_CB_ACCT_MAX + SB_CB_PASS_MAX) + 16)

/* Takes due retries and expired leases into P:cb:inflight with a new lease.
 * KEYS: retry, inflight. ARGV: now ms, lease deadline ms, most to take. */
static const char lua_take[] =
	"local out = {}\n"
	"local n = tonumber(ARGV[3])\n"
	"local exp = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, n)\n"
	"for _, m in ipairs(exp) do\n"
	"  redis.call('ZADD', KEYS[2], ARGV[2], m)\n"
	"  out[#out + 1] = m\n"
	"end\n"
	"if #out < n then\n"
	"  local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, n - #out)\n"
	"  for _, m in ipairs(due) do\n"
	"    redis.call('ZREM', KEYS[1], m)\n"
	"    redis.call('ZADD', KEYS[2], ARGV[2], m)\n"
	"    out[#out + 1] = m\n"
	"  end\n"
	"end\n"
	"return out\n";

/* Records a job's outcome: acknowledges the stream entry (s) or removes the
 * leased member (z); only if that was still ours, adds the retry or the dead
 * letter. KEYS: stream, inflight, retry, dead. ARGV: group, s|z, entry id or
 * member, ok|drop|retry|dead, new member, due ms, dead max. Returns 1, or 0
 * when the source was no longer ours (another box has it). */
static const char lua_finish[] =
	"if ARGV[2] == 's' then\n"
	"  if redis.call('XACK', KEYS[1], ARGV[1], ARGV[3]) == 0 then return 0 end\n"
	"else\n"
	"  if redis.call('ZREM', KEYS[2], ARGV[3]) == 0 then return 0 end\n"
	"end\n"
	"if ARGV[4] == 'retry' then\n"
	"  redis.call('ZADD', KEYS[3], ARGV[6], ARGV[5])\n"
	"elseif ARGV[4] == 'dead' then\n"
	"  redis.call('LPUSH', KEYS[4], ARGV[5])\n"
	"  redis.call('LTRIM', KEYS[4], 0, tonumber(ARGV[7]) - 1)\n"
	"end\n"
	"return 1\n";

enum job_state {
	J_MSG,		/* needs the sender from P:msg:ID (Kannel %p) */
	J_ACCT,		/* needs the account's URLs */
	J_SEND,		/* ready for (or in) its HTTP request */
	J_FINISH,	/* outcome to record in Redis */
};

enum job_action { A_OK, A_DROP, A_RETRY, A_DEAD };

/* The fields of a P:ev:http / P:mo:http entry that a callback needs. */
struct sb_cb_event {
	char id[SB_CB_MID_MAX], acct[SB_CB_ACCT_MAX], to[SB_CB_SMALL];
	char from[SB_CB_SMALL], mess_id[SB_CB_SMALL], dlr_mask[SB_CB_SMALL];
	char stat[SB_CB_SMALL], err[SB_CB_SMALL], code[SB_CB_SMALL];
	char ts[SB_CB_SMALL], dcs[SB_CB_SMALL];
	char nack[SB_CB_SMALL];		/* "1": no SMSC accepted it (type 16) */
	char im[SB_CB_SMALL];		/* "1": an intermediate status (type 4) */
	char dlr_url[SB_CB_URL_MAX];
};

struct sb_cb_job {
	struct sb_cb_job *prev, *next;
	struct sb_callback *cb;
	bool from_stream;	/* else a leased P:cb:retry member */
	bool is_mo;		/* stream P:mo:http (else P:ev:http) */
	bool waiting;		/* a Redis command or request outstanding */
	bool pending;		/* its Redis step must be (re)sent on a tick */
	bool orphan;		/* the worker was freed: free on the reply */
	enum job_state state;
	enum job_action action;
	char entry[SB_CB_ENTRY_MAX];	/* stream entry id */
	char *member;		/* the leased member as taken (retry jobs) */
	size_t member_len;
	char *new_member;	/* retry / dead letter to write */
	size_t new_member_len;
	uint64_t due_ms;
	char pass[SB_CB_PASS_MAX];	/* MO: the account's mo-pass */
	struct sb_cb_event ev;
	struct sb_cb_item it;
};

struct acct_ent {
	char name[SB_CB_ACCT_MAX];
	char dlr_url[SB_CB_URL_MAX];
	char mo_url[SB_CB_URL_MAX];
	char mo_pass[SB_CB_PASS_MAX];
	uint64_t expires;	/* loop ms; 0 = unused */
};

struct sb_callback {
	struct box *b;
	struct redis *blk;		/* blocking XREADGROUP only */
	struct httpc *http;
	struct redis_script *take, *finish;
	struct loop_timer *tick, *done_timer;
	struct sb_cb_job *jobs;
	unsigned njobs;
	unsigned refs;			/* replies outstanding on b->redis */
	bool freed;			/* sb_callback_free() ran: zombie */
	bool groups_ok, grouping, reading, taking, claiming, stopping, done_called;
	/* Entries asked for by the read, claim and take under way: slots()
	 * keeps them free, so the jobs never exceed SB_CB_MAX_JOBS. */
	unsigned asked_read, asked_claim, asked_take;
	unsigned claim_turn;
	char claim_cursor[2][SB_CB_SMALL];
	uint64_t next_claim, stop_deadline;
	uint64_t timeout_ms, claim_idle_ms;
	uint64_t dlr_delay_ms, mo_delay_ms;
	char dead_max[24];	/* dead-letter-max: P:cb:dead keeps this many */
	unsigned dlr_retries, mo_retries;
	char k_ev[SB_CB_KEY_MAX], k_mo[SB_CB_KEY_MAX], k_retry[SB_CB_KEY_MAX];
	char k_inflight[SB_CB_KEY_MAX], k_dead[SB_CB_KEY_MAX];
	sb_callback_done_fn *done;
	void *done_arg;
	struct sb_callback_stats st;
	struct acct_ent acct[SB_CB_ACCT_SLOTS];
};

static void job_step(struct sb_cb_job *j);
static void read_kick(struct sb_callback *cb);

static uint64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t now_ms(struct sb_callback *cb)
{
	return loop_now_ms(cb->b->loop);
}

/* A reply on b->redis came back: true when the worker is a zombie (freed) and
 * the caller must return at once (cb itself is freed with its last reply). */
static bool cb_release(struct sb_callback *cb)
{
	cb->refs--;
	if (!cb->freed)
		return false;
	if (cb->refs == 0)
		free(cb);
	return true;
}

/* ---- jobs ---------------------------------------------------------------- */

/* How many more jobs may be asked for now, at most cap. */
static unsigned slots(const struct sb_callback *cb, unsigned cap)
{
	unsigned used = cb->njobs + cb->asked_read + cb->asked_claim +
			cb->asked_take;
	unsigned n = used >= SB_CB_MAX_JOBS ? 0 : SB_CB_MAX_JOBS - used;

	return n < cap ? n : cap;
}

static struct sb_cb_job *job_new(struct sb_callback *cb)
{
	struct sb_cb_job *j = calloc(1, sizeof(*j));

	if (j == NULL)
		return NULL;
	j->cb = cb;
	j->next = cb->jobs;
	if (cb->jobs != NULL)
		cb->jobs->prev = j;
	cb->jobs = j;
	cb->njobs++;
	return j;
}

static void job_unlink(struct sb_cb_job *j)
{
	struct sb_callback *cb = j->cb;

	if (j->prev != NULL)
		j->prev->next = j->next;
	else
		cb->jobs = j->next;
	if (j->next != NULL)
		j->next->prev = j->prev;
	j->prev = j->next = NULL;
	cb->njobs--;
}

static void job_destroy(struct sb_cb_job *j)
{
	free(j->member);
	free(j->new_member);
	free(j);
}

static void check_stopped(struct sb_callback *cb)
{
	if (cb->stopping && cb->njobs == 0 && !cb->done_called &&
	    !loop_timer_pending(cb->done_timer))
		loop_timer_start(cb->done_timer, 0, false);
}

/* Removes a finished (or abandoned) job and lets more work in. */
static void job_free(struct sb_cb_job *j)
{
	struct sb_callback *cb = j->cb;

	job_unlink(j);
	job_destroy(j);
	check_stopped(cb);
	read_kick(cb);
}

static bool job_busy_entry(struct sb_callback *cb, const char *entry)
{
	struct sb_cb_job *j;

	for (j = cb->jobs; j != NULL; j = j->next)
		if (j->from_stream && strcmp(j->entry, entry) == 0)
			return true;
	return false;
}

/* true when another job than self works on the callback self->it.uid. */
static bool job_busy_uid(struct sb_callback *cb, const struct sb_cb_job *self)
{
	struct sb_cb_job *j;

	for (j = cb->jobs; j != NULL; j = j->next)
		if (j != self && strcmp(j->it.uid, self->it.uid) == 0)
			return true;
	return false;
}

/* ---- account cache ---------------------------------------------------------- */

static struct acct_ent *acct_find(struct sb_callback *cb, const char *name)
{
	uint64_t now = now_ms(cb);
	size_t i;

	for (i = 0; i < SB_CB_ACCT_SLOTS; i++)
		if (cb->acct[i].expires > now &&
		    strcmp(cb->acct[i].name, name) == 0)
			return &cb->acct[i];
	return NULL;
}

static struct acct_ent *acct_slot(struct sb_callback *cb)
{
	struct acct_ent *best = &cb->acct[0];
	size_t i;

	for (i = 1; i < SB_CB_ACCT_SLOTS; i++)
		if (cb->acct[i].expires < best->expires)
			best = &cb->acct[i];
	return best;
}

static void copy_str(char *dst, size_t cap, const redisReply *r)
{
	size_t n = 0;

	if (r != NULL && (r->type == REDIS_REPLY_STRING ||
			  r->type == REDIS_REPLY_STATUS)) {
		n = r->len < cap - 1 ? r->len : cap - 1;
		memcpy(dst, r->str, n);
	}
	dst[n] = '\0';
}

/* ---- outcome ------------------------------------------------------------ */

static const char *action_name(enum job_action a)
{
	static const char *const names[] = { "ok", "drop", "retry", "dead" };

	return names[a];
}

/* Sets the job to record action; for retry and dead, serializes the member. */
static void job_outcome(struct sb_cb_job *j, enum job_action a)
{
	struct sb_callback *cb = j->cb;
	int n;

	j->action = a;
	j->state = J_FINISH;
	if (a == A_RETRY || a == A_DEAD) {
		if (j->new_member == NULL) {
			j->new_member = malloc(SB_CB_MEMBER_MAX);
			if (j->new_member == NULL)
				log_fatal("out of memory");
			n = sb_cb_member_encode(&j->it, j->new_member,
						SB_CB_MEMBER_MAX);
			if (n < 0)
				log_fatal("callback member too long uid=%s",
					  j->it.uid);
			j->new_member_len = (size_t)n;
		}
	}
	switch (a) {
	case A_OK:
		if (j->it.kind == SB_CB_MO)
			cb->st.mo_sent++;
		else
			cb->st.dlr_sent++;
		break;
	case A_DROP:
		cb->st.dropped++;
		break;
	case A_RETRY:
		cb->st.retried++;
		break;
	case A_DEAD:
		cb->st.dead++;
		break;
	}
}

static void on_finish(struct redis *r, redisReply *reply, void *privdata)
{
	struct sb_cb_job *j = privdata;
	struct sb_callback *cb = j->cb;

	(void)r;
	j->waiting = false;
	if (j->orphan) {
		job_destroy(j);
		cb_release(cb);
		return;
	}
	cb->refs--;
	if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
		if (reply != NULL)
			log_warn("callback outcome not recorded uid=%s error=%s",
				 j->it.uid, reply->str);
		j->pending = true;	/* the script is idempotent: again */
		return;
	}
	if (reply->type == REDIS_REPLY_INTEGER && reply->integer == 0)
		log_info("callback taken over by another box uid=%s", j->it.uid);
	job_free(j);
}

static void job_finish(struct sb_cb_job *j)
{
	struct sb_callback *cb = j->cb;
	char due[24];
	const char *av[11];
	size_t avl[11];
	int i;

	snprintf(due, sizeof(due), "%llu", (unsigned long long)j->due_ms);
	av[0] = j->is_mo ? cb->k_mo : cb->k_ev;
	av[1] = cb->k_inflight;
	av[2] = cb->k_retry;
	av[3] = cb->k_dead;
	av[4] = SB_CB_GROUP;
	av[5] = j->from_stream ? "s" : "z";
	av[6] = j->from_stream ? j->entry : j->member;
	av[7] = action_name(j->action);
	av[8] = j->new_member != NULL ? j->new_member : "";
	av[9] = due;
	av[10] = cb->dead_max;
	for (i = 0; i < 11; i++)
		avl[i] = strlen(av[i]);
	if (!j->from_stream)
		avl[6] = j->member_len;
	avl[8] = j->new_member_len;
	if (redis_script_call(cb->b->redis, cb->finish, on_finish, j, 4, 11,
			      av, avl) < 0) {
		j->pending = true;
		return;
	}
	cb->refs++;
	j->waiting = true;
}

/* ---- HTTP --------------------------------------------------------------- */

static unsigned job_max_retries(const struct sb_cb_job *j)
{
	return j->it.kind == SB_CB_MO ? j->cb->mo_retries : j->cb->dlr_retries;
}

static void on_http(const struct httpc_result *r, void *arg)
{
	struct sb_cb_job *j = arg;
	struct sb_callback *cb = j->cb;
	uint64_t delay;

	j->waiting = false;
	if (r->cancelled) {
		/* Stopping or freed: nothing recorded, another box takes it. */
		job_free(j);
		return;
	}
	j->it.tries++;
	if (r->status >= 200 && r->status <= 299) {
		log_debug("callback ok uid=%s acct=%s id=%s status=%ld ms=%llu",
			  j->it.uid, j->it.acct, j->it.mid, r->status, r->ms);
		job_outcome(j, A_OK);
	} else {
		cb->st.failed++;
		delay = j->it.kind == SB_CB_MO ? cb->mo_delay_ms : cb->dlr_delay_ms;
		if (r->status != 0)
			snprintf(j->it.error, sizeof(j->it.error), "HTTP %ld",
				 r->status);
		else
			snprintf(j->it.error, sizeof(j->it.error), "%s%s",
				 r->refused ? "callback refused: " : "", r->error);
		if (r->refused) {
			/* Permanent: the URL leads where callbacks may not go. */
			log_warn("%s uid=%s acct=%s id=%s; dead letter, not "
				 "retried", j->it.error, j->it.uid, j->it.acct,
				 j->it.mid);
			job_outcome(j, A_DEAD);
		} else if (j->it.tries <= job_max_retries(j)) {
			j->due_ms = wall_ms() + sb_cb_backoff_ms(delay, j->it.tries);
			log_info("callback failed, retrying uid=%s acct=%s id=%s "
				 "status=%ld error=%s try=%u in_ms=%llu", j->it.uid,
				 j->it.acct, j->it.mid, r->status, r->error,
				 j->it.tries, (unsigned long long)
				 sb_cb_backoff_ms(delay, j->it.tries));
			job_outcome(j, A_RETRY);
		} else {
			log_warn("callback failed, dead letter uid=%s acct=%s id=%s "
				 "status=%ld error=%s tries=%u", j->it.uid,
				 j->it.acct, j->it.mid, r->status, r->error,
				 j->it.tries);
			job_outcome(j, A_DEAD);
		}
	}
	job_step(j);
}

static void job_send(struct sb_cb_job *j)
{
	struct sb_callback *cb = j->cb;
	struct httpc_opts o = { 0, 0 };
	char *body;
	int rc, n;

	if (cb->http == NULL)
		return;
	o.timeout_ms = (unsigned)cb->timeout_ms;
	if (j->it.kind == SB_CB_DLR) {
		rc = httpc_get(cb->http, j->it.url, &o, on_http, j);
	} else {
		body = malloc(SB_CB_MO_POST_MAX);
		if (body == NULL)
			log_fatal("out of memory");
		n = sb_cb_mo_full_body(body, SB_CB_MO_POST_MAX, &j->it, j->pass);
		rc = n < 0 ? -1 : httpc_post_form(cb->http, j->it.url, body,
						  (size_t)n, &o, on_http, j);
		free(body);
	}
	if (rc < 0) {
		/* Not an http(s) URL, or the client refused it: count it as a
		 * failed attempt so it ends in the dead letters, not in a loop. */
		struct httpc_result fake = { 0 };

		fake.error = "request refused (bad URL?)";
		fake.body = "";
		on_http(&fake, j);
		return;
	}
	j->waiting = true;
}

/* ---- resolving the URL -------------------------------------------------- */

static int event_code(const struct sb_cb_event *ev)
{
	long v;
	char *end;

	if (ev->code[0] != '\0') {
		v = strtol(ev->code, &end, 10);
		if (*end == '\0' && v >= 0 && v <= 255)
			return (int)v;
	}
	return dlr_text_status_code(dlr_text_state_from_word(ev->stat,
							     strlen(ev->stat)),
				    ev->err, DLR_TEXT_ERRKIND_OPAQUE);
}

static int event_kannel_type(const struct sb_cb_event *ev)
{
	if (strcmp(ev->im, "1") == 0)
		return SB_CB_KANNEL_BUFFERED;
	return sb_cb_kannel_event_type(ev->stat, strcmp(ev->nack, "1") == 0);
}

/* Kannel dlr-url of the message: expand it (the sender is known by now). */
static void job_kannel(struct sb_cb_job *j)
{
	struct sb_cb_kannel_vars v;
	const struct sb_cb_event *ev = &j->ev;
	unsigned long long ts = strtoull(ev->ts, NULL, 10);

	v.type = event_kannel_type(ev);
	v.sender = ev->from;
	v.receiver = ev->to;
	v.text = ev->stat;
	v.unix_s = ts > 0 ? ts / 1000 : wall_ms() / 1000;
	v.id = ev->id;
	if (sb_cb_kannel_expand(j->it.url, sizeof(j->it.url), ev->dlr_url,
				&v) < 0) {
		log_warn("dlr-url too long, dropped id=%s acct=%s", ev->id,
			 ev->acct);
		job_outcome(j, A_DROP);
		return;
	}
	j->state = J_SEND;
}

/* The account's URLs are known: build the request. */
static void job_with_acct(struct sb_cb_job *j, const struct acct_ent *a)
{
	const struct sb_cb_event *ev = &j->ev;

	if (j->it.kind == SB_CB_MO) {
		snprintf(j->pass, sizeof(j->pass), "%s", a->mo_pass);
		if (j->it.url[0] == '\0') {
			if (a->mo_url[0] == '\0') {
				log_warn("MO for an account without mo-url, "
					 "dropped acct=%s uid=%s", j->it.acct,
					 j->it.uid);
				job_outcome(j, A_DROP);
				return;
			}
			snprintf(j->it.url, sizeof(j->it.url), "%s", a->mo_url);
		}
		j->state = J_SEND;
		return;
	}
	if (a->dlr_url[0] == '\0') {
		log_warn("delivery report for an account without dlr-url, "
			 "dropped acct=%s id=%s", ev->acct, ev->id);
		job_outcome(j, A_DROP);
		return;
	}
	if (sb_cb_dlr_url(j->it.url, sizeof(j->it.url), a->dlr_url, ev->mess_id,
			  event_code(ev), ev->to) < 0) {
		log_warn("delivery-report URL too long, dropped acct=%s id=%s",
			 ev->acct, ev->id);
		job_outcome(j, A_DROP);
		return;
	}
	j->state = J_SEND;
}

static void on_acct(struct redis *r, redisReply *reply, void *privdata)
{
	struct sb_cb_job *j = privdata;
	struct sb_callback *cb = j->cb;
	struct acct_ent *a;

	(void)r;
	j->waiting = false;
	if (j->orphan) {
		job_destroy(j);
		cb_release(cb);
		return;
	}
	cb->refs--;
	if (reply == NULL || reply->type != REDIS_REPLY_ARRAY ||
	    reply->elements != 3) {
		j->pending = true;
		return;
	}
	a = acct_slot(cb);
	snprintf(a->name, sizeof(a->name), "%s", j->it.acct);
	copy_str(a->dlr_url, sizeof(a->dlr_url), reply->element[0]);
	copy_str(a->mo_url, sizeof(a->mo_url), reply->element[1]);
	copy_str(a->mo_pass, sizeof(a->mo_pass), reply->element[2]);
	a->expires = now_ms(cb) + SB_CB_ACCT_TTL_MS;
	job_with_acct(j, a);
	job_step(j);
}

static void job_acct(struct sb_cb_job *j)
{
	struct sb_callback *cb = j->cb;
	const struct acct_ent *a = acct_find(cb, j->it.acct);
	char key[SB_CB_KEY_MAX];

	if (a != NULL) {
		job_with_acct(j, a);
		job_step(j);
		return;
	}
	if (box_key(cb->b, key, sizeof(key), "acct:%s", j->it.acct) < 0 ||
	    redis_command(cb->b->redis, on_acct, j, "HMGET %s dlr-url mo-url mo-pass",
			  key) < 0) {
		j->pending = true;
		return;
	}
	cb->refs++;
	j->waiting = true;
}

static void on_msg(struct redis *r, redisReply *reply, void *privdata)
{
	struct sb_cb_job *j = privdata;
	struct sb_callback *cb = j->cb;

	(void)r;
	j->waiting = false;
	if (j->orphan) {
		job_destroy(j);
		cb_release(cb);
		return;
	}
	cb->refs--;
	if (reply == NULL || reply->type != REDIS_REPLY_ARRAY ||
	    reply->elements != 2) {
		j->pending = true;
		return;
	}
	/* the record's packed m, or (older form) its from */
	if (reply->element[1]->type == REDIS_REPLY_STRING) {
		struct msgrec m;

		if (msgrec_decode((const uint8_t *)reply->element[1]->str,
				  reply->element[1]->len, &m) > 0)
			msgrec_cstr(&m.from, j->ev.from, sizeof(j->ev.from));
	} else {
		copy_str(j->ev.from, sizeof(j->ev.from), reply->element[0]);
	}
	job_kannel(j);
	job_step(j);
}

static void job_msg(struct sb_cb_job *j)
{
	struct sb_callback *cb = j->cb;
	char key[SB_CB_KEY_MAX];

	if (box_key(cb->b, key, sizeof(key), "msg:%s", j->ev.id) < 0 ||
	    redis_command(cb->b->redis, on_msg, j, "HMGET %s from m", key) < 0) {
		j->pending = true;
		return;
	}
	cb->refs++;
	j->waiting = true;
}

/* Runs the job's next step; failures to queue a Redis command set pending,
 * and the tick tries again. */
static void job_step(struct sb_cb_job *j)
{
	j->pending = false;
	switch (j->state) {
	case J_MSG:
		job_msg(j);
		break;
	case J_ACCT:
		job_acct(j);
		break;
	case J_SEND:
		job_send(j);
		break;
	case J_FINISH:
		job_finish(j);
		break;
	}
}

/* ---- stream entries ----------------------------------------------------- */

static bool field_is(const redisReply *k, const char *name)
{
	return k->type == REDIS_REPLY_STRING && k->len == strlen(name) &&
	       memcmp(k->str, name, k->len) == 0;
}

/* Copies a field value; false when it does not fit. */
static bool field_copy(char *dst, size_t cap, const redisReply *v)
{
	if (v->type != REDIS_REPLY_STRING || v->len >= cap ||
	    memchr(v->str, '\0', v->len) != NULL)
		return false;
	memcpy(dst, v->str, v->len);
	dst[v->len] = '\0';
	return true;
}

/* The record's packed m of a status event (shared/codec/msgrec.h): the
 * account, recipient, sender, the customer's id, Kannel's mask and URL. */
static bool event_record(struct sb_cb_event *ev, const redisReply *v)
{
	struct msgrec m;

	return v->type == REDIS_REPLY_STRING &&
	       msgrec_decode((const uint8_t *)v->str, v->len, &m) > 0 &&
	       msgrec_cstr(&m.acct, ev->acct, sizeof(ev->acct)) == 0 &&
	       msgrec_cstr(&m.to, ev->to, sizeof(ev->to)) == 0 &&
	       msgrec_cstr(&m.from, ev->from, sizeof(ev->from)) == 0 &&
	       msgrec_cstr(&m.mess_id, ev->mess_id, sizeof(ev->mess_id)) == 0 &&
	       msgrec_cstr(&m.dlr_mask, ev->dlr_mask, sizeof(ev->dlr_mask)) == 0 &&
	       msgrec_cstr(&m.dlr_url, ev->dlr_url, sizeof(ev->dlr_url)) == 0;
}

/* The fields of an entry: the packed m, or (events of an older bearerbox,
 * and MO) one field per value. */
static bool event_parse(struct sb_cb_event *ev, const redisReply *f,
			const redisReply **text)
{
	static const struct { const char *name; size_t off, cap; } map[] = {
#define F(n, m) { n, offsetof(struct sb_cb_event, m), \
		  sizeof(((struct sb_cb_event *)0)->m) }
		F("id", id), F("acct", acct), F("to", to), F("from", from),
		F("mess-id", mess_id), F("dlr-mask", dlr_mask), F("stat", stat),
		F("err", err), F("code", code), F("ts", ts), F("dcs", dcs),
		F("dlr-url", dlr_url), F("nack", nack), F("im", im),
#undef F
	};
	size_t i, k;

	for (i = 0; i + 1 < f->elements; i += 2) {
		if (field_is(f->element[i], "m")) {
			if (!event_record(ev, f->element[i + 1]))
				return false;
			continue;
		}
		if (field_is(f->element[i], "text")) {
			if (f->element[i + 1]->type != REDIS_REPLY_STRING)
				return false;
			*text = f->element[i + 1];
			continue;
		}
		for (k = 0; k < sizeof(map) / sizeof(map[0]); k++) {
			if (!field_is(f->element[i], map[k].name))
				continue;
			if (!field_copy((char *)ev + map[k].off, map[k].cap,
					f->element[i + 1]))
				return false;
			break;
		}
	}
	return true;
}

/* Fills a new job from the fields of a stream entry and sets its first step. */
static void job_from_fields(struct sb_cb_job *j, const redisReply *f)
{
	struct sb_cb_event *ev = &j->ev;
	const redisReply *text = NULL;
	int n;

	j->it.kind = j->is_mo ? SB_CB_MO : SB_CB_DLR;
	snprintf(j->it.uid, sizeof(j->it.uid), "%s:%s", j->is_mo ? "mo" : "ev",
		 j->entry);
	j->it.first_ms = wall_ms();
	if (f->type != REDIS_REPLY_ARRAY || !event_parse(ev, f, &text) ||
	    ev->acct[0] == '\0') {
		log_warn("malformed %s entry, dropped entry=%s",
			 j->is_mo ? "MO" : "event", j->entry);
		job_outcome(j, A_DROP);
		return;
	}
	snprintf(j->it.acct, sizeof(j->it.acct), "%s", ev->acct);
	snprintf(j->it.mid, sizeof(j->it.mid), "%s", ev->id);
	if (j->is_mo) {
		n = sb_cb_mo_body(j->it.body, sizeof(j->it.body), ev->dcs,
				  ev->from, ev->to,
				  text != NULL ? (const uint8_t *)text->str : NULL,
				  text != NULL ? text->len : 0);
		if (n < 0) {
			log_warn("MO too long, dropped acct=%s entry=%s",
				 ev->acct, j->entry);
			job_outcome(j, A_DROP);
			return;
		}
		j->it.body_len = (size_t)n;
		j->state = J_ACCT;
	} else if ((strcmp(ev->stat, "ACK") == 0 || strcmp(ev->im, "1") == 0) &&
		   ev->dlr_url[0] == '\0') {
		/* not a final status: a Kannel dlr-url gets it, the seed's
		 * reports never do */
		log_debug("non-final event without dlr-url, dropped id=%s "
			  "stat=%s", ev->id, ev->stat);
		job_outcome(j, A_DROP);
	} else if (!sb_cb_kannel_mask_allows(ev->dlr_mask,
					     event_kannel_type(ev))) {
		log_debug("delivery report masked out id=%s mask=%s", ev->id,
			  ev->dlr_mask);
		job_outcome(j, A_DROP);
	} else if (ev->dlr_url[0] != '\0') {
		if (ev->from[0] == '\0' && sb_cb_kannel_uses(ev->dlr_url, 'p'))
			j->state = J_MSG;
		else
			job_kannel(j);
	} else {
		j->state = J_ACCT;
	}
}

/* One entry [id, fields] of stream is_mo: becomes a job unless it is one. */
static void take_entry(struct sb_callback *cb, bool is_mo, const redisReply *e)
{
	struct sb_cb_job *j;
	const redisReply *id;

	if (cb->http == NULL)
		return;		/* stopped: stays pending, claimed later */
	if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
	    e->element[0]->type != REDIS_REPLY_STRING ||
	    e->element[0]->len >= SB_CB_ENTRY_MAX)
		return;
	id = e->element[0];
	if (job_busy_entry(cb, id->str))
		return;
	j = job_new(cb);
	if (j == NULL)
		return;		/* stays pending: claimed again later */
	j->from_stream = true;
	j->is_mo = is_mo;
	memcpy(j->entry, id->str, id->len);
	j->entry[id->len] = '\0';
	job_from_fields(j, e->element[1]);
	job_step(j);
}

static void take_entries(struct sb_callback *cb, bool is_mo,
			 const redisReply *list)
{
	size_t i;

	if (list->type != REDIS_REPLY_ARRAY)
		return;
	for (i = 0; i < list->elements; i++)
		take_entry(cb, is_mo, list->element[i]);
}

/* ---- reading the streams (blocking connection) -------------------------- */

static void on_read(struct redis *r, redisReply *reply, void *privdata)
{
	struct sb_callback *cb = privdata;
	const redisReply *s;
	size_t i;

	if (r == NULL)
		return;		/* the connection was freed */
	cb->reading = false;
	cb->asked_read = 0;
	if (reply == NULL)
		return;		/* lost: reconnect brings a new read */
	if (reply->type == REDIS_REPLY_ERROR) {
		log_warn("XREADGROUP failed error=%s", reply->str);
		if (strncmp(reply->str, "NOGROUP", 7) == 0)
			cb->groups_ok = false;	/* recreated on the tick */
		return;
	}
	for (i = 0; reply->type == REDIS_REPLY_ARRAY && i < reply->elements; i++) {
		s = reply->element[i];
		if (s->type != REDIS_REPLY_ARRAY || s->elements != 2 ||
		    s->element[0]->type != REDIS_REPLY_STRING)
			continue;
		take_entries(cb, strcmp(s->element[0]->str, cb->k_mo) == 0,
			     s->element[1]);
	}
	read_kick(cb);
}

static void read_kick(struct sb_callback *cb)
{
	char count[16];
	unsigned n;

	if (cb->stopping || cb->freed || cb->blk == NULL || cb->reading ||
	    !cb->groups_ok || !redis_connected(cb->blk))
		return;
	n = slots(cb, SB_CB_READ_COUNT);
	if (n == 0)
		return;
	snprintf(count, sizeof(count), "%u", n);
	if (redis_command(cb->blk, on_read, cb,
			  "XREADGROUP GROUP %s %s COUNT %s BLOCK %s STREAMS %s %s > >",
			  SB_CB_GROUP, cb->b->id, count, SB_CB_BLOCK_MS, cb->k_ev,
			  cb->k_mo) == 0) {
		cb->reading = true;
		cb->asked_read = n;
	}
}

static void on_group(struct redis *r, redisReply *reply, void *privdata)
{
	struct sb_callback *cb = privdata;

	if (r == NULL)
		return;
	cb->grouping = false;
	if (reply == NULL)
		return;
	if (reply->type == REDIS_REPLY_ERROR &&
	    strncmp(reply->str, "BUSYGROUP", 9) != 0) {
		log_warn("XGROUP CREATE failed error=%s", reply->str);
		return;
	}
	/* The second of the two XGROUP CREATE: both streams have the group
	 * (a failure of the first shows as NOGROUP on the read). */
	if (!cb->groups_ok)
		log_info("callbacks: consuming streams=%s,%s consumer=%s",
			 cb->k_ev, cb->k_mo, cb->b->id);
	cb->groups_ok = true;
	read_kick(cb);
}

static void groups_create(struct sb_callback *cb)
{
	if (cb->blk == NULL || !redis_connected(cb->blk) || cb->grouping)
		return;
	redis_command(cb->blk, NULL, NULL, "XGROUP CREATE %s %s 0 MKSTREAM",
		      cb->k_ev, SB_CB_GROUP);
	if (redis_command(cb->blk, on_group, cb, "XGROUP CREATE %s %s 0 MKSTREAM",
			  cb->k_mo, SB_CB_GROUP) == 0)
		cb->grouping = true;
}

static void on_blk_state(struct redis *r, bool up, void *arg)
{
	struct sb_callback *cb = arg;

	(void)r;
	cb->reading = false;
	cb->asked_read = 0;
	cb->groups_ok = false;
	cb->grouping = false;
	if (up && !cb->stopping)
		groups_create(cb);
}

/* ---- retries: leased members of P:cb:retry ------------------------------ */

static void take_member(struct sb_callback *cb, const redisReply *m)
{
	struct sb_cb_job *j;

	if (m->type != REDIS_REPLY_STRING || cb->http == NULL)
		return;		/* stopped: the lease expires, another box takes it */
	j = job_new(cb);
	if (j == NULL)
		return;		/* the lease expires and it is taken again */
	j->member = malloc(m->len + 1);
	if (j->member == NULL) {
		job_unlink(j);
		job_destroy(j);
		return;
	}
	memcpy(j->member, m->str, m->len);
	j->member[m->len] = '\0';
	j->member_len = m->len;
	if (sb_cb_member_decode((const uint8_t *)m->str, m->len, &j->it) < 0) {
		log_error("malformed member of %s, moved to %s len=%zu",
			  cb->k_retry, cb->k_dead, m->len);
		snprintf(j->it.uid, sizeof(j->it.uid), "malformed");
		j->new_member = malloc(m->len + 1);
		if (j->new_member == NULL)
			log_fatal("out of memory");
		memcpy(j->new_member, m->str, m->len + 1);
		j->new_member_len = m->len;
		job_outcome(j, A_DEAD);
		job_step(j);
		return;
	}
	if (job_busy_uid(cb, j)) {
		/* Our own lease ran out while we still work on it: the running
		 * job records the outcome. */
		job_unlink(j);
		job_destroy(j);
		return;
	}
	j->is_mo = j->it.kind == SB_CB_MO;
	/* A replayed dead letter has used up its tries: it gets them again. */
	if (j->it.tries > job_max_retries(j))
		j->it.tries = 0;
	j->state = j->it.kind == SB_CB_MO ? J_ACCT : J_SEND;
	job_step(j);
}

static void on_take(struct redis *r, redisReply *reply, void *privdata)
{
	struct sb_callback *cb = privdata;
	size_t i;

	(void)r;
	if (cb_release(cb))
		return;
	cb->taking = false;
	cb->asked_take = 0;
	if (reply == NULL)
		return;
	if (reply->type == REDIS_REPLY_ERROR) {
		log_warn("taking due callbacks failed error=%s", reply->str);
		return;
	}
	for (i = 0; reply->type == REDIS_REPLY_ARRAY && i < reply->elements; i++)
		take_member(cb, reply->element[i]);
}

static void retries_take(struct sb_callback *cb)
{
	char now[24], lease[24], n[16];
	const char *av[5];
	uint64_t w = wall_ms();
	unsigned k = slots(cb, SB_CB_READ_COUNT);

	if (cb->taking || k == 0)
		return;
	snprintf(now, sizeof(now), "%llu", (unsigned long long)w);
	snprintf(lease, sizeof(lease), "%llu",
		 (unsigned long long)(w + cb->timeout_ms + SB_CB_LEASE_EXTRA_MS));
	snprintf(n, sizeof(n), "%u", k);
	av[0] = cb->k_retry;
	av[1] = cb->k_inflight;
	av[2] = now;
	av[3] = lease;
	av[4] = n;
	if (redis_script_call(cb->b->redis, cb->take, on_take, cb, 2, 5, av,
			      NULL) < 0)
		return;
	cb->refs++;
	cb->taking = true;
	cb->asked_take = k;
}

/* ---- claiming entries of dead consumers --------------------------------- */

static void on_claim(struct redis *r, redisReply *reply, void *privdata)
{
	struct sb_callback *cb = privdata;
	bool is_mo = cb->claim_turn % 2 == 1;
	char *cursor = cb->claim_cursor[is_mo];

	(void)r;
	if (cb_release(cb))
		return;
	cb->claiming = false;
	cb->asked_claim = 0;
	if (reply == NULL)
		return;
	if (reply->type == REDIS_REPLY_ERROR) {
		if (strncmp(reply->str, "NOGROUP", 7) != 0)
			log_warn("XAUTOCLAIM failed error=%s", reply->str);
		cb->claim_turn++;
		return;
	}
	if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 2)
		return;
	copy_str(cursor, SB_CB_SMALL, reply->element[0]);
	if (cursor[0] == '\0')
		snprintf(cursor, SB_CB_SMALL, "0-0");
	if (reply->element[1]->type == REDIS_REPLY_ARRAY &&
	    reply->element[1]->elements > 0)
		log_info("claimed %zu entries of %s from a stalled consumer",
			 reply->element[1]->elements,
			 is_mo ? cb->k_mo : cb->k_ev);
	take_entries(cb, is_mo, reply->element[1]);
	/* A scan of the stream is over: the other one next time. */
	if (strcmp(cursor, "0-0") == 0)
		cb->claim_turn++;
}

static void claim(struct sb_callback *cb)
{
	bool is_mo = cb->claim_turn % 2 == 1;
	char idle[24], count[16];
	unsigned n = slots(cb, SB_CB_READ_COUNT);

	if (cb->claiming || n == 0)
		return;
	snprintf(idle, sizeof(idle), "%llu", (unsigned long long)cb->claim_idle_ms);
	snprintf(count, sizeof(count), "%u", n);
	if (redis_command(cb->b->redis, on_claim, cb,
			  "XAUTOCLAIM %s %s %s %s %s COUNT %s",
			  is_mo ? cb->k_mo : cb->k_ev, SB_CB_GROUP, cb->b->id,
			  idle, cb->claim_cursor[is_mo], count) < 0)
		return;
	cb->refs++;
	cb->claiming = true;
	cb->asked_claim = n;
}

/* ---- the tick ----------------------------------------------------------- */

static void stop_now(struct sb_callback *cb);

static void on_tick(struct loop_timer *t, void *arg)
{
	struct sb_callback *cb = arg;
	struct sb_cb_job *j, *next;
	uint64_t now = now_ms(cb);

	(void)t;
	for (j = cb->jobs; j != NULL; j = next) {
		next = j->next;	/* job_step may free j (never another job) */
		if (j->pending && !j->waiting)
			job_step(j);
	}
	if (cb->stopping) {
		if (now >= cb->stop_deadline && !cb->done_called)
			stop_now(cb);
		return;
	}
	if (!redis_connected(cb->b->redis))
		return;
	if (cb->blk != NULL && redis_connected(cb->blk) && !cb->groups_ok)
		groups_create(cb);
	retries_take(cb);
	if (now >= cb->next_claim) {
		claim(cb);
		/* Scan quickly while a scan is under way, else every few s. */
		cb->next_claim = now + (strcmp(cb->claim_cursor[cb->claim_turn % 2],
					       "0-0") != 0 ? 0 : 2000);
	}
	read_kick(cb);
}

/* ---- life cycle --------------------------------------------------------- */

static void on_done_timer(struct loop_timer *t, void *arg)
{
	struct sb_callback *cb = arg;

	(void)t;
	if (cb->done_called)
		return;
	cb->done_called = true;
	log_info("callbacks stopped dlr_sent=%llu mo_sent=%llu failed=%llu "
		 "retried=%llu dead=%llu dropped=%llu",
		 (unsigned long long)cb->st.dlr_sent,
		 (unsigned long long)cb->st.mo_sent,
		 (unsigned long long)cb->st.failed,
		 (unsigned long long)cb->st.retried,
		 (unsigned long long)cb->st.dead,
		 (unsigned long long)cb->st.dropped);
	if (cb->done != NULL)
		cb->done(cb->done_arg);	/* may free cb: nothing after this */
}

/* Turns the jobs waiting for a Redis reply into orphans freed by that reply;
 * frees the others. */
static void jobs_abandon(struct sb_callback *cb)
{
	struct sb_cb_job *j;

	while ((j = cb->jobs) != NULL) {
		job_unlink(j);
		if (j->waiting) {
			j->orphan = true;
			j->cb = cb;
		} else {
			job_destroy(j);
		}
	}
}

/* The stop deadline: cancel the requests still running (nothing recorded:
 * another box takes them over) and report done. */
static void stop_now(struct sb_callback *cb)
{
	struct httpc *h = cb->http;

	if (cb->njobs > 0)
		log_warn("callbacks stop: abandoning jobs=%u to other boxes",
			 cb->njobs);
	cb->http = NULL;
	httpc_free(h);		/* cancelled requests free their jobs */
	jobs_abandon(cb);
	if (!loop_timer_pending(cb->done_timer))
		loop_timer_start(cb->done_timer, 0, false);
}

void sb_callback_stop(struct sb_callback *cb, sb_callback_done_fn *done,
		      void *arg)
{
	struct redis *blk = cb->blk;

	if (cb->stopping)
		return;
	cb->stopping = true;
	cb->done = done;
	cb->done_arg = arg;
	cb->stop_deadline = now_ms(cb) + cb->timeout_ms + 1000;
	cb->blk = NULL;
	redis_free(blk);	/* ends the blocked read: not acknowledged */
	log_info("callbacks stopping jobs=%u", cb->njobs);
	check_stopped(cb);
}

static void config_read(struct sb_callback *cb, const struct conf *c)
{
	const struct conf_group *g = conf_schema_group(c, "smsbox");

	cb->timeout_ms = (uint64_t)conf_schema_get_duration_ms(g, "http-timeout");
	cb->dlr_retries = (unsigned)conf_schema_get_int(g, "dlr-retries");
	cb->dlr_delay_ms = (uint64_t)conf_schema_get_duration_ms(g, "dlr-retry-delay");
	cb->mo_retries = (unsigned)conf_schema_get_int(g, "mo-retries");
	cb->mo_delay_ms = (uint64_t)conf_schema_get_duration_ms(g, "mo-retry-delay");
	snprintf(cb->dead_max, sizeof(cb->dead_max), "%lld",
	    (long long)conf_schema_get_int(g, "dead-letter-max"));
	if (cb->timeout_ms == 0)
		cb->timeout_ms = 30000;
	if (cb->dlr_delay_ms == 0)
		cb->dlr_delay_ms = 60000;
	if (cb->mo_delay_ms == 0)
		cb->mo_delay_ms = 60000;
	cb->claim_idle_ms = cb->timeout_ms + SB_CB_LEASE_EXTRA_MS;
}

static int keys_make(struct sb_callback *cb)
{
	struct box *b = cb->b;

	if (box_key(b, cb->k_ev, sizeof(cb->k_ev), "ev:http") < 0 ||
	    box_key(b, cb->k_mo, sizeof(cb->k_mo), "mo:http") < 0 ||
	    box_key(b, cb->k_retry, sizeof(cb->k_retry), "cb:retry") < 0 ||
	    box_key(b, cb->k_inflight, sizeof(cb->k_inflight), "cb:inflight") < 0 ||
	    box_key(b, cb->k_dead, sizeof(cb->k_dead), "cb:dead") < 0)
		return -1;
	return 0;
}

struct sb_callback *sb_callback_new(struct box *b, const struct conf *c)
{
	const struct conf_group *g = conf_schema_group(c, "smsbox");
	struct sb_callback *cb = calloc(1, sizeof(*cb));
	struct cidr deny[CONF_LIST_MAX], allow[CONF_LIST_MAX];
	struct httpc_config hc;

	if (cb == NULL)
		return NULL;
	cb->b = b;
	config_read(cb, c);
	snprintf(cb->claim_cursor[0], SB_CB_SMALL, "0-0");
	snprintf(cb->claim_cursor[1], SB_CB_SMALL, "0-0");
	memset(&hc, 0, sizeof(hc));
	hc.max_in_flight = SB_CB_MAX_JOBS;
	hc.max_queued = SB_CB_MAX_JOBS;
	hc.max_body = 4096;
	hc.timeout_ms = (unsigned)cb->timeout_ms;
	hc.connect_timeout_ms = (unsigned)(cb->timeout_ms < 5000 ? cb->timeout_ms : 5000);
	hc.user_agent = "hermod-smsbox";
	hc.n_deny = conf_schema_get_cidrs(g, "callback-deny", deny);
	hc.n_allow = conf_schema_get_cidrs(g, "callback-allow", allow);
	hc.deny = deny;
	hc.allow = allow;
	hc.deny_name = "callback-deny";
	if (keys_make(cb) < 0) {
		log_error("callbacks: key prefix too long");
		goto fail;
	}
	cb->http = httpc_new(loop_base(b->loop), &hc);
	cb->take = redis_script_new(b->redis, lua_take);
	cb->finish = redis_script_new(b->redis, lua_finish);
	cb->tick = loop_timer_new(b->loop, on_tick, cb);
	cb->done_timer = loop_timer_new(b->loop, on_done_timer, cb);
	if (cb->http == NULL || cb->take == NULL || cb->finish == NULL ||
	    cb->tick == NULL || cb->done_timer == NULL ||
	    loop_timer_start(cb->tick, SB_CB_TICK_MS, true) < 0) {
		log_error("callbacks: out of memory");
		goto fail;
	}
	cb->blk = redis_new(b->loop, conf_schema_get_str(b->core, "redis-url"),
			    on_blk_state, cb);
	if (cb->blk == NULL) {
		log_error("callbacks: cannot open the second Redis connection");
		goto fail;
	}
	log_info("callbacks ready http-timeout=%llums dlr-retries=%u "
		 "mo-retries=%u claim-idle=%llums callback-deny=%zu networks "
		 "callback-allow=%zu networks",
		 (unsigned long long)cb->timeout_ms, cb->dlr_retries,
		 cb->mo_retries, (unsigned long long)cb->claim_idle_ms,
		 hc.n_deny, hc.n_allow);
	return cb;
fail:
	sb_callback_free(cb);
	return NULL;
}

void sb_callback_free(struct sb_callback *cb)
{
	struct redis *blk;
	struct httpc *h;

	if (cb == NULL)
		return;
	cb->stopping = true;
	cb->done_called = true;
	blk = cb->blk;
	cb->blk = NULL;
	redis_free(blk);
	h = cb->http;
	cb->http = NULL;
	httpc_free(h);
	jobs_abandon(cb);
	loop_timer_free(cb->tick);
	loop_timer_free(cb->done_timer);
	cb->tick = cb->done_timer = NULL;
	/* The scripts belong to b->redis (freed with it). Replies still due on
	 * b->redis keep cb alive as a zombie until the last one. */
	cb->freed = true;
	if (cb->refs == 0)
		free(cb);
}

void sb_callback_stats(const struct sb_callback *cb,
		       struct sb_callback_stats *out)
{
	*out = cb->st;
	out->in_flight = cb->http != NULL ? httpc_in_flight(cb->http) : 0;
}
