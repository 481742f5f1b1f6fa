/*
 * smpp_pdu_def — the SMPP 3.4 TLVs (optional parameters) declared once.
 *
 * Expanded by smpp_pdu.h into tag constants, index constants and the typed fields
 * of struct smpp_tlvs, and by smpp_pdu.c into the decode/encode table, the way
 * Kannel's smpp_pdu.def declares its PDUs. protocols.md §1.5.
 *
 * X(NAME, field, tag, type, min, max): type is U8, U16, U32 (fixed length),
 * CSTR (C-Octet String, max octets incl. NUL), OCT (octet string min..max octets,
 * borrowed from the input), NEC (network_error_code, 3 octets) or FLAG (length 0).
 * Only included by smpp_pdu.h and smpp_pdu.c.
 */
#ifndef HERMOD_SMPP_PDU_DEF_H
#define HERMOD_SMPP_PDU_DEF_H

#define SMPP_TLV_LIST(X) \
	X(DEST_ADDR_SUBUNIT, dest_addr_subunit, 0x0005, U8, 1, 1) \
	X(DEST_NETWORK_TYPE, dest_network_type, 0x0006, U8, 1, 1) \
	X(SOURCE_ADDR_SUBUNIT, source_addr_subunit, 0x000D, U8, 1, 1) \
	X(SOURCE_NETWORK_TYPE, source_network_type, 0x000E, U8, 1, 1) \
	X(QOS_TIME_TO_LIVE, qos_time_to_live, 0x0017, U32, 4, 4) \
	X(PAYLOAD_TYPE, payload_type, 0x0019, U8, 1, 1) \
	X(ADDITIONAL_STATUS_INFO_TEXT, additional_status_info_text, 0x001D, CSTR, 1, 256) \
	X(RECEIPTED_MESSAGE_ID, receipted_message_id, 0x001E, CSTR, 1, 65) \
	X(MS_MSG_WAIT_FACILITIES, ms_msg_wait_facilities, 0x0030, U8, 1, 1) \
	X(PRIVACY_INDICATOR, privacy_indicator, 0x0201, U8, 1, 1) \
	X(SOURCE_SUBADDRESS, source_subaddress, 0x0202, OCT, 2, 23) \
	X(DEST_SUBADDRESS, dest_subaddress, 0x0203, OCT, 2, 23) \
	X(USER_MESSAGE_REFERENCE, user_message_reference, 0x0204, U16, 2, 2) \
	X(USER_RESPONSE_CODE, user_response_code, 0x0205, U8, 1, 1) \
	X(SOURCE_PORT, source_port, 0x020A, U16, 2, 2) \
	X(DESTINATION_PORT, destination_port, 0x020B, U16, 2, 2) \
	X(SAR_MSG_REF_NUM, sar_msg_ref_num, 0x020C, U16, 2, 2) \
	X(LANGUAGE_INDICATOR, language_indicator, 0x020D, U8, 1, 1) \
	X(SAR_TOTAL_SEGMENTS, sar_total_segments, 0x020E, U8, 1, 1) \
	X(SAR_SEGMENT_SEQNUM, sar_segment_seqnum, 0x020F, U8, 1, 1) \
	X(SC_INTERFACE_VERSION, sc_interface_version, 0x0210, U8, 1, 1) \
	X(CALLBACK_NUM_PRES_IND, callback_num_pres_ind, 0x0302, U8, 1, 1) \
	X(CALLBACK_NUM_ATAG, callback_num_atag, 0x0303, OCT, 0, 65) \
	X(NUMBER_OF_MESSAGES, number_of_messages, 0x0304, U8, 1, 1) \
	X(CALLBACK_NUM, callback_num, 0x0381, OCT, 4, 19) \
	X(DPF_RESULT, dpf_result, 0x0420, U8, 1, 1) \
	X(SET_DPF, set_dpf, 0x0421, U8, 1, 1) \
	X(MS_AVAILABILITY_STATUS, ms_availability_status, 0x0422, U8, 1, 1) \
	X(NETWORK_ERROR_CODE, network_error_code, 0x0423, NEC, 3, 3) \
	X(MESSAGE_PAYLOAD, message_payload, 0x0424, OCT, 0, 65535) \
	X(DELIVERY_FAILURE_REASON, delivery_failure_reason, 0x0425, U8, 1, 1) \
	X(MORE_MESSAGES_TO_SEND, more_messages_to_send, 0x0426, U8, 1, 1) \
	X(MESSAGE_STATE, message_state, 0x0427, U8, 1, 1) \
	X(USSD_SERVICE_OP, ussd_service_op, 0x0501, U8, 1, 1) \
	X(DISPLAY_TIME, display_time, 0x1201, U8, 1, 1) \
	X(SMS_SIGNAL, sms_signal, 0x1203, U16, 2, 2) \
	X(MS_VALIDITY, ms_validity, 0x1204, U8, 1, 1) \
	X(ALERT_ON_MESSAGE_DELIVERY, alert_on_message_delivery, 0x130C, FLAG, 0, 0) \
	X(ITS_REPLY_TYPE, its_reply_type, 0x1380, U8, 1, 1) \
	X(ITS_SESSION_INFO, its_session_info, 0x1383, OCT, 2, 2)

#endif
