/*
 * conn — TCP/TLS client connections and listeners on libevent bufferevents
 * (bufferevent_openssl for TLS). Callbacks are deferred (BEV_OPT_DEFER_CALLBACKS)
 * so that callers may free a connection from any callback. Per connection we
 * keep one small struct plus the bufferevent; TLS contexts are shared and
 * SSL_MODE_RELEASE_BUFFERS frees OpenSSL's record buffers while idle.
 * Layer: shared/io.
 */
#include "config.h"
#include "shared/io/conn.h"

#include <errno.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "shared/io/log.h"
#include "shared/io/loop.h"

#define CONN_READ_MAX_DEFAULT (64 * 1024)
#define CONN_TIMEOUT_DEFAULT_MS 10000U
#define CONN_CLOSE_FLUSH_MS 5000U
#define CONN_ACCEPT_PAUSE_MS 1000UL
#define CONN_ADDRS_MAX 16	/* addresses of a name tried, at most */

struct conn_tls {
	SSL_CTX *ctx;
	bool verify;
};

struct conn {
	struct bufferevent *bev;
	const struct conn_callbacks *cb;
	void *arg;
	bool tls;
	bool connecting;	/* outgoing, not yet connected */
	bool accepting;		/* incoming TLS, handshake not done */
	bool closing;		/* conn_close() called */
	bool user_paused;	/* conn_read_enable(c, false) */
	bool limit_paused;	/* TLS: input reached read_max */
	bool in_data;		/* inside on_data */
	bool dead;		/* conn_free() called inside on_data */
	size_t read_max;
	char peer[64];
	/* Outgoing: what trying the next address of the host needs. */
	struct loop *loop;
	struct conn_tls ctls;	/* ctx referenced; NULL ctx: plain TCP */
	char *tls_name;
	unsigned timeout_ms;
	struct evutil_addrinfo *ai;	/* the host's addresses (owned) */
	struct evutil_addrinfo *ai_next;	/* the next one to try */
	unsigned tries;
	bool bev_used;		/* bev has been connected once */
	struct evdns_getaddrinfo_request *dns;	/* lookup under way */
	struct loop_timer *dns_timer;	/* its deadline */
	bool in_lookup;		/* inside evdns_getaddrinfo() */
	bool looked_up;		/* ... which answered at once */
	int dns_err;
};

struct conn_listener {
	struct loop *loop;
	struct evconnlistener *lev;
	SSL_CTX *ctx;		/* own reference, or NULL */
	size_t read_max;
	unsigned hs_timeout_ms;
	conn_accept_fn *on_accept;
	void *arg;
	int port;
	struct loop_timer *pause;
};

/* ------------------------------------------------------------ TLS contexts */

static void conn_log_ssl_error(const char *what, const char *file)
{
	char buf[256];
	unsigned long e = ERR_get_error();

	ERR_error_string_n(e, buf, sizeof(buf));
	log_error("%s file=%s error=\"%s\"", what, file ? file : "-", buf);
	ERR_clear_error();
}

static SSL_CTX *conn_ctx_new(const SSL_METHOD *m)
{
	SSL_CTX *ctx = SSL_CTX_new(m);

	if (ctx == NULL)
		return NULL;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	/* Idle connections give their record buffers back (~34 KiB each). */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS |
				      SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
				      SSL_MODE_ENABLE_PARTIAL_WRITE);
	return ctx;
}

struct conn_tls *conn_tls_client_new(const char *ca_file, bool verify)
{
	struct conn_tls *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->ctx = conn_ctx_new(TLS_client_method());
	if (t->ctx == NULL) {
		conn_log_ssl_error("tls client context failed", NULL);
		goto fail;
	}
	t->verify = verify;
	if (verify) {
		SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
		if ((ca_file != NULL &&
		     SSL_CTX_load_verify_locations(t->ctx, ca_file, NULL) != 1) ||
		    (ca_file == NULL &&
		     SSL_CTX_set_default_verify_paths(t->ctx) != 1)) {
			conn_log_ssl_error("tls CA load failed", ca_file);
			goto fail;
		}
	}
	return t;
fail:
	conn_tls_free(t);
	return NULL;
}

struct conn_tls *conn_tls_server_new(const char *cert_file,
				     const char *key_file)
{
	struct conn_tls *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->ctx = conn_ctx_new(TLS_server_method());
	if (t->ctx == NULL) {
		conn_log_ssl_error("tls server context failed", NULL);
		goto fail;
	}
	/* No session resumption: SMPP binds are long-lived, and each cached
	 * session or TLS 1.3 ticket costs kilobytes per connection. */
	SSL_CTX_set_session_cache_mode(t->ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(t->ctx, 0);
	if (SSL_CTX_use_certificate_chain_file(t->ctx, cert_file) != 1) {
		conn_log_ssl_error("tls certificate load failed", cert_file);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(t->ctx, key_file, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(t->ctx) != 1) {
		conn_log_ssl_error("tls key load failed", key_file);
		goto fail;
	}
	return t;
fail:
	conn_tls_free(t);
	return NULL;
}

void conn_tls_free(struct conn_tls *t)
{
	if (t == NULL)
		return;
	SSL_CTX_free(t->ctx);
	free(t);
}

/* ------------------------------------------------------------ connections */

static void conn_sockaddr_text(const struct sockaddr *sa, socklen_t len,
			       char *buf, size_t cap)
{
	char host[INET6_ADDRSTRLEN], serv[8];

	if (getnameinfo(sa, len, host, sizeof(host), serv, sizeof(serv),
			NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		snprintf(buf, cap, "?");
	else if (sa->sa_family == AF_INET6)
		snprintf(buf, cap, "[%s]:%s", host, serv);
	else
		snprintf(buf, cap, "%s:%s", host, serv);
}

static void conn_nodelay(evutil_socket_t fd)
{
	int one = 1;

	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void conn_set_timeout(struct conn *c, unsigned ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };

	if (ms == 0)
		bufferevent_set_timeouts(c->bev, NULL, NULL);
	else
		bufferevent_set_timeouts(c->bev, &tv, &tv);
}

/* The reason of a BEV_EVENT_ERROR: OpenSSL's queue first, then errno. */
static const char *conn_error_text(struct conn *c, char *buf, size_t cap)
{
	unsigned long e, last = 0;
	int serr = EVUTIL_SOCKET_ERROR();

	/* libevent queues OpenSSL's errors, then SSL_get_error()'s code: keep
	 * the first one OpenSSL can name. */
	if (c->tls) {
		while ((e = bufferevent_get_openssl_error(c->bev)) != 0)
			if (last == 0 || ERR_reason_error_string(last) == NULL)
				last = e;
	}
	if (last != 0) {
		SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
		long vr = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
		const char *why = ERR_reason_error_string(last);

		if (vr != X509_V_OK)
			snprintf(buf, cap, "TLS certificate verify failed: %s",
				 X509_verify_cert_error_string(vr));
		else
			snprintf(buf, cap, "TLS error: %s",
				 why ? why : "handshake or record failure");
		return buf;
	}
	if (serr != 0)
		return evutil_socket_error_to_string(serr);
	return c->tls ? "TLS error" : "connection error";
}

static void conn_end(struct conn *c, short what)
{
	char buf[320];
	enum conn_end why;
	const char *reason;

	if (what & BEV_EVENT_TIMEOUT) {
		why = CONN_END_TIMEOUT;
		reason = c->connecting ? "connect timeout" : "TLS handshake timeout";
	} else if (what & BEV_EVENT_EOF) {
		why = CONN_END_EOF;
		reason = "peer closed";
	} else {
		why = CONN_END_ERROR;
		reason = conn_error_text(c, buf, sizeof(buf));
	}
	if (c->cb != NULL && c->cb->on_end != NULL)
		c->cb->on_end(c, why, reason, c->arg);
	else
		conn_free(c);
}

static int conn_try_next(struct conn *c);

/* Ends c for a reason of its own (not a bufferevent event). */
static void conn_end_with(struct conn *c, enum conn_end why, const char *reason)
{
	if (c->cb != NULL && c->cb->on_end != NULL)
		c->cb->on_end(c, why, reason, c->arg);
	else
		conn_free(c);
}

static void conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;

	(void)bev;
	if (c->closing) {
		conn_free(c);
		return;
	}
	if (what & BEV_EVENT_CONNECTED) {
		bool outgoing = c->connecting;

		c->connecting = false;
		c->accepting = false;
		conn_set_timeout(c, 0);
		if (outgoing && c->cb != NULL && c->cb->on_connected != NULL)
			c->cb->on_connected(c, c->arg);
		return;
	}
	if (c->connecting && c->ai_next != NULL) {
		char buf[320];

		log_info("conn connect failed, trying the next address peer=%s "
			 "error=\"%s\"", c->peer,
			 (what & BEV_EVENT_TIMEOUT) ? "timeout" :
			 conn_error_text(c, buf, sizeof(buf)));
		if (conn_try_next(c) == 0)
			return;
	}
	conn_end(c, what);
}

/* Applies the pause flags (user's and, for TLS, read_max's). */
static void conn_apply_read(struct conn *c)
{
	if (c->closing || c->bev == NULL)
		return;
	if (c->user_paused || c->limit_paused)
		bufferevent_disable(c->bev, EV_READ);
	else
		bufferevent_enable(c->bev, EV_READ);
}

/* TLS: read_max is enforced here, not with libevent's watermark (see
 * conn_tls_bev): reading stops once the input holds read_max bytes. */
static void conn_tls_limit(struct conn *c)
{
	bool over = evbuffer_get_length(bufferevent_get_input(c->bev)) >=
		    c->read_max;

	if (over != c->limit_paused) {
		c->limit_paused = over;
		conn_apply_read(c);
	}
}

/* TLS input drained by the caller outside on_data: maybe resume. Plain TCP
 * needs no such hook: libevent's watermark does it. */
static void conn_tls_input_cb(struct evbuffer *in,
			      const struct evbuffer_cb_info *info, void *arg)
{
	struct conn *c = arg;

	(void)in;
	if (info->n_deleted > 0 && c->limit_paused && !c->in_data)
		conn_tls_limit(c);
}

static void conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	if (c->closing || c->cb == NULL || c->cb->on_data == NULL) {
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	c->in_data = true;
	c->cb->on_data(c, in, c->arg);
	c->in_data = false;
	if (c->dead) {
		conn_free(c);
		return;
	}
	if (c->tls)
		conn_tls_limit(c);
}

static void conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	(void)bev;
	if (c->closing) {
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
			conn_free(c);
		return;
	}
	if (c->cb != NULL && c->cb->on_drained != NULL)
		c->cb->on_drained(c, c->arg);
}

/* Gives c the bufferevent bev (taken) with c's callbacks and read limit. */
static void conn_attach(struct conn *c, struct bufferevent *bev)
{
	c->bev = bev;
	c->limit_paused = false;
	if (c->tls) {
		bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
		evbuffer_add_cb(bufferevent_get_input(bev), conn_tls_input_cb, c);
	}
	bufferevent_setcb(bev, conn_read_cb, conn_write_cb, conn_event_cb, c);
	conn_set_read_max(c, c->read_max);
	bufferevent_enable(bev, EV_WRITE);
	conn_apply_read(c);
}

/* Wraps bev (which it takes) in a conn with callbacks and read limit. */
static struct conn *conn_wrap(struct bufferevent *bev, bool tls,
			      size_t read_max, const struct conn_callbacks *cb,
			      void *arg)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		bufferevent_free(bev);
		return NULL;
	}
	c->tls = tls;
	c->cb = cb;
	c->arg = arg;
	c->read_max = read_max;
	conn_attach(c, bev);
	return c;
}

/* An SSL for an outgoing connection, with SNI and name/IP verification. */
static SSL *conn_client_ssl(struct conn_tls *t, const char *name)
{
	SSL *ssl = SSL_new(t->ctx);
	struct in6_addr a6;
	bool is_ip;

	if (ssl == NULL)
		return NULL;
	is_ip = inet_pton(AF_INET, name, &a6) == 1 ||
		inet_pton(AF_INET6, name, &a6) == 1;
	if (!is_ip)
		SSL_set_tlsext_host_name(ssl, name);
	if (t->verify) {
		int ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
							       name) :
				 SSL_set1_host(ssl, name);

		if (ok != 1) {
			SSL_free(ssl);
			return NULL;
		}
	}
	return ssl;
}

/*
 * A TLS bufferevent on the socket. libevent's read high-water mark is not
 * used for TLS: with it, 2.1 suspends reading in the middle of a decrypted
 * record and nothing re-reads the bytes left inside OpenSSL until the socket
 * is readable again (a stall). conn_tls_limit() pauses reading instead, from
 * the deferred read callback, when libevent has drained OpenSSL. Takes ssl.
 */
static struct bufferevent *conn_tls_bev(struct event_base *base,
					evutil_socket_t fd, SSL *ssl,
					enum bufferevent_ssl_state st)
{
	struct bufferevent *bev;

	bev = bufferevent_openssl_socket_new(base, fd, ssl, st,
					     BEV_OPT_CLOSE_ON_FREE |
						     BEV_OPT_DEFER_CALLBACKS);
	if (bev == NULL)
		SSL_free(ssl);
	return bev;
}

static struct bufferevent *conn_client_bev(struct conn *c)
{
	SSL *ssl;

	if (c->ctls.ctx == NULL)
		return bufferevent_socket_new(loop_base(c->loop), -1,
					      BEV_OPT_CLOSE_ON_FREE |
						      BEV_OPT_DEFER_CALLBACKS);
	ssl = conn_client_ssl(&c->ctls, c->tls_name);
	if (ssl == NULL)
		return NULL;
	return conn_tls_bev(loop_base(c->loop), -1, ssl,
			    BUFFEREVENT_SSL_CONNECTING);
}

/*
 * Connects to the next address of the host (c->ai_next) on a new bufferevent
 * (the first one made is used once). Returns 0 when a connect is under way
 * (its outcome comes to conn_event_cb), -1 when no address is left or out of
 * memory (c keeps its last bufferevent, if any).
 */
static int conn_try_next(struct conn *c)
{
	while (c->ai_next != NULL && c->tries < CONN_ADDRS_MAX) {
		struct evutil_addrinfo *a = c->ai_next;

		c->ai_next = a->ai_next;
		c->tries++;
		if (c->bev == NULL || c->bev_used) {
			struct bufferevent *bev = conn_client_bev(c);

			if (bev == NULL)
				return -1;
			if (c->bev != NULL)
				bufferevent_free(c->bev);
			conn_attach(c, bev);
		}
		c->bev_used = true;
		conn_sockaddr_text(a->ai_addr, (socklen_t)a->ai_addrlen, c->peer,
				   sizeof(c->peer));
		conn_set_timeout(c, c->timeout_ms);
		if (bufferevent_socket_connect(c->bev, a->ai_addr,
					       (int)a->ai_addrlen) == 0) {
			conn_nodelay(bufferevent_getfd(c->bev));
			return 0;
		}
		log_warn("conn connect failed peer=%s error=\"%s\"", c->peer,
			 strerror(errno));
	}
	return -1;
}

/* The end of a name lookup started by conn_connect (in the loop, or at once
 * inside evdns_getaddrinfo() for /etc/hosts and the like). */
static void conn_dns_cb(int err, struct evutil_addrinfo *res, void *arg)
{
	struct conn *c = arg;

	if (err == EVUTIL_EAI_CANCEL) {	/* conn_free() or the deadline */
		if (res != NULL)
			evutil_freeaddrinfo(res);
		return;
	}
	c->dns = NULL;
	loop_timer_stop(c->dns_timer);
	c->ai = res;
	c->ai_next = res;
	c->dns_err = err;
	if (c->in_lookup) {
		c->looked_up = true;	/* conn_connect goes on */
		return;
	}
	if (err != 0) {
		log_warn("conn resolve failed peer=%s error=\"%s\"", c->peer,
			 evutil_gai_strerror(err));
		conn_end_with(c, CONN_END_ERROR, "cannot resolve host");
		return;
	}
	if (conn_try_next(c) != 0)
		conn_end_with(c, CONN_END_ERROR, "cannot connect");
}

static void conn_dns_timeout(struct loop_timer *t, void *arg)
{
	struct conn *c = arg;

	(void)t;
	log_warn("conn resolve timeout peer=%s", c->peer);
	if (c->dns != NULL) {
		evdns_getaddrinfo_cancel(c->dns);
		c->dns = NULL;
	}
	conn_end_with(c, CONN_END_TIMEOUT, "resolve timeout");
}

/* Starts the lookup of a host name. Returns 0 when it is under way or
 * answered at once (c->looked_up), -1 on failure (logged). */
static int conn_lookup(struct conn *c, const char *host, const char *serv)
{
	struct evutil_addrinfo hints = { 0 };
	struct evdns_base *dns = loop_dns(c->loop);

	if (dns == NULL)
		return -1;
	c->dns_timer = loop_timer_new(c->loop, conn_dns_timeout, c);
	if (c->dns_timer == NULL)
		return -1;
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = EVUTIL_AI_NUMERICSERV;
	c->in_lookup = true;
	c->dns = evdns_getaddrinfo(dns, host, serv, &hints, conn_dns_cb, c);
	c->in_lookup = false;
	if (c->looked_up) {
		c->dns = NULL;
		if (c->dns_err != 0) {
			log_warn("conn resolve failed peer=%s error=\"%s\"",
				 c->peer, evutil_gai_strerror(c->dns_err));
			return -1;
		}
		return 0;
	}
	if (c->dns == NULL)
		return -1;
	loop_timer_start(c->dns_timer, c->timeout_ms, false);
	return 0;
}

struct conn *conn_connect(struct loop *l, const char *host, int port,
			  const struct conn_opts *o,
			  const struct conn_callbacks *cb, void *arg)
{
	static const struct conn_opts dflt = { 0, 0, NULL, NULL };
	struct evutil_addrinfo hints = { 0 };
	struct conn *c;
	char serv[16];

	if (o == NULL)
		o = &dflt;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->loop = l;
	c->cb = cb;
	c->arg = arg;
	c->connecting = true;
	c->read_max = o->read_max;
	c->timeout_ms = o->connect_timeout_ms ? o->connect_timeout_ms :
						CONN_TIMEOUT_DEFAULT_MS;
	snprintf(c->peer, sizeof(c->peer), "%s:%d", host, port);
	if (o->tls != NULL) {
		c->tls = true;
		c->ctls = *o->tls;
		SSL_CTX_up_ref(c->ctls.ctx);
		c->tls_name = strdup(o->tls_name ? o->tls_name : host);
		if (c->tls_name == NULL)
			goto fail;
	}
	snprintf(serv, sizeof(serv), "%d", port);
	/* A numeric address needs no lookup: connect now. */
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = EVUTIL_AI_NUMERICHOST | EVUTIL_AI_NUMERICSERV;
	if (evutil_getaddrinfo(host, serv, &hints, &c->ai) == 0) {
		c->ai_next = c->ai;
	} else if (conn_lookup(c, host, serv) != 0) {
		goto fail;
	} else if (!c->looked_up) {
		return c;	/* conn_dns_cb goes on */
	}
	if (conn_try_next(c) != 0)
		goto fail;
	return c;
fail:
	conn_free(c);
	return NULL;
}

void conn_set_callbacks(struct conn *c, const struct conn_callbacks *cb,
			void *arg)
{
	c->cb = cb;
	c->arg = arg;
}

void conn_set_read_max(struct conn *c, size_t read_max)
{
	c->read_max = read_max ? read_max : CONN_READ_MAX_DEFAULT;
	if (c->bev == NULL)
		return;		/* applied when connecting */
	if (c->tls)
		conn_tls_limit(c);
	else
		bufferevent_setwatermark(c->bev, EV_READ, 0, c->read_max);
}

void conn_read_enable(struct conn *c, bool on)
{
	c->user_paused = !on;
	conn_apply_read(c);
}

int conn_write(struct conn *c, const void *p, size_t len)
{
	if (c->closing)
		return -1;
	return bufferevent_write(c->bev, p, len) == -1 ? -1 : 0;
}

struct evbuffer *conn_input(struct conn *c)
{
	return bufferevent_get_input(c->bev);
}

struct evbuffer *conn_output(struct conn *c)
{
	return bufferevent_get_output(c->bev);
}

size_t conn_output_len(const struct conn *c)
{
	return evbuffer_get_length(bufferevent_get_output(c->bev));
}

const char *conn_peer(const struct conn *c)
{
	return c->peer;
}

bool conn_is_tls(const struct conn *c)
{
	return c->tls;
}

void conn_close(struct conn *c)
{
	if (c->connecting || conn_output_len(c) == 0) {
		conn_free(c);
		return;
	}
	c->closing = true;
	bufferevent_disable(c->bev, EV_READ);
	conn_set_timeout(c, CONN_CLOSE_FLUSH_MS);
}

void conn_free(struct conn *c)
{
	if (c == NULL)
		return;
	if (c->in_data) {	/* conn_read_cb frees it when on_data returns */
		c->dead = true;
		c->closing = true;
		bufferevent_disable(c->bev, EV_READ | EV_WRITE);
		return;
	}
	if (c->dns != NULL)
		evdns_getaddrinfo_cancel(c->dns);
	loop_timer_free(c->dns_timer);
	if (c->ai != NULL)
		evutil_freeaddrinfo(c->ai);
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	SSL_CTX_free(c->ctls.ctx);
	free(c->tls_name);
	free(c);
}

/* ------------------------------------------------------------ listeners */

static struct bufferevent *conn_server_bev(struct conn_listener *ls,
					   evutil_socket_t fd)
{
	struct event_base *base = loop_base(ls->loop);
	SSL *ssl;

	if (ls->ctx == NULL)
		return bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE |
							    BEV_OPT_DEFER_CALLBACKS);
	ssl = SSL_new(ls->ctx);
	if (ssl == NULL)
		return NULL;
	return conn_tls_bev(base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING);
}

static void conn_accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
			   struct sockaddr *sa, int salen, void *arg)
{
	struct conn_listener *ls = arg;
	struct bufferevent *bev;
	struct conn *c;

	(void)lev;
	conn_nodelay(fd);
	bev = conn_server_bev(ls, fd);
	if (bev == NULL) {
		log_warn("conn accept: out of memory, closing fd=%d", (int)fd);
		evutil_closesocket(fd);
		return;
	}
	c = conn_wrap(bev, ls->ctx != NULL, ls->read_max, NULL, NULL);
	if (c == NULL)
		return;
	conn_sockaddr_text(sa, (socklen_t)salen, c->peer, sizeof(c->peer));
	if (c->tls) {
		c->accepting = true;
		conn_set_timeout(c, ls->hs_timeout_ms);
	}
	ls->on_accept(ls, c, ls->arg);
}

static void conn_on_pause_end(struct loop_timer *t, void *arg)
{
	struct conn_listener *ls = arg;

	(void)t;
	evconnlistener_enable(ls->lev);
}

/* accept() failed (EMFILE, ENOBUFS...): pause instead of spinning. */
static void conn_accept_error_cb(struct evconnlistener *lev, void *arg)
{
	struct conn_listener *ls = arg;
	int e = EVUTIL_SOCKET_ERROR();

	log_warn("conn accept failed port=%d error=\"%s\" pausing_ms=%lu",
		 ls->port, evutil_socket_error_to_string(e),
		 CONN_ACCEPT_PAUSE_MS);
	evconnlistener_disable(lev);
	loop_timer_start(ls->pause, CONN_ACCEPT_PAUSE_MS, false);
}

static int conn_bound_port(evutil_socket_t fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return -1;
}

static struct evconnlistener *conn_bind(struct conn_listener *ls,
					const struct conn_listen_opts *o)
{
	struct addrinfo hints = { 0 }, *ai = NULL;
	struct evconnlistener *lev;
	char serv[16];
	int rc;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(serv, sizeof(serv), "%d", o->port);
	rc = getaddrinfo(o->addr, serv, &hints, &ai);
	if (rc != 0) {
		log_error("conn listen: bad address addr=%s port=%d error=\"%s\"",
			  o->addr ? o->addr : "*", o->port, gai_strerror(rc));
		return NULL;
	}
	lev = evconnlistener_new_bind(loop_base(ls->loop), conn_accept_cb, ls,
				      LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE |
					      LEV_OPT_CLOSE_ON_EXEC,
				      -1, ai->ai_addr, (int)ai->ai_addrlen);
	if (lev == NULL)
		log_error("conn listen failed addr=%s port=%d error=\"%s\"",
			  o->addr ? o->addr : "*", o->port, strerror(errno));
	freeaddrinfo(ai);
	return lev;
}

struct conn_listener *conn_listen(struct loop *l,
				  const struct conn_listen_opts *o,
				  conn_accept_fn *on_accept, void *arg)
{
	struct conn_listener *ls = calloc(1, sizeof(*ls));

	if (ls == NULL)
		return NULL;
	ls->loop = l;
	ls->on_accept = on_accept;
	ls->arg = arg;
	ls->read_max = o->read_max;
	ls->hs_timeout_ms = o->handshake_timeout_ms ? o->handshake_timeout_ms :
						      CONN_TIMEOUT_DEFAULT_MS;
	if (o->tls != NULL) {
		ls->ctx = o->tls->ctx;
		SSL_CTX_up_ref(ls->ctx);
	}
	ls->pause = loop_timer_new(l, conn_on_pause_end, ls);
	if (ls->pause == NULL)
		goto fail;
	ls->lev = conn_bind(ls, o);
	if (ls->lev == NULL)
		goto fail;
	evconnlistener_set_error_cb(ls->lev, conn_accept_error_cb);
	ls->port = conn_bound_port(evconnlistener_get_fd(ls->lev));
	return ls;
fail:
	conn_listener_free(ls);
	return NULL;
}

int conn_listener_port(const struct conn_listener *ls)
{
	return ls->port;
}

void conn_listener_free(struct conn_listener *ls)
{
	if (ls == NULL)
		return;
	if (ls->lev != NULL)
		evconnlistener_free(ls->lev);
	loop_timer_free(ls->pause);
	SSL_CTX_free(ls->ctx);
	free(ls);
}
