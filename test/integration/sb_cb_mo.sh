#!/usr/bin/env bash
# Inbound (MO) forwarding (issue 4 item 6, seed 004 §7.1): a POST with the
# form fields user, pass (the account's mo-pass, empty without one: we keep
# only a password hash), dcs, org, dest, message (UTF-8); retried after 500s;
# the first try plus mo-retries, then a dead letter.
. "$top_srcdir/test/integration/lib.sh"
. "$top_srcdir/test/integration/sb_cb_lib.sh"

sb_setup 'http-timeout = 2s' 'mo-retry-delay = 1s' 'dead-letter-max = 1'	# mo-retries: default 3
sb_sink flaky --fail 2
sb_sink bad --fail 1000
ctl account add acme --password 'pw-acme-1' --mo-url "http://127.0.0.1:$SINK_flaky/mo.php"
ctl account set acme --mo-pass 'sh&red s3cret'
ctl account add bob --password 'pw-bob-1' --mo-url "http://127.0.0.1:$SINK_flaky/bob?k=v"
ctl account add dead --password 'pw-dead-1' --mo-url "http://127.0.0.1:$SINK_bad/mo"
sb_box box1

text='Hej då! 1+1=2 & €uro'
sb_mo acct acme from 447700900123 to 447911000001 dcs 0 text "$text" ts 1763788800000
sb_mo acct bob from 447700900124 to 447911000002 dcs 8 text 'Привет' ts 1763788800000
sb_wait_req flaky 3 "r['path'] == '/mo.php'" 15
sb_wait_req flaky 3 "r['path'] == '/bob'" 15
sb_wait_idle
want="{'user': 'acme', 'pass': 'sh&red s3cret', 'dcs': '0', 'org': '447700900123', 'dest': '447911000001', 'message': '$text'}"
[ "$(sb_count flaky "r['path'] == '/mo.php' and r['method'] == 'POST' and f == $want and q == {}")" = 3 ] ||
	t_fail "acme's MO: $(sb_req flaky "r['path'] == '/mo.php'")"
[ "$(sb_count flaky "r['path'] == '/mo.php' and r['answered'] == 200")" = 1 ] || t_fail "acme's MO not confirmed once"
t_ok "MO POSTed with user, pass = mo-pass, dcs, org, dest, message (UTF-8, form-encoded); 500 twice, then confirmed"
[ "$(sb_count flaky "r['path'] == '/bob' and q == {'k': 'v'} and f == {'user': 'bob', 'pass': '', 'dcs': '8', 'org': '447700900124', 'dest': '447911000002', 'message': 'Привет'}")" = 3 ] ||
	t_fail "bob's MO: $(sb_req flaky "r['path'] == '/bob'")"
t_ok "an account without mo-pass: pass is sent empty; the URL's own query is kept"
grep -q 'sh&red\|s3cret' "$T_DIR/box1.log" && t_fail "the mo-pass appears in the log"
[ "$(t_redis LLEN "$P:cb:dead")" = 0 ] || t_fail "dead letters after success"

t_redis LPUSH "$P:cb:dead" 'v=1&k=dlr&an-older-dead-letter' >/dev/null
sb_mo acct dead from 447700900125 to 447911000003 dcs 0 text 'lost?'
t_wait_log box1 'dead letter uid=mo:[0-9-]+ acct=dead id= status=500 .* tries=4' 20
sb_wait_idle
[ "$(sb_count bad "r['path'] == '/mo'")" = 4 ] || t_fail "$(sb_count bad) tries, wanted 1 + mo-retries = 4"
python3 - "$T_DIR/bad.jsonl" <<'PY' || t_fail "MO retry spacing: $(cat "$T_DIR/bad.jsonl")"
import json, sys
t = [json.loads(l)["time"] for l in open(sys.argv[1])]
d = [b - a for a, b in zip(t, t[1:])]
for got, want in zip(d, [1, 2, 4]):
    assert want - 0.1 <= got < want + 0.8, d
PY
dead=$(t_redis LINDEX "$P:cb:dead" 0)
case $dead in
*'k=mo'*'a=dead'*'b=dcs%3D0%26org%3D447700900125%26dest%3D447911000003%26message%3Dlost%253F'*) ;;
*) t_fail "dead letter: $dead" ;;
esac
case $dead in *pass*) t_fail "a dead letter holds a pass field: $dead" ;; esac
[ "$(t_redis LLEN "$P:cb:dead")" = 1 ] || t_fail "dead-letter-max = 1 not held: $(t_redis LRANGE "$P:cb:dead" 0 -1)"
t_ok "always 500: 4 tries (1 + mo-retries) after 1, 2, 4 s, then a dead letter without the password; dead-letter-max = 1 keeps only it"

# --- Redis restarts (empty): the worker reconnects, recreates its groups -------
kill -TERM "$T_PID_redis"
wait "$T_PID_redis" 2>/dev/null
t_wait_log box1 'redis unreachable' 10
t_spawn redis2 "${REDIS_SERVER:-redis-server}" --port "$T_REDIS_PORT" --bind 127.0.0.1 \
	--save '' --appendonly no --dir "$T_DIR"
t_wait_port "$T_REDIS_PORT"
ctl account add acme --password 'pw-acme-1' --mo-url "http://127.0.0.1:$SINK_bad/after"
for ((i = 0; i < 100; i++)); do
	[ "$(t_redis XINFO GROUPS "$P:mo:http" 2>/dev/null | grep -c smsbox)" -ge 1 ] && break
	sleep 0.1
done
sb_mo acct acme from 447700900126 to 447911000001 dcs 0 text 'after the restart'
sb_wait_req bad 1 "r['path'] == '/after' and f['message'] == 'after the restart'" 10
t_ok "Redis restarted empty: groups recreated, the next MO is forwarded"
