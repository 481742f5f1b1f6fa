/*
 * modemsim — GSM modem simulator: main, options, transports (pseudo-terminals
 * and TCP ports), tracing and signals.
 *
 * Each modem has at most two peers at a time: the master side of its pty (the
 * modembox opens the slave) and one TCP connection (a newer one replaces an
 * older one). The AT interpreter is modemsim_at.c; doc/modemsim.md has the
 * options.
 */
#include "config.h"

#include "contrib/modemsim/modemsim.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "contrib/simlib/simlib.h"

static const struct option longopts[] = {
	{ "modems", required_argument, NULL, 0 },
	{ "pty-file", required_argument, NULL, 0 },
	{ "link-prefix", required_argument, NULL, 0 },
	{ "no-pty", no_argument, NULL, 0 },
	{ "tcp-port", required_argument, NULL, 0 },
	{ "control-port", required_argument, NULL, 0 },
	{ "pin", required_argument, NULL, 0 },
	{ "puk", required_argument, NULL, 0 },
	{ "sim-size", required_argument, NULL, 0 },
	{ "index-base", required_argument, NULL, 0 },
	{ "imei", required_argument, NULL, 0 },
	{ "imsi", required_argument, NULL, 0 },
	{ "smsc", required_argument, NULL, 0 },
	{ "msisdn", required_argument, NULL, 0 },
	{ "sr-mem", required_argument, NULL, 0 },
	{ "creg", required_argument, NULL, 0 },
	{ "rssi", required_argument, NULL, 0 },
	{ "cmgs-delay-ms", required_argument, NULL, 0 },
	{ "sr-delay-ms", required_argument, NULL, 0 },
	{ "sr-status", required_argument, NULL, 0 },
	{ "error-rate", required_argument, NULL, 0 },
	{ "error-code", required_argument, NULL, 0 },
	{ "mr-start", required_argument, NULL, 0 },
	{ "log", required_argument, NULL, 0 },
	{ "seed", required_argument, NULL, 0 },
	{ "selftest", no_argument, NULL, 'T' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

uint64_t msim_now_ms(struct msim *s)
{
	return simlib_now_ms(s->base);
}

/* Reproducible with --seed. */
uint64_t msim_rand(struct msim *s)
{
	return simlib_rand(&s->rng);
}

void msim_trace(struct msim_modem *m, const char *dir, const char *p, size_t len)
{
	if (!m->s->o.verbose)
		return;
	printf("modem=%u %s ", m->idx, dir);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch == '\r')
			fputs("\\r", stdout);
		else if (ch == '\n')
			fputs("\\n", stdout);
		else if (ch < 0x20 || ch >= 0x7F)
			printf("\\x%02X", ch);
		else
			putchar(ch);
	}
	putchar('\n');
	fflush(stdout);
}

void msim_chan_write(struct msim_chan *c, const void *p, size_t len)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	if (c->hung)
		return;
	/* Nobody reads a pty the modembox has closed: drop old output, as a
	 * serial line would, instead of growing without bound. */
	if (evbuffer_get_length(out) + len > MSIM_OUTBUF_MAX)
		evbuffer_drain(out, evbuffer_get_length(out));
	evbuffer_add(out, p, len);
	msim_trace(c->m, ">", p, len);
}

void msim_urc(struct msim_modem *m, const char *text)
{
	struct msim_chan *cs[2] = { m->pty_chan, m->tcp_chan };
	char buf[64 + 2 * TPDU_MAX + 8];
	int n = snprintf(buf, sizeof(buf), "\r\n%s\r\n", text);
	bool sent = false;

	if (m->fail == MSIM_FAIL_SILENT || n < 0 || (size_t)n >= sizeof(buf))
		return;
	for (int i = 0; i < 2; i++) {
		struct msim_chan *c = cs[i];

		if (c == NULL)
			continue;
		sent = true;
		if (c->state == MSIM_CH_CMD && !c->in_cmd)
			msim_chan_write(c, buf, (size_t)n);
		else if (evbuffer_get_length(c->urc) < MSIM_OUTBUF_MAX)
			evbuffer_add(c->urc, buf, (size_t)n);	/* after the answer */
	}
	if (!sent && evbuffer_get_length(m->offline) < MSIM_OUTBUF_MAX)
		evbuffer_add(m->offline, buf, (size_t)n);
}

static void chan_free(struct msim_chan *c)
{
	struct msim_modem *m;

	if (c == NULL)
		return;
	m = c->m;
	msim_at_chan_fini(c);
	if (m->pty_chan == c)
		m->pty_chan = NULL;
	if (m->tcp_chan == c)
		m->tcp_chan = NULL;
	if (c->urc != NULL)
		evbuffer_free(c->urc);
	bufferevent_free(c->bev);
	free(c);
}

static void chan_read_cb(struct bufferevent *bev, void *arg)
{
	struct msim_chan *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t n;

	while ((n = evbuffer_get_length(in)) > 0 && c->state != MSIM_CH_BUSY) {
		size_t k = n < 512 ? n : 512, used;
		const uint8_t *p = evbuffer_pullup(in, (ev_ssize_t)k);

		if (p == NULL)
			return;
		msim_trace(c->m, "<", (const char *)p, k);
		used = msim_at_input(c, p, k);
		evbuffer_drain(in, used);
	}
}

void msim_chan_resume(struct msim_chan *c)
{
	chan_read_cb(c->bev, c);
}

static int pty_open(struct msim_modem *m);
static void pty_file_write(struct msim *s);

static void chan_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct msim_chan *c = arg;
	struct msim_modem *m = c->m;
	bool pty = c->is_pty;

	(void)bev;
	(void)what;
	if (m->s->o.verbose)
		printf("modem=%u %s closed\n", m->idx, pty ? "pty" : "tcp");
	chan_free(c);
	/* A pty master only fails when something is badly wrong: start over. */
	if (pty && !m->s->stopping && pty_open(m) == 0)
		pty_file_write(m->s);
}

static struct msim_chan *chan_new(struct msim_modem *m, evutil_socket_t fd,
				  bool is_pty)
{
	struct msim_chan *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->m = m;
	c->is_pty = is_pty;
	c->urc = evbuffer_new();
	c->bev = bufferevent_socket_new(m->s->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->urc == NULL || c->bev == NULL) {
		if (c->urc != NULL)
			evbuffer_free(c->urc);
		free(c);
		return NULL;
	}
	bufferevent_setcb(c->bev, chan_read_cb, NULL, chan_event_cb, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, 65536);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	return c;
}

/* Rewrites --pty-file: one slave path per line, modem order. */
static void pty_file_write(struct msim *s)
{
	char tmp[4096];
	FILE *f;

	if (s->o.pty_file == NULL)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", s->o.pty_file);
	if ((f = fopen(tmp, "w")) == NULL) {
		fprintf(stderr, "modemsim: %s: %s\n", tmp, strerror(errno));
		return;
	}
	for (unsigned i = 0; i < s->o.modems; i++)
		fprintf(f, "%s\n", s->modems[i].pty_path);
	if (fclose(f) != 0 || rename(tmp, s->o.pty_file) == -1)
		fprintf(stderr, "modemsim: %s: %s\n", s->o.pty_file, strerror(errno));
}

static void pty_link(struct msim_modem *m)
{
	char link[4096], tmp[4200];

	if (m->s->o.link_prefix == NULL)
		return;
	snprintf(link, sizeof(link), "%s%u", m->s->o.link_prefix, m->idx);
	snprintf(tmp, sizeof(tmp), "%s.tmp%ld", link, (long)getpid());
	unlink(tmp);
	if (symlink(m->pty_path, tmp) == -1 || rename(tmp, link) == -1)
		fprintf(stderr, "modemsim: link %s: %s\n", link, strerror(errno));
}

static int pty_open(struct msim_modem *m)
{
	struct termios tio;
	int master, slave = -1;

	master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master == -1 || grantpt(master) == -1 || unlockpt(master) == -1 ||
	    ptsname_r(master, m->pty_path, sizeof(m->pty_path)) != 0)
		goto fail;
	/* Holding the slave open keeps the master readable across modembox
	 * restarts; raw mode so the line discipline neither echoes nor maps. */
	slave = open(m->pty_path, O_RDWR | O_NOCTTY);
	if (slave == -1 || tcgetattr(slave, &tio) == -1)
		goto fail;
	cfmakeraw(&tio);
	if (tcsetattr(slave, TCSANOW, &tio) == -1 ||
	    evutil_make_socket_nonblocking(master) == -1 ||
	    evutil_make_socket_closeonexec(master) == -1 ||
	    evutil_make_socket_closeonexec(slave) == -1)
		goto fail;
	m->pty_chan = chan_new(m, master, true);
	if (m->pty_chan == NULL)
		goto fail;
	m->pty_master = master;
	m->pty_slave = slave;
	pty_link(m);
	return 0;
fail:
	fprintf(stderr, "modemsim: modem %u: pty: %s\n", m->idx, strerror(errno));
	if (slave != -1)
		close(slave);
	if (master != -1)
		close(master);
	m->pty_path[0] = '\0';
	return -1;
}

static void pty_close(struct msim_modem *m)
{
	chan_free(m->pty_chan);
	if (m->pty_slave != -1)
		close(m->pty_slave);
	m->pty_slave = -1;
	m->pty_master = -1;
}

static void tcp_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
			  struct sockaddr *sa, int salen, void *arg)
{
	struct msim_modem *m = arg;
	struct msim_chan *c;

	(void)l;
	(void)sa;
	(void)salen;
	if (m->s->stopping || (c = chan_new(m, fd, false)) == NULL) {
		evutil_closesocket(fd);
		return;
	}
	chan_free(m->tcp_chan);
	m->tcp_chan = c;
	m->st.connections++;
	if (m->s->o.verbose)
		printf("modem=%u tcp connected\n", m->idx);
	if (evbuffer_get_length(m->offline) > 0)
		evbuffer_add_buffer(bufferevent_get_output(c->bev), m->offline);
}

int msim_kill(struct msim_modem *m)
{
	bool any = m->tcp_chan != NULL || m->pty_master != -1;

	m->st.kills++;
	chan_free(m->tcp_chan);
	if (m->pty_master != -1) {
		pty_close(m);
		if (pty_open(m) == 0) {
			pty_file_write(m->s);
			printf("modemsim: modem %u pty=%s\n", m->idx, m->pty_path);
			fflush(stdout);
		}
	}
	return any ? 0 : -1;
}

struct evconnlistener *msim_listen(struct msim *s, int port,
				   evconnlistener_cb cb, void *arg, int *bound)
{
	return simlib_listen(s->base, "modemsim", "127.0.0.1", port, 16, cb, arg,
			     bound);
}

static void usage(FILE *f)
{
	fputs("usage: modemsim [--modems N] [--pty-file FILE] [--link-prefix P]\n"
	      "  [--no-pty] [--tcp-port P] [--control-port P] [--pin PIN] [--puk PUK]\n"
	      "  [--sim-size N] [--index-base 0|1] [--imei BASE] [--imsi BASE]\n"
	      "  [--smsc NUMBER] [--msisdn NUMBER] [--sr-mem SM|SR] [--creg STAT]\n"
	      "  [--rssi N] [--cmgs-delay-ms N] [--sr-delay-ms N] [--sr-status ST]\n"
	      "  [--error-rate PCT]\n"
	      "  [--error-code N] [--mr-start N] [--log FILE] [--seed N] [--verbose]\n"
	      "  [--selftest]\n"
	      "See doc/modemsim.md.\n", f);
}

static int parse_uint(const char *v, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(v, &end, 0);
	if (errno != 0 || end == v || *end != '\0' || *out > max || v[0] == '-')
		return -1;
	return 0;
}

static bool digits(const char *v, size_t min, size_t max)
{
	size_t n = strlen(v);

	return n >= min && n <= max && strspn(v, "0123456789") == n;
}

static int parse_num(struct msim_opts *o, const char *k, const char *v)
{
	unsigned long u;

	if (parse_uint(v, UINT32_MAX, &u) != 0)
		return -1;
	if (strcmp(k, "modems") == 0 && u >= 1 && u <= MSIM_MODEMS_MAX)
		o->modems = (unsigned)u;
	else if (strcmp(k, "tcp-port") == 0 && u <= 65535)
		o->tcp_port = (int)u;
	else if (strcmp(k, "control-port") == 0 && u <= 65535)
		o->control_port = (int)u;
	else if (strcmp(k, "sim-size") == 0 && u >= 1 && u <= MSIM_SLOTS_MAX)
		o->sim_size = (unsigned)u;
	else if (strcmp(k, "index-base") == 0 && u <= 1)
		o->index_base = (unsigned)u;
	else if (strcmp(k, "creg") == 0 && u <= 5)
		o->creg = (int)u;
	else if (strcmp(k, "rssi") == 0 && (u <= 31 || u == 99))
		o->rssi = (int)u;
	else if (strcmp(k, "cmgs-delay-ms") == 0 && u <= 600000)
		o->cmgs_delay_ms = (unsigned)u;
	else if (strcmp(k, "sr-delay-ms") == 0 && u <= 86400000)
		o->sr_delay_ms = (unsigned)u;
	else if (strcmp(k, "sr-status") == 0 && u <= 255)
		o->sr_status = (uint8_t)u;
	else if (strcmp(k, "error-code") == 0 && u <= 1000)
		o->error_code = (unsigned)u;
	else if (strcmp(k, "mr-start") == 0 && u <= 255)
		o->mr_start = (unsigned)u;
	else if (strcmp(k, "seed") == 0)
		o->seed = u;
	else
		return -1;
	return 0;
}

static int parse_opt(struct msim_opts *o, const char *k, const char *v)
{
	char *end;

	if (strcmp(k, "pty-file") == 0)
		o->pty_file = v;
	else if (strcmp(k, "link-prefix") == 0)
		o->link_prefix = v;
	else if (strcmp(k, "no-pty") == 0)
		o->no_pty = true;
	else if (strcmp(k, "pin") == 0 && digits(v, 4, 8))
		o->pin = v;
	else if (strcmp(k, "puk") == 0 && digits(v, 8, 8))
		o->puk = v;
	else if (strcmp(k, "imei") == 0 && digits(v, 15, 15))
		o->imei_base = v;
	else if (strcmp(k, "imsi") == 0 && digits(v, 6, 15))
		o->imsi_base = v;
	else if (strcmp(k, "smsc") == 0 && strlen(v) < 22)
		o->smsc = v;
	else if (strcmp(k, "msisdn") == 0 &&
		 digits(v[0] == '+' ? v + 1 : v, 3, 15))
		o->msisdn = v;
	else if (strcmp(k, "sr-mem") == 0 && strcmp(v, "SM") == 0)
		o->sr_mem = MSIM_MEM_SM;
	else if (strcmp(k, "sr-mem") == 0 && strcmp(v, "SR") == 0)
		o->sr_mem = MSIM_MEM_SR;
	else if (strcmp(k, "log") == 0)
		o->log_path = v;
	else if (strcmp(k, "error-rate") == 0) {
		errno = 0;
		o->error_rate = strtod(v, &end);
		if (errno != 0 || end == v || *end != '\0' || !(o->error_rate >= 0) ||
		    o->error_rate > 100)
			return -1;
	} else
		return parse_num(o, k, v);
	return 0;
}

static int parse_args(struct msim_opts *o, int argc, char **argv)
{
	int c, idx;

	while ((c = getopt_long(argc, argv, "hv", longopts, &idx)) != -1) {
		if (c == 'h') {
			usage(stdout);
			exit(0);
		} else if (c == 'v') {
			o->verbose = true;
		} else if (c == 'T') {
			exit(msim_selftest(stdout) == 0 ? 0 : 1);
		} else if (c != 0 || parse_opt(o, longopts[idx].name, optarg) != 0) {
			if (c == 0)
				fprintf(stderr, "modemsim: bad value for --%s: %s\n",
					longopts[idx].name, optarg ? optarg : "");
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc || (o->no_pty && o->tcp_port < 0)) {
		if (optind == argc)
			fprintf(stderr, "modemsim: --no-pty needs --tcp-port\n");
		usage(stderr);
		return -1;
	}
	return 0;
}

static void defaults(struct msim_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->modems = 1;
	o->tcp_port = -1;
	o->control_port = -1;
	o->puk = "12345678";
	o->sim_size = 20;
	o->index_base = 1;
	o->imei_base = "356938035643800";
	o->imsi_base = "001010000000000";
	o->smsc = "+31624000000";
	o->creg = 1;
	o->rssi = 20;
	o->sr_delay_ms = 500;
	o->error_code = 500;
	o->seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
}

/* base + i on the last digits, keeping the length. */
static void number_plus(const char *base, unsigned i, char *out, size_t cap)
{
	size_t n = strlen(base);
	unsigned long long tail;
	size_t k = n > 9 ? 9 : n;

	tail = strtoull(base + n - k, NULL, 10) + i;
	snprintf(out, cap, "%.*s%0*llu", (int)(n - k), base, (int)k, tail);
}

static int modem_init(struct msim *s, unsigned i)
{
	struct msim_modem *m = &s->modems[i];

	m->s = s;
	m->idx = i;
	m->pty_master = m->pty_slave = -1;
	m->tcp_port = -1;
	m->next_mr = (uint8_t)s->o.mr_start;
	m->next_ref = (uint16_t)((i + 1) * 0x101);	/* 8-bit: i + 1 */
	m->cf.cmgs_delay_ms = s->o.cmgs_delay_ms;
	m->cf.sr_delay_ms = s->o.sr_delay_ms;
	m->cf.sr_status = s->o.sr_status;
	m->cf.error_rate = s->o.error_rate;
	m->cf.error_code = s->o.error_code;
	m->creg = s->o.creg;
	m->rssi = s->o.rssi;
	m->sim = s->o.pin != NULL ? MSIM_SIM_PIN : MSIM_SIM_READY;
	m->pin_tries = 3;
	m->puk_tries = 10;
	snprintf(m->pin, sizeof(m->pin), "%s", s->o.pin ? s->o.pin : "0000");
	number_plus(s->o.imei_base, i, m->imei, sizeof(m->imei));
	number_plus(s->o.imsi_base, i, m->imsi, sizeof(m->imsi));
	if (s->o.msisdn != NULL) {
		bool plus = s->o.msisdn[0] == '+';

		m->msisdn[0] = '+';
		number_plus(s->o.msisdn + plus, i, m->msisdn + plus,
			    sizeof(m->msisdn) - 1);
	}
	TAILQ_INIT(&m->pend);
	TAILQ_INIT(&m->waiting);
	msim_at_reset(m);
	if ((m->offline = evbuffer_new()) == NULL || msim_sms_init(m) != 0)
		return -1;
	if (!s->o.no_pty && pty_open(m) != 0)
		return -1;
	if (s->o.tcp_port >= 0) {
		int port = s->o.tcp_port ? s->o.tcp_port + (int)i : 0;

		if (port > 65535)
			return -1;
		m->tcp_l = msim_listen(s, port, tcp_accept_cb, m, &m->tcp_port);
		if (m->tcp_l == NULL)
			return -1;
	}
	return 0;
}

static void modem_fini(struct msim_modem *m)
{
	if (m->s == NULL)
		return;
	chan_free(m->tcp_chan);
	pty_close(m);
	if (m->tcp_l != NULL)
		evconnlistener_free(m->tcp_l);
	msim_sms_fini(m);
	if (m->offline != NULL)
		evbuffer_free(m->offline);
}

static void exit_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopexit(((struct msim *)arg)->base, NULL);
}

/* Graceful stop: no new peers; let pending output drain briefly, then leave. */
void msim_stop(struct msim *s)
{
	struct timeval tv = { 0, 200000 };

	if (s->stopping)
		return;
	s->stopping = true;
	for (unsigned i = 0; i < s->o.modems; i++)
		if (s->modems[i].tcp_l != NULL)
			evconnlistener_disable(s->modems[i].tcp_l);
	event_base_once(s->base, -1, EV_TIMEOUT, exit_cb, s, &tv);
}

static void signal_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	msim_stop(arg);
}

static void print_modem(struct msim_modem *m)
{
	printf("modemsim: modem %u", m->idx);
	if (m->pty_master != -1)
		printf(" pty=%s", m->pty_path);
	if (m->pty_master != -1 && m->s->o.link_prefix != NULL)
		printf(" link=%s%u", m->s->o.link_prefix, m->idx);
	if (m->tcp_l != NULL)
		printf(" tcp=%d", m->tcp_port);
	printf(" imei=%s\n", m->imei);
}

static int setup(struct msim *s)
{
	static const int sigs[3] = { SIGTERM, SIGINT, SIGHUP };

	s->base = event_base_new();
	s->modems = calloc(s->o.modems, sizeof(*s->modems));
	if (s->base == NULL || s->modems == NULL)
		return -1;
	for (int i = 0; i < 3; i++) {
		s->sig_ev[i] = evsignal_new(s->base, sigs[i], signal_cb, s);
		if (s->sig_ev[i] == NULL || event_add(s->sig_ev[i], NULL) != 0)
			return -1;
	}
	for (unsigned i = 0; i < s->o.modems; i++)
		if (modem_init(s, i) != 0)
			return -1;
	if (s->o.control_port >= 0 && msim_ctl_listen(s) != 0)
		return -1;
	pty_file_write(s);
	for (unsigned i = 0; i < s->o.modems; i++)
		print_modem(&s->modems[i]);
	return 0;
}

static void teardown(struct msim *s)
{
	msim_ctl_fini(s);
	if (s->modems != NULL)
		for (unsigned i = 0; i < s->o.modems; i++)
			modem_fini(&s->modems[i]);
	free(s->modems);
	for (int i = 0; i < 3; i++)
		if (s->sig_ev[i] != NULL)
			event_free(s->sig_ev[i]);
	if (s->base != NULL)
		event_base_free(s->base);
	if (s->log != NULL)
		fclose(s->log);
}

int main(int argc, char **argv)
{
	static struct msim sim;
	struct msim *s = &sim;
	int rc = 1;

	defaults(&s->o);
	if (parse_args(&s->o, argc, argv) != 0)
		return 2;
	s->rng = s->o.seed ? s->o.seed : 1;
	if (s->o.log_path != NULL && (s->log = fopen(s->o.log_path, "a")) == NULL) {
		fprintf(stderr, "modemsim: %s: %s\n", s->o.log_path, strerror(errno));
		return 1;
	}
	if (s->log != NULL)
		setvbuf(s->log, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	if (setup(s) == 0) {
		printf("modemsim: ready modems=%u control_port=%d\n", s->o.modems,
		       s->o.control_port);
		fflush(stdout);
		event_base_dispatch(s->base);
		rc = 0;
		printf("modemsim: exit\n");
	}
	teardown(s);
	return rc;
}
