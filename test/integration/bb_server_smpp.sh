#!/usr/bin/env bash
# The bearerbox SMPP server (bearerbox/bb_server) with the npm `smpp` package as
# the customer: every bind mode (3.4 and 3.3, plain and TLS), bind refusals and
# the bind limit, submit_sm / submit_multi / data_sm / query_sm through the
# accept step into Redis, throughput and window throttling, no credit,
# receipts and MO injected into Redis as bb_dlr writes them (delivered to a
# receiver bind, kept while unbound, sent again after a bind without answer),
# then raw bytes: submit before bind, field errors, unknown commands, garbage,
# command_length 3 and 100 MB, half a PDU; finally the graceful stop.
. "$top_srcdir/test/integration/lib.sh"

command -v node >/dev/null || { echo "SKIP: node not found"; exit 77; }
IOP="$top_srcdir/test/interop"
[ -d "$IOP/node_modules/smpp" ] || { echo "SKIP: run npm install in test/interop"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 not found"; exit 77; }

t_redis_start
P='{t}'
PORT=$(t_free_port)
TPORT=$(t_free_port)
d=$T_DIR
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
	-keyout "$d/srv.key" -out "$d/srv.pem" >"$d/openssl.out" 2>&1 ||
	t_fail "openssl could not make a certificate"
cat >"$d/s.conf" <<CONF
group = core
redis-url = "$T_REDIS_URL"
key-prefix = t
log-level = info

group = smsc
smsc-id = op1
host = 127.0.0.1
port = 1
system-id = x

group = route
default = yes
smsc-id = op1

group = smpp-server
port = $PORT
tls-port = $TPORT
tls-cert = "$d/srv.pem"
tls-key = "$d/srv.key"
interface = 127.0.0.1
max-binds = 3
enquire-link-interval = 2s
CONF

CTL="$top_builddir/hermodctl/hermodctl"
ctl() { "$CTL" -c "$d/s.conf" "$@" >>"$d/ctl.out" 2>&1 || t_fail "hermodctl $*"; }
ctl account add acme --password secret --credit 10 --max-binds 2
ctl account add slow --password pw2 --credit 10 --throughput 5
ctl account add poor --password pw3 --credit 0
ctl account add off --password pw4 --credit 10 --enabled no
ctl rate set default 0.01

t_spawn srv "$top_builddir/test/integration/bb_server_driver" -c "$d/s.conf"
t_wait_log srv "driver ready port=$PORT"
t_wait_log srv "redis connected"

N=0
# cust NAME args...: runs the customer, output in $d/NAME.out (exit status kept)
cust() {
	local name=$1
	shift
	N=$((N + 1))
	(cd "$IOP" && node server_customer.js port="$PORT" "$@") >"$d/$name.out" 2>"$d/$name.err"
}
# jf NAME EV FIELD [K]: FIELD of the K-th (1) event EV in NAME's output
jf() {
	grep "\"ev\":\"$2\"" "$d/$1.out" | sed -n "${4:-1}p" |
		python3 -c "import json,sys; v=json.load(sys.stdin).get('$3'); print(json.dumps(v) if isinstance(v,(dict,list)) else v)"
}
expect() { [ "$2" = "$3" ] || { cat "$d/$4.out" >&2 2>/dev/null; t_fail "$1: got '$2', want '$3'"; }; }

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
expect "origin" "$(t_redis hget "$P:msg:$sid" origin)" smpp sub
expect "dlr" "$(t_redis hget "$P:msg:$sid" dlr)" 1 sub
expect "to" "$(t_redis hget "$P:msg:$sid" to)" 4917000001 sub
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
t_redis xreadgroup group links op1-session count 100000 streams "$P:q:op1" '>' >/dev/null
cust can4 sys=acme pw=secret submit=4917000013:x
t_redis xreadgroup group links op1-session count 100000 streams "$P:q:op1" '>' >/dev/null
cust can5 sys=acme pw=secret cancel="$(jf can4 submit id)"
expect "cancel after a link read it" "$(jf can5 cancel status)" 17 can5
cust can6 sys=acme pw=secret cancel=999999
expect "cancel unknown" "$(jf can6 cancel status)" 17 can6
t_ok "cancel_sm: queued message removed, refunded, DELETED receipt; RCANCELFAIL when final, already read by a link, or unknown"

# ---- raw bytes
raw() {	# raw NAME: python on stdin gets the port as argv[1]; output in $d/NAME.out
	python3 - "$PORT" >"$d/$1.out" 2>&1 || { cat "$d/$1.out" >&2; t_fail "raw $1"; }
}
cat >"$d/smpp.py" <<'PY'
import socket, struct, sys
PORT = int(sys.argv[1])
def pdu(cmd, seq, body=b'', status=0):
    return struct.pack('>IIII', 16 + len(body), cmd, status, seq) + body
def c(s): return s.encode() + b'\0'
def conn():
    s = socket.create_connection(('127.0.0.1', PORT)); s.settimeout(5); return s
def read(s):
    h = b''
    while len(h) < 16:
        x = s.recv(16 - len(h))
        if not x: return None
        h += x
    n, cmd, st, seq = struct.unpack('>IIII', h)
    b = b''
    while len(b) < n - 16: b += s.recv(n - 16 - len(b))
    return (cmd, st, seq, b)
def closed(s):
    try: return s.recv(1) == b''
    except ConnectionResetError: return True
def bind(s, sysid='acme', pw='secret'):
    s.sendall(pdu(9, 1, c(sysid) + c(pw) + c('') + bytes([0x34, 0, 0]) + c('')))
    return read(s)
def submit(src='Hermod', dst='4917000010', esm=0, dcs=0, msg=b'hi', ston=5):
    return (c('') + bytes([ston, 0]) + c(src) + bytes([1, 1]) + c(dst) +
            bytes([esm, 0, 0]) + c('') + c('') + bytes([0, 0, dcs, 0, len(msg)]) + msg)
PY
raw prebind <<PY
exec(open("$d/smpp.py").read())
s = conn()
s.sendall(pdu(0x15, 7))
assert read(s) == (0x80000015, 0, 7, b''), "enquire_link before bind"
s.sendall(pdu(4, 8, submit()))
r = read(s); assert r[:3] == (0x80000004, 4, 8), r
s.sendall(pdu(0x99, 9))
r = read(s); assert r[:3] == (0x80000000, 3, 9), r
print("ok")
PY
t_ok "before bind: enquire_link answered, submit_sm RINVBNDSTS, unknown command generic_nack RINVCMDID"

raw fields <<PY
exec(open("$d/smpp.py").read())
s = conn()
assert bind(s)[1] == 0
s.sendall(pdu(4, 2, submit(esm=0x04)))
r = read(s); assert r[:3] == (0x80000004, 0x43, 2), r
s.sendall(pdu(4, 3, submit()[:-3]))   # sm_length beyond the PDU
r = read(s); assert r[0] in (0x80000004, 0x80000000) and r[1] in (1, 2, 0xC2), r
s.sendall(pdu(0x99, 4))
r = read(s); assert r[:3] == (0x80000000, 3, 4), r
s.sendall(pdu(9, 5, c('acme') + c('secret') + c('') + bytes([0x34, 0, 0]) + c('')))
r = read(s); assert r[:3] == (0x80000009, 5, 5), r
s.sendall(pdu(0x15, 6))
assert read(s)[:3] == (0x80000015, 0, 6), "session still usable"
print("ok")
PY
t_ok "bound: RINVESMCLASS, a short PDU refused, generic_nack, second bind RALYBND"

for what in len3 len100m garbage; do
	raw "$what" <<PY
exec(open("$d/smpp.py").read())
s = conn()
if "$what" == "len3": s.sendall(struct.pack('>IIII', 3, 4, 0, 1))
elif "$what" == "len100m": s.sendall(struct.pack('>IIII', 100 * 1024 * 1024, 4, 0, 1))
else: s.sendall(b'GET / HTTP/1.1\r\nHost: x\r\n\r\n')
r = read(s); assert r[:2] == (0x80000000, 2), r
assert closed(s), "not closed"
print("ok")
PY
done
t_ok "command_length 3, 100 MB and HTTP garbage: generic_nack RINVCMDLEN, closed"

raw half <<PY
exec(open("$d/smpp.py").read())
s = conn()
assert bind(s)[1] == 0
p = pdu(4, 2, submit())
s.sendall(p[:len(p) // 2]); s.close()
s = conn()
assert bind(s)[1] == 0, "server unusable after half a PDU"
s.sendall(pdu(4, 3, submit())); r = read(s); assert r[:2] == (0x80000004, 0), r
print("ok")
PY
t_ok "half a PDU then close: the server goes on"

# 300 submit_sm in one write: the window (64 awaiting Redis) fills at once.
raw flood <<PY
exec(open("$d/smpp.py").read())
s = conn()
assert bind(s)[1] == 0
s.sendall(b''.join(pdu(4, 10 + i, submit(msg=b'flood')) for i in range(300)))
st = {}
for i in range(300):
    r = read(s); assert r[0] == 0x80000004, r
    st[r[1]] = st.get(r[1], 0) + 1
print(st.get(0, 0), st.get(0x58, 0), 300 - st.get(0, 0) - st.get(0x58, 0))
PY
read -r ok th other <"$d/flood.out"
[ "$th" -gt 0 ] && [ "$ok" -ge 64 ] && [ "$other" = 0 ] ||
	t_fail "window flood: $ok accepted, $th throttled, $other other of 300"
t_ok "300 submit_sm in one write, window 64: $ok accepted, $th ESME_RTHROTTLED"

# A customer that writes much faster than it reads: the server stops reading
# while its unsent output is over 256 KiB, and loses nothing.
raw backpressure <<PY
exec(open("$d/smpp.py").read())
import threading, time
s = conn()
assert bind(s)[1] == 0
N = 40000
def writer():
    blob = b''.join(pdu(0x15, 100 + i) for i in range(N))
    s.sendall(blob)
t = threading.Thread(target=writer); t.start()
time.sleep(0.5)   # let the output pile up before reading (not a synchronisation)
s.settimeout(20)
for i in range(N):
    r = read(s); assert r[:3] == (0x80000015, 0, 100 + i), (i, r)
t.join()
print("ok")
PY
grep -q "ok" "$d/backpressure.out" || t_fail "backpressure"
t_ok "40,000 enquire_link written before any answer is read: all answered in order"

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
