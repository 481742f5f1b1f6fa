#!/usr/bin/env bash
# The bearerbox SMPP server (bearerbox/bb_server) with the npm `smpp` package as
# the customer: every bind mode (3.4 and 3.3, plain and TLS), bind refusals and
# the bind limit, submit_sm / submit_multi / data_sm / query_sm / cancel_sm
# through the accept step into Redis, throughput throttling, no credit,
# receipts and MO injected into Redis as bb_dlr writes them (delivered to a
# receiver bind, kept while unbound, sent again after a bind without answer),
# the server's enquire_link, and the graceful stop.
. "$top_srcdir/test/integration/lib.sh"
command -v node >/dev/null || { echo "SKIP: node not found"; exit 77; }
[ -d "$top_srcdir/test/interop/node_modules/smpp" ] ||
	{ echo "SKIP: run npm install in test/interop"; exit 77; }
. "$top_srcdir/test/integration/bb_server_lib.sh"

# ---- binds
for m in tx rx trx; do
	cust bind_$m sys=acme pw=secret mode=$m || t_fail "bind $m failed"
	expect "bind $m" "$(jf bind_$m bind status)" 0 bind_$m
	expect "unbind $m" "$(jf bind_$m unbind status)" 0 bind_$m
done
t_ok "bind_transmitter, bind_receiver, bind_transceiver (3.4)"

cust bind33 sys=acme pw=secret mode=trx ver=0x33 submit=4917000033:v33 query=last
expect "3.3 submit" "$(jf bind33 submit status)" 0 bind33
id33=$(jf bind33 submit id)
[[ "$id33" =~ ^[0-9a-f]{1,8}$ ]] || t_fail "3.3 message id '$id33' is not hex of at most 8"
expect "3.3 query by hex id" "$(jf bind33 query status)" 0 bind33
t_ok "SMPP 3.3 bind: hex message id $id33, query_sm by it"

cust tls tls=1 port="$TPORT" sys=acme pw=secret submit=4917000044:tls
expect "TLS submit" "$(jf tls submit status)" 0 tls
t_ok "bind and submit over TLS"

cust badpw sys=acme pw=wrong; expect "wrong password" "$(jf badpw bind status)" 14 badpw
cust badsys sys=nobody pw=x; expect "unknown system_id" "$(jf badsys bind status)" 15 badsys
cust off sys=off pw=pw4; expect "disabled account" "$(jf off bind status)" 13 off
t_ok "bind refused: RINVPASWD, RINVSYSID, RBINDFAIL (disabled)"

# max-binds 2 for acme: two held binds, the third refused, then one freed.
(cd "$IOP" && exec node server_customer.js port="$PORT" sys=acme pw=secret mode=rx wait=99 timeout=60000) >"$d/hold1.out" 2>&1 &
H1=$!
T_PIDS="$T_PIDS $H1"
(cd "$IOP" && exec node server_customer.js port="$PORT" sys=acme pw=secret mode=tx wait=99 timeout=60000) >"$d/hold2.out" 2>&1 &
H2=$!
T_PIDS="$T_PIDS $H2"
for _ in $(seq 100); do [ "$(t_redis zcard "$P:binds:acme")" = 2 ] && break; sleep 0.05; done
[ "$(t_redis zcard "$P:binds:acme")" = 2 ] || t_fail "two binds not counted in Redis"
cust third sys=acme pw=secret mode=tx; expect "third bind" "$(jf third bind status)" 13 third
kill "$H2"; wait "$H2" 2>/dev/null
for _ in $(seq 100); do [ "$(t_redis zcard "$P:binds:acme")" = 1 ] && break; sleep 0.05; done
cust fourth sys=acme pw=secret mode=tx; expect "bind after one left" "$(jf fourth bind status)" 0 fourth
kill "$H1"; wait "$H1" 2>/dev/null
t_ok "max-binds: the third bind of acme gets RBINDFAIL; a freed slot binds again"

# ---- submits
before=$(t_redis xlen "$P:q:op1")
cust sub sys=acme pw=secret mode=trx dlr=1 submit=+4917000001:hello from=4915550000 ton=1 query=last
expect "submit" "$(jf sub submit status)" 0 sub
sid=$(jf sub submit id)
expect "queued" "$(t_redis xlen "$P:q:op1")" $((before + 1)) sub
expect "origin" "$(t_msg "$d/s.conf" "$sid" origin)" smpp sub
expect "dlr" "$(t_msg "$d/s.conf" "$sid" dlr)" 1 sub
expect "to" "$(t_msg "$d/s.conf" "$sid" to)" 4917000001 sub
expect "query state" "$(jf sub query state)" 1 sub
t_ok "submit_sm durable in Redis (P:msg:$sid, P:q:op1) before its resp; query_sm ENROUTE"

cust multi sys=acme pw=secret multi=4917000002,notanumber,4917000003:hi
expect "submit_multi" "$(jf multi multi status)" 0 multi
expect "unsuccess" "$(jf multi multi unsuccess)" '[["notanumber", 11]]' multi
cust dsm sys=acme pw=secret payload=4917000004:"data sm payload"
expect "data_sm" "$(jf dsm data_sm status)" 0 dsm
t_ok "submit_multi (a bad destination in unsuccess_sme, RINVDSTADR) and data_sm"

cust poor sys=poor pw=pw3 submit=4917000005:x
expect "no credit" "$(jf poor submit status)" 69 poor
cust badsrc sys=acme pw=secret from=ThisIsTooLongSender submit=4917000005:x
expect "bad source" "$(jf badsrc submit status)" 10 badsrc
cust baddst sys=acme pw=secret submit=49170abc:x
expect "bad destination" "$(jf baddst submit status)" 11 baddst
cust baddcs sys=acme pw=secret dcs=5 submit=4917000005:x
expect "bad data_coding" "$(jf baddcs submit status)" 260 baddcs
t_ok "no credit ESME_RSUBMITFAIL; RINVSRCADR, RINVDSTADR, RINVDCS"

cust thr sys=slow pw=pw2 flood=20:4917000006
ok=$(jf thr flood ok); th=$(jf thr flood throttled)
[ "$ok" -ge 4 ] && [ "$ok" -le 7 ] && [ $((ok + th)) = 20 ] ||
	t_fail "throughput 5/s: $ok accepted, $th throttled of 20"
t_ok "throughput: $ok of 20 accepted at 5/s, $th ESME_RTHROTTLED"

# submit_multi takes a token per destination: 4 of them at 3/s leave the
# bucket in debt, the 3 submit_sm right after are throttled.
ctl account add slow3 --password pw6 --credit 10 --throughput 3
cust thrm sys=slow3 pw=pw6 multi=4917000011,4917000012,4917000013,4917000014:m flood=3:4917000015
expect "submit_multi at 3/s" "$(jf thrm multi status)" 0 thrm
th=$(jf thrm flood throttled)
[ "$th" = 3 ] || t_fail "after a submit_multi to 4 at 3/s: $th of 3 submit_sm throttled, want 3"
t_ok "throughput: a submit_multi to 4 destinations at 3/s takes 4 tokens (the 3 submit_sm right after it: ESME_RTHROTTLED)"

# ---- receipts and MO
now=$(($(date +%s) * 1000))
t_redis xadd "$P:ev:smpp:acme" '*' id "$sid" acct acme to 4917000001 mess-id '' \
	dlr-url '' dlr-mask '' stat DELIVRD err 0 code 0 ts "$now" >/dev/null
t_redis xadd "$P:mo:smpp:acme" '*' acct acme from 4917000009 to 4915550000 \
	dcs 0 text "héllo MO" ts "$now" >/dev/null
cust rcv sys=acme pw=secret mode=rx wait=2
[ "$(grep -c '"ev":"deliver"' "$d/rcv.out")" = 2 ] || t_fail "receiver got $(grep -c deliver "$d/rcv.out") deliver_sm, want 2"
grep '"esm_class":4' "$d/rcv.out" | grep -q "\"text\":\"id:$sid sub:001 dlvrd:001 submit date:[0-9]\{10\} done date:[0-9]\{10\} stat:DELIVRD err:000 text:\"" ||
	t_fail "receipt text: $(grep '"esm_class":4' "$d/rcv.out")"
grep '"esm_class":4' "$d/rcv.out" | grep -q "\"receipted_message_id\":\"$sid\",\"message_state\":2" ||
	t_fail "receipt TLVs: $(grep '"esm_class":4' "$d/rcv.out")"
grep '"esm_class":4' "$d/rcv.out" | grep -q '"source_addr":"4917000001","destination_addr":"4915550000"' ||
	t_fail "receipt addresses"
grep '"esm_class":0' "$d/rcv.out" | grep -q '"text":"héllo MO"' || t_fail "MO text"
for _ in $(seq 100); do [ "$(t_redis xlen "$P:ev:smpp:acme")" = 0 ] && break; sleep 0.05; done
expect "receipt acked and deleted" "$(t_redis xlen "$P:ev:smpp:acme")" 0 rcv
expect "MO acked and deleted" "$(t_redis xlen "$P:mo:smpp:acme")" 0 rcv
t_ok "receipt (text, receipted_message_id, message_state) and MO waiting in Redis delivered on bind, XACK+XDEL after deliver_sm_resp"

# Many waiting: read in batches back to back (not one small read per 200 ms
# tick), acknowledged in batches; 600 within 4 s (the old reading took 7.5 s).
t_redis eval "for i = 1, 600 do redis.call('XADD', KEYS[1], '*', 'id', ARGV[1],
  'acct', 'acme', 'to', '4917000001', 'stat', 'DELIVRD', 'err', '0', 'code', '0',
  'ts', ARGV[2]) end return 600" 1 "$P:ev:smpp:acme" "$sid" "$now" >/dev/null
cust many sys=acme pw=secret mode=rx wait=600 timeout=4000 ||
	t_fail "600 waiting receipts: $(grep -c '"ev":"deliver"' "$d/many.out") delivered in 4 s"
for _ in $(seq 100); do [ "$(t_redis xlen "$P:ev:smpp:acme")" = 0 ] && break; sleep 0.05; done
expect "600 receipts acked and deleted" "$(t_redis xlen "$P:ev:smpp:acme")" 0 many
expect "none pending" "$(t_redis xpending "$P:ev:smpp:acme" smpp-server | head -1)" 0 many
t_ok "600 waiting receipts delivered in batches and acknowledged (XACK in batches, stream trimmed)"

# The trim after an acknowledgement keeps what is still pending: an older
# entry read by another consumer (a bearerbox that died) and not answered.
old1=$(t_redis xadd "$P:ev:smpp:acme" '*' id "$sid" acct acme to 4917000001 stat DELIVRD err 0 code 0 ts "$now")
t_redis xreadgroup group smpp-server deadbox count 1 streams "$P:ev:smpp:acme" '>' >/dev/null
for i in 1 2; do t_redis xadd "$P:ev:smpp:acme" '*' id "$sid" acct acme to 4917000001 stat DELIVRD err 0 code 0 ts "$now" >/dev/null; done
cust trim sys=acme pw=secret mode=rx wait=2
for _ in $(seq 100); do [ "$(t_redis xlen "$P:ev:smpp:acme")" = 1 ] && break; sleep 0.05; done
expect "only the pending entry left" "$(t_redis xrange "$P:ev:smpp:acme" - + | head -1)" "$old1" trim
expect "it is still pending" "$(t_redis xpending "$P:ev:smpp:acme" smpp-server | sed -n 2p)" "$old1" trim
t_redis xack "$P:ev:smpp:acme" smpp-server "$old1" >/dev/null
t_redis xtrim "$P:ev:smpp:acme" maxlen 0 >/dev/null
t_ok "acknowledging newer receipts keeps an older one still pending for another consumer"

# Not answered: stays in Redis, comes again on the next bind.
t_redis xadd "$P:ev:smpp:acme" '*' id "$sid" acct acme to 4917000001 stat UNDELIV err 1 code 251 ts "$now" >/dev/null
cust noresp sys=acme pw=secret mode=rx wait=1 no-resp=1 unbind=0
expect "unanswered kept" "$(t_redis xlen "$P:ev:smpp:acme")" 1 noresp
cust again sys=acme pw=secret mode=trx wait=1 ver=0x33
grep -q '"esm_class":4' "$d/again.out" || t_fail "receipt not sent again after rebind"
grep '"esm_class":4' "$d/again.out" | grep -q "stat:UNDELIV err:001" || t_fail "receipt word"
grep '"esm_class":4' "$d/again.out" | grep -q '"tlv":{}' || t_fail "3.3 receipt carries TLVs"
t_ok "a receipt without deliver_sm_resp is sent again after the customer binds again (3.3: no TLVs)"

t_redis xadd "$P:mo:smpp:acme" '*' acct acme from 4917000009 to 4915550000 dcs 8 text "Ωμέγα" ts "$now" >/dev/null
cust nack sys=acme pw=secret mode=rx wait=1 nack-first=1 timeout=15000 ||
	t_fail "customer answering RX_T_APPN first never got the MO again"
grep -q '"text":"Ωμέγα"' "$d/nack.out" || t_fail "UCS-2 MO text: $(cat "$d/nack.out")"
t_ok "ESME_RX_T_APPN answer: the MO is sent again (UCS-2)"

# A receipt older than receipt-ttl (72 h) is dropped, not sent; a fresh one is.
old=$((now - 73 * 3600 * 1000))
t_redis xadd "$P:ev:smpp:acme" '*' id 1 acct acme to 4917000001 stat EXPIRED err 0 code 253 ts "$old" >/dev/null
t_redis xadd "$P:ev:smpp:acme" '*' id 2 acct acme to 4917000001 stat DELIVRD err 0 code 0 ts "$now" >/dev/null
cust ttl sys=acme pw=secret mode=rx wait=1
grep -q 'stat:EXPIRED' "$d/ttl.out" && t_fail "a receipt past receipt-ttl was sent"
grep -q 'id:2 sub' "$d/ttl.out" || t_fail "fresh receipt not sent: $(cat "$d/ttl.out")"
for _ in $(seq 100); do [ "$(t_redis xlen "$P:ev:smpp:acme")" = 0 ] && break; sleep 0.05; done
expect "expired receipt removed" "$(t_redis xlen "$P:ev:smpp:acme")" 0 ttl
t_ok "a receipt older than receipt-ttl is dropped from Redis unsent"

# A long MO: message_payload on 3.4; two UDH-concatenated parts on 3.3.
long=$(printf 'L%.0s' $(seq 300))
t_redis xadd "$P:mo:smpp:acme" '*' acct acme from 4917000009 to 4915550000 dcs 0 text "$long" ts "$now" >/dev/null
cust long34 sys=acme pw=secret mode=rx wait=1
expect "3.4 long MO" "$(jf long34 deliver text)" "$long" long34
t_redis xadd "$P:mo:smpp:acme" '*' acct acme from 4917000009 to 4915550000 dcs 0 text "$long" ts "$now" >/dev/null
cust long33 sys=acme pw=secret mode=rx ver=0x33 wait=2
p1=$(jf long33 deliver esm_class 1):$(jf long33 deliver text 1 | head -c 6 | od -An -tx1 | tr -d ' \n')
[[ "$p1" =~ ^64:050003[0-9a-f]{2}0201$ ]] || t_fail "3.3 part 1: $p1"
expect "3.3 part 2" "$(jf long33 deliver esm_class 2):$(jf long33 deliver text 2 | wc -c)" 64:59 long33
for _ in $(seq 100); do [ "$(t_redis xlen "$P:mo:smpp:acme")" = 0 ] && break; sleep 0.05; done
expect "long MO acked once both parts were" "$(t_redis xlen "$P:mo:smpp:acme")" 0 long33
t_ok "MO of 300 characters: message_payload on 3.4, two concatenated parts (UDH) on 3.3"

# ---- cancel_sm: refunded while queued, refused once a link read it.
c0=$(t_redis hget "$P:acct:acme" credit)
cust can sys=acme pw=secret dlr=1 submit=4917000011:"cancel me" cancel=last
expect "cancel" "$(jf can cancel status)" 0 can
cid=$(jf can submit id)
expect "credit refunded" "$(t_redis hget "$P:acct:acme" credit)" "$c0" can
expect "final" "$(t_redis hget "$P:msg:$cid" final)" DELETED can
t_redis xrange "$P:q:op1" - + | grep -qx "$cid" && t_fail "cancelled parts still queued"
t_redis xrange "$P:ev:smpp:acme" - + | grep -q DELETED || t_fail "no DELETED receipt event"
cust can2 sys=acme pw=secret cancel="$cid"
expect "cancel twice" "$(jf can2 cancel status)" 17 can2
# A link session reads the queue (its bearerbox creates the group first).
t_redis xgroup create "$P:q:op1" links 0 mkstream >/dev/null 2>&1 || true
t_redis xreadgroup group links op1-session count 100000 streams "$P:q:op1" '>' >/dev/null
cust can4 sys=acme pw=secret submit=4917000013:x
t_redis xreadgroup group links op1-session count 100000 streams "$P:q:op1" '>' >/dev/null
cust can5 sys=acme pw=secret cancel="$(jf can4 submit id)"
expect "cancel after a link read it" "$(jf can5 cancel status)" 17 can5
cust can6 sys=acme pw=secret cancel=999999
expect "cancel unknown" "$(jf can6 cancel status)" 17 can6
t_ok "cancel_sm: queued message removed, refunded, DELETED receipt; RCANCELFAIL when final, already read by a link, or unknown"

# The server's enquire_link after 2 s idle (enquire-link-interval).
cust idle sys=acme pw=secret mode=rx wait=99 timeout=3500
grep -q '"ev":"enquire_link"' "$d/idle.out" || t_fail "no enquire_link sent on an idle bind"
grep -q '"ev":"close"' "$d/idle.out" && t_fail "idle bind closed by the server"
t_ok "server sends enquire_link on an idle bind"

# ---- graceful stop: a bound customer gets unbind.
(cd "$IOP" && exec node server_customer.js port="$PORT" sys=acme pw=secret mode=rx wait=99 timeout=20000) >"$d/stop.out" 2>&1 &
SP=$!
T_PIDS="$T_PIDS $SP"
for _ in $(seq 100); do grep -q '"ev":"bind"' "$d/stop.out" && break; sleep 0.05; done
kill -TERM "$T_PID_srv"
t_wait_log srv "driver stopped" 10
grep -q '"ev":"unbound"' "$d/stop.out" || t_fail "customer did not get unbind: $(cat "$d/stop.out")"
t_ok "SIGTERM: unbind sent to bound customers, clean stop"
