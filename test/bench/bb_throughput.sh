#!/usr/bin/env bash
# Benchmark: N parts pre-loaded on P:q:bench are submitted by one bearerbox to
# contrib/smscsim, which sends a receipt for each; prints messages/second for
# the submits (queue drained: every part acknowledged with its operator id)
# and for the receipts (every message final). Not part of `make check`.
#   test/bench/bb_throughput.sh BUILDDIR [N] [SESSIONS] [WINDOW]
# BENCH_STATS=1 also prints Redis's busiest commands and the CPU each process
# used during the run (% of one core); BENCH_PERF=FILE records the bearerbox
# with `perf record -g` into FILE. BENCH_CALLGRIND=1 runs Redis under valgrind's
# callgrind and prints the instructions Redis executed per message: slow, but
# a measure of Redis's work that other load on the machine does not change.
# BENCH_BATCH=N sets redis-batch (default 256).
set -eu
b=$(cd "${1:?usage: bb_throughput.sh BUILDDIR [N] [SESSIONS] [WINDOW]}" && pwd)
n=${2:-100000}
sessions=${3:-4}
window=${4:-200}
dir=$(mktemp -d /tmp/bb-bench.XXXXXX)
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

rport=$(port)
${BENCH_CALLGRIND:+valgrind --tool=callgrind --callgrind-out-file=$dir/cg.%p} \
	redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" >"$dir/redis.log" 2>&1 &
pids="$pids $!"
rpid=$!
r() { redis-cli -p "$rport" "$@"; }
# CPU time of a process in clock ticks (user + system).
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
for _ in $(seq 200); do r ping >/dev/null 2>&1 && break; sleep 0.05; done

"$b/contrib/smscsim/smscsim" --port 0 --quiet --dlr-delay-ms 10 >"$dir/sim.log" 2>&1 &
spid=$!
pids="$pids $spid"
for _ in $(seq 100); do grep -q 'listening port=' "$dir/sim.log" && break; sleep 0.05; done
sport=$(sed -n 's/.*listening port=\([0-9]*\).*/\1/p' "$dir/sim.log" | head -1)

echo "loading $n parts..."
"$b/test/bench/bb_qload" '{b}' bench "$n" 1 | redis-cli -p "$rport" --pipe >/dev/null

cat >"$dir/b.conf" <<CONF
group = core
redis-url = "redis://127.0.0.1:$rport/0"
key-prefix = b
log-level = warn
${BENCH_BATCH:+redis-batch = $BENCH_BATCH}

group = smsc
smsc-id = bench
host = 127.0.0.1
port = $sport
system-id = bench
sessions = $sessions
window = $window
CONF
r config resetstat >/dev/null
[ -n "${BENCH_CALLGRIND:-}" ] && callgrind_control -z "$rpid" >/dev/null
r0=$(ticks "$rpid"); s0=$(ticks "$spid")
start=$(date +%s%3N)
"$b/bearerbox/bearerbox" -c "$dir/b.conf" >"$dir/bb.log" 2>&1 &
bb=$!
pids="$pids $bb"

if [ -n "${BENCH_PERF:-}" ]; then
	perf record -g -o "$BENCH_PERF" -p "$bb" >/dev/null 2>&1 &
	pids="$pids $!"
fi
prev=-1
moved=$(date +%s)
while :; do
	left=$(r xlen '{b}:q:bench')
	[ "$left" = 0 ] && break
	if [ "$left" != "$prev" ]; then
		prev=$left
		moved=$(date +%s)
	elif [ $(( $(date +%s) - moved )) -gt 20 ]; then
		echo "stalled: $left parts left on the queue for 20 s" >&2
		exit 1
	fi
	sleep 0.05
done
sub=$(date +%s%3N)
last="b$n"
while [ -z "$(r hget "{b}:msg:$last" final)" ]; do sleep 0.05; done
while [ "$(r xlen '{b}:ev:http')" -lt "$n" ] 2>/dev/null; do
	[ $(( $(date +%s%3N) - sub )) -gt 60000 ] && break
	sleep 0.05
done
fin=$(date +%s%3N)
if [ -n "${BENCH_CALLGRIND:-}" ]; then
	callgrind_control -d "$rpid" >/dev/null
	ir=$(grep -h '^summary' "$dir"/cg.*.1 | cut -d' ' -f2)
	echo "redis instructions per message: $(( ir / n ))"
fi
r1=$(ticks "$rpid"); s1=$(ticks "$spid"); b1=$(ticks "$bb")
echo "parts=$n sessions=$sessions window=$window"
echo "submitted+acknowledged: $(( (sub - start) )) ms, $(( n * 1000 / (sub - start) )) msg/s"
echo "with receipts final:    $(( (fin - start) )) ms, $(( n * 1000 / (fin - start) )) msg/s (events $(r xlen '{b}:ev:http'))"
if [ -n "${BENCH_STATS:-}" ]; then
	hz=$(getconf CLK_TCK)
	el=$(( fin - start ))
	pct() { echo $(( $1 * 100000 / hz / el ))%; }
	us() { echo $(( $1 * 1000000 / hz / n )); }
	echo "cpu over the run: redis $(pct $((r1 - r0))) smscsim $(pct $((s1 - s0))) bearerbox $(pct "$b1") (100% = one core)"
	echo "cpu per message:  redis $(us $((r1 - r0))) us, smscsim $(us $((s1 - s0))) us, bearerbox $(us "$b1") us"
	r info commandstats | grep -v '^#' | sort -t= -k3 -rn | head -12
fi
