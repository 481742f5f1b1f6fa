/*
 * mb_box — what a modembox does with its modems (doc/modembox.md): consumes the
 * queues P:q:LINK of the `type = modem` links it serves (bearerbox/bb_queue:
 * consumer group "links", retries, failover, expiry), spreads their parts over
 * the modems serving each link with pacing (send-rate) and per-SIM daily and
 * total limits counted in Redis by IMSI, turns +CMGS references, status
 * reports and received SMS into the receipt and MO data of bearerbox/bb_dlr,
 * refreshes P:link:LINK:up while a modem of the link can send, and writes its
 * status to the heartbeat hash P:modembox:ID.
 *
 * Layer: modembox. Runs on the box's event loop only.
 */
#ifndef HERMOD_MB_BOX_H
#define HERMOD_MB_BOX_H

#include <stdbool.h>
#include <stddef.h>

struct box;
struct mb_box;

#define MB_BOX_TICK_MS 1000		/* link states, limit re-checks */
#define MB_BOX_HEARTBEAT_MS 5000	/* P:modembox:ID, P:link:LINK:up */
#define MB_BOX_UP_TTL_S 15
#define MB_BOX_POLL_MS 30000		/* +CSQ / +CREG? on idle modems */

/*
 * Creates the modembox id (a `group = modembox` id of b->conf) with its
 * modems and links. Returns NULL (logged) when the id names no modembox
 * group, no modem belongs to it, or out of memory.
 */
struct mb_box *mb_box_new(struct box *b, const char *id);

/* Opens the modems' lines. */
void mb_box_start(struct mb_box *mb);

/* Redis (re)connected or lost (wire to box.on_redis). */
void mb_box_redis(struct mb_box *mb, bool up);

/* Graceful stop (wire to box.on_stop): no new sends; parts not yet sent go
 * back for a retry; calls box_exit() once nothing is in flight (or after 10 s). */
void mb_box_stop(struct mb_box *mb);

/* Frees everything (after box_run returned, before box_fini). NULL ok. */
void mb_box_free(struct mb_box *mb);

#endif
