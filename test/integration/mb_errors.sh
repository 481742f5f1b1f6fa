#!/usr/bin/env bash
# modembox outcomes other than a plain delivery (modembox/, doc/modembox.md):
# failed and intermediate status reports (TP-ST) merged into the final event,
# a permanent +CMS ERROR (final UNDELIV with its code), and a temporary one
# (the part is retried, the modems are reset after three failures in a row,
# and the part is still queued when the modembox stops), and a hung line
# (the TCP connection stays open, nothing answers on it) reopened; a status
# report on the SIM of a modem that serves no link is deleted.
. "$top_srcdir/test/integration/lib.sh"
. "$top_srcdir/test/integration/mb_lib.sh"

t_redis_start
t_redis hset "$MB_P:acct:alice" enabled 1 >/dev/null
final() { t_redis hget "$MB_P:msg:$1" final; }
event() { # event ID FIELD: FIELD of the final event of message ID
	t_redis eval "for _, e in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do
  local m = {}
  for i = 1, #e[2], 2 do m[e[2][i]] = e[2][i + 1] end
  if m.id == ARGV[1] then return m[ARGV[2]] end
end
return ''" 1 "$MB_P:ev:http" "$1" "$2"
}

# --- status reports: permanent error, and "still trying" then delivered
mb_sim_start
mb_conf "$T_DIR/e.conf" "send-rate = 600" "send-rate = 600"
mb_start "$T_DIR/e.conf"
mb_msg 1 1 46701110001 1
mb_queue 1 1 1 46701110001 0 "" "stat:UNDELIV please" 1
mb_msg 2 2 46701110002 1
mb_queue 2 1 2 46701110002 0 "\\x05\\x00\\x03\\x07\\x02\\x01" "stat:ENROUTE first" 1
mb_queue 2 2 2 46701110002 0 "\\x05\\x00\\x03\\x07\\x02\\x02" "second" 1
mb_wait_eq 10 "final 1" UNDELIV
[ "$(event 1 stat)" = UNDELIV ] || t_fail "event of 1: $(event 1 stat)"
[ "$(event 1 err)" = 065 ] || t_fail "err of 1 should be TP-ST 0x41 = 065: $(event 1 err)"
t_ok "failed status report (TP-ST 0x41) -> final UNDELIV event with err"
mb_wait_eq 10 "final 2" DELIVRD
grep -q 'status report .*stat=ENROUTE' "$T_DIR/mb$MB_RUN.log" ||
	t_fail "no ENROUTE report"
[ "$(t_redis xlen "$MB_P:ev:http")" = 2 ] || t_fail "one event per message"
t_ok "intermediate reports (ENROUTE) then delivered: one DELIVRD event for both parts"
mb_stop
mb_sim_stop
t_redis flushall >/dev/null
t_redis hset "$MB_P:acct:alice" enabled 1 >/dev/null

# --- permanent +CMS ERROR: 1 (unassigned number)
mb_sim_start --error-rate 100 --error-code 1
mb_conf "$T_DIR/e.conf" "send-rate = 600" "send-rate = 600"
mb_start "$T_DIR/e.conf"
mb_msg 3 1 46701110003 1
mb_queue 3 1 1 46701110003 0 "" "To an unassigned number" 1
mb_wait_eq 10 "final 3" UNDELIV
[ "$(t_redis hget "$MB_P:msg:3" final-err)" = 1 ] || t_fail "final-err"
[ "$(event 3 stat)" = UNDELIV ] || t_fail "event of 3"
T=$(t_redis get "$MB_P:sim:240010000000100:total")/$(t_redis get "$MB_P:sim:240010000000101:total")
case $T in 0/|/0|0/0) ;; *) t_fail "a refused part must not count against the limits: $T" ;; esac
t_ok "permanent +CMS ERROR -> final UNDELIV with its code; limit counter given back"
mb_stop
mb_sim_stop

# --- temporary +CMS ERROR: 42 (congestion)
mb_sim_start --error-rate 100 --error-code 42
mb_conf "$T_DIR/e.conf" "send-rate = 600" "send-rate = 600"
mb_start "$T_DIR/e.conf"
mb_msg 4 1 46701110004 1
mb_queue 4 1 1 46701110004 0 "" "Congested" 1
H="$MB_P:modembox:mb1"
resets() { echo $(($(t_redis hget "$H" gsm0.resets) + $(t_redis hget "$H" gsm1.resets))); }
for ((i = 0; i < 250; i++)); do
	[ "$(t_redis exists "$H")" = 1 ] && [ "$(resets)" -ge 1 ] && break
	sleep 0.1
done
[ "$(resets)" -ge 1 ] || t_fail "no modem was reset after repeated temporary errors"
[ -z "$(final 4)" ] || t_fail "a temporary error made the part final"
t_ok "temporary +CMS ERROR: part retried, modem reset after three in a row"
mb_stop
[ $(($(t_redis xlen "$MB_P:q:gsm") + $(t_redis zcard "$MB_P:retry"))) = 1 ] ||
	t_fail "the part is neither queued nor waiting for a retry"
t_ok "the part survives the stop (queued for a retry)"
mb_sim_stop
t_redis flushall >/dev/null
t_redis hset "$MB_P:acct:alice" enabled 1 >/dev/null

# --- a hung line: the gateway keeps the TCP connection of gsm1 open but never
# answers on it again (a new connection is served). A +CMGS times out, the
# resyncs time out (reset), two start-ups fail: the modembox reopens the line
# and gsm1 is back (the part sent into the hang went down with the link: no
# other link on its route)
mb_sim_start
mb_conf "$T_DIR/h.conf" "send-rate = 600" "send-rate = 600"
echo "modems = gsm1" >>"$T_DIR/h.conf"	# the smsc group is the last one
# gsm0 serves no link: a status report stored on its SIM (AT+CMGW, stat 0
# received unread) is read at start-up and deleted, not left to fill the SIM
TCP0=$(sed -n 's/^modemsim: modem 0 .*tcp=\([0-9]*\).*/\1/p' "$T_DIR/msim$MB_SIMRUN.log")
python3 - "$TCP0" <<'PY' || t_fail "AT+CMGW of a status report"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
def until(want):
    buf = b""
    while want not in buf:
        d = s.recv(4096)
        if not d:
            sys.exit(1)
        buf += d
    return buf
s.sendall(b"AT+CMGW=25,0\r")
until(b"> ")
s.sendall(b"0006D60B911326880736F4111011719551401110117195714000\x1a")
sys.exit(0 if b"+CMGW:" in until(b"OK\r\n") else 1)
PY
[ "$(mb_ctl sim 0 count | sed -n 's/^OK used=\([0-9]*\).*/\1/p')" = 1 ] || t_fail "report not stored"
t_redis set "$MB_P:sim:240010000000100:number" 4930100 >/dev/null
mb_start "$T_DIR/h.conf"
mb_wait_eq 10 "mb_ctl sim 0 count | sed -n 's/^OK used=\([0-9]*\).*/\1/p'" 0
grep -q 'status report deleted: modem serves no link modem=gsm0' "$T_DIR/mb$MB_RUN.log" ||
	t_fail "no deletion logged"
t_ok "status report on the SIM of a modem that serves no link: deleted"
conns() { mb_ctl stats 1 | sed -n 's/.* connections=\([0-9]*\).*/\1/p'; }
ready1() { grep -c 'modem ready modem=gsm1' "$T_DIR/mb$MB_RUN.log"; }
C0=$(conns)
mb_ctl fail 1 hang | grep -q '^OK' || t_fail "fail hang"
mb_msg 5 1 46701110005 0
mb_queue 5 1 1 46701110005 0 "" "Into the hang" 0
t_wait_log "mb$MB_RUN" 'modem line lost modem=gsm1 .*reason=no answer, reopened' 90
mb_wait_eq 10 ready1 2
[ "$(conns)" -gt "$C0" ] || t_fail "the line was not reopened: connections $C0 -> $(conns)"
mb_msg 6 1 46701110006 0
mb_queue 6 1 1 46701110006 0 "" "After the hang" 0
mb_wait_eq 10 "mb_sent 1" 1
mb_ctl sent 1 | grep -q 'to=+46701110006 .*text=After the hang$' || t_fail "sent: $(mb_ctl sent 1)"
t_ok "hung TCP line: reopened after two failed start-ups, gsm1 ready again and sending"
mb_stop
mb_sim_stop
