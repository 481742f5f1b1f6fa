/*
 * httpc — an HTTP/HTTPS client (libcurl multi interface) on the caller's
 * libevent loop.
 *
 * GET, or POST of an application/x-www-form-urlencoded body, with a connect
 * and a total timeout; the result comes back in a callback on the loop. Sockets
 * and curl's timer are libevent events (curl_multi_socket_action), so nothing
 * blocks: name resolution runs in curl's resolver thread, TLS is curl's own
 * (OpenSSL, peer verified). Connections are kept alive and reused through the
 * multi handle's connection cache. At most max_in_flight requests run at once;
 * further ones wait in a FIFO queue of at most max_queued. Redirects are not
 * followed; only http:// and https:// URLs are accepted. An optional guard
 * (deny / allow networks) is checked on every address curl is about to
 * connect to, after name resolution (CURLOPT_OPENSOCKETFUNCTION): a denied
 * address is never connected to, and a request that reached no allowed
 * address ends with refused set. With a proxy (curl honours http_proxy and
 * friends) the address checked is the proxy's.
 *
 * Layer: shared/io. Single-threaded: every function runs on the loop's thread.
 */
#ifndef HERMOD_HTTPC_H
#define HERMOD_HTTPC_H

#include <stdbool.h>
#include <stddef.h>

#include "shared/codec/cidr.h"

struct event_base;
struct httpc;

/* What a request came to. Every pointer is borrowed for the callback. */
struct httpc_result {
	long status;		/* HTTP status, 0 on a transport error */
	const char *error;	/* "" when status != 0, else why (never NULL) */
	const char *body;	/* NUL-terminated, at most max_body bytes kept */
	size_t body_len;
	bool body_truncated;	/* the server sent more than max_body */
	bool cancelled;		/* httpc_free() ended it, status 0 */
	bool refused;		/* every address it resolved to is denied by the
				 * guard; error: "address A is in NAME (NET)" */
	long new_connections;	/* connections opened for it (0 = reused) */
	unsigned long long ms;	/* from queued to done */
};

typedef void httpc_done_fn(const struct httpc_result *r, void *arg);

struct httpc_config {
	unsigned max_in_flight;		/* 0 = 64 */
	unsigned max_queued;		/* 0 = 10000 */
	unsigned max_host_connections;	/* per host:port; 0 = max_in_flight */
	size_t max_body;		/* response bytes kept; 0 = 64 KiB */
	unsigned connect_timeout_ms;	/* default per request; 0 = 5000 */
	unsigned timeout_ms;		/* default total per request; 0 = 30000 */
	const char *user_agent;		/* NULL = "hermod" */
	const char *ca_file;		/* NULL = the system's trust store */
	/* The guard: no connection to an address in deny[0..n_deny) unless it
	 * is in allow[0..n_allow) too (both copied; n_deny 0 = no guard).
	 * deny_name names the list in errors (NULL = "the deny list"). */
	const struct cidr *deny;
	size_t n_deny;
	const struct cidr *allow;
	size_t n_allow;
	const char *deny_name;
};

/* Per-request overrides; a NULL pointer or a 0 field means the default. */
struct httpc_opts {
	unsigned connect_timeout_ms;
	unsigned timeout_ms;
};

/*
 * Creates a client on base (borrowed; must outlive it). cfg may be NULL for
 * the defaults; it is copied (strings too). Initialises libcurl globally on
 * first use (and cleans it up when the last client is freed). Returns NULL on
 * failure.
 */
struct httpc *httpc_new(struct event_base *base, const struct httpc_config *cfg);

/*
 * Cancels every queued and running request: each callback IS called, once,
 * from inside httpc_free(), with status 0, cancelled true and error
 * "cancelled" (so callers can free what arg points to). Those callbacks must
 * not start new requests (they are refused) nor free the client. Then closes
 * all connections and frees everything. Must not be called from a done
 * callback. httpc_free(NULL) is a no-op.
 */
void httpc_free(struct httpc *c);

/*
 * Starts (or queues) a GET of url. done(result, arg) is called exactly once,
 * always later from the loop, never from inside this call. Returns 0, or -1
 * (done not called) when the URL is not http(s), the queue is full, the client
 * is shutting down, or out of memory.
 */
int httpc_get(struct httpc *c, const char *url, const struct httpc_opts *o,
	      httpc_done_fn *done, void *arg);

/*
 * Like httpc_get() but POSTs body (body_len bytes, copied) as
 * application/x-www-form-urlencoded.
 */
int httpc_post_form(struct httpc *c, const char *url, const char *body,
		    size_t body_len, const struct httpc_opts *o,
		    httpc_done_fn *done, void *arg);

/* Requests running now / waiting in the queue. */
unsigned httpc_in_flight(const struct httpc *c);
unsigned httpc_queued(const struct httpc *c);

#endif
