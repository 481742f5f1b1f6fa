/*
 * cidr — IPv4 and IPv6 addresses and networks in CIDR notation ("10.0.0.0/8",
 * "fe80::/10", "192.0.2.7"), lists of them, and the "is this address in that
 * list" test used by the account `ips` allow-list, the smsbox's
 * callback-deny / callback-allow guard and its trusted-proxies list.
 *
 * An IPv4-mapped IPv6 address (::ffff:a.b.c.d, what a dual-stack socket
 * reports for an IPv4 peer) is an address of the IPv4 family here, so one
 * IPv4 network matches both spellings.
 *
 * Layer: shared/codec. Pure: no I/O, no allocation.
 */
#ifndef HERMOD_CIDR_H
#define HERMOD_CIDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An address (bits == 32 or 128) or a network: af is 4 or 6. */
struct cidr {
	uint8_t af;
	uint8_t bits;		/* prefix length: 0..32 or 0..128 */
	uint8_t addr[16];	/* IPv4 in addr[0..4) */
};

/* Longest text cidr_parse() takes and cidr_format() writes (with its NUL). */
#define CIDR_TEXT_MAX 64

/*
 * Parses s[0..n): a numeric address (inet_pton's IPv4 dotted quad or IPv6
 * text, no zone id), optionally followed by "/LEN" (decimal, at most 3
 * digits, <= 32 or <= 128). Host bits under the prefix are allowed and
 * ignored when matching. An IPv4-mapped address becomes IPv4 (its prefix, if
 * >= 96, loses 96). Returns 0, or -1 (out untouched) when s is not that.
 */
int cidr_parse(const char *s, size_t n, struct cidr *out);

/* Like cidr_parse() but only a single address: "/LEN" is refused. */
int cidr_parse_addr(const char *s, size_t n, struct cidr *out);

/*
 * An address from raw bytes: af 4 with len 4, or af 6 with len 16 (an
 * IPv4-mapped one becomes IPv4). Returns 0, or -1.
 */
int cidr_from_bytes(int af, const uint8_t *bytes, size_t len, struct cidr *out);

/*
 * The IPv4 address an IPv6 address carries for translation: NAT64's
 * well-known prefix 64:ff9b::/96 (RFC 6052: the last 32 bits) and 6to4's
 * 2002::/16 (RFC 3056: bits 16..47). A gateway on the way turns such an
 * address into a connection to that IPv4 host, so a guard checks both.
 * Returns 0 with *v4 set (a /32), or -1 (v4 untouched) for any other address,
 * a network, or IPv4.
 */
int cidr_embedded_v4(const struct cidr *a, struct cidr *v4);

/* true when addr (an address or a network) lies in net: same family and the
 * first net->bits bits equal (and addr->bits >= net->bits). */
bool cidr_contains(const struct cidr *net, const struct cidr *addr);

/*
 * Parses a list of items separated by ',' or ';', each trimmed of blanks
 * (space, tab), into out[0..max). Returns the number of items (0 for an
 * empty or all-blank s), or -1 when an item is empty, does not parse, or
 * there are more than max. *bad (when not NULL) receives the 1-based index
 * of the offending item on error.
 */
int cidr_list_parse(const char *s, size_t n, struct cidr *out, size_t max,
    size_t *bad);

/* The first network of list[0..n) that contains addr, or NULL. */
const struct cidr *cidr_list_match(const struct cidr *list, size_t n,
    const struct cidr *addr);

/*
 * The client address of a request whose peer is a trusted proxy, from its
 * X-Forwarded-For value v[0..n) (the header's occurrences joined with ','):
 * walking the comma-separated entries from the right, the first address not
 * in trusted[0..nt). Entries are trimmed of blanks; "[v6]", "[v6]:port" and
 * "a.b.c.d:port" are accepted too. Returns 1 with *out set; 0 with *out the
 * leftmost entry when every entry is a trusted proxy; -1 (out untouched)
 * when v has no entry or an entry met before the answer does not parse, in
 * which case the caller keeps the peer's address.
 */
int cidr_forwarded_client(const char *v, size_t n, const struct cidr *trusted,
    size_t nt, struct cidr *out);

/*
 * Writes c as text ("127.0.0.1", "fe80::/10": the prefix only when it is not
 * the full length) into dst[0..cap), NUL-terminated. Returns the length, or -1
 * when cap is too small (cap >= CIDR_TEXT_MAX always suffices).
 */
int cidr_format(const struct cidr *c, char *dst, size_t cap);

#endif
