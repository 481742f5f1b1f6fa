#!/usr/bin/env bash
# Benchmark (never run by make check): a customer ESME (test/bench/
# bb_server_load) binds BINDS transceivers to the bearerbox's SMPP server and
# submits N messages with registered_delivery=1, WINDOW outstanding per bind;
# the bearerbox accepts them into Redis, sends them over one smsc link
# (SESSIONS sessions) to contrib/smscsim, whose receipts come back to the
# customer as deliver_sm. Prints submits/s, submit_sm_resp latency, receipts/s,
# and first the ceiling: the same generator straight against smscsim.
#
#   test/bench/bb_server_load.sh BUILDDIR [N] [BINDS] [WINDOW]
#
# Environment: ACCEPT_ONLY=1 (the SMPP server alone, test/integration/
# bb_server_driver, no operator link: submits accepted into Redis, no
# receipts; isolates the server + accept step from the operator side),
# RECEIPTS_ONLY=1 (N receipts and their P:msg:ID loaded into Redis first, then
# the server alone delivers them to the BINDS binds: the receipt path alone), RATE (submits/s in all, default unpaced), SESSIONS (link
# sessions, 4), LINK_WINDOW (200), DLR_DELAY_MS (smscsim, 10), STATS=1 (CPU%
# per process and Redis INFO commandstats after the run), PERF=1 (perf record
# of the bearerbox during the run, report in $dir/perf.txt; KEEP=1 keeps $dir),
# CALLGRIND=1 (Redis under callgrind: the instructions it ran per message,
# slow but unmoved by other load), REDIS_BATCH (core redis-batch of the
# bearerbox, default its own 256), EVERY (seconds per progress line, 1; each
# line has the slowest submit_sm_resp of its interval), WARMUP (seconds after
# the first submit from which the steady-state line counts, 1), AOF=1 (Redis
# appendonly yes, appendfsync everysec: the default is no persistence).
set -eu
b=$(cd "${1:?usage: bb_server_load.sh BUILDDIR [N] [BINDS] [WINDOW]}" && pwd)
n=${2:-200000}
binds=${3:-4}
window=${4:-64}
rate=${RATE:-0}
sessions=${SESSIONS:-4}
link_window=${LINK_WINDOW:-200}
dir=$(mktemp -d /tmp/bb-srv-load.XXXXXX)
pids=""
cleanup() {	# newest first: the bearerbox stops while Redis is still up
	for p in $(echo "$pids" | tr ' ' '\n' | tac); do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	[ -n "${KEEP:-}" ] && echo "kept $dir" || rm -rf "$dir"
}
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() {	# wait_for FILE REGEX
	for _ in $(seq 200); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
	echo "timeout waiting for '$2' in $1" >&2; cat "$1" >&2; exit 1
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

rport=$(port)
aof=no
[ "${AOF:-0}" = 1 ] && aof=yes
${CALLGRIND:+valgrind --tool=callgrind --callgrind-out-file=$dir/cg.%p} \
	redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly "$aof" \
	--dir "$dir" >"$dir/redis.log" 2>&1 &
rpid=$!
pids="$pids $rpid"
# PIN=1: Redis alone on CPU 1, the rest on CPU 0 (Redis on a core of its own)
pin() { [ -n "${PIN:-}" ] && taskset -pc "$1" "$2" >/dev/null; return 0; }
pin 1 "$rpid"
r() { redis-cli -p "$rport" "$@"; }
for _ in $(seq 100); do r ping >/dev/null 2>&1 && break; sleep 0.05; done

"$b/contrib/smscsim/smscsim" --port 0 --quiet --enquire-interval 0 \
	--dlr-delay-ms "${DLR_DELAY_MS:-10}" >"$dir/sim.log" 2>&1 &
spid=$!
pids="$pids $spid"
pin 0 "$spid"
wait_for "$dir/sim.log" 'listening port='
sport=$(sed -n 's/.*listening port=\([0-9]*\).*/\1/p' "$dir/sim.log" | head -1)

reg=1
[ -n "${ACCEPT_ONLY:-}" ] && reg=0
count=$n expect=0
[ -n "${RECEIPTS_ONLY:-}" ] && count=0 expect=$n
gen() {	# gen PORT: the generator, one run
	${PIN:+taskset -c 0} "$b/test/bench/bb_server_load" --port "$1" --binds "$binds" \
		--window "$window" --count "$count" --expect "$expect" \
		--rate "$rate" --reg "$reg" \
		--system-id bench --password benchpw --every "${EVERY:-1}" --warmup "${WARMUP:-1}" --wait 30
}

if [ -z "${RECEIPTS_ONLY:-}" ]; then
	echo "== ceiling: generator -> smscsim (n=$n binds=$binds window=$window rate=$rate reg=$reg)"
	gen "$sport" 2>"$dir/ceiling.err"
	grep -v '^load: t=' "$dir/ceiling.err" >&2 || true
fi

bport=$(port)
cat >"$dir/b.conf" <<CONF
group = core
redis-url = "redis://127.0.0.1:$rport/0"
key-prefix = b
log-level = warn
${REDIS_BATCH:+redis-batch = $REDIS_BATCH}

group = smsc
smsc-id = sim
host = 127.0.0.1
port = $sport
system-id = bench
sessions = $sessions
window = $link_window

group = route
default = yes
smsc-id = sim

group = smpp-server
port = $bport
interface = 127.0.0.1
enquire-link-interval = 1h
CONF
ctl() { "$b/hermodctl/hermodctl" -c "$dir/b.conf" "$@" >/dev/null; }
ctl account add bench --password benchpw --credit 1000000000 --max-binds 1000 \
	--throughput 0
ctl rate set default 0.001

if [ -n "${RECEIPTS_ONLY:-}" ]; then
	echo "loading $n receipts..."
	now=$(date +%s000)
	awk -v n="$n" -v now="$now" 'function cmd(a, k, i, s) {
			s = "*" k "\r\n"
			for (i = 1; i <= k; i++) s = s "$" length(a[i]) "\r\n" a[i] "\r\n"
			return s
		}
		BEGIN {
			for (j = 1; j <= n; j++) {
				split("HSET|{b}:msg:" j "|acct|bench|to|447700900123|from|BENCH|ts|" now, h, "|")
				printf "%s", cmd(h, 10)
				split("XADD|{b}:ev:smpp:bench|*|id|" j "|acct|bench|to|447700900123|mess-id||dlr-url||dlr-mask||stat|DELIVRD|err|0|code|0|ts|" now, x, "|")
				printf "%s", cmd(x, 23)
			}
		}' | redis-cli -p "$rport" --pipe >/dev/null
	r config resetstat >/dev/null
fi
if [ -n "${ACCEPT_ONLY:-}${RECEIPTS_ONLY:-}" ]; then
	"$b/test/integration/bb_server_driver" -c "$dir/b.conf" >"$dir/bb.log" 2>&1 &
else
	"$b/bearerbox/bearerbox" -c "$dir/b.conf" >"$dir/bb.log" 2>&1 &
fi
bpid=$!
pids="$pids $bpid"
pin 0 "$bpid"
for _ in $(seq 200); do
	{ [ -n "${ACCEPT_ONLY:-}${RECEIPTS_ONLY:-}" ] || [ "$(r exists '{b}:link:sim:up')" = 1 ]; } && python3 -c "import socket; socket.create_connection(('127.0.0.1', $bport)).close()" 2>/dev/null && break
	sleep 0.05
done

if [ -n "${RECEIPTS_ONLY:-}" ]; then
	echo "== receipts only: $n waiting in Redis -> SMPP server (bb_server_driver) -> generator"
elif [ -n "${ACCEPT_ONLY:-}" ]; then
	echo "== accept only: generator -> SMPP server (bb_server_driver) -> Redis"
else
	echo "== bearerbox: generator -> bearerbox SMPP server -> smscsim, receipts back"
fi
echo "uptime: $(uptime)"
# Commands that held Redis 1 ms or more (each delays every request behind it).
# (Not under callgrind: every command is slow there, and logging them costs.)
r config set slowlog-log-slower-than "$([ -n "${CALLGRIND:-}" ] && echo -1 || echo 1000)" >/dev/null
r config set slowlog-max-len 100000 >/dev/null
r slowlog reset >/dev/null
[ -n "${CALLGRIND:-}" ] && callgrind_control -z "$rpid" >/dev/null
t0r=$(cpu_ticks "$rpid"); t0b=$(cpu_ticks "$bpid"); t0s=$(cpu_ticks "$spid")
s0=$(date +%s%N)
if [ -n "${PERF:-}" ]; then
	perf record -g -o "$dir/perf.data" -p "$bpid" >/dev/null 2>&1 &
	perfpid=$!
	perf record -o "$dir/perf-redis.data" -p "$rpid" >/dev/null 2>&1 &
	perfrpid=$!
fi
gen "$bport" 2>"$dir/bb.err" &
gpid=$!
(sleep 1; top -bn1 >"$dir/top.txt" 2>&1) &
gticks=0
while kill -0 "$gpid" 2>/dev/null; do
	gticks=$(cpu_ticks "$gpid" 2>/dev/null || echo "$gticks")
	sleep 0.2
done
wait "$gpid" || echo "generator failed" >&2
s1=$(date +%s%N)
if [ -n "${CALLGRIND:-}" ]; then
	callgrind_control -d "$rpid" >/dev/null
	ir=$(grep -h '^summary' "$dir"/cg.*.1 | cut -d' ' -f2)
	echo "redis instructions per message: $(( ir / n ))"
fi
if [ -n "${PERF:-}" ]; then
	kill -INT "$perfpid" "$perfrpid"; wait "$perfpid" "$perfrpid" 2>/dev/null || true
	perf report -i "$dir/perf.data" --no-children --stdio 2>/dev/null |
		grep -v '^$' | head -400 >"$dir/perf.txt"
	perf report -i "$dir/perf-redis.data" --no-children --stdio 2>/dev/null |
		grep -v '^$' | head -80 >"$dir/perf-redis.txt"
	echo "perf reports: $dir/perf.txt $dir/perf-redis.txt"
fi
grep -v '^load: t=' "$dir/bb.err" >&2 || true
if [ -n "${STATS:-}" ]; then
	hz=$(getconf CLK_TCK)
	ms=$(( (s1 - s0) / 1000000 ))
	pct() { echo $(( ($1) * 100000 / hz / ms ))%; }
	echo "per second (first 40):"
	grep '^load: t=' "$dir/bb.err" | head -40 | sed 's/^load: /  /'
	rt=$(( $(cpu_ticks "$rpid") - t0r ))
	echo "cpu over ${ms} ms: redis $(pct "$rt") bearerbox $(pct $(( $(cpu_ticks "$bpid") - t0b ))) smscsim $(pct $(( $(cpu_ticks "$spid") - t0s ))) generator $(pct "$gticks")"
	echo "redis cpu per message: $(( rt * 1000000 / hz / n )) us"
	echo "top during the run:"; sed -n '8,12p' "$dir/top.txt"
	echo "redis commands of 1 ms or more (each delayed the requests behind it):"
	r --json slowlog get 100000 | python3 -c '
import json, re, sys
g = {}
for e in json.load(sys.stdin):
    a = e[3]
    k = a[0].lower() + " " + (a[3] if a[0].lower() == "evalsha" and len(a) > 3 else a[1] if len(a) > 1 else "")
    k = re.sub(r"[0-9]+", "N", k)
    n, t, m = g.get(k, (0, 0, 0))
    g[k] = (n + 1, t + e[2], max(m, e[2]))
for k, (n, t, m) in sorted(g.items(), key=lambda x: -x[1][1])[:6]:
    print("  %6d x %-40s total %7.1f ms, max %6.1f ms" % (n, k, t / 1000, m / 1000))
'
	echo "redis commandstats (by usec):"
	r info commandstats | tr -d '\r' | grep '^cmdstat' |
		awk -F'[:,=]' '{ print $5, $0 }' | sort -rn | cut -d' ' -f2- | head -16
fi
grep -i 'error\|warn' "$dir/bb.log" | head -5 || true
