/*
 * smscsim_blast — submit_sm throughput benchmark against an SMPP server
 * (normally contrib/smscsim/smscsim). Not part of `make check`.
 *
 *   smscsim_blast --port N [--count N] [--window W] [--conns C] [--reg R]
 *                 [--system-id S] [--password P]
 *
 * Each of C connections (one process each) binds as a transmitter, pre-encodes
 * one submit_sm, and keeps W requests outstanding: it writes as many as the
 * window allows in one write(), then reads whatever responses are there in one
 * read(). Prints per-connection and total submits/s (first submit to last
 * submit_sm_resp).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shared/codec/smpp_pdu.h"

struct blast {
	int port;
	unsigned long count;
	unsigned window, conns, reg;
	const char *system_id, *password;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int dial(int port)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd == -1 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* Reads responses; returns submit_sm_resp seen, -1 on EOF/error. */
static long drain(int fd, uint8_t *in, size_t cap, size_t *len, long *errs,
		  uint32_t *bind_status)
{
	ssize_t n = read(fd, in + *len, cap - *len);
	size_t off = 0;
	long got = 0;

	if (n <= 0)
		return -1;
	*len += (size_t)n;
	while (*len - off >= 16) {
		uint32_t l = be32(in + off), id = be32(in + off + 4);

		if (l < 16 || l > cap)
			return -1;
		if (*len - off < l)
			break;
		if (id == SMPP_SUBMIT_SM_RESP) {
			got++;
			if (be32(in + off + 8) != 0)
				(*errs)++;
		} else if ((id & ~SMPP_RESP_BIT) <= SMPP_BIND_TRANSCEIVER && (id & SMPP_RESP_BIT)) {
			*bind_status = be32(in + off + 8);
		}
		off += l;
	}
	memmove(in, in + off, *len - off);
	*len -= off;
	return got;
}

static int run_one(const struct blast *b, unsigned idx)
{
	static uint8_t in[1 << 20], out[1 << 20];
	struct smpp_pdu *p = calloc(1, sizeof(*p));
	uint8_t sub[256];
	long sublen, errs = 0, got;
	unsigned long sent = 0, acked = 0;
	uint32_t bind_status = UINT32_MAX;
	size_t inlen = 0;
	double t0, t1;
	int fd = dial(b->port);

	if (fd == -1 || p == NULL) {
		fprintf(stderr, "blast: cannot connect to %d\n", b->port);
		return 1;
	}
	smpp_pdu_init(p, SMPP_BIND_TRANSMITTER, 1);
	snprintf(p->system_id, sizeof(p->system_id), "%s", b->system_id);
	snprintf(p->password, sizeof(p->password), "%s", b->password);
	p->interface_version = SMPP_VERSION_34;
	if (write_all(fd, out, (size_t)smpp_pdu_encode(p, 0, out, sizeof(out))) != 0)
		return 1;
	while (bind_status == UINT32_MAX)
		if (drain(fd, in, sizeof(in), &inlen, &errs, &bind_status) < 0)
			return 1;
	if (bind_status != 0) {
		fprintf(stderr, "blast: bind failed: %s\n", smpp_status_name(bind_status));
		return 1;
	}
	smpp_pdu_init(p, SMPP_SUBMIT_SM, 0);
	p->source_addr_ton = 5;
	strcpy(p->source_addr, "BENCH");
	p->dest_addr_ton = 1;
	p->dest_addr_npi = 1;
	strcpy(p->destination_addr, "447700900123");
	p->registered_delivery = (uint8_t)b->reg;
	p->sm_length = 40;
	memset(p->short_message, 'b', 40);
	sublen = smpp_pdu_encode(p, 0, sub, sizeof(sub));
	t0 = now_s();
	while (acked < b->count) {
		size_t olen = 0;

		while (sent < b->count && sent - acked < b->window &&
		       olen + (size_t)sublen <= sizeof(out)) {
			uint32_t seq = (uint32_t)(sent % SMPP_SEQ_MAX) + 1;

			memcpy(out + olen, sub, (size_t)sublen);
			out[olen + 12] = (uint8_t)(seq >> 24);
			out[olen + 13] = (uint8_t)(seq >> 16);
			out[olen + 14] = (uint8_t)(seq >> 8);
			out[olen + 15] = (uint8_t)seq;
			olen += (size_t)sublen;
			sent++;
		}
		if (olen > 0 && write_all(fd, out, olen) != 0)
			return 1;
		got = drain(fd, in, sizeof(in), &inlen, &errs, &bind_status);
		if (got < 0) {
			fprintf(stderr, "blast: connection lost after %lu\n", acked);
			return 1;
		}
		acked += (unsigned long)got;
	}
	t1 = now_s();
	printf("conn=%u submits=%lu errors=%ld window=%u seconds=%.3f rate=%.0f/s\n",
	       idx, acked, errs, b->window, t1 - t0, (double)acked / (t1 - t0));
	fflush(stdout);
	close(fd);
	free(p);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", 1, NULL, 'p' }, { "count", 1, NULL, 'n' },
		{ "window", 1, NULL, 'w' }, { "conns", 1, NULL, 'c' },
		{ "reg", 1, NULL, 'r' }, { "system-id", 1, NULL, 's' },
		{ "password", 1, NULL, 'P' }, { NULL, 0, NULL, 0 },
	};
	struct blast b = { 2775, 1000000, 100, 1, 0, "bench", "bench" };
	double t0;
	int o, rc = 0, status;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'p': b.port = atoi(optarg); break;
		case 'n': b.count = strtoul(optarg, NULL, 10); break;
		case 'w': b.window = (unsigned)atoi(optarg); break;
		case 'c': b.conns = (unsigned)atoi(optarg); break;
		case 'r': b.reg = (unsigned)atoi(optarg); break;
		case 's': b.system_id = optarg; break;
		case 'P': b.password = optarg; break;
		default: return 2;
		}
	}
	if (b.window == 0 || b.conns == 0)
		return 2;
	t0 = now_s();
	for (unsigned i = 0; i < b.conns; i++) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(run_one(&b, i));
		if (pid == -1)
			return 1;
	}
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			rc = 1;
	printf("total submits=%lu conns=%u seconds=%.3f rate=%.0f/s\n",
	       b.count * b.conns, b.conns, now_s() - t0,
	       (double)(b.count * b.conns) / (now_s() - t0));
	return rc;
}
