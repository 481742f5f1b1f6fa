#!/usr/bin/env bash
# Redis connections killed again and again while parts flow: replies lost in
# flight are redone (every script is idempotent), entries read but never
# received are claimed back, and in the end every part is answered exactly
# once and acknowledged.
. "$top_srcdir/test/integration/lib.sh"
. "$top_srcdir/test/integration/bb_link_lib.sh"
bbl_need_node
t_redis_start

bbl_operator op latency-ms=20
{
	bbl_core
	cat <<CONF
group = smsc
smsc-id = k
host = 127.0.0.1
port = $OP_PORT_op
system-id = hermod
sessions = 2
window = 10
throughput = 150
reconnect-delay = 1s
response-timeout = 1s
CONF
} >"$T_DIR/k.conf"
n=600
for ((i = 1; i <= n; i++)); do
	echo "HSET $P:msg:k$i acct acme to 44797000$i parts 1 origin http dlr 0"
	echo "XADD $P:q:k * id k$i part 1 parts 1 acct acme to 44797000$i from Hermod coding 0 data k$i flash 0 dlr 0 ts ${EPOCHSECONDS}000 tries 0"
done | t_redis >/dev/null
t_spawn bb "$top_builddir/bearerbox/bearerbox" -c "$T_DIR/k.conf"
t_wait_log bb 'link up smsc=k' 10
for ((k = 0; k < 6; k++)); do
	sleep 0.5
	t_redis client kill type normal skipme yes >/dev/null
done
answered() { [ "$(grep '"ev":"resp"' "$T_DIR/op.jsonl" | sed 's/.*"to":"\([0-9]*\)".*/\1/' | sort -u | wc -l)" -ge $n ]; }
bbl_wait 25 answered || t_fail "only $(grep -c '"ev":"resp"' "$T_DIR/op.jsonl") answered"
dups=$(grep '"ev":"resp"' "$T_DIR/op.jsonl" | sed 's/.*"to":"\([0-9]*\)".*/\1/' | sort | uniq -d | wc -l)
[ "$dups" = 0 ] || t_fail "$dups parts submitted twice"
bbl_wait 15 bbl_stream_empty k || t_fail "queue not drained: $(t_redis xlen "$P:q:k") left, $(t_redis zcard "$P:retry") in retry"
t_wait_log bb 'redis connected' 1
t_ok "6 Redis disconnects during $n parts: each answered once, queue drained"
