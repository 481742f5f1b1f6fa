/*
 * bb_server_binds — opens many SMPP binds to the bearerbox's SMPP server and
 * holds them idle, for test/bench/bb_server_binds.sh (memory per idle bind,
 * most concurrent binds). Not run by make check.
 *
 *   bb_server_binds PORT COUNT ACCOUNTS PASSWORD HOLD_S
 *
 * Binds COUNT transceivers as accounts b0 .. b(ACCOUNTS-1) in turn, 200 at a
 * time (connect + bind_transceiver, then read every bind_transceiver_resp),
 * prints "bound N refused N failed N seconds S", answers nothing else, holds
 * the connections HOLD_S seconds and exits (closing them all).
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "shared/codec/smpp_pdu.h"

#define BATCH 200

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int open_bind(int port, const char *acct, const char *pw, uint32_t seq)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct timeval tv = { .tv_sec = 20 };
	struct smpp_pdu *p = calloc(1, sizeof(*p));
	uint8_t buf[128];
	long n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (p == NULL || fd == -1 ||
	    connect(fd, (struct sockaddr *)&a, sizeof(a)) == -1)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	smpp_pdu_init(p, SMPP_BIND_TRANSCEIVER, seq);
	snprintf(p->system_id, sizeof(p->system_id), "%s", acct);
	snprintf(p->password, sizeof(p->password), "%s", pw);
	p->interface_version = SMPP_VERSION_34;
	n = smpp_pdu_encode(p, 0, buf, sizeof(buf));
	if (n <= 0 || write(fd, buf, (size_t)n) != n)
		goto fail;
	free(p);
	return fd;
fail:
	free(p);
	if (fd != -1)
		close(fd);
	return -1;
}

/* Reads the bind response: its status, or -1. */
static long read_resp(int fd)
{
	uint8_t h[SMPP_HEADER_LEN], body[256];
	size_t got = 0;
	uint32_t len;

	while (got < sizeof(h)) {
		ssize_t r = read(fd, h + got, sizeof(h) - got);

		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	len = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
	if (len < SMPP_HEADER_LEN || len - SMPP_HEADER_LEN > sizeof(body))
		return -1;
	for (got = 0; got < len - SMPP_HEADER_LEN;) {
		ssize_t r = read(fd, body + got, len - SMPP_HEADER_LEN - got);

		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return (long)((uint32_t)h[8] << 24 | (uint32_t)h[9] << 16 |
		      (uint32_t)h[10] << 8 | h[11]);
}

int main(int argc, char **argv)
{
	int port, count, accts, hold, bound = 0, refused = 0, failed = 0;
	int *fds, i, j;
	char name[16];
	double t0;

	if (argc != 6) {
		fprintf(stderr, "usage: %s PORT COUNT ACCOUNTS PASSWORD HOLD_S\n",
			argv[0]);
		return 2;
	}
	port = atoi(argv[1]);
	count = atoi(argv[2]);
	accts = atoi(argv[3]);
	hold = atoi(argv[5]);
	fds = calloc((size_t)(count > 0 ? count : 1), sizeof(*fds));
	if (fds == NULL || accts <= 0)
		return 2;
	t0 = now_s();
	for (i = 0; i < count; i += BATCH) {
		int end = i + BATCH < count ? i + BATCH : count;

		for (j = i; j < end; j++) {
			snprintf(name, sizeof(name), "b%d", j % accts);
			fds[j] = open_bind(port, name, argv[4], (uint32_t)j + 1);
		}
		for (j = i; j < end; j++) {
			long st = fds[j] == -1 ? -1 : read_resp(fds[j]);

			if (st == 0) {
				bound++;
				continue;
			}
			if (st > 0)
				refused++;
			else
				failed++;
			if (fds[j] != -1)
				close(fds[j]);
			fds[j] = -1;
		}
	}
	printf("bound %d refused %d failed %d seconds %.2f\n", bound, refused,
	       failed, now_s() - t0);
	fflush(stdout);
	sleep((unsigned)hold);
	for (i = 0; i < count; i++)
		if (fds[i] != -1)
			close(fds[i]);
	free(fds);
	return bound == count ? 0 : 1;
}
