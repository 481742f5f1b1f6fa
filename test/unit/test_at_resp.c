/*
 * Unit tests for shared/codec/at_resp: the protocols.md §4 exchange and the
 * §5.1 PDUs inside +CMGR/+CMGL/+CMT/+CDS, result and error codes with their
 * retry class, echo, the prompt, CR/LF variants, over-long lines, and the same
 * transcripts fed one byte at a time.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "shared/codec/at_resp.h"

#define P3 "07911326040000F0310D0B911326880736F40000A90FF7FBDD454E87CDE1B0DB357EB701"
#define P4 "06917228195339040B917228214365F700003130805120618005D4F29C2E03"
#define P2 "07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37"
#define P5 "0006D60B911326880736F4111011719551401110117195714000"
#define P7 "06917228195339040B917228214365F70000313062315352800A800D8A5E98D337A910"

#define MAX_EV 32

static struct at_event evs[MAX_EV];

/*
 * Runs the parser over s[0..len) as a caller would over its input buffer:
 * with bytewise, the buffer grows one byte at a time. Records the events that
 * are not AT_EV_NONE; returns how many, and fails if the input is not all
 * consumed at the end (unless tail is allowed to remain).
 */
static int run(const char *s, size_t len, bool bytewise, size_t tail)
{
	struct at_resp r;
	size_t start = 0, avail = bytewise ? 0 : len;
	int n = 0;

	at_resp_init(&r);
	for (;;) {
		struct at_event ev;
		int rc = at_resp_decode(&r, (const uint8_t *)s + start, avail - start,
					&ev);

		assert_true(rc >= 0);
		if (rc == 0) {
			if (avail == len)
				break;
			avail++;
			continue;
		}
		start += (size_t)rc;
		assert_true(start <= avail);
		if (ev.type != AT_EV_NONE) {
			assert_true(n < MAX_EV);
			evs[n++] = ev;
		}
	}
	assert_int_equal(len - start, tail);
	return n;
}

static int run_str(const char *s, bool bytewise)
{
	return run(s, strlen(s), bytewise, 0);
}

static void assert_line(const struct at_event *ev, const char *text)
{
	assert_int_equal(ev->text_len, strlen(text));
	assert_memory_equal(ev->text, text, strlen(text));
}

/* §4 example exchange, with echo on (ATE0 not yet in effect). */
static void test_exchange(void **state)
{
	static const char t[] =
		"AT+CMGF=0\r\r\nOK\r\n"
		"AT+CNMI=2,1,0,2,0\r\r\nOK\r\n"
		"AT+CMGS=28\r\r\n> " P3 "\x1a\r\n+CMGS: 13\r\n\r\nOK\r\n"
		"\r\n+CDSI: \"SR\",1\r\n"
		"\r\n+CMTI: \"SM\",3\r\n";

	(void)state;
	for (int bw = 0; bw < 2; bw++) {
		assert_int_equal(run_str(t, bw), 11);
		assert_int_equal(evs[0].type, AT_EV_ECHO);
		assert_int_equal(evs[0].line_len, 9);
		assert_int_equal(evs[1].type, AT_EV_OK);
		assert_int_equal(evs[2].type, AT_EV_ECHO);
		assert_int_equal(evs[3].type, AT_EV_OK);
		assert_int_equal(evs[4].type, AT_EV_ECHO);
		assert_int_equal(evs[5].type, AT_EV_PROMPT);
		assert_int_equal(evs[6].type, AT_EV_ECHO); /* the PDU and Ctrl-Z */
		assert_int_equal(evs[7].type, AT_EV_CMGS);
		assert_int_equal(evs[7].mr, 13);
		assert_int_equal(evs[8].type, AT_EV_OK);
		assert_int_equal(evs[9].type, AT_EV_CDSI);
		assert_int_equal(evs[10].type, AT_EV_CMTI);
	}
	assert_int_equal(run_str("\r\n+CDSI: \"SR\",1\r\n\r\n+CMTI: \"SM\",3\r\n", true), 2);
	assert_string_equal(evs[0].mem, "SR");
	assert_int_equal(evs[0].index, 1);
	assert_int_equal(evs[1].type, AT_EV_CMTI);
	assert_string_equal(evs[1].mem, "SM");
	assert_int_equal(evs[1].index, 3);
}

static void test_prompt(void **state)
{
	struct at_resp r;
	struct at_event ev;

	(void)state;
	at_resp_init(&r);
	/* No terminator after "> ": a lone '>' waits for the space. */
	assert_int_equal(at_resp_decode(&r, (const uint8_t *)">", 1, &ev), 0);
	assert_int_equal(at_resp_decode(&r, (const uint8_t *)"> ", 2, &ev), 2);
	assert_int_equal(ev.type, AT_EV_PROMPT);
	assert_int_equal(at_resp_decode(&r, (const uint8_t *)"\r\n>", 3, &ev), 2);
	assert_int_equal(ev.type, AT_EV_NONE);
	assert_int_equal(at_resp_decode(&r, (const uint8_t *)"\r\n> ", 4, &ev), 4);
	assert_int_equal(ev.type, AT_EV_PROMPT);
	/* Some modems end the prompt line. */
	assert_int_equal(at_resp_decode(&r, (const uint8_t *)">\r\n", 3, &ev), 2);
	assert_int_equal(ev.type, AT_EV_PROMPT);
	assert_int_equal(at_resp_decode(&r, (const uint8_t *)"", 0, &ev), 0);
	assert_int_equal(at_resp_decode(&r, (const uint8_t *)"OK", 2, &ev), 0);
}

static void test_cmgr_cmgl(void **state)
{
	static const char t[] = "\r\n+CMGR: 0,,24\r\n" P4 "\r\n\r\nOK\r\n";
	static const char l[] = "+CMGL: 1,1,,24\r\n" P4 "\r\n"
				"+CMGL: 2,0,\"Jo, Doe\",28\r\n" P7 "\r\n"
				"OK\r\n";

	(void)state;
	assert_int_equal(run_str(t, true), 3);
	assert_int_equal(evs[0].type, AT_EV_CMGR);
	assert_int_equal(evs[0].stat, 0);
	assert_int_equal(evs[0].length, 24);
	assert_int_equal(evs[1].type, AT_EV_PDU);
	assert_int_equal(evs[1].pdu_of, AT_EV_CMGR);
	assert_int_equal(evs[1].length, 24);
	assert_true(evs[1].pdu_len_ok);
	assert_line(&evs[1], P4);
	assert_int_equal(evs[2].type, AT_EV_OK);

	assert_int_equal(run_str(l, false), 5);
	assert_int_equal(evs[0].type, AT_EV_CMGL);
	assert_int_equal(evs[0].index, 1);
	assert_int_equal(evs[0].stat, 1);
	assert_int_equal(evs[1].type, AT_EV_PDU);
	assert_int_equal(evs[1].index, 1);
	assert_true(evs[1].pdu_len_ok);
	assert_int_equal(evs[2].type, AT_EV_CMGL); /* alpha with a comma */
	assert_int_equal(evs[2].index, 2);
	assert_int_equal(evs[2].length, 28);
	assert_int_equal(evs[3].type, AT_EV_PDU);
	assert_int_equal(evs[3].pdu_of, AT_EV_CMGL);
	assert_true(evs[3].pdu_len_ok);
	assert_line(&evs[3], P7);
	assert_int_equal(evs[4].type, AT_EV_OK);

	/* An empty slot: the header is not followed by hex. */
	assert_int_equal(run_str("+CMGR: 0,,0\r\nOK\r\n", false), 2);
	assert_int_equal(evs[0].type, AT_EV_CMGR);
	assert_int_equal(evs[1].type, AT_EV_OK);
	/* A wrong length is reported, not hidden. */
	assert_int_equal(run_str("+CMGR: 1,,23\r\n" P4 "\r\n", false), 2);
	assert_int_equal(evs[1].type, AT_EV_PDU);
	assert_false(evs[1].pdu_len_ok);
}

static void test_urcs(void **state)
{
	static const char t[] = "\r\n+CMT: ,28\r\n" P2 "\r\n"
				"\r\n+CDS: 25\r\n" P5 "\r\n"
				"\r\n+CMT: \"\",28\r\n" P2 "\r\n"
				"\r\nRING\r\n\r\n+CRING: VOICE\r\n\r\nNO CARRIER\r\n";

	(void)state;
	for (int bw = 0; bw < 2; bw++) {
		assert_int_equal(run_str(t, bw), 9);
		assert_int_equal(evs[0].type, AT_EV_CMT);
		assert_int_equal(evs[0].length, 28);
		assert_int_equal(evs[1].type, AT_EV_PDU);
		assert_int_equal(evs[1].pdu_of, AT_EV_CMT);
		assert_true(evs[1].pdu_len_ok);
		assert_int_equal(evs[2].type, AT_EV_CDS);
		assert_int_equal(evs[2].length, 25);
		assert_int_equal(evs[3].type, AT_EV_PDU);
		assert_int_equal(evs[3].pdu_of, AT_EV_CDS);
		assert_true(evs[3].pdu_len_ok);
		assert_line(&evs[3], P5);
		assert_int_equal(evs[4].type, AT_EV_CMT);
		assert_int_equal(evs[5].type, AT_EV_PDU);
		assert_int_equal(evs[6].type, AT_EV_RING);
		assert_int_equal(evs[7].type, AT_EV_RING);
		assert_int_equal(evs[8].type, AT_EV_CALL);
	}
}

static void test_info_lines(void **state)
{
	static const char t[] = "+CSQ: 15,99\r\n"
				"+CREG: 0,1\r\n"
				"+CREG: 5,\"00C3\",\"1A2B\"\r\n"
				"+CREG: 2,1,\"00C3\",\"1A2B\",7\r\n"
				"+CPIN: READY\r\n"
				"+CPIN: SIM PIN\r\n"
				"+CPIN: PH-SIM PIN\r\n"
				"356938035643809\r\n"
				"+CGSN: 356938035643809\r\n"
				"+CPMS: 1,30,1,30,1,30\r\n"
				"SIMCOM_Ltd\r\n";

	(void)state;
	assert_int_equal(run_str(t, true), 11);
	assert_int_equal(evs[0].type, AT_EV_CSQ);
	assert_int_equal(evs[0].rssi, 15);
	assert_int_equal(evs[0].ber, 99);
	assert_int_equal(evs[1].type, AT_EV_CREG);
	assert_int_equal(evs[1].n, 0);
	assert_int_equal(evs[1].stat, 1);
	assert_int_equal(evs[1].lac, -1);
	assert_int_equal(evs[2].type, AT_EV_CREG); /* URC form */
	assert_int_equal(evs[2].n, -1);
	assert_int_equal(evs[2].stat, 5);
	assert_int_equal(evs[2].lac, 0xC3);
	assert_int_equal(evs[2].ci, 0x1A2B);
	assert_int_equal(evs[3].n, 2);
	assert_int_equal(evs[3].stat, 1);
	assert_int_equal(evs[3].ci, 0x1A2B);
	assert_int_equal(evs[4].pin, AT_PIN_READY);
	assert_int_equal(evs[5].pin, AT_PIN_SIM_PIN);
	assert_int_equal(evs[6].pin, AT_PIN_PH_SIM_PIN);
	assert_int_equal(evs[7].type, AT_EV_DIGITS);
	assert_line(&evs[7], "356938035643809");
	assert_int_equal(evs[8].type, AT_EV_DIGITS);
	assert_line(&evs[8], "356938035643809");
	assert_int_equal(evs[9].type, AT_EV_INFO);
	assert_false(evs[9].malformed);
	assert_line(&evs[9], "1,30,1,30,1,30");
	assert_int_equal(evs[10].type, AT_EV_INFO);
	assert_line(&evs[10], "SIMCOM_Ltd");
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
		"+CSQ: x,99", "+CSQ: 15", "+CMTI: \"SM\"", "+CMTI: \"SM,3",
		"+CMGS: ", "+CMGR: a,,24", "+CMGL: 1,,24,5,6", "+CREG: \"x\"",
		"+CDS: 6,46,\"+31\"", "+CGSN: 35x", "+CMTI: \"SMSM\",1",
		"+CSQ: 1234567890,1",
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf), "%s\r\n", bad[i]);
		assert_int_equal(run_str(buf, false), 1);
		assert_int_equal(evs[0].type, AT_EV_INFO);
		assert_true(evs[0].malformed);
	}
	/* A malformed header expects no PDU: the hex line is plain info. */
	assert_int_equal(run_str("+CMT: x\r\n" P2 "\r\n", false), 2);
	assert_int_equal(evs[1].type, AT_EV_INFO);
}

static void test_errors(void **state)
{
	static const char t[] = "ERROR\r\n+CMS ERROR: 42\r\n+CMS ERROR: 304\r\n"
				"+CMS ERROR: 30\r\n+CME ERROR: 10\r\n+CME ERROR: 16\r\n"
				"+CME ERROR: SIM not inserted\r\n+CMS ERROR:500\r\n";

	(void)state;
	assert_int_equal(run_str(t, true), 8);
	assert_int_equal(evs[0].type, AT_EV_ERROR);
	assert_true(evs[0].retry);
	assert_int_equal(evs[1].type, AT_EV_CMS_ERROR);
	assert_int_equal(evs[1].code, 42);
	assert_true(evs[1].retry);
	assert_int_equal(evs[2].code, 304);
	assert_false(evs[2].retry);
	assert_int_equal(evs[3].code, 30);
	assert_false(evs[3].retry);
	assert_int_equal(evs[4].type, AT_EV_CME_ERROR);
	assert_int_equal(evs[4].code, 10);
	assert_true(evs[4].retry);
	assert_int_equal(evs[5].code, 16);
	assert_false(evs[5].retry);
	assert_int_equal(evs[6].code, -1);
	assert_true(evs[6].retry);
	assert_line(&evs[6], "SIM not inserted");
	assert_int_equal(evs[7].code, 500);
	assert_true(evs[7].retry);

	/* The classification tables. */
	assert_false(at_resp_cms_temporary(1));
	assert_false(at_resp_cms_temporary(21));
	assert_true(at_resp_cms_temporary(27));
	assert_true(at_resp_cms_temporary(38));
	assert_true(at_resp_cms_temporary(41));
	assert_true(at_resp_cms_temporary(47));
	assert_false(at_resp_cms_temporary(127));
	assert_false(at_resp_cms_temporary(128));
	assert_true(at_resp_cms_temporary(192));
	assert_false(at_resp_cms_temporary(255));
	assert_true(at_resp_cms_temporary(300));
	assert_false(at_resp_cms_temporary(305));
	assert_true(at_resp_cms_temporary(331));
	assert_true(at_resp_cms_temporary(512));
	assert_false(at_resp_cme_temporary(4));
	assert_false(at_resp_cme_temporary(27));
	assert_true(at_resp_cme_temporary(28));
	assert_true(at_resp_cme_temporary(30));
	assert_true(at_resp_cme_temporary(100));
}

/* LF only, CR only, LF CR, and a final line still waiting for its end. */
static void test_line_endings(void **state)
{
	static const char t[] = "OK\nOK\rOK\n\rOK\r\r\n\nOK";

	(void)state;
	for (int bw = 0; bw < 2; bw++) {
		assert_int_equal(run(t, strlen(t), bw, 2), 4);
		for (int i = 0; i < 4; i++)
			assert_int_equal(evs[i].type, AT_EV_OK);
	}
	assert_int_equal(run_str("\r\n\r\n", false), 0);
}

static void test_overlong(void **state)
{
	static char t[3 * AT_RESP_LINE_MAX];
	size_t n;

	(void)state;
	/* The maximum line is kept, one byte more is dropped and reported. */
	memset(t, 'A', AT_RESP_LINE_MAX);
	strcpy(t + AT_RESP_LINE_MAX, "\r\nOK\r\n");
	assert_int_equal(run_str(t, false), 2);
	assert_int_equal(evs[0].type, AT_EV_INFO);
	assert_int_equal(evs[0].line_len, AT_RESP_LINE_MAX);

	n = 2 * AT_RESP_LINE_MAX + 7;
	memset(t, 'B', n);
	strcpy(t + n, "\r\n+CMTI: \"SM\",4\r\n");
	for (int bw = 0; bw < 2; bw++) {
		assert_int_equal(run_str(t, bw), 2);
		assert_int_equal(evs[0].type, AT_EV_OVERLONG);
		assert_int_equal(evs[1].type, AT_EV_CMTI);
		assert_int_equal(evs[1].index, 4);
	}
	/* An over-long line after a header cancels the expected PDU. */
	t[0] = '\0';
	strcpy(t, "+CMT: ,28\r\n");
	n = strlen(t);
	memset(t + n, '0', AT_RESP_LINE_MAX + 2);
	strcpy(t + n + AT_RESP_LINE_MAX + 2, "\r\n" P2 "\r\n");
	assert_int_equal(run_str(t, false), 3);
	assert_int_equal(evs[1].type, AT_EV_OVERLONG);
	assert_int_equal(evs[2].type, AT_EV_INFO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exchange),
		cmocka_unit_test(test_prompt),
		cmocka_unit_test(test_cmgr_cmgl),
		cmocka_unit_test(test_urcs),
		cmocka_unit_test(test_info_lines),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_line_endings),
		cmocka_unit_test(test_overlong),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
