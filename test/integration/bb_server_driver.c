/*
 * bb_server_driver — the bearerbox's SMPP server (bearerbox/bb_server.h) alone
 * on the box runtime, for test/integration/bb_server_*.sh and
 * test/bench/bb_server_binds.sh:
 *
 *   bb_server_driver -c FILE
 *
 * Reads group core and group smpp-server (and the smsc and route groups the
 * accept step needs) of FILE, serves until SIGTERM, then stops gracefully.
 * Logs "driver ready port=N" once listening and, every second while the
 * count changes, "driver stats binds=N conns=N ...".
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bearerbox/bb_server.h"
#include "shared/io/box.h"
#include "shared/io/log.h"
#include "shared/io/loop.h"

static struct box box;
static struct bb_server *srv;
static struct loop_timer *stats_timer;
static struct bb_server_stats last;

static void on_stopped(void *arg)
{
	(void)arg;
	log_info("driver stopped");
	box_exit(&box);
}

static void on_stop(void *arg)
{
	(void)arg;
	loop_timer_stop(stats_timer);
	if (srv == NULL)
		box_exit(&box);
	else
		bb_server_stop(srv, on_stopped, NULL);
}

static void on_stats(struct loop_timer *t, void *arg)
{
	struct bb_server_stats st;

	(void)t;
	(void)arg;
	bb_server_stats(srv, &st);
	if (memcmp(&st, &last, sizeof(st)) == 0)
		return;
	last = st;
	log_info("driver stats binds=%" PRIu64 " conns=%" PRIu64
		 " bind_ok=%" PRIu64 " bind_fail=%" PRIu64 " submit_ok=%" PRIu64
		 " submit_fail=%" PRIu64 " throttled=%" PRIu64
		 " receipts=%" PRIu64 " mo=%" PRIu64, st.binds, st.conns,
		 st.bind_ok, st.bind_fail, st.submit_ok, st.submit_fail,
		 st.throttled, st.receipts_sent, st.mo_sent);
}

int main(int argc, char **argv)
{
	int status = 0;

	if (box_init(&box, "bearerbox", argc, argv, NULL, &status) != 0)
		return status;
	srv = bb_server_new(&box, box.conf);
	if (srv == NULL) {
		box_fini(&box);
		return 1;
	}
	stats_timer = loop_timer_new(box.loop, on_stats, NULL);
	if (stats_timer == NULL || loop_timer_start(stats_timer, 1000, true)) {
		bb_server_free(srv);
		box_fini(&box);
		return 1;
	}
	box.on_stop = on_stop;
	log_info("driver ready port=%d", bb_server_port(srv));
	status = box_run(&box);
	loop_timer_free(stats_timer);
	bb_server_free(srv);
	box_fini(&box);
	return status;
}
