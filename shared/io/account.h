/*
 * account — the customer account record shared by hermodctl (which writes
 * it), smsbox and the SMPP server (which read it): Redis key and field names,
 * validation of every field, parsing an HGETALL reply into a struct, allow
 * lists of sender ids and client addresses, and password verification with a
 * small in-process cache. The data model is doc/redis-keys.md; amounts are
 * integer units of 1/10000 (shared/codec/money.h).
 *
 * Layer: shared/io (OpenSSL for hashing, pwhash_pool for hashing off the
 * loop; reads hiredis reply structs but never talks to Redis). Not
 * thread-safe: one cache per event loop, used on that loop. No logging.
 */
#ifndef HERMOD_ACCOUNT_H
#define HERMOD_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/io/pwhash.h"

struct redisReply;

/* Sizes, NUL included. A name is an SMPP system_id: at most 15 characters. */
#define ACCOUNT_NAME_MAX 16
#define ACCOUNT_URL_MAX 1024
#define ACCOUNT_LIST_MAX 1024
#define ACCOUNT_KEY_MAX 160
#define ACCOUNT_SENDER_MAX 16	/* one sender id, without NUL */
#define ACCOUNT_NUMBER_MIN 5	/* long numbers: international digits, no '+' */
#define ACCOUNT_NUMBER_MAX 15
#define ACCOUNT_PREFIX_MAX 15	/* rate prefixes: 1..15 digits or "default" */
#define ACCOUNT_KEY_PREFIX_MAX 64	/* core.key-prefix */

/* Defaults of a field the hash does not hold. */
#define ACCOUNT_DEF_MAX_RECIPIENTS 10
#define ACCOUNT_DEF_THROUGHPUT 0	/* messages per second; 0 = no limit */
#define ACCOUNT_DEF_MAX_BINDS 5
#define ACCOUNT_DEF_WINDOW 64	/* SMPP submits awaiting their response per bind */
/* Bounds of the numeric fields (inclusive). */
#define ACCOUNT_MAX_RECIPIENTS_MAX 1000
#define ACCOUNT_THROUGHPUT_MAX 100000
#define ACCOUNT_MAX_BINDS_MAX 1000
#define ACCOUNT_WINDOW_MAX 10000

/* Key suffixes: the full key is "{PREFIX}:" SUFFIX (account_key()). */
#define ACCOUNT_K_ACCT "acct:"		/* + NAME: hash, the record */
#define ACCOUNT_K_ACCOUNTS "accounts"	/* set of names */
#define ACCOUNT_K_RATES "rates"		/* hash prefix -> units per part */
#define ACCOUNT_K_RATES_VERSION "rates:version"	/* INCRed with every change of rates */
#define ACCOUNT_K_NUMBERS "numbers"	/* hash long number -> name */
#define ACCOUNT_K_CB_DEAD "cb:dead"	/* list, smsbox's dead callbacks */
#define ACCOUNT_K_CB_RETRY "cb:retry"	/* sorted set, smsbox's callback retries */
#define ACCOUNT_RATE_DEFAULT "default"	/* the rates field used when no prefix matches */

/* Field names of the P:acct:NAME hash. */
#define ACCOUNT_F_PWHASH "pwhash"
#define ACCOUNT_F_CREDIT "credit"		/* integer units, >= 0 */
#define ACCOUNT_F_DLR_URL "dlr-url"		/* "" = none */
#define ACCOUNT_F_MO_URL "mo-url"		/* "" = none */
#define ACCOUNT_F_MAX_RECIPIENTS "max-recipients"
#define ACCOUNT_F_THROUGHPUT "throughput"
#define ACCOUNT_F_SENDERS "senders"		/* comma list; "" = any */
#define ACCOUNT_F_IPS "ips"			/* comma list of addr[/len]; "" = any */
#define ACCOUNT_F_ENABLED "enabled"		/* "1" / "0" */
#define ACCOUNT_F_MAX_BINDS "max-binds"
#define ACCOUNT_F_WINDOW "window"
#define ACCOUNT_F_MO_PASS "mo-pass"		/* sent as `pass` with MO; "" = none */
#define ACCOUNT_MO_PASS_MAX 255			/* bytes, printable ASCII */

struct account {
	char name[ACCOUNT_NAME_MAX];
	char pwhash[PWHASH_TEXT_MAX];	/* "" when the hash has none: no login */
	int64_t credit;			/* units of 1/10000 */
	char dlr_url[ACCOUNT_URL_MAX];
	char mo_url[ACCOUNT_URL_MAX];
	unsigned max_recipients;
	unsigned throughput;
	char senders[ACCOUNT_LIST_MAX];
	char ips[ACCOUNT_LIST_MAX];
	bool enabled;
	unsigned max_binds;
	unsigned window;		/* SMPP submits in flight per bind */
	bool has_mo_pass;		/* the secret itself is never kept here */
};

/* Field validators: true when s[0..len) is acceptable. */
bool account_name_valid(const char *s, size_t len);	/* [A-Za-z0-9_.-]{1,15} */
bool account_number_valid(const char *s, size_t len);	/* [0-9]{5,15} */
bool account_rate_prefix_valid(const char *s, size_t len); /* [0-9]{1,15} | default */
bool account_key_prefix_valid(const char *s, size_t len); /* [A-Za-z0-9_.:-]{1,64} */
/* "" or http(s)://... printable ASCII without spaces, < ACCOUNT_URL_MAX. */
bool account_url_valid(const char *s, size_t len);

/*
 * Writes "{prefix}:" suffix [name] into buf (cap bytes): e.g.
 * account_key(b, sizeof(b), "hermod", ACCOUNT_K_ACCT, "alice") gives
 * "{hermod}:acct:alice"; name may be NULL. Returns the length, or -1 when it
 * does not fit.
 */
int account_key(char *buf, size_t cap, const char *prefix, const char *suffix,
    const char *name);

/* Sets name (copied, cut to 15 characters) and every field to its default:
 * no password, credit 0, no URLs, enabled, any sender, any address. */
void account_init(struct account *a, const char *name);

/*
 * Validates value v[0..vlen) for field and stores it in *a. The values are
 * those Redis holds (credit in integer units, enabled "1"/"0", numbers in
 * decimal); hermodctl validates its input with this same function. Returns 0
 * when stored, 1 when field is unknown (ignored, for forward compatibility),
 * -1 when the value is invalid (*a unchanged).
 */
int account_field_set(struct account *a, const char *field, const char *v,
    size_t vlen);

/*
 * Fills *a from an HGETALL reply for account name (a flat array of field,
 * value strings). Returns 0 when filled, 1 when the reply is an empty array
 * (no such account), -1 when the reply is not an array of strings or a field
 * is invalid: err[0..errlen) then names the field. Unknown fields are ignored.
 */
int account_from_reply(struct account *a, const char *name,
    const struct redisReply *r, char *err, size_t errlen);

/* true when a->senders is empty or lists sender exactly (case-sensitive). */
bool account_sender_allowed(const struct account *a, const char *sender);
/* true when a->ips is empty or ip (numeric IPv4 or IPv6 text) falls in one of
 * its addr[/len] entries. An unparsable ip is not allowed. */
bool account_ip_allowed(const struct account *a, const char *ip);

/*
 * Password verification cache: results of pwhash_verify() kept for ttl_ms,
 * keyed by SHA-256 over (name, SHA-256(password), stored pwhash string), so a
 * changed password (a new pwhash) takes effect at once and no password is
 * kept in memory. Both matches and mismatches are cached (a client retrying a
 * wrong password must not burn a CPU). Bounded: `slots` entries (rounded up to
 * a multiple of 4), 4-way set-associative, the entry nearest expiry replaced.
 */
struct account_pwcache;

/* Returns a new cache (slots 0 means 1024, ttl_ms 0 means 60000), or NULL
 * when memory runs out. */
struct account_pwcache *account_pwcache_new(size_t slots, unsigned ttl_ms);
/* Cancels the verifications still pending on c (account_verify_start():
 * their fn is never called; their pool must still exist), then frees.
 * account_pwcache_free(NULL) is a no-op. */
void account_pwcache_free(struct account_pwcache *c);
/* Counts of lookups answered from the cache and computed. */
void account_pwcache_stats(const struct account_pwcache *c, uint64_t *hits,
    uint64_t *misses);

/*
 * Checks password pw[0..pwlen) of account `name` whose stored hash is
 * `pwhash`, through the cache c (NULL: no cache). now_ms is the caller's
 * monotonic clock in milliseconds. Returns 1 match, 0 mismatch (also for an
 * empty pwhash: the account cannot log in), -1 malformed pwhash (not cached).
 * A miss costs one PBKDF2 (tens of ms), which blocks the caller: for tools
 * and tests. A box's event loop uses account_verify_start().
 */
int account_verify(struct account_pwcache *c, const char *name,
    const char *pwhash, const char *pw, size_t pwlen, uint64_t now_ms);

/* account_verify_start() results besides 1, 0 and -1. */
#define ACCOUNT_VERIFY_PENDING 2	/* fn will be called on the loop */
#define ACCOUNT_VERIFY_BUSY (-2)	/* the pool's queue is full: retry later */

/* A verification in progress, for account_verify_cancel(). */
struct account_verify;
struct pwhash_pool;
/* Called on the loop with 1 match, 0 mismatch or -1 malformed pwhash. */
typedef void account_verify_fn(int result, void *arg);

/*
 * account_verify() without blocking: a cache hit (and an empty or malformed
 * pwhash) answers at once, 1, 0 or -1 as account_verify(), and *out is NULL.
 * A miss is hashed on pool's worker threads (shared/io/pwhash_pool.h) and
 * returns ACCOUNT_VERIFY_PENDING with *out set: fn(result, arg) is called
 * later on the loop, never inside this call, after the result was cached
 * (for ttl_ms from now_ms). Several misses of the same (name, password,
 * pwhash) share one hash: the later ones wait for the first's result.
 * Returns ACCOUNT_VERIFY_BUSY when pool's queue is full (*out NULL; nothing
 * cached), -1 as well when memory runs out. pw is copied: the caller may
 * wipe it at once. c and pool must outlive every pending verification.
 */
int account_verify_start(struct account_pwcache *c, struct pwhash_pool *pool,
    const char *name, const char *pwhash, const char *pw, size_t pwlen,
    uint64_t now_ms, account_verify_fn *fn, void *arg,
    struct account_verify **out);

/*
 * Cancels a pending verification: fn is never called for it. v is invalid
 * from the moment its fn starts; cancel only before. When it was the last
 * one waiting for its hash, the hash is cancelled too (a queued hash frees
 * its place at once). NULL is a no-op.
 */
void account_verify_cancel(struct account_verify *v);

#endif
