#!/usr/bin/env bash
# SIGTERM during a steady backlog while a queue read is in flight: Redis holds
# the bearerbox's XREADGROUP (CLIENT PAUSE WRITE) when the stop starts, so its
# answer comes after it. The box must still exit promptly (the parts read go
# back to the queue) instead of waiting the 30 s + 5 s stop timeout, and a
# restarted box sends every remaining part: each submitted exactly once.
. "$top_srcdir/test/integration/lib.sh"
. "$top_srcdir/test/integration/bb_link_lib.sh"
sim="$top_builddir/contrib/smscsim/smscsim"
[ -x "$sim" ] || { echo "SKIP: no smscsim"; exit 77; }
t_redis_start

t_spawn sim "$sim" --port 0 --latency-ms 200 --dlr-delay-ms 50
t_wait_log sim 'listening port=' 10
port=$(sed -n 's/.*listening port=\([0-9]*\).*/\1/p' "$T_DIR/sim.log" | head -1)
{
	bbl_core
	cat <<CONF
group = smsc
smsc-id = st
host = 127.0.0.1
port = $port
system-id = hermod
window = 20
reconnect-delay = 1s
response-timeout = 5s
CONF
} >"$T_DIR/st.conf"

n=600
now=${EPOCHSECONDS}000
for ((i = 1; i <= n; i++)); do
	echo "HSET $P:msg:t$i acct acme to $((447990000000 + i)) from Hermod parts 1 origin http dlr 0 dlr-url \"\" dlr-mask 0 mess-id mt$i ts $now"
	echo "XADD $P:q:st * id t$i part 1 parts 1 acct acme to $((447990000000 + i)) from Hermod coding 0 udh \"\" sar \"\" data \"stop $i\" flash 0 dlr 0 ts $now tries 0 validity \"\" origin http"
done | t_redis >/dev/null
t_spawn bb "$top_builddir/bearerbox/bearerbox" -c "$T_DIR/st.conf"
t_wait_log bb 'link up smsc=st' 10
sent() { [ "$(grep -c 'cmd=submit_sm ' "$T_DIR/sim.log")" -ge "$1" ]; }
bbl_wait 20 sent 60 || t_fail "no steady flow"

# Hold every write command (XREADGROUP, the result scripts) for 3 s; wait
# until the box's next read is among them, then stop it.
t_redis client pause 3000 write >/dev/null
paused=$(date +%s%N)
fetch_held() { t_redis client list | grep 'flags=[A-Za-z]*b' | grep -q .; }
bbl_wait 3 fetch_held || t_fail "no Redis call of the box held by the pause"
kill -TERM "$T_PID_bb"
rc=0
wait "$T_PID_bb" || rc=$?
took=$((($(date +%s%N) - paused) / 1000000))
[ "$rc" = 0 ] || t_fail "exit status $rc"
grep -q 'stop timed out' "$T_DIR/bb.log" && t_fail "stop timed out"
[ "$took" -lt 10000 ] || t_fail "stop took $took ms"
t_ok "SIGTERM with a queue read held by Redis: exit 0 after $took ms (pause 3000 ms)"

# acked_count -> parts with an operator id (one redis-cli for all of them)
acked_count() {
	local i
	for ((i = 1; i <= n; i++)); do echo "HGET $P:msg:t$i op1"; done |
		t_redis | grep -c . || true
}
acked=$(acked_count)
[ "$acked" -lt "$n" ] || t_fail "every part was sent before the stop: the test proves nothing"
t_spawn bb2 "$top_builddir/bearerbox/bearerbox" -c "$T_DIR/st.conf"
all_acked() { [ "$(acked_count)" = "$n" ]; }
bbl_wait 60 all_acked || t_fail "parts lost after the restart"
bbl_wait 10 bbl_stream_empty st || t_fail "queue not drained"
dups=$(grep 'cmd=submit_sm ' "$T_DIR/sim.log" | sed 's/.* dst=\([0-9]*\).*/\1/' | sort | uniq -d | wc -l)
[ "$dups" = 0 ] || t_fail "$dups parts submitted twice"
total=$(grep -c 'cmd=submit_sm ' "$T_DIR/sim.log")
[ "$total" = "$n" ] || t_fail "$total submits for $n parts"
t_ok "$acked parts sent before the stop, the other $((n - acked)) by the restarted box: each exactly once"
