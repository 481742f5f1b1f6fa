/*
 * smpp_pdu — SMPP 3.4 / 3.3 PDU codec (protocols.md §1).
 *
 * Pure: no allocation, no I/O, no logging, never runs anything on its own.
 * smpp_pdu_frame() finds PDU boundaries in a byte stream; smpp_pdu_decode() turns
 * one whole PDU into a struct smpp_pdu; smpp_pdu_encode() writes one into a
 * caller's bounded buffer. A decode error says what to answer (struct smpp_error).
 * Every function may be called from any thread or the event loop.
 */
#ifndef HERMOD_SMPP_PDU_H
#define HERMOD_SMPP_PDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/codec/smpp_pdu_def.h"

#define SMPP_HEADER_LEN 16
#define SMPP_RESP_BIT 0x80000000u
#define SMPP_DEFAULT_PORT 2775
#define SMPP_VERSION_33 0x33
#define SMPP_VERSION_34 0x34
#define SMPP_SEQ_MAX 0x7FFFFFFFu

/* Field limits (C-Octet String maxima include the NUL). */
#define SMPP_SM_MAX 254		/* sm_length / short_message octets */
#define SMPP_TIME_LEN 16	/* YYMMDDhhmmsstnnp */
#define SMPP_DESTS_MAX 254	/* submit_multi number_of_dests, no_unsuccess */
#define SMPP_MSGIDS_MAX 100	/* SMPP 3.3 query_last_msgs_resp */
#define SMPP_UNKNOWN_TLV_MAX 8	/* unknown TLVs kept per PDU; more are dropped */
#define SMPP_PDU_MAX_DEFAULT 70000 /* a sane max PDU size for smpp_pdu_frame() */

/* command_id (§1.2). Responses are the request | SMPP_RESP_BIT. */
enum smpp_command_id {
	SMPP_GENERIC_NACK = 0x80000000u,
	SMPP_BIND_RECEIVER = 0x00000001u,
	SMPP_BIND_RECEIVER_RESP = 0x80000001u,
	SMPP_BIND_TRANSMITTER = 0x00000002u,
	SMPP_BIND_TRANSMITTER_RESP = 0x80000002u,
	SMPP_QUERY_SM = 0x00000003u,
	SMPP_QUERY_SM_RESP = 0x80000003u,
	SMPP_SUBMIT_SM = 0x00000004u,
	SMPP_SUBMIT_SM_RESP = 0x80000004u,
	SMPP_DELIVER_SM = 0x00000005u,
	SMPP_DELIVER_SM_RESP = 0x80000005u,
	SMPP_UNBIND = 0x00000006u,
	SMPP_UNBIND_RESP = 0x80000006u,
	SMPP_REPLACE_SM = 0x00000007u,
	SMPP_REPLACE_SM_RESP = 0x80000007u,
	SMPP_CANCEL_SM = 0x00000008u,
	SMPP_CANCEL_SM_RESP = 0x80000008u,
	SMPP_BIND_TRANSCEIVER = 0x00000009u,
	SMPP_BIND_TRANSCEIVER_RESP = 0x80000009u,
	SMPP_OUTBIND = 0x0000000Bu,
	SMPP_ENQUIRE_LINK = 0x00000015u,
	SMPP_ENQUIRE_LINK_RESP = 0x80000015u,
	SMPP_SUBMIT_MULTI = 0x00000021u,
	SMPP_SUBMIT_MULTI_RESP = 0x80000021u,
	SMPP_PARAM_RETRIEVE = 0x00000022u,	/* 3.3 only */
	SMPP_PARAM_RETRIEVE_RESP = 0x80000022u,
	SMPP_QUERY_LAST_MSGS = 0x00000023u,	/* 3.3 only */
	SMPP_QUERY_LAST_MSGS_RESP = 0x80000023u,
	SMPP_QUERY_MSG_DETAILS = 0x00000024u,	/* 3.3 only */
	SMPP_QUERY_MSG_DETAILS_RESP = 0x80000024u,
	SMPP_ALERT_NOTIFICATION = 0x00000102u,
	SMPP_DATA_SM = 0x00000103u,
	SMPP_DATA_SM_RESP = 0x80000103u,
};

/* command_status (§1.4). */
enum smpp_status {
	SMPP_ESME_ROK = 0x00,
	SMPP_ESME_RINVMSGLEN = 0x01,
	SMPP_ESME_RINVCMDLEN = 0x02,
	SMPP_ESME_RINVCMDID = 0x03,
	SMPP_ESME_RINVBNDSTS = 0x04,
	SMPP_ESME_RALYBND = 0x05,
	SMPP_ESME_RINVPRTFLG = 0x06,
	SMPP_ESME_RINVREGDLVFLG = 0x07,
	SMPP_ESME_RSYSERR = 0x08,
	SMPP_ESME_RINVSRCADR = 0x0A,
	SMPP_ESME_RINVDSTADR = 0x0B,
	SMPP_ESME_RINVMSGID = 0x0C,
	SMPP_ESME_RBINDFAIL = 0x0D,
	SMPP_ESME_RINVPASWD = 0x0E,
	SMPP_ESME_RINVSYSID = 0x0F,
	SMPP_ESME_RCANCELFAIL = 0x11,
	SMPP_ESME_RREPLACEFAIL = 0x13,
	SMPP_ESME_RMSGQFUL = 0x14,
	SMPP_ESME_RINVSERTYP = 0x15,
	SMPP_ESME_RINVNUMDESTS = 0x33,
	SMPP_ESME_RINVDLNAME = 0x34,
	SMPP_ESME_RINVDESTFLAG = 0x40,
	SMPP_ESME_RINVSUBREP = 0x42,
	SMPP_ESME_RINVESMCLASS = 0x43,
	SMPP_ESME_RCNTSUBDL = 0x44,
	SMPP_ESME_RSUBMITFAIL = 0x45,
	SMPP_ESME_RINVSRCTON = 0x48,
	SMPP_ESME_RINVSRCNPI = 0x49,
	SMPP_ESME_RINVDSTTON = 0x50,
	SMPP_ESME_RINVDSTNPI = 0x51,
	SMPP_ESME_RINVSYSTYP = 0x53,
	SMPP_ESME_RINVREPFLAG = 0x54,
	SMPP_ESME_RINVNUMMSGS = 0x55,
	SMPP_ESME_RTHROTTLED = 0x58,
	SMPP_ESME_RINVSCHED = 0x61,
	SMPP_ESME_RINVEXPIRY = 0x62,
	SMPP_ESME_RINVDFTMSGID = 0x63,
	SMPP_ESME_RX_T_APPN = 0x64,
	SMPP_ESME_RX_P_APPN = 0x65,
	SMPP_ESME_RX_R_APPN = 0x66,
	SMPP_ESME_RQUERYFAIL = 0x67,
	SMPP_ESME_RINVOPTPARSTREAM = 0xC0,
	SMPP_ESME_ROPTPARNOTALLWD = 0xC1,
	SMPP_ESME_RINVPARLEN = 0xC2,
	SMPP_ESME_RMISSINGOPTPARAM = 0xC3,
	SMPP_ESME_RINVOPTPARAMVAL = 0xC4,
	SMPP_ESME_RDELIVERYFAILURE = 0xFE,
	SMPP_ESME_RUNKNOWNERR = 0xFF,
	SMPP_ESME_RINVDCS = 0x104,	/* SMPP 5.0, sent by many 3.4 stacks */
};

/* esm_class (§1.6). */
#define SMPP_ESM_MODE_MASK 0x03
#define SMPP_ESM_MODE_DATAGRAM 0x01
#define SMPP_ESM_MODE_FORWARD 0x02
#define SMPP_ESM_MODE_STORE_FORWARD 0x03
#define SMPP_ESM_TYPE_MASK 0x3C
#define SMPP_ESM_DELIVERY_RECEIPT 0x04
#define SMPP_ESM_SME_ACK 0x08
#define SMPP_ESM_USER_ACK 0x10
#define SMPP_ESM_CONVERSATION_ABORT 0x18
#define SMPP_ESM_INTERMEDIATE 0x20
#define SMPP_ESM_UDHI 0x40
#define SMPP_ESM_REPLY_PATH 0x80

/* registered_delivery (§1.6). */
#define SMPP_REG_DLR_MASK 0x03
#define SMPP_REG_DLR_NONE 0x00
#define SMPP_REG_DLR_ALWAYS 0x01
#define SMPP_REG_DLR_FAILURE 0x02
#define SMPP_REG_SME_ACK_MASK 0x0C
#define SMPP_REG_INTERMEDIATE 0x10

/* data_coding (§1.7). */
#define SMPP_DCS_DEFAULT 0x00
#define SMPP_DCS_IA5 0x01
#define SMPP_DCS_BINARY_TDMA 0x02
#define SMPP_DCS_LATIN1 0x03
#define SMPP_DCS_BINARY 0x04
#define SMPP_DCS_JIS 0x05
#define SMPP_DCS_CYRILLIC 0x06
#define SMPP_DCS_HEBREW 0x07
#define SMPP_DCS_UCS2 0x08
#define SMPP_DCS_PICTOGRAM 0x09
#define SMPP_DCS_ISO2022JP 0x0A
#define SMPP_DCS_KANJI 0x0D
#define SMPP_DCS_KSC5601 0x0E

/* TON / NPI (§1.8). */
#define SMPP_TON_UNKNOWN 0
#define SMPP_TON_INTERNATIONAL 1
#define SMPP_TON_NATIONAL 2
#define SMPP_TON_NETWORK 3
#define SMPP_TON_SUBSCRIBER 4
#define SMPP_TON_ALPHANUMERIC 5
#define SMPP_TON_ABBREVIATED 6
#define SMPP_NPI_UNKNOWN 0
#define SMPP_NPI_ISDN 1

/* message_state (§1.9). */
enum smpp_message_state {
	SMPP_STATE_ENROUTE = 1,
	SMPP_STATE_DELIVERED = 2,
	SMPP_STATE_EXPIRED = 3,
	SMPP_STATE_DELETED = 4,
	SMPP_STATE_UNDELIVERABLE = 5,
	SMPP_STATE_ACCEPTED = 6,
	SMPP_STATE_UNKNOWN = 7,
	SMPP_STATE_REJECTED = 8,
};

/* TLV tags: SMPP_TAG_MESSAGE_PAYLOAD = 0x0424, ... (smpp_pdu_def.h). */
#define SMPP_X_TAG(NAME, f, tag, type, mn, mx) SMPP_TAG_##NAME = tag,
enum smpp_tlv_tag { SMPP_TLV_LIST(SMPP_X_TAG) };
#undef SMPP_X_TAG

/* Index of each known TLV in struct smpp_tlvs.present: SMPP_TI_MESSAGE_PAYLOAD... */
#define SMPP_X_IDX(NAME, f, tag, type, mn, mx) SMPP_TI_##NAME,
enum smpp_tlv_index { SMPP_TLV_LIST(SMPP_X_IDX) SMPP_TI_COUNT };
#undef SMPP_X_IDX

/* An octet string borrowed from the decoder's input (valid while that buffer
 * lives and is unchanged) or, for encoding, from the caller. */
struct smpp_octets {
	const uint8_t *p;
	uint16_t len;
};

struct smpp_network_error {
	uint8_t type;
	uint16_t code;
};

/* A TLV whose tag the codec does not know; value borrowed like smpp_octets. */
struct smpp_tlv_raw {
	uint16_t tag;
	uint16_t len;
	const uint8_t *value;
};

#define SMPP_TLV_FIELD_U8(f, mx) uint8_t f;
#define SMPP_TLV_FIELD_U16(f, mx) uint16_t f;
#define SMPP_TLV_FIELD_U32(f, mx) uint32_t f;
#define SMPP_TLV_FIELD_CSTR(f, mx) char f[mx];
#define SMPP_TLV_FIELD_OCT(f, mx) struct smpp_octets f;
#define SMPP_TLV_FIELD_NEC(f, mx) struct smpp_network_error f;
#define SMPP_TLV_FIELD_FLAG(f, mx)
#define SMPP_X_FIELD(NAME, f, tag, type, mn, mx) SMPP_TLV_FIELD_##type(f, mx)

/*
 * The TLVs of one PDU. A known TLV counts only when its bit
 * (1 << SMPP_TI_x) is set in present: use smpp_tlv_set()/smpp_tlv_has().
 * order lists the TLVs as they came in (values < SMPP_TI_COUNT name a known TLV,
 * SMPP_TI_COUNT + i names unknown[i]); the encoder writes them in that order,
 * then any other present known TLV in table order, so a decoded PDU re-encodes
 * byte for byte.
 */
struct smpp_tlvs {
	uint64_t present;
	SMPP_TLV_LIST(SMPP_X_FIELD)
	uint8_t n_unknown;
	uint8_t n_dropped;	/* unknown TLVs beyond SMPP_UNKNOWN_TLV_MAX, skipped */
	uint8_t n_order;
	uint8_t order[SMPP_TI_COUNT + SMPP_UNKNOWN_TLV_MAX];
	struct smpp_tlv_raw unknown[SMPP_UNKNOWN_TLV_MAX];
};
#undef SMPP_X_FIELD

/* submit_multi destination (dest_flag 1 = SME address, 2 = distribution list
 * whose name is in addr); query_msg_details_resp uses ton/npi/addr only. */
struct smpp_dest {
	uint8_t dest_flag;
	uint8_t ton;
	uint8_t npi;
	char addr[21];
};

/* submit_multi_resp unsuccess_sme. */
struct smpp_unsuccess {
	uint8_t ton;
	uint8_t npi;
	char addr[21];
	uint32_t error_status;
};

/*
 * One PDU. Mandatory fields are flat: each PDU uses the subset listed for it in
 * smpp_pdu.c (e.g. submit_sm: service_type, source_addr_ton, ... short_message),
 * with the limits of protocols.md §1.3 (the arrays are sized for the largest
 * PDU that uses them; a field's limit for a PDU may be smaller, e.g. source_addr
 * is C(21) in submit_sm and C(65) in data_sm). C strings are NUL-terminated.
 * Everything before `list` is reset by smpp_pdu_init/decode; list entries are
 * valid only up to their count (number_of_dests, no_unsuccess, number_msgs).
 */
struct smpp_pdu {
	uint32_t command_length;	/* as decoded; the encoder computes it */
	uint32_t command_id;
	uint32_t command_status;
	uint32_t sequence_number;
	bool no_body;	/* a response that came (or goes) with an empty body */

	char system_id[16];
	char password[9];
	char system_type[13];
	uint8_t interface_version;
	uint8_t addr_ton;
	uint8_t addr_npi;
	char address_range[41];

	char service_type[6];
	uint8_t source_addr_ton;
	uint8_t source_addr_npi;
	char source_addr[65];
	uint8_t dest_addr_ton;
	uint8_t dest_addr_npi;
	char destination_addr[65];
	uint8_t esme_addr_ton;
	uint8_t esme_addr_npi;
	char esme_addr[65];
	uint8_t esm_class;
	uint8_t protocol_id;
	uint8_t priority_flag;
	char schedule_delivery_time[17];
	char validity_period[17];
	uint8_t registered_delivery;
	uint8_t replace_if_present_flag;
	uint8_t data_coding;
	uint8_t sm_default_msg_id;
	uint8_t sm_length;
	uint8_t short_message[SMPP_SM_MAX + 1];

	char message_id[65];
	char final_date[17];
	uint8_t message_state;
	uint8_t error_code;

	/* SMPP 3.3 only [layouts unverified, see smpp_pdu.c] */
	char param_name[32];
	char param_value[101];
	uint8_t number_of_messages;	/* query_last_msgs: how many wanted */
	uint8_t return_sm_length;	/* query_msg_details: sm octets wanted */

	uint8_t number_of_dests;	/* submit_multi, query_msg_details_resp */
	uint8_t no_unsuccess;		/* submit_multi_resp */
	uint8_t number_msgs;		/* query_last_msgs_resp */

	struct smpp_tlvs tlv;

	union {
		struct smpp_dest dests[SMPP_DESTS_MAX];
		struct smpp_unsuccess unsuccess[SMPP_DESTS_MAX];
		char msg_ids[SMPP_MSGIDS_MAX][9];
	} list;
};

/* Negative return values of frame/decode/encode. */
enum smpp_pdu_err {
	SMPP_PDU_EBADLEN = -1,	/* command_length < 16 or > max */
	SMPP_PDU_EBADID = -2,	/* unknown command_id */
	SMPP_PDU_EFIELD = -3,	/* a mandatory field is malformed or over its limit */
	SMPP_PDU_ETLV = -4,	/* TLV part malformed, or TLVs in a 3.3 session */
	SMPP_PDU_ENOSPACE = -5,	/* encode: the buffer is too small */
	SMPP_PDU_ELIMIT = -6,	/* encode: a field is over its limit */
	SMPP_PDU_EINVAL = -7,	/* encode: unknown command_id, or no response */
};

/*
 * What a peer's bad PDU calls for. answer_id is the request's own response id
 * for a known request with a bad field (e.g. submit_sm_resp ESME_RINVDSTADR),
 * SMPP_GENERIC_NACK for a bad length, an unknown command_id, or a malformed
 * response / outbind / alert_notification, and 0 for a malformed generic_nack
 * (never answer one). Answer with status and seq (use 0 unless seq_valid).
 * skip is the number of bytes to drop to reach the next PDU; when disconnect is
 * true framing is lost: answer, then close the connection.
 */
struct smpp_error {
	int code;		/* enum smpp_pdu_err */
	uint32_t status;	/* command_status to answer with */
	uint32_t command_id;	/* of the bad PDU, 0 if unreadable */
	uint32_t answer_id;
	uint32_t seq;
	bool seq_valid;
	bool disconnect;
	uint32_t skip;
	uint32_t offset;	/* where in the PDU the problem was found */
};

/* Decode / encode flags. */
#define SMPP_F_V33 0x01		/* SMPP 3.3 session: no TLVs */
#define SMPP_F_V33_LAX 0x02	/* with SMPP_F_V33, decode skips trailing bytes
				   instead of failing */

/*
 * Framing. p[0..len) is what was received so far. Returns the whole PDU's
 * command_length when all of it is in, 0 when more bytes are needed, or
 * SMPP_PDU_EBADLEN when command_length < 16 or > max_pdu; err (may be NULL) then
 * says: answer generic_nack ESME_RINVCMDLEN and disconnect.
 */
long smpp_pdu_frame(const uint8_t *p, size_t len, size_t max_pdu,
		    struct smpp_error *err);

/*
 * Decodes one PDU from p[0..len) into out (flags: SMPP_F_*). Returns the bytes
 * consumed (command_length), 0 when p holds less than a whole PDU, or a negative
 * enum smpp_pdu_err with err (may be NULL) filled in; out is then partly filled.
 * Does not enforce a maximum size: call smpp_pdu_frame() first on a stream.
 * Octet-string TLVs (message_payload, ...) and unknown TLVs point into p: they
 * are valid only while p is. Without SMPP_F_V33, bytes after the mandatory
 * fields are TLVs; with it they fail with ESME_RINVCMDLEN (or are skipped with
 * SMPP_F_V33_LAX). A response with an empty body decodes with no_body set.
 */
long smpp_pdu_decode(const uint8_t *p, size_t len, struct smpp_pdu *out,
		     unsigned flags, struct smpp_error *err);

/*
 * Encodes pdu into buf[0..cap). Returns the bytes written, SMPP_PDU_ENOSPACE,
 * SMPP_PDU_ELIMIT (a field over its limit) or SMPP_PDU_EINVAL (unknown
 * command_id). With SMPP_F_V33 no TLV is written (the 3.3 body ends after the
 * mandatory fields: the caller must not rely on message_payload then).
 */
long smpp_pdu_encode(const struct smpp_pdu *pdu, unsigned flags, uint8_t *buf,
		     size_t cap);

/* Resets pdu (all but list) and sets its header. */
void smpp_pdu_init(struct smpp_pdu *pdu, uint32_t command_id, uint32_t seq);

/*
 * Prepares resp as the response to req: response command_id, same sequence
 * number, the given status, empty body fields. Returns 0, or -1 when req is not
 * a request that has a response (outbind, alert_notification, a response).
 */
int smpp_pdu_make_resp(const struct smpp_pdu *req, uint32_t status,
		       struct smpp_pdu *resp);

/*
 * Encodes the answer a decode error calls for (header only: generic_nack, or
 * the request's response with an empty body) into buf[0..cap). Returns bytes
 * written, 0 when err->answer_id is 0 (nothing to answer), or SMPP_PDU_ENOSPACE.
 */
long smpp_pdu_encode_error_answer(const struct smpp_error *err, uint8_t *buf,
				  size_t cap);

/* True when command_id is known to this codec. */
bool smpp_command_known(uint32_t command_id);

/* Static names: "submit_sm", "ESME_RTHROTTLED", "message_payload"; "unknown"
 * when unknown. */
const char *smpp_command_name(uint32_t command_id);
const char *smpp_status_name(uint32_t status);
const char *smpp_tlv_name(uint16_t tag);

/* Known-TLV presence (index = enum smpp_tlv_index). */
static inline void smpp_tlv_set(struct smpp_tlvs *t, unsigned idx)
{
	t->present |= UINT64_C(1) << idx;
}

static inline bool smpp_tlv_has(const struct smpp_tlvs *t, unsigned idx)
{
	return (t->present >> idx) & 1;
}

#endif
