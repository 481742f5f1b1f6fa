/*
 * bb_adm_render — the admin pages' output (bb_adm_int.h, doc/admin.md): the
 * /status JSON, the ?format=text tables, the Prometheus text exposition of
 * /metrics. Reads the links', receipts' and SMPP server's counters through
 * their headers and what a request's Redis calls collected.
 */
#include "config.h"

#include "bearerbox/bb_adm_int.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bearerbox/bb_dlr.h"
#include "bearerbox/bb_link.h"
#include "bearerbox/bb_queue.h"
#include "bearerbox/bb_server.h"
#include "shared/codec/conf_schema.h"
#include "shared/io/box.h"
#include "shared/io/loop.h"

/* ------------------------------------------------------------ output buffer */

static void buf_add(struct adm_buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (b->len + n + 1 > cap)
			cap *= 2;
		p = realloc(b->p, cap);
		if (p == NULL) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* A string literal, its length known at compile time. */
#define BUF_LIT(b, lit) buf_add((b), (lit), sizeof(lit) - 1)

static void buf_str(struct adm_buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void buf_printf(struct adm_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void buf_printf(struct adm_buf *b, const char *fmt, ...)
{
	char tmp[512], *big;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(tmp)) {
		buf_add(b, tmp, (size_t)n);
		return;
	}
	big = malloc((size_t)n + 1);
	if (big == NULL) {
		b->oom = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	buf_add(b, big, (size_t)n);
	free(big);
}

/* A JSON string: quotes, backslashes, control and non-ASCII bytes escaped
 * (always valid JSON, whatever Redis held). */
static void buf_json(struct adm_buf *b, const char *s)
{
	BUF_LIT(b, "\"");
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };

			buf_add(b, e, 2);
		} else if (c < 0x20 || c >= 0x7f) {
			buf_printf(b, "\\u%04x", c);
		} else {
			buf_add(b, s, 1);
		}
	}
	BUF_LIT(b, "\"");
}

/* A Prometheus label value: backslash, quote and newline escaped. */
static void buf_label(struct adm_buf *b, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			buf_printf(b, "\\%c", *s);
		else if (*s == '\n')
			BUF_LIT(b, "\\n");
		else
			buf_add(b, s, 1);
	}
}

/* Text for the table: control and non-ASCII bytes as '?', "-" for none,
 * at most max bytes. Returns how many were written. */
static int buf_text(struct adm_buf *b, const char *s, int max)
{
	int n = 0;

	if (s == NULL || *s == '\0')
		s = "-";
	for (; *s != '\0' && n < max; s++, n++) {
		unsigned char c = (unsigned char)*s;

		buf_add(b, c < 0x20 || c >= 0x7f ? "?" : s, 1);
	}
	return n;
}

/* A table cell: the text padded to w columns and cut there (w 0: as long as
 * it is), then a space. */
static void buf_cell(struct adm_buf *b, const char *s, int w)
{
	int n = buf_text(b, s, w > 0 ? w : 1 << 20);

	for (; n < w; n++)
		BUF_LIT(b, " ");
	BUF_LIT(b, " ");
}

/* ------------------------------------------------------------ items */


static const char *item_get(const struct adm_item *it, const char *field)
{
	size_t i;

	for (i = 0; i < it->n; i++)
		if (strcmp(it->kv[2 * i], field) == 0)
			return it->kv[2 * i + 1];
	return NULL;
}

/* MODEM.field of a modembox item. */
static const char *item_modem(const struct adm_item *it, const char *modem,
			      const char *field)
{
	char k[256];

	if (snprintf(k, sizeof(k), "%s.%s", modem, field) >= (int)sizeof(k))
		return NULL;
	return item_get(it, k);
}

/* True when s is a decimal integer (what the status hashes hold). */
static bool is_int(const char *s)
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

/* The modems of a modembox item: the names of its "MODEM.state" fields,
 * sorted (pointers into the item; free the array only). */
static int str_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static size_t item_modems(const struct adm_item *it, char ***out)
{
	size_t i, n = 0;
	char **v = calloc(it->n + 1, sizeof(*v));

	*out = v;
	if (v == NULL)
		return 0;
	for (i = 0; i < it->n; i++) {
		char *f = it->kv[2 * i];
		size_t len = strlen(f);

		if (len > 6 && strcmp(f + len - 6, ".state") == 0)
			v[n++] = f;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), str_cmp);
	return n;
}

/* Copies "gsm0.state" → "gsm0" into buf. */
static const char *modem_name(const char *field, char *buf, size_t cap)
{
	size_t len = strlen(field) - 6;

	if (len >= cap)
		len = cap - 1;
	memcpy(buf, field, len);
	buf[len] = '\0';
	return buf;
}

/* ------------------------------------------------------------ rendering */

static const char *link_state(const struct bb_link_stats *s)
{
	if (s->up)
		return "up";
	return s->connecting > 0 ? "connecting" : "down";
}

static long long link_rate(const struct bb_admin *a, size_t i)
{
	const struct conf_group *g = NULL;
	const char *id = bb_link_id(a->src.links[i]);

	while ((g = conf_group_next(a->b->conf, g, "smsc")) != NULL)
		if (strcmp(conf_schema_get_str(g, "smsc-id"), id) == 0)
			return conf_schema_get_int(g, "throughput");
	return 0;
}

/* Binds of an account's P:binds item: all, and those of this bearerbox. */
static void binds_count(const struct bb_admin *a, const struct adm_item *it,
			size_t *all, size_t *here)
{
	size_t i, idlen = strlen(a->b->id);

	*all = it->n;
	*here = 0;
	for (i = 0; i < it->n; i++)
		*here += strncmp(it->kv[2 * i], a->b->id, idlen) == 0 &&
			 it->kv[2 * i][idlen] == '/';
}

static const char *const adm_modem_num[] = {
	"signal", "registration", "sent", "send-errors", "received", "reports",
	"resets", "today", "total", "daily-limit", "total-limit", "send-rate",
	"links",
};
static const char *const adm_modem_str[] = {
	"state", "line", "imei", "imsi", "number",
};

static void json_modem(struct adm_buf *b, const struct adm_item *it,
		       const char *modem)
{
	size_t i;

	BUF_LIT(b, "{\"id\":");
	buf_json(b, modem);
	for (i = 0; i < sizeof(adm_modem_str) / sizeof(*adm_modem_str); i++) {
		buf_printf(b, ",\"%s\":", adm_modem_str[i]);
		buf_json(b, item_modem(it, modem, adm_modem_str[i]));
	}
	for (i = 0; i < sizeof(adm_modem_num) / sizeof(*adm_modem_num); i++) {
		const char *v = item_modem(it, modem, adm_modem_num[i]);

		buf_printf(b, ",\"%s\":%s", adm_modem_num[i],
			   is_int(v) ? v : "null");
	}
	BUF_LIT(b, "}");
}

static void json_modemboxes(const struct adm_job *j, struct adm_buf *b)
{
	const struct adm_list *l = &j->l[ADM_MODEMBOXES];
	size_t i, m, n;

	BUF_LIT(b, "\"modemboxes\":[");
	for (i = 0; i < l->n; i++) {
		const char *ts = item_get(&l->it[i], "ts");
		char **mods, name[256];

		buf_str(b, i ? ",{\"id\":" : "{\"id\":");
		buf_json(b, l->it[i].name);
		BUF_LIT(b, ",\"box\":");
		buf_json(b, item_get(&l->it[i], "box"));
		buf_printf(b, ",\"ts\":%s,\"modems\":[", is_int(ts) ? ts : "null");
		n = item_modems(&l->it[i], &mods);
		for (m = 0; m < n; m++) {
			if (m > 0)
				BUF_LIT(b, ",");
			json_modem(b, &l->it[i],
				   modem_name(mods[m], name, sizeof(name)));
		}
		free(mods);
		BUF_LIT(b, "]}");
	}
	BUF_LIT(b, "],\n");
}

static void json_boxes(const struct adm_job *j, struct adm_buf *b)
{
	const struct adm_list *l = &j->l[ADM_BOXES];
	size_t i;

	BUF_LIT(b, "\"boxes\":[");
	for (i = 0; i < l->n; i++) {
		const char *pid = item_get(&l->it[i], "pid");
		const char *st = item_get(&l->it[i], "started");

		buf_str(b, i ? ",{\"id\":" : "{\"id\":");
		buf_json(b, l->it[i].name);
		BUF_LIT(b, ",\"type\":");
		buf_json(b, item_get(&l->it[i], "type"));
		BUF_LIT(b, ",\"host\":");
		buf_json(b, item_get(&l->it[i], "host"));
		buf_printf(b, ",\"pid\":%s,\"started\":%s,\"version\":",
			   is_int(pid) ? pid : "null", is_int(st) ? st : "null");
		buf_json(b, item_get(&l->it[i], "version"));
		BUF_LIT(b, "}");
	}
	BUF_LIT(b, "]");
}

static void json_server(const struct adm_job *j, struct adm_buf *b)
{
	const struct bb_admin *a = j->a;
	const struct adm_list *l = &j->l[ADM_BINDS];
	struct bb_server_stats st;
	size_t i, all, here;

	if (a->src.server == NULL) {
		BUF_LIT(b, "\"smpp_server\":null,\n");
		return;
	}
	bb_server_stats(a->src.server, &st);
	buf_printf(b, "\"smpp_server\":{\"port\":%d,\"binds\":%" PRIu64
		   ",\"connections\":%" PRIu64 ",\"bind_ok\":%" PRIu64
		   ",\"bind_failed\":%" PRIu64 ",", bb_server_port(a->src.server),
		   st.binds, st.conns, st.bind_ok, st.bind_fail);
	buf_printf(b, "\"submit_ok\":%" PRIu64 ",\"submit_failed\":%" PRIu64
		   ",\"throttled\":%" PRIu64 ",\"receipts_sent\":%" PRIu64
		   ",\"mo_sent\":%" PRIu64 ",\"accounts\":[", st.submit_ok,
		   st.submit_fail, st.throttled, st.receipts_sent, st.mo_sent);
	for (i = 0; i < l->n; i++) {
		binds_count(a, &l->it[i], &all, &here);
		buf_str(b, i ? ",{\"account\":" : "{\"account\":");
		buf_json(b, l->it[i].name);
		buf_printf(b, ",\"binds\":%zu,\"binds_here\":%zu}", all, here);
	}
	BUF_LIT(b, "]},\n");
}

static void json_links(const struct adm_job *j, struct adm_buf *b)
{
	const struct bb_admin *a = j->a;
	size_t i;

	BUF_LIT(b, "\"links\":[");
	for (i = 0; i < a->src.nlinks; i++) {
		struct bb_link_stats s;

		bb_link_stats(a->src.links[i], &s);
		buf_str(b, i ? ",\n{\"id\":" : "\n{\"id\":");
		buf_json(b, bb_link_id(a->src.links[i]));
		buf_printf(b, ",\"state\":\"%s\",\"sessions\":%zu,\"bound\":%zu,"
			   "\"connecting\":%zu,\"window\":%d,\"inflight\":%zu,"
			   "\"throughput\":%lld,\"adaptive_rate\":%.1f,",
			   link_state(&s), s.sessions, s.bound, s.connecting,
			   s.window, s.inflight, link_rate(a, i), s.adaptive_rate);
		if (j->qlen[i] >= 0)
			buf_printf(b, "\"queue\":%lld,", j->qlen[i]);
		else
			BUF_LIT(b, "\"queue\":null,");
		BUF_LIT(b, "\"up_holder\":");
		if (j->holder[i] != NULL)
			buf_json(b, j->holder[i]);
		else
			BUF_LIT(b, "null");
		buf_printf(b, ",\"submitted\":%" PRIu64 ",\"failed\":%" PRIu64
			   ",\"expired\":%" PRIu64 ",\"retried\":%" PRIu64
			   ",\"failover\":%" PRIu64 ",\"delivers\":%" PRIu64 "}",
			   s.q.submitted, s.q.failed, s.q.expired, s.q.retried,
			   s.q.moved, s.delivers);
	}
	BUF_LIT(b, "],\n");
}

/* The watches of type = modem links: what this bearerbox moved off them. */
static void json_watches(const struct adm_job *j, struct adm_buf *b)
{
	const struct bb_admin *a = j->a;
	size_t i;

	BUF_LIT(b, "\"watches\":[");
	for (i = 0; i < a->src.nwatches; i++) {
		struct bb_queue_stats s;

		bb_queue_stats(a->src.watches[i], &s);
		buf_str(b, i ? ",\n{\"id\":" : "\n{\"id\":");
		buf_json(b, bb_queue_link(a->src.watches[i]));
		buf_printf(b, ",\"failover\":%" PRIu64 ",\"expired\":%" PRIu64
			   ",\"failed\":%" PRIu64 ",\"retried\":%" PRIu64 "}",
			   s.moved, s.expired, s.failed, s.retried);
	}
	BUF_LIT(b, "],\n");
}

static void render_json(const struct adm_job *j, struct adm_buf *b)
{
	const struct bb_admin *a = j->a;
	const struct bb_dlr_stats *d = bb_dlr_stats(a->src.dlr);

	BUF_LIT(b, "{\"bearerbox\":{\"id\":");
	buf_json(b, a->b->id);
	buf_printf(b, ",\"version\":\"%s\",\"started\":%lld,\"uptime_s\":%llu,"
		   "\"redis\":%s,\"complete\":%s},\n", PACKAGE_VERSION,
		   (long long)a->started,
		   (loop_now_ms(a->b->loop) - a->started_ms) / 1000,
		   j->redis ? "true" : "false",
		   j->redis && !j->partial ? "true" : "false");
	json_links(j, b);
	json_watches(j, b);
	buf_printf(b, "\"receipts\":{\"matched\":%" PRIu64 ",\"unmatched\":%"
		   PRIu64 ",\"early\":%" PRIu64 ",\"bad\":%" PRIu64
		   ",\"events\":%" PRIu64 "},\n", d->receipts_matched,
		   d->receipts_unmatched, d->receipts_early, d->receipts_bad,
		   d->events);
	buf_printf(b, "\"mo\":{\"complete\":%" PRIu64 ",\"parts_pending\":%"
		   PRIu64 ",\"unknown_number\":%" PRIu64 ",\"incomplete\":%"
		   PRIu64 ",\"redis_errors\":%" PRIu64 "},\n", d->mo_complete,
		   d->mo_parts_pending, d->mo_unknown_number, d->mo_incomplete,
		   d->redis_errors);
	json_server(j, b);
	json_modemboxes(j, b);
	json_boxes(j, b);
	BUF_LIT(b, "}\n");
}

/* ---- text */

static void text_links(const struct adm_job *j, struct adm_buf *b)
{
	const struct bb_admin *a = j->a;
	size_t i;

	buf_printf(b, "\nLinks\n  %-16s %-10s %-7s %-6s %-8s %-7s %-5s "
		   "%-8s %-7s %-7s %-8s %s\n", "smsc-id", "state", "bound",
		   "window", "inflight", "queue", "tput", "sent", "failed",
		   "retried", "failover", "deliver");
	for (i = 0; i < a->src.nlinks; i++) {
		struct bb_link_stats s;
		char bound[24], q[24], tput[24];

		bb_link_stats(a->src.links[i], &s);
		snprintf(bound, sizeof(bound), "%zu/%zu", s.bound, s.sessions);
		if (j->qlen[i] >= 0)
			snprintf(q, sizeof(q), "%lld", j->qlen[i]);
		else
			snprintf(q, sizeof(q), "-");
		if (link_rate(a, i) > 0)
			snprintf(tput, sizeof(tput), "%lld", link_rate(a, i));
		else
			snprintf(tput, sizeof(tput), "-");
		BUF_LIT(b, "  ");
		buf_cell(b, bb_link_id(a->src.links[i]), 16);
		buf_printf(b, "%-10s %-7s %-6d %-8zu %-7s %-5s %-8" PRIu64
			   " %-7" PRIu64 " %-7" PRIu64 " %-8" PRIu64 " %" PRIu64
			   "\n", link_state(&s), bound, s.window, s.inflight, q,
			   tput, s.q.submitted, s.q.failed, s.q.retried,
			   s.q.moved, s.delivers);
	}
	if (a->src.nlinks == 0)
		BUF_LIT(b, "  (none)\n");
	for (i = 0; i < a->src.nwatches; i++) {
		struct bb_queue_stats s;

		bb_queue_stats(a->src.watches[i], &s);
		buf_str(b, i ? "  " : "  modem links watched here (moved while "
				      "their modembox was down):\n  ");
		buf_cell(b, bb_queue_link(a->src.watches[i]), 16);
		buf_printf(b, "failover %" PRIu64 ", expired %" PRIu64
			   ", failed %" PRIu64 ", retried %" PRIu64 "\n",
			   s.moved, s.expired, s.failed, s.retried);
	}
}

static void text_server(const struct adm_job *j, struct adm_buf *b)
{
	const struct bb_admin *a = j->a;
	const struct adm_list *l = &j->l[ADM_BINDS];
	struct bb_server_stats st;
	size_t i, all, here;

	if (a->src.server == NULL)
		return;
	bb_server_stats(a->src.server, &st);
	buf_printf(b, "\nSMPP server port %d: binds %" PRIu64 ", connections %"
		   PRIu64 ", bind ok %" PRIu64 " failed %" PRIu64
		   ", submit ok %" PRIu64 " failed %" PRIu64 " throttled %"
		   PRIu64 ", receipts sent %" PRIu64 ", MO sent %" PRIu64 "\n",
		   bb_server_port(a->src.server), st.binds, st.conns,
		   st.bind_ok, st.bind_fail, st.submit_ok, st.submit_fail,
		   st.throttled, st.receipts_sent, st.mo_sent);
	if (l->n > 0)
		buf_printf(b, "  %-16s %-6s %s\n", "account", "binds", "here");
	for (i = 0; i < l->n; i++) {
		binds_count(a, &l->it[i], &all, &here);
		BUF_LIT(b, "  ");
		buf_cell(b, l->it[i].name, 16);
		buf_printf(b, "%-6zu %zu\n", all, here);
	}
}

static const char *text_signal(const char *v, char *buf, size_t cap)
{
	long rssi;

	if (!is_int(v))
		return "-";
	rssi = strtol(v, NULL, 10);
	if (rssi < 0)
		return "-";
	if (rssi == 99)
		return "?";
	snprintf(buf, cap, "%ld(%lddBm)", rssi, -113 + 2 * rssi);
	return buf;
}

static const char *text_reg(const char *v)
{
	static const char *const w[] = { "no", "home", "search", "denied",
					 "unknown", "roaming" };
	long r = is_int(v) ? strtol(v, NULL, 10) : -1;

	return r >= 0 && r <= 5 ? w[r] : "-";
}

/* "today/limit" with "-" for no limit. */
static const char *text_of(const char *n, const char *lim, char *buf,
			   size_t cap)
{
	snprintf(buf, cap, "%s/%s", is_int(n) ? n : "-",
		 is_int(lim) && strcmp(lim, "0") != 0 ? lim : "-");
	return buf;
}

static void text_modembox(const struct adm_item *it, time_t now,
			  struct adm_buf *b)
{
	const char *ts = item_get(it, "ts");
	char **mods, name[256], sig[48], day[48], tot[48];
	size_t m, n;

	BUF_LIT(b, "\nModembox ");
	buf_cell(b, it->name, 0);
	BUF_LIT(b, "(");
	buf_text(b, item_get(it, "box"), 1 << 20);
	if (is_int(ts))
		buf_printf(b, ", updated %llds ago)\n",
			   (long long)now - strtoll(ts, NULL, 10));
	else
		BUF_LIT(b, ")\n");
	buf_printf(b, "  %-12s %-8s %-11s %-8s %-16s %-14s %-6s %-5s %-6s "
		   "%-11s %-13s %s\n", "modem", "state", "signal", "reg", "imsi",
		   "number", "sent", "errs", "recv", "today/day", "total/limit",
		   "rate/min");
	n = item_modems(it, &mods);
	for (m = 0; m < n; m++) {
		const char *mo = modem_name(mods[m], name, sizeof(name));

		BUF_LIT(b, "  ");
		buf_cell(b, mo, 12);
		buf_cell(b, item_modem(it, mo, "state"), 8);
		buf_cell(b, text_signal(item_modem(it, mo, "signal"), sig,
					sizeof(sig)), 11);
		buf_cell(b, text_reg(item_modem(it, mo, "registration")), 8);
		buf_cell(b, item_modem(it, mo, "imsi"), 16);
		buf_cell(b, item_modem(it, mo, "number"), 14);
		buf_cell(b, item_modem(it, mo, "sent"), 6);
		buf_cell(b, item_modem(it, mo, "send-errors"), 5);
		buf_cell(b, item_modem(it, mo, "received"), 6);
		buf_cell(b, text_of(item_modem(it, mo, "today"),
				    item_modem(it, mo, "daily-limit"), day,
				    sizeof(day)), 11);
		buf_cell(b, text_of(item_modem(it, mo, "total"),
				    item_modem(it, mo, "total-limit"), tot,
				    sizeof(tot)), 13);
		buf_cell(b, item_modem(it, mo, "send-rate"), 0);
		BUF_LIT(b, "\n");
	}
	if (n == 0)
		BUF_LIT(b, "  (no modems)\n");
	free(mods);
}

static void render_text(const struct adm_job *j, struct adm_buf *b)
{
	const struct bb_admin *a = j->a;
	const struct bb_dlr_stats *d = bb_dlr_stats(a->src.dlr);
	unsigned long long up = (loop_now_ms(a->b->loop) - a->started_ms) / 1000;
	const struct adm_list *l;
	time_t now = time(NULL);
	size_t i;

	buf_printf(b, "Hermod bearerbox %s, uptime %llud %02llu:%02llu:%02llu"
		   ", Redis %s\n  id ", PACKAGE_VERSION, up / 86400,
		   up / 3600 % 24, up / 60 % 60, up % 60,
		   !j->redis ? "down" : j->partial ? "up (partial answers)" : "up");
	buf_cell(b, a->b->id, 0);
	BUF_LIT(b, "\n");
	text_links(j, b);
	buf_printf(b, "\nReceipts: matched %" PRIu64 ", unmatched %" PRIu64
		   ", early %" PRIu64 ", unreadable %" PRIu64 "; events %" PRIu64
		   "\nMO: complete %" PRIu64 ", parts waiting %" PRIu64
		   ", unknown number %" PRIu64 ", incomplete %" PRIu64
		   "; Redis errors %" PRIu64 "\n", d->receipts_matched,
		   d->receipts_unmatched, d->receipts_early, d->receipts_bad,
		   d->events, d->mo_complete, d->mo_parts_pending,
		   d->mo_unknown_number, d->mo_incomplete, d->redis_errors);
	text_server(j, b);
	l = &j->l[ADM_MODEMBOXES];
	for (i = 0; i < l->n; i++)
		text_modembox(&l->it[i], now, b);
	l = &j->l[ADM_BOXES];
	buf_printf(b, "\nBoxes\n  %-40s %-10s %-8s %-12s %s\n", "id", "type",
		   "pid", "up", "version");
	for (i = 0; i < l->n; i++) {
		const char *st = item_get(&l->it[i], "started");
		char upt[32] = "-";

		if (is_int(st) && now >= strtoll(st, NULL, 10)) {
			up = (unsigned long long)(now - strtoll(st, NULL, 10));
			snprintf(upt, sizeof(upt), "%llud %02llu:%02llu:%02llu",
				 up / 86400, up / 3600 % 24, up / 60 % 60,
				 up % 60);
		}
		BUF_LIT(b, "  ");
		buf_cell(b, l->it[i].name, 40);
		buf_cell(b, item_get(&l->it[i], "type"), 10);
		buf_cell(b, item_get(&l->it[i], "pid"), 8);
		buf_cell(b, upt, 12);
		buf_cell(b, item_get(&l->it[i], "version"), 0);
		BUF_LIT(b, "\n");
	}
	if (l->n == 0)
		BUF_LIT(b, "  (none seen in Redis)\n");
}

/* ---- metrics */

static void m_head(struct adm_buf *b, const char *name, const char *type,
		   const char *help)
{
	buf_printf(b, "# HELP hermod_%s %s\n# TYPE hermod_%s %s\n", name, help,
		   name, type);
}

/* One sample with one label (label NULL: none). */
static void m_val(struct adm_buf *b, const char *name, const char *label,
		  const char *lv, const char *value)
{
	buf_printf(b, "hermod_%s", name);
	if (label != NULL) {
		buf_printf(b, "{%s=\"", label);
		buf_label(b, lv);
		BUF_LIT(b, "\"}");
	}
	buf_printf(b, " %s\n", value);
}

static void m_u64(struct adm_buf *b, const char *name, const char *label,
		  const char *lv, uint64_t v)
{
	char s[24];

	snprintf(s, sizeof(s), "%" PRIu64, v);
	m_val(b, name, label, lv, s);
}

enum m_link_field {
	ML_UP, ML_SESSIONS, ML_BOUND, ML_CONNECTING, ML_WINDOW, ML_INFLIGHT,
	ML_THROUGHPUT, ML_ADAPTIVE, ML_QUEUE, ML_SUBMITTED, ML_FAILED,
	ML_EXPIRED, ML_RETRIED, ML_MOVED, ML_DELIVERS,
};

static const struct {
	const char *name, *type, *help;
} m_link[] = {
	{ "link_up", "gauge", "1 when a session of the link can transmit here" },
	{ "link_sessions", "gauge", "SMPP connections configured" },
	{ "link_sessions_bound", "gauge", "SMPP connections bound now" },
	{ "link_sessions_connecting", "gauge", "connections connecting or binding" },
	{ "link_window", "gauge", "submit_sm allowed in flight per session" },
	{ "link_inflight", "gauge", "submit_sm waiting for their response" },
	{ "link_throughput_limit", "gauge", "configured messages per second, 0 none" },
	{ "link_adaptive_rate", "gauge", "current slow-down limit after throttling, 0 none" },
	{ "link_queue_length", "gauge", "entries in the link's queue stream P:q:LINK" },
	{ "link_submitted_total", "counter", "parts the operator accepted" },
	{ "link_failed_total", "counter", "parts failed for good without a receipt" },
	{ "link_expired_total", "counter", "parts expired (relay-timeout), also in failed" },
	{ "link_retried_total", "counter", "parts sent to the retry set" },
	{ "link_failover_total", "counter", "parts moved to another link of their route" },
	{ "link_delivers_total", "counter", "deliver_sm and data_sm received (receipts and MO)" },
};

static double m_link_value(const struct adm_job *j, size_t i,
			   const struct bb_link_stats *s, enum m_link_field f)
{
	switch (f) {
	case ML_UP: return s->up;
	case ML_SESSIONS: return (double)s->sessions;
	case ML_BOUND: return (double)s->bound;
	case ML_CONNECTING: return (double)s->connecting;
	case ML_WINDOW: return s->window;
	case ML_INFLIGHT: return (double)s->inflight;
	case ML_THROUGHPUT: return (double)link_rate(j->a, i);
	case ML_ADAPTIVE: return s->adaptive_rate;
	case ML_QUEUE: return (double)j->qlen[i];
	case ML_SUBMITTED: return (double)s->q.submitted;
	case ML_FAILED: return (double)s->q.failed;
	case ML_EXPIRED: return (double)s->q.expired;
	case ML_RETRIED: return (double)s->q.retried;
	case ML_MOVED: return (double)s->q.moved;
	case ML_DELIVERS: return (double)s->delivers;
	}
	return 0;
}

static void metrics_links(const struct adm_job *j, struct adm_buf *b)
{
	const struct bb_admin *a = j->a;
	struct bb_link_stats *st = calloc(a->src.nlinks + 1, sizeof(*st));
	size_t f, i;
	char v[40];

	if (st == NULL) {
		b->oom = true;
		return;
	}
	for (i = 0; i < a->src.nlinks; i++)
		bb_link_stats(a->src.links[i], &st[i]);
	for (f = 0; f < sizeof(m_link) / sizeof(*m_link); f++) {
		m_head(b, m_link[f].name, m_link[f].type, m_link[f].help);
		for (i = 0; i < a->src.nlinks; i++) {
			if (f == ML_QUEUE && j->qlen[i] < 0)
				continue;
			snprintf(v, sizeof(v), "%.15g",
				 m_link_value(j, i, &st[i], (enum m_link_field)f));
			m_val(b, m_link[f].name, "link",
			      bb_link_id(a->src.links[i]), v);
		}
	}
	free(st);
}

/* One counter of every watch of a type = modem link: moved, else expired. */
static void m_watch(const struct adm_job *j, struct adm_buf *b,
		    const char *name, const char *help, bool moved)
{
	const struct bb_admin *a = j->a;
	size_t i;

	m_head(b, name, "counter", help);
	for (i = 0; i < a->src.nwatches; i++) {
		struct bb_queue_stats s;

		bb_queue_stats(a->src.watches[i], &s);
		m_u64(b, name, "link", bb_queue_link(a->src.watches[i]),
		      moved ? s.moved : s.expired);
	}
}

static void metrics_watches(const struct adm_job *j, struct adm_buf *b)
{
	m_watch(j, b, "modem_link_failover_total",
		"parts of a type = modem link this bearerbox moved to another "
		"link while no modembox held it up", true);
	m_watch(j, b, "modem_link_expired_total",
		"parts of a type = modem link this bearerbox failed EXPIRED "
		"while no modembox held it up", false);
}

static void metrics_dlr(const struct adm_job *j, struct adm_buf *b)
{
	const struct bb_dlr_stats *d = bb_dlr_stats(j->a->src.dlr);

	m_head(b, "receipts_total", "counter",
	       "operator receipts by result (matched, unmatched, early, bad)");
	m_u64(b, "receipts_total", "result", "matched", d->receipts_matched);
	m_u64(b, "receipts_total", "result", "unmatched", d->receipts_unmatched);
	m_u64(b, "receipts_total", "result", "early", d->receipts_early);
	m_u64(b, "receipts_total", "result", "bad", d->receipts_bad);
	m_head(b, "status_events_total", "counter",
	       "final status events appended for customers");
	m_u64(b, "status_events_total", NULL, NULL, d->events);
	m_head(b, "mo_total", "counter",
	       "inbound messages by result (complete, unknown_number, incomplete)");
	m_u64(b, "mo_total", "result", "complete", d->mo_complete);
	m_u64(b, "mo_total", "result", "unknown_number", d->mo_unknown_number);
	m_u64(b, "mo_total", "result", "incomplete", d->mo_incomplete);
	m_head(b, "mo_parts_pending_total", "counter",
	       "inbound parts stored to wait for the rest of their message");
	m_u64(b, "mo_parts_pending_total", NULL, NULL, d->mo_parts_pending);
	m_head(b, "dlr_redis_errors_total", "counter",
	       "receipts and MO answered ESME_RSYSERR because Redis failed");
	m_u64(b, "dlr_redis_errors_total", NULL, NULL, d->redis_errors);
}

static void metrics_server(const struct adm_job *j, struct adm_buf *b)
{
	const struct bb_admin *a = j->a;
	const struct adm_list *l = &j->l[ADM_BINDS];
	struct bb_server_stats st;
	size_t i, all, here;

	if (a->src.server == NULL)
		return;
	bb_server_stats(a->src.server, &st);
	m_head(b, "smpp_server_binds", "gauge", "customer binds on this bearerbox");
	m_u64(b, "smpp_server_binds", NULL, NULL, st.binds);
	m_head(b, "smpp_server_connections", "gauge",
	       "customer connections on this bearerbox, bound or not");
	m_u64(b, "smpp_server_connections", NULL, NULL, st.conns);
	m_head(b, "smpp_server_bind_attempts_total", "counter",
	       "bind requests by result (ok, failed)");
	m_u64(b, "smpp_server_bind_attempts_total", "result", "ok", st.bind_ok);
	m_u64(b, "smpp_server_bind_attempts_total", "result", "failed",
	      st.bind_fail);
	m_head(b, "smpp_server_submits_total", "counter",
	       "submits by result (ok, failed, throttled)");
	m_u64(b, "smpp_server_submits_total", "result", "ok", st.submit_ok);
	m_u64(b, "smpp_server_submits_total", "result", "failed", st.submit_fail);
	m_u64(b, "smpp_server_submits_total", "result", "throttled", st.throttled);
	m_head(b, "smpp_server_delivered_total", "counter",
	       "deliver_sm acknowledged by customers by kind (receipt, mo)");
	m_u64(b, "smpp_server_delivered_total", "kind", "receipt",
	      st.receipts_sent);
	m_u64(b, "smpp_server_delivered_total", "kind", "mo", st.mo_sent);
	m_head(b, "smpp_account_binds", "gauge",
	       "binds of the account over every bearerbox (P:binds:ACCT)");
	for (i = 0; i < l->n; i++) {
		binds_count(a, &l->it[i], &all, &here);
		m_u64(b, "smpp_account_binds", "account", l->it[i].name, all);
	}
	m_head(b, "smpp_account_binds_here", "gauge",
	       "binds of the account on this bearerbox");
	for (i = 0; i < l->n; i++) {
		binds_count(a, &l->it[i], &all, &here);
		m_u64(b, "smpp_account_binds_here", "account", l->it[i].name, here);
	}
}

static const struct {
	const char *field, *name, *type, *help;
} m_modem[] = {
	{ "signal", "modem_signal_rssi", "gauge", "AT+CSQ rssi: 0-31, 99 unknown, -1 not asked" },
	{ "registration", "modem_registration", "gauge", "AT+CREG stat: 1 home, 5 roaming, else not registered" },
	{ "sent", "modem_sent_total", "counter", "parts sent since the modembox started" },
	{ "send-errors", "modem_send_errors_total", "counter", "failed sends since the modembox started" },
	{ "received", "modem_received_total", "counter", "SMS received since the modembox started" },
	{ "reports", "modem_reports_total", "counter", "status reports since the modembox started" },
	{ "resets", "modem_resets_total", "counter", "modem resets since the modembox started" },
	{ "today", "modem_sim_today", "gauge", "parts the SIM sent this UTC day" },
	{ "total", "modem_sim_sent", "gauge", "parts the SIM sent in its life" },
	{ "daily-limit", "modem_daily_limit", "gauge", "parts per UTC day allowed, 0 none" },
	{ "total-limit", "modem_total_limit", "gauge", "parts in the SIM's life allowed, 0 none" },
	{ "send-rate", "modem_send_rate", "gauge", "parts a minute at most" },
};

/* modembox="..",modem=".." */
static void m_modem_labels(struct adm_buf *b, const char *mb, const char *m)
{
	BUF_LIT(b, "{modembox=\"");
	buf_label(b, mb);
	BUF_LIT(b, "\",modem=\"");
	buf_label(b, m);
	BUF_LIT(b, "\"");
}

static void metrics_modems(const struct adm_job *j, struct adm_buf *b)
{
	const struct adm_list *l = &j->l[ADM_MODEMBOXES];
	size_t f, i, m, n;
	char **mods, name[256];

	m_head(b, "modem_info", "gauge",
	       "1 per modem, with its state, IMSI and IMEI as labels");
	for (i = 0; i < l->n; i++) {
		n = item_modems(&l->it[i], &mods);
		for (m = 0; m < n; m++) {
			const char *mo = modem_name(mods[m], name, sizeof(name));

			BUF_LIT(b, "hermod_modem_info");
			m_modem_labels(b, l->it[i].name, mo);
			BUF_LIT(b, ",state=\"");
			buf_label(b, item_modem(&l->it[i], mo, "state"));
			BUF_LIT(b, "\",imsi=\"");
			buf_label(b, item_modem(&l->it[i], mo, "imsi"));
			BUF_LIT(b, "\",imei=\"");
			buf_label(b, item_modem(&l->it[i], mo, "imei"));
			BUF_LIT(b, "\"} 1\n");
		}
		free(mods);
	}
	m_head(b, "modem_ready", "gauge",
	       "1 when the modem is ready to send (not limited, not down)");
	for (i = 0; i < l->n; i++) {
		n = item_modems(&l->it[i], &mods);
		for (m = 0; m < n; m++) {
			const char *mo = modem_name(mods[m], name, sizeof(name));
			const char *st = item_modem(&l->it[i], mo, "state");

			BUF_LIT(b, "hermod_modem_ready");
			m_modem_labels(b, l->it[i].name, mo);
			buf_printf(b, "} %d\n",
				   st != NULL && strcmp(st, "ready") == 0);
		}
		free(mods);
	}
	for (f = 0; f < sizeof(m_modem) / sizeof(*m_modem); f++) {
		m_head(b, m_modem[f].name, m_modem[f].type, m_modem[f].help);
		for (i = 0; i < l->n; i++) {
			n = item_modems(&l->it[i], &mods);
			for (m = 0; m < n; m++) {
				const char *mo = modem_name(mods[m], name,
							    sizeof(name));
				const char *v = item_modem(&l->it[i], mo,
							   m_modem[f].field);

				if (!is_int(v))
					continue;
				buf_printf(b, "hermod_%s", m_modem[f].name);
				m_modem_labels(b, l->it[i].name, mo);
				buf_printf(b, "} %s\n", v);
			}
			free(mods);
		}
	}
}

static void render_metrics(const struct adm_job *j, struct adm_buf *b)
{
	const struct bb_admin *a = j->a;
	const struct adm_list *l = &j->l[ADM_BOXES];
	char v[32];
	size_t i;

	m_head(b, "info", "gauge", "1, with this bearerbox's id and version");
	BUF_LIT(b, "hermod_info{box=\"");
	buf_label(b, a->b->id);
	buf_printf(b, "\",version=\"%s\"} 1\n", PACKAGE_VERSION);
	m_head(b, "uptime_seconds", "gauge", "seconds since this bearerbox started");
	snprintf(v, sizeof(v), "%llu",
		 (loop_now_ms(a->b->loop) - a->started_ms) / 1000);
	m_val(b, "uptime_seconds", NULL, NULL, v);
	m_head(b, "redis_up", "gauge", "1 when this bearerbox is connected to Redis");
	m_val(b, "redis_up", NULL, NULL, j->redis ? "1" : "0");
	metrics_links(j, b);
	metrics_watches(j, b);
	metrics_dlr(j, b);
	metrics_server(j, b);
	metrics_modems(j, b);
	m_head(b, "box_up", "gauge", "1 per live box heartbeat in Redis (P:box:ID)");
	for (i = 0; i < l->n; i++) {
		BUF_LIT(b, "hermod_box_up{box=\"");
		buf_label(b, l->it[i].name);
		BUF_LIT(b, "\",type=\"");
		buf_label(b, item_get(&l->it[i], "type"));
		BUF_LIT(b, "\"} 1\n");
	}
	m_head(b, "box_start_time_seconds", "gauge",
	       "unix time a live box started (its heartbeat's started)");
	for (i = 0; i < l->n; i++) {
		const char *st = item_get(&l->it[i], "started");

		if (!is_int(st))
			continue;
		BUF_LIT(b, "hermod_box_start_time_seconds{box=\"");
		buf_label(b, l->it[i].name);
		BUF_LIT(b, "\",type=\"");
		buf_label(b, item_get(&l->it[i], "type"));
		buf_printf(b, "\"} %s\n", st);
	}
}

void adm_render(const struct adm_job *j, struct adm_buf *b)
{
	switch (j->fmt) {
	case ADM_JSON:
		render_json(j, b);
		break;
	case ADM_TEXT:
		render_text(j, b);
		break;
	case ADM_METRICS:
		render_metrics(j, b);
		break;
	}
}
