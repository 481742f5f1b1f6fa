/*
 * simlib — the clock, random numbers, listener and control port the
 * simulators share (simlib.h).
 */
#include "config.h"

#include "contrib/simlib/simlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <event2/bufferevent.h>

struct simlib_client {
	LIST_ENTRY(simlib_client) link;
	struct simlib_ctl *ctl;
	struct bufferevent *bev;
};

struct simlib_ctl {
	struct event_base *base;
	struct evconnlistener *l;
	LIST_HEAD(, simlib_client) clients;
	simlib_ctl_fn *fn;
	void *arg;
};

uint64_t simlib_now_ms(struct event_base *base)
{
	struct timeval tv;

	if (base == NULL || event_base_gettimeofday_cached(base, &tv) != 0)
		gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

uint64_t simlib_rand(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * UINT64_C(2685821657736338717);
}

struct evconnlistener *simlib_listen(struct event_base *base, const char *who,
				     const char *addr, int port, int backlog,
				     evconnlistener_cb cb, void *arg, int *bound)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	struct evconnlistener *l;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		fprintf(stderr, "%s: bad listen address %s\n", who, addr);
		return NULL;
	}
	l = evconnlistener_new_bind(base, cb, arg,
				    LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE |
				    LEV_OPT_CLOSE_ON_EXEC, backlog,
				    (struct sockaddr *)&sin, sizeof(sin));
	if (l == NULL) {
		fprintf(stderr, "%s: cannot listen on %s:%d: %s\n", who, addr, port,
			strerror(errno));
		return NULL;
	}
	if (getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&sin, &len) == -1) {
		evconnlistener_free(l);
		return NULL;
	}
	*bound = ntohs(sin.sin_port);
	return l;
}

char *simlib_word(char **p)
{
	char *w = *p + strspn(*p, " \t");
	char *e;

	if (*w == '\0')
		return NULL;
	e = w + strcspn(w, " \t");
	*p = *e != '\0' ? e + 1 : e;
	*e = '\0';
	return w;
}

static void ctl_client_free(struct simlib_client *c)
{
	LIST_REMOVE(c, link);
	bufferevent_free(c->bev);
	free(c);
}

static void ctl_read_cb(struct bufferevent *bev, void *arg)
{
	struct simlib_client *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char *line;
	size_t n;

	while ((line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF)) != NULL) {
		bool quit = strcmp(line, "quit") == 0;

		if (!quit && line[strspn(line, " \t")] != '\0')
			c->ctl->fn(c->ctl->arg, line, bufferevent_get_output(bev));
		free(line);
		if (quit) {
			ctl_client_free(c);
			return;
		}
	}
	if (evbuffer_get_length(in) > SIMLIB_LINE_MAX)
		ctl_client_free(c);
}

static void ctl_event_cb(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)what;
	ctl_client_free(arg);
}

static void ctl_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
			  struct sockaddr *sa, int salen, void *arg)
{
	struct simlib_ctl *ctl = arg;
	struct simlib_client *c = calloc(1, sizeof(*c));

	(void)l;
	(void)sa;
	(void)salen;
	if (c == NULL || (c->bev = bufferevent_socket_new(ctl->base, fd,
						BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		free(c);
		evutil_closesocket(fd);
		return;
	}
	c->ctl = ctl;
	LIST_INSERT_HEAD(&ctl->clients, c, link);
	bufferevent_setcb(c->bev, ctl_read_cb, NULL, ctl_event_cb, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

struct simlib_ctl *simlib_ctl_new(struct event_base *base, const char *who,
				  const char *addr, int port, simlib_ctl_fn *fn,
				  void *arg, int *bound)
{
	struct simlib_ctl *ctl = calloc(1, sizeof(*ctl));

	if (ctl == NULL) {
		fprintf(stderr, "%s: out of memory\n", who);
		return NULL;
	}
	ctl->base = base;
	ctl->fn = fn;
	ctl->arg = arg;
	LIST_INIT(&ctl->clients);
	ctl->l = simlib_listen(base, who, addr, port, 16, ctl_accept_cb, ctl, bound);
	if (ctl->l == NULL) {
		free(ctl);
		return NULL;
	}
	return ctl;
}

void simlib_ctl_free(struct simlib_ctl *ctl)
{
	if (ctl == NULL)
		return;
	while (!LIST_EMPTY(&ctl->clients))
		ctl_client_free(LIST_FIRST(&ctl->clients));
	evconnlistener_free(ctl->l);
	free(ctl);
}
