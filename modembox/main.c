/*
 * modembox — GSM modems and GSM gateways over AT commands (doc/modembox.md):
 * main() picks this process's `group = modembox` (--id ID, or the only one)
 * and wires mb_box to the common box runtime (shared/io/box.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "modembox/mb_box.h"
#include "shared/codec/conf.h"
#include "shared/codec/conf_schema.h"
#include "shared/io/box.h"
#include "shared/io/log.h"
#include "shared/io/redis.h"

#define MB_ARGS_MAX 64

static struct {
	struct box box;
	struct mb_box *mb;
} g;

static void on_stop(void *arg)
{
	(void)arg;
	log_info("stopping");
	if (g.mb == NULL)
		box_exit(&g.box);
	else
		mb_box_stop(g.mb);
}

static void on_redis(bool up, void *arg)
{
	(void)arg;
	if (g.mb != NULL)
		mb_box_redis(g.mb, up);
}

/* Removes --id ID from argv (box_init does not know it). */
static int take_id(int *argc, char **argv, const char **id)
{
	int i, j = 1;

	for (i = 1; i < *argc; i++) {
		if (strcmp(argv[i], "--id") == 0) {
			if (i + 1 >= *argc) {
				fprintf(stderr, "modembox: --id needs a modembox id\n");
				return -1;
			}
			*id = argv[++i];
			continue;
		}
		argv[j++] = argv[i];
	}
	*argc = j;
	argv[j] = NULL;
	return 0;
}

/* The id of this process's modembox group, or NULL (logged). */
static const char *pick_id(const struct conf *c, const char *want)
{
	const struct conf_group *gr = NULL;
	const char *found = NULL;
	size_t n = 0;

	while ((gr = conf_group_next(c, gr, "modembox")) != NULL) {
		const char *id = conf_schema_get_str(gr, "id");

		n++;
		if (want != NULL && id != NULL && strcmp(id, want) == 0)
			return id;
		found = id;
	}
	if (want != NULL)
		log_error("no group modembox has id=%s", want);
	else if (n == 0)
		log_error("the configuration has no group = modembox");
	else if (n > 1)
		log_error("several modembox groups: start with --id ID");
	else
		return found;
	return NULL;
}

int main(int argc, char **argv)
{
	const char *want = NULL, *id;
	int status;

	if (take_id(&argc, argv, &want) != 0)
		return 2;
	if (box_init(&g.box, "modembox", argc, argv,
		     "  --id ID             the modembox group to run (needed when "
		     "there are several)\n", &status) != 0)
		return status;
	id = pick_id(g.box.conf, want);
	if (id == NULL || (g.mb = mb_box_new(&g.box, id)) == NULL) {
		box_fini(&g.box);
		return 1;
	}
	g.box.on_stop = on_stop;
	g.box.on_redis = on_redis;
	log_info("modembox starting id=%s", id);
	mb_box_start(g.mb);
	status = box_run(&g.box);
	log_info("stopped");
	/* Redis first: its pending callbacks still find the modems alive */
	redis_free(g.box.redis);
	g.box.redis = NULL;
	mb_box_free(g.mb);
	box_fini(&g.box);
	return status;
}
