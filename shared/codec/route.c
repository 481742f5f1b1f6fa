/*
 * route — longest-prefix route table over link ids (see route.h).
 * Layer: shared/codec, pure.
 */
#include "config.h"
#include "shared/codec/route.h"

#include <stdlib.h>
#include <string.h>

#include "shared/codec/conf_schema.h"

struct route_entry {
	char prefix[ROUTE_PREFIX_MAX];
	size_t len;
	size_t route;		/* index into routes[] */
};

struct route_table {
	struct route *routes;
	size_t nroutes;
	struct route_entry *entries;	/* sorted by descending prefix length */
	size_t nentries;
	long dflt;			/* index of the default route, or -1 */
};

static int by_length_desc(const void *a, const void *b)
{
	const struct route_entry *x = a, *y = b;

	if (x->len != y->len)
		return (x->len < y->len) - (x->len > y->len);
	return (x->route > y->route) - (x->route < y->route);
}

static const char *skip_plus(const char *s)
{
	return s[0] == '+' ? s + 1 : s;
}

/* Counts routes and prefixes so both arrays are allocated once. */
static void count(const struct conf *c, size_t *nroutes, size_t *nentries)
{
	const struct conf_group *g = NULL;
	char items[CONF_LIST_MAX][CONF_ITEM_MAX];

	*nroutes = *nentries = 0;
	while ((g = conf_group_next(c, g, "route")) != NULL) {
		(*nroutes)++;
		*nentries += conf_schema_get_list(g, "prefix", items, CONF_LIST_MAX);
	}
}

/* Whether r already names link (a repeat is dropped: failover must end). */
static bool has_link(const struct route *r, const char *link)
{
	for (size_t i = 0; i < r->nlinks; i++)
		if (strcmp(r->links[i], link) == 0)
			return true;
	return false;
}

static void add_route(struct route_table *t, const struct conf_group *g)
{
	char items[CONF_LIST_MAX][CONF_ITEM_MAX];
	struct route *r = &t->routes[t->nroutes];
	size_t n = conf_schema_get_list(g, "smsc-id", items, CONF_LIST_MAX);

	for (size_t i = 0; i < n && r->nlinks < ROUTE_LINKS_MAX; i++) {
		if (strlen(items[i]) >= ROUTE_ID_MAX || has_link(r, items[i]))
			continue;
		strcpy(r->links[r->nlinks++], items[i]);
	}
	n = conf_schema_get_list(g, "prefix", items, CONF_LIST_MAX);
	for (size_t i = 0; i < n; i++) {
		const char *p = skip_plus(items[i]);
		struct route_entry *e = &t->entries[t->nentries];

		if (strlen(p) >= ROUTE_PREFIX_MAX)
			continue;
		strcpy(e->prefix, p);
		e->len = strlen(p);
		e->route = t->nroutes;
		t->nentries++;
	}
	if (conf_schema_get_bool(g, "default"))
		t->dflt = (long)t->nroutes;
	t->nroutes++;
}

struct route_table *route_table_new(const struct conf *c)
{
	struct route_table *t = calloc(1, sizeof(*t));
	const struct conf_group *g = NULL;
	size_t nr, ne;

	if (t == NULL)
		return NULL;
	t->dflt = -1;
	count(c, &nr, &ne);
	t->routes = calloc(nr ? nr : 1, sizeof(*t->routes));
	t->entries = calloc(ne ? ne : 1, sizeof(*t->entries));
	if (t->routes == NULL || t->entries == NULL) {
		route_table_free(t);
		return NULL;
	}
	while ((g = conf_group_next(c, g, "route")) != NULL)
		add_route(t, g);
	/* Longest first; a prefix written in two routes (refused by the
	 * configuration check) would go to the first. */
	qsort(t->entries, t->nentries, sizeof(*t->entries), by_length_desc);
	return t;
}

void route_table_free(struct route_table *t)
{
	if (t == NULL)
		return;
	free(t->routes);
	free(t->entries);
	free(t);
}

const struct route *route_lookup(const struct route_table *t, const char *to)
{
	to = skip_plus(to);
	for (size_t i = 0; i < t->nentries; i++) {
		const struct route_entry *e = &t->entries[i];

		if (strncmp(to, e->prefix, e->len) == 0)
			return &t->routes[e->route];
	}
	return t->dflt >= 0 ? &t->routes[t->dflt] : NULL;
}

const char *route_pick(const struct route *r, route_up_fn *up, void *arg)
{
	if (r == NULL || r->nlinks == 0)
		return NULL;
	if (up != NULL)
		for (size_t i = 0; i < r->nlinks; i++)
			if (up(r->links[i], arg))
				return r->links[i];
	return r->links[0];
}

const char *route_failover(const struct route *r, const char *link,
			   route_up_fn *up, void *arg)
{
	size_t i;
	bool listed = false;

	for (i = 0; i < r->nlinks && !listed; i++)
		listed = strcmp(r->links[i], link) == 0;
	if (!listed)
		return NULL;
	for (i = 0; i < r->nlinks; i++)
		if (strcmp(r->links[i], link) != 0 &&
		    (up == NULL || up(r->links[i], arg)))
			return r->links[i];
	return NULL;
}
