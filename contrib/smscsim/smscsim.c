/*
 * smscsim — SMSC simulator: main, options, logging, counters and signals.
 *
 * A standalone test and benchmark peer for Hermod's SMPP client (ESME) side: it
 * plays the SMSC role for SMPP 3.3 and 3.4 on one libevent loop. Options are
 * documented in doc/smscsim.md; the SMPP side is smscsim_smpp.c and the control
 * port smscsim_ctl.c.
 */
#include "config.h"

#include "contrib/smscsim/smscsim.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "contrib/simlib/simlib.h"

static const char *const state_words[SIMST_COUNT] = {
	"DELIVRD", "UNDELIV", "EXPIRED", "REJECTD", "DELETED", "UNKNOWN",
	"ACCEPTD", "ENROUTE",
};

/* Options that take a value, as on the command line and in `set`. */
static const struct option longopts[] = {
	{ "listen", required_argument, NULL, 0 },
	{ "port", required_argument, NULL, 0 },
	{ "control-port", required_argument, NULL, 0 },
	{ "system-id", required_argument, NULL, 0 },
	{ "password", required_argument, NULL, 0 },
	{ "id-format", required_argument, NULL, 0 },
	{ "dlr-id-format", required_argument, NULL, 0 },
	{ "latency-ms", required_argument, NULL, 0 },
	{ "error-rate", required_argument, NULL, 0 },
	{ "error-status", required_argument, NULL, 0 },
	{ "throttle", required_argument, NULL, 0 },
	{ "dlr-delay-ms", required_argument, NULL, 0 },
	{ "dlr-mix", required_argument, NULL, 0 },
	{ "enquire-interval", required_argument, NULL, 0 },
	{ "log", required_argument, NULL, 0 },
	{ "seed", required_argument, NULL, 0 },
	{ "id-start", required_argument, NULL, 0 },
	{ "max-pdu", required_argument, NULL, 0 },
	{ "dlr-max", required_argument, NULL, 0 },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

const char *sim_state_word(unsigned st)
{
	return st < SIMST_COUNT ? state_words[st] : "UNKNOWN";
}

uint64_t sim_now_ms(struct sim *s)
{
	return simlib_now_ms(s->base);
}

/* Reproducible with --seed. */
uint64_t sim_rand(struct sim *s)
{
	return simlib_rand(&s->rng);
}

void sim_log(struct sim *s, const char *fmt, ...)
{
	uint64_t now = sim_now_ms(s);
	time_t t = (time_t)(now / 1000);
	struct tm tm;
	char ts[32];
	va_list ap;

	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(s->log, "%s.%03uZ ", ts, (unsigned)(now % 1000));
	va_start(ap, fmt);
	vfprintf(s->log, fmt, ap);
	va_end(ap);
	fputc('\n', s->log);
}

void sim_stats_line(struct sim *s, char *buf, size_t cap)
{
	const struct simstats *t = &s->st;
	unsigned bound, n = sim_session_count(s, &bound);
	size_t off;

	off = (size_t)snprintf(buf, cap,
		"connections=%" PRIu64 " sessions=%u bound=%u binds_ok=%" PRIu64
		" binds_failed=%" PRIu64 " pdus_rx=%" PRIu64 " pdus_tx=%" PRIu64
		" submits=%" PRIu64 " submits_ok=%" PRIu64 " submits_injected=%"
		PRIu64 " submits_throttled=%" PRIu64 " submits_refused=%" PRIu64
		" dlr_sent=%" PRIu64 " dlr_queued=%zu dlr_parked=%zu dlr_dropped=%"
		PRIu64 " deliver_resp=%" PRIu64 " deliver_resp_err=%" PRIu64
		" mo_sent=%" PRIu64 " enquire_rx=%" PRIu64 " enquire_tx=%" PRIu64
		" nacks_tx=%" PRIu64 " drops=%" PRIu64,
		t->connections, n, bound, t->binds_ok, t->binds_failed, t->pdus_rx,
		t->pdus_tx, t->submits, t->submits_ok, t->submits_injected,
		t->submits_throttled, t->submits_refused, t->dlr_sent, s->dlrq.len,
		s->parked.len, t->dlr_dropped, t->deliver_resp, t->deliver_resp_err,
		t->mo_sent, t->enquire_rx, t->enquire_tx, t->nacks_tx, t->drops);
	for (unsigned i = 0; i < SIMST_COUNT && off < cap; i++)
		off += (size_t)snprintf(buf + off, cap - off, " dlr_%s=%" PRIu64,
					state_words[i], t->dlr_state[i]);
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

/* "DELIVRD=90,UNDELIV=5,EXPIRED=3,REJECTD=2" */
static int parse_mix(struct simopts *o, const char *v)
{
	unsigned mix[SIMST_COUNT] = { 0 }, total = 0;
	const char *p = v;

	while (*p != '\0') {
		unsigned i;
		char *end;
		unsigned long w;

		for (i = 0; i < SIMST_COUNT; i++)
			if (strncmp(p, state_words[i], 7) == 0 && p[7] == '=')
				break;
		if (i == SIMST_COUNT)
			return -1;
		errno = 0;
		w = strtoul(p + 8, &end, 10);
		if (errno != 0 || end == p + 8 || w > 1000000 ||
		    (*end != ',' && *end != '\0'))
			return -1;
		mix[i] += (unsigned)w;
		total += (unsigned)w;
		p = *end == ',' ? end + 1 : end;
	}
	if (total == 0)
		return -1;
	memcpy(o->mix, mix, sizeof(mix));
	o->mix_total = total;
	return 0;
}

static int parse_num_opt(struct simopts *o, const char *k, const char *v)
{
	unsigned long u;

	if (parse_uint(v, UINT32_MAX, &u) != 0)
		return -1;
	if (strcmp(k, "latency-ms") == 0 && u <= 3600000)
		o->latency_ms = (unsigned)u;
	else if (strcmp(k, "error-status") == 0)
		o->error_status = (uint32_t)u;
	else if (strcmp(k, "throttle") == 0)
		o->throttle = (unsigned)u;
	else if (strcmp(k, "dlr-delay-ms") == 0 && u <= 86400000)
		o->dlr_delay_ms = (unsigned)u;
	else if (strcmp(k, "enquire-interval") == 0 && u <= 86400)
		o->enquire_s = (unsigned)u;
	else if (strcmp(k, "seed") == 0)
		o->seed = u;
	else if (strcmp(k, "id-start") == 0)
		o->id_start = u;
	else if (strcmp(k, "max-pdu") == 0 && u >= 64 && u <= SMPP_PDU_MAX_DEFAULT)
		o->max_pdu = u;
	else if (strcmp(k, "dlr-max") == 0 && u > 0)
		o->dlr_max = u;
	else
		return -1;
	return 0;
}

static int parse_opt(struct simopts *o, const char *k, const char *v)
{
	unsigned long u;
	char *end;

	if (strcmp(k, "listen") == 0)
		o->listen_addr = v;
	else if (strcmp(k, "port") == 0 || strcmp(k, "control-port") == 0) {
		if (parse_uint(v, 65535, &u) != 0)
			return -1;
		*(k[0] == 'p' ? &o->port : &o->control_port) = (int)u;
	} else if (strcmp(k, "system-id") == 0) {
		if (strlen(v) > 15)
			return -1;
		o->system_id = v;
	} else if (strcmp(k, "password") == 0) {
		if (strlen(v) > 8)
			return -1;
		o->password = v;
	} else if (strcmp(k, "id-format") == 0) {
		if (strcmp(v, "hex") != 0 && strcmp(v, "decimal") != 0)
			return -1;
		o->id_hex = v[0] == 'h';
	} else if (strcmp(k, "dlr-id-format") == 0) {
		if (strcmp(v, "same") == 0)
			o->dlr_id_format = 0;
		else if (strcmp(v, "hex") == 0)
			o->dlr_id_format = 1;
		else if (strcmp(v, "decimal") == 0)
			o->dlr_id_format = 2;
		else
			return -1;
	} else if (strcmp(k, "error-rate") == 0) {
		errno = 0;
		o->error_rate = strtod(v, &end);
		if (errno != 0 || end == v || *end != '\0' || o->error_rate < 0 ||
		    o->error_rate > 100)
			return -1;
	} else if (strcmp(k, "dlr-mix") == 0) {
		return parse_mix(o, v);
	} else if (strcmp(k, "log") == 0) {
		o->log_path = v;
	} else {
		return parse_num_opt(o, k, v);
	}
	return 0;
}

/* Runtime changes from the control port's `set` (a subset of the options). */
int sim_set_option(struct sim *s, const char *key, const char *val)
{
	static const char *const runtime[] = {
		"latency-ms", "error-rate", "error-status", "throttle",
		"dlr-delay-ms", "dlr-mix", "id-format", "dlr-id-format",
	};
	struct simopts o = s->o;

	for (size_t i = 0; i < sizeof(runtime) / sizeof(runtime[0]); i++) {
		if (strcmp(key, runtime[i]) != 0)
			continue;
		if (parse_opt(&o, key, val) != 0)
			return -1;
		s->o = o;
		return 0;
	}
	return -1;
}

struct evconnlistener *sim_listen(struct sim *s, int port,
				  evconnlistener_cb cb, int *bound)
{
	return simlib_listen(s->base, "smscsim", s->o.listen_addr, port, 512, cb, s,
			     bound);
}

static void usage(FILE *f)
{
	fputs("usage: smscsim [--listen ADDR] [--port N] [--control-port N]\n"
	      "  [--system-id S] [--password P] [--id-format hex|decimal]\n"
	      "  [--dlr-id-format same|hex|decimal] [--latency-ms N]\n"
	      "  [--error-rate PCT] [--error-status CODE] [--throttle N]\n"
	      "  [--dlr-delay-ms N] [--dlr-mix STAT=W,...] [--enquire-interval S]\n"
	      "  [--log FILE] [--quiet] [--seed N] [--id-start N] [--max-pdu N]\n"
	      "  [--dlr-max N]\n"
	      "See doc/smscsim.md.\n", f);
}

static void exit_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopexit(((struct sim *)arg)->base, NULL);
}

/* Graceful stop: no new connections, unbind the bound sessions, let the
 * output drain for a moment, then leave the loop. */
void sim_stop(struct sim *s)
{
	struct timeval tv = { 0, 300000 };

	if (s->stopping)
		return;
	s->stopping = true;
	sim_log(s, "stopping");
	if (s->smpp_l != NULL)
		evconnlistener_disable(s->smpp_l);
	sim_unbind_all(s);
	event_base_once(s->base, -1, EV_TIMEOUT, exit_cb, s, &tv);
}

static void signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct sim *s = arg;
	char line[1024];

	(void)what;
	if (sig == SIGUSR1) {
		sim_stats_line(s, line, sizeof(line));
		sim_log(s, "stats %s", line);
		fflush(s->log);
		return;
	}
	sim_stop(s);
}

static void flush_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	fflush(((struct sim *)arg)->log);
}

static int parse_args(struct simopts *o, int argc, char **argv)
{
	int c, idx;

	while ((c = getopt_long(argc, argv, "hq", longopts, &idx)) != -1) {
		if (c == 'h') {
			usage(stdout);
			exit(0);
		} else if (c == 'q') {
			o->quiet = true;
		} else if (c != 0 || parse_opt(o, longopts[idx].name, optarg) != 0) {
			if (c == 0)
				fprintf(stderr, "smscsim: bad value for --%s: %s\n",
					longopts[idx].name, optarg);
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return -1;
	}
	return 0;
}

static void defaults(struct simopts *o)
{
	memset(o, 0, sizeof(*o));
	o->listen_addr = "127.0.0.1";
	o->port = SMPP_DEFAULT_PORT;
	o->control_port = -1;
	o->error_status = SMPP_ESME_RMSGQFUL;
	o->dlr_delay_ms = 100;
	o->mix[SIMST_DELIVRD] = 100;
	o->mix_total = 100;
	o->enquire_s = 30;
	o->max_pdu = SMPP_PDU_MAX_DEFAULT;
	o->dlr_max = 4000000;
	o->seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	/* Distinct across restarts, at most 8 hex / 10 decimal digits. */
	o->id_start = (uint64_t)(time(NULL) % 40000) * 100000 + 1;
}

static int setup(struct sim *s)
{
	static const int sigs[4] = { SIGTERM, SIGINT, SIGUSR1, SIGHUP };
	struct timeval tv = { 0, 200000 };

	s->base = event_base_new();
	if (s->base == NULL)
		return -1;
	for (int i = 0; i < 4; i++) {
		s->sig_ev[i] = evsignal_new(s->base, sigs[i], signal_cb, s);
		if (s->sig_ev[i] == NULL || event_add(s->sig_ev[i], NULL) != 0)
			return -1;
	}
	s->flush_ev = event_new(s->base, -1, EV_PERSIST, flush_cb, s);
	if (s->flush_ev == NULL || event_add(s->flush_ev, &tv) != 0)
		return -1;
	if (sim_smpp_listen(s) != 0)
		return -1;
	if (s->o.control_port >= 0 && sim_ctl_listen(s) != 0)
		return -1;
	return 0;
}

static void teardown(struct sim *s)
{
	char line[1024];

	sim_stats_line(s, line, sizeof(line));
	sim_log(s, "exit %s", line);
	sim_ctl_fini(s);
	sim_smpp_fini(s);
	for (int i = 0; i < 4; i++)
		if (s->sig_ev[i] != NULL)
			event_free(s->sig_ev[i]);
	if (s->flush_ev != NULL)
		event_free(s->flush_ev);
	if (s->base != NULL)
		event_base_free(s->base);
	if (s->log != stdout)
		fclose(s->log);
	else
		fflush(stdout);
}

int main(int argc, char **argv)
{
	static struct sim sim;
	struct sim *s = &sim;
	int rc = 1;

	defaults(&s->o);
	if (parse_args(&s->o, argc, argv) != 0)
		return 2;
	s->rng = s->o.seed ? s->o.seed : 1;
	s->next_id = s->o.id_start;
	s->log = stdout;
	if (s->o.log_path != NULL && (s->log = fopen(s->o.log_path, "a")) == NULL) {
		fprintf(stderr, "smscsim: %s: %s\n", s->o.log_path, strerror(errno));
		return 1;
	}
	setvbuf(s->log, NULL, _IOFBF, 1 << 16);
	signal(SIGPIPE, SIG_IGN);
	if (setup(s) == 0) {
		sim_log(s, "listening smpp=%s:%d control=%d id_format=%s",
			s->o.listen_addr, s->o.port, s->o.control_port,
			s->o.id_hex ? "hex" : "decimal");
		fflush(s->log);
		printf("smscsim: listening port=%d control_port=%d\n", s->o.port,
		       s->o.control_port);
		fflush(stdout);
		event_base_dispatch(s->base);
		rc = 0;
	}
	teardown(s);
	return rc;
}
