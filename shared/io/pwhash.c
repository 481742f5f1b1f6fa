/*
 * pwhash — PBKDF2-HMAC-SHA256 password hashes in a self-describing string.
 *
 * Base64 is done here rather than with EVP_EncodeBlock/EVP_DecodeBlock: the
 * OpenSSL decoder accepts whitespace and pads its output, and a stored string
 * must have exactly one spelling. Layer: shared/io.
 */
#include "config.h"

#include "shared/io/pwhash.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

static const char pwhash_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

struct pwhash_parsed {
	unsigned iterations;
	uint8_t salt[PWHASH_SALT_MAX];
	size_t saltlen;
	uint8_t hash[PWHASH_HASH_MAX];
	size_t hashlen;
};

/* Encodes n bytes as padded base64 into dst (room for 4*ceil(n/3)+1). */
static size_t pwhash_b64_encode(const uint8_t *src, size_t n, char *dst)
{
	size_t i, o = 0;
	uint32_t v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)src[i] << 16 | (uint32_t)src[i + 1] << 8 | src[i + 2];
		dst[o++] = pwhash_b64[v >> 18 & 63];
		dst[o++] = pwhash_b64[v >> 12 & 63];
		dst[o++] = pwhash_b64[v >> 6 & 63];
		dst[o++] = pwhash_b64[v & 63];
	}
	if (i < n) {
		v = (uint32_t)src[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)src[i + 1] << 8;
		dst[o++] = pwhash_b64[v >> 18 & 63];
		dst[o++] = pwhash_b64[v >> 12 & 63];
		dst[o++] = i + 1 < n ? pwhash_b64[v >> 6 & 63] : '=';
		dst[o++] = '=';
	}
	dst[o] = '\0';
	return o;
}

static int pwhash_b64_val(char c)
{
	const char *p;

	if (c == '\0')
		return -1;
	p = strchr(pwhash_b64, c);
	return p ? (int)(p - pwhash_b64) : -1;
}

/*
 * Decodes canonical padded base64 s[0..len) into dst (cap bytes). Returns the
 * byte count, or -1 for a bad length, character, padding, non-zero trailing
 * bits, or output beyond cap.
 */
static int pwhash_b64_decode(const char *s, size_t len, uint8_t *dst, size_t cap)
{
	size_t i, o = 0, pad = 0;
	int v[4], k;

	if (len == 0 || len % 4 != 0)
		return -1;
	if (s[len - 1] == '=')
		pad = s[len - 2] == '=' ? 2 : 1;
	if ((len / 4) * 3 - pad > cap)
		return -1;
	for (i = 0; i < len; i += 4) {
		bool last = i + 4 == len;

		for (k = 0; k < 4; k++) {
			if (last && k >= 4 - (int)pad)
				v[k] = 0;
			else if ((v[k] = pwhash_b64_val(s[i + k])) < 0)
				return -1;
		}
		dst[o++] = (uint8_t)(v[0] << 2 | v[1] >> 4);
		if (last && pad == 2) {
			if (v[1] & 0x0f)
				return -1;
			break;
		}
		dst[o++] = (uint8_t)((v[1] & 0x0f) << 4 | v[2] >> 2);
		if (last && pad == 1) {
			if (v[2] & 0x03)
				return -1;
			break;
		}
		dst[o++] = (uint8_t)((v[2] & 0x03) << 6 | v[3]);
	}
	return (int)o;
}

/* Parses a decimal 1..PWHASH_ITER_MAX without leading zeros from s[0..len). */
static int pwhash_parse_iter(const char *s, size_t len, unsigned *out)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 8 || s[0] == '0')
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > PWHASH_ITER_MAX)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int pwhash_parse(const char *stored, struct pwhash_parsed *out)
{
	const char *p, *d1, *d2;
	size_t plen = strlen(PWHASH_PREFIX);
	int n;

	if (stored == NULL || strnlen(stored, PWHASH_TEXT_MAX) >= PWHASH_TEXT_MAX)
		return -1;
	if (strncmp(stored, PWHASH_PREFIX, plen) != 0)
		return -1;
	p = stored + plen;
	d1 = strchr(p, '$');
	if (d1 == NULL)
		return -1;
	d2 = strchr(d1 + 1, '$');
	if (d2 == NULL || strchr(d2 + 1, '$') != NULL)
		return -1;
	if (pwhash_parse_iter(p, (size_t)(d1 - p), &out->iterations) < 0)
		return -1;
	n = pwhash_b64_decode(d1 + 1, (size_t)(d2 - d1 - 1), out->salt,
	    sizeof(out->salt));
	if (n < 1)
		return -1;
	out->saltlen = (size_t)n;
	n = pwhash_b64_decode(d2 + 1, strlen(d2 + 1), out->hash, sizeof(out->hash));
	if (n < PWHASH_HASH_MIN)
		return -1;
	out->hashlen = (size_t)n;
	return 0;
}

int pwhash_pbkdf2(const char *pw, size_t pwlen, const uint8_t *salt,
    size_t saltlen, unsigned iterations, uint8_t *out, size_t outlen)
{
	if (iterations == 0 || outlen == 0 || iterations > INT32_MAX ||
	    pwlen > INT32_MAX || saltlen > INT32_MAX || outlen > INT32_MAX)
		return -1;
	if (PKCS5_PBKDF2_HMAC(pwlen ? pw : "", (int)pwlen, salt, (int)saltlen,
	    (int)iterations, EVP_sha256(), (int)outlen, out) != 1)
		return -1;
	return 0;
}

int pwhash_make(const char *pw, size_t pwlen, unsigned iterations,
    char *buf, size_t cap)
{
	uint8_t salt[PWHASH_SALT_LEN], hash[PWHASH_HASH_LEN];
	char s64[PWHASH_SALT_LEN * 2], h64[PWHASH_HASH_LEN * 2];
	int n;

	if (cap > 0)
		buf[0] = '\0';
	if (iterations == 0)
		iterations = PWHASH_ITERATIONS;
	if (pwlen > PWHASH_PASSWORD_MAX || iterations > PWHASH_ITER_MAX)
		return -1;
	if (RAND_bytes(salt, sizeof(salt)) != 1)
		return -1;
	if (pwhash_pbkdf2(pw, pwlen, salt, sizeof(salt), iterations, hash,
	    sizeof(hash)) < 0)
		return -1;
	pwhash_b64_encode(salt, sizeof(salt), s64);
	pwhash_b64_encode(hash, sizeof(hash), h64);
	OPENSSL_cleanse(hash, sizeof(hash));
	n = snprintf(buf, cap, "%s%u$%s$%s", PWHASH_PREFIX, iterations, s64, h64);
	if (n < 0 || (size_t)n >= cap) {
		if (cap > 0)
			buf[0] = '\0';
		return -1;
	}
	return n;
}

int pwhash_verify(const char *stored, const char *pw, size_t pwlen)
{
	struct pwhash_parsed ph;
	uint8_t got[PWHASH_HASH_MAX];
	int rc;

	if (pwhash_parse(stored, &ph) < 0)
		return -1;
	if (pwlen > PWHASH_PASSWORD_MAX)
		return 0;
	if (pwhash_pbkdf2(pw, pwlen, ph.salt, ph.saltlen, ph.iterations, got,
	    ph.hashlen) < 0)
		return -1;
	rc = CRYPTO_memcmp(got, ph.hash, ph.hashlen) == 0;
	OPENSSL_cleanse(got, sizeof(got));
	return rc;
}

int pwhash_check_format(const char *stored)
{
	struct pwhash_parsed ph;

	return pwhash_parse(stored, &ph);
}
