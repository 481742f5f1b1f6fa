#!/usr/bin/env bash
# modembox sending (modembox/, doc/modembox.md) against two simulated modems
# (contrib/modemsim: modem 0 on a pty, modem 1 over TCP): short, long (UDH)
# and UCS-2 parts taken from P:q:LINK, status reports merged into one final
# event on P:ev:http, status in P:modembox:ID, send-rate pacing, a daily limit
# sending the rest over the other modem (and re-checked without traffic), and
# a modem that dies mid-send: its part goes out on the other one, nothing is
# lost.
. "$top_srcdir/test/integration/lib.sh"
. "$top_srcdir/test/integration/mb_lib.sh"

t_redis_start
mb_sim_start --msisdn +4930100
t_redis hset "$MB_P:acct:alice" enabled 1 >/dev/null
final() { t_redis hget "$MB_P:msg:$1" final; }
X140=$(printf 'x%.0s' $(seq 140))

# --- A: short, long and Unicode; receipts; status hash
mb_conf "$T_DIR/a.conf" "send-rate = 600" "send-rate = 600"
mb_start "$T_DIR/a.conf"
mb_wait_eq 10 "t_redis exists '$MB_P:link:gsm:up'" 1
mb_msg 1 1 46701234567 1
mb_queue 1 1 1 46701234567 0 "" "Hello modem" 1
mb_msg 2 3 46701234568 1
for i in 1 2 3; do
	mb_queue 2 "$i" 3 46701234568 0 "\\x05\\x00\\x03\\x2a\\x03\\x0$i" "Part $i $X140" 1
done
mb_msg 3 1 46701234569 0
mb_queue 3 1 1 46701234569 8 "" "\\x04\\x1f\\x04\\x40\\x04\\x38\\x04\\x32\\x04\\x35\\x04\\x42" 0
mb_msg 5 2 46701234570 0
mb_queue 5 1 2 46701234570 0 "" "SAR one" 0 300:2:1
mb_queue 5 2 2 46701234570 0 "" "SAR two" 0 300:2:2
mb_wait_eq 10 "final 1" DELIVRD
mb_wait_eq 10 "final 2" DELIVRD
mb_wait_eq 10 "t_redis hexists '$MB_P:msg:3' op1" 1
mb_wait_eq 10 "echo \$(t_redis hexists '$MB_P:msg:5' op1) \$(t_redis hexists '$MB_P:msg:5' op2)" "1 1"
t_ok "short and 3-part messages delivered, Unicode sent"
SENT=$( (mb_ctl sent 0; mb_ctl sent 1) | grep '^mr=')
echo "$SENT" | grep -q 'to=+46701234567 srr=1 dcs=0x00 vp=11 text=Hello modem$' || t_fail "short: $SENT"
for i in 1 2 3; do
	echo "$SENT" | grep -q "to=+46701234568 srr=1 dcs=0x00 vp=11 ref=42 seq=$i total=3 text=Part $i $X140\$" ||
		t_fail "long part $i: $SENT"
done
echo "$SENT" | grep -q 'to=+46701234569 srr=0 dcs=0x08 vp=11 text=Привет$' || t_fail "ucs2: $SENT"
for i in 1 2; do
	echo "$SENT" | grep -q "to=+46701234570 srr=0 dcs=0x00 vp=11 ref=300 seq=$i total=2 text=SAR " ||
		t_fail "SAR part $i: $SENT"
done
[ "$(echo "$SENT" | wc -l)" = 7 ] || t_fail "7 parts expected: $SENT"
t_ok "parts as TPDUs: GSM 7-bit, concatenation UDH (also from SAR fields), UCS-2, status report flag, validity (3600 s -> TP-VP 11 = 1 h)"
EV=$(t_redis xrange "$MB_P:ev:http" - + | tr '\n' ' ')
case $EV in
*"id 1 acct alice to 46701234567 mess-id m1 "*"stat DELIVRD err 0 code 0"*) ;;
*) t_fail "event of 1: $EV" ;;
esac
[ "$(t_redis xlen "$MB_P:ev:http")" = 2 ] || t_fail "two events expected: $EV"
[ "$(t_redis xlen "$MB_P:q:gsm")" = 0 ] || t_fail "queue not empty"
t_ok "one merged final event per message; queue entries acknowledged"
H="$MB_P:modembox:mb1"
mb_wait_eq 10 "t_redis hget '$H' gsm0.imsi" 240010000000100
[ "$(t_redis hget "$H" gsm1.imsi)" = 240010000000101 ] || t_fail "gsm1 imsi"
[ -n "$(t_redis hget "$H" gsm1.imei)" ] || t_fail "imei"
[ "$(t_redis hget "$H" gsm0.state)" = ready ] || t_fail "state"
[ "$(t_redis hget "$H" gsm1.registration)" = 1 ] || t_fail "registration"
[ "$(t_redis hget "$H" gsm1.number)" = 4930101 ] || t_fail "own number from AT+CNUM"
[ "$(t_redis ttl "$H")" -gt 0 ] || t_fail "status hash without TTL"
t_ok "status hash P:modembox:mb1 with IMEI, IMSI, own number, state, registration"
mb_stop
[ "$(t_redis exists "$MB_P:link:gsm:up")" = 0 ] || t_fail "link still up after stop"
t_ok "link up key removed on stop"

# --- B: pacing (60/min = 1 s) and a daily limit of 2 on gsm0
t_redis flushall >/dev/null
t_redis hset "$MB_P:acct:alice" enabled 1 >/dev/null
S0=$(mb_sent 0)
S1=$(mb_sent 1)
mb_conf "$T_DIR/b.conf" "send-rate = 60
daily-limit = 2
limit-recheck = 2s" "send-rate = 60"
mb_start "$T_DIR/b.conf"
for i in 11 12 13 14 15 16; do
	mb_msg $i 1 4670000$i 0
	mb_queue $i 1 1 4670000$i 0 "" "Paced $i" 0
done
for i in 11 12 13 14 15 16; do mb_wait_eq 15 "t_redis hexists '$MB_P:msg:$i' op1" 1; done
[ $(($(mb_sent 0) - S0)) = 2 ] || t_fail "gsm0 should send 2 (its daily limit)"
[ $(($(mb_sent 1) - S1)) = 4 ] || t_fail "gsm1 should send 4"
[ "$(t_redis get "$MB_P:sim:240010000000100:day:$(date -u +%Y%m%d)")" = 2 ] ||
	t_fail "daily counter of gsm0's IMSI"
[ "$(t_redis get "$MB_P:sim:240010000000101:total")" = 4 ] || t_fail "total counter"
mb_wait_eq 10 "t_redis hget '$MB_P:modembox:mb1' gsm0.state" limited
t_ok "daily limit reached on gsm0: the rest went over gsm1; counters by IMSI"
grep 'part sending modem=gsm1' "$T_DIR/mb$MB_RUN.log" | cut -c12-23 |
	awk -F: '{ t = $1 * 3600 + $2 * 60 + $3; if (NR > 1 && t - p < 0.95) bad = 1; p = t }
		END { exit bad }' || t_fail "gsm1 sent faster than 60/min"
t_ok "send-rate held (one part a second per modem)"
# no traffic tries gsm0 again: the re-check (every limit-recheck = 2 s) still
# finds it at its limit, then finds it under once its day counter is gone (a
# new UTC day, a reset) and it counts again
sleep 3
[ "$(t_redis hget "$MB_P:modembox:mb1" gsm0.state)" = limited ] || t_fail "gsm0 not limited after a re-check"
t_redis del "$MB_P:sim:240010000000100:day:$(date -u +%Y%m%d)" >/dev/null
mb_wait_eq 10 "t_redis hget '$MB_P:modembox:mb1' gsm0.state" ready
grep -q 'modem under its limits modem=gsm0 today=0' "$T_DIR/mb$MB_RUN.log" ||
	t_fail "the re-check was not logged"
t_ok "limited SIM re-checked without traffic: under its limit again, ready"
mb_stop

# --- C: modem 0 dies in the middle of a send
t_redis flushall >/dev/null
t_redis hset "$MB_P:acct:alice" enabled 1 >/dev/null
S1=$(mb_sent 1)
mb_start "$T_DIR/a.conf"
mb_ctl fail 0 silent | grep -q '^OK' || t_fail "fail silent"
for i in 21 22 23 24 25 26; do
	mb_msg $i 1 4670000$i 1
	mb_queue $i 1 1 4670000$i 0 "" "Survive $i" 1
done
t_wait_log "mb$MB_RUN" 'part sending modem=gsm0'
mb_ctl kill 0 | grep -q '^OK' || t_fail "kill"
for i in 21 22 23 24 25 26; do mb_wait_eq 20 "final $i" DELIVRD; done
[ $(($(mb_sent 1) - S1)) = 6 ] || t_fail "gsm1 should have sent all 6"
grep -q 'part not sent, retried modem=gsm0' "$T_DIR/mb$MB_RUN.log" ||
	t_fail "gsm0's part was not retried"
[ "$(t_redis xlen "$MB_P:q:gsm")" = 0 ] && [ "$(t_redis zcard "$MB_P:retry")" = 0 ] ||
	t_fail "parts left behind"
[ "$(t_redis xlen "$MB_P:ev:http")" = 6 ] || t_fail "6 events expected"
t_ok "modem killed mid-send: its part went out on the other modem, none lost"
mb_ctl fail 0 off >/dev/null
mb_wait_eq 20 "t_redis hget '$MB_P:modembox:mb1' gsm0.state" ready
t_ok "the modem is used again once it answers"
mb_stop
