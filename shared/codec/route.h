/*
 * route — the route table: destination prefix (longest match wins) → an ordered
 * list of link ids, the first of which that is up takes the message; one route
 * may be the default for destinations no prefix matches. Built from the
 * `group = route` blocks of the configuration (doc/config.md). Pure: the caller
 * says which links are up.
 */
#ifndef HERMOD_ROUTE_H
#define HERMOD_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "shared/codec/conf.h"

#define ROUTE_LINKS_MAX 32	/* links named by one route */
#define ROUTE_ID_MAX 64		/* link id with its NUL */
#define ROUTE_PREFIX_MAX 24	/* prefix digits with the NUL */

struct route_table;

/* One route: its ordered links. */
struct route {
	char links[ROUTE_LINKS_MAX][ROUTE_ID_MAX];
	size_t nlinks;
};

/* Tells whether link id is up; arg is the caller's. */
typedef bool route_up_fn(const char *link, void *arg);

/*
 * Builds the table from every `group = route` of a configuration that passed
 * conf_schema_validate(). Returns NULL when memory runs out. A leading '+' of
 * a prefix is ignored. Free with route_table_free() (NULL is a no-op).
 */
struct route_table *route_table_new(const struct conf *c);
void route_table_free(struct route_table *t);

/*
 * The route for destination to (international digits, an optional leading '+'
 * ignored): the route with the longest prefix of to, else the default route.
 * Returns NULL when none applies ("no route").
 */
const struct route *route_lookup(const struct route_table *t, const char *to);

/*
 * The link that should take a message for r now: the first of r's links for
 * which up() says true; when none is up, the first link (the message waits in
 * its queue until the link comes up or fails over). up may be NULL: the first
 * link. Returns NULL only when r is NULL.
 */
const char *route_pick(const struct route *r, route_up_fn *up, void *arg);

/*
 * Failover from link (down): the first of r's links other than link for which
 * up() says true (up NULL: the first other link), whatever its place in the
 * list, so parts moved to a later link come back when an earlier one is up
 * again. NULL when none is up, or when r does not list link.
 */
const char *route_failover(const struct route *r, const char *link,
			   route_up_fn *up, void *arg);

#endif
