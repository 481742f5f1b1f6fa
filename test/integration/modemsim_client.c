/*
 * modemsim_client — PDU helper for test/integration/modemsim_basic.sh (the AT
 * conversation itself is scripted in Python there). Uses the codec library:
 *
 *   modemsim_client decode HEX
 *       one line "type=deliver|submit|report sca=.. addr=.. toa=0x.. ..." or
 *       "error=N" (exit 1) when tpdu_decode refuses the PDU
 *   modemsim_client submit [--srr] [--ucs2] [--ref N] TO TEXT
 *       one line "LENGTH HEX" per part (AT+CMGS=<LENGTH>), concatenated with
 *       8-bit references when the text needs several parts
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/codec/sms_split.h"
#include "shared/codec/tpdu.h"

static const char *type_name(enum tpdu_type t)
{
	return t == TPDU_DELIVER ? "deliver" : t == TPDU_SUBMIT ? "submit" : "report";
}

static int decode(const char *hex)
{
	uint8_t pdu[TPDU_MAX + 16];
	struct tpdu t;
	int n = tpdu_hex_decode(hex, strlen(hex), pdu, sizeof(pdu)), rc;

	if (n < 0) {
		printf("error=%d\n", n);
		return 1;
	}
	rc = tpdu_decode(pdu, (size_t)n, &t);
	if (rc != n) {
		printf("error=%d\n", rc);
		return 1;
	}
	printf("type=%s sca=%s addr=%s toa=0x%02X first=0x%02X dcs=0x%02X mr=%u "
	       "srr=%d st=0x%02X tpdu_len=%zu", type_name(t.type),
	       t.sca.text[0] ? t.sca.text : "-", t.addr.text, t.addr.toa, t.first,
	       t.dcs, t.mr, t.srr, t.st, t.tpdu_len);
	if (t.has_udh && t.udh.has_concat)
		printf(" ref=%u seq=%u total=%u", t.udh.concat_ref, t.udh.concat_seq,
		       t.udh.concat_total);
	if (t.type == TPDU_STATUS_REPORT)
		printf(" scts_valid=%d dt_valid=%d stat=%s", t.scts.valid, t.dt.valid,
		       tpdu_status_stat(t.st));
	else if (t.type == TPDU_DELIVER)
		printf(" scts_valid=%d", t.scts.valid);
	printf(" text=%s\n", t.text);
	return 0;
}

static int submit(int argc, char **argv)
{
	struct sms_split_opts o = { 0 };
	struct sms_part parts[16];
	struct sms_split_info info;
	bool srr = false;
	int i = 0, n;
	size_t err_off;

	o.method = SMS_CONCAT_UDH8;
	o.max_parts = 16;
	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--srr") == 0)
			srr = true;
		else if (strcmp(argv[i], "--ucs2") == 0)
			o.coding = SMS_CODING_UCS2;
		else if (strcmp(argv[i], "--ref") == 0 && i + 1 < argc)
			o.ref = (uint16_t)atoi(argv[++i]);
		else
			return 2;
	}
	if (argc - i != 2)
		return 2;
	n = sms_split_text((const uint8_t *)argv[i + 1], strlen(argv[i + 1]), &o, parts,
			   16, &info, &err_off);
	if (n <= 0)
		return 1;
	for (int k = 0; k < n; k++) {
		bool ucs2 = info.coding == SMS_CODING_UCS2;
		struct tpdu_submit s = { 0 };
		uint8_t pdu[TPDU_MAX];
		char hex[2 * TPDU_MAX + 1];
		size_t tl;
		int len;

		s.da = argv[i];
		s.srr = srr;
		s.dcs = ucs2 ? 0x08 : 0x00;
		s.vpf = TPDU_VPF_RELATIVE;
		s.vp = 0xA7;
		s.udh = parts[k].udh_len ? parts[k].data : NULL;
		s.udh_len = parts[k].udh_len;
		s.ud = parts[k].data + parts[k].udh_len;
		s.ud_len = parts[k].len - parts[k].udh_len;
		len = tpdu_submit_encode(&s, pdu, sizeof(pdu), &tl);
		if (len < 0 || tpdu_hex_encode(pdu, (size_t)len, hex, sizeof(hex)) < 0)
			return 1;
		printf("%zu %s\n", tl, hex);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "decode") == 0)
		return decode(argv[2]);
	if (argc >= 4 && strcmp(argv[1], "submit") == 0)
		return submit(argc - 2, argv + 2);
	fprintf(stderr, "usage: modemsim_client decode HEX | submit [--srr] [--ucs2] "
		"[--ref N] TO TEXT\n");
	return 2;
}
