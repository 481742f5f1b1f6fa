#!/usr/bin/env bash
# Nothing lost, nothing answered sent twice: the operator drops the connection
# in the middle of a window (the unanswered parts are submitted again after the
# reconnect, the answered ones never); a bearerbox killed with SIGKILL with parts
# in flight leaves them pending, and another bearerbox claims and sends them.
. "$top_srcdir/test/integration/lib.sh"
. "$top_srcdir/test/integration/bb_link_lib.sh"
bbl_need_node
t_redis_start

link_conf() { # NAME PORT
	bbl_core
	cat <<CONF
group = smsc
smsc-id = $1
host = 127.0.0.1
port = $2
system-id = hermod
sessions = 2
window = 10
reconnect-delay = 1s
response-timeout = 2s
CONF
}

answered_once() { # LOG N: N distinct destinations answered OK (response sent), none twice
	local ok dup
	ok=$(grep '"ev":"resp"' "$1" | grep '"status":0,' | sed 's/.*"to":"\([0-9]*\)".*/\1/' | sort)
	dup=$(echo "$ok" | uniq -d | grep -c . || true)
	[ "$dup" = 0 ] || t_fail "$dup parts answered OK were submitted again"
	[ "$(echo "$ok" | grep -c .)" -ge "$2" ]
}

# --- the operator drops a connection after the 25th submit, mid-window
bbl_operator opd drop-after=25 latency-ms=100
link_conf d "$OP_PORT_opd" >"$T_DIR/d.conf"
n=80
for ((i = 1; i <= n; i++)); do bbl_msg "d$i" 447940000$i; bbl_part d "d$i" 1 1 447940000$i "d $i"; done
t_spawn bbd "$top_builddir/bearerbox/bearerbox" -c "$T_DIR/d.conf"
bbl_wait 25 answered_once "$T_DIR/opd.jsonl" $n || t_fail "drop: not every part answered"
bbl_count_ge "$T_DIR/opd.jsonl" drop 1 || t_fail "drop: the operator never dropped"
lost=$(grep '"ev":"submit_unanswered"' "$T_DIR/opd.jsonl" | wc -l)
[ "$lost" -ge 1 ] || t_fail "drop: no part was in flight at the drop"
bbl_wait 10 bbl_stream_empty d || t_fail "drop: queue not drained"
for ((i = 1; i <= n; i++)); do
	[ "$(t_redis hget "$P:msg:d$i" p1)" = ENROUTE ] || t_fail "drop: d$i not ENROUTE"
done
t_ok "connection dropped with $lost parts unanswered: all $n answered exactly once"
kill -TERM "$T_PID_bbd"; wait "$T_PID_bbd" || t_fail "drop: exit status"

# --- SIGKILL with parts in flight: another bearerbox claims them
bbl_operator opk latency-ms=4000
link_conf k "$OP_PORT_opk" >"$T_DIR/k.conf"
n=12
for ((i = 1; i <= n; i++)); do bbl_msg "k$i" 447950000$i; bbl_part k "k$i" 1 1 447950000$i "k $i"; done
t_spawn bbk1 "$top_builddir/bearerbox/bearerbox" -c "$T_DIR/k.conf"
bbl_wait 10 bbl_count_ge "$T_DIR/opk.jsonl" submit $n || t_fail "kill: parts not in flight"
kill -KILL "$T_PID_bbk1"; wait "$T_PID_bbk1" 2>/dev/null || true
pending=$(t_redis xpending "$P:q:k" links | head -1)
[ "$pending" = $n ] || t_fail "kill: $pending pending after SIGKILL, expected $n"
bbl_operator opk2
link_conf k "$OP_PORT_opk2" >"$T_DIR/k2.conf"
t_spawn bbk2 "$top_builddir/bearerbox/bearerbox" -c "$T_DIR/k2.conf"
bbl_wait 20 answered_once "$T_DIR/opk2.jsonl" $n || t_fail "kill: parts not claimed"
bbl_wait 10 bbl_stream_empty k || t_fail "kill: queue not drained"
t_wait_log bbk2 'claimed parts of a stopped consumer' 1
t_ok "SIGKILL with $n parts in flight: another bearerbox claimed and sent them"
