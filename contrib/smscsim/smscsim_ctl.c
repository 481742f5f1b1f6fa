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

#include "contrib/simlib/simlib.h"

static void cmd_mo(struct sim *s, struct evbuffer *out, const char *sysid,
		   char *rest)
{
	char *from = simlib_word(&rest), *to = simlib_word(&rest), why[64];
	int n;

	if (from == NULL || to == NULL) {
		evbuffer_add_printf(out, "ERR usage: mo <from> <to> <text>\n");
		return;
	}
	n = sim_mo(s, sysid, from, to, rest, why, sizeof(why));
	if (n < 0)
		evbuffer_add_printf(out, "ERR %s\n", why);
	else
		evbuffer_add_printf(out, "OK parts=%d\n", n);
	sim_log(s, "control mo from=%s to=%s parts=%d", from, to, n);
}

static void ctl_command(void *arg, char *line, struct evbuffer *out)
{
	struct sim *s = arg;
	char *rest = line, *cmd = simlib_word(&rest), *k, *v;
	static char stats[1024];

	if (cmd == NULL)
		return;
	if (strcmp(cmd, "mo") == 0) {
		cmd_mo(s, out, NULL, rest);
	} else if (strncmp(cmd, "mo@", 3) == 0) {
		cmd_mo(s, out, cmd + 3, rest);
	} else if (strcmp(cmd, "drop") == 0) {
		k = simlib_word(&rest);
		evbuffer_add_printf(out, "OK dropped=%u\n", sim_drop(s, k));
		sim_log(s, "control drop system_id=%s", k ? k : "*");
	} else if (strcmp(cmd, "stats") == 0) {
		sim_stats_line(s, stats, sizeof(stats));
		evbuffer_add_printf(out, "%s\n", stats);
	} else if (strcmp(cmd, "set") == 0) {
		k = simlib_word(&rest);
		v = simlib_word(&rest);
		if (k != NULL && v != NULL && sim_set_option(s, k, v) == 0) {
			evbuffer_add_printf(out, "OK\n");
			sim_log(s, "control set %s=%s", k, v);
		} else {
			evbuffer_add_printf(out, "ERR usage: set <option> <value>\n");
		}
	} else if (strcmp(cmd, "shutdown") == 0) {
		evbuffer_add_printf(out, "OK\n");
		sim_stop(s);
	} else if (strcmp(cmd, "help") == 0) {
		evbuffer_add_printf(out, "OK commands: mo <from> <to> <text> | "
				    "mo@<system_id> ... | drop [system_id] | stats | "
				    "set <option> <value> | shutdown | quit\n");
	} else {
		evbuffer_add_printf(out, "ERR unknown command %s\n", cmd);
	}
}

int sim_ctl_listen(struct sim *s)
{
	int port;

	s->ctl = simlib_ctl_new(s->base, "smscsim", s->o.listen_addr,
				s->o.control_port, ctl_command, s, &port);
	if (s->ctl == NULL)
		return -1;
	s->o.control_port = port;
	return 0;
}

void sim_ctl_fini(struct sim *s)
{
	simlib_ctl_free(s->ctl);
	s->ctl = NULL;
}
