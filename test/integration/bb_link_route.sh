#!/usr/bin/env bash
# Routing and final failures: parts queued for a link that is down fail over to
# the first other link of their route that is up (back to an earlier one too);
# a part older than relay-timeout expires without being sent; a permanent submit error becomes REJECTD with its command_status;
# a part of a down link with no route at all fails (UNDELIV); an accepted part
# whose operator id is empty is acknowledged once (its receipt cannot match).
. "$top_srcdir/test/integration/lib.sh"
. "$top_srcdir/test/integration/bb_link_lib.sh"
bbl_need_node
t_redis_start

bbl_operator opb reject-to=447960000099:0x0B empty-id=447960000088
dead=$(t_free_port)
{
	bbl_core
	cat <<CONF
group = smsc
smsc-id = a
host = 127.0.0.1
port = $dead
system-id = hermod
reconnect-delay = 1s

group = smsc
smsc-id = b
host = 127.0.0.1
port = $OP_PORT_opb
system-id = hermod
reconnect-delay = 1s

group = route
prefix = 44
smsc-id = a, b
CONF
} >"$T_DIR/r.conf"
t_spawn bb "$top_builddir/bearerbox/bearerbox" -c "$T_DIR/r.conf"
bbl_wait 10 bbl_count_ge "$T_DIR/opb.jsonl" bind 1 || t_fail "link b never bound"
bbl_wait 10 bbl_key_exists "$P:link:b:up" || t_fail "no $P:link:b:up key"
[ "$(t_redis get "$P:link:b:up")" != "" ] || t_fail "link-up key without a box id"
t_ok "link b up: $P:link:b:up holds the box id"

n=1500
for ((i = 1; i <= n; i++)); do
	echo "HSET $P:msg:f$i acct acme to 447960000$i parts 1 origin http dlr 0"
	echo "XADD $P:q:a * id f$i part 1 parts 1 acct acme to 447960000$i from Hermod coding 0 data f$i flash 0 dlr 0 ts ${EPOCHSECONDS}000 tries 0"
done | t_redis >/dev/null
sent_via_b() { [ "$(grep '"ev":"resp"' "$T_DIR/opb.jsonl" | grep -c '"to":"447960000[0-9]*","status":0')" -ge $n ]; }
bbl_wait 15 sent_via_b || t_fail "failover: $(grep -c '"ev":"resp"' "$T_DIR/opb.jsonl") of $n parts of link a sent through b"
bbl_wait 10 bbl_stream_empty a || t_fail "failover: a's queue not empty"
bbl_wait 10 bbl_stream_empty b || t_fail "failover: b's queue not empty"
[ -n "$(t_redis hget "$P:msg:f1" op1)" ] || t_fail "failover: f1 has no operator id"
t_ok "link a down: $n parts failed over to link b and were sent"

bbl_msg x1 447960000077
old=$(( $(date +%s) * 1000 - 2 * 3600 * 1000 ))
t_redis xadd "$P:q:b" '*' id x1 part 1 parts 1 acct acme to 447960000077 from Hermod \
	coding 0 udh "" sar "" data "old" flash 0 dlr 0 ts "$old" tries 0 validity "" origin http >/dev/null
bbl_wait 10 bbl_hash_is "$P:msg:x1" p1 EXPIRED || t_fail "expiry: p1 is $(t_redis hget "$P:msg:x1" p1)"
grep -q '447960000077' "$T_DIR/opb.jsonl" && t_fail "expiry: an expired part was sent"
bbl_wait 10 bbl_stream_empty b || t_fail "expiry: entry left in the queue"
t_ok "a part older than relay-timeout expired without being sent"

bbl_msg j1 447960000099
bbl_part b j1 1 1 447960000099 "rejected"
bbl_wait 10 bbl_hash_is "$P:msg:j1" p1 REJECTD || t_fail "reject: p1 is $(t_redis hget "$P:msg:j1" p1)"
err=$(t_redis hget "$P:msg:j1" final-err)
[ "$err" = 11 ] || [ "$err" = 0x0B ] || [ "$err" = 0xb ] || t_fail "reject: final-err is '$err'"
bbl_wait 10 bbl_stream_empty b || t_fail "reject: entry left in the queue"
[ "$(grep -c '447960000099' "$T_DIR/opb.jsonl")" = 2 ] || t_fail "reject: submitted more than once"
t_ok "ESME_RINVDSTADR: REJECTD with err $err, submitted once"

bbl_msg u1 3312345678
bbl_part a u1 1 1 3312345678 "nowhere"
bbl_wait 10 bbl_hash_is "$P:msg:u1" p1 UNDELIV || t_fail "no route: p1 is $(t_redis hget "$P:msg:u1" p1)"
bbl_wait 10 bbl_stream_empty a || t_fail "no route: entry left in the queue"
t_ok "down link, destination without a route: UNDELIV"

bbl_msg e1 447960000088
bbl_part b e1 1 1 447960000088 "no id"
t_wait_log bb 'operator id unusable, receipt cannot be matched smsc=b id=e1' 10
bbl_wait 10 bbl_stream_empty b || t_fail "empty id: entry left in the queue"
[ "$(grep -c '"ev":"submit".*447960000088' "$T_DIR/opb.jsonl")" = 1 ] || t_fail "empty id: submitted again"
t_ok "submit_sm_resp OK without a message_id: acknowledged once, logged"

# --- failover goes back: route a2,b2; a2 down -> its parts go to b2; a2 up
# again and b2 down -> b2's parts go back to a2 (not only forward in the list)
kill -TERM "$T_PID_bb"; wait "$T_PID_bb" || t_fail "exit status"
bbl_operator opa2
bbl_operator opb2
pa=$OP_PORT_opa2
{
	bbl_core
	cat <<CONF
group = smsc
smsc-id = a2
host = 127.0.0.1
port = $pa
system-id = hermod
reconnect-delay = 1s

group = smsc
smsc-id = b2
host = 127.0.0.1
port = $OP_PORT_opb2
system-id = hermod
reconnect-delay = 1s

group = route
prefix = 4481
smsc-id = a2, b2
CONF
} >"$T_DIR/r2.conf"
t_spawn bb2 "$top_builddir/bearerbox/bearerbox" -c "$T_DIR/r2.conf"
t_wait_log bb2 'link up smsc=a2' 10
t_wait_log bb2 'link up smsc=b2' 10
kill -TERM "$T_PID_opa2"; wait "$T_PID_opa2" 2>/dev/null || true
t_wait_log bb2 'link down smsc=a2' 10
for ((i = 1; i <= 5; i++)); do bbl_msg "g$i" 44810000$i; bbl_part a2 "g$i" 1 1 44810000$i "g $i"; done
sent_to() { [ "$(grep '"ev":"resp"' "$T_DIR/$1.jsonl" | grep -c "\"to\":\"$2[0-9]*\",\"status\":0")" -ge "$3" ]; }
bbl_wait 15 sent_to opb2 4481000 5 || t_fail "a2 down: parts not sent through b2"
t_ok "a2 down: its parts failed over to b2"

bbl_operator opa3 port="$pa"
bbl_wait 15 bbl_count_ge "$T_DIR/opa3.jsonl" bind 1 || t_fail "a2 did not bind again"
t_wait_log bb2 'link up smsc=a2' 15
kill -TERM "$T_PID_opb2"; wait "$T_PID_opb2" 2>/dev/null || true
t_wait_log bb2 'link down smsc=b2' 10
for ((i = 1; i <= 5; i++)); do bbl_msg "h$i" 44811000$i; bbl_part b2 "h$i" 1 1 44811000$i "h $i"; done
bbl_wait 15 sent_to opa3 4481100 5 || t_fail "b2 down, a2 up: parts of b2 not sent through a2"
bbl_wait 10 bbl_stream_empty b2 || t_fail "b2's queue not empty"
t_wait_log bb2 'failover smsc=b2 to=a2' 1
t_ok "a2 up again, b2 down: b2's parts failed over back to a2 (earlier in the route)"
