/*
 * sb_api — the smsbox's customer HTTP API (doc/http-api.md): seed 004's
 * `/SMSsend` and `/balance.php` (`/balance`), and Kannel's `/cgi-bin/sendsms`
 * (sb_kannel.c). Each request is authenticated against P:acct:NAME (password
 * through the account_verify_start() cache; a miss waits for the pwhash
 * threads, off the loop), then handed to the accept step
 * (shared/io/mt_accept.h), and answered from the Redis reply. Stateless: no
 * state outside Redis but the password cache.
 *
 * Layer: smsbox (box logic). Runs on the box's event loop only.
 */
#ifndef HERMOD_SB_API_H
#define HERMOD_SB_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/io/account.h"
#include "shared/io/mt_accept.h"

struct box;
struct conf;
struct httpd_req;
struct sb_api;

typedef void sb_api_done_fn(void *arg);

/*
 * Starts the HTTP server of group smsbox of c (interface, port,
 * max-body-size) on b's loop, sending through acc. b, acc and c are borrowed
 * and must outlive the API. Returns NULL (logged) when the port cannot be
 * bound or memory runs out.
 */
struct sb_api *sb_api_new(struct box *b, struct mt_accept *acc,
			  const struct conf *c);

/* The port listened on. */
unsigned sb_api_port(const struct sb_api *api);

/*
 * Graceful stop: new requests are answered 503 at once; done(arg) is called
 * from the loop (never inside this call) once every request waiting for
 * Redis or its password check has been answered. Call at most once.
 */
void sb_api_stop(struct sb_api *api, sb_api_done_fn *done, void *arg);

/*
 * Closes the server and frees. Requests still waiting for Redis or for their
 * password check are dropped (their connections get 503); their Redis replies
 * are then ignored, their checks cancelled.
 * Must not be called from a request callback. sb_api_free(NULL) is a no-op.
 */
void sb_api_free(struct sb_api *api);

/* ---- shared with sb_kannel.c ------------------------------------------- */

/* The result of a request, in seed 004's words (§5.3.1). */
enum sb_word {
	SB_SUCCESS,
	SB_ERROR,		/* missing, repeated or malformed parameter */
	SB_AUTH_FAILED,
	SB_WRONG_NUMBER,
	SB_NOT_ALLOWED,		/* no route, no rate, no credit, sender */
	SB_TOO_MANY_NUMBERS,
	SB_NO_MESSAGE,
	SB_TOO_LONG,
	SB_WRONG_TYPE,
	SB_WRONG_FORMAT,	/* bad hex, UCS-2 or UDH */
	SB_FAILED,		/* internal error */
	SB_SYS_ERROR,		/* Redis unavailable; password checks busy */
};

/* Why SB_NOT_ALLOWED / SB_AUTH_FAILED, for answers that say more. */
enum sb_reason {
	SB_R_NONE,
	SB_R_NO_ROUTE,
	SB_R_NO_RATE,
	SB_R_CREDIT,
	SB_R_SENDER,
	SB_R_DEFERRED,
};

/* The flavour of the answer. */
enum sb_flavour {
	SB_SEED,		/* seed 004: one word, HTTP 200 */
	SB_KANNEL,		/* Kannel smsbox lines and status codes */
};

#define SB_FROM_MAX 24
#define SB_MESS_ID_MAX 32
#define SB_PASS_MAX 1024

/* A validated send request. Heap-allocated with sb_send_new(); owned by the
 * API once given to sb_api_send(). */
struct sb_send {
	char user[ACCOUNT_NAME_MAX];
	bool user_valid;		/* false: answered auth_failed */
	char pass[SB_PASS_MAX + 1];
	size_t pass_len;
	char (*to)[MT_ACCEPT_TO_MAX];
	const char **to_ptr;
	size_t nto;
	char from[SB_FROM_MAX];
	enum mt_accept_kind kind;
	uint8_t *data;
	size_t len;
	uint8_t *udh;
	size_t udh_len;
	bool ucs2, flash, dlr;
	unsigned max_parts;
	char mess_id[SB_MESS_ID_MAX + 1];
	char *dlr_url;			/* NULL = none */
	char dlr_mask[12];
	long validity_s;		/* < 0: none */
	long deferred_s;		/* <= 0: none */
	unsigned priority;		/* SMPP priority_flag 0..3 */
	unsigned mclass;		/* class 1..3; 0: none (class 0: flash) */
	bool ack;			/* Kannel dlr-mask 8 with a dlr-url */
	bool interim;			/* Kannel dlr-mask 4 with a dlr-url */
	/* Kannel checks fields after authentication: a request found wrong
	 * before is still authenticated, then answered with this line. */
	const char *reject;		/* static text; NULL = none */
	unsigned reject_status;
};

/* An empty request for up to nto recipients, or NULL when out of memory. */
struct sb_send *sb_send_new(size_t nto);
void sb_send_free(struct sb_send *s);

/* Sets the credentials (user too long or invalid: auth fails later). */
void sb_send_auth(struct sb_send *s, const char *user, size_t ulen,
		  const char *pass, size_t plen);

/*
 * Authenticates, checks the account's limits and accepts s; answers req in
 * flavour fl (now or from the Redis reply). Takes ownership of s.
 */
void sb_api_send(struct sb_api *api, struct httpd_req *req, struct sb_send *s,
		 enum sb_flavour fl);

/* Answers req for a result found before any Redis work. */
void sb_api_answer(struct httpd_req *req, enum sb_flavour fl, enum sb_word w,
		   enum sb_reason why, unsigned parts);

/*
 * Parses the query and, for a POST of a form, the body as one parameter list
 * into ps (a name in both counts as repeated) with http_params flags (e.g.
 * HTTP_PARAMS_ALLOW_NUL). *buf receives storage to free (also on error).
 * Returns the count, a negative http_params error, or -100 for a POST body
 * that is not a form.
 */
struct http_params;
int sb_api_params(struct httpd_req *req, struct http_params *ps, char **buf,
		  unsigned flags);

/*
 * True when s[0..len) is a sender id Hermod accepts: 1..16 digits with an
 * optional leading '+', or 1..11 printable ASCII characters.
 */
bool sb_sender_valid(const char *s, size_t len);

/* True when s[0..len) is 1..15 digits. */
bool sb_number_valid(const char *s, size_t len);

#endif
