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

# What the server makes of the submit fields (read back from the queue).
raw content <<PY
exec(open("$d/smpp.py").read())
s = conn()
assert bind(s)[1] == 0
cases = [
  ("vp_rel", submit(vp='000001000000000R')),
  ("vp_bad", submit(vp='99123112000000X+')),
  ("vp_past", submit(vp='200101000000000+')),
  ("sched", submit(sched='300101000000000+')),
  ("flash", submit(dcs=0x10, msg=b'flash')),
  ("ucs2", submit(dcs=8, msg=b'\x04\x1f\x04\x40')),
  ("binudh", submit(dcs=4, esm=0x40, msg=bytes.fromhex('0605040b8423f0') + b'\x01\x02')),
  ("textudh", submit(dcs=0, esm=0x40, msg=bytes.fromhex('050003aa0201') + b'part one')),
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
expect "text with concat udh" "$(st textudh):$(qf "$(mid textudh)" udh):$(qf "$(mid textudh)" data | tr -d '\0')" \
	"0::part one" content
expect "latin-1 e-acute as GSM" "$(st latin1):$(qf "$(mid latin1)" coding):$(qhex latin1 data)" \
	0:0:63616605 content
expect "gsm @" "$(st gsm):$(qhex gsm data)" 0:00 content
expect "both payload and short_message" "$(st both)" 1 content
expect "message_payload of 300" "$(st payload):$(t_redis hget "$P:msg:$(mid payload)" parts)" 0:2 content
expect "submit on a receiver bind" "$(st rx_submit)" 4 content
t_ok "submit fields: validity, schedule, flash, UCS-2, binary UDH kept, text UDH dropped, Latin-1 and GSM input, message_payload, receiver bind"

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
