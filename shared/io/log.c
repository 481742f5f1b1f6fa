/*
 * log — the process-wide logger (see log.h for the line format).
 *
 * Each line is formatted into a stack buffer and written with one write(2) on a
 * descriptor opened with O_APPEND, which the kernel appends atomically for
 * regular files: processes sharing a log file never interleave partial lines.
 * Layer: shared/io.
 */
#include "config.h"
#include "shared/io/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define LOG_BOX_MAX 32
#define LOG_HEXDUMP_MAX (64 * 1024)

/* The logger is process-wide by nature: its one state struct. */
static struct {
	enum log_level level;
	int fd;			/* file descriptor, or -1 for stderr */
	char box[LOG_BOX_MAX];
	char *path;		/* owned; NULL for stderr */
} log_state = { LOG_LEVEL_INFO, -1, "hermod", NULL };

static const char *const log_names[] = { "error", "warn", "info", "debug" };
static const char *const log_tags[] = { "ERROR", "WARN", "INFO", "DEBUG" };

static int log_open(const char *path)
{
	return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
}

static int log_out_fd(void)
{
	return log_state.fd == -1 ? STDERR_FILENO : log_state.fd;
}

int log_init(const char *box, enum log_level level, const char *path)
{
	int fd = -1;
	char *copy = NULL;

	if (path != NULL && strcmp(path, "-") != 0) {
		copy = strdup(path);
		if (copy == NULL)
			return -1;
		fd = log_open(path);
		if (fd == -1) {
			int e = errno;

			free(copy);
			errno = e;
			return -1;
		}
	}
	if (log_state.fd != -1)
		close(log_state.fd);
	free(log_state.path);
	log_state.fd = fd;
	log_state.path = copy;
	if (box != NULL)
		snprintf(log_state.box, sizeof(log_state.box), "%s", box);
	log_set_level(level);
	return 0;
}

void log_fini(void)
{
	if (log_state.fd != -1)
		close(log_state.fd);
	log_state.fd = -1;
	free(log_state.path);
	log_state.path = NULL;
}

int log_reopen(void)
{
	int fd;

	if (log_state.path == NULL)
		return 0;
	fd = log_open(log_state.path);
	if (fd == -1) {
		int e = errno;

		log_error("log reopen failed path=%s error=%s", log_state.path,
			  strerror(e));
		errno = e;
		return -1;
	}
	close(log_state.fd);
	log_state.fd = fd;
	return 0;
}

void log_set_level(enum log_level level)
{
	if (level < LOG_LEVEL_ERROR)
		level = LOG_LEVEL_ERROR;
	if (level > LOG_LEVEL_DEBUG)
		level = LOG_LEVEL_DEBUG;
	log_state.level = level;
}

enum log_level log_get_level(void)
{
	return log_state.level;
}

bool log_enabled(enum log_level level)
{
	return level <= log_state.level;
}

int log_level_parse(const char *s, enum log_level *out)
{
	size_t i;

	if (s == NULL)
		return -1;
	for (i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++) {
		if (strcasecmp(s, log_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	if (strcasecmp(s, "warning") == 0) {
		*out = LOG_LEVEL_WARN;
		return 0;
	}
	return -1;
}

const char *log_level_name(enum log_level level)
{
	if (level < LOG_LEVEL_ERROR || level > LOG_LEVEL_DEBUG)
		return "?";
	return log_names[level];
}

/* "2026-11-22T05:00:00.123Z LEVEL box[pid] " into buf; returns its length. */
static size_t log_prefix(char *buf, size_t cap, enum log_level level)
{
	struct timespec ts;
	struct tm tm;
	size_t n;
	int k;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
	k = snprintf(buf + n, cap - n, ".%03ldZ %s %s[%ld] ",
		     ts.tv_nsec / 1000000L, log_tags[level], log_state.box,
		     (long)getpid());
	if (k < 0)
		return n;
	n += (size_t)k;
	return n < cap ? n : cap - 1;
}

static void log_vwrite(enum log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void log_vwrite(enum log_level level, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	size_t n, end, i;
	int k;
	ssize_t w;

	if (level < LOG_LEVEL_ERROR || level > LOG_LEVEL_DEBUG)
		level = LOG_LEVEL_ERROR;
	n = log_prefix(line, sizeof(line), level);
	k = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (k < 0)
		k = 0;
	end = n + (size_t)k;
	if (end > sizeof(line) - 2) {
		end = sizeof(line) - 2;
		memcpy(line + end - 3, "...", 3);
	}
	for (i = n; i < end; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c < 0x20 || c == 0x7f)
			line[i] = '?';
	}
	line[end++] = '\n';
	do
		w = write(log_out_fd(), line, end);
	while (w == -1 && errno == EINTR);
}

void log_write(enum log_level level, const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	va_start(ap, fmt);
	log_vwrite(level, fmt, ap);
	va_end(ap);
	errno = e;
}

void log_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_ERROR, fmt, ap);
	va_end(ap);
	exit(1);
}

/* One hexdump row: offset, 16 hex bytes, ASCII. */
static void log_hexrow(const unsigned char *p, size_t off, size_t n)
{
	char hex[16 * 3 + 1], asc[17];
	size_t i;

	for (i = 0; i < 16; i++) {
		if (i < n) {
			snprintf(hex + i * 3, 4, "%02x ", p[off + i]);
			asc[i] = (p[off + i] >= 0x20 && p[off + i] < 0x7f) ?
					 (char)p[off + i] : '.';
		} else {
			memcpy(hex + i * 3, "   ", 4);
			asc[i] = ' ';
		}
	}
	asc[16] = '\0';
	log_write(LOG_LEVEL_DEBUG, "  %04zx  %s %s", off, hex, asc);
}

void log_hexdump(const char *what, const void *p, size_t len)
{
	const unsigned char *b = p;
	size_t off, shown;

	if (!log_enabled(LOG_LEVEL_DEBUG))
		return;
	log_write(LOG_LEVEL_DEBUG, "%s len=%zu", what ? what : "dump", len);
	shown = len < LOG_HEXDUMP_MAX ? len : LOG_HEXDUMP_MAX;
	for (off = 0; off < shown; off += 16)
		log_hexrow(b, off, shown - off < 16 ? shown - off : 16);
}
