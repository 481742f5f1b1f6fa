/*
 * sb_cb_fmt — the pure parts of the smsbox's HTTP callbacks: the serialized
 * callback stored in P:cb:retry / P:cb:inflight / P:cb:dead, the delivery-report
 * query (seed 004 §5.3.2: mess_id, status, number), Kannel dlr-url escapes and
 * dlr-mask, the MO form body (seed 004 §7.1) and the retry backoff.
 * Pure: no allocation, no I/O, no clock, no logging.
 */
#ifndef HERMOD_SB_CB_FMT_H
#define HERMOD_SB_CB_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SB_CB_UID_MAX 64	/* "ev:1700000000000-0", NUL included */
#define SB_CB_ACCT_MAX 16
#define SB_CB_MID_MAX 24	/* Hermod message id, decimal */
#define SB_CB_URL_MAX 4096	/* a callback URL with its query string */
#define SB_CB_BODY_MAX 65536	/* an MO form body without user and pass */
/* Longest serialized member (every field percent-encoded at worst). */
#define SB_CB_ERROR_MAX 256	/* why the last attempt failed */
#define SB_CB_MEMBER_MAX (3 * (SB_CB_URL_MAX + SB_CB_BODY_MAX + SB_CB_ERROR_MAX) + 512)

/* Kannel DLR types (the %d escape and the bits of dlr-mask). */
#define SB_CB_KANNEL_DELIVERED 1
#define SB_CB_KANNEL_FAILED 2
#define SB_CB_KANNEL_BUFFERED 4
#define SB_CB_KANNEL_SMSC_ACK 8
#define SB_CB_KANNEL_SMSC_REJECT 16

enum sb_cb_kind {
	SB_CB_DLR = 1,		/* GET url (the query holds everything) */
	SB_CB_MO = 2,		/* POST url, body = "user=..&pass=..&" + body */
};

/*
 * One callback, self-contained: what P:cb:retry and P:cb:dead hold. The MO
 * body is stored without user and pass: user is acct, and pass (the account's
 * mo-pass) is looked up at each attempt so that no secret sits in a dead letter.
 */
struct sb_cb_item {
	enum sb_cb_kind kind;
	char uid[SB_CB_UID_MAX];	/* unique: stream kind + stream entry id */
	char acct[SB_CB_ACCT_MAX];
	char mid[SB_CB_MID_MAX];	/* Hermod message id ("" for MO) */
	char url[SB_CB_URL_MAX];
	char body[SB_CB_BODY_MAX];	/* MO: dcs, org, dest, message; DLR: "" */
	size_t body_len;
	unsigned tries;			/* attempts made so far */
	uint64_t first_ms;		/* unix ms of the first attempt */
	char error[SB_CB_ERROR_MAX];	/* why the last attempt failed ("": none) */
};

enum sb_cb_error {
	SB_CB_ESPACE = -1,	/* output buffer or a field too small */
	SB_CB_EFORMAT = -2,	/* not a serialized callback */
	SB_CB_EINVAL = -3,	/* bad argument (NUL in a field, bad URL...) */
};

/*
 * Writes *it as "v=1&k=dlr|mo&id=..&a=..&i=..&n=..&t=..&u=..&b=..[&e=..]"
 * (values percent-encoded; e, the last error, only when there is one) into
 * dst[0..cap), NUL-terminated. Returns the length (> 0) or SB_CB_ESPACE.
 */
int sb_cb_member_encode(const struct sb_cb_item *it, char *dst, size_t cap);

/*
 * Parses a member p[0..len) into *out. Unknown keys are ignored (forward
 * compatibility); k, id and u are required. Returns len (> 0) or SB_CB_EFORMAT
 * / SB_CB_ESPACE (a field longer than its buffer); *out is then unspecified.
 */
int sb_cb_member_decode(const uint8_t *p, size_t len, struct sb_cb_item *out);

/*
 * Builds the delivery-report URL: base followed by '?' (or '&' when base has a
 * query already) and mess_id=..&status=CODE&number=.., values percent-encoded,
 * into dst[0..cap). Returns the length or SB_CB_ESPACE / SB_CB_EINVAL.
 */
int sb_cb_dlr_url(char *dst, size_t cap, const char *base, const char *mess_id,
		  int code, const char *number);

/* The Kannel DLR type of a status word: DELIVRD 1, ACCEPTD and ACK (the
 * bearerbox's event when the SMSC accepted the submit) 8, ENROUTE 4, every
 * other word (UNDELIV, REJECTD, EXPIRED, DELETED, UNKNOWN...) 2. */
int sb_cb_kannel_type(const char *stat);

/* The Kannel DLR type of a status event: 16 (SMSC reject) for a failure the
 * event marks nack (no SMSC accepted the message), else
 * sb_cb_kannel_type(stat). */
int sb_cb_kannel_event_type(const char *stat, bool nack);

/* true when the Kannel dlr-mask text allows type: an empty or "0" mask, or one
 * that is not a number 0..31, allows every type. */
bool sb_cb_kannel_mask_allows(const char *mask, int type);

/* Values for the Kannel escapes. NULL strings count as "". */
struct sb_cb_kannel_vars {
	int type;		/* %d */
	const char *sender;	/* %p */
	const char *receiver;	/* %P */
	const char *text;	/* %A: receipt text or stat word */
	uint64_t unix_s;	/* %T */
	const char *id;		/* %I: Hermod message id */
};

/*
 * Expands the escapes %d %p %P %A %T %I of the Kannel dlr-url tmpl into
 * dst[0..cap); substituted values are percent-encoded, %% gives '%', any
 * other escape is copied as written. Returns the length or SB_CB_ESPACE.
 */
int sb_cb_kannel_expand(char *dst, size_t cap, const char *tmpl,
			const struct sb_cb_kannel_vars *v);

/* true when tmpl holds the escape %c (c = 'p', 'P', ...), not as "%%c". */
bool sb_cb_kannel_uses(const char *tmpl, char c);

/*
 * Writes the MO form fields without user and pass: "dcs=..&org=..&dest=..&
 * message=.." (form encoding: space as '+') into dst[0..cap). text is UTF-8,
 * text_len bytes. Returns the length or SB_CB_ESPACE.
 */
int sb_cb_mo_body(char *dst, size_t cap, const char *dcs, const char *org,
		  const char *dest, const uint8_t *text, size_t text_len);

/*
 * Writes the full MO POST body "user=ACCT&pass=PASS&" + it->body into
 * dst[0..cap). Returns the length or SB_CB_ESPACE.
 */
int sb_cb_mo_full_body(char *dst, size_t cap, const struct sb_cb_item *it,
		       const char *pass);

/* Wait before retry number `retry` (1 = the first retry): delay_ms doubled
 * retry - 1 times, capped at one day. */
uint64_t sb_cb_backoff_ms(uint64_t delay_ms, unsigned retry);

#endif
