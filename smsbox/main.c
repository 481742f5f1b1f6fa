/*
 * smsbox — the customer HTTP front end: the send APIs and the balance
 * (sb_api, sb_kannel) over the accept step (shared/io/mt_accept), and the
 * delivery-report and MO callbacks (sb_callback). Stateless: any number of
 * copies serve the same Redis (doc/architecture.md, doc/http-api.md).
 */
#include "config.h"

#include <stdlib.h>

#include <libxml/parser.h>

#include "shared/codec/route.h"
#include "shared/io/box.h"
#include "shared/io/log.h"
#include "shared/io/mt_accept.h"
#include "smsbox/sb_api.h"
#include "smsbox/sb_callback.h"

/* The one state struct of the process. */
static struct smsbox {
	struct box box;
	struct route_table *routes;
	struct mt_accept *accept;
	struct sb_api *api;
	struct sb_callback *cb;
	int stopping;		/* parts still finishing */
} sb;

static void smsbox_part_done(void *arg)
{
	(void)arg;
	if (--sb.stopping == 0)
		box_exit(&sb.box);
}

static void smsbox_stop(void *arg)
{
	(void)arg;
	log_info("stopping: finishing the requests in flight");
	sb.stopping = 2;
	sb_api_stop(sb.api, smsbox_part_done, NULL);
	if (sb.cb != NULL)
		sb_callback_stop(sb.cb, smsbox_part_done, NULL);
	else
		smsbox_part_done(NULL);
}

int main(int argc, char **argv)
{
	int status;

	if (box_init(&sb.box, "smsbox", argc, argv, NULL, &status) != 0)
		return status;
	xmlInitParser();
	sb.routes = route_table_new(sb.box.conf);
	if (sb.routes == NULL)
		log_fatal("out of memory building the route table");
	sb.accept = mt_accept_new(&sb.box, sb.routes, sb.box.conf);
	if (sb.accept == NULL)
		log_fatal("cannot start the accept step");
	sb.api = sb_api_new(&sb.box, sb.accept, sb.box.conf);
	if (sb.api == NULL)
		log_fatal("cannot start the HTTP API (see the line above)");
	sb.cb = sb_callback_new(&sb.box, sb.box.conf);
	if (sb.cb == NULL)
		log_fatal("cannot start the callback worker");
	sb.box.on_stop = smsbox_stop;
	sb.box.arg = &sb;
	status = box_run(&sb.box);
	sb_callback_free(sb.cb);
	sb_api_free(sb.api);
	mt_accept_free(sb.accept);
	log_info("stopped");
	box_fini(&sb.box);
	route_table_free(sb.routes);
	xmlCleanupParser();
	return status;
}
