#!/usr/bin/env bash
# Benchmark (issue 4): single-number /SMSsend GETs over keep-alive
# connections (wrk) into one smsbox, which accepts them into Redis; one
# bearerbox submits them to contrib/smscsim. Then the same wrk against
# smsbox's trivial page GET /ping, the ceiling of the HTTP server itself.
# Prints requests/s, how many were accepted (P:seq, one id per accepted
# single-number message), how many reached smscsim (its submits_ok once the
# queue drained), the end-to-end rate and each process's CPU during the run.
# Not part of `make check`.
#
#   test/bench/sb_wrk.sh BUILDDIR [DURATION_S] [CONNS]
#   env: THREADS (wrk threads, default 1); LOG_LEVEL (the boxes', default
#        info: one access line per request, as shipped); SESSIONS/WINDOW
#        (bearerbox's link, default 4/200); AOF=1 (Redis appendonly
#        everysec, as in production; default off); PERF=FILE and PERF_OPTS
#        (perf record of smsbox during the run, default -g); KEEP=1 (keep
#        the run's directory and logs); BEARERBOX=PATH (another build's
#        bearerbox); BENCH_STATS=1 (Redis commandstats); DRAIN_S (how long
#        to wait for the queue to drain, default 60)
set -eu
b=$(cd "${1:?usage: sb_wrk.sh BUILDDIR [DURATION_S] [CONNS]}" && pwd)
dur=${2:-10}
conns=${3:-64}
threads=${THREADS:-1}
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v wrk >/dev/null; then
	echo "sb_wrk.sh: wrk is needed (a benchmark-only tool): apt-get install -y wrk" >&2
	exit 2
fi
dir=$(mktemp -d /tmp/sb-bench.XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	[ -n "${KEEP:-}" ] && echo "kept $dir" || rm -rf "$dir"
}
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ms() { date +%s%3N; }
# utime+stime in clock ticks of PID
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

rport=$(port)
aof=no
[ "${AOF:-0}" = 1 ] && aof=yes
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly "$aof" \
	--dir "$dir" >"$dir/redis.log" 2>&1 &
rpid=$!
pids="$pids $rpid"
r() { redis-cli -p "$rport" "$@"; }
for _ in $(seq 100); do r ping >/dev/null 2>&1 && break; sleep 0.05; done

"$b/contrib/smscsim/smscsim" --port 0 --control-port 0 --quiet >"$dir/sim.log" 2>&1 &
spid=$!
pids="$pids $spid"
for _ in $(seq 100); do grep -q 'control_port=' "$dir/sim.log" && break; sleep 0.05; done
sport=$(sed -n 's/.*listening port=\([0-9]*\).*/\1/p' "$dir/sim.log" | head -1)
cport=$(sed -n 's/.*control_port=\([0-9]*\).*/\1/p' "$dir/sim.log" | head -1)
simstat() { # simstat KEY: one counter of smscsim
	exec 3<>"/dev/tcp/127.0.0.1/$cport"
	echo stats >&3
	read -r l <&3
	exec 3>&-
	printf '%s\n' "$l" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

hport=$(port)
cat >"$dir/hermod.conf" <<CONF
group = core
redis-url = "redis://127.0.0.1:$rport/0"
key-prefix = "hermod"
log-level = ${LOG_LEVEL:-info}

group = smsc
smsc-id = sim
host = 127.0.0.1
port = $sport
system-id = bench
sessions = ${SESSIONS:-4}
window = ${WINDOW:-200}

group = route
default = yes
smsc-id = sim

group = smsbox
interface = 127.0.0.1
port = $hport
CONF
ctl() { "$b/hermodctl/hermodctl" -c "$dir/hermod.conf" "$@" >/dev/null; }
ctl account add bench --password bench-pw --credit 100000000
ctl rate set default 0.01
ctl rate set 44 0.02

"${BEARERBOX:-$b/bearerbox/bearerbox}" -c "$dir/hermod.conf" >"$dir/bb.log" 2>&1 &
bpid=$!
pids="$pids $bpid"
"$b/smsbox/smsbox" -c "$dir/hermod.conf" >"$dir/sb.log" 2>&1 &
sbpid=$!
pids="$pids $sbpid"
for _ in $(seq 200); do [ "$(r get '{hermod}:link:sim:up')" ] && break; sleep 0.05; done
[ "$(r get '{hermod}:link:sim:up')" ] || { echo "bearerbox did not bind" >&2; exit 1; }
for _ in $(seq 200); do curl -s "http://127.0.0.1:$hport/ping" >/dev/null && break; sleep 0.05; done
# one request by hand: the account works and is in the password cache
one=$(curl -s "http://127.0.0.1:$hport/SMSsend?user=bench&pass=bench-pw&number=447700900000&ownnum=Hermod&message=warm")
[ "$one" = success ] || { echo "warm-up request answered '$one'" >&2; exit 1; }
for _ in $(seq 200); do [ "$(r xlen '{hermod}:q:sim')" = 0 ] && break; sleep 0.05; done

load0=$(uptime | sed 's/.*load average: //')
seq0=$(r get '{hermod}:seq')
sub0=$(simstat submits_ok)
names="smsbox bearerbox redis smscsim"
set -- "$sbpid" "$bpid" "$rpid" "$spid"
c0=""; for p in "$@"; do c0="$c0 $(ticks "$p")"; done
t0=$(ms)
(
	TIMEFORMAT='%U %S'
	time SB_USER=bench SB_PASS=bench-pw wrk -t "$threads" -c "$conns" \
		-d "${dur}s" -s "$here/sb_wrk.lua" "http://127.0.0.1:$hport/" \
		>"$dir/wrk.out" 2>&1
) 2>"$dir/wrk.time" &
wpid=$!
if [ -n "${PERF:-}" ]; then	# PERF=FILE: perf record smsbox for the run
	perf record ${PERF_OPTS:--g} -o "$PERF" -p "$sbpid" -- \
		sleep "$(( dur > 2 ? dur - 1 : 1 ))" >/dev/null 2>&1 &
fi
sleep 1
wt0=$(ms)
wc0=""; for p in "$@"; do wc0="$wc0 $(ticks "$p")"; done
wait "$wpid"
t1=$(ms)
c1=""; for p in "$@"; do c1="$c1 $(ticks "$p")"; done
sub1=$(simstat submits_ok)
seq1=$(r get '{hermod}:seq')
left=$(r xlen '{hermod}:q:sim')
while [ "$(r xlen '{hermod}:q:sim')" != 0 ]; do
	if [ $(( $(ms) - t1 )) -gt "${DRAIN_S:-60}000" ]; then
		echo "queue not drained after ${DRAIN_S:-60} s:" >&2
		r xinfo groups '{hermod}:q:sim' | tr '\n' ' ' >&2; echo >&2
		r xpending '{hermod}:q:sim' links | tr '\n' ' ' >&2; echo >&2
		break
	fi
	sleep 0.02
done
t2=$(ms)
sub2=$(simstat submits_ok)
hz=$(getconf CLK_TCK)

num() { sed -n "s/$1/\1/p" "$2" | head -1; }
reqs=$(num '^ *\([0-9]*\) requests in.*' "$dir/wrk.out")
rps=$(num '^Requests\/sec: *\([0-9.]*\).*' "$dir/wrk.out")
acc=$((seq1 - seq0))
got=$((sub2 - sub0))
echo "== /SMSsend: wrk -t $threads -c $conns -d ${dur}s, $(nproc) cores, load before: $load0"
grep -E 'Latency|Non-2xx|Socket errors|Timeout' "$dir/wrk.out" || true
echo "requests:     $reqs ($rps/s, wrk)"
echo "success:      $acc accepted ($(( acc * 1000 / (t1 - t0) ))/s over the run; P:seq)"
echo "at smscsim:   $got submits; $(( (sub1 - sub0) * 1000 / (t1 - t0) ))/s during the run;" \
	"$left queued at its end, drained $(( t2 - t1 )) ms later"
echo "end to end:   $(( got * 1000 / (t2 - t0) )) messages/s submitted (wrk start to queue empty)"
i=0
per="cpu us per accepted message (whole run):"
line="cpu % of one core (second 1 to the end of the run):"
for p in "$@"; do
	i=$((i + 1))
	a=$(echo $wc0 | cut -d' ' -f$i); z=$(echo $c1 | cut -d' ' -f$i)
	line="$line $(echo $names | cut -d' ' -f$i)=$(( (z - a) * 100 * 1000 / hz / (t1 - wt0) ))"
	a=$(echo $c0 | cut -d' ' -f$i)
	per="$per $(echo $names | cut -d' ' -f$i)=$(( acc > 0 ? (z - a) * 1000000 / hz / acc : 0 ))"
done
read -r wu ws <"$dir/wrk.time" || true
echo "$per wrk=$(awk -v u="$wu" -v s="$ws" -v n="$acc" 'BEGIN { printf "%d", n ? (u + s) * 1000000 / n : 0 }')"
echo "$line wrk=$(awk -v u="$wu" -v s="$ws" -v d="$(( t1 - t0 ))" 'BEGIN { printf "%d", (u + s) * 100000 / d }')"

if [ -n "${BENCH_STATS:-}" ]; then	# Redis's time per command, heaviest first
	r info commandstats | grep -v '^#' | sort -t= -k3 -rn | head -15
fi

echo "== ceiling: the same wrk on GET /ping of the same smsbox"
wrk -t "$threads" -c "$conns" -d "${dur}s" "http://127.0.0.1:$hport/ping" >"$dir/ping.out" 2>&1
grep -E 'Latency|Non-2xx|Socket errors' "$dir/ping.out" || true
echo "requests:     $(num '^ *\([0-9]*\) requests in.*' "$dir/ping.out") ($(num '^Requests\/sec: *\([0-9.]*\).*' "$dir/ping.out")/s, wrk)"
grep -E 'WARN|ERROR|error' "$dir/sb.log" "$dir/bb.log" | head -5 || true
