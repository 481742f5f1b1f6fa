/*
 * pwhash — salted, slow password hashes for customer accounts.
 *
 * Format (one ASCII string, stored in the account's `pwhash` field):
 *
 *   pbkdf2-sha256$ITERATIONS$SALT_B64$HASH_B64
 *
 * PBKDF2-HMAC-SHA256 (RFC 8018 §5.2) through OpenSSL, ITERATIONS in decimal,
 * SALT and HASH in standard padded base64 (RFC 4648 §4). New hashes use a
 * 16-byte salt from RAND_bytes and a 32-byte hash; verification accepts any
 * salt of 1..PWHASH_SALT_MAX and hash of 16..PWHASH_HASH_MAX bytes, with
 * 1..PWHASH_ITER_MAX iterations. Comparison is constant-time (CRYPTO_memcmp).
 *
 * One verification costs PWHASH_ITERATIONS HMACs (tens of milliseconds): a
 * box calls it through account_verify_start() (shared/io/account.h), which
 * caches results and runs misses on shared/io/pwhash_pool's threads, off
 * the event loop. Layer: shared/io (OpenSSL). Thread-safe; no logging.
 */
#ifndef HERMOD_PWHASH_H
#define HERMOD_PWHASH_H

#include <stddef.h>
#include <stdint.h>

#define PWHASH_ITERATIONS 100000u	/* for new hashes */
#define PWHASH_ITER_MAX 10000000u	/* bounds the cost of a stored string */
#define PWHASH_SALT_LEN 16
#define PWHASH_SALT_MAX 64
#define PWHASH_HASH_LEN 32
#define PWHASH_HASH_MIN 16
#define PWHASH_HASH_MAX 64
/* Longest password accepted (bytes); longer input is refused, not cut. */
#define PWHASH_PASSWORD_MAX 1024
/* Room for any string pwhash accepts, NUL included. */
#define PWHASH_TEXT_MAX 208

#define PWHASH_PREFIX "pbkdf2-sha256$"

/*
 * Raw PBKDF2-HMAC-SHA256 of pw[0..pwlen) with salt[0..saltlen), writing
 * outlen bytes to out. Returns 0, or -1 on bad arguments (iterations 0,
 * outlen 0) or an OpenSSL failure.
 */
int pwhash_pbkdf2(const char *pw, size_t pwlen, const uint8_t *salt,
    size_t saltlen, unsigned iterations, uint8_t *out, size_t outlen);

/*
 * Hashes pw[0..pwlen) with a fresh random salt and `iterations` (0 means
 * PWHASH_ITERATIONS) into buf (cap bytes, NUL-terminated; PWHASH_TEXT_MAX is
 * enough). Returns the string length, or -1 when pwlen > PWHASH_PASSWORD_MAX,
 * iterations > PWHASH_ITER_MAX, cap is too small, or OpenSSL fails (no
 * randomness). An empty password is allowed here; callers decide policy.
 */
int pwhash_make(const char *pw, size_t pwlen, unsigned iterations,
    char *buf, size_t cap);

/*
 * Checks pw[0..pwlen) against the stored string. Returns 1 when it matches,
 * 0 when it does not (also when pwlen > PWHASH_PASSWORD_MAX), -1 when stored
 * is malformed (unknown scheme, bad number, bad base64, sizes out of bounds)
 * or OpenSSL fails. A malformed string never matches anything.
 */
int pwhash_verify(const char *stored, const char *pw, size_t pwlen);

/* 0 when stored is a well-formed hash string (no password needed), else -1. */
int pwhash_check_format(const char *stored);

#endif
