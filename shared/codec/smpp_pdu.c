/*
 * smpp_pdu — SMPP 3.4 / 3.3 PDU codec (protocols.md §1, vectors in §5.2).
 *
 * Table-driven: each PDU is a list of mandatory field descriptors (type, limit,
 * offset in struct smpp_pdu, status to answer when it is bad), and TLVs come from
 * the X-macro list in smpp_pdu_def.h. One generic decoder and one generic encoder
 * walk those tables, so the two cannot disagree about a layout. Pure codec layer.
 */
#include "config.h"

#include "shared/codec/smpp_pdu.h"

#include <string.h>

#include "shared/util/bytes.h"

enum field_type {
	FT_U8,		/* I1 */
	FT_CSTR,	/* C-Octet String, max octets incl. NUL */
	FT_TIME,	/* C(1|17): "" or 16 characters */
	FT_SM,		/* sm_length I1 + short_message O(sm_length) */
	FT_DESTS,	/* number_of_dests + dest_flag-tagged addresses */
	FT_DESTS33,	/* number_of_dests + ton/npi/addr (3.3 query_msg_details_resp) */
	FT_UNSUCC,	/* no_unsuccess + unsuccess_smes */
	FT_MSGIDS,	/* number_msgs + message_id C(9) each (3.3) */
};

struct field {
	uint8_t type;
	uint8_t max;
	uint16_t status;	/* what to answer when the field is bad */
	uint16_t off;		/* offsetof(struct smpp_pdu, field) */
};

#define OFF(f) ((uint16_t)offsetof(struct smpp_pdu, f))
#define U8(f) { FT_U8, 1, SMPP_ESME_RINVCMDLEN, OFF(f) }
#define CS(f, mx, st) { FT_CSTR, mx, st, OFF(f) }
#define TM(f, st) { FT_TIME, 17, st, OFF(f) }
#define SM { FT_SM, SMPP_SM_MAX, SMPP_ESME_RINVMSGLEN, OFF(sm_length) }
#define LIST(t, st) { t, 0, st, 0 }

static const struct field f_bind[] = {
	CS(system_id, 16, SMPP_ESME_RINVSYSID),
	CS(password, 9, SMPP_ESME_RINVPASWD),
	CS(system_type, 13, SMPP_ESME_RINVSYSTYP),
	U8(interface_version), U8(addr_ton), U8(addr_npi),
	CS(address_range, 41, SMPP_ESME_RBINDFAIL),
};
static const struct field f_bind_resp[] = {
	CS(system_id, 16, SMPP_ESME_RINVSYSID),
};
static const struct field f_outbind[] = {
	CS(system_id, 16, SMPP_ESME_RINVSYSID),
	CS(password, 9, SMPP_ESME_RINVPASWD),
};
static const struct field f_submit[] = {
	CS(service_type, 6, SMPP_ESME_RINVSERTYP),
	U8(source_addr_ton), U8(source_addr_npi),
	CS(source_addr, 21, SMPP_ESME_RINVSRCADR),
	U8(dest_addr_ton), U8(dest_addr_npi),
	CS(destination_addr, 21, SMPP_ESME_RINVDSTADR),
	U8(esm_class), U8(protocol_id), U8(priority_flag),
	TM(schedule_delivery_time, SMPP_ESME_RINVSCHED),
	TM(validity_period, SMPP_ESME_RINVEXPIRY),
	U8(registered_delivery), U8(replace_if_present_flag),
	U8(data_coding), U8(sm_default_msg_id),
	SM,
};
static const struct field f_message_id[] = {
	CS(message_id, 65, SMPP_ESME_RINVMSGID),
};
static const struct field f_data_sm[] = {
	CS(service_type, 6, SMPP_ESME_RINVSERTYP),
	U8(source_addr_ton), U8(source_addr_npi),
	CS(source_addr, 65, SMPP_ESME_RINVSRCADR),
	U8(dest_addr_ton), U8(dest_addr_npi),
	CS(destination_addr, 65, SMPP_ESME_RINVDSTADR),
	U8(esm_class), U8(registered_delivery), U8(data_coding),
};
static const struct field f_query_sm[] = {
	CS(message_id, 65, SMPP_ESME_RINVMSGID),
	U8(source_addr_ton), U8(source_addr_npi),
	CS(source_addr, 21, SMPP_ESME_RINVSRCADR),
};
static const struct field f_query_sm_resp[] = {
	CS(message_id, 65, SMPP_ESME_RINVMSGID),
	TM(final_date, SMPP_ESME_RINVPARLEN),
	U8(message_state), U8(error_code),
};
static const struct field f_cancel_sm[] = {
	CS(service_type, 6, SMPP_ESME_RINVSERTYP),
	CS(message_id, 65, SMPP_ESME_RINVMSGID),
	U8(source_addr_ton), U8(source_addr_npi),
	CS(source_addr, 21, SMPP_ESME_RINVSRCADR),
	U8(dest_addr_ton), U8(dest_addr_npi),
	CS(destination_addr, 21, SMPP_ESME_RINVDSTADR),
};
static const struct field f_replace_sm[] = {
	CS(message_id, 65, SMPP_ESME_RINVMSGID),
	U8(source_addr_ton), U8(source_addr_npi),
	CS(source_addr, 21, SMPP_ESME_RINVSRCADR),
	TM(schedule_delivery_time, SMPP_ESME_RINVSCHED),
	TM(validity_period, SMPP_ESME_RINVEXPIRY),
	U8(registered_delivery), U8(sm_default_msg_id),
	SM,
};
static const struct field f_submit_multi[] = {
	CS(service_type, 6, SMPP_ESME_RINVSERTYP),
	U8(source_addr_ton), U8(source_addr_npi),
	CS(source_addr, 21, SMPP_ESME_RINVSRCADR),
	LIST(FT_DESTS, SMPP_ESME_RINVNUMDESTS),
	U8(esm_class), U8(protocol_id), U8(priority_flag),
	TM(schedule_delivery_time, SMPP_ESME_RINVSCHED),
	TM(validity_period, SMPP_ESME_RINVEXPIRY),
	U8(registered_delivery), U8(replace_if_present_flag),
	U8(data_coding), U8(sm_default_msg_id),
	SM,
};
static const struct field f_submit_multi_resp[] = {
	CS(message_id, 65, SMPP_ESME_RINVMSGID),
	LIST(FT_UNSUCC, SMPP_ESME_RINVNUMDESTS),
};
static const struct field f_alert[] = {
	U8(source_addr_ton), U8(source_addr_npi),
	CS(source_addr, 65, SMPP_ESME_RINVSRCADR),
	U8(esme_addr_ton), U8(esme_addr_npi),
	CS(esme_addr, 65, SMPP_ESME_RINVDSTADR),
};
/*
 * SMPP 3.3-only PDUs, laid out from memory of the 3.3 specification (v1.2,
 * 1997) — [unverified]: param_name C(32), param_value C(101), num_messages
 * max 100, message ids C(9), the query_msg_details_resp order below.
 */
static const struct field f_param_retrieve[] = {
	CS(param_name, 32, SMPP_ESME_RINVPARLEN),
};
static const struct field f_param_retrieve_resp[] = {
	CS(param_value, 101, SMPP_ESME_RINVPARLEN),
};
static const struct field f_query_last_msgs[] = {
	U8(source_addr_ton), U8(source_addr_npi),
	CS(source_addr, 21, SMPP_ESME_RINVSRCADR),
	U8(number_of_messages),
};
static const struct field f_query_last_msgs_resp[] = {
	LIST(FT_MSGIDS, SMPP_ESME_RINVNUMMSGS),
};
static const struct field f_query_msg_details[] = {
	CS(message_id, 9, SMPP_ESME_RINVMSGID),
	U8(source_addr_ton), U8(source_addr_npi),
	CS(source_addr, 21, SMPP_ESME_RINVSRCADR),
	U8(return_sm_length),
};
static const struct field f_query_msg_details_resp[] = {
	CS(service_type, 6, SMPP_ESME_RINVSERTYP),
	U8(source_addr_ton), U8(source_addr_npi),
	CS(source_addr, 21, SMPP_ESME_RINVSRCADR),
	LIST(FT_DESTS33, SMPP_ESME_RINVNUMDESTS),
	U8(protocol_id), U8(priority_flag),
	TM(schedule_delivery_time, SMPP_ESME_RINVSCHED),
	TM(validity_period, SMPP_ESME_RINVEXPIRY),
	U8(registered_delivery), U8(data_coding),
	SM,
	CS(message_id, 9, SMPP_ESME_RINVMSGID),
	TM(final_date, SMPP_ESME_RINVPARLEN),
	U8(message_state), U8(error_code),
};

enum pdu_kind {
	K_REQ,		/* a request with a response */
	K_NORESP,	/* a request without one (outbind, alert_notification) */
	K_RESP,
	K_NACK,
};

struct pdu_desc {
	uint32_t id;
	const char *name;
	const struct field *fields;
	uint8_t nfields;
	uint8_t kind;
};

#define D(id, name, f, k) { id, name, f, sizeof(f) / sizeof((f)[0]), k }
#define D0(id, name, k) { id, name, NULL, 0, k }

static const struct pdu_desc pdus[] = {
	D(SMPP_SUBMIT_SM, "submit_sm", f_submit, K_REQ),
	D(SMPP_SUBMIT_SM_RESP, "submit_sm_resp", f_message_id, K_RESP),
	D(SMPP_DELIVER_SM, "deliver_sm", f_submit, K_REQ),
	D(SMPP_DELIVER_SM_RESP, "deliver_sm_resp", f_message_id, K_RESP),
	D0(SMPP_ENQUIRE_LINK, "enquire_link", K_REQ),
	D0(SMPP_ENQUIRE_LINK_RESP, "enquire_link_resp", K_RESP),
	D(SMPP_DATA_SM, "data_sm", f_data_sm, K_REQ),
	D(SMPP_DATA_SM_RESP, "data_sm_resp", f_message_id, K_RESP),
	D0(SMPP_GENERIC_NACK, "generic_nack", K_NACK),
	D(SMPP_BIND_RECEIVER, "bind_receiver", f_bind, K_REQ),
	D(SMPP_BIND_RECEIVER_RESP, "bind_receiver_resp", f_bind_resp, K_RESP),
	D(SMPP_BIND_TRANSMITTER, "bind_transmitter", f_bind, K_REQ),
	D(SMPP_BIND_TRANSMITTER_RESP, "bind_transmitter_resp", f_bind_resp,
	  K_RESP),
	D(SMPP_BIND_TRANSCEIVER, "bind_transceiver", f_bind, K_REQ),
	D(SMPP_BIND_TRANSCEIVER_RESP, "bind_transceiver_resp", f_bind_resp,
	  K_RESP),
	D(SMPP_OUTBIND, "outbind", f_outbind, K_NORESP),
	D0(SMPP_UNBIND, "unbind", K_REQ),
	D0(SMPP_UNBIND_RESP, "unbind_resp", K_RESP),
	D(SMPP_QUERY_SM, "query_sm", f_query_sm, K_REQ),
	D(SMPP_QUERY_SM_RESP, "query_sm_resp", f_query_sm_resp, K_RESP),
	D(SMPP_REPLACE_SM, "replace_sm", f_replace_sm, K_REQ),
	D0(SMPP_REPLACE_SM_RESP, "replace_sm_resp", K_RESP),
	D(SMPP_CANCEL_SM, "cancel_sm", f_cancel_sm, K_REQ),
	D0(SMPP_CANCEL_SM_RESP, "cancel_sm_resp", K_RESP),
	D(SMPP_SUBMIT_MULTI, "submit_multi", f_submit_multi, K_REQ),
	D(SMPP_SUBMIT_MULTI_RESP, "submit_multi_resp", f_submit_multi_resp,
	  K_RESP),
	D(SMPP_ALERT_NOTIFICATION, "alert_notification", f_alert, K_NORESP),
	D(SMPP_PARAM_RETRIEVE, "param_retrieve", f_param_retrieve, K_REQ),
	D(SMPP_PARAM_RETRIEVE_RESP, "param_retrieve_resp",
	  f_param_retrieve_resp, K_RESP),
	D(SMPP_QUERY_LAST_MSGS, "query_last_msgs", f_query_last_msgs, K_REQ),
	D(SMPP_QUERY_LAST_MSGS_RESP, "query_last_msgs_resp",
	  f_query_last_msgs_resp, K_RESP),
	D(SMPP_QUERY_MSG_DETAILS, "query_msg_details", f_query_msg_details,
	  K_REQ),
	D(SMPP_QUERY_MSG_DETAILS_RESP, "query_msg_details_resp",
	  f_query_msg_details_resp, K_RESP),
};

/* Most frequent first: submit_sm, deliver_sm and their responses. */
static const struct pdu_desc *pdu_find(uint32_t id)
{
	for (size_t i = 0; i < sizeof(pdus) / sizeof(pdus[0]); i++)
		if (pdus[i].id == id)
			return &pdus[i];
	return NULL;
}

enum tlv_type { TT_U8, TT_U16, TT_U32, TT_CSTR, TT_OCT, TT_NEC, TT_FLAG };

struct tlv_desc {
	uint16_t tag;
	uint8_t type;
	uint16_t min;
	uint16_t max;
	uint16_t off;	/* offsetof(struct smpp_tlvs, field) */
	const char *name;
};

#define TLV_OFF_FLAG(f) 0
#define TLV_OFF_U8(f) offsetof(struct smpp_tlvs, f)
#define TLV_OFF_U16(f) offsetof(struct smpp_tlvs, f)
#define TLV_OFF_U32(f) offsetof(struct smpp_tlvs, f)
#define TLV_OFF_CSTR(f) offsetof(struct smpp_tlvs, f)
#define TLV_OFF_OCT(f) offsetof(struct smpp_tlvs, f)
#define TLV_OFF_NEC(f) offsetof(struct smpp_tlvs, f)
#define X_TLV(NAME, f, tag, type, mn, mx) \
	{ tag, TT_##type, mn, mx, (uint16_t)TLV_OFF_##type(f), #f },

static const struct tlv_desc tlvs[SMPP_TI_COUNT] = { SMPP_TLV_LIST(X_TLV) };

static int tlv_find(uint16_t tag)
{
	for (int i = 0; i < SMPP_TI_COUNT; i++)
		if (tlvs[i].tag == tag)
			return i;
	return -1;
}

/* ---- decoding ---------------------------------------------------------- */

static long fail(struct smpp_error *err, int code, uint32_t status, size_t off)
{
	if (err != NULL) {
		err->code = code;
		err->status = status;
		err->offset = (uint32_t)off;
	}
	return code;
}

long smpp_pdu_frame(const uint8_t *p, size_t len, size_t max_pdu,
		    struct smpp_error *err)
{
	uint32_t n;

	if (len < 4)
		return 0;
	n = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	if (n < SMPP_HEADER_LEN || n > max_pdu) {
		if (err != NULL) {
			memset(err, 0, sizeof(*err));
			err->answer_id = SMPP_GENERIC_NACK;
			err->disconnect = true;
			if (len >= SMPP_HEADER_LEN) {
				err->command_id = (uint32_t)p[4] << 24 |
					(uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
				err->seq = (uint32_t)p[12] << 24 | (uint32_t)p[13] << 16 |
					(uint32_t)p[14] << 8 | p[15];
				err->seq_valid = true;
			}
		}
		return fail(err, SMPP_PDU_EBADLEN, SMPP_ESME_RINVCMDLEN, 0);
	}
	return len < n ? 0 : (long)n;
}

/* Reads a C-Octet String of at most max octets (incl. NUL) into dst. Fails
 * with the field's own status when it is too long, with ESME_RINVCMDLEN when
 * the body ends before its NUL. */
static int get_cstr(struct bytes_reader *r, char *dst, size_t max,
		    uint32_t *status)
{
	int n = bytes_get_cstr(r, dst, max);

	if (n == -1)
		*status = SMPP_ESME_RINVCMDLEN;
	return n;
}

static int get_dests(struct bytes_reader *r, struct smpp_pdu *out, bool flagged,
		     uint32_t *status)
{
	if (bytes_get_u8(r, &out->number_of_dests) != 0)
		return (*status = SMPP_ESME_RINVCMDLEN), -1;
	if (out->number_of_dests > SMPP_DESTS_MAX)
		return (*status = SMPP_ESME_RINVNUMDESTS), -1;
	for (unsigned i = 0; i < out->number_of_dests; i++) {
		struct smpp_dest *d = &out->list.dests[i];

		memset(d, 0, sizeof(*d));
		d->dest_flag = 1;
		if (flagged && bytes_get_u8(r, &d->dest_flag) != 0)
			return (*status = SMPP_ESME_RINVCMDLEN), -1;
		if (d->dest_flag == 2) {
			*status = SMPP_ESME_RINVDLNAME;
			if (get_cstr(r, d->addr, sizeof(d->addr), status) < 0)
				return -1;
			continue;
		}
		if (d->dest_flag != 1)
			return (*status = SMPP_ESME_RINVDESTFLAG), -1;
		if (bytes_get_u8(r, &d->ton) != 0 || bytes_get_u8(r, &d->npi) != 0)
			return (*status = SMPP_ESME_RINVCMDLEN), -1;
		*status = SMPP_ESME_RINVDSTADR;
		if (get_cstr(r, d->addr, sizeof(d->addr), status) < 0)
			return -1;
	}
	return 0;
}

static int get_unsucc(struct bytes_reader *r, struct smpp_pdu *out,
		      uint32_t *status)
{
	if (bytes_get_u8(r, &out->no_unsuccess) != 0)
		return (*status = SMPP_ESME_RINVCMDLEN), -1;
	if (out->no_unsuccess > SMPP_DESTS_MAX)
		return (*status = SMPP_ESME_RINVNUMDESTS), -1;
	for (unsigned i = 0; i < out->no_unsuccess; i++) {
		struct smpp_unsuccess *u = &out->list.unsuccess[i];

		memset(u, 0, sizeof(*u));
		if (bytes_get_u8(r, &u->ton) != 0 || bytes_get_u8(r, &u->npi) != 0)
			return (*status = SMPP_ESME_RINVCMDLEN), -1;
		*status = SMPP_ESME_RINVDSTADR;
		if (get_cstr(r, u->addr, sizeof(u->addr), status) < 0)
			return -1;
		if (bytes_get_u32(r, &u->error_status) != 0)
			return (*status = SMPP_ESME_RINVCMDLEN), -1;
	}
	return 0;
}

static int get_msgids(struct bytes_reader *r, struct smpp_pdu *out,
		      uint32_t *status)
{
	if (bytes_get_u8(r, &out->number_msgs) != 0)
		return (*status = SMPP_ESME_RINVCMDLEN), -1;
	if (out->number_msgs > SMPP_MSGIDS_MAX)
		return (*status = SMPP_ESME_RINVNUMMSGS), -1;
	for (unsigned i = 0; i < out->number_msgs; i++) {
		*status = SMPP_ESME_RINVMSGID;
		if (get_cstr(r, out->list.msg_ids[i], 9, status) < 0)
			return -1;
	}
	return 0;
}

static int get_field(struct bytes_reader *r, const struct field *f,
		     struct smpp_pdu *out, uint32_t *status)
{
	uint8_t *base = (uint8_t *)out + f->off;
	int n;

	*status = f->status;
	switch (f->type) {
	case FT_U8:
		return bytes_get_u8(r, base);
	case FT_CSTR:
		return get_cstr(r, (char *)base, f->max, status) < 0 ? -1 : 0;
	case FT_TIME:
		n = get_cstr(r, (char *)base, f->max, status);
		return n == 0 || n == SMPP_TIME_LEN ? 0 : -1;
	case FT_SM:
		if (bytes_get_u8(r, &out->sm_length) != 0)
			return (*status = SMPP_ESME_RINVCMDLEN), -1;
		if (out->sm_length > SMPP_SM_MAX)
			return -1;
		return bytes_get_raw(r, out->short_message, out->sm_length);
	case FT_DESTS:
	case FT_DESTS33:
		return get_dests(r, out, f->type == FT_DESTS, status);
	case FT_UNSUCC:
		return get_unsucc(r, out, status);
	case FT_MSGIDS:
		return get_msgids(r, out, status);
	}
	return -1;
}

static int tlv_store(struct smpp_tlvs *t, int idx, const uint8_t *v,
		     uint16_t len)
{
	const struct tlv_desc *d = &tlvs[idx];
	uint8_t *base = (uint8_t *)t + d->off;
	size_t n;

	if (len < d->min || len > d->max)
		return SMPP_ESME_RINVPARLEN;
	switch (d->type) {
	case TT_U8:
		*base = v[0];
		break;
	case TT_U16:
		*(uint16_t *)(void *)base = (uint16_t)(v[0] << 8 | v[1]);
		break;
	case TT_U32:
		*(uint32_t *)(void *)base = (uint32_t)v[0] << 24 |
			(uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
		break;
	case TT_CSTR:
		/* Some SMSCs leave out the NUL: accept that when it fits. */
		n = strnlen((const char *)v, len);
		if (n == d->max)
			return SMPP_ESME_RINVOPTPARAMVAL;
		memcpy(base, v, n);
		base[n] = '\0';
		break;
	case TT_OCT:
		((struct smpp_octets *)(void *)base)->p = v;
		((struct smpp_octets *)(void *)base)->len = len;
		break;
	case TT_NEC:
		((struct smpp_network_error *)(void *)base)->type = v[0];
		((struct smpp_network_error *)(void *)base)->code =
			(uint16_t)(v[1] << 8 | v[2]);
		break;
	case TT_FLAG:
		break;
	}
	return 0;
}

static int get_tlvs(struct bytes_reader *r, struct smpp_tlvs *t,
		    uint32_t *status)
{
	while (bytes_left(r) > 0) {
		uint16_t tag, len;
		const uint8_t *v;
		int idx, st;

		*status = SMPP_ESME_RINVOPTPARSTREAM;
		if (bytes_get_u16(r, &tag) != 0 || bytes_get_u16(r, &len) != 0 ||
		    bytes_left(r) < len)
			return -1;
		v = r->p + r->off;
		r->off += len;
		idx = tlv_find(tag);
		if (idx >= 0) {
			st = tlv_store(t, idx, v, len);
			if (st != 0)
				return (*status = (uint32_t)st), -1;
			if (!smpp_tlv_has(t, (unsigned)idx))
				t->order[t->n_order++] = (uint8_t)idx;
			smpp_tlv_set(t, (unsigned)idx);
		} else if (t->n_unknown < SMPP_UNKNOWN_TLV_MAX) {
			t->unknown[t->n_unknown].tag = tag;
			t->unknown[t->n_unknown].len = len;
			t->unknown[t->n_unknown].value = v;
			t->order[t->n_order++] = (uint8_t)(SMPP_TI_COUNT + t->n_unknown);
			t->n_unknown++;
		} else if (t->n_dropped < UINT8_MAX) {
			t->n_dropped++;
		}
	}
	return 0;
}

/* Who answers a bad PDU, and how. */
static void error_route(struct smpp_error *err, const struct pdu_desc *d)
{
	if (err == NULL)
		return;
	if (d == NULL)
		err->answer_id = SMPP_GENERIC_NACK;
	else if (d->kind == K_REQ)
		err->answer_id = d->id | SMPP_RESP_BIT;
	else if (d->kind == K_NACK)
		err->answer_id = 0;
	else
		err->answer_id = SMPP_GENERIC_NACK;
}

static long decode_body(struct bytes_reader *r, const struct pdu_desc *d,
			struct smpp_pdu *out, unsigned flags, struct smpp_error *err)
{
	uint32_t status = 0;

	if (d->kind == K_RESP && d->nfields > 0 && bytes_left(r) == 0) {
		out->no_body = true;
		return 0;
	}
	for (unsigned i = 0; i < d->nfields; i++)
		if (get_field(r, &d->fields[i], out, &status) != 0)
			return fail(err, SMPP_PDU_EFIELD, status, r->off);
	/* A UDH that claims more than short_message holds. */
	if ((out->esm_class & SMPP_ESM_UDHI) && out->sm_length > 0 &&
	    (size_t)out->short_message[0] + 1 > out->sm_length &&
	    d->fields == f_submit)
		return fail(err, SMPP_PDU_EFIELD, SMPP_ESME_RINVESMCLASS, r->off);
	if (bytes_left(r) == 0)
		return 0;
	if (flags & SMPP_F_V33) {
		if (flags & SMPP_F_V33_LAX)
			return 0;
		return fail(err, SMPP_PDU_ETLV, SMPP_ESME_RINVCMDLEN, r->off);
	}
	if (get_tlvs(r, &out->tlv, &status) != 0)
		return fail(err, SMPP_PDU_ETLV, status, r->off);
	return 0;
}

long smpp_pdu_decode(const uint8_t *p, size_t len, struct smpp_pdu *out,
		     unsigned flags, struct smpp_error *err)
{
	struct bytes_reader r;
	const struct pdu_desc *d;
	long n = smpp_pdu_frame(p, len, UINT32_MAX, err);

	if (n <= 0)
		return n;
	smpp_pdu_init(out, 0, 0);
	bytes_reader_init(&r, p, (size_t)n);
	bytes_get_u32(&r, &out->command_length);
	bytes_get_u32(&r, &out->command_id);
	bytes_get_u32(&r, &out->command_status);
	bytes_get_u32(&r, &out->sequence_number);
	if (err != NULL) {
		memset(err, 0, sizeof(*err));
		err->command_id = out->command_id;
		err->seq = out->sequence_number;
		err->seq_valid = true;
		err->skip = (uint32_t)n;
	}
	d = pdu_find(out->command_id);
	if (d == NULL) {
		error_route(err, NULL);
		return fail(err, SMPP_PDU_EBADID, SMPP_ESME_RINVCMDID, 4);
	}
	if (decode_body(&r, d, out, flags, err) != 0) {
		error_route(err, d);
		return err != NULL ? err->code : SMPP_PDU_EFIELD;
	}
	return n;
}

/* ---- encoding ---------------------------------------------------------- */

static int put_cstr(struct bytes_writer *w, const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	if (n >= max)
		return -1;
	bytes_put_raw(w, s, n + 1);
	return 0;
}

static int put_dests(struct bytes_writer *w, const struct smpp_pdu *pdu,
		     bool flagged)
{
	if (pdu->number_of_dests > SMPP_DESTS_MAX)
		return -1;
	bytes_put_u8(w, pdu->number_of_dests);
	for (unsigned i = 0; i < pdu->number_of_dests; i++) {
		const struct smpp_dest *d = &pdu->list.dests[i];

		if (flagged) {
			if (d->dest_flag != 1 && d->dest_flag != 2)
				return -1;
			bytes_put_u8(w, d->dest_flag);
		}
		if (!flagged || d->dest_flag == 1) {
			bytes_put_u8(w, d->ton);
			bytes_put_u8(w, d->npi);
		}
		if (put_cstr(w, d->addr, sizeof(d->addr)) != 0)
			return -1;
	}
	return 0;
}

static int put_unsucc(struct bytes_writer *w, const struct smpp_pdu *pdu)
{
	if (pdu->no_unsuccess > SMPP_DESTS_MAX)
		return -1;
	bytes_put_u8(w, pdu->no_unsuccess);
	for (unsigned i = 0; i < pdu->no_unsuccess; i++) {
		const struct smpp_unsuccess *u = &pdu->list.unsuccess[i];

		bytes_put_u8(w, u->ton);
		bytes_put_u8(w, u->npi);
		if (put_cstr(w, u->addr, sizeof(u->addr)) != 0)
			return -1;
		bytes_put_u32(w, u->error_status);
	}
	return 0;
}

static int put_msgids(struct bytes_writer *w, const struct smpp_pdu *pdu)
{
	if (pdu->number_msgs > SMPP_MSGIDS_MAX)
		return -1;
	bytes_put_u8(w, pdu->number_msgs);
	for (unsigned i = 0; i < pdu->number_msgs; i++)
		if (put_cstr(w, pdu->list.msg_ids[i], 9) != 0)
			return -1;
	return 0;
}

static int put_field(struct bytes_writer *w, const struct field *f,
		     const struct smpp_pdu *pdu)
{
	const uint8_t *base = (const uint8_t *)pdu + f->off;
	size_t n;

	switch (f->type) {
	case FT_U8:
		bytes_put_u8(w, *base);
		return 0;
	case FT_CSTR:
		return put_cstr(w, (const char *)base, f->max);
	case FT_TIME:
		n = strnlen((const char *)base, f->max);
		if (n != 0 && n != SMPP_TIME_LEN)
			return -1;
		bytes_put_raw(w, base, n + 1);
		return 0;
	case FT_SM:
		if (pdu->sm_length > SMPP_SM_MAX)
			return -1;
		bytes_put_u8(w, pdu->sm_length);
		bytes_put_raw(w, pdu->short_message, pdu->sm_length);
		return 0;
	case FT_DESTS:
	case FT_DESTS33:
		return put_dests(w, pdu, f->type == FT_DESTS);
	case FT_UNSUCC:
		return put_unsucc(w, pdu);
	case FT_MSGIDS:
		return put_msgids(w, pdu);
	}
	return -1;
}

static int put_tlv(struct bytes_writer *w, const struct smpp_tlvs *t, int idx)
{
	const struct tlv_desc *d = &tlvs[idx];
	const uint8_t *base = (const uint8_t *)t + d->off;
	const struct smpp_octets *o;
	const struct smpp_network_error *nec;
	size_t n;

	bytes_put_u16(w, d->tag);
	switch (d->type) {
	case TT_U8:
		bytes_put_u16(w, 1);
		bytes_put_u8(w, *base);
		break;
	case TT_U16:
		bytes_put_u16(w, 2);
		bytes_put_u16(w, *(const uint16_t *)(const void *)base);
		break;
	case TT_U32:
		bytes_put_u16(w, 4);
		bytes_put_u32(w, *(const uint32_t *)(const void *)base);
		break;
	case TT_CSTR:
		n = strnlen((const char *)base, d->max);
		if (n >= d->max)
			return -1;
		bytes_put_u16(w, (uint16_t)(n + 1));
		bytes_put_raw(w, base, n + 1);
		break;
	case TT_OCT:
		o = (const struct smpp_octets *)(const void *)base;
		if (o->len < d->min || o->len > d->max || (o->len && !o->p))
			return -1;
		bytes_put_u16(w, o->len);
		bytes_put_raw(w, o->p, o->len);
		break;
	case TT_NEC:
		nec = (const struct smpp_network_error *)(const void *)base;
		bytes_put_u16(w, 3);
		bytes_put_u8(w, nec->type);
		bytes_put_u16(w, nec->code);
		break;
	case TT_FLAG:
		bytes_put_u16(w, 0);
		break;
	}
	return 0;
}

static int put_tlvs(struct bytes_writer *w, const struct smpp_tlvs *t)
{
	uint64_t done = 0;

	for (unsigned i = 0; i < t->n_order && i < sizeof(t->order); i++) {
		unsigned o = t->order[i];

		if (o < SMPP_TI_COUNT) {
			if (!smpp_tlv_has(t, o) || (done >> o & 1))
				continue;
			if (put_tlv(w, t, (int)o) != 0)
				return -1;
			done |= UINT64_C(1) << o;
		} else if (o - SMPP_TI_COUNT < t->n_unknown &&
			   o - SMPP_TI_COUNT < SMPP_UNKNOWN_TLV_MAX) {
			const struct smpp_tlv_raw *u = &t->unknown[o - SMPP_TI_COUNT];

			bytes_put_u16(w, u->tag);
			bytes_put_u16(w, u->len);
			bytes_put_raw(w, u->value, u->len);
		}
	}
	for (int i = 0; i < SMPP_TI_COUNT; i++)
		if (smpp_tlv_has(t, (unsigned)i) && !(done >> i & 1) &&
		    put_tlv(w, t, i) != 0)
			return -1;
	return 0;
}

long smpp_pdu_encode(const struct smpp_pdu *pdu, unsigned flags, uint8_t *buf,
		     size_t cap)
{
	const struct pdu_desc *d = pdu_find(pdu->command_id);
	struct bytes_writer w;

	if (d == NULL)
		return SMPP_PDU_EINVAL;
	bytes_writer_init(&w, buf, cap);
	bytes_put_u32(&w, 0);
	bytes_put_u32(&w, pdu->command_id);
	bytes_put_u32(&w, pdu->command_status);
	bytes_put_u32(&w, pdu->sequence_number);
	if (!(d->kind == K_RESP && pdu->no_body)) {
		for (unsigned i = 0; i < d->nfields; i++)
			if (put_field(&w, &d->fields[i], pdu) != 0)
				return SMPP_PDU_ELIMIT;
	}
	if (!(flags & SMPP_F_V33) && put_tlvs(&w, &pdu->tlv) != 0)
		return SMPP_PDU_ELIMIT;
	if (w.overflow || w.len > UINT32_MAX)
		return SMPP_PDU_ENOSPACE;
	bytes_patch_u32(&w, 0, (uint32_t)w.len);
	return (long)w.len;
}

void smpp_pdu_init(struct smpp_pdu *pdu, uint32_t command_id, uint32_t seq)
{
	memset(pdu, 0, offsetof(struct smpp_pdu, list));
	pdu->command_id = command_id;
	pdu->sequence_number = seq;
}

int smpp_pdu_make_resp(const struct smpp_pdu *req, uint32_t status,
		       struct smpp_pdu *resp)
{
	const struct pdu_desc *d = pdu_find(req->command_id);

	if (d == NULL || d->kind != K_REQ)
		return -1;
	smpp_pdu_init(resp, req->command_id | SMPP_RESP_BIT, req->sequence_number);
	resp->command_status = status;
	return 0;
}

long smpp_pdu_encode_error_answer(const struct smpp_error *err, uint8_t *buf,
				  size_t cap)
{
	struct smpp_pdu pdu;

	if (err->answer_id == 0)
		return 0;
	smpp_pdu_init(&pdu, err->answer_id, err->seq_valid ? err->seq : 0);
	pdu.command_status = err->status;
	pdu.no_body = true;
	return smpp_pdu_encode(&pdu, SMPP_F_V33, buf, cap);
}

/* ---- names ------------------------------------------------------------- */

bool smpp_command_known(uint32_t command_id)
{
	return pdu_find(command_id) != NULL;
}

const char *smpp_command_name(uint32_t command_id)
{
	const struct pdu_desc *d = pdu_find(command_id);

	return d != NULL ? d->name : "unknown";
}

const char *smpp_tlv_name(uint16_t tag)
{
	int i = tlv_find(tag);

	return i >= 0 ? tlvs[i].name : "unknown";
}

#define ST(x) case SMPP_##x: return #x
const char *smpp_status_name(uint32_t status)
{
	switch (status) {
	ST(ESME_ROK); ST(ESME_RINVMSGLEN); ST(ESME_RINVCMDLEN);
	ST(ESME_RINVCMDID); ST(ESME_RINVBNDSTS); ST(ESME_RALYBND);
	ST(ESME_RINVPRTFLG); ST(ESME_RINVREGDLVFLG); ST(ESME_RSYSERR);
	ST(ESME_RINVSRCADR); ST(ESME_RINVDSTADR); ST(ESME_RINVMSGID);
	ST(ESME_RBINDFAIL); ST(ESME_RINVPASWD); ST(ESME_RINVSYSID);
	ST(ESME_RCANCELFAIL); ST(ESME_RREPLACEFAIL); ST(ESME_RMSGQFUL);
	ST(ESME_RINVSERTYP); ST(ESME_RINVNUMDESTS); ST(ESME_RINVDLNAME);
	ST(ESME_RINVDESTFLAG); ST(ESME_RINVSUBREP); ST(ESME_RINVESMCLASS);
	ST(ESME_RCNTSUBDL); ST(ESME_RSUBMITFAIL); ST(ESME_RINVSRCTON);
	ST(ESME_RINVSRCNPI); ST(ESME_RINVDSTTON); ST(ESME_RINVDSTNPI);
	ST(ESME_RINVSYSTYP); ST(ESME_RINVREPFLAG); ST(ESME_RINVNUMMSGS);
	ST(ESME_RTHROTTLED); ST(ESME_RINVSCHED); ST(ESME_RINVEXPIRY);
	ST(ESME_RINVDFTMSGID); ST(ESME_RX_T_APPN); ST(ESME_RX_P_APPN);
	ST(ESME_RX_R_APPN); ST(ESME_RQUERYFAIL); ST(ESME_RINVOPTPARSTREAM);
	ST(ESME_ROPTPARNOTALLWD); ST(ESME_RINVPARLEN);
	ST(ESME_RMISSINGOPTPARAM); ST(ESME_RINVOPTPARAMVAL);
	ST(ESME_RDELIVERYFAILURE); ST(ESME_RUNKNOWNERR); ST(ESME_RINVDCS);
	}
	return "unknown";
}
#undef ST
