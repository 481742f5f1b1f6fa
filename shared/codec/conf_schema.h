/*
 * conf_schema — every configuration group and key Hermod knows, declared once
 * in a table (type, bounds, default, help), the validator that checks a parsed
 * struct conf against it, and typed getters that apply the table's defaults.
 * Model: Redis src/config.c static_configs[]. Pure: no I/O; doc/config.md is
 * the human-readable form of the same table.
 */
#ifndef HERMOD_CONF_SCHEMA_H
#define HERMOD_CONF_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "shared/codec/conf.h"

struct cidr;

enum conf_type {
	CONF_STRING,	/* any text; min/max bound its length when max > 0 */
	CONF_INT,	/* decimal integer within [min, max] */
	CONF_BOOL,	/* yes/no, true/false, on/off, 1/0 */
	CONF_ENUM,	/* one of choices[] */
	CONF_LIST,	/* items separated by ',' or ';'; at most max items */
	CONF_URL,	/* scheme://rest or unix:/path; scheme among choices[] */
	CONF_PORT,	/* TCP port within [min, max] (usually 1..65535) */
	CONF_DURATION,	/* number with optional unit ms/s/m/h (default s); bounds in ms */
};

/* smsbox callback-deny's default: loopback, "this network", RFC 1918
 * private, CGNAT shared (RFC 6598), link-local (cloud metadata at
 * 169.254.169.254), IETF protocol assignments, benchmarking, multicast,
 * reserved and broadcast; IPv6 unspecified, loopback, unique-local,
 * link-local, site-local and multicast. */
#define CONF_CALLBACK_DENY_DEFAULT \
	"0.0.0.0/8, 10.0.0.0/8, 100.64.0.0/10, 127.0.0.0/8, 169.254.0.0/16, " \
	"172.16.0.0/12, 192.0.0.0/24, 192.168.0.0/16, 198.18.0.0/15, " \
	"224.0.0.0/4, 240.0.0.0/4, ::/128, ::1/128, fc00::/7, fe80::/10, " \
	"fec0::/10, ff00::/8"

/* conf_option.flags */
#define CONF_OPT_REQUIRED 0x1	/* the group must set it */
#define CONF_OPT_UNIQUE 0x2	/* no two groups of this name share a value */
#define CONF_OPT_SECRET 0x4	/* never print the value */
#define CONF_OPT_PREFIX 0x8	/* list items are number prefixes: [+]digits */
#define CONF_OPT_CIDR 0x10	/* list items are IPv4/IPv6 addr[/len] (codec/cidr) */

/* conf_group_def.flags */
#define CONF_GROUP_MULTI 0x1	/* may appear many times (smsc, route, ...) */
#define CONF_GROUP_REQUIRED 0x2	/* the file must have one */

/* List getters: how many items and how long each may be (with its NUL). */
#define CONF_LIST_MAX 32
#define CONF_ITEM_MAX 64

struct conf_group_def {
	const char *name;
	unsigned flags;
	const char *help;
};

struct conf_option {
	const char *group;
	const char *key;
	enum conf_type type;
	unsigned flags;
	long long min, max;
	const char *def;		/* default as written in a file; NULL: none */
	const char *const *choices;	/* NULL-terminated; ENUM, URL schemes, LIST items */
	const char *ref;		/* "group.key": each value/item must name one */
	const char *help;
};

/* The tables, for documentation and tests. *n receives the entry count. */
const struct conf_group_def *conf_schema_groups(size_t *n);
const struct conf_option *conf_schema_options(size_t *n);

/* The declaration of group/key, or NULL when there is none. */
const struct conf_option *conf_schema_find(const char *group, const char *key);

/*
 * Checks every group and key of c against the table and appends an error to c
 * for each problem: unknown group or key (with a suggestion for a near miss),
 * duplicate key, bad value, missing required key or group, a single group
 * given twice, duplicate ids, references to ids that do not exist, and the
 * per-group rules (an smpp link needs host and port, a route needs a prefix or
 * `default = yes`, ...). Returns the number of errors c holds afterwards (0:
 * valid).
 */
size_t conf_schema_validate(struct conf *c);

/*
 * The first group called name in c, or, when c has none, a static empty group
 * of that name (file "", line 0, no keys) on which the getters below give the
 * table's defaults: a box reads its settings the same way whether or not its
 * group is written. NULL only when name is not a declared group.
 */
const struct conf_group *conf_schema_group(const struct conf *c,
    const char *name);

/*
 * Typed getters for a group that passed conf_schema_validate(). Each returns
 * the group's value for key, or the table's default when the key is not set.
 * A key that is not declared for g's group, or a value that does not parse,
 * gives the zero value (NULL, 0, false, -1 for enums).
 */
const char *conf_schema_get_str(const struct conf_group *g, const char *key);
long long conf_schema_get_int(const struct conf_group *g, const char *key);
bool conf_schema_get_bool(const struct conf_group *g, const char *key);
/* Durations in milliseconds. */
long long conf_schema_get_duration_ms(const struct conf_group *g, const char *key);
/* The index of the value in the option's choices[], or -1. */
int conf_schema_get_enum(const struct conf_group *g, const char *key);
/* A CONF_OPT_CIDR list (validated) into out[0..CONF_LIST_MAX); returns how
 * many networks (0 for an empty list). */
size_t conf_schema_get_cidrs(const struct conf_group *g, const char *key,
    struct cidr *out);

/*
 * Splits the list value (or default) of key into items[0..max), each trimmed
 * and NUL-terminated. Returns the number of items stored; items beyond max or
 * longer than CONF_ITEM_MAX - 1 are not stored (validation rejects them).
 */
size_t conf_schema_get_list(const struct conf_group *g, const char *key,
    char items[][CONF_ITEM_MAX], size_t max);

/* Helpers the validator uses, exposed for the boxes and tests. Each returns 0
 * and the value, or -1 when s does not parse. */
int conf_schema_parse_int(const char *s, long long *out);
int conf_schema_parse_bool(const char *s, bool *out);
int conf_schema_parse_duration_ms(const char *s, long long *out);

#endif
