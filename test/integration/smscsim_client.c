/*
 * smscsim_client — a small blocking SMPP ESME for smscsim's integration test.
 * Binds, submits N messages within a window, answers deliver_sm (receipts and
 * MO) and enquire_link, checks each receipt against the ids it was given, and
 * prints one summary line of key=value counters. Exit 0 when every expectation
 * given on the command line was met before the timeout, 1 otherwise.
 * Usage: smscsim_client --port N [--system-id S] [--password P]
 *   [--bind tx|rx|trx] [--version 0x34|0x33] [--count N] [--window W]
 *   [--text T] [--reg R] [--src A] [--dst A] [--expect-bind STATUS]
 *   [--expect-dlr N] [--expect-mo N] [--wait-close] [--linger-ms MS]
 *   [--timeout-ms MS]
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
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

#define MAX_IDS 100000

struct client {
	int fd;
	int port;
	const char *system_id, *password, *text, *src, *dst;
	uint32_t bind_id;
	uint8_t version;
	unsigned count, window, reg, expect_dlr, expect_mo;
	long expect_bind;
	bool wait_close, closed;
	int timeout_ms;
	int linger_ms;
	uint32_t seq;
	unsigned sent, outstanding, resp_ok, resp_err, dlr, dlr_known,
		 dlr_tlv_ok, dlr_interim, mo, enquire;
	unsigned dlr_state[9];
	uint32_t last_err;
	long bind_status;
	char (*ids)[65];
	unsigned nids;
	uint8_t in[1 << 20];
	size_t inlen;
	struct smpp_pdu pdu;
	uint8_t wbuf[1 << 16];
	size_t wlen;
};

static const char *const stat_words[9] = {
	"", "ENROUTE", "DELIVRD", "EXPIRED", "DELETED", "UNDELIV", "ACCEPTD",
	"UNKNOWN", "REJECTD",
};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void flush_out(struct client *c)
{
	size_t off = 0;

	while (off < c->wlen) {
		ssize_t n = write(c->fd, c->wbuf + off, c->wlen - off);

		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			c->closed = true;
			break;
		}
		off += (size_t)n;
	}
	c->wlen = 0;
}

static void queue_pdu(struct client *c, const struct smpp_pdu *p)
{
	long n;

	if (sizeof(c->wbuf) - c->wlen < 2048)
		flush_out(c);
	n = smpp_pdu_encode(p, c->version < 0x34 ? SMPP_F_V33 : 0,
			    c->wbuf + c->wlen, sizeof(c->wbuf) - c->wlen);
	if (n < 0) {
		fprintf(stderr, "client: encode failed %ld\n", n);
		exit(1);
	}
	c->wlen += (size_t)n;
}

static void send_resp(struct client *c, const struct smpp_pdu *req)
{
	static struct smpp_pdu r;

	if (smpp_pdu_make_resp(req, SMPP_ESME_ROK, &r) == 0)
		queue_pdu(c, &r);
}

static bool id_known(struct client *c, const char *id)
{
	for (unsigned i = c->nids; i-- > 0;)
		if (strcmp(c->ids[i], id) == 0)
			return true;
	return false;
}

/* A receipt: stat word and id from the text, cross-checked with TLVs. */
static void on_receipt(struct client *c, const struct smpp_pdu *p)
{
	char text[256], id[65] = "", *k;
	unsigned st;

	memcpy(text, p->short_message, p->sm_length);
	text[p->sm_length] = '\0';
	c->dlr++;
	if ((k = strstr(text, "id:")) != NULL)
		sscanf(k + 3, "%64s", id);
	if (id_known(c, id))
		c->dlr_known++;
	k = strstr(text, "stat:");
	for (st = 1; k != NULL && st < 9; st++)
		if (strncmp(k + 5, stat_words[st], 7) == 0)
			break;
	if (k == NULL || st == 9) {
		printf("bad receipt text: %s\n", text);
		return;
	}
	c->dlr_state[st]++;
	if (smpp_tlv_has(&p->tlv, SMPP_TI_MESSAGE_STATE) &&
	    p->tlv.message_state == st &&
	    strcmp(p->tlv.receipted_message_id, id) == 0)
		c->dlr_tlv_ok++;
}

static void on_mo(struct client *c, const struct smpp_pdu *p)
{
	size_t h = 0;

	c->mo++;
	printf("mo src=%s dst=%s esm=0x%02x", p->source_addr, p->destination_addr,
	       p->esm_class);
	if ((p->esm_class & SMPP_ESM_UDHI) && p->sm_length > 0) {
		h = (size_t)p->short_message[0] + 1;
		printf(" udh=");
		for (size_t i = 0; i < h && i < p->sm_length; i++)
			printf("%02X", p->short_message[i]);
	}
	printf(" len=%zu text=", p->sm_length - (h < p->sm_length ? h : p->sm_length));
	for (size_t i = h; i < p->sm_length; i++)
		putchar(p->short_message[i] >= 0x20 && p->short_message[i] < 0x7F ?
			p->short_message[i] : '.');
	putchar('\n');
}

static void on_pdu(struct client *c, const struct smpp_pdu *p)
{
	switch (p->command_id) {
	case SMPP_BIND_TRANSMITTER_RESP:
	case SMPP_BIND_RECEIVER_RESP:
	case SMPP_BIND_TRANSCEIVER_RESP:
		c->bind_status = p->command_status;
		break;
	case SMPP_SUBMIT_SM_RESP:
		if (c->outstanding > 0)
			c->outstanding--;
		if (p->command_status != SMPP_ESME_ROK) {
			c->resp_err++;
			c->last_err = p->command_status;
		} else {
			c->resp_ok++;
			if (c->nids < MAX_IDS)
				memcpy(c->ids[c->nids++], p->message_id, 65);
		}
		break;
	case SMPP_DELIVER_SM:
		if ((p->esm_class & SMPP_ESM_TYPE_MASK) == SMPP_ESM_DELIVERY_RECEIPT)
			on_receipt(c, p);
		else if ((p->esm_class & SMPP_ESM_TYPE_MASK) ==
			 SMPP_ESM_INTERMEDIATE) {
			c->dlr_interim++;
			on_receipt(c, p);
		}
		else
			on_mo(c, p);
		send_resp(c, p);
		break;
	case SMPP_ENQUIRE_LINK:
		c->enquire++;
		send_resp(c, p);
		break;
	case SMPP_UNBIND:
		send_resp(c, p);
		break;
	default:
		break;
	}
}

/* Reads what is there (waiting up to wait_ms) and handles whole PDUs. */
static void pump(struct client *c, int wait_ms)
{
	struct pollfd pfd = { c->fd, POLLIN, 0 };
	struct smpp_error err;
	ssize_t n;
	size_t off = 0;
	long len;

	flush_out(c);
	if (c->closed || poll(&pfd, 1, wait_ms) <= 0)
		return;
	n = read(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen);
	if (n <= 0) {
		if (n == -1 && errno == EINTR)
			return;
		c->closed = true;
		return;
	}
	c->inlen += (size_t)n;
	while ((len = smpp_pdu_frame(c->in + off, c->inlen - off, 70000, &err)) > 0) {
		if (smpp_pdu_decode(c->in + off, (size_t)len, &c->pdu,
				    c->version < 0x34 ? SMPP_F_V33 : 0, &err) > 0)
			on_pdu(c, &c->pdu);
		else
			printf("undecodable pdu status=0x%x\n", err.status);
		off += (size_t)len;
	}
	if (len < 0) {
		printf("bad framing\n");
		c->closed = true;
	}
	memmove(c->in, c->in + off, c->inlen - off);
	c->inlen -= off;
}

static uint32_t next_seq(struct client *c)
{
	return ++c->seq;
}

static void send_submit(struct client *c)
{
	struct smpp_pdu *p = &c->pdu;
	size_t n = strlen(c->text);

	smpp_pdu_init(p, SMPP_SUBMIT_SM, next_seq(c));
	p->source_addr_ton = 1;
	p->source_addr_npi = 1;
	snprintf(p->source_addr, 21, "%s", c->src);
	p->dest_addr_ton = 1;
	p->dest_addr_npi = 1;
	snprintf(p->destination_addr, 21, "%s", c->dst);
	p->registered_delivery = (uint8_t)c->reg;
	p->sm_length = (uint8_t)(n > SMPP_SM_MAX ? SMPP_SM_MAX : n);
	memcpy(p->short_message, c->text, p->sm_length);
	queue_pdu(c, p);
	c->sent++;
	c->outstanding++;
}

static bool done(const struct client *c)
{
	if (c->bind_status < 0)
		return false;
	if (c->bind_status != 0)
		return true;
	return c->sent == c->count && c->outstanding == 0 &&
		c->dlr >= c->expect_dlr && c->mo >= c->expect_mo && !c->wait_close;
}

static void run(struct client *c)
{
	long deadline = now_ms() + c->timeout_ms;
	struct smpp_pdu *p = &c->pdu;

	smpp_pdu_init(p, c->bind_id, next_seq(c));
	snprintf(p->system_id, sizeof(p->system_id), "%s", c->system_id);
	snprintf(p->password, sizeof(p->password), "%s", c->password);
	p->interface_version = c->version;
	queue_pdu(c, p);
	while (!c->closed && !done(c) && now_ms() < deadline) {
		while (c->bind_status == 0 && c->sent < c->count &&
		       c->outstanding < c->window)
			send_submit(c);
		pump(c, 50);
	}
	for (long end = now_ms() + c->linger_ms; !c->closed && now_ms() < end;)
		pump(c, 20);
	if (!c->closed && c->bind_status == 0) {
		smpp_pdu_init(p, SMPP_UNBIND, next_seq(c));
		queue_pdu(c, p);
		pump(c, 200);
	}
}

static int connect_to(int port)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static void parse(struct client *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", 1, NULL, 'p' }, { "system-id", 1, NULL, 's' },
		{ "password", 1, NULL, 'w' }, { "bind", 1, NULL, 'b' },
		{ "version", 1, NULL, 'v' }, { "count", 1, NULL, 'n' },
		{ "window", 1, NULL, 'W' }, { "text", 1, NULL, 't' },
		{ "reg", 1, NULL, 'r' }, { "expect-dlr", 1, NULL, 'd' },
		{ "expect-mo", 1, NULL, 'm' }, { "expect-bind", 1, NULL, 'B' },
		{ "wait-close", 0, NULL, 'c' }, { "timeout-ms", 1, NULL, 'T' },
		{ "src", 1, NULL, 'S' }, { "dst", 1, NULL, 'D' },
		{ "linger-ms", 1, NULL, 'L' },
		{ NULL, 0, NULL, 0 },
	};
	int o;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'p': c->port = atoi(optarg); break;
		case 's': c->system_id = optarg; break;
		case 'w': c->password = optarg; break;
		case 'b':
			c->bind_id = strcmp(optarg, "tx") == 0 ? SMPP_BIND_TRANSMITTER :
				strcmp(optarg, "rx") == 0 ? SMPP_BIND_RECEIVER :
				SMPP_BIND_TRANSCEIVER;
			break;
		case 'v': c->version = (uint8_t)strtoul(optarg, NULL, 0); break;
		case 'n': c->count = (unsigned)atoi(optarg); break;
		case 'W': c->window = (unsigned)atoi(optarg); break;
		case 't': c->text = optarg; break;
		case 'r': c->reg = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'd': c->expect_dlr = (unsigned)atoi(optarg); break;
		case 'm': c->expect_mo = (unsigned)atoi(optarg); break;
		case 'B': c->expect_bind = strtol(optarg, NULL, 0); break;
		case 'c': c->wait_close = true; break;
		case 'T': c->timeout_ms = atoi(optarg); break;
		case 'S': c->src = optarg; break;
		case 'D': c->dst = optarg; break;
		case 'L': c->linger_ms = atoi(optarg); break;
		default: exit(2);
		}
	}
}

int main(int argc, char **argv)
{
	static struct client cl;
	struct client *c = &cl;
	bool ok;

	c->system_id = "esme";
	c->password = "secret";
	c->text = "hello";
	c->src = "447700900001";
	c->dst = "447700900123";
	c->bind_id = SMPP_BIND_TRANSCEIVER;
	c->version = 0x34;
	c->window = 10;
	c->reg = 1;
	c->timeout_ms = 10000;
	c->bind_status = -1;
	parse(c, argc, argv);
	c->ids = calloc(MAX_IDS, sizeof(*c->ids));
	c->fd = connect_to(c->port);
	if (c->ids == NULL || c->fd == -1) {
		printf("cannot connect to port %d\n", c->port);
		return 1;
	}
	run(c);
	printf("bind=%s submitted=%u resp_ok=%u resp_err=%u last_err=0x%02x dlr=%u "
	       "dlr_known=%u dlr_tlv_ok=%u dlr_interim=%u",
	       smpp_status_name((uint32_t)c->bind_status),
	       c->sent, c->resp_ok, c->resp_err, c->last_err, c->dlr, c->dlr_known,
	       c->dlr_tlv_ok, c->dlr_interim);
	for (unsigned i = 1; i < 9; i++)
		printf(" %s=%u", stat_words[i], c->dlr_state[i]);
	printf(" mo=%u enquire=%u closed=%d\n", c->mo, c->enquire, c->closed);
	ok = c->bind_status == c->expect_bind && c->outstanding == 0 &&
		c->dlr >= c->expect_dlr && c->mo >= c->expect_mo &&
		(!c->wait_close || c->closed);
	close(c->fd);
	free(c->ids);
	return ok ? 0 : 1;
}
