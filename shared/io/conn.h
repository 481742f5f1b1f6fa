/*
 * conn — TCP and TLS connections and listeners on the event loop.
 *
 * Built on libevent bufferevents (bufferevent_openssl for TLS). Session code
 * never calls read(): it gets the connection's input evbuffer in its data
 * callback, lets a codec parse whole PDUs from it and drains what it used;
 * it appends output with conn_write() (or to conn_output()).
 *
 * Flow control: reading stops while the input buffer holds read_max bytes (a
 * flooding peer cannot make us buffer more) and resumes once the caller drains
 * it; a caller whose output grows (window full, slow peer) may pause reading
 * with conn_read_enable(c, false).
 *
 * Outgoing connections look a host name up without blocking (libevent evdns
 * on the loop's resolver, loop_dns(): the system's nameservers and
 * /etc/hosts) and try its addresses in turn (at most 16) until one connects;
 * a numeric address is used at once. Listeners resolve their address with
 * getaddrinfo() at start.
 *
 * Callbacks are deferred by libevent (they never run from inside a conn_*
 * call), so a caller may call conn_free() from any callback, and conn_write()
 * never re-enters the caller. Layer: shared/io; loop thread only.
 */
#ifndef HERMOD_CONN_H
#define HERMOD_CONN_H

#include <stdbool.h>
#include <stddef.h>

struct evbuffer;
struct loop;
struct conn;
struct conn_listener;
struct conn_tls;

/* Why a connection ended (on_error). */
enum conn_end {
	CONN_END_EOF = 1,	/* the peer closed */
	CONN_END_ERROR,		/* socket or TLS error (reason says which) */
	CONN_END_TIMEOUT,	/* connect or TLS handshake took too long */
};

typedef void conn_fn(struct conn *c, void *arg);
/* in holds every byte received and not yet drained by the caller. */
typedef void conn_data_fn(struct conn *c, struct evbuffer *in, void *arg);
/* The connection is dead; the caller must conn_free(c) (here or later).
 * reason is a short static or transient text (valid during the call). */
typedef void conn_end_fn(struct conn *c, enum conn_end why, const char *reason,
			 void *arg);

/* A caller's callbacks; the struct must outlive the connections using it
 * (usually a static const). Any member may be NULL. */
struct conn_callbacks {
	conn_fn *on_connected;	/* outgoing: TCP and TLS handshake done */
	conn_data_fn *on_data;
	conn_fn *on_drained;	/* output buffer became empty */
	conn_end_fn *on_end;
};

/* ------------------------------------------------------------ TLS contexts */

/*
 * A TLS client context, shared by any number of connections. verify: check
 * the peer's certificate chain against ca_file (PEM; NULL = the system store)
 * and the peer's name (see conn_opts.tls_name). TLS 1.2 minimum. Returns NULL
 * on error (logged: unreadable CA file...).
 */
struct conn_tls *conn_tls_client_new(const char *ca_file, bool verify);

/* A TLS server context from PEM files (cert_file may hold the chain). Returns
 * NULL on error (logged). */
struct conn_tls *conn_tls_server_new(const char *cert_file,
				     const char *key_file);

/* Frees ctx (connections using it keep a reference). NULL is a no-op. */
void conn_tls_free(struct conn_tls *ctx);

/* ------------------------------------------------------------ connections */

struct conn_opts {
	unsigned connect_timeout_ms;	/* TCP + TLS handshake; 0 = 10 s */
	size_t read_max;		/* input high-water mark; 0 = 64 KiB */
	struct conn_tls *tls;		/* NULL = plain TCP (borrowed) */
	const char *tls_name;		/* name or IP to verify; NULL = host */
};

/*
 * Starts connecting to host:port (host numeric or a name, see above).
 * cb->on_connected or cb->on_end is called later: on_end when every address
 * failed (the last one's reason), when the name does not resolve ("cannot
 * resolve host", CONN_END_ERROR) or when the lookup takes longer than the
 * connect timeout ("resolve timeout", CONN_END_TIMEOUT); each address gets
 * the connect timeout of its own. Returns NULL (logged at warn) when no
 * connect could be started at once: out of memory, a numeric address or a
 * name answered from /etc/hosts whose every connect failed at once, a name
 * answered at once as unknown. Before on_connected only conn_peer(),
 * conn_free() and conn_close() may be called.
 */
struct conn *conn_connect(struct loop *l, const char *host, int port,
			  const struct conn_opts *o,
			  const struct conn_callbacks *cb, void *arg);

/* Replaces the callbacks and their argument (e.g. for an accepted conn). */
void conn_set_callbacks(struct conn *c, const struct conn_callbacks *cb,
			void *arg);

/*
 * Sets the input high-water mark (0 = 64 KiB). Must be at least the largest
 * message the caller needs whole in the buffer. Plain TCP never buffers more;
 * TLS may overshoot by what one read decrypts (at most one 16 KiB record).
 * Reading resumes when the caller drains the input below the mark, in on_data
 * or later through conn_input(). A caller must consume every complete
 * message in on_data (or pause and come back): on_data is called again only
 * when new bytes arrive.
 */
void conn_set_read_max(struct conn *c, size_t read_max);

/* Stops (false) or resumes (true) reading from the peer. */
void conn_read_enable(struct conn *c, bool on);

/* Appends len bytes to the output buffer (copied). Returns 0, -1 when out of
 * memory or the connection is closing. */
int conn_write(struct conn *c, const void *p, size_t len);

/* The input buffer, for a caller resuming its parsing outside on_data
 * (after it paused for backpressure); draining it may resume reading. */
struct evbuffer *conn_input(struct conn *c);

/* The output buffer, for encoders writing in place (borrowed). */
struct evbuffer *conn_output(struct conn *c);

/* Bytes waiting to be sent. */
size_t conn_output_len(const struct conn *c);

/* "ip:port" of the peer (borrowed, valid until conn_free). */
const char *conn_peer(const struct conn *c);

/* True for a TLS connection. */
bool conn_is_tls(const struct conn *c);

/*
 * Closes after flushing: no callback is called after this, reading stops, the
 * output buffer is sent (for at most 5 s), then the connection frees itself.
 * The caller must not use c afterwards.
 */
void conn_close(struct conn *c);

/* Closes at once, dropping unsent output, and frees. NULL is a no-op. */
void conn_free(struct conn *c);

/* ------------------------------------------------------------ listeners */

/*
 * Called for each accepted connection; the callee sets its callbacks with
 * conn_set_callbacks() (and may tune read_max), or conn_free()s it. For TLS,
 * data arrives after the handshake, which must finish within the listener's
 * handshake timeout (on_end CONN_END_TIMEOUT otherwise); on_connected is not
 * called for accepted connections.
 */
typedef void conn_accept_fn(struct conn_listener *ls, struct conn *c,
			    void *arg);

struct conn_listen_opts {
	const char *addr;		/* interface address; NULL = all */
	int port;			/* 0 = an ephemeral port */
	struct conn_tls *tls;		/* server context; NULL = plain */
	size_t read_max;		/* for accepted conns; 0 = 64 KiB */
	unsigned handshake_timeout_ms;	/* TLS; 0 = 10 s */
};

/* Listens as o says; returns NULL on error (logged: address in use...). */
struct conn_listener *conn_listen(struct loop *l,
				  const struct conn_listen_opts *o,
				  conn_accept_fn *on_accept, void *arg);

/* The port actually bound (useful with port 0). */
int conn_listener_port(const struct conn_listener *ls);

/* Stops listening (accepted conns live on). NULL is a no-op. */
void conn_listener_free(struct conn_listener *ls);

#endif
