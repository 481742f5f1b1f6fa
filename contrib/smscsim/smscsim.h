/*
 * smscsim — an SMSC simulator for tests and benchmarks (SMSC role, SMPP 3.3 and
 * 3.4): binds, submit_sm answers with latency/errors/throttling, delivery
 * receipts with a configurable state mix, MO injection and connection drops via
 * a line-based control port. Single-threaded libevent; uses the codec library
 * only (not shared/io). doc/smscsim.md documents every option.
 *
 * Internal header shared by smscsim.c (main, options, stats, log),
 * smscsim_smpp.c (SMPP sessions, receipts, MO) and smscsim_ctl.c (control port).
 */
#ifndef HERMOD_SMSCSIM_H
#define HERMOD_SMSCSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/queue.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "shared/codec/smpp_pdu.h"

/* Final receipt states the simulator can produce (index into the mix). */
enum simstate {
	SIMST_DELIVRD,
	SIMST_UNDELIV,
	SIMST_EXPIRED,
	SIMST_REJECTD,
	SIMST_DELETED,
	SIMST_UNKNOWN,
	SIMST_ACCEPTD,
	SIMST_ENROUTE,
	SIMST_COUNT
};

struct simopts {
	const char *listen_addr;
	int port;
	int control_port;		/* -1: no control port */
	const char *system_id;		/* NULL: accept any */
	const char *password;		/* NULL: accept any */
	bool id_hex;
	int dlr_id_format;		/* 0 as submit_sm_resp, 1 hex, 2 decimal */
	unsigned latency_ms;
	double error_rate;		/* percent of submits answered with error */
	uint32_t error_status;
	unsigned throttle;		/* submits per second, 0 = unlimited */
	unsigned dlr_delay_ms;
	unsigned mix[SIMST_COUNT];	/* weights */
	unsigned mix_total;
	unsigned enquire_s;		/* 0: never send enquire_link */
	const char *log_path;
	bool quiet;			/* no line per received PDU */
	uint64_t seed;
	uint64_t id_start;
	size_t max_pdu;
	size_t dlr_max;			/* receipts queued at most */
};

struct simstats {
	uint64_t connections;
	uint64_t binds_ok;
	uint64_t binds_failed;
	uint64_t pdus_rx;
	uint64_t pdus_tx;
	uint64_t submits;		/* submit_sm + data_sm + submit_multi received */
	uint64_t submits_ok;
	uint64_t submits_injected;	/* answered with --error-status */
	uint64_t submits_throttled;
	uint64_t submits_refused;	/* decode or bind-state errors */
	uint64_t dlr_sent;
	uint64_t dlr_dropped;		/* queue full */
	uint64_t dlr_state[SIMST_COUNT];
	uint64_t deliver_resp;
	uint64_t deliver_resp_err;
	uint64_t mo_sent;
	uint64_t enquire_rx;
	uint64_t enquire_tx;
	uint64_t nacks_tx;
	uint64_t drops;
};

/* A receipt waiting for its time (queue) or for a receiver bind (parked). */
struct simdlr {
	uint64_t due_ms;
	uint64_t id;
	int64_t submit_time;
	char system_id[16];
	uint8_t src_ton, src_npi, dst_ton, dst_npi;	/* of the receipt */
	uint8_t state;
	bool interim;		/* esm_class 0x20: an intermediate notification */
	char src[21];
	char dst[21];
	char text[21];
};

struct simring {
	struct simdlr *v;
	size_t cap, head, len;
};

struct simsess;
TAILQ_HEAD(simsess_list, simsess);
struct simlib_ctl;

struct sim {
	struct simopts o;
	struct simstats st;
	struct event_base *base;
	struct evconnlistener *smpp_l;
	struct simlib_ctl *ctl;		/* the control port, or NULL */
	struct event *dlr_ev;
	struct event *flush_ev;
	struct event *sig_ev[4];
	FILE *log;
	struct simsess_list sessions;
	struct simring dlrq;		/* by due time (constant delay: FIFO) */
	struct simring parked;		/* due, but no receiver bound */
	uint64_t next_id;
	uint64_t rng;
	uint64_t next_sess_id;
	int64_t throttle_sec;
	unsigned throttle_count;
	uint16_t mo_ref;
	bool stopping;
	struct smpp_pdu in;		/* scratch PDUs (single-threaded) */
	struct smpp_pdu out;
	uint8_t wbuf[SMPP_PDU_MAX_DEFAULT];
};

/* smscsim.c */
/* Listens on --listen:port (0: any free port, returned in *bound). */
struct evconnlistener *sim_listen(struct sim *s, int port,
				  evconnlistener_cb cb, int *bound);
/* simlib_now_ms / simlib_rand on the simulator's loop and --seed state. */
uint64_t sim_now_ms(struct sim *s);
uint64_t sim_rand(struct sim *s);
void sim_log(struct sim *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sim_stats_line(struct sim *s, char *buf, size_t cap);
int sim_set_option(struct sim *s, const char *key, const char *val);
const char *sim_state_word(unsigned st);
void sim_stop(struct sim *s);

/* smscsim_smpp.c */
int sim_smpp_listen(struct sim *s);
void sim_smpp_fini(struct sim *s);
int sim_mo(struct sim *s, const char *system_id, const char *from,
	   const char *to, const char *text, char *why, size_t whylen);
unsigned sim_drop(struct sim *s, const char *system_id);
unsigned sim_session_count(struct sim *s, unsigned *bound);
void sim_unbind_all(struct sim *s);

/* smscsim_ctl.c */
int sim_ctl_listen(struct sim *s);
void sim_ctl_fini(struct sim *s);

#endif
