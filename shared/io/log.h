/*
 * log — the process-wide logger of every Hermod box.
 *
 * One line per event, written with a single write(2) to a file opened with
 * O_APPEND (or to stderr), so that lines from several processes sharing a file
 * never interleave. Line format:
 *
 *   2026-11-22T05:00:00.123Z INFO bearerbox[1234] link up smsc=op1 session=3
 *
 * i.e. ISO-8601 UTC time with milliseconds, level, box name and pid, then the
 * message, which callers write as free text followed by key=value pairs. Control
 * characters in the message are replaced by '?' so peer data cannot forge lines;
 * lines longer than LOG_LINE_MAX are cut and end in "...".
 *
 * Callers must never pass a password, a credential or a secret token: the logger
 * cannot tell them apart from other strings.
 *
 * Layer: shared/io. Not thread-safe (Hermod boxes are single-threaded); the
 * functions are not async-signal-safe: call log_reopen() from the event loop
 * (loop.h turns SIGHUP into such a call), never from a signal handler.
 */
#ifndef HERMOD_LOG_H
#define HERMOD_LOG_H

#include <stdbool.h>
#include <stddef.h>

/* Longest line written, newline included. */
#define LOG_LINE_MAX 4096

/* Levels, most severe first: a level lets through itself and those above it. */
enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN = 1,
	LOG_LEVEL_INFO = 2,
	LOG_LEVEL_DEBUG = 3,
};

/*
 * Sets the box name (copied, at most 31 bytes kept), the level and the
 * destination: path is a file opened for appending (created 0640), NULL or "-"
 * means stderr. May be called again to change them. Returns 0, or -1 when the
 * file cannot be opened (errno set; the previous destination stays).
 * Before any log_init() lines go to stderr at LOG_LEVEL_INFO with box "hermod".
 */
int log_init(const char *box, enum log_level level, const char *path);

/* Closes the log file (if any); later lines go to stderr. */
void log_fini(void);

/*
 * Opens the log file path again and switches to the new file (after logrotate
 * renamed the old one). Returns 0 (also when logging to stderr), or -1 when the
 * file cannot be opened: the old descriptor is kept and an error line says why.
 */
int log_reopen(void);

void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* True when a line at level would be written. */
bool log_enabled(enum log_level level);

/*
 * Parses "error", "warn" (or "warning"), "info", "debug" (case-insensitive)
 * into *out. Returns 0, or -1 for anything else (*out untouched).
 */
int log_level_parse(const char *s, enum log_level *out);

/* "error", "warn", "info" or "debug"; "?" for an out-of-range value. */
const char *log_level_name(enum log_level level);

/*
 * Formats and writes one line at level, unconditionally (the macros below test
 * the level first). Use the macros instead.
 */
void log_write(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * At debug level only: writes "what len=N" then the bytes as hex + ASCII, 16 per
 * line (at most 64 KiB shown). For PDUs; never for buffers holding credentials
 * (an SMPP bind carries a password: callers dump binds with the password masked,
 * or not at all).
 */
void log_hexdump(const char *what, const void *p, size_t len);

/* Logs at error level and exits with status 1. For startup misconfiguration and
 * broken invariants only, never for peer input. */
void log_fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* The arguments are evaluated only when the level is enabled. */
#define LOG_AT_(lvl, ...) \
	do { \
		if (log_enabled(lvl)) \
			log_write((lvl), __VA_ARGS__); \
	} while (0)
#define log_error(...) LOG_AT_(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...) LOG_AT_(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) LOG_AT_(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) LOG_AT_(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif
