#!/usr/bin/env bash
# Temporary failures retry with backoff: an operator that never answers one
# destination (npm smpp operator, silent-to=) makes that part time out, each
# timeout counting a try, so it is sent again at growing spacing while the
# other parts go through; smscsim answering ESME_RMSGQFUL (0x14), then
# ESME_RSYSERR (0x08), to every submit: the parts are retried 1 s, then 2 s
# apart, and delivered once the errors stop; smscsim answering later than
# response-timeout: the session is reset and the parts delivered once it
# answers in time again.
. "$top_srcdir/test/integration/lib.sh"
. "$top_srcdir/test/integration/bb_link_lib.sh"
bbl_need_node
sim="$top_builddir/contrib/smscsim/smscsim"
[ -x "$sim" ] || { echo "SKIP: no smscsim"; exit 77; }
t_redis_start

link_conf() { # NAME PORT
	bbl_core
	cat <<CONF
group = smsc
smsc-id = $1
host = 127.0.0.1
port = $2
system-id = hermod
window = 10
reconnect-delay = 1s
response-timeout = 1s
CONF
}

# gaps TIMES... -> "g1 g2 ..." in ms between consecutive times
gaps() {
	local prev= t out=
	for t in "$@"; do
		[ -n "$prev" ] && out="$out $((t - prev))"
		prev=$t
	done
	echo $out
}

# --- one destination never answered: backoff for it, the rest delivered
silent=447970000005
bbl_operator ops silent-to=$silent
link_conf s "$OP_PORT_ops" >"$T_DIR/s.conf"
n=12
for ((i = 1; i <= n; i++)); do
	bbl_msg "s$i" 4479700000$(printf %02d $i)
	bbl_part s "s$i" 1 1 4479700000$(printf %02d $i) "s $i"
done
t_spawn bbs "$top_builddir/bearerbox/bearerbox" -c "$T_DIR/s.conf"
tries_ge() { [ "$(grep '"ev":"submit_unanswered"' "$T_DIR/ops.jsonl" | grep -c "\"to\":\"$silent\"")" -ge "$1" ]; }
bbl_wait 30 tries_ge 4 || t_fail "silent: fewer than 4 tries of the unanswered part"
set -- $(gaps $(grep '"ev":"submit_unanswered"' "$T_DIR/ops.jsonl" | head -4 | sed 's/.*"t":\([0-9]*\).*/\1/'))
g1=$1 g2=$2 g3=$3
[ "$g2" -ge $((g1 + 300)) ] && [ "$g3" -ge $((g1 + 1800)) ] ||
	t_fail "silent: tries ${g1}, ${g2}, ${g3} ms apart: no growing backoff"
for ((i = 1; i <= n; i++)); do
	[ "$i" = 5 ] && continue
	[ -n "$(t_redis hget "$P:msg:s$i" op1)" ] || t_fail "silent: s$i not delivered"
done
[ -z "$(t_redis hget "$P:msg:s5" op1)" ] || t_fail "silent: s5 has an operator id"
t_wait_log bbs 'response timeout smsc=s session=1 seq=[0-9]* id=s5 part=1' 1
t_ok "unanswered part tried ${g1}, ${g2}, ${g3} ms apart; the other $((n - 1)) delivered"
kill -TERM "$T_PID_bbs"; wait "$T_PID_bbs" || t_fail "silent: exit status"

# --- smscsim: temporary errors, then a late answer
t_spawn sim "$sim" --port 0 --control-port 0 --dlr-delay-ms 50
t_wait_log sim 'listening port=' 10
port=$(sed -n 's/.*listening port=\([0-9]*\).*/\1/p' "$T_DIR/sim.log" | head -1)
ctl=$(sed -n 's/.*control_port=\([0-9]*\).*/\1/p' "$T_DIR/sim.log" | head -1)
simctl() {
	exec 3<>"/dev/tcp/127.0.0.1/$ctl"
	echo "$*" >&3
	read -r SIM_ANSWER <&3
	exec 3<&-
	[ "${SIM_ANSWER%% *}" = OK ] || t_fail "smscsim $*: $SIM_ANSWER"
}
link_conf m "$port" >"$T_DIR/m.conf"
t_spawn bbm "$top_builddir/bearerbox/bearerbox" -c "$T_DIR/m.conf"
t_wait_log bbm 'link up smsc=m' 10
sim_rx() { grep -c "cmd=submit_sm .*dst=$1 " "$T_DIR/sim.log" || true; }
sim_rx_ge() { [ "$(sim_rx "$1")" -ge "$2" ]; }
sim_times() { # DST -> ms times of its submits (UTC of the day)
	grep "cmd=submit_sm .*dst=$1 " "$T_DIR/sim.log" | cut -c12-23 |
		awk -F'[:.]' '{ print (($1 * 60 + $2) * 60 + $3) * 1000 + $4 }'
}
has_op() { [ -n "$(t_redis hget "$P:msg:$1" op1)" ]; }
retry_status() { # STATUS NAME PREFIX DIGIT
	local st=$1 name=$2 dst
	simctl set error-status "$st"
	simctl set error-rate 100
	for ((i = 1; i <= 3; i++)); do
		dst=44797100$4$i
		bbl_msg "$3$i" "$dst"
		bbl_part m "$3$i" 1 1 "$dst" "$name $i"
	done
	bbl_wait 15 sim_rx_ge "$dst" 3 || t_fail "$name: not retried twice"
	simctl set error-rate 0
	for ((i = 1; i <= 3; i++)); do
		bbl_wait 15 has_op "$3$i" ||
			t_fail "$name: $3$i not delivered after the errors stopped"
	done
	set -- $(gaps $(sim_times "$dst" | head -3))
	[ "$1" -ge 900 ] && [ "$2" -ge $(($1 + 500)) ] ||
		t_fail "$name: tries $1 and $2 ms apart, expected about 1000 and 2000"
	t_ok "$name ($st): retried $1 then $2 ms later, delivered when the errors stopped"
}
retry_status 0x14 ESME_RMSGQFUL q 1
retry_status 0x08 ESME_RSYSERR y 2

simctl set latency-ms 1800
bbl_msg late1 447972000001
bbl_part m late1 1 1 447972000001 "late"
t_wait_log bbm 'response timeout smsc=m session=1 seq=[0-9]* id=late1 part=1' 10
t_wait_log bbm 'session down smsc=m session=1 reason=response timeout' 5
simctl set latency-ms 0
bbl_wait 20 has_op late1 ||
	t_fail "timeout: late1 not delivered"
bbl_wait 10 bbl_stream_empty m || t_fail "timeout: queue not drained"
t_ok "response timeout: session reset, the part sent again and delivered"
