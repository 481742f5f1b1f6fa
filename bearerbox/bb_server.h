/*
 * bb_server — the bearerbox's SMPP server: the SMSC role customers bind to
 * (group smpp-server, doc/smpp-server.md). Binds (3.3 and 3.4, transmitter,
 * receiver, transceiver) are checked against the account record in Redis and
 * counted across bearerboxes; submit_sm, data_sm and submit_multi go through
 * the shared accept step (shared/io/mt_accept.h); receipts and MO waiting in
 * P:ev:smpp:ACCT and P:mo:smpp:ACCT go out as deliver_sm on the account's
 * receiver and transceiver binds and are acknowledged in Redis only after
 * the customer's deliver_sm_resp.
 *
 * One event loop, no thread per client. Layer: bearerbox; loop thread only.
 */
#ifndef HERMOD_BB_SERVER_H
#define HERMOD_BB_SERVER_H

#include <stddef.h>
#include <stdint.h>

struct box;
struct conf;
struct bb_server;

/*
 * Starts the SMPP server of box b from group smpp-server of c (borrowed; b
 * and c must outlive the server): listens on port (and tls-port when set).
 * Returns NULL (and logs why) when the group is absent, its port is 0, a
 * listener or the TLS context cannot be set up, or memory runs out.
 */
struct bb_server *bb_server_new(struct box *b, const struct conf *c);

/*
 * Graceful stop: closes the listeners, sends unbind to every bound customer,
 * waits (at most 3 s) for their unbind_resp and for accept requests still in
 * Redis, closes every connection and then calls done(arg) once, later, from
 * the loop. Call bb_server_free() afterwards (from done or later).
 */
void bb_server_stop(struct bb_server *s, void (*done)(void *), void *arg);

/* Closes everything at once and frees. NULL is a no-op. */
void bb_server_free(struct bb_server *s);

/* The plain listener's port, or 0 (none, or stopped). */
int bb_server_port(const struct bb_server *s);

/* Counters since start (for the admin page and the bench). */
struct bb_server_stats {
	uint64_t binds;			/* current binds on this bearerbox */
	uint64_t conns;			/* current connections, bound or not */
	uint64_t bind_ok, bind_fail;
	uint64_t submit_ok, submit_fail, throttled;
	uint64_t receipts_sent, mo_sent;	/* deliver_sm acknowledged */
};
void bb_server_stats(const struct bb_server *s, struct bb_server_stats *out);

#endif
