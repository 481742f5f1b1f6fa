/*
 * simlib — what the two test simulators (contrib/smscsim, contrib/modemsim)
 * share: a clock read from the loop's cache, a reproducible random generator,
 * a TCP listener that reports the port it got, and the line-based control
 * port (`nc 127.0.0.1 PORT`: one command per line, answers written by the
 * simulator's handler). Everything runs on the caller's libevent loop; no
 * shared/io dependency, so the simulators stay independent of the boxes.
 */
#ifndef HERMOD_SIMLIB_H
#define HERMOD_SIMLIB_H

#include <stdint.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/listener.h>

#define SIMLIB_LINE_MAX 65536	/* a control client sending a longer line is dropped */

/* Milliseconds since the epoch, from base's cached time when there is one. */
uint64_t simlib_now_ms(struct event_base *base);

/* xorshift64*: the next number of the sequence *state (never 0) starts. */
uint64_t simlib_rand(uint64_t *state);

/*
 * Listens on addr:port (IPv4 text; port 0 = any free one) with backlog;
 * cb(listener, fd, ...) gets arg. On success stores the bound port in *bound
 * and returns the listener (free with evconnlistener_free). On failure prints
 * "WHO: cannot listen on ADDR:PORT: REASON" on stderr and returns NULL.
 */
struct evconnlistener *simlib_listen(struct event_base *base, const char *who,
				     const char *addr, int port, int backlog,
				     evconnlistener_cb cb, void *arg, int *bound);

/* Splits off the next space- or tab-separated word of *p (NUL-terminated in
 * place; *p moves past it). Returns NULL when only blanks are left. */
char *simlib_word(char **p);

/* A control command: line (without its end of line, writable), the answer
 * goes to out. Lines that are empty or only blanks never reach it. */
typedef void simlib_ctl_fn(void *arg, char *line, struct evbuffer *out);

struct simlib_ctl;

/*
 * Opens the control port on addr:port (0 = any; *bound gets it). Each
 * client line goes to fn(arg, ...) except `quit`, which closes that client.
 * Returns NULL (after a line on stderr) when it cannot listen or allocate.
 */
struct simlib_ctl *simlib_ctl_new(struct event_base *base, const char *who,
				  const char *addr, int port, simlib_ctl_fn *fn,
				  void *arg, int *bound);

/* Closes the port and every client. NULL is a no-op. */
void simlib_ctl_free(struct simlib_ctl *c);

#endif
