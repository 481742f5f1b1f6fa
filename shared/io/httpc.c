/*
 * httpc — libcurl's multi interface on a libevent event_base.
 *
 * The glue of curl's docs/examples/multi-event.c: CURLMOPT_SOCKETFUNCTION maps
 * each of curl's sockets to a persistent libevent event, CURLMOPT_TIMERFUNCTION
 * to one libevent timer, and both call curl_multi_socket_action() and then
 * collect finished transfers with curl_multi_info_read(). A transfer owns its
 * easy handle; connections live in the multi handle's cache and are reused.
 */
#include "config.h"
#include "shared/io/httpc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include <curl/curl.h>
#include <event2/event.h>

struct httpc_sock {
	struct httpc *c;
	struct event *ev;
	struct httpc_sock *prev, *next;
};

struct httpc_xfer {
	struct httpc *c;
	CURL *easy;
	struct httpc_xfer *prev, *next;	/* in the queue or the running list */
	char *post;			/* copied form body, or NULL for GET */
	httpc_done_fn *done;
	void *arg;
	char *buf;
	size_t len, cap;
	bool truncated;
	unsigned long long t0;
	unsigned opened;		/* sockets the guard let curl open */
	char refused[CURL_ERROR_SIZE];	/* why the guard refused the last */
	char errbuf[CURL_ERROR_SIZE];
};

struct httpc {
	struct event_base *base;
	CURLM *multi;
	struct event *timer;
	struct curl_slist *headers;
	struct httpc_config cfg;
	char *user_agent;
	char *ca_file;
	struct cidr *deny, *allow;	/* copies of cfg's; cfg points at them */
	char *deny_name;
	struct httpc_xfer *q_head, *q_tail;
	unsigned n_queued;
	struct httpc_xfer *running;
	unsigned n_running;
	struct httpc_sock *socks;
	bool global_init;
	bool closing;
};

static unsigned long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000u + (unsigned long long)ts.tv_nsec / 1000000u;
}

static void
list_push(struct httpc_xfer **head, struct httpc_xfer *x)
{
	x->prev = NULL;
	x->next = *head;
	if (*head)
		(*head)->prev = x;
	*head = x;
}

static void
list_unlink(struct httpc_xfer **head, struct httpc_xfer *x)
{
	if (x->prev)
		x->prev->next = x->next;
	else
		*head = x->next;
	if (x->next)
		x->next->prev = x->prev;
	x->prev = x->next = NULL;
}

static void
xfer_free(struct httpc_xfer *x)
{
	if (x->easy)
		curl_easy_cleanup(x->easy);
	free(x->post);
	free(x->buf);
	free(x);
}

/* Builds the result of x, calls its callback and frees it. */
static void
xfer_finish(struct httpc_xfer *x, CURLcode rc, bool cancelled)
{
	struct httpc_result r;
	long v = 0;

	memset(&r, 0, sizeof(r));
	r.error = "";
	if (cancelled) {
		r.cancelled = true;
		r.error = "cancelled";
	} else if (rc != CURLE_OK && x->refused[0] && x->opened == 0) {
		r.refused = true;
		r.error = x->refused;
	} else if (rc != CURLE_OK) {
		r.error = x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);
	} else if (curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &v) != CURLE_OK ||
		   v <= 0) {
		r.error = "no HTTP status";
	} else {
		r.status = v;
	}
	if (x->easy && curl_easy_getinfo(x->easy, CURLINFO_NUM_CONNECTS, &v) == CURLE_OK)
		r.new_connections = v;
	r.body = x->buf ? x->buf : "";
	r.body_len = x->len;
	r.body_truncated = x->truncated;
	r.ms = now_ms() - x->t0;
	x->done(&r, x->arg);
	xfer_free(x);
}

static size_t
on_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct httpc_xfer *x = userdata;
	size_t n = size * nmemb, max = x->c->cfg.max_body, keep, cap;
	char *nb;

	keep = n;
	if (keep > max - x->len) {
		keep = max - x->len;
		x->truncated = true;
	}
	if (keep == 0)
		return n;
	if (x->len + keep + 1 > x->cap) {
		cap = x->cap ? x->cap : 1024;
		while (cap < x->len + keep + 1)
			cap *= 2;
		if (cap > max + 1)
			cap = max + 1;
		nb = realloc(x->buf, cap);
		if (nb == NULL)
			return 0;	/* CURLE_WRITE_ERROR */
		x->buf = nb;
		x->cap = cap;
	}
	memcpy(x->buf + x->len, ptr, keep);
	x->len += keep;
	x->buf[x->len] = '\0';
	return n;
}

/* The guard's verdict on sa: true when it may be connected to; otherwise
 * x->refused says why. An IPv6 address that carries an IPv4 one for a
 * translator (NAT64, 6to4) is checked as both: either in the deny list
 * refuses, unless either is in the allow list. */
static bool
guard_ok(struct httpc_xfer *x, const struct sockaddr *sa, size_t salen)
{
	const struct httpc *c = x->c;
	const struct cidr *net;
	char at[CIDR_TEXT_MAX], in[CIDR_TEXT_MAX], in4[CIDR_TEXT_MAX];
	char via[CIDR_TEXT_MAX + 4] = "";
	struct cidr a, v4;
	bool has_v4;
	int rc = -1;

	if (c->cfg.n_deny == 0)
		return true;
	if (sa->sa_family == AF_INET && salen >= sizeof(struct sockaddr_in))
		rc = cidr_from_bytes(4, (const uint8_t *)
		    &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4, &a);
	else if (sa->sa_family == AF_INET6 && salen >= sizeof(struct sockaddr_in6))
		rc = cidr_from_bytes(6, ((const struct sockaddr_in6 *)
		    (const void *)sa)->sin6_addr.s6_addr, 16, &a);
	if (rc < 0) {
		snprintf(x->refused, sizeof(x->refused),
		    "address family %d is not allowed", (int)sa->sa_family);
		return false;
	}
	has_v4 = cidr_embedded_v4(&a, &v4) == 0;
	net = cidr_list_match(c->cfg.deny, c->cfg.n_deny, &a);
	if (net == NULL && has_v4)
		net = cidr_list_match(c->cfg.deny, c->cfg.n_deny, &v4);
	if (net == NULL || cidr_list_match(c->cfg.allow, c->cfg.n_allow, &a) ||
	    (has_v4 && cidr_list_match(c->cfg.allow, c->cfg.n_allow, &v4)))
		return true;
	if (cidr_format(&a, at, sizeof(at)) < 0 || cidr_format(net, in, sizeof(in)) < 0)
		snprintf(at, sizeof(at), "?"), snprintf(in, sizeof(in), "?");
	if (has_v4 && net->af == 4 && cidr_format(&v4, in4, sizeof(in4)) > 0)
		snprintf(via, sizeof(via), " (%s)", in4);
	snprintf(x->refused, sizeof(x->refused), "address %s%s is in %s (%s)", at,
	    via, c->deny_name, in);
	return false;
}

/* CURLOPT_OPENSOCKETFUNCTION: curl's own socket(), behind the guard. */
static curl_socket_t
on_open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct httpc_xfer *x = clientp;
	int type = a->socktype;
	curl_socket_t s;

	if (purpose == CURLSOCKTYPE_IPCXN &&
	    !guard_ok(x, &a->addr, (size_t)a->addrlen))
		return CURL_SOCKET_BAD;
#ifdef SOCK_CLOEXEC
	type |= SOCK_CLOEXEC;
#endif
	s = socket(a->family, type, a->protocol);
	if (s != CURL_SOCKET_BAD)
		x->opened++;
	return s;
}

static void
start_queued(struct httpc *c)
{
	struct httpc_xfer *x;

	while (!c->closing && c->q_head && c->n_running < c->cfg.max_in_flight) {
		x = c->q_head;
		c->q_head = x->next;
		if (c->q_head)
			c->q_head->prev = NULL;
		else
			c->q_tail = NULL;
		x->next = NULL;
		c->n_queued--;
		if (curl_multi_add_handle(c->multi, x->easy) != CURLM_OK) {
			xfer_finish(x, CURLE_FAILED_INIT, false);
			continue;
		}
		list_push(&c->running, x);
		c->n_running++;
	}
}

static void
check_done(struct httpc *c)
{
	struct httpc_xfer *x;
	CURLMsg *msg;
	CURLcode rc;
	char *priv;
	int left;

	while ((msg = curl_multi_info_read(c->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		rc = msg->data.result;
		priv = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
		x = (struct httpc_xfer *)(void *)priv;
		curl_multi_remove_handle(c->multi, msg->easy_handle);
		list_unlink(&c->running, x);
		c->n_running--;
		xfer_finish(x, rc, false);
	}
	start_queued(c);
}

static void
on_sock_event(evutil_socket_t fd, short what, void *arg)
{
	struct httpc *c = arg;
	int flags = 0, running;

	if (what & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(c->multi, fd, flags, &running);
	check_done(c);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct httpc *c = arg;
	int running;

	(void)fd;
	(void)what;
	curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(c);
}

static void
sock_free(struct httpc_sock *hs)
{
	struct httpc *c = hs->c;

	if (hs->prev)
		hs->prev->next = hs->next;
	else
		c->socks = hs->next;
	if (hs->next)
		hs->next->prev = hs->prev;
	if (hs->ev)
		event_free(hs->ev);
	free(hs);
}

static int
on_curl_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct httpc *c = userp;
	struct httpc_sock *hs = socketp;
	short kind = EV_PERSIST;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (hs)
			sock_free(hs);
		return 0;
	}
	if (hs == NULL) {
		hs = calloc(1, sizeof(*hs));
		if (hs == NULL)
			return -1;
		hs->c = c;
		hs->next = c->socks;
		if (c->socks)
			c->socks->prev = hs;
		c->socks = hs;
		curl_multi_assign(c->multi, s, hs);
	}
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	if (hs->ev)
		event_free(hs->ev);
	hs->ev = event_new(c->base, s, kind, on_sock_event, c);
	if (hs->ev == NULL || event_add(hs->ev, NULL) < 0)
		return -1;
	return 0;
}

static int
on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct httpc *c = userp;
	struct timeval tv;

	(void)multi;
	if (timeout_ms < 0) {
		evtimer_del(c->timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	return evtimer_add(c->timer, &tv) < 0 ? -1 : 0;
}

static int
setup_multi(struct httpc *c)
{
	c->multi = curl_multi_init();
	c->timer = evtimer_new(c->base, on_timer, c);
	c->headers = curl_slist_append(NULL, "Expect:");
	if (c->multi == NULL || c->timer == NULL || c->headers == NULL)
		return -1;
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
			  (long)c->cfg.max_host_connections);
	curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, (long)c->cfg.max_in_flight);
	return 0;
}

static char *
dup_or_null(const char *s, bool *fail)
{
	char *d;

	if (s == NULL)
		return NULL;
	d = strdup(s);
	if (d == NULL)
		*fail = true;
	return d;
}

static struct cidr *
dup_nets(const struct cidr *v, size_t n, bool *fail)
{
	struct cidr *d;

	if (n == 0 || v == NULL)
		return NULL;
	d = calloc(n, sizeof(*d));
	if (d == NULL) {
		*fail = true;
		return NULL;
	}
	memcpy(d, v, n * sizeof(*d));
	return d;
}

/* Copies cfg's guard lists and name into c and points c->cfg at the copies. */
static int
copy_guard(struct httpc *c)
{
	bool fail = false;

	if (c->cfg.n_deny == 0) {
		c->cfg.n_allow = 0;
		c->cfg.deny = c->cfg.allow = NULL;
		c->cfg.deny_name = NULL;
		return 0;
	}
	if (c->cfg.n_allow == 0)
		c->cfg.allow = NULL;
	c->deny = dup_nets(c->cfg.deny, c->cfg.n_deny, &fail);
	c->allow = dup_nets(c->cfg.allow, c->cfg.n_allow, &fail);
	c->deny_name = dup_or_null(c->cfg.deny_name ? c->cfg.deny_name :
	    "the deny list", &fail);
	if (fail || c->deny == NULL || (c->cfg.n_allow && c->allow == NULL))
		return -1;
	c->cfg.deny = c->deny;
	c->cfg.allow = c->allow;
	c->cfg.deny_name = c->deny_name;
	return 0;
}

struct httpc *
httpc_new(struct event_base *base, const struct httpc_config *cfg)
{
	struct httpc *c;
	bool fail = false;

	if (base == NULL)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->base = base;
	if (cfg)
		c->cfg = *cfg;
	if (c->cfg.max_in_flight == 0)
		c->cfg.max_in_flight = 64;
	if (c->cfg.max_queued == 0)
		c->cfg.max_queued = 10000;
	if (c->cfg.max_host_connections == 0)
		c->cfg.max_host_connections = c->cfg.max_in_flight;
	if (c->cfg.max_body == 0)
		c->cfg.max_body = 64u * 1024u;
	if (c->cfg.connect_timeout_ms == 0)
		c->cfg.connect_timeout_ms = 5000;
	if (c->cfg.timeout_ms == 0)
		c->cfg.timeout_ms = 30000;
	c->user_agent = dup_or_null(c->cfg.user_agent ? c->cfg.user_agent : "hermod", &fail);
	c->ca_file = dup_or_null(c->cfg.ca_file, &fail);
	c->cfg.user_agent = c->user_agent;
	c->cfg.ca_file = c->ca_file;
	if (!fail && copy_guard(c) < 0)
		fail = true;
	if (fail || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		goto fail;
	c->global_init = true;
	if (setup_multi(c) < 0)
		goto fail;
	return c;
fail:
	httpc_free(c);
	return NULL;
}

void
httpc_free(struct httpc *c)
{
	struct httpc_xfer *x;
	struct httpc_sock *hs;

	if (c == NULL)
		return;
	c->closing = true;
	while ((x = c->q_head) != NULL) {
		c->q_head = x->next;
		c->n_queued--;
		xfer_finish(x, CURLE_OK, true);
	}
	c->q_tail = NULL;
	while ((x = c->running) != NULL) {
		list_unlink(&c->running, x);
		c->n_running--;
		curl_multi_remove_handle(c->multi, x->easy);
		xfer_finish(x, CURLE_OK, true);
	}
	if (c->multi)
		curl_multi_cleanup(c->multi);
	while ((hs = c->socks) != NULL)
		sock_free(hs);
	if (c->timer)
		event_free(c->timer);
	curl_slist_free_all(c->headers);
	if (c->global_init)
		curl_global_cleanup();
	free(c->user_agent);
	free(c->ca_file);
	free(c->deny);
	free(c->allow);
	free(c->deny_name);
	free(c);
}

static bool
url_ok(const char *url)
{
	return strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0;
}

static int
setup_easy(struct httpc *c, struct httpc_xfer *x, const char *url,
	   const struct httpc_opts *o)
{
	unsigned cto = o && o->connect_timeout_ms ? o->connect_timeout_ms : c->cfg.connect_timeout_ms;
	unsigned to = o && o->timeout_ms ? o->timeout_ms : c->cfg.timeout_ms;
	CURL *e;
	int bad = 0;

	x->easy = e = curl_easy_init();
	if (e == NULL)
		return -1;
	bad |= curl_easy_setopt(e, CURLOPT_URL, url) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)(void *)x) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_WRITEDATA, x) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)cto) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)to) != CURLE_OK;
#if LIBCURL_VERSION_NUM >= 0x075500
	bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
#else
	bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS,
				(long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)) != CURLE_OK;
#endif
	bad |= curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, on_open_socket) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, x) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_USERAGENT, c->user_agent) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->headers) != CURLE_OK;
	if (c->ca_file)
		bad |= curl_easy_setopt(e, CURLOPT_CAINFO, c->ca_file) != CURLE_OK;
	if (x->post)
		bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->post) != CURLE_OK;
	return bad ? -1 : 0;
}

static int
submit(struct httpc *c, const char *url, const char *body, size_t body_len,
       bool post, const struct httpc_opts *o, httpc_done_fn *done, void *arg)
{
	struct httpc_xfer *x;

	if (c == NULL || url == NULL || done == NULL || c->closing || !url_ok(url))
		return -1;
	if (c->n_running >= c->cfg.max_in_flight && c->n_queued >= c->cfg.max_queued)
		return -1;
	x = calloc(1, sizeof(*x));
	if (x == NULL)
		return -1;
	x->c = c;
	x->done = done;
	x->arg = arg;
	x->t0 = now_ms();
	if (post) {
		x->post = malloc(body_len + 1);
		if (x->post == NULL)
			goto fail;
		if (body_len)
			memcpy(x->post, body, body_len);
		x->post[body_len] = '\0';
	}
	if (setup_easy(c, x, url, o) < 0)
		goto fail;
	if (post && curl_easy_setopt(x->easy, CURLOPT_POSTFIELDSIZE_LARGE,
				     (curl_off_t)body_len) != CURLE_OK)
		goto fail;
	if (c->n_running < c->cfg.max_in_flight) {
		if (curl_multi_add_handle(c->multi, x->easy) != CURLM_OK)
			goto fail;
		list_push(&c->running, x);
		c->n_running++;
		return 0;
	}
	if (c->q_tail)
		c->q_tail->next = x;
	else
		c->q_head = x;
	x->prev = c->q_tail;
	c->q_tail = x;
	c->n_queued++;
	return 0;
fail:
	xfer_free(x);
	return -1;
}

int
httpc_get(struct httpc *c, const char *url, const struct httpc_opts *o,
	  httpc_done_fn *done, void *arg)
{
	return submit(c, url, NULL, 0, false, o, done, arg);
}

int
httpc_post_form(struct httpc *c, const char *url, const char *body,
		size_t body_len, const struct httpc_opts *o,
		httpc_done_fn *done, void *arg)
{
	if (body == NULL && body_len > 0)
		return -1;
	return submit(c, url, body, body_len, true, o, done, arg);
}

unsigned
httpc_in_flight(const struct httpc *c)
{
	return c->n_running;
}

unsigned
httpc_queued(const struct httpc *c)
{
	return c->n_queued;
}
