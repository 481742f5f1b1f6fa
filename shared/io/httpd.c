/*
 * httpd — libmicrohttpd in external-loop epoll mode on a libevent event_base.
 *
 * Per connection (MHD_OPTION_NOTIFY_CONNECTION) a struct httpd_conn keeps the
 * raw request URI that MHD_OPTION_URI_LOG_CALLBACK reports before MHD decodes
 * it, so the caller gets the query string exactly as sent. Per request a
 * struct httpd_req lives from the first access-handler call to
 * MHD_OPTION_NOTIFY_COMPLETED. An answer given later than the handler call
 * resumes the suspended connection and kicks MHD_run() from a zero timer.
 */
#include "config.h"
#include "shared/io/httpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <event2/event.h>
#include <microhttpd.h>

#include "shared/codec/cidr.h"
#include "shared/io/log.h"

#define HTTPD_DISCARD_FACTOR 4	/* chunked bodies: read at most 4x max, then drop */
#define HTTPD_STATIC_MAX 16	/* httpd_answer_static() answers kept */

struct httpd_conn {
	char *uri;		/* raw URI of the current request, or NULL */
	unsigned long long t0;	/* when its request line arrived */
};

struct httpd_req {
	struct httpd *d;
	struct MHD_Connection *conn;
	struct httpd_req *prev, *next;	/* pending list: handed, unanswered */
	char *method;		/* method and path share one allocation */
	char *path;
	char *uri;		/* taken from the httpd_conn */
	const char *query;	/* into uri, or "" */
	char client_ip[INET6_ADDRSTRLEN];
	char *body;
	size_t body_len, body_cap;
	size_t discarded;
	unsigned long long t0;
	struct MHD_Response *resp;	/* answer not yet queued */
	unsigned status;
	size_t answer_len;
	char note[HTTPD_NOTE_MAX];	/* httpd_req_note(), or "" */
	const char *xh_name, *xh_value;	/* httpd_req_answer_header() */
	bool too_big, handed, answered, queued, in_handler, suspended;
	bool resp_shared;	/* resp belongs to the server, not to req */
};

/* One httpd_answer_static() answer: MHD counts the connections using it. */
struct httpd_static {
	const char *content_type, *body;	/* the caller's, by address */
	struct MHD_Response *resp;
};

struct httpd {
	struct event_base *base;
	struct MHD_Daemon *mhd;
	struct event *ev_epoll;
	struct event *ev_timer;
	struct httpd_config cfg;
	char *address;
	unsigned port;
	struct httpd_req *pending;
	unsigned n_pending;
	struct MHD_Response *resp_500;
	struct MHD_Response *resp_413;
	size_t len_413;
	struct cidr *trusted;		/* copy of cfg.trusted_proxies */
	struct httpd_static statics[HTTPD_STATIC_MAX];
	size_t nstatics;
};

static unsigned long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000u + (unsigned long long)ts.tv_nsec / 1000000u;
}

__attribute__((format(printf, 2, 0)))
static void
mhd_logger(void *cls, const char *fmt, va_list ap)
{
	char buf[512];
	size_t n;

	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	log_warn("httpd: %s", buf);
}

static unsigned
connections(struct httpd *d)
{
	const union MHD_DaemonInfo *di;

	di = MHD_get_daemon_info(d->mhd, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
	return di ? di->num_connections : 0;
}

/*
 * Runs MHD and re-arms the timer from MHD_get_timeout(). At the connection
 * limit MHD takes its listening socket out of its epoll set and puts it back
 * only at the start of a later MHD_run(): when this run closed a connection
 * there, nothing else would wake us, so run again at once.
 */
static void
httpd_run(struct httpd *d)
{
	MHD_UNSIGNED_LONG_LONG ms;
	struct timeval tv;
	bool at_limit = connections(d) >= d->cfg.max_connections;

	MHD_run(d->mhd);
	if (at_limit && connections(d) < d->cfg.max_connections)
		MHD_run(d->mhd);
	if (MHD_get_timeout(d->mhd, &ms) == MHD_YES) {
		if (ms > 3600000u)
			ms = 3600000u;
		tv.tv_sec = (time_t)(ms / 1000u);
		tv.tv_usec = (suseconds_t)(ms % 1000u) * 1000;
		evtimer_add(d->ev_timer, &tv);
	} else {
		evtimer_del(d->ev_timer);
	}
}

static void
httpd_kick(struct httpd *d)
{
	struct timeval zero = { 0, 0 };

	evtimer_add(d->ev_timer, &zero);
}

static void
on_epoll(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	httpd_run(arg);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	httpd_run(arg);
}

static void
pending_unlink(struct httpd_req *req)
{
	struct httpd *d = req->d;

	if (!req->handed)
		return;
	req->handed = false;
	if (req->prev)
		req->prev->next = req->next;
	else
		d->pending = req->next;
	if (req->next)
		req->next->prev = req->prev;
	req->prev = req->next = NULL;
	d->n_pending--;
}

static void
on_connection(void *cls, struct MHD_Connection *connection, void **socket_context,
	      enum MHD_ConnectionNotificationCode toe)
{
	struct httpd_conn *hc;

	(void)cls;
	(void)connection;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		*socket_context = calloc(1, sizeof(struct httpd_conn));
		return;
	}
	hc = *socket_context;
	if (hc) {
		free(hc->uri);
		free(hc);
	}
	*socket_context = NULL;
}

static struct httpd_conn *
conn_ctx(struct MHD_Connection *connection)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *connection)
{
	struct httpd_conn *hc = conn_ctx(connection);
	size_t n;

	(void)cls;
	if (hc == NULL)
		return NULL;
	free(hc->uri);
	hc->uri = NULL;
	hc->t0 = now_ms();
	/* bounded by MHD's per-connection memory pool (32 KiB) */
	n = strlen(uri);
	hc->uri = malloc(n + 1);
	if (hc->uri)
		memcpy(hc->uri, uri, n + 1);
	return NULL;
}

static void
client_ip(struct MHD_Connection *connection, char *out, size_t outsz)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;

	snprintf(out, outsz, "?");
	ci = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || ci->client_addr == NULL)
		return;
	sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
			  out, (socklen_t)outsz);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
			  out, (socklen_t)outsz);
}

/* X-Forwarded-For occurrences joined with ',', keeping the rightmost
 * HTTPD_XFF_MAX - 1 bytes. */
struct xff_buf {
	char text[HTTPD_XFF_MAX];
	size_t len;
	bool seen;
};

static void
xff_keep(struct xff_buf *x, const char *v, size_t n)
{
	size_t cap = sizeof(x->text) - 1, drop;

	if (n >= cap) {		/* only its tail fits */
		memcpy(x->text, v + n - cap, cap);
		x->len = cap;
		return;
	}
	if (x->len + n > cap) {
		drop = x->len + n - cap;
		memmove(x->text, x->text + drop, x->len - drop);
		x->len -= drop;
	}
	memcpy(x->text + x->len, v, n);
	x->len += n;
}

static enum MHD_Result
xff_collect(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct xff_buf *x = cls;

	(void)kind;
	if (key == NULL || value == NULL || strcasecmp(key, "X-Forwarded-For") != 0)
		return MHD_YES;
	if (x->seen)
		xff_keep(x, ",", 1);
	xff_keep(x, value, strlen(value));
	x->seen = true;
	return MHD_YES;
}

/*
 * Replaces req->client_ip (the peer) by the client X-Forwarded-For names
 * when the peer is a trusted proxy. A cut at the front of a long header
 * leaves at worst a partial leftmost entry, which is only read when every
 * entry after it is a trusted proxy.
 */
static void
client_forwarded(struct httpd_req *req, struct MHD_Connection *connection)
{
	const struct httpd *d = req->d;
	struct xff_buf *x;
	struct cidr peer, client;
	char text[CIDR_TEXT_MAX];
	int n;

	if (d->cfg.n_trusted_proxies == 0 ||
	    cidr_parse_addr(req->client_ip, strlen(req->client_ip), &peer) < 0 ||
	    cidr_list_match(d->trusted, d->cfg.n_trusted_proxies, &peer) == NULL)
		return;
	x = calloc(1, sizeof(*x));
	if (x == NULL)
		return;
	MHD_get_connection_values(connection, MHD_HEADER_KIND, xff_collect, x);
	if (x->seen && cidr_forwarded_client(x->text, x->len, d->trusted,
	    d->cfg.n_trusted_proxies, &client) >= 0 &&
	    (n = cidr_format(&client, text, sizeof(text))) > 0 &&
	    (size_t)n < sizeof(req->client_ip))
		memcpy(req->client_ip, text, (size_t)n + 1);
	free(x);
}

static bool
access_logged(const struct httpd *d)
{
	if (d->cfg.access != NULL)
		return true;
	return !d->cfg.quiet && log_enabled(LOG_LEVEL_INFO);
}

static void
access_log(struct httpd_req *req)
{
	struct httpd *d = req->d;
	struct httpd_access a;
	char q[1024];

	if (!access_logged(d))
		return;
	if (httpd_redact_query(req->query, q, sizeof(q)) < 0 && sizeof(q) > 4)
		memcpy(q + sizeof(q) - 4, "...", 4);
	a.method = req->method;
	a.path = req->path;
	a.query = q;
	a.client_ip = req->client_ip;
	a.status = req->status;
	a.body_len = req->body_len;
	a.answer_len = req->answer_len;
	a.ms = now_ms() - req->t0;
	a.note = req->note;
	if (d->cfg.access) {
		d->cfg.access(&a, d->cfg.access_arg);
		return;
	}
	log_info("http %s %s%s%s status=%u ip=%s in=%zu out=%zu ms=%llu%s%s",
		 a.method, a.path, a.query[0] ? "?" : "", a.query, a.status,
		 a.client_ip, a.body_len, a.answer_len, a.ms,
		 a.note[0] ? " " : "", a.note);
}

static void
req_free(struct httpd_req *req)
{
	if (req == NULL)
		return;
	pending_unlink(req);
	if (req->resp && !req->resp_shared)
		MHD_destroy_response(req->resp);
	free(req->method);
	free(req->uri);
	free(req->body);
	free(req);
}

static void
on_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
	     enum MHD_RequestTerminationCode toe)
{
	struct httpd_req *req = *con_cls;

	(void)cls;
	(void)connection;
	(void)toe;
	if (req == NULL)
		return;
	if (req->method)
		access_log(req);
	req_free(req);
	*con_cls = NULL;
}

/* Queues req->resp; returns MHD's verdict for the access handler. */
static enum MHD_Result
queue_answer(struct httpd_req *req)
{
	struct MHD_Response *resp = req->resp;
	enum MHD_Result r;

	req->resp = NULL;
	req->queued = true;
	r = MHD_queue_response(req->conn, req->status, resp);
	if (!req->resp_shared)
		MHD_destroy_response(resp);
	return r;
}

static struct httpd_req *
req_start(struct httpd *d, struct MHD_Connection *connection, const char *url,
	  const char *method)
{
	struct httpd_conn *hc = conn_ctx(connection);
	struct httpd_req *req;
	size_t ml = strlen(method), ul = strlen(url);
	char *q;

	req = calloc(1, sizeof(*req));
	if (req == NULL)
		return NULL;
	req->d = d;
	req->conn = connection;
	req->method = malloc(ml + ul + 2);
	if (req->method == NULL) {
		free(req);
		return NULL;
	}
	memcpy(req->method, method, ml + 1);
	req->path = req->method + ml + 1;
	memcpy(req->path, url, ul + 1);
	req->query = "";
	req->t0 = now_ms();
	if (hc) {
		req->uri = hc->uri;
		hc->uri = NULL;
		req->t0 = hc->t0;
	}
	if (req->uri && (q = strchr(req->uri, '?')) != NULL) {
		*q = '\0';
		req->query = q + 1;
	}
	client_ip(connection, req->client_ip, sizeof(req->client_ip));
	client_forwarded(req, connection);
	return req;
}

/* True when the declared Content-Length exceeds the cap. */
static bool
declared_too_big(struct MHD_Connection *connection, size_t max)
{
	const char *cl;
	char *end;
	unsigned long long v;

	cl = MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
					 MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl == NULL)
		return false;
	errno = 0;
	v = strtoull(cl, &end, 10);
	if (end == cl)
		return false;
	return errno == ERANGE || v > max;
}

/* Keeps up to max body bytes; returns false to drop the connection. */
static bool
body_append(struct httpd_req *req, const char *data, size_t n)
{
	size_t max = req->d->cfg.max_body, cap;
	char *nb;

	if (req->too_big || n > max - req->body_len) {
		req->too_big = true;
		req->discarded += n;
		return req->discarded / HTTPD_DISCARD_FACTOR <= max;
	}
	if (req->body_len + n + 1 > req->body_cap) {
		cap = req->body_cap ? req->body_cap : 1024;
		while (cap < req->body_len + n + 1)
			cap *= 2;
		if (cap > max + 1)
			cap = max + 1;
		nb = realloc(req->body, cap);
		if (nb == NULL)
			return false;
		req->body = nb;
		req->body_cap = cap;
	}
	memcpy(req->body + req->body_len, data, n);
	req->body_len += n;
	req->body[req->body_len] = '\0';
	return true;
}

static enum MHD_Result
answer_500(struct httpd_req *req)
{
	req->status = 500;
	req->resp = req->d->resp_500;
	req->resp_shared = true;
	return queue_answer(req);
}

static enum MHD_Result
answer_413(struct httpd_req *req)
{
	req->status = 413;
	req->resp = req->d->resp_413;
	req->resp_shared = true;
	req->answer_len = req->d->len_413;
	return queue_answer(req);
}

static void
hand_to_handler(struct httpd *d, struct httpd_req *req)
{
	req->handed = true;
	req->next = d->pending;
	if (d->pending)
		d->pending->prev = req;
	d->pending = req;
	d->n_pending++;
	req->in_handler = true;
	d->cfg.handler(req, d->cfg.handler_arg);
	req->in_handler = false;
}

static enum MHD_Result
on_access(void *cls, struct MHD_Connection *connection, const char *url,
	  const char *method, const char *version, const char *upload_data,
	  size_t *upload_data_size, void **con_cls)
{
	struct httpd *d = cls;
	struct httpd_req *req = *con_cls;

	(void)version;
	if (req == NULL) {
		req = req_start(d, connection, url, method);
		if (req == NULL)
			return MHD_NO;
		*con_cls = req;
		if (req->uri == NULL)
			return answer_500(req);	/* out of memory: no raw query */
		if (declared_too_big(connection, d->cfg.max_body)) {
			req->too_big = true;
			return answer_413(req);
		}
		return MHD_YES;
	}
	if (req->queued) {
		/* an early 413: MHD may still pass us the body it reads */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (!body_append(req, upload_data, *upload_data_size))
			return MHD_NO;
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (req->answered) {
		/* resumed after a late answer */
		req->suspended = false;
		return queue_answer(req);
	}
	if (req->too_big)
		return answer_413(req);
	hand_to_handler(d, req);
	if (req->answered)
		return queue_answer(req);
	req->suspended = true;
	MHD_suspend_connection(connection);
	return MHD_YES;
}

/* A host name ("localhost"): its first address. Blocks on DNS, which is
 * fine here: a server is made at start-up, before the loop runs. */
static int
parse_bind_name(const char *address, unsigned port, struct sockaddr_storage *ss,
		unsigned *flags)
{
	struct addrinfo hints, *res = NULL;
	int rc = -1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if (getaddrinfo(address, NULL, &hints, &res) != 0 || res == NULL)
		return -1;
	if (res->ai_addrlen <= sizeof(*ss)) {
		memcpy(ss, res->ai_addr, res->ai_addrlen);
		if (res->ai_family == AF_INET6) {
			((struct sockaddr_in6 *)(void *)ss)->sin6_port =
				htons((uint16_t)port);
			*flags |= MHD_USE_IPv6;
			rc = 0;
		} else if (res->ai_family == AF_INET) {
			((struct sockaddr_in *)(void *)ss)->sin_port =
				htons((uint16_t)port);
			rc = 0;
		}
	}
	freeaddrinfo(res);
	return rc;
}

static int
parse_bind(const char *address, unsigned port, struct sockaddr_storage *ss,
	   unsigned *flags)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)(void *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)(void *)ss;

	memset(ss, 0, sizeof(*ss));
	if (port > 65535)
		return -1;
	if (address == NULL || address[0] == '\0') {
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_ANY);
		sin->sin_port = htons((uint16_t)port);
		return 0;
	}
	if (inet_pton(AF_INET, address, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		return 0;
	}
	if (inet_pton(AF_INET6, address, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*flags |= MHD_USE_IPv6;
		return 0;
	}
	return parse_bind_name(address, port, ss, flags);
}

static struct MHD_Response *
text_response(const char *text)
{
	struct MHD_Response *r;

	r = MHD_create_response_from_buffer(strlen(text), (void *)(uintptr_t)text,
					    MHD_RESPMEM_MUST_COPY);
	if (r && MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
					 "text/plain; charset=utf-8") == MHD_NO) {
		MHD_destroy_response(r);
		r = NULL;
	}
	return r;
}

static int
httpd_start(struct httpd *d)
{
	struct sockaddr_storage ss;
	unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	const union MHD_DaemonInfo *di;
	char text[96];

	if (parse_bind(d->address, d->cfg.port, &ss, &flags) < 0) {
		log_error("httpd: bad listen address address=%s port=%u",
			  d->address ? d->address : "", d->cfg.port);
		return -1;
	}
	snprintf(text, sizeof(text), "request body too large (max %zu bytes)\n",
		 d->cfg.max_body);
	d->len_413 = strlen(text);
	d->resp_413 = text_response(text);
	d->resp_500 = text_response("internal error\n");
	if (d->resp_413 == NULL || d->resp_500 == NULL)
		return -1;
	d->mhd = MHD_start_daemon(flags, (uint16_t)d->cfg.port, NULL, NULL, on_access, d,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, (void *)d,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)d->cfg.max_connections,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)d->cfg.idle_timeout_s,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, (void *)d,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, (void *)d,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, (void *)d,
		MHD_OPTION_END);
	if (d->mhd == NULL) {
		log_error("httpd: cannot listen address=%s port=%u",
			  d->address ? d->address : "*", d->cfg.port);
		return -1;
	}
	di = MHD_get_daemon_info(d->mhd, MHD_DAEMON_INFO_BIND_PORT);
	d->port = di ? di->port : d->cfg.port;
	di = MHD_get_daemon_info(d->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (di == NULL)
		return -1;
	d->ev_epoll = event_new(d->base, di->epoll_fd, EV_READ | EV_PERSIST, on_epoll, d);
	d->ev_timer = evtimer_new(d->base, on_timer, d);
	if (d->ev_epoll == NULL || d->ev_timer == NULL || event_add(d->ev_epoll, NULL) < 0)
		return -1;
	return 0;
}

struct httpd *
httpd_new(struct event_base *base, const struct httpd_config *cfg)
{
	struct httpd *d;

	if (base == NULL || cfg == NULL || cfg->handler == NULL)
		return NULL;
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return NULL;
	d->base = base;
	d->cfg = *cfg;
	if (d->cfg.max_body == 0)
		d->cfg.max_body = HTTPD_DEFAULT_MAX_BODY;
	if (d->cfg.max_connections == 0)
		d->cfg.max_connections = 1024;
	if (d->cfg.idle_timeout_s == 0)
		d->cfg.idle_timeout_s = 30;
	if (cfg->address && (d->address = strdup(cfg->address)) == NULL)
		goto fail;
	d->cfg.address = d->address;
	if (d->cfg.n_trusted_proxies == 0 || d->cfg.trusted_proxies == NULL) {
		d->cfg.n_trusted_proxies = 0;
	} else {
		d->trusted = calloc(d->cfg.n_trusted_proxies, sizeof(*d->trusted));
		if (d->trusted == NULL)
			goto fail;
		memcpy(d->trusted, cfg->trusted_proxies,
		       d->cfg.n_trusted_proxies * sizeof(*d->trusted));
	}
	d->cfg.trusted_proxies = d->trusted;
	if (httpd_start(d) < 0)
		goto fail;
	httpd_run(d);
	log_info("httpd: listening address=%s port=%u",
		 d->address && d->address[0] ? d->address : "*", d->port);
	return d;
fail:
	httpd_free(d);
	return NULL;
}

void
httpd_free(struct httpd *d)
{
	if (d == NULL)
		return;
	while (d->pending)
		httpd_answer(d->pending, MHD_HTTP_SERVICE_UNAVAILABLE, NULL,
			     "shutting down\n", 14);
	if (d->ev_epoll)
		event_free(d->ev_epoll);
	if (d->ev_timer)
		event_free(d->ev_timer);
	if (d->mhd) {
		/* lets resumed connections queue their 503 before the close */
		MHD_run(d->mhd);
		MHD_stop_daemon(d->mhd);
	}
	if (d->resp_413)
		MHD_destroy_response(d->resp_413);
	if (d->resp_500)
		MHD_destroy_response(d->resp_500);
	for (size_t i = 0; i < d->nstatics; i++)
		MHD_destroy_response(d->statics[i].resp);
	free(d->address);
	free(d->trusted);
	free(d);
}

unsigned
httpd_port(const struct httpd *d)
{
	return d->port;
}

unsigned
httpd_pending(const struct httpd *d)
{
	return d->n_pending;
}

const char *
httpd_req_method(const struct httpd_req *req)
{
	return req->method;
}

const char *
httpd_req_path(const struct httpd_req *req)
{
	return req->path;
}

const char *
httpd_req_query(const struct httpd_req *req)
{
	return req->query;
}

const char *
httpd_req_header(const struct httpd_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *
httpd_req_client_ip(const struct httpd_req *req)
{
	return req->client_ip;
}

const char *
httpd_req_body(const struct httpd_req *req, size_t *len)
{
	if (len)
		*len = req->body_len;
	return req->body ? req->body : "";
}

void
httpd_req_note(struct httpd_req *req, const char *fmt, ...)
{
	va_list ap;

	if (!access_logged(req->d))
		return;
	va_start(ap, fmt);
	vsnprintf(req->note, sizeof(req->note), fmt, ap);
	va_end(ap);
}

/* Sets req's answer and wakes its connection when it waits suspended. */
static void
answer_set(struct httpd_req *req, struct MHD_Response *resp, unsigned status,
	   size_t body_len)
{
	req->resp = resp;
	req->status = status;
	req->answer_len = body_len;
	if (!req->in_handler && req->suspended) {
		MHD_resume_connection(req->conn);
		httpd_kick(req->d);
	}
}

int
httpd_answer(struct httpd_req *req, unsigned status, const char *content_type,
	     const char *body, size_t body_len)
{
	struct httpd *d = req->d;
	struct MHD_Response *resp;
	int rc = 0;

	if (req->answered) {
		log_error("httpd: request answered twice path=%s", req->path);
		return -1;
	}
	req->answered = true;
	pending_unlink(req);
	if (status < 100 || status > 599)
		status = MHD_HTTP_INTERNAL_SERVER_ERROR;
	resp = MHD_create_response_from_buffer(body_len, (void *)(uintptr_t)(body ? body : ""),
					       MHD_RESPMEM_MUST_COPY);
	if (resp && MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
			content_type ? content_type : "text/plain; charset=utf-8") == MHD_NO) {
		MHD_destroy_response(resp);
		resp = NULL;
	}
	if (resp && req->xh_name != NULL &&
	    MHD_add_response_header(resp, req->xh_name, req->xh_value) == MHD_NO) {
		MHD_destroy_response(resp);
		resp = NULL;
	}
	if (resp == NULL) {
		resp = d->resp_500;
		status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		body_len = 0;
		rc = -1;
	}
	req->resp_shared = resp == d->resp_500;
	answer_set(req, resp, status, body_len);
	return rc;
}

/* The kept response for (content_type, body), made on first use; NULL when
 * none can be kept. */
static struct MHD_Response *
static_response(struct httpd *d, const char *content_type, const char *body)
{
	struct httpd_static *st;

	for (size_t i = 0; i < d->nstatics; i++)
		if (d->statics[i].body == body &&
		    d->statics[i].content_type == content_type)
			return d->statics[i].resp;
	if (d->nstatics == HTTPD_STATIC_MAX)
		return NULL;
	st = &d->statics[d->nstatics];
	st->resp = MHD_create_response_from_buffer(strlen(body),
			(void *)(uintptr_t)body, MHD_RESPMEM_PERSISTENT);
	if (st->resp == NULL)
		return NULL;
	if (MHD_add_response_header(st->resp, MHD_HTTP_HEADER_CONTENT_TYPE,
			content_type ? content_type : "text/plain; charset=utf-8") == MHD_NO) {
		MHD_destroy_response(st->resp);
		return NULL;
	}
	st->content_type = content_type;
	st->body = body;
	d->nstatics++;
	return st->resp;
}

int
httpd_answer_static(struct httpd_req *req, unsigned status,
		    const char *content_type, const char *body)
{
	struct httpd *d = req->d;
	struct MHD_Response *resp;

	if (req->answered || req->xh_name != NULL || status < 100 || status > 599 ||
	    (resp = static_response(d, content_type, body)) == NULL)
		return httpd_answer(req, status, content_type, body, strlen(body));
	req->answered = true;
	pending_unlink(req);
	req->resp_shared = true;
	answer_set(req, resp, status, strlen(body));
	return 0;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* True when the (percent-encoded) parameter name is pass, password or pwd. */
static bool
name_is_secret(const char *p, size_t n)
{
	char name[16];
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (o + 1 >= sizeof(name))
			return false;
		if (p[i] == '%' && i + 2 < n && (hi = hexval(p[i + 1])) >= 0 &&
		    (lo = hexval(p[i + 2])) >= 0) {
			name[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			name[o++] = p[i] == '+' ? ' ' : p[i];
		}
	}
	name[o] = '\0';
	return strcasecmp(name, "pass") == 0 || strcasecmp(name, "password") == 0 ||
	       strcasecmp(name, "pwd") == 0;
}

static bool
put(char *out, size_t outsz, size_t *o, const char *s, size_t n)
{
	size_t room = outsz - 1 - *o;
	bool fits = n <= room;

	if (!fits)
		n = room;
	memcpy(out + *o, s, n);
	*o += n;
	out[*o] = '\0';
	return fits;
}

int
httpd_redact_query(const char *query, char *out, size_t outsz)
{
	const char *p = query, *end, *eq;
	size_t o = 0;
	bool ok = true;

	if (outsz == 0)
		return -1;
	out[0] = '\0';
	while (ok && *p) {
		end = p + strcspn(p, "&");
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq && name_is_secret(p, (size_t)(eq - p)))
			ok = put(out, outsz, &o, p, (size_t)(eq - p)) &&
			     put(out, outsz, &o, "=***", 4);
		else
			ok = put(out, outsz, &o, p, (size_t)(end - p));
		if (ok && *end == '&')
			ok = put(out, outsz, &o, "&", 1);
		p = *end ? end + 1 : end;
	}
	return ok ? (int)o : -1;
}

void
httpd_req_answer_header(struct httpd_req *req, const char *name,
			const char *value)
{
	req->xh_name = name;
	req->xh_value = value;
}
