#!/usr/bin/env bash
# What a part looks like on the wire: data_coding per the link's data-coding
# (GSM 03.38 as is; Latin-1 converted, UCS-2 when it does not fit), flash
# (class 0 DCS), UDH (esm_class 0x40), SAR TLVs (a UDH on SMPP 3.3),
# message_payload for a long part, TON/NPI derived and overridden, validity and
# registered_delivery.
. "$top_srcdir/test/integration/lib.sh"
. "$top_srcdir/test/integration/bb_link_lib.sh"
bbl_need_node
t_redis_start
bbl_operator op

link() { # ID extra-lines...
	local id=$1
	shift
	printf 'group = smsc\nsmsc-id = %s\nhost = 127.0.0.1\nport = %s\nsystem-id = hermod\nreconnect-delay = 1s\n' \
		"$id" "$OP_PORT_op"
	printf '%s\n' "$@"
	echo
}
{
	bbl_core
	link gsm
	link lat "data-coding = latin1"
	link uc "data-coding = ucs2"
	link v33 "interface-version = 33"
	link ton "source-ton = 1" "source-npi = 1" "dest-ton = 0" "dest-npi = 0"
} >"$T_DIR/c.conf"
t_spawn bb "$top_builddir/bearerbox/bearerbox" -c "$T_DIR/c.conf"
bbl_wait 10 bbl_count_ge "$T_DIR/op.jsonl" bind 6 || t_fail "not every link bound"

# part LINK TO [field value]... (data and coding given as fields)
part() {
	local link=$1 to=$2
	shift 2
	bbl_msg "$to" "$to"
	t_redis xadd "$P:q:$link" '*' id "$to" part 1 parts 1 acct acme to "$to" from Hermod \
		coding 0 udh "" sar "" flash 0 dlr 0 ts "${EPOCHSECONDS}000" tries 0 validity "" \
		origin http "$@" >/dev/null
}
part gsm 4400000001 data $'Hi \x01\x05\x1b\x65'
part lat 4400000002 data $'caf\x05'
part lat 4400000003 data $'caf\x05 \x1b\x65'
part gsm 4400000004 data "flash" flash 1
part gsm 4400000005 data $'\x04\x10' coding 8
part gsm 4400000006 data $'\x04\x10' coding 8 flash 1
part gsm 4400000007 data part1 udh $'\x06\x08\x04\x12\x34\x02\x01'
part gsm 4400000008 data sar1 sar 42:2:1
part v33 4400000009 data sar2 sar 42:2:2
long=$(printf 'x%.0s' $(seq 1 300))
part gsm 4400000010 data "$long"
part gsm 4400000011 data from from +447700900123
part gsm 4400000012 data from from 12345
part ton 4400000013 data ton from 12345
part gsm 4400000014 data vp validity 3600 dlr 1
part uc 4400000015 data $'ab'
part gsm 4400000016 data bin coding 4 flash 1
bbl_wait 15 bbl_count_ge "$T_DIR/op.jsonl" resp 16 || t_fail "not every part submitted"

sub() { grep '"ev":"submit"' "$T_DIR/op.jsonl" | grep "\"to\":\"$1\""; }
has() { # TO PATTERN WHAT
	sub "$1" | grep -q "$2" || t_fail "$3: $(sub "$1")"
}
has 4400000001 '"dcs":0,"esm":0,.*"sm":"48692001051b65"' "GSM 03.38 sent as is with DCS 0"
has 4400000002 '"dcs":0,.*"sm":"636166e9"' "latin1 link: Latin-1 octets"
has 4400000003 '"dcs":8,.*"sm":"00630061006600e9002020ac"' "latin1 link: UCS-2 fallback for the euro sign"
has 4400000004 '"dcs":16,' "flash GSM: DCS 0x10"
has 4400000005 '"dcs":8,.*"sm":"0410"' "UCS-2: DCS 8"
has 4400000006 '"dcs":24,' "flash UCS-2: DCS 0x18"
has 4400000007 '"esm":64,.*"sm":"060804123402017061727431"' "UDH: esm_class 0x40 and the UDH first"
has 4400000008 '"esm":0,.*"sar":\[42,2,1\]' "SAR TLVs on 3.4"
has 4400000009 '"esm":64,.*"sm":"0500032a020273617232"' "SAR as a UDH on 3.3"
has 4400000010 "\"sm\":\"\",\"payload\":\"$(printf '78%.0s' $(seq 1 300))\"" "message_payload for 300 octets"
has 4400000011 '"from":"447700900123","ston":1,"snpi":1,"dton":1,"dnpi":1' "+international sender 1/1"
has 4400000012 '"from":"12345","ston":2,"snpi":1' "digit sender 2/1"
has 4400000013 '"ston":1,"snpi":1,"dton":0,"dnpi":0' "TON/NPI overridden per link"
has 4400000014 '"rd":1,' "registered_delivery 1 for a part wanting a receipt"
vline=$(sub 4400000014)
vp=$(echo "$vline" | sed 's/.*"vp":"\([^"]*\)".*/\1/')
vt=$(echo "$vline" | sed 's/.*"t":\([0-9]*\).*/\1/')
vpms=$(date -d "$vp" +%s%3N 2>/dev/null) || t_fail "validity not decoded: $vline"
d=$(( vpms - vt - 3600000 ))
[ "${d#-}" -lt 5000 ] || t_fail "relative validity of 1 h decoded as $vp"
has 4400000015 '"dcs":8,.*"sm":"00610062"' "ucs2 link: always UCS-2"
has 4400000016 '"dcs":20,' "flash 8-bit: DCS 0x14"
has 4400000002 '"from":"Hermod","ston":5,"snpi":0' "alphanumeric sender 5/0"
t_ok "16 parts: data_coding, conversions, flash, UDH, SAR, payload, TON/NPI, validity"
