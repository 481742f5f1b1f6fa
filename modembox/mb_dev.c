/*
 * mb_dev — a modem's serial line (termios, raw, 8N1, the configured speed) or
 * TCP connection, as a libevent bufferevent feeding mb_modem (mb_dev.h).
 */
#include "config.h"

#include "modembox/mb_dev.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "shared/codec/conf_schema.h"
#include "shared/io/log.h"
#include "shared/io/loop.h"

#define MB_DEV_BACKOFF_MIN_MS 500
#define MB_DEV_BACKOFF_MAX_MS 30000
#define MB_DEV_REOPEN_FAILS 2	/* failed start-ups in a row: the line reopened */

struct mb_dev {
	struct loop *loop;
	struct mb_modem modem;
	struct mb_modem_ops ops;	/* ours, wrapping up */
	const struct mb_modem_ops *up;
	void *up_arg;
	char device[256];
	long speed;
	char host[256];
	int port;
	char where[300];
	struct bufferevent *bev;
	struct loop_timer *modem_timer;
	struct loop_timer *reopen_timer;
	unsigned long backoff_ms;
	unsigned failed_starts;	/* FAILED since the last READY or reopen */
	size_t kept;		/* input bytes left unparsed by the last read */
};

/* ---- the modem's callbacks ---- */

/* AT traffic at debug level, control characters escaped, a PIN (also in
 * an echo) masked. */
static void d_trace(const struct mb_dev *d, const char *dir, const void *p,
		    size_t len)
{
	char buf[256];
	size_t n = 0;
	const unsigned char *c = p;
	bool mask = false;

	if (!log_enabled(LOG_LEVEL_DEBUG))
		return;
	for (size_t i = 0; i < len && n + 5 < sizeof(buf); i++) {
		if (c[i] == '\r' || c[i] == '\n')
			mask = false;
		if (mask)
			buf[n++] = '*';
		else if (c[i] >= 0x20 && c[i] < 0x7F && c[i] != '\\')
			buf[n++] = (char)c[i];
		else
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\\x%02X", c[i]);
		if (i >= 4 && memcmp(c + i - 4, "CPIN=", 5) == 0)
			mask = true;
	}
	buf[n] = '\0';
	log_debug("at modem=%s %s %s", d->modem.id, dir, buf);
}

static void d_write(void *arg, const void *p, size_t len)
{
	struct mb_dev *d = arg;

	d_trace(d, ">", p, len);
	if (d->bev != NULL)
		bufferevent_write(d->bev, p, len);
}

static void d_timer(void *arg, unsigned long ms)
{
	struct mb_dev *d = arg;

	if (ms == 0)
		loop_timer_stop(d->modem_timer);
	else
		loop_timer_start(d->modem_timer, ms, false);
}

static void d_state(void *arg, enum mb_modem_state s)
{
	struct mb_dev *d = arg;

	if (s == MB_MODEM_READY) {
		d->backoff_ms = 0;
		d->failed_starts = 0;
	} else if (s == MB_MODEM_FAILED) {
		d->failed_starts++;
	}
	d->up->state(d->up_arg, s);
}

static void d_idle(void *arg)
{
	struct mb_dev *d = arg;

	d->up->idle(d->up_arg);
}

static void d_sent(void *arg, int mr)
{
	struct mb_dev *d = arg;

	d->up->sent(d->up_arg, mr);
}

static void d_send_failed(void *arg, bool temporary, int code)
{
	struct mb_dev *d = arg;

	d->up->send_failed(d->up_arg, temporary, code);
}

static void d_inbound(void *arg, enum mb_modem_pdu kind, const char *mem,
		      int index, const uint8_t *pdu, size_t len)
{
	struct mb_dev *d = arg;

	d->up->inbound(d->up_arg, kind, mem, index, pdu, len);
}

static void d_lost(struct mb_dev *d, const char *why);

/* The retry of a failed start-up: after MB_DEV_REOPEN_FAILS in a row the line
 * itself is closed and opened again (a hung module whose tty stays open, a
 * half-open TCP connection to a gateway) instead of AT on the same line. */
static void d_modem_timer(struct loop_timer *t, void *arg)
{
	struct mb_dev *d = arg;

	(void)t;
	if (d->modem.state == MB_MODEM_FAILED &&
	    d->failed_starts >= MB_DEV_REOPEN_FAILS) {
		d->failed_starts = 0;
		d_lost(d, "no answer, reopened");
		return;
	}
	mb_modem_timeout(&d->modem);
}

/* ---- the line ---- */

static void d_schedule_reopen(struct mb_dev *d)
{
	if (d->backoff_ms == 0)
		d->backoff_ms = MB_DEV_BACKOFF_MIN_MS;
	else if (d->backoff_ms < MB_DEV_BACKOFF_MAX_MS)
		d->backoff_ms *= 2;
	if (d->backoff_ms > MB_DEV_BACKOFF_MAX_MS)
		d->backoff_ms = MB_DEV_BACKOFF_MAX_MS;
	loop_timer_start(d->reopen_timer, d->backoff_ms, false);
}

/* Frees the line; a serial line's exclusive flag is cleared first: a tty
 * someone else also holds open (a simulator) would keep it, and our next open
 * would fail without root. */
static void d_release(struct mb_dev *d)
{
	if (d->bev == NULL)
		return;
	if (d->device[0] != '\0')
		ioctl(bufferevent_getfd(d->bev), TIOCNXCL);
	bufferevent_free(d->bev);
	d->bev = NULL;
}

void mb_dev_close(struct mb_dev *d)
{
	d->kept = 0;
	d_release(d);
	if (d->modem.state != MB_MODEM_DOWN)
		mb_modem_stop(&d->modem);
}

static void d_lost(struct mb_dev *d, const char *why)
{
	log_warn("modem line lost modem=%s %s reason=%s retry_ms=%lu",
		 d->modem.id, d->where, why,
		 d->backoff_ms ? d->backoff_ms * 2 : MB_DEV_BACKOFF_MIN_MS);
	mb_dev_close(d);
	d_schedule_reopen(d);
}

static void d_read(struct bufferevent *bev, void *arg)
{
	struct mb_dev *d = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len = evbuffer_get_length(in), used;
	const uint8_t *p;

	if (len == 0)
		return;
	p = evbuffer_pullup(in, -1);
	if (p == NULL)
		return;
	if (d->kept < len)
		d_trace(d, "<", p + d->kept, len - d->kept);
	used = mb_modem_input(&d->modem, p, len);
	/* d->bev may be gone if a callback closed the line */
	if (d->bev == bev) {
		evbuffer_drain(in, used);
		d->kept = len - used;
	}
}

static void d_event(struct bufferevent *bev, short what, void *arg)
{
	struct mb_dev *d = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		log_info("modem connected modem=%s %s", d->modem.id, d->where);
		mb_modem_start(&d->modem);
		return;
	}
	if (what & BEV_EVENT_EOF)
		d_lost(d, "closed");
	else if (what & BEV_EVENT_ERROR)
		d_lost(d, strerror(EVUTIL_SOCKET_ERROR()));
}

static speed_t d_speed(long bps)
{
	static const struct { long bps; speed_t s; } t[] = {
		{ 300, B300 }, { 1200, B1200 }, { 2400, B2400 }, { 4800, B4800 },
		{ 9600, B9600 }, { 19200, B19200 }, { 38400, B38400 },
		{ 57600, B57600 }, { 115200, B115200 }, { 230400, B230400 },
		{ 460800, B460800 }, { 921600, B921600 },
#ifdef B4000000
		{ 1000000, B1000000 }, { 1152000, B1152000 }, { 1500000, B1500000 },
		{ 2000000, B2000000 }, { 2500000, B2500000 }, { 3000000, B3000000 },
		{ 3500000, B3500000 }, { 4000000, B4000000 },
#endif
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].bps == bps)
			return t[i].s;
	log_warn("serial speed not supported, using 115200 speed=%ld", bps);
	return B115200;
}

static int d_open_serial(struct mb_dev *d)
{
	struct termios tio;
	int fd = open(d->device, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

	if (fd == -1)
		return -1;
	/* exclusive: a second opener (ModemManager, another modembox) gets
	 * EBUSY instead of stealing the modem's answers (root is not kept out) */
	if (ioctl(fd, TIOCEXCL) == -1)
		log_warn("modem line not exclusive modem=%s %s error=%s",
			 d->modem.id, d->where, strerror(errno));
	if (tcgetattr(fd, &tio) == 0) {
		cfmakeraw(&tio);
		tio.c_cflag |= CLOCAL | CREAD;
		tio.c_cflag &= ~(tcflag_t)CRTSCTS;
		cfsetispeed(&tio, d_speed(d->speed));
		cfsetospeed(&tio, d_speed(d->speed));
		if (tcsetattr(fd, TCSANOW, &tio) == -1)
			log_warn("modem line settings refused modem=%s %s error=%s",
				 d->modem.id, d->where, strerror(errno));
		tcflush(fd, TCIOFLUSH);
	}
	d->bev = bufferevent_socket_new(loop_base(d->loop), fd,
					BEV_OPT_CLOSE_ON_FREE);
	if (d->bev == NULL) {
		close(fd);
		return -1;
	}
	bufferevent_setcb(d->bev, d_read, NULL, d_event, d);
	bufferevent_enable(d->bev, EV_READ | EV_WRITE);
	log_info("modem line open modem=%s %s", d->modem.id, d->where);
	mb_modem_start(&d->modem);
	return 0;
}

static int d_open_tcp(struct mb_dev *d)
{
	struct addrinfo hints, *res = NULL;
	char port[8];
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%d", d->port);
	rc = getaddrinfo(d->host, port, &hints, &res);
	if (rc != 0) {
		log_warn("modem host unknown modem=%s %s error=%s", d->modem.id,
			 d->where, gai_strerror(rc));
		return -1;
	}
	d->bev = bufferevent_socket_new(loop_base(d->loop), -1,
					BEV_OPT_CLOSE_ON_FREE);
	if (d->bev == NULL) {
		freeaddrinfo(res);
		return -1;
	}
	bufferevent_setcb(d->bev, d_read, NULL, d_event, d);
	bufferevent_enable(d->bev, EV_READ | EV_WRITE);
	rc = bufferevent_socket_connect(d->bev, res->ai_addr,
					(int)res->ai_addrlen);
	freeaddrinfo(res);
	if (rc != 0) {
		bufferevent_free(d->bev);
		d->bev = NULL;
		return -1;
	}
	return 0;
}

static void d_open(struct mb_dev *d)
{
	int rc = d->device[0] != '\0' ? d_open_serial(d) : d_open_tcp(d);

	if (rc != 0) {
		log_warn("modem line cannot open modem=%s %s error=%s",
			 d->modem.id, d->where, strerror(errno));
		d_schedule_reopen(d);
	}
}

static void d_reopen_timer(struct loop_timer *t, void *arg)
{
	(void)t;
	d_open(arg);
}

/* ---- public ---- */

struct mb_dev *mb_dev_new(struct loop *l, const struct conf_group *g,
			  const struct mb_modem_ops *up, void *arg)
{
	struct mb_dev *d = calloc(1, sizeof(*d));
	struct mb_modem_conf mc;
	const char *dev = conf_schema_get_str(g, "device");
	const char *host = conf_schema_get_str(g, "host");

	if (d == NULL)
		return NULL;
	d->loop = l;
	d->up = up;
	d->up_arg = arg;
	d->ops = (struct mb_modem_ops){ d_write, d_timer, d_state, d_idle,
		d_sent, d_send_failed, d_inbound };
	snprintf(d->device, sizeof(d->device), "%s", dev != NULL ? dev : "");
	snprintf(d->host, sizeof(d->host), "%s", host != NULL ? host : "");
	d->speed = (long)conf_schema_get_int(g, "speed");
	d->port = (int)conf_schema_get_int(g, "port");
	if (d->device[0] != '\0')
		snprintf(d->where, sizeof(d->where), "device=%s", d->device);
	else
		snprintf(d->where, sizeof(d->where), "host=%s:%d", d->host, d->port);
	mc.id = conf_schema_get_str(g, "id");
	mc.pin = conf_schema_get_str(g, "pin");
	mc.smsc = conf_schema_get_str(g, "smsc-number");
	mc.init = conf_schema_get_str(g, "init-string");
	d->modem_timer = loop_timer_new(l, d_modem_timer, d);
	d->reopen_timer = loop_timer_new(l, d_reopen_timer, d);
	if (d->modem_timer == NULL || d->reopen_timer == NULL ||
	    mb_modem_init(&d->modem, &mc, &d->ops, d) != 0) {
		log_error("modem set-up failed modem=%s", mc.id ? mc.id : "");
		mb_dev_free(d);
		return NULL;
	}
	return d;
}

void mb_dev_start(struct mb_dev *d)
{
	d_open(d);
}

struct mb_modem *mb_dev_modem(struct mb_dev *d)
{
	return &d->modem;
}

const char *mb_dev_where(const struct mb_dev *d)
{
	return d->where;
}

void mb_dev_free(struct mb_dev *d)
{
	if (d == NULL)
		return;
	d_release(d);
	loop_timer_free(d->modem_timer);
	loop_timer_free(d->reopen_timer);
	free(d);
}
