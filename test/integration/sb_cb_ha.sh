#!/usr/bin/env bash
# Two smsboxes against one Redis (issue 4 item 7): every callback is made
# exactly once across them; a box killed with SIGKILL in the middle of its
# callbacks leaves them to the other (its stream entries claimed after
# http-timeout + 10 s idle, its leased retries taken when the lease ends).
. "$top_srcdir/test/integration/lib.sh"
. "$top_srcdir/test/integration/sb_cb_lib.sh"

sb_setup 'http-timeout = 2s' 'dlr-retries = 3' 'dlr-retry-delay = 1s' 'mo-retry-delay = 1s'
sb_sink ok
sb_sink flaky --fail 1
ctl account add acme --password 'pw-acme-1' --dlr-url "http://127.0.0.1:$SINK_ok/dlr" \
	--mo-url "http://127.0.0.1:$SINK_ok/mo"
ctl account add flaky --password 'pw-flaky-1' --dlr-url "http://127.0.0.1:$SINK_flaky/dlr"
sb_box box1
sb_box box2

# --- exactly once across two boxes, with retries in the mix -----------------
for i in $(seq 1 40); do
	sb_ev id "$i" acct acme to "4479000$((10000 + i))" mess-id "m$i" stat DELIVRD err 000 code 0
done
for i in $(seq 1 10); do
	sb_mo acct acme from "4477009$((10000 + i))" to 447911000001 dcs 0 text "mo $i"
	# each of these fails once (one path each), then goes through a retry
	sb_ev id "$((100 + i))" acct flaky to 447700900001 mess-id "f$i" stat DELIVRD code 0 dlr-url \
		"http://127.0.0.1:$SINK_flaky/k$i?id=%I"
done
sb_wait_req ok 50 True 20
sb_wait_req flaky 20 True 20
sb_wait_idle 20
python3 - "$T_DIR/ok.jsonl" "$T_DIR/flaky.jsonl" <<'PY' || t_fail "duplicates or losses"
import collections, json, sys
ok = [json.loads(l) for l in open(sys.argv[1])]
fl = [json.loads(l) for l in open(sys.argv[2])]
d = collections.Counter(r["query"]["mess_id"] for r in ok if r["path"] == "/dlr")
m = collections.Counter(r["form"]["org"] for r in ok if r["path"] == "/mo")
assert sorted(d) == sorted("m%d" % i for i in range(1, 41)) and set(d.values()) == {1}, d
assert len(m) == 10 and set(m.values()) == {1}, m
f = collections.Counter((r["path"], r["answered"]) for r in fl)
assert all(f[("/k%d" % i, 500)] == 1 and f[("/k%d" % i, 200)] == 1 for i in range(1, 11)), f
assert len(fl) == 20, len(fl)
PY
grep -q 'callback ok' "$T_DIR/box1.log" && grep -q 'callback ok' "$T_DIR/box2.log" ||
	t_fail "one box did all the work"
t_ok "two boxes: 40 DLRs, 10 MOs and 10 retried callbacks each made exactly once, work shared"

# --- SIGKILL in the middle: the other box finishes ----------------------------
# A customer server that accepts and never answers holds box1's requests.
kill -TERM "$T_PID_box2"
wait "$T_PID_box2" || t_fail "box2 did not stop cleanly"
python3 - "$T_DIR/hole.port" "$T_DIR/hole.log" >"$T_DIR/hole.out" 2>&1 <<'PY' &
import os, socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(64)
with open(sys.argv[1] + ".tmp", "w") as f: f.write("%d\n" % s.getsockname()[1])
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
held = []
while True:
    c, _ = s.accept(); held.append(c)
    with open(sys.argv[2], "a") as f: f.write("accepted\n")
PY
T_PIDS="$T_PIDS $!"
for ((i = 0; i < 100; i++)); do [ -s "$T_DIR/hole.port" ] && break; sleep 0.05; done
hole=$(cat "$T_DIR/hole.port")
ctl account add slow --password 'pw-slow-1' --dlr-url "http://127.0.0.1:$hole/dlr"
for i in 1 2 3 4 5; do
	sb_ev id "$((200 + i))" acct slow to 447700900002 mess-id "s$i" stat UNDELIV code 251
done
for ((i = 0; i < 100; i++)); do
	[ "$(grep -c accepted "$T_DIR/hole.log" 2>/dev/null)" -ge 5 ] && break
	sleep 0.05
done
[ "$(grep -c accepted "$T_DIR/hole.log")" -ge 5 ] || t_fail "box1 did not start its requests"
kill -KILL "$T_PID_box1"
wait "$T_PID_box1" 2>/dev/null
# box1 died holding 5 unacknowledged entries; the customer's server is fixed.
[ "$(t_redis XPENDING "$P:ev:http" smsbox | head -n 1)" = 5 ] || t_fail "expected 5 pending entries"
ctl account set slow --dlr-url "http://127.0.0.1:$SINK_ok/slow"
sb_box box3
sb_wait_req ok 5 "r['path'] == '/slow'" 25
sb_wait_idle 10
[ "$(sb_count ok "r['path'] == '/slow'")" = 5 ] || t_fail "slow callbacks: $(sb_count ok "r['path'] == '/slow'")"
grep -q 'claimed 5 entries' "$T_DIR/box3.log" || t_fail "box3 did not claim"
t_ok "SIGKILL with 5 requests in flight: box3 claims the entries and delivers each once"

# A leased retry of a killed box: its lease ends, another box takes it.
now=$(t_redis TIME | head -n 1)
t_redis ZADD "$P:cb:inflight" "$(((now - 1) * 1000))" \
	"v=1&k=dlr&id=ev%3A1-1&a=acme&i=300&n=1&t=1&u=http%3A%2F%2F127.0.0.1%3A$SINK_ok%2Flease%3Fx%3D1&b=" >/dev/null
sb_wait_req ok 1 "r['path'] == '/lease' and q == {'x': '1'}" 10
sb_wait_idle 10
t_ok "an expired lease in P:cb:inflight is taken over and delivered"

# --- SIGTERM while Redis hangs: the outcomes cannot be written -----------------
# box3's requests time out, their outcome scripts get no answer; at the stop
# deadline the worker gives them up (nothing is lost: Redis has the entries or
# runs the scripts when it wakes), and the box exits once Redis is back.
ctl account add hole2 --password 'pw-hole-2' --dlr-url "http://127.0.0.1:$hole/dlr"
before=$(grep -c accepted "$T_DIR/hole.log")
for i in 1 2 3; do
	sb_ev id "$((400 + i))" acct hole2 to 447700900004 mess-id "h$i" stat DELIVRD code 0
done
for ((i = 0; i < 100; i++)); do
	[ "$(grep -c accepted "$T_DIR/hole.log")" -ge $((before + 3)) ] && break
	sleep 0.05
done
[ "$(grep -c accepted "$T_DIR/hole.log")" -ge $((before + 3)) ] || t_fail "box3 did not start its requests"
kill -STOP "$T_PID_redis"
kill -TERM "$T_PID_box3"
t_wait_log box3 'abandoning jobs=3' 8
kill -CONT "$T_PID_redis"
rc=0
wait "$T_PID_box3" || rc=$?
[ "$rc" = 0 ] || t_fail "box3 exited $rc"
p=$(t_redis XPENDING "$P:ev:http" smsbox | head -n 1)
r=$(t_redis ZCARD "$P:cb:retry")
[ $((p + r)) = 3 ] || t_fail "after the hang: pending=$p retries=$r, wanted 3 in all"
t_ok "SIGTERM while Redis hangs: gives up at the deadline, exits 0 when Redis is back, nothing lost"
