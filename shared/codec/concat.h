/*
 * concat — reassembly rules for concatenated MO messages (protocols.md §1.11,
 * §2.5), pure: the key that identifies a message's parts, and a small state
 * machine over which parts have arrived. The state is a fixed-size struct with a
 * bitmap so that the boxes can keep it in Redis (concat_state_encode/decode);
 * the payloads themselves are stored by the caller and joined from an array
 * indexed by seq - 1. No allocation, no I/O, no clock (the timeout is the
 * caller's).
 */
#ifndef HERMOD_CONCAT_H
#define HERMOD_CONCAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONCAT_MAX_PARTS 255
#define CONCAT_ADDR_MAX 64		/* address octets kept in a key, NUL included */
#define CONCAT_STATE_LEN 34		/* octets of a serialized state */

enum concat_err {
	CONCAT_E_SEQ = -1,	/* seq 0 or above total */
	CONCAT_E_TOTAL = -2,	/* total 0, or differs from the state's total */
	CONCAT_E_INCOMPLETE = -3,	/* join before every part arrived */
	CONCAT_E_SPACE = -4,	/* output buffer too small */
	CONCAT_E_FORMAT = -5,	/* bad serialized state / address too long */
};

/* What identifies the parts of one message. */
struct concat_key {
	char src[CONCAT_ADDR_MAX];
	char dst[CONCAT_ADDR_MAX];
	uint16_t ref;
	uint8_t total;
};

struct concat_state {
	uint8_t total;		/* 0 until the first part is added */
	uint8_t received;	/* distinct parts received */
	uint8_t bitmap[32];	/* bit (seq - 1): byte (seq-1)/8, bit (seq-1)%8 */
};

/* A stored payload, borrowed. */
struct concat_payload {
	const uint8_t *p;
	size_t len;
};

/* Result of concat_add. */
#define CONCAT_ADDED 1
#define CONCAT_DUPLICATE 0

/*
 * Fills *k from NUL-terminated src and dst (copied), ref and total. Returns 0, or
 * CONCAT_E_FORMAT when an address does not fit CONCAT_ADDR_MAX, CONCAT_E_TOTAL
 * when total is 0.
 */
int concat_key_init(struct concat_key *k, const char *src, const char *dst,
		    uint16_t ref, uint8_t total);

/*
 * Writes the key as an unambiguous NUL-terminated string
 * "<len>:<src><len>:<dst>:<ref>:<total>" (address lengths in decimal, so any
 * octet may appear in an address). Returns its length or CONCAT_E_SPACE.
 */
int concat_key_format(const struct concat_key *k, char *out, size_t cap);

/* Empties *s (no total yet). */
void concat_init(struct concat_state *s);

/*
 * Records part seq of total. The first add fixes the total. Returns
 * CONCAT_ADDED, CONCAT_DUPLICATE (already had it; nothing changes),
 * CONCAT_E_TOTAL (total 0 or a mismatch) or CONCAT_E_SEQ (seq 0 or > total).
 */
int concat_add(struct concat_state *s, uint8_t total, uint8_t seq);

/* True when seq was received. */
bool concat_has(const struct concat_state *s, uint8_t seq);

/* True when total is known and every part 1..total has arrived. */
bool concat_complete(const struct concat_state *s);

/* Writes the missing seqs in ascending order into seqs[0..cap); returns how many
 * are missing in all (may exceed cap; only cap are written). */
int concat_missing(const struct concat_state *s, uint8_t *seqs, size_t cap);

/*
 * Joins parts[0..total) (parts[i] is seq i + 1) in order into out[0..cap).
 * Returns the octets written, CONCAT_E_INCOMPLETE or CONCAT_E_SPACE. Join the
 * raw user data (UDH removed) and decode once: a character split by a
 * non-conforming sender then still decodes.
 */
int concat_join(const struct concat_state *s, const struct concat_payload *parts,
		uint8_t *out, size_t cap);

/* Serializes *s into CONCAT_STATE_LEN octets (total, received, bitmap). Returns
 * CONCAT_STATE_LEN or CONCAT_E_SPACE. */
int concat_state_encode(const struct concat_state *s, uint8_t *out, size_t cap);

/* Decoder contract: returns CONCAT_STATE_LEN consumed, 0 when len is too short,
 * or CONCAT_E_FORMAT when the fields disagree (received != bits set, bits past
 * total). */
int concat_state_decode(const uint8_t *p, size_t len, struct concat_state *out);

#endif
