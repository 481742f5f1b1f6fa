/*
 * Unit tests for modembox/mb_modem: the start-up dialogue (with and without a
 * PIN, +CNMI fallback, failures and the retry), sending with the prompt, +CMS
 * ERROR classes and the reset after repeated failures, +CMTI / +CDSI reads
 * with storage switching, direct +CMT / +CDS, +CMGL at start-up, and deletes,
 * all as byte transcripts (the §4 exchange and §5.1 PDUs of protocols.md).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "modembox/mb_modem.h"
#include "shared/codec/tpdu.h"

/* protocols.md §5.1: a SUBMIT (P3), DELIVERs (P4, P2), a STATUS-REPORT (P5) */
#define P3 "07911326040000F0310D0B911326880736F40000A90FF7FBDD454E87CDE1B0DB357EB701"
#define P4 "06917228195339040B917228214365F700003130805120618005D4F29C2E03"
#define P5 "0006D60B911326880736F4111011719551401110117195714000"

static struct rec {
	char out[8192];
	size_t out_len;
	unsigned long timer;
	int timer_calls;
	enum mb_modem_state states[16];
	int n_states;
	int idle;
	int sent_mr, sent;
	int failed, failed_code;
	bool failed_temp;
	int inbound;
	enum mb_modem_pdu in_kind;
	char in_mem[4];
	int in_index;
	size_t in_len;
} R;

static void r_write(void *arg, const void *p, size_t len)
{
	(void)arg;
	assert_true(R.out_len + len < sizeof(R.out));
	memcpy(R.out + R.out_len, p, len);
	R.out_len += len;
	R.out[R.out_len] = '\0';
}

static void r_timer(void *arg, unsigned long ms)
{
	(void)arg;
	R.timer = ms;
	R.timer_calls++;
}

static void r_state(void *arg, enum mb_modem_state s)
{
	(void)arg;
	if (R.n_states < 16)
		R.states[R.n_states++] = s;
}

static void r_idle(void *arg)
{
	(void)arg;
	R.idle++;
}

static void r_sent(void *arg, int mr)
{
	(void)arg;
	R.sent++;
	R.sent_mr = mr;
}

static void r_failed(void *arg, bool temp, int code)
{
	(void)arg;
	R.failed++;
	R.failed_temp = temp;
	R.failed_code = code;
}

static void r_inbound(void *arg, enum mb_modem_pdu kind, const char *mem,
		      int index, const uint8_t *pdu, size_t len)
{
	(void)arg;
	(void)pdu;
	R.inbound++;
	R.in_kind = kind;
	snprintf(R.in_mem, sizeof(R.in_mem), "%s", mem);
	R.in_index = index;
	R.in_len = len;
}

static const struct mb_modem_ops ops = {
	r_write, r_timer, r_state, r_idle, r_sent, r_failed, r_inbound,
};

static struct mb_modem M;

/* Feeds s; everything must be consumed. */
static void feed(const char *s)
{
	size_t n = mb_modem_input(&M, (const uint8_t *)s, strlen(s));

	assert_int_equal(n, strlen(s));
}

/* Expects exactly cmd (with its CR) written since the last call. */
static void expect(const char *cmd)
{
	assert_string_equal(R.out, cmd);
	R.out_len = 0;
	R.out[0] = '\0';
}

static void setup_modem(const char *pin)
{
	struct mb_modem_conf c = { "gsm1", pin, "+31624000000", "AT+CSMS=0" };

	memset(&R, 0, sizeof(R));
	assert_int_equal(mb_modem_init(&M, &c, &ops, NULL), 0);
	assert_int_equal(M.state, MB_MODEM_DOWN);
}

/* Runs the start-up dialogue up to READY. */
static void startup(void)
{
	mb_modem_start(&M);
	assert_int_equal(M.state, MB_MODEM_INIT);
	expect("AT\r");
	assert_int_equal(R.timer, MB_MODEM_CMD_TIMEOUT_MS);
	feed("AT\r\r\nOK\r\n");		/* echo still on */
	expect("ATZ\r");
	feed("ATZ\r\r\nOK\r\n");
	expect("ATE0\r");
	feed("ATE0\r\r\nOK\r\n");
	expect("AT+CMEE=1\r");
	feed("\r\nOK\r\n");
	expect("AT+CPIN?\r");
	feed("\r\n+CPIN: READY\r\n\r\nOK\r\n");
	expect("AT+CMGF=0\r");
	feed("\r\nOK\r\n");
	expect("AT+CSMS=0\r");
	feed("\r\nERROR\r\n");			/* the init string may fail */
	expect("AT+CSCA=\"+31624000000\",145\r");
	feed("\r\nOK\r\n");
	expect("AT+CPMS=\"SM\",\"SM\",\"SM\"\r");
	feed("\r\n+CPMS: 0,30,0,30,0,30\r\n\r\nOK\r\n");
	expect("AT+CNMI=2,1,0,1,0\r");
	feed("\r\n+CMS ERROR: 303\r\n");	/* ds=1 not supported */
	expect("AT+CNMI=2,1,0,2,0\r");
	feed("\r\nOK\r\n");
	expect("AT+CREG=1\r");
	feed("\r\nOK\r\n");
	expect("AT+CREG?\r");
	feed("\r\n+CREG: 1,5\r\n\r\nOK\r\n");
	expect("AT+CSQ\r");
	feed("\r\n+CSQ: 17,99\r\n\r\nOK\r\n");
	expect("AT+CGSN\r");
	feed("\r\n490154203237518\r\n\r\nOK\r\n");
	expect("AT+CIMI\r");
	feed("\r\n240011234567890\r\n\r\nOK\r\n");
	expect("AT+CNUM\r");
	assert_int_equal(M.state, MB_MODEM_INIT);
	assert_false(mb_modem_can_send(&M));
	feed("\r\n+CNUM: \"\",\"+46700000001\",145\r\n\r\nOK\r\n");
	assert_int_equal(M.state, MB_MODEM_READY);
	assert_string_equal(M.imei, "490154203237518");
	assert_string_equal(M.imsi, "240011234567890");
	assert_string_equal(M.number, "46700000001");
	assert_int_equal(M.rssi, 17);
	assert_int_equal(M.creg, 5);
	assert_true(R.idle > 0);
	assert_int_equal(R.timer, 0);
	assert_true(mb_modem_can_send(&M));
}

static void test_startup(void **state)
{
	(void)state;
	setup_modem(NULL);
	startup();
	assert_int_equal(R.n_states, 2);
	assert_int_equal(R.states[0], MB_MODEM_INIT);
	assert_int_equal(R.states[1], MB_MODEM_READY);
}

static void test_pin(void **state)
{
	(void)state;
	setup_modem("1234");
	mb_modem_start(&M);
	expect("AT\r");
	feed("\r\nOK\r\n");
	expect("ATZ\r");
	feed("\r\nOK\r\n");
	expect("ATE0\r");
	feed("\r\nOK\r\n");
	expect("AT+CMEE=1\r");
	feed("\r\nOK\r\n");
	expect("AT+CPIN?\r");
	feed("\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n");
	expect("AT+CPIN=\"1234\"\r");
	feed("\r\nOK\r\n");
	expect("AT+CPIN?\r");
	feed("\r\n+CPIN: READY\r\n\r\nOK\r\n");
	expect("AT+CMGF=0\r");
}

/* A wrong PIN is entered once only: the retry does not send it again. */
static void test_pin_wrong(void **state)
{
	(void)state;
	setup_modem("1234");
	mb_modem_start(&M);
	expect("AT\r");
	feed("\r\nOK\r\n\r\nOK\r\n\r\nOK\r\n\r\nOK\r\n");
	expect("ATZ\rATE0\rAT+CMEE=1\rAT+CPIN?\r");
	feed("\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n");
	expect("AT+CPIN=\"1234\"\r");
	feed("\r\n+CME ERROR: 16\r\n");
	assert_int_equal(M.state, MB_MODEM_FAILED);
	assert_int_equal(R.timer, MB_MODEM_RETRY_MS);
	mb_modem_timeout(&M);			/* the retry */
	assert_int_equal(M.state, MB_MODEM_INIT);
	expect("AT\r");
	feed("\r\nOK\r\n\r\nOK\r\n\r\nOK\r\n\r\nOK\r\n");
	expect("ATZ\rATE0\rAT+CMEE=1\rAT+CPIN?\r");
	feed("\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n");
	assert_int_equal(M.state, MB_MODEM_FAILED);
	assert_int_equal(R.out_len, 0);
}

static void test_init_timeout(void **state)
{
	(void)state;
	setup_modem(NULL);
	mb_modem_start(&M);
	expect("AT\r");
	mb_modem_timeout(&M);
	assert_int_equal(M.state, MB_MODEM_FAILED);
	assert_int_equal(R.timer, MB_MODEM_RETRY_MS);
	feed("\r\nOK\r\n");		/* late: ignored */
	assert_int_equal(R.out_len, 0);
	mb_modem_timeout(&M);
	expect("AT\r");
}

static void send_p3(void)
{
	uint8_t pdu[TPDU_MAX];
	int n = tpdu_hex_decode(P3, strlen(P3), pdu, sizeof(pdu));

	assert_int_equal(n, 36);
	assert_int_equal(mb_modem_send(&M, pdu, (size_t)n, 28), 0);
	expect("AT+CMGS=28\r");
	assert_false(mb_modem_can_send(&M));
	assert_int_equal(mb_modem_send(&M, pdu, (size_t)n, 28), -1);
}

static void test_send(void **state)
{
	(void)state;
	setup_modem(NULL);
	startup();
	R.idle = 0;
	send_p3();
	feed("\r\n> ");
	expect(P3 "\x1a");
	assert_int_equal(R.timer, MB_MODEM_SEND_TIMEOUT_MS);
	feed(P3 "\x1a\r\n+CMGS: 13\r\n\r\nOK\r\n");	/* echoed PDU */
	assert_int_equal(R.sent, 1);
	assert_int_equal(R.sent_mr, 13);
	assert_int_equal(R.failed, 0);
	assert_int_equal(R.idle, 1);
	assert_true(mb_modem_can_send(&M));
	assert_int_equal(M.sent_ok, 1);
}

static void test_send_errors(void **state)
{
	(void)state;
	setup_modem(NULL);
	startup();
	/* permanent: RP-cause 1 unassigned number */
	send_p3();
	feed("\r\n> ");
	expect(P3 "\x1a");
	feed("\r\n+CMS ERROR: 1\r\n");
	assert_int_equal(R.failed, 1);
	assert_false(R.failed_temp);
	assert_int_equal(R.failed_code, 1);
	/* temporary before the prompt: 42 congestion */
	send_p3();
	feed("\r\n+CMS ERROR: 42\r\n");
	assert_int_equal(R.failed, 2);
	assert_true(R.failed_temp);
	assert_int_equal(M.state, MB_MODEM_READY);
	/* no prompt: timeout aborts with ESC */
	send_p3();
	mb_modem_timeout(&M);
	expect("\x1b" "AT+CSQ\r");		/* ESC, then the resync */
	assert_int_equal(R.failed, 3);
	assert_true(R.failed_temp);
	assert_int_equal(R.failed_code, -1);
	assert_int_equal(M.state, MB_MODEM_READY);
	feed("\r\nOK\r\n");			/* the ESC's answer: dropped */
	assert_false(mb_modem_can_send(&M));
	feed("\r\n+CSQ: 17,99\r\n\r\nOK\r\n");
	assert_true(mb_modem_can_send(&M));
	/* the third temporary failure in a row: reset */
	send_p3();
	feed("\r\n> ");
	expect(P3 "\x1a");
	feed("\r\n+CMS ERROR: 332\r\n");
	assert_int_equal(R.failed, 4);
	assert_int_equal(M.state, MB_MODEM_INIT);
	assert_int_equal(M.resets, 1);
	expect("AT\r");
}

/* +CMGS answered after its timeout: the late +CMGS / OK are not taken for
 * the answer to the next command (AT+CSQ resynchronises first). */
static void test_send_timeout_resync(void **state)
{
	(void)state;
	setup_modem(NULL);
	startup();
	send_p3();
	feed("\r\n> ");
	expect(P3 "\x1a");
	mb_modem_timeout(&M);			/* 60 s without an answer */
	assert_int_equal(R.failed, 1);
	assert_true(R.failed_temp);
	expect("AT+CSQ\r");
	assert_false(mb_modem_can_send(&M));
	mb_modem_delete(&M, "SM", 2);		/* waits for the resync */
	assert_int_equal(R.out_len, 0);
	feed("\r\n+CMGS: 9\r\n\r\nOK\r\n");	/* late */
	assert_int_equal(R.sent, 0);
	assert_int_equal(R.out_len, 0);		/* the delete has not started */
	feed("\r\n+CSQ: 21,99\r\n\r\nOK\r\n");
	assert_int_equal(M.rssi, 21);
	expect("AT+CMGD=2\r");
	feed("\r\nOK\r\n");
	assert_true(mb_modem_can_send(&M));
	assert_int_equal(M.state, MB_MODEM_READY);
	/* a resync that times out counts as a failure too: a reset at the
	 * third in a row */
	send_p3();
	mb_modem_timeout(&M);			/* no prompt: ESC, resync */
	expect("\x1b" "AT+CSQ\r");
	mb_modem_timeout(&M);			/* the resync times out */
	assert_int_equal(M.state, MB_MODEM_READY);
	expect("AT+CSQ\r");
	mb_modem_timeout(&M);
	assert_int_equal(M.state, MB_MODEM_INIT);
	assert_int_equal(M.resets, 1);
	expect("AT\r");
}

static void test_receive_cmti(void **state)
{
	(void)state;
	setup_modem(NULL);
	startup();
	feed("\r\n+CMTI: \"SM\",3\r\n");
	expect("AT+CMGR=3\r");			/* mem1 is already SM */
	assert_false(mb_modem_can_send(&M));
	feed("\r\n+CMGR: 0,,24\r\n" P4 "\r\n\r\nOK\r\n");
	assert_int_equal(R.inbound, 1);
	assert_int_equal(R.in_kind, MB_MODEM_PDU_DELIVER);
	assert_string_equal(R.in_mem, "SM");
	assert_int_equal(R.in_index, 3);
	assert_int_equal(R.in_len, 31);
	mb_modem_delete(&M, "SM", 3);
	expect("AT+CMGD=3\r");
	feed("\r\nOK\r\n");
	assert_true(mb_modem_can_send(&M));
	/* a status report stored in SR: storage switch */
	feed("\r\n+CDSI: \"SR\",1\r\n");
	expect("AT+CPMS=\"SR\"\r");
	feed("\r\n+CPMS: 1,10,0,30,0,30\r\n\r\nOK\r\n");
	expect("AT+CMGR=1\r");
	feed("\r\n+CMGR: 0,,25\r\n" P5 "\r\n\r\nOK\r\n");
	assert_int_equal(R.inbound, 2);
	assert_int_equal(R.in_kind, MB_MODEM_PDU_REPORT);
	assert_string_equal(R.in_mem, "SR");
	mb_modem_delete(&M, "SR", 1);
	expect("AT+CMGD=1\r");
	feed("\r\nOK\r\n");
	/* the re-listing (Redis back) lists SM, not the SR selected now */
	mb_modem_list(&M);
	expect("AT+CPMS=\"SM\"\r");
	feed("\r\n+CPMS: 0,30,0,30,0,30\r\n\r\nOK\r\n");
	expect("AT+CMGL=4\r");
	feed("\r\n+CMGL: 4,0,,24\r\n" P4 "\r\n\r\nOK\r\n");
	assert_int_equal(R.inbound, 3);
	assert_string_equal(R.in_mem, "SM");
	assert_int_equal(R.in_index, 4);
	/* SR again, then back to SM for the next SM read */
	feed("\r\n+CDSI: \"SR\",2\r\n");
	expect("AT+CPMS=\"SR\"\r");
	feed("\r\nOK\r\n");
	expect("AT+CMGR=2\r");
	feed("\r\nOK\r\n");
	feed("\r\n+CMTI: \"SM\",4\r\n");
	expect("AT+CPMS=\"SM\"\r");
}

static void test_receive_direct(void **state)
{
	(void)state;
	setup_modem(NULL);
	startup();
	feed("\r\n+CMT: ,24\r\n" P4 "\r\n");
	assert_int_equal(R.inbound, 1);
	assert_int_equal(R.in_kind, MB_MODEM_PDU_DELIVER);
	assert_int_equal(R.in_index, -1);
	assert_string_equal(R.in_mem, "");
	feed("\r\n+CDS: 25\r\n" P5 "\r\n");
	assert_int_equal(R.inbound, 2);
	assert_int_equal(R.in_kind, MB_MODEM_PDU_REPORT);
	assert_int_equal(R.out_len, 0);
	/* a URC in the middle of a send does not end it */
	send_p3();
	feed("\r\n+CMT: ,24\r\n" P4 "\r\n");
	assert_int_equal(R.inbound, 3);
	feed("\r\n> ");
	expect(P3 "\x1a");
	feed("\r\n+CMGS: 200\r\n\r\nOK\r\n");
	assert_int_equal(R.sent_mr, 200);
}

static void test_cmgl_startup(void **state)
{
	(void)state;
	setup_modem(NULL);
	mb_modem_list(&M);			/* not READY: nothing */
	assert_int_equal(R.out_len, 0);
	startup();
	mb_modem_list(&M);
	expect("AT+CMGL=4\r");
	assert_false(mb_modem_can_send(&M));
	feed("\r\n+CMGL: 1,1,,24\r\n" P4 "\r\n"
	     "+CMGL: 2,2,,28\r\n" P3 "\r\n"	/* stored outgoing: skipped */
	     "+CMGL: 5,0,,24\r\n" P4 "\r\n\r\nOK\r\n");
	assert_int_equal(R.inbound, 2);
	assert_int_equal(R.in_index, 5);
	assert_string_equal(R.in_mem, "SM");
	assert_int_equal(M.state, MB_MODEM_READY);
}

static void test_stop_while_sending(void **state)
{
	(void)state;
	setup_modem(NULL);
	startup();
	send_p3();
	mb_modem_stop(&M);
	assert_int_equal(M.state, MB_MODEM_DOWN);
	assert_int_equal(R.failed, 1);
	assert_true(R.failed_temp);
	assert_int_equal(R.timer, 0);
	assert_false(mb_modem_can_send(&M));
	mb_modem_delete(&M, "SM", 1);		/* ignored while down */
	assert_int_equal(R.out_len, 0);
	mb_modem_start(&M);
	expect("AT\r");
}

static void test_poll_timeout_reset(void **state)
{
	(void)state;
	setup_modem(NULL);
	startup();
	mb_modem_poll(&M);
	expect("AT+CSQ\r");
	for (int i = 1; i < MB_MODEM_FAIL_MAX; i++) {
		mb_modem_timeout(&M);	/* CSQ, then each resync */
		assert_int_equal(M.state, MB_MODEM_READY);
		expect("AT+CSQ\r");
	}
	mb_modem_timeout(&M);
	assert_int_equal(M.state, MB_MODEM_INIT);
	assert_int_equal(M.resets, 1);
	expect("AT\r");
	/* not registered: no sending */
	setup_modem(NULL);
	startup();
	assert_true(mb_modem_usable(&M));
	feed("\r\n+CREG: 2\r\n");		/* URC: searching */
	assert_false(mb_modem_can_send(&M));
	assert_false(mb_modem_usable(&M));
	feed("\r\n+CREG: 3\r\n");		/* denied */
	assert_false(mb_modem_usable(&M));
	feed("\r\n+CREG: 5\r\n");		/* roaming */
	assert_true(mb_modem_usable(&M));
	feed("\r\n+CREG: 1\r\n");
	assert_true(mb_modem_can_send(&M));
	mb_modem_poll(&M);			/* busy: not free, still usable */
	assert_false(mb_modem_can_send(&M));
	assert_true(mb_modem_usable(&M));
}

/* Answers OK to every start-up command until READY. */
static void startup_ok(void)
{
	for (int i = 0; i < 40 && M.state == MB_MODEM_INIT; i++) {
		R.out_len = 0;
		R.out[0] = '\0';
		feed("\r\nOK\r\n");
	}
	assert_int_equal(M.state, MB_MODEM_READY);
	R.out_len = 0;
	R.out[0] = '\0';
}

/* The SIM locks again (re-plug, power cycle, module reset): the PIN that was
 * taken is entered again after the restart. */
static void test_pin_again(void **state)
{
	(void)state;
	setup_modem("1234");
	for (int round = 0; round < 3; round++) {
		mb_modem_start(&M);
		expect("AT\r");
		feed("\r\nOK\r\n\r\nOK\r\n\r\nOK\r\n\r\nOK\r\n");
		expect("ATZ\rATE0\rAT+CMEE=1\rAT+CPIN?\r");
		feed("\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n");
		expect("AT+CPIN=\"1234\"\r");
		feed("\r\nOK\r\n");
		expect("AT+CPIN?\r");
		feed("\r\n+CPIN: READY\r\n\r\nOK\r\n");
		startup_ok();
		mb_modem_stop(&M);
	}
	/* the same after a reset on the same line (3 failures in a row) */
	mb_modem_start(&M);
	feed("\r\nOK\r\n\r\nOK\r\n\r\nOK\r\n\r\nOK\r\n");
	feed("\r\n+CPIN: READY\r\n\r\nOK\r\n");
	startup_ok();
	for (int i = 0; i < MB_MODEM_FAIL_MAX && M.state == MB_MODEM_READY; i++) {
		mb_modem_poll(&M);
		mb_modem_timeout(&M);
	}
	assert_int_equal(M.state, MB_MODEM_INIT);
	R.out_len = 0;
	R.out[0] = '\0';
	feed("\r\nOK\r\n\r\nOK\r\n\r\nOK\r\n\r\nOK\r\n");
	feed("\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n");
	assert_non_null(strstr(R.out, "AT+CPIN=\"1234\"\r"));
}

/* Random modem output (pieces of real answers, URCs, PDUs and garbage), random
 * timeouts, sends and deletes: no crash, no overflow, the state stays valid
 * and every send ends exactly once. */
static void test_random(void **state)
{
	static const char *const bits[] = {
		"\r\nOK\r\n", "\r\nERROR\r\n", "\r\n+CMS ERROR: 42\r\n",
		"\r\n+CMS ERROR: 1\r\n", "\r\n+CME ERROR: 10\r\n", "\r\n> ",
		"\r\n+CMGS: 7\r\n", "\r\n+CMTI: \"SM\",1\r\n",
		"\r\n+CDSI: \"SR\",2\r\n", "\r\n+CMT: ,24\r\n" P4 "\r\n",
		"\r\n+CDS: 25\r\n" P5 "\r\n", "\r\n+CMGR: 0,,24\r\n" P4 "\r\n",
		"\r\n+CMGL: 3,1,,24\r\n" P4 "\r\n", "\r\n+CPIN: READY\r\n",
		"\r\n+CREG: 1\r\n", "\r\n+CREG: 0,2\r\n", "\r\n+CSQ: 31,0\r\n",
		"\r\n123456789012345\r\n", "\r\n+CNUM: ,\"123\",129\r\n",
		"\r\nRING\r\n", "garbage\x01\xff", "\r\n+CMGR: 0,,5\r\nZZ\r\n",
		"\r\n+CMT: ,3\r\n00\r\n", "\r\n+CMGL: 1,1,,1\r\n0001\r\n",
		"AT+CMGS=10\r", "\r",
	};
	uint8_t pdu[TPDU_MAX];
	int n = tpdu_hex_decode(P3, strlen(P3), pdu, sizeof(pdu));
	unsigned long long x = 88172645463325252ull;
	unsigned long sends = 0;
	static char buf[4096];
	size_t blen = 0;

	(void)state;
	setup_modem("1234");
	mb_modem_start(&M);
	for (int i = 0; i < 200000; i++) {
		unsigned r;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		r = (unsigned)(x % 1000);
		if (r < 850) {
			/* OK half the time, so that start-up often succeeds */
			const char *b = r < 425 ? bits[0] :
				bits[x / 1000 % (sizeof(bits) / sizeof(bits[0]))];
			size_t used;

			if (blen + strlen(b) > sizeof(buf))
				blen = 0;	/* a line too long for us: drop it */
			memcpy(buf + blen, b, strlen(b));
			blen += strlen(b);
			used = mb_modem_input(&M, (const uint8_t *)buf, blen);
			assert_true(used <= blen);
			memmove(buf, buf + used, blen - used);
			blen -= used;
		} else if (r < 900)
			mb_modem_timeout(&M);
		else if (r < 950 && mb_modem_can_send(&M))
			sends += mb_modem_send(&M, pdu, (size_t)n, 28) == 0;
		else if (r < 970)
			mb_modem_delete(&M, r & 1 ? "SM" : "SR", (int)(x % 5));
		else if (r < 980)
			mb_modem_poll(&M);
		else if (r < 985)
			mb_modem_list(&M);
		else if (r < 988)
			mb_modem_stop(&M);
		else if (r < 990 && M.state == MB_MODEM_DOWN)
			mb_modem_start(&M);
		assert_true(M.state <= MB_MODEM_FAILED);
		assert_true(M.qlen <= MB_MODEM_QUEUE_MAX);
		R.out_len = 0;
		R.out[0] = '\0';
	}
	if (M.state != MB_MODEM_DOWN)
		mb_modem_stop(&M);
	assert_true(sends > 100);
	assert_true(R.inbound > 100);
	assert_int_equal((unsigned long)(R.sent + R.failed), sends);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_startup),
		cmocka_unit_test(test_pin),
		cmocka_unit_test(test_pin_wrong),
		cmocka_unit_test(test_pin_again),
		cmocka_unit_test(test_init_timeout),
		cmocka_unit_test(test_send),
		cmocka_unit_test(test_send_errors),
		cmocka_unit_test(test_send_timeout_resync),
		cmocka_unit_test(test_receive_cmti),
		cmocka_unit_test(test_receive_direct),
		cmocka_unit_test(test_cmgl_startup),
		cmocka_unit_test(test_stop_while_sending),
		cmocka_unit_test(test_poll_timeout_reset),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
