/*
 * smscsim control port: a line-based TCP interface on 127.0.0.1 for tests and
 * people (`nc 127.0.0.1 PORT`). One command per line, one answer line each:
 * "OK ...", "ERR ..." or, for `stats`, the key=value counters.
 * Commands: mo, mo@SYSID, drop, stats, set, shutdown, quit, help
 * (doc/smscsim.md). Runs on the simulator's event loop.
 */
#include "config.h"

#include "contrib/smscsim/smscsim.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#define CTL_LINE_MAX 65536

struct simctl {
	LIST_ENTRY(simctl) link;
	struct sim *s;
	struct bufferevent *bev;
};

static void ctl_free(struct simctl *c)
{
	LIST_REMOVE(c, link);
	bufferevent_free(c->bev);
	free(c);
}

/* Splits off the next space-separated word of *p (NUL-terminated in place). */
static char *word(char **p)
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

static void cmd_mo(struct simctl *c, struct evbuffer *out, const char *sysid,
		   char *rest)
{
	char *from = word(&rest), *to = word(&rest), why[64];
	int n;

	if (from == NULL || to == NULL) {
		evbuffer_add_printf(out, "ERR usage: mo <from> <to> <text>\n");
		return;
	}
	n = sim_mo(c->s, sysid, from, to, rest, why, sizeof(why));
	if (n < 0)
		evbuffer_add_printf(out, "ERR %s\n", why);
	else
		evbuffer_add_printf(out, "OK parts=%d\n", n);
	sim_log(c->s, "control mo from=%s to=%s parts=%d", from, to, n);
}

static void ctl_command(struct simctl *c, char *line)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	char *rest = line, *cmd = word(&rest), *k, *v;
	static char stats[1024];

	if (cmd == NULL)
		return;
	if (strcmp(cmd, "mo") == 0) {
		cmd_mo(c, out, NULL, rest);
	} else if (strncmp(cmd, "mo@", 3) == 0) {
		cmd_mo(c, out, cmd + 3, rest);
	} else if (strcmp(cmd, "drop") == 0) {
		k = word(&rest);
		evbuffer_add_printf(out, "OK dropped=%u\n", sim_drop(c->s, k));
		sim_log(c->s, "control drop system_id=%s", k ? k : "*");
	} else if (strcmp(cmd, "stats") == 0) {
		sim_stats_line(c->s, stats, sizeof(stats));
		evbuffer_add_printf(out, "%s\n", stats);
	} else if (strcmp(cmd, "set") == 0) {
		k = word(&rest);
		v = word(&rest);
		if (k != NULL && v != NULL && sim_set_option(c->s, k, v) == 0) {
			evbuffer_add_printf(out, "OK\n");
			sim_log(c->s, "control set %s=%s", k, v);
		} else {
			evbuffer_add_printf(out, "ERR usage: set <option> <value>\n");
		}
	} else if (strcmp(cmd, "shutdown") == 0) {
		evbuffer_add_printf(out, "OK\n");
		sim_stop(c->s);
	} else if (strcmp(cmd, "help") == 0) {
		evbuffer_add_printf(out, "OK commands: mo <from> <to> <text> | "
				    "mo@<system_id> ... | drop [system_id] | stats | "
				    "set <option> <value> | shutdown | quit\n");
	} else {
		evbuffer_add_printf(out, "ERR unknown command %s\n", cmd);
	}
}

static void ctl_read_cb(struct bufferevent *bev, void *arg)
{
	struct simctl *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char *line;
	size_t n;

	while ((line = evbuffer_readln(in, &n, EVBUFFER_EOL_ANY)) != NULL) {
		bool quit = strcmp(line, "quit") == 0;

		if (!quit)
			ctl_command(c, line);
		free(line);
		if (quit) {
			ctl_free(c);
			return;
		}
	}
	if (evbuffer_get_length(in) > CTL_LINE_MAX)
		ctl_free(c);
}

static void ctl_event_cb(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)what;
	ctl_free(arg);
}

static void ctl_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
			  struct sockaddr *sa, int salen, void *arg)
{
	struct sim *s = arg;
	struct simctl *c = calloc(1, sizeof(*c));

	(void)l;
	(void)sa;
	(void)salen;
	if (c == NULL ||
	    (c->bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		free(c);
		evutil_closesocket(fd);
		return;
	}
	c->s = s;
	LIST_INSERT_HEAD(&s->ctls, c, link);
	bufferevent_setcb(c->bev, ctl_read_cb, NULL, ctl_event_cb, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

int sim_ctl_listen(struct sim *s)
{
	int port;

	s->ctl_l = sim_listen(s, s->o.control_port, ctl_accept_cb, &port);
	if (s->ctl_l == NULL)
		return -1;
	s->o.control_port = port;
	return 0;
}

void sim_ctl_fini(struct sim *s)
{
	while (!LIST_EMPTY(&s->ctls))
		ctl_free(LIST_FIRST(&s->ctls));
	if (s->ctl_l != NULL)
		evconnlistener_free(s->ctl_l);
	s->ctl_l = NULL;
}
