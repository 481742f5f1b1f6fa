/*
 * account — the customer account record: keys, fields, validation, parsing
 * an HGETALL reply, allow lists, and the password verification cache.
 *
 * hermodctl validates its input with account_field_set(), the same function
 * the boxes parse the hash with, so whatever the tool writes a box can read.
 * Layer: shared/io.
 */
#include "config.h"

#include "shared/io/account.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <openssl/evp.h>

#include "shared/codec/cidr.h"
#include "shared/codec/money.h"
#include "shared/io/pwhash_pool.h"

static bool account_isdigit(char c)
{
	return c >= '0' && c <= '9';
}

static bool account_isalnum(char c)
{
	return account_isdigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool account_all_digits(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!account_isdigit(s[i]))
			return false;
	return true;
}

bool account_name_valid(const char *s, size_t len)
{
	size_t i;

	if (s == NULL || len == 0 || len >= ACCOUNT_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!account_isalnum(s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
			return false;
	return true;
}

bool account_number_valid(const char *s, size_t len)
{
	return s != NULL && len >= ACCOUNT_NUMBER_MIN && len <= ACCOUNT_NUMBER_MAX &&
	    account_all_digits(s, len);
}

bool account_rate_prefix_valid(const char *s, size_t len)
{
	if (s == NULL || len == 0)
		return false;
	if (len == strlen(ACCOUNT_RATE_DEFAULT) &&
	    memcmp(s, ACCOUNT_RATE_DEFAULT, len) == 0)
		return true;
	return len <= ACCOUNT_PREFIX_MAX && account_all_digits(s, len);
}

bool account_key_prefix_valid(const char *s, size_t len)
{
	size_t i;

	if (s == NULL || len == 0 || len > ACCOUNT_KEY_PREFIX_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!account_isalnum(s[i]) && strchr("_.:-", s[i]) == NULL)
			return false;
	return true;
}

bool account_url_valid(const char *s, size_t len)
{
	size_t i, skip;

	if (len == 0)
		return true;
	if (len >= ACCOUNT_URL_MAX)
		return false;
	if (len > 7 && strncmp(s, "http://", 7) == 0)
		skip = 7;
	else if (len > 8 && strncmp(s, "https://", 8) == 0)
		skip = 8;
	else
		return false;
	for (i = skip; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	return s[skip] != '/';
}

int account_key(char *buf, size_t cap, const char *prefix, const char *suffix,
    const char *name)
{
	int n = snprintf(buf, cap, "{%s}:%s%s", prefix, suffix, name ? name : "");

	if (n < 0 || (size_t)n >= cap)
		return -1;
	return n;
}

void account_init(struct account *a, const char *name)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", name ? name : "");
	a->max_recipients = ACCOUNT_DEF_MAX_RECIPIENTS;
	a->throughput = ACCOUNT_DEF_THROUGHPUT;
	a->enabled = true;
	a->max_binds = ACCOUNT_DEF_MAX_BINDS;
	a->window = ACCOUNT_DEF_WINDOW;
}

/* Calls fn on each comma-separated item of s[0..len); stops at false. */
static bool account_each_item(const char *s, size_t len,
    bool (*fn)(const char *item, size_t n, const void *arg), const void *arg)
{
	size_t i = 0, j;

	while (i <= len) {
		for (j = i; j < len && s[j] != ','; j++)
			;
		if (!fn(s + i, j - i, arg))
			return false;
		i = j + 1;
	}
	return true;
}

static bool account_sender_item_ok(const char *s, size_t n, const void *arg)
{
	size_t i;

	(void)arg;
	if (n == 0 || n > ACCOUNT_SENDER_MAX || s[0] == ' ' || s[n - 1] == ' ')
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

/* An allow-list entry: address and prefix length. */
static bool account_ip_item_ok(const char *s, size_t n, const void *arg)
{
	struct cidr net;

	(void)arg;
	return cidr_parse(s, n, &net) == 0;
}

static int account_uint_parse(const char *v, size_t vlen, unsigned min,
    unsigned max, unsigned *out)
{
	unsigned long x = 0;
	size_t i;

	if (vlen == 0 || vlen > 9 || (v[0] == '0' && vlen > 1))
		return -1;
	for (i = 0; i < vlen; i++) {
		if (!account_isdigit(v[i]))
			return -1;
		x = x * 10 + (unsigned long)(v[i] - '0');
	}
	if (x < min || x > max)
		return -1;
	*out = (unsigned)x;
	return 0;
}

static int account_str_set(char *dst, size_t cap, const char *v, size_t vlen)
{
	if (vlen >= cap || memchr(v, '\0', vlen) != NULL)
		return -1;
	memcpy(dst, v, vlen);
	dst[vlen] = '\0';
	return 0;
}

static int account_set_list(char *dst, const char *v, size_t vlen,
    bool (*fn)(const char *, size_t, const void *))
{
	if (vlen > 0 && !account_each_item(v, vlen, fn, NULL))
		return -1;
	return account_str_set(dst, ACCOUNT_LIST_MAX, v, vlen);
}

int account_field_set(struct account *a, const char *field, const char *v,
    size_t vlen)
{
	int64_t units;

	if (strcmp(field, ACCOUNT_F_PWHASH) == 0) {
		if (account_str_set(a->pwhash, sizeof(a->pwhash), v, vlen) < 0 ||
		    (vlen > 0 && pwhash_check_format(a->pwhash) < 0)) {
			a->pwhash[0] = '\0';
			return -1;
		}
		return 0;
	}
	if (strcmp(field, ACCOUNT_F_CREDIT) == 0) {
		if (money_units_parse(v, vlen, &units) < 0 || units < 0)
			return -1;
		a->credit = units;
		return 0;
	}
	if (strcmp(field, ACCOUNT_F_DLR_URL) == 0 || strcmp(field, ACCOUNT_F_MO_URL) == 0) {
		if (!account_url_valid(v, vlen))
			return -1;
		return account_str_set(field[0] == 'd' ? a->dlr_url : a->mo_url,
		    ACCOUNT_URL_MAX, v, vlen);
	}
	if (strcmp(field, ACCOUNT_F_MAX_RECIPIENTS) == 0)
		return account_uint_parse(v, vlen, 1, ACCOUNT_MAX_RECIPIENTS_MAX,
		    &a->max_recipients);
	if (strcmp(field, ACCOUNT_F_THROUGHPUT) == 0)
		return account_uint_parse(v, vlen, 0, ACCOUNT_THROUGHPUT_MAX,
		    &a->throughput);
	if (strcmp(field, ACCOUNT_F_MAX_BINDS) == 0)
		return account_uint_parse(v, vlen, 0, ACCOUNT_MAX_BINDS_MAX,
		    &a->max_binds);
	if (strcmp(field, ACCOUNT_F_WINDOW) == 0)
		return account_uint_parse(v, vlen, 1, ACCOUNT_WINDOW_MAX,
		    &a->window);
	if (strcmp(field, ACCOUNT_F_ENABLED) == 0) {
		if (vlen != 1 || (v[0] != '0' && v[0] != '1'))
			return -1;
		a->enabled = v[0] == '1';
		return 0;
	}
	if (strcmp(field, ACCOUNT_F_MO_PASS) == 0) {
		if (vlen > ACCOUNT_MO_PASS_MAX)
			return -1;
		for (size_t i = 0; i < vlen; i++)
			if (v[i] < 0x20 || v[i] > 0x7e)
				return -1;
		a->has_mo_pass = vlen > 0;
		return 0;
	}
	if (strcmp(field, ACCOUNT_F_SENDERS) == 0)
		return account_set_list(a->senders, v, vlen, account_sender_item_ok);
	if (strcmp(field, ACCOUNT_F_IPS) == 0)
		return account_set_list(a->ips, v, vlen, account_ip_item_ok);
	return 1;
}

int account_from_reply(struct account *a, const char *name,
    const struct redisReply *r, char *err, size_t errlen)
{
	char field[64];
	size_t i;

	if (errlen > 0)
		err[0] = '\0';
	account_init(a, name);
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements % 2 != 0) {
		snprintf(err, errlen, "reply is not a hash");
		return -1;
	}
	if (r->elements == 0)
		return 1;
	for (i = 0; i < r->elements; i += 2) {
		const struct redisReply *k = r->element[i], *v = r->element[i + 1];

		if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING) {
			snprintf(err, errlen, "reply is not a hash");
			return -1;
		}
		if (k->len >= sizeof(field))
			continue;	/* no field of ours is that long */
		memcpy(field, k->str, k->len);
		field[k->len] = '\0';
		if (account_field_set(a, field, v->str, v->len) < 0) {
			snprintf(err, errlen, "invalid value of field %s", field);
			return -1;
		}
	}
	return 0;
}

static bool account_sender_eq(const char *s, size_t n, const void *arg)
{
	const char *sender = arg;

	/* false stops the walk: "found" is reported as a stopped walk. */
	return !(strlen(sender) == n && memcmp(s, sender, n) == 0);
}

bool account_sender_allowed(const struct account *a, const char *sender)
{
	if (a->senders[0] == '\0')
		return true;
	return !account_each_item(a->senders, strlen(a->senders),
	    account_sender_eq, sender);
}

static bool account_net_differs(const char *s, size_t n, const void *arg)
{
	struct cidr net;

	return cidr_parse(s, n, &net) < 0 || !cidr_contains(&net, arg);
}

bool account_ip_allowed(const struct account *a, const char *ip)
{
	struct cidr addr;

	/* cidr maps a dual-stack socket's ::ffff:a.b.c.d to IPv4. */
	if (ip == NULL || cidr_parse_addr(ip, strlen(ip), &addr) < 0)
		return false;
	if (a->ips[0] == '\0')
		return true;
	return !account_each_item(a->ips, strlen(a->ips), account_net_differs, &addr);
}

/* ---- password verification cache ---- */

#define ACCOUNT_PWC_WAYS 4

/* One hash on the pool, and the verifications waiting for it. */
struct account_pwc_flight {
	struct account_pwcache *c;
	struct account_pwc_flight *next, *prev;	/* c->flights */
	uint8_t key[32];
	uint64_t now_ms;
	struct pwhash_pool_job *job;	/* NULL once delivered */
	struct account_verify *waiters;
};

struct account_verify {
	struct account_pwc_flight *f;
	struct account_verify *next, *prev;	/* f->waiters */
	account_verify_fn *fn;
	void *arg;
};

struct account_pwc_entry {
	uint8_t key[32];
	uint64_t expires_ms;	/* 0: empty */
	int result;
};

struct account_pwcache {
	struct account_pwc_entry *e;
	size_t nsets;
	unsigned ttl_ms;
	uint64_t hits, misses;
	struct account_pwc_flight *flights;	/* hashes on the pool */
	/* fetched once: an implicit fetch per digest costs more than the hash */
	EVP_MD *sha256;
	EVP_MD_CTX *md;
};

static void account_flight_unlink(struct account_pwc_flight *f);

struct account_pwcache *account_pwcache_new(size_t slots, unsigned ttl_ms)
{
	struct account_pwcache *c;

	if (slots == 0)
		slots = 1024;
	if (slots > (1u << 20))
		slots = 1u << 20;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->nsets = (slots + ACCOUNT_PWC_WAYS - 1) / ACCOUNT_PWC_WAYS;
	c->e = calloc(c->nsets * ACCOUNT_PWC_WAYS, sizeof(*c->e));
	c->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	c->md = EVP_MD_CTX_new();
	if (c->e == NULL || c->sha256 == NULL || c->md == NULL) {
		account_pwcache_free(c);
		return NULL;
	}
	c->ttl_ms = ttl_ms ? ttl_ms : 60000;
	return c;
}

void account_pwcache_free(struct account_pwcache *c)
{
	if (c == NULL)
		return;
	while (c->flights != NULL) {
		struct account_pwc_flight *f = c->flights;
		struct account_verify *v, *next;

		for (v = f->waiters; v != NULL; v = next) {
			next = v->next;
			free(v);
		}
		pwhash_pool_cancel(f->job);
		account_flight_unlink(f);
		free(f);
	}
	if (c->e != NULL)
		OPENSSL_cleanse(c->e, c->nsets * ACCOUNT_PWC_WAYS * sizeof(*c->e));
	free(c->e);
	EVP_MD_CTX_free(c->md);
	EVP_MD_free(c->sha256);
	free(c);
}

void account_pwcache_stats(const struct account_pwcache *c, uint64_t *hits,
    uint64_t *misses)
{
	*hits = c ? c->hits : 0;
	*misses = c ? c->misses : 0;
}

/* Adds a length-prefixed string to the digest, so fields cannot run together. */
static int account_digest_str(EVP_MD_CTX *md, const void *p, size_t n)
{
	uint8_t len[8];
	int i;

	for (i = 0; i < 8; i++)
		len[i] = (uint8_t)(n >> (56 - 8 * i));
	return EVP_DigestUpdate(md, len, sizeof(len)) == 1 &&
	    EVP_DigestUpdate(md, p, n) == 1 ? 0 : -1;
}

/* key = SHA-256(name, pw, pwhash), each length-prefixed, with c's digest
 * and context: the cache holds no password, only this digest. */
static int account_pwc_key(struct account_pwcache *c, const char *name,
    const char *pwhash, const char *pw, size_t pwlen, uint8_t key[32])
{
	unsigned n = 0;
	EVP_MD_CTX *md = c->md;

	if (EVP_DigestInit_ex2(md, c->sha256, NULL) != 1 ||
	    account_digest_str(md, name, strlen(name)) < 0 ||
	    account_digest_str(md, pw, pwlen) < 0 ||
	    account_digest_str(md, pwhash, strlen(pwhash)) < 0 ||
	    EVP_DigestFinal_ex(md, key, &n) != 1 || n != 32)
		return -1;
	return 0;
}

/* The cache entry of key, or NULL; *victim: the entry to replace. */
static struct account_pwc_entry *account_pwc_find(struct account_pwcache *c,
    const uint8_t key[32], uint64_t now_ms, struct account_pwc_entry **victim)
{
	struct account_pwc_entry *set;
	size_t idx;
	int i;

	idx = ((size_t)key[0] << 24 | (size_t)key[1] << 16 | (size_t)key[2] << 8 |
	    key[3]) % c->nsets;
	set = &c->e[idx * ACCOUNT_PWC_WAYS];
	*victim = &set[0];
	for (i = 0; i < ACCOUNT_PWC_WAYS; i++) {
		if (set[i].expires_ms > now_ms &&
		    memcmp(set[i].key, key, 32) == 0)
			return &set[i];
		if (set[i].expires_ms < (*victim)->expires_ms)
			*victim = &set[i];
	}
	return NULL;
}

static void account_pwc_put(struct account_pwcache *c, const uint8_t key[32],
    int result, uint64_t now_ms)
{
	struct account_pwc_entry *victim;

	if (result < 0 || account_pwc_find(c, key, now_ms, &victim) != NULL)
		return;
	memcpy(victim->key, key, 32);
	victim->expires_ms = now_ms + c->ttl_ms;
	victim->result = result;
}

int account_verify(struct account_pwcache *c, const char *name,
    const char *pwhash, const char *pw, size_t pwlen, uint64_t now_ms)
{
	struct account_pwc_entry *hit, *victim;
	uint8_t key[32];
	int rc;

	if (pwhash == NULL || pwhash[0] == '\0')
		return 0;
	if (c == NULL || account_pwc_key(c, name, pwhash, pw, pwlen, key) < 0)
		return pwhash_verify(pwhash, pw, pwlen);
	if ((hit = account_pwc_find(c, key, now_ms, &victim)) != NULL) {
		c->hits++;
		return hit->result;
	}
	c->misses++;
	rc = pwhash_verify(pwhash, pw, pwlen);
	account_pwc_put(c, key, rc, now_ms);
	return rc;
}

/* ---- verification off the loop ---- */

static struct account_pwc_flight *account_flight_find(struct account_pwcache *c,
    const uint8_t key[32])
{
	struct account_pwc_flight *f;

	for (f = c->flights; f != NULL; f = f->next)
		if (memcmp(f->key, key, 32) == 0)
			return f;
	return NULL;
}

static void account_flight_unlink(struct account_pwc_flight *f)
{
	struct account_pwcache *c = f->c;

	if (f->prev != NULL)
		f->prev->next = f->next;
	else
		c->flights = f->next;
	if (f->next != NULL)
		f->next->prev = f->prev;
	f->next = f->prev = NULL;
}

/* The hash is done (on the loop): cache it, then tell every waiter. */
static void account_flight_done(int result, void *arg)
{
	struct account_pwc_flight *f = arg;
	struct account_verify *v;

	f->job = NULL;
	account_pwc_put(f->c, f->key, result, f->now_ms);
	account_flight_unlink(f);
	/* A waiter's fn may cancel another waiter: pop each before its call. */
	while ((v = f->waiters) != NULL) {
		account_verify_fn *fn = v->fn;
		void *varg = v->arg;

		f->waiters = v->next;
		if (f->waiters != NULL)
			f->waiters->prev = NULL;
		free(v);
		fn(result, varg);
	}
	free(f);
}

static struct account_pwc_flight *account_flight_new(struct account_pwcache *c,
    struct pwhash_pool *pool, const uint8_t key[32], const char *pwhash,
    const char *pw, size_t pwlen, uint64_t now_ms, int *rc)
{
	struct account_pwc_flight *f = calloc(1, sizeof(*f));

	*rc = -1;
	if (f == NULL)
		return NULL;
	f->job = pwhash_pool_verify(pool, pwhash, pw, pwlen, account_flight_done, f);
	if (f->job == NULL) {
		if (errno == EAGAIN)
			*rc = ACCOUNT_VERIFY_BUSY;
		free(f);
		return NULL;
	}
	f->c = c;
	memcpy(f->key, key, 32);
	f->now_ms = now_ms;
	f->next = c->flights;
	if (c->flights != NULL)
		c->flights->prev = f;
	c->flights = f;
	return f;
}

int account_verify_start(struct account_pwcache *c, struct pwhash_pool *pool,
    const char *name, const char *pwhash, const char *pw, size_t pwlen,
    uint64_t now_ms, account_verify_fn *fn, void *arg,
    struct account_verify **out)
{
	struct account_pwc_entry *hit, *victim;
	struct account_pwc_flight *f;
	struct account_verify *v;
	uint8_t key[32];
	int rc;

	*out = NULL;
	if (pwhash == NULL || pwhash[0] == '\0')
		return 0;
	if (pwhash_check_format(pwhash) < 0)
		return -1;
	if (pwlen > PWHASH_PASSWORD_MAX)
		return 0;
	if (account_pwc_key(c, name, pwhash, pw, pwlen, key) < 0)
		return -1;
	if ((hit = account_pwc_find(c, key, now_ms, &victim)) != NULL) {
		c->hits++;
		return hit->result;
	}
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return -1;
	f = account_flight_find(c, key);
	if (f == NULL) {
		f = account_flight_new(c, pool, key, pwhash, pw, pwlen, now_ms, &rc);
		if (f == NULL) {
			free(v);
			return rc;
		}
		c->misses++;
	} else {
		c->hits++;	/* answered by a hash already running */
	}
	v->f = f;
	v->fn = fn;
	v->arg = arg;
	v->next = f->waiters;
	if (f->waiters != NULL)
		f->waiters->prev = v;
	f->waiters = v;
	*out = v;
	return ACCOUNT_VERIFY_PENDING;
}

void account_verify_cancel(struct account_verify *v)
{
	struct account_pwc_flight *f;

	if (v == NULL)
		return;
	f = v->f;
	if (v->prev != NULL)
		v->prev->next = v->next;
	else
		f->waiters = v->next;
	if (v->next != NULL)
		v->next->prev = v->prev;
	free(v);
	if (f->waiters != NULL || f->job == NULL)
		return;	/* others wait, or the flight is being delivered */
	pwhash_pool_cancel(f->job);
	account_flight_unlink(f);
	free(f);
}
