#!/usr/bin/env bash
# Delivery-report callbacks (issue 4 item 5): the seed's mess_id/status/number
# for DELIVRD, UNDELIV, EXPIRED and REJECTD events, one callback per number of
# a bulk, Kannel dlr-url escapes and dlr-mask, intermediate events (type 4,
# dlr-url only), retries with backoff after 500s,
# a dead letter after the configured tries, and `hermodctl dead-letters replay`
# bringing it back once the customer's server is there.
. "$top_srcdir/test/integration/lib.sh"
. "$top_srcdir/test/integration/sb_cb_lib.sh"

# http-timeout 10 s: on a loaded machine the first of the 64 held requests must
# not time out before the 64th is open and the worker is stopped
sb_setup 'http-timeout = 10s' 'dlr-retries = 2' 'dlr-retry-delay = 1s'
sb_sink ok
sb_sink flaky --fail 2
down_port=$(t_free_port)
ctl account add acme --password 'pw-acme-1' --dlr-url "http://127.0.0.1:$SINK_ok/dlr?src=hermod"
ctl account add flaky --password 'pw-flaky-1' --dlr-url "http://127.0.0.1:$SINK_flaky/dlr"
ctl account add down --password 'pw-down-1' --dlr-url "http://127.0.0.1:$down_port/gone"
ctl account add nourl --password 'pw-nourl-1'
sb_box box1

# --- the four final statuses, with the codes of seed 004 §5.4 -------------
n=0
for s in DELIVRD:0 UNDELIV:251 EXPIRED:253 REJECTD:249; do
	n=$((n + 1))
	sb_ev id "$n" acct acme to "4479000000$n" mess-id "m$n" dlr-url '' dlr-mask '' \
		stat "${s%%:*}" err 000 code "${s#*:}" ts 1763788800000
done
sb_wait_req ok 4 "r['path'] == '/dlr'"
for s in 1:0 2:251 3:253 4:249; do
	i=${s%%:*}
	c=$(sb_count ok "q == {'src': 'hermod', 'mess_id': 'm$i', 'status': '${s#*:}', 'number': '4479000000$i'} and r['method'] == 'GET'")
	[ "$c" = 1 ] || t_fail "message $i: $c callbacks with status ${s#*:}: $(sb_req ok)"
done
t_ok "DELIVRD 0, UNDELIV 251, EXPIRED 253, REJECTD 249 as GET mess_id/status/number, appended to the URL's query"

# An event without code: the code comes from the stat word.
sb_ev id 9 acct acme to 447900000009 mess-id m9 stat EXPIRED err ''
sb_wait_req ok 1 "q.get('mess_id') == 'm9' and q['status'] == '253'"
t_ok "no code field: derived from stat"

# --- a bulk: one message id per number, one callback each ------------------
for i in 1 2 3; do
	sb_ev id "2$i" acct acme to "44791111111$i" mess-id bulk-7 dlr-url '' stat DELIVRD err 000 code 0
done
sb_wait_req ok 3 "q.get('mess_id') == 'bulk-7'"
for i in 1 2 3; do
	c=$(sb_count ok "q.get('mess_id') == 'bulk-7' and q['number'] == '44791111111$i'")
	[ "$c" = 1 ] || t_fail "bulk number $i got $c callbacks"
done
t_ok "bulk: one callback per number with the shared mess_id"

# --- Kannel dlr-url: escapes and dlr-mask --------------------------------------
kurl="http://127.0.0.1:$SINK_ok/kannel?type=%d&from=%p&to=%P&id=%I&ts=%T&a=%A&lit=%%d"
t_redis HSET "$P:msg:31" from '+44 7700' >/dev/null
sb_ev id 31 acct acme to 447700900031 mess-id '' dlr-url "$kurl" dlr-mask 3 stat DELIVRD err 000 code 0 ts 1763788800123
sb_ev id 32 acct acme to 447700900032 from ALPHA dlr-url "$kurl" dlr-mask 31 stat UNDELIV err 001 code 251 ts 1763788801000
sb_ev id 33 acct acme to 447700900033 from X dlr-url "$kurl" dlr-mask 1 stat UNDELIV err 001 code 251
sb_ev id 34 acct acme to 447700900034 from Y dlr-url "$kurl" dlr-mask 2 stat REJECTD err 001 code 249
# A dlr-mask also filters reports to the account's URL.
sb_ev id 35 acct acme to 447700900035 mess-id masked dlr-url '' dlr-mask 1 stat UNDELIV code 251
sb_ev id 36 acct acme to 447700900036 mess-id unmasked dlr-url '' dlr-mask 1 stat DELIVRD code 0
sb_wait_req ok 3 "r['path'] == '/kannel'"
sb_wait_req ok 1 "q.get('mess_id') == 'unmasked'"
sb_wait_idle
[ "$(sb_count ok "q.get('mess_id') == 'masked'")" = 0 ] || t_fail "dlr-mask 1 let an UNDELIV through to the account URL"
[ "$(sb_count ok "r['path'] == '/kannel' and q == {'type': '1', 'from': '+44 7700', 'to': '447700900031', 'id': '31', 'ts': '1763788800', 'a': 'DELIVRD', 'lit': '%d'}")" = 1 ] ||
	t_fail "Kannel escapes for 31: $(sb_req ok "r['path'] == '/kannel'")"
[ "$(sb_count ok "r['path'] == '/kannel' and q['id'] == '32' and q['type'] == '2' and q['from'] == 'ALPHA' and q['ts'] == '1763788801'")" = 1 ] ||
	t_fail "Kannel escapes for 32"
[ "$(sb_count ok "r['path'] == '/kannel' and q['id'] == '33'")" = 0 ] || t_fail "dlr-mask 1 let an UNDELIV through"
[ "$(sb_count ok "r['path'] == '/kannel' and q['id'] == '34' and q['type'] == '2'")" = 1 ] || t_fail "dlr-mask 2: REJECTD not sent as type 2"
t_ok "Kannel dlr-url: %d %p (from P:msg:ID when the event has none) %P %I %T %A %%; dlr-mask honoured (also for the account URL)"

# --- intermediate events (im = 1): Kannel type 4 whatever the word (ACCEPTD
# is 8 only as a final status), masked like any type; never to the
# account's URL (the seed's reports are final only)
sb_ev id 51 acct acme to 447700900051 from Z dlr-url "$kurl" dlr-mask 5 stat ACCEPTD err 000 code 250 im 1
sb_ev id 52 acct acme to 447700900052 from Z dlr-url "$kurl" dlr-mask 1 stat ENROUTE err 000 code 247 im 1
sb_ev id 53 acct acme to 447700900053 mess-id im53 dlr-url '' dlr-mask '' stat ENROUTE err 000 code 247 im 1
sb_ev id 54 acct acme to 447700900054 mess-id im54 dlr-url '' dlr-mask '' stat DELIVRD err 000 code 0
sb_wait_req ok 1 "q.get('id') == '51'"
sb_wait_req ok 1 "q.get('mess_id') == 'im54'"
sb_wait_idle
[ "$(sb_count ok "r['path'] == '/kannel' and q['id'] == '51' and q['type'] == '4' and q['a'] == 'ACCEPTD'")" = 1 ] ||
	t_fail "intermediate ACCEPTD, mask 5: $(sb_req ok "q.get('id') == '51'")"
[ "$(sb_count ok "q.get('id') == '52'")" = 0 ] || t_fail "dlr-mask 1 let an intermediate status through"
[ "$(sb_count ok "q.get('mess_id') == 'im53'")" = 0 ] || t_fail "an intermediate status reached the account URL"
t_ok "intermediate events: type 4 with %A the word, masked without 4, never to the account URL"

# --- no URL at all: acknowledged and dropped --------------------------------
sb_ev id 41 acct nourl to 447700900041 mess-id x stat DELIVRD code 0
t_wait_log box1 'without dlr-url, dropped acct=nourl id=41'
sb_wait_idle
t_ok "an account without dlr-url: the event is acknowledged and dropped with a log line"

# --- 500 twice, then 200: retried with backoff, then confirmed ---------------
sb_ev id 51 acct flaky to 447700900051 mess-id f1 stat DELIVRD err 000 code 0
sb_wait_req flaky 3 "q.get('mess_id') == 'f1'" 15
sb_wait_idle
python3 - "$T_DIR/flaky.jsonl" <<'PY' || t_fail "flaky sequence: $(cat "$T_DIR/flaky.jsonl")"
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
assert [r["answered"] for r in rs] == [500, 500, 200], rs
d1, d2 = rs[1]["time"] - rs[0]["time"], rs[2]["time"] - rs[1]["time"]
assert 0.9 <= d1 < 1.8, d1          # dlr-retry-delay
assert 1.9 <= d2 < 2.8, d2          # doubled
PY
[ "$(t_redis LLEN "$P:cb:dead")" = 0 ] || t_fail "a dead letter after success"
t_ok "500, 500, 200: retried after 1 s and 2 s, confirmed, nothing left in Redis"

# --- nobody listens: dead letter after 1 + dlr-retries tries -----------------
sb_ev id 61 acct down to 447700900061 mess-id d1 stat UNDELIV err 001 code 251
t_wait_log box1 'dead letter uid=ev:[0-9-]+ acct=down id=61 status=0 .* tries=3' 15
sb_wait_idle
[ "$(t_redis LLEN "$P:cb:dead")" = 1 ] || t_fail "no dead letter"
"$CTL" -c "$T_DIR/h.conf" dead-letters list >"$T_DIR/dead.txt" || t_fail "dead-letters list failed"
grep -q "^0: v=1&k=dlr&id=ev%3A.*&a=down&i=61&n=3&.*u=http%3A%2F%2F127.0.0.1%3A$down_port%2Fgone%3Fmess_id%3Dd1%26status%3D251%26number%3D447700900061" "$T_DIR/dead.txt" ||
	t_fail "dead-letters list: $(cat "$T_DIR/dead.txt")"
t_ok "connection refused 3 times (1 + dlr-retries): dead letter, shown by hermodctl dead-letters list"

# The customer's server comes up on that port; replay delivers it.
: >"$T_DIR/down.jsonl"
t_spawn sink_down python3 "$SINK" --port "$down_port" --log "$T_DIR/down.jsonl"
t_wait_port "$down_port"
ctl dead-letters replay
sb_wait_req down 1 "r['path'] == '/gone' and q == {'mess_id': 'd1', 'status': '251', 'number': '447700900061'}" 10
sb_wait_idle
[ "$(t_redis LLEN "$P:cb:dead")" = 0 ] || t_fail "dead letter still there after replay"
[ "$(sb_count down)" = 1 ] || t_fail "replayed callback sent $(sb_count down) times"
t_ok "hermodctl dead-letters replay: delivered once, dead list empty"

# --- graceful stop with requests in flight -----------------------------------
# A server that accepts and never answers: the requests run into http-timeout
# while the worker stops; their outcome (a retry) is recorded before it exits.
python3 - "$T_DIR/hole.port" >"$T_DIR/hole.log" 2>&1 <<'PY' &
import os, select, socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0)); s.listen(128)
with open(sys.argv[1] + ".tmp", "w") as f: f.write("%d\n" % s.getsockname()[1])
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
held, peak = set(), 0   # connections open now, and the most at once
while True:
    ready, _, _ = select.select([s] + list(held), [], [])
    for x in ready:
        if x is s:
            held.add(s.accept()[0])
            continue
        try: data = x.recv(4096)
        except OSError: data = b''
        if not data:     # the client gave up (timeout) or stopped
            held.discard(x); x.close()
    peak = max(peak, len(held))
    print("open %d peak %d" % (len(held), peak), flush=True)
PY
T_PIDS="$T_PIDS $!"
for ((i = 0; i < 100; i++)); do [ -s "$T_DIR/hole.port" ] && break; sleep 0.05; done
ctl account add hole --password 'pw-hole-1' --dlr-url "http://127.0.0.1:$(cat "$T_DIR/hole.port")/dlr"
for i in $(seq 1 80); do
	echo "XADD $P:ev:http * id $((1000 + i)) acct hole to 447700900071 mess-id h$i stat DELIVRD code 0"
done | t_redis >/dev/null
# (up to 10 s: under a loaded CI the 64 connections take a while)
peak() { tail -n 1 "$T_DIR/hole.log" | sed -n 's/.* peak //p'; }
for ((i = 0; i < 500; i++)); do [ "$(peak)" -ge 64 ] 2>/dev/null && break; sleep 0.02; done
sleep 0.3	# would more than 64 connections be open at once?
held=$(peak)
t0=$(date +%s%N)
kill -TERM "$T_PID_box1"
rc=0
wait "$T_PID_box1" || rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
# The bound is what matters: never more than 64 at once (a slow run, such as
# a loaded sanitizer build, may not reach it before the stop).
[ -n "$held" ] && [ "$held" -ge 1 ] && [ "$held" -le 64 ] ||
	t_fail "$held requests at once, wanted 1..64"
t_ok "80 callbacks to a server that never answers: at most 64 requests at once ($held)"
[ "$rc" = 0 ] || t_fail "worker exited $rc on SIGTERM"
[ "$ms" -lt 12000 ] || t_fail "stop took $ms ms (http-timeout 10 s)"
[ "$(t_redis XPENDING "$P:ev:http" smsbox | head -n 1)" = 0 ] || t_fail "entries left pending"
# Every request that went out is now a retry: the 64 in flight at the stop,
# and on a slow run also those that timed out before it and the ones that then
# took their places (never more than 64 at once, above); the rest of the 80
# wait in the stream for the next worker.
hole=$(t_redis ZCARD "$P:cb:retry")
[ "$hole" -ge 1 ] && [ "$hole" -le 80 ] || t_fail "$hole requests moved to the retries, wanted 1..80"
t_ok "SIGTERM with requests in flight: they time out, are recorded as retries ($hole), exit 0 in $ms ms"

# 4 statuses + 1 without code + 3 bulk + 3 Kannel + 1 unmasked + 2 of the
# intermediate section + flaky + replayed = 16;
# failed: flaky 2, down 3, the hole's; dropped: the two masked ones, the one
# without a URL, and the masked and the account URL's intermediate events.
# (a slow run tries some of the hole's requests more than once)
line=$(grep 'callbacks stopped' "$T_DIR/box1.log")
[[ $line =~ dlr_sent=16\ mo_sent=0\ failed=([0-9]+)\ retried=([0-9]+)\ dead=([0-9]+)\ dropped=5$ ]] &&
	[ "${BASH_REMATCH[1]}" -ge $((5 + hole)) ] &&
	[ "${BASH_REMATCH[1]}" = $((BASH_REMATCH[2] + BASH_REMATCH[3])) ] ||
	t_fail "counters: $line"
t_ok "the counters add up"
