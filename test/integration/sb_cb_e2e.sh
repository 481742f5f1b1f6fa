#!/usr/bin/env bash
# End to end, every box real: a customer sends a bulk message with delivery=1
# to the smsbox, the bearerbox submits it to the SMSC simulator, the receipts
# come back, and the customer's server gets one delivery report per number
# with the status code of each final state (DELIVRD, UNDELIV, EXPIRED, REJECTD);
# an MO the simulator sends to the account's long number is POSTed to it.
. "$top_srcdir/test/integration/lib.sh"
. "$top_srcdir/test/integration/sb_cb_lib.sh"

SIM="$top_builddir/contrib/smscsim/smscsim"
BB="$top_builddir/bearerbox/bearerbox"
[ -x "$SIM" ] && [ -x "$BB" ] && [ -x "$SB_BOX" ] || { echo "SKIP: boxes not built"; exit 77; }
command -v curl >/dev/null || { echo "SKIP: no curl"; exit 77; }

t_spawn sim "$SIM" --port 0 --control-port 0 --dlr-delay-ms 50 --enquire-interval 0 \
	--dlr-mix DELIVRD=100
t_wait_log sim 'listening port=[0-9]+ control_port=[0-9]+'
SIM_PORT=$(sed -n 's/.*listening port=\([0-9]*\) control_port=\([0-9]*\).*/\1/p' "$T_DIR/sim.log" | head -1)
SIM_CTL=$(sed -n 's/.*listening port=\([0-9]*\) control_port=\([0-9]*\).*/\2/p' "$T_DIR/sim.log" | head -1)

sb_setup 'http-timeout = 2s' 'dlr-retry-delay = 1s' 'mo-retry-delay = 1s'
# The smsbox group must stay last (sb_box appends its port): put the link and
# the route before it.
{
	sed -n '1,/^group = smsbox/{/^group = smsbox/!p}' "$T_DIR/h.conf"
	cat <<CONF
group = smsc
smsc-id = sim
host = 127.0.0.1
port = $SIM_PORT
system-id = hermod
bind-mode = transceiver
reconnect-delay = 1s

group = route
default = yes
smsc-id = sim

CONF
	sed -n '/^group = smsbox/,$p' "$T_DIR/h.conf"
} >"$T_DIR/h2.conf"
mv "$T_DIR/h2.conf" "$T_DIR/h.conf"

sb_sink web
ctl account add demo --password 'demo-pw-1' --credit 10 \
	--dlr-url "http://127.0.0.1:$SINK_web/dlr.php" --mo-url "http://127.0.0.1:$SINK_web/mo.php"
ctl rate set default 0.05
ctl number add 4930100 demo
t_redis HSET "$P:acct:demo" mo-pass 'moSecret' >/dev/null

t_spawn bb "$BB" -c "$T_DIR/h.conf"
for ((i = 0; i < 200; i++)); do
	[ "$(t_redis EXISTS "$P:link:sim:up")" = 1 ] && break
	sleep 0.05
done
[ "$(t_redis EXISTS "$P:link:sim:up")" = 1 ] || t_fail "link sim never up"
sb_box sb
api=$(sed -n 's/^port = //p' "$T_DIR/sb.conf" | tail -1)
t_wait_port "$api"

out=$(curl -sS "http://127.0.0.1:$api/SMSsend?user=demo&pass=demo-pw-1&ownnum=Hermod&number=4915100001,4915100002&message=Hello&delivery=1&mess_id=e2e-1")
[ "$out" = success ] || t_fail "SMSsend: $out"
sb_wait_req web 2 "r['path'] == '/dlr.php'" 20
sb_wait_idle 5
for n in 4915100001 4915100002; do
	[ "$(sb_count web "r['path'] == '/dlr.php' and q == {'mess_id': 'e2e-1', 'status': '0', 'number': '$n'}")" = 1 ] ||
		t_fail "report for $n: $(sb_req web)"
done
t_ok "bulk of 2 with delivery=1 through bearerbox and smscsim: one report per number, status 0"

# Each final state of a receipt from the simulator (chosen by the text's
# "stat:WORD" prefix) reaches the customer as the status code of seed 004 §5.4.
for st in UNDELIV:251 EXPIRED:253 REJECTD:249; do
	out=$(curl -sS "http://127.0.0.1:$api/SMSsend?user=demo&pass=demo-pw-1&ownnum=Hermod&number=4915100003&message=stat:${st%:*}+e2e&delivery=1&mess_id=e2e-${st%:*}")
	[ "$out" = success ] || t_fail "SMSsend ${st%:*}: $out"
done
sb_wait_req web 5 "r['path'] == '/dlr.php'" 20
sb_wait_idle 5
for st in UNDELIV:251 EXPIRED:253 REJECTD:249; do
	[ "$(sb_count web "r['path'] == '/dlr.php' and q == {'mess_id': 'e2e-${st%:*}', 'status': '${st#*:}', 'number': '4915100003'}")" = 1 ] ||
		t_fail "report for ${st%:*}: $(sb_req web "r['path'] == '/dlr.php'")"
done
t_ok "UNDELIV, EXPIRED and REJECTD receipts from smscsim: status 251, 253, 249"

exec 3<>"/dev/tcp/127.0.0.1/$SIM_CTL"
echo "mo 4917000001 4930100 Hello from the handset" >&3
read -r line <&3
exec 3<&-
case $line in OK*) ;; *) t_fail "smscsim mo: $line" ;; esac
sb_wait_req web 1 "r['path'] == '/mo.php'" 20
[ "$(sb_count web "r['path'] == '/mo.php' and r['method'] == 'POST' and f == {'user': 'demo', 'pass': 'moSecret', 'dcs': '0', 'org': '4917000001', 'dest': '4930100', 'message': 'Hello from the handset'}")" = 1 ] ||
	t_fail "MO: $(sb_req web "r['path'] == '/mo.php'")"
t_ok "MO to the long number: POSTed once with the seed's fields"
