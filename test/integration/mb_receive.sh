#!/usr/bin/env bash
# modembox receiving (modembox/, doc/modembox.md) from two simulated modems
# whose SIMs ask for a PIN:
# the PIN entered again after the SIM re-locks and the line comes back,
# a message stored on the SIM before start-up (+CMGL=4), a single SMS
# (+CMTI -> +CMGR -> +CMGD), concatenated GSM 7-bit and UCS-2 messages whose
# parts arrive in reverse order (reassembled in Redis -> one P:mo:http entry),
# a number nobody owns (dropped), and the SIM emptied only after Redis has it
# (an SMS received while Redis is down stays there until Redis is back).
. "$top_srcdir/test/integration/lib.sh"
. "$top_srcdir/test/integration/mb_lib.sh"

t_redis_start
mb_sim_start --pin 4321
t_redis hset "$MB_P:acct:alice" mo-url http://127.0.0.1/mo enabled 1 >/dev/null
t_redis hset "$MB_P:acct:bob" mo-url "" enabled 1 >/dev/null
t_redis hset "$MB_P:numbers" 4930100 alice 4930101 bob >/dev/null
# the simulator has no AT+CNUM: the SIMs' own numbers come from Redis
t_redis set "$MB_P:sim:240010000000100:number" 4930100 >/dev/null
t_redis set "$MB_P:sim:240010000000101:number" 4930101 >/dev/null

# mo STREAM FROM FIELD: FIELD of the entries from FROM, one a line.
mo() {
	t_redis eval "local r = {}
for _, e in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do
  local m = {}
  for i = 1, #e[2], 2 do m[e[2][i]] = e[2][i + 1] end
  if m.from == ARGV[1] then table.insert(r, m[ARGV[2]] or '') end
end
return r" 1 "$1" "$2" "$3"
}
used() { mb_ctl sim "$1" count | sed -n 's/^OK used=\([0-9]*\).*/\1/p'; }

mb_ctl sim 0 preload 46705550000 Stored before start | grep -q '^OK' || t_fail preload
[ "$(used 0)" = 1 ] || t_fail "preloaded message not on the SIM"
mb_conf "$T_DIR/r.conf" "pin = 4321" "pin = 4321"
mb_start "$T_DIR/r.conf"
grep -q 'AT+CPIN=\*\*\*\*\*\*' "$T_DIR/mb$MB_RUN.log" || t_fail "the PIN was not entered"
! grep -q 4321 "$T_DIR/mb$MB_RUN.log" || t_fail "the PIN is in the log"
t_ok "SIM PIN entered at start-up (masked in the AT trace)"

# the SIM locks again (a power cycle, a re-plug): entered again on reconnection
simstate() { mb_ctl stats "$1" | sed -n 's/.* sim=\([a-z]*\).*/\1/p'; }
ready1() { grep -c 'modem ready modem=gsm1' "$T_DIR/mb$MB_RUN.log"; }
[ "$(ready1)" = 1 ] || t_fail "gsm1 ready $(ready1) times"
mb_ctl sim 1 lock | grep -q '^OK' || t_fail "sim lock"
mb_ctl kill 1 | grep -q '^OK' || t_fail "kill 1"
mb_wait_eq 20 ready1 2
[ "$(simstate 1)" = ready ] || t_fail "SIM of modem 1: $(simstate 1)"
t_ok "SIM locked again and the line re-plugged: the PIN entered again, gsm1 ready"
mb_wait_eq 10 "mo '$MB_P:mo:http' 46705550000 text" "Stored before start"
mb_wait_eq 10 "used 0" 0
t_ok "message stored on the SIM read at start-up, then deleted"

mb_wait_eq 10 "t_redis hget '$MB_P:modembox:mb1' gsm1.number" 4930101
mb_ctl sms 0 46705551111 'Hello {gateway} €5' | grep -q '^OK parts=1' || t_fail sms
mb_wait_eq 10 "mo '$MB_P:mo:http' 46705551111 text" 'Hello {gateway} €5'
[ "$(mo "$MB_P:mo:http" 46705551111 to)" = 4930100 ] || t_fail "to"
[ "$(mo "$MB_P:mo:http" 46705551111 acct)" = alice ] || t_fail "acct"
mb_wait_eq 10 "used 0" 0
t_ok "single SMS (+CMTI, +CMGR, +CMGD) -> P:mo:http with its account"

LONG="This message is longer than one SMS can carry, so the sender split it in parts that arrive here in reverse order; the modembox keeps them in Redis until all are there. End."
mb_ctl sms --reverse 0 46705552222 "$LONG" | grep -q '^OK parts=2' || t_fail "long sms"
mb_wait_eq 10 "mo '$MB_P:mo:http' 46705552222 text" "$LONG"
UTEXT="Привет! Это длинное сообщение на русском языке, которое не помещается в одно SMS в кодировке UCS-2, поэтому оно приходит частями."
mb_ctl sms --reverse --ucs2 1 46705553333 "$UTEXT" | grep -q '^OK parts=2' || t_fail "ucs2 sms"
mb_wait_eq 10 "mo '$MB_P:mo:smpp:bob' 46705553333 text" "$UTEXT"
[ "$(mo "$MB_P:mo:smpp:bob" 46705553333 dcs)" = 8 ] || t_fail "dcs 8"
[ "$(t_redis keys "$MB_P:concat:*" | wc -w)" = 0 ] || t_fail "concat hash left"
t_ok "concatenated GSM and UCS-2 parts in reverse order reassembled (http and smpp owners)"

N=$(t_redis xlen "$MB_P:mo:http")
t_redis set "$MB_P:sim:240010000000100:number" 4939999 >/dev/null
t_redis hdel "$MB_P:numbers" 4939999 >/dev/null
mb_wait_eq 20 "t_redis hget '$MB_P:modembox:mb1' gsm0.number" 4939999
mb_ctl sms 0 46705554444 'To nobody' | grep -q '^OK' || t_fail sms
t_wait_log "mb$MB_RUN" 'MO dropped: no account owns the number.*to=4939999'
mb_wait_eq 10 "used 0" 0
[ "$(t_redis xlen "$MB_P:mo:http")" = "$N" ] || t_fail "MO to nobody was queued"
t_ok "MO to a number nobody owns: logged, dropped, deleted from the SIM"

# Redis gone: a received SMS stays on the SIM and is read again once it is back
# (the data is saved first: the new server loads it before anyone reconnects)
t_redis save >/dev/null
t_redis shutdown nosave >/dev/null 2>&1
t_wait_log "mb$MB_RUN" 'redis unreachable'
mb_ctl sms 1 46705555555 'While Redis was down' | grep -q '^OK' || t_fail sms
t_wait_log "mb$MB_RUN" 'received SMS kept on the SIM \(Redis down\)'
[ "$(used 1)" = 1 ] || t_fail "the SMS is not on the SIM"
t_spawn redis2 "${REDIS_SERVER:-redis-server}" --port "$T_REDIS_PORT" --bind 127.0.0.1 \
	--save '' --appendonly no --dir "$T_DIR"
t_wait_port "$T_REDIS_PORT"
mb_wait_eq 20 "mo '$MB_P:mo:smpp:bob' 46705555555 text" 'While Redis was down'
mb_wait_eq 10 "used 1" 0
t_ok "SMS received while Redis was down kept on the SIM, delivered when it came back"
# the serial line is held exclusively (TIOCEXCL; root still gets in, so the
# flag is read with TIOCGEXCL), and released on stop
excl() {
	python3 -c 'import array, fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
a = array.array("i", [0])
fcntl.ioctl(fd, 0x80045440, a)	# TIOCGEXCL
print(a[0])' "$MB_DEV0"
}
[ "$(excl)" = 1 ] || t_fail "the modembox does not hold $MB_DEV0 exclusively"
mb_stop
t_ok "stopped cleanly"
[ "$(excl)" = 0 ] || t_fail "$MB_DEV0 still exclusive after the stop"
t_ok "serial line opened exclusively (TIOCEXCL), released on stop"
