#!/usr/bin/env bash
# Password checks off the smsbox's event loop (shared/io/pwhash_pool): 100
# requests in parallel with distinct wrong passwords (each a PBKDF2 of
# ~38 ms: ~3.8 s one after the other) must not hold up a request whose
# password is cached; a full pwhash-queue answers sys_error / Kannel 503,
# while a disabled account, an address the account does not allow and a
# cached password are still answered as usual (they need no hash).
. "$top_srcdir/test/integration/lib.sh"
. "$top_srcdir/test/integration/sb_api_lib.sh"
command -v python3 >/dev/null || { echo "SKIP: python3 not found"; exit 77; }

sb_setup
ctl account add demo --password demo123 --credit 100
ctl account add off --password pw --credit 100 --enabled no
ctl account add far --password pw --credit 100 --ips 192.0.2.0/24
# slow: a stored hash of 3,000,000 iterations (~1 s per check), so that a
# check stays queued long enough to be seen.
slow=$(python3 -c '
import base64, hashlib
s = b"0123456789abcdef"
h = hashlib.pbkdf2_hmac("sha256", b"slowpw", s, 3000000, 32)
print("pbkdf2-sha256$3000000$%s$%s" % (base64.b64encode(s).decode(), base64.b64encode(h).decode()))')
ctl account add slow --password x --credit 100
t_redis HSET "$P:acct:slow" pwhash "$slow" >/dev/null

# mkconf NAME THREADS QUEUE: $T_DIR/NAME.base, base.conf with the pwhash keys
mkconf() {
	awk -v t="$2" -v q="$3" '{ print } $0 == "group = core" {
		print "pwhash-threads = " t; print "pwhash-queue = " q }' \
		"$T_DIR/base.conf" >"$T_DIR/$1.base"
}

# ---- a flood of wrong passwords and a cached request meanwhile
mkconf fl 1 1000
sb_start fl "$T_DIR/fl.base"
sb_expect 100 "/balance?user=demo&pass=demo123" "the password now cached"

python3 - "$SB_URL" >"$T_DIR/flood.out" 2>&1 <<'PY' || { cat "$T_DIR/flood.out" >&2; t_fail "flood"; }
import sys, threading, time, urllib.request
url = sys.argv[1]
N = 100
answers, lock = [], threading.Lock()
def get(path):
    t = time.monotonic()
    with urllib.request.urlopen(url + path, timeout=60) as r:
        return r.read().decode(), time.monotonic() - t
def wrong(i):
    body, _ = get("/balance?user=demo&pass=wrong-%d" % i)
    with lock:
        answers.append(body)
ts = [threading.Thread(target=wrong, args=(i,)) for i in range(N)]
for t in ts:
    t.start()
# Measure once the box is at work: some wrong ones answered, most not.
deadline = time.monotonic() + 30
while len(answers) < 5 and time.monotonic() < deadline:
    time.sleep(0.01)
lat = []
for _ in range(7):
    body, dt = get("/balance?user=demo&pass=demo123")
    assert body == "100", body
    lat.append(dt)
left = N - len(answers)
for t in ts:
    t.join()
lat.sort()
print("cached request latency ms: min %.1f median %.1f max %.1f; %d wrong ones "
      "still unanswered after them" % (lat[0] * 1e3, lat[3] * 1e3, lat[-1] * 1e3, left))
assert all(a == "auth_failed" for a in answers), set(answers)
# ~3.8 s of hashes in the queue: the measured requests must come back long
# before it is done, and each well under what the hashes ahead would cost.
assert lat[3] < 0.2 and lat[-1] < 1.0, lat
assert left >= 20, "the flood was over before the measurement"
PY
cat "$T_DIR/flood.out"
t_ok "100 wrong passwords in parallel: a cached request answered meanwhile ($(sed -n 's/.*median \([0-9.]*\).*/\1/p' "$T_DIR/flood.out") ms median)"

# ---- a full queue: sys_error / 503; the checks that need no hash still work
mkconf q1 1 1
sb_start q1 "$T_DIR/q1.base"
sb_expect 100 "/balance?user=demo&pass=demo123" "the password now cached (queue of 1)"

python3 - "$SB_URL" >"$T_DIR/full.out" 2>&1 <<'PY' || { cat "$T_DIR/full.out" >&2; t_fail "full queue"; }
import sys, threading, time, urllib.error, urllib.request
url = sys.argv[1]
def get(path):
    t = time.monotonic()
    try:
        with urllib.request.urlopen(url + path, timeout=60) as r:
            return r.status, r.read().decode(), time.monotonic() - t
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), time.monotonic() - t
# Checks of ~1 s each fired 20 times a second at a queue of one behind one
# thread: the queue stays full, nearly every one is refused at once.
lock, stop, refused = threading.Lock(), threading.Event(), [0]
def one(i):
    if get("/balance?user=slow&pass=f%d" % i)[1] == "sys_error":
        with lock:
            refused[0] += 1
def fire():
    i = 0
    while not stop.is_set():
        threading.Thread(target=one, args=(i,), daemon=True).start()
        i += 1
        time.sleep(0.05)
f = threading.Thread(target=fire)
f.start()
deadline = time.monotonic() + 20
while refused[0] < 3 and time.monotonic() < deadline:
    time.sleep(0.01)
assert refused[0] >= 3, "the queue never filled"
kannel = [get("/cgi-bin/sendsms?user=slow&pass=k%d&to=4412345&text=x" % i)
          for i in range(10)]
probes = {
    "off": get("/balance?user=off&pass=wrong"),
    "far": get("/balance?user=far&pass=wrong"),
    "nobody": get("/balance?user=nobody&pass=x"),
    "cached": get("/balance?user=demo&pass=demo123"),
}
stop.set()
f.join()
print(refused[0], "refused;", probes, kannel)
assert (503, "Sending failed.") in [k[:2] for k in kannel], kannel
# Answered at once: a check queued behind the running one would take > 1 s,
# and most would be refused (sys_error).
for name, want in (("off", "auth_failed"), ("far", "auth_failed"),
                   ("nobody", "auth_failed"), ("cached", "100")):
    st, body, dt = probes[name]
    assert (st, body) == (200, want), (name, probes[name])
    assert dt < 0.8, (name, dt)
PY
t_ok "queue full: sys_error and Kannel 503; disabled, address not allowed, unknown and cached answered without a hash"

for i in $(seq 300); do	# the checks fired last may still be queued
	r=$(curl -sS --max-time 60 "$SB_URL/balance?user=slow&pass=nope$i")
	[ "$r" = auth_failed ] && break
	[ "$r" = sys_error ] || t_fail "after the flood: '$r'"
	sleep 0.1
done
[ "$r" = auth_failed ] || t_fail "the queue never drained"
t_ok "checks are accepted again once the queue drained"
grep -q 'reason="password checks busy"' "$T_DIR/q1.log" ||
	t_fail "no access-log note for a refusal: queue full"
t_ok "the refusal is noted on the access-log line"
