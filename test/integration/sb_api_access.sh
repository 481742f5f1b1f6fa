# smsbox: who may send, over both APIs. An account's `ips` refuses other
# client addresses on /SMSsend, /balance and /cgi-bin/sendsms (and lets its own
# through); Kannel's 402 for credit and 403 for a sender the account may not
# use, with nothing charged or queued; no password (user's, Kannel's or in an
# XML document) ever reaches the access log; an account's throughput refuses
# with sys_error once its second is full; `interface` may be a host name.
. "$top_srcdir/test/integration/lib.sh"
. "$top_srcdir/test/integration/sb_api_lib.sh"

sb_setup
ctl account add here --password hpw --credit 10 --ips 127.0.0.0/8
ctl account add there --password tpw --credit 10 --ips 192.0.2.0/24,2001:db8::1
ctl account add poor --password ppw --credit 0.04 --senders Shop
ctl rate set default 0.05
sb_start sb1

# ---- ips: 127.0.0.1 is in 127.0.0.0/8, not in 192.0.2.0/24 nor 2001:db8::1
sb_expect success "/SMSsend?user=here&pass=hpw&ownnum=Hermod&number=4412345&message=x" "ips: the client's range"
sb_expect auth_failed "/SMSsend?user=there&pass=tpw&ownnum=Hermod&number=4412345&message=x" "ips: another range"
sb_expect auth_failed "/balance.php?username=there&password=tpw" "balance, ips: another range"
[ "$(sb_get "/balance.php?username=here&password=hpw")" = 9.95 ] || t_fail "balance, ips: the client's range"
kexpect 403 "Authorization failed for sendsms" "/cgi-bin/sendsms?username=there&password=tpw&from=H&to=4412345&text=x"
kexpect 202 "0: Accepted for delivery" "/cgi-bin/sendsms?username=here&password=hpw&from=H&to=4412345&text=x"
[ "$(credit there)" = 100000 ] || t_fail "a refused client was charged: $(credit there)"
[ "$(qlen sim)" = 2 ] || t_fail "queue after the ips checks: $(qlen sim)"
t_ok "ips: refused elsewhere, nothing charged or queued; accepted from its range"

# ---- Kannel's 402 and 403 with nothing charged or queued
kexpect 402 "Not enough credit, rejected" "/cgi-bin/sendsms?username=poor&password=ppw&from=Shop&to=4412345&text=x"
kexpect 403 "Sender not allowed, rejected" "/cgi-bin/sendsms?username=poor&password=ppw&from=Other&to=4412345&text=x"
[ "$(credit poor)" = 400 ] || t_fail "poor was charged: $(credit poor)"
[ "$(qlen sim)" = 2 ] || t_fail "queue after 402/403: $(qlen sim)"

# ---- no password in the access log, whichever form carried it
curl -sS -o /dev/null -d "username=here&password=hpw&from=H&to=4412345&text=post" "$SB_URL/cgi-bin/sendsms"
curl -sS -o /dev/null -H 'Content-Type: text/xml' --data-binary \
	'<?xml version="1.0"?><message><submit><da><number>4412345</number></da><oa><number>H</number></oa><ud>xml</ud><from><username>here</username><password>hpw</password></from></submit></message>' \
	"$SB_URL/cgi-bin/sendsms"
curl -sS -o /dev/null "$SB_URL/balance?user=here&pass=hpw"
[ "$(qlen sim)" = 4 ] || t_fail "form and XML sends: $(qlen sim)"
grep -c 'http ' "$T_DIR/sb1.log" | grep -qv '^0$' || t_fail "no access lines"
grep -E 'hpw|tpw|ppw' "$T_DIR/sb1.log" && t_fail "a password in the access log"
t_ok "no password in the access log (query, form, XML, balance)"

# ---- an account's throughput, counted in Redis for every smsbox: a second
# already at the limit refuses with sys_error (Kannel: 503), nothing charged or
# queued; a send under it is counted in the second's key
ctl account add paced --password qpw --credit 10 --throughput 3
now=$(t_redis TIME | head -1)
for s in $(seq 0 30); do t_redis SET "$P:tp:paced:$((now + s))" 3 EX 60 >/dev/null; done
sb_expect sys_error "/SMSsend?user=paced&pass=qpw&ownnum=Hermod&number=4412345&message=x" "throughput: the second is full"
kexpect 503 "Sending failed." "/cgi-bin/sendsms?username=paced&password=qpw&from=H&to=4412345&text=x"
[ "$(credit paced)" = 100000 ] || t_fail "a throttled send was charged: $(credit paced)"
[ "$(qlen sim)" = 4 ] || t_fail "a throttled send was queued: $(qlen sim)"
grep -q 'refused acct=paced recipients=1 reason="account throughput reached"' "$T_DIR/sb1.log" ||
	t_fail "no access line with reason throughput"
# room for 2 more in every second: a send to 2 numbers is counted in exactly
# one of them (3 then, or gone: a counted second's TTL becomes 2 s)
for s in $(seq 0 30); do t_redis SET "$P:tp:paced:$((now + s))" 1 EX 60 >/dev/null; done
sb_expect success "/SMSsend?user=paced&pass=qpw&ownnum=Hermod&number=4412345,4412346&message=x" "throughput: room in the second"
n=0
for s in $(seq 0 30); do
	v=$(t_redis GET "$P:tp:paced:$((now + s))")
	[ "$v" = 1 ] || { [ "$v" = 3 ] || [ -z "$v" ]; } || t_fail "second $s counted $v"
	[ "$v" = 1 ] || n=$((n + 1))
done
[ "$n" = 1 ] || t_fail "2 messages counted in $n seconds, want 1"
t_ok "throughput: sys_error / 503 over it, counted per second in Redis"

# ---- interface may be a host name, as for the SMPP server
port=$(t_free_port)
{
	cat "$T_DIR/base.conf"
	printf '\ngroup = smsbox\nport = %s\ninterface = localhost\n' "$port"
} >"$T_DIR/byname.conf"
t_spawn byname "$SMSBOX" -c "$T_DIR/byname.conf"
t_wait_port "$port"
[ "$(curl -sS --max-time 10 "http://127.0.0.1:$port/ping")" = ok ] || t_fail "interface = localhost"
t_ok "interface = localhost"
