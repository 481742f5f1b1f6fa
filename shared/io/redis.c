/*
 * redis — hiredis async client on the event loop: connect (a host name
 * looked up with evdns, never with a blocking call, its addresses tried in
 * turn) + AUTH/SELECT/SCRIPT LOAD handshake (the URL is parsed by
 * shared/codec/redis_url), reconnection with exponential backoff (+-20 %
 * jitter) and rate-limited logging, command wrappers that always call back,
 * and EVALSHA with an EVAL fallback on NOSCRIPT.
 * Layer: shared/io.
 */
#include "config.h"
#include "shared/io/redis.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>
#include <hiredis/hiredis.h>
#include <hiredis/async.h>
#include <hiredis/adapters/libevent.h>
#include <openssl/evp.h>

#include "shared/io/log.h"
#include "shared/io/loop.h"

#define REDIS_BACKOFF_MIN_MS 100UL
#define REDIS_BACKOFF_MAX_MS 5000UL
#define REDIS_CONNECT_TIMEOUT_MS 5000UL
#define REDIS_REMIND_MS 30000ULL
#define REDIS_ADDRS_MAX 8	/* addresses of a host name tried in turn */

/* ------------------------------------------------------------ the client */

enum redis_state {
	REDIS_ST_WAIT,		/* retry timer pending */
	REDIS_ST_RESOLVING,	/* the host name being looked up (evdns) */
	REDIS_ST_CONNECTING,	/* TCP/unix connect in progress */
	REDIS_ST_HANDSHAKE,	/* AUTH, SELECT, SCRIPT LOAD in flight */
	REDIS_ST_UP,
};

struct redis_script {
	struct redis_script *next;
	char *text;
	size_t len;
	char sha[41];
};

struct redis {
	struct loop *loop;
	struct redis_url url;
	char name[REDIS_URL_HOST_MAX + REDIS_URL_PATH_MAX + 64];
	redisAsyncContext *ac;
	struct evdns_getaddrinfo_request *dns;	/* lookup under way */
	bool in_lookup, looked_up;	/* an answer inside evdns_getaddrinfo() */
	int dns_err;
	char addrs[REDIS_ADDRS_MAX][64];	/* numeric addresses to try */
	size_t naddrs, addr_i;		/* how many; the next to try */
	enum redis_state state;
	struct loop_timer *retry, *timeout;
	unsigned long backoff_ms;
	bool down_reported;
	unsigned long long down_since, last_remind;
	char err[160];
	int hs_pending;
	bool hs_failed;
	bool closing;
	redis_state_fn *on_state;
	void *arg;
	struct redis_script *scripts;
};

/* One command in flight. For a script call, argv[0..2] are EVALSHA/EVAL,
 * sha/text and nkeys, then copies of the caller's arguments. */
struct redis_req {
	struct redis *r;
	redis_reply_fn *cb;
	void *privdata;
	struct redis_script *script;	/* non-NULL: EVAL fallback allowed */
	int argc;
	const char **argv;
	size_t *argvlen;
	char nkeys[16];
};

static void redis_connect_start(struct redis *r);
static void redis_connect_failed(struct redis *r, const char *err);

static const char *redis_ac_error(const redisAsyncContext *ac, const char *dflt)
{
	return (ac != NULL && ac->errstr[0] != '\0') ? ac->errstr : dflt;
}

/* An attempt failed or the link dropped: log (rate-limited), schedule retry. */
/* ms spread over ms +-20 %, so that boxes cut off by one Redis restart do not
 * all come back in the same millisecond. */
static unsigned long redis_jitter(unsigned long ms)
{
	static unsigned long long x;

	if (x == 0)
		x = ((unsigned long long)getpid() << 32) ^
		    (unsigned long long)time(NULL) ^ 0x9e3779b97f4a7c15ULL;
	x ^= x << 13;	/* xorshift64: spread, not secrecy */
	x ^= x >> 7;
	x ^= x << 17;
	return ms - ms / 5 + (unsigned long)(x % (2 * (ms / 5) + 1));
}

static void redis_failed(struct redis *r, const char *err)
{
	unsigned long long now = loop_now_ms(r->loop);
	unsigned long delay;

	r->ac = NULL;
	r->state = REDIS_ST_WAIT;
	loop_timer_stop(r->timeout);
	snprintf(r->err, sizeof(r->err), "%s", err);
	delay = redis_jitter(r->backoff_ms);
	if (!r->down_reported) {
		log_warn("redis unreachable url=%s error=\"%s\" retrying in %lums",
			 r->name, r->err, delay);
		r->down_reported = true;
		r->down_since = now;
		r->last_remind = now;
	} else if (now - r->last_remind >= REDIS_REMIND_MS) {
		log_warn("redis still unreachable url=%s error=\"%s\" down_for=%llus",
			 r->name, r->err, (now - r->down_since) / 1000);
		r->last_remind = now;
	}
	log_debug("redis retry url=%s in=%lums", r->name, delay);
	loop_timer_start(r->retry, delay, false);
	r->backoff_ms *= 2;
	if (r->backoff_ms > REDIS_BACKOFF_MAX_MS)
		r->backoff_ms = REDIS_BACKOFF_MAX_MS;
}

static void redis_up(struct redis *r)
{
	r->state = REDIS_ST_UP;
	loop_timer_stop(r->timeout);
	r->backoff_ms = REDIS_BACKOFF_MIN_MS;
	if (r->down_reported)
		log_info("redis reachable again url=%s down_for=%llums", r->name,
			 loop_now_ms(r->loop) - r->down_since);
	else
		log_info("redis connected url=%s", r->name);
	r->down_reported = false;
	if (r->on_state != NULL)
		r->on_state(r, true, r->arg);
}

static void redis_on_hs_reply(redisAsyncContext *ac, void *reply, void *step)
{
	struct redis *r = ac->data;
	redisReply *rep = reply;

	if (rep == NULL || r == NULL || r->ac != ac || r->closing)
		return;
	if (rep->type == REDIS_REPLY_ERROR && !r->hs_failed) {
		r->hs_failed = true;
		snprintf(r->err, sizeof(r->err), "%s: %s", (const char *)step,
			 rep->str);
	}
	if (--r->hs_pending > 0)
		return;
	if (r->hs_failed)
		redisAsyncDisconnect(ac);	/* on_disconnect retries */
	else
		redis_up(r);
}

static void redis_hs_send(struct redis *r, const char *step, int argc,
			  const char **argv, const size_t *lens)
{
	if (redisAsyncCommandArgv(r->ac, redis_on_hs_reply, (void *)step, argc,
				  argv, lens) == REDIS_OK)
		r->hs_pending++;
}

static void redis_handshake(struct redis *r)
{
	char db[16];
	struct redis_script *s;

	r->state = REDIS_ST_HANDSHAKE;
	r->hs_pending = 0;
	r->hs_failed = false;
	if (r->url.password[0] != '\0') {
		const char *a[3] = { "AUTH", r->url.user, r->url.password };

		if (r->url.user[0] != '\0')
			redis_hs_send(r, "AUTH", 3, a, NULL);
		else {
			a[1] = r->url.password;
			redis_hs_send(r, "AUTH", 2, a, NULL);
		}
	}
	snprintf(db, sizeof(db), "%d", r->url.db);
	redis_hs_send(r, "SELECT", 2, (const char *[]){ "SELECT", db }, NULL);
	for (s = r->scripts; s != NULL; s = s->next)
		redis_hs_send(r, "SCRIPT LOAD", 3,
			      (const char *[]){ "SCRIPT", "LOAD", s->text },
			      (const size_t[]){ 6, 4, s->len });
}

static void redis_on_connect(const redisAsyncContext *cac, int status)
{
	struct redis *r = cac->data;

	if (r == NULL || r->closing || r->ac != cac)
		return;
	if (status != REDIS_OK) {
		/* hiredis frees the context when we return. */
		redis_connect_failed(r, redis_ac_error(cac, "connect failed"));
		return;
	}
	redis_handshake(r);
}

static void redis_on_disconnect(const redisAsyncContext *cac, int status)
{
	struct redis *r = cac->data;
	bool was_up;
	char err[sizeof(r->err)];

	if (r == NULL || r->closing || r->ac != cac)
		return;
	was_up = r->state == REDIS_ST_UP;
	if (r->hs_failed)
		snprintf(err, sizeof(err), "%s", r->err);
	else
		snprintf(err, sizeof(err), "%s",
			 status == REDIS_OK ? "connection closed" :
					      redis_ac_error(cac, "connection lost"));
	if (was_up)
		r->backoff_ms = REDIS_BACKOFF_MIN_MS;
	redis_failed(r, err);
	if (was_up && r->on_state != NULL)
		r->on_state(r, false, r->arg);
}

static void redis_on_retry(struct loop_timer *t, void *arg)
{
	(void)t;
	redis_connect_start(arg);
}

static void redis_on_timeout(struct loop_timer *t, void *arg)
{
	struct redis *r = arg;
	redisAsyncContext *ac = r->ac;

	(void)t;
	if (r->state == REDIS_ST_RESOLVING) {
		if (r->dns != NULL)
			evdns_getaddrinfo_cancel(r->dns);
		r->dns = NULL;
		redis_failed(r, "host name lookup timeout");
		return;
	}
	if (ac == NULL || r->state == REDIS_ST_UP)
		return;
	r->ac = NULL;		/* makes hiredis's callbacks ignore it */
	redisAsyncFree(ac);
	if (r->state == REDIS_ST_CONNECTING)
		redis_connect_failed(r, "connect timeout");	/* next address */
	else
		redis_failed(r, "handshake timeout");
}

/* Connects to host (a numeric address) or, with host NULL, to the socket
 * path of the URL. */
static void redis_connect_to(struct redis *r, const char *host)
{
	redisAsyncContext *ac;
	char err[sizeof(r->err)];

	if (host == NULL)
		ac = redisAsyncConnectUnix(r->url.path);
	else
		ac = redisAsyncConnect(host, r->url.port);
	if (ac == NULL) {
		redis_failed(r, "out of memory");
		return;
	}
	if (ac->err != 0 ||
	    redisLibeventAttach(ac, loop_base(r->loop)) != REDIS_OK) {
		snprintf(err, sizeof(err), "%s", redis_ac_error(ac, "attach failed"));
		redisAsyncFree(ac);
		redis_connect_failed(r, err);
		return;
	}
	ac->data = r;
	redisAsyncSetConnectCallback(ac, redis_on_connect);
	redisAsyncSetDisconnectCallback(ac, redis_on_disconnect);
	if (!r->url.is_unix)
		redisEnableKeepAlive(&ac->c);
	r->ac = ac;
	r->state = REDIS_ST_CONNECTING;
	loop_timer_start(r->timeout, REDIS_CONNECT_TIMEOUT_MS, false);
}

/* The addresses of a lookup's answer into r->addrs (at most
 * REDIS_ADDRS_MAX); frees res. Returns how many. */
static size_t redis_take_addrs(struct redis *r, struct evutil_addrinfo *res)
{
	const struct evutil_addrinfo *a;

	r->naddrs = 0;
	r->addr_i = 0;
	for (a = res; a != NULL && r->naddrs < REDIS_ADDRS_MAX; a = a->ai_next) {
		const void *in = NULL;

		if (a->ai_family == AF_INET)
			in = &((const struct sockaddr_in *)(const void *)
			       a->ai_addr)->sin_addr;
		else if (a->ai_family == AF_INET6)
			in = &((const struct sockaddr_in6 *)(const void *)
			       a->ai_addr)->sin6_addr;
		if (in != NULL && evutil_inet_ntop(a->ai_family, in,
		    r->addrs[r->naddrs], sizeof(r->addrs[0])) != NULL)
			r->naddrs++;
	}
	if (res != NULL)
		evutil_freeaddrinfo(res);
	return r->naddrs;
}

/* A TCP connect failed: the next address of the host at once, or a retry
 * after the backoff (looked up again) when none is left. */
static void redis_connect_failed(struct redis *r, const char *err)
{
	if (!r->url.is_unix && r->addr_i < r->naddrs) {
		log_debug("redis connect failed url=%s error=\"%s\" next=%s",
			  r->name, err, r->addrs[r->addr_i]);
		r->ac = NULL;
		redis_connect_to(r, r->addrs[r->addr_i++]);
		return;
	}
	redis_failed(r, err);
}

/* The lookup's answer: connect to its addresses in turn, or retry later. */
static void redis_resolved(struct redis *r, int err, struct evutil_addrinfo *res)
{
	char why[sizeof(r->url.host) + 96];	/* redis_failed keeps what fits */

	if (err == 0 && redis_take_addrs(r, res) > 0) {	/* frees res */
		log_debug("redis resolved host=%s addresses=%zu first=%s",
			  r->url.host, r->naddrs, r->addrs[0]);
		redis_connect_to(r, r->addrs[r->addr_i++]);
		return;
	}
	if (err != 0 && res != NULL)
		evutil_freeaddrinfo(res);
	snprintf(why, sizeof(why), "cannot resolve %s: %s", r->url.host,
		 err != 0 ? evutil_gai_strerror(err) : "no address");
	redis_failed(r, why);
}

static void redis_dns_cb(int err, struct evutil_addrinfo *res, void *arg)
{
	struct redis *r = arg;

	if (err == EVUTIL_EAI_CANCEL) {	/* redis_free() or the timeout */
		if (res != NULL)
			evutil_freeaddrinfo(res);
		return;
	}
	r->dns = NULL;
	if (r->in_lookup) {	/* answered inside evdns_getaddrinfo() */
		r->looked_up = true;
		r->dns_err = err;
		if (err == 0 && redis_take_addrs(r, res) == 0)
			r->dns_err = EVUTIL_EAI_FAIL;
		else if (err != 0 && res != NULL)
			evutil_freeaddrinfo(res);
		return;
	}
	redis_resolved(r, err, res);
}

/*
 * A connection attempt: a socket path or a numeric address at once; a host
 * name is looked up first with the loop's resolver (evdns: never blocks the
 * loop), within the connect timeout, its addresses tried in turn, and looked
 * up again at every attempt after a backoff (a Redis that moved gets its new
 * address).
 */
static void redis_connect_start(struct redis *r)
{
	struct evutil_addrinfo hints = { 0 }, *res = NULL;
	struct evdns_base *dns;
	char serv[16];

	if (r->url.is_unix) {
		redis_connect_to(r, NULL);
		return;
	}
	snprintf(serv, sizeof(serv), "%d", r->url.port);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = EVUTIL_AI_NUMERICHOST | EVUTIL_AI_NUMERICSERV;
	r->naddrs = r->addr_i = 0;
	if (evutil_getaddrinfo(r->url.host, serv, &hints, &res) == 0) {
		evutil_freeaddrinfo(res);
		redis_connect_to(r, r->url.host);
		return;
	}
	if ((dns = loop_dns(r->loop)) == NULL) {
		redis_failed(r, "no name resolver");
		return;
	}
	hints.ai_flags = EVUTIL_AI_NUMERICSERV;
	r->state = REDIS_ST_RESOLVING;
	r->looked_up = false;
	r->in_lookup = true;
	r->dns = evdns_getaddrinfo(dns, r->url.host, serv, &hints, redis_dns_cb, r);
	r->in_lookup = false;
	if (r->looked_up) {
		r->dns = NULL;
		if (r->dns_err != 0)
			redis_resolved(r, r->dns_err, NULL);
		else
			redis_connect_to(r, r->addrs[r->addr_i++]);
		return;
	}
	if (r->dns == NULL) {
		redis_failed(r, "name lookup could not start");
		return;
	}
	loop_timer_start(r->timeout, REDIS_CONNECT_TIMEOUT_MS, false);
}

struct redis *redis_new(struct loop *l, const char *url,
			redis_state_fn *on_state, void *arg)
{
	struct redis *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	/* The URL may hold a password: never echo it. */
	if (redis_url_parse(url, &r->url) == -1) {
		log_error("redis url malformed (expected redis://[[user]:password@]host[:port][/db] or unix:/path[?db=N])");
		free(r);
		return NULL;
	}
	redis_url_redacted(&r->url, r->name, sizeof(r->name));
	r->loop = l;
	r->on_state = on_state;
	r->arg = arg;
	r->backoff_ms = REDIS_BACKOFF_MIN_MS;
	r->retry = loop_timer_new(l, redis_on_retry, r);
	r->timeout = loop_timer_new(l, redis_on_timeout, r);
	if (r->retry == NULL || r->timeout == NULL) {
		loop_timer_free(r->retry);
		loop_timer_free(r->timeout);
		free(r);
		return NULL;
	}
	redis_connect_start(r);
	return r;
}

void redis_free(struct redis *r)
{
	struct redis_script *s, *next;

	if (r == NULL)
		return;
	r->closing = true;
	loop_timer_free(r->retry);
	loop_timer_free(r->timeout);
	if (r->dns != NULL)	/* its callback gets EVUTIL_EAI_CANCEL: no r */
		evdns_getaddrinfo_cancel(r->dns);
	if (r->ac != NULL) {
		/* From inside a hiredis callback the context is freed only when
		 * it returns: its callbacks must not find r then. */
		r->ac->data = NULL;
		redisAsyncFree(r->ac);	/* pending callbacks get NULL */
	}
	for (s = r->scripts; s != NULL; s = next) {
		next = s->next;
		free(s->text);
		free(s);
	}
	memset(r, 0, sizeof(*r));
	free(r);
}

bool redis_connected(const struct redis *r)
{
	return r->state == REDIS_ST_UP && r->ac != NULL;
}

/* ------------------------------------------------------------ commands */

static int redis_req_eval(struct redis_req *q, redisAsyncContext *ac);

static bool redis_is_noscript(const redisReply *rep)
{
	return rep != NULL && rep->type == REDIS_REPLY_ERROR &&
	       rep->str != NULL && strncmp(rep->str, "NOSCRIPT", 8) == 0;
}

static void redis_on_reply(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct redis_req *q = privdata;

	if (ac->data != NULL && q->script != NULL && redis_is_noscript(reply) &&
	    redis_req_eval(q, ac) == 0)
		return;	/* sent again as EVAL; q lives on */
	if (q->cb != NULL)
		q->cb(ac->data, reply, q->privdata);	/* NULL r after redis_free */
	free(q);
}

static struct redis_req *redis_req_new(struct redis *r, redis_reply_fn *cb,
				       void *privdata)
{
	struct redis_req *q = calloc(1, sizeof(*q));

	if (q == NULL)
		return NULL;
	q->r = r;
	q->cb = cb;
	q->privdata = privdata;
	return q;
}

int redis_command(struct redis *r, redis_reply_fn *cb, void *privdata,
		  const char *fmt, ...)
{
	struct redis_req *q;
	va_list ap;
	int rc;

	if (!redis_connected(r))
		return -1;
	q = redis_req_new(r, cb, privdata);
	if (q == NULL)
		return -1;
	va_start(ap, fmt);
	rc = redisvAsyncCommand(r->ac, redis_on_reply, q, fmt, ap);
	va_end(ap);
	if (rc != REDIS_OK) {
		free(q);
		return -1;
	}
	return 0;
}

int redis_command_argv(struct redis *r, redis_reply_fn *cb, void *privdata,
		       int argc, const char **argv, const size_t *argvlen)
{
	struct redis_req *q;

	if (!redis_connected(r) || argc <= 0)
		return -1;
	q = redis_req_new(r, cb, privdata);
	if (q == NULL)
		return -1;
	if (redisAsyncCommandArgv(r->ac, redis_on_reply, q, argc, argv,
				  argvlen) != REDIS_OK) {
		free(q);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ scripts */

struct redis_script *redis_script_new(struct redis *r, const char *text)
{
	struct redis_script *s = calloc(1, sizeof(*s));
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	if (s == NULL)
		return NULL;
	s->len = strlen(text);
	s->text = strdup(text);
	if (s->text == NULL ||
	    EVP_Digest(text, s->len, md, &mdlen, EVP_sha1(), NULL) != 1 ||
	    mdlen != 20) {
		free(s->text);
		free(s);
		return NULL;
	}
	for (i = 0; i < 20; i++)
		snprintf(s->sha + 2 * i, 3, "%02x", md[i]);
	s->next = r->scripts;
	r->scripts = s;
	if (redis_connected(r))	/* later connects load it in the handshake */
		redis_command_argv(r, NULL, NULL, 3,
				   (const char *[]){ "SCRIPT", "LOAD", s->text },
				   (const size_t[]){ 6, 4, s->len });
	return s;
}

const char *redis_script_sha(const struct redis_script *s)
{
	return s->sha;
}

/* A request holding EVALSHA sha nkeys + copies of argv, in one block. */
static struct redis_req *redis_req_script(struct redis *r,
					  struct redis_script *s,
					  redis_reply_fn *cb, void *privdata,
					  int nkeys, int argc,
					  const char **argv,
					  const size_t *argvlen)
{
	size_t n = (size_t)argc + 3, bytes = 0, i, off;
	struct redis_req *q;
	char *data;

	for (i = 0; i < (size_t)argc; i++)
		bytes += argvlen ? argvlen[i] : strlen(argv[i]);
	q = calloc(1, sizeof(*q) + n * (sizeof(char *) + sizeof(size_t)) +
			      bytes + 1);
	if (q == NULL)
		return NULL;
	q->r = r;
	q->cb = cb;
	q->privdata = privdata;
	q->script = s;
	q->argc = (int)n;
	q->argv = (const char **)(q + 1);
	q->argvlen = (size_t *)(q->argv + n);
	data = (char *)(q->argvlen + n);
	snprintf(q->nkeys, sizeof(q->nkeys), "%d", nkeys);
	q->argv[0] = "EVALSHA";
	q->argvlen[0] = 7;
	q->argv[1] = s->sha;
	q->argvlen[1] = 40;
	q->argv[2] = q->nkeys;
	q->argvlen[2] = strlen(q->nkeys);
	for (i = 0, off = 0; i < (size_t)argc; i++) {
		size_t len = argvlen ? argvlen[i] : strlen(argv[i]);

		memcpy(data + off, argv[i], len);
		q->argv[i + 3] = data + off;
		q->argvlen[i + 3] = len;
		off += len;
	}
	return q;
}

static int redis_req_eval(struct redis_req *q, redisAsyncContext *ac)
{
	struct redis_script *s = q->script;

	q->script = NULL;	/* one fallback only */
	q->argv[0] = "EVAL";
	q->argvlen[0] = 4;
	q->argv[1] = s->text;
	q->argvlen[1] = s->len;
	log_debug("redis script not cached, sending EVAL sha=%s", s->sha);
	return redisAsyncCommandArgv(ac, redis_on_reply, q, q->argc, q->argv,
				     q->argvlen) == REDIS_OK ? 0 : -1;
}

int redis_script_call(struct redis *r, struct redis_script *s,
		      redis_reply_fn *cb, void *privdata, int nkeys, int argc,
		      const char **argv, const size_t *argvlen)
{
	struct redis_req *q;

	if (!redis_connected(r) || nkeys < 0 || argc < nkeys)
		return -1;
	q = redis_req_script(r, s, cb, privdata, nkeys, argc, argv, argvlen);
	if (q == NULL)
		return -1;
	if (redisAsyncCommandArgv(r->ac, redis_on_reply, q, q->argc, q->argv,
				  q->argvlen) != REDIS_OK) {
		free(q);
		return -1;
	}
	return 0;
}
