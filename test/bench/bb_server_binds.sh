#!/usr/bin/env bash
# Bench (never run by make check): memory per idle SMPP bind and the most
# concurrent binds one bearerbox's SMPP server holds. Binds COUNT (default
# 10000) transceivers over COUNT/1000 accounts (max-binds 1000 each) with
# test/bench/bb_server_binds, waits until the server counts them all, and
# reads the server's resident memory (VmRSS) before and after.
#
#   top_builddir=BUILD top_srcdir=SRC bash test/bench/bb_server_binds.sh [COUNT]
#
# Needs the build's test/integration/bb_server_driver and
# test/bench/bb_server_binds (make check; make test/bench/bb_server_binds), a
# redis-server, and `ulimit -n` above COUNT + 100.
. "$top_srcdir/test/integration/lib.sh"

COUNT=${1:-10000}
ACCTS=$(( (COUNT + 999) / 1000 ))
ulimit -n $((COUNT + 200)) 2>/dev/null || t_fail "ulimit -n $((COUNT + 200)) refused"
t_redis_start
PORT=$(t_free_port)
cat >"$T_DIR/s.conf" <<CONF
group = core
redis-url = "$T_REDIS_URL"
key-prefix = bench
log-level = info

group = smsc
smsc-id = op1
host = 127.0.0.1
port = 1
system-id = x

group = route
default = yes
smsc-id = op1

group = smpp-server
port = $PORT
interface = 127.0.0.1
enquire-link-interval = 1h
max-binds = 1000
CONF
for ((i = 0; i < ACCTS; i++)); do
	"$top_builddir/hermodctl/hermodctl" -c "$T_DIR/s.conf" account add "b$i" \
		--password benchpw --max-binds 1000 >/dev/null || t_fail "hermodctl"
done
t_spawn srv "$top_builddir/test/integration/bb_server_driver" -c "$T_DIR/s.conf"
t_wait_log srv "driver ready"
t_wait_log srv "redis connected"
rss() { awk '/VmRSS/ { print $2 }' "/proc/$T_PID_srv/status"; }
# One bind per account first, so the password cache and buffers are warm.
"$top_builddir/test/bench/bb_server_binds" "$PORT" "$ACCTS" "$ACCTS" benchpw 0 >/dev/null ||
	t_fail "warm-up binds failed"
t_wait_log srv "binds=0 conns=0"
rss0=$(rss)
t_spawn cli "$top_builddir/test/bench/bb_server_binds" "$PORT" "$COUNT" "$ACCTS" benchpw 30
t_wait_log cli "^bound" 120
cat "$T_DIR/cli.log"
t_wait_log srv "driver stats binds=$COUNT " 30
rss1=$(rss)
per=$(( (rss1 - rss0) * 1024 / COUNT ))
echo "server VmRSS: $rss0 KiB idle, $rss1 KiB with $COUNT binds"
echo "memory per idle bind: $per bytes (VmRSS delta / binds)"
echo "Redis bind set sizes: $(for ((i = 0; i < ACCTS; i++)); do t_redis zcard "{bench}:binds:b$i"; done | tr '\n' ' ')"
kill "$T_PID_cli" 2>/dev/null
t_wait_log srv "binds=0 conns=0 bind_ok=$((COUNT + ACCTS)) " 60
echo "all $COUNT binds closed and forgotten"
