/*
 * bb_qload — writes, as Redis protocol on stdout for `redis-cli --pipe`, N
 * single-part messages as the accept step stores them: a P:msg:ID record
 * (parts, rpt, the packed m of shared/codec/msgrec) and a packed entry
 * (shared/codec/qentry) on P:q:LINK. For test/bench only.
 *
 *   bb_qload PREFIX LINK N [DLR]   e.g. bb_qload '{b}' bench 100000 1
 * Ids are b1..bN; recipients 4477 followed by 10000000 + i.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shared/codec/msgrec.h"
#include "shared/codec/qentry.h"

static void cmd(int argc, const char *const *argv, const size_t *len)
{
	printf("*%d\r\n", argc);
	for (int i = 0; i < argc; i++) {
		printf("$%zu\r\n", len[i]);
		fwrite(argv[i], 1, len[i], stdout);
		fputs("\r\n", stdout);
	}
}

int main(int argc, char **argv)
{
	char key[128], qkey[128], id[32], to[32], ts[32], text[64];
	uint8_t packed[512], rec[512];
	struct qentry e;
	struct msgrec mr;
	struct timespec now;
	long n, dlr;

	if (argc < 4 || (n = strtol(argv[3], NULL, 10)) < 1) {
		fprintf(stderr, "usage: bb_qload PREFIX LINK N [DLR]\n");
		return 2;
	}
	dlr = argc > 4 ? strtol(argv[4], NULL, 10) : 1;
	clock_gettime(CLOCK_REALTIME, &now);
	snprintf(ts, sizeof(ts), "%lld",
		 (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000);
	snprintf(qkey, sizeof(qkey), "%s:q:%s", argv[1], argv[2]);
	memset(&e, 0, sizeof(e));
	e.flags = dlr ? QENTRY_DLR : 0;
	e.part = e.parts = 1;
	e.ts = (uint64_t)strtoll(ts, NULL, 10);
	e.validity = -1;
	e.acct.p = (const uint8_t *)"bench";
	e.acct.len = 5;
	e.from.p = (const uint8_t *)"Hermod";
	e.from.len = 6;
	e.origin.p = (const uint8_t *)"http";
	e.origin.len = 4;
	memset(&mr, 0, sizeof(mr));
	mr.flags = dlr ? MSGREC_DLR : 0;
	mr.ts = e.ts;
	mr.acct = e.acct;
	mr.from = e.from;
	mr.origin = e.origin;
	mr.link.p = (const uint8_t *)argv[2];
	mr.link.len = strlen(argv[2]);
	for (long i = 1; i <= n; i++) {
		const char *h[] = { "HSET", key, "parts", "1", "m", (const char *)rec,
				    "rpt", "http" };
		const char *x[] = { "XADD", qkey, "*", "id", id, "to", to, "m",
				    (const char *)packed };
		size_t xl[9], hl[8];
		long m, r;

		snprintf(id, sizeof(id), "b%ld", i);
		snprintf(to, sizeof(to), "4477%ld", 10000000 + i);
		snprintf(key, sizeof(key), "%s:msg:%s", argv[1], id);
		snprintf(text, sizeof(text), "benchmark message %ld", i);
		e.data.p = (const uint8_t *)text;
		e.data.len = strlen(text);
		m = qentry_encode(&e, packed, sizeof(packed));
		mr.to.p = (const uint8_t *)to;
		mr.to.len = strlen(to);
		r = msgrec_encode(&mr, rec, sizeof(rec));
		if (m < 0 || r < 0) {
			fprintf(stderr, "bb_qload: %s\n", m < 0 ? qentry_strerror(m) :
				msgrec_strerror(r));
			return 1;
		}
		for (int k = 0; k < 8; k++)
			hl[k] = strlen(h[k]);
		hl[5] = (size_t)r;
		cmd(dlr ? 8 : 6, h, hl);
		for (int k = 0; k < 8; k++)
			xl[k] = strlen(x[k]);
		xl[8] = (size_t)m;
		cmd(9, x, xl);
	}
	return fflush(stdout) == 0 ? 0 : 1;
}
