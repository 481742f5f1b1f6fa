/*
 * ctl — what the parts of hermodctl share: the connection (opened on first
 * use, after every argument was validated, so bad input never reaches Redis),
 * Redis command helpers that print errors, key names, and one entry point per
 * command group. hermodctl is a command-line tool: it uses hiredis's
 * synchronous API and blocks.
 */
#ifndef HERMOD_CTL_H
#define HERMOD_CTL_H

#include <stdbool.h>
#include <stddef.h>

#include "shared/io/account.h"

struct redisContext;
struct redisReply;

/* Exit statuses. */
#define CTL_OK 0
#define CTL_FAIL 1	/* refused (bad value, no such account, ...) or Redis error */
#define CTL_USAGE 2	/* malformed command line */

struct ctl {
	const char *redis_url;
	char prefix[ACCOUNT_KEY_PREFIX_MAX + 1];
	struct redisContext *rc;	/* NULL until ctl_connect() */
};

/* Prints "hermodctl: " fmt "\n" on stderr. */
void ctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Connects (once) to c->redis_url. Returns 0, or -1 after printing why. */
int ctl_connect(struct ctl *c);

/*
 * Runs one command (binary-safe arguments; lens NULL means strlen of each).
 * Connects first when needed. Returns the reply (free with freeReplyObject()),
 * or NULL after printing the error: connection failure, I/O error, or an error
 * reply from Redis.
 */
struct redisReply *ctl_run(struct ctl *c, int argc, const char **argv,
    const size_t *lens);

/* Writes the key "{prefix}:" suffix [name] into buf; -1 (printed) if too long. */
int ctl_key(const struct ctl *c, char *buf, size_t cap, const char *suffix,
    const char *name);

/* Prints s[0..len) with control bytes, '\\' and bytes >= 0x7f as \xNN. */
void ctl_print_escaped(const char *s, size_t len);

/* true when s is "--help" or "-h". */
bool ctl_is_help(const char *s);

/*
 * Command groups. argv[0] is the group name ("account", ...). Each returns an
 * exit status and prints its own usage for --help or a malformed line.
 */
int ctl_account_main(struct ctl *c, int argc, char **argv);
int ctl_credit_main(struct ctl *c, int argc, char **argv);
int ctl_rate_main(struct ctl *c, int argc, char **argv);
int ctl_number_main(struct ctl *c, int argc, char **argv);
int ctl_dead_main(struct ctl *c, int argc, char **argv);
int ctl_status_main(struct ctl *c, int argc, char **argv);
int ctl_queue_main(struct ctl *c, int argc, char **argv);
int ctl_message_main(struct ctl *c, int argc, char **argv);

/* Usage texts, printed by `hermodctl --help` too. */
extern const char ctl_account_usage[];
extern const char ctl_credit_usage[];
extern const char ctl_rate_usage[];
extern const char ctl_number_usage[];
extern const char ctl_dead_usage[];
extern const char ctl_status_usage[];
extern const char ctl_queue_usage[];
extern const char ctl_message_usage[];

#endif
