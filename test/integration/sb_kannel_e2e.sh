#!/usr/bin/env bash
# Kannel's /cgi-bin/sendsms end to end, every box real: deferred, priority and
# mclass reach the SMSC simulator as schedule_delivery_time, priority_flag and
# the DCS class bits; a dlr-mask of 31 gets a type 8 callback when the SMSC
# accepts the submit, then type 1 on the receipt; a submit the SMSC refuses
# gets type 16 (Kannel's "SMSC reject"), not type 2; a dlr-mask with 4 gets
# type 4 for an intermediate receipt (ENROUTE) before the final one.
. "$top_srcdir/test/integration/lib.sh"
. "$top_srcdir/test/integration/sb_cb_lib.sh"

SIM="$top_builddir/contrib/smscsim/smscsim"
BB="$top_builddir/bearerbox/bearerbox"
[ -x "$SIM" ] && [ -x "$BB" ] && [ -x "$SB_BOX" ] || { echo "SKIP: boxes not built"; exit 77; }
command -v curl >/dev/null || { echo "SKIP: no curl"; exit 77; }

# sim accepts everything and sends its receipts after 300 ms; rej refuses every
# submit with ESME_RINVDSTADR (permanent).
sim_port() {
	t_wait_log "$1" 'listening port=[0-9]+ control_port=[0-9]+'
	sed -n 's/.*listening port=\([0-9]*\) control_port=.*/\1/p' "$T_DIR/$1.log" | head -1
}
t_spawn sim "$SIM" --port 0 --control-port 0 --enquire-interval 0 --dlr-delay-ms 300 \
	--dlr-mix DELIVRD=100
t_spawn rej "$SIM" --port 0 --control-port 0 --enquire-interval 0 --error-rate 100 \
	--error-status 11
SIM_PORT=$(sim_port sim)
REJ_PORT=$(sim_port rej)

sb_setup 'http-timeout = 2s' 'dlr-retry-delay = 1s'
{
	sed -n '1,/^group = smsbox/{/^group = smsbox/!p}' "$T_DIR/h.conf"
	for l in "sim $SIM_PORT" "rej $REJ_PORT"; do
		set -- $l
		printf 'group = smsc\nsmsc-id = %s\nhost = 127.0.0.1\nport = %s\n' "$1" "$2"
		printf 'system-id = hermod\nbind-mode = transceiver\nreconnect-delay = 1s\n\n'
	done
	printf 'group = route\nprefix = 4916\nsmsc-id = rej\n\n'
	printf 'group = route\ndefault = yes\nsmsc-id = sim\n\n'
	sed -n '/^group = smsbox/,$p' "$T_DIR/h.conf"
} >"$T_DIR/h2.conf"
mv "$T_DIR/h2.conf" "$T_DIR/h.conf"

sb_sink web
ctl account add kan --password kpw --credit 10
ctl rate set default 0.05

t_spawn bb "$BB" -c "$T_DIR/h.conf"
for l in sim rej; do
	for ((i = 0; i < 200; i++)); do
		[ "$(t_redis EXISTS "$P:link:$l:up")" = 1 ] && break
		sleep 0.05
	done
	[ "$(t_redis EXISTS "$P:link:$l:up")" = 1 ] || t_fail "link $l never up"
done
sb_box sb
api=$(sed -n 's/^port = //p' "$T_DIR/sb.conf" | tail -1)
t_wait_port "$api"
K="http://127.0.0.1:$api/cgi-bin/sendsms?username=kan&password=kpw&from=Hermod"
send() {
	local out
	out=$(curl -sS -w ' %{http_code}' "$K&$1") || t_fail "curl $1"
	[ "$out" = "0: Accepted for delivery 202" ] || t_fail "sendsms $1: $out"
}
# sim_line DST: the submit_sm simulator sim logged for DST
sim_line() {
	local i
	for ((i = 0; i < 200; i++)); do
		grep -q "cmd=submit_sm .*dst=$1 " "$T_DIR/sim.log" && break
		sleep 0.05
	done
	grep "cmd=submit_sm .*dst=$1 " "$T_DIR/sim.log" | head -1 | grep . || t_fail "no submit_sm to $1"
}

# ---- deferred (minutes), priority, mclass on the wire
send 'to=4915100001&text=later&deferred=5'
line=$(sim_line 4915100001)
# 5 minutes from the accept: 00000000 05 00 000R, or 04:59 once a second went by
grep -Eq ' sched=00000000(0500|045[0-9])000R ' <<<"$line" || t_fail "deferred=5: $line"
t_ok "deferred=5: schedule_delivery_time relative, 5 minutes"
send 'to=4915100002&text=urgent&priority=3'
line=$(sim_line 4915100002)
grep -q ' pri=3 sched=- ' <<<"$line" || t_fail "priority=3: $line"
t_ok "priority=3: priority_flag 3"
send 'to=4915100003&text=class+two&mclass=2'
line=$(sim_line 4915100003)
grep -q ' dcs=0x12 pri=0 ' <<<"$line" || t_fail "mclass=2: $line"
send 'to=4915100004&text=%04%1F&coding=2&charset=UTF-16BE&mclass=1'
line=$(sim_line 4915100004)
grep -q ' dcs=0x19 ' <<<"$line" || t_fail "mclass=1 UCS-2: $line"
send 'to=4915100005&text=plain'
line=$(sim_line 4915100005)
grep -q ' dcs=0x00 pri=0 sched=- ' <<<"$line" || t_fail "no class: $line"
t_ok "mclass=2: DCS 0x12; mclass=1 UCS-2: 0x19; none: 0x00"

# ---- dlr-mask 31: type 8 on the submit_sm_resp, then type 1 on the receipt
U="http://127.0.0.1:$SINK_web/dlr?type=%d&id=%I&to=%P"
enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
# types_to TO: the Kannel types of the callbacks for TO, in arrival order
types_to() {
	sb_req web "q.get('to') == '$1'" |
		python3 -c 'import json, sys; print(" ".join(json.loads(l)["query"]["type"] for l in sys.stdin))'
}
# first_id_to TO: the %I (message id) of the first callback for TO
first_id_to() {
	sb_req web "q.get('to') == '$1'" |
		python3 -c 'import json, sys; print(json.loads(sys.stdin.readline())["query"]["id"])'
}
send "to=4915100006&text=mask&dlr-mask=31&dlr-url=$(enc "$U")"
sb_wait_req web 2 "q.get('to') == '4915100006'" 20
types=$(types_to 4915100006)
[ "$types" = "8 1" ] || t_fail "dlr-mask 31: types '$types' (wanted 8 then 1)"
t_ok "dlr-mask 31: a type 8 callback, then type 1"
# without 8 in the mask the bearerbox writes no event for the submit
send "to=4915100007&text=mask&dlr-mask=3&dlr-url=$(enc "$U")"
sb_wait_req web 1 "q.get('to') == '4915100007'" 20
sb_wait_idle 5
types=$(types_to 4915100007)
[ "$types" = "1" ] || t_fail "dlr-mask 3: types '$types'"
t_ok "dlr-mask 3: type 1 only"

# ---- dlr-mask 5 (1 + 4): the SMSC sends ENROUTE (esm_class 0x20) before
# DELIVRD (smscsim's "stat:ENROUTE+DELIVRD"): type 4 with %A = ENROUTE, then
# type 1. Without 4 in the mask the bearerbox writes no event for ENROUTE.
UA="$U&st=%A"
send "to=4915100008&text=stat:ENROUTE%2BDELIVRD+x&dlr-mask=5&dlr-url=$(enc "$UA")"
sb_wait_req web 2 "q.get('to') == '4915100008'" 20
sb_wait_idle 5
got=$(sb_req web "q.get('to') == '4915100008'" | python3 -c 'import json, sys; print(" ".join(sorted(json.loads(l)["query"]["type"] + ":" + json.loads(l)["query"]["st"] for l in sys.stdin)))')
[ "$got" = "1:DELIVRD 4:ENROUTE" ] || t_fail "dlr-mask 5: callbacks '$got' (wanted 4:ENROUTE and 1:DELIVRD)"
mid=$(first_id_to 4915100008)
# evstat ID: the stat of every event of message ID on P:ev:http, in order
evstat() {
	t_redis EVAL "local r = {}
for _, e in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do
  local t = {}
  for i = 1, #e[2], 2 do t[e[2][i]] = e[2][i + 1] end
  if t.id == ARGV[1] then r[#r + 1] = t.stat end
end
return r" 1 "$P:ev:http" "$1" | tr '\n' ' '
}
order=$(evstat "$mid")
[ "$order" = "ENROUTE DELIVRD " ] || t_fail "dlr-mask 5: events '$order'"
t_ok "dlr-mask 5, ENROUTE then DELIVRD from the SMSC: type 4 (%A ENROUTE), then type 1"
send "to=4915100009&text=stat:ENROUTE%2BDELIVRD+y&dlr-mask=3&dlr-url=$(enc "$UA")"
sb_wait_req web 1 "q.get('to') == '4915100009'" 20
sb_wait_idle 5
got=$(types_to 4915100009)
[ "$got" = "1" ] || t_fail "dlr-mask 3 with ENROUTE: types '$got'"
mid=$(first_id_to 4915100009)
order=$(evstat "$mid")
[ "$order" = "DELIVRD " ] || t_fail "dlr-mask 3 with ENROUTE: events '$order'"
t_ok "dlr-mask 3, ENROUTE then DELIVRD from the SMSC: type 1 only, no event for ENROUTE"

# ---- a submit the SMSC refuses: type 16
send "to=4916100001&text=refused&dlr-mask=31&dlr-url=$(enc "$U")"
sb_wait_req web 1 "q.get('to') == '4916100001'" 20
sb_wait_idle 5
types=$(types_to 4916100001)
[ "$types" = "16" ] || t_fail "refused submit: types '$types' (wanted 16)"
t_ok "submit refused by the SMSC: one type 16 callback"
# a mask without 16 (Kannel): no callback for it
send "to=4916100002&text=refused&dlr-mask=3&dlr-url=$(enc "$U")"
t_wait_log sb 'masked out id=[0-9]+ mask=3'
sb_wait_idle 5
[ "$(sb_count web "q.get('to') == '4916100002'")" = 0 ] || t_fail "refused, mask 3: $(sb_req web "q.get('to') == '4916100002'")"
t_ok "submit refused, dlr-mask 3: no callback"
