# smsbox: Kannel's /cgi-bin/sendsms (GET, form POST, XML POST) with Kannel's
# answer lines and status codes; the credit never goes below zero under 50
# concurrent requests; two smsboxes on two ports serve one Redis.
. "$top_srcdir/test/integration/lib.sh"
. "$top_srcdir/test/integration/sb_api_lib.sh"

sb_setup
# a batch waits up to 20 ms to fill, so that the concurrent requests below
# share script calls however loaded the machine is
sed -i 's/^key-prefix = "hermod"$/&\nredis-batch-delay = 20ms/' "$T_DIR/base.conf"
grep -q '^redis-batch-delay = 20ms$' "$T_DIR/base.conf" || t_fail "base.conf: no key-prefix line"
ctl account add kan --password kpw --credit 100
ctl rate set default 0.05
sb_start sb1

K='username=kan&password=kpw'
S=/cgi-bin/sendsms
kexpect 202 "0: Accepted for delivery" "$S?$K&from=Hermod&to=447700900123&text=Kannel+style"
[ "$(qfield "$P:q:sim" 1 data)" = "Kannel style" ] || t_fail "kannel data"
kexpect 202 "0: Accepted for delivery" "$S?user=kan&pass=kpw&from=%2B4470000&to=%2B447700900123+447700900124&text=two"
[ "$(qlen sim)" = 3 ] || t_fail "two receivers: $(qlen sim)"
[ "$(qfield "$P:q:sim" 3 to)" = 447700900124 ] || t_fail "second receiver"
[ "$(qfield "$P:q:sim" 3 from)" = +4470000 ] || t_fail "from with +"
kexpect 403 "Authorization failed for sendsms" "$S?username=kan&password=bad&from=H&to=4412345&text=x"
kexpect 403 "Authorization failed for sendsms" "$S?username=kan&from=H&to=4412345&text=x"
kexpect 403 "Authorization failed for sendsms" "$S?username=kan&password=bad&text=x"
kexpect 400 "Missing receiver number, rejected" "$S?$K&from=H&text=x"
kexpect 400 "Empty receiver number not allowed, rejected" "$S?$K&from=H&to=&text=x"
kexpect 400 "Garbage 'to' field, rejected." "$S?$K&from=H&to=44a12345&text=x"
kexpect 400 "Sender missing and no global set, rejected" "$S?$K&to=4412345&text=x"
kexpect 400 "UDH field misformed, rejected" "$S?$K&from=H&to=4412345&udh=%06%05%04&text=x"
kexpect 400 "DLR-URL field misformed, rejected" "$S?$K&from=H&to=4412345&text=x&dlr-url=ftp://x"
kexpect 400 "DLR-Mask field misformed, rejected" "$S?$K&from=H&to=4412345&text=x&dlr-mask=64"
kexpect 400 "MClass field misformed, rejected" "$S?$K&from=H&to=4412345&text=x&mclass=4"
kexpect 400 "Coding field misformed, rejected" "$S?$K&from=H&to=4412345&text=x&coding=3"
kexpect 400 "Validity field misformed, rejected" "$S?$K&from=H&to=4412345&text=x&validity=-1"
kexpect 400 "Deferred field misformed, rejected" "$S?$K&from=H&to=4412345&text=x&deferred=x"
kexpect 400 "Priority field misformed, rejected" "$S?$K&from=H&to=4412345&text=x&priority=9"
kexpect 400 "Charset or body misformed, rejected" "$S?$K&from=H&to=4412345&text=x&charset=KOI8-R"
kexpect 400 "Wrong sendsms args, rejected" "$S?$K&from=H&to=4412345&text=x&to=4412346"

# dlr-url, dlr-mask, validity, mclass, coding=2 and udh stored as given
n0=$(qlen sim)
kexpect 202 "0: Accepted for delivery" "$S?$K&from=H&to=4412345&text=x&dlr-mask=31&dlr-url=http%3A%2F%2F127.0.0.1%2Fdlr%3Fs%3D%25d%26id%3D%25I&validity=5&mclass=0"
id=$(qfield "$P:q:sim" $((n0 + 1)) id)
[ "$(t_msg "$T_DIR/hermod.conf" "$id" dlr-url)" = 'http://127.0.0.1/dlr?s=%d&id=%I' ] || t_fail "dlr-url $(t_msg "$T_DIR/hermod.conf" "$id" dlr-url)"
[ "$(t_msg "$T_DIR/hermod.conf" "$id" dlr-mask)" = 31 ] || t_fail "dlr-mask"
[ "$(t_msg "$T_DIR/hermod.conf" "$id" dlr)" = 1 ] || t_fail "dlr"
[ "$(qfield "$P:q:sim" $((n0 + 1)) validity)" = 300 ] || t_fail "validity in seconds"
[ "$(qfield "$P:q:sim" $((n0 + 1)) flash)" = 1 ] || t_fail "mclass 0 is flash"
[ -z "$(qfield "$P:q:sim" $((n0 + 1)) mclass)" ] || t_fail "mclass 0 is not a class field"
[ "$(qfield "$P:q:sim" $((n0 + 1)) ack)" = 1 ] || t_fail "dlr-mask 31 with a dlr-url asks for the ack event"
kexpect 202 "0: Accepted for delivery" "$S?$K&from=H&to=4412345&text=%04%1F%04%40&coding=2"
[ "$(qhex "$P:q:sim" $((n0 + 2)) data)" = 041F0440 ] || t_fail "coding=2 UTF-16BE"
[ "$(qfield "$P:q:sim" $((n0 + 2)) coding)" = 8 ] || t_fail "coding=2 is UCS-2"
kexpect 202 "0: Accepted for delivery" "$S?$K&from=H&to=4412345&text=%C3%A9t%C3%A9&coding=2&charset=UTF-8"
[ "$(qhex "$P:q:sim" $((n0 + 3)) data)" = 00E9007400E9 ] || t_fail "coding=2 from UTF-8"
kexpect 202 "0: Accepted for delivery" "$S?$K&from=H&to=4412345&udh=%06%05%04%0B%84%23%F0&text=%C0%FF%EE"
[ "$(qhex "$P:q:sim" $((n0 + 4)) udh)" = 0605040B8423F0 ] || t_fail "udh"
[ "$(qfield "$P:q:sim" $((n0 + 4)) coding)" = 4 ] || t_fail "udh implies coding 1"
kexpect 202 "0: Accepted for delivery" "$S" -d "$K&from=H&to=4412345&text=form+post"
[ "$(qfield "$P:q:sim" $((n0 + 5)) data)" = "form post" ] || t_fail "form POST"
kexpect 202 "0: Accepted for delivery" "$S?$K&from=H&to=4412345&udh=%06%05%04%0B%84%23%F0&text=%00%01%00&coding=1"
[ "$(qhex "$P:q:sim" $((n0 + 6)) data)" = 000100 ] || t_fail "binary text with NUL octets"

# deferred (minutes), priority and mclass 1-3 reach the queue entry
n0=$(qlen sim)
kexpect 202 "0: Accepted for delivery" "$S?$K&from=H&to=4412345&text=x&deferred=10&priority=2&mclass=3&dlr-mask=8"
[ "$(qfield "$P:q:sim" $((n0 + 1)) deferred)" = 600 ] || t_fail "deferred in seconds"
[ "$(qfield "$P:q:sim" $((n0 + 1)) priority)" = 2 ] || t_fail "priority"
[ "$(qfield "$P:q:sim" $((n0 + 1)) mclass)" = 3 ] || t_fail "mclass 3"
[ "$(qfield "$P:q:sim" $((n0 + 1)) flash)" = 0 ] || t_fail "mclass 3 is not flash"
[ -z "$(qfield "$P:q:sim" $((n0 + 1)) ack)" ] || t_fail "dlr-mask 8 without a dlr-url: no ack event"
kexpect 202 "0: Accepted for delivery" "$S?$K&from=H&to=4412345&text=x"
[ -z "$(qfield "$P:q:sim" $((n0 + 2)) deferred)$(qfield "$P:q:sim" $((n0 + 2)) priority)$(qfield "$P:q:sim" $((n0 + 2)) mclass)" ] ||
	t_fail "none of them by default"
t_ok "deferred, priority, mclass stored in the queue entry"

# XML POST
xml() {
	curl -sS --max-time 10 -w '\n%{http_code}' -H 'Content-Type: text/xml' --data-binary "$1" "$SB_URL$S"
}
n0=$(qlen sim)
out=$(xml '<?xml version="1.0" encoding="UTF-8"?>
<message><submit>
  <da><number>4412345</number></da><da><number> 4412346 </number></da>
  <oa><number>Hermod</number></oa>
  <ud>caf&#233; &amp; xml</ud>
  <statusrequest><dlr-mask>3</dlr-mask><dlr-url>http://127.0.0.1/x?%d</dlr-url></statusrequest>
  <timing><delay>2</delay></timing><priority>1</priority>
  <from><username>kan</username><password>kpw</password></from>
</submit></message>')
[ "$out" = $'0: Accepted for delivery\n202' ] || t_fail "XML: $out"
[ "$(qlen sim)" = $((n0 + 2)) ] || t_fail "XML: two da"
[ "$(qfield "$P:q:sim" $((n0 + 2)) to)" = 4412346 ] || t_fail "XML second da"
[ "$(qhex "$P:q:sim" $((n0 + 1)) data)" = 63616605202620786D6C ] || t_fail "XML text $(qhex "$P:q:sim" $((n0 + 1)) data)"
id=$(qfield "$P:q:sim" $((n0 + 1)) id)
[ "$(t_msg "$T_DIR/hermod.conf" "$id" dlr-url)" = 'http://127.0.0.1/x?%d' ] || t_fail "XML dlr-url"
[ "$(qfield "$P:q:sim" $((n0 + 1)) deferred)" = 120 ] || t_fail "XML timing delay"
[ "$(qfield "$P:q:sim" $((n0 + 1)) priority)" = 1 ] || t_fail "XML priority"
t_ok "XML POST: two receivers, entity text, dlr-url, deferred, priority"
out=$(xml '<message><submit><da><number>4412345</number></da><oa><number>H</number></oa><ud>48656C6C6F</ud><from><user>kan</user><pass>bad</pass></from></submit></message>')
[ "$out" = $'Authorization failed for sendsms\n403' ] || t_fail "XML bad password: $out"
out=$(xml '<message><submit><da><number>4412345</number></da><oa><number>H</number></oa><ud>48656C6C6F</ud><from><user>kan</user><pass>kpw</pass></from></submit></message>')
[ "$out" = $'0: Accepted for delivery\n202' ] || t_fail "XML hex ud: $out"
[ "$(qfield "$P:q:sim" $((n0 + 3)) data)" = Hello ] || t_fail "XML hex ud data"
out=$(xml '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]><message><submit><da><number>4412345</number></da><oa><number>H</number></oa><ud>&x;</ud><from><user>kan</user><pass>kpw</pass></from></submit></message>')
[ "$out" = $'Invalid XML document, rejected\n400' ] || t_fail "XML with a DTD: $out"
out=$(xml '<message><submit><da>')
[ "$out" = $'Invalid XML document, rejected\n400' ] || t_fail "truncated XML: $out"
t_ok "XML: bad password 403, hex ud, DTD and truncated documents refused"

# ---- 50 concurrent requests, credit for 20, among 20 of an account with
# plenty: the accept step batches them (fewer script calls than requests),
# each account's credit is checked and debited on its own
ctl account add race --password rpw --credit 1
ctl account add rich --password xpw --credit 100
seq0=$(t_redis GET "$P:seq")
n0=$(qlen sim)
t_redis CONFIG RESETSTAT >/dev/null
# One curl opens all 70 connections at once (a process per request would
# trickle them in one by one on a loaded machine, and each would be a batch
# of its own).
args=()
for i in $(seq 1 50); do
	args+=(-o "$T_DIR/race.$i" "$SB_URL/SMSsend?user=race&pass=rpw&ownnum=Hermod&number=4412345&message=r$i")
	if [ $((i % 5)) = 0 ]; then
		for k in 1 2; do
			args+=(-o "$T_DIR/rich.$i.$k" "$SB_URL/SMSsend?user=rich&pass=xpw&ownnum=Hermod&number=4412345&message=x$i$k")
		done
	fi
done
curl -sS --no-progress-meter --max-time 20 --parallel --parallel-immediate --parallel-max 70 "${args[@]}" ||
	t_fail "curl --parallel"
answers=$(for f in "$T_DIR"/race.*; do echo "$(cat "$f")"; done)
ok=$(grep -c '^success$' <<<"$answers") || true
na=$(grep -c '^not_allowed$' <<<"$answers") || true
[ "$ok" = 20 ] && [ "$na" = 30 ] || t_fail "50 concurrent: $ok success, $na not_allowed"
rich=$(for f in "$T_DIR"/rich.*; do echo "$(cat "$f")"; done | grep -c '^success$') || true
[ "$rich" = 20 ] || t_fail "the other account: $rich of 20 success"
[ "$(credit race)" = 0 ] || t_fail "race credit $(credit race)"
[ "$(credit rich)" = $((1000000 - 20 * 500)) ] || t_fail "rich credit $(credit rich)"
[ "$(qlen sim)" = $((n0 + 40)) ] || t_fail "race queued $(($(qlen sim) - n0))"
[ "$(t_redis GET "$P:seq")" = $((seq0 + 40)) ] || t_fail "race ids"
calls=$(t_redis INFO commandstats | sed -n 's/^cmdstat_evalsha:calls=\([0-9]*\),.*/\1/p')
[ "${calls:-70}" -lt 70 ] || t_fail "70 requests took $calls script calls: not batched"
t_ok "50 concurrent requests, credit for 20, and 20 of another account: 20 + 20 success, credit 0, 40 queued, $calls script calls"

# ---- two smsboxes, one Redis
sb_start sb2
ctl account add two --password tpw --credit 1
sb_url1=$SB_URL_sb1
sb_url2=$SB_URL_sb2
[ "$sb_url1" != "$sb_url2" ] || t_fail "same port"
for i in 1 2 3; do
	a=$(curl -sS "$sb_url1/SMSsend?user=two&pass=tpw&ownnum=H&number=4412345&message=a$i")
	b=$(curl -sS "$sb_url2/SMSsend?user=two&pass=tpw&ownnum=H&number=4412345&message=b$i")
	[ "$a" = success ] && [ "$b" = success ] || t_fail "two boxes: $a $b"
done
[ "$(credit two)" = 7000 ] || t_fail "two boxes credit $(credit two)"
[ "$(curl -sS "$sb_url2/balance?username=two&password=tpw")" = 0.7 ] || t_fail "balance on box 2"
t_ok "two smsboxes on two ports share accounts, ids and queues"

# ---- no route for a destination
sed '/^group = route$/,$d' "$T_DIR/base.conf" >"$T_DIR/noroute.conf"
cat >>"$T_DIR/noroute.conf" <<EOF
group = route
prefix = 44
smsc-id = sim
EOF
sb_start sb3 "$T_DIR/noroute.conf"
n0=$(qlen sim)
kexpect 403 "Not routable. Do not try again." "$S?$K&from=H&to=4412345+15551234&text=x"
out=$(curl -sS "$SB_URL/SMSsend?user=kan&pass=kpw&ownnum=H&number=4412345,15551234&message=x")
[ "$out" = not_allowed ] || t_fail "no route: $out"
[ "$(qlen sim)" = "$n0" ] || t_fail "a recipient without a route let the others through"
out=$(curl -sS "$SB_URL/SMSsend?user=kan&pass=kpw&ownnum=H&number=4412345&message=x")
[ "$out" = success ] || t_fail "routed: $out"
t_ok "no route for one recipient: not_allowed for the whole request"

# graceful stop
kill -TERM "$T_PID_sb2"
t_wait_log sb2 'stopped'
