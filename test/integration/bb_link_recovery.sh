#!/usr/bin/env bash
# Nothing lost, nothing answered sent twice: the operator drops the connection
# in the middle of a window (the unanswered parts are submitted again after the
# reconnect, the answered ones never); a bearerbox killed with SIGKILL with parts
# in flight, or with answered parts whose results are not in Redis yet, leaves
# them pending, and another bearerbox claims and sends them.
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
	[ -n "$(t_redis hget "$P:msg:d$i" op1)" ] || t_fail "drop: d$i has no operator id"
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

# --- SIGKILL after the operator answered but before the batch of results was
# stored (redis-batch-delay = 1s): nothing was acknowledged, so another
# bearerbox claims every part and sends it again
bbl_operator opb
link_conf b "$OP_PORT_opb" | sed 's/^log-level = .*/&\nredis-batch-delay = 1s/' >"$T_DIR/b.conf"
n=20
for ((i = 1; i <= n; i++)); do bbl_msg "b$i" 447960000$i; bbl_part b "b$i" 1 1 447960000$i "b $i"; done
t_spawn bbb1 "$top_builddir/bearerbox/bearerbox" -c "$T_DIR/b.conf"
bbl_wait 10 bbl_count_ge "$T_DIR/opb.jsonl" resp $n || t_fail "batch kill: parts not answered"
kill -KILL "$T_PID_bbb1"; wait "$T_PID_bbb1" 2>/dev/null || true
pending=$(t_redis xpending "$P:q:b" links | head -1)
[ "$pending" = $n ] || t_fail "batch kill: $pending pending after SIGKILL, expected $n"
for ((i = 1; i <= n; i++)); do
	[ -z "$(t_redis hget "$P:msg:b$i" p1)" ] || t_fail "batch kill: b$i stored before the kill"
done
bbl_operator opb2
link_conf b "$OP_PORT_opb2" >"$T_DIR/b2.conf"
t_spawn bbb2 "$top_builddir/bearerbox/bearerbox" -c "$T_DIR/b2.conf"
bbl_wait 20 answered_once "$T_DIR/opb2.jsonl" $n || t_fail "batch kill: parts not claimed"
bbl_wait 10 bbl_stream_empty b || t_fail "batch kill: queue not drained"
for ((i = 1; i <= n; i++)); do
	[ -n "$(t_redis hget "$P:msg:b$i" op1)" ] || t_fail "batch kill: b$i has no operator id"
done
t_ok "SIGKILL with $n answered parts in an unsent batch: none acknowledged, all claimed and sent again"

# --- SIGTERM with parts in flight: the responses are waited for, then unbind
bbl_operator opt latency-ms=1500
link_conf t "$OP_PORT_opt" >"$T_DIR/t.conf"
n=15
for ((i = 1; i <= n; i++)); do bbl_msg "t$i" 447955000$i; bbl_part t "t$i" 1 1 447955000$i "t $i"; done
t_spawn bbt "$top_builddir/bearerbox/bearerbox" -c "$T_DIR/t.conf"
bbl_wait 10 bbl_count_ge "$T_DIR/opt.jsonl" submit $n || t_fail "term: parts not in flight"
bbl_count_ge "$T_DIR/opt.jsonl" resp 1 && t_fail "term: answered too early for this test"
kill -TERM "$T_PID_bbt"
rc=0
wait "$T_PID_bbt" || rc=$?
[ "$rc" = 0 ] || t_fail "term: exit status $rc"
bbl_count_ge "$T_DIR/opt.jsonl" resp $n || t_fail "term: exited before the responses"
bbl_count_ge "$T_DIR/opt.jsonl" unbind 2 || t_fail "term: not unbound"
bbl_stream_empty t || t_fail "term: parts left in the queue"
[ -n "$(t_redis hget "$P:msg:t$n" op1)" ] || t_fail "term: last part not recorded"
t_ok "SIGTERM with $n parts in flight: waited for the responses, unbound, exit 0"

# --- a refused bind is retried after reconnect-delay, then twice that
bbl_operator opp password=right
link_conf p "$OP_PORT_opp" | sed 's/^sessions = 2/sessions = 1/' >"$T_DIR/p.conf"
t_spawn bbp "$top_builddir/bearerbox/bearerbox" -c "$T_DIR/p.conf"
bbl_wait 10 bbl_count_ge "$T_DIR/opp.jsonl" bind 3 || t_fail "backoff: no third bind"
times=$(grep '"ev":"bind"' "$T_DIR/opp.jsonl" | head -3 | sed 's/.*"t":\([0-9]*\).*/\1/' | tr '\n' ' ')
set -- $times
g1=$(($2 - $1)) g2=$(($3 - $2))
[ "$g1" -ge 900 ] && [ "$g1" -le 1600 ] && [ "$g2" -ge 1900 ] && [ "$g2" -le 2600 ] ||
	t_fail "backoff: gaps ${g1} ms and ${g2} ms, expected about 1000 and 2000"
t_wait_log bbp 'bind refused smsc=p session=1 status=ESME_RINVPASWD' 1
t_ok "refused bind: reconnect after ${g1} ms, then ${g2} ms (exponential backoff)"
