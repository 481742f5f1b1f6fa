/*
 * cidr — parsing and matching of IPv4/IPv6 networks; see cidr.h.
 */
#include "config.h"
#include "shared/codec/cidr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static const uint8_t cidr_v4mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/* An IPv4-mapped IPv6 address or network (prefix >= 96) becomes IPv4. */
static void cidr_unmap(struct cidr *c)
{
	if (c->af != 6 || c->bits < 96 || memcmp(c->addr, cidr_v4mapped, 12) != 0)
		return;
	memmove(c->addr, c->addr + 12, 4);
	memset(c->addr + 4, 0, 12);
	c->af = 4;
	c->bits = (uint8_t)(c->bits - 96);
}

/* The prefix length "/LEN" text p (no slash): 1 to 3 digits, <= max. */
static int cidr_prefix(const char *p, unsigned max, uint8_t *out)
{
	unsigned v = 0;
	size_t i;

	if (p[0] == '\0' || strlen(p) > 3)
		return -1;
	for (i = 0; p[i] != '\0'; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	if (v > max)
		return -1;
	*out = (uint8_t)v;
	return 0;
}

static int cidr_parse_any(const char *s, size_t n, bool net_ok, struct cidr *out)
{
	char buf[CIDR_TEXT_MAX];
	struct cidr c;
	char *slash;

	if (s == NULL || n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (memchr(buf, '\0', n) != NULL)
		return -1;
	memset(&c, 0, sizeof(c));
	slash = strchr(buf, '/');
	if (slash != NULL) {
		if (!net_ok)
			return -1;
		*slash = '\0';
	}
	if (inet_pton(AF_INET, buf, c.addr) == 1) {
		c.af = 4;
		c.bits = 32;
	} else if (inet_pton(AF_INET6, buf, c.addr) == 1) {
		c.af = 6;
		c.bits = 128;
	} else {
		return -1;
	}
	if (slash != NULL && cidr_prefix(slash + 1, c.bits, &c.bits) < 0)
		return -1;
	cidr_unmap(&c);
	*out = c;
	return 0;
}

int cidr_parse(const char *s, size_t n, struct cidr *out)
{
	return cidr_parse_any(s, n, true, out);
}

int cidr_parse_addr(const char *s, size_t n, struct cidr *out)
{
	return cidr_parse_any(s, n, false, out);
}

int cidr_from_bytes(int af, const uint8_t *bytes, size_t len, struct cidr *out)
{
	struct cidr c;

	memset(&c, 0, sizeof(c));
	if (af == 4 && len == 4)
		c.bits = 32;
	else if (af == 6 && len == 16)
		c.bits = 128;
	else
		return -1;
	c.af = (uint8_t)af;
	memcpy(c.addr, bytes, len);
	cidr_unmap(&c);
	*out = c;
	return 0;
}

int cidr_embedded_v4(const struct cidr *a, struct cidr *v4)
{
	static const uint8_t nat64[12] = { 0x00, 0x64, 0xff, 0x9b };
	const uint8_t *p;

	if (a->af != 6 || a->bits != 128)
		return -1;
	if (memcmp(a->addr, nat64, sizeof(nat64)) == 0)
		p = a->addr + 12;
	else if (a->addr[0] == 0x20 && a->addr[1] == 0x02)
		p = a->addr + 2;
	else
		return -1;
	memset(v4, 0, sizeof(*v4));
	v4->af = 4;
	v4->bits = 32;
	memcpy(v4->addr, p, 4);
	return 0;
}

bool cidr_contains(const struct cidr *net, const struct cidr *addr)
{
	unsigned full = net->bits / 8u, rest = net->bits % 8u;
	uint8_t mask;

	if (net->af != addr->af || addr->bits < net->bits)
		return false;
	if (memcmp(net->addr, addr->addr, full) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (uint8_t)(0xffu << (8u - rest));
	return ((net->addr[full] ^ addr->addr[full]) & mask) == 0;
}

static bool cidr_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

int cidr_list_parse(const char *s, size_t n, struct cidr *out, size_t max,
    size_t *bad)
{
	size_t i = 0, j, a, b, count = 0, blanks = 0;

	for (j = 0; j < n && cidr_blank(s[j]); j++)
		blanks++;
	if (blanks == n)
		return 0;
	while (i <= n) {
		for (j = i; j < n && s[j] != ',' && s[j] != ';'; j++)
			;
		for (a = i; a < j && cidr_blank(s[a]); a++)
			;
		for (b = j; b > a && cidr_blank(s[b - 1]); b--)
			;
		if (count >= max || cidr_parse(s + a, b - a, &out[count]) < 0) {
			if (bad != NULL)
				*bad = count + 1;
			return -1;
		}
		count++;
		i = j + 1;
	}
	return (int)count;
}

const struct cidr *cidr_list_match(const struct cidr *list, size_t n,
    const struct cidr *addr)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (cidr_contains(&list[i], addr))
			return &list[i];
	return NULL;
}

/* One X-Forwarded-For entry s[0..n) (already trimmed) as an address. */
static int cidr_xff_entry(const char *s, size_t n, struct cidr *out)
{
	const char *close, *colon;
	size_t i, colons = 0;

	if (n > 0 && s[0] == '[') {
		close = memchr(s, ']', n);
		if (close == NULL)
			return -1;
		i = (size_t)(close - s) + 1;
		if (i < n && s[i] != ':')
			return -1;
		if (cidr_parse_addr(s + 1, (size_t)(close - s) - 1, out) < 0 ||
		    out->af != 6)
			return -1;
		return 0;
	}
	for (i = 0; i < n; i++)
		colons += s[i] == ':';
	if (colons == 1) {	/* a.b.c.d:port */
		colon = memchr(s, ':', n);
		if (cidr_parse_addr(s, (size_t)(colon - s), out) < 0 || out->af != 4)
			return -1;
		return 0;
	}
	return cidr_parse_addr(s, n, out);
}

int cidr_forwarded_client(const char *v, size_t n, const struct cidr *trusted,
    size_t nt, struct cidr *out)
{
	struct cidr c, last;
	size_t end = n, start, a, b;
	bool any = false;

	for (;;) {
		for (start = end; start > 0 && v[start - 1] != ','; start--)
			;
		for (a = start; a < end && cidr_blank(v[a]); a++)
			;
		for (b = end; b > a && cidr_blank(v[b - 1]); b--)
			;
		if (b > a) {
			if (cidr_xff_entry(v + a, b - a, &c) < 0)
				return -1;
			if (cidr_list_match(trusted, nt, &c) == NULL) {
				*out = c;
				return 1;
			}
			last = c;
			any = true;
		}
		if (start == 0)
			break;
		end = start - 1;
	}
	if (!any)
		return -1;
	*out = last;
	return 0;
}

int cidr_format(const struct cidr *c, char *dst, size_t cap)
{
	char text[INET6_ADDRSTRLEN];
	unsigned full = c->af == 4 ? 32u : 128u;
	int n;

	if (cap == 0 || (c->af != 4 && c->af != 6) ||
	    inet_ntop(c->af == 4 ? AF_INET : AF_INET6, c->addr, text,
		      sizeof(text)) == NULL)
		return -1;
	if (c->bits == full)
		n = snprintf(dst, cap, "%s", text);
	else
		n = snprintf(dst, cap, "%s/%u", text, (unsigned)c->bits);
	if (n < 0 || (size_t)n >= cap)
		return -1;
	return n;
}
