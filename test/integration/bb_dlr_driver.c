/*
 * bb_dlr_driver — runs the bearerbox receipt/MO API (bearerbox/bb_dlr.h) with
 * constructed PDUs against a real Redis, for test/integration/bb_dlr_*.sh.
 *
 *   bb_dlr_driver -c FILE < commands
 *
 * One command per line, run one after the other (the next starts when the
 * previous one's done callback came); each prints "N CMD status=S" on stdout:
 *   submitted LINK ENTRY ID PART OPID [DLR [ACK]] (ENTRY "-": no stream
 *                                    entry; DLR 0: no receipt asked for;
 *                                    ACK 1: an ACK event asked for)
 *   failed LINK ENTRY ID PART WORD ERR
 *   receipt LINK OPID STAT ERR             deliver_sm, esm_class 0x04, text
 *   receipt-tlv LINK OPID STATE            receipted_message_id + message_state
 *   receipt-plain LINK OPID STAT           esm_class 0, receipt text only
 *   mo LINK FROM TO DCS HEX                single part in short_message
 *   mo-payload LINK FROM TO DCS HEX        single part in message_payload
 *   mo-esm LINK FROM TO DCS ESM HEX        short_message HEX with esm_class ESM
 *   mo-udh LINK FROM TO DCS REF TOTAL SEQ HEX
 *   mo-sar LINK FROM TO DCS REF TOTAL SEQ HEX
 *   stats                                  prints the counters
 *   text DCS DCS0 HEX                      prints bb_mo_text() of HEX read
 *                                          with bb_mo_alphabet(DCS, DCS0) as
 *                                          "text A=alphabet [UTF-8]" (no Redis)
 *   timeouts CONCAT_S SWEEP_MS             bb_dlr_set_timeouts()
 *   wait-incomplete N                      until N incomplete MO were swept
 *                                          (polls every 50 ms, at most 10 s)
 *   together N                             starts the next N commands at once
 *                                          (one batch), goes on when all N
 *                                          are done
 * Exits 0 after the last command, 1 on a bad command or a refused call.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bearerbox/bb_dlr.h"
#include "bearerbox/bb_mo.h"
#include "shared/codec/smpp_pdu.h"
#include "shared/io/box.h"
#include "shared/io/log.h"
#include "shared/io/loop.h"

#define DRV_LINES 512
#define DRV_LINE_MAX 2048

static struct box box;
static struct bb_dlr *dlr;
static char *lines[DRV_LINES];
static size_t n_lines, next_line;
static bool started;
static int exit_status;
static struct smpp_pdu pdu;
static uint8_t payload[65536];

static void run_next(void);

static size_t group_wait;	/* done callbacks a "together" group waits for */
static struct loop_timer *poll_timer;
static uint64_t poll_want;
static unsigned poll_left;

static void on_poll(struct loop_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	if (bb_dlr_stats(dlr)->mo_incomplete >= poll_want) {
		printf("wait-incomplete ok\n");
	} else if (--poll_left > 0) {
		loop_timer_start(poll_timer, 50, false);
		return;
	} else {
		printf("wait-incomplete timed out\n");
		exit_status = 1;
	}
	fflush(stdout);
	run_next();
}

static void on_done(int status, void *arg)
{
	size_t n = (size_t)(uintptr_t)arg;

	printf("%zu %.*s status=%d\n", n + 1, (int)strcspn(lines[n], " \t"),
	       lines[n], status);
	fflush(stdout);
	if (group_wait > 0 && --group_wait > 0)
		return;
	run_next();
}

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = 0;

	if (strcmp(h, "-") == 0)
		return 0;
	while (h[0] != '\0' && h[1] != '\0' && n < cap) {
		unsigned v;

		if (sscanf(h, "%2x", &v) != 1)
			break;
		out[n++] = (uint8_t)v;
		h += 2;
	}
	return n;
}

static void deliver_init(const char *from, const char *to)
{
	smpp_pdu_init(&pdu, SMPP_DELIVER_SM, 1);
	snprintf(pdu.source_addr, sizeof(pdu.source_addr), "%s", from);
	snprintf(pdu.destination_addr, sizeof(pdu.destination_addr), "%s", to);
}

static void set_sm(const uint8_t *p, size_t len, bool use_payload)
{
	if (use_payload || len > SMPP_SM_MAX) {
		memmove(payload, p, len);
		pdu.tlv.message_payload.p = payload;
		pdu.tlv.message_payload.len = (uint16_t)len;
		smpp_tlv_set(&pdu.tlv, SMPP_TI_MESSAGE_PAYLOAD);
		return;
	}
	memcpy(pdu.short_message, p, len);
	pdu.sm_length = (uint8_t)len;
}

static int cmd_receipt(char **a, int n, const char *kind)
{
	char text[300];
	int len;

	if (n < 4)
		return -1;
	deliver_init("4915100000", "4930000000");
	if (strcmp(kind, "receipt-tlv") == 0) {
		pdu.esm_class = SMPP_ESM_DELIVERY_RECEIPT;
		snprintf(pdu.tlv.receipted_message_id,
			 sizeof(pdu.tlv.receipted_message_id), "%s", a[2]);
		smpp_tlv_set(&pdu.tlv, SMPP_TI_RECEIPTED_MESSAGE_ID);
		pdu.tlv.message_state = (uint8_t)atoi(a[3]);
		smpp_tlv_set(&pdu.tlv, SMPP_TI_MESSAGE_STATE);
		return 0;
	}
	pdu.esm_class = strcmp(kind, "receipt") == 0 ? SMPP_ESM_DELIVERY_RECEIPT : 0;
	len = snprintf(text, sizeof(text),
		       "id:%s sub:001 dlvrd:001 submit date:2601010000 "
		       "done date:2601010001 stat:%s err:%s text:hello",
		       a[2], a[3], n > 4 ? a[4] : "000");
	if (len < 0 || (size_t)len > SMPP_SM_MAX)
		return -1;
	set_sm((const uint8_t *)text, (size_t)len, false);
	return 0;
}

static int cmd_mo(char **a, int n, const char *kind)
{
	uint8_t data[65536];
	size_t len, off = 0;
	bool multi = strcmp(kind, "mo-udh") == 0 || strcmp(kind, "mo-sar") == 0;

	if (n < (multi ? 9 : 6))
		return -1;
	deliver_init(a[2], a[3]);
	pdu.data_coding = (uint8_t)strtoul(a[4], NULL, 0);
	if (strcmp(kind, "mo-esm") == 0) {
		if (n < 7)
			return -1;
		pdu.esm_class = (uint8_t)strtoul(a[5], NULL, 0);
		len = unhex(a[6], data, sizeof(data));
		set_sm(data, len, false);
		return 0;
	}
	if (strcmp(kind, "mo-udh") == 0) {
		data[0] = 5;
		data[1] = 0;
		data[2] = 3;
		data[3] = (uint8_t)atoi(a[5]);
		data[4] = (uint8_t)atoi(a[6]);
		data[5] = (uint8_t)atoi(a[7]);
		off = 6;
		pdu.esm_class = SMPP_ESM_UDHI;
	} else if (strcmp(kind, "mo-sar") == 0) {
		pdu.tlv.sar_msg_ref_num = (uint16_t)atoi(a[5]);
		pdu.tlv.sar_total_segments = (uint8_t)atoi(a[6]);
		pdu.tlv.sar_segment_seqnum = (uint8_t)atoi(a[7]);
		smpp_tlv_set(&pdu.tlv, SMPP_TI_SAR_MSG_REF_NUM);
		smpp_tlv_set(&pdu.tlv, SMPP_TI_SAR_TOTAL_SEGMENTS);
		smpp_tlv_set(&pdu.tlv, SMPP_TI_SAR_SEGMENT_SEQNUM);
	}
	len = off + unhex(a[multi ? 8 : 5], data + off, sizeof(data) - off);
	set_sm(data, len, strcmp(kind, "mo-payload") == 0);
	return 0;
}

static void print_stats(void)
{
	const struct bb_dlr_stats *s = bb_dlr_stats(dlr);

	printf("stats matched=%" PRIu64 " unmatched=%" PRIu64 " early=%" PRIu64
	       " bad=%" PRIu64 " events=%" PRIu64 " mo=%" PRIu64
	       " mo_pending=%" PRIu64 " mo_unknown=%" PRIu64
	       " mo_incomplete=%" PRIu64 " errors=%" PRIu64 "\n",
	       s->receipts_matched, s->receipts_unmatched, s->receipts_early,
	       s->receipts_bad, s->events, s->mo_complete, s->mo_parts_pending,
	       s->mo_unknown_number, s->mo_incomplete, s->redis_errors);
	fflush(stdout);
}

/* Starts line i; returns 0 when a done callback will follow. */
static int run_line(size_t i)
{
	char copy[DRV_LINE_MAX], *a[12], *save = NULL;
	int n = 0;
	void *arg = (void *)(uintptr_t)i;

	snprintf(copy, sizeof(copy), "%s", lines[i]);
	for (char *t = strtok_r(copy, " \t", &save); t != NULL && n < 12;
	     t = strtok_r(NULL, " \t", &save))
		a[n++] = t;
	if (n == 0)
		return 1;
	if (strcmp(a[0], "stats") == 0) {
		print_stats();
		return 1;
	}
	if (strcmp(a[0], "text") == 0 && n == 4) {
		uint8_t in[1024];
		char out[3 * sizeof(in) + 1];
		size_t len = unhex(a[3], in, sizeof(in));
		enum bb_mo_alphabet al = bb_mo_alphabet(
			(uint8_t)strtoul(a[1], NULL, 0), (enum bb_mo_dcs0)atoi(a[2]));
		int k = bb_mo_text(al, in, len, out, sizeof(out));

		if (k < 0 || (size_t)k != strlen(out) ||
		    bb_mo_text(al, in, len, out, (size_t)k) != BB_MO_E_SPACE)
			return -1;
		bb_mo_text(al, in, len, out, sizeof(out));
		printf("text %d [%s]\n", (int)al, out);
		fflush(stdout);
		return 1;
	}
	if (strcmp(a[0], "timeouts") == 0 && n == 3) {
		bb_dlr_set_timeouts(dlr, (unsigned)atoi(a[1]), (unsigned)atoi(a[2]));
		return 1;
	}
	if (strcmp(a[0], "wait-incomplete") == 0 && n == 2) {
		poll_want = strtoull(a[1], NULL, 10);
		poll_left = 200;
		return loop_timer_start(poll_timer, 50, false);
	}
	if (strcmp(a[0], "submitted") == 0 && n >= 6 && n <= 8)
		return bb_dlr_submitted(dlr, a[1], strcmp(a[2], "-") ? a[2] : NULL,
					a[3], atoi(a[4]),
					n == 6 || strcmp(a[6], "0") != 0,
					n == 8 && strcmp(a[7], "0") != 0, a[5],
					on_done, arg);
	if (strcmp(a[0], "failed") == 0 && n == 7)
		return bb_dlr_part_failed(dlr, a[1], strcmp(a[2], "-") ? a[2] : NULL,
					  a[3], atoi(a[4]), a[5], atoi(a[6]),
					  on_done, arg);
	if (strncmp(a[0], "receipt", 7) == 0) {
		if (cmd_receipt(a, n, a[0]) != 0)
			return -1;
	} else if (strncmp(a[0], "mo", 2) == 0) {
		if (cmd_mo(a, n, a[0]) != 0)
			return -1;
	} else {
		return -1;
	}
	return bb_dlr_deliver(dlr, a[1], &pdu, on_done, arg);
}

static void run_next(void)
{
	while (next_line < n_lines) {
		size_t i = next_line++;
		int rc;

		if (strncmp(lines[i], "together ", 9) == 0) {
			size_t k = strtoul(lines[i] + 9, NULL, 10);

			for (rc = 1; k > 0 && next_line < n_lines && rc >= 0; k--) {
				i = next_line++;
				rc = run_line(i);
				if (rc == 0)
					group_wait++;
			}
			if (rc < 0) {
				fprintf(stderr, "command %zu refused: %s\n", i + 1,
					lines[i]);
				exit_status = 1;
				next_line = n_lines;
			}
			if (group_wait > 0)
				return;	/* the last done callback goes on */
			if (rc < 0)
				break;
			continue;
		}
		rc = run_line(i);

		if (rc == 0)
			return;
		if (rc < 0) {
			fprintf(stderr, "command %zu refused: %s\n", i + 1, lines[i]);
			exit_status = 1;
			break;
		}
	}
	box_exit(&box);
}

static void on_redis(bool up, void *arg)
{
	(void)arg;
	if (up && !started) {
		started = true;
		run_next();
	}
}

static int read_lines(void)
{
	char buf[DRV_LINE_MAX];

	while (n_lines < DRV_LINES && fgets(buf, sizeof(buf), stdin) != NULL) {
		buf[strcspn(buf, "\r\n")] = '\0';
		if (buf[0] == '\0' || buf[0] == '#')
			continue;
		lines[n_lines] = strdup(buf);
		if (lines[n_lines] == NULL)
			return -1;
		n_lines++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int status;

	if (box_init(&box, "bb_dlr_driver", argc, argv, NULL, &status) != 0)
		return status;
	if (read_lines() != 0)
		return 1;
	dlr = bb_dlr_new(&box, box.conf);
	if (dlr == NULL)
		return 1;
	poll_timer = loop_timer_new(box.loop, on_poll, NULL);
	if (poll_timer == NULL)
		return 1;
	box.on_redis = on_redis;
	status = box_run(&box);
	loop_timer_free(poll_timer);
	bb_dlr_free(dlr);
	box_fini(&box);
	for (size_t i = 0; i < n_lines; i++)
		free(lines[i]);
	return status != 0 ? status : exit_status;
}
