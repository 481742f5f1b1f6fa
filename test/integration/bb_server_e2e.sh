#!/usr/bin/env bash
# The SMPP server end to end: the npm smpp customer -> a real bearerbox (its
# SMPP server and its SMPP links) -> smscsim -> receipt -> deliver_sm to the
# customer. Parts the customer concatenated (UDH, or SAR TLVs) reach the
# simulator as one part each with their concatenation, in the form of the
# link's long-message (udh link: a UDH; sar link: SAR TLVs); a submit with
# registered_delivery 1 comes back as a receipt with its id and TLVs, one
# with 0x11 gets the SMSC's ENROUTE as an intermediate deliver_sm first.
. "$top_srcdir/test/integration/lib.sh"
command -v node >/dev/null || { echo "SKIP: node not found"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 not found"; exit 77; }
IOP="$top_srcdir/test/interop"
[ -d "$IOP/node_modules/smpp" ] || { echo "SKIP: run npm install in test/interop"; exit 77; }
SIM="$top_builddir/contrib/smscsim/smscsim"
[ -x "$SIM" ] || { echo "SKIP: no smscsim"; exit 77; }

t_redis_start
P='{t}'
d=$T_DIR
t_spawn sim "$SIM" --port 0 --dlr-delay-ms 50 --enquire-interval 0
t_wait_log sim 'listening port=[0-9]+'
SIM_PORT=$(sed -n 's/.*listening port=\([0-9]*\).*/\1/p' "$d/sim.log" | head -1)
PORT=$(t_free_port)

cat >"$d/bb.conf" <<CONF
group = core
redis-url = "$T_REDIS_URL"
key-prefix = t
log-level = info

group = smsc
smsc-id = sim
host = 127.0.0.1
port = $SIM_PORT
system-id = hudh
reconnect-delay = 1s

group = smsc
smsc-id = simsar
host = 127.0.0.1
port = $SIM_PORT
system-id = hsar
long-message = sar
reconnect-delay = 1s

group = route
default = yes
smsc-id = sim

group = route
prefix = 4918
smsc-id = simsar

group = smpp-server
port = $PORT
interface = 127.0.0.1
CONF
ctl() { "$top_builddir/hermodctl/hermodctl" -c "$d/bb.conf" "$@" >>"$d/ctl.out" 2>&1 || t_fail "hermodctl $*"; }
ctl account add acme --password secret --credit 10
ctl rate set default 0.01

t_spawn bb "$top_builddir/bearerbox/bearerbox" -c "$d/bb.conf"
t_wait_port "$PORT"
for l in sim simsar; do
	for _ in $(seq 200); do [ "$(t_redis exists "$P:link:$l:up")" = 1 ] && break; sleep 0.05; done
	[ "$(t_redis exists "$P:link:$l:up")" = 1 ] || t_fail "link $l never up"
done

# cust NAME args...: the customer, its JSON events in $d/NAME.out
cust() {
	local name=$1
	shift
	(cd "$IOP" && node server_customer.js port="$PORT" sys=acme pw=secret "$@") \
		>"$d/$name.out" 2>"$d/$name.err" || { cat "$d/$name.out" "$d/$name.err" >&2; t_fail "customer $name"; }
}
# jf NAME EV FIELD [K]: FIELD of the K-th (1) event EV in NAME's output
jf() {
	grep "\"ev\":\"$2\"" "$d/$1.out" | sed -n "${4:-1}p" |
		python3 -c "import json,sys; v=json.load(sys.stdin)
for k in '$3'.split('.'): v = v.get(k) if isinstance(v, dict) else None
print(v)"
}
# rx SYSID DST TEXT: what smscsim logged after the text of that submit_sm
# (" udh=HEX", " sar=R:T:S", or nothing); waits for it
rx() {
	local line
	for _ in $(seq 200); do
		line=$(grep -F "system_id=$1 cmd=submit_sm" "$d/sim.log" | grep -F " dst=$2 " |
			grep -F "text=\"$3\"" | head -1)
		[ -n "$line" ] && break
		sleep 0.05
	done
	[ -n "$line" ] || { t_fail "smscsim never got '$3' for $2 on $1"; }
	printf '%s\n' "${line#*text=\"$3\"}"
}

cust cat mode=tx dcs=0 \
	submit="4917000001:first" udh=050003aa0201 \
	submit2="4917000001:second" udh2=050003aa0202 \
	submit3="4918000002:sar one" sar3=300:2:1 \
	submit4="4918000002:sar two" sar4=300:2:2 \
	submit5="4918000003:udh on sar" udh5=050003bb0201 \
	submit6="4917000004:sar on udh" sar6=77:2:1 \
	submit7="4917000005:$(printf 'a%.0s' $(seq 154))" udh7=050003cc0201
for k in 1 2 3 4 5 6; do
	[ "$(jf cat submit status "$k")" = 0 ] || t_fail "part $k refused: $(cat "$d/cat.out")"
done
[ "$(jf cat submit status 7)" = 1 ] || t_fail "154 septets and a UDH: $(jf cat submit status 7), want ESME_RINVMSGLEN"
expect() { [ "$2" = "$3" ] || t_fail "$1: got '$2', want '$3'"; }
expect "UDH part 1 on the udh link" "$(rx hudh 4917000001 first)" " udh=050003aa0201"
expect "UDH part 2 on the udh link" "$(rx hudh 4917000001 second)" " udh=050003aa0202"
expect "SAR part 1 on the sar link" "$(rx hsar 4918000002 'sar one')" " sar=300:2:1"
expect "SAR part 2 on the sar link" "$(rx hsar 4918000002 'sar two')" " sar=300:2:2"
expect "UDH part on the sar link: SAR TLVs" "$(rx hsar 4918000003 'udh on sar')" " sar=187:2:1"
expect "SAR part on the udh link: a UDH" "$(rx hudh 4917000004 'sar on udh')" " udh=0500034d0201"
id1=$(jf cat submit id 1)
expect "the UDH parts: one message id" "$(jf cat submit id 2)" "$id1"
expect "the SAR parts: one message id" "$(jf cat submit id 4)" "$(jf cat submit id 3)"
[ "$(jf cat submit id 3)" != "$id1" ] && [ "$(jf cat submit id 5)" != "$(jf cat submit id 6)" ] ||
	t_fail "other messages share an id: $(cat "$d/cat.out")"
expect "the record of the UDH parts" "$(t_redis hget "$P:msg:$id1" parts)" 2
expect "P:cat deleted after the last part" "$(t_redis exists "$P:cat:acme:4917000001:170:2")" 0
expect "P:cat kept for part 1 of 2" "$(t_redis hget "$P:cat:acme:4918000003:187:2" id)" "$(jf cat submit id 5)"
expect "each part billed as one (10 - 6 x 0.01)" "$(t_redis hget "$P:acct:acme" credit)" 99400
t_ok "customer parts (2 UDH, 2 SAR, and each on the other kind of link) reach smscsim as one part each with their concatenation, the parts of one message under one message id; 154 septets and a UDH: ESME_RINVMSGLEN"

cust catr mode=trx dlr=1 submit="4917000020:one" udh=050003dd0201 \
	submit2="4917000020:two" udh2=050003dd0202 wait=1 timeout=20000
cid=$(jf catr submit id 1)
expect "2 parts, 1 id" "$(jf catr submit id 2)" "$cid"
expect "the receipt of the 2 parts" "$(jf catr deliver tlv.receipted_message_id)" "$cid"
expect "both parts delivered, one final state" \
	"$(t_redis hmget "$P:msg:$cid" p1 p2 final | tr '\n' ' ')" "DELIVRD DELIVRD DELIVRD "
t_ok "a customer's 2-part UDH message with registered_delivery: one receipt for id $cid once both parts are delivered"

cust rcpt mode=trx dlr=1 submit="4917000009:receipt please" wait=1 timeout=20000
id=$(jf rcpt submit id)
[ "$(jf rcpt submit status)" = 0 ] && [ -n "$id" ] || t_fail "receipt submit: $(cat "$d/rcpt.out")"
expect "receipt esm_class" "$(jf rcpt deliver esm_class)" 4
txt=$(jf rcpt deliver text)
case $txt in "id:$id sub:001 dlvrd:001 "*" stat:DELIVRD err:000 "*) ;;
*) t_fail "receipt text '$txt' (id $id)" ;; esac
expect "receipted_message_id" "$(jf rcpt deliver tlv.receipted_message_id)" "$id"
expect "message_state" "$(jf rcpt deliver tlv.message_state)" 2
expect "receipt source" "$(jf rcpt deliver source_addr)" 4917000009
t_ok "customer submit with registered_delivery 1 -> bearerbox -> smscsim -> receipt -> deliver_sm (id $id, stat DELIVRD, receipted_message_id, message_state 2)"

# registered_delivery 0x11 (receipt + intermediate notification, SMPP 3.4
# §5.2.17): the SMSC's ENROUTE (smscsim "stat:ENROUTE+DELIVRD") reaches the
# customer as a deliver_sm esm_class 0x20, message_state 1, before the final
# receipt; with registered_delivery 1 the first deliver_sm is the final one.
cust imd mode=trx dlr=17 submit="4917000031:stat:ENROUTE+DELIVRD i" wait=2 timeout=20000
iid=$(jf imd submit id)
expect "intermediate first: esm_class 0x20" "$(jf imd deliver esm_class 1)" 32
expect "intermediate message_state ENROUTE" "$(jf imd deliver tlv.message_state 1)" 1
case $(jf imd deliver text 1) in "id:$iid sub:001 dlvrd:000 "*" stat:ENROUTE err:000 "*) ;;
*) t_fail "intermediate text '$(jf imd deliver text 1)' (id $iid)" ;; esac
expect "intermediate receipted_message_id" "$(jf imd deliver tlv.receipted_message_id 1)" "$iid"
expect "then the final receipt" "$(jf imd deliver esm_class 2) $(jf imd deliver tlv.message_state 2)" "4 2"
expect "the record's intermediate words" "$(t_redis hget "$P:msg:$iid" im)" ENROUTE
cust imq mode=tx query="$iid"
expect "query_sm: the final state" "$(jf imq query state)" 2
cust noim mode=trx dlr=1 submit="4917000032:stat:ENROUTE+DELIVRD n" wait=1 timeout=20000
expect "not asked: the first deliver_sm is final" "$(jf noim deliver esm_class) $(jf noim deliver tlv.message_state)" "4 2"
expect "not asked: no im in the record" "$(t_redis hexists "$P:msg:$(jf noim submit id)" im)" 0
t_ok "registered_delivery 0x11: ENROUTE as an intermediate deliver_sm (esm_class 0x20, message_state 1) then the final receipt; registered_delivery 1: the final receipt only"

kill -TERM "$T_PID_bb"
wait "$T_PID_bb" || t_fail "bearerbox exit status"
t_ok "bearerbox stops cleanly"
