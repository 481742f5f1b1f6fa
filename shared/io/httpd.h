/*
 * httpd — an HTTP/1.1 server (libmicrohttpd) driven by the caller's libevent loop.
 *
 * MHD runs without threads of its own, in epoll mode: its epoll descriptor is
 * a persistent libevent read event, MHD_run() is called when it fires, and a
 * libevent timer follows MHD_get_timeout(). Each complete request (headers and
 * body) is handed to the caller's handler, which answers it at once or later,
 * from any other callback on the same loop (the connection is suspended
 * meanwhile). Keep-alive, a body size cap (413), a connection limit and an
 * idle timeout per connection.
 *
 * Layer: shared/io. Single-threaded: every function runs on the loop's thread.
 */
#ifndef HERMOD_HTTPD_H
#define HERMOD_HTTPD_H

#include <stdbool.h>
#include <stddef.h>

#include "shared/codec/cidr.h"

struct event_base;
struct httpd;
struct httpd_req;

/* One finished request, for the access log. Every pointer is borrowed for the
 * call. query is already redacted (httpd_redact_query()). */
struct httpd_access {
	const char *method;
	const char *path;
	const char *query;	/* "" when the URL had none */
	const char *client_ip;
	unsigned status;	/* 0 when no answer was sent (client gone) */
	size_t body_len;	/* request body bytes kept */
	size_t answer_len;	/* answer body bytes */
	unsigned long long ms;	/* from request line to answer queued */
	const char *note;	/* httpd_req_note() text, or "" */
};

/*
 * Called once per complete request. The handler must answer req exactly once
 * with httpd_answer(), now or from a later callback; until then req stays
 * valid (unless httpd_free() runs first, see there).
 */
typedef void httpd_handler_fn(struct httpd_req *req, void *arg);
typedef void httpd_access_fn(const struct httpd_access *a, void *arg);

struct httpd_config {
	const char *address;	/* IPv4/IPv6 address or host name; NULL or "" = any */
	unsigned port;		/* 0 = an ephemeral port, see httpd_port() */
	size_t max_body;	/* larger request bodies get 413; 0 = 64 KiB */
	unsigned max_connections;	/* 0 = 1024 */
	unsigned idle_timeout_s;	/* per-connection inactivity; 0 = 30 */
	httpd_handler_fn *handler;	/* required */
	void *handler_arg;
	/* NULL: one log_info() line per request (query redacted). */
	httpd_access_fn *access;
	void *access_arg;
	bool quiet;		/* no access log at all (when access is NULL) */
	/* Peers whose X-Forwarded-For names the client (copied; 0 = none):
	 * see httpd_req_client_ip(). */
	const struct cidr *trusted_proxies;
	size_t n_trusted_proxies;
};

/* Default cap on a request body when httpd_config.max_body is 0. */
#define HTTPD_DEFAULT_MAX_BODY (64u * 1024u)

/*
 * Binds, listens and registers with base (borrowed; must outlive the server).
 * cfg is copied (address too). Returns NULL (and logs why) when the address
 * does not parse, the port cannot be bound, or on resource failure.
 */
struct httpd *httpd_new(struct event_base *base, const struct httpd_config *cfg);

/*
 * Stops listening, answers every still unanswered request "503 shutting down"
 * (the handler's pointers to them become invalid), closes all connections and
 * frees everything. Must not be called from the handler or the access hook.
 * httpd_free(NULL) is a no-op.
 */
void httpd_free(struct httpd *d);

/* The port actually bound (useful after port 0). */
unsigned httpd_port(const struct httpd *d);

/* Number of requests handed to the handler and not yet answered. */
unsigned httpd_pending(const struct httpd *d);

/* Request accessors: valid until the request is answered. Strings are
 * NUL-terminated and borrowed. */
const char *httpd_req_method(const struct httpd_req *req);	/* "GET", ... */
const char *httpd_req_path(const struct httpd_req *req);	/* decoded, no query */
/* The raw query string after '?', still percent-encoded; "" when none. */
const char *httpd_req_query(const struct httpd_req *req);
/* A request header by name (case-insensitive), or NULL. */
const char *httpd_req_header(const struct httpd_req *req, const char *name);
/*
 * The client's address as text ("127.0.0.1", "::1"): the peer's, or, when
 * the peer is in the config's trusted_proxies, the rightmost address of the
 * request's X-Forwarded-For (all occurrences, in order; at most the last
 * HTTPD_XFF_MAX bytes) that is not itself a trusted proxy
 * (cidr_forwarded_client()). From any other peer the header is ignored.
 * The access log shows the same address.
 */
const char *httpd_req_client_ip(const struct httpd_req *req);
/* The body, NUL-terminated (the NUL is not counted); "" with *len 0 when none.
 * len may be NULL. */
const char *httpd_req_body(const struct httpd_req *req, size_t *len);

/* X-Forwarded-For text read from a trusted proxy: its rightmost bytes. */
#define HTTPD_XFF_MAX 1024

/* Longest httpd_req_note() text kept, NUL included. */
#define HTTPD_NOTE_MAX 192

/*
 * Puts a printf-formatted text on req's access-log line (after a space), so
 * the handler says what it did on the one line per request instead of a
 * line of its own. Cut at HTTPD_NOTE_MAX - 1 bytes; a second call replaces
 * the first; not formatted at all when no access log is written. Call before
 * httpd_answer(). Never put a secret in it.
 */
void httpd_req_note(struct httpd_req *req, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Answers req with status, content type (NULL = "text/plain; charset=utf-8")
 * and body (copied; may be NULL when body_len is 0). May be called from the
 * handler or from any later callback on the loop; req is invalid afterwards.
 * Returns 0, or -1 when out of memory (req then gets a bare 500 and is invalid
 * all the same) or when req was already answered (a bug; nothing happens).
 */
int httpd_answer(struct httpd_req *req, unsigned status, const char *content_type,
		 const char *body, size_t body_len);

/*
 * One extra header for the answer req is about to get (e.g. WWW-Authenticate
 * on a 401): name and value are borrowed until the httpd_answer() that follows
 * (which copies them). A second call replaces the first.
 */
void httpd_req_answer_header(struct httpd_req *req, const char *name,
			     const char *value);

/*
 * httpd_answer() for an answer that never changes: body (NUL-terminated) and
 * content_type must be strings with static storage duration (literals, a
 * const table). The first HTTPD_STATIC_MAX distinct (content_type, body)
 * pairs, told apart by address, get one response that every such answer
 * shares; later ones, and requests with an httpd_req_answer_header(), are
 * answered by httpd_answer(). Same contract and returns as httpd_answer().
 */
int httpd_answer_static(struct httpd_req *req, unsigned status,
			const char *content_type, const char *body);

/*
 * Copies query to out (size outsz, always NUL-terminated when outsz > 0),
 * replacing the value of every parameter whose name is pass, password or pwd
 * (any case, percent-encoding of the name decoded) by "***". Returns the length
 * written, or -1 when out was too small (out then holds a truncated prefix that
 * never contains a secret value).
 */
int httpd_redact_query(const char *query, char *out, size_t outsz);

#endif
