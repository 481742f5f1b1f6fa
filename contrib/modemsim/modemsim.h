/*
 * modemsim — a GSM modem simulator for tests and the quickstart: one process,
 * N modems, each on a pseudo-terminal and/or a TCP port (AT over telnet-like raw
 * TCP, as GSM gateways offer), speaking the 27.005 / 27.007 subset of
 * protocols.md §4 in PDU mode. Single-threaded libevent; codec library only
 * (not shared/io). doc/modemsim.md documents every option and command.
 *
 * Internal header shared by modemsim.c (main, options, transports, log),
 * modemsim_at.c (AT command interpreter), modemsim_sms.c (SIM storage, submits,
 * incoming SMS, status reports, PDU encoders) and modemsim_ctl.c (control port).
 */
#ifndef HERMOD_MODEMSIM_H
#define HERMOD_MODEMSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/queue.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "shared/codec/sms_split.h"
#include "shared/codec/tpdu.h"

#define MSIM_MODEMS_MAX 64
#define MSIM_SLOTS_MAX 255
#define MSIM_LINE_MAX 1024	/* AT command line; longer lines get ERROR */
#define MSIM_HEX_MAX 400	/* hex after the "> " prompt (2 * TPDU_MAX + slack) */
#define MSIM_SENT_MAX 256	/* submitted messages kept per modem for `sent` */
#define MSIM_PEND_MAX 10000	/* timers (reports, waiting SMS) per modem */
#define MSIM_OUTBUF_MAX (1u << 20)	/* output kept for a slow or absent peer */

enum msim_fail {
	MSIM_FAIL_OFF,
	MSIM_FAIL_ERROR,	/* every command line answers ERROR */
	MSIM_FAIL_SILENT,	/* input is read and dropped, nothing answers */
};

/* Message storages: "SM" (the SIM: SMS, and status reports by default) and
 * "SR" (status reports with --sr-mem SR). */
enum msim_mem {
	MSIM_MEM_SM,
	MSIM_MEM_SR,
};

enum msim_simstate {
	MSIM_SIM_READY,
	MSIM_SIM_PIN,
	MSIM_SIM_PUK,
};

struct msim_opts {
	unsigned modems;
	const char *pty_file;		/* NULL: no file with the slave paths */
	const char *link_prefix;	/* NULL: no symlinks */
	bool no_pty;
	int tcp_port;			/* -1: no TCP; 0: one ephemeral port per modem */
	int control_port;		/* -1: none */
	const char *pin;		/* NULL: SIM ready at start */
	const char *puk;
	unsigned sim_size;
	unsigned index_base;		/* 0 or 1 */
	const char *imei_base;		/* 15 digits; modem i adds i */
	const char *imsi_base;
	const char *smsc;
	const char *msisdn;		/* NULL: AT+CNUM gives no number */
	enum msim_mem sr_mem;		/* where AT+CNMI <ds>=2 stores reports */
	int creg;
	int rssi;
	unsigned cmgs_delay_ms;
	unsigned sr_delay_ms;
	uint8_t sr_status;		/* TP-ST of reports without a stat: rule */
	double error_rate;		/* percent of submits answered +CMS ERROR */
	unsigned error_code;
	unsigned mr_start;
	const char *log_path;		/* submitted messages, one line each */
	bool verbose;			/* AT traffic on stdout */
	uint64_t seed;
};

/* One submitted message as decoded, for `sent` and the log. */
struct msim_sent {
	uint8_t mr;
	bool srr;
	bool has_concat;
	uint16_t ref;
	uint8_t seq, total;
	uint8_t dcs;
	uint8_t vpf;		/* enum tpdu_vpf */
	uint8_t vp;		/* TP-VP when vpf is relative */
	char to[TPDU_ADDR_MAX];
	char text[TPDU_TEXT_MAX];
};

/* A stored message (SMS-DELIVER or a stored SMS-STATUS-REPORT). */
struct msim_slot {
	bool used;
	uint8_t stat;		/* 0 unread, 1 read, 2 unsent, 3 sent */
	uint8_t pdu[TPDU_MAX];	/* SMSC field + TPDU */
	size_t len;
	size_t tpdu_len;
};

enum msim_pend_kind {
	MSIM_PEND_REPORT,	/* status report due */
	MSIM_PEND_INCOMING,	/* SMS-DELIVER waiting for a free slot / its turn */
};

/* A timed or waiting event of one modem. */
struct msim_pend {
	TAILQ_ENTRY(msim_pend) link;
	struct msim_modem *m;
	struct event *ev;
	enum msim_pend_kind kind;
	uint8_t pdu[TPDU_MAX];	/* INCOMING */
	size_t len;
	size_t tpdu_len;
	int msg_class;
	uint8_t mr;		/* REPORT */
	uint8_t st;
	int next_st;		/* REPORT: a final report after this one, or -1 */
	struct tpdu_addr ra;
	uint64_t submit_ms;
};
TAILQ_HEAD(msim_pend_list, msim_pend);

enum msim_chan_state {
	MSIM_CH_CMD,		/* reading command lines */
	MSIM_CH_PDU,		/* after "> ": reading hex up to Ctrl-Z / ESC */
	MSIM_CH_BUSY,		/* a +CMGS answer is delayed */
};

/* One peer: the pty master or an accepted TCP connection. */
struct msim_chan {
	struct msim_modem *m;
	struct bufferevent *bev;
	bool is_pty;
	enum msim_chan_state state;
	bool in_cmd;		/* running a command line: URCs wait for its result */
	bool hung;		/* `fail hang`: this peer is ignored, nothing is sent */
	char line[MSIM_LINE_MAX];
	size_t line_len;
	bool line_long;
	bool cmgw;		/* the prompt is for AT+CMGW */
	uint8_t cmgw_stat;
	unsigned pdu_len;	/* <length> of AT+CMGS / AT+CMGW */
	char hex[MSIM_HEX_MAX];
	size_t hex_len;
	bool hex_long;
	struct evbuffer *urc;	/* URCs held while a command is in progress */
	struct event *delay_ev;	/* delayed +CMGS answer */
	char delayed[64];
};

/* Network behaviour of one modem: from the options, changed by `set`. */
struct msim_netcf {
	unsigned cmgs_delay_ms;
	unsigned sr_delay_ms;
	uint8_t sr_status;
	double error_rate;
	unsigned error_code;
};

struct msim_modem {
	struct msim *s;
	unsigned idx;
	struct msim_netcf cf;
	/* settings (ATZ restores the defaults of the first group) */
	bool echo;
	int cmee;
	int cmgf;
	int csms;
	int cnmi[5];
	int creg_n;
	char csca[TPDU_ADDR_MAX];
	uint8_t csca_toa;
	/* state */
	int creg;
	int rssi;
	enum msim_simstate sim;
	int pin_tries, puk_tries;
	char pin[16];
	enum msim_fail fail;
	uint8_t next_mr;
	uint16_t next_ref;	/* concat reference of injected messages */
	char imei[24];
	char imsi[24];
	struct msim_slot *mem[2];	/* MSIM_MEM_SM, MSIM_MEM_SR */
	enum msim_mem mem1;	/* AT+CPMS <mem1>: read, list, delete */
	char msisdn[24];
	struct msim_sent *sent;	/* ring of MSIM_SENT_MAX */
	unsigned sent_n;	/* total ever recorded */
	struct msim_pend_list pend;	/* reports and timed incoming */
	struct msim_pend_list waiting;	/* incoming SMS while the SIM is full */
	unsigned npend;
	/* transports */
	int pty_master;
	int pty_slave;		/* kept open so the master never sees a hangup */
	char pty_path[64];
	struct msim_chan *pty_chan;
	struct evconnlistener *tcp_l;
	int tcp_port;
	struct msim_chan *tcp_chan;
	struct evbuffer *offline;	/* URCs while no peer is attached (TCP) */
	/* counters */
	struct {
		uint64_t commands;
		uint64_t submitted;
		uint64_t submit_errors;
		uint64_t mo_parts;
		uint64_t mo_direct;
		uint64_t mo_stored;
		uint64_t reports;
		uint64_t connections;
		uint64_t kills;
	} st;
};

/* The outcome of part 1 of a concatenated message, for its later parts (which
 * may be interleaved with other messages or go out on another modem). */
struct msim_concat_st {
	bool used;
	uint16_t ref;
	uint8_t st;
	char to[TPDU_ADDR_MAX];
};
#define MSIM_CONCAT_ST_MAX 64

struct simlib_ctl;

struct msim {
	struct msim_opts o;
	struct msim_concat_st concat_st[MSIM_CONCAT_ST_MAX];	/* a ring */
	unsigned concat_st_n;
	struct event_base *base;
	struct msim_modem *modems;
	FILE *log;			/* submitted messages, or NULL */
	uint64_t rng;
	bool stopping;
	struct event *sig_ev[3];
	struct simlib_ctl *ctl;		/* the control port, or NULL */
};

/* modemsim.c. Everything here runs on the simulator's event loop. */
/* Wall-clock milliseconds (the loop's cached time when there is one). */
uint64_t msim_now_ms(struct msim *s);
/* Next number of the --seed generator. */
uint64_t msim_rand(struct msim *s);
/* --verbose: one stdout line "modem=N DIR bytes" with control bytes escaped. */
void msim_trace(struct msim_modem *m, const char *dir, const char *p, size_t len);
/* Writes raw bytes to one peer (counts against MSIM_OUTBUF_MAX). */
void msim_chan_write(struct msim_chan *c, const void *p, size_t len);
/* Processes input that waited while an answer was delayed. */
void msim_chan_resume(struct msim_chan *c);
/* Sends a URC ("\r\n" text "\r\n" framing added) to every attached peer, held
 * back on a peer that is inside a command. */
void msim_urc(struct msim_modem *m, const char *text);
/* Drops the TCP peer and hangs up the pty (a new pty is opened). */
int msim_kill(struct msim_modem *m);
/* Graceful stop: no new peers, 0.2 s to drain, then the loop ends. */
void msim_stop(struct msim *s);
/* A listener on 127.0.0.1:port (0: any free port, then *bound says which), or
 * NULL with a message on stderr. */
struct evconnlistener *msim_listen(struct msim *s, int port,
				   evconnlistener_cb cb, void *arg, int *bound);

/* modemsim_at.c */
/* ATZ: the power-on settings (echo, CMEE, CMGF, CSMS, CREG n, CNMI, CSCA). */
void msim_at_reset(struct msim_modem *m);
/* Feeds bytes received on c; runs complete command lines. Returns the bytes
 * consumed: it stops when an answer is delayed (the rest waits for it). */
size_t msim_at_input(struct msim_chan *c, const uint8_t *p, size_t len);
/* Ends a pending delayed answer (the peer went away). */
void msim_at_chan_fini(struct msim_chan *c);

/* modemsim_sms.c */
/* Allocates the storages and the `sent` ring (0, or -1 out of memory); fini
 * frees them with every pending report and waiting message. */
int msim_sms_init(struct msim_modem *m);
void msim_sms_fini(struct msim_modem *m);
/* Messages stored in mem; its AT name ("SM", "SR"). */
unsigned msim_sms_used(const struct msim_modem *m, enum msim_mem mem);
const char *msim_mem_name(enum msim_mem mem);
/* Validates and "sends" the PDU of AT+CMGS (hex of SMSC field + TPDU, length
 * <len>). Returns the TP-MR (>= 0) or a +CMS ERROR code (negated). */
int msim_sms_submit(struct msim_modem *m, const char *hex, size_t hexlen,
		    unsigned len);
/* AT+CMGW: stores a PDU; returns the index or a negated +CMS ERROR code. */
int msim_sms_write(struct msim_modem *m, const char *hex, size_t hexlen,
		   unsigned len, uint8_t stat);
/* msim_sms_inject flags */
#define MSIM_INJ_REVERSE 0x1u	/* parts last first */
#define MSIM_INJ_PRELOAD 0x2u	/* stored as if before start: no URC, no wait */
#define MSIM_INJ_UCS2 0x4u	/* UCS-2 even when GSM 7-bit would do */
#define MSIM_INJ_UDH16 0x8u	/* 16-bit concatenation references */

/* Injects an incoming message (control `sms` / `sim preload`) from `from`
 * (digits, +digits or alphanumeric). Returns the number of parts, or -1 with
 * why set (text that does not split into 32 parts, bad originator, no room
 * for a preload). */
int msim_sms_inject(struct msim_modem *m, const char *from, const char *text,
		    unsigned flags, char *why, size_t cap);
/* AT+CMGD on storage mem: slot (0-based) with flag 0, else by flag (1 read,
 * 2 read + sent, 3 all but unread, 4 all); then waiting SMS get the room. */
void msim_sms_delete(struct msim_modem *m, enum msim_mem mem, int slot, int flag);
/* Delivers messages that waited for room on the SIM, for the PIN or for the
 * registration, as far as the modem takes them now. */
void msim_sms_drain_waiting(struct msim_modem *m);

/* DELIVER and STATUS-REPORT encoders (SMSC field + TPDU into out[0..cap)).
 * Return total octets and set *tpdu_len, or a negative tpdu_err. */
int msim_deliver_encode(const char *sca, const char *oa, uint8_t dcs,
			const struct tpdu_time *scts, const struct sms_part *pt,
			uint8_t *out, size_t cap, size_t *tpdu_len);
int msim_report_encode(const char *sca, uint8_t mr, const struct tpdu_addr *ra,
		       const struct tpdu_time *scts, const struct tpdu_time *dt,
		       uint8_t st, uint8_t *out, size_t cap, size_t *tpdu_len);
/* Checks the encoders against protocols.md vectors P4 and P5; prints one line
 * each to f. Returns 0 when all match, -1 otherwise (--selftest). */
int msim_selftest(FILE *f);

/* modemsim_ctl.c */
/* Listens on --control-port (the chosen port goes back into s->o); fini closes
 * the listener and every control connection. */
int msim_ctl_listen(struct msim *s);
void msim_ctl_fini(struct msim *s);

#endif
