#!/usr/bin/env bash
# The modembox end to end, every box real (doc/modembox.md): a customer sends
# over smsbox's HTTP API to a route "gsm, sim" whose first link is two
# simulated modems, each in its own contrib/modemsim process (gsm0 on a pty,
# gsm1 over TCP); a second link "sim" is the bearerbox's SMPP link to
# contrib/smscsim. Checked: short, long and Unicode messages go out as
# SMS-SUBMITs on the modems and their status reports come back as delivery
# report callbacks through smsbox; an SMS received by a modem is POSTed to the
# number's mo-url; both modems unregistered (+CREG: 2): the link goes down
# and the route moves on; one simulator SIGKILLed in the middle of a send: its
# messages go out on the other, every report arrives; the modembox SIGKILLed:
# its heartbeat P:link:gsm:up expires and the route fails over to "sim";
# restarted, and its last modem gone: a part queued for it moves to "sim";
# the modembox SIGKILLed again: the bearerbox's watch on the link's queue
# moves a part queued for it, and one the dead modembox had read (claimed
# after 2 x response-timeout + 2 s), to "sim".
. "$top_srcdir/test/integration/lib.sh"
. "$top_srcdir/test/integration/sb_cb_lib.sh"

MSIM="$top_builddir/contrib/modemsim/modemsim"
MB="$top_builddir/modembox/modembox"
SMSC="$top_builddir/contrib/smscsim/smscsim"
BB="$top_builddir/bearerbox/bearerbox"
for b in "$MSIM" "$MB" "$SMSC" "$BB" "$SB_BOX" "$CTL"; do
	[ -x "$b" ] || { echo "SKIP: $b is not built"; exit 77; }
done
command -v curl >/dev/null || { echo "SKIP: no curl"; exit 77; }

t_redis_start
P='{e2e}'

# msim NAME ARGS...: one simulated modem; sets CTL_NAME and TCP_NAME.
msim() {
	local name=$1 ctl
	shift
	ctl=$(t_free_port)
	t_spawn "$name" "$MSIM" --modems 1 --tcp-port 0 --control-port "$ctl" \
		--sr-delay-ms 100 "$@"
	t_wait_log "$name" 'modemsim: ready'
	eval "CTL_$name=$ctl"
	eval "TCP_$name=$(sed -n 's/^modemsim: modem 0 .*tcp=\([0-9]*\).*/\1/p' "$T_DIR/$name.log")"
	t_wait_port "$ctl"
}
# mctl NAME CMD...: one control command to simulator NAME; its answer lines.
mctl() {
	local port l
	eval "port=\$CTL_$1"
	shift
	exec 4<>"/dev/tcp/127.0.0.1/$port" || t_fail "control port closed"
	printf '%s\n' "$*" >&4
	while IFS= read -r -t 10 l <&4; do
		printf '%s\n' "$l"
		case $l in OK*|ERR*) break ;; esac
	done
	exec 4>&-
}
submitted() { mctl "$1" stats 0 | sed -n 's/.* submitted=\([0-9]*\).*/\1/p'; }
up() { t_redis exists "$P:link:$1:up"; }
wait_up() { # wait_up LINK 0|1 SECS
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		[ "$(up "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	t_fail "P:link:$1:up exists=$(up "$1") after $3 s, wanted $2"
}

msim a --link-prefix "$T_DIR/pty" --imsi 240010000000100 --msisdn +4930100
msim b --no-pty --imsi 240010000000200 --imei 356938035643900
t_spawn smsc "$SMSC" --port 0 --control-port 0 --dlr-delay-ms 50 --enquire-interval 0
t_wait_log smsc 'listening port=[0-9]+ control_port=[0-9]+'
SMSC_PORT=$(sed -n 's/.*listening port=\([0-9]*\) control_port=.*/\1/p' "$T_DIR/smsc.log" | head -1)
SMSC_CTL=$(sed -n 's/.*listening port=[0-9]* control_port=\([0-9]*\).*/\1/p' "$T_DIR/smsc.log" | head -1)
smsc_submits() {
	exec 5<>"/dev/tcp/127.0.0.1/$SMSC_CTL" || t_fail "smscsim control port closed"
	echo stats >&5
	IFS= read -r -t 10 l <&5
	exec 5>&-
	echo "$l" | sed -n 's/.* submits=\([0-9]*\) .*/\1/p'
}

# The smsbox group stays last: sb_box appends its port.
ADM=$(t_free_port)
cat >"$T_DIR/h.conf" <<CONF
group = core
redis-url = "$T_REDIS_URL"
key-prefix = "e2e"
log-level = debug
admin-port = $ADM
admin-interface = 127.0.0.1

group = modembox
id = mb1

group = modem
id = gsm0
modembox = mb1
device = $T_DIR/pty0
send-rate = 600

group = modem
id = gsm1
modembox = mb1
host = 127.0.0.1
port = $TCP_b
send-rate = 600

group = smsc
smsc-id = gsm
type = modem
modembox = mb1
response-timeout = 2s

group = smsc
smsc-id = sim
host = 127.0.0.1
port = $SMSC_PORT
system-id = hermod
reconnect-delay = 1s

group = route
default = yes
smsc-id = gsm, sim

group = smsbox
dlr-retry-delay = 1s
mo-retry-delay = 1s
callback-allow = 127.0.0.0/8
CONF
"$MB" --check-config -c "$T_DIR/h.conf" >"$T_DIR/check.log" 2>&1 || t_fail "config: $(cat "$T_DIR/check.log")"

sb_sink web
ctl account add demo --password demo-pw-1 --credit 10 \
	--dlr-url "http://127.0.0.1:$SINK_web/dlr" --mo-url "http://127.0.0.1:$SINK_web/mo"
ctl rate set default 0.05
ctl number add 4930100 demo
t_spawn bb "$BB" -c "$T_DIR/h.conf"
t_spawn mb "$MB" -c "$T_DIR/h.conf"
t_wait_log mb 'modem ready modem=gsm0'
t_wait_log mb 'modem ready modem=gsm1'
wait_up gsm 1 10
wait_up sim 1 10
sb_box sb
API=$(sed -n 's/^port = //p' "$T_DIR/sb.conf" | tail -1)
t_wait_port "$API"
send() { # send NUMBER MESS_ID EXTRA-QUERY -> success
	local out
	out=$(curl -sS "http://127.0.0.1:$API/SMSsend?user=demo&pass=demo-pw-1&ownnum=Hermod&number=$1&delivery=1&mess_id=$2&$3")
	[ "$out" = success ] || t_fail "SMSsend $2: $out"
}
# reports MESS_ID NUMBER: how many delivery report callbacks say delivered (0)
reports() { sb_count web "r['path'] == '/dlr' and q == {'mess_id': '$1', 'status': '0', 'number': '$2'}"; }
wait_report() {
	local i
	for ((i = 0; i < 200; i++)); do
		[ "$(reports "$1" "$2")" -ge 1 ] && break
		sleep 0.1
	done
	[ "$(reports "$1" "$2")" = 1 ] || t_fail "report of $1: $(sb_req web "r['path'] == '/dlr'")"
}

# --- short, long, Unicode: status reports -> delivery report callbacks
LONG=$(printf 'Long message through a GSM modem, part of a test. %.0s' 1 2 3 4)
send 46701000001 short "message=Hello+modem"
send 46701000002 long "type=LongSMS&message=$(printf %s "$LONG" | sed 's/ /+/g')"
send 46701000003 uni "type=Unicode&message=041F04400438043204350442"
wait_report short 46701000001
wait_report long 46701000002
wait_report uni 46701000003
SENT=$( (mctl a sent 0; mctl b sent 0) | grep '^mr=')
echo "$SENT" | grep -q 'to=+46701000001 srr=1 dcs=0x00 text=Hello modem$' || t_fail "short: $SENT"
echo "$SENT" | grep -q 'to=+46701000003 srr=1 dcs=0x08 text=Привет$' || t_fail "ucs2: $SENT"
for i in 1 2; do
	echo "$SENT" | grep -q "to=+46701000002 srr=1 dcs=0x00 ref=[0-9]* seq=$i total=2 text=" ||
		t_fail "long part $i: $SENT"
done
[ "$(echo "$SENT" | wc -l)" = 4 ] || t_fail "4 parts expected: $SENT"
[ "$(smsc_submits)" = 0 ] || t_fail "the SMPP link sent while the modems were up"
[ "$(sb_count web "r['path'] == '/dlr'")" = 3 ] || t_fail "3 reports expected: $(sb_req web)"
t_ok "short, 2-part and UCS-2 messages over SMSsend -> SMS-SUBMITs on the modems -> status reports -> one delivery report callback each"

# --- MO: an SMS to the SIM of gsm0 (own number from AT+CNUM) -> POST to mo-url
mctl a sms 0 +46705551111 'Hello from a handset' | grep -q '^OK parts=1' || t_fail "sms"
sb_wait_req web 1 "r['path'] == '/mo'" 20
[ "$(sb_count web "r['path'] == '/mo' and f['org'] == '46705551111' and f['dest'] == '4930100' and f['message'] == 'Hello from a handset'")" = 1 ] ||
	t_fail "MO: $(sb_req web "r['path'] == '/mo'")"
t_ok "SMS received on a modem -> POSTed once to the number's mo-url by smsbox"

# --- no network on either modem (+CREG: 2 searching): the link goes down
# although both modems answer, and a new message goes out on the SMPP link
mctl a set 0 creg 2 | grep -q '^OK' || t_fail "set creg a"
mctl b set 0 creg 2 | grep -q '^OK' || t_fail "set creg b"
wait_up gsm 0 10
sleep 1.5	# smsbox reads the link-up keys once a second (mt_accept)
send 46704000001 nonet "message=No+network"
wait_report nonet 46704000001
[ "$(smsc_submits)" = 1 ] || t_fail "the message did not go over the SMPP link"
mctl a set 0 creg 1 | grep -q '^OK' || t_fail "set creg a"
mctl b set 0 creg 5 | grep -q '^OK' || t_fail "set creg b"
wait_up gsm 1 10
sleep 1.5
t_ok "both modems unregistered: P:link:gsm:up gone, a new message went over the SMPP link; registered again: up"

# --- one simulator SIGKILLed mid-send: its messages go out on the other
B0=$(submitted b)
mctl a fail 0 silent | grep -q '^OK' || t_fail "fail silent"
for i in 1 2 3 4; do send "4670200000$i" "kill$i" "message=Survive+$i"; done
t_wait_log mb 'part sending modem=gsm0 .* to=4670200000'
{ kill -KILL "$T_PID_a"; wait "$T_PID_a"; } 2>/dev/null
t_wait_log mb 'modem line lost modem=gsm0'
for i in 1 2 3 4; do wait_report "kill$i" "4670200000$i"; done
[ $(($(submitted b) - B0)) = 4 ] || t_fail "gsm1 should have sent all 4: $(mctl b sent 0)"
grep -q 'part not sent, retried modem=gsm0' "$T_DIR/mb.log" || t_fail "gsm0's part was not retried"
[ "$(smsc_submits)" = 1 ] || t_fail "a part left the modems' link"
[ "$(t_redis xlen "$P:q:gsm")" = 0 ] && [ "$(t_redis zcard "$P:retry")" = 0 ] ||
	t_fail "parts left behind"
[ "$(up gsm)" = 1 ] || t_fail "the link went down with one modem left"
t_ok "simulator of gsm0 SIGKILLed mid-send: its part and the rest went out on gsm1, every report arrived"

# --- the modembox SIGKILLed: its heartbeat expires, the route fails over
TTL=$(t_redis ttl "$P:link:gsm:up")
[ "$TTL" -ge 1 ] && [ "$TTL" -le 15 ] || t_fail "P:link:gsm:up ttl=$TTL"
{ kill -KILL "$T_PID_mb"; wait "$T_PID_mb"; } 2>/dev/null
wait_up gsm 0 20
sleep 1.5	# smsbox reads the link-up keys once a second (mt_accept)
send 46703000001 failover "message=Via+SMPP"
wait_report failover 46703000001
[ "$(smsc_submits)" = 2 ] || t_fail "the message did not go over the SMPP link"
[ "$(t_redis xlen "$P:q:gsm")" = 0 ] || t_fail "a part was queued for the dead modembox"
t_ok "modembox SIGKILLed: P:link:gsm:up (ttl $TTL s) expired, the route failed over to the SMPP link"

# --- restarted with one modem left, then that one's simulator killed too: the
# link goes down at once and a part queued for it moves to the next link
t_spawn mb2 "$MB" -c "$T_DIR/h.conf"
t_wait_log mb2 'modem ready modem=gsm1'
wait_up gsm 1 10
{ kill -KILL "$T_PID_b"; wait "$T_PID_b"; } 2>/dev/null
wait_up gsm 0 10
t_redis hset "$P:msg:9001" acct demo to 46703000002 from Hermod parts 1 link gsm \
	origin http mess-id queued dlr-url '' dlr-mask '' dlr 1 ts "$((${EPOCHREALTIME//[!0-9]/} / 1000))" >/dev/null
t_redis xadd "$P:q:gsm" '*' id 9001 part 1 parts 1 acct demo to 46703000002 \
	from Hermod coding 0 udh '' sar '' data 'Queued' flash 0 dlr 1 \
	ts "$((${EPOCHREALTIME//[!0-9]/} / 1000))" tries 0 validity '' origin http >/dev/null
wait_report queued 46703000002
# the modembox or the bearerbox's watch (the link is down for both) moves it
grep -q 'failover smsc=gsm to=sim id=9001' "$T_DIR/mb2.log" "$T_DIR/bb.log" ||
	t_fail "no failover of 9001 logged"
[ "$(smsc_submits)" = 3 ] || t_fail "the queued part did not go over the SMPP link"
t_ok "no modem left: P:link:gsm:up went down at once and a queued part moved to the SMPP link"

# --- no modembox at all: the bearerbox's watch moves what is queued for the
# link, and what the dead modembox had read once it has been idle for
# 2 x response-timeout + 2 s (6 s here)
{ kill -KILL "$T_PID_mb2"; wait "$T_PID_mb2"; } 2>/dev/null
# queue_old ID NUMBER MESS_ID [CONSUMER]: an old-form record and entry on
# P:q:gsm; with CONSUMER, the entry is also read by that consumer of the group
# in the same script (the bearerbox's watch polls the queue: a separate read
# could lose the race to it).
queue_old() {
	t_redis hset "$P:msg:$1" acct demo to "$2" from Hermod parts 1 link gsm \
		origin http mess-id "$3" dlr-url '' dlr-mask '' dlr 1 ts "$((${EPOCHREALTIME//[!0-9]/} / 1000))" >/dev/null
	t_redis EVAL "redis.call('XADD', KEYS[1], '*', unpack(ARGV))
		if KEYS[2] == '' then return {} end
		return redis.call('XREADGROUP', 'GROUP', 'links', KEYS[2], 'COUNT', '1',
			'STREAMS', KEYS[1], '>')" 2 "$P:q:gsm" "${4:-}" \
		id "$1" part 1 parts 1 acct demo to "$2" \
		from Hermod coding 0 udh '' sar '' data "$3" flash 0 dlr 1 \
		ts "$((${EPOCHREALTIME//[!0-9]/} / 1000))" tries 0 validity '' origin http
}
# read by a modembox that died before sending it: pending for consumer "gone"
queue_old 9003 46703000004 held gone | grep -q 9003 || t_fail "the held part was not read"
t=$(date +%s)
queue_old 9002 46703000003 waiting >/dev/null
wait_report waiting 46703000003
t_wait_log bb 'failover smsc=gsm to=sim id=9002'
wait_report held 46703000004
t_wait_log bb 'claimed parts of a stopped consumer smsc=gsm'
t_wait_log bb 'failover smsc=gsm to=sim id=9003'
[ $(($(date +%s) - t)) -ge 5 ] || t_fail "the held part was claimed before its idle time"
[ "$(smsc_submits)" = 5 ] || t_fail "$(smsc_submits) parts over the SMPP link, 5 expected"
moved=$(curl -sS "http://127.0.0.1:$ADM/metrics" | sed -n 's/^hermod_modem_link_failover_total{link="gsm"} //p')
[ "$moved" -ge 2 ] || t_fail "hermod_modem_link_failover_total{link=gsm} = '$moved'"
[ "$(t_redis xlen "$P:q:gsm")" = 0 ] && [ "$(t_redis xpending "$P:q:gsm" links | head -1)" = 0 ] ||
	t_fail "parts left on the dead link: $(t_redis xpending "$P:q:gsm" links)"
t_ok "modembox dead: the bearerbox moved a part queued for it and one it had read (claimed after idle) to the SMPP link"
