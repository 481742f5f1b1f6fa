#!/usr/bin/env bash
# The SMPP server answers submit_sm only once the message is durable in Redis:
# with Redis paused (CLIENT PAUSE) no submit_sm_resp comes out; when Redis
# resumes, ESME_ROK comes with the message already on its link's queue. A
# submit while Redis is gone answers an error, never ESME_ROK; an account's
# window bounds the submits in flight per bind.
. "$top_srcdir/test/integration/lib.sh"
. "$top_srcdir/test/integration/bb_server_lib.sh"

raw paused <<PY
exec(open("$d/smpp.py").read())
import time
s = conn()
assert bind(s)[1] == 0
r = socket.create_connection(('127.0.0.1', $T_REDIS_PORT))
r.sendall(b'*3\r\n\$6\r\nCLIENT\r\n\$5\r\nPAUSE\r\n\$4\r\n1500\r\n')
assert r.recv(64).startswith(b'+OK'), "CLIENT PAUSE"
t0 = time.monotonic()
s.sendall(pdu(4, 2, submit()))
resp = read(s)
waited = time.monotonic() - t0
assert resp[:3] == (0x80000004, 0, 2), resp
assert waited >= 1.2, "submit_sm_resp after %.3f s, while Redis was paused" % waited

r.sendall(b'*2\r\n\$4\r\nXLEN\r\n\$9\r\n{t}:q:op1\r\n')
got = r.recv(64)
assert got == b':1\r\n', "the message is not on the queue when ROK is out: %r" % got
print("%.1f s" % waited)
PY
t_ok "Redis paused: submit_sm_resp only after it resumes ($(cat "$d/paused.out")), queue entry there"

# The account's window: submits beyond it while the first ones wait for Redis
# are answered ESME_RTHROTTLED at once; the ones in the window get ESME_ROK.
ctl account add narrow --password npw --credit 10 --window 2
raw window <<PY
exec(open("$d/smpp.py").read())
s = conn()
assert bind(s, 'narrow', 'npw')[1] == 0
r = socket.create_connection(('127.0.0.1', $T_REDIS_PORT))
r.sendall(b'*3\r\n\$6\r\nCLIENT\r\n\$5\r\nPAUSE\r\n\$4\r\n1000\r\n')
assert r.recv(64).startswith(b'+OK'), "CLIENT PAUSE"
s.sendall(b''.join(pdu(4, q, submit()) for q in (11, 12, 13, 14)))
got = [read(s) for _ in range(4)]
order = [(p[2], p[1]) for p in got]
assert order[:2] == [(13, 0x58), (14, 0x58)], order
assert sorted(order[2:]) == [(11, 0), (12, 0)], order
print("ok")
PY
t_ok "window 2: the 3rd and 4th submit in flight get ESME_RTHROTTLED, the first two ESME_ROK"

raw down <<PY
exec(open("$d/smpp.py").read())
s = conn()
s.settimeout(15)
assert bind(s)[1] == 0
r = socket.create_connection(('127.0.0.1', $T_REDIS_PORT))
r.sendall(b'*2\r\n\$8\r\nSHUTDOWN\r\n\$6\r\nNOSAVE\r\n')
assert r.recv(64) == b'', "SHUTDOWN"
s.sendall(pdu(4, 3, submit()))
resp = read(s)
while resp is not None and resp[0] == 0x15:	# the server's enquire_link
    s.sendall(pdu(0x80000015, resp[2])); resp = read(s)
assert resp is not None and resp[:1] == (0x80000004,) and resp[2] == 3, resp
assert resp[1] != 0, "ESME_ROK with Redis gone"
print("status 0x%02x" % resp[1])
PY
t_ok "Redis gone: the submit is answered $(cat "$d/down.out"), not ESME_ROK"

