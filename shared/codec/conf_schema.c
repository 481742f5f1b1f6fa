/*
 * conf_schema — the table of every configuration group and key, the validator
 * and the typed getters (see conf_schema.h). Pure codec layer. When a key is
 * added here it is also documented in doc/config.md.
 */
#include "config.h"

#include "shared/codec/conf_schema.h"
#include "shared/codec/cidr.h"
#include "shared/codec/redis_url.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SEC 1000LL
#define MIN (60 * SEC)
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)

static const struct conf_group_def conf_groups[] = {
	{ "core", CONF_GROUP_REQUIRED, "Redis, logging and the admin HTTP interface" },
	{ "smsc", CONF_GROUP_MULTI, "one link to an operator (SMPP) or to modems" },
	{ "route", CONF_GROUP_MULTI, "destination prefixes to an ordered list of links" },
	{ "smsbox", 0, "the HTTP front end" },
	{ "smpp-server", 0, "the SMPP server customers bind to" },
	{ "modembox", CONF_GROUP_MULTI, "one modembox process" },
	{ "modem", CONF_GROUP_MULTI, "one GSM modem or gateway channel" },
};

static const char *const ch_url_redis[] = { "redis", "unix", NULL };
static const char *const ch_log_level[] = { "error", "warn", "info", "debug", NULL };
static const char *const ch_smsc_type[] = { "smpp", "modem", NULL };
static const char *const ch_bind_mode[] = { "transceiver", "transmitter",
	"receiver", "tx+rx", NULL };
static const char *const ch_if_version[] = { "33", "34", NULL };
static const char *const ch_msg_id[] = { "string", "decimal", "hex", "resp-hex",
	"receipt-hex", NULL };
static const char *const ch_coding[] = { "gsm7", "ascii", "latin1", "ucs2", NULL };
static const char *const ch_long[] = { "udh", "sar", "payload", NULL };

#define REQ CONF_OPT_REQUIRED
#define UNIQ CONF_OPT_UNIQUE
#define SECRET CONF_OPT_SECRET

/* group, key, type, flags, min, max, default, choices, ref, help */
static const struct conf_option conf_options[] = {
	/* core */
	{ "core", "redis-url", CONF_URL, SECRET, 0, 0, "redis://127.0.0.1:6379/0",
	  ch_url_redis, NULL, "where Redis is: redis://host:port/db or unix:/path" },
	{ "core", "key-prefix", CONF_STRING, 0, 1, 64, "hermod", NULL, NULL,
	  "prefix of every Redis key, so several installations can share a Redis" },
	{ "core", "log-file", CONF_STRING, 0, 0, 0, NULL, NULL, NULL,
	  "log to this file instead of standard error" },
	{ "core", "log-level", CONF_ENUM, 0, 0, 0, "info", ch_log_level, NULL,
	  "least important level that is logged" },
	{ "core", "admin-port", CONF_PORT, 0, 0, 65535, "0", NULL, NULL,
	  "port of the bearerbox's admin and metrics HTTP interface; 0 disables it" },
	{ "core", "admin-interface", CONF_STRING, 0, 0, 0, "127.0.0.1", NULL, NULL,
	  "address the admin interface listens on" },
	{ "core", "admin-password", CONF_STRING, SECRET, 0, 0, NULL, NULL, NULL,
	  "password that /status and /metrics of the admin interface require" },
	{ "core", "redis-batch", CONF_INT, 0, 1, 1000, "256", NULL, NULL,
	  "accepted messages, receipts and submit results stored by one Redis "
	  "script call, at most" },
	{ "core", "redis-batch-delay", CONF_DURATION, 0, 0, 1 * SEC, "1ms", NULL, NULL,
	  "longest wait of a message, receipt or submit result for its batch to fill" },
	{ "core", "pwhash-threads", CONF_INT, 0, 1, 64, "2", NULL, NULL,
	  "threads that check passwords (PBKDF2) for the smsbox and the SMPP "
	  "server, off the event loop" },
	{ "core", "pwhash-queue", CONF_INT, 0, 1, 100000, "256", NULL, NULL,
	  "password checks waiting for a pwhash thread, at most; more are "
	  "answered sys_error / 503 / ESME_RBINDFAIL (try again later)" },
	{ "core", "concat-timeout", CONF_DURATION, 0, 10 * SEC, 1 * DAY, "10m",
	  NULL, NULL,
	  "how long the parts of a long MO wait in Redis for the rest" },

	/* smsc */
	{ "smsc", "smsc-id", CONF_STRING, REQ | UNIQ, 1, CONF_ITEM_MAX - 1, NULL,
	  NULL, NULL, "unique name of the link, used by routes and in logs" },
	{ "smsc", "type", CONF_ENUM, 0, 0, 0, "smpp", ch_smsc_type, NULL,
	  "smpp: an SMPP client session; modem: modems of a modembox" },
	{ "smsc", "host", CONF_STRING, 0, 1, 255, NULL, NULL, NULL,
	  "SMSC host name or address (required for smpp)" },
	{ "smsc", "port", CONF_PORT, 0, 1, 65535, NULL, NULL, NULL,
	  "SMSC port (required for smpp)" },
	{ "smsc", "tls", CONF_BOOL, 0, 0, 0, "no", NULL, NULL,
	  "connect with TLS" },
	{ "smsc", "tls-verify", CONF_BOOL, 0, 0, 0, "yes", NULL, NULL,
	  "verify the SMSC's certificate and host name" },
	{ "smsc", "tls-ca-file", CONF_STRING, 0, 1, 0, NULL, NULL, NULL,
	  "PEM file of the CAs the SMSC's certificate is verified against "
	  "(unset: the system's)" },
	{ "smsc", "system-id", CONF_STRING, 0, 1, 15, NULL, NULL, NULL,
	  "SMPP system_id to bind with (required for smpp)" },
	{ "smsc", "password", CONF_STRING, SECRET, 0, 8, NULL, NULL, NULL,
	  "SMPP password to bind with" },
	{ "smsc", "system-type", CONF_STRING, 0, 0, 12, "", NULL, NULL,
	  "SMPP system_type to bind with" },
	{ "smsc", "bind-mode", CONF_ENUM, 0, 0, 0, "transceiver", ch_bind_mode,
	  NULL, "one transceiver bind, or separate transmitter/receiver binds (tx+rx)" },
	{ "smsc", "sessions", CONF_INT, 0, 1, 64, "1", NULL, NULL,
	  "number of parallel binds to this SMSC" },
	{ "smsc", "window", CONF_INT, 0, 1, 1000, "10", NULL, NULL,
	  "requests in flight per session before waiting for responses" },
	{ "smsc", "throughput", CONF_INT, 0, 0, 100000, "0", NULL, NULL,
	  "maximum messages per second over the link; 0 is unlimited" },
	{ "smsc", "enquire-link-interval", CONF_DURATION, 0, 1 * SEC, HOUR, "30s",
	  NULL, NULL, "idle time after which an enquire_link is sent" },
	{ "smsc", "reconnect-delay", CONF_DURATION, 0, 1 * SEC, HOUR, "10s", NULL,
	  NULL, "wait before reconnecting after a failure" },
	{ "smsc", "interface-version", CONF_ENUM, 0, 0, 0, "34", ch_if_version, NULL,
	  "SMPP version to bind as: 33 (3.3) or 34 (3.4)" },
	{ "smsc", "response-timeout", CONF_DURATION, 0, 1 * SEC, 10 * MIN, "30s",
	  NULL, NULL, "time for a response to a request before the session is reset" },
	{ "smsc", "relay-timeout", CONF_DURATION, 0, 10 * SEC, 7 * DAY, "1h", NULL,
	  NULL, "a message queued longer than this for the link expires" },
	{ "smsc", "msg-id-type", CONF_ENUM, 0, 0, 0, "string", ch_msg_id, NULL,
	  "how submit_sm_resp and receipt message ids compare" },
	{ "smsc", "msg-id-ttl", CONF_DURATION, 0, 1 * HOUR, 30 * DAY, "72h", NULL,
	  NULL, "how long after its day an operator message id still matches "
	  "its receipts" },
	{ "smsc", "source-ton", CONF_INT, 0, 0, 6, NULL, NULL, NULL,
	  "force this source_addr_ton instead of guessing from the address" },
	{ "smsc", "source-npi", CONF_INT, 0, 0, 18, NULL, NULL, NULL,
	  "force this source_addr_npi" },
	{ "smsc", "dest-ton", CONF_INT, 0, 0, 6, NULL, NULL, NULL,
	  "force this dest_addr_ton" },
	{ "smsc", "dest-npi", CONF_INT, 0, 0, 18, NULL, NULL, NULL,
	  "force this dest_addr_npi" },
	{ "smsc", "data-coding", CONF_ENUM, 0, 0, 0, "gsm7", ch_coding, NULL,
	  "alphabet for text that is not UCS-2 (what data_coding 0 means here)" },
	{ "smsc", "long-message", CONF_ENUM, 0, 0, 0, "udh", ch_long, NULL,
	  "how long messages are split: UDH, SAR TLVs or one message_payload" },
	{ "smsc", "max-parts", CONF_INT, 0, 1, 255, "10", NULL, NULL,
	  "most parts one message may be split into" },
	{ "smsc", "modembox", CONF_STRING, 0, 1, CONF_ITEM_MAX - 1, NULL, NULL,
	  "modembox.id", "id of the modembox serving a type = modem link" },
	{ "smsc", "modems", CONF_LIST, 0, 0, CONF_LIST_MAX, NULL, NULL, "modem.id",
	  "ids of the modems of a type = modem link; empty: all of its modembox" },

	/* route */
	{ "route", "prefix", CONF_LIST, CONF_OPT_PREFIX, 0, CONF_LIST_MAX, NULL, NULL, NULL,
	  "destination prefixes (digits, optional '+'); the longest match wins" },
	{ "route", "smsc-id", CONF_LIST, REQ, 1, CONF_LIST_MAX, NULL, NULL,
	  "smsc.smsc-id",
	  "links in order of preference, each once; the first that is up is used" },
	{ "route", "default", CONF_BOOL, 0, 0, 0, "no", NULL, NULL,
	  "this route takes destinations no prefix matches" },

	/* smsbox */
	{ "smsbox", "port", CONF_PORT, 0, 1, 65535, "13013", NULL, NULL,
	  "HTTP port of the send API" },
	{ "smsbox", "interface", CONF_STRING, 0, 0, 0, "0.0.0.0", NULL, NULL,
	  "address the HTTP API listens on" },
	{ "smsbox", "max-body-size", CONF_INT, 0, 1024, 16 << 20, "65536", NULL,
	  NULL, "largest HTTP request body accepted, in bytes" },
	{ "smsbox", "http-timeout", CONF_DURATION, 0, 1 * SEC, 5 * MIN, "30s", NULL,
	  NULL, "time allowed for a callback to a customer URL" },
	{ "smsbox", "dlr-retries", CONF_INT, 0, 0, 20, "3", NULL, NULL,
	  "delivery-report callback retries after the first attempt" },
	{ "smsbox", "dlr-retry-delay", CONF_DURATION, 0, 1 * SEC, DAY, "60s", NULL,
	  NULL, "wait before the first retry; doubled for each following one" },
	{ "smsbox", "mo-retries", CONF_INT, 0, 0, 20, "3", NULL, NULL,
	  "inbound message (MO) POST retries after the first attempt" },
	{ "smsbox", "mo-retry-delay", CONF_DURATION, 0, 1 * SEC, DAY, "60s", NULL,
	  NULL, "wait before the first MO retry; doubled for each following one" },
	{ "smsbox", "dead-letter-max", CONF_INT, 0, 1, 100000000, "100000", NULL,
	  NULL, "dead-letter callbacks kept in Redis; the oldest are dropped beyond" },
	{ "smsbox", "callback-deny", CONF_LIST, CONF_OPT_CIDR, 0, CONF_LIST_MAX,
	  CONF_CALLBACK_DENY_DEFAULT, NULL, NULL,
	  "networks callbacks (dlr-url, mo-url) must not connect to, checked on "
	  "the address connected to, after DNS; the default is every loopback, "
	  "private, link-local, shared, multicast and reserved range" },
	{ "smsbox", "callback-allow", CONF_LIST, CONF_OPT_CIDR, 0, CONF_LIST_MAX,
	  "", NULL, NULL,
	  "networks callbacks may connect to although callback-deny covers them "
	  "(e.g. 127.0.0.0/8 for a receiver on the same host)" },
	{ "smsbox", "trusted-proxies", CONF_LIST, CONF_OPT_CIDR, 0, CONF_LIST_MAX,
	  "", NULL, NULL,
	  "load balancers whose X-Forwarded-For names the client: from a peer in "
	  "this list the client is the rightmost address of the header that is "
	  "not itself a trusted proxy; from any other peer the header is ignored" },
	{ "smsbox", "account-cache", CONF_DURATION, 0, 0, 1 * MIN, "1s", NULL,
	  NULL, "how long a send may use an account record read before (0: read it "
	  "for every request); the credit is always Redis's" },

	/* smpp-server */
	{ "smpp-server", "port", CONF_PORT, 0, 1, 65535, "2775", NULL, NULL,
	  "plain SMPP port customers bind to" },
	{ "smpp-server", "tls-port", CONF_PORT, 0, 1, 65535, NULL, NULL, NULL,
	  "SMPP over TLS port; unset: no TLS listener" },
	{ "smpp-server", "interface", CONF_STRING, 0, 0, 0, "0.0.0.0", NULL, NULL,
	  "address the SMPP server listens on" },
	{ "smpp-server", "tls-cert", CONF_STRING, 0, 1, 0, NULL, NULL, NULL,
	  "PEM certificate chain file (required with tls-port)" },
	{ "smpp-server", "tls-key", CONF_STRING, SECRET, 1, 0, NULL, NULL, NULL,
	  "PEM private key file (required with tls-port)" },
	{ "smpp-server", "max-binds", CONF_INT, 0, 1, 1000, "5", NULL, NULL,
	  "simultaneous binds one account may hold" },
	{ "smpp-server", "enquire-link-interval", CONF_DURATION, 0, 1 * SEC, HOUR,
	  "60s", NULL, NULL, "idle time after which a customer's bind is probed" },
	{ "smpp-server", "receipt-ttl", CONF_DURATION, 0, MIN, 30 * DAY, "72h", NULL,
	  NULL, "how long a receipt waits for the customer's receiver bind" },

	/* modembox */
	{ "modembox", "id", CONF_STRING, REQ | UNIQ, 1, CONF_ITEM_MAX - 1, NULL,
	  NULL, NULL, "name of a modembox process; each modembox is started with its id" },

	/* modem */
	{ "modem", "id", CONF_STRING, REQ | UNIQ, 1, CONF_ITEM_MAX - 1, NULL, NULL,
	  NULL, "unique name of the modem (the SIM), used in logs and limits" },
	{ "modem", "modembox", CONF_STRING, REQ, 1, CONF_ITEM_MAX - 1, NULL, NULL,
	  "modembox.id", "id of the modembox that drives this modem" },
	{ "modem", "device", CONF_STRING, 0, 1, 255, NULL, NULL, NULL,
	  "serial device, e.g. /dev/ttyUSB0 (or use host and port)" },
	{ "modem", "speed", CONF_INT, 0, 300, 4000000, "115200", NULL, NULL,
	  "serial line speed in bit/s" },
	{ "modem", "host", CONF_STRING, 0, 1, 255, NULL, NULL, NULL,
	  "GSM gateway host for AT commands over TCP" },
	{ "modem", "port", CONF_PORT, 0, 1, 65535, NULL, NULL, NULL,
	  "GSM gateway TCP port (with host)" },
	{ "modem", "pin", CONF_STRING, SECRET, 4, 8, NULL, NULL, NULL,
	  "SIM PIN, sent when the SIM asks for it" },
	{ "modem", "smsc-number", CONF_STRING, 0, 1, 20, NULL, NULL, NULL,
	  "SMS centre number to use instead of the SIM's" },
	{ "modem", "send-rate", CONF_INT, 0, 1, 1000, "10", NULL, NULL,
	  "messages per minute this modem sends at most" },
	{ "modem", "daily-limit", CONF_INT, 0, 0, 10000000, "0", NULL, NULL,
	  "messages per day (UTC) this SIM sends at most; 0 is unlimited" },
	{ "modem", "total-limit", CONF_INT, 0, 0, 1000000000, "0", NULL, NULL,
	  "messages this SIM sends in its life at most; 0 is unlimited" },
	{ "modem", "limit-recheck", CONF_DURATION, 0, 1 * SEC, 1 * DAY, "1m", NULL,
	  NULL, "how often a SIM at its limit is asked again whether it is under "
	  "it (a new UTC day, a counter reset)" },
	{ "modem", "init-string", CONF_STRING, 0, 0, 255, NULL, NULL, NULL,
	  "extra AT command sent after the modem is reset" },
};

const struct conf_group_def *conf_schema_groups(size_t *n)
{
	*n = sizeof(conf_groups) / sizeof(conf_groups[0]);
	return conf_groups;
}

const struct conf_option *conf_schema_options(size_t *n)
{
	*n = sizeof(conf_options) / sizeof(conf_options[0]);
	return conf_options;
}

static const struct conf_group_def *conf_schema_group_def(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(conf_groups) / sizeof(conf_groups[0]); i++)
		if (strcmp(conf_groups[i].name, name) == 0)
			return &conf_groups[i];
	return NULL;
}

const struct conf_option *conf_schema_find(const char *group, const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(conf_options) / sizeof(conf_options[0]); i++)
		if (strcmp(conf_options[i].group, group) == 0 &&
		    strcmp(conf_options[i].key, key) == 0)
			return &conf_options[i];
	return NULL;
}

/* ---------------------------------------------------------------- parsing */

int conf_schema_parse_int(const char *s, long long *out)
{
	char *end;
	long long v;

	if (s == NULL || !((*s >= '0' && *s <= '9') || *s == '-' || *s == '+'))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

int conf_schema_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	if (s == NULL)
		return -1;
	for (i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

int conf_schema_parse_duration_ms(const char *s, long long *out)
{
	static const struct { const char *unit; long long ms; } units[] = {
		{ "", SEC }, { "ms", 1 }, { "s", SEC }, { "m", MIN }, { "h", HOUR },
		{ "d", DAY },
	};
	long long v = 0;
	size_t i;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (LLONG_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(s, units[i].unit) == 0) {
			if (v > LLONG_MAX / units[i].ms)
				return -1;
			*out = v * units[i].ms;
			return 0;
		}
	}
	return -1;
}

static int conf_choice(const char *const *choices, const char *s, size_t n)
{
	int i;

	for (i = 0; choices[i] != NULL; i++)
		if (strlen(choices[i]) == n && strncasecmp(choices[i], s, n) == 0)
			return i;
	return -1;
}

static void conf_choices_text(const char *const *choices, char *buf, size_t cap)
{
	size_t off = 0;
	int i, w;

	buf[0] = '\0';
	for (i = 0; choices[i] != NULL && off < cap; i++) {
		w = snprintf(buf + off, cap - off, "%s%s", i ? ", " : "", choices[i]);
		if (w < 0)
			break;
		off += (size_t)w;
	}
}

/* Next list item of *s: returns 1 and sets item/len (trimmed), 0 at the end. */
static int conf_list_next(const char **s, const char **item, size_t *len)
{
	const char *p = *s, *e;

	if (*p == '\0')
		return 0;
	e = p + strcspn(p, ",;");
	*s = *e ? e + 1 : e;
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*item = p;
	*len = (size_t)(e - p);
	return 1;
}

static void conf_ms_text(long long ms, char *buf, size_t cap)
{
	if (ms != 0 && ms % DAY == 0)
		snprintf(buf, cap, "%lldd", ms / DAY);
	else if (ms != 0 && ms % HOUR == 0)
		snprintf(buf, cap, "%lldh", ms / HOUR);
	else if (ms != 0 && ms % MIN == 0)
		snprintf(buf, cap, "%lldm", ms / MIN);
	else if (ms % SEC == 0)
		snprintf(buf, cap, "%llds", ms / SEC);
	else
		snprintf(buf, cap, "%lldms", ms);
}


/* ---------------------------------------------------------------- values */

static int conf_check_string(const struct conf_option *o, const char *v,
    char *why, size_t cap)
{
	long long n = (long long)strlen(v);

	if (n < o->min && n == 0) {
		snprintf(why, cap, "must not be empty");
		return -1;
	}
	if (n < o->min || (o->max > 0 && n > o->max)) {
		snprintf(why, cap, "is %lld characters long, must be %lld to %lld",
		    n, o->min, o->max);
		return -1;
	}
	return 0;
}

static int conf_check_int(const struct conf_option *o, const char *v,
    const char *show, char *why, size_t cap)
{
	long long n;

	if (conf_schema_parse_int(v, &n) != 0) {
		snprintf(why, cap, "%s is not a whole number", show);
		return -1;
	}
	if (n < o->min || n > o->max) {
		snprintf(why, cap, "%lld is out of range %lld..%lld", n, o->min,
		    o->max);
		return -1;
	}
	return 0;
}

static int conf_check_duration(const struct conf_option *o, const char *v,
    const char *show, char *why, size_t cap)
{
	char a[32], z[32];
	long long n;

	if (conf_schema_parse_duration_ms(v, &n) != 0) {
		snprintf(why, cap, "%s is not a duration (a number with an "
		    "optional unit ms, s, m, h or d; seconds without one)", show);
		return -1;
	}
	if (n < o->min || n > o->max) {
		conf_ms_text(o->min, a, sizeof(a));
		conf_ms_text(o->max, z, sizeof(z));
		snprintf(why, cap, "%s is out of range %s..%s", show, a, z);
		return -1;
	}
	return 0;
}

/* After "scheme://": [userinfo@]host[:port][/path] (a '/' or '@' in userinfo
 * must be %-encoded); a port must be 1..65535, a redis:// path a database
 * number. */
static int conf_check_authority(const char *scheme, const char *s,
    const char *show, char *why, size_t cap)
{
	size_t end = strcspn(s, "/"), i, h = 0, colon = end;
	long long n = 0;

	for (i = 0; i < end; i++)
		if (s[i] == '@')
			h = i + 1;
	for (i = h; i < end; i++)
		if (s[i] == ':' && (s[h] != '[' || (i > h && s[i - 1] == ']')))
			colon = i;
	if (colon == h) {
		snprintf(why, cap, "%s has no host", show);
		return -1;
	}
	if (colon < end) {
		for (i = colon + 1; i < end && s[i] >= '0' && s[i] <= '9' &&
		    n <= 65535; i++)
			n = n * 10 + (s[i] - '0');
		if (i < end || n < 1 || n > 65535) {
			snprintf(why, cap, "%s has a bad port (1..65535)", show);
			return -1;
		}
	}
	if (strcmp(scheme, "redis") == 0 && s[end] == '/' && s[end + 1] != '\0' &&
	    (conf_schema_parse_int(s + end + 1, &n) != 0 || n < 0)) {
		snprintf(why, cap, "%s: the path must be a database number", show);
		return -1;
	}
	return 0;
}

/* A Redis URL: the precise complaint of the generic URL check where it has
 * one, then the boxes' own parser as the last word, so that a URL this check
 * accepts is one the boxes can connect with. */
static int conf_check_redis_url(const char *v, const char *show, char *why,
    size_t cap)
{
	struct redis_url u;

	if (strncmp(v, "unix:", 5) != 0 &&
	    conf_check_authority("redis", v + 8, show, why, cap) != 0)
		return -1;
	if (redis_url_parse(v, &u) == 0)
		return 0;
	snprintf(why, cap, "%s is not a Redis URL: "
	    "redis://[[user]:password@]host[:port][/db] or "
	    "unix:/path[?db=N&password=P]", show);
	return -1;
}

static int conf_check_url(const struct conf_option *o, const char *v,
    const char *show, char *why, size_t cap)
{
	size_t n = strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789+.-");
	char list[128], scheme[33];

	if (strncmp(v, "unix:", 5) == 0) {
		n = 4;
		if (v[5] != '/' || v[6] == '\0') {
			snprintf(why, cap, "%s: a unix socket must be unix:/absolute/path",
			    show);
			return -1;
		}
	} else if (n == 0 || v[0] < 'a' || v[0] > 'z' ||
	    strncmp(v + n, "://", 3) != 0) {
		snprintf(why, cap, "%s is not a URL (scheme://host...)", show);
		return -1;
	}
	if (o->choices != NULL && conf_choice(o->choices, v, n) < 0) {
		conf_choices_text(o->choices, list, sizeof(list));
		snprintf(why, cap, "scheme '%.*s' is not one of: %s",
		    (int)(n > 32 ? 32 : n), v, list);
		return -1;
	}
	if (o->choices == ch_url_redis)
		return conf_check_redis_url(v, show, why, cap);
	if (n == 4 && strncmp(v, "unix", 4) == 0)
		return 0;
	snprintf(scheme, sizeof(scheme), "%.*s", (int)(n > 32 ? 32 : n), v);
	return conf_check_authority(scheme, v + n + 3, show, why, cap);
}

/* Digits, optionally after one '+'. */
static bool conf_is_prefix(const char *s, size_t len)
{
	size_t i = s[0] == '+' ? 1 : 0;

	if (i == len)
		return false;
	for (; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int conf_check_list(const struct conf_option *o, const char *v,
    char *why, size_t cap)
{
	const char *item;
	char list[256];
	struct cidr net;
	size_t len;
	long long count = 0;

	while (conf_list_next(&v, &item, &len)) {
		count++;
		if (len == 0) {
			snprintf(why, cap, "empty item in list (item %lld)", count);
			return -1;
		}
		if (len >= CONF_ITEM_MAX) {
			snprintf(why, cap, "item %lld is longer than %d characters",
			    count, CONF_ITEM_MAX - 1);
			return -1;
		}
		if ((o->flags & CONF_OPT_PREFIX) && !conf_is_prefix(item, len)) {
			snprintf(why, cap, "'%.*s' is not a number prefix", (int)len,
			    item);
			return -1;
		}
		if ((o->flags & CONF_OPT_CIDR) && cidr_parse(item, len, &net) < 0) {
			snprintf(why, cap, "'%.*s' is not an IPv4 or IPv6 address "
			    "or network (addr/len)", (int)len, item);
			return -1;
		}
		if (o->choices != NULL && conf_choice(o->choices, item, len) < 0) {
			conf_choices_text(o->choices, list, sizeof(list));
			snprintf(why, cap, "'%.*s' is not one of: %s", (int)len, item,
			    list);
			return -1;
		}
	}
	if (count < o->min || count > o->max) {
		snprintf(why, cap, "has %lld items, must have %lld to %lld", count,
		    o->min, o->max);
		return -1;
	}
	return 0;
}

/*
 * Checks v against o: returns 0, or -1 with the reason in why. A secret value
 * is never quoted in the reason.
 */
static int conf_check_value(const struct conf_option *o, const char *v,
    char *why, size_t cap)
{
	char list[256], show[80];
	bool b;

	if (o->flags & CONF_OPT_SECRET)
		snprintf(show, sizeof(show), "the value");
	else
		snprintf(show, sizeof(show), "'%.64s'", v);
	switch (o->type) {
	case CONF_STRING:
		return conf_check_string(o, v, why, cap);
	case CONF_INT:
	case CONF_PORT:
		return conf_check_int(o, v, show, why, cap);
	case CONF_BOOL:
		if (conf_schema_parse_bool(v, &b) == 0)
			return 0;
		snprintf(why, cap, "%s is not yes or no", show);
		return -1;
	case CONF_ENUM:
		if (conf_choice(o->choices, v, strlen(v)) >= 0)
			return 0;
		conf_choices_text(o->choices, list, sizeof(list));
		snprintf(why, cap, "%s is not one of: %s", show, list);
		return -1;
	case CONF_LIST:
		return conf_check_list(o, v, why, cap);
	case CONF_URL:
		return conf_check_url(o, v, show, why, cap);
	case CONF_DURATION:
		return conf_check_duration(o, v, show, why, cap);
	}
	snprintf(why, cap, "has an unknown type");
	return -1;
}

/* ---------------------------------------------------------------- validation */

/* Edit distance of a and b, or a large number when either is long. */
static size_t conf_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, prev, cur, tmp;
	size_t row[33];

	if (la > 32 || lb > 32)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			cur = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < cur)
				cur = row[j] + 1;
			if (row[j - 1] + 1 < cur)
				cur = row[j - 1] + 1;
			tmp = row[j];
			row[j] = cur;
			prev = tmp;
		}
	}
	return row[lb];
}

/* The closest group name (group NULL) or key of group to word, within two
 * edits; NULL when nothing is that close. */
static const char *conf_suggest(const char *group, const char *word)
{
	const char *best = NULL;
	size_t i, d, bestd = 3;

	if (group == NULL) {
		for (i = 0; i < sizeof(conf_groups) / sizeof(conf_groups[0]); i++) {
			d = conf_distance(word, conf_groups[i].name);
			if (d < bestd)
				bestd = d, best = conf_groups[i].name;
		}
		return best;
	}
	for (i = 0; i < sizeof(conf_options) / sizeof(conf_options[0]); i++) {
		if (strcmp(conf_options[i].group, group) != 0)
			continue;
		d = conf_distance(word, conf_options[i].key);
		if (d < bestd)
			bestd = d, best = conf_options[i].key;
	}
	if (best != NULL && strlen(word) <= 2)
		return NULL;
	return best;
}

static void conf_check_kv(struct conf *c, const struct conf_group *g, size_t k)
{
	const struct conf_kv *kv = &g->kv[k];
	const struct conf_option *o = conf_schema_find(g->name, kv->key);
	const char *hint;
	char why[384];
	size_t j;

	if (o == NULL) {
		hint = conf_suggest(g->name, kv->key);
		if (hint != NULL)
			conf_error(c, kv->file, kv->line,
			    "unknown key '%s' in group '%s' (did you mean '%s'?)",
			    kv->key, g->name, hint);
		else
			conf_error(c, kv->file, kv->line,
			    "unknown key '%s' in group '%s'", kv->key, g->name);
		return;
	}
	for (j = 0; j < k; j++) {
		if (strcmp(g->kv[j].key, kv->key) == 0) {
			conf_error(c, kv->file, kv->line,
			    "duplicate key '%s' (first set at %s:%u)", kv->key,
			    g->kv[j].file, g->kv[j].line);
			return;
		}
	}
	if (conf_check_value(o, kv->value, why, sizeof(why)) != 0)
		conf_error(c, kv->file, kv->line, "bad value for '%s': %s", kv->key,
		    why);
}

static void conf_check_required(struct conf *c, const struct conf_group *g)
{
	size_t i;

	for (i = 0; i < sizeof(conf_options) / sizeof(conf_options[0]); i++) {
		const struct conf_option *o = &conf_options[i];

		if ((o->flags & CONF_OPT_REQUIRED) && strcmp(o->group, g->name) == 0 &&
		    conf_group_kv(g, o->key) == NULL)
			conf_error(c, g->file, g->line,
			    "group '%s' lacks the required key '%s'", g->name, o->key);
	}
}

/* The key is written in g (whether or not its value is valid). */
static bool conf_has(const struct conf_group *g, const char *key)
{
	return conf_group_kv(g, key) != NULL;
}

static void conf_need(struct conf *c, const struct conf_group *g,
    const char *key, const char *because)
{
	if (!conf_has(g, key))
		conf_error(c, g->file, g->line, "group '%s' lacks '%s', required %s",
		    g->name, key, because);
}

/* A type = modem link: every part must fit one SMS-SUBMIT, and the modems it
 * lists must be driven by its modembox (another one never serves the link). */
static void conf_rules_smsc_modem(struct conf *c, const struct conf_group *g)
{
	const struct conf_kv *kv = conf_group_kv(g, "long-message");
	const char *mbox = conf_schema_get_str(g, "modembox");
	char items[CONF_LIST_MAX][CONF_ITEM_MAX];
	size_t n;

	conf_need(c, g, "modembox", "for type = modem");
	if (kv != NULL && conf_schema_get_enum(g, "long-message") == 2)
		conf_error(c, kv->file, kv->line,
		    "long-message = payload is not possible with type = modem "
		    "(each part is one SMS): use udh or sar");
	kv = conf_group_kv(g, "modems");
	if (kv == NULL || mbox == NULL)
		return;
	n = conf_schema_get_list(g, "modems", items, CONF_LIST_MAX);
	for (size_t i = 0; i < n; i++) {
		const struct conf_group *m = conf_group_find_by(c, "modem", "id",
		    items[i]);
		const char *its = m != NULL ? conf_schema_get_str(m, "modembox") : NULL;

		if (its != NULL && strcmp(its, mbox) != 0)
			conf_error(c, kv->file, kv->line,
			    "modem '%s' is driven by modembox '%s', not by this "
			    "link's modembox '%s'", items[i], its, mbox);
	}
}

/* SMPP 3.3 has no TLVs: no message_payload to carry a long message in. */
static void conf_rules_smsc_v33(struct conf *c, const struct conf_group *g)
{
	const struct conf_kv *kv = conf_group_kv(g, "long-message");

	if (kv != NULL && conf_schema_get_enum(g, "long-message") == 2 &&
	    conf_has(g, "interface-version") &&
	    conf_schema_get_enum(g, "interface-version") == 0)
		conf_error(c, kv->file, kv->line,
		    "long-message = payload is not possible with "
		    "interface-version = 33 (message_payload is an SMPP 3.4 "
		    "TLV): use udh or sar");
}

static void conf_rules_smsc(struct conf *c, const struct conf_group *g)
{
	int type = conf_schema_get_enum(g, "type");

	if (type == 0) {
		conf_need(c, g, "host", "for type = smpp");
		conf_need(c, g, "port", "for type = smpp");
		conf_need(c, g, "system-id", "for type = smpp");
		conf_rules_smsc_v33(c, g);
	} else if (type == 1) {
		conf_rules_smsc_modem(c, g);
	}
}

/* A route names each link once: a repeat would make failover go round. */
static void conf_rules_route_links(struct conf *c, const struct conf_group *g)
{
	char items[CONF_LIST_MAX][CONF_ITEM_MAX];
	const struct conf_kv *kv = conf_group_kv(g, "smsc-id");
	size_t n = conf_schema_get_list(g, "smsc-id", items, CONF_LIST_MAX);

	for (size_t i = 1; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(items[i], items[j]) == 0) {
				conf_error(c, kv->file, kv->line,
				    "route names link '%s' twice", items[i]);
				break;
			}
}

static void conf_rules_route(struct conf *c, const struct conf_group *g)
{
	const struct conf_kv *kv = conf_group_kv(g, "prefix");
	bool def = conf_schema_get_bool(g, "default");

	if (kv == NULL && !def)
		conf_error(c, g->file, g->line,
		    "route has neither 'prefix' nor 'default = yes'");
	if (kv != NULL && def)
		conf_error(c, kv->file, kv->line,
		    "route has both 'prefix' and 'default = yes'");
	conf_rules_route_links(c, g);
}

static void conf_rules_smpp_server(struct conf *c, const struct conf_group *g)
{
	if (!conf_has(g, "tls-port"))
		return;
	conf_need(c, g, "tls-cert", "with tls-port");
	conf_need(c, g, "tls-key", "with tls-port");
	if (conf_schema_get_int(g, "tls-port") == conf_schema_get_int(g, "port")) {
		const struct conf_kv *kv = conf_group_kv(g, "tls-port");

		conf_error(c, kv->file, kv->line, "tls-port is the same as port");
	}
}

static void conf_rules_modem(struct conf *c, const struct conf_group *g)
{
	bool dev = conf_has(g, "device"), host = conf_has(g, "host");

	if (!dev && !host)
		conf_error(c, g->file, g->line,
		    "modem needs 'device' (serial) or 'host' and 'port' (TCP)");
	if (dev && host)
		conf_error(c, g->file, g->line,
		    "modem has both 'device' and 'host'; choose one");
	if (host)
		conf_need(c, g, "port", "with host");
}

static void conf_check_group(struct conf *c, const struct conf_group *g)
{
	size_t k;

	for (k = 0; k < g->nkv; k++)
		conf_check_kv(c, g, k);
	conf_check_required(c, g);
	if (strcmp(g->name, "smsc") == 0)
		conf_rules_smsc(c, g);
	else if (strcmp(g->name, "route") == 0)
		conf_rules_route(c, g);
	else if (strcmp(g->name, "smpp-server") == 0)
		conf_rules_smpp_server(c, g);
	else if (strcmp(g->name, "modem") == 0)
		conf_rules_modem(c, g);
}

/* No two groups called o->group share a value of o->key. */
static void conf_check_unique(struct conf *c, const struct conf_option *o)
{
	const struct conf_group *g = NULL, *h;
	const struct conf_kv *kv, *first;

	while ((g = conf_group_next(c, g, o->group)) != NULL) {
		kv = conf_group_kv(g, o->key);
		if (kv == NULL)
			continue;
		for (h = conf_group_next(c, NULL, o->group); h != g;
		    h = conf_group_next(c, h, o->group)) {
			first = conf_group_kv(h, o->key);
			if (first != NULL && strcmp(first->value, kv->value) == 0) {
				conf_error(c, kv->file, kv->line,
				    "duplicate %s '%s' (first at %s:%u)", o->key,
				    kv->value, first->file, first->line);
				break;
			}
		}
	}
}

/* One referenced name: reports it when no group rgroup has it as its key. */
static void conf_check_ref_item(struct conf *c, const struct conf_option *o,
    const struct conf_kv *kv, const char *rgroup, const char *item, size_t len)
{
	const char *rkey = strchr(o->ref, '.') + 1;
	char name[CONF_ITEM_MAX];

	if (len == 0 || len >= sizeof(name))
		return;	/* reported as a bad value */
	memcpy(name, item, len);
	name[len] = '\0';
	if (conf_group_find_by(c, rgroup, rkey, name) == NULL)
		conf_error(c, kv->file, kv->line, "%s '%s' is not the %s of any %s group",
		    o->key, name, rkey, rgroup);
}

/* Every item of o's values names a group o->ref ("group.key") declares. */
static void conf_check_ref(struct conf *c, const struct conf_option *o)
{
	const struct conf_group *g = NULL;
	const struct conf_kv *kv;
	const char *dot = strchr(o->ref, '.'), *v, *item;
	char rgroup[32];
	size_t len;

	snprintf(rgroup, sizeof(rgroup), "%.*s", (int)(dot - o->ref), o->ref);
	while ((g = conf_group_next(c, g, o->group)) != NULL) {
		kv = conf_group_kv(g, o->key);
		if (kv == NULL)
			continue;
		if (o->type != CONF_LIST) {
			conf_check_ref_item(c, o, kv, rgroup, kv->value,
			    strlen(kv->value));
			continue;
		}
		v = kv->value;
		while (conf_list_next(&v, &item, &len))
			conf_check_ref_item(c, o, kv, rgroup, item, len);
	}
}

/* A prefix ('+' or not) routed twice: the second would never be used. */
static void conf_check_route_prefix(struct conf *c, const struct conf_group *g,
    const struct conf_kv *kv, const char *item, size_t len)
{
	const struct conf_group *h = NULL;
	const struct conf_kv *hk;
	const char *v, *it, *self = item;
	size_t n;

	if (item[0] == '+')
		item++, len--;
	while ((h = conf_group_next(c, h, "route")) != NULL) {
		if ((hk = conf_group_kv(h, "prefix")) == NULL)
			continue;
		v = hk->value;
		while (conf_list_next(&v, &it, &n)) {
			if (h == g && it >= self)
				return;	/* only items before this one */
			if (it[0] == '+')
				it++, n--;
			if (n == len && memcmp(it, item, len) == 0) {
				conf_error(c, kv->file, kv->line,
				    "prefix '%.*s' is routed twice (first at %s:%u)",
				    (int)len, item, hk->file, hk->line);
				return;
			}
		}
		if (h == g)
			return;
	}
}

static void conf_check_route_prefixes(struct conf *c)
{
	const struct conf_group *g = NULL;
	const struct conf_kv *kv;
	const char *v, *item;
	size_t len;

	while ((g = conf_group_next(c, g, "route")) != NULL) {
		if ((kv = conf_group_kv(g, "prefix")) == NULL)
			continue;
		v = kv->value;
		while (conf_list_next(&v, &item, &len))
			if (len > 0 && !(len == 1 && item[0] == '+'))
				conf_check_route_prefix(c, g, kv, item, len);
	}
}

static void conf_check_defaults(struct conf *c)
{
	const struct conf_group *g = NULL, *first = NULL;

	while ((g = conf_group_next(c, g, "route")) != NULL) {
		if (!conf_schema_get_bool(g, "default"))
			continue;
		if (first == NULL)
			first = g;
		else
			conf_error(c, g->file, g->line,
			    "a second default route (the first is at %s:%u)",
			    first->file, first->line);
	}
}

size_t conf_schema_validate(struct conf *c)
{
	const struct conf_group_def *def;
	const struct conf_group *g, *first;
	const char *hint;
	size_t i;

	for (i = 0; i < conf_group_count(c); i++) {
		g = conf_group_at(c, i);
		def = conf_schema_group_def(g->name);
		if (def == NULL) {
			hint = conf_suggest(NULL, g->name);
			conf_error(c, g->file, g->line, "unknown group '%s'%s%s%s",
			    g->name, hint ? " (did you mean '" : "", hint ? hint : "",
			    hint ? "'?)" : "");
			continue;
		}
		first = conf_group_find(c, g->name);
		if (!(def->flags & CONF_GROUP_MULTI) && first != g)
			conf_error(c, g->file, g->line,
			    "group '%s' may appear only once (first at %s:%u)",
			    g->name, first->file, first->line);
		conf_check_group(c, g);
	}
	for (i = 0; i < sizeof(conf_groups) / sizeof(conf_groups[0]); i++)
		if ((conf_groups[i].flags & CONF_GROUP_REQUIRED) &&
		    conf_group_find(c, conf_groups[i].name) == NULL)
			conf_error(c, NULL, 0, "no 'group = %s' (it is required)",
			    conf_groups[i].name);
	for (i = 0; i < sizeof(conf_options) / sizeof(conf_options[0]); i++) {
		if (conf_options[i].flags & CONF_OPT_UNIQUE)
			conf_check_unique(c, &conf_options[i]);
		if (conf_options[i].ref != NULL)
			conf_check_ref(c, &conf_options[i]);
	}
	conf_check_defaults(c);
	conf_check_route_prefixes(c);
	return conf_error_count(c);
}

/* ---------------------------------------------------------------- getters */

const struct conf_group *conf_schema_group(const struct conf *c,
    const char *name)
{
	static const struct conf_group empty[] = {
		{ "core", "", 0, NULL, 0 }, { "smsc", "", 0, NULL, 0 },
		{ "route", "", 0, NULL, 0 }, { "smsbox", "", 0, NULL, 0 },
		{ "smpp-server", "", 0, NULL, 0 }, { "modembox", "", 0, NULL, 0 },
		{ "modem", "", 0, NULL, 0 },
	};
	const struct conf_group *g = conf_group_find(c, name);
	size_t i;

	if (g != NULL)
		return g;
	for (i = 0; i < sizeof(empty) / sizeof(empty[0]); i++)
		if (strcmp(empty[i].name, name) == 0)
			return &empty[i];
	return NULL;
}

/* The value of key in g or its default; NULL when undeclared or unset. */
static const char *conf_raw(const struct conf_group *g, const char *key,
    const struct conf_option **o)
{
	const char *v;

	*o = conf_schema_find(g->name, key);
	if (*o == NULL)
		return NULL;
	v = conf_group_value(g, key);
	return v != NULL ? v : (*o)->def;
}

const char *conf_schema_get_str(const struct conf_group *g, const char *key)
{
	const struct conf_option *o;

	return conf_raw(g, key, &o);
}

long long conf_schema_get_int(const struct conf_group *g, const char *key)
{
	const struct conf_option *o;
	const char *v = conf_raw(g, key, &o);
	long long n;

	return v != NULL && conf_schema_parse_int(v, &n) == 0 ? n : 0;
}

bool conf_schema_get_bool(const struct conf_group *g, const char *key)
{
	const struct conf_option *o;
	const char *v = conf_raw(g, key, &o);
	bool b;

	return v != NULL && conf_schema_parse_bool(v, &b) == 0 ? b : false;
}

long long conf_schema_get_duration_ms(const struct conf_group *g,
    const char *key)
{
	const struct conf_option *o;
	const char *v = conf_raw(g, key, &o);
	long long n;

	return v != NULL && conf_schema_parse_duration_ms(v, &n) == 0 ? n : 0;
}

size_t conf_schema_get_cidrs(const struct conf_group *g, const char *key,
    struct cidr *out)
{
	const struct conf_option *o;
	const char *v = conf_raw(g, key, &o);
	int n = v == NULL ? 0 : cidr_list_parse(v, strlen(v), out,
	    CONF_LIST_MAX, NULL);

	return n < 0 ? 0 : (size_t)n;
}

int conf_schema_get_enum(const struct conf_group *g, const char *key)
{
	const struct conf_option *o;
	const char *v = conf_raw(g, key, &o);

	if (v == NULL || o->choices == NULL)
		return -1;
	return conf_choice(o->choices, v, strlen(v));
}

size_t conf_schema_get_list(const struct conf_group *g, const char *key,
    char items[][CONF_ITEM_MAX], size_t max)
{
	const struct conf_option *o;
	const char *v = conf_raw(g, key, &o), *item;
	size_t len, n = 0;

	if (v == NULL)
		return 0;
	while (n < max && conf_list_next(&v, &item, &len)) {
		if (len == 0 || len >= CONF_ITEM_MAX)
			continue;
		memcpy(items[n], item, len);
		items[n][len] = '\0';
		n++;
	}
	return n;
}
