#!/usr/bin/env bash
# Against contrib/smscsim: parts asking for receipts are submitted, the
# receipts come back on the transceiver bind and complete the messages
# (DELIVRD / UNDELIV through bb_dlr); an MO is answered; a dropped connection
# is rebound and the remaining parts are sent; an SMPP 3.3 tx+rx link with hex
# ids in submit_sm_resp and decimal ones in receipts; SMPP 3.4 transmitter,
# receiver and tx+rx links (one with host = localhost, looked up without
# blocking; a name that does not resolve ends only that link's session).
. "$top_srcdir/test/integration/lib.sh"
. "$top_srcdir/test/integration/bb_link_lib.sh"
sim="$top_builddir/contrib/smscsim/smscsim"
[ -x "$sim" ] || { echo "SKIP: no smscsim"; exit 77; }
t_redis_start

t_spawn sim "$sim" --port 0 --control-port 0 --system-id hermod --password pw \
	--dlr-delay-ms 50 --enquire-interval 1
t_wait_log sim 'listening port=' 10
port=$(sed -n 's/.*listening port=\([0-9]*\).*/\1/p' "$T_DIR/sim.log" | head -1)
ctl=$(sed -n 's/.*control_port=\([0-9]*\).*/\1/p' "$T_DIR/sim.log" | head -1)
simctl() {
	exec 3<>"/dev/tcp/127.0.0.1/$ctl"
	echo "$*" >&3
	read -r SIM_ANSWER <&3
	exec 3<&-
}
{
	bbl_core
	cat <<CONF
group = smsc
smsc-id = sim
host = 127.0.0.1
port = $port
system-id = hermod
password = pw
sessions = 2
window = 20
reconnect-delay = 1s
enquire-link-interval = 1s
CONF
} >"$T_DIR/s.conf"
t_spawn bb "$top_builddir/bearerbox/bearerbox" -c "$T_DIR/s.conf"
t_wait_log bb 'link up smsc=sim' 10

n=50
for ((i = 1; i <= n; i++)); do
	bbl_msg "s$i" 447980000$i 1 1
	text="hello $i"
	[ "$i" = 7 ] && text="stat:UNDELIV hello"
	bbl_part sim "s$i" 1 1 447980000$i "$text" dlr 1
done
final_all() {
	local i
	for ((i = 1; i <= n; i++)); do
		[ -n "$(t_redis hget "$P:msg:s$i" final)" ] || return 1
	done
}
bbl_wait 20 final_all || t_fail "not every message got its receipt"
[ "$(t_redis hget "$P:msg:s1" p1)" = DELIVRD ] || t_fail "s1: $(t_redis hget "$P:msg:s1" p1)"
[ "$(t_redis hget "$P:msg:s7" p1)" = UNDELIV ] || t_fail "s7: $(t_redis hget "$P:msg:s7" p1)"
bbl_stream_empty sim || t_fail "queue not drained"
t_ok "$n parts submitted to smscsim, receipts correlated (DELIVRD, UNDELIV)"

simctl mo 447700900001 447700900002 hi there
[ "${SIM_ANSWER%% *}" = OK ] || t_fail "mo: $SIM_ANSWER"
answered() { simctl stats; [[ " $SIM_ANSWER " == *" deliver_resp=$1 "* ]]; }
bbl_wait 10 answered $((n + 1)) || t_fail "MO not answered: $SIM_ANSWER"
t_ok "MO deliver_sm answered"

simctl drop
for ((i = 1; i <= 20; i++)); do bbl_msg "d$i" 447981000$i; bbl_part sim "d$i" 1 1 447981000$i "after $i"; done
t_wait_log bb 'session down smsc=sim' 10
enroute_all() {
	local i
	for ((i = 1; i <= 20; i++)); do
		[ -n "$(t_redis hget "$P:msg:d$i" op1)" ] || return 1
	done
}
bbl_wait 20 enroute_all || t_fail "parts after the drop not sent"
bbl_wait 10 bbl_stream_empty sim || t_fail "queue not drained after the drop"
t_ok "connection dropped by smscsim: rebound and the 20 parts sent"
kill -TERM "$T_PID_bb"; wait "$T_PID_bb" || t_fail "bearerbox exit status"
t_ok "SIGTERM: exit 0"

# --- SMPP 3.3, transmitter + receiver pair, hex ids in submit_sm_resp and
# decimal ones in the receipts (msg-id-type = resp-hex)
t_spawn sim3 "$sim" --port 0 --system-id hermod3 --id-format hex \
	--dlr-id-format decimal --dlr-delay-ms 50
t_wait_log sim3 'listening port=' 10
port3=$(sed -n 's/.*listening port=\([0-9]*\).*/\1/p' "$T_DIR/sim3.log" | head -1)
{
	bbl_core
	cat <<CONF
group = smsc
smsc-id = sim3
host = 127.0.0.1
port = $port3
system-id = hermod3
bind-mode = tx+rx
interface-version = 33
msg-id-type = resp-hex
window = 20
reconnect-delay = 1s
CONF
} >"$T_DIR/s3.conf"
t_spawn bb3 "$top_builddir/bearerbox/bearerbox" -c "$T_DIR/s3.conf"
t_wait_log bb3 'link up smsc=sim3' 10
n=20
for ((i = 1; i <= n; i++)); do
	bbl_msg "h$i" 447982000$i 1 1
	bbl_part sim3 "h$i" 1 1 447982000$i "three three $i" dlr 1
done
final3() {
	local i
	for ((i = 1; i <= n; i++)); do
		[ "$(t_redis hget "$P:msg:h$i" final)" = DELIVRD ] || return 1
	done
}
bbl_wait 20 final3 || t_fail "3.3 tx+rx: receipts not correlated"
grep -q 'type=bind_transmitter version=0x33' "$T_DIR/sim3.log" || t_fail "3.3: no transmitter bind"
grep -q 'type=bind_receiver version=0x33' "$T_DIR/sim3.log" || t_fail "3.3: no receiver bind"
t_ok "SMPP 3.3 tx+rx: $n parts sent on the transmitter, hex/decimal receipts matched on the receiver"
kill -TERM "$T_PID_bb3"; wait "$T_PID_bb3" || t_fail "3.3: exit status"

# --- the other bind modes against smscsim (SMPP 3.4): a transmitter link
# sends, a receiver link takes an MO, a tx+rx link sends on its transmitter
# and gets the receipts on its receiver
t_spawn simb "$sim" --port 0 --control-port 0 --dlr-delay-ms 50
t_wait_log simb 'listening port=' 10
portb=$(sed -n 's/.*listening port=\([0-9]*\).*/\1/p' "$T_DIR/simb.log" | head -1)
ctl=$(sed -n 's/.*control_port=\([0-9]*\).*/\1/p' "$T_DIR/simb.log" | head -1)
{
	bbl_core
	for l in tx:transmitter rx:receiver txrx:tx+rx; do
		host=127.0.0.1
		[ "$l" = tx:transmitter ] && host=localhost	# looked up (evdns)
		cat <<CONF
group = smsc
smsc-id = m${l%%:*}
host = $host
port = $portb
system-id = sys${l%%:*}
bind-mode = ${l#*:}
window = 10
reconnect-delay = 1s

CONF
	done
	cat <<CONF
group = smsc
smsc-id = mbad
host = no-such-host.invalid
port = $portb
system-id = sysbad
response-timeout = 3s
reconnect-delay = 1s
CONF
} >"$T_DIR/sb.conf"
t_spawn bbb "$top_builddir/bearerbox/bearerbox" -c "$T_DIR/sb.conf"
t_wait_log bbb 'link up smsc=mtx' 10
t_wait_log bbb 'link up smsc=mtxrx' 10
t_wait_log simb 'system_id=sysrx type=bind_receiver version=0x34 result=ESME_ROK' 10
grep -q 'system_id=systx type=bind_transmitter version=0x34 result=ESME_ROK' "$T_DIR/simb.log" ||
	t_fail "modes: no transmitter bind"
grep -q 'system_id=systxrx type=bind_transmitter version=0x34' "$T_DIR/simb.log" &&
	grep -q 'system_id=systxrx type=bind_receiver version=0x34' "$T_DIR/simb.log" ||
	t_fail "modes: tx+rx did not bind both"
grep -q 'type=bind_transceiver' "$T_DIR/simb.log" && t_fail "modes: a transceiver bind"
n=10
for ((i = 1; i <= n; i++)); do
	bbl_msg "mt$i" 447983000$i
	bbl_part mtx "mt$i" 1 1 447983000$i "tx $i"
	bbl_msg "mp$i" 447984000$i 1 1
	bbl_part mtxrx "mp$i" 1 1 447984000$i "txrx $i" dlr 1
done
modes_done() {
	local i
	for ((i = 1; i <= n; i++)); do
		[ -n "$(t_redis hget "$P:msg:mt$i" op1)" ] || return 1
		[ "$(t_redis hget "$P:msg:mp$i" final)" = DELIVRD ] || return 1
	done
}
bbl_wait 20 modes_done || t_fail "modes: parts not sent or receipts not matched"
[ "$(grep -c 'system_id=systx cmd=submit_sm ' "$T_DIR/simb.log")" = $n ] || t_fail "modes: transmitter submits"
simctl mo@sysrx 447700900001 447700900002 to the receiver
[ "${SIM_ANSWER%% *}" = OK ] || t_fail "modes: mo: $SIM_ANSWER"
bbl_wait 10 grep -q 'system_id=sysrx cmd=deliver_sm_resp .*status=0x00000000' "$T_DIR/simb.log" ||
	t_fail "modes: MO on the receiver bind not answered"
t_ok "3.4 transmitter: $n parts sent; receiver: MO answered; tx+rx: $n parts sent, receipts matched"
grep -q 'conn resolve failed peer=no-such-host.invalid\|conn resolve timeout peer=no-such-host.invalid' "$T_DIR/bbb.log" ||
	t_wait_log bbb 'conn resolve (failed|timeout) peer=no-such-host.invalid' 10
t_wait_log bbb 'session down smsc=mbad session=1 reason=(cannot resolve host|resolve timeout)' 10
grep -q 'bound smsc=mtx .*peer=127.0.0.1:' "$T_DIR/bbb.log" || t_fail "host = localhost: not bound to 127.0.0.1"
t_ok "host = localhost looked up and bound; a name that does not resolve ends the session and is retried"

kill -TERM "$T_PID_bbb"; wait "$T_PID_bbb" || t_fail "modes: exit status"
