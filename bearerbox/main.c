/*
 * bearerbox — SMPP links to operators, the SMPP server for customers, routing
 * and receipt correlation (doc/architecture.md, doc/smpp-links.md). main()
 * wires the parts to the common box runtime (shared/io/box.h): the receipt
 * and MO handler (bb_dlr), the queues (bb_queue), one bb_link per
 * `group = smsc` of `type = smpp`, a watch on the queue of each `type =
 * modem` link (its parts fail over while its modembox is dead), the SMPP
 * server for customers
 * (bb_server) when the file has a `group = smpp-server`, and the admin and
 * metrics HTTP interface (bb_admin) when core.admin-port is set. SIGTERM
 * closes the admin interface, stops taking work, waits (bounded) for the
 * operators' outstanding responses and the Redis writes, unbinds and exits.
 */
#include "config.h"

#include <stdlib.h>

#include "bearerbox/bb_admin.h"
#include "bearerbox/bb_dlr.h"
#include "bearerbox/bb_link.h"
#include "bearerbox/bb_queue.h"
#include "bearerbox/bb_server.h"
#include "shared/codec/conf_schema.h"
#include "shared/io/box.h"
#include "shared/io/log.h"
#include "shared/io/loop.h"
#include "shared/io/redis.h"

#define BB_LINKS_MAX 256
#define BB_STOP_WAIT_MAX_MS 30000UL	/* responses waited for at most */
#define BB_STOP_GRACE_MS 5000UL		/* then unbind and Redis writes */
#define BB_STOP_POLL_MS 50

static struct {
	struct box box;
	struct bb_dlr *dlr;
	struct bb_queues *qs;
	struct bb_server *server;
	bool server_stopped;
	struct bb_admin *admin;
	struct bb_link *links[BB_LINKS_MAX];
	size_t nlinks;
	struct bb_queue *watches[BB_LINKS_MAX];	/* type = modem links */
	size_t nwatches;
	size_t nstopped;
	struct loop_timer *stop_timer;
	unsigned long long stop_deadline;
	bool stopping;
} bb;

static bool bb_watches_busy(void)
{
	size_t i;

	for (i = 0; i < bb.nwatches; i++)
		if (bb_queue_busy(bb.watches[i]) != 0)
			return true;
	return false;
}

static void bb_try_exit(struct loop_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	if (bb.nstopped < bb.nlinks || bb_queues_busy(bb.qs) != 0 ||
	    bb_watches_busy() ||
	    (bb.server != NULL && !bb.server_stopped)) {
		if (loop_now_ms(bb.box.loop) < bb.stop_deadline)
			return;
		log_warn("stop timed out: exiting with work in flight");
	}
	loop_timer_stop(bb.stop_timer);
	box_exit(&bb.box);
}

static void bb_link_stopped(struct bb_link *l, void *arg)
{
	(void)l;
	(void)arg;
	bb.nstopped++;
}

static void bb_server_stopped(void *arg)
{
	(void)arg;
	bb.server_stopped = true;
}

static void bb_on_stop(void *arg)
{
	unsigned long wait = BB_STOP_WAIT_MAX_MS;
	size_t i;

	(void)arg;
	if (bb.stopping)
		return;
	bb.stopping = true;
	log_info("stopping: finishing the work in flight links=%zu", bb.nlinks);
	bb_admin_stop(bb.admin);
	bb_queues_stop(bb.qs);
	for (i = 0; i < bb.nwatches; i++)
		bb_queue_stop(bb.watches[i]);
	if (bb.server != NULL)
		bb_server_stop(bb.server, bb_server_stopped, NULL);
	for (i = 0; i < bb.nlinks; i++)
		bb_link_stop(bb.links[i], wait, bb_link_stopped, NULL);
	bb.stop_deadline = loop_now_ms(bb.box.loop) + wait + BB_STOP_GRACE_MS;
	bb.stop_timer = loop_timer_new(bb.box.loop, bb_try_exit, NULL);
	if (bb.stop_timer == NULL ||
	    loop_timer_start(bb.stop_timer, BB_STOP_POLL_MS, true) != 0)
		box_exit(&bb.box);
}

static void bb_on_redis(bool up, void *arg)
{
	size_t i;

	(void)arg;
	if (!up || bb.qs == NULL)
		return;
	bb_queues_redis_up(bb.qs);
	for (i = 0; i < bb.nlinks; i++)
		bb_link_redis_up(bb.links[i]);
}

static int bb_start_links(void)
{
	const struct conf_group *g = NULL;

	while ((g = conf_group_next(bb.box.conf, g, "smsc")) != NULL) {
		struct bb_link *l;

		if (conf_schema_get_enum(g, "type") != 0) {
			/* type = modem: a modembox runs it; watched here */
			struct bb_queue *w = bb.nwatches < BB_LINKS_MAX ?
				bb_queue_watch_new(bb.qs, g) : NULL;

			if (w == NULL) {
				log_error("cannot watch the modem link smsc=%s",
					  conf_schema_get_str(g, "smsc-id"));
				return -1;
			}
			bb.watches[bb.nwatches++] = w;
			continue;
		}
		if (bb.nlinks == BB_LINKS_MAX) {
			log_error("too many smsc links max=%d", BB_LINKS_MAX);
			return -1;
		}
		l = bb_link_new(&bb.box, bb.dlr, bb.qs, g);
		if (l == NULL)
			return -1;
		bb.links[bb.nlinks++] = l;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int status;
	size_t i;

	if (box_init(&bb.box, "bearerbox", argc, argv, NULL, &status) != 0)
		return status;
	bb.dlr = bb_dlr_new(&bb.box, bb.box.conf);
	bb.qs = bb.dlr != NULL ? bb_queues_new(&bb.box, bb.dlr, bb.box.conf) :
				 NULL;
	if (bb.qs != NULL &&
	    conf_group_find(bb.box.conf, "smpp-server") != NULL) {
		bb.server = bb_server_new(&bb.box, bb.box.conf);
		if (bb.server == NULL) {
			status = 1;
			goto out;
		}
	}
	if (bb.qs == NULL || bb_start_links() != 0) {
		log_error("cannot start");
		status = 1;
		goto out;
	}
	if (conf_schema_get_int(bb.box.core, "admin-port") != 0) {
		struct bb_admin_src src = { bb.links, bb.nlinks, bb.watches,
					    bb.nwatches, bb.dlr, bb.server };

		bb.admin = bb_admin_new(&bb.box, &src);
		if (bb.admin == NULL) {
			status = 1;
			goto out;
		}
	}
	bb.box.on_stop = bb_on_stop;
	bb.box.on_redis = bb_on_redis;
	if (bb.box.redis_up)
		bb_on_redis(true, NULL);
	status = box_run(&bb.box);
	log_info("stopped");
out:
	/* Redis first: the callbacks it still owes (answered with no reply)
	 * find the links, queues and receipt handler alive; then each part
	 * goes while the loop that holds its timers does. */
	redis_free(bb.box.redis);
	bb.box.redis = NULL;
	bb_admin_free(bb.admin);
	for (i = 0; i < bb.nlinks; i++)
		bb_link_free(bb.links[i]);
	for (i = 0; i < bb.nwatches; i++)
		if (bb_queue_busy(bb.watches[i]) == 0)
			bb_queue_free(bb.watches[i]);
	bb_server_free(bb.server);
	loop_timer_free(bb.stop_timer);
	bb_queues_free(bb.qs);
	bb_dlr_free(bb.dlr);
	box_fini(&bb.box);
	return status;
}
