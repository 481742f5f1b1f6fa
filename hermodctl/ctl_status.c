/*
 * ctl_status — `hermodctl status [--json]`: what Redis says is running. The
 * live boxes (heartbeats P:box:ID), the links (queues P:q:LINK and their
 * up keys P:link:LINK:up) and every modembox's modems (P:modembox:ID, see
 * doc/modembox.md). Read-only; keys are found with SCAN, never KEYS.
 */
#include "config.h"

#include "hermodctl/ctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#define ST_SCANS_MAX 100000
#define ST_NAMES_MAX 4096
#define ST_KEY_MAX 512

const char ctl_status_usage[] =
    "  status [--json]                    (live boxes, links, modems)\n";

struct st_names {
	char **v;
	size_t n, cap;
};

static void st_names_free(struct st_names *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int st_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds name once (s is kept sorted only at the end). */
static int st_names_add(struct st_names *s, const char *name, size_t len)
{
	size_t i;
	char *p;

	for (i = 0; i < s->n; i++)
		if (strlen(s->v[i]) == len && memcmp(s->v[i], name, len) == 0)
			return 0;
	if (s->n == ST_NAMES_MAX)
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		char **v = realloc(s->v, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	p = strndup(name, len);
	if (p == NULL)
		return -1;
	s->v[s->n++] = p;
	return 0;
}

/*
 * SCANs "{prefix}:" head "*" tail for keys of type, adding the part the
 * '*' matched to out. Returns 0 or -1 (printed).
 */
static int st_scan(struct ctl *c, const char *head, const char *tail,
    const char *type, struct st_names *out)
{
	char pat[ST_KEY_MAX], cursor[32] = "0", star[ST_KEY_MAX];
	const char *av[8] = { "SCAN", cursor, "MATCH", pat, "COUNT", "1000",
	    "TYPE", type };
	size_t hlen, tlen = strlen(tail), i;
	unsigned scans = 0;

	snprintf(star, sizeof(star), "%s*%s", head, tail);
	if (ctl_key(c, pat, sizeof(pat), star, NULL) < 0)
		return -1;
	hlen = strlen(pat) - 1 - tlen;
	do {
		redisReply *r = ctl_run(c, 8, av, NULL);

		if (r == NULL)
			return -1;
		if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
		    r->element[0]->type != REDIS_REPLY_STRING ||
		    r->element[1]->type != REDIS_REPLY_ARRAY) {
			ctl_err("unexpected SCAN reply");
			freeReplyObject(r);
			return -1;
		}
		for (i = 0; i < r->element[1]->elements; i++) {
			const redisReply *k = r->element[1]->element[i];

			if (k->type != REDIS_REPLY_STRING || k->len <= hlen + tlen)
				continue;
			if (st_names_add(out, k->str + hlen, k->len - hlen - tlen) < 0) {
				freeReplyObject(r);
				ctl_err("out of memory");
				return -1;
			}
		}
		snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
		freeReplyObject(r);
	} while (strcmp(cursor, "0") != 0 && ++scans < ST_SCANS_MAX);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), st_cmp);
	return 0;
}

/* One command on "{prefix}:" suffix name; NULL (printed) on error. */
static redisReply *st_cmd(struct ctl *c, const char *cmd, const char *suffix,
    const char *name)
{
	char key[ST_KEY_MAX];
	const char *av[2] = { cmd, key };

	if (ctl_key(c, key, sizeof(key), suffix, name) < 0)
		return NULL;
	return ctl_run(c, 2, av, NULL);
}

/* A field of an HGETALL reply, or NULL. */
static const char *st_get(const redisReply *h, const char *field)
{
	size_t i;

	if (h == NULL || h->type != REDIS_REPLY_ARRAY)
		return NULL;
	for (i = 0; i + 1 < h->elements; i += 2)
		if (h->element[i]->type == REDIS_REPLY_STRING &&
		    h->element[i + 1]->type == REDIS_REPLY_STRING &&
		    strcmp(h->element[i]->str, field) == 0)
			return h->element[i + 1]->str;
	return NULL;
}

static const char *st_modem(const redisReply *h, const char *modem,
    const char *field)
{
	char k[ST_KEY_MAX];

	snprintf(k, sizeof(k), "%s.%s", modem, field);
	return st_get(h, k);
}

/* The modem names of a modembox hash (fields "MODEM.state"), sorted. */
static int st_modems(const redisReply *h, struct st_names *out)
{
	size_t i;

	for (i = 0; h->type == REDIS_REPLY_ARRAY && i + 1 < h->elements; i += 2) {
		const redisReply *f = h->element[i];

		if (f->type == REDIS_REPLY_STRING && f->len > 6 &&
		    strcmp(f->str + f->len - 6, ".state") == 0 &&
		    st_names_add(out, f->str, f->len - 6) < 0)
			return -1;
	}
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), st_cmp);
	return 0;
}

static bool st_is_int(const char *s)
{
	if (s == NULL)
		return false;
	if (*s == '-')
		s++;
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Text cell: escaped like ctl_print_escaped, padded to w (0: none). */
static void st_cell(const char *s, int w)
{
	int n = 0;

	if (s == NULL || *s == '\0')
		s = "-";
	for (; *s != '\0'; s++, n++) {
		unsigned char ch = (unsigned char)*s;

		if (ch < 0x20 || ch >= 0x7f) {
			putchar('?');
			continue;
		}
		putchar(ch);
	}
	for (; n < w; n++)
		putchar(' ');
	putchar(' ');
}

static void st_json_str(const char *s)
{
	if (s == NULL) {
		fputs("null", stdout);
		return;
	}
	putchar('"');
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static void st_json_num(const char *s)
{
	if (st_is_int(s))
		fputs(s, stdout);
	else
		st_json_str(s);
}

/* ------------------------------------------------------------ boxes */

/* "1d 02:03:04" since unix time started, or "-". */
static const char *st_uptime(const char *started, char *buf, size_t cap)
{
	long long s = st_is_int(started) ? strtoll(started, NULL, 10) : -1;
	long long now = (long long)time(NULL);
	unsigned long long up;

	if (s < 0 || now < s)
		return "-";
	up = (unsigned long long)(now - s);
	snprintf(buf, cap, "%llud %02llu:%02llu:%02llu", up / 86400,
	    up / 3600 % 24, up / 60 % 60, up % 60);
	return buf;
}

static int st_boxes(struct ctl *c, bool json)
{
	struct st_names n = { 0 };
	char up[48];
	size_t i;

	if (st_scan(c, "box:", "", "hash", &n) < 0)
		return -1;
	if (json)
		fputs("\"boxes\":[", stdout);
	else
		printf("Boxes\n  %-40s %-10s %-8s %-12s %s\n", "ID", "TYPE",
		    "PID", "UP", "VERSION");
	for (i = 0; i < n.n; i++) {
		redisReply *h = st_cmd(c, "HGETALL", "box:", n.v[i]);

		if (h == NULL) {
			st_names_free(&n);
			return -1;
		}
		if (json) {
			printf("%s{\"id\":", i ? "," : "");
			st_json_str(n.v[i]);
			fputs(",\"type\":", stdout);
			st_json_str(st_get(h, "type"));
			fputs(",\"host\":", stdout);
			st_json_str(st_get(h, "host"));
			fputs(",\"pid\":", stdout);
			st_json_num(st_get(h, "pid"));
			fputs(",\"started\":", stdout);
			st_json_num(st_get(h, "started"));
			fputs(",\"version\":", stdout);
			st_json_str(st_get(h, "version"));
			putchar('}');
		} else {
			fputs("  ", stdout);
			st_cell(n.v[i], 40);
			st_cell(st_get(h, "type"), 10);
			st_cell(st_get(h, "pid"), 8);
			st_cell(st_uptime(st_get(h, "started"), up, sizeof(up)), 12);
			st_cell(st_get(h, "version"), 0);
			putchar('\n');
		}
		freeReplyObject(h);
	}
	if (json)
		fputs("],\n", stdout);
	else if (n.n == 0)
		puts("  (no box is running)");
	st_names_free(&n);
	return 0;
}

/* ------------------------------------------------------------ links */

static int st_links(struct ctl *c, bool json)
{
	struct st_names n = { 0 }, up = { 0 };
	char suffix[ST_KEY_MAX];
	size_t i;

	if (st_scan(c, "q:", "", "stream", &n) < 0 ||
	    st_scan(c, "link:", ":up", "string", &up) < 0)
		goto fail;
	for (i = 0; i < up.n; i++)
		if (st_names_add(&n, up.v[i], strlen(up.v[i])) < 0)
			goto fail;
	if (n.n > 1)
		qsort(n.v, n.n, sizeof(*n.v), st_cmp);
	if (json)
		fputs("\"links\":[", stdout);
	else
		printf("\nLinks\n  %-16s %-8s %s\n", "LINK", "QUEUE",
		    "UP (held by)");
	for (i = 0; i < n.n; i++) {
		redisReply *q = st_cmd(c, "XLEN", "q:", n.v[i]), *h;
		long long qlen = q != NULL && q->type == REDIS_REPLY_INTEGER ?
		    q->integer : -1;

		freeReplyObject(q);
		snprintf(suffix, sizeof(suffix), "link:%s:up", n.v[i]);
		h = st_cmd(c, "GET", suffix, NULL);
		if (h == NULL)
			goto fail;
		if (json) {
			printf("%s{\"id\":", i ? "," : "");
			st_json_str(n.v[i]);
			printf(",\"queue\":%lld,\"up\":%s,\"holder\":", qlen,
			    h->type == REDIS_REPLY_STRING ? "true" : "false");
			st_json_str(h->type == REDIS_REPLY_STRING ? h->str : NULL);
			putchar('}');
		} else {
			fputs("  ", stdout);
			st_cell(n.v[i], 16);
			printf("%-8lld ", qlen);
			if (h->type == REDIS_REPLY_STRING) {
				fputs("up: ", stdout);
				st_cell(h->str, 0);
			} else {
				fputs("down", stdout);
			}
			putchar('\n');
		}
		freeReplyObject(h);
	}
	if (json)
		fputs("],\n", stdout);
	else if (n.n == 0)
		puts("  (no link queue or up key)");
	st_names_free(&n);
	st_names_free(&up);
	return 0;
fail:
	st_names_free(&n);
	st_names_free(&up);
	return -1;
}

/* ------------------------------------------------------------ modems */

static const char *const st_fields[] = {
	"state", "line", "imei", "imsi", "number", "signal", "registration",
	"sent", "send-errors", "received", "reports", "resets", "today",
	"total", "daily-limit", "total-limit", "send-rate", "links",
};

static const char *st_signal(const char *v, char *buf, size_t cap)
{
	long rssi = st_is_int(v) ? strtol(v, NULL, 10) : -1;

	if (rssi < 0)
		return "-";
	if (rssi == 99)
		return "?";
	snprintf(buf, cap, "%ld(%lddBm)", rssi, -113 + 2 * rssi);
	return buf;
}

static const char *st_reg(const char *v)
{
	static const char *const w[] = { "no", "home", "search", "denied",
	    "unknown", "roaming" };
	long r = st_is_int(v) ? strtol(v, NULL, 10) : -1;

	return r >= 0 && r <= 5 ? w[r] : "-";
}

static const char *st_of(const char *n, const char *lim, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/%s", st_is_int(n) ? n : "-",
	    st_is_int(lim) && strcmp(lim, "0") != 0 ? lim : "-");
	return buf;
}

static void st_modem_text(const redisReply *h, const char *m)
{
	char sig[48], day[64], tot[64];

	fputs("  ", stdout);
	st_cell(m, 12);
	st_cell(st_modem(h, m, "state"), 8);
	st_cell(st_signal(st_modem(h, m, "signal"), sig, sizeof(sig)), 11);
	st_cell(st_reg(st_modem(h, m, "registration")), 8);
	st_cell(st_modem(h, m, "imsi"), 16);
	st_cell(st_modem(h, m, "number"), 14);
	st_cell(st_modem(h, m, "sent"), 6);
	st_cell(st_modem(h, m, "send-errors"), 5);
	st_cell(st_modem(h, m, "received"), 6);
	st_cell(st_of(st_modem(h, m, "today"), st_modem(h, m, "daily-limit"),
	    day, sizeof(day)), 11);
	st_cell(st_of(st_modem(h, m, "total"), st_modem(h, m, "total-limit"),
	    tot, sizeof(tot)), 13);
	st_cell(st_modem(h, m, "send-rate"), 0);
	putchar('\n');
}

static void st_modem_json(const redisReply *h, const char *m)
{
	size_t i;

	fputs("{\"id\":", stdout);
	st_json_str(m);
	for (i = 0; i < sizeof(st_fields) / sizeof(*st_fields); i++) {
		const char *v = st_modem(h, m, st_fields[i]);

		printf(",\"%s\":", st_fields[i]);
		if (i < 5)
			st_json_str(v);
		else
			st_json_num(v);
	}
	putchar('}');
}

static int st_modembox(struct ctl *c, const char *id, bool json, bool first)
{
	redisReply *h = st_cmd(c, "HGETALL", "modembox:", id);
	struct st_names m = { 0 };
	const char *ts;
	size_t i;

	if (h == NULL)
		return -1;
	if (h->type != REDIS_REPLY_ARRAY || h->elements == 0) {
		freeReplyObject(h);	/* expired since the SCAN */
		return 0;
	}
	if (st_modems(h, &m) < 0) {
		freeReplyObject(h);
		return -1;
	}
	ts = st_get(h, "ts");
	if (json) {
		printf("%s{\"id\":", first ? "" : ",");
		st_json_str(id);
		fputs(",\"box\":", stdout);
		st_json_str(st_get(h, "box"));
		fputs(",\"ts\":", stdout);
		st_json_num(ts);
		fputs(",\"modems\":[", stdout);
	} else {
		fputs("\nModembox ", stdout);
		st_cell(id, 0);
		fputs("(", stdout);
		fputs(st_get(h, "box") ? st_get(h, "box") : "-", stdout);
		if (st_is_int(ts))
			printf(", updated %llds ago)\n",
			    (long long)time(NULL) - strtoll(ts, NULL, 10));
		else
			puts(")");
		printf("  %-12s %-8s %-11s %-8s %-16s %-14s %-6s %-5s %-6s %-11s "
		    "%-13s %s\n", "MODEM", "STATE", "SIGNAL", "REG", "IMSI",
		    "NUMBER", "SENT", "ERRS", "RECV", "TODAY/DAY", "TOTAL/LIMIT",
		    "RATE/MIN");
	}
	for (i = 0; i < m.n; i++) {
		if (json) {
			if (i > 0)
				putchar(',');
			st_modem_json(h, m.v[i]);
		} else {
			st_modem_text(h, m.v[i]);
		}
	}
	if (json)
		fputs("]}", stdout);
	else if (m.n == 0)
		puts("  (no modems)");
	st_names_free(&m);
	freeReplyObject(h);
	return 0;
}

static int st_modemboxes(struct ctl *c, bool json)
{
	struct st_names n = { 0 };
	size_t i;

	if (st_scan(c, "modembox:", "", "hash", &n) < 0)
		return -1;
	if (json)
		fputs("\"modemboxes\":[", stdout);
	for (i = 0; i < n.n; i++)
		if (st_modembox(c, n.v[i], json, i == 0) < 0) {
			st_names_free(&n);
			return -1;
		}
	if (json)
		fputs("]\n", stdout);
	else if (n.n == 0)
		puts("\nModemboxes\n  (no modembox is running)");
	st_names_free(&n);
	return 0;
}

int ctl_status_main(struct ctl *c, int argc, char **argv)
{
	bool json = false;
	int i;

	for (i = 1; i < argc; i++) {
		if (ctl_is_help(argv[i])) {
			fputs("usage: hermodctl [-c FILE] status [--json]\n", stdout);
			return CTL_OK;
		} else if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else {
			ctl_err("status: unknown argument: %s", argv[i]);
			fputs(ctl_status_usage, stderr);
			return CTL_USAGE;
		}
	}
	if (ctl_connect(c) < 0)
		return CTL_FAIL;
	if (json)
		putchar('{');
	if (st_boxes(c, json) < 0 || st_links(c, json) < 0 ||
	    st_modemboxes(c, json) < 0)
		return CTL_FAIL;
	if (json)
		puts("}");
	return CTL_OK;
}
