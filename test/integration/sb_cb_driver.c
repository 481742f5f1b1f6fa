/*
 * sb_cb_driver — runs the smsbox callbacks worker (smsbox/sb_callback) alone
 * on the box runtime, for the sb_cb_*.sh integration tests: `sb_cb_driver -c
 * FILE`. SIGTERM stops it gracefully (sb_callback_stop) and it prints its
 * counters on exit.
 */
#include "config.h"

#include <stdio.h>

#include "shared/io/box.h"
#include "shared/io/log.h"
#include "smsbox/sb_callback.h"

static struct {
	struct box box;
	struct sb_callback *cb;
} drv;

static void drv_stopped(void *arg)
{
	(void)arg;
	box_exit(&drv.box);
}

static void drv_on_stop(void *arg)
{
	(void)arg;
	sb_callback_stop(drv.cb, drv_stopped, NULL);
}

int main(int argc, char **argv)
{
	struct sb_callback_stats st;
	int status = 0;

	if (box_init(&drv.box, "smsbox", argc, argv, NULL, &status) < 0)
		return status;
	drv.cb = sb_callback_new(&drv.box, drv.box.conf);
	if (drv.cb == NULL) {
		box_fini(&drv.box);
		return 1;
	}
	drv.box.on_stop = drv_on_stop;
	status = box_run(&drv.box);
	sb_callback_stats(drv.cb, &st);
	log_info("driver exit dlr_sent=%llu mo_sent=%llu failed=%llu "
		 "retried=%llu dead=%llu dropped=%llu",
		 (unsigned long long)st.dlr_sent, (unsigned long long)st.mo_sent,
		 (unsigned long long)st.failed, (unsigned long long)st.retried,
		 (unsigned long long)st.dead, (unsigned long long)st.dropped);
	sb_callback_free(drv.cb);
	box_fini(&drv.box);
	return status;
}
