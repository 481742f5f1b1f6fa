#!/usr/bin/env bash
# Each bind mode against the npm smpp operator: parts XADDed to P:q:LINK are
# submitted with the right addresses and coding, acknowledged only after the
# operator answered; enquire_link both ways; SIGTERM unbinds and exits 0.
. "$top_srcdir/test/integration/lib.sh"
. "$top_srcdir/test/integration/bb_link_lib.sh"
bbl_need_node
t_redis_start

mode_test() {
	local mode=$1 version=$2 n=$3 op=op_$4
	bbl_operator "$op" system-id=hermod password=pw enquire-ms=500 mo=447700900999
	local port
	eval "port=\$OP_PORT_$op"
	{
		bbl_core
		cat <<CONF
group = smsc
smsc-id = $4
host = 127.0.0.1
port = $port
system-id = hermod
password = pw
system-type = VMA
bind-mode = $mode
sessions = 2
window = 5
interface-version = $version
enquire-link-interval = 1s
reconnect-delay = 1s
CONF
	} >"$T_DIR/$4.conf"
	t_spawn "bb_$4" "$top_builddir/bearerbox/bearerbox" -c "$T_DIR/$4.conf"
	local binds=2
	[ "$mode" = "tx+rx" ] && binds=4
	bbl_wait 10 bbl_count_ge "$T_DIR/$op.jsonl" bind "$binds" ||
		t_fail "$mode: $binds binds expected"
	grep '"ev":"bind"' "$T_DIR/$op.jsonl" | grep -q '"system_type":"VMA"' ||
		t_fail "$mode: system_type not sent"
	grep '"ev":"bind"' "$T_DIR/$op.jsonl" | grep -q "\"version\":$((16#$version))" ||
		t_fail "$mode: interface_version $version not sent"
	t_ok "$mode ($version): $binds binds with system_type and version"

	if [ "$mode" != receiver ]; then
		local i
		for ((i = 1; i <= n; i++)); do
			bbl_msg "$4$i" 4479000000$i
			bbl_part "$4" "$4$i" 1 1 4479000000$i "hello $i"
		done
		bbl_wait 15 bbl_count_ge "$T_DIR/$op.jsonl" submit "$n" ||
			t_fail "$mode: $n submits expected, got $(bbl_count "$T_DIR/$op.jsonl" submit)"
		bbl_wait 10 bbl_stream_empty "$4" || t_fail "$mode: queue not acknowledged"
		local line
		line=$(grep '"ev":"submit"' "$T_DIR/$op.jsonl" | grep '"to":"44790000001"' | head -1)
		echo "$line" | grep -q '"dton":1,"dnpi":1' || t_fail "dest TON/NPI: $line"
		echo "$line" | grep -q '"ston":5,"snpi":0' || t_fail "alnum source TON/NPI: $line"
		echo "$line" | grep -q "\"sm\":\"$(printf 'hello 1' | od -An -tx1 | tr -d ' \n')\"" ||
			t_fail "short_message: $line"
		[ -n "$(t_redis hget "$P:msg:${4}1" op1)" ] || t_fail "no operator id op1"
		[ -n "$(t_redis hget "$P:msg:${4}1" op1)" ] || t_fail "op1 not stored"
		t_ok "$mode: $n parts submitted, acknowledged and recorded"
	fi
	if [ "$mode" != transmitter ]; then
		bbl_wait 10 bbl_count_ge "$T_DIR/$op.jsonl" deliver_sm_resp 1 ||
			t_fail "$mode: deliver_sm not answered"
		grep '"ev":"deliver_sm_resp"' "$T_DIR/$op.jsonl" | head -1 | grep -q '"status":0' ||
			t_fail "$mode: deliver_sm answered with an error"
		t_ok "$mode: deliver_sm answered"
	fi
	bbl_wait 10 bbl_count_ge "$T_DIR/$op.jsonl" enquire_link 1 ||
		t_fail "$mode: no enquire_link from the bearerbox"
	bbl_wait 10 bbl_count_ge "$T_DIR/$op.jsonl" enquire_link_resp 1 ||
		t_fail "$mode: the bearerbox did not answer enquire_link"
	t_ok "$mode: enquire_link both ways"

	local pid
	eval "pid=\$T_PID_bb_$4"
	kill -TERM "$pid"
	local rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 0 ] || t_fail "$mode: bearerbox exited $rc on SIGTERM"
	bbl_count_ge "$T_DIR/$op.jsonl" unbind "$binds" || t_fail "$mode: not every session unbound"
	[ "$(t_redis exists "$P:link:$4:up")" = 0 ] || t_fail "$mode: link-up key left"
	t_ok "$mode: SIGTERM unbinds every session and exits 0"
}

mode_test transceiver 34 20 trx
mode_test transmitter 34 10 tx
mode_test receiver 34 0 rx
mode_test "tx+rx" 33 10 txrx
