#!/usr/bin/env bash
# Flow control: the window of outstanding submits per session is filled and
# never exceeded; `throughput` holds across two bearerboxes sharing one link
# (token bucket in Redis) within 10 %; ESME_RTHROTTLED slows the link down and
# the throttled parts are retried until every part is accepted.
. "$top_srcdir/test/integration/lib.sh"
. "$top_srcdir/test/integration/bb_link_lib.sh"
bbl_need_node
t_redis_start

link_conf() { # NAME PORT WINDOW THROUGHPUT SESSIONS
	bbl_core
	cat <<CONF
group = smsc
smsc-id = $1
host = 127.0.0.1
port = $2
system-id = hermod
bind-mode = transmitter
sessions = $5
window = $3
throughput = $4
reconnect-delay = 1s
response-timeout = 5s
CONF
}

# --- window: 1 session, window 7, the operator answers after 300 ms
bbl_operator opw latency-ms=300
link_conf w "$OP_PORT_opw" 7 0 1 >"$T_DIR/w.conf"
for ((i = 1; i <= 30; i++)); do bbl_msg "w$i" 4479100000$i; bbl_part w "w$i" 1 1 4479100000$i "w $i"; done
t_spawn bbw "$top_builddir/bearerbox/bearerbox" -c "$T_DIR/w.conf"
bbl_wait 20 bbl_stream_empty w || t_fail "window: queue not drained"
max=$(grep '"ev":"submit"' "$T_DIR/opw.jsonl" | sed 's/.*"outstanding":\([0-9]*\).*/\1/' | sort -n | tail -1)
[ "$max" = 7 ] || t_fail "window: at most $max outstanding, expected exactly 7"
[ "$(bbl_count "$T_DIR/opw.jsonl" submit)" = 30 ] || t_fail "window: not 30 submits"
t_ok "window 7: filled and never exceeded (max outstanding $max)"
kill -TERM "$T_PID_bbw"; wait "$T_PID_bbw" || t_fail "window: exit status"

# --- throughput 40/s shared by two bearerboxes with 2 sessions each
bbl_operator opt
link_conf t "$OP_PORT_opt" 10 40 2 >"$T_DIR/t.conf"
n=161
for ((i = 1; i <= n; i++)); do bbl_part t "t$i" 1 1 447920000$i "t $i"; done
t_spawn bbt1 "$top_builddir/bearerbox/bearerbox" -c "$T_DIR/t.conf"
t_spawn bbt2 "$top_builddir/bearerbox/bearerbox" -c "$T_DIR/t.conf"
bbl_wait 25 bbl_count_ge "$T_DIR/opt.jsonl" submit $n || t_fail "throughput: not all submitted"
first=$(grep '"ev":"submit"' "$T_DIR/opt.jsonl" | head -1 | sed 's/.*"t":\([0-9]*\).*/\1/')
last=$(grep '"ev":"submit"' "$T_DIR/opt.jsonl" | tail -1 | sed 's/.*"t":\([0-9]*\).*/\1/')
rate=$(( (n - 1) * 1000 * 100 / (last - first) ))
[ "$rate" -ge 3600 ] && [ "$rate" -le 4400 ] ||
	t_fail "throughput: $((rate / 100)).$((rate % 100)) msg/s, expected 40 +- 10 %"
sids=$(grep '"ev":"submit"' "$T_DIR/opt.jsonl" | sed 's/.*"sid":\([0-9]*\).*/\1/' | sort -u | wc -l)
[ "$sids" -ge 3 ] || t_fail "throughput: only $sids sessions were used"
t_ok "throughput 40/s over 2 bearerboxes x 2 sessions: $((rate / 100)).$((rate % 100)) msg/s"
kill -TERM "$T_PID_bbt1" "$T_PID_bbt2"; wait "$T_PID_bbt1" "$T_PID_bbt2" || t_fail "throughput: exit status"

# --- the operator throttles at 20/s: slowed down, every part accepted once
bbl_operator opr throttle=20
link_conf r "$OP_PORT_opr" 10 0 1 >"$T_DIR/r.conf"
n=60
for ((i = 1; i <= n; i++)); do bbl_msg "r$i" 447930000$i; bbl_part r "r$i" 1 1 447930000$i "r $i"; done
t_spawn bbr "$top_builddir/bearerbox/bearerbox" -c "$T_DIR/r.conf"
accepted() { [ "$(grep '"ev":"submit"' "$T_DIR/opr.jsonl" | grep -c '"status":0,')" -ge "$1" ]; }
bbl_wait 25 accepted $n || t_fail "throttled: only $(grep -c '"status":0,' "$T_DIR/opr.jsonl") accepted"
t_wait_log bbr 'operator throttled: slowing down' 5
dups=$(grep '"ev":"submit"' "$T_DIR/opr.jsonl" | grep '"status":0,' | sed 's/.*"to":"\([0-9]*\)".*/\1/' | sort | uniq -d | wc -l)
[ "$dups" = 0 ] || t_fail "throttled: $dups parts accepted twice"
thr=$(grep '"ev":"submit"' "$T_DIR/opr.jsonl" | grep -c '"status":88,')
[ "$thr" -lt $((n * 3)) ] || t_fail "throttled: $thr ESME_RTHROTTLED answers: no slow-down"
bbl_wait 10 bbl_stream_empty r || t_fail "throttled: queue not drained"
t_ok "ESME_RTHROTTLED: slowed down ($thr throttled answers), all $n accepted once"


# --- a high limit: throughput 1000/s, fetched in batches
bbl_operator oph
link_conf h "$OP_PORT_oph" 50 1000 2 >"$T_DIR/h.conf"
n=2501
ts=${EPOCHSECONDS}000
{
	for ((i = 1; i <= n; i++)); do
		echo "XADD $P:q:h * id h$i part 1 parts 1 acct acme to 4479600$i from Hermod coding 0 data x flash 0 dlr 0 ts $ts tries 0"
	done
} | t_redis >/dev/null
t_spawn bbh "$top_builddir/bearerbox/bearerbox" -c "$T_DIR/h.conf"
bbl_wait 15 bbl_count_ge "$T_DIR/oph.jsonl" resp $n || t_fail "1000/s: not all submitted"
first=$(grep '"ev":"submit"' "$T_DIR/oph.jsonl" | head -1 | sed 's/.*"t":\([0-9]*\).*/\1/')
last=$(grep '"ev":"submit"' "$T_DIR/oph.jsonl" | tail -1 | sed 's/.*"t":\([0-9]*\).*/\1/')
rate=$(( (n - 1) * 1000 / (last - first) ))
[ "$rate" -ge 900 ] && [ "$rate" -le 1100 ] || t_fail "1000/s: measured $rate msg/s"
t_ok "throughput 1000/s: $rate msg/s"
