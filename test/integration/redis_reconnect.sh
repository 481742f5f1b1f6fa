#!/bin/bash
# shared/io against a real redis-server: the probe connects and INCRs every
# 100 ms; Redis is killed (the probe logs "unreachable" exactly once, no spam),
# restarted on the same port (the probe reconnects and goes on), the log file is
# rotated and SIGHUP reopens it, and SIGTERM stops the probe with status 0; a
# host name is looked up by evdns (localhost; an unknown name); against
# a server that hangs up at once, the retries back off 100 ms doubling.
. "$top_srcdir/test/integration/lib.sh"

PROBE=$top_builddir/test/integration/io_probe
PLOG=$T_DIR/plog.log

count() { grep -c -E "$1" "$2" 2>/dev/null || true; }

# Waits until file $1 has at least $3 lines matching $2.
wait_count() {
	local i
	for ((i = 0; i < 400; i++)); do
		[ "$(count "$2" "$1")" -ge "$3" ] && return 0
		sleep 0.05
	done
	t_fail "$1: fewer than $3 lines match /$2/"
}

t_redis_start
t_spawn probe "$PROBE" "$T_REDIS_URL" "$PLOG" 100
t_wait_log plog 'redis connected url=redis://127\.0\.0\.1:[0-9]+/0'
wait_count "$PLOG" 'probe incr ok value=' 3
t_ok "probe connected and INCRs"
wait_count "$PLOG" 'probe script ok value=' 12
grep -q 'probe script error' "$PLOG" && t_fail "script call failed"
t_ok "EVALSHA works, and EVAL after SCRIPT FLUSH"

kill -TERM "$T_PID_redis"
wait "$T_PID_redis" 2>/dev/null
t_wait_log plog 'redis unreachable url=redis://127\.0\.0\.1:[0-9]+/0 error=.* retrying in [0-9]+ms'
# Let several retries happen (100+200+400+800 ms); they must stay quiet.
sleep 2
[ "$(count 'unreachable' "$PLOG")" -eq 1 ] || t_fail "unreachable logged $(count 'unreachable' "$PLOG") times"
grep -q 'probe redis state up=0' "$PLOG" || t_fail "no disconnected callback"
t_ok "redis down: one unreachable line"

before=$(count 'probe incr ok' "$PLOG")
t_spawn redis2 "${REDIS_SERVER:-redis-server}" --port "$T_REDIS_PORT" \
	--bind 127.0.0.1 --save '' --appendonly no --dir "$T_DIR"
t_wait_port "$T_REDIS_PORT"
t_wait_log plog 'redis reachable again url=redis://127\.0\.0\.1:[0-9]+/0 down_for=[0-9]+ms'
wait_count "$PLOG" 'probe incr ok' $((before + 3))
[ "$(count 'probe redis state up=1' "$PLOG")" -eq 2 ] || t_fail "connected callback count"
t_ok "reconnected and INCRs again"

mv "$PLOG" "$PLOG.1"
kill -HUP "$T_PID_probe"
wait_count "$PLOG" 'probe incr ok' 1
grep -q 'SIGHUP: log reopened' "$PLOG" || t_fail "no reopen line in the new file"
t_ok "SIGHUP reopened the log file"

kill -TERM "$T_PID_probe"
wait "$T_PID_probe"
rc=$?
[ "$rc" -eq 0 ] || t_fail "probe exited with $rc"
grep -q 'probe stopped' "$PLOG" || t_fail "probe did not stop gracefully"
grep -q 'probe last reply ok=1' "$PLOG" || t_fail "no last reply before the stop"
grep -qi 'password\|hunter' "$PLOG" "$PLOG.1" && t_fail "credential in log"
t_ok "SIGTERM: graceful exit 0"

# A host name is looked up on the loop (evdns, /etc/hosts first): localhost
# connects; a name that does not resolve is logged as unreachable with the
# lookup's error and retried, and SIGTERM stops the probe at once while it
# retries. (A resolver that answers at once cannot show the lookup does not
# block; that rests on evdns.)
t_spawn probe2 "$PROBE" "redis://localhost:$T_REDIS_PORT" "$T_DIR/p2.log" 100
t_wait_log p2 "redis connected url=redis://localhost:$T_REDIS_PORT/0"
wait_count "$T_DIR/p2.log" 'probe incr ok value=' 3
kill -TERM "$T_PID_probe2"
wait "$T_PID_probe2" || t_fail "probe2 exit status"
t_spawn probe3 "$PROBE" "redis://no-such-host.invalid:$T_REDIS_PORT" "$T_DIR/p3.log" 100
t_wait_log p3 'redis unreachable url=redis://no-such-host\.invalid:[0-9]+/0 error="(cannot resolve no-such-host\.invalid: .*|host name lookup timeout)" retrying in'
t0=$(date +%s%N)
kill -TERM "$T_PID_probe3"
wait "$T_PID_probe3" || t_fail "probe3 exit status"
[ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 2000 ] || t_fail "stopping during a lookup took 2 s or more"
t_ok "redis-url with a host name: localhost connects, an unknown name is an unreachable error and retried, SIGTERM stops it at once"

# Backoff: a server that accepts and hangs up at once (the handshake never
# completes). The attempts must come 100, 200, 400, 800, 1600 ms apart, each
# +-20 % (plus 60 ms of slack for a loaded machine).
cat >"$T_DIR/hangup.py" <<'PY'
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(16)
print(s.getsockname()[1], flush=True)
with open(sys.argv[1], "w") as out:
    for _ in range(6):
        c, _ = s.accept()
        out.write("%.6f\n" % time.monotonic())
        out.flush()
        c.close()
PY
python3 "$T_DIR/hangup.py" "$T_DIR/accepts" >"$T_DIR/hangup.port" &
hpid=$!
T_PIDS="$T_PIDS $hpid"
for _ in $(seq 1 100); do [ -s "$T_DIR/hangup.port" ] && break; sleep 0.05; done
hport=$(cat "$T_DIR/hangup.port")
t_spawn probe2 "$PROBE" "redis://127.0.0.1:$hport/0" "$T_DIR/p2.log" 100 debug
wait "$hpid" || t_fail "fewer than 6 connection attempts"
kill -TERM "$T_PID_probe2"
python3 - "$T_DIR/accepts" <<'PY' || t_fail "attempts not spaced 100, 200, 400, 800, 1600 ms"
import sys
t = [float(x) for x in open(sys.argv[1])]
gaps = [(b - a) * 1000 for a, b in zip(t, t[1:])]
print("gaps ms:", ["%.0f" % g for g in gaps])
for i, g in enumerate(gaps):
    want = 100 * 2 ** i
    assert want * 0.8 - 5 <= g <= want * 1.2 + 60, (i, g)
PY
n=$(grep -cE 'redis retry url=redis://127\.0\.0\.1:[0-9]+/0 in=[0-9]+ms' "$T_DIR/p2.log") || true
[ "$n" -ge 5 ] || t_fail "$n debug lines for 5 retries"
t_ok "reconnect backoff doubles from 100 ms, with jitter"
