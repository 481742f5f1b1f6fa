/*
 * mb_dev — the connection of one modem (a serial device set up with termios,
 * or AT over TCP to a GSM gateway) on the event loop, feeding mb_modem: it
 * opens the line, reopens it with a growing delay when it fails or closes or
 * when the modem failed to start twice in a row (MB_DEV_REOPEN_FAILS: a hung
 * module or a half-open TCP connection), and runs the modem's timer.
 *
 * Layer: modembox. Runs on the box's event loop only.
 */
#ifndef HERMOD_MB_DEV_H
#define HERMOD_MB_DEV_H

#include "modembox/mb_modem.h"

struct loop;
struct conf_group;
struct mb_dev;

/*
 * Creates the connection for the modem group g (device + speed, or host +
 * port; pin, smsc-number, init-string for the dialogue). up receives every
 * mb_modem callback except write and timer, with arg. Nothing is opened
 * before mb_dev_start(). Returns NULL when out of memory or a setting does not
 * fit (logged).
 */
struct mb_dev *mb_dev_new(struct loop *l, const struct conf_group *g,
			  const struct mb_modem_ops *up, void *arg);

/* Opens the line (and keeps reopening it until mb_dev_free). */
void mb_dev_start(struct mb_dev *d);

/* Closes the line at once (a send in progress fails, temporary). */
void mb_dev_close(struct mb_dev *d);

/* The modem's state machine (borrowed, lives as long as d). */
struct mb_modem *mb_dev_modem(struct mb_dev *d);

/* "device=/dev/ttyUSB0" or "host=10.0.0.1:7000", for logs and status. */
const char *mb_dev_where(const struct mb_dev *d);

/* Closes and frees. The up callbacks are not called. NULL is a no-op. */
void mb_dev_free(struct mb_dev *d);

#endif
