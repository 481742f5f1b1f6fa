/*
 * conf — parser for Hermod's Kannel-style configuration file.
 *
 * Text in, groups out: `group = NAME` starts a block, blocks are separated by
 * blank lines, every other line is `key = value` or a `#` comment. Values are
 * bare words or double-quoted strings with \" and \\ escapes. `include = path`
 * splices another file's groups in, through a caller-supplied callback, so the
 * parser does no I/O. Pure: no logging, no clock; every allocation is capped.
 * All errors are collected as "file:line: message" strings. The meaning of the
 * groups and keys (types, defaults, bounds) lives in conf_schema.
 */
#ifndef HERMOD_CONF_H
#define HERMOD_CONF_H

#include <stddef.h>

/* Limits. A line longer than CONF_MAX_LINE bytes (without its newline) is an
 * error and ignored; a file longer than CONF_MAX_TEXT is refused. */
#define CONF_MAX_LINE 4096
#define CONF_MAX_TEXT (1u << 20)
#define CONF_MAX_DEPTH 8	/* include nesting below the main file */
#define CONF_MAX_FILES 64	/* main file plus every included file */
#define CONF_MAX_GROUPS 4096
#define CONF_MAX_KEYS 256	/* key lines in one group */
#define CONF_MAX_ERRORS 100	/* then one "too many errors" line */

/* One `key = value` line. Strings are owned by the struct conf. */
struct conf_kv {
	const char *key;
	const char *value;	/* unquoted and unescaped; may be "" */
	const char *file;	/* as named by the caller or the include callback */
	unsigned line;		/* 1-based */
};

/* One block. `name` is the value of its `group =` line. */
struct conf_group {
	const char *name;
	const char *file;
	unsigned line;		/* of the `group =` line */
	const struct conf_kv *kv;
	size_t nkv;
};

/* The parsed file set: groups in file order (an include's groups appear where
 * the include line was) and errors. Opaque; read it through the functions. */
struct conf;

/* What the include callback hands back. Both pointers must come from malloc();
 * the parser takes ownership of them whatever it returns. */
struct conf_text {
	char *name;	/* the name used in messages and for cycle detection */
	char *text;
	size_t len;
};

/*
 * Include callback: fetch the file named `path` (as written in the
 * configuration) included from the file named `from`. Returns 0 and fills *out,
 * or -1 and writes a short reason (no file name, no newline) into err[0..errlen).
 */
typedef int (*conf_include_fn)(void *arg, const char *from, const char *path,
    struct conf_text *out, char *err, size_t errlen);

/*
 * Parses text[0..len) named `name` (used in messages). `inc` may be NULL: an
 * include line is then an error. Returns a new struct conf, which holds every
 * error found (conf_error_count() says whether there were any), or NULL when
 * memory ran out. Neither name nor text is retained. Free with conf_free().
 */
struct conf *conf_parse(const char *name, const char *text, size_t len,
    conf_include_fn inc, void *arg);

/* Frees c and every string it owns. conf_free(NULL) is a no-op. */
void conf_free(struct conf *c);

/* Groups in file order. conf_group_at() returns NULL when i is out of range. */
size_t conf_group_count(const struct conf *c);
const struct conf_group *conf_group_at(const struct conf *c, size_t i);

/*
 * Iterates the groups called `name`: prev NULL gives the first, then pass the
 * previous result. Returns NULL when there are no more. Pointers stay valid
 * until conf_free().
 */
const struct conf_group *conf_group_next(const struct conf *c,
    const struct conf_group *prev, const char *name);

/* The first group called `name`, or NULL. */
const struct conf_group *conf_group_find(const struct conf *c, const char *name);

/* The first group called `name` whose `key` has the value `value`, or NULL
 * (e.g. conf_group_find_by(c, "smsc", "smsc-id", "op1")). */
const struct conf_group *conf_group_find_by(const struct conf *c,
    const char *name, const char *key, const char *value);

/* The first line of g setting `key`, or NULL; conf_group_value() gives just its
 * value. No defaults are applied here: see conf_schema_get_*(). */
const struct conf_kv *conf_group_kv(const struct conf_group *g, const char *key);
const char *conf_group_value(const struct conf_group *g, const char *key);

/* The name the main file was parsed under. */
const char *conf_main_file(const struct conf *c);

/* Errors collected so far, each "file:line: message" ("file: message" when
 * the error has no line). conf_error_at() returns NULL out of range. */
size_t conf_error_count(const struct conf *c);
const char *conf_error_at(const struct conf *c, size_t i);

/*
 * Appends an error "file:line: message" (line 0: "file: message"); used by the
 * schema validator and the loader. Past CONF_MAX_ERRORS it records a single
 * "too many errors" line instead. file NULL means the main file.
 */
void conf_error(struct conf *c, const char *file, unsigned line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
