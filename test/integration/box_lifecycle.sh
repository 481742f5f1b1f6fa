#!/usr/bin/env bash
# A box connects to Redis, announces itself with a heartbeat key, waits for
# Redis when it is not there yet, and on SIGTERM removes its key and exits 0.
. "$top_srcdir/test/integration/lib.sh"

port=$(t_free_port)
cat >"$T_DIR/h.conf" <<CONF
group = core
redis-url = "redis://127.0.0.1:$port/0"
key-prefix = "lc"
log-level = debug
CONF
t_spawn bearerbox "$top_builddir/bearerbox/bearerbox" -c "$T_DIR/h.conf"
t_wait_log bearerbox 'redis unreachable'
t_ok "bearerbox says once that Redis is unreachable and keeps trying"

T_REDIS_PORT=$port
t_spawn redis "${REDIS_SERVER:-redis-server}" --port "$port" --bind 127.0.0.1 --save '' --dir "$T_DIR"
t_wait_port "$port"
for ((i = 0; i < 200; i++)); do
	[ -n "$(t_redis --scan --pattern '{lc}:box:bearerbox@*')" ] && break
	sleep 0.05
done
key=$(t_redis --scan --pattern '{lc}:box:bearerbox@*')
[ -n "$key" ] || t_fail "no heartbeat key after Redis came up"
[ "$(t_redis hget "$key" type)" = bearerbox ] || t_fail "heartbeat key has no type"
ttl=$(t_redis ttl "$key")
[ "$ttl" -gt 0 ] && [ "$ttl" -le 15 ] || t_fail "heartbeat TTL is $ttl"
t_ok "heartbeat key $key with a TTL once Redis is up"

kill -TERM "$T_PID_bearerbox"
rc=0
wait "$T_PID_bearerbox" || rc=$?
[ "$rc" -eq 0 ] || t_fail "bearerbox exited $rc on SIGTERM"
[ "$(t_redis exists "$key")" = 0 ] || t_fail "heartbeat key left behind"
t_ok "SIGTERM: heartbeat key removed, exit 0"
