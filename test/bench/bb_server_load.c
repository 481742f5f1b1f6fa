/*
 * bb_server_load — a customer ESME load generator for an SMPP server in the
 * SMSC role (the bearerbox's SMPP server, or contrib/smscsim for the ceiling).
 * Not part of `make check`; run by test/bench/bb_server_load.sh.
 *
 *   bb_server_load --port N [--host A] [--system-id S] [--password P]
 *                  [--binds B] [--window W] [--count N] [--rate R] [--reg 0|1]
 *                  [--wait S] [--dest D] [--every S] [--expect N]
 *                  [--warmup S]
 *
 * Binds B transceivers in one process (poll loop, non-blocking sockets) and
 * keeps W submit_sm outstanding on each (registered_delivery as --reg), paced
 * to R submits/s in all when --rate is set. Measures each submit_sm_resp's
 * latency (histogram: p50, p99, max), counts receipts (deliver_sm with
 * esm_class 0x04, answered with deliver_sm_resp ESME_ROK), and prints
 * submits/s, receipts/s and the refusals by status. With --warmup S it also
 * prints the steady state: the rate and latency of the submits sent from S
 * seconds after the first on (the pipeline filled). With --count 0 it only
 * receives: it waits for --expect N receipts already waiting in the server.
 * Encodes and decodes with shared/codec/smpp_pdu.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "shared/codec/smpp_pdu.h"

#define LOAD_RING 65536		/* send times kept per bind (window bound) */
#define LOAD_IN_CAP (1 << 20)
#define LOAD_OUT_CAP (1 << 20)
#define LOAD_HIST_US 100000	/* 1 us buckets up to 100 ms, then overflow */
#define LOAD_STATUS_MAX 16

struct load_opts {
	const char *host, *system_id, *password, *dest;
	int port;
	unsigned binds, window, reg;
	unsigned long long count, expect;
	double rate, wait_s, every_s, warmup_s;
};

struct load_conn {
	int fd;
	bool bound;
	uint32_t seq;			/* last sequence used */
	unsigned outstanding;
	uint8_t *in, *out;
	size_t inlen, outlen, outoff;
	unsigned long long *sent_ns;	/* by seq % LOAD_RING */
};

/* Latencies of submit_sm_resp: a 1 us histogram. */
struct load_lat {
	unsigned long long hist[LOAD_HIST_US + 1];
	unsigned long long n, max_us;
};

struct load_stats {
	unsigned long long sent, resp, ok, receipts, other_dlv;
	struct load_lat all, steady;	/* steady: sent after --warmup */
	unsigned long long warmup_ns, t_steady_first;
	unsigned long long every_max_us;	/* this --every line */
	uint32_t st_code[LOAD_STATUS_MAX];
	unsigned long long st_n[LOAD_STATUS_MAX];
	unsigned nst;
	unsigned long long t_first, t_last_resp, t_last_dlr;
};

static struct load_stats g_st;
static struct smpp_pdu g_pdu;

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull +
	       (unsigned long long)ts.tv_nsec;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static int dial(const char *host, int port)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (fd == -1 || inet_pton(AF_INET, host, &sin.sin_addr) != 1 ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		if (fd != -1)
			close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static void count_status(uint32_t st)
{
	unsigned i;

	for (i = 0; i < g_st.nst; i++)
		if (g_st.st_code[i] == st)
			break;
	if (i == g_st.nst) {
		if (g_st.nst == LOAD_STATUS_MAX)
			i = LOAD_STATUS_MAX - 1;	/* lumped in the last */
		else
			g_st.st_code[g_st.nst++] = st;
	}
	g_st.st_n[i]++;
}

/* Appends an encoded PDU to c's output. Returns 0 or -1 (no room). */
static int queue_pdu(struct load_conn *c, const struct smpp_pdu *p)
{
	long n = smpp_pdu_encode(p, 0, c->out + c->outlen,
				 LOAD_OUT_CAP - c->outlen);

	if (n <= 0)
		return -1;
	c->outlen += (size_t)n;
	return 0;
}

/* Writes what c has queued. Returns 0, or -1 when the connection failed. */
static int flush_out(struct load_conn *c)
{
	while (c->outoff < c->outlen) {
		ssize_t w = write(c->fd, c->out + c->outoff,
				  c->outlen - c->outoff);

		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (w <= 0)
			return -1;
		c->outoff += (size_t)w;
	}
	if (c->outoff == c->outlen)
		c->outoff = c->outlen = 0;
	return 0;
}

static void lat_add(struct load_lat *l, unsigned long long us)
{
	l->hist[us < LOAD_HIST_US ? us : LOAD_HIST_US]++;
	l->n++;
	if (us > l->max_us)
		l->max_us = us;
}

static void on_submit_resp(struct load_conn *c, uint32_t seq, uint32_t st,
			   unsigned long long t)
{
	unsigned long long us = (t - c->sent_ns[seq % LOAD_RING]) / 1000;

	c->outstanding--;
	g_st.resp++;
	g_st.t_last_resp = t;
	lat_add(&g_st.all, us);
	if (g_st.warmup_ns > 0 &&
	    c->sent_ns[seq % LOAD_RING] >= g_st.t_first + g_st.warmup_ns) {
		if (g_st.steady.n == 0)
			g_st.t_steady_first = c->sent_ns[seq % LOAD_RING];
		lat_add(&g_st.steady, us);
	}
	if (us > g_st.every_max_us)
		g_st.every_max_us = us;
	if (st == SMPP_ESME_ROK)
		g_st.ok++;
	else
		count_status(st);
}

static int on_deliver(struct load_conn *c, const uint8_t *p, size_t n,
		      unsigned long long t)
{
	struct smpp_pdu *d = &g_pdu;
	struct smpp_pdu r;

	if (smpp_pdu_decode(p, n, d, 0, NULL) < 0)
		return -1;
	if (d->esm_class & SMPP_ESM_DELIVERY_RECEIPT) {
		g_st.receipts++;
		g_st.t_last_dlr = t;
	} else {
		g_st.other_dlv++;
	}
	if (smpp_pdu_make_resp(d, SMPP_ESME_ROK, &r) != 0)
		return -1;
	return queue_pdu(c, &r);
}

/* Reads and handles every whole PDU. Returns 0, or -1 (closed or broken). */
static int read_in(struct load_conn *c, unsigned long long t)
{
	size_t off = 0;
	ssize_t n = read(c->fd, c->in + c->inlen, LOAD_IN_CAP - c->inlen);

	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return -1;
	c->inlen += (size_t)n;
	while (c->inlen - off >= 16) {
		const uint8_t *p = c->in + off;
		uint32_t len = be32(p), id = be32(p + 4), st = be32(p + 8);
		uint32_t seq = be32(p + 12);

		if (len < 16 || len > LOAD_IN_CAP)
			return -1;
		if (c->inlen - off < len)
			break;
		switch (id) {
		case SMPP_SUBMIT_SM_RESP:
			on_submit_resp(c, seq, st, t);
			break;
		case SMPP_BIND_TRANSCEIVER_RESP:
			if (st != SMPP_ESME_ROK) {
				fprintf(stderr, "load: bind refused: %s\n",
					smpp_status_name(st));
				return -1;
			}
			c->bound = true;
			break;
		case SMPP_DELIVER_SM:
			if (on_deliver(c, p, len, t) != 0)
				return -1;
			break;
		case SMPP_ENQUIRE_LINK: {
			struct smpp_pdu r;

			smpp_pdu_init(&r, SMPP_ENQUIRE_LINK_RESP, seq);
			if (queue_pdu(c, &r) != 0)
				return -1;
			break;
		}
		case SMPP_UNBIND:
		case SMPP_GENERIC_NACK:
			fprintf(stderr, "load: %s from the server (status %s)\n",
				smpp_command_name(id), smpp_status_name(st));
			return -1;
		default:
			break;
		}
		off += len;
	}
	memmove(c->in, c->in + off, c->inlen - off);
	c->inlen -= off;
	return 0;
}

/* Queues up to n submits on c (the template in sub, sublen octets). */
static unsigned push_submits(struct load_conn *c, const uint8_t *sub,
			     size_t sublen, unsigned n, unsigned long long t)
{
	unsigned k = 0;

	while (k < n && c->outlen + sublen <= LOAD_OUT_CAP) {
		uint8_t *p = c->out + c->outlen;

		c->seq = c->seq >= SMPP_SEQ_MAX ? 2 : c->seq + 1;
		memcpy(p, sub, sublen);
		put32(p + 12, c->seq);
		c->sent_ns[c->seq % LOAD_RING] = t;
		c->outlen += sublen;
		c->outstanding++;
		k++;
	}
	return k;
}

static unsigned long long pct_us(const struct load_lat *l, double q)
{
	unsigned long long want = (unsigned long long)((double)l->n * q);
	unsigned long long acc = 0;

	if (want == 0)
		want = 1;
	for (unsigned long long i = 0; i <= LOAD_HIST_US; i++) {
		acc += l->hist[i];
		if (acc >= want)
			return i;
	}
	return LOAD_HIST_US;
}

static void report(const struct load_opts *o)
{
	double sub_s = (double)(g_st.t_last_resp - g_st.t_first) / 1e9;
	double dlr_s = g_st.receipts == 0 ? 0 :
		       (double)(g_st.t_last_dlr - g_st.t_first) / 1e9;

	printf("binds=%u window=%u rate=%.0f count=%llu reg=%u\n", o->binds,
	       o->window, o->rate, o->count, o->reg);
	if (g_st.resp == 0)
		sub_s = 0;
	printf("submits=%llu ok=%llu seconds=%.3f submits_per_s=%.0f\n",
	       g_st.resp, g_st.ok, sub_s, sub_s > 0 ? (double)g_st.resp / sub_s : 0);
	if (g_st.resp > 0)	/* LOAD_HIST_US: that long or more */
		printf("latency_us p50=%llu p99=%llu p999=%llu max=%llu\n",
		       pct_us(&g_st.all, 0.50), pct_us(&g_st.all, 0.99),
		       pct_us(&g_st.all, 0.999), g_st.all.max_us);
	if (g_st.steady.n > 0 && g_st.t_last_resp > g_st.t_steady_first) {
		double st_s = (double)(g_st.t_last_resp - g_st.t_steady_first) / 1e9;

		printf("steady (sent %.1f s after the first on): submits=%llu "
		       "submits_per_s=%.0f latency_us p50=%llu p99=%llu "
		       "p999=%llu max=%llu\n", o->warmup_s, g_st.steady.n,
		       (double)g_st.steady.n / st_s, pct_us(&g_st.steady, 0.50),
		       pct_us(&g_st.steady, 0.99), pct_us(&g_st.steady, 0.999),
		       g_st.steady.max_us);
	}
	printf("receipts=%llu seconds=%.3f receipts_per_s=%.0f other_deliver_sm=%llu\n",
	       g_st.receipts, dlr_s, dlr_s > 0 ? (double)g_st.receipts / dlr_s : 0,
	       g_st.other_dlv);
	for (unsigned i = 0; i < g_st.nst; i++)
		printf("refused status=%s (0x%x) n=%llu\n",
		       smpp_status_name(g_st.st_code[i]), g_st.st_code[i],
		       g_st.st_n[i]);
}

static int make_conns(const struct load_opts *o, struct load_conn *cs)
{
	struct smpp_pdu *p = &g_pdu;

	for (unsigned i = 0; i < o->binds; i++) {
		struct load_conn *c = &cs[i];

		c->fd = dial(o->host, o->port);
		c->in = malloc(LOAD_IN_CAP);
		c->out = malloc(LOAD_OUT_CAP);
		c->sent_ns = calloc(LOAD_RING, sizeof(*c->sent_ns));
		if (c->fd == -1 || c->in == NULL || c->out == NULL ||
		    c->sent_ns == NULL) {
			fprintf(stderr, "load: cannot connect to %s:%d\n",
				o->host, o->port);
			return -1;
		}
		smpp_pdu_init(p, SMPP_BIND_TRANSCEIVER, 1);
		c->seq = 1;
		snprintf(p->system_id, sizeof(p->system_id), "%s", o->system_id);
		snprintf(p->password, sizeof(p->password), "%s", o->password);
		p->interface_version = SMPP_VERSION_34;
		if (queue_pdu(c, p) != 0 || flush_out(c) != 0)
			return -1;
		fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
	}
	/* Every bind answered before the clock starts. */
	for (unsigned i = 0; i < o->binds; i++) {
		struct pollfd pf = { .fd = cs[i].fd, .events = POLLIN };

		while (!cs[i].bound) {
			if (poll(&pf, 1, 10000) <= 0 ||
			    read_in(&cs[i], now_ns()) != 0) {
				fprintf(stderr, "load: bind %u failed\n", i);
				return -1;
			}
		}
	}
	return 0;
}

static long make_submit(const struct load_opts *o, uint8_t *buf, size_t cap)
{
	struct smpp_pdu *p = &g_pdu;

	smpp_pdu_init(p, SMPP_SUBMIT_SM, 0);
	p->source_addr_ton = SMPP_TON_ALPHANUMERIC;
	snprintf(p->source_addr, sizeof(p->source_addr), "BENCH");
	p->dest_addr_ton = SMPP_TON_INTERNATIONAL;
	p->dest_addr_npi = SMPP_NPI_ISDN;
	snprintf(p->destination_addr, sizeof(p->destination_addr), "%s", o->dest);
	p->registered_delivery = (uint8_t)o->reg;
	p->sm_length = 40;
	memcpy(p->short_message, "Hermod SMPP server load test message 0001", 40);
	return smpp_pdu_encode(p, 0, buf, cap);
}

static int run(const struct load_opts *o, struct load_conn *cs,
	       struct pollfd *pf)
{
	uint8_t sub[512];
	long sublen = make_submit(o, sub, sizeof(sub));
	unsigned long long t = now_ns(), last_t = t, every_t = t, idle_since = 0;
	unsigned long long last_resp = 0, last_dlr = 0, want_dlr;
	double tokens = 0, burst;
	unsigned rr = 0;

	if (sublen <= 0)
		return -1;
	burst = o->rate > 0 ? o->rate / 100 : 0;	/* 10 ms of credit */
	if (burst < o->binds)
		burst = o->binds;
	g_st.t_first = t;
	for (;;) {
		t = now_ns();
		if (o->rate > 0) {
			tokens += (double)(t - last_t) * o->rate / 1e9;
			if (tokens > burst)
				tokens = burst;
		}
		last_t = t;
		/* Submits: round robin from rr so pacing is fair. */
		for (unsigned k = 0; k < o->binds && g_st.sent < o->count; k++) {
			struct load_conn *c = &cs[(rr + k) % o->binds];
			unsigned room = o->window - c->outstanding;
			unsigned long long left = o->count - g_st.sent;

			if (room > left)
				room = (unsigned)left;
			if (o->rate > 0 && room > (unsigned)tokens)
				room = (unsigned)tokens;
			if (room == 0)
				continue;
			room = push_submits(c, sub, (size_t)sublen, room, t);
			g_st.sent += room;
			if (o->rate > 0)
				tokens -= room;
		}
		rr++;
		for (unsigned i = 0; i < o->binds; i++) {
			if (flush_out(&cs[i]) != 0) {
				fprintf(stderr, "load: write failed on bind %u\n", i);
				return -1;
			}
			pf[i].fd = cs[i].fd;
			pf[i].events = POLLIN | (cs[i].outlen ? POLLOUT : 0);
			pf[i].revents = 0;
		}
		if (poll(pf, o->binds, o->rate > 0 ? 1 : 100) == -1 &&
		    errno != EINTR)
			return -1;
		t = now_ns();
		for (unsigned i = 0; i < o->binds; i++)
			if ((pf[i].revents & (POLLIN | POLLHUP | POLLERR)) &&
			    read_in(&cs[i], t) != 0) {
				fprintf(stderr, "load: bind %u lost\n", i);
				return -1;
			}
		if (o->every_s > 0 && t - every_t >= (unsigned long long)(o->every_s * 1e9)) {
			double dt = (double)(t - every_t) / 1e9;

			fprintf(stderr, "load: t=%.1fs submits/s=%.0f receipts/s=%.0f "
				"outstanding=%llu max_ms=%.1f\n",
				(double)(t - g_st.t_first) / 1e9,
				(double)(g_st.resp - last_resp) / dt,
				(double)(g_st.receipts - last_dlr) / dt,
				g_st.sent - g_st.resp,
				(double)g_st.every_max_us / 1000);
			g_st.every_max_us = 0;
			last_resp = g_st.resp;
			last_dlr = g_st.receipts;
			every_t = t;
		}
		if (g_st.resp < o->count)
			continue;
		/* All answered: wait for the receipts (no progress for --wait). */
		want_dlr = o->count == 0 ? o->expect : o->reg ? g_st.ok : 0;
		if (g_st.receipts >= want_dlr)
			break;
		idle_since = g_st.t_first;
		if (g_st.t_last_resp > idle_since)
			idle_since = g_st.t_last_resp;
		if (g_st.t_last_dlr > idle_since)
			idle_since = g_st.t_last_dlr;
		if (t - idle_since > (unsigned long long)(o->wait_s * 1e9)) {
			fprintf(stderr, "load: gave up waiting for receipts: "
				"%llu of %llu\n", g_st.receipts, want_dlr);
			break;
		}
	}
	return 0;
}

static void unbind_all(const struct load_opts *o, struct load_conn *cs)
{
	for (unsigned i = 0; i < o->binds; i++) {
		struct smpp_pdu *p = &g_pdu;

		smpp_pdu_init(p, SMPP_UNBIND, 1);
		if (queue_pdu(&cs[i], p) == 0)
			flush_out(&cs[i]);
		close(cs[i].fd);
		free(cs[i].in);
		free(cs[i].out);
		free(cs[i].sent_ns);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "host", 1, NULL, 'h' }, { "port", 1, NULL, 'p' },
		{ "system-id", 1, NULL, 's' }, { "password", 1, NULL, 'P' },
		{ "binds", 1, NULL, 'b' }, { "window", 1, NULL, 'w' },
		{ "count", 1, NULL, 'n' }, { "rate", 1, NULL, 'r' },
		{ "reg", 1, NULL, 'R' }, { "wait", 1, NULL, 'W' },
		{ "dest", 1, NULL, 'd' }, { "every", 1, NULL, 'e' },
		{ "expect", 1, NULL, 'x' }, { "warmup", 1, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	struct load_opts o = {
		.host = "127.0.0.1", .system_id = "bench", .password = "bench",
		.dest = "447700900123", .port = 2775, .binds = 4, .window = 64,
		.count = 100000, .reg = 1, .wait_s = 30, .every_s = 0,
	};
	struct load_conn *cs;
	struct pollfd *pf;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'h': o.host = optarg; break;
		case 'p': o.port = atoi(optarg); break;
		case 's': o.system_id = optarg; break;
		case 'P': o.password = optarg; break;
		case 'b': o.binds = (unsigned)atoi(optarg); break;
		case 'w': o.window = (unsigned)atoi(optarg); break;
		case 'n': o.count = strtoull(optarg, NULL, 10); break;
		case 'r': o.rate = atof(optarg); break;
		case 'R': o.reg = (unsigned)atoi(optarg); break;
		case 'W': o.wait_s = atof(optarg); break;
		case 'd': o.dest = optarg; break;
		case 'e': o.every_s = atof(optarg); break;
		case 'x': o.expect = strtoull(optarg, NULL, 10); break;
		case 'u': o.warmup_s = atof(optarg); break;
		default: return 2;
		}
	}
	g_st.warmup_ns = o.warmup_s > 0 ? (unsigned long long)(o.warmup_s * 1e9) : 0;
	if (o.binds == 0 || o.window == 0 || o.window >= LOAD_RING ||
	    (o.count == 0 && o.expect == 0)) {
		fprintf(stderr, "load: need --binds >= 1, 1 <= --window < %d, "
			"--count >= 1 or --expect >= 1\n", LOAD_RING);
		return 2;
	}
	cs = calloc(o.binds, sizeof(*cs));
	pf = calloc(o.binds, sizeof(*pf));
	if (cs == NULL || pf == NULL || make_conns(&o, cs) != 0)
		return 1;
	rc = run(&o, cs, pf);
	report(&o);
	unbind_all(&o, cs);
	free(cs);
	free(pf);
	return rc == 0 ? 0 : 1;
}
