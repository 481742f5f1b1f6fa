/*
 * at_resp — incremental parser of a GSM modem's output in PDU mode (3GPP TS
 * 27.005 / 27.007, protocols.md §4): final result codes, information lines,
 * unsolicited result codes, the "> " prompt, echo, with any CR/LF framing.
 * Pure codec: the caller owns the byte buffer (an evbuffer, say) and calls
 * at_resp_decode on it until it answers 0; no allocation, no I/O, no clock.
 * Assumes verbose result codes (ATV1, the default); numeric ATV0 codes would
 * be read as bare digit lines.
 */
#ifndef HERMOD_AT_RESP_H
#define HERMOD_AT_RESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest line kept; a longer one is dropped and reported as AT_EV_OVERLONG. A
 * PDU line is at most 2 * (12 + 164) = 352 characters. */
#define AT_RESP_LINE_MAX 1024

enum at_event_type {
	AT_EV_NONE = 0,	  /* bytes consumed (blank or dropped), nothing to report */
	AT_EV_OK,	  /* final: OK */
	AT_EV_ERROR,	  /* final: ERROR (cause unknown; retry is true) */
	AT_EV_CME_ERROR,  /* final: +CME ERROR: code (code -1 when textual) */
	AT_EV_CMS_ERROR,  /* final: +CMS ERROR: code (code -1 when textual) */
	AT_EV_PROMPT,	  /* "> " after AT+CMGS=<len>: send the PDU and Ctrl-Z */
	AT_EV_ECHO,	  /* an echoed command ("AT…") or PDU (has Ctrl-Z/ESC) */
	AT_EV_CMGS,	  /* +CMGS: mr */
	AT_EV_CSQ,	  /* +CSQ: rssi,ber */
	AT_EV_CREG,	  /* +CREG: n,stat[,lac,ci] or the URC +CREG: stat[,lac,ci] */
	AT_EV_CPIN,	  /* +CPIN: READY / SIM PIN / … */
	AT_EV_DIGITS,	  /* a bare line of digits (AT+CGSN, AT+CIMI), or +CGSN: / +CIMI: */
	AT_EV_CMGR,	  /* +CMGR: stat,[alpha],length; an AT_EV_PDU line follows */
	AT_EV_CMGL,	  /* +CMGL: index,stat,[alpha],length; an AT_EV_PDU follows */
	AT_EV_CMT,	  /* URC +CMT: [alpha],length; an AT_EV_PDU line follows */
	AT_EV_CDS,	  /* URC +CDS: length; an AT_EV_PDU line follows */
	AT_EV_PDU,	  /* the hex PDU line after one of the four headers above */
	AT_EV_CMTI,	  /* URC +CMTI: "mem",index (SMS stored) */
	AT_EV_CDSI,	  /* URC +CDSI: "mem",index (status report stored) */
	AT_EV_RING,	  /* URC RING or +CRING: type */
	AT_EV_CALL,	  /* NO CARRIER, BUSY, NO ANSWER, NO DIALTONE, CONNECT… */
	AT_EV_INFO,	  /* any other line (other +XXX: responses, unknown URCs) */
	AT_EV_OVERLONG,	  /* a line over AT_RESP_LINE_MAX: dropped up to its end */
};

/* +CPIN states. */
enum at_pin {
	AT_PIN_OTHER = 0,
	AT_PIN_READY,
	AT_PIN_SIM_PIN,
	AT_PIN_SIM_PUK,
	AT_PIN_PH_SIM_PIN,
	AT_PIN_SIM_PIN2,
	AT_PIN_SIM_PUK2,
};

/*
 * One event. line/text point into the caller's input buffer (borrowed: valid
 * until the caller drops those bytes) and are not NUL-terminated: line is the
 * whole line without its terminator, text what follows "+XXX:" and blanks
 * (the whole line when it has no such prefix). Numeric fields absent from a
 * line are -1. A known prefix with unreadable fields gives AT_EV_INFO with
 * malformed set.
 */
struct at_event {
	enum at_event_type type;
	const char *line, *text;
	size_t line_len, text_len;
	bool malformed;
	int code;   /* CME/CMS error code, -1 when textual (AT+CMEE=2) */
	bool retry; /* final errors: temporary (retry later) vs permanent */
	int rssi, ber;		 /* CSQ */
	int n, stat, lac, ci;	 /* CREG (n -1 for the URC); stat also CMGR/CMGL */
	int mr;			 /* CMGS */
	enum at_pin pin;	 /* CPIN */
	char mem[4];		 /* CMTI/CDSI storage ("SM", "SR", "ME", "MT") */
	int index;		 /* CMTI/CDSI/CMGL */
	int length;		 /* CMGR/CMGL/CMT/CDS: TPDU octets, without the SMSC */
	/* AT_EV_PDU: the header it follows (type, index, stat, length above repeat
	 * the header's), and whether the hex holds exactly 1 + SMSC + length
	 * octets. */
	enum at_event_type pdu_of;
	bool pdu_len_ok;
};

/* Parser state; the caller allocates it. Fields are private. */
struct at_resp {
	bool discarding; /* inside an over-long line */
	struct at_event pending; /* the header whose PDU line is expected */
};

/* Starts (or restarts, e.g. after a timeout) a parser. */
void at_resp_init(struct at_resp *r);

/*
 * Reads the next event from p[0..len), the modem's output from where the last
 * call stopped. Returns the bytes consumed (> 0) with *ev filled (type may be
 * AT_EV_NONE: only blank or dropped bytes were consumed); 0 when no complete
 * line is there yet (keep the bytes, call again with more); never negative:
 * garbage becomes AT_EV_INFO or AT_EV_OVERLONG. A line ends at CR or LF (any
 * mix: CR LF, LF, lone CR); "> " at the start of a line is the prompt and
 * needs no terminator. A line after a CMGR/CMGL/CMT/CDS header is the PDU when
 * it is hex (an even number of hex digits); otherwise it is read as usual.
 */
int at_resp_decode(struct at_resp *r, const uint8_t *p, size_t len,
		   struct at_event *ev);

/*
 * Whether a +CMS ERROR code is temporary (the message may be retried, on this
 * modem later or on another route) rather than permanent (the message itself
 * is refused; it becomes a failed delivery report). Permanent: RP-causes
 * (24.011 E-2) 1 unassigned number, 8 operator-determined barring, 10 call
 * barred, 21 SM transfer rejected, 28 unidentified subscriber, 29 facility
 * rejected, 30 unknown subscriber, 50 facility not subscribed, 69 facility not
 * implemented, 81, 95–99 and 111 protocol errors, 127 interworking; the TP-FCS
 * range 128–255 except 192 SC busy and 194 SC system failure; 304/305 invalid
 * PDU/text parameter (our PDU is wrong). Temporary: every other RP-cause (27
 * destination out of service, 38, 41 temporary failure, 42 congestion, 47…),
 * ME/SIM/memory/network states 300–303 and 310–332, 500 unknown and 512+
 * manufacturer codes. [A design choice; 27.005 does not classify them.]
 */
bool at_resp_cms_temporary(int code);

/* The same for +CME ERROR: permanent are 4 operation not supported, 16
 * incorrect password (retrying could lock the SIM), 21 invalid index, 24–27
 * text/dial string too long or invalid; the others (phone failure, SIM
 * states, memory full, no network, timeout, unknown) are temporary. */
bool at_resp_cme_temporary(int code);

#endif
