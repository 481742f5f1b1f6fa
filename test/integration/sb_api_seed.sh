# smsbox /SMSsend and /balance (seed 004 §5, §6) against a real Redis: every
# answer word, what the accept step leaves in Redis (queue entries per part,
# P:msg:ID, credit), long messages split per link (UDH, SAR, payload), bulk
# sends all-or-none, Unicode hex, Binary and bookmark, balance, sys_error.
. "$top_srcdir/test/integration/lib.sh"
. "$top_srcdir/test/integration/sb_api_lib.sh"

sb_setup
ctl account add demo --password demo123 --credit 100
ctl account add locked --password pw --credit 100 --senders Shop,447700900000
ctl account add off --password pw --credit 100 --enabled no
ctl rate set default 0.05
ctl rate set 44 0.1
ctl rate set 447 0.07
sb_start sb1

A='user=demo&pass=demo123&ownnum=Hermod'

# ---- success and what it leaves in Redis
sb_expect success "/SMSsend?$A&number=447700900123&message=Hello+from+Hermod&delivery=1&mess_id=quickstart-1" "quickstart request"
[ "$(credit demo)" = 999300 ] || t_fail "one part to 447... costs 0.07: credit $(credit demo)"
[ "$(qlen sim)" = 1 ] || t_fail "queue sim: $(qlen sim)"
[ "$(qfield "$P:q:sim" 1 data)" = "Hello from Hermod" ] || t_fail "data"
[ "$(qfield "$P:q:sim" 1 coding)" = 0 ] || t_fail "coding"
[ "$(qfield "$P:q:sim" 1 dlr)" = 1 ] || t_fail "dlr"
[ "$(qfield "$P:q:sim" 1 origin)" = http ] || t_fail "origin"
[ "$(qfield "$P:q:sim" 1 id)" = 1 ] || t_fail "id"
[ "$(t_msg "$T_DIR/hermod.conf" 1 mess-id)" = quickstart-1 ] || t_fail "mess-id"
[ "$(t_msg "$T_DIR/hermod.conf" 1 link)" = sim ] || t_fail "link"
[ "$(t_msg "$T_DIR/hermod.conf" 1 rpt)" = http ] || t_fail "rpt (a report wanted, over HTTP)"
[ "$(t_redis HGET "$P:msg:1" parts)" = 1 ] || t_fail "parts"
ttl=$(t_redis TTL "$P:msg:1")
[ "$ttl" -gt 266000 ] && [ "$ttl" -le 266400 ] || t_fail "P:msg TTL $ttl (relay-timeout 1 h + 72 h + 1 h)"
[ "$(qfield "$P:q:sim" 1 to)" = 447700900123 ] || t_fail "to"
[ "$(qfield "$P:q:sim" 1 acct)" = demo ] || t_fail "acct"
t_ok "queue entry, P:msg:1, price by the longest prefix"

# ---- a rate changed with hermodctl applies to the next message at once (the
# box's copy of P:rates is checked against P:rates:version by the script)
c0=$(credit demo)
ctl rate set 447 0.2
sb_expect success "/SMSsend?$A&number=447700900124&message=x" "after rate set 447 0.2"
[ "$(credit demo)" = $((c0 - 2000)) ] || t_fail "new rate not applied: $c0 -> $(credit demo)"
ctl rate del 447
sb_expect success "/SMSsend?$A&number=447700900124&message=x" "after rate del 447"
[ "$(credit demo)" = $((c0 - 3000)) ] || t_fail "44's rate not applied: $c0 -> $(credit demo)"
ctl rate set 447 0.07
t_ok "rate set / del apply to the next message"

# POST form body, and query + body together
out=$(curl -sS -d "user=demo&pass=demo123&number=4412345&ownnum=Hermod&message=post" "$SB_URL/SMSsend")
[ "$out" = success ] || t_fail "POST form: $out"
out=$(curl -sS -d "message=half+and+half" "$SB_URL/SMSsend?$A&number=4412345")
[ "$out" = success ] || t_fail "POST query+body: $out"
t_ok "success: POST form body, query and body together"

# ---- every error word
sb_expect error "/SMSsend?user=demo&number=4412345&ownnum=Hermod&message=x" "no pass"
sb_expect error "/SMSsend?$A&message=x" "no number"
sb_expect error "/SMSsend?$A&number=4412345&message=x&number=4412346" "repeated parameter"
sb_expect error "/SMSsend?$A&number=4412345&message=a%2" "bad percent-encoding"
sb_expect error "/SMSsend?$A&number=4412345&message=a%00b" "NUL in a parameter"
sb_expect error "/SMSsend?$A&number=4412345&message=x&$(for i in $(seq 1 64); do printf 'p%d=1&' "$i"; done)" "more than 64 parameters"
sb_expect error "/SMSsend?$A&number=4412345&message=x&delivery=1" "delivery=1 without mess_id"
sb_expect error "/SMSsend?$A&number=4412345&message=x&delivery=1&mess_id=$(rep a 33)" "mess_id of 33"
sb_expect error "/SMSsend?user=demo&pass=demo123&number=4412345&message=x" "no ownnum"
sb_expect error "/SMSsend?user=demo&pass=demo123&ownnum=TwelveLetter&number=4412345&message=x" "ownnum of 12 letters"
out=$(curl -sS -H 'Content-Type: multipart/form-data; boundary=x' -d 'junk' "$SB_URL/SMSsend?$A")
[ "$out" = error ] || t_fail "multipart body: $out"
sb_expect auth_failed "/SMSsend?user=demo&pass=wrong&ownnum=Hermod&number=4412345&message=x" "wrong password"
sb_expect auth_failed "/SMSsend?user=nobody&pass=x&ownnum=Hermod&number=4412345&message=x" "unknown account"
sb_expect auth_failed "/SMSsend?user=off&pass=pw&ownnum=Hermod&number=4412345&message=x" "disabled account"
sb_expect auth_failed "/SMSsend?user=$(rep a 16)&pass=pw&ownnum=Hermod&number=4412345&message=x" "name too long"
sb_expect wrong_number "/SMSsend?$A&number=4412a45&message=x"
sb_expect wrong_number "/SMSsend?$A&number=4412345,,4412346&message=x" "empty item"
sb_expect wrong_number "/SMSsend?$A&number=%2B4412345&message=x" "leading +"
sb_expect not_allowed "/SMSsend?user=locked&pass=pw&ownnum=Other&number=4412345&message=x" "sender not in senders"
sb_expect success "/SMSsend?user=locked&pass=pw&ownnum=Shop&number=4412345&message=x" "sender in senders"
sb_expect too_many_numbers "/SMSsend?$A&number=$(rep 4412345, 10)4412345&message=x" "11 numbers"
sb_expect no_message "/SMSsend?$A&number=4412345" "no message"
sb_expect no_message "/SMSsend?$A&number=4412345&message=" "empty message"
sb_expect wrong_type "/SMSsend?$A&number=4412345&message=x&type=RingTone"
sb_expect wrong_format "/SMSsend?$A&number=4412345&message=00410G&type=Unicode" "bad hex"
sb_expect wrong_format "/SMSsend?$A&number=4412345&message=004&type=Unicode" "odd hex"
sb_expect wrong_format "/SMSsend?$A&number=4412345&message=D800&type=Unicode" "lone surrogate"
sb_expect wrong_format "/SMSsend?$A&number=4412345&message=0A0001&type=Binary" "UDHL past the end"
sb_expect too_long "/SMSsend?$A&number=4412345&message=$(rep a 161)" "161 characters of type SMS"
sb_expect success "/SMSsend?$A&number=4412345&message=$(rep a 160)" "160 characters of type SMS"
t_redis HSET "$P:acct:damaged" pwhash x credit abc >/dev/null
sb_expect failed "/SMSsend?user=damaged&pass=x&ownnum=Hermod&number=4412345&message=x" "damaged account record"

# ---- not_allowed: no rate, not enough credit (nothing debited or queued)
ctl account add poor --password pw --credit 0.05
t_redis HDEL "$P:rates" default >/dev/null
t_redis INCR "$P:rates:version" >/dev/null
before=$(t_redis GET "$P:seq")
sb_expect not_allowed "/SMSsend?user=poor&pass=pw&ownnum=Hermod&number=1555123&message=x" "no rate for 1555..."
t_redis HSET "$P:rates" default 500 >/dev/null
t_redis INCR "$P:rates:version" >/dev/null
sb_expect not_allowed "/SMSsend?user=poor&pass=pw&ownnum=Hermod&number=1555123&message=$(rep a 161)&type=LongSMS" "2 parts, credit for 1"
[ "$(credit poor)" = 500 ] || t_fail "poor was charged: $(credit poor)"
[ "$(t_redis GET "$P:seq")" = "$before" ] || t_fail "an id was taken"
sb_expect success "/SMSsend?user=poor&pass=pw&ownnum=Hermod&number=1555123&message=x" "exactly enough credit"
[ "$(credit poor)" = 0 ] || t_fail "poor: $(credit poor)"

# ---- bulk: 3 numbers, all or none
ctl account add bulk --password pw --credit 0.1
n0=$(qlen sim)
sb_expect not_allowed "/SMSsend?user=bulk&pass=pw&ownnum=Hermod&number=1555001,1555002,1555003&message=x" "bulk of 3, credit for 2"
[ "$(credit bulk)" = 1000 ] && [ "$(qlen sim)" = "$n0" ] || t_fail "bulk refused but changed Redis"
ctl credit add bulk 0.05
seq0=$(t_redis GET "$P:seq")
sb_expect success "/SMSsend?user=bulk&pass=pw&ownnum=Hermod&number=1555001,1555002,1555003&message=bulk&delivery=1&mess_id=someID" "bulk of 3"
[ "$(credit bulk)" = 0 ] || t_fail "bulk credit $(credit bulk)"
[ "$(qlen sim)" = $((n0 + 3)) ] || t_fail "bulk queued $(($(qlen sim) - n0))"
for k in 1 2 3; do
	id=$((seq0 + k))
	[ "$(t_msg "$T_DIR/hermod.conf" "$id" to)" = "155500$k" ] || t_fail "msg $id to"
	[ "$(t_msg "$T_DIR/hermod.conf" "$id" mess-id)" = someID ] || t_fail "msg $id mess-id"
done
[ "$(t_redis GET "$P:seq")" = $((seq0 + 3)) ] || t_fail "P:seq $(t_redis GET "$P:seq") after 3 from $seq0"
t_ok "bulk: 3 messages, 3 ids, one mess_id"

# ---- P:seq damaged (not an integer): sys_error, nothing charged or queued
ctl credit add bulk 1
n0=$(qlen sim)
t_redis SET "$P:seq" "x$seq0" >/dev/null
sb_expect sys_error "/SMSsend?user=bulk&pass=pw&ownnum=Hermod&number=1555001,1555002&message=x" "P:seq not an integer"
[ "$(credit bulk)" = 10000 ] && [ "$(qlen sim)" = "$n0" ] || t_fail "damaged P:seq: credit $(credit bulk), queued $(($(qlen sim) - n0))"
[ "$(t_redis GET "$P:seq")" = "x$seq0" ] || t_fail "P:seq changed"
t_redis SET "$P:seq" $((seq0 + 3)) >/dev/null
sb_expect success "/SMSsend?user=bulk&pass=pw&ownnum=Hermod&number=1555001&message=x" "P:seq repaired"
[ "$(t_redis GET "$P:seq")" = $((seq0 + 4)) ] || t_fail "P:seq after repair"
t_ok "P:seq not an integer: sys_error, nothing charged, queued or numbered"

# ---- Unicode (seed 004 §5.6.1)
U=062D062706330628064A06460020062706440630064A0020064A06330645062D002006440644064606270633
n0=$(qlen sim)
sb_expect success "/SMSsend?$A&number=4412345&message=$U&type=unicode" "seed 004 Unicode sample"
[ "$(qhex "$P:q:sim" $((n0 + 1)) data)" = "$U" ] || t_fail "UCS-2 data $(qhex "$P:q:sim" $((n0 + 1)) data)"
[ "$(qfield "$P:q:sim" $((n0 + 1)) coding)" = 8 ] || t_fail "coding 8"
sb_expect too_long "/SMSsend?$A&number=4412345&message=$(rep 0041 71)&type=Unicode" "71 UCS-2 characters of type Unicode"
sb_expect success "/SMSsend?$A&number=4412345&message=$(rep 0041 268)&type=Longunicode" "Longunicode of 4 parts"
sb_expect too_long "/SMSsend?$A&number=4412345&message=$(rep 0041 269)&type=Longunicode" "Longunicode of 5 parts"
n0=$(qlen sim)
sb_expect success "/SMSsend?$A&number=4412345&message=0041&type=uni_flash"
[ "$(qfield "$P:q:sim" $((n0 + 1)) flash)" = 1 ] || t_fail "uni_flash flash"
sb_expect success "/SMSsend?$A&number=4412345&message=flash&type=FlashSMS"
[ "$(qfield "$P:q:sim" $((n0 + 2)) flash)" = 1 ] || t_fail "FlashSMS flash"
sb_expect success "/SMSsend?$A&number=4412345&message=caf%E9" "ISO-8859-1 text"
[ "$(qhex "$P:q:sim" $((n0 + 3)) data)" = 63616605 ] || t_fail "café in GSM: $(qhex "$P:q:sim" $((n0 + 3)) data)"

# ---- LongSMS split per link and priced per part
c0=$(credit demo)
n0=$(qlen sim)
sb_expect success "/SMSsend?$A&number=4412345&message=$(rep a 161)&type=LongSMS" "LongSMS over UDH"
[ "$(qlen sim)" = $((n0 + 2)) ] || t_fail "2 parts"
[ "$(credit demo)" = $((c0 - 2000)) ] || t_fail "2 parts at 0.1: $c0 -> $(credit demo)"
h1=$(qhex "$P:q:sim" $((n0 + 1)) udh)
h2=$(qhex "$P:q:sim" $((n0 + 2)) udh)
[ "${h1:0:6}" = 050003 ] && [ "${h1:8:4}" = 0201 ] && [ "${h2:8:4}" = 0202 ] &&
	[ "${h1:6:2}" = "${h2:6:2}" ] || t_fail "UDH $h1 $h2"
[ "$(qfield "$P:q:sim" $((n0 + 1)) data)" = "$(rep a 153)" ] || t_fail "part 1 data"
[ "$(qfield "$P:q:sim" $((n0 + 2)) data)" = "aaaaaaaa" ] || t_fail "part 2 data"
[ "$(qfield "$P:q:sim" $((n0 + 2)) parts)" = 2 ] || t_fail "parts field"
sb_expect success "/SMSsend?$A&number=4912345&message=$(rep b 161)&type=LongSMS" "LongSMS over SAR"
[ "$(qlen sarl)" = 2 ] || t_fail "sar parts"
[ "$(qfield "$P:q:sarl" 1 udh)" = "" ] || t_fail "SAR part has a UDH"
s1=$(qfield "$P:q:sarl" 1 sar)
s2=$(qfield "$P:q:sarl" 2 sar)
[ "${s1#*:}" = 2:1 ] && [ "${s2#*:}" = 2:2 ] && [ "${s1%%:*}" = "${s2%%:*}" ] || t_fail "sar $s1 $s2"
c0=$(credit demo)
sb_expect success "/SMSsend?$A&number=3312345&message=$(rep c 161)&type=LongSMS" "LongSMS over payload"
[ "$(qlen payl)" = 1 ] || t_fail "payload is one entry"
[ "$(qfield "$P:q:payl" 1 data)" = "$(rep c 161)" ] || t_fail "payload data"
[ "$(credit demo)" = $((c0 - 1000)) ] || t_fail "payload priced as 2 parts: $c0 -> $(credit demo)"
sb_expect too_long "/SMSsend?$A&number=4412345&message=$(rep a 1531)&type=LongSMS" "11 parts over max-parts 10"

# ---- Binary and bookmark
n0=$(qlen sim)
sb_expect success "/SMSsend?$A&number=4412345&message=0605040B8423F0C0FFEE&type=Binary"
[ "$(qhex "$P:q:sim" $((n0 + 1)) udh)" = 0605040B8423F0 ] || t_fail "binary udh"
[ "$(qhex "$P:q:sim" $((n0 + 1)) data)" = C0FFEE ] || t_fail "binary data"
[ "$(qfield "$P:q:sim" $((n0 + 1)) coding)" = 4 ] || t_fail "binary coding"
sb_expect success "/SMSsend?$A&number=4412345&message=http%3A%2F%2Fexample.com%2F&type=bookmark"
d=$(qhex "$P:q:sim" $((n0 + 2)) data)
[ "$(qhex "$P:q:sim" $((n0 + 2)) udh)" = 0605040B8423F0 ] && [ "${d:0:14}" = 01060403AE81EA ] ||
	t_fail "bookmark push $d"

# ---- balance (seed 004 §6)
b=$(sb_get "/balance.php?username=poor&password=pw")
[ "$b" = 0 ] || t_fail "balance poor: $b"
ctl credit add poor 12.5
[ "$(sb_get "/balance.php?username=poor&password=pw")" = 12.5 ] || t_fail "balance 12.5"
[ "$(sb_get "/balance?username=poor&password=pw")" = 12.5 ] || t_fail "/balance"
sb_expect error "/balance.php?username=poor" "balance without password"
sb_expect auth_failed "/balance.php?username=poor&password=bad" "balance wrong password"
t_ok "balance: 0, 12.5"

# ---- HTTP odds: unknown path, method, oversize body, keep-alive
code=$(curl -s -o /dev/null -w '%{http_code}' "$SB_URL/nope")
[ "$code" = 404 ] || t_fail "unknown path $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$SB_URL/SMSsend")
[ "$code" = 405 ] || t_fail "DELETE $code"
head -c 70000 /dev/zero | tr '\0' a >"$T_DIR/big"
code=$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$T_DIR/big" "$SB_URL/SMSsend")
[ "$code" = 413 ] || t_fail "oversize body $code"
n=$(curl -sS -v "$SB_URL/balance?username=poor&password=pw" "$SB_URL/balance?username=poor&password=pw" 2>&1 |
	grep -c 'Re-using existing connection') || true
[ "$n" -ge 1 ] || t_fail "no keep-alive"
grep -E '(pass|password)=[^*&]' "$T_DIR/sb1.log" && t_fail "a password in the access log"
t_ok "404, 405, 413, keep-alive, no password in the access log"
sb_expect ok /ping "GET /ping"
grep -qE 'http GET /SMSsend\?[^ ]* status=200 .* accepted acct=[a-z]+ recipients=1 parts=1 cost=[0-9]+ first-id=[0-9]+$' \
	"$T_DIR/sb1.log" || t_fail "no access line with the accepted send"
grep -qE 'http GET /SMSsend\?[^ ]* status=200 .* refused acct=[a-z]+ recipients=[0-9]+ reason="[a-z ]+"$' \
	"$T_DIR/sb1.log" || t_fail "no access line with a refused send"
grep -qE '\] (accepted|refused) acct=' "$T_DIR/sb1.log" && t_fail "a send outcome on a line of its own"
t_ok "the send's outcome is on its access line"

# ---- sys_error when Redis is gone
kill "$T_PID_redis"
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$T_REDIS_PORT") 2>/dev/null || break; sleep 0.05; done
sb_expect sys_error "/SMSsend?$A&number=4412345&message=x" "Redis down"
sb_expect sys_error "/balance.php?username=poor&password=pw" "balance, Redis down"
sb_expect ok /ping "GET /ping without Redis"
