/*
 * bytes — bounds-checked big-endian byte reader and writer.
 *
 * The building block of every binary codec (SMPP PDUs, TPDUs, UDH). Pure: no
 * allocation, no I/O. A reader never reads past its end; a writer never writes
 * past its capacity and remembers that it tried to (a sticky overflow flag), so an
 * encoder can write a whole PDU and check once at the end.
 */
#ifndef HERMOD_BYTES_H
#define HERMOD_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A span of octets, borrowed from whoever owns them. */
struct bytes_span {
	const uint8_t *p;
	size_t len;
};

struct bytes_reader {
	const uint8_t *p;
	size_t len;
	size_t off;
};

struct bytes_writer {
	uint8_t *p;
	size_t cap;
	size_t len;
	bool overflow;
};

/* Starts reading len bytes at p (borrowed; must outlive the reader). */
void bytes_reader_init(struct bytes_reader *r, const uint8_t *p, size_t len);

/* Bytes not yet read. */
size_t bytes_left(const struct bytes_reader *r);

/* Each getter returns 0 and advances, or -1 when too few bytes are left (nothing
 * is consumed then). */
int bytes_get_u8(struct bytes_reader *r, uint8_t *out);
int bytes_get_u16(struct bytes_reader *r, uint16_t *out);
int bytes_get_u32(struct bytes_reader *r, uint32_t *out);
int bytes_get_raw(struct bytes_reader *r, void *dst, size_t n);
int bytes_skip(struct bytes_reader *r, size_t n);

/*
 * Reads a C-Octet String of at most max octets including its NUL into dst (which
 * has room for max octets). Returns the string length (without NUL), -1 when the
 * input ends before a NUL, -2 when no NUL is found within max octets. Nothing is
 * consumed on error.
 */
int bytes_get_cstr(struct bytes_reader *r, char *dst, size_t max);

/*
 * Length-prefixed octet strings, read as spans into the input (no copy):
 * bytes_get_span() takes n octets, bytes_get_span8() / bytes_get_span16() a
 * u8 / u16 length first. Each returns 0, or -1 when the input is short
 * (nothing consumed then).
 */
int bytes_get_span(struct bytes_reader *r, size_t n, struct bytes_span *s);
int bytes_get_span8(struct bytes_reader *r, struct bytes_span *s);
int bytes_get_span16(struct bytes_reader *r, struct bytes_span *s);

/* Starts writing into buf[0..cap) (borrowed). */
void bytes_writer_init(struct bytes_writer *w, uint8_t *buf, size_t cap);

/* Each putter appends, or sets w->overflow and writes nothing when it would not
 * fit. */
void bytes_put_u8(struct bytes_writer *w, uint8_t v);
void bytes_put_u16(struct bytes_writer *w, uint16_t v);
void bytes_put_u32(struct bytes_writer *w, uint32_t v);
void bytes_put_raw(struct bytes_writer *w, const void *src, size_t n);
/* Appends s and its terminating NUL. */
void bytes_put_cstr(struct bytes_writer *w, const char *s);
/* True when s holds at most max octets and points somewhere when not empty. */
bool bytes_span_ok(const struct bytes_span *s, size_t max);

/* Appends s->len as a u8 / u16 (the caller checked it fits), then s. */
void bytes_put_span8(struct bytes_writer *w, const struct bytes_span *s);
void bytes_put_span16(struct bytes_writer *w, const struct bytes_span *s);

/* Overwrites a big-endian u32 at an offset already written (for length fields). */
void bytes_patch_u32(struct bytes_writer *w, size_t at, uint32_t v);

/* Hexadecimal text, the one implementation every codec uses. */

/* The value of the hex digit c (0-9, a-f, A-F), or -1. */
int bytes_hexval(int c);

/*
 * Decodes hex[0..len) (either case) into out[0..cap). Returns the octets
 * written, BYTES_HEX_EBAD for an odd length or a non-hex character (checked
 * before the space), BYTES_HEX_ESPACE when len / 2 > cap. out is untouched on
 * error.
 */
#define BYTES_HEX_EBAD (-1)
#define BYTES_HEX_ESPACE (-2)
long bytes_hex_decode(const char *hex, size_t len, uint8_t *out, size_t cap);

/* Writes p[0..len) as upper-case hex and a NUL into out[0..cap). Returns the
 * characters written (2 * len), or BYTES_HEX_ESPACE (nothing written). */
long bytes_hex_encode(const uint8_t *p, size_t len, char *out, size_t cap);

#endif
