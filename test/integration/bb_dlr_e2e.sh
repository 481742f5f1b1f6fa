#!/usr/bin/env bash
# End to end through a real bearerbox and the SMSC simulator: parts queued in
# P:q:LINK are submitted, the simulator's receipts (hex ids in submit_sm_resp
# and receipted_message_id, decimal in the text: msg-id-type resp-hex) are
# matched and merged into one event per message, and MO sent by the simulator
# (a long one in UDH parts) reach P:mo:http as UTF-8.
. "$top_srcdir/test/integration/lib.sh"

SIM="$top_builddir/contrib/smscsim/smscsim"
[ -x "$SIM" ] || { echo "SKIP: no smscsim"; exit 77; }
t_redis_start
P='{t}'

t_spawn sim "$SIM" --port 0 --control-port 0 --id-format hex \
	--dlr-id-format decimal --dlr-delay-ms 50 --enquire-interval 0
t_wait_log sim 'listening port=[0-9]+ control_port=[0-9]+'
SIM_PORT=$(sed -n 's/.*listening port=\([0-9]*\) control_port=\([0-9]*\).*/\1/p' "$T_DIR/sim.log" | head -1)
CTL_PORT=$(sed -n 's/.*listening port=\([0-9]*\) control_port=\([0-9]*\).*/\2/p' "$T_DIR/sim.log" | head -1)

cat >"$T_DIR/bb.conf" <<CONF
group = core
redis-url = "$T_REDIS_URL"
key-prefix = t
log-level = debug

group = smsc
smsc-id = sim
host = 127.0.0.1
port = $SIM_PORT
system-id = hermod
bind-mode = transceiver
msg-id-type = resp-hex
reconnect-delay = 1s

group = smsc
smsc-id = sim33
host = 127.0.0.1
port = $SIM_PORT
system-id = hermod33
bind-mode = transceiver
interface-version = 33
msg-id-type = resp-hex
reconnect-delay = 1s

group = route
default = yes
smsc-id = sim
CONF

t_redis hset "$P:acct:alice" mo-url "http://127.0.0.1/mo" enabled 1 >/dev/null
t_redis hset "$P:numbers" 4930100 alice >/dev/null

# msg ID PARTS [LINK]: the hash the accept step writes
msg() {
	t_redis hset "$P:msg:$1" acct alice to 491510000$1 from Hermod parts "$2" \
		link "${3:-sim}" origin http mess-id "m$1" dlr-url "http://127.0.0.1/d" \
		dlr-mask 31 dlr 1 ts "${EPOCHSECONDS}000" >/dev/null
}
# part ID PART PARTS TEXT [LINK]
part() {
	t_redis xadd "$P:q:${5:-sim}" '*' id "$1" part "$2" parts "$3" acct alice \
		to 491510000$1 from Hermod coding 0 udh "" sar "" data "$4" flash 0 \
		dlr 1 ts "${EPOCHSECONDS}000" tries 0 validity "" origin http >/dev/null
}
ev() {
	t_redis eval "local r = {}
for _, e in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do
  local m = {}
  for i = 1, #e[2], 2 do m[e[2][i]] = e[2][i + 1] end
  if m.id == ARGV[1] then table.insert(r, m[ARGV[2]] or '') end
end
return r" 1 "$P:ev:http" "$1" "$2"
}
wait_for() {	# wait_for SECS CMD...
	local secs=$1 i
	shift
	for ((i = 0; i < secs * 20; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}
has_event() { [ -n "$(ev "$1" stat)" ]; }

msg 1 3
part 1 1 3 "hello one"
part 1 2 3 "stat:UNDELIV two"
part 1 3 3 "three"
msg 2 1
part 2 1 1 "hello two"
msg 3 1 sim33
part 3 1 1 "stat:EXPIRED three" sim33
t_spawn bb "$top_builddir/bearerbox/bearerbox" -c "$T_DIR/bb.conf"
wait_for 20 has_event 1 || t_fail "no event for message 1"
wait_for 10 has_event 2 || t_fail "no event for message 2"
[ "$(ev 1 stat)" = UNDELIV ] || t_fail "message 1: stat $(ev 1 stat)"
[ "$(ev 1 code)" = 251 ] || t_fail "message 1: code $(ev 1 code)"
[ "$(ev 2 stat)" = DELIVRD ] && [ "$(ev 2 code)" = 0 ] || t_fail "message 2: $(ev 2 stat) $(ev 2 code)"
[ "$(t_redis hmget "$P:msg:1" p1 p2 p3 | tr '\n' ' ')" = "DELIVRD UNDELIV DELIVRD " ] ||
	t_fail "parts of message 1: $(t_redis hmget "$P:msg:1" p1 p2 p3 | tr '\n' ' ')"
wait_for 10 has_event 3 || t_fail "no event for message 3 (SMPP 3.3)"
[ "$(ev 3 stat)" = EXPIRED ] && [ "$(ev 3 code)" = 253 ] || t_fail "message 3: $(ev 3 stat) $(ev 3 code)"
op=$(t_redis hget "$P:msg:2" op1)
[ -n "$op" ] || t_fail "no operator id stored"
[ "$(t_redis xlen "$P:q:sim")" = 0 ] || t_fail "queue not emptied"
t_ok "3-part message through smscsim: receipts (hex resp, decimal text) merged into one UNDELIV event (251); single part DELIVRD (0); SMPP 3.3 text-only receipt EXPIRED (253)"

ctl() {
	local l
	exec 3<>"/dev/tcp/127.0.0.1/$CTL_PORT"
	echo "$*" >&3
	read -r l <&3
	exec 3<&-
	echo "$l"
}
has_mo() { [ "$(t_redis xlen "$P:mo:http")" -ge "$1" ]; }
r=$(ctl mo 4917001 4930100 Hello from the sim, 5 €)
case $r in OK*) ;; *) t_fail "smscsim mo: $r" ;; esac
wait_for 10 has_mo 1 || t_fail "no MO entry"
long=$(printf 'part-%03d ' $(seq 1 30))
r=$(ctl mo 4917002 +4930100 "$long")
case $r in "OK parts=2") ;; *) t_fail "smscsim long mo: $r" ;; esac
wait_for 10 has_mo 2 || t_fail "no entry for the long MO"
mo() {
	t_redis eval "for _, e in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do
  local m = {}
  for i = 1, #e[2], 2 do m[e[2][i]] = e[2][i + 1] end
  if m.from == ARGV[1] then return m.text end
end" 1 "$P:mo:http" "$1"
}
[ "$(mo 4917001)" = "Hello from the sim, 5 €" ] || t_fail "MO text '$(mo 4917001)'"
[ "$(mo 4917002)" = "${long% }" ] || [ "$(mo 4917002)" = "$long" ] || t_fail "long MO text '$(mo 4917002)'"
[ "$(t_redis xlen "$P:mo:http")" = 2 ] || t_fail "MO entries: $(t_redis xlen "$P:mo:http")"
t_ok "MO from smscsim (one part, and a long one in 2 UDH parts) -> P:mo:http in UTF-8"

kill -TERM "$T_PID_bb"
wait "$T_PID_bb" || t_fail "bearerbox exit status"
t_ok "bearerbox stops cleanly"
