/*
 * mb_modem — the AT dialogue of one GSM modem in PDU mode (protocols.md §4,
 * 3GPP TS 27.005 / 27.007) as a state machine without I/O: the caller feeds it
 * the modem's output (mb_modem_input) and timer expiries (mb_modem_timeout);
 * it answers through the callbacks of struct mb_modem_ops (bytes to write, the
 * one timer to arm, state changes, send results, received PDUs). Start-up
 * (AT, ATZ, ATE0, +CMEE, +CPIN, +CMGF=0, init string, +CSCA, +CPMS, +CNMI,
 * +CREG=1 (registration changes as URCs), +CREG?,
 * +CSQ, +CGSN, +CIMI, +CNUM), listing stored messages (+CMGL=4), sending (+CMGS with the "> " prompt),
 * reading (+CMTI/+CDSI -> +CMGR, then +CMGD once the caller says the message
 * is safe), direct +CMT/+CDS, polling and reset after repeated failures;
 * after a command timed out while READY, AT+CSQ resynchronises the dialogue
 * (final results before its +CSQ line are late answers and are dropped).
 *
 * Layer: modembox. No I/O, no clock: unit-testable with byte transcripts.
 * Callbacks run from within mb_modem_* calls; they may call mb_modem_send,
 * mb_modem_delete and mb_modem_poll but must not free the modem.
 */
#ifndef HERMOD_MB_MODEM_H
#define HERMOD_MB_MODEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/codec/at_resp.h"

#define MB_MODEM_CMD_TIMEOUT_MS 5000u	/* an ordinary command */
#define MB_MODEM_SEND_TIMEOUT_MS 60000u	/* +CMGS: the network answers */
#define MB_MODEM_RETRY_MS 5000u		/* start-up failed: try again after */
#define MB_MODEM_FAIL_MAX 3		/* failures in a row before a reset */
#define MB_MODEM_QUEUE_MAX 64		/* commands waiting */
#define MB_MODEM_DIGITS_MAX 24		/* IMEI, IMSI, own number */

enum mb_modem_state {
	MB_MODEM_DOWN = 0,	/* not started (no connection) */
	MB_MODEM_INIT,		/* start-up dialogue running */
	MB_MODEM_READY,		/* started: sends and receives */
	MB_MODEM_FAILED,	/* start-up failed; retried after MB_MODEM_RETRY_MS */
};

/* What an inbound PDU is (from its TP-MTI). */
enum mb_modem_pdu {
	MB_MODEM_PDU_DELIVER,	/* SMS-DELIVER: an MO message */
	MB_MODEM_PDU_REPORT,	/* SMS-STATUS-REPORT */
	MB_MODEM_PDU_OTHER,	/* anything else (e.g. a stored SUBMIT) */
};

struct mb_modem_ops {
	/* Bytes to send to the modem (copied by the caller at once). */
	void (*write)(void *arg, const void *p, size_t len);
	/* (Re)arms the modem's one timer for ms milliseconds; 0 stops it. */
	void (*timer)(void *arg, unsigned long ms);
	/* The state changed (also: READY reached again after a reset). */
	void (*state)(void *arg, enum mb_modem_state s);
	/* READY with nothing running or queued: a send may start now. */
	void (*idle)(void *arg);
	/* +CMGS answered: the message reference. */
	void (*sent)(void *arg, int mr);
	/* The send failed: temporary (retry later / elsewhere) or not; code is
	 * the +CMS/+CME ERROR code, -1 for ERROR without code or a timeout. */
	void (*send_failed)(void *arg, bool temporary, int code);
	/*
	 * A received PDU (SMSC field + TPDU, pdu[0..len), borrowed for the call).
	 * mem/index: where it is stored ("SM", 3), or "" / -1 when it came
	 * directly (+CMT, +CDS) and needs no deletion. The caller calls
	 * mb_modem_delete(mem, index) once it has kept the message.
	 */
	void (*inbound)(void *arg, enum mb_modem_pdu kind, const char *mem,
			int index, const uint8_t *pdu, size_t len);
};

/* Settings; strings are copied by mb_modem_init. */
struct mb_modem_conf {
	const char *id;		/* for logs */
	const char *pin;	/* NULL: none */
	const char *smsc;	/* NULL: the SIM's */
	const char *init;	/* extra command, NULL: none */
};

/* The modem; the caller allocates it, fields are read-only for the caller. */
struct mb_modem {
	const struct mb_modem_ops *ops;
	void *arg;
	char id[64];
	char pin[16];
	char smsc[24];
	char init[256];
	enum mb_modem_state state;
	struct at_resp parser;
	/* what the modem told */
	char imei[MB_MODEM_DIGITS_MAX];
	char imsi[MB_MODEM_DIGITS_MAX];
	char number[MB_MODEM_DIGITS_MAX];	/* own number from +CNUM, or "" */
	int rssi;			/* +CSQ, -1 unknown */
	int creg;			/* +CREG stat, -1 unknown */
	enum at_pin pin_state;
	/* counters */
	unsigned long sent_ok, send_errors, received, reports, resets;
	int failures;			/* in a row */
	/* dialogue */
	struct mb_modem_cmd {
		int kind;
		int step;
		int index;
		char mem[4];
		char text[280];
	} queue[MB_MODEM_QUEUE_MAX], cur;
	size_t qlen;
	bool busy;		/* cur is running */
	bool prompt_seen;	/* +CMGS: PDU written, waiting for the result */
	bool sync_seen;		/* K_SYNC: its +CSQ came, the next final is its */
	bool pin_sent;		/* PIN entered, no +CPIN: READY since */
	int mr;			/* +CMGS: reference seen */
	char mem1[4];		/* current +CPMS read/delete storage, "" unknown */
	char pdu_hex[2 * 200];	/* +CMGS: the PDU to write after the prompt */
	size_t pdu_hex_len;
};

/* Sets m up (state DOWN). Returns 0, or -1 when a setting is too long. */
int mb_modem_init(struct mb_modem *m, const struct mb_modem_conf *c,
		  const struct mb_modem_ops *ops, void *arg);

/* The connection is open: restarts the parser and the start-up dialogue. */
void mb_modem_start(struct mb_modem *m);

/* The connection is gone: state DOWN; a send in progress fails (temporary).
 * Queued reads are dropped (the start-up +CMGL=4 finds them again). */
void mb_modem_stop(struct mb_modem *m);

/* Feeds the modem's output p[0..len). Returns the bytes consumed (the rest is
 * an incomplete line: keep it and feed it again with more). */
size_t mb_modem_input(struct mb_modem *m, const uint8_t *p, size_t len);

/* The timer armed through ops->timer expired. */
void mb_modem_timeout(struct mb_modem *m);

/* True when the modem can send at all: READY and registered (+CREG stat 1
 * home or 5 roaming, or registration unknown). Whether a link is up. */
bool mb_modem_usable(const struct mb_modem *m);

/* True when a message can be sent now: mb_modem_usable(), and nothing running
 * or queued. */
bool mb_modem_can_send(const struct mb_modem *m);

/*
 * Sends a PDU (SMSC field + TPDU, pdu[0..len)) whose TPDU is tpdu_len octets:
 * AT+CMGS=tpdu_len, the prompt, the hex and Ctrl-Z. The result comes through
 * ops->sent or ops->send_failed (never from within this call). Returns 0, or
 * -1 when !mb_modem_can_send() or the PDU is too long.
 */
int mb_modem_send(struct mb_modem *m, const uint8_t *pdu, size_t len,
		  size_t tpdu_len);

/* Queues AT+CMGD=index on storage mem (switching +CPMS when needed). */
void mb_modem_delete(struct mb_modem *m, const char *mem, int index);

/* Queues AT+CMGL=4 on storage "SM" (AT+CPMS="SM" first when another one is
 * selected): every stored received message and status report there comes
 * through ops->inbound (call once READY and the caller can keep them). No-op
 * unless READY. */
void mb_modem_list(struct mb_modem *m);

/* Queues the periodic +CSQ and +CREG? (liveness: a timeout counts as a
 * failure). No-op unless READY. */
void mb_modem_poll(struct mb_modem *m);

/* "down", "init", "ready", "failed". */
const char *mb_modem_state_name(enum mb_modem_state s);

#endif
