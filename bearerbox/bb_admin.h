/*
 * bb_admin — the bearerbox's admin and metrics HTTP interface (doc/admin.md):
 * GET /status (JSON, or ?format=text for a table), GET /metrics (Prometheus
 * text exposition) and GET /health, on core.admin-interface:admin-port with
 * shared/io/httpd. /status and /metrics show this bearerbox's links, receipt
 * and MO counters and SMPP server, and what Redis holds about the rest of the
 * installation: every modembox's modems (P:modembox:ID), the live boxes
 * (P:box:ID), the binds per account (P:binds:ACCT), the link queues. When
 * core.admin-password is set they need it (HTTP Basic with any user, or
 * ?password=); /health never does.
 *
 * Layer: bearerbox. Runs on the box's event loop only.
 */
#ifndef HERMOD_BB_ADMIN_H
#define HERMOD_BB_ADMIN_H

#include <stddef.h>

struct box;
struct bb_dlr;
struct bb_link;
struct bb_queue;
struct bb_server;
struct bb_admin;

/* What the admin pages read (all borrowed; must outlive the admin). */
struct bb_admin_src {
	struct bb_link *const *links;	/* the box's SMPP links */
	size_t nlinks;
	struct bb_queue *const *watches;	/* its watches of modem links */
	size_t nwatches;
	struct bb_dlr *dlr;
	struct bb_server *server;	/* NULL: no SMPP server */
};

/*
 * Starts the interface of box b on core.admin-interface:admin-port (port
 * must not be 0; 0 in the config means the caller does not call this).
 * src is copied. Returns NULL (logged) when the address cannot be bound or
 * memory runs out.
 */
struct bb_admin *bb_admin_new(struct box *b, const struct bb_admin_src *src);

/*
 * Stops listening (SIGTERM): requests still waiting for Redis are answered
 * 503, new connections are refused. The admin stays allocated until
 * bb_admin_free(). Idempotent.
 */
void bb_admin_stop(struct bb_admin *a);

/*
 * Frees a (stopping it first). Requests still waiting for Redis replies are
 * detached and freed by their last reply (redis_free() delivers them all).
 * NULL is a no-op.
 */
void bb_admin_free(struct bb_admin *a);

#endif
