#!/usr/bin/env bash
# Two bearerboxes' SMPP servers on one Redis: binds counted across both,
# receipts read only by the bearerbox that holds the account's receiver bind,
# the binds of a bearerbox killed with SIGKILL expire (15 s), and a bind while
# Redis is down gets ESME_RSYSERR.
. "$top_srcdir/test/integration/lib.sh"
command -v node >/dev/null || { echo "SKIP: node not found"; exit 77; }
[ -d "$top_srcdir/test/interop/node_modules/smpp" ] ||
	{ echo "SKIP: run npm install in test/interop"; exit 77; }
. "$top_srcdir/test/integration/bb_server_lib.sh"

PORT2=$(t_free_port)
sed -e "s/^port = $PORT\$/port = $PORT2/" -e '/^tls-/d' "$d/s.conf" >"$d/s2.conf"
t_spawn srv2 "$top_builddir/test/integration/bb_server_driver" -c "$d/s2.conf"
t_wait_log srv2 "driver ready port=$PORT2"
t_wait_log srv2 "redis connected"
ctl account add solo --password pw5 --credit 10 --max-binds 1

# solo's one bind on the first bearerbox (a receiver that stays).
(cd "$IOP" && exec node server_customer.js port="$PORT" sys=solo pw=pw5 mode=rx wait=1 timeout=30000) >"$d/hold.out" 2>&1 &
HP=$!
T_PIDS="$T_PIDS $HP"
for _ in $(seq 100); do grep -q '"ev":"bind"' "$d/hold.out" && break; sleep 0.05; done
expect "first bind" "$(jf hold bind status)" 0 hold
cust other port="$PORT2" sys=solo pw=pw5 mode=tx
expect "bind on the other bearerbox" "$(jf other bind status)" 13 other
t_ok "max-binds counted across bearerboxes: the second bind, on another bearerbox, gets RBINDFAIL"

now=$(($(date +%s) * 1000))
t_redis xadd "$P:ev:smpp:solo" '*' id 77 acct solo to 4917000077 stat DELIVRD err 0 code 0 ts "$now" >/dev/null
wait "$HP" || t_fail "the receiver on the first bearerbox got no receipt"
grep -q 'id:77 sub:001 dlvrd:001' "$d/hold.out" || t_fail "receipt: $(cat "$d/hold.out")"
grep -q 'smpp-server' "$d/srv2.log" && grep -q 'acct=solo' "$d/srv2.log" &&
	grep 'acct=solo' "$d/srv2.log" | grep -qv 'bind refused' && t_fail "second bearerbox handled solo"
t_ok "the receipt goes to the bearerbox holding the receiver bind"

# An account's throughput holds across bearerboxes (and HTTP): the accept
# script counts every box's accepted messages in P:tp:NAME:SECOND. Seconds
# another box has filled refuse a submit here although this box's own token
# bucket is full; with room, a submit on either bearerbox counts in them. The
# script sets a counted second's TTL to 2 s, so "counted" is: exactly one of
# the prepared seconds is no longer at its prepared value (5, or gone).
ctl account add paced --password pw7 --credit 10 --throughput 5
now=$(t_redis TIME | head -1)
prepare() { for s in $(seq 0 40); do t_redis SET "$P:tp:paced:$((now + s))" "$1" EX 60 >/dev/null; done; }
changed() { # how many of the prepared seconds are not at value $1
	local s n=0
	for s in $(seq 0 40); do [ "$(t_redis GET "$P:tp:paced:$((now + s))")" = "$1" ] || n=$((n + 1)); done
	echo "$n"
}
prepare 5
cust full port="$PORT2" sys=paced pw=pw7 submit=4917000031:x
expect "a second filled by another box" "$(jf full submit status)" 88 full
t_wait_log srv2 'driver stats .* submit_fail=0 throttled=1 '
[ "$(changed 5)" = 0 ] || t_fail "a refused submit was counted"
for port in "$PORT" "$PORT2"; do
	prepare 4
	cust "one$port" port="$port" sys=paced pw=pw7 submit=4917000032:x
	expect "submit with room in the second" "$(jf "one$port" submit status)" 0 "one$port"
	[ "$(changed 4)" = 1 ] || t_fail "a submit on port $port changed $(changed 4) seconds, want 1"
done
t_ok "throughput across bearerboxes: a second filled elsewhere gives ESME_RTHROTTLED; a submit on either box counts in P:tp:NAME:SECOND"

# Bind again on the first one, then kill it: the bind expires in Redis.
(cd "$IOP" && exec node server_customer.js port="$PORT" sys=solo pw=pw5 mode=rx wait=99 timeout=60000) >"$d/hold2.out" 2>&1 &
H2=$!
T_PIDS="$T_PIDS $H2"
for _ in $(seq 100); do grep -q '"ev":"bind"' "$d/hold2.out" && break; sleep 0.05; done
expect "bind again" "$(jf hold2 bind status)" 0 hold2
kill -KILL "$T_PID_srv"
start=$(date +%s)
ok=0
for _ in $(seq 25); do
	cust retry port="$PORT2" sys=solo pw=pw5 mode=tx
	if [ "$(jf retry bind status)" = 0 ]; then ok=1; break; fi
	sleep 1
done
[ "$ok" = 1 ] || t_fail "the dead bearerbox's bind never expired"
t_ok "a SIGKILLed bearerbox's bind expires: solo binds on the other after $(($(date +%s) - start)) s"
kill "$H2" 2>/dev/null

kill -TERM "$T_PID_redis"
for _ in $(seq 100); do t_redis ping >/dev/null 2>&1 || break; sleep 0.05; done
cust down port="$PORT2" sys=acme pw=secret mode=tx
expect "bind with Redis down" "$(jf down bind status)" 8 down
t_ok "bind while Redis is down: ESME_RSYSERR"
