#!/usr/bin/env bash
# The bearerbox SMPP server (bearerbox/bb_server) against raw bytes: requests
# before a bind, field errors, unknown commands, a second bind, garbage,
# command_length 3 and 100 MB, half a PDU then close, a flood beyond the
# window in one write, and a customer that writes far faster than it reads.
. "$top_srcdir/test/integration/lib.sh"
. "$top_srcdir/test/integration/bb_server_lib.sh"

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

# The statuses the codec answers for malformed fields (doc/smpp-server.md).
raw statuses <<PY
exec(open("$d/smpp.py").read())
s = conn()
s.sendall(pdu(9, 1, c('acme') + c('secret') + c('ABCDEFGHIJKLM') + bytes([0x34, 0, 0]) + c('')))
r = read(s); assert r[:3] == (0x80000009, 0x53, 1), ("system_type", r)
s = conn()
assert bind(s)[1] == 0
multi = (c('') + bytes([5, 0]) + c('Hermod') + bytes([1, 3, 1, 1]) + c('4917000010') +
         bytes([0, 0, 0]) + c('') + c('') + bytes([0, 0, 0, 0, 2]) + b'hi')
cases = [
  (4, c('SIXSIX') + submit()[1:], 0x15, "service_type"),
  (0x21, multi, 0x40, "dest_flag"),
  (4, submit() + b'\x02\x0c\x00', 0xC0, "cut TLV"),
  (4, submit(tlvs=tlv(0x020C, b'\x01')), 0xC2, "TLV length"),
  (4, submit(tlvs=tlv(0x001E, b'7' * 65)), 0xC4, "C-string TLV without NUL"),
]
for i, (cmd, body, want, what) in enumerate(cases):
    s.sendall(pdu(cmd, 10 + i, body))
    r = read(s); assert r[:3] == (0x80000000 | cmd, want, 10 + i), (what, r)
print("ok")
PY
t_ok "codec statuses: RINVSYSTYP, RINVSERTYP, RINVDESTFLAG, RINVOPTPARSTREAM, RINVPARLEN, RINVOPTPARAMVAL"

# What the server makes of the submit fields (read back from the queue).
raw content <<PY
exec(open("$d/smpp.py").read())
s = conn()
assert bind(s)[1] == 0
def sar(ref, total, seq):
    return (tlv(0x020C, struct.pack('>H', ref)) + tlv(0x020E, bytes([total])) +
            tlv(0x020F, bytes([seq])))
cases = [
  ("vp_rel", submit(vp='000001000000000R')),
  ("vp_bad", submit(vp='99123112000000X+')),
  ("vp_past", submit(vp='200101000000000+')),
  ("sched", submit(sched='300101000000000+')),
  ("flash", submit(dcs=0x10, msg=b'flash')),
  ("ucs2", submit(dcs=8, msg=b'\x04\x1f\x04\x40')),
  ("binudh", submit(dcs=4, esm=0x40, msg=bytes.fromhex('0605040b8423f0') + b'\x01\x02')),
  ("textudh", submit(dcs=0, esm=0x40, msg=bytes.fromhex('050003aa0201') + b'part one')),
  ("textudh2", submit(dcs=0, esm=0x40, msg=bytes.fromhex('050003aa0201') + b'part one again')),
  ("textudh16", submit(dcs=0, esm=0x40, msg=bytes.fromhex('06080401800302') + b'part two')),
  ("udhfull", submit(dcs=0, esm=0x40, msg=bytes.fromhex('050003ab0201') + b'a' * 153)),
  ("udhlong", submit(dcs=0, esm=0x40, msg=bytes.fromhex('050003ab0201') + b'a' * 154)),
  ("ucs2udh", submit(dcs=8, esm=0x40, msg=bytes.fromhex('050003ac0202') + b'\x04\x1f' * 67)),
  ("ucs2long", submit(dcs=8, esm=0x40, msg=bytes.fromhex('050003ac0202') + b'\x04\x1f' * 68)),
  ("sar8", submit(msg=b'sar one', tlvs=sar(42, 2, 1))),
  ("sar16", submit(msg=b'sar two', tlvs=sar(300, 2, 2))),
  ("sarports", submit(esm=0x40, msg=bytes.fromhex('0404021234') + b'sar p', tlvs=sar(7, 3, 3))),
  ("sarudh", submit(esm=0x40, msg=bytes.fromhex('050003090201') + b'sar u', tlvs=sar(8, 2, 2))),
  ("sarbad", submit(msg=b'x', tlvs=sar(1, 2, 3))),
  ("sarmiss", submit(msg=b'x', tlvs=tlv(0x020C, b'\x00\x01'))),
  ("latin1", submit(dcs=0, msg=b'caf\xe9')),
  ("gsm", submit(dcs=1, msg=b'\x00')),
  ("both", submit(msg=b'x', tlvs=tlv(0x0424, b'y'))),
  ("payload", submit(msg=b'', tlvs=tlv(0x0424, b'P' * 300))),
]
for i, (name, body) in enumerate(cases):
    s.sendall(pdu(4, 100 + i, body))
    r = read(s); assert r[0] == 0x80000004 and r[2] == 100 + i, r
    print(name, r[1], r[3].rstrip(b'\0').decode() or '-')
s2 = conn()
s2.sendall(pdu(1, 1, c('acme') + c('secret') + c('') + bytes([0x34, 0, 0]) + c('')))
assert read(s2)[1] == 0
s2.sendall(pdu(4, 2, submit()))
print("rx_submit", read(s2)[1], '-')
PY
st() { awk -v n="$1" '$1 == n { print $2 }' "$d/content.out"; }
mid() { awk -v n="$1" '$1 == n { print $3 }' "$d/content.out"; }
qhex() { t_qhex "$d/s.conf" op1 "id=$(mid "$1")" "$2" | tr A-F a-f; }
expect "relative validity" "$(st vp_rel):$(qf "$(mid vp_rel)" validity)" 0:86400 content
expect "bad validity" "$(st vp_bad)" 98 content
expect "past validity" "$(st vp_past)" 98 content
expect "schedule" "$(st sched)" 97 content
expect "flash" "$(st flash):$(qf "$(mid flash)" flash):$(qf "$(mid flash)" coding)" 0:1:0 content
expect "ucs2" "$(st ucs2):$(qf "$(mid ucs2)" coding)" 0:8 content
expect "binary udh" "$(st binudh):$(qf "$(mid binudh)" coding):$(qhex binudh udh)" \
	0:4:0605040b8423f0 content
expect "text with concat udh" "$(st textudh):$(qhex textudh udh):$(qf "$(mid textudh)" data):$(qf "$(mid textudh)" part)/$(qf "$(mid textudh)" parts)" \
	"0:050003aa0201:part one:1/2" content
cat_ttl=$(t_redis ttl "$P:cat:acme:4917000010:170:2")
[ "$cat_ttl" -gt 3500 ] && [ "$cat_ttl" -le 3600 ] || t_fail "P:cat of part 1 of 2: ttl $cat_ttl"
[ "$(mid textudh2)" != "$(mid textudh)" ] || t_fail "part 1 of 2 sent twice: one id $(mid textudh)"
expect "P:cat after part 1 of 2 again: the new message" "$(t_redis hget "$P:cat:acme:4917000010:170:2" id)" "$(mid textudh2)" content
expect "text with 16-bit concat udh" "$(st textudh16):$(qhex textudh16 udh):$(qf "$(mid textudh16)" data)" \
	"0:06080401800302:part two" content
expect "153 septets and a concat udh" "$(st udhfull):$(t_redis hget "$P:msg:$(mid udhfull)" parts)" 0:2 content
expect "154 septets and a concat udh" "$(st udhlong)" 1 content
expect "67 UCS-2 units and a concat udh" "$(st ucs2udh):$(qf "$(mid ucs2udh)" coding):$(qhex ucs2udh udh)" \
	0:8:050003ac0202 content
expect "68 UCS-2 units and a concat udh" "$(st ucs2long)" 1 content
expect "SAR TLVs, 8-bit ref" "$(st sar8):$(qhex sar8 udh):$(qf "$(mid sar8)" data)" \
	"0:0500032a0201:sar one" content
expect "SAR TLVs, ref 300" "$(st sar16):$(qhex sar16 udh)" 0:060804012c0202 content
expect "SAR TLVs and a port udh" "$(st sarports):$(qhex sarports udh)" 0:09040212340003070303 content
expect "SAR TLVs and a concat udh: the udh wins" "$(st sarudh):$(qhex sarudh udh)" 0:050003090201 content
expect "SAR seq over total" "$(st sarbad)" 196 content
expect "SAR TLVs missing" "$(st sarmiss)" 195 content
expect "latin-1 e-acute as GSM" "$(st latin1):$(qf "$(mid latin1)" coding):$(qhex latin1 data)" \
	0:0:63616605 content
expect "gsm @" "$(st gsm):$(qhex gsm data)" 0:00 content
expect "both payload and short_message" "$(st both)" 1 content
expect "message_payload of 300" "$(st payload):$(t_redis hget "$P:msg:$(mid payload)" parts)" 0:2 content
expect "submit on a receiver bind" "$(st rx_submit)" 4 content
t_ok "submit fields: validity, schedule, flash, UCS-2, binary UDH kept, customer parts (UDH or SAR) kept as one part with their concatenation, Latin-1 and GSM input, message_payload, receiver bind"

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


# While a bind is being checked (Redis, then the password on the pwhash
# threads) the connection is read on, as an unbound one: a submit_sm sent
# with the bind, before its bind_resp, is refused; enquire_link is answered.
raw pipelined <<PY
exec(open("$d/smpp.py").read())
s = conn()
s.sendall(pdu(9, 1, c('slow') + c('pw2') + c('') + bytes([0x34, 0, 0]) + c('')) +
          pdu(4, 2, submit()) + pdu(0x15, 3))
got = {}
for _ in range(3):
    r = read(s); got[r[2]] = r[:2]
assert got == {1: (0x80000009, 0), 2: (0x80000004, 4), 3: (0x80000015, 0)}, got
s.sendall(pdu(4, 4, submit())); r = read(s); assert r[:3] == (0x80000004, 0, 4), r
print("ok")
PY
t_ok "bind, submit_sm and enquire_link in one write: submit RINVBNDSTS, enquire_link answered, then bound"

# A connection that unbinds or closes while its password is checked: the
# check is cancelled, nothing is answered on it, the server goes on.
raw gone <<PY
exec(open("$d/smpp.py").read())
s = conn()
s.sendall(pdu(9, 1, c('acme') + c('gone1') + c('') + bytes([0x34, 0, 0]) + c('')) +
          pdu(6, 2))
r = read(s); assert r[:3] == (0x80000006, 0, 2), r
assert closed(s), "not closed after unbind"
for i in range(20):
    s = conn()
    s.sendall(pdu(9, 1, c('acme') + c('gone-%d' % i) + c('') + bytes([0x34, 0, 0]) + c('')))
    s.close()
s = conn()
assert bind(s, 'poor', 'pw3')[1] == 0, "server unusable"
print("ok")
PY
t_ok "unbind or close while the password is checked: no bind_resp, the server goes on"

# 100 binds with distinct wrong passwords at once (each a PBKDF2 of ~38 ms,
# ~3.8 s one after the other): a bound session's enquire_link is answered
# meanwhile, long before they are.
raw pwflood <<PY
exec(open("$d/smpp.py").read())
import statistics, time
b = conn()
assert bind(b, 'poor', 'pw3')[1] == 0
N = 100
cs = []
for i in range(N):
    s = conn(); s.settimeout(60)
    s.sendall(pdu(9, 1, c('acme') + c('w%d' % i) + c('') + bytes([0x34, 0, 0]) + c('')))
    cs.append(s)
import select
answered = set()
def poll(t):
    for s in select.select([s for s in cs if s not in answered], [], [], t)[0]:
        r = read(s); assert r[:2] == (0x80000009, 14), r
        answered.add(s)
deadline = time.monotonic() + 30
while len(answered) < 3 and time.monotonic() < deadline:
    poll(0.05)
def enquire(seq):
    b.sendall(pdu(0x15, seq))
    while True:
        r = read(b)
        if r[0] != 0x15:
            return r
        b.sendall(pdu(0x80000015, r[2]))   # the server's own, when idle
lat = []
for i in range(7):
    t = time.monotonic()
    r = enquire(10 + i)
    lat.append(time.monotonic() - t)
    assert r[:3] == (0x80000015, 0, 10 + i), r
poll(0)
left = N - len(answered)
while len(answered) < N and time.monotonic() < deadline + 60:
    poll(1)
lat.sort()
print("enquire_link ms: median %.1f max %.1f; %d binds unanswered after them" %
      (lat[3] * 1e3, lat[-1] * 1e3, left))
assert len(answered) == N, "binds unanswered"
assert lat[3] < 0.2 and lat[-1] < 1.0, lat
assert left >= 20, "the binds were answered before the measurement"
PY
cat "$d/pwflood.out"
t_ok "100 wrong bind passwords at once: enquire_link on a bound session answered meanwhile"
